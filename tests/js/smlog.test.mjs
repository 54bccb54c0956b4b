// SMlog analysis end to end through the built WebAssembly package (Node ESM entry):
// analyzeSmlog on text and bytes, diagnose() routing, the streaming scanner (same report
// whatever the chunking, even inside a UTF-8 sequence), errors, and the web entry's guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { analyzeSmlog, SmlogScanner, diagnose } from '../../pkg/node.mjs';

const SR = '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21';
const VDI = '8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12';

// research/smlog_patterns.md §4.1, with another process interleaved.
const SNAPSHOT_NO_SPACE = [
  `Jan 14 02:00:01 xcp-host1 SM: [14502] vdi_snapshot {'sr_uuid': '${SR}', 'vdi_uuid': '${VDI}', 'command': 'vdi_snapshot', 'session_ref': '******'}`,
  `Jan 14 02:00:01 xcp-host1 SM: [14600] lock: opening lock file /var/lock/sm/${SR}/sr`,
  `Jan 14 02:00:02 xcp-host1 SM: [14502] LVHDVDI._snapshot for ${VDI} (type 2)`,
  'Jan 14 02:00:02 xcp-host1 SM: [14502] Not enough space! free space: 21474836480, need: 32233226240',
  'Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [44, There is insufficient space]',
  "Jan 14 02:00:02 xcp-host1 SM: [14502] ***** generic exception: vdi_snapshot: EXCEPTION <class 'xs_errors.SROSError'>, There is insufficient space",
  'Jan 14 02:00:02 xcp-host1 SM: [14502]   File "/opt/xensource/sm/SRCommand.py", line 113, in run',
  'Jan 14 02:00:02 xcp-host1 SM: [14502] ',
  "Jan 14 02:00:02 xcp-host1 SM: [14502] ***** Local VHD on LVM: EXCEPTION <class 'xs_errors.SROSError'>, There is insufficient space",
  '',
].join('\n');

const GC_COALESCE_FAILED = [
  `Jan 14 04:01:00 h SMGC: [30112] === SR ${SR}: gc ===`,
  'Jan 14 04:01:00 h SMGC: [30112] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)',
  'Jan 14 04:01:05 h SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*',
  'Jan 14 04:01:05 h SMGC: [30112]          *  E X C E P T I O N  *',
  "Jan 14 04:01:05 h SMGC: [30112] coalesce: EXCEPTION <class 'util.CommandException'>, Invalid argument",
  'Jan 14 04:01:05 h SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*',
  'Jan 14 04:01:05 h SMGC: [30112] Coalesce failed, skipping',
  '',
].join('\n');

test('analyzeSmlog on text: SR044 with the log numbers, subject and evidence lines', () => {
  const r = analyzeSmlog(SNAPSHOT_NO_SPACE);
  const f = r.findings.find((f) => f.rule === 'SR044');
  assert.ok(f, JSON.stringify(r.findings.map((f) => f.rule)));
  assert.deepEqual(f.codes, ['SR_BACKEND_FAILURE_44']);
  assert.equal(f.params.freeBytes, '21474836480');
  assert.equal(f.params.neededBytes, '32233226240');
  assert.equal(f.subject.srUuid, SR);
  assert.equal(f.subject.vdiUuid, VDI);
  assert.deepEqual(
    f.evidence.map((e) => [e.line, e.pid]),
    [[4, 14502], [5, 14502], [6, 14502], [9, 14502]],
  );
  assert.ok(f.remediation.some((s) => s.command === `xe sr-scan uuid=${SR}`));
  assert.deepEqual(r.stats, { bytes: SNAPSHOT_NO_SPACE.length, lines: 9, unparsedLines: 0, truncatedLines: 0, timelineDropped: 0, findingsOmitted: 0 });
  assert.equal(r.timeline.length, 1);
  assert.equal(r.timeline[0].code, 'SR_BACKEND_FAILURE_44');
  assert.equal(r.timeline[0].rule, 'SR044');
  assert.deepEqual(r.timeline[0].time, { text: 'Jan 14 02:00:02', unixMs: null, secondOfYear: 13 * 86400 + 2 * 3600 + 2 });
});

test('analyzeSmlog on bytes gives the same report as on text', () => {
  const bytes = new TextEncoder().encode(SNAPSHOT_NO_SPACE + GC_COALESCE_FAILED);
  assert.deepEqual(analyzeSmlog(bytes), analyzeSmlog(SNAPSHOT_NO_SPACE + GC_COALESCE_FAILED));
  assert.deepEqual(analyzeSmlog(bytes.buffer.slice(0)), analyzeSmlog(bytes));
});

test('GC coalesce failure: finding, coalesce summary per SR and VDI, timeline', () => {
  const r = analyzeSmlog(GC_COALESCE_FAILED);
  const f = r.findings.find((f) => f.rule === 'SM001');
  assert.equal(f.params.vdi, '0f9e8d7c');
  assert.equal(f.subject.srUuid, SR);
  assert.deepEqual(f.evidence.map((e) => e.line), [3, 5, 6, 7]);
  assert.equal(r.coalesce.status, 'failing');
  const sr = r.coalesce.srs[0];
  assert.equal(sr.srUuid, SR);
  assert.equal(sr.gcRuns, 1);
  assert.equal(sr.coalesceAttempts, 1);
  assert.equal(sr.coalesceFailures, 1);
  assert.equal(sr.vdis[0].vdi, '0f9e8d7c');
  assert.equal(sr.vdis[0].lastOutcome, 'failure');
  assert.equal(sr.vdis[0].lastError, 'Invalid argument');
  assert.deepEqual(r.timeline.map((e) => [e.kind, e.line, e.rule]), [['coalesce_failed', 3, 'SM001']]);
});

test('diagnose() recognises SMlog (also pasted without prefixes) and returns the report', () => {
  const d = diagnose(SNAPSHOT_NO_SPACE);
  assert.equal(d.kind, 'smlog');
  assert.ok(d.smlog);
  assert.deepEqual(d.findings, d.smlog.findings);
  // diagnose() and analyzeSmlog() convert the report by different paths: same objects.
  assert.deepEqual(d.smlog, analyzeSmlog(SNAPSHOT_NO_SPACE + GC_COALESCE_FAILED).findings.length ? analyzeSmlog(SNAPSHOT_NO_SPACE) : null);
  assert.deepEqual(diagnose(GC_COALESCE_FAILED).smlog, analyzeSmlog(GC_COALESCE_FAILED));
  const pasted = diagnose('> [14502] Not enough space! free space: 10, need: 20\n> [14502] Raising exception [44, There is insufficient space]\n');
  assert.equal(pasted.kind, 'smlog');
  assert.equal(pasted.findings[0].rule, 'SR044');
  assert.deepEqual(pasted.findings[0].evidence.map((e) => [e.line, e.pid]), [[1, 14502], [2, 14502]]);
  assert.notEqual(diagnose('Traceback (most recent call last):\n  File "x.py", line 1\nValueError: nope').kind, 'smlog');
});

test('benign lines are benign information, never failures', () => {
  const r = analyzeSmlog([
    `Jan 14 02:00:01 h SM: [14502] Failed to lock /var/lock/sm/${SR}/sr on first attempt, blocked by PID 14488`,
    `Jan 14 02:00:03 h SM: [14502] lock: acquired /var/lock/sm/${SR}/sr`,
    `Jan 14 02:00:03 h SM: [14503] lock: tried lock /var/lock/sm/${SR}/gc_active, acquired: False (exists: True)`,
    'Jan 14 02:00:03 h SMGC: [14503] Another GC instance already active, exiting',
  ].join('\n'));
  assert.deepEqual(r.findings.map((f) => [f.rule, f.category, f.severity]).sort(), [['SM024', 'benign', 'info'], ['SM025', 'benign', 'info']]);
  assert.deepEqual(r.timeline, []);
});

function xorshift(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

test('SmlogScanner gives the whole-input report whatever the chunk boundaries', () => {
  const text = SNAPSHOT_NO_SPACE + 'Jan 14 02:00:01 hôte SM: [42] Raising exception [46, The VDI « 漢字 » is not available]\r\n' + GC_COALESCE_FAILED + 'last line without newline é';
  const bytes = new TextEncoder().encode(text);
  const whole = analyzeSmlog(bytes);
  const next = xorshift(12345);
  for (let round = 0; round < 40; round++) {
    const scanner = new SmlogScanner();
    for (let i = 0; i < bytes.length;) {
      const n = 1 + (next() % (round % 2 ? 5 : 300));
      scanner.push(bytes.subarray(i, Math.min(bytes.length, i + n)));
      i += n;
    }
    assert.deepEqual(scanner.finish(), whole, `round ${round}`);
  }
  // String chunks too (each a whole string).
  const s = new SmlogScanner();
  for (const line of text.split(/(?<=\n)/)) s.push(line);
  assert.deepEqual(s.finish(), whole);
});

test('scanner and input errors have stable codes', () => {
  const s = new SmlogScanner({ context: { srType: 'lvm' } });
  s.push('Jan 14 02:00:01 h SM: [1] lock: acquired /var/lock/sm/x/sr\n');
  s.finish();
  assert.throws(() => s.push('more'), { code: 'SCANNER_FINISHED' });
  assert.throws(() => s.finish(), { code: 'SCANNER_FINISHED' });
  s.free();
  assert.throws(() => analyzeSmlog(42), { code: 'INVALID_INPUT' });
  assert.throws(() => analyzeSmlog({ a: 1 }), { code: 'INVALID_INPUT' });
  assert.throws(() => new SmlogScanner(7), { code: 'INVALID_OPTIONS' });
  assert.throws(() => new SmlogScanner().push(null), { code: 'INVALID_INPUT' });
  assert.throws(() => analyzeSmlog('x', { maxInputBytes: 0 }), { code: 'INPUT_TOO_LARGE' });
});

test('the web entry refuses SMlog calls before init()', async () => {
  const web = await import('../../pkg/web.js');
  assert.throws(() => web.analyzeSmlog('x'), { code: 'NOT_INITIALIZED' });
  assert.throws(() => new web.SmlogScanner(), { code: 'NOT_INITIALIZED' });
});

const generator = new URL('../tools/gen_smlog.py', import.meta.url);
test('a generated log: every failure kind found, streaming in 1 MiB chunks equals the whole', { skip: !existsSync(generator) && 'no tests/tools/gen_smlog.py' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'xapi-doctor-'));
  try {
    const file = join(dir, 'dense.log');
    execFileSync('python3', [generator.pathname, '--size-mb', '3', '--seed', '11', '--profile', 'all-failures', '-o', file], { stdio: 'ignore' });
    const bytes = readFileSync(file);
    const whole = analyzeSmlog(bytes);
    const scanner = new SmlogScanner();
    for (let i = 0; i < bytes.length; i += 1 << 20) scanner.push(bytes.subarray(i, i + (1 << 20)));
    assert.deepEqual(scanner.finish(), whole);
    const rules = new Set(whole.findings.map((f) => f.rule));
    for (const id of ['SR044', 'SR046', 'SR073', 'SR081', 'SR082', 'SR109', 'SR180', 'SR453', 'SM001', 'SM002', 'SM003', 'SM004', 'SM005', 'SM006', 'SM008', 'SM009', 'SM011', 'SM015', 'SM017', 'SM018']) {
      assert.ok(rules.has(id), `${id} missing`);
    }
    assert.ok(whole.coalesce.srs.length >= 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
