// The core alone (the wasm call on flat records made once), two builds in alternating rounds:
//   node bench/chain-core-ab.mjs BASE_PKG_DIR PKG_DIR [VDIS] [ROUNDS]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { generatePool } from './chain.mjs';

const require = createRequire(import.meta.url);
const glues = process.argv.slice(2, 4).map((d) => require(`${resolve(d)}/dist/xapi_doctor.node.cjs`));
const { flatRecords, FIELDS } = await import(`${resolve(process.argv[3])}/chain-records.js`);
const n = Number(process.argv[4] ?? 100000);
const rounds = Number(process.argv[5] ?? 15);
const f = flatRecords(generatePool(n, 42));
const names = FIELDS.join('\n');
const time = (g) => {
  const t0 = process.hrtime.bigint();
  g.__checkVdiChainsFlat(f.words, f.numbers, f.text, f.ends, names, undefined);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
for (let i = 0; i < 2; i++) glues.forEach(time);
const ts = [[], []];
for (let i = 0; i < rounds; i++) for (const j of i % 2 ? [0, 1] : [1, 0]) ts[j].push(time(glues[j]));
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log(`core, ${n} VDIs, ${rounds} rounds, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}: base ${med(ts[0]).toFixed(1)} ms, new ${med(ts[1]).toFixed(1)} ms`);
