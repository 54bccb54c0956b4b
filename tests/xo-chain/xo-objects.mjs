// A pool's XAPI records as xo-server holds them, and a stand-in for the `xo` object a plugin
// receives, so that the plugin's live chain check (xo-server-xapi-doctor/lib/live.js) reads
// what it would read inside xo-server.
//
// The conversion follows xo-server's `xapiObjectToXo` (packages/xo-server/src/
// xapi-object-to-xo.mjs, Xen Orchestra commit 9ef53890b8), field for field for the ones the
// chain check, the space plan and the reports read:
// - an object's `id` is its uuid (the ref when it has none), `type` its class, `$pool` the
//   pool's uuid, and `_xapiRef` its ref;
// - a reference field becomes the referenced object's id through xen-api's `$field` getters:
//   a ref to nothing (OpaqueRef:NULL, or a deleted object) becomes `undefined`, also inside
//   arrays;
// - a VDI's `type` is `VDI-snapshot` when it `is_a_snapshot` or its `snapshot_of` exists, else
//   `VDI-unmanaged` when not `managed`, else `VDI` — so `managed` itself is not kept, and an
//   unmanaged snapshot looks managed; `parent` is `sm_config['vhd-parent']`, `size` and `usage`
//   the virtual and physical sizes;
// - a VBD keeps `VDI`, `VM`, `is_cd_drive` (`type === 'CD'`), `position`, `read_only`…;
// - a VM's `type` gets `-controller`, `-snapshot` or `-template`; it lists `$VBDs`.
// The object store answers `getObject`, `getObjects` and `getObjectsByType` as xo-server's
// (packages/xo-server/src/xo.mjs) does: by id or ref, `noSuchObject` when absent, filters as
// lodash iteratees, maps keyed by id.
import iteratee from 'lodash/iteratee.js';

/** xo-server's `chainPhysicalUsage` walk has no loop guard: on a `vhd-parent` loop it never returns. */
export class XoServerWouldHang extends Error {}

function indexByRef(records) {
  const byRef = new Map();
  for (const [type, table] of Object.entries(records)) {
    for (const [ref, record] of Object.entries(table)) byRef.set(ref, { type, record, id: record.uuid ?? ref });
  }
  return byRef;
}

/**
 * The pool's objects as xo-server would build them. `hangs` lists the managed VDIs whose
 * conversion would never finish in xo-server (its parent walk for `chainPhysicalUsage` goes
 * round a loop); they are converted here with the loop cut, and marked.
 */
export function toXoObjects(records) {
  const byRef = indexByRef(records);
  const byUuid = new Map();
  for (const { record } of byRef.values()) if (record.uuid !== undefined) byUuid.set(record.uuid, record);
  const idOf = (ref) => byRef.get(ref)?.id;
  const link = (value) => (Array.isArray(value) ? value.map(idOf) : idOf(value));
  const exists = (ref) => byRef.has(ref);
  const poolId = Object.values(records.pool)[0]?.uuid;
  const hangs = [];

  const convert = {
    SR: (sr) => ({
      type: 'SR',
      content_type: sr.content_type,
      physical_usage: +sr.physical_utilisation,
      name_description: sr.name_description,
      name_label: sr.name_label,
      size: +sr.physical_size,
      shared: Boolean(sr.shared),
      SR_type: sr.type,
      tags: sr.tags,
      usage: +sr.virtual_allocation,
      VDIs: link(sr.VDIs),
      other_config: sr.other_config,
      sm_config: sr.sm_config,
      current_operations: sr.current_operations,
      $container: poolId,
      $PBDs: link(sr.PBDs),
    }),
    VDI: (vdi, ref) => {
      const object = {
        type: 'VDI',
        cbt_enabled: vdi.cbt_enabled,
        missing: vdi.missing,
        name_description: vdi.name_description,
        name_label: vdi.name_label,
        parent: vdi.sm_config['vhd-parent'],
        image_format: vdi.sm_config['image-format'],
        size: +vdi.virtual_size,
        snapshots: link(vdi.snapshots),
        tags: vdi.tags,
        usage: +vdi.physical_utilisation,
        VDI_type: vdi.type,
        current_operations: vdi.current_operations,
        other_config: vdi.other_config,
        $SR: link(vdi.SR),
        $VBDs: link(vdi.VBDs),
      };
      if (vdi.is_a_snapshot || exists(vdi.snapshot_of)) {
        object.type += '-snapshot';
        object.snapshot_time = Date.parse(vdi.snapshot_time.replace(/^(\d{4})(\d\d)(\d\d)T/, '$1-$2-$3T')) / 1000;
        object.$snapshot_of = link(vdi.snapshot_of);
      } else if (!vdi.managed) {
        object.type += '-unmanaged';
      } else {
        let total = +vdi.physical_utilisation;
        const seen = new Set([vdi.uuid]);
        for (let parent = byUuid.get(vdi.sm_config['vhd-parent']); parent !== undefined; parent = byUuid.get(parent.sm_config?.['vhd-parent'])) {
          if (seen.has(parent.uuid)) {
            hangs.push(ref);
            break;
          }
          seen.add(parent.uuid);
          total += +parent.physical_utilisation;
        }
        object.chainPhysicalUsage = total;
      }
      return object;
    },
    VBD: (vbd) => ({
      type: 'VBD',
      attached: Boolean(vbd.currently_attached),
      bootable: Boolean(vbd.bootable),
      device: vbd.device || null,
      is_cd_drive: vbd.type === 'CD',
      position: vbd.userdevice,
      read_only: vbd.mode === 'RO',
      VDI: link(vbd.VDI),
      VM: link(vbd.VM),
    }),
    VM: (vm) => {
      const object = {
        type: 'VM',
        name_description: vm.name_description,
        name_label: vm.name_label,
        power_state: vm.power_state,
        blockedOperations: vm.blocked_operations,
        current_operations: {},
        snapshots: link(vm.snapshots),
        tags: vm.tags,
        affinityHost: link(vm.affinity),
        $container: poolId,
        $VBDs: link(vm.VBDs),
      };
      if (vm.is_control_domain) {
        object.type += '-controller';
      } else if (vm.is_a_snapshot || exists(vm.snapshot_of)) {
        object.type += '-snapshot';
        object.$snapshot_of = link(vm.snapshot_of);
      } else if (vm.is_a_template) {
        object.type += '-template';
        if (vm.is_default_template) object.id = `${poolId}-${vm.uuid}`;
      }
      return object;
    },
    pool: (pool) => ({ type: 'pool', name_label: pool.name_label, name_description: pool.name_description }),
  };

  const objects = [];
  for (const [type, table] of Object.entries(records)) {
    for (const [ref, record] of Object.entries(table)) {
      const object = convert[type](record, ref);
      if (!('id' in object)) object.id = record.uuid ?? ref;
      if (record.uuid !== undefined) object.uuid = record.uuid;
      object.$pool = poolId;
      object.$poolId = poolId;
      Object.defineProperties(object, {
        _xapiId: { value: record.uuid ?? ref },
        _xapiRef: { value: ref, enumerable: true },
      });
      objects.push(Object.freeze(object));
    }
  }
  return { objects, hangs };
}

function noSuchObject(id, type) {
  const error = new Error('no such object');
  error.code = 1;
  error.data = { id, type };
  return error;
}

/** The parts of xo-server's `xo` object the plugin's live chain check uses. */
export class XoStandIn {
  constructor(objects, { xapiOptions = { maxUncoalescedVdis: 1 } } = {}) {
    this._all = { __proto__: null };
    this._byRef = { __proto__: null };
    this._byType = { __proto__: null };
    for (const object of objects) {
      this._all[object.id] = object;
      this._byRef[object._xapiRef] = object;
      (this._byType[object.type] ??= { __proto__: null })[object.id] = object;
    }
    const settings = { xapiOptions };
    this.config = { get: (name) => settings[name] };
  }

  getObject(key, type) {
    const object = this._all[key] || this._byRef[key];
    if (!object) throw noSuchObject(key, type);
    if (type != null && (typeof type === 'string' ? type !== object.type : !type.includes(object.type))) {
      throw noSuchObject(key, type);
    }
    return object;
  }

  getObjects({ filter, limit } = {}) {
    return select(this._all, filter, limit);
  }

  getObjectsByType(type, { filter, limit } = {}) {
    return select(this._byType[type], filter, limit);
  }
}

/** xo-server's selection: the collection itself without filter nor limit, else a new map by id. */
function select(objects, filter, limit) {
  if (filter === undefined) {
    if (limit === undefined || limit === Infinity) return objects;
    filter = () => true;
  } else {
    filter = iteratee(filter);
    if (limit === undefined) limit = Infinity;
  }
  const results = { __proto__: null };
  for (const id in objects) {
    if (filter(objects[id], id, objects)) {
      if (limit-- <= 0) break;
      results[id] = objects[id];
    }
  }
  return results;
}
