#!/bin/bash
# wrong_machine.sh — an artifact for the other machine is refused with one
# line, both directions: the aarch64 wacc (qemu) refuses an x86-64 .so, the
# x86-64 wacc refuses an aarch64 .so; and the runtime-only build says it
# cannot compile.
#   wrong_machine.sh HOST_WACC SOURCE_ROOT BUILD_ROOT
. "$(dirname "$0")/common.sh" "$1" "$2" "$3"
command -v wat2wasm > /dev/null || { echo "SKIP: wat2wasm not found (wabt)"; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-a64wm.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
printf '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))' > "$W/m.wat"
wat2wasm "$W/m.wat" -o "$W/m.wasm" || exit 1
"$HOST_WACC" compile "$W/m.wasm" -o "$W/x86.so" && "$HOST_WACC" compile --target aarch64-linux-gnu "$W/m.wasm" -o "$W/a64.so" || exit 1
fail=0
expect() { # expect NAME WANT-STATUS WANT-TEXT CMD...
  local name=$1 want=$2 text=$3; shift 3
  "$@" > "$W/out" 2> "$W/err"; local st=$?
  if [ $st != "$want" ] || ! grep -q -- "$text" "$W/out" "$W/err" || { [ $want != 0 ] && [ "$(wc -l < "$W/err")" != 1 ]; }; then
    echo "FAIL $name: status $st, out: $(head -c 200 "$W/out") err: $(head -c 300 "$W/err")"; fail=1
  else
    echo "PASS $name"
  fi
}
expect "aarch64 runs its artifact" 0 '^5$' $A64WACC run --invoke add "$W/a64.so" 2 3
expect "x86-64 runs its artifact" 0 '^5$' "$HOST_WACC" run --invoke add "$W/x86.so" 2 3
expect "aarch64 refuses x86-64" 1 "wrong architecture: the artifact is for x86-64, this runtime runs aarch64" \
  $A64WACC run --invoke add "$W/x86.so" 2 3
expect "x86-64 refuses aarch64" 1 "wrong architecture: the artifact is for aarch64, this runtime runs x86-64" \
  "$HOST_WACC" run --invoke add "$W/a64.so" 2 3
expect "runtime-only cannot compile" 1 "runtime-only" $A64WACC compile "$W/m.wasm" -o "$W/no.so"
# CPU features of a named --cpu are recorded and checked at load (AT_HWCAP):
# a neoverse-n1 artifact needs LSE atomics, which qemu's cortex-a53 lacks
"$HOST_WACC" compile --target aarch64-linux-gnu --cpu neoverse-n1 "$W/m.wasm" -o "$W/n1.so" || exit 1
expect "neoverse-n1 artifact runs (qemu max CPU)" 0 '^5$' $A64WACC run --invoke add "$W/n1.so" 2 3
A53="qemu-aarch64 -cpu cortex-a53 ${A64WACC#qemu-aarch64 }"
expect "generic artifact runs on cortex-a53" 0 '^5$' $A53 run --invoke add "$W/a64.so" 2 3
expect "neoverse-n1 artifact refused on cortex-a53" 1 "needs CPU feature lse" $A53 run --invoke add "$W/n1.so" 2 3
# the metadata records the target
"$HOST_WACC" inspect "$W/a64.so" > "$W/insp" 2>&1
grep -q "aarch64" "$W/insp" && echo "PASS inspect shows the target" || { echo "FAIL inspect: $(head -5 "$W/insp")"; fail=1; }
# a plain aarch64 shared object: no undefined symbols, only RELATIVE dynamic relocations
if command -v aarch64-linux-gnu-readelf > /dev/null; then
  h=$(aarch64-linux-gnu-readelf -h "$W/a64.so" | grep Machine)
  u=$(aarch64-linux-gnu-nm -D --undefined-only "$W/a64.so" | wc -l)
  r=$(aarch64-linux-gnu-readelf -rW "$W/a64.so" | grep -c '^[0-9a-f]\{12\}' || true)
  rr=$(aarch64-linux-gnu-readelf -rW "$W/a64.so" | grep -c 'R_AARCH64_RELATIVE' || true)
  if echo "$h" | grep -q AArch64 && [ "$u" = 0 ] && [ "$r" = "$rr" ]; then
    echo "PASS ELF: AArch64, no undefined symbols, $rr RELATIVE relocations"
  else
    echo "FAIL ELF: '$h', $u undefined, $r relocations of which $rr RELATIVE"; fail=1
  fi
fi
exit $fail
