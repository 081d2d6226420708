/* vtypes.c — semantic types of the validator: equality, subtyping,
 * resource substitution and Canonical ABI flattening. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vint.h"

uint32_t ty_new(vctx *v, uint8_t kind)
{
    if (v->ntypes == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        ty *p = realloc(v->types, v->cap * sizeof *p);
        if (!p)
            abort();
        v->types = p;
    }
    ty *t = &v->types[v->ntypes];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->size = 1;
    return v->ntypes++;
}

void vctx_free(vctx *v)
{
    for (uint32_t i = 0; i < v->ntypes; i++) {
        ty *t = &v->types[i];
        free(t->fields);
        free(t->imports);
        free(t->exports);
        free(t->imp_res);
        free(t->exp_res);
        free(t->cf.params);
        free(t->cf.results);
        free(t->cimports);
        free(t->cexports);
    }
    free(v->types);
}

bool vfail(vctx *v, uint32_t off, const char *fmt, ...)
{
    if (v->failed)
        return false;
    v->failed = true;
    if (v->err) {
        va_list ap;
        va_start(ap, fmt);
        v->err->offset = off;
        vsnprintf(v->err->msg, sizeof v->err->msg, fmt, ap);
        va_end(ap);
    }
    return false;
}

const char *sort_desc(uint8_t sort)
{
    return wacc_sort_name((wacc_sort)sort);
}

/* ---------------------------------------------------------------------- */

void rmap_free(rmap *m)
{
    free(m->from);
    free(m->to);
    memset(m, 0, sizeof *m);
}

void rmap_set(rmap *m, uint32_t from, sval to)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (m->from[i] == from) {
            m->to[i] = to;
            return;
        }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->from = realloc(m->from, m->cap * sizeof *m->from);
        m->to = realloc(m->to, m->cap * sizeof *m->to);
        if (!m->from || !m->to)
            abort();
    }
    m->from[m->n] = from;
    m->to[m->n++] = to;
}

bool rmap_get(const rmap *m, uint32_t from, sval *to)
{
    if (!m)
        return false;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->from[i] == from) {
            *to = m->to[i];
            return true;
        }
    return false;
}

uint32_t rroot(vctx *v, uint32_t id)
{
    return TY(v, id)->alias_of ? TY(v, id)->alias_of : id;
}

uint32_t res_outer(vctx *v, uint32_t id)
{
    return TY(v, id)->res_outer ? TY(v, id)->res_outer : rroot(v, id);
}

static sval resolve(vctx *v, sval t, const rmap *m)
{
    for (int guard = 0; guard < 64 && !t.prim && TY(v, t.id)->kind == WACC_DT_RESOURCE; guard++) {
        sval to;
        if (!rmap_get(m, rroot(v, t.id), &to) || (!to.prim && rroot(v, to.id) == rroot(v, t.id)))
            break;
        t = to;
    }
    return t;
}

/* ---------------------------------------------------------------------- */
/* Structural equality of value / function types.                           */

static bool label_eq(const sfield *a, const sfield *b)
{
    if (!a->label || !b->label)
        return a->label == b->label;
    return a->label_len == b->label_len && !memcmp(a->label, b->label, a->label_len);
}

static bool opt_eq(vctx *v, bool ha, sval a, bool hb, sval b, rmap *ma, rmap *mb)
{
    if (ha != hb)
        return false;
    return !ha || sval_eq(v, a, b, ma, mb);
}

bool sval_eq(vctx *v, sval a, sval b, rmap *ma, rmap *mb)
{
    a = resolve(v, a, ma);
    b = resolve(v, b, mb);
    if (a.prim || b.prim)
        return a.prim == b.prim;
    if (a.id == b.id && (!ma || !ma->n) && (!mb || !mb->n))
        return true;
    ty *x = TY(v, a.id), *y = TY(v, b.id);
    if (x->kind != y->kind)
        return false;
    switch (x->kind) {
    case WACC_DT_RESOURCE:
        return (x->alias_of ? x->alias_of : a.id) == (y->alias_of ? y->alias_of : b.id);
    case WACC_DT_RECORD: case WACC_DT_VARIANT: case WACC_DT_TUPLE:
    case WACC_DT_FLAGS: case WACC_DT_ENUM: case WACC_DT_FUNC:
        if (x->nfields != y->nfields || x->async != y->async)
            return false;
        for (uint32_t i = 0; i < x->nfields; i++) {
            if (!label_eq(&x->fields[i], &y->fields[i]))
                return false;
            if (!opt_eq(v, x->fields[i].has, x->fields[i].t, y->fields[i].has, y->fields[i].t,
                        ma, mb))
                return false;
        }
        return opt_eq(v, x->has_t, x->t, y->has_t, y->t, ma, mb);
    case WACC_DT_FIXED_LIST:
        if (x->len != y->len)
            return false;
        /* fallthrough */
    case WACC_DT_LIST: case WACC_DT_OPTION: case WACC_DT_OWN: case WACC_DT_BORROW:
    case WACC_DT_STREAM: case WACC_DT_FUTURE: case WACC_DT_RESULT: case WACC_DT_MAP:
        return opt_eq(v, x->has_t, x->t, y->has_t, y->t, ma, mb) &&
               opt_eq(v, x->has_u, x->u, y->has_u, y->u, ma, mb);
    case TY_CORE_FUNC:
        return x->cf_any || y->cf_any || wasm_functype_equal(&x->cf, &y->cf);
    default: {
        /* component / instance / module types: mutual subtyping */
        sext ea = { .sort = WACC_SORT_TYPE, .t = a }, eb = { .sort = WACC_SORT_TYPE, .t = b };
        const char *why;
        return sext_sub(v, &ea, &eb, ma, mb, &why) && sext_sub(v, &eb, &ea, mb, ma, &why);
    }
    }
}

/* ---------------------------------------------------------------------- */
/* Subtyping of entities.                                                   */

static const sext *find_ext(const sext *list, uint32_t n, const char *name, uint32_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i].len == len && !memcmp(list[i].name, name, len))
            return &list[i];
    return NULL;
}

static bool limits_sub(const wasm_limits *a, const wasm_limits *b)
{
    if (a->min < b->min)
        return false;
    if (b->has_max && (!a->has_max || a->max > b->max))
        return false;
    return true;
}

bool cent_sub(vctx *v, const cent *a, const cent *b)
{
    if (a->any || b->any)
        return true;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case WASM_EXTERN_FUNC:
    case WACC_CORE_EXTERN_TAG:
        return sval_eq(v, (sval){ .id = a->fty }, (sval){ .id = b->fty }, NULL, NULL);
    case WASM_EXTERN_TABLE:
        return a->table.elemtype == b->table.elemtype && limits_sub(&a->table.limits, &b->table.limits);
    case WASM_EXTERN_MEMORY:
        return a->mem.shared == b->mem.shared && a->mem.is64 == b->mem.is64 &&
               limits_sub(&a->mem.limits, &b->mem.limits);
    default:
        return a->global.valtype == b->global.valtype &&
               a->global.is_mutable == b->global.is_mutable;
    }
}

static bool module_sub(vctx *v, ty *a, ty *b, const char **why)
{
    /* a's imports must all be provided by b's imports; b's exports by a's */
    for (uint32_t i = 0; i < a->ncimports; i++) {
        const cnamed *ia = &a->cimports[i];
        const cnamed *ib = NULL;
        for (uint32_t j = 0; j < b->ncimports && !ib; j++)
            if (!strcmp(b->cimports[j].module, ia->module) && !strcmp(b->cimports[j].name, ia->name))
                ib = &b->cimports[j];
        if (!ib) {
            *why = "module type mismatch: missing expected import";
            return false;
        }
        if (!cent_sub(v, &ib->e, &ia->e)) {
            *why = "module type mismatch: import type mismatch";
            return false;
        }
    }
    for (uint32_t i = 0; i < b->ncexports; i++) {
        const cnamed *eb = &b->cexports[i];
        const cnamed *ea = NULL;
        for (uint32_t j = 0; j < a->ncexports && !ea; j++)
            if (a->cexports[j].name_len == eb->name_len &&
                !memcmp(a->cexports[j].name, eb->name, eb->name_len))
                ea = &a->cexports[j];
        if (!ea) {
            *why = "module type mismatch: missing expected export";
            return false;
        }
        if (!cent_sub(v, &ea->e, &eb->e)) {
            *why = "module type mismatch: export type mismatch";
            return false;
        }
    }
    return true;
}

static bool type_sub(vctx *v, sval a, sval b, rmap *ma, rmap *mb, const char **why);

static bool exports_sub(vctx *v, ty *a, ty *b, rmap *ma, rmap *mb, const char **why)
{
    for (uint32_t i = 0; i < b->nexports; i++) {
        const sext *eb = &b->exports[i];
        const sext *ea = find_ext(a->exports, a->nexports, eb->name, eb->len);
        if (!ea) {
            *why = "missing expected export";
            return false;
        }
        if (!sext_sub(v, ea, eb, ma, mb, why))
            return false;
    }
    return true;
}

static bool type_sub(vctx *v, sval a, sval b, rmap *ma, rmap *mb, const char **why)
{
    a = resolve(v, a, ma);
    b = resolve(v, b, mb);
    if (a.prim || b.prim || TY(v, a.id)->kind != TY(v, b.id)->kind) {
        if (!a.prim && !b.prim) {
            *why = "type mismatch";
            return false;
        }
        if (a.prim != b.prim) {
            *why = "type mismatch";
            return false;
        }
        return true;
    }
    ty *x = TY(v, a.id), *y = TY(v, b.id);
    switch (x->kind) {
    case WACC_DT_COMPONENT: case WACC_DT_INSTANCE: {
        rmap la = { 0 }, lb = { 0 };
        if (!ma)
            ma = &la;
        if (!mb)
            mb = &lb;
        bool ok = true;
        uint32_t ni = x->kind == WACC_DT_COMPONENT ? x->nimports : 0;
        for (uint32_t i = 0; i < ni && ok; i++) {
            const sext *ia = &TY(v, a.id)->imports[i];
            y = TY(v, b.id);
            const sext *ib = find_ext(y->imports, y->nimports, ia->name, ia->len);
            if (!ib) {
                *why = "missing expected import";
                ok = false;
                break;
            }
            x = TY(v, a.id);
            bool param = false;
            sval cur;
            if (ia->sort == WACC_SORT_TYPE && !ia->t.prim && ib->sort == WACC_SORT_TYPE &&
                !rmap_get(ma, ia->t.id, &cur))
                for (uint32_t k = 0; k < x->nimp_res; k++)
                    if (x->imp_res[k] == ia->t.id)
                        param = true;
            if (param) {
                sval rb = resolve(v, ib->t, mb);
                if (rb.prim || TY(v, rb.id)->kind != WACC_DT_RESOURCE) {
                    *why = "expected resource type";
                    ok = false;
                    break;
                }
                rmap_set(ma, ia->t.id, rb);
                continue;
            }
            ok = sext_sub(v, ib, ia, mb, ma, why);
        }
        if (ok)
            ok = exports_sub(v, TY(v, a.id), TY(v, b.id), ma, mb, why);
        rmap_free(&la);
        rmap_free(&lb);
        return ok;
    }
    case TY_CORE_MODULE:
        return module_sub(v, x, y, why);
    case WACC_DT_RESOURCE:
        if ((x->alias_of ? x->alias_of : a.id) != (y->alias_of ? y->alias_of : b.id)) {
            *why = "resource types are not the same";
            return false;
        }
        return true;
    default:
        if (!sval_eq(v, a, b, ma, mb)) {
            *why = x->kind == WACC_DT_FUNC ? "function type mismatch" : "type mismatch";
            return false;
        }
        return true;
    }
}

bool sext_sub(vctx *v, const sext *a, const sext *b, rmap *ma, rmap *mb, const char **why)
{
    if (a->sort != b->sort) {
        *why = "sort mismatch";
        return false;
    }
    if (a->sort == WACC_SORT_TYPE && !b->t.prim) {
        sval rb = resolve(v, b->t, mb);
        ty *yb = rb.prim ? NULL : TY(v, rb.id);
        /* a parameter binds, not a resource an argument already stands for */
        if (yb && yb->kind == WACC_DT_RESOURCE && yb->res_bindable && mb && rb.id == b->t.id) {
            sval ra = resolve(v, a->t, ma);
            if (ra.prim || TY(v, ra.id)->kind != WACC_DT_RESOURCE) {
                *why = "expected resource type";
                return false;
            }
            sval cur;
            if (!rmap_get(mb, rb.id, &cur)) {
                rmap_set(mb, rb.id, ra);
                return true;
            }
        }
    }
    return type_sub(v, a->t, b->t, ma, mb, why);
}

/* ---------------------------------------------------------------------- */
/* Substitution of resources (copy on change).                              */

static bool subst_list(vctx *v, sext **list, uint32_t n, rmap *m)
{
    bool changed = false;
    sext *copy = NULL;
    for (uint32_t i = 0; i < n; i++) {
        sval s = subst(v, (*list)[i].t, m);
        if (s.prim != (*list)[i].t.prim || s.id != (*list)[i].t.id) {
            if (!copy) {
                copy = cxcalloc(n, sizeof *copy);
                memcpy(copy, *list, n * sizeof *copy);
            }
            copy[i].t = s;
            changed = true;
        }
    }
    if (changed)
        *list = copy;
    return changed;
}

sval subst(vctx *v, sval t, rmap *m)
{
    if (t.prim || !m || !m->n)
        return t;
    ty *x = TY(v, t.id);
    sval to;
    if (x->kind == WACC_DT_RESOURCE) {
        if (rmap_get(m, res_outer(v, t.id), &to))
            return to;
        return t;
    }
    if (x->kind >= TY_CORE_FUNC)
        return t;
    if (rmap_get(m, t.id, &to))         /* an imported (eq) type bound to an argument */
        return to;
    /* substitute children first */
    uint32_t nf = x->nfields;
    sfield *nfld = NULL;
    bool changed = false;
    for (uint32_t i = 0; i < nf; i++) {
        if (!TY(v, t.id)->fields[i].has)
            continue;
        sval s = subst(v, TY(v, t.id)->fields[i].t, m);
        if (s.prim != TY(v, t.id)->fields[i].t.prim || s.id != TY(v, t.id)->fields[i].t.id) {
            if (!nfld) {
                nfld = cxcalloc(nf, sizeof *nfld);
                memcpy(nfld, TY(v, t.id)->fields, nf * sizeof *nfld);
            }
            nfld[i].t = s;
            changed = true;
        }
    }
    sval nt = TY(v, t.id)->t, nu = TY(v, t.id)->u;
    if (TY(v, t.id)->has_t)
        nt = subst(v, nt, m);
    if (TY(v, t.id)->has_u)
        nu = subst(v, nu, m);
    x = TY(v, t.id);
    if (nt.prim != x->t.prim || nt.id != x->t.id || nu.prim != x->u.prim || nu.id != x->u.id)
        changed = true;
    sext *imps = x->imports, *exps = x->exports;
    uint32_t ni = x->nimports, ne = x->nexports;
    bool ci = subst_list(v, &imps, ni, m);
    bool ce = subst_list(v, &exps, ne, m);
    if (!changed && !ci && !ce) {
        free(nfld);
        return t;
    }
    uint32_t id = ty_new(v, 0);
    ty *src = TY(v, t.id), *dst = TY(v, id);
    *dst = *src;
    dst->fields = nfld;
    if (!nfld && nf) {
        dst->fields = cxcalloc(nf, sizeof *dst->fields);
        memcpy(dst->fields, src->fields, nf * sizeof *dst->fields);
    }
    dst->t = nt;
    dst->u = nu;
    if (!ci && ni) {
        imps = cxcalloc(ni, sizeof *imps);
        memcpy(imps, src->imports, ni * sizeof *imps);
    }
    if (!ce && ne) {
        exps = cxcalloc(ne, sizeof *exps);
        memcpy(exps, src->exports, ne * sizeof *exps);
    }
    dst->imports = ni ? imps : NULL;
    dst->exports = ne ? exps : NULL;
    dst->imp_res = NULL;
    dst->exp_res = NULL;
    if (src->nimp_res) {
        dst->imp_res = cxcalloc(src->nimp_res, sizeof(uint32_t));
        memcpy(dst->imp_res, src->imp_res, src->nimp_res * sizeof(uint32_t));
    }
    if (src->nexp_res) {
        dst->exp_res = cxcalloc(src->nexp_res, sizeof(uint32_t));
        memcpy(dst->exp_res, src->exp_res, src->nexp_res * sizeof(uint32_t));
    }
    dst->cf.params = NULL;
    dst->cf.results = NULL;
    dst->cimports = dst->cexports = NULL;
    dst->ncimports = dst->ncexports = 0;
    return (sval){ .id = id };
}

/* Give an instance type's abstract (existential) resources fresh identities. */
void fresh_exports(vctx *v, uint32_t inst, bool bindable)
{
    uint32_t n = TY(v, inst)->nexp_res;
    if (!n)
        return;
    rmap m = { 0 };
    uint32_t *fresh = cxcalloc(n, sizeof *fresh);
    for (uint32_t i = 0; i < n; i++) {
        fresh[i] = ty_new(v, WACC_DT_RESOURCE);
        TY(v, fresh[i])->rep = WASM_I32;
        TY(v, fresh[i])->res_bindable = bindable;
        rmap_set(&m, TY(v, inst)->exp_res[i], (sval){ .id = fresh[i] });
    }
    sext *exps = TY(v, inst)->exports;
    if (subst_list(v, &exps, TY(v, inst)->nexports, &m)) {
        free(TY(v, inst)->exports);
        TY(v, inst)->exports = exps;
    }
    memcpy(TY(v, inst)->exp_res, fresh, n * sizeof *fresh);
    free(fresh);
    rmap_free(&m);
}

/* ---------------------------------------------------------------------- */
/* Queries.                                                                 */

uint32_t core_functype(vctx *v, const uint8_t *params, uint32_t np,
                       const uint8_t *results, uint32_t nr)
{
    uint32_t id = ty_new(v, TY_CORE_FUNC);
    ty *t = TY(v, id);
    t->cf.nparams = np;
    t->cf.nresults = nr;
    t->cf.params = cxcalloc(np, 1);
    t->cf.results = cxcalloc(nr, 1);
    if (np)
        memcpy(t->cf.params, params, np);
    if (nr)
        memcpy(t->cf.results, results, nr);
    return id;
}

static bool any_child(vctx *v, sval t, bool (*pred)(vctx *, sval), int depth)
{
    if (t.prim || depth > 200)
        return false;
    ty *x = TY(v, t.id);
    if (x->kind >= TY_CORE_FUNC || x->kind == WACC_DT_COMPONENT || x->kind == WACC_DT_INSTANCE)
        return false;
    for (uint32_t i = 0; i < x->nfields; i++)
        if (x->fields[i].has && pred(v, x->fields[i].t))
            return true;
    if (x->has_t && pred(v, x->t))
        return true;
    if (x->has_u && pred(v, x->u))
        return true;
    return false;
}

bool contains_borrow(vctx *v, sval t)
{
    if (t.prim)
        return false;
    ty *x = TY(v, t.id);
    if (x->kind == WACC_DT_BORROW)
        return true;
    if (x->kind == WACC_DT_FUNC)
        return false;
    return any_child(v, t, contains_borrow, 0);
}

bool contains_resource(vctx *v, sval t)
{
    if (t.prim)
        return false;
    ty *x = TY(v, t.id);
    if (x->kind == WACC_DT_RESOURCE)
        return true;
    if (x->kind == WACC_DT_COMPONENT || x->kind == WACC_DT_INSTANCE) {
        for (uint32_t i = 0; i < x->nimports; i++)
            if (contains_resource(v, x->imports[i].t))
                return true;
        for (uint32_t i = 0; i < x->nexports; i++)
            if (contains_resource(v, x->exports[i].t))
                return true;
        return false;
    }
    return any_child(v, t, contains_resource, 0);
}

bool needs_memory(vctx *v, sval t)
{
    if (t.prim)
        return t.prim == WACC_PT_STRING;
    ty *x = TY(v, t.id);
    if (x->kind == WACC_DT_LIST || x->kind == WACC_DT_MAP)
        return true;
    if (x->kind == WACC_DT_STREAM || x->kind == WACC_DT_FUTURE || x->kind == WACC_DT_OWN ||
        x->kind == WACC_DT_BORROW)
        return false;
    return any_child(v, t, needs_memory, 0);
}

static uint8_t join(uint8_t a, uint8_t b)
{
    if (a == b)
        return a;
    if ((a == WASM_I32 && b == WASM_F32) || (a == WASM_F32 && b == WASM_I32))
        return WASM_I32;
    return WASM_I64;
}

/* Flatten a value type; returns the number of core values (may exceed cap:
 * only the first cap are stored). */
uint32_t flatten(vctx *v, sval t, uint8_t *out, uint32_t cap)
{
#define EMIT(x) do { if (n < cap) out[n] = (x); n++; } while (0)
    uint32_t n = 0;
    if (t.prim) {
        switch (t.prim) {
        case WACC_PT_S64: case WACC_PT_U64: EMIT(WASM_I64); break;
        case WACC_PT_F32: EMIT(WASM_F32); break;
        case WACC_PT_F64: EMIT(WASM_F64); break;
        case WACC_PT_STRING: EMIT(v->ptr); EMIT(v->ptr); break;
        default: EMIT(WASM_I32); break;
        }
        return n;
    }
    ty *x = TY(v, t.id);
    switch (x->kind) {
    case WACC_DT_LIST: case WACC_DT_MAP:
        EMIT(v->ptr); EMIT(v->ptr);
        return n;
    case WACC_DT_FIXED_LIST: {
        uint8_t tmp[64];
        uint32_t k = flatten(v, x->t, tmp, 64);
        for (uint32_t r = 0; r < x->len; r++) {
            for (uint32_t i = 0; i < k; i++) {
                if (n > cap)
                    return n + (x->len - r) * k;   /* enough: past any limit */
                EMIT(i < 64 ? tmp[i] : WASM_I32);
            }
        }
        return n;
    }
    case WACC_DT_RECORD: case WACC_DT_TUPLE:
        for (uint32_t i = 0; i < x->nfields; i++) {
            uint32_t k = flatten(v, x->fields[i].t, n < cap ? out + n : NULL, n < cap ? cap - n : 0);
            n += k;
        }
        return n;
    case WACC_DT_FLAGS:
        if (x->nfields)
            EMIT(WASM_I32);
        return n;
    case WACC_DT_VARIANT: case WACC_DT_OPTION: case WACC_DT_RESULT: {
        uint8_t acc[64];
        uint32_t nacc = 0;
        sval cases[2];
        bool has[2];
        uint32_t ncases;
        const sfield *f = x->fields;
        if (x->kind == WACC_DT_OPTION) {
            ncases = 1; cases[0] = x->t; has[0] = true;
        } else if (x->kind == WACC_DT_RESULT) {
            ncases = 2; cases[0] = x->t; has[0] = x->has_t; cases[1] = x->u; has[1] = x->has_u;
        } else {
            ncases = x->nfields;
        }
        for (uint32_t i = 0; i < ncases; i++) {
            bool h = x->kind == WACC_DT_VARIANT ? f[i].has : has[i];
            if (!h)
                continue;
            uint8_t tmp[64];
            uint32_t k = flatten(v, x->kind == WACC_DT_VARIANT ? f[i].t : cases[i], tmp, 64);
            if (k > 64)
                k = 64;
            x = TY(v, t.id);
            f = x->fields;
            for (uint32_t j = 0; j < k; j++) {
                if (j < nacc)
                    acc[j] = join(acc[j], tmp[j]);
                else
                    acc[nacc++] = tmp[j];
            }
        }
        EMIT(WASM_I32);
        for (uint32_t j = 0; j < nacc; j++)
            EMIT(acc[j]);
        return n;
    }
    default:    /* enum, own, borrow, stream, future, resources */
        EMIT(WASM_I32);
        return n;
    }
#undef EMIT
}

/* Canonical ABI element size (saturating), for the 2^28 limit. */
static uint32_t align_of(vctx *v, sval t);

static uint64_t align_to(uint64_t x, uint32_t a)
{
    return (x + a - 1) / a * a;
}

static uint32_t align_of_raw(vctx *v, sval t);

static uint32_t align_of(vctx *v, sval t)
{
    if (t.prim || TY(v, t.id)->abi_align)
        return t.prim ? align_of_raw(v, t) : TY(v, t.id)->abi_align;
    uint32_t a = align_of_raw(v, t);
    TY(v, t.id)->abi_align = a;
    return a;
}

static uint32_t align_of_raw(vctx *v, sval t)
{
    if (t.prim) {
        switch (t.prim) {
        case WACC_PT_BOOL: case WACC_PT_S8: case WACC_PT_U8: return 1;
        case WACC_PT_S16: case WACC_PT_U16: return 2;
        case WACC_PT_S64: case WACC_PT_U64: case WACC_PT_F64: return 8;
        default: return 4;
        }
    }
    ty *x = TY(v, t.id);
    uint32_t a = 1;
    switch (x->kind) {
    case WACC_DT_RECORD: case WACC_DT_TUPLE: case WACC_DT_VARIANT:
        for (uint32_t i = 0; i < x->nfields; i++)
            if (x->fields[i].has) {
                uint32_t b = align_of(v, x->fields[i].t);
                if (b > a)
                    a = b;
            }
        if (x->kind == WACC_DT_VARIANT && a < 4)
            a = a < 4 ? (x->nfields <= 256 ? (a > 1 ? a : 1) : (x->nfields <= 65536 ? (a > 2 ? a : 2) : 4)) : a;
        return a;
    case WACC_DT_FIXED_LIST: case WACC_DT_OPTION:
        return align_of(v, x->t);
    case WACC_DT_RESULT:
        if (x->has_t) a = align_of(v, x->t);
        if (x->has_u && align_of(v, x->u) > a) a = align_of(v, x->u);
        return a;
    case WACC_DT_FLAGS:
        return x->nfields <= 8 ? 1 : x->nfields <= 16 ? 2 : 4;
    case WACC_DT_ENUM:
        return x->nfields <= 256 ? 1 : x->nfields <= 65536 ? 2 : 4;
    default:
        return 4;
    }
}

static uint64_t sval_size_raw(vctx *v, sval t);

uint64_t sval_size(vctx *v, sval t)
{
    if (t.prim || TY(v, t.id)->abi_size)
        return t.prim ? sval_size_raw(v, t) : TY(v, t.id)->abi_size;
    uint64_t s = sval_size_raw(v, t);
    TY(v, t.id)->abi_size = s;
    return s;
}

static uint64_t sval_size_raw(vctx *v, sval t)
{
    const uint64_t cap = 1ull << 40;
    if (t.prim) {
        switch (t.prim) {
        case WACC_PT_BOOL: case WACC_PT_S8: case WACC_PT_U8: return 1;
        case WACC_PT_S16: case WACC_PT_U16: return 2;
        case WACC_PT_S64: case WACC_PT_U64: case WACC_PT_F64: return 8;
        case WACC_PT_STRING: return 16;
        default: return 4;
        }
    }
    ty *x = TY(v, t.id);
    uint64_t s = 0;
    switch (x->kind) {
    case WACC_DT_RECORD: case WACC_DT_TUPLE:
        for (uint32_t i = 0; i < x->nfields; i++) {
            s = align_to(s, align_of(v, x->fields[i].t)) + sval_size(v, x->fields[i].t);
            if (s > cap)
                return cap;
        }
        return align_to(s, align_of(v, t));
    case WACC_DT_FIXED_LIST: {
        uint64_t e = sval_size(v, x->t);
        if (e && x->len > cap / e)
            return cap;
        return e * x->len;
    }
    case WACC_DT_VARIANT: case WACC_DT_OPTION: case WACC_DT_RESULT: {
        uint64_t maxc = 0;
        uint32_t ncase = x->kind == WACC_DT_VARIANT ? x->nfields : 2;
        if (x->kind == WACC_DT_VARIANT) {
            for (uint32_t i = 0; i < x->nfields; i++)
                if (x->fields[i].has && sval_size(v, x->fields[i].t) > maxc)
                    maxc = sval_size(v, x->fields[i].t);
        } else {
            if (x->has_t && sval_size(v, x->t) > maxc) maxc = sval_size(v, x->t);
            if (x->has_u && sval_size(v, x->u) > maxc) maxc = sval_size(v, x->u);
        }
        uint32_t disc = ncase <= 256 ? 1 : ncase <= 65536 ? 2 : 4;
        uint32_t a = align_of(v, t);
        s = align_to(disc, a) + maxc;
        return s > cap ? cap : align_to(s, a);
    }
    case WACC_DT_FLAGS:
        return x->nfields <= 8 ? 1 : x->nfields <= 16 ? 2 : 4 * ((x->nfields + 31) / 32);
    case WACC_DT_ENUM:
        return x->nfields <= 256 ? 1 : x->nfields <= 65536 ? 2 : 4;
    case WACC_DT_LIST: case WACC_DT_MAP:
        return 16;
    default:
        return 4;
    }
}
