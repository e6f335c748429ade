#!/bin/bash
# Nabla and PyTorch side by side in one sitting: for each group of cases, Nabla's runner then the PyTorch script
# (Tests/Benchmarks/torch_bench.py), both at SCHED_FIFO priority 10 when chrt is allowed, both waiting for a quiet machine.
# Then compare-with-pytorch.py prints one table: medians, PyTorch ÷ Nabla, GFLOP/s and the fraction of the SGEMM ceiling
# measured in the same run.
#
# Usage: Tests/Benchmarks/compare-with-pytorch.sh            (about 3 minutes on a quiet 2-core machine, longer while it waits for one; ROUNDS=2 repeats every group)
#        OUT=/tmp/x QUICK=1 Tests/Benchmarks/compare-with-pytorch.sh
# Needs Debian's python3-torch with libopenblas0-pthread (without it torch runs the reference BLAS, ~30x slower; the
# script refuses). The machine's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are unset for the PyTorch runs only.
set -e
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/nabla-bench}; ROUNDS=${ROUNDS:-1}; mkdir -p "$OUT"; rm -f "$OUT"/*.jsonl
Q=${QUICK:+--quick}
PRIO="chrt -f 10"; $PRIO true 2>/dev/null || PRIO=""
dotnet build -c Release Tests/Benchmarks -v q -nologo | grep -E " error |rror\(s\)" || true
B="$PRIO dotnet Tests/Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll --json --wait-idle 15 $Q"
T="$PRIO env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 Tests/Benchmarks/torch_bench.py --wait-idle 15 $Q"

# group THREADS CASE... : Nabla's rows then PyTorch's for the same cases (PyTorch's ids end in /pytorch or /numpy).
group() {
  local t=$1; shift
  local nb=() pt=()
  for c in "$@"; do nb+=(--case "$c/*"); pt+=(--case "$c/*"); done
  $B --threads "$t" "${nb[@]}" >> "$OUT/nabla.jsonl" 2>> "$OUT/nabla.err"
  $T --threads "$t" "${pt[@]}" >> "$OUT/torch.jsonl" 2>> "$OUT/torch.err"
}

date -u > "$OUT/started"; lscpu > "$OUT/lscpu.txt"
for r in $(seq "$ROUNDS"); do
  group 1 sgemm-512/gemm/-/b512/f32 sgemm-256x784x1024/gemm/-/b256/f32
  group 1 mlp-40-100-100-10/train_step/sgd/b1/f32 mlp-40-100-100-10/train_step/sgd/b32/f32 \
          mlp-40-100-100-10/train_step/sgd/b128/f32 mlp-40-100-100-10/train_step/adam/b128/f32 \
          mlp-40-100-100-10/forward/-/b1/f32
  group 1 mlp-40-298-10/train_step/sgd/b128/f32 mlp-40-75-75-75-10/train_step/sgd/b128/f32 \
          mlp-40-63-63-63-63-10/train_step/sgd/b128/f32
  group 2 sgemm-512/gemm/-/b512/f32 sgemm-256x784x1024/gemm/-/b256/f32
  group 2 mlp-40-100-100-10/train_step/sgd/b4000/f32 mlp-784-1024-1024-10/train_step/sgd/b256/f32 \
          mlp-784-1024-1024-10/train_step/adam/b256/f32
  group 2 lenet-28/train_step/sgd/b64/f32 lenet-28/forward/-/b64/f32
  group 1 lenet-28/train_step/sgd/b64/f32 lenet-28/forward/-/b64/f32
  group 2 mnist1d-cnn/train_step/adam/b100/f32 mnist1d-cnn/forward/-/b100/f32
  group 1 mnist1d-cnn/train_step/adam/b100/f32 mnist1d-cnn/forward/-/b100/f32
  group 2 mlp-40-100-100-10/train_step/sgd/b32/f32 mlp-40-100-100-10/train_step/sgd/b128/f32
done
date -u > "$OUT/finished"
/usr/bin/python3 Tests/Benchmarks/compare-with-pytorch.py "$OUT"
