/*
 * component_call.c — calls across the Canonical ABI, done by the runtime
 * with abi-glue (no generated adapters yet):
 *
 *   canon lift   wacc__cfunc_invoke on a lifted function: lower the values
 *                into the callee (realloc through wacc_call), call the core
 *                function, lift the result, check borrows, post-return
 *   canon lower  a host function with the flattened core signature: lift
 *                the arguments from the caller (flat values / its memory),
 *                invoke the target (host callback or another instance's
 *                lifted function: component-to-component calls go through
 *                host values), lower the result back
 *   resource.new/drop/rep   host functions on the instance's handle table
 *   error-context.new/debug-message/drop   likewise (error-contexts share
 *                the handle table; their messages live in the instance arena)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component_internal.h"

void wacc__refresh(wacc_abi_cx *cx, const copts *o)
{
    if (o->memory) {
        cx->mem = wacc_memory_data(o->memory);
        cx->mem_size = wacc_memory_size(o->memory);
    }
}

static int realloc_cb(void *ctx, wacc_abi_cx *cx, uint64_t old_ptr, uint64_t old_size,
                      uint64_t align, uint64_t new_size, uint64_t *new_ptr)
{
    wacc__rctx *r = ctx;
    wacc_val a[4], res;
    memset(a, 0, sizeof a);
    memset(&res, 0, sizeof res);
    uint64_t in[4] = { old_ptr, old_size, align, new_size };
    for (int i = 0; i < 4; i++) {
        if (r->o->mem64)
            a[i].i64 = (int64_t)in[i];
        else
            a[i].i32 = (int32_t)in[i];
    }
    wacc_trap t;
    atask task;
    if (r->f)
        wacc__sync_enter(r->f, &task);
    bool ok = wacc_call(r->s, r->o->realloc, a, 4, &res, 1, &t);
    if (r->f)
        wacc__sync_leave(r->f, &task);
    if (!ok)
        return t.code != WACC_TRAP_NONE ? (int)t.code : WACC_TRAP_HOST;
    *new_ptr = r->o->mem64 ? (uint64_t)res.i64 : (uint32_t)res.i32;
    wacc__refresh(cx, r->o);
    return 0;
}

void wacc__setup_cx(wacc_abi_cx *cx, wacc__rctx *r, cframe *f, const copts *o, wacc_arena *arena)
{
    wacc_abi_cx_init(cx);
    wacc__refresh(cx, o);
    cx->string_encoding = o->encoding;
    cx->mem64 = o->mem64;
    r->f = f;
    if (o->realloc) {
        cx->realloc = realloc_cb;
        cx->realloc_ctx = r;
    }
    cx->inst = &f->abi;
    cx->arena = arena;
}

uint32_t wacc__abi_trap(const wacc_abi_cx *cx, int e, wacc_trap *trap)
{
    uint32_t code = e == WACC_ABI_E_REALLOC || e == WACC_ABI_E_DTOR ? (uint32_t)cx->trap
                                                                   : WACC_TRAP_COMPONENT;
    if (code == WACC_TRAP_NONE)
        code = WACC_TRAP_COMPONENT;
    if (trap) {
        trap->code = code;
        trap->func_index = UINT32_MAX;
        trap->wasm_offset = 0;
        snprintf(trap->message, sizeof trap->message, "trap: %s",
                 cx->msg[0] ? cx->msg : wacc_abi_err_name(e));
    }
    return code;
}

uint32_t wacc__simple_trap(wacc_trap *trap, uint32_t code, const char *msg)
{
    if (trap) {
        trap->code = code;
        trap->func_index = UINT32_MAX;
        trap->wasm_offset = 0;
        snprintf(trap->message, sizeof trap->message, "trap: %s", msg);
    }
    return code;
}

/* A trap raised from a host function loses its message on the way out
 * (only the code crosses wasm frames): keep the reason in the instance. */
uint32_t wacc__note(cframe *f, uint32_t code, const char *msg)
{
    if (code && msg && msg[0]) {
        size_t n = strnlen(msg, sizeof f->ci->msg - 1);
        memcpy(f->ci->msg, msg, n);
        f->ci->msg[n] = 0;
    }
    return code;
}

void wacc__take_note(cframe *f, wacc_trap *t)
{
    if (t->code == WACC_TRAP_COMPONENT && f->ci->msg[0])
        snprintf(t->message, sizeof t->message, "trap: %s", f->ci->msg);
}

/* ---- lifted functions ---- */

/* The lifted call itself (call_lifted wraps it in a synchronous task, whose
 * thread the built-ins it calls see: context.get/set, blocking checks). */
static uint32_t call_lifted_task(wacc_store *s, struct wacc_cfunc *F, const wacc_cval *args,
                                 wacc_cval *result, wacc_arena *arena, wacc_trap *trap)
{
    cframe *f = F->f;
    if (!f->abi.may_enter)
        return wacc__simple_trap(trap, WACC_TRAP_COMPONENT, "cannot enter component instance");
    const wacc_core_functype *ft = &F->ft;
    wacc__rctx r = { s, &F->opts, NULL };
    wacc_abi_cx cx;
    wacc__setup_cx(&cx, &r, f, &F->opts, arena);
    wacc_task task;
    wacc_task_init(&task);
    cx.task = &task;
    wacc_val flat[WACC_ABI_MAX_FLAT_PARAMS + 1], res[WACC_ABI_MAX_FLAT_PARAMS + 1];
    uint32_t nflat = 0;
    /* Only the slots the core signature uses (the arrays are hot-path locals). */
    memset(flat, 0, (ft->nparams < WACC_ABI_MAX_FLAT_PARAMS + 1 ? ft->nparams
                                                               : WACC_ABI_MAX_FLAT_PARAMS + 1) * sizeof *flat);
    memset(res, 0, ft->nresults * sizeof *res);
    int e = wacc_abi_lower_values(&cx, WACC_ABI_MAX_FLAT_PARAMS, args, F->params, F->nparams, flat,
                                  WACC_ABI_MAX_FLAT_PARAMS + 1, &nflat, NULL);
    if (e)
        return wacc__abi_trap(&cx, e, trap);
    f->abi.may_enter = false;
    wacc_trap t;
    bool ok = wacc_call(s, F->core, flat, nflat, res, ft->nresults, &t);
    if (!ok) {
        f->abi.may_enter = true;
        wacc__take_note(f, &t);
        if (trap)
            *trap = t;
        return t.code != WACC_TRAP_NONE ? t.code : WACC_TRAP_HOST;
    }
    wacc__refresh(&cx, &F->opts);
    uint32_t pos = 0;
    if (F->result)
        e = wacc_abi_lift_values(&cx, WACC_ABI_MAX_FLAT_RESULTS, res, ft->nresults, &pos, &F->result, 1,
                                 result);
    if (!e)
        e = wacc_task_return(&task, cx.msg, sizeof cx.msg);
    if (e) {
        f->abi.may_enter = true;
        return wacc__abi_trap(&cx, e, trap);
    }
    if (F->opts.post_return) {
        f->abi.may_leave = false;
        ok = wacc_call(s, F->opts.post_return, res, ft->nresults, NULL, 0, &t);
        f->abi.may_leave = true;
        if (!ok) {
            f->abi.may_enter = true;
            wacc__take_note(f, &t);
            if (trap)
                *trap = t;
            return t.code != WACC_TRAP_NONE ? t.code : WACC_TRAP_HOST;
        }
    }
    f->abi.may_enter = true;
    return 0;
}

static uint32_t call_lifted(wacc_store *s, struct wacc_cfunc *F, const wacc_cval *args,
                            wacc_cval *result, wacc_arena *arena, wacc_trap *trap)
{
    atask task;
    wacc__sync_enter(F->f, &task);
    uint32_t code = call_lifted_task(s, F, args, result, arena, trap);
    wacc__sync_leave(F->f, &task);
    return code;
}

uint32_t wacc__cfunc_invoke(wacc_store *s, struct wacc_cfunc *F, const wacc_cval *args,
                            uint32_t nargs, wacc_cval *result, wacc_arena *arena, wacc_trap *trap)
{
    if (nargs != F->nparams) {
        char m[120];
        snprintf(m, sizeof m, "function takes %u arguments, given %u", F->nparams, nargs);
        return wacc__simple_trap(trap, WACC_TRAP_HOST, m);
    }
    if (F->kind == CF_LIFTED && (F->async_ft || F->async_opt))
        return wacc__async_invoke(s, F, args, result, arena, trap);
    if (F->kind == CF_LIFTED)
        return call_lifted(s, F, args, result, arena, trap);
    wacc_cval r;
    memset(&r, 0, sizeof r);
    uint32_t code = F->fn(F->data, args, nargs, &r, arena);
    if (code)
        return wacc__simple_trap(trap, code, wacc_trap_name(code));
    if (F->result && result)
        *result = r;
    return 0;
}

bool wacc_component_call(wacc_store *s, wacc_cfunc *f, const struct wacc_cval *args,
                         uint32_t nargs, struct wacc_cval *result, uint32_t nresults,
                         struct wacc_arena *arena, wacc_trap *trap)
{
    wacc_trap tmp;
    if (!trap)
        trap = &tmp;
    /* Not the whole struct (528 bytes, hot path): message is filled on a trap. */
    trap->code = WACC_TRAP_NONE;
    trap->func_index = UINT32_MAX;
    trap->wasm_offset = 0;
    trap->exit_status = 0;
    trap->message[0] = 0;
    if (nresults != (f->result ? 1u : 0u))
        return wacc__simple_trap(trap, WACC_TRAP_HOST, "wrong number of results") == 0;
    wacc_cval r;
    memset(&r, 0, sizeof r);
    wacc_cinstance *ci = f->f ? f->f->ci : NULL;
    if (!ci) {                          /* a host function */
        if (wacc__cfunc_invoke(s, f, args, nargs, &r, arena, trap))
            return false;
        if (nresults)
            *result = r;
        return true;
    }
    ci->msg[0] = 0;
    /* A trap unwinds past fused adapters, which leave the flags of the
     * frames they entered as they were: an outermost call resets them all;
     * a nested one (from a host function) puts back what it found. */
    uint8_t small[64];
    uint8_t *saved = NULL;
    uint32_t nframes = 0;
    if (ci->depth) {
        for (cframe *fr = ci->frames; fr; fr = fr->next_frame)
            nframes++;
        saved = nframes * 2 <= sizeof small ? small : malloc((size_t)nframes * 2);
        if (!saved)
            return wacc__simple_trap(trap, WACC_TRAP_OUT_OF_MEMORY, "out of memory") == 0;
        uint32_t k = 0;
        for (cframe *fr = ci->frames; fr; fr = fr->next_frame, k += 2) {
            saved[k] = fr->abi.may_enter;
            saved[k + 1] = fr->abi.may_leave;
        }
    }
    ci->depth++;
    uint32_t code = wacc__cfunc_invoke(s, f, args, nargs, &r, arena, trap);
    ci->depth--;
    if (code) {
        uint32_t k = 0;
        for (cframe *fr = ci->frames; fr; fr = fr->next_frame, k += 2) {
            fr->abi.may_enter = saved ? saved[k] : true;
            fr->abi.may_leave = saved ? saved[k + 1] : true;
        }
    }
    if (saved && saved != small)
        free(saved);
    if (code && ci->depth == 0 && ci->scoped)
        wacc__adapter_reset(ci);
    if (code)
        return false;
    if (nresults)
        *result = r;
    return true;
}

/* ---- lowered functions ---- */

typedef struct clower {
    cframe *f;                  /* the lowering (calling) instance */
    struct wacc_cfunc *target;
    copts o;
    wacc_core_functype ft;
} clower;

static uint32_t lower_call(void *data, wacc_val *vals)
{
    clower *L = data;
    struct wacc_cfunc *F = L->target;
    cframe *f = L->f;
    wacc_store *s = f->ci->store;
    if (!f->abi.may_leave)
        return wacc__note(f, WACC_TRAP_COMPONENT, "cannot leave component instance");
    if (F->kind == CF_LIFTED && F->f == f)      /* lower of its own lift: reentrance */
        return wacc__note(f, WACC_TRAP_COMPONENT, "cannot enter component instance");
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc__rctx r = { s, &L->o, NULL };
    wacc_abi_cx cx;
    wacc__setup_cx(&cx, &r, f, &L->o, &arena);
    /* Plain lists as byte buffers when the target takes them: another
     * component (lowering accepts them) or a host that said so. */
    cx.list_bytes = F->kind == CF_LIFTED || f->ci->host.list_bytes;
    wacc_subtask st;
    wacc_subtask_init(&st, &f->abi);
    cx.subtask = &st;
    uint32_t code = 0, pos = 0;
    wacc_cval *args = wacc_arena_alloc(&arena, (F->nparams + 1) * sizeof *args);
    wacc_cval res;
    memset(&res, 0, sizeof res);
    uint64_t outp = 0;
    if (L->ft.results_spilled)
        outp = L->o.mem64 ? (uint64_t)vals[L->ft.nparams - 1].i64
                          : (uint32_t)vals[L->ft.nparams - 1].i32;
    wacc_trap t;
    int e = args ? wacc_abi_lift_values(&cx, WACC_ABI_MAX_FLAT_PARAMS, vals, L->ft.nparams, &pos,
                                        F->params, F->nparams, args)
                 : WACC_ABI_E_OOM;
    /* --trace-calls: the host brackets component -> component calls */
    const wacc_component_host *h = &f->ci->host;
    bool traced = h->call_begin && F->kind == CF_LIFTED && F->f && F->f != f;
    void *token = traced ? h->call_begin(h->ud, F->name ? F->name : "(unnamed)", f->label, F->f->label)
                         : NULL;
    if (e)
        code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
    else if ((code = wacc__cfunc_invoke(s, F, args, F->nparams, &res, &arena, &t)) != 0)
        wacc__note(f, code, strncmp(t.message, "trap: ", 6) == 0 ? t.message + 6 : t.message);
    if (traced && h->call_end)
        h->call_end(h->ud, token, code);
    if (!code && F->result) {
        uint32_t nout = 0;
        wacc__refresh(&cx, &L->o);
        e = wacc_abi_lower_values(&cx, WACC_ABI_MAX_FLAT_RESULTS, &res, &F->result, 1, vals,
                                  L->ft.nresults ? L->ft.nresults : 1, &nout,
                                  L->ft.results_spilled ? &outp : NULL);
        if (e)
            code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
    }
    if (!code)
        wacc_subtask_deliver_resolve(&st);
    else
        wacc_subtask_fini(&st);
    wacc_arena_fini(&arena);
    return code;
}

wacc_func *wacc__host_func(cframe *f, const uint8_t *params, uint32_t np, const uint8_t *results,
                            uint32_t nr, wacc_host_fn fn, void *data)
{
    wacc_functype ft = { np, nr, params, results };
    return wacc_func_new_host(f->ci->store, &ft, fn, data);
}

wacc_func *wacc__canon_lower(cframe *f, struct wacc_cfunc *target, const copts *o)
{
    wacc_core_functype ft;
    wacc_flatten_functype(target->params, target->nparams, target->result, o->mem64, false, false,
                          WACC_ABI_LOWER, &ft);
    wacc_func *fused = wacc__adapter_lower(f, target, o, &ft);
    if (fused)
        return fused;
    clower *L = wacc_arena_alloc(&f->ci->arena, sizeof *L);
    if (!L)
        return NULL;
    memset(L, 0, sizeof *L);
    L->f = f;
    L->target = target;
    L->o = *o;
    L->ft = ft;
    return wacc__host_func(f, L->ft.params, L->ft.nparams, L->ft.results, L->ft.nresults, lower_call, L);
}

/* ---- resources ---- */

typedef struct cres {
    cframe *f;
    wacc_resource_type *rt;
    bool rep64;
} cres;

static uint32_t res_new(void *data, wacc_val *v)
{
    cres *r = data;
    uint32_t idx;
    char msg[160];
    msg[0] = 0;
    uint64_t rep = r->rep64 ? (uint64_t)v[0].i64 : (uint32_t)v[0].i32;
    /* handle tables keep 32-bit representations */
    if (rep > UINT32_MAX)
        return wacc__note(r->f, WACC_TRAP_COMPONENT, "resource representation over 32 bits is not supported");
    if (wacc_resource_new(&r->f->abi, r->rt, (uint32_t)rep, &idx, msg, sizeof msg))
        return wacc__note(r->f, WACC_TRAP_COMPONENT, msg);
    v[0].i64 = 0;
    v[0].i32 = (int32_t)idx;
    return 0;
}

static uint32_t res_drop(void *data, wacc_val *v)
{
    cres *r = data;
    int trap = 0;
    char msg[160];
    msg[0] = 0;
    int e = wacc_resource_drop(&r->f->abi, r->rt, (uint32_t)v[0].i32, &trap, msg, sizeof msg);
    if (e)
        return wacc__note(r->f, e == WACC_ABI_E_DTOR && trap ? (uint32_t)trap : WACC_TRAP_COMPONENT, msg);
    return 0;
}

static uint32_t res_rep(void *data, wacc_val *v)
{
    cres *r = data;
    uint32_t rep;
    char msg[160];
    msg[0] = 0;
    if (wacc_resource_rep(&r->f->abi, r->rt, (uint32_t)v[0].i32, &rep, msg, sizeof msg))
        return wacc__note(r->f, WACC_TRAP_COMPONENT, msg);
    if (r->rep64)
        v[0].i64 = (int64_t)rep;
    else
        v[0].i32 = (int32_t)rep;
    return 0;
}

wacc_func *wacc__canon_resource(cframe *f, uint8_t op, wacc_resource_type *rt, bool rep64)
{
    static const uint8_t i32[1] = { WACC_I32 }, i64[1] = { WACC_I64 };
    const uint8_t *rept = rep64 ? i64 : i32;
    cres *r = wacc_arena_alloc(&f->ci->arena, sizeof *r);
    if (!r)
        return NULL;
    r->f = f;
    r->rt = rt;
    r->rep64 = rep64;
    switch (op) {
    case WACC_CANON_RESOURCE_NEW: return wacc__host_func(f, rept, 1, i32, 1, res_new, r);
    case WACC_CANON_RESOURCE_DROP: return wacc__host_func(f, i32, 1, NULL, 0, res_drop, r);
    default: return wacc__host_func(f, i32, 1, rept, 1, res_rep, r);
    }
}

int wacc__resource_dtor(void *ctx, uint32_t rep)
{
    struct cdtor *c = ctx;
    wacc_val a;
    memset(&a, 0, sizeof a);
    a.i64 = (int64_t)rep;     /* zero-extended: an i32 or i64 representation */
    wacc_trap t;
    if (!wacc_call(c->s, c->fn, &a, 1, NULL, 0, &t))
        return t.code != WACC_TRAP_NONE ? (int)t.code : WACC_TRAP_HOST;
    return 0;
}

/* ---- error-context ---- */

/* An error-context: its debug message (UTF-8), immutable; owned by the
 * instance graph's arena (handles in any of its tables may refer to it). */
typedef struct cerrctx {
    uint32_t len;
    char msg[];
} cerrctx;

typedef struct cerr {
    cframe *f;
    copts o;
} cerr;

static uint64_t flat_addr(const copts *o, const wacc_val *v)
{
    return o->mem64 ? (uint64_t)v->i64 : (uint32_t)v->i32;
}

static uint32_t ec_new(void *data, wacc_val *v)
{
    cerr *c = data;
    cframe *f = c->f;
    if (!f->abi.may_leave)
        return wacc__note(f, WACC_TRAP_COMPONENT, "cannot leave component instance (error-context.new)");
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc__rctx r = { f->ci->store, &c->o, NULL };
    wacc_abi_cx cx;
    wacc__setup_cx(&cx, &r, f, &c->o, &arena);
    wacc_cval str;
    uint32_t code = 0, idx = 0;
    int e = wacc_abi_load_string(&cx, flat_addr(&c->o, &v[0]), flat_addr(&c->o, &v[1]), &str);
    if (e) {
        code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
    } else {
        cerrctx *ec = wacc_arena_alloc(&f->ci->arena, sizeof *ec + str.n + 1);
        char msg[160];
        msg[0] = 0;
        if (!ec) {
            code = wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory (error-context.new)");
        } else {
            ec->len = str.n;
            if (str.n)
                memcpy(ec->msg, str.x.str, str.n);
            ec->msg[str.n] = 0;
            wacc_handle h;
            memset(&h, 0, sizeof h);
            h.kind = WACC_HANDLE_ERROR_CONTEXT;
            h.obj = ec;
            if (wacc_htable_add(&f->abi.handles, &h, &idx, msg, sizeof msg))
                code = wacc__note(f, WACC_TRAP_COMPONENT, msg);
        }
    }
    wacc_arena_fini(&arena);
    if (!code) {
        v[0].i64 = 0;
        v[0].i32 = (int32_t)idx;
    }
    return code;
}

static cerrctx *ec_get(cframe *f, uint32_t i, const char *op, uint32_t *code)
{
    wacc_handle *h = wacc_htable_get(&f->abi.handles, i);
    if (!h || h->kind != WACC_HANDLE_ERROR_CONTEXT) {
        char m[120];
        snprintf(m, sizeof m, "%s: handle index %u is not an error-context", op, i);
        *code = wacc__note(f, WACC_TRAP_COMPONENT, m);
        return NULL;
    }
    return h->obj;
}

static void put_addr(uint8_t *p, uint64_t x, bool mem64)
{
    for (int k = 0; k < (mem64 ? 8 : 4); k++)
        p[k] = (uint8_t)(x >> (8 * k));
}

static uint32_t ec_debug_message(void *data, wacc_val *v)
{
    cerr *c = data;
    cframe *f = c->f;
    if (!f->abi.may_leave)
        return wacc__note(f, WACC_TRAP_COMPONENT, "cannot leave component instance (error-context.debug-message)");
    uint32_t code = 0;
    cerrctx *ec = ec_get(f, (uint32_t)v[0].i32, "error-context.debug-message", &code);
    if (!ec)
        return code;
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc__rctx r = { f->ci->store, &c->o, NULL };
    wacc_abi_cx cx;
    wacc__setup_cx(&cx, &r, f, &c->o, &arena);
    wacc_cval str = wacc_cval_string(ec->msg, ec->len);
    uint64_t ptr = flat_addr(&c->o, &v[1]), sp = 0, units = 0, ps = c->o.mem64 ? 8 : 4;
    int e = wacc_abi_store_string(&cx, &str, &sp, &units);
    if (e) {
        code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
    } else if (ptr > cx.mem_size || cx.mem_size - ptr < 2 * ps) {
        char m[120];
        snprintf(m, sizeof m, "error-context.debug-message: out of bounds pointer %llu",
                 (unsigned long long)ptr);
        code = wacc__note(f, WACC_TRAP_COMPONENT, m);
    } else {
        put_addr(cx.mem + ptr, sp, c->o.mem64);
        put_addr(cx.mem + ptr + ps, units, c->o.mem64);
    }
    wacc_arena_fini(&arena);
    return code;
}

static uint32_t ec_drop(void *data, wacc_val *v)
{
    cerr *c = data;
    cframe *f = c->f;
    if (!f->abi.may_leave)
        return wacc__note(f, WACC_TRAP_COMPONENT, "cannot leave component instance (error-context.drop)");
    uint32_t code = 0, i = (uint32_t)v[0].i32;
    if (!ec_get(f, i, "error-context.drop", &code))
        return code;
    char msg[160];
    msg[0] = 0;
    if (wacc_htable_remove(&f->abi.handles, i, NULL, msg, sizeof msg))
        return wacc__note(f, WACC_TRAP_COMPONENT, msg);
    return 0;
}

wacc_func *wacc__canon_error_context(cframe *f, uint8_t op, const copts *o)
{
    static const uint8_t i32[1] = { WACC_I32 };
    uint8_t a = o->mem64 ? WACC_I64 : WACC_I32;
    const uint8_t p_new[2] = { a, a }, p_msg[2] = { WACC_I32, a };
    cerr *c = wacc_arena_alloc(&f->ci->arena, sizeof *c);
    if (!c)
        return NULL;
    c->f = f;
    c->o = *o;
    switch (op) {
    case WACC_CANON_ERROR_CONTEXT_NEW: return wacc__host_func(f, p_new, 2, i32, 1, ec_new, c);
    case WACC_CANON_ERROR_CONTEXT_DEBUG_MESSAGE: return wacc__host_func(f, p_msg, 2, NULL, 0, ec_debug_message, c);
    default: return wacc__host_func(f, i32, 1, NULL, 0, ec_drop, c);
    }
}
