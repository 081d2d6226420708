/* Component value types: construction, despecialisation, alignment,
 * elem_size and flattening (CanonicalABI.md "Despecialization" to
 * "Flattening"). Everything is computed once when a type is built. */
#include <stdlib.h>
#include <string.h>

#include "abi_internal.h"

#define SAT UINT32_MAX

static uint32_t sat_add(uint32_t a, uint32_t b) { return a > SAT - b ? SAT : a + b; }

static uint32_t sat_mul(uint32_t a, uint32_t b)
{
    if (a && b > SAT / a) return SAT;
    return a * b;
}

#define PRIM(K, A, S, F) \
    [K] = { .kind = K, .align = { A, A }, .size = { S, S }, .nflat = 1, \
            .flat = { { F }, { F } } }

static const wacc_ctype prims[WACC_CT__COUNT] = {
    PRIM(WACC_CT_BOOL, 1, 1, WACC_FLAT_I32),
    PRIM(WACC_CT_S8, 1, 1, WACC_FLAT_I32),
    PRIM(WACC_CT_U8, 1, 1, WACC_FLAT_I32),
    PRIM(WACC_CT_S16, 2, 2, WACC_FLAT_I32),
    PRIM(WACC_CT_U16, 2, 2, WACC_FLAT_I32),
    PRIM(WACC_CT_S32, 4, 4, WACC_FLAT_I32),
    PRIM(WACC_CT_U32, 4, 4, WACC_FLAT_I32),
    PRIM(WACC_CT_S64, 8, 8, WACC_FLAT_I64),
    PRIM(WACC_CT_U64, 8, 8, WACC_FLAT_I64),
    PRIM(WACC_CT_F32, 4, 4, WACC_FLAT_F32),
    PRIM(WACC_CT_F64, 8, 8, WACC_FLAT_F64),
    PRIM(WACC_CT_CHAR, 4, 4, WACC_FLAT_I32),
    [WACC_CT_STRING] = { .kind = WACC_CT_STRING, .align = { 4, 8 }, .size = { 8, 16 }, .nflat = 2,
                         .flat = { { WACC_FLAT_I32, WACC_FLAT_I32 }, { WACC_FLAT_I64, WACC_FLAT_I64 } } },
    PRIM(WACC_CT_ERROR_CONTEXT, 4, 4, WACC_FLAT_I32),
};

const wacc_ctype *wacc_ctype_prim(wacc_ckind kind)
{
    if ((unsigned)kind >= WACC_CT__COUNT || prims[kind].kind == 0) return NULL;
    return &prims[kind];
}

bool wacc_ctype_is_variant_like(const wacc_ctype *t)
{
    return t->kind == WACC_CT_VARIANT || t->kind == WACC_CT_ENUM ||
           t->kind == WACC_CT_OPTION || t->kind == WACC_CT_RESULT;
}

bool wacc_ctype_is_record_like(const wacc_ctype *t)
{
    return t->kind == WACC_CT_RECORD || t->kind == WACC_CT_TUPLE;
}

static wacc_ctype *new_type(wacc_arena *a, wacc_ckind kind)
{
    wacc_ctype *t = wacc_arena_alloc(a, sizeof *t);
    if (!t) return NULL;
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)kind;
    return t;
}

/* Handles (own, borrow, stream, future): i32 sized. */
static const wacc_ctype *handle_type(wacc_arena *a, wacc_ckind kind, const wacc_resource_type *rt,
                                     const wacc_ctype *payload)
{
    wacc_ctype *t = new_type(a, kind);
    if (!t) return NULL;
    t->align[0] = t->align[1] = 4;
    t->size[0] = t->size[1] = 4;
    t->nflat = 1;
    t->flat[0][0] = t->flat[1][0] = WACC_FLAT_I32;
    t->rt = rt;
    t->elem = payload;
    return t;
}

const wacc_ctype *wacc_ctype_own(wacc_arena *a, const wacc_resource_type *rt)
{
    return rt ? handle_type(a, WACC_CT_OWN, rt, NULL) : NULL;
}

const wacc_ctype *wacc_ctype_borrow(wacc_arena *a, const wacc_resource_type *rt)
{
    return rt ? handle_type(a, WACC_CT_BORROW, rt, NULL) : NULL;
}

const wacc_ctype *wacc_ctype_stream(wacc_arena *a, const wacc_ctype *payload)
{
    return handle_type(a, WACC_CT_STREAM, NULL, payload);
}

const wacc_ctype *wacc_ctype_future(wacc_arena *a, const wacc_ctype *payload)
{
    return handle_type(a, WACC_CT_FUTURE, NULL, payload);
}

const wacc_ctype *wacc_ctype_list(wacc_arena *a, const wacc_ctype *elem)
{
    if (!elem) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_LIST);
    if (!t) return NULL;
    t->elem = elem;
    t->align[0] = 4, t->align[1] = 8;
    t->size[0] = 8, t->size[1] = 16;
    t->nflat = 2;
    t->flat[0][0] = t->flat[0][1] = WACC_FLAT_I32;
    t->flat[1][0] = t->flat[1][1] = WACC_FLAT_I64;
    return t;
}

const wacc_ctype *wacc_ctype_list_fixed(wacc_arena *a, const wacc_ctype *elem, uint32_t len)
{
    if (!elem || len == 0) return NULL;
    for (int p = 0; p < 2; p++)
        if ((uint64_t)elem->size[p] * len > WACC_ABI_MAX_ELEM_SIZE) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_LIST);
    if (!t) return NULL;
    t->elem = elem;
    t->has_len = 1;
    t->n = len;
    for (int p = 0; p < 2; p++) {
        t->align[p] = elem->align[p];
        t->size[p] = elem->size[p] * len;
    }
    t->nflat = sat_mul(elem->nflat, len);
    if (t->nflat <= WACC_ABI_MAX_FLAT)
        for (int p = 0; p < 2; p++)
            for (uint32_t i = 0; i < len; i++)
                memcpy(&t->flat[p][i * elem->nflat], elem->flat[p], elem->nflat);
    return t;
}

/* Record layout over fields already stored in t->fields. */
static const wacc_ctype *finish_record(wacc_ctype *t)
{
    for (int p = 0; p < 2; p++) {
        uint64_t s = 0;
        uint32_t al = 1;
        for (uint32_t i = 0; i < t->n; i++) {
            const wacc_ctype *f = t->fields[i].type;
            s = align_to(s, f->align[p]);
            s += f->size[p];
            if (f->align[p] > al) al = f->align[p];
            if (s > WACC_ABI_MAX_ELEM_SIZE) return NULL;
        }
        s = align_to(s, al);
        if (s == 0 || s > WACC_ABI_MAX_ELEM_SIZE) return NULL;
        t->align[p] = (uint8_t)al;
        t->size[p] = (uint32_t)s;
    }
    uint32_t nf = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        const wacc_ctype *f = t->fields[i].type;
        uint32_t total = sat_add(nf, f->nflat);
        if (total <= WACC_ABI_MAX_FLAT)
            for (int p = 0; p < 2; p++) memcpy(&t->flat[p][nf], f->flat[p], f->nflat);
        nf = total;
    }
    t->nflat = nf;
    return t;
}

static wacc_cfield *copy_fields(wacc_arena *a, const wacc_cfield *in, uint32_t n, bool payload_optional)
{
    wacc_cfield *f = wacc_arena_alloc(a, sizeof *f * n);
    if (!f) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!in[i].type && !payload_optional) return NULL;
        f[i].type = in[i].type;
        f[i].label = in[i].label ? wacc_arena_strdup(a, in[i].label) : NULL;
        if (in[i].label && !f[i].label) return NULL;
    }
    return f;
}

const wacc_ctype *wacc_ctype_record(wacc_arena *a, const wacc_cfield *fields, uint32_t n)
{
    if (n == 0 || !fields) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_RECORD);
    if (!t) return NULL;
    t->n = n;
    if (!(t->fields = copy_fields(a, fields, n, false))) return NULL;
    return finish_record(t);
}

static const char *const digit_labels[10] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

const wacc_ctype *wacc_ctype_tuple(wacc_arena *a, const wacc_ctype *const *types, uint32_t n)
{
    if (n == 0 || !types) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_TUPLE);
    if (!t) return NULL;
    wacc_cfield *f = wacc_arena_alloc(a, sizeof *f * n);
    if (!f) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!types[i]) return NULL;
        f[i].type = types[i];
        f[i].label = i < 10 ? digit_labels[i] : NULL;
    }
    t->n = n;
    t->fields = f;
    return finish_record(t);
}

static uint8_t join(uint8_t a, uint8_t b)
{
    if (a == b) return a;
    if ((a == WACC_FLAT_I32 && b == WACC_FLAT_F32) || (a == WACC_FLAT_F32 && b == WACC_FLAT_I32))
        return WACC_FLAT_I32;
    return WACC_FLAT_I64;
}

/* Variant layout over cases already stored in t->fields. */
static const wacc_ctype *finish_variant(wacc_ctype *t)
{
    uint32_t n = t->n;
    t->disc_size = n <= 256 ? 1 : n <= 65536 ? 2 : 4;
    for (int p = 0; p < 2; p++) {
        uint32_t ca = 1;
        uint64_t cs = 0;
        for (uint32_t i = 0; i < n; i++) {
            const wacc_ctype *c = t->fields[i].type;
            if (!c) continue;
            if (c->align[p] > ca) ca = c->align[p];
            if (c->size[p] > cs) cs = c->size[p];
        }
        uint32_t al = ca > t->disc_size ? ca : t->disc_size;
        uint64_t s = align_to(t->disc_size, ca) + cs;
        s = align_to(s, al);
        if (s > WACC_ABI_MAX_ELEM_SIZE) return NULL;
        t->case_align[p] = (uint8_t)ca;
        t->align[p] = (uint8_t)al;
        t->size[p] = (uint32_t)s;
    }
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++)
        if (t->fields[i].type && t->fields[i].type->nflat > np) np = t->fields[i].type->nflat;
    t->nflat = sat_add(np, 1);
    if (t->nflat <= WACC_ABI_MAX_FLAT) {
        for (int p = 0; p < 2; p++) {
            uint8_t *flat = t->flat[p];
            flat[0] = WACC_FLAT_I32;
            uint32_t len = 0;
            for (uint32_t i = 0; i < n; i++) {
                const wacc_ctype *c = t->fields[i].type;
                if (!c) continue;
                for (uint32_t k = 0; k < c->nflat; k++) {
                    if (k < len) flat[1 + k] = join(flat[1 + k], c->flat[p][k]);
                    else flat[1 + k] = c->flat[p][k], len = k + 1;
                }
            }
        }
    }
    return t;
}

const wacc_ctype *wacc_ctype_variant(wacc_arena *a, const wacc_cfield *cases, uint32_t n)
{
    if (n == 0 || !cases) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_VARIANT);
    if (!t) return NULL;
    t->n = n;
    if (!(t->fields = copy_fields(a, cases, n, true))) return NULL;
    return finish_variant(t);
}

const wacc_ctype *wacc_ctype_enum(wacc_arena *a, const char *const *labels, uint32_t n)
{
    if (n == 0 || !labels) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_ENUM);
    if (!t) return NULL;
    wacc_cfield *f = wacc_arena_alloc(a, sizeof *f * n);
    if (!f) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        f[i].type = NULL;
        f[i].label = labels[i] ? wacc_arena_strdup(a, labels[i]) : NULL;
    }
    t->n = n;
    t->fields = f;
    return finish_variant(t);
}

const wacc_ctype *wacc_ctype_option(wacc_arena *a, const wacc_ctype *some)
{
    if (!some) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_OPTION);
    wacc_cfield *f = wacc_arena_alloc(a, sizeof *f * 2);
    if (!t || !f) return NULL;
    f[0] = (wacc_cfield){ "none", NULL };
    f[1] = (wacc_cfield){ "some", some };
    t->n = 2;
    t->fields = f;
    t->elem = some;
    return finish_variant(t);
}

const wacc_ctype *wacc_ctype_result(wacc_arena *a, const wacc_ctype *ok, const wacc_ctype *err)
{
    wacc_ctype *t = new_type(a, WACC_CT_RESULT);
    wacc_cfield *f = wacc_arena_alloc(a, sizeof *f * 2);
    if (!t || !f) return NULL;
    f[0] = (wacc_cfield){ "ok", ok };
    f[1] = (wacc_cfield){ "error", err };
    t->n = 2;
    t->fields = f;
    return finish_variant(t);
}

const wacc_ctype *wacc_ctype_flags(wacc_arena *a, const char *const *labels, uint32_t n)
{
    if (n == 0 || n > 32 || !labels) return NULL;
    wacc_ctype *t = new_type(a, WACC_CT_FLAGS);
    const char **l = wacc_arena_alloc(a, sizeof *l * n);
    if (!t || !l) return NULL;
    for (uint32_t i = 0; i < n; i++)
        l[i] = labels[i] ? wacc_arena_strdup(a, labels[i]) : NULL;
    uint8_t s = n <= 8 ? 1 : n <= 16 ? 2 : 4;
    t->n = n;
    t->labels = l;
    t->disc_size = s;
    t->align[0] = t->align[1] = s;
    t->size[0] = t->size[1] = s;
    t->nflat = 1;
    t->flat[0][0] = t->flat[1][0] = WACC_FLAT_I32;
    return t;
}

bool wacc_ctype_contains_borrow(const wacc_ctype *t)
{
    if (!t) return false;
    switch (t->kind) {
    case WACC_CT_BORROW: return true;
    case WACC_CT_LIST: case WACC_CT_STREAM: case WACC_CT_FUTURE:
        return wacc_ctype_contains_borrow(t->elem);
    case WACC_CT_RECORD: case WACC_CT_TUPLE: case WACC_CT_VARIANT: case WACC_CT_OPTION:
    case WACC_CT_RESULT:
        for (uint32_t i = 0; i < t->n; i++)
            if (wacc_ctype_contains_borrow(t->fields[i].type)) return true;
        return false;
    default: return false;
    }
}

static bool label_eq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

bool wacc_ctype_equal(const wacc_ctype *a, const wacc_ctype *b)
{
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind || a->n != b->n || a->has_len != b->has_len) return false;
    switch (a->kind) {
    case WACC_CT_LIST: case WACC_CT_STREAM: case WACC_CT_FUTURE:
        return wacc_ctype_equal(a->elem, b->elem);
    case WACC_CT_OWN: case WACC_CT_BORROW:
        return a->rt == b->rt;
    case WACC_CT_RECORD: case WACC_CT_TUPLE: case WACC_CT_VARIANT: case WACC_CT_ENUM:
    case WACC_CT_OPTION: case WACC_CT_RESULT:
        for (uint32_t i = 0; i < a->n; i++)
            if (!label_eq(a->fields[i].label, b->fields[i].label) ||
                !wacc_ctype_equal(a->fields[i].type, b->fields[i].type))
                return false;
        return true;
    case WACC_CT_FLAGS:
        for (uint32_t i = 0; i < a->n; i++)
            if (!label_eq(a->labels[i], b->labels[i])) return false;
        return true;
    default:
        return true;
    }
}

/* Slow path for types with more than WACC_ABI_MAX_FLAT flat values. */
static uint32_t flatten_rec(const wacc_ctype *t, int p, uint8_t *out, uint32_t cap, uint32_t at)
{
    if (t->nflat <= WACC_ABI_MAX_FLAT) {
        for (uint32_t i = 0; i < t->nflat && at + i < cap; i++) out[at + i] = t->flat[p][i];
        return at + t->nflat;
    }
    switch (t->kind) {
    case WACC_CT_LIST:
        for (uint32_t i = 0; i < t->n && at < cap; i++) at = flatten_rec(t->elem, p, out, cap, at);
        return at;
    case WACC_CT_RECORD: case WACC_CT_TUPLE:
        for (uint32_t i = 0; i < t->n && at < cap; i++) at = flatten_rec(t->fields[i].type, p, out, cap, at);
        return at;
    default: {
        /* variant: discriminant then the join of every case's flattening */
        if (at < cap) out[at] = WACC_FLAT_I32;
        uint32_t base = at + 1, len = 0;
        uint8_t tmp[64];
        for (uint32_t c = 0; c < t->n; c++) {
            const wacc_ctype *ct = t->fields[c].type;
            if (!ct) continue;
            uint32_t room = cap > base ? cap - base : 0;
            if (room > 64) room = 64;
            uint32_t k = flatten_rec(ct, p, tmp, room, 0);
            if (k > room) k = room;
            for (uint32_t i = 0; i < k; i++) {
                if (i < len) out[base + i] = join(out[base + i], tmp[i]);
                else out[base + i] = tmp[i], len = i + 1;
            }
        }
        return at + 1 + len;
    }
    }
}

uint32_t wacc_flatten_type(const wacc_ctype *t, bool mem64, uint8_t *out, uint32_t cap)
{
    if (t->nflat <= WACC_ABI_MAX_FLAT) {
        memcpy(out, t->flat[mem64], t->nflat < cap ? t->nflat : cap);
        return t->nflat;
    }
    flatten_rec(t, mem64, out, cap, 0);
    return t->nflat;
}

void wacc_flatten_functype(const wacc_ctype *const *params, uint32_t nparams,
                           const wacc_ctype *result, bool mem64, bool async_, bool callback,
                           int context, wacc_core_functype *out)
{
    memset(out, 0, sizeof *out);
    uint8_t ptrt = mem64 ? WACC_FLAT_I64 : WACC_FLAT_I32;
    uint32_t np = 0;
    for (uint32_t i = 0; i < nparams; i++) np = sat_add(np, params[i]->nflat);
    uint32_t nr = result ? result->nflat : 0;

    uint32_t max_params = WACC_ABI_MAX_FLAT_PARAMS;
    if (async_ && context == WACC_ABI_LOWER) max_params = WACC_ABI_MAX_FLAT_ASYNC_PARAMS;
    if (np > max_params) {
        out->params[0] = ptrt;
        out->nparams = 1;
        out->params_spilled = true;
    } else {
        for (uint32_t i = 0; i < nparams; i++) {
            memcpy(&out->params[out->nparams], params[i]->flat[mem64], params[i]->nflat);
            out->nparams += params[i]->nflat;
        }
    }
    if (!async_) {
        if (nr > WACC_ABI_MAX_FLAT_RESULTS) {
            out->results_spilled = true;
            if (context == WACC_ABI_LIFT) {
                out->results[0] = ptrt;
                out->nresults = 1;
            } else {
                out->params[out->nparams++] = ptrt;
            }
        } else if (nr) {
            memcpy(out->results, result->flat[mem64], nr);
            out->nresults = nr;
        }
        return;
    }
    if (context == WACC_ABI_LIFT) {
        if (callback) out->results[0] = WACC_FLAT_I32, out->nresults = 1;
    } else {
        if (nr > 0) {
            out->params[out->nparams++] = ptrt;
            out->results_spilled = true;
        }
        out->results[0] = WACC_FLAT_I32;
        out->nresults = 1;
    }
}
