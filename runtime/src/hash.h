/* hash.h — the artifact checksum (XXH3-64), fastest variant the CPU runs. */
#ifndef WACC_HASH_H
#define WACC_HASH_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)
uint64_t wacc__xxh3(const void *p, size_t n);
uint64_t wacc__xxh3_avx2(const void *p, size_t n);     /* AVX2 CPUs only */
#pragma GCC visibility pop

#endif
