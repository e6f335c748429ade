#!/usr/bin/env bash
# Runs the Nabla cases of the README's Performance table for two builds of the benchmarks, group by group and
# alternating (A, B, A, B, ...), in one sitting, so that a change can be measured against the commit before it on the
# same machine at the same time. Each build is a checkout whose Tests/Benchmarks was built in Release.
#
#   Tests/Benchmarks/compare-builds.sh BEFORE_CHECKOUT AFTER_CHECKOUT [OUT_DIR]
#   python3 Tests/Benchmarks/compare-builds.py OUT_DIR       # medians side by side, and the ratios
#
# Example: git worktree add /tmp/before HEAD~5 && (cd /tmp/before && dotnet build -c Release Tests/Benchmarks),
# then run this from the repository root with /tmp/before and . as the two checkouts. Takes about 5 minutes on a quiet machine.
set -u
before="$1"; after="$2"; out="${3:-/tmp/nabla-compare}"
mkdir -p "$out"
dll() { echo "$1/Tests/Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll"; }
for side in before after; do
  dir=$([ "$side" = before ] && echo "$before" || echo "$after")
  [ -f "$(dll "$dir")" ] || { echo "error: $(dll "$dir") is missing: build $dir/Tests/Benchmarks in Release first" >&2; exit 2; }
done
run() { # side group threads cases...
  local side=$1 group=$2 threads=$3; shift 3
  local dir=$([ "$side" = before ] && echo "$before" || echo "$after")
  local args=(); for c in "$@"; do args+=(--case "$c"); done
  echo "$(date -u +%H:%M:%S) $side $group" >&2
  dotnet "$(dll "$dir")" --json --wait-idle 5 --threads "$threads" "${args[@]}" >> "$out/$side.jsonl" 2>> "$out/$side.err"
}
one=( "mlp-40-100-100-10/train_step/sgd/b1/f32/*" "mlp-40-100-100-10/train_step/sgd/b32/f32/*" "mlp-40-100-100-10/train_step/sgd/b128/f32/*"
      "mlp-40-100-100-10/train_step/adam/b128/f32/*" "mlp-40-298-10/train_step/sgd/b128/f32/*" "mlp-40-75-75-75-10/train_step/sgd/b128/f32/*"
      "mlp-40-63-63-63-63-10/train_step/sgd/b128/f32/*" "mlp-40-100-100-10/forward/-/b1/f32/*" "sgemm-512/*"
      "lenet-28/train_step/*" "mnist1d-cnn/train_step/*" )
two=( "mlp-40-100-100-10/train_step/sgd/b4000/f32/*" "mlp-784-1024-1024-10/train_step/sgd/b256/f32/roslyn" "lenet-28/*" "mnist1d-cnn/*" "sgemm-512/*" )
three=( "*compile_train_step*" )
: > "$out/before.jsonl"; : > "$out/after.jsonl"
date -u > "$out/started"; lscpu | grep -E "Model name|^CPU\(s\)|Flags" | sed 's/Flags:.*\(avx512f\).*/Flags: ... avx512f .../' > "$out/machine"
for round in 1 2; do
  for side in before after; do run $side 1T 1 "${one[@]}"; done
  for side in after before; do run $side 2T 2 "${two[@]}"; done
done
for side in before after; do run $side compile 1 "${three[@]}"; done
date -u > "$out/finished"
