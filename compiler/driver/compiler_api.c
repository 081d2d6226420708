/*
 * compiler_api.c — the entry table of libwacc-compiler.so (see
 * compiler_api.h). The only exported symbol of that library.
 */
#include <string.h>

#include "compiler_api.h"

static bool target_check(const wacc_compile_options *o, char err[512])
{
    wacc_target t;
    memset(&t, 0, sizeof t);
    if (!wacc_target_create(&t, o, err))
        return false;
    wacc_target_dispose(&t);
    return true;
}

__attribute__((visibility("default")))
const struct wacc_compiler_api wacc_compiler_api = {
    .version = WACC_COMPILER_API_VERSION,
    .compile_file = wacc_compile_file,
    .target_check = target_check,
    .progress_start = wacc_progress_start,
    .progress_stop = wacc_progress_stop,
};
