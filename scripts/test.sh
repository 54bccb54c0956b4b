#!/usr/bin/env bash
# Runs every test of xapi-doctor on a fresh machine: sets up what is missing (idempotent),
# runs the Rust tests on the host, builds the WebAssembly package, type-checks the public
# TypeScript types, and runs the JavaScript tests in Node and in Chromium against the package
# and the demo page.
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

step "JavaScript tests in Node (through the built package)"
node --test tests/js/

step "build the demo page (www/dist)"
node scripts/build-www.mjs

step "browser tests in Chromium (the element, the demo page; screenshots in test-results/)"
node --test tests/browser/
