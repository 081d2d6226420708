#!/bin/bash
# cli.sh — `wacc serve` command-line errors: each is one line on stderr and
# a non-zero exit, before anything listens.
#   cli.sh WACC
set -u
WACC="$1"
W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-serve-cli.XXXXXX")
trap 'rm -rf "$W"' EXIT
printf '\0asm\1\0\0\0' > "$W/core.wasm"
fail=0
expect() {      # expect STATUS PATTERN ARGS...
  local want="$1" pat="$2"
  shift 2
  "$WACC" serve "$@" > "$W/out" 2> "$W/err" < /dev/null
  local st=$?
  if [ "$st" != "$want" ] || ! grep -q -- "$pat" "$W/err" || [ "$(wc -l < "$W/err")" != 1 ]; then
    echo "FAIL: wacc serve $* -> $st (want $want, /$pat/):"; cat "$W/err"; fail=1
  else
    echo "PASS: wacc serve $* -> $st: $(cat "$W/err")"
  fi
}
expect 2 "no component to serve"
expect 2 "unknown option '--bogus'" --bogus x.so
expect 2 "after the artifact" x.so --quiet
expect 2 "--workers wants" --workers 0 x.so
expect 2 "bad --timeout" --timeout 5parsecs x.so
expect 2 "bad --max-memory" --max-memory lots x.so
expect 2 "--reuse wants" --reuse 0 x.so
expect 2 "--reuse-concurrency wants" --reuse-concurrency many x.so
expect 2 "--route wants" --route api=x.so x.so
expect 2 "grants after the last route" --route /a=x.so --env A=1
expect 1 "x.so" "$W/x.so"
expect 1 "not a component" --addr 127.0.0.1:0 "$W/core.wasm"
exit $fail
