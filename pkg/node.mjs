// Node entry (ES module). It re-exports the CommonJS entry, so `import` and `require` share one
// WebAssembly instance. No initialisation is needed; init() is a harmless no-op.
import cjs from './node.cjs';

export const { diagnose, listRules, version } = cjs;
// SMlog
export const { analyzeSmlog, SmlogScanner } = cjs;

// VDI chains and snapshot space
export const { checkVdiChains, planSnapshotSpace } = cjs;

export function init() {
  return Promise.resolve();
}

export default init;
