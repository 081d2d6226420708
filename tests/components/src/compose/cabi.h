/* cabi.h — the bits of the Canonical ABI the two C components of the
 * composition test write by hand (no bindings generator): cabi_realloc,
 * string and list<string> layouts, and a UTF-8 encoder. */
#ifndef R1_CABI_H
#define R1_CABI_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))

typedef struct { char *ptr; uint32_t len; } cstr;              /* string */
typedef struct { cstr *ptr; uint32_t len; } cstrs;             /* list<string> */
typedef struct { uint32_t *ptr; uint32_t len; } cu32s;         /* list<u32> */

/* Every allocation the other side makes in this memory goes through here
 * (malloc is 16-byte aligned, enough for every Canonical ABI alignment).
 * An empty string or list may come with any pointer (the host need not
 * call this for zero bytes), so nothing of length 0 is ever freed: see
 * release(). */
EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    if (new_size == 0)
        return (void *)align;
    void *p = realloc(old, new_size);
    if (p == NULL)
        abort();
    return p;
}

static cstr cstr_dup(const char *s, uint32_t n)
{
    cstr r = { NULL, 0 };
    if (n > 0) {
        r.ptr = malloc(n);
        r.len = n;
        memcpy(r.ptr, s, n);
    }
    return r;
}

/* frees what a string or list of len elements points to */
static void release(void *p, uint32_t len)
{
    if (len > 0)
        free(p);
}

static void cstrs_free(cstrs l)
{
    for (uint32_t i = 0; i < l.len; i++)
        release(l.ptr[i].ptr, l.ptr[i].len);
    release(l.ptr, l.len);
}

static uint32_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
#endif
