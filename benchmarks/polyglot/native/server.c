/*
 * server.c — the native processes of benchmarks/polyglot: the Rust provider
 * and the C++ directory of examples/auth-service built for the host (one
 * shared object, loaded with dlopen: run.sh builds it with rustc and
 * clang++) behind runtime/serve's native handler API (libuv +
 * http-parser, the same HTTP library as `wacc serve`).
 *
 *   polyglot-native --lib LIB.so --role ROLE [--addr HOST:PORT] [--workers N]
 *                   [--provider HOST:PORT] [--directory HOST:PORT]
 *   polyglot-native --lib LIB.so --time-validate N TOKEN
 *                   (N in-process validate-token calls: us/call on stdout)
 *
 * Roles (wire format between services: guest/http.h):
 *   one        the front door with the provider and the directory in-process
 *   front      the front door; validate-token is GET http://PROVIDER/validate
 *   provider   /validate; the provider in-process, lookup is
 *              GET http://DIRECTORY/lookup
 *   directory  /lookup, the directory in-process
 * The front door answers like examples/auth-service/front/front.js.
 * Outbound calls are blocking libcurl calls on the worker thread (one
 * keep-alive connection per worker): a native process would use a thread
 * per request or an async client; with a few workers this is the same.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve.h"
#include "users.h"

typedef users_string_t string_t;
typedef struct user_t {
    string_t id, username;
    users_list_string_t roles;
} user_t;

typedef bool (*validate_fn)(string_t *token, user_t *ret, string_t *err);
typedef bool (*lookup_fn)(string_t *id, exports_codesec_auth_directory_entry_t *ret);

/* Set once by main before the workers start, read-only afterwards (the
 * provider calls codesec_auth_directory_lookup without a context). */
static struct {
    const char *role, *provider, *directory;
    validate_fn validate;
    lookup_fn lookup;
} cfg;

/* ---- a growing buffer ---- */
typedef struct {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    put(ud, p, sz * n);
    return sz * n;
}

/* GET http://AUTHORITY/PATH with one header: the status (0: failed). */
static long get(const char *authority, const char *path, const char *hdr, buf *body)
{
    static __thread CURL *c;        /* one per worker thread: keep-alive */
    if (!c && !(c = curl_easy_init()))
        return 0;
    char url[256];
    snprintf(url, sizeof url, "http://%s%s", authority, path);
    struct curl_slist *h = curl_slist_append(NULL, hdr);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

/* malloc'd strings, as the object's own helpers (glue.c) make them */
static void dup_n(string_t *s, const char *p, size_t n)
{
    s->ptr = malloc(n + 1);
    if (!s->ptr)
        abort();
    memcpy(s->ptr, p, n);
    s->len = n;
}

static void str_free(string_t *s)
{
    free(s->ptr);
    s->ptr = NULL;
    s->len = 0;
}

/* The lines of b (modified in place): count, pointers in l (at most max). */
static size_t lines(buf *b, char **l, size_t *len, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= b->n && k < max; i++)
        if (i == b->n ? i > start : b->p[i] == '\n') {
            l[k] = b->p + start;
            len[k++] = i - start;
            start = i + 1;
        }
    return k;
}

/* codesec:auth/directory.lookup for the provider: in-process or over HTTP.
 * id stays the caller's; ret's strings are malloc'd (the caller frees). */
bool codesec_auth_directory_lookup(string_t *id, exports_codesec_auth_directory_entry_t *ret)
{
    if (!cfg.directory) {
        string_t copy;
        dup_n(&copy, (const char *)id->ptr, id->len);
        return cfg.lookup(&copy, ret);
    }
    buf h = { 0 }, body = { 0 };
    puts_(&h, "x-id: ");
    put(&h, id->ptr, id->len);
    long st = get(cfg.directory, "/lookup", h.p, &body);
    free(h.p);
    bool found = false;
    if (st == 200) {
        char *l[64];
        size_t len[64];
        size_t n = lines(&body, l, len, 64);
        found = true;
        dup_n(&ret->username, n ? l[0] : "", n ? len[0] : 0);
        ret->roles.len = n ? n - 1 : 0;
        ret->roles.ptr = calloc(ret->roles.len + 1, sizeof(string_t));
        for (size_t i = 1; i < n; i++)
            dup_n(&ret->roles.ptr[i - 1], l[i], len[i]);
    }
    free(body.p);
    return found;
}

static void free_user(user_t *u)
{
    str_free(&u->id);
    str_free(&u->username);
    for (size_t i = 0; i < u->roles.len; i++)
        str_free(&u->roles.ptr[i]);
    free(u->roles.ptr);
}

/* validate-token: in-process or over HTTP; false: *err holds the reason. */
static bool validate(const char *tok, size_t n, user_t *u, string_t *err)
{
    if (!cfg.provider) {
        string_t t;
        dup_n(&t, tok, n);
        return cfg.validate(&t, u, err);
    }
    buf h = { 0 }, body = { 0 };
    puts_(&h, "authorization: Bearer ");
    put(&h, tok, n);
    long st = get(cfg.provider, "/validate", h.p, &body);
    free(h.p);
    bool ok = false;
    if (st == 200) {
        char *l[64];
        size_t len[64];
        size_t k = lines(&body, l, len, 64);
        if (k >= 2) {
            ok = true;
            dup_n(&u->id, l[0], len[0]);
            dup_n(&u->username, l[1], len[1]);
            u->roles.len = k - 2;
            u->roles.ptr = calloc(k - 1, sizeof(string_t));
            for (size_t i = 2; i < k; i++)
                dup_n(&u->roles.ptr[i - 2], l[i], len[i]);
        } else {
            dup_n(err, "bad answer from the provider service", 36);
        }
    } else if (st == 401) {
        dup_n(err, body.p ? body.p : "", body.n);
    } else {
        dup_n(err, "provider service unreachable", 28);
    }
    free(body.p);
    return ok;
}

/* ---- HTTP side ---- */
static bool write_all(const wacc_http_io *io, const wacc_wasi2_waiter *wt, const char *p, size_t n)
{
    while (n > 0) {
        size_t room = io->resp_room(io->ud);
        if (room == 0) {
            if (!wt->wait(wt->ud, NULL, 0, 0))
                return false;
            continue;
        }
        size_t k = room < n ? room : n;
        if (!io->resp_write(io->ud, (const uint8_t *)p, k))
            return false;
        p += k;
        n -= k;
    }
    return true;
}

static void respond(const wacc_http_io *io, const wacc_wasi2_waiter *wt, unsigned status,
                    const char *ctype, const char *body, size_t n)
{
    char cl[24];
    snprintf(cl, sizeof cl, "%zu", n);
    wacc_http_header h[2] = { { "content-type", 12, (const uint8_t *)ctype, strlen(ctype) },
                              { "content-length", 14, (const uint8_t *)cl, strlen(cl) } };
    if (io->resp_head(io->ud, status, h, 2) && write_all(io, wt, body, n))
        io->resp_finish(io->ud, NULL, 0);
}

static const wacc_http_header *header(const wacc_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strlen(name) == req->headers[i].name_len &&
            memcmp(req->headers[i].name, name, req->headers[i].name_len) == 0)
            return &req->headers[i];
    return NULL;
}

static void json_str(buf *b, const void *p, size_t n)
{
    const unsigned char *s = p;
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            put(b, "\\", 1);
            put(b, s + i, 1);
        } else if (s[i] < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", s[i]);
            put(b, e, 6);
        } else {
            put(b, s + i, 1);
        }
    }
    put(b, "\"", 1);
}

static void lookup_route(const wacc_http_request *req, const wacc_http_io *io, const wacc_wasi2_waiter *wt)
{
    const wacc_http_header *h = header(req, "x-id");
    string_t id;
    dup_n(&id, h ? (const char *)h->value : "", h ? h->value_len : 0);
    exports_codesec_auth_directory_entry_t e;
    if (!cfg.lookup(&id, &e)) {
        respond(io, wt, 404, "text/plain", "", 0);
        return;
    }
    buf b = { 0 };
    put(&b, e.username.ptr, e.username.len);
    put(&b, "\n", 1);
    for (size_t i = 0; i < e.roles.len; i++) {
        put(&b, e.roles.ptr[i].ptr, e.roles.ptr[i].len);
        put(&b, "\n", 1);
    }
    respond(io, wt, 200, "text/plain", b.p ? b.p : "", b.n);
    free(b.p);
    str_free(&e.username);
    for (size_t i = 0; i < e.roles.len; i++)
        str_free(&e.roles.ptr[i]);
    free(e.roles.ptr);
}

static void handle(void *ud, const wacc_http_request *req, const wacc_http_io *io,
                   const wacc_wasi2_waiter *wt)
{
    (void)ud;
    if (strcmp(cfg.role, "directory") == 0) {
        lookup_route(req, io, wt);
        return;
    }
    bool wire = strncmp(req->path_with_query, "/validate", 9) == 0;
    const wacc_http_header *a = header(req, "authorization");
    const char *tok = NULL;
    size_t tn = 0;
    if (a && a->value_len > 7 && memcmp(a->value, "Bearer ", 7) == 0 &&
        !memchr(a->value + 7, ' ', a->value_len - 7)) {
        tok = (const char *)a->value + 7;
        tn = a->value_len - 7;
    }
    user_t u;
    string_t err = { 0 };
    buf b = { 0 };
    bool ok = false;
    if (!tok)
        dup_n(&err, "missing bearer token", 20);
    else
        ok = validate(tok, tn, &u, &err);
    if (!ok) {
        if (wire) {
            put(&b, err.ptr, err.len);
        } else {
            puts_(&b, "{\"error\":");
            json_str(&b, err.ptr, err.len);
            puts_(&b, "}");
        }
        respond(io, wt, 401, wire ? "text/plain" : "application/json", b.p ? b.p : "", b.n);
        str_free(&err);
        free(b.p);
        return;
    }
    if (wire) {
        put(&b, u.id.ptr, u.id.len);
        put(&b, "\n", 1);
        put(&b, u.username.ptr, u.username.len);
        put(&b, "\n", 1);
        for (size_t i = 0; i < u.roles.len; i++) {
            put(&b, u.roles.ptr[i].ptr, u.roles.ptr[i].len);
            put(&b, "\n", 1);
        }
    } else {
        puts_(&b, "{\"id\":");
        json_str(&b, u.id.ptr, u.id.len);
        puts_(&b, ",\"username\":");
        json_str(&b, u.username.ptr, u.username.len);
        puts_(&b, ",\"roles\":[");
        for (size_t i = 0; i < u.roles.len; i++) {
            if (i)
                put(&b, ",", 1);
            json_str(&b, u.roles.ptr[i].ptr, u.roles.ptr[i].len);
        }
        puts_(&b, "]}");
    }
    respond(io, wt, 200, wire ? "text/plain" : "application/json", b.p, b.n);
    free(b.p);
    free_user(&u);
}

/* N validations of token, in-process: microseconds per call. */
static int time_validate(long n, const char *token)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        user_t u;
        string_t err = { 0 };
        if (!validate(token, strlen(token), &u, &err)) {
            fprintf(stderr, "polyglot-native: the token does not validate: %.*s\n", (int)err.len,
                    (const char *)err.ptr);
            return 1;
        }
        free_user(&u);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%.3f us/call\n", ns / (double)n / 1e3);
    return 0;
}

int main(int argc, char **argv)
{
    static const wacc_serve_native native = { handle, NULL };
    wacc_serve_route route = { .prefix = "/", .name = "polyglot-native", .native = &native };
    wacc_serve_config sc;
    wacc_serve_config_init(&sc);
    sc.routes = &route;
    sc.nroutes = 1;
    sc.quiet = true;
    const char *lib = NULL, *token = NULL;
    long timed = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--time-validate") == 0 && i + 2 < argc) {
            timed = atol(v);
            token = argv[i + 2];
            cfg.role = "one";
            i++;
        } else if (strcmp(a, "--lib") == 0)
            lib = v;
        else if (strcmp(a, "--role") == 0)
            cfg.role = v;
        else if (strcmp(a, "--addr") == 0)
            sc.addr = v;
        else if (strcmp(a, "--workers") == 0)
            sc.workers = (unsigned)atoi(v);
        else if (strcmp(a, "--provider") == 0)
            cfg.provider = v;
        else if (strcmp(a, "--directory") == 0)
            cfg.directory = v;
        else {
            fprintf(stderr, "polyglot-native: unknown option '%s'\n", a);
            return 2;
        }
    }
    if (!lib || !cfg.role ||
        (strcmp(cfg.role, "one") && strcmp(cfg.role, "front") && strcmp(cfg.role, "provider") &&
         strcmp(cfg.role, "directory"))) {
        fprintf(stderr, "usage: polyglot-native --lib LIB.so --role one|front|provider|directory "
                        "[--addr HOST:PORT] [--workers N] [--provider HOST:PORT] [--directory HOST:PORT]\n");
        return 2;
    }
    if ((strcmp(cfg.role, "front") == 0) != (cfg.provider != NULL) ||
        (strcmp(cfg.role, "provider") == 0) != (cfg.directory != NULL)) {
        fprintf(stderr, "polyglot-native: --provider goes with --role front, --directory with --role provider\n");
        return 2;
    }
    void *h = dlopen(lib, RTLD_NOW);
    if (!h) {
        fprintf(stderr, "polyglot-native: %s\n", dlerror());
        return 1;
    }
    cfg.validate = (validate_fn)dlsym(h, "exports_codesec_auth_provider_validate_token");
    cfg.lookup = (lookup_fn)dlsym(h, "exports_codesec_auth_directory_lookup");
    if (!cfg.validate || !cfg.lookup) {
        fprintf(stderr, "polyglot-native: %s: the provider or the directory is missing\n", lib);
        return 1;
    }
    if (timed > 0)
        return time_validate(timed, token);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[WACC_ERR_LEN];
    wacc_serve *sv = wacc_serve_new(&sc, err);
    if (!sv) {
        fprintf(stderr, "polyglot-native: %s\n", err);
        return 1;
    }
    fprintf(stderr, "polyglot-native: %s listening on %s\n", cfg.role, wacc_serve_url(sv));
    int rc = wacc_serve_run(sv);
    wacc_serve_free(sv);
    curl_global_cleanup();
    return rc;
}
