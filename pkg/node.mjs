// Node entry (ES module). It loads the CommonJS entry with require() (through createRequire),
// so `import` and `require` share one WebAssembly instance. Not `import cjs from './node.cjs'`:
// importing CommonJS from an ES module makes Node parse node.cjs for its export names, which
// cost ~4 ms of every load (bench/README.md, "Where the time goes"). No initialisation is
// needed; init() is a harmless no-op.
import { createRequire } from 'node:module';

const cjs = createRequire(import.meta.url)('./node.cjs');

export const { diagnose, listRules, version } = cjs;
// SMlog
export const { analyzeSmlog, SmlogScanner } = cjs;

// VDI chains and snapshot space
export const { checkVdiChains, planSnapshotSpace } = cjs;

export function init() {
  return Promise.resolve();
}

export default init;
