// Where the time of loading the package goes, in one cold process (bench/README.md, perf4):
// reading the .wasm, `new WebAssembly.Module` (compilation: validation, lazy compilation on),
// `new WebAssembly.Instance`, the start function, the whole `require()`, then the first
// diagnose() of a text and of an object (the tables and automata built on first use, the
// functions compiled on first call) and a second call. The glue's own steps are timed by
// wrapping `fs.readFileSync` and the two WebAssembly constructors for this process only.
//
//   node bench/load-phases.cjs PKG_DIR      (prints one JSON line of milliseconds)
const { performance } = require('perf_hooks');
const t = {};
const fs = require('fs');
const origRead = fs.readFileSync;
fs.readFileSync = function (p, ...a) { const s = performance.now(); const r = origRead.call(this, p, ...a); if (String(p).endsWith('.wasm')) t.read = performance.now() - s; return r; };
const M = WebAssembly.Module, I = WebAssembly.Instance;
WebAssembly.Module = function (b) { const s = performance.now(); const m = new M(b); t.compile = performance.now() - s; return m; };
WebAssembly.Instance = function (m, imp) { const s = performance.now(); const i = new I(m, imp); t.instantiate = performance.now() - s;
  const start = i.exports.__wbindgen_start; const ex = Object.assign({}, i.exports); ex.__wbindgen_start = () => { const s2 = performance.now(); start(); t.start = performance.now() - s2; };
  return { exports: ex }; };
const s0 = performance.now();
const pkg = require(process.argv[2] + '/node.cjs');
t.require = performance.now() - s0;
const s1 = performance.now();
pkg.diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )');
t.firstText = performance.now() - s1;
const s2 = performance.now();
pkg.diagnose({ jsonrpc: '2.0', id: 7, error: { code: 1, message: 'VDI_IN_USE', data: ['OpaqueRef:9a1b', 'snapshot'] } });
t.firstJson = performance.now() - s2;
const s3 = performance.now();
pkg.diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )');
t.second = performance.now() - s3;
process.stdout.write(JSON.stringify(t));
