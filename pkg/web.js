// Browser entry (and bundlers). Call `await init()` once before anything else: it fetches and
// compiles xapi_doctor_bg.wasm next to this module (or what you pass it: a URL, a Response, the
// bytes, a compiled WebAssembly.Module, or wasm-bindgen's `{ module_or_path }`) and
// instantiates it. It is idempotent, and every function throws a clear error if it is called
// before init() has finished.
//
// Last line of defence: a trap in the WebAssembly instance (a bug reaching `unreachable`, an
// out-of-memory abort, a stack overflow) leaves that instance unusable. The call that trapped
// throws an Error with code 'INTERNAL', and the next call runs in a fresh instance of the
// compiled module, through a fresh copy of the wasm-bindgen glue (its state is per module, so a
// copy is imported again with a query string; init() imports one in advance, and each recovery
// the next one — if a second trap comes before it has loaded, `await init()` waits for it). A
// scanner created before the trap throws 'INTERNAL'. (Browsers never unload a module: a failed
// instance's memory is only released with the page.)
import * as firstGlue from './dist/xapi_doctor.web.js';
import { checkVdiChains as checkChains } from './chain-records.js';
import { decodeDiagnosis, diagnoseWire } from './diagnosis-wire.js';

const WASM_URL = new URL('./dist/xapi_doctor_bg.wasm', import.meta.url);
const GLUE_URL = new URL('./dist/xapi_doctor.web.js', import.meta.url);

let glue = firstGlue; // the glue of the current instance (null while a fresh one loads)
let compiled = null; // the compiled module, instantiated again for each fresh instance
let spare = null; // a copy of the glue imported in advance, not instantiated yet
let spareLoad = null; // that import: resolves to the copy, or null if it failed
let copies = 0;
let generation = 0;
let pending = null;
let ready = false;
let texts = []; // the rule texts the current instance has sent (pkg/diagnosis-wire.js)

/** The compiled module, from whatever init() was given. */
async function compile(source) {
  if (source !== undefined && Object.getPrototypeOf(source) === Object.prototype) ({ module_or_path: source } = source);
  if (source === undefined) source = WASM_URL;
  if (typeof source === 'string' || source instanceof URL || (typeof Request === 'function' && source instanceof Request)) {
    source = fetch(source);
  }
  source = await source;
  if (source instanceof WebAssembly.Module) return source;
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.ok) throw new Error(`xapi-doctor: failed to fetch the WebAssembly module: ${source.status} ${source.statusText} (${source.url})`);
    // Streaming compilation needs the application/wasm MIME type; read the bytes otherwise.
    const bytes = source.clone();
    try {
      return await WebAssembly.compileStreaming(source);
    } catch {
      return WebAssembly.compile(await bytes.arrayBuffer());
    }
  }
  return WebAssembly.compile(source);
}

/** Imports one more copy of the glue (a distinct module, with its own state) for the next recovery. */
function prepareSpare() {
  copies += 1;
  const url = `${GLUE_URL.href}${GLUE_URL.search ? '&' : '?'}instance=${copies}`;
  spare = null;
  spareLoad = import(/* webpackIgnore: true */ /* @vite-ignore */ url).then(
    (copy) => (spare = copy),
    () => null,
  );
  return spareLoad;
}

export default function init(moduleOrPath) {
  if (pending === null) {
    pending = Promise.all([compile(moduleOrPath), prepareSpare()]).then(
      ([module]) => {
        compiled = module;
        firstGlue.initSync({ module });
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

function internalError(message, cause) {
  const error = new Error(`xapi-doctor: ${message}`, { cause });
  error.code = 'INTERNAL';
  return error;
}

/** Errors that mean the instance itself failed (Firefox names a stack overflow InternalError). */
function isTrap(error) {
  return error instanceof WebAssembly.RuntimeError || error instanceof RangeError || error?.name === 'InternalError';
}

function activate(copy) {
  copy.initSync({ module: compiled });
  glue = copy;
  texts = [];
  prepareSpare();
}

/** Switches to the spare at once, or (when it is not there yet) as soon as it is: `await init()`. */
function replaceInstance() {
  generation += 1;
  if (spare) return activate(spare);
  glue = null;
  pending = spareLoad.then((copy) => {
    if (!copy) throw internalError('no fresh WebAssembly instance could be loaded; reload the page');
    activate(copy);
  });
  pending.catch(() => {});
}

function call(name, run) {
  if (!ready) throw notInitialised(name);
  if (glue === null) throw internalError('the WebAssembly instance failed; a fresh one is loading: `await init()`, then call again');
  try {
    return run();
  } catch (error) {
    if (!isTrap(error)) throw error;
    replaceInstance();
    throw internalError(`internal error (${error.message}); the next call runs in a fresh instance`, error);
  }
}

export function diagnose(input, options) {
  return call('diagnose', () => decodeDiagnosis(diagnoseWire(glue, input, options), texts));
}

export function listRules() {
  return call('listRules', () => glue.listRules());
}

export function version() {
  return call('version', () => glue.version());
}

// VDI chains and snapshot space

export function checkVdiChains(records, options) {
  return call('checkVdiChains', () => checkChains(glue, records, options));
}

export function planSnapshotSpace(input, options) {
  return call('planSnapshotSpace', () => glue.planSnapshotSpace(input, options));
}

// SMlog

export function analyzeSmlog(input, options) {
  return call('analyzeSmlog', () => glue.analyzeSmlog(input, options));
}

/** Streaming SMlog reader: `push(chunk)` any number of times, then `finish()`. */
export class SmlogScanner {
  #scanner;
  #generation = generation;
  #freed = false;
  #highSurrogate = '';

  constructor(options) {
    this.#scanner = call('SmlogScanner', () => new glue.SmlogScanner(options));
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
    return call('SmlogScanner', () => this.#scanner[method](arg));
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

/** For the tests of the recovery; not part of the API (not in the types). */
export function __trapForTests() {
  return call('__trapForTests', () => glue.__trapForTests());
}
