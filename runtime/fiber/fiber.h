/*
 * fiber.h — stackful coroutines for the runtime (library "wacc-fiber",
 * linked into libwacc).
 *
 * A fiber runs fn(arg) on its own stack: an mmap'd region with a guard page
 * below it. wacc_fiber_resume switches to it; inside, wacc_fiber_suspend
 * switches back to whoever resumed it. The switch is a few instructions of
 * assembly (x86-64 System V, aarch64): callee-saved integer and FP
 * registers, no signal mask, no system call.
 *
 * Wasm on a fiber behaves as on a thread's own stack: every switch also
 * switches libwacc's per-thread trap state (the chain of host->wasm entries
 * and the stack bounds, runtime/src/trap.c), so the prologue stack-limit
 * check is exact on each fiber's stack, running out of it is the trap
 * "call stack exhausted", and a trap unwinds only to an entry on its own
 * fiber. A store is used by one stack at a time.
 *
 * Fibers belong to the thread that created them (resume them only there).
 * Nesting works: a fiber may resume another fiber; suspend returns to the
 * innermost resumer. A pool keeps finished fibers' stacks for reuse
 * (wacc_serve: one per worker thread, a fiber per request).
 *
 *   wacc_fiber_pool *p = wacc_fiber_pool_new(0, 64);
 *   wacc_fiber *f = wacc_fiber_new(p, fn, arg, err);
 *   while (!wacc_fiber_resume(f)) { ... wait for what fn waits on ... }
 *   wacc_fiber_free(f);            // its stack goes back to the pool
 *   wacc_fiber_pool_free(p);
 */
#ifndef WACC_FIBER_H
#define WACC_FIBER_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wacc_fiber wacc_fiber;
typedef struct wacc_fiber_pool wacc_fiber_pool;
typedef void (*wacc_fiber_fn)(void *arg);

#define WACC_FIBER_DEFAULT_STACK (8u << 20)     /* like a main thread's stack */

/* A pool of stacks of stack_size bytes (0: WACC_FIBER_DEFAULT_STACK; rounded
 * up to pages; reserved, not committed: pages are touched as used) keeping
 * at most `keep` free ones. One thread uses a pool. */
wacc_fiber_pool *wacc_fiber_pool_new(size_t stack_size, unsigned keep);
/* Unmaps the free stacks; fibers still alive must have been freed. */
void wacc_fiber_pool_free(wacc_fiber_pool *p);

/* A fiber that will run fn(arg) when first resumed. pool may be NULL (a
 * stack of the default size, unmapped when freed). NULL + message in err
 * (at least 128 bytes) when no stack can be mapped. */
wacc_fiber *wacc_fiber_new(wacc_fiber_pool *pool, wacc_fiber_fn fn, void *arg, char *err);
/* Frees a fiber that finished or never started. (A suspended fiber cannot
 * be freed: its stack holds frames that expect to return.) */
void wacc_fiber_free(wacc_fiber *f);

/* Run f until it suspends (false) or fn returns (true). f must not be
 * running and must not be finished. */
bool wacc_fiber_resume(wacc_fiber *f);
/* From inside a fiber: switch back to its resumer; returns when resumed. */
void wacc_fiber_suspend(void);
/* The fiber running on this thread, or NULL on the thread's own stack. */
wacc_fiber *wacc_fiber_current(void);
bool wacc_fiber_done(const wacc_fiber *f);
/* The usable stack of f: [*low, *high). */
void wacc_fiber_stack(const wacc_fiber *f, void **low, void **high);

#ifdef __cplusplus
}
#endif
#endif
