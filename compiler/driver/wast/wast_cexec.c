/*
 * wast_cexec.c — executing component scripts (used by wast_component.c):
 * compile a component binary (libwacc-compiler.so) into the script's temp
 * dir, load it, instantiate it in the script's store, call exports with
 * script values converted to Canonical ABI values by the export's types,
 * and convert the results back.
 *
 * Root imports: a subset of what wasmtime's wast harness provides (see
 * host_func below); a component that needs anything else is reported as not
 * runnable (skipped) unless the command expects a link error. A root import
 * named like something the host provides but of another kind (an instance
 * "host-return-two") is a link error, as in wasmtime ("expected instance
 * found func"): see check_kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "wast_component.h"
#ifdef WACC_HAVE_COMPFMT
#include "root_check.h"
#endif

typedef struct cart {
    char *file;
    wacc_artifact *art;
} cart;

struct wcx {
    const wast_opts *o;
    const char *dir;
    wacc_engine *engine;
    wacc_store *store;
    cart *arts;
    size_t narts, cap;
    wacc_cinstance **insts;
    size_t ninsts, icap;
    bool missing_import;            /* the last instantiation asked for a host import */
    wacc_resource_type r1, r2;      /* the harness's host resources */
    uint32_t drops, last_drop;
} __attribute__((aligned(16)));

static int host_dtor(void *ctx, uint32_t rep);

wcx *wcx_new(const wast_opts *o, const char *dir)
{
    wcx *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->o = o;
    x->dir = dir;
    x->r1 = (wacc_resource_type){ NULL, host_dtor, x, "resource1" };
    x->r2 = (wacc_resource_type){ NULL, host_dtor, x, "resource2" };
    x->engine = wacc_engine_new();
    x->store = x->engine ? wacc_store_new(x->engine) : NULL;
    if (!x->store) {
        wcx_free(x);
        return NULL;
    }
    return x;
}

void wcx_free(wcx *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->ninsts; i++)
        wacc_cinstance_free(x->insts[i]);
    free(x->insts);
    if (x->store)
        wacc_store_free(x->store);
    for (size_t i = 0; i < x->narts; i++) {
        wacc_artifact_free(x->arts[i].art);
        free(x->arts[i].file);
    }
    free(x->arts);
    if (x->engine)
        wacc_engine_free(x->engine);
    free(x);
}

/* The loaded artifact of binary `file` (compiled on first use). */
static wacc_artifact *artifact(wcx *x, const char *file, char *msg, size_t len)
{
    for (size_t i = 0; i < x->narts; i++)
        if (strcmp(x->arts[i].file, file) == 0)
            return x->arts[i].art;
    char path[1200], out[1300], err[512];
    snprintf(path, sizeof path, "%s/%s", x->dir, file);
    snprintf(out, sizeof out, "%s.so", path);
    size_t size;
    uint8_t *b = drv_read_file(path, &size, err);
    if (!b) {
        snprintf(msg, len, "%s", err);
        return NULL;
    }
    const struct wacc_compiler_api *api = drv_compiler(err);
    bool ok = api && api->compile_file(b, size, &x->o->copts, out, err);
    free(b);
    if (!ok) {
        snprintf(msg, len, "compile: %s", err);
        return NULL;
    }
    wacc_artifact *a = wacc_artifact_load(x->engine, out, err);
    if (!a) {
        snprintf(msg, len, "load: %s", err);
        return NULL;
    }
    if (x->narts == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        cart *v = realloc(x->arts, cap * sizeof *v);
        if (!v) {
            wacc_artifact_free(a);
            snprintf(msg, len, "out of memory");
            return NULL;
        }
        x->arts = v;
        x->cap = cap;
    }
    x->arts[x->narts].file = strdup(file);
    x->arts[x->narts].art = a;
    x->narts++;
    return a;
}

/* ---- the host of wasmtime's component wast harness (a subset) ----
 *   host-return-two: func() -> u32                      (top level)
 *   host: return-three, nested.return-four, resource1 / resource2 / resource1-again (= resource1),
 *         [constructor]resource1(rep) -> own, [static]resource1.assert(own, rep),
 *         [static]resource1.last-drop() / .drops(), [method]resource1.simple(borrow,
 *         rep), [method]resource1.take-borrow / take-own
 * Dropping a resource1/resource2 handle counts a drop and remembers its rep. */

enum { H_TWO = 1, H_THREE, H_CTOR, H_ASSERT, H_LAST_DROP, H_DROPS, H_SIMPLE, H_OK, H_FOUR };

static uint32_t host_call(void *data, const wacc_cval *args, uint32_t nargs, wacc_cval *result,
                          wacc_arena *arena)
{
    (void)arena;
    uintptr_t op = (uintptr_t)data & 15;
    wcx *x = (wcx *)((uintptr_t)data & ~(uintptr_t)15);
    switch (op) {
    case H_TWO: *result = wacc_cval_uint(WACC_CT_U32, 2); return 0;
    case H_THREE: *result = wacc_cval_uint(WACC_CT_U32, 3); return 0;
    case H_FOUR: *result = wacc_cval_uint(WACC_CT_U32, 4); return 0;
    case H_CTOR:
        if (nargs != 1)
            return WACC_TRAP_HOST;
        *result = wacc_cval_handle(WACC_CT_OWN, (uint32_t)args[0].x.u);
        return 0;
    case H_ASSERT:
    case H_SIMPLE:
        return nargs == 2 && args[0].x.u == args[1].x.u ? 0 : WACC_TRAP_HOST;
    case H_LAST_DROP: *result = wacc_cval_uint(WACC_CT_U32, x->last_drop); return 0;
    case H_DROPS: *result = wacc_cval_uint(WACC_CT_U32, x->drops); return 0;
    default: return 0;
    }
}

static bool host_func(void *ud, const char *instance, const char *name, wacc_component_host_fn *fn,
                      void **data)
{
    static const struct { const char *name; uintptr_t op; } fns[] = {
        { "return-three", H_THREE }, { "[constructor]resource1", H_CTOR },
        { "[static]resource1.assert", H_ASSERT }, { "[static]resource1.last-drop", H_LAST_DROP },
        { "[static]resource1.drops", H_DROPS }, { "[method]resource1.simple", H_SIMPLE },
        { "[method]resource1.take-borrow", H_OK }, { "[method]resource1.take-own", H_OK },
    };
    wcx *x = ud;
    uintptr_t op = 0;
    if (instance == NULL && strcmp(name, "host-return-two") == 0)
        op = H_TWO;
    if (instance && strcmp(instance, "nested") == 0 && strcmp(name, "return-four") == 0)
        op = H_FOUR;
    for (size_t i = 0; instance && strcmp(instance, "host") == 0 && i < sizeof fns / sizeof fns[0]; i++)
        if (strcmp(fns[i].name, name) == 0)
            op = fns[i].op;
    if (!op) {
        x->missing_import = true;
        return false;
    }
    *fn = host_call;
    *data = (void *)((uintptr_t)x | op);
    return true;
}

/* ---- the kinds of the host's top-level items vs. the root's imports ---- */

typedef struct kind_check {
    const char *name;           /* the first import of the wrong kind, or NULL */
    char want, have;            /* its kind, what the host provides */
    char buf[200];
} kind_check;

static const char *kind_name(char k)
{
    switch (k) {
    case 'm': return "module";
    case 'f': return "func";
    case 'v': return "value";
    case 't': return "type";
    case 'c': return "component";
    case 'i': return "instance";
    default: return "unknown";
    }
}

static void kind_of_import(void *user, const char *name, char kind)
{
    static const struct { const char *name; char kind; } provided[] = {
        { "host-return-two", 'f' }, { "host", 'i' },
    };
    kind_check *kc = user;
    for (size_t i = 0; kc->name == NULL && i < sizeof provided / sizeof provided[0]; i++)
        if (strcmp(provided[i].name, name) == 0 && provided[i].kind != kind) {
            snprintf(kc->buf, sizeof kc->buf, "%s", name);
            kc->name = kc->buf;
            kc->want = kind;
            kc->have = provided[i].kind;
        }
}

/* Is every root import of binary `file` that the host has by name of the
 * kind the host has it? false + msg (a link error) if not. */
static bool check_kinds(wcx *x, const char *file, char *msg, size_t len)
{
#ifdef WACC_HAVE_COMPFMT
    char path[1200], err[512];
    size_t size;
    snprintf(path, sizeof path, "%s/%s", x->dir, file);
    uint8_t *b = drv_read_file(path, &size, err);
    if (!b)
        return true;            /* it compiled from this file: nothing to add */
    kind_check kc = { 0 };
    wasm_error we;
    memset(&we, 0, sizeof we);
    wacc_component_root_imports_bytes(b, size, kind_of_import, &kc, &we);
    free(b);
    if (kc.name == NULL)
        return true;
    snprintf(msg, len, "component import `%s`: expected %s found %s", kc.name, kind_name(kc.want),
             kind_name(kc.have));
    return false;
#else
    (void)x, (void)file, (void)msg, (void)len;
    return true;
#endif
}

static int host_dtor(void *ctx, uint32_t rep)
{
    wcx *x = ctx;
    x->drops++;
    x->last_drop = rep;
    return 0;
}

static const struct wacc_resource_type *host_resource(void *ud, const char *instance, const char *name)
{
    wcx *x = ud;
    if (instance && strcmp(instance, "host") == 0) {
        if (strcmp(name, "resource1") == 0 || strcmp(name, "resource1-again") == 0)
            return &x->r1;
        if (strcmp(name, "resource2") == 0)
            return &x->r2;
    }
    x->missing_import = true;
    return NULL;
}

int wcx_instantiate(wcx *x, const char *file, void **inst, char *msg, size_t len)
{
    *inst = NULL;
    wacc_artifact *a = artifact(x, file, msg, len);
    if (!a)
        return RUN_ERROR_COMPILE;
    if (!check_kinds(x, file, msg, len))
        return RUN_ERROR;
    if (x->ninsts == x->icap) {
        size_t cap = x->icap ? x->icap * 2 : 8;
        wacc_cinstance **v = realloc(x->insts, cap * sizeof *v);
        if (!v) {
            snprintf(msg, len, "out of memory");
            return RUN_ERROR;
        }
        x->insts = v;
        x->icap = cap;
    }
    wacc_trap trap;
    char err[WACC_ERR_LEN];
    x->missing_import = false;
    wacc_component_host host = { .func = host_func, .resource = host_resource, .ud = x };
    wacc_cinstance *ci = wacc_component_instantiate(x->store, a, &host, &trap, err);
    if (!ci) {
        if (trap.code != WACC_TRAP_NONE) {
            snprintf(msg, len, "%s", trap.message);
            return RUN_TRAP;
        }
        snprintf(msg, len, "%s", err);
        if (x->missing_import)
            return RUN_NEEDS_HOST;
        if (strstr(err, "not supported"))
            return RUN_UNIMPLEMENTED;
        return RUN_ERROR;
    }
    x->insts[x->ninsts++] = ci;
    *inst = ci;
    return RUN_OK;
}

/* ---- values ---- */

static bool fail_conv(char *msg, size_t len, const char *what, const wcv *v)
{
    snprintf(msg, len, "argument does not match the parameter type (%s, given %s)", what,
             wcv_kind_name(v->kind));
    return false;
}

static int32_t case_index(const wacc_ctype *t, const char *label)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (label && t->fields[i].label && strcmp(t->fields[i].label, label) == 0)
            return (int32_t)i;
    return -1;
}

static bool to_cval(const wcv *v, const wacc_ctype *t, wacc_cval *out, wacc_arena *a, char *msg,
                    size_t len)
{
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case WACC_CT_BOOL:
        if (v->kind != WCV_BOOL)
            return fail_conv(msg, len, "bool", v);
        *out = wacc_cval_bool(v->v.b);
        return true;
    case WACC_CT_S8: case WACC_CT_S16: case WACC_CT_S32: case WACC_CT_S64:
        if (v->kind > WCV_U64 || v->kind == WCV_BOOL)
            return fail_conv(msg, len, "signed integer", v);
        *out = wacc_cval_sint(t->kind, v->v.s);
        return true;
    case WACC_CT_U8: case WACC_CT_U16: case WACC_CT_U32: case WACC_CT_U64:
        if (v->kind > WCV_U64 || v->kind == WCV_BOOL)
            return fail_conv(msg, len, "unsigned integer", v);
        *out = wacc_cval_uint(t->kind, v->v.u);
        return true;
    case WACC_CT_F32:
        if (v->kind != WCV_F32)
            return fail_conv(msg, len, "f32", v);
        *out = wacc_cval_f32(v->v.f32);
        return true;
    case WACC_CT_F64:
        if (v->kind != WCV_F64)
            return fail_conv(msg, len, "f64", v);
        *out = wacc_cval_f64(v->v.f64);
        return true;
    case WACC_CT_CHAR:
        if (v->kind != WCV_CHAR)
            return fail_conv(msg, len, "char", v);
        *out = wacc_cval_char(v->v.c);
        return true;
    case WACC_CT_STRING:
        if (v->kind != WCV_STRING)
            return fail_conv(msg, len, "string", v);
        *out = wacc_cval_string(v->str ? v->str : "", (uint32_t)v->len);
        return true;
    case WACC_CT_LIST:
    case WACC_CT_RECORD:
    case WACC_CT_TUPLE: {
        bool list = t->kind == WACC_CT_LIST;
        if ((list && v->kind != WCV_LIST) || (t->kind == WACC_CT_RECORD && v->kind != WCV_RECORD) ||
            (t->kind == WACC_CT_TUPLE && v->kind != WCV_TUPLE))
            return fail_conv(msg, len, list ? "list" : t->kind == WACC_CT_RECORD ? "record" : "tuple", v);
        if (!list && v->n != t->n) {
            snprintf(msg, len, "record/tuple with %zu fields, the type has %u", v->n, t->n);
            return false;
        }
        if (list && t->has_len && v->n != t->n) {
            snprintf(msg, len, "fixed-length list of %zu elements, the type has %u", v->n, t->n);
            return false;
        }
        wacc_cval *es = wacc_arena_alloc(a, (v->n + 1) * sizeof *es);
        if (!es)
            return false;
        for (size_t i = 0; i < v->n; i++) {
            const wacc_ctype *et = list ? t->elem : t->fields[i].type;
            const wcv *src = &v->items[i];
            if (t->kind == WACC_CT_RECORD)      /* by label when given */
                for (size_t k = 0; k < v->n; k++)
                    if (v->items[k].label && t->fields[i].label &&
                        strcmp(v->items[k].label, t->fields[i].label) == 0)
                        src = &v->items[k];
            if (!to_cval(src, et, &es[i], a, msg, len))
                return false;
        }
        *out = list ? wacc_cval_list(es, (uint32_t)v->n)
               : t->kind == WACC_CT_RECORD ? wacc_cval_record(es, (uint32_t)v->n)
               : wacc_cval_tuple(es, (uint32_t)v->n);
        return true;
    }
    case WACC_CT_VARIANT:
    case WACC_CT_ENUM:
    case WACC_CT_OPTION:
    case WACC_CT_RESULT: {
        int32_t k;
        if (t->kind == WACC_CT_OPTION && v->kind == WCV_OPTION)
            k = v->n ? 1 : 0;
        else if (t->kind == WACC_CT_RESULT && v->kind == WCV_RESULT)
            k = v->is_err ? 1 : 0;
        else if ((t->kind == WACC_CT_VARIANT && v->kind == WCV_VARIANT) ||
                 (t->kind == WACC_CT_ENUM && v->kind == WCV_ENUM))
            k = case_index(t, v->label);
        else
            return fail_conv(msg, len, "variant-like", v);
        if (k < 0) {
            snprintf(msg, len, "unknown case %s", v->label ? v->label : "?");
            return false;
        }
        const wacc_ctype *pt = t->fields[k].type;
        wacc_cval *pl = NULL;
        if (pt) {
            if (v->n != 1) {
                snprintf(msg, len, "case %s needs a payload", t->fields[k].label);
                return false;
            }
            pl = wacc_arena_alloc(a, sizeof *pl);
            if (!pl || !to_cval(&v->items[0], pt, pl, a, msg, len))
                return false;
        }
        *out = wacc_cval_variant(t->kind, (uint32_t)k, pl);
        return true;
    }
    case WACC_CT_FLAGS: {
        if (v->kind != WCV_FLAGS)
            return fail_conv(msg, len, "flags", v);
        uint64_t bits = 0;
        for (size_t i = 0; i < v->n; i++) {
            uint32_t j = 0;
            while (j < t->n && !(v->items[i].label && strcmp(t->labels[j], v->items[i].label) == 0))
                j++;
            if (j == t->n) {
                snprintf(msg, len, "unknown flag %s", v->items[i].label ? v->items[i].label : "?");
                return false;
            }
            bits |= 1ull << j;
        }
        *out = wacc_cval_flags((uint32_t)bits);
        out->x.u = bits;
        return true;
    }
    default:
        snprintf(msg, len, "values of this type cannot be written in a script");
        return false;
    }
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static bool to_wcv(const wacc_cval *c, const wacc_ctype *t, wcv *out)
{
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case WACC_CT_BOOL: out->kind = WCV_BOOL; out->v.b = c->x.b; return true;
    case WACC_CT_S8: out->kind = WCV_S8; out->v.s = c->x.s; return true;
    case WACC_CT_S16: out->kind = WCV_S16; out->v.s = c->x.s; return true;
    case WACC_CT_S32: out->kind = WCV_S32; out->v.s = c->x.s; return true;
    case WACC_CT_S64: out->kind = WCV_S64; out->v.s = c->x.s; return true;
    case WACC_CT_U8: out->kind = WCV_U8; out->v.u = c->x.u; return true;
    case WACC_CT_U16: out->kind = WCV_U16; out->v.u = c->x.u; return true;
    case WACC_CT_U32: out->kind = WCV_U32; out->v.u = c->x.u; return true;
    case WACC_CT_U64: out->kind = WCV_U64; out->v.u = c->x.u; return true;
    case WACC_CT_F32: out->kind = WCV_F32; out->v.f32 = c->x.f32; return true;
    case WACC_CT_F64: out->kind = WCV_F64; out->v.f64 = c->x.f64; return true;
    case WACC_CT_CHAR: out->kind = WCV_CHAR; out->v.c = c->x.ch; return true;
    case WACC_CT_STRING:
        out->kind = WCV_STRING;
        out->len = c->n;
        out->str = dupn(c->x.str ? c->x.str : "", c->n);
        return out->str != NULL;
    case WACC_CT_LIST:
    case WACC_CT_RECORD:
    case WACC_CT_TUPLE: {
        out->kind = t->kind == WACC_CT_LIST ? WCV_LIST : t->kind == WACC_CT_RECORD ? WCV_RECORD : WCV_TUPLE;
        out->items = calloc(c->n + 1, sizeof *out->items);
        if (!out->items)
            return false;
        for (uint32_t i = 0; i < c->n; i++) {
            const wacc_ctype *et = t->kind == WACC_CT_LIST ? t->elem : t->fields[i].type;
            if (!to_wcv(&c->x.elems[i], et, &out->items[i]))
                return false;
            out->n = i + 1;
            if (t->kind == WACC_CT_RECORD && !(out->items[i].label = strdup(t->fields[i].label)))
                return false;
        }
        return true;
    }
    case WACC_CT_VARIANT:
    case WACC_CT_ENUM:
    case WACC_CT_OPTION:
    case WACC_CT_RESULT: {
        uint32_t k = c->n;
        if (k >= t->n)
            return false;
        out->kind = t->kind == WACC_CT_VARIANT ? WCV_VARIANT : t->kind == WACC_CT_ENUM ? WCV_ENUM
                    : t->kind == WACC_CT_OPTION ? WCV_OPTION : WCV_RESULT;
        out->is_err = t->kind == WACC_CT_RESULT && k == 1;
        if ((t->kind == WACC_CT_VARIANT || t->kind == WACC_CT_ENUM) &&
            !(out->label = strdup(t->fields[k].label)))
            return false;
        if (t->fields[k].type && c->x.payload) {
            out->items = calloc(1, sizeof *out->items);
            if (!out->items)
                return false;
            out->n = 1;
            return to_wcv(c->x.payload, t->fields[k].type, &out->items[0]);
        }
        return true;
    }
    case WACC_CT_FLAGS: {
        out->kind = WCV_FLAGS;
        out->items = calloc(t->n + 1, sizeof *out->items);
        if (!out->items)
            return false;
        for (uint32_t j = 0; j < t->n; j++)
            if (c->x.u & (1ull << j)) {
                wcv *f = &out->items[out->n++];
                f->kind = WCV_ENUM;
                if (!(f->label = strdup(t->labels[j])))
                    return false;
            }
        return true;
    }
    default:
        return false;
    }
}

int wcx_invoke(wcx *x, void *inst, const char *field, const wcv *args, size_t nargs, wcv **results,
               size_t *nresults, char *msg, size_t len)
{
    *results = NULL;
    *nresults = 0;
    wacc_cfunc *f = wacc_cinstance_func(inst, field);
    if (!f) {
        snprintf(msg, len, "no exported function %s", field);
        return RUN_ERROR;
    }
    if (nargs != wacc_cfunc_nparams(f)) {
        snprintf(msg, len, "%s takes %u arguments, given %zu", field, wacc_cfunc_nparams(f), nargs);
        return RUN_ERROR;
    }
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc_cval *cargs = wacc_arena_alloc(&arena, (nargs + 1) * sizeof *cargs);
    int st = RUN_OK;
    for (size_t i = 0; cargs && i < nargs; i++)
        if (!to_cval(&args[i], wacc_cfunc_param(f, (uint32_t)i, NULL), &cargs[i], &arena, msg, len)) {
            st = RUN_ERROR;
            break;
        }
    if (!cargs) {
        snprintf(msg, len, "out of memory");
        st = RUN_ERROR;
    }
    const wacc_ctype *rt = wacc_cfunc_result(f);
    wacc_cval res;
    wacc_trap trap;
    if (st == RUN_OK && !wacc_component_call(x->store, f, cargs, (uint32_t)nargs, &res, rt ? 1 : 0,
                                             &arena, &trap)) {
        snprintf(msg, len, "%s", trap.message);
        st = RUN_TRAP;
    }
    if (st == RUN_OK && rt) {
        wcv *r = calloc(1, sizeof *r);
        if (!r || !to_wcv(&res, rt, r)) {
            if (r)
                wcv_free(r);
            free(r);
            snprintf(msg, len, "cannot convert the result");
            st = RUN_ERROR;
        } else {
            *results = r;
            *nresults = 1;
        }
    }
    wacc_arena_fini(&arena);
    return st;
}
