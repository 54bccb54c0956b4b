#!/usr/bin/env node
// Does the diagnosis of a real case survive what happens to text on its way to us? Each
// development case is run as it is and again after one of the manglings a paste really goes
// through (a quote in a reply, a Markdown code block, CRLF, an HTML page's entities or
// non-breaking spaces, a forum's curly quotes, an e-mail's wrap at 80 columns, a one-line field,
// the journal's or a container log's prefix on every line of a script's output),
// and the cases whose top category was right and turns wrong are counted. Held-out cases are
// counted, never listed (tests/corpus/README.md).
//
//   node tests/tools/mangle.mjs [--list] [--only NAME,NAME]   through the built package
//   node tests/tools/mangle.mjs --check     fails when a mangling loses more development cases
//                                           than tests/corpus/mangled.json records (the test
//                                           command runs this)
//   node tests/tools/mangle.mjs --record    writes tests/corpus/mangled.json from this run
//   node tests/tools/mangle.mjs --native    the Rust core (`cargo build --release --example
//                                           corpus_batch` first) instead of the package
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCases, judge } from '../corpus/score.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const lines = (f) => (t) => t.split('\n').map((l, i, all) => (i === all.length - 1 && l === '' ? l : f(l))).join('\n');

/** Hard-wraps every line longer than `width` at `width` characters, as a mail client does. */
function wrap(width) {
  return lines((l) => {
    const out = [];
    let rest = l;
    while (rest.length > width) {
      out.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    out.push(rest);
    return out.join('\n');
  });
}

export const MANGLINGS = {
  quote: lines((l) => `> ${l}`),
  indent: lines((l) => `    ${l}`),
  fence: (t) => '```\n' + t.replace(/\n?$/, '\n') + '```\n',
  crlf: (t) => t.replace(/\r?\n/g, '\r\n'),
  entities: (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
  nbsp: (t) => t.replace(/ /g, '\u00a0'),
  curly: (t) => t.replace(/"([^"\n]*)"/g, '\u201c$1\u201d').replace(/'/g, '\u2019'),
  wrap80: wrap(80),
  oneline: (t) => t.replace(/\s*\r?\n\s*/g, ' '),
  // A script's or a service's output kept by the journal, or by a container's log with its
  // timestamps; not applied to SMlog and host logs, whose lines have their own prefix already.
  journal: { f: lines((l) => `Dec  7 10:11:12 xoa backup.sh[812]: ${l}`), kinds: ['xapi', 'xo', 'text'] },
  container: { f: lines((l) => `2026-12-07T10:11:12.123456789Z ${l}`), kinds: ['xapi', 'xo', 'text'] },
};

/** The mangling `name` applied to case `c`: its body unchanged when the mangling skips its kind. */
function mangled(name, c) {
  const m = MANGLINGS[name];
  if (typeof m === 'function') return m(c.body);
  return m.kinds.includes(c.kind) ? m.f(c.body) : c.body;
}

function main() {
  const args = process.argv.slice(2);
  const list = args.includes('--list');
  const onlyAt = args.indexOf('--only');
  const names = onlyAt === -1 ? Object.keys(MANGLINGS) : args[onlyAt + 1].split(',');
  const cases = loadCases();
  const variants = [{ name: 'as is', f: (c) => c.body }, ...names.map((n) => ({ name: n, f: (c) => mangled(n, c) }))];
  let answers = [];
  if (args.includes('--native')) {
    const batch = variants.flatMap((v) => cases.map((c) => ({ body: v.f(c), context: c.context ?? null })));
    answers = JSON.parse(execFileSync(join(root, 'target', 'release', 'examples', 'corpus_batch'), { input: JSON.stringify(batch), maxBuffer: 1 << 30 }));
  }
  const base = cases.map((c, i) => judge(c, answers[i]));
  console.log('| mangling | development right | lost | gained | held out right | lost | gained |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const lost = {};
  variants.forEach((v, vi) => {
    const results = cases.map((c, i) => judge({ ...c, body: v.f(c) }, answers[vi * cases.length + i]));
    const tally = (held) => {
      const idx = cases.map((_, i) => i).filter((i) => cases[i].holdout === held);
      const right = idx.filter((i) => results[i].topOk).length;
      const l = idx.filter((i) => base[i].topOk && !results[i].topOk);
      const g = idx.filter((i) => !base[i].topOk && results[i].topOk);
      return { n: idx.length, right, l, g };
    };
    const d = tally(false);
    const h = tally(true);
    lost[v.name] = d.l.map((i) => `${cases[i].file}: ${base[i].got} -> ${results[i].got}`);
    console.log(`| ${v.name} | ${d.right} of ${d.n} | ${d.l.length} | ${d.g.length} | ${h.right} of ${h.n} | ${h.l.length} | ${h.g.length} |`);
  });
  const recordedPath = join(root, 'tests', 'corpus', 'mangled.json');
  const counts = Object.fromEntries(Object.entries(lost).filter(([n]) => n !== 'as is').map(([n, l]) => [n, l.length]));
  if (args.includes('--record')) {
    writeFileSync(recordedPath, JSON.stringify({ developmentCasesLost: counts }, null, 1) + '\n');
    console.log(`\nrecorded ${recordedPath}`);
  }
  if (args.includes('--check')) {
    const recorded = JSON.parse(readFileSync(recordedPath, 'utf8')).developmentCasesLost;
    const worse = Object.entries(counts).filter(([n, k]) => k > (recorded[n] ?? 0));
    if (worse.length) {
      console.error(`\nworse than ${recordedPath}: ${worse.map(([n, k]) => `${n} loses ${k} (recorded ${recorded[n] ?? 0})`).join('; ')}`);
      for (const [n] of worse) for (const x of lost[n]) console.error(`  ${n}: ${x}`);
      process.exit(1);
    }
  }
  if (list) {
    for (const [name, l] of Object.entries(lost)) {
      if (!l.length) continue;
      console.log(`\n${name}: right as is, wrong after (development only)`);
      for (const x of l) console.log(`  ${x}`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
