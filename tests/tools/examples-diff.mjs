#!/usr/bin/env node
// Which rule examples read differently in another build: for every rule and signature of the
// current package (`listRules()`), its `example` is diagnosed by this package and by BASE (a copy
// of an earlier `pkg/`), and the examples whose top finding (rule, category or severity) changed
// are listed. A new or widened signature that takes the top place on another rule's example is
// either the better reading or a hijack; this is the list to read after knowledge changes.
//
//   cp -r pkg /tmp/base               # before the change (a built package)
//   ... change, bash scripts/build.sh ...
//   node tests/tools/examples-diff.mjs /tmp/base
//
// Exits 0 always (a changed reading is for a person to judge); prints the count at the end.
import { createRequire } from 'node:module';
import { resolve, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const baseDir = process.argv[2];
if (!baseDir) {
  console.error('usage: node tests/tools/examples-diff.mjs BASE_PKG_DIR');
  process.exit(2);
}
const now = require(join(root, 'pkg', 'node.cjs'));
const base = require(join(resolve(baseDir), 'node.cjs'));

const top = (lib, text) => {
  try {
    const f = lib.diagnose(text).findings[0];
    return f ? `${f.rule} ${f.category} ${f.severity}` : 'none';
  } catch (e) {
    return `threw: ${e.message}`;
  }
};

let changed = 0;
const rules = now.listRules();
for (const rule of rules) {
  if (!rule.example) continue;
  const [a, b] = [top(base, rule.example), top(now, rule.example)];
  if (a === b) continue;
  changed += 1;
  console.log(`${rule.id}: ${a}  ->  ${b}`);
}
console.log(`${changed} of ${rules.length} examples changed their top finding`);
