'use strict';
// Runs one `diagnose` in a worker thread, for inputs big enough to hold xo-server's event loop
// (a whole SMlog pasted into the API). The worker loads its own copy of the WebAssembly module.
const { parentPort, workerData } = require('node:worker_threads');
const doctor = require('xapi-doctor');

try {
  parentPort.postMessage({ ok: true, value: doctor.diagnose(workerData.input, workerData.options) });
} catch (error) {
  parentPort.postMessage({ ok: false, error: { message: String(error?.message ?? error), code: error?.code ?? null } });
}
