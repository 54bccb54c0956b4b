// The JSON-RPC methods (XO 5, xo-cli) and REST routes (XO 6) the plugin adds, called the way
// xo-server calls them: parameters validated against the declared schema, `resolve` turning an
// id into the VM or SR (and refusing unknown ones), admin-only methods refused to others. Both
// return the library's objects; unload removes them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import factory from '../index.js';
import { createFakeXo, addTransports } from './fake-xo.mjs';
import { scenario } from './fixtures.mjs';

process.env.XO_XAPI_DOCTOR_QUIET = '1';

function setup() {
  const s = scenario();
  const xo = createFakeXo(s);
  addTransports(xo);
  const plugin = factory({ xo });
  plugin.configure({ delaySeconds: 0 });
  plugin.load();
  return { s, xo, plugin };
}

const METHODS = ['xapiDoctor.checkSrChains', 'xapiDoctor.checkVmChains', 'xapiDoctor.diagnose', 'xapiDoctor.diagnoseRun', 'xapiDoctor.getLog', 'xapiDoctor.planSnapshotSpace'];

test('load registers the methods and routes; unload removes every one and the listener', () => {
  const { xo, plugin } = setup();
  assert.deepEqual([...xo.methods.keys()].sort(), METHODS);
  assert.equal(xo.listenerCount('job:terminated'), 1);
  const endpoints = xo.routes.map((r) => `${r.method} ${r.endpoint}`).sort();
  assert.deepEqual(endpoints, [
    'get plugins/xapi-doctor/backup-logs/{id}',
    'get plugins/xapi-doctor/srs/{id}/chains',
    'get plugins/xapi-doctor/vms/{id}/chains',
    'get plugins/xapi-doctor/vms/{id}/snapshot-space',
    'post plugins/xapi-doctor/diagnose',
  ]);
  for (const route of xo.routes) {
    if (route.params?.id) assert.ok(route.middlewares.some((m) => m.name === 'acl' && m.acls.objectId === 'params.id'), route.endpoint);
  }
  plugin.unload();
  assert.equal(xo.methods.size, 0);
  assert.equal(xo.routes.length, 0);
  assert.equal(xo.listenerCount('job:terminated'), 0);
  // Loading again works (xo-server's unload then load).
  plugin.load();
  assert.equal(xo.methods.size, METHODS.length);
  plugin.unload();
});

test('xapiDoctor.diagnose: any input, the same result as the library; bad parameters refused', async () => {
  const { xo } = setup();
  const doctor = await import('xapi-doctor');
  const input = 'SR_BACKEND_FAILURE_44(, There is insufficient space, )';
  const context = { srUuid: 'b2f5a1de-0c1f-4e5e-9d9a-3f1a2b3c4d5e', srType: 'lvm' };
  const viaApi = await xo.callApi('xapiDoctor.diagnose', { input, context });
  assert.deepEqual(viaApi, doctor.diagnose(input, { context }));
  assert.equal(viaApi.findings[0].rule, 'SR044');
  const task = { message: 'snapshot', status: 'failure', start: 1, result: { code: 'VDI_IN_USE', params: ['OpaqueRef:1', 'snapshot'], name: 'XapiError', message: 'VDI_IN_USE(OpaqueRef:1, snapshot)' } };
  assert.equal((await xo.callApi('xapiDoctor.diagnose', { input: task })).findings[0].codes[0], 'VDI_IN_USE');
  await assert.rejects(xo.callApi('xapiDoctor.diagnose', {}), /invalid parameters/);
  await assert.rejects(xo.callApi('xapiDoctor.diagnose', { input, extra: 1 }), /invalid parameters/);
  await assert.rejects(xo.callApi('xapiDoctor.diagnose', { input: '{"not json', context: [] }), /invalid parameters/);
  await assert.rejects(xo.callApi('xapiDoctor.diagnose', { input: 'x', options: { maxFindings: -1 } }), /INVALID_OPTIONS/);
});

test('xapiDoctor.diagnose: a Xen Orchestra bug fixed in the xo-server that runs is not named', async () => {
  const { xo } = setup();
  // KI925: fixed in Xen Orchestra 5.31.0, which shipped xo-server 5.34.0 (data/xo_releases.json).
  const input = 'server.getAll\n{}\n{\n  "message": "not authenticated or not enough permissions",';
  const rules = (d) => d.findings.map((f) => f.rule);
  assert.ok(!rules(await xo.callApi('xapiDoctor.diagnose', { input })).includes('KI925'), 'this xo-server (5.207.2) has the fix');
  assert.ok(rules(await xo.callApi('xapiDoctor.diagnose', { input, context: { xoServerVersion: '5.33.0' } })).includes('KI925'));
  const doctor = await import('xapi-doctor');
  assert.ok(rules(doctor.diagnose(input)).includes('KI925'), 'without a version, the known bug is named');
});

test('a big input is diagnosed in a worker thread: the event loop stays free', async () => {
  const { xo } = setup();
  const excerpt = readFileSync(new URL('../../tests/fixtures/cli/smlog-excerpt.log', import.meta.url), 'utf8');
  let big = '';
  while (big.length < 24 * 1024 * 1024) big += excerpt;
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const started = performance.now();
  const result = await xo.callApi('xapiDoctor.diagnose', { input: big });
  const elapsed = performance.now() - started;
  histogram.disable();
  assert.equal(result.kind, 'smlog');
  assert.ok(result.smlog.stats.lines > 100_000);
  const maxBlockMs = histogram.max / 1e6;
  console.log(`# 24 MiB SMlog through the API: ${elapsed.toFixed(0)} ms, longest event-loop delay ${maxBlockMs.toFixed(1)} ms`);
  assert.ok(maxBlockMs < elapsed / 2, `the event loop was held ${maxBlockMs} ms of ${elapsed} ms`);
});

test('xapiDoctor.diagnoseRun: admin only; the run diagnosis', async () => {
  const { s, xo } = setup();
  await assert.rejects(xo.callApi('xapiDoctor.diagnoseRun', { runId: s.runs.mixed }, { admin: false }), /permission/);
  const d = await xo.callApi('xapiDoctor.diagnoseRun', { runId: s.runs.mixed });
  assert.equal(d.problems.length, 5);
  await assert.rejects(xo.callApi('xapiDoctor.diagnoseRun', { runId: '' }), /invalid parameters/);
  await assert.rejects(xo.callApi('xapiDoctor.diagnoseRun', { runId: 'nope' }), /no such backup-ng-log/);
});

test('xapiDoctor.checkVmChains / checkSrChains: the live verdict, resolved objects only', async () => {
  const { s, xo } = setup();
  const vm = await xo.callApi('xapiDoctor.checkVmChains', { id: s.ids.db01 });
  assert.equal(vm.vms.length, 1);
  assert.equal(vm.vms[0].wouldSkip, true);
  assert.equal(vm.vms[0].trippedBy, s.ids.chain.bases[0]);
  assert.ok(vm.graph.nodes.length > 0);
  const tolerant = await xo.callApi('xapiDoctor.checkVmChains', { id: s.ids.db01, tolerance: 2 });
  assert.equal(tolerant.vms[0].wouldSkip, false, 'two pending coalesces are tolerated at 2');
  const healthy = await xo.callApi('xapiDoctor.checkVmChains', { id: s.ids.web01 });
  assert.equal(healthy.vms[0].wouldSkip, false);
  await assert.rejects(xo.callApi('xapiDoctor.checkVmChains', { id: s.ids.nfs }), /no such VM/, 'an SR id is not a VM');
  await assert.rejects(xo.callApi('xapiDoctor.checkVmChains', { id: 'nope' }), /no such VM/);

  const sr = await xo.callApi('xapiDoctor.checkSrChains', { id: s.ids.nfs });
  const nfs = sr.srs.find((x) => x.uuid === s.ids.nfs);
  assert.equal(nfs.pendingCoalesce, 2);
  assert.ok(sr.vms.some((v) => v.uuid === s.ids.db01 && v.wouldSkip));
  assert.ok(sr.vms.some((v) => v.uuid === s.ids.web01 && !v.wouldSkip));
});

test('xapiDoctor.planSnapshotSpace: the VM on its SR', async () => {
  const { s, xo } = setup();
  const plan = await xo.callApi('xapiDoctor.planSnapshotSpace', { id: s.ids.web02 });
  assert.equal(plan.srUuid, s.ids.iscsi);
  assert.equal(plan.provisioning, 'thick');
  assert.equal(plan.perVdi.length, 1);
  assert.equal(typeof plan.fits, 'boolean');
  const onOther = xo.callApi('xapiDoctor.planSnapshotSpace', { id: s.ids.web02, sr: s.ids.nfs });
  await assert.rejects(onOther, /no disk on that SR/);
});

test('REST routes return what the JSON-RPC methods return', async () => {
  const { s, xo } = setup();
  assert.deepEqual(await xo.callRest('get', `plugins/xapi-doctor/vms/${s.ids.db01}/chains`), await xo.callApi('xapiDoctor.checkVmChains', { id: s.ids.db01 }));
  assert.deepEqual(await xo.callRest('get', `plugins/xapi-doctor/srs/${s.ids.nfs}/chains`), await xo.callApi('xapiDoctor.checkSrChains', { id: s.ids.nfs }));
  const viaRest = await xo.callRest('get', `plugins/xapi-doctor/backup-logs/${s.runs.mixed}`);
  const viaRpc = JSON.parse(JSON.stringify(await xo.callApi('xapiDoctor.diagnoseRun', { runId: s.runs.mixed })));
  delete viaRest.diagnosedInMs;
  delete viaRpc.diagnosedInMs;
  for (const p of [...viaRest.problems, ...viaRpc.problems]) for (const sr of p.chain?.srs ?? []) delete sr.trend;
  assert.deepEqual(viaRest, viaRpc);
  const body = { input: 'VDI_IN_USE(OpaqueRef:abc, snapshot)' };
  assert.deepEqual(await xo.callRest('post', 'plugins/xapi-doctor/diagnose', { body }), await xo.callApi('xapiDoctor.diagnose', body));
  const tolerant = await xo.callRest('get', `plugins/xapi-doctor/vms/${s.ids.db01}/chains`, { query: { tolerance: '2' } });
  assert.equal(tolerant.vms[0].wouldSkip, false);
  const plan = await xo.callRest('get', `plugins/xapi-doctor/vms/${s.ids.web02}/snapshot-space`, { query: { concurrency: '1' } });
  assert.equal(plan.concurrency, 1);
  await assert.rejects(xo.callRest('get', 'plugins/xapi-doctor/vms/nope/chains'), /no such VM/);
  // The run is looked up by the route's own acl getObject (a run is no pool object).
  await assert.rejects(xo.callRest('get', 'plugins/xapi-doctor/backup-logs/nope'), /no such backup-ng-log nope/);
  await assert.rejects(xo.callRest('post', 'plugins/xapi-doctor/diagnose', { body: {} }), /input is required/);
  await assert.rejects(xo.callRest('get', `plugins/xapi-doctor/vms/${s.ids.db01}/chains`, { query: { tolerance: 'abc' } }), /tolerance must be a number/);
});

test("xapiDoctor.getLog: the plugin's recent log, for admins", async () => {
  const { xo } = setup();
  const entries = await xo.callApi('xapiDoctor.getLog');
  assert.ok(entries.some((e) => e.message === 'loaded'));
  await assert.rejects(xo.callApi('xapiDoctor.getLog', {}, { admin: false }), /permission/);
});
