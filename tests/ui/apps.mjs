// Shared by the UI tests (tests/ui/*.test.mjs): puts a test app (tests/ui/react-app,
// tests/ui/vue-app) into a temporary directory the way a user's app gets the package — `npm
// pack` of pkg/, installed from the tarball, offline — builds it with Vite and its framework
// plugin, and serves the output.
//
// The frameworks (react, react-dom, vue) are what `npm ci` installed in the repository: they are
// linked into the app's node_modules after the install (the package's peer dependencies on
// them are optional, so the install leaves them to the app, as npm does for a user).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../browser/harness.mjs';
import { openPage } from '../browser/page.mjs';
import { buildFixtures } from './fixtures.mjs';

function sh(cmd, args, options = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/**
 * A temporary copy of `tests/ui/<app>` with the packed package installed and `frameworks`
 * linked, and the fixtures in `src/fixtures.json`. Returns `{ dir, root, cleanup }`.
 */
export function prepareApp(app, frameworks) {
  if (!existsSync(join(ROOT, 'pkg/dist/xapi_doctor_bg.wasm'))) throw new Error('build the package first (scripts/build.sh)');
  const dir = mkdtempSync(join(tmpdir(), `xapi-doctor-${app}-`));
  const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'pkg') }));
  const root = join(dir, app);
  cpSync(join(ROOT, 'tests/ui', app), root, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: `xapi-doctor-${app}`, private: true, type: 'module' }, null, 2));
  // The tarball has no dependencies: the install needs no network.
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, packed.filename)], { cwd: root });
  for (const name of frameworks) {
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
  }
  writeFileSync(join(root, 'src/fixtures.json'), JSON.stringify(buildFixtures()));
  return { dir, root, cleanup: () => process.env.KEEP_UI || rmSync(dir, { recursive: true, force: true }) };
}

/** `vite build` of the app with the given plugins (and config); returns the output directory. */
export async function buildApp(root, plugins, config = {}) {
  const { build } = await import('vite');
  const outDir = join(root, 'dist');
  await build({ root, configFile: false, logLevel: 'silent', plugins, ...config, build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** Waits until every <xapi-diagnosis> of the page has rendered its diagnosis. */
export async function settled(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('xapi-diagnosis')].every((e) => e.dataset.count !== undefined || e.error), null, { timeout: 20000 });
  await page.evaluate(() => Promise.all([...document.querySelectorAll('xapi-diagnosis')].map((e) => e.updateComplete)));
}

/**
 * Opens `path` of the served app in a fresh context and waits for every diagnosis. `quiet()`
 * asserts that nothing went wrong on the page: no page error, no console error or warning, no
 * CSP violation, no injected script run, no request outside the origin.
 */
export async function openApp(browser, server, path, options) {
  const { page, watch, context } = await openPage(browser, server.url, options);
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector('main');
  await settled(page);
  const quiet = async () => {
    const { csp, pwned } = await watch.check();
    assert.deepEqual(watch.errors, [], 'page errors');
    assert.deepEqual(watch.console.filter((m) => /^(error|warning)/.test(m)), [], 'console errors and warnings');
    assert.deepEqual(csp, [], 'CSP violations');
    assert.deepEqual(pwned, [], 'injected script ran');
    assert.deepEqual(watch.foreign, [], 'requests outside the origin');
    await context.close();
  };
  return { page, watch, context, quiet };
}

/** The findings diagnose() attributes to each task (by id) when it reads the whole log. */
export function findingsByTask(diagnose, log) {
  const byTask = new Map();
  for (const f of diagnose(log).findings) byTask.set(f.subject.taskId, [...(byTask.get(f.subject.taskId) ?? []), f.rule]);
  return byTask;
}

/**
 * The types of the event listeners attached to each element of `window.__kept` (Chromium's
 * DevTools protocol: what is attached, whatever the framework does with events afterwards).
 */
export async function keptListeners(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const count = await page.evaluate(() => window.__kept.length);
    const out = [];
    for (let i = 0; i < count; i++) {
      const { result } = await cdp.send('Runtime.evaluate', { expression: `window.__kept[${i}]` });
      const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
      out.push(listeners.map((l) => l.type).sort());
    }
    return out;
  } finally {
    await cdp.detach();
  }
}

/** Vite's dev server on the app (the framework's development build, with its warnings). */
export async function devServer(root, plugins, config = {}) {
  const { createServer } = await import('vite');
  const server = await createServer({ root, configFile: false, logLevel: 'silent', plugins, ...config, server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  return { url: server.resolvedUrls.local[0].replace(/\/$/, ''), requests: [], close: () => server.close() };
}

/**
 * The apps' "playground": one XapiDiagnosis driven directly (the same page contract in both
 * apps: #playground shows "<ready count> <rules>", #pg-input, #pg-context, #pg-tiny, #max).
 * Another input, the same input with a context, an input over maxInputBytes (the error event
 * reaches the app), maxFindings, and class / style falling through to the element.
 */
export async function exercisePlayground(page) {
  const playground = async () => {
    const [count, ...rules] = (await page.textContent('#playground')).split(' ');
    return { count: Number(count), rules };
  };
  const nextPlayground = async (after, rules) => {
    await page.waitForFunction(
      ([n, r]) => {
        const [count, ...shown] = document.querySelector('#playground').textContent.split(' ');
        return Number(count) > n && shown.join(' ') === r;
      },
      [after, rules.join(' ')],
    );
    return playground();
  };
  let state = await nextPlayground(0, ['SR044']);
  await page.selectOption('#pg-input', 'io');
  state = await nextPlayground(state.count, ['XA006']);
  await page.selectOption('#pg-input', 'sr44');
  state = await nextPlayground(state.count, ['SR044']);
  await page.check('#pg-context');
  state = await nextPlayground(state.count, ['SR044']);
  const commands = await page.$eval('.pg-diagnosis', (el) => [...el.shadowRoot.querySelectorAll('.cmd code')].map((c) => c.textContent));
  assert.ok(commands.includes('xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21'), commands.join(' | '));
  // Each ready event re-renders the app (with a new but equal context, or one changed in place): no new diagnosis.
  await page.waitForTimeout(400);
  assert.deepEqual(await playground(), state);

  // Options: an input over maxInputBytes is refused; the error event reaches the app.
  await page.check('#pg-tiny');
  await page.waitForFunction(() => /INPUT|large|bytes/i.test(document.querySelector('#last-error').textContent));
  assert.equal(await page.$eval('.pg-diagnosis', (el) => el.error?.code), 'INPUT_TOO_LARGE');
  await page.uncheck('#pg-tiny');
  state = await nextPlayground(state.count, ['SR044']);

  await page.selectOption('#pg-input', 'log');
  await page.fill('#max', '1');
  await page.waitForFunction(() => {
    const root = document.querySelector('.pg-diagnosis').shadowRoot;
    return root.querySelectorAll('.finding').length === 1 && /Show 1 more finding/.test(root.querySelector('.more')?.textContent ?? '');
  });
  assert.equal(await page.$eval('.pg-diagnosis', (el) => el.getAttribute('max-findings')), '1');
  assert.equal(await page.$eval('.pg-diagnosis', (el) => el.className), 'pg-diagnosis', 'class falls through to the element');
  assert.equal(await page.$eval('.pg-diagnosis', (el) => el.style.maxWidth), '60rem', 'style falls through to the element');
}
