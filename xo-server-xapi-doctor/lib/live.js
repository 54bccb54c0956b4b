'use strict';
// The pool's live records, read from xo-server's object cache (`xo.getObject`,
// `xo.getObjectsByType` / `xo.getObjects`), shaped for xapi-doctor's chain check and space
// plan. xo-server's objects are what its own UI reads: a VDI's `type` is `VDI`, `VDI-snapshot`
// or `VDI-unmanaged` (a base copy), `parent` is the `vhd-parent` uuid, `$SR` the SR's uuid; a
// VM lists its `$VBDs`, a VBD names its `VDI` and `VM`. xapi-doctor reads these shapes as is.

const doctor = require('xapi-doctor');

const VDI_TYPES = ['VDI', 'VDI-snapshot', 'VDI-unmanaged'];

/** `xo.getObject` that returns `undefined` for a deleted object or one of another type. */
function getObjectOrUndefined(xo, id, types) {
  if (typeof id !== 'string' || id === '') return undefined;
  let object;
  try {
    object = xo.getObject(id);
  } catch {
    return undefined;
  }
  if (object == null || typeof object !== 'object') return undefined;
  if (types !== undefined && !types.includes(object.type)) return undefined;
  return object;
}

/** Every VDI of these SRs (disks, snapshots and base copies), as an array. */
function vdisOfSrs(xo, srIds) {
  const onTheseSrs = (object) => object != null && srIds.has(object.$SR);
  const found = [];
  if (typeof xo.getObjectsByType === 'function') {
    for (const type of VDI_TYPES) {
      found.push(...Object.values(xo.getObjectsByType(type, { filter: onTheseSrs }) ?? {}));
    }
    return found;
  }
  const isVdi = (object) => object != null && VDI_TYPES.includes(object.type) && onTheseSrs(object);
  return Object.values(xo.getObjects({ filter: isVdi }) ?? {});
}

/**
 * The records the chain check needs for these VMs: the VMs, their VBDs, and every VDI and SR
 * of the SRs their disks are on (Xen Orchestra's check counts a base copy's children among all
 * the VDIs of its SR). Missing objects are left out and listed in `missing`.
 */
function collectVmRecords(xo, vmIds) {
  const VM = [];
  const VBD = [];
  const srIds = new Set();
  const missing = [];
  for (const vmId of vmIds) {
    const vm = getObjectOrUndefined(xo, vmId, ['VM']);
    if (vm === undefined) {
      missing.push({ type: 'VM', id: vmId });
      continue;
    }
    VM.push(vm);
    for (const vbdId of Array.isArray(vm.$VBDs) ? vm.$VBDs : []) {
      const vbd = getObjectOrUndefined(xo, vbdId, ['VBD']);
      if (vbd === undefined) {
        missing.push({ type: 'VBD', id: vbdId });
        continue;
      }
      VBD.push(vbd);
      const vdi = vbd.VDI == null ? undefined : getObjectOrUndefined(xo, vbd.VDI, VDI_TYPES);
      if (vdi !== undefined && typeof vdi.$SR === 'string') srIds.add(vdi.$SR);
      else if (vbd.VDI != null && !vbd.is_cd_drive) missing.push({ type: 'VDI', id: vbd.VDI });
    }
  }
  const VDI = vdisWithTheirParents(xo, srIds);
  const SR = [];
  for (const srId of srIds) {
    const sr = getObjectOrUndefined(xo, srId, ['SR']);
    if (sr !== undefined) SR.push(sr);
    else missing.push({ type: 'SR', id: srId });
  }
  return { records: { VM, VBD, VDI, SR }, missing };
}

/**
 * The VDIs of these SRs, and of every SR a `vhd-parent` leads to: Xen Orchestra looks a parent
 * up by uuid anywhere in the pool, so a chain that (in damaged records) continues on another SR
 * is followed there, with that SR's VDIs counted as its check counts them. `srIds` grows.
 */
function vdisWithTheirParents(xo, srIds) {
  let vdis = vdisOfSrs(xo, srIds);
  for (;;) {
    const known = new Set(vdis.map((vdi) => vdi.uuid ?? vdi.id));
    const moreSrs = new Set();
    for (const vdi of vdis) {
      if (typeof vdi.parent !== 'string' || known.has(vdi.parent)) continue;
      const parent = getObjectOrUndefined(xo, vdi.parent, VDI_TYPES);
      if (typeof parent?.$SR === 'string' && !srIds.has(parent.$SR)) moreSrs.add(parent.$SR);
    }
    if (moreSrs.size === 0) return vdis;
    for (const srId of moreSrs) srIds.add(srId);
    vdis = vdisOfSrs(xo, srIds);
  }
}

/** The records of one SR: the SR, its VDIs, and the VMs (with their VBDs) that use them. */
function collectSrRecords(xo, srId) {
  const sr = getObjectOrUndefined(xo, srId, ['SR']);
  if (sr === undefined) return { records: null, missing: [{ type: 'SR', id: srId }] };
  const VDI = vdisOfSrs(xo, new Set([srId]));
  const vmIds = new Set();
  for (const vdi of VDI) {
    for (const vbdId of Array.isArray(vdi.$VBDs) ? vdi.$VBDs : []) {
      const vbd = getObjectOrUndefined(xo, vbdId, ['VBD']);
      if (vbd !== undefined && typeof vbd.VM === 'string') vmIds.add(vbd.VM);
    }
  }
  const { records, missing } = collectVmRecords(xo, vmIds);
  // The VMs' other disks may be on other SRs: those SRs are checked too, which is what Xen
  // Orchestra would do for these VMs; and the SR's own VDIs are all there even when no VM uses them.
  if (!records.SR.some((s) => s.id === sr.id)) records.SR.push(sr);
  const seen = new Set(records.VDI.map((v) => v.id));
  for (const vdi of VDI) if (!seen.has(vdi.id)) records.VDI.push(vdi);
  return { records, missing };
}

/**
 * Xen Orchestra's `maxUncoalescedVdis`: the plugin's setting when given, else xo-server's
 * `[xapiOptions]` (1 by default there).
 */
function toleranceOf(xo, configured) {
  if (configured !== undefined && configured !== null) return configured;
  try {
    const options = xo.config?.get?.('xapiOptions');
    if (options && options.maxUncoalescedVdis !== undefined) return options.maxUncoalescedVdis;
  } catch {
    // no such setting: Xen Orchestra's default
  }
  return 1;
}

/**
 * The chain check on the live records of these VMs: the report of `checkVdiChains` (its
 * `vms` are these VMs; its `srs` the SRs their disks are on) plus the objects that could not
 * be read.
 */
function checkVmChains(xo, vmIds, { tolerance, graph = false } = {}) {
  const { records, missing } = collectVmRecords(xo, vmIds);
  const report = doctor.checkVdiChains(records, { tolerance: toleranceOf(xo, tolerance), graph });
  return { ...report, missing };
}

/** The chain check on an SR's live records (every VDI of the SR and the VMs using them). */
function checkSrChains(xo, srId, { tolerance, graph = true } = {}) {
  const { records, missing } = collectSrRecords(xo, srId);
  if (records === null) return null;
  const report = doctor.checkVdiChains(records, { tolerance: toleranceOf(xo, tolerance), graph });
  return { ...report, missing };
}

/**
 * The snapshot space plan for a VM's disks on one SR (default: the SR of its first disk), with
 * every VDI of that SR to measure unreclaimed space.
 */
function planVmSnapshotSpace(xo, vmId, { srId, concurrency, hostVersion } = {}) {
  const { records, missing } = collectVmRecords(xo, [vmId]);
  if (records.VM.length === 0) return null;
  const diskIds = new Set(records.VBD.filter((vbd) => !vbd.is_cd_drive && vbd.VDI != null).map((vbd) => vbd.VDI));
  const disks = records.VDI.filter((vdi) => diskIds.has(vdi.id));
  const sr = records.SR.find((s) => s.id === (srId ?? disks[0]?.$SR));
  if (sr === undefined) return null;
  const plan = doctor.planSnapshotSpace({
    sr,
    vdis: disks.filter((vdi) => vdi.$SR === sr.id),
    srVdis: records.VDI.filter((vdi) => vdi.$SR === sr.id),
    concurrency: concurrency ?? null,
    hostVersion: hostVersion ?? null,
  });
  return { ...plan, missing };
}

module.exports = { collectVmRecords, collectSrRecords, checkVmChains, checkSrChains, planVmSnapshotSpace, toleranceOf, getObjectOrUndefined };
