/*
 * internal.h (stub) — what runtime/fiber/fiber.c needs from libwacc's
 * internal.h, for building the fiber library alone for another
 * architecture (fiber_cross.sh): the per-stack trap state is a plain
 * thread-local here, and the test checks it follows each fiber.
 */
#ifndef WACC_INTERNAL_H
#define WACC_INTERNAL_H
#include <stdint.h>
#include <stdlib.h>

struct wacc_entry;
struct wacc_stack_state {
    struct wacc_entry *entry;
    uintptr_t limit, low;
};
extern __thread struct wacc_stack_state stub_state;

static inline void wacc__stack_state_init(struct wacc_stack_state *st, uintptr_t low, uintptr_t high)
{
    st->entry = NULL;
    st->low = low;
    st->limit = low + 128 * 1024 < high ? low + 128 * 1024 : high;
}

static inline void wacc__stack_state_swap(struct wacc_stack_state *save,
                                          const struct wacc_stack_state *load)
{
    *save = stub_state;
    stub_state = *load;
}

static inline void *wacc__calloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size ? size : 1);
}
#endif
