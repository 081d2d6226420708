/*
 * deadline.c — limits on a store: the deadline (interruption epoch, timer
 * thread) and the linear-memory cap.
 *
 * The engine owns an epoch counter that generated code reads at loop
 * headers and function entries (struct wacc_limits in wacc/abi.h). A store
 * with a deadline is "watched": the engine's timer thread (started on the
 * first deadline, one per engine) sleeps until the earliest watched
 * deadline, then adds 1 to the epoch and forgets the stores whose deadline
 * has passed. Every store running wasm whose epoch_deadline the epoch has
 * reached calls the interrupt libcall, which reads the clock: the store that
 * is late traps, the others re-arm (epoch + 1) and go on. The timer thread
 * only reads its watch list; it never touches a store, so a store can be
 * freed at any time (it leaves the list first).
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

static uint64_t epoch_now(const wacc_engine *e)
{
    return __atomic_load_n(&e->epoch, __ATOMIC_ACQUIRE);
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
        bool fired = false;
        for (uint32_t i = 0; i < e->nwatch;) {
            if (e->watch[i].ns <= now) {
                e->watch[i] = e->watch[--e->nwatch];
                fired = true;
            } else {
                if (e->watch[i].ns < next)
                    next = e->watch[i].ns;
                i++;
            }
        }
        if (fired)
            __atomic_fetch_add(&e->epoch, 1, __ATOMIC_RELEASE);
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

/* Watch store s until ns (0: stop watching). False if the timer thread
 * cannot run (out of memory or threads). */
static bool watch(wacc_engine *e, const wacc_store *s, uint64_t ns)
{
    bool ok = true;
    pthread_mutex_lock(&e->timer_lock);
    uint32_t i = 0;
    while (i < e->nwatch && e->watch[i].store != s)
        i++;
    if (ns == 0) {
        if (i < e->nwatch)
            e->watch[i] = e->watch[--e->nwatch];
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
            pthread_cond_signal(&e->timer_cond);
        } else {
            ok = false;
        }
    }
    pthread_mutex_unlock(&e->timer_lock);
    return ok;
}

/* ---- the store's limits ---- */

void wacc_store_set_deadline(wacc_store *s, uint64_t deadline_ns)
{
    wacc_engine *e = s->engine;
    s->deadline_ns = deadline_ns;
    if (deadline_ns == 0) {
        s->limits.epoch_deadline = UINT64_MAX;
        watch(e, s, 0);
        return;
    }
    if (deadline_ns <= wacc_monotonic_ns()) {
        s->limits.epoch_deadline = 0;       /* the next check traps */
        watch(e, s, 0);
        return;
    }
    /* Read the epoch before the timer can see the store: a bump for this
     * deadline then always reaches epoch + 1. */
    s->limits.epoch_deadline = epoch_now(e) + 1;
    if (!watch(e, s, deadline_ns))
        s->limits.epoch_deadline = 0;       /* no timer: check at every test */
}

uint64_t wacc_store_deadline(const wacc_store *s)
{
    return s->deadline_ns;
}

void wacc_store_set_max_memory(wacc_store *s, uint64_t max_bytes)
{
    s->max_memory = max_bytes;
}

void wacc__interrupt(void *vmctx, uint32_t func_index, uint32_t wasm_offset)
{
    struct wacc_instance *inst = ((struct wacc_vmctx *)vmctx)->instance;
    wacc_store *s = inst->store;
    if (s->deadline_ns && wacc_monotonic_ns() >= s->deadline_ns)
        wacc__raise(inst, WACC_TRAP_DEADLINE, func_index, wasm_offset);
    /* Another store's deadline moved the epoch (or the timer could not
     * start: then every test lands here and reads the clock). */
    bool timer = s->limits.epoch_deadline != 0;
    s->limits.epoch_deadline = !s->deadline_ns ? UINT64_MAX : timer ? epoch_now(s->engine) + 1 : 0;
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
