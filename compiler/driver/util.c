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
