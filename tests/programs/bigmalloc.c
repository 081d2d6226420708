/* bigmalloc: large allocations grow the linear memory (hundreds of MiB). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { CHUNKS = 12, CHUNK = 32 << 20 };
    unsigned char *p[CHUNKS];
    uint64_t sum = 0;
    for (int i = 0; i < CHUNKS; i++) {
        p[i] = malloc(CHUNK);
        if (!p[i]) {
            printf("malloc %d failed\n", i);
            return 1;
        }
        memset(p[i], i + 1, CHUNK);
        for (size_t k = 0; k < CHUNK; k += 4096)
            p[i][k] = (unsigned char)(k >> 12);
    }
    for (int i = 0; i < CHUNKS; i++)
        for (size_t k = 0; k < CHUNK; k += 512)
            sum = sum * 31 + p[i][k];
    printf("allocated %d MiB, checksum %llu\n", CHUNKS * (CHUNK >> 20), (unsigned long long)sum);
    for (int i = 0; i < CHUNKS; i += 2)
        free(p[i]);
    unsigned char *q = NULL;
    size_t size = 1;
    for (int i = 0; i < 26; i++) {
        size <<= 1;
        q = realloc(q, size);
        q[size - 1] = (unsigned char)i;
        q[size / 2] = (unsigned char)(i * 3);
    }
    printf("realloc to %zu MiB ok: %d\n", size >> 20, q[size - 1] == 25 && q[size / 2] == 75);
    free(q);
    for (int i = 1; i < CHUNKS; i += 2)
        free(p[i]);
    return 0;
}
