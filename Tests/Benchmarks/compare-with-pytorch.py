#!/usr/bin/python3
"""Joins the JSON lines of compare-with-pytorch.sh (Nabla's nabla.jsonl, PyTorch's torch.jsonl) into one Markdown table.

Rows are keyed by (case, op, optimizer, batch, threads). With several rounds, each cell is the median of the rounds'
medians (the spread, min–max over rounds, follows in parentheses). "PyTorch ÷ Nabla" uses Nabla's faster backend;
"% of ceiling" is Nabla's GFLOP/s over OpenBLAS's SGEMM 512³ rate (numpy) on the same thread count in the same run.

Usage: compare-with-pytorch.py DIR
"""
import json
import os
import statistics
import sys
from collections import defaultdict


def load(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    rows.append(json.loads(line))
    return rows


def key(r):
    return (r["case"], r["op"], r.get("optimizer") or "-", r["batch"], r["threads"])


def cell(values):
    if not values:
        return None, ""
    m = statistics.median(values)
    text = fmt(m)
    if len(values) > 1:
        text += f" ({fmt(min(values))}–{fmt(max(values))})"
    return m, text


def fmt(us):
    return f"{us:,.0f} µs" if us >= 100 else f"{us:.2f} µs"


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = sys.argv[1]
    med = defaultdict(lambda: defaultdict(list))  # key -> backend -> [median_us]
    gflops = defaultdict(lambda: defaultdict(list))
    foreign = defaultdict(list)
    order = []
    for r in load(os.path.join(d, "nabla.jsonl")) + load(os.path.join(d, "torch.jsonl")):
        k = key(r)
        if k not in order:
            order.append(k)
        med[k][r["backend"]].append(r["median_us"])
        if r.get("gflops") is not None:
            gflops[k][r["backend"]].append(r["gflops"])
        if r.get("foreign_cpu_pct") is not None:
            foreign[r["threads"]].append(r["foreign_cpu_pct"])
    ceiling = {}
    for k in order:
        if k[0] == "sgemm-512" and gflops[k].get("numpy"):
            ceiling[k[4]] = statistics.median(gflops[k]["numpy"])

    print("| case (f32) | threads | Nabla Roslyn | Nabla Expressions | Nabla runtime | PyTorch 1.13 | OpenBLAS (numpy) | PyTorch ÷ Nabla | Nabla GFLOP/s | % of OpenBLAS SGEMM |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k in order:
        case, op, opt, b, t = k
        cells = {be: cell(v) for be, v in med[k].items()}
        nabla = [cells[be][0] for be in ("roslyn", "expressions", "runtime") if be in cells]
        peer = [cells[be][0] for be in ("pytorch", "numpy") if be in cells]
        ratio = f"{min(peer) / min(nabla):.2f}×" if nabla and peer else ""
        best_g = max((statistics.median(v) for be, v in gflops[k].items() if be in ("roslyn", "expressions", "runtime")), default=None)
        g = f"{best_g:.1f}" if best_g is not None else ""
        pct = f"{100 * best_g / ceiling[t]:.0f} %" if best_g is not None and t in ceiling else ""
        name = f"{case} {op}" + (f" {opt}" if opt != "-" else "") + f", b{b}"
        print(f"| {name} | {t} | " + " | ".join(cells.get(be, (None, ""))[1] for be in ("roslyn", "expressions", "runtime", "pytorch", "numpy"))
              + f" | {ratio} | {g} | {pct} |")
    for t, v in sorted(foreign.items()):
        print(f"\nforeign CPU while measuring, {t} thread(s): median {statistics.median(v):.0f} %, max {max(v):.0f} % of all cores")
    for name in ("started", "finished"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            print(f"{name}: {open(p).read().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
