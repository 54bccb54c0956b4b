// The backup logs the UI test apps render (tests/ui/*.test.mjs), built from real text:
//
// - `sample`: samples/xo-backup-log.json, the log of docs and research (a VM backed up, one
//   skipped by chain protection — `unhealthy VDI chain` —, one failed on `VDI_IO_ERROR`).
// - `no-vms`, `body-timeout`, `method-unknown`, `interrupted`: Xen Orchestra logs of the corpus
//   (tests/corpus/cases/xo), verbatim. Most posts cut the JSON at a line; such a body is closed
//   mechanically (a trailing comma dropped, the open brackets closed): no value is added.
// - `sr44`: the `SR_BACKEND_FAILURE_44` text of a real Xen Orchestra report (corpus
//   gh-xo-2095) as the result of a snapshot and of a replication to an SR, in a log of the shape
//   Xen Orchestra writes (the XapiError's code and params are read back from its message, which
//   XO formats as `CODE(param, param…)`).
// - `hostile`: markup and script in every string a screen shows (task names, messages, VM name).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CASES = join(ROOT, 'tests/corpus/cases/xo');

/** The body of a corpus case: everything after the header's `---` line, byte for byte. */
export function caseBody(name) {
  const text = readFileSync(join(CASES, `${name}.txt`), 'utf8');
  const at = text.indexOf('\n---\n');
  if (at < 0) throw new Error(`${name}: no header separator`);
  return text.slice(at + 5);
}

/** Closes JSON that a post cut at a line boundary. Throws when the cut is not at a value's end. */
export function closeCutJson(text) {
  const body = text.trimEnd().replace(/,$/, '');
  const open = [];
  let inString = false;
  let escaped = false;
  for (const ch of body) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') open.push(ch);
    else if (ch === '}' || ch === ']') open.pop();
  }
  if (inString || /:\s*$/.test(body)) throw new Error('the JSON is cut inside a value');
  return body + open.reverse().map((c) => (c === '{' ? '}' : ']')).join('');
}

function corpusLog(name) {
  const body = caseBody(name);
  try {
    return JSON.parse(body);
  } catch {
    return JSON.parse(closeCutJson(body));
  }
}

/** A serialised XapiError as Xen Orchestra logs it, from its message `CODE(param, …)`. */
function xapiError(message) {
  const m = /^([A-Z][A-Z0-9_]+)\((.*)\)$/s.exec(message);
  if (!m) throw new Error(`not a XAPI error message: ${message}`);
  return { code: m[1], params: m[2].split(', '), message, name: 'XapiError', stack: `XapiError: ${message}\n    at XapiError.wrap (…)` };
}

function sr44Log() {
  const line = caseBody('gh-xo-2095-slack-report-sr-insufficient-space')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('SR_BACKEND_FAILURE_44'));
  const error = xapiError(line);
  return {
    data: { mode: 'delta', reportWhen: 'failure' },
    id: '1755817200031',
    jobId: '4c1d9a52-7e0b-4b8e-a1f2-5d3c8e9b0a17',
    jobName: 'Nightly replication',
    message: 'backup',
    scheduleId: '9e8d7c6b-5a49-4f38-9e27-1d0c2b3a4f56',
    start: 1755817200031,
    status: 'failure',
    end: 1755817385402,
    tasks: [
      {
        data: { type: 'VM', id: '8ebe6c89-003a-6e25-eb10-3d791ca3c3ae', name_label: 'erp-01' },
        id: '1755817200140',
        message: 'backup VM',
        start: 1755817200140,
        status: 'failure',
        end: 1755817203410,
        tasks: [{ id: '1755817200166', message: 'snapshot', start: 1755817200166, status: 'failure', end: 1755817203402, result: error }],
        result: error,
      },
      {
        data: { type: 'VM', id: '6e246cbf-41c4-aa5b-f12a-f9080580b4aa', name_label: 'mail-01' },
        id: '1755817203500',
        message: 'backup VM',
        start: 1755817203500,
        status: 'failure',
        end: 1755817385390,
        tasks: [
          { id: '1755817203521', message: 'snapshot', start: 1755817203521, status: 'success', end: 1755817206007, result: '3f1b0c2d-9e8a-4b7c-a6d5-e4f3a2b1c0d9' },
          {
            data: { type: 'SR', id: '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', name_label: 'DR lvmoiscsi', isFull: true },
            id: '1755817206110',
            message: 'export',
            start: 1755817206110,
            status: 'failure',
            end: 1755817385380,
            tasks: [{ id: '1755817206133', message: 'transfer', start: 1755817206133, status: 'failure', end: 1755817385371, result: error }],
          },
        ],
        result: error,
      },
    ],
  };
}

export const HOSTILE = '<img src=x onerror="window.__pwned.push(document.domain)">';

function hostileLog() {
  const error = {
    code: 'SR_BACKEND_FAILURE_44',
    params: ['', `There is insufficient space ${HOSTILE}`, ''],
    message: `SR_BACKEND_FAILURE_44(, There is insufficient space ${HOSTILE}, )`,
    name: 'XapiError',
    stack: `XapiError: ${HOSTILE}\n    at <script>window.__pwned.push('stack')</script>`,
  };
  return {
    data: { mode: 'full', reportWhen: 'failure' },
    id: '1755900000001',
    jobId: `job ${HOSTILE}`,
    jobName: `<b>${HOSTILE}</b>`,
    message: 'backup',
    start: 1755900000001,
    status: 'failure',
    end: 1755900000900,
    tasks: [
      {
        data: { type: 'VM', id: 'c98a232f-b339-0334-b946-23244d0a4b7b', name_label: `vm ${HOSTILE}` },
        id: '1755900000010',
        message: 'backup VM',
        start: 1755900000010,
        status: 'failure',
        end: 1755900000800,
        tasks: [
          { id: '1755900000020', message: 'snapshot', start: 1755900000020, status: 'failure', end: 1755900000700, result: error },
          {
            id: '1755900000030',
            message: 'health check',
            start: 1755900000030,
            status: 'failure',
            end: 1755900000790,
            result: { message: `restore failed ${HOSTILE}`, name: 'Error', stack: `Error: ${HOSTILE}` },
          },
        ],
        result: { message: `two errors ${HOSTILE}`, name: 'Error', stack: '' },
      },
    ],
  };
}

/** name → { title, source, log } */
export function buildFixtures() {
  return {
    sample: { title: 'Nightly delta: one VM skipped by chain protection, one failed', source: 'samples/xo-backup-log.json', log: JSON.parse(readFileSync(join(ROOT, 'samples/xo-backup-log.json'), 'utf8')) },
    sr44: { title: 'SR_BACKEND_FAILURE_44 on a snapshot and on a replication', source: 'corpus gh-xo-2095 (error text)', log: sr44Log() },
    'no-vms': { title: 'A smart job that matched no VM', source: 'corpus gh-xo-6058', log: corpusLog('gh-xo-6058-smart-mode-no-vms-match') },
    'body-timeout': { title: 'A full backup whose export timed out', source: 'corpus gh-xo-9181', log: corpusLog('gh-xo-9181-full-backup-body-timeout') },
    'method-unknown': { title: 'A full backup refused by the host', source: 'corpus gh-xo-7131', log: corpusLog('gh-xo-7131-full-backup-message-method-unknown-json') },
    interrupted: { title: 'A run interrupted by a restart', source: 'corpus gh-xo-4865', log: corpusLog('gh-xo-4865-backup-log-status-interrupted') },
    hostile: { title: 'Markup in every field', source: 'synthetic', log: hostileLog() },
  };
}

/** Every task of a log, the log first, depth first. */
export function allTasks(log) {
  const out = [];
  const walk = (task) => {
    out.push(task);
    for (const child of task.tasks ?? []) walk(child);
  };
  walk(log);
  return out;
}
