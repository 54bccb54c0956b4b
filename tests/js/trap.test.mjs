// A trap in the WebAssembly instance (here the undocumented __trapForTests: the `unreachable`
// instruction, as a panic or an out-of-memory abort would reach) must not leave the package
// broken: the call throws INTERNAL, the next call runs in a fresh instance, scanners of the old
// instance fail clearly, and `import` and `require` keep sharing the current instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { diagnose, SmlogScanner, checkVdiChains, version } from '../../pkg/node.mjs';

const cjs = createRequire(import.meta.url)('../../pkg/node.cjs');
const SMLOG = 'Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [44, There is insufficient space]\n';

function trap() {
  assert.throws(cjs.__trapForTests, (e) => {
    assert.equal(e.code, 'INTERNAL');
    assert.ok(e.cause instanceof WebAssembly.RuntimeError, 'the trap is the cause');
    assert.match(e.message, /fresh instance/);
    return true;
  });
}

test('after a trap the next call works, in a fresh instance (ESM and CJS)', () => {
  const before = diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )');
  const memoryBefore = cjs.__wasmMemoryBytes();
  const big = diagnose('x'.repeat(32 * 1024 * 1024)); // grows this instance's memory
  assert.equal(big.kind, 'text');
  assert.ok(cjs.__wasmMemoryBytes() > memoryBefore);
  trap();
  assert.deepEqual(diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )'), before);
  assert.ok(cjs.__wasmMemoryBytes() < 32 * 1024 * 1024, 'a fresh instance, with fresh memory');
  assert.deepEqual(cjs.diagnose('SR_BACKEND_FAILURE_44(, There is insufficient space, )'), before, 'require() sees the same instance');
  assert.equal(version(), cjs.version());
  // Twice in a row, and every entry point after it.
  trap();
  trap();
  assert.equal(checkVdiChains({ VDI: [], VM: [] }).stats.vdis, 0);
  assert.equal(cjs.listRules().length, cjs.listRules().length);
});

test('a scanner of the failed instance throws INTERNAL; a new scanner works', () => {
  const old = new SmlogScanner();
  old.push(SMLOG);
  trap();
  assert.throws(() => old.push(SMLOG), { code: 'INTERNAL', message: /belonged to a WebAssembly instance that failed/ });
  assert.throws(() => old.finish(), { code: 'INTERNAL' });
  old.free(); // harmless
  const fresh = new SmlogScanner();
  fresh.push(SMLOG);
  assert.equal(fresh.finish().findings[0].rule, 'SR044');
});

test('free() twice and use after free() are clear errors that leave the instance alone', () => {
  const s = new SmlogScanner();
  s.free();
  s.free();
  assert.throws(() => s.push(SMLOG), { code: 'SCANNER_FINISHED', message: /freed/ });
  const other = new SmlogScanner();
  other.push(SMLOG);
  assert.equal(other.finish().findings[0].rule, 'SR044');
});

test('ordinary errors are not mistaken for traps', () => {
  const s = new SmlogScanner();
  s.push(SMLOG);
  assert.throws(() => diagnose(42), { code: 'INVALID_INPUT' });
  assert.throws(() => checkVdiChains('{'), { code: 'INVALID_RECORDS' });
  s.push(SMLOG); // the instance was not replaced
  assert.equal(s.finish().findings.length, 1);
});
