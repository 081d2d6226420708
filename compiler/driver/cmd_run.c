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
#include "wasi3.h"
#include "wacc_oci.h"
#include "wacc_otel.h"
#include "wacc_sign.h"

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

/* --otlp: a root span for the process (continuing $TRACEPARENT) and one
 * child per phase (pull, load, instantiate, run). */
struct run_trace {
    wacc_otel *o;
    wacc_span root, phase;
    bool in_phase;
};

static void trace_phase(struct run_trace *t, const char *next)
{
    if (t->o == NULL)
        return;
    if (t->in_phase)
        wacc_otel_span_end(t->o, &t->phase);
    t->in_phase = next != NULL;
    if (next != NULL)
        wacc_otel_span_begin(t->o, &t->phase, next, WACC_SPAN_INTERNAL, &t->root.ctx);
}

/* The 0.3 http and sockets hosts of `wacc run` follow the instance. */
struct w3_net {
    wacc_wasi3_http *h3;
    wacc_wasi3_sockets *sk;
};

static void w3_net_bind(void *ud, wacc_store *s, wacc_cinstance *ci)
{
    struct w3_net *n = ud;
    wacc_wasi3_http_bind(n->h3, s, ci);
    wacc_wasi3_sockets_bind(n->sk, ci);
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
    const char **allow_http = calloc((size_t)argc + 1, sizeof *allow_http);
    uint32_t nallow_http = 0;
    const char **wargv = calloc((size_t)argc + 2, sizeof *wargv);
    uint32_t npre = 0, nenv = 0;
    wacc_wasi *w = NULL;
    wacc_extern *imports = NULL;
    /* signatures: --verify-key KEY.pub (repeatable), --require-signatures */
    const char **vkeys = calloc((size_t)argc + 1, sizeof *vkeys);
    size_t nvkeys = 0;
    bool require_sigs = false;
    wacc_sign_policy pol = { 0 };
    wacc_oci_options oci = { 0 };      /* oci://REF: --insecure, --creds */
    wacc_oci_pulled *pulled = NULL;
    const char *given = NULL;          /* FILE as given (oci://REF) */
    const char *otlp = NULL;
    bool trace_calls = false;          /* --trace-calls: component -> component calls as spans */
    struct run_trace trace = { 0 };

    drv_net net = { 0 };

    if (args == NULL || pre == NULL || envs == NULL || wargv == NULL || vkeys == NULL ||
        allow_http == NULL) {
        free(vkeys);
        free(allow_http);
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
        if (r == 0)
            r = drv_parse_net_option(argc, argv, &i, &net);    /* --tcp-listen, --udp, ... */
        if (r < 0) {
            status = 2;
            goto out_args;
        }
        if (r > 0 || drv_parse_oci_option(argc, argv, &i, &oci))
            continue;
        const char *v = NULL;          /* the value of --opt VALUE / --opt=VALUE */
        if (strcmp(a, "--") == 0) {
            dashdash = true;
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = true;
        } else if ((v = opt_value(argc, argv, &i, "--verify-key")) != NULL) {
            vkeys[nvkeys++] = v;
        } else if (strcmp(a, "--require-signatures") == 0) {
            require_sigs = true;
        } else if ((v = opt_value(argc, argv, &i, "--otlp")) != NULL) {
            otlp = v;
        } else if (strcmp(a, "--trace-calls") == 0) {
            trace_calls = true;
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
        } else if ((v = opt_value(argc, argv, &i, "--allow-http")) != NULL) {
            allow_http[nallow_http++] = v;      /* outbound wasi:http to HOST[:PORT] */
        } else {
            bool known = strcmp(a, "--invoke") == 0 || strcmp(a, "--argv0") == 0 ||
                         strcmp(a, "--timeout") == 0 || strcmp(a, "--max-memory") == 0 ||
                         strcmp(a, "--dir") == 0 || strcmp(a, "--env") == 0 ||
                         strcmp(a, "--verify-key") == 0 || strcmp(a, "--otlp") == 0 ||
                         strcmp(a, "--allow-http") == 0;
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

    if (!wacc_sign_policy_init(&pol, vkeys, nvkeys, require_sigs, err)) {
        drv_error(NULL, "%s", err);
        status = 2;
        goto out_args;
    }
    given = file;
    wacc_otel_config ocfg = { .endpoint = otlp };
    trace.o = wacc_otel_new(&ocfg, err);
    if (trace.o == NULL && err[0] != '\0') {
        drv_error(NULL, "%s", err);
        status = 2;
        goto out_args;
    }
    if (trace.o != NULL) {
        wacc_span_context parent;
        bool cont = wacc_otel_traceparent_parse(getenv("TRACEPARENT"), &parent);
        wacc_otel_span_begin(trace.o, &trace.root, "wacc run", WACC_SPAN_INTERNAL, cont ? &parent : NULL);
        wacc_otel_attr_str(&trace.root, "wacc.artifact", file);
    }
    if (wacc_oci_is_uri(file)) {
        /* pull (blobs verified, signatures checked with the policy's keys)
         * and run the native build this CPU loads, else the component */
        trace_phase(&trace, "pull");
        if ((pulled = calloc(1, sizeof *pulled)) == NULL ||
            (file = drv_resolve_oci(given, &pol, &oci, pulled, err)) == NULL) {
            drv_error(given, "%s", pulled ? err : "out of memory");
            goto out_args;
        }
    }
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = e ? wacc_store_new(e) : NULL;
    wacc_artifact *art = NULL;
    if (s == NULL) {
        drv_error(file, "cannot create the runtime engine");
        goto out;
    }
    wacc_sign_policy_attach(&pol, e);   /* every .so is checked before it is mapped */
    trace_phase(&trace, "load");
    if ((art = drv_load_local(e, &pol, file, &o, no_cache, tmp, err)) == NULL) {
        drv_error(file, "%s", err);
        goto out;
    }
    /* limits: from here on (compiling is not the guest's time) */
    if (max_memory)
        wacc_store_set_max_memory(s, max_memory);
    if (timeout_ns) {
        if (!wacc_artifact_interruptible(art))
            drv_error(file, "warning: compiled with --no-interrupt-checks: --timeout stops "
                      "the guest only at calls and waits in host calls, not in its own loops");
        wacc_store_set_deadline(s, wacc_monotonic_ns() + timeout_ns);
    }
    if (trace.o != NULL)
        wacc_otel_attr_str(&trace.root, "wacc.kind", wacc_artifact_is_component(art) ? "component" : "module");
    trace_phase(&trace, wacc_artifact_is_component(art) ? "run" : "instantiate");
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    wargv[0] = argv0 ? argv0 : given;
    for (int k = 0; k < nargs && name == NULL; k++)
        wargv[k + 1] = args[k];
    cfg.argv = wargv;
    cfg.argc = name == NULL ? (uint32_t)nargs + 1 : 1;
    cfg.envp = envs;
    cfg.envc = nenv;
    cfg.preopens = pre;
    cfg.npreopens = npre;
    drv_net_apply(&net, &cfg);
    cfg.allow_http = allow_http;
    cfg.nallow_http = nallow_http;
    if (wacc_artifact_is_component(art)) {
        /* WASI 0.3 + 0.2 (runtime/wasi3, which serves 0.2 imports through
         * runtime/wasi2): a wasi:cli/run command (0.3 or 0.2) runs;
         * --invoke calls an export with the same imports */
        wacc_wasi3 *w3 = wacc_wasi3_new(&cfg, err);
        if (w3 == NULL) {
            drv_error(file, "%s", err);
            goto out;
        }
        if (trace.o != NULL) {      /* outbound calls and wasi:otel guest spans under "run" */
            wacc_wasi2_set_trace(wacc_wasi3_wasi2(w3), trace.o, &trace.phase.ctx);
            wacc_wasi2_set_trace_calls(wacc_wasi3_wasi2(w3), trace_calls);
        }
        /* 0.3 wasi:http client and wasi:sockets, granted like 0.2's */
        wacc_wasi3_http *h3 = wacc_wasi3_http_new(&cfg, err);
        wacc_wasi3_sockets *sk = h3 ? wacc_wasi3_sockets_new(&cfg, err) : NULL;
        if (sk == NULL) {
            drv_error(file, "%s", err);
            wacc_wasi3_http_free(h3);
            wacc_wasi3_free(w3);
            goto out;
        }
        struct w3_net net3 = { h3, sk };
        wacc_component_host base, host3, hostsk;
        wacc_wasi3_host(w3, &base);
        wacc_wasi3_http_host(h3, &base, &host3);
        wacc_wasi3_sockets_host(sk, &host3, &hostsk);
        status = name == NULL ? wacc_wasi3_run_with(w3, s, art, &hostsk, w3_net_bind, &net3, err) : -2;
        if (status == -1)
            drv_error(file, "%s", err);
        if (status == -2) {         /* --invoke, or not a command: list its exports */
            wacc_component_host host;
            wacc_wasi3_host(w3, &host);
            wacc_wasi2_set_store(wacc_wasi3_wasi2(w3), s);
            int exited;
            status = drv_run_component(file, s, art, name, args, nargs, &host);
            if (wacc_wasi3_exited(w3, &exited))
                status = exited;
        }
        fflush(stdout);
        wacc_store_free(s);         /* before w3: guest handles point into it */
        s = NULL;
        wacc_wasi3_sockets_free(sk);
        wacc_wasi3_http_free(h3);
        wacc_wasi3_free(w3);
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
    trace_phase(&trace, "run");
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
    drv_unlink_tmp(tmp);
out_args:
    if (trace.o != NULL) {
        trace_phase(&trace, NULL);
        wacc_otel_attr_int(&trace.root, "process.exit.code", status);
        wacc_otel_span_status(&trace.root, status == 0 ? WACC_SPAN_STATUS_OK : WACC_SPAN_STATUS_ERROR);
        wacc_otel_span_end(trace.o, &trace.root);
        wacc_otel_free(trace.o);        /* exports what is queued (bounded wait) */
    }
    free(pulled);
    wacc_sign_policy_free(&pol);
    free(vkeys);
    drv_net_free(&net);
    free(imports);
    free(pre);
    free(envs);
    free(allow_http);
    free(wargv);
    free(args);
    return status;
}
