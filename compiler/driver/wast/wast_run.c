/*
 * wast_run.c — runs one spec test script inside a child process of
 * `wacc wast` (see wast.c): converts it with wast2json, compiles every binary
 * module (each in its own short-lived process, `jobs` at a time, so that a
 * compiler crash costs one module), then executes the commands in order and
 * reports one record per command to the parent (protocol in wast.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wast.h"

typedef struct named {
    char *name;
    wacc_instance *inst;            /* NULL if the module failed */
} named;

typedef struct names {
    named *v;
    size_t n, cap;
} names;

enum { SLOT_NONE = 0, SLOT_PENDING, SLOT_OK, SLOT_FAILED };

typedef struct slot {
    int state;
    char *err;                      /* compile error (SLOT_FAILED) */
} slot;

typedef struct wrun {
    const wast_opts *o;
    int fd;
    const char *dir;                /* temporary directory: outputs */
    const char *srcdir;             /* where the script's module files are */
    int line;

    cJSON *root;
    const cJSON **cmds;
    slot *slots;                    /* [ncmds] */
    int ncmds;

    wacc_engine *engine;
    wacc_store *store;
    spectest *spec;
    wacc_artifact **arts;
    size_t narts, cap_arts;
    names modules, registered;
    wacc_instance *cur;
    char cur_err[300];
} wrun;

/* ---- reporting ---- */

static void rec(wrun *r, char kind)
{
    char b[2] = { kind, 0 };
    wast_emit_record(r->fd, b, 1);
}

static void rec_fail(wrun *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rec_fail(wrun *r, const char *fmt, ...)
{
    char buf[1400];
    int n = snprintf(buf, sizeof buf, "F%d: ", r->line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    wast_emit_record(r->fd, buf, strlen(buf));
}


/* For messages: never NULL. */
static const char *jstr_or(const cJSON *obj, const char *key)
{
    const char *s = wj_str(obj, key);
    return s ? s : "?";
}

/* cJSON cuts strings at an escaped NUL (\u0000), which export names may
 * contain. Before parsing, every \u0000 becomes a raw 0xFF byte (never part
 * of UTF-8; cJSON copies raw bytes unchanged); nul_name() turns it back. */
#define NUL_MARK '\xff'

static char *protect_nuls(const char *text, size_t size)
{
    char *out = malloc(size + 1);
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < size; i++) {
        if (text[i] != '\\' || i + 1 >= size) {
            out[o++] = text[i];
            continue;
        }
        if (i + 5 < size && memcmp(text + i, "\\u0000", 6) == 0) {
            out[o++] = NUL_MARK;
            i += 5;
            continue;
        }
        out[o++] = text[i++];           /* an escape pair, e.g. \\ */
        out[o++] = text[i];
    }
    out[o] = '\0';
    return out;
}

/* Export name `s` with NUL_MARK decoded: into buf (len bytes). */
static size_t nul_name(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    while (*s != '\0' && o + 1 < cap) {
        if (*s == NUL_MARK) {
            buf[o++] = '\0';
            s++;
        } else {
            buf[o++] = *s++;
        }
    }
    buf[o] = '\0';
    return o;
}

/* ---- conversion and compilation ---- */

/* ---- proposals ---- */

static const struct proposal {
    const char *name;
    unsigned bit;                   /* WAST_P_* */
    const char *wabt[2];            /* wast2json flags */
    uint32_t features;              /* WASM_FEATURE_* */
} proposals[] = {
    { "tail-call", WAST_P_TAIL_CALL, { "--enable-tail-call", NULL }, WASM_FEATURE_TAIL_CALL },
    { "extended-const", WAST_P_EXTENDED_CONST, { "--enable-extended-const", NULL },
      WASM_FEATURE_EXTENDED_CONST },
    { "multi-memory", WAST_P_MULTI_MEMORY, { "--enable-multi-memory", NULL }, WASM_FEATURE_MULTI_MEMORY },
    { "memory64", WAST_P_MEMORY64, { "--enable-memory64", NULL }, WASM_FEATURE_MEMORY64 },
    { "relaxed-simd", WAST_P_RELAXED_SIMD, { "--enable-relaxed-simd", NULL }, WASM_FEATURE_RELAXED_SIMD },
    { "threads", WAST_P_THREADS, { "--enable-threads", NULL }, WASM_FEATURE_THREADS },
    { "exception-handling", WAST_P_EXCEPTIONS, { "--enable-exceptions", "--enable-tail-call" },
      WASM_FEATURE_TAIL_CALL },
};
enum { NPROPOSALS = sizeof proposals / sizeof proposals[0] };

bool wast_proposals_parse(const char *list, unsigned *mask, char *why, size_t len)
{
    *mask = 0;
    while (*list) {
        size_t n = strcspn(list, ",");
        size_t k = 0;
        while (k < NPROPOSALS && (strlen(proposals[k].name) != n ||
                                  strncmp(proposals[k].name, list, n) != 0))
            k++;
        if (n > 0 && k == NPROPOSALS) {
            snprintf(why, len, "unknown feature '%.*s' (known: tail-call, extended-const, "
                     "multi-memory, memory64, relaxed-simd, threads, exception-handling)", (int)n, list);
            return false;
        }
        if (n > 0)
            *mask |= proposals[k].bit;
        list += n;
        if (*list == ',')
            list++;
    }
    return true;
}

unsigned wast_proposals_of_path(const char *path)
{
    const char *p = path, *hit = NULL;
    while ((p = strstr(p, "proposals/")) != NULL) {
        if (p == path || p[-1] == '/')
            hit = p + 10;
        p += 10;
    }
    if (hit == NULL)
        return 0;
    for (size_t k = 0; k < NPROPOSALS; k++) {
        size_t n = strlen(proposals[k].name);
        if (strncmp(hit, proposals[k].name, n) == 0 && hit[n] == '/')
            return proposals[k].bit;
    }
    return 0;
}

static uint32_t proposal_features(unsigned mask)
{
    uint32_t f = 0;
    for (size_t k = 0; k < NPROPOSALS; k++)
        if (mask & proposals[k].bit)
            f |= proposals[k].features;
    return f;
}

static bool run_wast2json(const char *wast, const char *json, const char *log, unsigned mask,
                          char *err, size_t errlen)
{
    char *argv[2 * NPROPOSALS + 5];
    int n = 0;
    argv[n++] = "wast2json";
    for (size_t k = 0; k < NPROPOSALS; k++) {
        if (!(mask & proposals[k].bit))
            continue;
        for (int j = 0; j < 2 && proposals[k].wabt[j] != NULL; j++) {
            bool dup = false;
            for (int q = 1; q < n; q++)
                dup = dup || strcmp(argv[q], proposals[k].wabt[j]) == 0;
            if (!dup)
                argv[n++] = (char *)proposals[k].wabt[j];
        }
    }
    argv[n++] = (char *)wast;
    argv[n++] = "-o";
    argv[n++] = (char *)json;
    argv[n] = NULL;
    int st = wast_run_logged(argv, log, 0, err, errlen);
    if (st < 0)
        return false;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return true;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        snprintf(err, errlen, "wast2json not found (install wabt)");
        return false;
    }
    char first[300] = "";
    FILE *f = fopen(log, "r");
    if (f != NULL) {
        if (fgets(first, sizeof first, f) == NULL)
            first[0] = '\0';
        fclose(f);
        first[strcspn(first, "\n")] = '\0';
    }
    snprintf(err, errlen, "wast2json failed: %s", first[0] ? first : "(no message)");
    return false;
}

static bool needs_compile(const cJSON *c)
{
    const char *type = wj_str(c, "type");
    const char *file = wj_str(c, "filename");
    const char *mt = wj_str(c, "module_type");
    if (type == NULL || file == NULL)
        return false;
    if (mt != NULL && strcmp(mt, "binary") != 0)
        return false;
    return strcmp(type, "module") == 0 || strcmp(type, "assert_unlinkable") == 0 ||
           strcmp(type, "assert_uninstantiable") == 0 || strcmp(type, "assert_trap") == 0 ||
           strcmp(type, "assert_exhaustion") == 0;
}

static void so_path(const wrun *r, int i, char *buf, size_t len)
{
    snprintf(buf, len, "%s/m%d.so", r->dir, i);
}

/* In a compile child: returns the exit status. */
static int compile_child(const wrun *r, int i)
{
    char in[1200], out[1200], errp[1300], err[512];
    snprintf(in, sizeof in, "%s/%s", r->srcdir, wj_str(r->cmds[i], "filename"));
    so_path(r, i, out, sizeof out);
    snprintf(errp, sizeof errp, "%s.err", out);
    if (r->o->cmd_timeout > 0)
        alarm((unsigned)r->o->cmd_timeout * 4);
    size_t size;
    uint8_t *bytes = drv_read_file(in, &size, err);
    const struct wacc_compiler_api *api = bytes != NULL ? drv_compiler(err) : NULL;
    bool ok = api != NULL && api->compile_file(bytes, size, &r->o->copts, out, err);
    free(bytes);
    if (!ok) {
        FILE *f = fopen(errp, "w");
        if (f != NULL) {
            fputs(err, f);
            fclose(f);
        }
        return 1;
    }
    return 0;
}

static void compile_done(wrun *r, int i, int st)
{
    char buf[600], p[1200], errp[1300];
    slot *s = &r->slots[i];
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        s->state = SLOT_OK;
        return;
    }
    s->state = SLOT_FAILED;
    if (WIFSIGNALED(st)) {
        snprintf(buf, sizeof buf, "compiler crashed: signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    } else {
        so_path(r, i, p, sizeof p);
        snprintf(errp, sizeof errp, "%s.err", p);
        FILE *f = fopen(errp, "r");
        buf[0] = '\0';
        if (f != NULL) {
            if (fgets(buf, sizeof buf, f) == NULL)
                buf[0] = '\0';
            fclose(f);
        }
        if (buf[0] == '\0')
            snprintf(buf, sizeof buf, "compiler exited with status %d", WEXITSTATUS(st));
    }
    s->err = strdup(buf);
}

static void compile_all(wrun *r)
{
    int jobs = r->o->jobs > 0 ? r->o->jobs : 1;
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    int *who = calloc((size_t)jobs, sizeof *who);
    int running = 0;
    if (pids == NULL || who == NULL) {
        free(pids);
        free(who);
        return;
    }
    /* Load the compiler and initialise LLVM's target registry once, so the
     * children inherit both. */
    {
        char err[512];
        const struct wacc_compiler_api *api = drv_compiler(err);
        if (api != NULL)
            api->target_check(&r->o->copts, err);
    }
    fflush(NULL);
    for (int i = 0; i <= r->ncmds; i++) {
        bool more = i < r->ncmds;
        if (more && !needs_compile(r->cmds[i]))
            continue;
        while (running > 0 && (running == jobs || !more)) {
            int st;
            pid_t p = waitpid(-1, &st, 0);
            if (p < 0) {
                if (errno == EINTR)
                    continue;
                running = 0;
                break;
            }
            for (int k = 0; k < running; k++) {
                if (pids[k] != p)
                    continue;
                compile_done(r, who[k], st);
                pids[k] = pids[running - 1];
                who[k] = who[running - 1];
                running--;
                break;
            }
        }
        if (!more)
            break;
        r->slots[i].state = SLOT_PENDING;
        pid_t p = fork();
        if (p == 0) {
            int st = compile_child(r, i);
            free(pids);
            free(who);
            _exit(st);
        }
        if (p < 0) {
            r->slots[i].state = SLOT_FAILED;
            r->slots[i].err = strdup("fork failed");
            continue;
        }
        pids[running] = p;
        who[running] = i;
        running++;
    }
    free(pids);
    free(who);
}

/* ---- instances ---- */

static bool names_add(names *ns, const char *name, wacc_instance *inst)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 8;
        named *v = realloc(ns->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n].name = strdup(name);
    ns->v[ns->n].inst = inst;
    if (ns->v[ns->n].name == NULL)
        return false;
    ns->n++;
    return true;
}

static named *names_find(const names *ns, const char *name)
{
    for (size_t i = ns->n; i-- > 0;)
        if (strcmp(ns->v[i].name, name) == 0)
            return &ns->v[i];
    return NULL;
}

static void names_free(names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i].name);
    free(ns->v);
}

static bool add_artifact(wrun *r, wacc_artifact *a)
{
    if (r->narts == r->cap_arts) {
        size_t cap = r->cap_arts ? r->cap_arts * 2 : 16;
        wacc_artifact **v = realloc(r->arts, cap * sizeof *v);
        if (v == NULL)
            return false;
        r->arts = v;
        r->cap_arts = cap;
    }
    r->arts[r->narts++] = a;
    return true;
}

enum { INST_OK = 0, INST_COMPILE, INST_LINK, INST_TRAP };

/* Load, link and instantiate the module of command i. Returns INST_*; `why`
 * holds the error, *trap the trap. */
static int instantiate(wrun *r, int i, wacc_instance **out, wacc_trap *trap, char *why, size_t wl)
{
    char path[1200], err[WACC_ERR_LEN];
    slot *s = &r->slots[i];

    *out = NULL;
    memset(trap, 0, sizeof *trap);
    if (s->state != SLOT_OK) {
        snprintf(why, wl, "compile error: %s", s->err ? s->err : "not compiled");
        return INST_COMPILE;
    }
    so_path(r, i, path, sizeof path);
    err[0] = '\0';
    wacc_artifact *a = wacc_artifact_load(r->engine, path, err);
    if (a == NULL) {
        snprintf(why, wl, "artifact load failed: %s", err);
        return INST_COMPILE;
    }
    if (!add_artifact(r, a)) {
        wacc_artifact_free(a);
        snprintf(why, wl, "out of memory");
        return INST_COMPILE;
    }
    uint32_t n = wacc_artifact_num_imports(a);
    wacc_extern *imps = calloc(n + 1, sizeof *imps);
    if (imps == NULL) {
        snprintf(why, wl, "out of memory");
        return INST_COMPILE;
    }
    for (uint32_t k = 0; k < n; k++) {
        const char *mod = NULL, *name = NULL;
        wacc_extern_kind kind;
        wacc_artifact_import(a, k, &mod, &name, &kind);
        mod = mod ? mod : "?";
        name = name ? name : "?";
        named *reg = names_find(&r->registered, mod);
        bool found = false;
        if (reg != NULL)
            found = reg->inst != NULL && wacc_instance_export(reg->inst, name, &imps[k]);
        else if (strcmp(mod, "spectest") == 0)
            found = spectest_lookup(r->spec, name, &imps[k]);
        if (!found) {
            snprintf(why, wl, "unknown import %s.%s", mod, name);
            free(imps);
            return INST_LINK;
        }
    }
    err[0] = '\0';
    *out = wacc_instantiate(r->store, a, imps, n, trap, err);
    free(imps);
    if (*out != NULL)
        return INST_OK;
    if (trap->code != WACC_TRAP_NONE) {
        snprintf(why, wl, "%s", trap->message[0] ? trap->message : wacc_trap_name(trap->code));
        return INST_TRAP;
    }
    snprintf(why, wl, "%s", err[0] ? err : "instantiation failed (no message)");
    return INST_LINK;
}

/* ---- actions ---- */

enum { ACT_OK = 0, ACT_TRAP, ACT_ERROR };

typedef struct result {
    uint32_t n;
    uint8_t types[16];
    wacc_val *vals;                 /* malloc'd, n entries (or more) */
} result;

static wacc_instance *find_instance(wrun *r, const char *module, char *why, size_t wl)
{
    if (module == NULL) {
        if (r->cur == NULL)
            snprintf(why, wl, "no current module (%s)", r->cur_err[0] ? r->cur_err : "none defined");
        return r->cur;
    }
    named *nm = names_find(&r->modules, module);
    if (nm == NULL) {
        snprintf(why, wl, "unknown module %s", module);
        return NULL;
    }
    if (nm->inst == NULL)
        snprintf(why, wl, "module %s failed earlier", module);
    return nm->inst;
}

static void describe_action(const cJSON *act, char *buf, size_t len)
{
    const char *type = wj_str(act, "type");
    const char *field = wj_str(act, "field");
    const char *mod = wj_str(act, "module");
    size_t o = (size_t)snprintf(buf, len, "%s %s%s\"%.80s\"", type ? type : "?",
                                mod ? mod : "", mod ? "." : "", field ? field : "?");
    if (type == NULL || strcmp(type, "invoke") != 0 || o >= len)
        return;
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(act, "args");
    const cJSON *a;
    bool first = true;
    o += (size_t)snprintf(buf + o, len - o, "(");
    cJSON_ArrayForEach(a, args) {
        char v[200];
        if (o + 8 >= len)
            break;
        wj_format_expected(v, sizeof v, a);
        o += (size_t)snprintf(buf + o, len - o, "%s%s", first ? "" : ", ", v);
        first = false;
    }
    if (o < len)
        snprintf(buf + o, len - o, ")");
}

static int do_action(wrun *r, const cJSON *act, result *res, wacc_trap *trap, char *why, size_t wl)
{
    const char *type = wj_str(act, "type");
    const char *field = wj_str(act, "field");
    wacc_extern ext;

    memset(trap, 0, sizeof *trap);
    res->n = 0;
    res->vals = NULL;
    if (type == NULL || field == NULL) {
        snprintf(why, wl, "malformed action");
        return ACT_ERROR;
    }
    wacc_instance *inst = find_instance(r, wj_str(act, "module"), why, wl);
    if (inst == NULL)
        return ACT_ERROR;
    char name[1024];
    size_t nlen = nul_name(field, name, sizeof name);
    if (!wacc_instance_export_n(inst, name, nlen, &ext)) {
        snprintf(why, wl, "no export \"%.80s\"", field);
        return ACT_ERROR;
    }
    if (strcmp(type, "get") == 0) {
        if (ext.kind != WACC_EXTERN_GLOBAL) {
            snprintf(why, wl, "export \"%.80s\" is not a global", field);
            return ACT_ERROR;
        }
        res->vals = calloc(1, sizeof *res->vals);
        if (res->vals == NULL) {
            snprintf(why, wl, "out of memory");
            return ACT_ERROR;
        }
        res->n = 1;
        res->vals[0] = wacc_global_get(ext.of.global);
        res->types[0] = wacc_global_type(ext.of.global).valtype;
        return ACT_OK;
    }
    if (strcmp(type, "invoke") != 0) {
        snprintf(why, wl, "unknown action type %s", type);
        return ACT_ERROR;
    }
    if (ext.kind != WACC_EXTERN_FUNC) {
        snprintf(why, wl, "export \"%.80s\" is not a function", field);
        return ACT_ERROR;
    }
    wacc_functype ft;
    wacc_func_type(ext.of.func, &ft);
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(act, "args");
    int nargs = cJSON_GetArraySize(args);
    if ((uint32_t)nargs != ft.nparams) {
        snprintf(why, wl, "function takes %u arguments, script passes %d", ft.nparams, nargs);
        return ACT_ERROR;
    }
    if (ft.nresults > sizeof res->types) {
        snprintf(why, wl, "too many results (%u)", ft.nresults);
        return ACT_ERROR;
    }
    size_t nv = (ft.nparams > ft.nresults ? ft.nparams : ft.nresults) + 1;
    wacc_val *params = calloc(nv, sizeof *params);
    res->vals = calloc(nv, sizeof *res->vals);
    if (params == NULL || res->vals == NULL) {
        free(params);
        snprintf(why, wl, "out of memory");
        return ACT_ERROR;
    }
    const cJSON *a;
    uint32_t k = 0;
    cJSON_ArrayForEach(a, args) {
        uint8_t t;
        if (!wj_parse_arg(a, &t, &params[k], why, wl)) {
            free(params);
            return ACT_ERROR;
        }
        if (t != ft.params[k]) {
            snprintf(why, wl, "argument %u: script passes %s, function takes %s", k + 1,
                     wasm_valtype_name(t), wasm_valtype_name(ft.params[k]));
            free(params);
            return ACT_ERROR;
        }
        k++;
    }
    bool ok = wacc_call(r->store, ext.of.func, params, ft.nparams, res->vals, ft.nresults, trap);
    free(params);
    if (!ok) {
        if (trap->code == WACC_TRAP_NONE)
            trap->code = WACC_TRAP_HOST;
        snprintf(why, wl, "%s", trap->message[0] ? trap->message : wacc_trap_name(trap->code));
        return ACT_TRAP;
    }
    res->n = ft.nresults;
    memcpy(res->types, ft.results, ft.nresults);
    return ACT_OK;
}

/* Does trap code `code` fit the script's expected message? */
static bool trap_matches(const char *text, uint32_t code)
{
    static const struct { const char *prefix; uint32_t c1, c2; } map[] = {
        { "integer divide by zero", WACC_TRAP_INT_DIV_ZERO, 0 },
        { "integer overflow", WACC_TRAP_INT_OVERFLOW, 0 },
        { "invalid conversion to integer", WACC_TRAP_BAD_CONVERSION, 0 },
        { "out of bounds memory access", WACC_TRAP_MEMORY_OOB, 0 },
        { "out of bounds table access", WACC_TRAP_TABLE_OOB, 0 },
        { "undefined element", WACC_TRAP_TABLE_OOB, 0 },
        { "uninitialized element", WACC_TRAP_INDIRECT_NULL, 0 },
        { "indirect call type mismatch", WACC_TRAP_INDIRECT_TYPE, 0 },
        { "unreachable", WACC_TRAP_UNREACHABLE, 0 },
        { "call stack exhausted", WACC_TRAP_STACK_EXHAUSTED, 0 },
        { "null", WACC_TRAP_NULL_REFERENCE, 0 },
    };
    if (text == NULL)
        return true;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strncmp(text, map[i].prefix, strlen(map[i].prefix)) == 0)
            return code == map[i].c1 || (map[i].c2 != 0 && code == map[i].c2);
    return true;        /* unknown message: any trap will do */
}

static void format_results(const result *res, const char *lane_hint, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < res->n && o < len; i++) {
        char v[300];
        wj_format_value(v, sizeof v, res->types[i], &res->vals[i], lane_hint);
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", v);
    }
    if (res->n == 0)
        snprintf(buf, len, "()");
}

static void format_expected(const cJSON *exp, char *buf, size_t len)
{
    size_t o = 0;
    const cJSON *e;
    buf[0] = '\0';
    cJSON_ArrayForEach(e, exp) {
        char v[300];
        if (o >= len)
            break;
        wj_format_expected(v, sizeof v, e);
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", v);
    }
    if (o == 0)
        snprintf(buf, len, "()");
}

/* ---- commands ---- */

static void cmd_module(wrun *r, int i, const cJSON *c)
{
    char why[700];
    wacc_trap trap;
    wacc_instance *inst;
    const char *name = wj_str(c, "name");
    int rc = instantiate(r, i, &inst, &trap, why, sizeof why);
    r->cur = inst;
    if (name != NULL)
        names_add(&r->modules, name, inst);
    if (rc == INST_OK) {
        r->cur_err[0] = '\0';
        rec(r, 'P');
        return;
    }
    snprintf(r->cur_err, sizeof r->cur_err, "module at line %d failed", r->line);
    rec_fail(r, "module %s: %s%s", jstr_or(c, "filename"), rc == INST_TRAP ? "trap: " : "", why);
}

static void cmd_register(wrun *r, const cJSON *c)
{
    char why[400];
    const char *as = wj_str(c, "as");
    wacc_instance *inst = find_instance(r, wj_str(c, "name"), why, sizeof why);
    if (as == NULL) {
        rec_fail(r, "register: no \"as\" name");
        return;
    }
    names_add(&r->registered, as, inst);
    if (inst == NULL)
        rec_fail(r, "register \"%s\": %s", as, why);
    else
        rec(r, 'P');
}

static void cmd_assert_return(wrun *r, const cJSON *c, bool plain_action)
{
    char why[700], desc[600];
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(c, "action");
    result res;
    wacc_trap trap;

    describe_action(act, desc, sizeof desc);
    int rc = do_action(r, act, &res, &trap, why, sizeof why);
    if (rc == ACT_ERROR) {
        rec_fail(r, "%s: %s", desc, why);
        free(res.vals);
        return;
    }
    if (rc == ACT_TRAP) {
        rec_fail(r, "%s: unexpected trap: %s", desc, why);
        free(res.vals);
        return;
    }
    if (plain_action) {
        rec(r, 'P');
        free(res.vals);
        return;
    }
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected");
    const cJSON *either = cJSON_GetObjectItemCaseSensitive(c, "either");
    bool ok = false;
    const char *lane = NULL;
    if (either != NULL) {
        const cJSON *alt;
        cJSON_ArrayForEach(alt, either) {
            lane = wj_str(alt, "lane_type");
            if (res.n == 1 && wj_match(alt, res.types[0], &res.vals[0]))
                ok = true;
        }
        exp = either;
    } else {
        ok = cJSON_GetArraySize(exp) == (int)res.n;
        uint32_t k = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, exp) {
            if (k >= res.n)
                break;
            if (res.types[k] == WACC_V128)
                lane = wj_str(e, "lane_type");
            if (!wj_match(e, res.types[k], &res.vals[k]))
                ok = false;
            k++;
        }
    }
    if (ok) {
        rec(r, 'P');
    } else {
        char e[600], g[600];
        format_expected(exp, e, sizeof e);
        format_results(&res, lane, g, sizeof g);
        rec_fail(r, "%s: expected %s%s, got %s", desc, either ? "one of " : "", e, g);
    }
    free(res.vals);
}

static void cmd_assert_trap(wrun *r, int i, const cJSON *c, bool exhaustion)
{
    char why[700], desc[600];
    const char *text = wj_str(c, "text");
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(c, "action");
    wacc_trap trap;

    if (act == NULL) {                  /* a module that must trap while instantiating */
        wacc_instance *inst;
        int rc = instantiate(r, i, &inst, &trap, why, sizeof why);
        if (rc == INST_TRAP && trap_matches(text, trap.code))
            rec(r, 'P');
        else if (rc == INST_OK)
            rec_fail(r, "module %s: instantiated, expected trap \"%s\"", jstr_or(c, "filename"),
                     text ? text : "");
        else
            rec_fail(r, "module %s: expected trap \"%s\", got %s", jstr_or(c, "filename"),
                     text ? text : "", why);
        return;
    }
    result res;
    describe_action(act, desc, sizeof desc);
    int rc = do_action(r, act, &res, &trap, why, sizeof why);
    free(res.vals);
    if (rc == ACT_OK) {
        rec_fail(r, "%s: returned normally, expected trap \"%s\"", desc, text ? text : "");
    } else if (rc == ACT_ERROR) {
        rec_fail(r, "%s: %s", desc, why);
    } else if (exhaustion ? trap.code == WACC_TRAP_STACK_EXHAUSTED : trap_matches(text, trap.code)) {
        rec(r, 'P');
    } else {
        rec_fail(r, "%s: expected trap \"%s\", got %s", desc, text ? text : "", why);
    }
}

static void cmd_assert_bad_module(wrun *r, const cJSON *c)
{
    char path[1200], err[512];
    const char *mt = wj_str(c, "module_type");
    const char *file = wj_str(c, "filename");
    if (mt == NULL || strcmp(mt, "binary") != 0) {
        rec(r, 'S');
        return;
    }
    if (file == NULL) {
        rec_fail(r, "%s: no filename", jstr_or(c, "type"));
        return;
    }
    snprintf(path, sizeof path, "%s/%s", r->srcdir, file);
    size_t size;
    uint8_t *bytes = drv_read_file(path, &size, err);
    if (bytes == NULL) {
        rec_fail(r, "%s: %s", file, err);
        return;
    }
    wasm_error we;
    memset(&we, 0, sizeof we);
    wasm_module *m = wasm_decode(bytes, size, r->o->copts.wasm_features, WASM_DECODE_DEFAULT, &we);
    bool rejected = m == NULL || !wasm_validate(m, &we);
    if (m != NULL)
        wasm_module_free(m);
    free(bytes);
    if (rejected)
        rec(r, 'P');
    else
        rec_fail(r, "%s %s: module accepted, expected \"%s\"", wj_str(c, "type"), file,
                 wj_str(c, "text") ? wj_str(c, "text") : "");
}

static void cmd_assert_instantiation(wrun *r, int i, const cJSON *c, bool want_trap)
{
    char why[700];
    wacc_trap trap;
    wacc_instance *inst;
    const char *text = wj_str(c, "text");
    const char *file = wj_str(c, "filename");
    int rc = instantiate(r, i, &inst, &trap, why, sizeof why);
    int want = want_trap ? INST_TRAP : INST_LINK;
    if (rc == want) {
        rec(r, 'P');
        return;
    }
    const char *got = rc == INST_OK ? "instantiated" : rc == INST_TRAP ? "trap" :
                      rc == INST_LINK ? "link error" : "failed";
    rec_fail(r, "%s %s: expected %s \"%s\", got %s%s%s", wj_str(c, "type"), file ? file : "?",
             want_trap ? "trap" : "link error", text ? text : "", got,
             rc == INST_OK ? "" : ": ", rc == INST_OK ? "" : why);
}

static void run_command(wrun *r, int i)
{
    const cJSON *c = r->cmds[i];
    const char *type = wj_str(c, "type");
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(c, "line");
    char hdr[128];

    r->line = cJSON_IsNumber(line) ? (int)cJSON_GetNumberValue(line) : 0;
    int n = snprintf(hdr, sizeof hdr, "C%d %.60s\n", r->line, type ? type : "?");
    wast_write_all(r->fd, hdr, (size_t)n);
    if (r->o->cmd_timeout > 0)
        alarm((unsigned)r->o->cmd_timeout);
    if (type == NULL)
        rec_fail(r, "command without a type");
    else if (strcmp(type, "module") == 0)
        cmd_module(r, i, c);
    else if (strcmp(type, "register") == 0)
        cmd_register(r, c);
    else if (strcmp(type, "action") == 0)
        cmd_assert_return(r, c, true);
    else if (strcmp(type, "assert_return") == 0)
        cmd_assert_return(r, c, false);
    else if (strcmp(type, "assert_trap") == 0)
        cmd_assert_trap(r, i, c, false);
    else if (strcmp(type, "assert_exhaustion") == 0)
        cmd_assert_trap(r, i, c, true);
    else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0)
        cmd_assert_bad_module(r, c);
    else if (strcmp(type, "assert_unlinkable") == 0)
        cmd_assert_instantiation(r, i, c, false);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        cmd_assert_instantiation(r, i, c, true);
    else
        rec_fail(r, "unsupported command %.60s", type);
    alarm(0);
}

static void wrun_free(wrun *r)
{
    if (r->store != NULL)
        wacc_store_free(r->store);
    spectest_free(r->spec);
    for (size_t i = 0; i < r->narts; i++)
        wacc_artifact_free(r->arts[i]);
    free(r->arts);
    if (r->engine != NULL)
        wacc_engine_free(r->engine);
    names_free(&r->modules);
    names_free(&r->registered);
    if (r->slots != NULL)
        for (int i = 0; i < r->ncmds; i++)
            free(r->slots[i].err);
    free(r->slots);
    free(r->cmds);
    cJSON_Delete(r->root);
}

static void file_error(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void file_error(int fd, const char *fmt, ...)
{
    char buf[800];
    va_list ap;
    buf[0] = 'F';
    buf[1] = '0';
    buf[2] = ':';
    buf[3] = ' ';
    va_start(ap, fmt);
    vsnprintf(buf + 4, sizeof buf - 5, fmt, ap);
    va_end(ap);
    size_t n = strlen(buf);
    buf[n++] = '\n';
    wast_write_all(fd, buf, n);
}

int wast_run_file(const char *wast_path, const char *tmpdir, const wast_opts *o, int fd)
{
    char json[1200], log[1200], err[600];
    wrun r;

    memset(&r, 0, sizeof r);
    unsigned mask = o->proposals_set ? o->proposals : wast_proposals_of_path(wast_path);
    wast_opts fo = *o;
    fo.copts.wasm_features |= proposal_features(mask);
    r.o = &fo;
    r.fd = fd;
    r.dir = tmpdir;
    const char *base = strrchr(wast_path, '/');
    base = base ? base + 1 : wast_path;
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".wast") == 0)
        bl -= 5;
    char srcdir[1200];
    char stem[256];
    size_t sl = bl < sizeof stem - 1 ? bl : sizeof stem - 1;
    memcpy(stem, base, sl);
    stem[sl] = '\0';
    snprintf(json, sizeof json, "%s/%s.json", tmpdir, stem);
    snprintf(log, sizeof log, "%s/wast2json.log", tmpdir);
    snprintf(srcdir, sizeof srcdir, "%s", tmpdir);
    r.srcdir = srcdir;
    if (access(wast_path, R_OK) != 0) {
        file_error(fd, "%s: %s", wast_path, strerror(errno));
        return 0;
    }
    if (bl > 5 && strcmp(base + bl - 5, ".json") == 0) {
        /* already converted: modules are next to the .json */
        snprintf(json, sizeof json, "%s", wast_path);
        snprintf(srcdir, sizeof srcdir, "%.*s", (int)(base - wast_path), wast_path);
        if (srcdir[0] == '\0')
            snprintf(srcdir, sizeof srcdir, ".");
    } else if (!run_wast2json(wast_path, json, log, mask, err, sizeof err)) {
        file_error(fd, "%s", err);
        return 0;
    }
    size_t size;
    char *text = (char *)drv_read_file(json, &size, err);
    if (text == NULL) {
        file_error(fd, "%s: %s", json, err);
        return 0;
    }
    char *prot = protect_nuls(text, size);
    free(text);
    r.root = prot ? cJSON_Parse(prot) : NULL;
    free(prot);
    const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(r.root, "commands");
    if (r.root == NULL || !cJSON_IsArray(cmds)) {
        file_error(fd, "%s: not a wast2json command list", json);
        wrun_free(&r);
        return 0;
    }
    r.ncmds = cJSON_GetArraySize(cmds);
    r.cmds = calloc((size_t)r.ncmds + 1, sizeof *r.cmds);
    r.slots = calloc((size_t)r.ncmds + 1, sizeof *r.slots);
    if (r.cmds == NULL || r.slots == NULL) {
        file_error(fd, "out of memory");
        wrun_free(&r);
        return 0;
    }
    int k = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cmds)
        r.cmds[k++] = c;

    compile_all(&r);

    r.engine = wacc_engine_new();
    r.store = r.engine ? wacc_store_new(r.engine) : NULL;
    err[0] = '\0';
    r.spec = r.store ? spectest_new(r.store, err) : NULL;
    if (r.spec == NULL) {
        file_error(fd, "cannot set up the runtime: %s", err[0] ? err : "engine/store creation failed");
        wrun_free(&r);
        return 0;
    }
    for (int i = 0; i < r.ncmds; i++)
        run_command(&r, i);
    wrun_free(&r);
    return 0;
}
