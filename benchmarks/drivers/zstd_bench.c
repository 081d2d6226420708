/* zstd (Debian source) level 3 compress + decompress of generated text. */
#include <stdio.h>
#include <stdlib.h>
#include "gen.h"
#include "zstd.h"

int main(int argc, char **argv) {
    size_t len = (size_t)(argc > 1 ? atoi(argv[1]) : 64) << 20;
    size_t cap = ZSTD_compressBound(len);
    unsigned char *in = malloc(len), *out = malloc(cap), *back = malloc(len);
    if (!in || !out || !back) return 1;
    bench_gen(in, len);
    size_t clen = ZSTD_compress(out, cap, in, len, 3);
    if (ZSTD_isError(clen)) return 2;
    size_t blen = ZSTD_decompress(back, len, out, clen);
    if (ZSTD_isError(blen) || blen != len || memcmp(in, back, len)) return 3;
    printf("%zu -> %zu fnv=%08x\n", len, clen, bench_fnv(out, clen));
    return 0;
}
