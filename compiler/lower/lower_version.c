/*
 * lower_version.c — loop versioning for the interruption checks. A loop
 * whose trip count is bounded by run-time values (zlib's match chain,
 * `--chain_length != 0`; xz's match finder, `depth-- == 0` around
 * `while (++len != len_limit)`) polls on every back edge: the bounded rule
 * of lower_interrupt.c needs constant starts and bounds. Here such a loop
 * gets a copy without polls, entered when a test before the loop proves
 * that this entry ends within T iterations; otherwise the original, which
 * polls, runs:
 *
 *     P:  ... br V                       (was: br H)
 *     V:  ok = freeze(<this entry ends within T iterations>)
 *         br ok, H', H
 *     H ... (the loop, polled)      H' ... (its copy: no polls)
 *
 * Which loops: those of at most VERSION_INSNS instructions whose header
 * dominates them and has one predecessor P outside, and
 *   - that hold inner loops, each innermost and either bounded by
 *     constants (lower_interrupt.c's rule; zlib's match scan) or by a
 *     value K invariant in the outer loop (inner_runtime: `iv <u K`, or
 *     `++iv != K` behind a guard `iv <u K`), entered at most once per
 *     iteration of the outer loop. Innermost loops alone are not
 *     versioned: most run a few iterations per entry (a merge's tail, a
 *     short copy), where the test costs more than the polls it saves
 *     (measured: zstd +0.7 %, bzip2 +0.2 %, sort +0.2 % instructions);
 *   - a header phi iv (integer, <= 64 bits) whose value on every edge from
 *     the loop is one and the same iv + S, S = +-2^k (k <= VERSION_STEP_LOG);
 *     its value from P, s0, may be anything;
 *   - a block E on every path from the header to a latch ending in
 *     `br c`, one successor in the loop and one out, where c is
 *     `icmp P, iv + D, K` or, when the loop leaves on true, an `or` of
 *     tests one of which is that compare (`and` when it goes on while
 *     true); D a constant and K loop-invariant (a constant, an argument,
 *     or an instruction outside the loop; it then dominates P);
 *   - no value defined in the loop used outside it except by a phi of an
 *     exit block on an edge from the loop (such a phi gets the copy's
 *     value on the copy's edge), or else one exit block X besides trap
 *     blocks, with no predecessor outside the loop: X then dominates every
 *     such use and gets a phi of both versions' values (outside_uses);
 *   - only br, switch, ret and unreachable as terminators.
 * T: at most BOUND_TRIPS, and T * (the loop's instructions + the work of
 * one entry of each inner loop) <= BOUND_WORK, the same bound on the work
 * between two polls as the constant rule's.
 * The test: with x0 = s0 + D and the loop going on while `x P' K` (P
 * normalised: iv + D on the left, P inverted when the loop goes on while
 * the compare is false; signed predicates read unsigned after flipping
 * the sign bit of x0 and K, which commutes with adding S), iteration j
 * tests x0 + j*S (wrapping):
 *   - P' = ne: it ends at j = diff / s (diff = K - x0, or x0 - K for a
 *     down step, wrapping) when s divides diff: ok = diff <=u (T-1)*s and
 *     diff & (s-1) == 0;
 *   - P' = ult, S = +s: while x0 <u K, no wrap before x >= K when
 *     K <=u UMAX - s + 1, and it ends at j = ceil((K - x0) / s):
 *     ok = K - x0 <=u (T-1)*s (and K <=u UMAX - s + 1 for s > 1). When
 *     x0 >=u K, K - x0 wraps and ok may be either: that entry leaves at
 *     its first test in both versions;
 *   - P' = ule, S = +s: ends at j = floor((K - x0) / s) + 1 with no wrap
 *     when K <=u UMAX - s: ok = K - x0 <=u (T-1)*s - 1 and K <=u UMAX - s;
 *   - P' = ugt / uge, S = -s: the mirror image (x0 - K, no wrap when
 *     K >=u s - 1, resp. K >=u s);
 *   - and for each inner loop bounded by an invariant K': K' <=u its span.
 * Other exits only end the loop sooner. The copy is entered only through
 * V (its header's one entry), so each of its runs is at most T iterations
 * of code that is acyclic but for its inner loops' copies (each bounded
 * per entry) and calls (which stop on their own); lower_interrupt.c then
 * treats the copies' headers as bounded loops: no poll on their back
 * edges, and the loops around them poll (rule 2 there). The test is
 * frozen: both versions compute the same, so any value of it is right.
 * tests/limits/version.wat checks the shapes and their limits.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lower_loops.h"

#define VERSION_INSNS 256         /* the largest loop copied */
#define VERSION_STEP_LOG 16       /* |S| <= 2^16 */
#define VERSION_PER_FUNC 16       /* loops versioned per function */
#define INNER_TRIPS 1024          /* an inner loop bounded by K: K / step < this */
#define INNER_MAX 4               /* such inner loops per versioned loop */

typedef struct cfg {
    fn_cfg f;                   /* the function's CFG */
    uint8_t *in, *in2, *none;   /* the loop; an inner loop; all 0 */
    uint32_t *work, *work2;
} cfg;

static void cfg_free(cfg *g)
{
    fn_cfg_free(&g->f);
    free(g->in);
    free(g->in2);
    free(g->none);
    free(g->work);
    free(g->work2);
    memset(g, 0, sizeof *g);
}

static bool cfg_build(LLVMValueRef fn, cfg *g)
{
    memset(g, 0, sizeof *g);
    if (!fn_cfg_build(fn, &g->f))
        return false;
    uint32_t n = g->f.n;
    g->in = malloc(n + 1);
    g->in2 = malloc(n + 1);
    g->none = calloc(n + 1, 1);
    g->work = malloc((n + 1) * sizeof *g->work);
    g->work2 = malloc((n + 1) * sizeof *g->work2);
    return g->in && g->in2 && g->none && g->work && g->work2;
}

/* one loop to version */
typedef struct plan {
    uint32_t h, pre;            /* header, its one predecessor outside */
    LLVMValueRef start, bound;  /* s0 (iv's value from pre), K */
    uint64_t d, s;              /* iv + d is compared; |step| = s */
    bool up;                    /* step +s (else -s) */
    LLVMIntPredicate p;         /* the loop goes on while (iv + d) p K */
    uint32_t trips;             /* T */
    uint32_t exit;              /* the one exit block, UINT32_MAX: several */
    bool repair;                /* values used outside: a phi in exit */
    /* inner loops bounded by an invariant K (inner_runtime): headers, K,
     * the test K <=u span, the headers of their copies */
    uint32_t ninner, inner_h[INNER_MAX];
    LLVMValueRef inner_k[INNER_MAX];
    uint64_t inner_span[INNER_MAX];
    LLVMBasicBlockRef inner_copy[INNER_MAX];
} plan;

static LLVMIntPredicate swapped(LLVMIntPredicate p)
{
    switch (p) {
    case LLVMIntUGT: return LLVMIntULT;
    case LLVMIntUGE: return LLVMIntULE;
    case LLVMIntULT: return LLVMIntUGT;
    case LLVMIntULE: return LLVMIntUGE;
    case LLVMIntSGT: return LLVMIntSLT;
    case LLVMIntSGE: return LLVMIntSLE;
    case LLVMIntSLT: return LLVMIntSGT;
    case LLVMIntSLE: return LLVMIntSGE;
    default: return p;
    }
}

static LLVMIntPredicate inverse(LLVMIntPredicate p)
{
    switch (p) {
    case LLVMIntEQ: return LLVMIntNE;
    case LLVMIntNE: return LLVMIntEQ;
    case LLVMIntUGT: return LLVMIntULE;
    case LLVMIntUGE: return LLVMIntULT;
    case LLVMIntULT: return LLVMIntUGE;
    case LLVMIntULE: return LLVMIntUGT;
    case LLVMIntSGT: return LLVMIntSLE;
    case LLVMIntSGE: return LLVMIntSLT;
    case LLVMIntSLT: return LLVMIntSGE;
    case LLVMIntSLE: return LLVMIntSGT;
    }
    return p;
}

static bool is_signed(LLVMIntPredicate p)
{
    return p == LLVMIntSGT || p == LLVMIntSGE || p == LLVMIntSLT || p == LLVMIntSLE;
}

static LLVMIntPredicate unsigned_of(LLVMIntPredicate p)
{
    switch (p) {
    case LLVMIntSGT: return LLVMIntUGT;
    case LLVMIntSGE: return LLVMIntUGE;
    case LLVMIntSLT: return LLVMIntULT;
    case LLVMIntSLE: return LLVMIntULE;
    default: return p;
    }
}

/* Can the test be built for the normalised predicate and direction? */
static bool testable(LLVMIntPredicate p, bool up)
{
    p = unsigned_of(p);
    return p == LLVMIntNE || (up && (p == LLVMIntULT || p == LLVMIntULE)) ||
           (!up && (p == LLVMIntUGT || p == LLVMIntUGE));
}

/* K of the exit test: loop-invariant (a constant, an argument, or an
 * instruction outside the loop). */
static bool invariant(const cfg *g, LLVMValueRef k)
{
    if (LLVMIsAConstantInt(k) || LLVMIsAArgument(k))
        return true;
    if (!LLVMIsAInstruction(k))
        return false;
    uint32_t u = bbmap_get(&g->f.idx, LLVMGetInstructionParent(k));
    return u != UINT32_MAX && !g->in[u];
}

/* `c` is `a or b` (`or`, or `select a, true, b`), when want_or, else
 * `a and b` (`and`, `select a, b, false`), of i1 values. */
static bool logical(LLVMValueRef c, bool want_or, LLVMValueRef *a, LLVMValueRef *b)
{
    if (!LLVMIsAInstruction(c) || LLVMTypeOf(c) != LLVMInt1TypeInContext(LLVMGetTypeContext(LLVMTypeOf(c))))
        return false;
    LLVMOpcode op = LLVMGetInstructionOpcode(c);
    if (op == (want_or ? LLVMOr : LLVMAnd)) {
        *a = LLVMGetOperand(c, 0);
        *b = LLVMGetOperand(c, 1);
        return true;
    }
    if (op != LLVMSelect)
        return false;
    LLVMValueRef k = LLVMGetOperand(c, want_or ? 1 : 2);
    if (!LLVMIsAConstantInt(k) || LLVMConstIntGetZExtValue(k) != (want_or ? 1u : 0u))
        return false;
    *a = LLVMGetOperand(c, 0);
    *b = LLVMGetOperand(c, want_or ? 2 : 1);
    return true;
}

/* Is the i1 `c` a test on iv that the loop needs `stay` to go on? A
 * compare, or an `or` of tests when the loop leaves on true (either one
 * alone ends it), an `and` when it goes on while true. Fills the test's
 * part of *pl. */
static bool iv_test(const cfg *g, LLVMValueRef c, bool stay, LLVMValueRef iv, plan *pl, int depth)
{
    LLVMValueRef x, y;
    if (depth < 4 && logical(c, !stay, &x, &y))
        return iv_test(g, x, stay, iv, pl, depth + 1) || iv_test(g, y, stay, iv, pl, depth + 1);
    if (!LLVMIsAICmpInst(c))
        return false;
    LLVMValueRef a = LLVMGetOperand(c, 0), b = LLVMGetOperand(c, 1);
    LLVMIntPredicate p = LLVMGetICmpPredicate(c);
    if (offset_of(a, iv, &pl->d) && invariant(g, b)) {
        pl->bound = b;
    } else if (offset_of(b, iv, &pl->d) && invariant(g, a)) {
        pl->bound = a;
        p = swapped(p);
    } else {
        return false;
    }
    pl->p = stay ? p : inverse(p);
    return testable(pl->p, pl->up);
}

/* Is block e an exit test of the loop on iv (see the header)? */
static bool exit_test(const cfg *g, const uint8_t *loop, uint32_t e, LLVMValueRef iv, plan *pl)
{
    LLVMValueRef t = LLVMGetBasicBlockTerminator(g->f.bbs[e]);
    if (!t || !LLVMIsABranchInst(t) || !LLVMIsConditional(t))
        return false;
    uint32_t s0 = bbmap_get(&g->f.idx, LLVMGetSuccessor(t, 0)), s1 = bbmap_get(&g->f.idx, LLVMGetSuccessor(t, 1));
    if (s0 == UINT32_MAX || s1 == UINT32_MAX || loop[s0] == loop[s1])
        return false;
    return iv_test(g, LLVMGetCondition(t), loop[s0], iv, pl, 0);
}

/* The step of the induction variable iv of the loop `loop`: its value on
 * every edge from the loop is one and the same iv + step (mask: iv's
 * width). 0: no such step. */
static uint64_t iv_step(const cfg *g, const uint8_t *loop, LLVMValueRef iv, uint64_t mask)
{
    LLVMValueRef next = NULL;
    uint64_t step = 0;
    for (unsigned k = 0, nk = LLVMCountIncoming(iv); k < nk; k++) {
        LLVMValueRef v = LLVMGetIncomingValue(iv, k);
        uint32_t from = bbmap_get(&g->f.idx, LLVMGetIncomingBlock(iv, k));
        if (from == UINT32_MAX)
            return 0;
        if (!loop[from])
            continue;
        if ((next && v != next) || !offset_of(v, iv, &step))
            return 0;
        next = v;
    }
    return next ? step & mask : 0;
}

/* The mask of the width of v, an integer of at most 64 bits (*w: its
 * width); 0 if it is none. */
static uint64_t int_mask(LLVMValueRef v, unsigned *w)
{
    LLVMTypeRef ty = LLVMTypeOf(v);
    if (LLVMGetTypeKind(ty) != LLVMIntegerTypeKind || LLVMGetIntTypeWidth(ty) > 64)
        return 0;
    *w = LLVMGetIntTypeWidth(ty);
    return *w >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << *w) - 1);
}

/* A step versioning takes: +-s, s = 2^k <= 2^VERSION_STEP_LOG, and
 * (trips - 1) * s below the sign bit. */
static bool step_ok(uint64_t step, unsigned w, uint64_t mask, uint32_t trips, bool *up, uint64_t *s)
{
    if (!step)
        return false;
    *up = !(step >> (w - 1) & 1);
    *s = *up ? step : (0 - step) & mask;
    return !(*s & (*s - 1)) && *s <= ((uint64_t)1 << VERSION_STEP_LOG) && (uint64_t)(trips - 1) * *s <= mask >> 1;
}

/* For an inner loop that goes on while iv + d != K (step +1, test t):
 * is its entry guarded so that iv + d starts at most K? The header's one
 * predecessor outside the loop ends in `br (icmp ult s0, K)` (or ule, or
 * the same swapped or inverted) whose edge to the header is taken when
 * s0 <u K (then d may be 0 or 1) or s0 <=u K (then d must be 0), s0 being
 * iv's value from there. Then the loop ends within K - (s0 + d) + 1 <= K + 1
 * iterations. */
static bool guarded(const cfg *g, uint32_t hi, LLVMValueRef iv, const plan *t)
{
    uint32_t pre = UINT32_MAX;
    for (uint32_t p = g->f.pstart[hi]; p < g->f.pstart[hi + 1]; p++) {
        uint32_t u = g->f.pred[p];
        if (g->in2[u])
            continue;
        if (pre != UINT32_MAX && pre != u)
            return false;
        pre = u;
    }
    if (pre == UINT32_MAX)
        return false;
    LLVMValueRef s0 = phi_from(iv, g->f.bbs[pre]);
    LLVMValueRef br = LLVMGetBasicBlockTerminator(g->f.bbs[pre]);
    if (!s0 || !br || !LLVMIsABranchInst(br) || !LLVMIsConditional(br) ||
        LLVMGetSuccessor(br, 0) == LLVMGetSuccessor(br, 1))
        return false;
    LLVMValueRef c = LLVMGetCondition(br);
    if (!LLVMIsAICmpInst(c))
        return false;
    LLVMIntPredicate p = LLVMGetICmpPredicate(c);
    if (LLVMGetSuccessor(br, 0) != g->f.bbs[hi])
        p = inverse(p);                 /* the edge in is taken on false */
    LLVMValueRef a = LLVMGetOperand(c, 0), b = LLVMGetOperand(c, 1);
    if (a == t->bound && b == s0) {
        a = s0;
        b = t->bound;
        p = swapped(p);
    }
    if (a != s0 || b != t->bound)
        return false;
    unsigned w = 0;
    uint64_t d = t->d & int_mask(iv, &w);
    return (p == LLVMIntULT && d <= 1) || (p == LLVMIntULE && d == 0);
}

/* An innermost loop inside the loop being versioned (its blocks in
 * g->in2, header hi) that goes on while `iv <u K` (or <=u) with an up step
 * s = 2^k and K invariant in the outer loop: every entry ends within
 * K / s + 1 iterations whatever iv starts at (if it starts at or past K,
 * at once), so the outer loop's test adds K <=u span (INNER_TRIPS - 1
 * iterations at most, and no wrap before the test fails) and the copy
 * runs it without polls too. Returns its work per entry, 0 if no such. */
static uint64_t inner_runtime(const cfg *g, uint32_t hi, plan *pl)
{
    if (pl->ninner == INNER_MAX)
        return 0;
    uint32_t insns = 0;
    for (uint32_t u = 0; u < g->f.n; u++)
        for (LLVMValueRef i = g->in2[u] ? LLVMGetFirstInstruction(g->f.bbs[u]) : NULL; i; i = LLVMGetNextInstruction(i))
            insns++;
    loopinfo L = { hi, g->in2, g->work2 };
    for (LLVMValueRef iv = LLVMGetFirstInstruction(g->f.bbs[hi]); iv && LLVMIsAPHINode(iv);
         iv = LLVMGetNextInstruction(iv)) {
        unsigned w = 0;
        uint64_t mask = int_mask(iv, &w), s = 0;
        bool up = false;
        if (!mask || !step_ok(iv_step(g, g->in2, iv, mask), w, mask, INNER_TRIPS, &up, &s) || !up)
            continue;
        plan t;
        memset(&t, 0, sizeof t);
        t.up = true;
        t.s = s;
        for (uint32_t e = 0; e < g->f.n; e++) {
            if (!g->in2[e] || !exit_test(g, g->in2, e, iv, &t) ||
                !(t.p == LLVMIntULT || t.p == LLVMIntULE || (t.p == LLVMIntNE && s == 1 && guarded(g, hi, iv, &t))) ||
                !on_every_iteration(g->f.bbs, &g->f.idx, g->f.es, g->f.ne, &L, g->f.n, e))
                continue;
            pl->inner_h[pl->ninner] = hi;
            pl->inner_k[pl->ninner] = t.bound;
            pl->inner_span[pl->ninner] = (uint64_t)(INNER_TRIPS - 1) * s - (t.p != LLVMIntULT);
            pl->ninner++;
            return (uint64_t)INNER_TRIPS * insns;
        }
    }
    return 0;
}

static bool outside_uses(const cfg *g, plan *pl)
{
    return loop_outside_uses(g->f.bbs, g->f.n, &g->f.idx, g->f.pstart, g->f.pred, g->in, &pl->exit, &pl->repair);
}

/* Plan the versioning of the loop of header h (see the header comment). */
static bool plan_loop(const cfg *g, uint32_t h, plan *pl)
{
    uint32_t size = loop_blocks(g->f.n, g->f.pstart, g->f.pred, g->f.es, g->f.ne, h, g->in, g->work);
    if (!size)
        return false;
    /* loops inside: innermost ones the constant rule bounds, or a test of
     * an invariant (inner_runtime), their copies run without polls too;
     * each is entered at most once per iteration */
    uint64_t inner = 0;
    pl->ninner = 0;
    for (uint32_t j = 0; j < g->f.ne; j++) {
        uint32_t hi = g->f.es[j].to;
        bool first = true;
        for (uint32_t i = 0; i < j; i++)
            first &= g->f.es[i].to != hi;
        if (!g->in[hi] || hi == h || !first)
            continue;
        if (!loop_blocks(g->f.n, g->f.pstart, g->f.pred, g->f.es, g->f.ne, hi, g->in2, g->work2))
            return false;
        for (uint32_t i = 0; i < g->f.ne; i++)
            if (g->in2[g->f.es[i].to] && g->f.es[i].to != hi)
                return false;   /* not innermost */
        /* (bounded_loop leaves in2 as hi's blocks, for inner_runtime) */
        uint64_t w = bounded_loop(g->f.bbs, g->f.n, &g->f.idx, g->f.pstart, g->f.pred, g->f.es, g->f.ne, hi, g->none,
                                  g->in2, g->work2);
        if (!w)
            w = inner_runtime(g, hi, pl);
        if (!w)
            return false;
        inner += w;
    }
    if (!inner)
        return false;           /* innermost: not versioned (see the header) */
    uint32_t insns = 0;
    for (uint32_t u = 0; u < g->f.n; u++) {
        if (!g->in[u])
            continue;
        for (LLVMValueRef i = LLVMGetFirstInstruction(g->f.bbs[u]); i; i = LLVMGetNextInstruction(i))
            if (++insns > VERSION_INSNS)
                return false;
        LLVMValueRef t = LLVMGetBasicBlockTerminator(g->f.bbs[u]);
        if (!t || !(LLVMIsABranchInst(t) || LLVMIsASwitchInst(t) || LLVMIsAReturnInst(t) ||
                    LLVMIsAUnreachableInst(t)))
            return false;
    }
    pl->h = h;
    pl->pre = UINT32_MAX;
    for (uint32_t p = g->f.pstart[h]; p < g->f.pstart[h + 1]; p++) {
        uint32_t u = g->f.pred[p];
        if (g->in[u])
            continue;
        if (pl->pre != UINT32_MAX && pl->pre != u)
            return false;       /* two ways in */
        pl->pre = u;
    }
    if (pl->pre == UINT32_MAX)
        return false;
    uint64_t per = insns + inner;       /* work of one iteration, at most */
    pl->trips = BOUND_WORK / per < BOUND_TRIPS ? (uint32_t)(BOUND_WORK / per) : BOUND_TRIPS;
    if (pl->trips < 2)
        return false;
    for (LLVMValueRef iv = LLVMGetFirstInstruction(g->f.bbs[h]); iv && LLVMIsAPHINode(iv);
         iv = LLVMGetNextInstruction(iv)) {
        unsigned w = 0;
        uint64_t mask = int_mask(iv, &w);
        if (!mask || !step_ok(iv_step(g, g->in, iv, mask), w, mask, pl->trips, &pl->up, &pl->s))
            continue;
        /* its start: one value on the edges from outside (from pre) */
        pl->start = phi_from(iv, g->f.bbs[pl->pre]);
        if (!pl->start)
            continue;
        loopinfo L = { h, g->in, g->work };
        for (uint32_t e = 0; e < g->f.n; e++)
            if (g->in[e] && exit_test(g, g->in, e, iv, pl) &&
                on_every_iteration(g->f.bbs, &g->f.idx, g->f.es, g->f.ne, &L, g->f.n, e))
                return outside_uses(g, pl);
    }
    return false;
}

/* ok = this entry ends within pl->trips iterations, at the end of block v */
static LLVMValueRef build_test(LLVMBuilderRef b, const plan *pl)
{
    LLVMTypeRef ty = LLVMTypeOf(pl->start);
    unsigned w = 0;
    uint64_t mask = int_mask(pl->start, &w);
    LLVMValueRef x0 = pl->start, k = pl->bound;
    if (pl->d & mask)
        x0 = LLVMBuildAdd(b, x0, LLVMConstInt(ty, pl->d & mask, 0), "ver.x0");
    LLVMIntPredicate p = pl->p;
    if (is_signed(p)) {
        LLVMValueRef smin = LLVMConstInt(ty, (uint64_t)1 << (w - 1), 0);
        x0 = LLVMBuildXor(b, x0, smin, "");
        k = LLVMBuildXor(b, k, smin, "");
        p = unsigned_of(p);
    }
    uint64_t s = pl->s, span = (uint64_t)(pl->trips - 1) * s;
    /* K - x0 (x0 - K down), wrapping. For ult/ule/ugt/uge, when the first
     * test already leaves (x0 past K) it wraps and ok may be either: that
     * entry leaves at once in both versions */
    LLVMValueRef diff = pl->up ? LLVMBuildSub(b, k, x0, "") : LLVMBuildSub(b, x0, k, "");
    LLVMValueRef ok, extra = NULL;
    if (p == LLVMIntNE) {
        ok = LLVMBuildICmp(b, LLVMIntULE, diff, LLVMConstInt(ty, span, 0), "");
        if (s > 1) {
            LLVMValueRef low = LLVMBuildAnd(b, diff, LLVMConstInt(ty, s - 1, 0), "");
            extra = LLVMBuildICmp(b, LLVMIntEQ, low, LLVMConstInt(ty, 0, 0), "");
        }
    } else {
        bool strict = p == LLVMIntULT || p == LLVMIntUGT;
        ok = LLVMBuildICmp(b, LLVMIntULE, diff, LLVMConstInt(ty, strict ? span : span - 1, 0), "");
        /* no wrap before the test fails */
        uint64_t room = strict ? s - 1 : s;     /* K <= UMAX - room, or K >= room */
        if (room)
            extra = pl->up ? LLVMBuildICmp(b, LLVMIntULE, k, LLVMConstInt(ty, mask - room, 0), "")
                           : LLVMBuildICmp(b, LLVMIntUGE, k, LLVMConstInt(ty, room, 0), "");
    }
    if (extra)
        ok = LLVMBuildAnd(b, ok, extra, "");
    for (uint32_t i = 0; i < pl->ninner; i++) {
        LLVMTypeRef kt = LLVMTypeOf(pl->inner_k[i]);
        LLVMValueRef c = LLVMBuildICmp(b, LLVMIntULE, pl->inner_k[i], LLVMConstInt(kt, pl->inner_span[i], 0), "");
        ok = LLVMBuildAnd(b, ok, c, "");
    }
    return LLVMBuildFreeze(b, ok, "ver.ok");
}

/* Copy the loop of pl (its blocks in g->in) and put the test in front of
 * it. Returns the copy's header. */
static LLVMBasicBlockRef version(LLVMValueRef fn, LLVMBuilderRef b, const cfg *g, plan *pl)
{
    LLVMContextRef C = LLVMGetTypeContext(LLVMTypeOf(fn));
    uint32_t ninsns = 0;
    for (uint32_t u = 0; u < g->f.n; u++)
        for (LLVMValueRef i = g->in[u] ? LLVMGetFirstInstruction(g->f.bbs[u]) : NULL; i; i = LLVMGetNextInstruction(i))
            ninsns++;
    LLVMBasicBlockRef *copy = calloc(g->f.n, sizeof *copy);
    LLVMValueRef *nv = malloc((ninsns + 1) * sizeof *nv);
    uint8_t *done = calloc(g->f.n, 1);
    bbmap vm = { 0 };
    if (!copy || !nv || !done || !bbmap_init(&vm, ninsns)) {
        free(copy);
        free(nv);
        free(done);
        bbmap_free(&vm);
        return NULL;
    }
    LLVMBasicBlockRef v = LLVMAppendBasicBlockInContext(C, fn, "ver.test");
    for (uint32_t u = 0; u < g->f.n; u++)
        if (g->in[u])
            copy[u] = LLVMAppendBasicBlockInContext(C, fn, u == pl->h ? "ver.loop" : "ver.body");
    /* the instructions: phis empty for now, the rest cloned */
    uint32_t k = 0;
    for (uint32_t u = 0; u < g->f.n; u++) {
        if (!g->in[u])
            continue;
        LLVMPositionBuilderAtEnd(b, copy[u]);
        for (LLVMValueRef i = LLVMGetFirstInstruction(g->f.bbs[u]); i; i = LLVMGetNextInstruction(i)) {
            LLVMValueRef c;
            if (LLVMIsAPHINode(i)) {
                c = LLVMBuildPhi(b, LLVMTypeOf(i), "");
            } else {
                c = LLVMInstructionClone(i);
                LLVMInsertIntoBuilder(b, c);
            }
            bbmap_put(&vm, i, k);
            nv[k++] = c;
        }
    }
#define MAPPED(x) (bbmap_get(&vm, (x)) == UINT32_MAX ? (x) : nv[bbmap_get(&vm, (x))])
    /* operands and successors of the clones; the copies' phis */
    for (uint32_t u = 0; u < g->f.n; u++) {
        if (!g->in[u])
            continue;
        for (LLVMValueRef i = LLVMGetFirstInstruction(g->f.bbs[u]); i; i = LLVMGetNextInstruction(i)) {
            LLVMValueRef c = nv[bbmap_get(&vm, i)];
            if (LLVMIsAPHINode(i)) {
                bool from_pre = false;
                for (unsigned j = 0, nj = LLVMCountIncoming(i); j < nj; j++) {
                    LLVMValueRef val = MAPPED(LLVMGetIncomingValue(i, j));
                    uint32_t from = bbmap_get(&g->f.idx, LLVMGetIncomingBlock(i, j));
                    LLVMBasicBlockRef fb;
                    if (from != UINT32_MAX && g->in[from]) {
                        fb = copy[from];
                    } else {
                        if (from_pre)
                            continue;   /* pre reached h through several edges */
                        from_pre = true;
                        fb = v;
                    }
                    LLVMAddIncoming(c, &val, &fb, 1);
                }
                continue;
            }
            for (int j = 0, nj = LLVMGetNumOperands(c); j < nj; j++) {
                LLVMValueRef op = LLVMGetOperand(c, (unsigned)j);
                if (op && LLVMIsAInstruction(op) && bbmap_get(&vm, op) != UINT32_MAX)
                    LLVMSetOperand(c, (unsigned)j, nv[bbmap_get(&vm, op)]);
            }
            if (LLVMIsATerminatorInst(c))
                for (unsigned s = 0, ns = LLVMGetNumSuccessors(c); s < ns; s++) {
                    uint32_t t = bbmap_get(&g->f.idx, LLVMGetSuccessor(c, s));
                    if (t != UINT32_MAX && g->in[t])
                        LLVMSetSuccessor(c, s, copy[t]);
                }
        }
    }
    /* the exits' phis: the copy's edges bring the copy's values */
    for (uint32_t u = 0; u < g->f.n; u++) {
        LLVMValueRef t = g->in[u] ? LLVMGetBasicBlockTerminator(g->f.bbs[u]) : NULL;
        for (unsigned s = 0, ns = t ? LLVMGetNumSuccessors(t) : 0; s < ns; s++) {
            LLVMBasicBlockRef x = LLVMGetSuccessor(t, s);
            uint32_t xi = bbmap_get(&g->f.idx, x);
            if (xi == UINT32_MAX || g->in[xi] || done[xi])
                continue;
            done[xi] = 1;
            for (LLVMValueRef phi = LLVMGetFirstInstruction(x); phi && LLVMIsAPHINode(phi);
                 phi = LLVMGetNextInstruction(phi))
                for (unsigned j = 0, nj = LLVMCountIncoming(phi); j < nj; j++) {
                    uint32_t from = bbmap_get(&g->f.idx, LLVMGetIncomingBlock(phi, j));
                    if (from == UINT32_MAX || !g->in[from])
                        continue;
                    LLVMValueRef val = MAPPED(LLVMGetIncomingValue(phi, j));
                    LLVMBasicBlockRef fb = copy[from];
                    LLVMAddIncoming(phi, &val, &fb, 1);
                }
        }
    }
    /* values used past the exit: a phi of both versions' there */
    bool ok = true;
    if (pl->repair) {
        LLVMBasicBlockRef x = g->f.bbs[pl->exit];
        for (uint32_t u = 0; u < g->f.n && ok; u++) {
            if (!g->in[u])
                continue;
            for (LLVMValueRef i = LLVMGetFirstInstruction(g->f.bbs[u]); i && ok; i = LLVMGetNextInstruction(i)) {
                bool outside = false;
                for (LLVMUseRef use = LLVMGetFirstUse(i); use && !outside; use = LLVMGetNextUse(use))
                    outside = loop_used_outside(&g->f.idx, g->in, i, LLVMGetUser(use));
                if (!outside)
                    continue;
                LLVMPositionBuilderBefore(b, LLVMGetFirstInstruction(x));
                LLVMValueRef phi = LLVMBuildPhi(b, LLVMTypeOf(i), "ver.out");
                LLVMValueRef ci = MAPPED(i);
                for (uint32_t p = g->f.pstart[pl->exit]; p < g->f.pstart[pl->exit + 1]; p++) {
                    uint32_t from = g->f.pred[p];         /* one entry per edge, as the CSR lists them */
                    LLVMBasicBlockRef fb = g->f.bbs[from], cb = copy[from];
                    LLVMAddIncoming(phi, &i, &fb, 1);
                    LLVMAddIncoming(phi, &ci, &cb, 1);
                }
                ok = loop_repair_uses(&g->f.idx, g->in, i, phi);
            }
        }
    }
#undef MAPPED
    /* the test, between pre and the loop */
    LLVMBasicBlockRef h = g->f.bbs[pl->h], hc = copy[pl->h];
    LLVMPositionBuilderAtEnd(b, v);
    LLVMBuildCondBr(b, build_test(b, pl), hc, h);
    LLVMValueRef pt = LLVMGetBasicBlockTerminator(g->f.bbs[pl->pre]);
    for (unsigned s = 0, ns = LLVMGetNumSuccessors(pt); s < ns; s++)
        if (LLVMGetSuccessor(pt, s) == h)
            LLVMSetSuccessor(pt, s, v);
    retarget_phis(b, h, g->f.bbs[pl->pre], v);
    for (uint32_t i = 0; i < pl->ninner; i++)
        pl->inner_copy[i] = copy[pl->inner_h[i]];
    free(copy);
    free(nv);
    free(done);
    bbmap_free(&vm);
    return ok ? hc : NULL;
}

static bool listed(LLVMBasicBlockRef *l, uint32_t n, LLVMBasicBlockRef x)
{
    for (uint32_t i = 0; i < n; i++)
        if (l[i] == x)
            return true;
    return false;
}

bool version_loops(LLVMValueRef fn, LLVMBuilderRef b, LLVMBasicBlockRef **clones, uint32_t *nclones)
{
    /* the headers seen: versioned ones, their copies, those found bounded
     * by constants (no poll anyway) */
    LLVMBasicBlockRef seen[3 * VERSION_PER_FUNC + 1];
    uint32_t nseen = 0, nc = 0, nver = 0;
    *clones = NULL;
    *nclones = 0;
    LLVMBasicBlockRef *out = malloc(VERSION_PER_FUNC * (1 + INNER_MAX) * sizeof *out);
    if (!out)
        return false;
    bool more = true;
    while (more && nver < VERSION_PER_FUNC) {
        cfg g;
        if (!cfg_build(fn, &g)) {
            cfg_free(&g);
            free(out);
            return false;
        }
        more = false;
        for (uint32_t j = 0; j < g.f.ne && !more; j++) {
            uint32_t h = g.f.es[j].to;
            bool first = true;
            for (uint32_t i = 0; i < j; i++)
                first &= g.f.es[i].to != h;
            if (!first || listed(seen, nseen, g.f.bbs[h]) || listed(out, nc, g.f.bbs[h]))
                continue;
            plan pl;
            if (!plan_loop(&g, h, &pl))
                continue;
            /* a loop the constant rule bounds needs no copy */
            if (bounded_loop(g.f.bbs, g.f.n, &g.f.idx, g.f.pstart, g.f.pred, g.f.es, g.f.ne, h, g.none, g.in2, g.work2)) {
                if (nseen < 2 * VERSION_PER_FUNC)
                    seen[nseen++] = g.f.bbs[h];
                continue;
            }
            LLVMBasicBlockRef hc = version(fn, b, &g, &pl);
            if (!hc) {
                cfg_free(&g);
                free(out);
                return false;
            }
            seen[nseen++] = g.f.bbs[h];
            out[nc++] = hc;
            for (uint32_t i = 0; i < pl.ninner; i++)
                out[nc++] = pl.inner_copy[i];
            nver++;
            more = true;
        }
        cfg_free(&g);
    }
    *clones = out;
    *nclones = nc;
    return true;
}
