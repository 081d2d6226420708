/* The part of <signal.h> xz's mythread.h needs when built without threads
 * (wasm32-wasi has no signals): a signal mask that is never changed. */
#ifndef BENCH_WASI_SIGNAL_H
#define BENCH_WASI_SIGNAL_H
typedef unsigned long sigset_t;
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
static inline int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
    (void)how; (void)set;
    if (old) *old = 0;
    return 0;
}
static inline int sigfillset(sigset_t *s) { *s = ~0ul; return 0; }
#endif
