/*
 * values.c — command-line values: parsing `wacc run --invoke` arguments and
 * printing results the way wasmtime does (i32/i64 signed decimal, floats as
 * the shortest decimal that reads back exactly, without an exponent).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

static bool parse_int(const char *s, int bits, int64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '\0')
        return false;
    if (s[0] == '-') {
        long long v = strtoll(s, &end, 0);
        if (errno != 0 || *end != '\0')
            return false;
        if (bits == 32 && v < INT32_MIN)
            return false;
        *out = v;
        return true;
    }
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0')
        return false;
    if (bits == 32 && v > UINT32_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

static bool parse_v128(const char *s, uint8_t out[16])
{
    memset(out, 0, 16);
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    s += 2;
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {      /* last digit = lowest nibble */
        char c = s[n - 1 - i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return false;
        out[i / 2] |= (uint8_t)(d << (4 * (i % 2)));
    }
    return true;
}

bool drv_parse_value(const char *s, uint8_t type, wacc_val *out)
{
    int64_t iv;
    char *end;
    memset(out, 0, sizeof *out);
    switch (type) {
    case WACC_I32:
        if (!parse_int(s, 32, &iv))
            return false;
        out->i32 = (int32_t)(uint32_t)iv;
        return true;
    case WACC_I64:
        if (!parse_int(s, 64, &iv))
            return false;
        out->i64 = iv;
        return true;
    case WACC_F32:
        errno = 0;
        out->f32 = strtof(s, &end);
        return *s != '\0' && *end == '\0';
    case WACC_F64:
        errno = 0;
        out->f64 = strtod(s, &end);
        return *s != '\0' && *end == '\0';
    case WACC_V128:
        return parse_v128(s, out->v128);
    case WACC_FUNCREF:
    case WACC_EXTERNREF:
        out->ref = NULL;
        return strcmp(s, "null") == 0;
    }
    return false;
}

/* Shortest round-trip decimal, printed positionally (Rust's `{}` for floats). */
void drv_format_float(char *buf, size_t len, double v, bool is_f32)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, v < 0 ? "-inf" : "inf");
        return;
    }
    char e[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        double back = strtod(e, NULL);
        if (is_f32 ? (float)back == (float)v : back == v)
            break;
    }
    /* e = [-]d[.ddd]e[+-]XX */
    const char *q = e;
    bool neg = *q == '-';
    if (neg)
        q++;
    char digits[32];
    size_t nd = 0;
    for (; *q != 'e' && *q != '\0'; q++)
        if (*q >= '0' && *q <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *q;
    digits[nd] = '\0';
    int exp = *q == 'e' ? atoi(q + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    if (nd == 1 && digits[0] == '0')
        exp = 0;

    size_t o = 0;
#define PUT(c) do { if (o + 1 < len) buf[o++] = (c); } while (0)
    if (neg)
        PUT('-');
    if (exp >= 0) {
        for (int i = 0; i <= exp; i++)
            PUT((size_t)i < nd ? digits[i] : '0');
        if ((size_t)exp + 1 < nd) {
            PUT('.');
            for (size_t i = (size_t)exp + 1; i < nd; i++)
                PUT(digits[i]);
        }
    } else {
        PUT('0');
        PUT('.');
        for (int i = 0; i < -exp - 1; i++)
            PUT('0');
        for (size_t i = 0; i < nd; i++)
            PUT(digits[i]);
    }
#undef PUT
    buf[o] = '\0';
}

void drv_print_value(FILE *f, uint8_t type, const wacc_val *v)
{
    char buf[400];
    switch (type) {
    case WACC_I32:
        fprintf(f, "%" PRId32 "\n", v->i32);
        break;
    case WACC_I64:
        fprintf(f, "%" PRId64 "\n", v->i64);
        break;
    case WACC_F32:
        drv_format_float(buf, sizeof buf, v->f32, true);
        fprintf(f, "%s\n", buf);
        break;
    case WACC_F64:
        drv_format_float(buf, sizeof buf, v->f64, false);
        fprintf(f, "%s\n", buf);
        break;
    case WACC_V128:
        fputs("0x", f);
        for (int i = 15; i >= 0; i--)
            fprintf(f, "%02x", v->v128[i]);
        fputc('\n', f);
        break;
    case WACC_FUNCREF:
        fputs(v->ref ? "<funcref>\n" : "<null funcref>\n", f);
        break;
    case WACC_EXTERNREF:
        fputs(v->ref ? "<externref>\n" : "<null externref>\n", f);
        break;
    default:
        fputs("<unknown>\n", f);
    }
}
