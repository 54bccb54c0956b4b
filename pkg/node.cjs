'use strict';
// Node entry (CommonJS). The WebAssembly module is compiled and instantiated synchronously when
// this file is loaded, so every function works at once; init() exists so that code written for
// the browser entry (`await init()`) runs unchanged.
//
// Last line of defence: a trap in the WebAssembly instance (a bug reaching `unreachable`, an
// out-of-memory abort, a stack overflow) leaves that instance unusable. The call that trapped
// throws an Error with code 'INTERNAL', and the next call runs in a fresh instance: a new copy
// of the wasm-bindgen glue, loaded again. A scanner created before the trap throws 'INTERNAL'.
const GLUE = './dist/xapi_doctor.node.cjs';
// checkVdiChains() through flat arrays (pkg/chain-records.js, as CommonJS), loaded on first use:
// loading the package stays the module's compilation and instantiation.
let chainRecords = null;
// diagnose()'s results through the compact form of pkg/diagnosis-wire.js (as CommonJS), loaded
// on first use; `texts` is the table of the rule texts the current instance has sent.
let wire = null;
let texts = [];

let glue = require(GLUE);
let generation = 0;
let unrecoverable = null;

/** Errors that mean the instance itself failed (Firefox names a stack overflow InternalError). */
function isTrap(error) {
  return error instanceof WebAssembly.RuntimeError || error instanceof RangeError || error?.name === 'InternalError';
}

function internalError(message, cause) {
  const error = new Error(`xapi-doctor: ${message}`, { cause });
  error.code = 'INTERNAL';
  return error;
}

/** A fresh glue module, hence a fresh instance; the old one is left to the garbage collector. */
function replaceInstance() {
  generation += 1;
  try {
    const path = require.resolve(GLUE);
    delete require.cache[path];
    glue = require(path);
    texts = [];
  } catch (error) {
    unrecoverable = error; // e.g. bundled without require.cache: every later call says so
  }
}

function call(run) {
  if (unrecoverable) throw internalError('the WebAssembly instance failed and could not be reloaded', unrecoverable);
  try {
    return run();
  } catch (error) {
    if (!isTrap(error)) throw error;
    replaceInstance();
    throw internalError(`internal error (${error.message}); the next call runs in a fresh instance`, error);
  }
}

const guard = (name) => (...args) => call(() => glue[name](...args));

function init() {
  return Promise.resolve();
}

/** Streaming SMlog reader: `push(chunk)` any number of times, then `finish()`. */
class SmlogScanner {
  #scanner;
  #generation = generation;
  #freed = false;
  #highSurrogate = '';

  constructor(options) {
    this.#scanner = call(() => new glue.SmlogScanner(options));
  }

  #use(method, arg) {
    if (this.#freed) {
      const error = new Error('xapi-doctor: the scanner was freed; create a new one');
      error.code = 'SCANNER_FINISHED';
      throw error;
    }
    if (this.#generation !== generation) {
      throw internalError('this scanner belonged to a WebAssembly instance that failed; create a new one');
    }
    return call(() => this.#scanner[method](arg));
  }

  push(chunk) {
    // A string cut between the two halves of a surrogate pair: the high half waits for the next
    // chunk, so that the pair reaches the scanner whole (bytes can be cut anywhere).
    if (typeof chunk === 'string') {
      chunk = this.#highSurrogate + chunk;
      const last = chunk.charCodeAt(chunk.length - 1);
      this.#highSurrogate = last >= 0xd800 && last <= 0xdbff ? chunk.slice(-1) : '';
      if (this.#highSurrogate) chunk = chunk.slice(0, -1);
    }
    this.#use('push', chunk);
  }

  finish() {
    if (this.#highSurrogate) this.#use('push', this.#highSurrogate);
    this.#highSurrogate = '';
    return this.#use('finish');
  }

  free() {
    if (!this.#freed && this.#generation === generation) this.#scanner.free();
    this.#freed = true;
  }
}
if (Symbol.dispose) SmlogScanner.prototype[Symbol.dispose] = SmlogScanner.prototype.free;

module.exports = {
  init,
  diagnose: (input, options) =>
    call(() => {
      wire ??= require('./dist/diagnosis-wire.cjs');
      return wire.decodeDiagnosis(wire.diagnoseWire(glue, input, options), texts);
    }),
  listRules: guard('listRules'),
  version: guard('version'),
  // VDI chains and snapshot space
  checkVdiChains: (records, options) =>
    call(() => (chainRecords ??= require('./dist/chain-records.cjs')).checkVdiChains(glue, records, options)),
  planSnapshotSpace: guard('planSnapshotSpace'),
  // SMlog
  analyzeSmlog: guard('analyzeSmlog'),
  SmlogScanner,
};
// For the tests of the recovery and the benchmark; not part of the API (not in the types).
Object.defineProperties(module.exports, {
  __trapForTests: { value: guard('__trapForTests') },
  __wasmMemoryBytes: { value: guard('wasmMemoryBytes') },
});
