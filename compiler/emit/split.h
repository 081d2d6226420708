/*
 * split.h — parallel code generation (split.c), internal to compiler/emit.
 */
#ifndef WACC_EMIT_SPLIT_H
#define WACC_EMIT_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "compiler.h"

#define SPLIT_PART_INSNS 40000          /* IR instructions per part (before optimisation) */
#define SPLIT_MAX_PARTS 16

/* Number of parts for a module of `ninsns` IR instructions ($WACC_PARTS
 * overrides). Depends only on the module, never on the thread count. */
size_t wacc_split_parts(size_t ninsns);

/* Split `mod` (consumed) into `nparts` parts and generate their objects on
 * `jobs` threads; `pipeline` (or NULL) is an optimisation pipeline each
 * part runs, with wacc_pass_options(huge), before its interruption checks
 * and code generation (the split before optimisation). On success *objs /
 * *sizes hold nparts malloc'd objects (free each and both arrays). */
bool wacc_split_codegen(LLVMModuleRef mod, const wacc_target *t, size_t nparts, int jobs, const char *pipeline,
                        bool huge, wacc_progress *progress, uint8_t ***objs, size_t **sizes, char err[512]);

/* The same for a module lowered in parts (wacc_lower_module_parts): part 0
 * is `head` (consumed), parts 1.. the bitcode of `parts` (taken). */
bool wacc_split_codegen_parts(LLVMModuleRef head, wacc_parts *parts, const wacc_target *t, int jobs,
                              const char *pipeline, bool huge, wacc_progress *progress, uint8_t ***objs,
                              size_t **sizes, char err[512]);

/* The pass builder options of the optimisation pipeline (emit.c): `huge`
 * modules get the cheaper settings. The caller disposes them. */
LLVMPassBuilderOptionsRef wacc_pass_options(bool huge);

#endif
