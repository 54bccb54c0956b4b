// The plugin as xo-server finds, loads and configures it: the packed tarball (the xapi-doctor
// package bundled inside) unpacked into a `packages/` lookup path; discovery by the
// `xo-server-` prefix; the directory resolved with `createRequire(…).resolve` and imported;
// the factory, `configurationSchema` and `testSchema` read off the default export; both schemas
// compiled with Ajv as xo-server configures it (strict mode logged, `useDefaults`, its extra
// keywords); `configure({})` validated first, as at a first registration; then a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { createFakeXo, addTransports } from './fake-xo.mjs';
import { scenario } from './fixtures.mjs';

process.env.XO_XAPI_DOCTOR_QUIET = '1';
const PLUGIN_DIR = fileURLToPath(new URL('..', import.meta.url));

function unpackIntoLookupPath() {
  const root = mkdtempSync(join(tmpdir(), 'xo-plugins-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', root], { cwd: PLUGIN_DIR, encoding: 'utf8' }).trim().split('\n').pop();
  const packages = join(root, 'packages');
  const target = join(packages, 'xo-server-xapi-doctor');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['xzf', join(root, tarball), '--strip-components=1', '-C', target]);
  mkdirSync(join(packages, 'xo-server'), { recursive: true }); // a directory the scan must skip
  return { root, packages };
}

/** xo-server's discovery: `xo-server-*` directories of a lookup path, named without the prefix. */
function findPlugins(lookupPath) {
  return readdirSync(lookupPath, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith('xo-server-'))
    .map((entry) => ({ name: entry.name.slice('xo-server-'.length), path: join(lookupPath, entry.name) }));
}

function xoServerAjv(warnings) {
  const logger = { log() {}, warn: (...a) => warnings.push(a.join(' ')), error: (...a) => warnings.push(a.join(' ')) };
  return new Ajv({ strict: 'log', strictRequired: false, useDefaults: true, logger }).addVocabulary(['$multiline', '$type', 'enumNames']);
}

test('xo-server finds, imports, validates, configures and runs the packed plugin', async (t) => {
  const { root, packages } = unpackIntoLookupPath();
  t.after(() => rmSync(root, { recursive: true, force: true }));

  const found = findPlugins(packages);
  assert.deepEqual(found.map((p) => p.name), ['xapi-doctor']);
  const { path: pluginPath } = found[0];

  // The bundled library resolves inside the plugin, not from this repository.
  const resolvedLibrary = createRequire(join(pluginPath, 'index.js')).resolve('xapi-doctor');
  assert.ok(resolvedLibrary.startsWith(join(pluginPath, 'node_modules', 'xapi-doctor')), resolvedLibrary);

  const requireResolve = createRequire(import.meta.url).resolve;
  const plugin = (await import(requireResolve(pluginPath))).default;
  const { default: factory = plugin, configurationSchema, configurationPresets, testSchema } = plugin;
  assert.equal(typeof factory, 'function');
  assert.equal(configurationPresets, undefined);
  assert.equal(typeof configurationSchema, 'object');
  assert.equal(typeof testSchema, 'object');
  const { version, description } = JSON.parse(readFileSync(join(pluginPath, 'package.json'), 'utf8'));
  assert.ok(version && description);

  const warnings = [];
  const ajv = xoServerAjv(warnings);
  const validateConfiguration = ajv.compile(configurationSchema);
  const validateTest = ajv.compile(testSchema);
  assert.deepEqual(warnings, [], 'no strict-mode complaint about the schemas');

  // First registration: no stored configuration, so xo-server tries `{}`; it must pass.
  const configuration = {};
  assert.equal(validateConfiguration(configuration), true, JSON.stringify(validateConfiguration.errors));
  assert.deepEqual(configuration, { when: 'failure', detail: 'full', toMails: [], jobRecipients: false, toXmpp: [], slack: true, icinga2: false, delaySeconds: 5, transportTimeoutSeconds: 30 });
  for (const bad of [{ when: 'sometimes' }, { toMails: 'ops@example.org' }, { delaySeconds: -1 }, { unknown: true }]) {
    assert.equal(validateConfiguration(structuredClone(bad)), false, JSON.stringify(bad));
  }
  assert.equal(validateTest({ runId: '1764716400123' }), true);
  assert.equal(validateTest({}), false);

  const s = scenario();
  const xo = createFakeXo(s);
  addTransports(xo);
  let dataDirAsked = false;
  const instance = factory({ staticConfig: {}, xo, getDataDir: async () => ((dataDirAsked = true), root) });
  for (const method of ['configure', 'load', 'unload', 'test']) assert.equal(typeof instance[method], 'function', method);

  const userConfiguration = { toMails: ['ops@example.org'], delaySeconds: 0 };
  assert.equal(validateConfiguration(userConfiguration), true);
  await instance.configure(userConfiguration, { loaded: false });
  await instance.load();
  xo.emit('job:terminated', s.runs.mixed, { type: 'backup' });
  for (let i = 0; i < 300 && !xo.sent.some((m) => m.transport === 'email'); i += 1) await new Promise((r) => setTimeout(r, 10));
  const mail = xo.sent.find((m) => m.transport === 'email');
  assert.ok(mail, 'the report was sent');
  assert.match(mail.markdown, /\(SR044\)/);

  // "Test plugin" with the test schema's data.
  const testData = { runId: s.runs.mixed };
  assert.equal(validateTest(testData), true);
  await instance.test(testData);

  await instance.unload();
  assert.equal(xo.listenerCount('job:terminated'), 0);
  assert.equal(xo.methods.size, 0);
  assert.equal(xo.routes.length, 0);
  assert.equal(dataDirAsked, false, 'the plugin keeps nothing on disk');
});
