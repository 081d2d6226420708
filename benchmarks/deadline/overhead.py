#!/usr/bin/env python3
"""Cost of the interruption checks (deadlines, runtime/include/wacc/abi.h).

Every scripts/bench workload (the kernels, and the Debian-source programs that
`apt-get source` can fetch) is built to wasm32-wasi once and compiled twice by
wacc: with the checks (the default) and with `--no-interrupt-checks`. The two
are run alternately, N times each; the table has the minimum CPU time
(user+sys) of each and their ratio, and the geometric mean of the ratios.
Outputs must match between the two.

Writes benchmarks/results/deadline-overhead.md.

Usage: benchmarks/deadline/overhead.py [--runs N] [--only a,b] [--no-debian] [--wacc PATH]
"""
import argparse
import os
import platform
import subprocess
import sys
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bench = SourceFileLoader("wacc_bench", os.path.join(ROOT, "scripts", "bench")).load_module()


def build_wasm(name, work):
    srcs, _, wflags = bench.WORKLOADS[name]
    srcs = [s if os.path.isabs(s) else os.path.join(bench.KERNELS, s) for s in srcs]
    wasm = os.path.join(work, name + ".wasm")
    wasm_only = ["-DSQLITE_OS_OTHER=1"] if name == "sqlite3" else []
    bench.sh(["clang-19", "--target=wasm32-wasi", "-O2", *wflags, *wasm_only, *srcs, "-o", wasm])
    return wasm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-debian", action="store_true")
    ap.add_argument("--wacc", default=os.path.join(ROOT, "build", "compiler", "driver", "wacc"))
    args = ap.parse_args()
    work = os.path.join(ROOT, "build", "bench", "deadline")
    os.makedirs(work, exist_ok=True)
    if not args.no_debian:
        bench.fetch_debian(os.path.dirname(work))
    names = [n for n in bench.WORKLOADS if not args.only or n in args.only.split(",")]
    rows = []
    for name in names:
        print(f"== {name}", file=sys.stderr)
        wasm = build_wasm(name, work)
        so = {"checks": os.path.join(work, name + ".so"), "none": os.path.join(work, name + ".nochk.so")}
        bench.sh([args.wacc, "compile", wasm, "-o", so["checks"]])
        bench.sh([args.wacc, "compile", "--no-interrupt-checks", wasm, "-o", so["none"]])
        wargs = bench.WORKLOADS[name][1]
        best = {}
        outs = {}
        for _ in range(args.runs):
            for k, path in so.items():
                cpu, _, out, rc, err = bench.timed([args.wacc, "run", path, *wargs])
                if rc != 0:
                    sys.exit(f"{name} ({k}): exit {rc}: {err.decode(errors='replace').strip()[:200]}")
                best[k] = min(best.get(k, cpu), cpu)
                outs.setdefault(k, out)
        if outs["checks"] != outs["none"]:
            sys.exit(f"{name}: outputs differ with and without the checks")
        ratio = best["checks"] / best["none"]
        rows.append((name, best["none"], best["checks"], ratio))
        print(f"  no checks {best['none']:.3f} s, checks {best['checks']:.3f} s: {ratio:.3f}x", file=sys.stderr)
    g = bench.geomean([r[3] for r in rows])
    lines = ["# Interruption-check overhead", "",
             f"`benchmarks/deadline/overhead.py --runs {args.runs}` on {platform.processor() or platform.machine()}"
             f" ({os.cpu_count()} CPUs, other jobs running). Minimum CPU time of {args.runs} alternating runs.", "",
             "| program | --no-interrupt-checks (s) | with checks (s) | ratio |", "|---|---:|---:|---:|"]
    for name, a, b, r in rows:
        lines.append(f"| {name} | {a:.3f} | {b:.3f} | {r:.3f} |")
    lines.append(f"| **geomean** | | | **{g:.3f}** |")
    text = "\n".join(lines) + "\n"
    os.makedirs(bench.RESULTS, exist_ok=True)
    with open(os.path.join(bench.RESULTS, "deadline-overhead.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
