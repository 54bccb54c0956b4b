#!/usr/bin/env node
// Builds the demo page into www/dist/: a self-contained static directory (index.html, the page's
// modules and styles, the bundled samples, and the package's browser files under xapi-doctor/)
// that any static file server can serve. Run after scripts/build.sh (it needs pkg/dist/).
// No bundler: the page is plain ES modules; this only copies files.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const www = join(root, 'www');
const out = join(www, 'dist');
const pkg = join(root, 'pkg');

const needed = ['web.js', 'chain-records.js', 'diagnosis-wire.js', 'element.js', 'dist/xapi_doctor.web.js', 'dist/xapi_doctor_bg.wasm'];
for (const f of needed) {
  if (!existsSync(join(pkg, f))) {
    console.error(`build-www: pkg/${f} is missing; run scripts/build.sh first`);
    process.exit(1);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// The page's own files: everything in www/ except dist/.
for (const name of readdirSync(www)) {
  if (name === 'dist' || name.startsWith('.')) continue;
  cpSync(join(www, name), join(out, name), { recursive: true });
}

// The package's browser files, at the same relative layout as in the npm package.
for (const f of needed) {
  mkdirSync(join(out, 'xapi-doctor', f, '..'), { recursive: true });
  cpSync(join(pkg, f), join(out, 'xapi-doctor', f));
}

// The bundled samples shared with the tests.
cpSync(join(root, 'samples', 'xo-backup-log.json'), join(out, 'samples', 'xo-backup-log.json'));

let files = 0;
let bytes = 0;
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) walk(p);
    else {
      files += 1;
      bytes += s.size;
    }
  }
})(out);
console.error(`${relative(root, out)}/: ${files} files, ${Math.round(bytes / 1024)} KiB`);
