#!/usr/bin/env node
// Before adding a case: which side of the corpus its source URL falls on (held out or development,
// by the scorer's hash) and whether that source is already in the corpus, without opening or
// naming a held-out case (tests/corpus/README.md).
//
//   node tests/tools/case-side.mjs URL [URL ...]
//
// Prints one line per URL: `<side>  <new | already N case(s)>  URL`; for a development source the
// files already holding it are listed, for a held-out one only their count.
import { isHeldOut, loadCases, sourceKey } from '../corpus/score.mjs';

const urls = process.argv.slice(2);
if (!urls.length) {
  console.error('usage: node tests/tools/case-side.mjs URL [URL ...]');
  process.exit(2);
}
const cases = loadCases();
for (const url of urls) {
  const heldOut = isHeldOut(url);
  const same = cases.filter((c) => sourceKey(c.source) === sourceKey(url));
  const seen = same.length ? `already ${same.length} case(s)` : 'new';
  console.log(`${heldOut ? 'held out   ' : 'development'}  ${seen}  ${url}`);
  if (!heldOut) for (const c of same) console.log(`    ${c.file}`);
}
