// One pool through both sides: Xen Orchestra's own check (xo-reference.mjs) on the XAPI
// records, and the plugin's `checkVmChains` (xo-server-xapi-doctor/lib/live.js) on the same
// pool converted to xo-server objects (xo-objects.mjs), VM by VM as the plugin runs it for a
// skipped VM. Also the shrinker that cuts a disagreeing pool down to what still disagrees.
import { createRequire } from 'node:module';
import { ROOT } from './tarball.mjs';
import { backupableVms, toleranceValue } from './pools.mjs';
import { toXoObjects, XoStandIn } from './xo-objects.mjs';
import { xoVerdict } from './xo-reference.mjs';

const require = createRequire(import.meta.url);

let live;
/** The plugin's live-records module, as xo-server would load it (CommonJS). */
export function loadPlugin() {
  if (live === undefined) {
    try {
      live = require(`${ROOT}xo-server-xapi-doctor/lib/live.js`);
    } catch (error) {
      if (error.code === 'MODULE_NOT_FOUND') {
        error.message += '\n(the plugin needs its dependencies: `npm install` in xo-server-xapi-doctor/, which links ../pkg)';
      }
      throw error;
    }
  }
  return live;
}

let doctor;
/** The xapi-doctor package the plugin bundles (pkg/, the built module). */
function loadLibrary() {
  doctor ??= require(`${ROOT}pkg/node.cjs`);
  return doctor;
}

/** Replaces the plugin's live.js by another file (to try a fix without touching the plugin). */
export function usePluginFile(path) {
  live = require(path);
}

/** The plugin's verdict for one VM, in the terms of xo-reference.mjs. */
function pluginVerdict(xo, vmId, tolerance, fromConfig) {
  const report = loadPlugin().checkVmChains(xo, [vmId], fromConfig ? {} : { tolerance });
  const vm = report.vms.find((v) => v.uuid === vmId);
  if (vm === undefined) return { outcome: 'absent', trippedBy: null, trippedDisk: null, missing: report.missing };
  return { ...outcomeOf(vm), missing: report.missing };
}

/** A `VmChains` entry as an outcome in the terms of xo-reference.mjs. */
function outcomeOf(vm) {
  return {
    outcome: vm.checkNeverEnds ? 'never-ends' : vm.wouldSkip ? 'skip' : 'pass',
    trippedBy: vm.trippedBy,
    trippedDisk: vm.trippedDisk,
  };
}

/**
 * The library alone on every object of the pool (`checkVdiChains` over all VMs, VBDs, VDIs and
 * SRs at once): tells a disagreement of the chain code itself (src/chain) from one of what the
 * plugin gathers for it.
 */
function libraryVerdicts(objects, tolerance) {
  const table = (...types) => objects.filter((o) => types.includes(o.type));
  const report = loadLibrary().checkVdiChains(
    { VM: table('VM'), VBD: table('VBD'), VDI: table('VDI', 'VDI-snapshot', 'VDI-unmanaged'), SR: table('SR') },
    { tolerance, graph: false },
  );
  return new Map(report.vms.map((vm) => [vm.uuid, outcomeOf(vm)]));
}

const sameVerdict = (a, b) => a.outcome === b.outcome;
const sameCauseOf = (a, b) => a.outcome !== 'skip' || (a.trippedBy === b.trippedBy && a.trippedDisk === b.trippedDisk);

/**
 * Both verdicts for every backed-up VM of the pool, `[{ vm, name, xo, plugin, library, agree,
 * sameCause, libraryAgrees }]`, plus `hangs`, the VDIs whose conversion would never finish
 * inside xo-server itself, and the time each side took.
 * `agree`: the plugin's outcome is XO's; `sameCause`: for a skip, the same base copy and disk;
 * `libraryAgrees`: the same two for the library run on the whole pool.
 */
export async function comparePool(pool) {
  const tolerance = toleranceValue(pool.tolerance);
  const fromConfig = pool.toleranceFrom === 'config';
  const { objects, hangs } = toXoObjects(pool.records);
  const xo = new XoStandIn(objects, { xapiOptions: { maxUncoalescedVdis: fromConfig ? tolerance : 1 } });
  const time = { xo: 0, plugin: 0, library: 0 };
  let start = performance.now();
  const library = libraryVerdicts(objects, tolerance);
  time.library += performance.now() - start;
  const results = [];
  for (const vmRef of backupableVms(pool.records)) {
    const vmUuid = pool.records.VM[vmRef].uuid;
    start = performance.now();
    const xoSide = await xoVerdict(pool, vmRef, { tolerance, fromConfig });
    time.xo += performance.now() - start;
    start = performance.now();
    let pluginSide;
    try {
      pluginSide = pluginVerdict(xo, vmUuid, tolerance, fromConfig);
    } catch (error) {
      pluginSide = { outcome: 'threw', error: String(error?.stack ?? error), trippedBy: null, trippedDisk: null };
    }
    time.plugin += performance.now() - start;
    const librarySide = library.get(vmUuid) ?? { outcome: 'absent', trippedBy: null, trippedDisk: null };
    results.push({
      vm: vmRef,
      name: pool.records.VM[vmRef].name_label,
      xo: xoSide,
      plugin: pluginSide,
      library: librarySide,
      agree: sameVerdict(xoSide, pluginSide),
      sameCause: sameVerdict(xoSide, pluginSide) && sameCauseOf(xoSide, pluginSide),
      libraryAgrees: sameVerdict(xoSide, librarySide) && sameCauseOf(xoSide, librarySide),
    });
  }
  return { results, hangs, time };
}

/** A result the test fails on: the plugin or the library differs from Xen Orchestra. */
export const isFailure = (r) => !r.agree || !r.sameCause || !r.libraryAgrees;

/** A deep copy of a pool with one edit applied; the edit returns false when it does not apply. */
function edited(pool, edit) {
  const copy = structuredClone(pool);
  return edit(copy.records) === false ? null : copy;
}

const without = (list, item) => list.filter((x) => x !== item);

/** The edits the shrinker tries, each removing one thing while keeping XAPI's back-references. */
function* shrinkingEdits(pool) {
  const { records } = pool;
  for (const vm of Object.keys(records.VM)) {
    yield (r) => {
      for (const vbd of r.VM[vm].VBDs) {
        const vdi = r.VBD[vbd]?.VDI;
        if (r.VDI[vdi]) r.VDI[vdi].VBDs = without(r.VDI[vdi].VBDs, vbd);
        delete r.VBD[vbd];
      }
      delete r.VM[vm];
      for (const other of Object.values(r.VM)) other.snapshots = without(other.snapshots, vm);
    };
  }
  for (const vbd of Object.keys(records.VBD)) {
    yield (r) => {
      const { VM, VDI } = r.VBD[vbd];
      if (r.VM[VM]) r.VM[VM].VBDs = without(r.VM[VM].VBDs, vbd);
      if (r.VDI[VDI]) r.VDI[VDI].VBDs = without(r.VDI[VDI].VBDs, vbd);
      delete r.VBD[vbd];
    };
  }
  for (const vdi of Object.keys(records.VDI)) {
    // delete the VDI (its VBDs then name a deleted VDI, its children a missing parent)…
    yield (r) => {
      const { SR } = r.VDI[vdi];
      if (r.SR[SR]) r.SR[SR].VDIs = without(r.SR[SR].VDIs, vdi);
      delete r.VDI[vdi];
      for (const other of Object.values(r.VDI)) other.snapshots = without(other.snapshots, vdi);
    };
    // …or cut it out of its chain: its children take its parent
    yield (r) => {
      const { uuid, sm_config: sm, SR, VBDs } = r.VDI[vdi];
      if (VBDs.length > 0) return false;
      for (const other of Object.values(r.VDI)) {
        if (other.sm_config['vhd-parent'] === uuid && other !== r.VDI[vdi]) {
          if (sm['vhd-parent'] === undefined) delete other.sm_config['vhd-parent'];
          else other.sm_config['vhd-parent'] = sm['vhd-parent'];
        }
      }
      r.SR[SR].VDIs = without(r.SR[SR].VDIs, vdi);
      delete r.VDI[vdi];
      for (const other of Object.values(r.VDI)) other.snapshots = without(other.snapshots, vdi);
    };
  }
  for (const sr of Object.keys(records.SR)) {
    yield (r) => (r.SR[sr].VDIs.length === 0 ? void delete r.SR[sr] : false);
  }
}

/** What kind of failure a result is, so that shrinking keeps the same one. */
export const failureKind = (r) =>
  `XO ${r.xo.outcome}, plugin ${r.plugin.outcome}${r.sameCause || !r.agree ? '' : ' (another cause)'}, library ${r.library.outcome}${r.libraryAgrees ? '' : ' (differs)'}`;

/**
 * The smallest pool found (greedily, one removal at a time) that still has a failure of the
 * same kind as the first one of `pool`, and its results. `budget` bounds the pools tried.
 */
export async function shrink(pool, { budget = 3000 } = {}) {
  let best = pool;
  let bestResults = (await comparePool(pool)).results;
  const kind = failureKind(bestResults.find(isFailure));
  let tries = 0;
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    for (const edit of shrinkingEdits(best)) {
      if (++tries > budget) break;
      const candidate = edited(best, edit);
      if (candidate === null) continue;
      const { results } = await comparePool(candidate);
      if (results.some((r) => isFailure(r) && failureKind(r) === kind)) {
        best = candidate;
        bestResults = results;
        progress = true;
        break;
      }
    }
  }
  return { pool: best, results: bestResults, tries };
}
