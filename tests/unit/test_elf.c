/*
 * test_elf.c — the emit stage: target set-up, LLVM codegen and wacc's own
 * ELF linker. Builds a small module by hand (LLVM-C), emits a .so, loads it
 * with plain dlopen and inspects it with binutils.
 */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <llvm-c/Core.h>

#include "compiler.h"
#include "wacc/abi.h"

/* What the test module's descriptor looks like. */
struct test_desc {
    uint32_t magic, nfuncs;
    int32_t (*const *funcs)(int32_t, int32_t);
    const uint8_t *image;
    const uint8_t *meta;
    const double *table;
};

static int tmp_counter;

static void tmp_path(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "/tmp/wacc_test_elf_%d_%d_%s.so", (int)getpid(), tmp_counter++, tag);
}

static void add_fn_attr(LLVMContextRef ctx, LLVMValueRef fn, const char *name)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(ctx, kind, 0));
}

/* Build the test module. `undefined` adds a call to an external function. */
static LLVMModuleRef build_module(LLVMContextRef ctx, bool undefined)
{
    LLVMModuleRef m = LLVMModuleCreateWithNameInContext("test", ctx);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx), i8 = LLVMInt8TypeInContext(ctx);
    LLVMTypeRef f64 = LLVMDoubleTypeInContext(ctx), ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef params[2] = {i32, i32};
    LLVMTypeRef fty = LLVMFunctionType(i32, params, 2, 0);

    /* add(a, b) = a + b   (noinline, called by others) */
    LLVMValueRef add = LLVMAddFunction(m, "add", fty);
    LLVMSetLinkage(add, LLVMInternalLinkage);
    add_fn_attr(ctx, add, "noinline");
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, add, "entry"));
    LLVMBuildRet(b, LLVMBuildAdd(b, LLVMGetParam(add, 0), LLVMGetParam(add, 1), ""));

    /* sel(op, v): a switch that becomes a jump table */
    LLVMValueRef sel = LLVMAddFunction(m, "sel", fty);
    LLVMSetLinkage(sel, LLVMInternalLinkage);
    add_fn_attr(ctx, sel, "noinline");
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(ctx, sel, "entry");
    LLVMBasicBlockRef dflt = LLVMAppendBasicBlockInContext(ctx, sel, "default");
    LLVMPositionBuilderAtEnd(b, entry);
    LLVMValueRef op = LLVMGetParam(sel, 0), v = LLVMGetParam(sel, 1);
    LLVMValueRef sw = LLVMBuildSwitch(b, op, dflt, 8);
    for (int c = 0; c < 8; c++) {
        LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(ctx, sel, "case");
        LLVMAddCase(sw, LLVMConstInt(i32, (unsigned)c, 0), bb);
        LLVMPositionBuilderAtEnd(b, bb);
        LLVMValueRef k = LLVMConstInt(i32, (unsigned)(c * 7 + 3), 0), r;
        switch (c) {
        case 0: r = LLVMBuildAdd(b, v, k, ""); break;
        case 1: r = LLVMBuildSub(b, v, k, ""); break;
        case 2: r = LLVMBuildMul(b, v, k, ""); break;
        case 3: r = LLVMBuildXor(b, v, k, ""); break;
        case 4: r = LLVMBuildOr(b, v, k, ""); break;
        case 5: r = LLVMBuildShl(b, v, LLVMConstInt(i32, 3, 0), ""); break;
        case 6: r = LLVMBuildCall2(b, fty, add, (LLVMValueRef[]){v, v}, 2, ""); break;
        default: r = LLVMBuildUDiv(b, v, k, ""); break;
        }
        LLVMBuildRet(b, r);
    }
    LLVMPositionBuilderAtEnd(b, dflt);
    LLVMBuildRet(b, LLVMConstInt(i32, (unsigned)-1, 1));

    /* scale(a, b) = (int)(a * 3.25 + b)   (constant-pool floats) */
    LLVMValueRef scale = LLVMAddFunction(m, "scale", fty);
    LLVMSetLinkage(scale, LLVMInternalLinkage);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, scale, "entry"));
    LLVMValueRef x = LLVMBuildSIToFP(b, LLVMGetParam(scale, 0), f64, "");
    x = LLVMBuildFMul(b, x, LLVMConstReal(f64, 3.25), "");
    x = LLVMBuildFAdd(b, x, LLVMBuildSIToFP(b, LLVMGetParam(scale, 1), f64, ""), "");
    LLVMBuildRet(b, LLVMBuildFPToSI(b, x, i32, ""));

    /* bump(a, b): ++counter (.bss) + state (.data) + add(a, b) */
    LLVMValueRef counter = LLVMAddGlobal(m, i32, "counter");
    LLVMSetLinkage(counter, LLVMInternalLinkage);
    LLVMSetInitializer(counter, LLVMConstInt(i32, 0, 0));
    LLVMValueRef state = LLVMAddGlobal(m, i32, "state");
    LLVMSetLinkage(state, LLVMInternalLinkage);
    LLVMSetInitializer(state, LLVMConstInt(i32, 1000, 0));
    LLVMValueRef bump = LLVMAddFunction(m, "bump", fty);
    LLVMSetLinkage(bump, LLVMInternalLinkage);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, bump, "entry"));
    LLVMValueRef c1 = LLVMBuildAdd(b, LLVMBuildLoad2(b, i32, counter, ""), LLVMConstInt(i32, 1, 0), "");
    LLVMBuildStore(b, c1, counter);
    LLVMValueRef st = LLVMBuildLoad2(b, i32, state, "");
    LLVMBuildStore(b, LLVMBuildAdd(b, st, LLVMConstInt(i32, 1, 0), ""), state);
    LLVMValueRef s = LLVMBuildCall2(b, fty, add, (LLVMValueRef[]){LLVMGetParam(bump, 0), LLVMGetParam(bump, 1)}, 2, "");
    if (undefined) {
        LLVMValueRef ext = LLVMAddFunction(m, "external_helper", fty);
        s = LLVMBuildCall2(b, fty, ext, (LLVMValueRef[]){s, s}, 2, "");
    }
    LLVMBuildRet(b, LLVMBuildAdd(b, LLVMBuildAdd(b, c1, st, ""), s, ""));

    /* exported(a, b) = a - b: a preemptible (default visibility) function;
     * nonlazybind makes calls to it go through the GOT */
    LLVMValueRef exported = LLVMAddFunction(m, "exported_fn", fty);
    add_fn_attr(ctx, exported, "nonlazybind");
    add_fn_attr(ctx, exported, "noinline");
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, exported, "entry"));
    LLVMBuildRet(b, LLVMBuildSub(b, LLVMGetParam(exported, 0), LLVMGetParam(exported, 1), ""));

    /* via_got(a, b) = exported_fn(a, b) + (descriptor magic & 0xff): a GOT
     * call and a GOT load of a preemptible symbol */
    LLVMValueRef via_got = LLVMAddFunction(m, "via_got", fty);
    LLVMSetLinkage(via_got, LLVMInternalLinkage);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, via_got, "entry"));
    LLVMValueRef e = LLVMBuildCall2(b, fty, exported, (LLVMValueRef[]){LLVMGetParam(via_got, 0), LLVMGetParam(via_got, 1)}, 2, "");
    LLVMValueRef desc_decl = LLVMAddGlobal(m, i32, "wacc_descriptor_tmp");
    LLVMValueRef mg = LLVMBuildAnd(b, LLVMBuildLoad2(b, i32, desc_decl, ""), LLVMConstInt(i32, 0xff, 0), "");
    LLVMBuildRet(b, LLVMBuildAdd(b, e, mg, ""));

    /* function pointer array: absolute pointers → RELATIVE relocations */
    LLVMValueRef fns[5] = {add, sel, scale, bump, via_got};
    LLVMValueRef farr = LLVMAddGlobal(m, LLVMArrayType2(ptr, 5), "funcs");
    LLVMSetLinkage(farr, LLVMInternalLinkage);
    LLVMSetGlobalConstant(farr, 1);
    LLVMSetInitializer(farr, LLVMConstArray2(ptr, fns, 5));

    /* the page-aligned image and the metadata section */
    uint8_t imgbytes[8192];
    for (size_t i = 0; i < sizeof imgbytes; i++)
        imgbytes[i] = (uint8_t)(i * 13 + 1);
    memcpy(imgbytes, "IMAGE", 5);
    LLVMValueRef image = LLVMAddGlobal(m, LLVMArrayType2(i8, sizeof imgbytes), "image");
    LLVMSetLinkage(image, LLVMInternalLinkage);
    LLVMSetGlobalConstant(image, 1);
    LLVMSetInitializer(image, LLVMConstStringInContext(ctx, (const char *)imgbytes, sizeof imgbytes, 1));
    LLVMSetSection(image, ".wacc_image");
    LLVMSetAlignment(image, 4096);
    LLVMValueRef meta = LLVMAddGlobal(m, LLVMArrayType2(i8, 16), "meta");
    LLVMSetLinkage(meta, LLVMInternalLinkage);
    LLVMSetGlobalConstant(meta, 1);
    LLVMSetInitializer(meta, LLVMConstStringInContext(ctx, "WACCMETA-test-01", 16, 1));
    LLVMSetSection(meta, WACC_META_SECTION);
    LLVMSetAlignment(meta, 8);

    /* a constant double table */
    LLVMValueRef dv[3] = {LLVMConstReal(f64, 1.5), LLVMConstReal(f64, -2.25), LLVMConstReal(f64, 1e300)};
    LLVMValueRef dtab = LLVMAddGlobal(m, LLVMArrayType2(f64, 3), "dtab");
    LLVMSetLinkage(dtab, LLVMPrivateLinkage);
    LLVMSetGlobalConstant(dtab, 1);
    LLVMSetInitializer(dtab, LLVMConstArray2(f64, dv, 3));

    /* exported descriptor */
    LLVMTypeRef dfields[6] = {i32, i32, ptr, ptr, ptr, ptr};
    LLVMTypeRef dty = LLVMStructTypeInContext(ctx, dfields, 6, 0);
    LLVMValueRef dvals[6] = {LLVMConstInt(i32, WACC_DESCRIPTOR_MAGIC, 0), LLVMConstInt(i32, 5, 0), farr,
                             image, meta, dtab};
    LLVMValueRef desc = LLVMAddGlobal(m, dty, WACC_DESCRIPTOR_SYMBOL);
    LLVMReplaceAllUsesWith(desc_decl, desc);
    LLVMDeleteGlobal(desc_decl);
    LLVMSetGlobalConstant(desc, 1);
    LLVMSetInitializer(desc, LLVMConstNamedStruct(dty, dvals, 6));

    LLVMDisposeBuilder(b);
    return m;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return p;
}

/* Run a shell command, return its output (stdout, plus stderr when
 * `with_stderr`), malloc'd. */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            out = realloc(out, cap);
        }
    }
    out[len] = 0;
    pclose(p);
    return out;
}

static bool emit_jobs(const char *path, int opt, const char *cpu, bool undefined, int jobs, char err[512])
{
    wacc_compile_options o = {.opt_level = opt, .cpu = cpu, .jobs = jobs};
    wacc_target t;
    if (!wacc_target_create(&t, &o, err))
        return false;
    LLVMContextRef ctx = LLVMContextCreate();
    bool ok = wacc_emit_so(build_module(ctx, undefined), &t, &o, path, err);
    LLVMContextDispose(ctx);
    wacc_target_dispose(&t);
    return ok;
}

static bool emit(const char *path, int opt, const char *cpu, bool undefined, char err[512])
{
    return emit_jobs(path, opt, cpu, undefined, 0, err);
}

static void check_so(const char *path, int opt)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "dlopen: %s", dlerror());
    const struct test_desc *d = dlsym(h, WACC_DESCRIPTOR_SYMBOL);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->magic, WACC_DESCRIPTOR_MAGIC);
    ck_assert_uint_eq(d->nfuncs, 5);
    ck_assert_int_eq(d->funcs[0](40, 2), 42);
    int32_t expect[8] = {10 + 3, 10 - 10, 10 * 17, 10 ^ 24, 10 | 31, 10 << 3, 20, 10 / 52};
    for (int c = 0; c < 8; c++)
        ck_assert_int_eq(d->funcs[1](c, 10), expect[c]);
    ck_assert_int_eq(d->funcs[1](99, 10), -1);
    ck_assert_int_eq(d->funcs[2](4, 7), 20);
    ck_assert_int_eq(d->funcs[3](1, 2), 1 + 1000 + 3);
    ck_assert_int_eq(d->funcs[3](1, 2), 2 + 1001 + 3);
    ck_assert_int_eq(d->funcs[4](50, 8), 42 + (int32_t)(WACC_DESCRIPTOR_MAGIC & 0xff));
    ck_assert_uint_eq((uintptr_t)d->image % 4096, 0);
    ck_assert_int_eq(memcmp(d->image, "IMAGE", 5), 0);
    ck_assert_uint_eq(d->image[8191], (uint8_t)(8191 * 13 + 1));
    ck_assert_int_eq(memcmp(d->meta, "WACCMETA-test-01", 16), 0);
    ck_assert(d->table[0] == 1.5 && d->table[1] == -2.25 && d->table[2] == 1e300);
    dlclose(h);
    (void)opt;
}

START_TEST(emit_and_load)
{
    char path[256], err[512];
    for (int opt = 0; opt <= 3; opt++) {
        tmp_path(path, sizeof path, "load");
        ck_assert_msg(emit(path, opt, "x86-64-v2", false, err), "emit O%d: %s", opt, err);
        struct stat sb;
        ck_assert_int_eq(stat(path, &sb), 0);
        ck_assert_uint_eq(sb.st_mode & 0777, 0755);
        check_so(path, opt);
        unlink(path);
    }
}
END_TEST

/* The module split into 3 parts (split.c), linked from 3 objects: calls,
 * GOT references, private/internal data and the descriptor across parts;
 * the same bytes on 1 and 2 threads. */
START_TEST(split_parts)
{
    char p1[256], p2[256], err[512];
    setenv("WACC_PARTS", "3", 1);
    for (int opt = 0; opt <= 3; opt++) {
        tmp_path(p1, sizeof p1, "split1");
        tmp_path(p2, sizeof p2, "split2");
        ck_assert_msg(emit_jobs(p1, opt, "x86-64-v2", false, 1, err), "emit O%d -j1: %s", opt, err);
        ck_assert_msg(emit_jobs(p2, opt, "x86-64-v2", false, 2, err), "emit O%d -j2: %s", opt, err);
        check_so(p1, opt);
        size_t n1 = 0, n2 = 0;
        uint8_t *b1 = read_file(p1, &n1), *b2 = read_file(p2, &n2);
        ck_assert_ptr_nonnull(b1);
        ck_assert_ptr_nonnull(b2);
        ck_assert_msg(n1 == n2 && !memcmp(b1, b2, n1), "O%d: -j1 and -j2 artifacts differ", opt);
        free(b1);
        free(b2);
        unlink(p1);
        unlink(p2);
    }
    /* an undefined symbol is still refused when the module is split */
    tmp_path(p1, sizeof p1, "splitundef");
    ck_assert(!emit_jobs(p1, 2, "x86-64-v2", true, 2, err));
    ck_assert_msg(strstr(err, "undefined symbol external_helper") != NULL, "err: %s", err);
    unsetenv("WACC_PARTS");
}
END_TEST

START_TEST(binutils_accept)
{
    char path[256], err[512], cmd[600];
    tmp_path(path, sizeof path, "tools");
    ck_assert_msg(emit(path, 2, "x86-64-v3", false, err), "emit: %s", err);
    snprintf(cmd, sizeof cmd, "nm -D --undefined-only %s 2>&1", path);
    char *out = run(cmd);
    ck_assert_msg(out[0] == 0, "nm -D --undefined-only printed: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "nm -D --defined-only %s 2>&1", path);
    out = run(cmd);
    ck_assert_msg(strstr(out, WACC_DESCRIPTOR_SYMBOL) != NULL, "nm -D: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "readelf -h %s 2>&1", path);
    out = run(cmd);
    ck_assert_msg(strstr(out, "DYN (Shared object file)") != NULL, "readelf -h: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "readelf -a -W %s 2>&1 >/dev/null", path);
    out = run(cmd);
    ck_assert_msg(out[0] == 0, "readelf -a warned: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "readelf -W -S -l -r %s 2>&1", path);
    out = run(cmd);
    ck_assert_msg(strstr(out, ".wacc_image") && strstr(out, ".wacc_meta"), "sections: %s", out);
    ck_assert_msg(strstr(out, "R_X86_64_RELATIVE") != NULL, "relocs: %s", out);
    ck_assert_msg(strstr(out, "GNU_RELRO") && strstr(out, "GNU_STACK") && strstr(out, "DYNAMIC"), "phdrs: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "objdump -d %s 2>&1 >/dev/null", path);
    out = run(cmd);
    ck_assert_msg(out[0] == 0, "objdump -d warned: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "nm %s 2>&1", path);
    out = run(cmd);
    ck_assert_msg(strstr(out, " t sel") && strstr(out, " t add") && strstr(out, " t bump"), "nm: %s", out);
    free(out);
    /* the .wacc_image section is 4096-aligned in the file and in memory */
    snprintf(cmd, sizeof cmd, "readelf -W -S %s | grep wacc_image", path);
    out = run(cmd);
    unsigned long addr = 0, off = 0;
    char *p = strstr(out, "PROGBITS");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(sscanf(p, "PROGBITS %lx %lx", &addr, &off), 2);
    ck_assert_uint_eq(addr % 4096, 0);
    ck_assert_uint_eq(off % 4096, 0);
    free(out);
    unlink(path);
}
END_TEST

START_TEST(trailer_and_determinism)
{
    char p1[256], p2[256], err[512];
    tmp_path(p1, sizeof p1, "det1");
    tmp_path(p2, sizeof p2, "det2");
    ck_assert_msg(emit(p1, 2, "x86-64-v2", false, err), "emit: %s", err);
    ck_assert_msg(emit(p2, 2, "x86-64-v2", false, err), "emit: %s", err);
    size_t n1, n2;
    uint8_t *a = read_file(p1, &n1), *b = read_file(p2, &n2);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(a, b, n1), 0);
    ck_assert_uint_gt(n1, sizeof(struct wacc_trailer));
    struct wacc_trailer tr;
    memcpy(&tr, a + n1 - sizeof tr, sizeof tr);
    ck_assert_int_eq(memcmp(tr.magic, WACC_TRAILER_MAGIC, 8), 0);
    ck_assert_uint_eq(tr.hash, XXH3_64bits(a, n1 - sizeof tr));
    a[n1 / 2] ^= 1;
    ck_assert_uint_ne(tr.hash, XXH3_64bits(a, n1 - sizeof tr));
    free(a);
    free(b);
    unlink(p1);
    unlink(p2);
}
END_TEST

START_TEST(errors)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "undef");
    ck_assert(!emit(path, 1, "x86-64-v2", true, err));
    ck_assert_msg(strstr(err, "undefined symbol external_helper") != NULL, "err: %s", err);
    ck_assert_int_ne(access(path, F_OK), 0);

    size_t n = 0;
    uint8_t junk[256];
    memset(junk, 0x41, sizeof junk);
    ck_assert_ptr_null(wacc_link_object(junk, sizeof junk, &n, err));
    ck_assert(err[0] != 0 && strchr(err, '\n') == NULL);
    ck_assert_ptr_null(wacc_link_object(junk, 3, &n, err));
    ck_assert(err[0] != 0);

    wacc_compile_options o = {.opt_level = 2, .cpu = "core2"};
    wacc_target t;
    ck_assert(!wacc_target_create(&t, &o, err));
    ck_assert_msg(strstr(err, "x86-64-v2") != NULL, "err: %s", err);
    o.cpu = "no-such-cpu";
    ck_assert(!wacc_target_create(&t, &o, err));
    o.cpu = "x86-64-v2";
    o.opt_level = 7;
    ck_assert(!wacc_target_create(&t, &o, err));
}
END_TEST

/* Truncate / corrupt a real object: never crash, always a clean error or a
 * valid result. */
START_TEST(corrupt_objects)
{
    char err[512];
    wacc_compile_options o = {.opt_level = 1, .cpu = "x86-64-v2"};
    wacc_target t;
    ck_assert_msg(wacc_target_create(&t, &o, err), "%s", err);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef m = build_module(ctx, false);
    char *msg = NULL;
    LLVMMemoryBufferRef buf = NULL;
    ck_assert(!LLVMTargetMachineEmitToMemoryBuffer(t.tm, m, LLVMObjectFile, &msg, &buf));
    const uint8_t *obj = (const uint8_t *)LLVMGetBufferStart(buf);
    size_t size = LLVMGetBufferSize(buf), n;
    uint8_t *so = wacc_link_object(obj, size, &n, err);
    ck_assert_msg(so != NULL, "%s", err);
    free(so);
    uint8_t *copy = malloc(size);
    for (size_t cut = 0; cut < size; cut += size / 97 + 1) {
        so = wacc_link_object(obj, cut, &n, err);
        free(so);
    }
    unsigned seed = 12345;
    for (int iter = 0; iter < 300; iter++) {
        memcpy(copy, obj, size);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % size] ^= (uint8_t)(1u << ((seed >> 4) & 7));
        }
        so = wacc_link_object(copy, size, &n, err);
        free(so);
    }
    free(copy);
    LLVMDisposeMemoryBuffer(buf);
    LLVMDisposeModule(m);
    LLVMContextDispose(ctx);
    wacc_target_dispose(&t);
}
END_TEST

START_TEST(target_features)
{
    char err[512];
    wacc_compile_options o = {.opt_level = 2, .cpu = "x86-64-v3"};
    wacc_target t;
    ck_assert_msg(wacc_target_create(&t, &o, err), "%s", err);
    ck_assert_str_eq(t.cpu_name, "x86-64-v3");
    ck_assert(t.cpu_features & WACC_CPU_AVX2);
    ck_assert(t.cpu_features & WACC_CPU_SSE41);
    ck_assert(!(t.cpu_features & WACC_CPU_AVX512F));
    ck_assert_str_eq(t.triple, "x86_64-pc-linux-gnu");
    wacc_target_dispose(&t);
    o.cpu = NULL;
    ck_assert_msg(wacc_target_create(&t, &o, err), "%s", err);
    ck_assert(t.cpu_features & WACC_CPU_SSE41);
    wacc_target_dispose(&t);
    char s1[2048], s2[2048];
    wacc_options_string(&o, s1, sizeof s1);
    o.cpu = "x86-64-v4";
    wacc_options_string(&o, s2, sizeof s2);
    ck_assert_str_ne(s1, s2);
    ck_assert_msg(strstr(s2, "O2") && strstr(s2, "cpu=x86-64-v4"), "%s", s2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("elf");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, emit_and_load);
    tcase_add_test(tc, binutils_accept);
    tcase_add_test(tc, split_parts);
    tcase_add_test(tc, trailer_and_determinism);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, corrupt_objects);
    tcase_add_test(tc, target_features);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
