/*
 * lower_jam.c — two iterations of an outer loop at once around a pure inner
 * loop that leaves on a data-dependent test (mandelbrot's escape loop:
 * `for (x ...) { cr = f(x); for (i = 0; i < 200 && |z| <= 2; i++) z = z² + c;
 * count += i == 200; }`). Such an inner loop is one chain of dependent
 * floating-point operations: each iteration waits for the last (9 cycles on
 * Zen for z² + c without FMA, which wasm cannot fuse), and the core's other
 * units idle. The iterations x and x + 1 are independent, so they run
 * interleaved, step by step, in one loop: two chains in flight.
 *
 * Runs on the optimised module, before the interruption checks (so the
 * joint loop gets them like any loop). The outer loop X of header h:
 *   - h's one back edge comes from the latch lt; one predecessor outside;
 *   - a prefix: h (its phis, then code) and a chain of blocks, each
 *     ending in an unconditional branch, to the inner loop's header hi;
 *   - the inner loop I: innermost, one latch li, every exit to the suffix;
 *   - the suffix S: the rest of X, no loop in it; lt in S ends in
 *     `br c, h, out` (either order), c an icmp of h's induction variables
 *     (phis p whose value from lt is p + d, d constant), their next
 *     values, and values from outside X;
 *   - the prefix and I pure: no memory access, no call but a few pure
 *     intrinsics, no division (it could trap), no branch out of X; they
 *     use of h's phis only its induction variables; I does floating-point
 *     arithmetic (latency-bound: what the interleaving is for);
 *   - a value of X used outside it: in a phi of an exit on an edge from X,
 *     or else X has one exit block E besides dead ends (traps), with every
 *     predecessor in X; E gets a phi of the copies' values.
 * B is the iteration after A (h's induction variables + d). Whether it runs
 * at all is known at h: c computed for A's next values (B-valid). Then:
 *
 *     h:   phis; B-valid ? J : H2           H2...: the loop as it was
 *     J:   prefix(A), prefix(B)
 *     CH:  phis stA, stB                    A-step: I once for A (from stA)
 *          A-step --leaves--> exA -> epi    B-step: I once for B (from stB)
 *          A-step --latch--> B-step --leaves--> exB -> epi
 *          B-step --latch--> CH
 *     epi: A's and B's states at the start of an iteration of I (a lane
 *          that left mid-step restarts that step: I is pure)
 *          A-tail (I from A's state) -> A-suffix (S) -> B-tail (I from
 *          B's state) -> B-suffix (S, h's phis read as A's latch passed
 *          them) -> h
 * A's suffix runs before B's tail, so what the original did between the
 * two inner loops (stores, calls, a trap, leaving the loop) happens in the
 * same order; B's speculative part (its prefix and steps, before A's suffix
 * is known to reach lt) computes only, with the flags that could make a
 * value poison (nsw, nuw, exact, disjoint, nneg) taken off. A lane whose
 * inner loop does not end keeps running in a loop that polls, as in the
 * original.
 *
 * WACC_NO_JAM=1 turns it off (lower_interrupt.c; debugging, A/B);
 * tests/limits/jam.wat checks shapes that are and are not interleaved.
 */
#include <stdlib.h>
#include <string.h>

#include "lower_loops.h"

#define JAM_INNER_INSNS 160       /* the largest inner loop interleaved */
#define JAM_SUFFIX_INSNS 160
#define JAM_PREFIX_INSNS 64
#define JAM_CHAIN 8               /* prefix blocks */
#define JAM_PER_FUNC 4

enum { OUT = 0, PRE = 1, INNER = 2, SUF = 3 };

typedef struct jam {
    LLVMContextRef C;
    LLVMValueRef fn;
    LLVMBuilderRef b;
    unsigned md_loop;
    fn_cfg f;                   /* the function's CFG */
    uint32_t *work;
    uint8_t *in;
    /* the plan */
    uint8_t *part;              /* per block: OUT, PRE, INNER, SUF */
    uint32_t h, hi, lt, li, pi; /* pi: the last prefix block (hi's preheader) */
    uint32_t chain[JAM_CHAIN], nchain;
    uint32_t exit;              /* E, when values are used past X */
    bool repair;
    /* X's instructions, numbered */
    bbmap ins;
    uint32_t nins;
    LLVMValueRef *insv;
} jam;

static void jam_free_cfg(jam *J)
{
    fn_cfg_free(&J->f);
    bbmap_free(&J->ins);
    free(J->work);
    free(J->in);
    free(J->part);
    free(J->insv);
    J->work = NULL;
    J->in = J->part = NULL;
    J->insv = NULL;
}

static bool jam_cfg(jam *J)
{
    memset(&J->ins, 0, sizeof J->ins);
    if (!fn_cfg_build(J->fn, &J->f))
        return false;
    J->work = malloc((J->f.n + 1) * sizeof *J->work);
    J->in = malloc(J->f.n + 1);
    J->part = malloc(J->f.n + 1);
    return J->work && J->in && J->part;
}

static uint32_t block_of(const jam *J, LLVMValueRef i)
{
    return bbmap_get(&J->f.idx, LLVMGetInstructionParent(i));
}

/* the part of X that defines v (OUT: not an instruction of X) */
static int part_of(const jam *J, LLVMValueRef v)
{
    if (!v || !LLVMIsAInstruction(v))
        return OUT;
    uint32_t u = block_of(J, v);
    return u == UINT32_MAX ? OUT : J->part[u];
}

static uint32_t npreds(const jam *J, uint32_t u)
{
    return J->f.pstart[u + 1] - J->f.pstart[u];
}

/* intrinsics without side effects that cannot trap */
static bool pure_call(LLVMValueRef call)
{
    static const char *const ok[] = {
        "llvm.fabs.", "llvm.sqrt.", "llvm.copysign.", "llvm.minnum.", "llvm.maxnum.", "llvm.minimum.",
        "llvm.maximum.", "llvm.floor.", "llvm.ceil.", "llvm.trunc.", "llvm.rint.", "llvm.nearbyint.",
        "llvm.roundeven.", "llvm.ctlz.", "llvm.cttz.", "llvm.ctpop.", "llvm.fshl.", "llvm.fshr.",
        "llvm.umin.", "llvm.umax.", "llvm.smin.", "llvm.smax.", "llvm.abs.", "llvm.bswap.",
        "llvm.bitreverse.",
    };
    LLVMValueRef f = LLVMGetCalledValue(call);
    if (!f || !LLVMIsAFunction(f))
        return false;
    size_t len = 0;
    const char *name = LLVMGetValueName2(f, &len);
    for (size_t k = 0; k < sizeof ok / sizeof *ok; k++)
        if (len > strlen(ok[k]) && strncmp(name, ok[k], strlen(ok[k])) == 0)
            return true;
    return false;
}

/* may i run speculatively, any number of times? */
static bool pure(LLVMValueRef i, bool *fp)
{
    switch (LLVMGetInstructionOpcode(i)) {
    case LLVMFAdd: case LLVMFSub: case LLVMFMul: case LLVMFDiv: case LLVMFRem:
        *fp = true;
        return true;
    case LLVMAdd: case LLVMSub: case LLVMMul: case LLVMShl: case LLVMLShr: case LLVMAShr:
    case LLVMAnd: case LLVMOr: case LLVMXor: case LLVMFNeg:
    case LLVMTrunc: case LLVMZExt: case LLVMSExt: case LLVMFPToUI: case LLVMFPToSI:
    case LLVMUIToFP: case LLVMSIToFP: case LLVMFPTrunc: case LLVMFPExt: case LLVMBitCast:
    case LLVMICmp: case LLVMFCmp: case LLVMSelect: case LLVMPHI: case LLVMFreeze:
    case LLVMExtractElement: case LLVMInsertElement: case LLVMShuffleVector:
    case LLVMBr: case LLVMSwitch:
        return true;
    case LLVMCall:
        return pure_call(i);
    default:
        return false;
    }
}

/* take off the flags that make a value poison when their promise fails */
static void strip_flags(LLVMValueRef c)
{
    switch (LLVMGetInstructionOpcode(c)) {
    case LLVMAdd: case LLVMSub: case LLVMMul: case LLVMShl:
        LLVMSetNSW(c, 0);
        LLVMSetNUW(c, 0);
        break;
    case LLVMLShr: case LLVMAShr:
        LLVMSetExact(c, 0);
        break;
    case LLVMOr:
        LLVMSetIsDisjoint(c, 0);
        break;
    case LLVMZExt: case LLVMUIToFP:
        LLVMSetNNeg(c, 0);
        break;
    default:
        break;
    }
}

static bool is_iv(const jam *J, LLVMValueRef p, uint64_t *d)
{
    LLVMValueRef next = phi_from(p, J->f.bbs[J->lt]);
    return LLVMGetTypeKind(LLVMTypeOf(p)) == LLVMIntegerTypeKind && next && next != p &&
           offset_of(next, p, d) && *d != 0;
}

/* an operand of the latch's test: from outside X, an induction variable
 * of h, or such a variable's next value */
static bool test_operand(const jam *J, LLVMValueRef v)
{
    uint64_t d;
    if (part_of(J, v) == OUT)
        return true;
    if (block_of(J, v) == J->h && LLVMIsAPHINode(v))
        return is_iv(J, v, &d);
    for (LLVMValueRef p = LLVMGetFirstInstruction(J->f.bbs[J->h]); p && LLVMIsAPHINode(p);
         p = LLVMGetNextInstruction(p))
        if (is_iv(J, p, &d) && phi_from(p, J->f.bbs[J->lt]) == v)
            return true;
    return false;
}

/* Can the loop of header h be interleaved (see the header comment)? Fills
 * J's plan. */
static bool plan(jam *J, uint32_t h)
{
    if (!loop_blocks(J->f.n, J->f.pstart, J->f.pred, J->f.es, J->f.ne, h, J->in, J->work))
        return false;
    J->h = h;
    J->lt = J->hi = J->li = UINT32_MAX;
    for (uint32_t j = 0; j < J->f.ne; j++) {
        edge e = J->f.es[j];
        if (!J->in[e.from] && !J->in[e.to])
            continue;
        if (!J->in[e.from] || !J->in[e.to])
            return false;
        if (e.to == h) {
            if (J->lt != UINT32_MAX)
                return false;   /* one latch */
            J->lt = e.from;
        } else {
            if (J->hi != UINT32_MAX)
                return false;   /* one inner loop with one latch */
            J->hi = e.to;
            J->li = e.from;
        }
    }
    if (J->lt == UINT32_MAX || J->hi == UINT32_MAX || npreds(J, h) != 2 || npreds(J, J->hi) != 2)
        return false;
    /* the prefix: a chain of unconditional branches from h to hi */
    memset(J->part, OUT, J->f.n);
    for (uint32_t u = 0; u < J->f.n; u++)
        if (J->in[u])
            J->part[u] = SUF;
    J->nchain = 0;
    for (uint32_t u = h;;) {
        if (J->nchain == JAM_CHAIN)
            return false;
        J->chain[J->nchain++] = u;
        J->part[u] = PRE;
        LLVMValueRef t = LLVMGetBasicBlockTerminator(J->f.bbs[u]);
        if (!t || !LLVMIsABranchInst(t) || LLVMIsConditional(t))
            return false;
        uint32_t s = bbmap_get(&J->f.idx, LLVMGetSuccessor(t, 0));
        if (s == UINT32_MAX || !J->in[s] || s == h)
            return false;
        if (s == J->hi) {
            J->pi = u;
            break;
        }
        if (npreds(J, s) != 1 || LLVMIsAPHINode(LLVMGetFirstInstruction(J->f.bbs[s])))
            return false;
        u = s;
    }
    /* the inner loop */
    uint8_t *inI = malloc(J->f.n + 1);
    if (!inI || !loop_blocks(J->f.n, J->f.pstart, J->f.pred, J->f.es, J->f.ne, J->hi, inI, J->work)) {
        free(inI);
        return false;
    }
    for (uint32_t u = 0; u < J->f.n; u++)
        if (inI[u]) {
            if (!J->in[u] || J->part[u] == PRE) {
                free(inI);
                return false;
            }
            J->part[u] = INNER;
        }
    free(inI);
    if (J->part[J->lt] != SUF)
        return false;
    /* purity, sizes, where the branches go */
    bool fp = false;
    uint32_t size[4] = { 0, 0, 0, 0 };
    for (uint32_t u = 0; u < J->f.n; u++) {
        if (!J->in[u])
            continue;
        int pu = J->part[u];
        for (LLVMValueRef i = LLVMGetFirstInstruction(J->f.bbs[u]); i; i = LLVMGetNextInstruction(i)) {
            size[pu]++;
            bool f = false;
            if (pu != SUF && !pure(i, &f))
                return false;
            if (pu == INNER)
                fp |= f;
            if (LLVMIsAPHINode(i) && u == h)
                continue;
            /* of h's phis, the prefix and I use induction variables only */
            for (int k = 0, nk = LLVMGetNumOperands(i); pu != SUF && k < nk; k++) {
                LLVMValueRef op = LLVMGetOperand(i, (unsigned)k);
                uint64_t d;
                if (op && LLVMIsAPHINode(op) && block_of(J, op) == h && !is_iv(J, op, &d))
                    return false;
            }
        }
        LLVMValueRef t = LLVMGetBasicBlockTerminator(J->f.bbs[u]);
        if (!t || !(LLVMIsABranchInst(t) || LLVMIsASwitchInst(t) || (pu == SUF && LLVMIsAUnreachableInst(t))))
            return false;
        for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++) {
            uint32_t v = bbmap_get(&J->f.idx, LLVMGetSuccessor(t, s));
            if (v == UINT32_MAX)
                return false;
            if (pu == INNER && J->part[v] != INNER && J->part[v] != SUF)
                return false;   /* I leaves to S only */
            if (pu == SUF && v == h && u != J->lt)
                return false;
        }
    }
    if (!fp || size[PRE] > JAM_PREFIX_INSNS || size[INNER] > JAM_INNER_INSNS || size[SUF] > JAM_SUFFIX_INSNS)
        return false;
    /* S is entered from I only */
    for (uint32_t u = 0; u < J->f.n; u++)
        if (J->part[u] == SUF)
            for (uint32_t p = J->f.pstart[u]; p < J->f.pstart[u + 1]; p++)
                if (J->part[J->f.pred[p]] != INNER && J->part[J->f.pred[p]] != SUF)
                    return false;
    /* the latch's test */
    LLVMValueRef lb = LLVMGetBasicBlockTerminator(J->f.bbs[J->lt]);
    if (!LLVMIsConditional(lb))
        return false;
    LLVMBasicBlockRef s0 = LLVMGetSuccessor(lb, 0), s1 = LLVMGetSuccessor(lb, 1);
    LLVMBasicBlockRef other = s0 == J->f.bbs[h] ? s1 : s0;
    uint32_t ot = bbmap_get(&J->f.idx, other);
    if ((s0 == J->f.bbs[h]) == (s1 == J->f.bbs[h]) || ot == UINT32_MAX || J->in[ot])
        return false;
    LLVMValueRef c = LLVMGetCondition(lb);
    if (!LLVMIsAICmpInst(c) || !test_operand(J, LLVMGetOperand(c, 0)) || !test_operand(J, LLVMGetOperand(c, 1)))
        return false;
    /* values used outside X */
    return loop_outside_uses(J->f.bbs, J->f.n, &J->f.idx, J->f.pstart, J->f.pred, J->in, &J->exit, &J->repair);
}

/* ---- the copies ---- */

/* value maps: per instruction of X (numbered in J->ins), NULL = itself */
static LLVMValueRef mv(const jam *J, LLVMValueRef *M, LLVMValueRef v)
{
    if (!v || !LLVMIsAInstruction(v))
        return v;
    uint32_t k = bbmap_get(&J->ins, v);
    return k != UINT32_MAX && M[k] ? M[k] : v;
}

static void set_map(const jam *J, LLVMValueRef *M, LLVMValueRef orig, LLVMValueRef v)
{
    uint32_t k = bbmap_get(&J->ins, orig);
    if (k != UINT32_MAX)
        M[k] = v;
}

static bool number_instructions(jam *J)
{
    uint32_t n = 0;
    for (uint32_t u = 0; u < J->f.n; u++)
        for (LLVMValueRef i = J->in[u] ? LLVMGetFirstInstruction(J->f.bbs[u]) : NULL; i; i = LLVMGetNextInstruction(i))
            n++;
    J->insv = malloc((n + 1) * sizeof *J->insv);
    if (!J->insv || !bbmap_init(&J->ins, n + 1))
        return false;
    J->nins = 0;
    for (uint32_t u = 0; u < J->f.n; u++)
        for (LLVMValueRef i = J->in[u] ? LLVMGetFirstInstruction(J->f.bbs[u]) : NULL; i; i = LLVMGetNextInstruction(i)) {
            bbmap_put(&J->ins, i, J->nins);
            J->insv[J->nins++] = i;
        }
    return true;
}

static void make_blocks(jam *J, int part, LLVMBasicBlockRef *BM, const char *name)
{
    for (uint32_t u = 0; u < J->f.n; u++)
        if (J->in[u] && J->part[u] == part)
            BM[u] = LLVMAppendBasicBlockInContext(J->C, J->fn, name);
}

/* Copy the blocks of one part into BM's blocks: phis that M already maps
 * are not copied (the caller made them), other phis get the incoming
 * entries whose blocks BM maps; operands through M, successors through BM
 * (others stay: the caller redirects them). */
static void fill_region(jam *J, int part, LLVMValueRef *M, LLVMBasicBlockRef *BM, bool strip)
{
    for (uint32_t u = 0; u < J->f.n; u++) {
        if (!J->in[u] || J->part[u] != part)
            continue;
        LLVMPositionBuilderAtEnd(J->b, BM[u]);
        for (LLVMValueRef i = LLVMGetFirstInstruction(J->f.bbs[u]); i; i = LLVMGetNextInstruction(i)) {
            if (mv(J, M, i) != i)
                continue;
            LLVMValueRef c;
            if (LLVMIsAPHINode(i)) {
                c = LLVMBuildPhi(J->b, LLVMTypeOf(i), "");
            } else {
                c = LLVMInstructionClone(i);
                LLVMInsertIntoBuilder(J->b, c);
                if (strip)
                    strip_flags(c);
                if (LLVMIsATerminatorInst(c))
                    LLVMSetMetadata(c, J->md_loop, NULL);
            }
            set_map(J, M, i, c);
        }
    }
    for (uint32_t u = 0; u < J->f.n; u++) {
        if (!J->in[u] || J->part[u] != part)
            continue;
        for (LLVMValueRef i = LLVMGetFirstInstruction(J->f.bbs[u]); i; i = LLVMGetNextInstruction(i)) {
            LLVMValueRef c = mv(J, M, i);
            if (LLVMGetInstructionParent(c) != BM[u] || (u == J->hi && LLVMIsAPHINode(i)))
                continue;       /* made by the caller */
            if (LLVMIsAPHINode(i)) {
                for (unsigned k = 0, nk = LLVMCountIncoming(i); k < nk; k++) {
                    uint32_t from = bbmap_get(&J->f.idx, LLVMGetIncomingBlock(i, k));
                    if (from == UINT32_MAX || !BM[from])
                        continue;
                    LLVMValueRef v = mv(J, M, LLVMGetIncomingValue(i, k));
                    LLVMBasicBlockRef fb = BM[from];
                    LLVMAddIncoming(c, &v, &fb, 1);
                }
                continue;
            }
            for (int k = 0, nk = LLVMGetNumOperands(c); k < nk; k++) {
                LLVMValueRef op = LLVMGetOperand(c, (unsigned)k);
                if (op && LLVMIsAInstruction(op))
                    LLVMSetOperand(c, (unsigned)k, mv(J, M, op));
            }
            if (LLVMIsATerminatorInst(c))
                for (unsigned s = 0, ns = LLVMGetNumSuccessors(c); s < ns; s++) {
                    uint32_t t = bbmap_get(&J->f.idx, LLVMGetSuccessor(c, s));
                    if (t != UINT32_MAX && BM[t])
                        LLVMSetSuccessor(c, s, BM[t]);
                }
        }
    }
}

/* In the copies (BM) of part's blocks, successor `from` becomes `to`,
 * only on the copy of block `only` when that is not UINT32_MAX. */
static void redirect(jam *J, int part, LLVMBasicBlockRef *BM, uint32_t only, LLVMBasicBlockRef from,
                     LLVMBasicBlockRef to)
{
    for (uint32_t u = 0; u < J->f.n; u++) {
        if (!J->in[u] || J->part[u] != part || (only != UINT32_MAX && u != only))
            continue;
        LLVMValueRef t = LLVMGetBasicBlockTerminator(BM[u]);
        for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++)
            if (LLVMGetSuccessor(t, s) == from)
                LLVMSetSuccessor(t, s, to);
    }
}

/* In the copies of I, every branch to a block of S goes to `to`. */
static void redirect_exits(jam *J, LLVMBasicBlockRef *BM, LLVMBasicBlockRef to)
{
    for (uint32_t u = 0; u < J->f.n; u++) {
        if (!J->in[u] || J->part[u] != INNER)
            continue;
        LLVMValueRef t = LLVMGetBasicBlockTerminator(BM[u]);
        for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++) {
            uint32_t v = bbmap_get(&J->f.idx, LLVMGetSuccessor(t, s));
            if (v != UINT32_MAX && J->part[v] == SUF)
                LLVMSetSuccessor(t, s, to);
        }
    }
}

/* The exits of S's copy (BM, values M) to blocks outside X: their phis get
 * the copy's values on the copy's edges. */
static void exit_phis(jam *J, LLVMValueRef *M, LLVMBasicBlockRef *BM)
{
    for (uint32_t u = 0; u < J->f.n; u++) {
        if (!J->in[u] || J->part[u] != SUF)
            continue;
        LLVMValueRef t = LLVMGetBasicBlockTerminator(J->f.bbs[u]);
        for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++) {
            LLVMBasicBlockRef x = LLVMGetSuccessor(t, s);
            uint32_t xi = bbmap_get(&J->f.idx, x);
            bool dup = false;
            for (unsigned r = 0; r < s; r++)
                dup |= LLVMGetSuccessor(t, r) == x;
            if (dup || J->in[xi])
                continue;
            for (LLVMValueRef phi = LLVMGetFirstInstruction(x); phi && LLVMIsAPHINode(phi);
                 phi = LLVMGetNextInstruction(phi))
                for (unsigned k = 0, nk = LLVMCountIncoming(phi); k < nk; k++)
                    if (LLVMGetIncomingBlock(phi, k) == J->f.bbs[u]) {
                        LLVMValueRef v = mv(J, M, LLVMGetIncomingValue(phi, k));
                        LLVMBasicBlockRef fb = BM[u];
                        LLVMAddIncoming(phi, &v, &fb, 1);
                    }
        }
    }
}

/* Values of X used past its exit E: a phi in E of each original edge's
 * value, which takes their uses (exit_phis then adds the copies' edges). */
static bool repair(jam *J)
{
    LLVMBasicBlockRef x = J->f.bbs[J->exit];
    for (uint32_t k = 0; k < J->nins; k++) {
        LLVMValueRef i = J->insv[k];
        bool outside = false;
        for (LLVMUseRef use = LLVMGetFirstUse(i); use && !outside; use = LLVMGetNextUse(use))
            outside = loop_used_outside(&J->f.idx, J->in, i, LLVMGetUser(use));
        if (!outside)
            continue;
        LLVMPositionBuilderBefore(J->b, LLVMGetFirstInstruction(x));
        LLVMValueRef phi = LLVMBuildPhi(J->b, LLVMTypeOf(i), "jam.out");
        for (uint32_t p = J->f.pstart[J->exit]; p < J->f.pstart[J->exit + 1]; p++) {
            LLVMBasicBlockRef o = J->f.bbs[J->f.pred[p]];   /* one entry per edge, as the CSR lists them */
            LLVMAddIncoming(phi, &i, &o, 1);
        }
        if (!loop_repair_uses(&J->f.idx, J->in, i, phi))
            return false;
    }
    return true;
}

/* h's phis stay in h; its code and branch move to a new block H2. */
static void split_header(jam *J)
{
    LLVMBasicBlockRef h = J->f.bbs[J->h];
    LLVMBasicBlockRef h2 = LLVMAppendBasicBlockInContext(J->C, J->fn, "jam.pre");
    LLVMValueRef t = LLVMGetBasicBlockTerminator(h);
    LLVMBasicBlockRef succ = LLVMGetSuccessor(t, 0);
    LLVMValueRef i = LLVMGetFirstInstruction(h);
    while (i && LLVMIsAPHINode(i))
        i = LLVMGetNextInstruction(i);
    LLVMPositionBuilderAtEnd(J->b, h2);
    while (i) {
        LLVMValueRef next = LLVMGetNextInstruction(i);
        LLVMInstructionRemoveFromParent(i);
        LLVMInsertIntoBuilder(J->b, i);
        i = next;
    }
    LLVMPositionBuilderAtEnd(J->b, h);
    LLVMBuildBr(J->b, h2);
    retarget_phis(J->b, succ, h, h2);
}

static bool transform(jam *J)
{
    LLVMBuilderRef b = J->b;
    LLVMBasicBlockRef h = J->f.bbs[J->h], hi = J->f.bbs[J->hi], li = J->f.bbs[J->li], lt = J->f.bbs[J->lt];
    LLVMBasicBlockRef pi = J->f.bbs[J->pi];
    uint32_t nphi = 0;
    for (LLVMValueRef p = LLVMGetFirstInstruction(hi); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p))
        nphi++;
    size_t nv = J->nins + 1, nb = J->f.n + 1;
    LLVMValueRef *MAp = calloc(nv, sizeof *MAp), *MBp = calloc(nv, sizeof *MBp), *MAs = calloc(nv, sizeof *MAs);
    LLVMValueRef *MBs = calloc(nv, sizeof *MBs), *MA = calloc(nv, sizeof *MA), *MB = calloc(nv, sizeof *MB);
    LLVMValueRef *st = calloc(6 * (size_t)nphi + 1, sizeof *st);   /* chA chB epA epB taA taB */
    LLVMBasicBlockRef *BAs = calloc(nb, sizeof *BAs), *BBs = calloc(nb, sizeof *BBs);
    LLVMBasicBlockRef *BA = calloc(nb, sizeof *BA), *BB = calloc(nb, sizeof *BB);
    bool ok = MAp && MBp && MAs && MBs && MA && MB && st && BAs && BBs && BA && BB;
    if (!ok)
        goto out;
    LLVMValueRef *chA = st, *chB = st + nphi, *epA = st + 2 * nphi, *epB = st + 3 * nphi;
    LLVMValueRef *taA = st + 4 * nphi, *taB = st + 5 * nphi;

    /* at h: B's induction variables and whether B runs */
    LLVMValueRef ht = LLVMGetBasicBlockTerminator(h);       /* br jam.pre */
    LLVMBasicBlockRef h2 = LLVMGetSuccessor(ht, 0);
    LLVMPositionBuilderBefore(b, ht);
    LLVMValueRef *Mt = MBs;     /* scratch for the test, cleared below */
    for (LLVMValueRef p = LLVMGetFirstInstruction(h); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p)) {
        uint64_t d;
        if (!is_iv(J, p, &d))
            continue;
        LLVMValueRef nx = LLVMBuildAdd(b, p, LLVMConstInt(LLVMTypeOf(p), d, 0), "jam.iv");
        set_map(J, MBp, p, nx);
        set_map(J, Mt, phi_from(p, lt), nx);
    }
    LLVMValueRef lb = LLVMGetBasicBlockTerminator(lt), c = LLVMGetCondition(lb);
    LLVMValueRef test = LLVMBuildICmp(b, LLVMGetICmpPredicate(c), mv(J, Mt, LLVMGetOperand(c, 0)),
                                      mv(J, Mt, LLVMGetOperand(c, 1)), "jam.b");
    if (LLVMGetSuccessor(lb, 0) != h)
        test = LLVMBuildNot(b, test, "jam.b");
    memset(MBs, 0, nv * sizeof *MBs);

    /* J: both prefixes */
    LLVMBasicBlockRef jb = LLVMAppendBasicBlockInContext(J->C, J->fn, "jam");
    LLVMPositionBuilderAtEnd(b, jb);
    for (uint32_t k = 0; k < J->nchain; k++)
        for (LLVMValueRef i = LLVMGetFirstInstruction(J->f.bbs[J->chain[k]]); i; i = LLVMGetNextInstruction(i)) {
            if (LLVMIsAPHINode(i) || LLVMIsATerminatorInst(i))
                continue;
            for (int lane = 0; lane < 2; lane++) {
                LLVMValueRef *M = lane ? MBp : MAp;
                LLVMValueRef cl = LLVMInstructionClone(i);
                LLVMInsertIntoBuilder(b, cl);
                for (int o = 0, no = LLVMGetNumOperands(cl); o < no; o++)
                    LLVMSetOperand(cl, (unsigned)o, mv(J, M, LLVMGetOperand(cl, (unsigned)o)));
                if (lane)
                    strip_flags(cl);
                set_map(J, M, i, cl);
            }
        }

    /* the joint loop: CH (A-step's copy of hi) holds both lanes' states */
    memcpy(MAs, MAp, nv * sizeof *MAs);
    memcpy(MBs, MBp, nv * sizeof *MBs);
    make_blocks(J, INNER, BAs, "jam.a");
    make_blocks(J, INNER, BBs, "jam.b");
    LLVMPositionBuilderAtEnd(b, BAs[J->hi]);
    uint32_t k = 0;
    for (LLVMValueRef p = LLVMGetFirstInstruction(hi); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p), k++) {
        chA[k] = LLVMBuildPhi(b, LLVMTypeOf(p), "jam.sa");
        chB[k] = LLVMBuildPhi(b, LLVMTypeOf(p), "jam.sb");
        set_map(J, MAs, p, chA[k]);
        set_map(J, MBs, p, chB[k]);
    }
    fill_region(J, INNER, MAs, BAs, false);
    fill_region(J, INNER, MBs, BBs, true);
    LLVMBasicBlockRef exA = LLVMAppendBasicBlockInContext(J->C, J->fn, "jam.xa");
    LLVMBasicBlockRef exB = LLVMAppendBasicBlockInContext(J->C, J->fn, "jam.xb");
    LLVMBasicBlockRef epi = LLVMAppendBasicBlockInContext(J->C, J->fn, "jam.epi");
    redirect_exits(J, BAs, exA);
    redirect_exits(J, BBs, exB);
    redirect(J, INNER, BAs, J->li, BAs[J->hi], BBs[J->hi]);
    redirect(J, INNER, BBs, J->li, BBs[J->hi], BAs[J->hi]);
    k = 0;
    for (LLVMValueRef p = LLVMGetFirstInstruction(hi); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p), k++) {
        LLVMValueRef from_pre = phi_from(p, pi), from_li = phi_from(p, li);
        LLVMValueRef v[2] = { mv(J, MAp, from_pre), mv(J, MAs, from_li) };
        LLVMBasicBlockRef bl[2] = { jb, BBs[J->li] };
        LLVMAddIncoming(chA[k], v, bl, 2);
        v[0] = mv(J, MBp, from_pre);
        v[1] = mv(J, MBs, from_li);
        LLVMAddIncoming(chB[k], v, bl, 2);
    }
    LLVMPositionBuilderAtEnd(b, jb);
    LLVMBuildBr(b, BAs[J->hi]);
    LLVMPositionBuilderAtEnd(b, exA);
    LLVMBuildBr(b, epi);
    LLVMPositionBuilderAtEnd(b, exB);
    LLVMBuildBr(b, epi);

    /* epi: the states; then A's tail and suffix, B's tail and suffix */
    LLVMPositionBuilderAtEnd(b, epi);
    k = 0;
    for (LLVMValueRef p = LLVMGetFirstInstruction(hi); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p), k++) {
        LLVMBasicBlockRef bl[2] = { exA, exB };
        LLVMValueRef va[2] = { chA[k], mv(J, MAs, phi_from(p, li)) }, vb[2] = { chB[k], chB[k] };
        epA[k] = LLVMBuildPhi(b, LLVMTypeOf(p), "jam.ea");
        LLVMAddIncoming(epA[k], va, bl, 2);
        epB[k] = LLVMBuildPhi(b, LLVMTypeOf(p), "jam.eb");
        LLVMAddIncoming(epB[k], vb, bl, 2);
    }
    memcpy(MA, MAp, nv * sizeof *MA);
    memcpy(MB, MBp, nv * sizeof *MB);
    make_blocks(J, INNER, BA, "jam.ta");
    make_blocks(J, SUF, BA, "jam.sa");
    make_blocks(J, INNER, BB, "jam.tb");
    make_blocks(J, SUF, BB, "jam.sb");
    LLVMBuildBr(b, BA[J->hi]);
    LLVMPositionBuilderAtEnd(b, BA[J->hi]);
    k = 0;
    for (LLVMValueRef p = LLVMGetFirstInstruction(hi); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p), k++) {
        taA[k] = LLVMBuildPhi(b, LLVMTypeOf(p), "");
        set_map(J, MA, p, taA[k]);
    }
    LLVMPositionBuilderAtEnd(b, BB[J->hi]);
    k = 0;
    for (LLVMValueRef p = LLVMGetFirstInstruction(hi); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p), k++) {
        taB[k] = LLVMBuildPhi(b, LLVMTypeOf(p), "");
        set_map(J, MB, p, taB[k]);
    }
    fill_region(J, INNER, MA, BA, false);
    fill_region(J, SUF, MA, BA, false);
    /* B's suffix reads h's phis as A's latch passed them */
    for (LLVMValueRef p = LLVMGetFirstInstruction(h); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p))
        set_map(J, MB, p, mv(J, MA, phi_from(p, lt)));
    fill_region(J, INNER, MB, BB, false);
    fill_region(J, SUF, MB, BB, false);
    redirect(J, SUF, BA, J->lt, h, BB[J->hi]);
    k = 0;
    for (LLVMValueRef p = LLVMGetFirstInstruction(hi); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p), k++) {
        LLVMValueRef from_li = phi_from(p, li);
        LLVMValueRef va[2] = { epA[k], mv(J, MA, from_li) }, vb[2] = { epB[k], mv(J, MB, from_li) };
        LLVMBasicBlockRef ba[2] = { epi, BA[J->li] }, bb[2] = { BA[J->lt], BB[J->li] };
        LLVMAddIncoming(taA[k], va, ba, 2);
        LLVMAddIncoming(taB[k], vb, bb, 2);
    }
    for (LLVMValueRef p = LLVMGetFirstInstruction(h); p && LLVMIsAPHINode(p); p = LLVMGetNextInstruction(p)) {
        LLVMValueRef v = mv(J, MB, phi_from(p, lt));
        LLVMBasicBlockRef bl = BB[J->lt];
        LLVMAddIncoming(p, &v, &bl, 1);
    }
    if (J->repair && !repair(J))
        ok = false;
    exit_phis(J, MA, BA);
    exit_phis(J, MB, BB);

    /* h decides */
    LLVMInstructionEraseFromParent(ht);
    LLVMPositionBuilderAtEnd(b, h);
    LLVMBuildCondBr(b, test, jb, h2);
out:
    free(MAp);
    free(MBp);
    free(MAs);
    free(MBs);
    free(MA);
    free(MB);
    free(st);
    free(BAs);
    free(BBs);
    free(BA);
    free(BB);
    return ok;
}

bool jam_loops(LLVMValueRef fn, LLVMBuilderRef b)
{
    jam J;
    memset(&J, 0, sizeof J);
    J.fn = fn;
    J.b = b;
    J.C = LLVMGetTypeContext(LLVMTypeOf(fn));
    J.md_loop = LLVMGetMDKindIDInContext(J.C, "llvm.loop", 9);
    LLVMBasicBlockRef done[JAM_PER_FUNC];
    uint32_t ndone = 0;
    bool more = true, ok = true;
    while (more && ok && ndone < JAM_PER_FUNC) {
        more = false;
        if (!jam_cfg(&J)) {
            jam_free_cfg(&J);
            return false;
        }
        for (uint32_t j = 0; j < J.f.ne && !more; j++) {
            uint32_t h = J.f.es[j].to;
            bool seen = false;
            for (uint32_t k = 0; k < ndone; k++)
                seen |= done[k] == J.f.bbs[h];
            if (seen || !plan(&J, h))
                continue;
            /* split h, then plan again on the new CFG (h holds its phis
             * alone, the prefix starts at jam.pre) */
            LLVMBasicBlockRef hb = J.f.bbs[h];
            split_header(&J);
            jam_free_cfg(&J);
            if (!jam_cfg(&J)) {
                ok = false;
                break;
            }
            /* the split keeps the shape, but its chain is one block longer:
             * at JAM_CHAIN the loop stays as it is (split, still valid) */
            uint32_t h2 = bbmap_get(&J.f.idx, hb);
            if (h2 != UINT32_MAX && plan(&J, h2)) {
                if (!number_instructions(&J)) {
                    ok = false;
                    break;
                }
                ok = transform(&J);
            }
            done[ndone++] = hb;
            more = true;
        }
        jam_free_cfg(&J);
    }
    return ok;
}
