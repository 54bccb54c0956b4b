#!/usr/bin/env node
// Lists pairs of corpus cases that show the same output under two source URLs (a log quoted by a
// documentation page and by the issue it came from, one session pasted on two trackers): a pair
// split across the held-out hash lets a signature written from the development side pass the
// held-out one (tests/corpus/README.md). Run it after adding cases.
//
//   node tests/tools/crossposts.mjs
//
// Two cases pair when they share every distinctive line of the smaller one (50 characters or more,
// not a stack frame, numbers and uuids masked; two lines at least), or three such lines and half of
// the smaller one's. One shared line is only the same message, which is what signatures are for.
import { loadCases } from '../corpus/score.mjs';

const mask = (line) => line.replace(/^[>\s]+/, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, 'U').replace(/\d+/g, '0').trim();
const distinctive = (c) =>
  new Set(c.body.split(/\r?\n/).filter((l) => !/^\s*at /.test(l)).map(mask).filter((l) => l.length >= 50));

const cases = loadCases().map((c) => ({ c, lines: distinctive(c) })).filter((x) => x.lines.size > 0);
let pairs = 0;
for (let i = 0; i < cases.length; i++) {
  for (let j = i + 1; j < cases.length; j++) {
    const [a, b] = [cases[i], cases[j]];
    if (a.c.source === b.c.source) continue;
    let shared = 0;
    for (const l of a.lines) if (b.lines.has(l)) shared++;
    const smaller = Math.min(a.lines.size, b.lines.size);
    if ((shared === smaller && smaller >= 2) || (shared >= 3 && shared * 2 >= smaller)) {
      const side = (x) => (x.c.holdout ? 'held out' : 'development');
      const split = a.c.holdout !== b.c.holdout ? '  SPLIT' : '';
      console.log(`${shared}/${smaller}${split}\n  ${a.c.file} (${side(a)})\n  ${b.c.file} (${side(b)})`);
      pairs++;
    }
  }
}
console.log(`${pairs} pairs of cases share their output`);
