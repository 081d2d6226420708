#!/usr/bin/env python3
"""Rank wacc against native, wasm2c and WAMR AOT on a noisy machine.

CPU time on a shared 2-core VM moves +-30-50 % between runs, so one
scripts/bench run cannot rank engines a few percent apart. Two measures that
can:

count  Instructions executed (valgrind callgrind, Ir: deterministic), on a
       smaller workload per program (SMALL below: the smallest that still runs
       >= ~0.1 s natively). Each engine's process-start cost (its `hello`) is
       subtracted, so the ratio compares the programs' code only. The callgrind
       files stay in build/bench/rank/cg/ for per-function costs
       (callgrind_annotate FILE).
time   Interleaved CPU time (user+sys): per program the engines run round-robin
       N times (native, wacc, wasm2c, wamr, native, ...) on scripts/bench's full
       workload, so drift in the machine's load hits every engine alike; median
       and minimum per engine, and the load average before and after each program.

Engines not in the default set, for what one option costs: wacc-nic is wacc
with --no-interrupt-checks (wasm2c and WAMR make no interruption checks),
wacc-bc wacc with --bounds-checks (every access tested, exact memory after a
trap, instead of guard pages).

Every engine gets the same CPU: x86-64-v3 (AVX2; valgrind 3.19 has no AVX-512):
native and wasm2c's C are built with clang-19 -O2 -march=x86-64-v3, wacc with
--cpu x86-64-v3 and wamrc with --opt-level=3 --cpu=x86-64-v3. The programs are
scripts/bench's (kernels, their -msimd128 variants, the Debian source programs).
Outputs must match native's. A benchmark, not a test: not in meson or CI.

Usage: benchmarks/rank.py [--mode count,time] [--runs 11] [--jobs 1] [--only a,b] [--reuse]
                          [--engines native,wacc,wasm2c,wamr[,wacc-nic,wacc-bc]] [--no-debian]
                          [--cpu x86-64-v3] [--out FILE.md [--force]]
WAMR_DIR names the directory with wamrc and iwasm (scripts/wamr-setup.sh).
"""
import argparse
import concurrent.futures
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bench = SourceFileLoader("wacc_bench", os.path.join(ROOT, "scripts", "bench")).load_module()

# The instruction-count workloads: scripts/bench's programs scaled to ~0.1-0.2 s
# natively (fannkuch 10 and xz 1 MiB are already the smallest step).
SMALL = {
    "nbody": ["2500000"],
    "matmul": ["512", "4"],
    "sha256": ["16"],
    "sort": ["1000000"],
    "raytrace": ["1200"],
    "mandelbrot": ["800"],
    "fannkuch": ["10"],
    "zlib": ["2"],
    "bzip2": ["1"],
    "sqlite3": ["50000"],
    "lua": ["20"],
    "xz": ["1"],
    "zstd": ["12"],
}


def small_args(name):
    return SMALL.get(name.removesuffix("-simd"), bench.WORKLOADS[name][1])


def run_quiet(cmd, out=None, reuse=False):
    """Run a build step; with reuse, skip it when its output OUT exists."""
    if reuse and out and os.path.exists(out):
        return
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        if out and os.path.exists(out):
            os.remove(out)  # a failed step's partial output is no artifact to reuse
        raise RuntimeError(f"{' '.join(cmd[:3])}...: {(r.stderr or r.stdout).strip()[:300]}")


# diagnostic engines: wacc with one more compile option
VARIANTS = {"wacc-nic": ("nic", "--no-interrupt-checks"), "wacc-bc": ("bc", "--bounds-checks")}


def build(name, work, wacc, wamr, cpu, reuse=False, variants=()):
    """Build NAME for every engine; return {engine: command prefix}."""
    srcs, _, wflags = bench.WORKLOADS[name]
    srcs = [s if os.path.isabs(s) else os.path.join(bench.KERNELS, s) for s in srcs]
    march = f"-march={cpu}"
    cmds = {}
    native = os.path.join(work, name + ".native")
    run_quiet(["clang-19", "-O2", march, *[f for f in wflags if f.startswith(("-I", "-D", "-w"))], *srcs,
               "-o", native, "-lm"], native, reuse)
    cmds["native"] = [native]
    wasm = os.path.join(work, name + ".wasm")
    run_quiet(["clang-19", "--target=wasm32-wasi", "-O2", *wflags, *bench.WASM_ONLY.get(name, []), *srcs,
               "-o", wasm], wasm, reuse)
    so = os.path.join(work, name + ".so")
    run_quiet([wacc, "compile", "--quiet", "--cpu", cpu, wasm, "-o", so], so, reuse)
    cmds["wacc"] = [wacc, "run", so]
    for engine in variants:
        suffix, flag = VARIANTS[engine]
        so_v = os.path.join(work, f"{name}.{suffix}.so")
        run_quiet([wacc, "compile", "--quiet", flag, "--cpu", cpu, wasm, "-o", so_v], so_v, reuse)
        cmds[engine] = [wacc, "run", so_v]
    mod = name.replace("-", "_")
    try:
        c = os.path.join(work, f"w2c_{mod}.c")
        run_quiet(["wasm2c", wasm, "-n", mod, "-o", c], c, reuse)
        exe = os.path.join(work, f"w2c_{mod}")
        run_quiet(["clang-19", "-O2", march, f"-DMOD={mod}", f'-DMOD_H="w2c_{mod}.h"', f"-I{bench.W2C_RT}",
                   f"-I{work}", bench.W2C_MAIN, c, os.path.join(bench.W2C_RT, "wasm-rt-impl.c"), "-lm", "-o", exe], exe, reuse)
        cmds["wasm2c"] = [exe]
    except RuntimeError as e:
        print(f"  wasm2c: {e}", file=sys.stderr)
    if wamr:
        wamrc, iwasm = wamr
        aot = os.path.join(work, name + ".aot")
        try:
            run_quiet([wamrc, *bench.WAMRC_FLAGS, "--target=x86_64", f"--cpu={cpu}", "-o", aot, wasm], aot, reuse)
            cmds["wamr"] = [iwasm, aot]
        except RuntimeError as e:
            print(f"  wamrc: {e}", file=sys.stderr)
    return cmds


def iwasm_for_valgrind(work):
    """iwasm writes the linear memory's base to the GS base (wrgsbase) before
    every call into wasm when the CPU has FSGSBASE; valgrind does not emulate
    wrgsbase (SIGILL). For counting, build the same iwasm with
    WAMR_DISABLE_WRITE_GS_BASE=1 from WAMR_DIR/src (wamrc's code does not use
    the GS base unless --enable-segue is given)."""
    d = os.path.join(work, "iwasm-vg")
    exe = os.path.join(d, "iwasm")
    if os.path.exists(exe):
        return exe
    src = os.path.join(bench.wamr_dir(), "src", "product-mini", "platforms", "linux")
    if not os.path.isdir(src):
        sys.exit(f"rank: no WAMR source in {src} to build an iwasm valgrind can run")
    print("== build iwasm without wrgsbase (for valgrind)", file=sys.stderr)
    run_quiet(["cmake", "-S", src, "-B", d, "-G", "Ninja", "-Wno-dev", "-DCMAKE_BUILD_TYPE=Release",
               "-DWAMR_BUILD_AOT=1", "-DWAMR_BUILD_LIBC_WASI=1", "-DWAMR_BUILD_LIBC_BUILTIN=1",
               "-DWAMR_BUILD_SIMD=1", "-DWAMR_BUILD_BULK_MEMORY=1", "-DWAMR_DISABLE_WRITE_GS_BASE=1",
               "-DWAMR_BUILD_INTERP=0", "-DWAMR_BUILD_FAST_INTERP=0", "-DWAMR_BUILD_JIT=0",
               "-DWAMR_BUILD_FAST_JIT=0"])
    run_quiet(["ninja", "-C", d, "iwasm"])
    return exe


def callgrind(cmd, out_file):
    """(Ir, stdout) of cmd under callgrind."""
    r = subprocess.run(["valgrind", "--tool=callgrind", "--main-stacksize=67108864", f"--callgrind-out-file={out_file}", *cmd],
                       stdin=subprocess.DEVNULL, capture_output=True)
    m = re.search(rb"Collected : (\d+)", r.stderr)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"exit {r.returncode}: {r.stderr.decode(errors='replace').strip()[-300:]}")
    return int(m.group(1)), r.stdout


def geomean(xs):
    """Geometric mean of xs, or None when most are missing (wasm2c cannot
    translate the -msimd128 builds: one value is no mean of the rows)."""
    have = [x for x in xs if x]
    if not have or len(have) * 2 <= len(xs):
        return None
    return math.exp(sum(math.log(x) for x in have) / len(have))


def fmt_ratio(r):
    return f"{r:.3f}" if r else "n/a"


def count_table(names, cmds_of, hello_cmds, engines, cgdir, jobs):
    hello = {}
    for e, cmd in hello_cmds.items():
        hello[e], _ = callgrind(cmd, os.path.join(cgdir, f"hello.{e}.out"))
    # Counts are deterministic: run callgrind on `jobs` programs/engines at once.
    todo = [(name, e) for name in names for e in engines if e in cmds_of[name]]

    def one(job):
        name, e = job
        try:
            return callgrind(cmds_of[name][e] + small_args(name), os.path.join(cgdir, f"{name}.{e}.out"))
        except RuntimeError as err:
            print(f"  {name} {e}: {err}", file=sys.stderr)
            return None
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        done = dict(zip(todo, pool.map(one, todo)))
    rows = []
    for name in names:
        ir, ratio, ref = {}, {}, None
        for e in engines:
            if not done.get((name, e)):
                continue
            n, out = done[(name, e)]
            if e == "native":
                ref = out
            elif out != ref:
                print(f"  {name} {e}: output differs from native", file=sys.stderr)
                continue
            ir[e] = n - hello.get(e, 0)
        for e in ir:
            if e != "native" and ir.get("native"):
                ratio[e] = ir[e] / ir["native"]
        rows.append((name, ir, ratio))
        print(f"  count {name}: {ir}", file=sys.stderr)
    eng = [e for e in engines if e != "native"]
    lines = ["Instructions executed (callgrind Ir) minus the engine's `hello`, ratio to native "
             "(lower is better; deterministic).", "",
             "| program | args | native Mi | " + " | ".join(eng) + " |",
             "|---|---|---:|" + "---:|" * len(eng)]
    for name, ir, ratio in rows:
        nat = f"{ir['native'] / 1e6:.1f}" if "native" in ir else "n/a"
        lines.append(f"| {name} | {' '.join(small_args(name))} | {nat} | " +
                     " | ".join(fmt_ratio(ratio.get(e)) for e in eng) + " |")
    for label, simd in (("geomean", False), ("geomean -simd", True)):
        sel = [r for r in rows if r[0].endswith("-simd") == simd]
        if sel:
            lines.append(f"| **{label}** | | | " + " | ".join(
                f"**{fmt_ratio(geomean([r[2].get(e) for r in sel]))}**" for e in eng) + " |")
    lines += ["", "Process start (`hello`, Ir, subtracted above): " +
              ", ".join(f"{e} {hello[e] / 1e6:.2f} Mi" for e in hello), ""]
    return lines, rows


def time_table(names, cmds_of, engines, runs):
    rows = []
    for name in names:
        cmds = cmds_of[name]
        wargs = bench.WORKLOADS[name][1]
        eng = [e for e in engines if e in cmds]
        cpus, outs = {e: [] for e in eng}, {e: set() for e in eng}
        load0 = os.getloadavg()[0]
        for _ in range(runs):
            for e in eng:
                cpu, _wall, out, rc, _err = bench.timed(cmds[e] + wargs)
                if rc == 0:
                    cpus[e].append(cpu)
                    outs[e].add(out)
        load1 = os.getloadavg()[0]
        ref = outs.get("native")
        stats = {}
        for e in eng:
            if cpus[e] and (e == "native" or outs[e] == ref) and len(outs[e]) == 1:
                stats[e] = (statistics.median(cpus[e]), min(cpus[e]))
            else:
                print(f"  {name} {e}: failed or output differs from native", file=sys.stderr)
        rows.append((name, stats, load0, load1))
        print(f"  time {name}: {stats} load {load0:.1f}->{load1:.1f}", file=sys.stderr)
    eng = [e for e in engines if e != "native"]
    lines = [f"Interleaved CPU time (user+sys), {runs} round-robin runs per program on scripts/bench's "
             "full workload: median (min) as a ratio to native's median (min).", "",
             "| program | native s median (min) | " + " | ".join(eng) + " | load before → after |",
             "|---|---:|" + "---:|" * len(eng) + "---|"]
    for name, st, l0, l1 in rows:
        nat = st.get("native")
        cells = []
        for e in eng:
            if nat and e in st:
                cells.append(f"{st[e][0] / nat[0]:.2f} ({st[e][1] / nat[1]:.2f})")
            else:
                cells.append("n/a")
        ns = f"{nat[0]:.3f} ({nat[1]:.3f})" if nat else "n/a"
        lines.append(f"| {name} | {ns} | " + " | ".join(cells) + f" | {l0:.1f} → {l1:.1f} |")
    for label, simd in (("geomean", False), ("geomean -simd", True)):
        sel = [r for r in rows if r[0].endswith("-simd") == simd and "native" in r[1]]
        if not sel:
            continue
        cells = []
        for e in eng:
            med = geomean([r[1][e][0] / r[1]["native"][0] if e in r[1] else None for r in sel])
            mn = geomean([r[1][e][1] / r[1]["native"][1] if e in r[1] else None for r in sel])
            cells.append(f"**{med:.2f} ({mn:.2f})**" if med else "n/a")
        lines.append(f"| **{label}** | | " + " | ".join(cells) + " | |")
    lines.append("")
    return lines, rows


def main():
    ap = argparse.ArgumentParser(description="rank wacc against native, wasm2c and WAMR")
    ap.add_argument("--mode", default="count,time", help="count, time or count,time")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--jobs", type=int, default=1, help="callgrind runs at once (counts do not change)")
    ap.add_argument("--only", default="")
    ap.add_argument("--engines", default="native,wacc,wasm2c,wamr")
    ap.add_argument("--no-debian", action="store_true")
    ap.add_argument("--cpu", default="x86-64-v3", help="target CPU of every engine (valgrind: no AVX-512)")
    ap.add_argument("--wacc", default=os.path.join(ROOT, "build", "compiler", "driver", "wacc"))
    ap.add_argument("--out", default="", help="also write the tables to FILE.md")
    ap.add_argument("--force", action="store_true", help="overwrite --out")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the artifacts of an earlier run in build/bench/rank (stale if a compiler changed)")
    args = ap.parse_args()
    if args.out and os.path.exists(args.out) and not args.force:
        sys.exit(f"rank: {args.out} exists (pass --force to overwrite)")
    modes = args.mode.split(",")
    if "count" in modes and not shutil.which("valgrind"):
        sys.exit("rank: valgrind not found (apt-get install valgrind)")
    engines = args.engines.split(",")
    wamr = bench.find_wamr() if "wamr" in engines else None
    if "wamr" in engines and not wamr:
        engines.remove("wamr")
    work = os.path.join(ROOT, "build", "bench", "rank")
    cgdir = os.path.join(work, "cg")
    os.makedirs(cgdir, exist_ok=True)
    if not args.no_debian:
        bench.fetch_debian(os.path.dirname(work))
    names = [n for n in bench.WORKLOADS if not args.only or n in args.only.split(",")]
    variants = [e for e in engines if e in VARIANTS]
    cmds_of = {}
    for name in names:
        print(f"== build {name}", file=sys.stderr)
        cmds_of[name] = build(name, work, args.wacc, wamr, args.cpu, args.reuse, variants)
    load = os.getloadavg()[0]
    out = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average at the start {load:.1f}; "
           f"every engine built for --cpu {args.cpu}"]
    if wamr:
        out += ["", bench.wamr_note().replace("CPU = host CPU", f"CPU = {args.cpu}")]
    out.append("")
    if "count" in modes:
        bench.WORKLOADS["hello"] = (["hello.c"], [], [])
        hello = build("hello", work, args.wacc, wamr, args.cpu, args.reuse, variants)
        del bench.WORKLOADS["hello"]
        counted = {n: dict(c) for n, c in cmds_of.items()}  # the timing keeps the installed iwasm
        counted["hello"] = dict(hello)
        if wamr:
            iwasm_vg = iwasm_for_valgrind(work)
            for cmds in counted.values():
                if "wamr" in cmds:
                    cmds["wamr"] = [iwasm_vg] + cmds["wamr"][1:]
        lines, _ = count_table(names, counted, counted["hello"], engines, cgdir, args.jobs)
        out += lines
    if "time" in modes:
        lines, _ = time_table(names, cmds_of, engines, args.runs)
        out += lines
    out.append(f"Load average at the end: {os.getloadavg()[0]:.1f}")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    if not shutil.which("clang-19"):
        sys.exit("rank: clang-19 not found (run scripts/deps.sh)")
    main()
