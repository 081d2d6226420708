/*
 * trap.c — traps: the signal handler, the per-thread chain of host->wasm
 * entries, and the registry of compiled-code ranges and memory reservations.
 *
 * This file holds the only global mutable state of libwacc: the registry
 * (fixed arrays of atomics so the signal handler can read them without
 * locks), the previous signal actions, and thread-locals (current entry,
 * stack limit, alternate signal stack).
 *
 * A SIGSEGV/SIGBUS is a wasm trap only if the current thread is running wasm
 * (it has an entry), the PC is inside a registered code range and the fault
 * address is inside a live memory's reservation (-> out of bounds memory
 * access), an instance's poll word (-> deadline exceeded: its store is
 * interrupted, deadline.c) or just below the thread's stack limit (-> call
 * stack exhausted).
 * Anything else goes to the previously installed handler.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "internal.h"

#define MAX_MEMORIES 16384
#define MAX_CODE_RANGES 4096
#define MAX_POLLS 65536             /* instances alive at once */
#define ALTSTACK_SIZE (256u * 1024u)

struct code_range {
    _Atomic uintptr_t start, end;
    _Atomic(wacc_artifact *) owner;
};

static _Atomic uintptr_t mem_slots[MAX_MEMORIES];
static _Atomic uintptr_t poll_slots[MAX_POLLS];
static atomic_int poll_high;
static atomic_int mem_high;                 /* slots in use are below this */
static struct code_range code_slots[MAX_CODE_RANGES];
static atomic_int code_high;

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t altstack_key;
static struct sigaction old_segv, old_bus;

static __thread struct wacc_entry *tls_entry __attribute__((tls_model("initial-exec")));
static __thread uintptr_t tls_stack_limit __attribute__((tls_model("initial-exec")));
static __thread uintptr_t tls_stack_low __attribute__((tls_model("initial-exec")));
static __thread bool tls_ready __attribute__((tls_model("initial-exec")));

/* ---- registry ---- */

static void raise_high(atomic_int *high, int slot)
{
    int h = atomic_load(high);
    while (h < slot + 1 && !atomic_compare_exchange_weak(high, &h, slot + 1))
        ;
}

/* Claim a free slot of `slots` (n of them) for v; -1 if all are taken. */
static int claim_slot(_Atomic uintptr_t *slots, int n, atomic_int *high, uintptr_t v)
{
    for (int i = 0; i < n; i++) {
        uintptr_t expect = 0;
        if (atomic_load(&slots[i]) == 0 && atomic_compare_exchange_strong(&slots[i], &expect, v)) {
            raise_high(high, i);
            return i;
        }
    }
    return -1;
}

static void release_slot(_Atomic uintptr_t *slots, int n, int slot)
{
    if (slot >= 0 && slot < n)
        atomic_store(&slots[slot], 0);
}

int wacc__register_memory(uint8_t *base)
{
    return claim_slot(mem_slots, MAX_MEMORIES, &mem_high, (uintptr_t)base);
}

void wacc__unregister_memory(int slot)
{
    release_slot(mem_slots, MAX_MEMORIES, slot);
}

int wacc__register_poll(const struct wacc_vmctx *vm)
{
    return claim_slot(poll_slots, MAX_POLLS, &poll_high, (uintptr_t)vm);
}

void wacc__unregister_poll(int slot)
{
    release_slot(poll_slots, MAX_POLLS, slot);
}

bool wacc__register_code(wacc_artifact *a, uintptr_t start, uintptr_t end)
{
    for (int i = 0; i < MAX_CODE_RANGES; i++) {
        wacc_artifact *expect = NULL;
        if (atomic_load(&code_slots[i].owner) == NULL &&
            atomic_compare_exchange_strong(&code_slots[i].owner, &expect, a)) {
            atomic_store(&code_slots[i].end, end);
            atomic_store(&code_slots[i].start, start);
            raise_high(&code_high, i);
            return true;
        }
    }
    return false;
}

void wacc__unregister_code(wacc_artifact *a)
{
    int n = atomic_load(&code_high);
    for (int i = 0; i < n; i++) {
        if (atomic_load(&code_slots[i].owner) == a) {
            atomic_store(&code_slots[i].start, 0);
            atomic_store(&code_slots[i].end, 0);
            atomic_store(&code_slots[i].owner, NULL);
        }
    }
}

static wacc_artifact *code_owner(uintptr_t pc)
{
    int n = atomic_load(&code_high);
    for (int i = 0; i < n; i++) {
        uintptr_t s = atomic_load(&code_slots[i].start);
        if (s && pc >= s && pc < atomic_load(&code_slots[i].end))
            return atomic_load(&code_slots[i].owner);
    }
    return NULL;
}

static bool in_memory(uintptr_t addr)
{
    int n = atomic_load(&mem_high);
    for (int i = 0; i < n; i++) {
        uintptr_t b = atomic_load(&mem_slots[i]);
        /* the reservation, and the low guard below the base */
        if (b && addr >= b - WACC_MEMORY_LOW_GUARD && addr < b + WACC_MEMORY_RESERVATION)
            return true;
    }
    return false;
}

/* An instance's poll word (vmctx + WACC_VMCTX_POLL), protected: its
 * store is interrupted (deadline.c). */
static bool in_poll(uintptr_t addr)
{
    int n = atomic_load(&poll_high);
    for (int i = 0; i < n; i++) {
        uintptr_t v = atomic_load(&poll_slots[i]);
        if (v && addr >= v + WACC_VMCTX_POLL && addr < v + WACC_VMCTX_POLL + 8)
            return true;
    }
    return false;
}

/* ---- signal handling ---- */

static void chain(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction) {
            old->sa_sigaction(sig, si, uc);
            return;
        }
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    /* Default action: restore it; returning re-executes the fault. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    struct wacc_entry *e = tls_entry;
#if defined(__x86_64__)
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.pc;
#else
#error "trap.c: the faulting PC of this architecture"
#endif
    uintptr_t addr = (uintptr_t)si->si_addr;
    if (e && code_owner(pc)) {
        uint32_t code = 0;
        if (in_memory(addr))
            code = WACC_TRAP_MEMORY_OOB;
        else if (in_poll(addr))
            code = WACC_TRAP_DEADLINE;
        else if (tls_stack_limit && addr < tls_stack_limit && addr + (1u << 20) >= tls_stack_low)
            code = WACC_TRAP_STACK_EXHAUSTED;
        if (code) {
            e->code = code;
            e->pc = pc;
            e->func_index = UINT32_MAX;
            e->wasm_offset = 0;
            e->inst = NULL;
            siglongjmp(e->jb, 1);
        }
    }
    chain(sig, si, ucv);
}

static void free_altstack(void *p)
{
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    free(p);
}

static void install_handlers(void)
{
    pthread_key_create(&altstack_key, free_altstack);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    /* SA_NODEFER: the handler leaves with siglongjmp without restoring the
     * signal mask, so it must not block SIGSEGV. */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
}

/* Once per thread: the signal handlers (once per process) and an
 * alternate signal stack, so a fault on an exhausted stack can be handled. */
static void thread_ready(void)
{
    pthread_once(&install_once, install_handlers);
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
        void *mem = malloc(ALTSTACK_SIZE);
        if (mem) {
            stack_t ss = { .ss_sp = mem, .ss_size = ALTSTACK_SIZE, .ss_flags = 0 };
            if (sigaltstack(&ss, NULL) == 0)
                pthread_setspecific(altstack_key, mem);
            else
                free(mem);
        }
    }
    tls_ready = true;
}

/* The main thread's lowest usable stack address, 0 if unknown or if this
 * is not the main thread. glibc's pthread_getattr_np answers this by
 * reading and parsing /proc/self/maps (~0.1 ms of every `wacc run`); the
 * kernel puts the main stack's top just above the executable's name
 * (AT_EXECFN, the last string it copies there) and lets the stack grow
 * RLIMIT_STACK below that top, where it keeps other mappings away. */
static uintptr_t main_stack_low(uintptr_t sp)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    struct rlimit rl;
    if (execfn == NULL || getpid() != (pid_t)syscall(SYS_gettid) || getrlimit(RLIMIT_STACK, &rl) != 0 ||
        rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1ull << 30))
        return 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t top = ((uintptr_t)execfn + strlen(execfn) + 1 + page - 1) & ~(page - 1);
    if (top <= sp || top - sp > rl.rlim_cur || top < rl.rlim_cur)
        return 0;
    return top - rl.rlim_cur;
}

uintptr_t wacc__thread_enter(void)
{
    if (!tls_ready)
        thread_ready();
    if (tls_stack_limit)        /* known (a fiber's stack sets it when switched to) */
        return tls_stack_limit;

    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t low = main_stack_low(sp);
    pthread_attr_t at;
    if (!low && pthread_getattr_np(pthread_self(), &at) == 0) {
        void *addr;
        size_t size;
        if (pthread_attr_getstack(&at, &addr, &size) == 0 && (uintptr_t)addr < sp &&
            size <= (1ull << 30))
            low = (uintptr_t)addr;
        pthread_attr_destroy(&at);
    }
    if (!low)       /* unknown or unlimited: assume 8 MiB below here */
        low = sp - (8u << 20);
    /* Keep a red zone for the runtime's and host functions' own frames. */
    uintptr_t limit = low + 2 * (uintptr_t)WACC_STACK_RED_ZONE;
    if (limit >= sp)        /* tiny stack: every wasm call traps at once */
        limit = sp;
    tls_stack_low = low;
    tls_stack_limit = limit;
    return limit;
}

/* ---- stacks (runtime/fiber) ---- */

void wacc__stack_state_init(struct wacc_stack_state *st, uintptr_t low, uintptr_t high)
{
    uintptr_t limit = low + 2 * (uintptr_t)WACC_STACK_RED_ZONE;
    st->entry = NULL;
    st->low = low;
    st->limit = limit < high ? limit : high;
}

void wacc__stack_state_swap(struct wacc_stack_state *save, const struct wacc_stack_state *load)
{
    save->entry = tls_entry;
    save->limit = tls_stack_limit;
    save->low = tls_stack_low;
    tls_entry = load->entry;
    tls_stack_limit = load->limit;
    tls_stack_low = load->low;
}

static __attribute__((noinline)) bool run(struct wacc_entry *e, wacc_array_call_fn fn,
                                          void *vmctx, void *code, wacc_val *vals)
{
    if (sigsetjmp(e->jb, 0) != 0)
        return false;
    fn(vmctx, code, vals);
    return true;
}

bool wacc__call_protected(wacc_store *s, struct wacc_entry *e, wacc_array_call_fn fn,
                          void *vmctx, void *code, wacc_val *vals)
{
    /* the limit of the stack this entry runs on; put back after it, so
     * wasm suspended on another stack (runtime/fiber) that resumes later
     * finds its own */
    uintptr_t outer_limit = s->stack_limit;
    wacc__store_set_stack_limit(s, wacc__thread_enter());
    e->prev = tls_entry;
    e->code = WACC_TRAP_NONE;
    e->func_index = UINT32_MAX;
    e->wasm_offset = 0;
    e->exit_status = 0;
    e->pc = 0;
    e->inst = NULL;
    tls_entry = e;
    bool ok = run(e, fn, vmctx, code, vals);
    tls_entry = e->prev;
    if (outer_limit)
        wacc__store_set_stack_limit(s, outer_limit);
    return ok;
}

_Noreturn void wacc__raise(struct wacc_instance *inst, uint32_t code, uint32_t func_index,
                           uint32_t wasm_offset)
{
    struct wacc_entry *e = tls_entry;
    if (!e) {
        fprintf(stderr, "wacc: trap (%s) outside of any wasm call\n", wacc_trap_name(code));
        abort();
    }
    e->code = code;
    e->func_index = func_index;
    e->wasm_offset = wasm_offset;
    e->inst = inst;
    e->pc = 0;
    siglongjmp(e->jb, 1);
}

uint32_t wacc_host_exit(int status)
{
    if (tls_entry)
        tls_entry->exit_status = status;
    return WACC_TRAP_EXIT;
}

/* ---- messages ---- */

const char *wacc_trap_name(uint32_t code)
{
    switch (code) {
    case WACC_TRAP_NONE: return "no trap";
    case WACC_TRAP_UNREACHABLE: return "unreachable";
    case WACC_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WACC_TRAP_TABLE_OOB: return "out of bounds table access";
    case WACC_TRAP_INDIRECT_NULL: return "uninitialized element";
    case WACC_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
    case WACC_TRAP_INT_DIV_ZERO: return "integer divide by zero";
    case WACC_TRAP_INT_OVERFLOW: return "integer overflow";
    case WACC_TRAP_BAD_CONVERSION: return "invalid conversion to integer";
    case WACC_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WACC_TRAP_NULL_REFERENCE: return "null reference";
    case WACC_TRAP_HOST: return "host function trapped";
    case WACC_TRAP_OUT_OF_MEMORY: return "out of memory";
    case WACC_TRAP_EXIT: return "exit";
    case WACC_TRAP_COMPONENT: return "canonical ABI check failed";
    case WACC_TRAP_DEADLINE: return "deadline exceeded";
    default: return "unknown trap";
    }
}

static void format_trap(wacc_trap *t, uint32_t code, const wacc_artifact *art, uint32_t fi,
                        uint32_t off)
{
    t->code = code;
    t->func_index = fi;
    t->wasm_offset = off;
    int n = snprintf(t->message, sizeof t->message, "trap: %s", wacc_trap_name(code));
    if (fi != UINT32_MAX && n > 0 && (size_t)n < sizeof t->message) {
        const char *name = art ? wacc__func_name(art, fi) : NULL;
        if (name)
            n += snprintf(t->message + n, sizeof t->message - n, " in function %s", name);
        else
            n += snprintf(t->message + n, sizeof t->message - n, " in function #%u", fi);
    }
    if (off && n > 0 && (size_t)n < sizeof t->message)
        snprintf(t->message + n, sizeof t->message - n, " (wasm offset 0x%x)", off);
}

void wacc__set_trap(wacc_trap *trap, uint32_t code, const struct wacc_instance *inst,
                    uint32_t func_index, uint32_t wasm_offset)
{
    if (!trap)
        return;
    trap->exit_status = 0;
    format_trap(trap, code, inst ? inst->art : NULL, func_index, wasm_offset);
}

void wacc__fill_trap(const struct wacc_entry *e, wacc_trap *trap)
{
    if (!trap)
        return;
    const wacc_artifact *art = e->inst ? e->inst->art : NULL;
    uint32_t fi = e->func_index;
    if (e->pc) {
        art = code_owner(e->pc);
        fi = art ? wacc__artifact_func_at(art, e->pc) : UINT32_MAX;
    }
    trap->exit_status = e->exit_status;
    format_trap(trap, e->code, art, fi, e->wasm_offset);
}
