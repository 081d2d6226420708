#!/usr/bin/env python3
"""Alternating pairs: wacc against wasm2c on one program, for a difference
smaller than this VM's run-to-run noise. Each pair runs both engines 3 times
(CPU time, user+sys, averaged), the order swapped every pair; prints both
medians, the mean and median difference with the mean's standard deviation
and standard error, and in how many pairs wacc was faster with the sign
test's two-sided p-value (the mean is swayed by the VM's occasional slow run;
the count of pairs is not). A benchmark, not a test.

    benchmarks/rank.py --only PROGRAM --engines native,wacc,wasm2c ...   (builds)
    benchmarks/ab/pairs.py PROGRAM ARG [--pairs 40] [--work build/bench/rank]
"""
import argparse
import math
import os
import statistics
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bench = SourceFileLoader("wacc_bench", os.path.join(ROOT, "scripts", "bench")).load_module()


def cpu(cmd):
    """CPU seconds (user+sys) of one run (scripts/bench's timed)."""
    t, _wall, _out, rc, err = bench.timed(cmd)
    if rc != 0:
        raise SystemExit(f"pairs: {' '.join(cmd)}: exit {rc}: {err.decode(errors='replace').strip()[:300]}")
    return t


def sign_test(wins, n):
    """Two-sided exact binomial p-value of `wins` of `n` pairs under a fair
    coin: how often chance alone splits the pairs at least this unevenly."""
    k = min(wins, n - wins)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("program")
    ap.add_argument("arg")
    ap.add_argument("--pairs", type=int, default=40)
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench", "rank"))
    ap.add_argument("--wacc", default=os.path.join(ROOT, "build", "compiler", "driver", "wacc"))
    a = ap.parse_args()
    mod = a.program.replace("-", "_")
    cmds = {"wacc": [a.wacc, "run", os.path.join(a.work, a.program + ".so"), a.arg],
            "wasm2c": [os.path.join(a.work, "w2c_" + mod), a.arg]}
    t = {"wacc": [], "wasm2c": []}
    for i in range(a.pairs):
        for e in (("wacc", "wasm2c") if i % 2 == 0 else ("wasm2c", "wacc")):
            t[e].append(sum(cpu(cmds[e]) for _ in range(3)) / 3)
    d = [x - y for x, y in zip(t["wacc"], t["wasm2c"])]
    sd = statistics.stdev(d)
    wins = sum(x < 0 for x in d)
    print(f"{a.program} {a.arg}: {a.pairs} pairs; median wacc {statistics.median(t['wacc']) * 1e3:.1f} ms, "
          f"wasm2c {statistics.median(t['wasm2c']) * 1e3:.1f} ms; wacc - wasm2c: mean {statistics.mean(d) * 1e3:+.2f} ms, "
          f"sd {sd * 1e3:.2f}, se {sd / len(d) ** 0.5 * 1e3:.2f}, median {statistics.median(d) * 1e3:+.2f}; "
          f"wacc faster in {wins}/{a.pairs} (sign test p = {sign_test(wins, a.pairs):.3g})")


if __name__ == "__main__":
    main()
