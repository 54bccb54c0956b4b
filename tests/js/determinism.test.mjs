// Determinism: the same input gives the same output, byte for byte, from the Rust core on the
// host (examples/corpus.rs, serde_json) and from the WebAssembly package in Node
// (JSON.stringify of the returned objects), and whatever the chunking of a streamed SMlog.
//
// The corpus: every rule's example, the fixtures and samples, generated SMlog excerpts
// (tests/tools/gen_smlog.py), generated pool records and space plans with
// several options, and odd inputs (invalid UTF-8, sizes at the edges, hostile characters,
// limits). Rust prints u64 counts above 2^53 as floats in exponent form where JavaScript prints
// the digits: both sides are compared after JSON.parse, which reads both to the same double,
// so only the text form of a number is normalised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeSmlog, checkVdiChains, diagnose, listRules, planSnapshotSpace, SmlogScanner } from '../../pkg/node.mjs';
import { generatePool } from '../../bench/chain.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GENERATOR = join(ROOT, 'tests/tools/gen_smlog.py');
const read = (p) => readFileSync(join(ROOT, p), 'utf8');
const canonical = (value) => JSON.stringify(JSON.parse(JSON.stringify(value)));

function buildCorpus() {
  const cases = [{ kind: 'rules' }];
  const add = (kind, input, options = null) => cases.push({ kind, input, options: options === null ? null : JSON.stringify(options) });
  const addJson = (kind, value, options) => add(kind, JSON.stringify(value), options);

  for (const rule of listRules()) {
    if (rule.example.startsWith('{"input"')) {
      const { input, options } = JSON.parse(rule.example);
      if (typeof input === 'string') add('text', input, options ?? null);
      else addJson('json', input, options ?? null);
    } else {
      add('text', rule.example);
      // Examples that are JSON also go through the object path (some only look like it:
      // Node's own `{ [Error: …] code: … }` print).
      let value;
      try { value = JSON.parse(rule.example); } catch { value = undefined; }
      if (value !== undefined && typeof value === 'object') addJson('json', value);
    }
  }
  const xoLog = read('tests/fixtures/xo-backup-log.json');
  add('text', xoLog);
  addJson('json', JSON.parse(xoLog), { context: { hostVersion: '6.1.0', srType: 'lvmoiscsi' } });
  add('text', read('samples/xe-snapshot-sr44.txt'), { context: { vmUuid: '8ebe6c89-003a-6e25-eb10-3d791ca3c3ae', srType: 'nfs' } });
  const records = JSON.parse(read('tests/fixtures/cli/records.json'));
  addJson('json', records);
  for (const options of [null, { tolerance: 0 }, { tolerance: 2, graph: false }, { tolerance: 'abc' }, { tolerance: 0.5 }]) addJson('chains', records, options);
  const smlog = read('tests/fixtures/cli/smlog-excerpt.log');
  add('smlog', smlog);
  add('text', smlog, { maxFindings: 3 });
  add('smlog', smlog, { maxLineBytes: 50 });
  add('bytes', Buffer.from(smlog).toString('hex'));

  if (existsSync(GENERATOR)) {
    for (const [seed, profile, version] of [[1, 'normal', '8.2'], [2, 'all-failures', '8.3'], [3, 'all-failures', '8.2']]) {
      const text = execFileSync('python3', [GENERATOR, '--size-mb', '0.3', '--seed', String(seed), '--profile', profile, '--sm-version', version], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      add('smlog', text);
      add('text', text);
    }
  }

  for (const [n, seed] of [[300, 1], [1200, 2]]) {
    const pool = generatePool(n, seed);
    addJson('chains', pool);
    addJson('chains', pool, { tolerance: 3 });
    addJson('json', pool);
    const sr = Object.values(pool.SR)[0];
    const vdis = Object.values(pool.VDI).slice(0, 12);
    for (const extra of [{}, { concurrency: 2 }, { concurrency: 5, hostVersion: '6.1.0', srVdis: pool.VDI }]) addJson('plan', { sr, vdis, ...extra });
  }

  // Odd inputs.
  add('bytes', Buffer.concat([Buffer.from('SR_BACKEND_FAILURE_44(\xff, '), Buffer.from([0xe2, 0x82, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from(')\n')]).toString('hex'));
  add('text', '');
  add('text', '\ufeff  \n\t');
  add('text', 'SR_BACKEND_FAILURE_44(, \x1b]0;x\x07 \u202e \u0000 😀 résumé, )');
  add('text', `${'['.repeat(500)}1${']'.repeat(500)}`);
  add('text', 'x'.repeat(100), { maxInputBytes: 10 });
  addJson('json', ['VDI_IN_USE', 'OpaqueRef:1', 'snapshot', 1e300, -0, 0.1, 18446744073709551615, { nested: [null, true] }]);
  const big = '18446744073709551615';
  const edgeVdi = (size) => ({ uuid: `d${size}`, managed: false, virtual_size: size, physical_utilisation: size, sm_config: { 'vhd-parent': 'p' } });
  for (const size of [Number(big), big, -1, 1.5, 1e300, 'NaN', 9007199254740993n.toString()]) {
    addJson('plan', { sr: { type: 'lvm', physical_size: big, physical_utilisation: size }, vdis: [edgeVdi(size), edgeVdi(size)], srVdis: [edgeVdi(size)] });
    addJson('chains', { VM: [], SR: [{ type: 'SR', uuid: 's', size, physical_usage: size }], VDI: [edgeVdi(size), { uuid: 'p', managed: false, type: 'VDI-unmanaged' }] });
  }
  addJson('chains', { VM: [], VDI: Array.from({ length: 30 }, () => ({})) }, { maxRecords: 10 });
  addJson('plan', { sr: { type: 'ext' }, vdis: [{}, {}] }, { maxRecords: 1 });
  return cases;
}

/** The same case through the WebAssembly package. */
function runWasm({ kind, input, options }) {
  const opts = options == null ? undefined : JSON.parse(options);
  try {
    switch (kind) {
      case 'rules':
        return listRules();
      case 'text':
        return diagnose(input, opts);
      case 'json':
        return diagnose(JSON.parse(input), opts);
      case 'bytes':
        return diagnose(new Uint8Array(Buffer.from(input, 'hex')), opts);
      case 'smlog':
        return analyzeSmlog(input, opts);
      case 'chains':
        return checkVdiChains(JSON.parse(input), opts);
      case 'plan':
        return planSnapshotSpace(JSON.parse(input), opts);
    }
  } catch (e) {
    return { error: { code: e.code, message: e.message } };
  }
  throw new Error(`unknown kind ${kind}`);
}

/** A seeded generator of chunk sizes: single bytes, small, and large. */
function chunker(seed) {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return [1, 2, 3, 7, 64, 4093, 65537][s % 7] + (s >>> 8) % 5;
  };
}

test('the Rust core and the WebAssembly package give the same output, byte for byte', () => {
  const cases = buildCorpus();
  const dir = mkdtempSync(join(tmpdir(), 'xapi-doctor-determinism-'));
  try {
    const file = join(dir, 'corpus.json');
    writeFileSync(file, JSON.stringify(cases));
    const cargo = spawnSync('cargo', ['run', '--quiet', '--example', 'corpus', '--', file], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
    });
    assert.equal(cargo.status, 0, cargo.stderr);
    const rust = cargo.stdout.trimEnd().split('\n');
    assert.equal(rust.length, cases.length);
    let compared = 0;
    cases.forEach((c, i) => {
      const fromWasm = JSON.stringify(runWasm(c));
      const fromRust = canonical(JSON.parse(rust[i]));
      if (fromWasm !== fromRust) {
        let at = 0;
        while (fromWasm[at] === fromRust[at]) at += 1;
        assert.fail(`case ${i} (${c.kind}, ${(c.input ?? '').slice(0, 60)}…) differs at ${at}:\n wasm: …${fromWasm.slice(Math.max(0, at - 80), at + 80)}\n rust: …${fromRust.slice(Math.max(0, at - 80), at + 80)}`);
      }
      compared += 1;
    });
    assert.ok(compared >= 150, `${compared} cases`);
    console.log(`${compared} cases compared`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a streamed SMlog gives the whole input report whatever the chunks (bytes cut inside UTF-8, strings)', () => {
  const logs = buildCorpus().filter((c) => c.kind === 'smlog' && c.options === null).map((c) => c.input);
  logs.push(`${logs[0]}Jan 14 02:00:02 h SM: [7] Raising exception [44, é 😀😀😀 ünïcode]\r\n`.repeat(3));
  for (const [i, text] of logs.entries()) {
    const whole = JSON.stringify(analyzeSmlog(text));
    const bytes = Buffer.from(text);
    for (const seed of [1, 2, 3]) {
      const next = chunker(seed * 7919 + i);
      const scanner = new SmlogScanner();
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(next(), bytes.length - at);
        scanner.push(seed === 3 ? bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + n) : bytes.subarray(at, at + n));
        at += n;
      }
      assert.equal(JSON.stringify(scanner.finish()), whole, `log ${i}, seed ${seed}`);
    }
    // String chunks, cut anywhere, between the halves of a surrogate pair too.
    for (const size of [1, 7, 1000]) {
      const scanner = new SmlogScanner();
      for (let at = 0; at < text.length; at += size) scanner.push(text.slice(at, at + size));
      assert.equal(JSON.stringify(scanner.finish()), whole, `log ${i}, string chunks of ${size}`);
    }
  }
});
