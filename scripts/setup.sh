#!/usr/bin/env bash
# Idempotent setup of everything xapi-doctor needs on a fresh Debian machine of this kind:
# the wasm32 target, wasm-pack and wasm-bindgen-cli (pinned to the crate's version), cargo-fuzz,
# Debian's Chromium for browser tests, ripgrep and hyperfine for the benchmark, and the npm dev
# dependencies (wasm-opt, playwright-core, TypeScript, and for the package smoke test Vite,
# webpack, publint and attw), and Xen Orchestra's published `@xen-orchestra/xapi` tarball, which
# tests/xo-chain/ runs as the reference for the chain-protection verdict (kept in .cache/, never
# committed).
# Every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -1)
: "${WASM_BINDGEN_VERSION:?could not read the pinned wasm-bindgen version from Cargo.toml}"
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  step "cargo install wasm-pack (about 3 minutes, once)"
  cargo install wasm-pack
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 6 minutes, once)"
  # --locked fails here: one locked dependency is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  step "cargo install cargo-fuzz (about 1 minute, once; the fuzz targets in fuzz/)"
  cargo install cargo-fuzz --version 0.13.2
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A node_modules that is a symlink belongs to another checkout (a git worktree sharing the main
# tree's): npm ci would empty the tree it points to, so it is left alone.
if [ -L node_modules ]; then
  step "node_modules is a symlink: npm ci skipped"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

# The test of tests/xo-chain/ runs Xen Orchestra's own chain-protection code from this exact
# tarball; it is checked against the registry's integrity (`npm view @xen-orchestra/xapi@8.10.5
# dist.integrity`), here and again by the test before it extracts anything.
XO_XAPI_VERSION=8.10.5
XO_XAPI_INTEGRITY=sha512-IdOiO/OTeUlZHj/6yTibCRLy/SaJqNAB+OwfT79eQKi8/aAbKmi/RwyKgg+3eiZQTYpZvUV52LsWsxPU5jqCxg==
XO_XAPI_TARBALL=.cache/xo-xapi/xen-orchestra-xapi-$XO_XAPI_VERSION.tgz
sri_of() { node -e 'process.stdout.write("sha512-" + require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$1"; }
if [ ! -f "$XO_XAPI_TARBALL" ] || [ "$(sri_of "$XO_XAPI_TARBALL")" != "$XO_XAPI_INTEGRITY" ]; then
  step "npm pack @xen-orchestra/xapi@$XO_XAPI_VERSION (Xen Orchestra's chain check, for tests/xo-chain/)"
  mkdir -p .cache/xo-xapi
  rm -f "$XO_XAPI_TARBALL"
  npm pack "@xen-orchestra/xapi@$XO_XAPI_VERSION" --pack-destination .cache/xo-xapi --silent >/dev/null
  if [ "$(sri_of "$XO_XAPI_TARBALL")" != "$XO_XAPI_INTEGRITY" ]; then
    rm -f "$XO_XAPI_TARBALL"
    echo "setup: $XO_XAPI_TARBALL does not match its registry integrity $XO_XAPI_INTEGRITY" >&2
    exit 1
  fi
fi
