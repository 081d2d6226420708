/*
 * lower_simd.c — every 0xFD (fixed-width SIMD) instruction → LLVM IR.
 *
 * v128 values travel as <4 x i32>; each operation bitcasts its operands to
 * the lane shape it works on and bitcasts the result back. The IR is generic
 * LLVM vector IR with wasm's exact semantics spelled out (saturation,
 * shift-count masking, NaN and signed-zero rules of min/max, ...), except
 * i8x16.swizzle, which uses SSSE3 pshufb (the target baseline is x86-64-v2),
 * and the relaxed SIMD ops, which use the x86 instructions whose behaviour
 * the proposal allows (see "Relaxed SIMD" below).
 */
#include <string.h>

#include "lower.h"

/* Lane shapes. */
typedef enum { I8, I16, I32, I64, F32, F64 } shape;

static const unsigned shape_bits[] = {8, 16, 32, 64, 32, 64};

static unsigned lanes(shape s) { return 128 / shape_bits[s]; }

static LLVMTypeRef int_ty(lower_ctx *c, unsigned bits)
{
    return LLVMIntTypeInContext(lower_llvm_ctx(c), bits);
}

static LLVMTypeRef lane_ty(lower_ctx *c, shape s)
{
    LLVMContextRef ctx = lower_llvm_ctx(c);
    if (s == F32)
        return LLVMFloatTypeInContext(ctx);
    if (s == F64)
        return LLVMDoubleTypeInContext(ctx);
    return int_ty(c, shape_bits[s]);
}

static LLVMTypeRef vec_ty(lower_ctx *c, shape s)
{
    return LLVMVectorType(lane_ty(c, s), lanes(s));
}

/* Integer vector with the lane width of `s` (for comparison masks). */
static LLVMTypeRef ivec_ty(lower_ctx *c, shape s)
{
    return LLVMVectorType(int_ty(c, shape_bits[s]), lanes(s));
}

static LLVMTypeRef v128_ty(lower_ctx *c)
{
    return LLVMVectorType(int_ty(c, 32), 4);
}

static LLVMValueRef cast(lower_ctx *c, LLVMValueRef v, LLVMTypeRef t)
{
    if (LLVMTypeOf(v) == t)
        return v;
    return LLVMBuildBitCast(lower_builder(c), v, t, "");
}

static LLVMValueRef pop_as(lower_ctx *c, shape s)
{
    return cast(c, lower_pop(c), vec_ty(c, s));
}

static LLVMValueRef pop_int_as(lower_ctx *c, shape s)
{
    return cast(c, lower_pop(c), ivec_ty(c, s));
}

static void push_v(lower_ctx *c, LLVMValueRef v)
{
    lower_push(c, cast(c, v, v128_ty(c)));
}

static LLVMValueRef const_int(lower_ctx *c, unsigned bits, uint64_t v)
{
    return LLVMConstInt(int_ty(c, bits), v, false);
}

static LLVMValueRef i32c(lower_ctx *c, uint64_t v) { return const_int(c, 32, v); }

/* Splat an integer constant over an integer vector of n lanes of `bits`. */
static LLVMValueRef splat_const(lower_ctx *c, unsigned bits, unsigned n, uint64_t v)
{
    LLVMValueRef e[16];
    for (unsigned i = 0; i < n; i++)
        e[i] = const_int(c, bits, v);
    return LLVMConstVector(e, n);
}

/* Shuffle mask <start, start+step, ...> of n lanes. */
static LLVMValueRef seq_mask(lower_ctx *c, unsigned start, unsigned step, unsigned n)
{
    LLVMValueRef e[32];
    for (unsigned i = 0; i < n; i++)
        e[i] = i32c(c, start + i * step);
    return LLVMConstVector(e, n);
}

static LLVMValueRef shuffle(lower_ctx *c, LLVMValueRef a, LLVMValueRef b, LLVMValueRef mask)
{
    if (!b)
        b = LLVMGetPoison(LLVMTypeOf(a));
    return LLVMBuildShuffleVector(lower_builder(c), a, b, mask, "");
}

/* Broadcast scalar x over a vector of shape s. */
static LLVMValueRef splat(lower_ctx *c, shape s, LLVMValueRef x)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMTypeRef vt = vec_ty(c, s);
    LLVMValueRef v = LLVMBuildInsertElement(b, LLVMGetPoison(vt), x, i32c(c, 0), "");
    return shuffle(c, v, NULL, seq_mask(c, 0, 0, lanes(s)));
}

static LLVMValueRef call1(lower_ctx *c, const char *name, LLVMValueRef a)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    return lower_intrinsic(c, name, &t, 1, &a, 1);
}

static LLVMValueRef call2(lower_ctx *c, const char *name, LLVMValueRef a, LLVMValueRef b)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    return lower_intrinsic(c, name, &t, 1, args, 2);
}

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */

static LLVMValueRef load_scalar(lower_ctx *c, const wasm_memarg *m, LLVMValueRef index,
                                LLVMTypeRef t, unsigned size)
{
    return lower_mem_load(c, m, index, t, size);
}

static void store_scalar(lower_ctx *c, const wasm_memarg *m, LLVMValueRef index,
                         LLVMValueRef v, unsigned size)
{
    LLVMValueRef p = lower_mem_addr(c, m, index, size);
    LLVMValueRef st = LLVMBuildStore(lower_builder(c), v, p);
    LLVMSetAlignment(st, 1);
}

/* v128.loadNxM_s/u: load M lanes of N bits, extend each to 2N bits. */
static void load_extend(lower_ctx *c, const wasm_memarg *m, unsigned bits, bool sign)
{
    unsigned n = 64 / bits;
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef v = load_scalar(c, m, idx, LLVMVectorType(int_ty(c, bits), n), 8);
    LLVMTypeRef wt = LLVMVectorType(int_ty(c, bits * 2), n);
    LLVMBuilderRef b = lower_builder(c);
    push_v(c, sign ? LLVMBuildSExt(b, v, wt, "") : LLVMBuildZExt(b, v, wt, ""));
}

static void load_splat(lower_ctx *c, const wasm_memarg *m, shape s)
{
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef x = load_scalar(c, m, idx, lane_ty(c, s), shape_bits[s] / 8);
    push_v(c, splat(c, s, x));
}

static void load_zero(lower_ctx *c, const wasm_memarg *m, shape s)
{
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef x = load_scalar(c, m, idx, lane_ty(c, s), shape_bits[s] / 8);
    LLVMValueRef z = LLVMConstNull(vec_ty(c, s));
    push_v(c, LLVMBuildInsertElement(lower_builder(c), z, x, i32c(c, 0), ""));
}

static void load_lane(lower_ctx *c, const wasm_insn *insn, shape s)
{
    LLVMValueRef v = pop_as(c, s);
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef x = load_scalar(c, &insn->imm.mem_lane.mem, idx, lane_ty(c, s),
                                 shape_bits[s] / 8);
    push_v(c, LLVMBuildInsertElement(lower_builder(c), v, x,
                                     i32c(c, insn->imm.mem_lane.lane), ""));
}

static void store_lane(lower_ctx *c, const wasm_insn *insn, shape s)
{
    LLVMValueRef v = pop_as(c, s);
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef x = LLVMBuildExtractElement(lower_builder(c), v,
                                             i32c(c, insn->imm.mem_lane.lane), "");
    store_scalar(c, &insn->imm.mem_lane.mem, idx, x, shape_bits[s] / 8);
}

static bool lower_simd_memory(lower_ctx *c, const wasm_insn *insn)
{
    const wasm_memarg *m = &insn->imm.mem;
    switch (insn->op) {
    case WASM_OP_V128_LOAD: {
        LLVMValueRef idx = lower_pop(c);
        lower_push(c, load_scalar(c, m, idx, v128_ty(c), 16));
        return true;
    }
    case WASM_OP_V128_STORE: {
        LLVMValueRef v = cast(c, lower_pop(c), v128_ty(c));
        LLVMValueRef idx = lower_pop(c);
        store_scalar(c, m, idx, v, 16);
        return true;
    }
    case WASM_OP_V128_LOAD8X8_S: load_extend(c, m, 8, true); return true;
    case WASM_OP_V128_LOAD8X8_U: load_extend(c, m, 8, false); return true;
    case WASM_OP_V128_LOAD16X4_S: load_extend(c, m, 16, true); return true;
    case WASM_OP_V128_LOAD16X4_U: load_extend(c, m, 16, false); return true;
    case WASM_OP_V128_LOAD32X2_S: load_extend(c, m, 32, true); return true;
    case WASM_OP_V128_LOAD32X2_U: load_extend(c, m, 32, false); return true;
    case WASM_OP_V128_LOAD8_SPLAT: load_splat(c, m, I8); return true;
    case WASM_OP_V128_LOAD16_SPLAT: load_splat(c, m, I16); return true;
    case WASM_OP_V128_LOAD32_SPLAT: load_splat(c, m, I32); return true;
    case WASM_OP_V128_LOAD64_SPLAT: load_splat(c, m, I64); return true;
    case WASM_OP_V128_LOAD32_ZERO: load_zero(c, m, I32); return true;
    case WASM_OP_V128_LOAD64_ZERO: load_zero(c, m, I64); return true;
    case WASM_OP_V128_LOAD8_LANE: load_lane(c, insn, I8); return true;
    case WASM_OP_V128_LOAD16_LANE: load_lane(c, insn, I16); return true;
    case WASM_OP_V128_LOAD32_LANE: load_lane(c, insn, I32); return true;
    case WASM_OP_V128_LOAD64_LANE: load_lane(c, insn, I64); return true;
    case WASM_OP_V128_STORE8_LANE: store_lane(c, insn, I8); return true;
    case WASM_OP_V128_STORE16_LANE: store_lane(c, insn, I16); return true;
    case WASM_OP_V128_STORE32_LANE: store_lane(c, insn, I32); return true;
    case WASM_OP_V128_STORE64_LANE: store_lane(c, insn, I64); return true;
    default: return false;
    }
}

/* ---------------------------------------------------------------------- */
/* Constants, shuffles, lanes                                              */

static void v128_const(lower_ctx *c, const uint8_t *bytes)
{
    LLVMValueRef e[4];
    for (unsigned i = 0; i < 4; i++) {
        uint32_t w = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 |
                     (uint32_t)bytes[4 * i + 2] << 16 | (uint32_t)bytes[4 * i + 3] << 24;
        e[i] = i32c(c, w);
    }
    lower_push(c, LLVMConstVector(e, 4));
}

static void i8x16_shuffle(lower_ctx *c, const uint8_t *sel)
{
    LLVMValueRef b = pop_as(c, I8), a = pop_as(c, I8);
    LLVMValueRef e[16];
    for (unsigned i = 0; i < 16; i++)
        e[i] = i32c(c, sel[i] & 31);
    push_v(c, shuffle(c, a, b, LLVMConstVector(e, 16)));
}

/* Lanes of `s` with index >= 16 give 0. pshufb zeroes a lane only when the
 * index byte has its top bit set, so add 0x70 with unsigned saturation:
 * 0..15 → 0x70..0x7F (low nibble kept), 16..255 → >= 0x80. */
static void i8x16_swizzle(lower_ctx *c)
{
    LLVMValueRef s = pop_as(c, I8), a = pop_as(c, I8);
    LLVMValueRef idx = call2(c, "llvm.uadd.sat", s, splat_const(c, 8, 16, 0x70));
    LLVMValueRef args[2] = {a, idx};
    push_v(c, lower_intrinsic(c, "llvm.x86.ssse3.pshuf.b.128", NULL, 0, args, 2));
}

static void simd_splat(lower_ctx *c, shape s)
{
    LLVMValueRef x = lower_pop(c);
    if (s == I8 || s == I16)
        x = LLVMBuildTrunc(lower_builder(c), x, lane_ty(c, s), "");
    push_v(c, splat(c, s, x));
}

static void extract_lane(lower_ctx *c, shape s, unsigned lane, int ext)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef v = pop_as(c, s);
    LLVMValueRef x = LLVMBuildExtractElement(b, v, i32c(c, lane), "");
    if (ext > 0)
        x = LLVMBuildSExt(b, x, int_ty(c, 32), "");
    else if (ext < 0)
        x = LLVMBuildZExt(b, x, int_ty(c, 32), "");
    lower_push(c, x);
}

static void replace_lane(lower_ctx *c, shape s, unsigned lane)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef x = lower_pop(c);
    LLVMValueRef v = pop_as(c, s);
    if (s == I8 || s == I16)
        x = LLVMBuildTrunc(b, x, lane_ty(c, s), "");
    push_v(c, LLVMBuildInsertElement(b, v, x, i32c(c, lane), ""));
}

static bool lower_simd_lanes(lower_ctx *c, const wasm_insn *insn)
{
    unsigned l = insn->imm.lane;
    switch (insn->op) {
    case WASM_OP_V128_CONST: v128_const(c, insn->imm.v128); return true;
    case WASM_OP_I8X16_SHUFFLE: i8x16_shuffle(c, insn->imm.lanes); return true;
    case WASM_OP_I8X16_SWIZZLE: i8x16_swizzle(c); return true;
    case WASM_OP_I8X16_SPLAT: simd_splat(c, I8); return true;
    case WASM_OP_I16X8_SPLAT: simd_splat(c, I16); return true;
    case WASM_OP_I32X4_SPLAT: simd_splat(c, I32); return true;
    case WASM_OP_I64X2_SPLAT: simd_splat(c, I64); return true;
    case WASM_OP_F32X4_SPLAT: simd_splat(c, F32); return true;
    case WASM_OP_F64X2_SPLAT: simd_splat(c, F64); return true;
    case WASM_OP_I8X16_EXTRACT_LANE_S: extract_lane(c, I8, l, 1); return true;
    case WASM_OP_I8X16_EXTRACT_LANE_U: extract_lane(c, I8, l, -1); return true;
    case WASM_OP_I16X8_EXTRACT_LANE_S: extract_lane(c, I16, l, 1); return true;
    case WASM_OP_I16X8_EXTRACT_LANE_U: extract_lane(c, I16, l, -1); return true;
    case WASM_OP_I32X4_EXTRACT_LANE: extract_lane(c, I32, l, 0); return true;
    case WASM_OP_I64X2_EXTRACT_LANE: extract_lane(c, I64, l, 0); return true;
    case WASM_OP_F32X4_EXTRACT_LANE: extract_lane(c, F32, l, 0); return true;
    case WASM_OP_F64X2_EXTRACT_LANE: extract_lane(c, F64, l, 0); return true;
    case WASM_OP_I8X16_REPLACE_LANE: replace_lane(c, I8, l); return true;
    case WASM_OP_I16X8_REPLACE_LANE: replace_lane(c, I16, l); return true;
    case WASM_OP_I32X4_REPLACE_LANE: replace_lane(c, I32, l); return true;
    case WASM_OP_I64X2_REPLACE_LANE: replace_lane(c, I64, l); return true;
    case WASM_OP_F32X4_REPLACE_LANE: replace_lane(c, F32, l); return true;
    case WASM_OP_F64X2_REPLACE_LANE: replace_lane(c, F64, l); return true;
    default: return false;
    }
}

/* ---------------------------------------------------------------------- */
/* Comparisons, bitwise, boolean reductions                                */

static void icmp(lower_ctx *c, shape s, LLVMIntPredicate p)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    push_v(c, LLVMBuildSExt(b, LLVMBuildICmp(b, p, x, y, ""), ivec_ty(c, s), ""));
}

static void fcmp(lower_ctx *c, shape s, LLVMRealPredicate p)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    push_v(c, LLVMBuildSExt(b, LLVMBuildFCmp(b, p, x, y, ""), ivec_ty(c, s), ""));
}

/* Compare every lane of integer vector v against zero, giving an iN mask. */
static LLVMValueRef lane_mask(lower_ctx *c, shape s, LLVMValueRef v, LLVMIntPredicate p)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef m = LLVMBuildICmp(b, p, v, LLVMConstNull(LLVMTypeOf(v)), "");
    return LLVMBuildBitCast(b, m, int_ty(c, lanes(s)), "");
}

static void all_true(lower_ctx *c, shape s)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef m = lane_mask(c, s, pop_as(c, s), LLVMIntNE);
    LLVMValueRef r = LLVMBuildICmp(b, LLVMIntEQ, m, LLVMConstAllOnes(LLVMTypeOf(m)), "");
    lower_push(c, LLVMBuildZExt(b, r, int_ty(c, 32), ""));
}

static void bitmask(lower_ctx *c, shape s)
{
    LLVMValueRef m = lane_mask(c, s, pop_as(c, s), LLVMIntSLT);
    lower_push(c, LLVMBuildZExt(lower_builder(c), m, int_ty(c, 32), ""));
}

static void any_true(lower_ctx *c)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef v = cast(c, lower_pop(c), int_ty(c, 128));
    LLVMValueRef r = LLVMBuildICmp(b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
    lower_push(c, LLVMBuildZExt(b, r, int_ty(c, 32), ""));
}

static void bitwise(lower_ctx *c, LLVMOpcode op, bool invert_b)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef y = pop_as(c, I32), x = pop_as(c, I32);
    if (invert_b)
        y = LLVMBuildNot(b, y, "");
    lower_push(c, LLVMBuildBinOp(b, op, x, y, ""));
}

static void bitselect(lower_ctx *c)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef m = pop_as(c, I32), y = pop_as(c, I32), x = pop_as(c, I32);
    LLVMValueRef t = LLVMBuildAnd(b, LLVMBuildXor(b, x, y, ""), m, "");
    lower_push(c, LLVMBuildXor(b, t, y, ""));
}

static bool lower_simd_logic(lower_ctx *c, const wasm_insn *insn)
{
    switch (insn->op) {
#define ICMPS(SH, S)                                                                     \
    case WASM_OP_##SH##_EQ: icmp(c, S, LLVMIntEQ); return true;                          \
    case WASM_OP_##SH##_NE: icmp(c, S, LLVMIntNE); return true;                          \
    case WASM_OP_##SH##_LT_S: icmp(c, S, LLVMIntSLT); return true;                       \
    case WASM_OP_##SH##_LT_U: icmp(c, S, LLVMIntULT); return true;                       \
    case WASM_OP_##SH##_GT_S: icmp(c, S, LLVMIntSGT); return true;                       \
    case WASM_OP_##SH##_GT_U: icmp(c, S, LLVMIntUGT); return true;                       \
    case WASM_OP_##SH##_LE_S: icmp(c, S, LLVMIntSLE); return true;                       \
    case WASM_OP_##SH##_LE_U: icmp(c, S, LLVMIntULE); return true;                       \
    case WASM_OP_##SH##_GE_S: icmp(c, S, LLVMIntSGE); return true;                       \
    case WASM_OP_##SH##_GE_U: icmp(c, S, LLVMIntUGE); return true;
    ICMPS(I8X16, I8)
    ICMPS(I16X8, I16)
    ICMPS(I32X4, I32)
#undef ICMPS
    case WASM_OP_I64X2_EQ: icmp(c, I64, LLVMIntEQ); return true;
    case WASM_OP_I64X2_NE: icmp(c, I64, LLVMIntNE); return true;
    case WASM_OP_I64X2_LT_S: icmp(c, I64, LLVMIntSLT); return true;
    case WASM_OP_I64X2_GT_S: icmp(c, I64, LLVMIntSGT); return true;
    case WASM_OP_I64X2_LE_S: icmp(c, I64, LLVMIntSLE); return true;
    case WASM_OP_I64X2_GE_S: icmp(c, I64, LLVMIntSGE); return true;
#define FCMPS(SH, S)                                                                     \
    case WASM_OP_##SH##_EQ: fcmp(c, S, LLVMRealOEQ); return true;                        \
    case WASM_OP_##SH##_NE: fcmp(c, S, LLVMRealUNE); return true;                        \
    case WASM_OP_##SH##_LT: fcmp(c, S, LLVMRealOLT); return true;                        \
    case WASM_OP_##SH##_GT: fcmp(c, S, LLVMRealOGT); return true;                        \
    case WASM_OP_##SH##_LE: fcmp(c, S, LLVMRealOLE); return true;                        \
    case WASM_OP_##SH##_GE: fcmp(c, S, LLVMRealOGE); return true;
    FCMPS(F32X4, F32)
    FCMPS(F64X2, F64)
#undef FCMPS
    case WASM_OP_V128_NOT:
        lower_push(c, LLVMBuildNot(lower_builder(c), pop_as(c, I32), ""));
        return true;
    case WASM_OP_V128_AND: bitwise(c, LLVMAnd, false); return true;
    case WASM_OP_V128_ANDNOT: bitwise(c, LLVMAnd, true); return true;
    case WASM_OP_V128_OR: bitwise(c, LLVMOr, false); return true;
    case WASM_OP_V128_XOR: bitwise(c, LLVMXor, false); return true;
    case WASM_OP_V128_BITSELECT: bitselect(c); return true;
    case WASM_OP_V128_ANY_TRUE: any_true(c); return true;
    case WASM_OP_I8X16_ALL_TRUE: all_true(c, I8); return true;
    case WASM_OP_I16X8_ALL_TRUE: all_true(c, I16); return true;
    case WASM_OP_I32X4_ALL_TRUE: all_true(c, I32); return true;
    case WASM_OP_I64X2_ALL_TRUE: all_true(c, I64); return true;
    case WASM_OP_I8X16_BITMASK: bitmask(c, I8); return true;
    case WASM_OP_I16X8_BITMASK: bitmask(c, I16); return true;
    case WASM_OP_I32X4_BITMASK: bitmask(c, I32); return true;
    case WASM_OP_I64X2_BITMASK: bitmask(c, I64); return true;
    default: return false;
    }
}

/* ---------------------------------------------------------------------- */
/* Integer arithmetic                                                      */

static void ibinop(lower_ctx *c, shape s, LLVMOpcode op)
{
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    push_v(c, LLVMBuildBinOp(lower_builder(c), op, x, y, ""));
}

static void ibin_intrinsic(lower_ctx *c, shape s, const char *name)
{
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    push_v(c, call2(c, name, x, y));
}

static void iabs(lower_ctx *c, shape s)
{
    LLVMValueRef x = pop_as(c, s);
    LLVMTypeRef t = LLVMTypeOf(x);
    LLVMValueRef args[2] = {x, LLVMConstInt(int_ty(c, 1), 0, false)};
    push_v(c, lower_intrinsic(c, "llvm.abs", &t, 1, args, 2));
}

static void ineg(lower_ctx *c, shape s)
{
    LLVMValueRef x = pop_as(c, s);
    push_v(c, LLVMBuildSub(lower_builder(c), LLVMConstNull(LLVMTypeOf(x)), x, ""));
}

/* Shift by a scalar i32 count taken modulo the lane width. */
static void ishift(lower_ctx *c, shape s, LLVMOpcode op)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef n = lower_pop(c);
    LLVMValueRef x = pop_as(c, s);
    unsigned bits = shape_bits[s];
    n = LLVMBuildAnd(b, n, i32c(c, bits - 1), "");
    if (bits < 32)
        n = LLVMBuildTrunc(b, n, lane_ty(c, s), "");
    else if (bits > 32)
        n = LLVMBuildZExt(b, n, lane_ty(c, s), "");
    push_v(c, LLVMBuildBinOp(b, op, x, splat(c, s, n), ""));
}

/* Rounding average: (x + y + 1) >> 1 computed in twice the width. */
static void avgr_u(lower_ctx *c, shape s)
{
    LLVMBuilderRef b = lower_builder(c);
    unsigned n = lanes(s), bits = shape_bits[s];
    LLVMTypeRef wt = LLVMVectorType(int_ty(c, bits * 2), n);
    LLVMValueRef y = LLVMBuildZExt(b, pop_as(c, s), wt, "");
    LLVMValueRef x = LLVMBuildZExt(b, pop_as(c, s), wt, "");
    LLVMValueRef r = LLVMBuildAdd(b, LLVMBuildAdd(b, x, y, ""), splat_const(c, bits * 2, n, 1), "");
    r = LLVMBuildLShr(b, r, splat_const(c, bits * 2, n, 1), "");
    push_v(c, LLVMBuildTrunc(b, r, vec_ty(c, s), ""));
}

/* Half (low or high) of vector v of shape `from`, extended to twice the width. */
static LLVMValueRef extend_half(lower_ctx *c, LLVMValueRef v, shape from, bool high, bool sign)
{
    LLVMBuilderRef b = lower_builder(c);
    unsigned n = lanes(from) / 2;
    LLVMValueRef h = shuffle(c, v, NULL, seq_mask(c, high ? n : 0, 1, n));
    LLVMTypeRef wt = LLVMVectorType(int_ty(c, shape_bits[from] * 2), n);
    return sign ? LLVMBuildSExt(b, h, wt, "") : LLVMBuildZExt(b, h, wt, "");
}

static void extend(lower_ctx *c, shape from, bool high, bool sign)
{
    push_v(c, extend_half(c, pop_as(c, from), from, high, sign));
}

static void extmul(lower_ctx *c, shape from, bool high, bool sign)
{
    LLVMValueRef y = extend_half(c, pop_as(c, from), from, high, sign);
    LLVMValueRef x = extend_half(c, pop_as(c, from), from, high, sign);
    push_v(c, LLVMBuildMul(lower_builder(c), x, y, ""));
}

/* Sum of adjacent lane pairs of a vector of n lanes (already widened). */
static LLVMValueRef pair_sum(lower_ctx *c, LLVMValueRef w, unsigned n)
{
    LLVMValueRef even = shuffle(c, w, NULL, seq_mask(c, 0, 2, n / 2));
    LLVMValueRef odd = shuffle(c, w, NULL, seq_mask(c, 1, 2, n / 2));
    return LLVMBuildAdd(lower_builder(c), even, odd, "");
}

static void extadd_pairwise(lower_ctx *c, shape from, bool sign)
{
    LLVMBuilderRef b = lower_builder(c);
    unsigned n = lanes(from);
    LLVMTypeRef wt = LLVMVectorType(int_ty(c, shape_bits[from] * 2), n);
    LLVMValueRef x = pop_as(c, from);
    x = sign ? LLVMBuildSExt(b, x, wt, "") : LLVMBuildZExt(b, x, wt, "");
    push_v(c, pair_sum(c, x, n));
}

static void dot_i16x8_s(lower_ctx *c)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMTypeRef wt = LLVMVectorType(int_ty(c, 32), 8);
    LLVMValueRef y = LLVMBuildSExt(b, pop_as(c, I16), wt, "");
    LLVMValueRef x = LLVMBuildSExt(b, pop_as(c, I16), wt, "");
    push_v(c, pair_sum(c, LLVMBuildMul(b, x, y, ""), 8));
}

/* Clamp a vector of n lanes of `bits` to [lo, hi] (signed). */
static LLVMValueRef clamp_s(lower_ctx *c, LLVMValueRef v, unsigned bits, unsigned n,
                            int64_t lo, int64_t hi)
{
    v = call2(c, "llvm.smax", v, splat_const(c, bits, n, (uint64_t)lo));
    return call2(c, "llvm.smin", v, splat_const(c, bits, n, (uint64_t)hi));
}

/* narrow: two vectors of signed lanes of `from` → one of half-width lanes,
 * saturating to the signed or unsigned range of the narrow type. */
static void narrow(lower_ctx *c, shape from, bool sign)
{
    unsigned n = lanes(from) * 2, bits = shape_bits[from], nb = bits / 2;
    LLVMValueRef y = pop_as(c, from), x = pop_as(c, from);
    LLVMValueRef v = shuffle(c, x, y, seq_mask(c, 0, 1, n));
    int64_t lo = sign ? -((int64_t)1 << (nb - 1)) : 0;
    int64_t hi = sign ? ((int64_t)1 << (nb - 1)) - 1 : ((int64_t)1 << nb) - 1;
    v = clamp_s(c, v, bits, n, lo, hi);
    push_v(c, LLVMBuildTrunc(lower_builder(c), v, LLVMVectorType(int_ty(c, nb), n), ""));
}

/* (x * y + 0x4000) >> 15 with saturation. SSSE3 pmulhrsw computes exactly
 * this except that -0x8000 * -0x8000 wraps to -0x8000, a value that is
 * otherwise impossible; flip those lanes to 0x7fff. */
static void q15mulr_sat_s(lower_ctx *c)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef args[2];
    args[1] = pop_as(c, I16);
    args[0] = pop_as(c, I16);
    LLVMValueRef r = lower_intrinsic(c, "llvm.x86.ssse3.pmul.hr.sw.128", NULL, 0, args, 2);
    LLVMValueRef ovf = LLVMBuildICmp(b, LLVMIntEQ, r, splat_const(c, 16, 8, 0x8000), "");
    ovf = LLVMBuildSExt(b, ovf, vec_ty(c, I16), "");
    push_v(c, LLVMBuildXor(b, r, ovf, ""));
}

static void popcnt(lower_ctx *c)
{
    push_v(c, call1(c, "llvm.ctpop", pop_as(c, I8)));
}

static bool lower_simd_int(lower_ctx *c, const wasm_insn *insn)
{
    switch (insn->op) {
#define COMMON(SH, S)                                                                    \
    case WASM_OP_##SH##_ADD: ibinop(c, S, LLVMAdd); return true;                         \
    case WASM_OP_##SH##_SUB: ibinop(c, S, LLVMSub); return true;                         \
    case WASM_OP_##SH##_ABS: iabs(c, S); return true;                                    \
    case WASM_OP_##SH##_NEG: ineg(c, S); return true;                                    \
    case WASM_OP_##SH##_SHL: ishift(c, S, LLVMShl); return true;                         \
    case WASM_OP_##SH##_SHR_S: ishift(c, S, LLVMAShr); return true;                      \
    case WASM_OP_##SH##_SHR_U: ishift(c, S, LLVMLShr); return true;
    COMMON(I8X16, I8)
    COMMON(I16X8, I16)
    COMMON(I32X4, I32)
    COMMON(I64X2, I64)
#undef COMMON
#define SAT(SH, S)                                                                       \
    case WASM_OP_##SH##_ADD_SAT_S: ibin_intrinsic(c, S, "llvm.sadd.sat"); return true;   \
    case WASM_OP_##SH##_ADD_SAT_U: ibin_intrinsic(c, S, "llvm.uadd.sat"); return true;   \
    case WASM_OP_##SH##_SUB_SAT_S: ibin_intrinsic(c, S, "llvm.ssub.sat"); return true;   \
    case WASM_OP_##SH##_SUB_SAT_U: ibin_intrinsic(c, S, "llvm.usub.sat"); return true;   \
    case WASM_OP_##SH##_AVGR_U: avgr_u(c, S); return true;
    SAT(I8X16, I8)
    SAT(I16X8, I16)
#undef SAT
#define MINMAX(SH, S)                                                                    \
    case WASM_OP_##SH##_MIN_S: ibin_intrinsic(c, S, "llvm.smin"); return true;           \
    case WASM_OP_##SH##_MIN_U: ibin_intrinsic(c, S, "llvm.umin"); return true;           \
    case WASM_OP_##SH##_MAX_S: ibin_intrinsic(c, S, "llvm.smax"); return true;           \
    case WASM_OP_##SH##_MAX_U: ibin_intrinsic(c, S, "llvm.umax"); return true;
    MINMAX(I8X16, I8)
    MINMAX(I16X8, I16)
    MINMAX(I32X4, I32)
#undef MINMAX
    case WASM_OP_I16X8_MUL: ibinop(c, I16, LLVMMul); return true;
    case WASM_OP_I32X4_MUL: ibinop(c, I32, LLVMMul); return true;
    case WASM_OP_I64X2_MUL: ibinop(c, I64, LLVMMul); return true;
    case WASM_OP_I8X16_POPCNT: popcnt(c); return true;
    case WASM_OP_I8X16_NARROW_I16X8_S: narrow(c, I16, true); return true;
    case WASM_OP_I8X16_NARROW_I16X8_U: narrow(c, I16, false); return true;
    case WASM_OP_I16X8_NARROW_I32X4_S: narrow(c, I32, true); return true;
    case WASM_OP_I16X8_NARROW_I32X4_U: narrow(c, I32, false); return true;
    case WASM_OP_I16X8_Q15MULR_SAT_S: q15mulr_sat_s(c); return true;
    case WASM_OP_I32X4_DOT_I16X8_S: dot_i16x8_s(c); return true;
    case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_S: extadd_pairwise(c, I8, true); return true;
    case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_U: extadd_pairwise(c, I8, false); return true;
    case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_S: extadd_pairwise(c, I16, true); return true;
    case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_U: extadd_pairwise(c, I16, false); return true;
#define EXT(SH, FROM, F)                                                                 \
    case WASM_OP_##SH##_EXTEND_LOW_##FROM##_S: extend(c, F, false, true); return true;   \
    case WASM_OP_##SH##_EXTEND_HIGH_##FROM##_S: extend(c, F, true, true); return true;   \
    case WASM_OP_##SH##_EXTEND_LOW_##FROM##_U: extend(c, F, false, false); return true;  \
    case WASM_OP_##SH##_EXTEND_HIGH_##FROM##_U: extend(c, F, true, false); return true;  \
    case WASM_OP_##SH##_EXTMUL_LOW_##FROM##_S: extmul(c, F, false, true); return true;   \
    case WASM_OP_##SH##_EXTMUL_HIGH_##FROM##_S: extmul(c, F, true, true); return true;   \
    case WASM_OP_##SH##_EXTMUL_LOW_##FROM##_U: extmul(c, F, false, false); return true;  \
    case WASM_OP_##SH##_EXTMUL_HIGH_##FROM##_U: extmul(c, F, true, false); return true;
    EXT(I16X8, I8X16, I8)
    EXT(I32X4, I16X8, I16)
    EXT(I64X2, I32X4, I32)
#undef EXT
    default: return false;
    }
}

/* ---------------------------------------------------------------------- */
/* Floating point                                                          */

/* abs/neg are pure sign-bit operations (NaN payloads are preserved). */
static void fsign(lower_ctx *c, shape s, bool neg)
{
    LLVMBuilderRef b = lower_builder(c);
    unsigned bits = shape_bits[s], n = lanes(s);
    LLVMValueRef x = pop_int_as(c, s);
    uint64_t sign = (uint64_t)1 << (bits - 1);
    if (neg)
        x = LLVMBuildXor(b, x, splat_const(c, bits, n, sign), "");
    else
        x = LLVMBuildAnd(b, x, splat_const(c, bits, n, sign - 1), "");
    push_v(c, x);
}

/* Does constant vector k have a lane equal to ±0 or ±1? LLVM folds
 * x*1, x/1, x+(-0), x-0 to x, which would let a signalling NaN through
 * unquieted; wasm requires the result to be a quiet (arithmetic) NaN. */
static bool has_identity_lane(LLVMValueRef k)
{
    unsigned n = LLVMGetVectorSize(LLVMTypeOf(k));
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef e = LLVMGetAggregateElement(k, i);
        if (!e || !LLVMIsAConstantFP(e))
            return true;
        LLVMBool loses = 0;
        double d = LLVMConstRealGetDouble(e, &loses);
        if (d == 0.0 || d == 1.0 || d == -1.0)
            return true;
    }
    return false;
}

/* Hide a constant from the optimiser behind an empty inline asm. */
static LLVMValueRef opaque(lower_ctx *c, LLVMValueRef v)
{
    LLVMTypeRef t = LLVMTypeOf(v);
    LLVMTypeRef fty = LLVMFunctionType(t, &t, 1, false);
    static const char cons[] = "=x,0";
    LLVMValueRef asm_fn = LLVMGetInlineAsm(fty, "", 0, cons, sizeof cons - 1, false, false,
                                           LLVMInlineAsmDialectATT, false);
    return LLVMBuildCall2(lower_builder(c), fty, asm_fn, &v, 1, "");
}

static void fbinop(lower_ctx *c, shape s, LLVMOpcode op)
{
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    if (LLVMIsConstant(x) && has_identity_lane(x))
        x = opaque(c, x);
    if (LLVMIsConstant(y) && has_identity_lane(y))
        y = opaque(c, y);
    push_v(c, LLVMBuildBinOp(lower_builder(c), op, x, y, ""));
}

static void funary(lower_ctx *c, shape s, const char *name)
{
    push_v(c, call1(c, name, pop_as(c, s)));
}

/* wasm min/max: NaN if either operand is NaN, and -0 < +0. Both operand
 * orders of the x86-style "x < y ? x : y" (minps; maxps likewise) are
 * combined so that zeros of either sign and NaNs propagate, then every NaN
 * lane is replaced by the canonical NaN (sign bit arbitrary):
 *   min: t = m(x,y) | m(y,x)
 *   max: d = M(x,y) ^ M(y,x); t = (M(y,x) | d) - d
 *   r = t & ~(lshr(isnan(t) ? ~0 : 0, 10 / 13))   (after t |= nan mask) */
static void fminmax(lower_ctx *c, shape s, bool is_max)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMTypeRef it = ivec_ty(c, s), ft = vec_ty(c, s);
    unsigned bits = shape_bits[s], n = lanes(s);
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    LLVMRealPredicate p = is_max ? LLVMRealOGT : LLVMRealOLT;
    LLVMValueRef t1 = LLVMBuildSelect(b, LLVMBuildFCmp(b, p, x, y, ""), x, y, "");
    LLVMValueRef t2 = LLVMBuildSelect(b, LLVMBuildFCmp(b, p, y, x, ""), y, x, "");
    LLVMValueRef t;
    if (is_max) {
        LLVMValueRef d = LLVMBuildXor(b, cast(c, t1, it), cast(c, t2, it), "");
        LLVMValueRef o = LLVMBuildOr(b, cast(c, t2, it), d, "");
        t = LLVMBuildFSub(b, cast(c, o, ft), cast(c, d, ft), "");
    } else {
        t = cast(c, LLVMBuildOr(b, cast(c, t1, it), cast(c, t2, it), ""), ft);
    }
    LLVMValueRef nan = LLVMBuildSExt(b, LLVMBuildFCmp(b, LLVMRealUNO, t, t, ""), it, "");
    LLVMValueRef ti = LLVMBuildOr(b, cast(c, t, it), nan, "");
    LLVMValueRef keep = LLVMBuildLShr(b, nan, splat_const(c, bits, n, bits == 32 ? 10 : 13), "");
    push_v(c, LLVMBuildAnd(b, ti, LLVMBuildNot(b, keep, ""), ""));
}

/* pmin: y < x ? y : x;  pmax: x < y ? y : x. */
static void fpminmax(lower_ctx *c, shape s, bool is_max)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    LLVMValueRef lt = is_max ? LLVMBuildFCmp(b, LLVMRealOLT, x, y, "")
                             : LLVMBuildFCmp(b, LLVMRealOLT, y, x, "");
    push_v(c, LLVMBuildSelect(b, lt, y, x, ""));
}

/* Splat a floating-point constant over a vector of n lanes of type t. */
static LLVMValueRef fsplat_const(LLVMTypeRef t, unsigned n, double v)
{
    LLVMValueRef e[4];
    for (unsigned i = 0; i < n; i++)
        e[i] = LLVMConstReal(t, v);
    return LLVMConstVector(e, n);
}

/* Saturating float → i32 lanes (NaN → 0). Clamps in the float domain so
 * the conversion is always in range (vector fptosi/fptoui, no scalarised
 * fptosi.sat); lanes at or above 2^31 (2^32) saturate via a select because
 * the largest representable float below the bound is not the bound - 1. */
static LLVMValueRef trunc_sat(lower_ctx *c, LLVMValueRef x, bool sign)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMTypeRef vt = LLVMTypeOf(x), et = LLVMGetElementType(vt);
    unsigned n = LLVMGetVectorSize(vt);
    bool is_f32 = LLVMGetTypeKind(et) == LLVMFloatTypeKind;
    double lo = sign ? -2147483648.0 : 0.0;
    double top = sign ? 2147483648.0 : 4294967296.0;
    /* largest value below `top` representable in the lane type */
    double hi = is_f32 ? (sign ? 2147483520.0 : 4294967040.0) : top - 1.0;
    LLVMTypeRef it = LLVMVectorType(int_ty(c, 32), n);
    LLVMValueRef vlo = fsplat_const(et, n, lo), vhi = fsplat_const(et, n, hi);
    /* x > lo ? x : lo   — NaN and everything below lo become lo */
    LLVMValueRef z = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x, vlo, ""), x, vlo, "");
    z = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, z, vhi, ""), z, vhi, "");
    LLVMValueRef r = sign ? LLVMBuildFPToSI(b, z, it, "") : LLVMBuildFPToUI(b, z, it, "");
    if (sign) {
        /* NaN lanes went to lo above; they must give 0 */
        LLVMValueRef nan = LLVMBuildFCmp(b, LLVMRealUNO, x, x, "");
        r = LLVMBuildSelect(b, nan, LLVMConstNull(it), r, "");
    }
    if (!is_f32)
        return r;
    LLVMValueRef big = LLVMBuildFCmp(b, LLVMRealOGE, x, fsplat_const(et, n, top), "");
    LLVMValueRef max = sign ? splat_const(c, 32, n, 0x7fffffff) : LLVMConstAllOnes(it);
    return LLVMBuildSelect(b, big, max, r, "");
}

static void fp_convert(lower_ctx *c, const wasm_insn *insn)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMTypeRef v4f = vec_ty(c, F32), v2d = vec_ty(c, F64);
    LLVMTypeRef v2i = LLVMVectorType(int_ty(c, 32), 2);
    LLVMValueRef x, r;
    switch (insn->op) {
    case WASM_OP_F32X4_CONVERT_I32X4_S:
        push_v(c, LLVMBuildSIToFP(b, pop_as(c, I32), v4f, ""));
        return;
    case WASM_OP_F32X4_CONVERT_I32X4_U:
        push_v(c, LLVMBuildUIToFP(b, pop_as(c, I32), v4f, ""));
        return;
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_S:
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_U:
        x = shuffle(c, pop_as(c, I32), NULL, seq_mask(c, 0, 1, 2));
        r = insn->op == WASM_OP_F64X2_CONVERT_LOW_I32X4_S ? LLVMBuildSIToFP(b, x, v2d, "")
                                                         : LLVMBuildUIToFP(b, x, v2d, "");
        push_v(c, r);
        return;
    case WASM_OP_F64X2_PROMOTE_LOW_F32X4:
        x = shuffle(c, pop_as(c, F32), NULL, seq_mask(c, 0, 1, 2));
        push_v(c, LLVMBuildFPExt(b, x, v2d, ""));
        return;
    case WASM_OP_F32X4_DEMOTE_F64X2_ZERO:
        x = LLVMBuildFPTrunc(b, pop_as(c, F64), LLVMVectorType(lane_ty(c, F32), 2), "");
        push_v(c, shuffle(c, x, LLVMConstNull(LLVMTypeOf(x)), seq_mask(c, 0, 1, 4)));
        return;
    case WASM_OP_I32X4_TRUNC_SAT_F32X4_S:
        push_v(c, trunc_sat(c, pop_as(c, F32), true));
        return;
    case WASM_OP_I32X4_TRUNC_SAT_F32X4_U:
        push_v(c, trunc_sat(c, pop_as(c, F32), false));
        return;
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO:
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO:
        r = trunc_sat(c, pop_as(c, F64), insn->op == WASM_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO);
        push_v(c, shuffle(c, r, LLVMConstNull(v2i), seq_mask(c, 0, 1, 4)));
        return;
    default:
        return;
    }
}

static bool lower_simd_float(lower_ctx *c, const wasm_insn *insn)
{
    switch (insn->op) {
#define FOPS(SH, S)                                                                      \
    case WASM_OP_##SH##_ABS: fsign(c, S, false); return true;                            \
    case WASM_OP_##SH##_NEG: fsign(c, S, true); return true;                             \
    case WASM_OP_##SH##_SQRT: funary(c, S, "llvm.sqrt"); return true;                    \
    case WASM_OP_##SH##_CEIL: funary(c, S, "llvm.ceil"); return true;                    \
    case WASM_OP_##SH##_FLOOR: funary(c, S, "llvm.floor"); return true;                  \
    case WASM_OP_##SH##_TRUNC: funary(c, S, "llvm.trunc"); return true;                  \
    case WASM_OP_##SH##_NEAREST: funary(c, S, "llvm.roundeven"); return true;            \
    case WASM_OP_##SH##_ADD: fbinop(c, S, LLVMFAdd); return true;                        \
    case WASM_OP_##SH##_SUB: fbinop(c, S, LLVMFSub); return true;                        \
    case WASM_OP_##SH##_MUL: fbinop(c, S, LLVMFMul); return true;                        \
    case WASM_OP_##SH##_DIV: fbinop(c, S, LLVMFDiv); return true;                        \
    case WASM_OP_##SH##_MIN: fminmax(c, S, false); return true;                          \
    case WASM_OP_##SH##_MAX: fminmax(c, S, true); return true;                           \
    case WASM_OP_##SH##_PMIN: fpminmax(c, S, false); return true;                        \
    case WASM_OP_##SH##_PMAX: fpminmax(c, S, true); return true;
    FOPS(F32X4, F32)
    FOPS(F64X2, F64)
#undef FOPS
    case WASM_OP_F32X4_CONVERT_I32X4_S:
    case WASM_OP_F32X4_CONVERT_I32X4_U:
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_S:
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_U:
    case WASM_OP_F64X2_PROMOTE_LOW_F32X4:
    case WASM_OP_F32X4_DEMOTE_F64X2_ZERO:
    case WASM_OP_I32X4_TRUNC_SAT_F32X4_S:
    case WASM_OP_I32X4_TRUNC_SAT_F32X4_U:
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO:
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO:
        fp_convert(c, insn);
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------------- */
/* Relaxed SIMD                                                            */
/*
 * Each relaxed op is lowered to the single x86 instruction (or short
 * sequence) whose behaviour the proposal allows, and always the same one, so
 * a given input gives the same result everywhere in a program (constant
 * folded or not):
 *   relaxed_swizzle      pshufb (indices 16..127 select lane idx & 15)
 *   relaxed_trunc *_s    cvttps2dq / cvttpd2dq (NaN, out of range → INT32_MIN)
 *   relaxed_trunc *_u    the saturating trunc_sat
 *   relaxed_(n)madd      fused (llvm.fma) when the target has FMA, else
 *                        fmul then fadd, never contracted
 *   relaxed_laneselect   select on the top bit of each mask lane (blendv);
 *                        i16x8 uses pblendvb (top bit of each byte)
 *   relaxed_min/max      minps/maxps: x < y ? x : y (else the second operand)
 *   relaxed_q15mulr_s    pmulhrsw (-0x8000 * -0x8000 gives -0x8000)
 *   relaxed_dot          pmaddubsw with b as the unsigned operand
 *                        (saturating pair sums), then pmaddwd by 1 and add
 */

/* Value of string attribute `key` of the function being lowered ("" if none). */
static const char *fn_attr(lower_ctx *c, const char *key, unsigned *len)
{
    LLVMBasicBlockRef bb = LLVMGetInsertBlock(lower_builder(c));
    LLVMValueRef fn = bb ? LLVMGetBasicBlockParent(bb) : NULL;
    LLVMAttributeRef a = fn ? LLVMGetStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, key,
                                                            (unsigned)strlen(key))
                            : NULL;
    *len = 0;
    return a ? LLVMGetStringAttributeValue(a, len) : "";
}

/* Does the function being lowered target a CPU with FMA? True when its
 * feature list (cpu=native) holds "+fma" or its CPU is x86-64-v3/v4; other
 * named CPUs conservatively count as without (mul+add: correct, slower). */
static bool target_has_fma(lower_ctx *c)
{
    unsigned len;
    const char *v = fn_attr(c, "target-features", &len);
    for (unsigned i = 0; i + 4 <= len; i++) {
        if ((i == 0 || v[i - 1] == ',') && memcmp(v + i, "+fma", 4) == 0 &&
            (i + 4 == len || v[i + 4] == ','))
            return true;
    }
    v = fn_attr(c, "target-cpu", &len);
    return (len == 9 && memcmp(v, "x86-64-v3", 9) == 0) ||
           (len == 9 && memcmp(v, "x86-64-v4", 9) == 0);
}

/* Constant operands that LLVM could fold an arithmetic step away with
 * (see has_identity_lane) are hidden from it. */
static LLVMValueRef fp_operand(lower_ctx *c, LLVMValueRef v)
{
    return LLVMIsConstant(v) && has_identity_lane(v) ? opaque(c, v) : v;
}

/* madd: a * b + c;  nmadd: -(a * b) + c. */
static void relaxed_madd(lower_ctx *c, shape s, bool neg)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef z = fp_operand(c, pop_as(c, s));
    LLVMValueRef y = fp_operand(c, pop_as(c, s));
    LLVMValueRef x = fp_operand(c, pop_as(c, s));
    if (target_has_fma(c)) {
        if (neg)
            x = LLVMBuildFNeg(b, x, "");
        LLVMTypeRef t = LLVMTypeOf(x);
        LLVMValueRef args[3] = {x, y, z};
        push_v(c, lower_intrinsic(c, "llvm.fma", &t, 1, args, 3));
        return;
    }
    LLVMValueRef p = LLVMBuildFMul(b, x, y, "");
    push_v(c, neg ? LLVMBuildFSub(b, z, p, "") : LLVMBuildFAdd(b, p, z, ""));
}

/* laneselect(a, b, m): a where the top bit of m's lane is set, else b. */
static void relaxed_laneselect(lower_ctx *c, shape s)
{
    LLVMBuilderRef b = lower_builder(c);
    if (s == I8 || s == I16) {
        LLVMValueRef args[3];
        args[2] = pop_as(c, I8);
        args[1] = pop_as(c, I8);
        args[0] = pop_as(c, I8);
        LLVMValueRef t = args[0];   /* pblendvb(x, y, m) = m ? y : x */
        args[0] = args[1];
        args[1] = t;
        push_v(c, lower_intrinsic(c, "llvm.x86.sse41.pblendvb", NULL, 0, args, 3));
        return;
    }
    LLVMValueRef m = pop_as(c, s), y = pop_as(c, s), x = pop_as(c, s);
    LLVMValueRef top = LLVMBuildICmp(b, LLVMIntSLT, m, LLVMConstNull(LLVMTypeOf(m)), "");
    push_v(c, LLVMBuildSelect(b, top, x, y, ""));
}

/* min: x < y ? x : y;  max: x > y ? x : y (minps/maxps). */
static void relaxed_minmax(lower_ctx *c, shape s, bool is_max)
{
    LLVMBuilderRef b = lower_builder(c);
    LLVMValueRef y = pop_as(c, s), x = pop_as(c, s);
    LLVMValueRef p = LLVMBuildFCmp(b, is_max ? LLVMRealOGT : LLVMRealOLT, x, y, "");
    push_v(c, LLVMBuildSelect(b, p, x, y, ""));
}

static void relaxed_trunc_s(lower_ctx *c, shape from)
{
    LLVMValueRef x = pop_as(c, from);
    const char *name = from == F32 ? "llvm.x86.sse2.cvttps2dq" : "llvm.x86.sse2.cvttpd2dq";
    push_v(c, lower_intrinsic(c, name, NULL, 0, &x, 1));
}

/* i16 lanes: a[2i]*b[2i] + a[2i+1]*b[2i+1], a signed, b unsigned, saturated. */
static LLVMValueRef relaxed_dot_i16(lower_ctx *c, LLVMValueRef a, LLVMValueRef b7)
{
    LLVMValueRef args[2] = {b7, a};
    return lower_intrinsic(c, "llvm.x86.ssse3.pmadd.ub.sw.128", NULL, 0, args, 2);
}

static void relaxed_dot(lower_ctx *c, bool add)
{
    LLVMValueRef acc = add ? pop_as(c, I32) : NULL;
    LLVMValueRef y = pop_as(c, I8), x = pop_as(c, I8);
    LLVMValueRef d = relaxed_dot_i16(c, x, y);
    if (!add) {
        push_v(c, d);
        return;
    }
    LLVMValueRef args[2] = {d, splat_const(c, 16, 8, 1)};
    LLVMValueRef w = lower_intrinsic(c, "llvm.x86.sse2.pmadd.wd", NULL, 0, args, 2);
    push_v(c, LLVMBuildAdd(lower_builder(c), w, acc, ""));
}

static bool lower_simd_relaxed(lower_ctx *c, const wasm_insn *insn)
{
    LLVMValueRef args[2];
    switch (insn->op) {
    case WASM_OP_I8X16_RELAXED_SWIZZLE:
        args[1] = pop_as(c, I8);
        args[0] = pop_as(c, I8);
        push_v(c, lower_intrinsic(c, "llvm.x86.ssse3.pshuf.b.128", NULL, 0, args, 2));
        return true;
    case WASM_OP_I32X4_RELAXED_TRUNC_F32X4_S: relaxed_trunc_s(c, F32); return true;
    case WASM_OP_I32X4_RELAXED_TRUNC_F64X2_S_ZERO: relaxed_trunc_s(c, F64); return true;
    case WASM_OP_I32X4_RELAXED_TRUNC_F32X4_U:
        push_v(c, trunc_sat(c, pop_as(c, F32), false));
        return true;
    case WASM_OP_I32X4_RELAXED_TRUNC_F64X2_U_ZERO: {
        LLVMValueRef r = trunc_sat(c, pop_as(c, F64), false);
        push_v(c, shuffle(c, r, LLVMConstNull(LLVMTypeOf(r)), seq_mask(c, 0, 1, 4)));
        return true;
    }
    case WASM_OP_F32X4_RELAXED_MADD: relaxed_madd(c, F32, false); return true;
    case WASM_OP_F32X4_RELAXED_NMADD: relaxed_madd(c, F32, true); return true;
    case WASM_OP_F64X2_RELAXED_MADD: relaxed_madd(c, F64, false); return true;
    case WASM_OP_F64X2_RELAXED_NMADD: relaxed_madd(c, F64, true); return true;
    case WASM_OP_I8X16_RELAXED_LANESELECT: relaxed_laneselect(c, I8); return true;
    case WASM_OP_I16X8_RELAXED_LANESELECT: relaxed_laneselect(c, I16); return true;
    case WASM_OP_I32X4_RELAXED_LANESELECT: relaxed_laneselect(c, I32); return true;
    case WASM_OP_I64X2_RELAXED_LANESELECT: relaxed_laneselect(c, I64); return true;
    case WASM_OP_F32X4_RELAXED_MIN: relaxed_minmax(c, F32, false); return true;
    case WASM_OP_F32X4_RELAXED_MAX: relaxed_minmax(c, F32, true); return true;
    case WASM_OP_F64X2_RELAXED_MIN: relaxed_minmax(c, F64, false); return true;
    case WASM_OP_F64X2_RELAXED_MAX: relaxed_minmax(c, F64, true); return true;
    case WASM_OP_I16X8_RELAXED_Q15MULR_S:
        args[1] = pop_as(c, I16);
        args[0] = pop_as(c, I16);
        push_v(c, lower_intrinsic(c, "llvm.x86.ssse3.pmul.hr.sw.128", NULL, 0, args, 2));
        return true;
    case WASM_OP_I16X8_RELAXED_DOT_I8X16_I7X16_S: relaxed_dot(c, false); return true;
    case WASM_OP_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S: relaxed_dot(c, true); return true;
    default:
        return false;
    }
}

bool lower_simd(lower_ctx *c, const wasm_insn *insn)
{
    if (!wasm_op_is_simd(insn->op))
        return false;
    return lower_simd_memory(c, insn) || lower_simd_lanes(c, insn) ||
           lower_simd_logic(c, insn) || lower_simd_int(c, insn) ||
           lower_simd_float(c, insn) || lower_simd_relaxed(c, insn);
}
