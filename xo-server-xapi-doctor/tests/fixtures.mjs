// Pools as xo-server's object cache holds them (the shapes of xapi-object-to-xo: `id` = uuid,
// `type`, `$pool`; VDIs `VDI` / `VDI-snapshot` / `VDI-unmanaged` with `parent` = `vhd-parent`,
// `$SR`, `$VBDs`; VBDs with `VDI`, `VM`, `is_cd_drive`; VMs with `$VBDs`), and backup run logs
// with every task shape of the research notes (snapshot, clean-vm, export, transfer, merge,
// health check; failure, skipped, interrupted, run-level errors). The errors inside the logs are
// real: taken from the corpus of real cases (tests/corpus/cases), whose bodies are verbatim.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CORPUS = fileURLToPath(new URL('../../tests/corpus/cases/', import.meta.url));

/** The verbatim body of a corpus case. */
export function corpusBody(file) {
  const text = readFileSync(CORPUS + file, 'utf8');
  return text.slice(text.indexOf('\n---\n') + 5);
}

/** A corpus body that is a JSON value, or an object member (`"result": {…}`) wrapped in braces. */
export function corpusJson(file) {
  const body = corpusBody(file).trim();
  return body.startsWith('"') ? JSON.parse(`{${body.replace(/,\s*$/, '')}}`) : JSON.parse(body);
}

/**
 * The string members of the object that follows `"<key>": {` in a corpus body, for bodies cut
 * before the JSON ends (a case is cut only at line boundaries).
 */
export function corpusMembers(file, key) {
  const lines = corpusBody(file).split('\n');
  const start = lines.findIndex((line) => line.trim() === `"${key}": {`);
  const out = {};
  for (const line of lines.slice(start + 1)) {
    const m = line.trim().match(/^"(\w+)": "((?:[^"\\]|\\.)*)",?$/);
    if (m === null) break;
    out[m[1]] = JSON.parse(`"${m[2]}"`);
  }
  return out;
}

let counter = 0;
/** A uuid-shaped id: the prefix (hex digits) tells the kind of object, a counter makes it unique. */
export function uuid(prefix) {
  counter += 1;
  const kind = prefix.replace(/[^0-9a-f]/g, '0').padEnd(8, '0').slice(0, 8);
  return `${kind}-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

const GiB = 1024 ** 3;

export class PoolBuilder {
  objects = [];
  poolId = uuid('p00100');
  hostId = uuid('h00100');

  constructor({ version = '8.2.1', productBrand = 'XCP-ng' } = {}) {
    this.objects.push({ id: this.poolId, uuid: this.poolId, type: 'pool', name_label: 'pool-1', master: this.hostId, $pool: this.poolId });
    this.objects.push({ id: this.hostId, uuid: this.hostId, type: 'host', name_label: 'xcp-01', version, productBrand, $pool: this.poolId });
  }

  sr(name, { SR_type = 'lvmoiscsi', size = 2048 * GiB, used = 1024 * GiB } = {}) {
    const id = uuid('5e0000');
    this.objects.push({ id, uuid: id, type: 'SR', name_label: name, SR_type, size, physical_usage: used, usage: used, VDIs: [], $pool: this.poolId, $container: this.poolId });
    return id;
  }

  vdi(sr, { type = 'VDI', parent, name = 'disk', size = 50 * GiB, usage = 10 * GiB } = {}) {
    const id = uuid('d10000');
    const vdi = { id, uuid: id, type, name_label: name, size, usage, $SR: sr, $VBDs: [], $pool: this.poolId };
    if (parent !== undefined) vdi.parent = parent;
    this.objects.push(vdi);
    this.objects.find((o) => o.id === sr).VDIs.push(id);
    return id;
  }

  /** A VM with one VBD per disk (and an empty CD drive). */
  vm(name, disks) {
    const id = uuid('7e0000');
    const vbds = [];
    for (const disk of [...disks, null]) {
      const vbdId = uuid('b00000');
      this.objects.push({ id: vbdId, uuid: vbdId, type: 'VBD', VDI: disk ?? undefined, VM: id, is_cd_drive: disk === null, attached: true, $pool: this.poolId });
      if (disk !== null) this.objects.find((o) => o.id === disk).$VBDs.push(vbdId);
      vbds.push(vbdId);
    }
    this.objects.push({ id, uuid: id, type: 'VM', name_label: name, power_state: 'Running', $VBDs: vbds, $pool: this.poolId, $container: this.poolId });
    return id;
  }

  /** A healthy disk: a leaf on one base copy, with a kept snapshot beside it. */
  healthyDisk(sr, name) {
    const base = this.vdi(sr, { type: 'VDI-unmanaged', name: 'base copy' });
    this.vdi(sr, { type: 'VDI-snapshot', parent: base, name: `${name} snapshot` });
    return this.vdi(sr, { parent: base, name });
  }

  /**
   * A disk whose chain has `pending` base copies each waiting to coalesce into the next (the
   * shape chain protection counts): leaf → B(n) → … → B1. Returns the leaf and the base copies,
   * root first.
   */
  unhealthyDisk(sr, name, pending = 2) {
    const bases = [];
    let parent;
    for (let i = 0; i <= pending; i += 1) {
      parent = this.vdi(sr, { type: 'VDI-unmanaged', parent, name: 'base copy' });
      bases.push(parent);
    }
    return { leaf: this.vdi(sr, { parent, name }), bases };
  }
}

const XAPI_SR44 = {
  code: 'SR_BACKEND_FAILURE_44',
  params: ['', 'There is insufficient space', ''],
  call: { method: 'VM.snapshot', params: ['OpaqueRef:0c7d1b2e-5f44-4a65-9d1c-3b7a2f0e8d41', 'web-02 backup'] },
  message: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )',
  name: 'XapiError',
  stack: 'XapiError: SR_BACKEND_FAILURE_44(, There is insufficient space, )\n    at XapiError.wrap (file:///opt/xen-orchestra/packages/xen-api/_XapiError.mjs:16:12)',
};

let taskCounter = 1_700_000_000_000;
const task = (message, status, extra = {}) => {
  taskCounter += 7;
  return { id: String(taskCounter), message, start: taskCounter, status, ...(status === 'pending' ? {} : { end: taskCounter + 5 }), ...extra };
};

const transferOk = () => task('transfer', 'success', { result: { size: 1073741824 } });

/** A VM task that went well: clean-vm, snapshot, export to a remote (transfer, merge). */
export function okVmTask(vmId, name, remoteId) {
  return task('backup VM', 'success', {
    data: { type: 'VM', id: vmId, name_label: name },
    tasks: [
      task('clean-vm', 'success', { result: { merge: false } }),
      task('snapshot', 'success', { result: uuid('5a0000') }),
      task('export', 'success', { data: { id: remoteId, isFull: false, type: 'remote' }, tasks: [transferOk(), task('merge', 'success', { result: { size: 0 } })] }),
    ],
  });
}

/** A run log around these VM tasks. */
export function runLog({ id, jobId, jobName = 'Nightly delta', status, tasks, result, mode = 'delta' }) {
  const log = { data: { mode, reportWhen: 'failure' }, id, jobId, jobName, message: 'backup', scheduleId: uuid('5c0000'), start: Number(id), status, tasks };
  if (status !== 'pending') log.end = Number(id) + 3_600_000;
  if (result !== undefined) log.result = result;
  return log;
}

/**
 * The reference scenario: a pool with a healthy VM, a VM whose disk chain trips chain
 * protection, a VM on a full SR, a VM whose export hits the remote's lock, one interrupted,
 * one failing its health check; and the logs of runs over them.
 */
export function scenario() {
  const pool = new PoolBuilder();
  const iscsi = pool.sr('iSCSI-SR', { SR_type: 'lvmoiscsi', used: 2040 * GiB });
  const nfs = pool.sr('NFS-SR', { SR_type: 'nfs' });
  const web01 = pool.vm('web-01', [pool.healthyDisk(nfs, 'web-01 system')]);
  const chain = pool.unhealthyDisk(nfs, 'db-01 data', 2);
  const db01 = pool.vm('db-01', [pool.healthyDisk(nfs, 'db-01 system'), chain.leaf]);
  const web02 = pool.vm('web-02', [pool.healthyDisk(iscsi, 'web-02 system')]);
  const files01 = pool.vm('files-01', [pool.healthyDisk(nfs, 'files-01 data')]);
  const app01 = pool.vm('app-01', [pool.healthyDisk(nfs, 'app-01 system')]);
  const mail01 = pool.vm('mail-01', [pool.healthyDisk(nfs, 'mail-01 system')]);
  const remoteId = uuid('1e0000');
  const jobId = uuid('10b000');

  const elocked = corpusMembers('xo/gh-ronivay-257-elocked-lock-file-held.txt', 'result');
  const selfSigned = corpusBody('xo/gh-ronivay-227-health-check-self-signed-certificate.txt').split('\n')[0].replace(/^Error: /, '');

  const unhealthy = { message: 'unhealthy VDI chain', name: 'Error', stack: 'Error: unhealthy VDI chain\n    at Xapi._assertHealthyVdiChain (file:///opt/xen-orchestra/@xen-orchestra/xapi/vm.mjs:152:15)' };
  const mixed = runLog({
    id: '1764716400123',
    jobId,
    status: 'failure',
    tasks: [
      okVmTask(web01, 'web-01', remoteId),
      task('backup VM', 'skipped', {
        data: { type: 'VM', id: db01, name_label: 'db-01' },
        tasks: [task('clean-vm', 'success', { result: { merge: false } }), task('snapshot', 'skipped', { result: unhealthy })],
        result: unhealthy,
      }),
      task('backup VM', 'failure', {
        data: { type: 'VM', id: web02, name_label: 'web-02' },
        tasks: [task('clean-vm', 'success', { result: { merge: false } }), task('snapshot', 'failure', { result: XAPI_SR44 })],
        result: XAPI_SR44,
      }),
      task('backup VM', 'failure', {
        data: { type: 'VM', id: files01, name_label: 'files-01' },
        tasks: [
          task('snapshot', 'success', { result: uuid('5a0000') }),
          task('export', 'failure', { data: { id: remoteId, isFull: false, type: 'remote' }, tasks: [task('transfer', 'failure', { result: elocked })], result: elocked }),
        ],
        result: elocked,
      }),
      task('backup VM', 'interrupted', {
        data: { type: 'VM', id: app01, name_label: 'app-01' },
        tasks: [task('snapshot', 'success', { result: uuid('5a0000') }), task('export', 'interrupted', { data: { id: remoteId, isFull: true, type: 'remote' }, tasks: [task('transfer', 'interrupted')] })],
      }),
      task('backup VM', 'failure', {
        data: { type: 'VM', id: mail01, name_label: 'mail-01' },
        tasks: [
          task('snapshot', 'success', { result: uuid('5a0000') }),
          task('export', 'failure', {
            data: { id: remoteId, isFull: false, type: 'remote' },
            tasks: [transferOk(), task('health check', 'failure', { result: { message: selfSigned, name: 'Error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } })],
            result: { message: selfSigned, name: 'Error' },
          }),
        ],
        result: { message: selfSigned, name: 'Error' },
      }),
    ],
  });
  const success = runLog({ id: '1764720000456', jobId, status: 'success', tasks: [okVmTask(web01, 'web-01', remoteId)] });
  const noVms = corpusJson('xo/gh-xo-6058-smart-mode-no-vms-match.txt');
  const bodyTimeout = corpusMembers('xo/gh-xo-9181-full-backup-body-timeout.txt', 'result');
  const uuidInvalid = corpusJson('xo/gh-xo-7969-backup-network-removed-uuid-invalid.txt').result;
  const realErrors = runLog({
    id: '1764723600789',
    jobId,
    mode: 'full',
    status: 'failure',
    tasks: [
      task('backup VM', 'failure', {
        data: { type: 'VM', id: web01, name_label: 'web-01' },
        tasks: [
          task('snapshot', 'success', { result: uuid('5a0000') }),
          task('export', 'failure', { data: { id: remoteId, isFull: true, type: 'remote' }, tasks: [task('transfer', 'failure', { result: bodyTimeout })], result: bodyTimeout }),
        ],
        result: bodyTimeout,
      }),
      task('backup VM', 'failure', { data: { type: 'VM', id: files01, name_label: 'files-01' }, result: uuidInvalid }),
    ],
  });

  // Errors on the backup repository: a merge refused by the share's permissions, a clean-vm
  // that finds a VHD missing (real messages), with clean-vm warnings beside them.
  const eacces = corpusBody('xo/gh-xo-4342-smb-keeper-eacces.txt').trim();
  const enoent = corpusBody('xo/gh-xo-3875-delta-enoent-vhd-regression-533.txt').trim().replace(/^```|```$/g, '').replace(/^Error: /, '');
  const repository = runLog({
    id: '1764727200999',
    jobId,
    status: 'failure',
    tasks: [
      task('backup VM', 'failure', {
        data: { type: 'VM', id: web01, name_label: 'web-01' },
        tasks: [
          task('clean-vm', 'success', { warnings: [{ message: 'unused VHD', data: { path: '/xo-vm-backups/x/vdis/y/z/20251201T000000Z.vhd' } }], result: { merge: false } }),
          task('snapshot', 'success', { result: uuid('5a0000') }),
          task('export', 'failure', {
            data: { id: remoteId, isFull: false, type: 'remote' },
            tasks: [transferOk(), task('merge', 'failure', { result: { message: eacces, name: 'Error', code: 'EACCES', errno: -13 } })],
            result: { message: eacces, name: 'Error', code: 'EACCES' },
          }),
        ],
        result: { message: eacces, name: 'Error', code: 'EACCES' },
      }),
      task('backup VM', 'failure', {
        data: { type: 'VM', id: files01, name_label: 'files-01' },
        tasks: [task('clean-vm', 'failure', { data: { id: remoteId, type: 'remote' }, result: { message: enoent, name: 'Error', code: 'ENOENT', errno: -2 } })],
        result: { message: enoent, name: 'Error', code: 'ENOENT' },
      }),
    ],
  });

  return {
    objects: pool.objects,
    ids: { iscsi, nfs, web01, db01, web02, files01, app01, mail01, remoteId, jobId, chain },
    jobs: { [jobId]: { id: jobId, name: 'Nightly delta', type: 'backup', settings: { '': { reportRecipients: ['job-owner@example.org'] } } } },
    remotes: { [remoteId]: { id: remoteId, name: 'NAS', url: 'nfs://nas/backups' } },
    logs: { [mixed.id]: mixed, [repository.id]: repository, [success.id]: success, [noVms.id]: noVms, [realErrors.id]: realErrors },
    runs: { mixed: mixed.id, repository: repository.id, success: success.id, noVms: noVms.id, realErrors: realErrors.id },
  };
}

/**
 * A run of `vmCount` VMs on one pool: most succeed, one in ten is skipped by chain protection,
 * one in ten fails on a full SR, one in twenty is interrupted.
 */
export function bigRun(vmCount = 200) {
  const pool = new PoolBuilder();
  const nfs = pool.sr('NFS-SR', { SR_type: 'nfs' });
  const iscsi = pool.sr('iSCSI-SR', { SR_type: 'lvmoiscsi' });
  const remoteId = uuid('1e0000');
  const jobId = uuid('10b000');
  const unhealthy = { message: 'unhealthy VDI chain', name: 'Error' };
  const tasks = [];
  const expected = { skipped: 0, failed: 0, interrupted: 0, succeeded: 0 };
  for (let i = 0; i < vmCount; i += 1) {
    const name = `vm-${String(i).padStart(3, '0')}`;
    if (i % 10 === 3) {
      const { leaf } = pool.unhealthyDisk(nfs, `${name} disk`, 2 + (i % 3));
      const vm = pool.vm(name, [leaf]);
      tasks.push(task('backup VM', 'skipped', { data: { type: 'VM', id: vm, name_label: name }, tasks: [task('snapshot', 'skipped', { result: unhealthy })], result: unhealthy }));
      expected.skipped += 1;
    } else if (i % 10 === 7) {
      const vm = pool.vm(name, [pool.healthyDisk(iscsi, `${name} disk`)]);
      tasks.push(task('backup VM', 'failure', { data: { type: 'VM', id: vm, name_label: name }, tasks: [task('snapshot', 'failure', { result: XAPI_SR44 })], result: XAPI_SR44 }));
      expected.failed += 1;
    } else if (i % 20 === 9) {
      const vm = pool.vm(name, [pool.healthyDisk(nfs, `${name} disk`)]);
      tasks.push(task('backup VM', 'interrupted', { data: { type: 'VM', id: vm, name_label: name }, tasks: [task('export', 'interrupted', { data: { id: remoteId, type: 'remote' } })] }));
      expected.interrupted += 1;
    } else {
      const vm = pool.vm(name, [pool.healthyDisk(nfs, `${name} disk`), pool.healthyDisk(nfs, `${name} data`)]);
      tasks.push(okVmTask(vm, name, remoteId));
      expected.succeeded += 1;
    }
  }
  const log = runLog({ id: '1764800000789', jobId, jobName: 'All VMs', status: 'failure', tasks });
  return { objects: pool.objects, logs: { [log.id]: log }, jobs: { [jobId]: { id: jobId, name: 'All VMs', type: 'backup', settings: {} } }, runId: log.id, expected };
}
