/*
 * lower_func.c — lowers one wasm function body to LLVM IR: the per-function
 * context (operand stack, control stack, locals), control flow, calls,
 * variables, references and tables. Numeric, memory and SIMD instructions are
 * dispatched to lower_numeric(), lower_memory() and lower_simd().
 *
 * Control flow: every block/if/function frame has a merge block whose phis
 * (created when the frame opens) receive the frame's results from each
 * branch; a loop has a header block whose phis receive the loop params.
 * After br/br_table/return/unreachable the rest of the frame is dead: the
 * instructions are still read (to follow nesting) but nothing is emitted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"

enum { CT_FUNC, CT_BLOCK, CT_LOOP, CT_IF };
enum { ANCHORS = 16 };
enum { ROOTS = 8 };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable;           /* the rest of this frame is dead code */
    bool has_else;
    uint8_t single;             /* result type of a one-result block type */
    const uint8_t *params, *results;   /* NULL when single is used */
    uint32_t nparams, nresults;
    uint32_t height;            /* operand stack height below the params */
    LLVMBasicBlockRef merge;    /* continuation after `end` */
    LLVMValueRef *phis;         /* [nresults] in merge */
    unsigned nincoming;         /* edges into merge */
    LLVMBasicBlockRef header;   /* loop header */
    LLVMValueRef *hphis;        /* [nparams] in header */
    LLVMBasicBlockRef else_bb;  /* if: the else arm */
    LLVMValueRef *ifparams;     /* [nparams] values entering the if */
    bool vector_loop;           /* loop: one the loop vectoriser may take (lower_keep_free) */
} ctrl;

struct lower_ctx {
    lower_mod *lm;
    const wasm_module *m;
    uint32_t func_index;
    const wasm_functype *ft;
    LLVMValueRef fn;
    LLVMBuilderRef b;           /* body builder */
    LLVMBuilderRef eb;          /* entry-block builder (allocas, hoisted loads) */
    LLVMBasicBlockRef entry;
    LLVMValueRef vmctx;

    uint32_t nlocals;
    LLVMValueRef *locals;       /* allocas */
    uint8_t *local_types;

    LLVMValueRef *stack;
    uint32_t sp, stack_cap;
    ctrl *ctrl;
    uint32_t nctrl, ctrl_cap;
    uint32_t dead_depth;        /* nesting inside dead code */

    uint32_t cur_offset;        /* wasm offset of the current instruction */
    LLVMBasicBlockRef trap_bb[WACC_TRAP__COUNT];
    LLVMValueRef trap_phi[WACC_TRAP__COUNT];

    /* Hoisted (entry block) loads, created on first use. */
    LLVMValueRef h_libcalls, h_funcrefs, h_type_ids, h_tables_arr, h_mems_arr;
    LLVMValueRef h_mem0_base;
    LLVMValueRef *h_tables;     /* [ntables] struct wacc_table* */
    LLVMValueRef *h_mem;        /* [nmemories] struct wacc_memory* */
    LLVMValueRef *h_membase;    /* [nmemories] base */
    LLVMValueRef *h_cells;      /* [nglobals] cell pointers (abi.h: global slots) */

    /* Local value cache: the SSA value local i holds at the end of block
     * local_bb[i] (so repeated local.get in a block give the same value).
     * Blocks are compared by block_key: the continuation of a br_if, of a
     * trap test and an if's then arm are entered only from the block before
     * them, so they keep its key (and its cached values and anchors). */
    LLVMValueRef *local_val;
    LLVMBasicBlockRef *local_bb;
    LLVMBasicBlockRef chain_bb, chain_key;

    /* Address anchors of the current block (see lower_mem_addr). */
    struct anchor {
        LLVMValueRef x;         /* i32 base value */
        int64_t c;              /* anchor index = x + c (mod 2^32) */
        LLVMValueRef z;         /* zext(x + c) to i64 */
        uint32_t mem;
    } anchors[ANCHORS];
    unsigned nanchors, next_anchor;
    LLVMBasicBlockRef anchor_bb;

    /* Root bases of the innermost call-free loop being lowered (see
     * root_base): the loop's header and the branch ending its preheader,
     * and for up to ROOTS locals an opaque copy of memory 0's base. */
    bool next_loop_rootable;
    bool next_loop_vector;      /* the next loop is a vector_loop (lower_until) */
    LLVMBasicBlockRef root_header;
    LLVMValueRef root_br;
    uint32_t root_frame;
    struct root {
        uint32_t local;
        LLVMValueRef base;
        int64_t off;            /* constant offset of the first access */
        bool pair;              /* accessed at a second offset too */
    } roots[ROOTS];
    unsigned nroots, root_seq;

    LLVMValueRef *args;         /* scratch for call arguments */
    uint32_t args_cap;

    /* Anchoring on a memory that may reach 65536 pages (see
     * anchor_allowed): allowed only in a leaf function's main version
     * (full_ok), which then dispatches at entry to a plain version when
     * memory 0 is full; `relied` records that the code used it. */
    bool full_ok, relied;
    bool relied_loop;           /* relied inside a loop */
    bool leaf_main;             /* dispatch at entry if relied inside a loop */
    bool version_loops;         /* version call-free loops on memory 0 being full */
    /* the code runs only with memory 0 full (a versioned loop's plain copy,
     * a plain version): calls go to the callees' plain versions */
    bool full_mem;

    bool failed;
    wasm_error *err;
};

/* ---- straight-line chains of blocks ------------------------------------- */

/* The key of the block being built (see local_bb). */
static LLVMBasicBlockRef block_key(lower_ctx *c)
{
    LLVMBasicBlockRef bb = LLVMGetInsertBlock(c->b);
    return bb == c->chain_bb ? c->chain_key : bb;
}

/* Position at `next`, a new block whose only predecessor is the current
 * one (so everything computed and accessed so far dominates it). */
static void continue_at(lower_ctx *c, LLVMBasicBlockRef next)
{
    c->chain_key = block_key(c);
    c->chain_bb = next;
    LLVMPositionBuilderAtEnd(c->b, next);
}

/* ---- errors ---------------------------------------------------------- */

static void fail(lower_ctx *c, const char *msg)
{
    if (c->failed)
        return;
    c->failed = true;
    if (c->err) {
        c->err->offset = c->cur_offset;
        snprintf(c->err->msg, sizeof c->err->msg, "function %u: %s", c->func_index, msg);
    }
}

static void *grow(lower_ctx *c, void *p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    uint32_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * elem);
    if (!q) {
        fail(c, "out of memory");
        return NULL;
    }
    *cap = n;
    return q;
}

/* ---- accessors (lower.h) ---------------------------------------------- */

LLVMBuilderRef lower_builder(lower_ctx *c) { return c->b; }
LLVMContextRef lower_llvm_ctx(lower_ctx *c) { return c->lm->ctx; }
LLVMModuleRef lower_llvm_module(lower_ctx *c) { return c->lm->mod; }
LLVMValueRef lower_vmctx(lower_ctx *c) { return c->vmctx; }
const wasm_module *lower_wasm_module(lower_ctx *c) { return c->m; }

LLVMTypeRef lower_valtype(lower_ctx *c, uint8_t wasm_type)
{
    return lower_mod_valtype(c->lm, wasm_type);
}

void lower_push(lower_ctx *c, LLVMValueRef v)
{
    LLVMValueRef *s = grow(c, c->stack, &c->stack_cap, c->sp + 1, sizeof *s);
    if (!s)
        return;
    c->stack = s;
    c->stack[c->sp++] = v;
}

LLVMValueRef lower_pop(lower_ctx *c)
{
    uint32_t floor = c->nctrl ? c->ctrl[c->nctrl - 1].height : 0;
    if (c->sp <= floor) {
        fail(c, "internal error: operand stack underflow");
        return LLVMGetPoison(c->lm->t_i32);
    }
    return c->stack[--c->sp];
}

LLVMValueRef lower_intrinsic(lower_ctx *c, const char *name, LLVMTypeRef *overloads,
                             unsigned noverloads, LLVMValueRef *args, unsigned nargs)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    if (!id) {
        char buf[120];
        snprintf(buf, sizeof buf, "internal error: unknown intrinsic %s", name);
        fail(c, buf);
        return LLVMGetPoison(c->lm->t_i32);
    }
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(c->lm->mod, id, overloads, noverloads);
    LLVMTypeRef ft = LLVMIntrinsicGetType(c->lm->ctx, id, overloads, noverloads);
    return LLVMBuildCall2(c->b, ft, f, args, nargs, "");
}

/* ---- hoisted vmctx loads -------------------------------------------- */

static void set_invariant(lower_ctx *c, LLVMValueRef load)
{
    LLVMSetMetadata(load, c->lm->md_invariant, c->lm->md_empty);
}

static LLVMValueRef tag(lower_ctx *c, LLVMValueRef access, LLVMValueRef tbaa)
{
    LLVMSetMetadata(access, c->lm->md_tbaa, tbaa);
    return access;
}

/* Load a ptr from field `field` of struct type `st` at `p`, in builder `b`. */
static LLVMValueRef load_field(lower_ctx *c, LLVMBuilderRef b, LLVMTypeRef st, LLVMValueRef p,
                               unsigned field, LLVMTypeRef ty, bool invariant)
{
    LLVMValueRef g = LLVMBuildStructGEP2(b, st, p, field, "");
    LLVMValueRef v = tag(c, LLVMBuildLoad2(b, ty, g, ""), c->lm->tbaa_vm);
    if (invariant)
        set_invariant(c, v);
    return v;
}

static LLVMValueRef vmctx_field(lower_ctx *c, unsigned field, LLVMValueRef *cache)
{
    if (!*cache)
        *cache = load_field(c, c->eb, c->lm->t_vmctx, c->vmctx, field, c->lm->t_ptr, true);
    return *cache;
}

/* Element `idx` (ptr) of a hoisted array of pointers, itself hoisted. */
static LLVMValueRef hoisted_elem(lower_ctx *c, LLVMValueRef arr, uint32_t idx)
{
    LLVMValueRef i = LLVMConstInt(c->lm->t_i64, idx, 0);
    LLVMValueRef g = LLVMBuildGEP2(c->eb, c->lm->t_ptr, arr, &i, 1, "");
    LLVMValueRef v = tag(c, LLVMBuildLoad2(c->eb, c->lm->t_ptr, g, ""), c->lm->tbaa_vm);
    set_invariant(c, v);
    return v;
}

static LLVMValueRef get_libcalls(lower_ctx *c)
{
    return vmctx_field(c, WACC_VMCTX_LIBCALLS, &c->h_libcalls);
}

static LLVMValueRef get_funcrefs(lower_ctx *c)
{
    return vmctx_field(c, WACC_VMCTX_FUNCREFS, &c->h_funcrefs);
}

static LLVMValueRef get_table(lower_ctx *c, uint32_t t)
{
    if (t >= c->m->ntables) {
        fail(c, "internal error: table index out of range");
        return LLVMConstNull(c->lm->t_ptr);
    }
    if (!c->h_tables[t])
        c->h_tables[t] = hoisted_elem(c, vmctx_field(c, WACC_VMCTX_TABLES, &c->h_tables_arr), t);
    return c->h_tables[t];
}

/* Global g's cell (ABI v4): a defined global's is its slot inline in the
 * vmctx (a constant offset, no load); an imported global's slot holds a
 * pointer to the exporter's cell, loaded once in the entry block. */
static LLVMValueRef get_cell(lower_ctx *c, uint32_t g)
{
    if (!c->h_cells[g]) {
        LLVMValueRef off = LLVMConstInt(c->lm->t_i64, WACC_VMCTX_GLOBAL_SLOT(g), 0);
        LLVMValueRef slot = LLVMBuildInBoundsGEP2(c->eb, c->lm->t_i8, c->vmctx, &off, 1, "");
        if (g < c->m->nimported_globals) {
            slot = tag(c, LLVMBuildLoad2(c->eb, c->lm->t_ptr, slot, ""), c->lm->tbaa_vm);
            set_invariant(c, slot);
        }
        c->h_cells[g] = slot;
    }
    return c->h_cells[g];
}

LLVMValueRef lower_memory_struct(lower_ctx *c, uint32_t memidx)
{
    if (memidx >= c->m->nmemories) {
        fail(c, "internal error: memory index out of range");
        return LLVMConstNull(c->lm->t_ptr);
    }
    if (!c->h_mem[memidx]) {
        if (memidx == 0) {
            LLVMValueRef dummy = NULL;
            c->h_mem[0] = vmctx_field(c, WACC_VMCTX_MEM0, &dummy);
        } else {
            c->h_mem[memidx] = hoisted_elem(c, vmctx_field(c, WACC_VMCTX_MEMORIES, &c->h_mems_arr),
                                            memidx);
        }
    }
    return c->h_mem[memidx];
}

static LLVMValueRef mem_base(lower_ctx *c, uint32_t memidx)
{
    if (memidx == 0)
        return vmctx_field(c, WACC_VMCTX_MEM0_BASE, &c->h_mem0_base);
    if (memidx >= c->m->nmemories) {
        fail(c, "internal error: memory index out of range");
        return LLVMConstNull(c->lm->t_ptr);
    }
    if (!c->h_membase[memidx])
        c->h_membase[memidx] = load_field(c, c->eb, c->lm->t_memory, lower_memory_struct(c, memidx),
                                          WACC_MEMORY_BASE, c->lm->t_ptr, true);
    return c->h_membase[memidx];
}

LLVMValueRef lower_mem_size(lower_ctx *c, uint32_t memidx)
{
    return load_field(c, c->b, c->lm->t_memory, lower_memory_struct(c, memidx),
                      WACC_MEMORY_SIZE, c->lm->t_i64, false);
}

/* ---- libcalls and traps ---------------------------------------------- */

static LLVMValueRef libcall_ptr(lower_ctx *c, unsigned slot)
{
    return load_field(c, c->b, c->lm->t_libcalls, get_libcalls(c), slot, c->lm->t_ptr, true);
}

LLVMValueRef lower_libcall(lower_ctx *c, unsigned slot, LLVMTypeRef ret,
                           LLVMValueRef *args, unsigned nargs)
{
    LLVMTypeRef ps[8];
    LLVMValueRef as[8];
    if (nargs + 1 > 8 || slot >= WACC_LIBCALL__COUNT) {
        fail(c, "internal error: bad libcall");
        return LLVMGetPoison(c->lm->t_i32);
    }
    ps[0] = c->lm->t_ptr;
    as[0] = c->vmctx;
    for (unsigned i = 0; i < nargs; i++) {
        ps[i + 1] = LLVMTypeOf(args[i]);
        as[i + 1] = args[i];
    }
    LLVMTypeRef ft = LLVMFunctionType(ret, ps, nargs + 1, 0);
    return LLVMBuildCall2(c->b, ft, libcall_ptr(c, slot), as, nargs + 1, "");
}

static void add_call_attr(lower_ctx *c, LLVMValueRef call, const char *name)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(c->lm->ctx, kind, 0));
}

/* The shared trap block for `code`: phi(wasm offset) -> libcalls->trap. */
static LLVMBasicBlockRef trap_block(lower_ctx *c, uint32_t code)
{
    if (c->trap_bb[code])
        return c->trap_bb[code];
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(c->b);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "trap");
    LLVMPositionBuilderAtEnd(c->b, bb);
    LLVMValueRef phi = LLVMBuildPhi(c->b, c->lm->t_i32, "trap.off");
    LLVMValueRef args[3] = {
        LLVMConstInt(c->lm->t_i32, code, 0),
        LLVMConstInt(c->lm->t_i32, c->func_index, 0),
        phi,
    };
    LLVMValueRef call = lower_libcall(c, WACC_LIBCALL_TRAP, c->lm->t_void, args, 3);
    add_call_attr(c, call, "noreturn");
    add_call_attr(c, call, "cold");
    LLVMBuildUnreachable(c->b);
    LLVMPositionBuilderAtEnd(c->b, saved);
    c->trap_bb[code] = bb;
    c->trap_phi[code] = phi;
    return bb;
}

static LLVMValueRef offset_const(lower_ctx *c)
{
    return LLVMConstInt(c->lm->t_i32, c->cur_offset, 0);
}

void lower_trap_if(lower_ctx *c, LLVMValueRef cond, uint32_t trap_code)
{
    if (trap_code >= WACC_TRAP__COUNT) {
        fail(c, "internal error: bad trap code");
        return;
    }
    LLVMBasicBlockRef tb = trap_block(c, trap_code);
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "ok");
    LLVMValueRef off = offset_const(c);
    LLVMAddIncoming(c->trap_phi[trap_code], &off, &cur, 1);
    LLVMValueRef br = LLVMBuildCondBr(c->b, cond, tb, cont);
    LLVMSetMetadata(br, c->lm->md_prof, c->lm->md_unlikely);
    continue_at(c, cont);
}

/* Unconditional trap; the caller marks the frame unreachable. */
static void trap_now(lower_ctx *c, uint32_t trap_code)
{
    LLVMBasicBlockRef tb = trap_block(c, trap_code);
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
    LLVMValueRef off = offset_const(c);
    LLVMAddIncoming(c->trap_phi[trap_code], &off, &cur, 1);
    LLVMBuildBr(c->b, tb);
}

/* ---- memory addressing -------------------------------------------------- */

/* Split an i32 index into x + c (mod 2^32), c a sign-extended constant,
 * looking through a few `add x, const` instructions. */
static LLVMValueRef split_index(LLVMValueRef v, int64_t *c)
{
    uint32_t sum = 0;
    for (int depth = 0; depth < 4 && LLVMIsAInstruction(v) &&
                        LLVMGetInstructionOpcode(v) == LLVMAdd; depth++) {
        LLVMValueRef a = LLVMGetOperand(v, 0), b = LLVMGetOperand(v, 1);
        if (LLVMIsAConstantInt(b)) {
            sum += (uint32_t)LLVMConstIntGetZExtValue(b);
            v = a;
        } else if (LLVMIsAConstantInt(a)) {
            sum += (uint32_t)LLVMConstIntGetZExtValue(a);
            v = b;
        } else {
            break;
        }
    }
    *c = (int32_t)sum;
    return v;
}

/* A 32-bit memory that may reach 65536 pages (4 GiB): no maximum, or one
 * over 65535. */
static bool mem_may_be_full_type(const wasm_memtype *mt)
{
    return !mt->is64 && (!mt->limits.has_max || mt->limits.max > 65535);
}

static bool mem_may_be_full(lower_ctx *c, uint32_t mem)
{
    return mem_may_be_full_type(&c->m->memories[mem]);
}

/* May the code rely on memory `mem` having at most 65535 pages (anchoring,
 * nuw on index bumps)? Always for memories declared smaller. For a memory
 * that may become full, only memory 0 in a function's main version when
 * the memory cannot grow while it runs (no memory.grow or call_indirect,
 * calls only of functions that never grow it: lower_nogrow.c), which
 * checks at entry that memory 0 is not full and otherwise runs the
 * function's plain version (lower_function); or in the anchored copy of
 * a versioned loop (version_loop). */
static bool anchor_allowed(lower_ctx *c, uint32_t mem)
{
    if (!mem_may_be_full(c, mem))
        return true;
    if (mem != 0 || !c->full_ok)
        return false;
    c->relied = true;
    for (uint32_t i = 0; i < c->nctrl && !c->relied_loop; i++)
        c->relied_loop = c->ctrl[i].kind == CT_LOOP;
    return true;
}

/* Address anchoring. A guard-page access at index a = x + c that did not
 * trap proves a <= 4 GiB - 64 KiB - 1 while the memory has at most
 * WACC_MEMORY_MAX_PAGES32 pages (see anchor_allowed). A later access in the same block
 * (block_key: the straight-line code it dominates) at
 * x + c2 = a + d (mod 2^32) then uses zext(a) + d instead of
 * zext(x + c2): equal whenever 0 <= d < 64 KiB (no wrap), and for
 * -64 KiB <= d < 0 with no memarg offset, either equal or both trap (the
 * wasm index wraps to >= 4 GiB - 64 KiB, out of bounds; ours lands in the
 * guard below the base). LLVM then sees one zext per base pointer plus
 * constant offsets, which alias analysis, LICM and the vectoriser's
 * interleaved-access grouping understand. Returns the i64 index to use and
 * sets *rel to the extra byte offset. */
static LLVMValueRef anchored_index(lower_ctx *c, uint32_t mem, LLVMValueRef index, uint64_t offset,
                                   LLVMValueRef zext_index, int64_t *rel)
{
    *rel = 0;
    if (LLVMIsAConstant(index))
        return zext_index;
    LLVMBasicBlockRef bb = block_key(c);
    if (c->anchor_bb != bb) {
        c->anchor_bb = bb;
        c->nanchors = 0;
        c->next_anchor = 0;
    }
    int64_t k;
    LLVMValueRef x = split_index(index, &k);
    for (unsigned i = 0; i < c->nanchors; i++) {
        struct anchor *a = &c->anchors[i];
        if (a->x != x || a->mem != mem)
            continue;
        int64_t d = (int32_t)(uint32_t)(k - a->c);
        if (d == 0) {
            *rel = 0;
            return a->z;
        }
        if (((d >= 0 && d < WACC_MEMORY_LOW_GUARD) || (d < 0 && d >= -(int64_t)WACC_MEMORY_LOW_GUARD && !offset)) &&
            anchor_allowed(c, mem)) {
            *rel = d;
            return a->z;
        }
        return zext_index;
    }
    struct anchor *a = &c->anchors[c->next_anchor];
    c->next_anchor = (c->next_anchor + 1) % ANCHORS;
    if (c->nanchors < ANCHORS)
        c->nanchors++;
    a->x = x;
    a->c = k;
    a->z = zext_index;
    a->mem = mem;
    return zext_index;
}

bool lower_keep_free(lower_ctx *c)
{
    for (uint32_t i = c->nctrl; i-- > 0;)
        if (c->ctrl[i].kind == CT_LOOP)
            return !c->ctrl[i].vector_loop;
    return true;
}

bool lower_index_accessed(lower_ctx *c, LLVMValueRef x)
{
    if (c->anchor_bb != block_key(c))
        return false;
    for (unsigned i = 0; i < c->nanchors; i++)
        if (c->anchors[i].x == x && c->anchors[i].c == 0 && anchor_allowed(c, c->anchors[i].mem))
            return true;
    return false;
}

/* Root bases. Every address is memory 0's base plus an index, so in a
 * loop all accesses share one underlying object, and LLVM's loop access
 * analysis, unable to tell `c[j]` from `b[j]` apart, retries with runtime
 * checks that give every pointer its own check group: `c[j]` against
 * `c[j+1]` (an unrolled pair) then always overlaps and the vector loop
 * never runs. In an innermost loop without calls or memory.grow (the base
 * cannot change), accesses whose index is a local plus a constant use a
 * copy of the base that LLVM cannot see through, one per local, made in
 * the loop's preheader (lower_root_copy). Accesses off one local then
 * share an underlying object and group into one check; different locals
 * still may alias (the copies are not identified objects), so the
 * analysis checks them at run time, as it does for two pointer
 * arguments. The generated code is the same address. */
static LLVMValueRef root_base(lower_ctx *c, LLVMValueRef index, uint64_t offset, LLVMValueRef base)
{
    if (!c->root_header || c->root_frame >= c->nctrl || c->ctrl[c->root_frame].kind != CT_LOOP ||
        c->ctrl[c->root_frame].header != c->root_header || LLVMIsAConstant(index))
        return base;
    int64_t k;
    LLVMValueRef x = split_index(index, &k);
    if (!LLVMIsALoadInst(x))
        return base;
    LLVMValueRef slot = LLVMGetOperand(x, 0);
    uint32_t local = c->nlocals;
    for (uint32_t i = 0; i < c->nlocals; i++)
        if (c->locals[i] == slot) {
            local = i;
            break;
        }
    if (local == c->nlocals)
        return base;
    int64_t off = k + (int64_t)offset;
    for (unsigned i = 0; i < c->nroots; i++)
        if (c->roots[i].local == local) {
            c->roots[i].pair |= c->roots[i].off != off;
            return c->roots[i].base;
        }
    if (c->nroots == ROOTS)
        return base;
    LLVMBuilderRef b = LLVMCreateBuilderInContext(c->lm->ctx);
    LLVMPositionBuilderBefore(b, c->root_br);
    LLVMValueRef r = lower_root_copy(b, c->lm->mod, base, c->root_seq++);
    LLVMDisposeBuilder(b);
    c->roots[c->nroots].local = local;
    c->roots[c->nroots].base = r;
    c->roots[c->nroots].off = off;
    c->roots[c->nroots].pair = false;
    c->nroots++;
    return r;
}

/* After the loop: the copies pay off only where some local is accessed at
 * two offsets (an unrolled pair that must share a check group). Without
 * one they would only let LLVM vectorise short loops it left alone before
 * (fannkuch's flips: more work around the loop than in it), so every copy
 * becomes the base again. */
static void roots_finish(lower_ctx *c)
{
    bool pair = false;
    for (unsigned i = 0; i < c->nroots; i++)
        pair |= c->roots[i].pair;
    for (unsigned i = 0; i < c->nroots && !pair; i++) {
        LLVMValueRef r = c->roots[i].base;
        LLVMReplaceAllUsesWith(r, LLVMGetOperand(r, 0));
        LLVMInstructionEraseFromParent(r);
    }
    c->nroots = 0;
    c->root_header = NULL;
}

/* --bounds-checks: every access compares its index with the memory's
 * current size and branches to the trap, as memory64 accesses always do.
 * A trap is then an exit LLVM sees, so no store before it is sunk past it
 * or dropped and no load after it is hoisted above it: memory after a trap
 * holds exactly the stores made before it, for an embedder that reads it.
 * With guard pages alone LLVM takes every load for one that cannot fail. */
static bool explicit_bounds(const lower_ctx *c)
{
    return c->lm->o && c->lm->o->explicit_bounds;
}

/* Whether an i32 access at constant `index` needing `need` bytes past it
 * lies beyond everything memory `mt` can ever hold (its declared maximum,
 * or 4 GiB): no memory.grow can make it valid. */
static bool past_max(const wasm_memtype *mt, LLVMValueRef index, uint64_t need)
{
    uint64_t pages = mt->limits.has_max ? mt->limits.max : WASM_MAX_PAGES_32;
    if (pages > WASM_MAX_PAGES_32)
        pages = WASM_MAX_PAGES_32;
    return LLVMConstIntGetZExtValue(index) + need > pages * WASM_PAGE_SIZE;
}

LLVMValueRef lower_mem_addr(lower_ctx *c, const wasm_memarg *ma, LLVMValueRef index, unsigned size)
{
    lower_mod *lm = c->lm;
    uint32_t mi = ma->memidx;
    if (mi >= c->m->nmemories) {
        fail(c, "internal error: memory index out of range");
        return LLVMConstNull(lm->t_ptr);
    }
    bool is64 = LLVMTypeOf(index) == lm->t_i64;
    LLVMValueRef idx = is64 ? index : LLVMBuildZExt(c->b, index, lm->t_i64, "");
    uint64_t need = ma->offset + size;
    bool need_ovf = need < ma->offset;
    /* base + zext(i32) + offset + size stays inside the reservation only
     * when offset + size <= 4 GiB; otherwise (and for memory64, and for
     * every access with --bounds-checks) check. */
    if (is64 || need_ovf || need > (1ull << 32) || explicit_bounds(c)) {
        LLVMValueRef cond;
        if (need_ovf) {
            cond = LLVMConstInt(lm->t_i1, 1, 0);
        } else {
            LLVMValueRef msize = lower_mem_size(c, mi);
            LLVMValueRef needv = LLVMConstInt(lm->t_i64, need, 0);
            LLVMValueRef too_small = LLVMBuildICmp(c->b, LLVMIntULT, msize, needv, "");
            LLVMValueRef room = LLVMBuildSub(c->b, msize, needv, "");
            LLVMValueRef past = LLVMBuildICmp(c->b, LLVMIntUGT, idx, room, "");
            cond = LLVMBuildOr(c->b, too_small, past, "");
        }
        lower_trap_if(c, cond, WACC_TRAP_MEMORY_OOB);
    } else if (LLVMIsAConstantInt(index) && past_max(&c->m->memories[mi], index, need)) {
        /* A constant address beyond the memory's declared maximum traps
         * every time. Left to the guard pages, LLVM would take the load
         * for one that cannot fail and move it above earlier stores (GVN
         * load PRE) or move those stores past it (LICM), so memory after
         * the trap would miss them (fuzz seed 61210). An explicit branch
         * to the trap keeps every earlier store before it. */
        lower_trap_if(c, LLVMConstInt(lm->t_i1, 1, 0), WACC_TRAP_MEMORY_OOB);
    }
    int64_t rel = 0;
    if (!is64 && !need_ovf && need <= (1ull << 32))
        idx = anchored_index(c, mi, index, ma->offset, idx, &rel);
    LLVMValueRef base = mem_base(c, mi);
    if (mi == 0 && !is64)
        base = root_base(c, index, ma->offset, base);
    LLVMValueRef p = LLVMBuildGEP2(c->b, lm->t_i8, base, &idx, 1, "");
    if (ma->offset || rel) {
        LLVMValueRef off = LLVMConstInt(lm->t_i64, (uint64_t)((int64_t)ma->offset + rel), 1);
        p = LLVMBuildGEP2(c->b, lm->t_i8, p, &off, 1, "");
    }
    return p;
}

/* Whether lower_mem_addr guards this access with the guard pages alone. */
bool lower_mem_guarded(lower_ctx *c, const wasm_memarg *ma, LLVMValueRef index, unsigned size)
{
    uint64_t need = ma->offset + size;
    return LLVMTypeOf(index) != c->lm->t_i64 && need >= ma->offset && need <= (1ull << 32) &&
           !explicit_bounds(c);
}

/* ---- control frames ---------------------------------------------------- */

static const uint8_t *frame_results(const ctrl *f)
{
    return f->results ? f->results : &f->single;
}

static LLVMValueRef *make_phis(lower_ctx *c, LLVMBasicBlockRef bb, const uint8_t *types, uint32_t n)
{
    if (n == 0)
        return NULL;
    LLVMValueRef *phis = malloc(n * sizeof *phis);
    if (!phis) {
        fail(c, "out of memory");
        return NULL;
    }
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(c->b);
    LLVMPositionBuilderAtEnd(c->b, bb);
    for (uint32_t i = 0; i < n; i++)
        phis[i] = LLVMBuildPhi(c->b, lower_valtype(c, types[i]), "");
    LLVMPositionBuilderAtEnd(c->b, saved);
    return phis;
}

static ctrl *push_frame(lower_ctx *c, uint8_t kind, const wasm_insn *in)
{
    ctrl *cs = grow(c, c->ctrl, &c->ctrl_cap, c->nctrl + 1, sizeof *cs);
    if (!cs)
        return NULL;
    c->ctrl = cs;
    ctrl *f = &c->ctrl[c->nctrl];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    if (kind == CT_FUNC) {
        f->results = c->ft->results;
        f->nresults = c->ft->nresults;
    } else if (in->imm.block.kind == WASM_BLOCK_VALTYPE) {
        f->single = in->imm.block.valtype;
        f->nresults = 1;
    } else if (in->imm.block.kind == WASM_BLOCK_TYPEIDX) {
        if (in->imm.block.typeidx >= c->m->ntypes) {
            fail(c, "internal error: block type index out of range");
            return NULL;
        }
        const wasm_functype *bt = &c->m->types[in->imm.block.typeidx];
        f->params = bt->params;
        f->nparams = bt->nparams;
        f->results = bt->results;
        f->nresults = bt->nresults;
    }
    if (c->sp < f->nparams || (c->nctrl && c->sp - f->nparams < c->ctrl[c->nctrl - 1].height)) {
        fail(c, "internal error: operand stack underflow at block");
        return NULL;
    }
    f->height = c->sp - f->nparams;
    f->merge = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "end");
    f->phis = make_phis(c, f->merge, frame_results(f), f->nresults);
    c->nctrl++;
    return f;
}

static void free_frame(ctrl *f)
{
    free(f->phis);
    free(f->hphis);
    free(f->ifparams);
}

/* Add the top `n` stack values as incoming to `phis` from the current block. */
static void add_incoming(lower_ctx *c, LLVMValueRef *phis, uint32_t n)
{
    if (c->sp < n) {
        fail(c, "internal error: operand stack underflow at branch");
        return;
    }
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
    for (uint32_t i = 0; i < n; i++)
        LLVMAddIncoming(phis[i], &c->stack[c->sp - n + i], &cur, 1);
}

/* Wire the values for label `depth` and return its target block (the
 * caller emits the branch). */
static LLVMBasicBlockRef label_target(lower_ctx *c, uint32_t depth)
{
    if (depth >= c->nctrl) {
        fail(c, "internal error: branch depth out of range");
        return NULL;
    }
    ctrl *f = &c->ctrl[c->nctrl - 1 - depth];
    if (f->kind == CT_LOOP) {
        add_incoming(c, f->hphis, f->nparams);
        return f->header;
    }
    add_incoming(c, f->phis, f->nresults);
    f->nincoming++;
    return f->merge;
}

static void mark_dead(lower_ctx *c)
{
    c->ctrl[c->nctrl - 1].unreachable = true;
}

static void branch(lower_ctx *c, uint32_t depth)
{
    LLVMBasicBlockRef t = label_target(c, depth);
    if (t)
        LLVMBuildBr(c->b, t);
    mark_dead(c);
}

static void do_block(lower_ctx *c, const wasm_insn *in)
{
    push_frame(c, CT_BLOCK, in);
}

static void do_loop(lower_ctx *c, const wasm_insn *in)
{
    ctrl *f = push_frame(c, CT_LOOP, in);
    if (!f)
        return;
    f->header = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "loop");
    f->hphis = make_phis(c, f->header, f->params, f->nparams);
    add_incoming(c, f->hphis, f->nparams);
    LLVMValueRef br = LLVMBuildBr(c->b, f->header);
    roots_finish(c);
    if (c->next_loop_rootable) {
        c->root_header = f->header;
        c->root_br = br;
        c->root_frame = c->nctrl - 1;
        c->nroots = 0;
    }
    c->next_loop_rootable = false;
    f->vector_loop = c->next_loop_vector;
    c->next_loop_vector = false;
    LLVMPositionBuilderAtEnd(c->b, f->header);
    for (uint32_t i = 0; i < f->nparams; i++)
        c->stack[f->height + i] = f->hphis[i];
}

static void do_if(lower_ctx *c, const wasm_insn *in)
{
    LLVMValueRef cond = lower_pop(c);
    ctrl *f = push_frame(c, CT_IF, in);
    if (!f)
        return;
    LLVMBasicBlockRef then_bb = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "then");
    f->else_bb = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "else");
    if (f->nparams) {
        f->ifparams = malloc(f->nparams * sizeof *f->ifparams);
        if (!f->ifparams) {
            fail(c, "out of memory");
            return;
        }
        memcpy(f->ifparams, &c->stack[f->height], f->nparams * sizeof *f->ifparams);
    }
    LLVMValueRef nz = LLVMBuildICmp(c->b, LLVMIntNE, cond, LLVMConstInt(c->lm->t_i32, 0, 0), "");
    LLVMBuildCondBr(c->b, nz, then_bb, f->else_bb);
    continue_at(c, then_bb);
}

static void do_else(lower_ctx *c)
{
    ctrl *f = &c->ctrl[c->nctrl - 1];
    if (f->kind != CT_IF || f->has_else) {
        fail(c, "internal error: else without if");
        return;
    }
    if (!f->unreachable) {
        add_incoming(c, f->phis, f->nresults);
        f->nincoming++;
        LLVMBuildBr(c->b, f->merge);
    }
    c->sp = f->height;
    for (uint32_t i = 0; i < f->nparams; i++)
        lower_push(c, f->ifparams[i]);
    f->has_else = true;
    f->unreachable = false;
    LLVMPositionBuilderAtEnd(c->b, f->else_bb);
}

static void finish_function(lower_ctx *c, ctrl *f)
{
    lower_mod *lm = c->lm;
    if (f->nincoming == 0) {
        for (uint32_t i = 0; i < f->nresults; i++)
            LLVMInstructionEraseFromParent(f->phis[i]);
        LLVMDeleteBasicBlock(f->merge);
        return;
    }
    LLVMMoveBasicBlockAfter(f->merge, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(c->b, f->merge);
    if (f->nresults == 0) {
        LLVMBuildRetVoid(c->b);
    } else if (f->nresults == 1) {
        LLVMBuildRet(c->b, f->phis[0]);
    } else {
        LLVMTypeRef rt = LLVMGetReturnType(lm->fn_types[c->m->func_types[c->func_index]]);
        LLVMValueRef agg = LLVMGetPoison(rt);
        for (uint32_t i = 0; i < f->nresults; i++)
            agg = LLVMBuildInsertValue(c->b, agg, f->phis[i], i, "");
        LLVMBuildRet(c->b, agg);
    }
}

static void do_end(lower_ctx *c)
{
    ctrl *f = &c->ctrl[c->nctrl - 1];
    if (!f->unreachable) {
        add_incoming(c, f->phis, f->nresults);
        f->nincoming++;
        LLVMBuildBr(c->b, f->merge);
    }
    if (f->kind == CT_IF && !f->has_else) {
        /* The implicit else passes the params through as results. */
        LLVMPositionBuilderAtEnd(c->b, f->else_bb);
        LLVMBasicBlockRef cur = f->else_bb;
        for (uint32_t i = 0; i < f->nresults && i < f->nparams; i++)
            LLVMAddIncoming(f->phis[i], &f->ifparams[i], &cur, 1);
        f->nincoming++;
        LLVMBuildBr(c->b, f->merge);
    }
    c->sp = f->height;
    if (f->kind == CT_FUNC) {
        finish_function(c, f);
        free_frame(f);
        c->nctrl--;
        return;
    }
    ctrl fr = *f;
    c->nctrl--;
    if (fr.nincoming == 0) {
        for (uint32_t i = 0; i < fr.nresults; i++)
            LLVMInstructionEraseFromParent(fr.phis[i]);
        LLVMDeleteBasicBlock(fr.merge);
        mark_dead(c);
    } else {
        LLVMMoveBasicBlockAfter(fr.merge, LLVMGetInsertBlock(c->b));
        LLVMPositionBuilderAtEnd(c->b, fr.merge);
        for (uint32_t i = 0; i < fr.nresults; i++)
            lower_push(c, fr.phis[i]);
    }
    free_frame(&fr);
}

static void do_br_if(lower_ctx *c, uint32_t depth)
{
    LLVMValueRef cond = lower_pop(c);
    LLVMBasicBlockRef t = label_target(c, depth);
    if (!t)
        return;
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "br_if.cont");
    LLVMValueRef nz = LLVMBuildICmp(c->b, LLVMIntNE, cond, LLVMConstInt(c->lm->t_i32, 0, 0), "");
    LLVMBuildCondBr(c->b, nz, t, cont);
    continue_at(c, cont);
}

static void do_br_table(lower_ctx *c, const wasm_insn *in)
{
    LLVMValueRef idx = lower_pop(c);
    uint32_t n = in->imm.br_table.count;
    const uint32_t *labels = in->imm.br_table.labels;
    bool all_same = true;
    for (uint32_t i = 0; i < n; i++)
        if (labels[i] != in->imm.br_table.def)
            all_same = false;
    if (all_same) {
        branch(c, in->imm.br_table.def);
        return;
    }
    /* One trampoline block per distinct target, so the target phis get a
     * single incoming edge per trampoline. */
    LLVMBasicBlockRef *tramp = calloc(c->nctrl, sizeof *tramp);
    if (!tramp) {
        fail(c, "out of memory");
        return;
    }
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
    for (uint32_t i = 0; i <= n && !c->failed; i++) {
        uint32_t d = i < n ? labels[i] : in->imm.br_table.def;
        if (d >= c->nctrl) {
            fail(c, "internal error: br_table depth out of range");
            break;
        }
        if (tramp[d])
            continue;
        tramp[d] = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "br_table.case");
        LLVMPositionBuilderAtEnd(c->b, tramp[d]);
        LLVMBasicBlockRef t = label_target(c, d);
        if (t)
            LLVMBuildBr(c->b, t);
    }
    LLVMPositionBuilderAtEnd(c->b, cur);
    if (!c->failed) {
        LLVMValueRef sw = LLVMBuildSwitch(c->b, idx, tramp[in->imm.br_table.def], n);
        for (uint32_t i = 0; i < n; i++)
            LLVMAddCase(sw, LLVMConstInt(c->lm->t_i32, i, 0), tramp[labels[i]]);
    }
    free(tramp);
    mark_dead(c);
}

/* ---- calls ---------------------------------------------------------- */

/* Pop the params of type `typeidx`, call fnptr(callee_vmctx, params...),
 * push the results. */
static LLVMValueRef emit_call(lower_ctx *c, uint32_t typeidx, LLVMValueRef fnptr,
                              LLVMValueRef callee_vmctx, bool push)
{
    if (typeidx >= c->m->ntypes) {
        fail(c, "internal error: type index out of range");
        return NULL;
    }
    const wasm_functype *ft = &c->m->types[typeidx];
    uint32_t np = ft->nparams;
    LLVMValueRef *a = grow(c, c->args, &c->args_cap, np + 1, sizeof *a);
    if (!a)
        return NULL;
    c->args = a;
    if (c->sp < np || c->sp - np < c->ctrl[c->nctrl - 1].height) {
        fail(c, "internal error: operand stack underflow at call");
        return NULL;
    }
    a[0] = callee_vmctx;
    if (np > 0)
        memcpy(&a[1], &c->stack[c->sp - np], np * sizeof *a);
    c->sp -= np;
    LLVMTypeRef fty = c->lm->fn_types[typeidx];
    LLVMValueRef call = LLVMBuildCall2(c->b, fty, fnptr, a, np + 1, "");
    if (!push)
        return call;
    if (ft->nresults == 1) {
        lower_push(c, call);
    } else {
        for (uint32_t i = 0; i < ft->nresults; i++)
            lower_push(c, LLVMBuildExtractValue(c->b, call, i, ""));
    }
    return call;
}

static LLVMValueRef funcref_field(lower_ctx *c, LLVMValueRef fr, unsigned field, LLVMTypeRef ty,
                                  bool invariant)
{
    return load_field(c, c->b, c->lm->t_funcref, fr, field, ty, invariant);
}

static LLVMValueRef plain_decl(lower_mod *lm, uint32_t f);

static LLVMValueRef do_call(lower_ctx *c, uint32_t fidx, bool push)
{
    const wasm_module *m = c->m;
    if (fidx >= m->nfuncs) {
        fail(c, "internal error: function index out of range");
        return NULL;
    }
    uint32_t ti = m->func_types[fidx];
    if (fidx >= m->nimported_funcs && c->full_mem && c->lm->plains && c->lm->never_grows[fidx])
        return emit_call(c, ti, plain_decl(c->lm, fidx), c->vmctx, push);
    if (fidx >= m->nimported_funcs)
        return emit_call(c, ti, lower_mod_func(c->lm, fidx), c->vmctx, push);
    LLVMValueRef i = LLVMConstInt(c->lm->t_i64, fidx, 0);
    LLVMValueRef fr = LLVMBuildGEP2(c->b, c->lm->t_funcref, get_funcrefs(c), &i, 1, "");
    LLVMValueRef code = funcref_field(c, fr, WACC_FUNCREF_CODE, c->lm->t_ptr, true);
    LLVMValueRef cv = funcref_field(c, fr, WACC_FUNCREF_VMCTX, c->lm->t_ptr, true);
    return emit_call(c, ti, code, cv, push);
}

/* Bounds-checked pointer to element `idx` of table `t`. */
static LLVMValueRef table_elem_ptr(lower_ctx *c, uint32_t t, LLVMValueRef idx)
{
    lower_mod *lm = c->lm;
    LLVMValueRef tab = get_table(c, t);
    LLVMValueRef size = load_field(c, c->b, lm->t_table, tab, WACC_TABLE_SIZE, lm->t_i32, false);
    lower_trap_if(c, LLVMBuildICmp(c->b, LLVMIntUGE, idx, size, ""), WACC_TRAP_TABLE_OOB);
    LLVMValueRef elems = load_field(c, c->b, lm->t_table, tab, WACC_TABLE_ELEMS, lm->t_ptr, false);
    LLVMValueRef i64 = LLVMBuildZExt(c->b, idx, lm->t_i64, "");
    return LLVMBuildGEP2(c->b, lm->t_ptr, elems, &i64, 1, "");
}

static LLVMValueRef do_call_indirect(lower_ctx *c, uint32_t typeidx, uint32_t table, bool push)
{
    lower_mod *lm = c->lm;
    if (typeidx >= c->m->ntypes) {
        fail(c, "internal error: type index out of range");
        return NULL;
    }
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef ep = table_elem_ptr(c, table, idx);
    LLVMValueRef fr = tag(c, LLVMBuildLoad2(c->b, lm->t_ptr, ep, ""), lm->tbaa_table);
    lower_trap_if(c, LLVMBuildIsNull(c->b, fr, ""), WACC_TRAP_INDIRECT_NULL);
    LLVMValueRef got = funcref_field(c, fr, WACC_FUNCREF_TYPE_ID, lm->t_i32, false);
    LLVMValueRef ti = LLVMConstInt(lm->t_i64, typeidx, 0);
    LLVMValueRef ids = vmctx_field(c, WACC_VMCTX_TYPE_IDS, &c->h_type_ids);
    LLVMValueRef want = LLVMBuildLoad2(c->b, lm->t_i32, LLVMBuildGEP2(c->b, lm->t_i32, ids, &ti, 1, ""), "");
    tag(c, want, lm->tbaa_vm);
    set_invariant(c, want);
    lower_trap_if(c, LLVMBuildICmp(c->b, LLVMIntNE, got, want, ""), WACC_TRAP_INDIRECT_TYPE);
    LLVMValueRef code = funcref_field(c, fr, WACC_FUNCREF_CODE, lm->t_ptr, false);
    LLVMValueRef cv = funcref_field(c, fr, WACC_FUNCREF_VMCTX, lm->t_ptr, false);
    return emit_call(c, typeidx, code, cv, push);
}

static bool same_sig(const wasm_functype *a, const wasm_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           memcmp(a->params, b->params, a->nparams) == 0 &&
           memcmp(a->results, b->results, a->nresults) == 0;
}

/* return_call / return_call_indirect. With the caller's own signature the
 * call is a guaranteed tail call (musttail + ret). Otherwise (validation
 * makes the results equal, only the parameters differ) it is a `tail` call
 * returned directly, and the function loses "disable-tail-calls" (set on
 * every function, lower_module.c): the x86-64 backend turns the call into a
 * jump when the callee's arguments fit in the caller's argument area, which
 * holds whenever all of them go in registers (vmctx plus at most 5 integer
 * and 8 float/vector parameters, a single result). Else it stays a call,
 * and unbounded recursion through it ends in a stack exhaustion trap. */
static void do_return_call(lower_ctx *c, const wasm_insn *in)
{
    bool ind = in->op == WASM_OP_RETURN_CALL_INDIRECT;
    uint32_t ti = ind ? in->imm.call_indirect.typeidx
                : in->imm.idx < c->m->nfuncs ? c->m->func_types[in->imm.idx] : 0;
    bool must = ti < c->m->ntypes && same_sig(&c->m->types[ti], c->ft);
    LLVMValueRef call = ind ? do_call_indirect(c, ti, in->imm.call_indirect.table, false)
                            : do_call(c, in->imm.idx, false);
    if (!call)
        return;
    LLVMSetTailCallKind(call, must ? LLVMTailCallKindMustTail : LLVMTailCallKindTail);
    if (!must)
        LLVMRemoveStringAttributeAtIndex(c->fn, LLVMAttributeFunctionIndex, "disable-tail-calls",
                                         (unsigned)strlen("disable-tail-calls"));
    if (c->ft->nresults == 0)
        LLVMBuildRetVoid(c->b);
    else
        LLVMBuildRet(c->b, call);
    mark_dead(c);
}

/* ---- variables, references, tables ------------------------------------ */

static bool check_local(lower_ctx *c, uint32_t i)
{
    if (i < c->nlocals)
        return true;
    fail(c, "internal error: local index out of range");
    return false;
}

static bool check_global(lower_ctx *c, uint32_t i)
{
    if (i < c->m->nglobals)
        return true;
    fail(c, "internal error: global index out of range");
    return false;
}

static void do_global_get(lower_ctx *c, uint32_t g)
{
    const wasm_globaltype *gt = &c->m->globals[g].type;
    LLVMValueRef v = LLVMBuildLoad2(c->b, lower_valtype(c, gt->valtype), get_cell(c, g), "");
    tag(c, v, c->lm->tbaa_global);
    if (!gt->is_mutable)
        set_invariant(c, v);
    lower_push(c, v);
}

static void do_table_get(lower_ctx *c, uint32_t t)
{
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef ep = table_elem_ptr(c, t, idx);
    lower_push(c, tag(c, LLVMBuildLoad2(c->b, c->lm->t_ptr, ep, ""), c->lm->tbaa_table));
}

static void do_table_set(lower_ctx *c, uint32_t t)
{
    LLVMValueRef v = lower_pop(c);
    LLVMValueRef idx = lower_pop(c);
    LLVMValueRef ep = table_elem_ptr(c, t, idx);
    tag(c, LLVMBuildStore(c->b, v, ep), c->lm->tbaa_table);
}

static void do_table_ops(lower_ctx *c, const wasm_insn *in)
{
    lower_mod *lm = c->lm;
    LLVMValueRef a[5];
    switch (in->op) {
    case WASM_OP_TABLE_SIZE:
        lower_push(c, load_field(c, c->b, lm->t_table, get_table(c, in->imm.idx), WACC_TABLE_SIZE,
                                 lm->t_i32, false));
        break;
    case WASM_OP_TABLE_GROW:
        a[2] = lower_pop(c);                           /* delta */
        a[1] = lower_pop(c);                           /* init */
        a[0] = LLVMConstInt(lm->t_i32, in->imm.idx, 0);
        lower_push(c, lower_libcall(c, WACC_LIBCALL_TABLE_GROW, lm->t_i32, a, 3));
        break;
    case WASM_OP_TABLE_FILL:
        a[3] = lower_pop(c);                           /* len */
        a[2] = lower_pop(c);                           /* val */
        a[1] = lower_pop(c);                           /* dst */
        a[0] = LLVMConstInt(lm->t_i32, in->imm.idx, 0);
        lower_libcall(c, WACC_LIBCALL_TABLE_FILL, lm->t_void, a, 4);
        break;
    case WASM_OP_TABLE_COPY:
        a[4] = lower_pop(c);                           /* len */
        a[3] = lower_pop(c);                           /* src */
        a[2] = lower_pop(c);                           /* dst */
        a[0] = LLVMConstInt(lm->t_i32, in->imm.pair.a, 0);
        a[1] = LLVMConstInt(lm->t_i32, in->imm.pair.b, 0);
        lower_libcall(c, WACC_LIBCALL_TABLE_COPY, lm->t_void, a, 5);
        break;
    case WASM_OP_TABLE_INIT:
        a[4] = lower_pop(c);
        a[3] = lower_pop(c);
        a[2] = lower_pop(c);
        a[0] = LLVMConstInt(lm->t_i32, in->imm.pair.b, 0);   /* table */
        a[1] = LLVMConstInt(lm->t_i32, in->imm.pair.a, 0);   /* elem */
        lower_libcall(c, WACC_LIBCALL_TABLE_INIT, lm->t_void, a, 5);
        break;
    case WASM_OP_ELEM_DROP:
        a[0] = LLVMConstInt(lm->t_i32, in->imm.idx, 0);
        lower_libcall(c, WACC_LIBCALL_ELEM_DROP, lm->t_void, a, 1);
        break;
    }
}

/* ---- the instruction loop ----------------------------------------------- */

/* A dropped value must still raise the out-of-bounds trap of the loads it
 * was computed from (guard pages): make the otherwise-dead linear-memory
 * loads feeding it volatile so LLVM keeps them. Loads of locals (allocas)
 * are left alone (mem2reg). */
static void keep_loads(LLVMValueRef v, int depth)
{
    if (LLVMIsALoadInst(v)) {
        if (!LLVMIsAAllocaInst(LLVMGetOperand(v, 0)))
            LLVMSetVolatile(v, 1);
        return;
    }
    if (depth > 4 || LLVMIsAPHINode(v) || LLVMIsACallInst(v))
        return;
    int n = LLVMGetNumOperands(v);
    for (int i = 0; i < n; i++) {
        LLVMValueRef op = LLVMGetOperand(v, i);
        LLVMUseRef u = LLVMIsAInstruction(op) ? LLVMGetFirstUse(op) : NULL;
        if (u && !LLVMGetNextUse(u))        /* dies with v */
            keep_loads(op, depth + 1);
    }
}

static void do_drop(lower_ctx *c)
{
    LLVMValueRef v = lower_pop(c);
    if (LLVMIsAInstruction(v) && !LLVMGetFirstUse(v))
        keep_loads(v, 0);
}

static void dispatch_other(lower_ctx *c, const wasm_insn *in)
{
    bool ok;
    if (wasm_op_is_simd(in->op))
        ok = lower_simd(c, in);
    else
        ok = lower_numeric(c, in) || lower_memory(c, in);
    if (!ok && !c->failed) {
        char buf[120];
        snprintf(buf, sizeof buf, "unsupported opcode %s (0x%x)", wasm_op_name(in->op), in->op);
        fail(c, buf);
    }
}

/* local.get/local.set through the per-block value cache: within one
 * block a local holds the value last stored or loaded, so repeated
 * local.get of an unchanged local yield the same SSA value (which lets
 * lower_mem_addr recognise accesses off the same base). */
static LLVMValueRef local_get(lower_ctx *c, uint32_t i)
{
    LLVMBasicBlockRef bb = block_key(c);
    if (c->local_bb[i] == bb && c->local_val[i])
        return c->local_val[i];
    LLVMValueRef v = LLVMBuildLoad2(c->b, lower_valtype(c, c->local_types[i]), c->locals[i], "");
    c->local_val[i] = v;
    c->local_bb[i] = bb;
    return v;
}

static void local_set(lower_ctx *c, uint32_t i, LLVMValueRef v)
{
    LLVMBuildStore(c->b, v, c->locals[i]);
    c->local_val[i] = v;
    c->local_bb[i] = block_key(c);
}

static void lower_insn(lower_ctx *c, const wasm_insn *in)
{
    lower_mod *lm = c->lm;
    LLVMValueRef v, a, b;
    switch (in->op) {
    case WASM_OP_UNREACHABLE:
        trap_now(c, WACC_TRAP_UNREACHABLE);
        mark_dead(c);
        break;
    case WASM_OP_NOP:
        break;
    case WASM_OP_BLOCK: do_block(c, in); break;
    case WASM_OP_LOOP: do_loop(c, in); break;
    case WASM_OP_IF: do_if(c, in); break;
    case WASM_OP_ELSE: do_else(c); break;
    case WASM_OP_END: do_end(c); break;
    case WASM_OP_BR: branch(c, in->imm.idx); break;
    case WASM_OP_BR_IF: do_br_if(c, in->imm.idx); break;
    case WASM_OP_BR_TABLE: do_br_table(c, in); break;
    case WASM_OP_RETURN: branch(c, c->nctrl - 1); break;
    case WASM_OP_CALL: do_call(c, in->imm.idx, true); break;
    case WASM_OP_CALL_INDIRECT:
        do_call_indirect(c, in->imm.call_indirect.typeidx, in->imm.call_indirect.table, true);
        break;
    case WASM_OP_RETURN_CALL:
    case WASM_OP_RETURN_CALL_INDIRECT:
        do_return_call(c, in);
        break;
    case WASM_OP_DROP:
        do_drop(c);
        break;
    case WASM_OP_SELECT:
    case WASM_OP_SELECT_T:
        v = lower_pop(c);
        b = lower_pop(c);
        a = lower_pop(c);
        v = LLVMBuildICmp(c->b, LLVMIntNE, v, LLVMConstInt(lm->t_i32, 0, 0), "");
        lower_push(c, LLVMBuildSelect(c->b, v, a, b, ""));
        break;
    case WASM_OP_LOCAL_GET:
        if (check_local(c, in->imm.idx))
            lower_push(c, local_get(c, in->imm.idx));
        break;
    case WASM_OP_LOCAL_SET:
        v = lower_pop(c);
        if (check_local(c, in->imm.idx))
            local_set(c, in->imm.idx, v);
        break;
    case WASM_OP_LOCAL_TEE:
        v = lower_pop(c);
        if (check_local(c, in->imm.idx))
            local_set(c, in->imm.idx, v);
        lower_push(c, v);
        break;
    case WASM_OP_GLOBAL_GET:
        if (check_global(c, in->imm.idx))
            do_global_get(c, in->imm.idx);
        break;
    case WASM_OP_GLOBAL_SET:
        v = lower_pop(c);
        if (check_global(c, in->imm.idx))
            tag(c, LLVMBuildStore(c->b, v, get_cell(c, in->imm.idx)), lm->tbaa_global);
        break;
    case WASM_OP_REF_NULL:
        lower_push(c, LLVMConstNull(lm->t_ptr));
        break;
    case WASM_OP_REF_IS_NULL:
        v = LLVMBuildIsNull(c->b, lower_pop(c), "");
        lower_push(c, LLVMBuildZExt(c->b, v, lm->t_i32, ""));
        break;
    case WASM_OP_REF_FUNC:
        if (in->imm.idx >= c->m->nfuncs) {
            fail(c, "internal error: function index out of range");
            break;
        }
        lm->escapes[in->imm.idx] = true;
        v = LLVMConstInt(lm->t_i64, in->imm.idx, 0);
        lower_push(c, LLVMBuildGEP2(c->b, lm->t_funcref, get_funcrefs(c), &v, 1, ""));
        break;
    case WASM_OP_TABLE_GET: do_table_get(c, in->imm.idx); break;
    case WASM_OP_TABLE_SET: do_table_set(c, in->imm.idx); break;
    case WASM_OP_TABLE_SIZE:
    case WASM_OP_TABLE_GROW:
    case WASM_OP_TABLE_FILL:
    case WASM_OP_TABLE_COPY:
    case WASM_OP_TABLE_INIT:
    case WASM_OP_ELEM_DROP:
        if ((in->op == WASM_OP_ELEM_DROP || in->op == WASM_OP_TABLE_INIT) ? true
            : in->op == WASM_OP_TABLE_COPY ? (in->imm.pair.a < c->m->ntables && in->imm.pair.b < c->m->ntables)
            : in->imm.idx < c->m->ntables)
            do_table_ops(c, in);
        else
            fail(c, "internal error: table index out of range");
        break;
    default:
        dispatch_other(c, in);
        break;
    }
}

/* In dead code: follow nesting only. */
static void skip_insn(lower_ctx *c, const wasm_insn *in)
{
    switch (in->op) {
    case WASM_OP_BLOCK:
    case WASM_OP_LOOP:
    case WASM_OP_IF:
        c->dead_depth++;
        break;
    case WASM_OP_ELSE:
        if (c->dead_depth == 0)
            do_else(c);
        break;
    case WASM_OP_END:
        if (c->dead_depth > 0)
            c->dead_depth--;
        else
            do_end(c);
        break;
    default:
        break;
    }
}

/* ---- prologue -------------------------------------------------------- */

static bool setup_locals(lower_ctx *c, const wasm_code *code)
{
    lower_mod *lm = c->lm;
    uint64_t n = (uint64_t)c->ft->nparams + code->nlocals;
    if (n > WASM_MAX_LOCALS + WASM_MAX_PARAMS) {
        fail(c, "too many locals");
        return false;
    }
    c->nlocals = (uint32_t)n;
    c->locals = calloc(n ? n : 1, sizeof *c->locals);
    c->local_types = calloc(n ? n : 1, 1);
    c->local_val = calloc(n ? n : 1, sizeof *c->local_val);
    c->local_bb = calloc(n ? n : 1, sizeof *c->local_bb);
    if (!c->locals || !c->local_types || !c->local_val || !c->local_bb) {
        fail(c, "out of memory");
        return false;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->ft->nparams; i++)
        c->local_types[k++] = c->ft->params[i];
    for (uint32_t d = 0; d < code->nlocal_decls; d++)
        for (uint32_t j = 0; j < code->local_decls[d].count && k < n; j++)
            c->local_types[k++] = code->local_decls[d].type;
    for (uint32_t i = 0; i < n; i++) {
        LLVMTypeRef ty = lower_valtype(c, c->local_types[i]);
        c->locals[i] = LLVMBuildAlloca(c->eb, ty, "");
        LLVMValueRef init = i < c->ft->nparams ? LLVMGetParam(c->fn, i + 1) : LLVMConstNull(ty);
        LLVMBuildStore(c->eb, init, c->locals[i]);
    }
    (void)lm;
    return true;
}

/* A function that needs no stack check: no call of any kind and a small
 * body (SMALL_LEAF_BYTES of code, SMALL_LEAF_LOCALS locals, so its frame
 * is at most ~16 KiB even if every value spilled). Its caller passed its
 * own check with its frame allocated, so this frame fits in the red zone
 * below the limit (WACC_STACK_RED_ZONE, twice, kept for the runtime's
 * frames; past it trap.c still reports a fault below the limit as stack
 * exhaustion). It cannot be part of a cycle of calls, which is what the
 * check also stops when the store is interrupted; its loops poll. A poll
 * needs vmctx (parameter 0) after optimisation, which the check's trap
 * call kept used: without the check, dead-argument elimination could
 * remove an otherwise unused vmctx, so a leaf with a loop (*loops) keeps
 * it with a keep call (lower_keep_vmctx: deleted after optimisation).
 * Lua: its small API leaves (luaH_getshortstr's chain walk too) ran the
 * check on every call. */
#define SMALL_LEAF_BYTES 1024
#define SMALL_LEAF_LOCALS 256

static bool small_leaf(const wasm_module *m, const wasm_code *code, bool *loops)
{
    *loops = false;
    if ((size_t)(code->end - code->body) > SMALL_LEAF_BYTES)
        return false;
    uint64_t nlocals = 0;
    for (uint32_t d = 0; d < code->nlocal_decls; d++)
        nlocals += code->local_decls[d].count;
    if (nlocals > SMALL_LEAF_LOCALS)
        return false;
    wasm_reader r;
    wasm_error we;
    bool leaf = true;
    wasm_reader_init(&r, m->bytes, code->body, code->end);
    while (leaf && r.p < r.end) {
        wasm_insn in;
        if (!wasm_read_insn(&r, &in, &we))
            leaf = false;
        else if (in.op == WASM_OP_CALL || in.op == WASM_OP_CALL_INDIRECT || in.op == WASM_OP_RETURN_CALL ||
                 in.op == WASM_OP_RETURN_CALL_INDIRECT)
            leaf = false;
        else if (in.op == WASM_OP_LOOP)
            *loops = true;
    }
    wasm_reader_free(&r);
    return leaf;
}

static void stack_check(lower_ctx *c)
{
    lower_mod *lm = c->lm;
    /* The stack pointer itself (llvm.frameaddress would force a frame
     * pointer on every function and take a register from the code). */
    const char *reg = lower_is_aarch64(c) ? "sp" : "rsp";
    LLVMMetadataRef name = LLVMMDStringInContext2(lm->ctx, reg, strlen(reg));
    LLVMValueRef arg = LLVMMetadataAsValue(lm->ctx, LLVMMDNodeInContext2(lm->ctx, &name, 1));
    LLVMTypeRef i64 = lm->t_i64;
    LLVMValueRef sp = lower_intrinsic(c, "llvm.read_register", &i64, 1, &arg, 1);
    /* one load (v5): the runtime changes it (stack switches, interruption) */
    LLVMValueRef limit = load_field(c, c->b, lm->t_vmctx, c->vmctx, WACC_VMCTX_STACK_LIMIT, lm->t_i64, false);
    lower_trap_if(c, LLVMBuildICmp(c->b, LLVMIntULT, sp, limit, ""), WACC_TRAP_STACK_EXHAUSTED);
}

/* Every load/store not tagged yet and not of a local is a linear-memory
 * access (lower_memory / lower_simd): tag it as such. */
static void tag_memory_accesses(lower_ctx *c)
{
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(c->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
            LLVMValueRef ptr;
            if (LLVMIsALoadInst(i))
                ptr = LLVMGetOperand(i, 0);
            else if (LLVMIsAStoreInst(i))
                ptr = LLVMGetOperand(i, 1);
            else
                continue;
            if (!LLVMIsAAllocaInst(ptr) && !LLVMGetMetadata(i, c->lm->md_tbaa))
                tag(c, i, c->lm->tbaa_mem);
        }
}

static void ctx_free(lower_ctx *c)
{
    for (uint32_t i = 0; i < c->nctrl; i++)
        free_frame(&c->ctrl[i]);
    free(c->ctrl);
    free(c->stack);
    free(c->locals);
    free(c->local_types);
    free(c->local_val);
    free(c->local_bb);
    free(c->h_tables);
    free(c->h_mem);
    free(c->h_membase);
    free(c->h_cells);
    free(c->args);
    if (c->b)
        LLVMDisposeBuilder(c->b);
    if (c->eb)
        LLVMDisposeBuilder(c->eb);
}

/* ---- loop versioning ----
 * In a function that calls one that may grow memory, memory 0 may become
 * full during a call, so anchoring (anchor_allowed) is off; but a loop
 * without memory.grow, call_indirect and calls of functions that may grow
 * cannot make it full while it runs. Such a loop (when it
 * accesses memory and is not huge) is lowered twice behind a test of
 * memory 0's size at loop entry: an anchored copy, and a plain copy for a
 * full memory. Both sit in a synthetic block with the loop's type, whose
 * end joins them. */

static void lower_until(lower_ctx *c, wasm_reader *r, uint32_t depth);

static bool is_mem_access(uint32_t op)
{
    return (op >= WASM_OP_I32_LOAD && op <= WASM_OP_I64_STORE32) ||
           (op >= WASM_OP_V128_LOAD && op <= WASM_OP_V128_STORE) ||
           (op >= WASM_OP_V128_LOAD8_LANE && op <= WASM_OP_V128_LOAD64_ZERO);
}

/* What one scan of the loop whose body starts at r->p finds. */
typedef struct loop_shape {
    bool plain;         /* no call, call_indirect or memory.grow; at most 4000 instructions */
    bool nogrow;        /* as plain, but calls of functions that never grow are fine */
    bool inner;         /* no loop inside */
    bool tail_call;     /* a return_call or return_call_indirect */
    bool branchy;       /* control flow besides the back edge: if, br_table,
                           br/br_if to another label, return, unreachable */
    uint32_t mem;       /* memory accesses */
} loop_shape;

static loop_shape scan_loop(lower_ctx *c, const wasm_reader *r)
{
    loop_shape sh = {.plain = true, .nogrow = true, .inner = true};
    wasm_reader s;
    wasm_error we;
    wasm_reader_init(&s, c->m->bytes, r->p, r->end);
    uint32_t depth = 0, n = 0;
    bool done = false;
    while (sh.nogrow && !done && s.p < s.end) {
        wasm_insn in;
        if (!wasm_read_insn(&s, &in, &we) || ++n > 4000)
            sh.plain = sh.nogrow = false;
        else if (in.op == WASM_OP_BLOCK || in.op == WASM_OP_LOOP || in.op == WASM_OP_IF) {
            depth++;
            sh.inner &= in.op != WASM_OP_LOOP;
            sh.branchy |= in.op == WASM_OP_IF;
        } else if (in.op == WASM_OP_BR || in.op == WASM_OP_BR_IF)
            sh.branchy |= in.imm.idx != depth;
        else if (in.op == WASM_OP_BR_TABLE || in.op == WASM_OP_RETURN || in.op == WASM_OP_UNREACHABLE)
            sh.branchy = true;
        else if (in.op == WASM_OP_END)
            done = depth-- == 0;
        else if (in.op == WASM_OP_CALL) {
            sh.plain = false;
            sh.nogrow = in.imm.idx < c->m->nfuncs && c->lm->never_grows[in.imm.idx];
        } else if (in.op == WASM_OP_CALL_INDIRECT || in.op == WASM_OP_MEMORY_GROW)
            sh.plain = sh.nogrow = false;
        else if (in.op == WASM_OP_RETURN_CALL || in.op == WASM_OP_RETURN_CALL_INDIRECT)
            sh.tail_call = true;
        else if (is_mem_access(in.op))
            sh.mem++;
    }
    wasm_reader_free(&s);
    sh.plain &= done;
    sh.nogrow &= done;
    return sh;
}

/* Versioned (version_loop): no memory growth, with some memory access. */
static bool loop_versionable(const loop_shape *sh)
{
    return sh->nogrow && sh->mem > 0;
}

/* Rooted (root_base): plain, innermost, no tail call, over a 32-bit memory 0. */
static bool loop_rootable(lower_ctx *c, const loop_shape *sh)
{
    return c->m->nmemories > 0 && !c->m->memories[0].is64 && sh->plain && sh->inner && !sh->tail_call;
}

/* The loop's fallthrough (its results on top of the stack) goes to the
 * join block, created with its phis by the first copy that gets there. */
static void to_join(lower_ctx *c, uint32_t nres, LLVMBasicBlockRef *join, LLVMValueRef *phis)
{
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
    if (!*join) {
        *join = LLVMAppendBasicBlockInContext(c->lm->ctx, c->fn, "loop.join");
        LLVMPositionBuilderAtEnd(c->b, *join);
        for (uint32_t i = 0; i < nres; i++)
            phis[i] = LLVMBuildPhi(c->b, LLVMTypeOf(c->stack[c->sp - nres + i]), "");
        LLVMPositionBuilderAtEnd(c->b, cur);
    }
    for (uint32_t i = 0; i < nres; i++)
        LLVMAddIncoming(phis[i], &c->stack[c->sp - nres + i], &cur, 1);
    LLVMBuildBr(c->b, *join);
}

static void version_loop(lower_ctx *c, wasm_reader *r, const wasm_insn *in)
{
    lower_mod *lm = c->lm;
    uint32_t np = 0, nres = 0;
    if (in->imm.block.kind == WASM_BLOCK_VALTYPE) {
        nres = 1;
    } else if (in->imm.block.kind == WASM_BLOCK_TYPEIDX && in->imm.block.typeidx < c->m->ntypes) {
        np = c->m->types[in->imm.block.typeidx].nparams;
        nres = c->m->types[in->imm.block.typeidx].nresults;
    }
    uint32_t base = c->nctrl;
    if (c->sp < np || c->sp - np < c->ctrl[base - 1].height) {
        fail(c, "internal error: operand stack underflow at loop");
        return;
    }
    uint32_t height = c->sp - np;
    LLVMValueRef *saved = malloc((np + nres + 1) * sizeof *saved);
    if (!saved) {
        fail(c, "out of memory");
        return;
    }
    LLVMValueRef *phis = saved + np;
    if (np)
        memcpy(saved, &c->stack[height], np * sizeof *saved);
    LLVMValueRef size = lower_mem_size(c, 0);
    LLVMValueRef full = LLVMBuildICmp(c->b, LLVMIntUGE, size, LLVMConstInt(lm->t_i64, 1ull << 32, 0), "");
    LLVMBasicBlockRef anch = LLVMAppendBasicBlockInContext(lm->ctx, c->fn, "loop.anchored");
    LLVMBasicBlockRef plain = LLVMAppendBasicBlockInContext(lm->ctx, c->fn, "loop.plain");
    LLVMValueRef br = LLVMBuildCondBr(c->b, full, plain, anch);
    LLVMSetMetadata(br, lm->md_prof, lm->md_unlikely);
    const uint8_t *start = r->p;
    LLVMBasicBlockRef join = NULL;

    /* the anchored copy, up to the loop's end (no extra control frame:
     * label depths inside the loop stay the wasm ones) */
    LLVMPositionBuilderAtEnd(c->b, anch);
    c->full_ok = true;
    c->version_loops = false;
    do_loop(c, in);
    lower_until(c, r, base);
    c->full_ok = false;
    if (c->failed || c->nctrl != base)
        goto out;
    if (!c->ctrl[base - 1].unreachable)
        to_join(c, nres, &join, phis);
    c->ctrl[base - 1].unreachable = false;
    c->dead_depth = 0;
    c->sp = height;
    for (uint32_t i = 0; i < np; i++)
        lower_push(c, saved[i]);

    /* the plain copy */
    r->p = start;
    LLVMPositionBuilderAtEnd(c->b, plain);
    bool was_full = c->full_mem;
    c->full_mem = true;
    do_loop(c, in);
    lower_until(c, r, base);
    c->full_mem = was_full;
    if (c->failed || c->nctrl != base)
        goto out;
    if (!c->ctrl[base - 1].unreachable)
        to_join(c, nres, &join, phis);
    if (join) {         /* else neither copy falls through: stays dead */
        c->ctrl[base - 1].unreachable = false;
        c->sp = height;
        LLVMPositionBuilderAtEnd(c->b, join);
        for (uint32_t i = 0; i < nres; i++)
            lower_push(c, phis[i]);
    }
out:
    c->version_loops = true;
    free(saved);
}

/* Lower instructions until the control stack is back to `depth` frames. */
static void lower_until(lower_ctx *c, wasm_reader *r, uint32_t depth)
{
    while (!c->failed && c->nctrl > depth && r->p < r->end) {
        wasm_insn in;
        if (!wasm_read_insn(r, &in, c->err)) {
            c->failed = true;
            break;
        }
        c->cur_offset = in.offset;
        if (c->ctrl[c->nctrl - 1].unreachable) {
            skip_insn(c, &in);
            continue;
        }
        if (in.op == WASM_OP_LOOP) {
            loop_shape sh = scan_loop(c, r);
            c->next_loop_rootable = loop_rootable(c, &sh);
            c->next_loop_vector = sh.inner && sh.plain && !sh.branchy && !sh.tail_call;
            if (c->version_loops && loop_versionable(&sh)) {
                version_loop(c, r, &in);
                continue;
            }
        }
        lower_insn(c, &in);
    }
}

/* The plain version of defined function f ("NAME.plain"): lowered with
 * no reliance on memory 0 not being full, run only when it is full. One
 * declaration per function (lm->plains, when lowering the whole module),
 * which build_dispatch and code that runs only with a full memory share:
 * such code (a versioned loop's plain copy, a plain version) calls the
 * plain versions of its callees (which never grow memory), declared here
 * if the callee is not lowered yet (lower_function then gives it a body),
 * or the callee itself when it was lowered without relying on the memory
 * not being full (lm->plains[f] == lm->funcs[f]). So the hot copy of a
 * versioned loop keeps the only call of a function called once, which
 * the inliner then inlines as it did before loops with calls were
 * versioned (a second call in the cold copy denies it LLVM's bonus for a
 * local function's last call). */
static LLVMValueRef plain_decl(lower_mod *lm, uint32_t f)
{
    if (lm->plains && lm->plains[f])
        return lm->plains[f];
    LLVMValueRef fn = lower_mod_func(lm, f);
    size_t len = 0;
    const char *name = LLVMGetValueName2(fn, &len);
    char buf[200];
    snprintf(buf, sizeof buf, "%.*s.plain", (int)(len < 180 ? len : 180), name);
    LLVMTypeRef fty = LLVMGlobalGetValueType(fn);
    LLVMValueRef pf = LLVMAddFunction(lm->mod, buf, fty);
    LLVMSetLinkage(pf, LLVMInternalLinkage);
    lower_mod_fn_attrs(lm, pf);
    /* run only with a full 4 GiB memory: small rather than fast */
    const char *kinds[] = { "noinline", "cold", "optsize", "minsize" };
    for (unsigned i = 0; i < 4; i++) {
        unsigned k = LLVMGetEnumAttributeKindForName(kinds[i], strlen(kinds[i]));
        LLVMAddAttributeAtIndex(pf, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(lm->ctx, k, 0));
    }
    LLVMAddAttributeAtIndex(pf, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(lm->ctx, "disable-tail-calls", 18, "true", 4));
    if (lm->plains)
        lm->plains[f] = pf;
    return pf;
}

/* The main version relied on memory 0 not being full (anchor_allowed):
 * the entry block (still open in c->eb) tests it and, for a full memory,
 * returns what the plain version (declared here, *plain) returns. */
static void build_dispatch(lower_ctx *c, LLVMBasicBlockRef body, LLVMValueRef *plain)
{
    lower_mod *lm = c->lm;
    LLVMValueRef pf = plain_decl(lm, c->func_index);
    LLVMTypeRef fty = LLVMGlobalGetValueType(c->fn);
    *plain = pf;

    LLVMValueRef mem = lower_memory_struct(c, 0);
    LLVMValueRef size = load_field(c, c->eb, lm->t_memory, mem, WACC_MEMORY_SIZE, lm->t_i64, false);
    LLVMValueRef full = LLVMBuildICmp(c->eb, LLVMIntUGE, size, LLVMConstInt(lm->t_i64, 1ull << 32, 0), "");
    LLVMBasicBlockRef pbb = LLVMAppendBasicBlockInContext(lm->ctx, c->fn, "full");
    LLVMValueRef br = LLVMBuildCondBr(c->eb, full, pbb, body);
    LLVMSetMetadata(br, lm->md_prof, lm->md_unlikely);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(lm->ctx);
    LLVMPositionBuilderAtEnd(b, pbb);
    unsigned n = LLVMCountParams(c->fn);
    LLVMValueRef *args = malloc((n ? n : 1) * sizeof *args);
    if (!args) {
        fail(c, "out of memory");
        LLVMBuildUnreachable(b);
        LLVMDisposeBuilder(b);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        args[i] = LLVMGetParam(c->fn, i);
    LLVMValueRef r = LLVMBuildCall2(b, fty, pf, args, n, "");
    if (LLVMGetReturnType(fty) == lm->t_void)
        LLVMBuildRetVoid(b);
    else
        LLVMBuildRet(b, r);
    free(args);
    LLVMDisposeBuilder(b);
}

/* How lower_body lowers a function. */
enum body_kind {
    BODY_MAIN,          /* versions its loops (when memory 0 may become full) */
    BODY_LEAF,          /* main version of a leaf: anchors (anchor_allowed) */
    BODY_STRAIGHT,      /* main version of a leaf, no anchoring or versioning */
    BODY_PLAIN          /* plain version: runs only with memory 0 full */
};

/* Delete fn's body (to lower it again). */
static void clear_body(LLVMValueRef fn)
{
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
            if (LLVMGetTypeKind(LLVMTypeOf(i)) != LLVMVoidTypeKind)
                LLVMReplaceAllUsesWith(i, LLVMGetPoison(LLVMTypeOf(i)));
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef i; (i = LLVMGetFirstInstruction(bb));)
            LLVMInstructionEraseFromParent(i);
    for (LLVMBasicBlockRef bb; (bb = LLVMGetFirstBasicBlock(fn));)
        LLVMDeleteBasicBlock(bb);
}

/* Lower the body of func_index into fn. BODY_LEAF and BODY_MAIN: *plain
 * receives the plain version to lower when the code relied on memory 0
 * not being full (else NULL). BODY_LEAF: *redo is set when the anchoring
 * was used only outside loops; the body is then complete but without the
 * entry test, for lower_function to lower again as BODY_STRAIGHT. */
static bool lower_body(lower_mod *lm, uint32_t func_index, LLVMValueRef fn, enum body_kind kind,
                       LLVMValueRef *plain, bool *redo, wasm_error *err)
{
    bool full_ok = kind == BODY_LEAF;
    const wasm_module *m = lm->m;
    lower_ctx cx;
    lower_ctx *c = &cx;
    memset(c, 0, sizeof *c);
    c->lm = lm;
    c->m = m;
    c->err = err;
    c->func_index = func_index;
    c->fn = fn;
    c->full_ok = full_ok;
    c->leaf_main = full_ok;
    c->full_mem = kind == BODY_PLAIN;
    /* a non-leaf function's main lowering versions its loops that cannot
     * grow memory */
    c->version_loops = kind == BODY_MAIN && m->nmemories > 0 && mem_may_be_full_type(&m->memories[0]);
    const wasm_code *code = &m->codes[func_index - m->nimported_funcs];
    c->cur_offset = code->code_offset;
    uint32_t ti = m->func_types[func_index];
    if (ti >= m->ntypes || !c->fn) {
        fail(c, "internal error: bad function type");
        return false;
    }
    c->ft = &m->types[ti];
    c->vmctx = LLVMGetParam(c->fn, 0);
    LLVMSetValueName2(c->vmctx, "vmctx", 5);

    c->h_tables = calloc(m->ntables + 1, sizeof *c->h_tables);
    c->h_mem = calloc(m->nmemories + 1, sizeof *c->h_mem);
    c->h_membase = calloc(m->nmemories + 1, sizeof *c->h_membase);
    c->h_cells = calloc(m->nglobals + 1, sizeof *c->h_cells);
    c->b = LLVMCreateBuilderInContext(lm->ctx);
    c->eb = LLVMCreateBuilderInContext(lm->ctx);
    if (!c->h_tables || !c->h_mem || !c->h_membase || !c->h_cells) {
        fail(c, "out of memory");
        ctx_free(c);
        return false;
    }
    c->entry = LLVMAppendBasicBlockInContext(lm->ctx, c->fn, "entry");
    LLVMPositionBuilderAtEnd(c->eb, c->entry);
    if (!(lm->o && lm->o->no_interrupt_checks))
        lower_interrupt_mark(fn, func_index);   /* checks go in after optimisation */
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(lm->ctx, c->fn, "body");
    LLVMPositionBuilderAtEnd(c->b, body);

    if (setup_locals(c, code)) {
        bool loops = false;
        if (!small_leaf(m, code, &loops))
            stack_check(c);
        else if (loops && !(lm->o && lm->o->no_interrupt_checks))
            lower_keep_vmctx(c, c->vmctx);
        push_frame(c, CT_FUNC, NULL);
    }

    wasm_reader r;
    wasm_reader_init(&r, m->bytes, code->body, code->end);
    lower_until(c, &r, 0);
    roots_finish(c);
    wasm_reader_free(&r);
    if (!c->failed && c->nctrl != 0)
        fail(c, "internal error: function body ends inside a block");

    /* Close the entry block: fall into the body (or dispatch to the plain
     * version when memory 0 is full). */
    if (plain)
        *plain = NULL;
    if (redo)
        *redo = c->leaf_main && c->relied && !c->relied_loop && !c->failed;
    if (c->relied_loop && c->leaf_main && plain && !c->failed)
        build_dispatch(c, body, plain);
    else
        LLVMBuildBr(c->eb, body);
    bool ok = !c->failed;
    if (ok)
        tag_memory_accesses(c);
    ctx_free(c);
    return ok;
}

bool lower_function(lower_mod *lm, uint32_t func_index, wasm_error *err)
{
    const wasm_module *m = lm->m;
    /* a function whose frame cannot see memory 0 grow (a leaf, or one that
     * calls only functions that never grow it: lower_nogrow.c) */
    bool leaf = m->nmemories > 0 && mem_may_be_full_type(&m->memories[0]) && lm->frame_nogrow[func_index];
    LLVMValueRef plain = NULL;
    /* a plain version an earlier caller declared (plain_decl) */
    LLVMValueRef wanted = lm->plains ? lm->plains[func_index] : NULL;
    LLVMValueRef fn = lm->funcs[func_index];
    bool redo = false;
    if (!lower_body(lm, func_index, fn, leaf ? BODY_LEAF : BODY_MAIN, &plain, &redo, err))
        return false;
    /* Anchoring saves at most an instruction per access outside loops,
     * less than the entry test costs on every call (strlen: its unrolled
     * unaligned prefix, often skipped): lower it again without. */
    if (redo) {
        clear_body(fn);
        if (!lower_body(lm, func_index, fn, BODY_STRAIGHT, NULL, NULL, err))
            return false;
    }
    if (!plain && wanted)
        plain = wanted;             /* give it a body (a copy of the main one) */
    else if (!plain && lm->plains)
        lm->plains[func_index] = lm->funcs[func_index];  /* later callers call it */
    return plain == NULL || lower_body(lm, func_index, plain, BODY_PLAIN, NULL, NULL, err);
}
