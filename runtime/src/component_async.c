/*
 * component_async.c — the async Component Model in the runtime, following
 * the Python definitions of CanonicalABI.md (Thread, Task, Subtask,
 * Waitable, WaitableSet, SharedStreamImpl, SharedFutureImpl, canon_lift,
 * canon_lower and the async built-ins):
 *
 *   tasks      a call of a lifted function that is async in any way (async
 *              type, async lift, async lower) gets an atask; its caller side
 *              is an acaller (the host, or a subtask of a lowering instance)
 *   threads    the implicit thread of a task is "native" while its core code
 *              runs on a C stack, or "stackless" between two calls of a
 *              callback (or while waiting to enter under backpressure): the
 *              event loop resumes stackless threads by calling the callback
 *              with the next event
 *   blocking   a native thread that blocks (waitable-set.wait, a synchronous
 *              call of a callee that blocked, a synchronous stream copy, ...)
 *              runs the event loop nested inside the built-in until its
 *              condition holds; stackful async lifts whose caller must
 *              continue while they block need stack switching (runtime/fiber,
 *              not used yet): they run to completion on the caller's stack
 *   waitables  subtasks and stream/future ends, joined to waitable sets;
 *              one pending event each, computed when it is delivered
 *   streams    rendezvous copies straight from the writer's buffer into the
 *              reader's (load + store through abi-glue, one element at a
 *              time; plain numbers with memcpy)
 *
 * Handles: waitable sets, subtasks and writable ends are WACC_HANDLE_OTHER
 * entries of the instance's table whose obj starts with an aobj header;
 * readable ends are WACC_HANDLE_STREAM/FUTURE (abi-glue lifts and lowers
 * them as values: the aend object travels with the value).
 *
 * Ownership: every waitable set, subtask, end and shared stream is malloc'd
 * and linked in the instance graph's scheduler (asched.objs) until dropped;
 * heap tasks are linked until their implicit thread exits. wacc__async_free
 * frees what is left when the instance is freed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component_internal.h"
#include "fiber.h"

/* Thread states (CanonicalABI.md Thread): AW_NONE running, AW_SUSPENDED
 * suspended (listed nowhere), any other: waiting (in asched.waiting) for
 * what the kind says. */
enum { AW_NONE = 0, AW_ENTER, AW_YIELD, AW_WAIT, AW_ALWAYS, AW_COND, AW_COPY, AW_SUSPENDED };
enum { AT_INITIAL = 1, AT_STARTED, AT_PENDING_CANCEL, AT_CANCEL_DELIVERED, AT_RESOLVED };
enum { EV_NONE = 0, EV_SUBTASK, EV_STREAM_READ, EV_STREAM_WRITE, EV_FUTURE_READ, EV_FUTURE_WRITE,
       EV_TASK_CANCELLED };
enum { SS_STARTING = 0, SS_STARTED, SS_RETURNED, SS_CANCELLED_BEFORE_STARTED,
       SS_CANCELLED_BEFORE_RETURNED };
enum { CR_COMPLETED = 0, CR_DROPPED, CR_CANCELLED };
enum { CS_IDLE = 1, CS_COPYING, CS_CANCELLING, CS_DONE };
enum { CB_EXIT = 0, CB_YIELD, CB_WAIT };
#define BLOCKED 0xffffffffu
#define BUFFER_MAX ((1u << 28) - 1)

enum { O_WSET = 1, O_SUBTASK, O_END, O_SHARED };

typedef struct aobj {
    uint8_t otype;
    struct aobj *onext, *oprev;
} aobj;

typedef struct awset awset;
typedef struct awaitable {
    aobj o;
    bool pending;                   /* has a pending event */
    bool sync_waiter;
    awset *wset;
    struct awaitable *snext, *sprev;    /* in wset->elems */
} awaitable;

struct awset {
    aobj o;
    awaitable *elems, *etail;
    uint32_t num_waiting;
};

/* A canon lower through the async machinery. */
typedef struct alower {
    cframe *f;
    struct wacc_cfunc *target;
    copts o;
    wacc_core_functype ft;
    bool async_opt;
    /* a fused async adapter (component_adapter.c wacc__adapter_async):
     * fcx NULL: none, values go through abi-glue */
    struct wacc_adapter_ctx *fcx;
    wacc_array_call_fn fstart, fresult;
    bool fhandles;                  /* its type has own/borrow handles */
} alower;

typedef struct asubtask {
    awaitable w;
    acaller c;
    alower *L;
    uint8_t state;                  /* SS_* */
    bool cancel_requested, delivered, async_events;
    uint32_t idx;
    wacc_subtask lend;
    wacc_val args[WACC_ABI_MAX_FLAT_PARAMS + 2];
    wacc_val res[2];
} asubtask;

typedef struct abuf {
    cframe *f;
    copts o;
    const wacc_ctype *t;            /* element type (NULL: none) */
    uint64_t ptr;
    uint32_t progress, length;
    /* a host end's buffer (component_host_async.c): plain elements at
     * hmem + ptr (bytes), others hvals[ptr] (index; reads: into harena) */
    bool host;
    uint8_t *hmem;
    wacc_cval *hvals;
    wacc_arena *harena;
} abuf;

typedef struct aend aend;
typedef struct ashared {
    aobj o;
    bool future, dropped;
    const wacc_ctype *t;            /* element type (NULL: none) */
    uint32_t refs;                  /* ends alive */
    cframe *pinst;                  /* pending read or write */
    abuf *pbuf;
    aend *pend;
} ashared;

struct aend {
    awaitable w;
    ashared *sh;
    const wacc_ctype *st;           /* the stream/future type */
    bool writable, future;
    uint8_t state;                  /* CS_* */
    uint8_t ev_result;
    bool ev_reclaim;
    uint32_t idx;                   /* its handle at the last copy */
    abuf buf;
    struct wacc_hend *host;         /* held by the host (no handle) */
};

typedef struct asched {
    athread *waiting, *wtail;       /* threads waiting (stackless and native) */
    athread *cur;                   /* the running thread (NULL: host / start) */
    atask *tasks;                   /* heap tasks alive */
    aobj *objs;                     /* waitables, sets, shared streams alive */
    wacc_fiber_pool *pool;          /* stacks of the tasks' implicit threads */
    /* freed subtasks and tasks kept for the next calls (at most SPARE each;
     * owned here, freed with the scheduler) */
    void *spare_sub[16];
    atask *spare_task[16];
    uint32_t nspare_sub, nspare_task;
    uint64_t storage[2];            /* context.* outside any task */
} asched;

static asched *sched(wacc_cinstance *ci)
{
    if (!ci->sched)
        ci->sched = calloc(1, sizeof *ci->sched);
    return ci->sched;
}

static uint32_t trapf(cframe *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static uint32_t trapf(cframe *f, const char *fmt, ...)
{
    char m[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return wacc__note(f, WACC_TRAP_COMPONENT, m);
}

static void *obj_new(wacc_cinstance *ci, size_t n, uint8_t otype)
{
    asched *S = sched(ci);
    aobj *o = NULL;
    if (S && otype == O_SUBTASK && S->nspare_sub) {
        o = S->spare_sub[--S->nspare_sub];
        memset(o, 0, n);
    } else if (S) {
        o = calloc(1, n);
    }
    if (!o)
        return NULL;
    o->otype = otype;
    o->onext = S->objs;
    if (S->objs)
        S->objs->oprev = o;
    S->objs = o;
    return o;
}

static void obj_free(wacc_cinstance *ci, void *p)
{
    aobj *o = p;
    asched *S = ci->sched;
    if (o->oprev)
        o->oprev->onext = o->onext;
    else
        S->objs = o->onext;
    if (o->onext)
        o->onext->oprev = o->oprev;
    if (o->otype == O_SUBTASK) {
        asubtask *st = (asubtask *)o;
        /* a callee task or an async host call still in flight (a trap,
         * or the instance being freed) must not point back at it */
        if (st->c.callee)
            st->c.callee->caller = NULL;
        if (st->c.hcall)
            wacc__hcall_detach(st->c.hcall);
        wacc_subtask_fini(&st->lend);
        if (S->nspare_sub < 16) {
            S->spare_sub[S->nspare_sub++] = o;
            return;
        }
    }
    free(o);
}

static uint32_t thread_resume(wacc_cinstance *ci, athread *t, bool cancelled);

/* A thread whose fiber is in the middle of its function (suspended or
 * waiting): it must be resumed to unwind before its stack is freed. */
static athread *stuck_thread(asched *S)
{
    if (S->waiting)
        return S->waiting;
    for (atask *t = S->tasks; t; t = t->all_next) {
        if (t->thread.fiber && t->thread.started && !t->thread.exited)
            return &t->thread;
        for (athread *x = t->threads; x; x = x->tnext)
            if (x->started && !x->exited)
                return x;
    }
    return NULL;
}

void wacc__async_free(wacc_cinstance *ci)
{
    for (cframe *f = ci->frames; f; f = f->next_frame) {
        free(f->threads);
        f->threads = NULL;
        f->nthreads = f->cap_threads = f->free_thread = 0;
    }
    asched *S = ci->sched;
    if (!S)
        return;
    /* threads in the middle of their function: resumed with a trap that
     * unwinds their stacks */
    for (athread *t; (t = stuck_thread(S)) != NULL;) {
        t->killed = true;
        thread_resume(ci, t, false);
    }
    while (S->objs)
        obj_free(ci, S->objs);
    while (S->tasks) {
        atask *t = S->tasks;
        S->tasks = t->all_next;
        if (t->thread.fiber)
            wacc_fiber_free(t->thread.fiber);
        while (t->threads) {        /* explicit threads that never ran */
            athread *x = t->threads;
            t->threads = x->tnext;
            wacc_fiber_free(x->fiber);
            free(x);
        }
        free(t);
    }
    if (S->pool)
        wacc_fiber_pool_free(S->pool);
    while (S->nspare_sub)
        free(S->spare_sub[--S->nspare_sub]);
    while (S->nspare_task)
        free(S->spare_task[--S->nspare_task]);
    free(S);
    ci->sched = NULL;
}

/* ---- handles ---- */

static void *handle_obj(cframe *f, uint32_t i, uint8_t otype)
{
    wacc_handle *h = wacc_htable_get(&f->abi.handles, i);
    if (!h || !h->obj)
        return NULL;
    if (h->kind == WACC_HANDLE_OTHER || ((h->kind == WACC_HANDLE_STREAM || h->kind == WACC_HANDLE_FUTURE) &&
                                         otype == O_END))
        return ((aobj *)h->obj)->otype == otype ? h->obj : NULL;
    return NULL;
}

static awaitable *handle_waitable(cframe *f, uint32_t i)
{
    wacc_handle *h = wacc_htable_get(&f->abi.handles, i);
    if (!h || !h->obj || (h->kind != WACC_HANDLE_OTHER && h->kind != WACC_HANDLE_STREAM &&
                          h->kind != WACC_HANDLE_FUTURE))
        return NULL;
    uint8_t t = ((aobj *)h->obj)->otype;
    return t == O_SUBTASK || t == O_END ? h->obj : NULL;
}

static bool handle_add(cframe *f, uint8_t kind, void *obj, const wacc_ctype *t, uint32_t *idx,
                       uint32_t *code)
{
    wacc_handle h;
    memset(&h, 0, sizeof h);
    h.kind = kind;
    h.obj = obj;
    h.t = t;
    char msg[160];
    msg[0] = 0;
    if (wacc_htable_add(&f->abi.handles, &h, idx, msg, sizeof msg)) {
        *code = wacc__note(f, WACC_TRAP_COMPONENT, msg);
        return false;
    }
    return true;
}

/* A readable end's handle flags (abi-glue checks them when lifting it). */
static void end_flags(cframe *f, aend *e)
{
    if (e->writable || !f)
        return;
    wacc_handle *h = wacc_htable_get(&f->abi.handles, e->idx);
    if (h && h->obj == e) {
        h->busy = e->state != CS_IDLE;     /* lift_async_value: trap unless IDLE */
        h->in_set = e->w.wset != NULL;
    }
}

/* ---- waitables and sets ---- */

static void w_join(awaitable *w, awset *s)
{
    awset *o = w->wset;
    if (o) {
        if (w->sprev)
            w->sprev->snext = w->snext;
        else
            o->elems = w->snext;
        if (w->snext)
            w->snext->sprev = w->sprev;
        else
            o->etail = w->sprev;
    }
    w->wset = s;
    w->snext = w->sprev = NULL;
    if (s) {
        w->sprev = s->etail;
        if (s->etail)
            s->etail->snext = w;
        else
            s->elems = w;
        s->etail = w;
    }
}

static bool wset_has_event(const awset *s)
{
    for (const awaitable *w = s->elems; w; w = w->snext)
        if (w->pending)
            return true;
    return false;
}

/* Deliver w's pending event (CanonicalABI.md subtask_event, stream_event,
 * future_event); f: the instance whose table holds w. */
static void w_event(cframe *f, awaitable *w, uint32_t *code, uint32_t *p1, uint32_t *p2)
{
    w->pending = false;
    if (w->o.otype == O_SUBTASK) {
        asubtask *st = (asubtask *)w;
        if (st->state >= SS_RETURNED && !st->delivered) {
            wacc_subtask_deliver_resolve(&st->lend);
            st->delivered = true;
        }
        *code = EV_SUBTASK;
        *p1 = st->idx;
        *p2 = st->state;
        return;
    }
    aend *e = (aend *)w;
    *p1 = e->idx;
    if (e->future) {
        *code = e->writable ? EV_FUTURE_WRITE : EV_FUTURE_READ;
        e->state = e->ev_result == CR_DROPPED || e->ev_result == CR_COMPLETED ? CS_DONE : CS_IDLE;
        *p2 = e->ev_result;
    } else {
        *code = e->writable ? EV_STREAM_WRITE : EV_STREAM_READ;
        if (e->ev_reclaim && e->sh->pend == e) {
            e->sh->pinst = NULL;
            e->sh->pbuf = NULL;
            e->sh->pend = NULL;
        }
        e->state = e->ev_result == CR_DROPPED ? CS_DONE : CS_IDLE;
        *p2 = e->ev_result | (e->buf.progress << 4);
    }
    end_flags(f, e);
}

static void wset_event(cframe *f, awset *s, uint32_t *code, uint32_t *p1, uint32_t *p2)
{
    for (awaitable *w = s->elems; w; w = w->snext)
        if (w->pending) {
            /* move it to the back: the others get their turn first next time */
            awset *ws = w->wset;
            w_join(w, NULL);
            w_join(w, ws);
            w_event(f, w, code, p1, p2);
            return;
        }
    *code = EV_NONE;
    *p1 = *p2 = 0;
}

/* ---- the scheduler ---- */

#define FIBER_STACK (2u << 20)

static void enlist(asched *S, athread *t)
{
    if (t->listed)
        return;
    t->listed = true;
    t->wnext = NULL;
    t->wprev = S->wtail;
    if (S->wtail)
        S->wtail->wnext = t;
    else
        S->waiting = t;
    S->wtail = t;
}

static void delist(asched *S, athread *t)
{
    if (!t->listed)
        return;
    t->listed = false;
    if (t->wprev)
        t->wprev->wnext = t->wnext;
    else
        S->waiting = t->wnext;
    if (t->wnext)
        t->wnext->wprev = t->wprev;
    else
        S->wtail = t->wprev;
    t->wnext = t->wprev = NULL;
}

static void task_link(asched *S, atask *t)
{
    t->all_prev = NULL;
    t->all_next = S->tasks;
    if (S->tasks)
        S->tasks->all_prev = t;
    S->tasks = t;
}

static void task_unlink(asched *S, atask *t)
{
    if (t->all_prev)
        t->all_prev->all_next = t->all_next;
    else if (S->tasks == t)
        S->tasks = t->all_next;
    else
        return;
    if (t->all_next)
        t->all_next->all_prev = t->all_prev;
    t->all_next = t->all_prev = NULL;
}

static bool needs_exclusive(const atask *t)
{
    return t->F && t->F->async_ft && (!t->F->async_opt || t->F->callback);
}

static bool has_backpressure(const atask *t)
{
    cframe *f = t->inst;
    return f->backpressure > 0 || (needs_exclusive(t) && f->exclusive != NULL);
}

/* Thread.ready() of a waiting thread. */
static bool thread_ready(athread *t)
{
    cframe *f = t->task->inst;
    switch (t->wait) {
    case AW_ENTER: return !has_backpressure(t->task);
    case AW_YIELD: return f->exclusive == NULL;
    case AW_WAIT: {
        if (f->exclusive)
            return false;
        awset *s = handle_obj(f, t->wset, O_WSET);
        return s && wset_has_event(s);
    }
    case AW_ALWAYS: return !t->reacquire || f->exclusive == NULL;
    case AW_COND:
    case AW_COPY: return (!t->reacquire || f->exclusive == NULL) && t->ready(t->ready_arg);
    default: return false;
    }
}

static bool deliver_pending_cancel(atask *t, bool cancellable)
{
    if (t && cancellable && t->state == AT_PENDING_CANCEL) {
        t->state = AT_CANCEL_DELIVERED;
        return true;
    }
    return false;
}

/* A ready waiting thread (only of frame `only` when given, and then not
 * the one holding its exclusive lock). */
static athread *pick(asched *S, cframe *only)
{
    for (athread *t = S->waiting; t; t = t->wnext) {
        if (!t->fiber)              /* on a caller's stack: only its own loop runs it */
            continue;
        if (only && (t->task->inst != only || only->exclusive == t))
            continue;
        if (thread_ready(t))
            return t;
    }
    return NULL;
}

static void task_free(wacc_cinstance *ci, atask *task)
{
    asched *S = ci->sched;
    if (task->thread.fiber)
        wacc_fiber_free(task->thread.fiber);
    if (task->caller)
        task->caller->callee = NULL;
    task_unlink(S, task);
    if (S->nspare_task < 16)
        S->spare_task[S->nspare_task++] = task;
    else
        free(task);
}

/* ---- the threads table (ComponentInstance.threads) ---- */

static bool thr_register(cframe *f, athread *t)
{
    if (t->index)
        return true;
    uint32_t i = f->free_thread;
    if (i) {
        f->free_thread = (uint32_t)((uintptr_t)f->threads[i] >> 1);
    } else {
        if (!f->nthreads)
            f->nthreads = 1;
        if (f->nthreads >= (1u << 28))
            return false;
        if (f->nthreads >= f->cap_threads) {
            uint32_t cap = f->cap_threads ? f->cap_threads * 2 : 16;
            athread **a = realloc(f->threads, cap * sizeof *a);
            if (!a)
                return false;
            f->threads = a;
            f->cap_threads = cap;
        }
        i = f->nthreads++;
    }
    f->threads[i] = t;
    t->index = i;
    return true;
}

static void thr_unregister(cframe *f, athread *t)
{
    if (!t->index || !f->threads)
        return;
    f->threads[t->index] = (athread *)(((uintptr_t)f->free_thread << 1) | 1);
    f->free_thread = t->index;
    t->index = 0;
}

static athread *thr_get(cframe *f, uint32_t i)
{
    if (i == 0 || i >= f->nthreads)
        return NULL;
    uintptr_t p = (uintptr_t)f->threads[i];
    return p & 1 ? NULL : (athread *)p;
}

/* A thread's function returned: Task.unregister_thread; the task goes
 * when its last thread did. */
static void thread_exit(wacc_cinstance *ci, athread *t)
{
    atask *task = t->task;
    t->exited = true;
    thr_unregister(task->inst, t);
    if (t->explicit_) {
        athread **pp = &task->threads;
        while (*pp && *pp != t)
            pp = &(*pp)->tnext;
        if (*pp)
            *pp = t->tnext;
        wacc_fiber_free(t->fiber);
        free(t);
    } else {
        wacc_fiber_free(t->fiber);
        t->fiber = NULL;
    }
    if (--task->live == 0)
        task_free(ci, task);
}

/* Thread.resume: runs t's fiber until it blocks again or finishes (then
 * it is freed, and its task with its last thread); a thread that blocks
 * naming another to switch to runs that one next, and so on. A thread on
 * a caller's stack (a synchronous task's) is only marked running: its
 * own loop (stack_wait) goes on when control gets back to it. A trap
 * inside any of them is returned. */
static uint32_t thread_resume(wacc_cinstance *ci, athread *t, bool cancelled)
{
    asched *S = ci->sched;
    while (t) {
        delist(S, t);
        t->wait = AW_NONE;
        t->cancelled = cancelled;
        if (!t->fiber)
            return 0;
        atask *task = t->task;
        cframe *f = task->inst;
        t->started = true;
        athread *cur = S->cur;
        S->cur = t;
        bool me = f->abi.may_enter;
        f->abi.may_enter = false;
        /* the wasm suspended on t's stack checks the store's stack limit:
         * t's own while it runs (a host call on another stack may have set
         * another meanwhile; a pending interruption stays pending) */
        void *lo, *hi;
        wacc_fiber_stack(t->fiber, &lo, &hi);
        uintptr_t outer_limit = ci->store->stack_limit;
        wacc__store_set_stack_limit(ci->store, (uintptr_t)lo + 2 * (uintptr_t)WACC_STACK_RED_ZONE);
        bool done = wacc_fiber_resume(t->fiber);
        wacc__store_set_stack_limit(ci->store, outer_limit);
        f->abi.may_enter = me;
        S->cur = cur;
        athread *next = t->switch_to;
        t->switch_to = NULL;
        if (done) {
            uint32_t code = t->code;
            thread_exit(ci, t);
            if (code) {
                f->poisoned = true;
                return code;
            }
            next = NULL;
        }
        t = next;
        cancelled = false;
    }
    return 0;
}

/* The loop of a blocked thread on a caller's stack (canon_lift of a
 * non-async type): runs its instance's other ready threads until it is
 * ready (or resumed) itself; traps when none is ready. */
static uint32_t stack_wait(wacc_cinstance *ci, cframe *f, athread *self)
{
    asched *S = ci->sched;
    cframe *only = self->task->inst;
    while (self->wait != AW_NONE) {
        if (self->wait != AW_SUSPENDED && thread_ready(self)) {
            delist(S, self);
            self->wait = AW_NONE;
            break;
        }
        athread *t = pick(S, only);
        uint32_t code = t ? thread_resume(ci, t, false)
                          : trapf(f, "cannot block a synchronous task before returning");
        if (code) {
            delist(S, self);
            self->wait = AW_NONE;
            return code;
        }
    }
    return 0;
}

/* Thread.block_internal / switch_to_internal for the running thread self,
 * whose wait says what it waits for (AW_SUSPENDED: to be resumed; others:
 * it is listed as waiting), switching to `other` (NULL: none). */
static uint32_t thread_block(wacc_cinstance *ci, cframe *f, athread *self, athread *other, bool cancellable,
                             bool *cancelled)
{
    self->cancellable = cancellable;
    self->cancelled = false;
    *cancelled = false;
    if (self->fiber && wacc_fiber_current() == self->fiber) {
        self->switch_to = other;
        wacc_fiber_suspend();
        if (self->killed)
            return trapf(f, "component instance freed while a thread was suspended");
    } else {
        uint32_t code = other ? thread_resume(ci, other, false) : 0;
        if (!code)
            code = stack_wait(ci, f, self);
        if (code) {
            delist(ci->sched, self);
            self->wait = AW_NONE;
            return code;
        }
    }
    *cancelled = self->cancelled;
    self->cancelled = false;
    return 0;
}

/* Thread.wait_until for the running thread `self` (NULL: the host waiting
 * for a call it made). A thread on its own fiber suspends (kind and
 * ready/arg say when it is ready again); the host and synchronous tasks
 * (on their caller's stack) run ready threads meanwhile: the host any,
 * a synchronous task only its own instance's (canon_lift of a non-async
 * type), trapping when none is ready. kind AW_ALWAYS is a yield. */
static uint32_t wait_until(wacc_cinstance *ci, cframe *f, athread *self, uint8_t kind,
                           bool (*ready)(void *), void *arg, bool cancellable, bool *cancelled)
{
    asched *S = ci->sched;
    if (cancelled)
        *cancelled = false;
    atask *task = self ? self->task : NULL;
    if (deliver_pending_cancel(task, cancellable)) {
        *cancelled = true;
        return 0;
    }
    if (self && self->fiber && wacc_fiber_current() == self->fiber) {
        if ((kind == AW_COND || kind == AW_COPY) && ready(arg))
            return 0;
        /* A callback-lifted task blocked in a synchronous stream/future
         * copy lets other tasks of its instance start meanwhile (as the
         * reference tests expect: spec/async/sync-streams.wast,
         * wasmtime/async/task-builtins.wast; blocked in a synchronous call
         * it keeps the lock: spec/async/async-calls-sync.wast's
         * backpressure): it gives the exclusive lock back and takes it
         * again when resumed. */
        cframe *home = task->inst;
        self->reacquire = home->exclusive == self && task->F && task->F->callback && kind == AW_COPY;
        if (self->reacquire)
            home->exclusive = NULL;
        self->wait = kind;
        self->ready = ready;
        self->ready_arg = arg;
        self->cancellable = cancellable;
        self->cancelled = false;
        enlist(S, self);
        wacc_fiber_suspend();
        if (self->reacquire) {
            home->exclusive = self;
            self->reacquire = false;
        }
        if (self->killed)
            return trapf(f, "component instance freed while a task waited");
        if (cancelled)
            *cancelled = self->cancelled;
        self->cancelled = false;
        return 0;
    }
    cframe *only = NULL;
    if (self) {
        if (!task)
            return trapf(f, "cannot block a synchronous task before returning (in a start function)");
        only = task->inst;
    }
    if (kind == AW_ALWAYS) {
        athread *t = pick(S, only);
        return t ? thread_resume(ci, t, false) : 0;
    }
    if (self) {
        /* listed as waiting, so that thread.*-then-promote may switch to it */
        if ((kind == AW_COND || kind == AW_COPY) && ready(arg))
            return 0;
        self->wait = kind;
        self->ready = ready;
        self->ready_arg = arg;
        self->reacquire = false;
        self->cancellable = false;
        enlist(S, self);
        return stack_wait(ci, f, self);
    }
    while (!ready(arg)) {
        athread *t = pick(S, only);
        if (!t) {
            /* no guest thread can run: the host's side of the loop */
            uint32_t hc = ci->hloop ? wacc__hloop_step(ci, true) : WACC__LOOP_IDLE;
            if (hc == 0)
                continue;
            if (hc != WACC__LOOP_IDLE)
                return hc;
            return only ? trapf(f, "cannot block a synchronous task before returning")
                        : trapf(f, "deadlock detected: event loop cannot make further progress");
        }
        uint32_t code = thread_resume(ci, t, false);
        if (code)
            return code;
    }
    return 0;
}

/* ---- tasks ---- */

/* Task.exit_implicit_thread (+ unregister_thread's trap). */
static uint32_t task_exit(atask *task)
{
    cframe *f = task->inst;
    if (task->state != AT_RESOLVED && task->live == 1)
        return trapf(f, "task exited without calling task.return");
    if (needs_exclusive(task) && f->exclusive == &task->thread)
        f->exclusive = NULL;
    return 0;
}

/* Task.return_ with a lifted result (NULL: none). */
static uint32_t task_return(atask *task, const wacc_cval *result, char *msg)
{
    cframe *f = task->inst;
    if (task->state == AT_RESOLVED)
        return trapf(f, "task.return called twice (or after task.cancel)");
    if (wacc_task_return(&task->borrows, msg, 160))
        return wacc__note(f, WACC_TRAP_COMPONENT, msg);
    acaller *c = task->caller;
    task->caller = NULL;
    c->callee = NULL;
    task->state = AT_RESOLVED;
    return c->on_resolve(c, result, false);
}

static uint32_t task_cancel(atask *task)
{
    cframe *f = task->inst;
    if (task->state != AT_CANCEL_DELIVERED)
        return trapf(f, "task.cancel called without a delivered cancellation");
    char msg[160];
    if (wacc_task_return(&task->borrows, msg, sizeof msg))
        return wacc__note(f, WACC_TRAP_COMPONENT, msg);
    acaller *c = task->caller;
    task->caller = NULL;
    c->callee = NULL;
    task->state = AT_RESOLVED;
    return c->on_resolve(c, NULL, true);
}

/* Task.request_cancellation (OnCancel). */
static uint32_t task_request_cancel(atask *task)
{
    cframe *f = task->inst;
    athread *th = &task->thread;
    if (task->state == AT_INITIAL) {
        task->state = AT_CANCEL_DELIVERED;
        return thread_resume(f->ci, th, true);
    }
    athread *cand = th->wait != AW_NONE && th->cancellable ? th : NULL;
    if (needs_exclusive(task) && f->exclusive && f->exclusive != th)
        cand = NULL;
    for (athread *x = task->threads; x && !cand; x = x->tnext)
        if (x->wait != AW_NONE && x->cancellable)
            cand = x;
    if (cand && f->abi.may_enter) {
        task->state = AT_CANCEL_DELIVERED;
        return thread_resume(f->ci, cand, true);
    }
    task->state = AT_PENDING_CANCEL;
    return 0;
}

static uint32_t call_core(cframe *f, athread *th, wacc_func *fn, const wacc_val *args, uint32_t nargs,
                          wacc_val *res, uint32_t nres)
{
    asched *S = f->ci->sched;
    athread *cur = S->cur;
    S->cur = th;
    wacc_trap t;
    bool ok = wacc_call(f->ci->store, fn, args, nargs, res, nres, &t);
    S->cur = cur;
    if (ok)
        return 0;
    if (t.code == WACC_TRAP_COMPONENT && f->ci->msg[0])
        return t.code;
    if (t.code == WACC_TRAP_NONE)
        t.code = WACC_TRAP_HOST;
    /* keep the core trap's text as the reason */
    return wacc__note(f, t.code, strncmp(t.message, "trap: ", 6) == 0 ? t.message + 6 : t.message);
}

/* A compiled transfer of a fused async adapter (wacc/abi.h "Fused async
 * adapters"), run under its own trap entry with th current; a trap is
 * reported as call_core reports one. */
static uint32_t call_fused(cframe *f, athread *th, wacc_array_call_fn fn, void *cx, wacc_val *vals)
{
    asched *S = f->ci->sched;
    athread *cur = S->cur;
    S->cur = th;
    struct wacc_entry e;
    bool ok = wacc__call_protected(f->ci->store, &e, fn, cx, NULL, vals);
    S->cur = cur;
    if (ok)
        return 0;
    wacc_trap t;
    memset(&t, 0, sizeof t);
    wacc__fill_trap(&e, &t);
    if (t.code == WACC_TRAP_COMPONENT && f->ci->msg[0])
        return t.code;
    if (t.code == WACC_TRAP_NONE)
        t.code = WACC_TRAP_HOST;
    return wacc__note(f, t.code, strncmp(t.message, "trap: ", 6) == 0 ? t.message + 6 : t.message);
}

static uint32_t task_run_fused(atask *task);

/* The callback event loop of canon_lift (unpack_callback_result, waits,
 * callback calls) after the core function returned `packed`. */
static uint32_t cb_loop(athread *th, uint32_t packed)
{
    atask *task = th->task;
    cframe *f = task->inst;
    for (;;) {
        uint32_t code = packed & 0xf, si = packed >> 4;
        if (code > CB_WAIT)
            return trapf(f, "unsupported callback code %u", code);
        if (code == CB_EXIT)
            return task_exit(task);
        f->exclusive = NULL;
        uint32_t ev = EV_NONE, p1 = 0, p2 = 0, c;
        bool cancelled = false;
        if (code == CB_YIELD) {
            c = wait_until(f->ci, f, th, AW_YIELD, NULL, NULL, true, &cancelled);
        } else {
            awset *s = handle_obj(f, si, O_WSET);
            if (!s)
                return trapf(f, "callback returned WAIT with %u, not a waitable set", si);
            s->num_waiting++;
            th->wset = si;
            c = wait_until(f->ci, f, th, AW_WAIT, NULL, NULL, true, &cancelled);
            s = handle_obj(f, si, O_WSET);
            if (s)
                s->num_waiting--;
            if (!c && !cancelled && s)
                wset_event(f, s, &ev, &p1, &p2);
        }
        if (c)
            return c;
        if (cancelled) {
            ev = EV_TASK_CANCELLED;
            p1 = p2 = 0;
        }
        f->exclusive = th;
        wacc_val a[3], r;
        memset(a, 0, sizeof a);
        memset(&r, 0, sizeof r);
        a[0].i32 = (int32_t)ev;
        a[1].i32 = (int32_t)p1;
        a[2].i32 = (int32_t)p2;
        if ((c = call_core(f, th, task->F->callback, a, 3, &r, 1)) != 0)
            return c;
        packed = (uint32_t)r.i32;
    }
}

/* canon_lift's thread_func after the backpressure gate: lower the
 * arguments, call the core function, then per kind of lift. */
static uint32_t task_run(atask *task)
{
    struct wacc_cfunc *F = task->F;
    cframe *f = task->inst;
    wacc_cinstance *ci = f->ci;
    athread *th = &task->thread;
    if (needs_exclusive(task))
        f->exclusive = th;
    if (task->caller->fused)
        return task_run_fused(task);
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc__rctx r = { ci->store, &F->opts, NULL };
    wacc_abi_cx cx;
    wacc__setup_cx(&cx, &r, f, &F->opts, &arena);
    cx.task = &task->borrows;
    task->state = AT_STARTED;
    wacc_cval *args = wacc_arena_alloc(&arena, (F->nparams + 1) * sizeof *args);
    uint32_t code = args ? task->caller->on_start(task->caller, args, &arena)
                         : wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    wacc_val flat[WACC_ABI_MAX_FLAT_PARAMS + 1], res[WACC_ABI_MAX_FLAT_PARAMS + 1];
    memset(flat, 0, sizeof flat);
    memset(res, 0, sizeof res);
    uint32_t nflat = 0;
    if (!code) {
        int e = wacc_abi_lower_values(&cx, WACC_ABI_MAX_FLAT_PARAMS, args, F->params, F->nparams, flat,
                                      WACC_ABI_MAX_FLAT_PARAMS + 1, &nflat, NULL);
        if (e)
            code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
    }
    if (!code)
        code = call_core(f, th, F->core, flat, nflat, res, F->ft.nresults);
    if (code) {
        wacc_arena_fini(&arena);
        return code;
    }
    if (!F->async_opt) {
        wacc__refresh(&cx, &F->opts);
        wacc_cval result;
        memset(&result, 0, sizeof result);
        uint32_t pos = 0;
        int e = 0;
        if (F->result)
            e = wacc_abi_lift_values(&cx, WACC_ABI_MAX_FLAT_RESULTS, res, F->ft.nresults, &pos, &F->result,
                                     1, &result);
        if (e)
            code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
        if (!code)
            code = task_return(task, F->result ? &result : NULL, cx.msg);
        if (!code && F->opts.post_return) {
            f->abi.may_leave = false;
            code = call_core(f, th, F->opts.post_return, res, F->ft.nresults, NULL, 0);
            f->abi.may_leave = true;
        }
        wacc_arena_fini(&arena);
        return code ? code : task_exit(task);
    }
    wacc_arena_fini(&arena);
    if (!F->callback)
        return task_exit(task);
    return cb_loop(th, (uint32_t)res[0].i32);
}

/* ---- fused async adapters (wacc/abi.h "Fused async adapters") ---- */

static asubtask *sub_of(acaller *c);
static void sub_fused_started(acaller *c, wacc_val *args);
static uint32_t sub_fused_resolve(acaller *c, cframe *f, athread *th, const wacc_val *flat,
                                  uint32_t n);

/* Task.return_ for a fused caller: the callee's result as it gave it
 * (task.return's core params, or a sync lift's core results). */
static uint32_t task_return_flat(atask *task, athread *th, const wacc_val *flat, uint32_t n)
{
    cframe *f = task->inst;
    if (task->state == AT_RESOLVED)
        return trapf(f, "task.return called twice (or after task.cancel)");
    acaller *c = task->caller;
    alower *L = c->fused;
    /* with handles, the result is lifted (own handles out of the callee's
     * table) before the borrows are checked, as on the generic path */
    uint32_t code = 0;
    if (L->fhandles) {
        wacc__adapter_async_scope(L->fcx, &sub_of(c)->lend, &task->borrows);
        if ((code = sub_fused_resolve(c, f, th, flat, n)) != 0)
            return code;
    }
    char msg[160];
    msg[0] = 0;
    if (wacc_task_return(&task->borrows, msg, sizeof msg))
        return wacc__note(f, WACC_TRAP_COMPONENT, msg);
    task->caller = NULL;
    c->callee = NULL;
    task->state = AT_RESOLVED;
    return L->fhandles ? 0 : sub_fused_resolve(c, f, th, flat, n);
}

/* task_run for a fused caller: the compiled start function moves the
 * arguments and calls the core function; then per kind of lift. */
static uint32_t task_run_fused(atask *task)
{
    struct wacc_cfunc *F = task->F;
    cframe *f = task->inst;
    athread *th = &task->thread;
    task->state = AT_STARTED;
    wacc_val vals[WACC_ABI_MAX_FLAT_PARAMS + 2];
    sub_fused_started(task->caller, vals);
    alower *L = task->caller->fused;
    if (L->fhandles)
        wacc__adapter_async_scope(L->fcx, &sub_of(task->caller)->lend, &task->borrows);
    uint32_t code = call_fused(f, th, L->fstart, L->fcx, vals);
    if (code)
        return code;
    if (!F->async_opt) {
        wacc_val res[WACC_ABI_MAX_FLAT_RESULTS];
        memcpy(res, vals, sizeof res);
        code = task_return_flat(task, th, vals, F->ft.nresults);
        if (!code && F->opts.post_return) {
            f->abi.may_leave = false;
            code = call_core(f, th, F->opts.post_return, res, F->ft.nresults, NULL, 0);
            f->abi.may_leave = true;
        }
        return code ? code : task_exit(task);
    }
    if (!F->callback)
        return task_exit(task);
    return cb_loop(th, (uint32_t)vals[0].i32);
}

/* The implicit thread's fiber: Task.enter_implicit_thread, then the call. */
static void thread_main(void *arg)
{
    athread *th = arg;
    atask *task = th->task;
    cframe *f = task->inst;
    uint32_t code = 0;
    if (task->F->async_ft && (has_backpressure(task) || f->num_waiting_to_enter > 0)) {
        f->num_waiting_to_enter++;
        bool cancelled = false;
        code = wait_until(f->ci, f, th, AW_ENTER, NULL, NULL, true, &cancelled);
        f->num_waiting_to_enter--;
        if (!code && cancelled) {
            th->code = task_cancel(task);
            return;
        }
    }
    th->code = code ? code : task_run(task);
}

/* canon_lift: a new task (and implicit thread on its own fiber) for F
 * called by `caller`; runs it until it blocks or finishes. */
static uint32_t task_call(struct wacc_cfunc *F, acaller *caller)
{
    cframe *f = F->f;
    asched *S = sched(f->ci);
    if (!S)
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    if (f->poisoned)
        return trapf(f, "cannot enter component instance: it trapped before");
    atask *task = S->nspare_task ? S->spare_task[--S->nspare_task] : calloc(1, sizeof *task);
    if (!task)
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    memset(task, 0, sizeof *task);
    task->F = F;
    task->inst = f;
    task->state = AT_INITIAL;
    task->caller = caller;
    caller->callee = task;
    task->thread.task = task;
    task->live = 1;
    wacc_task_init(&task->borrows);
    task_link(S, task);
    char err[256];
    if (!S->pool)
        S->pool = wacc_fiber_pool_new(FIBER_STACK, 16);
    task->thread.fiber = S->pool ? wacc_fiber_new(S->pool, thread_main, &task->thread, err) : NULL;
    if (!task->thread.fiber) {
        caller->callee = NULL;
        task->caller = NULL;
        task_free(f->ci, task);
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory (no stack for a task)");
    }
    return thread_resume(f->ci, &task->thread, false);
}

/* ---- synchronous tasks (component_call.c's fast path) ---- */

void wacc__sync_enter(cframe *f, atask *t)
{
    asched *S = sched(f->ci);
    memset(t, 0, sizeof *t);
    t->sync = true;
    t->inst = f;
    t->state = AT_STARTED;
    t->thread.task = t;
    if (S) {
        t->thread.prev_cur = S->cur;
        S->cur = &t->thread;
    }
}

void wacc__sync_leave(cframe *f, atask *t)
{
    if (f->ci->sched)
        f->ci->sched->cur = t->thread.prev_cur;
    thr_unregister(f, &t->thread);
    if (t->twin) {
        t->twin->state = AT_RESOLVED;
        if (--t->twin->live == 0)
            task_free(f->ci, t->twin);
    }
}

/* ---- the host as caller ---- */

typedef struct hcaller {
    acaller c;
    const wacc_cval *args;
    uint32_t nargs;
    wacc_cval *result;
    wacc_arena *arena;
    bool resolved, cancelled;
} hcaller;

static uint32_t host_on_start(acaller *c, wacc_cval *args, wacc_arena *arena)
{
    hcaller *h = (hcaller *)c;
    (void)arena;
    for (uint32_t i = 0; i < h->nargs; i++)
        args[i] = h->args[i];
    return 0;
}

/* Values lifted into a temporary arena are copied into the host's. */
static bool cval_copy(wacc_arena *a, const wacc_cval *src, wacc_cval *dst);

static uint32_t host_on_resolve(acaller *c, const wacc_cval *result, bool cancelled)
{
    hcaller *h = (hcaller *)c;
    h->resolved = true;
    h->cancelled = cancelled;
    if (result && h->result && !cval_copy(h->arena, result, h->result))
        return WACC_TRAP_OUT_OF_MEMORY;
    return 0;
}

static bool host_resolved(void *arg)
{
    return ((hcaller *)arg)->resolved;
}

static bool cval_copy(wacc_arena *a, const wacc_cval *src, wacc_cval *dst)
{
    *dst = *src;
    switch (src->kind) {
    case WACC_CT_STRING: {
        char *s = wacc_arena_alloc(a, src->n + 1);
        if (!s)
            return false;
        memcpy(s, src->x.str, src->n);
        dst->x.str = s;
        return true;
    }
    case WACC_CT_LIST:
        if (src->repr == WACC_CVAL_BYTES)
            return true;    /* bytes are not owned by the value */
        /* fall through */
    case WACC_CT_RECORD:
    case WACC_CT_TUPLE: {
        if (!src->n)
            return true;
        wacc_cval *e = wacc_arena_alloc(a, src->n * sizeof *e);
        if (!e)
            return false;
        for (uint32_t i = 0; i < src->n; i++)
            if (!cval_copy(a, &src->x.elems[i], &e[i]))
                return false;
        dst->x.elems = e;
        return true;
    }
    case WACC_CT_VARIANT:
    case WACC_CT_OPTION:
    case WACC_CT_RESULT:
    case WACC_CT_ENUM:
        if (src->x.payload) {
            wacc_cval *p = wacc_arena_alloc(a, sizeof *p);
            if (!p || !cval_copy(a, src->x.payload, p))
                return false;
            dst->x.payload = p;
        }
        return true;
    default:
        return true;
    }
}

bool wacc__async_call(const struct wacc_cfunc *F, bool async_lower)
{
    return async_lower || (F->kind == CF_LIFTED && (F->async_ft || F->async_opt)) ||
           (F->kind == CF_HOST && F->afn);
}

uint32_t wacc__async_invoke(wacc_store *s, struct wacc_cfunc *F, const wacc_cval *args,
                            wacc_cval *result, wacc_arena *arena, wacc_trap *trap)
{
    (void)s;
    cframe *f = F->f;
    wacc_cinstance *ci = f->ci;
    if (!f->abi.may_enter)
        return wacc__simple_trap(trap, WACC_TRAP_COMPONENT, "cannot enter component instance");
    hcaller h;
    memset(&h, 0, sizeof h);
    h.c.on_start = host_on_start;
    h.c.on_resolve = host_on_resolve;
    h.args = args;
    h.nargs = F->nparams;
    h.result = result;
    h.arena = arena;
    asched *S = sched(ci);
    athread *cur = S ? S->cur : NULL;
    uint32_t code = task_call(F, &h.c);
    if (!code && !h.resolved)
        code = wait_until(ci, f, NULL, AW_COND, host_resolved, &h, false, NULL);
    if (S)
        S->cur = cur;
    if (code) {
        /* the task outlives h (a trap poisoned the instance: its tasks are
         * not run again, and are freed with it): no pointer into this
         * frame may stay behind (task_free clears caller->callee) */
        if (h.c.callee)
            h.c.callee->caller = NULL;
        wacc_trap t;
        memset(&t, 0, sizeof t);
        t.code = code;
        snprintf(t.message, sizeof t.message, "trap: %s", ci->msg[0] ? ci->msg : wacc_trap_name(code));
        if (trap)
            *trap = t;
        return code;
    }
    if (h.cancelled)
        return wacc__simple_trap(trap, WACC_TRAP_COMPONENT, "the call was cancelled");
    return 0;
}

/* ---- canon lower (subtasks) ---- */

static asubtask *sub_of(acaller *c)
{
    return (asubtask *)((char *)c - offsetof(asubtask, c));
}

static void sub_progress(asubtask *st)
{
    if (st->async_events)
        st->w.pending = true;
}

static uint32_t sub_on_start(acaller *c, wacc_cval *args, wacc_arena *arena)
{
    asubtask *st = sub_of(c);
    alower *L = st->L;
    cframe *f = L->f;
    sub_progress(st);
    st->state = SS_STARTED;
    wacc__rctx r = { f->ci->store, &L->o, NULL };
    wacc_abi_cx cx;
    wacc__setup_cx(&cx, &r, f, &L->o, arena);
    cx.list_bytes = true;
    cx.subtask = &st->lend;
    uint32_t pos = 0;
    int e = wacc_abi_lift_values(&cx, L->async_opt ? WACC_ABI_MAX_FLAT_ASYNC_PARAMS : WACC_ABI_MAX_FLAT_PARAMS,
                                 st->args, L->ft.nparams, &pos, L->target->params, L->target->nparams, args);
    if (e)
        return wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
    return 0;
}

static uint32_t sub_on_resolve(acaller *c, const wacc_cval *result, bool cancelled)
{
    asubtask *st = sub_of(c);
    alower *L = st->L;
    cframe *f = L->f;
    sub_progress(st);
    if (cancelled) {
        st->state = st->state == SS_STARTING ? SS_CANCELLED_BEFORE_STARTED : SS_CANCELLED_BEFORE_RETURNED;
        return 0;
    }
    uint32_t code = 0;
    if (L->target->result && result) {
        wacc_arena arena;
        wacc_arena_init(&arena);
        wacc__rctx r = { f->ci->store, &L->o, NULL };
        wacc_abi_cx cx;
        wacc__setup_cx(&cx, &r, f, &L->o, &arena);
        uint64_t outp = 0;
        if (L->ft.results_spilled)
            outp = L->o.mem64 ? (uint64_t)st->args[L->ft.nparams - 1].i64
                              : (uint32_t)st->args[L->ft.nparams - 1].i32;
        uint32_t nout = 0;
        int e = wacc_abi_lower_values(&cx, L->async_opt ? 0 : WACC_ABI_MAX_FLAT_RESULTS, result,
                                      &L->target->result, 1, st->res, 1, &nout,
                                      L->ft.results_spilled ? &outp : NULL);
        if (e)
            code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
        wacc_arena_fini(&arena);
    }
    st->state = SS_RETURNED;
    return code;
}

/* The fused subtask's on_start: the caller's core args for the start
 * function. */
static void sub_fused_started(acaller *c, wacc_val *args)
{
    asubtask *st = sub_of(c);
    sub_progress(st);
    st->state = SS_STARTED;
    memcpy(args, st->args, sizeof st->args);
}

/* The fused subtask's on_resolve: the compiled result function stores the
 * result at the caller's return pointer. */
static uint32_t sub_fused_resolve(acaller *c, cframe *f, athread *th, const wacc_val *flat,
                                  uint32_t n)
{
    asubtask *st = sub_of(c);
    alower *L = st->L;
    sub_progress(st);
    uint32_t code = 0;
    if (L->target->result) {
        wacc_val v[WACC_ABI_MAX_FLAT_PARAMS + 1];
        memset(v, 0, sizeof v);
        if (L->async_opt || L->ft.results_spilled)
            v[0] = st->args[L->ft.nparams - 1];
        memcpy(v + 1, flat, n * sizeof *v);
        code = call_fused(f, th, L->fresult, L->fcx, v);
        /* a sync lower's flat result */
        if (!code && !L->async_opt && !L->ft.results_spilled)
            memcpy(st->res, v, L->ft.nresults * sizeof *v);
    }
    st->state = SS_RETURNED;
    return code;
}

static bool sub_resolved(void *arg)
{
    return ((asubtask *)arg)->state >= SS_RETURNED;
}

static uint32_t lower_async_call(void *data, wacc_val *vals)
{
    alower *L = data;
    cframe *f = L->f;
    wacc_cinstance *ci = f->ci;
    struct wacc_cfunc *F = L->target;
    asched *S = sched(ci);
    if (!S)
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance");
    athread *th = S->cur;
    if (F->kind == CF_LIFTED && (F->f == f || !F->f->abi.may_enter))
        return trapf(f, "cannot enter component instance");
    asubtask *st = obj_new(ci, sizeof *st, O_SUBTASK);
    if (!st)
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    st->L = L;
    st->c.on_start = sub_on_start;
    st->c.on_resolve = sub_on_resolve;
    st->c.inst = f;
    if (L->fcx && F->kind == CF_LIFTED)
        st->c.fused = L;
    wacc_subtask_init(&st->lend, &f->abi);
    memcpy(st->args, vals, L->ft.nparams * sizeof *vals);
    uint32_t code = 0;
    if (F->kind == CF_HOST && F->afn) {
        code = wacc__hcall_start(f, F, &st->c);
    } else if (F->kind == CF_HOST) {
        wacc_arena arena;
        wacc_arena_init(&arena);
        wacc_cval *args = wacc_arena_alloc(&arena, (F->nparams + 1) * sizeof *args);
        wacc_cval res;
        memset(&res, 0, sizeof res);
        code = args ? sub_on_start(&st->c, args, &arena) : WACC_TRAP_OUT_OF_MEMORY;
        if (!code && (code = F->fn(F->data, args, F->nparams, &res, &arena)) != 0)
            wacc__note(f, code, wacc_trap_name(code));
        if (!code)
            code = sub_on_resolve(&st->c, F->result ? &res : NULL, false);
        wacc_arena_fini(&arena);
    } else {
        code = task_call(F, &st->c);
    }
    if (!code && !L->async_opt && !sub_resolved(st)) {
        if (!th)
            code = trapf(f, "cannot block a synchronous task before returning (in a start function)");
        else
            code = wait_until(ci, f, th, AW_COND, sub_resolved, st, false, NULL);
    }
    if (code) {
        obj_free(ci, st);
        return code;
    }
    if (!L->async_opt) {
        wacc_subtask_deliver_resolve(&st->lend);
        st->delivered = true;
        memcpy(vals, st->res, L->ft.nresults * sizeof *vals);
        obj_free(ci, st);
        return 0;
    }
    memset(vals, 0, sizeof *vals);
    if (sub_resolved(st)) {
        wacc_subtask_deliver_resolve(&st->lend);
        st->delivered = true;
        obj_free(ci, st);
        vals[0].i32 = SS_RETURNED;
        return 0;
    }
    if (!handle_add(f, WACC_HANDLE_OTHER, st, NULL, &st->idx, &code)) {
        obj_free(ci, st);
        return code;
    }
    st->async_events = true;
    vals[0].i32 = (int32_t)(st->state | (st->idx << 4));
    return 0;
}

wacc_func *wacc__async_lower(cframe *f, struct wacc_cfunc *target, const copts *o, bool async_opt)
{
    alower *L = wacc_arena_alloc(&f->ci->arena, sizeof *L);
    if (!L)
        return NULL;
    memset(L, 0, sizeof *L);
    L->f = f;
    L->target = target;
    L->o = *o;
    L->async_opt = async_opt;
    wacc_flatten_functype(target->params, target->nparams, target->result, o->mem64, async_opt, false,
                          WACC_ABI_LOWER, &L->ft);
    if (!wacc__adapter_async(f, target, o, async_opt, &L->fcx, &L->fstart, &L->fresult))
        L->fcx = NULL;
    if (L->fcx) {
        const wacc_resource_type *rts[WACC_ADAPTER_KEY_MAX_RESOURCES];
        L->fhandles = wacc_adapter_key_resources(target->params, target->nparams, target->result, rts,
                                                 WACC_ADAPTER_KEY_MAX_RESOURCES) != 0;
    }
    return wacc__host_func(f, L->ft.params, L->ft.nparams, L->ft.results, L->ft.nresults,
                           lower_async_call, L);
}

/* ---- built-ins ---- */

typedef struct abuiltin {
    cframe *f;
    uint8_t op;
    bool async_, cancellable, i64;
    uint32_t index;                 /* context.get/set */
    copts o;
    const wacc_ctype *t;            /* stream/future type; task.return result */
    bool has_result;
    wacc_table_obj *table;          /* thread.new-indirect: the table of start
                                       functions, and their parameter type */
    bool start64;
} abuiltin;

static athread *cur_thread(cframe *f)
{
    asched *S = sched(f->ci);
    return S ? S->cur : NULL;
}

static uint64_t addr(const copts *o, const wacc_val *v)
{
    return o->mem64 ? (uint64_t)v->i64 : (uint32_t)v->i32;
}

/* unpack_event: the payload into memory at ptr. */
static uint32_t unpack_event(abuiltin *B, uint64_t ptr, uint32_t p1, uint32_t p2)
{
    cframe *f = B->f;
    if (!B->o.memory)
        return trapf(f, "no memory for the event payload");
    uint8_t *m = wacc_memory_data(B->o.memory);
    uint64_t size = wacc_memory_size(B->o.memory);
    if (ptr % 4 || ptr > size || size - ptr < 8)
        return trapf(f, "event payload pointer %llu out of bounds", (unsigned long long)ptr);
    memcpy(m + ptr, &p1, 4);
    memcpy(m + ptr + 4, &p2, 4);
    return 0;
}

static uint32_t bi_task_return(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (task.return)");
    athread *th = cur_thread(f);
    atask *task = th ? th->task : NULL;
    if (!task || task->sync || !task->F->async_opt)
        return trapf(f, "task.return called from a synchronously lifted function");
    struct wacc_cfunc *F = task->F;
    if (B->has_result != (F->result != NULL) || (F->result && !wacc_ctype_equal(B->t, F->result)))
        return trapf(f, "invalid task.return signature for the current task");
    /* LiftOptions.equal; a task.return without memory (its result needs
     * none) is accepted from a lift with one, as Wasmtime does */
    if ((B->o.memory && B->o.memory != F->opts.memory) || B->o.encoding != F->opts.encoding)
        return trapf(f, "invalid task.return options for the current task");
    if (task->caller && task->caller->fused && !B->o.mem64)
        return task_return_flat(task, th, v, B->has_result ? (B->t->nflat > WACC_ABI_MAX_FLAT_PARAMS
                                                                  ? 1 : B->t->nflat) : 0);
    wacc_arena arena;
    wacc_arena_init(&arena);
    wacc__rctx r = { f->ci->store, &B->o, NULL };
    wacc_abi_cx cx;
    wacc__setup_cx(&cx, &r, f, &B->o, &arena);
    cx.task = &task->borrows;
    wacc_cval res;
    memset(&res, 0, sizeof res);
    uint32_t pos = 0, code = 0;
    wacc_core_functype ft;
    wacc_flatten_functype(&B->t, B->has_result ? 1 : 0, NULL, B->o.mem64, false, false, WACC_ABI_LOWER, &ft);
    int e = B->has_result ? wacc_abi_lift_values(&cx, WACC_ABI_MAX_FLAT_PARAMS, v, ft.nparams, &pos, &B->t, 1,
                                                 &res)
                          : 0;
    if (e)
        code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
    else
        code = task_return(task, B->has_result ? &res : NULL, cx.msg);
    wacc_arena_fini(&arena);
    return code;
}

static uint32_t bi_task_cancel(abuiltin *B, wacc_val *v)
{
    (void)v;
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (task.cancel)");
    athread *th = cur_thread(f);
    atask *task = th ? th->task : NULL;
    if (!task || task->sync || !task->F->async_opt)
        return trapf(f, "task.cancel called from a synchronously lifted function");
    return task_cancel(task);
}

static uint32_t bi_context(abuiltin *B, wacc_val *v)
{
    athread *th = cur_thread(B->f);
    uint64_t *slot = th ? &th->storage[B->index] : &sched(B->f->ci)->storage[B->index];
    if (B->op == WACC_CANON_CONTEXT_GET) {
        if (B->i64)
            v[0].i64 = (int64_t)*slot;
        else
            v[0].i32 = (int32_t)(uint32_t)*slot;
    } else {
        *slot = B->i64 ? (uint64_t)v[0].i64 : (uint32_t)v[0].i32;
    }
    return 0;
}

static uint32_t bi_yield(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (thread.yield)");
    bool cancelled = false;
    athread *th = cur_thread(f);
    uint32_t code = th ? wait_until(f->ci, f, th, AW_ALWAYS, NULL, NULL, B->cancellable, &cancelled) : 0;
    v[0].i32 = cancelled;
    return code;
}

/* thread.index: the current thread's index in its instance's threads
 * table (an implicit thread is put in the table when it first asks;
 * explicit threads are when they are made). */
static uint32_t bi_thread_index(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (thread.index)");
    athread *th = cur_thread(f);
    if (!th)
        return trapf(f, "thread.index called outside any task");
    if (!thr_register(th->task->inst, th))
        return trapf(f, "too many threads");
    v[0].i32 = (int32_t)th->index;
    return 0;
}

/* An explicit thread's fiber: the start function, then
 * Task.unregister_thread's trap. */
static void xthread_main(void *arg)
{
    athread *th = arg;
    atask *task = th->task;
    cframe *f = task->inst;
    wacc_val a = th->start_arg;
    uint32_t code = call_core(f, th, th->start_fn, &a, 1, NULL, 0);
    if (!code && task->live == 1 && task->state != AT_RESOLVED)
        code = trapf(f, "task exited without calling task.return");
    th->code = code;
}

/* The heap task that owns the explicit threads of synchronous task t
 * (which lives on its caller's stack); it counts t's thread as live
 * until t returns (wacc__sync_leave). */
static atask *sync_twin(cframe *f, atask *t)
{
    if (t->twin)
        return t->twin;
    asched *S = sched(f->ci);
    atask *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->inst = t->inst;
    w->sync = true;
    w->state = AT_STARTED;
    w->live = 1;
    w->thread.task = w;
    w->thread.exited = true;
    task_link(S, w);
    t->twin = w;
    return w;
}

static uint32_t bi_new_indirect(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    wacc_cinstance *ci = f->ci;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (thread.new-indirect)");
    athread *cur = cur_thread(f);
    if (!cur)
        return trapf(f, "thread.new-indirect called outside any task");
    uint32_t fi = (uint32_t)v[0].i32;
    void *ref = NULL;
    if (!wacc_table_get(B->table, fi, &ref))
        return trapf(f, "thread.new-indirect: table index %u out of bounds", fi);
    wacc_func *fn = ref ? wacc_func_from_ref(ci->store, ref) : NULL;
    if (!fn)
        return trapf(f, "thread.new-indirect: uninitialized element %u", fi);
    wacc_functype ft;
    wacc_func_type(fn, &ft);
    if (ft.nparams != 1 || ft.nresults != 0 || ft.params[0] != (B->start64 ? WACC_I64 : WACC_I32))
        return trapf(f, "thread.new-indirect: indirect call type mismatch");
    atask *task = cur->task->sync ? sync_twin(f, cur->task) : cur->task;
    asched *S = sched(ci);
    athread *t = task ? calloc(1, sizeof *t) : NULL;
    if (!t)
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    t->explicit_ = true;
    t->task = task;
    t->wait = AW_SUSPENDED;
    t->start_fn = fn;
    t->start_arg = v[1];
    char err[256];
    if (!S->pool)
        S->pool = wacc_fiber_pool_new(FIBER_STACK, 16);
    t->fiber = S->pool ? wacc_fiber_new(S->pool, xthread_main, t, err) : NULL;
    if (!t->fiber || !thr_register(task->inst, t)) {
        if (t->fiber)
            wacc_fiber_free(t->fiber);
        free(t);
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory (no stack for a thread)");
    }
    t->tnext = task->threads;
    task->threads = t;
    task->live++;
    v[0].i32 = (int32_t)t->index;
    return 0;
}

static uint32_t bi_resume_later(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (thread.resume-later)");
    uint32_t i = (uint32_t)v[0].i32;
    athread *t = thr_get(f, i);
    if (!t)
        return trapf(f, "thread.resume-later: %u is not a thread", i);
    if (t->wait != AW_SUSPENDED)
        return trapf(f, "thread.resume-later: thread %u is not suspended", i);
    t->wait = AW_ALWAYS;
    t->reacquire = false;
    enlist(sched(f->ci), t);
    return 0;
}

/* thread.suspend, thread.{suspend,yield}-then-{resume,promote}. */
static uint32_t bi_suspend(abuiltin *B, wacc_val *v)
{
    static const char *const names[] = { "thread.suspend", "thread.suspend-then-resume",
                                         "thread.yield-then-resume", "thread.suspend-then-promote",
                                         "thread.yield-then-promote" };
    cframe *f = B->f;
    bool plain = B->op == WACC_CANON_THREAD_SUSPEND;
    const char *name = names[plain ? 0 : B->op - WACC_CANON_THREAD_SUSPEND_THEN_RESUME + 1];
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (%s)", name);
    athread *th = cur_thread(f);
    if (!th)
        return trapf(f, "%s called outside any task", name);
    athread *other = NULL;
    bool yield = B->op == WACC_CANON_THREAD_YIELD_THEN_RESUME || B->op == WACC_CANON_THREAD_YIELD_THEN_PROMOTE;
    bool promote = B->op == WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE || B->op == WACC_CANON_THREAD_YIELD_THEN_PROMOTE;
    if (!plain) {
        uint32_t i = (uint32_t)v[0].i32;
        if (!(other = thr_get(th->task->inst, i)))
            return trapf(f, "%s: %u is not a thread", name, i);
        if (!promote && other->wait != AW_SUSPENDED)
            return trapf(f, "%s: thread %u is not suspended", name, i);
    }
    if (deliver_pending_cancel(th->task, B->cancellable)) {
        v[0].i32 = 1;
        return 0;
    }
    if (promote) {
        /* Thread.*_then_promote: switch only to a ready waiting thread */
        if (other->wait != AW_NONE && other->wait != AW_SUSPENDED && thread_ready(other)) {
            delist(sched(f->ci), other);
            other->wait = AW_SUSPENDED;
        } else {
            other = NULL;
            if (yield) {
                bool cancelled = false;
                uint32_t code = wait_until(f->ci, f, th, AW_ALWAYS, NULL, NULL, B->cancellable, &cancelled);
                v[0].i32 = cancelled;
                return code;
            }
        }
    }
    if (yield) {
        th->wait = AW_ALWAYS;
        th->reacquire = false;
        enlist(sched(f->ci), th);
    } else {
        th->wait = AW_SUSPENDED;
    }
    bool cancelled = false;
    uint32_t code = thread_block(f->ci, f, th, other, B->cancellable, &cancelled);
    v[0].i32 = cancelled;
    return code;
}

static uint32_t bi_backpressure(abuiltin *B, wacc_val *v)
{
    (void)v;
    cframe *f = B->f;
    if (B->op == WACC_CANON_BACKPRESSURE_INC) {
        if (++f->backpressure >= (1u << 16))
            return trapf(f, "backpressure counter overflow");
    } else {
        if (f->backpressure == 0)
            return trapf(f, "backpressure counter underflow");
        f->backpressure--;
    }
    return 0;
}

static uint32_t bi_wset_new(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (waitable-set.new)");
    awset *s = obj_new(f->ci, sizeof *s, O_WSET);
    uint32_t idx, code = 0;
    if (!s)
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    if (!handle_add(f, WACC_HANDLE_OTHER, s, NULL, &idx, &code)) {
        obj_free(f->ci, s);
        return code;
    }
    v[0].i32 = (int32_t)idx;
    return 0;
}

typedef struct wsetwait {
    cframe *f;
    uint32_t si;
} wsetwait;

static bool wset_ready(void *arg)
{
    wsetwait *w = arg;
    awset *s = handle_obj(w->f, w->si, O_WSET);
    return !s || wset_has_event(s);
}

/* The start of waitable-set.wait/poll/drop (op): the task may leave, and
 * v[0] is a waitable set. NULL: *code is the trap. */
static awset *wset_enter(abuiltin *B, const wacc_val *v, const char *op, uint32_t *code)
{
    cframe *f = B->f;
    if (!f->abi.may_leave) {
        *code = trapf(f, "cannot leave component instance (%s)", op);
        return NULL;
    }
    uint32_t si = (uint32_t)v[0].i32;
    awset *s = handle_obj(f, si, O_WSET);
    if (!s)
        *code = trapf(f, "%s: %u is not a waitable set", op, si);
    return s;
}

static uint32_t bi_wset_wait(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    uint32_t si = (uint32_t)v[0].i32, code;
    uint64_t ptr = addr(&B->o, &v[1]);
    awset *s = wset_enter(B, v, "waitable-set.wait", &code);
    if (!s)
        return code;
    athread *th = cur_thread(f);
    if (!th)
        return trapf(f, "cannot block a synchronous task before returning (in a start function)");
    wsetwait w = { f, si };
    bool cancelled = false;
    s->num_waiting++;
    code = wait_until(f->ci, f, th, AW_COND, wset_ready, &w, B->cancellable, &cancelled);
    s = handle_obj(f, si, O_WSET);
    if (s)
        s->num_waiting--;
    if (code)
        return code;
    uint32_t ev = EV_TASK_CANCELLED, p1 = 0, p2 = 0;
    if (!cancelled && s)
        wset_event(f, s, &ev, &p1, &p2);
    if ((code = unpack_event(B, ptr, p1, p2)) != 0)
        return code;
    v[0].i32 = (int32_t)ev;
    return 0;
}

static uint32_t bi_wset_poll(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    uint32_t code;
    uint64_t ptr = addr(&B->o, &v[1]);
    awset *s = wset_enter(B, v, "waitable-set.poll", &code);
    if (!s)
        return code;
    athread *th = cur_thread(f);
    uint32_t ev = EV_NONE, p1 = 0, p2 = 0;
    if (deliver_pending_cancel(th ? th->task : NULL, B->cancellable))
        ev = EV_TASK_CANCELLED;
    else
        wset_event(f, s, &ev, &p1, &p2);
    if ((code = unpack_event(B, ptr, p1, p2)) != 0)
        return code;
    v[0].i32 = (int32_t)ev;
    return 0;
}

static uint32_t bi_wset_drop(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    uint32_t si = (uint32_t)v[0].i32, code;
    awset *s = wset_enter(B, v, "waitable-set.drop", &code);
    if (!s)
        return code;
    if (s->elems)
        return trapf(f, "waitable-set.drop: the set still has waitables");
    if (s->num_waiting)
        return trapf(f, "waitable-set.drop: the set is being waited on");
    wacc_htable_remove(&f->abi.handles, si, NULL, NULL, 0);
    obj_free(f->ci, s);
    return 0;
}

static uint32_t bi_join(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (waitable.join)");
    uint32_t wi = (uint32_t)v[0].i32, si = (uint32_t)v[1].i32;
    awaitable *w = handle_waitable(f, wi);
    if (!w)
        return trapf(f, "waitable.join: %u is not a waitable", wi);
    if (w->sync_waiter)
        return trapf(f, "waitable.join: %u is being waited on synchronously", wi);
    awset *s = NULL;
    if (si && !(s = handle_obj(f, si, O_WSET)))
        return trapf(f, "waitable.join: %u is not a waitable set", si);
    w_join(w, s);
    if (w->o.otype == O_END) {
        ((aend *)w)->idx = wi;
        end_flags(f, (aend *)w);
    }
    return 0;
}

static bool w_pending(void *arg)
{
    return ((awaitable *)arg)->pending;
}

/* Waitable.wait_for_pending_event for the running thread. */
static uint32_t wait_pending(cframe *f, awaitable *w)
{
    athread *th = cur_thread(f);
    if (w->pending)
        return 0;
    if (!th)
        return trapf(f, "cannot block a synchronous task before returning (in a start function)");
    w->sync_waiter = true;
    uint32_t code = wait_until(f->ci, f, th, AW_COPY, w_pending, w, false, NULL);
    w->sync_waiter = false;
    return code;
}

static uint32_t bi_subtask_cancel(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (subtask.cancel)");
    uint32_t i = (uint32_t)v[0].i32;
    asubtask *st = handle_obj(f, i, O_SUBTASK);
    if (!st)
        return trapf(f, "subtask.cancel: %u is not a subtask", i);
    if (st->delivered)
        return trapf(f, "subtask.cancel: the subtask already resolved");
    if (st->cancel_requested)
        return trapf(f, "subtask.cancel: cancellation was already requested");
    if (st->w.wset && !B->async_)
        return trapf(f, "subtask.cancel: the subtask is in a waitable set");
    uint32_t code = 0;
    if (!sub_resolved(st)) {
        st->cancel_requested = true;
        if (st->c.callee && (code = task_request_cancel(st->c.callee)) != 0)
            return code;
        if (st->c.hcall)
            wacc__hcall_cancel(st->c.hcall);
        if (!sub_resolved(st)) {
            if (B->async_) {
                v[0].i32 = (int32_t)BLOCKED;
                return 0;
            }
            athread *th = cur_thread(f);
            if (!th)
                return trapf(f, "cannot block a synchronous task before returning (in a start function)");
            st->w.sync_waiter = true;
            code = wait_until(f->ci, f, th, AW_COND, sub_resolved, st, false, NULL);
            st->w.sync_waiter = false;
            if (code)
                return code;
        }
    }
    uint32_t ev, p1, p2;
    w_event(f, &st->w, &ev, &p1, &p2);
    v[0].i32 = (int32_t)st->state;
    return 0;
}

static uint32_t bi_subtask_drop(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (subtask.drop)");
    uint32_t i = (uint32_t)v[0].i32;
    asubtask *st = handle_obj(f, i, O_SUBTASK);
    if (!st)
        return trapf(f, "subtask.drop: %u is not a subtask", i);
    if (!st->delivered)
        return trapf(f, "subtask.drop: the subtask has not resolved yet");
    w_join(&st->w, NULL);
    wacc_htable_remove(&f->abi.handles, i, NULL, NULL, 0);
    obj_free(f->ci, st);
    return 0;
}

/* ---- streams and futures ---- */

static bool none_or_number(const wacc_ctype *t)
{
    return !t || wacc_ctype_plain(t);
}

static uint32_t buf_remain(const abuf *b)
{
    return b->length - b->progress;
}

/* Copies n elements from src's memory into dst's (load + store). */
static uint32_t buf_copy_host(abuf *src, abuf *dst, uint32_t n, cframe *f);

static uint32_t buf_copy(abuf *src, abuf *dst, uint32_t n, cframe *f)
{
    if (src->host || dst->host)
        return buf_copy_host(src, dst, n, f);
    if (src->t && n) {
        const wacc_ctype *t = src->t;
        uint32_t ss = wacc_ctype_size(t, src->o.mem64), ds = wacc_ctype_size(t, dst->o.mem64);
        uint8_t *sm = wacc_memory_data(src->o.memory), *dm = wacc_memory_data(dst->o.memory);
        uint32_t code = 0;
        if (wacc_ctype_plain(t) && ss == ds) {
            memmove(dm + dst->ptr, sm + src->ptr, (size_t)n * ss);
        } else if (wacc__adapter_copy(src->f, &src->o, dst->f, &dst->o, t, (uint32_t)src->ptr,
                                      (uint32_t)dst->ptr, n, &code)) {
            if (code)
                return code;
        } else {
            wacc_arena arena;
            wacc_arena_init(&arena);
            wacc__rctx rs = { f->ci->store, &src->o, NULL }, rd = { f->ci->store, &dst->o, NULL };
            wacc_abi_cx cs, cd;
            wacc__setup_cx(&cs, &rs, src->f, &src->o, &arena);
            wacc__setup_cx(&cd, &rd, dst->f, &dst->o, &arena);
            uint32_t code = 0;
            for (uint32_t i = 0; i < n && !code; i++) {
                wacc_cval val;
                int e = wacc_abi_load(&cs, src->ptr + (uint64_t)i * ss, t, &val);
                if (e) {
                    code = wacc__note(f, wacc__abi_trap(&cs, e, NULL), cs.msg);
                    break;
                }
                e = wacc_abi_store(&cd, &val, t, dst->ptr + (uint64_t)i * ds);
                if (e)
                    code = wacc__note(f, wacc__abi_trap(&cd, e, NULL), cd.msg);
            }
            wacc_arena_fini(&arena);
            if (code)
                return code;
        }
        src->ptr += (uint64_t)n * ss;
        dst->ptr += (uint64_t)n * ds;
    }
    src->progress += n;
    dst->progress += n;
    return 0;
}

static void on_copy(aend *e)
{
    e->w.pending = true;
    e->ev_result = CR_COMPLETED;
    e->ev_reclaim = true;
    if (e->host)
        wacc__hend_notify(e->host);
}

static void on_copy_done(aend *e, uint8_t result)
{
    e->w.pending = true;
    e->ev_result = result;
    e->ev_reclaim = false;
    if (e->host)
        wacc__hend_notify(e->host);
}

static void sh_set_pending(ashared *sh, cframe *inst, aend *e)
{
    sh->pinst = inst;
    sh->pbuf = e ? &e->buf : NULL;
    sh->pend = e;
}

static void sh_notify_pending(ashared *sh, uint8_t result)
{
    aend *p = sh->pend;
    sh_set_pending(sh, NULL, NULL);
    if (p)
        on_copy_done(p, result);
}

/* SharedStreamImpl.read/write and SharedFutureImpl.read/write for end e
 * (its buffer is e->buf) in instance inst. */
static uint32_t sh_copy(ashared *sh, cframe *inst, aend *e)
{
    abuf *mine = &e->buf;
    if (sh->future && !e->writable) {
        if (!sh->pbuf) {
            sh_set_pending(sh, inst, e);
            return 0;
        }
    } else if (sh->dropped) {
        on_copy_done(e, CR_DROPPED);
        return 0;
    } else if (!sh->pbuf) {
        sh_set_pending(sh, inst, e);
        return 0;
    }
    if (inst && inst == sh->pinst && !none_or_number(sh->t))
        return trapf(inst, "cannot read and write a %s of this type from the same component instance",
                     sh->future ? "future" : "stream");
    uint32_t code;
    if (sh->future) {
        abuf *src = e->writable ? mine : sh->pbuf, *dst = e->writable ? sh->pbuf : mine;
        if ((code = buf_copy(src, dst, 1, inst ? inst : sh->pinst)) != 0)
            return code;
        sh_notify_pending(sh, CR_COMPLETED);
        on_copy_done(e, CR_COMPLETED);
        return 0;
    }
    abuf *other = sh->pbuf;
    if (buf_remain(other) > 0) {
        if (buf_remain(mine) > 0) {
            uint32_t n = buf_remain(mine) < buf_remain(other) ? buf_remain(mine) : buf_remain(other);
            cframe *cf = inst ? inst : sh->pinst;
            if ((code = e->writable ? buf_copy(mine, other, n, cf) : buf_copy(other, mine, n, cf)) != 0)
                return code;
            on_copy(sh->pend);
        }
        on_copy_done(e, CR_COMPLETED);
    } else if (e->writable && mine->length == 0 && other->length == 0) {
        on_copy_done(e, CR_COMPLETED);
    } else {
        sh_notify_pending(sh, CR_COMPLETED);
        sh_set_pending(sh, inst, e);
    }
    return 0;
}

static void sh_drop(wacc_cinstance *ci, ashared *sh)
{
    if (!sh->dropped) {
        sh->dropped = true;
        if (sh->pbuf)
            sh_notify_pending(sh, CR_DROPPED);
    }
    if (--sh->refs == 0)
        obj_free(ci, sh);
}

static uint32_t bi_new(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    if (!f->abi.may_leave)
        return trapf(f, "cannot leave component instance (%s.new)", B->op == WACC_CANON_FUTURE_NEW ? "future" : "stream");
    bool fut = B->op == WACC_CANON_FUTURE_NEW;
    ashared *sh = obj_new(f->ci, sizeof *sh, O_SHARED);
    aend *r = obj_new(f->ci, sizeof *r, O_END), *w = obj_new(f->ci, sizeof *w, O_END);
    uint32_t code = 0, ri = 0, wi = 0;
    if (!sh || !r || !w) {
        if (sh) obj_free(f->ci, sh);
        if (r) obj_free(f->ci, r);
        if (w) obj_free(f->ci, w);
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    }
    sh->future = fut;
    sh->t = B->t->elem;
    sh->refs = 2;
    r->sh = w->sh = sh;
    r->st = w->st = B->t;
    r->future = w->future = fut;
    w->writable = true;
    r->state = w->state = CS_IDLE;
    if (!handle_add(f, fut ? WACC_HANDLE_FUTURE : WACC_HANDLE_STREAM, r, B->t, &ri, &code) ||
        !handle_add(f, WACC_HANDLE_OTHER, w, B->t, &wi, &code))
        return code;
    r->idx = ri;
    w->idx = wi;
    v[0].i64 = (int64_t)((uint64_t)ri | ((uint64_t)wi << 32));
    return 0;
}

static aend *end_get(abuiltin *B, uint32_t i, bool writable, const char *op, uint32_t *code)
{
    cframe *f = B->f;
    aend *e = handle_obj(f, i, O_END);
    bool fut = B->t->kind == WACC_CT_FUTURE;
    if (!e || e->writable != writable || e->future != fut) {
        *code = trapf(f, "%s: %u is not a %s end of a %s", op, i, writable ? "writable" : "readable",
                      fut ? "future" : "stream");
        return NULL;
    }
    if (!wacc_ctype_equal(e->st, B->t)) {
        *code = trapf(f, "%s: %u has another element type", op, i);
        return NULL;
    }
    return e;
}

/* An end's state for end_enter's mask: CS_*, or ES_SYNC_COPYING for a
 * copy a thread waits for synchronously. */
enum { ES_SYNC_COPYING = CS_DONE + 1 };
#define ES(s) (1u << (s))

static const char *end_state_name(uint32_t st)
{
    switch (st) {
    case CS_IDLE: return "idle";
    case CS_COPYING: return "already copying";
    case ES_SYNC_COPYING: return "copying synchronously";
    case CS_CANCELLING: return "cancelling a copy";
    default: return "done (the other end was dropped or the value was transferred)";
    }
}

/* The start of every stream/future built-in on end i: the may_leave
 * check, the handle (end_get), then the state trap: the end's state must
 * be one of `states` (a mask of ES(CS_*) / ES(ES_SYNC_COPYING)). */
static aend *end_enter(abuiltin *B, uint32_t i, bool writable, const char *op, uint32_t states, uint32_t *code)
{
    cframe *f = B->f;
    if (!f->abi.may_leave) {
        *code = trapf(f, "cannot leave component instance (%s)", op);
        return NULL;
    }
    aend *e = end_get(B, i, writable, op, code);
    if (!e)
        return NULL;
    uint32_t st = e->state == CS_COPYING && e->w.sync_waiter ? ES_SYNC_COPYING : e->state;
    if (!(states & ES(st))) {
        *code = trapf(f, "%s: the end is %s", op, end_state_name(st));
        return NULL;
    }
    return e;
}

static uint32_t bi_copy(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    bool fut = B->t->kind == WACC_CT_FUTURE;
    bool writable = B->op == WACC_CANON_STREAM_WRITE || B->op == WACC_CANON_FUTURE_WRITE;
    const char *op = fut ? (writable ? "future.write" : "future.read") : (writable ? "stream.write" : "stream.read");
    uint32_t i = (uint32_t)v[0].i32, code = 0;
    aend *e = end_enter(B, i, writable, op, ES(CS_IDLE), &code);
    if (!e)
        return code;
    if (e->w.wset && !B->async_)
        return trapf(f, "%s: synchronous copy of an end in a waitable set", op);
    uint64_t ptr = addr(&B->o, &v[1]);
    uint64_t n = fut ? 1 : addr(&B->o, &v[2]);
    const wacc_ctype *t = B->t->elem;
    if (n > BUFFER_MAX)
        return trapf(f, "%s: length %llu over the maximum", op, (unsigned long long)n);
    if (t && n > 0) {
        uint32_t al = wacc_ctype_align(t, B->o.mem64);
        uint64_t sz = wacc_ctype_size(t, B->o.mem64);
        uint64_t msize = B->o.memory ? wacc_memory_size(B->o.memory) : 0;
        if (ptr % al)
            return trapf(f, "%s: unaligned pointer", op);
        if (ptr > msize || (msize - ptr) / sz < n)
            return trapf(f, "%s: buffer out of bounds", op);
    }
    e->buf.f = f;
    e->buf.o = B->o;
    e->buf.t = t;
    e->buf.ptr = ptr;
    e->buf.progress = 0;
    e->buf.length = (uint32_t)n;
    e->idx = i;
    e->state = CS_COPYING;
    end_flags(f, e);
    if ((code = sh_copy(e->sh, f, e)) != 0)
        return code;
    if (!e->w.pending) {
        if (B->async_) {
            if (!fut && B->o.mem64)
                v[0].i64 = (int64_t)BLOCKED;
            else
                v[0].i32 = (int32_t)BLOCKED;
            return 0;
        }
        if ((code = wait_pending(f, &e->w)) != 0)
            return code;
    }
    uint32_t ev, p1, p2;
    w_event(f, &e->w, &ev, &p1, &p2);
    if (!fut && B->o.mem64)
        v[0].i64 = (int64_t)p2;
    else
        v[0].i32 = (int32_t)p2;
    return 0;
}

static uint32_t bi_cancel_copy(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    bool writable = B->op == WACC_CANON_STREAM_CANCEL_WRITE || B->op == WACC_CANON_FUTURE_CANCEL_WRITE;
    const char *op = writable ? "cancel-write" : "cancel-read";
    uint32_t i = (uint32_t)v[0].i32, code = 0;
    aend *e = end_enter(B, i, writable, op, ES(CS_COPYING), &code);
    if (!e)
        return code;
    if (e->w.wset && !B->async_)
        return trapf(f, "%s: synchronous cancel of an end in a waitable set", op);
    e->state = CS_CANCELLING;
    e->idx = i;
    end_flags(f, e);
    /* A partial copy (the buffer still pending, ev_reclaim) is cancelled
     * too: the result says CANCELLED with the progress made (as the
     * reference tests expect). */
    if (e->w.pending && e->ev_reclaim)
        e->ev_result = CR_CANCELLED;
    if (!e->w.pending) {
        if (e->sh->pend == e)
            sh_notify_pending(e->sh, CR_CANCELLED);
        if (!e->w.pending) {
            if (B->async_) {
                v[0].i32 = (int32_t)BLOCKED;
                return 0;
            }
            if ((code = wait_pending(f, &e->w)) != 0)
                return code;
        }
    }
    uint32_t ev, p1, p2;
    w_event(f, &e->w, &ev, &p1, &p2);
    v[0].i32 = (int32_t)p2;
    return 0;
}

static uint32_t bi_drop_end(abuiltin *B, wacc_val *v)
{
    cframe *f = B->f;
    bool writable = B->op == WACC_CANON_STREAM_DROP_WRITABLE || B->op == WACC_CANON_FUTURE_DROP_WRITABLE;
    const char *op = writable ? "drop-writable" : "drop-readable";
    uint32_t i = (uint32_t)v[0].i32, code = 0;
    aend *e = end_enter(B, i, writable, op, ES(CS_IDLE) | ES(CS_DONE), &code);
    if (!e)
        return code;
    if (e->future && writable && e->state != CS_DONE)
        return trapf(f, "%s: the future was not written", op);
    wacc_htable_remove(&f->abi.handles, i, NULL, NULL, 0);
    w_join(&e->w, NULL);
    ashared *sh = e->sh;
    obj_free(f->ci, e);
    sh_drop(f->ci, sh);
    return 0;
}

/* ---- building the built-ins ---- */

static uint32_t bi_dispatch(void *data, wacc_val *v)
{
    abuiltin *B = data;
    uint32_t code;
    switch (B->op) {
    case WACC_CANON_TASK_RETURN: code = bi_task_return(B, v); break;
    case WACC_CANON_TASK_CANCEL: code = bi_task_cancel(B, v); break;
    case WACC_CANON_CONTEXT_GET:
    case WACC_CANON_CONTEXT_SET: code = bi_context(B, v); break;
    case WACC_CANON_THREAD_YIELD: code = bi_yield(B, v); break;
    case WACC_CANON_THREAD_INDEX: code = bi_thread_index(B, v); break;
    case WACC_CANON_THREAD_NEW_INDIRECT: code = bi_new_indirect(B, v); break;
    case WACC_CANON_THREAD_RESUME_LATER: code = bi_resume_later(B, v); break;
    case WACC_CANON_THREAD_SUSPEND:
    case WACC_CANON_THREAD_SUSPEND_THEN_RESUME:
    case WACC_CANON_THREAD_YIELD_THEN_RESUME:
    case WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE:
    case WACC_CANON_THREAD_YIELD_THEN_PROMOTE: code = bi_suspend(B, v); break;
    case WACC_CANON_BACKPRESSURE_INC:
    case WACC_CANON_BACKPRESSURE_DEC: code = bi_backpressure(B, v); break;
    case WACC_CANON_WAITABLE_SET_NEW: code = bi_wset_new(B, v); break;
    case WACC_CANON_WAITABLE_SET_WAIT: code = bi_wset_wait(B, v); break;
    case WACC_CANON_WAITABLE_SET_POLL: code = bi_wset_poll(B, v); break;
    case WACC_CANON_WAITABLE_SET_DROP: code = bi_wset_drop(B, v); break;
    case WACC_CANON_WAITABLE_JOIN: code = bi_join(B, v); break;
    case WACC_CANON_SUBTASK_CANCEL: code = bi_subtask_cancel(B, v); break;
    case WACC_CANON_SUBTASK_DROP: code = bi_subtask_drop(B, v); break;
    case WACC_CANON_STREAM_NEW:
    case WACC_CANON_FUTURE_NEW: code = bi_new(B, v); break;
    case WACC_CANON_STREAM_READ:
    case WACC_CANON_STREAM_WRITE:
    case WACC_CANON_FUTURE_READ:
    case WACC_CANON_FUTURE_WRITE: code = bi_copy(B, v); break;
    case WACC_CANON_STREAM_CANCEL_READ:
    case WACC_CANON_STREAM_CANCEL_WRITE:
    case WACC_CANON_FUTURE_CANCEL_READ:
    case WACC_CANON_FUTURE_CANCEL_WRITE: code = bi_cancel_copy(B, v); break;
    default: code = bi_drop_end(B, v); break;
    }
    if (code)
        B->f->poisoned = true;
    return code;
}

wacc_func *wacc__async_builtin(cframe *f, const wacc_canon *cn, const copts *o, char *err, size_t errlen)
{
    static const uint8_t I32[3] = { WACC_I32, WACC_I32, WACC_I32 }, I64[1] = { WACC_I64 };
    abuiltin *B = wacc_arena_alloc(&f->ci->arena, sizeof *B);
    if (!B) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memset(B, 0, sizeof *B);
    B->f = f;
    B->op = cn->op;
    B->async_ = cn->async || cn->opts.nasync;
    B->cancellable = cn->cancellable;
    B->index = cn->context_index;
    B->i64 = cn->core_valtype == 0x7e;
    B->o = *o;
    if (cn->op == WACC_CANON_CONTEXT_GET || cn->op == WACC_CANON_CONTEXT_SET ||
        cn->op == WACC_CANON_THREAD_INDEX || cn->op == WACC_CANON_THREAD_NEW_INDIRECT ||
        (cn->op >= WACC_CANON_THREAD_RESUME_LATER && cn->op <= WACC_CANON_THREAD_YIELD_THEN_PROMOTE))
        f->uses_context = true;     /* they need the current thread */
    uint8_t a = o->mem64 ? WACC_I64 : WACC_I32;
    const uint8_t pa[3] = { WACC_I32, a, a };
    switch (cn->op) {
    case WACC_CANON_TASK_RETURN: {
        B->has_result = cn->has_result;
        if (cn->has_result && !(B->t = wacc__ctype_of(f, cn->result, err, errlen)))
            return NULL;
        wacc_core_functype ft;
        wacc_flatten_functype(&B->t, B->has_result ? 1 : 0, NULL, o->mem64, false, false, WACC_ABI_LOWER, &ft);
        return wacc__host_func(f, ft.params, ft.nparams, NULL, 0, bi_dispatch, B);
    }
    case WACC_CANON_TASK_CANCEL:
    case WACC_CANON_BACKPRESSURE_INC:
    case WACC_CANON_BACKPRESSURE_DEC:
        return wacc__host_func(f, NULL, 0, NULL, 0, bi_dispatch, B);
    case WACC_CANON_CONTEXT_GET:
        return wacc__host_func(f, NULL, 0, B->i64 ? I64 : I32, 1, bi_dispatch, B);
    case WACC_CANON_CONTEXT_SET:
        return wacc__host_func(f, B->i64 ? I64 : I32, 1, NULL, 0, bi_dispatch, B);
    case WACC_CANON_THREAD_YIELD:
    case WACC_CANON_THREAD_INDEX:
    case WACC_CANON_THREAD_SUSPEND:
    case WACC_CANON_WAITABLE_SET_NEW:
        return wacc__host_func(f, NULL, 0, I32, 1, bi_dispatch, B);
    case WACC_CANON_THREAD_RESUME_LATER:
        return wacc__host_func(f, I32, 1, NULL, 0, bi_dispatch, B);
    case WACC_CANON_THREAD_SUSPEND_THEN_RESUME:
    case WACC_CANON_THREAD_YIELD_THEN_RESUME:
    case WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE:
    case WACC_CANON_THREAD_YIELD_THEN_PROMOTE:
        return wacc__host_func(f, I32, 1, I32, 1, bi_dispatch, B);
    case WACC_CANON_THREAD_NEW_INDIRECT: {
        if (cn->table >= f->count[WACC_SORT_CORE_TABLE] || cn->type >= f->count[WACC_SORT_CORE_TYPE]) {
            snprintf(err, errlen, "thread.new-indirect: table or type index out of bounds");
            return NULL;
        }
        B->table = f->space[WACC_SORT_CORE_TABLE][cn->table].u.core.of.table;
        const wacc_core_type *ct = f->space[WACC_SORT_CORE_TYPE][cn->type].u.ctype;
        B->start64 = ct && ct->kind == WACC_CT_FUNC && ct->func.nparams == 1 && ct->func.params[0] == WASM_I64;
        const uint8_t np[2] = { WACC_I32, B->start64 ? WACC_I64 : WACC_I32 };
        return wacc__host_func(f, np, 2, I32, 1, bi_dispatch, B);
    }
    case WACC_CANON_WAITABLE_SET_WAIT:
    case WACC_CANON_WAITABLE_SET_POLL:
        return wacc__host_func(f, pa, 2, I32, 1, bi_dispatch, B);
    case WACC_CANON_WAITABLE_SET_DROP:
    case WACC_CANON_SUBTASK_DROP:
        return wacc__host_func(f, I32, 1, NULL, 0, bi_dispatch, B);
    case WACC_CANON_WAITABLE_JOIN:
        return wacc__host_func(f, I32, 2, NULL, 0, bi_dispatch, B);
    case WACC_CANON_SUBTASK_CANCEL:
        return wacc__host_func(f, I32, 1, I32, 1, bi_dispatch, B);
    default:
        break;
    }
    /* streams and futures */
    char e2[300] = "";
    wacc_cm_valtype vt = { 0 };
    vt.idx = cn->type;
    const wacc_ctype *t = wacc__ctype_of(f, vt, e2, sizeof e2);
    if (!t || (t->kind != WACC_CT_STREAM && t->kind != WACC_CT_FUTURE)) {
        snprintf(err, errlen, "%s", t ? "not a stream or future type" : e2);
        return NULL;
    }
    B->t = t;
    switch (cn->op) {
    case WACC_CANON_STREAM_NEW:
    case WACC_CANON_FUTURE_NEW:
        return wacc__host_func(f, NULL, 0, I64, 1, bi_dispatch, B);
    case WACC_CANON_STREAM_READ:
    case WACC_CANON_STREAM_WRITE:
        return wacc__host_func(f, pa, 3, &pa[1], 1, bi_dispatch, B);
    case WACC_CANON_FUTURE_READ:
    case WACC_CANON_FUTURE_WRITE:
        return wacc__host_func(f, pa, 2, I32, 1, bi_dispatch, B);
    case WACC_CANON_STREAM_CANCEL_READ:
    case WACC_CANON_STREAM_CANCEL_WRITE:
    case WACC_CANON_FUTURE_CANCEL_READ:
    case WACC_CANON_FUTURE_CANCEL_WRITE:
        return wacc__host_func(f, I32, 1, I32, 1, bi_dispatch, B);
    default:
        return wacc__host_func(f, I32, 1, NULL, 0, bi_dispatch, B);
    }
}

/* ---- the host as caller, without waiting (wacc_component_call_start) ----
 * A server that runs several calls in one instance starts each one and
 * lets them progress from its own loop (wacc_cinstance_poll): the call's
 * task runs until it blocks, done() runs when it resolves. */

struct wacc_ccall {
    hcaller h;
    wacc_ccall_fn done;
    void *ud;
    bool finished;
};

static uint32_t ccall_on_resolve(acaller *c, const wacc_cval *result, bool cancelled)
{
    wacc_ccall *cc = (wacc_ccall *)c;
    uint32_t code = host_on_resolve(c, result, cancelled);
    cc->finished = true;
    if (!code && cc->done)
        cc->done(cc->ud, cc->h.result, cancelled);
    return code;
}

wacc_ccall *wacc_component_call_start(wacc_store *s, wacc_cfunc *F, const wacc_cval *args, uint32_t nargs,
                                      wacc_arena *arena, wacc_ccall_fn done, void *ud, wacc_trap *trap)
{
    (void)s;
    memset(trap, 0, sizeof *trap);
    if (F->kind != CF_LIFTED || nargs != F->nparams) {
        wacc__simple_trap(trap, WACC_TRAP_HOST, "not an exported function of these arguments");
        return NULL;
    }
    cframe *f = F->f;
    wacc_cinstance *ci = f->ci;
    if (!f->abi.may_enter) {
        wacc__simple_trap(trap, WACC_TRAP_COMPONENT, "cannot enter component instance");
        return NULL;
    }
    wacc_ccall *cc = calloc(1, sizeof *cc);
    wacc_cval *res = cc ? wacc_arena_alloc(arena, sizeof *res) : NULL;
    if (!res) {
        free(cc);
        wacc__simple_trap(trap, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    memset(res, 0, sizeof *res);
    cc->h.c.on_start = host_on_start;
    cc->h.c.on_resolve = ccall_on_resolve;
    cc->h.args = args;
    cc->h.nargs = F->nparams;
    cc->h.result = F->result ? res : NULL;
    cc->h.arena = arena;
    cc->done = done;
    cc->ud = ud;
    asched *S = sched(ci);
    athread *cur = S ? S->cur : NULL;
    uint32_t code = task_call(F, &cc->h.c);
    if (S)
        S->cur = cur;
    if (code) {
        trap->code = code;
        snprintf(trap->message, sizeof trap->message, "trap: %s", ci->msg[0] ? ci->msg : wacc_trap_name(code));
        if (cc->h.c.callee)
            cc->h.c.callee->caller = NULL;
        free(cc);               /* the instance is broken: its tasks are not run again */
        return NULL;
    }
    return cc;
}

bool wacc_ccall_done(const wacc_ccall *c)
{
    return c->finished;
}

void wacc_ccall_free(wacc_ccall *c)
{
    free(c);
}

bool wacc__async_in_task(wacc_cinstance *ci)
{
    asched *S = ci->sched;
    athread *th = S ? S->cur : NULL;
    return th && th->fiber && th->task && wacc_fiber_current() == th->fiber;
}

uint32_t wacc__async_block(wacc_cinstance *ci, bool (*ready)(void *), void *arg)
{
    if (!wacc__async_in_task(ci))
        return WACC__LOOP_IDLE;
    athread *th = ci->sched->cur;
    return wait_until(ci, th->task->inst, th, AW_COND, ready, arg, false, NULL);
}

/* ---- host-held ends (component_host_async.c) ---- */

/* buf_copy when one side (or both) is a host buffer. */
static uint32_t buf_copy_host(abuf *src, abuf *dst, uint32_t n, cframe *f)
{
    const wacc_ctype *t = src->t;
    if (t && n) {
        bool plain = wacc_ctype_plain(t);
        uint32_t code = 0;
        if (plain) {
            uint32_t sz = wacc_ctype_size(t, false);
            uint8_t *sp = src->host ? src->hmem + src->ptr : wacc_memory_data(src->o.memory) + src->ptr;
            uint8_t *dp = dst->host ? dst->hmem + dst->ptr : wacc_memory_data(dst->o.memory) + dst->ptr;
            memmove(dp, sp, (size_t)n * sz);
            src->ptr += (uint64_t)n * sz;
            dst->ptr += (uint64_t)n * sz;
        } else if (src->host && dst->host) {
            for (uint32_t i = 0; i < n; i++)
                dst->hvals[dst->ptr + i] = src->hvals[src->ptr + i];
            src->ptr += n;
            dst->ptr += n;
        } else {
            abuf *g = src->host ? dst : src;
            uint32_t gs = wacc_ctype_size(t, g->o.mem64);
            wacc_arena arena;
            wacc_arena_init(&arena);
            wacc__rctx r = { f->ci->store, &g->o, NULL };
            wacc_abi_cx cx;
            wacc__setup_cx(&cx, &r, g->f, &g->o, src->host ? &arena : dst->harena);
            for (uint32_t i = 0; i < n && !code; i++) {
                int e = src->host ? wacc_abi_store(&cx, &src->hvals[src->ptr + i], t, g->ptr + (uint64_t)i * gs)
                                  : wacc_abi_load(&cx, g->ptr + (uint64_t)i * gs, t, &dst->hvals[dst->ptr + i]);
                if (e)
                    code = wacc__note(f, wacc__abi_trap(&cx, e, NULL), cx.msg);
            }
            wacc_arena_fini(&arena);
            if (code)
                return code;
            g->ptr += (uint64_t)n * gs;
            (src->host ? src : dst)->ptr += n;
        }
    }
    src->progress += n;
    dst->progress += n;
    return 0;
}

aend *wacc__end_pair(wacc_cinstance *ci, const wacc_ctype *t, aend **readable)
{
    bool fut = t->kind == WACC_CT_FUTURE;
    ashared *sh = obj_new(ci, sizeof *sh, O_SHARED);
    aend *r = obj_new(ci, sizeof *r, O_END), *w = obj_new(ci, sizeof *w, O_END);
    if (!sh || !r || !w) {
        if (sh) obj_free(ci, sh);
        if (r) obj_free(ci, r);
        if (w) obj_free(ci, w);
        return NULL;
    }
    sh->future = fut;
    sh->t = t->elem;
    sh->refs = 2;
    r->sh = w->sh = sh;
    r->st = w->st = t;
    r->future = w->future = fut;
    w->writable = true;
    r->state = w->state = CS_IDLE;
    *readable = r;
    return w;
}

void wacc__end_set_host(aend *e, struct wacc_hend *h)
{
    e->host = h;
}

const wacc_ctype *wacc__end_type(const aend *e)
{
    return e->st;
}

bool wacc__end_writable(const aend *e)
{
    return e->writable;
}

bool wacc__end_idle(const aend *e)
{
    return e->state == CS_IDLE && !e->w.pending;
}

bool wacc__end_other_dropped(const aend *e)
{
    return e->sh->dropped;
}

uint32_t wacc__end_copy(wacc_cinstance *ci, aend *e, void *buf, uint32_t n, wacc_arena *arena)
{
    (void)ci;
    memset(&e->buf, 0, sizeof e->buf);
    e->buf.t = e->sh->t;
    e->buf.length = e->future ? 1 : n;
    e->buf.host = true;
    e->buf.hmem = buf;
    e->buf.hvals = buf;
    e->buf.harena = arena;
    e->state = CS_COPYING;
    return sh_copy(e->sh, NULL, e);
}

void wacc__end_event(aend *e, uint32_t *result, uint32_t *n)
{
    uint32_t ev, p1, p2;
    w_event(NULL, &e->w, &ev, &p1, &p2);
    *result = e->future ? p2 : (p2 & 0xf);
    *n = e->future ? (p2 == CR_COMPLETED) : (p2 >> 4);
}

void wacc__end_cancel(aend *e)
{
    if (e->state != CS_COPYING)
        return;
    e->state = CS_CANCELLING;
    if (e->w.pending && e->ev_reclaim)
        e->ev_result = CR_CANCELLED;
    if (!e->w.pending && e->sh->pend == e)
        sh_notify_pending(e->sh, CR_CANCELLED);
}

void wacc__end_drop(wacc_cinstance *ci, aend *e)
{
    if (e->sh->pend == e)
        sh_set_pending(e->sh, NULL, NULL);
    w_join(&e->w, NULL);
    ashared *sh = e->sh;
    obj_free(ci, e);
    sh_drop(ci, sh);
}

uint32_t wacc__async_run_ready(wacc_cinstance *ci, bool *ran)
{
    asched *S = ci->sched;
    athread *t;
    while (S && (t = pick(S, NULL)) != NULL) {
        *ran = true;
        uint32_t code = thread_resume(ci, t, false);
        if (code)
            return code;
    }
    return 0;
}
