/* Deterministic, moderately compressible input for the compression
 * benchmarks: pseudo-random words from a small vocabulary plus numbers. */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static size_t bench_gen(unsigned char *buf, size_t len) {
    static const char *words[] = {"wasm", "component", "native", "shared", "object", "memory",
                                  "table", "global", "lift", "lower", "trap", "guard", "page",
                                  "edge", "node", "cold", "start", "the", "a", "of", "and"};
    uint64_t s = 0x9E3779B97F4A7C15ull;
    size_t n = 0;
    while (n < len) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        const char *w = words[s % (sizeof words / sizeof words[0])];
        size_t wl = strlen(w);
        if ((s >> 20) % 7 == 0) {
            char num[24];
            int k = 0;
            uint64_t v = (s >> 24) % 100000;
            do { num[k++] = (char)('0' + v % 10); v /= 10; } while (v);
            while (k && n < len) buf[n++] = (unsigned char)num[--k];
        } else {
            for (size_t i = 0; i < wl && n < len; i++) buf[n++] = (unsigned char)w[i];
        }
        if (n < len) buf[n++] = (s >> 40) % 11 == 0 ? '\n' : ' ';
    }
    return n;
}

static uint32_t bench_fnv(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}
#endif
