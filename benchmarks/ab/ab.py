#!/usr/bin/env python3
"""A/B of two wacc builds on the scripts/bench workloads.

Every workload is built to wasm32-wasi once and compiled by both `wacc`
binaries (e.g. main's and a branch's build) with the same flags; the two
artifacts run alternately N times each, each by the `wacc run` of the build
that compiled it. The table has the minimum CPU time
(user+sys) of each and the ratio B/A, and the geometric mean of the ratios.
Outputs must match. Used for the cost of a code-generation change (e.g. the
force-read of guard-page loads: benchmarks/results/force-read.md).

Usage: benchmarks/ab/ab.py --a WACC_A --b WACC_B [--runs N] [--only a,b]
                           [--no-debian] [--flags "-O2"] [--out FILE.md]
"""
import argparse
import math
import os
import platform
import sys
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bench = SourceFileLoader("wacc_bench", os.path.join(ROOT, "scripts", "bench")).load_module()


def build_wasm(name, work):
    srcs, _, wflags = bench.WORKLOADS[name]
    srcs = [s if os.path.isabs(s) else os.path.join(bench.KERNELS, s) for s in srcs]
    wasm = os.path.join(work, name + ".wasm")
    bench.sh(["clang-19", "--target=wasm32-wasi", "-O2", *wflags, *bench.WASM_ONLY.get(name, []), *srcs, "-o", wasm])
    return wasm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-debian", action="store_true")
    ap.add_argument("--flags", default="")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    work = os.path.join(ROOT, "build", "bench", "ab")
    os.makedirs(work, exist_ok=True)
    if not args.no_debian:
        bench.fetch_debian(os.path.dirname(work))
    names = [n for n in bench.WORKLOADS if not args.only or n in args.only.split(",")]
    rows = []
    for name in names:
        print(f"== {name}", file=sys.stderr)
        try:
            wasm = build_wasm(name, work)
        except Exception as e:  # a workload whose sources are missing
            print(f"  skipped: {e}", file=sys.stderr)
            continue
        so = {k: os.path.join(work, f"{name}.{k}.so") for k in ("a", "b")}
        wacc = {"a": args.a, "b": args.b}
        for k, w in wacc.items():
            bench.sh([w, "compile", "--quiet", *args.flags.split(), wasm, "-o", so[k]])
        wargs = bench.WORKLOADS[name][1]
        best, outs = {}, {}
        for _ in range(args.runs):
            for k in ("a", "b"):
                # each artifact runs under its own build's runtime (the two may
                # differ in ABI version, e.g. a vmctx layout change)
                cpu, _, out, rc, _err = bench.timed([wacc[k], "run", so[k], *wargs])
                if rc != 0:
                    sys.exit(f"{name}: {k} exited {rc}")
                outs[k] = out
                best[k] = min(best.get(k, cpu), cpu)
        if outs["a"] != outs["b"]:
            sys.exit(f"{name}: outputs differ between A and B")
        rows.append((name, best["a"], best["b"], best["b"] / best["a"]))
    geo = math.exp(sum(math.log(r[3]) for r in rows) / len(rows)) if rows else float("nan")
    lines = [f"A: `{args.a}`  B: `{args.b}`  flags: `{args.flags or '(default)'}`  runs: {args.runs} (min CPU)  "
             f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", "",
             "| program | A (s) | B (s) | B/A |", "|---|---:|---:|---:|"]
    lines += [f"| {n} | {a:.3f} | {b:.3f} | {r:.3f} |" for n, a, b, r in rows]
    lines += [f"| **geomean** | | | **{geo:.3f}** |"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
