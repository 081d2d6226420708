/*
 * ctx.c — the WASI 0.3 context: the import resolver (0.3 imports as async
 * host functions, 0.2 imports through the owned wacc_wasi2), 0.3 resource
 * types, value helpers and wacc_wasi3_run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "w3_int.h"

typedef struct w3_rtype {
    wacc_resource_type rt;
    struct wacc_wasi3 *w;
    char *name;
    struct w3_rtype *next;
} w3_rtype;

typedef struct w3_binding {
    struct wacc_wasi3 *w;
    w3_impl fn;                 /* NULL: a 0.2 implementation of the same name, or unsupported */
    w2_impl fn2;
    const wacc_cfunc *type;
    const wacc_ctype **ptypes;
    char *name;
    struct w3_binding *next;
} w3_binding;

/* Resources an interface `use`s from another: one type (the one it
 * defines). */
static const char *const w3_resource_aliases[][2] = {
    { "wasi:filesystem/preopens#descriptor", "wasi:filesystem/types#descriptor" },
    { "wasi:cli/terminal-stdin#terminal-input", "wasi:cli/terminal-input#terminal-input" },
    { "wasi:cli/terminal-stdout#terminal-output", "wasi:cli/terminal-output#terminal-output" },
    { "wasi:cli/terminal-stderr#terminal-output", "wasi:cli/terminal-output#terminal-output" },
    { "wasi:http/handler#request", "wasi:http/types#request" },
    { "wasi:http/handler#response", "wasi:http/types#response" },
    { "wasi:http/handler#error-code", "wasi:http/types#error-code" },
    { "wasi:http/client#request", "wasi:http/types#request" },
    { "wasi:http/client#response", "wasi:http/types#response" },
    { "wasi:sockets/ip-name-lookup#ip-address", "wasi:sockets/types#ip-address" },
};

static const w3_fn *const tables[] = { w3_fns_cli, w3_fns_clocks, w3_fns_fs };

wacc_wasi3 *wacc_wasi3_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN])
{
    wacc_wasi3 *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return NULL;
    }
    if (!(w->w2 = wacc_wasi2_new(cfg, err))) {
        free(w);
        return NULL;
    }
    wacc_wasi2_host(w->w2, &w->h2);
    return w;
}

void wacc_wasi3_free(wacc_wasi3 *w)
{
    if (!w)
        return;
    for (w3_rtype *r = w->rts, *n; r; r = n) {
        n = r->next;
        free(r->name);
        free(r);
    }
    for (w3_binding *b = w->bindings, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    wacc_wasi2_free(w->w2);
    free(w);
}

wacc_wasi2 *wacc_wasi3_wasi2(wacc_wasi3 *w)
{
    return w->w2;
}

static int task_wait(void *ud, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns)
{
    wacc_wasi3 *w = ud;
    return w->ci ? wacc_cinstance_wait_task(w->ci, fds, nfds, deadline_ns) : -1;
}

void wacc_wasi3_bind(wacc_wasi3 *w, wacc_cinstance *ci)
{
    w->ci = ci;
    w->w2->task_wait = ci ? task_wait : NULL;
    w->w2->task_ud = ci ? w : NULL;
}

bool wacc_wasi3_exited(const wacc_wasi3 *w, int *status)
{
    return wacc_wasi2_exited(w->w2, status);
}

/* ---- resource types ---- */

static int dtor(void *ctx, uint32_t rep)
{
    w3_rtype *r = ctx;
    w2_release(r->w->w2, rep);
    return 0;
}

const wacc_resource_type *w3_rt(struct wacc_wasi3 *w, const char *iface_res)
{
    for (w3_rtype *r = w->rts; r; r = r->next)
        if (strcmp(r->name, iface_res) == 0)
            return &r->rt;
    w3_rtype *r = calloc(1, sizeof *r);
    size_t n = strlen(iface_res) + 1;
    char *name = r ? malloc(n) : NULL;
    if (!name) {
        free(r);
        return NULL;
    }
    memcpy(name, iface_res, n);
    r->name = name;
    r->w = w;
    r->rt.dtor = dtor;
    r->rt.dtor_ctx = r;
    r->rt.name = r->name;
    r->next = w->rts;
    w->rts = r;
    return &r->rt;
}

/* ---- values ---- */

bool w3_err_value(wacc_arena *arena, const wacc_ctype *rt, const char *label, wacc_cval *out)
{
    w2_call c;
    memset(&c, 0, sizeof c);
    c.rt = rt;
    c.res = out;
    c.arena = arena;
    return w2_err_label(&c, label) == 0;
}

wacc_cval w3_ok_value(void)
{
    return wacc_cval_variant(WACC_CT_RESULT, 0, NULL);
}

uint32_t w3_return(wacc_hcall *hc, const wacc_cval *result)
{
    return wacc_hcall_return(hc, result);
}

/* ---- the resolver ---- */

/* "wasi:cli/stdin@0.3.0" -> "wasi:cli/stdin"; false if not a 0.3 interface. */
static bool v03_interface(const char *iname, char *base, size_t cap)
{
    if (!iname || strncmp(iname, "wasi:", 5) != 0)
        return false;
    const char *at = strchr(iname, '@');
    if (!at || strncmp(at + 1, "0.3.", 4) != 0)
        return false;
    size_t n = (size_t)(at - iname);
    if (n + 1 > cap)
        return false;
    memcpy(base, iname, n);
    base[n] = 0;
    return true;
}

static w3_impl find_impl(const char *key)
{
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const w3_fn *f = tables[t]; f->name; f++)
            if (strcmp(f->name, key) == 0)
                return f->fn;
    return NULL;
}

static uint32_t dispatch(void *data, wacc_hcall *hc, const wacc_cval *args, uint32_t nargs)
{
    w3_binding *b = data;
    w3_call c;
    memset(&c, 0, sizeof c);
    c.v.w = b->w->w2;
    c.v.a = args;
    c.v.n = nargs;
    c.v.ptypes = b->ptypes;
    c.v.res = &c.res;
    c.v.rt = wacc_cfunc_result(b->type);
    c.v.arena = wacc_hcall_arena(hc);
    c.w3 = b->w;
    c.hc = hc;
    c.ci = wacc_hcall_instance(hc);
    c.type = b->type;
    c.name = b->name;
    uint32_t code = b->fn ? b->fn(&c) : b->fn2 ? b->fn2(&c.v) : w2_unsupported(&c.v);
    if (code == W3_LATER)
        return 0;
    if (code)
        return code;
    return wacc_hcall_return(hc, c.v.rt ? &c.res : NULL);
}

static bool async_func(void *ud, const char *iname, const char *name, const wacc_cfunc *type,
                       wacc_component_host_async_fn *fn, void **data, char *err)
{
    wacc_wasi3 *w = ud;
    char key[512];
    if (!v03_interface(iname, key, sizeof key))
        return false;           /* err "": 0.2 (or not WASI) goes to wasi2 */
    size_t bl = strlen(key), nl = strlen(name);
    if (bl + 2 + nl > sizeof key) {
        snprintf(err, WACC_ERR_LEN, "name too long");
        return false;
    }
    key[bl] = '#';
    memcpy(key + bl + 1, name, nl + 1);
    uint32_t np = wacc_cfunc_nparams(type);
    w3_binding *b = calloc(1, sizeof *b + ((size_t)np + 1) * sizeof *b->ptypes + strlen(key) + 1);
    if (!b) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return false;
    }
    b->w = w;
    b->type = type;
    b->ptypes = (const wacc_ctype **)(b + 1);
    for (uint32_t i = 0; i < np; i++)
        b->ptypes[i] = wacc_cfunc_param(type, i, NULL);
    b->name = (char *)(b->ptypes + np + 1);
    memcpy(b->name, key, strlen(key) + 1);
    b->fn = find_impl(key);
    if (!b->fn)
        b->fn2 = w2_impl_named(key);
    b->next = w->bindings;
    w->bindings = b;
    *fn = dispatch;
    *data = b;
    return true;
}

static bool typed_func(void *ud, const char *iname, const char *name, const wacc_cfunc *type,
                       wacc_component_host_fn *fn, void **data, char *err)
{
    wacc_wasi3 *w = ud;
    wacc_component_host *h2 = &w->h2;
    return h2->typed_func(h2->ud, iname, name, type, fn, data, err);
}

static bool untyped_func(void *ud, const char *iname, const char *name, wacc_component_host_fn *fn,
                         void **data)
{
    (void)ud, (void)iname, (void)name, (void)fn, (void)data;
    return false;
}

static const wacc_resource_type *resource(void *ud, const char *iname, const char *name)
{
    wacc_wasi3 *w = ud;
    char key[512];
    if (!v03_interface(iname, key, sizeof key)) {
        wacc_component_host *h2 = &w->h2;
        return h2->resource(h2->ud, iname, name);
    }
    size_t bl = strlen(key), nl = strlen(name);
    if (bl + 2 + nl > sizeof key)
        return NULL;
    key[bl] = '#';
    memcpy(key + bl + 1, name, nl + 1);
    for (size_t i = 0; i < sizeof w3_resource_aliases / sizeof w3_resource_aliases[0]; i++)
        if (strcmp(key, w3_resource_aliases[i][0]) == 0)
            return w3_rt(w, w3_resource_aliases[i][1]);
    return w3_rt(w, key);
}

static void *call_begin(void *ud, const char *name, const char *caller, const char *callee)
{
    wacc_wasi3 *w = ud;
    return w->h2.call_begin(w->h2.ud, name, caller, callee);
}

static void call_end(void *ud, void *token, uint32_t code)
{
    wacc_wasi3 *w = ud;
    w->h2.call_end(w->h2.ud, token, code);
}

void wacc_wasi3_host(wacc_wasi3 *w, wacc_component_host *out)
{
    wacc_wasi2_host(w->w2, &w->h2);     /* as configured now (--trace-calls) */
    memset(out, 0, sizeof *out);
    if (w->h2.call_begin) {
        out->call_begin = call_begin;
        out->call_end = call_end;
    }
    out->func = untyped_func;
    out->typed_func = typed_func;
    out->async_func = async_func;
    out->resource = resource;
    out->ud = w;
    out->list_bytes = true;
}

/* ---- running a command ---- */

static wacc_cfunc *find_run(wacc_cinstance *ci, bool v03)
{
    for (uint32_t i = 0; i < wacc_cinstance_num_exports(ci); i++) {
        char kind;
        const char *n = wacc_cinstance_export_name(ci, i, &kind);
        if (kind != 'i' || strncmp(n, "wasi:cli/run@", 13) != 0)
            continue;
        if ((strncmp(n + 13, "0.3.", 4) == 0) != v03)
            continue;
        char fname[300];
        snprintf(fname, sizeof fname, "%s#run", n);
        wacc_cfunc *f = wacc_cinstance_func(ci, fname);
        if (f)
            return f;
    }
    return NULL;
}

bool wacc_wasi3_is_command(wacc_cinstance *ci)
{
    return find_run(ci, true) != NULL;
}

int wacc_wasi3_run(wacc_wasi3 *w, wacc_store *s, wacc_artifact *a, char err[WACC_ERR_LEN])
{
    wacc_component_host h;
    wacc_wasi3_host(w, &h);
    return wacc_wasi3_run_with(w, s, a, &h, NULL, NULL, err);
}

int wacc_wasi3_run_with(wacc_wasi3 *w, wacc_store *s, wacc_artifact *a, const wacc_component_host *h,
                        void (*bind)(void *ud, wacc_store *s, wacc_cinstance *ci), void *ud,
                        char err[WACC_ERR_LEN])
{
    wacc_wasi2_set_store(w->w2, s);
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    err[0] = 0;
    int status;
    wacc_cinstance *ci = wacc_component_instantiate(s, a, h, &trap, err);
    if (!ci) {
        if (trap.code == WACC_TRAP_EXIT)
            return wacc_wasi3_exited(w, &status) ? status : trap.exit_status;
        if (trap.code != WACC_TRAP_NONE)
            snprintf(err, WACC_ERR_LEN, "%s", trap.message[0] ? trap.message : wacc_trap_name(trap.code));
        return -1;
    }
    wacc_cfunc *run = find_run(ci, true);
    if (!run)
        run = find_run(ci, false);
    if (!run) {
        snprintf(err, WACC_ERR_LEN, "the component does not export wasi:cli/run@0.3.x or 0.2.x (use --invoke)");
        wacc_cinstance_free(ci);
        return -2;
    }
    wacc_wasi3_bind(w, ci);
    if (bind)
        bind(ud, s, ci);
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc_cval res;
    memset(&res, 0, sizeof res);
    const wacc_ctype *rt = wacc_cfunc_result(run);
    if (!wacc_component_call(s, run, NULL, 0, &res, rt ? 1 : 0, &arena, &trap)) {
        if (trap.code == WACC_TRAP_EXIT) {
            status = wacc_wasi3_exited(w, &status) ? status : trap.exit_status;
        } else {
            snprintf(err, WACC_ERR_LEN, "%s", trap.message[0] ? trap.message : wacc_trap_name(trap.code));
            status = -1;
        }
    } else {
        status = rt && res.n != 0 ? 1 : 0;
        /* output the guest handed over before returning (stdout bytes
         * still in flight) */
        if (wacc_cinstance_poll(ci, &trap) && status == 0)
            status = 1;
    }
    wacc_arena_fini(&arena);
    if (bind)
        bind(ud, NULL, NULL);
    wacc_wasi3_bind(w, NULL);
    wacc_cinstance_free(ci);
    return status;
}
