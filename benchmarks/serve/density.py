#!/usr/bin/env python3
"""density.py — resident memory of N distinct hello services (issue 9).

Every service answers one GET before memory is read; memory is PSS
(/proc/PID/smaps_rollup) summed over the processes that make up the
services. Kernel memory (page tables of other processes are in PSS, but
namespaces, cgroups, sockets are not) is not counted.

  wacc serve   one process, --workers 1, N routes /sK=copyK.so: N distinct
               files (a copy of the same artifact each), so each route has
               its own dlopen'ed code and component metadata. Requests run
               on fresh instances, and a route that had a request keeps one
               pre-made spare instance per worker (runtime/serve/request.c):
               that is part of what is measured. "same .so" (N routes of one
               file): dlopen returns one handle, no code per route.
  native       N processes of the native hello server (dynamic, --workers 1).
  crun         N containers (crun run -d) of the static server, --workers 1:
               the container process only (crun exits after start).
  podman       N podman run -d containers: the server + its conmon.
Used by containers.py (run it from there); the functions return
(total PSS KiB, processes, system-wide kernel memory growth KiB)."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def get_ok(port, path="/hello", limit=60.0):
    """Wait until GET path answers 200 (True) or limit seconds pass."""
    t0 = time.time()
    while time.time() - t0 < limit:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                if s.recv(64).startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                    return True
                return False
        except OSError:
            time.sleep(0.005)
    return False


def wait_up(port, limit=60.0):
    """Wait until port accepts a connection."""
    t0 = time.time()
    while time.time() - t0 < limit:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return True
        except OSError:
            time.sleep(0.005)
    return False


def kernel_kib():
    """Kernel memory that grows with processes and containers (kernel
    stacks, page tables, slab: task structs, namespaces, cgroups, sockets).
    System-wide: other jobs on the machine add noise."""
    v = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, rest = line.split(":", 1)
            v[k] = int(rest.split()[0])
    return v.get("KernelStack", 0) + v.get("PageTables", 0) + v.get("Slab", 0)


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stop_all(procs):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wacc_serve(wacc, guest_so, n, tmp, distinct=True, request=True):
    """request=False: the routes never get a request, so the worker makes no
    spare instance for them (runtime/serve keeps one pre-made instance per
    requested route per worker): the loaded-artifact part of the cost only."""
    files = []
    for k in range(n):
        if distinct:
            f = os.path.join(tmp, "svc%d.so" % k)
            if not os.path.exists(f):
                shutil.copyfile(guest_so, f)
            files.append(f)
        else:
            files.append(guest_so)
    port = free_ports(1)[0]
    argv = [wacc, "serve", "--quiet", "--workers", "1", "--addr", "127.0.0.1:%d" % port]
    for k, f in enumerate(files):
        argv += ["--route", "/s%d=%s" % (k, f)]
    k0 = kernel_kib()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ok = all(get_ok(port, "/s%d/hello" % k) for k in (range(n) if request else []))
        if not request:
            ok = wait_up(port)
            time.sleep(0.5)
        kib = pss_kib(p.pid) if ok else None
        kd = kernel_kib() - k0
    finally:
        stop_all([p])
    return kib, 1, kd


def native(binary, n):
    ports = free_ports(n)
    procs = []
    k0 = kernel_kib()
    try:
        for port in ports:
            procs.append(subprocess.Popen([binary, "--quiet", "--workers", "1",
                                           "--addr", "127.0.0.1:%d" % port],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        ok = all(get_ok(port) for port in ports)
        kib = sum(pss_kib(p.pid) for p in procs) if ok else None
        kd = kernel_kib() - k0
    finally:
        stop_all(procs)
    return kib, n, kd


def bundle_config(bundle, port, workers=1, rootfs=None):
    """config.json for the static server: host network (no network
    namespace: it listens on the host's 127.0.0.1), low rlimits."""
    cfg_path = os.path.join(bundle, "config.json")
    base = os.path.join(bundle, "config.base.json")
    if not os.path.exists(base):
        if os.path.exists(cfg_path):
            os.remove(cfg_path)
        subprocess.run(["crun", "spec", "-b", bundle], check=True)
        os.rename(cfg_path, base)
    with open(base) as f:
        c = json.load(f)
    c["root"] = {"path": os.path.abspath(rootfs or os.path.join(bundle, "rootfs")), "readonly": True}
    c["process"]["terminal"] = False
    c["process"]["args"] = ["/hello", "--quiet", "--workers", str(workers),
                            "--addr", "127.0.0.1:%d" % port]
    c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024},
                               {"type": "RLIMIT_NPROC", "hard": 1024, "soft": 1024}]
    c["linux"]["namespaces"] = [ns for ns in c["linux"]["namespaces"] if ns["type"] != "network"]
    with open(cfg_path, "w") as f:
        json.dump(c, f, indent=1)


def oci_bundles(bundle, n, tmp):
    """N bundles sharing one read-only rootfs (root.path is absolute)."""
    out = []
    for k in range(n):
        d = os.path.join(tmp, "b%d" % k)
        os.makedirs(d, exist_ok=True)
        if not os.path.exists(os.path.join(d, "config.base.json")):
            shutil.copyfile(os.path.join(bundle, "config.base.json"),
                            os.path.join(d, "config.base.json"))
        out.append(d)
    return out


def crun_many(bundle, n, tmp, runtime="crun"):
    ports = free_ports(n)
    ids = ["wacc-dens-%d-%d" % (os.getpid(), k) for k in range(n)]
    bundle_config(bundle, 0)                # writes config.base.json once
    started = []
    k0 = kernel_kib()
    try:
        for d, port, cid in zip(oci_bundles(bundle, n, tmp), ports, ids):
            bundle_config(d, port, rootfs=os.path.join(bundle, "rootfs"))
            # the detached container inherits stdout/stderr: a file, not a pipe
            with tempfile.TemporaryFile() as err:
                r = subprocess.run([runtime, "run", "-d", "-b", d, cid], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=err, timeout=60)
                if r.returncode != 0:
                    err.seek(0)
                    raise RuntimeError("%s run: %s" % (runtime, err.read().decode().strip()))
            started.append(cid)
        ok = all(get_ok(port) for port in ports)
        total = 0
        for cid in ids:
            st = json.loads(subprocess.run([runtime, "state", cid], capture_output=True,
                                           text=True).stdout)
            total += pss_kib(st["pid"])
        return (total if ok else None), n, kernel_kib() - k0
    finally:
        for cid in started:
            subprocess.run([runtime, "kill", cid, "KILL"], capture_output=True)
        for cid in started:
            subprocess.run([runtime, "delete", "-f", cid], capture_output=True)


PODMAN_RUN = ["podman", "run", "-d", "--network", "host", "--ulimit", "nofile=1024:1024",
              "--ulimit", "nproc=1024:1024"]


def podman_many(image, n):
    ports = free_ports(n)
    names = ["wacc-dens-%d-%d" % (os.getpid(), k) for k in range(n)]
    started = []
    k0 = kernel_kib()
    try:
        for port, name in zip(ports, names):
            r = subprocess.run(PODMAN_RUN + ["--name", name, image, "--quiet", "--workers", "1",
                                             "--addr", "127.0.0.1:%d" % port],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                raise RuntimeError("podman run: " + r.stderr.strip())
            started.append(name)
        ok = all(get_ok(port) for port in ports)
        total = 0
        for name in names:
            pids = subprocess.run(["podman", "inspect", "-f", "{{.State.Pid}} {{.State.ConmonPid}}",
                                   name], capture_output=True, text=True).stdout.split()
            total += sum(pss_kib(int(x)) for x in pids if x.isdigit() and int(x) > 0)
        return (total if ok else None), 2 * n, kernel_kib() - k0
    finally:
        if started:
            subprocess.run(["podman", "rm", "-f", "-t", "0"] + started, capture_output=True,
                           timeout=600)
