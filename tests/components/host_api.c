/*
 * host_api.c — a C host of the public embedding API (runtime/include/wacc.h,
 * components section) and abi-glue's component values:
 *
 *   host_api COMPONENT.so
 *
 * COMPONENT.so is host_api.wat compiled by `wacc compile` (host_api.sh does
 * that). The host provides the component's imports as typed callbacks
 * (wacc_component_host.typed_func, checking each import's function type),
 * calls every export with typed values (strings, lists, records, variants,
 * options, results) and checks the results, then the failure paths: a trap
 * in an export, an import the host does not provide and one whose type the
 * host refuses (one-line link errors, no crash).
 *
 * Prints one line per check and "N passed, N failed"; exit 0 iff all pass.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "wacc.h"

typedef struct tally {
    int passed, failed;
} tally;

static void check(tally *t, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(tally *t, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s: ", ok ? "ok" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (ok)
        t->passed++;
    else
        t->failed++;
}

/* ---- the host ---- */

enum { PROVIDE_ALL, PROVIDE_NO_TRANSFORM, REFUSE_LOG_TYPE };

typedef struct host {
    int mode;                   /* PROVIDE_* / REFUSE_LOG_TYPE */
    char log[256];              /* messages logged by the guest, ';'-separated */
    int transforms;             /* calls of transform */
    int typed_asks;             /* imports the runtime asked for */
} host;

static bool is_string(const wacc_ctype *t)
{
    return t != NULL && t->kind == WACC_CT_STRING;
}

/* log: func(msg: string) */
static uint32_t host_log(void *data, const wacc_cval *args, uint32_t nargs, wacc_cval *result,
                         wacc_arena *arena)
{
    (void)result, (void)arena;
    host *h = data;
    if (nargs != 1 || args[0].kind != WACC_CT_STRING)
        return WACC_TRAP_HOST;
    size_t used = strlen(h->log);
    snprintf(h->log + used, sizeof h->log - used, "%s%.*s", used ? ";" : "", (int)args[0].n,
             args[0].x.str);
    return 0;
}

/* transform: func(s: string) -> string — upper case, then "!" */
static uint32_t host_transform(void *data, const wacc_cval *args, uint32_t nargs,
                               wacc_cval *result, wacc_arena *arena)
{
    host *h = data;
    if (nargs != 1 || args[0].kind != WACC_CT_STRING)
        return WACC_TRAP_HOST;
    char *s = wacc_arena_alloc(arena, args[0].n + 2);
    if (s == NULL)
        return WACC_TRAP_HOST;
    for (uint32_t i = 0; i < args[0].n; i++)
        s[i] = (char)toupper((unsigned char)args[0].x.str[i]);
    s[args[0].n] = '!';
    s[args[0].n + 1] = '\0';
    *result = wacc_cval_string(s, args[0].n + 1);
    h->transforms++;
    return 0;
}

static bool host_typed_func(void *ud, const char *instance, const char *name, const wacc_cfunc *type,
                            wacc_component_host_fn *fn, void **data, char *err)
{
    host *h = ud;
    h->typed_asks++;
    if (instance != NULL)
        return false;
    if (strcmp(name, "log") == 0) {
        if (h->mode == REFUSE_LOG_TYPE || wacc_cfunc_nparams(type) != 1 ||
            !is_string(wacc_cfunc_param(type, 0, NULL)) || wacc_cfunc_result(type) != NULL) {
            snprintf(err, WACC_ERR_LEN, "import `log`: the host's log is func(msg: string)");
            return false;
        }
        *fn = host_log;
        *data = h;
        return true;
    }
    if (strcmp(name, "transform") == 0 && h->mode != PROVIDE_NO_TRANSFORM) {
        if (wacc_cfunc_nparams(type) != 1 || !is_string(wacc_cfunc_param(type, 0, NULL)) ||
            !is_string(wacc_cfunc_result(type))) {
            snprintf(err, WACC_ERR_LEN, "import `transform`: the host's transform is func(s: string) -> string");
            return false;
        }
        *fn = host_transform;
        *data = h;
        return true;
    }
    return false;
}

/* ---- calling exports ---- */

typedef struct call {
    wacc_store *store;
    wacc_cinstance *ci;
    wacc_arena arena;           /* results; reset before every call */
    wacc_trap trap;
    const wacc_ctype *rtype;    /* the last callee's result type */
} call;

/* Call export `name`; true with *result (if it has one) on success. */
static bool invoke(call *c, const char *name, wacc_cval *args, uint32_t nargs, wacc_cval *result)
{
    wacc_arena_reset(&c->arena);
    memset(&c->trap, 0, sizeof c->trap);
    wacc_cfunc *f = wacc_cinstance_func(c->ci, name);
    if (f == NULL) {
        snprintf(c->trap.message, sizeof c->trap.message, "no export %s", name);
        return false;
    }
    c->rtype = wacc_cfunc_result(f);
    wacc_cval dummy;
    return wacc_component_call(c->store, f, args, nargs, result ? result : &dummy,
                               c->rtype ? 1 : 0, &c->arena, &c->trap);
}

static bool str_is(const wacc_cval *v, const char *s)
{
    return v->kind == WACC_CT_STRING && v->n == strlen(s) && memcmp(v->x.str, s, v->n) == 0;
}

/* The WAVE text of the last result (for messages). */
static const char *text(call *c, const wacc_cval *v, char *buf, size_t len)
{
    if (c->rtype == NULL)
        return "(none)";
    wacc_cval_format(buf, len, v, c->rtype);
    return buf;
}

static void test_exports(tally *t, call *c, host *h)
{
    wacc_cval r, a[2];
    char buf[256];

    /* names and kinds of the root's exports */
    bool greet = false, point = false;
    for (uint32_t i = 0; i < wacc_cinstance_num_exports(c->ci); i++) {
        char kind = '?';
        const char *n = wacc_cinstance_export_name(c->ci, i, &kind);
        greet |= n && strcmp(n, "greet") == 0 && kind == 'f';
        point |= n && strcmp(n, "point") == 0 && kind == 't';
    }
    check(t, greet && point, "exports list greet (func) and point (type)");
    const char *pname = NULL;
    wacc_cfunc *gf = wacc_cinstance_func(c->ci, "greet");
    check(t, gf && wacc_cfunc_nparams(gf) == 1 && is_string(wacc_cfunc_param(gf, 0, &pname)) &&
          pname && strcmp(pname, "name") == 0 && is_string(wacc_cfunc_result(gf)),
          "greet is func(name: string) -> string");
    check(t, wacc_cinstance_func(c->ci, "no-such-export") == NULL, "no function for an unknown export name");

    /* string in, host import called, string out */
    a[0] = wacc_cval_string("wacc", 4);
    bool ok = invoke(c, "greet", a, 1, &r);
    check(t, ok && str_is(&r, "WACC!"), "greet(\"wacc\") = %s", ok ? text(c, &r, buf, sizeof buf) : c->trap.message);
    check(t, strcmp(h->log, "greet called") == 0 && h->transforms == 1,
          "the guest logged \"%s\" and called transform %d time(s)", h->log, h->transforms);
    a[0] = wacc_cval_string("", 0);
    ok = invoke(c, "greet", a, 1, &r);
    check(t, ok && str_is(&r, "!"), "greet(\"\") = %s", ok ? text(c, &r, buf, sizeof buf) : c->trap.message);

    /* list<u32> -> u64 */
    wacc_cval xs[4] = { wacc_cval_uint(WACC_CT_U32, 1), wacc_cval_uint(WACC_CT_U32, 2),
                        wacc_cval_uint(WACC_CT_U32, 3), wacc_cval_uint(WACC_CT_U32, 4000000000u) };
    a[0] = wacc_cval_list(xs, 4);
    ok = invoke(c, "sum", a, 1, &r);
    check(t, ok && r.kind == WACC_CT_U64 && r.x.u == 4000000006ull, "sum([1, 2, 3, 4000000000]) = %s",
          ok ? text(c, &r, buf, sizeof buf) : c->trap.message);
    a[0] = wacc_cval_list(NULL, 0);
    ok = invoke(c, "sum", a, 1, &r);
    check(t, ok && r.x.u == 0, "sum([]) = %s", ok ? text(c, &r, buf, sizeof buf) : c->trap.message);

    /* record */
    wacc_cval p[2] = { wacc_cval_sint(WACC_CT_S32, 1), wacc_cval_sint(WACC_CT_S32, -2) };
    a[0] = wacc_cval_record(p, 2);
    ok = invoke(c, "swap", a, 1, &r);
    check(t, ok && r.kind == WACC_CT_RECORD && r.n == 2 && r.x.elems[0].x.s == -2 && r.x.elems[1].x.s == 1,
          "swap({x: 1, y: -2}) = %s", ok ? text(c, &r, buf, sizeof buf) : c->trap.message);

    /* variant: case index and payload */
    static const struct { int32_t n; uint32_t c; uint32_t payload; bool has; } signs[] = {
        { -5, 0, 5, true }, { 0, 1, 0, false }, { 7, 2, 7, true },
    };
    for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++) {
        a[0] = wacc_cval_sint(WACC_CT_S32, signs[i].n);
        ok = invoke(c, "classify", a, 1, &r);
        check(t, ok && r.kind == WACC_CT_VARIANT && r.n == signs[i].c &&
              (signs[i].has ? r.x.payload && r.x.payload->x.u == signs[i].payload : r.x.payload == NULL),
              "classify(%d) = %s", signs[i].n, ok ? text(c, &r, buf, sizeof buf) : c->trap.message);
    }

    /* result<u32, string> */
    a[0] = wacc_cval_uint(WACC_CT_U32, 7);
    a[1] = wacc_cval_uint(WACC_CT_U32, 2);
    ok = invoke(c, "checked-div", a, 2, &r);
    check(t, ok && r.kind == WACC_CT_RESULT && r.n == 0 && r.x.payload && r.x.payload->x.u == 3,
          "checked-div(7, 2) = %s", ok ? text(c, &r, buf, sizeof buf) : c->trap.message);
    a[1] = wacc_cval_uint(WACC_CT_U32, 0);
    ok = invoke(c, "checked-div", a, 2, &r);
    check(t, ok && r.kind == WACC_CT_RESULT && r.n == 1 && r.x.payload && str_is(r.x.payload, "division by zero"),
          "checked-div(7, 0) = %s", ok ? text(c, &r, buf, sizeof buf) : c->trap.message);

    /* list<string> -> option<string> */
    wacc_cval words[2] = { wacc_cval_string("alpha", 5), wacc_cval_string("beta", 4) };
    a[0] = wacc_cval_list(words, 2);
    ok = invoke(c, "first", a, 1, &r);
    check(t, ok && r.kind == WACC_CT_OPTION && r.n == 1 && r.x.payload && str_is(r.x.payload, "alpha"),
          "first([\"alpha\", \"beta\"]) = %s", ok ? text(c, &r, buf, sizeof buf) : c->trap.message);
    a[0] = wacc_cval_list(NULL, 0);
    ok = invoke(c, "first", a, 1, &r);
    check(t, ok && r.kind == WACC_CT_OPTION && r.n == 0, "first([]) = %s",
          ok ? text(c, &r, buf, sizeof buf) : c->trap.message);

    /* a trap: false, a trap code, a one-line message (last: a trapped
     * instance may not be entered again) */
    ok = invoke(c, "fail", NULL, 0, NULL);
    check(t, !ok && c->trap.code != WACC_TRAP_NONE && c->trap.message[0] && !strchr(c->trap.message, '\n'),
          "fail() traps: %s", c->trap.message);
}

/* Instantiate with a host that lacks or refuses an import: a one-line link
 * error, no trap, no instance. */
static void test_link_error(tally *t, wacc_store *s, wacc_artifact *a, int mode, const char *what,
                            const char *expect)
{
    host h = { .mode = mode };
    wacc_component_host ch = { .typed_func = host_typed_func, .ud = &h };
    wacc_trap trap;
    char err[WACC_ERR_LEN] = "";
    memset(&trap, 0, sizeof trap);
    wacc_cinstance *ci = wacc_component_instantiate(s, a, &ch, &trap, err);
    check(t, ci == NULL && trap.code == WACC_TRAP_NONE && err[0] && !strchr(err, '\n') &&
          strstr(err, expect) != NULL, "%s: link error \"%s\"", what, err);
    if (ci)
        wacc_cinstance_free(ci);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: host_api COMPONENT.so\n");
        return 2;
    }
    tally t = { 0, 0 };
    char err[WACC_ERR_LEN] = "";
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = e ? wacc_artifact_load(e, argv[1], err) : NULL;
    wacc_store *s = a ? wacc_store_new(e) : NULL;
    if (s == NULL) {
        fprintf(stderr, "host_api: %s: %s\n", argv[1], err[0] ? err : "out of memory");
        if (a)
            wacc_artifact_free(a);
        if (e)
            wacc_engine_free(e);
        return 1;
    }
    check(&t, wacc_artifact_is_component(a), "%s is a component artifact", argv[1]);

    host h = { .mode = PROVIDE_ALL };
    wacc_component_host ch = { .typed_func = host_typed_func, .ud = &h };
    call c;
    memset(&c, 0, sizeof c);
    c.store = s;
    wacc_arena_init(&c.arena);
    c.ci = wacc_component_instantiate(s, a, &ch, &c.trap, err);
    check(&t, c.ci != NULL && h.typed_asks == 2, "instantiated (imports asked for: %d)%s%s", h.typed_asks,
          c.ci ? "" : ": ", c.ci ? "" : err);
    if (c.ci)
        test_exports(&t, &c, &h);

    test_link_error(&t, s, a, PROVIDE_NO_TRANSFORM, "transform not provided", "transform");
    test_link_error(&t, s, a, REFUSE_LOG_TYPE, "log refused by type", "log");

    /* a file that is not an artifact: an error, no crash */
    char err2[WACC_ERR_LEN] = "";
    wacc_artifact *bad = wacc_artifact_load(e, "/nonexistent/host_api.so", err2);
    check(&t, bad == NULL && err2[0] && !strchr(err2, '\n'), "loading a missing file: \"%s\"", err2);

    if (c.ci)
        wacc_cinstance_free(c.ci);
    wacc_arena_fini(&c.arena);
    wacc_store_free(s);
    wacc_artifact_free(a);
    wacc_engine_free(e);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
