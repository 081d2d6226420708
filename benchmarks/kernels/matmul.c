/* Dense matrix multiply, scalar C loops (i-k-j order), double precision. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 384;
    int reps = argc > 2 ? atoi(argv[2]) : 6;
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n);
    double *c = malloc(sizeof(double) * n * n);
    if (!a || !b || !c) return 1;
    for (int i = 0; i < n * n; i++) {
        a[i] = (double)((i * 7) % 13) / 13.0;
        b[i] = (double)((i * 11) % 17) / 17.0;
    }
    double sum = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n * n; i++) c[i] = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++) {
                double aik = a[i * n + k];
                for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
            }
        sum += c[(r * 31) % (n * n)];
        a[r % (n * n)] += 1.0;
    }
    double tr = 0;
    for (int i = 0; i < n; i++) tr += c[i * n + i];
    printf("%.6f %.6f\n", sum, tr);
    free(a); free(b); free(c);
    return 0;
}
