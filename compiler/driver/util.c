/*
 * util.c — small helpers shared by the driver commands: reading files,
 * error messages, the common compile options.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"

void drv_error(const char *file, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("wacc: ", stderr);
    if (file != NULL)
        fprintf(stderr, "%s: ", file);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

uint8_t *drv_read_file(const char *path, size_t *size, char err[512])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, 512, "%s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, 512, "not a regular file");
        fclose(f);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL) {
        snprintf(err, 512, "out of memory");
        fclose(f);
        return NULL;
    }
    if (n > 0 && fread(buf, 1, n, f) != n) {
        snprintf(err, 512, "read error: %s", ferror(f) ? strerror(errno) : "short read");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = n;
    return buf;
}

bool drv_is_wasm(const uint8_t *bytes, size_t size)
{
    return size >= 4 && memcmp(bytes, "\0asm", 4) == 0;
}

int drv_parse_compile_option(int argc, char **argv, int *i, wacc_compile_options *o)
{
    const char *a = argv[*i];
    if (a[0] == '-' && a[1] == 'O' && a[2] != '\0' && a[3] == '\0') {
        if (a[2] < '0' || a[2] > '3') {
            drv_error(NULL, "bad optimisation level '%s' (use -O0..-O3)", a);
            return -1;
        }
        o->opt_level = a[2] - '0';
        return 1;
    }
    if (strcmp(a, "--no-interrupt-checks") == 0) {
        o->no_interrupt_checks = true;
        return 1;
    }
    if (strcmp(a, "--bounds-checks") == 0) {
        o->explicit_bounds = true;
        return 1;
    }
    if (strcmp(a, "--target") == 0 || strncmp(a, "--target=", 9) == 0) {
        const char *v = NULL;
        if (a[8] == '=')
            v = a + 9;
        else if (*i + 1 < argc)
            v = argv[++*i];
        if (v == NULL || *v == '\0') {
            drv_error(NULL, "--target needs a value (x86_64-linux-gnu or aarch64-linux-gnu)");
            return -1;
        }
        static const char *const a64[] = { "aarch64", "arm64", "aarch64-linux-gnu", "aarch64-unknown-linux-gnu" };
        static const char *const x86[] = { "x86_64", "x86-64", "x86_64-linux-gnu", "x86_64-pc-linux-gnu",
                                           "x86_64-unknown-linux-gnu" };
        for (size_t k = 0; k < sizeof a64 / sizeof a64[0]; k++)
            if (strcmp(v, a64[k]) == 0) {
                o->target = "aarch64-linux-gnu";
                return 1;
            }
        for (size_t k = 0; k < sizeof x86 / sizeof x86[0]; k++)
            if (strcmp(v, x86[k]) == 0) {
                o->target = NULL;       /* the default: keys and output unchanged */
                return 1;
            }
        drv_error(NULL, "unknown target '%s' (use x86_64-linux-gnu or aarch64-linux-gnu)", v);
        return -1;
    }
    if (strcmp(a, "--cpu") == 0 || strncmp(a, "--cpu=", 6) == 0) {
        const char *v = NULL;
        if (a[5] == '=')
            v = a + 6;
        else if (*i + 1 < argc)
            v = argv[++*i];
        if (v == NULL || *v == '\0') {
            drv_error(NULL, "--cpu needs a value (native, x86-64-v2, x86-64-v3, or an LLVM CPU name)");
            return -1;
        }
        o->cpu = strcmp(v, "native") == 0 ? NULL : v;
        return 1;
    }
    return 0;
}

/* A decimal number (digits, optionally one '.' and more digits) at *s;
 * returns it scaled by `unit`, advancing *s. */
static bool parse_scaled(const char **s, uint64_t unit_num, uint64_t unit_den, uint64_t *out,
                         const char *(*suffix)(const char *, uint64_t *, uint64_t *))
{
    const char *p = *s;
    uint64_t ip = 0, fp = 0, fscale = 1;
    bool digits = false;
    while (*p >= '0' && *p <= '9') {
        if (ip > (UINT64_MAX - 9) / 10)
            return false;
        ip = ip * 10 + (uint64_t)(*p++ - '0');
        digits = true;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (fscale < 1000000000000ull) {
                fp = fp * 10 + (uint64_t)(*p - '0');
                fscale *= 10;
            }
            p++;
            digits = true;
        }
    }
    if (!digits)
        return false;
    const char *rest = suffix(p, &unit_num, &unit_den);
    if (rest == NULL || *rest != '\0')
        return false;
    /* ip * num / den + fp * num / (den * fscale), without overflow */
    if (ip && unit_num > UINT64_MAX / ip)
        return false;
    uint64_t v = ip * unit_num / unit_den;
    double f = (double)fp * (double)unit_num / ((double)unit_den * (double)fscale);
    if (f >= (double)(UINT64_MAX - v))
        return false;
    *out = v + (uint64_t)f;
    *s = rest;
    return true;
}

static const char *duration_suffix(const char *p, uint64_t *num, uint64_t *den)
{
    (void)den;
    if (*p == '\0' || strcmp(p, "s") == 0) {
        *num = 1000000000ull;
        return p + strlen(p);
    }
    if (strcmp(p, "ms") == 0) {
        *num = 1000000ull;
        return p + 2;
    }
    if (strcmp(p, "us") == 0) {
        *num = 1000ull;
        return p + 2;
    }
    if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0) {
        *num = 60000000000ull;
        return p + strlen(p);
    }
    if (strcmp(p, "h") == 0) {
        *num = 3600000000000ull;
        return p + 1;
    }
    return NULL;
}

static const char *size_suffix(const char *p, uint64_t *num, uint64_t *den)
{
    (void)den;
    static const struct { const char *s; uint64_t n; } units[] = {
        { "", 1 }, { "B", 1 },
        { "K", 1ull << 10 }, { "KiB", 1ull << 10 }, { "k", 1ull << 10 },
        { "M", 1ull << 20 }, { "MiB", 1ull << 20 },
        { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
    };
    for (unsigned i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(p, units[i].s) == 0) {
            *num = units[i].n;
            return p + strlen(p);
        }
    return NULL;
}

bool parse_duration_ns(const char *s, uint64_t *ns)
{
    return s != NULL && parse_scaled(&s, 1, 1, ns, duration_suffix);
}

bool parse_size_bytes(const char *s, uint64_t *bytes)
{
    return s != NULL && parse_scaled(&s, 1, 1, bytes, size_suffix);
}
