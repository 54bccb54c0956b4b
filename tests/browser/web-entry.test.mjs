// The browser entry in real Chromium: diagnose() before init() throws NOT_INITIALIZED,
// `await init()` loads the module (idempotently), then diagnose() works.
// And it recovers from a trap in the WebAssembly instance: the call
// throws INTERNAL, the next call runs in a fresh instance of the already-compiled module (no
// second .wasm fetch) through the glue copy init() imported in advance; a second trap before
// the next copy has loaded makes calls throw INTERNAL until `await init()` resolves.
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

test('web entry: a trap throws INTERNAL and the next call works, in Chromium', async () => {
  const page = await browser.newPage();
  const requestsBefore = server.requests.length; // the first test loaded the module too
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/tests/browser/blank.html`);
  const r = await page.evaluate(async () => {
    const doctor = await import('/pkg/web.js');
    const codeOf = (f) => {
      try {
        f();
        return null;
      } catch (e) {
        return { code: e.code, cause: e.cause?.constructor?.name ?? null };
      }
    };
    const input = ['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', ''];
    await doctor.init();
    const before = JSON.stringify(doctor.diagnose(input));
    const scanner = new doctor.SmlogScanner();
    const first = codeOf(doctor.__trapForTests);
    const afterFirst = JSON.stringify(doctor.diagnose(input)) === before;
    const stale = codeOf(() => scanner.push('x'));
    const second = codeOf(doctor.__trapForTests); // the next spare is still loading
    const whileLoading = codeOf(() => doctor.diagnose(input));
    await doctor.init();
    const afterSecond = JSON.stringify(doctor.diagnose(input)) === before;
    const fresh = new doctor.SmlogScanner();
    fresh.push('Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [44, There is insufficient space]\n');
    return { first, afterFirst, stale, second, whileLoading, afterSecond, scannerRule: fresh.finish().findings[0].rule };
  });
  assert.deepEqual(r.first, { code: 'INTERNAL', cause: 'RuntimeError' });
  assert.equal(r.afterFirst, true);
  assert.equal(r.stale.code, 'INTERNAL');
  assert.equal(r.second.code, 'INTERNAL');
  assert.equal(r.whileLoading.code, 'INTERNAL');
  assert.equal(r.afterSecond, true);
  assert.equal(r.scannerRule, 'SR044');
  assert.deepEqual(errors, []);
  const requests = server.requests.slice(requestsBefore);
  assert.equal(requests.filter((p) => p.endsWith('.wasm')).length, 1, 'compiled once, instantiated again');
  assert.ok(requests.filter((p) => p.startsWith('/pkg/dist/xapi_doctor.web.js')).length >= 3, 'glue copies were imported');
  await page.close();
});
