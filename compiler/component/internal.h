/* internal.h — shared helpers of the compfmt library (not public). */
#ifndef WACC_COMPONENT_INTERNAL_H
#define WACC_COMPONENT_INTERNAL_H

#include <stdarg.h>

#include "component.h"

/* Byte reader over the outermost input. */
typedef struct creader {
    const uint8_t *base;        /* outermost input (offsets relative to it) */
    const uint8_t *p, *end;
    wasm_error *err;
    bool failed;
    int depth;                  /* nesting of components / types */
} creader;

#define CMAX_DEPTH 100

bool cfail(creader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cerr_set(wasm_error *err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

uint32_t coff(const creader *r);
bool rd_byte(creader *r, uint8_t *out);
bool rd_u32(creader *r, uint32_t *out);
bool rd_u64(creader *r, uint64_t *out);
bool rd_name(creader *r, char **out, uint32_t *len);
bool utf8_valid(const uint8_t *s, size_t len);

void *cxcalloc(size_t n, size_t size);  /* aborts on out of memory */

void wacc_name_free(wacc_name *n);
void wacc_deftype_free(wacc_deftype *t);
void wacc_core_type_free(wacc_core_type *t);

#endif
