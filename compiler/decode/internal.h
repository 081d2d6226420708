/* internal.h — helpers shared by the files of libwasmfmt (not public). */
#ifndef WASMFMT_INTERNAL_H
#define WASMFMT_INTERNAL_H

#include "wasm.h"

#include <stdarg.h>

/* Fill *err (may be NULL) with a formatted one-line message. Returns false. */
bool wasm_fail(wasm_error *err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* LEB128 decoding. `bits` is 32, 33 or 64. On success advances *pp, stores
 * the value (sign-extended for signed reads) and returns NULL; otherwise
 * returns the spec's error text and leaves *pp at the offending byte. */
const char *wasm_leb(const uint8_t **pp, const uint8_t *end, unsigned bits,
                     bool is_signed, uint64_t *out);

/* True if the byte is a value type (number, vector or reference). */
static inline bool wasm_is_valtype(uint8_t t)
{
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 ||
           t == WASM_V128 || t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

static inline bool wasm_is_reftype(uint8_t t)
{
    return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

#endif
