/*
 * lower_numeric.c — scalar numeric instructions (wasm → LLVM IR).
 *
 * Exact WebAssembly semantics, no fast-math anywhere:
 *   - float constants are built from their bit patterns (NaN payloads kept);
 *   - abs/neg/copysign are integer bit operations on the float's bits;
 *   - min/max use llvm.minimum/llvm.maximum (NaN-propagating, -0 < +0),
 *     which x86 lowers inline (no libm);
 *   - integer division traps on a zero divisor and on INT_MIN / -1;
 *     rem_s avoids the x86 idiv fault by dividing by 1 when the divisor is -1;
 *   - trapping float→int conversions check NaN and the exact range first.
 */
#include <math.h>
#include <string.h>

#include "lower.h"

/* Types and constants. */

static LLVMTypeRef ty_i1(lower_ctx *c) { return LLVMInt1TypeInContext(lower_llvm_ctx(c)); }
static LLVMTypeRef ty_i32(lower_ctx *c) { return LLVMInt32TypeInContext(lower_llvm_ctx(c)); }
static LLVMTypeRef ty_i64(lower_ctx *c) { return LLVMInt64TypeInContext(lower_llvm_ctx(c)); }
static LLVMTypeRef ty_f32(lower_ctx *c) { return LLVMFloatTypeInContext(lower_llvm_ctx(c)); }
static LLVMTypeRef ty_f64(lower_ctx *c) { return LLVMDoubleTypeInContext(lower_llvm_ctx(c)); }

/* The integer type with as many bits as float type `t`. */
static LLVMTypeRef int_of_float(lower_ctx *c, LLVMTypeRef t)
{
    return LLVMGetTypeKind(t) == LLVMFloatTypeKind ? ty_i32(c) : ty_i64(c);
}

static unsigned int_bits(LLVMTypeRef t) { return LLVMGetIntTypeWidth(t); }

static LLVMValueRef const_int(LLVMTypeRef t, uint64_t v) { return LLVMConstInt(t, v, false); }

/* A float constant from its exact bit pattern. */
static LLVMValueRef const_f32_bits(lower_ctx *c, uint32_t bits)
{
    return LLVMConstBitCast(const_int(ty_i32(c), bits), ty_f32(c));
}

static LLVMValueRef const_f64_bits(lower_ctx *c, uint64_t bits)
{
    return LLVMConstBitCast(const_int(ty_i64(c), bits), ty_f64(c));
}

/* A float constant of type `t` with value `v` (only exactly representable
 * values are used, so the conversion from double is exact). */
static LLVMValueRef const_float(LLVMTypeRef t, double v) { return LLVMConstReal(t, v); }

static LLVMValueRef to_i32(lower_ctx *c, LLVMValueRef i1)
{
    return LLVMBuildZExt(lower_builder(c), i1, ty_i32(c), "");
}

static LLVMValueRef intrinsic1(lower_ctx *c, const char *name, LLVMValueRef a)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    return lower_intrinsic(c, name, &t, 1, &a, 1);
}

static LLVMValueRef intrinsic2(lower_ctx *c, const char *name, LLVMValueRef a, LLVMValueRef b)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = { a, b };
    return lower_intrinsic(c, name, &t, 1, args, 2);
}

/* Instruction groups. Operand b is the top of the stack. */

static bool int_cmp(lower_ctx *c, LLVMIntPredicate p)
{
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    lower_push(c, to_i32(c, LLVMBuildICmp(lower_builder(c), p, a, b, "")));
    return true;
}

static bool float_cmp(lower_ctx *c, LLVMRealPredicate p)
{
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    lower_push(c, to_i32(c, LLVMBuildFCmp(lower_builder(c), p, a, b, "")));
    return true;
}

static bool eqz(lower_ctx *c)
{
    LLVMValueRef a = lower_pop(c);
    LLVMValueRef z = LLVMConstNull(LLVMTypeOf(a));
    lower_push(c, to_i32(c, LLVMBuildICmp(lower_builder(c), LLVMIntEQ, a, z, "")));
    return true;
}

static bool binop(lower_ctx *c, LLVMOpcode op)
{
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    LLVMValueRef r = LLVMBuildBinOp(lower_builder(c), op, a, b, "");
    /* p + k right after an access at p (pointer bumps in loops): no
     * unsigned wrap, which lets SCEV see zext(p + k) as zext(p) + k and
     * the vectoriser treat the induction as a 64-bit stride */
    if (op == LLVMAdd && LLVMIsAConstantInt(b) && !LLVMIsAConstant(a) && LLVMIsAInstruction(r) &&
        LLVMTypeOf(a) == LLVMInt32TypeInContext(lower_llvm_ctx(c))) {
        uint64_t k = LLVMConstIntGetZExtValue(b);
        if (k < WACC_MEMORY_LOW_GUARD && lower_index_accessed(c, a))
            LLVMSetNUW(r, 1);
    }
    lower_push(c, r);
    return true;
}

/* An empty inline-asm "copy" of a float value: the optimizer cannot see
 * through it. LLVM folds x*1, x/1, x-0, x+(-0) to x and x*-1, x/-1, -0-x
 * to fneg x even without fast-math, which loses the quieting of a
 * signalling NaN that wasm requires; hiding the constant prevents that. */
static LLVMValueRef opaque(lower_ctx *c, LLVMValueRef v)
{
    LLVMTypeRef t = LLVMTypeOf(v);
    LLVMTypeRef fty = LLVMFunctionType(t, &t, 1, false);
    const char *constraints = lower_fpreg_constraint(c);
    LLVMValueRef asm_fn = LLVMGetInlineAsm(fty, "", 0, (char *)constraints, strlen(constraints),
                                           false, false, LLVMInlineAsmDialectATT, false);
    return LLVMBuildCall2(lower_builder(c), fty, asm_fn, &v, 1, "");
}

/* Would LLVM fold `a op b` (one of them the float constant `k`, on side
 * `rhs`) to a or fneg a? True for x+(-0), x-(+0), -0-x, x*±1, ±1*x, x/±1. */
static bool identity_const(LLVMOpcode op, LLVMValueRef k, bool rhs)
{
    if (!LLVMIsAConstantFP(k))
        return false;
    LLVMBool loses = 0;
    double d = LLVMConstRealGetDouble(k, &loses);
    bool neg_zero = d == 0.0 && signbit(d);
    bool pos_zero = d == 0.0 && !signbit(d);
    bool one = d == 1.0 || d == -1.0;
    switch (op) {
    case LLVMFAdd: return neg_zero;
    case LLVMFSub: return rhs ? pos_zero : neg_zero;
    case LLVMFMul: return one;
    case LLVMFDiv: return rhs && one;
    default: return false;
    }
}

/* Float add/sub/mul/div with exact NaN behaviour (see opaque()). */
static LLVMValueRef float_arith(lower_ctx *c, LLVMOpcode op, LLVMValueRef a, LLVMValueRef b)
{
    if (identity_const(op, a, false))
        a = opaque(c, a);
    if (identity_const(op, b, true))
        b = opaque(c, b);
    return LLVMBuildBinOp(lower_builder(c), op, a, b, "");
}

static bool float_binop(lower_ctx *c, LLVMOpcode op)
{
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    lower_push(c, float_arith(c, op, a, b));
    return true;
}

/* min/max: llvm.minimum/maximum order -0 < +0 and propagate NaN, but may
 * return a signalling NaN operand unchanged; wasm wants an arithmetic
 * (quiet) NaN, so a NaN operand selects a + b instead. */
static bool min_max(lower_ctx *c, const char *name)
{
    LLVMBuilderRef bld = lower_builder(c);
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    LLVMValueRef r = intrinsic2(c, name, a, b);
    LLVMValueRef nan = LLVMBuildFCmp(bld, LLVMRealUNO, a, b, "");
    lower_push(c, LLVMBuildSelect(bld, nan, float_arith(c, LLVMFAdd, a, b), r, ""));
    return true;
}

/* f32.demote_f64: LLVM folds fptrunc(fpext x) to x, which would let a
 * signalling NaN through unquieted; hide a directly preceding promote. */
static bool demote(lower_ctx *c)
{
    LLVMValueRef a = lower_pop(c);
    if (LLVMIsAInstruction(a) && LLVMGetInstructionOpcode(a) == LLVMFPExt)
        a = opaque(c, a);
    lower_push(c, LLVMBuildFPTrunc(lower_builder(c), a, ty_f32(c), ""));
    return true;
}

/* clz/ctz: the count is defined (= bit width) for a zero input. */
static bool count_zeros(lower_ctx *c, const char *name)
{
    LLVMValueRef a = lower_pop(c);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = { a, LLVMConstInt(ty_i1(c), 0, false) };
    lower_push(c, lower_intrinsic(c, name, &t, 1, args, 2));
    return true;
}

static bool unary_intrinsic(lower_ctx *c, const char *name)
{
    lower_push(c, intrinsic1(c, name, lower_pop(c)));
    return true;
}


/* Shifts take the count modulo the bit width. */
static bool shift(lower_ctx *c, LLVMOpcode op)
{
    LLVMBuilderRef bld = lower_builder(c);
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    LLVMTypeRef t = LLVMTypeOf(a);
    b = LLVMBuildAnd(bld, b, const_int(t, int_bits(t) - 1), "");
    lower_push(c, LLVMBuildBinOp(bld, op, a, b, ""));
    return true;
}

/* Rotates: funnel shifts of a value with itself (count taken modulo width). */
static bool rotate(lower_ctx *c, const char *name)
{
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[3] = { a, a, b };
    lower_push(c, lower_intrinsic(c, name, &t, 1, args, 3));
    return true;
}

static bool divide(lower_ctx *c, LLVMOpcode op)
{
    LLVMBuilderRef bld = lower_builder(c);
    LLVMValueRef b = lower_pop(c), a = lower_pop(c);
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned bits = int_bits(t);
    LLVMValueRef zero = LLVMConstNull(t);
    LLVMValueRef minus1 = LLVMConstAllOnes(t);

    lower_trap_if(c, LLVMBuildICmp(bld, LLVMIntEQ, b, zero, ""), WACC_TRAP_INT_DIV_ZERO);
    if (op == LLVMSDiv) {
        LLVMValueRef int_min = const_int(t, 1ull << (bits - 1));
        LLVMValueRef ov = LLVMBuildAnd(bld, LLVMBuildICmp(bld, LLVMIntEQ, a, int_min, ""),
                                       LLVMBuildICmp(bld, LLVMIntEQ, b, minus1, ""), "");
        lower_trap_if(c, ov, WACC_TRAP_INT_OVERFLOW);
    } else if (op == LLVMSRem) {
        /* x rem -1 == 0 == x rem 1, and dividing by 1 cannot fault. */
        LLVMValueRef is_m1 = LLVMBuildICmp(bld, LLVMIntEQ, b, minus1, "");
        b = LLVMBuildSelect(bld, is_m1, const_int(t, 1), b, "");
    }
    lower_push(c, LLVMBuildBinOp(bld, op, a, b, ""));
    return true;
}

/* Sign-extend the low `from` bits of the top value in place. */
static bool extend_s(lower_ctx *c, unsigned from)
{
    LLVMBuilderRef bld = lower_builder(c);
    LLVMValueRef a = lower_pop(c);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMTypeRef small = LLVMIntTypeInContext(lower_llvm_ctx(c), from);
    lower_push(c, LLVMBuildSExt(bld, LLVMBuildTrunc(bld, a, small, ""), t, ""));
    return true;
}

static bool cast(lower_ctx *c, LLVMOpcode op, LLVMTypeRef to)
{
    lower_push(c, LLVMBuildCast(lower_builder(c), op, lower_pop(c), to, ""));
    return true;
}

/* Float sign-bit operations done on the integer bits, so that NaN payloads
 * (and signalling NaNs) pass through untouched. */
enum sign_op { SIGN_ABS, SIGN_NEG, SIGN_COPY };

static bool sign_op(lower_ctx *c, enum sign_op op)
{
    LLVMBuilderRef bld = lower_builder(c);
    LLVMValueRef b = op == SIGN_COPY ? lower_pop(c) : NULL;
    LLVMValueRef a = lower_pop(c);
    LLVMTypeRef ft = LLVMTypeOf(a);
    LLVMTypeRef it = int_of_float(c, ft);
    uint64_t sign = 1ull << (int_bits(it) - 1);
    LLVMValueRef ai = LLVMBuildBitCast(bld, a, it, "");
    LLVMValueRef r;

    switch (op) {
    case SIGN_ABS:
        r = LLVMBuildAnd(bld, ai, const_int(it, ~sign), "");
        break;
    case SIGN_NEG:
        r = LLVMBuildXor(bld, ai, const_int(it, sign), "");
        break;
    default: {
        LLVMValueRef bi = LLVMBuildBitCast(bld, b, it, "");
        LLVMValueRef mag = LLVMBuildAnd(bld, ai, const_int(it, ~sign), "");
        LLVMValueRef sgn = LLVMBuildAnd(bld, bi, const_int(it, sign), "");
        r = LLVMBuildOr(bld, mag, sgn, "");
        break;
    }
    }
    lower_push(c, LLVMBuildBitCast(bld, r, ft, ""));
    return true;
}

/* Trapping float → int truncation. The value must satisfy lo < x < hi
 * (lo <= x when lo_inclusive). The fast path is one ordered range test
 * (false for NaN too); the cold path tells NaN (invalid conversion) from
 * overflow. */
static bool trunc_trap(lower_ctx *c, LLVMTypeRef to, bool is_signed, double lo,
                       bool lo_inclusive, double hi)
{
    LLVMBuilderRef bld = lower_builder(c);
    LLVMValueRef a = lower_pop(c);
    LLVMTypeRef ft = LLVMTypeOf(a);
    LLVMValueRef above = LLVMBuildFCmp(bld, lo_inclusive ? LLVMRealOGE : LLVMRealOGT, a,
                                       const_float(ft, lo), "");
    LLVMValueRef below = LLVMBuildFCmp(bld, LLVMRealOLT, a, const_float(ft, hi), "");
    LLVMValueRef in_range = LLVMBuildAnd(bld, above, below, "");

    LLVMValueRef fn = LLVMGetBasicBlockParent(LLVMGetInsertBlock(bld));
    LLVMBasicBlockRef bad = LLVMAppendBasicBlockInContext(lower_llvm_ctx(c), fn, "cvt.bad");
    LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(lower_llvm_ctx(c), fn, "cvt.ok");
    LLVMBuildCondBr(bld, in_range, ok, bad);

    LLVMPositionBuilderAtEnd(bld, bad);
    lower_trap_if(c, LLVMBuildFCmp(bld, LLVMRealUNO, a, a, ""), WACC_TRAP_BAD_CONVERSION);
    lower_trap_if(c, LLVMConstInt(ty_i1(c), 1, false), WACC_TRAP_INT_OVERFLOW);
    LLVMBuildUnreachable(bld);

    LLVMPositionBuilderAtEnd(bld, ok);
    lower_push(c, is_signed ? LLVMBuildFPToSI(bld, a, to, "") : LLVMBuildFPToUI(bld, a, to, ""));
    return true;
}

/* Saturating truncation: llvm.fpto[su]i.sat has exactly wasm's semantics
 * (NaN → 0, out of range → the nearest bound). */
static bool trunc_sat(lower_ctx *c, LLVMTypeRef to, bool is_signed)
{
    LLVMValueRef a = lower_pop(c);
    LLVMTypeRef ov[2] = { to, LLVMTypeOf(a) };
    lower_push(c, lower_intrinsic(c, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat", ov, 2,
                                  &a, 1));
    return true;
}

#define P31 2147483648.0                    /* 2^31 */
#define P32 4294967296.0                    /* 2^32 */
#define P63 9223372036854775808.0           /* 2^63 */
#define P64 18446744073709551616.0          /* 2^64 */

static bool conversion(lower_ctx *c, uint32_t op)
{
    switch (op) {
    /* Signed targets: [-2^(N-1), 2^(N-1)). For f64 → i32 every double in
     * (-2^31-1, -2^31] truncates to -2^31, hence the exclusive bound. */
    case WASM_OP_I32_TRUNC_F32_S: return trunc_trap(c, ty_i32(c), true, -P31, true, P31);
    case WASM_OP_I32_TRUNC_F64_S: return trunc_trap(c, ty_i32(c), true, -P31 - 1.0, false, P31);
    case WASM_OP_I64_TRUNC_F32_S: return trunc_trap(c, ty_i64(c), true, -P63, true, P63);
    case WASM_OP_I64_TRUNC_F64_S: return trunc_trap(c, ty_i64(c), true, -P63, true, P63);
    /* Unsigned targets: (-1, 2^N). */
    case WASM_OP_I32_TRUNC_F32_U: return trunc_trap(c, ty_i32(c), false, -1.0, false, P32);
    case WASM_OP_I32_TRUNC_F64_U: return trunc_trap(c, ty_i32(c), false, -1.0, false, P32);
    case WASM_OP_I64_TRUNC_F32_U: return trunc_trap(c, ty_i64(c), false, -1.0, false, P64);
    case WASM_OP_I64_TRUNC_F64_U: return trunc_trap(c, ty_i64(c), false, -1.0, false, P64);

    case WASM_OP_I32_TRUNC_SAT_F32_S:
    case WASM_OP_I32_TRUNC_SAT_F64_S: return trunc_sat(c, ty_i32(c), true);
    case WASM_OP_I32_TRUNC_SAT_F32_U:
    case WASM_OP_I32_TRUNC_SAT_F64_U: return trunc_sat(c, ty_i32(c), false);
    case WASM_OP_I64_TRUNC_SAT_F32_S:
    case WASM_OP_I64_TRUNC_SAT_F64_S: return trunc_sat(c, ty_i64(c), true);
    case WASM_OP_I64_TRUNC_SAT_F32_U:
    case WASM_OP_I64_TRUNC_SAT_F64_U: return trunc_sat(c, ty_i64(c), false);

    case WASM_OP_I32_WRAP_I64: return cast(c, LLVMTrunc, ty_i32(c));
    case WASM_OP_I64_EXTEND_I32_S: return cast(c, LLVMSExt, ty_i64(c));
    case WASM_OP_I64_EXTEND_I32_U: return cast(c, LLVMZExt, ty_i64(c));

    case WASM_OP_F32_CONVERT_I32_S:
    case WASM_OP_F32_CONVERT_I64_S: return cast(c, LLVMSIToFP, ty_f32(c));
    case WASM_OP_F32_CONVERT_I32_U:
    case WASM_OP_F32_CONVERT_I64_U: return cast(c, LLVMUIToFP, ty_f32(c));
    case WASM_OP_F64_CONVERT_I32_S:
    case WASM_OP_F64_CONVERT_I64_S: return cast(c, LLVMSIToFP, ty_f64(c));
    case WASM_OP_F64_CONVERT_I32_U:
    case WASM_OP_F64_CONVERT_I64_U: return cast(c, LLVMUIToFP, ty_f64(c));
    case WASM_OP_F32_DEMOTE_F64: return demote(c);
    case WASM_OP_F64_PROMOTE_F32: return cast(c, LLVMFPExt, ty_f64(c));

    case WASM_OP_I32_REINTERPRET_F32: return cast(c, LLVMBitCast, ty_i32(c));
    case WASM_OP_I64_REINTERPRET_F64: return cast(c, LLVMBitCast, ty_i64(c));
    case WASM_OP_F32_REINTERPRET_I32: return cast(c, LLVMBitCast, ty_f32(c));
    case WASM_OP_F64_REINTERPRET_I64: return cast(c, LLVMBitCast, ty_f64(c));

    case WASM_OP_I32_EXTEND8_S:
    case WASM_OP_I64_EXTEND8_S: return extend_s(c, 8);
    case WASM_OP_I32_EXTEND16_S:
    case WASM_OP_I64_EXTEND16_S: return extend_s(c, 16);
    case WASM_OP_I64_EXTEND32_S: return extend_s(c, 32);
    default: return false;
    }
}

bool lower_numeric(lower_ctx *c, const wasm_insn *insn)
{
    switch (insn->op) {
    case WASM_OP_I32_CONST:
        lower_push(c, LLVMConstInt(ty_i32(c), (uint64_t)(uint32_t)insn->imm.i32, false));
        return true;
    case WASM_OP_I64_CONST:
        lower_push(c, LLVMConstInt(ty_i64(c), (uint64_t)insn->imm.i64, false));
        return true;
    case WASM_OP_F32_CONST:
        lower_push(c, const_f32_bits(c, insn->imm.f32_bits));
        return true;
    case WASM_OP_F64_CONST:
        lower_push(c, const_f64_bits(c, insn->imm.f64_bits));
        return true;

    case WASM_OP_I32_EQZ:
    case WASM_OP_I64_EQZ: return eqz(c);
    case WASM_OP_I32_EQ:
    case WASM_OP_I64_EQ: return int_cmp(c, LLVMIntEQ);
    case WASM_OP_I32_NE:
    case WASM_OP_I64_NE: return int_cmp(c, LLVMIntNE);
    case WASM_OP_I32_LT_S:
    case WASM_OP_I64_LT_S: return int_cmp(c, LLVMIntSLT);
    case WASM_OP_I32_LT_U:
    case WASM_OP_I64_LT_U: return int_cmp(c, LLVMIntULT);
    case WASM_OP_I32_GT_S:
    case WASM_OP_I64_GT_S: return int_cmp(c, LLVMIntSGT);
    case WASM_OP_I32_GT_U:
    case WASM_OP_I64_GT_U: return int_cmp(c, LLVMIntUGT);
    case WASM_OP_I32_LE_S:
    case WASM_OP_I64_LE_S: return int_cmp(c, LLVMIntSLE);
    case WASM_OP_I32_LE_U:
    case WASM_OP_I64_LE_U: return int_cmp(c, LLVMIntULE);
    case WASM_OP_I32_GE_S:
    case WASM_OP_I64_GE_S: return int_cmp(c, LLVMIntSGE);
    case WASM_OP_I32_GE_U:
    case WASM_OP_I64_GE_U: return int_cmp(c, LLVMIntUGE);

    /* Ordered predicates are false on NaN; ne is unordered (true on NaN). */
    case WASM_OP_F32_EQ:
    case WASM_OP_F64_EQ: return float_cmp(c, LLVMRealOEQ);
    case WASM_OP_F32_NE:
    case WASM_OP_F64_NE: return float_cmp(c, LLVMRealUNE);
    case WASM_OP_F32_LT:
    case WASM_OP_F64_LT: return float_cmp(c, LLVMRealOLT);
    case WASM_OP_F32_GT:
    case WASM_OP_F64_GT: return float_cmp(c, LLVMRealOGT);
    case WASM_OP_F32_LE:
    case WASM_OP_F64_LE: return float_cmp(c, LLVMRealOLE);
    case WASM_OP_F32_GE:
    case WASM_OP_F64_GE: return float_cmp(c, LLVMRealOGE);

    case WASM_OP_I32_CLZ:
    case WASM_OP_I64_CLZ: return count_zeros(c, "llvm.ctlz");
    case WASM_OP_I32_CTZ:
    case WASM_OP_I64_CTZ: return count_zeros(c, "llvm.cttz");
    case WASM_OP_I32_POPCNT:
    case WASM_OP_I64_POPCNT: return unary_intrinsic(c, "llvm.ctpop");

    case WASM_OP_I32_ADD:
    case WASM_OP_I64_ADD: return binop(c, LLVMAdd);
    case WASM_OP_I32_SUB:
    case WASM_OP_I64_SUB: return binop(c, LLVMSub);
    case WASM_OP_I32_MUL:
    case WASM_OP_I64_MUL: return binop(c, LLVMMul);
    case WASM_OP_I32_DIV_S:
    case WASM_OP_I64_DIV_S: return divide(c, LLVMSDiv);
    case WASM_OP_I32_DIV_U:
    case WASM_OP_I64_DIV_U: return divide(c, LLVMUDiv);
    case WASM_OP_I32_REM_S:
    case WASM_OP_I64_REM_S: return divide(c, LLVMSRem);
    case WASM_OP_I32_REM_U:
    case WASM_OP_I64_REM_U: return divide(c, LLVMURem);
    case WASM_OP_I32_AND:
    case WASM_OP_I64_AND: return binop(c, LLVMAnd);
    case WASM_OP_I32_OR:
    case WASM_OP_I64_OR: return binop(c, LLVMOr);
    case WASM_OP_I32_XOR:
    case WASM_OP_I64_XOR: return binop(c, LLVMXor);
    case WASM_OP_I32_SHL:
    case WASM_OP_I64_SHL: return shift(c, LLVMShl);
    case WASM_OP_I32_SHR_S:
    case WASM_OP_I64_SHR_S: return shift(c, LLVMAShr);
    case WASM_OP_I32_SHR_U:
    case WASM_OP_I64_SHR_U: return shift(c, LLVMLShr);
    case WASM_OP_I32_ROTL:
    case WASM_OP_I64_ROTL: return rotate(c, "llvm.fshl");
    case WASM_OP_I32_ROTR:
    case WASM_OP_I64_ROTR: return rotate(c, "llvm.fshr");

    case WASM_OP_F32_ABS:
    case WASM_OP_F64_ABS: return sign_op(c, SIGN_ABS);
    case WASM_OP_F32_NEG:
    case WASM_OP_F64_NEG: return sign_op(c, SIGN_NEG);
    case WASM_OP_F32_COPYSIGN:
    case WASM_OP_F64_COPYSIGN: return sign_op(c, SIGN_COPY);
    case WASM_OP_F32_CEIL:
    case WASM_OP_F64_CEIL: return unary_intrinsic(c, "llvm.ceil");
    case WASM_OP_F32_FLOOR:
    case WASM_OP_F64_FLOOR: return unary_intrinsic(c, "llvm.floor");
    case WASM_OP_F32_TRUNC:
    case WASM_OP_F64_TRUNC: return unary_intrinsic(c, "llvm.trunc");
    case WASM_OP_F32_NEAREST:
    case WASM_OP_F64_NEAREST: return unary_intrinsic(c, "llvm.roundeven");
    case WASM_OP_F32_SQRT:
    case WASM_OP_F64_SQRT: return unary_intrinsic(c, "llvm.sqrt");
    case WASM_OP_F32_ADD:
    case WASM_OP_F64_ADD: return float_binop(c, LLVMFAdd);
    case WASM_OP_F32_SUB:
    case WASM_OP_F64_SUB: return float_binop(c, LLVMFSub);
    case WASM_OP_F32_MUL:
    case WASM_OP_F64_MUL: return float_binop(c, LLVMFMul);
    case WASM_OP_F32_DIV:
    case WASM_OP_F64_DIV: return float_binop(c, LLVMFDiv);
    case WASM_OP_F32_MIN:
    case WASM_OP_F64_MIN: return min_max(c, "llvm.minimum");
    case WASM_OP_F32_MAX:
    case WASM_OP_F64_MAX: return min_max(c, "llvm.maximum");

    default:
        return conversion(c, insn->op);
    }
}
