/*
 * compile.c — wacc_compile_file: the whole compiler pipeline for one module,
 * bytes of a .wasm in, a .so file out. Used by the driver and by tests.
 *
 *   hash input and options → decode → validate → target → lower → emit
 *
 * Components go to wacc_compile_component (compile_component.c) once their
 * root passes the host's restrictions (root_check.h).
 *
 * Errors are one line: "offset 0x1a: <reason>" for problems located in the
 * input, otherwise just the reason.
 */
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "compiler.h"
#include "component.h"
#include "root_check.h"

static void set_wasm_error(char err[512], const char *stage, const wasm_error *we)
{
    if (we->offset > 0 || stage == NULL)
        snprintf(err, 512, "offset 0x%zx: %s", we->offset, we->msg);
    else
        snprintf(err, 512, "%s: %s", stage, we->msg);
}

/* The root-level restrictions of a component (root_check.h), checked before
 * compiling it. A component that does not decode or validate passes here:
 * wacc_compile_component reports that first, as Wasmtime does. */
static bool root_allowed(const uint8_t *wasm, size_t size, char err[512])
{
    wasm_error we;
    memset(&we, 0, sizeof we);
    wacc_component *c = wacc_component_decode(wasm, size, &we);
    if (c == NULL)
        return true;
    bool ok = wacc_component_root_check(c, &we);
    if (!ok) {
        wasm_error ve;
        memset(&ve, 0, sizeof ve);
        if (wacc_component_validate(c, &ve))
            set_wasm_error(err, NULL, &we);
        else
            ok = true;
    }
    wacc_component_free(c);
    return ok;
}

bool wacc_compile_file(const uint8_t *wasm, size_t size, const wacc_compile_options *o,
                       const char *out_path, char err[512])
{
    char opts[256];
    wasm_error we;
    wacc_target target;
    bool ok = false;

    if (wacc_is_component(wasm, size)) {
        err[0] = '\0';
        if (!root_allowed(wasm, size, err))
            return false;
        return wacc_compile_component(wasm, size, o, out_path, err);
    }
    memset(&we, 0, sizeof we);
    err[0] = '\0';
    wacc_options_string(o, opts, sizeof opts);
    uint64_t input_hash = XXH3_64bits(wasm, size);
    uint64_t options_hash = XXH3_64bits(opts, strlen(opts));

    wasm_module *m = wasm_decode(wasm, size, o->wasm_features, WASM_DECODE_DEFAULT, &we);
    if (m == NULL) {
        set_wasm_error(err, NULL, &we);
        return false;
    }
    if (!wasm_validate(m, &we)) {
        set_wasm_error(err, NULL, &we);
        wasm_module_free(m);
        return false;
    }
    memset(&target, 0, sizeof target);
    if (!wacc_target_create(&target, o, err)) {
        wasm_module_free(m);
        return false;
    }
    LLVMContextRef ctx = LLVMContextCreate();
    memset(&we, 0, sizeof we);
    wacc_parts parts = { 0 };
    LLVMModuleRef mod = wacc_lower_module_parts(ctx, m, &target, o, input_hash, options_hash, NULL, &parts, &we);
    if (mod == NULL) {
        if (we.msg[0] == '\0')
            snprintf(we.msg, sizeof we.msg, "lowering failed");
        set_wasm_error(err, "lower", &we);
    } else {
        ok = wacc_emit_so_parts(mod, &parts, &target, o, out_path, err);   /* takes ownership of mod */
        if (!ok && err[0] == '\0')
            snprintf(err, 512, "code generation failed");
    }
    wacc_parts_free(&parts);
    LLVMContextDispose(ctx);
    wacc_target_dispose(&target);
    wasm_module_free(m);
    return ok;
}
