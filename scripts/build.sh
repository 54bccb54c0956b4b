#!/usr/bin/env bash
# Builds the npm package in pkg/: compiles the crate to WebAssembly with wasm-pack (once for the
# browser glue, once for the Node glue — cargo reuses the first build), checks that both glues
# share one byte-identical .wasm, and copies it with the two glue files into pkg/dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

out=target/wasm-pack
rm -rf "$out"
for t in web nodejs; do
  wasm-pack build --release --target "$t" --out-dir "$out/$t" --out-name xapi_doctor --no-pack 2>&1 \
    | grep -vE '^\[INFO\]|^\s*$|Compiling|Finished|Your wasm pkg is ready|Optimizing wasm binaries' >&2 || true
  [ -f "$out/$t/xapi_doctor_bg.wasm" ] || { echo "wasm-pack build --target $t failed" >&2; exit 1; }
done
if ! cmp -s "$out/web/xapi_doctor_bg.wasm" "$out/nodejs/xapi_doctor_bg.wasm"; then
  echo "the web and nodejs builds produced different .wasm files" >&2
  exit 1
fi

dist=pkg/dist
rm -rf "$dist"
mkdir -p "$dist"
cp "$out/web/xapi_doctor_bg.wasm" "$dist/xapi_doctor_bg.wasm"
cp "$out/web/xapi_doctor.js" "$dist/xapi_doctor.web.js"
cp "$out/nodejs/xapi_doctor.js" "$dist/xapi_doctor.node.cjs"

raw=$(wc -c < "$dist/xapi_doctor_bg.wasm")
gz=$(gzip -9 -c "$dist/xapi_doctor_bg.wasm" | wc -c)
printf 'pkg/dist/xapi_doctor_bg.wasm: %d bytes (%d KiB), gzip -9: %d bytes (%d KiB)\n' "$raw" $((raw / 1024)) "$gz" $((gz / 1024)) >&2
