#!/usr/bin/env bash
# Measures the .wasm size (raw, gzip -9) and speed for each optimisation setting: cargo
# opt-level 3 / "s" / "z" (LTO, one codegen unit, panic = abort as in Cargo.toml), each
# followed by no wasm-opt, wasm-opt -O3, -Os or -Oz. Prints a Markdown table (docs/size.md).
# Slow (three release builds): run it by hand, not in the tests.
#   bash scripts/size-matrix.sh [SMLOG_FILE]   (default: a generated 16 MB SMlog)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

smlog=${1:-bench-data/SMlog.16mb}
if [ ! -f "$smlog" ]; then
  mkdir -p "$(dirname "$smlog")"
  python3 tests/tools/gen_smlog.py --size-mb 16 --seed 2 -o "$smlog" 2>/dev/null
fi
# The build's other wasm-opt flags (Cargo.toml's wasm-opt line without its -O level): the wasm
# features, and tuning flags such as -ocimfs.
read -r -a features <<< "$(grep '^wasm-opt = ' Cargo.toml | grep -o '"[^"]*"' | tr -d '"' | grep -vE '^-O[0-4sz]?$' | tr '\n' ' ')"
levels=${LEVELS:-"3 s z"}
passes=${PASSES:-"none O3 Os Oz"}
work=target/size-matrix

variants=()
for level in $levels; do
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$level cargo build --quiet --release --lib --target wasm32-unknown-unknown --target-dir "$work/cargo-$level"
  bindgen=$work/bindgen-$level
  rm -rf "$bindgen"
  wasm-bindgen --target nodejs --remove-name-section --out-dir "$bindgen" --out-name xapi_doctor \
    "$work/cargo-$level/wasm32-unknown-unknown/release/xapi_doctor.wasm"
  for pass in $passes; do
    dir=$work/$level-$pass
    rm -rf "$dir"
    cp -r "$bindgen" "$dir"
    mv "$dir/xapi_doctor.js" "$dir/xapi_doctor.cjs"
    if [ "$pass" != none ]; then
      wasm-opt "-$pass" "${features[@]}" "$bindgen/xapi_doctor_bg.wasm" -o "$dir/xapi_doctor_bg.wasm"
    fi
    variants+=("$dir")
  done
done

node scripts/size-bench.cjs "$smlog" "${variants[@]}" > "$work/speed.json"
mb=$(node -pe "require('./$work/speed.json').bigMB")
echo "| opt-level | wasm-opt | .wasm bytes | gzip -9 bytes | diagnose, small inputs: µs each (min / median) | diagnose, $mb MB SMlog: ms (min / median) |"
echo "| --- | --- | --- | --- | --- | --- |"
for dir in "${variants[@]}"; do
  name=$(basename "$dir")
  raw=$(wc -c < "$dir/xapi_doctor_bg.wasm")
  gz=$(gzip -9 -c "$dir/xapi_doctor_bg.wasm" | wc -c)
  speed=$(node -pe "const r = require('./$work/speed.json').result['$dir']; [r.smallUsMin, r.smallUsMedian, r.bigMsMin, r.bigMsMedian].join(' ')")
  read -r smin smed bmin bmed <<< "$speed"
  echo "| ${name%%-*} | ${name#*-} | $raw | $gz | $smin / $smed | $bmin / $bmed |"
done
