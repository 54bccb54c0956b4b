// Byte-equivalence check between two builds of the package: runs many inputs through both and
// compares the JSON of the results (or the errors' code and message). Inputs: every corpus case
// body (after its `---` line, as text, as bytes and parsed when it is JSON), every rule's example,
// and variants of each JSON shape of one error (JSON-RPC, XapiError, backup-log task, array):
// keys in other orders, extra keys, duplicate keys, null / numbers / objects in params,
// non-ASCII and escapes, invalid JSON, lone surrogates, out-of-range numbers, deep nesting, and a
// 100 MB string; each with three option sets. The SMlog reports too: every text input through
// analyzeSmlog and SmlogScanner, and the SMlog files given after the root.
//
//   cp -r pkg /tmp/base-pkg   (on the base commit, after bash scripts/build.sh)
//   bash scripts/build.sh && node bench/equivalence.mjs /tmp/base-pkg "$PWD/pkg" "$PWD" [SMLOG_FILE…]
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
const require = createRequire(import.meta.url);
const A = require(process.argv[2] + '/node.cjs'), B = require(process.argv[3] + '/node.cjs');
const root = process.argv[4];
const inputs = [];
const add = (x) => inputs.push(x);
const addJson = (obj) => { add(obj); const s = JSON.stringify(obj); add(s); add(JSON.stringify(obj, null, 2)); add(' \ufeff' + s + '\n'); };
// corpus bodies
for (const dir of readdirSync(`${root}/tests/corpus/cases`)) {
  for (const f of readdirSync(`${root}/tests/corpus/cases/${dir}`)) {
    if (!f.endsWith('.txt')) continue;
    const t = readFileSync(`${root}/tests/corpus/cases/${dir}/${f}`, 'utf8');
    const i = t.indexOf('\n---\n');
    const body = i >= 0 ? t.slice(i + 5) : t;
    add(body);
    try { add(JSON.parse(body)); } catch {}
  }
}
// rule examples
for (const r of A.listRules()) {
  add(r.example);
  try {
    const v = JSON.parse(r.example);
    add(v);
    if (v && typeof v === 'object' && 'input' in v) { add({ __in: v.input, __opt: v.options }); if (typeof v.input === 'object') add(JSON.stringify(v.input)); }
  } catch {}
}
// shape variants
const codes = ['VDI_IN_USE', 'SR_BACKEND_FAILURE_44', 'SR_BACKEND_FAILURE_46', 'VDI_IO_ERROR', 'INTERNAL_ERROR', 'HANDLE_INVALID', 'UNKNOWN_THING_X', 'not a code', '', 'ENOSPC', 'LICENSE_RESTRICTION', 'SR_BACKEND_FAILURE_109', 'VM_BAD_POWER_STATE'];
const paramSets = [
  [], ['OpaqueRef:9a1b', 'snapshot'], ['', 'There is insufficient space', ''], [1, null, true, 2.5, -7, 1e21],
  ['caf\u00e9 \u2603 \ud83d\ude00', 'a"b\\c\n\t\u0001'], [['nested', 1], { a: 1, b: [2] }], ['Device I/O errors'],
  ['', 'VDI Invalid size [opterr=[\'MAP\', \'x\']]', ''], ['Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE_46);[S();S(The VDI is not available [opterr=VDI busy]);S()]]])'],
];
const values = [null, 0, 1, 'x', '', [], {}, { a: 1 }, [1, [2]], 1.5, -0, 'snapshot'];
for (const code of codes) for (const params of paramSets) {
  const msg = `${code}(${params.join(', ')})`;
  add([code, ...params]);
  addJson([code, ...params]);
  // JSON-RPC
  addJson({ jsonrpc: '2.0', id: 7, error: { code: 1, message: code, data: params } });
  addJson({ error: { data: params, message: code, code: -32000 }, id: 'abc', jsonrpc: '2.0' });
  addJson({ id: null, error: { message: code, data: params } });
  addJson({ jsonrpc: '2.0', error: { message: code } });
  addJson({ result: null, error: { message: code, data: params, code: null } });
  addJson({ result: { a: 1 }, error: { message: code, data: 'not an array', code: 1.5 } });
  addJson({ jsonrpc: '2.0', id: 7, error: { code: 1, message: code, data: params, extra: 1 } });
  addJson({ jsonrpc: '2.0', id: 7, error: [code, ...params] });
  addJson({ jsonrpc: '2.0', id: 7, error: { code: 1, message: 5, data: params } });
  addJson({ error: { code: 1, message: code, data: params } });
  addJson({ jsonrpc: '2.0', id: 7, error: { code: 1, message: code, data: { nested: params } } });
  // XapiError
  addJson({ code, params, name: 'XapiError', message: msg });
  addJson({ message: msg, name: 'XapiError', params, code });
  addJson({ code, params });
  addJson({ code, name: 'XapiError' });
  addJson({ code, params: null, name: null, message: null });
  addJson({ code, params: 'x', name: 'Error', message: '' });
  addJson({ code, params, name: 'XapiError', message: msg, stack: 'XapiError: x\n    at foo' });
  addJson({ code, params, name: 'XapiError', message: msg, call: { method: 'VM.snapshot', params: [] } });
  addJson({ code, params, name: 'XapiError', message: msg, data: 1 });
  addJson({ code: 5, params, message: msg });
  addJson({ params, message: msg, name: 'XapiError' });
  addJson({ code, params, name: { x: 1 }, message: { y: 2 }, stack: { z: 3 } });
  addJson({ code, params: { a: params }, name: 'XapiError' });
  // tasks
  for (const status of ['failure', 'success', 'skipped', 'interrupted', 'pending']) {
    const result = { code, params, name: 'XapiError', message: msg };
    addJson({ message: 'snapshot', status, start: 1, end: 2, result });
    addJson({ result, end: 2, start: 1, status, message: 'transfer', id: '1700000000000:0' });
    addJson({ message: 'snapshot', status, id: 42, result: { code, params } });
    addJson({ message: 'snapshot', status, result: { code, params, message: '' } });
    addJson({ message: 'snapshot', status, start: 1, result: msg });
    addJson({ message: 'snapshot', status, start: 1, result: [code, ...params] });
    addJson({ message: 'snapshot', status, start: 1, result: { message: msg, name: 'Error', stack: 's' } });
    addJson({ message: 'snapshot', status, start: 1, result: { code, params, name: 'XapiError', message: msg, task: { name_label: 'VM.snapshot' } } });
    addJson({ message: 'snapshot', status, start: 1, result, tasks: [{ message: 'x', status, result }] });
    addJson({ message: 'backup', status, jobId: 'j', result });
    addJson({ message: 'snapshot', status, id: { a: 1 }, result });
    addJson({ message: 'snapshot', status, data: { type: 'VM', id: 'u' }, result });
    addJson({ status, start: 1, result });
    addJson({ message: 5, status, start: 1, result });
    addJson({ message: 'snapshot', status, start: 1, result: { ...result, result: 1 } });
    addJson({ message: 'snapshot', status, start: 1, result: { ...result, error: { message: code } } });
  }
  for (const v of values) {
    addJson({ jsonrpc: v, id: v, error: { code: v, message: code, data: v } });
    addJson({ code, params: v, name: v, message: v, stack: v });
    addJson({ message: 'snapshot', status: 'failure', id: v, start: v, end: v, result: { code, params: v, message: v } });
  }
}
// hand-written texts: escapes, duplicates, invalid JSON, number edge cases, surrogates
const raw = [
  '{"code":"VDI_IN_USE","params":["a"],"code":"VDI_IO_ERROR"}',
  '{"jsonrpc":"2.0","id":1,"error":{"message":"VDI_IN_USE","message":"HANDLE_INVALID"}}',
  '{"co\\u0064e":"VDI_IN_USE","params":["\\u00e9\\ud83d\\ude00"]}',
  '{"code":"VDI_IN_USE","params":["\\ud800"]}',
  '{"jsonrpc":"\\ud800","id":1,"error":{"message":"VDI_IN_USE"}}',
  '{"jsonrpc":"2.0","id":1e400,"error":{"message":"VDI_IN_USE"}}',
  '{"jsonrpc":"2.0","id":1,"error":{"code":1e400,"message":"VDI_IN_USE"}}',
  '{"jsonrpc":"2.0","id":1,"error":{"code":-0.0,"message":"VDI_IN_USE","data":[1.0,1e2,-0,12345678901234567890,1.7976931348623157e308,5e-324]}}',
  '{"code":"VDI_IN_USE","params":[1.0,1e2,-0,12345678901234567890,123456789012345678901234567890]}',
  '{"code":"VDI_IN_USE","params":["a"]',
  '{"code":"VDI_IN_USE","params":["a"]} x',
  '{"code":"VDI_IN_USE","params":["a"],}',
  '{"code":"VDI_IN_USE" "params":["a"]}',
  '{"code":"VDI_IN_USE","params":["a\u0001"]}',
  '{"message":"snapshot","status":"failure","result":{"code":"VDI_IO_ERROR","params":[]},"result":{"code":"VDI_IN_USE"}}',
  '{"message":"snapshot","status":"failure","result":{"code":"VDI_IO_ERROR","code":"VDI_IN_USE"}}',
  '{}', '[]', '{"a":1}', 'null', '"VDI_IN_USE"', '"{\\"code\\":\\"VDI_IN_USE\\"}"', '{"code":"VDI_IN_USE"}{}',
  '{"message":"snapshot","status":"failure","result":{"code":"VDI_IN_USE","params":[],"stack":{"a":{"b":1}}}}',
  '{"jsonrpc":"2.0","id":1,"result":{"a":{"b":{"c":1}}},"error":{"message":"VDI_IN_USE"}}',
];
for (const r of raw) add(r);
// deep nesting
for (const n of [10, 127, 128, 129, 200, 10000]) {
  add('{"code":"VDI_IN_USE","params":' + '['.repeat(n) + ']'.repeat(n) + '}');
  add('{"jsonrpc":"2.0","id":1,"error":{"message":"VDI_IN_USE","data":' + '['.repeat(n) + ']'.repeat(n) + '}}');
  add('{"message":"s","status":"failure","result":{"code":"VDI_IN_USE","params":' + '['.repeat(n) + ']'.repeat(n) + '}}');
  add('{"code":"VDI_IN_USE","stack":' + '{"a":'.repeat(n) + '1' + '}'.repeat(n) + '}');
  add('['.repeat(n) + ']'.repeat(n));
}
const bytesOf = (s) => new TextEncoder().encode(s);
const run = (pkg, input, options) => {
  try { return JSON.stringify(pkg.diagnose(input, options)); } catch (e) { return 'ERR ' + e.code + ' ' + e.message; }
};
let n = 0, diff = 0;
const optionSets = [undefined, { maxFindings: 1 }, { context: { hostVersion: '8.2.1', srType: 'lvm', vmName: 'vm' } }];
for (const inp of inputs) {
  const cases = [];
  if (inp && typeof inp === 'object' && '__in' in inp) cases.push([inp.__in, inp.__opt]);
  else {
    for (const o of optionSets) cases.push([inp, o]);
    if (typeof inp === 'string' && inp.length < 5000) cases.push([bytesOf(inp), undefined]);
  }
  for (const [i, o] of cases) {
    n++;
    const a = run(A, i, o), b = run(B, i, o);
    if (a !== b) { diff++; if (diff <= 10) console.log('DIFF', JSON.stringify(i).slice(0, 300), '\n  A:', a.slice(0, 400), '\n  B:', b.slice(0, 400)); }
  }
}
// a 100 MB string
const big = '{"code":"VDI_IN_USE","params":["' + 'x'.repeat(100 * 1024 * 1024) + '"]}';
for (const i of [big, { code: 'VDI_IN_USE', params: ['y'.repeat(100 * 1024 * 1024)] }]) {
  n++;
  const a = run(A, i), b = run(B, i);
  if (a !== b) { diff++; console.log('DIFF big', a.slice(0, 200), b.slice(0, 200)); }
}
// analyzeSmlog and SmlogScanner: every text input (whole as a string and as bytes, streamed in
// 777-byte chunks), and the SMlog files named after the root (streamed in 1 MiB chunks)
const smlog = (pkg, input, chunk) => {
  try {
    if (!chunk) return JSON.stringify(pkg.analyzeSmlog(input));
    const scanner = new pkg.SmlogScanner();
    for (let i = 0; i < input.length; i += chunk) scanner.push(input.subarray(i, i + chunk));
    const report = scanner.finish();
    scanner.free();
    return JSON.stringify(report);
  } catch (e) { return 'ERR ' + e.code + ' ' + e.message; }
};
const smlogCases = [];
for (const inp of inputs) {
  if (typeof inp !== 'string' || inp.length > 5000000) continue;
  smlogCases.push([inp, 0], [bytesOf(inp), 0], [bytesOf(inp), 777]);
}
// non-ASCII text, astral characters, invalid UTF-8 in an SMlog line
const odd = 'Feb  2 09:25:30 h\u00f4te SM: [7702] Raising exception [46, The VDI is not available [opterr=VDI caf\u00e9 \ud83d\ude00 locked \u2026]]\n';
smlogCases.push([odd, 0], [bytesOf(odd), 5], [new Uint8Array([...bytesOf(odd.slice(0, 60)), 0xff, 0xc3, ...bytesOf(odd.slice(60))]), 0]);
for (const file of process.argv.slice(5)) smlogCases.push([readFileSync(file), 1 << 20]);
for (const [i, chunk] of smlogCases) {
  n++;
  const a = smlog(A, i, chunk), b = smlog(B, i, chunk);
  if (a !== b) { diff++; if (diff <= 10) console.log('DIFF smlog', String(typeof i === 'string' ? i : i.length).slice(0, 200), '\n  A:', a.slice(0, 400), '\n  B:', b.slice(0, 400)); }
}
console.log(`${n} calls, ${diff} differences`);
