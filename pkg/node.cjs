'use strict';
// Node entry (CommonJS). The WebAssembly module is compiled and instantiated synchronously when
// this file is loaded, so every function works at once; init() exists so that code written for
// the browser entry (`await init()`) runs unchanged.
const glue = require('./dist/xapi_doctor.node.cjs');

function init() {
  return Promise.resolve();
}

module.exports = {
  init,
  diagnose: glue.diagnose,
  listRules: glue.listRules,
  version: glue.version,
  // VDI chains and snapshot space
  checkVdiChains: glue.checkVdiChains,
  planSnapshotSpace: glue.planSnapshotSpace,
  // SMlog
  analyzeSmlog: glue.analyzeSmlog,
  SmlogScanner: glue.SmlogScanner,
};
