// Bad data from xo never crashes or blocks the plugin: a log that is not there or never comes,
// objects deleted since the run, a transport that throws or hangs, garbage in the log, an xo
// without the API registries. Each case ends in the plugin's log, and the plugin keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import factory from '../index.js';
import { createFakeXo, addTransports } from './fake-xo.mjs';
import { scenario, runLog } from './fixtures.mjs';

process.env.XO_XAPI_DOCTOR_QUIET = '1';

function setup({ conf = {}, transports, staticConfig = {}, logs, s = scenario() } = {}) {
  const xo = createFakeXo({ ...s, logs: logs ?? s.logs });
  addTransports(xo, transports);
  const plugin = factory({ xo, staticConfig });
  plugin.configure({ toMails: ['ops@example.org'], delaySeconds: 0, transportTimeoutSeconds: 1, ...conf });
  plugin.load();
  return { s, xo, plugin };
}

async function settle(plugin) {
  for (let i = 0; i < 500 && (plugin.timers.size > 0 || plugin.inFlight.size > 0); i += 1) await sleep(10);
}

const logged = (plugin, level, pattern) => plugin.log.entries.some((e) => e.level === level && pattern.test(e.message + ' ' + JSON.stringify(e.data)));

test('a run whose log is not there: logged, nothing sent, nothing thrown', async () => {
  const { xo, plugin } = setup();
  xo.emit('job:terminated', 'no-such-run', { type: 'backup' });
  await settle(plugin);
  assert.equal(xo.sent.length, 0);
  assert.ok(logged(plugin, 'error', /diagnosing a run failed.*no such backup-ng-log/));
});

test('a log that never comes: the call times out and is logged', async () => {
  const s = scenario();
  const { xo, plugin } = setup({ staticConfig: { xoTimeoutSeconds: 0.2 }, logs: () => new Promise(() => {}) });
  xo.emit('job:terminated', s.runs.mixed, { type: 'backup' });
  await settle(plugin);
  assert.equal(xo.sent.length, 0);
  assert.ok(logged(plugin, 'error', /getBackupNgLogs did not answer/));
});

test('a log that is not an object, or an emit with no run id: handled', async () => {
  for (const bad of [null, 'a string', [1, 2], 42]) {
    const { xo, plugin } = setup({ logs: () => bad });
    xo.emit('job:terminated', 'x', { type: 'backup' });
    await settle(plugin);
    assert.equal(xo.sent.length, 0);
    assert.ok(logged(plugin, 'error', /no backup log/), JSON.stringify(bad));
  }
  const { xo, plugin } = setup();
  xo.emit('job:terminated');
  xo.emit('job:terminated', undefined, undefined);
  await settle(plugin);
  assert.equal(xo.sent.length, 0);
});

test('objects deleted since the run: the diagnosis goes on with the names in the log', async () => {
  const { s, xo, plugin } = setup();
  xo.removeObject(s.ids.web02);
  xo.removeObject(s.ids.db01);
  xo.removeObject(s.ids.chain.bases[1]); // a base copy of a chain: the check reports it missing
  const d = await plugin.diagnoseRunById(s.runs.mixed);
  const web02 = d.problems.find((p) => p.vm?.id === s.ids.web02);
  assert.equal(web02.vm.found, false);
  assert.equal(web02.context.vmName, 'web-02');
  assert.equal(web02.findings[0].rule, 'SR044');
  assert.equal(d.problems.find((p) => p.vm?.id === s.ids.db01).chain, null, 'no live check for a deleted VM');
  assert.ok(d.notes.some((n) => /web-02 is no longer in the pool/.test(n)));
  await plugin.reportRun(s.runs.mixed);
  assert.ok(xo.sent.some((m) => m.transport === 'email'));
});

test('a deleted base copy in a live chain: the check goes on and reports the break', async () => {
  const { s, xo, plugin } = setup();
  xo.removeObject(s.ids.chain.bases[1]);
  const d = await plugin.diagnoseRunById(s.runs.mixed);
  const chain = d.problems.find((p) => p.vm?.id === s.ids.db01).chain;
  const disk = chain.disks.find((x) => x.vdi === s.ids.chain.leaf);
  assert.equal(disk.missingParent, s.ids.chain.bases[1]);
});

test('a transport that throws or hangs: logged, and the other transports still send', async () => {
  const { s, xo, plugin } = setup({ conf: { icinga2: true }, transports: { behaviour: { email: 'throw', slack: 'hang' } } });
  const started = Date.now();
  await plugin.reportRun(s.runs.mixed);
  assert.ok(Date.now() - started < 5000, 'a hanging transport does not hold the report');
  assert.deepEqual(xo.sent.map((m) => m.transport), ['icinga2']);
  assert.ok(logged(plugin, 'warn', /sending the diagnosis by email failed.*refused/));
  assert.ok(logged(plugin, 'warn', /sending the diagnosis by slack failed.*did not answer within 1 s/));
  // test() reports the failures to the administrator.
  await assert.rejects(plugin.test({ runId: s.runs.mixed }), /email: email server refused the message; slack: slack did not answer/);
});

test('no transport loaded: logged; test() says nothing was sent', async () => {
  const { s, plugin } = setup({ transports: { email: false, slack: false, xmpp: false, icinga2: false } });
  await plugin.reportRun(s.runs.mixed);
  assert.ok(logged(plugin, 'warn', /transport-email plugin is not loaded/));
  await assert.rejects(plugin.test({ runId: s.runs.mixed }), /no transport is configured or loaded/);
});

test('garbage inside the log: odd tasks, deep nesting, a cycle', async () => {
  const s = scenario();
  const deep = { message: 'backup VM', status: 'failure', data: { type: 'VM', id: s.ids.web02 }, tasks: [] };
  let node = deep;
  for (let i = 0; i < 10_000; i += 1) {
    const child = { message: 'nested', status: 'failure', tasks: [] };
    node.tasks.push(child);
    node = child;
  }
  node.result = { message: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )' };
  const cyclic = { message: 'backup VM', status: 'failure', data: { type: 'VM', id: s.ids.web01 }, result: { message: 'VDI_IO_ERROR(Device I/O errors)' } };
  cyclic.tasks = [cyclic];
  const garbage = runLog({
    id: '1',
    jobId: s.ids.jobId,
    status: 'failure',
    tasks: [null, 'text', 42, { message: 'backup VM', status: 'failure', data: 'not an object', result: 7 }, { status: 'failure', data: { type: 'VM', id: 12 } }, deep, cyclic],
  });
  const { xo, plugin } = setup({ s, logs: { ...s.logs, 1: garbage } });
  const d = await plugin.diagnoseRunById('1');
  assert.ok(d.problems.length >= 2);
  xo.emit('job:terminated', '1', { type: 'backup' });
  await settle(plugin);
  assert.ok(xo.sent.some((m) => m.transport === 'email'), 'still reported');
  // The module still works after whatever the cycle did to it.
  const again = await plugin.diagnoseRunById(s.runs.mixed);
  assert.equal(again.problems.length, 5);
});

test('an xo without API registries or with a throwing getObject: loads, diagnoses', async () => {
  const s = scenario();
  const xo = createFakeXo(s);
  delete xo.addApiMethods;
  delete xo.registerRestRoutes;
  xo.getObject = () => {
    throw new TypeError('boom');
  };
  addTransports(xo);
  const plugin = factory({ xo });
  plugin.configure({ toMails: ['ops@example.org'], delaySeconds: 0 });
  plugin.load();
  const d = await plugin.diagnoseRunById(s.runs.mixed);
  assert.equal(d.problems.length, 5);
  assert.ok(d.problems.every((p) => p.vm.found === false));
  plugin.unload();
  assert.equal(xo.listenerCount('job:terminated'), 0);
});

test('unloaded before the delay ends: nothing is diagnosed or sent', async () => {
  const { s, xo, plugin } = setup({ conf: { delaySeconds: 0.2 } });
  xo.emit('job:terminated', s.runs.mixed, { type: 'backup' });
  assert.equal(plugin.timers.size, 1);
  plugin.unload();
  assert.equal(plugin.timers.size, 0);
  await sleep(300);
  assert.equal(xo.sent.length, 0);
});
