/*
 * lower_artifact.c — the parts of the artifact around the wasm functions:
 * per-type array-call trampolines and host stubs, the metadata blob
 * (struct wacc_meta_header + module description + image-segments bitmap),
 * the initial memory image and the exported descriptor (wacc/abi.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"

#include <stddef.h>

#define IMAGE_MAX (64u << 20)

/* The LLVM struct built below mirrors struct wacc_descriptor field by field. */
_Static_assert(offsetof(struct wacc_descriptor, meta) == 8, "descriptor layout");
_Static_assert(offsetof(struct wacc_descriptor, funcs) == 32, "descriptor layout");
_Static_assert(offsetof(struct wacc_descriptor, memory_image_size) == 64, "descriptor layout");
#define IMAGE_ALIGN 4096u

static void set_err(wasm_error *err, size_t offset, const char *msg)
{
    if (!err)
        return;
    err->offset = offset;
    snprintf(err->msg, sizeof err->msg, "%s", msg);
}

static bool same_type(const wasm_functype *a, const wasm_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           memcmp(a->params, b->params, a->nparams) == 0 &&
           memcmp(a->results, b->results, a->nresults) == 0;
}

static LLVMValueRef slot_ptr(lower_mod *lm, LLVMBuilderRef b, LLVMValueRef vals, uint32_t i)
{
    LLVMValueRef off = LLVMConstInt(lm->t_i64, (uint64_t)i * WACC_VAL_SIZE, 0);
    return LLVMBuildGEP2(b, lm->t_i8, vals, &off, 1, "");
}

static LLVMValueRef load_slot(lower_mod *lm, LLVMBuilderRef b, LLVMValueRef vals, uint32_t i,
                              uint8_t vt)
{
    LLVMValueRef v = LLVMBuildLoad2(b, lower_mod_valtype(lm, vt), slot_ptr(lm, b, vals, i), "");
    LLVMSetAlignment(v, 8);
    return v;
}

static void store_slot(lower_mod *lm, LLVMBuilderRef b, LLVMValueRef vals, uint32_t i,
                       LLVMValueRef v)
{
    LLVMValueRef s = LLVMBuildStore(b, v, slot_ptr(lm, b, vals, i));
    LLVMSetAlignment(s, 8);
}

static LLVMValueRef new_fn(lower_mod *lm, const char *name, LLVMTypeRef ty)
{
    LLVMValueRef fn = LLVMAddFunction(lm->mod, name, ty);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    lower_mod_fn_attrs(lm, fn);
    return fn;
}

/* void at_T(ptr vmctx, ptr code, ptr vals) */
static LLVMValueRef build_array_call(lower_mod *lm, LLVMBuilderRef b, uint32_t t)
{
    const wasm_functype *ft = &lm->m->types[t];
    char name[48];
    snprintf(name, sizeof name, "wacc_array_call_%u", t);
    LLVMTypeRef ps[3] = { lm->t_ptr, lm->t_ptr, lm->t_ptr };
    LLVMValueRef fn = new_fn(lm, name, LLVMFunctionType(lm->t_void, ps, 3, 0));
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lm->ctx, fn, "entry"));
    LLVMValueRef vals = LLVMGetParam(fn, 2);
    LLVMValueRef *args = malloc((ft->nparams + 1) * sizeof *args);
    if (!args)
        return NULL;
    args[0] = LLVMGetParam(fn, 0);
    for (uint32_t i = 0; i < ft->nparams; i++)
        args[i + 1] = load_slot(lm, b, vals, i, ft->params[i]);
    LLVMValueRef r = LLVMBuildCall2(b, lm->fn_types[t], LLVMGetParam(fn, 1), args,
                                    ft->nparams + 1, "");
    free(args);
    if (ft->nresults == 1)
        store_slot(lm, b, vals, 0, r);
    else
        for (uint32_t j = 0; j < ft->nresults; j++)
            store_slot(lm, b, vals, j, LLVMBuildExtractValue(b, r, j, ""));
    LLVMBuildRetVoid(b);
    return fn;
}

/* RET hs_T(ptr hostctx, params...) -> hostctx->call(hostctx, vals) */
static LLVMValueRef build_host_stub(lower_mod *lm, LLVMBuilderRef b, uint32_t t)
{
    const wasm_functype *ft = &lm->m->types[t];
    char name[48];
    snprintf(name, sizeof name, "wacc_host_stub_%u", t);
    LLVMValueRef fn = new_fn(lm, name, lm->fn_types[t]);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lm->ctx, fn, "entry"));
    uint32_t n = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
    if (n == 0)
        n = 1;
    LLVMValueRef vals = LLVMBuildAlloca(b, LLVMArrayType2(lm->t_i8, (uint64_t)n * WACC_VAL_SIZE), "vals");
    LLVMSetAlignment(vals, 16);
    LLVMValueRef host = LLVMGetParam(fn, 0);
    for (uint32_t i = 0; i < ft->nparams; i++)
        store_slot(lm, b, vals, i, LLVMGetParam(fn, i + 1));
    LLVMValueRef callfn = LLVMBuildLoad2(b, lm->t_ptr, host, "");
    LLVMTypeRef cps[2] = { lm->t_ptr, lm->t_ptr };
    LLVMValueRef cargs[2] = { host, vals };
    LLVMBuildCall2(b, LLVMFunctionType(lm->t_void, cps, 2, 0), callfn, cargs, 2, "");
    if (ft->nresults == 0) {
        LLVMBuildRetVoid(b);
    } else if (ft->nresults == 1) {
        LLVMBuildRet(b, load_slot(lm, b, vals, 0, ft->results[0]));
    } else {
        LLVMValueRef agg = LLVMGetPoison(LLVMGetReturnType(lm->fn_types[t]));
        for (uint32_t j = 0; j < ft->nresults; j++)
            agg = LLVMBuildInsertValue(b, agg, load_slot(lm, b, vals, j, ft->results[j]), j, "");
        LLVMBuildRet(b, agg);
    }
    return fn;
}

/* ---- module description --------------------------------------------- */

static bool read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t byte = *(*p)++;
        v |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Copy of the input without the code section and without custom sections
 * other than "name". Returns the size written to `out` (capacity m->size). */
static bool build_desc(const wasm_module *m, uint8_t *out, size_t *out_size)
{
    const uint8_t *p = m->bytes, *end = m->bytes + m->size;
    if (m->size < 8)
        return false;
    memcpy(out, p, 8);
    size_t o = 8;
    p += 8;
    while (p < end) {
        const uint8_t *sec = p;
        uint8_t id = *p++;
        uint64_t len;
        if (!read_uleb(&p, end, &len) || len > (uint64_t)(end - p))
            return false;
        const uint8_t *body = p;
        p += len;
        bool keep = id != 10;
        if (id == 0) {
            const uint8_t *q = body;
            uint64_t nlen;
            keep = read_uleb(&q, p, &nlen) && nlen == 4 && (uint64_t)(p - q) >= 4 &&
                   memcmp(q, "name", 4) == 0;
        }
        if (keep) {
            memcpy(out + o, sec, (size_t)(p - sec));
            o += (size_t)(p - sec);
        }
    }
    *out_size = o;
    return true;
}

/* ---- memory image --------------------------------------------------- */

/* Offset of an active segment if its offset expression is `i32.const K end`. */
static bool const_offset(const wasm_constexpr *e, uint32_t *out)
{
    const uint8_t *p = e->code, *end = e->code + e->len;
    if (e->len < 3 || p[0] != 0x41)
        return false;
    p++;
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t byte;
    do {
        if (p >= end || shift > 35)
            return false;
        byte = *p++;
        v |= (int64_t)(byte & 0x7F) << shift;
        shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40))
        v |= -((int64_t)1 << shift);
    if (p + 1 != end || *p != 0x0B)
        return false;
    *out = (uint32_t)(int32_t)v;
    return true;
}

/* Fold the leading constant active segments of memory 0 into an image.
 * Sets *image (malloc'd, *image_size bytes, multiple of 4096) and marks the
 * folded segments in `bitmap`. */
static bool build_image(const wasm_module *m, uint8_t *bitmap, uint8_t **image, uint64_t *image_size)
{
    *image = NULL;
    *image_size = 0;
    if (m->nmemories == 0 || m->nimported_memories > 0 || m->memories[0].is64)
        return true;
    uint64_t mem_bytes = m->memories[0].limits.min * (uint64_t)WASM_PAGE_SIZE;
    uint64_t top = 0;
    uint32_t nfold = 0;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE)
            continue;
        if (d->memory != 0)
            continue;
        uint32_t off;
        if (!const_offset(&d->offset, &off) || (uint64_t)off + d->len > mem_bytes)
            break;
        if ((uint64_t)off + d->len > IMAGE_MAX)
            break;
        nfold = i + 1;
        if (d->len && (uint64_t)off + d->len > top)
            top = (uint64_t)off + d->len;
    }
    if (top == 0) {
        /* Nothing to store; empty or zero-length segments are still done. */
        for (uint32_t i = 0; i < nfold; i++)
            if (m->datas[i].mode == WASM_SEG_ACTIVE && m->datas[i].memory == 0)
                bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
        return true;
    }
    uint64_t size = (top + IMAGE_ALIGN - 1) / IMAGE_ALIGN * IMAGE_ALIGN;
    uint8_t *img = calloc(1, size);
    if (!img)
        return false;
    for (uint32_t i = 0; i < nfold; i++) {
        const wasm_data *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE || d->memory != 0)
            continue;
        uint32_t off;
        const_offset(&d->offset, &off);
        if (d->len)
            memcpy(img + off, d->bytes, d->len);
        bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    *image = img;
    *image_size = size;
    return true;
}

/* ---- globals ----------------------------------------------------------- */

static LLVMValueRef const_global(lower_mod *lm, const char *name, LLVMValueRef init)
{
    LLVMValueRef g = LLVMAddGlobal(lm->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMInternalLinkage);
    return g;
}

static LLVMValueRef ptr_array(lower_mod *lm, const char *name, LLVMValueRef *elems, uint32_t n)
{
    if (n == 0)
        return LLVMConstNull(lm->t_ptr);
    return const_global(lm, name, LLVMConstArray2(lm->t_ptr, elems, n));
}

/* The descriptor's funcs array. A function no funcref can reach (see
 * lower_mod.escapes) gets a shared entry that traps if ever called, so the
 * array does not keep it alive: LLVM may inline it into its callers (as
 * the last call of a local function) and drop it. */
static LLVMValueRef funcs_array(lower_mod *lm, LLVMBuilderRef b)
{
    const wasm_module *m = lm->m;
    uint32_t ndef = m->nfuncs - m->nimported_funcs;
    if (ndef == 0)
        return LLVMConstNull(lm->t_ptr);
    LLVMValueRef *fs = malloc(ndef * sizeof *fs);
    if (!fs)
        return NULL;
    LLVMValueRef stub = NULL;
    for (uint32_t i = 0; i < ndef; i++) {
        uint32_t fi = m->nimported_funcs + i;
        if (lm->escapes[fi]) {
            fs[i] = lm->funcs[fi];
            continue;
        }
        if (!stub) {
            LLVMTypeRef pt = lm->t_ptr;
            stub = LLVMAddFunction(lm->mod, "wacc_unreferenced", LLVMFunctionType(lm->t_void, &pt, 1, 0));
            LLVMSetLinkage(stub, LLVMInternalLinkage);
            lower_mod_fn_attrs(lm, stub);
            LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lm->ctx, stub, "entry"));
            LLVMValueRef vm = LLVMGetParam(stub, 0);
            LLVMValueRef lp = LLVMBuildStructGEP2(b, lm->t_vmctx, vm, WACC_VMCTX_LIBCALLS, "");
            LLVMValueRef lc = LLVMBuildLoad2(b, lm->t_ptr, lp, "");
            LLVMValueRef tp = LLVMBuildStructGEP2(b, lm->t_libcalls, lc, WACC_LIBCALL_TRAP, "");
            LLVMValueRef trap = LLVMBuildLoad2(b, lm->t_ptr, tp, "");
            LLVMTypeRef tps[4] = { lm->t_ptr, lm->t_i32, lm->t_i32, lm->t_i32 };
            LLVMValueRef args[4] = { vm, LLVMConstInt(lm->t_i32, WACC_TRAP_UNREACHABLE, 0),
                                     LLVMConstInt(lm->t_i32, fi, 0), LLVMConstInt(lm->t_i32, 0, 0) };
            LLVMBuildCall2(b, LLVMFunctionType(lm->t_void, tps, 4, 0), trap, args, 4, "");
            LLVMBuildUnreachable(b);
        }
        fs[i] = stub;
    }
    LLVMValueRef g = ptr_array(lm, "wacc_funcs", fs, ndef);
    free(fs);
    return g;
}

static void fill_header(lower_mod *lm, struct wacc_meta_header *h, uint64_t input_hash,
                        uint64_t options_hash)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, WACC_META_MAGIC, 8);
    h->abi_version = WACC_ABI_VERSION;
    h->header_size = sizeof *h;
    h->artifact_kind = WACC_ARTIFACT_CORE_MODULE;
    h->opt_level = lm->o ? (uint32_t)lm->o->opt_level : 2;
    h->flags = wacc_meta_flags(lm->o);
    snprintf(h->compiler_version, sizeof h->compiler_version, "%s", WACC_VERSION);
    if (lm->t) {
        snprintf(h->target_triple, sizeof h->target_triple, "%s", lm->t->triple);
        snprintf(h->cpu_name, sizeof h->cpu_name, "%s", lm->t->cpu_name);
        h->cpu_features = lm->t->cpu_features;
    }
    h->input_hash = input_hash;
    h->options_hash = options_hash;
}

bool lower_artifact(lower_mod *lm, uint64_t input_hash, uint64_t options_hash, wasm_error *err)
{
    const wasm_module *m = lm->m;
    bool ok = false;
    uint32_t nt = m->ntypes, ndef = m->nfuncs - m->nimported_funcs;
    LLVMValueRef *acs = calloc(nt + 1, sizeof *acs);
    LLVMValueRef *hss = calloc(nt + 1, sizeof *hss);
    uint8_t *meta = NULL, *image = NULL;
    LLVMBuilderRef b = LLVMCreateBuilderInContext(lm->ctx);
    if (!acs || !hss)
        goto oom;

    /* Trampolines and host stubs, shared between identical types. */
    for (uint32_t t = 0; t < nt; t++) {
        for (uint32_t u = 0; u < t && !acs[t]; u++)
            if (same_type(&m->types[u], &m->types[t])) {
                acs[t] = acs[u];
                hss[t] = hss[u];
            }
        if (!acs[t]) {
            acs[t] = build_array_call(lm, b, t);
            hss[t] = build_host_stub(lm, b, t);
            if (!acs[t] || !hss[t])
                goto oom;
        }
    }

    /* Metadata: header, description, image-segments bitmap. */
    size_t hsize = sizeof(struct wacc_meta_header);
    size_t bsize = (m->ndatas + 7) / 8;
    meta = calloc(1, hsize + m->size + bsize + 8);
    if (!meta)
        goto oom;
    size_t dsize;
    if (!build_desc(m, meta + hsize, &dsize)) {
        set_err(err, 0, "internal error: cannot re-encode the module description");
        goto out;
    }
    uint8_t *bitmap = meta + hsize + dsize;
    uint64_t image_size;
    if (!build_image(m, bitmap, &image, &image_size))
        goto oom;
    struct wacc_meta_header h;
    fill_header(lm, &h, input_hash, options_hash);
    h.desc_offset = (uint32_t)hsize;
    h.desc_size = (uint32_t)dsize;
    h.image_segs_offset = (uint32_t)(hsize + dsize);
    h.image_segs_size = (uint32_t)bsize;
    memcpy(meta, &h, hsize);
    size_t meta_size = hsize + dsize + bsize;

    LLVMValueRef gmeta = const_global(lm, "wacc_meta",
        LLVMConstStringInContext(lm->ctx, (const char *)meta, (unsigned)meta_size, 1));
    LLVMSetSection(gmeta, WACC_META_SECTION);
    LLVMSetAlignment(gmeta, 8);

    LLVMValueRef gimage = LLVMConstNull(lm->t_ptr);
    if (image) {
        gimage = const_global(lm, "wacc_memory_image",
            LLVMConstStringInContext(lm->ctx, (const char *)image, (unsigned)image_size, 1));
        LLVMSetSection(gimage, ".wacc_image");
        LLVMSetAlignment(gimage, IMAGE_ALIGN);
    }

    LLVMValueRef gfuncs = funcs_array(lm, b);
    if (ndef && !gfuncs)
        goto oom;
    LLVMValueRef gacs = ptr_array(lm, "wacc_array_calls", acs, nt);
    LLVMValueRef ghss = ptr_array(lm, "wacc_host_stubs", hss, nt);

    /* struct wacc_descriptor */
    LLVMTypeRef i32 = lm->t_i32, p = lm->t_ptr;
    LLVMTypeRef ft[12] = { i32, i32, p, i32, i32, i32, i32, p, p, p, p, lm->t_i64 };
    LLVMTypeRef dty = LLVMStructCreateNamed(lm->ctx, "wacc_descriptor");
    LLVMStructSetBody(dty, ft, 12, 0);
    LLVMValueRef fv[12] = {
        LLVMConstInt(i32, WACC_DESCRIPTOR_MAGIC, 0),
        LLVMConstInt(i32, WACC_ABI_VERSION, 0),
        gmeta,
        LLVMConstInt(i32, meta_size, 0),
        LLVMConstInt(i32, nt, 0),
        LLVMConstInt(i32, ndef, 0),
        LLVMConstInt(i32, 0, 0),
        gfuncs, gacs, ghss, gimage,
        LLVMConstInt(lm->t_i64, image_size, 0),
    };
    LLVMValueRef desc = LLVMAddGlobal(lm->mod, dty, WACC_DESCRIPTOR_SYMBOL);
    LLVMSetInitializer(desc, LLVMConstNamedStruct(dty, fv, 12));
    LLVMSetGlobalConstant(desc, 1);
    LLVMSetLinkage(desc, LLVMExternalLinkage);
    LLVMSetVisibility(desc, LLVMDefaultVisibility);
    ok = true;
    goto out;
oom:
    set_err(err, 0, "out of memory");
out:
    LLVMDisposeBuilder(b);
    free(acs);
    free(hss);
    free(meta);
    free(image);
    return ok;
}
