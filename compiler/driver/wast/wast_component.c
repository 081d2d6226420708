/*
 * wast_component.c — `wacc wast` for Component Model scripts (runs in the
 * per-file child process, see wast.c; record protocol in wast.h).
 *
 * wabt's wast2json does not know components, so the script is converted by
 * scripts/wast2component.mjs (node + jco's text parser) in ONE node process
 * per file: a JSON command list plus one binary per module form. Then every
 * command is judged in order:
 *
 *   assert_invalid / assert_malformed   our decoder + validator must reject
 *                                       the binary (compiler/component for
 *                                       components, wasmfmt for core modules)
 *   component definition / component    must decode and validate; a definition
 *   / module                            passes then, an instantiation needs
 *                                       execution (skipped for now)
 *   assert_unlinkable, assert_trap of a must validate, then need execution
 *   component
 *   assert_return / assert_trap /       values parsed (wast_cval.c), then need
 *   invoke                              execution
 *   unconvertible / unsupported /       skipped (jco's parser could not
 *   quote forms jco rejects             convert the form, or it is text-only)
 *
 * Execution (instantiating components, calling exports through the
 * Canonical ABI) does not exist yet: instantiate() and invoke() below are
 * the two places to fill in; everything around them (instance names, value
 * parsing, result matching, failure messages) is already here.
 *
 * Environment: WACC_NODE (node binary, default "node"),
 * WACC_WAST2COMPONENT (the converter script), WACC_NODE_DIR (where jco is
 * installed, read by the converter), WACC_WAST_SKIPS=1 (print each skipped
 * command and its reason to stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wast_component.h"
#ifdef WACC_HAVE_COMPFMT
#include "root_check.h"
#endif

#ifndef WACC_SCRIPTS_DIR
#define WACC_SCRIPTS_DIR "scripts"
#endif

/* Features allowed in the core modules of component scripts. */
#define CORE_FEATURES WASM_FEATURES_RUNNABLE

/* A named definition (`(component definition $x ...)`, `(component $x ...)`)
 * or instance (`(component instance $i $x)`, `(component $x ...)`). */
typedef struct cname {
    char *name;
    char *file;             /* binary (definitions) */
    bool is_module;
    void *inst;             /* the live instance, once execution exists */
} cname;

typedef struct cnames {
    cname *v;
    size_t n, cap;
} cnames;

typedef struct crun {
    const wast_opts *o;
    int fd;
    const char *dir;
    int line;
    const char *cmd;
    bool show_skips;
    char features[256];     /* the script's feature list (wast_component_features) */
    cnames defs, insts;
    cname *cur;             /* the instance `invoke` without a name uses */
    wcx *x;                 /* execution state (engine, store, artifacts) */
} crun;

/* ---- reporting (same records as wast_run.c) ---- */

static void rec_line(crun *r, char kind, const char *msg)
{
    char buf[1600];
    int n = kind == 'F' ? snprintf(buf, sizeof buf, "F%d: %s: %s", r->line, r->cmd, msg)
                        : snprintf(buf, sizeof buf, "%c%s", kind, msg);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof buf - 1 ? (size_t)n : sizeof buf - 2;
    wast_emit_record(r->fd, buf, len);
}

static void pass(crun *r)
{
    rec_line(r, 'P', "");
}

static void fail(crun *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(crun *r, const char *fmt, ...)
{
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rec_line(r, 'F', msg);
}

static void skip(crun *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void skip(crun *r, const char *fmt, ...)
{
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->show_skips)
        fprintf(stderr, "skip %d: %s: %s\n", r->line, r->cmd, msg);
    rec_line(r, 'S', msg);
}


static bool jbool(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* ---- detection ---- */

bool wast_is_component_script(const char *path)
{
    char err[512];
    size_t size;
    uint8_t *b = drv_read_file(path, &size, err);
    if (b == NULL)
        return false;
    const char *s = (const char *)b;
    int depth = 0;
    bool found = false;
    for (size_t i = 0; i < size && !found; i++) {
        char c = s[i];
        if (c == ';' && i + 1 < size && s[i + 1] == ';') {
            while (i < size && s[i] != '\n')
                i++;
        } else if (c == '(' && i + 1 < size && s[i + 1] == ';') {
            int d = 1;
            for (i += 2; i + 1 < size && d > 0; i++) {
                if (s[i] == '(' && s[i + 1] == ';')
                    d++, i++;
                else if (s[i] == ';' && s[i + 1] == ')')
                    d--, i++;
            }
            i--;
        } else if (c == '"') {
            for (i++; i < size && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
        } else if (c == '(') {
            depth++;
            size_t k = i + 1;
            while (k < size && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r'))
                k++;
            if (depth <= 2 && size - k >= 9 && memcmp(s + k, "component", 9) == 0 &&
                (size - k == 9 || strchr(" \t\r\n()", s[k + 9]) != NULL))
                found = true;
        } else if (c == ')') {
            depth--;
        }
    }
    free(b);
    return found;
}

/* ---- conversion ---- */

static bool convert(crun *r, const char *wast, char *err, size_t errlen)
{
    char script[1024], log[1024];
    const char *node = getenv("WACC_NODE");
    const char *env_script = getenv("WACC_WAST2COMPONENT");
    if (node == NULL || node[0] == '\0')
        node = "node";
    if (env_script != NULL && env_script[0] != '\0')
        snprintf(script, sizeof script, "%s", env_script);
    else
        snprintf(script, sizeof script, "%s/wast2component.mjs", WACC_SCRIPTS_DIR);
    snprintf(log, sizeof log, "%s/convert.log", r->dir);
    char *argv[] = { (char *)node, script, (char *)wast, (char *)r->dir, NULL };
    unsigned timeout = r->o->cmd_timeout > 0 ? (unsigned)r->o->cmd_timeout * 10 : 0;
    int st = wast_run_logged(argv, log, timeout, err, errlen);
    if (st < 0)
        return false;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return true;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        snprintf(err, errlen, "cannot run '%s' (install nodejs, or set WACC_NODE)", node);
        return false;
    }
    if (WIFSIGNALED(st)) {
        snprintf(err, errlen, "%.100s %.200s: killed by signal %d%s", node, script, WTERMSIG(st),
                 WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
        return false;
    }
    char first[400] = "";
    FILE *f = fopen(log, "r");
    if (f != NULL) {
        while (fgets(first, sizeof first, f) != NULL)     /* first non-empty line */
            if (first[0] != '\n' && strncmp(first, "(node:", 6) != 0)
                break;
        fclose(f);
        first[strcspn(first, "\n")] = '\0';
    }
    snprintf(err, errlen, "%.200s failed: %.400s", script, first[0] ? first : "(no message)");
    return false;
}

static cJSON *load_json(const char *path, char *err, size_t errlen)
{
    char e[512];
    size_t size;
    uint8_t *b = drv_read_file(path, &size, e);
    if (b == NULL) {
        snprintf(err, errlen, "%s", e);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength((const char *)b, size);
    free(b);
    if (j == NULL)
        snprintf(err, errlen, "%.400s: not valid JSON", path);
    return j;
}

/* ---- names ---- */

static cname *find(cnames *t, const char *name)
{
    for (size_t i = t->n; i-- > 0;)         /* latest wins (names may be reused) */
        if (strcmp(t->v[i].name, name) == 0)
            return &t->v[i];
    return NULL;
}

static cname *add(cnames *t, const char *name, const char *file, bool is_module)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        cname *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    cname *c = &t->v[t->n];
    memset(c, 0, sizeof *c);
    c->name = strdup(name ? name : "");
    c->file = file ? strdup(file) : NULL;
    c->is_module = is_module;
    if (c->name == NULL || (file != NULL && c->file == NULL)) {
        free(c->name);
        free(c->file);
        return NULL;
    }
    t->n++;
    return c;
}

static void free_names(cnames *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].name);
        free(t->v[i].file);
    }
    free(t->v);
}

/* ---- decoding and validation ---- */

/* CHK_ROOT: a valid component whose root imports or exports a component,
 * which a host cannot instantiate (root_check.h): `wacc compile` refuses it,
 * as Wasmtime does, so assert_invalid expects it to be rejected. */
enum { CHK_OK, CHK_REJECTED, CHK_UNAVAILABLE, CHK_IO, CHK_ROOT };

/* The root-level restrictions of a valid component binary: CHK_ROOT with the
 * reason in `why`, else CHK_OK. */
static int check_root(const uint8_t *b, size_t size, char *why, size_t len)
{
#ifdef WACC_HAVE_COMPFMT
    wasm_error err;
    memset(&err, 0, sizeof err);
    if (wacc_component_root_check_bytes(b, size, &err))
        return CHK_OK;
    snprintf(why, len, "at byte %zu: %s", err.offset, err.msg);
    return CHK_ROOT;
#else
    (void)b, (void)size, (void)why, (void)len;
    return CHK_OK;
#endif
}

/* Decode + validate one binary. `why` gets the error (REJECTED, IO, ROOT) or
 * the reason the check is not possible (UNAVAILABLE). */
static int check_binary(crun *r, const char *file, bool is_module, char *why, size_t len)
{
    char path[1200], e[512];
    size_t size;
    snprintf(path, sizeof path, "%s/%s", r->dir, file);
    uint8_t *b = drv_read_file(path, &size, e);
    if (b == NULL) {
        snprintf(why, len, "%s", e);
        return CHK_IO;
    }
    wasm_error err;
    memset(&err, 0, sizeof err);
    int res = CHK_OK;
    if (is_module) {
        wasm_module *m = wasm_decode(b, size, CORE_FEATURES, WASM_DECODE_DEFAULT, &err);
        if (m == NULL || !wasm_validate(m, &err)) {
            snprintf(why, len, "at byte %zu: %s", err.offset, err.msg);
            res = CHK_REJECTED;
        }
        wasm_module_free(m);
    } else {
        int k = wast_check_component_features(b, size, r->features, why, len);
        res = k == 0 ? CHK_OK : k == 1 ? CHK_REJECTED : CHK_UNAVAILABLE;
        if (res == CHK_OK)
            res = check_root(b, size, why, len);
    }
    free(b);
    return res;
}

/* ---- execution (wast_cexec.c) ---- */

/* Instantiate definition `def` into `inst`; RUN_TRAP for a trap during
 * start, RUN_ERROR for a link error. */
static int instantiate(crun *r, const cname *def, cname *inst, char *msg, size_t len)
{
    if (def->is_module) {
        snprintf(msg, len, "core modules at the top level of component scripts are not run");
        return RUN_UNIMPLEMENTED;
    }
    if (r->x == NULL && (r->x = wcx_new(r->o, r->dir)) == NULL) {
        snprintf(msg, len, "out of memory");
        return RUN_ERROR;
    }
    int st = wcx_instantiate(r->x, def->file, &inst->inst, msg, len);
    if (st == RUN_ERROR_COMPILE)
        st = RUN_ERROR;
    return st;
}

/* Call export `field` of `inst` with `args`; on RUN_OK *results (malloc'd,
 * owned by the caller: wcv_free each, then free) holds *nresults values. */
static int invoke(crun *r, cname *inst, const char *field, const wcv *args, size_t nargs,
                  wcv **results, size_t *nresults, char *msg, size_t len)
{
    *results = NULL;
    *nresults = 0;
    if (inst == NULL || inst->inst == NULL || r->x == NULL) {
        snprintf(msg, len, "the instance was not instantiated");
        return RUN_UNIMPLEMENTED;
    }
    return wcx_invoke(r->x, inst->inst, field, args, nargs, results, nresults, msg, len);
}

/* ---- commands ---- */

static void free_vals(wcv *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wcv_free(&v[i]);
    free(v);
}

/* Parse an array of value texts. NULL + a failure record on error. */
static wcv *parse_vals(crun *r, const cJSON *arr, const char *what, size_t *n)
{
    size_t cnt = (size_t)cJSON_GetArraySize(arr);
    wcv *v = calloc(cnt + 1, sizeof *v);
    *n = 0;
    if (v == NULL) {
        fail(r, "out of memory");
        return NULL;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        char err[300];
        const char *text = cJSON_GetStringValue(it);
        if (text == NULL || !wcv_parse(text, &v[*n], err, sizeof err)) {
            fail(r, "%s %zu: %s: %.200s", what, *n + 1, text ? err : "not a string",
                 text ? text : "");
            free_vals(v, *n);
            return NULL;
        }
        (*n)++;
    }
    return v;
}

static void fmt_vals(char *buf, size_t len, const wcv *v, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o + 1 < len; i++) {
        if (i > 0)
            buf[o++] = ' ';
        buf[o] = '\0';
        wcv_format(buf + o, len - o, &v[i]);
        o += strlen(buf + o);
    }
    if (n == 0)
        snprintf(buf, len, "(nothing)");
}

/* An action: `invoke` on a named or the current instance. The outcome is
 * reported here for `action` commands; assertions judge it themselves. */
static int do_action(crun *r, const cJSON *act, wcv **res, size_t *nres, char *msg, size_t len)
{
    const char *type = wj_str(act, "type");
    const char *field = wj_str(act, "field");
    const char *iname = wj_str(act, "instance");
    *res = NULL;
    *nres = 0;
    if (type == NULL || strcmp(type, "invoke") != 0 || field == NULL) {
        snprintf(msg, len, "unknown action");
        return RUN_ERROR;
    }
    size_t nargs;
    wcv *args = parse_vals(r, cJSON_GetObjectItemCaseSensitive(act, "args"), "argument", &nargs);
    if (args == NULL)
        return -1;                          /* failure already reported */
    cname *inst = iname ? find(&r->insts, iname) : r->cur;
    int st = invoke(r, inst, field, args, nargs, res, nres, msg, len);
    if (st != RUN_UNIMPLEMENTED && inst == NULL) {
        snprintf(msg, len, "no instance %s", iname ? iname : "(none instantiated yet)");
        st = RUN_ERROR;
    }
    free_vals(args, nargs);
    return st;
}

static void cmd_action(crun *r, const cJSON *c)
{
    wcv *res;
    size_t nres;
    char msg[600];
    int st = do_action(r, cJSON_GetObjectItemCaseSensitive(c, "action"), &res, &nres, msg, sizeof msg);
    if (st == RUN_OK)
        pass(r);
    else if (st == RUN_UNIMPLEMENTED)
        skip(r, "%s", msg);
    else if (st >= 0)
        fail(r, "%s%s", st == RUN_TRAP ? "trapped: " : "", msg);
    free_vals(res, nres);
}

static void cmd_assert_return(crun *r, const cJSON *c)
{
    size_t nexp;
    wcv *exp = parse_vals(r, cJSON_GetObjectItemCaseSensitive(c, "expected"), "expected value", &nexp);
    if (exp == NULL)
        return;
    wcv *res;
    size_t nres;
    char msg[600];
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(c, "action");
    int st = do_action(r, act, &res, &nres, msg, sizeof msg);
    const char *field = wj_str(act, "field");
    if (st == RUN_UNIMPLEMENTED) {
        skip(r, "%s", msg);
    } else if (st == RUN_TRAP || st == RUN_ERROR) {
        fail(r, "%s: %s%s", field ? field : "?", st == RUN_TRAP ? "trapped: " : "", msg);
    } else if (st == RUN_OK) {
        bool ok = nres == nexp;
        for (size_t i = 0; ok && i < nexp; i++)
            ok = wcv_match(&exp[i], &res[i]);
        if (ok) {
            pass(r);
        } else {
            char e[500], g[500];
            fmt_vals(e, sizeof e, exp, nexp);
            fmt_vals(g, sizeof g, res, nres);
            fail(r, "%s: expected %s, got %s", field ? field : "?", e, g);
        }
    }
    free_vals(res, nres);
    free_vals(exp, nexp);
}

static void cmd_assert_trap_action(crun *r, const cJSON *c)
{
    wcv *res;
    size_t nres;
    char msg[600];
    const char *text = wj_str(c, "text");
    int st = do_action(r, cJSON_GetObjectItemCaseSensitive(c, "action"), &res, &nres, msg, sizeof msg);
    if (st == RUN_UNIMPLEMENTED) {
        skip(r, "%s", msg);
    } else if (st == RUN_TRAP) {
        pass(r);        /* messages differ between engines: any trap passes */
    } else if (st == RUN_OK) {
        char g[500];
        fmt_vals(g, sizeof g, res, nres);
        fail(r, "expected a trap (\"%s\"), returned %s", text ? text : "", g);
    } else if (st == RUN_ERROR) {
        fail(r, "expected a trap (\"%s\"), got an error: %s", text ? text : "", msg);
    }
    free_vals(res, nres);
}

/* `(component ...)`, `(component definition ...)`, `(module ...)`. */
static void cmd_definition(crun *r, const cJSON *c)
{
    const char *file = wj_str(c, "filename");
    const char *name = wj_str(c, "name");
    bool is_module = strcmp(wj_str(c, "type"), "module") == 0;
    bool definition = jbool(c, "definition");
    char why[600];
    if (file == NULL) {
        fail(r, "no binary in the converted script");
        return;
    }
    int k = check_binary(r, file, is_module, why, sizeof why);
    if (k == CHK_REJECTED || k == CHK_IO) {
        fail(r, "valid %s rejected: %s", is_module ? "module" : "component", why);
        if (!definition)            /* later invokes must not reach the previous instance */
            r->cur = add(&r->insts, name, NULL, is_module);
        return;
    }
    cname *def = add(&r->defs, name, file, is_module);
    if (def == NULL) {
        fail(r, "out of memory");
        return;
    }
    if (definition) {
        if (k == CHK_OK || k == CHK_ROOT)     /* valid; wacc just cannot instantiate it */
            pass(r);
        else
            skip(r, "%s", why);
        return;
    }
    cname *inst = add(&r->insts, name, NULL, is_module);
    if (inst == NULL) {
        fail(r, "out of memory");
        return;
    }
    r->cur = inst;
    if (k == CHK_UNAVAILABLE || k == CHK_ROOT) {
        skip(r, "%s", why);
        return;
    }
    int st = instantiate(r, &r->defs.v[r->defs.n - 1], inst, why, sizeof why);
    if (st == RUN_OK)
        pass(r);
    else if (st == RUN_UNIMPLEMENTED || st == RUN_NEEDS_HOST)
        skip(r, "%s", why);
    else
        fail(r, "instantiation %s: %s", st == RUN_TRAP ? "trapped" : "failed", why);
}

static void cmd_instance(crun *r, const cJSON *c)
{
    const char *name = wj_str(c, "name");
    const char *dname = wj_str(c, "definition");
    char why[600];
    cname *def = dname ? find(&r->defs, dname) : NULL;
    if (def == NULL) {
        fail(r, "unknown component definition %s", dname ? dname : "(none)");
        return;
    }
    cname *inst = add(&r->insts, name, NULL, def->is_module);
    if (inst == NULL) {
        fail(r, "out of memory");
        return;
    }
    r->cur = inst;
    int st = instantiate(r, def, inst, why, sizeof why);
    if (st == RUN_OK)
        pass(r);
    else if (st == RUN_UNIMPLEMENTED || st == RUN_NEEDS_HOST)
        skip(r, "%s", why);
    else
        fail(r, "instantiation %s: %s", st == RUN_TRAP ? "trapped" : "failed", why);
}

/* assert_invalid / assert_malformed: the binary must be rejected. */
static void cmd_assert_reject(crun *r, const cJSON *c)
{
    const char *text = wj_str(c, "text");
    const char *kind = wj_str(c, "kind");
    bool is_module = kind != NULL && strcmp(kind, "module") == 0;
    const char *mt = wj_str(c, "module_type");
    if (mt != NULL && strcmp(mt, "text") == 0) {
        skip(r, "text form rejected by the text parser (jco): %s", wj_str(c, "error") ? wj_str(c, "error") : "?");
        return;
    }
    const char *file = wj_str(c, "filename");
    char why[600];
    if (file == NULL) {
        fail(r, "no binary in the converted script");
        return;
    }
    int k = check_binary(r, file, is_module, why, sizeof why);
    if (k == CHK_REJECTED || k == CHK_ROOT)
        pass(r);
    else if (k == CHK_UNAVAILABLE)
        skip(r, "%s", why);
    else if (k == CHK_IO)
        fail(r, "%s", why);
    else
        fail(r, "%s accepted, expected error \"%s\"", is_module ? "module" : "component",
             text ? text : "");
}

/* assert_unlinkable / assert_trap of a component: valid, then fails to link
 * or traps while instantiating. */
static void cmd_assert_instantiate(crun *r, const cJSON *c, bool trap)
{
    const char *file = wj_str(c, "filename");
    const char *text = wj_str(c, "text");
    const char *kind = wj_str(c, "kind");
    bool is_module = kind != NULL && strcmp(kind, "module") == 0;
    char why[600];
    if (file == NULL) {
        skip(r, "text form rejected by the text parser (jco): %s", wj_str(c, "error") ? wj_str(c, "error") : "?");
        return;
    }
    int k = check_binary(r, file, is_module, why, sizeof why);
    if (k == CHK_REJECTED || k == CHK_IO) {
        fail(r, "valid %s rejected: %s", is_module ? "module" : "component", why);
        return;
    }
    if (k == CHK_ROOT) {        /* not instantiable by any host: no link step to judge */
        skip(r, "%s", why);
        return;
    }
    cname def = { .name = (char *)"", .file = (char *)file, .is_module = is_module };
    cname inst = { .name = (char *)"" };
    int st = instantiate(r, &def, &inst, why, sizeof why);
    if (st == RUN_UNIMPLEMENTED || (st == RUN_NEEDS_HOST && trap))
        skip(r, "%s", why);
    else if ((trap && st == RUN_TRAP) || (!trap && (st == RUN_ERROR || st == RUN_NEEDS_HOST)))
        pass(r);
    else if (st == RUN_OK)
        fail(r, "instantiated, expected %s \"%s\"", trap ? "a trap" : "a link error", text ? text : "");
    else
        fail(r, "expected %s \"%s\", got %s: %s", trap ? "a trap" : "a link error", text ? text : "",
             st == RUN_TRAP ? "a trap" : "an error", why);
}

static void run_command(crun *r, const cJSON *c)
{
    const char *type = wj_str(c, "type");
    if (type == NULL) {
        fail(r, "command without a type");
        return;
    }
    if (strcmp(type, "component") == 0 || strcmp(type, "module") == 0)
        cmd_definition(r, c);
    else if (strcmp(type, "component_instance") == 0)
        cmd_instance(r, c);
    else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0)
        cmd_assert_reject(r, c);
    else if (strcmp(type, "assert_unlinkable") == 0)
        cmd_assert_instantiate(r, c, false);
    else if (strcmp(type, "assert_trap") == 0 && cJSON_GetObjectItemCaseSensitive(c, "action") == NULL)
        cmd_assert_instantiate(r, c, true);
    else if (strcmp(type, "assert_trap") == 0)
        cmd_assert_trap_action(r, c);
    else if (strcmp(type, "assert_return") == 0)
        cmd_assert_return(r, c);
    else if (strcmp(type, "action") == 0)
        cmd_action(r, c);
    else if (strcmp(type, "register") == 0)
        skip(r, "component execution not implemented");
    else if (strcmp(type, "unconvertible") == 0)
        skip(r, "not convertible by jco: %s", wj_str(c, "reason") ? wj_str(c, "reason") : "?");
    else
        skip(r, "%s", wj_str(c, "reason") ? wj_str(c, "reason") : "unknown command");
}

int wast_component_run_file(const char *wast_path, const char *tmpdir, const wast_opts *o, int fd)
{
    crun r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.fd = fd;
    r.dir = tmpdir;
    r.cmd = "convert";
    const char *sk = getenv("WACC_WAST_SKIPS");
    r.show_skips = sk != NULL && sk[0] != '\0' && strcmp(sk, "0") != 0;
    wast_component_features(wast_path, r.features, sizeof r.features);

    char err[700], json[1200];
    if (!convert(&r, wast_path, err, sizeof err)) {
        fail(&r, "%s", err);
        return 0;
    }
    const char *base = strrchr(wast_path, '/');
    base = base ? base + 1 : wast_path;
    size_t blen = strlen(base);
    if (blen > 5 && strcmp(base + blen - 5, ".wast") == 0)
        blen -= 5;
    snprintf(json, sizeof json, "%s/%.*s.json", tmpdir, (int)blen, base);
    cJSON *root = load_json(json, err, sizeof err);
    if (root == NULL) {
        fail(&r, "%s", err);
        return 0;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "commands")) {
        const cJSON *ln = cJSON_GetObjectItemCaseSensitive(c, "line");
        const char *type = wj_str(c, "type");
        char start[100];
        r.line = cJSON_IsNumber(ln) ? ln->valueint : 0;
        r.cmd = type ? type : "?";
        if (strcmp(r.cmd, "unconvertible") == 0 || strcmp(r.cmd, "unsupported") == 0)
            r.cmd = wj_str(c, "form") ? wj_str(c, "form") : r.cmd;
        int n = snprintf(start, sizeof start, "C%d %s\n", r.line, r.cmd);
        wast_write_all(fd, start, (size_t)n < sizeof start ? (size_t)n : sizeof start - 1);
        bool listed = false;
        for (int k = 0; k < o->nskip; k++)
            listed |= o->skip_line[k] == r.line;
        if (listed) {
            skip(&r, "skipped by --skip-line (tests/component/skip.txt gives the reason)");
            continue;
        }
        if (o->cmd_timeout > 0)           /* a hang in the validator: SIGALRM, */
            alarm((unsigned)o->cmd_timeout);    /* reported by the parent */
        run_command(&r, c);
        alarm(0);
    }
    cJSON_Delete(root);
    free_names(&r.defs);
    free_names(&r.insts);
    wcx_free(r.x);
    return 0;
}
