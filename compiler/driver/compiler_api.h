/*
 * compiler_api.h — the compiler as a separately loaded library.
 *
 * `wacc run app.so` must start in well under a millisecond, and merely
 * mapping and relocating libLLVM costs ~15 ms. So the LLVM-based compiler is
 * built as libwacc-compiler.so and the driver dlopens it only when it has to
 * compile (wacc compile, wacc wast, a cache miss of wacc run app.wasm).
 */
#ifndef WACC_COMPILER_API_H
#define WACC_COMPILER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define WACC_COMPILER_API_VERSION 2u
#define WACC_COMPILER_API_SYMBOL "wacc_compiler_api"
#define WACC_COMPILER_LIB "libwacc-compiler.so"

struct wacc_compiler_api {
    uint32_t version;           /* WACC_COMPILER_API_VERSION */
    bool (*compile_file)(const uint8_t *wasm, size_t size, const wacc_compile_options *o,
                         const char *out_path, char err[512]);
    /* Set up LLVM's target for these options (checks the CPU name). */
    bool (*target_check)(const wacc_compile_options *o, char err[512]);
    /* The progress line of `wacc compile` (emit/progress.c). */
    wacc_progress *(*progress_start)(bool on);
    void (*progress_stop)(wacc_progress *p);
};

/* Load the compiler library (cheap after the first call); NULL + err if it cannot be
 * found or does not match. */
const struct wacc_compiler_api *drv_compiler(char err[512]);

#endif
