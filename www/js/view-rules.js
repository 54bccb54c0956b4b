// Rule browser, generated from listRules(). State in the hash: `q`, `cat`, `sev`, `rule` (open).
import { el, badge, icon, debounce } from './dom.js';
import { writeHash } from './state.js';

const SEV_LABEL = { critical: 'Critical', error: 'Error', warning: 'Warning', info: 'Info' };

let app;
let root;
let rules = [];
let list;
let q;
let cat;
let sev;
let count;
const open = new Set();

/** Text with `code` spans (from the registry's Markdown-ish trigger text), as DOM text nodes. */
function withCode(text) {
  const parts = String(text).split('`');
  return parts.map((p, i) => (i % 2 ? el('code', { text: p }) : p));
}

function exampleInput(example) {
  try {
    const v = JSON.parse(example);
    if (v && typeof v === 'object' && !Array.isArray(v) && 'input' in v) {
      const text = typeof v.input === 'string' ? v.input : JSON.stringify(v.input, null, 2);
      return { text, context: v.options?.context ?? null };
    }
  } catch {
    // plain text example
  }
  return { text: example, context: null };
}

function ruleCard(r) {
  const id = `rule-${r.id}`;
  const expanded = open.has(r.id);
  const card = el('article', { class: `rule-card sev-${r.severity}`, id, 'data-rule': r.id });
  const head = el(
    'button',
    { type: 'button', class: 'rule-head', 'aria-expanded': String(expanded), 'aria-controls': `${id}-body` },
    icon('chevron', 'icon chevron'),
    el('span', { class: 'rule-id mono', text: r.id }),
    el('span', { class: 'rule-title', text: r.title }),
    el('span', { class: 'rule-cat', text: r.category.replace(/_/g, ' ') }),
    badge(r.severity, SEV_LABEL[r.severity] ?? r.severity),
  );
  const ex = exampleInput(r.example);
  const body = el(
    'div',
    { class: 'rule-body', id: `${id}-body` },
    el('p', { text: r.description }),
    el('dl', { class: 'rule-facts' }, el('dt', { text: 'Name' }), el('dd', null, el('code', { text: r.name })), el('dt', { text: 'Triggered by' }), el('dd', null, ...withCode(r.trigger)), el('dt', { text: 'Example' }), el('dd', null, el('pre', { class: 'example', text: ex.text }))),
    el('button', {
      type: 'button',
      class: 'button',
      text: 'Diagnose this example',
      onclick: () => app.go('diagnose', { text: ex.text, context: ex.context }),
    }),
  );
  body.hidden = !expanded;
  head.addEventListener('click', () => {
    const o = head.getAttribute('aria-expanded') !== 'true';
    head.setAttribute('aria-expanded', String(o));
    body.hidden = !o;
    if (o) open.add(r.id);
    else open.delete(r.id);
    share();
  });
  card.append(head, body);
  return card;
}

function matches(r, words) {
  const hay = `${r.id} ${r.name} ${r.title} ${r.category} ${r.trigger} ${r.description}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

function render() {
  const words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = rules.filter((r) => (!cat.value || r.category === cat.value) && (!sev.value || r.severity === sev.value) && matches(r, words));
  list.replaceChildren(...(shown.length ? shown.map(ruleCard) : [el('p', { class: 'notice', text: 'No rule matches.' })]));
  count.textContent = shown.length === rules.length ? `${rules.length} rules.` : `${shown.length} of ${rules.length} rules shown.`;
}

function share() {
  if (root.hidden) return;
  writeHash('rules', { q: q.value.trim(), cat: cat.value, sev: sev.value, rule: [...open].join(',') });
}

export default {
  title: 'Rules',
  mount(section, theApp) {
    app = theApp;
    root = section;
    rules = app.doctor.listRules();
    list = section.querySelector('#rules-list');
    q = section.querySelector('#rules-q');
    cat = section.querySelector('#rules-cat');
    sev = section.querySelector('#rules-sev');
    count = section.querySelector('#rules-count');
    for (const c of [...new Set(rules.map((r) => r.category))].sort()) cat.append(el('option', { value: c, text: c.replace(/_/g, ' ') }));
    const update = debounce(() => {
      render();
      share();
    }, 80);
    q.addEventListener('input', update);
    cat.addEventListener('change', update);
    sev.addEventListener('change', update);
  },
  enter(params) {
    q.value = params.get('q') ?? q.value;
    if (params.has('cat')) cat.value = params.get('cat');
    if (params.has('sev')) sev.value = params.get('sev');
    if (params.has('rule')) {
      open.clear();
      for (const id of params.get('rule').split(',')) if (id) open.add(id);
    }
    render();
    share();
    const first = params.get('rule')?.split(',')[0];
    if (first) document.getElementById(`rule-${first}`)?.scrollIntoView({ block: 'start' });
  },
};
