#!/bin/sh
# list.sh DIR SKIPFILE: the component .wast files under DIR (paths relative to
# DIR, sorted) that SKIPFILE does not name. SKIPFILE: one entry per line,
# "PATH REASON"; a PATH ending in '/' skips a whole folder; '#' comments.
dir="$1"; skipfile="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
cd "$dir" || exit 1
find . -name '*.wast' | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
  skip=no
  while read -r p reason; do
    case "$p" in
      ''|'#'*) continue ;;
      */) case "$f" in "$p"*) skip=yes ;; esac ;;
      *) [ "$f" = "$p" ] && skip=yes ;;
    esac
  done < "$skipfile"
  [ "$skip" = no ] && echo "$f"
done
