/*
 * test_runtime.c — unit tests of libwacc: memories, tables, globals, host
 * functions, the signature registry, artifact loading errors, and end-to-end
 * compile + instantiate + call + traps (when the compiler pipeline works).
 *
 * Under AddressSanitizer run with ASAN_OPTIONS=handle_segv=0 (the runtime
 * handles SIGSEGV itself and chains to the previous handler).
 */
#include <check.h>
#include <elf.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "compiler.h"
#include "wacc.h"

#include "e2e_wasm.h"

static const uint8_t T_I32[] = { WACC_I32, WACC_I32, WACC_I32 };
static const uint8_t T_I64[] = { WACC_I64 };

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tmpdir(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wacc-rt-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    atexit(rm_tmpdir);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* bytes + a valid trailer */
static void write_with_trailer(const char *path, const void *p, size_t n)
{
    uint8_t *buf = malloc(n + sizeof(struct wacc_trailer));
    memcpy(buf, p, n);
    struct wacc_trailer tr;
    memcpy(tr.magic, WACC_TRAILER_MAGIC, 8);
    tr.hash = XXH3_64bits(p, n);
    memcpy(buf + n, &tr, sizeof tr);
    write_file(path, buf, n + sizeof tr);
    free(buf);
}

/* ---- memories ---- */

START_TEST(memory_grow_limits)
{
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = wacc_store_new(e);
    char err[WACC_ERR_LEN];
    wacc_memory_obj *m = wacc_memory_new(s, (wacc_limits_t){ 1, 3, true }, err);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(wacc_memory_size(m), 65536);
    uint8_t *d = wacc_memory_data(m);
    d[0] = 1;
    d[65535] = 2;
    ck_assert_uint_eq(wacc_memory_grow(m, 0), 1);
    ck_assert_uint_eq(wacc_memory_grow(m, 1), 1);
    ck_assert_uint_eq(wacc_memory_size(m), 2 * 65536);
    d[2 * 65536 - 1] = 3;
    ck_assert_ptr_eq(wacc_memory_data(m), d);       /* base never moves */
    ck_assert_uint_eq(wacc_memory_grow(m, 2), UINT32_MAX);
    ck_assert_uint_eq(wacc_memory_grow(m, 1), 2);
    ck_assert_uint_eq(wacc_memory_grow(m, 1), UINT32_MAX);
    ck_assert_uint_eq(d[0] + d[65535], 3);

    wacc_memory_obj *big = wacc_memory_new(s, (wacc_limits_t){ 0, 0, false }, err);
    ck_assert_ptr_nonnull(big);
    ck_assert_uint_eq(wacc_memory_size(big), 0);
    ck_assert_uint_eq(wacc_memory_grow(big, 65537), UINT32_MAX);
    /* 32-bit memories grow to all of 4 GiB (WACC_MEMORY_MAX_PAGES32 = 65536) */
    ck_assert_uint_eq(WACC_MEMORY_MAX_PAGES32, 65536);
    ck_assert_uint_eq(wacc_memory_grow(big, 65536), 0);   /* lazily committed */
    ck_assert_uint_eq(wacc_memory_size(big), 1ull << 32);
    ck_assert_uint_eq(wacc_memory_grow(big, 1), UINT32_MAX);
    ck_assert_uint_eq(wacc_memory_grow(big, 0), 65536);
    volatile uint8_t *last = wacc_memory_data(big) + (1ull << 32) - 1;
    ck_assert_uint_eq(*last, 0);
    *last = 7;
    ck_assert_uint_eq(*last, 7);

    /* a store's memory cap: growth and new memories stop at it */
    wacc_store_set_max_memory(s, 4u << 16);
    wacc_memory_obj *capped = wacc_memory_new(s, (wacc_limits_t){ 1, 0, false }, err);
    ck_assert_ptr_nonnull(capped);
    ck_assert_uint_eq(wacc_memory_grow(capped, 3), 1);
    ck_assert_uint_eq(wacc_memory_grow(capped, 1), UINT32_MAX);
    ck_assert_ptr_null(wacc_memory_new(s, (wacc_limits_t){ 5, 0, false }, err));
    ck_assert_ptr_nonnull(strstr(err, "memory limit"));
    wacc_store_set_max_memory(s, 0);

    ck_assert_ptr_null(wacc_memory_new(s, (wacc_limits_t){ 3, 2, true }, err));
    ck_assert_ptr_nonnull(strstr(err, "exceeds"));
    wacc_store_free(s);
    wacc_engine_free(e);
}
END_TEST

/* ---- tables ---- */

START_TEST(table_ops)
{
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = wacc_store_new(e);
    char err[WACC_ERR_LEN];
    wacc_table_obj *t = wacc_table_new(s, WACC_EXTERNREF, (wacc_limits_t){ 2, 4, true }, err);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(wacc_table_size(t), 2);
    void *r = (void *)1;
    ck_assert(wacc_table_get(t, 1, &r));
    ck_assert_ptr_null(r);
    int x;
    ck_assert(wacc_table_set(t, 1, &x));
    ck_assert(wacc_table_get(t, 1, &r));
    ck_assert_ptr_eq(r, &x);
    ck_assert(!wacc_table_set(t, 2, &x));
    ck_assert(!wacc_table_get(t, 2, &r));
    ck_assert_uint_eq(wacc_table_grow(t, 2, &x), 2);
    ck_assert_uint_eq(wacc_table_size(t), 4);
    ck_assert(wacc_table_get(t, 3, &r));
    ck_assert_ptr_eq(r, &x);
    ck_assert_uint_eq(wacc_table_grow(t, 1, NULL), UINT32_MAX);
    ck_assert_ptr_null(wacc_table_new(s, WACC_I32, (wacc_limits_t){ 0, 0, false }, err));

    wacc_table_obj *u = wacc_table_new(s, WACC_FUNCREF, (wacc_limits_t){ 0, 0, false }, err);
    ck_assert_ptr_nonnull(u);
    ck_assert_uint_eq(wacc_table_grow(u, 0xFFFFFFFFu, NULL), UINT32_MAX);
    ck_assert_uint_eq(wacc_table_grow(u, 10, NULL), 0);
    wacc_store_free(s);
    wacc_engine_free(e);
}
END_TEST

/* ---- globals ---- */

START_TEST(globals)
{
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = wacc_store_new(e);
    wacc_val v = { .i64 = -5 };
    wacc_global_obj *g = wacc_global_new(s, (wacc_globaltype){ WACC_I64, true }, v);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(wacc_global_get(g).i64, -5);
    v.i64 = 77;
    wacc_global_set(g, v);
    ck_assert_int_eq(wacc_global_get(g).i64, 77);
    ck_assert_uint_eq(wacc_global_type(g).valtype, WACC_I64);
    ck_assert(wacc_global_type(g).is_mutable);
    wacc_store_free(s);
    wacc_engine_free(e);
}
END_TEST

/* ---- host functions ---- */

static uint32_t host_add(void *data, wacc_val *vals)
{
    int *calls = data;
    if (calls)
        (*calls)++;
    vals[0].i32 = vals[0].i32 + vals[1].i32;
    return 0;
}

static uint32_t host_trap(void *data, wacc_val *vals)
{
    (void)data;
    (void)vals;
    return WACC_TRAP_INT_DIV_ZERO;
}

static uint32_t host_exit(void *data, wacc_val *vals)
{
    (void)data;
    (void)vals;
    return wacc_host_exit(7);
}

START_TEST(host_funcs)
{
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = wacc_store_new(e);
    int calls = 0;
    wacc_functype ft = { 2, 1, T_I32, T_I32 };
    wacc_func *f = wacc_func_new_host(s, &ft, host_add, &calls);
    ck_assert_ptr_nonnull(f);
    wacc_val args[2] = { { .i32 = 40 }, { .i32 = 2 } }, res[1];
    wacc_trap trap;
    ck_assert(wacc_call(s, f, args, 2, res, 1, &trap));
    ck_assert_int_eq(res[0].i32, 42);
    ck_assert_int_eq(calls, 1);
    ck_assert(!wacc_call(s, f, args, 1, res, 1, &trap));   /* wrong arity */

    wacc_functype out;
    wacc_func_type(f, &out);
    ck_assert_uint_eq(out.nparams, 2);
    ck_assert_uint_eq(out.nresults, 1);
    ck_assert_ptr_eq(wacc_func_from_ref(s, wacc_func_ref(f)), f);
    ck_assert_ptr_null(wacc_func_from_ref(s, NULL));

    wacc_functype ft0 = { 0, 0, NULL, NULL };
    wacc_func *t = wacc_func_new_host(s, &ft0, host_trap, NULL);
    ck_assert(!wacc_call(s, t, NULL, 0, NULL, 0, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_INT_DIV_ZERO);
    ck_assert_str_eq(trap.message, "trap: integer divide by zero");

    wacc_func *x = wacc_func_new_host(s, &ft0, host_exit, NULL);
    ck_assert(!wacc_call(s, x, NULL, 0, NULL, 0, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_EXIT);
    ck_assert_int_eq(trap.exit_status, 7);
    /* still usable after traps */
    ck_assert(wacc_call(s, f, args, 2, res, 1, &trap));
    wacc_store_free(s);
    wacc_engine_free(e);
}
END_TEST

START_TEST(signature_registry)
{
    wacc_engine *e = wacc_engine_new();
    wacc_store *s = wacc_store_new(e);
    wacc_functype a = { 2, 1, T_I32, T_I32 };
    wacc_functype b = { 2, 1, T_I32, T_I32 };
    wacc_functype c = { 1, 2, T_I32, T_I32 };
    wacc_functype d = { 1, 0, T_I64, NULL };
    const struct wacc_funcref *ra = wacc_func_ref(wacc_func_new_host(s, &a, host_add, NULL));
    const struct wacc_funcref *rb = wacc_func_ref(wacc_func_new_host(s, &b, host_add, NULL));
    const struct wacc_funcref *rc = wacc_func_ref(wacc_func_new_host(s, &c, host_add, NULL));
    const struct wacc_funcref *rd = wacc_func_ref(wacc_func_new_host(s, &d, host_add, NULL));
    ck_assert_uint_eq(ra->type_id, rb->type_id);
    ck_assert_uint_ne(ra->type_id, rc->type_id);
    ck_assert_uint_ne(ra->type_id, rd->type_id);
    ck_assert_uint_ne(rc->type_id, rd->type_id);
    /* many distinct types: ids stay distinct and stable */
    uint8_t params[64];
    memset(params, WACC_I32, sizeof params);
    uint32_t ids[64];
    for (uint32_t i = 0; i < 64; i++) {
        wacc_functype t = { i, 0, params, NULL };
        ids[i] = ((const struct wacc_funcref *)wacc_func_ref(
                      wacc_func_new_host(s, &t, host_add, NULL)))->type_id;
        for (uint32_t j = 0; j < i; j++)
            ck_assert_uint_ne(ids[i], ids[j]);
    }
    wacc_functype t2 = { 2, 0, params, NULL };
    ck_assert_uint_eq(((const struct wacc_funcref *)wacc_func_ref(
                          wacc_func_new_host(s, &t2, host_add, NULL)))->type_id, ids[2]);
    wacc_store_free(s);
    wacc_engine_free(e);
}
END_TEST

/* ---- loading errors ---- */

static void expect_load_error(wacc_engine *e, const char *path, const char *what)
{
    char err[WACC_ERR_LEN], want[WACC_ERR_LEN + 300];
    ck_assert_ptr_null(wacc_artifact_load(e, path, err));
    snprintf(want, sizeof want, "%s: %s", path, what);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(load_errors)
{
    make_tmpdir();
    wacc_engine *e = wacc_engine_new();
    char path[512];

    snprintf(path, sizeof path, "%s/missing.so", tmpdir);
    expect_load_error(e, path, "No such file or directory");

    snprintf(path, sizeof path, "%s/text.so", tmpdir);
    const char *text = "this is not an artifact, just some text that is long enough";
    write_file(path, text, strlen(text));
    expect_load_error(e, path, "not a wacc artifact (no trailer)");

    snprintf(path, sizeof path, "%s/tiny.so", tmpdir);
    write_file(path, "ab", 2);
    expect_load_error(e, path, "not a wacc artifact (no trailer)");

    snprintf(path, sizeof path, "%s/notelf.so", tmpdir);
    write_with_trailer(path, text, strlen(text));
    expect_load_error(e, path, "not an ELF file");

    /* flip one byte: checksum mismatch */
    FILE *f = fopen(path, "r+b");
    fseek(f, 3, SEEK_SET);
    fputc('X', f);
    fclose(f);
    expect_load_error(e, path, "corrupt artifact (checksum mismatch)");

    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_AARCH64;
    snprintf(path, sizeof path, "%s/arm.so", tmpdir);
    write_with_trailer(path, &eh, sizeof eh);
    expect_load_error(e, path, "wrong architecture: the artifact is for aarch64, this runtime runs x86-64 artifacts (compile with --target x86_64-linux-gnu)");

    eh.e_machine = EM_X86_64;
    eh.e_type = ET_EXEC;
    snprintf(path, sizeof path, "%s/exec.so", tmpdir);
    write_with_trailer(path, &eh, sizeof eh);
    expect_load_error(e, path, "not a shared object");

    eh.e_type = ET_DYN;
    eh.e_shoff = 1u << 30;          /* section headers past the end */
    eh.e_shnum = 5;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    snprintf(path, sizeof path, "%s/badsh.so", tmpdir);
    write_with_trailer(path, &eh, sizeof eh);
    expect_load_error(e, path, "corrupt artifact (bad section header table)");

    wacc_engine_free(e);
}
END_TEST

/* A program with large thread-locals: glibc takes static TLS out of every
 * thread's stack, so the runtime's small-stack helper threads (the deadline
 * timer) must still start. Without the fallback every deadline test below
 * trapped at once ("deadline exceeded"). */
static _Thread_local char tls_ballast[64 * 1024];

/* ---- end to end ---- */

static bool compile_to(const unsigned char *wasm, size_t n, const char *name, char *path,
                       size_t pathlen)
{
    if (!tmpdir[0])
        make_tmpdir();
    snprintf(path, pathlen, "%s/%s.so", tmpdir, name);
    wacc_compile_options o = { .opt_level = 1, .cpu = NULL, .explicit_bounds = false };
    char err[512];
    if (!wacc_compile_file(wasm, n, &o, path, err)) {
        fprintf(stderr, "compile %s: %s\n", name, err);
        return false;
    }
    return true;
}

struct e2e {
    wacc_engine *e;
    wacc_store *s;
    wacc_artifact *a;
    wacc_instance *inst;
    int host_calls;
    char path[512];
};

static void e2e_setup(struct e2e *t, wacc_host_fn host)
{
    memset(t, 0, sizeof *t);
    ck_assert(compile_to(e2e_wasm, e2e_wasm_len, "e2e", t->path, sizeof t->path));
    char err[WACC_ERR_LEN];
    t->e = wacc_engine_new();
    t->a = wacc_artifact_load(t->e, t->path, err);
    if (!t->a)
        ck_abort_msg("load: %s", err);
    t->s = wacc_store_new(t->e);
    wacc_functype ft = { 2, 1, T_I32, T_I32 };
    wacc_extern imp = { WACC_EXTERN_FUNC, { .func = wacc_func_new_host(t->s, &ft, host, t) } };
    wacc_trap trap;
    t->inst = wacc_instantiate(t->s, t->a, &imp, 1, &trap, err);
    if (!t->inst)
        ck_abort_msg("instantiate: %s", err);
}

static void e2e_teardown(struct e2e *t)
{
    wacc_store_free(t->s);
    wacc_artifact_free(t->a);
    wacc_engine_free(t->e);
}

static wacc_func *export_func(struct e2e *t, const char *name)
{
    wacc_extern x;
    ck_assert_msg(wacc_instance_export(t->inst, name, &x), "no export %s", name);
    ck_assert_int_eq(x.kind, WACC_EXTERN_FUNC);
    return x.of.func;
}

static uint32_t e2e_host_add(void *data, wacc_val *vals)
{
    struct e2e *t = data;
    t->host_calls++;
    vals[0].i32 += vals[1].i32;
    return 0;
}

static struct e2e *nested_t;

/* host -> wasm (div) from inside a wasm -> host call */
static uint32_t e2e_host_nested(void *data, wacc_val *vals)
{
    struct e2e *t = data;
    t->host_calls++;
    wacc_val args[2] = { vals[0], { .i32 = 0 } }, res[1];
    wacc_trap trap;
    if (vals[0].i32 == 1) {     /* nested trap: reported to us, we pass it on */
        if (wacc_call(t->s, export_func(t, "div"), args, 2, res, 1, &trap))
            return WACC_TRAP_UNREACHABLE;
        return trap.code == WACC_TRAP_INT_DIV_ZERO ? WACC_TRAP_HOST : WACC_TRAP_UNREACHABLE;
    }
    args[1].i32 = 2;
    if (!wacc_call(t->s, export_func(t, "div"), args, 2, res, 1, &trap))
        return WACC_TRAP_UNREACHABLE;
    vals[0].i32 = res[0].i32 + vals[1].i32;
    return 0;
}

static bool call2(struct e2e *t, const char *name, int32_t a, int32_t b, int32_t *r,
                  wacc_trap *trap)
{
    wacc_val args[2] = { { .i32 = a }, { .i32 = b } }, res[1];
    bool ok = wacc_call(t->s, export_func(t, name), args, 2, res, 1, trap);
    if (ok)
        *r = res[0].i32;
    return ok;
}

static bool call1(struct e2e *t, const char *name, int32_t a, int32_t *r, wacc_trap *trap)
{
    wacc_val args[1] = { { .i32 = a } }, res[1];
    bool ok = wacc_call(t->s, export_func(t, name), args, 1, res, 1, trap);
    if (ok)
        *r = res[0].i32;
    return ok;
}

START_TEST(e2e_calls)
{
    struct e2e t;
    e2e_setup(&t, e2e_host_add);
    wacc_trap trap;
    int32_t r = 0;
    ck_assert(call2(&t, "div", 84, 2, &r, &trap));
    ck_assert_int_eq(r, 42);
    ck_assert(call1(&t, "call_host", 5, &r, &trap));
    ck_assert_int_eq(r, 105);
    ck_assert_int_eq(t.host_calls, 1);

    /* data segment / memory image, memory export */
    wacc_extern x;
    ck_assert(wacc_instance_export(t.inst, "mem", &x));
    ck_assert_int_eq(x.kind, WACC_EXTERN_MEMORY);
    ck_assert_mem_eq(wacc_memory_data(x.of.memory) + 16, "hello", 5);
    ck_assert(call1(&t, "load", 16, &r, &trap));
    ck_assert_int_eq(r, 'h' | 'e' << 8 | 'l' << 16 | 'l' << 24);

    /* globals */
    ck_assert(wacc_instance_export(t.inst, "g", &x));
    ck_assert_int_eq(x.kind, WACC_EXTERN_GLOBAL);
    ck_assert_int_eq(wacc_global_get(x.of.global).i32, 42);
    wacc_global_set(x.of.global, (wacc_val){ .i32 = 7 });
    wacc_val res[1];
    ck_assert(wacc_call(t.s, export_func(&t, "get_g"), NULL, 0, res, 1, &trap));
    ck_assert_int_eq(res[0].i32, 7);

    /* memory.grow through the libcall, then the new page is accessible */
    ck_assert(call1(&t, "grow", 1, &r, &trap));
    ck_assert_int_eq(r, 1);
    ck_assert(call1(&t, "grow", 1, &r, &trap));
    ck_assert_int_eq(r, -1);
    ck_assert(call1(&t, "load", 2 * 65536 - 4, &r, &trap));
    ck_assert_int_eq(r, 0);

    /* table + call_indirect, funcref round trip */
    ck_assert(wacc_instance_export(t.inst, "tab", &x));
    ck_assert_int_eq(x.kind, WACC_EXTERN_TABLE);
    void *ref = NULL;
    ck_assert(wacc_table_get(x.of.table, 0, &ref));
    ck_assert_ptr_eq(wacc_func_from_ref(t.s, ref), export_func(&t, "div"));
    ck_assert_ptr_eq(wacc_func_ref(export_func(&t, "div")), ref);
    wacc_val a3[3] = { { .i32 = 9 }, { .i32 = 3 }, { .i32 = 0 } };
    ck_assert(wacc_call(t.s, export_func(&t, "call_ind"), a3, 3, res, 1, &trap));
    ck_assert_int_eq(res[0].i32, 3);
    a3[2].i32 = 1;
    ck_assert(!wacc_call(t.s, export_func(&t, "call_ind"), a3, 3, res, 1, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_INDIRECT_TYPE);
    a3[2].i32 = 5;
    ck_assert(!wacc_call(t.s, export_func(&t, "call_ind"), a3, 3, res, 1, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_TABLE_OOB);
    /* a host function placed in the table is callable indirectly */
    wacc_functype ft = { 2, 1, T_I32, T_I32 };
    ck_assert(wacc_table_set(x.of.table, 1, wacc_func_ref(wacc_func_new_host(t.s, &ft, e2e_host_add, &t))));
    a3[2].i32 = 1;
    ck_assert(wacc_call(t.s, export_func(&t, "call_ind"), a3, 3, res, 1, &trap));
    ck_assert_int_eq(res[0].i32, 12);

    /* artifact accessors */
    ck_assert_uint_eq(wacc_artifact_num_imports(t.a), 1);
    const char *mod, *name;
    wacc_extern_kind kind;
    wacc_artifact_import(t.a, 0, &mod, &name, &kind);
    ck_assert_str_eq(mod, "env");
    ck_assert_str_eq(name, "host_add");
    ck_assert_uint_eq(wacc_artifact_meta(t.a)->abi_version, WACC_ABI_VERSION);
    ck_assert_str_eq(wacc_instance_func_name(t.inst, 1), "div");
    e2e_teardown(&t);
}
END_TEST

START_TEST(e2e_traps)
{
    struct e2e t;
    e2e_setup(&t, e2e_host_add);
    wacc_trap trap;
    int32_t r;
    ck_assert(!call2(&t, "div", 1, 0, &r, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_INT_DIV_ZERO);
    ck_assert_uint_eq(trap.func_index, 1);
    ck_assert_msg(strncmp(trap.message, "trap: integer divide by zero in function div", 44) == 0,
                  "%s", trap.message);
    ck_assert(!call2(&t, "div", INT32_MIN, -1, &r, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_INT_OVERFLOW);

    /* out of bounds via the signal handler */
    ck_assert(!call1(&t, "load", 65536 - 2, &r, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_MEMORY_OOB);
    ck_assert_msg(strcmp(trap.message, "trap: out of bounds memory access in function load") == 0,
                  "%s", trap.message);
    ck_assert(!call1(&t, "load", -1, &r, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_MEMORY_OOB);

    /* bulk memory bounds in the libcall */
    wacc_val a3[3] = { { .i32 = 65530 }, { .i32 = 1 }, { .i32 = 7 } };
    ck_assert(!wacc_call(t.s, export_func(&t, "fill"), a3, 3, NULL, 0, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_MEMORY_OOB);
    a3[0].i32 = 65536;
    a3[2].i32 = 0;
    ck_assert(wacc_call(t.s, export_func(&t, "fill"), a3, 3, NULL, 0, &trap));

    ck_assert(!wacc_call(t.s, export_func(&t, "unreach"), NULL, 0, NULL, 0, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_UNREACHABLE);

    /* stack exhaustion, twice (the runtime must recover) */
    for (int i = 0; i < 2; i++) {
        ck_assert(!call1(&t, "rec", 0, &r, &trap));
        ck_assert_uint_eq(trap.code, WACC_TRAP_STACK_EXHAUSTED);
        ck_assert_msg(strncmp(trap.message, "trap: call stack exhausted", 26) == 0, "%s",
                      trap.message);
    }
    /* still works afterwards */
    ck_assert(call2(&t, "div", 10, 5, &r, &trap));
    ck_assert_int_eq(r, 2);
    e2e_teardown(&t);
}
END_TEST

START_TEST(e2e_nested)
{
    struct e2e t;
    e2e_setup(&t, e2e_host_nested);
    nested_t = &t;
    wacc_trap trap;
    int32_t r;
    /* wasm(call_host) -> host -> wasm(div) -> back */
    ck_assert(call1(&t, "call_host", 10, &r, &trap));
    ck_assert_int_eq(r, 105);
    /* the inner call traps; the host turns it into its own trap */
    ck_assert(!call1(&t, "call_host", 1, &r, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_HOST);
    ck_assert(call1(&t, "call_host", 4, &r, &trap));
    ck_assert_int_eq(r, 102);
    ck_assert_int_eq(t.host_calls, 3);
    e2e_teardown(&t);
}
END_TEST

START_TEST(e2e_link_errors)
{
    struct e2e t;
    e2e_setup(&t, e2e_host_add);
    char err[WACC_ERR_LEN];
    wacc_trap trap;
    /* wrong function type */
    wacc_functype ft = { 1, 1, T_I32, T_I32 };
    wacc_extern imp = { WACC_EXTERN_FUNC, { .func = wacc_func_new_host(t.s, &ft, host_add, NULL) } };
    ck_assert_ptr_null(wacc_instantiate(t.s, t.a, &imp, 1, &trap, err));
    ck_assert_str_eq(err, "incompatible import type for env.host_add");
    ck_assert_uint_eq(trap.code, WACC_TRAP_NONE);
    ck_assert_ptr_null(wacc_instantiate(t.s, t.a, NULL, 0, &trap, err));
    ck_assert_str_eq(err, "unknown import env.host_add");
    /* wrong kind */
    imp.kind = WACC_EXTERN_GLOBAL;
    imp.of.global = wacc_global_new(t.s, (wacc_globaltype){ WACC_I32, false }, (wacc_val){ .i32 = 0 });
    ck_assert_ptr_null(wacc_instantiate(t.s, t.a, &imp, 1, &trap, err));
    ck_assert_str_eq(err, "incompatible import type for env.host_add");

    /* a second instance importing the exported function of the first */
    wacc_extern x;
    ck_assert(wacc_instance_export(t.inst, "div", &x));
    wacc_functype ft2;
    wacc_func_type(x.of.func, &ft2);
    ck_assert_uint_eq(ft2.nparams, 2);
    wacc_instance *i2 = wacc_instantiate(t.s, t.a, &x, 1, &trap, err);
    ck_assert_ptr_nonnull(i2);
    wacc_extern y;
    ck_assert(wacc_instance_export(i2, "call_host", &y));
    wacc_val args[1] = { { .i32 = 500 } }, res[1];
    ck_assert(wacc_call(t.s, y.of.func, args, 1, res, 1, &trap));
    ck_assert_int_eq(res[0].i32, 5);      /* div(500, 100) */
    /* memory images are private to each instance (copy-on-write) */
    wacc_extern m1, m2;
    ck_assert(wacc_instance_export(t.inst, "mem", &m1));
    ck_assert(wacc_instance_export(i2, "mem", &m2));
    wacc_memory_data(m1.of.memory)[16] = 'J';
    ck_assert_int_eq(wacc_memory_data(m2.of.memory)[16], 'h');

    /* memory import limits; data segment out of bounds traps at instantiation */
    char path[512];
    ck_assert(compile_to(seg_oob_wasm, seg_oob_wasm_len, "seg_oob", path, sizeof path));
    wacc_artifact *a2 = wacc_artifact_load(t.e, path, err);
    ck_assert_msg(a2 != NULL, "%s", err);
    wacc_memory_obj *m0 = wacc_memory_new(t.s, (wacc_limits_t){ 0, 0, false }, err);
    wacc_extern mi = { WACC_EXTERN_MEMORY, { .memory = m0 } };
    ck_assert_ptr_null(wacc_instantiate(t.s, a2, &mi, 1, &trap, err));
    ck_assert_str_eq(err, "incompatible import type for env.mem");
    ck_assert_uint_eq(wacc_memory_grow(m0, 1), 0);
    ck_assert_ptr_null(wacc_instantiate(t.s, a2, &mi, 1, &trap, err));
    ck_assert_uint_eq(trap.code, WACC_TRAP_MEMORY_OOB);
    ck_assert_mem_eq(wacc_memory_data(m0), "abc", 3);       /* earlier segment applied */

    ck_assert(compile_to(start_trap_wasm, start_trap_wasm_len, "start_trap", path, sizeof path));
    wacc_artifact *a3 = wacc_artifact_load(t.e, path, err);
    ck_assert_msg(a3 != NULL, "%s", err);
    ck_assert_ptr_null(wacc_instantiate(t.s, a3, NULL, 0, &trap, err));
    ck_assert_uint_eq(trap.code, WACC_TRAP_MEMORY_OOB);
    ck_assert_msg(strcmp(trap.message, "trap: out of bounds memory access in function start") == 0,
                  "%s", trap.message);
    wacc_store_free(t.s);           /* stores, then artifacts, then the engine */
    t.s = NULL;
    wacc_artifact_free(a2);
    wacc_artifact_free(a3);
    e2e_teardown(&t);
}
END_TEST

static void *thread_main(void *arg)
{
    struct e2e *t = arg;
    wacc_trap trap;
    int32_t r = 0;
    bool ok = call1(t, "rec", 0, &r, &trap);
    if (ok || trap.code != WACC_TRAP_STACK_EXHAUSTED)
        return (void *)1;
    ok = call1(t, "load", 70000, &r, &trap);
    if (ok || trap.code != WACC_TRAP_MEMORY_OOB)
        return (void *)2;
    if (!call2(t, "div", 9, 3, &r, &trap) || r != 3)
        return (void *)3;
    return NULL;
}

/* Traps on another thread with a small stack: own altstack and limit. */
START_TEST(e2e_thread)
{
    struct e2e t;
    e2e_setup(&t, e2e_host_add);
    for (size_t stack = 256 * 1024; stack <= 4 * 1024 * 1024; stack *= 4) {
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setstacksize(&at, stack);
        pthread_t th;
        ck_assert_int_eq(pthread_create(&th, &at, thread_main, &t), 0);
        void *ret = (void *)9;
        pthread_join(th, &ret);
        pthread_attr_destroy(&at);
        ck_assert_ptr_null(ret);
    }
    e2e_teardown(&t);
}
END_TEST

/* ---- deadlines ----
 * spin.wat: (module (func (export "spin") (loop (br 0)))
 *                   (func (export "one") (result i32) (i32.const 1))) */
static const unsigned char spin_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
    0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07,
    0x0e, 0x02, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x00, 0x03, 0x6f, 0x6e,
    0x65, 0x00, 0x01, 0x0a, 0x0e, 0x02, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00,
    0x0b, 0x0b, 0x04, 0x00, 0x41, 0x01, 0x0b
};

struct spinner {
    wacc_engine *e;
    wacc_artifact *a;
    uint64_t after_ns;          /* deadline: now + after_ns */
    uint64_t deadline, ended;
    uint32_t code;              /* trap code of the spin call */
    int32_t one;                /* "one" after the trap, deadline cleared */
};

static void *spin_main(void *arg)
{
    struct spinner *sp = arg;
    char err[WACC_ERR_LEN];
    wacc_trap trap;
    wacc_store *s = wacc_store_new(sp->e);
    wacc_instance *inst = wacc_instantiate(s, sp->a, NULL, 0, &trap, err);
    wacc_extern spin, one;
    if (!inst || !wacc_instance_export(inst, "spin", &spin) || !wacc_instance_export(inst, "one", &one))
        return (void *)1;
    sp->deadline = wacc_monotonic_ns() + sp->after_ns;
    wacc_store_set_deadline(s, sp->deadline);
    ck_assert_uint_eq(wacc_store_deadline(s), sp->deadline);
    memset(&trap, 0, sizeof trap);
    bool ok = wacc_call(s, spin.of.func, NULL, 0, NULL, 0, &trap);
    sp->ended = wacc_monotonic_ns();
    sp->code = ok ? 0 : trap.code;
    /* the store is still usable once the deadline is lifted */
    wacc_store_set_deadline(s, 0);
    wacc_val r;
    sp->one = wacc_call(s, one.of.func, NULL, 0, &r, 1, &trap) ? r.i32 : -1;
    wacc_store_free(s);
    return NULL;
}

/* Two stores on two threads, deadlines 0.2 s and 0.8 s: the first bump of
 * the epoch reaches both; the later store re-arms and runs on to its own. */
START_TEST(deadlines)
{
    tls_ballast[0] = 1;
    ck_assert_int_eq(*(volatile char *)&tls_ballast[0], 1);
    char path[512], err[WACC_ERR_LEN];
    ck_assert(compile_to(spin_wasm, sizeof spin_wasm, "spin", path, sizeof path));
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = wacc_artifact_load(e, path, err);
    ck_assert_msg(a != NULL, "%s", err);
    ck_assert(wacc_artifact_interruptible(a));
    struct spinner sp[2] = { { e, a, 200000000ull, 0, 0, 0, 0 }, { e, a, 800000000ull, 0, 0, 0, 0 } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, spin_main, &sp[i]), 0);
    for (int i = 0; i < 2; i++) {
        void *ret = (void *)9;
        pthread_join(th[i], &ret);
        ck_assert_ptr_null(ret);
        ck_assert_uint_eq(sp[i].code, WACC_TRAP_DEADLINE);
        ck_assert_uint_ge(sp[i].ended, sp[i].deadline);     /* never before its own deadline */
        ck_assert_int_eq(sp[i].one, 1);
    }
    ck_assert_str_eq(wacc_trap_name(WACC_TRAP_DEADLINE), "deadline exceeded");

    /* a deadline already past traps at the first check */
    wacc_store *s = wacc_store_new(e);
    wacc_trap trap;
    wacc_instance *inst = wacc_instantiate(s, a, NULL, 0, &trap, err);
    ck_assert_ptr_nonnull(inst);
    wacc_extern spin;
    ck_assert(wacc_instance_export(inst, "spin", &spin));
    wacc_store_set_deadline(s, 1);
    ck_assert(!wacc_call(s, spin.of.func, NULL, 0, NULL, 0, &trap));
    ck_assert_uint_eq(trap.code, WACC_TRAP_DEADLINE);
    ck_assert_ptr_nonnull(strstr(trap.message, "deadline exceeded"));
    /* lifted and armed again (v6: the poll page is made readable and
     * protected again): the loop stops each time, by the timer too */
    for (int round = 0; round < 2; round++) {
        wacc_store_set_deadline(s, 0);
        wacc_store_set_deadline(s, round ? wacc_monotonic_ns() + 50000000ull : 1);
        memset(&trap, 0, sizeof trap);
        ck_assert(!wacc_call(s, spin.of.func, NULL, 0, NULL, 0, &trap));
        ck_assert_uint_eq(trap.code, WACC_TRAP_DEADLINE);
    }
    wacc_store_free(s);
    wacc_artifact_free(a);
    wacc_engine_free(e);
}
END_TEST

/* A fault outside wasm code is not ours: the default action still runs. */
START_TEST(foreign_segv)
{
    struct e2e t;
    e2e_setup(&t, e2e_host_add);
    int32_t r;
    wacc_trap trap;
    ck_assert(!call1(&t, "load", 70000, &r, &trap));    /* handler installed */
    volatile uintptr_t addr = 16;       /* opaque to the compiler */
    *(volatile int *)addr = 1;
    e2e_teardown(&t);
}
END_TEST

START_TEST(e2e_corrupt)
{
    char path[512], err[WACC_ERR_LEN];
    ck_assert(compile_to(e2e_wasm, e2e_wasm_len, "good", path, sizeof path));
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc(n);
    ck_assert_uint_eq(fread(buf, 1, n, f), (size_t)n);
    fclose(f);
    wacc_engine *e = wacc_engine_new();
    char p2[600], want[700];
    /* an artifact of an older ABI (v3: globals behind vmctx->globals[i]) is
     * refused with one line, not run with the wrong vmctx layout */
    uint8_t *meta = memmem(buf, n, WACC_META_MAGIC, 8);
    ck_assert_ptr_nonnull(meta);
    uint32_t old = WACC_ABI_VERSION - 1, cur;
    memcpy(&cur, meta + offsetof(struct wacc_meta_header, abi_version), 4);
    ck_assert_uint_eq(cur, WACC_ABI_VERSION);
    memcpy(meta + offsetof(struct wacc_meta_header, abi_version), &old, 4);
    snprintf(p2, sizeof p2, "%s/oldabi.so", tmpdir);
    write_with_trailer(p2, buf, n - sizeof(struct wacc_trailer));
    memcpy(meta + offsetof(struct wacc_meta_header, abi_version), &cur, 4);
    ck_assert_ptr_null(wacc_artifact_load(e, p2, err));
    snprintf(want, sizeof want, "%s: artifact ABI version %u, runtime supports %u", p2, old,
             WACC_ABI_VERSION);
    ck_assert_str_eq(err, want);
    snprintf(p2, sizeof p2, "%s/trunc.so", tmpdir);
    write_file(p2, buf, n - 100);
    ck_assert_ptr_null(wacc_artifact_load(e, p2, err));
    snprintf(want, sizeof want, "%s: not a wacc artifact (no trailer)", p2);
    ck_assert_str_eq(err, want);
    buf[n / 2] ^= 0x40;
    snprintf(p2, sizeof p2, "%s/flip.so", tmpdir);
    write_file(p2, buf, n);
    ck_assert_ptr_null(wacc_artifact_load(e, p2, err));
    snprintf(want, sizeof want, "%s: corrupt artifact (checksum mismatch)", p2);
    ck_assert_str_eq(err, want);
    free(buf);
    wacc_artifact *a = wacc_artifact_load(e, path, err);
    ck_assert_msg(a != NULL, "%s", err);
    /* loading the same path twice works (dlopen refcount) */
    wacc_artifact *b = wacc_artifact_load(e, path, err);
    ck_assert_msg(b != NULL, "%s", err);
    wacc_artifact_free(a);
    wacc_artifact_free(b);
    wacc_engine_free(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("objects");
    tcase_add_test(tc, memory_grow_limits);
    tcase_add_test(tc, table_ops);
    tcase_add_test(tc, globals);
    tcase_add_test(tc, host_funcs);
    tcase_add_test(tc, signature_registry);
    tcase_add_test(tc, load_errors);
    suite_add_tcase(s, tc);
    TCase *e2e = tcase_create("e2e");
    tcase_set_timeout(e2e, 60);
    tcase_add_test(e2e, e2e_calls);
    tcase_add_test(e2e, e2e_traps);
    tcase_add_test(e2e, e2e_nested);
    tcase_add_test(e2e, e2e_link_errors);
    tcase_add_test(e2e, e2e_corrupt);
    tcase_add_test(e2e, e2e_thread);
    tcase_add_test(e2e, deadlines);
    tcase_add_test_raise_signal(e2e, foreign_segv, SIGSEGV);
    suite_add_tcase(s, e2e);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
