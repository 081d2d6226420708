/*
 * fiber.c — fibers: stacks (mmap + guard page, pooled), resume/suspend on
 * top of the assembly switch (switch.S), and the hand-over of libwacc's
 * per-thread trap state (internal.h: struct wacc_stack_state).
 *
 * A fiber's control block lives at the top of its own mapping:
 *
 *   map                     map + page              top
 *   | guard page (PROT_NONE) | stack, grows down ... | struct wacc_fiber |
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fiber.h"
#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#include <sanitizer/common_interface_defs.h>
#endif

/* switch.S */
void wacc__fiber_switch(void **save_sp, void *load_sp) __attribute__((visibility("hidden")));
void wacc__fiber_start(void) __attribute__((visibility("hidden")));
_Noreturn void wacc__fiber_main(wacc_fiber *f) __attribute__((visibility("hidden")));

/* Stack pages kept when a stack returns to the pool; deeper ones are given
 * back to the kernel (a request that recursed deeply does not pin memory).
 * Whether the stack went deeper is told by a canary word just below the
 * hot zone: madvise only then (it was a system call plus page faults on
 * every async task, ~6 us of a ~0.3 us call), and on every
 * TRIM_EVERY-th release anyway, since a deep frame need not write that
 * word. */
#define KEEP_HOT (64u * 1024u)
#define TRIM_EVERY 64u
#define CANARY 0x5741434346494245ull    /* "WACCFIBE" */

struct wacc_fiber {
    void *sp;                           /* saved stack pointer while suspended */
    void *resumer_sp;                   /* the resumer's, while this one runs */
    wacc_fiber *resumer;                /* fiber that resumed it (NULL: the thread) */
    struct wacc_stack_state state;      /* this stack's trap state while suspended */
    struct wacc_stack_state resumer_state;
    wacc_fiber_fn fn;
    void *arg;
    wacc_fiber_pool *pool;
    uint8_t *map;
    size_t map_size;
    uint8_t *low, *high;                /* usable stack */
    bool started, running, done;
    unsigned releases;                  /* back to the pool, since the last trim */
    wacc_fiber *next_free;
#ifdef FIBER_ASAN
    void *fake_stack;
    const void *resumer_bottom;
    size_t resumer_size;
#endif
};

struct wacc_fiber_pool {
    size_t stack_size;
    unsigned keep, nfree;
    wacc_fiber *free;
};

static __thread wacc_fiber *tls_fiber;

/* The first byte below the hot zone (page aligned), or NULL when the whole
 * stack is hot. */
static uint8_t *cold_top(const wacc_fiber *f, size_t pg)
{
    if ((size_t)(f->high - f->low) <= KEEP_HOT)
        return NULL;
    uint8_t *cut = (uint8_t *)(((uintptr_t)f->high - KEEP_HOT) & ~(uintptr_t)(pg - 1));
    return cut > f->low ? cut : NULL;
}

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

wacc_fiber_pool *wacc_fiber_pool_new(size_t stack_size, unsigned keep)
{
    wacc_fiber_pool *p = wacc__calloc(1, sizeof *p);
    if (!p)
        return NULL;
    size_t pg = page_size();
    if (stack_size == 0)
        stack_size = WACC_FIBER_DEFAULT_STACK;
    p->stack_size = (stack_size + pg - 1) / pg * pg;
    p->keep = keep;
    return p;
}

static void unmap(wacc_fiber *f)
{
    munmap(f->map, f->map_size);
}

void wacc_fiber_pool_free(wacc_fiber_pool *p)
{
    if (!p)
        return;
    while (p->free) {
        wacc_fiber *f = p->free;
        p->free = f->next_free;
        unmap(f);
    }
    free(p);
}

/* The frame wacc__fiber_switch pops on the first switch to a fiber. */
static void initial_frame(wacc_fiber *f)
{
    uintptr_t top = (uintptr_t)f->high & ~(uintptr_t)15;
#if defined(__x86_64__)
    uint64_t *sp = (uint64_t *)(top - 80);
    memset(sp, 0, 80);
    sp[0] = 0x1F80 | ((uint64_t)0x037F << 32);  /* MXCSR, x87 control word */
    sp[4] = (uint64_t)(uintptr_t)f;             /* r12 */
    sp[7] = (uint64_t)(uintptr_t)wacc__fiber_start;
#elif defined(__aarch64__)
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[0] = (uint64_t)(uintptr_t)f;             /* x19 */
    sp[11] = (uint64_t)(uintptr_t)wacc__fiber_start;    /* x30 */
#endif
    f->sp = sp;
}

wacc_fiber *wacc_fiber_new(wacc_fiber_pool *pool, wacc_fiber_fn fn, void *arg, char *err)
{
    wacc_fiber *f = NULL;
    if (pool && pool->free) {
        f = pool->free;
        pool->free = f->next_free;
        pool->nfree--;
    } else {
        size_t pg = page_size();
        size_t stack = pool ? pool->stack_size : WACC_FIBER_DEFAULT_STACK;
        size_t ctl = (sizeof(struct wacc_fiber) + 63) & ~(size_t)63;
        size_t size = pg + stack + ((ctl + pg - 1) / pg * pg);
        uint8_t *map = mmap(NULL, size, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (map == MAP_FAILED) {
            if (err)
                snprintf(err, 128, "cannot map a fiber stack of %zu bytes", size);
            return NULL;
        }
        /* no transparent huge pages: a fiber touching one page of its stack
         * must not get 2 MiB of memory (THP "always") */
        madvise(map, size, MADV_NOHUGEPAGE);
        if (mprotect(map, pg, PROT_NONE) != 0) {
            munmap(map, size);
            if (err)
                snprintf(err, 128, "cannot protect a fiber's guard page");
            return NULL;
        }
        f = (wacc_fiber *)(map + size - ctl);
        memset(f, 0, sizeof *f);
        f->map = map;
        f->map_size = size;
        f->low = map + pg;
        f->high = (uint8_t *)f;
    }
    f->pool = pool;
    f->fn = fn;
    f->arg = arg;
    f->started = f->running = f->done = false;
    f->resumer = NULL;
    f->next_free = NULL;
    uint8_t *cold = cold_top(f, page_size());
    if (cold)
        memcpy(cold - sizeof(uint64_t), &(uint64_t){ CANARY }, sizeof(uint64_t));
    wacc__stack_state_init(&f->state, (uintptr_t)f->low, (uintptr_t)f->high);
    initial_frame(f);
    return f;
}

void wacc_fiber_free(wacc_fiber *f)
{
    if (!f)
        return;
    wacc_fiber_pool *p = f->pool;
    if (p && p->nfree < p->keep && (f->done || !f->started)) {
        uint8_t *cold = cold_top(f, page_size());
        uint64_t word = 0;
        if (cold)
            memcpy(&word, cold - sizeof word, sizeof word);
        if (cold && (word != CANARY || ++f->releases >= TRIM_EVERY)) {
            madvise(f->low, (size_t)(cold - f->low), MADV_DONTNEED);
            f->releases = 0;
        }
        f->next_free = p->free;
        p->free = f;
        p->nfree++;
        return;
    }
    unmap(f);
}

/* Switch from the running context to `to_sp`, saving into *save_sp. The
 * ASan hooks tell the sanitizer which stack is live. */
static void do_switch(wacc_fiber *f, void **save_sp, void *to_sp, bool into_fiber, bool final)
{
#ifdef FIBER_ASAN
    void *fake = NULL;
    if (into_fiber)
        __sanitizer_start_switch_fiber(&fake, f->low, (size_t)(f->high - f->low));
    else
        __sanitizer_start_switch_fiber(final ? NULL : &f->fake_stack, f->resumer_bottom,
                                       f->resumer_size);
#else
    (void)f;
    (void)into_fiber;
    (void)final;
#endif
    wacc__fiber_switch(save_sp, to_sp);
#ifdef FIBER_ASAN
    if (into_fiber)
        __sanitizer_finish_switch_fiber(fake, NULL, NULL);
    else
        __sanitizer_finish_switch_fiber(f->fake_stack, &f->resumer_bottom, &f->resumer_size);
#endif
}

bool wacc_fiber_resume(wacc_fiber *f)
{
    if (f->running || f->done)
        return f->done;
    f->resumer = tls_fiber;
    wacc__stack_state_swap(&f->resumer_state, &f->state);
    tls_fiber = f;
    f->started = f->running = true;
    do_switch(f, &f->resumer_sp, f->sp, true, false);
    /* back on the resumer's stack: f suspended or finished (its side
     * already handed the trap state back) */
    return f->done;
}

/* Hand the thread back to f's resumer. */
static void leave(wacc_fiber *f, bool final)
{
    wacc__stack_state_swap(&f->state, &f->resumer_state);
    tls_fiber = f->resumer;
    f->running = false;
    do_switch(f, &f->sp, f->resumer_sp, false, final);
}

void wacc_fiber_suspend(void)
{
    wacc_fiber *f = tls_fiber;
    if (f)
        leave(f, false);
}

_Noreturn void wacc__fiber_main(wacc_fiber *f)
{
#ifdef FIBER_ASAN
    __sanitizer_finish_switch_fiber(NULL, &f->resumer_bottom, &f->resumer_size);
#endif
    f->fn(f->arg);
    f->done = true;
    leave(f, true);
    __builtin_unreachable();
}

wacc_fiber *wacc_fiber_current(void)
{
    return tls_fiber;
}

bool wacc_fiber_done(const wacc_fiber *f)
{
    return f->done;
}

void wacc_fiber_stack(const wacc_fiber *f, void **low, void **high)
{
    *low = f->low;
    *high = f->high;
}
