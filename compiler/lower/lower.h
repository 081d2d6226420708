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

/* Branch to a trap block raising `trap_code` if `cond` (i1) is true. The
 * trap records the current instruction's wasm offset. */
void lower_trap_if(lower_ctx *c, LLVMValueRef cond, uint32_t trap_code);

/* Call an LLVM intrinsic by name, e.g. "llvm.fshl" with overload types. */
LLVMValueRef lower_intrinsic(lower_ctx *c, const char *name, LLVMTypeRef *overloads,
                             unsigned noverloads, LLVMValueRef *args, unsigned nargs);

/* Lower one numeric (non-SIMD) instruction. Returns false if `insn` is not
 * one of lower_numeric's. (lower_numeric.c) */
bool lower_numeric(lower_ctx *c, const wasm_insn *insn);

/* Lower one loads/stores/memory.* instruction (not SIMD). (lower_memory.c) */
bool lower_memory(lower_ctx *c, const wasm_insn *insn);

/* Lower one 0xFD-prefixed instruction (insn->op in 0xFD00..0xFDFF),
 * including SIMD loads and stores. Returns false if unknown. (lower_simd.c) */
bool lower_simd(lower_ctx *c, const wasm_insn *insn);

#endif
