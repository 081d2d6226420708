/*
 * native_server.c — runtime/serve with native C handlers instead of a
 * component: the server's own tests (tests/serve/ scripts) and the native
 * baseline of benchmarks/serve ("a native C server on the same HTTP
 * library").
 *
 *   serve-native [--addr HOST:PORT] [--workers N] [--timeout MS]
 *                [--max-body BYTES] [--max-header BYTES] [--header-timeout MS]
 *                [--grace MS] [--quiet]
 *
 * Paths: /hello            "hello\n"
 *        /echo             the request body back, streamed (chunked)
 *        /big?n=BYTES      BYTES of 'x' with content-length, streamed
 *        /sleep?ms=N       200 after N ms (the fiber parks, others run)
 *        /slow             waits until the deadline (-> 500)
 *        /trap             fails like a trapping guest (-> 500)
 *        /nothing          returns without a response (-> 500)
 *        /status?code=N    an empty response with status N
 * Anything else is 404 from the handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long query_num(const char *path, const char *key, long dflt)
{
    const char *q = strchr(path, '?');
    size_t kl = strlen(key);
    for (const char *p = q; p; p = strchr(p + 1, '&'))
        if (strncmp(p + 1, key, kl) == 0 && p[1 + kl] == '=')
            return strtol(p + 2 + kl, NULL, 10);
    return dflt;
}

static bool is(const char *path, const char *name)
{
    size_t n = strlen(name);
    return strncmp(path, name, n) == 0 && (path[n] == '\0' || path[n] == '?');
}

static const wacc_http_header text_plain = { "content-type", 12, (const uint8_t *)"text/plain", 10 };

/* Write all of p, waiting while the client is slow. */
static bool write_all(const wacc_http_io *io, const wacc_wasi2_waiter *wt, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t room = io->resp_room(io->ud);
        if (room == 0) {
            if (!wt->wait(wt->ud, NULL, 0, 0))
                return false;
            continue;
        }
        size_t k = room < n ? room : n;
        if (!io->resp_write(io->ud, p, k))
            return false;
        p += k;
        n -= k;
    }
    return true;
}

static void respond(const wacc_http_io *io, const wacc_wasi2_waiter *wt, unsigned status,
                    const char *body)
{
    char cl[24];
    size_t n = strlen(body);
    snprintf(cl, sizeof cl, "%zu", n);
    wacc_http_header h[2] = { text_plain, { "content-length", 14, (const uint8_t *)cl, strlen(cl) } };
    if (io->resp_head(io->ud, status, h, 2) && write_all(io, wt, (const uint8_t *)body, n))
        io->resp_finish(io->ud, NULL, 0);
}

static void echo(const wacc_http_io *io, const wacc_wasi2_waiter *wt)
{
    static __thread uint8_t buf[16384];
    if (!io->resp_head(io->ud, 200, &text_plain, 1))
        return;
    for (;;) {
        long n = io->body_read(io->ud, buf, sizeof buf);
        if (n == 0) {
            if (!wt->wait(wt->ud, NULL, 0, 0))
                return;
        } else if (n == -1) {
            io->resp_finish(io->ud, NULL, 0);
            return;
        } else if (n < 0) {
            io->resp_error(io->ud, "internal-error", "request body failed");
            return;
        } else if (!write_all(io, wt, buf, (size_t)n)) {
            return;
        }
    }
}

static void big(const wacc_http_io *io, const wacc_wasi2_waiter *wt, long n)
{
    static __thread uint8_t buf[16384];
    memset(buf, 'x', sizeof buf);
    char cl[24];
    snprintf(cl, sizeof cl, "%ld", n);
    wacc_http_header h[1] = { { "content-length", 14, (const uint8_t *)cl, strlen(cl) } };
    if (!io->resp_head(io->ud, 200, h, 1))
        return;
    while (n > 0) {
        size_t k = n < (long)sizeof buf ? (size_t)n : sizeof buf;
        if (!write_all(io, wt, buf, k))
            return;
        n -= (long)k;
    }
    io->resp_finish(io->ud, NULL, 0);
}

static void handle(void *ud, const wacc_http_request *req, const wacc_http_io *io,
                   const wacc_wasi2_waiter *wt)
{
    (void)ud;
    const char *p = req->path_with_query;
    if (is(p, "/hello")) {
        respond(io, wt, 200, "hello\n");
    } else if (is(p, "/echo")) {
        echo(io, wt);
    } else if (is(p, "/big")) {
        big(io, wt, query_num(p, "n", 1 << 20));
    } else if (is(p, "/sleep")) {
        uint64_t until = now_ns() + (uint64_t)query_num(p, "ms", 10) * 1000000ull;
        while (now_ns() < until)
            if (!wt->wait(wt->ud, NULL, 0, until))
                return;
        respond(io, wt, 200, "slept\n");
    } else if (is(p, "/slow")) {
        while (wt->wait(wt->ud, NULL, 0, 0))
            ;
    } else if (is(p, "/trap")) {
        io->resp_error(io->ud, "internal-error", "trap: unreachable (native test handler)");
    } else if (is(p, "/nothing")) {
        return;
    } else if (is(p, "/status")) {
        respond(io, wt, (unsigned)query_num(p, "code", 200), "");
    } else {
        respond(io, wt, 404, "not found\n");
    }
}

int main(int argc, char **argv)
{
    static const wacc_serve_native native = { handle, NULL };
    wacc_serve_route route = { .prefix = "/", .name = "native", .native = &native };
    wacc_serve_config cfg;
    wacc_serve_config_init(&cfg);
    cfg.routes = &route;
    cfg.nroutes = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            cfg.quiet = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "serve-native: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--addr") == 0)
            cfg.addr = v;
        else if (strcmp(a, "--workers") == 0)
            cfg.workers = (unsigned)atoi(v);
        else if (strcmp(a, "--timeout") == 0)
            cfg.timeout_ns = strtoull(v, NULL, 10) * 1000000ull;
        else if (strcmp(a, "--max-body") == 0)
            cfg.max_body = strtoull(v, NULL, 10);
        else if (strcmp(a, "--max-header") == 0)
            cfg.max_header = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--header-timeout") == 0)
            cfg.header_timeout_ns = strtoull(v, NULL, 10) * 1000000ull;
        else if (strcmp(a, "--grace") == 0)
            cfg.grace_ns = strtoull(v, NULL, 10) * 1000000ull;
        else {
            fprintf(stderr, "serve-native: unknown option '%s'\n", a);
            return 2;
        }
    }
    char err[WACC_ERR_LEN];
    wacc_serve *sv = wacc_serve_new(&cfg, err);
    if (!sv) {
        fprintf(stderr, "serve-native: %s\n", err);
        return 1;
    }
    fprintf(stderr, "serve-native: listening on %s\n", wacc_serve_url(sv));
    int rc = wacc_serve_run(sv);
    wacc_serve_free(sv);
    return rc;
}
