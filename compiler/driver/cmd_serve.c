/*
 * cmd_serve.c — `wacc serve`: parse flags, load the artifacts, hand them to
 * runtime/serve (serve.h), which does the rest.
 *
 *   wacc serve [--addr 127.0.0.1:8080] [--workers N] [--route /prefix=other.so]...
 *              [--dir H::G] [--env K=V] [--allow-http HOST[:PORT]]...
 *              [--tcp-listen A:P] [--tcp-connect H:P|CIDR[:P]] [--udp ..] [--allow-dns]
 *              [--timeout 30s] [--max-memory 128MiB] [--max-body 64MiB]
 *              [--verify-key KEY.pub]... [--require-signatures] [--insecure] [--creds U:P]
 *              [--otlp URL [--trace-calls]] [--quiet] [--no-cache] [-O0..-O3] app.so|app.wasm|oci://REF
 *
 * Grants (--dir, --env, --allow-http, --tcp-*, --udp, --allow-dns) belong
 * to the next route on the command line: the next --route, or the
 * positional artifact (route "/"). Each route starts with nothing, so a
 * grant never leaks into a service it was not written in front of.
 * .wasm inputs are compiled through the cache `wacc run` uses (cache.c).
 * Artifacts are opened like `wacc run` opens them (artifact_open.c): an
 * oci://REF is pulled first; with --verify-key every .wasm is verified
 * before it is compiled and every .so before it is mapped. --otlp (or the
 * OTEL_EXPORTER_OTLP_* environment) traces each request (serve.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "serve.h"
#include "wacc_oci.h"
#include "wacc_otel.h"
#include "wacc_sign.h"

/* Grants being collected for the next route. */
struct grants {
    wacc_wasi_preopen *pre;
    const char **env, **http;
    uint32_t npre, nenv, nhttp;
    drv_net net;                        /* --tcp-listen, --tcp-connect, --udp, --allow-dns */
    const char *argv0[1];               /* the guest's argv: the artifact's file name */
};

static bool grants_alloc(struct grants *g, int n)
{
    (void)n;                /* the lists grow as grants are added (grow_list) */
    memset(g, 0, sizeof *g);
    return true;
}

/* Makes room for one more element of size `size` in *list (count n): the
 * lists double, so a route holds only what was granted to it (1,000 routes
 * must not each hold argc-sized arrays). One extra zeroed slot stays at the
 * end. */
static bool grow_list(void **list, uint32_t n, size_t size)
{
    if (n & (n + 1))        /* room left: the capacity is the next power of two >= n + 1 */
        return true;
    size_t cap = 2 * ((size_t)n + 1);
    void *p = realloc(*list, cap * size);
    if (!p)
        return false;
    memset((char *)p + (size_t)n * size, 0, (cap - n) * size);
    *list = p;
    return true;
}

static void grants_free(struct grants *g)
{
    free(g->pre);
    free(g->env);
    free(g->http);
    drv_net_free(&g->net);
}

static void grants_to_config(struct grants *g, const char *name, wacc_wasi_config *c)
{
    wacc_wasi_config_init(c);
    g->argv0[0] = name;
    c->argv = g->argv0;
    c->argc = 1;
    c->stdin_fd = -1;                   /* a request has no stdin; stdout/err: the server's */
    c->preopens = g->pre;
    c->npreopens = g->npre;
    c->envp = g->env;
    c->envc = g->nenv;
    c->allow_http = g->http;
    c->nallow_http = g->nhttp;
    drv_net_apply(&g->net, c);
}

static const char *value(int argc, char **argv, int *i, const char *opt)
{
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, opt) == 0 && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

int cmd_serve(int argc, char **argv)
{
    wacc_compile_options o = { .opt_level = 2, .cpu = NULL, .explicit_bounds = false,
                               .wasm_features = WASM_FEATURES_RUNNABLE };
    wacc_serve_config cfg;
    wacc_serve_config_init(&cfg);
    bool no_cache = false;
    int status = 2;
    /* routes[i] with grants[i]; the positional artifact is the last route */
    wacc_serve_route *routes = calloc((size_t)argc + 1, sizeof *routes);
    struct grants *grants = calloc((size_t)argc + 1, sizeof *grants);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    char (*tmps)[512] = calloc((size_t)argc + 1, sizeof *tmps);
    unsigned nroutes = 0;
    bool have_root = false;
    wacc_engine *e = NULL;
    wacc_serve *sv = NULL;
    /* signatures, registries, traces: as `wacc run` */
    const char **vkeys = calloc((size_t)argc + 1, sizeof *vkeys);
    size_t nvkeys = 0;
    bool require_sigs = false;
    wacc_sign_policy pol = { 0 };
    wacc_oci_options oci = { 0 };
    wacc_oci_pulled *pulled = NULL;    /* [route], for oci://REF routes */
    const char *otlp = NULL;
    wacc_otel *otel = NULL;
    char err[WACC_ERR_LEN > 512 ? WACC_ERR_LEN : 512];
    if (!routes || !grants || !files || !tmps || !vkeys || !grants_alloc(&grants[0], argc)) {
        drv_error(NULL, "out of memory");
        goto out;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        struct grants *g = &grants[nroutes];
        int r = drv_parse_compile_option(argc, argv, &i, &o);
        if (r == 0 && !have_root)
            r = drv_parse_net_option(argc, argv, &i, &g->net);   /* host names resolved here */
        if (r < 0)
            goto out;
        if (r > 0 || (!have_root && drv_parse_oci_option(argc, argv, &i, &oci)))
            continue;
        if (have_root) {
            drv_error(NULL, "serve: '%s' after the artifact (options come first)", a);
            goto out;
        }
        if ((v = value(argc, argv, &i, "--addr"))) {
            cfg.addr = v;
        } else if ((v = value(argc, argv, &i, "--workers"))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1024) {
                drv_error(NULL, "serve: --workers wants 1..1024, not '%s'", v);
                goto out;
            }
            cfg.workers = (unsigned)n;
        } else if ((v = value(argc, argv, &i, "--timeout"))) {
            if (!parse_duration_ns(v, &cfg.timeout_ns)) {
                drv_error(NULL, "serve: bad --timeout '%s' (e.g. 30s, 500ms, 0 for none)", v);
                goto out;
            }
        } else if ((v = value(argc, argv, &i, "--max-memory"))) {
            if (!parse_size_bytes(v, &cfg.max_memory)) {
                drv_error(NULL, "serve: bad --max-memory '%s' (e.g. 128MiB)", v);
                goto out;
            }
        } else if ((v = value(argc, argv, &i, "--max-body"))) {
            if (!parse_size_bytes(v, &cfg.max_body)) {
                drv_error(NULL, "serve: bad --max-body '%s' (e.g. 64MiB)", v);
                goto out;
            }
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cfg.quiet = true;
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = true;
        } else if ((v = value(argc, argv, &i, "--verify-key"))) {
            vkeys[nvkeys++] = v;
        } else if (strcmp(a, "--require-signatures") == 0) {
            require_sigs = true;
        } else if ((v = value(argc, argv, &i, "--otlp"))) {
            otlp = v;
        } else if (strcmp(a, "--trace-calls") == 0) {
            cfg.trace_calls = true;
        } else if ((v = value(argc, argv, &i, "--dir"))) {
            if (!grow_list((void **)&g->pre, g->npre, sizeof *g->pre)) {
                drv_error(NULL, "out of memory");
                goto out;
            }
            char *h = (char *)v, *sep = strstr(h, "::");
            g->pre[g->npre].guest_path = sep ? sep + 2 : h;
            if (sep)
                *sep = '\0';
            g->pre[g->npre++].host_path = h;
        } else if ((v = value(argc, argv, &i, "--env"))) {
            if (!grow_list((void **)&g->env, g->nenv, sizeof *g->env)) {
                drv_error(NULL, "out of memory");
                goto out;
            }
            g->env[g->nenv++] = v;
        } else if ((v = value(argc, argv, &i, "--allow-http"))) {
            if (!grow_list((void **)&g->http, g->nhttp, sizeof *g->http)) {
                drv_error(NULL, "out of memory");
                goto out;
            }
            g->http[g->nhttp++] = v;
        } else if ((v = value(argc, argv, &i, "--route"))) {
            const char *eq = strchr(v, '=');
            if (v[0] != '/' || !eq || !eq[1]) {
                drv_error(NULL, "serve: --route wants /PREFIX=FILE, not '%s'", v);
                goto out;
            }
            routes[nroutes].prefix = strndup(v, (size_t)(eq - v));
            files[nroutes] = eq + 1;
            if (!grants_alloc(&grants[++nroutes], argc)) {
                drv_error(NULL, "out of memory");
                goto out;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            drv_error(NULL, "serve: unknown option '%s'", a);
            goto out;
        } else {
            routes[nroutes].prefix = strdup("/");
            files[nroutes] = a;
            have_root = true;
            if (!grants_alloc(&grants[++nroutes], argc)) {
                drv_error(NULL, "out of memory");
                goto out;
            }
        }
    }
    if (nroutes == 0) {
        drv_error(NULL, "serve: no component to serve (wacc serve [options] app.so|app.wasm)");
        goto out;
    }
    if (grants[nroutes].npre || grants[nroutes].nenv || grants[nroutes].nhttp ||
        grants[nroutes].net.ntcp_listen || grants[nroutes].net.ntcp_connect ||
        grants[nroutes].net.nudp || grants[nroutes].net.allow_dns) {
        drv_error(NULL, "serve: grants after the last route apply to nothing (grants go "
                  "before the route they are for)");
        goto out;
    }
    if (!wacc_sign_policy_init(&pol, vkeys, nvkeys, require_sigs, err)) {
        drv_error(NULL, "%s", err);
        goto out;
    }
    wacc_otel_config ocfg = { .endpoint = otlp };
    otel = wacc_otel_new(&ocfg, err);
    if (!otel && err[0]) {
        drv_error(NULL, "%s", err);
        goto out;
    }
    status = 1;
    pulled = calloc(nroutes, sizeof *pulled);
    e = pulled ? wacc_engine_new() : NULL;
    if (!e) {
        drv_error(NULL, "cannot create the runtime engine");
        goto out;
    }
    wacc_sign_policy_attach(&pol, e);   /* every .so is checked before it is mapped */
    for (unsigned i = 0; i < nroutes; i++) {
        const char *file = files[i];
        if (wacc_oci_is_uri(file) &&
            (file = drv_resolve_oci(files[i], &pol, &oci, &pulled[i], err)) == NULL) {
            drv_error(files[i], "%s", err);
            goto out;
        }
        routes[i].name = files[i];
        routes[i].artifact = drv_load_local(e, &pol, file, &o, no_cache, tmps[i], err);
        if (!routes[i].artifact) {
            drv_error(files[i], "%s", err);
            goto out;
        }
        grants_to_config(&grants[i], files[i], &routes[i].wasi);
    }
    cfg.engine = e;
    cfg.routes = routes;
    cfg.nroutes = nroutes;
    cfg.otel = otel;
    sv = wacc_serve_new(&cfg, err);
    if (!sv) {
        drv_error(NULL, "serve: %s", err);
        goto out;
    }
    fprintf(stderr, "wacc serve: listening on %s\n", wacc_serve_url(sv));
    status = wacc_serve_run(sv);
out:
    wacc_serve_free(sv);
    if (otel != NULL) {                 /* after the workers: exports what is queued (bounded) */
        wacc_otel_stop(otel);
        fprintf(stderr, "wacc serve: otlp: %llu spans exported, %llu dropped (queue full), "
                "%llu not accepted by the collector\n", (unsigned long long)wacc_otel_exported(otel),
                (unsigned long long)wacc_otel_dropped(otel), (unsigned long long)wacc_otel_failed(otel));
    }
    wacc_otel_free(otel);
    for (unsigned i = 0; routes && i < nroutes; i++) {
        if (routes[i].artifact)
            wacc_artifact_free(routes[i].artifact);
        free((char *)routes[i].prefix);
        drv_unlink_tmp(tmps[i]);
    }
    for (unsigned i = 0; grants && i <= nroutes; i++)
        grants_free(&grants[i]);
    if (e)
        wacc_engine_free(e);
    free(routes);
    free(grants);
    free(files);
    free(tmps);
    free(pulled);
    wacc_sign_policy_free(&pol);
    free(vkeys);
    return status;
}
