// Pools of XAPI records for the agreement test, made the way XAPI and the storage manager make
// them, plus the damage real pools show.
//
// A pool is plain JSON (so a failing one can be printed and replayed):
//   { name, seed, tolerance, toleranceFrom, mutations, records: { pool, SR, VDI, VBD, VM } }
// where each table maps an opaque reference to the record `<class>.get_record` returns. The
// back-references XAPI maintains (SR.VDIs, VDI.VBDs, VM.VBDs, VDI.snapshots) are kept
// consistent by PoolBuilder; only the adversarial mutations break what they mean to break.
//
// Chains grow by simulating the storage manager rather than by drawing shapes: a snapshot turns
// the disk's current image into a hidden base copy (unmanaged, a new uuid) with two new leaves on
// it, the disk and the snapshot; a fast clone does the same to a snapshot; deleting snapshots
// leaves base copies with one child; the garbage collector, when it runs, merges a base copy
// with its only base-copy child (non-leaf coalesce), merges a base copy into its only leaf
// (leaf coalesce, on SRs that do it) and deletes base copies nobody uses. How often it runs per
// SR decides how many coalesces are pending — which is what Xen Orchestra's check counts.

const NULL_REF = 'OpaqueRef:NULL';
/** The storage manager refuses to snapshot a disk whose chain has this many images. */
export const MAX_CHAIN_DEPTH = 30;
const GIB = 1024 ** 3;

/** A small fast seeded PRNG (sfc32), with the helpers the generator needs. */
export function makeRng(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng = {
    next,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    /** `[[weight, value], …]` → a value. */
    weighted: (choices) => {
      let r = next() * choices.reduce((sum, [w]) => sum + w, 0);
      for (const [w, value] of choices) {
        if ((r -= w) < 0) return value;
      }
      return choices[choices.length - 1][1];
    },
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      hex[12] = '4';
      hex[16] = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
      const h = hex.join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
  return rng;
}

/** The VMs a backup checks: not snapshots, templates or the control domain. */
export function backupableVms(records) {
  return Object.keys(records.VM).filter((ref) => {
    const vm = records.VM[ref];
    return !vm.is_a_template && !vm.is_a_snapshot && !vm.is_control_domain;
  });
}

const remove = (list, item) => {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
};

/** Builds and edits one pool's records, keeping XAPI's back-references consistent. */
export class PoolBuilder {
  constructor(rng, name = 'pool') {
    this.rng = rng;
    this.records = { pool: {}, SR: {}, VDI: {}, VBD: {}, VM: {} };
    const poolRef = this.#ref();
    this.records.pool[poolRef] = { uuid: rng.uuid(), name_label: name, name_description: '', master: NULL_REF, other_config: {}, tags: [] };
  }

  #ref() {
    return `OpaqueRef:${this.rng.uuid()}`;
  }

  sr({ type = 'lvm', name = `${type} SR`, contentType = 'user', shared = type !== 'lvm' && type !== 'ext', size = 2000 * GIB } = {}) {
    const ref = this.#ref();
    this.records.SR[ref] = {
      uuid: this.rng.uuid(),
      name_label: name,
      name_description: '',
      type,
      content_type: contentType,
      shared,
      physical_size: size,
      physical_utilisation: 0,
      virtual_allocation: 0,
      VDIs: [],
      PBDs: [],
      current_operations: {},
      other_config: {},
      sm_config: {},
      tags: [],
    };
    return ref;
  }

  /** A VDI on `sr`; `parent` is a VDI ref or a bare uuid (for a parent no record has). */
  vdi(sr, { name = 'disk', managed = true, snapshotOf = null, parent = null, virtualSize = 20 * GIB, physical, iso = false } = {}) {
    const ref = this.#ref();
    const record = {
      uuid: this.rng.uuid(),
      name_label: name,
      name_description: '',
      SR: sr,
      VBDs: [],
      managed,
      is_a_snapshot: snapshotOf !== null,
      snapshot_of: snapshotOf ?? NULL_REF,
      snapshots: [],
      snapshot_time: snapshotOf !== null ? '20260301T02:00:00Z' : '19700101T00:00:00Z',
      type: 'user',
      sharable: false,
      read_only: !managed || iso,
      missing: false,
      virtual_size: virtualSize,
      physical_utilisation: physical ?? Math.round(virtualSize * (0.05 + this.rng.next() * 0.5)),
      sm_config: iso ? {} : { vdi_type: 'vhd' },
      other_config: {},
      current_operations: {},
      cbt_enabled: false,
      tags: [],
    };
    this.records.VDI[ref] = record;
    this.records.SR[sr].VDIs.push(ref);
    if (snapshotOf !== null && this.records.VDI[snapshotOf]) this.records.VDI[snapshotOf].snapshots.push(ref);
    if (parent !== null) this.setParent(ref, parent);
    return ref;
  }

  /** Sets `vhd-parent` to a VDI's uuid (given its ref) or to a bare uuid; `null` removes it. */
  setParent(vdiRef, parent) {
    const sm = this.records.VDI[vdiRef].sm_config;
    if (parent === null) delete sm['vhd-parent'];
    else sm['vhd-parent'] = this.records.VDI[parent]?.uuid ?? parent;
  }

  parentRef(vdiRef) {
    const uuid = this.records.VDI[vdiRef]?.sm_config['vhd-parent'];
    return uuid === undefined ? undefined : this.refByUuid(uuid);
  }

  refByUuid(uuid) {
    for (const [ref, vdi] of Object.entries(this.records.VDI)) if (vdi.uuid === uuid) return ref;
    return undefined;
  }

  /** VDIs of the SR whose `vhd-parent` is this VDI (what the garbage collector and XO see). */
  children(vdiRef) {
    const { uuid, SR } = this.records.VDI[vdiRef];
    return this.records.SR[SR].VDIs.filter((r) => this.records.VDI[r]?.sm_config['vhd-parent'] === uuid);
  }

  /** Images from this VDI down to its root (a loop is counted once). */
  depth(vdiRef) {
    const seen = new Set();
    for (let ref = vdiRef; ref !== undefined && !seen.has(ref); ref = this.parentRef(ref)) seen.add(ref);
    return seen.size;
  }

  vm({ name = 'vm', powerState = 'Running', snapshotOf = null, template = false, controlDomain = false } = {}) {
    const ref = this.#ref();
    this.records.VM[ref] = {
      uuid: this.rng.uuid(),
      name_label: name,
      name_description: '',
      power_state: snapshotOf !== null || template ? 'Halted' : powerState,
      is_a_template: template || snapshotOf !== null,
      is_default_template: false,
      is_a_snapshot: snapshotOf !== null,
      is_control_domain: controlDomain,
      snapshot_of: snapshotOf ?? NULL_REF,
      snapshots: [],
      snapshot_time: snapshotOf !== null ? '20260301T02:00:00Z' : '19700101T00:00:00Z',
      VBDs: [],
      resident_on: NULL_REF,
      affinity: NULL_REF,
      other_config: {},
      blocked_operations: {},
      current_operations: {},
      tags: [],
    };
    if (snapshotOf !== null) this.records.VM[snapshotOf].snapshots.push(ref);
    return ref;
  }

  /** A VBD of `vm`; `vdi` may be `NULL_REF` (an empty CD drive) or the ref of a deleted VDI. */
  vbd(vm, vdi, { type = 'Disk', mode = type === 'CD' ? 'RO' : 'RW' } = {}) {
    const ref = this.#ref();
    const position = String(this.records.VM[vm].VBDs.length);
    this.records.VBD[ref] = {
      uuid: this.rng.uuid(),
      VM: vm,
      VDI: vdi,
      type,
      mode,
      userdevice: position,
      device: `xvd${String.fromCharCode(97 + Number(position))}`,
      bootable: position === '0',
      currently_attached: this.records.VM[vm].power_state === 'Running',
      empty: vdi === NULL_REF,
      other_config: {},
    };
    this.records.VM[vm].VBDs.push(ref);
    this.records.VDI[vdi]?.VBDs.push(ref);
    return ref;
  }

  destroyVbd(vbdRef) {
    const vbd = this.records.VBD[vbdRef];
    remove(this.records.VM[vbd.VM]?.VBDs ?? [], vbdRef);
    remove(this.records.VDI[vbd.VDI]?.VBDs ?? [], vbdRef);
    delete this.records.VBD[vbdRef];
  }

  /** Deletes a VDI record; with `keepVbds` its VBDs stay and name a VDI that no longer exists. */
  destroyVdi(vdiRef, { keepVbds = false } = {}) {
    const vdi = this.records.VDI[vdiRef];
    if (!keepVbds) for (const vbd of [...vdi.VBDs]) this.destroyVbd(vbd);
    remove(this.records.SR[vdi.SR].VDIs, vdiRef);
    remove(this.records.VDI[vdi.snapshot_of]?.snapshots ?? [], vdiRef);
    delete this.records.VDI[vdiRef];
  }

  destroyVm(vmRef, { withDisks = true } = {}) {
    const vm = this.records.VM[vmRef];
    for (const vbdRef of [...vm.VBDs]) {
      const vdiRef = this.records.VBD[vbdRef].VDI;
      const vbdType = this.records.VBD[vbdRef].type;
      this.destroyVbd(vbdRef);
      if (withDisks && vbdType === 'Disk' && this.records.VDI[vdiRef]?.VBDs.length === 0) this.destroyVdi(vdiRef);
    }
    remove(this.records.VM[vm.snapshot_of]?.snapshots ?? [], vmRef);
    delete this.records.VM[vmRef];
  }

  /** Moves a VDI record to another SR (the chain links stay as they were). */
  moveVdi(vdiRef, srRef) {
    const vdi = this.records.VDI[vdiRef];
    remove(this.records.SR[vdi.SR].VDIs, vdiRef);
    vdi.SR = srRef;
    this.records.SR[srRef].VDIs.push(vdiRef);
  }

  /**
   * What the storage manager does for VDI.snapshot (and VDI.clone): the VDI's current image
   * becomes a hidden base copy with a new uuid; the VDI and the new copy are two new leaves on it.
   * Returns the copy's ref, or `undefined` when the chain is too long (SR_BACKEND_FAILURE_109).
   */
  snapshotVdi(vdiRef, { clone = false, name } = {}) {
    if (this.depth(vdiRef) >= MAX_CHAIN_DEPTH) return undefined;
    const vdi = this.records.VDI[vdiRef];
    const base = this.vdi(vdi.SR, {
      name: 'base copy',
      managed: false,
      virtualSize: vdi.virtual_size,
      physical: vdi.physical_utilisation,
      parent: vdi.sm_config['vhd-parent'] ?? null,
    });
    vdi.physical_utilisation = Math.round(vdi.virtual_size * 0.01);
    this.setParent(vdiRef, base);
    return this.vdi(vdi.SR, {
      name: name ?? (clone ? `${vdi.name_label} (clone)` : vdi.name_label),
      snapshotOf: clone ? null : vdiRef,
      virtualSize: vdi.virtual_size,
      physical: Math.round(vdi.virtual_size * 0.01),
      parent: base,
    });
  }

  /** One step of the storage manager's garbage collector on an SR; false when it has nothing to do. */
  gcStep(srRef, { leafCoalesce = true } = {}) {
    const work = [];
    for (const ref of this.records.SR[srRef].VDIs) {
      const vdi = this.records.VDI[ref];
      if (vdi.managed) continue;
      const children = this.children(ref);
      if (children.length === 0) work.push(() => this.destroyVdi(ref));
      if (children.length !== 1 || children[0] === ref) continue;
      const child = this.records.VDI[children[0]];
      if (!child.managed) {
        work.push(() => {
          // non-leaf coalesce: the child's data goes into this base copy, its children follow
          for (const grandchild of this.children(children[0])) this.setParent(grandchild, ref);
          this.destroyVdi(children[0]);
        });
      } else if (leafCoalesce && this.children(children[0]).length === 0) {
        work.push(() => {
          // leaf coalesce: the leaf keeps its identity on top of this base copy's parent
          this.setParent(children[0], vdi.sm_config['vhd-parent'] ?? null);
          this.destroyVdi(ref);
        });
      }
    }
    if (work.length === 0) return false;
    this.rng.pick(work)();
    return true;
  }

  backupableVms() {
    return backupableVms(this.records);
  }

  diskVdis(vmRef) {
    return this.records.VM[vmRef].VBDs.map((vbd) => this.records.VBD[vbd])
      .filter((vbd) => vbd.type === 'Disk' && this.records.VDI[vbd.VDI] !== undefined)
      .map((vbd) => vbd.VDI);
  }

  /** VM.snapshot: every disk snapshotted, a snapshot VM with VBDs to the copies. */
  snapshotVm(vmRef) {
    const disks = this.diskVdis(vmRef);
    if (disks.some((d) => this.records.VDI[d].is_a_snapshot || this.depth(d) >= MAX_CHAIN_DEPTH)) return undefined;
    const snapshot = this.vm({ name: `${this.records.VM[vmRef].name_label} (backup)`, snapshotOf: vmRef });
    for (const disk of disks) this.vbd(snapshot, this.snapshotVdi(disk));
    return snapshot;
  }

  /** VM.clone of a snapshot (a fast clone): each snapshot disk cloned, a new VM on the clones. */
  cloneVm(snapshotRef, name) {
    const disks = this.diskVdis(snapshotRef);
    if (disks.some((d) => this.depth(d) >= MAX_CHAIN_DEPTH)) return undefined;
    const vm = this.vm({ name });
    for (const disk of disks) this.vbd(vm, this.snapshotVdi(disk, { clone: true, name: `${name} disk` }));
    return vm;
  }

}

// ---- the random pools ------------------------------------------------------------------------

const SR_TYPES = [
  [4, 'lvm'],
  [3, 'lvmoiscsi'],
  [2, 'lvmohba'],
  [3, 'ext'],
  [4, 'nfs'],
  [1, 'smb'],
];

/** Tolerances as Xen Orchestra can receive them, the usual ones most often. */
const TOLERANCES = [
  [14, 0],
  [36, 1],
  [16, 2],
  [12, 3],
  [2, { number: 'NaN' }],
  [2, { number: 'Infinity' }],
  [1, { number: '-Infinity' }],
  [2, -1],
  [2, 0.5],
  [2, 2.5],
  [1, 2 ** 53],
  [2, '2'],
  [1, ''],
  [1, 'abc'],
  [1, true],
  [1, false],
];

/** A pool's tolerance as the JavaScript value it stands for (JSON has no NaN nor Infinity). */
export function toleranceValue(tolerance) {
  return tolerance !== null && typeof tolerance === 'object' ? Number(tolerance.number) : tolerance;
}

/** The adversarial edits, each applied to a pool built the normal way; each returns false when the pool has no place for it. */
export const MUTATIONS = {
  /** A base copy deleted under its children, or a `vhd-parent` naming a uuid that never existed. */
  'missing-parent'(b) {
    const withParent = Object.keys(b.records.VDI).filter((r) => b.records.VDI[r].sm_config['vhd-parent'] !== undefined);
    if (withParent.length === 0) return false;
    const child = b.rng.pick(withParent);
    const parent = b.parentRef(child);
    if (parent !== undefined && b.rng.chance(0.6) && b.records.VDI[parent].VBDs.length === 0) b.destroyVdi(parent);
    else b.setParent(child, b.rng.uuid());
    return true;
  },
  /** A VDI whose `vhd-parent` is itself. */
  'loop-self'(b) {
    const refs = Object.keys(b.records.VDI).filter((r) => b.records.VDI[r].sm_config.vdi_type === 'vhd');
    if (refs.length === 0) return false;
    const vdi = b.rng.chance(0.7) ? b.rng.pick(refs.filter((r) => !b.records.VDI[r].managed).concat(refs)) : b.rng.pick(refs);
    b.setParent(vdi, vdi);
    return true;
  },
  /** A VDI and its parent pointing at each other. */
  'loop-two'(b) {
    const withParent = Object.keys(b.records.VDI).filter((r) => b.parentRef(r) !== undefined);
    if (withParent.length === 0) return false;
    const child = b.rng.pick(withParent);
    b.setParent(b.parentRef(child), child);
    return true;
  },
  /** The root of a chain pointing back at a VDI higher up (a disk, a snapshot or a base copy). */
  'loop-long'(b) {
    const deep = Object.keys(b.records.VDI).filter((r) => b.depth(r) >= 3);
    if (deep.length === 0) return false;
    const top = b.rng.pick(deep);
    const chain = [];
    const seen = new Set();
    for (let r = top; r !== undefined && !seen.has(r); r = b.parentRef(r)) {
      seen.add(r);
      chain.push(r);
    }
    b.setParent(chain[chain.length - 1], b.rng.pick(chain.slice(0, -2)));
    return true;
  },
  /** Two managed VDIs pointing at each other (no base copy on the loop). */
  'loop-managed'(b) {
    const managed = Object.keys(b.records.VDI).filter((r) => b.records.VDI[r].managed && b.records.VDI[r].sm_config.vdi_type === 'vhd');
    if (managed.length < 2) return false;
    const x = b.rng.pick(managed);
    const y = b.rng.pick(managed.filter((r) => r !== x));
    b.setParent(x, y);
    b.setParent(y, x);
    return true;
  },
  /** One more child under a base copy (a branch point), or a base copy's only child moved away. */
  branch(b) {
    const bases = Object.keys(b.records.VDI).filter((r) => !b.records.VDI[r].managed);
    const others = Object.keys(b.records.VDI).filter((r) => b.records.VDI[r].sm_config.vdi_type === 'vhd');
    if (bases.length === 0 || others.length < 2) return false;
    const base = b.rng.pick(bases);
    const child = b.rng.pick(others.filter((r) => r !== base));
    b.setParent(child, base);
    return true;
  },
  /** A VDI moved to another SR, its chain links unchanged (a chain across SRs). */
  'cross-sr'(b) {
    const srs = Object.keys(b.records.SR).filter((r) => b.records.SR[r].content_type !== 'iso');
    const vhds = Object.keys(b.records.VDI).filter((r) => b.records.VDI[r].sm_config.vdi_type === 'vhd');
    if (srs.length < 2 || vhds.length === 0) return false;
    const vdi = b.rng.pick(vhds);
    b.moveVdi(vdi, b.rng.pick(srs.filter((s) => s !== b.records.VDI[vdi].SR)));
    return true;
  },
  /** A disk deleted while a VBD still names it. */
  'deleted-vdi'(b) {
    const used = Object.keys(b.records.VDI).filter((r) => b.records.VDI[r].VBDs.length > 0);
    if (used.length === 0) return false;
    b.destroyVdi(b.rng.pick(used), { keepVbds: true });
    return true;
  },
  /** Two VBDs of one VM to the same VDI. */
  'duplicate-vbd'(b) {
    const vms = b.backupableVms().filter((vm) => b.diskVdis(vm).length > 0);
    if (vms.length === 0) return false;
    const vm = b.rng.pick(vms);
    b.vbd(vm, b.rng.pick(b.diskVdis(vm)), { mode: 'RO' });
    return true;
  },
  /** A snapshot interrupted before the old image was hidden: a base copy left managed. */
  'interrupted-snapshot'(b) {
    const bases = Object.keys(b.records.VDI).filter((r) => !b.records.VDI[r].managed);
    if (bases.length === 0) return false;
    const base = b.records.VDI[b.rng.pick(bases)];
    base.managed = true;
    base.read_only = false;
    return true;
  },
};

/**
 * A random pool from `seed`: 1–3 storage SRs (one may hold raw disks only), an ISO library,
 * up to 10 VMs with 1–3 disks and CD drives, a history of backup snapshots, deletions, fast
 * clones and garbage-collector runs, and in about a third of the pools one to three
 * adversarial mutations.
 */
export function generatePool(seed, { mutationRate = 0.35 } = {}) {
  const rng = makeRng(seed);
  const b = new PoolBuilder(rng, `pool ${seed}`);
  const srs = [];
  const nSrs = rng.weighted([[60, 1], [30, 2], [10, 3]]);
  for (let i = 0; i < nSrs; i++) {
    const type = rng.weighted(SR_TYPES);
    const ref = b.sr({ type, name: `${type} ${i + 1}` });
    srs.push({
      ref,
      // some old file SRs never leaf-coalesce; some SRs' collector falls behind or stops
      leafCoalesce: rng.chance(0.85),
      gcRate: rng.weighted([[3, 0], [3, 0.15], [3, 0.5], [2, 0.9]]),
      // a raw SR: leaves only, no VHD chains at all
      rawOnly: rng.chance(0.08),
    });
  }
  const iso = rng.chance(0.5) ? b.sr({ type: 'iso', name: 'ISO library', contentType: 'iso', shared: true }) : null;
  const isos = iso === null ? [] : Array.from({ length: rng.int(1, 3) }, (_, i) => b.vdi(iso, { name: `install-${i}.iso`, iso: true }));

  const newVm = (i) => {
    const home = rng.pick(srs);
    const vm = b.vm({ name: `vm-${i}`, powerState: rng.chance(0.75) ? 'Running' : 'Halted' });
    const nDisks = rng.weighted([[60, 1], [30, 2], [10, 3]]);
    for (let d = 0; d < nDisks; d++) {
      const sr = rng.chance(0.2) ? rng.pick(srs) : home;
      const vdi = b.vdi(sr.ref, { name: `vm-${i} disk ${d}`, virtualSize: rng.pick([10, 20, 50, 100, 500]) * GIB });
      if (sr.rawOnly) b.records.VDI[vdi].sm_config = { vdi_type: 'aio' };
      b.vbd(vm, vdi);
    }
    if (rng.chance(0.5)) b.vbd(vm, isos.length > 0 && rng.chance(0.5) ? rng.pick(isos) : NULL_REF, { type: 'CD' });
    return vm;
  };
  const nVms = rng.weighted([[30, 1], [30, 2], [20, 4], [15, 6], [5, 10]]);
  for (let i = 0; i < nVms; i++) newVm(i);
  if (rng.chance(0.3)) b.vm({ name: 'Control domain', controlDomain: true, powerState: 'Running' });
  let vmCount = nVms;

  const onVhdSrs = (vm) => b.diskVdis(vm).every((d) => b.records.VDI[d].sm_config.vdi_type === 'vhd');
  const snapshotsOf = (vm) => b.records.VM[vm].snapshots.filter((s) => b.records.VM[s] !== undefined);
  const collectGarbage = () => {
    for (const sr of srs) {
      while (rng.chance(sr.gcRate) && b.gcStep(sr.ref, sr)) {
        // one more step while the collector keeps up
      }
    }
  };
  const retention = rng.int(0, 3);
  const steps = rng.weighted([[10, 0], [30, 4], [40, 12], [20, 30]]);
  for (let step = 0; step < steps; step++) {
    const vms = b.backupableVms().filter(onVhdSrs);
    const op = rng.weighted([[60, 'backup'], [12, 'delete-snapshot'], [5, 'delete-snapshot-disk'], [5, 'clone'], [3, 'destroy-vm'], [4, 'new-vm'], [11, 'gc']]);
    if (op === 'backup' && vms.length > 0) {
      // a backup run: snapshot, then rotate the snapshots beyond the retention
      const vm = rng.pick(vms);
      b.snapshotVm(vm);
      const snaps = snapshotsOf(vm);
      while (snaps.length > retention && rng.chance(0.9)) b.destroyVm(snaps.shift());
    } else if (op === 'delete-snapshot') {
      const snaps = Object.keys(b.records.VM).filter((r) => b.records.VM[r].is_a_snapshot);
      if (snaps.length > 0) b.destroyVm(rng.pick(snaps));
    } else if (op === 'delete-snapshot-disk') {
      const snaps = Object.keys(b.records.VDI).filter((r) => b.records.VDI[r].is_a_snapshot);
      if (snaps.length > 0) b.destroyVdi(rng.pick(snaps));
    } else if (op === 'clone') {
      const snaps = Object.keys(b.records.VM).filter((r) => b.records.VM[r].is_a_snapshot);
      if (snaps.length > 0) b.cloneVm(rng.pick(snaps), `vm-${vmCount++} (fast clone)`);
    } else if (op === 'destroy-vm' && vms.length > 1) {
      b.destroyVm(rng.pick(vms));
    } else if (op === 'new-vm') {
      newVm(vmCount++);
    }
    if (op === 'gc' || rng.chance(0.7)) collectGarbage();
  }

  const mutations = [];
  if (rng.chance(mutationRate)) {
    const names = Object.keys(MUTATIONS);
    for (let n = rng.int(1, 3); n > 0; n--) {
      const name = rng.pick(names);
      if (MUTATIONS[name](b)) mutations.push(name);
    }
  }
  const tolerance = rng.weighted(TOLERANCES);
  // a quarter of the pools take the tolerance from the configuration, as backups do
  const numeric = typeof toleranceValue(tolerance) === 'number';
  const toleranceFrom = numeric && rng.chance(0.25) ? 'config' : 'argument';
  return { name: `random #${seed}`, seed, tolerance, toleranceFrom, mutations, records: b.records };
}
