#!/usr/bin/env bash
# Runs the fuzz targets one after the other on one core:
#   bash fuzz/run.sh [SECONDS] [TARGET...]   # each target SECONDS long (default 30)
#   bash fuzz/run.sh ci [TARGET...]          # what scripts/test.sh runs: deterministic, ~15 s each
# In the timed mode each target's corpus is fuzz/corpus/<target> (grown, git-ignored), seeded
# from the committed fuzz/seeds/<target>. The ci mode runs a fixed number of inputs per target
# with libFuzzer's seed 1 from a fresh corpus of the committed seeds only: the same amount of
# work on any machine, from the same start, independent of what was fuzzed locally before.
# (The walk is not bit-for-bit reproducible: coverage feedback sees address-dependent paths.)
# Exploration is the timed mode's job, run by hand for long periods; what it finds becomes a
# test in tests/regressions.rs and a seed in fuzz/regressions/<target>/.
# Built with cargo-fuzz on stable Rust without a sanitizer (`-s none`: the crate has no unsafe
# code outside the WebAssembly allocator shim; panics, overflows — `-a` turns on debug
# assertions — timeouts and memory blow-ups are what is looked for). A crash, a timeout
# (-timeout, seconds per input) or an out-of-memory (-rss_limit_mb) fails the run and leaves
# the input in fuzz/artifacts/<target>/.
# Prints one summary line per target: executions, final cov/ft, corpus size, seconds.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"
mode=${1:-30}
shift || true
all=(diagnose_text diagnose_bytes diagnose_json smlog_chunks xapi_parsers xo_log check_vdi_chains check_vdi_chains_flat plan_snapshot_space)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

dict_of() {
  case "$1" in
    smlog_chunks) echo dict/smlog.dict ;;
    diagnose_text | diagnose_bytes | xapi_parsers) cat dict/smlog.dict dict/xapi.dict > target/all.dict; echo target/all.dict ;;
    *) echo dict/json.dict ;;
  esac
}
# Inputs per target in the ci mode: about 15 s each on this kind of machine.
ci_runs_of() {
  case "$1" in
    xo_log) echo 20000 ;;
    xapi_parsers | plan_snapshot_space) echo 100000 ;;
    *) echo 50000 ;;
  esac
}
max_len_of() {
  case "$1" in
    smlog_chunks | diagnose_text | diagnose_bytes) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

for t in "${targets[@]}"; do cargo fuzz build -s none -a "$t"; done 2>&1 | grep -vE '^\s*(Compiling|Finished)' >&2 || true
summary=()
status=0
ci_corpora=""
[ "$mode" != ci ] || ci_corpora=$(mktemp -d)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t" target
  log="target/fuzz-$t.log"
  if [ "$mode" = ci ]; then
    corpus="$ci_corpora/$t"
    mkdir -p "$corpus"
    limit=(-runs="$(ci_runs_of "$t")" -seed=1)
  else
    corpus="corpus/$t"
    limit=(-max_total_time="$mode")
  fi
  start=$(date +%s)
  if ! cargo fuzz run -s none -a "$t" "$corpus" "seeds/$t" -- \
      "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_of "$t")" \
      -dict="$(dict_of "$t")" -print_final_stats=1 >"$log" 2>&1; then
    status=1
    echo "fuzz target $t FAILED: see fuzz/$log and fuzz/artifacts/$t/" >&2
    grep -v '^#[0-9]' "$log" | tail -40 | cut -c1-300 >&2
  fi
  end=$(date +%s)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  summary+=("$(printf '%-20s %12s execs  cov %6s  ft %7s  corpus %-12s %5ss' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" $((end - start)))")
done
printf '%s\n' "${summary[@]}"
[ -z "$ci_corpora" ] || rm -rf "$ci_corpora"
exit $status
