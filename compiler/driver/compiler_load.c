/*
 * compiler_load.c — find and dlopen libwacc-compiler.so on first use: next to
 * the wacc executable (build tree), then the install location.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compiler_api.h"

#ifndef WACC_COMPILER_INSTALL_DIR
#define WACC_COMPILER_INSTALL_DIR "/usr/local/lib/wacc"
#endif

static void *try_open(const char *dir, char *why, size_t why_len)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, WACC_COMPILER_LIB);
    if (access(path, R_OK) != 0)
        return NULL;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        snprintf(why, why_len, "%s", dlerror());
    return h;
}

const struct wacc_compiler_api *drv_compiler(char err[512])
{
    /* No cached handle: after the first load dlopen just bumps a reference
     * count, and the library stays loaded for the life of the process. */
#ifdef WACC_RUNTIME_ONLY
    snprintf(err, 512, "this wacc is runtime-only (built with -Dcompiler=false): compile on an x86-64 "
             "host (wacc compile --target aarch64-linux-gnu) and run the .so here");
    return NULL;
#endif
    char why[300] = "not found next to the wacc executable nor in " WACC_COMPILER_INSTALL_DIR;
    char exe[PATH_MAX];
    void *h = NULL;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            h = try_open(exe, why, sizeof why);
        }
    }
    if (h == NULL)
        h = try_open(WACC_COMPILER_INSTALL_DIR, why, sizeof why);
    if (h == NULL) {
        snprintf(err, 512, "cannot load the compiler (%s): %.400s", WACC_COMPILER_LIB, why);
        return NULL;
    }
    const struct wacc_compiler_api *a = dlsym(h, WACC_COMPILER_API_SYMBOL);
    if (a == NULL || a->version != WACC_COMPILER_API_VERSION) {
        snprintf(err, 512, "%s does not match this wacc (API version)", WACC_COMPILER_LIB);
        dlclose(h);
        return NULL;
    }
    return a;
}
