/* Handle tables, resources and borrow scopes (CanonicalABI.md "Table State",
 * "Resource State", lift_own/lift_borrow/lower_own/lower_borrow,
 * canon resource.new/drop/rep, Task.num_borrows, Subtask lenders). */
#include <stdlib.h>
#include <string.h>

#include "abi_internal.h"

/* ---- table ------------------------------------------------------------------ */

static int table_init(wacc_handle_table *t)
{
    t->cap = 16;
    t->a = calloc(t->cap, sizeof *t->a);
    if (!t->a) return WACC_ABI_E_OOM;
    t->len = 1;               /* index 0 reserved */
    t->free_head = 0;
    return 0;
}

int wacc_htable_add(wacc_handle_table *t, const wacc_handle *h, uint32_t *index, char *msg, size_t msgcap)
{
    uint32_t i;
    if (t->free_head) {
        i = t->free_head;
        t->free_head = t->a[i].rep;
    } else {
        i = t->len;
        if (i > WACC_ABI_TABLE_MAX_LENGTH)
            return abi_failbuf(msg, msgcap, WACC_ABI_E_TABLE_FULL, "handle table full (%u entries)", i);
        if (i == t->cap) {
            uint32_t nc = t->cap ? t->cap * 2 : 16;
            wacc_handle *na = realloc(t->a, sizeof *na * nc);
            if (!na) return abi_failbuf(msg, msgcap, WACC_ABI_E_OOM, "out of host memory growing the handle table");
            t->a = na;
            t->cap = nc;
            if (i == 0) { memset(&na[0], 0, sizeof na[0]); i = t->len = 1; }
        }
        t->len = i + 1;
    }
    t->a[i] = *h;
    *index = i;
    return 0;
}

wacc_handle *wacc_htable_get(wacc_handle_table *t, uint32_t index)
{
    if (index >= t->len || t->a[index].kind == WACC_HANDLE_FREE) return NULL;
    return &t->a[index];
}

int wacc_htable_remove(wacc_handle_table *t, uint32_t index, wacc_handle *out, char *msg, size_t msgcap)
{
    wacc_handle *h = wacc_htable_get(t, index);
    if (!h) return abi_failbuf(msg, msgcap, WACC_ABI_E_HANDLE, "unknown handle index %u", index);
    if (out) *out = *h;
    memset(h, 0, sizeof *h);
    h->rep = t->free_head;
    t->free_head = index;
    return 0;
}

int wacc_cinst_init(wacc_cinst *inst)
{
    memset(inst, 0, sizeof *inst);
    inst->may_leave = true;
    inst->may_enter = true;
    return table_init(&inst->handles);
}

void wacc_cinst_fini(wacc_cinst *inst)
{
    free(inst->handles.a);
    memset(inst, 0, sizeof *inst);
}

/* ---- tasks ------------------------------------------------------------------ */

void wacc_task_init(wacc_task *t) { t->num_borrows = 0; }

int wacc_task_return(wacc_task *t, char *msg, size_t msgcap)
{
    if (t->num_borrows > 0)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_BORROW,
                           "borrow handles still remain at the end of the call (%u)", t->num_borrows);
    return 0;
}

void wacc_subtask_init(wacc_subtask *st, wacc_cinst *caller)
{
    memset(st, 0, sizeof *st);
    st->inst = caller;
    st->cap = (uint32_t)(sizeof st->inline_ / sizeof st->inline_[0]);
}

static int add_lender(wacc_abi_cx *cx, wacc_subtask *st, uint32_t index)
{
    if (st->delivered) return abi_fail(cx, WACC_ABI_E_BORROW, "borrow lifted after the call resolved");
    if (st->n == st->cap) {
        uint32_t nc = st->cap * 2;
        uint32_t *na = st->lenders ? realloc(st->lenders, sizeof *na * nc) : malloc(sizeof *na * nc);
        if (!na) return abi_fail(cx, WACC_ABI_E_OOM, "out of host memory recording a borrow");
        if (!st->lenders) memcpy(na, st->inline_, sizeof st->inline_);
        st->lenders = na;
        st->cap = nc;
    }
    uint32_t *l = st->lenders ? st->lenders : st->inline_;
    l[st->n++] = index;
    cx->inst->handles.a[index].num_lends++;
    return 0;
}

void wacc_subtask_deliver_resolve(wacc_subtask *st)
{
    if (st->delivered) return;
    const uint32_t *l = st->lenders ? st->lenders : st->inline_;
    if (st->inst)
        for (uint32_t i = 0; i < st->n; i++) {
            wacc_handle *h = wacc_htable_get(&st->inst->handles, l[i]);
            if (h && h->num_lends) h->num_lends--;
        }
    st->delivered = true;
    wacc_subtask_fini(st);
}

void wacc_subtask_fini(wacc_subtask *st)
{
    free(st->lenders);
    st->lenders = NULL;
    st->n = 0;
    st->cap = (uint32_t)(sizeof st->inline_ / sizeof st->inline_[0]);
}

/* ---- lifting and lowering handles -------------------------------------------- */

static const char *rt_name(const wacc_resource_type *rt)
{
    return rt && rt->name ? rt->name : "resource";
}

static int get_resource(wacc_abi_cx *cx, uint32_t i, const wacc_ctype *t, wacc_handle **out)
{
    wacc_handle *h = wacc_htable_get(&cx->inst->handles, i);
    if (!h || h->kind != WACC_HANDLE_RESOURCE)
        return abi_fail(cx, WACC_ABI_E_HANDLE, "unknown handle index %u", i);
    if (h->rt != t->rt)
        return abi_fail(cx, WACC_ABI_E_HANDLE, "handle index %u used with the wrong type, expected %s", i, rt_name(t->rt));
    *out = h;
    return 0;
}

int wacc_abi_lift_own(wacc_abi_cx *cx, uint32_t i, const wacc_ctype *t, uint32_t *rep)
{
    wacc_handle *h;
    if (!cx->inst) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle lifted without a component instance");
    int e = get_resource(cx, i, t, &h);
    if (e) return e;
    if (h->num_lends != 0)
        return abi_fail(cx, WACC_ABI_E_BORROW, "cannot remove owned resource while borrowed (handle %u, %u borrows)", i, h->num_lends);
    if (!h->own) return abi_fail(cx, WACC_ABI_E_BORROW, "cannot lift borrowed handle %u as an owned handle", i);
    *rep = h->rep;
    return wacc_htable_remove(&cx->inst->handles, i, NULL, cx->msg, sizeof cx->msg);
}

int wacc_abi_lift_borrow(wacc_abi_cx *cx, uint32_t i, const wacc_ctype *t, uint32_t *rep)
{
    wacc_handle *h;
    if (!cx->inst) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle lifted without a component instance");
    if (!cx->subtask) return abi_fail(cx, WACC_ABI_E_BORROW, "borrow lifted without a borrow scope");
    int e = get_resource(cx, i, t, &h);
    if (e) return e;
    *rep = h->rep;
    return add_lender(cx, cx->subtask, i);
}

int wacc_abi_lower_own(wacc_abi_cx *cx, uint32_t rep, const wacc_ctype *t, uint32_t *index)
{
    if (!cx->inst) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle lowered without a component instance");
    wacc_handle h = { .kind = WACC_HANDLE_RESOURCE, .own = 1, .rep = rep, .rt = t->rt };
    return wacc_htable_add(&cx->inst->handles, &h, index, cx->msg, sizeof cx->msg);
}

int wacc_abi_lower_borrow(wacc_abi_cx *cx, uint32_t rep, const wacc_ctype *t, uint32_t *index)
{
    if (!cx->inst) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle lowered without a component instance");
    if (!cx->task) return abi_fail(cx, WACC_ABI_E_BORROW, "borrow lowered without a borrow scope");
    if (t->rt && cx->inst == t->rt->impl) {
        *index = rep;
        return 0;
    }
    wacc_handle h = { .kind = WACC_HANDLE_RESOURCE, .own = 0, .rep = rep, .rt = t->rt,
                      .borrow_scope = cx->task };
    int e = wacc_htable_add(&cx->inst->handles, &h, index, cx->msg, sizeof cx->msg);
    if (!e) cx->task->num_borrows++;
    return e;
}

int abi_lift_handle(wacc_abi_cx *cx, uint32_t i, const wacc_ctype *t, wacc_cval *out)
{
    uint32_t rep = 0;
    int e;
    if (!cx->inst) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle lifted without a component instance");
    switch (t->kind) {
    case WACC_CT_OWN:
        if ((e = wacc_abi_lift_own(cx, i, t, &rep))) return e;
        out->x.u = rep;
        return 0;
    case WACC_CT_BORROW:
        if ((e = wacc_abi_lift_borrow(cx, i, t, &rep))) return e;
        out->x.u = rep;
        return 0;
    case WACC_CT_ERROR_CONTEXT: {
        wacc_handle *h = wacc_htable_get(&cx->inst->handles, i);
        if (!h || h->kind != WACC_HANDLE_ERROR_CONTEXT)
            return abi_fail(cx, WACC_ABI_E_HANDLE, "unknown handle index %u (not an error-context)", i);
        out->x.obj = h->obj;
        return 0;
    }
    default: {
        uint8_t want = t->kind == WACC_CT_STREAM ? WACC_HANDLE_STREAM : WACC_HANDLE_FUTURE;
        wacc_handle *h = wacc_htable_get(&cx->inst->handles, i);
        if (!h || h->kind != want)
            return abi_fail(cx, WACC_ABI_E_HANDLE, "handle index %u is not a readable %s end", i,
                            t->kind == WACC_CT_STREAM ? "stream" : "future");
        if (!wacc_ctype_equal(h->t, t))
            return abi_fail(cx, WACC_ABI_E_HANDLE, "handle index %u has another element type", i);
        if (h->busy) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle index %u is copying or done (not idle)", i);
        if (h->in_set) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle index %u is in a waitable set", i);
        out->x.obj = h->obj;
        return wacc_htable_remove(&cx->inst->handles, i, NULL, cx->msg, sizeof cx->msg);
    }
    }
}

int abi_lower_handle(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t, uint32_t *index)
{
    switch (t->kind) {
    case WACC_CT_OWN: return wacc_abi_lower_own(cx, (uint32_t)v->x.u, t, index);
    case WACC_CT_BORROW: return wacc_abi_lower_borrow(cx, (uint32_t)v->x.u, t, index);
    default: {
        if (!cx->inst) return abi_fail(cx, WACC_ABI_E_HANDLE, "handle lowered without a component instance");
        wacc_handle h = { .obj = v->x.obj, .t = t };
        h.kind = t->kind == WACC_CT_ERROR_CONTEXT ? WACC_HANDLE_ERROR_CONTEXT
               : t->kind == WACC_CT_STREAM ? WACC_HANDLE_STREAM : WACC_HANDLE_FUTURE;
        return wacc_htable_add(&cx->inst->handles, &h, index, cx->msg, sizeof cx->msg);
    }
    }
}

/* ---- canon resource.new / drop / rep -------------------------------------------- */

int wacc_resource_new(wacc_cinst *inst, const wacc_resource_type *rt, uint32_t rep,
                      uint32_t *index, char *msg, size_t msgcap)
{
    if (!inst->may_leave)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_MAY_LEAVE, "cannot leave component instance (resource.new)");
    wacc_handle h = { .kind = WACC_HANDLE_RESOURCE, .own = 1, .rep = rep, .rt = rt };
    return wacc_htable_add(&inst->handles, &h, index, msg, msgcap);
}

int wacc_resource_drop(wacc_cinst *inst, const wacc_resource_type *rt, uint32_t index,
                       int *trap, char *msg, size_t msgcap)
{
    if (trap) *trap = 0;
    if (!inst->may_leave)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_MAY_LEAVE, "cannot leave component instance (resource.drop)");
    wacc_handle *h = wacc_htable_get(&inst->handles, index);
    if (!h || h->kind != WACC_HANDLE_RESOURCE)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_HANDLE, "unknown handle index %u", index);
    if (h->rt != rt)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_HANDLE, "handle index %u used with the wrong type, expected %s",
                           index, rt_name(rt));
    if (h->num_lends != 0)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_BORROW,
                           "cannot remove owned resource while borrowed (handle %u, %u borrows)", index, h->num_lends);
    wacc_handle old;
    wacc_htable_remove(&inst->handles, index, &old, NULL, 0);
    if (old.own) {
        if (rt->dtor) {
            int t = rt->dtor(rt->dtor_ctx, old.rep);
            if (t) {
                if (trap) *trap = t;
                return abi_failbuf(msg, msgcap, WACC_ABI_E_DTOR, "%s destructor trapped", rt_name(rt));
            }
        }
    } else if (old.borrow_scope && old.borrow_scope->num_borrows) {
        old.borrow_scope->num_borrows--;
    }
    return 0;
}

int wacc_resource_rep(wacc_cinst *inst, const wacc_resource_type *rt, uint32_t index,
                      uint32_t *rep, char *msg, size_t msgcap)
{
    wacc_handle *h = wacc_htable_get(&inst->handles, index);
    if (!h || h->kind != WACC_HANDLE_RESOURCE)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_HANDLE, "unknown handle index %u", index);
    if (h->rt != rt)
        return abi_failbuf(msg, msgcap, WACC_ABI_E_HANDLE, "handle index %u used with the wrong type, expected %s",
                           index, rt_name(rt));
    *rep = h->rep;
    return 0;
}
