/*
 * compiler.h — public header of the wacc compiler library (libwaccc):
 * wasm module → LLVM IR → native shared object.
 *
 * Pipeline (each stage its own folder):
 *   decode/   wasm_decode, wasm_validate (wasm.h)
 *   lower/    wacc_lower_module: wasm_module → LLVMModuleRef (functions,
 *             array-call trampolines, host stubs, descriptor, metadata,
 *             memory image) following runtime/include/wacc/abi.h
 *   emit/     wacc_target_create, wacc_emit_so: optimise, codegen to an
 *             in-memory PIC object, then the ELF writer (libelf) makes the .so
 */
#ifndef WACC_COMPILER_H
#define WACC_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef WACC_RUNTIME_ONLY         /* the runtime-only build (-Dcompiler=false) has no LLVM */
#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#endif

#include "wasm.h"

#define WACC_VERSION "0.1.0"

typedef struct wacc_compile_options {
    int opt_level;              /* 0..3, default 2 */
    const char *cpu;            /* NULL/"native" = host CPU, or "x86-64-v2", "x86-64-v3", ... */
    bool explicit_bounds;       /* --bounds-checks: every access checked, exact memory after a trap */
    uint32_t wasm_features;     /* WASM_FEATURE_* allowed in a core module (0: Wasm 2.0 only) */
    int jobs;                   /* code generation threads; 0: $WACC_JOBS or the number of cores.
                                 * The artifact is the same for any value. */
    struct wacc_progress *progress; /* progress display (progress.c) or NULL; not owned */
    bool no_interrupt_checks;   /* no epoch tests at loops/entries (deadlines bound host waits only) */
    const char *target;         /* NULL: x86-64 (the host), or "aarch64-linux-gnu" (cross) */
} wacc_compile_options;

/* emit/progress.c: a progress line on a terminal (phase, functions done /
 * total, elapsed), redrawn by its own thread. wacc_progress_start returns
 * NULL when `on` is false; every other call accepts NULL and does nothing. */
typedef struct wacc_progress wacc_progress;
wacc_progress *wacc_progress_start(bool on);
void wacc_progress_phase(wacc_progress *p, const char *phase, size_t total);
void wacc_progress_add(wacc_progress *p, size_t done);
void wacc_progress_stop(wacc_progress *p);   /* clears the line, frees p */

#ifndef WACC_RUNTIME_ONLY
/* A configured LLVM target for one compilation. */
typedef struct wacc_target {
    LLVMTargetMachineRef tm;
    LLVMTargetDataRef layout;
    char triple[48];
    char cpu_name[32];
    char *features;             /* LLVM feature string (owned) */
    uint64_t cpu_features;      /* WACC_CPU_* bits */
    int opt_level;              /* 0..3 */
    bool aarch64;               /* the aarch64 target (else x86-64) */
} wacc_target;

/* emit/target.c */
bool wacc_target_create(wacc_target *t, const wacc_compile_options *o, char err[512]);
void wacc_target_dispose(wacc_target *t);
/* Target names --target accepts: 1 = aarch64, 0 = x86-64, -1 = unknown. */
int wacc_target_kind(const char *target);
static inline bool wacc_target_is_aarch64(const char *target) { return wacc_target_kind(target) == 1; }
/* A new target machine for `t` (one per code generation thread: LLVM's
 * target machines are not shared between threads). NULL on failure. */
LLVMTargetMachineRef wacc_target_machine(const wacc_target *t);


/* lower/: build the whole artifact module. `input_hash`/`options_hash` go
 * into the metadata header. Returns NULL and fills err on failure. */
LLVMModuleRef wacc_lower_module(LLVMContextRef ctx, const wasm_module *m, const wacc_target *t,
                                const wacc_compile_options *o, uint64_t input_hash,
                                uint64_t options_hash, wasm_error *err);

/* lower/: a huge module is lowered in parts. The wasm functions are cut
 * (in index order, balanced by code size, decided before lowering: the
 * same parts for any -j) into parts; each part's bodies are lowered into a
 * module of their own, written as bitcode and freed at once, so the whole
 * module's IR never exists. The module wacc_lower_module_parts returns
 * holds the rest of the artifact (descriptor, trampolines, data) and
 * declares the functions it uses. Each part's module declares the others'
 * functions it calls (hidden); a function no other part uses becomes
 * internal again when its part is read back (split.c). */
typedef struct wacc_parts {
    size_t n, cap;
    LLVMMemoryBufferRef *bc;    /* [n] each part's bitcode (owned) */
    size_t *nfuncs;             /* [n] wasm functions in each part */
    char **cross;               /* names of the functions used outside their part (owned) */
    size_t ncross, cap_cross;
} wacc_parts;
void wacc_parts_free(wacc_parts *p);

/* wacc_lower_module, lowering in parts (appended to `parts`) when the
 * module is huge (WACC_HUGE=1 with WACC_PARTS=N forces N parts, WACC_HUGE=0
 * or WACC_PRESPLIT=0 never). `prefix` (or NULL) goes before the function
 * names of such a module: the modules of a component need distinct ones. */
LLVMModuleRef wacc_lower_module_parts(LLVMContextRef ctx, const wasm_module *m, const wacc_target *t,
                                      const wacc_compile_options *o, uint64_t input_hash,
                                      uint64_t options_hash, const char *prefix, wacc_parts *parts,
                                      wasm_error *err);

/* lower/lower_interrupt.c: after optimisation, insert the interruption
 * checks (epoch tests, wacc/abi.h) at the loop back edges and call-making
 * function entries of every function the lowering marked. No-op for
 * modules lowered with no_interrupt_checks. False on out of memory. */
bool wacc_insert_interrupt_checks(LLVMModuleRef mod);

/* lower/lower_keep.c: after optimisation, turn the lowering's keep calls
 * (loads kept when their value is dead) into empty asm statements.
 * wacc_insert_interrupt_checks calls it first. */
void wacc_keep_finish(LLVMModuleRef mod);

/* emit/: run the optimisation pipeline, generate a relocatable object in
 * memory and write the shared object to `out_path` (atomically: temp file +
 * rename). Takes ownership of `mod`. */
bool wacc_emit_so(LLVMModuleRef mod, const wacc_target *t, const wacc_compile_options *o,
                  const char *out_path, char err[512]);
/* The same for a module lowered in parts (wacc_lower_module_parts); takes
 * the parts' bitcode too (`parts` may be NULL or empty). */
bool wacc_emit_so_parts(LLVMModuleRef mod, wacc_parts *parts, const wacc_target *t,
                        const wacc_compile_options *o, const char *out_path, char err[512]);

/* emit/elf_write.c: turn a relocatable x86-64 ELF object into a shared object
 * (the generic part of wacc_emit_so, exposed for unit tests). Appends the
 * struct wacc_trailer. Returns a malloc'd buffer. */
uint8_t *wacc_link_object(const uint8_t *obj, size_t obj_size, size_t *out_size, char err[512]);

/* emit/elf_write.c: the same for several objects (the parts of a split
 * module), linked into one shared object: a symbol undefined in one
 * object is resolved to its (single) global definition in another; the
 * objects' sections are laid out in array order. */
uint8_t *wacc_link_objects(const uint8_t *const *objs, const size_t *sizes, size_t nobjs, size_t *out_size,
                           char err[512]);

/* High level: bytes of a .wasm → .so file. */
bool wacc_compile_file(const uint8_t *wasm, size_t size, const wacc_compile_options *o,
                       const char *out_path, char err[512]);

/* High level: bytes of a component binary → one .so holding every core
 * module of it (compile_component.c; wacc_compile_file dispatches here when
 * the input is a component). Additive (k1). */
bool wacc_compile_component(const uint8_t *bytes, size_t size, const wacc_compile_options *o,
                            const char *out_path, char err[512]);

/* lower/lower_adapter.c: fused adapters (wacc/abi.h k2). For each key
 * (abi-glue wacc_adapter_key; keys sorted by strcmp, no duplicates) adds to
 * `mod` an internal function "wacc_adapter_<i>" with the adapter's native
 * signature, its array-call entry "wacc_adapter_array_<i>", and the
 * internal constant "wacc_adapters" (struct wacc_adapter_entry[nkeys], key
 * strings included) which is returned (NULL for nkeys == 0). False with a
 * one-line reason in err on failure (a key that does not parse). */
bool wacc_lower_adapters(LLVMModuleRef mod, const wacc_target *t, const char *const *keys,
                         uint32_t nkeys, LLVMValueRef *table, char err[512]);

#endif /* WACC_RUNTIME_ONLY */

/* Canonical string of the options (for hashing into the cache key). */
void wacc_options_string(const wacc_compile_options *o, char *buf, size_t len);

/* The artifact header's flags (WACC_META_*) for these options. */
uint32_t wacc_meta_flags(const wacc_compile_options *o);

#endif
