// Regenerates the committed seed set fuzz/seeds/<target>/ from the project's own inputs: every
// rule's example (from the built package), the fixtures and samples, and small generated
// SMlog excerpts (tests/tools/gen_smlog.py). Run after `bash scripts/build.sh`:
//   node fuzz/make-seeds.mjs
// Seeds are kept small (at most 16 KiB each): the fuzzer grows its own corpus from them.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { listRules } = createRequire(import.meta.url)(join(root, 'pkg/node.cjs'));
const seeds = join(root, 'fuzz/seeds');
const MAX = 16 * 1024;

const sets = {};
const add = (target, bytes) => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  if (b.length === 0 || b.length > MAX) return;
  (sets[target] ??= new Map()).set(createHash('sha1').update(b).digest('hex').slice(0, 16), b);
};
const read = (p) => readFileSync(join(root, p));

// SMlog excerpts: the CLI fixture cut into pieces, and two generated ones (every failure kind).
const smlogs = [];
const excerpt = read('tests/fixtures/cli/smlog-excerpt.log').toString('utf8').split('\n');
for (let i = 0; i < excerpt.length; i += 80) smlogs.push(excerpt.slice(i, i + 80).join('\n') + '\n');
const gen = join(root, 'tests/tools/gen_smlog.py');
if (existsSync(gen)) {
  for (const [seed, profile] of [[1, 'all-failures'], [2, 'normal'], [3, 'all-failures']]) {
    const text = execFileSync('python3', [gen, '--size-mb', '0.012', '--seed', String(seed), '--profile', profile], { encoding: 'utf8' });
    smlogs.push(text.slice(0, MAX - 2));
  }
}

for (const rule of listRules()) {
  const ex = rule.example;
  let input = ex;
  if (ex.startsWith('{"input"')) {
    const v = JSON.parse(ex).input;
    input = typeof v === 'string' ? v : JSON.stringify(v);
  }
  for (const t of ['diagnose_text', 'diagnose_bytes', 'xapi_parsers']) add(t, input);
  if (/^\s*[[{]/.test(input)) {
    add('diagnose_json', input.trim());
    if (rule.id.startsWith('CH')) add('check_vdi_chains', input.trim());
    if (rule.id.startsWith('SP')) add('plan_snapshot_space', input.trim());
    if (rule.id.startsWith('XO')) add('xo_log', input.trim());
  }
  if (rule.id.startsWith('SM')) add('smlog_chunks', Buffer.concat([Buffer.from([rule.id.charCodeAt(3), 40]), Buffer.from(input)]));
}
for (const s of smlogs) {
  for (const t of ['diagnose_text', 'diagnose_bytes']) add(t, s);
  add('smlog_chunks', Buffer.concat([Buffer.from([s.length & 0xff, 63]), Buffer.from(s)]));
}
const sample = read('samples/xe-snapshot-sr44.txt');
for (const t of ['diagnose_text', 'diagnose_bytes', 'xapi_parsers']) add(t, sample);
add('diagnose_bytes', Buffer.concat([Buffer.from('SR_BACKEND_FAILURE_44(\xff\xfe, '), Buffer.from([0xe2, 0x82]), Buffer.from(')')]));
const xoLog = read('tests/fixtures/xo-backup-log.json');
for (const t of ['diagnose_json', 'xo_log', 'diagnose_text']) add(t, xoLog);
// xo-cli's default print of a log, a task and a refused call: Node's util.inspect (src/input/inspect.rs).
const print = (value) => inspect(value, { colors: false, depth: null, sorted: true });
const task = JSON.parse(read('tests/fixtures/xo-task-backup-run.json'));
const refused = Object.assign(new Error('VDI_IO_ERROR(Device I/O errors)'), { code: -32000, data: { code: 'VDI_IO_ERROR', params: ['Device I/O errors'], call: { method: 'VDI.export_raw_vdi' } } });
refused.name = 'JsonRpcError';
for (const text of [print(JSON.parse(xoLog)), print(task), `\u2716 ${print(refused)}`]) {
  for (const t of ['diagnose_text', 'diagnose_bytes']) add(t, text);
}
add('check_vdi_chains', read('tests/fixtures/cli/records.json'));
add('diagnose_json', read('tests/fixtures/cli/records.json'));
// Structured targets also start from a few bytes of nothing in particular.
for (const t of ['diagnose_json', 'xo_log', 'check_vdi_chains', 'plan_snapshot_space']) {
  for (let i = 0; i < 4; i++) add(t, createHash('sha256').update(`${t}${i}`).digest());
}

// Inputs that once failed (minimised; each also a test in tests/regressions.rs) stay seeds.
const regressions = join(dirname(seeds), 'regressions');
for (const target of existsSync(regressions) ? readdirSync(regressions) : []) {
  for (const name of readdirSync(join(regressions, target))) add(target, readFileSync(join(regressions, target, name)));
}

rmSync(seeds, { recursive: true, force: true });
for (const [target, files] of Object.entries(sets)) {
  mkdirSync(join(seeds, target), { recursive: true });
  for (const [name, b] of files) writeFileSync(join(seeds, target, name), b);
  console.log(`${target}: ${files.size} seeds`);
}
