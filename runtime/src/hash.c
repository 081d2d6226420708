/* hash.c — XXH3-64 of an artifact: libxxhash, or its AVX2 build when the
 * CPU has AVX2 (hash_avx2.c). Short inputs stay on the library. */
#include <xxhash.h>

#include "hash.h"

uint64_t wacc__xxh3(const void *p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (n >= 64 * 1024 && __builtin_cpu_supports("avx2"))
        return wacc__xxh3_avx2(p, n);
#endif
    return XXH3_64bits(p, n);
}
