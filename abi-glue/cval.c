/* Component values: the arena, constructors, equality, error helpers. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "abi_internal.h"

/* ---- arena ---------------------------------------------------------------- */

struct wacc_arena_chunk {
    wacc_arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_MIN_CHUNK 4096u

void wacc_arena_init(wacc_arena *a) { a->head = NULL; }

void *wacc_arena_alloc(wacc_arena *a, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    if (size == 0) size = 8;
    wacc_arena_chunk *c = a->head;
    if (c && c->size - c->used >= size) {
        void *p = c->data + c->used;
        c->used += size;
        return p;
    }
    size_t csize = c ? c->size * 2 : ARENA_MIN_CHUNK;
    if (csize > (1u << 24)) csize = 1u << 24;
    if (csize < size) csize = size;
    if (csize > SIZE_MAX - sizeof *c) return NULL;
    wacc_arena_chunk *n = malloc(sizeof *n + csize);
    if (!n) return NULL;
    n->size = csize;
    n->used = size;
    n->next = c;
    a->head = n;
    return n->data;
}

char *wacc_arena_strdup(wacc_arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = wacc_arena_alloc(a, n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Keeps the most recent (largest) chunk. */
void wacc_arena_reset(wacc_arena *a)
{
    wacc_arena_chunk *c = a->head;
    if (!c) return;
    wacc_arena_chunk *rest = c->next;
    while (rest) {
        wacc_arena_chunk *n = rest->next;
        free(rest);
        rest = n;
    }
    c->next = NULL;
    c->used = 0;
}

void wacc_arena_fini(wacc_arena *a)
{
    wacc_arena_chunk *c = a->head;
    while (c) {
        wacc_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

/* ---- errors ---------------------------------------------------------------- */

static const char *const err_names[WACC_ABI_E__COUNT] = {
    [WACC_ABI_OK] = "ok",
    [WACC_ABI_E_BOUNDS] = "out of bounds",
    [WACC_ABI_E_ALIGN] = "misaligned pointer",
    [WACC_ABI_E_LENGTH] = "length too large",
    [WACC_ABI_E_CHAR] = "invalid char",
    [WACC_ABI_E_DISCRIMINANT] = "invalid discriminant",
    [WACC_ABI_E_ENCODING] = "invalid string encoding",
    [WACC_ABI_E_HANDLE] = "invalid handle",
    [WACC_ABI_E_BORROW] = "borrow/own misuse",
    [WACC_ABI_E_MAY_LEAVE] = "cannot leave component instance",
    [WACC_ABI_E_TABLE_FULL] = "handle table full",
    [WACC_ABI_E_REALLOC] = "realloc trapped",
    [WACC_ABI_E_NO_MEMORY] = "no memory/realloc option",
    [WACC_ABI_E_TYPE] = "value does not match type",
    [WACC_ABI_E_FLAT] = "wrong number of flat values",
    [WACC_ABI_E_OOM] = "out of host memory",
    [WACC_ABI_E_DTOR] = "destructor trapped",
};

const char *wacc_abi_err_name(int err)
{
    if (err < 0 || err >= WACC_ABI_E__COUNT) return "unknown error";
    return err_names[err];
}

int abi_fail(wacc_abi_cx *cx, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cx->msg, sizeof cx->msg, fmt, ap);
    va_end(ap);
    return err;
}

int abi_failbuf(char *msg, size_t cap, int err, const char *fmt, ...)
{
    if (msg && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

void *abi_alloc(wacc_abi_cx *cx, size_t size)
{
    void *p = cx->arena ? wacc_arena_alloc(cx->arena, size) : NULL;
    if (!p)
        abi_fail(cx, WACC_ABI_E_OOM, cx->arena ? "out of host memory lifting a value"
                                               : "no arena to lift a value into");
    return p;
}

/* ---- constructors ------------------------------------------------------------ */

static wacc_cval mk(wacc_ckind kind)
{
    wacc_cval v;
    memset(&v, 0, sizeof v);
    v.kind = (uint8_t)kind;
    return v;
}

wacc_cval wacc_cval_bool(bool b) { wacc_cval v = mk(WACC_CT_BOOL); v.x.b = b; return v; }
wacc_cval wacc_cval_sint(wacc_ckind kind, int64_t s) { wacc_cval v = mk(kind); v.x.s = s; return v; }
wacc_cval wacc_cval_uint(wacc_ckind kind, uint64_t u) { wacc_cval v = mk(kind); v.x.u = u; return v; }
wacc_cval wacc_cval_f32(float f) { wacc_cval v = mk(WACC_CT_F32); v.x.f32 = f; return v; }
wacc_cval wacc_cval_f64(double f) { wacc_cval v = mk(WACC_CT_F64); v.x.f64 = f; return v; }
wacc_cval wacc_cval_char(uint32_t c) { wacc_cval v = mk(WACC_CT_CHAR); v.x.ch = c; return v; }
wacc_cval wacc_cval_flags(uint32_t bits) { wacc_cval v = mk(WACC_CT_FLAGS); v.x.u = bits; return v; }
wacc_cval wacc_cval_handle(wacc_ckind kind, uint32_t rep) { wacc_cval v = mk(kind); v.x.u = rep; return v; }
wacc_cval wacc_cval_object(wacc_ckind kind, void *obj) { wacc_cval v = mk(kind); v.x.obj = obj; return v; }

wacc_cval wacc_cval_string(const char *utf8, uint32_t len)
{
    wacc_cval v = mk(WACC_CT_STRING);
    v.x.str = utf8;
    v.n = len;
    v.units = len;
    v.strhint = WACC_STRHINT_UTF8;
    return v;
}

wacc_cval wacc_cval_list(wacc_cval *elems, uint32_t n)
{
    wacc_cval v = mk(WACC_CT_LIST);
    v.x.elems = elems;
    v.n = n;
    return v;
}

wacc_cval wacc_cval_list_bytes(const void *bytes, uint32_t n)
{
    wacc_cval v = mk(WACC_CT_LIST);
    v.repr = WACC_CVAL_BYTES;
    v.x.bytes = bytes;
    v.n = n;
    return v;
}

wacc_cval wacc_cval_record(wacc_cval *fields, uint32_t n)
{
    wacc_cval v = mk(WACC_CT_RECORD);
    v.x.elems = fields;
    v.n = n;
    return v;
}

wacc_cval wacc_cval_tuple(wacc_cval *elems, uint32_t n)
{
    wacc_cval v = mk(WACC_CT_TUPLE);
    v.x.elems = elems;
    v.n = n;
    return v;
}

wacc_cval wacc_cval_variant(wacc_ckind kind, uint32_t case_index, wacc_cval *payload)
{
    wacc_cval v = mk(kind);
    v.n = case_index;
    v.x.payload = payload;
    return v;
}

/* ---- byte-buffer lists ----------------------------------------------------------- */

/* Memory size of a plain scalar (0: not plain). */
static uint32_t plain_size(uint8_t kind)
{
    switch (kind) {
    case WACC_CT_S8: case WACC_CT_U8: return 1;
    case WACC_CT_S16: case WACC_CT_U16: return 2;
    case WACC_CT_S32: case WACC_CT_U32: case WACC_CT_F32: return 4;
    case WACC_CT_S64: case WACC_CT_U64: case WACC_CT_F64: return 8;
    default: return 0;
    }
}

bool wacc_ctype_plain(const wacc_ctype *t) { return plain_size(t->kind) != 0; }

wacc_cval wacc_cval_list_elem(const wacc_cval *list, const wacc_ctype *et, uint32_t i)
{
    if (list->repr != WACC_CVAL_BYTES) return list->x.elems[i];
    wacc_cval v = mk(et->kind);
    const uint8_t *p = list->x.bytes + (size_t)i * plain_size(et->kind);
    switch (et->kind) {
    case WACC_CT_S8: v.x.s = (int8_t)p[0]; break;
    case WACC_CT_U8: v.x.u = p[0]; break;
    case WACC_CT_S16: v.x.s = (int16_t)rd16(p); break;
    case WACC_CT_U16: v.x.u = rd16(p); break;
    case WACC_CT_S32: v.x.s = (int32_t)rd32(p); break;
    case WACC_CT_U32: v.x.u = rd32(p); break;
    case WACC_CT_S64: v.x.s = (int64_t)rd64(p); break;
    case WACC_CT_U64: v.x.u = rd64(p); break;
    case WACC_CT_F32: memcpy(&v.x.f32, p, 4); break;
    case WACC_CT_F64: memcpy(&v.x.f64, p, 8); break;
    default: v.kind = 0; break;     /* not plain: matches no type */
    }
    return v;
}

const uint8_t *wacc_cval_list_data(const wacc_cval *list, const wacc_ctype *et, void *dst)
{
    uint32_t es = plain_size(et->kind), n = list->n;
    if (!es) return NULL;
    if (list->repr == WACC_CVAL_BYTES) return list->x.bytes;
    const wacc_cval *a = list->x.elems;
    uint8_t *p = dst;
    if (n && !a) return NULL;
    uint8_t k = et->kind;
    if (es == 1) {     /* the common case (list<u8>): one pass */
        for (uint32_t i = 0; i < n; i++) {
            if (a[i].kind != k) return NULL;
            p[i] = (uint8_t)a[i].x.u;
        }
        return p;
    }
    for (uint32_t i = 0; i < n; i++)
        if (a[i].kind != k) return NULL;
    switch (es) {
    case 2: for (uint32_t i = 0; i < n; i++) wr16(p + 2 * i, (uint16_t)a[i].x.u); break;
    case 4:
        if (et->kind == WACC_CT_F32)
            for (uint32_t i = 0; i < n; i++) memcpy(p + 4 * i, &a[i].x.f32, 4);
        else
            for (uint32_t i = 0; i < n; i++) wr32(p + 4 * i, (uint32_t)a[i].x.u);
        break;
    default:
        if (et->kind == WACC_CT_F64)
            for (uint32_t i = 0; i < n; i++) memcpy(p + 8 * i, &a[i].x.f64, 8);
        else
            for (uint32_t i = 0; i < n; i++) wr64(p + 8 * i, a[i].x.u);
        break;
    }
    return p;
}

/* ---- equality ---------------------------------------------------------------- */

bool wacc_cval_equal(const wacc_cval *a, const wacc_cval *b, const wacc_ctype *t)
{
    if (a->kind != t->kind || b->kind != t->kind) return false;
    switch (t->kind) {
    case WACC_CT_BOOL: return a->x.b == b->x.b;
    case WACC_CT_S8: case WACC_CT_S16: case WACC_CT_S32: case WACC_CT_S64:
        return a->x.s == b->x.s;
    case WACC_CT_U8: case WACC_CT_U16: case WACC_CT_U32: case WACC_CT_U64:
    case WACC_CT_OWN: case WACC_CT_BORROW:
        return a->x.u == b->x.u;
    case WACC_CT_FLAGS: {
        uint64_t m = t->n == 32 ? 0xFFFFFFFFu : ((1u << t->n) - 1);
        return (a->x.u & m) == (b->x.u & m);
    }
    case WACC_CT_F32: {
        float fa = a->x.f32, fb = b->x.f32;
        if (fa != fa && fb != fb) return true;
        return memcmp(&fa, &fb, sizeof fa) == 0;
    }
    case WACC_CT_F64: {
        double fa = a->x.f64, fb = b->x.f64;
        if (fa != fa && fb != fb) return true;
        return memcmp(&fa, &fb, sizeof fa) == 0;
    }
    case WACC_CT_CHAR: return a->x.ch == b->x.ch;
    case WACC_CT_STRING:
        return a->n == b->n && (a->n == 0 || memcmp(a->x.str, b->x.str, a->n) == 0);
    case WACC_CT_LIST:
        if (a->n != b->n) return false;
        if (a->repr == WACC_CVAL_ELEMS && b->repr == WACC_CVAL_ELEMS) {
            for (uint32_t i = 0; i < a->n; i++)
                if (!wacc_cval_equal(&a->x.elems[i], &b->x.elems[i], t->elem)) return false;
            return true;
        }
        if ((a->repr == WACC_CVAL_BYTES || b->repr == WACC_CVAL_BYTES) && !wacc_ctype_plain(t->elem))
            return false;
        for (uint32_t i = 0; i < a->n; i++) {
            wacc_cval x = wacc_cval_list_elem(a, t->elem, i), y = wacc_cval_list_elem(b, t->elem, i);
            if (!wacc_cval_equal(&x, &y, t->elem)) return false;
        }
        return true;
    case WACC_CT_RECORD: case WACC_CT_TUPLE:
        if (a->n != t->n || b->n != t->n) return false;
        for (uint32_t i = 0; i < t->n; i++)
            if (!wacc_cval_equal(&a->x.elems[i], &b->x.elems[i], t->fields[i].type)) return false;
        return true;
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT: {
        if (a->n != b->n || a->n >= t->n) return false;
        const wacc_ctype *ct = t->fields[a->n].type;
        if (!ct) return true;
        if (!a->x.payload || !b->x.payload) return false;
        return wacc_cval_equal(a->x.payload, b->x.payload, ct);
    }
    default:
        return a->x.obj == b->x.obj;
    }
}
