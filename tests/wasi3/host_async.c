/*
 * host_async.c — a C host of the async embedding API (wacc.h "async
 * Component Model: the host side"), without runtime/wasi3:
 *
 *   host_async TIMER.so
 *
 * TIMER.so is timer.wat compiled by `wacc compile` (run.sh does that). The
 * host provides its imports itself as async host functions
 * (wacc_component_host.async_func): monotonic-clock `now` (completes at
 * once), `wait-for` (a timer watch on the instance's loop completes the
 * call later; the guest waits for it synchronously and as two async
 * subtasks), and stdout `write-via-stream` (takes the guest's stream end,
 * reads it into a buffer with wacc_hend_read, and answers with a future it
 * creates and writes once the guest dropped its end). It calls the async
 * `run` export with wacc_component_call (which runs the loop until `run`
 * resolves), and checks the output, the result and that the loop made the
 * waits with the default waiter (poll) and the store's clock.
 *
 * Prints one line per check and "N passed, N failed"; exit 0 iff all pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "wacc.h"

static int passed, failed;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    if (ok)
        passed++;
    else
        failed++;
}

/* what the guest wrote to stdout */
static char out[4096];
static size_t outlen;
static int timers_fired, writes;

/* ---- monotonic-clock ---- */

static uint32_t now_fn(void *data, wacc_hcall *c, const wacc_cval *args, uint32_t nargs)
{
    (void)data, (void)args, (void)nargs;
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, wacc_monotonic_ns());
    return wacc_hcall_return(c, &v);
}

static uint32_t timer_fired(void *ud, short revents)
{
    (void)revents;
    timers_fired++;
    return wacc_hcall_return(ud, NULL);
}

static uint32_t wait_for_fn(void *data, wacc_hcall *c, const wacc_cval *args, uint32_t nargs)
{
    (void)data;
    if (nargs != 1)
        return WACC_TRAP_HOST;
    uint64_t when = wacc_monotonic_ns() + args[0].x.u;
    return wacc_watch_add(wacc_hcall_instance(c), -1, 0, when, timer_fired, c) ? 0 : WACC_TRAP_OUT_OF_MEMORY;
}

/* ---- stdout: a guest stream read into `out`, a future answered ---- */

typedef struct sink {
    wacc_hend *data, *fut;
    uint8_t buf[7];             /* small: the guest's writes complete in parts */
    wacc_cval ok;
} sink;

static uint32_t fut_done(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)result, (void)n;
    wacc_hend_drop(e);
    free(ud);
    return 0;
}

static uint32_t got(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    sink *s = ud;
    if (outlen + n <= sizeof out) {
        memcpy(out + outlen, s->buf, n);
        outlen += n;
    }
    if (result == WACC_COPY_COMPLETED && wacc_hend_read(e, s->buf, sizeof s->buf, NULL, got, s))
        return 0;
    /* the guest dropped its end: the write is done, ok */
    wacc_hend_drop(e);
    s->ok = wacc_cval_variant(WACC_CT_RESULT, 0, NULL);
    if (!wacc_hend_write(s->fut, &s->ok, 1, fut_done, s))
        return WACC_TRAP_HOST;
    return 0;
}

static uint32_t write_fn(void *data, wacc_hcall *c, const wacc_cval *args, uint32_t nargs)
{
    (void)data;
    wacc_cinstance *ci = wacc_hcall_instance(c);
    sink *s = calloc(1, sizeof *s);
    if (!s || nargs != 1)
        return WACC_TRAP_HOST;
    writes++;
    wacc_cval fut;
    s->data = wacc_hend_take(ci, &args[0]);
    s->fut = wacc_hend_new(ci, wacc_cfunc_result(wacc_hcall_type(c)), &fut);
    if (!s->data || !s->fut || !wacc_hend_read(s->data, s->buf, sizeof s->buf, NULL, got, s))
        return WACC_TRAP_HOST;
    return wacc_hcall_return(c, &fut);
}

static bool async_func(void *ud, const char *inst, const char *name, const struct wacc_cfunc *type,
                       wacc_component_host_async_fn *fn, void **data, char *err)
{
    (void)ud, (void)type, (void)err;
    *data = NULL;
    if (inst && strcmp(inst, "wasi:clocks/monotonic-clock@0.3.0") == 0 && strcmp(name, "now") == 0)
        *fn = now_fn;
    else if (inst && strcmp(inst, "wasi:clocks/monotonic-clock@0.3.0") == 0 && strcmp(name, "wait-for") == 0)
        *fn = wait_for_fn;
    else if (inst && strcmp(inst, "wasi:cli/stdout@0.3.0") == 0 && strcmp(name, "write-via-stream") == 0)
        *fn = write_fn;
    else
        return false;
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: host_async TIMER.so\n");
        return 2;
    }
    char err[WACC_ERR_LEN] = "";
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = wacc_artifact_load(e, argv[1], err);
    if (!a) {
        fprintf(stderr, "host_async: %s\n", err);
        wacc_engine_free(e);
        return 1;
    }
    wacc_store *s = wacc_store_new(e);
    wacc_component_host host;
    memset(&host, 0, sizeof host);
    host.async_func = async_func;
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    wacc_cinstance *ci = wacc_component_instantiate(s, a, &host, &trap, err);
    check(ci != NULL, "instantiate with async host imports");
    if (ci) {
        wacc_cfunc *run = wacc_cinstance_func(ci, "wasi:cli/run@0.3.0#run");
        check(run != NULL, "the async export wasi:cli/run@0.3.0#run");
        wacc_arena arena;
        wacc_arena_init(&arena);
        wacc_cval res;
        memset(&res, 0, sizeof res);
        uint64_t t0 = wacc_monotonic_ns();
        bool ok = run && wacc_component_call(s, run, NULL, 0, &res, 1, &arena, &trap);
        uint64_t took = wacc_monotonic_ns() - t0;
        if (!ok)
            printf("trap: %s\n", trap.message);
        check(ok && res.kind == WACC_CT_RESULT && res.n == 0, "run resolved with ok");
        check(took >= 230000000u, "the timers took their time (30 ms, then 200 ms with 20 ms inside)");
        check(timers_fired == 3, "three timer watches fired");
        check(writes == 4, "four write-via-stream calls");
        const char *want = "start\nwaited\nshort first\nlong second\n";
        check(outlen == strlen(want) && memcmp(out, want, outlen) == 0, "the guest's output through host-read streams");
        trap.code = 0;
        check(wacc_cinstance_poll(ci, &trap) == 0, "nothing left to run afterwards");
        wacc_arena_fini(&arena);
        wacc_cinstance_free(ci);
    } else {
        printf("error: %s %s\n", err, trap.message);
    }
    wacc_store_free(s);
    wacc_artifact_free(a);
    wacc_engine_free(e);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
