#!/usr/bin/env node
// Prints the diagnosis of a file through the built package, readably (the main job's demo).
// Usage: node scripts/show.mjs FILE [--context '{"srType":"lvm"}']
import { readFileSync } from 'node:fs';
import { diagnose } from '../pkg/node.mjs';

const [file, flag, contextJson] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/show.mjs FILE [--context JSON]');
  process.exit(2);
}
const options = flag === '--context' ? { context: JSON.parse(contextJson) } : {};
const d = diagnose(readFileSync(file), options);
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
// Text from the input is printed as text: strip control characters so a log cannot drive the terminal.
const clean = (s) => String(s).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
console.log(`${file}: ${d.kind}, ${d.findings.length} finding(s)\n`);
for (const f of d.findings) {
  const who = [f.subject.vmName && `VM ${f.subject.vmName}`, f.subject.task && `task ${f.subject.task}`].filter(Boolean).join(', ');
  console.log(bold(`[${f.severity}] ${f.rule} ${clean(f.title)}`) + (who ? `  (${clean(who)})` : ''));
  console.log(`  ${clean(f.summary)}`);
  console.log(`  Why: ${clean(f.cause)}`);
  f.remediation.forEach((s, i) => {
    console.log(`  ${i + 1}. ${clean(s.text)}`);
    if (s.command) console.log(`       $ ${clean(s.command)}`);
  });
  for (const e of f.evidence) console.log(`  evidence${e.line ? ` (line ${e.line})` : ''}: ${clean(e.text)}`);
  console.log();
}
