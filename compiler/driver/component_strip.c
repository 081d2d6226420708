/*
 * component_strip.c — wacc_component_strip: the component binary without
 * the contents of its core modules.
 *
 * A component artifact's metadata holds the component binary so that the
 * runtime (runtime/src/component_load.c) and `wacc inspect` can decode its
 * structure. The core modules in it are already compiled, each with its own
 * descriptor and metadata (the code-less module description), and nothing
 * reads their bytes from this blob; keeping them would store every module's
 * code and data twice. So each core module section's payload becomes the
 * empty module `\0asm\1\0\0\0` (still a valid module: the decoder checks its
 * preamble), and the section sizes of the nested components that contain
 * one are written anew (LEB128, shortest form). Everything else is copied
 * byte for byte; sections are walked, not decoded, so this never disagrees
 * with the decoder about anything but the core modules' contents.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component_strip.h"

#define MAX_DEPTH 100           /* nested components (the decoder allows fewer) */

enum { SEC_CORE_MODULE = 1, SEC_COMPONENT = 4 };

static const uint8_t empty_module[8] = { 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00 };
static const uint8_t component_preamble[8] = { 0x00, 'a', 's', 'm', 0x0d, 0x00, 0x01, 0x00 };

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} buf;

typedef struct strip {
    const uint8_t *base;        /* the whole input, for offsets in errors */
    char *err;
} strip;

static void put(buf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (n > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_byte(buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_u32(buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_byte(b, v ? byte | 0x80 : byte);
    } while (v);
}

static bool fail(strip *s, const uint8_t *at, const char *why)
{
    snprintf(s->err, 512, "component description: offset 0x%zx: %s", (size_t)(at - s->base), why);
    return false;
}

/* An unsigned LEB128 u32 at *p (before end); advances *p. */
static bool rd_u32(strip *s, const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    const uint8_t *at = *p;
    uint32_t v = 0;
    for (unsigned i = 0; i < 5; i++) {
        if (*p >= end)
            return fail(s, at, "unexpected end (section size)");
        uint8_t b = *(*p)++;
        if (i == 4 && (b & 0xf0))
            return fail(s, at, "section size too large or too long");
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return fail(s, at, "section size too long");   /* not reached: i == 4 checks it */
}

/* The component in [p, end) (preamble and sections), stripped, onto `out`. */
static bool strip_component(strip *s, const uint8_t *p, const uint8_t *end, buf *out,
                            unsigned depth)
{
    if (depth > MAX_DEPTH)
        return fail(s, p, "components nested too deep");
    if ((size_t)(end - p) < 8 || memcmp(p, component_preamble, 8) != 0)
        return fail(s, p, "not a component (bad preamble)");
    put(out, p, 8);
    p += 8;
    while (p < end) {
        const uint8_t *sec = p;
        uint8_t id = *p++;
        uint32_t size;
        if (!rd_u32(s, &p, end, &size))
            return false;
        if (size > (size_t)(end - p))
            return fail(s, sec, "section size out of bounds");
        const uint8_t *body = p;
        p += size;
        if (id == SEC_CORE_MODULE) {
            if (size < 8 || memcmp(body, empty_module, 8) != 0)
                return fail(s, body, "core module without the module preamble");
            put_byte(out, id);
            put_u32(out, sizeof empty_module);
            put(out, empty_module, sizeof empty_module);
        } else if (id == SEC_COMPONENT) {
            buf sub = { 0 };
            bool ok = strip_component(s, body, p, &sub, depth + 1);
            if (ok && !sub.oom) {
                put_byte(out, id);
                put_u32(out, (uint32_t)sub.n);      /* sub.n <= size: never grows */
                put(out, sub.p, sub.n);
            }
            out->oom |= sub.oom;
            free(sub.p);
            if (!ok)
                return false;
        } else {
            put(out, sec, (size_t)(p - sec));       /* byte for byte, custom sections too */
        }
    }
    return true;
}

uint8_t *wacc_component_strip(const uint8_t *bytes, size_t size, size_t *out_size,
                              char err[512])
{
    strip s = { bytes, err };
    buf out = { 0 };
    err[0] = '\0';
    *out_size = 0;
    if (!strip_component(&s, bytes, bytes + size, &out, 0)) {
        free(out.p);
        return NULL;
    }
    if (out.oom) {
        free(out.p);
        snprintf(err, 512, "component description: out of memory");
        return NULL;
    }
    *out_size = out.n;
    return out.p;
}
