/*
 * cmd_run.c — `wacc run [OPTIONS] FILE.so|FILE.wasm [ARGS...]`.
 *
 * As with `wasmtime run`, wacc's options come before the artifact and
 * everything after it belongs to the guest (or, with --invoke NAME, is the
 * call's arguments). WASI preview1 imports are provided by runtime/wasi: the
 * guest sees ARGS (argv[0] = FILE as given, or --argv0 NAME), only the
 * variables given with --env K=V, and only the directories granted with
 * --dir HOST[::GUEST]. --timeout D stops the run with the trap "deadline
 * exceeded" (wacc_store_set_deadline); --max-memory S caps each linear
 * memory (memory.grow returns -1 beyond it).
 *
 * .wasm inputs are compiled through the cache (cache.c). Without --invoke
 * the "_start" export runs if there is one. With --invoke the results are
 * printed one per line, like wasmtime.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "wasi.h"
#include "wasi2.h"

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]: the value (advancing *i
 * past a separate one), or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    const char *a = argv[*i];
    if (strncmp(a, opt, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* A regular file starting with the ELF magic: a wacc artifact, which the
 * runtime maps itself (no need to read a large .so into memory here). */
static bool is_elf_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    struct stat st;
    uint8_t magic[4];
    bool elf = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
               fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
    fclose(f);
    return elf;
}

static void report_trap(const char *file, const wacc_trap *t)
{
    if (t->message[0] != '\0')
        drv_error(file, "%s", t->message);
    else
        drv_error(file, "trap: %s", wacc_trap_name(t->code));
}

static int invoke(const char *file, wacc_store *s, wacc_instance *inst, const char *name,
                  char **args, int nargs)
{
    wacc_extern ext;
    wacc_functype ft;
    wacc_trap trap;

    if (!wacc_instance_export(inst, name, &ext)) {
        drv_error(file, "no export named '%s'", name);
        return 1;
    }
    if (ext.kind != WACC_EXTERN_FUNC) {
        drv_error(file, "export '%s' is not a function", name);
        return 1;
    }
    wacc_func_type(ext.of.func, &ft);
    if ((uint32_t)nargs != ft.nparams) {
        drv_error(file, "'%s' takes %u argument(s), %d given", name, ft.nparams, nargs);
        return 1;
    }
    size_t n = ft.nparams > ft.nresults ? ft.nparams : ft.nresults;
    wacc_val *params = calloc(ft.nparams + 1, sizeof *params);
    wacc_val *results = calloc(n + 1, sizeof *results);
    int status = 0;
    if (params == NULL || results == NULL) {
        drv_error(file, "out of memory");
        status = 1;
        goto out;
    }
    for (uint32_t i = 0; i < ft.nparams; i++) {
        if (!drv_parse_value(args[i], ft.params[i], &params[i])) {
            drv_error(file, "argument %u: '%s' is not a valid %s", i + 1, args[i],
                      wasm_valtype_name(ft.params[i]));
            status = 1;
            goto out;
        }
    }
    memset(&trap, 0, sizeof trap);
    if (!wacc_call(s, ext.of.func, params, ft.nparams, results, ft.nresults, &trap)) {
        if (trap.code == WACC_TRAP_EXIT) {
            status = trap.exit_status;
            goto out;
        }
        report_trap(file, &trap);
        status = 1;
        goto out;
    }
    for (uint32_t i = 0; i < ft.nresults; i++)
        drv_print_value(stdout, ft.results[i], &results[i]);
out:
    free(params);
    free(results);
    return status;
}

int cmd_run(int argc, char **argv)
{
    wacc_compile_options o = { .opt_level = 2, .cpu = NULL, .explicit_bounds = false,
                               .wasm_features = WASM_FEATURES_RUNNABLE };
    const char *file = NULL, *name = NULL, *argv0 = NULL;
    bool no_cache = false, dashdash = false;
    uint64_t timeout_ns = 0, max_memory = 0;
    char err[512], tmp[512] = "";
    int nargs = 0, status = 1;
    char **args = calloc((size_t)argc + 1, sizeof *args);
    /* WASI: preopened directories, environment, argv (FILE + ARGS) */
    wacc_wasi_preopen *pre = calloc((size_t)argc + 1, sizeof *pre);
    const char **envs = calloc((size_t)argc + 1, sizeof *envs);
    const char **wargv = calloc((size_t)argc + 2, sizeof *wargv);
    uint32_t npre = 0, nenv = 0;
    wacc_wasi *w = NULL;
    wacc_extern *imports = NULL;

    if (args == NULL || pre == NULL || envs == NULL || wargv == NULL) {
        free(args);
        free(pre);
        free(envs);
        free(wargv);
        return 1;
    }
    /* wacc's options, then the artifact, then the guest's arguments (or
     * the --invoke call's), like `wasmtime run` */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (file != NULL) {
            args[nargs++] = argv[i];
            continue;
        }
        if (dashdash || a[0] != '-' || a[1] == '\0') {
            file = a;
            continue;
        }
        int r = drv_parse_compile_option(argc, argv, &i, &o);
        if (r < 0) {
            status = 2;
            goto out_args;
        }
        if (r > 0)
            continue;
        const char *v = NULL;          /* the value of --opt VALUE / --opt=VALUE */
        if (strcmp(a, "--") == 0) {
            dashdash = true;
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = true;
        } else if ((v = opt_value(argc, argv, &i, "--invoke")) != NULL) {
            name = v;
        } else if ((v = opt_value(argc, argv, &i, "--argv0")) != NULL) {
            argv0 = v;
        } else if ((v = opt_value(argc, argv, &i, "--timeout")) != NULL) {
            if (!parse_duration_ns(v, &timeout_ns)) {
                drv_error(NULL, "run: bad --timeout '%s' (e.g. 5s, 250ms, 2m)", v);
                status = 2;
                goto out_args;
            }
        } else if ((v = opt_value(argc, argv, &i, "--max-memory")) != NULL) {
            if (!parse_size_bytes(v, &max_memory)) {
                drv_error(NULL, "run: bad --max-memory '%s' (e.g. 128MiB, 64K, 1G)", v);
                status = 2;
                goto out_args;
            }
        } else if ((v = opt_value(argc, argv, &i, "--dir")) != NULL) {
            char *h = (char *)v;
            char *sep = strstr(h, "::");
            pre[npre].guest_path = sep ? sep + 2 : h;
            if (sep)
                *sep = '\0';
            pre[npre++].host_path = h;
        } else if ((v = opt_value(argc, argv, &i, "--env")) != NULL) {
            envs[nenv++] = v;
        } else {
            bool known = strcmp(a, "--invoke") == 0 || strcmp(a, "--argv0") == 0 ||
                         strcmp(a, "--timeout") == 0 || strcmp(a, "--max-memory") == 0 ||
                         strcmp(a, "--dir") == 0 || strcmp(a, "--env") == 0;
            if (known)
                drv_error(NULL, "run: %s needs a value", a);
            else
                drv_error(NULL, "run: unknown option '%s' (wacc's options go before the "
                          "artifact, the program's after it)", a);
            status = 2;
            goto out_args;
        }
    }
    if (file == NULL) {
        drv_error(NULL, "run: no input file");
        status = 2;
        goto out_args;
    }

    size_t size = 0;
    uint8_t *bytes = NULL;
    bool elf = is_elf_file(file);   /* otherwise read it (errors from drv_read_file) */
    if (!elf && (bytes = drv_read_file(file, &size, err)) == NULL) {
        drv_error(file, "%s", err);
        goto out_args;
    }
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = e ? wacc_store_new(e) : NULL;
    wacc_artifact *art = NULL;
    if (s == NULL) {
        drv_error(file, "cannot create the runtime engine");
        goto out;
    }
    if (!elf && drv_is_wasm(bytes, size)) {
        art = drv_cache_load(e, file, bytes, size, &o, no_cache, tmp, err);
    } else if (elf) {
        char path[4200];
        /* dlopen searches the library path for names without a slash */
        snprintf(path, sizeof path, "%s%s", strchr(file, '/') ? "" : "./", file);
        art = wacc_artifact_load(e, path, err);
    } else {
        snprintf(err, sizeof err, "not a wasm module or wacc artifact (bad magic)");
    }
    if (art == NULL) {
        /* the runtime's messages may already start with the path */
        const char *msg = err;
        size_t fl = strlen(file);
        if (strncmp(msg, "./", 2) == 0 && strncmp(msg + 2, file, fl) == 0 && msg[fl + 2] == ':')
            msg += fl + 2;
        else if (strncmp(msg, file, fl) == 0 && msg[fl] == ':')
            msg += fl;
        if (msg != err)
            msg += strspn(msg, ": ");
        drv_error(file, "%s", msg);
        goto out;
    }
    /* limits: from here on (compiling is not the guest's time) */
    if (max_memory)
        wacc_store_set_max_memory(s, max_memory);
    if (timeout_ns) {
        if (!wacc_artifact_interruptible(art))
            drv_error(file, "warning: compiled with --no-interrupt-checks: --timeout bounds "
                      "only waits in host calls, not the guest's own loops");
        wacc_store_set_deadline(s, wacc_monotonic_ns() + timeout_ns);
    }
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    wargv[0] = argv0 ? argv0 : file;
    for (int k = 0; k < nargs && name == NULL; k++)
        wargv[k + 1] = args[k];
    cfg.argv = wargv;
    cfg.argc = name == NULL ? (uint32_t)nargs + 1 : 1;
    cfg.envp = envs;
    cfg.envc = nenv;
    cfg.preopens = pre;
    cfg.npreopens = npre;
    if (wacc_artifact_is_component(art)) {
        /* WASI 0.2 (runtime/wasi2): a wasi:cli/run command runs; --invoke
         * calls an export with the same imports */
        wacc_wasi2 *w2 = wacc_wasi2_new(&cfg, err);
        if (w2 == NULL) {
            drv_error(file, "%s", err);
            goto out;
        }
        status = name == NULL ? wacc_wasi2_run(w2, s, art, err) : -2;
        if (status == -1)
            drv_error(file, "%s", err);
        if (status == -2) {         /* --invoke, or not a command: list its exports */
            wacc_component_host host;
            wacc_wasi2_host(w2, &host);
            int exited;
            status = drv_run_component(file, s, art, name, args, nargs, &host);
            if (wacc_wasi2_exited(w2, &exited))
                status = exited;
        }
        fflush(stdout);
        wacc_store_free(s);         /* before w2: guest handles point into it */
        s = NULL;
        wacc_wasi2_free(w2);
        status = status < 0 ? 1 : status;
        goto out;
    }
    if ((w = wacc_wasi_new(&cfg, err)) == NULL) {
        drv_error(file, "%s", err);
        goto out;
    }
    uint32_t nimp = wacc_artifact_num_imports(art);
    imports = calloc((size_t)nimp + 1, sizeof *imports);
    if (imports == NULL || !wacc_wasi_link(w, s, art, imports, err)) {
        drv_error(file, "%s", imports ? err : "out of memory");
        goto out;
    }
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    err[0] = '\0';
    wacc_instance *inst = wacc_instantiate(s, art, imports, nimp, &trap, err);
    if (inst == NULL) {
        if (trap.code == WACC_TRAP_EXIT)
            status = trap.exit_status;
        else if (trap.code != WACC_TRAP_NONE)
            report_trap(file, &trap);
        else
            drv_error(file, "%s", err[0] ? err : "instantiation failed");
        goto out;
    }
    wacc_wasi_bind_instance(w, inst);
    if (name != NULL) {
        status = invoke(file, s, inst, name, args, nargs);
    } else {
        wacc_extern ext;
        if (wacc_instance_export(inst, "_start", &ext) && ext.kind == WACC_EXTERN_FUNC)
            status = invoke(file, s, inst, "_start", args, 0);
        else
            status = 0;
    }
out:
    fflush(stdout);
    if (s != NULL)
        wacc_store_free(s);
    wacc_wasi_free(w);          /* after the store: its host functions point to w */
    if (art != NULL)
        wacc_artifact_free(art);
    if (e != NULL)
        wacc_engine_free(e);
    if (tmp[0] != '\0')
        unlink(tmp);
    free(bytes);
out_args:
    free(imports);
    free(pre);
    free(envs);
    free(wargv);
    free(args);
    return status;
}
