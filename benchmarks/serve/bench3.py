#!/usr/bin/env python3
"""bench3.py OUT.md --wacc WACC --v2-so GUEST.so --v3-so SERVICE.so [--seconds S] [--workers N]

A WASI 0.3 wasi:http service under `wacc serve` with instance reuse
(tests/wasi3http/service.wat; default --reuse 128 --reuse-concurrency 16,
and --reuse 1 for comparison) against the WASI 0.2 proxy hello
(tests/serve/guest.c) with a fresh instance per request: hey on /hello,
requests/s and p50/p99 at concurrency 1 and 64, 127.0.0.1 only, bounded
by -z SECONDS per cell. Not a test: numbers for benchmarks/results."""
import argparse
import datetime
import os
import platform
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import free_port, hey, stop, wait_200  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--wacc", required=True)
    ap.add_argument("--v2-so", required=True)
    ap.add_argument("--v3-so", required=True)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    a = ap.parse_args()
    w = str(a.workers)
    rows = [
        ("0.2 proxy hello, fresh instance per request", [a.v2_so]),
        ("0.3 service, reuse (default: 128 requests, 16 at once)", [a.v3_so]),
        ("0.3 service, --reuse 1 (fresh instance per request)", ["--reuse", "1", a.v3_so]),
    ]
    load = os.getloadavg()[0]
    lines = []
    for name, args in rows:
        port = free_port()
        p = subprocess.Popen([a.wacc, "serve", "--quiet", "--workers", w,
                              "--addr", "127.0.0.1:%d" % port] + args,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not wait_200(port, p):
                lines.append("| %s | failed to start | | | | | |" % name)
                continue
            r1 = hey(port, 1, a.seconds)
            r64 = hey(port, 64, a.seconds)
        finally:
            stop(p)

        def fmt(r):
            return "%.0f | %.2f | %.2f" % r if r else "error | | "
        lines.append("| %s | %s | %s |" % (name, fmt(r1), fmt(r64)))
        print(lines[-1], flush=True)
    with open(a.out, "w") as f:
        f.write("# `wacc serve`: WASI 0.3 service with instance reuse vs 0.2 proxy\n\n")
        f.write("Machine: %s, %d cores, %s; %s UTC; workers %s; hey %ds per cell on /hello "
                "(loopback, hey on the same machine); load average at the start %.1f (other "
                "work on the machine makes every number lower and noisier).\n\n"
                % (platform.processor() or platform.machine(), os.cpu_count(), platform.platform(),
                   datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), w, a.seconds, load))
        f.write("| server | c=1 req/s | p50 ms | p99 ms | c=64 req/s | p50 ms | p99 ms |\n")
        f.write("|---|---|---|---|---|---|---|\n")
        f.write("\n".join(lines) + "\n\n")
        f.write("Command: `scripts/bench-serve3 %d`.\n" % a.seconds)


if __name__ == "__main__":
    main()
