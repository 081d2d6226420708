/*
 * serve.c — configuration, listening sockets (one SO_REUSEPORT socket per
 * worker: the kernel spreads connections), worker threads with one libuv
 * loop each, and the stop sequence: SIGINT/SIGTERM (sigwait in the thread
 * that called wacc_serve_run) -> every worker closes its listener and its
 * idle connections, lets in-flight requests finish (keep-alive off), and
 * after the grace period makes their waits fail and closes the rest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_int.h"

void wacc__serve_err(char err[WACC_ERR_LEN], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, WACC_ERR_LEN, fmt, ap);
    va_end(ap);
}

void wacc_serve_config_init(wacc_serve_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->addr = "127.0.0.1:8080";
    cfg->max_body = 64ull << 20;
    cfg->max_header = 16u << 10;
    cfg->header_timeout_ns = 10ull * 1000000000ull;
    cfg->idle_timeout_ns = 60ull * 1000000000ull;
    cfg->max_conns = 10000;
    cfg->grace_ns = 10ull * 1000000000ull;
    cfg->timeout_ns = 30ull * 1000000000ull;
    cfg->log_fd = 2;
    cfg->reuse = 128;
    cfg->reuse_concurrency = 16;
}

/* "HOST:PORT", "[V6]:PORT" */
static bool parse_addr(const char *s, struct sockaddr_storage *ss, char err[WACC_ERR_LEN])
{
    char host[128];
    const char *colon;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
            goto bad;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        goto bad;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (uv_ip4_addr(host[0] ? host : "0.0.0.0", (int)port, a4) == 0)
        return true;
    if (uv_ip6_addr(host, (int)port, a6) == 0)
        return true;
bad:
    wacc__serve_err(err, "bad address '%s' (want HOST:PORT, e.g. 127.0.0.1:8080)", s);
    return false;
}

static int listen_socket(const struct sockaddr_storage *ss, char err[WACC_ERR_LEN])
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                             : sizeof(struct sockaddr_in6);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, 1024) != 0) {
        wacc__serve_err(err, "cannot listen: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Instantiate a route's component once: it links against the WASI 0.2
 * host (and the WASI 0.3 http host) with its grants and exports
 * wasi:http/incoming-handler (0.2: returns 2) or wasi:http/handler (0.3:
 * returns 3). 0 on failure. */
static int check_handler(const wacc_serve_config *cfg, const wacc_serve_route *rt,
                         char err[WACC_ERR_LEN])
{
    const char *name = rt->name ? rt->name : rt->prefix;
    char e[WACC_ERR_LEN] = "";
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    wacc_store *s = wacc_store_new(cfg->engine);
    wacc_wasi3 *w = s ? wacc_wasi3_new(&rt->wasi, e) : NULL;
    wacc_wasi3_http *h3 = w ? wacc_wasi3_http_new(&rt->wasi, e) : NULL;
    wacc_wasi3_sockets *sk = h3 ? wacc_wasi3_sockets_new(&rt->wasi, e) : NULL;
    wacc_cinstance *ci = NULL;
    int kind = 0;
    if (sk) {
        wacc_component_host base, hosth, host;
        wacc_wasi3_host(w, &base);
        wacc_wasi3_http_host(h3, &base, &hosth);
        wacc_wasi3_sockets_host(sk, &hosth, &host);
        ci = wacc_component_instantiate(s, rt->artifact, &host, &trap, e);
        if (!ci)
            wacc__serve_err(err, "%s: %s", name, trap.code ? trap.message : e);
        else if (wacc_wasi2_is_http_handler(ci))
            kind = 2;
        else if (wacc_wasi3_is_http_service(ci))
            kind = 3;
        else
            wacc__serve_err(err, "%s: exports neither wasi:http/incoming-handler nor "
                            "wasi:http/handler@0.3 (wacc serve runs wasi:http/proxy and "
                            "wasi:http/service components)", name);
    } else {
        wacc__serve_err(err, "%s: %s", name, e[0] ? e : "out of memory");
    }
    if (h3)
        wacc_wasi3_http_bind(h3, NULL, NULL);
    if (ci)
        wacc_cinstance_free(ci);
    if (s)
        wacc_store_free(s);
    wacc_wasi3_sockets_free(sk);
    wacc_wasi3_http_free(h3);
    wacc_wasi3_free(w);
    return kind;
}

static int by_prefix_len(const void *a, const void *b)
{
    size_t la = strlen(((const wacc_serve_route *)a)->prefix);
    size_t lb = strlen(((const wacc_serve_route *)b)->prefix);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

wacc_serve *wacc_serve_new(const wacc_serve_config *cfg, char err[WACC_ERR_LEN])
{
    if (cfg->nroutes == 0) {
        wacc__serve_err(err, "no route to serve");
        return NULL;
    }
    for (unsigned i = 0; i < cfg->nroutes; i++) {
        const wacc_serve_route *rt = &cfg->routes[i];
        if (!rt->prefix || rt->prefix[0] != '/') {
            wacc__serve_err(err, "route '%s': a prefix starts with '/'", rt->prefix ? rt->prefix : "");
            return NULL;
        }
        for (unsigned k = 0; k < i; k++)
            if (strcmp(cfg->routes[k].prefix, rt->prefix) == 0) {
                wacc__serve_err(err, "route '%s' given twice", rt->prefix);
                return NULL;
            }
        if (!rt->native && !rt->artifact) {
            wacc__serve_err(err, "route '%s': no handler", rt->prefix);
            return NULL;
        }
        if (rt->artifact && !wacc_artifact_is_component(rt->artifact)) {
            wacc__serve_err(err, "%s: not a component (wacc serve runs components exporting "
                            "wasi:http/incoming-handler)", rt->name ? rt->name : rt->prefix);
            return NULL;
        }
    }
    struct sockaddr_storage ss;
    if (!parse_addr(cfg->addr ? cfg->addr : "127.0.0.1:8080", &ss, err))
        return NULL;
    wacc_serve *sv = calloc(1, sizeof *sv);
    if (!sv) {
        wacc__serve_err(err, "out of memory");
        return NULL;
    }
    sv->cfg = *cfg;
    if (!sv->cfg.workers)
        sv->cfg.workers = uv_available_parallelism();
    if (!sv->cfg.max_conns)
        sv->cfg.max_conns = 10000;
    if (!sv->cfg.max_header)
        sv->cfg.max_header = 16u << 10;
    sv->nroutes = cfg->nroutes;
    sv->routes = calloc(cfg->nroutes, sizeof *sv->routes);
    sv->nworkers = sv->cfg.workers;
    sv->workers = calloc(sv->nworkers, sizeof *sv->workers);
    if (!sv->routes || !sv->workers) {
        wacc__serve_err(err, "out of memory");
        wacc_serve_free(sv);
        return NULL;
    }
    memcpy(sv->routes, cfg->routes, cfg->nroutes * sizeof *sv->routes);
    qsort(sv->routes, sv->nroutes, sizeof *sv->routes, by_prefix_len);
    for (unsigned i = 0; i < sv->nworkers; i++)
        sv->workers[i].fd = -1;
    sv->v3 = calloc(sv->nroutes, sizeof *sv->v3);
    if (!sv->v3) {
        wacc__serve_err(err, "out of memory");
        wacc_serve_free(sv);
        return NULL;
    }
    for (unsigned i = 0; i < sv->nroutes; i++) {
        int kind = sv->routes[i].artifact ? check_handler(cfg, &sv->routes[i], err) : 2;
        if (!kind) {
            wacc_serve_free(sv);
            return NULL;
        }
        sv->v3[i] = kind == 3;
    }
    if (!sv->cfg.reuse)
        sv->cfg.reuse = 128;
    if (!sv->cfg.reuse_concurrency)
        sv->cfg.reuse_concurrency = 16;
    for (unsigned i = 0; i < sv->nworkers; i++) {
        int fd = listen_socket(&ss, err);
        if (fd < 0) {
            wacc_serve_free(sv);
            return NULL;
        }
        sv->workers[i].fd = fd;
        if (i == 0) {           /* port 0: the others take the one the kernel chose */
            socklen_t len = sizeof ss;
            getsockname(fd, (struct sockaddr *)&ss, &len);
        }
    }
    char host[INET6_ADDRSTRLEN] = "";
    int port;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        snprintf(sv->url, sizeof sv->url, "http://%s:%d", host, port);
    } else {
        uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        snprintf(sv->url, sizeof sv->url, "http://[%s]:%d", host, port);
    }
    return sv;
}

const char *wacc_serve_url(const wacc_serve *sv)
{
    return sv->url;
}

/* ---- workers ---- */

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* The worker is done when stopping and no request is in flight. */
void sv_worker_maybe_done(struct worker *w)
{
    if (!w->stopping || w->nreqs > 0)
        return;
    sv_pools_quiesce(w);
    for (struct conn *c = w->conns; c; c = c->next)
        sv_conn_close(c);
    if (!uv_is_closing((uv_handle_t *)&w->grace))
        uv_close((uv_handle_t *)&w->grace, NULL);
    if (!uv_is_closing((uv_handle_t *)&w->refill))
        uv_close((uv_handle_t *)&w->refill, NULL);
    if (!uv_is_closing((uv_handle_t *)&w->stop_async))
        uv_close((uv_handle_t *)&w->stop_async, NULL);
}

static void on_grace(uv_timer_t *t)
{
    struct worker *w = t->data;
    w->hard = true;                     /* waits fail: guests stop */
    struct conn *next;
    for (struct conn *c = w->conns; c; c = next) {
        next = c->next;
        sv_conn_close(c);
    }
}

static void on_stop(uv_async_t *a)
{
    struct worker *w = a->data;
    if (w->stopping)
        return;
    w->stopping = true;
    uv_idle_stop(&w->refill);
    uv_close((uv_handle_t *)&w->listener, NULL);
    struct conn *next;
    for (struct conn *c = w->conns; c; c = next) {
        next = c->next;
        c->keepalive = false;
        if (!c->req)
            sv_conn_close(c);
    }
    uv_timer_start(&w->grace, on_grace, w->sv->cfg.grace_ns / 1000000 + 1, 0);
    sv_worker_maybe_done(w);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_walk(&w->loop, close_walk, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    sv_spares_free(w);
    sv_pools_free(w);
    return NULL;
}

static bool worker_init(struct worker *w, wacc_serve *sv, char err[WACC_ERR_LEN])
{
    w->sv = sv;
    int rc = uv_loop_init(&w->loop);
    if (rc == 0) {
        uv_tcp_init(&w->loop, &w->listener);
        w->listener.data = w;
        rc = uv_tcp_open(&w->listener, w->fd);
        if (rc == 0) {
            w->fd = -1;                 /* the loop owns it now */
            rc = uv_listen((uv_stream_t *)&w->listener, 1024, sv_on_connection);
        }
    }
    if (rc == 0) {
        uv_async_init(&w->loop, &w->stop_async, on_stop);
        w->stop_async.data = w;
        uv_timer_init(&w->loop, &w->grace);
        w->grace.data = w;
        uv_idle_init(&w->loop, &w->refill);
        w->refill.data = w;
        w->fibers = wacc_fiber_pool_new(sv->cfg.fiber_stack, 256);
        w->spare = calloc(sv->nroutes, sizeof *w->spare);
        w->wanted = calloc(sv->nroutes, sizeof *w->wanted);
        w->pools = calloc(sv->nroutes, sizeof *w->pools);
    }
    if (rc != 0 || !w->fibers || !w->spare || !w->wanted || !w->pools) {
        wacc__serve_err(err, "worker: %s", rc ? uv_strerror(rc) : "out of memory");
        return false;
    }
    return true;
}

static void sigset_stop(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

int wacc_serve_run(wacc_serve *sv)
{
    char err[WACC_ERR_LEN];
    sigset_t set, old;
    sigset_stop(&set);
    sigaddset(&set, SIGPIPE);           /* writes to a closed client: EPIPE, no signal */
    pthread_sigmask(SIG_BLOCK, &set, &old);
    sv->run_thread = pthread_self();
    atomic_store(&sv->running, true);
    unsigned started = 0;
    int status = 0;
    for (; started < sv->nworkers; started++) {
        struct worker *w = &sv->workers[started];
        if (!worker_init(w, sv, err) || pthread_create(&w->th, NULL, worker_main, w) != 0) {
            free(w->spare);
            free(w->wanted);
            free(w->pools);
            w->spare = NULL;
            w->wanted = NULL;
            w->pools = NULL;
            sv_log(sv, "wacc serve: %s", err);
            status = 1;
            break;
        }
    }
    if (status == 0) {
        sigset_t wait_set;
        sigset_stop(&wait_set);
        int sig;
        sigwait(&wait_set, &sig);
    }
    for (unsigned i = 0; i < started; i++)
        uv_async_send(&sv->workers[i].stop_async);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(sv->workers[i].th, NULL);
        uv_loop_close(&sv->workers[i].loop);
        wacc_fiber_pool_free(sv->workers[i].fibers);
        sv->workers[i].fibers = NULL;
        free(sv->workers[i].spare);
        free(sv->workers[i].wanted);
        free(sv->workers[i].pools);
        sv->workers[i].spare = NULL;
        sv->workers[i].wanted = NULL;
        sv->workers[i].pools = NULL;
    }
    atomic_store(&sv->running, false);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return status;
}

void wacc_serve_stop(wacc_serve *sv)
{
    if (atomic_load(&sv->running))
        pthread_kill(sv->run_thread, SIGTERM);
}

void wacc_serve_free(wacc_serve *sv)
{
    if (!sv)
        return;
    for (unsigned i = 0; i < sv->nworkers; i++)
        if (sv->workers[i].fd >= 0)
            close(sv->workers[i].fd);
    free(sv->workers);
    free(sv->routes);
    free(sv->v3);
    free(sv);
}
