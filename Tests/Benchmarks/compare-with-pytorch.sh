#!/bin/bash
# Nabla then PyTorch, minutes apart, both at SCHED_FIFO priority 10 (chrt -f 10) on the shared 2-core machine.
# Usage: Tests/Benchmarks/compare-with-pytorch.sh   (results in $OUT, default /tmp/nabla-bench: *.jsonl from Nabla, *.csv from
# PyTorch; TORCH_BENCH must point at the PyTorch benchmark script, torch_bench.py — issue 16 brings it into the repository).
cd "$(dirname "$0")/../.."
B="dotnet Tests/Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll"
T="/usr/bin/python3 ${TORCH_BENCH:?set TORCH_BENCH to the path of the PyTorch benchmark script (torch_bench.py)} --worker --quiet-header --wait-budget 20"
OUT=${OUT:-/tmp/nabla-bench}; mkdir -p $OUT
dotnet build -c Release Tests/Benchmarks || exit 1
date > $OUT/started
# --- Nabla, 1 thread
chrt -f 10 $B --json --wait-idle 15 --threads 1 \
  --case "mlp-40-100-100-10/train_step/sgd/b1/f32/*" --case "mlp-40-100-100-10/train_step/sgd/b32/f32/*" \
  --case "mlp-40-100-100-10/train_step/sgd/b128/f32/*" --case "mlp-40-100-100-10/train_step/adam/b128/f32/*" \
  --case "mlp-40-298-10/train_step/sgd/b128/f32/*" --case "mlp-40-75-75-75-10/train_step/sgd/b128/f32/*" \
  --case "mlp-40-63-63-63-63-10/train_step/sgd/b128/f32/*" --case "mlp-40-100-100-10/forward/-/b1/f32/*" \
  --case "sgemm-512/*" --case "sgemm-256x784x1024/*" --case "mlp-40-100-100-10/train_step/sgd/b4000/f32/roslyn" > $OUT/nabla1.jsonl 2> $OUT/nabla1.err
# --- PyTorch, 1 thread
chrt -f 10 $T --group train --threads 1 --only sgd/mlp100x2/b1,sgd/mlp100x2/b32,sgd/mlp100x2/b128,adam/mlp100x2/b128,sgd/mlp298/b128,sgd/mlp75x3/b128,sgd/mlp63x4/b128,infer/mlp100x2/b1,sgd/mlp100x2/b4000 > $OUT/torch1.csv 2>&1
chrt -f 10 $T --group gemm --threads 1 --only gemm/numpy/512 >> $OUT/torch1.csv 2>&1
# --- Nabla, 2 threads
chrt -f 10 $B --json --wait-idle 15 --threads 2 \
  --case "mlp-40-100-100-10/train_step/sgd/b4000/f32/*" --case "mlp-784-1024-1024-10/train_step/sgd/b256/f32/roslyn" \
  --case "lenet-28/*" --case "sgemm-512/*" --case "sgemm-256x784x1024/*" --case "sgemm-4000x40x298/*" \
  --case "mlp-40-100-100-10/train_step/sgd/b128/f32/roslyn" --case "mlp-40-100-100-10/train_step/sgd/b32/f32/roslyn" > $OUT/nabla2.jsonl 2> $OUT/nabla2.err
# --- PyTorch, 2 threads
chrt -f 10 $T --group train --threads 2 --only sgd/mlp100x2/b4000,sgd/mlp784/b256,sgd/lenet/b64,sgd/mlp100x2/b128 > $OUT/torch2.csv 2>&1
chrt -f 10 $T --group gemm --threads 2 --only gemm/numpy/512 >> $OUT/torch2.csv 2>&1
# --- compile times and pipeline scaling (1 thread)
chrt -f 10 $B --json --threads 1 --case "*compile_train_step*" --case "lenet-28/train_step/sgd/b64/f32/roslyn" --case "pipeline-*" > $OUT/nabla3.jsonl 2> $OUT/nabla3.err
date > $OUT/finished
