#!/bin/bash
# build-static.sh BUILD OUT — the native hello server (serve-native) as one
# static binary OUT/hello-static, the image localhost/wacc-bench-hello (from
# scratch, podman build) and an OCI bundle OUT/bundle/rootfs (for crun/runc;
# containers.py writes its config.json).
#
# Static libraries: Debian's libuv_a.a (libuv1-dev), libhttp_parser.a
# (libhttp-parser-dev), libxxhash.a; libwacc is archived from its objects.
# libcurl/libidn2 (wasi:http outgoing, unused by the hello handler) have no
# complete static dependency chain in Debian: nocurl.c stands in for them.
set -eu
B="$(cd "$1" && pwd)"; OUT="$2"
SRC="$(cd "$(dirname "$0")" && pwd)"
L=/usr/lib/x86_64-linux-gnu
mkdir -p "$OUT/bundle/rootfs"
ninja -C "$B" tests/serve/serve-native > /dev/null
rm -f "$OUT/libwacc.a"
ar rcs "$OUT/libwacc.a" "$B"/runtime/libwacc.so.p/*.o
cc -O2 -Wall -Wextra -Werror -c "$SRC/nocurl.c" -o "$OUT/nocurl.o"
( cd "$B" && cc -static -o "$OUT/hello-static" tests/serve/serve-native.p/native_server.c.o \
    "$OUT/nocurl.o" -Wl,--start-group runtime/serve/libwacc-serve.a runtime/wasi2/libwacc-wasi2.a \
    runtime/wasi/libwacc-wasi.a "$OUT/libwacc.a" abi-glue/libwaccabi.a runtime/libwacchash_avx2.a \
    runtime/libwacc-fiber.a compiler/decode/libwasmfmt.a compiler/component/libcompfmt.a \
    $L/libxxhash.a $L/libuv_a.a $L/libhttp_parser.a -lpthread -ldl -lrt -lm -Wl,--end-group \
    2>&1 | grep -v -e 'statically linked applications requires' -e 'in function' || true )
strip "$OUT/hello-static"
cp "$OUT/hello-static" "$OUT/bundle/rootfs/hello"
cp "$SRC/Containerfile" "$OUT/Containerfile"
podman build -q --pull=never -t localhost/wacc-bench-hello -f "$OUT/Containerfile" "$OUT" > /dev/null
echo "build-static: $OUT/hello-static ($(stat -c %s "$OUT/hello-static") bytes), image localhost/wacc-bench-hello, bundle $OUT/bundle"
