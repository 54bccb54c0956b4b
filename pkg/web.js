// Browser entry (and bundlers). Call `await init()` once before anything else: it fetches and
// instantiates xapi_doctor_bg.wasm next to this module (or what you pass it: a URL, a Response,
// the bytes, a compiled WebAssembly.Module, or wasm-bindgen's `{ module_or_path }`). It is
// idempotent, and every function throws a clear error if it is called before init() has finished.
import initGlue, * as glue from './dist/xapi_doctor.web.js';

let pending = null;
let ready = false;

export default function init(moduleOrPath) {
  if (pending === null) {
    const wrapped = moduleOrPath !== undefined && Object.getPrototypeOf(moduleOrPath) === Object.prototype;
    const arg = moduleOrPath === undefined || wrapped ? moduleOrPath : { module_or_path: moduleOrPath };
    pending = initGlue(arg).then(
      () => {
        ready = true;
      },
      (error) => {
        pending = null; // allow a retry, e.g. after a network error
        throw error;
      },
    );
  }
  return pending;
}

export { init };

function notInitialised(name) {
  const error = new Error(`xapi-doctor: call \`await init()\` before ${name}()`);
  error.code = 'NOT_INITIALIZED';
  return error;
}

export function diagnose(input, options) {
  if (!ready) throw notInitialised('diagnose');
  return glue.diagnose(input, options);
}

export function listRules() {
  if (!ready) throw notInitialised('listRules');
  return glue.listRules();
}

export function version() {
  if (!ready) throw notInitialised('version');
  return glue.version();
}

// VDI chains and snapshot space

export function checkVdiChains(records, options) {
  if (!ready) throw notInitialised('checkVdiChains');
  return glue.checkVdiChains(records, options);
}

export function planSnapshotSpace(input) {
  if (!ready) throw notInitialised('planSnapshotSpace');
  return glue.planSnapshotSpace(input);
}

// SMlog

export function analyzeSmlog(input, options) {
  if (!ready) throw notInitialised('analyzeSmlog');
  return glue.analyzeSmlog(input, options);
}

/** Streaming SMlog reader: `push(chunk)` any number of times, then `finish()`. */
export class SmlogScanner extends glue.SmlogScanner {
  constructor(options) {
    if (!ready) throw notInitialised('SmlogScanner');
    super(options);
  }
}
