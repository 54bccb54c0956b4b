// The full results of checkVdiChains on bench/chain.mjs's pools, to compare two builds byte for
// byte: `node bench/chain-same.mjs [PKG_DIR] > out.txt` prints, per pool size and option set,
// the length and SHA-256 of `JSON.stringify` of the result (PKG_DIR defaults to ./pkg).
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatePool } from './chain.mjs';

const dir = resolve(process.argv[2] ?? 'pkg');
const { checkVdiChains } = await import(pathToFileURL(`${dir}/node.mjs`).href);
for (const n of [10000, 100000]) {
  const records = generatePool(n, 42);
  for (const [name, opts] of [['default', undefined], ['graph: false', { graph: false }]]) {
    const r = opts ? checkVdiChains(records, opts) : checkVdiChains(records);
    const text = JSON.stringify(r);
    console.log(`${n} ${name}: ${text.length} chars, sha256 ${createHash('sha256').update(text).digest('hex')}`);
  }
}
