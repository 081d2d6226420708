#!/usr/bin/env python3
"""Process start: CPU (task-clock) per process of a few commands, measured in
interleaved batches so that a change of machine load hits every command alike.

    benchmarks/startup/process.py [--rounds 12] [--runs 40] NAME='CMD' ...

Each round runs `perf stat -r RUNS CMD` for every command in turn; the table
gives the minimum and the median over the rounds of the per-batch mean, in
ms. Without commands it measures an empty C program, wasm2c's hello, `wacc
--version` and `wacc run hello.so` (built into build/bench/start by
scripts/bench's toolchain: clang-19, wasm2c). Needs perf (linux-perf).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sh(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def default_commands(wacc):
    work = os.path.join(ROOT, "build", "bench", "start")
    os.makedirs(work, exist_ok=True)
    hello_c = os.path.join(ROOT, "benchmarks", "kernels", "hello.c")
    empty_c = os.path.join(work, "empty.c")
    with open(empty_c, "w") as f:
        f.write("int main(void) { return 0; }\n")
    sh(["clang-19", "-O2", empty_c, "-o", os.path.join(work, "empty")])
    wasm = os.path.join(work, "hello.wasm")
    sh(["clang-19", "--target=wasm32-wasi", "-O2", hello_c, "-o", wasm])
    sh([wacc, "compile", "--quiet", "--cpu", "x86-64-v3", wasm, "-o", os.path.join(work, "hello.so")])
    sh(["wasm2c", wasm, "-n", "hello", "-o", os.path.join(work, "w2c_hello.c")])
    rt = "/usr/share/wabt/wasm2c"
    sh(["clang-19", "-O2", "-march=x86-64-v3", "-DMOD=hello", '-DMOD_H="w2c_hello.h"', f"-I{rt}", f"-I{work}",
        os.path.join(ROOT, "benchmarks", "wasm2c", "w2c_main.c"), os.path.join(work, "w2c_hello.c"),
        os.path.join(rt, "wasm-rt-impl.c"), "-lm", "-o", os.path.join(work, "w2c_hello")])
    return [("empty C", os.path.join(work, "empty")),
            ("wasm2c hello", os.path.join(work, "w2c_hello")),
            ("wacc --version", f"{wacc} --version"),
            ("wacc run hello.so", f"{wacc} run {os.path.join(work, 'hello.so')}")]


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
