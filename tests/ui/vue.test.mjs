// xapi-doctor/vue in a real Vue 3 app, built with Vite and @vitejs/plugin-vue (single-file
// components) from the packed package (tests/ui/apps.mjs), served under a strict
// Content-Security-Policy and driven in Chromium. The app (tests/ui/vue-app) lists a backup
// run's results the way Xen Orchestra 6's side panel does, with XoTaskDiagnosis next to each
// error, in two modes: what stock XO 6 gives the card (`{ message, stack }` of failed tasks) and
// what the fork of docs/xo-integration.md gives it (the task too, skipped tasks too, the log).
//
// Checked: the findings shown are diagnose()'s — for the message in stock mode, and in the fork
// exactly those the whole log's diagnosis attributes to each task —; the log's VM and SR fill
// the commands; the emitted events reach the app's state; changing props re-renders (and an
// equal context does not diagnose again); unmounting removes the elements and their listeners;
// hostile text stays text; no console message, no CSP violation, no foreign request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vue from '@vitejs/plugin-vue';
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
  app = prepareApp('vue-app', ['vue']);
  ({ diagnose } = await import(pathToFileURL(join(app.root, 'node_modules/xapi-doctor/node.mjs')).href));
  // `base: './'` as Xen Orchestra 6's vite.config.ts has it (relative asset URLs).
  server = await serve(await buildApp(app.root, [vue()], { base: './' }), { 'content-security-policy': CSP });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  app?.cleanup();
});

const open = (log, mode = 'fork', options) => openApp(browser, server, `/?log=${log}&mode=${mode}`, options);

/** Each result row of the errors card: its message, and what its <xapi-diagnosis> shows. */
function errorRows(page) {
  return page.evaluate(() => {
    const card = document.querySelector('.results-card.accent-danger');
    return [...(card?.querySelectorAll('.result') ?? [])].map((row) => {
      const el = row.querySelector('xapi-diagnosis');
      return {
        key: row.dataset.key,
        message: row.querySelector('.value').textContent,
        rules: el ? [...el.shadowRoot.querySelectorAll('.finding')].map((f) => f.dataset.rule) : null,
        commands: el ? [...el.shadowRoot.querySelectorAll('.cmd code')].map((c) => c.textContent) : [],
      };
    });
  });
}

/** Waits until the app's state holds a ready event for every diagnosis; returns it. */
async function readyState(page) {
  await page.waitForFunction(() => document.querySelectorAll('#ready-by-key li').length === document.querySelectorAll('.panel xapi-diagnosis').length);
  return page.$$eval('#ready-by-key li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.key, li.textContent.split(' ').filter(Boolean)])));
}

for (const [name, fixture] of Object.entries(fixtures)) {
  test(`${name}: fork — each error shows the findings the whole log's diagnosis gives its task`, async () => {
    const { page, quiet } = await open(name);
    const rows = await errorRows(page);
    const expected = findingsByTask(diagnose, fixture.log);
    expected.delete(fixture.log.id); // XO 6 lists the results of the run's tasks, not of the run itself
    const tasks = new Map(allTasks(fixture.log).map((t) => [t.id, t]));
    const withDiagnosis = rows.filter((r) => r.rules !== null);
    assert.deepEqual(withDiagnosis.map((r) => r.key).sort(), [...expected.keys()].sort(), 'a diagnosis on exactly the tasks the whole-log diagnosis is about');
    for (const r of withDiagnosis) {
      assert.deepEqual(r.rules, expected.get(r.key), `${r.key}: the rules of the whole log's diagnosis`);
      assert.equal(r.message, tasks.get(r.key).result.message ?? 'Unknown error');
    }
    // Every failed or skipped task with a result is listed; the parents that only repeat a
    // sub-task's error are listed without a diagnosis.
    const listed = allTasks({ tasks: fixture.log.tasks ?? [] }).filter((t) => (t.status === 'failure' || t.status === 'skipped') && t.result !== undefined);
    assert.deepEqual(rows.map((r) => r.key), listed.map((t) => t.id));
    assert.deepEqual(await readyState(page), Object.fromEntries(withDiagnosis.map((r) => [r.key, r.rules])));
    if (name === 'sample' || name === 'sr44') await shot(page, `ui-vue-${name}`);
    await quiet();
  });

  test(`${name}: stock — each error shows the findings diagnose() gives its message`, async () => {
    const { page, quiet } = await open(name, 'stock');
    const rows = await errorRows(page);
    const failed = allTasks({ tasks: fixture.log.tasks ?? [] }).filter((t) => t.status === 'failure' && t.result !== undefined);
    assert.equal(rows.length, failed.length, 'one row per failed task, as XO 6 lists them');
    rows.forEach((r, i) => {
      const { message = 'Unknown error', stack = '' } = failed[i].result;
      const input = typeof stack === 'string' && stack !== '' ? { message, stack } : { message };
      assert.equal(r.message, message);
      assert.deepEqual(r.rules, diagnose(input).findings.map((f) => f.rule), `row ${i}: ${message}`);
    });
    assert.deepEqual(await readyState(page), Object.fromEntries(rows.map((r) => [r.key, r.rules])));
    await quiet();
  });
}

test('sample (fork): the chain-protection skip is listed and diagnosed; the VM rows that repeat an error show none', async () => {
  const { page, quiet } = await open('sample');
  const rows = await errorRows(page);
  const skipped = fixtures.sample.log.tasks.find((t) => t.status === 'skipped');
  const snapshot = skipped.tasks.find((t) => t.message === 'snapshot');
  assert.deepEqual(rows.find((r) => r.key === snapshot.id).rules, ['XO001']);
  assert.equal(rows.find((r) => r.key === skipped.id).rules, null);
  await quiet();
});

test('sr44 (fork): the VM and the SR of the ancestors, found in the log, fill the commands', async () => {
  const { page, quiet } = await open('sr44');
  const rows = await errorRows(page);
  const [erp, mail] = fixtures.sr44.log.tasks;
  const snapshot = rows.find((r) => r.key === erp.tasks[0].id);
  assert.ok(snapshot.commands.some((c) => c.includes(`uuid=${erp.data.id}`)), snapshot.commands.join(' | '));
  const transfer = rows.find((r) => r.key === mail.tasks[1].tasks[0].id);
  assert.ok(transfer.commands.some((c) => c.includes(`uuid=${mail.tasks[1].data.id}`)), transfer.commands.join(' | '));
  assert.ok(!transfer.commands.some((c) => c.includes('<sr-uuid>')));
  await quiet();
});

test('props: expanded, theme, maxFindings, input and context re-render; an equal context does not diagnose again', async () => {
  const { page, quiet } = await open('sample');
  const toggles = () => page.$$eval('.panel xapi-diagnosis', (els) => els.map((el) => el.shadowRoot.querySelector('.toggle').getAttribute('aria-expanded')));
  assert.deepEqual(await toggles(), ['false', 'false']);
  await page.check('#expanded');
  await page.waitForFunction(() => [...document.querySelectorAll('.panel xapi-diagnosis')].every((el) => el.shadowRoot.querySelector('.toggle').getAttribute('aria-expanded') === 'true'));
  await page.selectOption('#theme', 'dark');
  await page.waitForFunction(() => [...document.querySelectorAll('xapi-diagnosis')].every((el) => el.getAttribute('theme') === 'dark'));
  await page.selectOption('#theme', '');
  await page.waitForFunction(() => [...document.querySelectorAll('xapi-diagnosis')].every((el) => !el.hasAttribute('theme')));

  await exercisePlayground(page);

  await page.fill('#max', '');
  await page.selectOption('#log', 'sr44');
  await page.waitForFunction(() => document.querySelectorAll('.panel xapi-diagnosis').length === 2 && document.querySelectorAll('#ready-by-key li').length === 4);
  await settled(page);
  assert.deepEqual(
    (await errorRows(page)).filter((r) => r.rules !== null).map((r) => r.rules),
    [['SR044'], ['SR044']],
  );
  await quiet();
});

test('events: toggle and copy details reach the app', async () => {
  const { page, quiet } = await open('sr44', 'fork', { permissions: ['clipboard-read', 'clipboard-write'] });
  const first = page.locator('.panel xapi-diagnosis').first();
  await first.locator('.toggle').click();
  await page.waitForFunction(() => document.querySelector('#last-toggle').textContent === 'SR044 true');
  const command = await first.locator('.cmd code').first().textContent();
  await first.locator('.copy').first().click();
  await page.waitForFunction((c) => document.querySelector('#last-copy').textContent === `true ${c}`, command);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
  await quiet();
});

test('unmounting removes the elements and their listeners', async () => {
  const { page, quiet } = await open('sample');
  await page.waitForFunction(() => document.querySelector('#ready-count').textContent !== '0');
  const before = Number(await page.textContent('#ready-count'));
  await page.evaluate(() => {
    window.__kept = [...document.querySelectorAll('xapi-diagnosis')];
    window.__kept[0].dispatchEvent(new CustomEvent('xapi-diagnosis-ready', { detail: { diagnosis: { findings: [] } } }));
  });
  await page.waitForFunction((n) => Number(document.querySelector('#ready-count').textContent) === n + 1, before);
  const playground = await page.textContent('#playground');
  const EVENTS = ['xapi-diagnosis-copy', 'xapi-diagnosis-error', 'xapi-diagnosis-ready', 'xapi-diagnosis-toggle'];
  assert.deepEqual(await keptListeners(page), [EVENTS, EVENTS, EVENTS], 'one listener per event while mounted');

  await page.click('#toggle-panel');
  await page.waitForFunction(() => document.querySelectorAll('xapi-diagnosis').length === 0);
  assert.equal(await page.evaluate(() => window.__kept.length), 3);
  assert.equal(await page.evaluate(() => window.__kept.some((el) => el.isConnected)), false);
  assert.deepEqual(await keptListeners(page), [[], [], []], 'no listener left on the removed elements');
  await page.evaluate(() => {
    for (const el of window.__kept) el.dispatchEvent(new CustomEvent('xapi-diagnosis-ready', { detail: { diagnosis: { findings: [] } } }));
  });
  await page.waitForTimeout(200);
  assert.equal(Number(await page.textContent('#ready-count')), before + 1, 'no event after unmount');
  assert.equal(await page.textContent('#playground'), playground);

  await page.click('#toggle-panel');
  await settled(page);
  assert.equal(await page.locator('xapi-diagnosis').count(), 3, 'mounted again');
  await quiet();
});

test('hostile text is shown as text and never runs', async () => {
  for (const mode of ['fork', 'stock']) {
    const { page, quiet } = await open('hostile', mode);
    await page.check('#expanded');
    await settled(page);
    const seen = await page.evaluate(() => ({
      images: window.__deep('img').length,
      scripts: window.__deep('script').filter((s) => !s.src).length,
      page: document.querySelector('.panel').textContent,
      shadow: [...document.querySelectorAll('.panel xapi-diagnosis')].map((el) => el.shadowRoot.textContent).join('\n'),
    }));
    assert.equal(seen.images, 0, mode);
    assert.equal(seen.scripts, 0, mode);
    assert.ok(seen.page.includes(HOSTILE), `${mode}: the message, as text, in the page`);
    assert.ok(seen.shadow.includes('<img src=x onerror='), `${mode}: the evidence, as text, in the element`);
    await page.waitForTimeout(200);
    await quiet();
  }
});

test('Vite dev server (Vue development build): the diagnoses render, unmount and remount without a warning', async () => {
  const dev = await devServer(app.root, [vue()], { base: './' });
  try {
    for (const log of ['sample', 'hostile']) {
      const { page, quiet } = await openApp(browser, dev, `/?log=${log}`);
      const shown = await page.$$eval('.panel xapi-diagnosis', (els) => els.flatMap((el) => [...el.shadowRoot.querySelectorAll('.finding')].map((f) => f.dataset.rule)));
      const expected = [...findingsByTask(diagnose, fixtures[log].log).values()].flat();
      assert.deepEqual(shown.sort(), expected.sort());
      await page.check('#expanded');
      await page.click('#toggle-panel');
      await page.waitForFunction(() => document.querySelectorAll('xapi-diagnosis').length === 0);
      await page.click('#toggle-panel');
      await settled(page);
      await quiet();
    }
  } finally {
    await dev.close();
  }
});
