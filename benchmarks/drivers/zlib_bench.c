/* zlib (Debian source) deflate level 6 + inflate of generated text. */
#include <stdio.h>
#include <stdlib.h>
#include "gen.h"
#include "zlib.h"

int main(int argc, char **argv) {
    size_t len = (size_t)(argc > 1 ? atoi(argv[1]) : 12) << 20;
    unsigned char *in = malloc(len), *out, *back = malloc(len);
    uLongf clen = compressBound(len), blen = len;
    out = malloc(clen);
    if (!in || !out || !back) return 1;
    bench_gen(in, len);
    if (compress2(out, &clen, in, len, 6) != Z_OK) return 2;
    if (uncompress(back, &blen, out, clen) != Z_OK || blen != len || memcmp(in, back, len)) return 3;
    printf("%zu -> %lu crc32=%08lx fnv=%08x\n", len, (unsigned long)clen, crc32(0, out, clen), bench_fnv(back, len));
    return 0;
}
