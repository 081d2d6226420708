/* A small ray tracer: spheres, diffuse + specular shading, shadows, reflections.
 * Renders to an in-memory image and prints a checksum of the pixels. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct { double x, y, z; } vec;
static vec v(double x, double y, double z) { vec r = {x, y, z}; return r; }
static vec add(vec a, vec b) { return v(a.x + b.x, a.y + b.y, a.z + b.z); }
static vec sub(vec a, vec b) { return v(a.x - b.x, a.y - b.y, a.z - b.z); }
static vec mul(vec a, double s) { return v(a.x * s, a.y * s, a.z * s); }
static double dot(vec a, vec b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static vec norm(vec a) { return mul(a, 1.0 / sqrt(dot(a, a))); }

typedef struct { vec c; double r; vec col; double refl; } sphere;
static const sphere S[] = {
    {{0, -1000, 0}, 999, {0.6, 0.6, 0.6}, 0.2}, {{0, 0, 4}, 1, {0.9, 0.2, 0.2}, 0.4},
    {{-2, 0, 5}, 1, {0.2, 0.9, 0.2}, 0.3},       {{2, 0, 5}, 1, {0.2, 0.2, 0.9}, 0.5},
    {{0, 2.2, 6}, 1.2, {0.9, 0.9, 0.2}, 0.1},
};
#define NS (int)(sizeof S / sizeof S[0])
static const vec light = {5, 8, -3};

static int hit(vec o, vec d, double *tmin) {
    int best = -1;
    for (int i = 0; i < NS; i++) {
        vec oc = sub(o, S[i].c);
        double b = dot(oc, d), c = dot(oc, oc) - S[i].r * S[i].r, disc = b * b - c;
        if (disc < 0) continue;
        double t = -b - sqrt(disc);
        if (t > 1e-6 && t < *tmin) { *tmin = t; best = i; }
    }
    return best;
}

static vec trace(vec o, vec d, int depth) {
    double t = 1e30;
    int i = hit(o, d, &t);
    if (i < 0) return v(0.2, 0.3, 0.5);
    vec p = add(o, mul(d, t)), n = norm(sub(p, S[i].c)), l = norm(sub(light, p));
    double shadow_t = 1e30;
    double diff = hit(p, l, &shadow_t) >= 0 ? 0.1 : fmax(0.0, dot(n, l));
    vec r = sub(d, mul(n, 2 * dot(d, n)));
    double spec = pow(fmax(0.0, dot(r, l)), 32);
    vec col = add(mul(S[i].col, 0.1 + 0.9 * diff), v(spec, spec, spec));
    if (depth < 4 && S[i].refl > 0) col = add(mul(col, 1 - S[i].refl), mul(trace(p, r, depth + 1), S[i].refl));
    return col;
}

int main(int argc, char **argv) {
    int w = argc > 1 ? atoi(argv[1]) : 800, h = w * 3 / 4;
    uint8_t *img = malloc((size_t)w * h * 3);
    if (!img) return 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            vec d = norm(v((x - w / 2.0) / h, (h / 2.0 - y) / h, 1));
            vec c = trace(v(0, 0.5, -2), d, 0);
            uint8_t *px = img + ((size_t)y * w + x) * 3;
            px[0] = (uint8_t)(fmin(1, c.x) * 255); px[1] = (uint8_t)(fmin(1, c.y) * 255); px[2] = (uint8_t)(fmin(1, c.z) * 255);
        }
    uint64_t sum = 0;
    for (size_t i = 0; i < (size_t)w * h * 3; i++) sum = sum * 31 + img[i];
    printf("%dx%d %016llx\n", w, h, (unsigned long long)sum);
    free(img);
    return 0;
}
