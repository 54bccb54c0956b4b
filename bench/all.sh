#!/bin/sh
# bench/all.sh - every figure of issue 13 in one command, each beside its anchor, with the target:
#   SMlog end to end in Node (100 MB) against ripgrep and the JavaScript baseline, alternating runs;
#   the .wasm size gzipped; checkVdiChains on 10,000 and 100,000 VDIs against a plain JavaScript
#   walk of Xen Orchestra's check; diagnose() of one error, and loading the package.
#
#   sh bench/all.sh            (RUNS=5 alternating SMlog runs by default; builds the package if needed)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
DIR=${BENCH_DIR:-$ROOT/bench-data}
RUNS=${RUNS:-5}
mkdir -p "$DIR/results"
cd "$ROOT"
[ -s pkg/dist/xapi_doctor_bg.wasm ] || bash scripts/build.sh
BIG=$DIR/SMlog.100mb.seed1
[ -s "$BIG" ] || python3 tests/tools/gen_smlog.py --size-mb 100 --seed 1 --episodes-json "$BIG.episodes.json" -o "$BIG"
cat "$BIG" > /dev/null   # warm the page cache

echo "== SMlog, 100 MB: $RUNS alternating runs of each" >&2
python3 - "$BIG" "$SHARED" "$RUNS" "$DIR/results/smlog.json" <<'PY'
import json, statistics, subprocess, sys, time
big, shared, runs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
commands = {
    "xapi-doctor": ["node", "bench/smlog.mjs", big],
    "baseline": ["node", f"{shared}/bench/baseline.mjs", big],
    "ripgrep": ["rg", "-c", "-f", f"{shared}/bench/patterns.txt", big],
}
times = {k: [] for k in commands}
for _ in range(runs + 1):  # the first round warms up and is dropped
    for name, cmd in commands.items():
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times[name].append(time.perf_counter() - t)
med = {k: statistics.median(v[1:]) for k, v in times.items()}
for k, v in med.items():
    print(f"  {k:12s} median {v:.3f} s")
json.dump(med, open(out, "w"))
PY

echo "== checkVdiChains" >&2
BENCH_JSON=$DIR/results/chain.json node bench/chain.mjs 10000 100000
echo "== diagnose() and loading" >&2
BENCH_JSON=$DIR/results/diagnose.json node bench/diagnose.mjs

python3 - "$DIR/results" pkg/dist/xapi_doctor_bg.wasm <<'PY'
import gzip, json, sys
d = sys.argv[1]
smlog = json.load(open(f"{d}/smlog.json"))
chain = json.load(open(f"{d}/chain.json"))
diag = json.load(open(f"{d}/diagnose.json"))
gz = len(gzip.compress(open(sys.argv[2], "rb").read(), 9))
rows = []
x = smlog["xapi-doctor"]
rows.append(("SMlog 100 MB, end to end", f"{x:.3f} s", f"ripgrep {smlog['ripgrep']:.3f} s", f"{smlog['ripgrep'] / x:.2f}x its speed", ">= 1.00x"))
rows.append(("SMlog 100 MB, end to end", f"{x:.3f} s", f"JS baseline {smlog['baseline']:.3f} s", f"{smlog['baseline'] / x:.1f}x its speed", ">= 12x"))
rows.append((".wasm gzip -9", f"{gz / 1000:.0f} KB", "", "", "<= 200 KB"))
for c in chain:
    target = 400 if c["vdis"] >= 100000 else 40
    rows.append((f"checkVdiChains {c['vdis']} VDIs", f"{c['checkMs']:.0f} ms", f"plain JS walk {c['plainJsWalkMs']:.1f} ms", f"{c['checkMs'] / c['plainJsWalkMs']:.1f}x its time", f"<= {target} ms"))
    if "vmsReadMs" in c:
        rows.append((f"  … and its VMs read", f"{c['vmsReadMs']:.0f} ms", "", f"{c['vmsReadMs'] / c['plainJsWalkMs']:.1f}x its time", ""))
    if "graphReadMs" in c:
        rows.append((f"  … and its graph read", f"{c['graphReadMs']:.0f} ms", "", f"{c['graphReadMs'] / c['plainJsWalkMs']:.1f}x its time", ""))
worst = max(diag["perShapeUs"].values())
rows.append(("diagnose(), one error (slowest shape)", f"{worst:.1f} µs", "", "", "<= 10 µs"))
rows.append(("instantiation (read, compile, instantiate)", f"{diag['instantiateMs']:.1f} ms", "", "", "< 10 ms"))
rows.append(("  … the whole require() in a fresh node -e", f"{diag['loadMs']:.1f} ms", "", "", ""))
if "firstCallMs" in diag:
    rows.append(("  … then the first diagnose() (tables built)", f"{diag['firstCallMs']:.1f} ms", "", "", ""))
print("\n| figure | measured | anchor | ratio | target |\n| --- | ---: | ---: | ---: | ---: |")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
