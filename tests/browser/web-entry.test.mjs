// The browser entry in real Chromium: diagnose() before init() throws NOT_INITIALIZED,
// `await init()` loads the module (idempotently), then diagnose() works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('web entry: init, then diagnose, in Chromium', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/tests/browser/blank.html`);
  const result = await page.evaluate(async () => {
    const doctor = await import('/pkg/web.js');
    let before;
    try {
      doctor.diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )');
    } catch (e) {
      before = e.code;
    }
    await Promise.all([doctor.default(), doctor.init()]);
    const d = doctor.diagnose(['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', '']);
    return { before, kind: d.kind, rule: d.findings[0].rule, rules: doctor.listRules().length, version: doctor.version() };
  });
  assert.equal(result.before, 'NOT_INITIALIZED');
  assert.equal(result.kind, 'xapi_error');
  assert.equal(result.rule, 'SR109');
  assert.ok(result.rules >= 50);
  assert.deepEqual(errors, []);
  const wasmLoads = server.requests.filter((p) => p.endsWith('.wasm'));
  assert.deepEqual(wasmLoads, ['/pkg/dist/xapi_doctor_bg.wasm'], 'the module is fetched once');
  await page.close();
});
