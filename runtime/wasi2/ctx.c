/*
 * ctx.c — the WASI 0.2 context: configuration, host objects, resource
 * types, the import resolver (version matching, link-time signature check)
 * and wacc_wasi2_run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"
#include "w2_int.h"
#include "wasi_int.h"

#define W2_MINOR_MAX 12         /* we implement 0.2.12 */

/* Bindings live in blocks freed with the context (one malloc per ~40). */
struct w2_pool {
    struct w2_pool *next;
    size_t used, cap;
    max_align_t data[];
};


static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static char **copy_strings(const char *const *v, uint32_t n)
{
    char **out = calloc((size_t)n + 1, sizeof *out);
    if (!out)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!(out[i] = xstrdup(v[i]))) {
            for (uint32_t k = 0; k < i; k++)
                free(out[k]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_strings(char **v, uint32_t n)
{
    if (!v)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int dtor(void *ctx, uint32_t rep)
{
    w2_rtype *r = ctx;
    w2_release(r->w, rep);
    return 0;
}

wacc_wasi2 *wacc_wasi2_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN])
{
    wacc_wasi2 *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return NULL;
    }
    w->stdio[0] = cfg->stdin_fd;
    w->stdio[1] = cfg->stdout_fd;
    w->stdio[2] = cfg->stderr_fd;
    w->use_openat2 = !cfg->no_openat2 && sb_probe_openat2();
    w->argc = cfg->argc;
    w->envc = cfg->envc;
    w->argv = copy_strings(cfg->argv, cfg->argc);
    w->envp = copy_strings(cfg->envp, cfg->envc);
    w->nallow_http = cfg->nallow_http;
    w->ntcp_listen = cfg->ntcp_listen;
    w->ntcp_connect = cfg->ntcp_connect;
    w->nudp = cfg->nudp;
    w->allow_dns = cfg->allow_dns;
    w->allow_http = copy_strings(cfg->allow_http, cfg->nallow_http);
    w->tcp_listen = copy_strings(cfg->tcp_listen, cfg->ntcp_listen);
    w->tcp_connect = copy_strings(cfg->tcp_connect, cfg->ntcp_connect);
    w->udp = copy_strings(cfg->udp, cfg->nudp);
    w->pre = calloc((size_t)cfg->npreopens + 1, sizeof *w->pre);
    w->rts = calloc(w2_resources_count, sizeof *w->rts);
    w->cap = 64;
    w->nobjs = 1;
    w->objs = calloc(w->cap, sizeof *w->objs);
    if (!w->argv || !w->envp || !w->pre || !w->rts || !w->objs || !w->allow_http ||
        !w->tcp_listen || !w->tcp_connect || !w->udp) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        wacc_wasi2_free(w);
        return NULL;
    }
    for (uint32_t i = 0; i < w2_resources_count; i++) {
        w->rts[i].w = w;
        w->rts[i].rt.dtor = dtor;
        w->rts[i].rt.dtor_ctx = &w->rts[i];
        w->rts[i].rt.name = w2_resources[i].sig;
    }
    for (uint32_t i = 0; i < cfg->npreopens; i++) {
        const wacc_wasi_preopen *p = &cfg->preopens[i];
        int fd = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, WACC_ERR_LEN, "--dir %s: %s", p->host_path, strerror(errno));
            wacc_wasi2_free(w);
            return NULL;
        }
        w->pre[w->npre].fd = fd;
        if (!(w->pre[w->npre++].guest = xstrdup(p->guest_path ? p->guest_path : p->host_path))) {
            snprintf(err, WACC_ERR_LEN, "out of memory");
            wacc_wasi2_free(w);
            return NULL;
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    w->seed[0] = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
    w->seed[1] = (uint64_t)ts.tv_sec ^ 0xD1B54A32D192ED03ull;
    return w;
}

void wacc_wasi2_free(wacc_wasi2 *w)
{
    if (!w)
        return;
    for (uint32_t i = 1; i < w->nobjs; i++)
        w2_release(w, i);
    h_client_free_all(w);
    free(w->objs);
    for (uint32_t i = 0; i < w->npre; i++) {
        close(w->pre[i].fd);
        free(w->pre[i].guest);
    }
    free(w->pre);
    free(w->rts);
    free_strings(w->argv, w->argc);
    free_strings(w->envp, w->envc);
    free_strings(w->allow_http, w->nallow_http);
    free_strings(w->tcp_listen, w->ntcp_listen);
    free_strings(w->tcp_connect, w->ntcp_connect);
    free_strings(w->udp, w->nudp);
    for (struct w2_pool *p = w->pool, *n; p; p = n) {
        n = p->next;
        free(p);
    }
    free(w);
}

void wacc_wasi2_set_waiter(wacc_wasi2 *w, const wacc_wasi2_waiter *wt)
{
    if (wt)
        w->waiter = *wt;
    else
        memset(&w->waiter, 0, sizeof w->waiter);
}

void wacc_wasi2_set_store(wacc_wasi2 *w, const wacc_store *s)
{
    w->store = s;
}

bool w2_wait(wacc_wasi2 *w, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns)
{
    int tw = w->task_wait ? w->task_wait(w->task_ud, fds, nfds, deadline_ns) : -1;
    if (tw >= 0)
        return tw == 1;
    if (w->waiter.wait)
        return w->waiter.wait(w->waiter.ud, fds, nfds, deadline_ns);
    uint64_t stop = w->store ? wacc_store_deadline(w->store) : 0;
    if (stop) {                 /* the run's --timeout bounds every wait */
        if (w2_now_ns() >= stop)
            return false;
        if (deadline_ns == 0 || stop < deadline_ns)
            deadline_ns = stop;
    }
    int timeout = -1;
    if (deadline_ns) {
        uint64_t now = w2_now_ns();
        uint64_t ms = deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 0;
        timeout = ms > 1000000 ? 1000000 : (int)ms;
    }
    if (nfds == 0 && timeout < 0)
        return false;       /* nothing can ever wake us: give up rather than hang */
    if (poll(fds, nfds, timeout) < 0 && errno != EINTR)
        return false;
    return true;
}

bool wacc_wasi2_exited(const wacc_wasi2 *w, int *status)
{
    if (w->exited && status)
        *status = w->exit_status;
    return w->exited;
}

/* ---- host objects ---- */

uint32_t w2_new(wacc_wasi2 *w, uint8_t kind, w2_obj **out)
{
    uint32_t rep = w->free_head;
    if (rep) {
        w->free_head = w->objs[rep].next_free;
    } else {
        if (w->nobjs == w->cap) {
            w2_obj *n = realloc(w->objs, (size_t)w->cap * 2 * sizeof *n);
            if (!n)
                return 0;
            w->objs = n;
            w->cap *= 2;
        }
        rep = w->nobjs++;
    }
    w2_obj *o = &w->objs[rep];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->fd = -1;
    if (out)
        *out = o;
    return rep;
}

w2_obj *w2_get(wacc_wasi2 *w, uint64_t rep, uint8_t kind)
{
    if (rep == 0 || rep >= w->nobjs || w->objs[rep].kind != kind)
        return NULL;
    return &w->objs[rep];
}

void w2_release(wacc_wasi2 *w, uint32_t rep)
{
    if (rep == 0 || rep >= w->nobjs || w->objs[rep].kind == K_FREE)
        return;
    w2_obj *o = &w->objs[rep];
    if (o->ops && o->ops->drop)
        o->ops->drop(w, o);
    if (o->dir)
        closedir(o->dir);
    else if (o->owned_fd && o->fd >= 0)
        close(o->fd);
    free(o->msg);
    memset(o, 0, sizeof *o);
    o->kind = K_FREE;
    o->next_free = w->free_head;
    w->free_head = rep;
}

static int cmp_sig(const void *key, const void *e)
{
    return strcmp(key, ((const w2_sig *)e)->name);
}

const wacc_resource_type *w2_rt(wacc_wasi2 *w, const char *iface_res)
{
    const w2_sig *s = bsearch(iface_res, w2_resources, w2_resources_count, sizeof *s, cmp_sig);
    return s ? &w->rts[s - w2_resources].rt : NULL;
}

const w2_sig *w2_find_sig(const char *name)
{
    return bsearch(name, w2_sigs, w2_sigs_count, sizeof *w2_sigs, cmp_sig);
}

/* ---- the import resolver ---- */

/* "wasi:io/streams@0.2.3" -> base "wasi:io/streams"; false (err set when
 * it is a WASI interface of another version) if we do not serve it. */
static bool our_interface(const char *iname, char *base, size_t cap, char *err)
{
    if (!iname || strncmp(iname, "wasi:", 5) != 0)
        return false;
    const char *at = strchr(iname, '@');
    size_t n = at ? (size_t)(at - iname) : strlen(iname);
    if (n + 1 > cap)
        return false;
    memcpy(base, iname, n);
    base[n] = 0;
    if (strncmp(iname, "wasi:otel/", 10) == 0) {     /* a release candidate: that one only */
        if (at && strcmp(at + 1, W2_OTEL_VERSION) == 0)
            return true;
        if (err)
            snprintf(err, WACC_ERR_LEN, "wasi:otel version %s is not supported (%s)",
                     at ? at + 1 : "(none)", W2_OTEL_VERSION);
        return false;
    }
    if (at) {
        /* "0.2.N", N a decimal number without sign (was sscanf: slow) */
        const char *v = at + 1;
        unsigned patch = 0;
        bool ok = strncmp(v, "0.2.", 4) == 0 && v[4] >= '0' && v[4] <= '9';
        for (v += 4; ok && *v; v++) {
            ok = *v >= '0' && *v <= '9' && patch <= 1000;
            patch = patch * 10 + (unsigned)(*v - '0');
        }
        if (!ok || patch > W2_MINOR_MAX) {
            if (err)
                snprintf(err, WACC_ERR_LEN, "WASI version %s is not supported (0.2.0 to 0.2.%d)",
                         at + 1, W2_MINOR_MAX);
            return false;
        }
    }
    return true;
}

static const w2_fn *const tables[] = { w2_fns_cli, w2_fns_io, w2_fns_fs, w2_fns_http_fields,
                                       w2_fns_http_types, w2_fns_http_client,
                                       w2_fns_sockets_net, w2_fns_sockets_tcp,
                                       w2_fns_sockets_udp, w2_fns_sockets_dns, w2_fns_otel };

/* impls[i]: the implementation of w2_sigs[i] (NULL: none). Built once per
 * process from the tables, read-only afterwards. */
static w2_impl *impls;
static pthread_once_t impls_once = PTHREAD_ONCE_INIT;

static void impls_build(void)
{
    impls = calloc(w2_sigs_count, sizeof *impls);
    if (!impls)
        return;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const w2_fn *f = tables[t]; f->name; f++) {
            const w2_sig *s = w2_find_sig(f->name);
            if (s && !impls[s - w2_sigs])
                impls[s - w2_sigs] = f->fn;
        }
}

static w2_impl find_impl(const w2_sig *s)
{
    pthread_once(&impls_once, impls_build);
    if (impls)
        return impls[s - w2_sigs];
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)   /* out of memory: slow way */
        for (const w2_fn *f = tables[t]; f->name; f++)
            if (strcmp(f->name, s->name) == 0)
                return f->fn;
    return NULL;
}

w2_impl w2_impl_named(const char *name)
{
    const w2_sig *s = w2_find_sig(name);
    return s ? find_impl(s) : NULL;
}

static void *pool_alloc(wacc_wasi2 *w, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct w2_pool *p = w->pool;
    if (!p || p->cap - p->used < n) {
        size_t cap = n > 4096 ? n : 4096;
        if (!(p = malloc(sizeof *p + cap)))
            return NULL;
        p->next = w->pool;
        p->used = 0;
        p->cap = cap;
        w->pool = p;
    }
    void *r = (char *)p->data + p->used;
    p->used += n;
    memset(r, 0, n);
    return r;
}

static uint32_t dispatch(void *data, const wacc_cval *args, uint32_t nargs, wacc_cval *result,
                         wacc_arena *arena)
{
    w2_binding *b = data;
    w2_call c = { b->w, args, nargs, b->ptypes, result, wacc_cfunc_result(b->type), arena };
    return b->fn ? b->fn(&c) : w2_unsupported(&c);
}

static bool typed_func(void *ud, const char *iname, const char *name, const wacc_cfunc *type,
                       wacc_component_host_fn *fn, void **data, char *err)
{
    wacc_wasi2 *w = ud;
    char key[512];
    if (!our_interface(iname, key, sizeof key, err))
        return false;
    size_t bl = strlen(key), nl = strlen(name);
    if (bl + 2 + nl > sizeof key)
        return false;              /* too long for any WASI name */
    key[bl] = '#';
    memcpy(key + bl + 1, name, nl);
    key[bl + 1 + nl] = 0;
    const w2_sig *want = w2_find_sig(key);
    if (!want) {
        snprintf(err, WACC_ERR_LEN, "not a function of %.*s in WASI 0.2.%d", (int)bl, key,
                 W2_MINOR_MAX);
        return false;
    }
    if (!w2_sig_is(type, want->sig)) {
        char *got = w2_sig_of(type);
        snprintf(err, WACC_ERR_LEN, "type mismatch: WASI has %s, the component imports %s",
                 want->sig, got ? got : "(out of memory)");
        free(got);
        return false;
    }
    uint32_t np = wacc_cfunc_nparams(type);
    w2_binding *b = pool_alloc(w, sizeof *b + ((size_t)np + 1) * sizeof *b->ptypes);
    if (!b) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return false;
    }
    b->w = w;
    b->fn = find_impl(want);
    b->type = type;
    b->ptypes = (const wacc_ctype **)(b + 1);
    for (uint32_t i = 0; i < np; i++)
        b->ptypes[i] = wacc_cfunc_param(type, i, NULL);
    b->name = want->name;
    b->next = w->bindings;
    w->bindings = b;
    *fn = dispatch;
    *data = b;
    return true;
}

static bool untyped_func(void *ud, const char *iname, const char *name, wacc_component_host_fn *fn,
                         void **data)
{
    (void)ud, (void)iname, (void)name, (void)fn, (void)data;
    return false;           /* typed_func is always used */
}

static const wacc_resource_type *resource(void *ud, const char *iname, const char *name)
{
    char key[512];
    if (!our_interface(iname, key, sizeof key, NULL))
        return NULL;
    size_t bl = strlen(key), nl = strlen(name);
    if (bl + 2 + nl > sizeof key)
        return NULL;              /* too long for any WASI name */
    key[bl] = '#';
    memcpy(key + bl + 1, name, nl);
    key[bl + 1 + nl] = 0;
    return w2_rt(ud, key);
}

void wacc_wasi2_host(wacc_wasi2 *w, wacc_component_host *out)
{
    memset(out, 0, sizeof *out);
    out->func = untyped_func;
    out->typed_func = typed_func;
    out->resource = resource;
    out->ud = w;
    if (w->trace_calls) {
        out->call_begin = w2_call_begin;
        out->call_end = w2_call_end;
    }
    out->list_bytes = true;         /* stream/descriptor writes take byte buffers (w2_arg_bytes) */
}

/* ---- running a command ---- */

int wacc_wasi2_run(wacc_wasi2 *w, wacc_store *s, wacc_artifact *a, char err[WACC_ERR_LEN])
{
    w->store = s;
    wacc_component_host h;
    wacc_wasi2_host(w, &h);
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    err[0] = 0;
    wacc_cinstance *ci = wacc_component_instantiate(s, a, &h, &trap, err);
    if (!ci) {
        if (trap.code == WACC_TRAP_EXIT)
            return w->exited ? w->exit_status : trap.exit_status;
        if (trap.code != WACC_TRAP_NONE)
            snprintf(err, WACC_ERR_LEN, "%s", trap.message[0] ? trap.message : wacc_trap_name(trap.code));
        return -1;
    }
    wacc_cfunc *run = NULL;
    for (uint32_t i = 0; i < wacc_cinstance_num_exports(ci) && !run; i++) {
        char kind;
        const char *n = wacc_cinstance_export_name(ci, i, &kind);
        char base[256];
        if (kind == 'i' && our_interface(n, base, sizeof base, NULL) &&
            strcmp(base, "wasi:cli/run") == 0) {
            char fname[300];
            snprintf(fname, sizeof fname, "%s#run", n);
            run = wacc_cinstance_func(ci, fname);
        }
    }
    if (!run) {
        snprintf(err, WACC_ERR_LEN, "the component does not export wasi:cli/run@0.2.x (use --invoke)");
        wacc_cinstance_free(ci);
        return -2;
    }
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc_cval res;
    memset(&res, 0, sizeof res);
    const wacc_ctype *rt = wacc_cfunc_result(run);
    int status;
    if (!wacc_component_call(s, run, NULL, 0, &res, rt ? 1 : 0, &arena, &trap)) {
        if (trap.code == WACC_TRAP_EXIT) {
            status = w->exited ? w->exit_status : trap.exit_status;
        } else {
            snprintf(err, WACC_ERR_LEN, "%s", trap.message[0] ? trap.message : wacc_trap_name(trap.code));
            status = -1;
        }
    } else {
        status = rt && res.n != 0 ? 1 : 0;
    }
    wacc_arena_fini(&arena);
    wacc_cinstance_free(ci);
    return status;
}
