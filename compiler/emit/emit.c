/*
 * emit.c — optimise a lowered module, generate a PIC object in memory, link
 * it into a shared object (elf_write.c) and write the file atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "compiler.h"
#include "split.h"
#include "wacc/abi.h"

/* Append printf output to buf at *pos, never overflowing. */
static void put(char *buf, size_t len, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (*pos + 1 >= len)
        return;
    if (n > len - 1 - *pos)
        n = len - 1 - *pos;
    memcpy(buf + *pos, s, n);
    *pos += n;
    buf[*pos] = 0;
}

uint32_t wacc_meta_flags(const wacc_compile_options *o)
{
    uint32_t flags = 0;
    if (o && o->no_interrupt_checks)
        flags |= WACC_META_NO_INTERRUPT_CHECKS;
    if (o && o->explicit_bounds)
        flags |= WACC_META_BOUNDS_CHECKS;
    return flags;
}

void wacc_options_string(const wacc_compile_options *o, char *buf, size_t len)
{
    if (!buf || !len)
        return;
    buf[0] = 0;
    size_t pos = 0;
    char tmp[128];
    int opt = o ? o->opt_level : 2;
    const char *cpu = o ? o->cpu : NULL;
    snprintf(tmp, sizeof tmp, "wacc=%s;abi=%u;O%d;bounds=%s;%scpu=", WACC_VERSION, WACC_ABI_VERSION, opt,
             o && o->explicit_bounds ? "explicit" : "guard", o && o->no_interrupt_checks ? "nointr;" : "");
    put(buf, len, &pos, tmp);
    if (o && o->target && wacc_target_is_aarch64(o->target)) {
        /* the cross target: no host CPU enters the key (x86-64 keys are
         * unchanged: they never name a target) */
        put(buf, len, &pos, cpu && *cpu && strcmp(cpu, "native") ? cpu : "generic");
        put(buf, len, &pos, ";target=aarch64-linux-gnu");
        return;
    }
    if (cpu && *cpu && strcmp(cpu, "native")) {
        put(buf, len, &pos, cpu);
        return;
    }
    /* native: the key must name the actual host CPU and its features; the
     * (long) feature string enters as its hash so the text stays short */
    char *name = LLVMGetHostCPUName();
    char *feat = LLVMGetHostCPUFeatures();
    const char *fs = feat ? feat : "";
    snprintf(tmp, sizeof tmp, "native:%.40s;features=%016llx", name ? name : "?",
             (unsigned long long)XXH3_64bits(fs, strlen(fs)));
    put(buf, len, &pos, tmp);
    LLVMDisposeMessage(name);
    LLVMDisposeMessage(feat);
}

/* Debugging aid: WACC_TIME=1 prints the duration of each emit phase to
 * stderr (wall clock and the process's CPU time). */
static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void phase_done(bool on, const char *name, double t0[2])
{
    if (!on)
        return;
    double w = clock_seconds(CLOCK_MONOTONIC), c = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    fprintf(stderr, "wacc: %-10s %8.3f s wall %8.3f s cpu\n", name, w - t0[0], c - t0[1]);
    t0[0] = w;
    t0[1] = c;
}

/* Write `data` to `path` via a temp file in the same directory + rename. */
static bool write_atomic(const char *path, const uint8_t *data, size_t size, char err[512])
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        snprintf(err, 512, "out of memory");
        return false;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, 512, "%s: cannot create temporary file: %s", path, strerror(errno));
        free(tmp);
        return false;
    }
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, 512, "%s: write failed: %s", tmp, w < 0 ? strerror(errno) : "short write");
            goto fail;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, 0755) != 0) {
        snprintf(err, 512, "%s: chmod failed: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, 512, "%s: close failed: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        snprintf(err, 512, "%s: rename failed: %s", path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return true;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return false;
}

/* Number of IR instructions in the module's function bodies. */
static size_t count_instructions(LLVMModuleRef mod)
{
    size_t n = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
                n++;
    return n;
}

/* Huge modules (a JS engine: 6M instructions) compile with cheaper
 * settings; everything below the threshold compiles exactly as before.
 *  - no SLP/loop vectorisation, no loop unrolling, a lower inlining
 *    threshold: -12% optimisation time on a 12 MB componentize-js module;
 *  - after optimisation the module goes through bitcode into a fresh
 *    context. The optimisation passes leave glibc's heap badly fragmented
 *    (1.5 GB of live IR interleaved with freed temporaries) and code
 *    generation, which allocates and frees per function, then spends a
 *    fifth of its time in malloc; the re-read module is compact (7 s for
 *    the round trip, -30 s of code generation). */
#define HUGE_MODULE_INSNS 2000000

/* The fast tier's pipeline (-O1): wasm locals out of their allocas, local
 * redundancies and constant folding, a tidy CFG; no inlining, no loop
 * passes. On sqlite3 it costs 3 s of CPU where default<O1> costs 15 s, and
 * it feeds FastISel code generation (target.c: -O1 generates code at
 * LLVM's level None, 2 s instead of 15 s). */
#define FAST_PIPELINE "function(sroa<modify-cfg>,early-cse<>," \
    "instcombine<max-iterations=1;no-use-loop-info;no-verify-fixpoint>,simplifycfg)"

/* Code generation threads: -j N, else $WACC_JOBS, else the number of cores. */
static int resolve_jobs(const wacc_compile_options *o)
{
    if (o && o->jobs > 0)
        return o->jobs;
    const char *env = getenv("WACC_JOBS");
    if (env && *env) {
        long v = strtol(env, NULL, 10);
        if (v > 0)
            return v > 256 ? 256 : (int)v;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

LLVMPassBuilderOptionsRef wacc_pass_options(bool huge)
{
    LLVMPassBuilderOptionsRef pbo = LLVMCreatePassBuilderOptions();
    if (huge) {
        LLVMPassBuilderOptionsSetSLPVectorization(pbo, 0);
        LLVMPassBuilderOptionsSetLoopVectorization(pbo, 0);
        LLVMPassBuilderOptionsSetLoopUnrolling(pbo, 0);
        LLVMPassBuilderOptionsSetInlinerThreshold(pbo, 100);
    }
    return pbo;
}

/* Move *mod through bitcode into a new context (returned in *ctx; the
 * previous one, if any, is disposed with the old module). */
static bool roundtrip(LLVMModuleRef *mod, LLVMContextRef *ctx)
{
    LLVMMemoryBufferRef bc = LLVMWriteBitcodeToMemoryBuffer(*mod);
    if (!bc)
        return false;
    LLVMDisposeModule(*mod);
    *mod = NULL;
    if (*ctx)
        LLVMContextDispose(*ctx);
    *ctx = LLVMContextCreate();
    bool ok = !LLVMParseBitcodeInContext2(*ctx, bc, mod);
    LLVMDisposeMemoryBuffer(bc);
    if (!ok)
        *mod = NULL;
    return ok;
}

bool wacc_emit_so(LLVMModuleRef mod, const wacc_target *t, const wacc_compile_options *o,
                  const char *out_path, char err[512])
{
    return wacc_emit_so_parts(mod, NULL, t, o, out_path, err);
}

bool wacc_emit_so_parts(LLVMModuleRef mod, wacc_parts *parts, const wacc_target *t,
                        const wacc_compile_options *o, const char *out_path, char err[512])
{
    err[0] = 0;
    if (!mod) {
        snprintf(err, 512, "no module to emit");
        return false;
    }
    bool ok = false;
    char *msg = NULL;
    LLVMMemoryBufferRef obj = NULL;
    uint8_t *so = NULL;
    uint8_t **objs = NULL;
    size_t *obj_sizes = NULL, nparts = 1;
    wacc_progress *progress = o ? o->progress : NULL;
    LLVMContextRef own_ctx = NULL;        /* set after a round trip */
    int opt = o ? o->opt_level : 2;
    if (opt < 0 || opt > 3)
        opt = 2;

    const char *timing = getenv("WACC_TIME");
    bool timed = timing && *timing;
    double t0[2] = { timed ? clock_seconds(CLOCK_MONOTONIC) : 0, 0 };
    phase_done(timed, "lower", t0);     /* cpu: everything before emit */

    LLVMSetTarget(mod, t->triple);
    LLVMSetModuleDataLayout(mod, t->layout);

    if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
        char *nl = msg ? strchr(msg, '\n') : NULL;
        if (nl)
            *nl = 0;
        snprintf(err, 512, "invalid LLVM IR: %s", msg ? msg : "?");
        goto out;
    }
    LLVMDisposeMessage(msg);
    msg = NULL;
    phase_done(timed, "verify", t0);

    /* debugging aids: WACC_DUMP_IR_RAW=path writes the IR before
     * optimisation, WACC_PASSES overrides the pass pipeline */
    const char *dump_raw = getenv("WACC_DUMP_IR_RAW");
    if (dump_raw && *dump_raw && LLVMPrintModuleToFile(mod, dump_raw, &msg)) {
        LLVMDisposeMessage(msg);
        msg = NULL;
    }
    char pipeline[256];
    const char *passes = getenv("WACC_PASSES");
    if (passes && *passes)
        snprintf(pipeline, sizeof pipeline, "%s", passes);
    else if (opt == 1)
        snprintf(pipeline, sizeof pipeline, "%s", FAST_PIPELINE);
    else
        snprintf(pipeline, sizeof pipeline, "default<O%d>", opt);
    size_t ninsns = count_instructions(mod);
    const char *force = getenv("WACC_HUGE");     /* debugging: 0/1 overrides */
    bool in_parts = parts && parts->n > 0;      /* lowered in parts: always huge */
    bool huge = in_parts || (force && *force ? force[0] == '1' : ninsns >= HUGE_MODULE_INSNS);
    if (timed && in_parts)
        fprintf(stderr, "wacc: lowered in %zu parts, %zu instructions outside them\n", parts->n, ninsns);
    else if (timed)
        fprintf(stderr, "wacc: %zu instructions%s\n", ninsns, huge ? " (huge module)" : "");
    /* A module of several parts is split before optimisation at every
     * level: each part is optimised (and its interruption checks inserted)
     * on its own thread, the inliner sees the calls inside a part. Almost
     * every wasm function is in the function table (address-taken), so the
     * whole-module IPO passes could not change them anyway. WACC_PRESPLIT=0
     * (debugging, A/B) optimises the whole module at -O2/-O3 and splits
     * only for code generation, as do WACC_PASSES and WACC_DUMP_IR. */
    const char *dump_ir = getenv("WACC_DUMP_IR");
    const char *presplit = getenv("WACC_PRESPLIT");
    nparts = in_parts ? 1 + parts->n : wacc_split_parts(ninsns);
    bool pre_split = in_parts || (nparts > 1 && !(passes && *passes) && !(dump_ir && *dump_ir) &&
                                  (opt <= 1 || !(presplit && presplit[0] == '0')));
    wacc_progress_phase(progress, "optimise", 0);
    LLVMErrorRef e = NULL;
    if (!pre_split) {
        LLVMPassBuilderOptionsRef pbo = wacc_pass_options(huge && opt >= 2);
        e = LLVMRunPasses(mod, pipeline, t->tm, pbo);
        LLVMDisposePassBuilderOptions(pbo);
    }
    if (e) {
        char *em = LLVMGetErrorMessage(e);
        snprintf(err, 512, "optimisation pipeline %s failed: %s", pipeline, em);
        LLVMDisposeErrorMessage(em);
        goto out;
    }
    if (!pre_split && !wacc_insert_interrupt_checks(mod)) {
        snprintf(err, 512, "out of memory (interrupt checks)");
        goto out;
    }
    phase_done(timed, "optimise", t0);

    /* debugging aid: WACC_DUMP_IR=path writes the optimised IR */
    if (dump_ir && *dump_ir && LLVMPrintModuleToFile(mod, dump_ir, &msg)) {
        LLVMDisposeMessage(msg);
        msg = NULL;
    }
    if (nparts > 1) {
        /* parallel code generation (split.c); consumes the module */
        LLVMModuleRef whole = mod;
        mod = NULL;
        if (in_parts ? !wacc_split_codegen_parts(whole, parts, t, resolve_jobs(o), pipeline, opt >= 2, progress,
                                                 &objs, &obj_sizes, err)
                     : !wacc_split_codegen(whole, t, nparts, resolve_jobs(o), pre_split ? pipeline : NULL,
                                           huge && opt >= 2, progress, &objs, &obj_sizes, err))
            goto out;
        if (timed)
            fprintf(stderr, "wacc: %zu parts on %d threads%s\n", nparts, resolve_jobs(o),
                    pre_split ? " (optimised per part)" : "");
        phase_done(timed, "codegen", t0);
        wacc_progress_phase(progress, "link", 0);
        size_t so_size = 0;
        so = wacc_link_objects((const uint8_t *const *)objs, obj_sizes, nparts, &so_size, err);
        if (!so)
            goto out;
        phase_done(timed, "link", t0);
        ok = write_atomic(out_path, so, so_size, err);
        phase_done(timed, "write", t0);
        goto out;
    }
    if (huge) {
        if (!roundtrip(&mod, &own_ctx)) {
            snprintf(err, 512, "code generation failed: bitcode round trip");
            goto out;
        }
        phase_done(timed, "roundtrip", t0);
    }
    wacc_progress_phase(progress, "codegen", 0);
    if (LLVMTargetMachineEmitToMemoryBuffer(t->tm, mod, LLVMObjectFile, &msg, &obj)) {
        snprintf(err, 512, "code generation failed: %s", msg ? msg : "?");
        goto out;
    }
    phase_done(timed, "codegen", t0);
    /* debugging aid: WACC_DUMP_OBJECT=path keeps the relocatable object */
    const char *dump = getenv("WACC_DUMP_OBJECT");
    if (dump && *dump) {
        FILE *f = fopen(dump, "wb");
        if (f) {
            fwrite(LLVMGetBufferStart(obj), 1, LLVMGetBufferSize(obj), f);
            fclose(f);
        }
    }
    size_t so_size = 0;
    so = wacc_link_object((const uint8_t *)LLVMGetBufferStart(obj), LLVMGetBufferSize(obj), &so_size, err);
    if (!so)
        goto out;
    phase_done(timed, "link", t0);
    ok = write_atomic(out_path, so, so_size, err);
    phase_done(timed, "write", t0);
out:
    if (objs)
        for (size_t k = 0; k < nparts; k++)
            free(objs[k]);
    free(objs);
    free(obj_sizes);
    LLVMDisposeMessage(msg);
    if (obj)
        LLVMDisposeMemoryBuffer(obj);
    free(so);
    if (mod)
        LLVMDisposeModule(mod);
    if (own_ctx)
        LLVMContextDispose(own_ctx);
    return ok;
}
