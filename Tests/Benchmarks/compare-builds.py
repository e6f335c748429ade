#!/usr/bin/env python3
"""Summarizes a compare-builds.sh run: per case, the median step time of each build (the median over the rounds of each
round's median), the ratio after/before, and for compile cases the compile time. Prints a Markdown table."""
import json, statistics, sys
from collections import defaultdict

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/nabla-compare"

def load(side):
    rows = defaultdict(list)
    try:
        lines = open(f"{out}/{side}.jsonl").read().splitlines()
    except FileNotFoundError:
        sys.exit(f"error: {out}/{side}.jsonl is missing (run compare-builds.sh first)")
    for line in lines:
        if not line.startswith("{"): continue
        r = json.loads(line)
        key = (r["case"], r["op"], r.get("optimizer") or "-", r["batch"], r["dtype"], r["threads"], r["backend"])
        rows[key].append(r)
    return rows

before, after = load("before"), load("after")
print("| case | threads | backend | before median | after median | after ÷ before |")
print("|---|---|---|---|---|---|")
for key in sorted(set(before) & set(after), key=lambda k: (k[5], k[0], k[1], k[2], k[3], k[6])):
    case, op, opt, batch, dtype, threads, backend = key
    name = f"{case} {op} {opt} b{batch} {dtype}"
    if "compile" in op:
        b = statistics.median(r["compile_ms"] for r in before[key]); a = statistics.median(r["compile_ms"] for r in after[key])
        print(f"| {name} | {threads} | {backend} | {b:,.1f} ms | {a:,.1f} ms | {a / b:.2f} |")
        continue
    b = statistics.median(r["median_us"] for r in before[key]); a = statistics.median(r["median_us"] for r in after[key])
    print(f"| {name} | {threads} | {backend} | {b:,.2f} µs | {a:,.2f} µs | {a / b:.2f} |")
