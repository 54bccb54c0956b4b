// The diagnose() path end to end through the built WebAssembly package, from Node's ESM entry:
// every input shape of issue 2, the remediation facts, the result's exact shape, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { diagnose, listRules, version, init } from '../../pkg/node.mjs';

const SR44 = ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''];
const SR44_MESSAGE = 'SR_BACKEND_FAILURE_44(, There is insufficient space, )';
const xoLog = JSON.parse(readFileSync(new URL('../fixtures/xo-backup-log.json', import.meta.url), 'utf8'));

test('init() is a harmless no-op in Node and version() answers', async () => {
  await init();
  await init();
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

const shapes = {
  'XAPI array (object)': SR44,
  'XAPI array (text)': JSON.stringify(SR44),
  'XML-RPC struct': { Status: 'Failure', ErrorDescription: SR44 },
  'XML-RPC body': '<methodResponse><params><param><value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data><value>SR_BACKEND_FAILURE_44</value><value></value><value>There is insufficient space</value><value></value></data></array></value></member></struct></value></param></params></methodResponse>',
  'JSON-RPC 1.0': { result: null, error: SR44, id: 1 },
  'JSON-RPC 2.0': { jsonrpc: '2.0', error: { code: 1, message: SR44[0], data: SR44.slice(1) }, id: 0 },
  'task error_info': { status: 'failure', name_label: 'Async.VM.snapshot', error_info: SR44 },
  'XO XapiError object': { name: 'XapiError', code: SR44[0], params: SR44.slice(1), message: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )', call: { method: 'VM.snapshot', duration: 812, params: [] } },
  'XO message string': 'SR_BACKEND_FAILURE_44(, There is insufficient space, )',
  'xe CLI': 'Error code: SR_BACKEND_FAILURE_44\nError parameters: , There is insufficient space, \n',
  'pasted with quote and stack': '> Error: SR_BACKEND_FAILURE_44(, There is insufficient space, )\n>     at Xapi._call (index.mjs:934:15)',
  'CODE - description': 'snapshot failed: SR_BACKEND_FAILURE_44 - There is insufficient space',
  bytes: new TextEncoder().encode('SR_BACKEND_FAILURE_44(, There is insufficient space, )'),
};

for (const [name, input] of Object.entries(shapes)) {
  test(`SR_BACKEND_FAILURE_44 as ${name}`, () => {
    const d = diagnose(input);
    const f = d.findings[0];
    assert.equal(f.rule, 'SR044');
    assert.equal(f.category, 'insufficient_space');
    assert.deepEqual(f.codes, ['SR_BACKEND_FAILURE_44']);
    assert.equal(f.params.reason, 'There is insufficient space');
    assert.ok(f.remediation.length >= 5);
    assert.ok(f.remediation.some((s) => s.command === 'xe sr-scan uuid=<sr-uuid>'));
  });
}

test('the result is plain JSON-compatible objects with null for absent values', () => {
  const d = diagnose(SR44);
  assert.deepEqual(Object.keys(d).sort(), ['chains', 'findings', 'findingsOmitted', 'kind', 'smlog', 'spacePlan']);
  assert.equal(d.smlog, null);
  assert.equal(d.chains, null);
  assert.equal(d.spacePlan, null);
  const f = d.findings[0];
  assert.deepEqual(Object.keys(f).sort(), ['category', 'cause', 'codes', 'confidence', 'evidence', 'links', 'params', 'remediation', 'rule', 'ruleName', 'severity', 'subject', 'summary', 'title']);
  assert.deepEqual(Object.keys(f.subject).sort(), ['host', 'jobId', 'jobName', 'srName', 'srUuid', 'task', 'taskId', 'taskStatus', 'vdiUuid', 'vmName', 'vmUuid']);
  assert.equal(f.subject.vmUuid, null);
  assert.equal(Object.getPrototypeOf(f.params), Object.prototype);
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
  assert.deepEqual(structuredClone(d), d);
});

test('context fills the commands and sharpens the advice', () => {
  const context = { vmUuid: '8ebe6c89-003a-6e25-eb10-3d791ca3c3ae', vmName: 'web-01', srUuid: '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', srType: 'lvmohba' };
  const f = diagnose(SR44, { context }).findings[0];
  const commands = f.remediation.map((s) => s.command).filter(Boolean);
  assert.ok(commands.includes('xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21'));
  assert.ok(commands.includes('xe vm-snapshot uuid=8ebe6c89-003a-6e25-eb10-3d791ca3c3ae new-name-label=xapi-doctor-space-test'));
  assert.match(f.summary, /web-01/);
  assert.ok(f.remediation.some((s) => /thick SR/.test(s.text)));
  const thin = diagnose(SR44, { context: { srType: 'nfs' } }).findings[0];
  assert.ok(!thin.remediation.some((s) => /thick/.test(s.text)));
  const old = diagnose(SR44, { context: { hostVersion: '6.1.0' } });
  assert.ok(old.findings.some((x) => x.rule === 'HV061'));
  assert.ok(!diagnose(SR44, { context: { hostVersion: '8.2.1' } }).findings.some((x) => x.rule === 'HV061'));
});

test('context.xoServerVersion: a Xen Orchestra bug already fixed in that xo-server is not named', () => {
  // KI925 is fixed in Xen Orchestra 5.31.0, whose xo-server is 5.34.0; its rule says so.
  const input = 'server.getAll\n{}\n{\n  "message": "not authenticated or not enough permissions",';
  const named = (context) => diagnose(input, { context }).findings.some((f) => f.rule === 'KI925');
  assert.ok(named({}));
  assert.ok(named({ xoServerVersion: '5.33.0' }));
  assert.ok(!named({ xoServerVersion: '5.34.0' }));
  assert.ok(!named({ xoServerVersion: '5.207.2' }));
  assert.match(listRules().find((r) => r.id === 'KI925').trigger, /not when xo-server is 5\.34\.0 or later/);
  assert.throws(() => diagnose(input, { context: { xoServerVersion: 5 } }), /xoServerVersion/);
});

test('SR_BACKEND_FAILURE_109, licence, VDI_IO_ERROR, VDI_IN_USE', () => {
  assert.equal(diagnose('SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )').findings[0].category, 'chain_too_long');
  const lic = diagnose('LICENCE_RESTRICTION(PCI_device_for_auto_update)', { context: { vmUuid: 'c98a232f-b339-0334-b946-23244d0a4b7b' } }).findings[0];
  assert.equal(lic.category, 'license');
  assert.equal(lic.remediation[0].command, 'xe vm-param-set has-vendor-device=false uuid=c98a232f-b339-0334-b946-23244d0a4b7b');
  assert.equal(diagnose('LICENSE_RESTRICTION(PCI_device_for_auto_update)').findings[0].rule, 'XA007');
  assert.equal(diagnose('VDI_IO_ERROR(Device I/O errors)').findings[0].category, 'io_error');
  const inUse = diagnose(['VDI_IN_USE', 'OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f', 'destroy']).findings[0];
  assert.equal(inUse.category, 'vdi_in_use');
  assert.deepEqual(inUse.params, { vdi: 'OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f', operation: 'destroy' });
});

test('Xen Orchestra messages without a code', () => {
  const cases = {
    'unhealthy VDI chain': 'coalesce_failure',
    'Job canceled to protect the VDI chain': 'coalesce_failure',
    'Error: no VMs match this pattern': 'no_matching_vms',
    'Could not find the base VM': 'missing_base_vm',
    'ENOSPC: no space left on device, write': 'remote_full',
    'Parse Error': 'xapi_version',
  };
  for (const [input, category] of Object.entries(cases)) {
    const d = diagnose(input);
    assert.equal(d.findings[0]?.category, category, input);
  }
  const base = diagnose('Could not find the base VM').findings[0];
  assert.ok(base.remediation.some((s) => s.text.includes('XO_DELTA_EXPORT: <target SR name> (<target SR uuid>)')));
});

test('a Xen Orchestra backup log yields each failed or skipped task, tied to its VM and job', () => {
  const d = diagnose(xoLog);
  assert.equal(d.kind, 'xo_log');
  assert.deepEqual(d.findings.map((f) => [f.rule, f.subject.vmName, f.subject.taskStatus]), [
    ['XA006', 'files-01', 'failure'],
    ['XO001', 'db-01', 'skipped'],
  ]);
  assert.equal(d.findings[0].subject.jobName, 'Nightly delta');
  assert.deepEqual(diagnose(JSON.stringify(xoLog)), d);
});

test("XenCenter's wording of an error names its code, with the parameters it shows", () => {
  // XenCenter shows its own text for a failed call, never the code.
  const d = diagnose('> The SR is full. Requested size 107374182400 exceeds the maximum size 96636764160\n');
  const f = d.findings.find((x) => x.codes.includes('SR_FULL'));
  assert.ok(f, JSON.stringify(d.findings));
  assert.equal(f.category, 'insufficient_space');
  assert.equal(f.params.requested, '107374182400');
  assert.equal(f.params.maximum, '96636764160');
  assert.match(f.cause, /XenCenter's wording/);
  assert.equal(f.evidence[0].line, 1);
  // Only the beginning of the text is not enough.
  assert.ok(!diagnose('The SR is full. Requested size').findings.some((x) => x.codes.includes('SR_FULL')));
});

test('unknown SR_BACKEND_FAILURE codes still decode', () => {
  const f = diagnose('SR_BACKEND_FAILURE_73(, NFS mount error, )').findings[0];
  assert.equal(f.category, 'storage_unreachable');
  const g = diagnose('SR_BACKEND_FAILURE_5011(, Failed to reconnect the VolumeGroup, )').findings[0];
  assert.equal(g.rule, 'SR000');
  assert.match(g.title, /LargeBlockVGReconnectFailed/);
  const h = diagnose('SR_BACKEND_FAILURE_424242(, vendor text, )').findings[0];
  assert.match(h.summary, /424242/);
});

test('bad input: a clear error with a stable code, or an empty result — never a crash', () => {
  for (const bad of [42, true, null, undefined, Symbol('x')]) {
    assert.throws(() => diagnose(bad), (e) => e instanceof Error && e.code === 'INVALID_INPUT');
  }
  assert.equal(diagnose('').kind, 'empty');
  // A cut-off XML-RPC failure with no code left: only the lines that report a failure are shown.
  assert.deepEqual(diagnose('{"Status": "Failure", "ErrorDesc').findings.map((f) => [f.rule, f.severity]), [['TX000', 'info']]);
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => diagnose(cyclic), (e) => e.code === 'INVALID_INPUT');
  assert.throws(() => diagnose(SR44, 'fast'), (e) => e.code === 'INVALID_OPTIONS');
  assert.throws(() => diagnose(SR44, { context: 5 }), (e) => e.code === 'INVALID_OPTIONS');
  assert.throws(() => diagnose(SR44, { maxInputBytes: 3 }), (e) => e.code === 'INPUT_TOO_LARGE');
  let deep = [];
  for (let i = 0; i < 1000; i++) deep = [deep];
  assert.throws(() => diagnose(deep), (e) => e.code === 'INVALID_JSON' && /nested more than 128/.test(e.message));
  for (let i = 0; i < 200000; i++) deep = [deep];
  assert.throws(() => diagnose(deep), (e) => e.code === 'INVALID_JSON' || e.code === 'INVALID_INPUT');
  const big = 'x'.repeat(10 * 1024 * 1024);
  assert.deepEqual(diagnose(big).findings, []);
  const garbage = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
  assert.ok(Array.isArray(diagnose(garbage).findings));
  // The module still works after all of that.
  assert.equal(diagnose(SR44).findings[0].rule, 'SR044');
});

test('listRules() lists the catalogue with unique ids and examples that fire', () => {
  const rules = listRules();
  assert.ok(rules.length >= 50);
  assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
  for (const r of rules) {
    assert.ok(r.title && r.description && r.trigger && r.example, r.id);
    assert.ok(['critical', 'error', 'warning', 'info'].includes(r.severity));
  }
});

test('an unrecognised failure gets the category its wording points to (data/wording.toml), at low confidence', () => {
  const text = '[15:43:23] FATAL: could not reach the archive box: No route to host\n[15:43:23] giving up';
  const [top] = diagnose(text).findings;
  assert.equal(top.rule, 'TX000');
  assert.equal(top.category, 'network');
  assert.equal(top.confidence, 'low');
  assert.match(top.title, /wording points to a server that cannot be reached/);
  assert.match(top.remediation[0].text, /\/dev\/tcp\//);
  // Words that are no failure of that kind leave the catch-all as it was.
  const [plain] = diagnose('frobnicator: unable to reticulate the splines (code 7)').findings;
  assert.deepEqual([plain.rule, plain.category], ['TX000', 'other']);
  // The storage manager's untranslated exception reads its message the same way.
  const sm = diagnose(['SR_BACKEND_FAILURE_1200', '', "KeyError: 'sr_uuid'", '']).findings[0];
  assert.deepEqual([sm.rule, sm.category, sm.confidence], ['SR1200', 'xapi_version', 'low']);
  // A failed Xen Orchestra task whose message no rule knows.
  const xo = diagnose({ message: 'sync to the archive failed: authentication failed for user backup', name: 'Error' }).findings[0];
  assert.deepEqual([xo.rule, xo.category, xo.confidence], ['XO000', 'configuration', 'low']);
});

test("the steps' placeholders get the values the input names, and only values that cannot change a command", () => {
  // Xen Orchestra's remote test of an NFS remote whose server does not answer (a real report's shape).
  const mount = {
    message: 'Command failed with exit code 32: mount -o vers=3 -t nfs 192.0.2.7:/export/backups /run/xo-server/mounts/5b8e1c2d-0f3a-4b6c-9d7e-8f9a0b1c2d3e\nmount.nfs: Connection timed out',
    name: 'Error',
  };
  const commands = diagnose(mount).findings.flatMap((f) => f.remediation.map((s) => s.command ?? '')).join('\n');
  assert.match(commands, /rpcinfo -p 192\.0\.2\.7/);
  assert.doesNotMatch(commands, /<nfs-server>/);
  // Two servers: the step keeps its placeholder rather than guess.
  const two = 'mount -t nfs 192.0.2.7:/a /run/xo-server/mounts/x\nmount.nfs: Connection timed out\nmount -t nfs 192.0.2.8:/b /run/xo-server/mounts/y\nmount.nfs: Connection timed out';
  const twoCommands = diagnose(two).findings.flatMap((f) => f.remediation.map((s) => s.command ?? '')).join('\n');
  assert.match(twoCommands, /<nfs-server>/);
  // Shell operators in the input never reach a command.
  const hostile = 'Error: connect ETIMEDOUT $(reboot):443';
  for (const f of diagnose(hostile).findings) for (const s of f.remediation) assert.doesNotMatch(s.command ?? '', /reboot|\$\(/);
});

// xo-cli prints a result, and a refused call after `✖ `, with Node's util.inspect when --json is
// not given (vatesfr/xen-orchestra@9ef53890 packages/xo-cli/index.mjs): the same object, read the
// same way as its JSON — here printed by Node's own util.inspect, not by a copy of it.
test("xo-cli's default print (util.inspect) of a backup log, a task and a refused call reads like their JSON", async () => {
  const { inspect } = await import('node:util');
  const print = value => inspect(value, { colors: false, depth: null, sorted: true });
  const brief = d => d.findings.map(f => [f.rule, f.subject.vmName, f.subject.jobName, f.subject.task]);
  const task = JSON.parse(readFileSync(new URL('../fixtures/xo-task-backup-run.json', import.meta.url), 'utf8'));
  for (const [name, value] of [['backup log', xoLog], ['task', task]]) {
    const fromJson = diagnose(JSON.stringify(value));
    const fromPrint = diagnose(print(value));
    assert.equal(fromPrint.kind, 'xo_log', name);
    assert.ok(fromJson.findings.length > 0, name);
    assert.deepEqual(brief(fromPrint), brief(fromJson), name);
  }

  const serialised = { call: { method: 'VM.snapshot', params: ['OpaqueRef:1', 'web-01_snap'] }, code: 'SR_BACKEND_FAILURE_44', message: SR44_MESSAGE, name: 'XapiError', params: SR44.slice(1), stack: `XapiError: ${SR44_MESSAGE}\n    at Xapi._call (file:///opt/xo/@xen-orchestra/xapi/index.mjs:934:15)` };
  const refused = Object.assign(new Error(SR44_MESSAGE), { code: -32000, data: serialised });
  refused.name = 'JsonRpcError';
  refused.stack = `JsonRpcError: ${SR44_MESSAGE}\n    at Peer._callee$ (/usr/local/lib/node_modules/xo-cli/node_modules/json-rpc-peer/dist/index.js:139:44)`;
  const d = diagnose(`\u2716 ${print(refused)}`);
  assert.equal(d.kind, 'xapi_error');
  assert.equal(d.findings[0].codes[0], 'SR_BACKEND_FAILURE_44');
  assert.equal(d.findings[0].category, 'insufficient_space');
});

// The same, printed by xo-cli itself against xo-server 5.207.2 built from its sources
// (tests/xo-live/run.mjs wrote them: the failed run of a job whose VM is in no connected pool, and
// `xo-cli vm.snapshot id=<that VM>` refused).
test('real xo-cli prints: a failed run from backupNg.getLogs and a refused vm.snapshot', () => {
  const logs = diagnose(readFileSync(new URL('../fixtures/xo-cli/backupNg.getLogs.txt', import.meta.url), 'utf8'));
  assert.equal(logs.kind, 'xo_log');
  assert.equal(logs.findings[0].rule, 'XO010');
  assert.equal(logs.findings[0].subject.vmUuid, '0f0e0d0c-0b0a-4998-8877-665544332211');
  assert.match(logs.findings[0].subject.jobName, /^nightly /);
  const refused = diagnose(readFileSync(new URL('../fixtures/xo-cli/vm.snapshot-refused.txt', import.meta.url), 'utf8'));
  assert.equal(refused.findings[0].rule, 'XB014');
});

test('a paste with no-break spaces, zero-width breaks, padded lines or terminal colours reads like the plain text', () => {
  const rules = (input) => diagnose(input).findings.map((f) => `${f.rule} ${f.category}`);
  const xapi = 'SR_BACKEND_FAILURE_44(, There is insufficient space, )';
  const smlog = "Jan 14 02:00:01 h SM: [7] ['/sbin/lvremove', '-f', '/dev/VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/VHD-1']\n" +
    "Jan 14 02:00:01 h SM: [7] FAILED in util.pread: (rc 5) stdout: '', stderr: '  Logical volume VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/VHD-1 in use.'";
  const json = '{\n  "code": "VDI_IO_ERROR",\n  "params": ["Device I/O errors"]\n}';
  for (const plain of [xapi, smlog, json]) {
    const expected = rules(plain);
    assert.ok(expected.length > 0, plain);
    // An HTML mail's copy: every space a no-break space (JSON's indentation included).
    assert.deepEqual(rules(plain.replaceAll(' ', '\u00a0')), expected, 'no-break spaces');
    // A wiki's or chat's copy: zero-width spaces where long words may break.
    assert.deepEqual(rules(plain.replace(/[_/.]/g, '$&\u200b')), expected, 'zero-width breaks');
    // A terminal's copy: blanks after every line.
    assert.deepEqual(rules(plain.split('\n').map((l) => `${l}   `).join('\n')), expected, 'trailing blanks');
    // A coloured program's saved output (a container's or a CI job's log): codes and words
    // wrapped in the terminal's colour sequences.
    const coloured = plain.replace(/[A-Z][A-Z_0-9]{3,}|rc \d+/g, '\u001b[1;31m$&\u001b[0m').replace(/^/gm, '\u001b[2m\u001b[22m');
    assert.notEqual(coloured, plain);
    assert.deepEqual(rules(coloured), expected, 'terminal colours');
    // A page's source or an HTML mail's part: HTML's character references.
    const escaped = plain.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    if (/["'<>&]/.test(plain)) assert.notEqual(escaped, plain);
    assert.deepEqual(rules(escaped), expected, 'HTML character references');
    // An editor that "smartens" quotes.
    const curly = plain.replace(/"([^"\n]*)"/g, '\u201c$1\u201d').replace(/'/g, '\u2019');
    assert.deepEqual(rules(curly), expected, 'typographic quotes');
  }
});

test("grep's and cat -n's prefixes are taken off a log's lines before it is read", () => {
  const rules = (input) => diagnose(input).findings.map((f) => `${f.rule} ${f.category}`);
  const smlog = "Jan 14 02:00:01 h SM: [7] ['/sbin/lvremove', '-f', '/dev/VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/VHD-1']\n" +
    "Jan 14 02:00:01 h SM: [7] FAILED in util.pread: (rc 5) stdout: '', stderr: '  Logical volume VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/VHD-1 in use.'";
  const expected = rules(smlog);
  assert.ok(expected.length > 0);
  const lines = smlog.split('\n');
  const shapes = {
    'grep over SMlog*': lines.map((l, i) => `/var/log/SMlog${i ? '' : '.1'}:${l}`),
    'grep -n -C1': lines.map((l, i) => `${4096 + i}${i ? '-' : ':'}${l}`),
    'grep -Hn': lines.map((l, i) => `/var/log/SMlog:${4096 + i}:${l}`),
    'cat -n': lines.map((l, i) => `${String(i + 1).padStart(6)}\t${l}`),
  };
  for (const [shape, prefixed] of Object.entries(shapes)) {
    const d = diagnose(prefixed.join('\n'));
    assert.equal(d.kind, 'smlog', shape);
    assert.deepEqual(rules(prefixed.join('\n')), expected, shape);
  }
  // Without the prefixes taken off, the lines would not start with their timestamp: no SMlog.
  assert.notEqual(diagnose(lines.map((l) => `one: ${l}`).join('\n')).kind, 'smlog');
});

/** `xe`'s output for VM_BAD_POWER_STATE as a terminal shows it: the doc line wrapped, then the parameters. */
const XE_BAD_POWER_STATE = [
  'You attempted an operation on a VM that was not in an appropriate power',
  'state at the time; for example, you attempted to start a VM that was',
  "already running.  The parameters returned are the VM's handle, and the",
  'expected and actual VM state at the time of the call.',
  'vm: a890044e-6503-2c38-e330-e4e0e749b857 (vm-1)',
  'expected: running',
  'actual: halted',
];

test("xe's output kept by the journal or by a container's log reads as it does without the prefix", () => {
  const rules = (input) => diagnose(input).findings.map((f) => `${f.rule} ${f.category} ${f.codes.join(',')}`);
  const xe = XE_BAD_POWER_STATE;
  const expected = rules(xe.join('\n'));
  assert.ok(expected.some((r) => r.includes('VM_BAD_POWER_STATE')), expected.join('; '));
  for (const prefix of ['Dec  7 10:11:12 xoa backup.sh[812]: ', '2026-12-07T10:11:12.123456789Z ']) {
    assert.deepEqual(rules(xe.map((l) => prefix + l).join('\n')), expected, prefix);
  }
});

test("xe's output glued onto its command on one line reads as the code, with its parameters", () => {
  const xe = ['$ xe vm-migrate vm=a890044e-6503-2c38-e330-e4e0e749b857 host=h2', ...XE_BAD_POWER_STATE];
  const top = diagnose(xe.join(' ')).findings[0];
  assert.deepEqual([top.rule, top.category, top.codes], ['XA005', 'configuration', ['VM_BAD_POWER_STATE']]);
  assert.equal(top.params.actual, 'halted');
  // The same doc line followed by prose is no error of that code.
  const prose = diagnose(`${xe.slice(0, 5).join(' ')} so I started it first`).findings;
  assert.ok(!prose.some((f) => f.codes.includes('VM_BAD_POWER_STATE')), prose.map((f) => f.rule).join(' '));
});
