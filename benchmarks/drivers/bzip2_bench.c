/* bzip2 (Debian source) compress level 9 + decompress of generated text. */
#include <stdio.h>
#include <stdlib.h>
#include "bzlib.h"
#include "gen.h"

void bz_internal_error(int code) { printf("bzip2 internal error %d\n", code); exit(4); }

int main(int argc, char **argv) {
    unsigned len = (unsigned)(argc > 1 ? atoi(argv[1]) : 8) << 20;
    unsigned clen = len + len / 100 + 600, blen = len;
    char *in = malloc(len), *out = malloc(clen), *back = malloc(len);
    if (!in || !out || !back) return 1;
    bench_gen((unsigned char *)in, len);
    if (BZ2_bzBuffToBuffCompress(out, &clen, in, len, 9, 0, 0) != BZ_OK) return 2;
    if (BZ2_bzBuffToBuffDecompress(back, &blen, out, clen, 0, 0) != BZ_OK || blen != len ||
        memcmp(in, back, len)) return 3;
    printf("%u -> %u fnv=%08x\n", len, clen, bench_fnv((unsigned char *)out, clen));
    return 0;
}
