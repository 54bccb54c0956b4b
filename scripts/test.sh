#!/usr/bin/env bash
# Runs every test of xapi-doctor on a fresh machine: sets up what is missing (idempotent),
# runs the Rust tests on the host, builds the WebAssembly package, type-checks the public
# TypeScript types, runs the JavaScript and command-line tests in Node and in Chromium against
# the package, the element and the demo page, the xo-server plugin and Xen Orchestra's own chain
# check against it, the React and Vue components, smoke-tests the packed tarball (publint, attw,
# Node ESM/CJS, tsc, Vite, webpack), runs the command line on a generated 100 MB SMlog, the
# pathological-input suite at full size, and a short deterministic pass of every fuzz target
# (FUZZ=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }

step "cargo clippy (no unwrap/expect/panic in the library)"
cargo clippy --all-targets --quiet -- -D warnings

step "cargo test (host)"
cargo test --all-targets --quiet

step "build the package"
bash scripts/build.sh

step "TypeScript types (tsc --strict)"
tsc -p tests/types

step "JavaScript and command-line tests in Node (through the built package)"
node --test tests/js/

step "the corpus of real cases through the package (tests/corpus: figures, misses; fails on a regression against figures.json)"
node tests/corpus/score.mjs --check

step "the same cases pasted the ways real text arrives (quoted, fenced, CRLF, HTML references, no-break spaces, typographic quotes, wrapped at 80, on one line, behind a journal's or a container log's prefix): fails when a mangling loses more than tests/corpus/mangled.json records"
node tests/tools/mangle.mjs --check

step "the xo-server plugin: loaded as xo-server loads it, driven by a stand-in xo (runs, transports, API, bad data, a 200-VM run)"
node --test xo-server-xapi-doctor/tests/

step "the plugin's chain verdict equals Xen Orchestra's own (@xen-orchestra/xapi's tarball; 5,000 random pools and named adversarial ones)"
node tests/xo-chain/agreement.mjs

step "build the demo page (www/dist)"
node scripts/build-www.mjs

step "browser tests in Chromium (the element, the demo page; screenshots in test-results/)"
node --test tests/browser/

step "the packed tarball: publint, attw, Node ESM/CJS, tsc --strict, the bin, Vite and webpack in Chromium"
node --test tests/package/

step "the React (XO 5) and Vue (XO 6) components in Vite-built apps that render real backup logs, in Chromium"
node --test tests/ui/

step "the command line on a generated 100 MB SMlog"
node tests/big/smlog-100mb.mjs

step "pathological input at full size through the package (time linear, memory bounded)"
node tests/big/pathological.mjs

if [ "${FUZZ:-1}" != 0 ]; then
  step "a short pass of every fuzz target (a fixed set of inputs, ~15 s each; a crash fails the run)"
  bash fuzz/run.sh ci
fi
