/*
 * lower.h — internal interface of the lowering stage (wasm → LLVM IR).
 *
 * lower_func.c owns the per-function context (control stack, value stack,
 * locals) and lowers control flow, calls, variables, references and tables;
 * lower_numeric.c the scalar numeric instructions; lower_memory.c loads,
 * stores and memory/bulk instructions; lower_simd.c every 0xFD instruction;
 * lower_artifact.c the descriptor, trampolines, host stubs, metadata and
 * memory image; lower_module.c drives the whole module.
 *
 * Conventions
 *   - v128 values are always LLVM <4 x i32> on the value stack, in locals,
 *     globals, params and results; lower_simd bitcasts to the lane shape it
 *     needs and back.
 *   - funcref/externref values are `ptr` (NULL = null).
 *   - i32 → i32, i64 → i64, f32 → float, f64 → double.
 */
#ifndef WACC_LOWER_H
#define WACC_LOWER_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>

#include "compiler.h"
#include "wacc/abi.h"
#include "wasm.h"

typedef struct lower_ctx lower_ctx;

/* Accessors for the per-function context (implemented in lower_func.c). */
LLVMBuilderRef lower_builder(lower_ctx *c);
LLVMContextRef lower_llvm_ctx(lower_ctx *c);
LLVMModuleRef lower_llvm_module(lower_ctx *c);

/* Operand stack. */
LLVMValueRef lower_pop(lower_ctx *c);
void lower_push(lower_ctx *c, LLVMValueRef v);

/* LLVM type of a wasm value type (v128 → <4 x i32>). */
LLVMTypeRef lower_valtype(lower_ctx *c, uint8_t wasm_type);

/* Effective address for a memory access of `size` bytes: returns a `ptr`
 * into linear memory `m->memidx` for dynamic index `index` (i32) plus
 * m->offset. Memory 0 uses the hoisted base and guard pages. */
LLVMValueRef lower_mem_addr(lower_ctx *c, const wasm_memarg *m, LLVMValueRef index, unsigned size);

/* True if a 32-bit memory access at index exactly `x` (i32) ran earlier in
 * the current block (it did not trap): then x + k cannot wrap around for
 * 0 <= k < WACC_MEMORY_LOW_GUARD, as 32-bit memories end at least that far
 * below 4 GiB, so such an add may carry nuw. (lower_func.c) */
bool lower_index_accessed(lower_ctx *c, LLVMValueRef x);

/* Branch to a trap block raising `trap_code` if `cond` (i1) is true. The
 * trap records the current instruction's wasm offset. */
void lower_trap_if(lower_ctx *c, LLVMValueRef cond, uint32_t trap_code);

/* Is the module being lowered for aarch64 (its triple)? Else x86-64.
 * (lower_simd.c) */
bool lower_is_aarch64(lower_ctx *c);

/* The inline-asm constraint of a floating-point/vector register on the
 * target: "=x,0" (x86-64 SSE) or "=w,0" (aarch64 FP/SIMD). */
const char *lower_fpreg_constraint(lower_ctx *c);

/* Call an LLVM intrinsic by name, e.g. "llvm.fshl" with overload types. */
LLVMValueRef lower_intrinsic(lower_ctx *c, const char *name, LLVMTypeRef *overloads,
                             unsigned noverloads, LLVMValueRef *args, unsigned nargs);

/* Lower one numeric (non-SIMD) instruction. Returns false if `insn` is not
 * one of lower_numeric's. (lower_numeric.c) */
bool lower_numeric(lower_ctx *c, const wasm_insn *insn);

/* Lower one loads/stores/memory.* instruction (not SIMD). (lower_memory.c) */
bool lower_memory(lower_ctx *c, const wasm_insn *insn);

/* Called by `drop` on the value it discards: if `v` is the result of a
 * load (possibly extended), the load is made volatile so that LLVM keeps
 * the access and its out-of-bounds trap. (lower_memory.c) */
void lower_keep_load(LLVMValueRef v);
/* Keep a guard-page load even when its value is dead (lower_keep.c). */
void lower_force_read(lower_ctx *c, LLVMValueRef v);
/* Keep vmctx used through optimisation (dead-argument elimination and
 * argument promotion leave it parameter 0, which the interruption polls
 * need); the keep is deleted after optimisation, no instruction. */
void lower_keep_vmctx(lower_ctx *c, LLVMValueRef vmctx);
/* May a keep made now take a form the loop vectoriser cannot widen? True
 * outside loops and in loops it would not take anyway (calls, inner
 * loops, control flow besides the back edge). (lower_func.c) */
bool lower_keep_free(lower_ctx *c);
/* After lowering: list the keep functions' vector variants in
 * @llvm.compiler.used, so that optimisation keeps their declarations for
 * the vectorisers (wacc_keep_finish removes them again). */
void lower_keep_used(LLVMModuleRef mod);
/* A copy of memory base `base` that optimisation cannot see through (a
 * call to `wacc.root`; `id` keeps two copies apart), built by `b`;
 * wacc_keep_finish replaces it by `base` again (lower_keep.c). */
LLVMValueRef lower_root_copy(LLVMBuilderRef b, LLVMModuleRef mod, LLVMValueRef base, unsigned id);
bool lower_mem_guarded(lower_ctx *c, const wasm_memarg *m, LLVMValueRef index, unsigned size);
/* A load of `t` (`size` bytes) from linear memory, kept when out of bounds. */
LLVMValueRef lower_mem_load(lower_ctx *c, const wasm_memarg *m, LLVMValueRef index, LLVMTypeRef t,
                            unsigned size);

/* Lower one 0xFD-prefixed instruction (insn->op in 0xFD00..0xFDFF (and the relaxed-simd 0xFD0100..0xFD0113, wasm_op_is_simd)),
 * including SIMD loads and stores. Returns false if unknown. (lower_simd.c) */
bool lower_simd(lower_ctx *c, const wasm_insn *insn);

/* ---- Additions (h2a, additive) -------------------------------------- */

/* The current function's vmctx parameter (ptr to struct wacc_vmctx). */
LLVMValueRef lower_vmctx(lower_ctx *c);

/* Call vmctx->libcalls-><slot>(vmctx, args...). vmctx is prepended
 * automatically; the parameter types are the LLVM types of `args`.
 * `ret` is the return type (LLVMVoidTypeInContext for void).
 * Returns the call instruction (its value for non-void). */
LLVMValueRef lower_libcall(lower_ctx *c, unsigned slot, LLVMTypeRef ret,
                           LLVMValueRef *args, unsigned nargs);

/* Pointer to struct wacc_memory of memory `memidx` (hoisted, invariant). */
LLVMValueRef lower_memory_struct(lower_ctx *c, uint32_t memidx);

/* Current accessible size in bytes (i64) of memory `memidx`; reloaded at
 * each call because memory.grow changes it. */
LLVMValueRef lower_mem_size(lower_ctx *c, uint32_t memidx);

/* The wasm module being lowered. */
const wasm_module *lower_wasm_module(lower_ctx *c);

/* ---- Module level (lower_module.c, lower_func.c, lower_artifact.c) ---- */

typedef struct lower_mod {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    const wasm_module *m;
    const wacc_target *t;
    const wacc_compile_options *o;
    LLVMTypeRef t_void, t_i1, t_i8, t_i32, t_i64, t_f32, t_f64, t_v128, t_ptr;
    LLVMTypeRef t_vmctx, t_funcref, t_table, t_memory, t_limits, t_libcalls;
    LLVMTypeRef *fn_types;      /* [ntypes] native signature of each type index */
    LLVMValueRef *funcs;        /* [nfuncs] defined functions; NULL for imports */
    /* [nfuncs] the function can be reached through a funcref (exported,
     * in an element segment, ref.func, start): only these get a real entry
     * in the descriptor's funcs array, so LLVM may inline and drop the rest. */
    bool *escapes;
    /* [nfuncs] calling the function never grows a memory; its own frame
     * cannot see memory 0 grow (lower_nogrow.c) */
    bool *never_grows, *frame_nogrow;
    /* [nfuncs] what code running only with memory 0 full calls for f: its
     * plain version, or f itself (lower_func.c plain_decl); NULL when
     * lowering in parts (calls go to f) */
    LLVMValueRef *plains;
    unsigned md_invariant, md_prof, md_nonnull;
    LLVMValueRef md_empty;      /* empty metadata node (as value) */
    LLVMValueRef md_unlikely;   /* branch_weights {1, 2000} (as value) */
    /* TBAA access tags (as values): linear memory, runtime structures
     * (vmctx, table/memory/funcref structs, libcalls, type ids, limits),
     * global cells, table element arrays. Disjoint from each other. */
    unsigned md_tbaa;
    LLVMValueRef tbaa_mem, tbaa_vm, tbaa_global, tbaa_table;
    /* lowering in parts (lower_module.c): the artifact module's function
     * declarations; a part declares another part's function on first use */
    LLVMValueRef *decls;
} lower_mod;

/* lower_module.c */
LLVMTypeRef lower_mod_valtype(lower_mod *lm, uint8_t wasm_type);
void lower_mod_fn_attrs(lower_mod *lm, LLVMValueRef fn);
/* Defined function `i` (not an import) in the module being lowered. */
LLVMValueRef lower_mod_func(lower_mod *lm, uint32_t i);

/* lower_func.c: lower the body of defined function `func_index`. */
bool lower_function(lower_mod *lm, uint32_t func_index, wasm_error *err);

/* lower_nogrow.c: never_grows[nfuncs] for the module, and frame_nogrow
 * [nfuncs]: the function's own frame cannot see a memory grow (no
 * memory.grow, call_indirect, or call of a function that may grow).
 * false: out of memory. */
bool lower_never_grows(const wasm_module *m, bool **never_grows, bool **frame_nogrow);

/* lower_interrupt.c: mark wasm function `fn` (index func_index) for
 * wacc_insert_interrupt_checks, which runs after optimisation. */
void lower_interrupt_mark(LLVMValueRef fn, uint32_t func_index);

/* lower_artifact.c: trampolines, host stubs, metadata, image, descriptor. */
bool lower_artifact(lower_mod *lm, uint64_t input_hash, uint64_t options_hash,
                    wasm_error *err);

#endif
