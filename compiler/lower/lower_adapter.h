/*
 * lower_adapter.h — internals of the fused-adapter generator
 * (lower_adapter.c, lower_adapter_xfer.c; wacc/abi.h "Fused adapters (k2)").
 */
#ifndef WACC_LOWER_ADAPTER_H
#define WACC_LOWER_ADAPTER_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>

#include "abi.h"            /* abi-glue: wacc_ctype */
#include "compiler.h"

/* Generation state of one adapter function. */
typedef struct agen {
    LLVMContextRef C;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMValueRef fn;
    LLVMTypeRef t_void, t_i1, t_i8, t_i32, t_i64, t_f32, t_f64, t_ptr;
    LLVMTypeRef t_ctx, t_ops, t_funcref, t_memory;
    LLVMValueRef cx;            /* the adapter's ctx parameter */
    LLVMValueRef ops;           /* cx->ops */
    LLVMValueRef base[2];       /* cx->mem[side]->base (NULL: not loaded) */
    unsigned md_invariant;
    LLVMValueRef md_empty;
    /* the (placeholder) resource types of the key, by number */
    uint32_t nres;
    const wacc_resource_type *res[WACC_ADAPTER_KEY_MAX_RESOURCES];
} agen;

/* lower_adapter_xfer.c: value transfers. `to` is the receiving side
 * (WACC_ADAPTER_CALLER/CALLEE), the source is the other one. */

/* t's flat values in[0..t->nflat) -> out[0..t->nflat). */
void adapter_flat_xfer(agen *g, const wacc_ctype *t, const LLVMValueRef *in, LLVMValueRef *out,
                       int to);
/* A value of type t at host address src (source memory) to dst. */
void adapter_mem_xfer(agen *g, const wacc_ctype *t, LLVMValueRef src, LLVMValueRef dst, int to);
/* Host address of guest pointer p (i32) plus off in side's memory. */
LLVMValueRef adapter_addr(agen *g, int side, LLVMValueRef p, uint64_t off);
/* LLVM type of a flat type (WACC_FLAT_*). */
LLVMTypeRef adapter_flat_type(agen *g, uint8_t flat);
/* Calls to the ops table. */
void adapter_trap_if(agen *g, LLVMValueRef cond, unsigned reason, LLVMValueRef value);
void adapter_call_check(agen *g, int side, LLVMValueRef ptr, uint32_t size, uint32_t align);
LLVMValueRef adapter_call_alloc(agen *g, int side, uint32_t align, uint32_t size);
/* ops->call_begin / ops->call_end (types with handles). */
void adapter_call_scope(agen *g, bool begin);
/* A load of a runtime structure field (invariant during the call). */
LLVMValueRef adapter_load_field(agen *g, LLVMTypeRef sty, LLVMValueRef p, unsigned field,
                                LLVMTypeRef ty);
/* Memory <-> flat on one side (no checks: adapter_flat_xfer does them):
 * the flat values of the value of type t at host address src, and the
 * flat values in[] (already in the receiving side's form) stored at dst. */
void adapter_load_flat(agen *g, const wacc_ctype *t, LLVMValueRef src, LLVMValueRef *out);
void adapter_store_flat(agen *g, const wacc_ctype *t, const LLVMValueRef *in, LLVMValueRef dst);
/* n64 (i64) elements of type elem from src to dst (host addresses). */
void adapter_mem_elems(agen *g, const wacc_ctype *elem, LLVMValueRef src, LLVMValueRef dst,
                       LLVMValueRef n64, int to);
/* False (and a reason in err) if t cannot be fused. */
bool adapter_type_ok(const wacc_ctype *t, char *err, size_t cap);

/* lower_adapter.c: one adapter for a function type, named
 * wacc_adapter_<index> / wacc_adapter_array_<index>. */
bool adapter_build(LLVMModuleRef mod, const wacc_target *t, uint32_t index,
                   const wacc_ctype *const *params, uint32_t nparams, const wacc_ctype *result,
                   LLVMValueRef *code, LLVMValueRef *array_call, char err[512]);

/* lower_adapter.c, shared with lower_adapter_async.c */
void adapter_init_gen(agen *g, LLVMModuleRef mod);
LLVMValueRef adapter_new_fn(agen *g, const wacc_target *t, const char *name, LLVMTypeRef ty);
void adapter_tuple_layout(const wacc_ctype *const *ts, uint32_t n, uint32_t *size, uint32_t *align);
/* The call of the callee (ctx->callee) with args[1..nargs); sets args[0]
 * to its vmctx; ret: the LLVM result type (void for none). */
LLVMValueRef adapter_call_callee(agen *g, LLVMValueRef *args, unsigned nargs, LLVMTypeRef ret);

/* lower_adapter_async.c: the two array-call functions of an async adapter
 * (wacc/abi.h "Fused async adapters"): wacc_aadapter_start_<index> and
 * wacc_aadapter_result_<index>; kind: WACC_AADAPTER_* of the lift. */
bool adapter_build_async(LLVMModuleRef mod, const wacc_target *t, uint32_t index, char kind,
                         const wacc_ctype *const *params, uint32_t nparams, const wacc_ctype *result,
                         LLVMValueRef *start, LLVMValueRef *result_fn, char err[512]);

/* lower_adapter_async.c: a stream/future element copy (wacc/abi.h
 * WACC_ECOPY_PREFIX), wacc_ecopy_<index>; params: the one element type. */
bool adapter_build_ecopy(LLVMModuleRef mod, const wacc_target *t, uint32_t index,
                         const wacc_ctype *const *params, uint32_t nparams, const wacc_ctype *result,
                         LLVMValueRef *fn, char err[512]);

#endif
