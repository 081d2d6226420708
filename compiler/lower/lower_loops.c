/*
 * lower_loops.c — the control-flow graph of one optimised function as the
 * interruption checks see it (lower_interrupt.c) and the loops they reason
 * about: back edges, predecessor lists, the blocks of a loop, and whether
 * a loop provably ends within BOUND_TRIPS iterations (the "bounded" rule
 * of lower_interrupt.c's header). lower_version.c uses the same pieces.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_loops.h"


/* ---- a map of basic blocks to indices (open
 * addressing) ---- */


static uint32_t bb_hash(const void *b, uint32_t cap)
{
    uintptr_t x = (uintptr_t)b;
    x ^= x >> 17;
    x *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(x >> 32) & (cap - 1);
}

bool bbmap_init(bbmap *m, uint32_t n)
{
    m->cap = 16;
    while (m->cap < 2 * n + 2)
        m->cap *= 2;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    return m->keys && m->vals;
}

void bbmap_put(bbmap *m, const void *b, uint32_t v)
{
    uint32_t i = bb_hash(b, m->cap);
    while (m->keys[i] && m->keys[i] != b)
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = b;
    m->vals[i] = v;
}

uint32_t bbmap_get(const bbmap *m, const void *b)
{
    uint32_t i = bb_hash(b, m->cap);
    while (m->keys[i]) {
        if (m->keys[i] == b)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return UINT32_MAX;
}

void bbmap_free(bbmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* ---- per function ---- */


/* In every phi of `h`, the incoming block `from` becomes `to` (one entry:
 * `from` may have reached h through several edges). LLVM-C cannot change an incoming block, so
 * each phi is rebuilt. */
void retarget_phis(LLVMBuilderRef b, LLVMBasicBlockRef h, LLVMBasicBlockRef from, LLVMBasicBlockRef to)
{
    for (LLVMValueRef i = LLVMGetFirstInstruction(h), next; i && LLVMIsAPHINode(i); i = next) {
        next = LLVMGetNextInstruction(i);
        unsigned n = LLVMCountIncoming(i);
        LLVMPositionBuilderBefore(b, i);
        LLVMValueRef np = LLVMBuildPhi(b, LLVMTypeOf(i), "");
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


LLVMValueRef phi_from(LLVMValueRef phi, LLVMBasicBlockRef from)
{
    for (unsigned k = 0, nk = LLVMCountIncoming(phi); k < nk; k++)
        if (LLVMGetIncomingBlock(phi, k) == from)
            return LLVMGetIncomingValue(phi, k);
    return NULL;
}

bool dead_end(LLVMBasicBlockRef bb)
{
    LLVMValueRef t = LLVMGetBasicBlockTerminator(bb);
    return t && LLVMIsAUnreachableInst(t);
}

/* The predecessor lists of the n blocks (CSR, see short_loop). */
bool predecessors(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, uint32_t **pstart,
                         uint32_t **pred)
{
    uint32_t total = 0;
    *pstart = calloc(n + 2, sizeof **pstart);
    for (uint32_t u = 0; u < n && *pstart; u++) {
        LLVMValueRef t = LLVMGetBasicBlockTerminator(bbs[u]);
        for (unsigned s = 0, ns = t ? LLVMGetNumSuccessors(t) : 0; s < ns; s++) {
            uint32_t v = bbmap_get(idx, LLVMGetSuccessor(t, s));
            if (v != UINT32_MAX) {
                (*pstart)[v + 2]++;
                total++;
            }
        }
    }
    *pred = *pstart ? malloc((total + 1) * sizeof **pred) : NULL;
    if (!*pred) {
        free(*pstart);
        *pstart = NULL;
        return false;
    }
    for (uint32_t u = 0; u < n; u++)
        (*pstart)[u + 2] += (*pstart)[u + 1];
    for (uint32_t u = 0; u < n; u++) {     /* fill: pstart[v + 1] is v's next slot */
        LLVMValueRef t = LLVMGetBasicBlockTerminator(bbs[u]);
        for (unsigned s = 0, ns = t ? LLVMGetNumSuccessors(t) : 0; s < ns; s++) {
            uint32_t v = bbmap_get(idx, LLVMGetSuccessor(t, s));
            if (v != UINT32_MAX)
                (*pred)[(*pstart)[v + 1]++] = u;
        }
    }
    return true;
}

/* Back edges by iterative DFS from the entry. */
edge *back_edges(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, uint32_t *nedges)
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

bool fn_cfg_build(LLVMValueRef fn, fn_cfg *g)
{
    memset(g, 0, sizeof *g);
    g->n = LLVMCountBasicBlocks(fn);
    g->bbs = malloc((g->n + 1) * sizeof *g->bbs);
    if (!g->bbs || !bbmap_init(&g->idx, g->n))
        return false;
    LLVMGetBasicBlocks(fn, g->bbs);
    for (uint32_t i = 0; i < g->n; i++)
        bbmap_put(&g->idx, g->bbs[i], i);
    g->es = back_edges(g->bbs, g->n, &g->idx, &g->ne);
    return g->es && predecessors(g->bbs, g->n, &g->idx, &g->pstart, &g->pred);
}

void fn_cfg_free(fn_cfg *g)
{
    free(g->bbs);
    bbmap_free(&g->idx);
    free(g->es);
    free(g->pstart);
    free(g->pred);
    memset(g, 0, sizeof *g);
}

/* ---- bounded loops: no poll of their own (see the header) ---- */



/* `v` is `base` (d = 0) or `base + c` / `base - c` / `c + base` with a
 * constant c of base's width (d = +-c, wrapping), or `base | c` marked
 * disjoint (no common bits: the same as base + c; LLVM's unroller
 * writes iv + 8 so when iv is a multiple of 16). */
bool offset_of(LLVMValueRef v, LLVMValueRef base, uint64_t *d)
{
    if (v == base) {
        *d = 0;
        return true;
    }
    if (!LLVMIsABinaryOperator(v))
        return false;
    LLVMOpcode op = LLVMGetInstructionOpcode(v);
    if (op == LLVMOr && LLVMGetIsDisjoint(v))
        op = LLVMAdd;
    if (op != LLVMAdd && op != LLVMSub)
        return false;
    LLVMValueRef a = LLVMGetOperand(v, 0), c = LLVMGetOperand(v, 1);
    if (op == LLVMAdd && a != base) {
        LLVMValueRef t = a;
        a = c;
        c = t;
    }
    if (a != base || !LLVMIsAConstantInt(c))
        return false;
    uint64_t k = LLVMConstIntGetZExtValue(c);
    *d = op == LLVMAdd ? k : (uint64_t)0 - k;
    return true;
}

static int64_t sext(uint64_t x, unsigned w)
{
    return w >= 64 ? (int64_t)x : (int64_t)(x << (64 - w)) >> (64 - w);
}

static bool icmp_holds(LLVMIntPredicate p, uint64_t a, uint64_t b, unsigned w)
{
    int64_t sa = sext(a, w), sb = sext(b, w);
    switch (p) {
    case LLVMIntEQ:  return a == b;
    case LLVMIntNE:  return a != b;
    case LLVMIntUGT: return a > b;
    case LLVMIntUGE: return a >= b;
    case LLVMIntULT: return a < b;
    case LLVMIntULE: return a <= b;
    case LLVMIntSGT: return sa > sb;
    case LLVMIntSGE: return sa >= sb;
    case LLVMIntSLT: return sa < sb;
    case LLVMIntSLE: return sa <= sb;
    }
    return false;
}

/* Does block e run in every iteration (every path from the header to a
 * latch of the loop passes it)? Walks the loop from the header without
 * entering e or taking a back edge; e dominates the latches when none is
 * reached. */
bool on_every_iteration(LLVMBasicBlockRef *bbs, const bbmap *idx, const edge *es, uint32_t ne,
                               loopinfo *L, uint32_t n, uint32_t e)
{
    if (e == L->h)
        return true;
    uint8_t *seen = calloc(n, 1);
    if (!seen)
        return false;
    uint32_t nw = 0;
    bool ok = true;
    seen[L->h] = seen[e] = 1;
    L->work[nw++] = L->h;
    while (nw && ok) {
        uint32_t u = L->work[--nw];
        for (uint32_t j = 0; j < ne && ok; j++)
            ok = !(es[j].to == L->h && es[j].from == u);        /* reached a latch */
        LLVMValueRef t = LLVMGetBasicBlockTerminator(bbs[u]);
        for (unsigned s = 0, ns = t ? LLVMGetNumSuccessors(t) : 0; s < ns && ok; s++) {
            uint32_t v = bbmap_get(idx, LLVMGetSuccessor(t, s));
            if (v != UINT32_MAX && L->in[v] && !seen[v]) {
                seen[v] = 1;
                L->work[nw++] = v;
            }
        }
    }
    free(seen);
    return ok;
}

/* The number of iterations of one entry of the loop, at most
 * BOUND_TRIPS, if the exit test of block e (in every iteration) ends it
 * in time for every start value; 0 if not. The test compares iv + d
 * (iv: the header phi, starts[] on entry, + step per back edge) with the
 * constant k; the loop goes on while it is `stay`. Evaluated, iteration by
 * iteration, in the phi's width, wrapping: no overflow reasoning needed. */
static uint32_t trips_of(const uint64_t *starts, uint32_t nstarts, uint64_t step, uint64_t d, unsigned w,
                         LLVMIntPredicate p, bool iv_left, uint64_t k, bool stay)
{
    uint64_t mask = w >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    uint32_t most = 0;
    for (uint32_t s = 0; s < nstarts; s++) {
        uint64_t x = (starts[s] + d) & mask;
        uint32_t j = 0;
        for (; j < BOUND_TRIPS; j++, x = (x + step) & mask) {
            bool c = iv_left ? icmp_holds(p, x, k & mask, w) : icmp_holds(p, k & mask, x, w);
            if (c != stay)
                break;
        }
        if (j == BOUND_TRIPS)
            return 0;
        if (j + 1 > most)
            most = j + 1;
    }
    return most;
}

/* An exit test of the loop on the induction variable iv (step per
 * iteration, starts[] on entry): a conditional branch in block e, on an
 * icmp of iv + d with a constant, one successor in the loop and one out.
 * Returns the bound on the iterations, 0 if e is no such test. */
static uint32_t exit_test_bound(LLVMBasicBlockRef *bbs, const bbmap *idx, const loopinfo *L, uint32_t e,
                                LLVMValueRef iv, uint64_t step, const uint64_t *starts, uint32_t nstarts)
{
    LLVMValueRef t = LLVMGetBasicBlockTerminator(bbs[e]);
    if (!t || !LLVMIsABranchInst(t) || !LLVMIsConditional(t))
        return 0;
    LLVMValueRef c = LLVMGetCondition(t);
    if (!LLVMIsAICmpInst(c))
        return 0;
    uint32_t s0 = bbmap_get(idx, LLVMGetSuccessor(t, 0)), s1 = bbmap_get(idx, LLVMGetSuccessor(t, 1));
    if (s0 == UINT32_MAX || s1 == UINT32_MAX || L->in[s0] == L->in[s1])
        return 0;
    bool stay = L->in[s0];       /* the loop goes on while the compare is this */
    LLVMValueRef a = LLVMGetOperand(c, 0), b = LLVMGetOperand(c, 1);
    uint64_t d = 0;
    bool iv_left = LLVMIsAConstantInt(b) && offset_of(a, iv, &d);
    if (!iv_left && !(LLVMIsAConstantInt(a) && offset_of(b, iv, &d)))
        return 0;
    LLVMValueRef k = iv_left ? b : a;
    unsigned w = LLVMGetIntTypeWidth(LLVMTypeOf(iv));
    return trips_of(starts, nstarts, step, d, w, LLVMGetICmpPredicate(c), iv_left,
                    LLVMConstIntGetZExtValue(k), stay);
}

/* The blocks of the loop of header h into in[]: those that reach one of
 * its latches (the sources of the back edges to h) without passing h.
 * Returns their number, 0 when the walk reaches the entry (h does not
 * dominate them: an irreducible loop). */
uint32_t loop_blocks(uint32_t n, const uint32_t *pstart, const uint32_t *pred, const edge *es, uint32_t ne,
                            uint32_t h, uint8_t *in, uint32_t *work)
{
    uint32_t nw = 0, size = 1;
    memset(in, 0, n);
    in[h] = 1;
    for (uint32_t j = 0; j < ne; j++)
        if (es[j].to == h && !in[es[j].from]) {
            in[es[j].from] = 1;
            work[nw++] = es[j].from;
            size++;
        }
    while (nw) {
        uint32_t u = work[--nw];
        if (u == 0)
            return 0;
        for (uint32_t p = pstart[u]; p < pstart[u + 1]; p++)
            if (!in[pred[p]]) {
                in[pred[p]] = 1;
                work[nw++] = pred[p];
                size++;
            }
    }
    return size;
}

/* Is the loop of header h bounded (see the header comment)? h must
 * dominate its blocks, every loop inside it must poll (dropped[]: the
 * headers found bounded so far; inner loops are decided first), and a
 * header phi must be an induction variable with constant starts that an
 * exit test in every iteration bounds. Returns the work of one entry
 * (its bound on iterations times its instructions), 0 when not bounded. */
uint64_t bounded_loop(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, const uint32_t *pstart,
                      const uint32_t *pred, const edge *es, uint32_t ne, uint32_t h, const uint8_t *dropped,
                      uint8_t *in, uint32_t *work)
{
    loopinfo L = { h, in, work };
    if (!loop_blocks(n, pstart, pred, es, ne, h, in, work))
        return 0;
    for (uint32_t j = 0; j < ne; j++)
        if (in[es[j].to] && es[j].to != h && dropped[es[j].to])
            return 0;       /* a loop inside that does not poll */
    uint32_t insns = 0;
    for (uint32_t u = 0; u < n; u++)
        for (LLVMValueRef i = in[u] ? LLVMGetFirstInstruction(bbs[u]) : NULL; i; i = LLVMGetNextInstruction(i))
            insns++;
    for (LLVMValueRef iv = LLVMGetFirstInstruction(bbs[h]); iv && LLVMIsAPHINode(iv);
         iv = LLVMGetNextInstruction(iv)) {
        if (LLVMGetTypeKind(LLVMTypeOf(iv)) != LLVMIntegerTypeKind || LLVMGetIntTypeWidth(LLVMTypeOf(iv)) > 64)
            continue;
        /* from inside the loop (the back edges): one value iv + step;
         * from outside: constants */
        LLVMValueRef next = NULL;
        uint64_t starts[BOUND_STARTS], step = 0;
        uint32_t nstarts = 0;
        bool ok = true;
        for (unsigned k = 0, nk = LLVMCountIncoming(iv); k < nk && ok; k++) {
            LLVMValueRef v = LLVMGetIncomingValue(iv, k);
            uint32_t from = bbmap_get(idx, LLVMGetIncomingBlock(iv, k));
            if (from == UINT32_MAX) {
                ok = false;
            } else if (in[from]) {
                ok = (!next || v == next) && offset_of(v, iv, &step) && step != 0;
                next = v;
            } else if (LLVMIsAConstantInt(v)) {
                uint64_t c = LLVMConstIntGetZExtValue(v);
                bool dup = false;
                for (uint32_t s = 0; s < nstarts; s++)
                    dup |= starts[s] == c;
                if (!dup && nstarts == BOUND_STARTS)
                    ok = false;
                else if (!dup)
                    starts[nstarts++] = c;
            } else {
                ok = false;
            }
        }
        if (!ok || !next || nstarts == 0)
            continue;
        for (uint32_t e = 0; e < n; e++) {
            if (!in[e])
                continue;
            uint32_t trips = exit_test_bound(bbs, idx, &L, e, iv, step, starts, nstarts);
            if (trips && (uint64_t)trips * insns <= BOUND_WORK &&
                on_every_iteration(bbs, idx, es, ne, &L, n, e))
                return (uint64_t)trips * insns;
        }
    }
    return 0;
}

/* ---- values of a loop used past it (lower_version.c, lower_jam.c) ---- */

bool loop_used_outside(const bbmap *idx, const uint8_t *in, LLVMValueRef i, LLVMValueRef user)
{
    uint32_t ub = bbmap_get(idx, LLVMGetInstructionParent(user));
    if (ub == UINT32_MAX || in[ub])
        return false;
    if (!LLVMIsAPHINode(user))
        return true;
    for (unsigned k = 0, nk = LLVMCountIncoming(user); k < nk; k++) {
        uint32_t from = bbmap_get(idx, LLVMGetIncomingBlock(user, k));
        if (LLVMGetIncomingValue(user, k) == i && (from == UINT32_MAX || !in[from]))
            return true;
    }
    return false;
}

bool loop_outside_uses(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, const uint32_t *pstart,
                       const uint32_t *pred, const uint8_t *in, uint32_t *exit, bool *repair)
{
    *exit = UINT32_MAX;
    *repair = false;
    bool one = true;
    for (uint32_t u = 0; u < n; u++) {
        LLVMValueRef t = in[u] ? LLVMGetBasicBlockTerminator(bbs[u]) : NULL;
        for (unsigned s = 0, ns = t ? LLVMGetNumSuccessors(t) : 0; s < ns; s++) {
            uint32_t x = bbmap_get(idx, LLVMGetSuccessor(t, s));
            if (x == UINT32_MAX)
                return false;
            if (in[x] || dead_end(bbs[x]))
                continue;
            one &= *exit == UINT32_MAX || *exit == x;
            *exit = x;
        }
    }
    if (one && *exit != UINT32_MAX)
        for (uint32_t p = pstart[*exit]; p < pstart[*exit + 1]; p++)
            one &= in[pred[p]];
    for (uint32_t u = 0; u < n; u++) {
        if (!in[u])
            continue;
        for (LLVMValueRef i = LLVMGetFirstInstruction(bbs[u]); i; i = LLVMGetNextInstruction(i))
            for (LLVMUseRef use = LLVMGetFirstUse(i); use; use = LLVMGetNextUse(use)) {
                LLVMValueRef user = LLVMGetUser(use);
                if (!LLVMIsAInstruction(user))
                    return false;
                if (loop_used_outside(idx, in, i, user)) {
                    if (!one || *exit == UINT32_MAX || dead_end(LLVMGetInstructionParent(user)))
                        return false;
                    *repair = true;
                }
            }
    }
    return true;
}

bool loop_repair_uses(const bbmap *idx, const uint8_t *in, LLVMValueRef i, LLVMValueRef phi)
{
    uint32_t n = 0, cap = 8;
    LLVMValueRef *users = malloc(cap * sizeof *users);
    if (!users)
        return false;
    for (LLVMUseRef use = LLVMGetFirstUse(i); use; use = LLVMGetNextUse(use)) {
        LLVMValueRef user = LLVMGetUser(use);
        if (user == phi || !LLVMIsAInstruction(user) || !loop_used_outside(idx, in, i, user))
            continue;
        bool dup = false;
        for (uint32_t k = 0; k < n; k++)
            dup |= users[k] == user;
        if (dup)
            continue;
        if (n == cap) {
            LLVMValueRef *m = realloc(users, (cap *= 2) * sizeof *users);
            if (!m) {
                free(users);
                return false;
            }
            users = m;
        }
        users[n++] = user;
    }
    for (uint32_t k = 0; k < n; k++) {
        LLVMValueRef user = users[k];
        bool is_phi = LLVMIsAPHINode(user);
        for (int j = 0, nj = LLVMGetNumOperands(user); j < nj; j++) {
            if (LLVMGetOperand(user, (unsigned)j) != i)
                continue;
            if (is_phi) {       /* an entry from the loop stays */
                uint32_t from = bbmap_get(idx, LLVMGetIncomingBlock(user, (unsigned)j));
                if (from != UINT32_MAX && in[from])
                    continue;
            }
            LLVMSetOperand(user, (unsigned)j, phi);
        }
    }
    free(users);
    return true;
}
