// Benchmark of diagnose() on one error at a time, through the built package in Node: the
// median per call for each wire shape of one XAPI error (median of 21 rounds of 500 calls,
// after 2,000 warm-up calls), the time to load the package, WebAssembly compilation and
// instantiation included, and the first call after it, in fresh processes (median of 7).
//
//   bash scripts/build.sh && node bench/diagnose.mjs      (BENCH_JSON=FILE also writes the figures)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { diagnose } = require('../pkg/node.cjs');

const SHAPES = {
  'text (xe, XenCenter)': 'SR_BACKEND_FAILURE_44(, There is insufficient space, )',
  'array (XML-RPC ErrorDescription)': ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''],
  'JSON-RPC response': { jsonrpc: '2.0', id: 7, error: { code: 1, message: 'VDI_IN_USE', data: ['OpaqueRef:9a1b', 'snapshot'] } },
  "Xen Orchestra's XapiError": { code: 'VDI_IN_USE', params: ['OpaqueRef:9a1b', 'snapshot'], name: 'XapiError', message: 'VDI_IN_USE(OpaqueRef:9a1b, snapshot)' },
  'a backup-log task': { message: 'snapshot', status: 'failure', start: 1, end: 2, result: { code: 'VDI_IO_ERROR', params: ['Device I/O errors'], name: 'XapiError', message: 'VDI_IO_ERROR(Device I/O errors)' } },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const perShape = {};
for (const [name, input] of Object.entries(SHAPES)) {
  for (let i = 0; i < 2000; i++) diagnose(input);
  const rounds = [];
  for (let r = 0; r < 21; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 500; i++) diagnose(input);
    rounds.push(Number(process.hrtime.bigint() - t0) / 500 / 1000);
  }
  perShape[name] = median(rounds);
  console.log(`diagnose, ${name}: median ${perShape[name].toFixed(1)} µs (target 10 µs)`);
}

const loads = [];
for (let i = 0; i < 7; i++) {
  const out = execFileSync(process.execPath, ['-e', "const t=performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now()-t))", require.resolve('../pkg/node.cjs')]);
  loads.push(Number(out));
}
const loadMs = median(loads);
console.log(`loading the package (require() in a fresh node -e, everything included): median ${loadMs.toFixed(1)} ms`);
// The "instantiation": reading the .wasm, compiling it and instantiating it, with its
// start function, timed inside the glue by bench/load-phases.cjs (seven fresh processes).
const instantiations = [];
for (let i = 0; i < 7; i++) {
  const out = execFileSync(process.execPath, [require.resolve('./load-phases.cjs'), require.resolve('../pkg/node.cjs').replace(/\/node\.cjs$/, '')]);
  const t = JSON.parse(String(out));
  instantiations.push(t.read + t.compile + t.instantiate + (t.start ?? 0));
}
const instantiateMs = median(instantiations);
console.log(`instantiation (read + compile + instantiate the module, start function): median ${instantiateMs.toFixed(1)} ms (target < 10 ms)`);
// The first diagnose() of a process: what a page or xo-server waits for at its first failure. It
// builds the tables the calls after it share (the signatures read from their records, the
// automaton over their literals), in WebAssembly's baseline tier (seven fresh processes).
const firsts = [];
for (let i = 0; i < 7; i++) {
  const out = execFileSync(process.execPath, ['-e', "const x=require(process.argv[1]); const t=performance.now(); x.diagnose(process.argv[2]); process.stdout.write(String(performance.now()-t))", require.resolve('../pkg/node.cjs'), SHAPES['text (xe, XenCenter)']]);
  firsts.push(Number(out));
}
const firstCallMs = median(firsts);
console.log(`the first diagnose() of a process (the text shape): median ${firstCallMs.toFixed(1)} ms`);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ perShapeUs: perShape, loadMs, instantiateMs, firstCallMs }));
