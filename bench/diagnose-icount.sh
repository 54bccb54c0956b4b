#!/bin/bash
# Native instructions per diagnose() call for each of bench/diagnose.mjs's shapes (text, array,
# JSON-RPC, XapiError, task): callgrind's count for 1,200 calls minus that for 200 (the tables
# built on first use cancel out), divided by 1,000. Deterministic: the machine's load does not
# change it, so two builds compare exactly (bench/README.md, perf4). Needs valgrind.
# WIRE=1 also counts the writing of each result in the compact form the package sends to
# JavaScript (`json::write_wire`; bench/README.md, perf13), which the plain count leaves out.
#
#   [WIRE=1] bash bench/diagnose-icount.sh [BIN]   (BIN: default target/release/examples/diagnose_icount, built here)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-}
if [ -z "$BIN" ]; then
  cargo build --release --quiet --example diagnose_icount
  BIN=${CARGO_TARGET_DIR:-target}/release/examples/diagnose_icount
fi
count() { ZZ_WIRE=${WIRE:-0} ZZ_N=$1 ZZ_ONLY=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
for i in 0 1 2 3 4; do
  printf '%s ' $(( ($(count 1200 $i) - $(count 200 $i)) / 1000 ))
done
echo
