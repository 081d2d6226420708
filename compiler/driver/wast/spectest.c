/*
 * spectest.c — the `spectest` host module of the WebAssembly spec tests
 * (interpreter/host/spectest.ml, Wasm 2.0): print functions that do nothing,
 * four immutable globals, a funcref table 10..20 and a memory 1..2.
 * One instance per store (per .wast file); objects are owned by the store.
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

enum { SPEC_FUNCS = 7, SPEC_GLOBALS = 4 };

struct spectest {
    wacc_func *funcs[SPEC_FUNCS];
    wacc_global_obj *globals[SPEC_GLOBALS];
    wacc_table_obj *table;
    wacc_memory_obj *memory;
};

static const struct {
    const char *name;
    uint8_t nparams;
    uint8_t params[2];
} spec_funcs[SPEC_FUNCS] = {
    { "print", 0, { 0, 0 } },
    { "print_i32", 1, { WACC_I32, 0 } },
    { "print_i64", 1, { WACC_I64, 0 } },
    { "print_f32", 1, { WACC_F32, 0 } },
    { "print_f64", 1, { WACC_F64, 0 } },
    { "print_i32_f32", 2, { WACC_I32, WACC_F32 } },
    { "print_f64_f64", 2, { WACC_F64, WACC_F64 } },
};

static const char *const spec_globals[SPEC_GLOBALS] = {
    "global_i32", "global_i64", "global_f32", "global_f64",
};

static uint32_t print_fn(void *data, wacc_val *vals)
{
    (void)data;
    (void)vals;
    return 0;
}

spectest *spectest_new(wacc_store *s, char err[WACC_ERR_LEN])
{
    spectest *st = calloc(1, sizeof *st);
    if (st == NULL) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return NULL;
    }
    for (int i = 0; i < SPEC_FUNCS; i++) {
        wacc_functype ft = { spec_funcs[i].nparams, 0, spec_funcs[i].params, NULL };
        st->funcs[i] = wacc_func_new_host(s, &ft, print_fn, NULL);
        if (st->funcs[i] == NULL) {
            snprintf(err, WACC_ERR_LEN, "spectest: cannot create %s", spec_funcs[i].name);
            free(st);
            return NULL;
        }
    }
    wacc_val v;
    memset(&v, 0, sizeof v);
    v.i32 = 666;
    st->globals[0] = wacc_global_new(s, (wacc_globaltype){ WACC_I32, false }, v);
    memset(&v, 0, sizeof v);
    v.i64 = 666;
    st->globals[1] = wacc_global_new(s, (wacc_globaltype){ WACC_I64, false }, v);
    memset(&v, 0, sizeof v);
    uint32_t f32_bits = 0x4426a666u;
    memcpy(&v.f32, &f32_bits, 4);
    st->globals[2] = wacc_global_new(s, (wacc_globaltype){ WACC_F32, false }, v);
    memset(&v, 0, sizeof v);
    uint64_t f64_bits = 0x4084d4cccccccccdull;
    memcpy(&v.f64, &f64_bits, 8);
    st->globals[3] = wacc_global_new(s, (wacc_globaltype){ WACC_F64, false }, v);
    for (int i = 0; i < SPEC_GLOBALS; i++) {
        if (st->globals[i] == NULL) {
            snprintf(err, WACC_ERR_LEN, "spectest: cannot create %s", spec_globals[i]);
            free(st);
            return NULL;
        }
    }
    st->table = wacc_table_new(s, WACC_FUNCREF, (wacc_limits_t){ 10, 20, true }, err);
    if (st->table == NULL) {
        free(st);
        return NULL;
    }
    st->memory = wacc_memory_new(s, (wacc_limits_t){ 1, 2, true }, err);
    if (st->memory == NULL) {
        free(st);
        return NULL;
    }
    return st;
}

void spectest_free(spectest *st)
{
    free(st);               /* the objects themselves belong to the store */
}

bool spectest_lookup(const spectest *st, const char *name, wacc_extern *out)
{
    for (int i = 0; i < SPEC_FUNCS; i++) {
        if (strcmp(name, spec_funcs[i].name) == 0) {
            out->kind = WACC_EXTERN_FUNC;
            out->of.func = st->funcs[i];
            return true;
        }
    }
    for (int i = 0; i < SPEC_GLOBALS; i++) {
        if (strcmp(name, spec_globals[i]) == 0) {
            out->kind = WACC_EXTERN_GLOBAL;
            out->of.global = st->globals[i];
            return true;
        }
    }
    if (strcmp(name, "table") == 0) {
        out->kind = WACC_EXTERN_TABLE;
        out->of.table = st->table;
        return true;
    }
    if (strcmp(name, "memory") == 0) {
        out->kind = WACC_EXTERN_MEMORY;
        out->of.memory = st->memory;
        return true;
    }
    return false;
}
