#!/usr/bin/env node
// The placeholders xapi-doctor's step commands leave (`<vm-uuid>`, `<sr-uuid>`, `<nfs-server>`…)
// on every development case of the corpus and every rule's and signature's example, and whether
// the input itself names a value a careful reader would have put there.
//
//   node tests/tools/placeholders.mjs             the table per placeholder, then every one left
//                                                 where the input names exactly one value
//   node tests/tools/placeholders.mjs --all       also those left with several values or none
//   node tests/tools/placeholders.mjs --json      the per-input results as JSON
//   node tests/tools/placeholders.mjs --only <p>  only placeholder <p> (`--only vm-uuid`)
//   PLACEHOLDERS_BIN=<binary> node tests/tools/placeholders.mjs
//                                                 another build's `placeholders` example (before/after)
//
// The commands come from the Rust core (`cargo run --release --example placeholders`, built once:
// the first run takes a few minutes, then about 20 s). Held-out cases are not read (their
// commands are not looked at either: the scorer's hash rule).
//
// "A value in the input" is judged here by shapes written independently of
// src/rules/placeholders.rs, wider than it on purpose (a uuid after the word of its object,
// `VM`/`vm`/`"vm":`/`vm_uuid`, an SR in a storage path or a lock file, a disk in a VHD path, the
// address of a failed connection, a remote's mount directory…): they say where a human would
// find the value, and how often the core still leaves the placeholder there. They are a
// measure, not a filler: a shape that can name the wrong object is fine here, as the listing is
// read by a person; several distinct values count as "several", not as a value.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCases } from '../corpus/score.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const showAll = args.includes('--all');
const asJson = args.includes('--json');
const only = args.includes('--only') ? `<${args[args.indexOf('--only') + 1]}>` : null;

const U = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const IP = '(?:\\d{1,3}\\.){3}\\d{1,3}';
const HOST = `(?:${IP}|\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])`;

/** A uuid right after the word of its object: `vm: U`, `VM U`, `"vm":"U"`, `vm_uuid': 'U`, `vm-uuid=U`, `VM.get_record U`. */
const uuidAfterWord = (words) => new RegExp(`\\b(?:${words})(?:[ _-]?uuid)?\\b['"]?\\s*[:=]?\\s*['"]?\\s*(?:\\(|\\{|\\[)?['"]?(${U})`, 'gi');
/** The object of an xe command (`xe vm-start uuid=U`) and of a Xen Orchestra call (`vm.start { "id": "U"`). */
const xeObject = (cls) => new RegExp(`\\bxe ${cls}-[a-z-]+[^\\n]*? uuid=(${U})`, 'g');
const xoCall = (cls) => new RegExp(`(?:^|[^\\w.])${cls}\\.[A-Za-z]+\\s*\\(?\\{\\s*"id"\\s*:\\s*"(${U})"`, 'g');

// Each placeholder kind: the regular expressions whose first group is a value of it.
const SHAPES = {
  '<vm-uuid>': [uuidAfterWord('vms?'), new RegExp(`xo-vm-backups/(${U})`, 'g'), new RegExp(`"type"\\s*:\\s*"VM"\\s*,\\s*"id"\\s*:\\s*"(${U})"`, 'g'),
    new RegExp(`- \\*\\*UUID\\*\\*: (${U})`, 'g'), xeObject('vm'), xoCall('vm')],
  '<sr-uuid>': [uuidAfterWord('srs?|sr_uuid'), new RegExp(`sr-mount/(${U})`, 'g'), new RegExp(`VG_XenStorage-(${U})`, 'g'),
    new RegExp(`/var/lock/sm/(${U})/(?:sr|gc_active|running)`, 'g'), new RegExp(`"type"\\s*:\\s*"SR"\\s*,\\s*"id"\\s*:\\s*"(${U})"`, 'g'),
    new RegExp(`XSLocalEXT-(${U})`, 'g'), new RegExp(`/run/sr-mount/(${U})`, 'g'), new RegExp(`/dev/sm/(?:backend|phy)/(${U})`, 'g'),
    xeObject('sr'), xoCall('sr')],
  '<vdi-uuid>': [uuidAfterWord('vdis?'), new RegExp(`VHD-(${U})`, 'g'), new RegExp(`(${U})\\.vhd`, 'g'), new RegExp(`LV-(${U})`, 'g'),
    new RegExp(`/var/lock/sm/(${U})/vdi`, 'g'), new RegExp(`/dev/sm/(?:backend|phy)/${U}/(${U})`, 'g'), xeObject('vdi'), xoCall('vdi')],
  '<host-uuid>': [uuidAfterWord('hosts?'), xeObject('host'), xoCall('host')],
  '<pbd-uuid>': [uuidAfterWord('pbds?'), xeObject('pbd')],
  '<vbd-uuid>': [uuidAfterWord('vbds?'), xeObject('vbd')],
  '<pool-uuid>': [uuidAfterWord('pools?')],
  '<snapshot-uuid>': [uuidAfterWord('snapshots?')],
  '<task-uuid>': [uuidAfterWord('tasks?')],
  '<network-uuid>': [uuidAfterWord('networks?')],
  '<pif-uuid>': [uuidAfterWord('pifs?')],
  '<vusb-uuid>': [uuidAfterWord('vusbs?')],
  '<nfs-server>': [new RegExp(`(?:^|[\\s"'=(])(${HOST}):/(?!/)`, 'gm'), new RegExp(`nfs://(${HOST})`, 'gi'), new RegExp(`\\bserver=(${HOST})`, 'g'),
    new RegExp(`['"]server['"]: ?['"](${HOST})`, 'g'), new RegExp(`showmount -e (${HOST})`, 'g')],
  '<export-path>': [new RegExp(`(?:^|[\\s"'=(])${HOST}:(/[A-Za-z0-9._/-]*[A-Za-z0-9_-])`, 'gm'), /\bserverpath=(\/[A-Za-z0-9._/-]+)/g],
  '<server>': [new RegExp(`(?:^|[\\s"'=(])//(${HOST})[/\\\\]`, 'gm'), new RegExp(`(?:^|[\\s"'=(])(${HOST}):/(?!/)`, 'gm'), new RegExp(`(?:nfs|smb)://(${HOST})`, 'gi')],
  '<share>': [new RegExp(`(?:^|[\\s"'=(])//${HOST}/([A-Za-z0-9._$-]+)`, 'gm')],
  '<remote-id>': [/\/run\/xo-server\/mounts\/([A-Za-z0-9_.-]+)/g, /"remote(?:Id)?"\s*:\s*"([A-Za-z0-9_-]+)"/g],
  '<host-address>': [new RegExp(`connect E[A-Z]+ (${HOST})`, 'g'), new RegExp(`https?://(${HOST})`, 'g'), new RegExp(`\\bhost(?:name)?["']?\\s*[:=]\\s*["']?(${IP})`, 'gi')],
  '<address>': [new RegExp(`connect E[A-Z]+ (${HOST})`, 'g'), new RegExp(`https?://(${HOST})`, 'g')],
  '<target-address>': [new RegExp(`connect E[A-Z]+ (${HOST})`, 'g'), new RegExp(`https?://(${HOST})`, 'g'), new RegExp(`portal:? (${IP})`, 'g'), new RegExp(`target=(${HOST})`, 'g')],
  '<target-ip>': [new RegExp(`portal:? (${IP})`, 'g'), new RegExp(`target=(${HOST})`, 'g'), new RegExp(`-p (${IP})`, 'g')],
  '<host-name>': [new RegExp(`getaddrinfo E[A-Z_]+ (${HOST})`, 'g'), /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) ([A-Za-z0-9][A-Za-z0-9.-]*) /gm],
  '<s3-endpoint>': [new RegExp(`getaddrinfo E[A-Z_]+ (${HOST})`, 'g'), new RegExp(`https?://(${HOST})`, 'g')],
  '<path-to-vhd>': [/(\/[A-Za-z0-9._/-]+\.vhd)\b/g],
  '<vhd-path>': [/(\/[A-Za-z0-9._/-]+\.vhd)\b/g],
  '<tapdisk-pid>': [/tapdisk\[(\d+)\]/g],
  '<pid>': [/tapdisk\[(\d+)\]/g],
  '<minor>': [/tapdev(\d+)/g, /\btd(\d+)\b/g, /blktap\/blktap(\d+)/g],
  '<device>': [/(\/dev\/(?:sd[a-z]+|nvme\d+n\d+|xvd[a-z]+|md\d+|dm-\d+))\b/g],
};

/** The distinct values each shape finds in `text`, with a little context for the first. */
function candidates(kind, text) {
  const shapes = SHAPES[kind];
  if (!shapes) return null;
  const values = new Map();
  for (const re of shapes) {
    for (const m of text.matchAll(re)) {
      const v = kind.endsWith('uuid>') ? m[1].toLowerCase() : m[1];
      if (!values.has(v)) values.set(v, text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 10).replace(/\s+/g, ' '));
    }
  }
  return values;
}

const cases = loadCases().filter((c) => !c.holdout);
// PLACEHOLDERS_BIN: an already built `placeholders` example (another build's, to compare).
const [command, commandArgs] = process.env.PLACEHOLDERS_BIN
  ? [process.env.PLACEHOLDERS_BIN, []]
  : ['cargo', ['run', '--release', '--quiet', '--example', 'placeholders']];
const out = JSON.parse(
  execFileSync(command, commandArgs, {
    cwd: root,
    input: JSON.stringify(cases.map((c) => ({ name: c.file, body: c.body, context: c.context ?? null }))),
    maxBuffer: 1 << 30,
  }),
);

// One row per (input, placeholder left in any of its commands).
const rows = [];
for (const r of out) {
  const left = new Map();
  for (const f of r.findings) {
    for (const c of f.commands) {
      for (const m of c.matchAll(/<[a-z][a-z0-9-]*>/g)) {
        if (only && m[0] !== only) continue;
        if (!left.has(m[0])) left.set(m[0], new Set());
        left.get(m[0]).add(f.rule);
      }
    }
  }
  for (const [placeholder, rules] of left) {
    const values = candidates(placeholder, r.text);
    const verdict = values === null ? 'no shape' : values.size === 1 ? 'one value' : values.size > 1 ? 'several' : 'none';
    rows.push({ input: r.name, placeholder, rules: [...rules], verdict, values: values ? [...values] : [] });
  }
}

if (asJson) {
  console.log(JSON.stringify(rows, null, 1));
  process.exit(0);
}
const isCase = (row) => !row.input.startsWith('example ');
const tally = new Map();
for (const row of rows) {
  const t = tally.get(row.placeholder) ?? { cases: 0, examples: 0, 'one value': 0, several: 0, none: 0, 'no shape': 0, caseOne: 0 };
  t[isCase(row) ? 'cases' : 'examples'] += 1;
  t[row.verdict] += 1;
  if (isCase(row) && row.verdict === 'one value') t.caseOne += 1;
  tally.set(row.placeholder, t);
}
console.log(`${cases.length} development cases, ${out.length - cases.length} rule and signature examples; ${rows.length} (input, placeholder) pairs left\n`);
console.log('| placeholder | left in cases | left in examples | one value in the input (cases) | several | none | no shape measured |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [p, t] of [...tally].sort((a, b) => b[1].cases + b[1].examples - a[1].cases - a[1].examples)) {
  if (t['no shape'] && !showAll) continue;
  console.log(`| \`${p}\` | ${t.cases} | ${t.examples} | ${t['one value']} (${t.caseOne}) | ${t.several} | ${t.none} | ${t['no shape']} |`);
}
const noShape = [...tally].filter(([, t]) => t['no shape']);
console.log(`\n${noShape.length} other placeholders (no value shape measured: ${noShape.reduce((n, [, t]) => n + t['no shape'], 0)} pairs)${showAll ? '' : '; --all lists them'}`);
console.log('\nLeft although the input names one value:');
for (const row of rows.filter((r) => r.verdict === 'one value' || (showAll && r.verdict === 'several'))) {
  console.log(`- ${row.input} ${row.placeholder} [${row.rules.join(',')}] ${row.verdict}: ${row.values.map(([v, ctx]) => `${v} «${ctx}»`).join(' | ')}`);
}
