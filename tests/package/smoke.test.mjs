// The published artifact, tested the way users get it: `npm pack` of the built pkg/, checked by
// publint and attw, installed (offline) into a fresh project, then used from Node ESM, Node CJS,
// TypeScript (`tsc --strict`, node16 and bundler resolution), the installed `xapi-doctor` bin,
// and in Chromium: the production builds of Vite and webpack 5, and Vite's dev server. The React
// and Vue components (`xapi-doctor/react`, `/vue`) are resolved, imported and server-rendered
// from Node ESM and type-checked with tsc, with the repository's react, react-dom, vue and
// @types/react linked into the project (tests/ui/ builds and drives them in Chromium).
// Vite, webpack, TypeScript, publint and attw come from the repository's devDependencies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch } from '../browser/harness.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin');
const SR44 = 'SR_BACKEND_FAILURE_44(, There is insufficient space, )';

let dir; // the temporary project
let tarball;
let browser;

function sh(cmd, args, options = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function write(path, text) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

before(() => {
  assert.ok(existsSync(join(ROOT, 'pkg/dist/xapi_doctor_bg.wasm')), 'build the package first (scripts/build.sh)');
  dir = mkdtempSync(join(tmpdir(), 'xapi-doctor-smoke-'));
  const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'pkg') }));
  tarball = join(dir, packed.filename);
  write(join(dir, 'app/package.json'), JSON.stringify({ name: 'smoke-app', private: true, type: 'module' }, null, 2));
  // The tarball has no dependencies: the install needs no network.
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: join(dir, 'app') });
});

after(async () => {
  await browser?.close();
  if (dir && !process.env.KEEP_SMOKE) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the package and nothing else', () => {
  const files = sh('tar', ['-tzf', tarball]).trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
  assert.deepEqual(files, [
    'LICENSE',
    'README.md',
    'bind.js',
    'chain-records.js',
    'cli.mjs',
    'diagnosis-wire.js',
    'dist/chain-records.cjs',
    'dist/diagnosis-wire.cjs',
    'dist/xapi_doctor.node.cjs',
    'dist/xapi_doctor.web.js',
    'dist/xapi_doctor_bg.wasm',
    'element.d.ts',
    'element.js',
    'index.d.cts',
    'index.d.ts',
    'node.cjs',
    'node.mjs',
    'package.json',
    'react.d.ts',
    'react.js',
    'rule-ids.d.cts',
    'rule-ids.d.ts',
    'vue.d.ts',
    'vue.js',
    'web.js',
    'xo-task.js',
  ]);
});

test('no network, no eval, no dynamic code in the packed files', () => {
  const root = join(dir, 'app/node_modules/xapi-doctor');
  const code = (f) => readFileSync(join(root, f), 'utf8');
  const scripts = ['cli.mjs', 'node.cjs', 'node.mjs', 'web.js', 'react.js', 'vue.js', 'bind.js', 'xo-task.js', 'chain-records.js', 'dist/chain-records.cjs', 'diagnosis-wire.js', 'dist/diagnosis-wire.cjs', 'dist/xapi_doctor.node.cjs', 'dist/xapi_doctor.web.js'];
  const forbidden = {
    eval: /(^|[^\w$.])eval\s*\(/,
    'Function constructor': /(^|[^\w$.])(new\s+)?Function\s*\(/,
    'string timers': /\bset(Timeout|Interval)\s*\(\s*['"`]/,
    'network APIs': /\b(XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts|RTCPeerConnection)\b/,
    'network or process modules': /(require\(|from\s+)['"](node:)?(http|https|http2|net|tls|dgram|dns|child_process|cluster|vm|worker_threads)['"]/,
    'HTML sinks': /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write)\b/,
  };
  for (const f of scripts) {
    for (const [what, re] of Object.entries(forbidden)) assert.doesNotMatch(code(f), re, `${f}: ${what}`);
  }
  // fetch(): only of the module itself (web.js's compile(), and the glue's own loader, which
  // web.js never reaches: it always passes the compiled module). import(): only of the glue.
  const count = (f, re) => (code(f).match(re) ?? []).length;
  const fetches = Object.fromEntries(scripts.map((f) => [f, count(f, /\bfetch\s*\(/g)]).filter(([, n]) => n > 0));
  assert.deepEqual(fetches, { 'web.js': 1, 'dist/xapi_doctor.web.js': 1 });
  assert.match(code('web.js'), /const WASM_URL = new URL\('\.\/dist\/xapi_doctor_bg\.wasm', import\.meta\.url\);/);
  const imports = Object.fromEntries(scripts.map((f) => [f, count(f, /\bimport\s*\(/g)]).filter(([, n]) => n > 0));
  assert.deepEqual(imports, { 'web.js': 1 });
  assert.match(code('web.js'), /const GLUE_URL = new URL\('\.\/dist\/xapi_doctor\.web\.js', import\.meta\.url\);/);
  assert.match(code('web.js'), /const url = `\$\{GLUE_URL\.href\}\$\{GLUE_URL\.search \? '&' : '\?'\}instance=\$\{copies\}`;/);
  // The WebAssembly module imports nothing but its own glue's functions.
  const wasm = new WebAssembly.Module(readFileSync(join(root, 'dist/xapi_doctor_bg.wasm')));
  const modules = new Set(WebAssembly.Module.imports(wasm).map((i) => i.module));
  assert.deepEqual([...modules], ['./xapi_doctor_bg.js']);
});

test('publint reports nothing on the tarball', async () => {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const data = readFileSync(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) }, level: 'suggestion', strict: true });
  assert.deepEqual(messages.map((m) => formatMessage(m, pkg)), []);
});

test('attw (are the types wrong) reports nothing on the tarball', () => {
  // The .wasm export is an asset for apps that load the module themselves, not a module with
  // types: attw can only say it resolves to no JavaScript, so it is left out of the check.
  // `xapi-doctor/element`, `/react` and `/vue` are browser ES modules (a custom element and
  // its framework wrappers): checked below with attw's esm-only profile, since a require() of
  // them is not meant to work.
  const ESM_ONLY = ['./element', './react', './vue'];
  const r = spawnSync(join(BIN, 'attw'), [tarball, '--format', 'json', '--no-definitely-typed', '--exclude-entrypoints', './xapi_doctor_bg.wasm', ...ESM_ONLY], { encoding: 'utf8' });
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.analysis.problems, [], r.stdout);
  assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), ['.', './package.json']);
  for (const [name, entry] of Object.entries(report.analysis.entrypoints)) {
    for (const [mode, resolution] of Object.entries(entry.resolutions)) {
      assert.ok(resolution.resolution?.fileName, `${name} does not resolve in ${mode}`);
    }
  }
  assert.equal(r.status, 0);

  const esm = spawnSync(join(BIN, 'attw'), [tarball, '--format', 'json', '--no-definitely-typed', '--entrypoints', ...ESM_ONLY, '--profile', 'esm-only'], { encoding: 'utf8' });
  const er = JSON.parse(esm.stdout);
  assert.deepEqual(er.analysis.problems.filter((p) => p.resolutionKind !== 'node16-cjs' && p.resolutionKind !== 'node10'), [], esm.stdout);
  for (const entry of ESM_ONLY) {
    for (const mode of ['node16-esm', 'bundler']) assert.ok(er.analysis.entrypoints[entry].resolutions[mode].resolution?.fileName, `${entry} does not resolve in ${mode}`);
  }
  assert.equal(esm.status, 0);
});

test('Node ESM: import, harmless init(), one instance shared with require()', () => {
  write(
    join(dir, 'app/esm.mjs'),
    `import init, { diagnose, listRules, version, init as named } from 'xapi-doctor';
import { createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const before = diagnose(${JSON.stringify(SR44)}).findings[0].rule; // no init needed in Node
await init();
await named();
const cjs = createRequire(import.meta.url)('xapi-doctor');
const wasm = fileURLToPath(import.meta.resolve('xapi-doctor/xapi_doctor_bg.wasm'));
const pkg = JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('xapi-doctor/package.json')), 'utf8'));
console.log(JSON.stringify({
  before,
  kind: diagnose(['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', '']).kind,
  rules: listRules().length,
  version: version(),
  pkgVersion: pkg.version,
  sameInstance: cjs.diagnose === diagnose,
  wasmBytes: statSync(wasm).size,
}));
`,
  );
  const out = JSON.parse(sh(process.execPath, ['esm.mjs'], { cwd: join(dir, 'app') }));
  assert.equal(out.before, 'SR044');
  assert.equal(out.kind, 'xapi_error');
  assert.ok(out.rules >= 50);
  assert.equal(out.version, out.pkgVersion);
  assert.equal(out.sameInstance, true);
  assert.ok(out.wasmBytes > 10000);
});

test('Node CJS: require() works synchronously', () => {
  write(
    join(dir, 'app/cjs.cjs'),
    `const doctor = require('xapi-doctor');
const { diagnose, init } = doctor;
const d = diagnose(${JSON.stringify(SR44)}, { context: { srUuid: '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21' } });
init().then(() => {
  console.log(JSON.stringify({
    rule: d.findings[0].rule,
    command: d.findings[0].remediation.some((s) => s.command === 'xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21'),
    keys: Object.keys(doctor).sort(),
    wasm: require.resolve('xapi-doctor/xapi_doctor_bg.wasm').endsWith('xapi_doctor_bg.wasm'),
    version: require('xapi-doctor/package.json').version,
  }));
});
`,
  );
  const out = JSON.parse(sh(process.execPath, ['cjs.cjs'], { cwd: join(dir, 'app') }));
  assert.equal(out.rule, 'SR044');
  assert.equal(out.command, true);
  assert.ok(['diagnose', 'init', 'listRules', 'version'].every((k) => out.keys.includes(k)));
  assert.equal(out.wasm, true);
  assert.match(out.version, /^\d+\.\d+\.\d+/);
});

test('TypeScript: tsc --strict with node16 (ESM and CJS files) and bundler resolution', () => {
  const app = join(dir, 'app');
  const usage = (importLine) => `${importLine}
import type { Diagnosis, Finding, RuleId, Severity, XapiDoctorError } from 'xapi-doctor';
const d: Diagnosis = diagnose(${JSON.stringify(SR44)}, { context: { srType: 'lvm' } });
const f: Finding | undefined = d.findings[0];
const rule: RuleId | undefined = f?.rule;
const severity: Severity | undefined = f?.severity;
const line: number | null = f?.evidence[0]?.line ?? null;
// @ts-expect-error: not a rule id
const wrong: RuleId = 'ZZ999';
try { diagnose('x', { maxInputBytes: 0 }); } catch (e) { console.log((e as XapiDoctorError).code); }
void init().then(() => console.log(rule, severity, line, wrong, listRules().length, version()));
`;
  write(join(app, 'ts/esm.mts'), usage(`import init, { diagnose, listRules, version } from 'xapi-doctor';`));
  write(join(app, 'ts/cjs.cts'), usage(`import { init, diagnose, listRules, version } from 'xapi-doctor';`));
  write(join(app, 'ts/bundler.ts'), usage(`import init, { diagnose, listRules, version } from 'xapi-doctor';`));
  const base = { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false };
  write(join(app, 'tsconfig.node16.json'), JSON.stringify({ compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['ts/esm.mts', 'ts/cjs.cts'] }));
  write(join(app, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['ts/bundler.ts'] }));
  for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
    const r = spawnSync(join(BIN, 'tsc'), ['-p', config], { cwd: app, encoding: 'utf8' });
    assert.equal(r.status, 0, `${config}:\n${r.stdout}${r.stderr}`);
  }
  // The CJS declarations really lack the default export that node.cjs does not have.
  write(join(app, 'ts/cjs-default.cts'), `import init from 'xapi-doctor';\nvoid init();\n`);
  write(join(app, 'tsconfig.cjs-default.json'), JSON.stringify({ compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['ts/cjs-default.cts'] }));
  const r = spawnSync(join(BIN, 'tsc'), ['-p', 'tsconfig.cjs-default.json'], { cwd: app, encoding: 'utf8' });
  assert.notEqual(r.status, 0, 'a default import from CommonJS must not type-check');
});

/** Links the repository's copies of these packages into the app (the frameworks a user's app has). */
function linkFrameworks(names) {
  for (const name of names) {
    const link = join(dir, 'app/node_modules', name);
    if (existsSync(link)) continue;
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
  }
}

test('xapi-doctor/react and xapi-doctor/vue: resolved and imported from Node ESM, rendered on the server', () => {
  linkFrameworks(['react', 'react-dom', 'scheduler', 'vue']);
  write(
    join(dir, 'app/frameworks.mjs'),
    `import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import * as forReact from 'xapi-doctor/react';
import * as forVue from 'xapi-doctor/vue';
const failed = { id: '1', message: 'snapshot', status: 'failure', result: { message: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )' } };
const succeeded = { ...failed, status: 'success' };
console.log(JSON.stringify({
  resolved: ['xapi-doctor/react', 'xapi-doctor/vue'].map((s) => import.meta.resolve(s).replace(/^.*node_modules\\//, '')),
  react: Object.keys(forReact).sort(),
  vue: Object.keys(forVue).sort(),
  reactHtml: renderToStaticMarkup(createElement('div', null,
    createElement(forReact.XapiDiagnosis, { input: 'x', className: 'c' }),
    createElement(forReact.XoTaskDiagnosis, { task: failed }),
    createElement(forReact.XoTaskDiagnosis, { task: succeeded }))),
  vueHtml: await renderToString(createSSRApp({ render: () => h('div', [h(forVue.XapiDiagnosis, { input: 'x' }), h(forVue.XoTaskDiagnosis, { task: failed }), h(forVue.XoTaskDiagnosis, { task: succeeded })]) })),
}));
`,
  );
  const out = JSON.parse(sh(process.execPath, ['frameworks.mjs'], { cwd: join(dir, 'app') }));
  assert.deepEqual(out.resolved, ['xapi-doctor/react.js', 'xapi-doctor/vue.js']);
  assert.deepEqual(out.react, ['XapiDiagnosis', 'XoTaskDiagnosis']);
  assert.deepEqual(out.vue, ['XapiDiagnosis', 'XoTaskDiagnosis']);
  // Without a DOM the element is only its tag (it diagnoses once defined in a browser); a task
  // that succeeded gives no element at all.
  assert.equal(out.reactHtml, '<div><xapi-diagnosis></xapi-diagnosis><xapi-diagnosis></xapi-diagnosis></div>');
  assert.equal(out.vueHtml.replace(/<!--.*?-->/g, ''), '<div><xapi-diagnosis></xapi-diagnosis><xapi-diagnosis></xapi-diagnosis></div>');
});

test('TypeScript: the React and Vue components type-check (tsc --strict, node16 and bundler resolution)', () => {
  linkFrameworks(['react', 'react-dom', 'scheduler', 'vue', '@types/react']);
  const app = join(dir, 'app');
  write(
    join(app, 'ts/react-usage.tsx'),
    `import { XapiDiagnosis, XoTaskDiagnosis } from 'xapi-doctor/react';
import type { XapiDiagnosisElement, XapiDiagnosisReadyDetail, XoBackupTask } from 'xapi-doctor/react';
import type { Diagnosis, RuleId } from 'xapi-doctor';
declare const task: XoBackupTask;
let shown: RuleId[] = [];
export const a = (
  <XapiDiagnosis
    input={['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', '']}
    context={{ vmUuid: '8ebe6c89-003a-6e25-eb10-3d791ca3c3ae', srType: 'lvm' }}
    expanded
    maxFindings={2}
    theme="dark"
    className="x"
    style={{ maxWidth: 600 }}
    onReady={(detail: XapiDiagnosisReadyDetail) => { const d: Diagnosis = detail.diagnosis; shown = d.findings.map((f) => f.rule); }}
    onCopy={({ command, ok }) => console.log(command.length, ok)}
    onToggle={({ rule, expanded }) => console.log(rule, expanded)}
    onError={({ error }) => console.log(error.code)}
  />
);
export const b = <XoTaskDiagnosis task={task} log={task} context={{ srUuid: 'x' }} />;
export const el = (c: XapiDiagnosis): XapiDiagnosisElement | null => c.element;
// @ts-expect-error: not a theme
export const c = <XapiDiagnosis theme="blue" />;
// @ts-expect-error: the task is required
export const d = <XoTaskDiagnosis />;
console.log(shown);
`,
  );
  write(
    join(app, 'ts/vue-usage.ts'),
    `import { defineComponent, h, ref } from 'vue';
import { XapiDiagnosis, XoTaskDiagnosis } from 'xapi-doctor/vue';
import type { XapiDiagnosisReadyDetail, XoBackupTask } from 'xapi-doctor/vue';
declare const task: XoBackupTask;
const rules = ref<string[]>([]);
export const App = defineComponent({
  components: { XapiDiagnosis, XoTaskDiagnosis },
  setup() {
    return () => [
      h(XapiDiagnosis, {
        input: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )',
        context: { srUuid: '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21' },
        expanded: true,
        maxFindings: 2,
        theme: 'light',
        onReady: (detail: XapiDiagnosisReadyDetail) => { rules.value = detail.diagnosis.findings.map((f) => f.rule); },
        onCopy: (detail) => console.log(detail.command, detail.ok),
      }),
      h(XoTaskDiagnosis, { result: { message: 'unhealthy VDI chain', stack: '' }, task, log: task }),
      // @ts-expect-error: not a theme
      h(XapiDiagnosis, { theme: 'blue' }),
    ];
  },
});
`,
  );
  const base = { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false, jsx: 'react-jsx' };
  write(join(app, 'tsconfig.frameworks-node16.json'), JSON.stringify({ compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['ts/react-usage.tsx', 'ts/vue-usage.ts'] }));
  write(join(app, 'tsconfig.frameworks-bundler.json'), JSON.stringify({ compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['ts/react-usage.tsx', 'ts/vue-usage.ts'] }));
  for (const config of ['tsconfig.frameworks-node16.json', 'tsconfig.frameworks-bundler.json']) {
    const r = spawnSync(join(BIN, 'tsc'), ['-p', config], { cwd: app, encoding: 'utf8' });
    assert.equal(r.status, 0, `${config}:\n${r.stdout}${r.stderr}`);
  }
});

test('the installed bin: xapi-doctor', () => {
  const bin = join(dir, 'app/node_modules/.bin/xapi-doctor');
  assert.match(sh(bin, ['--version']), /^xapi-doctor \d+\.\d+\.\d+\n$/);
  const r = spawnSync(bin, ['--json', join(ROOT, 'samples/xe-snapshot-sr44.txt')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(JSON.parse(r.stdout).findings[0].rule, 'SR044');
});

/**
 * A page that uses the package as the README says: diagnose() before init() fails, then works.
 * With `initArg`, the app passes init() the module's URL itself (e.g. from the `?url` import).
 */
function writePage(root, { preamble = '', initArg = '' } = {}) {
  write(
    join(root, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>smoke</title></head><body><script type="module" src="./main.js"></script></body></html>\n`,
  );
  write(
    join(root, 'main.js'),
    `import init, { diagnose, listRules, __trapForTests } from 'xapi-doctor';
${preamble}
let before = null;
try { diagnose('x'); } catch (e) { before = e.code; }
await Promise.all([init(${initArg}), init(${initArg})]);
const d = diagnose(['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', '']);
// A trap in the instance: INTERNAL, then the next call works in a fresh one (the recovery
// imports copies of the glue: it must work in the built app too).
let trap = null;
try { __trapForTests(); } catch (e) { trap = e.code; }
const recovered = diagnose(['SR_BACKEND_FAILURE_109']).findings[0].rule;
window.__result = { before, kind: d.kind, rule: d.findings[0].rule, rules: listRules().length, trap, recovered };
`,
  );
}

async function loadInChromium(outDir) {
  browser ??= await launch();
  const server = await serve(outDir);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => window.__result, null, { timeout: 20000 });
    const result = await page.evaluate(() => window.__result);
    await page.close();
    return { result, errors, requests: server.requests };
  } finally {
    await server.close();
  }
}

function assertPageResult({ result, errors, requests }) {
  assert.deepEqual(errors, []);
  assert.equal(result.before, 'NOT_INITIALIZED');
  assert.equal(result.kind, 'xapi_error');
  assert.equal(result.rule, 'SR109');
  assert.ok(result.rules >= 50);
  assert.equal(result.trap, 'INTERNAL');
  assert.equal(result.recovered, 'SR109', 'the call after a trap works');
  assert.equal(requests.filter((p) => p.endsWith('.wasm')).length, 1, `one .wasm fetch: ${requests.join(', ')}`);
}

test('Vite production build, loaded in Chromium (no configuration)', async () => {
  const { build } = await import('vite');
  const root = join(dir, 'app/vite');
  writePage(root);
  await build({ root, logLevel: 'silent', configFile: false, build: { outDir: join(root, 'dist') } });
  const assets = readdirSync(join(root, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the .wasm is emitted as an asset: ${assets}`);
  assertPageResult(await loadInChromium(join(root, 'dist')));
});

test('Vite: the exported .wasm, loaded by the app itself with init(url)', async () => {
  const { build } = await import('vite');
  const root = join(dir, 'app/vite-url');
  writePage(root, { preamble: "import wasmUrl from 'xapi-doctor/xapi_doctor_bg.wasm?url';", initArg: 'wasmUrl' });
  await build({ root, logLevel: 'silent', configFile: false, build: { outDir: join(root, 'dist') } });
  const loaded = await loadInChromium(join(root, 'dist'));
  assertPageResult(loaded);
  assert.match(loaded.requests.find((p) => p.endsWith('.wasm')), /^\/assets\/xapi_doctor_bg-[\w-]+\.wasm$/);
});

test('Vite dev server, loaded in Chromium (no configuration either)', async () => {
  const { createServer } = await import('vite');
  const root = join(dir, 'app/vite-dev');
  writePage(root);
  const server = await createServer({ root, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  try {
    browser ??= await launch();
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(server.resolvedUrls.local[0]);
    await page.waitForFunction(() => window.__result, null, { timeout: 30000 });
    const result = await page.evaluate(() => window.__result);
    await page.close();
    assert.deepEqual(errors, []);
    assert.equal(result.before, 'NOT_INITIALIZED');
    assert.equal(result.rule, 'SR109');
    assert.equal(result.recovered, 'SR109', 'the call after a trap works');
  } finally {
    await server.close();
  }
});

test('webpack 5 production build, loaded in Chromium (no configuration beyond entry and output)', async () => {
  const { default: webpack } = await import('webpack');
  const root = join(dir, 'app/webpack');
  writePage(root);
  const outDir = join(root, 'dist');
  const stats = await new Promise((resolve, reject) =>
    webpack(
      { mode: 'production', context: root, entry: './main.js', output: { path: outDir, filename: 'main.js' }, infrastructureLogging: { level: 'error' } },
      (err, s) => (err ? reject(err) : resolve(s)),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  writeFileSync(join(outDir, 'index.html'), readFileSync(join(root, 'index.html'), 'utf8'));
  assert.ok(readdirSync(outDir).some((f) => f.endsWith('.wasm')), 'the .wasm is emitted as an asset');
  assertPageResult(await loadInChromium(outDir));
});

test('Vite production build with <xapi-diagnosis> (import "xapi-doctor/element"), loaded in Chromium', async () => {
  const { build } = await import('vite');
  const root = join(dir, 'app/vite-element');
  write(
    join(root, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>element</title></head><body>
<xapi-diagnosis id="a" error="SR_BACKEND_FAILURE_44(, There is insufficient space, )"></xapi-diagnosis>
<script type="module" src="./main.js"></script></body></html>\n`,
  );
  write(
    join(root, 'main.js'),
    `import 'xapi-doctor/element';
const b = document.createElement('xapi-diagnosis');
b.input = { code: 'VDI_IO_ERROR', params: ['Device I/O errors'], name: 'XapiError' };
document.body.append(b);
const els = [...document.querySelectorAll('xapi-diagnosis')];
await Promise.all(els.map((e) => e.updateComplete));
window.__result = { rules: els.map((e) => e.findings[0]?.rule), shadow: els.every((e) => e.shadowRoot.querySelector('.finding')) };
`,
  );
  await build({ root, logLevel: 'silent', configFile: false, build: { outDir: join(root, 'dist') } });
  const { result, errors, requests } = await loadInChromium(join(root, 'dist'));
  assert.deepEqual(errors, []);
  assert.deepEqual(result.rules, ['SR044', 'XA006']);
  assert.equal(result.shadow, true);
  assert.equal(requests.filter((p) => p.endsWith('.wasm')).length, 1);
});
