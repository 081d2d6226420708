#!/usr/bin/env bash
# podman + crun + the wacc handler plugin: one image built locally from
# scratch (never pulled) holding a core module, a precompiled .so (signed
# and unsigned), a component and, as the control, the same program as a
# static native binary; run with --annotation run.oci.handler=wacc: output,
# exit code, environment, arguments, and a mounted host directory granted
# to the guest.
# Runs by default (~30-65 s); skips (77, one line) without root, podman, crun
# or clang-19, or when podman cannot run the native control container here.
# Installs the plugin into crun's handler directory for the duration of the
# test (crun has no other way to find it) and restores what was there.
# usage: podman.sh WACC SRCDIR HANDLER_SO
set -u
WACC=$(realpath "$1"); SRC=$(realpath "$2"); PLUGIN=$(realpath "$3")
command -v podman >/dev/null || { echo "skip: podman not installed (scripts/deps.sh)"; exit 77; }
command -v crun >/dev/null || { echo "skip: crun not installed (scripts/deps.sh)"; exit 77; }
command -v clang-19 >/dev/null || { echo "skip: clang-19 not found"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (rootful podman, crun's handler directory)"; exit 77; }
HDIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/crun/handlers
strings "$(command -v crun)" | grep -q "^$HDIR\$" || HDIR=$(strings "$(command -v crun)" | grep '/crun/handlers$' | head -1)
[ -n "$HDIR" ] || { echo "skip: this crun loads no handler plugins"; exit 77; }
T=$(mktemp -d)
IMG=localhost/wacc-test/ship:1
mkdir -p "$HDIR"
BACKUP=""
[ -e "$HDIR/libwacc-crun-handler.so" ] && { BACKUP=$T/backup.so; cp "$HDIR/libwacc-crun-handler.so" "$BACKUP"; }
cleanup() {
  if [ -n "$BACKUP" ]; then cp "$BACKUP" "$HDIR/libwacc-crun-handler.so"; else rm -f "$HDIR/libwacc-crun-handler.so"; fi
  podman rmi -f "$IMG" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
cp "$PLUGIN" "$HDIR/libwacc-crun-handler.so"
cd "$T"
fail=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
BASE=(podman run --rm --runtime crun --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
RUN=("${BASE[@]}" --annotation run.oci.handler=wacc)

# ---- one image: FROM scratch, every entrypoint of the test ----
mkdir ctx
clang-19 --target=wasm32-wasi -O1 -o ctx/mnt.wasm "$SRC/tests/ship/mnt.c" || exit 1
clang-19 --target=wasm32-wasi -O1 -o hello.wasm "$SRC/tests/programs/hello.c" || exit 1
"$WACC" compile -O1 hello.wasm -o ctx/hello.so || exit 1
cp ctx/hello.so ctx/unsigned.so
"$WACC" keygen -o key >/dev/null && cp key.pub ctx/ && "$WACC" sign --key key ctx/hello.so >/dev/null || exit 1
have_native=0
gcc -static -O1 -o ctx/mnt-native "$SRC/tests/ship/mnt.c" 2>/dev/null && have_native=1
have_comp=0
if "$SRC/scripts/build-components.sh" -o "$T/comp" hello >/dev/null 2>&1 && [ -f "$T/comp/hello.component.wasm" ]; then
  cp -L "$T/comp/hello.component.wasm" ctx/hello-c.wasm && have_comp=1
fi
printf 'FROM scratch\nCOPY . /\nENTRYPOINT ["/mnt.wasm"]\n' >ctx/Containerfile
podman build -q -t "$IMG" ctx >build.log 2>&1 || { echo "skip: podman cannot build an image here: $(grep . build.log | tail -1)"; exit 77; }

mkdir data && echo "from the host" >data/in.txt
hybrid_fix() {  # crun on a hybrid cgroup hierarchy wants the hugetlb controller mounted
  grep -q "cgroups in hybrid mode" err || return 1
  mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null
  return 0
}
# the control: the same program as a static native binary in the same image
if [ $have_native = 1 ]; then
  native() { "${BASE[@]}" --entrypoint /mnt-native -v "$T/data:/data" -e GREETING=hi "$IMG" x >out 2>err; }
  native; rc=$?
  [ $rc -ne 7 ] && hybrid_fix && { native; rc=$?; }
  [ $rc -eq 7 ] || { echo "skip: podman cannot run a container here (native control: exit $rc, $(grep . err | tail -1))"; exit 77; }
  ok "native control container: exit 7"
  rm -f data/out.txt
fi

guest() { "${RUN[@]}" -e WACC_OPT_LEVEL=1 -v "$T/data:/data" -e GREETING=bonjour "$IMG" one two >out 2>err; }
guest; rc=$?
[ $rc -ne 7 ] && hybrid_fix && { guest; rc=$?; }
[ $rc -eq 7 ] && ok "core module: exit code 7" || { bad "exit code $rc"; cat out err; }
grep -q "arg 1: one" out && grep -q "arg 2: two" out && ok "arguments" || bad "arguments"
grep -q "GREETING=bonjour" out && ok "environment" || bad "environment"
grep -q "read: from the host" out && grep -q "copied: from the host" data/out.txt 2>/dev/null \
  && ok "mounted directory read and written" || { bad "mount"; cat out err; }

"${RUN[@]}" --entrypoint /hello.so "$IMG" x >out 2>err
rc=$?
grep -q "hello, world" out && grep -q "argv\[1\]=\[x\]" out && grep -q "this goes to stderr" err && [ $rc -eq 3 ] \
  && ok "precompiled .so entrypoint: stdout, stderr, exit code" || { bad ".so entrypoint rc=$rc"; cat out err; }

# signatures inside the container: WACC_VERIFY_KEYS names a key in the image
"${RUN[@]}" --entrypoint /hello.so -e WACC_VERIFY_KEYS=/key.pub "$IMG" >out 2>err && true
grep -q "hello, world" out && ok "signed .so with WACC_VERIFY_KEYS" || { bad "signed run"; cat err; }
"${RUN[@]}" --entrypoint /unsigned.so -e WACC_VERIFY_KEYS=/key.pub "$IMG" >out 2>err
rc=$?
[ $rc -ne 0 ] && grep -q "not signed" err && ! grep -q "hello, world" out && ok "unsigned .so refused: $(head -1 err)" || { bad "unsigned refused rc=$rc"; cat out err; }

# a component (the cached real-component corpus; not run when it cannot be built)
if [ $have_comp = 1 ]; then
  "${RUN[@]}" --entrypoint /hello-c.wasm -e WACC_OPT_LEVEL=0 "$IMG" >out 2>err
  rc=$?
  [ -s out ] && [ $rc -eq 0 ] && ok "component entrypoint (wasi:cli/run): $(head -1 out)" || { bad "component rc=$rc"; cat out err; }
else
  echo "note: no hello component (node/jco missing): component entrypoint not run"
fi
exit $fail
