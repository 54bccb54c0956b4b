// DOM helpers for the demo page. Text from inputs is only ever set as text (textContent,
// attribute values), never parsed as markup.

/** Creates an element: el('p', { class: 'x', text: 'hello' }, child, …). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) setAttrs(node, attrs);
  append(node, children);
  return node;
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.setAttribute('class', v);
    else if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Creates an SVG element with attributes (values are set as attribute text). */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

const ICON_PATHS = {
  success: [['circle', { cx: 8, cy: 8, r: 7, fill: 'currentColor' }], ['path', { d: 'M4.8 8.3l2.2 2.2 4.3-4.6', fill: 'none', stroke: '#fff', 'stroke-width': 1.8, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
  failure: [['circle', { cx: 8, cy: 8, r: 7, fill: 'currentColor' }], ['path', { d: 'M5.5 5.5l5 5M10.5 5.5l-5 5', stroke: '#fff', 'stroke-width': 1.8, 'stroke-linecap': 'round' }]],
  skipped: [['circle', { cx: 8, cy: 8, r: 7, fill: 'currentColor' }], ['path', { d: 'M5 8h6M8.5 5.3L11.2 8l-2.7 2.7', fill: 'none', stroke: '#fff', 'stroke-width': 1.7, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }]],
  warning: [['path', { d: 'M8 1.2L15.2 14.5H.8z', fill: 'currentColor' }], ['path', { d: 'M8 6v4M8 12.1v.5', stroke: '#fff', 'stroke-width': 1.7, 'stroke-linecap': 'round' }]],
  info: [['circle', { cx: 8, cy: 8, r: 7, fill: 'currentColor' }], ['path', { d: 'M8 7v4.5M8 4.6v.4', stroke: '#fff', 'stroke-width': 1.8, 'stroke-linecap': 'round' }]],
  critical: [['path', { d: 'M5.2 1h5.6L15 5.2v5.6L10.8 15H5.2L1 10.8V5.2z', fill: 'currentColor' }], ['path', { d: 'M8 4v5M8 11.2v.8', stroke: '#fff', 'stroke-width': 1.8, 'stroke-linecap': 'round' }]],
  pending: [['circle', { cx: 8, cy: 8, r: 6.2, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6 }], ['path', { d: 'M8 4.5V8l2.3 1.5', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6, 'stroke-linecap': 'round' }]],
  chevron: [['path', { d: 'M5 2l6 6-6 6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 }]],
};
ICON_PATHS.error = ICON_PATHS.failure;
ICON_PATHS.interrupted = ICON_PATHS.failure;

/** A small inline icon (decorative: aria-hidden; always paired with a text label). */
export function icon(name, cls = 'icon') {
  const paths = ICON_PATHS[name] ?? ICON_PATHS.info;
  return svg('svg', { viewBox: '0 0 16 16', class: cls, 'aria-hidden': 'true', focusable: 'false' }, ...paths.map(([t, a]) => svg(t, a)));
}

/** A status/severity badge: icon + text, colour from the class (never colour alone). */
export function badge(kind, label) {
  return el('span', { class: `badge badge-${kind}` }, icon(kind.replace(/^status-/, '')), label);
}

export function formatBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  n = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${n < 0 ? '-' : ''}${s} ${units[i]}`;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export function formatDate(ms) {
  if (!Number.isFinite(ms)) return '';
  return dateFormat.format(new Date(ms));
}

export function formatNumber(n) {
  return Number(n).toLocaleString('en-US');
}

/** Shortens a uuid for display: the first 8 characters (the full value goes in a title). */
export function shortId(id) {
  return typeof id === 'string' && id.length > 13 ? id.slice(0, 8) : String(id ?? '');
}

export function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** Reads a File as text (for small JSON files). */
export function readText(file) {
  return file.text();
}

/** Chain depth against the storage manager's limit of 30. */
export function depthMeter(depth, limit = 30) {
  const level = depth >= limit ? 'critical' : depth >= limit - 5 ? 'warning' : 'ok';
  const m = el('meter', { min: 0, max: limit, low: limit - 5, high: limit - 1, optimum: 0, value: Math.min(depth, limit) });
  return el('span', { class: `depth depth-${level}` }, m, el('span', { text: `${depth} of ${limit}` }));
}

