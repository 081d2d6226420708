/*
 * component.c — instantiating a component: walk its definitions in order
 * (the instantiation plan, read from the component description at
 * instantiation time) and fill one index space per sort of each component
 * instance ("frame"):
 *
 *   core module        the flattened module number (component_load.c)
 *   core instance      wacc_instantiate of that module's artifact, imports
 *                      taken from the named argument instances; or a bag
 *                      of inline exports
 *   alias              export of a (core) instance, or an outer item
 *   type               lazily resolved to an abi-glue wacc_ctype; resource
 *                      types are created per instance (generative)
 *   canon              lift -> component function; lower -> host function
 *                      (component_call.c); resource.new/drop/rep -> host
 *                      functions on the instance's handle table
 *   component          definition + lexical parent frame
 *   instance           a nested frame run with the given arguments, or a
 *                      bag of inline exports
 *   import / export    arguments of the frame / its export bag
 *
 * Root imports are resolved by the host (functions, and instances of
 * functions); component start functions and values are not supported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component_internal.h"

typedef struct carg {
    const char *name;
    citem item;
} carg;

/* Instantiation state shared by every frame of one graph. */
typedef struct ictx {
    wacc_cinstance *ci;
    wacc_trap *trap;
    char *err;
} ictx;

static void *aalloc(wacc_cinstance *ci, size_t n)
{
    void *p = wacc_arena_alloc(&ci->arena, n ? n : 1);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

static bool oom(ictx *x)
{
    wacc__err(x->err, "out of memory");
    return false;
}

/* ---- frames and index spaces ---- */

static cframe *frame_new(wacc_cinstance *ci, const wacc_component *c, cframe *outer, uint32_t *caps)
{
    cframe *f = aalloc(ci, sizeof *f);
    if (!f)
        return NULL;
    f->ci = ci;
    f->c = c;
    f->outer = outer;
    for (int s = 0; s < WACC_SORT_COUNT; s++) {
        uint32_t n = c ? c->spaces[s].count : caps[s];
        f->space[s] = aalloc(ci, (size_t)n * sizeof(citem));
        if (!f->space[s])
            return NULL;
        f->cap[s] = n;
    }
    if (wacc_cinst_init(&f->abi) != 0)
        return NULL;
    f->id = ci->nframes++;
    if (c && c->name && c->name[0])
        snprintf(f->label, sizeof f->label, "%s", c->name);
    else if (f->id == 0)
        snprintf(f->label, sizeof f->label, "root");
    else
        snprintf(f->label, sizeof f->label, "component %u", f->id);
    f->next_frame = ci->frames;
    ci->frames = f;
    return f;
}

static bool push(ictx *x, cframe *f, uint8_t sort, const citem *it)
{
    if (sort >= WACC_SORT_COUNT || f->count[sort] >= f->cap[sort]) {
        wacc__err(x->err, "internal error: %s index space overflow",
                  sort < WACC_SORT_COUNT ? wacc_sort_name(sort) : "?");
        return false;
    }
    citem *d = &f->space[sort][f->count[sort]++];
    *d = *it;
    d->sort = sort;
    return true;
}

static citem *get(ictx *x, cframe *f, uint8_t sort, uint32_t idx)
{
    if (sort >= WACC_SORT_COUNT || idx >= f->count[sort]) {
        wacc__err(x->err, "%s index %u out of range", sort < WACC_SORT_COUNT ? wacc_sort_name(sort) : "?",
                  idx);
        return NULL;
    }
    return &f->space[sort][idx];
}

static bool bag_add(ictx *x, cbag *b, uint32_t cap, const char *name, const citem *it)
{
    if (b->n >= cap) {
        wacc__err(x->err, "internal error: too many exports");
        return false;
    }
    b->names[b->n] = name;
    b->items[b->n] = *it;
    b->n++;
    return true;
}

/* Lifted functions exported (directly, or in an exported instance) get
 * their export name, the first one wins: "f" or "ns:pkg/iface#f". */
static bool name_funcs(wacc_cinstance *ci, const citem *it, const char *ename)
{
    if (it->sort == WACC_SORT_FUNC && it->u.func && it->u.func->kind == CF_LIFTED && !it->u.func->name)
        it->u.func->name = ename;
    if (it->sort != WACC_SORT_INSTANCE || !it->u.inst)
        return true;
    const cbag *b = it->u.inst;
    for (uint32_t i = 0; i < b->n; i++) {
        struct wacc_cfunc *F = b->items[i].sort == WACC_SORT_FUNC ? b->items[i].u.func : NULL;
        if (!F || F->kind != CF_LIFTED || F->name)
            continue;
        size_t n = strlen(ename) + strlen(b->names[i]) + 2;
        char *s = aalloc(ci, n);
        if (!s)
            return false;
        snprintf(s, n, "%s#%s", ename, b->names[i]);
        F->name = s;
    }
    return true;
}

static cbag *bag_new(wacc_cinstance *ci, uint32_t cap)
{
    cbag *b = aalloc(ci, sizeof *b);
    if (!b)
        return NULL;
    b->names = aalloc(ci, (size_t)cap * sizeof *b->names);
    b->items = aalloc(ci, (size_t)cap * sizeof *b->items);
    return b->names && b->items ? b : NULL;
}

static const citem *bag_find(const cbag *b, const char *name)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (strcmp(b->names[i], name) == 0)
            return &b->items[i];
    return NULL;
}

/* ---- types ---- */

static wacc_ckind prim_kind(uint8_t pt)
{
    switch (pt) {
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
    default: return 0;
    }
}

static ctyitem *type_item(cframe *f, uint32_t idx, char *err, size_t errlen)
{
    if (idx >= f->count[WACC_SORT_TYPE] || !f->space[WACC_SORT_TYPE][idx].u.type) {
        snprintf(err, errlen, "type index %u out of range", idx);
        return NULL;
    }
    return f->space[WACC_SORT_TYPE][idx].u.type;
}

static const wacc_ctype *build_type(cframe *f, const wacc_deftype *dt, char *err, size_t errlen);

static const wacc_ctype *item_ctype(ctyitem *t, char *err, size_t errlen)
{
    if (t->ct)
        return t->ct;
    if (!t->dt || t->dt->kind == WACC_DT_RESOURCE) {
        snprintf(err, errlen, "a resource type is not a value type");
        return NULL;
    }
    if (t->busy) {
        snprintf(err, errlen, "recursive type");
        return NULL;
    }
    t->busy = true;
    t->ct = build_type(t->f, t->dt, err, errlen);
    t->busy = false;
    return t->ct;
}

const wacc_ctype *wacc__ctype_of(cframe *f, wacc_cm_valtype vt, char *err, size_t errlen)
{
    if (vt.prim) {
        wacc_ckind k = prim_kind(vt.prim);
        const wacc_ctype *t = k ? wacc_ctype_prim(k) : NULL;
        if (!t)
            snprintf(err, errlen, "unsupported primitive type 0x%02x", vt.prim);
        return t;
    }
    ctyitem *t = type_item(f, vt.idx, err, errlen);
    return t ? item_ctype(t, err, errlen) : NULL;
}

static const wacc_ctype *opt_type(cframe *f, bool has, wacc_cm_valtype vt, bool *ok, char *err,
                                  size_t errlen)
{
    if (!has)
        return NULL;
    const wacc_ctype *t = wacc__ctype_of(f, vt, err, errlen);
    if (!t)
        *ok = false;
    return t;
}

static const wacc_ctype *build_type(cframe *f, const wacc_deftype *dt, char *err, size_t errlen)
{
    wacc_arena *a = &f->ci->arena;
    bool ok = true;
    uint32_t n = dt->nfields;
    const wacc_ctype *r = NULL;
    switch (dt->kind) {
    case WACC_DT_PRIM: {
        wacc_ckind k = prim_kind(dt->prim);
        r = k ? wacc_ctype_prim(k) : NULL;
        break;
    }
    case WACC_DT_RECORD:
    case WACC_DT_VARIANT: {
        wacc_cfield *fs = wacc_arena_alloc(a, (n ? n : 1) * sizeof *fs);
        if (!fs)
            break;
        for (uint32_t i = 0; i < n && ok; i++) {
            fs[i].label = dt->fields[i].label ? dt->fields[i].label : "";
            fs[i].type = opt_type(f, dt->kind == WACC_DT_RECORD || dt->fields[i].has_type,
                                  dt->fields[i].type, &ok, err, errlen);
        }
        if (ok)
            r = dt->kind == WACC_DT_RECORD ? wacc_ctype_record(a, fs, n) : wacc_ctype_variant(a, fs, n);
        break;
    }
    case WACC_DT_TUPLE: {
        const wacc_ctype **ts = wacc_arena_alloc(a, (n ? n : 1) * sizeof *ts);
        if (!ts)
            break;
        for (uint32_t i = 0; i < n && ok; i++)
            ts[i] = opt_type(f, true, dt->fields[i].type, &ok, err, errlen);
        if (ok)
            r = wacc_ctype_tuple(a, ts, n);
        break;
    }
    case WACC_DT_FLAGS:
    case WACC_DT_ENUM: {
        const char **ls = wacc_arena_alloc(a, (n ? n : 1) * sizeof *ls);
        if (!ls)
            break;
        for (uint32_t i = 0; i < n; i++)
            ls[i] = dt->fields[i].label ? dt->fields[i].label : "";
        r = dt->kind == WACC_DT_FLAGS ? wacc_ctype_flags(a, ls, n) : wacc_ctype_enum(a, ls, n);
        break;
    }
    case WACC_DT_LIST:
    case WACC_DT_FIXED_LIST:
    case WACC_DT_OPTION: {
        const wacc_ctype *e = opt_type(f, true, dt->t, &ok, err, errlen);
        if (!ok)
            return NULL;
        r = dt->kind == WACC_DT_LIST ? wacc_ctype_list(a, e)
            : dt->kind == WACC_DT_OPTION ? wacc_ctype_option(a, e)
            : wacc_ctype_list_fixed(a, e, dt->len);
        break;
    }
    case WACC_DT_RESULT: {
        const wacc_ctype *okt = opt_type(f, dt->has_t, dt->t, &ok, err, errlen);
        const wacc_ctype *et = ok ? opt_type(f, dt->has_u, dt->u, &ok, err, errlen) : NULL;
        if (ok)
            r = wacc_ctype_result(a, okt, et);
        break;
    }
    case WACC_DT_MAP: {
        /* map<K, V> has the Canonical ABI of list<tuple<K, V>> (and is
         * lifted to such a value). */
        const wacc_ctype *kv[2];
        kv[0] = opt_type(f, true, dt->t, &ok, err, errlen);
        kv[1] = ok ? opt_type(f, true, dt->u, &ok, err, errlen) : NULL;
        if (ok) {
            const wacc_ctype *pair = wacc_ctype_tuple(a, kv, 2);
            r = pair ? wacc_ctype_list(a, pair) : NULL;
        }
        break;
    }
    case WACC_DT_STREAM:
    case WACC_DT_FUTURE: {
        const wacc_ctype *e = opt_type(f, dt->has_t, dt->t, &ok, err, errlen);
        if (ok)
            r = dt->kind == WACC_DT_STREAM ? wacc_ctype_stream(a, e) : wacc_ctype_future(a, e);
        break;
    }
    case WACC_DT_OWN:
    case WACC_DT_BORROW: {
        ctyitem *rt = type_item(f, dt->t.idx, err, errlen);
        if (!rt)
            return NULL;
        if (!rt->rt) {
            snprintf(err, errlen, "own/borrow of a type that is not a resource");
            return NULL;
        }
        r = dt->kind == WACC_DT_OWN ? wacc_ctype_own(a, rt->rt) : wacc_ctype_borrow(a, rt->rt);
        break;
    }
    default:
        snprintf(err, errlen, "unsupported type (kind %u) in a Canonical ABI signature", dt->kind);
        return NULL;
    }
    if (!r && ok && !err[0])
        snprintf(err, errlen, "invalid or unsupported type");
    return r;
}

bool wacc__functype_of(cframe *f, uint32_t idx, struct wacc_cfunc *out, char *err, size_t errlen)
{
    ctyitem *t = type_item(f, idx, err, errlen);
    if (!t)
        return false;
    const wacc_deftype *dt = t->dt;
    if (!dt || dt->kind != WACC_DT_FUNC) {
        snprintf(err, errlen, "type %u is not a function type", idx);
        return false;
    }
    out->async_ft = dt->async;
    wacc_arena *a = &f->ci->arena;
    out->nparams = dt->nfields;
    out->params = wacc_arena_alloc(a, (dt->nfields + 1) * sizeof *out->params);
    out->names = wacc_arena_alloc(a, (dt->nfields + 1) * sizeof *out->names);
    if (!out->params || !out->names) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < dt->nfields; i++) {
        out->names[i] = dt->fields[i].label;
        out->params[i] = wacc__ctype_of(t->f, dt->fields[i].type, err, errlen);
        if (!out->params[i])
            return false;
    }
    out->result = NULL;
    if (dt->has_t && !(out->result = wacc__ctype_of(t->f, dt->t, err, errlen)))
        return false;
    return true;
}

/* ---- core instances ---- */

/* Is export `name` of module m a 64-bit memory? */
static bool module_mem64(const wasm_module *m, const char *name)
{
    if (!m)
        return false;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *e = &m->exports[i];
        if (e->kind == WASM_EXTERN_MEMORY && strlen(name) == e->name_len &&
            memcmp(e->name, name, e->name_len) == 0)
            return e->index < m->nmemories && m->memories[e->index].is64;
    }
    return false;
}

/* mem64 (may be NULL): set when the export is a 64-bit memory. */
static bool core_export(const ccore_inst *ci, const char *name, wacc_extern *out, bool *mem64)
{
    if (mem64)
        *mem64 = false;
    if (ci->inst) {
        if (!wacc_instance_export(ci->inst, name, out))
            return false;
        if (mem64 && out->kind == WACC_EXTERN_MEMORY)
            *mem64 = module_mem64(ci->mod, name);
        return true;
    }
    for (uint32_t i = 0; i < ci->n; i++)
        if (strcmp(ci->names[i], name) == 0) {
            *out = ci->exts[i];
            if (mem64 && ci->mem64)
                *mem64 = ci->mem64[i];
            return true;
        }
    return false;
}

static const char *extern_kind_name(int k)
{
    switch (k) {
    case WACC_EXTERN_FUNC: return "func";
    case WACC_EXTERN_TABLE: return "table";
    case WACC_EXTERN_MEMORY: return "memory";
    case WACC_EXTERN_GLOBAL: return "global";
    default: return "?";
    }
}

static int core_sort_kind(uint8_t sort)
{
    switch (sort) {
    case WACC_SORT_CORE_FUNC: return WACC_EXTERN_FUNC;
    case WACC_SORT_CORE_TABLE: return WACC_EXTERN_TABLE;
    case WACC_SORT_CORE_MEMORY: return WACC_EXTERN_MEMORY;
    case WACC_SORT_CORE_GLOBAL: return WACC_EXTERN_GLOBAL;
    default: return -1;
    }
}

static bool core_instantiate(ictx *x, cframe *f, const wacc_core_instance *ci)
{
    citem it = { 0 };
    ccore_inst *cin = aalloc(x->ci, sizeof *cin);
    if (!cin)
        return oom(x);
    it.u.cinst = cin;
    if (!ci->instantiate) {
        cin->n = ci->nargs;
        cin->names = aalloc(x->ci, (size_t)ci->nargs * sizeof *cin->names);
        cin->exts = aalloc(x->ci, (size_t)ci->nargs * sizeof *cin->exts);
        cin->mem64 = aalloc(x->ci, (size_t)ci->nargs * sizeof *cin->mem64);
        if (!cin->names || !cin->exts || !cin->mem64)
            return oom(x);
        for (uint32_t i = 0; i < ci->nargs; i++) {
            const wacc_core_arg *a = &ci->args[i];
            if (core_sort_kind(a->sort) < 0) {
                wacc__err(x->err, "core instance export %s: unsupported sort %s", a->name.str,
                          wacc_sort_name(a->sort));
                return false;
            }
            citem *src = get(x, f, a->sort, a->idx);
            if (!src)
                return false;
            cin->names[i] = a->name.str;
            cin->exts[i] = src->u.core;
            cin->mem64[i] = src->mem64;
        }
        return push(x, f, WACC_SORT_CORE_INSTANCE, &it);
    }
    citem *mi = get(x, f, WACC_SORT_CORE_MODULE, ci->module);
    if (!mi)
        return false;
    wacc_artifact *art = x->ci->art;
    if (mi->u.module >= art->nmodules) {
        wacc__err(x->err, "core module %u not in the artifact", mi->u.module);
        return false;
    }
    wacc_artifact *ma = art->modules[mi->u.module];
    const wasm_module *m = ma->mod;
    wacc_extern *exts = wacc__calloc(m->nimports, sizeof *exts);
    if (!exts)
        return oom(x);
    bool ok = true;
    for (uint32_t i = 0; i < m->nimports && ok; i++) {
        const wasm_import *im = &m->imports[i];
        const wacc_core_arg *arg = NULL;
        for (uint32_t k = 0; k < ci->nargs; k++)
            if (strcmp(ci->args[k].name.str, im->module) == 0)
                arg = &ci->args[k];
        citem *src = arg ? get(x, f, WACC_SORT_CORE_INSTANCE, arg->idx) : NULL;
        if (!src || !core_export(src->u.cinst, im->name, &exts[i], NULL)) {
            wacc__err(x->err, "unknown import: %s::%s was not found", im->module, im->name);
            ok = false;
        } else if ((int)exts[i].kind != im->kind) {
            wacc__err(x->err, "incompatible import type for %s::%s: expected %s, found %s",
                      im->module, im->name, extern_kind_name(im->kind),
                      extern_kind_name(exts[i].kind));
            ok = false;
        }
    }
    if (ok) {
        cin->mod = m;
        cin->inst = wacc_instantiate(x->ci->store, ma, exts, m->nimports, x->trap, x->err);
        ok = cin->inst != NULL;
    }
    free(exts);
    return ok && push(x, f, WACC_SORT_CORE_INSTANCE, &it);
}

/* ---- canonical definitions ---- */

static bool resolve_opts(ictx *x, cframe *f, const wacc_canonopts *o, copts *out)
{
    memset(out, 0, sizeof *out);
    out->encoding = o->encoding;
    if (o->nmemory) {
        citem *m = get(x, f, WACC_SORT_CORE_MEMORY, o->memory);
        if (!m)
            return false;
        out->memory = m->u.core.of.memory;
        out->mem64 = m->mem64;
    }
    if (o->nrealloc) {
        citem *r = get(x, f, WACC_SORT_CORE_FUNC, o->realloc);
        if (!r)
            return false;
        out->realloc = r->u.core.of.func;
    }
    if (o->npost_return) {
        citem *r = get(x, f, WACC_SORT_CORE_FUNC, o->post_return);
        if (!r)
            return false;
        out->post_return = r->u.core.of.func;
    }
    return true;
}

static bool canon(ictx *x, cframe *f, const wacc_canon *cn)
{
    citem it = { 0 };
    char e[300] = "";
    switch (cn->op) {
    case WACC_CANON_LIFT: {
        citem *core = get(x, f, WACC_SORT_CORE_FUNC, cn->func);
        if (!core)
            return false;
        struct wacc_cfunc *fn = aalloc(x->ci, sizeof *fn);
        if (!fn)
            return oom(x);
        fn->kind = CF_LIFTED;
        fn->f = f;
        fn->core = core->u.core.of.func;
        if (!wacc__functype_of(f, cn->type, fn, e, sizeof e)) {
            wacc__err(x->err, "canon lift: %s", e);
            return false;
        }
        if (!resolve_opts(x, f, &cn->opts, &fn->opts))
            return false;
        fn->async_opt = cn->opts.nasync != 0;
        if (cn->opts.ncallback) {
            citem *cb = get(x, f, WACC_SORT_CORE_FUNC, cn->opts.callback);
            if (!cb)
                return false;
            fn->callback = cb->u.core.of.func;
        }
        wacc_flatten_functype(fn->params, fn->nparams, fn->result, fn->opts.mem64, fn->async_opt,
                              fn->callback != NULL, WACC_ABI_LIFT, &fn->ft);
        it.u.func = fn;
        return push(x, f, WACC_SORT_FUNC, &it);
    }
    case WACC_CANON_LOWER: {
        citem *fi = get(x, f, WACC_SORT_FUNC, cn->func);
        if (!fi)
            return false;
        copts o;
        if (!resolve_opts(x, f, &cn->opts, &o))
            return false;
        wacc_func *hf = wacc__async_call(fi->u.func, cn->opts.nasync != 0)
                            ? wacc__async_lower(f, fi->u.func, &o, cn->opts.nasync != 0)
                            : wacc__canon_lower(f, fi->u.func, &o);
        if (!hf)
            return oom(x);
        it.u.core.kind = WACC_EXTERN_FUNC;
        it.u.core.of.func = hf;
        return push(x, f, WACC_SORT_CORE_FUNC, &it);
    }
    case WACC_CANON_RESOURCE_NEW:
    case WACC_CANON_RESOURCE_DROP:
    case WACC_CANON_RESOURCE_REP: {
        ctyitem *t = type_item(f, cn->type, e, sizeof e);
        if (!t || !t->rt) {
            wacc__err(x->err, "resource built-in: %s", t ? "not a resource type" : e);
            return false;
        }
        bool rep64 = t->dt && t->dt->kind == WACC_DT_RESOURCE && t->dt->rep == WASM_I64;
        wacc_func *hf = wacc__canon_resource(f, cn->op, t->rt, rep64);
        if (!hf)
            return oom(x);
        it.u.core.kind = WACC_EXTERN_FUNC;
        it.u.core.of.func = hf;
        return push(x, f, WACC_SORT_CORE_FUNC, &it);
    }
    case WACC_CANON_ERROR_CONTEXT_NEW:
    case WACC_CANON_ERROR_CONTEXT_DEBUG_MESSAGE:
    case WACC_CANON_ERROR_CONTEXT_DROP: {
        copts o;
        if (!resolve_opts(x, f, &cn->opts, &o))
            return false;
        wacc_func *hf = wacc__canon_error_context(f, cn->op, &o);
        if (!hf)
            return oom(x);
        it.u.core.kind = WACC_EXTERN_FUNC;
        it.u.core.of.func = hf;
        return push(x, f, WACC_SORT_CORE_FUNC, &it);
    }
    case WACC_CANON_TASK_RETURN: case WACC_CANON_TASK_CANCEL:
    case WACC_CANON_CONTEXT_GET: case WACC_CANON_CONTEXT_SET:
    case WACC_CANON_THREAD_YIELD: case WACC_CANON_THREAD_INDEX:
    case WACC_CANON_THREAD_NEW_INDIRECT: case WACC_CANON_THREAD_RESUME_LATER:
    case WACC_CANON_THREAD_SUSPEND: case WACC_CANON_THREAD_SUSPEND_THEN_RESUME:
    case WACC_CANON_THREAD_YIELD_THEN_RESUME: case WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE:
    case WACC_CANON_THREAD_YIELD_THEN_PROMOTE:
    case WACC_CANON_SUBTASK_CANCEL: case WACC_CANON_SUBTASK_DROP:
    case WACC_CANON_BACKPRESSURE_INC: case WACC_CANON_BACKPRESSURE_DEC:
    case WACC_CANON_WAITABLE_SET_NEW: case WACC_CANON_WAITABLE_SET_WAIT:
    case WACC_CANON_WAITABLE_SET_POLL: case WACC_CANON_WAITABLE_SET_DROP:
    case WACC_CANON_WAITABLE_JOIN:
    case WACC_CANON_STREAM_NEW: case WACC_CANON_STREAM_READ: case WACC_CANON_STREAM_WRITE:
    case WACC_CANON_STREAM_CANCEL_READ: case WACC_CANON_STREAM_CANCEL_WRITE:
    case WACC_CANON_STREAM_DROP_READABLE: case WACC_CANON_STREAM_DROP_WRITABLE:
    case WACC_CANON_FUTURE_NEW: case WACC_CANON_FUTURE_READ: case WACC_CANON_FUTURE_WRITE:
    case WACC_CANON_FUTURE_CANCEL_READ: case WACC_CANON_FUTURE_CANCEL_WRITE:
    case WACC_CANON_FUTURE_DROP_READABLE: case WACC_CANON_FUTURE_DROP_WRITABLE: {
        copts o;
        if (!resolve_opts(x, f, &cn->opts, &o))
            return false;
        wacc_func *hf = wacc__async_builtin(f, cn, &o, e, sizeof e);
        if (!hf) {
            wacc__err(x->err, "canonical built-in 0x%02x: %s", cn->op, e[0] ? e : "out of memory");
            return false;
        }
        it.u.core.kind = WACC_EXTERN_FUNC;
        it.u.core.of.func = hf;
        return push(x, f, WACC_SORT_CORE_FUNC, &it);
    }
    default:
        wacc__err(x->err, "canonical built-in 0x%02x is not supported", cn->op);
        return false;
    }
}

/* ---- types ---- */

static bool type_def(ictx *x, cframe *f, const wacc_deftype *dt, const char *name)
{
    citem it = { 0 };
    ctyitem *t = aalloc(x->ci, sizeof *t);
    if (!t)
        return oom(x);
    t->f = f;
    t->dt = dt;
    if (dt->kind == WACC_DT_RESOURCE) {
        wacc_resource_type *rt = aalloc(x->ci, sizeof *rt);
        if (!rt)
            return oom(x);
        rt->impl = &f->abi;
        rt->name = name;
        if (dt->has_dtor) {
            citem *d = get(x, f, WACC_SORT_CORE_FUNC, dt->dtor);
            struct cdtor *c = aalloc(x->ci, sizeof *c);
            if (!d || !c)
                return d ? oom(x) : false;
            c->s = x->ci->store;
            c->fn = d->u.core.of.func;
            rt->dtor = wacc__resource_dtor;
            rt->dtor_ctx = c;
        }
        t->rt = rt;
    }
    it.u.type = t;
    return push(x, f, WACC_SORT_TYPE, &it);
}

/* A resource type the host provides (an imported `(sub resource)`). */
static ctyitem *host_resource(ictx *x, const char *iname, const char *name)
{
    const wacc_resource_type *rt = x->ci->host.resource
                                       ? x->ci->host.resource(x->ci->host.ud, iname, name) : NULL;
    if (!rt) {
        wacc__err(x->err, "unknown import: resource type %s%s%s was not found", iname ? iname : "",
                  iname ? "#" : "", name);
        return NULL;
    }
    ctyitem *t = aalloc(x->ci, sizeof *t);
    if (!t) {
        wacc__err(x->err, "out of memory");
        return NULL;
    }
    t->rt = (wacc_resource_type *)rt;
    return t;
}

/* ---- imports ---- */

/* The frame that instance type `dt` (defined in f) declares its types in. */
static bool instance_type_bag(ictx *x, cframe *f, const wacc_deftype *dt, const char *iname,
                              cbag *out, uint32_t cap);

static bool host_func(ictx *x, cframe *f, uint32_t typeidx, const char *iname, const char *name,
                      citem *it)
{
    char e[WACC_ERR_LEN] = "";
    struct wacc_cfunc *fn = aalloc(x->ci, sizeof *fn);
    if (!fn)
        return oom(x);
    if (!wacc__functype_of(f, typeidx, fn, e, sizeof e)) {
        wacc__err(x->err, "import %s%s%s: %s", iname ? iname : "", iname ? "#" : "", name, e);
        return false;
    }
    fn->kind = CF_HOST;
    const wacc_component_host *h = &x->ci->host;
    bool found = false;
    if (h->async_func) {
        found = h->async_func(h->ud, iname, name, fn, &fn->afn, &fn->data, e);
        if (!found && e[0]) {
            wacc__err(x->err, "import %s%s%s: %s", iname ? iname : "", iname ? "#" : "", name, e);
            return false;
        }
    }
    if (!found)
        found = h->typed_func ? h->typed_func(h->ud, iname, name, fn, &fn->fn, &fn->data, e)
                              : h->func && h->func(h->ud, iname, name, &fn->fn, &fn->data);
    if (!found) {
        if (e[0])
            wacc__err(x->err, "import %s%s%s: %s", iname ? iname : "", iname ? "#" : "", name, e);
        else
            wacc__err(x->err, "unknown import: %s%s%s has not been defined", iname ? iname : "",
                      iname ? "#" : "", name);
        return false;
    }
    it->u.func = fn;
    return true;
}

static bool instance_type_bag(ictx *x, cframe *f, const wacc_deftype *dt, const char *iname,
                              cbag *out, uint32_t cap)
{
    uint32_t caps[WACC_SORT_COUNT] = { 0 };
    for (int s = 0; s < WACC_SORT_COUNT; s++)
        caps[s] = dt->ndecls;
    cframe *pf = frame_new(x->ci, NULL, f, caps);
    if (!pf)
        return oom(x);
    pf->outer = f;
    for (uint32_t i = 0; i < dt->ndecls; i++) {
        const wacc_decl *d = &dt->decls[i];
        citem it = { 0 };
        switch (d->kind) {
        case WACC_DECL_CORE_TYPE:
            if (!push(x, pf, WACC_SORT_CORE_TYPE, &it))
                return false;
            break;
        case WACC_DECL_TYPE:
            if (!type_def(x, pf, d->type, NULL))
                return false;
            break;
        case WACC_DECL_ALIAS: {
            const wacc_alias *a = &d->alias;
            if (a->kind != WACC_ALIAS_OUTER) {
                wacc__err(x->err, "import %s: unsupported alias in an instance type", iname);
                return false;
            }
            cframe *g = pf;
            for (uint32_t k = 0; k < a->outer_ct && g; k++)
                g = g->outer;
            citem *src = g ? get(x, g, a->sort, a->outer_idx) : NULL;
            if (!src || !push(x, pf, a->sort, src))
                return false;
            break;
        }
        case WACC_DECL_EXPORT:
            if (d->ext.kind == WACC_ET_TYPE) {
                if (d->ext.sub_resource) {
                    it.u.type = host_resource(x, iname, d->name.str);
                    if (!it.u.type)
                        return false;
                } else {
                    citem *src = get(x, pf, WACC_SORT_TYPE, d->ext.idx);
                    if (!src)
                        return false;
                    it = *src;
                    /* (eq T) of a resource: what the host provides must be T */
                    const wacc_resource_type *h = it.u.type && it.u.type->rt && x->ci->host.resource
                        ? x->ci->host.resource(x->ci->host.ud, iname, d->name.str) : NULL;
                    if (h && h != it.u.type->rt) {
                        wacc__err(x->err, "import %s: mismatched resource types for %s", iname,
                                  d->name.str);
                        return false;
                    }
                }
                it.sort = WACC_SORT_TYPE;
                if (!push(x, pf, WACC_SORT_TYPE, &it) || !bag_add(x, out, cap, d->name.str, &it))
                    return false;
            } else if (d->ext.kind == WACC_ET_FUNC) {
                if (!host_func(x, pf, d->ext.idx, iname, d->name.str, &it))
                    return false;
                it.sort = WACC_SORT_FUNC;
                if (!push(x, pf, WACC_SORT_FUNC, &it) || !bag_add(x, out, cap, d->name.str, &it))
                    return false;
            } else if (d->ext.kind == WACC_ET_INSTANCE) {
                char e[300] = "";
                ctyitem *t = type_item(pf, d->ext.idx, e, sizeof e);
                if (!t || !t->dt || t->dt->kind != WACC_DT_INSTANCE) {
                    wacc__err(x->err, "import %s: %s", iname, t ? "not an instance type" : e);
                    return false;
                }
                cbag *b = bag_new(x->ci, t->dt->ndecls);
                if (!b)
                    return oom(x);
                b->host_name = d->name.str;
                if (!instance_type_bag(x, t->f, t->dt, d->name.str, b, t->dt->ndecls))
                    return false;
                it.sort = WACC_SORT_INSTANCE;
                it.u.inst = b;
                if (!push(x, pf, WACC_SORT_INSTANCE, &it) || !bag_add(x, out, cap, d->name.str, &it))
                    return false;
            } else {
                wacc__err(x->err, "import %s: exports of kind %u are not supported from the host",
                          iname, d->ext.kind);
                return false;
            }
            break;
        default:
            wacc__err(x->err, "import %s: unsupported declaration", iname);
            return false;
        }
    }
    return true;
}

static bool host_import(ictx *x, cframe *f, const wacc_import *im)
{
    citem it = { 0 };
    const char *name = im->name.str;
    switch (im->type.kind) {
    case WACC_ET_FUNC:
        if (!host_func(x, f, im->type.idx, NULL, name, &it))
            return false;
        return push(x, f, WACC_SORT_FUNC, &it);
    case WACC_ET_TYPE:
        if (im->type.sub_resource) {
            if (!(it.u.type = host_resource(x, NULL, name)))
                return false;
        } else {
            citem *src = get(x, f, WACC_SORT_TYPE, im->type.idx);
            if (!src)
                return false;
            it = *src;
        }
        return push(x, f, WACC_SORT_TYPE, &it);
    case WACC_ET_INSTANCE: {
        char e[300] = "";
        ctyitem *t = type_item(f, im->type.idx, e, sizeof e);
        if (!t || !t->dt || t->dt->kind != WACC_DT_INSTANCE) {
            wacc__err(x->err, "import %s: %s", name, t ? "not an instance type" : e);
            return false;
        }
        cbag *b = bag_new(x->ci, t->dt->ndecls);
        if (!b)
            return oom(x);
        b->host_name = name;
        if (!instance_type_bag(x, t->f, t->dt, name, b, t->dt->ndecls))
            return false;
        it.u.inst = b;
        return push(x, f, WACC_SORT_INSTANCE, &it);
    }
    default:
        wacc__err(x->err, "import %s: only function, type and instance imports can be provided "
                  "by the host", name);
        return false;
    }
}

/* ---- frames ---- */

static bool run_frame(ictx *x, cframe *f, const carg *args, uint32_t nargs);

static bool instance(ictx *x, cframe *f, const wacc_cm_instance *in)
{
    citem it = { 0 };
    if (!in->instantiate) {
        cbag *b = bag_new(x->ci, in->nargs);
        if (!b)
            return oom(x);
        for (uint32_t i = 0; i < in->nargs; i++) {
            citem *src = get(x, f, in->args[i].item.sort, in->args[i].item.idx);
            if (!src || !bag_add(x, b, in->nargs, in->args[i].name.str, src))
                return false;
        }
        it.u.inst = b;
        return push(x, f, WACC_SORT_INSTANCE, &it);
    }
    citem *ci = get(x, f, WACC_SORT_COMPONENT, in->component);
    if (!ci)
        return false;
    carg *args = aalloc(x->ci, (size_t)in->nargs * sizeof *args);
    if (!args)
        return oom(x);
    for (uint32_t i = 0; i < in->nargs; i++) {
        citem *src = get(x, f, in->args[i].item.sort, in->args[i].item.idx);
        if (!src)
            return false;
        args[i].name = in->args[i].name.str;
        args[i].item = *src;
    }
    cframe *child = frame_new(x->ci, ci->u.comp.def, ci->u.comp.outer, NULL);
    if (!child)
        return oom(x);
    if (!run_frame(x, child, args, in->nargs))
        return false;
    it.u.inst = child->exports;
    return push(x, f, WACC_SORT_INSTANCE, &it);
}

static bool alias(ictx *x, cframe *f, const wacc_alias *a)
{
    citem it = { 0 };
    switch (a->kind) {
    case WACC_ALIAS_CORE_EXPORT: {
        citem *src = get(x, f, WACC_SORT_CORE_INSTANCE, a->instance);
        if (!src)
            return false;
        int kind = core_sort_kind(a->sort);
        if (kind < 0 || !core_export(src->u.cinst, a->name.str, &it.u.core, &it.mem64) ||
            (int)it.u.core.kind != kind) {
            wacc__err(x->err, "core instance %u has no %s export %s", a->instance,
                      wacc_sort_name(a->sort), a->name.str);
            return false;
        }
        return push(x, f, a->sort, &it);
    }
    case WACC_ALIAS_EXPORT: {
        citem *src = get(x, f, WACC_SORT_INSTANCE, a->instance);
        if (!src)
            return false;
        const citem *e = bag_find(src->u.inst, a->name.str);
        if (!e || e->sort != a->sort) {
            wacc__err(x->err, "instance %u has no %s export %s", a->instance,
                      wacc_sort_name(a->sort), a->name.str);
            return false;
        }
        return push(x, f, a->sort, e);
    }
    default: {
        cframe *g = f;
        for (uint32_t k = 0; k < a->outer_ct && g; k++)
            g = g->outer;
        if (!g) {
            wacc__err(x->err, "outer alias count %u out of range", a->outer_ct);
            return false;
        }
        citem *src = get(x, g, a->sort, a->outer_idx);
        return src && push(x, f, a->sort, src);
    }
    }
}

static bool import(ictx *x, cframe *f, const wacc_import *im, const carg *args, uint32_t nargs,
                   bool root)
{
    if (root)
        return host_import(x, f, im);
    for (uint32_t i = 0; i < nargs; i++)
        if (strcmp(args[i].name, im->name.str) == 0) {
            static const uint8_t sorts[] = { WACC_SORT_CORE_MODULE, WACC_SORT_FUNC, WACC_SORT_VALUE,
                                             WACC_SORT_TYPE, WACC_SORT_COMPONENT, WACC_SORT_INSTANCE };
            uint8_t sort = im->type.kind < 6 ? sorts[im->type.kind] : WACC_SORT_INSTANCE;
            if (args[i].item.sort != sort) {
                wacc__err(x->err, "import %s: expected a %s, given a %s", im->name.str,
                          wacc_sort_name(sort), wacc_sort_name(args[i].item.sort));
                return false;
            }
            return push(x, f, sort, &args[i].item);
        }
    wacc__err(x->err, "missing import %s", im->name.str);
    return false;
}

static bool run_frame(ictx *x, cframe *f, const carg *args, uint32_t nargs)
{
    const wacc_component *c = f->c;
    f->exports = bag_new(x->ci, c->nexports);
    if (!f->exports)
        return oom(x);
    bool root = f == x->ci->root;
    for (uint32_t i = 0; i < c->ndefs; i++) {
        const wacc_def *d = &c->defs[i];
        citem it = { 0 };
        bool ok = true;
        switch (d->kind) {
        case WACC_DEF_CORE_MODULE:
            if (!wacc__comp_module_number(x->ci->art->comp, c, d->index, &it.u.module)) {
                wacc__err(x->err, "core module %u has no compiled code", d->index);
                return false;
            }
            ok = push(x, f, WACC_SORT_CORE_MODULE, &it);
            break;
        case WACC_DEF_CORE_INSTANCE:
            ok = core_instantiate(x, f, &c->core_instances[d->index]);
            break;
        case WACC_DEF_CORE_TYPE:
            it.u.ctype = c->core_types[d->index];
            ok = push(x, f, WACC_SORT_CORE_TYPE, &it);
            break;
        case WACC_DEF_COMPONENT:
            it.u.comp.def = c->components[d->index];
            it.u.comp.outer = f;
            ok = push(x, f, WACC_SORT_COMPONENT, &it);
            break;
        case WACC_DEF_INSTANCE:
            ok = instance(x, f, &c->instances[d->index]);
            break;
        case WACC_DEF_ALIAS:
            ok = alias(x, f, &c->aliases[d->index]);
            break;
        case WACC_DEF_TYPE:
            ok = type_def(x, f, c->types[d->index], NULL);
            break;
        case WACC_DEF_CANON:
            ok = canon(x, f, &c->canons[d->index]);
            break;
        case WACC_DEF_IMPORT:
            ok = import(x, f, &c->imports[d->index], args, nargs, root);
            break;
        case WACC_DEF_EXPORT: {
            const wacc_export *e = &c->exports[d->index];
            citem *src = get(x, f, e->item.sort, e->item.idx);
            if (!src)
                return false;
            it = *src;
            if (it.sort == WACC_SORT_TYPE && it.u.type && it.u.type->rt && !it.u.type->rt->name)
                it.u.type->rt->name = e->name.str;
            if (!name_funcs(x->ci, &it, e->name.str))
                return oom(x);
            ok = push(x, f, e->item.sort, &it) && bag_add(x, f->exports, c->nexports, e->name.str, &it);
            break;
        }
        case WACC_DEF_START:
            wacc__err(x->err, "component start functions are not supported");
            return false;
        default:
            wacc__err(x->err, "component value definitions are not supported");
            return false;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* ---- public API ---- */

void wacc_cinstance_free(wacc_cinstance *ci)
{
    if (!ci)
        return;
    wacc__adapter_reset(ci);        /* scopes of fused calls a trap interrupted */
    wacc__hloop_cleanup(ci);
    wacc__async_free(ci);
    wacc__hloop_free(ci);
    for (cframe *f = ci->frames; f; f = f->next_frame)
        wacc_cinst_fini(&f->abi);
    wacc_arena_fini(&ci->scratch);
    wacc_arena_fini(&ci->arena);
    free(ci);
}

wacc_cinstance *wacc_component_instantiate(wacc_store *s, wacc_artifact *a,
                                           const wacc_component_host *host,
                                           wacc_trap *trap, char err[WACC_ERR_LEN])
{
    wacc_trap tmp;
    if (!trap)
        trap = &tmp;
    memset(trap, 0, sizeof *trap);
    trap->func_index = UINT32_MAX;
    err[0] = 0;
    if (!a->comp) {
        wacc__err(err, "%s is not a component artifact", a->path);
        return NULL;
    }
    wacc_cinstance *ci = calloc(1, sizeof *ci);
    if (!ci) {
        wacc__err(err, "out of memory");
        return NULL;
    }
    wacc_arena_init(&ci->arena);
    wacc_arena_init(&ci->scratch);
    ci->store = s;
    ci->art = a;
    const char *nf = getenv("WACC_NO_FUSE");     /* generic lowering, for comparisons */
    ci->no_fuse = (nf && nf[0] && strcmp(nf, "0") != 0) || (host && host->call_begin);
    const char *ft = getenv("WACC_FUSE_TRACE");
    ci->fuse_trace = ft && ft[0] && strcmp(ft, "0") != 0;
    if (host)
        ci->host = *host;
    ictx x = { ci, trap, err };
    ci->root = frame_new(ci, a->comp->c, NULL, NULL);
    if (!ci->root || !run_frame(&x, ci->root, NULL, 0)) {
        if (!err[0] && trap->code == WACC_TRAP_NONE)
            wacc__err(err, "out of memory");
        wacc_cinstance_free(ci);
        return NULL;
    }
    return ci;
}

uint32_t wacc_cinstance_num_exports(const wacc_cinstance *ci)
{
    return ci->root->exports->n;
}

const char *wacc_cinstance_export_name(const wacc_cinstance *ci, uint32_t i, char *kind)
{
    const cbag *b = ci->root->exports;
    if (i >= b->n)
        return NULL;
    if (kind) {
        switch (b->items[i].sort) {
        case WACC_SORT_FUNC: *kind = 'f'; break;
        case WACC_SORT_INSTANCE: *kind = 'i'; break;
        case WACC_SORT_COMPONENT: *kind = 'c'; break;
        case WACC_SORT_TYPE: *kind = 't'; break;
        case WACC_SORT_CORE_MODULE: *kind = 'm'; break;
        default: *kind = '?'; break;
        }
    }
    return b->names[i];
}

wacc_cfunc *wacc_cinstance_func(wacc_cinstance *ci, const char *name)
{
    const cbag *b = ci->root->exports;
    const citem *it = bag_find(b, name);
    if (it && it->sort == WACC_SORT_FUNC)
        return it->u.func;
    /* "iface#f" or "iface/f": a function of an exported instance */
    const char *sep = strrchr(name, '#');
    if (!sep)
        sep = strrchr(name, '/');
    for (; sep; sep = NULL) {
        size_t n = (size_t)(sep - name);
        for (uint32_t i = 0; i < b->n; i++)
            if (b->items[i].sort == WACC_SORT_INSTANCE && strlen(b->names[i]) == n &&
                memcmp(b->names[i], name, n) == 0) {
                const citem *f = bag_find(b->items[i].u.inst, sep + 1);
                if (f && f->sort == WACC_SORT_FUNC)
                    return f->u.func;
            }
    }
    return NULL;
}

uint32_t wacc_cfunc_nparams(const wacc_cfunc *f)
{
    return f->nparams;
}

const struct wacc_ctype *wacc_cfunc_param(const wacc_cfunc *f, uint32_t i, const char **name)
{
    if (i >= f->nparams)
        return NULL;
    if (name)
        *name = f->names[i];
    return f->params[i];
}

const struct wacc_ctype *wacc_cfunc_result(const wacc_cfunc *f)
{
    return f->result;
}
