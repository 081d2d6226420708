/*
 * lower_keep.c — keep guard-page loads whose value LLVM proves dead.
 *
 * A linear-memory load must trap when it is out of bounds even if its value
 * is never used. The guard pages raise that trap, but LLVM deletes a load
 * whose value is dead (in its model loads do not trap): a value stored to a
 * local that is overwritten later, multiplied by zero, dropped after a
 * chain of arithmetic... (found by scripts/fuzz-diff against V8; the
 * regressions are tests/fuzz/dead-loads.wast). Each such load feeds a call
 * to `llvm.annotation.<T>` (clang's __builtin_annotation; our string
 * operands are null): it writes inaccessible memory, so LLVM cannot delete
 * it, while loads and stores around it still combine and move, and it is
 * one of the intrinsics LLVM's cost models count as free (TTI: "don't
 * represent code after lowering"), so the keeps cost nothing in the
 * inliner's and the unroller's size estimates.
 *
 * llvm.annotation takes integers, so a float keep passes the value's bits:
 * as <1 x i64> (<1 x i32>), a bitcast TTI counts as free; but the loop
 * vectoriser cannot widen a vector-typed instruction, so in a loop it may
 * take (lower_keep_free: innermost, no call, no control flow besides the
 * back edge) the bits go as a scalar i64 (i32) instead, whose bitcast costs
 * one unit. Every scalar keep call names vector variants in its
 * "vector-function-abi-variant" attribute (wacc.keep.v4i64 for
 * llvm.annotation.i64.p0, four vector parameters; not intrinsics, since
 * @llvm.compiler.used must hold them until the vectorisers call them), so
 * the loop and SLP vectorisers widen a loop that loads (an asm call would
 * stop them).
 *
 * Through optimisation the keep is a call, not yet the empty `asm
 * sideeffect` it becomes (wasm2c's force_read).
 * wacc_keep_finish then replaces every keep call by the asm, which takes
 * the value in a register and emits no instruction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"

#define KEEP_INTRINSIC "llvm.annotation"  /* what the lowering calls */
#define VARIANT_PREFIX "wacc.keep."      /* vector variants, for the vectorisers */
#define KEEP_MAX_BITS 512       /* widest vector variant */

static void keep_attrs(LLVMContextRef ctx, LLVMValueRef fn)
{
    /* memory(inaccessiblemem: readwrite): ModRef (3) for location 1 */
    unsigned mem = LLVMGetEnumAttributeKindForName("memory", 6);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, mem, 3u << 2));
    unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, nounwind, 0));
}

/* "i32", "i64", "v4i32"... */
static void type_name(LLVMTypeRef t, char *buf, size_t len)
{
    if (LLVMGetTypeKind(t) == LLVMVectorTypeKind) {
        char el[16];
        type_name(LLVMGetElementType(t), el, sizeof el);
        snprintf(buf, len, "v%u%s", LLVMGetVectorSize(t), el);
        return;
    }
    switch (LLVMGetTypeKind(t)) {
    case LLVMIntegerTypeKind: snprintf(buf, len, "i%u", LLVMGetIntTypeWidth(t)); break;
    case LLVMFloatTypeKind: snprintf(buf, len, "float"); break;
    case LLVMDoubleTypeKind: snprintf(buf, len, "double"); break;
    default: snprintf(buf, len, "other"); break;
    }
}

static unsigned scalar_bits(LLVMTypeRef t)
{
    switch (LLVMGetTypeKind(t)) {
    case LLVMIntegerTypeKind: return LLVMGetIntTypeWidth(t);
    case LLVMFloatTypeKind: return 32;
    case LLVMDoubleTypeKind: return 64;
    default: return 0;
    }
}

/* The integer type of t's shape: i32 for float, <2 x i64> for <2 x
 * double>; t itself when it is one (llvm.annotation takes integers). */
static LLVMTypeRef int_shape(LLVMContextRef ctx, LLVMTypeRef t, bool free)
{
    if (LLVMGetTypeKind(t) == LLVMVectorTypeKind) {
        LLVMTypeRef el = LLVMGetElementType(t), iel = int_shape(ctx, el, false);
        return iel == el ? t : LLVMVectorType(iel, LLVMGetVectorSize(t));
    }
    if (LLVMGetTypeKind(t) == LLVMIntegerTypeKind || !scalar_bits(t))
        return t;
    if (free)
        return LLVMVectorType(LLVMIntTypeInContext(ctx, scalar_bits(t)), 1);
    return LLVMIntTypeInContext(ctx, scalar_bits(t));
}

static unsigned keep_id(void)
{
    return LLVMLookupIntrinsicID(KEEP_INTRINSIC, strlen(KEEP_INTRINSIC));
}

/* The vector variant for vf lanes of the keep of scalar t (declared on
 * first use): the type llvm.annotation's VFABI mapping with four vector
 * parameters asks for, <vf x t> (<vf x t>, <vf x ptr>, <vf x ptr>,
 * <vf x i32>). */
static LLVMValueRef variant_fn(LLVMModuleRef mod, LLVMTypeRef t, unsigned vf)
{
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef vt = LLVMVectorType(t, vf);
    char tn[48], name[80];
    type_name(vt, tn, sizeof tn);
    snprintf(name, sizeof name, "%s%s", VARIANT_PREFIX, tn);
    LLVMValueRef fn = LLVMGetNamedFunction(mod, name);
    if (fn)
        return fn;
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef params[4] = { vt, LLVMVectorType(ptr, vf), LLVMVectorType(ptr, vf),
                              LLVMVectorType(LLVMInt32TypeInContext(ctx), vf) };
    fn = LLVMAddFunction(mod, name, LLVMFunctionType(vt, params, 4, 0));
    keep_attrs(ctx, fn);
    return fn;
}

/* The vectorisers' names for a scalar keep `call` of integer type t:
 * its "vector-function-abi-variant" call-site attribute,
 * _ZGV_LLVM_N<vf>vvvv_<intrinsic name>(<variant name>), ... */
static void add_variants(LLVMModuleRef mod, LLVMValueRef call, LLVMValueRef fn, LLVMTypeRef t)
{
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    unsigned bits = scalar_bits(t);
    size_t fnlen = 0;
    const char *fname = LLVMGetValueName2(fn, &fnlen);
    char variants[1024];
    size_t pos = 0;
    for (unsigned vf = 2; bits && vf * bits <= KEEP_MAX_BITS; vf *= 2) {
        size_t n = 0;
        const char *vname = LLVMGetValueName2(variant_fn(mod, t, vf), &n);
        int w = snprintf(variants + pos, sizeof variants - pos, "%s_ZGV_LLVM_N%uvvvv_%.*s(%.*s)", pos ? "," : "",
                         vf, (int)fnlen, fname, (int)n, vname);
        if (w < 0 || (size_t)w >= sizeof variants - pos)
            break;
        pos += (size_t)w;
    }
    if (pos) {
        const char *k = "vector-function-abi-variant";
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                                 LLVMCreateStringAttribute(ctx, k, (unsigned)strlen(k), variants, (unsigned)pos));
    }
}

/* The line operand of a keep that holds vmctx used through optimisation
 * (lower_keep_vmctx); other keeps pass 0. */
#define KEEP_VMCTX_LINE 1

static void build_keep(lower_ctx *c, LLVMValueRef v, unsigned line)
{
    LLVMModuleRef mod = lower_llvm_module(c);
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMBuilderRef b = lower_builder(c);
    LLVMTypeRef t = int_shape(ctx, LLVMTypeOf(v), lower_keep_free(c));
    if (t != LLVMTypeOf(v))
        v = LLVMBuildBitCast(b, v, t, "");
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef over[2] = { t, ptr };
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(mod, keep_id(), over, 2);
    LLVMValueRef args[4] = { v, LLVMConstNull(ptr), LLVMConstNull(ptr), LLVMConstInt(LLVMInt32TypeInContext(ctx), line, 0) };
    LLVMValueRef call = LLVMBuildCall2(b, LLVMGlobalGetValueType(fn), fn, args, 4, "");
    if (LLVMGetTypeKind(t) != LLVMVectorTypeKind)
        add_variants(mod, call, fn, t);
}

void lower_force_read(lower_ctx *c, LLVMValueRef v)
{
    build_keep(c, v, 0);
}

void lower_keep_vmctx(lower_ctx *c, LLVMValueRef vmctx)
{
    LLVMContextRef ctx = LLVMGetModuleContext(lower_llvm_module(c));
    build_keep(c, LLVMBuildPtrToInt(lower_builder(c), vmctx, LLVMInt64TypeInContext(ctx), ""), KEEP_VMCTX_LINE);
}

/* Is keep call `call` one of lower_keep_vmctx's? */
static bool keeps_vmctx(LLVMValueRef call)
{
    LLVMValueRef line = LLVMGetNumArgOperands(call) >= 4 ? LLVMGetOperand(call, 3) : NULL;
    return line && LLVMIsAConstantInt(line) && LLVMConstIntGetZExtValue(line) == KEEP_VMCTX_LINE;
}

static bool has_prefix(LLVMValueRef fn, const char *prefix)
{
    size_t n = 0;
    const char *name = LLVMGetValueName2(fn, &n);
    return LLVMIsAFunction(fn) && LLVMIsDeclaration(fn) && n > strlen(prefix) &&
           !strncmp(name, prefix, strlen(prefix));
}

static bool is_keep(LLVMValueRef fn)
{
    return has_prefix(fn, VARIANT_PREFIX) || (LLVMIsAFunction(fn) && LLVMGetIntrinsicID(fn) == keep_id());
}

#define USED_NAME "llvm.compiler.used"

/* Set @llvm.compiler.used to the n values in vals (none: no global). */
static void set_used(LLVMModuleRef mod, LLVMValueRef *vals, unsigned n)
{
    LLVMValueRef g = LLVMGetNamedGlobal(mod, USED_NAME);
    if (g)
        LLVMDeleteGlobal(g);
    if (!n)
        return;
    LLVMTypeRef pt = LLVMPointerTypeInContext(LLVMGetModuleContext(mod), 0);
    LLVMTypeRef at = LLVMArrayType2(pt, n);
    g = LLVMAddGlobal(mod, at, USED_NAME);
    LLVMSetLinkage(g, LLVMAppendingLinkage);
    LLVMSetSection(g, "llvm.metadata");
    LLVMSetInitializer(g, LLVMConstArray2(pt, vals, n));
}

/* The current elements of @llvm.compiler.used plus (add) every keep
 * function, or minus (!add) them; *n receives the count. */
static LLVMValueRef *used_list(LLVMModuleRef mod, bool add, unsigned *n)
{
    unsigned cap = 0, k = 0;
    LLVMValueRef g = LLVMGetNamedGlobal(mod, USED_NAME);
    LLVMValueRef init = g ? LLVMGetInitializer(g) : NULL;
    unsigned have = init ? (unsigned)LLVMGetNumOperands(init) : 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f))
        cap++;
    LLVMValueRef *vals = malloc((cap + have + 1) * sizeof *vals);
    if (!vals) {
        *n = 0;
        return NULL;
    }
    for (unsigned i = 0; i < have; i++) {
        LLVMValueRef v = LLVMGetOperand(init, i);
        if (!is_keep(v))
            vals[k++] = v;
    }
    if (add)    /* the variants: nothing calls them before the vectorisers */
        for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f))
            if (has_prefix(f, VARIANT_PREFIX))
                vals[k++] = f;
    *n = k;
    return vals;
}

void lower_keep_used(LLVMModuleRef mod)
{
    unsigned n = 0;
    LLVMValueRef *vals = used_list(mod, true, &n);
    if (vals)
        set_used(mod, vals, n);
    free(vals);
}

/* ---- after optimisation: keep calls → empty asm ------------------------- */

/* Widest vector register of fn's target, in bits. */
static unsigned vector_bits(LLVMValueRef fn, bool arm)
{
    if (arm)
        return 128;
    LLVMAttributeRef a = LLVMGetStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, "target-features", 15);
    unsigned len = 0;
    const char *fs = a ? LLVMGetStringAttributeValue(a, &len) : NULL;
    if (!fs)
        return 128;
    char buf[4096];
    snprintf(buf, sizeof buf, "%.*s,", (int)(len < sizeof buf - 2 ? len : sizeof buf - 2), fs);
    if (strstr(buf, "+avx512f,"))
        return 512;
    if (strstr(buf, "+avx,") || strstr(buf, "+avx2,"))
        return 256;
    return 128;
}

static LLVMValueRef shuffle(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef v, unsigned first, unsigned n)
{
    LLVMValueRef lanes[128];
    unsigned have = LLVMGetVectorSize(LLVMTypeOf(v));
    for (unsigned i = 0; i < n; i++)
        lanes[i] = first + i < have ? LLVMConstInt(LLVMInt32TypeInContext(ctx), first + i, 0)
                                    : LLVMGetPoison(LLVMInt32TypeInContext(ctx));
    return LLVMBuildShuffleVector(b, v, LLVMGetPoison(LLVMTypeOf(v)), LLVMConstVector(lanes, n), "");
}

/* Replace one keep call by `asm sideeffect ""` taking its operand in
 * registers: a vector narrower than 128 bits widened to 128 (64-bit
 * vectors would otherwise go to MMX registers), a wider one than the
 * target's registers split. */
/* The value a keep needs: the vectorisers hand it lanes picked out of a
 * wider load (an interleaved group's shufflevector, an extractelement);
 * keeping the load itself needs no shuffle. */
static LLVMValueRef kept_source(LLVMValueRef v)
{
    for (int depth = 0; depth < 4; depth++) {
        LLVMValueRef src = NULL;
        if (LLVMIsAShuffleVectorInst(v)) {
            LLVMValueRef b2 = LLVMGetOperand(v, 1);
            if (LLVMIsUndef(b2) || LLVMIsPoison(b2))
                src = LLVMGetOperand(v, 0);
        } else if (LLVMIsAExtractElementInst(v) || LLVMIsABitCastInst(v)) {
            src = LLVMGetOperand(v, 0);
        }
        if (!src || (!LLVMIsALoadInst(src) && !LLVMIsAShuffleVectorInst(src) &&
                     !LLVMIsAExtractElementInst(src) && !LLVMIsABitCastInst(src)))
            break;
        v = src;
    }
    return LLVMIsALoadInst(v) ? v : NULL;
}

/* Is `v` already kept by an empty asm in block bb? */
static bool already_kept(LLVMValueRef v, LLVMBasicBlockRef bb)
{
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (LLVMIsACallInst(user) && LLVMGetInstructionParent(user) == bb &&
            LLVMIsAInlineAsm(LLVMGetCalledValue(user)))
            return true;
    }
    return false;
}

/* Floating-point arithmetic that uses every bit of its operands: no
 * combine narrows the load feeding it (integer masks, shifts and lane
 * extracts do: a narrowed load need not reach the guard page). */
static bool full_fp_op(LLVMValueRef u)
{
    switch (LLVMGetInstructionOpcode(u)) {
    case LLVMFAdd: case LLVMFSub: case LLVMFMul: case LLVMFDiv: case LLVMFCmp: case LLVMBitCast:
        return true;
    case LLVMCall: {
        LLVMValueRef fn = LLVMGetCalledValue(u);
        size_t n = 0;
        const char *name = LLVMIsAFunction(fn) ? LLVMGetValueName2(fn, &n) : "";
        return !strncmp(name, "llvm.sqrt.", 10) || !strncmp(name, "llvm.fma.", 9) ||
               !strncmp(name, "llvm.fmuladd.", 13);
    }
    default:
        return false;
    }
}

static unsigned type_bits(LLVMTypeRef t)
{
    if (LLVMGetTypeKind(t) == LLVMVectorTypeKind)
        return LLVMGetVectorSize(t) * scalar_bits(LLVMGetElementType(t));
    return scalar_bits(t);
}

/* Does `v` reach, in block bb and through full_fp_op instructions only, a
 * store of a value at least `bits` wide or a conditional branch? Then the
 * code generator needs all of v in bb (a store and a terminator stay where
 * they are, and so does every instruction they need). */
static bool anchored(LLVMValueRef v, LLVMBasicBlockRef bb, unsigned bits, int depth)
{
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (!LLVMIsAInstruction(user) || LLVMGetInstructionParent(user) != bb)
            continue;
        if (LLVMIsAStoreInst(user) && LLVMGetOperand(user, 0) == v && type_bits(LLVMTypeOf(v)) >= bits)
            return true;
        if (LLVMIsABranchInst(user) && LLVMIsConditional(user) && LLVMGetCondition(user) == v)
            return true;
        if (depth < 6 && full_fp_op(user) && LLVMGetTypeKind(LLVMTypeOf(user)) != LLVMVoidTypeKind &&
            anchored(user, bb, bits, depth + 1))
            return true;
    }
    return false;
}

/* Do a and b compute the same value by the same instructions (so the
 * code generator could merge them)? Unknown counts as the same. */
static bool same_expr(LLVMValueRef a, LLVMValueRef b, int depth)
{
    if (a == b)
        return true;
    if (!LLVMIsAInstruction(a) || !LLVMIsAInstruction(b))
        return LLVMIsAConstant(a) && LLVMIsAConstant(b) ? a == b : false;
    if (LLVMGetInstructionOpcode(a) != LLVMGetInstructionOpcode(b) ||
        LLVMGetNumOperands(a) != LLVMGetNumOperands(b) || LLVMIsAPHINode(a))
        return false;
    if (depth >= 6)
        return true;
    for (int i = 0; i < LLVMGetNumOperands(a); i++)
        if (!same_expr(LLVMGetOperand(a, i), LLVMGetOperand(b, i), depth + 1))
            return false;
    return true;
}

/* Is integer load `load` an operand of an `icmp eq/ne` that is the
 * condition of bb's branch, compared with a value that is neither a
 * constant nor a load of the same address? Then the code generator needs
 * every bit of it in bb: an equality test of two unknown values demands
 * all bits (no combine narrows the load, as one may for a compare with a
 * constant or through a mask), and the branch stays. */
static bool compared(LLVMValueRef load, LLVMBasicBlockRef bb)
{
    LLVMValueRef term = LLVMGetBasicBlockTerminator(bb);
    if (!term || !LLVMIsABranchInst(term) || !LLVMIsConditional(term))
        return false;
    LLVMValueRef cmp = LLVMGetCondition(term);
    if (!LLVMIsAICmpInst(cmp) || LLVMGetInstructionParent(cmp) != bb)
        return false;
    LLVMIntPredicate p = LLVMGetICmpPredicate(cmp);
    if (p != LLVMIntEQ && p != LLVMIntNE)
        return false;
    LLVMValueRef a = LLVMGetOperand(cmp, 0), b = LLVMGetOperand(cmp, 1);
    LLVMValueRef other = a == load ? b : b == load ? a : NULL;
    if (!other || other == load || LLVMIsAConstant(other))
        return false;
    return !(LLVMIsALoadInst(other) && same_expr(LLVMGetOperand(other, 0), LLVMGetOperand(load, 0), 0));
}

/* A keep is redundant when its load (a float, double or vector load, in
 * the keep's block) feeds floating-point arithmetic that a store or a
 * branch of the same block needs: the load stays, whole, in its block.
 * Dropping those keeps lets the code generator fold the load into the
 * arithmetic (mulpd (mem), ...). An integer load's keep is redundant only
 * when the load is compared for equality by the branch ending its block
 * (compared): cmp (mem) in zlib's longest_match. */
static bool keep_redundant(LLVMValueRef call)
{
    LLVMValueRef v = LLVMGetOperand(call, 0);
    LLVMValueRef load = LLVMIsALoadInst(v) ? v : kept_source(v);
    LLVMBasicBlockRef bb = LLVMGetInstructionParent(call);
    if (!load || LLVMGetInstructionParent(load) != bb || LLVMGetVolatile(load))
        return false;
    LLVMTypeRef t = LLVMTypeOf(load);
    LLVMTypeKind k = LLVMGetTypeKind(t);
    if (k == LLVMIntegerTypeKind)
        return compared(load, bb);
    if (k != LLVMFloatTypeKind && k != LLVMDoubleTypeKind && k != LLVMVectorTypeKind)
        return false;
    unsigned bits = type_bits(t);
    return bits && anchored(load, bb, bits, 0);
}

/* Erase a keep call, and the cast that only fed it. */
static void erase_keep(LLVMValueRef call)
{
    LLVMValueRef op = LLVMGetOperand(call, 0);
    LLVMInstructionEraseFromParent(call);
    if ((LLVMIsABitCastInst(op) || LLVMIsAPtrToIntInst(op)) && !LLVMGetFirstUse(op))
        LLVMInstructionEraseFromParent(op);
}

static void replace_call(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef call, bool arm, unsigned maxbits)
{
    if (LLVMGetFirstUse(call))     /* llvm.annotation returns its operand */
        LLVMReplaceAllUsesWith(call, LLVMGetOperand(call, 0));
    /* vmctx kept through optimisation: done (in callers it was inlined
     * into, it would only pin a register) */
    if (keeps_vmctx(call) || keep_redundant(call)) {
        erase_keep(call);
        return;
    }
    LLVMValueRef v = LLVMGetOperand(call, 0);
    LLVMValueRef src = kept_source(v);
    if (src && LLVMGetInstructionParent(src) == LLVMGetInstructionParent(call)) {
        v = src;
        if (already_kept(v, LLVMGetInstructionParent(call))) {
            erase_keep(call);
            return;
        }
    }
    LLVMTypeRef t = LLVMTypeOf(v);
    LLVMPositionBuilderBefore(b, call);
    LLVMValueRef ops[16];
    unsigned nops = 0;
    if (LLVMGetTypeKind(t) == LLVMVectorTypeKind) {
        unsigned n = LLVMGetVectorSize(t), eb = scalar_bits(LLVMGetElementType(t));
        if (!eb)
            eb = 8;
        if (n * eb < 128) {
            ops[nops++] = shuffle(b, ctx, v, 0, 128 / eb);
        } else if (n * eb > maxbits) {
            unsigned per = maxbits / eb;
            for (unsigned i = 0; i < n && nops < 16; i += per)
                ops[nops++] = shuffle(b, ctx, v, i, per);
        } else {
            ops[nops++] = v;
        }
    } else {
        ops[nops++] = v;
    }
    bool is_int = LLVMGetTypeKind(t) == LLVMIntegerTypeKind;
    const char *one = is_int ? "r" : arm ? "w" : "x";
    char cons[64] = "";
    LLVMTypeRef tys[16];
    for (unsigned i = 0; i < nops; i++) {
        if (i)
            strcat(cons, ",");
        strcat(cons, one);
        tys[i] = LLVMTypeOf(ops[i]);
    }
    LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), tys, nops, 0);
    LLVMValueRef as = LLVMGetInlineAsm(fty, "", 0, cons, strlen(cons), 1, 0, LLVMInlineAsmDialectATT, 0);
    LLVMValueRef nc = LLVMBuildCall2(b, fty, as, ops, nops, "");
    unsigned mem = LLVMGetEnumAttributeKindForName("memory", 6);
    LLVMAddCallSiteAttribute(nc, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, mem, 3u << 2));
    unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    LLVMAddCallSiteAttribute(nc, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, nounwind, 0));
    erase_keep(call);
}

#define ROOT_NAME "wacc.root"

LLVMValueRef lower_root_copy(LLVMBuilderRef b, LLVMModuleRef mod, LLVMValueRef base, unsigned id)
{
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef ptr = LLVMTypeOf(base), i32 = LLVMInt32TypeInContext(ctx);
    LLVMTypeRef params[2] = { ptr, i32 };
    LLVMTypeRef fty = LLVMFunctionType(ptr, params, 2, 0);
    LLVMValueRef fn = LLVMGetNamedFunction(mod, ROOT_NAME);
    if (!fn) {
        fn = LLVMAddFunction(mod, ROOT_NAME, fty);
        /* memory(none) nounwind willreturn nosync nofree: moves and
         * combines freely, and costs its callers no inferred attribute */
        const char *names[] = { "memory", "nounwind", "willreturn", "nosync", "nofree" };
        for (unsigned i = 0; i < 5; i++) {
            unsigned k = LLVMGetEnumAttributeKindForName(names[i], strlen(names[i]));
            LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, k, 0));
        }
    }
    LLVMValueRef args[2] = { base, LLVMConstInt(i32, id, 0) };
    return LLVMBuildCall2(b, fty, fn, args, 2, "root");
}

/* Every wacc.root call becomes its base operand again. */
static void finish_roots(LLVMModuleRef mod)
{
    LLVMValueRef fn = LLVMGetNamedFunction(mod, ROOT_NAME);
    if (!fn)
        return;
    LLVMUseRef u = LLVMGetFirstUse(fn);
    while (u) {
        LLVMUseRef nu = LLVMGetNextUse(u);
        LLVMValueRef call = LLVMGetUser(u);
        if (LLVMIsACallInst(call) && LLVMGetCalledValue(call) == fn) {
            LLVMReplaceAllUsesWith(call, LLVMGetOperand(call, 0));
            LLVMInstructionEraseFromParent(call);
        }
        u = nu;
    }
    if (!LLVMGetFirstUse(fn))
        LLVMDeleteFunction(fn);
}

void wacc_keep_finish(LLVMModuleRef mod)
{
    finish_roots(mod);
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    const char *triple = LLVMGetTarget(mod);
    bool arm = triple && strncmp(triple, "aarch64", 7) == 0;
    unsigned nused = 0;
    LLVMValueRef *used = used_list(mod, false, &nused);
    if (used)
        set_used(mod, used, nused);
    free(used);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    LLVMValueRef fn = LLVMGetFirstFunction(mod);
    while (fn) {
        LLVMValueRef next = LLVMGetNextFunction(fn);
        if (is_keep(fn)) {
            /* the calls; the only other user is the initializer of the
             * @llvm.compiler.used that set_used replaced (a dead
             * constant, cleared by the RAUW below) */
            LLVMUseRef u = LLVMGetFirstUse(fn);
            while (u) {
                LLVMUseRef nu = LLVMGetNextUse(u);
                LLVMValueRef call = LLVMGetUser(u);
                if (LLVMIsACallInst(call) && LLVMGetCalledValue(call) == fn) {
                    LLVMValueRef caller = LLVMGetBasicBlockParent(LLVMGetInstructionParent(call));
                    replace_call(b, ctx, call, arm, vector_bits(caller, arm));
                }
                u = nu;
            }
            if (LLVMGetFirstUse(fn))
                LLVMReplaceAllUsesWith(fn, LLVMConstNull(LLVMTypeOf(fn)));
            LLVMDeleteFunction(fn);
        }
        fn = next;
    }
    LLVMDisposeBuilder(b);
}
