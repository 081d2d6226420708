#!/usr/bin/env python3
"""load_test.py — load with faults against the server of `wacc serve`.

    load_test.py REQUESTS SERVER [ARGS...]

Starts SERVER ARGS --addr 127.0.0.1:0; it must answer PREFIX/hello with
200, PREFIX/trap with 500 (a guest that traps) and PREFIX/slow with 500 (a
guest stopped by its --timeout deadline); PREFIX is $LOAD_PREFIX (default
empty). After a warm-up, `hey` sends REQUESTS requests at a total
concurrency of 64: 1 in 100 traps, 1 in 500 hits the deadline (three hey
runs at once: hello at c=60, trap at c=2, slow at c=2). Checks: every
response has the status its path calls for, no client errors, the access
log names the traps and the deadlines, the server still answers, its RSS
after the run is <= 1.2 x after the warm-up (the same load: the
bound catches leaks, not the allocator's first growth), exit status 0 on SIGTERM.
Exits 77 (skip) without hey."""
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_test  # noqa: E402


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def hey_start(url, n, c):
    return subprocess.Popen(["hey", "-n", str(n), "-c", str(c), "-t", "20", url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def hey_result(p, what, status):
    out = p.communicate(timeout=120)[0]
    codes = {int(a): int(b) for a, b in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    if "Error distribution" in out or set(codes) - {status}:
        serve_test.fail("%s: statuses %r, want only %d\n%s" % (what, codes, status, out))
    return codes.get(status, 0)


def load(base, total):
    slow, trap = total // 500, total // 100 - total // 500
    hello = total - slow - trap
    # hey sends n // c requests per connection: whole multiples of c
    slow, trap, hello = slow // 2 * 2, trap // 2 * 2, hello // 60 * 60
    runs = [(hey_start(base + "/hello", hello, 60), "hello", 200, hello),
            (hey_start(base + "/trap", trap, 2), "trap", 500, trap),
            (hey_start(base + "/slow", slow, 2), "slow", 500, slow)]
    for p, what, status, n in runs:
        got = hey_result(p, what, status)
        if got != n:
            serve_test.fail("%s: %d responses %d, want %d" % (what, got, status, n))
    return hello, trap, slow


def main():
    if shutil.which("hey") is None:
        print("skip: hey not installed (apt-get install hey)")
        sys.exit(77)
    total, argv = int(sys.argv[1]), sys.argv[2:]
    srv = serve_test.Server(argv)
    base = "http://127.0.0.1:%d%s" % (srv.port, os.environ.get("LOAD_PREFIX", ""))
    try:
        # warm-up: the same load, so that RSS reaches its plateau (malloc's
        # per-thread arenas, pooled fiber stacks and instance mappings) before
        # it is measured; a smaller warm-up left the baseline 10-20 % low
        load(base, total)
        time.sleep(0.3)
        warm = rss_kb(srv.p.pid)
        t0 = time.time()
        hello, trap, slow = load(base, total)
        print("load: %d hello (200), %d trap (500), %d deadline (500) in %.1fs"
              % (hello, trap, slow, time.time() - t0))
        if urllib.request.urlopen(base + "/hello", timeout=10).status != 200:
            serve_test.fail("no answer after the load")
        time.sleep(0.3)
        after = rss_kb(srv.p.pid)
        print("RSS after warm-up %d kB, after the load %d kB" % (warm, after))
        # 20 % or 1 MiB: the plateau after the warm-up itself varies by about
        # 1 MiB between runs (3.4-4.5 MB seen); a leak of 52 bytes per
        # request (20,000 of them) still fails
        if after > max(1.2 * warm, warm + 1024):
            serve_test.fail("RSS grew from %d kB to %d kB" % (warm, after))
        rc = srv.stop()
        log = "".join(srv.lines)
        deadlines = len(re.findall(r'"GET [^"]*/slow" 500 .*deadline exceeded', log))
        traps = len(re.findall(r'"GET [^"]*/trap" 500 .*trap', log))
        print("access log: %d deadline, %d trap lines" % (deadlines, traps))
        if deadlines < slow or traps < trap:
            serve_test.fail("the access log lacks deadline/trap lines")
        if rc != 0:
            serve_test.fail("exit status %d after SIGTERM" % rc)
    except BaseException:
        sys.stdout.write("server log (last lines):\n" + "".join(srv.lines[-20:]))
        raise
    finally:
        if srv.alive():
            srv.p.kill()
    print("ok: load")


if __name__ == "__main__":
    main()
