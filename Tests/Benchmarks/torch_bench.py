#!/usr/bin/python3
"""PyTorch (and numpy/OpenBLAS) side of Nabla's benchmark comparison.

Measures the same cases as Nabla's benchmark runner (Tests/Benchmarks), the same way (warm-up, then 9 blocks of calls
sized to fill about one second, median and minimum of the per-call time of a block), and prints one JSON object per
line in the same contract (docs/BENCHMARKS.md), with "backend" = "pytorch" (or "numpy" for OpenBLAS SGEMM).

Run it with Debian's python3-torch and OpenBLAS, with the machine's OpenBLAS overrides unset for this command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 Tests/Benchmarks/torch_bench.py --threads 1 \
        --case 'mlp-40-100-100-10/train_step/sgd/b128'

Without libopenblas0-pthread, Debian's torch and numpy call the reference BLAS (about 30x slower): the script prints
which BLAS numpy found, and refuses to run on the reference one unless --allow-reference-blas is given.
"""
import argparse
import fnmatch
import json
import os
import statistics
import sys
import time

MLPS = {
    "mlp-40-298-10": [40, 298, 10],
    "mlp-40-100-100-10": [40, 100, 100, 10],
    "mlp-40-75-75-75-10": [40, 75, 75, 75, 10],
    "mlp-40-63-63-63-63-10": [40, 63, 63, 63, 63, 10],
    "mlp-784-1024-1024-10": [784, 1024, 1024, 10],
}
MLP_BATCHES = {"mlp-784-1024-1024-10": [256]}
GEMMS = {"sgemm-512": (512, 512, 512), "sgemm-256x784x1024": (256, 784, 1024), "sgemm-4000x40x298": (4000, 40, 298)}
SAMPLES = 8  # distinct input batches, cycled (LeNet)


def mlp_sets(b):
    """Distinct MLP input batches, cycled: 4,096 distinct examples, at least 8 batches, as Nabla's MLP cases
    (Tests/Benchmarks/Cases/MlpCases.cs: fewer examples get memorized over millions of small-batch steps, and Adam's
    second moments of the shrinking gradients become float denormals, which are far slower)."""
    return max(8, 4096 // b)


def cases():
    """Every case as (name, op, optimizer, batch, backend, factory); factory() returns (run, flops_per_call)."""
    out = []
    for name, widths in MLPS.items():
        for b in MLP_BATCHES.get(name, [1, 32, 128, 4000]):
            for opt in ("sgd", "adam"):
                out.append((name, "train_step", opt, b, "pytorch", lambda w=widths, b=b, o=opt: mlp_step(w, b, o)))
            out.append((name, "forward", None, b, "pytorch", lambda w=widths, b=b: mlp_forward(w, b)))
    out.append(("lenet-28", "train_step", "sgd", 64, "pytorch", lambda: lenet_step(64)))
    out.append(("lenet-28", "forward", None, 64, "pytorch", lambda: lenet_forward(64)))
    out.append(("mnist1d-cnn", "train_step", "adam", 100, "pytorch", lambda: mnist1d_cnn_step(100)))
    out.append(("mnist1d-cnn", "forward", None, 100, "pytorch", lambda: mnist1d_cnn_forward(100)))
    for name, (m, n, k) in GEMMS.items():
        out.append((name, "gemm", None, m, "pytorch", lambda m=m, n=n, k=k: torch_gemm(m, n, k)))
        out.append((name, "gemm", None, m, "numpy", lambda m=m, n=n, k=k: numpy_gemm(m, n, k)))
    return out


def case_id(c):
    name, op, opt, b, backend, _ = c
    return f"{name}/{op}/{opt or '-'}/b{b}/f32/{backend}"


def mlp(widths):
    import torch
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def mlp_flops(widths, b, forward_only):
    macs = sum(widths[i] * widths[i + 1] for i in range(len(widths) - 1))
    return (2 if forward_only else 6) * macs * b  # Nabla's count: forward 2·MACs, backward twice that


def batches(shape, classes, b, n=SAMPLES):
    import torch
    g = torch.Generator().manual_seed(1)
    xs = [torch.randn(*shape, generator=g) for _ in range(n)]
    ys = [torch.randint(0, classes, (b,), generator=g) for _ in range(n)]
    return xs, ys


def train_step(model, opt_name, xs, ys):
    import torch
    opt = torch.optim.SGD(model.parameters(), lr=1e-3) if opt_name == "sgd" else torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    state = {"i": 0}

    def run():
        i = state["i"] = (state["i"] + 1) % len(xs)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xs[i]), ys[i])
        loss.backward()
        opt.step()
    run.optimizer = opt
    return run


def forward(model, xs):
    import torch
    state = {"i": 0}

    def run():
        i = state["i"] = (state["i"] + 1) % len(xs)
        with torch.no_grad():
            model(xs[i])
    return run


def mlp_step(widths, b, opt):
    xs, ys = batches((b, widths[0]), widths[-1], b, mlp_sets(b))
    return train_step(mlp(widths), opt, xs, ys), mlp_flops(widths, b, False)


def mlp_forward(widths, b):
    xs, _ = batches((b, widths[0]), widths[-1], b, mlp_sets(b))
    return forward(mlp(widths), xs), mlp_flops(widths, b, True)


def lenet():
    import torch.nn as nn
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def lenet_flops(b, forward_only):
    # As Tests/Benchmarks/Cases/LenetCases.cs counts: forward, weight gradients, input gradients except conv1's.
    c1 = 2.0 * b * 24 * 24 * 6 * 1 * 25
    c2 = 2.0 * b * 8 * 8 * 16 * 6 * 25
    fc = 2.0 * b * (256 * 120 + 120 * 84 + 84 * 10)
    fwd = c1 + c2 + fc
    return fwd if forward_only else fwd + fwd + (c2 + fc)


def lenet_step(b):
    xs, ys = batches((b, 1, 28, 28), 10, b)
    return train_step(lenet(), "sgd", xs, ys), lenet_flops(b, False)


def lenet_forward(b):
    xs, _ = batches((b, 1, 28, 28), 10, b)
    return forward(lenet(), xs), lenet_flops(b, True)


def mnist1d_cnn():
    """The MNIST-1D paper's CNN as the example's PyTorch script defines it (ConvBase); input [B, 40]."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "Mnist1D", "pytorch"))
    from cnn import ConvBase
    return ConvBase()


def mnist1d_cnn_flops(b, forward_only):
    # As Tests/Benchmarks/Cases/LenetCases.cs counts (Mnist1dCnnFlops).
    c1 = 2.0 * b * 19 * 25 * 1 * 5
    c2 = 2.0 * b * 10 * 25 * 25 * 3
    c3 = 2.0 * b * 5 * 25 * 25 * 3
    fc = 2.0 * b * 125 * 10
    fwd = c1 + c2 + c3 + fc
    return fwd if forward_only else fwd + fwd + (c2 + c3 + fc)


def mnist1d_cnn_step(b):
    xs, ys = batches((b, 40), 10, b)
    model = mnist1d_cnn()
    step = train_step(model, "adam", xs, ys)
    for g in step.optimizer.param_groups:
        g["lr"] = 0.01  # the recipe's Adam rate, as Nabla's case
    return step, mnist1d_cnn_flops(b, False)


def mnist1d_cnn_forward(b):
    xs, _ = batches((b, 40), 10, b)
    return forward(mnist1d_cnn(), xs), mnist1d_cnn_flops(b, True)


def torch_gemm(m, n, k):
    import torch
    a, b, c = torch.randn(m, k), torch.randn(k, n), torch.empty(m, n)
    return (lambda: torch.mm(a, b, out=c)), 2.0 * m * n * k


def numpy_gemm(m, n, k):
    import numpy as np
    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    return (lambda: np.matmul(a, b, out=c)), 2.0 * m * n * k


class LoadMeter:
    """CPU time used by other processes during a window, in percent of all cores (/proc/stat minus this process's own
    CPU time): the same definition as Tests/Benchmarks/LoadMeter.cs, so "foreign_cpu_pct" means the same in both."""

    @staticmethod
    def busy_seconds():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait

    def start(self):
        t = os.times()
        self.busy0, self.own0, self.t0 = self.busy_seconds(), t.user + t.system, time.perf_counter()

    def stop(self):
        t = os.times()
        busy, own = self.busy_seconds() - self.busy0, t.user + t.system - self.own0
        wall = max(time.perf_counter() - self.t0, 1e-6)
        return min(100.0, max(0.0, 100.0 * (busy - own) / (wall * os.cpu_count())))


def wait_idle(idle_pct, budget):
    """Waits up to budget seconds until foreign load over a 0.3 s window is at most idle_pct (as Nabla's --wait-idle)."""
    deadline, m = time.monotonic() + budget, LoadMeter()
    while True:
        m.start()
        time.sleep(0.3)
        if m.stop() <= idle_pct or time.monotonic() >= deadline:
            return


def measure(run, warm, total, blocks):
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < warm or n < 3:
        run()
        n += 1
    per_call = (time.perf_counter() - t0) / n
    iters = max(1, round(total / blocks / per_call))
    times = []
    for _ in range(blocks):
        s = time.perf_counter()
        for _ in range(iters):
            run()
        times.append((time.perf_counter() - s) * 1e6 / iters)
    return statistics.median(times), min(times)


def blas_name():
    """Which BLAS the process has mapped (numpy and torch share Debian's libblas.so.3 alternative)."""
    with open("/proc/self/maps") as f:
        maps = f.read()
    if "openblas" in maps:
        return "openblas"
    if "libblas.so" in maps:
        return "reference"
    return "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", action="append", default=[], help="glob over case ids (name/op/optimizer/bB/f32/backend); repeatable; a bare name matches as a prefix")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--list", action="store_true", help="print the case ids and exit")
    p.add_argument("--quick", action="store_true", help="shorter warm-up and measurement, as Nabla's --quick")
    p.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS", help="before each case, wait up to this long for a quiet machine")
    p.add_argument("--allow-reference-blas", action="store_true")
    a = p.parse_args()

    all_cases = cases()
    if a.list:
        for c in all_cases:
            print(case_id(c))
        return 0
    chosen = [c for c in all_cases if not a.case or any(fnmatch.fnmatch(case_id(c), pat) or case_id(c).startswith(pat) for pat in a.case)]
    if not chosen:
        print(f"no case matches {a.case}; --list shows them", file=sys.stderr)
        return 2

    # Thread counts must be set before the BLAS loads.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = str(a.threads)
    import numpy  # noqa: F401  (loads the BLAS numpy and torch share on Debian)
    import torch
    blas = blas_name()
    if blas == "reference" and not a.allow_reference_blas:
        print("numpy/torch are using the reference BLAS (libblas.so.3 without OpenBLAS): install libopenblas0-pthread, "
              "or pass --allow-reference-blas", file=sys.stderr)
        return 2
    torch.set_num_threads(a.threads)
    print(f"# torch {torch.__version__}, numpy {numpy.__version__}, BLAS {blas}, threads {a.threads}, "
          f"OPENBLAS_CORETYPE={'unset' if 'OPENBLAS_CORETYPE' not in os.environ else os.environ['OPENBLAS_CORETYPE']}", file=sys.stderr)
    warm, total, blocks = (0.1, 0.25, 5) if a.quick else (0.25, 1.0, 9)
    for c in chosen:
        name, op, opt, b, backend, factory = c
        run, flops = factory()
        if a.wait_idle > 0:
            wait_idle(5 if a.threads >= os.cpu_count() else 10, a.wait_idle)
        meter = LoadMeter()
        meter.start()
        median, low = measure(run, warm, total, blocks)
        foreign = meter.stop()
        row = {"case": name, "op": op, "optimizer": opt, "batch": b, "dtype": "f32", "threads": a.threads,
               "backend": backend, "median_us": round(median, 3), "min_us": round(low, 3),
               "samples_per_s": round(b / median * 1e6, 1) if op != "gemm" else None, "compile_ms": None,
               "alloc_bytes_per_step": None}
        if flops:
            row["gflops"] = round(flops / median / 1e3, 2)
        row["foreign_cpu_pct"] = round(foreign, 1)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
