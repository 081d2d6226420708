/* Internal helpers shared by the waccabi source files. */
#ifndef WACC_ABIGLUE_INTERNAL_H
#define WACC_ABIGLUE_INTERNAL_H

#include <string.h>

#include "abi.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "waccabi assumes a little-endian host"
#endif

#if defined(__GNUC__)
#define ABI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ABI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ABI_COLD __attribute__((cold))
#else
#define ABI_PRINTF(a, b)
#define ABI_UNLIKELY(x) (x)
#define ABI_COLD
#endif

/* Records err in cx->msg; returns err. */
int abi_fail(wacc_abi_cx *cx, int err, const char *fmt, ...) ABI_PRINTF(3, 4) ABI_COLD;
/* Same, into a caller buffer (may be NULL). */
int abi_failbuf(char *msg, size_t cap, int err, const char *fmt, ...) ABI_PRINTF(4, 5) ABI_COLD;

static inline uint64_t align_to(uint64_t p, uint64_t a) { return (p + a - 1) & ~(a - 1); }

static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* [ptr, ptr+len) inside memory, without overflow. */
static inline bool in_bounds(const wacc_abi_cx *cx, uint64_t ptr, uint64_t len)
{
    return len <= cx->mem_size && ptr <= cx->mem_size - len;
}

static inline uint32_t ptr_size(const wacc_abi_cx *cx) { return cx->mem64 ? 8u : 4u; }

static inline uint64_t rdptr(const wacc_abi_cx *cx, const uint8_t *p)
{
    return cx->mem64 ? rd64(p) : rd32(p);
}

static inline void wrptr(const wacc_abi_cx *cx, uint8_t *p, uint64_t v)
{
    if (cx->mem64) wr64(p, v);
    else wr32(p, (uint32_t)v);
}

static inline uint64_t utf16_tag(const wacc_abi_cx *cx)
{
    return cx->mem64 ? (1ull << 63) : (1ull << 31);
}

void *abi_alloc(wacc_abi_cx *cx, size_t size);   /* from cx->arena, sets OOM message */

/* Handle helpers (resource.c). */
int abi_lift_handle(wacc_abi_cx *cx, uint32_t index, const wacc_ctype *t, wacc_cval *out);
int abi_lower_handle(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t, uint32_t *index);

/* The checks after a realloc call: alignment (align 1: none) and bounds. */
int abi_check_realloc(wacc_abi_cx *cx, uint64_t ptr, uint32_t align, uint64_t len);

/* UTF-8 (strings.c). */
bool abi_utf8_valid(const uint8_t *s, size_t n);

#endif
