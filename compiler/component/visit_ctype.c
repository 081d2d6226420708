/* visit_ctype.c — the canon-site visitor: a validated function type (the
 * validator's semantic types) converted into abi-glue types (wacc_ctype). */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "vint.h"

static wacc_ckind prim_kind(uint8_t prim)
{
    switch (prim) {
    case WACC_PT_BOOL: return WACC_CT_BOOL;
    case WACC_PT_S8: return WACC_CT_S8;
    case WACC_PT_U8: return WACC_CT_U8;
    case WACC_PT_S16: return WACC_CT_S16;
    case WACC_PT_U16: return WACC_CT_U16;
    case WACC_PT_S32: return WACC_CT_S32;
    case WACC_PT_U32: return WACC_CT_U32;
    case WACC_PT_S64: return WACC_CT_S64;
    case WACC_PT_U64: return WACC_CT_U64;
    case WACC_PT_F32: return WACC_CT_F32;
    case WACC_PT_F64: return WACC_CT_F64;
    case WACC_PT_CHAR: return WACC_CT_CHAR;
    case WACC_PT_STRING: return WACC_CT_STRING;
    case WACC_PT_ERROR_CONTEXT: return WACC_CT_ERROR_CONTEXT;
    }
    return 0;
}

/* A NUL-terminated arena copy of a borrowed label (NULL stays NULL). */
static const char *label_dup(wacc_arena *a, const sfield *f, bool *oom)
{
    if (!f->label)
        return NULL;
    char *s = wacc_arena_alloc(a, (size_t)f->label_len + 1);
    if (!s) {
        *oom = true;
        return NULL;
    }
    memcpy(s, f->label, f->label_len);
    s[f->label_len] = 0;
    return s;
}

/* The placeholder resource type of a resource (one per resource root, so
 * the same resource converts to the same identity). */
static const wacc_resource_type *placeholder(vctx *v, uint32_t res)
{
    vvisit *w = v->visit;
    uint32_t r = rroot(v, res);
    for (uint32_t i = 0; i < w->nres; i++)
        if (w->res_ids[i] == r)
            return w->res[i];
    wacc_resource_type *rt = wacc_arena_alloc(w->arena, sizeof *rt);
    if (!rt)
        return NULL;
    memset(rt, 0, sizeof *rt);
    if (w->nres == w->capres) {
        uint32_t cap = w->capres ? w->capres * 2 : 8;
        uint32_t *ids = realloc(w->res_ids, cap * sizeof *ids);
        if (!ids)
            return NULL;
        w->res_ids = ids;
        wacc_resource_type **rs = realloc(w->res, cap * sizeof *rs);
        if (!rs)
            return NULL;
        w->res = rs;
        w->capres = cap;
    }
    w->res_ids[w->nres] = r;
    w->res[w->nres++] = rt;
    return rt;
}

static const wacc_ctype *convert(vctx *v, sval t);

/* Fields/cases of a record or variant; tuple element types into `types`. */
static bool convert_fields(vctx *v, const ty *x, wacc_cfield *out, bool need_types)
{
    wacc_arena *a = v->visit->arena;
    bool oom = false;
    for (uint32_t i = 0; i < x->nfields; i++) {
        out[i].label = label_dup(a, &x->fields[i], &oom);
        out[i].type = NULL;
        if (oom)
            return false;
        if (x->fields[i].has || need_types) {
            out[i].type = convert(v, x->fields[i].t);
            if (!out[i].type)
                return false;
        }
    }
    return true;
}

static const wacc_ctype *convert_node(vctx *v, uint32_t id)
{
    wacc_arena *a = v->visit->arena;
    const ty *x = TY(v, id);
    uint32_t n = x->nfields;
    switch (x->kind) {
    case WACC_DT_RECORD: case WACC_DT_VARIANT: case WACC_DT_TUPLE: {
        if (!n)
            return NULL;
        wacc_cfield *f = calloc(n, sizeof *f);
        if (!f)
            return NULL;
        const wacc_ctype *r = NULL;
        if (convert_fields(v, TY(v, id), f, x->kind != WACC_DT_VARIANT)) {
            x = TY(v, id);
            if (x->kind == WACC_DT_RECORD) {
                r = wacc_ctype_record(a, f, n);
            } else if (x->kind == WACC_DT_VARIANT) {
                r = wacc_ctype_variant(a, f, n);
            } else {
                const wacc_ctype **ts = calloc(n, sizeof *ts);
                if (ts) {
                    for (uint32_t i = 0; i < n; i++)
                        ts[i] = f[i].type;
                    r = wacc_ctype_tuple(a, ts, n);
                    free(ts);
                }
            }
        }
        free(f);
        return r;
    }
    case WACC_DT_FLAGS: case WACC_DT_ENUM: {
        if (!n)
            return NULL;
        const char **labels = calloc(n, sizeof *labels);
        if (!labels)
            return NULL;
        bool oom = false;
        for (uint32_t i = 0; i < n && !oom; i++)
            labels[i] = label_dup(a, &x->fields[i], &oom);
        const wacc_ctype *r = NULL;
        if (!oom)
            r = x->kind == WACC_DT_FLAGS ? wacc_ctype_flags(a, labels, n)
                                         : wacc_ctype_enum(a, labels, n);
        free(labels);
        return r;
    }
    case WACC_DT_LIST: case WACC_DT_FIXED_LIST: {
        uint32_t len = x->len;
        bool fixed = x->kind == WACC_DT_FIXED_LIST;
        const wacc_ctype *e = convert(v, x->t);
        if (!e)
            return NULL;
        return fixed ? wacc_ctype_list_fixed(a, e, len) : wacc_ctype_list(a, e);
    }
    case WACC_DT_MAP: {
        /* map<K, V> is list<tuple<K, V>> in the Canonical ABI */
        sval ku = x->u;
        const wacc_ctype *kv[2];
        kv[0] = convert(v, TY(v, id)->t);
        kv[1] = kv[0] ? convert(v, ku) : NULL;
        if (!kv[1])
            return NULL;
        const wacc_ctype *tup = wacc_ctype_tuple(a, kv, 2);
        return tup ? wacc_ctype_list(a, tup) : NULL;
    }
    case WACC_DT_OPTION: {
        const wacc_ctype *e = convert(v, x->t);
        return e ? wacc_ctype_option(a, e) : NULL;
    }
    case WACC_DT_RESULT: {
        bool has_u = x->has_u;
        sval u = x->u;
        const wacc_ctype *ok = NULL, *er = NULL;
        if (x->has_t && !(ok = convert(v, x->t)))
            return NULL;
        if (has_u && !(er = convert(v, u)))
            return NULL;
        return wacc_ctype_result(a, ok, er);
    }
    case WACC_DT_OWN: case WACC_DT_BORROW: {
        bool own = x->kind == WACC_DT_OWN;
        if (x->t.prim)
            return NULL;
        const wacc_resource_type *rt = placeholder(v, x->t.id);
        if (!rt)
            return NULL;
        return own ? wacc_ctype_own(a, rt) : wacc_ctype_borrow(a, rt);
    }
    case WACC_DT_STREAM: case WACC_DT_FUTURE: {
        bool stream = x->kind == WACC_DT_STREAM;
        const wacc_ctype *e = NULL;
        if (x->has_t && !(e = convert(v, x->t)))
            return NULL;
        return stream ? wacc_ctype_stream(a, e) : wacc_ctype_future(a, e);
    }
    }
    return NULL;
}

static const wacc_ctype *convert(vctx *v, sval t)
{
    if (t.prim) {
        wacc_ckind k = prim_kind(t.prim);
        return k ? wacc_ctype_prim(k) : NULL;
    }
    vvisit *w = v->visit;
    if (t.id >= w->nmemo) {
        uint32_t n = v->ntypes > t.id ? v->ntypes : t.id + 1;
        const wacc_ctype **m = realloc(w->memo, n * sizeof *m);
        if (!m)
            return NULL;
        memset(m + w->nmemo, 0, (n - w->nmemo) * sizeof *m);
        w->memo = m;
        w->nmemo = n;
    }
    if (!w->memo[t.id]) {
        const wacc_ctype *r = convert_node(v, t.id);
        w->memo[t.id] = r;     /* (memo may have moved) */
    }
    return w->memo[t.id];
}

bool visit_canon_site(vctx *v, const wacc_component *c, uint32_t canon, uint32_t fid,
                      bool mem64)
{
    vvisit *w = v->visit;
    const wacc_canon *cn = &c->canons[canon];
    uint32_t np = TY(v, fid)->nfields;
    const wacc_ctype **params = NULL;
    if (np) {
        params = wacc_arena_alloc(w->arena, np * sizeof *params);
        if (!params)
            return vfail(v, cn->offset, "out of memory converting the function type");
    }
    for (uint32_t i = 0; i < np; i++) {
        params[i] = convert(v, TY(v, fid)->fields[i].t);
        if (!params[i])
            return vfail(v, cn->offset, "cannot convert parameter %u of the function type", i);
    }
    const wacc_ctype *result = NULL;
    if (TY(v, fid)->has_t) {
        result = convert(v, TY(v, fid)->t);
        if (!result)
            return vfail(v, cn->offset, "cannot convert the result of the function type");
    }
    wacc_canon_site site = {
        .def = c,
        .canon = canon,
        .params = params,
        .nparams = np,
        .result = result,
        .encoding = cn->opts.encoding,
        .mem64 = mem64,
        .async = cn->opts.nasync > 0 || TY(v, fid)->async,
    };
    w->fn(w->user, &site);
    return true;
}

bool visit_elem_site(vctx *v, const wacc_component *c, uint32_t canon, sval t, bool mem64)
{
    vvisit *w = v->visit;
    const wacc_canon *cn = &c->canons[canon];
    const wacc_ctype *st = convert(v, t);
    if (!st)
        return vfail(v, cn->offset, "cannot convert the stream/future type");
    if (!st->elem)
        return true;            /* no payload: nothing to copy */
    const wacc_ctype *params[1] = { st->elem };
    wacc_canon_site site = {
        .def = c,
        .canon = canon,
        .params = params,
        .nparams = 1,
        .result = NULL,
        .encoding = cn->opts.encoding,
        .mem64 = mem64,
        .async = cn->opts.nasync > 0,
    };
    w->fn(w->user, &site);
    return true;
}

void vvisit_free(vvisit *w)
{
    free(w->memo);
    free(w->res_ids);
    free(w->res);
    w->memo = NULL;
    w->res_ids = NULL;
    w->res = NULL;
    w->nmemo = w->nres = w->capres = 0;
}
