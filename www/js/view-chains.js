// VDI chains view: paste or load the pool's records; checkVdiChains() gives each VM's verdict
// under Xen Orchestra's chain protection, and each disk's chain is drawn as an SVG tree with the
// base copies pending coalesce and the node that trips the protection marked; planSnapshotSpace()
// tells whether a snapshot of the VM fits on its SRs. State in the hash: `ex=1` (the bundled
// example) or `in` (records, packed), `tol`, `conc`.
import { el, svg, badge, icon, depthMeter, formatBytes, formatNumber, shortId, debounce } from './dom.js';
import { writeHash, pack, unpack, MAX_SHARED } from './state.js';

const EXAMPLE = 'samples/chain-records.json';

let app;
let root;
let out;
let textarea;
let tolInput;
let concInput;
let hostInput;
let sourceLabel;
let fromExample = false;
let shownRules = new Set(); // rules of the report's findings, shown once at the top
let shownKey = null;

// --- the records as the user gave them (XAPI maps keyed by ref, or xo-server arrays) ----------
function indexRecords(records) {
  const tables = {};
  for (const name of ['VM', 'VBD', 'VDI', 'SR']) {
    const t = records?.[name];
    const list = Array.isArray(t) ? t.map((r) => [null, r]) : t && typeof t === 'object' ? Object.entries(t) : [];
    const byId = new Map();
    for (const [key, r] of list) {
      if (!r || typeof r !== 'object') continue;
      for (const id of [key, r.uuid, r.id, r.$ref, r._xapiRef]) if (typeof id === 'string' && id) byId.set(id, r);
    }
    tables[name] = { list: list.map(([, r]) => r).filter((r) => r && typeof r === 'object'), byId };
  }
  return tables;
}

function srOf(vdi, t) {
  return t.SR.byId.get(vdi?.SR) ?? t.SR.byId.get(vdi?.$SR) ?? null;
}

// --- chain picture ------------------------------------------------------------------------------
const NODE_W = 168;
const NODE_H = 50;
const GAP_X = 14;
const GAP_Y = 30;
const KIND_ORDER = { base_copy: 0, missing: 0, snapshot: 1, leaf: 2 };

function flagsOf(n) {
  return new Set(n.flags ?? []);
}

/** Lays out the trees rooted at `roots` (ids) and draws them as one SVG. */
function chainPicture(roots, graph, vm, highlight) {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const children = new Map();
  for (const e of graph.edges) {
    if (!children.has(e.to)) children.set(e.to, []);
    children.get(e.to).push(e.from);
  }
  const placed = new Map(); // id -> { x, y, node }
  let cursor = 0;
  let maxDepth = 0;
  const seen = new Set();
  const layout = (id, depth) => {
    if (seen.has(id)) return null; // a loop: drawn once
    seen.add(id);
    maxDepth = Math.max(maxDepth, depth);
    const kids = (children.get(id) ?? []).slice().sort((a, b) => (KIND_ORDER[nodes.get(a)?.kind] ?? 3) - (KIND_ORDER[nodes.get(b)?.kind] ?? 3) || String(a).localeCompare(String(b)));
    const xs = kids.map((k) => layout(k, depth + 1)).filter((x) => x !== null);
    let x;
    if (xs.length === 0) {
      x = cursor;
      cursor += NODE_W + GAP_X;
    } else x = (xs[0] + xs[xs.length - 1]) / 2;
    placed.set(id, { x, y: depth * (NODE_H + GAP_Y), node: nodes.get(id) ?? { id, kind: 'missing', flags: [] } });
    return x;
  };
  for (const r of roots) {
    layout(r, 0);
    cursor += GAP_X * 2;
  }
  const width = Math.max(cursor - GAP_X * 3, NODE_W) + 8;
  const height = (maxDepth + 1) * (NODE_H + GAP_Y) - GAP_Y + 30;
  const tripped = [...placed.values()].filter((p) => flagsOf(p.node).has('trippedProtection') && highlight.has(p.node.id)).length;
  const picture = svg('svg', {
    viewBox: `-4 -4 ${width} ${height}`,
    width,
    height,
    class: 'chain-svg',
    role: 'img',
    'aria-label': `Disk chains of ${vm.nameLabel ?? 'the VM'}: ${placed.size} images${tripped ? ', the node that trips chain protection is marked' : ''}. The table above lists each disk's numbers.`,
  });
  // Edges first (child → parent), then nodes.
  for (const e of graph.edges) {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (!a || !b) continue;
    const x1 = b.x + NODE_W / 2;
    const y1 = b.y + NODE_H;
    const x2 = a.x + NODE_W / 2;
    const y2 = a.y;
    const my = (y1 + y2) / 2;
    picture.append(svg('path', { d: `M${x1} ${y1} C${x1} ${my} ${x2} ${my} ${x2} ${y2}`, class: 'chain-edge' }));
  }
  for (const { x, y, node } of placed.values()) picture.append(chainNode(node, x, y, vm, highlight));
  return picture;
}

function nodeText(node, vm) {
  const f = flagsOf(node);
  const ownDisk = node.kind === 'leaf' && (node.vms ?? []).some((v) => v === vm.uuid || v === vm.ref);
  const title = node.kind === 'missing' ? 'missing parent' : node.kind === 'base_copy' ? 'base copy' : String(node.label ?? shortId(node.uuid ?? node.id));
  const kind = node.kind === 'snapshot' ? 'snapshot' : node.kind === 'leaf' ? (ownDisk ? 'VM disk' : 'disk') : node.kind === 'base_copy' ? 'hidden parent' : 'not in the records';
  const size = node.physicalUtilisation != null ? formatBytes(node.physicalUtilisation) : node.virtualSize != null ? formatBytes(node.virtualSize) : '';
  let mark = null;
  if (f.has('trippedProtection')) mark = ['tripped', 'trips chain protection'];
  else if (f.has('pendingCoalesce')) mark = ['pending', 'coalesce pending'];
  else if (f.has('pendingLeafCoalesce')) mark = ['leaf', 'leaf-coalesce pending'];
  else if (f.has('orphan')) mark = ['orphan', 'orphan: to be deleted'];
  else if (f.has('missingParent')) mark = ['missing', 'parent missing'];
  else if (f.has('inCycle')) mark = ['missing', 'in a parent loop'];
  return { title, kind, size, mark, ownDisk };
}

function chainNode(node, x, y, vm, highlight) {
  const t = nodeText(node, vm);
  const classes = ['chain-node', `kind-${node.kind}`];
  if (t.ownDisk) classes.push('own');
  if (t.mark) classes.push(`mark-${t.mark[0]}`);
  if (highlight.has(node.id)) classes.push('on-path');
  const g = svg('g', { class: classes.join(' '), transform: `translate(${x} ${y})`, 'data-node': node.id });
  const details = [
    t.title,
    node.uuid ? `uuid ${node.uuid}` : null,
    t.kind,
    node.virtualSize != null ? `virtual size ${formatBytes(node.virtualSize)}` : null,
    node.physicalUtilisation != null ? `physical ${formatBytes(node.physicalUtilisation)}` : null,
    `depth ${node.depth}`,
    `${node.children} child${node.children === 1 ? '' : 'ren'}`,
    t.mark ? t.mark[1] : null,
  ].filter(Boolean);
  g.append(svg('title', { text: details.join('\n') }));
  g.append(svg('rect', { width: NODE_W, height: NODE_H, rx: 6, class: 'box' }));
  g.append(svg('text', { x: 10, y: 17, class: 'n-title', text: truncate(t.title, 22) }));
  g.append(svg('text', { x: 10, y: 31, class: 'n-sub', text: `${shortId(node.uuid ?? node.id)} · ${t.kind}` }));
  g.append(svg('text', { x: NODE_W - 8, y: 17, class: 'n-size', 'text-anchor': 'end', text: t.size }));
  if (t.mark) {
    g.append(svg('text', { x: 10, y: 44, class: `n-mark m-${t.mark[0]}`, text: `${t.mark[0] === 'tripped' ? '✖ ' : '● '}${t.mark[1]}` }));
  }
  return g;
}

function truncate(s, n) {
  s = String(s);
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function rootOf(id, parentOf) {
  const seen = new Set();
  let cur = id;
  while (parentOf.has(cur) && !seen.has(cur)) {
    seen.add(cur);
    cur = parentOf.get(cur);
  }
  return cur;
}

function pathOf(id, parentOf) {
  const path = new Set();
  let cur = id;
  while (cur !== undefined && !path.has(cur)) {
    path.add(cur);
    cur = parentOf.get(cur);
  }
  return path;
}

// --- the report ------------------------------------------------------------------------------
function render(report, tables) {
  const parts = [];
  const vms = report.vms ?? [];
  const skipped = vms.filter((v) => v.wouldSkip);
  const tol = report.tolerance;
  parts.push(
    el(
      'section',
      { class: 'panel chain-summary', 'aria-label': 'Summary' },
      el(
        'dl',
        { class: 'facts' },
        fact('VMs checked', String(vms.length)),
        fact('Would be skipped', String(skipped.length)),
        fact('Tolerance', tol === null || tol === undefined ? 'none (never trips)' : `${tol} pending coalesce${tol === 1 ? '' : 's'} per disk`),
        fact('Chain limit', `${report.chainLimit ?? 30} images`),
        fact('Records', `${report.stats?.vms ?? 0} VM, ${report.stats?.vbds ?? 0} VBD, ${report.stats?.vdis ?? 0} VDI, ${report.stats?.srs ?? 0} SR`),
      ),
    ),
  );
  if ((report.warnings ?? []).length) {
    parts.push(
      el(
        'details',
        { class: 'panel warnings' },
        el('summary', null, icon('warning'), ` ${report.warnings.length + (report.warningsOmitted ?? 0)} problem${report.warnings.length === 1 ? '' : 's'} in the records (the check went on)`),
        el('ul', null, ...report.warnings.map((w) => el('li', null, el('span', { class: 'mono small', text: `${w.table} ${w.record ?? ''}` }), ' ', w.message))),
      ),
    );
  }
  if ((report.findings ?? []).length) {
    const widget = document.createElement('xapi-diagnosis');
    widget.setAttribute('max-findings', '4');
    widget.diagnosis = { kind: 'records', findings: report.findings, smlog: null };
    parts.push(el('section', { class: 'report-part', 'aria-labelledby': 'chains-h-findings' }, el('h2', { id: 'chains-h-findings', text: `Findings (${report.findings.length})` }), widget));
  }

  const parentOf = new Map((report.graph?.edges ?? []).map((e) => [e.from, e.to]));
  const ordered = vms.slice().sort((a, b) => Number(b.wouldSkip) - Number(a.wouldSkip));
  const LIMIT = 40;
  for (const vm of ordered.slice(0, LIMIT)) parts.push(vmCard(vm, report, parentOf, tables));
  if (ordered.length > LIMIT) parts.push(el('p', { class: 'muted', text: `${ordered.length - LIMIT} more VMs not drawn (the healthy ones).` }));
  if ((report.srs ?? []).length) parts.push(srSection(report.srs));
  return parts;
}

function fact(k, v, cls) {
  return el('div', null, el('dt', { text: k }), el('dd', { class: cls ?? null, text: v }));
}

function vmCard(vm, report, parentOf, tables) {
  const card = el('article', { class: `panel vm-chain ${vm.wouldSkip ? 'chain-skip' : 'chain-ok'}`, 'data-vm': vm.uuid ?? vm.ref ?? '' });
  const disks = vm.disks ?? [];
  card.append(
    el(
      'div',
      { class: 'vm-chain-head' },
      el('h2', { text: vm.nameLabel ?? shortId(vm.uuid) ?? 'VM' }),
      el('span', { class: 'mono muted small', text: vm.uuid ?? '' }),
      vm.wouldSkip ? badge('status-failure', 'Backup would be skipped') : badge('status-success', 'Backup would run'),
    ),
  );
  const trippedDisk = disks.find((d) => d.wouldSkip);
  if (vm.wouldSkip && trippedDisk) {
    const node = report.graph.nodes.find((n) => n.id === (trippedDisk.trippedBy ?? vm.trippedBy));
    card.append(
      el(
        'p',
        { class: 'verdict verdict-skip' },
        'Xen Orchestra’s chain protection stops at base copy ',
        el('code', { title: node?.uuid ?? trippedDisk.trippedBy ?? '', text: shortId(trippedDisk.trippedBy ?? vm.trippedBy ?? '') }),
        ` on disk “${trippedDisk.nameLabel ?? shortId(trippedDisk.vdi)}”: ${trippedDisk.pendingCoalesce} base cop${trippedDisk.pendingCoalesce === 1 ? 'y waits' : 'ies wait'} for a coalesce on this chain, ${report.tolerance ?? 0} ${report.tolerance === 1 ? 'is' : 'are'} tolerated. The backup is skipped (“unhealthy VDI chain”) until the SR’s garbage collector has merged them.`,
      ),
    );
  } else if (vm.checkNeverEnds) {
    card.append(el('p', { class: 'verdict verdict-skip', text: 'A disk’s parents form a loop: Xen Orchestra’s check would never end on it.' }));
  } else {
    card.append(el('p', { class: 'verdict verdict-ok', text: 'No disk chain has more base copies waiting for coalesce than Xen Orchestra tolerates.' }));
  }

  // Per-disk numbers.
  const table = el(
    'table',
    { class: 'data disks' },
    el('caption', { class: 'visually-hidden', text: `Disks of ${vm.nameLabel ?? vm.uuid}` }),
    el('thead', null, el('tr', null, ...['Disk', 'Chain depth', 'Snapshots left', 'Pending coalesce', 'Pending leaf-coalesce', 'Branch points', 'Check'].map((h) => el('th', { scope: 'col', text: h })))),
    el(
      'tbody',
      null,
      ...disks.map((d) =>
        el(
          'tr',
          { class: d.wouldSkip ? 'row-stuck' : null },
          el('td', null, el('div', { text: d.nameLabel ?? shortId(d.vdi) }), el('div', { class: 'mono muted small', text: d.vdi ?? d.id })),
          el('td', null, depthMeter(d.depth ?? 0, report.chainLimit ?? 30), d.depthAfterCoalesce !== d.depth ? el('div', { class: 'muted small', text: `${d.depthAfterCoalesce} after coalesce` }) : null),
          el('td', { class: 'num', text: String(d.snapshotsLeft ?? '—') }),
          el('td', { class: 'num', text: String(d.pendingCoalesce ?? 0) }),
          el('td', { class: 'num', text: String(d.pendingLeafCoalesce ?? 0) }),
          el('td', { class: 'num', text: String(d.branchPoints ?? 0) }),
          el('td', null, d.wouldSkip ? badge('status-failure', 'trips') : d.missingParent ? badge('warning', 'parent missing') : d.cycle ? badge('error', 'loop') : badge('status-success', 'passes')),
        ),
      ),
    ),
  );
  card.append(el('div', { class: 'table-wrap' }, table));

  // The picture: every tree the VM's disks belong to, with the disks' paths highlighted.
  const highlight = new Set();
  const roots = [];
  for (const d of disks) {
    for (const id of pathOf(d.id, parentOf)) highlight.add(id);
    const r = rootOf(d.id, parentOf);
    if (!roots.includes(r)) roots.push(r);
  }
  if (roots.length) {
    const fig = el('figure', { class: 'chain-fig' }, el('div', { class: 'chain-scroll' }, chainPicture(roots, report.graph, vm, highlight)), legend());
    card.append(fig);
  }

  // The snapshot space plan, per SR the VM's disks are on.
  card.append(spacePlans(vm, disks, tables, app.doctor.planSnapshotSpace));
  return card;
}

function legend() {
  const item = (cls, text) => el('span', { class: `legend-item ${cls}` }, el('span', { class: 'swatch' }), text);
  return el(
    'figcaption',
    { class: 'legend chain-legend' },
    item('l-own', 'VM disk'),
    item('l-snapshot', 'snapshot'),
    item('l-base', 'base copy (hidden parent)'),
    item('l-pending', 'coalesce pending'),
    item('l-leaf', 'leaf-coalesce pending'),
    item('l-tripped', 'trips chain protection'),
    el('span', { class: 'muted', text: 'Root at the top; each image’s parent is above it.' }),
  );
}

function spacePlans(vm, disks, tables, plan) {
  const box = el('section', { class: 'space', 'aria-label': 'Snapshot space' }, el('h3', { text: 'Snapshot space' }));
  const bySr = new Map();
  for (const d of disks) {
    if (d.vbdType && d.vbdType !== 'disk') continue;
    const vdi = tables.VDI.byId.get(d.vdi) ?? tables.VDI.byId.get(d.id);
    const sr = srOf(vdi, tables);
    if (!vdi || !sr) continue;
    if (!bySr.has(sr)) bySr.set(sr, []);
    bySr.get(sr).push(vdi);
  }
  if (bySr.size === 0) {
    box.append(el('p', { class: 'muted', text: 'The records do not give the SR of this VM’s disks.' }));
    return box;
  }
  const n = Number.parseInt(concInput.value, 10);
  const concurrency = Number.isFinite(n) && n >= 1 ? n : null; // null: every disk of the VM at once, as VM.snapshot does
  for (const [sr, vdis] of bySr) {
    const srVdis = tables.VDI.list.filter((v) => srOf(v, tables) === sr);
    let p;
    try {
      p = plan({ sr, vdis, concurrency, hostVersion: hostInput.value.trim() || null, srVdis });
    } catch (error) {
      box.append(el('p', { class: 'notice problem', text: `Space plan for SR ${sr.name_label ?? sr.uuid}: ${error.message}` }));
      continue;
    }
    box.append(planView(p));
  }
  return box;
}

function planView(p) {
  const fits = p.fits;
  const head = el(
    'div',
    { class: 'plan-head' },
    el('strong', null, `SR ${p.srName ?? shortId(p.srUuid)} `, el('span', { class: 'muted small', text: `${p.srType ?? 'unknown type'}, ${String(p.provisioning).replace(/_/g, ' ')}` })),
    fits === true ? badge('status-success', 'The snapshot fits') : fits === false ? badge('status-failure', 'Does not fit') : badge('muted', 'Unknown'),
  );
  const size = p.physicalSize ?? null;
  const used = p.physicalUtilisation ?? null;
  const need = p.requiredBytes ?? 0;
  const rows = [];
  if (size && used !== null) {
    const pct = (v) => Math.max(0, Math.min(100, (v / size) * 100));
    const unrec = Math.min(p.unreclaimedBytes ?? 0, used);
    const bar = svg('svg', { viewBox: '0 0 1000 22', preserveAspectRatio: 'none', class: 'space-bar', role: 'img', 'aria-label': `SR ${formatBytes(size)}: ${formatBytes(used)} used, ${formatBytes(need)} needed by the snapshot, ${formatBytes(p.freeBytes)} free` });
    bar.append(svg('rect', { x: 0, y: 0, width: 1000, height: 22, class: 'sb-free', rx: 3 }));
    bar.append(svg('rect', { x: 0, y: 0, width: pct(used - unrec) * 10, height: 22, class: 'sb-used' }));
    if (unrec) bar.append(svg('rect', { x: pct(used - unrec) * 10, y: 0, width: pct(unrec) * 10, height: 22, class: 'sb-unreclaimed' }));
    bar.append(svg('rect', { x: pct(used) * 10, y: 3, width: Math.min(pct(need), 100 - pct(used) + 0.0001) * 10, height: 16, class: fits === false ? 'sb-need over' : 'sb-need' }));
    rows.push(bar);
    rows.push(
      el(
        'div',
        { class: 'legend' },
        el('span', { class: 'legend-item l-used' }, el('span', { class: 'swatch' }), `used ${formatBytes(used - unrec)}`),
        unrec ? el('span', { class: 'legend-item l-unrec' }, el('span', { class: 'swatch' }), `not reclaimed yet ${formatBytes(unrec)}`) : null,
        el('span', { class: 'legend-item l-need' }, el('span', { class: 'swatch' }), `snapshot needs ${formatBytes(need)}`),
        el('span', { class: 'legend-item l-free' }, el('span', { class: 'swatch' }), `free ${formatBytes(p.freeBytes)} of ${formatBytes(size)}`),
      ),
    );
  }
  const facts = el(
    'dl',
    { class: 'facts compact' },
    fact('Needed at once', formatBytes(need)),
    fact('Free', formatBytes(p.freeBytes)),
    fact('Disk snapshots at once', `${p.concurrency}${p.maxConcurrency != null ? ` (at most ${p.maxConcurrency} fit)` : ''}`),
    p.unreclaimedBytes != null ? fact('Used, not held by any disk', formatBytes(p.unreclaimedBytes)) : null,
  );
  const per = (p.perVdi ?? []).map((v) => el('li', null, `${v.nameLabel ?? shortId(v.uuid)}: `, el('span', { class: 'mono', text: `${formatBytes(v.requiredBytes)} for ${formatBytes(v.virtualSize)} virtual` })));
  const box = el('div', { class: `plan ${fits === false ? 'no-fit' : ''}` }, head, ...rows, facts, per.length ? el('ul', { class: 'per-vdi small' }, ...per) : null);
  // The SR-wide findings (unreclaimed space) are already in the report's findings: keep the plan's own.
  const own = (p.findings ?? []).filter((f) => !shownRules.has(f.rule));
  if (own.length) {
    const w = document.createElement('xapi-diagnosis');
    w.diagnosis = { kind: 'records', findings: own, smlog: null };
    box.append(w);
  }
  return box;
}

function srSection(srs) {
  const table = el(
    'table',
    { class: 'data' },
    el('caption', { class: 'visually-hidden', text: 'SRs' }),
    el('thead', null, el('tr', null, ...['SR', 'Type', 'VDIs', 'To coalesce', 'Pending coalesce', 'Pending leaf', 'Orphans', 'Free', 'Not reclaimed'].map((h) => el('th', { scope: 'col', text: h })))),
    el(
      'tbody',
      null,
      ...srs.map((s) =>
        el(
          'tr',
          null,
          el('td', null, el('div', { text: s.nameLabel ?? shortId(s.uuid ?? s.id) }), el('div', { class: 'mono muted small', text: s.uuid ?? s.id })),
          el('td', { text: s.srType ?? '—' }),
          el('td', { class: 'num', text: formatNumber(s.vdiCount ?? 0) }),
          el('td', { class: 'num', text: formatNumber(s.vdisToCoalesce ?? 0) }),
          el('td', { class: 'num', text: formatNumber(s.pendingCoalesce ?? 0) }),
          el('td', { class: 'num', text: formatNumber(s.pendingLeafCoalesce ?? 0) }),
          el('td', { class: 'num', text: `${formatNumber(s.orphans ?? 0)}${s.orphanBytes ? ` (${formatBytes(s.orphanBytes)})` : ''}` }),
          el('td', { class: 'num', text: s.freeBytes != null ? formatBytes(s.freeBytes) : '—' }),
          el('td', { class: 'num', text: s.unreclaimedBytes != null ? formatBytes(s.unreclaimedBytes) : '—' }),
        ),
      ),
    ),
  );
  return el('section', { class: 'report-part', 'aria-labelledby': 'chains-h-srs' }, el('h2', { id: 'chains-h-srs', text: 'Storage repositories' }), el('div', { class: 'panel table-wrap' }, table));
}

// --- wiring ------------------------------------------------------------------------------
function run() {
  const text = textarea.value.trim();
  if (!text) {
    out.replaceChildren(el('p', { class: 'muted', text: 'Paste records, open a file, or load the example.' }));
    return;
  }
  let records;
  try {
    records = JSON.parse(text);
  } catch (error) {
    out.replaceChildren(el('p', { class: 'notice problem', role: 'alert', text: `The records are not valid JSON: ${error.message}` }));
    return;
  }
  const tol = tolInput.value.trim() === '' ? 1 : Number(tolInput.value);
  let report;
  try {
    report = app.doctor.checkVdiChains(records, { tolerance: Number.isFinite(tol) && tol >= 0 ? Math.floor(tol) : 1 });
  } catch (error) {
    out.replaceChildren(el('p', { class: 'notice problem', role: 'alert', text: `${error.code ?? 'Error'}: ${error.message}` }));
    return;
  }
  report.graph ??= { nodes: [], edges: [] };
  shownRules = new Set((report.findings ?? []).map((f) => f.rule));
  out.replaceChildren(...render(report, indexRecords(records)));
  out.dataset.ready = 'true';
}

const share = debounce(async () => {
  const params = { tol: tolInput.value !== '1' ? tolInput.value : '', conc: concInput.value, hv: hostInput.value.trim() };
  if (fromExample) params.ex = '1';
  else if (textarea.value.trim()) {
    const packed = await pack(textarea.value);
    if (packed.length <= MAX_SHARED) params.in = packed;
  }
  if (!root.hidden) writeHash('chains', params);
  shownKey = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
}, 250);

async function loadExample() {
  const r = await fetch(EXAMPLE);
  textarea.value = await r.text();
  fromExample = true;
  sourceLabel.textContent = 'Example: db-01 and web-01 on an iSCSI SR';
  run();
  share();
}

export default {
  title: 'VDI chains',
  mount(section, theApp) {
    app = theApp;
    root = section;
    const host = section.querySelector('#chains-view');
    textarea = el('textarea', { id: 'chains-input', wrap: 'off', spellcheck: 'false', rows: 10, 'aria-label': 'Pool records (JSON)', placeholder: '{ "VM": {…}, "VBD": {…}, "VDI": {…}, "SR": {…} }' });
    tolInput = el('input', { id: 'chains-tol', type: 'number', min: 0, max: 30, step: 1, value: 1, inputmode: 'numeric' });
    concInput = el('input', { id: 'chains-conc', type: 'number', min: 1, max: 256, step: 1, placeholder: 'all', inputmode: 'numeric' });
    hostInput = el('input', { id: 'chains-hv', placeholder: '8.3.0', size: 8, autocomplete: 'off', spellcheck: 'false' });
    sourceLabel = el('span', { class: 'muted small' });
    const file = el('input', { type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true', accept: '.json,application/json' });
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (f) {
        textarea.value = await f.text();
        fromExample = false;
        sourceLabel.textContent = f.name;
        run();
        share();
      }
      file.value = '';
    });
    const inputs = el(
      'div',
      { class: 'panel chain-inputs' },
      el(
        'div',
        { class: 'toolbar' },
        el('button', { type: 'button', class: 'button subtle', text: 'Load the example', onclick: loadExample }),
        el('button', { type: 'button', class: 'button subtle', text: 'Open a file…', onclick: () => file.click() }),
        file,
        sourceLabel,
      ),
      el(
        'div',
        { class: 'chain-params' },
        el('label', null, 'Tolerance ', el('span', { class: 'muted small', text: '(maxUncoalescedVdis)' }), tolInput),
        el('label', null, 'Disk snapshots at once ', el('span', { class: 'muted small', text: '(default: all the VM’s disks)' }), concInput),
        el('label', null, 'Host version', hostInput),
      ),
      el('details', { class: 'records-box' }, el('summary', { text: 'Records (JSON)' }), textarea, el('p', { class: 'muted small' }, 'From the pool: ', el('code', { text: 'xo-cli' }), ' or the XenAPI ', el('code', { text: 'VM/VBD/VDI/SR.get_all_records' }), '; Xen Orchestra objects (arrays) work too.')),
    );
    out = el('div', { class: 'chains-out', id: 'chains-out', 'aria-live': 'polite' });
    host.append(inputs, out);
    const rerun = debounce(() => {
      run();
      share();
    }, 150);
    textarea.addEventListener('input', () => {
      fromExample = false;
      sourceLabel.textContent = 'Your records';
      rerun();
    });
    for (const i of [tolInput, concInput, hostInput]) i.addEventListener('input', rerun);
  },
  async enter(params) {
    const key = params.toString();
    if (key && key === shownKey) return;
    if (params.has('tol')) tolInput.value = params.get('tol');
    if (params.has('conc')) concInput.value = params.get('conc');
    if (params.has('hv')) hostInput.value = params.get('hv');
    if (params.get('in')) {
      const text = await unpack(params.get('in'));
      if (text !== null) {
        textarea.value = text;
        fromExample = false;
        sourceLabel.textContent = 'Shared records';
        run();
        return share();
      }
    }
    if (params.get('ex') || (!textarea.value && !key)) return loadExample();
    run();
    return share();
  },
  handoff(data) {
    if (data?.text) {
      textarea.value = data.text;
      fromExample = false;
      sourceLabel.textContent = 'From the Diagnose view';
      shownKey = null;
    }
  },
};
