/*
 * lower_interrupt.c — the interruption checks (wacc/abi.h, struct
 * wacc_limits): a test of the engine's epoch at every loop header and at
 * the entry of every function that calls.
 *
 * They are inserted into the *optimised* module, just before code
 * generation (wacc_insert_interrupt_checks, called by emit): a check inside
 * a loop holds a call (the cold interrupt libcall), and a call in a loop
 * stops LLVM from vectorising it and from hoisting memory loads out of it.
 * Inserted afterwards, a vectorised loop tests once per vector iteration and
 * the loops keep every optimisation.
 *
 * To find each function's vmctx and wasm index after optimisation (inlining
 * and argument promotion may change signatures of internal functions), the
 * lowering puts an anchor call at the entry of every wasm function:
 *
 *     call void @wacc.intr.anchor(ptr %vmctx, i32 func_index)
 *
 * declared as touching only inaccessible memory, so it costs nothing to the
 * optimiser but keeps %vmctx an argument of a call. This pass reads the
 * anchors, removes them (and the declaration: the .so must have no
 * undefined symbols), then, in each function that had one:
 *   - a new entry block loads vmctx->limits and limits->epoch;
 *   - if the function calls anything (not an intrinsic, not a noreturn trap),
 *     the new entry block tests the epoch;
 *   - every back edge B -> H of the CFG (found by depth-first search: every
 *     cycle has one) is split by a test block C:
 *         C: e = load atomic monotonic *epoch; d = load limits->epoch_deadline
 *            br (e >= d), S, H        ; weighted never taken
 *         S: libcalls->interrupt(vmctx, func_index, 0); br C
 *     and H's phis take from C what they took from B.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "lower.h"

#define ANCHOR_NAME "wacc.intr.anchor"

LLVMValueRef lower_interrupt_anchor(LLVMModuleRef mod)
{
    LLVMValueRef f = LLVMGetNamedFunction(mod, ANCHOR_NAME);
    if (f)
        return f;
    LLVMContextRef C = LLVMGetModuleContext(mod);
    LLVMTypeRef ps[2] = { LLVMPointerTypeInContext(C, 0), LLVMInt32TypeInContext(C) };
    f = LLVMAddFunction(mod, ANCHOR_NAME, LLVMFunctionType(LLVMVoidTypeInContext(C), ps, 2, 0));
    /* memory(inaccessiblemem: readwrite): the int encoding of MemoryEffects
     * is not in the C API, so use the string form through the IR parser's
     * names: nounwind, willreturn, and inaccessiblememonly-equivalent. */
    const char *attrs[] = { "nounwind", "willreturn", "nocallback", "nosync" };
    for (unsigned i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        unsigned k = LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i]));
        if (k)
            LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(C, k, 0));
    }
    unsigned mk = LLVMGetEnumAttributeKindForName("memory", 6);
    if (mk) /* MemoryEffects: 2 bits per location (argmem, inaccessiblemem, other); inaccessible = bits 2..3 */
        LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(C, mk, 3u << 2));
    return f;
}

/* ---- a pointer set of basic blocks (open addressing) ---- */

typedef struct bbmap {
    LLVMBasicBlockRef *keys;
    uint32_t *vals;
    uint32_t cap;               /* power of two */
} bbmap;

static uint32_t bb_hash(LLVMBasicBlockRef b, uint32_t cap)
{
    uintptr_t x = (uintptr_t)b;
    x ^= x >> 17;
    x *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(x >> 32) & (cap - 1);
}

static bool bbmap_init(bbmap *m, uint32_t n)
{
    m->cap = 16;
    while (m->cap < 2 * n + 2)
        m->cap *= 2;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    return m->keys && m->vals;
}

static void bbmap_put(bbmap *m, LLVMBasicBlockRef b, uint32_t v)
{
    uint32_t i = bb_hash(b, m->cap);
    while (m->keys[i] && m->keys[i] != b)
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = b;
    m->vals[i] = v;
}

static uint32_t bbmap_get(const bbmap *m, LLVMBasicBlockRef b)
{
    uint32_t i = bb_hash(b, m->cap);
    while (m->keys[i]) {
        if (m->keys[i] == b)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return UINT32_MAX;
}

static void bbmap_free(bbmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* ---- per function ---- */

typedef struct edge { uint32_t from, to; } edge;

typedef struct fnctx {
    LLVMContextRef C;
    LLVMModuleRef mod;
    LLVMValueRef fn, vmctx;
    uint32_t func_index;
    LLVMBuilderRef b;
    LLVMTypeRef i1, i32, i64, ptr, vd;
    LLVMValueRef limits, epoch;
    unsigned md_prof;
    LLVMValueRef unlikely;
} fnctx;

static LLVMValueRef load_at(fnctx *f, LLVMTypeRef ty, LLVMValueRef base, size_t off)
{
    LLVMValueRef o = LLVMConstInt(f->i64, off, 0);
    LLVMValueRef p = LLVMBuildGEP2(f->b, LLVMInt8TypeInContext(f->C), base, &o, 1, "");
    return LLVMBuildLoad2(f->b, ty, p, "");
}

/* Emit the test at the end of block `cur` (no terminator yet): branch to
 * `cont` normally, through a slow block calling the libcall (then back to
 * the test) when the epoch has reached the deadline. */
static void emit_test(fnctx *f, LLVMBasicBlockRef cur, LLVMBasicBlockRef cont)
{
    LLVMPositionBuilderAtEnd(f->b, cur);
    LLVMValueRef e = LLVMBuildLoad2(f->b, f->i64, f->epoch, "epoch");
    LLVMSetOrdering(e, LLVMAtomicOrderingMonotonic);
    LLVMSetAlignment(e, 8);
    LLVMValueRef d = load_at(f, f->i64, f->limits, offsetof(struct wacc_limits, epoch_deadline));
    LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntUGE, e, d, "");
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.slow");
    LLVMValueRef br = LLVMBuildCondBr(f->b, c, slow, cont);
    LLVMSetMetadata(br, f->md_prof, f->unlikely);

    LLVMPositionBuilderAtEnd(f->b, slow);
    LLVMValueRef lc = load_at(f, f->ptr, f->vmctx, offsetof(struct wacc_vmctx, libcalls));
    LLVMValueRef fp = load_at(f, f->ptr, lc, offsetof(struct wacc_libcalls, interrupt));
    LLVMTypeRef ps[3] = { f->ptr, f->i32, f->i32 };
    LLVMValueRef as[3] = { f->vmctx, LLVMConstInt(f->i32, f->func_index, 0), LLVMConstInt(f->i32, 0, 0) };
    LLVMValueRef call = LLVMBuildCall2(f->b, LLVMFunctionType(f->vd, ps, 3, 0), fp, as, 3, "");
    unsigned cold = LLVMGetEnumAttributeKindForName("cold", 4);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(f->C, cold, 0));
    LLVMBuildBr(f->b, cur);
}

/* In every phi of `h`, the incoming block `from` becomes `to` (one entry:
 * `from` may have reached h through several edges). LLVM-C cannot change an
 * incoming block, so each phi is rebuilt. */
static void retarget_phis(fnctx *f, LLVMBasicBlockRef h, LLVMBasicBlockRef from, LLVMBasicBlockRef to)
{
    for (LLVMValueRef i = LLVMGetFirstInstruction(h), next; i && LLVMIsAPHINode(i); i = next) {
        next = LLVMGetNextInstruction(i);
        unsigned n = LLVMCountIncoming(i);
        LLVMPositionBuilderBefore(f->b, i);
        LLVMValueRef np = LLVMBuildPhi(f->b, LLVMTypeOf(i), "");
        bool added = false;
        for (unsigned k = 0; k < n; k++) {
            LLVMValueRef v = LLVMGetIncomingValue(i, k);
            LLVMBasicBlockRef bb = LLVMGetIncomingBlock(i, k);
            if (bb == from) {
                if (added)
                    continue;
                added = true;
                bb = to;
            }
            LLVMAddIncoming(np, &v, &bb, 1);
        }
        LLVMReplaceAllUsesWith(i, np);
        LLVMInstructionEraseFromParent(i);
    }
}

static bool is_real_call(LLVMValueRef i)
{
    if (!LLVMIsACallInst(i))
        return false;
    LLVMValueRef callee = LLVMGetCalledValue(i);
    if (LLVMIsAFunction(callee)) {
        if (LLVMGetIntrinsicID(callee))
            return false;
        unsigned nr = LLVMGetEnumAttributeKindForName("noreturn", 8);
        if (LLVMGetEnumAttributeAtIndex(callee, LLVMAttributeFunctionIndex, nr))
            return false;
    }
    unsigned nr = LLVMGetEnumAttributeKindForName("noreturn", 8);
    return !LLVMGetCallSiteEnumAttribute(i, LLVMAttributeFunctionIndex, nr);
}

/* Back edges by iterative DFS from the entry. */
static edge *back_edges(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, uint32_t *nedges)
{
    uint8_t *state = calloc(n, 1);          /* 0 new, 1 on stack, 2 done */
    uint32_t *stk = malloc(n * sizeof *stk), *pos = calloc(n, sizeof *pos);
    uint32_t cap = 8, ne = 0, sp = 0;
    edge *es = malloc(cap * sizeof *es);
    if (!state || !stk || !pos || !es)
        goto oom;
    stk[sp++] = 0;
    state[0] = 1;
    while (sp) {
        uint32_t u = stk[sp - 1];
        LLVMValueRef t = LLVMGetBasicBlockTerminator(bbs[u]);
        unsigned ns = t ? LLVMGetNumSuccessors(t) : 0;
        if (pos[u] < ns) {
            uint32_t v = bbmap_get(idx, LLVMGetSuccessor(t, pos[u]++));
            if (v == UINT32_MAX)
                continue;
            if (state[v] == 0) {
                state[v] = 1;
                stk[sp++] = v;
            } else if (state[v] == 1) {
                bool dup = false;
                for (uint32_t k = 0; k < ne; k++)
                    dup |= es[k].from == u && es[k].to == v;
                if (dup)
                    continue;
                if (ne == cap) {
                    edge *g = realloc(es, (cap *= 2) * sizeof *es);
                    if (!g)
                        goto oom;
                    es = g;
                }
                es[ne++] = (edge){ u, v };
            }
        } else {
            state[u] = 2;
            sp--;
        }
    }
    free(state);
    free(stk);
    free(pos);
    *nedges = ne;
    return es;
oom:
    free(state);
    free(stk);
    free(pos);
    free(es);
    return NULL;
}

static bool instrument(fnctx *f, LLVMValueRef anchor_fn)
{
    /* the anchors: take vmctx and the index from the one in the entry
     * block, delete all (inlined callees bring theirs) */
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(f->fn);
    bool has_call = false;
    f->vmctx = NULL;
    for (LLVMBasicBlockRef bb = entry; bb; bb = LLVMGetNextBasicBlock(bb)) {
        for (LLVMValueRef i = LLVMGetFirstInstruction(bb), next; i; i = next) {
            next = LLVMGetNextInstruction(i);
            if (LLVMIsACallInst(i) && LLVMGetCalledValue(i) == anchor_fn) {
                if (!f->vmctx && bb == entry) {
                    f->vmctx = LLVMGetOperand(i, 0);
                    f->func_index = (uint32_t)LLVMConstIntGetZExtValue(LLVMGetOperand(i, 1));
                }
                LLVMInstructionEraseFromParent(i);
            } else if (!has_call && is_real_call(i)) {
                has_call = true;
            }
        }
    }
    if (!f->vmctx)
        return true;            /* not a wasm function (or its anchor is gone) */

    uint32_t n = LLVMCountBasicBlocks(f->fn);
    LLVMBasicBlockRef *bbs = malloc(n * sizeof *bbs);
    bbmap idx = { 0 };
    if (!bbs || !bbmap_init(&idx, n)) {
        free(bbs);
        bbmap_free(&idx);
        return false;
    }
    LLVMGetBasicBlocks(f->fn, bbs);
    for (uint32_t i = 0; i < n; i++)
        bbmap_put(&idx, bbs[i], i);
    uint32_t ne = 0;
    edge *es = back_edges(bbs, n, &idx, &ne);
    bbmap_free(&idx);
    if (!es) {
        free(bbs);
        return false;
    }
    if (ne == 0 && !has_call) {
        free(es);
        free(bbs);
        return true;
    }

    /* New entry block: hoisted loads (and the entry test); static allocas
     * move along so they stay in the entry block. */
    LLVMBasicBlockRef ne_bb = LLVMInsertBasicBlockInContext(f->C, entry, "intr.entry");
    LLVMPositionBuilderAtEnd(f->b, ne_bb);
    for (LLVMValueRef i = LLVMGetFirstInstruction(entry), next; i; i = next) {
        next = LLVMGetNextInstruction(i);
        if (LLVMIsAAllocaInst(i)) {
            LLVMInstructionRemoveFromParent(i);
            LLVMInsertIntoBuilder(f->b, i);
        }
    }
    f->limits = load_at(f, f->ptr, f->vmctx, offsetof(struct wacc_vmctx, limits));
    f->epoch = load_at(f, f->ptr, f->limits, offsetof(struct wacc_limits, epoch));
    LLVMPositionBuilderAtEnd(f->b, ne_bb);
    if (has_call) {
        LLVMBasicBlockRef test = LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.call");
        LLVMBuildBr(f->b, test);
        emit_test(f, test, entry);
    } else {
        LLVMBuildBr(f->b, entry);
    }

    for (uint32_t k = 0; k < ne; k++) {
        LLVMBasicBlockRef from = bbs[es[k].from], to = bbs[es[k].to];
        LLVMBasicBlockRef test = LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.loop");
        LLVMValueRef t = LLVMGetBasicBlockTerminator(from);
        for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++)
            if (LLVMGetSuccessor(t, s) == to)
                LLVMSetSuccessor(t, s, test);
        emit_test(f, test, to);
        retarget_phis(f, to, from, test);
    }
    free(es);
    free(bbs);
    return true;
}

bool wacc_insert_interrupt_checks(LLVMModuleRef mod)
{
    LLVMValueRef anchor = LLVMGetNamedFunction(mod, ANCHOR_NAME);
    if (!anchor)
        return true;
    fnctx f;
    memset(&f, 0, sizeof f);
    f.C = LLVMGetModuleContext(mod);
    f.mod = mod;
    f.b = LLVMCreateBuilderInContext(f.C);
    f.i1 = LLVMInt1TypeInContext(f.C);
    f.i32 = LLVMInt32TypeInContext(f.C);
    f.i64 = LLVMInt64TypeInContext(f.C);
    f.ptr = LLVMPointerTypeInContext(f.C, 0);
    f.vd = LLVMVoidTypeInContext(f.C);
    f.md_prof = LLVMGetMDKindIDInContext(f.C, "prof", 4);
    LLVMMetadataRef w[3] = {
        LLVMMDStringInContext2(f.C, "branch_weights", 14),
        LLVMValueAsMetadata(LLVMConstInt(f.i32, 1, 0)),
        LLVMValueAsMetadata(LLVMConstInt(f.i32, 1u << 20, 0)),
    };
    f.unlikely = LLVMMetadataAsValue(f.C, LLVMMDNodeInContext2(f.C, w, 3));
    bool ok = true;
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn && ok; fn = LLVMGetNextFunction(fn)) {
        if (LLVMIsDeclaration(fn))
            continue;
        f.fn = fn;
        ok = instrument(&f, anchor);
    }
    LLVMDisposeBuilder(f.b);
    if (ok) {
        /* every use is gone unless a function kept one we did not visit */
        if (!LLVMGetFirstUse(anchor))
            LLVMDeleteFunction(anchor);
        else
            ok = false;
    }
    return ok;
}
