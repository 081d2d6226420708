/*
 * component_adapter.c — fused adapters (wacc/abi.h "Fused adapters (k2)").
 *
 * When a frame lowers a function that another frame of the same component
 * instance lifted, and the artifact has a compiled adapter for the
 * function type and both string encodings (its key, abi-glue
 * wacc_adapter_key), the lowered core function is that adapter: a
 * funcref whose vmctx is a struct wacc_adapter_ctx allocated here. The
 * generated code moves the values from one memory to the other and calls
 * back into the runtime only for the services below (traps, pointer checks,
 * allocation, strings and lists), which check and report exactly what the
 * generic path (component_call.c with abi-glue) checks and reports.
 *
 * WACC_NO_FUSE=1 (read at instantiation) keeps the generic path for every
 * call; WACC_FUSE_TRACE=1 prints each candidate lowering's key and whether
 * the artifact has its adapter.
 *
 * Traps unwind past the adapter (wacc__raise: longjmp to the nearest
 * wacc_call entry); the message goes to the instance's msg, where the
 * generic path records it, and wacc_component_call restores the frames'
 * may_enter/may_leave flags.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component_internal.h"
#include "abi_internal.h"           /* abi-glue: abi_utf8_valid */

#define CALLER WACC_ADAPTER_CALLER
#define CALLEE WACC_ADAPTER_CALLEE
#define UTF16_TAG (1u << 31)

_Static_assert(sizeof(bool) == 1, "wacc_cinst flags are exposed as uint8_t");

/* The ctx and the runtime's private part (ctx.runtime points back here). */
typedef struct afused {
    struct wacc_adapter_ctx cx;     /* first: the funcref's vmctx */
    cframe *frame[2];               /* [side]: lowering (caller), lifting (callee) frame */
    wacc_memory_obj *mem[2];
    wacc_func *realloc[2];
    uint8_t enc[2];
    /* Handles: the key's resource numbers bound to the lowered function's
     * resource types, as own/borrow types (ops->handle's res). */
    uint32_t nres;
    const wacc_ctype **own_t, **borrow_t;
    /* The borrow scopes of the active call (ops->call_begin .. call_end):
     * the callee's Task (borrows lowered into it) and the caller's Subtask
     * (its lent handles). active: begun and not ended (a trap skips the
     * end: the next begin or wacc__adapter_reset drops it). */
    wacc_task task;
    wacc_subtask st;
    bool active;
    wacc_abi_cx hcx[2];             /* [side]: abi-glue contexts of the handle rules */
    struct afused *next_scoped;     /* ci->scoped list */
} afused;

static afused *self(struct wacc_adapter_ctx *cx)
{
    return (afused *)cx;
}

/* ---- traps ---- */

/* Records the reason where the generic path records it (the instance's
 * msg, turned into the trap message by the wacc_call entry that catches
 * it) and unwinds. */
static _Noreturn void fail(afused *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static _Noreturn void fail(afused *a, const char *fmt, ...)
{
    wacc_cinstance *ci = a->frame[CALLER]->ci;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ci->msg, sizeof ci->msg, fmt, ap);
    va_end(ap);
    wacc__raise(NULL, WACC_TRAP_COMPONENT, UINT32_MAX, 0);
}

static void op_trap(struct wacc_adapter_ctx *cx, uint32_t reason, uint32_t value)
{
    afused *a = self(cx);
    switch (reason) {
    case WACC_ADAPTER_TRAP_CANNOT_LEAVE: fail(a, "cannot leave component instance");
    case WACC_ADAPTER_TRAP_CANNOT_ENTER: fail(a, "cannot enter component instance");
    case WACC_ADAPTER_TRAP_CHAR: fail(a, "invalid `char` bit pattern 0x%x", value);
    case WACC_ADAPTER_TRAP_DISCRIMINANT:
        fail(a, "invalid variant discriminant: discriminant %u out of range", value);
    default: fail(a, "fused adapter trap %u (value %u)", reason, value);
    }
}

/* ---- memory ---- */

static uint64_t mem_size(const afused *a, uint32_t side)
{
    return a->mem[side] ? a->mem[side]->m.size : 0;
}

static uint8_t *mem_base(const afused *a, uint32_t side)
{
    return a->mem[side] ? a->mem[side]->m.base : NULL;
}

static bool fits(const afused *a, uint32_t side, uint64_t ptr, uint64_t len)
{
    uint64_t size = mem_size(a, side);
    return len <= size && ptr <= size - len;
}

static void op_check(struct wacc_adapter_ctx *cx, uint32_t side, uint32_t ptr, uint32_t size,
                     uint32_t align)
{
    afused *a = self(cx);
    side &= 1;
    if (!a->mem[side])
        fail(a, "spilled values needs a memory option");
    if (align > 1 && (ptr & (align - 1)))
        fail(a, "unaligned pointer: spilled values pointer %u not aligned to %u", ptr, align);
    if (!fits(a, side, ptr, size))
        fail(a, "spilled values out-of-bounds: [%u, +%u) in memory of %llu bytes", ptr, size,
             (unsigned long long)mem_size(a, side));
}

/* side's realloc(old, old_size, align, new_size), called directly through
 * its array-call entry (a trap in it unwinds from here); may_leave is false
 * around it as the spec requires. */
static uint32_t call_realloc(afused *a, uint32_t side, uint32_t old, uint32_t old_size,
                             uint32_t align, uint32_t new_size)
{
    wacc_func *r = a->realloc[side];
    if (!r || !a->mem[side])
        fail(a, "allocation needed but no realloc/memory option");
    wacc_cinst *inst = &a->frame[side]->abi;
    if (!inst->may_leave)
        fail(a, "cannot leave component instance (realloc during realloc or post-return)");
    wacc_val v[4];
    memset(v, 0, sizeof v);
    v[0].i32 = (int32_t)old;
    v[1].i32 = (int32_t)old_size;
    v[2].i32 = (int32_t)align;
    v[3].i32 = (int32_t)new_size;
    inst->may_leave = false;
    const struct wacc_funcref *ref = r->ref;
    /* as on the generic path, realloc runs in a fresh thread context
     * (only async adapters reach here with such a frame) */
    cframe *rf = a->frame[side];
    atask task;
    if (rf->uses_context)
        wacc__sync_enter(rf, &task);
    ref->array_call(ref->vmctx, ref->code, v);
    if (rf->uses_context)
        wacc__sync_leave(rf, &task);
    inst->may_leave = true;
    return (uint32_t)v[0].i32;
}

/* The checks after a realloc (abi-glue abi_check_realloc). */
static void check_realloc(afused *a, uint32_t side, uint32_t ptr, uint32_t align, uint64_t len)
{
    if (align > 1 && (ptr & (align - 1)))
        fail(a, "realloc return: result not aligned (%u, alignment %u)", ptr, align);
    if (!fits(a, side, ptr, len))
        fail(a, "realloc return: beyond end of memory ([%u, +%llu))", ptr, (unsigned long long)len);
}

static uint32_t op_alloc(struct wacc_adapter_ctx *cx, uint32_t side, uint32_t align, uint32_t size)
{
    afused *a = self(cx);
    side &= 1;
    uint32_t p = call_realloc(a, side, 0, 0, align, size);
    check_realloc(a, side, p, align, size);
    return p;
}

/* ---- strings ---- */

/* abi-glue's realloc callback for the transcoding path. */
typedef struct sctx {
    afused *a;
    uint32_t side;
} sctx;

static int string_realloc(void *ctx, wacc_abi_cx *cx, uint64_t old_ptr, uint64_t old_size,
                          uint64_t align, uint64_t new_size, uint64_t *new_ptr)
{
    sctx *s = ctx;
    afused *a = s->a;
    /* wacc_abi_realloc has done the may_leave dance; call it directly */
    wacc_val v[4];
    memset(v, 0, sizeof v);
    v[0].i32 = (int32_t)old_ptr;
    v[1].i32 = (int32_t)old_size;
    v[2].i32 = (int32_t)align;
    v[3].i32 = (int32_t)new_size;
    const struct wacc_funcref *ref = a->realloc[s->side]->ref;
    ref->array_call(ref->vmctx, ref->code, v);
    *new_ptr = (uint32_t)v[0].i32;
    cx->mem_size = mem_size(a, s->side);
    return 0;
}

static void side_cx(afused *a, uint32_t side, wacc_abi_cx *cx, wacc_arena *arena)
{
    wacc_abi_cx_init(cx);
    cx->mem = mem_base(a, side);
    cx->mem_size = mem_size(a, side);
    cx->string_encoding = a->enc[side];
    cx->inst = &a->frame[side]->abi;
    cx->arena = arena;
}

/* The general case (different encodings, or a latin1+utf16 string in its
 * utf16 form, which may be compacted): abi-glue's load_string_from_range
 * into the instance's scratch arena, then store_string_into_range with the
 * same realloc sequence as the generic path. */
static uint64_t string_transcode(afused *a, uint32_t to, uint32_t ptr, uint32_t len)
{
    uint32_t from = to ^ 1;
    wacc_arena *ar = &a->frame[CALLER]->ci->scratch;
    wacc_arena_reset(ar);
    wacc_abi_cx src;
    side_cx(a, from, &src, ar);
    wacc_cval v;
    int e = wacc_abi_load_string(&src, ptr, len, &v);
    if (e)
        fail(a, "%s", src.msg[0] ? src.msg : wacc_abi_err_name(e));
    sctx s = { a, to };
    wacc_abi_cx dst;
    side_cx(a, to, &dst, ar);
    if (a->realloc[to]) {
        dst.realloc = string_realloc;
        dst.realloc_ctx = &s;
    }
    uint64_t rp = 0, rcu = 0;
    e = wacc_abi_store_string(&dst, &v, &rp, &rcu);
    if (e)
        fail(a, "%s", dst.msg[0] ? dst.msg : wacc_abi_err_name(e));
    return (uint32_t)rp | (uint64_t)(uint32_t)rcu << 32;
}

/* abi-glue's validator after an ASCII prefix skipped 32 bytes at a time
 * (a prefix of ASCII bytes ends on a character boundary). */
static bool utf8_valid(const uint8_t *s, uint64_t n)
{
    uint64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, s + i, sizeof w);
        if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull)
            break;
    }
    return abi_utf8_valid(s + i, n - i);
}

static bool utf16_valid(const uint8_t *s, uint32_t units)
{
    for (uint32_t i = 0; i < units; i++) {
        uint16_t u;
        memcpy(&u, s + 2 * (size_t)i, 2);
        if (u < 0xD800 || u > 0xDFFF)
            continue;
        if (u > 0xDBFF || i + 1 >= units)
            return false;
        memcpy(&u, s + 2 * (size_t)i + 2, 2);
        if (u < 0xDC00 || u > 0xDFFF)
            return false;
        i++;
    }
    return true;
}

static uint64_t op_string(struct wacc_adapter_ctx *cx, uint32_t to, uint32_t ptr, uint32_t len)
{
    afused *a = self(cx);
    to &= 1;
    uint32_t from = to ^ 1;
    uint8_t enc = a->enc[from];
    if (enc != a->enc[to] || !a->mem[from] || !a->mem[to] || !a->realloc[to] ||
        (enc == WACC_STRENC_LATIN1_UTF16 && (len & UTF16_TAG)))
        return string_transcode(a, to, ptr, len);    /* also reports every error */
    /* Same encoding: checks, validation, one copy. */
    uint64_t bytes = enc == WACC_STRENC_UTF16 ? 2 * (uint64_t)len : len;
    uint32_t align = enc == WACC_STRENC_UTF8 ? 1 : 2;
    if (bytes > WACC_ABI_MAX_STRING_BYTE_LENGTH || (ptr & (align - 1)) ||
        !fits(a, from, ptr, bytes))
        return string_transcode(a, to, ptr, len);
    const uint8_t *src = mem_base(a, from) + ptr;
    if (enc == WACC_STRENC_UTF8 ? !utf8_valid(src, bytes)
                                : enc == WACC_STRENC_UTF16 && !utf16_valid(src, len))
        return string_transcode(a, to, ptr, len);
    /* store_string_copy: realloc(0, 0, align, bytes), checked (latin1+utf16
     * keeps alignment 2 for its one-byte units) */
    uint32_t dst = call_realloc(a, to, 0, 0, align, (uint32_t)bytes);
    check_realloc(a, to, dst, align, bytes);
    memcpy(mem_base(a, to) + dst, mem_base(a, from) + ptr, bytes);
    return dst | (uint64_t)len << 32;
}

/* ---- lists ---- */

static uint32_t op_list(struct wacc_adapter_ctx *cx, uint32_t to, uint32_t ptr, uint32_t n,
                        uint32_t elem_size, uint32_t align, uint32_t copy)
{
    afused *a = self(cx);
    to &= 1;
    uint32_t from = to ^ 1;
    uint32_t es = elem_size ? elem_size : 1;
    if (!align)
        align = 1;
    /* load_list_from_range */
    if (!a->mem[from])
        fail(a, "list lifted without a memory option");
    if (n > WACC_ABI_MAX_LIST_BYTE_LENGTH / es)
        fail(a, "list of %u elements of %u bytes over the maximum byte length", n, es);
    if (ptr & (align - 1))
        fail(a, "unaligned pointer: list pointer %u not aligned to %u", ptr, align);
    uint64_t bytes = (uint64_t)n * elem_size;
    if (!fits(a, from, ptr, bytes))
        fail(a, "list content out-of-bounds: [%u, +%llu) in memory of %llu bytes", ptr,
             (unsigned long long)bytes, (unsigned long long)mem_size(a, from));
    /* store_list_into_range */
    uint32_t dst = call_realloc(a, to, 0, 0, align, (uint32_t)bytes);
    check_realloc(a, to, dst, align, bytes);
    if (copy && bytes)
        memcpy(mem_base(a, to) + dst, mem_base(a, from) + ptr, bytes);
    return dst;
}

/* ---- handles ---- */

/* The generic path's contexts: the caller's (component_call.c lower_call)
 * lifts with the Subtask as borrow scope, the callee's (call_lifted)
 * lowers borrows into the Task; neither has the other scope. Set up once
 * (installation); only the message is reset per use. */
static void handle_cx_init(afused *a, uint32_t side)
{
    wacc_abi_cx *cx = &a->hcx[side];
    wacc_abi_cx_init(cx);
    cx->inst = &a->frame[side]->abi;
    if (side == CALLER)
        cx->subtask = &a->st;
    else
        cx->task = &a->task;
}

static uint32_t op_handle(struct wacc_adapter_ctx *cx, uint32_t to, uint32_t op, uint32_t res,
                          uint32_t index)
{
    afused *a = self(cx);
    to &= 1;
    if (res >= a->nres || !a->active)
        fail(a, "fused adapter: resource %u used outside a handle call", res);
    bool own = op == WACC_ADAPTER_OWN;
    const wacc_ctype *t = own ? a->own_t[res] : a->borrow_t[res];
    wacc_abi_cx *src = &a->hcx[to ^ 1], *dst = &a->hcx[to];
    src->msg[0] = 0;
    uint32_t rep = 0, out = 0;
    int e = own ? wacc_abi_lift_own(src, index, t, &rep) : wacc_abi_lift_borrow(src, index, t, &rep);
    if (e)
        fail(a, "%s", src->msg[0] ? src->msg : wacc_abi_err_name(e));
    dst->msg[0] = 0;
    e = own ? wacc_abi_lower_own(dst, rep, t, &out) : wacc_abi_lower_borrow(dst, rep, t, &out);
    if (e)
        fail(a, "%s", dst->msg[0] ? dst->msg : wacc_abi_err_name(e));
    return out;
}

static void drop_scope(afused *a)
{
    if (a->active)
        wacc_subtask_fini(&a->st);      /* a trapped call: lends are not returned */
    a->active = false;
}

static void op_call_begin(struct wacc_adapter_ctx *cx)
{
    afused *a = self(cx);
    drop_scope(a);
    wacc_task_init(&a->task);
    wacc_subtask_init(&a->st, &a->frame[CALLER]->abi);
    a->active = true;
}

static void op_call_end(struct wacc_adapter_ctx *cx)
{
    afused *a = self(cx);
    char msg[160];
    msg[0] = 0;
    int e = wacc_task_return(&a->task, msg, sizeof msg);
    if (e)
        fail(a, "%s", msg[0] ? msg : wacc_abi_err_name(e));
    wacc_subtask_deliver_resolve(&a->st);
    a->active = false;
}

void wacc__adapter_reset(wacc_cinstance *ci)
{
    for (afused *a = ci->scoped; a; a = a->next_scoped)
        drop_scope(a);
}

static const struct wacc_adapter_ops adapter_ops = {
    .trap = op_trap,
    .check = op_check,
    .alloc = op_alloc,
    .string = op_string,
    .list = op_list,
    .handle = op_handle,
    .call_begin = op_call_begin,
    .call_end = op_call_end,
};

/* ---- installation ---- */

static const struct wacc_adapter_entry *find_adapter(const wacc_artifact *art, const char *key)
{
    const struct wacc_component_descriptor *cd = art ? art->cdesc : NULL;
    if (!cd || !cd->num_adapters || !cd->adapters)
        return NULL;
    uint32_t lo = 0, hi = cd->num_adapters;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct wacc_adapter_entry *e = &cd->adapters[mid];
        if (!e->key)
            return NULL;
        int c = strcmp(key, e->key);
        if (c == 0)
            return e->code && e->array_call ? e : NULL;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The key's resource numbers bound to the lowered function's resource
 * types (ops->handle's res), and the two handle contexts. */
static bool bind_resources(afused *a, wacc_cinstance *ci, const wacc_resource_type *const *rts,
                           uint32_t nres)
{
    a->own_t = wacc_arena_alloc(&ci->arena, nres * sizeof *a->own_t);
    a->borrow_t = wacc_arena_alloc(&ci->arena, nres * sizeof *a->borrow_t);
    if (!a->own_t || !a->borrow_t)
        return false;
    for (uint32_t i = 0; i < nres; i++) {
        a->own_t[i] = wacc_ctype_own(&ci->arena, rts[i]);
        a->borrow_t[i] = wacc_ctype_borrow(&ci->arena, rts[i]);
        if (!a->own_t[i] || !a->borrow_t[i])
            return false;
    }
    a->nres = nres;
    handle_cx_init(a, CALLER);
    handle_cx_init(a, CALLEE);
    return true;
}

/* A funcref the adapter can call natively (host functions get their stub). */
static struct wacc_funcref *native_ref(wacc_func *fn)
{
    if (!fn)
        return NULL;
    struct wacc_funcref *r = wacc_func_ref(fn);
    return r && r->code ? r : NULL;
}

/* Whether a lowering in frame f of target may be fused at all: target is
 * lifted by another core instance of this component instance, and the
 * artifact has adapters (or traces the look-ups).  Fused adapters are
 * 32-bit only (their keys do not say): a 64-bit memory on either side
 * takes the generic path. */
static bool fusable(cframe *f, struct wacc_cfunc *target, const copts *o)
{
    wacc_cinstance *ci = f->ci;
    if (ci->no_fuse || target->kind != CF_LIFTED || !target->f || target->f == f ||
        target->f->ci != ci || o->mem64 || target->opts.mem64)
        return false;
    return ci->art && ci->art->cdesc && (ci->art->cdesc->num_adapters || ci->fuse_trace);
}

/* The state of a fused adapter from caller frame f to target: the two
 * sides' frames, memories, reallocs and encodings, the callee's native
 * funcref and the types of the signature's resources.  A sync adapter
 * (sync) also calls the callee's post-return, and its handle scopes are
 * the instance's (on ci->scoped); an async call's scopes are the call's
 * (wacc__adapter_async_scope).  NULL where the callee (or post-return)
 * cannot be called natively or the signature names too many resources. */
static afused *afused_new(wacc_cinstance *ci, cframe *f, struct wacc_cfunc *target,
                          const copts *o, bool sync)
{
    const copts *lo = &target->opts;
    struct wacc_funcref *callee = native_ref(target->core);
    struct wacc_funcref *post = sync && lo->post_return ? native_ref(lo->post_return) : NULL;
    if (!callee || (sync && lo->post_return && !post))
        return NULL;
    const wacc_resource_type *rts[WACC_ADAPTER_KEY_MAX_RESOURCES];
    uint32_t nres = wacc_adapter_key_resources(target->params, target->nparams, target->result,
                                               rts, WACC_ADAPTER_KEY_MAX_RESOURCES);
    if (nres == UINT32_MAX)
        return NULL;
    afused *a = wacc_arena_alloc(&ci->arena, sizeof *a);
    if (!a)
        return NULL;
    memset(a, 0, sizeof *a);
    a->frame[CALLER] = f;
    a->frame[CALLEE] = target->f;
    if (nres) {
        if (!bind_resources(a, ci, rts, nres))
            return NULL;
        if (sync) {
            a->next_scoped = ci->scoped;
            ci->scoped = a;
        }
    }
    a->mem[CALLER] = o->memory;
    a->mem[CALLEE] = lo->memory;
    a->realloc[CALLER] = o->realloc;
    a->realloc[CALLEE] = lo->realloc;
    a->enc[CALLER] = o->encoding;
    a->enc[CALLEE] = lo->encoding;
    a->cx.ops = &adapter_ops;
    a->cx.mem[CALLER] = o->memory ? &o->memory->m : NULL;
    a->cx.mem[CALLEE] = lo->memory ? &lo->memory->m : NULL;
    a->cx.callee = callee;
    a->cx.post_return = post;
    /* bool flags are one byte holding 0 or 1 */
    a->cx.caller_may_leave = (uint8_t *)&f->abi.may_leave;
    a->cx.callee_may_enter = (uint8_t *)&target->f->abi.may_enter;
    a->cx.callee_may_leave = (uint8_t *)&target->f->abi.may_leave;
    a->cx.runtime = a;
    return a;
}

wacc_func *wacc__adapter_lower(cframe *f, struct wacc_cfunc *target, const copts *o,
                               const wacc_core_functype *ft)
{
    wacc_cinstance *ci = f->ci;
    if (!fusable(f, target, o))
        return NULL;
    /* A callee (or a caller's realloc) that uses context.get/set needs its
     * own (fresh) thread context, which the generic path's task gives it. */
    if (target->f->uses_context || f->uses_context)
        return NULL;
    char *key = wacc_adapter_key_alloc(target->params, target->nparams, target->result,
                                       o->encoding, target->opts.encoding);
    if (!key)
        return NULL;
    const struct wacc_adapter_entry *e = find_adapter(ci->art, key);
    if (ci->fuse_trace)
        fprintf(stderr, "wacc: lowering %s: %s\n", key, e ? "fused adapter" : "no adapter");
    free(key);
    if (!e)
        return NULL;
    afused *a = afused_new(ci, f, target, o, true);
    if (!a)
        return NULL;
    struct wacc_funcref ref = { e->code, &a->cx, 0, 0, e->array_call };
    wacc_functype t = { ft->nparams, ft->nresults, ft->params, ft->results };
    return wacc__func_new_raw(ci->store, &t, &ref);
}

/* ---- async adapters (wacc/abi.h "Fused async adapters") ---- */

bool wacc__adapter_async(cframe *f, struct wacc_cfunc *target, const copts *o, bool async_lower,
                         struct wacc_adapter_ctx **cx, wacc_array_call_fn *start,
                         wacc_array_call_fn *result)
{
    wacc_cinstance *ci = f->ci;
    if (!fusable(f, target, o))
        return false;
    char *key = wacc_adapter_key_alloc(target->params, target->nparams, target->result,
                                       o->encoding, target->opts.encoding);
    if (!key)
        return false;
    size_t len = strlen(key);
    char *akey = malloc(len + 3);
    if (!akey) {
        free(key);
        return false;
    }
    akey[0] = WACC_AADAPTER_PREFIX;
    akey[1] = !target->async_opt ? WACC_AADAPTER_SYNC
            : target->callback ? WACC_AADAPTER_CALLBACK : WACC_AADAPTER_STACKFUL;
    if (!async_lower)
        akey[1] = (char)(akey[1] - 'a' + 'A');      /* the caller blocks */
    memcpy(akey + 2, key, len + 1);
    free(key);
    const struct wacc_adapter_entry *e = find_adapter(ci->art, akey);
    if (ci->fuse_trace)
        fprintf(stderr, "wacc: lowering %s: %s\n", akey, e ? "fused async adapter" : "no adapter");
    free(akey);
    afused *a = e ? afused_new(ci, f, target, o, false) : NULL;
    if (!a)
        return false;
    *cx = &a->cx;
    *start = (wacc_array_call_fn)e->code;
    *result = e->array_call;
    return true;
}

/* The borrow scopes of the async call whose start or result function runs
 * next (the ctx is shared by the lowering's concurrent subtasks; handles
 * are moved only before the callee's core function is called, and in the
 * result function, neither of which can switch tasks): the caller's
 * subtask (its lends), the callee's task (borrows lowered into it). */
void wacc__adapter_async_scope(struct wacc_adapter_ctx *cx, wacc_subtask *lend, wacc_task *borrows)
{
    afused *a = self(cx);
    if (!a->nres)
        return;
    a->hcx[CALLER].subtask = lend;
    a->hcx[CALLEE].task = borrows;
    a->active = true;
}

/* ---- stream/future element copies (wacc/abi.h WACC_ECOPY_PREFIX) ---- */

static const struct wacc_adapter_entry *ecopy_find(wacc_cinstance *ci, const wacc_ctype *t,
                                                   uint8_t reader_enc, uint8_t writer_enc)
{
    for (uint32_t i = 0; i < 8; i++)
        if (ci->ecopy[i].t == t && ci->ecopy[i].enc[0] == reader_enc &&
            ci->ecopy[i].enc[1] == writer_enc)
            return ci->ecopy[i].e;
    const struct wacc_adapter_entry *e = NULL;
    char *key = wacc_adapter_key_alloc(&t, 1, NULL, reader_enc, writer_enc);
    size_t len = key ? strlen(key) : 0;
    char *ekey = key ? malloc(len + 3) : NULL;
    if (ekey) {
        ekey[0] = WACC_ECOPY_PREFIX;
        ekey[1] = WACC_ECOPY_KIND;
        memcpy(ekey + 2, key, len + 1);
        e = find_adapter(ci->art, ekey);
        if (ci->fuse_trace)
            fprintf(stderr, "wacc: copying %s: %s\n", ekey, e ? "fused element copy" : "no adapter");
    }
    free(ekey);
    free(key);
    uint32_t i = ci->ecopy_next++ % 8;
    ci->ecopy[i].t = t;
    ci->ecopy[i].enc[0] = reader_enc;
    ci->ecopy[i].enc[1] = writer_enc;
    ci->ecopy[i].e = e;
    return e;
}

bool wacc__adapter_copy(cframe *src_f, const copts *so, cframe *dst_f, const copts *dop,
                        const wacc_ctype *t, uint32_t sp, uint32_t dp, uint32_t n, uint32_t *code)
{
    wacc_cinstance *ci = dst_f->ci;
    if (ci->no_fuse || so->mem64 || dop->mem64 || !so->memory || !dop->memory || !ci->art ||
        !ci->art->cdesc || (!ci->art->cdesc->num_adapters && !ci->fuse_trace))
        return false;
    const struct wacc_adapter_entry *e = ecopy_find(ci, t, dop->encoding, so->encoding);
    if (!e)
        return false;
    afused a;
    memset(&a, 0, sizeof a);
    a.frame[CALLER] = dst_f;
    a.frame[CALLEE] = src_f;
    a.mem[CALLER] = dop->memory;
    a.mem[CALLEE] = so->memory;
    a.realloc[CALLER] = dop->realloc;
    a.realloc[CALLEE] = so->realloc;
    a.enc[CALLER] = dop->encoding;
    a.enc[CALLEE] = so->encoding;
    a.cx.ops = &adapter_ops;
    a.cx.mem[CALLER] = &dop->memory->m;
    a.cx.mem[CALLEE] = &so->memory->m;
    a.cx.caller_may_leave = (uint8_t *)&dst_f->abi.may_leave;
    a.cx.callee_may_enter = (uint8_t *)&src_f->abi.may_enter;
    a.cx.callee_may_leave = (uint8_t *)&src_f->abi.may_leave;
    a.cx.runtime = &a;
    wacc_val v[3];
    memset(v, 0, sizeof v);
    v[0].i32 = (int32_t)sp;
    v[1].i32 = (int32_t)dp;
    v[2].i32 = (int32_t)n;
    struct wacc_entry en;
    *code = 0;
    if (wacc__call_protected(ci->store, &en, (wacc_array_call_fn)e->code, &a.cx, NULL, v))
        return true;
    wacc_trap tr;
    memset(&tr, 0, sizeof tr);
    wacc__fill_trap(&en, &tr);
    if (tr.code == WACC_TRAP_COMPONENT && ci->msg[0]) {
        *code = tr.code;
        return true;
    }
    if (tr.code == WACC_TRAP_NONE)
        tr.code = WACC_TRAP_HOST;
    *code = wacc__note(dst_f, tr.code,
                       strncmp(tr.message, "trap: ", 6) == 0 ? tr.message + 6 : tr.message);
    return true;
}
