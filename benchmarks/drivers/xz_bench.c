/* xz / liblzma (Debian source): preset-6 .xz compression and decompression
 * of generated text; prints sizes and a checksum of the compressed bytes. */
#include <stdio.h>
#include <stdlib.h>
#include "gen.h"
#include "lzma.h"

int main(int argc, char **argv) {
    size_t len = (size_t)(argc > 1 ? atoi(argv[1]) : 6) << 20;
    size_t cap = lzma_stream_buffer_bound(len), clen = 0, blen = 0, inpos = 0;
    unsigned char *in = malloc(len), *out = malloc(cap), *back = malloc(len);
    if (!in || !out || !back) return 1;
    bench_gen(in, len);
    if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, len, out, &clen, cap) != LZMA_OK) return 2;
    uint64_t limit = UINT64_MAX;
    if (lzma_stream_buffer_decode(&limit, 0, NULL, out, &inpos, clen, back, &blen, len) != LZMA_OK ||
        blen != len || memcmp(in, back, len)) return 3;
    printf("%zu -> %zu fnv=%08x\n", len, clen, bench_fnv(out, clen));
    return 0;
}
