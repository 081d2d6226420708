/* Merge sort + quicksort of pseudo-random 32-bit keys. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void merge_sort(uint32_t *a, uint32_t *tmp, size_t n) {
    if (n < 2) return;
    size_t h = n / 2;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static void quick_sort(uint32_t *a, long lo, long hi) {
    while (lo < hi) {
        uint32_t p = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick_sort(a, lo, j); lo = i; } else { quick_sort(a, i, hi); hi = j; }
    }
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 4000000;
    uint32_t *a = malloc(n * 4), *b = malloc(n * 4), *tmp = malloc(n * 4);
    if (!a || !b || !tmp) return 1;
    uint64_t s = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; a[i] = b[i] = (uint32_t)s; }
    merge_sort(a, tmp, n);
    quick_sort(b, 0, (long)n - 1);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) { printf("mismatch at %zu\n", i); return 1; }
        h = (h ^ a[i]) * 1099511628211ull;
    }
    printf("%016llx\n", (unsigned long long)h);
    free(a); free(b); free(tmp);
    return 0;
}
