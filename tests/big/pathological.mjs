// Pathological input at full size, through the WebAssembly package in Node: each case runs at
// two sizes, a quarter of the full size and the full size, each in a fresh process (so that the
// WebAssembly memory it reports is its own; that memory never shrinks), and the script prints a
// table of time, peak WebAssembly memory and peak process RSS. It fails when 4× the input takes
// more than 8× the time (linear: 4×, quadratic: 16×), when memory passes the case's bound, or
// when a case does not give the expected outcome.
// Run by scripts/test.sh:
//   node tests/big/pathological.mjs            # every case
//   node tests/big/pathological.mjs chain      # the cases whose name contains "chain"
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;

const line = (pid, msg) => `Jan 14 02:00:02 xcp-host1 SM: [${pid}] ${msg}\n`;

/** Streams text through SmlogScanner in 1 MiB chunks of bytes. */
function stream(doctor, text) {
  const bytes = Buffer.from(text);
  const scanner = new doctor.SmlogScanner();
  for (let at = 0; at < bytes.length; at += MiB) scanner.push(bytes.subarray(at, at + MiB));
  return scanner.finish();
}

/**
 * Each case: two sizes, a builder (not timed), the timed run, a check of the outcome, and a bound
 * on the WebAssembly memory (MiB) at the larger size.
 */
const CASES = {
  'one 100 MB SMlog line, streamed': {
    sizes: [25, 100],
    build: (mb) => line(1, 'x'.repeat(mb * 1_000_000)),
    run: stream,
    check: (r) => assert.equal(r.stats.truncatedLines, 1),
    wasmMiB: 64,
  },
  'one 100 MB line of text, whole (diagnose)': {
    sizes: [25, 100],
    build: (mb) => Buffer.from('SR_BACKEND_FAILURE_44 '.repeat((mb * 1_000_000) / 22)),
    run: (doctor, bytes) => doctor.diagnose(bytes),
    check: (d) => assert.equal(d.findings[0].rule, 'SR044'),
    wasmMiB: 700,
  },
  'a million short SMlog lines, streamed': {
    sizes: [250_000, 1_000_000],
    build: (n) => line(1, 'x').repeat(n),
    run: stream,
    check: (r, n) => assert.equal(r.stats.lines, n),
    wasmMiB: 64,
  },
  'a million short lines of free text (diagnose)': {
    sizes: [250_000, 1_000_000],
    build: (n) => 'the VM is not responding at all\n'.repeat(n),
    run: (doctor, text) => doctor.diagnose(text),
    check: (d) => assert.equal(d.kind, 'text'),
    wasmMiB: 512,
  },
  'ten thousand interleaved pids, each in a traceback': {
    sizes: [2_500, 10_000],
    build: (n) => {
      const out = [];
      for (let round = 0; round < 20; round++) {
        for (let pid = 0; pid < n; pid++) out.push(line(1000 + pid, round === 0 ? 'Traceback (most recent call last):' : `  File "/opt/xensource/sm/SRCommand.py", line ${round}, in run`));
      }
      return out.join('');
    },
    run: stream,
    check: (r, n) => assert.equal(r.stats.lines, 20 * n),
    wasmMiB: 128,
  },
  'a traceback that never ends': {
    sizes: [250_000, 1_000_000],
    build: (n) => line(7, 'Traceback (most recent call last):') + line(7, '  File "/opt/xensource/sm/SRCommand.py", line 110, in run').repeat(n),
    run: stream,
    check: (r, n) => assert.equal(r.stats.lines, n + 1),
    wasmMiB: 64,
  },
  'JSON nested a million deep (text)': {
    sizes: [250_000, 1_000_000],
    build: (n) => `${'['.repeat(n)}1${']'.repeat(n)}`,
    run: (doctor, text) => doctor.diagnose(text),
    check: (d) => assert.equal(d.findings.length, 0),
    wasmMiB: 64,
  },
  'JSON nested a million deep (object)': {
    sizes: [250_000, 1_000_000],
    build: (n) => {
      let v = 1;
      for (let i = 0; i < n; i++) v = [v];
      return v;
    },
    run: (doctor, value) => {
      try {
        doctor.diagnose(value);
      } catch (e) {
        return e.code;
      }
      return 'accepted';
    },
    check: (code) => assert.equal(code, 'INVALID_INPUT', 'JSON.stringify overflows its stack: a clear error'),
    wasmMiB: 64,
  },
  'a 100,000-node chain': {
    sizes: [25_000, 100_000],
    build: (n) => chain(n, false),
    run: (doctor, records) => doctor.checkVdiChains(records, { graph: false }),
    check: (r) => assert.equal(r.vms[0].disks[0].depth, r.stats.vdis),
    wasmMiB: 256,
  },
  'a 100,000-node vhd-parent loop': {
    sizes: [25_000, 100_000],
    build: (n) => chain(n, true),
    run: (doctor, records) => doctor.checkVdiChains(records),
    check: (r) => assert.equal(r.vms[0].disks[0].cycle, true),
    wasmMiB: 384,
  },
  'a million empty records': {
    sizes: [250_000, 1_000_000],
    build: (n) => `{"VM":[],"VDI":[${'{},'.repeat(n - 1)}{}]}`,
    run: (doctor, text) => doctor.checkVdiChains(text, { graph: false }),
    check: (r, n) => assert.equal(r.stats.vdis, n),
    wasmMiB: 512,
  },
  '100,000 distinct errors in free text': {
    sizes: [25_000, 100_000],
    build: (n) => Array.from({ length: n }, (_, i) => `SR_BACKEND_FAILURE_44(x${i}, There is insufficient space, )\n`).join(''),
    run: (doctor, text) => doctor.diagnose(text),
    check: (d, n) => assert.deepEqual([d.findings.length, d.findingsOmitted], [2000, n - 2000]),
    wasmMiB: 256,
  },
  'a backup log with 100,000 failed tasks': {
    sizes: [25_000, 100_000],
    build: (n) => ({
      message: 'backup',
      jobId: 'j',
      status: 'failure',
      start: 1,
      tasks: Array.from({ length: n }, (_, i) => ({ id: `t${i}`, message: 'backup VM', status: 'failure', start: 1, data: { type: 'VM', id: `vm${i}` }, result: { message: `boom ${i}`, name: 'Error' } })),
    }),
    run: (doctor, log) => doctor.diagnose(log),
    check: (d) => assert.equal(d.kind, 'xo_log'),
    wasmMiB: 512,
  },
};

/** XAPI records: one VM whose disk sits on a chain of n VDIs (closed into a loop if asked). */
function chain(n, loop) {
  const VDI = {};
  for (let i = 0; i < n; i++) {
    const parent = i + 1 < n ? `v${i + 1}` : loop ? 'v0' : undefined;
    VDI[`OpaqueRef:v${i}`] = { uuid: `v${i}`, managed: i === 0, SR: 'OpaqueRef:sr', sm_config: parent ? { 'vhd-parent': parent } : {} };
  }
  return {
    VM: { 'OpaqueRef:vm': { uuid: 'vm', VBDs: ['OpaqueRef:b'] } },
    VBD: { 'OpaqueRef:b': { VM: 'OpaqueRef:vm', VDI: 'OpaqueRef:v0' } },
    VDI,
    SR: { 'OpaqueRef:sr': { uuid: 'sr', type: 'lvm' } },
  };
}

async function child(name, size) {
  const doctor = (await import('../../pkg/node.cjs')).default;
  const c = CASES[name];
  const input = c.build(size);
  const start = performance.now();
  const out = c.run(doctor, input);
  const ms = performance.now() - start;
  c.check(out, size);
  process.stdout.write(JSON.stringify({ ms, wasm: doctor.__wasmMemoryBytes(), rss: process.resourceUsage().maxRSS * 1024 }));
}

function parent(filter) {
  const rows = [];
  let failed = false;
  for (const [name, c] of Object.entries(CASES)) {
    if (filter && !name.includes(filter)) continue;
    const measure = () =>
      c.sizes.map((size) => {
        const r = spawnSync(process.execPath, ['--stack-size=984', SELF, '--child', name, String(size)], { encoding: 'utf8', maxBuffer: 1 << 20 });
        if (r.status !== 0) throw new Error(`${name} at ${size}: ${r.stderr}`);
        return { size, ...JSON.parse(r.stdout) };
      });
    const [a, b] = measure();
    const tooSlow = () => b.ms / Math.max(a.ms, 5) > 2 * (b.size / a.size);
    // A run of a few milliseconds is at the mercy of the machine's other work (a 10 ms run once
    // took 86 ms at four times the size while another process ran): before calling the growth
    // worse than linear, both sizes are measured again and each keeps its faster time.
    if (tooSlow()) {
      const [a2, b2] = measure();
      a.ms = Math.min(a.ms, a2.ms);
      b.ms = Math.min(b.ms, b2.ms);
    }
    const ratio = b.ms / Math.max(a.ms, 5);
    const problems = [];
    if (ratio > 2 * (b.size / a.size)) problems.push(`time ×${ratio.toFixed(1)} for ×${b.size / a.size} input`);
    if (b.wasm > c.wasmMiB * MiB) problems.push(`WebAssembly memory ${(b.wasm / MiB).toFixed(0)} MiB > ${c.wasmMiB}`);
    failed ||= problems.length > 0;
    const cell = (r) => `${r.size.toLocaleString('en')}: ${r.ms.toFixed(0)} ms, wasm ${(r.wasm / MiB).toFixed(0)} MiB, RSS ${(r.rss / MiB).toFixed(0)} MiB`;
    rows.push(`| ${name} | ${cell(a)} | ${cell(b)} | ×${ratio.toFixed(2)} | ${problems.join('; ') || 'ok'} |`);
    console.log(rows.at(-1));
  }
  console.log('\n| case | smaller size | larger size | time ratio | verdict |\n| --- | --- | --- | --- | --- |');
  console.log(rows.join('\n'));
  if (failed) process.exit(1);
}

if (process.argv[2] === '--child') await child(process.argv[3], Number(process.argv[4]));
else parent(process.argv[2]);
