'use strict';
// `diagnose` that never holds the caller's event loop for long: small inputs run inline (a few
// microseconds to milliseconds), inputs above `INLINE_LIMIT_BYTES` run in a worker thread with a
// time limit.
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const doctor = require('xapi-doctor');

const INLINE_LIMIT_BYTES = 256 * 1024;
const WORKER_TIMEOUT_MS = 120_000;

function sizeOf(input) {
  if (typeof input === 'string') return input.length;
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) return input.byteLength;
  return null; // a parsed value: measured as JSON only when it could be big
}

function isBig(input) {
  const size = sizeOf(input);
  if (size !== null) return size > INLINE_LIMIT_BYTES;
  try {
    return JSON.stringify(input)?.length > INLINE_LIMIT_BYTES;
  } catch {
    return false; // a cycle or a BigInt: `diagnose` reports it
  }
}

function diagnoseInWorker(input, options, { timeoutMs = WORKER_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'diagnose-worker.js'), { workerData: { input, options } });
    const timer = setTimeout(() => {
      worker.terminate();
      reject(Object.assign(new Error(`the diagnosis took longer than ${timeoutMs / 1000} s`), { code: 'TIMEOUT' }));
    }, timeoutMs);
    worker.once('message', (message) => {
      clearTimeout(timer);
      worker.terminate();
      if (message.ok) resolve(message.value);
      else reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function diagnoseOffloaded(input, options) {
  if (isBig(input)) return diagnoseInWorker(input, options);
  return doctor.diagnose(input, options);
}

module.exports = { diagnoseOffloaded, diagnoseInWorker, INLINE_LIMIT_BYTES };
