#!/bin/sh
# bench/run.sh - SMlog benchmark of xapi-doctor: end to end through the built package in Node,
# in one hyperfine run with the hand-written JavaScript baseline, ripgrep and the I/O floors;
# then recall / false alarms against the generator's ground truth, and the WebAssembly memory
# of a 1 GB stream. Generated files go to bench-data/ (git-ignored); results to bench-data/results.
#
#   sh bench/run.sh                      # 100 MB file, 10 runs, + recall + 1 GB memory check
#   RUNS=5 MEMORY_MB=0 sh bench/run.sh   # fewer runs, skip the 1 GB stream
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
GEN=$ROOT/tests/tools/gen_smlog.py   # a copy of $SHARED/bench/gen_smlog.py
DIR=${BENCH_DIR:-$ROOT/bench-data}
RUNS=${RUNS:-10}
MEMORY_MB=${MEMORY_MB:-1000}
OUT=$DIR/results
mkdir -p "$DIR" "$OUT"
cd "$ROOT"

gen() { # gen FILE ARGS...: generate FILE (+ FILE.episodes.json) unless present
  f=$1; shift
  if [ ! -s "$f" ]; then
    echo "generating $f" >&2
    python3 "$GEN" "$@" --episodes-json "$f.episodes.json" -o "$f"
  fi
}
BIG=$DIR/SMlog.100mb.seed1
gen "$BIG" --size-mb 100 --seed 1
gen "$DIR/SMlog.dense.5mb.seed7" --size-mb 5 --seed 7 --profile all-failures
gen "$DIR/SMlog.normal.5mb.seed3" --size-mb 5 --seed 3
[ -s pkg/dist/xapi_doctor_bg.wasm ] || bash scripts/build.sh
wasm=pkg/dist/xapi_doctor_bg.wasm
echo "package: $wasm $(wc -c < $wasm) bytes, gzip -9 $(gzip -9 -c $wasm | wc -c) bytes" >&2
cat "$BIG" > /dev/null   # warm the page cache

hyperfine --style basic --warmup 2 --runs "$RUNS" --export-json "$OUT/hyperfine.json" \
  -n xapi-doctor "node bench/smlog.mjs $BIG" \
  -n baseline    "node $SHARED/bench/baseline.mjs $BIG" \
  -n rg          "rg -c -f $SHARED/bench/patterns.txt $BIG" \
  -n wc          "wc -l $BIG" \
  -n node_utf8   "node $SHARED/bench/io_floor.mjs $BIG" \
  -n node_buf    "node $SHARED/bench/io_floor.mjs --buffer $BIG" \
  -n node_empty  "node -e 0"

python3 - "$OUT/hyperfine.json" "$BIG" <<'PY'
import json, os, sys, statistics
res = {r["command"]: r["times"] for r in json.load(open(sys.argv[1]))["results"]}
size = os.path.getsize(sys.argv[2])
med = {k: statistics.median(v) for k, v in res.items()}
print("\nfile: %s (%d bytes = %.1f MB)" % (sys.argv[2], size, size / 1e6))
print("%-12s %9s %9s %9s %10s" % ("command", "median_s", "min_s", "max_s", "MB/s(med)"))
for k, t in res.items():
    print("%-12s %9.3f %9.3f %9.3f %10.0f" % (k, med[k], min(t), max(t), size / 1e6 / med[k]))
x = med["xapi-doctor"]
print("\nxapi-doctor vs baseline: %.1fx the throughput (target >= 10x)" % (med["baseline"] / x))
print("xapi-doctor vs ripgrep:  %.2fx the throughput (target >= 0.75x)" % (med["rg"] / x))
PY

echo "\n== recall and false alarms" >&2
for f in "$BIG" "$DIR/SMlog.dense.5mb.seed7" "$DIR/SMlog.normal.5mb.seed3"; do
  node bench/recall.mjs "$f" "$f.episodes.json" | tee "$OUT/recall.$(basename "$f").txt" | tail -4
done

if [ "$MEMORY_MB" -gt 0 ]; then
  MEM=$DIR/SMlog.${MEMORY_MB}mb.seed2
  gen "$MEM" --size-mb "$MEMORY_MB" --seed 2
  echo "\n== ${MEMORY_MB} MB stream, 1 MiB chunks: WebAssembly memory at the end" >&2
  node bench/smlog.mjs "$MEM" | tee "$OUT/memory.json"
  node bench/recall.mjs "$MEM" "$MEM.episodes.json" | tail -3
fi
