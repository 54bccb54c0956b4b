// SMlog file view: open or drop a file of any size; a Web Worker streams it through
// SmlogScanner with a progress bar; the report shows the findings, the coalesce summary per SR
// and a timeline of the episodes. (A file cannot be shared by URL; the hash only names the view.)
import { el, svg, badge, depthMeter, formatBytes, formatNumber, shortId } from './dom.js';
import { writeHash } from './state.js';

let worker = null;
let progressBox;
let bar;
let pct;
let detail;
let nameEl;
let report;
let drop;
let startedAt = 0;

const COALESCE_STATUS = {
  stuck: ['critical', 'Stuck', 'the same disk keeps failing to coalesce'],
  out_of_space: ['error', 'Out of space', 'the last attempts failed for lack of space'],
  failing: ['error', 'Failing', 'the last coalesce attempt failed'],
  disabled: ['warning', 'Disabled', 'garbage collection is disabled on the SR'],
  running: ['info', 'Running', 'a coalesce was under way when the log ends'],
  idle: ['success', 'Last run OK', 'the last coalesce attempt succeeded, or there was nothing to do'],
  not_seen: ['muted', 'Not seen', 'no garbage-collector activity in the log'],
};

const KIND_LABEL = {
  sm_error: 'SM call failed',
  coalesce_failed: 'Coalesce failed',
  coalesce_out_of_space: 'Coalesce out of space',
  coalesce_no_space: 'No space to coalesce',
  leaf_coalesce_no_space: 'No space to leaf-coalesce',
  leaf_coalesce_failed: 'Leaf-coalesce failed',
  leaf_coalesce_gave_up: 'Leaf-coalesce gave up',
  live_leaf_coalesce_timeout: 'Live leaf-coalesce timed out',
  coalesce_stuck: 'Coalesce stuck',
  vhd_corrupted: 'VHD corrupted',
  parent_missing: 'Parent VHD missing',
  scan_error: 'SR scan failed',
  gc_lock_timeout: 'GC lock timeout',
  gc_run_failed: 'GC run failed',
  gc_disabled: 'GC disabled',
  unpause_failed: 'Unpause failed',
  pause_failed: 'Pause failed',
  sr_lock_wait: 'Waited for the SR lock',
  long_lvm_call: 'Slow LVM command',
  lv_busy_retry: 'LV busy, retried',
  command_failed: 'Command failed',
  chain_near_limit: 'Chain near the limit',
  snapshot_cleanup_failed: 'Snapshot clean-up failed',
  long_snapshot_pause: 'Long snapshot pause',
  sm_call_failed: 'SM call failed',
  coalesce_succeeded: 'Coalesced',
  leaf_coalesce_succeeded: 'Leaf-coalesced',
};

function lane(kind) {
  if (/^leaf_|live_leaf/.test(kind)) return 2;
  if (/coalesce|chain_near/.test(kind)) return 1;
  if (/^sm_|pause|snapshot|lvm|lv_|command/.test(kind)) return 0;
  return 3;
}
const LANES = ['SM calls', 'Coalesce', 'Leaf-coalesce', 'GC & other'];

function humanKind(kind) {
  return KIND_LABEL[kind] ?? String(kind).replace(/_/g, ' ');
}

function timeText(t) {
  return t && typeof t === 'object' ? String(t.text ?? '') : t ? String(t) : '';
}

function setProgress(bytes, total) {
  const f = total > 0 ? Math.min(1, bytes / total) : 0;
  bar.value = f;
  bar.setAttribute('aria-valuetext', `${Math.round(f * 100)} %`);
  pct.textContent = `${Math.floor(f * 100)} %`;
  const secs = (performance.now() - startedAt) / 1000;
  const rate = secs > 0.05 ? bytes / secs : 0;
  detail.textContent = `${formatBytes(bytes)} of ${formatBytes(total)} read${rate ? ` · ${formatBytes(rate)}/s` : ''}`;
}

function stop() {
  worker?.terminate();
  worker = null;
}

function start(file) {
  stop();
  report.replaceChildren();
  progressBox.hidden = false;
  progressBox.dataset.state = 'running';
  nameEl.textContent = file.name || 'SMlog';
  startedAt = performance.now();
  setProgress(0, file.size);
  worker = new Worker(new URL('./smlog-worker.js', import.meta.url), { type: 'module', name: 'smlog-scanner' });
  worker.onmessage = ({ data }) => {
    if (data.type === 'progress') setProgress(data.bytes, data.total);
    else if (data.type === 'stage') detail.textContent = `${formatBytes(file.size)} read · ${data.text}`;
    else if (data.type === 'done') {
      setProgress(file.size, file.size);
      progressBox.dataset.state = 'done';
      detail.textContent = `${formatBytes(file.size)} read in ${(data.ms / 1000).toFixed(1)} s`;
      stop();
      showReport(file, data);
    } else if (data.type === 'error') {
      progressBox.dataset.state = 'failed';
      stop();
      report.replaceChildren(el('p', { class: 'notice problem', role: 'alert', text: `The file could not be analysed: ${data.message}` }));
    }
  };
  worker.onerror = (e) => {
    progressBox.dataset.state = 'failed';
    stop();
    report.replaceChildren(el('p', { class: 'notice problem', role: 'alert', text: `The worker failed: ${e.message ?? 'unknown error'}` }));
  };
  worker.postMessage({ type: 'scan', file });
}

function showReport(file, { report: r, ms }) {
  const stats = r.stats ?? {};
  const findings = Array.isArray(r.findings) ? r.findings : [];
  const coalesce = r.coalesce ?? null;
  const timeline = Array.isArray(r.timeline) ? r.timeline : null;

  const facts = el(
    'dl',
    { class: 'facts' },
    fact('File', file.name || 'SMlog', 'mono'),
    fact('Size', formatBytes(stats.bytes ?? file.size)),
    fact('Lines', formatNumber(stats.lines ?? 0)),
    fact('Not SMlog lines', formatNumber(stats.unparsedLines ?? 0)),
    fact('Analysed in', `${(ms / 1000).toFixed(2)} s (${formatBytes((file.size / ms) * 1000)}/s)`),
    fact('Findings', String(findings.length)),
  );
  if (coalesce?.status) {
    const [k, label] = COALESCE_STATUS[coalesce.status] ?? ['muted', coalesce.status];
    facts.append(el('div', null, el('dt', { text: 'Coalesce' }), el('dd', null, badge(k, label))));
  }
  const out = [el('section', { class: 'panel report-head', 'aria-label': 'Summary' }, facts)];

  const widget = document.createElement('xapi-diagnosis');
  widget.setAttribute('max-findings', '6');
  widget.diagnosis = { kind: 'smlog', findings, smlog: null };
  out.push(el('section', { class: 'report-part', 'aria-labelledby': 'smlog-h-findings' }, el('h2', { id: 'smlog-h-findings', text: `Findings (${findings.length})` }), widget));

  if (coalesce) out.push(coalesceSection(coalesce));
  else out.push(el('p', { class: 'notice', text: 'This build of xapi-doctor reports no coalesce summary.' }));
  if (timeline) out.push(timelineSection(timeline, stats));
  report.replaceChildren(...out);
  report.dataset.ready = 'true';
}

function fact(k, v, cls) {
  return el('div', null, el('dt', { text: k }), el('dd', { class: cls ?? null, text: v }));
}

function coalesceSection(c) {
  const srs = Array.isArray(c.srs) ? c.srs : [];
  const section = el('section', { class: 'report-part', 'aria-labelledby': 'smlog-h-coalesce' }, el('h2', { id: 'smlog-h-coalesce', text: 'Coalesce (garbage collector)' }));
  if (srs.length === 0) {
    section.append(el('p', { class: 'muted', text: 'No garbage-collector activity in this log.' }));
    return section;
  }
  for (const sr of srs) {
    const [k, label, meaning] = COALESCE_STATUS[sr.status] ?? ['muted', String(sr.status), ''];
    const card = el('article', { class: 'panel sr-card', 'data-status': String(sr.status) });
    card.append(
      el(
        'div',
        { class: 'sr-head' },
        el('h3', null, 'SR ', el('span', { class: 'mono', title: sr.srUuid ?? '', text: sr.srName ? `${sr.srName} (${shortId(sr.srUuid)})` : sr.srUuid ?? 'not named in the log' })),
        badge(k, label),
        meaning ? el('span', { class: 'muted small', text: meaning }) : null,
      ),
    );
    const deep = Number.isFinite(sr.deepestChain) ? sr.deepestChain : null;
    card.append(
      el(
        'dl',
        { class: 'facts compact' },
        fact('GC runs', formatNumber(sr.gcRuns ?? 0)),
        fact('Coalesce', `${formatNumber(sr.coalesceSuccesses ?? 0)} ok / ${formatNumber(sr.coalesceFailures ?? 0)} failed`),
        fact('Leaf-coalesce', `${formatNumber(sr.leafCoalesceSuccesses ?? 0)} ok / ${formatNumber(sr.leafCoalesceFailures ?? 0)} failed`),
        fact('Skipped for space', formatNumber(sr.noSpaceSkips ?? 0)),
        sr.lastFreeBytes != null ? fact('Free when it lacked space', formatBytes(sr.lastFreeBytes)) : null,
        deep !== null ? el('div', null, el('dt', { text: 'Deepest chain' }), el('dd', null, depthMeter(deep))) : null,
        sr.lastActivityTime ? fact('Last GC activity', `${timeText(sr.lastActivityTime)}${sr.lastActivityLine ? ` (line ${formatNumber(sr.lastActivityLine)})` : ''}`) : null,
        sr.running ? fact('Running now', `${humanKind(sr.running.operation)} of ${sr.running.vdi}${sr.running.since ? ` since ${timeText(sr.running.since)}` : ''}`) : null,
      ),
    );
    const vdis = Array.isArray(sr.vdis) ? sr.vdis : [];
    if (vdis.length) {
      const rows = vdis
        .slice()
        .sort((a, b) => Number(b.stuck) - Number(a.stuck) || (b.consecutiveFailures ?? 0) - (a.consecutiveFailures ?? 0) || (b.failures ?? 0) + (b.noSpaceSkips ?? 0) - (a.failures ?? 0) - (a.noSpaceSkips ?? 0) || (b.attempts ?? 0) - (a.attempts ?? 0));
      const troubled = rows.filter((v) => v.stuck || v.consecutiveFailures || v.failures || v.noSpaceSkips).length;
      const FIRST = Math.max(5, Math.min(troubled, 12));
      const tbody = el('tbody');
      const table = el(
        'table',
        { class: 'data' },
        el('caption', { class: 'visually-hidden', text: `Coalesce history per disk on SR ${sr.srUuid ?? ''}` }),
        el('thead', null, el('tr', null, ...['Disk (VDI)', 'Attempts', 'OK', 'Failed', 'No space', 'In a row', 'Last outcome', 'Last error'].map((h) => el('th', { scope: 'col', text: h })))),
        tbody,
      );
      const draw = (n) => tbody.replaceChildren(...rows.slice(0, n).map(vdiRow));
      draw(FIRST);
      card.append(el('div', { class: 'table-wrap' }, table));
      if (rows.length > FIRST) {
        const more = el('button', { type: 'button', class: 'link-button small', 'aria-expanded': 'false', text: `Show all ${formatNumber(rows.length)} disks` });
        more.addEventListener('click', () => {
          const open = more.getAttribute('aria-expanded') !== 'true';
          draw(open ? Math.min(rows.length, 2000) : FIRST);
          more.setAttribute('aria-expanded', String(open));
          more.textContent = open ? `Show the first ${FIRST} only` : `Show all ${formatNumber(rows.length)} disks`;
        });
        card.append(el('p', { class: 'small table-more' }, `${formatNumber(troubled)} of ${formatNumber(rows.length)} disks had failures or were skipped for space. `, more));
      }
    }
    section.append(card);
  }
  return section;
}

const SEV_RANK = { critical: 0, error: 1, warning: 2, info: 3 };

function timelineSection(entries, stats) {
  const section = el('section', { class: 'report-part', 'aria-labelledby': 'smlog-h-timeline' }, el('h2', { id: 'smlog-h-timeline', text: `Timeline (${formatNumber(entries.length)} episodes)` }));
  if (entries.length === 0) {
    section.append(el('p', { class: 'muted', text: 'No episode worth a timeline in this log.' }));
    return section;
  }
  section.append(timelineChart(entries));
  if (stats.timelineDropped) section.append(el('p', { class: 'muted small', text: `${formatNumber(stats.timelineDropped)} episodes in the middle of the log are left out (the first and the latest are kept).` }));

  const hide = el('input', { type: 'checkbox', id: 'tl-hide-ok', checked: true });
  const list = el('div', { class: 'table-wrap timeline-list' });
  const LIMIT = 300;
  const draw = () => {
    const shown = entries.filter((e) => !(hide.checked && /succeeded$/.test(e.kind)));
    const rows = shown.length > LIMIT ? [...shown.slice(0, LIMIT / 2), null, ...shown.slice(-LIMIT / 2)] : shown;
    list.replaceChildren(
      el(
        'table',
        { class: 'data' },
        el('caption', { class: 'visually-hidden', text: 'Episodes in log order' }),
        el('thead', null, el('tr', null, ...['Time', 'Line', 'Episode', 'Severity', 'SR / VDI', 'Log'].map((h) => el('th', { scope: 'col', text: h })))),
        el(
          'tbody',
          null,
          ...rows.map((e) =>
            e === null
              ? el('tr', { class: 'gap' }, el('td', { colspan: 6, text: `… ${formatNumber(shown.length - LIMIT)} more episodes …` }))
              : el(
                  'tr',
                  { class: `sev-row-${e.severity}` },
                  el('td', { class: 'mono nowrap', text: timeText(e.time) }),
                  el('td', { class: 'num mono', text: formatNumber(e.line) }),
                  el('td', null, humanKind(e.kind), e.code ? el('div', { class: 'mono small', text: e.code }) : null),
                  el('td', null, /succeeded$/.test(e.kind) ? badge('success', 'OK') : badge(e.severity, e.severity)),
                  el('td', { class: 'mono small nowrap' }, e.srUuid ? el('div', { title: e.srUuid, text: `SR ${shortId(e.srUuid)}` }) : null, e.vdi ? el('div', { title: e.vdi, text: `VDI ${shortId(e.vdi)}` }) : null),
                  el('td', { class: 'logtext mono small', text: e.text }),
                ),
          ),
        ),
      ),
    );
  };
  hide.addEventListener('change', draw);
  section.append(el('label', { class: 'check' }, hide, ' Hide successful coalesces in the list'), list);
  draw();
  return section;
}

function vdiRow(v) {
  return el(
    'tr',
    { class: v.stuck ? 'row-stuck' : null },
    el('td', { class: 'mono', title: v.vdiUuid ?? v.vdi }, v.vdi, v.stuck ? el('span', { class: 'tag tag-critical', text: 'stuck' }) : null),
    el('td', { class: 'num', text: formatNumber(v.attempts ?? 0) }),
    el('td', { class: 'num', text: formatNumber(v.successes ?? 0) }),
    el('td', { class: 'num', text: formatNumber(v.failures ?? 0) }),
    el('td', { class: 'num', text: formatNumber(v.noSpaceSkips ?? 0) }),
    el('td', { class: 'num', text: formatNumber(v.consecutiveFailures ?? 0) }),
    el('td', { text: v.lastOutcome ? `${String(v.lastOutcome).replace(/_/g, ' ')}${v.lastOutcomeTime ? ` · ${timeText(v.lastOutcomeTime)}` : ''}` : '—' }),
    el('td', { class: 'clip', title: v.lastError ?? '', text: v.lastError ?? '' }),
  );
}

/** An SVG strip: one lane per kind of episode, one mark per episode, by time (or by line). */
function timelineChart(entries) {
  const W = 1000;
  const laneH = 26;
  const left = 110;
  const top = 8;
  const H = top + LANES.length * laneH + 26;
  const byTime = entries.every((e) => e.time && Number.isFinite(e.time.secondOfYear));
  const pos = (e) => (byTime ? e.time.secondOfYear : e.line);
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of entries) {
    const p = pos(e);
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  if (hi === lo) hi = lo + 1;
  const x = (p) => left + ((p - lo) / (hi - lo)) * (W - left - 12);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline', role: 'img', 'aria-label': `Timeline of ${entries.length} episodes by ${byTime ? 'time' : 'line'}; the table below lists them.` });
  LANES.forEach((name, i) => {
    const y = top + i * laneH;
    chart.append(svg('rect', { x: left, y, width: W - left - 4, height: laneH - 4, rx: 3, class: 'lane' }), svg('text', { x: left - 8, y: y + laneH / 2 + 2, class: 'lane-label', 'text-anchor': 'end', text: name }));
  });
  // Successes first, then the worst on top.
  const sorted = entries.slice().sort((a, b) => (SEV_RANK[b.severity] ?? 4) - (SEV_RANK[a.severity] ?? 4) + (/succeeded$/.test(b.kind) - /succeeded$/.test(a.kind)));
  for (const e of sorted) {
    const y = top + lane(e.kind) * laneH + (laneH - 4) / 2;
    const ok = /succeeded$/.test(e.kind);
    const cls = ok ? 'mark-ok' : `mark-${e.severity}`;
    const mark = ok ? svg('circle', { cx: x(pos(e)).toFixed(1), cy: y, r: 3.2, class: cls }) : svg('rect', { x: (x(pos(e)) - 2).toFixed(1), y: y - 7, width: 4, height: 14, rx: 1, class: cls });
    mark.append(svg('title', { text: `${timeText(e.time)} line ${e.line}: ${humanKind(e.kind)}${e.code ? ` (${e.code})` : ''}` }));
    chart.append(mark);
  }
  const axisY = top + LANES.length * laneH + 14;
  const first = entries[0];
  const lastE = entries[entries.length - 1];
  chart.append(
    svg('text', { x: left, y: axisY, class: 'axis', text: byTime ? timeText(first.time) : `line ${formatNumber(lo)}` }),
    svg('text', { x: W - 12, y: axisY, class: 'axis', 'text-anchor': 'end', text: byTime ? timeText(lastE.time) : `line ${formatNumber(hi)}` }),
  );
  const legend = el(
    'div',
    { class: 'legend' },
    el('span', null, svg('svg', { viewBox: '0 0 10 14', class: 'key' }, svg('rect', { x: 3, y: 0, width: 4, height: 14, rx: 1, class: 'mark-error' })), 'error'),
    el('span', null, svg('svg', { viewBox: '0 0 10 14', class: 'key' }, svg('rect', { x: 3, y: 0, width: 4, height: 14, rx: 1, class: 'mark-warning' })), 'warning'),
    el('span', null, svg('svg', { viewBox: '0 0 10 14', class: 'key' }, svg('rect', { x: 3, y: 0, width: 4, height: 14, rx: 1, class: 'mark-info' })), 'info'),
    el('span', null, svg('svg', { viewBox: '0 0 10 14', class: 'key' }, svg('circle', { cx: 5, cy: 7, r: 3.2, class: 'mark-ok' })), 'coalesce succeeded'),
  );
  return el('figure', { class: 'panel timeline-fig' }, chart, legend);
}

function onFiles(files) {
  const file = files?.[0];
  if (file) start(file);
}

export default {
  title: 'SMlog file',
  mount(section) {
    progressBox = section.querySelector('#smlog-progress');
    bar = section.querySelector('#smlog-bar');
    pct = section.querySelector('#smlog-pct');
    detail = section.querySelector('#smlog-detail');
    nameEl = section.querySelector('#smlog-name');
    report = section.querySelector('#smlog-report');
    drop = section.querySelector('#drop');
    const input = section.querySelector('#smlog-file');
    section.querySelector('#smlog-choose').addEventListener('click', () => input.click());
    section.querySelector('#smlog-sample').addEventListener('click', async () => {
      const r = await fetch('samples/smlog-excerpt.log');
      start(new File([await r.blob()], 'smlog-excerpt.log', { type: 'text/plain' }));
    });
    input.addEventListener('change', () => {
      onFiles(input.files);
      input.value = '';
    });
    section.querySelector('#smlog-cancel').addEventListener('click', () => {
      stop();
      progressBox.dataset.state = 'cancelled';
      detail.textContent = 'Cancelled.';
    });
    for (const type of ['dragenter', 'dragover']) {
      drop.addEventListener(type, (e) => {
        e.preventDefault();
        drop.classList.add('over');
      });
    }
    for (const type of ['dragleave', 'dragend']) drop.addEventListener(type, () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      onFiles(e.dataTransfer?.files);
    });
    // A file dropped anywhere on this view is taken too, rather than opened by the browser.
    section.addEventListener('dragover', (e) => e.preventDefault());
    section.addEventListener('drop', (e) => {
      if (e.defaultPrevented) return;
      e.preventDefault();
      onFiles(e.dataTransfer?.files);
    });
  },
  enter() {
    writeHash('smlog', {});
  },
  handoff(data) {
    // Pasted lines from the Diagnose view, read through the same worker as a file.
    if (data?.text) start(new File([data.text], 'pasted SMlog lines', { type: 'text/plain' }));
  },
};
