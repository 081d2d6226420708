/* reader.c — byte reader, errors and small helpers of the component decoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void cerr_set(wasm_error *err, size_t offset, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    err->offset = offset;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

bool cfail(creader *r, const char *fmt, ...)
{
    if (r->failed)
        return false;
    r->failed = true;
    if (r->err) {
        va_list ap;
        va_start(ap, fmt);
        r->err->offset = (size_t)(r->p - r->base);
        vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
        va_end(ap);
    }
    return false;
}

uint32_t coff(const creader *r)
{
    return (uint32_t)(r->p - r->base);
}

void *cxcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("wacc: out of memory\n", stderr);
        abort();
    }
    return p;
}

bool rd_byte(creader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return cfail(r, "unexpected end of input");
    *out = *r->p++;
    return true;
}

bool rd_u64(creader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b;
        if (!rd_byte(r, &b))
            return false;
        if (shift == 63 && (b & 0x7e))
            return cfail(r, "integer too large");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        if (shift >= 63)
            return cfail(r, "integer representation too long");
    }
    *out = v;
    return true;
}

bool rd_u32(creader *r, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b;
        if (!rd_byte(r, &b))
            return false;
        if (shift == 28 && (b & 0x70))
            return cfail(r, "integer too large");
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        if (shift >= 28)
            return cfail(r, "integer representation too long");
    }
    *out = v;
    return true;
}

bool utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n;
        if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; }
        else return false;
        if (i + n > len)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}

bool rd_name(creader *r, char **out, uint32_t *len)
{
    uint32_t n;
    if (!rd_u32(r, &n))
        return false;
    if ((size_t)(r->end - r->p) < n)
        return cfail(r, "unexpected end of input (name of %u bytes)", n);
    if (!utf8_valid(r->p, n))
        return cfail(r, "malformed UTF-8 encoding");
    char *s = malloc((size_t)n + 1);
    if (!s)
        return cfail(r, "out of memory");
    memcpy(s, r->p, n);
    s[n] = 0;
    r->p += n;
    *out = s;
    if (len)
        *len = n;
    return true;
}

const char *wacc_sort_name(wacc_sort s)
{
    static const char *const names[WACC_SORT_COUNT] = {
        "core func", "core table", "core memory", "core global", "core tag",
        "core type", "core module", "core instance", "func", "value", "type",
        "component", "instance",
    };
    return (unsigned)s < WACC_SORT_COUNT ? names[s] : "?";
}
