// The xo-server plugin inside a real xo-server, end to end: the packed plugin is installed where
// xo-server looks for plugins, xo-server starts (Redis, no pool), and the script checks what an
// administrator would meet: the plugin registers and loads, its settings form validates, its
// JSON-RPC methods and REST routes answer with xo-server's own permissions and ACLs, a real backup
// run that fails is diagnosed and its report goes out through xo-server's e-mail transport
// (nodemailer, to an SMTP sink here) with the hostile job name escaped, and unloading the plugin
// removes what it added.
//
// xo-server is not published on npm and this machine cannot reach GitHub, so this is not part of
// scripts/test.sh: it needs a built checkout of Xen Orchestra (DEVELOPERS.md, "The plugin in a
// real xo-server"):
//
//   XO_SRC=/path/to/xen-orchestra node tests/xo-live/run.mjs
//
// XO_SRC must hold packages/xo-server/dist and packages/xo-server-transport-email/dist (`yarn
// install`, then `npx turbo run build --filter 'xo-server...' --filter 'xo-server-transport-email...'`),
// and redis-server must be on PATH. Run `./scripts/build.sh` first: the plugin tarball is taken
// from xo-server-xapi-doctor/.
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const { diagnose } = createRequire(import.meta.url)(join(root, 'pkg/node.cjs'));
const xoSrc = process.env.XO_SRC;
const need = (ok, what) => {
  if (!ok) {
    console.error(`tests/xo-live: ${what}`);
    process.exit(2);
  }
};
need(xoSrc, 'set XO_SRC to a built checkout of Xen Orchestra (see the comment at the top of this file)');
need(existsSync(join(xoSrc, 'packages/xo-server/dist/cli.mjs')), `${xoSrc}/packages/xo-server/dist/cli.mjs is missing: build xo-server first`);
need(existsSync(join(xoSrc, 'packages/xo-server-transport-email/dist')), 'build xo-server-transport-email too');
const tarball = readdirSync(join(root, 'xo-server-xapi-doctor')).find((f) => /^xo-server-xapi-doctor-.*\.tgz$/.test(f));
need(tarball, 'no xo-server-xapi-doctor/*.tgz: run ./scripts/build.sh');
const WebSocket = createRequire(join(xoSrc, 'package.json'))('ws');

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, test, seconds = 60) {
  for (const end = Date.now() + seconds * 1000; Date.now() < end; await sleep(250)) {
    const value = await test();
    if (value) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An SMTP server that accepts everything and keeps each message's data (no TLS, no auth). */
function smtpSink(port) {
  const messages = [];
  const server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    socket.write('220 sink ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          messages.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((res) => server.listen(port, '127.0.0.1', () => res({ messages, close: () => server.close() })));
}

async function rpc(url) {
  const ws = new WebSocket(url);
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    const p = pending.get(msg.id);
    if (p === undefined) return;
    pending.delete(msg.id);
    if (msg.error) p.rej(Object.assign(new Error(msg.error.message), { code: msg.error.code, data: msg.error.data }));
    else p.res(msg.result);
  });
  const call = (method, params = {}) =>
    new Promise((res, rej) => {
      pending.set(++id, { res, rej });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  return { call, close: () => ws.close() };
}

/** Chromium signed in to xo-server as the admin of `token`; `problems` collects the page's errors
 * that concern xapi-doctor (its module, WebAssembly, the Content-Security-Policy). */
async function signedInPage({ base, token, viewport }) {
  const { chromium } = createRequire(join(root, 'package.json'))('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext(viewport ? { viewport } : {});
  // xo-server's pages want the `token` cookie (its sign-in sets it), the REST API `authenticationToken`.
  await context.addCookies(['token', 'authenticationToken'].map((name) => ({ name, value: token, url: base })));
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    const text = `${m.text()} (${m.location()?.url ?? ''})`;
    if (m.type() === 'error' && /xapi|wasm|Content Security/i.test(text)) problems.push(text);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { browser, page, problems };
}

/** Opens the run in XO 6's backup runs page in Chromium and reads the diagnosis under its error. */
async function checkXo6Panel({ base, token, jobId, runId, work }) {
  const { browser, page, problems } = await signedInPage({ base, token });
  try {
    await page.goto(`${base}/v6/#/backup/${jobId}/runs?id=${runId}`);
    const diagnosis = page.locator('xapi-diagnosis').first();
    await diagnosis.waitFor({ state: 'attached', timeout: 60000 }).catch(async (error) => {
      await page.screenshot({ path: join(work, '..', 'xo-live-v6.png'), fullPage: true });
      throw new Error(`no <xapi-diagnosis> in XO 6's run panel (${page.url()}; page errors: ${problems.join(' | ') || 'none'}; screenshot /tmp/xo-live-v6.png)`, { cause: error });
    });
    const text = await until('the diagnosis in the panel', async () => {
      const t = await diagnosis.evaluate((el) => (el.shadowRoot ?? el).textContent ?? '');
      return t.includes('XO010') || t.includes('no connection') ? t : '';
    });
    // XO 6 greets a new user with a modal; close it for the screenshot.
    await page.getByRole('button', { name: "Let's go!" }).click({ timeout: 2000 }).catch(() => {});
    await page.waitForTimeout(500);
    await diagnosis.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(work, '..', 'xo-live-v6.png') });
    assert.match(text, /Xen Orchestra has no connection to the VM's pool/);
    assert.deepEqual(problems, [], 'no error on the page (CSP, WebAssembly)');
  } finally {
    await browser.close();
  }
}

/** Opens the run's log in XO 5's backup overview in Chromium and reads the diagnosis in its modal. */
async function checkXo5Modal({ base, token, work }) {
  const { browser, page, problems } = await signedInPage({ base, token, viewport: { width: 1400, height: 1000 } });
  try {
    await page.goto(`${base}/v5/#/backup/overview`);
    // XO 5 may greet with modals of its own (XO 6 announcement…): close them first.
    await page.waitForTimeout(3000);
    await page.screenshot({ path: join(work, '..', 'xo-live-v5-start.png') });
    for (let i = 0; i < 5 && (await page.locator('.modal.in').count()) > 0; i++) {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
    // The log's status button opens the log in a modal (xo-web's LogStatus → LogAlertBody).
    await page.locator('button', { hasText: /failed/i }).first().click({ timeout: 60000 });
    const diagnosis = page.locator('.modal xapi-diagnosis').first();
    await diagnosis.waitFor({ state: 'attached', timeout: 60000 }).catch(async (error) => {
      await page.screenshot({ path: join(work, '..', 'xo-live-v5.png') });
      throw new Error(`no <xapi-diagnosis> in XO 5's log modal (page errors: ${problems.join(' | ') || 'none'}; screenshot /tmp/xo-live-v5.png)`, { cause: error });
    });
    const text = await until('the diagnosis in the modal', async () => {
      const t = await diagnosis.evaluate((el) => (el.shadowRoot ?? el).textContent ?? '');
      return t.includes('XO010') ? t : '';
    }).catch(async (error) => {
      await page.screenshot({ path: join(work, '..', 'xo-live-v5.png') });
      const t = await diagnosis.evaluate((el) => (el.shadowRoot ?? el).textContent ?? '');
      throw new Error(`XO 5's modal shows no XO010 (it shows: ${t.slice(0, 300)}; page errors: ${problems.join(' | ') || 'none'})`, { cause: error });
    });
    await diagnosis.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(work, '..', 'xo-live-v5.png') });
    assert.match(text, /Xen Orchestra has no connection to the VM's pool/);
    assert.deepEqual(problems, [], 'no error on the page (CSP, WebAssembly)');
  } finally {
    await browser.close();
  }
}

let uiChecked = false;
let xo5Checked = false;
const work = mkdtempSync(join(tmpdir(), 'xo-live-'));
const children = [];
const cleanup = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.on('exit', cleanup);

try {
  const [redisPort, httpPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(redis);
  const sink = await smtpSink(smtpPort);

  const plugins = join(work, 'plugins');
  const plugin = join(plugins, 'xo-server-xapi-doctor');
  mkdirSync(plugin, { recursive: true });
  execFileSync('tar', ['xzf', join(root, 'xo-server-xapi-doctor', tarball), '--strip-components=1', '-C', plugin]);
  symlinkSync(join(xoSrc, 'packages/xo-server-transport-email'), join(plugins, 'xo-server-transport-email'));
  // app-conf reads ~/.config/xo-server/config.toml: HOME is the work directory.
  mkdirSync(join(work, '.config/xo-server'), { recursive: true });
  writeFileSync(
    join(work, '.config/xo-server/config.toml'),
    [
      `datadir = '${join(work, 'data')}'`,
      '[http.listen.0]',
      "hostname = '127.0.0.1'",
      `port = ${httpPort}`,
      '[redis]',
      `uri = 'redis://localhost:${redisPort}/0'`,
      '[plugins]',
      `lookupPaths = ['${plugins}']`,
      '',
    ].join('\n'),
  );
  const logLines = [];
  const server = spawn(process.execPath, ['dist/cli.mjs'], { cwd: join(xoSrc, 'packages/xo-server'), env: { ...process.env, HOME: work } });
  children.push(server);
  for (const stream of [server.stdout, server.stderr]) stream.on('data', (d) => logLines.push(...String(d).split('\n')));
  await until('xo-server to register the plugin', () => logLines.some((l) => l.includes('successfully register xapi-doctor')), 120);
  const base = `http://127.0.0.1:${httpPort}`;

  const xo = await rpc(`ws://127.0.0.1:${httpPort}/api/`);
  await xo.call('session.signInWithPassword', { email: 'admin@admin.net', password: 'admin' });
  const version = await xo.call('system.getServerVersion');

  // Registered and loaded with its defaults; the settings form is xo-server's schema check.
  const info = (await xo.call('plugin.get')).find((p) => p.id === 'xapi-doctor');
  assert.equal(info.loaded, true, 'the plugin loads without configuration');
  assert.equal(info.testable, true);
  assert.ok(['when', 'toMails', 'delaySeconds'].every((k) => k in info.configurationSchema.properties));
  await assert.rejects(xo.call('plugin.configure', { id: 'xapi-doctor', configuration: { when: 'sometimes' } }), /invalid/i);
  await xo.call('plugin.configure', { id: 'transport-email', configuration: { from: { address: 'xo@example.test' }, transport: { host: '127.0.0.1', port: smtpPort, secure: 'disabled' } } });
  await xo.call('plugin.load', { id: 'transport-email' });
  await xo.call('plugin.configure', { id: 'xapi-doctor', configuration: { when: 'failure', toMails: ['admin@example.test'], delaySeconds: 1 } });
  const methods = Object.keys(await xo.call('system.getMethodsInfo')).filter((m) => m.startsWith('xapiDoctor.'));
  assert.deepEqual(methods.sort(), ['xapiDoctor.checkSrChains', 'xapiDoctor.checkVmChains', 'xapiDoctor.diagnose', 'xapiDoctor.diagnoseRun', 'xapiDoctor.getLog', 'xapiDoctor.planSnapshotSpace']);

  // JSON-RPC: text and objects; bad input is xo-server's "invalid parameters", not a crash.
  const d = await xo.call('xapiDoctor.diagnose', { input: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )' });
  assert.equal(d.findings[0].category, 'insufficient_space');
  await assert.rejects(xo.call('xapiDoctor.diagnose', { input: 42 }), (e) => e.code === 10 || /invalid parameters/.test(e.message));
  await assert.rejects(xo.call('xapiDoctor.checkVmChains', { id: 'no-such-vm' }), /no such VM/);

  // A real backup run that fails (its VM is in no connected pool), with a hostile job name.
  const hostile = 'nightly <img src=x onerror=alert(1)> [click](http://evil.example) @channel';
  const remote = await xo.call('remote.create', { name: 'local', url: `file://${join(work, 'remote')}` });
  mkdirSync(join(work, 'remote'), { recursive: true });
  const jobId = await xo.call('backupNg.createJob', {
    mode: 'full',
    name: hostile,
    remotes: { id: remote.id },
    schedules: { s: { cron: '0 0 1 1 *', enabled: false, name: 'manual' } },
    settings: { '': { reportWhen: 'never' }, s: { exportRetention: 1 } },
    vms: { id: '0f0e0d0c-0b0a-4998-8877-665544332211' },
  });
  const schedule = (await xo.call('schedule.getAll')).find((s) => s.jobId === jobId);
  await xo.call('backupNg.runJob', { id: jobId, schedule: schedule.id });
  const mail = await until('the report e-mail', () => sink.messages[0]);
  const runId = Object.values(await xo.call('backupNg.getLogs', { jobId }))[0].id;
  const run = await xo.call('xapiDoctor.diagnoseRun', { runId });
  assert.equal(run.status, 'failure');
  assert.equal(run.counts.failed, 1);
  assert.equal(run.problems[0].findings[0].rule, 'XO010', 'no XAPI associated to <vm>: the pool is not connected');

  // xo-cli itself (its own checkout): without --json it prints a result, and a refused call after
  // `✖ `, with Node's util.inspect; the package reads both as the objects they are.
  const xoCli = (args) => {
    const r = spawnSync(process.execPath, [join(xoSrc, 'packages/xo-cli/index.mjs'), ...args], { env: { ...process.env, HOME: work }, encoding: 'utf8' });
    return r.stdout + r.stderr;
  };
  xoCli(['register', '--allowUnauthorized', base, 'admin@admin.net', 'admin']);
  const logsPrint = xoCli(['backupNg.getLogs', `jobId=${jobId}`]);
  writeFileSync(join(tmpdir(), 'xo-live-xo-cli-logs.txt'), logsPrint);
  assert.match(logsPrint, /^\[\n {2}\{\n {4}\w+: /, 'xo-cli prints the logs with util.inspect');
  const fromPrint = diagnose(logsPrint);
  assert.equal(fromPrint.findings[0].rule, 'XO010', 'the printed run reads as its JSON');
  assert.equal(fromPrint.findings[0].subject.jobName, hostile, 'with its job');
  const refusedPrint = xoCli(['vm.snapshot', 'id=0f0e0d0c-0b0a-4998-8877-665544332211']);
  writeFileSync(join(tmpdir(), 'xo-live-xo-cli-refused.txt'), refusedPrint);
  assert.match(refusedPrint, /^\u2716 /, 'a refused call after ✖');
  assert.equal(diagnose(refusedPrint).findings[0].rule, 'XB014', 'no such VM: an object Xen Orchestra does not know');

  // The e-mail: quoted-printable parts, the HTML one rendered by transport-email from our Markdown.
  const decoded = mail.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  assert.match(decoded, /Subject: xapi-doctor: backup run of nightly/);
  assert.match(decoded, /XO010/);
  const html = decoded.slice(decoded.indexOf('text/html'));
  assert.ok(!/<img/i.test(html), 'no markup from the job name');
  assert.ok(!/<a\s/i.test(html), 'no link from the job name');
  assert.ok(!html.includes('onerror=alert(1)>'), 'the job name is escaped');

  // Test plugin re-sends a run; a wrong run id says why.
  assert.equal(await xo.call('plugin.test', { id: 'xapi-doctor', data: { runId } }), true);
  await until('the second e-mail', () => sink.messages[1]);
  await assert.rejects(xo.call('plugin.test', { id: 'xapi-doctor', data: { runId: 'nope' } }), /no such backup-ng-log/);

  // REST (XO 6): authentication, the route's ACL lookup of the run, errors as xo-server gives them.
  const token = await xo.call('token.create', {});
  const rest = (path, init = {}, tok = token) =>
    fetch(`${base}/rest/v0/plugins/xapi-doctor/${path}`, { ...init, headers: { 'content-type': 'application/json', ...(tok ? { cookie: `authenticationToken=${tok}` } : {}) } });
  let r = await rest('diagnose', { method: 'POST', body: JSON.stringify({ input: 'VDI_IO_ERROR(Device I/O errors)' }) });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).findings[0].rule, 'XA006');
  r = await rest('diagnose', { method: 'POST', body: '{"input":"x"}' }, null);
  assert.equal(r.status, 401);
  r = await rest(`backup-logs/${runId}`);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).problems[0].findings[0].rule, 'XO010');
  r = await rest('backup-logs/nope');
  assert.equal(r.status, 404);

  // A user without rights: no run diagnosis, by either API.
  await xo.call('user.create', { email: 'op@example.test', password: 'op', permission: 'none' });
  const op = await rpc(`ws://127.0.0.1:${httpPort}/api/`);
  await op.call('session.signInWithPassword', { email: 'op@example.test', password: 'op' });
  await assert.rejects(op.call('xapiDoctor.diagnoseRun', { runId }), /not enough permissions/);
  r = await rest(`backup-logs/${runId}`, {}, await op.call('token.create', {}));
  assert.equal(r.status, 403);
  op.close();

  // XO 6 with the change of docs/xo-integration.md applied and built: the run's panel shows the diagnosis.
  const web = join(xoSrc, '@xen-orchestra/web/dist/assets');
  if (existsSync(web) && readdirSync(web).some((f) => f.startsWith('xapi_doctor_bg'))) {
    await checkXo6Panel({ base, token, jobId, runId, work });
    uiChecked = true;
  }

  // XO 5 with the change of docs/xo-integration.md applied and built: the log's modal shows it.
  const xoWeb = join(xoSrc, 'packages/xo-web/dist/xapi-doctor');
  if (existsSync(xoWeb)) {
    await checkXo5Modal({ base, token, work });
    xo5Checked = true;
  }

  // Unload removes the methods and routes; load brings them back.
  await xo.call('plugin.unload', { id: 'xapi-doctor' });
  assert.equal(Object.keys(await xo.call('system.getMethodsInfo')).filter((m) => m.startsWith('xapiDoctor.')).length, 0);
  assert.equal((await rest('diagnose', { method: 'POST', body: '{"input":"x"}' })).status, 404);
  await xo.call('plugin.load', { id: 'xapi-doctor' });
  assert.equal((await rest('diagnose', { method: 'POST', body: '{"input":"VDI_IO_ERROR"}' })).status, 200);

  assert.equal(server.exitCode, null, 'xo-server still runs');
  xo.close();
  sink.close();
  console.log(`tests/xo-live: the plugin works inside xo-server ${version} (${sink.messages.length} e-mails, run ${runId} diagnosed XO010)`);
  console.log(xo5Checked ? 'tests/xo-live: XO 5 shows the diagnosis in the log modal (screenshot: /tmp/xo-live-v5.png)' : 'tests/xo-live: XO 5 not checked (build xo-web with the change of docs/xo-integration.md to check it)');
  console.log(uiChecked ? 'tests/xo-live: XO 6 shows the diagnosis in the run panel (screenshot: /tmp/xo-live-v6.png)' : 'tests/xo-live: XO 6 not checked (build @xen-orchestra/web with the change of docs/xo-integration.md to check it)');
} finally {
  cleanup();
  rmSync(work, { recursive: true, force: true });
}
