/*
 * component_host_async.c — the host side of the async Component Model
 * (wacc.h "async Component Model: the host side"):
 *
 *   hcall    a call of an async host function: its arguments live in its
 *            own arena until wacc_hcall_return lowers the result into the
 *            calling subtask (component_async.c's acaller)
 *   watches  one-shot fd / timer callbacks of the host libraries (WASI
 *            0.3: stdin, timers, sockets, ...)
 *   hend     a stream/future end the host holds; its copies go through
 *            component_async.c's SharedStreamImpl (wacc__end_copy) and
 *            complete as events delivered here
 *   the loop component_async.c's wait_until calls wacc__hloop_step when
 *            no guest thread can run: ready host ends, due watches, then
 *            a wait on the watches' fds and earliest deadline through the
 *            instance's waiter (default poll(2), bounded by the store's
 *            deadline)
 *
 * Ownership: the hloop of an instance graph owns every hcall, watch and
 * hend wrapper; wacc__hloop_free frees them with the instance.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component_internal.h"

struct wacc_hcall {
    wacc_cinstance *ci;
    struct wacc_cfunc *F;
    acaller *c;                     /* NULL: its subtask is gone */
    wacc_arena arena;
    void (*on_cancel)(void *ud, wacc_hcall *c);
    void *cancel_ud;
    bool cancel_requested;
    wacc_hcall *next, *prev;
};

struct wacc_watch {
    int fd;
    short events;
    uint64_t deadline;
    wacc_watch_fn fn;
    void *ud;
    wacc_watch *next, *prev;
};

struct wacc_hend {
    wacc_cinstance *ci;
    struct aend *e;
    wacc_hend_fn done;
    void *ud;
    bool copying, queued;
    wacc_hend *rnext;               /* ready list */
    wacc_hend *next, *prev;
};

struct wacc_cleanup {
    void (*fn)(void *ud);
    void *ud;
    wacc_cleanup *next, *prev;
};

typedef struct hloop {
    wacc_cleanup *cleanups;
    wacc_hcall *calls;
    wacc_watch *watches;
    wacc_hend *ends;
    wacc_hend *ready, **ready_tail;
    wacc_waiter waiter;
    uint32_t trap;                  /* a copy the host started trapped in the guest
                                       (its realloc): the loop's next result */
    struct pollfd *pfds;
    wacc_watch **pw;
    unsigned pcap;
} hloop;

#define LINK(head, x)              \
    do {                           \
        (x)->prev = NULL;          \
        (x)->next = (head);        \
        if (head)                  \
            (head)->prev = (x);    \
        (head) = (x);              \
    } while (0)
#define UNLINK(head, x)                    \
    do {                                   \
        if ((x)->prev)                     \
            (x)->prev->next = (x)->next;   \
        else                               \
            (head) = (x)->next;            \
        if ((x)->next)                     \
            (x)->next->prev = (x)->prev;   \
    } while (0)

static hloop *loop_of(wacc_cinstance *ci)
{
    if (!ci->hloop) {
        ci->hloop = calloc(1, sizeof *ci->hloop);
        if (ci->hloop)
            ci->hloop->ready_tail = &ci->hloop->ready;
    }
    return ci->hloop;
}

void wacc__hloop_cleanup(wacc_cinstance *ci)
{
    hloop *L = ci->hloop;
    while (L && L->cleanups) {
        wacc_cleanup *c = L->cleanups;
        L->cleanups = c->next;
        if (L->cleanups)
            L->cleanups->prev = NULL;
        void (*fn)(void *) = c->fn;
        void *ud = c->ud;
        free(c);
        fn(ud);
    }
}

wacc_cleanup *wacc_cleanup_add(wacc_cinstance *ci, void (*fn)(void *ud), void *ud)
{
    hloop *L = loop_of(ci);
    wacc_cleanup *c = L ? calloc(1, sizeof *c) : NULL;
    if (!c)
        return NULL;
    c->fn = fn;
    c->ud = ud;
    LINK(L->cleanups, c);
    return c;
}

void wacc_cleanup_remove(wacc_cinstance *ci, wacc_cleanup *c)
{
    hloop *L = ci->hloop;
    if (!L || !c)
        return;
    UNLINK(L->cleanups, c);
    free(c);
}

void wacc__hloop_free(wacc_cinstance *ci)
{
    hloop *L = ci->hloop;
    if (!L)
        return;
    while (L->cleanups) {
        wacc_cleanup *c = L->cleanups;
        L->cleanups = c->next;
        free(c);
    }
    while (L->calls) {
        wacc_hcall *h = L->calls;
        L->calls = h->next;
        if (h->c)
            h->c->hcall = NULL;
        wacc_arena_fini(&h->arena);
        free(h);
    }
    while (L->watches) {
        wacc_watch *w = L->watches;
        L->watches = w->next;
        free(w);
    }
    while (L->ends) {
        wacc_hend *e = L->ends;
        L->ends = e->next;
        free(e);
    }
    free(L->pfds);
    free(L->pw);
    free(L);
    ci->hloop = NULL;
}

/* ---- async host calls ---- */

uint32_t wacc__hcall_start(cframe *f, struct wacc_cfunc *F, acaller *c)
{
    wacc_cinstance *ci = f->ci;
    hloop *L = loop_of(ci);
    wacc_hcall *h = L ? calloc(1, sizeof *h) : NULL;
    if (!h)
        return wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    h->ci = ci;
    h->F = F;
    h->c = c;
    wacc_arena_init(&h->arena);
    wacc_cval *args = wacc_arena_alloc(&h->arena, (F->nparams + 1) * sizeof *args);
    uint32_t code = args ? c->on_start(c, args, &h->arena) : wacc__note(f, WACC_TRAP_OUT_OF_MEMORY, "out of memory");
    if (code) {
        wacc_arena_fini(&h->arena);
        free(h);
        return code;
    }
    LINK(L->calls, h);
    c->hcall = h;
    code = F->afn(F->data, h, args, F->nparams);
    if (code) {
        if (c->hcall == h) {
            c->hcall = NULL;
            UNLINK(L->calls, h);
            wacc_arena_fini(&h->arena);
            free(h);
        }
        if (!ci->msg[0])
            wacc__note(f, code, wacc_trap_name(code));
        return code;
    }
    return 0;
}

void wacc__hcall_cancel(wacc_hcall *h)
{
    if (h->cancel_requested)
        return;
    h->cancel_requested = true;
    if (h->on_cancel)
        h->on_cancel(h->cancel_ud, h);
}

void wacc__hcall_detach(wacc_hcall *h)
{
    h->c = NULL;
}

wacc_cinstance *wacc_hcall_instance(const wacc_hcall *c)
{
    return c->ci;
}

wacc_arena *wacc_hcall_arena(wacc_hcall *c)
{
    return &c->arena;
}

const wacc_cfunc *wacc_hcall_type(const wacc_hcall *c)
{
    return c->F;
}

static uint32_t hcall_finish(wacc_hcall *h, const wacc_cval *result, bool cancelled)
{
    uint32_t code = 0;
    acaller *c = h->c;
    if (c) {
        c->hcall = NULL;
        code = c->on_resolve(c, cancelled ? NULL : result, cancelled);
    }
    hloop *L = h->ci->hloop;
    UNLINK(L->calls, h);
    wacc_arena_fini(&h->arena);
    free(h);
    return code;
}

uint32_t wacc_hcall_return(wacc_hcall *c, const wacc_cval *result)
{
    return hcall_finish(c, c->F->result ? result : NULL, false);
}

void wacc_hcall_on_cancel(wacc_hcall *c, void (*fn)(void *ud, wacc_hcall *c), void *ud)
{
    c->on_cancel = fn;
    c->cancel_ud = ud;
    if (c->cancel_requested && fn)
        fn(ud, c);
}

void wacc_hcall_cancelled(wacc_hcall *c)
{
    hcall_finish(c, NULL, true);
}

/* ---- watches ---- */

wacc_watch *wacc_watch_add(wacc_cinstance *ci, int fd, short events, uint64_t deadline_ns, wacc_watch_fn fn,
                           void *ud)
{
    hloop *L = loop_of(ci);
    wacc_watch *w = L ? calloc(1, sizeof *w) : NULL;
    if (!w)
        return NULL;
    w->fd = fd;
    w->events = events;
    w->deadline = deadline_ns;
    w->fn = fn;
    w->ud = ud;
    LINK(L->watches, w);
    return w;
}

void wacc_watch_remove(wacc_cinstance *ci, wacc_watch *w)
{
    hloop *L = ci->hloop;
    if (!L || !w)
        return;
    UNLINK(L->watches, w);
    free(w);
}

void wacc_cinstance_set_waiter(wacc_cinstance *ci, const wacc_waiter *w)
{
    hloop *L = loop_of(ci);
    if (!L)
        return;
    if (w)
        L->waiter = *w;
    else
        memset(&L->waiter, 0, sizeof L->waiter);
}

static uint32_t fire(hloop *L, wacc_watch *w, short revents)
{
    wacc_watch_fn fn = w->fn;
    void *ud = w->ud;
    UNLINK(L->watches, w);
    free(w);
    return fn(ud, revents);
}

/* ---- host ends ---- */

void wacc__hend_notify(wacc_hend *h)
{
    hloop *L = h->ci->hloop;
    if (h->queued || !L)
        return;
    h->queued = true;
    h->rnext = NULL;
    *L->ready_tail = h;
    L->ready_tail = &h->rnext;
}

static wacc_hend *hend_wrap(wacc_cinstance *ci, struct aend *e)
{
    hloop *L = loop_of(ci);
    wacc_hend *h = L ? calloc(1, sizeof *h) : NULL;
    if (!h)
        return NULL;
    h->ci = ci;
    h->e = e;
    wacc__end_set_host(e, h);
    LINK(L->ends, h);
    return h;
}

wacc_hend *wacc_hend_new(wacc_cinstance *ci, const wacc_ctype *t, wacc_cval *readable)
{
    if (!t || (t->kind != WACC_CT_STREAM && t->kind != WACC_CT_FUTURE))
        return NULL;
    struct aend *r = NULL, *w = wacc__end_pair(ci, t, &r);
    if (!w)
        return NULL;
    wacc_hend *h = hend_wrap(ci, w);
    if (!h) {
        wacc__end_drop(ci, w);
        wacc__end_drop(ci, r);
        return NULL;
    }
    *readable = wacc_cval_object(t->kind, r);
    return h;
}

wacc_hend *wacc_hend_take(wacc_cinstance *ci, const wacc_cval *v)
{
    if (!v || (v->kind != WACC_CT_STREAM && v->kind != WACC_CT_FUTURE) || !v->x.obj)
        return NULL;
    return hend_wrap(ci, v->x.obj);
}

const wacc_ctype *wacc_hend_type(const wacc_hend *e)
{
    return wacc__end_type(e->e);
}

static bool hend_copy(wacc_hend *e, bool writing, void *buf, uint32_t n, wacc_arena *arena, wacc_hend_fn done,
                      void *ud)
{
    if (e->copying || wacc__end_writable(e->e) != writing || !wacc__end_idle(e->e))
        return false;
    e->copying = true;
    e->done = done;
    e->ud = ud;
    /* a trap while storing into the guest (its realloc): the instance
     * noted it; the loop step that ran this returns it */
    uint32_t code = wacc__end_copy(e->ci, e->e, buf, n, arena);
    hloop *L = e->ci->hloop;
    if (code && L && !L->trap)
        L->trap = code;
    return true;
}

bool wacc_hend_write(wacc_hend *e, const void *buf, uint32_t n, wacc_hend_fn done, void *ud)
{
    return hend_copy(e, true, (void *)buf, n, NULL, done, ud);
}

bool wacc_hend_read(wacc_hend *e, void *buf, uint32_t n, wacc_arena *arena, wacc_hend_fn done, void *ud)
{
    return hend_copy(e, false, buf, n, arena, done, ud);
}

void wacc_hend_cancel(wacc_hend *e)
{
    if (e->copying)
        wacc__end_cancel(e->e);
}

bool wacc_hend_other_dropped(const wacc_hend *e)
{
    return wacc__end_other_dropped(e->e);
}

void wacc_hend_drop(wacc_hend *e)
{
    hloop *L = e->ci->hloop;
    if (e->queued) {
        wacc_hend **pp = &L->ready;
        while (*pp && *pp != e)
            pp = &(*pp)->rnext;
        if (*pp)
            *pp = e->rnext;
        L->ready_tail = &L->ready;
        while (*L->ready_tail)
            L->ready_tail = &(*L->ready_tail)->rnext;
    }
    wacc__end_drop(e->ci, e->e);
    UNLINK(L->ends, e);
    free(e);
}

/* ---- the loop ---- */

/* Copy completions of host ends; 1 if any ran, or a trap code << 1... */
static uint32_t run_ready(hloop *L, bool *ran)
{
    while (L->ready) {
        wacc_hend *h = L->ready;
        L->ready = h->rnext;
        if (!L->ready)
            L->ready_tail = &L->ready;
        h->queued = false;
        if (!h->copying)
            continue;
        uint32_t result, n;
        wacc__end_event(h->e, &result, &n);
        h->copying = false;
        *ran = true;
        if (h->done) {
            uint32_t code = h->done(h->ud, h, result, n);
            if (code)
                return code;
        }
    }
    return 0;
}

static bool default_wait(const wacc_store *s, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns)
{
    uint64_t stop = s ? wacc_store_deadline(s) : 0;
    if (stop) {
        if (wacc_monotonic_ns() >= stop)
            return false;
        if (deadline_ns == 0 || stop < deadline_ns)
            deadline_ns = stop;
    }
    int timeout = -1;
    if (deadline_ns) {
        uint64_t now = wacc_monotonic_ns();
        uint64_t ms = deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 0;
        timeout = ms > 1000000 ? 1000000 : (int)ms;
    }
    if (nfds == 0 && timeout < 0)
        return false;
    if (poll(fds, nfds, timeout) < 0 && errno != EINTR)
        return false;
    return true;
}

/* Gathers the fd watches into L->pfds/L->pw; the earliest deadline. */
static unsigned gather(hloop *L, uint64_t *deadline, bool *oom)
{
    unsigned n = 0;
    *deadline = 0;
    for (wacc_watch *w = L->watches; w; w = w->next) {
        if (w->deadline && (!*deadline || w->deadline < *deadline))
            *deadline = w->deadline;
        if (w->fd < 0)
            continue;
        if (n == L->pcap) {
            unsigned cap = L->pcap ? L->pcap * 2 : 8;
            struct pollfd *p = realloc(L->pfds, cap * sizeof *p);
            if (p)
                L->pfds = p;
            wacc_watch **q = p ? realloc(L->pw, cap * sizeof *q) : NULL;
            if (!q) {
                *oom = true;
                return n;
            }
            L->pw = q;
            L->pcap = cap;
        }
        L->pfds[n].fd = w->fd;
        L->pfds[n].events = w->events;
        L->pfds[n].revents = 0;
        L->pw[n++] = w;
    }
    return n;
}

/* Fires what is due: fds with revents (after a poll), then deadlines. */
static uint32_t fire_due(hloop *L, unsigned n, bool polled, bool *ran)
{
    if (polled)
        for (unsigned i = 0; i < n; i++)
            if (L->pfds[i].revents) {
                /* the watch may have been removed by an earlier callback */
                wacc_watch *w = L->watches;
                while (w && w != L->pw[i])
                    w = w->next;
                if (!w)
                    continue;
                *ran = true;
                uint32_t code = fire(L, w, L->pfds[i].revents);
                if (code)
                    return code;
            }
    uint64_t now = 0;
    for (bool again = true; again;) {
        again = false;
        for (wacc_watch *w = L->watches; w; w = w->next) {
            if (w->fd >= 0 && !w->deadline)
                continue;
            if (w->deadline) {
                if (!now)
                    now = wacc_monotonic_ns();
                if (w->deadline > now)
                    continue;
            }
            *ran = true;
            uint32_t code = fire(L, w, 0);
            if (code)
                return code;
            again = true;           /* the list changed */
            break;
        }
    }
    return 0;
}

static uint32_t loop_step(hloop *L, wacc_cinstance *ci, bool block);

uint32_t wacc__hloop_step(wacc_cinstance *ci, bool block)
{
    hloop *L = ci->hloop;
    if (!L)
        return WACC__LOOP_IDLE;
    uint32_t code = L->trap ? 0 : loop_step(L, ci, block);
    if (L->trap) {
        code = L->trap;
        L->trap = 0;
    }
    return code;
}

static uint32_t loop_step(hloop *L, wacc_cinstance *ci, bool block)
{
    bool ran = false, oom = false;
    uint32_t code = run_ready(L, &ran);
    if (!code)
        code = fire_due(L, 0, false, &ran);
    if (code || ran)
        return code;
    if (!L->watches)
        return WACC__LOOP_IDLE;
    uint64_t deadline;
    unsigned n = gather(L, &deadline, &oom);
    if (oom)
        return WACC_TRAP_OUT_OF_MEMORY;
    bool go;
    if (!block) {
        go = n == 0 || poll(L->pfds, n, 0) >= 0;
    } else if (L->waiter.wait) {
        go = L->waiter.wait(L->waiter.ud, L->pfds, n, deadline);
    } else {
        go = default_wait(ci->store, L->pfds, n, deadline);
    }
    if (!go) {
        snprintf(ci->msg, sizeof ci->msg, "deadline exceeded while waiting");
        return WACC_TRAP_DEADLINE;
    }
    code = fire_due(L, n, true, &ran);
    if (!code)
        code = run_ready(L, &ran);
    return code ? code : (block || ran ? 0 : WACC__LOOP_IDLE);
}

/* ---- a synchronous host wait on a task's stack ---- */

typedef struct twait {
    struct pollfd *fds;
    unsigned nfds;
    wacc_watch **w;                 /* [nfds + 1]: the fds', then the deadline's */
    bool fired;
} twait;

typedef struct twatch {
    twait *tw;
    unsigned i;                     /* its fd, or nfds: the deadline */
} twatch;

static uint32_t twait_fire(void *ud, short revents)
{
    twatch *x = ud;
    x->tw->w[x->i] = NULL;          /* one-shot: gone */
    if (x->i < x->tw->nfds)
        x->tw->fds[x->i].revents = revents;
    x->tw->fired = true;
    return 0;
}

static bool twait_ready(void *arg)
{
    return ((twait *)arg)->fired;
}

int wacc_cinstance_wait_task(wacc_cinstance *ci, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns)
{
    if (!wacc__async_in_task(ci))
        return -1;
    if (nfds == 0 && deadline_ns == 0)
        return 0;                   /* nothing can ever wake it */
    twait tw = { fds, nfds, calloc(nfds + 1, sizeof *tw.w), false };
    twatch *xs = calloc(nfds + 1, sizeof *xs);
    int ret = 0;
    if (tw.w && xs) {
        bool ok = true;
        for (unsigned i = 0; i <= nfds && ok; i++) {
            xs[i] = (twatch){ &tw, i };
            if (i < nfds) {
                fds[i].revents = 0;
                tw.w[i] = wacc_watch_add(ci, fds[i].fd, fds[i].events, 0, twait_fire, &xs[i]);
            } else if (deadline_ns) {
                tw.w[i] = wacc_watch_add(ci, -1, 0, deadline_ns, twait_fire, &xs[i]);
            } else {
                continue;
            }
            ok = tw.w[i] != NULL;
        }
        uint32_t code = ok ? wacc__async_block(ci, twait_ready, &tw) : WACC_TRAP_OUT_OF_MEMORY;
        ret = code == WACC__LOOP_IDLE ? -1 : code == 0 ? 1 : 0;
        for (unsigned i = 0; i <= nfds; i++)
            if (tw.w[i])
                wacc_watch_remove(ci, tw.w[i]);
    }
    free(tw.w);
    free(xs);
    return ret;
}

uint32_t wacc_cinstance_poll(wacc_cinstance *ci, wacc_trap *trap)
{
    for (;;) {
        bool ran = false;
        uint32_t code = wacc__async_run_ready(ci, &ran);
        if (!code) {
            code = wacc__hloop_step(ci, false);
            if (code == WACC__LOOP_IDLE)
                code = 0;
            else if (!code)
                ran = true;
        }
        if (!code && !ran)
            return 0;
        if (code) {
            if (trap) {
                memset(trap, 0, sizeof *trap);
                trap->code = code;
                snprintf(trap->message, sizeof trap->message, "trap: %s",
                         ci->msg[0] ? ci->msg : wacc_trap_name(code));
            }
            return code;
        }
    }
}

unsigned wacc_cinstance_fds(wacc_cinstance *ci, struct pollfd *fds, unsigned cap, uint64_t *deadline_ns)
{
    hloop *L = ci->hloop;
    *deadline_ns = 0;
    if (!L)
        return 0;
    unsigned n = 0;
    for (wacc_watch *w = L->watches; w; w = w->next) {
        if (w->deadline && (!*deadline_ns || w->deadline < *deadline_ns))
            *deadline_ns = w->deadline;
        if (w->fd < 0 && !w->deadline)
            *deadline_ns = 1;                   /* due now */
        if (w->fd >= 0) {
            if (n < cap) {
                fds[n].fd = w->fd;
                fds[n].events = w->events;
                fds[n].revents = 0;
            }
            n++;
        }
    }
    if (L->ready)
        *deadline_ns = 1;
    return n;
}
