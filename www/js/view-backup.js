// Backup-log view: a Xen Orchestra backup run drawn the way its log records it (job → VMs →
// tasks), each failed, skipped or warned task with its diagnosis inline in <xapi-diagnosis>.
// State in the hash: `log` = a bundled sample's path, or `in` = a pasted/opened log (packed).
import { el, badge, icon, formatBytes, formatDate, formatDuration, shortId } from './dom.js';
import { writeHash, pack, unpack, MAX_SHARED } from './state.js';

const SAMPLES = ['samples/backup-run.json', 'samples/xo-backup-log.json'];
/** VMs of the bundled chain records (samples/chain-records.json). */
const CHAIN_EXAMPLE_VMS = new Set(['6e246cbf-41c4-aa5b-f12a-f9080580b4aa', '8ebe6c89-003a-6e25-eb10-3d791ca3c3ae']);
const STATUS_LABEL = { success: 'Success', failure: 'Failed', skipped: 'Skipped', interrupted: 'Interrupted', pending: 'Running' };
const STATUS_ICON = { success: 'success', failure: 'failure', skipped: 'skipped', interrupted: 'failure', pending: 'pending' };

let app;
let root;
let view;
let select;
let source = null; // { sample } | { text }
let shownKey = null;

function statusBadge(status) {
  const s = STATUS_LABEL[status] ? status : 'pending';
  return badge(`status-${s}`, STATUS_LABEL[s] ?? String(status));
}

function statusIcon(status) {
  const s = STATUS_ICON[status] ?? 'pending';
  const i = icon(s, `icon status-${status in STATUS_ICON ? status : 'pending'}`);
  return i;
}

function failed(task) {
  return task.status === 'failure' || task.status === 'skipped' || task.status === 'interrupted';
}

function errorMessage(result) {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string') return result;
  if (typeof result === 'object') return result.message ?? result.code ?? null;
  return String(result);
}

/** Whether a failing child carries the error itself (then the diagnosis goes there, not here). */
function childCarriesError(task) {
  return (task.tasks ?? []).some((c) => failed(c) && (errorMessage(c.result) !== null || childCarriesError(c)));
}

function taskLabel(task) {
  const d = task.data ?? {};
  const name = String(task.message ?? 'task');
  if (d.type === 'remote') return [name, ` to remote ${shortId(d.id)}`, d.isFull === true ? ' (full)' : d.isFull === false ? ' (delta)' : ''];
  if (d.type === 'SR') return [name, ` to SR ${d.name_label ?? shortId(d.id)}`];
  return [name];
}

function resultNote(task) {
  const r = task.result;
  if (task.status !== 'success' || r === undefined || r === null) return null;
  if (typeof r === 'object' && Number.isFinite(r.size)) return formatBytes(r.size);
  if (typeof r === 'object' && typeof r.merge === 'boolean') return r.merge ? 'merged' : null;
  if (typeof r === 'string' && /^[0-9a-f-]{36}$/i.test(r)) return `→ ${shortId(r)}`;
  return null;
}

function renderTask(task, vm, depth) {
  const li = el('li', { class: `task task-${task.status}`, 'data-task-id': String(task.id ?? '') });
  const dur = Number.isFinite(task.end) && Number.isFinite(task.start) ? formatDuration(task.end - task.start) : '';
  const note = resultNote(task);
  li.append(
    el(
      'div',
      { class: 'task-row' },
      statusIcon(task.status),
      el('span', { class: 'visually-hidden', text: `${STATUS_LABEL[task.status] ?? task.status}: ` }),
      el('span', { class: 'task-name' }, ...taskLabel(task)),
      note ? el('span', { class: 'task-note', text: note }) : null,
      el('span', { class: 'task-time', text: dur }),
    ),
  );
  for (const w of task.warnings ?? []) {
    li.append(el('div', { class: 'task-msg warn' }, icon('warning'), el('span', { text: String(w.message ?? '') }), w.data ? el('code', { class: 'task-data', text: JSON.stringify(w.data) }) : null));
  }
  const message = failed(task) ? errorMessage(task.result) : null;
  if (message !== null) {
    const label = task.status === 'skipped' ? 'Reason' : 'Error';
    li.append(el('div', { class: `task-msg ${task.status === 'skipped' ? 'reason' : 'error'}` }, el('span', { class: 'task-msg-label', text: `${label}:` }), el('span', { class: 'mono', text: message })));
  }
  // The inline diagnosis: on the task that carries the error itself, and on tasks with warnings.
  const carries = message !== null && !childCarriesError(task);
  const warned = (task.warnings ?? []).length > 0 && !failed(task);
  if (carries || warned) {
    const widget = document.createElement('xapi-diagnosis');
    widget.setAttribute('max-findings', '2');
    widget.context = { vmUuid: vm.id ?? null, vmName: vm.name_label ?? null };
    widget.input = task;
    const box = el('div', { class: 'inline-diagnosis' }, widget);
    if (task.status === 'skipped' && errorMessage(task.result) === 'unhealthy VDI chain') {
      // The log never says which disk tripped; the chain view re-derives it from the pool's records.
      const href = CHAIN_EXAMPLE_VMS.has(vm.id) ? '#/chains?ex=1' : '#/chains';
      box.append(el('p', { class: 'small chain-link' }, el('a', { href, text: 'Find the base copy that trips it in the VDI chains view →' })));
    }
    li.append(box);
  }
  const children = task.tasks ?? [];
  if (children.length) li.append(el('ul', { class: 'tasks' }, ...children.map((c) => renderTask(c, vm, depth + 1))));
  return li;
}

function renderVm(task) {
  const vm = task.data ?? {};
  const name = vm.name_label ?? shortId(vm.id) ?? 'VM';
  const open = failed(task) || (task.warnings ?? []).length > 0 || hasWarnings(task);
  const id = `vm-${String(task.id ?? Math.random()).replace(/[^a-z0-9-]/gi, '')}`;
  const card = el('article', { class: `vm-card vm-${task.status}`, id, 'data-vm': String(vm.id ?? '') });
  const dur = Number.isFinite(task.end) && Number.isFinite(task.start) ? formatDuration(task.end - task.start) : '';
  const toggle = el(
    'button',
    { type: 'button', class: 'vm-head', 'aria-expanded': String(open), 'aria-controls': `${id}-body` },
    icon('chevron', 'icon chevron'),
    el('span', { class: 'vm-name', text: name }),
    el('span', { class: 'vm-uuid mono', title: vm.id ?? '', text: vm.id ?? '' }),
    el('span', { class: 'vm-time', text: dur }),
    statusBadge(task.status),
  );
  const body = el('div', { class: 'vm-body', id: `${id}-body` });
  body.hidden = !open;
  toggle.addEventListener('click', () => {
    const o = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(o));
    body.hidden = !o;
  });
  body.append(el('ul', { class: 'tasks root-tasks' }, renderTask(task, vm, 0)));
  card.append(toggle, body);
  return card;
}

function hasWarnings(task) {
  return (task.tasks ?? []).some((c) => (c.warnings ?? []).length > 0 || hasWarnings(c));
}

function renderLog(log) {
  const out = [];
  if (!log || typeof log !== 'object' || Array.isArray(log)) {
    if (Array.isArray(log) && log.length) return renderLog(log[log.length - 1]);
    return [el('p', { class: 'notice', text: 'This is not a backup-job log (an object with "message": "backup" and "tasks").' })];
  }
  const tasks = Array.isArray(log.tasks) ? log.tasks : [];
  const vmTasks = tasks.filter((t) => t?.data?.type === 'VM' || t?.message === 'backup VM');
  const others = tasks.filter((t) => !vmTasks.includes(t));
  const count = (s) => vmTasks.filter((t) => t.status === s).length;
  const dur = Number.isFinite(log.end) && Number.isFinite(log.start) ? formatDuration(log.end - log.start) : '';

  const head = el(
    'div',
    { class: 'job-head panel' },
    el(
      'div',
      { class: 'job-title' },
      el('h2', { text: String(log.jobName ?? 'Backup job') }),
      statusBadge(log.status),
    ),
    el(
      'dl',
      { class: 'job-facts' },
      fact('Mode', log.data?.mode ?? '—'),
      fact('Started', formatDate(log.start)),
      fact('Duration', dur || '—'),
      fact('VMs', `${vmTasks.length}: ${count('success')} ok, ${count('failure') + count('interrupted')} failed, ${count('skipped')} skipped`),
      fact('Run id', String(log.id ?? '—'), true),
    ),
  );
  out.push(head);

  // A run-level summary from one diagnosis of the whole log.
  let d = null;
  try {
    d = app.doctor.diagnose(log);
  } catch {
    d = null;
  }
  if (d && d.findings.length) {
    const list = el('ul', { class: 'summary-list' });
    for (const f of d.findings) {
      const target = vmTasks.find((t) => t.data?.id && t.data.id === f.subject.vmUuid);
      const li = el(
        'li',
        { class: `sev-${f.severity}` },
        badge(f.severity, f.severity[0].toUpperCase() + f.severity.slice(1)),
        el('span', { class: 'summary-vm', text: f.subject.vmName ?? (f.subject.vmUuid ? shortId(f.subject.vmUuid) : 'job') }),
        el('span', { class: 'summary-title', text: f.title }),
        el('span', { class: 'muted small', text: f.subject.task ? `at ${f.subject.task}` : '' }),
      );
      if (!target) li.append(el('span'));
      else {
        li.append(
          el('button', {
            type: 'button',
            class: 'link-button',
            text: 'Show',
            'aria-label': `Show ${f.subject.vmName ?? 'the VM'}`,
            onclick: () => {
              const card = view.querySelector(`[data-vm="${CSS.escape(target.data.id)}"]`);
              const head = card?.querySelector('.vm-head');
              if (head?.getAttribute('aria-expanded') === 'false') head.click();
              card?.scrollIntoView({ behavior: 'smooth', block: 'start' });
              head?.focus({ preventScroll: true });
            },
          }),
        );
      }
      list.append(li);
    }
    out.push(el('section', { class: 'panel run-summary', 'aria-label': 'What went wrong' }, el('h3', { text: `What went wrong (${d.findings.length})` }), list));
  }

  for (const w of log.warnings ?? []) out.push(el('p', { class: 'task-msg warn' }, icon('warning'), String(w.message ?? '')));
  if (tasks.length === 0 && failed(log) && errorMessage(log.result) !== null) {
    const widget = document.createElement('xapi-diagnosis');
    widget.input = log;
    out.push(el('div', { class: 'panel' }, el('div', { class: 'task-msg error' }, el('span', { class: 'task-msg-label', text: 'Error:' }), el('span', { class: 'mono', text: errorMessage(log.result) })), widget));
  }
  out.push(el('div', { class: 'vm-list' }, ...vmTasks.map(renderVm)));
  if (others.length) {
    out.push(el('h3', { class: 'sub', text: 'Other tasks' }), el('ul', { class: 'tasks panel' }, ...others.map((t) => renderTask(t, {}, 0))));
  }
  return out;
}

function fact(k, v, mono) {
  return el('div', null, el('dt', { text: k }), el('dd', { class: mono ? 'mono' : null, text: v }));
}

async function show(src) {
  source = src;
  let text;
  try {
    if (src.sample) {
      const r = await fetch(src.sample);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      text = await r.text();
      select.value = src.sample;
    } else {
      text = src.text;
      select.value = '';
    }
    let log;
    const trimmed = text.trim();
    try {
      log = JSON.parse(trimmed);
    } catch (error) {
      // An NDJSON export (one log a line): show the last run.
      const lines = trimmed.split('\n').filter((l) => l.trim());
      if (lines.length < 2) throw error;
      log = JSON.parse(lines[lines.length - 1]);
    }
    view.replaceChildren(...renderLog(log));
  } catch (error) {
    view.replaceChildren(el('p', { class: 'notice problem', role: 'alert', text: `The log could not be read: ${error.message}` }));
  }
  await share();
}

async function share() {
  const params = {};
  if (source?.sample) params.log = source.sample;
  else if (source?.text) {
    const packed = await pack(source.text);
    if (packed.length <= MAX_SHARED) params.in = packed;
  }
  if (!root.hidden) writeHash('backup', params);
  shownKey = new URLSearchParams(params).toString();
}

export default {
  title: 'Backup log',
  mount(section, theApp) {
    app = theApp;
    root = section;
    view = section.querySelector('#backup-view');
    select = section.querySelector('#backup-sample');
    select.append(el('option', { value: '', text: 'Your log', disabled: true }));
    select.addEventListener('change', () => select.value && show({ sample: select.value }));
    section.querySelector('#backup-open').addEventListener('click', () => section.querySelector('#backup-file').click());
    section.querySelector('#backup-file').addEventListener('change', async (e) => {
      const file = e.target.files?.[0];
      if (file) show({ text: await file.text() });
      e.target.value = '';
    });
  },
  async enter(params) {
    const key = params.toString();
    if (key && key === shownKey) return;
    if (params.get('log') && SAMPLES.includes(params.get('log'))) return show({ sample: params.get('log') });
    if (params.get('in')) {
      const text = await unpack(params.get('in'));
      if (text !== null) return show({ text });
    }
    if (source) return share();
    return show({ sample: SAMPLES[0] });
  },
  handoff(data) {
    if (data?.text) {
      source = { text: data.text };
      shownKey = null;
      show(source);
    }
  },
};
