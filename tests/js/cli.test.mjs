// The `xapi-doctor` command line, run as a process the way an administrator runs it: each input
// kind, stdin, --json (exactly the library's objects), --rules, exit codes and --fail-on, colours,
// and hostile input that must not reach the terminal raw.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as doctor from '../../pkg/node.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'pkg/cli.mjs');
const SR44_TEXT = join(ROOT, 'samples/xe-snapshot-sr44.txt');
const XO_LOG = join(ROOT, 'tests/fixtures/xo-backup-log.json');
const SMLOG = join(ROOT, 'tests/fixtures/cli/smlog-excerpt.log');
// Pool records (XAPI shape): VM db-01's disk has two base copies waiting for coalesce.
const RECORDS = join(ROOT, 'tests/fixtures/cli/records.json');
const ESC = '\x1b';
const TMP = mkdtempSync(join(tmpdir(), 'xapi-doctor-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

function run(args, { input, env = {} } = {}) {
  const clean = { ...process.env };
  delete clean.NO_COLOR;
  delete clean.FORCE_COLOR;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    env: { ...clean, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (args, opts) => {
  const r = run(['--json', ...args], opts);
  return { ...r, value: r.stdout ? JSON.parse(r.stdout) : undefined };
};

test('--help documents the usage, the options and the exit codes', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  for (const word of ['--json', '--fail-on', '--chain', '--rules', 'Exit status', 'NO_COLOR', 'stdin']) {
    assert.ok(r.stdout.includes(word), word);
  }
  assert.equal(r.stderr, '');
});

test('--version prints the library version', () => {
  const r = run(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), `xapi-doctor ${doctor.version()}`);
});

test('each input kind is recognised and diagnosed through the library', () => {
  const cases = [
    [SR44_TEXT, 'xapi_error', ['SR044']],
    [XO_LOG, 'xo_log', ['XA006', 'XO001']],
    [SMLOG, 'smlog', ['SR109', 'SR044', 'SR046']],
  ];
  for (const [file, kind, rules] of cases) {
    const { code, value } = json([file]);
    assert.equal(code, 1, file);
    assert.equal(value.kind, kind, file);
    for (const rule of rules) assert.ok(value.findings.some((f) => f.rule === rule), `${file}: ${rule}`);
  }
  const xoError = json(['-'], { input: 'Error: Job canceled to protect the VDI chain' });
  assert.equal(xoError.value.kind, 'xo_error');
  assert.equal(xoError.value.findings[0].rule, 'XO001');
  const xapiObject = JSON.stringify({ name: 'XapiError', code: 'VDI_IN_USE', params: ['OpaqueRef:1', 'destroy'] });
  const r = json(['-'], { input: xapiObject });
  assert.equal(r.value.kind, 'xapi_error');
  assert.equal(r.value.findings[0].rule, 'XA001');
});

test('--json prints exactly what diagnose() returns, for files and for stdin', () => {
  for (const file of [SR44_TEXT, XO_LOG, SMLOG]) {
    assert.deepEqual(json([file]).value, doctor.diagnose(readFileSync(file)), file);
  }
  const text = 'SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )';
  assert.deepEqual(json([], { input: text }).value, doctor.diagnose(text));
  assert.deepEqual(json(['-'], { input: text }).value, doctor.diagnose(text));
});

test('an SMlog bigger than the sniffed head (streamed when the library has SmlogScanner) gives what diagnose() gives on the whole file', () => {
  const file = join(TMP, 'SMlog');
  writeFileSync(file, readFileSync(SMLOG, 'utf8').repeat(20)); // 1.2 MB: two 1 MiB chunks
  const r = json([file]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.value, doctor.diagnose(readFileSync(file)));
  assert.equal(r.value.smlog.stats.lines, 20 * 704);
});

test('--json with several inputs prints an array in argument order, null for an input that failed', () => {
  const r = json([SR44_TEXT, 'no/such/file', XO_LOG]);
  assert.equal(r.code, 2);
  assert.equal(r.value.length, 3);
  assert.equal(r.value[0].kind, 'xapi_error');
  assert.equal(r.value[1], null);
  assert.equal(r.value[2].kind, 'xo_log');
  assert.match(r.stderr, /no\/such\/file: no such file or directory/);
});

test('text output: findings grouped by severity, evidence with line numbers, remediation with commands', () => {
  const r = run([SMLOG]);
  assert.equal(r.code, 1);
  assert.ok(!r.stdout.includes(ESC), 'no colours when stdout is not a terminal');
  assert.match(r.stdout, /smlog-excerpt\.log: SMlog, \d+ findings: \d+ errors/);
  assert.match(r.stdout, /^ {2}704 lines, 0\.1 MB$/m);
  assert.match(r.stdout, /^ERROR \(\d+\)$/m);
  assert.match(r.stdout, /^ {2}SR109 {2}The disk's snapshot chain/m);
  assert.match(r.stdout, /line 19(, pid 8767)?: .*Raising exception \[109, The snapshot chain is too long\]/);
  assert.match(r.stdout, /What to do:\n\s+1\. /);
  assert.match(r.stdout, /\$ xe sr-scan uuid=/);
  const filled = run([SR44_TEXT, '--sr-uuid', '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', '--context', '{"vmUuid":"8ebe6c89-003a-6e25-eb10-3d791ca3c3ae"}']);
  assert.match(filled.stdout, /\$ xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21$/m, 'context fills the commands');
  assert.match(filled.stdout, /\$ xe vm-snapshot uuid=8ebe6c89-003a-6e25-eb10-3d791ca3c3ae /);
  const xo = run([XO_LOG]).stdout;
  assert.ok(xo.indexOf('ERROR (1)') < xo.indexOf('WARNING (1)'), 'most severe group first');
  assert.match(xo, /VM files-01 \(c98a232f-b339-0334-b946-23244d0a4b7b\) · job Nightly delta/);
});

test("text output: a finding's codes and its error's parameters by name, long values cut", () => {
  const memory = run(['-'], { input: 'Not enough server memory is available to perform this operation.\nneeded: 8598323200\navailable: 4173877248\n' });
  assert.match(memory.stdout, /^ {4}Code: HOST_NOT_ENOUGH_FREE_MEMORY \(needed 8598323200 = 8\.0 GiB, available 4173877248 = 3\.9 GiB\)$/m);
  const long = run(['-'], { input: `SR_BACKEND_FAILURE_46(, The VDI is not available [opterr=${'x'.repeat(300)}], )\n` });
  const line = long.stdout.split('\n').find((l) => l.startsWith('    Code: SR_BACKEND_FAILURE_46'));
  assert.ok(line && line.includes('…') && line.length < 700, line);
  const bare = run(['-'], { input: 'mount.nfs: access denied by server while mounting 192.0.2.10:/backups\n' });
  assert.ok(!/^ {4}(Code|Parameters):/m.test(bare.stdout), 'nothing to show, no line');
});

test('colours only on request or on a terminal, and never with NO_COLOR', () => {
  assert.ok(run([SR44_TEXT, '--color']).stdout.includes(`${ESC}[`));
  assert.ok(!run([SR44_TEXT], { env: { NO_COLOR: '1' } }).stdout.includes(ESC));
  assert.ok(run([SR44_TEXT], { env: { FORCE_COLOR: '1' } }).stdout.includes(ESC));
  assert.ok(!run([SR44_TEXT, '--no-color'], { env: { FORCE_COLOR: '1' } }).stdout.includes(ESC));
  assert.ok(!run([SR44_TEXT, '--json', '--color']).stdout.includes(ESC));
});

test('exit codes: 0 below the threshold, 1 at or above, 2 for usage and input errors', () => {
  assert.equal(run([SR44_TEXT]).code, 1, 'an error finding fails at the default threshold (error)');
  assert.equal(run([SR44_TEXT, '--fail-on', 'critical']).code, 0);
  assert.equal(run([SR44_TEXT, '--fail-on', 'none']).code, 0);
  assert.equal(run([SR44_TEXT, '--fail-on', 'warning']).code, 1);
  const skipped = { input: 'Job canceled to protect the VDI chain' };
  const onlyWarning = json(['-'], skipped);
  assert.deepEqual(onlyWarning.value.findings.map((f) => f.severity), ['warning']);
  assert.equal(onlyWarning.code, 0, 'a warning does not fail at the default threshold');
  assert.equal(run(['--fail-on', 'warning'], skipped).code, 1);
  const nothing = run([], { input: 'hello world\n' });
  assert.equal(nothing.code, 0);
  assert.match(nothing.stdout, /Nothing recognised/);
  assert.equal(run([], { input: '' }).code, 0);

  for (const args of [['--fail-on', 'fatal', SR44_TEXT], ['--bogus', SR44_TEXT], ['--context', '{oops', SR44_TEXT], ['--context', '[1]', SR44_TEXT], ['-', '-'], ['--tolerance', '2', SR44_TEXT]]) {
    const r = run(args, { input: '' });
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^xapi-doctor: .+\nTry 'xapi-doctor --help'/, args.join(' '));
    assert.equal(r.stdout, '');
  }
  const missing = run(['no/such/file']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^xapi-doctor: no\/such\/file: no such file or directory/);
  const dir = run([ROOT]);
  assert.equal(dir.code, 2);
  assert.match(dir.stderr, /is a directory/);
  const tooDeep = run([], { input: '['.repeat(5000) + ']'.repeat(5000) });
  assert.equal(tooDeep.code, 0, 'input that is not valid JSON is free text with nothing recognised');
});

test('--rules prints the catalogue the library has, as text or JSON', () => {
  const rules = doctor.listRules();
  const r = json(['--rules']);
  assert.equal(r.code, 0);
  assert.deepEqual(r.value, rules);
  const text = run(['--rules']).stdout;
  for (const rule of rules) {
    assert.ok(text.includes(`${rule.id}  ${rule.title}`), rule.id);
  }
  assert.equal(text.match(/^ {2}Triggered by: /gm).length, rules.length);
  assert.equal(text.match(/^ {2}Example: /gm).length, rules.length);
  assert.equal(text.match(/^ {2}Remediation:$/gm).length, rules.filter(ruleHasSteps).length);
  const one = run(['--rules', 'SR044']);
  assert.match(one.stdout, /^SR044 {2}The SR does not have enough free space\n/);
  assert.match(one.stdout, /\$ xe sr-scan uuid=<sr-uuid>/);
  assert.equal(one.stdout.match(/^[A-Z]{2}\d{3,} {2}/gm).length, 1);
  assert.deepEqual(json(['--rules', 'sr-insufficient-space']).value.map((x) => x.id), ['SR044']);
  const unknown = run(['--rules', 'ZZ999']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown rule: zz999/);
});

function ruleHasSteps(rule) {
  const example = rule.example.startsWith('{"input"') ? JSON.parse(rule.example) : { input: rule.example };
  const finding = doctor.diagnose(example.input, example.options).findings.find((f) => f.rule === rule.id);
  return finding && finding.remediation.length > 0;
}

test('RULES.md and --rules list the same rules', () => {
  // RULES.md is not committed: `cargo test --test docs` (run first by scripts/test.sh) writes it.
  assert.ok(existsSync(join(ROOT, 'RULES.md')), 'RULES.md is missing: run `cargo test --test docs` first');
  const md = readFileSync(join(ROOT, 'RULES.md'), 'utf8');
  const inMd = [...md.matchAll(/^## ([A-Z]{2}\d{3,})$/gm)].map((m) => m[1]);
  assert.deepEqual(inMd, json(['--rules']).value.map((r) => r.id));
});

test('hostile input: escape sequences, control characters and bidi overrides are shown escaped', () => {
  const hostile =
    'SR_BACKEND_FAILURE_44(, \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m <script>alert(1)</script> \u009b6n \u202Egnp.exe\b\r, )\n';
  const file = join(TMP, 'evil\x1b[2Jname.txt');
  writeFileSync(file, hostile);
  for (const args of [[file], [file, '--color'], ['--json', file], ['--json', file, 'no/such/file\x1b[5m']]) {
    const r = run(args);
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const out = args.includes('--color') ? r.stdout.replace(/\x1b\[[0-9;]*m/g, '') : r.stdout;
    assert.ok(!raw.test(out), `stdout of ${args.join(' ')} has a raw control character`);
    assert.ok(!raw.test(r.stderr), `stderr of ${args.join(' ')} has a raw control character`);
  }
  const text = run([file]).stdout;
  // A terminal's escape sequences are taken out of a text before it is read (a log saved from a
  // coloured program: input::plain_pasted_text); the other control characters are shown escaped.
  assert.ok(text.includes(' red <script>alert(1)</script> \\x9b6n \\u202egnp.exe\\x08\\r'), text);
  assert.ok(!text.includes('pwned') && !text.includes('\\x1b[31m'), text);
  assert.ok(text.includes('evil\\x1b[2Jname.txt: XAPI error'));
  // The colour codes that remain in --color output are only the CLI's own (SGR) ones.
  assert.ok(!run([file, '--color']).stdout.replace(/\x1b\[[0-9;]*m/g, '').includes(ESC));
  // JSON keeps the exact values: parsed back, they are the library's.
  const r = json([file]);
  assert.deepEqual(r.value, doctor.diagnose(readFileSync(file)));
  assert.ok(r.value.findings[0].params.reason.startsWith('red <script>alert(1)</script> \u009b6n \u202Egnp.exe'));
});

test('hostile SMlog and records: streamed or whole, text or JSON, nothing raw reaches the terminal', () => {
  const evil = '\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 \x1b[?1049h\x1bP+q\x1b\\ \u009b2J \u0085 \u202e\u2066 \u200b\ufeff\u2028';
  const line = (pid, msg) => `Jan 14 02:00:02 xcp-host1 SM: [${pid}] ${msg}\n`;
  const smlog = line(14502, `Raising exception [44, There is insufficient space ${evil}]`) + line(14502, `lock: opening lock file /var/lock/sm/${evil}/sr`);
  const small = join(TMP, 'hostile.SMlog');
  const big = join(TMP, 'hostile-big.SMlog');
  writeFileSync(small, smlog);
  writeFileSync(big, line(1, 'x'.repeat(200)).repeat(400) + smlog); // > 64 KiB: streamed
  const records = join(TMP, 'hostile-records.json');
  writeFileSync(
    records,
    JSON.stringify({
      VM: { 'OpaqueRef:vm': { uuid: 'vm', name_label: `db ${evil}`, VBDs: ['OpaqueRef:vbd'] } },
      VBD: { 'OpaqueRef:vbd': { VM: 'OpaqueRef:vm', VDI: 'OpaqueRef:d' } },
      VDI: { 'OpaqueRef:d': { uuid: `d ${evil}`, managed: true, SR: 'OpaqueRef:sr', sm_config: { 'vhd-parent': `gone ${evil}` } } },
      SR: { 'OpaqueRef:sr': { uuid: 'sr', name_label: `SR ${evil}`, type: 'lvm' } },
    }),
  );
  const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
  for (const args of [[small], [big], ['--json', small], ['--json', big], ['--chain', records], ['--json', '--chain', records], [small, '--color']]) {
    const r = run(args);
    const out = args.includes('--color') ? r.stdout.replace(/\x1b\[[0-9;]*m/g, '') : r.stdout;
    assert.ok(!raw.test(out), `stdout of ${args.join(' ')} has a raw control or formatting character`);
    assert.ok(!raw.test(r.stderr), `stderr of ${args.join(' ')} has a raw control or formatting character`);
  }
  // A streamed SMlog keeps its lines as they are: its escape sequences are shown escaped. A whole
  // one is read without them (input::plain_pasted_text), and its other controls are shown escaped.
  assert.match(run([big]).stdout, /\\x1b\]8;;http:\/\/evil\.example\/\\x07link/);
  assert.match(run([small]).stdout, /insufficient space link  \\x9b2J \\x85 \\u202e\\u2066 /);
  assert.match(run(['--chain', records]).stdout, /VM db \\x1b\]8;;/);
  // JSON keeps the library's exact values: the text as read, whose escape sequences, zero-width
  // space and byte-order mark the library drops before reading a whole text
  // (input::plain_pasted_text).
  const asRead = 'link  \u009b2J \u0085 \u202e\u2066 \u2028';
  assert.ok(json([small]).value.findings[0].evidence.some((e) => e.text.includes(asRead)));
});

test('--chain RECORDS: the chain check, as text and as exactly what checkVdiChains() returns', () => {
  const text = readFileSync(RECORDS, 'utf8');
  const r = json(['--chain', RECORDS]);
  assert.deepEqual(r.value, doctor.checkVdiChains(text));
  assert.ok(r.value.findings.some((f) => f.rule === 'CH001'));
  assert.equal(r.code, 0, 'chain protection findings are warnings');
  assert.equal(run(['--chain', RECORDS, '--fail-on', 'warning']).code, 1);
  const out = run(['--chain', RECORDS]).stdout;
  assert.match(out, /records\.json: VDI chain check, \d+ findings?: /);
  assert.match(out, /VM db-01: Xen Orchestra would skip its backup \(chain depth 4, tripped by base copy 6f1b0c3a-0000-4000-8000-00000000000r\)/);
  assert.match(out, /SR Local storage: 2 to coalesce/);
  assert.match(out, /\$ xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/);
  const tolerant = json(['--chain', RECORDS, '--tolerance', '5']);
  assert.deepEqual(tolerant.value, doctor.checkVdiChains(text, { tolerance: 5 }));
  assert.ok(!tolerant.value.findings.some((f) => f.rule === 'CH001'));
  assert.deepEqual(json(['--chain', '-'], { input: text }).value, r.value);
  const bad = run(['--chain', SR44_TEXT]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^xapi-doctor: .*xe-snapshot-sr44\.txt: .+\((INVALID_JSON|INVALID_RECORDS)\)\n$/);
  assert.equal(run(['--chain', RECORDS, '--tolerance', 'lots']).code, 2);
});

test('pool records given as a file are recognised and checked by diagnose()', () => {
  const r = json([RECORDS]);
  assert.deepEqual(r.value, doctor.diagnose(readFileSync(RECORDS)));
  assert.equal(r.value.kind, 'records');
  assert.ok(r.value.findings.some((f) => f.rule === 'CH001'));
  assert.match(run([RECORDS]).stdout, /records\.json: pool records, .*\n {2}VDI chains of 1 VM on 1 SR checked/);
});
