#!/bin/sh
# skip-lines.sh REL SKIPFILE: the `--skip-line N` options for the single
# commands SKIPFILE names as REL:N (REL relative to testsuite/component).
awk -v f="$1" 'index($1, f ":") == 1 { sub(/.*:/, "", $1); printf " --skip-line %s", $1 }' "$2"
