/*
 * compile_component.c — wacc_compile_component: every core module of a
 * component (nested components flattened, pre-order numbering as in
 * wacc/abi.h) lowered into its own LLVM module, the modules linked into one
 * (LLVMLinkModules2), plus the component descriptor and metadata, emitted as
 * one .so.
 *
 * Per-module fix-ups after lowering (lower_*.c stay untouched):
 *   - the module's descriptor becomes a hidden global "wacc_mod_desc_N"
 *     (internal once linked: the linker drops unreferenced internals),
 *     referenced from the component descriptor;
 *   - its metadata leaves the WACC_META_SECTION (reached through the
 *     descriptor's meta pointer), which then holds only the component's;
 *   - the in-module memcpy/memset/memmove (hidden, external) are kept in
 *     the first module only; later modules keep declarations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Linker.h>
#include <xxhash.h>

#include "compile_adapters.h"
#include "compiler.h"
#include "component.h"
#include "component_strip.h"
#include "wacc/abi.h"

#define CORE_FEATURES WASM_FEATURES_RUNNABLE

typedef struct modlist {
    const wacc_core_module **v;
    uint32_t n, cap;
} modlist;

static bool collect(const wacc_component *c, modlist *l)
{
    for (uint32_t i = 0; i < c->ncore_modules; i++) {
        if (l->n == l->cap) {
            uint32_t cap = l->cap ? l->cap * 2 : 8;
            const wacc_core_module **v = realloc(l->v, cap * sizeof *v);
            if (!v)
                return false;
            l->v = v;
            l->cap = cap;
        }
        l->v[l->n++] = &c->core_modules[i];
    }
    for (uint32_t i = 0; i < c->ncomponents; i++)
        if (!collect(c->components[i], l))
            return false;
    return true;
}

static void drop_body(LLVMModuleRef mod, const char *name)
{
    LLVMValueRef fn = LLVMGetNamedFunction(mod, name);
    if (!fn)
        return;
    LLVMBasicBlockRef bb;
    while ((bb = LLVMGetFirstBasicBlock(fn)) != NULL)
        LLVMDeleteBasicBlock(bb);
    LLVMSetLinkage(fn, LLVMExternalLinkage);
}

/* Make module `k` linkable next to the others; returns its descriptor. */
static LLVMValueRef fix_module(LLVMModuleRef mod, uint32_t k)
{
    LLVMValueRef meta = LLVMGetNamedGlobal(mod, "wacc_meta");
    if (meta)
        LLVMSetSection(meta, "");
    if (k > 0) {
        drop_body(mod, "memcpy");
        drop_body(mod, "memset");
        drop_body(mod, "memmove");
    }
    LLVMValueRef d = LLVMGetNamedGlobal(mod, WACC_DESCRIPTOR_SYMBOL);
    if (d) {
        char name[48];
        snprintf(name, sizeof name, "wacc_mod_desc_%u", k);
        LLVMSetValueName2(d, name, strlen(name));
        LLVMSetVisibility(d, LLVMHiddenVisibility);     /* internal after linking */
    }
    return d;
}

static LLVMModuleRef empty_module(LLVMContextRef ctx, const wacc_target *t)
{
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("component", ctx);
    LLVMSetTarget(mod, t->triple);
    if (t->layout) {
        char *dl = LLVMCopyStringRepOfTargetData(t->layout);
        LLVMSetDataLayout(mod, dl);
        LLVMDisposeMessage(dl);
    }
    return mod;
}

/* The component's metadata and descriptor, into `mod`. The metadata keeps
 * the component without its core modules' contents (component_strip.h):
 * they are compiled, each with its own descriptor and metadata. */
static bool add_component_parts(LLVMContextRef ctx, LLVMModuleRef mod, const wacc_target *t,
                                const wacc_compile_options *o, const uint8_t *input, size_t input_size,
                                uint64_t input_hash, uint64_t options_hash, uint32_t nmods,
                                LLVMValueRef adapters, uint32_t nadapters, char err[512])
{
    size_t size;
    uint8_t *bytes = wacc_component_strip(input, input_size, &size, err);
    if (!bytes)
        return false;
    struct wacc_meta_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, WACC_META_MAGIC, 8);
    h.abi_version = WACC_ABI_VERSION;
    h.header_size = sizeof h;
    h.artifact_kind = WACC_ARTIFACT_COMPONENT;
    h.opt_level = o ? (uint32_t)o->opt_level : 2;
    h.flags = wacc_meta_flags(o);
    snprintf(h.compiler_version, sizeof h.compiler_version, "%s", WACC_VERSION);
    snprintf(h.target_triple, sizeof h.target_triple, "%s", t->triple);
    snprintf(h.cpu_name, sizeof h.cpu_name, "%s", t->cpu_name);
    h.cpu_features = t->cpu_features;
    h.input_hash = input_hash;
    h.options_hash = options_hash;
    h.desc_offset = sizeof h;
    h.desc_size = (uint32_t)size;
    size_t msize = sizeof h + size;
    uint8_t *meta = malloc(msize);
    if (meta) {
        memcpy(meta, &h, sizeof h);
        memcpy(meta + sizeof h, bytes, size);
    }
    free(bytes);
    if (!meta) {
        snprintf(err, 512, "out of memory");
        return false;
    }

    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx), p = LLVMPointerTypeInContext(ctx, 0);
    LLVMValueRef init = LLVMConstStringInContext(ctx, (const char *)meta, (unsigned)msize, 1);
    free(meta);
    LLVMValueRef gmeta = LLVMAddGlobal(mod, LLVMTypeOf(init), "wacc_component_meta");
    LLVMSetInitializer(gmeta, init);
    LLVMSetGlobalConstant(gmeta, 1);
    LLVMSetLinkage(gmeta, LLVMInternalLinkage);
    LLVMSetSection(gmeta, WACC_META_SECTION);
    LLVMSetAlignment(gmeta, 8);

    LLVMValueRef mods = LLVMConstNull(p);
    if (nmods > 0) {
        LLVMValueRef *ds = calloc(nmods, sizeof *ds);
        if (!ds) {
            snprintf(err, 512, "out of memory");
            return false;
        }
        for (uint32_t k = 0; k < nmods; k++) {
            char name[48];
            snprintf(name, sizeof name, "wacc_mod_desc_%u", k);
            ds[k] = LLVMGetNamedGlobal(mod, name);
            if (!ds[k]) {
                free(ds);
                snprintf(err, 512, "core module %u: no descriptor", k);
                return false;
            }
            LLVMSetLinkage(ds[k], LLVMInternalLinkage);
        }
        LLVMValueRef arr = LLVMConstArray2(p, ds, nmods);
        free(ds);
        mods = LLVMAddGlobal(mod, LLVMTypeOf(arr), "wacc_component_modules");
        LLVMSetInitializer(mods, arr);
        LLVMSetGlobalConstant(mods, 1);
        LLVMSetLinkage(mods, LLVMInternalLinkage);
    }
    LLVMTypeRef ft[9] = { i32, i32, p, i32, i32, p, i32, i32, p };
    LLVMTypeRef dty = LLVMStructCreateNamed(ctx, "wacc_component_descriptor");
    LLVMStructSetBody(dty, ft, 9, 0);
    LLVMValueRef fv[9] = {
        LLVMConstInt(i32, WACC_DESCRIPTOR_MAGIC, 0), LLVMConstInt(i32, WACC_ABI_VERSION, 0),
        gmeta, LLVMConstInt(i32, msize, 0), LLVMConstInt(i32, nmods, 0), mods,
        LLVMConstInt(i32, nadapters, 0), LLVMConstInt(i32, 0, 0),
        adapters ? adapters : LLVMConstNull(p),
    };
    LLVMValueRef d = LLVMAddGlobal(mod, dty, WACC_COMPONENT_DESCRIPTOR_SYMBOL);
    LLVMSetInitializer(d, LLVMConstNamedStruct(dty, fv, 9));
    LLVMSetGlobalConstant(d, 1);
    LLVMSetLinkage(d, LLVMExternalLinkage);
    LLVMSetVisibility(d, LLVMDefaultVisibility);
    return true;
}

_Static_assert(offsetof(struct wacc_component_descriptor, meta) == 8, "descriptor layout");
_Static_assert(offsetof(struct wacc_component_descriptor, modules) == 24, "descriptor layout");
_Static_assert(offsetof(struct wacc_component_descriptor, num_adapters) == 32, "descriptor layout");
_Static_assert(offsetof(struct wacc_component_descriptor, adapters) == 40, "descriptor layout");

bool wacc_compile_component(const uint8_t *bytes, size_t size, const wacc_compile_options *o,
                            const char *out_path, char err[512])
{
    char opts[256];
    wasm_error we;
    memset(&we, 0, sizeof we);
    err[0] = '\0';
    wacc_options_string(o, opts, sizeof opts);
    uint64_t input_hash = XXH3_64bits(bytes, size);
    uint64_t options_hash = XXH3_64bits(opts, strlen(opts));

    adapter_keys keys = { 0 };
    wacc_component *c = wacc_component_decode(bytes, size, &we);
    if (!c || !compile_adapters_validate(c, &we, &keys)) {
        snprintf(err, 512, "offset 0x%zx: %s", we.offset, we.msg);
        wacc_component_free(c);
        return false;
    }
    modlist l = { 0 };
    if (!collect(c, &l)) {
        snprintf(err, 512, "out of memory");
        wacc_component_free(c);
        compile_adapters_free(&keys);
        free(l.v);
        return false;
    }
    wacc_target target;
    memset(&target, 0, sizeof target);
    if (!wacc_target_create(&target, o, err)) {
        wacc_component_free(c);
        compile_adapters_free(&keys);
        free(l.v);
        return false;
    }
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef dst = NULL;
    wacc_parts parts = { 0 };
    bool ok = false;
    for (uint32_t k = 0; k < l.n; k++) {
        const wacc_core_module *cm = l.v[k];
        memset(&we, 0, sizeof we);
        wasm_module *m = wasm_decode(cm->bytes, cm->size, CORE_FEATURES, WASM_DECODE_DEFAULT, &we);
        if (!m || !wasm_validate(m, &we)) {
            snprintf(err, 512, "offset 0x%zx: core module %u: %s", cm->offset + we.offset, k, we.msg);
            wasm_module_free(m);
            goto out;
        }
        char prefix[24];     /* the function names of a module lowered in parts */
        snprintf(prefix, sizeof prefix, "m%u.", k);
        LLVMModuleRef mod = wacc_lower_module_parts(ctx, m, &target, o, XXH3_64bits(cm->bytes, cm->size),
                                                    options_hash, prefix, &parts, &we);
        wasm_module_free(m);
        if (!mod) {
            snprintf(err, 512, "core module %u: lower: %s", k, we.msg[0] ? we.msg : "lowering failed");
            goto out;
        }
        fix_module(mod, k);
        if (!dst) {
            dst = mod;
        } else if (LLVMLinkModules2(dst, mod)) {        /* consumes mod */
            snprintf(err, 512, "core module %u: linking the LLVM modules failed", k);
            goto out;
        }
    }
    if (!dst)
        dst = empty_module(ctx, &target);
    LLVMValueRef adapters = NULL;
    if (!compile_adapters_lower(dst, &target, &keys, &adapters, err))
        goto out;
    if (!add_component_parts(ctx, dst, &target, o, bytes, size, input_hash, options_hash, l.n,
                             adapters, keys.n, err))
        goto out;
    ok = wacc_emit_so_parts(dst, &parts, &target, o, out_path, err);    /* takes ownership */
    dst = NULL;
    if (!ok && err[0] == '\0')
        snprintf(err, 512, "code generation failed");
out:
    if (dst)
        LLVMDisposeModule(dst);
    wacc_parts_free(&parts);
    LLVMContextDispose(ctx);
    wacc_target_dispose(&target);
    wacc_component_free(c);
    compile_adapters_free(&keys);
    free(l.v);
    return ok;
}
