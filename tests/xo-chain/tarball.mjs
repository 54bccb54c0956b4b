// Xen Orchestra's published `@xen-orchestra/xapi` package, read from the tarball that
// scripts/setup.sh fetched with `npm pack` into .cache/xo-xapi/. Its integrity is checked again
// here against the sha512 pinned in scripts/setup.sh (one place for the pin), and the files are
// read straight out of the gzipped tar into memory: nothing of Xen Orchestra's code is written
// into the repository.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `XO_XAPI_VERSION`, `XO_XAPI_INTEGRITY` and `XO_XAPI_TARBALL` as scripts/setup.sh sets them. */
export function pinnedTarball() {
  const setup = readFileSync(`${ROOT}scripts/setup.sh`, 'utf8');
  const value = (name) => {
    const match = setup.match(new RegExp(`^${name}=(\\S+)$`, 'm'));
    if (!match) throw new Error(`scripts/setup.sh does not set ${name}`);
    return match[1];
  };
  const version = value('XO_XAPI_VERSION');
  const integrity = value('XO_XAPI_INTEGRITY');
  const path = `${ROOT}${value('XO_XAPI_TARBALL').replace('$XO_XAPI_VERSION', version)}`;
  return { version, integrity, path };
}

/**
 * The regular files of a gzipped tarball, by path with npm's leading `package/` removed.
 * Handles the ustar format npm writes (a `prefix` field for long paths, pax headers skipped).
 */
export function readTarGz(bytes) {
  const tar = gunzipSync(bytes);
  const files = new Map();
  const text = (start, length) => {
    const raw = tar.subarray(start, start + length);
    const end = raw.indexOf(0);
    return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
  };
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const name = text(offset, 100);
    if (name === '') break; // the two zero blocks that end the archive
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8);
    const kind = text(offset + 156, 1) || '0';
    const prefix = text(offset + 345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    if (kind === '0') {
      files.set(path.replace(/^package\//, ''), tar.subarray(offset + 512, offset + 512 + size).toString('utf8'));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The package's files, after checking the tarball against the pinned integrity. */
export function loadXoXapiPackage() {
  const { version, integrity, path } = pinnedTarball();
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run scripts/setup.sh (it fetches @xen-orchestra/xapi@${version} with npm pack)`);
  }
  const bytes = readFileSync(path);
  const actual = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  if (actual !== integrity) {
    throw new Error(`${path} has integrity ${actual}, not the registry's ${integrity}: delete it and run scripts/setup.sh`);
  }
  const files = readTarGz(bytes);
  const manifest = JSON.parse(files.get('package.json') ?? '{}');
  if (manifest.name !== '@xen-orchestra/xapi' || manifest.version !== version) {
    throw new Error(`${path} holds ${manifest.name}@${manifest.version}, not @xen-orchestra/xapi@${version}`);
  }
  return { version, integrity, files };
}
