#!/usr/bin/env bash
# podman + crun + the wacc handler plugin: images built locally from scratch
# (never pulled) whose entrypoint is a core module, a precompiled .so or a
# component, run with --annotation run.oci.handler=wacc: output, exit code,
# environment, arguments, and a mounted host directory.
# Opt-in (WACC_TEST_PODMAN=1: CI skips it); needs root, podman and crun
# (scripts/podman-setup.sh); skips (77) without.
# Installs the plugin into crun's handler directory for the duration of the
# test (crun has no other way to find it) and restores what was there.
# usage: podman.sh WACC SRCDIR HANDLER_SO
set -u
[ "${WACC_TEST_PODMAN:-0}" = 1 ] || { echo "skip: set WACC_TEST_PODMAN=1 to run (about a minute, root, installs the plugin into crun's directory while it runs)"; exit 77; }
WACC=$(realpath "$1"); SRC=$(realpath "$2"); PLUGIN=$(realpath "$3")
command -v podman >/dev/null || { echo "skip: podman not installed (scripts/podman-setup.sh)"; exit 77; }
command -v crun >/dev/null || { echo "skip: crun not installed"; exit 77; }
command -v clang-19 >/dev/null || { echo "skip: clang-19 not found"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (rootful podman, crun's handler directory)"; exit 77; }
HDIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/crun/handlers
strings "$(command -v crun)" | grep -q "^$HDIR\$" || HDIR=$(strings "$(command -v crun)" | grep '/crun/handlers$' | head -1)
[ -n "$HDIR" ] || { echo "skip: this crun loads no handler plugins"; exit 77; }
T=$(mktemp -d)
mkdir -p "$HDIR"
BACKUP=""
[ -e "$HDIR/libwacc-crun-handler.so" ] && { BACKUP=$T/backup.so; cp "$HDIR/libwacc-crun-handler.so" "$BACKUP"; }
cleanup() {
  if [ -n "$BACKUP" ]; then cp "$BACKUP" "$HDIR/libwacc-crun-handler.so"; else rm -f "$HDIR/libwacc-crun-handler.so"; fi
  podman rmi -f localhost/wacc-test/mnt:1 localhost/wacc-test/hello-so:1 localhost/wacc-test/component:1 >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
cp "$PLUGIN" "$HDIR/libwacc-crun-handler.so"
cd "$T"
fail=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
RUN=(podman run --rm --runtime crun --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
     --annotation run.oci.handler=wacc)

image() {  # image NAME FILE: FROM scratch, FILE as the entrypoint
  mkdir -p "ctx-$1" && cp "$2" "ctx-$1/" && printf 'FROM scratch\nCOPY %s /%s\nENTRYPOINT ["/%s"]\n' \
    "$(basename "$2")" "$(basename "$2")" "$(basename "$2")" >"ctx-$1/Containerfile"
  podman build -q -t "localhost/wacc-test/$1:1" "ctx-$1" >/dev/null
}
clang-19 --target=wasm32-wasi -O1 -o mnt.wasm "$SRC/tests/ship/mnt.c" || exit 1
clang-19 --target=wasm32-wasi -O1 -o hello.wasm "$SRC/tests/programs/hello.c" || exit 1
"$WACC" compile -O1 hello.wasm -o hello.so || exit 1
image mnt mnt.wasm || { bad "podman build"; exit 1; }
image hello-so hello.so || { bad "podman build"; exit 1; }

mkdir data && echo "from the host" >data/in.txt
"${RUN[@]}" -e WACC_OPT_LEVEL=1 -v "$T/data:/data" -e GREETING=bonjour localhost/wacc-test/mnt:1 one two >out 2>err
rc=$?
if grep -q "cgroups in hybrid mode" err; then
  # crun on a hybrid cgroup hierarchy wants the hugetlb controller mounted
  mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null
  "${RUN[@]}" -e WACC_OPT_LEVEL=1 -v "$T/data:/data" -e GREETING=bonjour localhost/wacc-test/mnt:1 one two >out 2>err
  rc=$?
fi
[ $rc -eq 7 ] && ok "core module: exit code 7" || { bad "exit code $rc"; cat out err; }
grep -q "arg 1: one" out && grep -q "arg 2: two" out && ok "arguments" || bad "arguments"
grep -q "GREETING=bonjour" out && ok "environment" || bad "environment"
grep -q "read: from the host" out && grep -q "copied: from the host" data/out.txt 2>/dev/null \
  && ok "mounted directory read and written" || { bad "mount"; cat out err; }

"${RUN[@]}" localhost/wacc-test/hello-so:1 x >out 2>err
rc=$?
grep -q "hello, world" out && grep -q "argv\[1\]=\[x\]" out && grep -q "this goes to stderr" err && [ $rc -eq 3 ] \
  && ok "precompiled .so entrypoint: stdout, stderr, exit code" || { bad ".so entrypoint rc=$rc"; cat out err; }

# signatures inside the container: WACC_VERIFY_KEYS names a key in the image
"$WACC" keygen -o key >/dev/null
mkdir -p ctx-signed && cp hello.so key.pub ctx-signed/ && "$WACC" sign --key key ctx-signed/hello.so >/dev/null
printf 'FROM scratch\nCOPY hello.so hello.so.sig key.pub /\nENTRYPOINT ["/hello.so"]\n' >ctx-signed/Containerfile
podman build -q -t localhost/wacc-test/signed:1 ctx-signed >/dev/null
"${RUN[@]}" -e WACC_VERIFY_KEYS=/key.pub localhost/wacc-test/signed:1 >out 2>err && true
grep -q "hello, world" out && ok "signed .so with WACC_VERIFY_KEYS" || { bad "signed run"; cat err; }
mkdir -p ctx-unsigned && cp hello.so key.pub ctx-unsigned/
printf 'FROM scratch\nCOPY hello.so key.pub /\nENTRYPOINT ["/hello.so"]\n' >ctx-unsigned/Containerfile
podman build -q -t localhost/wacc-test/unsigned:1 ctx-unsigned >/dev/null
"${RUN[@]}" -e WACC_VERIFY_KEYS=/key.pub localhost/wacc-test/unsigned:1 >out 2>err
rc=$?
[ $rc -ne 0 ] && grep -q "not signed" err && ! grep -q "hello, world" out && ok "unsigned .so refused: $(head -1 err)" || { bad "unsigned refused rc=$rc"; cat out err; }
podman rmi -f localhost/wacc-test/signed:1 localhost/wacc-test/unsigned:1 >/dev/null 2>&1

# a component (the cached real-component corpus; skipped when it cannot be built)
if "$SRC/scripts/build-components.sh" -o "$T/comp" hello >/dev/null 2>&1 && [ -f "$T/comp/hello.component.wasm" ]; then
  cp -L "$T/comp/hello.component.wasm" hello-c.wasm
  image component hello-c.wasm
  "${RUN[@]}" -e WACC_OPT_LEVEL=0 localhost/wacc-test/component:1 >out 2>err
  rc=$?
  [ -s out ] && [ $rc -eq 0 ] && ok "component entrypoint (wasi:cli/run): $(head -1 out)" || { bad "component rc=$rc"; cat out err; }
else
  echo "note: no hello component (node/jco missing): component entrypoint not run"
fi
exit $fail
