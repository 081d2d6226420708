/*
 * lower_memory.c — loads, stores, memory.size/grow and the bulk memory
 * instructions (memory.fill/copy/init, data.drop).
 *
 * Addresses come from lower_mem_addr (guard pages for memory 0). Wasm
 * alignment is only a hint, so every access is emitted with alignment 1.
 * Float loads and stores are done as LLVM float/double accesses, which on
 * x86-64 are SSE moves and keep NaN bit patterns intact.
 * Bulk operations call the runtime through vmctx->libcalls (u32 operands;
 * memory64 operands above 4 GiB trap as out of bounds before the call).
 */
#include "lower.h"

static LLVMTypeRef ty_int(lower_ctx *c, unsigned bits)
{
    return LLVMIntTypeInContext(lower_llvm_ctx(c), bits);
}

static LLVMTypeRef ty_i32(lower_ctx *c) { return ty_int(c, 32); }

static LLVMValueRef u32_const(lower_ctx *c, uint32_t v)
{
    return LLVMConstInt(ty_i32(c), v, false);
}

/* A load of `mem_ty` (size `bytes`) extended to `result_ty`:
 * ext = 0 none, 1 zero-extend, 2 sign-extend. */
enum { EXT_NONE, EXT_ZERO, EXT_SIGN };

LLVMValueRef lower_mem_load(lower_ctx *c, const wasm_memarg *m, LLVMValueRef index, LLVMTypeRef t,
                            unsigned size)
{
    LLVMValueRef p = lower_mem_addr(c, m, index, size);
    LLVMValueRef v = LLVMBuildLoad2(lower_builder(c), t, p, "");
    LLVMSetAlignment(v, 1);
    if (lower_mem_guarded(c, m, index, size))
        lower_force_read(c, v);
    return v;
}

static bool load(lower_ctx *c, const wasm_insn *insn, LLVMTypeRef mem_ty, unsigned bytes,
                 LLVMTypeRef result_ty, int ext)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef index = lower_pop(c);
    LLVMValueRef v = lower_mem_load(c, &insn->imm.mem, index, mem_ty, bytes);
    if (ext == EXT_ZERO)
        v = LLVMBuildZExt(b, v, result_ty, "");
    else if (ext == EXT_SIGN)
        v = LLVMBuildSExt(b, v, result_ty, "");
    lower_push(c, v);
    return true;
}

/* A store of the top value, truncated to `bits` when narrower. */
static bool store(lower_ctx *c, const wasm_insn *insn, unsigned bytes, bool truncate)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef v = lower_pop(c);
    LLVMValueRef index = lower_pop(c);
    if (truncate)
        v = LLVMBuildTrunc(b, v, ty_int(c, bytes * 8), "");
    LLVMValueRef addr = lower_mem_addr(c, &insn->imm.mem, index, bytes);
    LLVMValueRef s = LLVMBuildStore(b, v, addr);
    LLVMSetAlignment(s, 1);
    return true;
}

static bool is_mem64(lower_ctx *c, uint32_t memidx)
{
    const wasm_module *m = lower_wasm_module(c);
    return memidx < m->nmemories && m->memories[memidx].is64;
}

/* An i64 operand of a memory64 instruction as the u32 the libcalls take:
 * anything above 4 GiB is out of bounds for every memory we support. */
static LLVMValueRef to_u32(lower_ctx *c, LLVMValueRef v)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMTypeRef t = LLVMTypeOf(v);
    if (t == ty_i32(c))
        return v;
    lower_trap_if(c, LLVMBuildICmp(b, LLVMIntUGT, v, LLVMConstInt(t, 0xFFFFFFFFu, false), ""),
                  WACC_TRAP_MEMORY_OOB);
    return LLVMBuildTrunc(b, v, ty_i32(c), "");
}

static bool memory_size(lower_ctx *c, uint32_t memidx)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef bytes = lower_mem_size(c, memidx);
    LLVMValueRef pages = LLVMBuildLShr(b, bytes, LLVMConstInt(LLVMTypeOf(bytes), 16, false), "");
    lower_push(c, is_mem64(c, memidx) ? pages : LLVMBuildTrunc(b, pages, ty_i32(c), ""));
    return true;
}

static bool memory_grow(lower_ctx *c, uint32_t memidx)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef delta = lower_pop(c);
    LLVMTypeRef t = LLVMTypeOf(delta);
    if (t != ty_i32(c)) {
        /* memory64: a delta of 2^32 pages or more can never succeed. */
        LLVMValueRef max = LLVMConstInt(t, 0xFFFFFFFFu, false);
        LLVMValueRef big = LLVMBuildICmp(b, LLVMIntUGT, delta, max, "");
        delta = LLVMBuildTrunc(b, LLVMBuildSelect(b, big, max, delta, ""), ty_i32(c), "");
    }
    LLVMValueRef args[2] = { u32_const(c, memidx), delta };
    LLVMValueRef r = lower_libcall(c, WACC_LIBCALL_MEMORY_GROW, ty_i32(c), args, 2);
    if (t != ty_i32(c)) {
        /* old pages (< 2^32) or 0xFFFFFFFF, which becomes -1 */
        LLVMValueRef fail = LLVMBuildICmp(b, LLVMIntEQ, r, u32_const(c, 0xFFFFFFFFu), "");
        r = LLVMBuildSelect(b, fail, LLVMConstAllOnes(t), LLVMBuildZExt(b, r, t, ""), "");
    }
    lower_push(c, r);
    return true;
}

/* Pops n, src-or-value, dst and calls the libcall with the given leading
 * immediates followed by (dst, x, n). */
static bool bulk(lower_ctx *c, unsigned slot, const uint32_t *imms, unsigned nimms)
{
    LLVMValueRef args[5];
    LLVMValueRef n = to_u32(c, lower_pop(c));
    LLVMValueRef x = to_u32(c, lower_pop(c));
    LLVMValueRef d = to_u32(c, lower_pop(c));
    unsigned k = 0;
    for (unsigned i = 0; i < nimms; i++)
        args[k++] = u32_const(c, imms[i]);
    args[k++] = d;
    args[k++] = x;
    args[k++] = n;
    lower_libcall(c, slot, LLVMVoidTypeInContext(lower_llvm_ctx(c)), args, k);
    return true;
}

void lower_keep_load(LLVMValueRef v)
{
    if (LLVMIsAZExtInst(v) || LLVMIsASExtInst(v))
        v = LLVMGetOperand(v, 0);
    if (LLVMIsALoadInst(v))
        LLVMSetVolatile(v, true);
}

bool lower_memory(lower_ctx *c, const wasm_insn *insn)
{
    LLVMContextRef ctx = lower_llvm_ctx(c);
    LLVMTypeRef i8 = LLVMInt8TypeInContext(ctx), i16 = LLVMInt16TypeInContext(ctx);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx), i64 = LLVMInt64TypeInContext(ctx);
    LLVMTypeRef f32 = LLVMFloatTypeInContext(ctx), f64 = LLVMDoubleTypeInContext(ctx);

    switch (insn->op) {
    case WASM_OP_I32_LOAD: return load(c, insn, i32, 4, i32, EXT_NONE);
    case WASM_OP_I64_LOAD: return load(c, insn, i64, 8, i64, EXT_NONE);
    case WASM_OP_F32_LOAD: return load(c, insn, f32, 4, f32, EXT_NONE);
    case WASM_OP_F64_LOAD: return load(c, insn, f64, 8, f64, EXT_NONE);
    case WASM_OP_I32_LOAD8_S: return load(c, insn, i8, 1, i32, EXT_SIGN);
    case WASM_OP_I32_LOAD8_U: return load(c, insn, i8, 1, i32, EXT_ZERO);
    case WASM_OP_I32_LOAD16_S: return load(c, insn, i16, 2, i32, EXT_SIGN);
    case WASM_OP_I32_LOAD16_U: return load(c, insn, i16, 2, i32, EXT_ZERO);
    case WASM_OP_I64_LOAD8_S: return load(c, insn, i8, 1, i64, EXT_SIGN);
    case WASM_OP_I64_LOAD8_U: return load(c, insn, i8, 1, i64, EXT_ZERO);
    case WASM_OP_I64_LOAD16_S: return load(c, insn, i16, 2, i64, EXT_SIGN);
    case WASM_OP_I64_LOAD16_U: return load(c, insn, i16, 2, i64, EXT_ZERO);
    case WASM_OP_I64_LOAD32_S: return load(c, insn, i32, 4, i64, EXT_SIGN);
    case WASM_OP_I64_LOAD32_U: return load(c, insn, i32, 4, i64, EXT_ZERO);

    case WASM_OP_I32_STORE:
    case WASM_OP_F32_STORE: return store(c, insn, 4, false);
    case WASM_OP_I64_STORE:
    case WASM_OP_F64_STORE: return store(c, insn, 8, false);
    case WASM_OP_I32_STORE8:
    case WASM_OP_I64_STORE8: return store(c, insn, 1, true);
    case WASM_OP_I32_STORE16:
    case WASM_OP_I64_STORE16: return store(c, insn, 2, true);
    case WASM_OP_I64_STORE32: return store(c, insn, 4, true);

    case WASM_OP_MEMORY_SIZE: return memory_size(c, insn->imm.idx);
    case WASM_OP_MEMORY_GROW: return memory_grow(c, insn->imm.idx);
    case WASM_OP_MEMORY_FILL:
        return bulk(c, WACC_LIBCALL_MEMORY_FILL, &insn->imm.idx, 1);
    case WASM_OP_MEMORY_COPY: {
        uint32_t mems[2] = { insn->imm.pair.a, insn->imm.pair.b };   /* dst, src */
        return bulk(c, WACC_LIBCALL_MEMORY_COPY, mems, 2);
    }
    case WASM_OP_MEMORY_INIT: {
        uint32_t ids[2] = { insn->imm.pair.b, insn->imm.pair.a };    /* mem, data */
        return bulk(c, WACC_LIBCALL_MEMORY_INIT, ids, 2);
    }
    case WASM_OP_DATA_DROP: {
        LLVMValueRef arg = u32_const(c, insn->imm.idx);
        lower_libcall(c, WACC_LIBCALL_DATA_DROP, LLVMVoidTypeInContext(ctx), &arg, 1);
        return true;
    }
    default:
        return false;
    }
}
