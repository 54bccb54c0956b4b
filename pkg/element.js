// <xapi-diagnosis>: a framework-free custom element that shows xapi-doctor's diagnosis of an
// error, a log excerpt or a Xen Orchestra backup-log task inline, in its own Shadow DOM.
//
//   import 'xapi-doctor/element';
//   <xapi-diagnosis error="SR_BACKEND_FAILURE_44(, There is insufficient space, )"></xapi-diagnosis>
//   el.input = task.result;  el.context = { vmUuid, srUuid, srType };
//
// Everything that comes from the input is rendered as text (textContent, never innerHTML);
// links are kept only when they are http: or https:. Styles are a constructed stylesheet (no
// inline <style>, so the element works under a strict Content-Security-Policy). The WebAssembly
// module is loaded once per page, however many elements there are. See docs/element.md.
import init, { diagnose } from './web.js';

const TAG = 'xapi-diagnosis';

// One shared load for the whole page (web.js's init() is idempotent too; this keeps one promise).
let loading = null;
function load() {
  if (loading === null) {
    loading = init().catch((error) => {
      loading = null; // a later element may retry, e.g. after a network error
      throw error;
    });
  }
  return loading;
}

const SEVERITY = {
  critical: { label: 'Critical', rank: 0 },
  error: { label: 'Error', rank: 1 },
  warning: { label: 'Warning', rank: 2 },
  info: { label: 'Info', rank: 3 },
};

const KIND_LABEL = {
  xapi_error: 'XAPI error',
  xo_error: 'Xen Orchestra error',
  xo_log: 'Xen Orchestra backup log',
  smlog: 'SMlog',
  records: 'pool records',
  text: 'text',
  empty: 'empty input',
};

const CSS = `
:host {
  --_fg: var(--xd-fg, #1b2430);
  --_bg: var(--xd-bg, #ffffff);
  --_muted: var(--xd-muted, #5a6472);
  --_border: var(--xd-border, #d5dbe3);
  --_subtle: var(--xd-subtle-bg, #f5f7fa);
  --_code-bg: var(--xd-code-bg, #f0f3f7);
  --_accent: var(--xd-accent, #1f5fbf);
  --_mark: var(--xd-mark, #fff1b8);
  --_critical: var(--xd-critical, #8f1d2c);
  --_error: var(--xd-error, #c0392b);
  --_warning: var(--xd-warning, #a35c00);
  --_info: var(--xd-info, #1f5fbf);
  --_ok: var(--xd-ok, #1e7a45);
  display: block;
  font: var(--xd-font-size, 14px)/1.5 var(--xd-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  color: var(--_fg);
}
:host([hidden]) { display: none; }
@media (prefers-color-scheme: dark) {
  :host(:not([theme=light])) {
    --_fg: var(--xd-fg, #e3e8ef); --_bg: var(--xd-bg, #161b22); --_muted: var(--xd-muted, #9aa6b4);
    --_border: var(--xd-border, #333d4a); --_subtle: var(--xd-subtle-bg, #1d242d); --_code-bg: var(--xd-code-bg, #0f1419);
    --_accent: var(--xd-accent, #6aa6ff); --_mark: var(--xd-mark, #5a4a0a);
    --_critical: var(--xd-critical, #ff7b8a); --_error: var(--xd-error, #ff8a7a); --_warning: var(--xd-warning, #f0b54a);
    --_info: var(--xd-info, #7ab3ff); --_ok: var(--xd-ok, #5fd08e);
  }
}
:host([theme=dark]) {
  --_fg: var(--xd-fg, #e3e8ef); --_bg: var(--xd-bg, #161b22); --_muted: var(--xd-muted, #9aa6b4);
  --_border: var(--xd-border, #333d4a); --_subtle: var(--xd-subtle-bg, #1d242d); --_code-bg: var(--xd-code-bg, #0f1419);
  --_accent: var(--xd-accent, #6aa6ff); --_mark: var(--xd-mark, #5a4a0a);
  --_critical: var(--xd-critical, #ff7b8a); --_error: var(--xd-error, #ff8a7a); --_warning: var(--xd-warning, #f0b54a);
  --_info: var(--xd-info, #7ab3ff); --_ok: var(--xd-ok, #5fd08e);
}
* { box-sizing: border-box; }
.root { display: grid; gap: 8px; }
.status { color: var(--_muted); font-size: .93em; margin: 0; }
.status.problem { color: var(--_error); }
.finding {
  border: 1px solid var(--_border);
  border-left: 4px solid var(--_sev);
  border-radius: var(--xd-radius, 6px);
  background: var(--_bg);
  padding: 10px 12px;
  min-width: 0;
}
.finding[data-severity=critical] { --_sev: var(--_critical); }
.finding[data-severity=error] { --_sev: var(--_error); }
.finding[data-severity=warning] { --_sev: var(--_warning); }
.finding[data-severity=info] { --_sev: var(--_info); }
.head { display: flex; align-items: flex-start; gap: 8px; flex-wrap: wrap; }
.sev {
  display: inline-flex; align-items: center; gap: 4px; flex: none;
  color: var(--_sev); font-weight: 600; font-size: .8em; letter-spacing: .02em; text-transform: uppercase;
  border: 1px solid currentColor; border-radius: 999px; padding: 0 7px 0 5px; line-height: 1.6; margin-top: 1px;
}
.sev svg { width: 13px; height: 13px; flex: none; }
.title { font-weight: 600; margin: 0; font-size: 1em; flex: 1 1 16em; min-width: 0; overflow-wrap: anywhere; }
.rule { color: var(--_muted); font: .8em/1.9 var(--xd-mono, ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace); flex: none; }
.summary { margin: 4px 0 0; overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 4px 0 0; color: var(--_muted); font-size: .86em; }
.meta span { overflow-wrap: anywhere; }
.meta b { font-weight: 600; color: var(--_fg); }
.codes { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0 0; padding: 0; list-style: none; }
.codes li { font: .8em/1.6 var(--xd-mono, ui-monospace, Menlo, Consolas, monospace); background: var(--_code-bg); border: 1px solid var(--_border); border-radius: 4px; padding: 0 5px; overflow-wrap: anywhere; }
.toggle {
  margin-top: 8px; font: inherit; font-size: .9em; color: var(--_accent); background: none; border: 1px solid var(--_border);
  border-radius: 4px; padding: 2px 10px 2px 8px; cursor: pointer; display: inline-flex; align-items: center; gap: 6px;
}
.toggle:hover { background: var(--_subtle); }
.toggle svg { width: 10px; height: 10px; transition: transform .12s; }
.toggle[aria-expanded=true] svg { transform: rotate(90deg); }
button:focus-visible, a:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
.details { margin-top: 10px; display: grid; gap: 12px; }
.details[hidden] { display: none; }
h4 { margin: 0 0 4px; font-size: .78em; text-transform: uppercase; letter-spacing: .06em; color: var(--_muted); font-weight: 600; }
.cause { margin: 0; overflow-wrap: anywhere; }
ol.steps { margin: 0; padding-left: 1.6em; display: grid; gap: 8px; }
ol.steps li { padding-left: 2px; overflow-wrap: anywhere; }
.cmd { display: flex; align-items: stretch; margin-top: 4px; border: 1px solid var(--_border); border-radius: 4px; background: var(--_code-bg); min-width: 0; }
.cmd code { flex: 1; min-width: 0; padding: 5px 8px; font: .86em/1.5 var(--xd-mono, ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace); white-space: pre-wrap; overflow-wrap: anywhere; }
.cmd code::before { content: "$ "; color: var(--_muted); user-select: none; }
.copy {
  flex: none; font: inherit; font-size: .8em; border: 0; border-left: 1px solid var(--_border); background: none; color: var(--_accent);
  cursor: pointer; padding: 0 10px; display: inline-flex; align-items: center; gap: 4px; border-radius: 0 4px 4px 0;
}
.copy:hover { background: var(--_subtle); }
.copy svg { width: 13px; height: 13px; }
.copy.done { color: var(--_ok); }
.evidence { margin: 0; padding: 0; list-style: none; border: 1px solid var(--_border); border-radius: 4px; background: var(--_code-bg); overflow: auto; max-height: 22em; }
.evidence li { display: grid; grid-template-columns: minmax(3.5em, auto) 1fr; font: .82em/1.55 var(--xd-mono, ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace); }
.evidence li + li { border-top: 1px dashed var(--_border); }
.evidence .ln { color: var(--_muted); text-align: right; padding: 2px 8px; border-right: 1px solid var(--_border); user-select: none; white-space: nowrap; }
.evidence .tx { padding: 2px 8px; white-space: pre-wrap; overflow-wrap: anywhere; min-width: 0; }
code.inline { font: .9em var(--xd-mono, ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace); background: var(--_code-bg); border: 1px solid var(--_border); border-radius: 3px; padding: 0 3px; }
mark { background: var(--_mark); color: inherit; border-radius: 2px; padding: 0 1px; }
ul.links { margin: 0; padding-left: 1.2em; }
ul.links a { color: var(--_accent); overflow-wrap: anywhere; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.more { font: inherit; font-size: .9em; color: var(--_accent); background: none; border: 0; padding: 0; cursor: pointer; text-decoration: underline; justify-self: start; }
`;

let sheet = null;
function styleFor(root) {
  if (typeof Document !== 'undefined' && 'adoptedStyleSheets' in Document.prototype && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    if (sheet === null) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  } else {
    // Older browsers: an inline <style> (blocked by a strict CSP, but those browsers are rare).
    const style = document.createElement('style');
    style.textContent = CSS;
    root.append(style);
  }
}

// --- small DOM helpers: text only, never markup ---------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = {
  critical: [['path', { d: 'M5.2 1h5.6L15 5.2v5.6L10.8 15H5.2L1 10.8V5.2z', fill: 'currentColor' }], ['path', { d: 'M8 4v5M8 11.2v.8', stroke: '#fff', 'stroke-width': '1.8', 'stroke-linecap': 'round' }]],
  error: [['circle', { cx: '8', cy: '8', r: '7', fill: 'currentColor' }], ['path', { d: 'M5.5 5.5l5 5M10.5 5.5l-5 5', stroke: '#fff', 'stroke-width': '1.8', 'stroke-linecap': 'round' }]],
  warning: [['path', { d: 'M8 1.2L15.2 14.5H.8z', fill: 'currentColor', 'stroke-linejoin': 'round' }], ['path', { d: 'M8 6v4M8 12.1v.5', stroke: '#fff', 'stroke-width': '1.7', 'stroke-linecap': 'round' }]],
  info: [['circle', { cx: '8', cy: '8', r: '7', fill: 'currentColor' }], ['path', { d: 'M8 7v4.5M8 4.6v.4', stroke: '#fff', 'stroke-width': '1.8', 'stroke-linecap': 'round' }]],
  chevron: [['path', { d: 'M5 2l6 6-6 6', fill: 'none', stroke: 'currentColor', 'stroke-width': '2' }]],
  copy: [['rect', { x: '5', y: '5', width: '9', height: '10', rx: '1.5', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.5' }], ['path', { d: 'M3 11V2.5C3 1.7 3.7 1 4.5 1H11', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.5' }]],
  check: [['path', { d: 'M2.5 8.5l3.5 3.5 7.5-8', fill: 'none', stroke: 'currentColor', 'stroke-width': '2' }]],
};
function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [tag, attrs] of ICONS[name]) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) shape.setAttribute(k, v);
    svg.append(shape);
  }
  return svg;
}

/** Only absolute http(s) URLs become links. */
export function safeUrl(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Appends `text` to `parent`, wrapping occurrences of `terms` in <mark> (as text nodes). */
function highlighted(parent, text, terms) {
  const wanted = terms.filter((t) => typeof t === 'string' && t.length >= 3);
  if (wanted.length === 0) {
    parent.append(text);
    return parent;
  }
  const escaped = wanted.sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(escaped.join('|'), 'g');
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) parent.append(text.slice(last, m.index));
    parent.append(el('mark', { text: m[0] }));
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
  return parent;
}

/** Text in which `backquoted` spans (as the rules write codes and commands) become <code>, as text nodes. */
function prose(tag, cls, text) {
  const node = el(tag, cls ? { class: cls } : null);
  const parts = String(text).split('`');
  if (parts.length < 3 || parts.length % 2 === 0) {
    node.textContent = String(text);
    return node;
  }
  parts.forEach((p, i) => {
    if (i % 2) node.append(el('code', { class: 'inline', text: p }));
    else if (p) node.append(p);
  });
  return node;
}

async function copyText(text, host) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path (permissions, insecure context)
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'sr-only';
  host.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

function parseJsonAttr(value) {
  if (value === null || value === '') return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

let counter = 0;

// Importing the module where there is no DOM (server-side rendering) defines nothing and does not throw.
const Base = typeof HTMLElement === 'undefined' ? class {} : HTMLElement;

export class XapiDiagnosisElement extends Base {
  static get observedAttributes() {
    return ['error', 'input', 'context', 'expanded', 'compact', 'max-findings'];
  }

  #root;
  #input = null;
  #hasInput = false; // an input was given (attribute or property)
  #options = null;
  #context = null;
  #diagnosis = null;
  #given = null; // a diagnosis set through the property: rendered without running
  #error = null;
  #generation = 0;
  #scheduled = false;
  #busy = false;
  #id = ++counter;
  #open = new Set(); // indexes of findings the user expanded
  #showAll = false;
  #settled = null;
  #resolveSettled = null;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    styleFor(this.#root);
    this.#root.append(el('div', { class: 'root', part: 'root' }));
  }

  connectedCallback() {
    // Properties set before the element was upgraded live on the instance: re-apply them.
    for (const name of ['input', 'options', 'context', 'diagnosis', 'expanded']) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = this[name];
        delete this[name];
        this[name] = value;
      }
    }
    this.#schedule();
  }

  attributeChangedCallback(name, oldValue, value) {
    if (oldValue === value) return;
    if (name === 'error' || name === 'input') {
      if (value === null && !(this.hasAttribute('error') || this.hasAttribute('input'))) {
        this.#input = null;
        this.#hasInput = false;
      } else if (value !== null) {
        this.#input = value;
        this.#hasInput = true;
      }
      this.#given = null;
    } else if (name === 'context') {
      this.#context = parseJsonAttr(value);
    } else if (name === 'expanded' || name === 'compact') {
      this.#open.clear();
    }
    this.#schedule();
  }

  /** The input: a string (error, log excerpt), a parsed JSON value (a XAPI error, an XO task or log) or bytes. */
  get input() {
    return this.#input;
  }
  set input(value) {
    this.#input = value ?? null;
    this.#hasInput = value !== null && value !== undefined;
    this.#given = null;
    this.#schedule();
  }

  /** Options of `diagnose()` (`{ context, maxInputBytes }`). */
  get options() {
    return this.#options;
  }
  set options(value) {
    this.#options = value ?? null;
    this.#schedule();
  }

  /** What the UI knows (`{ vmUuid, vmName, srUuid, srName, srType, hostVersion, product, xoServerVersion }`). */
  get context() {
    return this.#context;
  }
  set context(value) {
    this.#context = value ?? null;
    this.#schedule();
  }

  /** The diagnosis shown. Set it to render a diagnosis you already have (no WebAssembly call). */
  get diagnosis() {
    return this.#diagnosis;
  }
  set diagnosis(value) {
    this.#given = value ?? null;
    this.#schedule();
  }

  /** The findings shown (empty until the diagnosis has run). */
  get findings() {
    return this.#diagnosis?.findings ?? [];
  }

  /** The last error (unusable input, module failed to load), or null. */
  get error() {
    return this.#error;
  }

  get expanded() {
    return this.hasAttribute('expanded');
  }
  set expanded(value) {
    this.toggleAttribute('expanded', Boolean(value));
  }

  /** Resolves with the diagnosis (or null) once the current input has been rendered. */
  get updateComplete() {
    if (!this.#busy) return Promise.resolve(this.#diagnosis);
    if (this.#settled === null) this.#settled = new Promise((r) => (this.#resolveSettled = r));
    return this.#settled;
  }

  #schedule() {
    this.#busy = true;
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) this.#update();
    });
  }

  #effectiveOptions() {
    const options = { ...(this.#options ?? {}) };
    if (this.#context) options.context = { ...(options.context ?? {}), ...this.#context };
    return options;
  }

  async #update() {
    const generation = ++this.#generation;
    this.#error = null;
    let diagnosis = null;
    if (this.#given) {
      const given = this.#given;
      diagnosis = Array.isArray(given) ? { kind: 'text', findings: given, smlog: null } : given;
    } else if (this.#hasInput) {
      this.#renderStatus('Diagnosing…', false);
      try {
        await load();
        if (generation !== this.#generation) return;
        diagnosis = diagnose(this.#input, this.#effectiveOptions());
      } catch (error) {
        if (generation !== this.#generation) return;
        this.#error = error;
        this.#diagnosis = null;
        const what = error && error.code === 'INVALID_JSON' ? 'The input is not valid JSON' : 'The input could not be diagnosed';
        this.#renderStatus(`${what}: ${error && error.message ? error.message : String(error)}`, true);
        this.#emit('xapi-diagnosis-error', { error });
        this.#settle();
        return;
      }
    }
    if (generation !== this.#generation) return;
    if (diagnosis !== this.#diagnosis) {
      this.#open.clear();
      this.#showAll = false;
    }
    this.#diagnosis = diagnosis;
    this.#render();
    if (diagnosis) this.#emit('xapi-diagnosis-ready', { diagnosis });
    this.#settle();
  }

  #settle() {
    this.#busy = false;
    if (this.#resolveSettled) {
      const resolve = this.#resolveSettled;
      this.#settled = null;
      this.#resolveSettled = null;
      resolve(this.#diagnosis);
    }
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #container() {
    const root = this.#root.querySelector('.root');
    root.replaceChildren();
    return root;
  }

  #renderStatus(text, problem) {
    const root = this.#container();
    root.append(el('p', { class: problem ? 'status problem' : 'status', role: problem ? 'alert' : 'status', part: 'status', text }));
  }

  #render() {
    const d = this.#diagnosis;
    const root = this.#container();
    root.setAttribute('aria-busy', 'false');
    if (!d) return;
    const findings = Array.isArray(d.findings) ? d.findings : [];
    this.dataset.count = String(findings.length);
    this.dataset.severity = findings[0]?.severity ?? 'none';
    if (findings.length === 0) {
      const kind = KIND_LABEL[d.kind] ?? 'input';
      const text = d.kind === 'empty' ? 'Nothing to diagnose.' : `No known snapshot or backup problem recognised in this ${kind}.`;
      root.append(el('p', { class: 'status', part: 'status', text }));
      return;
    }
    const max = Number.parseInt(this.getAttribute('max-findings') ?? '', 10);
    const limit = Number.isFinite(max) && max > 0 && !this.#showAll ? max : findings.length;
    findings.slice(0, limit).forEach((f, i) => root.append(this.#finding(f, i)));
    if (limit < findings.length) {
      const more = el('button', { type: 'button', class: 'more', text: `Show ${findings.length - limit} more finding${findings.length - limit > 1 ? 's' : ''}` });
      more.addEventListener('click', () => {
        this.#showAll = true;
        this.#render();
        this.#root.querySelectorAll('.finding')[limit]?.querySelector('button')?.focus();
      });
      root.append(more);
    }
  }

  #finding(f, index) {
    const severity = SEVERITY[f.severity] ? f.severity : 'error';
    const expanded = this.hasAttribute('expanded') ? !this.#open.has(index) : this.#open.has(index);
    const detailsId = `xd-${this.#id}-${index}`;
    const article = el('article', { class: 'finding', part: 'finding', 'data-severity': severity, 'data-rule': f.rule, 'aria-labelledby': `${detailsId}-t` });

    const sev = el('span', { class: 'sev', part: 'severity' }, icon(severity), SEVERITY[severity].label);
    const head = el(
      'div',
      { class: 'head' },
      sev,
      el('h3', { class: 'title', id: `${detailsId}-t`, part: 'title', text: String(f.title ?? '') }),
      el('span', { class: 'rule', title: f.ruleName ?? '', text: String(f.rule ?? '') }),
    );
    article.append(head);
    if (f.summary) {
      const summary = prose('p', 'summary', f.summary);
      summary.setAttribute('part', 'summary');
      article.append(summary);
    }

    const meta = subjectLine(f.subject);
    if (meta) article.append(meta);

    const steps = Array.isArray(f.remediation) ? f.remediation : [];
    const toggle = el('button', { type: 'button', class: 'toggle', part: 'toggle', 'aria-expanded': String(expanded), 'aria-controls': detailsId });
    toggle.append(icon('chevron'), el('span', { text: expanded ? 'Hide details' : steps.length ? `What to do (${steps.length} step${steps.length > 1 ? 's' : ''})` : 'Details' }));
    article.append(toggle);

    const details = el('div', { class: 'details', id: detailsId, part: 'details' });
    details.hidden = !expanded;
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      toggle.lastChild.textContent = open ? 'Hide details' : steps.length ? `What to do (${steps.length} step${steps.length > 1 ? 's' : ''})` : 'Details';
      details.hidden = !open;
      const defaultOpen = this.hasAttribute('expanded');
      if (open !== defaultOpen) this.#open.add(index);
      else this.#open.delete(index);
      this.#emit('xapi-diagnosis-toggle', { rule: f.rule, expanded: open });
    });

    if (Array.isArray(f.codes) && f.codes.length) {
      details.append(el('ul', { class: 'codes', 'aria-label': 'Error codes' }, ...f.codes.map((c) => el('li', { text: String(c) }))));
    }
    if (f.cause) details.append(el('section', null, el('h4', { text: 'Why' }), prose('p', 'cause', f.cause)));
    if (steps.length) {
      const ol = el('ol', { class: 'steps', part: 'steps' });
      for (const s of steps) {
        const li = el('li', null, prose('span', null, s.text ?? ''));
        if (s.command) li.append(this.#command(String(s.command)));
        ol.append(li);
      }
      details.append(el('section', null, el('h4', { text: 'What to do' }), ol));
    }
    const evidence = Array.isArray(f.evidence) ? f.evidence : [];
    if (evidence.length) {
      const terms = [...(f.codes ?? []), f.params?.reason, f.params?.opterr].filter(Boolean).map(String);
      const ul = el('ul', { class: 'evidence', part: 'evidence', 'aria-label': 'Evidence from the input' });
      for (const e of evidence) {
        const ln = e.line != null ? `${e.line}` : '·';
        const li = el('li', null, el('span', { class: 'ln', title: e.line != null ? `line ${e.line}${e.pid != null ? `, pid ${e.pid}` : ''}` : '', text: ln }));
        li.append(highlighted(el('span', { class: 'tx' }), String(e.text ?? ''), terms));
        ul.append(li);
      }
      details.append(el('section', null, el('h4', { text: evidence.length > 1 ? `Evidence (${evidence.length} lines)` : 'Evidence' }), ul));
    }
    const links = (Array.isArray(f.links) ? f.links : []).map((l) => ({ title: String(l.title ?? l.url ?? ''), url: safeUrl(l.url) })).filter((l) => l.url);
    if (links.length) {
      details.append(
        el(
          'section',
          null,
          el('h4', { text: 'Read more' }),
          el('ul', { class: 'links' }, ...links.map((l) => el('li', null, el('a', { href: l.url, target: '_blank', rel: 'noopener noreferrer', text: l.title })))),
        ),
      );
    }
    if (f.confidence && f.confidence !== 'high') {
      details.append(el('p', { class: 'status', text: f.confidence === 'medium' ? 'Confidence: medium (the code was found in free text).' : 'Confidence: low (only a description matched).' }));
    }
    article.append(details);
    return article;
  }

  #command(command) {
    const live = el('span', { class: 'sr-only', 'aria-live': 'polite' });
    const label = el('span', { text: 'Copy' });
    const button = el('button', { type: 'button', class: 'copy', part: 'copy', 'aria-label': `Copy command: ${command}` }, icon('copy'), label);
    button.addEventListener('click', async () => {
      const ok = await copyText(command, this.#root.querySelector('.root'));
      button.classList.toggle('done', ok);
      button.replaceChildren(icon(ok ? 'check' : 'copy'), label);
      label.textContent = ok ? 'Copied' : 'Select & copy';
      live.textContent = ok ? 'Command copied to the clipboard' : 'Copy failed: select the command and copy it';
      this.#emit('xapi-diagnosis-copy', { command, ok });
      setTimeout(() => {
        button.classList.remove('done');
        button.replaceChildren(icon('copy'), label);
        label.textContent = 'Copy';
      }, 1600);
    });
    return el('div', { class: 'cmd', part: 'command' }, el('code', { text: command }), button, live);
  }
}

function subjectLine(s) {
  if (!s || typeof s !== 'object') return null;
  const parts = [];
  const add = (label, value) => {
    if (value !== null && value !== undefined && value !== '') parts.push(el('span', null, `${label} `, el('b', { text: String(value) })));
  };
  add('VM', s.vmName ?? s.vmUuid);
  if (s.task) add('task', s.taskStatus ? `${s.task} (${s.taskStatus})` : s.task);
  add('SR', s.srName ?? s.srUuid);
  add('disk', s.vdiUuid);
  add('host', s.host);
  add('job', s.jobName);
  return parts.length ? el('div', { class: 'meta', part: 'subject' }, ...parts) : null;
}

/** Loads the WebAssembly module (shared by every element; idempotent). */
export function ready() {
  return load();
}

if (typeof customElements !== 'undefined' && !customElements.get(TAG)) {
  customElements.define(TAG, XapiDiagnosisElement);
}
