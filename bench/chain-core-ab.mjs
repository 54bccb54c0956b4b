// The core alone (the wasm call on flat records made once), two builds in alternating rounds:
//   node bench/chain-core-ab.mjs BASE_PKG_DIR PKG_DIR [VDIS] [ROUNDS]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { generatePool } from './chain.mjs';

const require = createRequire(import.meta.url);
const glues = process.argv.slice(2, 4).map((d) => require(`${resolve(d)}/dist/xapi_doctor.node.cjs`));
const n = Number(process.argv[4] ?? 100000);
const rounds = Number(process.argv[5] ?? 15);
const records = generatePool(n, 42);
// Each package's flat records, made by its own reader (the format may differ between them).
const flats = [];
for (const d of process.argv.slice(2, 4)) {
  const { flatRecords, FIELDS } = await import(`${resolve(d)}/chain-records.js`);
  const f = flatRecords(records);
  // Copied: a reader may reuse its buffers.
  flats.push({ words: f.words.slice(), numbers: f.numbers.slice(), text: f.text.slice(), ends: f.ends.slice(), names: FIELDS.join('\n') });
}
const time = (j) => {
  const [g, f] = [glues[j], flats[j]];
  const t0 = process.hrtime.bigint();
  g.__checkVdiChainsFlat(f.words, f.numbers, f.text, f.ends, f.names, undefined);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
for (let i = 0; i < 2; i++) [0, 1].forEach(time);
const ts = [[], []];
for (let i = 0; i < rounds; i++) for (const j of i % 2 ? [0, 1] : [1, 0]) ts[j].push(time(j));
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log(`core, ${n} VDIs, ${rounds} rounds, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}: base ${med(ts[0]).toFixed(1)} ms, new ${med(ts[1]).toFixed(1)} ms`);
