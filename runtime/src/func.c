/*
 * func.c — function objects (host and wasm), wacc_call, funcref conversion,
 * and the globals API.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Host functions: generated host stubs call hdr.call(self, vals); generic
 * callers go through this array-call entry. A non-zero return traps. */
static void host_call(struct wacc_host_ctx *self, wacc_val *vals)
{
    wacc_func *f = (wacc_func *)self;
    uint32_t code = f->fn(f->data, vals);
    if (code != WACC_TRAP_NONE)
        wacc__raise(NULL, code, UINT32_MAX, 0);
}

void wacc__host_array_call(void *vmctx, void *code, wacc_val *vals)
{
    (void)code;
    struct wacc_host_ctx *h = vmctx;
    h->call(h, vals);
}

wacc_func *wacc__func_new_raw(wacc_store *s, const wacc_functype *type,
                              const struct wacc_funcref *ref)
{
    uint32_t id = wacc__sig_id(s->engine, type->nparams, type->params, type->nresults,
                               type->results);
    if (id == UINT32_MAX)
        return NULL;
    wacc_func *f = calloc(1, sizeof *f);
    uint8_t *types = malloc((size_t)type->nparams + type->nresults + 1);
    if (!f || !types) {
        free(f);
        free(types);
        return NULL;
    }
    if (type->nparams)
        memcpy(types, type->params, type->nparams);
    if (type->nresults)
        memcpy(types + type->nparams, type->results, type->nresults);
    f->store = s;
    f->own = *ref;
    f->own.type_id = id;
    f->own.reserved = 0;
    f->ref = &f->own;
    f->nparams = type->nparams;
    f->nresults = type->nresults;
    f->owned_types = types;
    f->params = types;
    f->results = types + type->nparams;
    f->index = UINT32_MAX;
    f->next = s->funcs;
    s->funcs = f;
    return f;
}

/* A host function is a raw one whose funcref context is the wacc_func
 * itself (its wacc_host_ctx header). */
wacc_func *wacc_func_new_host(wacc_store *s, const wacc_functype *type, wacc_host_fn fn,
                              void *data)
{
    struct wacc_funcref ref = { NULL, NULL, 0, 0, wacc__host_array_call };
    wacc_func *f = wacc__func_new_raw(s, type, &ref);
    if (!f)
        return NULL;
    f->hdr.call = host_call;
    f->own.vmctx = f;
    f->fn = fn;
    f->data = data;
    return f;
}

wacc_func *wacc__instance_func(struct wacc_instance *inst, uint32_t index)
{
    if (index >= inst->mod->nfuncs)
        return NULL;
    if (inst->funcs[index])
        return inst->funcs[index];
    wacc_func *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    const wasm_functype *t = &inst->mod->types[inst->mod->func_types[index]];
    f->store = inst->store;
    f->ref = &inst->funcrefs[index];
    f->nparams = t->nparams;
    f->nresults = t->nresults;
    f->params = t->params;
    f->results = t->results;
    f->inst = inst;
    f->index = index;
    f->next = inst->store->funcs;
    inst->store->funcs = f;
    inst->funcs[index] = f;
    return f;
}

void wacc_func_type(const wacc_func *f, wacc_functype *out)
{
    out->nparams = f->nparams;
    out->nresults = f->nresults;
    out->params = f->params;
    out->results = f->results;
}

bool wacc_call(wacc_store *s, wacc_func *f, const wacc_val *args, uint32_t nargs,
               wacc_val *results, uint32_t nresults, wacc_trap *trap)
{
    if (trap) {
        trap->code = WACC_TRAP_NONE;
        trap->message[0] = 0;
    }
    if (nargs != f->nparams || nresults != f->nresults) {
        if (trap) {
            wacc__set_trap(trap, WACC_TRAP_HOST, NULL, UINT32_MAX, 0);
            wacc__err(trap->message, "wrong number of arguments or results: function takes %u "
                      "and returns %u, called with %u and %u", f->nparams, f->nresults, nargs,
                      nresults);
        }
        return false;
    }
    uint32_t n = nargs > nresults ? nargs : nresults;
    wacc_val small[8];
    wacc_val *vals = n <= 8 ? small : calloc(n, sizeof *vals);
    if (!vals) {
        wacc__set_trap(trap, WACC_TRAP_OUT_OF_MEMORY, NULL, UINT32_MAX, 0);
        return false;
    }
    for (uint32_t i = 0; i < nargs; i++)
        vals[i] = args[i];
    const struct wacc_funcref *r = f->ref;
    struct wacc_entry e;
    /* The callee's store holds the stack limit its code checks. */
    bool ok = wacc__call_protected(f->store ? f->store : s, &e, r->array_call, r->vmctx, r->code,
                                   vals);
    if (ok) {
        for (uint32_t i = 0; i < nresults; i++)
            results[i] = vals[i];
    }
    if (!ok && trap)
        wacc__fill_trap(&e, trap);
    if (vals != small)
        free(vals);
    return ok;
}

void *wacc_func_ref(wacc_func *f)
{
    if (!f)
        return NULL;
    if (f->fn && !f->own.code)      /* give it a native entry for call_indirect */
        f->own.code = wacc__engine_host_stub(f->store->engine, f->own.type_id);
    return f->ref;
}

wacc_func *wacc_func_from_ref(wacc_store *s, void *ref)
{
    struct wacc_funcref *r = ref;
    if (!r)
        return NULL;
    if (r->array_call == wacc__host_array_call)
        return (wacc_func *)r->vmctx;
    for (struct wacc_instance *i = s->instances; i; i = i->next) {
        uint32_t n = i->mod->nfuncs;
        if (n && r >= i->funcrefs && r < i->funcrefs + n)
            return wacc__instance_func(i, (uint32_t)(r - i->funcrefs));
    }
    for (wacc_func *f = s->funcs; f; f = f->next)      /* wacc__func_new_raw */
        if (f->ref == r)
            return f;
    return NULL;
}

/* ---- globals ---- */

wacc_global_obj *wacc_global_new(wacc_store *s, wacc_globaltype type, wacc_val init)
{
    wacc_global_obj *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->own = init;
    g->cell = &g->own;
    g->type = type;
    g->next = s->globals;
    s->globals = g;
    return g;
}

wacc_val wacc_global_get(const wacc_global_obj *g)
{
    return *g->cell;
}

void wacc_global_set(wacc_global_obj *g, wacc_val v)
{
    *g->cell = v;
}

wacc_globaltype wacc_global_type(const wacc_global_obj *g)
{
    return g->type;
}
