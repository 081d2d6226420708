#!/usr/bin/env bash
# benchmarks/ship/run.sh — shipping and operating (issue 12):
#   1. podman run start → exit: the hello program as a wacc image (crun
#      handler, precompiled .so entrypoint) vs the same program as a native
#      static binary image; both FROM scratch, built locally;
#   2. cold node: `wacc pull` + first run vs `podman pull` + `podman run` of
#      the native image, from a registry on 127.0.0.1 (sizes side by side);
#   3. `wacc run hello.so` with and without --otlp (exporter overhead).
# Needs root, podman, crun, docker-registry (scripts/podman-setup.sh); the
# handler is installed into crun's directory for the run and removed after.
# usage: benchmarks/ship/run.sh BUILD_DIR [RUNS]
set -eu
B=$(realpath "${1:-build}"); N=${2:-10}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WACC=$B/compiler/driver/wacc
PLUGIN=$B/runtime/crun/libwacc-crun-handler.so
HDIR=/usr/lib/$(gcc -print-multiarch)/crun/handlers
T=$(mktemp -d); REGPID=""
cleanup() { [ -n "$REGPID" ] && kill $REGPID; rm -f "$HDIR/libwacc-crun-handler.so"; podman rmi -f localhost/bench/wacc:1 localhost/bench/native:1 127.0.0.1:5077/bench/native:1 >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$HDIR" && cp "$PLUGIN" "$HDIR/"
cd "$T"
export XDG_CACHE_HOME=$T/cache
clang-19 --target=wasm32-wasi -O2 -o hello.wasm "$SRC/tests/programs/hello.c"
"$WACC" compile hello.wasm -o hello.so
cc -O2 -static -o hello "$SRC/tests/programs/hello.c"
mkdir w n && cp hello.so w/ && cp hello n/
printf 'FROM scratch\nCOPY hello.so /\nENTRYPOINT ["/hello.so"]\n' >w/Containerfile
printf 'FROM scratch\nCOPY hello /\nENTRYPOINT ["/hello"]\n' >n/Containerfile
podman build -q -t localhost/bench/wacc:1 w >/dev/null
podman build -q -t localhost/bench/native:1 n >/dev/null
RUN=(podman run --rm --runtime crun --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
"${RUN[@]}" --annotation run.oci.handler=wacc localhost/bench/wacc:1 >/dev/null 2>&1 || true   # warm
"${RUN[@]}" localhost/bench/native:1 >/dev/null 2>&1 || true
wi=$(for i in $(seq "$N"); do ms "${RUN[@]}" --annotation run.oci.handler=wacc localhost/bench/wacc:1; done | median)
ni=$(for i in $(seq "$N"); do ms "${RUN[@]}" localhost/bench/native:1; done | median)
echo "| podman run start → exit (median of $N) | wacc image (crun handler) | native image |"
echo "|---|---:|---:|"
echo "| hello | ${wi} ms | ${ni} ms |"

# cold node: registry on 127.0.0.1 without auth
mkdir reg && printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/reg\nhttp:\n  addr: 127.0.0.1:5077\n' "$T" >reg.yml
docker-registry serve reg.yml >/dev/null 2>&1 & REGPID=$!
sleep 1
"$WACC" push --insecure 127.0.0.1:5077/bench/hello:1 hello.wasm --native hello.so >/dev/null
podman tag localhost/bench/native:1 127.0.0.1:5077/bench/native:1
podman push -q --tls-verify=false 127.0.0.1:5077/bench/native:1 >/dev/null
podman rmi -f 127.0.0.1:5077/bench/native:1 >/dev/null 2>&1
wp=$(for i in $(seq "$N"); do rm -rf "$T/cache/wacc"; ms "$WACC" run --insecure oci://127.0.0.1:5077/bench/hello:1; done | median)
pp=$(for i in $(seq 3); do podman rmi -f 127.0.0.1:5077/bench/native:1 >/dev/null 2>&1; ms sh -c "podman pull -q --tls-verify=false 127.0.0.1:5077/bench/native:1 && ${RUN[*]} 127.0.0.1:5077/bench/native:1"; done | median)
wsize=$(( $(stat -c %s hello.wasm) + $(stat -c %s hello.so) ))
nsize=$(podman image inspect localhost/bench/native:1 --format '{{.Size}}')
echo
echo "| cold node: pull + first run | wacc pull + run (oci://) | podman pull + run (native image) |"
echo "|---|---:|---:|"
echo "| hello | ${wp} ms | ${pp} ms |"
echo "| size | $wsize bytes (.wasm + .so) | $nsize bytes (image) |"

# --otlp overhead on a short process (collector: a python receiver)
P=4399
python3 "$SRC/tests/ship/otlp_receiver.py" $P "$T/spans.jsonl" & OP=$!
sleep 0.5
a=$(for i in $(seq "$N"); do ms "$WACC" run hello.so; done | median)
b=$(for i in $(seq "$N"); do ms "$WACC" run --otlp http://127.0.0.1:$P hello.so; done | median)
kill $OP
echo
echo "| wacc run hello.so (median of $N) | without --otlp | with --otlp |"
echo "|---|---:|---:|"
echo "| start → exit | ${a} ms | ${b} ms |"
