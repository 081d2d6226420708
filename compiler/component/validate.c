/* validate.c — component validation (Explainer.md, Binary.md, CanonicalABI.md). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vint.h"

#define VPUSH(arr, n, cap) \
    (((n) == (cap) ? ((cap) = (cap) ? (cap) * 2 : 8, \
                      (arr) = realloc((arr), (cap) * sizeof *(arr)), \
                      (arr) ? (void)0 : abort()) : (void)0), \
     memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

typedef struct slot {
    sval t;                     /* type / func / component / instance / module ... */
    cent c;                     /* core func/table/memory/global/tag */
    bool consumed;              /* values */
} slot;

typedef struct space {
    uint32_t n, cap;
    slot *s;
} space;

enum { SC_COMPONENT, SC_COMPONENT_TYPE, SC_INSTANCE_TYPE, SC_MODULE_TYPE };

typedef struct resname {
    const char *name;
    uint32_t len;
    uint32_t res;
} resname;

typedef struct scope {
    struct scope *parent;
    int kind;
    space sp[WACC_SORT_COUNT];
    sext *imports, *exports;
    uint32_t nimports, capi, nexports, cape;
    uint32_t *imp_res, nimp_res, capir;
    uint32_t *exp_res, nexp_res, caper;
    char **imp_names, **exp_names;
    uint32_t nimp_names, capin, nexp_names, capen;
    resname *resnames;          /* resources named by exports */
    uint32_t nresnames, caprn;
    resname *iresnames;         /* resources named by imports */
    uint32_t niresnames, capirn;
    uint32_t *named_imp, nnamed_imp, capni;   /* externally visible (imports) */
    uint32_t *named_all, nnamed_all, capna;   /* imports and exports */
    uint32_t *local_res;        /* resources defined here (resource.new/rep) */
    uint32_t nlocal_res, caplr;
    uint8_t ctx_type;           /* context.get/set slot type (0: none yet) */
    /* core module type scope */
    cnamed *cimports, *cexports;
    uint32_t ncimports, capci, ncexports, capce;
} scope;

static void scope_free(scope *s)
{
    for (int i = 0; i < WACC_SORT_COUNT; i++)
        free(s->sp[i].s);
    free(s->imports);
    free(s->exports);
    free(s->imp_res);
    free(s->exp_res);
    for (uint32_t i = 0; i < s->nimp_names; i++)
        free(s->imp_names[i]);
    for (uint32_t i = 0; i < s->nexp_names; i++)
        free(s->exp_names[i]);
    free(s->imp_names);
    free(s->exp_names);
    free(s->resnames);
    free(s->iresnames);
    free(s->named_imp);
    free(s->named_all);
    free(s->local_res);
    free(s->cimports);
    free(s->cexports);
}

static slot *add_slot(scope *s, uint8_t sort)
{
    space *sp = &s->sp[sort];
    return VPUSH(sp->s, sp->n, sp->cap);
}

static slot *get_slot(vctx *v, scope *s, uint8_t sort, uint32_t idx, uint32_t off)
{
    if (idx >= s->sp[sort].n) {
        vfail(v, off, "unknown %s %u: %s index out of bounds", sort_desc(sort), idx,
              sort_desc(sort));
        return NULL;
    }
    return &s->sp[sort].s[idx];
}

/* ---------------------------------------------------------------------- */
/* Features.                                                                */

static bool has(const vctx *v, uint32_t feature)
{
    return (v->features & feature) != 0;
}

static bool values_enabled(vctx *v, uint32_t off)
{
    if (has(v, WACC_CFEAT_VALUES))
        return true;
    return vfail(v, off, "support for component model `value`s is not enabled");
}

/* Feature checks of one value type (primitive or defined type kind). */
static bool valtype_feature(vctx *v, uint8_t prim, uint8_t kind, uint32_t off)
{
    if (prim == WACC_PT_ERROR_CONTEXT && !has(v, WACC_CFEAT_ERROR_CONTEXT))
        return vfail(v, off, "`error-context` requires the component model error-context feature");
    if (prim)
        return true;
    if ((kind == WACC_DT_STREAM || kind == WACC_DT_FUTURE) && !has(v, WACC_CFEAT_ASYNC))
        return vfail(v, off, "`%s` requires the component model async feature",
                     kind == WACC_DT_STREAM ? "stream" : "future");
    if (kind == WACC_DT_FIXED_LIST && !has(v, WACC_CFEAT_FIXED_LISTS))
        return vfail(v, off, "Fixed-length lists require the component model fixed-length lists feature");
    if (kind == WACC_DT_MAP && !has(v, WACC_CFEAT_MAP))
        return vfail(v, off, "Maps require the component model map feature");
    return true;
}

/* ---------------------------------------------------------------------- */
/* Effective type sizes (wasm-tools' limit: every type counts 1 plus the
 * sizes of the types it refers to, so sharing does not make it cheap).    */

#define MAX_TYPE_SIZE 1000000u

static uint64_t tsize(vctx *v, sval t)
{
    return t.prim ? 1 : TY(v, t.id)->size;
}

/* Set node `id`'s size from its fields / t / u / imports / exports. */
static bool set_size(vctx *v, uint32_t id, uint32_t off)
{
    ty *x = TY(v, id);
    uint64_t n = 1;
    for (uint32_t i = 0; i < x->nfields; i++)
        if (x->fields[i].has)
            n += tsize(v, x->fields[i].t);
    if (x->has_t)
        n += tsize(v, x->t);
    if (x->has_u)
        n += tsize(v, x->u);
    for (uint32_t i = 0; i < x->nimports; i++)
        n += tsize(v, x->imports[i].t);
    for (uint32_t i = 0; i < x->nexports; i++)
        n += tsize(v, x->exports[i].t);
    x->size = n;
    if (n >= MAX_TYPE_SIZE)
        return vfail(v, off, "effective type size exceeds the limit of %u", MAX_TYPE_SIZE);
    return true;
}

/* Wasmtime's limit on value type nesting (its MAX_TYPE_DEPTH): primitives,
 * own and borrow are 1 deep, other value types one more than their deepest
 * child. */
#define MAX_TYPE_DEPTH 100

static uint32_t tdepth(vctx *v, sval t)
{
    return t.prim || !TY(v, t.id)->depth ? 1 : TY(v, t.id)->depth;
}

static bool set_depth(vctx *v, uint32_t id, uint32_t off)
{
    ty *x = TY(v, id);
    uint32_t d = 1;
    if (x->kind != WACC_DT_OWN && x->kind != WACC_DT_BORROW) {
        for (uint32_t i = 0; i < x->nfields; i++)
            if (x->fields[i].has && tdepth(v, x->fields[i].t) >= d)
                d = tdepth(v, x->fields[i].t) + 1;
        if (x->has_t && tdepth(v, x->t) >= d)
            d = tdepth(v, x->t) + 1;
        if (x->has_u && tdepth(v, x->u) >= d)
            d = tdepth(v, x->u) + 1;
    }
    x->depth = d;
    if (d > MAX_TYPE_DEPTH)
        return vfail(v, off, "type nesting is too deep (more than %u levels)", MAX_TYPE_DEPTH);
    return true;
}

/* ---------------------------------------------------------------------- */
/* Names.                                                                   */

static char *canon_name(const char *s, uint32_t len, uint8_t kind)
{
    char *c = cxcalloc((size_t)len + 1, 1);
    bool kebab = kind != WACC_NAME_DEP && kind != WACC_NAME_OTHER;
    for (uint32_t i = 0; i < len; i++)
        c[i] = kebab ? (char)tolower((unsigned char)s[i]) : s[i];
    const char *pfx[2] = { "[method]", "[static]" };
    for (int k = 0; k < 2; k++) {
        size_t pl = strlen(pfx[k]);
        if (len > pl && !strncmp(c, pfx[k], pl)) {
            char *rest = c + pl;
            char *dot = strchr(rest, '.');
            if (dot && (size_t)(dot - rest) == strlen(dot + 1) && !strncmp(rest, dot + 1, strlen(dot + 1)))
                *dot = 0;
            memmove(c, rest, strlen(rest) + 1);
        }
    }
    return c;
}

static bool name_unique(vctx *v, char ***names, uint32_t *n, uint32_t *cap, const wacc_name *nm,
                        const char *what)
{
    char *c = canon_name(nm->str, nm->len, nm->kind);
    for (uint32_t i = 0; i < *n; i++)
        if (!strcmp((*names)[i], c)) {
            free(c);
            return vfail(v, nm->offset, "%s name `%s` conflicts with previous name `%s`", what,
                         nm->str, (*names)[i]);
        }
    *VPUSH(*names, *n, *cap) = c;
    return true;
}

static bool check_extern_name(vctx *v, const wacc_name *nm)
{
    if (nm->kind == WACC_NAME_OTHER)
        return vfail(v, nm->offset, "`%s` is not a valid extern name", nm->str);
    if ((nm->kind == WACC_NAME_INTERFACE || nm->kind == WACC_NAME_DEP) &&
        !has(v, WACC_CFEAT_NESTED_NAMES) && wacc_externname_nested(nm->str, nm->len))
        return vfail(v, nm->offset, "`%s` is not a valid extern name (nested names are not enabled)",
                     nm->str);
    if (nm->dup_attr)
        return vfail(v, nm->offset, "duplicate attribute on `%s`", nm->str);
    if (nm->implements) {
        if (wacc_externname_classify(nm->implements, strlen(nm->implements)) != WACC_NAME_INTERFACE)
            return vfail(v, nm->offset, "`%s` is not a valid interface name", nm->implements);
        if (nm->kind != WACC_NAME_PLAIN)
            return vfail(v, nm->offset, "name `%s` with `implements` must be a plain label", nm->str);
    }
    if (nm->version_suffix) {
        const char *at = memchr(nm->str, '@', nm->len);
        if (nm->kind != WACC_NAME_INTERFACE || !at)
            return vfail(v, nm->offset, "version suffix requires an interface version on `%s`",
                         nm->str);
        if (!wacc_version_suffix_valid(at + 1, nm->len - (uint32_t)(at + 1 - nm->str),
                                       nm->version_suffix))
            return vfail(v, nm->offset, "invalid interface version with suffix on `%s`", nm->str);
    }
    return true;
}

static bool label_unique(vctx *v, const sfield *f, uint32_t n, uint32_t off, const char *what)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!wacc_label_valid(f[i].label, f[i].label_len))
            return vfail(v, off, "%s name `%s` is not in kebab case", what, f[i].label);
        for (uint32_t j = 0; j < i; j++)
            if (f[i].label_len == f[j].label_len &&
                !strncasecmp(f[i].label, f[j].label, f[i].label_len))
                return vfail(v, off, "%s name `%s` conflicts with previous name `%s`", what,
                             f[i].label, f[j].label);
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Types.                                                                   */

static bool is_defvaltype(vctx *v, sval t)
{
    if (t.prim)
        return true;
    uint8_t k = TY(v, t.id)->kind;
    return k <= WACC_DT_MAP;
}

static bool get_valtype(vctx *v, scope *s, wacc_valtype vt, sval *out, uint32_t off)
{
    if (vt.prim) {
        if (!valtype_feature(v, vt.prim, 0, off))
            return false;
        *out = (sval){ .prim = vt.prim };
        return true;
    }
    slot *sl = get_slot(v, s, WACC_SORT_TYPE, vt.idx, off);
    if (!sl)
        return false;
    if (!is_defvaltype(v, sl->t))
        return vfail(v, off, "type index %u is not a defined type", vt.idx);
    *out = sl->t;
    return true;
}

static bool get_resource(vctx *v, scope *s, uint32_t idx, uint32_t *res, uint32_t off)
{
    slot *sl = get_slot(v, s, WACC_SORT_TYPE, idx, off);
    if (!sl)
        return false;
    if (sl->t.prim || TY(v, sl->t.id)->kind != WACC_DT_RESOURCE)
        return vfail(v, off, "type index %u is not a resource type", idx);
    *res = sl->t.id;
    return true;
}

static bool validate_component_scope(vctx *v, const wacc_component *c, scope *sc);
static bool validate_decls(vctx *v, const wacc_deftype *dt, scope *sc);
static bool core_type_def(vctx *v, scope *s, const wacc_core_type *ct, uint32_t *out);

static bool copy_fields(vctx *v, scope *s, const wacc_deftype *d, uint32_t id)
{
    if (!d->nfields)
        return true;
    sfield *f = cxcalloc(d->nfields, sizeof *f);
    TY(v, id)->fields = f;
    TY(v, id)->nfields = d->nfields;
    for (uint32_t i = 0; i < d->nfields; i++) {
        f[i].label = d->fields[i].label;
        f[i].label_len = d->fields[i].label_len;
        f[i].has = d->fields[i].has_type;
        if (f[i].has && !get_valtype(v, s, d->fields[i].type, &f[i].t, d->offset))
            return false;
    }
    return true;
}

static bool build_type(vctx *v, scope *s, const wacc_deftype *d, sval *out)
{
    uint32_t off = d->offset;
    if (!valtype_feature(v, d->kind == WACC_DT_PRIM ? d->prim : 0, d->kind, off))
        return false;
    if (d->kind == WACC_DT_FUNC && d->async && !has(v, WACC_CFEAT_ASYNC))
        return vfail(v, off, "async component functions require the component model async feature");
    if (d->kind == WACC_DT_PRIM) {
        *out = (sval){ .prim = d->prim };
        return true;
    }
    if (d->kind == WACC_DT_COMPONENT || d->kind == WACC_DT_INSTANCE) {
        scope sub = { .parent = s,
                      .kind = d->kind == WACC_DT_COMPONENT ? SC_COMPONENT_TYPE : SC_INSTANCE_TYPE };
        bool ok = validate_decls(v, d, &sub);
        if (ok) {
            uint32_t id = ty_new(v, d->kind);
            ty *t = TY(v, id);
            t->imports = sub.imports; t->nimports = sub.nimports; sub.imports = NULL;
            t->exports = sub.exports; t->nexports = sub.nexports; sub.exports = NULL;
            t->imp_res = sub.imp_res; t->nimp_res = sub.nimp_res; sub.imp_res = NULL;
            t->exp_res = sub.exp_res; t->nexp_res = sub.nexp_res; sub.exp_res = NULL;
            *out = (sval){ .id = id };
            ok = set_size(v, id, off);
        }
        scope_free(&sub);
        return ok;
    }
    if (d->kind == WACC_DT_RESOURCE) {
        if (s->kind != SC_COMPONENT)
            return vfail(v, off, "resources can only be defined within a concrete component");
        if (d->rep != WASM_I32 && !(d->rep == WASM_I64 && has(v, WACC_CFEAT_CM64)))
            return vfail(v, off, has(v, WACC_CFEAT_CM64)
                         ? "resources can only be represented by `i32` or `i64`"
                         : "resources can only be represented by `i32`");
        if (d->has_dtor) {
            slot *f = get_slot(v, s, WACC_SORT_CORE_FUNC, d->dtor, off);
            if (!f)
                return false;
            uint8_t p = d->rep;
            uint32_t want = core_functype(v, &p, 1, NULL, 0);
            if (!cent_sub(v, &f->c, &(cent){ .kind = WASM_EXTERN_FUNC, .fty = want }))
                return vfail(v, off, "wrong signature for a destructor: expected [%s] -> []",
                             p == WASM_I64 ? "i64" : "i32");
        }
        uint32_t id = ty_new(v, WACC_DT_RESOURCE);
        TY(v, id)->res_local = true;
        TY(v, id)->rep = d->rep;
        TY(v, id)->res_scope = s;
        *VPUSH(s->local_res, s->nlocal_res, s->caplr) = id;
        *out = (sval){ .id = id };
        return true;
    }
    uint32_t id = ty_new(v, d->kind);
    TY(v, id)->async = d->async;
    TY(v, id)->len = d->len;
    if (!copy_fields(v, s, d, id))
        return false;
    ty *t;
    switch (d->kind) {
    case WACC_DT_RECORD:
        if (!d->nfields)
            return vfail(v, off, "record type must have at least one field");
        if (!label_unique(v, TY(v, id)->fields, d->nfields, off, "record field"))
            return false;
        break;
    case WACC_DT_VARIANT:
        if (!d->nfields)
            return vfail(v, off, "variant type must have at least one case");
        if (d->nfields > 0xffffffffu / 2)
            return vfail(v, off, "variant type has too many cases");
        if (!label_unique(v, TY(v, id)->fields, d->nfields, off, "variant case"))
            return false;
        break;
    case WACC_DT_TUPLE:
        if (!d->nfields)
            return vfail(v, off, "tuple type must have at least one type");
        break;
    case WACC_DT_FLAGS:
        if (!d->nfields)
            return vfail(v, off, "flags must have at least one entry");
        if (d->nfields > 32)
            return vfail(v, off, "cannot have more than 32 flags");
        if (!label_unique(v, TY(v, id)->fields, d->nfields, off, "flag"))
            return false;
        break;
    case WACC_DT_ENUM:
        if (!d->nfields)
            return vfail(v, off, "enum type must have at least one variant");
        if (!label_unique(v, TY(v, id)->fields, d->nfields, off, "enum tag"))
            return false;
        break;
    case WACC_DT_FUNC: {
        if (!label_unique(v, TY(v, id)->fields, d->nfields, off, "function parameter"))
            return false;
        t = TY(v, id);
        t->has_t = d->has_t;
        if (d->has_t) {
            sval r;
            if (!get_valtype(v, s, d->t, &r, off))
                return false;
            TY(v, id)->t = r;
            if (contains_borrow(v, r))
                return vfail(v, off, "function result cannot contain a `borrow` type");
        }
        break;
    }
    case WACC_DT_OWN: case WACC_DT_BORROW: {
        uint32_t res;
        if (!get_resource(v, s, d->t.idx, &res, off))
            return false;
        TY(v, id)->has_t = true;
        TY(v, id)->t = (sval){ .id = res };
        break;
    }
    default: {
        sval a = { 0 }, b = { 0 };
        if (d->has_t && !get_valtype(v, s, d->t, &a, off))
            return false;
        if (d->has_u && !get_valtype(v, s, d->u, &b, off))
            return false;
        t = TY(v, id);
        t->has_t = d->has_t;
        t->has_u = d->has_u;
        t->t = a;
        t->u = b;
        if (d->kind == WACC_DT_FIXED_LIST && d->len == 0)
            return vfail(v, off, "fixed-length list must have a length larger than 0");
        if ((d->kind == WACC_DT_STREAM || d->kind == WACC_DT_FUTURE) && d->has_t &&
            contains_borrow(v, a))
            return vfail(v, off, "stream and future payloads cannot contain a `borrow` type");
        if (d->kind == WACC_DT_STREAM && d->has_t && a.prim == WACC_PT_CHAR)
            return vfail(v, off, "`stream<char>` is not valid at this time");
        if (d->kind == WACC_DT_MAP) {
            if (!a.prim || a.prim == WACC_PT_F32 || a.prim == WACC_PT_F64 ||
                a.prim == WACC_PT_ERROR_CONTEXT)
                return vfail(v, off, "invalid map key type");
        }
        break;
    }
    }
    if (!set_size(v, id, off))
        return false;
    if (d->kind != WACC_DT_FUNC && !set_depth(v, id, off))
        return false;
    sval r = { .id = id };
    if (d->kind != WACC_DT_FUNC && sval_size(v, r) >= (1u << 28))
        return vfail(v, off, "type is too large: element size exceeds 2^28");
    *out = r;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Extern types and entities.                                               */

static bool externtype_ent(vctx *v, scope *s, const wacc_externtype *e, uint32_t off,
                           bool is_import, sext *out)
{
    slot *sl;
    switch (e->kind) {
    case WACC_ET_MODULE:
        out->sort = WACC_SORT_CORE_MODULE;
        if (!(sl = get_slot(v, s, WACC_SORT_CORE_TYPE, e->idx, off)))
            return false;
        if (TY(v, sl->t.id)->kind != TY_CORE_MODULE)
            return vfail(v, off, "core type index %u is not a module type", e->idx);
        out->t = sl->t;
        return true;
    case WACC_ET_FUNC: case WACC_ET_COMPONENT: case WACC_ET_INSTANCE: {
        uint8_t want = e->kind == WACC_ET_FUNC ? WACC_DT_FUNC
                     : e->kind == WACC_ET_COMPONENT ? WACC_DT_COMPONENT : WACC_DT_INSTANCE;
        out->sort = e->kind == WACC_ET_FUNC ? WACC_SORT_FUNC
                  : e->kind == WACC_ET_COMPONENT ? WACC_SORT_COMPONENT : WACC_SORT_INSTANCE;
        if (!(sl = get_slot(v, s, WACC_SORT_TYPE, e->idx, off)))
            return false;
        if (sl->t.prim || TY(v, sl->t.id)->kind != want)
            return vfail(v, off, "type index %u is not a %s type", e->idx,
                         want == WACC_DT_FUNC ? "function" : want == WACC_DT_COMPONENT
                         ? "component" : "instance");
        out->t = sl->t;
        return true;
    }
    case WACC_ET_VALUE:
        out->sort = WACC_SORT_VALUE;
        if (!values_enabled(v, off))
            return false;
        if (e->value_eq) {
            if (!(sl = get_slot(v, s, WACC_SORT_VALUE, e->idx, off)))
                return false;
            out->t = sl->t;
            return true;
        }
        return get_valtype(v, s, e->value_type, &out->t, off);
    default:
        out->sort = WACC_SORT_TYPE;
        if (e->sub_resource) {
            uint32_t r = ty_new(v, WACC_DT_RESOURCE);
            TY(v, r)->rep = WASM_I32;
            TY(v, r)->res_bindable = s->kind != SC_COMPONENT;
            if (is_import)
                *VPUSH(s->imp_res, s->nimp_res, s->capir) = r;
            else
                *VPUSH(s->exp_res, s->nexp_res, s->caper) = r;
            out->t = (sval){ .id = r };
            return true;
        }
        if (!(sl = get_slot(v, s, WACC_SORT_TYPE, e->idx, off)))
            return false;
        out->t = sl->t;
        return true;
    }
}

static const resname *find_resname(const resname *list, uint32_t n, const char *name, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i].len == len && !memcmp(list[i].name, name, len))
            return &list[i];
    return NULL;
}

/* Rules for [constructor]/[method]/[static] names and resource names. */
static bool check_annotated(vctx *v, scope *s, const wacc_name *nm, const sext *e, bool imp)
{
    resname **rl = imp ? &s->iresnames : &s->resnames;
    uint32_t *rn_n = imp ? &s->niresnames : &s->nresnames;
    uint32_t *rn_cap = imp ? &s->capirn : &s->caprn;
    if (e->sort == WACC_SORT_TYPE && !e->t.prim && TY(v, e->t.id)->kind == WACC_DT_RESOURCE &&
        nm->kind == WACC_NAME_PLAIN) {
        resname *r = VPUSH(*rl, *rn_n, *rn_cap);
        r->name = nm->str;
        r->len = nm->len;
        r->res = e->t.id;
    }
    if (nm->kind != WACC_NAME_CONSTRUCTOR && nm->kind != WACC_NAME_METHOD &&
        nm->kind != WACC_NAME_STATIC)
        return true;
    if (e->sort != WACC_SORT_FUNC)
        return vfail(v, nm->offset, "item `%s` is not a function", nm->str);
    const char *rn = strchr(nm->str, ']') + 1;
    size_t rl_len = nm->kind == WACC_NAME_CONSTRUCTOR ? strlen(rn) : (size_t)(strchr(rn, '.') - rn);
    const resname *r = find_resname(*rl, *rn_n, rn, rl_len);
    if (!r)
        return vfail(v, nm->offset, "resource used in function `%s` does not have a name in this context",
                     nm->str);
    ty *f = TY(v, e->t.id);
    if (nm->kind == WACC_NAME_CONSTRUCTOR && f->async)
        return vfail(v, nm->offset, "constructor function cannot be async");
    if (nm->kind == WACC_NAME_CONSTRUCTOR) {
        bool ok = false;
        if (f->has_t && !f->t.prim) {
            ty *rt = TY(v, f->t.id);
            if (rt->kind == WACC_DT_OWN && rt->t.id == r->res)
                ok = true;
            else if (rt->kind == WACC_DT_RESULT && rt->has_t && !rt->t.prim) {
                ty *ok_t = TY(v, rt->t.id);
                ok = ok_t->kind == WACC_DT_OWN && ok_t->t.id == r->res;
            }
        }
        if (!ok)
            return vfail(v, nm->offset, "function `%s` should return `(own $T)`", nm->str);
    } else if (nm->kind == WACC_NAME_METHOD) {
        bool ok = f->nfields > 0 && f->fields[0].label_len == 4 &&
                  !memcmp(f->fields[0].label, "self", 4) && !f->fields[0].t.prim &&
                  TY(v, f->fields[0].t.id)->kind == WACC_DT_BORROW &&
                  TY(v, f->fields[0].t.id)->t.id == r->res;
        if (!ok)
            return vfail(v, nm->offset, "function `%s` should have a first parameter `self` of type `(borrow $T)`",
                         nm->str);
    }
    return true;
}

static bool in_list(const uint32_t *l, uint32_t n, uint32_t id)
{
    for (uint32_t i = 0; i < n; i++)
        if (l[i] == id)
            return true;
    return false;
}

/* External visibility (wasm-tools' "named types"): every record, variant,
 * enum, flags type and resource an import or export refers to must itself
 * have been imported (imports) or imported/exported (exports) by this
 * component or component type. Instance types are checked when they are
 * attached to an import or export; component types when they are defined. */
static bool named_valtype(vctx *v, sval t, const uint32_t *named, uint32_t n);

static bool named_children(vctx *v, sval t, const uint32_t *named, uint32_t n)
{
    ty *x = TY(v, t.id);
    for (uint32_t i = 0; i < x->nfields; i++)
        if (TY(v, t.id)->fields[i].has && !named_valtype(v, TY(v, t.id)->fields[i].t, named, n))
            return false;
    x = TY(v, t.id);
    if (x->has_t && !named_valtype(v, x->t, named, n))
        return false;
    x = TY(v, t.id);
    if (x->has_u && !named_valtype(v, x->u, named, n))
        return false;
    return true;
}

/* A value type used somewhere: named kinds must be in the set. */
static bool named_valtype(vctx *v, sval t, const uint32_t *named, uint32_t n)
{
    if (t.prim)
        return true;
    ty *x = TY(v, t.id);
    switch (x->kind) {
    case WACC_DT_RECORD: case WACC_DT_VARIANT: case WACC_DT_ENUM: case WACC_DT_FLAGS:
    case WACC_DT_RESOURCE:
        return in_list(named, n, t.id);
    case WACC_DT_OWN: case WACC_DT_BORROW:
        return in_list(named, n, x->t.id);
    default:
        return named_children(v, t, named, n);
    }
}

static bool all_named(vctx *v, sval t, const uint32_t *named, uint32_t n);

static bool all_named_instance(vctx *v, uint32_t id, const uint32_t *named, uint32_t n)
{
    for (uint32_t i = 0; i < TY(v, id)->nexports; i++) {
        sext e = TY(v, id)->exports[i];
        if (e.sort == WACC_SORT_TYPE || e.sort == WACC_SORT_FUNC || e.sort == WACC_SORT_INSTANCE) {
            if (!all_named(v, e.t, named, n))
                return false;
        } else if (e.sort == WACC_SORT_VALUE && !e.t.prim) {
            if (!named_children(v, e.t, named, n))
                return false;
        }
    }
    return true;
}

/* The contents of a type (not the type itself) are named. */
static bool all_named(vctx *v, sval t, const uint32_t *named, uint32_t n)
{
    if (t.prim)
        return true;
    switch (TY(v, t.id)->kind) {
    case WACC_DT_RESOURCE: case WACC_DT_COMPONENT:
        return true;
    case WACC_DT_INSTANCE:
        return all_named_instance(v, t.id, named, n);
    default:
        if (TY(v, t.id)->kind >= TY_CORE_FUNC)
            return true;
        if (TY(v, t.id)->kind == WACC_DT_OWN || TY(v, t.id)->kind == WACC_DT_BORROW)
            return in_list(named, n, TY(v, t.id)->t.id);
        return named_children(v, t, named, n);
    }
}

static void name_type(scope *s, sval t, bool imp)
{
    if (t.prim)
        return;
    if (imp)
        *VPUSH(s->named_imp, s->nnamed_imp, s->capni) = t.id;
    *VPUSH(s->named_all, s->nnamed_all, s->capna) = t.id;
}

/* Check an import's / export's item and register the types it names. */
static bool visible_register(vctx *v, scope *s, const sext *e, bool imp)
{
    if (s->kind != SC_COMPONENT && s->kind != SC_COMPONENT_TYPE)
        return true;
    const uint32_t *set = imp ? s->named_imp : s->named_all;
    uint32_t n = imp ? s->nnamed_imp : s->nnamed_all;
    switch (e->sort) {
    case WACC_SORT_TYPE:
        if (!all_named(v, e->t, set, n))
            return false;
        name_type(s, e->t, imp);
        return true;
    case WACC_SORT_INSTANCE:
        for (uint32_t i = 0; i < TY(v, e->t.id)->nexports; i++) {
            sext x = TY(v, e->t.id)->exports[i];
            if (!visible_register(v, s, &x, imp))
                return false;
        }
        return true;
    case WACC_SORT_FUNC:
        return all_named(v, e->t, set, n);
    case WACC_SORT_VALUE:
        return named_valtype(v, e->t, set, n);
    default:
        return true;
    }
}

static bool nameable(vctx *v, sval t)
{
    if (t.prim)
        return false;
    uint8_t k = TY(v, t.id)->kind;
    return k == WACC_DT_RESOURCE || k == WACC_DT_RECORD || k == WACC_DT_VARIANT ||
           k == WACC_DT_ENUM || k == WACC_DT_FLAGS;
}

/* A copy of instance type `src_id` whose abstract (existential) resources are
 * fresh and bindable (an instantiation binds them to its argument's). */
static sval fresh_instance(vctx *v, uint32_t src_id)
{
    uint32_t id = ty_new(v, WACC_DT_INSTANCE);
    ty *src = TY(v, src_id), *dst = TY(v, id);
    dst->nexports = src->nexports;
    dst->size = src->size;
    dst->exports = cxcalloc(src->nexports, sizeof *dst->exports);
    memcpy(dst->exports, src->exports, src->nexports * sizeof *dst->exports);
    dst->nexp_res = src->nexp_res;
    dst->exp_res = cxcalloc(src->nexp_res, sizeof(uint32_t));
    memcpy(dst->exp_res, src->exp_res, src->nexp_res * sizeof(uint32_t));
    fresh_exports(v, id, true);
    return (sval){ .id = id };
}

/* Imports & exports (component scopes and type scopes). */
static bool add_import(vctx *v, scope *s, const wacc_name *nm, const wacc_externtype *et,
                       uint32_t off)
{
    if (!check_extern_name(v, nm) ||
        !name_unique(v, &s->imp_names, &s->nimp_names, &s->capin, nm, "import"))
        return false;
    sext e = { .name = nm->str, .len = nm->len };
    if (!externtype_ent(v, s, et, off, true, &e))
        return false;
    if (nm->implements && e.sort != WACC_SORT_INSTANCE)
        return vfail(v, off, "`implements` requires an instance type on `%s`", nm->str);
    if (nm->version_suffix && e.sort != WACC_SORT_INSTANCE)
        return vfail(v, off, "only instances can have a version suffix (`%s`)", nm->str);
    if (!check_annotated(v, s, nm, &e, true))
        return false;
    if (e.sort == WACC_SORT_INSTANCE && TY(v, e.t.id)->nexp_res)
        e.t = fresh_instance(v, e.t.id);  /* each import: its own resources */
    if (!visible_register(v, s, &e, true))
        return vfail(v, off, "%s not valid to be used as import", sort_desc(e.sort));
    *VPUSH(s->imports, s->nimports, s->capi) = e;
    slot *sl = add_slot(s, e.sort);
    sl->t = e.t;
    if (e.sort == WACC_SORT_INSTANCE && s->kind == SC_COMPONENT) {
        /* nothing: instance-type abstract resources stay as declared */
    }
    return true;
}

/* A named (record/variant/enum/flags/resource) type under a new identity,
 * as an export gives it; a resource copy stays the same resource. */
static sval unique_copy(vctx *v, sval t)
{
    uint32_t id = ty_new(v, 0);
    ty *src = TY(v, t.id), *dst = TY(v, id);
    *dst = *src;
    dst->fields = NULL;
    if (src->nfields) {
        dst->fields = cxcalloc(src->nfields, sizeof *dst->fields);
        memcpy(dst->fields, src->fields, src->nfields * sizeof *dst->fields);
    }
    dst->imports = dst->exports = NULL;
    dst->imp_res = dst->exp_res = NULL;
    dst->nimports = dst->nexports = dst->nimp_res = dst->nexp_res = 0;
    dst->cf.params = dst->cf.results = NULL;
    dst->cimports = dst->cexports = NULL;
    if (src->kind == WACC_DT_RESOURCE)
        dst->alias_of = src->alias_of ? src->alias_of : t.id;
    return (sval){ .id = id };
}

static bool add_export_ent(vctx *v, scope *s, const wacc_name *nm, sext e, uint32_t off)
{
    if (nm->kind == WACC_NAME_DEP)
        return vfail(v, nm->offset, "`%s` is not a valid export name", nm->str);
    if (!check_extern_name(v, nm) ||
        !name_unique(v, &s->exp_names, &s->nexp_names, &s->capen, nm, "export"))
        return false;
    if (nm->implements && e.sort != WACC_SORT_INSTANCE)
        return vfail(v, off, "`implements` requires an instance type on `%s`", nm->str);
    if (nm->version_suffix && e.sort != WACC_SORT_INSTANCE)
        return vfail(v, off, "only instances can have a version suffix (`%s`)", nm->str);
    if (e.sort == WACC_SORT_VALUE || e.sort == WACC_SORT_TYPE || e.sort == WACC_SORT_FUNC) {
        if (e.sort == WACC_SORT_FUNC || e.sort == WACC_SORT_VALUE) {
            if (e.sort == WACC_SORT_VALUE && contains_borrow(v, e.t))
                return vfail(v, off, "cannot export a value containing a `borrow`");
        }
    }
    /* a type export in a component introduces a new name; the exported
     * index is not retroactively named */
    if (e.sort == WACC_SORT_TYPE && nameable(v, e.t) && s->kind == SC_COMPONENT)
        e.t = unique_copy(v, e.t);
    if (!check_annotated(v, s, nm, &e, false))
        return false;
    if (!visible_register(v, s, &e, false))
        return vfail(v, off, "%s not valid to be used as export", sort_desc(e.sort));
    e.name = nm->str;
    e.len = nm->len;
    *VPUSH(s->exports, s->nexports, s->cape) = e;
    slot *sl = add_slot(s, e.sort);
    sl->t = e.t;
    sl->consumed = true;        /* an exported value's new index needs no use */
    return true;
}

/* ---------------------------------------------------------------------- */
/* Aliases.                                                                 */

static bool do_alias(vctx *v, scope *s, const wacc_alias *a, bool in_type)
{
    uint32_t off = a->offset;
    if (a->sort == WACC_SORT_VALUE && !values_enabled(v, off))
        return false;
    if (a->kind == WACC_ALIAS_EXPORT) {
        if (in_type && a->sort != WACC_SORT_TYPE && a->sort != WACC_SORT_INSTANCE)
            return vfail(v, off, "export aliases in type declarations only support `type` and `instance`");
        if (a->sort < WACC_SORT_FUNC && a->sort != WACC_SORT_CORE_MODULE)
            return vfail(v, off, "invalid alias sort: core %s export of a component instance",
                         sort_desc(a->sort));
        slot *in = get_slot(v, s, WACC_SORT_INSTANCE, a->instance, off);
        if (!in)
            return false;
        ty *it = TY(v, in->t.id);
        const sext *e = NULL;
        for (uint32_t i = 0; i < it->nexports && !e; i++)
            if (it->exports[i].len == a->name.len && !memcmp(it->exports[i].name, a->name.str, a->name.len))
                e = &it->exports[i];
        if (!e)
            return vfail(v, off, "instance %u has no export named `%s`", a->instance, a->name.str);
        if (e->sort != a->sort)
            return vfail(v, off, "export `%s` for instance %u is not a %s", a->name.str, a->instance,
                         sort_desc(a->sort));
        sval t = e->t;
        slot *sl = add_slot(s, a->sort);
        sl->t = t;
        return true;
    }
    if (a->kind == WACC_ALIAS_CORE_EXPORT) {
        if (in_type)
            return vfail(v, off, "core export aliases are not allowed in type declarations");
        if (a->sort > WACC_SORT_CORE_TAG)
            return vfail(v, off, "invalid core export alias sort %s", sort_desc(a->sort));
        slot *in = get_slot(v, s, WACC_SORT_CORE_INSTANCE, a->instance, off);
        if (!in)
            return false;
        ty *it = TY(v, in->t.id);
        const cnamed *e = NULL;
        for (uint32_t i = 0; i < it->ncexports && !e; i++)
            if (it->cexports[i].name_len == a->name.len &&
                !memcmp(it->cexports[i].name, a->name.str, a->name.len))
                e = &it->cexports[i];
        if (!e)
            return vfail(v, off, "core instance %u has no export named `%s`", a->instance, a->name.str);
        if (!e->e.any && e->e.kind != a->sort)
            return vfail(v, off, "export `%s` for core instance %u is not a %s", a->name.str,
                         a->instance, sort_desc(a->sort));
        slot *sl = add_slot(s, a->sort);
        sl->c = e->e;
        return true;
    }
    /* outer */
    if (in_type) {
        if (a->sort != WACC_SORT_TYPE && a->sort != WACC_SORT_CORE_TYPE)
            return vfail(v, off, "outer aliases in type declarations only support `type` and `core type`");
    } else if (a->sort != WACC_SORT_TYPE && a->sort != WACC_SORT_CORE_TYPE &&
               a->sort != WACC_SORT_CORE_MODULE && a->sort != WACC_SORT_COMPONENT) {
        return vfail(v, off, "outer aliases only support modules, components and types (not %s)",
                     sort_desc(a->sort));
    }
    scope *t = s;
    bool crosses_component = false;
    for (uint32_t i = 0; i < a->outer_ct; i++) {
        if (t->kind == SC_COMPONENT)
            crosses_component = true;
        t = t->parent;
        if (!t)
            return vfail(v, off, "invalid outer alias count of %u", a->outer_ct);
    }
    slot *src = get_slot(v, t, a->sort, a->outer_idx, off);
    if (!src)
        return false;
    if (a->sort == WACC_SORT_TYPE && crosses_component && contains_resource(v, src->t))
        return vfail(v, off, "cannot alias outer type which transitively refers to resources not defined in the current component");
    slot *sl = add_slot(s, a->sort);
    *sl = *src;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Core.                                                                    */

static bool cent_from_core(vctx *v, scope *s, const wacc_core_extern *x, cent *out, uint32_t off)
{
    memset(out, 0, sizeof *out);
    out->kind = x->kind;
    switch (x->kind) {
    case WASM_EXTERN_FUNC: case WACC_CORE_EXTERN_TAG: {
        slot *sl = get_slot(v, s, WACC_SORT_CORE_TYPE, x->desc.typeidx, off);
        if (!sl)
            return false;
        if (TY(v, sl->t.id)->kind != TY_CORE_FUNC)
            return vfail(v, off, "core type %u is not a function type", x->desc.typeidx);
        out->fty = sl->t.id;
        if (x->kind == WACC_CORE_EXTERN_TAG && TY(v, sl->t.id)->cf.nresults)
            return vfail(v, off, "tag type must not have results");
        return true;
    }
    case WASM_EXTERN_TABLE:
        if (x->desc.table.limits.has_max && x->desc.table.limits.min > x->desc.table.limits.max)
            return vfail(v, off, "size minimum must not be greater than maximum");
        out->table = x->desc.table;
        return true;
    case WASM_EXTERN_MEMORY: {
        const wasm_limits *l = &x->desc.memory.limits;
        uint64_t cap = x->desc.memory.is64 ? (1ull << 48) : 65536;
        if (l->min > cap || (l->has_max && l->max > cap))
            return vfail(v, off, "memory size must be at most %s",
                         x->desc.memory.is64 ? "2**48 pages" : "65536 pages (4GiB)");
        if (l->has_max && l->min > l->max)
            return vfail(v, off, "size minimum must not be greater than maximum");
        if (x->desc.memory.shared && !l->has_max)
            return vfail(v, off, "shared memory must have maximum size");
        out->mem = x->desc.memory;
        return true;
    }
    default: out->global = x->desc.global; return true;
    }
}

static bool core_type_def(vctx *v, scope *s, const wacc_core_type *ct, uint32_t *out)
{
    if (ct->kind == WACC_CT_FUNC) {
        for (uint32_t i = 0; i < ct->nrefs; i++) {
            slot *sl = get_slot(v, s, WACC_SORT_CORE_TYPE, ct->refs[i], ct->offset);
            if (!sl)
                return false;
            if (TY(v, sl->t.id)->kind == TY_CORE_MODULE)
                return vfail(v, ct->offset, "type index %u is a module type", ct->refs[i]);
        }
        *out = core_functype(v, ct->func.params, ct->func.nparams, ct->func.results,
                             ct->func.nresults);
        return true;
    }
    scope sub = { .parent = s, .kind = SC_MODULE_TYPE };
    bool ok = true;
    for (uint32_t i = 0; i < ct->ndecls && ok; i++) {
        const wacc_moduledecl *d = &ct->decls[i];
        switch (d->kind) {
        case WACC_MD_IMPORT: {
            for (uint32_t j = 0; j < sub.ncimports && ok; j++)
                if (!strcmp(sub.cimports[j].module, d->module) && !strcmp(sub.cimports[j].name, d->name))
                    ok = vfail(v, d->offset, "duplicate import name `%s:%s`", d->module, d->name);
            if (!ok)
                break;
            cnamed *n = VPUSH(sub.cimports, sub.ncimports, sub.capci);
            n->module = d->module;
            n->name = d->name;
            n->name_len = (uint32_t)strlen(d->name);
            ok = cent_from_core(v, &sub, &d->ext, &n->e, d->offset);
            break;
        }
        case WACC_MD_EXPORT: {
            for (uint32_t j = 0; j < sub.ncexports; j++)
                if (!strcmp(sub.cexports[j].name, d->name)) {
                    ok = vfail(v, d->offset, "duplicate export name `%s` already defined", d->name);
                    break;
                }
            if (!ok)
                break;
            cnamed *n = VPUSH(sub.cexports, sub.ncexports, sub.capce);
            n->name = d->name;
            n->name_len = (uint32_t)strlen(d->name);
            ok = cent_from_core(v, &sub, &d->ext, &n->e, d->offset);
            break;
        }
        case WACC_MD_TYPE: {
            uint32_t id;
            ok = core_type_def(v, &sub, d->type, &id);
            if (ok)
                add_slot(&sub, WACC_SORT_CORE_TYPE)->t = (sval){ .id = id };
            break;
        }
        default: {
            scope *t = &sub;
            for (uint32_t k = 0; k < d->outer_ct && t; k++)
                t = t->parent;
            if (!t) {
                ok = vfail(v, d->offset, "invalid outer alias count of %u", d->outer_ct);
                break;
            }
            slot *src = get_slot(v, t, WACC_SORT_CORE_TYPE, d->outer_idx, d->offset);
            if (!src) {
                ok = false;
                break;
            }
            if (TY(v, src->t.id)->kind == TY_CORE_MODULE) {
                ok = vfail(v, d->offset, "a module type cannot be aliased into a module type");
                break;
            }
            *add_slot(&sub, WACC_SORT_CORE_TYPE) = *src;
            break;
        }
        }
    }
    if (ok) {
        uint32_t id = ty_new(v, TY_CORE_MODULE);
        ty *t = TY(v, id);
        t->cimports = sub.cimports; t->ncimports = sub.ncimports; sub.cimports = NULL;
        t->cexports = sub.cexports; t->ncexports = sub.ncexports; sub.cexports = NULL;
        *out = id;
    }
    scope_free(&sub);
    return ok;
}

static bool core_module_def(vctx *v, scope *s, const wacc_core_module *m)
{
    wasm_error e = { 0 };
    uint32_t feats = WASM_FEATURES_RUNNABLE | WASM_FEATURE_THREADS;
    wasm_module *mod = wasm_decode(m->bytes, m->size, feats, WASM_DECODE_DEFAULT, &e);
    if (!mod || !wasm_validate(mod, &e)) {
        wasm_module_free(mod);
        return vfail(v, (uint32_t)(m->offset + e.offset), "core module: %s", e.msg);
    }
    for (uint32_t i = 0; i < mod->nimports; i++)
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(mod->imports[i].module, mod->imports[j].module) &&
                !strcmp(mod->imports[i].name, mod->imports[j].name)) {
                bool r = vfail(v, m->offset, "core module: duplicate import name `%s:%s`",
                               mod->imports[i].module, mod->imports[i].name);
                wasm_module_free(mod);
                return r;
            }
    uint32_t id = ty_new(v, TY_CORE_MODULE);
    uint32_t *ftys = cxcalloc(mod->ntypes, sizeof *ftys);
    for (uint32_t i = 0; i < mod->ntypes; i++)
        ftys[i] = core_functype(v, mod->types[i].params, mod->types[i].nparams,
                                mod->types[i].results, mod->types[i].nresults);
    ty *t = TY(v, id);
    t->ncimports = mod->nimports;
    t->cimports = cxcalloc(mod->nimports, sizeof *t->cimports);
    for (uint32_t i = 0; i < mod->nimports; i++) {
        const wasm_import *im = &mod->imports[i];
        cnamed *n = &t->cimports[i];
        /* names must outlive the module: intern them in the arena via fields */
        n->module = im->module;
        n->name = im->name;
        n->name_len = (uint32_t)strlen(im->name);
        n->e.kind = im->kind;
        switch (im->kind) {
        case WASM_EXTERN_FUNC: n->e.fty = ftys[im->desc.typeidx]; break;
        case WASM_EXTERN_TABLE: n->e.table = im->desc.table; break;
        case WASM_EXTERN_MEMORY: n->e.mem = im->desc.memory; break;
        default: n->e.global = im->desc.global; break;
        }
    }
    t->ncexports = mod->nexports;
    t->cexports = cxcalloc(mod->nexports, sizeof *t->cexports);
    uint32_t nfi = 0, nti = 0, nmi = 0, ngi = 0;
    (void)nfi; (void)nti; (void)nmi; (void)ngi;
    for (uint32_t i = 0; i < mod->nexports; i++) {
        const wasm_export *ex = &mod->exports[i];
        cnamed *n = &t->cexports[i];
        n->name = ex->name;
        n->name_len = ex->name_len;
        n->e.kind = ex->kind;
        switch (ex->kind) {
        case WASM_EXTERN_FUNC: n->e.fty = ftys[mod->func_types[ex->index]]; break;
        case WASM_EXTERN_TABLE: n->e.table = mod->tables[ex->index]; break;
        case WASM_EXTERN_MEMORY: n->e.mem = mod->memories[ex->index]; break;
        default: n->e.global = mod->globals[ex->index].type; break;
        }
    }
    free(ftys);
    /* keep the module alive for the names: hand it to the scope-independent list */
    add_slot(s, WACC_SORT_CORE_MODULE)->t = (sval){ .id = id };
    /* the module's strings are referenced: stash the module pointer */
    TY(v, id)->fields = (sfield *)(void *)mod;   /* freed by vctx_free_modules */
    TY(v, id)->len = 0xfffffffe;                 /* marker: fields holds a wasm_module */
    return true;
}

static bool core_instance_def(vctx *v, scope *s, const wacc_core_instance *ci)
{
    uint32_t off = ci->offset;
    uint32_t id = ty_new(v, TY_CORE_INSTANCE);
    if (ci->instantiate) {
        slot *m = get_slot(v, s, WACC_SORT_CORE_MODULE, ci->module, off);
        if (!m)
            return false;
        for (uint32_t i = 0; i < ci->nargs; i++)
            for (uint32_t j = 0; j < i; j++)
                if (!strcmp(ci->args[i].name.str, ci->args[j].name.str))
                    return vfail(v, off, "duplicate module instantiation argument named `%s`",
                                 ci->args[i].name.str);
        for (uint32_t i = 0; i < ci->nargs; i++)
            if (!get_slot(v, s, WACC_SORT_CORE_INSTANCE, ci->args[i].idx, off))
                return false;
        ty *mt = TY(v, m->t.id);
        for (uint32_t i = 0; i < mt->ncimports; i++) {
            const cnamed *im = &mt->cimports[i];
            const wacc_core_arg *arg = NULL;
            for (uint32_t j = 0; j < ci->nargs && !arg; j++)
                if (!strcmp(ci->args[j].name.str, im->module))
                    arg = &ci->args[j];
            if (!arg)
                return vfail(v, off, "missing module instantiation argument named `%s`", im->module);
            ty *it = TY(v, s->sp[WACC_SORT_CORE_INSTANCE].s[arg->idx].t.id);
            const cnamed *ex = NULL;
            for (uint32_t j = 0; j < it->ncexports && !ex; j++)
                if (it->cexports[j].name_len == im->name_len &&
                    !memcmp(it->cexports[j].name, im->name, im->name_len))
                    ex = &it->cexports[j];
            if (!ex)
                return vfail(v, off, "module instantiation argument `%s` does not export an item named `%s`",
                             im->module, im->name);
            if (!cent_sub(v, &ex->e, &im->e))
                return vfail(v, off, "type mismatch for export `%s` of module instantiation argument `%s`",
                             im->name, im->module);
        }
        mt = TY(v, m->t.id);
        ty *t = TY(v, id);
        t->ncexports = mt->ncexports;
        t->cexports = cxcalloc(mt->ncexports, sizeof *t->cexports);
        if (mt->ncexports)
            memcpy(t->cexports, mt->cexports, mt->ncexports * sizeof *t->cexports);
    } else {
        cnamed *ex = cxcalloc(ci->nargs, sizeof *ex);
        TY(v, id)->cexports = ex;
        for (uint32_t i = 0; i < ci->nargs; i++) {
            const wacc_core_arg *a = &ci->args[i];
            for (uint32_t j = 0; j < i; j++)
                if (!strcmp(a->name.str, ci->args[j].name.str))
                    return vfail(v, off, "export name `%s` already defined", a->name.str);
            if (a->sort > WACC_SORT_CORE_TAG)
                return vfail(v, off, "invalid core export sort %s", sort_desc(a->sort));
            slot *sl = get_slot(v, s, a->sort, a->idx, off);
            if (!sl)
                return false;
            ex = TY(v, id)->cexports;
            ex[i].name = a->name.str;
            ex[i].name_len = a->name.len;
            ex[i].e = sl->c;
            ex[i].e.kind = a->sort;
            TY(v, id)->ncexports = i + 1;
        }
    }
    add_slot(s, WACC_SORT_CORE_INSTANCE)->t = (sval){ .id = id };
    return true;
}

/* ---------------------------------------------------------------------- */
/* Component instances.                                                     */

static bool sortidx_ent(vctx *v, scope *s, wacc_sortidx si, uint32_t off, sext *out)
{
    if (si.sort < WACC_SORT_FUNC && si.sort != WACC_SORT_CORE_MODULE)
        return vfail(v, off, "%s is not a valid component-level item", sort_desc(si.sort));
    if (si.sort == WACC_SORT_VALUE && !values_enabled(v, off))
        return false;
    slot *sl = get_slot(v, s, si.sort, si.idx, off);
    if (!sl)
        return false;
    out->sort = si.sort;
    out->t = sl->t;
    if (si.sort == WACC_SORT_VALUE) {
        if (sl->consumed)
            return vfail(v, off, "cannot use value %u more than once", si.idx);
        sl->consumed = true;
    }
    return true;
}

/* An instantiation binds the component's imported (eq) types, also those
 * inside imported instances, to the arguments' types: the instance's
 * exports refer to the arguments' types. */
static void bind_types(vctx *v, rmap *m, const sext *im, const sext *arg, int depth)
{
    if (im->t.prim || arg->t.prim || depth > 100 || im->sort != arg->sort)
        return;
    if (im->sort == WACC_SORT_TYPE && TY(v, im->t.id)->kind != WACC_DT_RESOURCE) {
        rmap_set(m, im->t.id, arg->t);
        return;
    }
    if (im->sort != WACC_SORT_INSTANCE)
        return;
    for (uint32_t i = 0; i < TY(v, im->t.id)->nexports; i++) {
        sext x = TY(v, im->t.id)->exports[i];
        const ty *at = TY(v, arg->t.id);
        for (uint32_t j = 0; j < at->nexports; j++)
            if (at->exports[j].len == x.len && !memcmp(at->exports[j].name, x.name, x.len)) {
                sext y = at->exports[j];
                bind_types(v, m, &x, &y, depth + 1);
                break;
            }
    }
}

static bool instance_def(vctx *v, scope *s, const wacc_instance *in)
{
    uint32_t off = in->offset;
    uint32_t id;
    if (in->instantiate) {
        slot *cs = get_slot(v, s, WACC_SORT_COMPONENT, in->component, off);
        if (!cs)
            return false;
        for (uint32_t i = 0; i < in->nargs; i++)
            for (uint32_t j = 0; j < i; j++)
                if (!strcmp(in->args[i].name.str, in->args[j].name.str))
                    return vfail(v, off, "instantiation argument `%s` conflicts with previous argument",
                                 in->args[i].name.str);
        sext *args = cxcalloc(in->nargs, sizeof *args);
        for (uint32_t i = 0; i < in->nargs; i++) {
            if (!sortidx_ent(v, s, in->args[i].item, off, &args[i])) {
                free(args);
                return false;
            }
        }
        uint32_t ct = cs->t.id;
        rmap m = { 0 };
        bool ok = true;
        for (uint32_t i = 0; i < TY(v, ct)->nimports && ok; i++) {
            sext im = TY(v, ct)->imports[i];
            const sext *arg = NULL;
            for (uint32_t j = 0; j < in->nargs && !arg; j++)
                if (in->args[j].name.len == im.len && !memcmp(in->args[j].name.str, im.name, im.len))
                    arg = &args[j];
            if (!arg) {
                ok = vfail(v, off, "missing import named `%s`", im.name);
                break;
            }
            const char *why = "type mismatch";
            /* imported abstract resources of the component are bound by the argument */
            if (im.sort == WACC_SORT_TYPE && !im.t.prim && TY(v, im.t.id)->kind == WACC_DT_RESOURCE) {
                bool is_param = false;
                for (uint32_t k = 0; k < TY(v, ct)->nimp_res; k++)
                    if (TY(v, ct)->imp_res[k] == im.t.id)
                        is_param = true;
                sval bound;
                if (is_param && !rmap_get(&m, im.t.id, &bound)) {
                    if (arg->sort != WACC_SORT_TYPE || arg->t.prim ||
                        TY(v, arg->t.id)->kind != WACC_DT_RESOURCE) {
                        ok = vfail(v, off, "type mismatch for import `%s`: expected resource", im.name);
                        break;
                    }
                    rmap_set(&m, im.t.id, arg->t);
                    continue;
                }
            }
            if (!sext_sub(v, arg, &im, NULL, &m, &why))
                ok = vfail(v, off, "type mismatch for import `%s`: %s", im.name, why);
            else
                bind_types(v, &m, &im, arg, 0);
        }
        free(args);
        if (!ok) {
            rmap_free(&m);
            return false;
        }
        ty *c = TY(v, ct);
        id = ty_new(v, WACC_DT_INSTANCE);
        c = TY(v, ct);
        uint32_t ne = c->nexports;
        sext *exps = cxcalloc(ne, sizeof *exps);
        if (ne)
            memcpy(exps, c->exports, ne * sizeof *exps);
        for (uint32_t i = 0; i < ne; i++)
            exps[i].t = subst(v, exps[i].t, &m);
        c = TY(v, ct);
        ty *t = TY(v, id);
        t->exports = exps;
        t->nexports = ne;
        t->nexp_res = c->nexp_res;
        t->exp_res = cxcalloc(c->nexp_res, sizeof(uint32_t));
        if (c->nexp_res)
            memcpy(t->exp_res, c->exp_res, c->nexp_res * sizeof(uint32_t));
        rmap_free(&m);
        fresh_exports(v, id, false);
        if (!set_size(v, id, off))
            return false;
    } else {
        scope tmp = { .kind = SC_INSTANCE_TYPE };
        bool ok = true;
        for (uint32_t i = 0; i < in->nargs && ok; i++) {
            sext e = { 0 };
            ok = sortidx_ent(v, s, in->args[i].item, off, &e) &&
                 check_extern_name(v, &in->args[i].name) &&
                 name_unique(v, &tmp.exp_names, &tmp.nexp_names, &tmp.capen, &in->args[i].name,
                             "instance export");
            if (ok && e.sort == WACC_SORT_TYPE && !e.t.prim &&
                TY(v, e.t.id)->kind == WACC_DT_RESOURCE)
                e.t = unique_copy(v, e.t);
            ok = ok && check_annotated(v, &tmp, &in->args[i].name, &e, false);
            if (ok) {
                e.name = in->args[i].name.str;
                e.len = in->args[i].name.len;
                *VPUSH(tmp.exports, tmp.nexports, tmp.cape) = e;
            }
        }
        if (!ok) {
            scope_free(&tmp);
            return false;
        }
        id = ty_new(v, WACC_DT_INSTANCE);
        TY(v, id)->exports = tmp.exports;
        TY(v, id)->nexports = tmp.nexports;
        tmp.exports = NULL;
        scope_free(&tmp);
        if (!set_size(v, id, off))
            return false;
    }
    add_slot(s, WACC_SORT_INSTANCE)->t = (sval){ .id = id };
    return true;
}

/* ---------------------------------------------------------------------- */
/* Canonical definitions.                                                   */

static bool check_opts(vctx *v, scope *s, const wacc_canonopts *o, uint32_t off, bool lift,
                       bool allow_async, bool allow_post)
{
    if (o->nenc > 1)
        return vfail(v, off, "canonical encoding option `string-encoding` conflicts with previous option");
    if (o->nmemory > 1)
        return vfail(v, off, "`memory` is specified more than once");
    if (o->nrealloc > 1)
        return vfail(v, off, "`realloc` is specified more than once");
    if (o->npost_return > 1)
        return vfail(v, off, "`post-return` is specified more than once");
    if (o->nasync > 1)
        return vfail(v, off, "`async` is specified more than once");
    if (o->ncallback > 1)
        return vfail(v, off, "`callback` is specified more than once");
    bool mem64 = false;
    if (o->nmemory) {
        slot *m = get_slot(v, s, WACC_SORT_CORE_MEMORY, o->memory, off);
        if (!m)
            return false;
        mem64 = m->c.mem.is64;
        if (m->c.mem.shared && !m->c.any)
            return vfail(v, off, "canonical option `memory`: mismatch in the shared flag for memories");
    }
    if (o->nrealloc) {
        slot *f = get_slot(v, s, WACC_SORT_CORE_FUNC, o->realloc, off);
        if (!f)
            return false;
        if (!o->nmemory)
            return vfail(v, off, "canonical option `realloc` requires option `memory`");
        uint8_t a = mem64 ? WASM_I64 : WASM_I32;
        uint8_t p[4] = { a, a, a, a };
        uint32_t want = core_functype(v, p, 4, p, 1);
        if (!cent_sub(v, &f->c, &(cent){ .kind = WASM_EXTERN_FUNC, .fty = want }))
            return vfail(v, off, "canonical option `realloc` uses a core function with an incorrect signature");
    }
    if (o->npost_return) {
        if (!allow_post)
            return vfail(v, off, "canonical option `post-return` is not allowed here");
        if (!get_slot(v, s, WACC_SORT_CORE_FUNC, o->post_return, off))
            return false;
        if (o->nasync)
            return vfail(v, off, "cannot specify `post-return` with `async`");
    }
    if (o->nasync && !allow_async)
        return vfail(v, off, "canonical option `async` is not allowed here");
    if (o->nasync && !has(v, WACC_CFEAT_ASYNC))
        return vfail(v, off, "canonical option `async` requires the component model async feature");
    if (lift && o->nasync && !o->ncallback && !has(v, WACC_CFEAT_ASYNC_STACKFUL))
        return vfail(v, off, "async lift without `callback` requires the component model async stackful feature");
    if (mem64 && !has(v, WACC_CFEAT_CM64))
        return vfail(v, off, "64-bit memories require the `cm64` feature to be enabled");
    if (o->ncallback) {
        if (!lift)
            return vfail(v, off, "canonical option `callback` is only allowed on `lift`");
        if (!o->nasync)
            return vfail(v, off, "canonical option `callback` requires `async`");
        slot *f = get_slot(v, s, WACC_SORT_CORE_FUNC, o->callback, off);
        if (!f)
            return false;
        uint8_t p[3] = { WASM_I32, WASM_I32, WASM_I32 };
        uint32_t want = core_functype(v, p, 3, p, 1);
        if (!cent_sub(v, &f->c, &(cent){ .kind = WASM_EXTERN_FUNC, .fty = want }))
            return vfail(v, off, "canonical option `callback` uses a core function with an incorrect signature");
    }
    return true;
}

#define FLATCAP 64

static uint32_t flat_list(vctx *v, ty *ft, bool results, uint8_t *out, uint32_t cap)
{
    uint32_t n = 0;
    (void)ft;
    uint32_t id = (uint32_t)(ft - v->types);
    if (!results) {
        for (uint32_t i = 0; i < TY(v, id)->nfields; i++) {
            uint32_t k = flatten(v, TY(v, id)->fields[i].t, n < cap ? out + n : NULL,
                                 n < cap ? cap - n : 0);
            n += k;
        }
    } else if (TY(v, id)->has_t) {
        n = flatten(v, TY(v, id)->t, out, cap);
    }
    return n;
}

static bool fn_needs(vctx *v, uint32_t fid, bool results)
{
    ty *f = TY(v, fid);
    if (results)
        return f->has_t && needs_memory(v, f->t);
    for (uint32_t i = 0; i < f->nfields; i++)
        if (needs_memory(v, TY(v, fid)->fields[i].t))
            return true;
    return false;
}

/* Core signature of lift/lower per flatten_functype. */
static uint32_t flat_functype(vctx *v, uint32_t fid, const wacc_canonopts *o, bool lift,
                              bool mem64)
{
    uint8_t p[FLATCAP + 2], r[FLATCAP + 2];
    uint32_t np = flat_list(v, TY(v, fid), false, p, FLATCAP);
    uint32_t nr = flat_list(v, TY(v, fid), true, r, FLATCAP);
    uint8_t ptr = mem64 ? WASM_I64 : WASM_I32;
    if (!o->nasync) {
        if (np > 16) { np = 1; p[0] = ptr; }
        if (nr > 1) {
            if (lift) { nr = 1; r[0] = ptr; }
            else { p[np++] = ptr; nr = 0; }
        }
    } else if (lift) {
        if (np > 16) { np = 1; p[0] = ptr; }
        if (o->ncallback) { nr = 1; r[0] = WASM_I32; }
        else nr = 0;
    } else {
        if (np > 4) { np = 1; p[0] = ptr; }
        if (nr > 0) p[np++] = ptr;
        nr = 1;
        r[0] = WASM_I32;
    }
    if (np > FLATCAP) np = FLATCAP;
    if (nr > FLATCAP) nr = FLATCAP;
    return core_functype(v, p, np, r, nr);
}

static uint32_t sig(vctx *v, const char *params, const char *results)
{
    uint8_t p[8], r[8];
    uint32_t np = 0, nr = 0;
    for (; *params; params++) p[np++] = *params == 'i' ? WASM_I32 : WASM_I64;
    for (; *results; results++) r[nr++] = *results == 'i' ? WASM_I32 : WASM_I64;   /* 'I': i64 */
    return core_functype(v, p, np, r, nr);
}

static const char *canon_op_name(uint8_t op)
{
    static const char *const names[] = {
        [WACC_CANON_TASK_CANCEL] = "task.cancel", [WACC_CANON_SUBTASK_CANCEL] = "subtask.cancel",
        [WACC_CANON_RESOURCE_DROP_ASYNC] = "resource.drop async",
        [WACC_CANON_TASK_RETURN] = "task.return", [WACC_CANON_CONTEXT_GET] = "context.get",
        [WACC_CANON_CONTEXT_SET] = "context.set", [WACC_CANON_THREAD_YIELD] = "thread.yield",
        [WACC_CANON_SUBTASK_DROP] = "subtask.drop", [WACC_CANON_STREAM_NEW] = "stream.new",
        [WACC_CANON_STREAM_READ] = "stream.read", [WACC_CANON_STREAM_WRITE] = "stream.write",
        [WACC_CANON_STREAM_CANCEL_READ] = "stream.cancel-read",
        [WACC_CANON_STREAM_CANCEL_WRITE] = "stream.cancel-write",
        [WACC_CANON_STREAM_DROP_READABLE] = "stream.drop-readable",
        [WACC_CANON_STREAM_DROP_WRITABLE] = "stream.drop-writable",
        [WACC_CANON_FUTURE_NEW] = "future.new", [WACC_CANON_FUTURE_READ] = "future.read",
        [WACC_CANON_FUTURE_WRITE] = "future.write",
        [WACC_CANON_FUTURE_CANCEL_READ] = "future.cancel-read",
        [WACC_CANON_FUTURE_CANCEL_WRITE] = "future.cancel-write",
        [WACC_CANON_FUTURE_DROP_READABLE] = "future.drop-readable",
        [WACC_CANON_FUTURE_DROP_WRITABLE] = "future.drop-writable",
        [WACC_CANON_ERROR_CONTEXT_NEW] = "error-context.new",
        [WACC_CANON_ERROR_CONTEXT_DEBUG_MESSAGE] = "error-context.debug-message",
        [WACC_CANON_ERROR_CONTEXT_DROP] = "error-context.drop",
        [WACC_CANON_WAITABLE_SET_NEW] = "waitable-set.new",
        [WACC_CANON_WAITABLE_SET_WAIT] = "waitable-set.wait",
        [WACC_CANON_WAITABLE_SET_POLL] = "waitable-set.poll",
        [WACC_CANON_WAITABLE_SET_DROP] = "waitable-set.drop",
        [WACC_CANON_WAITABLE_JOIN] = "waitable.join",
        [WACC_CANON_BACKPRESSURE_INC] = "backpressure.inc",
        [WACC_CANON_BACKPRESSURE_DEC] = "backpressure.dec",
        [WACC_CANON_THREAD_INDEX] = "thread.index",
        [WACC_CANON_THREAD_NEW_INDIRECT] = "thread.new-indirect",
        [WACC_CANON_THREAD_RESUME_LATER] = "thread.resume-later",
        [WACC_CANON_THREAD_SUSPEND] = "thread.suspend",
        [WACC_CANON_THREAD_SUSPEND_THEN_RESUME] = "thread.suspend-then-resume",
        [WACC_CANON_THREAD_YIELD_THEN_RESUME] = "thread.yield-then-resume",
        [WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE] = "thread.suspend-then-promote",
        [WACC_CANON_THREAD_YIELD_THEN_PROMOTE] = "thread.yield-then-promote",
        [WACC_CANON_THREAD_SPAWN_REF] = "thread.spawn-ref",
        [WACC_CANON_THREAD_SPAWN_INDIRECT] = "thread.spawn-indirect",
        [WACC_CANON_THREAD_AVAILABLE_PARALLELISM] = "thread.available-parallelism",
    };
    const char *n = op < sizeof names / sizeof names[0] ? names[op] : NULL;
    return n ? n : "canonical builtin";
}

/* A canonical builtin's proposal must be enabled. */
static bool canon_features(vctx *v, const wacc_canon *c)
{
    uint32_t off = c->offset;
    uint8_t op = c->op;
    const char *name = canon_op_name(op);
    if (op == WACC_CANON_LIFT || op == WACC_CANON_LOWER || op == WACC_CANON_RESOURCE_NEW ||
        op == WACC_CANON_RESOURCE_DROP || op == WACC_CANON_RESOURCE_REP)
        return true;
    if (op >= WACC_CANON_THREAD_SPAWN_REF) {
        if (!has(v, WACC_CFEAT_SHARED_THREADS))
            return vfail(v, off, "`%s` requires the shared-everything-threads proposal", name);
        return true;
    }
    if (op >= WACC_CANON_ERROR_CONTEXT_NEW && op <= WACC_CANON_ERROR_CONTEXT_DROP) {
        if (!has(v, WACC_CFEAT_ERROR_CONTEXT))
            return vfail(v, off, "`%s` requires the component model error-context feature", name);
        return true;
    }
    bool threading = op == WACC_CANON_THREAD_INDEX || op == WACC_CANON_THREAD_NEW_INDIRECT ||
                     (op >= WACC_CANON_THREAD_RESUME_LATER &&
                      op <= WACC_CANON_THREAD_YIELD_THEN_PROMOTE);
    if (threading) {
        if (!has(v, WACC_CFEAT_THREADING))
            return vfail(v, off, "`%s` requires the component model threading feature", name);
        return true;
    }
    /* everything else is part of the async proposal */
    if (!has(v, WACC_CFEAT_ASYNC))
        return vfail(v, off, "`%s` requires the component model async feature", name);
    bool cancel = op == WACC_CANON_STREAM_CANCEL_READ || op == WACC_CANON_STREAM_CANCEL_WRITE ||
                  op == WACC_CANON_FUTURE_CANCEL_READ || op == WACC_CANON_FUTURE_CANCEL_WRITE;
    bool rw = op == WACC_CANON_STREAM_READ || op == WACC_CANON_STREAM_WRITE ||
              op == WACC_CANON_FUTURE_READ || op == WACC_CANON_FUTURE_WRITE;
    bool async = c->async || c->opts.nasync;
    if (((cancel && async) || (rw && !async)) && !has(v, WACC_CFEAT_ASYNC_BUILTINS))
        return vfail(v, off, "`%s` requires the component model more async builtins feature", name);
    return true;
}

static bool canon_def_flat(vctx *v, scope *s, const wacc_canon *c);

/* Lists and strings flatten to i64 pointers/lengths with a 64-bit memory.
 * A validated lift/lower of component `comp` (canons[index]) is reported to
 * the visitor, if any. */
static bool canon_def(vctx *v, scope *s, const wacc_component *comp, uint32_t index)
{
    const wacc_canon *c = &comp->canons[index];
    const wacc_canonopts *o = &c->opts;
    bool mem64 = o->nmemory && o->memory < s->sp[WACC_SORT_CORE_MEMORY].n &&
                 s->sp[WACC_SORT_CORE_MEMORY].s[o->memory].c.mem.is64;
    if (mem64)
        v->ptr = WASM_I64;
    bool ok = canon_def_flat(v, s, c);
    v->ptr = WASM_I32;
    if (!ok || !v->visit)
        return ok;
    /* the function type: lift's type immediate, lower's func operand (both
     * checked by canon_def_flat; lower added a core func, not a func) */
    if (c->op == WACC_CANON_LIFT)
        return visit_canon_site(v, comp, index, s->sp[WACC_SORT_TYPE].s[c->type].t.id, mem64);
    if (c->op == WACC_CANON_LOWER)
        return visit_canon_site(v, comp, index, s->sp[WACC_SORT_FUNC].s[c->func].t.id, mem64);
    if (c->op == WACC_CANON_STREAM_READ || c->op == WACC_CANON_STREAM_WRITE ||
        c->op == WACC_CANON_FUTURE_READ || c->op == WACC_CANON_FUTURE_WRITE)
        return visit_elem_site(v, comp, index, s->sp[WACC_SORT_TYPE].s[c->type].t, mem64);
    return true;
}

static bool canon_def_flat(vctx *v, scope *s, const wacc_canon *c)
{
    if (!canon_features(v, c))
        return false;
    uint32_t off = c->offset;
    const wacc_canonopts *o = &c->opts;
    cent out = { .kind = WASM_EXTERN_FUNC };
    bool mem64 = false;
    if (o->nmemory && o->memory < s->sp[WACC_SORT_CORE_MEMORY].n)
        mem64 = s->sp[WACC_SORT_CORE_MEMORY].s[o->memory].c.mem.is64;
    switch (c->op) {
    case WACC_CANON_LIFT: {
        slot *f = get_slot(v, s, WACC_SORT_CORE_FUNC, c->func, off);
        if (!f)
            return false;
        slot *t = get_slot(v, s, WACC_SORT_TYPE, c->type, off);
        if (!t)
            return false;
        if (t->t.prim || TY(v, t->t.id)->kind != WACC_DT_FUNC)
            return vfail(v, off, "type index %u is not a function type", c->type);
        uint32_t fid = t->t.id;
        if (!check_opts(v, s, o, off, true, true, true))
            return false;
        if (o->nasync && !TY(v, fid)->async)
            return vfail(v, off, "the `async` canonical option requires an async function type");
        uint8_t tmp[FLATCAP];
        bool need_mem = fn_needs(v, fid, false) || fn_needs(v, fid, true) ||
                        flat_list(v, TY(v, fid), false, tmp, FLATCAP) > 16 ||
                        flat_list(v, TY(v, fid), true, tmp, FLATCAP) > (o->nasync ? 16u : 1u);
        if (need_mem && !o->nmemory)
            return vfail(v, off, "canonical option `memory` is required");
        bool need_realloc = fn_needs(v, fid, false) ||
                            flat_list(v, TY(v, fid), false, tmp, FLATCAP) > 16;
        if (need_realloc && !o->nrealloc)
            return vfail(v, off, "canonical option `realloc` is required");
        uint32_t want = flat_functype(v, fid, o, true, mem64);
        if (!cent_sub(v, &f->c, &(cent){ .kind = WASM_EXTERN_FUNC, .fty = want }))
            return vfail(v, off, "lowered parameter types do not match the core function's signature (type mismatch)");
        if (o->npost_return) {
            slot *pr = &s->sp[WACC_SORT_CORE_FUNC].s[o->post_return];
            ty *w = TY(v, want);
            uint32_t pw = core_functype(v, w->cf.results, w->cf.nresults, NULL, 0);
            if (!cent_sub(v, &pr->c, &(cent){ .kind = WASM_EXTERN_FUNC, .fty = pw }))
                return vfail(v, off, "canonical option `post-return` uses a core function with an incorrect signature");
        }
        add_slot(s, WACC_SORT_FUNC)->t = t->t;
        return true;
    }
    case WACC_CANON_LOWER: {
        slot *f = get_slot(v, s, WACC_SORT_FUNC, c->func, off);
        if (!f)
            return false;
        uint32_t fid = f->t.id;
        if (!check_opts(v, s, o, off, false, true, false))
            return false;
        if (o->nasync && !TY(v, fid)->async)
            return vfail(v, off, "the `async` canonical option requires an async function type");
        uint8_t tmp[FLATCAP];
        bool need_mem = fn_needs(v, fid, false) || fn_needs(v, fid, true) ||
                        flat_list(v, TY(v, fid), false, tmp, FLATCAP) > (o->nasync ? 4u : 16u) ||
                        flat_list(v, TY(v, fid), true, tmp, FLATCAP) > (o->nasync ? 0u : 1u);
        if (need_mem && !o->nmemory)
            return vfail(v, off, "canonical option `memory` is required");
        if (fn_needs(v, fid, true) && !o->nrealloc)
            return vfail(v, off, "canonical option `realloc` is required");
        out.fty = flat_functype(v, fid, o, false, mem64);
        break;
    }
    case WACC_CANON_RESOURCE_NEW: case WACC_CANON_RESOURCE_REP: {
        uint32_t r;
        if (!get_resource(v, s, c->type, &r, off))
            return false;
        bool local = false;
        for (uint32_t i = 0; i < s->nlocal_res; i++)
            if (s->local_res[i] == rroot(v, r))   /* also under an export's name */
                local = true;
        if (!local)
            return vfail(v, off, "type index %u is not a resource type defined in this component",
                         c->type);
        const char *rp = TY(v, r)->rep == WASM_I64 ? "I" : "i";
        out.fty = c->op == WACC_CANON_RESOURCE_NEW ? sig(v, rp, "i") : sig(v, "i", rp);
        break;
    }
    case WACC_CANON_RESOURCE_DROP: case WACC_CANON_RESOURCE_DROP_ASYNC: {
        uint32_t r;
        if (!get_resource(v, s, c->type, &r, off))
            return false;
        out.fty = sig(v, "i", "");
        break;
    }
    case WACC_CANON_TASK_RETURN: {
        if (c->has_result) {
            sval t;
            if (!get_valtype(v, s, c->result, &t, off))
                return false;
        }
        if (!check_opts(v, s, o, off, false, false, false))
            return false;
        if (o->nrealloc)
            return vfail(v, off, "cannot specify `realloc` option on `task.return`");
        out.any = true;
        break;
    }
    case WACC_CANON_STREAM_NEW: case WACC_CANON_STREAM_READ: case WACC_CANON_STREAM_WRITE:
    case WACC_CANON_STREAM_CANCEL_READ: case WACC_CANON_STREAM_CANCEL_WRITE:
    case WACC_CANON_STREAM_DROP_READABLE: case WACC_CANON_STREAM_DROP_WRITABLE:
    case WACC_CANON_FUTURE_NEW: case WACC_CANON_FUTURE_READ: case WACC_CANON_FUTURE_WRITE:
    case WACC_CANON_FUTURE_CANCEL_READ: case WACC_CANON_FUTURE_CANCEL_WRITE:
    case WACC_CANON_FUTURE_DROP_READABLE: case WACC_CANON_FUTURE_DROP_WRITABLE: {
        slot *t = get_slot(v, s, WACC_SORT_TYPE, c->type, off);
        if (!t)
            return false;
        uint8_t want = c->op <= WACC_CANON_STREAM_DROP_WRITABLE ? WACC_DT_STREAM : WACC_DT_FUTURE;
        if (t->t.prim || TY(v, t->t.id)->kind != want)
            return vfail(v, off, "type index %u is not a %s type", c->type,
                         want == WACC_DT_STREAM ? "stream" : "future");
        if (!check_opts(v, s, o, off, false, true, false))
            return false;
        if ((c->op == WACC_CANON_STREAM_READ || c->op == WACC_CANON_FUTURE_READ) &&
            TY(v, t->t.id)->has_t && needs_memory(v, TY(v, t->t.id)->t) && !o->nrealloc)
            return vfail(v, off, "canonical option `realloc` is required");
        switch (c->op) {    /* CanonicalABI.md: T is the memory's address type */
        case WACC_CANON_STREAM_NEW: case WACC_CANON_FUTURE_NEW:
            out.fty = sig(v, "", "I");
            break;
        case WACC_CANON_STREAM_READ: case WACC_CANON_STREAM_WRITE:
            out.fty = mem64 ? sig(v, "iII", "I") : sig(v, "iii", "i");
            break;
        case WACC_CANON_FUTURE_READ: case WACC_CANON_FUTURE_WRITE:
            out.fty = mem64 ? sig(v, "iI", "i") : sig(v, "ii", "i");
            break;
        case WACC_CANON_STREAM_CANCEL_READ: case WACC_CANON_STREAM_CANCEL_WRITE:
        case WACC_CANON_FUTURE_CANCEL_READ: case WACC_CANON_FUTURE_CANCEL_WRITE:
            out.fty = sig(v, "i", "i");
            break;
        default:
            out.fty = sig(v, "i", "");
            break;
        }
        break;
    }
    case WACC_CANON_THREAD_YIELD: case WACC_CANON_THREAD_INDEX: case WACC_CANON_THREAD_SUSPEND:
        out.fty = sig(v, "", "i");
        break;
    case WACC_CANON_THREAD_RESUME_LATER:
        out.fty = sig(v, "i", "");
        break;
    case WACC_CANON_THREAD_SUSPEND_THEN_RESUME: case WACC_CANON_THREAD_YIELD_THEN_RESUME:
    case WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE: case WACC_CANON_THREAD_YIELD_THEN_PROMOTE:
        out.fty = sig(v, "i", "i");
        break;
    case WACC_CANON_ERROR_CONTEXT_NEW:          /* (ptr, len) -> handle */
        if (!check_opts(v, s, o, off, false, false, false))
            return false;
        out.fty = mem64 ? sig(v, "II", "i") : sig(v, "ii", "i");
        break;
    case WACC_CANON_ERROR_CONTEXT_DEBUG_MESSAGE: /* (handle, out ptr) -> () */
        if (!check_opts(v, s, o, off, false, false, false))
            return false;
        out.fty = mem64 ? sig(v, "iI", "") : sig(v, "ii", "");
        break;
    case WACC_CANON_WAITABLE_SET_WAIT: case WACC_CANON_WAITABLE_SET_POLL:
        if (!get_slot(v, s, WACC_SORT_CORE_MEMORY, o->memory, off))
            return false;
        out.fty = v->ptr == WASM_I64 ? sig(v, "iI", "i") : sig(v, "ii", "i");    /* (set, event ptr) */
        break;
    case WACC_CANON_CONTEXT_GET: case WACC_CANON_CONTEXT_SET:
        if (c->core_valtype != WASM_I32 &&
            !(c->core_valtype == WASM_I64 && has(v, WACC_CFEAT_CM64)))
            return vfail(v, off, "context.get/set only supports type i32%s",
                         has(v, WACC_CFEAT_CM64) ? " or i64" : "");
        if (s->ctx_type && s->ctx_type != c->core_valtype)
            return vfail(v, off, "context.get/set: type must match previous context type");
        s->ctx_type = c->core_valtype;
        if (c->context_index > 1)
            return vfail(v, off, "context index %u out of bounds", c->context_index);
        if (c->context_index > 0 && !has(v, WACC_CFEAT_THREADING))    /* slot 1: cm-threading */
            return vfail(v, off, "immediate must be zero: %u", c->context_index);
        const char *ct = c->core_valtype == WASM_I64 ? "I" : "i";
        out.fty = c->op == WACC_CANON_CONTEXT_GET ? sig(v, "", ct) : sig(v, ct, "");
        break;
    case WACC_CANON_THREAD_NEW_INDIRECT: {
        /* $ft: (func (param T)), T i32 (or i64 with cm64); $ftbl: funcref;
         * the built-in: (func (param U T) (result i32)), U the table's
         * address type (i32 here: the core decoder has no table64) */
        slot *ts = get_slot(v, s, WACC_SORT_CORE_TYPE, c->type, off);
        slot *tb = ts ? get_slot(v, s, WACC_SORT_CORE_TABLE, c->table, off) : NULL;
        if (!tb)
            return false;
        const ty *ft = TY(v, ts->t.id);
        if (ft->kind != TY_CORE_FUNC || ft->cf.nparams != 1 || ft->cf.nresults != 0 ||
            !(ft->cf.params[0] == WASM_I32 || (ft->cf.params[0] == WASM_I64 && has(v, WACC_CFEAT_CM64))))
            return vfail(v, off, "start function must take a single `i32` argument");
        if (tb->c.table.elemtype != WASM_FUNCREF)
            return vfail(v, off, "start function table must be a `funcref` table");
        out.fty = ft->cf.params[0] == WASM_I64 ? sig(v, "iI", "i") : sig(v, "ii", "i");
        break;
    }
    case WACC_CANON_THREAD_SPAWN_INDIRECT:
        if (!get_slot(v, s, WACC_SORT_CORE_TYPE, c->type, off) ||
            !get_slot(v, s, WACC_SORT_CORE_TABLE, c->table, off))
            return false;
        out.any = true;
        break;
    case WACC_CANON_THREAD_SPAWN_REF:
        if (!get_slot(v, s, WACC_SORT_CORE_TYPE, c->type, off))
            return false;
        out.any = true;
        break;
    case WACC_CANON_BACKPRESSURE_INC: case WACC_CANON_BACKPRESSURE_DEC:
        out.fty = sig(v, "", "");
        break;
    case WACC_CANON_WAITABLE_SET_NEW:
        out.fty = sig(v, "", "i");
        break;
    case WACC_CANON_WAITABLE_SET_DROP: case WACC_CANON_SUBTASK_DROP:
    case WACC_CANON_ERROR_CONTEXT_DROP:
        out.fty = sig(v, "i", "");
        break;
    case WACC_CANON_WAITABLE_JOIN:
        out.fty = sig(v, "ii", "");
        break;
    case WACC_CANON_TASK_CANCEL:
        out.fty = sig(v, "", "");
        break;
    case WACC_CANON_SUBTASK_CANCEL:
        out.fty = sig(v, "i", "i");
        break;
    default:
        out.any = true;
        break;
    }
    add_slot(s, WACC_SORT_CORE_FUNC)->c = out;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Declarations of component / instance types.                              */

static bool validate_decls(vctx *v, const wacc_deftype *dt, scope *sc)
{
    for (uint32_t i = 0; i < dt->ndecls; i++) {
        const wacc_decl *d = &dt->decls[i];
        switch (d->kind) {
        case WACC_DECL_CORE_TYPE: {
            uint32_t id;
            if (!core_type_def(v, sc, d->core_type, &id))
                return false;
            add_slot(sc, WACC_SORT_CORE_TYPE)->t = (sval){ .id = id };
            break;
        }
        case WACC_DECL_TYPE: {
            sval t;
            if (!build_type(v, sc, d->type, &t))
                return false;
            add_slot(sc, WACC_SORT_TYPE)->t = t;
            break;
        }
        case WACC_DECL_ALIAS:
            if (!do_alias(v, sc, &d->alias, true))
                return false;
            break;
        case WACC_DECL_IMPORT:
            if (!add_import(v, sc, &d->name, &d->ext, d->offset))
                return false;
            break;
        case WACC_DECL_EXPORT: {
            sext e = { 0 };
            if (!externtype_ent(v, sc, &d->ext, d->offset, false, &e))
                return false;
            if (e.sort == WACC_SORT_INSTANCE && TY(v, e.t.id)->nexp_res) {
                /* exporting an instance type freshens its resources, which
                 * become abstract resources of this type */
                e.t = fresh_instance(v, e.t.id);
                for (uint32_t k = 0; k < TY(v, e.t.id)->nexp_res; k++)
                    *VPUSH(sc->exp_res, sc->nexp_res, sc->caper) = TY(v, e.t.id)->exp_res[k];
            }
            if (!add_export_ent(v, sc, &d->name, e, d->offset))
                return false;
            break;
        }
        }
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Component definitions.                                                   */

static bool export_def(vctx *v, scope *s, const wacc_export *ex)
{
    sext e = { 0 };
    bool abstract = false;
    if (!sortidx_ent(v, s, ex->item, ex->offset, &e))
        return false;
    if (ex->has_type) {
        sext asc = { 0 };
        if (!externtype_ent(v, s, &ex->type, ex->offset, false, &asc))
            return false;
        const char *why = "type mismatch";
        if (asc.sort == WACC_SORT_TYPE && ex->type.sub_resource) {
            if (e.t.prim || TY(v, e.t.id)->kind != WACC_DT_RESOURCE)
                return vfail(v, ex->offset, "ascribed type of export is not compatible with item's type: expected resource");
            /* keep the actual resource inside; outside, the export (a new
             * name, see add_export_ent) is a resource of its own */
            s->nexp_res--;
            asc.t = e.t;
            abstract = true;
        } else if (!sext_sub(v, &e, &asc, NULL, NULL, &why)) {
            return vfail(v, ex->offset, "ascribed type of export is not compatible with item's type: %s",
                         why);
        }
        e = asc;
    }
    if (!add_export_ent(v, s, &ex->name, e, ex->offset))
        return false;
    if (abstract) {
        uint32_t id = s->exports[s->nexports - 1].t.id;
        TY(v, id)->res_outer = id;
    }
    return true;
}

static bool validate_component_scope(vctx *v, const wacc_component *c, scope *sc)
{
    for (uint32_t i = 0; i < c->ndefs; i++) {
        const wacc_def *d = &c->defs[i];
        bool ok = true;
        switch (d->kind) {
        case WACC_DEF_CORE_MODULE:
            ok = core_module_def(v, sc, &c->core_modules[d->index]);
            break;
        case WACC_DEF_CORE_INSTANCE:
            ok = core_instance_def(v, sc, &c->core_instances[d->index]);
            break;
        case WACC_DEF_CORE_TYPE: {
            uint32_t id;
            ok = core_type_def(v, sc, c->core_types[d->index], &id);
            if (ok)
                add_slot(sc, WACC_SORT_CORE_TYPE)->t = (sval){ .id = id };
            break;
        }
        case WACC_DEF_COMPONENT: {
            const wacc_component *sub = c->components[d->index];
            scope ss = { .parent = sc, .kind = SC_COMPONENT };
            ok = validate_component_scope(v, sub, &ss);
            if (ok) {
                uint32_t id = ty_new(v, WACC_DT_COMPONENT);
                ty *t = TY(v, id);
                t->imports = ss.imports; t->nimports = ss.nimports; ss.imports = NULL;
                t->exports = ss.exports; t->nexports = ss.nexports; ss.exports = NULL;
                t->imp_res = ss.imp_res; t->nimp_res = ss.nimp_res; ss.imp_res = NULL;
                /* existential resources: every exported resource not imported */
                for (uint32_t k = 0; k < t->nexports; k++) {
                    sext *e = &TY(v, id)->exports[k];
                    if (e->sort != WACC_SORT_TYPE || e->t.prim ||
                        TY(v, e->t.id)->kind != WACC_DT_RESOURCE)
                        continue;
                    uint32_t r = res_outer(v, e->t.id);
                    bool imported = in_list(ss.exp_res, ss.nexp_res, r) ||
                                    (r == rroot(v, e->t.id) &&
                                     in_list(TY(v, id)->imp_res, TY(v, id)->nimp_res, r));
                    if (!imported)
                        *VPUSH(ss.exp_res, ss.nexp_res, ss.caper) = r;
                }
                t = TY(v, id);
                t->exp_res = ss.exp_res; t->nexp_res = ss.nexp_res; ss.exp_res = NULL;
                add_slot(sc, WACC_SORT_COMPONENT)->t = (sval){ .id = id };
                ok = set_size(v, id, sub->offset);
            }
            scope_free(&ss);
            break;
        }
        case WACC_DEF_INSTANCE:
            ok = instance_def(v, sc, &c->instances[d->index]);
            break;
        case WACC_DEF_ALIAS:
            ok = do_alias(v, sc, &c->aliases[d->index], false);
            break;
        case WACC_DEF_TYPE: {
            sval t;
            ok = build_type(v, sc, c->types[d->index], &t);
            if (ok)
                add_slot(sc, WACC_SORT_TYPE)->t = t;
            break;
        }
        case WACC_DEF_CANON:
            ok = canon_def(v, sc, c, d->index);
            break;
        case WACC_DEF_START: {
            const wacc_start *st = &c->starts[d->index];
            if (!values_enabled(v, st->offset))
                return false;
            if (d->index > 0)
                return vfail(v, st->offset, "component cannot have more than one start function");
            slot *f = get_slot(v, sc, WACC_SORT_FUNC, st->func, st->offset);
            ok = f != NULL;
            for (uint32_t k = 0; ok && k < st->nargs; k++) {
                slot *a = get_slot(v, sc, WACC_SORT_VALUE, st->args[k], st->offset);
                ok = a != NULL;
                if (ok && a->consumed)
                    ok = vfail(v, st->offset, "cannot use value %u more than once", st->args[k]);
                if (ok)
                    a->consumed = true;
            }
            if (ok && (TY(v, f->t.id)->nfields != st->nargs ||
                       (TY(v, f->t.id)->has_t ? 1u : 0u) != st->nresults))
                ok = vfail(v, st->offset, "start function arity mismatch");
            for (uint32_t k = 0; ok && k < st->nargs; k++)
                if (!sval_eq(v, sc->sp[WACC_SORT_VALUE].s[st->args[k]].t,
                             TY(v, f->t.id)->fields[k].t, NULL, NULL))
                    ok = vfail(v, st->offset, "type mismatch for component start function argument %u",
                               k);
            for (uint32_t k = 0; ok && k < st->nresults; k++)
                add_slot(sc, WACC_SORT_VALUE)->t = TY(v, f->t.id)->t;
            break;
        }
        case WACC_DEF_IMPORT: {
            const wacc_import *im = &c->imports[d->index];
            ok = add_import(v, sc, &im->name, &im->type, im->offset);
            break;
        }
        case WACC_DEF_EXPORT:
            ok = export_def(v, sc, &c->exports[d->index]);
            break;
        case WACC_DEF_VALUE:
            ok = values_enabled(v, c->offset) &&
                 vfail(v, c->offset, "value definitions are not supported");
            break;
        }
        if (!ok)
            return false;
    }
    for (uint32_t i = 0; i < sc->sp[WACC_SORT_VALUE].n; i++)
        if (!sc->sp[WACC_SORT_VALUE].s[i].consumed)
            return vfail(v, c->end, "value index %u was not used as part of an instantiation, start function, or export",
                         i);
    return true;
}

static void free_modules(vctx *v)
{
    for (uint32_t i = 0; i < v->ntypes; i++) {
        ty *t = &v->types[i];
        if (t->kind == TY_CORE_MODULE && t->len == 0xfffffffe) {
            wasm_module_free((wasm_module *)(void *)t->fields);
            t->fields = NULL;
        }
    }
}

bool wacc_component_validate(const wacc_component *c, wasm_error *err)
{
    return wacc_component_validate_features(c, WACC_CFEAT_DEFAULT, err);
}

bool wacc_component_validate_features(const wacc_component *c, uint32_t features,
                                      wasm_error *err)
{
    return wacc_component_validate_visit(c, features, err, NULL, NULL, NULL);
}

bool wacc_component_validate_visit(const wacc_component *c, uint32_t features, wasm_error *err,
                                   struct wacc_arena *arena, wacc_canon_visit_fn fn, void *user)
{
    wasm_error dummy;
    vvisit w = { .arena = arena, .fn = fn, .user = user };
    vctx v = { .err = err ? err : &dummy, .features = features, .ptr = WASM_I32,
               .visit = fn && arena ? &w : NULL };
    scope sc = { .kind = SC_COMPONENT };
    ty_new(&v, 0xff);           /* id 0 is reserved (means "none") */
    bool ok = c && validate_component_scope(&v, c, &sc);
    if (!c)
        cerr_set(err, 0, "no component");
    scope_free(&sc);
    free_modules(&v);
    vctx_free(&v);
    vvisit_free(&w);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Feature lists.                                                           */

static const struct { const char *name; uint32_t bit; } feature_names[] = {
    { "cm-values", WACC_CFEAT_VALUES },
    { "cm-async", WACC_CFEAT_ASYNC },
    { "cm-more-async-builtins", WACC_CFEAT_ASYNC_BUILTINS },
    { "cm-async-builtins", WACC_CFEAT_ASYNC_BUILTINS },
    { "cm-async-stackful", WACC_CFEAT_ASYNC_STACKFUL },
    { "cm-error-context", WACC_CFEAT_ERROR_CONTEXT },
    { "cm-fixed-length-lists", WACC_CFEAT_FIXED_LISTS },
    { "cm-fixed-size-list", WACC_CFEAT_FIXED_LISTS },
    { "cm-map", WACC_CFEAT_MAP },
    { "cm-threading", WACC_CFEAT_THREADING },
    { "cm64", WACC_CFEAT_CM64 },
    { "cm-nested-names", WACC_CFEAT_NESTED_NAMES },
    { "shared-everything-threads", WACC_CFEAT_SHARED_THREADS },
};

void wacc_component_features_apply(const char *list, uint32_t *features)
{
    const char *p = list;
    while (p && *p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        bool off = false;
        if (*p == '-' || *p == '+') {
            off = *p == '-';
            p++;
        }
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - start);
        if (len == 3 && !strncmp(start, "all", 3)) {
            *features = off ? 0 : WACC_CFEAT_ALL;
            continue;
        }
        for (size_t i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++)
            if (strlen(feature_names[i].name) == len && !strncmp(feature_names[i].name, start, len)) {
                if (off)
                    *features &= ~feature_names[i].bit;
                else
                    *features |= feature_names[i].bit;
            }
    }
}
