// Times several builds of the module against each other, for scripts/size-matrix.sh. Each DIR
// holds the nodejs glue (xapi_doctor.cjs) and its .wasm. All builds are loaded in one process
// and measured in turn, round after round, so that load from other processes on a shared
// machine hits them alike; the minimum over the rounds is the figure to compare.
//   - small: every rule example and the bundled samples diagnosed (the many small inputs of a
//     UI), in µs per input;
//   - big: a large SMlog-like file diagnosed whole, in ms.
// Usage: node scripts/size-bench.cjs SMLOG_FILE DIR...  → one JSON object per DIR, by DIR
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');

const [smlogFile, ...dirs] = process.argv.slice(2);
const root = path.resolve(__dirname, '..');
const libs = dirs.map((dir) => require(path.resolve(dir, 'xapi_doctor.cjs')));

const inputs = libs[0].listRules().map((r) => {
  if (r.example.startsWith('{"input"')) {
    const { input, options } = JSON.parse(r.example);
    return [input, options];
  }
  return [r.example, undefined];
});
inputs.push([readFileSync(path.join(root, 'samples/xe-snapshot-sr44.txt'), 'utf8'), undefined]);
inputs.push([JSON.parse(readFileSync(path.join(root, 'samples/xo-backup-log.json'), 'utf8')), undefined]);
const big = readFileSync(smlogFile);

const ROUNDS_SMALL = Number(process.env.ROUNDS_SMALL ?? 15);
const ROUNDS_BIG = Number(process.env.ROUNDS_BIG ?? 5);
const small = libs.map(() => []);
const large = libs.map(() => []);

for (const lib of libs) for (let i = 0; i < 5; i++) for (const [input, options] of inputs) lib.diagnose(input, options);
for (let round = 0; round < ROUNDS_SMALL; round++) {
  libs.forEach((lib, k) => {
    const t = performance.now();
    for (let i = 0; i < 10; i++) for (const [input, options] of inputs) lib.diagnose(input, options);
    small[k].push(((performance.now() - t) * 1000) / (10 * inputs.length));
  });
}
for (let round = 0; round < ROUNDS_BIG; round++) {
  libs.forEach((lib, k) => {
    const t = performance.now();
    lib.diagnose(big);
    large[k].push(performance.now() - t);
  });
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {};
dirs.forEach((dir, k) => {
  result[dir] = {
    smallUsMin: +Math.min(...small[k]).toFixed(1),
    smallUsMedian: +median(small[k]).toFixed(1),
    bigMsMin: Math.round(Math.min(...large[k])),
    bigMsMedian: Math.round(median(large[k])),
  };
});
console.log(JSON.stringify({ inputs: inputs.length, bigMB: +(big.length / 1e6).toFixed(1), result }));
