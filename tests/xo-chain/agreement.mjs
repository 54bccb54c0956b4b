#!/usr/bin/env node
// Proof that the plugin's chain verdict is Xen Orchestra's own (issue 12, item 5).
//
// For every pool — first the named adversarial ones (adversarial.mjs), then thousands of random
// ones (pools.mjs, seeded) — and every VM a backup would check, it compares:
// - Xen Orchestra's verdict: the real `assertHealthyVdiChains` of the published
//   `@xen-orchestra/xapi` tarball, run on the pool's XAPI records (xo-reference.mjs): skip,
//   pass, or never ends;
// - the plugin's verdict: `checkVmChains` of xo-server-xapi-doctor/lib/live.js on the same pool
//   as xo-server objects (xo-objects.mjs): `wouldSkip`, `checkNeverEnds`, and for a skip the
//   base copy (`trippedBy`) and the disk (`trippedDisk`) it names;
// - the library alone on the whole pool, to tell a fault of the chain code from one of what the
//   plugin gathers.
// It prints the figures and exits 1 on any disagreement, with the smallest disagreeing pool it
// can shrink to, as JSON (replay it with `--replay FILE`).
//
// Usage: node tests/xo-chain/agreement.mjs [--pools 5000] [--seed 1] [--plugin FILE] [--replay FILE]
//   --seed    the first pool's seed (pools use seed, seed+1, …)
//   --plugin  another live.js to test instead of the plugin's (e.g. a proposed fix)
//   --replay  run one pool printed by a failing run (JSON) and nothing else
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ADVERSARIAL } from './adversarial.mjs';
import { comparePool, failureKind, isFailure, shrink, usePluginFile } from './compare.mjs';
import { generatePool } from './pools.mjs';
import { pinnedTarball } from './tarball.mjs';
import { loadXoVm } from './xo-reference.mjs';

const { values: args } = parseArgs({
  options: {
    pools: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    plugin: { type: 'string' },
    replay: { type: 'string' },
  },
});
const poolCount = Number(args.pools);
const firstSeed = Number(args.seed);
if (!Number.isSafeInteger(poolCount) || poolCount < 0 || !Number.isSafeInteger(firstSeed)) {
  console.error('--pools and --seed take whole numbers');
  process.exit(2);
}
if (args.plugin) usePluginFile(resolve(args.plugin));

const started = performance.now();
const { version } = await loadXoVm();
console.log(`Xen Orchestra's check: @xen-orchestra/xapi@${version} vm.mjs from the npm tarball (${pinnedTarball().integrity.slice(0, 22)}…)`);
console.log(`The plugin's check: ${args.plugin ? resolve(args.plugin) : 'xo-server-xapi-doctor/lib/live.js'} checkVmChains\n`);

const show = (side) => (side.outcome === 'skip' ? `skip at ${side.trippedBy?.slice(0, 8)} (disk ${side.trippedDisk?.slice(0, 8)})` : side.outcome);
const failures = [];

if (args.replay) {
  const pool = JSON.parse(readFileSync(args.replay, 'utf8'));
  const { results } = await comparePool(pool);
  for (const r of results) {
    console.log(`${isFailure(r) ? 'DIFFERS' : 'agrees '} ${r.name}: XO ${show(r.xo)}${r.xo.detail ? ` (${r.xo.detail})` : ''}; plugin ${show(r.plugin)}; library ${show(r.library)}`);
  }
  process.exit(results.some(isFailure) ? 1 : 0);
}

// ---- named adversarial pools -----------------------------------------------------------------

console.log(`Named adversarial pools (${ADVERSARIAL.length}):`);
let knownLimits = 0;
let harnessErrors = 0;
for (const pool of ADVERSARIAL) {
  const { results } = await comparePool(pool);
  for (const r of results) {
    const expectedXo = pool.expected[r.name];
    const label = `${pool.name} — ${r.name}`;
    if (r.xo.outcome !== expectedXo) {
      harnessErrors++;
      console.log(`  HARNESS ${label}: Xen Orchestra's code said ${r.xo.outcome}, the hand analysis ${expectedXo}`);
    } else if (pool.limit !== undefined && !r.agree) {
      const asPredicted = r.plugin.outcome === pool.limit.plugin;
      if (asPredicted) knownLimits++;
      else failures.push({ pool, result: r });
      console.log(`  ${asPredicted ? 'LIMIT  ' : 'DIFFERS'} ${label}: XO ${show(r.xo)}, plugin ${show(r.plugin)} — ${pool.limit.reason}`);
    } else if (isFailure(r)) {
      failures.push({ pool, result: r });
      console.log(`  DIFFERS ${label}: XO ${show(r.xo)}, plugin ${show(r.plugin)}, library ${show(r.library)}`);
    } else {
      console.log(`  ok      ${label}: ${show(r.xo)}${r.xo.detail ? ` (${r.xo.detail})` : ''}`);
    }
  }
  if (pool.limit !== undefined && results.every((r) => r.agree)) {
    harnessErrors++;
    console.log(`  HARNESS ${pool.name}: expected the known difference (${pool.limit.reason}) and found none`);
  }
}

// ---- random pools ----------------------------------------------------------------------------

const stats = {
  vms: 0,
  xo: { pass: 0, skip: 0, 'never-ends': 0, error: 0 },
  neverEnds: { unbounded: 0, 'stack overflow': 0 },
  agree: 0,
  skipsSameCause: 0,
  libraryAgrees: 0,
  fetchFailures: 0,
  pluginMissing: 0,
  poolsWithMutations: 0,
  xoServerHangs: 0,
  byTolerance: new Map(),
  byMutation: new Map(),
  time: { xo: 0, plugin: 0, library: 0 },
};
const randomStart = performance.now();
for (let i = 0; i < poolCount; i++) {
  const seed = firstSeed + i;
  const pool = generatePool(seed);
  const { results, hangs, time } = await comparePool(pool);
  for (const side of ['xo', 'plugin', 'library']) stats.time[side] += time[side];
  if (pool.mutations.length > 0) stats.poolsWithMutations++;
  if (hangs.length > 0) stats.xoServerHangs++;
  const tolKey = `${JSON.stringify(pool.tolerance)}${pool.toleranceFrom === 'config' ? ' (config)' : ''}`;
  for (const r of results) {
    stats.vms++;
    stats.xo[r.xo.outcome] = (stats.xo[r.xo.outcome] ?? 0) + 1;
    if (r.xo.detail && r.xo.outcome === 'never-ends') stats.neverEnds[r.xo.detail]++;
    if (r.agree) stats.agree++;
    if (r.xo.outcome === 'skip' && r.sameCause) stats.skipsSameCause++;
    if (r.libraryAgrees) stats.libraryAgrees++;
    if (r.xo.fetchFailures > 0) stats.fetchFailures++;
    if ((r.plugin.missing ?? []).length > 0) stats.pluginMissing++;
    const t = stats.byTolerance.get(tolKey) ?? { vms: 0, skip: 0, agree: 0 };
    t.vms++;
    if (r.xo.outcome === 'skip') t.skip++;
    if (!isFailure(r)) t.agree++;
    stats.byTolerance.set(tolKey, t);
    for (const m of new Set(pool.mutations.length > 0 ? pool.mutations : ['(none)'])) {
      const s = stats.byMutation.get(m) ?? { vms: 0, agree: 0 };
      s.vms++;
      if (!isFailure(r)) s.agree++;
      stats.byMutation.set(m, s);
    }
    if (isFailure(r)) failures.push({ pool, result: r });
  }
}
const randomSeconds = (performance.now() - randomStart) / 1000;

const pct = (n, d) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(2)}%`);
console.log(`\nRandom pools: ${poolCount} (seeds ${firstSeed}–${firstSeed + poolCount - 1}), ${stats.poolsWithMutations} with adversarial mutations`);
console.log(`  VMs compared: ${stats.vms}`);
console.log(
  `  Xen Orchestra: pass ${stats.xo.pass}, skip ${stats.xo.skip}, never ends ${stats.xo['never-ends']}` +
    ` (walks round a loop for ever ${stats.neverEnds.unbounded}, overflows the stack ${stats.neverEnds['stack overflow']}), other error ${stats.xo.error}`,
);
console.log(`  VMs whose walk met a VDI it could not fetch (missing parent, deleted disk): ${stats.fetchFailures}`);
console.log(`  VMs for which the plugin reported objects it could not read: ${stats.pluginMissing}`);
console.log(`  pools whose conversion would hang xo-server itself (a leaf above a vhd-parent loop): ${stats.xoServerHangs}`);
console.log(`  plugin = Xen Orchestra: ${stats.agree}/${stats.vms} verdicts (${pct(stats.agree, stats.vms)}); skips naming the same base copy and disk: ${stats.skipsSameCause}/${stats.xo.skip}`);
console.log(`  library on the whole pool = Xen Orchestra: ${stats.libraryAgrees}/${stats.vms} (${pct(stats.libraryAgrees, stats.vms)})`);
console.log('  by tolerance (VMs, skipped by XO, agreeing):');
for (const [key, t] of [...stats.byTolerance].sort((a, b) => b[1].vms - a[1].vms)) {
  console.log(`    ${key.padEnd(22)} ${String(t.vms).padStart(6)} ${String(t.skip).padStart(6)} ${pct(t.agree, t.vms).padStart(8)}`);
}
console.log('  by adversarial mutation (VMs in pools with it, agreeing):');
for (const [key, s] of [...stats.byMutation].sort()) {
  console.log(`    ${key.padEnd(22)} ${String(s.vms).padStart(6)} ${pct(s.agree, s.vms).padStart(8)}`);
}
console.log(
  `  time: ${randomSeconds.toFixed(1)} s for the random pools (Xen Orchestra's check ${(stats.time.xo / 1000).toFixed(1)} s,` +
    ` plugin ${(stats.time.plugin / 1000).toFixed(1)} s, library on whole pools ${(stats.time.library / 1000).toFixed(1)} s)`,
);
if (knownLimits > 0) console.log(`  known limits shown by the named pools: ${knownLimits} (not counted as agreement)`);

// ---- verdict ---------------------------------------------------------------------------------

if (failures.length > 0 || harnessErrors > 0) {
  console.log(`\nFAILED: ${failures.length} disagreement(s), ${harnessErrors} harness error(s)`);
  for (const { pool, result } of failures.slice(0, 10)) {
    console.log(`  ${pool.name}${pool.seed !== null ? ` (seed ${pool.seed})` : ''}, VM ${result.name}: ${failureKind(result)}`);
  }
  if (failures.length > 0) {
    // the smallest disagreeing pool among the first few, shrunk further
    const candidates = failures.slice(0, 20).map((f) => f.pool);
    const smallest = candidates.reduce((a, b) => (Object.keys(a.records.VDI).length <= Object.keys(b.records.VDI).length ? a : b));
    const shrunk = await shrink(smallest);
    const bad = shrunk.results.filter(isFailure);
    console.log(`\nSmallest disagreeing pool (${smallest.name}, shrunk in ${shrunk.tries} tries; replay with --replay FILE):`);
    console.log(JSON.stringify(shrunk.pool, null, 2));
    console.log('What each side says:');
    console.log(JSON.stringify(bad.map(({ name, xo, plugin, library }) => ({ vm: name, xo, plugin, library })), null, 2));
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exit(1);
}
console.log(`\nOK: the plugin's verdict is Xen Orchestra's on every VM (total ${((performance.now() - started) / 1000).toFixed(1)} s)`);
