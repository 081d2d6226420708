/*
 * wasi_run.c — minimal WASI command runner for the program tests, built only
 * on wacc.h + wasi.h (the same calls `wacc run` makes):
 *
 *   wasi_run [--dir HOST[::GUEST]]... [--env KEY=VALUE]... FILE.so [--] [ARGS...]
 *
 * Runs the artifact's _start; exits with the guest's exit status, or 134
 * after printing the trap. WASI_RUN_NO_OPENAT2=1 in the environment selects
 * the portable path walk instead of openat2 (to test both).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasi.h"

int main(int argc, char **argv)
{
    wacc_wasi_preopen *pre = calloc((size_t)argc, sizeof *pre);
    const char **env = calloc((size_t)argc, sizeof *env);
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    uint32_t npre = 0, nenv = 0, nargs = 0;
    const char *file = NULL;
    int status = 1;
    bool dashdash = false;
    char err[WACC_ERR_LEN];

    if (!pre || !env || !args)
        return 1;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!file && !dashdash && strcmp(a, "--dir") == 0 && i + 1 < argc) {
            char *h = argv[++i], *sep = strstr(h, "::");
            pre[npre].guest_path = sep ? sep + 2 : h;
            if (sep)
                *sep = '\0';
            pre[npre++].host_path = h;
        } else if (!file && !dashdash && strcmp(a, "--env") == 0 && i + 1 < argc) {
            env[nenv++] = argv[++i];
        } else if (file && !dashdash && strcmp(a, "--") == 0) {
            dashdash = true;
        } else if (!file) {
            file = a;
            args[nargs++] = a;
        } else {
            args[nargs++] = a;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: wasi_run [--dir HOST[::GUEST]]... [--env K=V]... FILE.so [--] [ARGS...]\n");
        return 2;
    }

    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    cfg.argv = args;
    cfg.argc = nargs;
    cfg.envp = env;
    cfg.envc = nenv;
    cfg.preopens = pre;
    cfg.npreopens = npre;
    cfg.no_openat2 = getenv("WASI_RUN_NO_OPENAT2") != NULL;
    wacc_wasi *w = wacc_wasi_new(&cfg, err);
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = e ? wacc_store_new(e) : NULL;
    wacc_artifact *art = NULL;
    wacc_extern *imports = NULL;
    if (!w || !s) {
        fprintf(stderr, "wasi_run: %s\n", w ? "cannot create the runtime" : err);
        goto out;
    }
    if (!(art = wacc_artifact_load(e, file, err))) {
        fprintf(stderr, "wasi_run: %s: %s\n", file, err);
        goto out;
    }
    uint32_t n = wacc_artifact_num_imports(art);
    imports = calloc((size_t)n + 1, sizeof *imports);
    if (!imports || !wacc_wasi_link(w, s, art, imports, err)) {
        fprintf(stderr, "wasi_run: %s: %s\n", file, imports ? err : "out of memory");
        goto out;
    }
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    wacc_instance *inst = wacc_instantiate(s, art, imports, n, &trap, err);
    if (!inst) {
        fprintf(stderr, "wasi_run: %s: %s\n", file, trap.code ? trap.message : err);
        goto out;
    }
    wacc_wasi_bind_instance(w, inst);
    wacc_extern start;
    if (!wacc_instance_export(inst, "_start", &start) || start.kind != WACC_EXTERN_FUNC) {
        fprintf(stderr, "wasi_run: %s: no _start export\n", file);
        goto out;
    }
    status = 0;
    if (!wacc_call(s, start.of.func, NULL, 0, NULL, 0, &trap)) {
        if (trap.code == WACC_TRAP_EXIT) {
            status = trap.exit_status;
        } else {
            fprintf(stderr, "wasi_run: %s: %s\n", file, trap.message[0] ? trap.message : wacc_trap_name(trap.code));
            status = 134;
        }
    }
out:
    fflush(stdout);
    if (s)
        wacc_store_free(s);
    if (art)
        wacc_artifact_free(art);
    if (e)
        wacc_engine_free(e);
    wacc_wasi_free(w);
    free(imports);
    free(pre);
    free(env);
    free(args);
    return status;
}
