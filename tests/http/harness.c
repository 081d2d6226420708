/*
 * harness.c — wacc-http-harness: runs one HTTP request through a compiled
 * wasi:http/proxy component without a server, through the same entry point
 * `wacc serve` uses (wacc_wasi2_http_handle), and prints what the guest
 * answered:
 *
 *   status 200
 *   header content-type: text/plain
 *   body-bytes 12
 *   body-sha256 <hex>
 *   trailer x-checksum: abc
 *   finished                         (outgoing-body.finish reached the server)
 *   error internal-error: detail     (resp_error: the server would answer 5xx)
 *   trap <message>                   (handle trapped)
 *   maxrss-kib N                     (peak resident memory of the process)
 *
 * wacc-http-harness [-m METHOD] [-p PATH?QUERY] [-a AUTHORITY] [-H 'name: value']...
 *                   [--body FILE | --body-str TEXT] [--body-out FILE] [--room N]
 *                   [--allow-http HOST[:PORT]]... [--env K=V]... APP.so
 * Exit status 0 when the request ran (whatever the guest answered), 1 when
 * the component could not be loaded or instantiated.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "wacc.h"
#include "wasi2.h"

#define MAX_HEADERS 64
#define MAX_LIST 16

typedef struct rec {
    int body_fd;                /* request body source (-1: none) */
    const char *body_str;
    size_t body_str_off;
    size_t room;                /* resp_room answer */
    int out_fd;                 /* --body-out */
    uint64_t nbytes;
    crypto_hash_sha256_state sha;
} rec;

static long body_read(void *ud, uint8_t *buf, size_t cap)
{
    rec *r = ud;
    if (r->body_str) {
        size_t n = strlen(r->body_str) - r->body_str_off;
        if (n == 0)
            return -1;
        if (n > cap)
            n = cap;
        memcpy(buf, r->body_str + r->body_str_off, n);
        r->body_str_off += n;
        return (long)n;
    }
    if (r->body_fd < 0)
        return -1;
    ssize_t n = read(r->body_fd, buf, cap);
    if (n < 0)
        return -2;
    return n == 0 ? -1 : (long)n;
}

static void print_header(const char *what, const wacc_http_header *h)
{
    printf("%s %.*s: %.*s\n", what, (int)h->name_len, h->name, (int)h->value_len,
           (const char *)h->value);
}

static bool resp_head(void *ud, unsigned status, const wacc_http_header *h, size_t n)
{
    (void)ud;
    printf("status %u\n", status);
    for (size_t i = 0; i < n; i++)
        print_header("header", &h[i]);
    return true;
}

static size_t resp_room(void *ud)
{
    return ((rec *)ud)->room;
}

static bool resp_write(void *ud, const uint8_t *p, size_t n)
{
    rec *r = ud;
    r->nbytes += n;
    crypto_hash_sha256_update(&r->sha, p, n);
    if (r->out_fd >= 0 && write(r->out_fd, p, n) != (ssize_t)n)
        return false;
    return true;
}

static bool resp_finish(void *ud, const wacc_http_header *t, size_t n)
{
    (void)ud;
    for (size_t i = 0; i < n; i++)
        print_header("trailer", &t[i]);
    printf("finished\n");
    return true;
}

static void resp_error(void *ud, const char *label, const char *detail)
{
    (void)ud;
    printf("error %s: %s\n", label, detail ? detail : "");
}

static int usage(void)
{
    fprintf(stderr, "usage: wacc-http-harness [-m METHOD] [-p PATH] [-a AUTHORITY] [-H 'n: v']... "
                    "[--body FILE | --body-str TEXT] [--body-out FILE] [--room N] "
                    "[--allow-http HOST[:PORT]]... [--env K=V]... APP.so\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *method = "GET", *path = "/", *authority = "localhost", *app = NULL;
    const char *body_file = NULL, *body_out = NULL;
    wacc_http_header hdr[MAX_HEADERS];
    size_t nhdr = 0;
    const char *allow[MAX_LIST], *envs[MAX_LIST];
    uint32_t nallow = 0, nenv = 0;
    rec r;
    memset(&r, 0, sizeof r);
    r.body_fd = -1;
    r.out_fd = -1;
    r.room = 65536;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-m") == 0 && more)
            method = argv[++i];
        else if (strcmp(a, "-p") == 0 && more)
            path = argv[++i];
        else if (strcmp(a, "-a") == 0 && more)
            authority = argv[++i];
        else if (strcmp(a, "-H") == 0 && more && nhdr < MAX_HEADERS) {
            char *h = argv[++i], *colon = strchr(h, ':');
            if (!colon)
                return usage();
            for (char *p = h; p < colon; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            const char *v = colon + 1 + strspn(colon + 1, " ");
            hdr[nhdr++] = (wacc_http_header){ h, (size_t)(colon - h), (const uint8_t *)v, strlen(v) };
        } else if (strcmp(a, "--body") == 0 && more)
            body_file = argv[++i];
        else if (strcmp(a, "--body-str") == 0 && more)
            r.body_str = argv[++i];
        else if (strcmp(a, "--body-out") == 0 && more)
            body_out = argv[++i];
        else if (strcmp(a, "--room") == 0 && more)
            r.room = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--allow-http") == 0 && more && nallow < MAX_LIST)
            allow[nallow++] = argv[++i];
        else if (strcmp(a, "--env") == 0 && more && nenv < MAX_LIST)
            envs[nenv++] = argv[++i];
        else if (a[0] == '-' || app)
            return usage();
        else
            app = a;
    }
    if (!app || sodium_init() < 0)
        return usage();
    if (body_file && (r.body_fd = open(body_file, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "%s: %s\n", body_file, strerror(errno));
        return 1;
    }
    if (body_out && (r.out_fd = open(body_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "%s: %s\n", body_out, strerror(errno));
        return 1;
    }
    crypto_hash_sha256_init(&r.sha);

    char err[WACC_ERR_LEN], path_buf[4200];
    snprintf(path_buf, sizeof path_buf, "%s%s", strchr(app, '/') ? "" : "./", app);
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = e ? wacc_store_new(e) : NULL;
    wacc_artifact *art = s ? wacc_artifact_load(e, path_buf, err) : NULL;
    if (!art) {
        fprintf(stderr, "%s: %s\n", app, s ? err : "cannot create the engine");
        return 1;
    }
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    const char *wargv[1] = { app };
    cfg.argv = wargv;
    cfg.argc = 1;
    cfg.envp = envs;
    cfg.envc = nenv;
    cfg.allow_http = allow;
    cfg.nallow_http = nallow;
    wacc_wasi2 *w = wacc_wasi2_new(&cfg, err);
    if (!w) {
        fprintf(stderr, "%s: %s\n", app, err);
        return 1;
    }
    wacc_component_host host;
    wacc_wasi2_host(w, &host);
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    err[0] = 0;
    wacc_cinstance *ci = wacc_component_instantiate(s, art, &host, &trap, err);
    if (!ci) {
        fprintf(stderr, "%s: %s\n", app, trap.code ? trap.message : err);
        return 1;
    }
    if (!wacc_wasi2_is_http_handler(ci)) {
        fprintf(stderr, "%s: does not export wasi:http/incoming-handler\n", app);
        return 1;
    }
    wacc_http_request req = { method, "http", authority, path, hdr, nhdr };
    wacc_http_io io = { &r, body_read, resp_head, resp_room, resp_write, resp_finish, resp_error };
    if (!wacc_wasi2_http_handle(w, s, ci, &req, &io, &trap, err))
        printf("trap %s\n", err);
    uint8_t md[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&r.sha, md);
    printf("body-bytes %llu\nbody-sha256 ", (unsigned long long)r.nbytes);
    for (size_t i = 0; i < sizeof md; i++)
        printf("%02x", md[i]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\nmaxrss-kib %ld\n", ru.ru_maxrss);
    fflush(stdout);
    wacc_cinstance_free(ci);
    wacc_store_free(s);
    wacc_wasi2_free(w);
    wacc_artifact_free(art);
    wacc_engine_free(e);
    if (r.body_fd >= 0)
        close(r.body_fd);
    if (r.out_fd >= 0)
        close(r.out_fd);
    return 0;
}
