// The plugin on finished backup runs, driven as xo-server drives it: configure, load, emit
// `job:terminated` with the run id, and read what the transports were asked to send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import factory from '../index.js';
import { createFakeXo, addTransports } from './fake-xo.mjs';
import { scenario } from './fixtures.mjs';

process.env.XO_XAPI_DOCTOR_QUIET = '1';

function setup(conf = {}, { transports } = {}) {
  const s = scenario();
  const xo = createFakeXo(s);
  addTransports(xo, transports);
  const plugin = factory({ xo, staticConfig: {}, getDataDir: async () => '/tmp' });
  plugin.configure({ toMails: ['ops@example.org'], delaySeconds: 0, ...conf });
  plugin.load();
  return { s, xo, plugin };
}

/** Emits the end of a run and waits until the plugin has finished with it. */
async function finishRun(xo, plugin, runId, type = 'backup') {
  xo.emit('job:terminated', runId, { type });
  for (let i = 0; i < 200 && (plugin.timers.size > 0 || plugin.inFlight.size > 0); i += 1) await sleep(10);
}

test('a failed run: each failed, skipped and interrupted VM is diagnosed with the pool as context, and sent', async () => {
  const { s, xo, plugin } = setup({ icinga2: true, toXmpp: ['ops@xmpp.example.org'] });
  await finishRun(xo, plugin, s.runs.mixed);
  const byTransport = Object.fromEntries(xo.sent.map((m) => [m.transport, m]));
  assert.deepEqual(Object.keys(byTransport).sort(), ['email', 'icinga2', 'slack', 'xmpp']);

  const mail = byTransport.email;
  assert.deepEqual(mail.to, ['ops@example.org']);
  assert.match(mail.subject, /Nightly delta: 5 problems \(6 VMs: 3 failed, 1 skipped, 1 interrupted, 1 succeeded\)/);
  const md = mail.markdown;
  // db-01: chain protection, with the live chain check naming the disk and the base copy.
  assert.match(md, /### VM db-01: skipped/);
  assert.match(md, /\(XO001\)/);
  assert.ok(md.includes(`Disk db-01 data trips the check at base copy \`${s.ids.chain.bases[0]}\`: 2 coalesces pending`), md);
  assert.match(md, /SR NFS-SR: \d+ base copies wait for coalesce \(first check/);
  // web-02: SR_BACKEND_FAILURE_44 on its thick iSCSI SR, the commands filled with the SR and VM.
  assert.match(md, /### VM web-02: failed[\s\S]*\(SR044\)/);
  assert.ok(md.includes(`\`xe sr-scan uuid=${s.ids.iscsi}\``));
  assert.ok(md.includes(`\`xe vm-snapshot uuid=${s.ids.web02} `));
  assert.match(md, /thick-provisioned \(LVM\)/);
  // files-01: the remote's lock (real ELOCKED result); mail-01: the health check's certificate.
  assert.match(md, /### VM files-01: failed[\s\S]*\(XO006\)/);
  assert.match(md, /### VM mail-01: failed[\s\S]*backup VM › export › health check[\s\S]*\(NW005\)/);
  // app-01 interrupted without an error.
  assert.match(md, /### VM app-01: interrupted\n\n- \*\*Where\*\*: backup VM › export › transfer, backup repository NAS\n- \*\*Error\*\*: none recorded/);
  // web-01 succeeded: not in the report.
  assert.doesNotMatch(md, /VM web-01/);
  assert.equal(md.includes('<sr-uuid>'), false, 'no placeholder left where the SR is known');

  assert.equal(byTransport.icinga2.status, 'CRITICAL');
  assert.match(byTransport.xmpp.message, /^xapi-doctor: Nightly delta: 5 problems/);
  assert.deepEqual(byTransport.xmpp.to, ['ops@xmpp.example.org']);
  assert.match(byTransport.slack.message, /• \*VM db-01\* skipped: .* tripped at `[0-9a-f-]{36}`\./);
  plugin.unload();
});

test('the diagnosis object: counts, contexts, findings and the chain verdict', async () => {
  const { s, plugin } = setup();
  const d = await plugin.diagnoseRunById(s.runs.mixed);
  assert.deepEqual(d.counts, { vms: 6, failed: 3, skipped: 1, interrupted: 1, succeeded: 1 });
  assert.equal(d.hasProblem, true);
  assert.equal(d.worstSeverity, 'error');
  const byVm = Object.fromEntries(d.problems.map((p) => [p.vm?.name, p]));
  assert.deepEqual(Object.keys(byVm), ['db-01', 'web-02', 'files-01', 'app-01', 'mail-01']);
  assert.deepEqual(byVm['web-02'].context, {
    vmUuid: s.ids.web02,
    vmName: 'web-02',
    srUuid: s.ids.iscsi,
    srName: 'iSCSI-SR',
    srType: 'lvmoiscsi',
    hostVersion: '8.2.1',
    product: 'XCP-ng',
    xoServerVersion: '5.207.2',
  });
  assert.equal(byVm['web-02'].findings[0].rule, 'SR044');
  const chain = byVm['db-01'].chain;
  assert.equal(chain.wouldSkipNow, true);
  assert.equal(chain.trippedBy, s.ids.chain.bases[0]);
  const tripped = chain.disks.filter((disk) => disk.wouldSkip);
  assert.equal(tripped.length, 1);
  assert.equal(tripped[0].vdi, s.ids.chain.leaf);
  assert.equal(tripped[0].pendingCoalesce, 2);
  assert.equal(chain.srs[0].uuid, s.ids.nfs);
  assert.equal(byVm['db-01'].context.srUuid, s.ids.nfs, "the tripped disk's SR fills the commands");
  assert.equal(byVm['app-01'].findings.length, 0);
  assert.equal(byVm['app-01'].status, 'interrupted');
});

test('a run with nothing wrong sends nothing by default; "always" sends it; "never" sends nothing', async () => {
  for (const [when, expected] of [['failure', 0], ['always', 3], ['never', 0]]) {
    const { s, xo, plugin } = setup({ when, icinga2: true });
    await finishRun(xo, plugin, s.runs.success);
    assert.equal(xo.sent.length, expected, when);
    if (expected > 0) {
      assert.match(xo.sent.find((m) => m.transport === 'email').subject, /nothing wrong$/);
      assert.equal(xo.sent.find((m) => m.transport === 'icinga2').status, 'OK');
    }
    plugin.unload();
  }
});

test('a run-level error (no VM matched the smart-mode pattern, a real log) is diagnosed', async () => {
  const { s, xo, plugin } = setup();
  await finishRun(xo, plugin, s.runs.noVms);
  const mail = xo.sent.find((m) => m.transport === 'email');
  assert.ok(mail, 'sent');
  const d = await plugin.diagnoseRunById(s.runs.noVms);
  assert.equal(d.problems.length, 1);
  assert.equal(d.problems[0].vm, null);
  assert.equal(d.problems[0].error, 'no VMs match this pattern');
  assert.equal(d.problems[0].findings[0].category, 'no_matching_vms');
  assert.match(mail.markdown, /### The run: skipped/);
});

test('real errors inside a run (an export body timeout, a removed backup network) get their findings', async () => {
  const { s, plugin } = setup();
  const d = await plugin.diagnoseRunById(s.runs.realErrors);
  const [timeout, network] = d.problems;
  assert.equal(timeout.failedTask, 'backup VM › export › transfer');
  assert.ok(timeout.findings.some((f) => f.codes.includes('UND_ERR_BODY_TIMEOUT')), JSON.stringify(timeout.findings.map((f) => f.rule)));
  assert.ok(network.findings.some((f) => f.codes.includes('UUID_INVALID')));
});

test("the job's own recipients are added only when asked, without duplicates", async () => {
  const { s, xo, plugin } = setup({ toMails: ['ops@example.org', 'job-owner@example.org'], jobRecipients: true });
  await finishRun(xo, plugin, s.runs.mixed);
  assert.deepEqual(xo.sent.find((m) => m.transport === 'email').to, ['ops@example.org', 'job-owner@example.org']);
});

test('compact e-mail: one line per problem', async () => {
  const { s, xo, plugin } = setup({ detail: 'compact' });
  await finishRun(xo, plugin, s.runs.mixed);
  const md = xo.sent.find((m) => m.transport === 'email').markdown;
  const lines = md.split('\n').filter((l) => l.startsWith('- **VM '));
  assert.equal(lines.length, 5);
  assert.doesNotMatch(md, /\*What to do\*/);
});

test('job:terminated of a `call` job is ignored; the report waits for the configured delay', async () => {
  const { s, xo, plugin } = setup({ delaySeconds: 0.3 });
  xo.emit('job:terminated', s.runs.mixed, { type: 'call' });
  assert.equal(plugin.timers.size, 0);
  xo.emit('job:terminated', s.runs.mixed, { type: 'backup' });
  await sleep(100);
  assert.equal(xo.sent.length, 0, 'not before the delay');
  await finishRun(xo, plugin, s.runs.mixed);
  assert.ok(xo.sent.length > 0);
});

test('the chain trend: a second check of the SR says whether coalesce keeps up', async () => {
  const { s, xo, plugin } = setup();
  await plugin.diagnoseRunById(s.runs.mixed);
  // Base copies waiting to coalesce appear on the same SR: the count grows.
  let parent;
  for (let i = 0; i < 3; i += 1) {
    const id = `ba5e0000-0000-4000-8000-00000000000${i}`;
    xo.addObject({ id, uuid: id, type: 'VDI-unmanaged', name_label: 'base copy', parent, $SR: s.ids.nfs, $VBDs: [], size: 1, usage: 1 });
    parent = id;
  }
  xo.addObject({ id: 'ba5e0000-0000-4000-8000-00000000000f', uuid: 'ba5e0000-0000-4000-8000-00000000000f', type: 'VDI', parent, $SR: s.ids.nfs, $VBDs: [], size: 1, usage: 1 });
  const d = await plugin.diagnoseRunById(s.runs.mixed);
  const sr = d.problems.find((p) => p.chain).chain.srs[0];
  assert.equal(sr.trend.verdict, 'growing');
  assert.ok(sr.pendingCoalesce > sr.trend.previous.pending);
});

test('test({ runId }) diagnoses and sends whatever "when" says, and fails clearly for an unknown run', async () => {
  const { s, xo, plugin } = setup({ when: 'never' });
  await plugin.test({ runId: s.runs.success });
  assert.ok(xo.sent.some((m) => m.transport === 'email'));
  await assert.rejects(plugin.test({ runId: 'no-such-run' }), /no such backup-ng-log/);
});

test('errors on the backup repository: a failed merge and clean-vm, named with the remote', async () => {
  const { s, xo, plugin } = setup();
  const d = await plugin.diagnoseRunById(s.runs.repository);
  const [merge, cleanVm] = d.problems;
  assert.equal(merge.failedTask, 'backup VM › export › merge');
  assert.deepEqual(merge.remote, { id: s.ids.remoteId, name: 'NAS' });
  assert.ok(merge.findings.some((f) => f.codes.includes('EACCES')), JSON.stringify(merge.findings.map((f) => [f.rule, f.codes])));
  assert.equal(cleanVm.failedTask, 'backup VM › clean-vm');
  assert.ok(cleanVm.findings.some((f) => f.codes.includes('ENOENT')));
  await plugin.reportRun(s.runs.repository);
  const md = xo.sent.find((m) => m.transport === 'email').markdown;
  assert.match(md, /- \*\*Where\*\*: backup VM › export › merge, backup repository NAS/);
});

test("each run's diagnosis is an entry of Xen Orchestra's task list", async () => {
  const { s, xo, plugin } = setup();
  await finishRun(xo, plugin, s.runs.mixed);
  await finishRun(xo, plugin, 'no-such-run');
  assert.deepEqual(
    xo.tasks.created.map((t) => [t.properties.type, t.properties.runId, t.options.clearLogOnSuccess, t.status]),
    [
      ['xo:xo-server-xapi-doctor:diagnose', s.runs.mixed, true, 'success'],
      ['xo:xo-server-xapi-doctor:diagnose', 'no-such-run', true, 'failure'],
    ],
  );
});
