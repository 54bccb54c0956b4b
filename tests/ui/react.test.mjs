// xapi-doctor/react in a real React app, built with Vite and @vitejs/plugin-react from the
// packed package (tests/ui/apps.mjs), served under a strict Content-Security-Policy and driven
// in Chromium. The app (tests/ui/react-app) draws backup logs the way Xen Orchestra 5's log
// modal does, with XoTaskDiagnosis where XO shows a task's error.
//
// Checked: for every log of tests/ui/fixtures.mjs the findings each task shows are the ones
// diagnose() attributes to that task in the whole log, and only where XO shows an error; the
// VM and SR of the ancestors fill the commands; the callbacks' details reach the app's state;
// changing props re-renders (and an equal context does not diagnose again); unmounting removes
// the elements and their listeners; hostile text stays text; no console message, no CSP
// violation, no request outside the page's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import react from '@vitejs/plugin-react';
import { serve, launch } from '../browser/harness.mjs';
import { CSP, shot } from '../browser/page.mjs';
import { buildApp, devServer, exercisePlayground, findingsByTask, keptListeners, openApp, prepareApp, settled } from './apps.mjs';
import { allTasks, buildFixtures, HOSTILE } from './fixtures.mjs';

const fixtures = buildFixtures();
let app;
let server;
let browser;
let diagnose; // from the installed tarball, as the app gets it

before(async () => {
  app = prepareApp('react-app', ['react', 'react-dom', 'scheduler']);
  ({ diagnose } = await import(pathToFileURL(join(app.root, 'node_modules/xapi-doctor/node.mjs')).href));
  server = await serve(await buildApp(app.root, [react()]), { 'content-security-policy': CSP });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  app?.cleanup();
});

/** Opens the app on a log. */
async function open(log, options) {
  const opened = await openApp(browser, server, `/?log=${log}`, options);
  await opened.page.waitForSelector('.modal');
  return opened;
}

/** What each <xapi-diagnosis> of the log shows, by the id of the task it sits in. */
function shownByTask(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.modal xapi-diagnosis')].map((el) => ({
      taskId: el.closest('[data-task-id]')?.dataset.taskId ?? null,
      rules: [...el.shadowRoot.querySelectorAll('.finding')].map((f) => f.dataset.rule),
      status: el.shadowRoot.querySelector('.status')?.textContent ?? null,
      commands: [...el.shadowRoot.querySelectorAll('.cmd code')].map((c) => c.textContent),
      besideError: el.parentElement.classList.contains('task-error'),
    })),
  );
}

for (const [name, fixture] of Object.entries(fixtures)) {
  test(`${name}: each task shows the findings diagnose() gives for it, where XO shows its error`, async () => {
    const { page, quiet } = await open(name);
    const shown = await shownByTask(page);
    const expected = findingsByTask(diagnose, fixture.log);
    const tasks = new Map(allTasks(fixture.log).map((t) => [t.id, t]));

    assert.deepEqual(
      shown.map((s) => s.taskId).sort(),
      [...expected.keys()].sort(),
      'a diagnosis on exactly the tasks the whole-log diagnosis is about',
    );
    for (const s of shown) {
      assert.ok(s.besideError, `${s.taskId}: under the task's error`);
      assert.deepEqual(s.rules, expected.get(s.taskId), `${s.taskId}: the rules of the whole log's diagnosis`);
      const { tasks: _children, ...own } = tasks.get(s.taskId);
      assert.deepEqual(s.rules, diagnose(own).findings.map((f) => f.rule), `${s.taskId}: the rules of diagnose(task)`);
    }
    // The callback's detail reached the app's state, which shows it.
    await page.waitForFunction((n) => document.querySelectorAll('#ready-by-task li').length === n, shown.length);
    const reported = await page.$$eval('#ready-by-task li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.taskId, li.textContent.split(' ').filter(Boolean)])));
    assert.deepEqual(reported, Object.fromEntries(shown.map((s) => [s.taskId, s.rules])));
    if (name === 'sample' || name === 'sr44') await shot(page, `ui-react-${name}`);
    await quiet();
  });
}

test('sample: the chain-protection skip is diagnosed on the snapshot, beside XO\'s link; the parent VM shows none', async () => {
  const { page, quiet } = await open('sample');
  const shown = await shownByTask(page);
  const skipped = fixtures.sample.log.tasks.find((t) => t.status === 'skipped');
  const snapshot = skipped.tasks.find((t) => t.message === 'snapshot');
  const chain = shown.find((s) => s.taskId === snapshot.id);
  assert.ok(chain, 'the snapshot task carries the diagnosis');
  assert.ok(!shown.some((s) => s.taskId === skipped.id), 'not repeated on the VM task');
  assert.equal(diagnose(snapshot).findings[0].category, 'coalesce_failure');
  assert.equal(await page.locator(`li[data-task-id="${snapshot.id}"] > .task-error > a`).count(), 1, "XO's documentation link stays");
  await quiet();
});

test('sr44: the VM and the SR of the ancestors fill the commands', async () => {
  const { page, quiet } = await open('sr44');
  const shown = await shownByTask(page);
  const [erp, mail] = fixtures.sr44.log.tasks;
  const snapshot = shown.find((s) => s.taskId === erp.tasks[0].id);
  assert.ok(snapshot.commands.some((c) => c.includes(`uuid=${erp.data.id}`)), `the VM's uuid: ${snapshot.commands.join(' | ')}`);
  const transfer = shown.find((s) => s.taskId === mail.tasks[1].tasks[0].id);
  const sr = mail.tasks[1].data.id;
  assert.ok(transfer.commands.some((c) => c.includes(`uuid=${sr}`)), `the target SR's uuid: ${transfer.commands.join(' | ')}`);
  assert.ok(!transfer.commands.some((c) => c.includes('<sr-uuid>')), 'no SR placeholder left');
  await quiet();
});

test('props: expanded, theme, maxFindings, input and context re-render; an equal context does not diagnose again', async () => {
  const { page, quiet } = await open('sample');
  const toggles = () => page.$$eval('.modal xapi-diagnosis', (els) => els.map((el) => el.shadowRoot.querySelector('.toggle').getAttribute('aria-expanded')));
  assert.deepEqual(await toggles(), ['false', 'false']);
  await page.check('#expanded');
  await page.waitForFunction(() => [...document.querySelectorAll('.modal xapi-diagnosis')].every((el) => el.shadowRoot.querySelector('.toggle').getAttribute('aria-expanded') === 'true'));
  await page.selectOption('#theme', 'dark');
  assert.deepEqual(await page.$$eval('xapi-diagnosis', (els) => els.map((el) => el.getAttribute('theme'))), ['dark', 'dark', 'dark']);
  await page.selectOption('#theme', '');
  assert.deepEqual(await page.$$eval('xapi-diagnosis', (els) => els.map((el) => el.hasAttribute('theme'))), [false, false, false]);

  // The direct XapiDiagnosis: another input, then the same input with a context. Its ready
  // events are counted by the app ("<count> <rules>"); `expanded` above re-rendered it too.
  await exercisePlayground(page);

  // Another log: the components get other tasks and diagnose them.
  await page.fill('#max', '');
  await page.selectOption('#log', 'sr44');
  await page.waitForFunction(() => [...document.querySelectorAll('.modal xapi-diagnosis')].length === 2 && [...document.querySelectorAll('#ready-by-task li')].length === 4);
  await settled(page);
  assert.deepEqual(
    (await shownByTask(page)).map((s) => s.rules),
    [['SR044'], ['SR044']],
  );
  await quiet();
});

test('events: toggle and copy details reach the app', async () => {
  const { page, quiet } = await open('sr44', { permissions: ['clipboard-read', 'clipboard-write'] });
  const first = page.locator('.modal xapi-diagnosis').first();
  await first.locator('.toggle').click();
  await page.waitForFunction(() => document.querySelector('#last-toggle').textContent === 'SR044 true');
  const command = await first.locator('.cmd code').first().textContent();
  await first.locator('.copy').first().click();
  await page.waitForFunction((c) => document.querySelector('#last-copy').textContent === `true ${c}`, command);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
  await first.locator('.toggle').click();
  await page.waitForFunction(() => document.querySelector('#last-toggle').textContent === 'SR044 false');
  await quiet();
});

test('unmounting removes the elements and their listeners', async () => {
  const { page, quiet } = await open('sample');
  await page.waitForFunction(() => document.querySelector('#ready-count').textContent !== '0');
  // The test's own probe works: a ready event on a mounted element reaches the app.
  const before = Number(await page.textContent('#ready-count'));
  await page.evaluate(() => {
    window.__kept = [...document.querySelectorAll('xapi-diagnosis')];
    window.__kept[0].dispatchEvent(new CustomEvent('xapi-diagnosis-ready', { detail: { diagnosis: { findings: [] } } }));
  });
  await page.waitForFunction((n) => Number(document.querySelector('#ready-count').textContent) === n + 1, before);
  const playground = await page.textContent('#playground');
  const EVENTS = ['xapi-diagnosis-copy', 'xapi-diagnosis-error', 'xapi-diagnosis-ready', 'xapi-diagnosis-toggle'];
  assert.deepEqual(await keptListeners(page), [EVENTS, EVENTS, EVENTS], 'one listener per event while mounted');

  await page.click('#toggle-modal');
  await page.waitForFunction(() => document.querySelectorAll('xapi-diagnosis').length === 0);
  assert.equal(await page.evaluate(() => window.__kept.length), 3);
  assert.equal(await page.evaluate(() => window.__kept.some((el) => el.isConnected)), false);
  assert.deepEqual(await keptListeners(page), [[], [], []], 'no listener left on the removed elements');
  await page.evaluate(() => {
    for (const el of window.__kept) el.dispatchEvent(new CustomEvent('xapi-diagnosis-ready', { detail: { diagnosis: { findings: [] } } }));
  });
  await page.waitForTimeout(200);
  assert.equal(Number(await page.textContent('#ready-count')), before + 1, 'no callback after unmount');
  assert.equal(await page.textContent('#playground'), playground);

  await page.click('#toggle-modal');
  await settled(page);
  assert.equal(await page.locator('xapi-diagnosis').count(), 3, 'mounted again');
  await quiet();
});

test('hostile text is shown as text and never runs', async () => {
  const { page, quiet } = await open('hostile');
  await page.check('#expanded');
  await settled(page);
  const seen = await page.evaluate(() => ({
    images: window.__deep('img').length,
    scripts: window.__deep('script').filter((s) => !s.src).length,
    page: document.querySelector('.modal').textContent,
    shadow: [...document.querySelectorAll('.modal xapi-diagnosis')].map((el) => el.shadowRoot.textContent).join('\n'),
  }));
  assert.equal(seen.images, 0);
  assert.equal(seen.scripts, 0);
  assert.ok(seen.page.includes(HOSTILE), 'the task message, as text, in the page');
  assert.ok(seen.shadow.includes('<img src=x onerror='), 'the evidence, as text, in the element');
  await page.waitForTimeout(200);
  await quiet();
});

test('Vite dev server (React development build): the diagnoses render, unmount and remount without a warning', async () => {
  const dev = await devServer(app.root, [react()]);
  try {
    for (const log of ['sample', 'hostile']) {
      const { page, quiet } = await openApp(browser, dev, `/?log=${log}`);
      const shown = await page.$$eval('.modal xapi-diagnosis', (els) => els.flatMap((el) => [...el.shadowRoot.querySelectorAll('.finding')].map((f) => f.dataset.rule)));
      const expected = [...findingsByTask(diagnose, fixtures[log].log).values()].flat();
      assert.deepEqual(shown.sort(), expected.sort());
      await page.check('#expanded');
      await page.click('#toggle-modal');
      await page.waitForFunction(() => document.querySelectorAll('xapi-diagnosis').length === 0);
      await page.click('#toggle-modal');
      await settled(page);
      await quiet();
    }
  } finally {
    await dev.close();
  }
});
