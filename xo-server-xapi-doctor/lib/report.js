'use strict';
// Turns a run's diagnosis into the messages the transports send: Markdown for e-mail (the
// transport-email plugin renders it to HTML with `marked`, which lets raw HTML through), Slack's
// markup, and plain text for XMPP and Icinga2.
//
// Everything that comes from the pool or the log (VM and job names, error messages, evidence,
// even our commands, which embed names) is untrusted: in Markdown it is either escaped
// character by character (HTML's `<`, `>`, `&` as entities, Markdown's punctuation with a
// backslash, line breaks flattened) or put in a code span or block, which renderers print
// literally. Slack gets `&`, `<`, `>` escaped, as its API requires (`<!channel>` would ping).

const SEVERITY_LABEL = { critical: 'Critical', error: 'Error', warning: 'Warning', info: 'Info' };
const STATUS_LABEL = { failure: 'failed', skipped: 'skipped', interrupted: 'interrupted' };
const MAX_EVIDENCE = 3;
const MAX_FINDINGS_PER_PROBLEM = 3;

// ---- escaping -------------------------------------------------------------------------------

/** Untrusted text as inline Markdown text: no markup, no HTML, one line. */
function mdText(value) {
  return String(value ?? '')
    .replace(/[\r\n\t\u2028\u2029]+/g, ' ')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+#])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2')
    // no autolinks: a URL or an address in a log is not something to click in a report
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`)
    .replace(/@/g, '\\@')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Untrusted text as an inline code span (one line). */
function mdCode(value) {
  const text = String(value ?? '').replace(/[\r\n\u2028\u2029]+/g, ' ');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Untrusted lines as a fenced code block. */
function mdBlock(lines) {
  const text = lines.map((l) => String(l).replace(/\r/g, '')).join('\n');
  const longestRun = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** Text for Slack: its three reserved characters as entities, backticks neutralised in code. */
function slackText(value) {
  return String(value ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackCode(value) {
  return '`' + slackText(String(value ?? '').replace(/[\r\n]+/g, ' ').replace(/`/g, "'")) + '`';
}

/** Plain text: one line, control characters removed. */
function plain(value) {
  return String(value ?? '')
    .replace(/[\r\n\t\u2028\u2029]+/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '');
}

// ---- content --------------------------------------------------------------------------------

function problemName(problem) {
  if (problem.vm !== null) return `VM ${problem.vm.name ?? problem.vm.id}`;
  return problem.task === 'backup' ? 'The run' : `Task ${problem.task ?? ''}`.trim();
}

function headline(diagnosis) {
  const c = diagnosis.counts;
  const parts = [];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.interrupted) parts.push(`${c.interrupted} interrupted`);
  if (c.succeeded) parts.push(`${c.succeeded} succeeded`);
  const vms = c.vms ? `${c.vms} VM${c.vms === 1 ? '' : 's'}: ${parts.join(', ')}` : 'no VM task';
  return `${diagnosis.problems.length} problem${diagnosis.problems.length === 1 ? '' : 's'} (${vms})`;
}

function subject(diagnosis, prefix) {
  const start = prefix ? `[${plain(prefix)}] ` : '';
  const job = diagnosis.jobName ?? diagnosis.jobId ?? 'a backup job';
  if (!diagnosis.hasProblem) return `${start}xapi-doctor: backup run of ${plain(job)}: nothing wrong`;
  return `${start}xapi-doctor: backup run of ${plain(job)}: ${headline(diagnosis)}`;
}

/** The findings worth showing for a problem: warnings and worse, else the first one. */
function shownFindings(problem) {
  const all = problem.findings;
  const serious = all.filter((f) => f.severity !== 'info');
  return (serious.length > 0 ? serious : all.slice(0, 1)).slice(0, MAX_FINDINGS_PER_PROBLEM);
}

function chainLines(chain) {
  const lines = [];
  if (chain.checkNeverEnds) {
    lines.push({ text: "A disk's VHD parents form a loop: Xen Orchestra's check does not come back on it (it walks the loop for ever, or overflows its stack); the storage needs repair." });
  }
  const tripped = chain.disks.filter((d) => d.wouldSkip);
  if (chain.wouldSkipNow === false) {
    lines.push({ text: 'The chain is healthy now: coalesce caught up since the run, and the next run will back this VM up.' });
  }
  for (const disk of tripped) {
    lines.push({
      text: `Disk ${disk.nameLabel ?? disk.vdi ?? disk.id} trips the check at base copy`,
      code: disk.trippedBy,
      after: `: ${disk.pendingCoalesce} coalesce${disk.pendingCoalesce === 1 ? '' : 's'} pending on its chain (tolerated: ${chain.tolerance ?? 'any'}), ${disk.depth} images deep.`,
    });
  }
  for (const sr of chain.srs) {
    const trend =
      sr.trend.verdict === 'first_check'
        ? 'first check of this SR since the plugin started'
        : sr.trend.verdict === 'growing'
          ? `growing: ${sr.trend.previous.pending} at the previous check, the SR is not keeping up`
          : sr.trend.verdict === 'shrinking'
            ? `shrinking: ${sr.trend.previous.pending} at the previous check, the SR is catching up`
            : `unchanged since the previous check (${sr.trend.previous.at})`;
    lines.push({ text: `SR ${sr.nameLabel ?? sr.uuid}: ${sr.pendingCoalesce} base copies wait for coalesce (${trend}).` });
  }
  if (chain.missing.length > 0) lines.push({ text: `${chain.missing.length} object(s) of the VM could not be read from the pool.` });
  return lines;
}

// ---- Markdown (e-mail) ----------------------------------------------------------------------

function markdown(diagnosis, { detail = 'full' } = {}) {
  const out = [];
  const job = diagnosis.jobName ?? diagnosis.jobId ?? 'backup job';
  out.push(`## xapi-doctor: ${mdText(job)}`);
  out.push('');
  const meta = [`Run ${mdCode(diagnosis.runId ?? '?')}`];
  if (diagnosis.mode) meta.push(`mode ${mdText(diagnosis.mode)}`);
  if (diagnosis.start) meta.push(`started ${mdText(diagnosis.start)}`);
  if (diagnosis.status) meta.push(`status ${mdText(diagnosis.status)}`);
  out.push(meta.join(' · '));
  out.push('');
  out.push(diagnosis.hasProblem ? `**${mdText(headline(diagnosis))}**` : '**Nothing wrong in this run.**');
  const shownInFull = new Set();
  if (detail === 'compact' && diagnosis.problems.length > 0) out.push('');
  for (const problem of diagnosis.problems) {
    if (detail === 'compact') {
      out.push(compactMarkdownLine(problem));
      continue;
    }
    out.push('');
    out.push(`### ${mdText(problemName(problem))}: ${mdText(STATUS_LABEL[problem.status] ?? problem.status ?? 'problem')}`);
    out.push('');
    const remote = problem.remote === null ? '' : `, backup repository ${problem.remote.name ?? problem.remote.id}`;
    out.push(`- **Where**: ${mdText(problem.failedTask + remote)}`);
    if (problem.error !== null) out.push(`- **Error**: ${mdCode(problem.error)}`);
    else if (problem.status === 'interrupted') out.push('- **Error**: none recorded: xo-server stopped, restarted or lost the pool while the task ran.');
    if (problem.chain !== null) {
      out.push('');
      out.push('#### The VDI chain, checked now on the pool');
      out.push('');
      for (const line of chainLines(problem.chain)) {
        out.push(`- ${mdText(line.text)}${line.code ? ` ${mdCode(line.code)}` : ''}${line.after ? mdText(line.after) : ''}`);
      }
    }
    for (const finding of shownFindings(problem)) {
      out.push('');
      out.push(`#### ${mdText(SEVERITY_LABEL[finding.severity])}: ${mdText(finding.title)} (${mdText(finding.rule)})`);
      out.push('');
      out.push(mdText(finding.summary));
      if (shownInFull.has(finding.rule)) {
        // A long run repeats the same finding for many VMs: the cause and steps once, then
        // this VM's own first command.
        const command = finding.remediation.find((step) => step.command)?.command;
        out.push('');
        out.push(`Same cause and steps as above${command ? `; for this one: ${mdCode(command)}` : '.'}`);
        continue;
      }
      shownInFull.add(finding.rule);
      markdownFindingDetails(out, finding);
    }
  }
  if (diagnosis.notes.length > 0) {
    out.push('');
    for (const note of diagnosis.notes) out.push(`> ${mdText(note)}`);
  }
  out.push('');
  out.push('*Diagnosed by xapi-doctor, offline, in Xen Orchestra.*');
  return out.join('\n');
}

/** Why, what to do (with commands), evidence and links of a finding. */
function markdownFindingDetails(out, finding) {
  if (finding.cause) {
    out.push('');
    out.push(`*Why*: ${mdText(finding.cause)}`);
  }
  if (finding.remediation.length > 0) {
    out.push('');
    out.push('*What to do*:');
    out.push('');
    finding.remediation.forEach((step, i) => {
      out.push(`${i + 1}. ${mdText(step.text)}${step.command ? `\n   ${mdCode(step.command)}` : ''}`);
    });
  }
  const evidence = finding.evidence.slice(0, MAX_EVIDENCE).map((e) => (e.line ? `${e.line}: ${e.text}` : e.text));
  if (evidence.length > 0) {
    out.push('');
    out.push('*Evidence*:');
    out.push('');
    out.push(mdBlock(evidence));
  }
  for (const link of finding.links.filter((l) => /^https?:\/\//.test(l.url))) {
    out.push('');
    out.push(`See [${mdText(link.title)}](${safeUrl(link.url)})`);
  }
}

/** A link target that cannot end the Markdown link early or carry markup. */
function safeUrl(url) {
  return encodeURI(decodeURIComponentSafe(url)).replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'));
}

function decodeURIComponentSafe(url) {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

function topFinding(problem) {
  return shownFindings(problem)[0] ?? null;
}

/**
 * One line per problem, for the compact e-mail, Slack, XMPP and Icinga2. `style` says how each
 * flavour escapes text and marks code, and how a line starts.
 */
function compactLine(problem, { text, code, start }) {
  const finding = topFinding(problem);
  let line = start(text(problemName(problem)), text(STATUS_LABEL[problem.status] ?? problem.status ?? 'problem'));
  if (finding !== null) {
    line += `: ${text(finding.title)}. ${text(finding.summary)}`;
    const command = finding.remediation.find((s) => s.command)?.command;
    if (command) line += ` First: ${code(command)}`;
  } else if (problem.error !== null) {
    line += `: ${code(problem.error)}`;
  }
  const disk = problem.chain?.disks.find((d) => d.wouldSkip);
  if (disk) line += ` Chain: disk ${text(disk.nameLabel ?? disk.vdi)}, ${disk.pendingCoalesce} pending coalesces, tripped at ${code(disk.trippedBy)}.`;
  return line;
}

const MARKDOWN_STYLE = { text: mdText, code: mdCode, start: (name, status) => `- **${name}** ${status}` };
const SLACK_STYLE = { text: slackText, code: slackCode, start: (name, status) => `• *${name}* ${status}` };
const PLAIN_STYLE = { text: plain, code: plain, start: (name, status) => `- ${name} ${status}` };

function compactMarkdownLine(problem) {
  return compactLine(problem, MARKDOWN_STYLE);
}

// ---- Slack and plain text -------------------------------------------------------------------

function slack(diagnosis) {
  const job = diagnosis.jobName ?? diagnosis.jobId ?? 'backup job';
  const head = `*xapi-doctor: ${slackText(job)}*: ${slackText(diagnosis.hasProblem ? headline(diagnosis) : 'nothing wrong')}`;
  return [head, ...diagnosis.problems.map((p) => compactLine(p, SLACK_STYLE))].join('\n');
}

function plainText(diagnosis) {
  const job = diagnosis.jobName ?? diagnosis.jobId ?? 'backup job';
  const head = `xapi-doctor: ${plain(job)}: ${diagnosis.hasProblem ? headline(diagnosis) : 'nothing wrong'}`;
  return [head, ...diagnosis.problems.map((p) => compactLine(p, PLAIN_STYLE))].join('\n');
}

/** Icinga2's status for a run: CRITICAL when something failed, WARNING for skips and warnings. */
function icingaStatus(diagnosis) {
  if (!diagnosis.hasProblem) return 'OK';
  const failed = diagnosis.counts.failed > 0 || diagnosis.problems.some((p) => p.status === 'failure') || ['critical', 'error'].includes(diagnosis.worstSeverity);
  return failed ? 'CRITICAL' : 'WARNING';
}

module.exports = { markdown, slack, plainText, subject, icingaStatus, mdText, mdCode, mdBlock, slackText };
