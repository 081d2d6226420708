/*
 * lower_interrupt.c — the interruption checks (wacc/abi.h, struct
 * wacc_limits): a poll at every loop back edge, a load of the word at
 * vmctx + WACC_VMCTX_POLL (v6) whose page the runtime makes PROT_NONE
 * while the store is interrupted, so the load faults and the signal
 * handler raises the deadline. No compare, no branch: up to v5 the test
 * was `cmpq $0, epoch(limits); jne trap`, and that never-taken edge made
 * the register allocator split live ranges around it (on lua's bytecode
 * dispatch: four reloads and two spills per bytecode beside the test, and
 * `limits` held in a register), see benchmarks/results/interrupt-checks.md.
 * Calls need no check of their own: every function's prologue stack check
 * fails while the store is interrupted (the runtime sets its stack limit
 * to UINTPTR_MAX; ABI v5), so every cycle of calls (recursion, direct,
 * mutual or through tables and imports) stops at its next call. A self
 * tail call LLVM turned into a loop has a back edge like any loop.
 *
 * Before them, in every function (also without checks), an outer loop
 * around a pure inner loop with a data-dependent exit may run two of its
 * iterations at once (lower_jam.c); its loops then get checks like any.
 *
 * They are inserted into the *optimised* module, just before code
 * generation (wacc_insert_interrupt_checks, called by emit), so loops
 * are vectorised, unrolled and have their loads hoisted as without them
 * (the volatile load would pin them otherwise); a vectorised loop polls
 * once per vector iteration.
 *
 * The lowering marks every wasm function with the string attribute
 * "wacc-intr"="<wasm function index>" (attributes survive optimisation;
 * an inlined callee's loops belong to the caller, which is marked too).
 * Its vmctx is still parameter 0 after optimisation: the stack check's trap
 * block passes vmctx to a call, so argument promotion cannot replace it,
 * and dead-argument elimination keeps it (it is used). A marker call in
 * the body would have been copied into callers' loops by inlining and
 * stopped their vectorisation. Then, in each marked function:
 *   - for every back edge B -> H of the CFG (found by depth-first search:
 *     every cycle has one), B polls just before its terminator:
 *         load volatile i64, vmctx + WACC_VMCTX_POLL ; value unused
 *     (volatile: never hoisted, merged or deleted; B runs it also when it
 *     leaves the loop, one load). Except a one-block loop whose branch
 *     also leaves it (B == H, conditional): its poll goes on a block of
 *     its own on the back edge, which lets codegen rotate the loop as the
 *     v5 test block did (fannkuch's flip loop: 12 instructions per
 *     iteration with the poll in B, 10.9 on the edge). Measured on the
 *     whole: the edge block everywhere cost zstd 2.8 % more instructions
 *     than the poll in B, the header 0.4 % (lua 1 %);
 *   - a loop LLVM vectorised (llvm.loop.isvectorized on its latch: counted,
 *     short iterations whose loads are the cost), or a short loop of wasm
 *     SIMD code, gets a down-counter in its header instead, and polls
 *     every COUNT iterations;
 *   - a loop bounded by run-time values that holds inner loops (zlib's
 *     match chain, xz's match finder) first gets a copy without polls,
 *     entered when a test before it proves the entry short
 *     (lower_version.c); the copies' headers count as bounded below;
 *   - a bounded loop polls not at all (mandelbrot's `for (i = 0; i < 200
 *     && ...; i++)`: 2.4 % of its instructions were the poll). The loop of
 *     header H is the set L of blocks that reach a source of a back edge
 *     to H (a latch) without passing H. It is bounded when
 *       1. H dominates L (the walk back from the latches never reaches
 *          the entry: no irreducible entry into it);
 *       2. every loop inside it polls: a back edge that enters a block
 *          of L other than H goes to a header not found bounded (loops
 *          are decided inner ones first, by the size of L), so every
 *          cycle inside L that does not pass H polls (innermost loops:
 *          no such back edge; mandelbrot's; xz's `for (i = 0; i < REPS;
 *          ++i)` around a polled compare loop);
 *       3. a phi iv of H (an integer of at most 64 bits) is an induction
 *          variable: on every edge from L its incoming value is one and
 *          the same `iv + S` (or iv - S, S + iv; S a nonzero constant),
 *          on every edge from outside a constant (at most BOUND_STARTS
 *          distinct ones);
 *       4. some block E of L runs in every iteration (every path in L from
 *          H to a latch passes E) and ends in `br (icmp P, iv + D, K)`
 *          (either operand order; D, K constants, D may be 0) with one
 *          successor in L and one outside;
 *       5. evaluating that compare iteration by iteration, exactly as the
 *          machine does (wrapping in the phi's width, signed or unsigned
 *          as P says, for every start constant: iv = C0 + j*S), it
 *          leaves the loop at some iteration j < BOUND_TRIPS (4096); and
 *          that many iterations times the instructions of L is at most
 *          BOUND_WORK (2^20).
 *     Each entry into L then runs at most that many iterations, each a
 *     run of L's code that is acyclic but for polled inner loops (by 2),
 *     and of calls, which stop on their own (their loops poll, their
 *     prologue stack check fails). Soundness: every cycle of the CFG
 *     whose back edges are all unpolled lies inside one bounded L (a
 *     simple cycle through the back edge B -> H lies in B's natural loop,
 *     which is in L, and by 2 all its unpolled back edges go to H), and
 *     every traversal of such a cycle moves iv one step; a cycle that
 *     leaves L goes through a back edge that polls (an enclosing loop's:
 *     by 2 it cannot be bounded too), and one re-entering H from outside
 *     restarts iv from a constant. Without an enclosing loop the
 *     function goes on to return. (A bounded one-block loop whose branch
 *     also leaves it keeps the block on its back edge, empty: codegen
 *     rotates it as with the poll block, see above.) Exits that are not
 *     the iv test only end the loop sooner; an iv reset inside the loop
 *     (a select, a phi of values) is not `iv + S` and fails 3; a test
 *     some path skips fails 4; a `ne` the step jumps over, or a bound
 *     reached only by wrapping, fails 5. nsw/nuw/disjoint flags do not
 *     matter: the IR comes from wasm, so no valid execution makes the
 *     poison they would give.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "lower.h"
#include "lower_loops.h"

#define MARK "wacc-intr"
#define COUNT 128           /* vectorised loops: iterations between tests */

void lower_interrupt_mark(LLVMValueRef fn, uint32_t func_index)
{
    char v[16];
    int n = snprintf(v, sizeof v, "%u", func_index);
    LLVMContextRef C = LLVMGetTypeContext(LLVMTypeOf(fn));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(C, MARK, sizeof MARK - 1, v, (unsigned)n));
}

typedef struct fnctx {
    LLVMContextRef C;
    LLVMModuleRef mod;
    LLVMValueRef fn, vmctx;
    uint32_t func_index;
    LLVMBuilderRef b;
    LLVMTypeRef i1, i32, i64, ptr, vd;
    unsigned md_prof, md_loop;
    LLVMValueRef rare;
    bool version;               /* loop versioning (WACC_NO_VERSION=1: off) */
    bool jam;                   /* outer-loop interleaving (WACC_NO_JAM=1: off) */
} fnctx;

/* Emit the poll at the builder's position: a volatile load of the word
 * at vmctx + WACC_VMCTX_POLL whose value is not used. While the store is interrupted its page is PROT_NONE,
 * the load faults and the runtime's signal handler raises
 * WACC_TRAP_DEADLINE (wacc/abi.h, struct wacc_limits, v6). */
static void emit_poll(fnctx *f)
{
    LLVMValueRef o = LLVMConstInt(f->i64, (unsigned long long)(long long)WACC_VMCTX_POLL, 1);
    LLVMValueRef p = LLVMBuildGEP2(f->b, LLVMInt8TypeInContext(f->C), f->vmctx, &o, 1, "");
    LLVMValueRef e = LLVMBuildLoad2(f->b, f->i64, p, "poll");
    LLVMSetVolatile(e, 1);
    LLVMSetAlignment(e, 8);
}



/* A block of its own on the back edge of one-block loop `bb` (its branch
 * also leaves it), with a poll in it if `poll`; bb's phis then come from it. */
static void self_edge_block(fnctx *f, LLVMBasicBlockRef bb, bool poll)
{
    LLVMValueRef t = LLVMGetBasicBlockTerminator(bb);
    LLVMBasicBlockRef eb = LLVMAppendBasicBlockInContext(f->C, f->fn, poll ? "intr.poll" : "intr.edge");
    for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++)
        if (LLVMGetSuccessor(t, s) == bb)
            LLVMSetSuccessor(t, s, eb);
    LLVMPositionBuilderAtEnd(f->b, eb);
    if (poll)
        emit_poll(f);
    LLVMBuildBr(f->b, bb);
    retarget_phis(f->b, bb, bb, eb);
}

/* In every phi of `succ`, each incoming block `from` becomes `to` (all
 * its entries: a switch may reach succ through several edges). */
static void rename_incoming(fnctx *f, LLVMBasicBlockRef succ, LLVMBasicBlockRef from, LLVMBasicBlockRef to)
{
    for (LLVMValueRef i = LLVMGetFirstInstruction(succ), next; i && LLVMIsAPHINode(i); i = next) {
        next = LLVMGetNextInstruction(i);
        LLVMPositionBuilderBefore(f->b, i);
        LLVMValueRef np = LLVMBuildPhi(f->b, LLVMTypeOf(i), "");
        for (unsigned k = 0, n = LLVMCountIncoming(i); k < n; k++) {
            LLVMValueRef v = LLVMGetIncomingValue(i, k);
            LLVMBasicBlockRef bb = LLVMGetIncomingBlock(i, k);
            if (bb == from)
                bb = to;
            LLVMAddIncoming(np, &v, &bb, 1);
        }
        LLVMReplaceAllUsesWith(i, np);
        LLVMInstructionEraseFromParent(i);
    }
}

/* Loops LLVM vectorised (their latch branch carries llvm.loop metadata
 * with "llvm.loop.isvectorized"): counted loops with short iterations. */
static bool is_vectorized_latch(fnctx *f, LLVMValueRef term)
{
    LLVMValueRef md = LLVMGetMetadata(term, f->md_loop);
    if (!md)
        return false;
    unsigned n = LLVMGetMDNodeNumOperands(md);
    LLVMValueRef *ops = malloc((n + 1) * sizeof *ops);
    if (!ops)
        return false;
    LLVMGetMDNodeOperands(md, ops);
    bool yes = false;
    for (unsigned i = 0; i < n && !yes; i++) {
        if (!ops[i] || !LLVMIsAMDNode(ops[i]) || ops[i] == md || LLVMGetMDNodeNumOperands(ops[i]) == 0)
            continue;
        LLVMValueRef sub[4];
        if (LLVMGetMDNodeNumOperands(ops[i]) > 4)
            continue;
        LLVMGetMDNodeOperands(ops[i], sub);
        unsigned len = 0;
        const char *s = sub[0] ? LLVMGetMDString(sub[0], &len) : NULL;
        yes = s && len == 22 && memcmp(s, "llvm.loop.isvectorized", 22) == 0;
    }
    free(ops);
    return yes;
}

/* Short vector loops: the natural loop of back edge k (blocks that reach
 * its latch without passing its header) when it is innermost (no other
 * back edge enters a block of it), has one back edge, makes no call (only
 * the loop's own instructions run between two of its back edges), holds
 * at most SHORT_INSNS instructions and computes vectors: wasm SIMD code,
 * vectorised by the producer, so LLVM's vectoriser leaves no
 * "isvectorized" mark on it. Such loops run many short iterations, so they
 * test every COUNT iterations like a vectorised loop; the bound on the
 * time between tests stays COUNT * SHORT_INSNS instructions. (Scalar
 * short loops keep the test at their back edge: many run an iteration or
 * two per entry -- a quicksort's scans, a small memcpy -- where the
 * counter's setup and its decrement on entry cost more than the epoch
 * load it saves.) preds: the predecessors of block u are
 * pred[pstart[u] .. pstart[u + 1]). */
#define SHORT_INSNS 64

/* A call in a short loop: anything but an empty asm statement and the
 * intrinsics that take bounded time (llvm.memset/memcpy/memmove with a
 * variable length, what loop idioms become, do not). */
static bool long_call(LLVMValueRef i)
{
    if (!LLVMIsACallInst(i))
        return false;
    LLVMValueRef callee = LLVMGetCalledValue(i);
    if (LLVMIsAInlineAsm(callee))
        return false;
    if (!LLVMIsAFunction(callee) || !LLVMGetIntrinsicID(callee))
        return true;
    size_t len = 0;
    const char *name = LLVMGetValueName2(callee, &len);
    return len >= 8 && !strncmp(name, "llvm.mem", 8);
}

static bool short_loop(LLVMBasicBlockRef *bbs, uint32_t n, const uint32_t *pstart, const uint32_t *pred,
                       const edge *es, uint32_t ne, uint32_t k, uint8_t *in, uint32_t *work)
{
    uint32_t h = es[k].to, latch = es[k].from, insns = 0, nw = 0;
    bool ok = true;
    for (uint32_t j = 0; j < ne; j++)
        if (j != k && es[j].to == h)
            return false;
    memset(in, 0, n);
    in[h] = 1;
    if (!in[latch]) {
        in[latch] = 1;
        work[nw++] = latch;
    }
    while (nw && ok) {
        uint32_t u = work[--nw];
        if (u == 0)
            ok = false;         /* reached the entry: h does not dominate */
        for (uint32_t p = pstart[u]; p < pstart[u + 1] && ok; p++)
            if (!in[pred[p]]) {
                in[pred[p]] = 1;
                work[nw++] = pred[p];
            }
    }
    for (uint32_t j = 0; j < ne && ok; j++)
        ok = j == k || !in[es[j].to];
    bool vector = false;
    for (uint32_t u = 0; u < n && ok; u++) {
        if (!in[u])
            continue;
        for (LLVMValueRef i = LLVMGetFirstInstruction(bbs[u]); i && ok; i = LLVMGetNextInstruction(i)) {
            ok = ++insns <= SHORT_INSNS && !long_call(i);
            vector |= LLVMGetTypeKind(LLVMTypeOf(i)) == LLVMVectorTypeKind;
        }
    }
    return ok && vector;
}

/* A counted loop (vectorised or short; its only back edge is latch ->
 * h): a down-counter polls every COUNT iterations, at the top
 * of the header, which is split:
 *     h:  cnt = phi [COUNT, entries], [c2, latch]    (h's phis stay)
 *         dec = cnt - 1 ; br (dec == 0), E, hb        ; weighted rare
 *     E:  the poll -> hb
 *     hb: c2 = phi [dec, h], [COUNT, E] ; the rest of h
 * The latch keeps its own branch back to h, so the loop keeps its shape
 * (one back edge; the decrement and a branch that falls through are all
 * an iteration pays). Returns hb, which now ends the old header. */
static LLVMBasicBlockRef count_header(fnctx *f, LLVMBasicBlockRef h, LLVMBasicBlockRef latch)
{
    LLVMBasicBlockRef hb = LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.body");
    LLVMBasicBlockRef every = LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.every");
    LLVMValueRef first = LLVMGetFirstInstruction(h);
    while (first && LLVMIsAPHINode(first))
        first = LLVMGetNextInstruction(first);
    LLVMPositionBuilderAtEnd(f->b, hb);
    for (LLVMValueRef i = first, next; i; i = next) {
        next = LLVMGetNextInstruction(i);
        LLVMInstructionRemoveFromParent(i);
        LLVMInsertIntoBuilder(f->b, i);
    }
    /* hb's successors (h too, when the loop is one block) now come from hb */
    LLVMValueRef t = LLVMGetBasicBlockTerminator(hb);
    for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++) {
        LLVMBasicBlockRef succ = LLVMGetSuccessor(t, s);
        bool seen = false;
        for (unsigned r = 0; r < s; r++)
            seen |= LLVMGetSuccessor(t, r) == succ;
        if (!seen)
            rename_incoming(f, succ, h, hb);
    }
    if (latch == h)
        latch = hb;
    LLVMValueRef full = LLVMConstInt(f->i32, COUNT, 0);
    LLVMValueRef phi_at = LLVMGetFirstInstruction(h);
    if (phi_at)
        LLVMPositionBuilderBefore(f->b, phi_at);
    else
        LLVMPositionBuilderAtEnd(f->b, h);
    LLVMValueRef cnt = LLVMBuildPhi(f->b, f->i32, "intr.cnt");
    LLVMPositionBuilderAtEnd(f->b, hb);
    LLVMPositionBuilderBefore(f->b, LLVMGetFirstInstruction(hb));
    LLVMValueRef c2 = LLVMBuildPhi(f->b, f->i32, "intr.cnt2");
    LLVMPositionBuilderAtEnd(f->b, h);
    LLVMValueRef dec = LLVMBuildSub(f->b, cnt, LLVMConstInt(f->i32, 1, 0), "");
    LLVMValueRef zero = LLVMBuildICmp(f->b, LLVMIntEQ, dec, LLVMConstInt(f->i32, 0, 0), "");
    LLVMValueRef br = LLVMBuildCondBr(f->b, zero, every, hb);
    LLVMSetMetadata(br, f->md_prof, f->rare);
    LLVMPositionBuilderAtEnd(f->b, every);
    emit_poll(f);
    LLVMBuildBr(f->b, hb);
    LLVMAddIncoming(c2, &dec, &h, 1);
    LLVMAddIncoming(c2, &full, &every, 1);
    /* the counter's value on every edge into the header */
    for (LLVMBasicBlockRef p = LLVMGetFirstBasicBlock(f->fn); p; p = LLVMGetNextBasicBlock(p)) {
        LLVMValueRef pt = LLVMGetBasicBlockTerminator(p);
        for (unsigned s = 0, ns = pt ? LLVMGetNumSuccessors(pt) : 0; s < ns; s++)
            if (LLVMGetSuccessor(pt, s) == h)
                LLVMAddIncoming(cnt, p == latch ? &c2 : &full, &p, 1);
    }
    return hb;
}

static bool instrument(fnctx *f)
{
    LLVMAttributeRef mark = LLVMGetStringAttributeAtIndex(f->fn, LLVMAttributeFunctionIndex, MARK,
                                                          sizeof MARK - 1);
    if (!mark || LLVMCountParams(f->fn) == 0)
        return true;
    unsigned vlen = 0;
    const char *v = LLVMGetStringAttributeValue(mark, &vlen);
    char buf[16];
    snprintf(buf, sizeof buf, "%.*s", (int)(vlen < 15 ? vlen : 15), v);
    f->func_index = (uint32_t)strtoul(buf, NULL, 10);
    f->vmctx = LLVMGetParam(f->fn, 0);
    if (LLVMTypeOf(f->vmctx) != f->ptr)
        return true;            /* cannot happen (see above) */

    /* loops bounded by run-time values get a copy without polls
     * (lower_version.c); the copies' headers count as bounded below */
    LLVMBasicBlockRef *clones = NULL;
    uint32_t nclones = 0;
    if (f->version && !version_loops(f->fn, f->b, &clones, &nclones))
        return false;

    fn_cfg g;
    if (!fn_cfg_build(f->fn, &g)) {
        fn_cfg_free(&g);
        free(clones);
        return false;
    }
    uint32_t n = g.n, ne = g.ne, *pstart = g.pstart, *pred = g.pred;
    LLVMBasicBlockRef *bbs = g.bbs;
    const bbmap *idx = &g.idx;
    const edge *es = g.es;
    bool *counted = calloc(ne + 1, sizeof *counted);
    LLVMBasicBlockRef *tail = counted ? calloc(n, sizeof *tail) : NULL;
    uint8_t *in = counted ? malloc(n) : NULL;
    uint32_t *work = in ? malloc(n * sizeof *work) : NULL;
    uint8_t *polled = work ? calloc(n, 1) : NULL;
    uint8_t *dropped = polled ? calloc(n, 1) : NULL;          /* by header */
    edge *order = dropped ? malloc((ne + 1) * sizeof *order) : NULL;
    bool ok = order && tail;
    /* bounded loops, inner ones first: order[] holds (size of the loop,
     * header) pairs in edge's two fields, sorted by size */
    uint32_t nh = 0;
    for (uint32_t k = 0; k < ne && ok; k++) {
        bool seen = false;
        for (uint32_t j = 0; j < nh; j++)
            seen |= order[j].to == es[k].to;
        if (!seen)
            order[nh++] = (edge){ loop_blocks(n, pstart, pred, es, ne, es[k].to, in, work), es[k].to };
    }
    for (uint32_t i = 1; i < nh; i++)
        for (uint32_t j = i; j > 0 && order[j - 1].from > order[j].from; j--) {
            edge t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (uint32_t i = 0; i < nclones && ok; i++) {
        uint32_t c = bbmap_get(idx, clones[i]);
        if (c != UINT32_MAX)
            dropped[c] = 1;
    }
    free(clones);
    for (uint32_t i = 0; i < nh && ok; i++)
        dropped[order[i].to] = dropped[order[i].to] || (order[i].from &&
                               bounded_loop(bbs, n, idx, pstart, pred, es, ne, order[i].to, dropped, in, work));
    for (uint32_t k = 0; k < ne && ok; k++)
        counted[k] = !dropped[es[k].to] &&
                     (is_vectorized_latch(f, LLVMGetBasicBlockTerminator(bbs[es[k].from])) ||
                      short_loop(bbs, n, pstart, pred, es, ne, k, in, work));
    free(in);
    free(work);
    free(order);
    if (!ok || ne == 0) {
        free(dropped);
        free(polled);
        free(tail);
        free(counted);
        fn_cfg_free(&g);
        return ok;
    }

    for (uint32_t k = 0; k < ne; k++) {
        /* a block split by an earlier counted loop ends in its tail */
        LLVMBasicBlockRef from = tail[es[k].from] ? tail[es[k].from] : bbs[es[k].from], to = bbs[es[k].to];
        if (dropped[es[k].to]) {
            /* ends in time: the enclosing code polls. A one-block loop
             * whose branch also leaves it still gets the block on its back
             * edge, empty: codegen puts the phi copies there, as with the
             * poll block below (sha256's rounds loop: 44 instructions per
             * round with it, 47 without, 44 + the poll before) */
            if (from == to && LLVMGetNumSuccessors(LLVMGetBasicBlockTerminator(from)) > 1)
                self_edge_block(f, from, false);
            continue;
        }
        if (counted[k]) {
            tail[es[k].to] = count_header(f, to, from);
            continue;
        }
        /* the latch polls before its branch (also when it leaves the
         * loop: one load); once for all its back edges */
        /* a one-block loop whose branch also leaves it: the poll goes on
         * a block of its own on the back edge (see below) */
        if (from == to && LLVMGetNumSuccessors(LLVMGetBasicBlockTerminator(from)) > 1) {
            self_edge_block(f, from, true);
            continue;
        }
        if (!polled[es[k].from]) {
            polled[es[k].from] = 1;
            LLVMPositionBuilderBefore(f->b, LLVMGetBasicBlockTerminator(from));
            emit_poll(f);
        }
    }
    free(dropped);
    free(polled);
    free(tail);
    free(counted);
    fn_cfg_free(&g);
    return true;
}

bool wacc_insert_interrupt_checks(LLVMModuleRef mod)
{
    wacc_keep_finish(mod);
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
    w[2] = LLVMValueAsMetadata(LLVMConstInt(f.i32, COUNT - 1, 0));
    f.rare = LLVMMetadataAsValue(f.C, LLVMMDNodeInContext2(f.C, w, 3));
    f.md_loop = LLVMGetMDKindIDInContext(f.C, "llvm.loop", 9);
    const char *nov = getenv("WACC_NO_VERSION");       /* debugging, A/B */
    f.version = !(nov && nov[0] == '1');
    const char *noj = getenv("WACC_NO_JAM");           /* debugging, A/B */
    f.jam = !(noj && noj[0] == '1');
    bool ok = true;
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn && ok; fn = LLVMGetNextFunction(fn))
        if (!LLVMIsDeclaration(fn)) {
            f.fn = fn;
            /* every function, also without interruption checks */
            ok = (!f.jam || jam_loops(fn, f.b)) && instrument(&f);
        }
    LLVMDisposeBuilder(f.b);
    return ok;
}
