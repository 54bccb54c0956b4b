// The CommonJS entry loads synchronously and shares its instance with the ESM entry.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const doctor = require('../../pkg/node.cjs');

test('require() works without init', () => {
  const d = doctor.diagnose('SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )');
  assert.equal(d.findings[0].rule, 'SR109');
  assert.equal(typeof doctor.init, 'function');
});

test('import and require share one module instance', async () => {
  const esm = await import('../../pkg/node.mjs');
  assert.equal(esm.diagnose, doctor.diagnose);
});
