// Two builds of checkVdiChains timed in one process, in alternating rounds (the machine is
// shared: rounds side by side see the same load):
//   node bench/chain-ab.mjs BASE_PKG_DIR PKG_DIR [VDIS] [ROUNDS]    (defaults: 100000, 9)
// Each round times one call of each (after two warm-up calls each); prints the medians.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import { generatePool } from './chain.mjs';

const load = async (d) => (await import(pathToFileURL(`${resolve(d)}/node.mjs`).href)).checkVdiChains;
const [a, b] = [await load(process.argv[2]), await load(process.argv[3])];
const n = Number(process.argv[4] ?? 100000);
const rounds = Number(process.argv[5] ?? 9);
const records = generatePool(n, 42);
const time = (f) => {
  const t0 = process.hrtime.bigint();
  f(records);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
for (let i = 0; i < 2; i++) time(a), time(b);
const ta = [];
const tb = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2) ta.push(time(a)), tb.push(time(b));
  else tb.push(time(b)), ta.push(time(a));
}
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log(`${n} VDIs, ${rounds} rounds, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}: ` +
  `base median ${med(ta).toFixed(1)} ms [${ta.map((x) => x.toFixed(0)).join(' ')}], ` +
  `new median ${med(tb).toFixed(1)} ms [${tb.map((x) => x.toFixed(0)).join(' ')}]; ` +
  // The two calls of a round see the same load: their ratio is steadier than the medians when
  // the load moves during the run.
  `per round new/base median ${med(ta.map((x, i) => tb[i] / x)).toFixed(3)}, minimums ${Math.min(...ta).toFixed(1)} / ${Math.min(...tb).toFixed(1)} ms`);
