/*
 * fuzz_host.c — runs a module made by binaryen's `wasm-opt -ttf` the way
 * scripts/fuzz-diff.mjs runs it under node (V8), so that the two outputs
 * can be compared line by line (scripts/fuzz-diff).
 *
 *   fuzz_host --sigs M.so   one line per exported function: NAME PARAMS RESULTS
 *                           (i l f d = i32 i64 f32 f64, v = v128, r = a reference,
 *                           "-" = none)
 *   fuzz_host M.so          calls every exported function in export order with
 *                           zero arguments (after hangLimitInitializer, if the
 *                           module exports it), printing the fuzzing-support
 *                           log calls, the results, or "trap"
 *
 * Floats are printed as their bits, NaNs as "nan" (wasm leaves NaN payloads
 * nondeterministic; scripts/fuzz-diff also asks wasm-opt to --denan).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wacc.h"

static char type_letter(uint8_t t)
{
    switch (t) {
    case WACC_I32: return 'i';
    case WACC_I64: return 'l';
    case WACC_F32: return 'f';
    case WACC_F64: return 'd';
    case WACC_V128: return 'v';
    default: return 'r';
    }
}

static void print_types(const uint8_t *ts, uint32_t n)
{
    if (n == 0)
        putchar('-');
    for (uint32_t i = 0; i < n; i++)
        putchar(type_letter(ts[i]));
}

/* JS can only pass and receive numbers and BigInts. */
static bool js_callable(const wacc_functype *ft)
{
    for (uint32_t i = 0; i < ft->nparams; i++)
        if (strchr("ilfd", type_letter(ft->params[i])) == NULL)
            return false;
    for (uint32_t i = 0; i < ft->nresults; i++)
        if (strchr("ilfd", type_letter(ft->results[i])) == NULL)
            return false;
    return true;
}

static void print_value(const char *what, uint8_t type, wacc_val v)
{
    switch (type) {
    case WACC_I32:
        printf("%s i32 %" PRId32 "\n", what, v.i32);
        break;
    case WACC_I64:
        printf("%s i64 %" PRId64 "\n", what, v.i64);
        break;
    case WACC_F32: {
        uint32_t bits;
        memcpy(&bits, &v.f32, 4);
        if (v.f32 != v.f32)
            printf("%s f32 nan\n", what);
        else
            printf("%s f32 0x%08" PRIx32 "\n", what, bits);
        break;
    }
    case WACC_F64: {
        uint64_t bits;
        memcpy(&bits, &v.f64, 8);
        if (v.f64 != v.f64)
            printf("%s f64 nan\n", what);
        else
            printf("%s f64 0x%016" PRIx64 "\n", what, bits);
        break;
    }
    default:
        printf("%s ?\n", what);
    }
}

static uint32_t log_value(void *data, wacc_val *vals)
{
    print_value("log", (uint8_t)(uintptr_t)data, vals[0]);
    return 0;
}

/* V8 throws a TypeError when wasm calls a JS function with a v128
 * parameter; fuzz-diff.mjs reports that as "trap", and so does this host. */
static uint32_t log_v128(void *data, wacc_val *vals)
{
    (void)data, (void)vals;
    return WACC_TRAP_UNREACHABLE;
}

static const uint8_t log_types[] = { WACC_I32, WACC_I64, WACC_F32, WACC_F64, WACC_V128 };
static const char *const log_names[] = { "log-i32", "log-i64", "log-f32", "log-f64", "log-v128" };

static int run(wacc_store *s, wacc_artifact *a, const char *path)
{
    uint32_t n = wacc_artifact_num_imports(a);
    wacc_extern *imports = calloc(n ? n : 1, sizeof *imports);
    char err[WACC_ERR_LEN];
    if (imports == NULL)
        return 1;
    for (uint32_t i = 0; i < n; i++) {
        const char *mod, *name;
        wacc_extern_kind kind;
        wacc_artifact_import(a, i, &mod, &name, &kind);
        int which = -1;
        for (int k = 0; k < 5; k++)
            if (strcmp(mod, "fuzzing-support") == 0 && strcmp(name, log_names[k]) == 0)
                which = k;
        if (which < 0 || kind != WACC_EXTERN_FUNC) {
            fprintf(stderr, "%s: unsupported import %s.%s\n", path, mod, name);
            free(imports);
            return 2;
        }
        wacc_functype ft = { 1, 0, &log_types[which], NULL };
        imports[i].kind = WACC_EXTERN_FUNC;
        imports[i].of.func = wacc_func_new_host(s, &ft, which == 4 ? log_v128 : log_value,
                                                (void *)(uintptr_t)log_types[which]);
    }
    wacc_trap trap = { 0 };
    wacc_instance *inst = wacc_instantiate(s, a, imports, n, &trap, err);
    free(imports);
    if (inst == NULL) {
        printf("instantiate: %s\n", trap.code != WACC_TRAP_NONE ? "trap" : "error");
        return 0;
    }
    wacc_extern hang;
    bool has_hang = wacc_instance_export(inst, "hangLimitInitializer", &hang) &&
                    hang.kind == WACC_EXTERN_FUNC;
    for (uint32_t i = 0; i < wacc_artifact_num_exports(a); i++) {
        const char *name;
        wacc_extern_kind kind;
        wacc_functype ft;
        wacc_artifact_export(a, i, &name, &kind);
        if (kind != WACC_EXTERN_FUNC || strcmp(name, "hangLimitInitializer") == 0 ||
            !wacc_artifact_export_functype(a, i, &ft) || !js_callable(&ft))
            continue;
        wacc_extern fn;
        if (!wacc_instance_export(inst, name, &fn))
            continue;
        printf("call %s\n", name);
        if (has_hang && !wacc_call(s, hang.of.func, NULL, 0, NULL, 0, &trap)) {
            printf("trap\n");
            continue;
        }
        wacc_val args[64], results[64];
        if (ft.nparams > 64 || ft.nresults > 64)
            continue;
        memset(args, 0, sizeof args);
        if (!wacc_call(s, fn.of.func, args, ft.nparams, results, ft.nresults, &trap)) {
            printf("trap\n");
            continue;
        }
        for (uint32_t r = 0; r < ft.nresults; r++)
            print_value("result", ft.results[r], results[r]);
    }
    return 0;
}

static void sigs(wacc_artifact *a)
{
    for (uint32_t i = 0; i < wacc_artifact_num_exports(a); i++) {
        const char *name;
        wacc_extern_kind kind;
        wacc_functype ft;
        wacc_artifact_export(a, i, &name, &kind);
        if (kind != WACC_EXTERN_FUNC || !wacc_artifact_export_functype(a, i, &ft))
            continue;
        if (strcmp(name, "hangLimitInitializer") != 0 && !js_callable(&ft))
            continue;
        printf("%s ", name);
        print_types(ft.params, ft.nparams);
        putchar(' ');
        print_types(ft.results, ft.nresults);
        putchar('\n');
    }
}

int main(int argc, char **argv)
{
    bool want_sigs = argc == 3 && strcmp(argv[1], "--sigs") == 0;
    if (argc != 2 && !want_sigs) {
        fprintf(stderr, "usage: fuzz_host [--sigs] M.so\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    char err[WACC_ERR_LEN];
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = e ? wacc_artifact_load(e, path, err) : NULL;
    if (a == NULL) {
        fprintf(stderr, "%s: %s\n", path, e ? err : "out of memory");
        wacc_engine_free(e);
        return 1;
    }
    int rc = 0;
    if (want_sigs) {
        sigs(a);
    } else {
        wacc_store *s = wacc_store_new(e);
        rc = s ? run(s, a, path) : 1;
        wacc_store_free(s);
    }
    fflush(stdout);
    wacc_artifact_free(a);
    wacc_engine_free(e);
    return rc;
}
