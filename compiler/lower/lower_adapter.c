/*
 * lower_adapter.c — fused adapters (wacc/abi.h "Fused adapters (k2)"):
 * for each adapter key, the adapter function with the caller's lowered core
 * signature, its array-call entry, and the table "wacc_adapters" the
 * component descriptor points to. The value transfers themselves are in
 * lower_adapter_xfer.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_adapter.h"

_Static_assert(offsetof(struct wacc_adapter_ctx, mem) == 8, "adapter ctx layout");
_Static_assert(offsetof(struct wacc_adapter_ctx, callee) == 24, "adapter ctx layout");
_Static_assert(offsetof(struct wacc_adapter_ctx, runtime) == 64, "adapter ctx layout");
_Static_assert(offsetof(struct wacc_adapter_ops, list) == 32, "adapter ops layout");
_Static_assert(offsetof(struct wacc_adapter_ops, call_end) == 8 * (WACC_AOPS__COUNT - 1),
               "adapter ops layout");
_Static_assert(sizeof(struct wacc_adapter_entry) == 24, "adapter entry layout");

static void add_attr(LLVMContextRef C, LLVMValueRef fn, const char *name)
{
    unsigned k = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(C, k, 0));
}

static void add_str_attr(LLVMContextRef C, LLVMValueRef fn, const char *k, const char *v)
{
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
        LLVMCreateStringAttribute(C, k, (unsigned)strlen(k), v, (unsigned)strlen(v)));
}

/* The same function attributes as the lowered wasm functions. */
LLVMValueRef adapter_new_fn(agen *g, const wacc_target *t, const char *name, LLVMTypeRef ty)
{
    LLVMValueRef fn = LLVMAddFunction(g->mod, name, ty);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    add_attr(g->C, fn, "nounwind");
    add_str_attr(g->C, fn, "no-builtins", "");
    if (t && t->cpu_name[0])
        add_str_attr(g->C, fn, "target-cpu", t->cpu_name);
    if (t && t->features && t->features[0])
        add_str_attr(g->C, fn, "target-features", t->features);
    return fn;
}

static LLVMTypeRef get_struct(agen *g, const char *name, LLVMTypeRef *fields, unsigned n)
{
    LLVMTypeRef s = LLVMGetTypeByName2(g->C, name);
    if (s)
        return s;
    s = LLVMStructCreateNamed(g->C, name);
    LLVMStructSetBody(s, fields, n, 0);
    return s;
}

void adapter_init_gen(agen *g, LLVMModuleRef mod)
{
    memset(g, 0, sizeof *g);
    g->mod = mod;
    g->C = LLVMGetModuleContext(mod);
    LLVMContextRef C = g->C;
    g->t_void = LLVMVoidTypeInContext(C);
    g->t_i1 = LLVMInt1TypeInContext(C);
    g->t_i8 = LLVMInt8TypeInContext(C);
    g->t_i32 = LLVMInt32TypeInContext(C);
    g->t_i64 = LLVMInt64TypeInContext(C);
    g->t_f32 = LLVMFloatTypeInContext(C);
    g->t_f64 = LLVMDoubleTypeInContext(C);
    g->t_ptr = LLVMPointerTypeInContext(C, 0);

    LLVMTypeRef f[WACC_ACTX__COUNT];
    for (unsigned i = 0; i < WACC_ACTX__COUNT; i++)
        f[i] = g->t_ptr;
    f[WACC_ACTX_MEM] = LLVMArrayType2(g->t_ptr, 2);
    g->t_ctx = get_struct(g, "wacc_adapter_ctx", f, WACC_ACTX__COUNT);
    for (unsigned i = 0; i < WACC_AOPS__COUNT; i++)
        f[i] = g->t_ptr;
    g->t_ops = get_struct(g, "wacc_adapter_ops", f, WACC_AOPS__COUNT);
    LLVMTypeRef fr[5] = { g->t_ptr, g->t_ptr, g->t_i32, g->t_i32, g->t_ptr };
    g->t_funcref = get_struct(g, "wacc_funcref", fr, 5);
    LLVMTypeRef mf[2] = { g->t_ptr, g->t_i64 };
    g->t_memory = get_struct(g, "wacc_memory", mf, 2);
    g->md_invariant = LLVMGetMDKindIDInContext(C, "invariant.load", 14);
    g->md_empty = LLVMMetadataAsValue(C, LLVMMDNodeInContext2(C, NULL, 0));
}

static LLVMTypeRef ret_type(agen *g, const wacc_core_functype *ft)
{
    return ft->nresults ? adapter_flat_type(g, ft->results[0]) : g->t_void;
}

/* Layout of the tuple of the params (a spilled parameter list). */
void adapter_tuple_layout(const wacc_ctype *const *ts, uint32_t n, uint32_t *size, uint32_t *align)
{
    uint64_t off = 0, al = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = ts[i]->align[0];
        off = (off + a - 1) / a * a + ts[i]->size[0];
        if (a > al)
            al = a;
    }
    *size = (uint32_t)((off + al - 1) / al * al);
    *align = (uint32_t)al;
}

/* The call of the callee's core function (the ctx's funcref) with
 * args[1..nargs) (args[0] is set to its vmctx), returning ret. */
LLVMValueRef adapter_call_callee(agen *g, LLVMValueRef *args, unsigned nargs, LLVMTypeRef ret)
{
    LLVMValueRef callee = adapter_load_field(g, g->t_ctx, g->cx, WACC_ACTX_CALLEE, g->t_ptr);
    LLVMValueRef code = adapter_load_field(g, g->t_funcref, callee, WACC_FUNCREF_CODE, g->t_ptr);
    args[0] = adapter_load_field(g, g->t_funcref, callee, WACC_FUNCREF_VMCTX, g->t_ptr);
    LLVMTypeRef ps[WACC_ABI_MAX_FLAT_PARAMS + 1];
    for (unsigned i = 0; i < nargs; i++)
        ps[i] = LLVMTypeOf(args[i]);
    return LLVMBuildCall2(g->b, LLVMFunctionType(ret, ps, nargs, 0), code, args, nargs, "");
}

static LLVMValueRef flag_ptr(agen *g, unsigned field)
{
    return adapter_load_field(g, g->t_ctx, g->cx, field, g->t_ptr);
}

static void store_flag(agen *g, LLVMValueRef p, unsigned v)
{
    LLVMBuildStore(g->b, LLVMConstInt(g->t_i8, v, 0), p);
}

static LLVMValueRef flag_is_clear(agen *g, LLVMValueRef p)
{
    LLVMValueRef v = LLVMBuildLoad2(g->b, g->t_i8, p, "");
    return LLVMBuildICmp(g->b, LLVMIntEQ, v, LLVMConstInt(g->t_i8, 0, 0), "");
}

/* The adapter body (wacc/abi.h steps 1-6). */
static void build_body(agen *g, const wacc_ctype *const *params, uint32_t nparams,
                       const wacc_ctype *result, const wacc_core_functype *low,
                       const wacc_core_functype *lift)
{
    LLVMBuilderRef b = g->b;
    LLVMValueRef zero = LLVMConstInt(g->t_i32, 0, 0);
    g->ops = adapter_load_field(g, g->t_ctx, g->cx, WACC_ACTX_OPS, g->t_ptr);

    /* 1. may_leave / may_enter */
    adapter_trap_if(g, flag_is_clear(g, flag_ptr(g, WACC_ACTX_CALLER_MAY_LEAVE)),
                    WACC_ADAPTER_TRAP_CANNOT_LEAVE, zero);
    LLVMValueRef may_enter = flag_ptr(g, WACC_ACTX_CALLEE_MAY_ENTER);
    adapter_trap_if(g, flag_is_clear(g, may_enter), WACC_ADAPTER_TRAP_CANNOT_ENTER, zero);
    store_flag(g, may_enter, 0);
    if (g->nres)                /* 1b. borrow scopes */
        adapter_call_scope(g, true);

    /* 2. params */
    LLVMValueRef args[WACC_ABI_MAX_FLAT_PARAMS + 1];
    unsigned nargs = 0;
    args[nargs++] = NULL;       /* callee vmctx, below */
    if (low->params_spilled) {
        uint32_t size, align;
        adapter_tuple_layout(params, nparams, &size, &align);
        LLVMValueRef src = LLVMGetParam(g->fn, 1);
        adapter_call_check(g, WACC_ADAPTER_CALLER, src, size, align);
        LLVMValueRef dst = adapter_call_alloc(g, WACC_ADAPTER_CALLEE, align, size);
        uint64_t off = 0;
        for (uint32_t i = 0; i < nparams; i++) {
            uint64_t a = params[i]->align[0];
            off = (off + a - 1) / a * a;
            adapter_mem_xfer(g, params[i], adapter_addr(g, WACC_ADAPTER_CALLER, src, off),
                             adapter_addr(g, WACC_ADAPTER_CALLEE, dst, off), WACC_ADAPTER_CALLEE);
            off += params[i]->size[0];
        }
        args[nargs++] = dst;
    } else {
        unsigned pos = 1;
        for (uint32_t i = 0; i < nparams; i++) {
            LLVMValueRef in[WACC_ABI_MAX_FLAT];
            uint32_t nf = params[i]->nflat;
            for (uint32_t k = 0; k < nf; k++)
                in[k] = LLVMGetParam(g->fn, pos + k);
            adapter_flat_xfer(g, params[i], in, &args[nargs], WACC_ADAPTER_CALLEE);
            pos += nf;
            nargs += nf;
        }
    }

    /* 3. the call */
    LLVMValueRef r = adapter_call_callee(g, args, nargs, ret_type(g, lift));

    /* 4. results */
    LLVMValueRef ret = NULL;
    if (result && lift->results_spilled) {
        uint32_t size = result->size[0], align = result->align[0];
        LLVMValueRef retptr = LLVMGetParam(g->fn, low->nparams);     /* the last one */
        adapter_call_check(g, WACC_ADAPTER_CALLEE, r, size, align);
        adapter_call_check(g, WACC_ADAPTER_CALLER, retptr, size, align);
        adapter_mem_xfer(g, result, adapter_addr(g, WACC_ADAPTER_CALLEE, r, 0),
                         adapter_addr(g, WACC_ADAPTER_CALLER, retptr, 0), WACC_ADAPTER_CALLER);
    } else if (result && result->nflat == 1) {
        adapter_flat_xfer(g, result, &r, &ret, WACC_ADAPTER_CALLER);
    }
    if (g->nres)                /* 4b. */
        adapter_call_scope(g, false);

    /* 5. post-return */
    LLVMValueRef pr = adapter_load_field(g, g->t_ctx, g->cx, WACC_ACTX_POST_RETURN, g->t_ptr);
    LLVMBasicBlockRef call_pr = LLVMAppendBasicBlockInContext(g->C, g->fn, "post_return");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->C, g->fn, "done");
    LLVMBuildCondBr(b, LLVMBuildIsNull(b, pr, ""), done, call_pr);
    LLVMPositionBuilderAtEnd(b, call_pr);
    LLVMValueRef may_leave = flag_ptr(g, WACC_ACTX_CALLEE_MAY_LEAVE);
    store_flag(g, may_leave, 0);
    LLVMValueRef pargs[2] = {
        adapter_load_field(g, g->t_funcref, pr, WACC_FUNCREF_VMCTX, g->t_ptr), r
    };
    LLVMTypeRef pps[2] = { g->t_ptr, lift->nresults ? LLVMTypeOf(r) : NULL };
    unsigned npr = lift->nresults ? 2 : 1;
    LLVMBuildCall2(b, LLVMFunctionType(g->t_void, pps, npr, 0),
                   adapter_load_field(g, g->t_funcref, pr, WACC_FUNCREF_CODE, g->t_ptr),
                   pargs, npr, "");
    store_flag(g, may_leave, 1);
    LLVMBuildBr(b, done);

    /* 6. */
    LLVMPositionBuilderAtEnd(b, done);
    store_flag(g, may_enter, 1);
    if (ret)
        LLVMBuildRet(b, ret);
    else
        LLVMBuildRetVoid(b);
}

static LLVMValueRef slot_ptr(agen *g, LLVMValueRef vals, uint32_t i)
{
    LLVMValueRef off = LLVMConstInt(g->t_i64, (uint64_t)i * WACC_VAL_SIZE, 0);
    return LLVMBuildGEP2(g->b, g->t_i8, vals, &off, 1, "");
}

/* void wacc_adapter_array_<i>(ptr vmctx, ptr code, ptr vals) */
static LLVMValueRef build_array_call(agen *g, const wacc_target *t, uint32_t index,
                                     LLVMTypeRef fty, const wacc_core_functype *low)
{
    char name[48];
    snprintf(name, sizeof name, "wacc_adapter_array_%u", index);
    LLVMTypeRef ps[3] = { g->t_ptr, g->t_ptr, g->t_ptr };
    LLVMValueRef fn = adapter_new_fn(g, t, name, LLVMFunctionType(g->t_void, ps, 3, 0));
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->C, fn, "entry"));
    LLVMValueRef vals = LLVMGetParam(fn, 2);
    LLVMValueRef args[WACC_ABI_MAX_FLAT_PARAMS + 2];
    args[0] = LLVMGetParam(fn, 0);
    for (uint32_t i = 0; i < low->nparams; i++) {
        LLVMValueRef v = LLVMBuildLoad2(g->b, adapter_flat_type(g, low->params[i]),
                                        slot_ptr(g, vals, i), "");
        LLVMSetAlignment(v, 8);
        args[i + 1] = v;
    }
    LLVMValueRef r = LLVMBuildCall2(g->b, fty, LLVMGetParam(fn, 1), args, low->nparams + 1, "");
    if (low->nresults)
        LLVMSetAlignment(LLVMBuildStore(g->b, r, slot_ptr(g, vals, 0)), 8);
    LLVMBuildRetVoid(g->b);
    return fn;
}

bool adapter_build(LLVMModuleRef mod, const wacc_target *t, uint32_t index,
                   const wacc_ctype *const *params, uint32_t nparams, const wacc_ctype *result,
                   LLVMValueRef *code, LLVMValueRef *array_call, char err[512])
{
    for (uint32_t i = 0; i < nparams; i++)
        if (!params[i] || !adapter_type_ok(params[i], err, 512))
            return false;
    if (result && !adapter_type_ok(result, err, 512))
        return false;
    wacc_core_functype low, lift;
    wacc_flatten_functype(params, nparams, result, false, false, false, WACC_ABI_LOWER, &low);
    wacc_flatten_functype(params, nparams, result, false, false, false, WACC_ABI_LIFT, &lift);

    agen g;
    adapter_init_gen(&g, mod);
    g.nres = wacc_adapter_key_resources(params, nparams, result, g.res,
                                        WACC_ADAPTER_KEY_MAX_RESOURCES);
    if (g.nres == UINT32_MAX) {
        snprintf(err, 512, "too many resource types");
        return false;
    }
    LLVMTypeRef ps[WACC_ABI_MAX_FLAT_PARAMS + 2];
    ps[0] = g.t_ptr;
    for (uint32_t i = 0; i < low.nparams; i++)
        ps[i + 1] = adapter_flat_type(&g, low.params[i]);
    LLVMTypeRef fty = LLVMFunctionType(ret_type(&g, &low), ps, low.nparams + 1, 0);
    char name[48];
    snprintf(name, sizeof name, "wacc_adapter_%u", index);
    g.b = LLVMCreateBuilderInContext(g.C);
    g.fn = adapter_new_fn(&g, t, name, fty);
    LLVMPositionBuilderAtEnd(g.b, LLVMAppendBasicBlockInContext(g.C, g.fn, "entry"));
    g.cx = LLVMGetParam(g.fn, 0);
    build_body(&g, params, nparams, result, &low, &lift);
    *code = g.fn;
    *array_call = build_array_call(&g, t, index, fty, &low);
    LLVMDisposeBuilder(g.b);
    return true;
}

/* The functions of one key: sync adapter, async adapter or element copy. */
static bool build_one(LLVMModuleRef mod, const wacc_target *t, uint32_t i, const char *key, bool ecopy,
                      bool async_, const wacc_ctype *const *params, uint32_t nparams,
                      const wacc_ctype *result, LLVMValueRef *fn, LLVMValueRef *ac, char why[512])
{
    if (ecopy) {
        if (!adapter_build_ecopy(mod, t, i, params, nparams, result, fn, why))
            return false;
        *ac = *fn;
        return true;
    }
    if (async_)
        return adapter_build_async(mod, t, i, key[1], params, nparams, result, fn, ac, why);
    return adapter_build(mod, t, i, params, nparams, result, fn, ac, why);
}

bool wacc_lower_adapters(LLVMModuleRef mod, const wacc_target *t, const char *const *keys,
                         uint32_t nkeys, LLVMValueRef *table, char err[512])
{
    *table = NULL;
    err[0] = '\0';
    if (nkeys == 0)
        return true;
    LLVMContextRef C = LLVMGetModuleContext(mod);
    LLVMTypeRef p = LLVMPointerTypeInContext(C, 0);
    LLVMTypeRef ety = LLVMStructTypeInContext(C, (LLVMTypeRef[]){ p, p, p }, 3, 0);
    LLVMValueRef *entries = calloc(nkeys, sizeof *entries);
    if (!entries) {
        snprintf(err, 512, "out of memory");
        return false;
    }
    wacc_arena arena;
    wacc_arena_init(&arena);
    bool ok = true;
    for (uint32_t i = 0; i < nkeys && ok; i++) {
        const wacc_ctype **params = NULL, *result = NULL;
        uint32_t nparams = 0;
        uint8_t lower_enc, lift_enc;
        char why[512] = "";
        LLVMValueRef fn = NULL, ac = NULL;
        bool ecopy = keys[i][0] == WACC_ECOPY_PREFIX && keys[i][1] == WACC_ECOPY_KIND;
        bool async_ = ecopy || (keys[i][0] == WACC_AADAPTER_PREFIX && keys[i][1]);
        if (!wacc_adapter_key_parse(&arena, keys[i] + (async_ ? 2 : 0), &params, &nparams, &result,
                                    &lower_enc, &lift_enc)) {
            snprintf(err, 512, "adapter %u \"%.200s\": malformed key", i, keys[i]);
            ok = false;
        } else if (!build_one(mod, t, i, keys[i], ecopy, async_, params, nparams, result, &fn, &ac,
                              why)) {
            snprintf(err, 512, "adapter %u \"%.200s\": %s", i, keys[i], why);
            ok = false;
        } else {
            char kname[48];
            snprintf(kname, sizeof kname, "wacc_adapter_key_%u", i);
            LLVMValueRef s = LLVMConstStringInContext(C, keys[i], (unsigned)strlen(keys[i]), 0);
            LLVMValueRef gs = LLVMAddGlobal(mod, LLVMTypeOf(s), kname);
            LLVMSetInitializer(gs, s);
            LLVMSetGlobalConstant(gs, 1);
            LLVMSetLinkage(gs, LLVMPrivateLinkage);
            LLVMSetUnnamedAddress(gs, LLVMGlobalUnnamedAddr);
            LLVMValueRef fv[3] = { gs, fn, ac };
            entries[i] = LLVMConstStructInContext(C, fv, 3, 0);
        }
        wacc_arena_reset(&arena);
    }
    wacc_arena_fini(&arena);
    if (ok) {
        LLVMValueRef arr = LLVMConstArray2(ety, entries, nkeys);
        LLVMValueRef g = LLVMAddGlobal(mod, LLVMTypeOf(arr), "wacc_adapters");
        LLVMSetInitializer(g, arr);
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, LLVMInternalLinkage);
        LLVMSetAlignment(g, 8);
        *table = g;
    }
    free(entries);
    return ok;
}
