/*
 * lower_interrupt.c — the interruption checks (wacc/abi.h, struct
 * wacc_limits): a test of the store's interruption epoch at every loop
 * back edge and at the entry of every function on a cycle of calls.
 *
 * They are inserted into the *optimised* module, just before code
 * generation (wacc_insert_interrupt_checks, called by emit): a check inside
 * a loop holds a call (the cold interrupt libcall), and a call in a loop
 * stops LLVM from vectorising it and from hoisting memory loads out of it.
 * Inserted afterwards, a vectorised loop tests once per vector iteration and
 * the loops keep every optimisation.
 *
 * The lowering marks every wasm function with the string attribute
 * "wacc-intr"="<wasm function index>" (attributes survive optimisation;
 * an inlined callee's loops belong to the caller, which is marked too).
 * Its vmctx is still parameter 0 after optimisation: the stack check's trap
 * block passes vmctx to a call, so argument promotion cannot replace it,
 * and dead-argument elimination keeps it (it is used). A marker call in
 * the body would have been copied into callers' loops by inlining and
 * stopped their vectorisation. Then, in each marked function:
 *   - a new entry block loads vmctx->limits;
 *   - if the function is on a cycle of the call graph (recursion, direct,
 *     through other functions or through anything the module cannot see:
 *     tables, imports; see "the call graph" below), a test block after it
 *     checks the epoch;
 *   - every back edge B -> H of the CFG (found by depth-first search: every
 *     cycle has one) is split by a test block C:
 *         C: e = load volatile limits->epoch
 *            br (e != 0), S, H        ; weighted never taken
 *     and H's phis take from C what they took from B (volatile, not atomic
 *     monotonic: an aligned 8-byte load is one access on every target, so
 *     it sees the timer thread's relaxed store all the same, and it is
 *     never hoisted or merged; but x86 folds it into `cmpq $0, 8(%reg)`
 *     where an atomic load stays a mov + test: one instruction less per
 *     loop iteration, -3 % of fannkuch's instructions);
 *   - S, one per function: libcalls->interrupt(vmctx, func_index, 0), which
 *     never returns (noreturn + unreachable: the loop keeps its registers);
 *   - a loop LLVM vectorised (llvm.loop.isvectorized on its latch: counted,
 *     short iterations whose loads are the cost) gets a down-counter in its
 *     header instead, and tests the epoch every COUNT iterations.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "lower.h"

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

/* ---- a map of pointers (basic blocks, functions) to indices (open
 * addressing) ---- */

typedef struct bbmap {
    const void **keys;
    uint32_t *vals;
    uint32_t cap;               /* power of two */
} bbmap;

static uint32_t bb_hash(const void *b, uint32_t cap)
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

static void bbmap_put(bbmap *m, const void *b, uint32_t v)
{
    uint32_t i = bb_hash(b, m->cap);
    while (m->keys[i] && m->keys[i] != b)
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = b;
    m->vals[i] = v;
}

static uint32_t bbmap_get(const bbmap *m, const void *b)
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
    LLVMValueRef limits;
    LLVMBasicBlockRef slow;     /* the function's interrupt block, once made */
    unsigned md_prof, md_loop;
    LLVMValueRef unlikely, rare;
} fnctx;

static LLVMValueRef load_at(fnctx *f, LLVMTypeRef ty, LLVMValueRef base, size_t off)
{
    LLVMValueRef o = LLVMConstInt(f->i64, off, 0);
    LLVMValueRef p = LLVMBuildGEP2(f->b, LLVMInt8TypeInContext(f->C), base, &o, 1, "");
    return LLVMBuildLoad2(f->b, ty, p, "");
}

/* The function's slow block: the interrupt libcall, which traps. */
static LLVMBasicBlockRef slow_block(fnctx *f)
{
    if (f->slow)
        return f->slow;
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(f->b);
    f->slow = LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.trap");
    LLVMPositionBuilderAtEnd(f->b, f->slow);
    LLVMValueRef lc = load_at(f, f->ptr, f->vmctx, offsetof(struct wacc_vmctx, libcalls));
    LLVMValueRef fp = load_at(f, f->ptr, lc, offsetof(struct wacc_libcalls, interrupt));
    LLVMTypeRef ps[3] = { f->ptr, f->i32, f->i32 };
    LLVMValueRef as[3] = { f->vmctx, LLVMConstInt(f->i32, f->func_index, 0), LLVMConstInt(f->i32, 0, 0) };
    LLVMValueRef call = LLVMBuildCall2(f->b, LLVMFunctionType(f->vd, ps, 3, 0), fp, as, 3, "");
    const char *kinds[] = { "cold", "noreturn" };
    for (unsigned i = 0; i < 2; i++) {
        unsigned k = LLVMGetEnumAttributeKindForName(kinds[i], strlen(kinds[i]));
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(f->C, k, 0));
    }
    LLVMBuildUnreachable(f->b);
    LLVMPositionBuilderAtEnd(f->b, saved);
    return f->slow;
}

/* Emit the test at the end of block `cur` (no terminator yet): on to
 * `cont`, or to the slow block when the store's epoch is set. */
static void emit_test(fnctx *f, LLVMBasicBlockRef cur, LLVMBasicBlockRef cont)
{
    LLVMPositionBuilderAtEnd(f->b, cur);
    LLVMBasicBlockRef slow = slow_block(f);
    LLVMPositionBuilderAtEnd(f->b, cur);
    LLVMValueRef o = LLVMConstInt(f->i64, offsetof(struct wacc_limits, epoch), 0);
    LLVMValueRef p = LLVMBuildGEP2(f->b, LLVMInt8TypeInContext(f->C), f->limits, &o, 1, "");
    LLVMValueRef e = LLVMBuildLoad2(f->b, f->i64, p, "epoch");
    LLVMSetVolatile(e, 1);
    LLVMSetAlignment(e, 8);
    LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntNE, e, LLVMConstInt(f->i64, 0, 0), "");
    LLVMValueRef br = LLVMBuildCondBr(f->b, c, slow, cont);
    LLVMSetMetadata(br, f->md_prof, f->unlikely);
}

/* In every phi of `h`, the incoming block `from` becomes `to` (one entry:
 * `from` may have reached h through several edges), and `to2` (if not
 * NULL) gets the same value. LLVM-C cannot change an incoming block, so
 * each phi is rebuilt. */
static void retarget_phis(fnctx *f, LLVMBasicBlockRef h, LLVMBasicBlockRef from, LLVMBasicBlockRef to,
                          LLVMBasicBlockRef to2)
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
                if (to2)
                    LLVMAddIncoming(np, &v, &to2, 1);
            }
            LLVMAddIncoming(np, &v, &bb, 1);
        }
        LLVMReplaceAllUsesWith(i, np);
        LLVMInstructionEraseFromParent(i);
    }
}

/* A call that can take time: not an intrinsic, not an (empty) asm
 * statement (wacc_keep_finish's), not a noreturn trap. */
static bool is_real_call(LLVMValueRef i)
{
    if (!LLVMIsACallInst(i))
        return false;
    LLVMValueRef callee = LLVMGetCalledValue(i);
    if (LLVMIsAInlineAsm(callee))
        return false;
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

/* ---- the call graph: which functions need an entry test ----
 *
 * A test at every loop back edge leaves one way to run unbounded: calls
 * that come back to a function already running (recursion, direct or
 * through other functions, tables, imports). Every such cycle must pass a
 * test, and it does if every function on a cycle of the call graph tests
 * at its entry. The graph is the optimised module's (after inlining): a
 * node per defined function and one node X for everything the module
 * cannot see. Edges: f -> g for a direct call of a defined g; f -> X for
 * any other call (indirect: call_indirect, call_ref, imports; a declared
 * function: another part's or the runtime's) but the runtime's libcalls,
 * which never call wasm code; X -> g for every g
 * that can be reached from outside: address taken (tables, funcrefs,
 * trampolines) or not internal (exports, called from other parts). A
 * function needs its entry test iff it is on a cycle: in a strongly
 * connected component of more than one node, or calling itself. Every
 * run-time cycle of calls maps onto a cycle of this graph, so it meets a
 * test; a function on no cycle runs once per call of its caller, and its
 * own loops are tested at their back edges. */

typedef struct cgraph {
    uint32_t n;                 /* defined functions; node n is X */
    uint32_t *start, *to;       /* CSR: edges of u are to[start[u] .. start[u+1]) */
    uint32_t nedges;
} cgraph;

static bool address_taken(LLVMValueRef fn)
{
    for (LLVMUseRef u = LLVMGetFirstUse(fn); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (!LLVMIsACallInst(user) || LLVMGetCalledValue(user) != fn)
            return true;
        for (unsigned k = 0, na = LLVMGetNumArgOperands(user); k < na; k++)
            if (LLVMGetOperand(user, k) == fn)
                return true;        /* passed as an argument too */
    }
    return false;
}

static bool reachable_from_outside(LLVMValueRef fn)
{
    LLVMLinkage l = LLVMGetLinkage(fn);
    return (l != LLVMInternalLinkage && l != LLVMPrivateLinkage) || address_taken(fn);
}

typedef struct edgebuf { edge *e; uint32_t n, cap; } edgebuf;

static bool edge_add(edgebuf *b, uint32_t from, uint32_t to)
{
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 64;
        edge *g = realloc(b->e, cap * sizeof *g);
        if (!g)
            return false;
        b->e = g;
        b->cap = cap;
    }
    b->e[b->n++] = (edge){ from, to };
    return true;
}

/* `p` is `base + off` (a byte GEP with a constant offset; off 0: base). */
static bool byte_offset(LLVMValueRef p, LLVMValueRef *base, uint64_t *off)
{
    *base = p;
    *off = 0;
    if (!LLVMIsAGetElementPtrInst(p))
        return true;
    LLVMValueRef idx = LLVMGetNumOperands(p) == 2 ? LLVMGetOperand(p, 1) : NULL;
    LLVMTypeRef et = LLVMGetGEPSourceElementType(p);
    if (!idx || !LLVMIsAConstantInt(idx) || LLVMGetTypeKind(et) != LLVMIntegerTypeKind ||
        LLVMGetIntTypeWidth(et) != 8)
        return false;
    *base = LLVMGetOperand(p, 0);
    *off = LLVMConstIntGetZExtValue(idx);
    return true;
}

/* A call of a runtime libcall: its callee is loaded from vmctx->libcalls
 * (vmctx: parameter 0 of a wasm function, NULL for other functions). No
 * libcall calls wasm code (wacc/abi.h), so these are not edges to X. */
static bool is_libcall(LLVMValueRef call, LLVMValueRef vmctx)
{
    LLVMValueRef callee = LLVMGetCalledValue(call), base;
    uint64_t off;
    if (!vmctx || !LLVMIsALoadInst(callee) || !byte_offset(LLVMGetOperand(callee, 0), &base, &off) ||
        off % sizeof(void *) != 0 || off >= sizeof(struct wacc_libcalls) || !LLVMIsALoadInst(base))
        return false;
    return byte_offset(LLVMGetOperand(base, 0), &base, &off) && base == vmctx &&
           off == offsetof(struct wacc_vmctx, libcalls);
}

static bool cgraph_build(LLVMValueRef *fns, uint32_t n, const bbmap *idx, cgraph *g)
{
    edgebuf b = { 0 };
    bool ok = true;
    for (uint32_t u = 0; u < n && ok; u++) {
        if (reachable_from_outside(fns[u]))
            ok = edge_add(&b, n, u);
        /* a wasm function's parameter 0 is its vmctx (see the top) */
        bool wasm = LLVMGetStringAttributeAtIndex(fns[u], LLVMAttributeFunctionIndex, MARK, sizeof MARK - 1);
        LLVMValueRef vmctx = wasm && LLVMCountParams(fns[u]) ? LLVMGetParam(fns[u], 0) : NULL;
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fns[u]); bb && ok; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i && ok; i = LLVMGetNextInstruction(i)) {
                if (!is_real_call(i) || is_libcall(i, vmctx))
                    continue;
                LLVMValueRef callee = LLVMGetCalledValue(i);
                uint32_t v = LLVMIsAFunction(callee) ? bbmap_get(idx, callee) : UINT32_MAX;
                ok = edge_add(&b, u, v == UINT32_MAX ? n : v);
            }
    }
    g->n = n;
    g->nedges = b.n;
    g->start = ok ? calloc(n + 2, sizeof *g->start) : NULL;
    g->to = ok ? malloc((b.n + 1) * sizeof *g->to) : NULL;
    if (!g->start || !g->to) {
        free(b.e);
        free(g->start);
        free(g->to);
        return false;
    }
    for (uint32_t k = 0; k < b.n; k++)
        g->start[b.e[k].from + 1]++;
    for (uint32_t u = 0; u <= n; u++)
        g->start[u + 1] += g->start[u];
    uint32_t *fill = calloc(n + 1, sizeof *fill);
    if (!fill) {
        free(b.e);
        free(g->start);
        free(g->to);
        return false;
    }
    for (uint32_t k = 0; k < b.n; k++)
        g->to[g->start[b.e[k].from] + fill[b.e[k].from]++] = b.e[k].to;
    free(fill);
    free(b.e);
    return true;
}

/* on_cycle[u] for the n + 1 nodes: Tarjan's strongly connected
 * components, iteratively. */
static bool cgraph_cycles(const cgraph *g, bool *on_cycle)
{
    uint32_t N = g->n + 1;
    uint32_t *index = malloc(N * sizeof *index), *low = malloc(N * sizeof *low);
    uint32_t *stk = malloc(N * sizeof *stk), *call = malloc(N * sizeof *call), *pos = malloc(N * sizeof *pos);
    bool *onstk = calloc(N, sizeof *onstk);
    bool ok = index && low && stk && call && pos && onstk;
    if (ok) {
        uint32_t next = 0, sp = 0;
        for (uint32_t u = 0; u < N; u++)
            index[u] = UINT32_MAX;
        for (uint32_t r = 0; r < N; r++) {
            if (index[r] != UINT32_MAX)
                continue;
            uint32_t cp = 0;                    /* the DFS path: call[0..cp) */
            call[cp++] = r;
            index[r] = low[r] = next++;
            pos[r] = g->start[r];
            stk[sp++] = r;
            onstk[r] = true;
            while (cp) {
                uint32_t u = call[cp - 1];
                if (pos[u] < g->start[u + 1]) {
                    uint32_t v = g->to[pos[u]++];
                    if (index[v] == UINT32_MAX) {
                        index[v] = low[v] = next++;
                        pos[v] = g->start[v];
                        stk[sp++] = v;
                        onstk[v] = true;
                        call[cp++] = v;
                    } else if (onstk[v] && index[v] < low[u]) {
                        low[u] = index[v];
                    }
                    continue;
                }
                cp--;
                if (cp && low[u] < low[call[cp - 1]])
                    low[call[cp - 1]] = low[u];
                if (low[u] != index[u])
                    continue;
                uint32_t first = sp;            /* pop u's component */
                do
                    first--;
                while (stk[first] != u);
                bool cyc = sp - first > 1;
                for (uint32_t k = g->start[u]; k < g->start[u + 1] && !cyc; k++)
                    cyc = g->to[k] == u;
                for (uint32_t k = first; k < sp; k++) {
                    on_cycle[stk[k]] = cyc;
                    onstk[stk[k]] = false;
                }
                sp = first;
            }
        }
    }
    free(index);
    free(low);
    free(stk);
    free(call);
    free(pos);
    free(onstk);
    return ok;
}

static bool instrument(fnctx *f, bool on_cycle)
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
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(f->fn);

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
    if (ne == 0 && !on_cycle) {
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
    f->slow = NULL;
    LLVMPositionBuilderAtEnd(f->b, ne_bb);
    if (on_cycle) {
        LLVMBasicBlockRef test = LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.call");
        LLVMBuildBr(f->b, test);
        emit_test(f, test, entry);
    } else {
        LLVMBuildBr(f->b, entry);
    }

    for (uint32_t k = 0; k < ne; k++) {
        LLVMBasicBlockRef from = bbs[es[k].from], to = bbs[es[k].to];
        LLVMValueRef t = LLVMGetBasicBlockTerminator(from);
        bool counted = is_vectorized_latch(f, t);
        LLVMBasicBlockRef test = LLVMAppendBasicBlockInContext(f->C, f->fn,
                                                               counted ? "intr.count" : "intr.loop");
        LLVMBasicBlockRef every = counted ? LLVMAppendBasicBlockInContext(f->C, f->fn, "intr.every") : NULL;
        for (unsigned s = 0, ns = LLVMGetNumSuccessors(t); s < ns; s++)
            if (LLVMGetSuccessor(t, s) == to)
                LLVMSetSuccessor(t, s, test);
        if (!counted) {
            emit_test(f, test, to);
            retarget_phis(f, to, from, test, NULL);
            continue;
        }
        /* A vectorised loop (counted; each iteration is short and its
         * loads are its cost): test the epoch every COUNT iterations,
         * with a down-counter in the header. */
        retarget_phis(f, to, from, test, every);
        LLVMValueRef first = LLVMGetFirstInstruction(to);
        LLVMPositionBuilderBefore(f->b, first);
        LLVMValueRef cnt = LLVMBuildPhi(f->b, f->i32, "intr.cnt");
        LLVMValueRef full = LLVMConstInt(f->i32, COUNT, 0);
        LLVMPositionBuilderAtEnd(f->b, test);
        LLVMValueRef dec = LLVMBuildSub(f->b, cnt, LLVMConstInt(f->i32, 1, 0), "");
        LLVMValueRef zero = LLVMBuildICmp(f->b, LLVMIntEQ, dec, LLVMConstInt(f->i32, 0, 0), "");
        LLVMValueRef br = LLVMBuildCondBr(f->b, zero, every, to);
        LLVMSetMetadata(br, f->md_prof, f->rare);
        emit_test(f, every, to);
        /* the counter's value on every edge into the header */
        for (LLVMBasicBlockRef p = LLVMGetFirstBasicBlock(f->fn); p; p = LLVMGetNextBasicBlock(p)) {
            LLVMValueRef pt = LLVMGetBasicBlockTerminator(p);
            for (unsigned s = 0, ns = pt ? LLVMGetNumSuccessors(pt) : 0; s < ns; s++)
                if (LLVMGetSuccessor(pt, s) == to)
                    LLVMAddIncoming(cnt, p == test ? &dec : &full, &p, 1);
        }
    }
    free(es);
    free(bbs);
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
    f.unlikely = LLVMMetadataAsValue(f.C, LLVMMDNodeInContext2(f.C, w, 3));
    w[2] = LLVMValueAsMetadata(LLVMConstInt(f.i32, COUNT - 1, 0));
    f.rare = LLVMMetadataAsValue(f.C, LLVMMDNodeInContext2(f.C, w, 3));
    f.md_loop = LLVMGetMDKindIDInContext(f.C, "llvm.loop", 9);
    uint32_t n = 0;
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        n += !LLVMIsDeclaration(fn);
    LLVMValueRef *fns = malloc((n + 1) * sizeof *fns);
    bool *on_cycle = calloc(n + 1, sizeof *on_cycle);
    bbmap idx = { 0 };
    cgraph g = { 0 };
    bool ok = fns && on_cycle && bbmap_init(&idx, n);
    if (ok) {
        uint32_t k = 0;
        for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
            if (!LLVMIsDeclaration(fn)) {
                bbmap_put(&idx, fn, k);
                fns[k++] = fn;
            }
        ok = cgraph_build(fns, n, &idx, &g) && cgraph_cycles(&g, on_cycle);
    }
    for (uint32_t k = 0; k < n && ok; k++) {
        f.fn = fns[k];
        ok = instrument(&f, on_cycle[k]);
    }
    free(g.start);
    free(g.to);
    bbmap_free(&idx);
    free(on_cycle);
    free(fns);
    LLVMDisposeBuilder(f.b);
    return ok;
}
