// Where every kilobyte of the .wasm goes: the sections of the shipped module, its code per crate
// and per module of this crate, and its data per catalogue, table and text (docs/size.md).
//
//   bash scripts/build.sh && node bench/size.mjs        (BENCH_JSON=FILE also writes the figures)
//
// Gzip here is Node's zlib at level 9, a few hundred bytes above GNU gzip -9 (scripts/build.sh).
//
// The shipped module has no function names, so the script rebuilds the same module with names:
// the linked `target/wasm32-unknown-unknown/release/xapi_doctor.wasm` that scripts/build.sh
// leaves behind, through wasm-bindgen and wasm-opt with the flags of Cargo.toml plus `-g` (which
// keeps the names and changes no byte of code or data: the script checks that the sections match).
// Data has no names at all: it is attributed by content, looking up the texts of data/ and of
// listRules() in the data section. "gz" columns are marginal: how much smaller the gzip -9 of the
// whole section gets when the part's bytes are removed, i.e. what the part costs on the wire.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const gz = (b) => gzipSync(b, { level: 9 }).length;
const kb = (n) => (n / 1000).toFixed(1);

// ---- a minimal WebAssembly reader: sections, function bodies, names, data segments ----------

function leb(buf, pos) {
  let result = 0, shift = 0, byte;
  do {
    byte = buf[pos.p++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return result;
}

function parse(buf) {
  const pos = { p: 8 };
  const sections = [];
  let code = null, data = null, names = new Map(), imports = 0;
  while (pos.p < buf.length) {
    const id = buf[pos.p++];
    const size = leb(buf, pos);
    const start = pos.p;
    let name = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'][id];
    if (id === 0) {
      const l = leb(buf, pos);
      name = buf.subarray(pos.p, pos.p + l).toString();
      pos.p += l;
      if (name === 'name') {
        while (pos.p < start + size) {
          const sub = buf[pos.p++];
          const len = leb(buf, pos);
          const end = pos.p + len;
          if (sub === 1) {
            for (let n = leb(buf, pos); n > 0; n--) {
              const index = leb(buf, pos);
              const l2 = leb(buf, pos);
              names.set(index, buf.subarray(pos.p, pos.p + l2).toString());
              pos.p += l2;
            }
          }
          pos.p = end;
        }
      }
    } else if (id === 2) {
      for (let n = leb(buf, pos); n > 0; n--) {
        for (let k = 0; k < 2; k++) {
          const l = leb(buf, pos); // module, then field name
          pos.p += l;
        }
        const kind = buf[pos.p++];
        if (kind === 0) { leb(buf, pos); imports++; }
        else if (kind === 1) { pos.p++; const f = buf[pos.p++]; leb(buf, pos); if (f & 1) leb(buf, pos); }
        else if (kind === 2) { const f = buf[pos.p++]; leb(buf, pos); if (f & 1) leb(buf, pos); }
        else if (kind === 3) pos.p += 2;
        else if (kind === 4) { pos.p++; leb(buf, pos); }
      }
    } else if (id === 10) {
      code = [];
      for (let n = leb(buf, pos), i = 0; i < n; i++) {
        const len = leb(buf, pos);
        code.push({ index: imports + i, bytes: buf.subarray(pos.p, pos.p + len) });
        pos.p += len;
      }
    } else if (id === 11) {
      data = [];
      for (let n = leb(buf, pos); n > 0; n--) {
        const kind = leb(buf, pos);
        if (kind === 1) { /* passive */ } else {
          if (kind === 2) leb(buf, pos);
          while (buf[pos.p++] !== 0x0b) { /* the offset expression */ }
        }
        const len = leb(buf, pos);
        data.push(buf.subarray(pos.p, pos.p + len));
        pos.p += len;
      }
    }
    sections.push({ name, bytes: buf.subarray(start, start + size) });
    pos.p = start + size;
  }
  for (const f of code ?? []) f.name = names.get(f.index) ?? `function[${f.index}]`;
  return { sections, code, data };
}

// ---- the module with names ------------------------------------------------------------------

const shippedPath = join(root, 'pkg/dist/xapi_doctor_bg.wasm');
const linked = join(root, 'target/wasm32-unknown-unknown/release/xapi_doctor.wasm');
const shipped = readFileSync(shippedPath);
const tmp = mkdtempSync(join(tmpdir(), 'xapi-doctor-size-'));
const bin = join(root, 'node_modules/.bin');
const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const flags = JSON.parse(cargo.match(/^wasm-opt = (\[.*\])$/m)[1]);
execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', tmp, linked], { stdio: 'inherit' });
execFileSync(join(bin, 'wasm-opt'), [...flags, '-g', join(tmp, 'xapi_doctor_bg.wasm'), '-o', join(tmp, 'named.wasm')], { stdio: 'inherit' });
const named = parse(readFileSync(join(tmp, 'named.wasm')));
rmSync(tmp, { recursive: true, force: true });
const mod = parse(shipped);
const section = (m, n) => m.sections.find((s) => s.name === n)?.bytes ?? Buffer.alloc(0);
for (const s of ['code', 'data']) {
  if (Buffer.compare(section(mod, s), section(named, s)) !== 0) {
    console.error(`warning: the named rebuild's ${s} section differs from pkg/dist's (is target/ from the same build?)`);
  }
}

// ---- sections ---------------------------------------------------------------------------------

const total = shipped.length, totalGz = gz(shipped);
console.log(`pkg/dist/xapi_doctor_bg.wasm: ${total} bytes, gzip -9 ${totalGz} bytes\n`);
console.log('| section | bytes | gzip -9 alone |\n| --- | ---: | ---: |');
const rest = [];
for (const s of mod.sections) {
  if (s.bytes.length > 4000) console.log(`| ${s.name} | ${s.bytes.length} | ${gz(s.bytes)} |`);
  else rest.push(s.bytes);
}
const restBytes = Buffer.concat(rest);
console.log(`| everything else (types, imports, exports, tables…) | ${restBytes.length} | ${gz(restBytes)} |`);

/** Rows of a breakdown: raw bytes and the marginal gzip cost of each part of `whole`. */
function breakdown(title, parts, whole) {
  const wholeGz = gz(Buffer.concat(whole));
  const rows = [...parts.entries()].map(([name, chunks]) => {
    const set = new Set(chunks);
    const raw = chunks.reduce((a, c) => a + c.length, 0);
    return { name, raw, chunks, set };
  }).sort((a, b) => b.raw - a.raw);
  console.log(`\n${title} (${kb(whole.reduce((a, c) => a + c.length, 0))} KB, ${kb(wholeGz)} KB gzipped alone)\n`);
  console.log('| part | bytes | gz (marginal) |\n| --- | ---: | ---: |');
  const out = [];
  for (const r of rows) {
    const without = gz(Buffer.concat(whole.filter((c) => !r.set.has(c))));
    out.push({ part: r.name, bytes: r.raw, gzMarginal: wholeGz - without });
    console.log(`| ${r.name} | ${r.raw} | ${wholeGz - without} |`);
  }
  return out;
}

// ---- code, per crate and per module -------------------------------------------------------------

function owner(name) {
  if (name.includes('xapi_doctor::')) {
    const m = name.match(/xapi_doctor::((?:[a-z_0-9]+::)*)/);
    const path = m[1].split('::').filter(Boolean);
    const level = path[0] === 'input' || path[0] === 'rules' || path[0] === 'chain' ? 2 : 1;
    // `rules::xo_backup`, `chain::graph`, `input::smlog` (a function directly in a module keeps its module)
    return `xapi_doctor::${path.slice(0, Math.min(level, path.length - 1) || 1).join('::')}`;
  }
  const plain = name.replace(/\[[0-9a-f]+\]/g, '').replace(/^<+(&mut |&)?/, '');
  const crate = plain.match(/^([a-z_][a-z0-9_]*)::/)?.[1];
  if (crate) return crate;
  if (/^(__wbg|__wbindgen|__externref|[a-z_]+_[0-9a-f]{16}$)/.test(plain)) return 'wasm_bindgen';
  if (/^(__|memcpy|memset|memmove|memcmp|bcmp)/.test(plain)) return 'compiler_builtins';
  if (/^(<)?(u8|u16|u32|u64|i32|i64|usize|f64|char|str|\[)/.test(plain)) return 'core';
  return `(other: ${plain.slice(0, 30)})`;
}
const byOwner = new Map();
for (const f of named.code) {
  let o = owner(f.name);
  // Keep tiny owners together.
  if (!byOwner.has(o)) byOwner.set(o, []);
  byOwner.get(o).push(f.bytes);
}
const small = [];
for (const [o, chunks] of byOwner) {
  if (chunks.reduce((a, c) => a + c.length, 0) < 2500 && o.startsWith('xapi_doctor::')) {
    small.push(...chunks);
    byOwner.delete(o);
  } else if (chunks.reduce((a, c) => a + c.length, 0) < 1500) {
    small.push(...chunks);
    byOwner.delete(o);
  }
}
byOwner.set('(smaller modules and crates)', small);
const codeRows = breakdown('Code, per crate and per module of xapi_doctor', byOwner, named.code.map((f) => f.bytes));

// ---- data, by content ----------------------------------------------------------------------------

const data = Buffer.concat(mod.data);
const claimed = new Uint8Array(data.length);
const dataParts = new Map();
function claim(part, strings) {
  const list = [...new Set(strings.filter((s) => typeof s === 'string' && s.length >= 4))].sort((a, b) => b.length - a.length);
  for (const s of list) {
    const needle = Buffer.from(s);
    let at = data.indexOf(needle);
    while (at >= 0 && claimed[at]) at = data.indexOf(needle, at + 1);
    if (at < 0) continue;
    claimed.fill(1, at, at + needle.length);
    if (!dataParts.has(part)) dataParts.set(part, []);
    dataParts.get(part).push([at, at + needle.length]);
  }
}
const json = (f) => JSON.parse(readFileSync(join(root, 'data', f), 'utf8'));
const meanings = json('code_meanings.json');
const api = [...json('api_errors.json'), ...json('api_errors_removed.json')];
// The XAPI catalogue is one string (build.rs): claim it whole, from its first line to its last.
const apiSorted = api.map((a) => a.code).sort();
{
  const first = data.indexOf(Buffer.from(`${apiSorted[0]}\x1f`));
  const lastAt = data.indexOf(Buffer.from(`\n${apiSorted.at(-1)}\x1f`));
  const end = data.indexOf(0x0a, lastAt + 1);
  if (first >= 0 && end > first) {
    claimed.fill(1, first, end + 1);
    dataParts.set('XAPI error catalogue (one string: 680 codes, parameter names, official docs, meanings)', [[first, end + 1]]);
  }
}
for (const [table, label] of [['sr', 'SR error codes'], ['errno', 'errno'], ['smb_status', 'NTSTATUS'], ['node', 'Node.js / undici / OpenSSL codes'], ['mount_exit', 'mount exit statuses']]) {
  claim(`meanings: ${label}`, meanings[table].map((m) => m.meaning));
}
const sr = [...json('sr_error_codes.json'), ...json('sr_error_codes_xcpng-8.3.json'), ...json('sr_error_codes_history.json')];
claim('SR error codes: names and descriptions (current and history)', sr.flatMap((c) => [c.name, c.description]));
const signaturesDir = join(root, 'data/signatures');
const signaturesToml = readdirSync(signaturesDir).filter((f) => f.endsWith('.toml')).map((f) => readFileSync(join(signaturesDir, f), 'utf8')).join('\n');
const sigIds = new Set([...signaturesToml.matchAll(/^id = "([A-Z0-9]+)"/gm)].map((m) => m[1]));
const { listRules } = require(join(root, 'pkg/node.cjs'));
const rules = listRules();
const texts = (rs, keys) => rs.flatMap((r) => keys.map((k) => r[k]));
const sigRules = rules.filter((r) => sigIds.has(r.id));
const rustRules = rules.filter((r) => !sigIds.has(r.id));
// Signature texts that listRules() does not show (summary, cause, steps, literals; the
// counterexamples are test data, no longer in the module, and the triggers are written at run time).
// (One line each: a quote inside a single-quoted TOML string must not open a string across lines.)
const tomlStrings = [...signaturesToml.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].flatMap((m) => {
  try {
    return [JSON.parse(`"${m[1]}"`)];
  } catch {
    return [];
  }
});
const tomlMulti = [...signaturesToml.matchAll(/"""\n?([\s\S]*?)"""/g)].map((m) => m[1]);
claim('signatures: listRules() texts (title, description, example)', texts(sigRules, ['title', 'trigger', 'description', 'example', 'name']));
claim('signatures: summaries, causes, steps, literals', [...tomlStrings, ...tomlMulti]);
claim('Rust rules: listRules() texts (title, trigger, description, example)', texts(rustRules, ['title', 'trigger', 'description', 'example', 'name']));
claim('rule ids', rules.map((r) => r.id));
// Panic locations: the file names std keeps for its panic messages (a trap here).
{
  const re = /(\/rustc\/[0-9a-f]+\/library\/[\x21-\x7e]+?\.rs|\/[\x21-\x7e]*?\.cargo\/registry\/[\x21-\x7e]+?\.rs|src\/[a-z_/]+\.rs)/g;
  const s = data.toString('latin1');
  const found = [...s.matchAll(re)].map((m) => m[0]);
  claim('file names of panic locations (std, crates, ours)', found);
}
// What is left: other text (messages and format strings of the code) and binary tables.
{
  const text = [], binary = [];
  let i = 0;
  while (i < data.length) {
    if (claimed[i]) { i++; continue; }
    let j = i;
    while (j < data.length && !claimed[j]) j++;
    // Runs of printable text of 6+ bytes are text; the rest is binary.
    let k = i;
    const runRe = /[\x20-\x7e\n\t\u0080-\uffff]{6,}/g;
    const seg = data.subarray(i, j).toString('latin1');
    for (const m of seg.matchAll(runRe)) {
      if (m.index > k - i) binary.push([k, i + m.index]);
      text.push([i + m.index, i + m.index + m[0].length]);
      k = i + m.index + m[0].length;
    }
    if (k < j) binary.push([k, j]);
    i = j;
  }
  dataParts.set('other text: messages, format strings, remediation of the Rust rules', text);
  dataParts.set('binary: tables of pointers and numbers, zero padding, short strings', binary);
}
// Turn ranges into chunks of one ordered list, so that removing a part keeps the rest in order.
const ranges = [...dataParts.entries()].flatMap(([part, rs]) => rs.map(([a, b]) => ({ part, a, b }))).sort((x, y) => x.a - y.a);
const chunks = ranges.map((r) => ({ ...r, bytes: data.subarray(r.a, r.b) }));
const dataByPart = new Map();
for (const c of chunks) {
  if (!dataByPart.has(c.part)) dataByPart.set(c.part, []);
  dataByPart.get(c.part).push(c.bytes);
}
const dataRows = breakdown('Data, by content', dataByPart, chunks.map((c) => c.bytes));

if (process.env.BENCH_JSON) {
  const sections = Object.fromEntries(mod.sections.map((s) => [s.name, { bytes: s.bytes.length, gzAlone: gz(s.bytes) }]));
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ bytes: total, gzip9: totalGz, sections, code: codeRows, data: dataRows }, null, 1));
}
