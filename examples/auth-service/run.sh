#!/bin/bash
# run.sh — builds and tests the auth-service blueprint (README.md here):
# the provider (Rust), the directory (C++) and the front (JS) are built
# (scripts/build-polyglot.sh, cached), joined with `wacc compose`, compiled
# to one .so and called with valid, tampered, expired and malformed tokens
# under wacc and under jco transpile + node (same results: expected/).
#
#   run.sh WACC             everything (the JS front compiles for minutes once;
#                           its .so is cached by content)
#   run.sh WACC --core      provider + directory only
#
# Exit status: 0 passed, 1 failed, 77 skipped (a tool is missing).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: run.sh WACC [--core]" >&2; exit 2; }
WACC="$1"
CORE_ONLY=0
[ "${2:-}" = --core ] && CORE_ONLY=1
. "$ROOT/tests/polyglot/lib.sh"

if [ $CORE_ONLY = 1 ]; then build auth-provider auth-directory; else build auth-provider auth-directory auth-front; fi

# the expected calls carry the tokens: make sure they are tokens.mjs's
for c in auth-core auth-service; do
  [ $CORE_ONLY = 1 ] && [ $c = auth-service ] && continue
  node -e "import('$HERE/cases/$c.mjs').then(m => { for (const x of m.cases) console.log(x.call) })" \
    > "$WORK/$c.calls"
  if ! cut -f1 "$HERE/expected/$c.invoke" | diff -q - "$WORK/$c.calls" > /dev/null; then
    bad "$c" "expected/$c.invoke does not hold the calls of cases/$c.mjs (tokens.mjs changed?)"
  fi
done

# provider + directory: plugs themselves plugged (the provider imports the directory)
compose auth-core auth-provider auth-directory && check auth-core auth-core
if [ $CORE_ONLY = 0 ]; then
  compose auth-service auth-front auth-provider auth-directory && check auth-service auth-service -O0
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
