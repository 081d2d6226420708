/* Strings: load_string_from_range (decode + validate into UTF-8) and the
 * store_string_* transcoding algorithms of CanonicalABI.md, with the same
 * sequence of realloc calls and the same trap checks. */
#include <string.h>

#include "abi_internal.h"

#define MAXLEN WACC_ABI_MAX_STRING_BYTE_LENGTH

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Strict decoding (no overlongs, surrogates or > U+10FFFF), like Python's. */
static bool utf8_next(const uint8_t *s, size_t n, size_t *pi, uint32_t *cp)
{
    size_t i = *pi;
    uint8_t c = s[i];
    if (c < 0x80) {
        *cp = c;
        *pi = i + 1;
        return true;
    }
    if (c < 0xC2) return false;
    if (c < 0xE0) {
        if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return false;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
        *pi = i + 2;
        return true;
    }
    if (c < 0xF0) {
        if (i + 2 >= n) return false;
        uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80) return false;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        *pi = i + 3;
        return true;
    }
    if (c < 0xF5) {
        if (i + 3 >= n) return false;
        uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
            return false;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
              ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
        *pi = i + 4;
        return true;
    }
    return false;
}

/* Offset of the first invalid sequence, n if s is valid UTF-8. */
static size_t utf8_check(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n && (rd64(s + i) & 0x8080808080808080ull) == 0) {
            i += 8;
            continue;
        }
        size_t at = i;
        uint32_t cp;
        if (!utf8_next(s, n, &i, &cp)) return at;
    }
    return n;
}

bool abi_utf8_valid(const uint8_t *s, size_t n) { return utf8_check(s, n) == n; }

/* The invalid sequence at s[at] is a valid prefix cut by the end of the string. */
static bool utf8_incomplete(const uint8_t *s, size_t n, size_t at)
{
    uint8_t c = s[at];
    size_t need = c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;
    if (!need || n - at >= need) return false;
    for (size_t k = at + 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) return false;
        if (k == at + 1 && ((c == 0xE0 && s[k] < 0xA0) || (c == 0xED && s[k] > 0x9F) ||
                            (c == 0xF0 && s[k] < 0x90) || (c == 0xF4 && s[k] > 0x8F)))
            return false;
    }
    return true;
}

static size_t put_utf8(uint8_t *d, uint32_t cp)
{
    if (cp < 0x80) { d[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        d[0] = (uint8_t)(0xC0 | (cp >> 6));
        d[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (uint8_t)(0xE0 | (cp >> 12));
        d[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (uint8_t)(0xF0 | (cp >> 18));
    d[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* UTF-8 s[0..n) -> UTF-16LE at dst, at most cap bytes. */
static int utf8_to_utf16(wacc_abi_cx *cx, const uint8_t *s, size_t n, uint8_t *dst, uint64_t cap,
                         uint64_t *written, uint32_t *maxcp)
{
    uint64_t w = 0;
    uint32_t m = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        if (!utf8_next(s, n, &i, &cp))
            return abi_fail(cx, WACC_ABI_E_ENCODING, "string value is not valid UTF-8");
        if (cp > m) m = cp;
        if (cp < 0x10000) {
            if (w + 2 > cap) goto overflow;
            wr16(dst + w, (uint16_t)cp);
            w += 2;
        } else {
            if (w + 4 > cap) goto overflow;
            cp -= 0x10000;
            wr16(dst + w, (uint16_t)(0xD800 | (cp >> 10)));
            wr16(dst + w + 2, (uint16_t)(0xDC00 | (cp & 0x3FF)));
            w += 4;
        }
    }
    *written = w;
    if (maxcp) *maxcp = m;
    return 0;
overflow:
    return abi_fail(cx, WACC_ABI_E_TYPE, "string value longer than its code-unit hint");
}

/* ---- load ------------------------------------------------------------------- */

int wacc_abi_load_string(wacc_abi_cx *cx, uint64_t ptr, uint64_t tagged, wacc_cval *out)
{
    if (!cx->mem) return abi_fail(cx, WACC_ABI_E_NO_MEMORY, "string lifted without a memory option");
    uint64_t units = tagged, bytes;
    uint32_t align;
    uint8_t hint;
    switch (cx->string_encoding) {
    case WACC_STRENC_UTF8:
        align = 1, bytes = units, hint = WACC_STRHINT_UTF8;
        break;
    case WACC_STRENC_UTF16:
        align = 2, hint = WACC_STRHINT_UTF16;
        bytes = units > MAXLEN ? UINT64_MAX : 2 * units;
        break;
    default:
        align = 2;
        if (tagged & utf16_tag(cx)) {
            units = tagged ^ utf16_tag(cx);
            bytes = units > MAXLEN ? UINT64_MAX : 2 * units;
            hint = WACC_STRHINT_COMPACT_UTF16;
        } else {
            bytes = units;
            hint = WACC_STRHINT_COMPACT_LATIN1;
        }
        break;
    }
    if (bytes > MAXLEN)
        return abi_fail(cx, WACC_ABI_E_LENGTH, "string byte length %llu over the maximum %u",
                        (unsigned long long)bytes, MAXLEN);
    if (ptr & (align - 1))
        return abi_fail(cx, WACC_ABI_E_ALIGN, "unaligned pointer: string pointer %llu not aligned to %u",
                        (unsigned long long)ptr, align);
    if (!in_bounds(cx, ptr, bytes))
        return abi_fail(cx, WACC_ABI_E_BOUNDS, "string content out-of-bounds: string pointer/length out of bounds of memory ([%llu, +%llu) in %llu bytes)",
                        (unsigned long long)ptr, (unsigned long long)bytes,
                        (unsigned long long)cx->mem_size);
    const uint8_t *src = cx->mem + ptr;
    uint8_t *dst;
    size_t len = 0;
    if (hint == WACC_STRHINT_UTF8) {
        size_t bad = utf8_check(src, bytes);
        if (bad < bytes)
            return abi_fail(cx, WACC_ABI_E_ENCODING, "%s at %llu in string",
                            utf8_incomplete(src, bytes, bad) ? "incomplete utf-8 byte sequence" : "invalid utf-8",
                            (unsigned long long)(ptr + bad));
        if (!(dst = abi_alloc(cx, bytes))) return WACC_ABI_E_OOM;
        memcpy(dst, src, bytes);
        len = bytes;
    } else if (hint == WACC_STRHINT_COMPACT_LATIN1) {
        if (!(dst = abi_alloc(cx, bytes * 2))) return WACC_ABI_E_OOM;
        for (uint64_t i = 0; i < bytes; i++) len += put_utf8(dst + len, src[i]);
    } else {
        if (!(dst = abi_alloc(cx, units * 3))) return WACC_ABI_E_OOM;
        for (uint64_t i = 0; i < units; i++) {
            uint32_t u = rd16(src + 2 * i);
            if (u >= 0xD800 && u <= 0xDFFF) {
                uint32_t u2 = i + 1 < units ? rd16(src + 2 * i + 2) : 0;
                if (u > 0xDBFF || u2 < 0xDC00 || u2 > 0xDFFF)
                    return abi_fail(cx, WACC_ABI_E_ENCODING, "invalid utf-16: unpaired surrogate 0x%04x at %llu",
                                    u, (unsigned long long)(ptr + 2 * i));
                u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
                i++;
            }
            len += put_utf8(dst + len, u);
        }
    }
    memset(out, 0, sizeof *out);
    out->kind = WACC_CT_STRING;
    out->x.str = (const char *)dst;
    out->n = (uint32_t)len;
    out->units = (uint32_t)units;
    out->strhint = hint;
    return 0;
}

/* ---- store ------------------------------------------------------------------ */

int abi_check_realloc(wacc_abi_cx *cx, uint64_t ptr, uint32_t align, uint64_t len)
{
    if (ptr & (align - 1))
        return abi_fail(cx, WACC_ABI_E_ALIGN, "realloc return: result not aligned (%llu, alignment %u)",
                        (unsigned long long)ptr, align);
    if (!in_bounds(cx, ptr, len))
        return abi_fail(cx, WACC_ABI_E_BOUNDS, "realloc return: beyond end of memory ([%llu, +%llu))",
                        (unsigned long long)ptr, (unsigned long long)len);
    return 0;
}

/* realloc + the checks that follow it in the spec (align 1: none). */
static int re(wacc_abi_cx *cx, uint64_t *ptr, uint64_t old_size, uint32_t align, uint32_t check_align,
              uint64_t new_size)
{
    int e = wacc_abi_realloc(cx, *ptr, old_size, align, new_size, ptr);
    if (e) return e;
    return abi_check_realloc(cx, *ptr, check_align, new_size);
}

static int mismatch(wacc_abi_cx *cx)
{
    return abi_fail(cx, WACC_ABI_E_TYPE, "string value does not match its code-unit hint");
}

enum { DST_UTF8, DST_UTF16, DST_LATIN1 };

static int store_copy(wacc_abi_cx *cx, const wacc_cval *v, uint64_t units, uint32_t unit_size,
                      uint32_t align, int form, uint64_t *rptr, uint64_t *rcu)
{
    const uint8_t *s = (const uint8_t *)v->x.str;
    uint64_t bytes = unit_size * units, ptr = 0;
    int e = re(cx, &ptr, 0, align, align, bytes);
    if (e) return e;
    uint8_t *d = cx->mem + ptr;
    if (form == DST_UTF8) {
        if (!abi_utf8_valid(s, v->n))
            return abi_fail(cx, WACC_ABI_E_ENCODING, "string value is not valid UTF-8");
        memcpy(d, s, v->n);
    } else if (form == DST_UTF16) {
        uint64_t w;
        if ((e = utf8_to_utf16(cx, s, v->n, d, bytes, &w, NULL))) return e;
        if (w != bytes) return mismatch(cx);
    } else {
        size_t i = 0;
        uint64_t k = 0;
        while (i < v->n) {
            uint32_t cp;
            if (!utf8_next(s, v->n, &i, &cp))
                return abi_fail(cx, WACC_ABI_E_ENCODING, "string value is not valid UTF-8");
            if (cp > 0xFF || k >= bytes) return mismatch(cx);
            d[k++] = (uint8_t)cp;
        }
        if (k != bytes) return mismatch(cx);
    }
    *rptr = ptr;
    *rcu = units;
    return 0;
}

static int store_to_utf8(wacc_abi_cx *cx, const wacc_cval *v, uint64_t units, uint64_t worst,
                         uint64_t *rptr, uint64_t *rcu)
{
    const uint8_t *s = (const uint8_t *)v->x.str;
    uint64_t ptr = 0;
    int e = re(cx, &ptr, 0, 1, 1, units);
    if (e) return e;
    for (size_t i = 0; i < v->n; i++) {
        if (s[i] < 0x80) {
            if (i >= units) return mismatch(cx);
            cx->mem[ptr + i] = s[i];
            continue;
        }
        if ((e = re(cx, &ptr, units, 1, 1, worst))) return e;
        if (!abi_utf8_valid(s + i, v->n - i))
            return abi_fail(cx, WACC_ABI_E_ENCODING, "string value is not valid UTF-8");
        if (v->n > worst) return mismatch(cx);
        memcpy(cx->mem + ptr + i, s + i, v->n - i);
        if (worst > v->n && (e = re(cx, &ptr, worst, 1, 1, v->n))) return e;
        *rptr = ptr;
        *rcu = v->n;
        return 0;
    }
    if (v->n != units) return mismatch(cx);
    *rptr = ptr;
    *rcu = units;
    return 0;
}

static int store_utf8_to_utf16(wacc_abi_cx *cx, const wacc_cval *v, uint64_t units,
                               uint64_t *rptr, uint64_t *rcu)
{
    uint64_t worst = 2 * units, ptr = 0, w;
    int e = re(cx, &ptr, 0, 2, 2, worst);
    if (e) return e;
    if ((e = utf8_to_utf16(cx, (const uint8_t *)v->x.str, v->n, cx->mem + ptr, worst, &w, NULL))) return e;
    if (w < worst && (e = re(cx, &ptr, worst, 2, 2, w))) return e;
    *rptr = ptr;
    *rcu = w / 2;
    return 0;
}

static int store_to_latin1_or_utf16(wacc_abi_cx *cx, const wacc_cval *v, uint64_t units,
                                    uint64_t *rptr, uint64_t *rcu)
{
    const uint8_t *s = (const uint8_t *)v->x.str;
    uint64_t ptr = 0, dst_len = 0;
    int e = re(cx, &ptr, 0, 2, 2, units);
    if (e) return e;
    size_t i = 0;
    while (i < v->n) {
        size_t at = i;
        uint32_t cp;
        if (!utf8_next(s, v->n, &i, &cp))
            return abi_fail(cx, WACC_ABI_E_ENCODING, "string value is not valid UTF-8");
        if (cp < 0x100) {
            if (dst_len >= units) return mismatch(cx);
            cx->mem[ptr + dst_len++] = (uint8_t)cp;
            continue;
        }
        uint64_t worst = 2 * units, w;
        if ((e = re(cx, &ptr, units, 2, 2, worst))) return e;
        uint8_t *d = cx->mem + ptr;
        for (uint64_t j = dst_len; j-- > 0;) {
            d[2 * j] = d[j];
            d[2 * j + 1] = 0;
        }
        if ((e = utf8_to_utf16(cx, s + at, v->n - at, d + 2 * dst_len, worst - 2 * dst_len, &w, NULL)))
            return e;
        uint64_t total = 2 * dst_len + w;
        if (worst > total && (e = re(cx, &ptr, worst, 2, 2, total))) return e;
        *rptr = ptr;
        *rcu = (total / 2) | utf16_tag(cx);
        return 0;
    }
    if (dst_len < units && (e = re(cx, &ptr, units, 2, 2, dst_len))) return e;
    *rptr = ptr;
    *rcu = dst_len;
    return 0;
}

static int store_probably_utf16(wacc_abi_cx *cx, const wacc_cval *v, uint64_t units,
                                uint64_t *rptr, uint64_t *rcu)
{
    uint64_t bytes = 2 * units, ptr = 0, w;
    uint32_t maxcp;
    int e = re(cx, &ptr, 0, 2, 2, bytes);
    if (e) return e;
    if ((e = utf8_to_utf16(cx, (const uint8_t *)v->x.str, v->n, cx->mem + ptr, bytes, &w, &maxcp)))
        return e;
    if (maxcp >= 0x100) {
        *rptr = ptr;
        *rcu = (w / 2) | utf16_tag(cx);
        return 0;
    }
    uint64_t latin1 = w / 2;
    uint8_t *d = cx->mem + ptr;
    for (uint64_t i = 0; i < latin1; i++) d[i] = d[2 * i];
    if ((e = re(cx, &ptr, bytes, 1, 1, latin1))) return e;
    *rptr = ptr;
    *rcu = latin1;
    return 0;
}

int wacc_abi_store_string(wacc_abi_cx *cx, const wacc_cval *v, uint64_t *rptr, uint64_t *rcu)
{
    if (v->kind != WACC_CT_STRING) return abi_fail(cx, WACC_ABI_E_TYPE, "value is not a string");
    if (!cx->mem || !cx->realloc)
        return abi_fail(cx, WACC_ABI_E_NO_MEMORY, "string lowered without memory and realloc options");
    if (v->n > MAXLEN || v->units > MAXLEN)
        return abi_fail(cx, WACC_ABI_E_LENGTH, "string of %u bytes over the maximum %u", v->n, MAXLEN);
    if (v->n && !v->x.str) return abi_fail(cx, WACC_ABI_E_TYPE, "string value without bytes");
    /* simple source encoding and code units (units of a UTF-8 source: its bytes) */
    uint8_t hint = v->strhint;
    uint64_t units = hint == WACC_STRHINT_UTF8 ? v->n : v->units;
    switch (cx->string_encoding) {
    case WACC_STRENC_UTF8:
        switch (hint) {
        case WACC_STRHINT_UTF8: return store_copy(cx, v, units, 1, 1, DST_UTF8, rptr, rcu);
        case WACC_STRHINT_UTF16: case WACC_STRHINT_COMPACT_UTF16:
            return store_to_utf8(cx, v, units, units * 3, rptr, rcu);
        default: return store_to_utf8(cx, v, units, units * 2, rptr, rcu);
        }
    case WACC_STRENC_UTF16:
        if (hint == WACC_STRHINT_UTF8) return store_utf8_to_utf16(cx, v, units, rptr, rcu);
        return store_copy(cx, v, units, 2, 2, DST_UTF16, rptr, rcu);
    default:
        switch (hint) {
        case WACC_STRHINT_UTF8: case WACC_STRHINT_UTF16:
            return store_to_latin1_or_utf16(cx, v, units, rptr, rcu);
        case WACC_STRHINT_COMPACT_LATIN1: return store_copy(cx, v, units, 1, 2, DST_LATIN1, rptr, rcu);
        default: return store_probably_utf16(cx, v, units, rptr, rcu);
        }
    }
}
