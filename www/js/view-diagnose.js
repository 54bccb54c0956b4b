// Diagnose view: paste anything, see the diagnosis as you type. State in the hash:
// `in` (the text, packed), `ex` (a sample id, when the text is that sample), `ctx` (context JSON, packed).
import { el, debounce } from './dom.js';
import { writeHash, pack, unpack, MAX_SHARED } from './state.js';
import { SAMPLES, ALL_SAMPLES, sampleText } from './samples.js';

const KIND = {
  xapi_error: 'XAPI error',
  xo_error: 'Xen Orchestra error',
  xo_log: 'Xen Orchestra backup log',
  smlog: 'SMlog',
  records: 'pool records',
  text: 'free text',
  empty: 'empty',
};
const CONTEXT_FIELDS = ['vmUuid', 'vmName', 'srUuid', 'srName', 'srType', 'hostVersion', 'xoServerVersion'];

let app;
let root;
let textarea;
let result;
let status;
let kindLabel;
let hint;
let sampleSelect;
let sampleId = '';
let lastHash = null;
let loadedParams = null;

function context() {
  const ctx = {};
  for (const f of CONTEXT_FIELDS) {
    const v = root.querySelector(`#ctx-${f}`).value.trim();
    if (v) ctx[f] = v;
  }
  return ctx;
}

function run() {
  const text = textarea.value;
  hint.replaceChildren();
  if (text.trim() === '') {
    result.diagnosis = null;
    status.textContent = 'Paste an error or a log, or pick an example above.';
    kindLabel.textContent = '';
    return;
  }
  let d;
  const t0 = performance.now();
  try {
    d = app.doctor.diagnose(text, { context: context() });
  } catch (error) {
    result.diagnosis = null;
    kindLabel.textContent = '';
    status.textContent = `${error.code ?? 'Error'}: ${error.message}`;
    status.className = 'status-line problem';
    return;
  }
  const ms = performance.now() - t0;
  status.className = 'status-line';
  const n = d.findings.length;
  const parts = [`Recognised as ${KIND[d.kind] ?? d.kind}`, `${n} finding${n === 1 ? '' : 's'}`, `${ms < 1 ? ms.toFixed(2) : ms.toFixed(1)} ms`];
  if (d.smlog) parts.splice(1, 0, `${d.smlog.stats.lines.toLocaleString('en-US')} lines (${d.smlog.stats.unparsedLines} not SMlog)`);
  status.textContent = parts.join(' · ');
  kindLabel.textContent = KIND[d.kind] ?? d.kind;
  result.diagnosis = d;

  if (d.kind === 'xo_log') {
    hint.append(handoffHint('This is a backup-job log.', 'Show it as a job run', () => app.go('backup', { text })));
  } else if (d.kind === 'records') {
    hint.append(handoffHint('These are pool records.', 'Draw the VDI chains', () => app.go('chains', { text })));
  } else if (d.kind === 'smlog') {
    hint.append(handoffHint('These are SMlog lines.', 'See the coalesce summary and the timeline', () => app.go('smlog', { text })));
  }
}

function handoffHint(text, action, onclick) {
  return el('p', { class: 'hint' }, text, ' ', el('button', { type: 'button', class: 'link-button', text: `${action} →`, onclick }));
}

const share = debounce(async () => {
  const params = {};
  const text = textarea.value;
  if (sampleId && (await sampleText(sampleId)) === text) params.ex = sampleId;
  else if (text) {
    const packed = await pack(text);
    if (packed.length <= MAX_SHARED) params.in = packed;
  }
  const ctx = context();
  if (Object.keys(ctx).length) params.ctx = await pack(JSON.stringify(ctx));
  if (!root.hidden) writeHash('diagnose', params);
  lastHash = location.hash;
}, 250);

function onInput() {
  if (sampleId && sampleSelect.value && textarea.dataset.sample !== textarea.value) {
    sampleId = '';
    sampleSelect.value = '';
  }
  run();
  share();
}

async function loadSample(id) {
  const text = await sampleText(id);
  if (text === null) return;
  sampleId = id;
  sampleSelect.value = id;
  textarea.value = text;
  textarea.dataset.sample = text;
  run();
  share();
}

async function applyParams(params) {
  const ctx = params.get('ctx') ? JSON.parse((await unpack(params.get('ctx'))) ?? '{}') : {};
  for (const f of CONTEXT_FIELDS) root.querySelector(`#ctx-${f}`).value = typeof ctx[f] === 'string' ? ctx[f] : '';
  if (Object.keys(ctx).length) root.querySelector('#context-box').open = true;
  if (params.get('ex') && ALL_SAMPLES.some((s) => s.id === params.get('ex'))) {
    await loadSample(params.get('ex'));
    return;
  }
  if (params.get('in')) {
    const text = await unpack(params.get('in'));
    if (text !== null) {
      sampleId = '';
      sampleSelect.value = '';
      textarea.value = text;
    }
  }
  run();
  share();
}

export default {
  title: 'Diagnose',
  mount(section, theApp) {
    app = theApp;
    root = section;
    textarea = section.querySelector('#paste');
    result = section.querySelector('#paste-result');
    status = section.querySelector('#paste-status');
    kindLabel = section.querySelector('#paste-kind');
    hint = section.querySelector('#paste-hint');
    sampleSelect = section.querySelector('#sample');
    sampleSelect.append(el('option', { value: '', text: 'Choose an example…' }));
    for (const g of SAMPLES) {
      sampleSelect.append(el('optgroup', { label: g.group }, ...g.items.map((s) => el('option', { value: s.id, text: s.label }))));
    }
    sampleSelect.addEventListener('change', () => sampleSelect.value && loadSample(sampleSelect.value));
    textarea.addEventListener('input', onInput);
    for (const f of CONTEXT_FIELDS) {
      const input = section.querySelector(`#ctx-${f}`);
      input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', () => {
        run();
        share();
      });
    }
    run();
  },
  async enter(params) {
    // A new link (or first visit) carries state; a plain tab switch keeps what is on screen.
    if (location.hash === lastHash) return;
    const key = params.toString();
    if (key && key !== loadedParams) {
      loadedParams = key;
      await applyParams(params);
    } else if (!key && textarea.value === '' && loadedParams === null) {
      loadedParams = '';
      await loadSample('xe-cli');
    } else {
      share();
    }
  },
  handoff(data) {
    if (data?.text !== undefined) {
      textarea.value = data.text;
      sampleId = '';
      sampleSelect.value = '';
      if (data.context !== undefined) {
        const ctx = data.context ?? {};
        for (const f of CONTEXT_FIELDS) root.querySelector(`#ctx-${f}`).value = typeof ctx[f] === 'string' ? ctx[f] : '';
        root.querySelector('#context-box').open = Object.keys(ctx).length > 0;
      }
      loadedParams = '';
      run();
    }
  },
};
