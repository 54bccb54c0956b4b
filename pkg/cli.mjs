#!/usr/bin/env node
// The xapi-doctor command line. It only uses Node's built-ins and the package's Node entry: the
// diagnosis, the input detection and the rule catalogue all come from the library.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as doctor from './node.mjs';

const HELP = `Usage: xapi-doctor [options] [FILE...]
       xapi-doctor --chain RECORDS.json [options]
       xapi-doctor --rules [RULE...]

Diagnoses why a VM snapshot or backup failed on XenServer / XCP-ng. Each FILE (or stdin,
when FILE is - or absent and data is piped) is recognised automatically: a XAPI error in any
shape (xe output, XML-RPC, JSON-RPC, task error_info, XO XapiError), a Xen Orchestra backup
log (JSON), the storage manager's SMlog (streamed, any size), or pool records.

Options:
  --json                 print the library's result objects as JSON instead of text:
                         one input gives one object (what diagnose() returns; for
                         --chain what checkVdiChains() returns); several inputs give
                         a JSON array in argument order (null where an input failed)
  --fail-on SEVERITY     exit 1 when a finding is at least this severe:
                         critical, error (default), warning, info, or none
  --chain RECORDS.json   check the VDI chains of pool records (VM, VBD, VDI, SR objects)
  --tolerance N          with --chain: pending coalesces tolerated per disk chain, as
                         Xen Orchestra's maxUncoalescedVdis (default 1)
  --rules [RULE...]      print the rule catalogue (all rules, or the ids/names given)
  --context JSON         what you know, to fill the xe commands: {"srUuid": …, "srType": …}
  --vm-uuid, --vm-name, --sr-uuid, --sr-name, --sr-type, --host-version, --product,
  --xo-server-version VALUE
                         the same, one field at a time (a Xen Orchestra bug fixed
                         in the xo-server given is not reported)
  --color, --no-color    force colours on or off (default: on when stdout is a
                         terminal and NO_COLOR is not set)
  --no-progress          no progress indicator on stderr for big inputs
  -h, --help             this help
  -v, --version          print the version

Exit status:
  0  no finding at or above the --fail-on severity
  1  at least one finding at or above the --fail-on severity
  2  usage error, or an input that could not be read or parsed

Examples:
  xapi-doctor /var/log/SMlog
  xe vm-snapshot uuid=… new-name-label=test 2>&1 | xapi-doctor
  xapi-doctor --json --fail-on warning backup-log.json
  xapi-doctor --sr-uuid 5b1c… --sr-type lvmoiscsi error.txt`;

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const KIND_LABELS = {
  xapi_error: 'XAPI error',
  xo_error: 'Xen Orchestra error',
  xo_log: 'Xen Orchestra backup log',
  smlog: 'SMlog',
  records: 'pool records',
  text: 'text',
  empty: 'empty input',
};
const CONTEXT_FLAGS = {
  'vm-uuid': 'vmUuid',
  'vm-name': 'vmName',
  'sr-uuid': 'srUuid',
  'sr-name': 'srName',
  'sr-type': 'srType',
  'host-version': 'hostVersion',
  product: 'product',
  'xo-server-version': 'xoServerVersion',
};
/** Enough of the input to tell SMlog from anything else. */
const SNIFF_BYTES = 64 * 1024;
/** Chunk size of file streams fed to the SMlog scanner. */
const CHUNK_BYTES = 1 << 20;
/** Inputs at least this big get a progress indicator (when stderr is a terminal). */
const PROGRESS_BYTES = 16 * 1024 * 1024;
const EVIDENCE_SHOWN = 10;

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Output safety: text that comes from the input (log lines, VM names, file names) is printed
// with control characters, terminal escape sequences and bidirectional overrides escaped, so a
// hostile log can neither drive the terminal nor disguise what is shown.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;
const NAMED = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeChar(c) {
  if (NAMED[c]) return NAMED[c];
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text safe for a terminal: every control or invisible formatting character escaped. */
function safe(value) {
  return String(value).replace(UNSAFE, escapeChar);
}

// JSON.stringify escapes the C0 controls inside strings (the newlines left are its own
// indentation); the other unsafe characters become \uXXXX escapes, which parse to the same value.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** The value as JSON that is safe to print on a terminal. */
function safeJson(value) {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function styles(enabled) {
  const sgr = (open, close) => (enabled ? (s) => `\x1b[${open}m${s}\x1b[${close}m` : (s) => s);
  return {
    bold: sgr('1', '22'),
    dim: sgr('2', '22'),
    critical: sgr('1;35', '22;39'),
    error: sgr('1;31', '22;39'),
    warning: sgr('1;33', '22;39'),
    info: sgr('1;36', '22;39'),
    command: sgr('32', '39'),
  };
}

// ---------------------------------------------------------------------------------------------
// Arguments

function parse(argv) {
  const options = {
    json: { type: 'boolean' },
    'fail-on': { type: 'string' },
    chain: { type: 'string' },
    tolerance: { type: 'string' },
    rules: { type: 'boolean' },
    context: { type: 'string' },
    color: { type: 'boolean' },
    'no-color': { type: 'boolean' },
    'no-progress': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const flag of Object.keys(CONTEXT_FLAGS)) options[flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values, positionals } = parsed;

  const failOn = values['fail-on'] ?? 'error';
  if (failOn !== 'none' && !SEVERITIES.includes(failOn)) {
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} or none (got "${safe(failOn)}")`);
  }
  let tolerance;
  if (values.tolerance !== undefined) {
    if (values.chain === undefined) throw new UsageError('--tolerance goes with --chain');
    tolerance = Number(values.tolerance);
    if (values.tolerance.trim() === '' || Number.isNaN(tolerance)) throw new UsageError('--tolerance must be a number');
  }
  let context = {};
  if (values.context !== undefined) {
    try {
      context = JSON.parse(values.context);
    } catch (e) {
      throw new UsageError(`--context is not valid JSON: ${e.message}`);
    }
    if (context === null || typeof context !== 'object' || Array.isArray(context)) {
      throw new UsageError('--context must be a JSON object, e.g. {"srType":"lvm"}');
    }
  }
  for (const [flag, key] of Object.entries(CONTEXT_FLAGS)) {
    if (values[flag] !== undefined) context[key] = values[flag];
  }
  const color = values['no-color'] ? false : values.color ? true : null;
  return {
    help: values.help,
    version: values.version,
    json: Boolean(values.json),
    rules: Boolean(values.rules),
    chain: values.chain,
    tolerance,
    failOn,
    options: Object.keys(context).length > 0 ? { context } : {},
    color,
    progress: !values['no-progress'],
    files: positionals,
  };
}

function useColor(forced) {
  if (forced !== null) return forced;
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
}

// ---------------------------------------------------------------------------------------------
// Reading inputs

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A progress line on stderr, redrawn at most ten times a second; only on a terminal. */
function progressMeter(label, total, enabled) {
  if (!enabled || !process.stderr.isTTY) return { add() {}, done() {} };
  let seen = 0;
  let shown = false;
  let last = 0;
  const draw = () => {
    const of = total ? ` ${Math.floor((100 * seen) / total)}% (${mb(seen)} of ${mb(total)})` : ` ${mb(seen)}`;
    process.stderr.write(`\r\x1b[Kxapi-doctor: reading ${label}${of}`);
    shown = true;
  };
  return {
    add(n) {
      seen += n;
      const now = Date.now();
      if ((total ?? seen) >= PROGRESS_BYTES && now - last >= 100) {
        last = now;
        draw();
      }
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * Diagnoses a stream of byte chunks. SMlog of any size goes through the streaming scanner when
 * the library has one; anything else is collected and diagnosed whole (a JSON document or a
 * pasted error has to be read entirely anyway).
 */
async function diagnoseChunks(chunks, options, meter) {
  const iterator = chunks[Symbol.asyncIterator]();
  const head = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < SNIFF_BYTES) {
    const { value, done } = await iterator.next();
    if (done) {
      ended = true;
      break;
    }
    head.push(value);
    headBytes += value.length;
    meter.add(value.length);
  }
  const first = Buffer.concat(head);
  if (ended) return doctor.diagnose(first, options);

  const rest = { [Symbol.asyncIterator]: () => iterator };
  const sniffed = doctor.diagnose(first.subarray(0, SNIFF_BYTES), options);
  if (sniffed.kind === 'smlog') {
    const scanner = new doctor.SmlogScanner(options);
    scanner.push(first);
    for await (const chunk of rest) {
      scanner.push(chunk);
      meter.add(chunk.length);
    }
    const report = scanner.finish();
    // The head's diagnosis gives the shape of diagnose()'s result; the scanner's report fills it.
    return { ...sniffed, findings: report.findings, smlog: report };
  }
  const all = [first];
  for await (const chunk of rest) {
    all.push(chunk);
    meter.add(chunk.length);
  }
  return doctor.diagnose(Buffer.concat(all), options);
}

async function diagnoseInput(name, cli) {
  const isStdin = name === '-';
  const label = isStdin ? 'stdin' : safe(name);
  let size = null;
  let stream;
  if (isStdin) {
    stream = process.stdin;
  } else {
    const stat = statSync(name);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = stat.size;
    stream = createReadStream(name, { highWaterMark: CHUNK_BYTES });
  }
  const meter = progressMeter(label, size, cli.progress);
  try {
    return { type: 'diagnosis', result: await diagnoseChunks(stream, cli.options, meter) };
  } finally {
    meter.done();
  }
}

/** The chain check of a records file; the library parses the JSON and says what is wrong with it. */
function checkChainsOf(file, cli) {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  return { type: 'chain', result: doctor.checkVdiChains(text, cli.tolerance === undefined ? {} : { tolerance: cli.tolerance }) };
}

// ---------------------------------------------------------------------------------------------
// Text output

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function counts(findings) {
  const by = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) by[f.severity] = (by[f.severity] ?? 0) + 1;
  const plurals = { error: 'errors', warning: 'warnings' };
  return SEVERITIES.filter((s) => by[s] > 0).map((s) => plural(by[s], s, plurals[s] ?? s));
}

function describeSubject(subject) {
  if (!subject) return '';
  const parts = [];
  const named = (what, name, uuid) => {
    if (name && uuid) parts.push(`${what} ${name} (${uuid})`);
    else if (name || uuid) parts.push(`${what} ${name ?? uuid}`);
  };
  named('VM', subject.vmName, subject.vmUuid);
  named('SR', subject.srName, subject.srUuid);
  if (subject.vdiUuid) parts.push(`VDI ${subject.vdiUuid}`);
  if (subject.host) parts.push(`host ${subject.host}`);
  named('job', subject.jobName, subject.jobId);
  if (subject.task) parts.push(`task ${subject.task}${subject.taskStatus ? ` (${subject.taskStatus})` : ''}`);
  return safe(parts.join(' · '));
}

const PARAMS_SHOWN = 6;
const PARAM_CHARS = 120;
// Parameters that XAPI and the storage manager give in bytes (HOST_NOT_ENOUGH_FREE_MEMORY's
// needed/available, an SR's free and needed space, a disk's size).
const BYTES_PARAM = /^(needed|available|free|size|virtual_size|physical_size|memory.*|.*Bytes)$/;

/** The codes a finding carries and the error's parameters by name, on one line (cut short). */
function describeCodes(f) {
  const codes = (f.codes ?? []).join(', ');
  const params = Object.entries(f.params ?? {})
    .filter(([, v]) => v !== '')
    .slice(0, PARAMS_SHOWN)
    .map(([k, v]) => {
      const value = String(v);
      if (BYTES_PARAM.test(k) && /^\d{7,}$/.test(value)) return `${k} ${value} = ${(Number(value) / 2 ** 30).toFixed(1)} GiB`;
      // Cut by code points, so that a pair of surrogates is never split.
      const chars = [...value.replace(/\s+/g, ' ')];
      return `${k} ${chars.length > PARAM_CHARS ? `${chars.slice(0, PARAM_CHARS).join('')}…` : chars.join('')}`;
    })
    .join(', ');
  if (!codes && !params) return '';
  return safe(codes ? `Code: ${codes}${params ? ` (${params})` : ''}` : `Parameters: ${params}`);
}

function renderFinding(f, s, out) {
  const tag = s[f.severity] ?? s.bold;
  out.push(`  ${tag(f.rule)}  ${s.bold(safe(f.title))}`);
  const about = describeSubject(f.subject);
  if (about) out.push(`    ${s.dim(about)}`);
  out.push(`    ${safe(f.summary)}`);
  const facts = describeCodes(f);
  if (facts) out.push(`    ${s.dim(facts)}`);
  if (f.cause) out.push(`    ${s.bold('Why:')} ${safe(f.cause)}`);
  if (f.remediation.length > 0) {
    out.push(`    ${s.bold('What to do:')}`);
    f.remediation.forEach((step, i) => {
      out.push(`      ${i + 1}. ${safe(step.text)}`);
      if (step.command) out.push(`         ${s.command(`$ ${safe(step.command)}`)}`);
    });
  }
  if (f.evidence.length > 0) {
    out.push(`    ${s.bold('Evidence:')}`);
    for (const e of f.evidence.slice(0, EVIDENCE_SHOWN)) {
      const where = [e.line != null && `line ${e.line}`, e.pid != null && `pid ${e.pid}`].filter(Boolean).join(', ');
      out.push(`      ${where ? s.dim(`${where}: `) : ''}${safe(e.text)}`);
    }
    if (f.evidence.length > EVIDENCE_SHOWN) {
      out.push(s.dim(`      … and ${f.evidence.length - EVIDENCE_SHOWN} more (--json shows all)`));
    }
  }
  for (const link of f.links) out.push(`    ${s.dim(`See: ${safe(link.title)} <${safe(link.url)}>`)}`);
  out.push('');
}

function renderFindings(findings, s, out) {
  for (const severity of SEVERITIES) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push(s[severity](`${severity.toUpperCase()} (${group.length})`));
    out.push('');
    for (const f of group) renderFinding(f, s, out);
  }
}

function renderDiagnosis(label, d, s) {
  const out = [];
  const summary = d.findings.length === 0 ? 'no finding' : `${d.findings.length} finding${d.findings.length > 1 ? 's' : ''}: ${counts(d.findings).join(', ')}`;
  out.push(s.bold(`${label}: ${KIND_LABELS[d.kind] ?? safe(d.kind)}, ${summary}`));
  if (d.smlog?.stats) {
    const st = d.smlog.stats;
    out.push(s.dim(`  ${st.lines.toLocaleString('en')} lines, ${mb(st.bytes)}${st.unparsedLines ? `, ${st.unparsedLines.toLocaleString('en')} not in SMlog format` : ''}`));
  }
  if (d.chains) out.push(...chainSummary(d.chains, s));
  out.push('');
  if (d.findings.length === 0) {
    if (d.kind === 'text' || d.kind === 'empty') {
      out.push('  Nothing recognised. xapi-doctor reads XAPI errors (xe output, API responses, task records),');
      out.push('  Xen Orchestra errors and backup logs (JSON), and the storage manager log /var/log/SMlog.');
    } else if (d.kind === 'records' && !d.chains) {
      out.push('  Pool records, but the chain check could not use them: --chain FILE says why.');
    } else {
      out.push('  No known problem found.');
    }
    out.push('');
  }
  renderFindings(d.findings, s, out);
  return out.join('\n');
}

/** A few lines on the chain check: what was checked, which VMs a backup would skip, SRs to watch. */
function chainSummary(report, s) {
  const out = [];
  const vms = report.vms ?? [];
  const srs = report.srs ?? [];
  out.push(s.dim(`  VDI chains of ${plural(vms.length, 'VM')} on ${plural(srs.length, 'SR')} checked (chain limit ${report.chainLimit ?? 30})`));
  for (const vm of vms) {
    const deepest = Math.max(0, ...(vm.disks ?? []).map((d) => d.depth ?? 0));
    const name = safe(vm.nameLabel ?? vm.uuid ?? vm.ref);
    if (vm.wouldSkip) out.push(`  VM ${name}: Xen Orchestra would skip its backup (chain depth ${deepest}${vm.trippedBy ? `, tripped by base copy ${safe(vm.trippedBy)}` : ''})`);
    else if (vm.checkNeverEnds) out.push(`  VM ${name}: its chain loops`);
  }
  for (const sr of srs) {
    if (sr.vdisToCoalesce > 0 || sr.orphans > 0 || sr.missingParents > 0) {
      const what = [sr.vdisToCoalesce > 0 && `${sr.vdisToCoalesce} to coalesce`, sr.orphans > 0 && plural(sr.orphans, 'orphaned base copy', 'orphaned base copies'), sr.missingParents > 0 && plural(sr.missingParents, 'missing parent')].filter(Boolean);
      out.push(`  SR ${safe(sr.nameLabel ?? sr.id)}: ${what.join(', ')}`);
    }
  }
  return out;
}

function renderChain(label, report, s) {
  const out = [];
  const findings = report.findings ?? [];
  const summary = findings.length === 0 ? 'no finding' : `${findings.length} finding${findings.length > 1 ? 's' : ''}: ${counts(findings).join(', ')}`;
  out.push(s.bold(`${label}: VDI chain check, ${summary}`));
  out.push(...chainSummary(report, s));
  out.push('');
  if (findings.length === 0) out.push('  Every chain is within the limits.', '');
  renderFindings(findings, s, out);
  return out.join('\n');
}

function ruleExample(rule) {
  try {
    if (rule.example.startsWith('{"input"')) {
      const { input, options } = JSON.parse(rule.example);
      return doctor.diagnose(input, options);
    }
    return doctor.diagnose(rule.example);
  } catch {
    return null;
  }
}

function renderRules(rules, s) {
  const out = [];
  for (const r of rules) {
    out.push(`${s.bold(r.id)}  ${s.bold(safe(r.title))}`);
    out.push(`  ${s.dim(`${r.name} · category ${r.category} · severity`)} ${s[r.severity](r.severity)}`);
    out.push(`  ${safe(r.description)}`);
    out.push(`  ${s.bold('Triggered by:')} ${safe(r.trigger)}`);
    out.push(`  ${s.bold('Example:')} ${safe(r.example)}`);
    const finding = ruleExample(r)?.findings.find((f) => f.rule === r.id);
    if (finding && finding.remediation.length > 0) {
      out.push(`  ${s.bold('Remediation:')}`);
      finding.remediation.forEach((step, i) => {
        out.push(`    ${i + 1}. ${safe(step.text)}`);
        if (step.command) out.push(`       ${s.command(`$ ${safe(step.command)}`)}`);
      });
    }
    out.push('');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

function atOrAbove(severity, threshold) {
  if (threshold === 'none') return false;
  const rank = SEVERITIES.indexOf(severity);
  return rank !== -1 && rank <= SEVERITIES.indexOf(threshold);
}

function describeError(e) {
  if (e instanceof UsageError) return e.message;
  const code = typeof e?.code === 'string' ? e.code : null;
  const message = String(e?.message ?? e).replace(/^[A-Z]+: /, '');
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function write(text) {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function main(argv) {
  const cli = parse(argv);
  if (cli.help) {
    write(HELP);
    return 0;
  }
  if (cli.version) {
    write(`xapi-doctor ${doctor.version()}`);
    return 0;
  }
  const s = styles(!cli.json && useColor(cli.color));

  if (cli.rules) {
    const wanted = new Set(cli.files.map((x) => x.toLowerCase()));
    const rules = doctor.listRules().filter((r) => wanted.size === 0 || wanted.has(r.id.toLowerCase()) || wanted.has(r.name));
    if (rules.length < wanted.size) {
      const known = new Set(rules.flatMap((r) => [r.id.toLowerCase(), r.name]));
      throw new UsageError(`unknown rule: ${safe([...wanted].filter((w) => !known.has(w)).join(', '))}`);
    }
    write(cli.json ? safeJson(rules) : renderRules(rules, s));
    return 0;
  }

  const inputs = [...cli.files];
  if (inputs.length === 0 && cli.chain === undefined) {
    if (process.stdin.isTTY) throw new UsageError('no input: give one or more files, or pipe text into xapi-doctor (see --help)');
    inputs.push('-');
  }
  if (inputs.filter((x) => x === '-').length + (cli.chain === '-' ? 1 : 0) > 1) {
    throw new UsageError('stdin (-) can be read only once');
  }

  const jobs = inputs.map((name) => ({ label: name === '-' ? 'stdin' : safe(name), run: () => diagnoseInput(name, cli) }));
  if (cli.chain !== undefined) {
    jobs.push({ label: cli.chain === '-' ? 'stdin' : safe(cli.chain), run: async () => checkChainsOf(cli.chain, cli) });
  }

  let status = 0;
  const results = [];
  for (const job of jobs) {
    let outcome;
    try {
      outcome = await job.run();
    } catch (e) {
      if (e instanceof UsageError) throw e;
      process.stderr.write(`xapi-doctor: ${job.label}: ${safe(describeError(e))}\n`);
      status = 2;
      results.push(null);
      continue;
    }
    results.push(outcome.result);
    const findings = outcome.result.findings ?? [];
    if (status === 0 && findings.some((f) => atOrAbove(f.severity, cli.failOn))) status = 1;
    if (!cli.json) {
      write(outcome.type === 'chain' ? renderChain(job.label, outcome.result, s) : renderDiagnosis(job.label, outcome.result, s));
    }
  }
  if (cli.json) {
    const single = jobs.length === 1;
    if (!(single && results[0] === null)) write(safeJson(single ? results[0] : results));
  } else if (jobs.length > 1) {
    const all = results.flatMap((r) => r?.findings ?? []);
    write(s.bold(`${jobs.length} inputs: ${all.length === 0 ? 'no finding' : counts(all).join(', ')}`));
  }
  return status;
}

process.stdout.on('error', (e) => {
  // `xapi-doctor … | head` closes the pipe early: stop quietly.
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`xapi-doctor: ${e.message}\nTry 'xapi-doctor --help'.\n`);
    } else {
      process.stderr.write(`xapi-doctor: ${safe(describeError(e))}\n`);
    }
    process.exitCode = 2;
  },
);
