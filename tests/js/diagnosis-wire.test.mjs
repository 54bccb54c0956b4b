// diagnose() through its compact result form (pkg/diagnosis-wire.js, src/json.rs `write_wire`)
// gives exactly the object of the full JSON form: for every rule's example, every corpus case
// and the wire shapes, in one instance (texts sent once, then by number), past the bound of
// the texts' table (both sides start over), and with results that share no object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnose, listRules } from '../../pkg/node.mjs';

const require = createRequire(import.meta.url);
// The wasm-bindgen glue the package uses (the same instance): its `diagnose` sends the full JSON.
const glue = require('../../pkg/dist/xapi_doctor.node.cjs');

const corpus = fileURLToPath(new URL('../corpus/cases/', import.meta.url));
const corpusTexts = readdirSync(corpus).flatMap((kind) => readdirSync(join(corpus, kind)).map((f) => readFileSync(join(corpus, kind, f), 'utf8')));

function same(input, options) {
  assert.deepStrictEqual(diagnose(input, options), glue.diagnose(input, options));
}

test('every rule example and corpus case, twice, as the full JSON gives it', () => {
  for (let round = 0; round < 2; round++) {
    for (const rule of listRules()) {
      let example = rule.example;
      try {
        const parsed = JSON.parse(example);
        if (parsed && parsed.input !== undefined && parsed.options !== undefined) {
          same(parsed.input, parsed.options);
          continue;
        }
      } catch {}
      same(example);
    }
    for (const text of corpusTexts) same(text);
  }
});

test('the wire shapes, with and without context', () => {
  const SR44 = ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''];
  const context = { vmUuid: '8ebe6c89-003a-6e25-eb10-3d791ca3c3ae', vmName: 'web "01"\n', srUuid: '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', srType: 'lvmoiscsi' };
  for (const input of [SR44, JSON.stringify(SR44), { jsonrpc: '2.0', error: { code: 1, message: 'VDI_IN_USE', data: ['OpaqueRef:9a1b', 'snapshot'] }, id: 0 }, new TextEncoder().encode('VDI_IO_ERROR(Device I/O errors)'), '', '\u0000\u001f"\\ é 😀']) {
    same(input);
    same(input, { context });
  }
});

test('past the bound of the texts table, both sides start over', () => {
  // Each VM uuid gives new texts (the commands carry it): 2,000 of them number more than the 4,096 texts kept.
  for (let i = 0; i < 2000; i++) {
    const vmUuid = `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
    const d = diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )', { context: { vmUuid } });
    if (i % 100 === 0 || i > 1900) assert.deepStrictEqual(d, glue.diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )', { context: { vmUuid } }));
    assert.ok(d.findings[0].remediation.some((s) => s.command?.includes(vmUuid)));
  }
});

test('results share no object: changing one leaves the next intact', () => {
  const a = diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )');
  const before = JSON.stringify(a);
  a.findings[0].remediation[0].text = 'changed';
  a.findings[0].links.pop();
  a.findings[0].subject.vmUuid = 'x';
  a.findings[0].codes.push('X');
  a.findings[0].params.reason = 'y';
  assert.equal(JSON.stringify(diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )')), before);
});

test('objects are turned into JSON by the wrapper as the module would: same results, same errors', () => {
  const xapiError = { code: 'VDI_IN_USE', params: ['OpaqueRef:9a1b', 'snapshot'], name: 'XapiError', message: 'VDI_IN_USE(OpaqueRef:9a1b, snapshot)' };
  const objects = [
    xapiError,
    ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''],
    { jsonrpc: '2.0', id: 7, error: { code: 1, message: 'VDI_IN_USE', data: ['OpaqueRef:9a1b', 'snapshot'] } },
    { toJSON: () => xapiError },
    new String('VDI_IN_USE(OpaqueRef:1, snapshot)'),
    new Date(0),
    new Uint16Array([1, 2]),
    {},
    [],
  ];
  for (const input of objects) same(input);
  same(xapiError, { maxFindings: 1 });

  const cyclic = { code: 'VDI_IN_USE', params: [] };
  cyclic.self = cyclic;
  const rejected = [cyclic, { code: 'VDI_IN_USE', size: 10n }, { toJSON: () => undefined }, { toJSON: () => { throw new Error('no JSON here'); } }];
  for (const input of rejected) {
    let module;
    try {
      glue.diagnose(input);
    } catch (error) {
      module = error;
    }
    assert.equal(module?.code, 'INVALID_INPUT');
    assert.throws(() => diagnose(input), (e) => e.code === module.code && e.message === module.message);
  }
  // Invalid options are reported before the input, as by the module.
  assert.throws(() => diagnose(xapiError, 5), (e) => e.code === 'INVALID_OPTIONS');
});
