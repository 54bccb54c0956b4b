// Stand-ins for the modules `@xen-orchestra/xapi`'s vm.mjs imports but that this repository
// does not install (Xen Orchestra's internal helpers, undici, xen-api, promise-toolbox…).
// hooks.mjs maps each such import to a named export of this file. The chain check uses only
// `createLogger` (its `warn` when a VDI cannot be fetched) and `Ref.isNotEmpty`; the others
// exist so that the module loads, and they throw if anything calls them, so a test cannot
// silently depend on a stub.

/** Every message the loaded code logged, `{ namespace, level, message, data }`; tests read and clear it. */
export const xoLog = [];

export function createLogger(namespace) {
  const at = (level) => (message, data) => xoLog.push({ namespace, level, message, data });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** xen-api's `Ref`: what it treats as an opaque reference, and as one that points somewhere. */
export const Ref = {
  EMPTY: 'OpaqueRef:NULL',
  isNotEmpty: (value) => typeof value === 'string' && value !== 'OpaqueRef:NULL' && value.startsWith('OpaqueRef:'),
  is: (value) => typeof value === 'string' && (value.startsWith('OpaqueRef:') || value === '' || value.startsWith('Ref:')),
};

const notUsedByTheChainCheck = (name) =>
  function () {
    throw new Error(`stub ${name} called: the chain-check harness does not provide it`);
  };

/** @vates/decorate-with: the decorators wrap methods the chain check never calls. */
export function decorateClass() {}

export const defer = notUsedByTheChainCheck('golike-defer defer');
export const asyncMap = notUsedByTheChainCheck('@xen-orchestra/async-map');
export const ignoreErrors = notUsedByTheChainCheck('promise-toolbox/ignoreErrors');
export const pCatch = notUsedByTheChainCheck('promise-toolbox/catch');
export const retry = Object.assign(notUsedByTheChainCheck('promise-toolbox/retry'), {
  wrap: notUsedByTheChainCheck('promise-toolbox/retry.wrap'),
});
export const CancelToken = { none: Object.freeze({ requested: false }) };
export const incorrectState = notUsedByTheChainCheck('xo-common incorrectState');
export const forbiddenOperation = notUsedByTheChainCheck('xo-common forbiddenOperation');

export class JsonRpcError extends Error {}

/** undici's Agent: vm.mjs builds one at load time for its HTTP hooks; it is never used here. */
export class Agent {
  constructor(options) {
    this.options = options;
  }
}
