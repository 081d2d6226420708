/* constexpr.c — evaluating constant expressions; small helpers; freeing. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define STACK_MAX 16

bool wasm_eval_const(const wasm_constexpr *e, const wasm_const_env *env,
                     wasm_value *out, wasm_error *err)
{
    wasm_value stack[STACK_MAX];
    int sp = 0;
    wasm_reader r;
    wasm_insn in;
    bool ok = false;

    /* The code is in the module's input; offsets are relative to the expr. */
    wasm_reader_init(&r, e->code - e->offset, e->code, e->code + e->len);
    for (;;) {
        if (!wasm_read_insn(&r, &in, err))
            goto out;
        if (in.op == WASM_OP_END)
            break;
        if (sp == STACK_MAX) {
            wasm_fail(err, in.offset, "constant expression too deep");
            goto out;
        }
        wasm_value v;
        memset(&v, 0, sizeof v);
        switch (in.op) {
        case WASM_OP_I32_CONST: v.i32 = in.imm.i32; break;
        case WASM_OP_I64_CONST: v.i64 = in.imm.i64; break;
        case WASM_OP_F32_CONST: v.f32_bits = in.imm.f32_bits; break;
        case WASM_OP_F64_CONST: v.f64_bits = in.imm.f64_bits; break;
        case WASM_OP_V128_CONST: memcpy(v.v128, in.imm.v128, 16); break;
        case WASM_OP_REF_NULL: v.ref = NULL; break;
        case WASM_OP_REF_FUNC:
            if (!env || !env->ref_func) {
                wasm_fail(err, in.offset, "ref.func not available");
                goto out;
            }
            v.ref = env->ref_func(env->ud, in.imm.idx);
            break;
        case WASM_OP_GLOBAL_GET:
            if (!env || !env->global_get) {
                wasm_fail(err, in.offset, "global.get not available");
                goto out;
            }
            v = env->global_get(env->ud, in.imm.idx);
            break;
        case WASM_OP_I32_ADD: case WASM_OP_I32_SUB: case WASM_OP_I32_MUL:
        case WASM_OP_I64_ADD: case WASM_OP_I64_SUB: case WASM_OP_I64_MUL: {
            if (sp < 2) {
                wasm_fail(err, in.offset, "type mismatch");
                goto out;
            }
            wasm_value b = stack[--sp], a = stack[--sp];
            switch (in.op) {
            case WASM_OP_I32_ADD: v.i32 = (int32_t)((uint32_t)a.i32 + (uint32_t)b.i32); break;
            case WASM_OP_I32_SUB: v.i32 = (int32_t)((uint32_t)a.i32 - (uint32_t)b.i32); break;
            case WASM_OP_I32_MUL: v.i32 = (int32_t)((uint32_t)a.i32 * (uint32_t)b.i32); break;
            case WASM_OP_I64_ADD: v.i64 = (int64_t)((uint64_t)a.i64 + (uint64_t)b.i64); break;
            case WASM_OP_I64_SUB: v.i64 = (int64_t)((uint64_t)a.i64 - (uint64_t)b.i64); break;
            default: v.i64 = (int64_t)((uint64_t)a.i64 * (uint64_t)b.i64); break;
            }
            break;
        }
        default:
            wasm_fail(err, in.offset, "constant expression required");
            goto out;
        }
        stack[sp++] = v;
    }
    if (sp != 1) {
        wasm_fail(err, e->offset, "type mismatch");
        goto out;
    }
    *out = stack[0];
    ok = true;
out:
    wasm_reader_free(&r);
    return ok;
}

const char *wasm_valtype_name(uint8_t t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "<unknown>";
    }
}

bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (a->nparams == 0 || memcmp(a->params, b->params, a->nparams) == 0) &&
           (a->nresults == 0 || memcmp(a->results, b->results, a->nresults) == 0);
}

void wasm_module_free(wasm_module *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        free(m->types[i].params);
        free(m->types[i].results);
    }
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    free(m->func_types);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++) {
        free(m->elems[i].funcs);
        free(m->elems[i].exprs);
    }
    free(m->elems);
    free(m->datas);
    for (uint32_t i = 0; i < m->ncodes; i++)
        free(m->codes[i].local_decls);
    free(m->codes);
    if (m->func_names) {
        for (uint32_t i = 0; i < m->nfuncs; i++)
            free(m->func_names[i]);
        free(m->func_names);
    }
    free(m->module_name);
    free(m);
}
