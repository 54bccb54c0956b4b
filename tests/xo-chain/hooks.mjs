// Module-resolution hooks (registered with `module.register` by xo-reference.mjs) that let Node
// import `@xen-orchestra/xapi`'s vm.mjs straight from the tarball held in memory:
// - the package's own files are served under the `xo-xapi-tarball:` scheme (relative imports
//   and the package's self-import `@xen-orchestra/xapi/…` resolve there);
// - `lodash/*` resolves to the real lodash dev dependency of this repository;
// - every other bare import is one of the stand-ins of stubs.mjs, listed below; an import that
//   is not listed fails loudly, so a new dependency of a future vm.mjs is noticed.
// The hooks run on Node's loader thread; `initialize` receives the files and the URLs.

export const SCHEME = 'xo-xapi-tarball:';

// specifier → the stubs.mjs exports it stands for
const STUB_EXPORTS = {
  'promise-toolbox/CancelToken': 'CancelToken as default',
  'promise-toolbox/ignoreErrors': 'ignoreErrors as default',
  'promise-toolbox/retry': 'retry as default',
  'promise-toolbox/catch': 'pCatch as default',
  '@xen-orchestra/async-map': 'asyncMap',
  '@xen-orchestra/log': 'createLogger',
  '@vates/decorate-with': 'decorateClass',
  'golike-defer': 'defer',
  'xo-common/api-errors.js': 'incorrectState, forbiddenOperation',
  'json-rpc-protocol': 'JsonRpcError',
  undici: 'Agent',
  'xen-api': 'Ref',
};
const STUB_SCHEME = 'xo-xapi-stub:';

let files = new Map();
let stubsUrl;
let repositoryUrl;

export function initialize(data) {
  files = new Map(Object.entries(data.files));
  stubsUrl = data.stubsUrl;
  repositoryUrl = data.repositoryUrl;
}

const PACKAGE_SELF = '@xen-orchestra/xapi/';

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL ?? '';
  if (specifier.startsWith(SCHEME) || specifier.startsWith(STUB_SCHEME)) {
    return { url: specifier, shortCircuit: true };
  }
  if (!parent.startsWith(SCHEME)) return nextResolve(specifier, context);

  let packagePath;
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    packagePath = new URL(specifier, parent).pathname.replace(/^\//, '');
  } else if (specifier.startsWith(PACKAGE_SELF)) {
    packagePath = specifier.slice(PACKAGE_SELF.length);
  }
  if (packagePath !== undefined) {
    if (!files.has(packagePath)) throw new Error(`${parent} imports ${specifier}: not in the tarball`);
    return { url: `${SCHEME}///${packagePath}`, shortCircuit: true };
  }
  if (specifier.startsWith('node:')) return nextResolve(specifier, context);
  if (specifier === 'lodash' || specifier.startsWith('lodash/')) {
    return nextResolve(specifier, { ...context, parentURL: repositoryUrl });
  }
  if (Object.hasOwn(STUB_EXPORTS, specifier)) {
    return { url: `${STUB_SCHEME}///${encodeURIComponent(specifier)}`, shortCircuit: true };
  }
  throw new Error(`${parent} imports ${specifier}: no stand-in in tests/xo-chain/hooks.mjs`);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith(SCHEME)) {
    const path = new URL(url).pathname.replace(/^\//, '');
    return { format: 'module', source: files.get(path), shortCircuit: true };
  }
  if (url.startsWith(STUB_SCHEME)) {
    const specifier = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    const source = `export { ${STUB_EXPORTS[specifier]} } from ${JSON.stringify(stubsUrl)};\n`;
    return { format: 'module', source, shortCircuit: true };
  }
  return nextLoad(url, context);
}
