// The command line on a generated 100 MB SMlog (755 946 lines): it must finish, find the
// failures, report the right counts, keep memory bounded, and draw a progress line on stderr
// only when stderr is a terminal. Prints the timings. Run by scripts/test.sh.
//   node tests/big/smlog-100mb.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'pkg/cli.mjs');
const GENERATOR = join(ROOT, 'tests/tools/gen_smlog.py');
const FILE = join(ROOT, 'bench-data/SMlog.100mb');
// gen_smlog.py --size-mb 100 --seed 1 is deterministic (its README gives these figures).
const BYTES = 100207663;
const LINES = 755946;

if (!existsSync(FILE) || statSync(FILE).size !== BYTES) {
  assert.ok(existsSync(GENERATOR), `the SMlog generator is missing: ${GENERATOR}`);
  mkdirSync(join(ROOT, 'bench-data'), { recursive: true });
  const t = performance.now();
  const gen = spawnSync('python3', [GENERATOR, '--size-mb', '100', '--seed', '1', '-o', FILE], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  console.log(`generated ${FILE} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
assert.equal(statSync(FILE).size, BYTES);

const haveTime = existsSync('/usr/bin/time');

/** Runs the CLI; returns its output, exit status, wall time and (when /usr/bin/time exists) peak RSS. */
function cli(args) {
  const cmd = haveTime ? '/usr/bin/time' : process.execPath;
  const argv = haveTime ? ['-q', '-f', 'maxrss=%M', process.execPath, CLI, ...args] : [CLI, ...args];
  const t = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - t) / 1000;
  const rss = /maxrss=(\d+)/.exec(r.stderr)?.[1];
  const stderr = r.stderr.replace(/maxrss=\d+\n?/, '');
  return { status: r.status, stdout: r.stdout, stderr, seconds, rssMiB: rss ? Math.round(rss / 1024) : null };
}

const report = (what, r) =>
  console.log(`${what}: ${r.seconds.toFixed(1)} s, ${(BYTES / 1e6 / r.seconds).toFixed(0)} MB/s${r.rssMiB ? `, peak RSS ${r.rssMiB} MiB` : ''}`);

// Text output.
const text = cli([FILE]);
report('xapi-doctor SMlog.100mb (text)', text);
assert.equal(text.status, 1, text.stderr);
assert.match(text.stdout, /SMlog\.100mb: SMlog, \d+ findings: /);
assert.ok(text.stdout.includes(`${LINES.toLocaleString('en')} lines, 100.2 MB`), text.stdout.slice(0, 400));
assert.match(text.stdout, /Raising exception \[44, /);
assert.equal(text.stderr, '', 'no progress line when stderr is not a terminal');

// JSON output: the library's counts.
const json = cli(['--json', FILE]);
report('xapi-doctor --json SMlog.100mb', json);
assert.equal(json.status, 1, json.stderr);
const d = JSON.parse(json.stdout);
assert.equal(d.kind, 'smlog');
assert.equal(d.smlog.stats.bytes, BYTES);
assert.equal(d.smlog.stats.lines, LINES);
for (const rule of ['SR044', 'SR109', 'SR046']) assert.ok(d.findings.some((f) => f.rule === rule), rule);
console.log(`  ${d.findings.length} findings: ${[...new Set(d.findings.map((f) => f.rule))].join(' ')}`);

// A progress line on stderr when stderr is a terminal (script(1) gives the command a pty).
const pty = spawnSync('script', ['-qec', `${process.execPath} ${CLI} --no-color ${FILE} > /dev/null`, '/dev/null'], { encoding: 'utf8' });
if (pty.error) {
  console.log('  (script(1) is not available: the progress line was not checked)');
} else {
  assert.match(pty.stdout, /xapi-doctor: reading .*SMlog\.100mb \d+% \([\d.]+ MB of 100\.2 MB\)/);
  assert.ok(pty.stdout.includes('\r\x1b[K'), 'the progress line is erased at the end');
  console.log('  progress line on a terminal: ok');
}
