// The demo page: loads the WebAssembly module once, then routes between the views by the URL
// hash (#/diagnose, #/smlog, #/backup, #/chains, #/rules), each view keeping its state in the hash.
import * as doctor from '../xapi-doctor/web.js';
import '../xapi-doctor/element.js';
import { readHash } from './state.js';
import { el } from './dom.js';
import diagnoseView from './view-diagnose.js';
import smlogView from './view-smlog.js';
import backupView from './view-backup.js';
import chainsView from './view-chains.js';
import rulesView from './view-rules.js';

const views = { diagnose: diagnoseView, smlog: smlogView, backup: backupView, chains: chainsView, rules: rulesView };
const mounted = new Set();
let current = null;

const app = {
  doctor,
  /** Switches to a view, optionally handing it state (e.g. a log to show). */
  go(view, handoff) {
    ensureMounted(view);
    views[view].handoff?.(handoff);
    location.hash = `#/${view}`;
  },
};

function ensureMounted(view) {
  if (!mounted.has(view)) {
    views[view].mount(document.getElementById(`view-${view}`), app);
    mounted.add(view);
  }
}

function route() {
  const { view, params } = readHash();
  for (const section of document.querySelectorAll('.view')) section.hidden = section.dataset.view !== view;
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const v = views[view];
  ensureMounted(view);
  if (current && current !== v) current.leave?.();
  current = v;
  document.title = `${v.title} — xapi-doctor`;
  v.enter(params);
}

async function boot() {
  const boot = document.getElementById('boot');
  try {
    await doctor.init();
  } catch (error) {
    boot.replaceChildren(el('strong', { text: 'The diagnosis engine could not be loaded. ' }), String(error?.message ?? error));
    boot.className = 'loading failed';
    return;
  }
  boot.remove();
  const v = `v${doctor.version()}`;
  document.getElementById('version').textContent = v;
  document.getElementById('foot-version').textContent = v;
  window.addEventListener('hashchange', route);
  route();
  document.documentElement.dataset.ready = 'true';
}

boot();
