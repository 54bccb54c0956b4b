#!/usr/bin/env bash
# Runs every test of xapi-doctor on a fresh machine: sets up what is missing (idempotent),
# runs the Rust tests on the host, builds the WebAssembly package, and runs the JavaScript
# tests against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

echo "==> cargo test" >&2
cargo test --all-targets --quiet

echo "==> build the package" >&2
bash scripts/build.sh

echo "==> JavaScript tests (node:test, through the built package)" >&2
node --test tests/js/
