/*
 * cmd_serve.c — `wacc serve`: parse flags, load the artifacts, hand them to
 * runtime/serve (serve.h), which does the rest.
 *
 *   wacc serve [--addr 127.0.0.1:8080] [--workers N] [--route /prefix=other.so]...
 *              [--dir H::G] [--env K=V] [--allow-http HOST[:PORT]]...
 *              [--tcp-listen A:P] [--tcp-connect H:P|CIDR[:P]] [--udp ..] [--allow-dns]
 *              [--timeout 30s] [--max-memory 128MiB] [--max-body 64MiB]
 *              [--quiet] [--no-cache] [-O0..-O3] app.so|app.wasm
 *
 * Grants (--dir, --env, --allow-http, --tcp-*, --udp, --allow-dns) belong
 * to the next route on the command line: the next --route, or the
 * positional artifact (route "/"). Each route starts with nothing, so a
 * grant never leaks into a service it was not written in front of.
 * .wasm inputs are compiled through the cache `wacc run` uses (cache.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "serve.h"

/* ---- shim: parse_duration_ns / parse_size_bytes land in util.c with the
 * deadline work; until then these local copies (delete after merging). ---- */
static bool serve_parse_duration(const char *s, uint64_t *ns)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return false;
    double mul = 1e9;
    if (strcmp(end, "ns") == 0) mul = 1;
    else if (strcmp(end, "us") == 0) mul = 1e3;
    else if (strcmp(end, "ms") == 0) mul = 1e6;
    else if (strcmp(end, "s") == 0 || *end == '\0') mul = 1e9;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0) mul = 60e9;
    else if (strcmp(end, "h") == 0) mul = 3600e9;
    else return false;
    *ns = (uint64_t)(v * mul);
    return true;
}

static bool serve_parse_size(const char *s, uint64_t *bytes)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return false;
    double mul = 1;
    if (*end == '\0' || strcasecmp(end, "b") == 0) mul = 1;
    else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kb") == 0) mul = 1e3;
    else if (strcasecmp(end, "kib") == 0) mul = 1024.0;
    else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mb") == 0) mul = 1e6;
    else if (strcasecmp(end, "mib") == 0) mul = 1024.0 * 1024;
    else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gb") == 0) mul = 1e9;
    else if (strcasecmp(end, "gib") == 0) mul = 1024.0 * 1024 * 1024;
    else return false;
    *bytes = (uint64_t)(v * mul);
    return true;
}
/* ---- end of shim ---- */

/* Grants being collected for the next route. */
struct grants {
    wacc_wasi_preopen *pre;
    const char **env, **http, **tcp_listen, **tcp_connect, **udp;
    uint32_t npre, nenv, nhttp, ntl, ntc, nudp;
    bool dns;
};

static bool grants_alloc(struct grants *g, int n)
{
    memset(g, 0, sizeof *g);
    g->pre = calloc((size_t)n + 1, sizeof *g->pre);
    g->env = calloc((size_t)n + 1, sizeof *g->env);
    g->http = calloc((size_t)n + 1, sizeof *g->http);
    g->tcp_listen = calloc((size_t)n + 1, sizeof *g->tcp_listen);
    g->tcp_connect = calloc((size_t)n + 1, sizeof *g->tcp_connect);
    g->udp = calloc((size_t)n + 1, sizeof *g->udp);
    return g->pre && g->env && g->http && g->tcp_listen && g->tcp_connect && g->udp;
}

static void grants_free(struct grants *g)
{
    free(g->pre);
    free(g->env);
    free(g->http);
    free(g->tcp_listen);
    free(g->tcp_connect);
    free(g->udp);
}

static void grants_to_config(struct grants *g, const char *name, wacc_wasi_config *c)
{
    static const char *argv0[1];
    wacc_wasi_config_init(c);
    argv0[0] = "wacc-serve";
    (void)name;
    c->argv = argv0;
    c->argc = 1;
    c->stdin_fd = -1;                   /* a request has no stdin; stdout/err: the server's */
    c->preopens = g->pre;
    c->npreopens = g->npre;
    c->envp = g->env;
    c->envc = g->nenv;
    c->allow_http = g->http;
    c->nallow_http = g->nhttp;
    c->tcp_listen = g->tcp_listen;
    c->ntcp_listen = g->ntl;
    c->tcp_connect = g->tcp_connect;
    c->ntcp_connect = g->ntc;
    c->udp = g->udp;
    c->nudp = g->nudp;
    c->allow_dns = g->dns;
}

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

static wacc_artifact *load(wacc_engine *e, const char *file, const wacc_compile_options *o,
                           bool no_cache, char tmp[512])
{
    char err[512];
    wacc_artifact *art = NULL;
    tmp[0] = '\0';
    if (is_elf_file(file)) {
        char path[4200];
        snprintf(path, sizeof path, "%s%s", strchr(file, '/') ? "" : "./", file);
        art = wacc_artifact_load(e, path, err);
    } else {
        size_t size;
        uint8_t *bytes = drv_read_file(file, &size, err);
        if (bytes && drv_is_wasm(bytes, size))
            art = drv_cache_load(e, file, bytes, size, o, no_cache, tmp, err);
        else if (bytes)
            snprintf(err, sizeof err, "not a wasm component or wacc artifact (bad magic)");
        free(bytes);
    }
    if (!art)
        drv_error(file, "%s", err);
    return art;
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
    if (!routes || !grants || !files || !tmps || !grants_alloc(&grants[0], argc)) {
        drv_error(NULL, "out of memory");
        goto out;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        struct grants *g = &grants[nroutes];
        int r = drv_parse_compile_option(argc, argv, &i, &o);
        if (r < 0)
            goto out;
        if (r > 0)
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
            if (!serve_parse_duration(v, &cfg.timeout_ns)) {
                drv_error(NULL, "serve: bad --timeout '%s' (e.g. 30s, 500ms, 0 for none)", v);
                goto out;
            }
        } else if ((v = value(argc, argv, &i, "--max-memory"))) {
            if (!serve_parse_size(v, &cfg.max_memory)) {
                drv_error(NULL, "serve: bad --max-memory '%s' (e.g. 128MiB)", v);
                goto out;
            }
        } else if ((v = value(argc, argv, &i, "--max-body"))) {
            if (!serve_parse_size(v, &cfg.max_body)) {
                drv_error(NULL, "serve: bad --max-body '%s' (e.g. 64MiB)", v);
                goto out;
            }
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cfg.quiet = true;
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = true;
        } else if ((v = value(argc, argv, &i, "--dir"))) {
            char *h = (char *)v, *sep = strstr(h, "::");
            g->pre[g->npre].guest_path = sep ? sep + 2 : h;
            if (sep)
                *sep = '\0';
            g->pre[g->npre++].host_path = h;
        } else if ((v = value(argc, argv, &i, "--env"))) {
            g->env[g->nenv++] = v;
        } else if ((v = value(argc, argv, &i, "--allow-http"))) {
            g->http[g->nhttp++] = v;
        } else if ((v = value(argc, argv, &i, "--tcp-listen"))) {
            g->tcp_listen[g->ntl++] = v;
        } else if ((v = value(argc, argv, &i, "--tcp-connect"))) {
            g->tcp_connect[g->ntc++] = v;
        } else if ((v = value(argc, argv, &i, "--udp"))) {
            g->udp[g->nudp++] = v;
        } else if (strcmp(a, "--allow-dns") == 0) {
            g->dns = true;
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
        grants[nroutes].ntl || grants[nroutes].ntc || grants[nroutes].nudp || grants[nroutes].dns) {
        drv_error(NULL, "serve: grants after the last route apply to nothing (grants go "
                  "before the route they are for)");
        goto out;
    }
    status = 1;
    e = wacc_engine_new();
    if (!e) {
        drv_error(NULL, "cannot create the runtime engine");
        goto out;
    }
    for (unsigned i = 0; i < nroutes; i++) {
        routes[i].name = files[i];
        routes[i].artifact = load(e, files[i], &o, no_cache, tmps[i]);
        if (!routes[i].artifact)
            goto out;
        grants_to_config(&grants[i], files[i], &routes[i].wasi);
    }
    cfg.engine = e;
    cfg.routes = routes;
    cfg.nroutes = nroutes;
    char err[WACC_ERR_LEN];
    sv = wacc_serve_new(&cfg, err);
    if (!sv) {
        drv_error(NULL, "serve: %s", err);
        goto out;
    }
    fprintf(stderr, "wacc serve: listening on %s\n", wacc_serve_url(sv));
    status = wacc_serve_run(sv);
out:
    wacc_serve_free(sv);
    for (unsigned i = 0; routes && i < nroutes; i++) {
        if (routes[i].artifact)
            wacc_artifact_free(routes[i].artifact);
        free((char *)routes[i].prefix);
        if (tmps[i][0])
            remove(tmps[i]);
    }
    for (unsigned i = 0; grants && i <= nroutes; i++)
        grants_free(&grants[i]);
    if (e)
        wacc_engine_free(e);
    free(routes);
    free(grants);
    free(files);
    free(tmps);
    return status;
}
