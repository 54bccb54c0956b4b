#!/usr/bin/env node
// Writes data/xe_commands.json: the xe CLI's commands and the parameters each takes, read from
// xen-api's CLI sources (facts: names only). tests/xe_commands.rs checks every `xe` command
// xapi-doctor tells a reader to run against it.
//
//   node scripts/xe-commands.mjs <xen-api>/ocaml/xapi-cli-server/cli_frontend.ml \
//        <xen-api>/ocaml/xapi-cli-server/cli_operations.ml <xen-api>/ocaml/xapi-cli-server/records.ml \
//        <commit> > data/xe_commands.json
//
// cli_frontend.ml's table gives each command's required (`reqd`) and optional (`optn`)
// parameters and its flags (a command with `Vm_selectors`, `Host_selectors` or `Sr_selectors`
// also takes the selectors: `vm=`, `uuid=`, any field of the object, `--multiple`).
// cli_operations.ml's `gen_cmds` generates, for each class it names, `<class>-list` (any field
// as a filter), `-param-list`, `-param-get`, `-param-set` (any settable field), `-param-add`,
// `-param-remove` and `-param-clear`; records.ml gives each class's fields (`make_field
// ~name:"…"`), which the list commands filter on, `-param-set` sets and selectors match.
import { readFileSync } from 'node:fs';

const [frontendPath, operationsPath, recordsPath, commit] = process.argv.slice(2);
if (!frontendPath || !operationsPath || !recordsPath) {
  console.error('usage: node scripts/xe-commands.mjs cli_frontend.ml cli_operations.ml records.ml [commit]');
  process.exit(2);
}
const frontend = readFileSync(frontendPath, 'utf8');
// (OCaml comments out: a class commented out of gen_cmds has no commands.)
const operations = readFileSync(operationsPath, 'utf8').replace(/\(\*[\s\S]*?\*\)/g, '');
const records = readFileSync(recordsPath, 'utf8');

// records.ml: `let <fn> rpc session_id … =` opens a record; its fields are `make_field ~name:"…"`.
const fieldsOf = {};
const starts = [...records.matchAll(/^let (\w+_record) rpc session_id/gm)];
starts.forEach((m, i) => {
  const body = records.slice(m.index, i + 1 < starts.length ? starts[i + 1].index : records.length);
  fieldsOf[m[1]] = [...new Set([...body.matchAll(/make_field\s+~name:"([^"]+)"/g)].map((f) => f[1]))].sort();
});

const strings = (list) => [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1]);

const commands = {};
// An entry: ( "name" , { reqd= [ … ] ; optn= [ … ] ; help= … ; flags= [ … ] } ), reqd and optn
// in either order.
const entry = /\(\s*"([a-z0-9-]+)"\s*,\s*\{([\s\S]*?)flags=\s*\[([^\]]*)\]/g;
for (const m of frontend.matchAll(entry)) {
  const [, name, body, flags] = m;
  const reqd = body.match(/reqd=\s*\[([^\]]*)\]/);
  const optn = body.match(/optn=\s*\[([^\]]*)\]/);
  if (!reqd || !optn) continue;
  const selectors = [...flags.matchAll(/(Vm|Host|Sr)_selectors/g)].map((f) => f[1].toLowerCase());
  commands[name] = { reqd: strings(reqd[1]), optn: strings(optn[1]), ...(selectors.length ? { selectors } : {}) };
}

// gen_cmds: `mk get_all_records_where get_by_uuid <record> "<class>"`
const classes = {};
for (const m of operations.matchAll(/mk\s+get_all_records_where\s+get_by_uuid\s+(\w+)\s+"([a-z0-9-]+)"/g)) {
  classes[m[2]] = fieldsOf[m[1]] ?? [];
}
const emptyClasses = Object.entries(classes).filter(([, f]) => f.length === 0).map(([c]) => c);
if (Object.keys(classes).length < 40 || Object.keys(commands).length < 300 || emptyClasses.length > 0) {
  console.error(`read ${Object.keys(commands).length} commands, ${Object.keys(classes).length} classes (no fields: ${emptyClasses}): not the files expected`);
  process.exit(1);
}

const out = {
  source: `xapi-project/xen-api ocaml/xapi-cli-server/cli_frontend.ml, cli_operations.ml and records.ml${commit ? ` at ${commit}` : ''}`,
  classes: Object.fromEntries(Object.entries(classes).sort(([a], [b]) => a.localeCompare(b))),
  commands: Object.fromEntries(Object.entries(commands).sort(([a], [b]) => a.localeCompare(b))),
};
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
