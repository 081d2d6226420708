/*
 * lower_adapter_async.c — fused async adapters (wacc/abi.h "Fused async
 * adapters"): for an async canon lower wired to a canon lift of another
 * component instance of the same graph, the value transfers of the call,
 * compiled; the runtime keeps the task/subtask bookkeeping and calls them
 * as array-call functions (void f(cx, unused, vals)):
 *
 *   wacc_aadapter_start_<i>   the caller's async-lowered core args in vals
 *                             (flat params or a pointer to them; a trailing
 *                             return pointer is ignored) -> the callee's
 *                             lifted params (its realloc for strings, lists
 *                             and a spilled tuple), calls cx->callee, and
 *                             leaves the core function's results in vals;
 *   wacc_aadapter_result_<i>  vals[0] the caller's return pointer, vals[1..]
 *                             the callee's result as task.return got it
 *                             (callback/stackful lifts) or as its core
 *                             function returned it (sync lifts): stored
 *                             into the caller's memory (its realloc); for
 *                             a sync lower (upper-case kind) whose result
 *                             is one flat value, left in vals[0] instead.
 *
 * The transfers are lower_adapter_xfer.c's, as the sync adapters use them.
 */
#include <stdio.h>
#include <string.h>

#include "lower_adapter.h"

static LLVMValueRef slot(agen *g, LLVMValueRef vals, uint32_t i)
{
    LLVMValueRef off = LLVMConstInt(g->t_i64, (uint64_t)i * WACC_VAL_SIZE, 0);
    return LLVMBuildGEP2(g->b, g->t_i8, vals, &off, 1, "");
}

static LLVMValueRef load_slot(agen *g, LLVMValueRef vals, uint32_t i, uint8_t flat)
{
    LLVMValueRef v = LLVMBuildLoad2(g->b, adapter_flat_type(g, flat), slot(g, vals, i), "");
    LLVMSetAlignment(v, 8);
    return v;
}

static LLVMValueRef begin_fn(agen *g, const wacc_target *t, const char *name)
{
    LLVMTypeRef ps[3] = { g->t_ptr, g->t_ptr, g->t_ptr };
    g->fn = adapter_new_fn(g, t, name, LLVMFunctionType(g->t_void, ps, 3, 0));
    memset(g->base, 0, sizeof g->base);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->C, g->fn, "entry"));
    g->cx = LLVMGetParam(g->fn, 0);
    g->ops = adapter_load_field(g, g->t_ctx, g->cx, WACC_ACTX_OPS, g->t_ptr);
    return LLVMGetParam(g->fn, 2);
}

static void build_start(agen *g, const wacc_target *t, uint32_t index, char kind,
                        const wacc_ctype *const *params, uint32_t nparams,
                        const wacc_core_functype *low, const wacc_core_functype *lift)
{
    char name[48];
    snprintf(name, sizeof name, "wacc_aadapter_start_%u", index);
    LLVMValueRef vals = begin_fn(g, t, name);
    LLVMValueRef args[WACC_ABI_MAX_FLAT_PARAMS + 1];
    unsigned nargs = 1;         /* args[0]: the callee's vmctx, below */
    if (low->params_spilled) {
        uint32_t size, align;
        adapter_tuple_layout(params, nparams, &size, &align);
        LLVMValueRef src = load_slot(g, vals, 0, WACC_FLAT_I32);
        adapter_call_check(g, WACC_ADAPTER_CALLER, src, size, align);
        LLVMValueRef dst = lift->params_spilled ? adapter_call_alloc(g, WACC_ADAPTER_CALLEE, align, size)
                                                : NULL;
        uint64_t off = 0;
        for (uint32_t i = 0; i < nparams; i++) {
            uint64_t a = params[i]->align[0];
            off = (off + a - 1) / a * a;
            LLVMValueRef s = adapter_addr(g, WACC_ADAPTER_CALLER, src, off);
            if (dst) {
                adapter_mem_xfer(g, params[i], s, adapter_addr(g, WACC_ADAPTER_CALLEE, dst, off),
                                 WACC_ADAPTER_CALLEE);
            } else {
                LLVMValueRef in[WACC_ABI_MAX_FLAT];
                adapter_load_flat(g, params[i], s, in);
                adapter_flat_xfer(g, params[i], in, &args[nargs], WACC_ADAPTER_CALLEE);
                nargs += params[i]->nflat;
            }
            off += params[i]->size[0];
        }
        if (dst)
            args[nargs++] = dst;
    } else {
        unsigned pos = 0;
        for (uint32_t i = 0; i < nparams; i++) {
            LLVMValueRef in[WACC_ABI_MAX_FLAT];
            uint32_t nf = params[i]->nflat;
            for (uint32_t k = 0; k < nf; k++)
                in[k] = load_slot(g, vals, pos + k, low->params[pos + k]);
            adapter_flat_xfer(g, params[i], in, &args[nargs], WACC_ADAPTER_CALLEE);
            pos += nf;
            nargs += nf;
        }
    }
    /* the callee's core results: callback i32, stackful none, sync its flat results */
    uint32_t nres = kind == WACC_AADAPTER_SYNC ? lift->nresults : kind == WACC_AADAPTER_CALLBACK;
    LLVMTypeRef rty = nres ? adapter_flat_type(g, kind == WACC_AADAPTER_SYNC ? lift->results[0]
                                                                             : WACC_FLAT_I32)
                           : g->t_void;
    LLVMValueRef r = adapter_call_callee(g, args, nargs, rty);
    if (nres)
        LLVMSetAlignment(LLVMBuildStore(g->b, r, slot(g, vals, 0)), 8);
    LLVMBuildRetVoid(g->b);
}

static void build_result(agen *g, const wacc_target *t, uint32_t index, char kind, bool sync_lower,
                         const wacc_ctype *result)
{
    char name[48];
    snprintf(name, sizeof name, "wacc_aadapter_result_%u", index);
    LLVMValueRef vals = begin_fn(g, t, name);
    if (result && sync_lower && result->nflat <= WACC_ABI_MAX_FLAT_RESULTS) {
        /* a sync lower's flat result (flat from the callee too: at most
         * one value), left in vals[0] */
        LLVMValueRef in[WACC_ABI_MAX_FLAT], out[WACC_ABI_MAX_FLAT];
        for (uint32_t k = 0; k < result->nflat; k++)
            in[k] = load_slot(g, vals, 1 + k, result->flat[0][k]);
        adapter_flat_xfer(g, result, in, out, WACC_ADAPTER_CALLER);
        for (uint32_t k = 0; k < result->nflat; k++)
            LLVMSetAlignment(LLVMBuildStore(g->b, out[k], slot(g, vals, k)), 8);
    } else if (result) {
        uint32_t size = result->size[0], align = result->align[0];
        uint32_t max = kind == WACC_AADAPTER_SYNC ? WACC_ABI_MAX_FLAT_RESULTS : WACC_ABI_MAX_FLAT_PARAMS;
        LLVMValueRef retptr = load_slot(g, vals, 0, WACC_FLAT_I32);
        if (result->nflat > max) {
            LLVMValueRef p = load_slot(g, vals, 1, WACC_FLAT_I32);
            adapter_call_check(g, WACC_ADAPTER_CALLEE, p, size, align);
            adapter_call_check(g, WACC_ADAPTER_CALLER, retptr, size, align);
            adapter_mem_xfer(g, result, adapter_addr(g, WACC_ADAPTER_CALLEE, p, 0),
                             adapter_addr(g, WACC_ADAPTER_CALLER, retptr, 0), WACC_ADAPTER_CALLER);
        } else {
            adapter_call_check(g, WACC_ADAPTER_CALLER, retptr, size, align);
            LLVMValueRef in[WACC_ABI_MAX_FLAT], out[WACC_ABI_MAX_FLAT];
            for (uint32_t k = 0; k < result->nflat; k++)
                in[k] = load_slot(g, vals, 1 + k, result->flat[0][k]);
            adapter_flat_xfer(g, result, in, out, WACC_ADAPTER_CALLER);
            adapter_store_flat(g, result, out, adapter_addr(g, WACC_ADAPTER_CALLER, retptr, 0));
        }
    }
    LLVMBuildRetVoid(g->b);
}

bool adapter_build_async(LLVMModuleRef mod, const wacc_target *t, uint32_t index, char kind,
                         const wacc_ctype *const *params, uint32_t nparams, const wacc_ctype *result,
                         LLVMValueRef *start, LLVMValueRef *result_fn, char err[512])
{
    /* an upper-case kind: the lower is synchronous (the caller blocks) */
    bool sync_lower = kind >= 'A' && kind <= 'Z';
    if (sync_lower)
        kind = (char)(kind - 'A' + 'a');
    if (kind != WACC_AADAPTER_CALLBACK && kind != WACC_AADAPTER_STACKFUL && kind != WACC_AADAPTER_SYNC) {
        snprintf(err, 512, "unknown async adapter kind '%c'", kind);
        return false;
    }
    for (uint32_t i = 0; i < nparams; i++)
        if (!params[i] || !adapter_type_ok(params[i], err, 512))
            return false;
    if (result && !adapter_type_ok(result, err, 512))
        return false;
    agen g;
    adapter_init_gen(&g, mod);
    /* own/borrow handles go through ops->handle, in the borrow scopes the
     * runtime sets for the call (the subtask's lends, the task's borrows) */
    g.nres = wacc_adapter_key_resources(params, nparams, result, g.res, WACC_ADAPTER_KEY_MAX_RESOURCES);
    if (g.nres == UINT32_MAX) {
        snprintf(err, 512, "too many resource types");
        return false;
    }
    bool async_lift = kind != WACC_AADAPTER_SYNC;
    wacc_core_functype low, lift;
    wacc_flatten_functype(params, nparams, result, false, !sync_lower, false, WACC_ABI_LOWER, &low);
    wacc_flatten_functype(params, nparams, result, false, async_lift, kind == WACC_AADAPTER_CALLBACK,
                          WACC_ABI_LIFT, &lift);
    g.b = LLVMCreateBuilderInContext(g.C);
    build_start(&g, t, index, kind, params, nparams, &low, &lift);
    *start = g.fn;
    build_result(&g, t, index, kind, sync_lower, result);
    *result_fn = g.fn;
    LLVMDisposeBuilder(g.b);
    return true;
}

/* ---- stream/future element copies (wacc/abi.h WACC_ECOPY_PREFIX) ---- */

bool adapter_build_ecopy(LLVMModuleRef mod, const wacc_target *t, uint32_t index,
                         const wacc_ctype *const *params, uint32_t nparams, const wacc_ctype *result,
                         LLVMValueRef *fn, char err[512])
{
    if (nparams != 1 || result || !params[0]) {
        snprintf(err, 512, "an element copy key names one element type");
        return false;
    }
    const wacc_ctype *e = params[0];
    if (!adapter_type_ok(e, err, 512))
        return false;
    agen g;
    adapter_init_gen(&g, mod);
    const wacc_resource_type *res[WACC_ADAPTER_KEY_MAX_RESOURCES];
    if (wacc_adapter_key_resources(params, 1, NULL, res, WACC_ADAPTER_KEY_MAX_RESOURCES) != 0) {
        snprintf(err, 512, "element copies do not move handles");
        return false;
    }
    g.b = LLVMCreateBuilderInContext(g.C);
    char name[48];
    snprintf(name, sizeof name, "wacc_ecopy_%u", index);
    LLVMValueRef vals = begin_fn(&g, t, name);
    LLVMValueRef src = adapter_addr(&g, WACC_ADAPTER_CALLEE, load_slot(&g, vals, 0, WACC_FLAT_I32), 0);
    LLVMValueRef dst = adapter_addr(&g, WACC_ADAPTER_CALLER, load_slot(&g, vals, 1, WACC_FLAT_I32), 0);
    LLVMValueRef n = LLVMBuildZExt(g.b, load_slot(&g, vals, 2, WACC_FLAT_I32), g.t_i64, "");
    adapter_mem_elems(&g, e, src, dst, n, WACC_ADAPTER_CALLER);
    LLVMBuildRetVoid(g.b);
    *fn = g.fn;
    LLVMDisposeBuilder(g.b);
    return true;
}
