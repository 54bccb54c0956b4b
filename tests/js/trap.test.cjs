// The CommonJS entry recovers from a trap too (see trap.test.mjs; Chromium: tests/browser/web-entry.test.mjs).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const doctor = require('../../pkg/node.cjs');

test('require(): a trap throws INTERNAL, the next call works', () => {
  const before = doctor.diagnose(['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', '']);
  assert.throws(() => doctor.__trapForTests(), { code: 'INTERNAL' });
  assert.deepEqual(doctor.diagnose(['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', '']), before);
  assert.equal(Object.keys(doctor).includes('__trapForTests'), false, 'not an enumerable export');
});
