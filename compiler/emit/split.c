/*
 * split.c — parallel code generation. The optimised module is cut into
 * parts, each part is compiled to a relocatable object on its own thread in
 * its own LLVM context, and elf_write.c links the objects into one .so.
 *
 *  1. The defined functions are cut, in module order, into contiguous runs
 *     of about the same number of IR instructions; all global variables go
 *     to part 0. The number of parts depends only on the module (its size,
 *     or $WACC_PARTS), never on the number of threads: the artifact is
 *     byte-identical for any -j.
 *  2. Every local function and global that is used outside its own part
 *     becomes a hidden global (named if it had no name), so that part can
 *     reference it; the ELF writer turns them back into locals in the
 *     .symtab. Locals used only in their own part stay local (the
 *     optimiser may inline and drop them, as in the whole module).
 *  3. The module is written once as bitcode and disposed (the whole-module
 *     IR is not kept alive through code generation). A worker reads the
 *     bitcode lazily into a fresh context, replaces the functions of the
 *     other parts by declarations before their bodies are ever read, drops
 *     the initialisers of the globals it does not own, and links the result
 *     into an empty module (which materialises just its own bodies).
 *     Small functions that a part calls directly but another part owns
 *     (IMPORT_INSNS, or LOOP_IMPORT_INSNS when a call is inside a loop;
 *     when the part is optimised at -O2/-O3) keep their
 *     bodies there as available_externally, so that part's inliner can
 *     inline them, as it would have in the whole module (sqlite3's memcmp
 *     into vdbeSorterCompareText); what they reference is promoted as if
 *     that part used it. The optimiser drops those bodies. Then
 *     it runs the optimisation pipeline if the module was split before
 *     optimisation (every level: the function passes need only the part;
 *     the inliner sees the calls inside the part), inserts the interruption
 *     checks into the optimised part, and runs code generation with its
 *     own target machine.
 *
 * A huge module arrives already lowered in parts (wacc_split_codegen_parts,
 * wacc_parts in compiler.h): part 0 is the module with the rest of the
 * artifact, written as bitcode and freed; each other part is its own
 * bitcode, read whole into the worker's context, where the functions no
 * other part uses become internal again. Steps 1-3 do not happen.
 */
#include <pthread.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include <llvm-c/BitReader.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Linker.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "compiler.h"
#include "split.h"

/* Functions of at most this many IR instructions (before optimisation)
 * are imported by the parts that call them (see the top); up to
 * LOOP_IMPORT_INSNS by the parts that call them inside a loop, where the
 * inliner's threshold for hot call sites applies (target.c). Lua: auxsort
 * (ltablib.c) calls lua_geti and lua_seti (lapi.c, 280-340 instructions
 * before optimisation, another part) in its loops, and the 171-instruction
 * lua_type from the functions it inlines; imported (and with target.c's
 * hot-call-site threshold) lua runs 4.9 % fewer instructions
 * (benchmarks/results/lua-inline.md) for ~8 % more compile time (the
 * parts optimise the bodies they import too). */
#define IMPORT_INSNS 200
#define LOOP_IMPORT_INSNS 400

_Static_assert(SPLIT_MAX_PARTS <= 32, "imports: one bit per part");

typedef struct part_job {
    const wacc_target *t;
    const char *bc;                     /* the module's bitcode (shared, read-only) */
    size_t bc_size;
    size_t nfuncs;                      /* all functions incl. declarations */
    int32_t *part_of;                   /* per function: its part, -1 = a declaration */
    uint32_t *imports;                  /* per function: bit p set if part p imports it */
    char **names;                       /* per function: its name (consistency check) */
    size_t nparts;
    size_t *part_funcs;                 /* per part: number of defined functions */
    LLVMMemoryBufferRef *part_bc;       /* lowered in parts: per part its bitcode (taken by its worker) */
    char **cross;                       /* lowered in parts: sorted names used outside their part */
    size_t ncross;
    const char *pipeline;               /* per-part optimisation, NULL: none */
    bool huge;                          /* wacc_pass_options(huge) */
    wacc_progress *progress;

    pthread_mutex_t mu;
    size_t next;                        /* next part to compile */
    bool failed;
    char err[512];
    uint8_t **objs;                     /* per part: the object (malloc'd) */
    size_t *sizes;
} part_job;

static size_t count_function(LLVMValueRef f)
{
    size_t n = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
            n++;
    return n;
}

static bool is_local(LLVMValueRef g)
{
    LLVMLinkage l = LLVMGetLinkage(g);
    return l == LLVMInternalLinkage || l == LLVMPrivateLinkage;
}

/* Functions by address, sorted, with their part: which part a user
 * instruction is in. */
typedef struct fn_part {
    LLVMValueRef fn;
    int32_t part;
    uint32_t index;             /* in module order */
} fn_part;

static int cmp_fn_part(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const fn_part *)a)->fn, y = (uintptr_t)((const fn_part *)b)->fn;
    return x < y ? -1 : x > y;
}

static int32_t part_of_fn(const fn_part *map, size_t n, LLVMValueRef fn)
{
    fn_part key = { fn, 0, 0 };
    const fn_part *hit = bsearch(&key, map, n, sizeof *map, cmp_fn_part);
    return hit ? hit->part : -1;
}

/* Is `v` used outside part `home`? Global variables (and so their
 * initialisers) are in part 0; a constant's users count as its own; anything
 * else (or a deep constant) counts as outside. */
static bool used_outside(const fn_part *map, size_t n, LLVMValueRef v, int32_t home, int depth)
{
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        int32_t p = -1;
        if (LLVMIsAInstruction(user)) {
            LLVMBasicBlockRef bb = LLVMGetInstructionParent(user);
            p = bb ? part_of_fn(map, n, LLVMGetBasicBlockParent(bb)) : -1;
        } else if (LLVMIsAGlobalVariable(user)) {
            p = 0;
        } else if (LLVMIsAConstant(user) && !LLVMIsAGlobalValue(user) && depth < 8) {
            if (used_outside(map, n, user, home, depth + 1))
                return true;
            continue;
        }
        if (p != home)
            return true;
    }
    return false;
}

static uint32_t fn_index(const fn_part *map, size_t n, LLVMValueRef fn)
{
    fn_part key = { fn, 0, 0 };
    const fn_part *hit = bsearch(&key, map, n, sizeof *map, cmp_fn_part);
    return hit ? hit->index : UINT32_MAX;
}

/* The index of the function whose plain copy ("NAME.plain",
 * lower_func.c build_dispatch) f is, or -1. map: every function with its
 * module index, sorted (fn_index). */
static int32_t plain_of(LLVMModuleRef mod, const fn_part *map, size_t n, LLVMValueRef f, bool *oom)
{
    static const char sfx[] = ".plain";
    const size_t ns = sizeof sfx - 1;
    size_t len = 0;
    const char *name = LLVMGetValueName2(f, &len);
    if (len <= ns || memcmp(name + len - ns, sfx, ns) != 0)
        return -1;
    char *base = malloc(len - ns + 1);
    if (!base) {
        *oom = true;
        return -1;
    }
    memcpy(base, name, len - ns);
    base[len - ns] = 0;
    LLVMValueRef main_fn = LLVMGetNamedFunction(mod, base);
    free(base);
    uint32_t k = main_fn && !LLVMIsDeclaration(main_fn) ? fn_index(map, n, main_fn) : UINT32_MAX;
    return k == UINT32_MAX ? -1 : (int32_t)k;
}

/* Local → hidden global, named "__wacc_local.N" when it had no name. */
static void promote(LLVMValueRef g, size_t *counter)
{
    if (!is_local(g))
        return;
    size_t len = 0;
    LLVMGetValueName2(g, &len);
    if (len == 0) {
        char name[48];
        snprintf(name, sizeof name, "__wacc_local.%zu", (*counter)++);
        LLVMSetValueName2(g, name, strlen(name));
    }
    LLVMSetLinkage(g, LLVMExternalLinkage);
    LLVMSetVisibility(g, LLVMHiddenVisibility);
}

static void job_fail(part_job *J, const char *fmt, const char *a, const char *b)
{
    pthread_mutex_lock(&J->mu);
    if (!J->failed) {
        J->failed = true;
        snprintf(J->err, sizeof J->err, fmt, a ? a : "?", b ? b : "");
    }
    pthread_mutex_unlock(&J->mu);
}

/* The function and parameter attributes of `f` (those the whole-module
 * analysis inferred, e.g. memory effects) on its declaration `d`: callers
 * in other parts are optimised with them. */
static void copy_attributes(LLVMValueRef d, LLVMValueRef f)
{
    unsigned np = LLVMCountParams(f);
    for (long idx = -1; idx <= (long)np; idx++) {
        LLVMAttributeIndex ai = idx < 0 ? (LLVMAttributeIndex)LLVMAttributeFunctionIndex : (LLVMAttributeIndex)idx;
        unsigned n = LLVMGetAttributeCountAtIndex(f, ai);
        if (!n)
            continue;
        LLVMAttributeRef as[64];
        if (n > 64)
            continue;
        LLVMGetAttributesAtIndex(f, ai, as);
        for (unsigned k = 0; k < n; k++)
            LLVMAddAttributeAtIndex(d, ai, as[k]);
    }
}

/* Build part `p`'s module in `ctx`. */
static LLVMModuleRef part_module(part_job *J, LLVMContextRef ctx, size_t p)
{
    LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(J->bc, J->bc_size, "wacc-part", 0);
    LLVMModuleRef lazy = NULL;
    if (!buf || LLVMGetBitcodeModuleInContext2(ctx, buf, &lazy)) {
        job_fail(J, "code generation failed: cannot read the module's bitcode%s%s", "", "");
        return NULL;                    /* on failure the buffer is not taken */
    }
    /* the module owns `buf` from here on; the declarations added below
     * go to the end of the function list, so take the list first */
    LLVMValueRef *fs = malloc((J->nfuncs ? J->nfuncs : 1) * sizeof *fs);
    if (!fs) {
        job_fail(J, "out of memory%s%s", "", "");
        LLVMDisposeModule(lazy);
        return NULL;
    }
    size_t n = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(lazy); f; f = LLVMGetNextFunction(f)) {
        size_t len = 0;
        const char *name = LLVMGetValueName2(f, &len);
        if (n >= J->nfuncs || strcmp(name, J->names[n])) {
            job_fail(J, "code generation failed: function %s of the bitcode is not %s", name,
                     n < J->nfuncs ? J->names[n] : "(none)");
            free(fs);
            LLVMDisposeModule(lazy);
            return NULL;
        }
        fs[n++] = f;
    }
    if (n != J->nfuncs) {
        job_fail(J, "code generation failed: the bitcode has a different number of functions%s%s", "", "");
        free(fs);
        LLVMDisposeModule(lazy);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        LLVMValueRef f = fs[i];
        if (J->part_of[i] < 0 || (size_t)J->part_of[i] == p)
            continue;
        if (J->imports && (J->imports[i] >> p & 1)) {
            /* a small function this part calls: its body stays for the
             * inliner; the owner's definition is the one that counts */
            LLVMSetLinkage(f, LLVMAvailableExternallyLinkage);
            continue;
        }
        /* another part's function: a hidden declaration takes its place
         * before its body is ever read */
        LLVMValueRef d = LLVMAddFunction(lazy, "", LLVMGlobalGetValueType(f));
        LLVMSetFunctionCallConv(d, LLVMGetFunctionCallConv(f));
        copy_attributes(d, f);
        LLVMSetLinkage(d, LLVMExternalLinkage);
        LLVMSetVisibility(d, LLVMHiddenVisibility);
        LLVMReplaceAllUsesWith(f, d);
        LLVMDeleteFunction(f);
        LLVMSetValueName2(d, J->names[i], strlen(J->names[i]));
    }
    free(fs);
    if (p != 0)
        for (LLVMValueRef g = LLVMGetFirstGlobal(lazy); g; g = LLVMGetNextGlobal(g)) {
            if (LLVMIsDeclaration(g))
                continue;
            LLVMSetInitializer(g, NULL);
            LLVMSetLinkage(g, LLVMExternalLinkage);
            LLVMSetVisibility(g, LLVMHiddenVisibility);
            LLVMSetSection(g, "");
        }
    /* linking into an empty module materialises exactly the bodies left */
    LLVMModuleRef m = LLVMModuleCreateWithNameInContext("wacc-part", ctx);
    if (LLVMLinkModules2(m, lazy)) {    /* consumes `lazy` */
        job_fail(J, "code generation failed: cannot materialise part %s%s", "", "");
        LLVMDisposeModule(m);
        return NULL;
    }
    return m;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Part `p` of a module lowered in parts, read into `ctx`: its bitcode goes,
 * and its functions no other part uses become internal again. */
static LLVMModuleRef read_part(part_job *J, LLVMContextRef ctx, size_t p)
{
    LLVMModuleRef m = NULL;
    bool bad = LLVMParseBitcodeInContext2(ctx, J->part_bc[p], &m);
    LLVMDisposeMemoryBuffer(J->part_bc[p]);
    J->part_bc[p] = NULL;
    if (bad) {
        job_fail(J, "code generation failed: cannot read the bitcode of a part%s%s", "", "");
        return NULL;
    }
    for (LLVMValueRef f = LLVMGetFirstFunction(m); p > 0 && f; f = LLVMGetNextFunction(f)) {
        if (LLVMIsDeclaration(f) || LLVMGetLinkage(f) != LLVMExternalLinkage ||
            LLVMGetVisibility(f) != LLVMHiddenVisibility)
            continue;
        size_t len = 0;
        const char *name = LLVMGetValueName2(f, &len);
        if (J->ncross && bsearch(&name, J->cross, J->ncross, sizeof *J->cross, cmp_name))
            continue;
        LLVMSetVisibility(f, LLVMDefaultVisibility);
        LLVMSetLinkage(f, LLVMInternalLinkage);
    }
    return m;
}

/* Move *m through bitcode into a new context *ctx (the old one goes). */
static bool roundtrip_part(LLVMModuleRef *m, LLVMContextRef *ctx)
{
    LLVMMemoryBufferRef bc = LLVMWriteBitcodeToMemoryBuffer(*m);
    LLVMDisposeModule(*m);
    *m = NULL;
    LLVMContextDispose(*ctx);
    *ctx = LLVMContextCreate();
    if (!bc)
        return false;
    bool ok = !LLVMParseBitcodeInContext2(*ctx, bc, m);
    LLVMDisposeMemoryBuffer(bc);
    if (!ok)
        *m = NULL;
    return ok;
}

static void *worker(void *arg)
{
    part_job *J = arg;
    LLVMTargetMachineRef tm = wacc_target_machine(J->t);
    if (!tm) {
        job_fail(J, "cannot create target machine for %s cpu=%s", J->t->triple, J->t->cpu_name);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&J->mu);
        size_t p = J->next++;
        bool stop = J->failed || p >= J->nparts;
        pthread_mutex_unlock(&J->mu);
        if (stop)
            break;
        LLVMContextRef ctx = LLVMContextCreate();
        LLVMModuleRef m = J->part_bc ? read_part(J, ctx, p) : part_module(J, ctx, p);
        LLVMMemoryBufferRef obj = NULL;
        char *msg = NULL;
        if (m && J->pipeline) {
            LLVMPassBuilderOptionsRef pbo = wacc_pass_options(J->huge);
            LLVMErrorRef e = LLVMRunPasses(m, J->pipeline, tm, pbo);
            LLVMDisposePassBuilderOptions(pbo);
            if (e) {
                char *em = LLVMGetErrorMessage(e);
                job_fail(J, "optimisation pipeline failed: %s%s", em, "");
                LLVMDisposeErrorMessage(em);
                LLVMDisposeModule(m);
                m = NULL;
            }
            if (m && !wacc_insert_interrupt_checks(m)) {
                job_fail(J, "out of memory (interrupt checks)%s%s", "", "");
                LLVMDisposeModule(m);
                m = NULL;
            }
            /* huge modules: the optimised part goes through bitcode into a
             * fresh context, as the whole module does in emit.c (code
             * generation on the heap the passes left spends a fifth of its
             * time in malloc) */
            if (m && J->huge && !roundtrip_part(&m, &ctx))
                job_fail(J, "code generation failed: bitcode round trip of a part%s%s", "", "");
        }
        if (m && LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMObjectFile, &msg, &obj)) {
            job_fail(J, "code generation failed: %s%s", msg, "");
            obj = NULL;
        }
        LLVMDisposeMessage(msg);
        if (obj) {
            size_t n = LLVMGetBufferSize(obj);
            uint8_t *copy = malloc(n ? n : 1);
            if (copy) {
                memcpy(copy, LLVMGetBufferStart(obj), n);
                J->objs[p] = copy;
                J->sizes[p] = n;
            } else {
                job_fail(J, "out of memory%s%s", "", "");
            }
            LLVMDisposeMemoryBuffer(obj);
        }
        if (m)
            LLVMDisposeModule(m);
        LLVMContextDispose(ctx);
        wacc_progress_add(J->progress, J->part_funcs[p]);
    }
    LLVMDisposeTargetMachine(tm);
    return NULL;
}

/* Run J->nparts parts on `jobs` threads (the calling thread is one). */
static bool run_workers(part_job *J, int jobs, char err[512])
{
    if (pthread_mutex_init(&J->mu, NULL)) {
        snprintf(err, 512, "cannot create a mutex");
        return false;
    }
    size_t nthreads = jobs < 1 ? 1 : (size_t)jobs;
    if (nthreads > J->nparts)
        nthreads = J->nparts;
    pthread_t *threads = calloc(nthreads, sizeof *threads);
    size_t started = 0;
    if (threads) {
        /* the calling thread is worker 0; big stacks: LLVM recurses */
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 64u << 20);
        for (size_t k = 1; k < nthreads; k++) {
            if (pthread_create(&threads[k], &attr, worker, J))
                break;
            started = k;
        }
        pthread_attr_destroy(&attr);
    }
    worker(J);
    for (size_t k = 1; k <= started; k++)
        pthread_join(threads[k], NULL);
    free(threads);
    pthread_mutex_destroy(&J->mu);
    if (J->failed) {
        snprintf(err, 512, "%s", J->err);
        return false;
    }
    return true;
}

size_t wacc_split_parts(size_t ninsns)
{
    const char *force = getenv("WACC_PARTS");      /* debugging, tests */
    if (force && *force) {
        long v = strtol(force, NULL, 10);
        return v < 1 ? 1 : v > SPLIT_MAX_PARTS ? SPLIT_MAX_PARTS : (size_t)v;
    }
    size_t k = ninsns / SPLIT_PART_INSNS;
    return k < 1 ? 1 : k > SPLIT_MAX_PARTS ? SPLIT_MAX_PARTS : k;
}

/* Runs the workers over J's parts and hands their objects to the caller. */
static bool run_and_take(part_job *J, int jobs, size_t nfun, uint8_t ***objs_out, size_t **sizes_out,
                         char err[512])
{
    wacc_progress_phase(J->progress, J->pipeline ? "optimise+codegen" : "codegen", nfun);
    if (!run_workers(J, jobs, err))
        return false;
    *objs_out = J->objs;
    *sizes_out = J->sizes;
    J->objs = NULL;
    J->sizes = NULL;
    return true;
}

/* The global values `v` (an operand) refers to, directly or through
 * constant expressions: functions get need[index] set, global variables
 * are promoted at once. False if `v` is something an imported body cannot
 * carry (a block address, a deep constant). */
static bool mark_refs(const fn_part *map, size_t n, LLVMValueRef v, bool *need, size_t *counter, int depth)
{
    if (LLVMIsAFunction(v)) {
        uint32_t k = fn_index(map, n, v);
        if (k != UINT32_MAX)
            need[k] = true;
        return true;
    }
    if (LLVMIsAGlobalVariable(v)) {
        promote(v, counter);
        return true;
    }
    if (LLVMIsABlockAddress(v) || LLVMIsAGlobalValue(v))
        return false;
    if (!LLVMIsAConstant(v))
        return true;
    if (depth >= 4)
        return false;
    for (int k = 0, no = LLVMGetNumOperands(v); k < no; k++)
        if (!mark_refs(map, n, LLVMGetOperand(v, k), need, counter, depth + 1))
            return false;
    return true;
}

/* Which blocks of a function lie in a loop: from a loop's header to the
 * branch back to it, in block order. The lowering appends a loop's header
 * before its body and moves a block's merge block after the block's body,
 * so a branch to an earlier block that does not trap is a back edge. */
typedef struct blk {
    LLVMBasicBlockRef bb;
    uint32_t index;
} blk;

typedef struct loop_blocks {
    bool done;
    size_t n;
    blk *sorted;            /* the blocks by address, with their index */
    uint8_t *in_loop;       /* per block index */
} loop_blocks;

static int cmp_blk(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const blk *)a)->bb, y = (uintptr_t)((const blk *)b)->bb;
    return x < y ? -1 : x > y;
}

static uint32_t blk_index(const loop_blocks *L, LLVMBasicBlockRef bb)
{
    blk key = { bb, 0 };
    const blk *hit = bsearch(&key, L->sorted, L->n, sizeof *L->sorted, cmp_blk);
    return hit ? hit->index : UINT32_MAX;
}

/* Fills L for f; false when out of memory (L then finds no loop). */
static bool find_loops(loop_blocks *L, LLVMValueRef f)
{
    L->done = true;
    size_t n = LLVMCountBasicBlocks(f);
    LLVMBasicBlockRef *order = malloc((n ? n : 1) * sizeof *order);
    L->sorted = malloc((n ? n : 1) * sizeof *L->sorted);
    L->in_loop = calloc(n ? n : 1, 1);
    if (!order || !L->sorted || !L->in_loop) {
        free(order);
        return false;
    }
    LLVMGetBasicBlocks(f, order);
    for (size_t i = 0; i < n; i++)
        L->sorted[i] = (blk){ order[i], (uint32_t)i };
    qsort(L->sorted, n, sizeof *L->sorted, cmp_blk);
    L->n = n;
    for (size_t i = 0; i < n; i++) {
        LLVMValueRef term = LLVMGetBasicBlockTerminator(order[i]);
        for (unsigned k = 0, ns = term ? LLVMGetNumSuccessors(term) : 0; k < ns; k++) {
            LLVMBasicBlockRef s = LLVMGetSuccessor(term, k);
            uint32_t j = blk_index(L, s);
            LLVMValueRef st = LLVMGetBasicBlockTerminator(s);
            if (j <= i && st && LLVMGetInstructionOpcode(st) != LLVMUnreachable)
                memset(L->in_loop + j, 1, i - j + 1);
        }
    }
    free(order);
    return true;
}

/* Is call instruction `call` (in function number k) inside a loop? */
static bool call_in_loop(loop_blocks *loops, uint32_t k, LLVMValueRef call, bool *oom)
{
    loop_blocks *L = &loops[k];
    if (!L->done && !find_loops(L, LLVMGetBasicBlockParent(LLVMGetInstructionParent(call))))
        *oom = true;
    uint32_t b = L->n ? blk_index(L, LLVMGetInstructionParent(call)) : UINT32_MAX;
    return b != UINT32_MAX && L->in_loop[b];
}

/* Which small functions each part imports (J->imports), and everything
 * their bodies refer to (need[]: functions to promote; global variables
 * are promoted here). */
static bool plan_imports(part_job *J, LLVMModuleRef mod, const size_t *sizes, const fn_part *map, bool *need,
                         size_t *counter)
{
    unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
    loop_blocks *loops = calloc(J->nfuncs ? J->nfuncs : 1, sizeof *loops);
    if (!loops)
        return false;
    bool oom = false;
    size_t i = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f), i++) {
        if (J->part_of[i] < 0 || sizes[i] > LOOP_IMPORT_INSNS ||
            LLVMGetEnumAttributeAtIndex(f, LLVMAttributeFunctionIndex, noinline))
            continue;
        bool small = sizes[i] <= IMPORT_INSNS;
        uint32_t parts = 0;
        for (LLVMUseRef u = LLVMGetFirstUse(f); u; u = LLVMGetNextUse(u)) {
            LLVMValueRef user = LLVMGetUser(u);
            if (!LLVMIsACallInst(user) || LLVMGetCalledValue(user) != f)
                continue;
            LLVMBasicBlockRef bb = LLVMGetInstructionParent(user);
            LLVMValueRef caller = bb ? LLVMGetBasicBlockParent(bb) : NULL;
            int32_t q = caller ? part_of_fn(map, J->nfuncs, caller) : -1;
            if (q >= 0 && q != J->part_of[i] && !(parts & 1u << q) &&
                (small || call_in_loop(loops, fn_index(map, J->nfuncs, caller), user, &oom)))
                parts |= 1u << q;
        }
        if (!parts)
            continue;
        bool ok = true;
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb && ok; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in && ok; in = LLVMGetNextInstruction(in))
                for (int k = 0, no = LLVMGetNumOperands(in); k < no && ok; k++)
                    ok = mark_refs(map, J->nfuncs, LLVMGetOperand(in, k), need, counter, 0);
        if (ok) {
            J->imports[i] = parts;
            need[i] = true;         /* the owner's definition: a symbol */
        }
    }
    for (i = 0; i < J->nfuncs; i++) {
        free(loops[i].sorted);
        free(loops[i].in_loop);
    }
    free(loops);
    return !oom;
}

bool wacc_split_codegen(LLVMModuleRef mod, const wacc_target *t, size_t nparts, int jobs, const char *pipeline,
                        bool huge, wacc_progress *progress, uint8_t ***objs_out, size_t **sizes_out, char err[512])
{
    part_job J;
    memset(&J, 0, sizeof J);
    J.t = t;
    J.pipeline = pipeline;
    J.huge = huge;
    J.nparts = nparts;
    J.progress = progress;
    *objs_out = NULL;
    *sizes_out = NULL;
    bool ok = false;
    LLVMMemoryBufferRef bc = NULL;
    size_t i = 0;
    size_t *sizes = NULL;
    fn_part *map = NULL;

    if (LLVMGetFirstGlobalAlias(mod) || LLVMGetFirstGlobalIFunc(mod)) {
        snprintf(err, 512, "code generation failed: aliases cannot be split");
        LLVMDisposeModule(mod);
        return false;
    }
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f))
        J.nfuncs++;

    /* 1. partition, by instruction count, in module order */
    size_t nf = J.nfuncs ? J.nfuncs : 1;
    J.part_of = calloc(nf, sizeof *J.part_of);
    J.names = calloc(nf, sizeof *J.names);
    sizes = calloc(nf, sizeof *sizes);
    map = calloc(nf, sizeof *map);
    J.part_funcs = calloc(nparts, sizeof *J.part_funcs);
    J.objs = calloc(nparts, sizeof *J.objs);
    J.sizes = calloc(nparts, sizeof *J.sizes);
    if (!J.part_of || !J.names || !sizes || !map || !J.part_funcs || !J.objs || !J.sizes) {
        snprintf(err, 512, "out of memory");
        LLVMDisposeModule(mod);
        goto out;
    }
    /* A function's plain copy (appended at the end of the module) goes to
     * its main version's part: that is its only caller, and a call within
     * a part can be optimised with it (no cross-part call). */
    int32_t *main_of = malloc(nf * sizeof *main_of);
    if (!main_of) {
        snprintf(err, 512, "out of memory");
        LLVMDisposeModule(mod);
        goto out;
    }
    i = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f), i++)
        map[i] = (fn_part){ f, -1, (uint32_t)i };
    qsort(map, J.nfuncs, sizeof *map, cmp_fn_part);
    size_t total = 0;
    bool oom = false;
    i = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f), i++) {
        sizes[i] = LLVMIsDeclaration(f) ? 0 : count_function(f) + 1;
        main_of[i] = sizes[i] ? plain_of(mod, map, J.nfuncs, f, &oom) : -1;
        total += sizes[i];
    }
    for (i = 0; i < J.nfuncs; i++)      /* a plain copy counts with its main version */
        if (main_of[i] >= 0) {
            sizes[main_of[i]] += sizes[i];
            sizes[i] = 0;
        }
    size_t acc = 0;
    for (i = 0; i < J.nfuncs; i++) {
        if (!sizes[i]) {
            J.part_of[i] = -1;
            continue;
        }
        size_t p = total ? (size_t)((acc * (unsigned __int128)nparts) / total) : 0;
        if (p >= nparts)
            p = nparts - 1;
        J.part_of[i] = (int32_t)p;
        J.part_funcs[p]++;
        acc += sizes[i];
    }
    for (i = 0; i < J.nfuncs; i++)
        if (main_of[i] >= 0) {
            J.part_of[i] = J.part_of[main_of[i]];
            J.part_funcs[J.part_of[i]]++;
        }
    free(main_of);
    if (oom) {
        snprintf(err, 512, "out of memory");
        LLVMDisposeModule(mod);
        goto out;
    }
    i = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f), i++)
        map[i] = (fn_part){ f, J.part_of[i], (uint32_t)i };
    qsort(map, J.nfuncs, sizeof *map, cmp_fn_part);

    /* 2. promote the locals used outside their part, then take the names */
    bool *cross = calloc(nf, sizeof *cross);
    bool import = pipeline && !huge && nparts > 1 && strncmp(pipeline, "default<O", 9) == 0 && pipeline[9] >= '2';
    J.imports = import ? calloc(nf, sizeof *J.imports) : NULL;
    if (!cross || (import && !J.imports)) {
        free(cross);
        snprintf(err, 512, "out of memory");
        LLVMDisposeModule(mod);
        goto out;
    }
    size_t counter = 0;
    if (import && !plan_imports(&J, mod, sizes, map, cross, &counter)) {   /* sets cross[] for what imported bodies refer to */
        free(cross);
        snprintf(err, 512, "out of memory");
        LLVMDisposeModule(mod);
        goto out;
    }
    i = 0;      /* decide first: promotion does not change the uses */
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f), i++)
        cross[i] = J.part_of[i] >= 0 && is_local(f) &&
                   (cross[i] || used_outside(map, J.nfuncs, f, J.part_of[i], 0));
    i = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f), i++)
        if (cross[i])
            promote(f, &counter);
    free(cross);
    for (LLVMValueRef g = LLVMGetFirstGlobal(mod); g; g = LLVMGetNextGlobal(g))
        if (!LLVMIsDeclaration(g) && is_local(g) && used_outside(map, J.nfuncs, g, 0, 0))
            promote(g, &counter);
    i = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f), i++) {
        size_t len = 0;
        const char *name = LLVMGetValueName2(f, &len);
        J.names[i] = strdup(name);
        if (!J.names[i]) {
            snprintf(err, 512, "out of memory");
            LLVMDisposeModule(mod);
            goto out;
        }
    }

    /* 3. bitcode; the module goes */
    bc = LLVMWriteBitcodeToMemoryBuffer(mod);
    LLVMDisposeModule(mod);
#ifdef __GLIBC__
    /* the whole module's heap goes back to the system: the workers'
     * threads allocate from arenas of their own and would not reuse it */
    malloc_trim(0);
#endif
    if (!bc) {
        snprintf(err, 512, "code generation failed: cannot write bitcode");
        goto out;
    }
    J.bc = LLVMGetBufferStart(bc);
    J.bc_size = LLVMGetBufferSize(bc);
    size_t nfun = 0;
    for (size_t p = 0; p < nparts; p++)
        nfun += J.part_funcs[p];

    /* 4. workers */
    ok = run_and_take(&J, jobs, nfun, objs_out, sizes_out, err);
out:
    if (bc)
        LLVMDisposeMemoryBuffer(bc);
    free(sizes);
    free(map);
    if (J.objs)
        for (size_t p = 0; p < nparts; p++)
            free(J.objs[p]);
    free(J.objs);
    free(J.sizes);
    if (J.names)
        for (i = 0; i < J.nfuncs; i++)
            free(J.names[i]);
    free(J.names);
    free(J.part_of);
    free(J.imports);
    free(J.part_funcs);
    return ok;
}

bool wacc_split_codegen_parts(LLVMModuleRef head, wacc_parts *parts, const wacc_target *t, int jobs,
                              const char *pipeline, bool huge, wacc_progress *progress, uint8_t ***objs_out,
                              size_t **sizes_out, char err[512])
{
    part_job J;
    memset(&J, 0, sizeof J);
    J.t = t;
    J.pipeline = pipeline;
    J.huge = huge;
    J.nparts = 1 + parts->n;
    J.progress = progress;
    *objs_out = NULL;
    *sizes_out = NULL;
    bool ok = false;

    /* part 0 is the module that holds the rest of the artifact; its
     * bitcode is written and the module goes */
    J.part_bc = calloc(J.nparts, sizeof *J.part_bc);
    J.part_funcs = calloc(J.nparts, sizeof *J.part_funcs);
    J.objs = calloc(J.nparts, sizeof *J.objs);
    J.sizes = calloc(J.nparts, sizeof *J.sizes);
    if (!J.part_bc || !J.part_funcs || !J.objs || !J.sizes) {
        snprintf(err, 512, "out of memory");
        LLVMDisposeModule(head);
        goto out;
    }
    J.part_bc[0] = LLVMWriteBitcodeToMemoryBuffer(head);
    LLVMDisposeModule(head);
#ifdef __GLIBC__
    malloc_trim(0);     /* the lowering's heap goes back to the system */
#endif
    if (!J.part_bc[0]) {
        snprintf(err, 512, "code generation failed: cannot write bitcode");
        goto out;
    }
    size_t nfun = 0;
    for (size_t k = 0; k < parts->n; k++) {
        J.part_bc[k + 1] = parts->bc[k];
        parts->bc[k] = NULL;
        J.part_funcs[k + 1] = parts->nfuncs[k];
        nfun += parts->nfuncs[k];
    }
    if (parts->ncross)
        qsort(parts->cross, parts->ncross, sizeof *parts->cross, cmp_name);
    J.cross = parts->cross;
    J.ncross = parts->ncross;
    ok = run_and_take(&J, jobs, nfun, objs_out, sizes_out, err);
out:
    if (J.part_bc)
        for (size_t p = 0; p < J.nparts; p++)
            if (J.part_bc[p])
                LLVMDisposeMemoryBuffer(J.part_bc[p]);
    free(J.part_bc);
    if (J.objs)
        for (size_t p = 0; p < J.nparts; p++)
            free(J.objs[p]);
    free(J.objs);
    free(J.sizes);
    free(J.part_funcs);
    return ok;
}
