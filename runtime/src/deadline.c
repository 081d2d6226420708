/*
 * deadline.c — limits on a store: the deadline (interruption epoch, timer
 * thread) and the linear-memory cap.
 *
 * Generated code polls the word below each vmctx at loop back edges (a
 * load, v6): its page is PROT_NONE while the store is interrupted, and
 * trap.c's signal handler reports the fault as the deadline; function entries
 * are stopped by the stack check, which fails while the store is
 * interrupted because the stack_limit of every vmctx of the store is then
 * UINTPTR_MAX (struct wacc_limits in wacc/abi.h; the trap libcall reports
 * such a "stack exhausted" as the deadline). A store with a deadline is
 * "watched": the engine's timer thread (started on the first deadline, one
 * per engine) sleeps until the earliest watched deadline, then counts one
 * more epoch and writes that count into limits.epoch of every watched store
 * whose deadline has passed (then UINTPTR_MAX into its vmctx stack limits,
 * then protects their poll pages), and forgets them. Everything about the watch list, including those
 * writes and a store's own changes to its epoch, happens under timer_lock;
 * a store leaves the list before it is freed.
 *
 * The store's owner thread changes the real stack limit (s->stack_limit)
 * at every entry, fiber switch and return, and adds instances, without
 * the lock (wacc__store_set_stack_limit, wacc__store_add_instance): it
 * stores the limit (or publishes the instance), then reads the epoch, and
 * stores UINTPTR_MAX if it is set; the timer stores the epoch, then walks
 * the store's instances storing UINTPTR_MAX. All of these are sequentially
 * consistent, so either the owner sees the epoch or the timer's walk comes
 * after the owner's writes: an interruption is never lost. Instances leave
 * the list only when the store is freed (after it left the watch list).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

uint64_t wacc_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The stack limit generated code sees, in every vmctx of the store. */
static void write_limit(wacc_store *s, uintptr_t limit)
{
    for (struct wacc_instance *i = __atomic_load_n(&s->instances, __ATOMIC_SEQ_CST); i; i = i->next)
        __atomic_store_n(&i->vmctx->stack_limit, limit, __ATOMIC_SEQ_CST);
}

static bool interrupted(wacc_store *s)
{
    return __atomic_load_n(&s->limits.epoch, __ATOMIC_SEQ_CST) != 0;
}

/* The poll pages of every instance of the store (wacc/abi.h, v6). */
static void poll_all(wacc_store *s, bool stop)
{
    for (struct wacc_instance *i = __atomic_load_n(&s->instances, __ATOMIC_SEQ_CST); i; i = i->next)
        wacc__instance_poll(i, stop);
}

/* Interrupt the store (v != 0; any thread, under timer_lock), or let it
 * run again (v == 0; the owner thread, under timer_lock). The poll page
 * changes only when the state does (a new deadline is set per request). */
static void set_epoch(wacc_store *s, uint64_t v)
{
    __atomic_store_n(&s->limits.epoch, v, __ATOMIC_SEQ_CST);
    write_limit(s, v ? UINTPTR_MAX : s->stack_limit);
    poll_all(s, v != 0);
}

void wacc__store_set_stack_limit(wacc_store *s, uintptr_t limit)
{
    /* unchanged (nested or repeated entries on one thread): every vmctx
     * already holds it, or UINTPTR_MAX while interrupted (only set_epoch(0)
     * puts the real limit back) */
    if (limit == s->stack_limit)
        return;
    s->stack_limit = limit;
    write_limit(s, limit);
    if (interrupted(s))
        write_limit(s, UINTPTR_MAX);
}

void wacc__store_add_instance(wacc_store *s, struct wacc_instance *inst)
{
    inst->vmctx->stack_limit = s->stack_limit;
    inst->next = s->instances;
    __atomic_store_n(&s->instances, inst, __ATOMIC_SEQ_CST);
    if (interrupted(s)) {
        __atomic_store_n(&inst->vmctx->stack_limit, UINTPTR_MAX, __ATOMIC_SEQ_CST);
        wacc__instance_poll(inst, true);
    }
}

/* ---- the engine's timer thread ---- */

void wacc__engine_timer_init(wacc_engine *e)
{
    pthread_mutex_init(&e->timer_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->timer_cond, &ca);
    pthread_condattr_destroy(&ca);
}

static void *timer_main(void *arg)
{
    wacc_engine *e = arg;
    pthread_mutex_lock(&e->timer_lock);
    while (!e->timer_stop) {
        uint64_t now = wacc_monotonic_ns(), next = UINT64_MAX;
        bool counted = false;
        for (uint32_t i = 0; i < e->nwatch;) {
            if (e->watch[i].ns <= now) {
                if (!counted)
                    e->epoch++;
                counted = true;
                set_epoch(e->watch[i].store, e->epoch);
                e->watch[i] = e->watch[--e->nwatch];
            } else {
                if (e->watch[i].ns < next)
                    next = e->watch[i].ns;
                i++;
            }
        }
        if (next == UINT64_MAX) {
            pthread_cond_wait(&e->timer_cond, &e->timer_lock);
        } else {
            struct timespec ts = { (time_t)(next / 1000000000ull), (long)(next % 1000000000ull) };
            pthread_cond_timedwait(&e->timer_cond, &e->timer_lock, &ts);
        }
    }
    pthread_mutex_unlock(&e->timer_lock);
    return NULL;
}

/* Called with timer_lock held. The thread blocks every signal (they belong
 * to the host's threads) and needs little stack. */
static bool timer_start(wacc_engine *e)
{
    if (e->timer_started)
        return true;
    pthread_attr_t at;
    sigset_t all, old;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 64u * 1024u);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    e->timer_started = pthread_create(&e->timer, &at, timer_main, e) == 0;
    /* glibc carves the static TLS of every loaded library out of that
     * stack: a program with large thread-locals gets EINVAL, so fall back
     * to the default size rather than stopping every guest at once. */
    if (!e->timer_started)
        e->timer_started = pthread_create(&e->timer, NULL, timer_main, e) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&at);
    return e->timer_started;
}

void wacc__engine_timer_stop(wacc_engine *e)
{
    pthread_mutex_lock(&e->timer_lock);
    e->timer_stop = true;
    pthread_cond_signal(&e->timer_cond);
    bool started = e->timer_started;
    pthread_mutex_unlock(&e->timer_lock);
    if (started)
        pthread_join(e->timer, NULL);
    free(e->watch);
    pthread_cond_destroy(&e->timer_cond);
    pthread_mutex_destroy(&e->timer_lock);
}

/* Store s runs until ns (0: no deadline; at or before now: stop at the
 * next check). False if the timer thread cannot run (then the epoch is set
 * at once: a deadline that cannot be watched stops the guest at once
 * rather than never). */
static bool watch(wacc_engine *e, wacc_store *s, uint64_t ns)
{
    bool ok = true;
    pthread_mutex_lock(&e->timer_lock);
    uint32_t i = 0;
    while (i < e->nwatch && e->watch[i].store != s)
        i++;
    if (ns == 0 || ns <= wacc_monotonic_ns()) {
        if (i < e->nwatch)
            e->watch[i] = e->watch[--e->nwatch];
        set_epoch(s, ns == 0 ? 0 : e->epoch + 1);
    } else {
        if (i == e->nwatch && e->nwatch == e->watch_cap) {
            uint32_t cap = e->watch_cap ? e->watch_cap * 2 : 16;
            struct wacc_deadline_watch *w = realloc(e->watch, cap * sizeof *w);
            if (w) {
                e->watch = w;
                e->watch_cap = cap;
            }
        }
        if (i < e->watch_cap && timer_start(e)) {
            if (i == e->nwatch)
                e->nwatch++;
            e->watch[i] = (struct wacc_deadline_watch){ s, ns };
            set_epoch(s, 0);
            pthread_cond_signal(&e->timer_cond);
        } else {
            if (i < e->nwatch)
                e->watch[i] = e->watch[--e->nwatch];
            set_epoch(s, e->epoch + 1);
            ok = false;
        }
    }
    pthread_mutex_unlock(&e->timer_lock);
    return ok;
}

/* ---- the store's limits ---- */

void wacc_store_set_deadline(wacc_store *s, uint64_t deadline_ns)
{
    s->deadline_ns = deadline_ns;
    watch(s->engine, s, deadline_ns);
}

uint64_t wacc_store_deadline(const wacc_store *s)
{
    return s->deadline_ns;
}

void wacc_store_set_max_memory(wacc_store *s, uint64_t max_bytes)
{
    s->max_memory = max_bytes;
}

/* The epoch was set: the store's deadline has passed (or could not be
 * watched). Loop back edges call this; function entries reach
 * wacc__stack_trap_code through the stack check. */
_Noreturn void wacc__interrupt(void *vmctx, uint32_t func_index, uint32_t wasm_offset)
{
    struct wacc_instance *inst = ((struct wacc_vmctx *)vmctx)->instance;
    wacc__raise(inst, WACC_TRAP_DEADLINE, func_index, wasm_offset);
}

/* What a failed stack check means: the store is interrupted (its stack
 * limit is UINTPTR_MAX while its epoch is set: the deadline, which has
 * passed, wins over a real overflow that may coincide), or the stack is
 * exhausted. */
uint32_t wacc__stack_trap_code(void *vmctx)
{
    struct wacc_vmctx *vm = vmctx;
    if (__atomic_load_n(&vm->limits->epoch, __ATOMIC_SEQ_CST) != 0 ||
        __atomic_load_n(&vm->stack_limit, __ATOMIC_SEQ_CST) == UINTPTR_MAX)
        return WACC_TRAP_DEADLINE;
    return WACC_TRAP_STACK_EXHAUSTED;
}

/* Store teardown: called by wacc_store_free. */
void wacc__store_unwatch(wacc_store *s)
{
    if (s->deadline_ns)
        watch(s->engine, s, 0);
}

bool wacc_artifact_interruptible(const wacc_artifact *a)
{
    return a && a->meta && !(a->meta->flags & WACC_META_NO_INTERRUPT_CHECKS);
}
