// Xen Orchestra's own chain-protection verdict: the real `Vm.prototype.assertHealthyVdiChains`
// and `_assertHealthyVdiChain` of the published `@xen-orchestra/xapi` package, loaded from its
// tarball (tarball.mjs, hooks.mjs), run against a stand-in for the Xapi object that answers
// `getRecord`, `getRecordByUuid`, `getRecords` and `getField` from a pool's records the way
// XAPI does — asynchronously, and rejecting with HANDLE_INVALID / UUID_INVALID for a ref or a
// uuid it does not know.
//
// The verdict for a VM is what the backup sees:
// - `skip`: the check threw `unhealthy VDI chain` (the backup skips the VM);
// - `pass`: it resolved (the backup snapshots the VM);
// - `never-ends`: a `vhd-parent` loop makes it recurse forever. It either keeps awaiting XAPI
//   calls lap after lap (`detail: 'unbounded'`, stopped here after more calls of
//   `_assertHealthyVdiChain` than a walk that ends can make) or, on a loop of VDIs it has all cached and none of them a base
//   copy, recurses without awaiting until the stack overflows (`detail: 'stack overflow'`,
//   stopped here when the synchronous nesting outnumbers the VDIs; in Xen Orchestra the backup
//   then fails with "Maximum call stack size exceeded");
// - `error`: anything else it threw (none expected: the records are XAPI-consistent).
// The instrumented `_assertHealthyVdiChain` also notes which VDI threw and from which disk's
// walk, to compare with the base copy and the disk the plugin names.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { loadXoXapiPackage, ROOT } from './tarball.mjs';
import { SCHEME } from './hooks.mjs';
import { xoLog } from './stubs.mjs';

/** The walk made more calls than a walk that ends can make (see `maxCallsFor`). */
class WalkBoundExceeded extends Error {}
/** The walk recursed, without awaiting anything, deeper than there are VDIs. */
class SynchronousRecursion extends Error {}

function xapiError(code, params) {
  const error = new Error(`${code}(${params.join(', ')})`);
  error.code = code;
  error.params = params;
  return error;
}

/** Loads vm.mjs from the tarball once; returns the `Vm` class, the stand-in built on it and the package's version. */
let loaded;
export async function loadXoVm() {
  if (loaded === undefined) {
    const { version, files } = loadXoXapiPackage();
    register(new URL('./hooks.mjs', import.meta.url), {
      data: {
        files: Object.fromEntries(files),
        stubsUrl: new URL('./stubs.mjs', import.meta.url).href,
        repositoryUrl: pathToFileURL(`${ROOT}package.json`).href,
      },
    });
    const { default: Vm } = await import(`${SCHEME}///vm.mjs`);
    if (typeof Vm?.prototype?.assertHealthyVdiChains !== 'function' || typeof Vm.prototype._assertHealthyVdiChain !== 'function') {
      throw new Error(`@xen-orchestra/xapi@${version} vm.mjs has no assertHealthyVdiChains / _assertHealthyVdiChain`);
    }
    loaded = { Vm, version, XapiStandIn: makeXapiStandIn(Vm) };
  }
  return loaded;
}

/** A Xapi stand-in over one pool's records, with the `Vm` methods under test. */
function makeXapiStandIn(Vm) {
  return class XapiStandIn extends Vm {
    constructor(records, { maxUncoalescedVdis, maxCalls }) {
      super();
      this._records = records;
      this._maxUncoalescedVdis = maxUncoalescedVdis;
      this._maxCalls = maxCalls;
      this._vdiRefByUuid = new Map(Object.entries(records.VDI).map(([ref, vdi]) => [vdi.uuid, ref]));
      this.calls = 0;
      this._syncDepth = 0;
      this.diskWalked = undefined;
      this.trippedAt = undefined;
      this.trippedDisk = undefined;
    }

    async getRecord(type, ref) {
      const record = this._records[type]?.[ref];
      if (record === undefined) throw xapiError('HANDLE_INVALID', [type, ref]);
      // a fresh copy per call, as each XAPI call returns, with xen-api's `$ref` and `$id`
      const copy = structuredClone(record);
      Object.defineProperties(copy, { $ref: { value: ref }, $id: { value: record.uuid ?? ref }, $type: { value: type } });
      return copy;
    }

    async getRecordByUuid(type, uuid) {
      const ref = type === 'VDI' ? this._vdiRefByUuid.get(uuid) : Object.keys(this._records[type] ?? {}).find((r) => this._records[type][r].uuid === uuid);
      if (ref === undefined) throw xapiError('UUID_INVALID', [type, uuid]);
      return this.getRecord(type, ref);
    }

    getRecords(type, refs) {
      return Promise.all(refs.map((ref) => this.getRecord(type, ref)));
    }

    async getField(type, ref, field) {
      const record = this._records[type]?.[ref];
      if (record === undefined) throw xapiError('HANDLE_INVALID', [type, ref]);
      return structuredClone(record[field]);
    }

    _assertHealthyVdiChain(vdiRefOrUuid, cache, tolerance) {
      if (++this.calls > this._maxCalls) return Promise.reject(new WalkBoundExceeded());
      // Without a loop, calls nested without an await in between cannot outnumber the VDIs.
      if (this._syncDepth > this._vdiRefByUuid.size) return Promise.reject(new SynchronousRecursion());
      const outermost = this.diskWalked === undefined;
      if (outermost) this.diskWalked = vdiRefOrUuid;
      let walk;
      this._syncDepth++;
      try {
        walk = super._assertHealthyVdiChain(vdiRefOrUuid, cache, tolerance);
      } finally {
        this._syncDepth--;
      }
      return walk.then(
        (value) => {
          if (outermost) this.diskWalked = undefined;
          return value;
        },
        (error) => {
          if (error?.message === 'unhealthy VDI chain' && this.trippedAt === undefined) {
            this.trippedAt = vdiRefOrUuid;
            this.trippedDisk = this.diskWalked;
          }
          if (outermost) this.diskWalked = undefined;
          throw error;
        },
      );
    }
  };
}

/**
 * More `_assertHealthyVdiChain` calls than a walk that ends can make for one VM of this pool: each
 * disk's walk reaches its root, its missing parent or a loop within one call per VDI, and on a
 * loop it trips, if it ever does, within `tolerance + 1` laps. A tolerance from 2^53 on is a
 * tolerance `tolerance--` cannot wear down in any lifetime: such a walk is given two laps.
 */
export function maxCallsFor(pool, tolerance) {
  const t = Number(tolerance);
  const laps = Number.isFinite(t) && t < 2 ** 53 ? Math.max(0, Math.ceil(t)) + 2 : 2;
  const vdis = Object.keys(pool.records.VDI).length + 1;
  const disks = Object.keys(pool.records.VBD).length + 1;
  return disks * vdis * (laps + 1);
}

/**
 * Runs Xen Orchestra's check for one VM of a pool. `tolerance` is passed as the argument, or,
 * with `fromConfig`, set as the Xapi's `maxUncoalescedVdis` and the argument left out, as the
 * backup runner does.
 */
export async function xoVerdict(pool, vmRef, { tolerance, fromConfig = false, maxCalls = maxCallsFor(pool, tolerance) } = {}) {
  const { XapiStandIn } = await loadXoVm();
  const xapi = new XapiStandIn(pool.records, { maxUncoalescedVdis: fromConfig ? tolerance : undefined, maxCalls });
  const logged = xoLog.length;
  const uuidOf = (id) => pool.records.VDI[id]?.uuid ?? id;
  let outcome;
  let detail = null;
  try {
    await (fromConfig ? xapi.assertHealthyVdiChains(vmRef) : xapi.assertHealthyVdiChains(vmRef, tolerance));
    outcome = 'pass';
  } catch (error) {
    if (error?.message === 'unhealthy VDI chain') outcome = 'skip';
    else if (error instanceof WalkBoundExceeded) [outcome, detail] = ['never-ends', 'unbounded'];
    else if (error instanceof SynchronousRecursion) [outcome, detail] = ['never-ends', 'stack overflow'];
    else [outcome, detail] = ['error', String(error?.stack ?? error)];
  }
  const fetchFailures = xoLog.splice(logged).filter((entry) => entry.message.startsWith('_assertHealthyVdiChain, could not fetch VDI')).length;
  return {
    outcome,
    detail,
    trippedBy: outcome === 'skip' ? uuidOf(xapi.trippedAt) : null,
    trippedDisk: outcome === 'skip' ? uuidOf(xapi.trippedDisk) : null,
    calls: xapi.calls,
    fetchFailures,
  };
}
