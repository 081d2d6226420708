/* load/store (CanonicalABI.md "Loading", "Storing") and lift_flat/lower_flat
 * ("Flat Lifting", "Flat Lowering", "Lifting and Lowering Values").
 *
 * Flat values live in wacc_val cells. Lowering writes each cell's low 64
 * bits with the value zero-extended, so the `join` coercions of variant
 * payloads (f32->i32, i32->i64, f32->i64, f64->i64 bit reinterpretations)
 * are no-ops; lifting reads the union member of the wanted type, which is
 * the same as the spec's wrap/reinterpret (NaNs canonicalised on lift). */
#include <math.h>
#include <string.h>

#include "abi_internal.h"

void wacc_abi_cx_init(wacc_abi_cx *cx)
{
    /* Every field but msg's tail (hot path: once or twice per call). */
    cx->mem = NULL;
    cx->mem_size = 0;
    cx->mem64 = false;
    cx->string_encoding = WACC_STRENC_UTF8;
    cx->realloc = NULL;
    cx->realloc_ctx = NULL;
    cx->inst = NULL;
    cx->task = NULL;
    cx->subtask = NULL;
    cx->arena = NULL;
    cx->list_bytes = false;
    cx->trap = 0;
    cx->msg[0] = 0;
}

int wacc_abi_realloc(wacc_abi_cx *cx, uint64_t old_ptr, uint64_t old_size, uint64_t align,
                     uint64_t new_size, uint64_t *new_ptr)
{
    if (!cx->realloc || !cx->mem)
        return abi_fail(cx, WACC_ABI_E_NO_MEMORY, "allocation needed but no realloc/memory option");
    if (cx->inst) {
        if (!cx->inst->may_leave)
            return abi_fail(cx, WACC_ABI_E_MAY_LEAVE, "cannot leave component instance (realloc during realloc or post-return)");
        cx->inst->may_leave = false;
    }
    uint64_t p = 0;
    int trap = cx->realloc(cx->realloc_ctx, cx, old_ptr, old_size, align, new_size, &p);
    if (cx->inst) cx->inst->may_leave = true;
    if (trap) {
        cx->trap = trap;
        return abi_fail(cx, WACC_ABI_E_REALLOC, "realloc(%llu, %llu, %llu, %llu) trapped",
                        (unsigned long long)old_ptr, (unsigned long long)old_size,
                        (unsigned long long)align, (unsigned long long)new_size);
    }
    *new_ptr = cx->mem64 ? p : (uint32_t)p;
    return 0;
}

static float canon32(float f)
{
    if (f != f) {
        uint32_t b = WACC_ABI_CANONICAL_NAN32;
        memcpy(&f, &b, 4);
    }
    return f;
}

static double canon64(double f)
{
    if (f != f) {
        uint64_t b = WACC_ABI_CANONICAL_NAN64;
        memcpy(&f, &b, 8);
    }
    return f;
}

static int check_char(wacc_abi_cx *cx, uint32_t c)
{
    if (c >= 0x110000 || (c >= 0xD800 && c <= 0xDFFF))
        return abi_fail(cx, WACC_ABI_E_CHAR, "invalid `char` bit pattern 0x%x", c);
    return 0;
}

static uint32_t flags_mask(const wacc_ctype *t)
{
    return t->n >= 32 ? 0xFFFFFFFFu : (1u << t->n) - 1;
}

/* ---- load ------------------------------------------------------------------- */

static int load(wacc_abi_cx *cx, uint64_t ptr, const wacc_ctype *t, wacc_cval *out);

/* Loads n plain elements at ptr as a byte buffer (WACC_CVAL_BYTES): one
 * memcpy, then NaNs canonicalised as load does for each float. */
static int load_bytes(wacc_abi_cx *cx, uint64_t ptr, const wacc_ctype *et, uint64_t n, wacc_cval *out)
{
    size_t size = (size_t)n * et->size[cx->mem64];
    uint8_t *b = abi_alloc(cx, size ? size : 1);
    if (!b) return WACC_ABI_E_OOM;
    memcpy(b, cx->mem + ptr, size);
    if (et->kind == WACC_CT_F32) {
        for (size_t i = 0; i < size; i += 4) {
            float f;
            memcpy(&f, b + i, 4);
            if (f != f) wr32(b + i, WACC_ABI_CANONICAL_NAN32);
        }
    } else if (et->kind == WACC_CT_F64) {
        for (size_t i = 0; i < size; i += 8) {
            double f;
            memcpy(&f, b + i, 8);
            if (f != f) wr64(b + i, WACC_ABI_CANONICAL_NAN64);
        }
    }
    out->repr = WACC_CVAL_BYTES;
    out->x.bytes = b;
    out->n = (uint32_t)n;
    return 0;
}

/* Loads n elements of type et at ptr (range already checked). */
static int load_elems(wacc_abi_cx *cx, uint64_t ptr, const wacc_ctype *et, uint64_t n, wacc_cval *out)
{
    if (cx->list_bytes && wacc_ctype_plain(et)) return load_bytes(cx, ptr, et, n, out);
    wacc_cval *a = abi_alloc(cx, sizeof *a * (n ? n : 1));
    if (!a) return WACC_ABI_E_OOM;
    uint32_t es = et->size[cx->mem64];
    out->x.elems = a;
    out->n = (uint32_t)n;
    if (et->kind <= WACC_CT_U64 || et->kind == WACC_CT_CHAR) {   /* floats: generic path (NaNs) */
        /* scalar elements: one tight loop per kind */
        const uint8_t *p = cx->mem + ptr;
        wacc_cval z;
        memset(&z, 0, sizeof z);
        z.kind = et->kind;
        switch (et->kind) {
        case WACC_CT_BOOL: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.b = p[i] != 0; return 0;
        case WACC_CT_S8: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.s = (int8_t)p[i]; return 0;
        case WACC_CT_U8: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.u = p[i]; return 0;
        case WACC_CT_S16: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.s = (int16_t)rd16(p + 2 * i); return 0;
        case WACC_CT_U16: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.u = rd16(p + 2 * i); return 0;
        case WACC_CT_S32: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.s = (int32_t)rd32(p + 4 * i); return 0;
        case WACC_CT_U32: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.u = rd32(p + 4 * i); return 0;
        case WACC_CT_S64: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.s = (int64_t)rd64(p + 8 * i); return 0;
        case WACC_CT_U64: for (uint64_t i = 0; i < n; i++) a[i] = z, a[i].x.u = rd64(p + 8 * i); return 0;
        case WACC_CT_CHAR:
            for (uint64_t i = 0; i < n; i++) {
                a[i] = z;
                a[i].x.ch = rd32(p + 4 * i);
                int e = check_char(cx, a[i].x.ch);
                if (e) return e;
            }
            return 0;
        default: break;     /* not reached: floats take the generic path */
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        int e = load(cx, ptr + i * es, et, &a[i]);
        if (e) return e;
    }
    return 0;
}

static int load_list_range(wacc_abi_cx *cx, uint64_t ptr, uint64_t len, const wacc_ctype *et, wacc_cval *out)
{
    uint32_t es = et->size[cx->mem64], al = et->align[cx->mem64];
    if (len > WACC_ABI_MAX_LIST_BYTE_LENGTH / es)
        return abi_fail(cx, WACC_ABI_E_LENGTH, "list of %llu elements of %u bytes over the maximum byte length",
                        (unsigned long long)len, es);
    if (ptr & (al - 1))
        return abi_fail(cx, WACC_ABI_E_ALIGN, "unaligned pointer: list pointer %llu not aligned to %u", (unsigned long long)ptr, al);
    if (!in_bounds(cx, ptr, len * es))
        return abi_fail(cx, WACC_ABI_E_BOUNDS, "list content out-of-bounds: [%llu, +%llu) in memory of %llu bytes",
                        (unsigned long long)ptr, (unsigned long long)(len * es),
                        (unsigned long long)cx->mem_size);
    return load_elems(cx, ptr, et, len, out);
}

static int load(wacc_abi_cx *cx, uint64_t ptr, const wacc_ctype *t, wacc_cval *out)
{
    const uint8_t *p = cx->mem + ptr;
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case WACC_CT_BOOL: out->x.b = p[0] != 0; return 0;
    case WACC_CT_S8: out->x.s = (int8_t)p[0]; return 0;
    case WACC_CT_U8: out->x.u = p[0]; return 0;
    case WACC_CT_S16: out->x.s = (int16_t)rd16(p); return 0;
    case WACC_CT_U16: out->x.u = rd16(p); return 0;
    case WACC_CT_S32: out->x.s = (int32_t)rd32(p); return 0;
    case WACC_CT_U32: out->x.u = rd32(p); return 0;
    case WACC_CT_S64: out->x.s = (int64_t)rd64(p); return 0;
    case WACC_CT_U64: out->x.u = rd64(p); return 0;
    case WACC_CT_F32: memcpy(&out->x.f32, p, 4); out->x.f32 = canon32(out->x.f32); return 0;
    case WACC_CT_F64: memcpy(&out->x.f64, p, 8); out->x.f64 = canon64(out->x.f64); return 0;
    case WACC_CT_CHAR: out->x.ch = rd32(p); return check_char(cx, out->x.ch);
    case WACC_CT_STRING: {
        uint64_t begin = rdptr(cx, p), units = rdptr(cx, p + ptr_size(cx));
        return wacc_abi_load_string(cx, begin, units, out);
    }
    case WACC_CT_LIST:
        if (t->has_len) return load_elems(cx, ptr, t->elem, t->n, out);
        return load_list_range(cx, rdptr(cx, p), rdptr(cx, p + ptr_size(cx)), t->elem, out);
    case WACC_CT_RECORD: case WACC_CT_TUPLE: {
        wacc_cval *a = abi_alloc(cx, sizeof *a * t->n);
        if (!a) return WACC_ABI_E_OOM;
        for (uint32_t i = 0; i < t->n; i++) {
            const wacc_ctype *ft = t->fields[i].type;
            ptr = align_to(ptr, ft->align[cx->mem64]);
            int e = load(cx, ptr, ft, &a[i]);
            if (e) return e;
            ptr += ft->size[cx->mem64];
        }
        out->x.elems = a;
        out->n = t->n;
        return 0;
    }
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT: {
        uint32_t c = t->disc_size == 1 ? p[0] : t->disc_size == 2 ? rd16(p) : rd32(p);
        if (c >= t->n)
            return abi_fail(cx, WACC_ABI_E_DISCRIMINANT, "invalid variant discriminant: discriminant %u out of range [0..%u)", c, t->n);
        out->n = c;
        const wacc_ctype *ct = t->fields[c].type;
        if (!ct) return 0;
        wacc_cval *pl = abi_alloc(cx, sizeof *pl);
        if (!pl) return WACC_ABI_E_OOM;
        out->x.payload = pl;
        return load(cx, align_to(ptr + t->disc_size, t->case_align[cx->mem64]), ct, pl);
    }
    case WACC_CT_FLAGS: {
        uint32_t bits = t->disc_size == 1 ? p[0] : t->disc_size == 2 ? rd16(p) : rd32(p);
        out->x.u = bits & flags_mask(t);
        return 0;
    }
    default:
        return abi_lift_handle(cx, rd32(p), t, out);
    }
}

static int check_top(wacc_abi_cx *cx, uint64_t ptr, uint32_t align, uint64_t size, const char *what)
{
    if (!cx->mem) return abi_fail(cx, WACC_ABI_E_NO_MEMORY, "%s needs a memory option", what);
    if (ptr & (align - 1))
        return abi_fail(cx, WACC_ABI_E_ALIGN, "unaligned pointer: %s pointer %llu not aligned to %u", what, (unsigned long long)ptr, align);
    if (!in_bounds(cx, ptr, size))
        return abi_fail(cx, WACC_ABI_E_BOUNDS, "%s out-of-bounds: [%llu, +%llu) in memory of %llu bytes", what,
                        (unsigned long long)ptr, (unsigned long long)size, (unsigned long long)cx->mem_size);
    return 0;
}

int wacc_abi_load(wacc_abi_cx *cx, uint64_t ptr, const wacc_ctype *t, wacc_cval *out)
{
    int e = check_top(cx, ptr, t->align[cx->mem64], t->size[cx->mem64], "load");
    return e ? e : load(cx, ptr, t, out);
}

/* ---- store ------------------------------------------------------------------ */

static int store(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t, uint64_t ptr);

static int type_mismatch(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t)
{
    return abi_fail(cx, WACC_ABI_E_TYPE, "value of kind %u given for a type of kind %u", v->kind, t->kind);
}

static int store_elems(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *et, uint64_t ptr)
{
    uint32_t es = et->size[cx->mem64];
    if (v->repr == WACC_CVAL_BYTES) {     /* byte buffer: its memory layout already */
        if (!wacc_ctype_plain(et))
            return abi_fail(cx, WACC_ABI_E_TYPE, "byte-buffer list given for elements of kind %u", et->kind);
        if (v->n && !v->x.bytes) return abi_fail(cx, WACC_ABI_E_TYPE, "list value without bytes");
        if (v->n) memcpy(cx->mem + ptr, v->x.bytes, (size_t)v->n * es);
        return 0;
    }
    if (v->n && !v->x.elems) return abi_fail(cx, WACC_ABI_E_TYPE, "list value without elements");
    const wacc_cval *a = v->x.elems;
    uint8_t *p = cx->mem + ptr;
    uint32_t n = v->n, i;
    switch (et->kind) {     /* integer elements: one tight loop per size */
    case WACC_CT_S8: case WACC_CT_U8:
        for (i = 0; i < n && a[i].kind == et->kind; i++) p[i] = (uint8_t)a[i].x.u;
        break;
    case WACC_CT_S16: case WACC_CT_U16:
        for (i = 0; i < n && a[i].kind == et->kind; i++) wr16(p + 2 * i, (uint16_t)a[i].x.u);
        break;
    case WACC_CT_S32: case WACC_CT_U32:
        for (i = 0; i < n && a[i].kind == et->kind; i++) wr32(p + 4 * i, (uint32_t)a[i].x.u);
        break;
    case WACC_CT_S64: case WACC_CT_U64:
        for (i = 0; i < n && a[i].kind == et->kind; i++) wr64(p + 8 * i, a[i].x.u);
        break;
    default: i = 0; break;
    }
    for (; i < n; i++) {     /* the rest (or the first mismatching element) */
        int e = store(cx, &v->x.elems[i], et, ptr + (uint64_t)i * es);
        if (e) return e;
    }
    return 0;
}

/* store_list_into_range */
static int store_list_range(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *et, uint64_t *rptr)
{
    uint32_t es = et->size[cx->mem64], al = et->align[cx->mem64];
    uint64_t bytes = (uint64_t)v->n * es, ptr = 0;
    if (bytes > 0xFFFFFFFFull)
        return abi_fail(cx, WACC_ABI_E_LENGTH, "list of %u elements too large to store", v->n);
    int e = wacc_abi_realloc(cx, 0, 0, al, bytes, &ptr);
    if (e) return e;
    if ((e = abi_check_realloc(cx, ptr, al, bytes))) return e;
    *rptr = ptr;
    return store_elems(cx, v, et, ptr);
}

static int store(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t, uint64_t ptr)
{
    if (v->kind != t->kind) return type_mismatch(cx, v, t);
    uint8_t *p = cx->mem + ptr;
    switch (t->kind) {
    case WACC_CT_BOOL: p[0] = v->x.b ? 1 : 0; return 0;
    case WACC_CT_S8: case WACC_CT_U8: p[0] = (uint8_t)v->x.u; return 0;
    case WACC_CT_S16: case WACC_CT_U16: wr16(p, (uint16_t)v->x.u); return 0;
    case WACC_CT_S32: case WACC_CT_U32: wr32(p, (uint32_t)v->x.u); return 0;
    case WACC_CT_S64: case WACC_CT_U64: wr64(p, v->x.u); return 0;
    case WACC_CT_F32: memcpy(p, &v->x.f32, 4); return 0;
    case WACC_CT_F64: memcpy(p, &v->x.f64, 8); return 0;
    case WACC_CT_CHAR: {
        int e = check_char(cx, v->x.ch);
        if (!e) wr32(p, v->x.ch);
        return e;
    }
    case WACC_CT_STRING: {
        uint64_t sp, cu;
        int e = wacc_abi_store_string(cx, v, &sp, &cu);
        if (e) return e;
        p = cx->mem + ptr;      /* realloc may have moved memory */
        wrptr(cx, p, sp);
        wrptr(cx, p + ptr_size(cx), cu);
        return 0;
    }
    case WACC_CT_LIST: {
        if (t->has_len) {
            if (v->n != t->n)
                return abi_fail(cx, WACC_ABI_E_TYPE, "fixed-length list of %u given %u elements", t->n, v->n);
            return store_elems(cx, v, t->elem, ptr);
        }
        uint64_t lp;
        int e = store_list_range(cx, v, t->elem, &lp);
        if (e) return e;
        p = cx->mem + ptr;
        wrptr(cx, p, lp);
        wrptr(cx, p + ptr_size(cx), v->n);
        return 0;
    }
    case WACC_CT_RECORD: case WACC_CT_TUPLE:
        if (v->n != t->n || !v->x.elems)
            return abi_fail(cx, WACC_ABI_E_TYPE, "record of %u fields given %u values", t->n, v->n);
        for (uint32_t i = 0; i < t->n; i++) {
            const wacc_ctype *ft = t->fields[i].type;
            ptr = align_to(ptr, ft->align[cx->mem64]);
            int e = store(cx, &v->x.elems[i], ft, ptr);
            if (e) return e;
            ptr += ft->size[cx->mem64];
        }
        return 0;
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT: {
        uint32_t c = v->n;
        if (c >= t->n)
            return abi_fail(cx, WACC_ABI_E_TYPE, "variant value case %u out of range (%u cases)", c, t->n);
        if (t->disc_size == 1) p[0] = (uint8_t)c;
        else if (t->disc_size == 2) wr16(p, (uint16_t)c);
        else wr32(p, c);
        const wacc_ctype *ct = t->fields[c].type;
        if (!ct) return 0;
        if (!v->x.payload) return abi_fail(cx, WACC_ABI_E_TYPE, "variant case %u without its payload", c);
        return store(cx, v->x.payload, ct, align_to(ptr + t->disc_size, t->case_align[cx->mem64]));
    }
    case WACC_CT_FLAGS: {
        uint32_t bits = (uint32_t)v->x.u & flags_mask(t);
        if (t->disc_size == 1) p[0] = (uint8_t)bits;
        else if (t->disc_size == 2) wr16(p, (uint16_t)bits);
        else wr32(p, bits);
        return 0;
    }
    default: {
        uint32_t h;
        int e = abi_lower_handle(cx, v, t, &h);
        if (!e) wr32(cx->mem + ptr, h);
        return e;
    }
    }
}

int wacc_abi_store(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t, uint64_t ptr)
{
    int e = check_top(cx, ptr, t->align[cx->mem64], t->size[cx->mem64], "store");
    return e ? e : store(cx, v, t, ptr);
}

/* ---- lift_flat ---------------------------------------------------------------- */

static inline uint64_t flat_ptr(const wacc_abi_cx *cx, const wacc_val *v)
{
    return cx->mem64 ? (uint64_t)v->i64 : (uint32_t)v->i32;
}

static int lift_flat(wacc_abi_cx *cx, const wacc_val *vals, uint32_t *pos, const wacc_ctype *t, wacc_cval *out)
{
    const wacc_val *v = &vals[*pos];
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case WACC_CT_BOOL: out->x.b = v->i32 != 0; break;
    case WACC_CT_S8: out->x.s = (int8_t)v->i32; break;
    case WACC_CT_U8: out->x.u = (uint8_t)v->i32; break;
    case WACC_CT_S16: out->x.s = (int16_t)v->i32; break;
    case WACC_CT_U16: out->x.u = (uint16_t)v->i32; break;
    case WACC_CT_S32: out->x.s = v->i32; break;
    case WACC_CT_U32: out->x.u = (uint32_t)v->i32; break;
    case WACC_CT_S64: out->x.s = v->i64; break;
    case WACC_CT_U64: out->x.u = (uint64_t)v->i64; break;
    case WACC_CT_F32: out->x.f32 = canon32(v->f32); break;
    case WACC_CT_F64: out->x.f64 = canon64(v->f64); break;
    case WACC_CT_CHAR: {
        out->x.ch = (uint32_t)v->i32;
        int e = check_char(cx, out->x.ch);
        if (e) return e;
        break;
    }
    case WACC_CT_STRING:
        *pos += 2;
        return wacc_abi_load_string(cx, flat_ptr(cx, v), flat_ptr(cx, v + 1), out);
    case WACC_CT_LIST:
        if (t->has_len) {
            wacc_cval *a = abi_alloc(cx, sizeof *a * t->n);
            if (!a) return WACC_ABI_E_OOM;
            for (uint32_t i = 0; i < t->n; i++) {
                int e = lift_flat(cx, vals, pos, t->elem, &a[i]);
                if (e) return e;
            }
            out->x.elems = a;
            out->n = t->n;
            return 0;
        }
        *pos += 2;
        if (!cx->mem) return abi_fail(cx, WACC_ABI_E_NO_MEMORY, "list lifted without a memory option");
        return load_list_range(cx, flat_ptr(cx, v), flat_ptr(cx, v + 1), t->elem, out);
    case WACC_CT_RECORD: case WACC_CT_TUPLE: {
        wacc_cval *a = abi_alloc(cx, sizeof *a * t->n);
        if (!a) return WACC_ABI_E_OOM;
        for (uint32_t i = 0; i < t->n; i++) {
            int e = lift_flat(cx, vals, pos, t->fields[i].type, &a[i]);
            if (e) return e;
        }
        out->x.elems = a;
        out->n = t->n;
        return 0;
    }
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT: {
        uint32_t start = *pos, c = (uint32_t)v->i32;
        if (c >= t->n)
            return abi_fail(cx, WACC_ABI_E_DISCRIMINANT, "invalid variant discriminant: discriminant %u out of range [0..%u)", c, t->n);
        out->n = c;
        const wacc_ctype *ct = t->fields[c].type;
        if (ct) {
            wacc_cval *pl = abi_alloc(cx, sizeof *pl);
            if (!pl) return WACC_ABI_E_OOM;
            out->x.payload = pl;
            *pos = start + 1;
            int e = lift_flat(cx, vals, pos, ct, pl);
            if (e) return e;
        }
        *pos = start + t->nflat;
        return 0;
    }
    case WACC_CT_FLAGS: out->x.u = (uint32_t)v->i32 & flags_mask(t); break;
    default: {
        *pos += 1;
        return abi_lift_handle(cx, (uint32_t)v->i32, t, out);
    }
    }
    *pos += 1;
    return 0;
}

int wacc_abi_lift_flat(wacc_abi_cx *cx, const wacc_val *vals, uint32_t nvals, uint32_t *pos,
                       const wacc_ctype *t, wacc_cval *out)
{
    if (*pos > nvals || t->nflat > nvals - *pos)
        return abi_fail(cx, WACC_ABI_E_FLAT, "%u flat values needed, %u given", t->nflat, nvals - *pos);
    return lift_flat(cx, vals, pos, t, out);
}

/* ---- lower_flat --------------------------------------------------------------- */

static inline void put32(wacc_val *o, uint32_t x) { o->u64[0] = x; }
static inline void put64(wacc_val *o, uint64_t x) { o->u64[0] = x; }

static int lower_flat(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t, wacc_val *out, uint32_t *pos)
{
    if (v->kind != t->kind) return type_mismatch(cx, v, t);
    wacc_val *o = &out[*pos];
    switch (t->kind) {
    case WACC_CT_BOOL: put32(o, v->x.b ? 1 : 0); break;
    case WACC_CT_S8: case WACC_CT_U8: case WACC_CT_S16: case WACC_CT_U16:
    case WACC_CT_S32: case WACC_CT_U32:
        put32(o, (uint32_t)v->x.u);
        break;
    case WACC_CT_S64: case WACC_CT_U64: put64(o, v->x.u); break;
    case WACC_CT_F32: {
        uint32_t b;
        memcpy(&b, &v->x.f32, 4);
        put32(o, b);
        break;
    }
    case WACC_CT_F64: o->u64[0] = 0; o->f64 = v->x.f64; break;
    case WACC_CT_CHAR: {
        int e = check_char(cx, v->x.ch);
        if (e) return e;
        put32(o, v->x.ch);
        break;
    }
    case WACC_CT_STRING: {
        uint64_t sp, cu;
        int e = wacc_abi_store_string(cx, v, &sp, &cu);
        if (e) return e;
        put64(o, sp);
        put64(o + 1, cu);
        *pos += 2;
        return 0;
    }
    case WACC_CT_LIST: {
        if (t->has_len) {
            bool bytes = v->repr == WACC_CVAL_BYTES;
            if (v->n != t->n || !(bytes ? (const void *)v->x.bytes : (const void *)v->x.elems))
                return abi_fail(cx, WACC_ABI_E_TYPE, "fixed-length list of %u given %u elements", t->n, v->n);
            if (bytes && !wacc_ctype_plain(t->elem))
                return abi_fail(cx, WACC_ABI_E_TYPE, "byte-buffer list given for elements of kind %u", t->elem->kind);
            for (uint32_t i = 0; i < t->n; i++) {
                wacc_cval ev = wacc_cval_list_elem(v, t->elem, i);
                int e = lower_flat(cx, &ev, t->elem, out, pos);
                if (e) return e;
            }
            return 0;
        }
        uint64_t lp;
        int e = store_list_range(cx, v, t->elem, &lp);
        if (e) return e;
        put64(o, lp);
        put64(o + 1, v->n);
        *pos += 2;
        return 0;
    }
    case WACC_CT_RECORD: case WACC_CT_TUPLE:
        if (v->n != t->n || !v->x.elems)
            return abi_fail(cx, WACC_ABI_E_TYPE, "record of %u fields given %u values", t->n, v->n);
        for (uint32_t i = 0; i < t->n; i++) {
            int e = lower_flat(cx, &v->x.elems[i], t->fields[i].type, out, pos);
            if (e) return e;
        }
        return 0;
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT: {
        uint32_t c = v->n, start = *pos;
        if (c >= t->n)
            return abi_fail(cx, WACC_ABI_E_TYPE, "variant value case %u out of range (%u cases)", c, t->n);
        put32(o, c);
        *pos = start + 1;
        const wacc_ctype *ct = t->fields[c].type;
        if (ct) {
            if (!v->x.payload) return abi_fail(cx, WACC_ABI_E_TYPE, "variant case %u without its payload", c);
            int e = lower_flat(cx, v->x.payload, ct, out, pos);
            if (e) return e;
        }
        while (*pos < start + t->nflat) put64(&out[(*pos)++], 0);
        return 0;
    }
    case WACC_CT_FLAGS: put32(o, (uint32_t)v->x.u & flags_mask(t)); break;
    default: {
        uint32_t h;
        int e = abi_lower_handle(cx, v, t, &h);
        if (e) return e;
        put32(o, h);
        break;
    }
    }
    *pos += 1;
    return 0;
}

int wacc_abi_lower_flat(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t,
                        wacc_val *out, uint32_t cap, uint32_t *pos)
{
    if (*pos > cap || t->nflat > cap - *pos)
        return abi_fail(cx, WACC_ABI_E_FLAT, "%u flat values needed, room for %u", t->nflat, cap - *pos);
    return lower_flat(cx, v, t, out, pos);
}

/* ---- values --------------------------------------------------------------------- */

/* Alignment and size of tuple<ts...>. */
static void tuple_layout(const wacc_abi_cx *cx, const wacc_ctype *const *ts, uint32_t n,
                         uint32_t *align, uint64_t *size)
{
    uint64_t s = 0;
    uint32_t al = 1;
    for (uint32_t i = 0; i < n; i++) {
        s = align_to(s, ts[i]->align[cx->mem64]) + ts[i]->size[cx->mem64];
        if (ts[i]->align[cx->mem64] > al) al = ts[i]->align[cx->mem64];
    }
    *align = al;
    *size = align_to(s, al);
}

static uint32_t count_flat(const wacc_ctype *const *ts, uint32_t n)
{
    uint64_t k = 0;
    for (uint32_t i = 0; i < n; i++) k += ts[i]->nflat;
    return k > UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

int wacc_abi_lift_values(wacc_abi_cx *cx, uint32_t max_flat, const wacc_val *vals, uint32_t nvals,
                         uint32_t *pos, const wacc_ctype *const *ts, uint32_t n, wacc_cval *out)
{
    uint32_t nf = count_flat(ts, n);
    if (nf > max_flat) {
        if (*pos >= nvals) return abi_fail(cx, WACC_ABI_E_FLAT, "spilled values need a pointer argument");
        uint64_t ptr = flat_ptr(cx, &vals[(*pos)++]), size;
        uint32_t align;
        tuple_layout(cx, ts, n, &align, &size);
        int e = check_top(cx, ptr, align, size, "spilled values");
        if (e) return e;
        for (uint32_t i = 0; i < n; i++) {
            ptr = align_to(ptr, ts[i]->align[cx->mem64]);
            if ((e = load(cx, ptr, ts[i], &out[i]))) return e;
            ptr += ts[i]->size[cx->mem64];
        }
        return 0;
    }
    if (*pos > nvals || nf > nvals - *pos)
        return abi_fail(cx, WACC_ABI_E_FLAT, "%u flat values needed, %u given", nf, nvals - *pos);
    for (uint32_t i = 0; i < n; i++) {
        int e = lift_flat(cx, vals, pos, ts[i], &out[i]);
        if (e) return e;
    }
    return 0;
}

int wacc_abi_lower_values(wacc_abi_cx *cx, uint32_t max_flat, const wacc_cval *vs,
                          const wacc_ctype *const *ts, uint32_t n, wacc_val *out, uint32_t cap,
                          uint32_t *nout, const uint64_t *out_param)
{
    uint32_t nf = count_flat(ts, n);
    *nout = 0;
    if (nf > max_flat) {
        uint64_t ptr, size;
        uint32_t align;
        tuple_layout(cx, ts, n, &align, &size);
        if (out_param) {
            ptr = cx->mem64 ? *out_param : (uint32_t)*out_param;
        } else {
            if (cap < 1) return abi_fail(cx, WACC_ABI_E_FLAT, "no room for the spilled-values pointer");
            int e = wacc_abi_realloc(cx, 0, 0, align, size, &ptr);
            if (e || (e = abi_check_realloc(cx, ptr, align, size))) return e;
        }
        int e = check_top(cx, ptr, align, size, "spilled values");
        if (e) return e;
        uint64_t p = ptr;
        for (uint32_t i = 0; i < n; i++) {
            p = align_to(p, ts[i]->align[cx->mem64]);
            if ((e = store(cx, &vs[i], ts[i], p))) return e;
            p += ts[i]->size[cx->mem64];
        }
        if (!out_param) {
            put64(&out[0], ptr);
            *nout = 1;
        }
        return 0;
    }
    if (nf > cap) return abi_fail(cx, WACC_ABI_E_FLAT, "%u flat values needed, room for %u", nf, cap);
    uint32_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        int e = lower_flat(cx, &vs[i], ts[i], out, &pos);
        if (e) return e;
    }
    *nout = pos;
    return 0;
}
