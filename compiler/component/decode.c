/* decode.c — component binary decoder (Binary.md, version 0x0d layer 1). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Grow-on-demand array append: returns a pointer to the new zeroed slot. */
static void *push(void **arr, uint32_t *n, size_t size)
{
    if ((*n & (*n - 1)) == 0) {   /* 0,1,2,4,8... : grow to next power */
        size_t cap = *n ? (size_t)*n * 2 : 1;
        void *p = realloc(*arr, cap * size);
        if (!p)
            abort();
        *arr = p;
    }
    void *slot = (char *)*arr + (size_t)(*n)++ * size;
    memset(slot, 0, size);
    return slot;
}
#define PUSH(arr, n) ((__typeof__(arr))push((void **)&(arr), &(n), sizeof *(arr)))

/* ---------------------------------------------------------------------- */
/* Sorts and names.                                                         */

static bool rd_core_sort(creader *r, uint8_t *sort)
{
    uint8_t b;
    if (!rd_byte(r, &b))
        return false;
    switch (b) {
    case 0x00: *sort = WACC_SORT_CORE_FUNC; return true;
    case 0x01: *sort = WACC_SORT_CORE_TABLE; return true;
    case 0x02: *sort = WACC_SORT_CORE_MEMORY; return true;
    case 0x03: *sort = WACC_SORT_CORE_GLOBAL; return true;
    case 0x04: *sort = WACC_SORT_CORE_TAG; return true;
    case 0x10: *sort = WACC_SORT_CORE_TYPE; return true;
    case 0x11: *sort = WACC_SORT_CORE_MODULE; return true;
    case 0x12: *sort = WACC_SORT_CORE_INSTANCE; return true;
    }
    r->p--;
    return cfail(r, "invalid core sort 0x%02x", b);
}

static bool rd_sort(creader *r, uint8_t *sort)
{
    uint8_t b;
    if (!rd_byte(r, &b))
        return false;
    switch (b) {
    case 0x00: return rd_core_sort(r, sort);
    case 0x01: *sort = WACC_SORT_FUNC; return true;
    case 0x02: *sort = WACC_SORT_VALUE; return true;
    case 0x03: *sort = WACC_SORT_TYPE; return true;
    case 0x04: *sort = WACC_SORT_COMPONENT; return true;
    case 0x05: *sort = WACC_SORT_INSTANCE; return true;
    }
    r->p--;
    return cfail(r, "invalid sort 0x%02x", b);
}

static bool rd_plain_name(creader *r, wacc_name *n)
{
    n->offset = coff(r);
    if (!rd_name(r, &n->str, &n->len))
        return false;
    n->kind = wacc_externname_classify(n->str, n->len);
    return true;
}

static bool rd_nameattrs(creader *r, wacc_name *n)
{
    uint8_t b;
    if (!rd_byte(r, &b))
        return false;
    if (b > 0x02) {
        r->p--;
        return cfail(r, "invalid name encoding 0x%02x", b);
    }
    if (!rd_plain_name(r, n))
        return false;
    if (b != 0x02)
        return true;
    uint32_t count;
    if (!rd_u32(r, &count))
        return false;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t k;
        char *s = NULL;
        if (!rd_byte(r, &k))
            return false;
        if (k > 0x02) {
            r->p--;
            return cfail(r, "invalid attribute 0x%02x", k);
        }
        if (!rd_name(r, &s, NULL))
            return false;
        char **slot = k == 0 ? &n->implements : k == 1 ? &n->version_suffix : &n->external_id;
        if (*slot) {
            n->dup_attr = true;
            free(s);
        } else {
            *slot = s;
        }
    }
    return true;
}

void wacc_name_free(wacc_name *n)
{
    free(n->str);
    free(n->implements);
    free(n->version_suffix);
    free(n->external_id);
}

/* ---------------------------------------------------------------------- */
/* Core types.                                                              */

/* A core value type; *concrete (when given) gets the type index of a
 * (ref $t), or UINT64_MAX. */
static bool rd_core_valtype_ref(creader *r, uint8_t *t, uint64_t *concrete)
{
    if (concrete)
        *concrete = UINT64_MAX;
    uint8_t b;
    if (!rd_byte(r, &b))
        return false;
    switch (b) {
    case 0x7f: case 0x7e: case 0x7d: case 0x7c: case 0x7b: case 0x70: case 0x6f:
        *t = b;
        return true;
    case 0x64: case 0x63: {     /* (ref null? ht): accept abstract heap types */
        uint8_t h;
        if (!rd_byte(r, &h))
            return false;
        if (h & 0x80 || h < 0x40) { /* concrete type index (s33) */
            r->p--;
            uint64_t v;
            if (!rd_u64(r, &v))
                return false;
            if (concrete)
                *concrete = v;
        }
        *t = b;
        return true;
    }
    case 0x6e: case 0x6d: case 0x6c: case 0x6b: case 0x6a: case 0x69: case 0x71:
    case 0x72: case 0x73: case 0x74:
        *t = b;
        return true;
    }
    r->p--;
    return cfail(r, "invalid core value type 0x%02x", b);
}

static bool rd_core_valtype(creader *r, uint8_t *t)
{
    return rd_core_valtype_ref(r, t, NULL);
}

static bool rd_limits(creader *r, wasm_limits *l, uint8_t flags, bool is64)
{
    if (is64) {
        if (!rd_u64(r, &l->min))
            return false;
        if (flags & 1) {
            l->has_max = true;
            return rd_u64(r, &l->max);
        }
        return true;
    }
    uint32_t v;
    if (!rd_u32(r, &v))
        return false;
    l->min = v;
    if (flags & 1) {
        l->has_max = true;
        if (!rd_u32(r, &v))
            return false;
        l->max = v;
    }
    return true;
}

static bool rd_core_extern(creader *r, wacc_core_extern *e)
{
    uint8_t k;
    if (!rd_byte(r, &k))
        return false;
    e->kind = k;
    switch (k) {
    case 0x00:
        return rd_u32(r, &e->desc.typeidx);
    case 0x01: {
        uint8_t flags;
        if (!rd_core_valtype(r, &e->desc.table.elemtype) || !rd_byte(r, &flags))
            return false;
        if (flags > 0x07)
            return cfail(r, "invalid table limits flags");
        return rd_limits(r, &e->desc.table.limits, flags, flags & 4);
    }
    case 0x02: {
        uint8_t flags;
        if (!rd_byte(r, &flags))
            return false;
        if (flags > 0x0f)
            return cfail(r, "invalid memory limits flags");
        e->desc.memory.shared = flags & 2;
        e->desc.memory.is64 = flags & 4;
        if (!rd_limits(r, &e->desc.memory.limits, flags, flags & 4))
            return false;
        if (flags & 8) {        /* custom page size */
            uint32_t log2;
            return rd_u32(r, &log2);
        }
        return true;
    }
    case 0x03: {
        uint8_t m;
        if (!rd_core_valtype(r, &e->desc.global.valtype) || !rd_byte(r, &m))
            return false;
        if (m > 1)
            return cfail(r, "invalid global mutability");
        e->desc.global.is_mutable = m;
        return true;
    }
    case 0x04: {
        uint8_t attr;
        if (!rd_byte(r, &attr))
            return false;
        if (attr != 0)
            return cfail(r, "invalid tag attribute");
        return rd_u32(r, &e->desc.typeidx);
    }
    }
    r->p--;
    return cfail(r, "invalid core external kind 0x%02x", k);
}

static bool rd_functype_valtype(creader *r, uint8_t *t, wacc_core_type *ct)
{
    uint64_t idx;
    if (!rd_core_valtype_ref(r, t, &idx))
        return false;
    if (idx != UINT64_MAX) {
        uint32_t *p = realloc(ct->refs, (ct->nrefs + 1) * sizeof *p);
        if (!p)
            abort();
        ct->refs = p;
        ct->refs[ct->nrefs++] = idx > UINT32_MAX ? UINT32_MAX : (uint32_t)idx;
    }
    return true;
}

static bool rd_functype_body(creader *r, wacc_core_type *ct)
{
    wasm_functype *f = &ct->func;
    if (!rd_u32(r, &f->nparams))
        return false;
    if (f->nparams > (size_t)(r->end - r->p))
        return cfail(r, "unexpected end of input (function type)");
    f->params = cxcalloc(f->nparams, 1);
    for (uint32_t i = 0; i < f->nparams; i++)
        if (!rd_functype_valtype(r, &f->params[i], ct))
            return false;
    if (!rd_u32(r, &f->nresults))
        return false;
    if (f->nresults > (size_t)(r->end - r->p))
        return cfail(r, "unexpected end of input (function type)");
    f->results = cxcalloc(f->nresults, 1);
    for (uint32_t i = 0; i < f->nresults; i++)
        if (!rd_functype_valtype(r, &f->results[i], ct))
            return false;
    return true;
}

static wacc_core_type *rd_core_type(creader *r, bool in_module_type);

static bool rd_moduledecl(creader *r, wacc_moduledecl *d)
{
    uint8_t k;
    d->offset = coff(r);
    if (!rd_byte(r, &k))
        return false;
    d->kind = k;
    switch (k) {
    case WACC_MD_IMPORT:
        return rd_name(r, &d->module, NULL) && rd_name(r, &d->name, NULL) &&
               rd_core_extern(r, &d->ext);
    case WACC_MD_TYPE:
        d->type = rd_core_type(r, true);
        return d->type != NULL;
    case WACC_MD_ALIAS: {
        uint8_t s, o;
        if (!rd_byte(r, &s) || !rd_byte(r, &o))
            return false;
        if (s != 0x10)
            return cfail(r, "invalid core alias sort in module type");
        if (o != 0x01)
            return cfail(r, "invalid core alias kind in module type");
        return rd_u32(r, &d->outer_ct) && rd_u32(r, &d->outer_idx);
    }
    case WACC_MD_EXPORT:
        return rd_name(r, &d->name, NULL) && rd_core_extern(r, &d->ext);
    }
    r->p--;
    return cfail(r, "invalid module type declaration 0x%02x", k);
}

void wacc_core_type_free(wacc_core_type *t)
{
    if (!t)
        return;
    free(t->func.params);
    free(t->func.results);
    free(t->refs);
    for (uint32_t i = 0; i < t->ndecls; i++) {
        free(t->decls[i].module);
        free(t->decls[i].name);
        wacc_core_type_free(t->decls[i].type);
    }
    free(t->decls);
    free(t);
}

static wacc_core_type *rd_core_type(creader *r, bool in_module_type)
{
    wacc_core_type *t = cxcalloc(1, sizeof *t);
    t->offset = coff(r);
    uint8_t b;
    if (!rd_byte(r, &b))
        goto fail;
    if (b == 0x60) {
        t->kind = WACC_CT_FUNC;
        if (!rd_functype_body(r, t))
            goto fail;
        return t;
    }
    if (b == 0x50 && !in_module_type) {
        t->kind = WACC_CT_MODULE;
        if (++r->depth > CMAX_DEPTH) {
            cfail(r, "nesting too deep");
            goto fail;
        }
        uint32_t n;
        if (!rd_u32(r, &n))
            goto fail;
        if (n > (size_t)(r->end - r->p)) {
            cfail(r, "unexpected end of input (module type)");
            goto fail;
        }
        t->decls = cxcalloc(n, sizeof *t->decls);
        for (uint32_t i = 0; i < n; i++) {
            t->ndecls++;
            if (!rd_moduledecl(r, &t->decls[i]))
                goto fail;
        }
        r->depth--;
        return t;
    }
    if (b == 0x4e || b == 0x4f || b == 0x5f || b == 0x5e || b == 0x5d || b == 0x00 || b == 0x50) {
        r->p--;
        cfail(r, "GC core types are not supported");
        goto fail;
    }
    r->p--;
    cfail(r, "invalid core type 0x%02x", b);
fail:
    wacc_core_type_free(t);
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Component types.                                                         */

static bool is_primvaltype(uint8_t b)
{
    return (b >= 0x73 && b <= 0x7f) || b == 0x64;
}

static bool rd_valtype(creader *r, wacc_valtype *v)
{
    if (r->p < r->end && is_primvaltype(*r->p)) {
        v->prim = *r->p++;
        return true;
    }
    /* type index: encoded as a non-negative s33 */
    uint64_t x = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b;
        if (!rd_byte(r, &b))
            return false;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (shift < 63 && (b & 0x40))
                return cfail(r, "invalid value type");  /* negative: unknown code */
            break;
        }
        if (shift >= 28)
            return cfail(r, "integer representation too long");
    }
    if (x > 0xffffffffu)
        return cfail(r, "type index too large");
    v->prim = 0;
    v->idx = (uint32_t)x;
    return true;
}

static bool rd_opt_valtype(creader *r, bool *has, wacc_valtype *v)
{
    uint8_t b;
    if (!rd_byte(r, &b))
        return false;
    if (b == 0x00) {
        *has = false;
        return true;
    }
    if (b != 0x01) {
        r->p--;
        return cfail(r, "invalid optional value type flag 0x%02x", b);
    }
    *has = true;
    return rd_valtype(r, v);
}

static bool rd_label(creader *r, wacc_field *f)
{
    return rd_name(r, &f->label, &f->label_len);
}

static bool rd_vec_count(creader *r, uint32_t *n, uint32_t min_bytes)
{
    if (!rd_u32(r, n))
        return false;
    if ((uint64_t)*n * min_bytes > (size_t)(r->end - r->p))
        return cfail(r, "unexpected end of input (vector of %u)", *n);
    return true;
}

static bool rd_fields(creader *r, wacc_deftype *t, int what)
{
    /* what: 0 = labelled valtypes, 1 = cases, 2 = valtypes, 3 = labels */
    uint32_t n;
    if (!rd_vec_count(r, &n, 1))
        return false;
    t->fields = cxcalloc(n, sizeof *t->fields);
    for (uint32_t i = 0; i < n; i++) {
        wacc_field *f = &t->fields[i];
        t->nfields++;
        switch (what) {
        case 0:
            if (!rd_label(r, f) || !rd_valtype(r, &f->type))
                return false;
            f->has_type = true;
            break;
        case 1: {
            if (!rd_label(r, f) || !rd_opt_valtype(r, &f->has_type, &f->type))
                return false;
            uint8_t z;
            if (!rd_byte(r, &z))
                return false;
            if (z != 0x00) {
                r->p--;
                return cfail(r, "invalid variant case refinement 0x%02x", z);
            }
            break;
        }
        case 2:
            if (!rd_valtype(r, &f->type))
                return false;
            f->has_type = true;
            break;
        default:
            if (!rd_label(r, f))
                return false;
            break;
        }
    }
    return true;
}

static bool rd_decls(creader *r, wacc_deftype *t, bool component);

void wacc_deftype_free(wacc_deftype *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->nfields; i++)
        free(t->fields[i].label);
    free(t->fields);
    for (uint32_t i = 0; i < t->ndecls; i++) {
        wacc_decl *d = &t->decls[i];
        wacc_core_type_free(d->core_type);
        wacc_deftype_free(d->type);
        wacc_name_free(&d->alias.name);
        wacc_name_free(&d->name);
    }
    free(t->decls);
    free(t);
}

static wacc_deftype *rd_deftype(creader *r)
{
    wacc_deftype *t = cxcalloc(1, sizeof *t);
    t->offset = coff(r);
    uint8_t b;
    if (!rd_byte(r, &b))
        goto fail;
    if (is_primvaltype(b)) {
        t->kind = WACC_DT_PRIM;
        t->prim = b;
        return t;
    }
    bool ok;
    switch (b) {
    case 0x72: t->kind = WACC_DT_RECORD; ok = rd_fields(r, t, 0); break;
    case 0x71: t->kind = WACC_DT_VARIANT; ok = rd_fields(r, t, 1); break;
    case 0x70: t->kind = WACC_DT_LIST; ok = rd_valtype(r, &t->t); t->has_t = true; break;
    case 0x67:
        t->kind = WACC_DT_FIXED_LIST;
        t->has_t = true;
        ok = rd_valtype(r, &t->t) && rd_u32(r, &t->len);
        break;
    case 0x6f: t->kind = WACC_DT_TUPLE; ok = rd_fields(r, t, 2); break;
    case 0x6e: t->kind = WACC_DT_FLAGS; ok = rd_fields(r, t, 3); break;
    case 0x6d: t->kind = WACC_DT_ENUM; ok = rd_fields(r, t, 3); break;
    case 0x6b: t->kind = WACC_DT_OPTION; ok = rd_valtype(r, &t->t); t->has_t = true; break;
    case 0x6a:
        t->kind = WACC_DT_RESULT;
        ok = rd_opt_valtype(r, &t->has_t, &t->t) && rd_opt_valtype(r, &t->has_u, &t->u);
        break;
    case 0x69: t->kind = WACC_DT_OWN; ok = rd_u32(r, &t->t.idx); break;
    case 0x68: t->kind = WACC_DT_BORROW; ok = rd_u32(r, &t->t.idx); break;
    case 0x66: t->kind = WACC_DT_STREAM; ok = rd_opt_valtype(r, &t->has_t, &t->t); break;
    case 0x65: t->kind = WACC_DT_FUTURE; ok = rd_opt_valtype(r, &t->has_t, &t->t); break;
    case 0x63:
        t->kind = WACC_DT_MAP;
        t->has_t = t->has_u = true;
        ok = rd_valtype(r, &t->t) && rd_valtype(r, &t->u);
        break;
    case 0x40: case 0x43: {
        t->kind = WACC_DT_FUNC;
        t->async = b == 0x43;
        ok = rd_fields(r, t, 0);
        if (ok) {
            uint8_t k;
            ok = rd_byte(r, &k);
            if (ok && k == 0x00) {
                t->has_t = true;
                ok = rd_valtype(r, &t->t);
            } else if (ok && k == 0x01) {
                uint8_t z;
                ok = rd_byte(r, &z);
                if (ok && z != 0x00) {
                    /* legacy named result lists are no longer supported */
                    r->p--;
                    ok = cfail(r, "invalid function result list (named results)");
                }
            } else if (ok) {
                r->p--;
                ok = cfail(r, "invalid function result list 0x%02x", k);
            }
        }
        break;
    }
    case 0x41: case 0x42:
        t->kind = b == 0x41 ? WACC_DT_COMPONENT : WACC_DT_INSTANCE;
        ok = rd_decls(r, t, b == 0x41);
        break;
    case 0x3f: {
        t->kind = WACC_DT_RESOURCE;
        ok = rd_byte(r, &t->rep);
        if (ok && t->rep != 0x7f && t->rep != 0x7e) {
            r->p--;
            ok = cfail(r, "invalid resource representation type 0x%02x", t->rep);
        }
        if (ok) {
            uint8_t f;
            ok = rd_byte(r, &f);
            if (ok && f == 0x01) {
                t->has_dtor = true;
                ok = rd_u32(r, &t->dtor);
            } else if (ok && f != 0x00) {
                r->p--;
                ok = cfail(r, "invalid resource destructor flag 0x%02x", f);
            }
        }
        break;
    }
    default:
        r->p--;
        cfail(r, "invalid type definition 0x%02x", b);
        ok = false;
    }
    if (ok)
        return t;
fail:
    wacc_deftype_free(t);
    return NULL;
}

static bool rd_externtype(creader *r, wacc_externtype *e)
{
    uint8_t k;
    if (!rd_byte(r, &k))
        return false;
    e->kind = k;
    switch (k) {
    case WACC_ET_MODULE: {
        uint8_t s;
        if (!rd_byte(r, &s))
            return false;
        if (s != 0x11) {
            r->p--;
            return cfail(r, "invalid core module extern type 0x%02x", s);
        }
        return rd_u32(r, &e->idx);
    }
    case WACC_ET_FUNC: case WACC_ET_COMPONENT: case WACC_ET_INSTANCE:
        return rd_u32(r, &e->idx);
    case WACC_ET_VALUE:
        /* wasm-tools (which produces the binaries wacc sees) encodes the
         * value's type directly, without Binary.md's valuebound byte (whose
         * 0x00/0x01 would be type indices 0/1 here); (eq i) is not encoded. */
        return rd_valtype(r, &e->value_type);
    case WACC_ET_TYPE: {
        uint8_t b;
        if (!rd_byte(r, &b))
            return false;
        if (b == 0x00)
            return rd_u32(r, &e->idx);
        if (b == 0x01) {
            e->sub_resource = true;
            return true;
        }
        r->p--;
        return cfail(r, "invalid type bound 0x%02x", b);
    }
    }
    r->p--;
    return cfail(r, "invalid extern type 0x%02x", k);
}

static bool rd_alias(creader *r, wacc_alias *a)
{
    a->offset = coff(r);
    if (!rd_sort(r, &a->sort))
        return false;
    uint8_t k;
    if (!rd_byte(r, &k))
        return false;
    a->kind = k;
    switch (k) {
    case WACC_ALIAS_EXPORT:
    case WACC_ALIAS_CORE_EXPORT:
        return rd_u32(r, &a->instance) && rd_plain_name(r, &a->name);
    case WACC_ALIAS_OUTER:
        return rd_u32(r, &a->outer_ct) && rd_u32(r, &a->outer_idx);
    }
    r->p--;
    return cfail(r, "invalid alias target 0x%02x", k);
}

static bool rd_decls(creader *r, wacc_deftype *t, bool component)
{
    if (++r->depth > CMAX_DEPTH)
        return cfail(r, "nesting too deep");
    uint32_t n;
    if (!rd_vec_count(r, &n, 1))
        return false;
    t->decls = cxcalloc(n, sizeof *t->decls);
    for (uint32_t i = 0; i < n; i++) {
        wacc_decl *d = &t->decls[i];
        t->ndecls++;
        d->offset = coff(r);
        uint8_t k;
        if (!rd_byte(r, &k))
            return false;
        d->kind = k;
        bool ok;
        switch (k) {
        case 0x00:
            d->core_type = rd_core_type(r, false);
            ok = d->core_type != NULL;
            break;
        case 0x01:
            d->type = rd_deftype(r);
            ok = d->type != NULL;
            break;
        case 0x02:
            ok = rd_alias(r, &d->alias);
            break;
        case 0x03:
            if (!component) {
                r->p--;
                return cfail(r, "invalid instance type declaration 0x03 (import)");
            }
            ok = rd_nameattrs(r, &d->name) && rd_externtype(r, &d->ext);
            break;
        case 0x04:
            ok = rd_nameattrs(r, &d->name) && rd_externtype(r, &d->ext);
            break;
        default:
            r->p--;
            return cfail(r, "invalid %s type declaration 0x%02x",
                         component ? "component" : "instance", k);
        }
        if (!ok)
            return false;
    }
    r->depth--;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Canonical definitions.                                                   */

static bool rd_canonopts(creader *r, wacc_canonopts *o)
{
    uint32_t n;
    if (!rd_vec_count(r, &n, 1))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t k;
        if (!rd_byte(r, &k))
            return false;
        switch (k) {
        case 0x00: case 0x01: case 0x02:
            o->nenc++;
            o->encoding = k;
            break;
        case 0x03: o->nmemory++; if (!rd_u32(r, &o->memory)) return false; break;
        case 0x04: o->nrealloc++; if (!rd_u32(r, &o->realloc)) return false; break;
        case 0x05: o->npost_return++; if (!rd_u32(r, &o->post_return)) return false; break;
        case 0x06: o->nasync++; break;
        case 0x07: o->ncallback++; if (!rd_u32(r, &o->callback)) return false; break;
        default:
            r->p--;
            return cfail(r, "invalid canonical option 0x%02x", k);
        }
    }
    return true;
}

static bool rd_flag(creader *r, bool *out, const char *what)
{
    uint8_t b;
    if (!rd_byte(r, &b))
        return false;
    if (b > 1) {
        r->p--;
        return cfail(r, "invalid %s flag 0x%02x", what, b);
    }
    *out = b;
    return true;
}

static bool rd_canon(creader *r, wacc_canon *c, uint8_t *sort)
{
    c->offset = coff(r);
    uint8_t op;
    if (!rd_byte(r, &op))
        return false;
    c->op = op;
    *sort = WACC_SORT_CORE_FUNC;
    switch (op) {
    case WACC_CANON_LIFT:
    case WACC_CANON_LOWER: {
        uint8_t z;
        if (!rd_byte(r, &z))
            return false;
        if (z != 0x00) {
            r->p--;
            return cfail(r, "invalid canonical %s function sort 0x%02x",
                         op ? "lower" : "lift", z);
        }
        if (!rd_u32(r, &c->func) || !rd_canonopts(r, &c->opts))
            return false;
        if (op == WACC_CANON_LIFT) {
            *sort = WACC_SORT_FUNC;
            return rd_u32(r, &c->type);
        }
        return true;
    }
    case WACC_CANON_RESOURCE_NEW: case WACC_CANON_RESOURCE_DROP: case WACC_CANON_RESOURCE_REP:
    case WACC_CANON_STREAM_NEW: case WACC_CANON_STREAM_DROP_READABLE:
    case WACC_CANON_STREAM_DROP_WRITABLE: case WACC_CANON_FUTURE_NEW:
    case WACC_CANON_FUTURE_DROP_READABLE: case WACC_CANON_FUTURE_DROP_WRITABLE:
        return rd_u32(r, &c->type);
    case WACC_CANON_RESOURCE_DROP_ASYNC:
        c->async = true;
        return rd_u32(r, &c->type);
    case WACC_CANON_STREAM_READ: case WACC_CANON_STREAM_WRITE:
    case WACC_CANON_FUTURE_READ: case WACC_CANON_FUTURE_WRITE:
        return rd_u32(r, &c->type) && rd_canonopts(r, &c->opts);
    case WACC_CANON_STREAM_CANCEL_READ: case WACC_CANON_STREAM_CANCEL_WRITE:
    case WACC_CANON_FUTURE_CANCEL_READ: case WACC_CANON_FUTURE_CANCEL_WRITE:
        return rd_u32(r, &c->type) && rd_flag(r, &c->async, "async");
    case WACC_CANON_BACKPRESSURE_INC: case WACC_CANON_BACKPRESSURE_DEC:
    case WACC_CANON_TASK_CANCEL: case WACC_CANON_SUBTASK_DROP:
    case WACC_CANON_ERROR_CONTEXT_DROP: case WACC_CANON_WAITABLE_SET_NEW:
    case WACC_CANON_WAITABLE_SET_DROP: case WACC_CANON_WAITABLE_JOIN:
    case WACC_CANON_THREAD_INDEX: case WACC_CANON_THREAD_RESUME_LATER:
        return true;
    case WACC_CANON_TASK_RETURN: {
        uint8_t k;
        if (!rd_byte(r, &k))
            return false;
        if (k == 0x00) {
            c->has_result = true;
            if (!rd_valtype(r, &c->result))
                return false;
        } else if (k == 0x01) {
            uint8_t z;
            if (!rd_byte(r, &z))
                return false;
            if (z != 0x00)
                return cfail(r, "invalid task.return result list");
        } else {
            r->p--;
            return cfail(r, "invalid task.return result list 0x%02x", k);
        }
        return rd_canonopts(r, &c->opts);
    }
    case WACC_CANON_CONTEXT_GET: case WACC_CANON_CONTEXT_SET:
        if (!rd_byte(r, &c->core_valtype))
            return false;
        return rd_u32(r, &c->context_index);
    case WACC_CANON_SUBTASK_CANCEL:
        return rd_flag(r, &c->async, "async");
    case WACC_CANON_ERROR_CONTEXT_NEW: case WACC_CANON_ERROR_CONTEXT_DEBUG_MESSAGE:
        return rd_canonopts(r, &c->opts);
    case WACC_CANON_WAITABLE_SET_WAIT: case WACC_CANON_WAITABLE_SET_POLL:
        if (!rd_flag(r, &c->cancellable, "cancellable"))
            return false;
        c->opts.nmemory = 1;
        return rd_u32(r, &c->opts.memory);
    case WACC_CANON_THREAD_NEW_INDIRECT:
        return rd_u32(r, &c->type) && rd_u32(r, &c->table);
    case WACC_CANON_THREAD_SUSPEND: case WACC_CANON_THREAD_YIELD:
    case WACC_CANON_THREAD_SUSPEND_THEN_RESUME: case WACC_CANON_THREAD_YIELD_THEN_RESUME:
    case WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE: case WACC_CANON_THREAD_YIELD_THEN_PROMOTE:
        return rd_flag(r, &c->cancellable, "cancellable");
    case WACC_CANON_THREAD_SPAWN_REF:
        return rd_flag(r, &c->shared, "shared") && rd_u32(r, &c->type);
    case WACC_CANON_THREAD_SPAWN_INDIRECT:
        return rd_flag(r, &c->shared, "shared") && rd_u32(r, &c->type) &&
               rd_u32(r, &c->table);
    case WACC_CANON_THREAD_AVAILABLE_PARALLELISM:
        return rd_flag(r, &c->shared, "shared");
    }
    r->p--;
    return cfail(r, "invalid canonical function opcode 0x%02x", op);
}

/* ---------------------------------------------------------------------- */
/* Sections.                                                                */

static void add_space(wacc_component *c, uint8_t sort, uint8_t def, uint32_t index)
{
    wacc_space *s = &c->spaces[sort];
    wacc_space_entry *e = PUSH(s->entries, s->count);
    e->def = def;
    e->index = index;
}

static void add_def(wacc_component *c, uint8_t kind, uint32_t index)
{
    wacc_def *d = PUSH(c->defs, c->ndefs);
    d->kind = kind;
    d->index = index;
}

static uint8_t externtype_sort(uint8_t kind)
{
    switch (kind) {
    case WACC_ET_MODULE: return WACC_SORT_CORE_MODULE;
    case WACC_ET_FUNC: return WACC_SORT_FUNC;
    case WACC_ET_VALUE: return WACC_SORT_VALUE;
    case WACC_ET_TYPE: return WACC_SORT_TYPE;
    case WACC_ET_COMPONENT: return WACC_SORT_COMPONENT;
    default: return WACC_SORT_INSTANCE;
    }
}

static wacc_component *decode_component(creader *r);

static void parse_name_section(wacc_component *c, const uint8_t *p, const uint8_t *end,
                               const uint8_t *base)
{
    /* Best effort: a malformed name section is ignored. */
    creader r = { .base = base, .p = p, .end = end, .err = NULL };
    while (r.p < r.end && !r.failed) {
        uint8_t id;
        uint32_t size;
        if (!rd_byte(&r, &id) || !rd_u32(&r, &size) || size > (size_t)(r.end - r.p))
            return;
        creader sub = { .base = base, .p = r.p, .end = r.p + size };
        r.p += size;
        if (id == 0) {
            char *s;
            if (rd_name(&sub, &s, NULL)) {
                free(c->name);
                c->name = s;
            }
        } else if (id == 1) {
            uint8_t sort;
            uint32_t n;
            if (!rd_sort(&sub, &sort) || !rd_u32(&sub, &n) || c->names[sort])
                continue;
            if (n > (size_t)(sub.end - sub.p))
                continue;
            wacc_namemap_entry *m = cxcalloc(n, sizeof *m);
            uint32_t k = 0;
            for (; k < n; k++)
                if (!rd_u32(&sub, &m[k].idx) || !rd_name(&sub, &m[k].name, NULL))
                    break;
            c->names[sort] = m;
            c->nnames[sort] = k;
        }
    }
}

static bool rd_section(creader *r, wacc_component *c, uint8_t id)
{
    uint32_t n;
    switch (id) {
    case 0: {
        wacc_custom *cu = PUSH(c->customs, c->ncustoms);
        cu->offset = coff(r);
        if (!rd_name(r, &cu->name, NULL))
            return false;
        cu->data = r->p;
        cu->size = (size_t)(r->end - r->p);
        if (!strcmp(cu->name, "component-name"))
            parse_name_section(c, r->p, r->end, r->base);
        r->p = r->end;
        return true;
    }
    case 1: {
        if ((size_t)(r->end - r->p) < 8 || memcmp(r->p, "\0asm", 4) != 0)
            return cfail(r, "invalid core module (bad magic)");
        if (r->p[4] != 1 || r->p[5] != 0 || r->p[6] != 0 || r->p[7] != 0)
            return cfail(r, "invalid core module (unknown binary version)");
        wacc_core_module *m = PUSH(c->core_modules, c->ncore_modules);
        m->bytes = r->p;
        m->size = (size_t)(r->end - r->p);
        m->offset = coff(r);
        add_space(c, WACC_SORT_CORE_MODULE, WACC_DEF_CORE_MODULE, c->ncore_modules - 1);
        add_def(c, WACC_DEF_CORE_MODULE, c->ncore_modules - 1);
        r->p = r->end;
        return true;
    }
    case 4: {
        wacc_component *sub = decode_component(r);
        if (!sub)
            return false;
        *PUSH(c->components, c->ncomponents) = sub;
        add_space(c, WACC_SORT_COMPONENT, WACC_DEF_COMPONENT, c->ncomponents - 1);
        add_def(c, WACC_DEF_COMPONENT, c->ncomponents - 1);
        return true;
    }
    case 9: {
        wacc_start *s = PUSH(c->starts, c->nstarts);
        s->offset = coff(r);
        if (!rd_u32(r, &s->func) || !rd_vec_count(r, &s->nargs, 1))
            return false;
        s->args = cxcalloc(s->nargs, sizeof *s->args);
        for (uint32_t i = 0; i < s->nargs; i++)
            if (!rd_u32(r, &s->args[i]))
                return false;
        if (!rd_u32(r, &s->nresults))
            return false;
        if (s->nresults > 1000000)
            return cfail(r, "too many start results");
        for (uint32_t i = 0; i < s->nresults; i++)
            add_space(c, WACC_SORT_VALUE, WACC_DEF_START, c->nstarts - 1);
        add_def(c, WACC_DEF_START, c->nstarts - 1);
        return true;
    }
    case 12:
        /* value definitions: counted, bytes skipped (validated as unsupported) */
        if (!rd_vec_count(r, &n, 1))
            return false;
        for (uint32_t i = 0; i < n; i++) {
            add_space(c, WACC_SORT_VALUE, WACC_DEF_VALUE, c->nvalues);
            add_def(c, WACC_DEF_VALUE, c->nvalues++);
        }
        r->p = r->end;
        return true;
    }
    if (id > 12)
        return cfail(r, "invalid section id %u", id);
    if (!rd_vec_count(r, &n, 1))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = coff(r);
        switch (id) {
        case 2: {
            wacc_core_instance *ci = PUSH(c->core_instances, c->ncore_instances);
            ci->offset = off;
            uint8_t k;
            if (!rd_byte(r, &k))
                return false;
            if (k == 0x00) {
                ci->instantiate = true;
                if (!rd_u32(r, &ci->module))
                    return false;
            } else if (k != 0x01) {
                r->p--;
                return cfail(r, "invalid core instance kind 0x%02x", k);
            }
            uint32_t na;
            if (!rd_vec_count(r, &na, 2))
                return false;
            ci->args = cxcalloc(na, sizeof *ci->args);
            for (uint32_t j = 0; j < na; j++) {
                wacc_core_arg *a = &ci->args[j];
                ci->nargs++;
                if (!rd_plain_name(r, &a->name))
                    return false;
                if (ci->instantiate) {
                    uint8_t s;
                    if (!rd_byte(r, &s))
                        return false;
                    if (s != 0x12) {
                        r->p--;
                        return cfail(r, "invalid core instantiate argument sort 0x%02x", s);
                    }
                    a->sort = WACC_SORT_CORE_INSTANCE;
                } else if (!rd_core_sort(r, &a->sort)) {
                    return false;
                }
                if (!rd_u32(r, &a->idx))
                    return false;
            }
            add_space(c, WACC_SORT_CORE_INSTANCE, WACC_DEF_CORE_INSTANCE, c->ncore_instances - 1);
            add_def(c, WACC_DEF_CORE_INSTANCE, c->ncore_instances - 1);
            break;
        }
        case 3: {
            wacc_core_type *t = rd_core_type(r, false);
            if (!t)
                return false;
            *PUSH(c->core_types, c->ncore_types) = t;
            add_space(c, WACC_SORT_CORE_TYPE, WACC_DEF_CORE_TYPE, c->ncore_types - 1);
            add_def(c, WACC_DEF_CORE_TYPE, c->ncore_types - 1);
            break;
        }
        case 5: {
            wacc_instance *in = PUSH(c->instances, c->ninstances);
            in->offset = off;
            uint8_t k;
            if (!rd_byte(r, &k))
                return false;
            if (k == 0x00) {
                in->instantiate = true;
                if (!rd_u32(r, &in->component))
                    return false;
            } else if (k != 0x01) {
                r->p--;
                return cfail(r, "invalid instance kind 0x%02x", k);
            }
            uint32_t na;
            if (!rd_vec_count(r, &na, 2))
                return false;
            in->args = cxcalloc(na, sizeof *in->args);
            for (uint32_t j = 0; j < na; j++) {
                wacc_inst_arg *a = &in->args[j];
                in->nargs++;
                if (in->instantiate ? !rd_plain_name(r, &a->name) : !rd_nameattrs(r, &a->name))
                    return false;
                if (!rd_sort(r, &a->item.sort) || !rd_u32(r, &a->item.idx))
                    return false;
            }
            add_space(c, WACC_SORT_INSTANCE, WACC_DEF_INSTANCE, c->ninstances - 1);
            add_def(c, WACC_DEF_INSTANCE, c->ninstances - 1);
            break;
        }
        case 6: {
            wacc_alias *a = PUSH(c->aliases, c->naliases);
            if (!rd_alias(r, a))
                return false;
            add_space(c, a->sort, WACC_DEF_ALIAS, c->naliases - 1);
            add_def(c, WACC_DEF_ALIAS, c->naliases - 1);
            break;
        }
        case 7: {
            wacc_deftype *t = rd_deftype(r);
            if (!t)
                return false;
            *PUSH(c->types, c->ntypes) = t;
            add_space(c, WACC_SORT_TYPE, WACC_DEF_TYPE, c->ntypes - 1);
            add_def(c, WACC_DEF_TYPE, c->ntypes - 1);
            break;
        }
        case 8: {
            wacc_canon *cn = PUSH(c->canons, c->ncanons);
            uint8_t sort;
            if (!rd_canon(r, cn, &sort))
                return false;
            add_space(c, sort, WACC_DEF_CANON, c->ncanons - 1);
            add_def(c, WACC_DEF_CANON, c->ncanons - 1);
            break;
        }
        case 10: {
            wacc_import *im = PUSH(c->imports, c->nimports);
            im->offset = off;
            if (!rd_nameattrs(r, &im->name) || !rd_externtype(r, &im->type))
                return false;
            add_space(c, externtype_sort(im->type.kind), WACC_DEF_IMPORT, c->nimports - 1);
            add_def(c, WACC_DEF_IMPORT, c->nimports - 1);
            break;
        }
        case 11: {
            wacc_export *ex = PUSH(c->exports, c->nexports);
            ex->offset = off;
            if (!rd_nameattrs(r, &ex->name) || !rd_sort(r, &ex->item.sort) ||
                !rd_u32(r, &ex->item.idx))
                return false;
            uint8_t has;
            if (!rd_byte(r, &has))
                return false;
            if (has == 0x01) {
                ex->has_type = true;
                if (!rd_externtype(r, &ex->type))
                    return false;
            } else if (has != 0x00) {
                r->p--;
                return cfail(r, "invalid export type ascription flag 0x%02x", has);
            }
            add_space(c, ex->item.sort, WACC_DEF_EXPORT, c->nexports - 1);
            add_def(c, WACC_DEF_EXPORT, c->nexports - 1);
            break;
        }
        }
    }
    return true;
}

static wacc_component *decode_component(creader *r)
{
    if (++r->depth > CMAX_DEPTH) {
        cfail(r, "nesting too deep");
        return NULL;
    }
    wacc_component *c = cxcalloc(1, sizeof *c);
    c->bytes = r->base;
    c->size = (size_t)(r->end - r->base);
    c->offset = coff(r);
    if ((size_t)(r->end - r->p) < 8 || memcmp(r->p, "\0asm", 4) != 0) {
        cfail(r, "magic header not detected");
        goto fail;
    }
    if (r->p[6] != 1 || r->p[7] != 0) {
        r->p += 6;
        cfail(r, "not a component (layer field)");
        goto fail;
    }
    if (r->p[4] != 0x0d || r->p[5] != 0) {
        r->p += 4;
        cfail(r, "unknown binary version 0x%02x%02x", r->p[1], r->p[0]);
        goto fail;
    }
    r->p += 8;
    const uint8_t *outer_end = r->end;
    /* A nested component is the payload of its section: end is the section end. */
    while (r->p < outer_end) {
        uint8_t id;
        uint32_t size;
        if (!rd_byte(r, &id))
            goto fail;
        if (id > 12) {
            r->p--;
            cfail(r, "invalid section id %u", id);
            goto fail;
        }
        if (!rd_u32(r, &size))
            goto fail;
        if (size > (size_t)(outer_end - r->p)) {
            cfail(r, "section size out of bounds (unexpected end)");
            goto fail;
        }
        r->end = r->p + size;
        const uint8_t *sec_start = r->p;
        bool ok = rd_section(r, c, id);
        r->end = outer_end;
        if (!ok)
            goto fail;
        if (r->p != sec_start + size) {
            cfail(r, "section size mismatch (section %u)", id);
            goto fail;
        }
    }
    c->end = coff(r);
    r->depth--;
    return c;
fail:
    wacc_component_free(c);
    return NULL;
}

bool wacc_is_component(const uint8_t *bytes, size_t size)
{
    return bytes && size >= 8 && memcmp(bytes, "\0asm", 4) == 0 && bytes[6] == 1 &&
           bytes[7] == 0;
}

wacc_component *wacc_component_decode(const uint8_t *bytes, size_t size, wasm_error *err)
{
    wasm_error dummy;
    creader r = { .base = bytes, .p = bytes, .end = bytes + size, .err = err ? err : &dummy };
    if (!bytes) {
        cerr_set(err, 0, "no input");
        return NULL;
    }
    return decode_component(&r);
}

void wacc_component_free(wacc_component *c)
{
    if (!c)
        return;
    free(c->defs);
    free(c->core_modules);
    for (uint32_t i = 0; i < c->ncore_instances; i++) {
        for (uint32_t j = 0; j < c->core_instances[i].nargs; j++)
            wacc_name_free(&c->core_instances[i].args[j].name);
        free(c->core_instances[i].args);
    }
    free(c->core_instances);
    for (uint32_t i = 0; i < c->ncore_types; i++)
        wacc_core_type_free(c->core_types[i]);
    free(c->core_types);
    for (uint32_t i = 0; i < c->ncomponents; i++)
        wacc_component_free(c->components[i]);
    free(c->components);
    for (uint32_t i = 0; i < c->ninstances; i++) {
        for (uint32_t j = 0; j < c->instances[i].nargs; j++)
            wacc_name_free(&c->instances[i].args[j].name);
        free(c->instances[i].args);
    }
    free(c->instances);
    for (uint32_t i = 0; i < c->naliases; i++)
        wacc_name_free(&c->aliases[i].name);
    free(c->aliases);
    for (uint32_t i = 0; i < c->ntypes; i++)
        wacc_deftype_free(c->types[i]);
    free(c->types);
    free(c->canons);
    for (uint32_t i = 0; i < c->nstarts; i++)
        free(c->starts[i].args);
    free(c->starts);
    for (uint32_t i = 0; i < c->nimports; i++)
        wacc_name_free(&c->imports[i].name);
    free(c->imports);
    for (uint32_t i = 0; i < c->nexports; i++)
        wacc_name_free(&c->exports[i].name);
    free(c->exports);
    for (uint32_t i = 0; i < c->ncustoms; i++)
        free(c->customs[i].name);
    free(c->customs);
    for (int s = 0; s < WACC_SORT_COUNT; s++) {
        free(c->spaces[s].entries);
        for (uint32_t i = 0; i < c->nnames[s]; i++)
            free(c->names[s][i].name);
        free(c->names[s]);
    }
    free(c->name);
    free(c);
}
