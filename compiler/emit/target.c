/*
 * target.c — configure the LLVM target machine for one compilation: x86-64
 * (the host, default) or aarch64 (--target aarch64-linux-gnu, cross).
 *
 * The CPU is either the host ("native" / NULL), a micro-architecture level
 * ("x86-64-v2", "-v3", "-v4") or a known LLVM CPU name. Code is always PIC.
 * wacc_target.cpu_features records the WACC_CPU_* bits the code may use; the
 * runtime refuses an artifact whose bits the machine lacks.
 *
 * aarch64: the CPU is "generic" (Armv8.0-A with NEON, which every aarch64
 * Linux machine has) or a named LLVM AArch64 CPU; there is no "native"
 * (the compiler runs on x86-64). cpu_features holds the WACC_CPU_A64_*
 * bits a named CPU implies (0 for generic); the loader checks them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "compiler.h"
#include "wacc/abi.h"

#define TRIPLE "x86_64-pc-linux-gnu"
#define TRIPLE_A64 "aarch64-unknown-linux-gnu"

/* LLVM AArch64 CPU names --cpu accepts for the aarch64 target, and the
 * WACC_CPU_A64_* features (beyond Armv8.0-A + NEON) LLVM may use for them. */
#define A82 (WACC_CPU_A64_LSE | WACC_CPU_A64_RDM | WACC_CPU_A64_FP16 | WACC_CPU_A64_DOTPROD)
static const struct { const char *name; uint64_t bits; } a64_cpus[] = {
    {"generic", 0}, {"cortex-a53", 0}, {"cortex-a57", 0}, {"cortex-a72", 0}, {"cortex-a73", 0},
    {"thunderx2t99", WACC_CPU_A64_LSE | WACC_CPU_A64_RDM},
    {"cortex-a55", A82}, {"cortex-a75", A82}, {"cortex-a76", A82}, {"cortex-a77", A82},
    {"cortex-a78", A82}, {"cortex-x1", A82}, {"neoverse-n1", A82}, {"ampere1", A82},
    {"ampere1a", A82}, {"apple-m1", A82}, {"apple-m2", A82}, {"apple-a14", A82},
    {"cortex-a510", A82 | WACC_CPU_A64_SVE}, {"cortex-a710", A82 | WACC_CPU_A64_SVE},
    {"cortex-x2", A82 | WACC_CPU_A64_SVE}, {"neoverse-n2", A82 | WACC_CPU_A64_SVE},
    {"neoverse-v1", A82 | WACC_CPU_A64_SVE}, {"neoverse-v2", A82 | WACC_CPU_A64_SVE},
    {"a64fx", WACC_CPU_A64_LSE | WACC_CPU_A64_RDM | WACC_CPU_A64_FP16 | WACC_CPU_A64_SVE},
};

int wacc_target_kind(const char *target)
{
    static const char *const x86[] = { "x86_64", "x86-64", "x86_64-linux-gnu", "x86_64-pc-linux-gnu",
                                       "x86_64-unknown-linux-gnu" };
    static const char *const a64[] = { "aarch64", "arm64", "aarch64-linux-gnu", "aarch64-unknown-linux-gnu" };
    if (!target)
        return 0;
    for (size_t i = 0; i < sizeof x86 / sizeof x86[0]; i++)
        if (!strcmp(target, x86[i]))
            return 0;
    for (size_t i = 0; i < sizeof a64 / sizeof a64[0]; i++)
        if (!strcmp(target, a64[i]))
            return 1;
    return -1;
}

#define V2 (WACC_CPU_SSE41 | WACC_CPU_SSE42 | WACC_CPU_POPCNT | WACC_CPU_SSSE3)
#define V3 (V2 | WACC_CPU_AVX | WACC_CPU_AVX2 | WACC_CPU_BMI1 | WACC_CPU_BMI2 | \
            WACC_CPU_LZCNT | WACC_CPU_FMA | WACC_CPU_F16C | WACC_CPU_MOVBE)
#define V4 (V3 | WACC_CPU_AVX512F | WACC_CPU_AVX512BW | WACC_CPU_AVX512DQ | WACC_CPU_AVX512VL)

/* LLVM feature names of the WACC_CPU_* bits. */
static const struct { const char *name; uint64_t bit; } feature_bits[] = {
    {"sse4.1", WACC_CPU_SSE41}, {"sse4.2", WACC_CPU_SSE42}, {"popcnt", WACC_CPU_POPCNT},
    {"avx", WACC_CPU_AVX}, {"avx2", WACC_CPU_AVX2}, {"bmi", WACC_CPU_BMI1},
    {"bmi2", WACC_CPU_BMI2}, {"lzcnt", WACC_CPU_LZCNT}, {"fma", WACC_CPU_FMA},
    {"avx512f", WACC_CPU_AVX512F}, {"avx512bw", WACC_CPU_AVX512BW},
    {"avx512dq", WACC_CPU_AVX512DQ}, {"avx512vl", WACC_CPU_AVX512VL},
    {"ssse3", WACC_CPU_SSSE3}, {"f16c", WACC_CPU_F16C}, {"movbe", WACC_CPU_MOVBE},
};

/* Known LLVM x86 CPU names at or above x86-64-v2 and the bits they imply.
 * CPUs below the baseline are listed with 0 so that the error is precise. */
static const struct { const char *name; uint64_t bits; } cpus[] = {
    {"x86-64-v2", V2}, {"x86-64-v3", V3}, {"x86-64-v4", V4},
    {"nehalem", V2}, {"corei7", V2}, {"westmere", V2},
    {"silvermont", V2 | WACC_CPU_MOVBE}, {"slm", V2 | WACC_CPU_MOVBE},
    {"goldmont", V2 | WACC_CPU_MOVBE}, {"goldmont-plus", V2 | WACC_CPU_MOVBE},
    {"tremont", V2 | WACC_CPU_MOVBE},
    {"sandybridge", V2 | WACC_CPU_AVX}, {"corei7-avx", V2 | WACC_CPU_AVX},
    {"ivybridge", V2 | WACC_CPU_AVX | WACC_CPU_F16C}, {"core-avx-i", V2 | WACC_CPU_AVX | WACC_CPU_F16C},
    {"haswell", V3}, {"core-avx2", V3}, {"broadwell", V3}, {"skylake", V3},
    {"alderlake", V3}, {"raptorlake", V3}, {"meteorlake", V3}, {"gracemont", V3},
    {"arrowlake", V3}, {"arrowlake-s", V3}, {"lunarlake", V3}, {"pantherlake", V3},
    {"sierraforest", V3}, {"grandridge", V3},
    {"skylake-avx512", V4}, {"skx", V4}, {"cascadelake", V4}, {"cooperlake", V4},
    {"cannonlake", V4}, {"icelake-client", V4}, {"icelake-server", V4}, {"tigerlake", V4},
    {"sapphirerapids", V4}, {"emeraldrapids", V4}, {"graniterapids", V4},
    {"graniterapids-d", V4}, {"rocketlake", V4}, {"clearwaterforest", V3},
    {"btver2", V2 | WACC_CPU_AVX | WACC_CPU_F16C | WACC_CPU_BMI1 | WACC_CPU_MOVBE | WACC_CPU_LZCNT},
    {"bdver1", V2 | WACC_CPU_AVX | WACC_CPU_LZCNT},
    {"bdver2", V2 | WACC_CPU_AVX | WACC_CPU_LZCNT | WACC_CPU_FMA | WACC_CPU_F16C | WACC_CPU_BMI1},
    {"bdver3", V2 | WACC_CPU_AVX | WACC_CPU_LZCNT | WACC_CPU_FMA | WACC_CPU_F16C | WACC_CPU_BMI1},
    {"bdver4", V3},
    {"znver1", V3}, {"znver2", V3}, {"znver3", V3}, {"znver4", V4}, {"znver5", V4},
    /* below the baseline */
    {"x86-64", 0}, {"core2", 0}, {"penryn", 0}, {"k8", 0}, {"athlon64", 0},
    {"amdfam10", 0}, {"barcelona", 0}, {"btver1", 0}, {"bonnell", 0}, {"atom", 0},
    {"generic", 0}, {"nocona", 0}, {"pentium4", 0}, {"i686", 0}, {"i386", 0},
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static char *xstrdup(const char *s);

/* LLVM options, set once per process (LLVM keeps them globally):
 *  -slp-threshold=1: the SLP vectoriser only where it gains at least two
 *   cost units. Wasm code passes structs through linear memory (scalar
 *   stores, then loads in the callee or in a memcpy): marginal SLP trees
 *   turn those loads into 16-byte vector loads spanning two 8-byte
 *   stores, which defeats store-to-load forwarding (raytrace: 0.41 s ->
 *   0.33 s; nbody keeps its profitable trees).
 *  -disable-x86-domain-reassignment: the pass moves integer chains into
 *   AVX-512 mask registers; on wasm code it changes nothing (benchmark
 *   kernels compile to identical bytes) but costs ~10% of code generation
 *   on large functions when the CPU has AVX-512.
 *  -locally-hot-callsite-threshold=525: -O2 inlines a call inside a loop
 *   (at least 60 times as frequent as the caller's entry) up to cost 525,
 *   as -O3 and WAMR (wamrc --opt-level=3) do; the default<O2> pipeline
 *   keeps 225 for every call. Lua's table.sort: auxsort inlines lua_geti
 *   (cost 320) and sort_comp/lua_compare; lua 1.41x -> 1.35x native
 *   (benchmarks/results/lua-inline.md).
 *  -expand-div-rem-bits=64: a division wider than 64 bits becomes an inline
 *   loop instead of a call of compiler-rt's __udivti3, which an artifact
 *   cannot import (no undefined symbols). Wasm has no 128-bit division;
 *   SCEV makes one when it computes a trip count in i128 so that it cannot
 *   overflow (xz with --bounds-checks, whose exits compare a zero-extended
 *   index with the 64-bit memory size).
 * WACC_LLVM_ARGS="-opt=value ..." (debugging) appends more options. */
static void set_llvm_options(void)
{
    const char *argv[35] = { "wacc", "-slp-threshold=1", "-disable-x86-domain-reassignment",
                             "-locally-hot-callsite-threshold=525", "-expand-div-rem-bits=64" };
    int argc = 5;
    const char *env = getenv("WACC_LLVM_ARGS");
    char *copy = env && *env ? strdup(env) : NULL;
    char *save = NULL;
    for (char *tok = copy ? strtok_r(copy, " ", &save) : NULL; tok && argc < 35;
         tok = strtok_r(NULL, " ", &save))
        argv[argc++] = tok;
    LLVMParseCommandLineOptions(argc, argv, NULL);
    free(copy);
}

static void init_llvm_x86(void)
{
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    set_llvm_options();
}

/* The aarch64 CPU choice: name, (malloc'd) feature string and bits. */
static bool resolve_cpu_a64(const char *cpu, char name[32], char **features, uint64_t *bits, char err[512])
{
    *features = NULL;
    if (!cpu || !*cpu || !strcmp(cpu, "native"))
        cpu = "generic";
    for (size_t i = 0; i < sizeof a64_cpus / sizeof a64_cpus[0]; i++) {
        if (strcmp(a64_cpus[i].name, cpu))
            continue;
        snprintf(name, 32, "%s", cpu);
        *bits = a64_cpus[i].bits;
        *features = xstrdup("+neon");
        if (!*features) {
            snprintf(err, 512, "out of memory");
            return false;
        }
        return true;
    }
    snprintf(err, 512, "unknown aarch64 CPU '%.40s' (use generic, cortex-a72, neoverse-n1, apple-m1, ...)", cpu);
    return false;
}

/* Parse "+sse4.1,-avx512f,..." into WACC_CPU_* bits (only "+" entries). */
static uint64_t parse_features(const char *s)
{
    uint64_t bits = 0;
    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (n > 1 && s[0] == '+') {
            for (size_t i = 0; i < sizeof feature_bits / sizeof feature_bits[0]; i++)
                if (strlen(feature_bits[i].name) == n - 1 && !memcmp(feature_bits[i].name, s + 1, n - 1))
                    bits |= feature_bits[i].bit;
        }
        s = end ? end + 1 : NULL;
    }
    return bits;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* Resolve the CPU choice: name, feature string (malloc'd) and bits. */
static bool resolve_cpu(const char *cpu, char name[32], char **features, uint64_t *bits, char err[512])
{
    *features = NULL;
    if (!cpu || !strcmp(cpu, "native") || !*cpu) {
        char *host_triple = LLVMGetDefaultTargetTriple();
        bool x86 = !strncmp(host_triple, "x86_64", 6);
        LLVMDisposeMessage(host_triple);
        if (!x86) {
            snprintf(err, 512, "cpu=native: the host is not x86-64 (only x86-64 targets are supported)");
            return false;
        }
        char *hname = LLVMGetHostCPUName();
        char *hfeat = LLVMGetHostCPUFeatures();
        snprintf(name, 32, "%s", hname);
        *features = xstrdup(hfeat ? hfeat : "");
        *bits = parse_features(hfeat);
        LLVMDisposeMessage(hname);
        LLVMDisposeMessage(hfeat);
        if (!*features) {
            snprintf(err, 512, "out of memory");
            return false;
        }
        if ((*bits & V2) != V2) {
            snprintf(err, 512, "host CPU '%s' is below the x86-64-v2 baseline (needs SSE4.1, SSE4.2, POPCNT, SSSE3)", name);
            free(*features);
            *features = NULL;
            return false;
        }
        return true;
    }
    if (strlen(cpu) >= 32) {
        snprintf(err, 512, "CPU name too long: '%.40s...'", cpu);
        return false;
    }
    for (size_t i = 0; i < sizeof cpus / sizeof cpus[0]; i++) {
        if (strcmp(cpus[i].name, cpu))
            continue;
        if (cpus[i].bits == 0) {
            snprintf(err, 512, "CPU '%s' is below the x86-64-v2 baseline (wacc needs SSE4.1, SSE4.2, POPCNT)", cpu);
            return false;
        }
        snprintf(name, 32, "%s", cpu);
        *features = xstrdup("");
        *bits = cpus[i].bits;
        if (!*features) {
            snprintf(err, 512, "out of memory");
            return false;
        }
        return true;
    }
    snprintf(err, 512, "unknown CPU '%s' (use native, x86-64-v2, x86-64-v3, x86-64-v4 or an LLVM x86 CPU name)", cpu);
    return false;
}

LLVMTargetMachineRef wacc_target_machine(const wacc_target *t)
{
    /* -O1 (the fast tier) generates code like -O0: FastISel and the fast
     * register allocator, after emit.c's short IR pipeline */
    static const LLVMCodeGenOptLevel levels[4] = {
        LLVMCodeGenLevelNone, LLVMCodeGenLevelNone, LLVMCodeGenLevelDefault, LLVMCodeGenLevelAggressive};
    LLVMTargetRef target = NULL;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(t->triple, &target, &msg)) {
        LLVMDisposeMessage(msg);
        return NULL;
    }
    int opt = t->opt_level >= 0 && t->opt_level <= 3 ? t->opt_level : 2;
    return LLVMCreateTargetMachine(target, t->triple, t->cpu_name, t->features ? t->features : "", levels[opt],
                                   LLVMRelocPIC, LLVMCodeModelDefault);
}

bool wacc_target_create(wacc_target *t, const wacc_compile_options *o, char err[512])
{
    memset(t, 0, sizeof *t);
    err[0] = 0;
    int opt = o ? o->opt_level : 2;
    if (opt < 0 || opt > 3) {
        snprintf(err, 512, "optimisation level %d out of range 0..3", opt);
        return false;
    }
    pthread_once(&init_once, init_llvm_x86);

    int kind = wacc_target_kind(o ? o->target : NULL);
    if (kind < 0) {
        snprintf(err, 512, "unknown target '%.60s' (use x86_64-linux-gnu or aarch64-linux-gnu)", o->target);
        return false;
    }
    t->aarch64 = kind == 1;
    if (t->aarch64) {
        if (!resolve_cpu_a64(o ? o->cpu : NULL, t->cpu_name, &t->features, &t->cpu_features, err))
            return false;
    } else if (!resolve_cpu(o ? o->cpu : NULL, t->cpu_name, &t->features, &t->cpu_features, err)) {
        return false;
    }
    snprintf(t->triple, sizeof t->triple, "%s", t->aarch64 ? TRIPLE_A64 : TRIPLE);

    LLVMTargetRef target = NULL;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(t->triple, &target, &msg)) {
        snprintf(err, 512, "LLVM target %s unavailable: %s", t->triple, msg ? msg : "?");
        LLVMDisposeMessage(msg);
        wacc_target_dispose(t);
        return false;
    }
    t->opt_level = opt;
    t->tm = wacc_target_machine(t);
    if (!t->tm) {
        snprintf(err, 512, "cannot create target machine for %s cpu=%s", t->triple, t->cpu_name);
        wacc_target_dispose(t);
        return false;
    }
    t->layout = LLVMCreateTargetDataLayout(t->tm);
    return true;
}

void wacc_target_dispose(wacc_target *t)
{
    if (!t)
        return;
    if (t->layout)
        LLVMDisposeTargetData(t->layout);
    if (t->tm)
        LLVMDisposeTargetMachine(t->tm);
    free(t->features);
    memset(t, 0, sizeof *t);
}
