#!/usr/bin/env python3
"""Process start: CPU (task-clock) per process of a few commands, measured in
interleaved batches so that a change of machine load hits every command alike.

    benchmarks/startup/process.py [--rounds 12] [--runs 40] NAME='CMD' ...

Each round runs `perf stat -r RUNS CMD` for every command in turn; the table
gives the minimum and the median over the rounds of the per-batch mean, in
ms. Without commands it measures hello.c built natively, under wasm2c, and
under `wacc run`, and `wacc --version` (built into build/bench/start by
benchmarks/rank.py's build()). Needs perf (linux-perf).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_commands(wacc):
    """hello.c natively, under wasm2c and under `wacc run`, built as
    benchmarks/rank.py builds every program (its build())."""
    rank = SourceFileLoader("wacc_rank", os.path.join(ROOT, "benchmarks", "rank.py")).load_module()
    work = os.path.join(ROOT, "build", "bench", "start")
    os.makedirs(work, exist_ok=True)
    rank.bench.WORKLOADS["hello"] = (["hello.c"], [], [])
    cmds = rank.build("hello", work, wacc, None, "x86-64-v3")
    return [("native hello", " ".join(cmds["native"])),
            ("wasm2c hello", " ".join(cmds["wasm2c"])),
            ("wacc --version", f"{wacc} --version"),
            ("wacc run hello.so", " ".join(cmds["wacc"]))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--wacc", default=os.path.join(ROOT, "build", "compiler", "driver", "wacc"))
    ap.add_argument("commands", nargs="*", help="NAME=CMD")
    a = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("process.py: perf not found (apt-get install linux-perf)")
    cmds = [tuple(c.split("=", 1)) for c in a.commands] or default_commands(a.wacc)
    ms = {name: [] for name, _ in cmds}
    for _ in range(a.rounds):
        for name, cmd in cmds:
            r = subprocess.run(f"perf stat -x, -e task-clock -r {a.runs} {cmd} >/dev/null",
                               shell=True, capture_output=True, text=True)
            for line in r.stderr.splitlines():
                if "task-clock" in line:
                    ms[name].append(float(line.split(",")[0]))
    print(f"CPU per process (perf stat task-clock), {a.rounds} interleaved rounds of {a.runs} runs; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| command | min ms | median ms |\n|---|---:|---:|")
    for name, _ in cmds:
        v = ms[name]
        if not v:
            print(f"| {name} | failed | |")
            continue
        print(f"| {name} | {min(v):.2f} | {statistics.median(v):.2f} |")


if __name__ == "__main__":
    main()
