#!/usr/bin/env node
// Searches the bodies of the DEVELOPMENT cases only (tests/corpus/README.md: held-out cases are
// never opened, so a plain grep over tests/corpus/cases is not an option while writing knowledge).
//
//   node tests/tools/devgrep.mjs [-i] [-l] PATTERN
//
// PATTERN is a JavaScript regular expression; -i ignores case; -l prints only the case files.
// Each match prints as `<kind>/<file>:<line>: <text>` (a line cut at 300 characters).
import { loadCases } from '../corpus/score.mjs';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => /^-[il]$/.test(a)));
const pattern = args.find((a) => !/^-[il]$/.test(a));
if (!pattern) {
  console.error('usage: node tests/tools/devgrep.mjs [-i] [-l] PATTERN');
  process.exit(2);
}
let re;
try {
  re = new RegExp(pattern, flags.has('-i') ? 'i' : '');
} catch (e) {
  console.error(`not a regular expression: ${e.message}`);
  process.exit(2);
}
let matches = 0;
for (const c of loadCases().filter((x) => !x.holdout)) {
  const lines = c.body.split(/\r?\n/);
  let shown = false;
  lines.forEach((line, i) => {
    if (!re.test(line)) return;
    matches += 1;
    if (flags.has('-l')) {
      if (!shown) console.log(c.file);
      shown = true;
      return;
    }
    console.log(`${c.file}:${i + 1}: ${line.slice(0, 300)}`);
  });
}
console.error(`${matches} matching line(s) in development cases (held-out cases are not searched)`);
process.exit(matches ? 0 : 1);
