/* Unit tests of the Canonical ABI library (abi-glue, waccabi): layouts,
 * flattening, load/store and lift/lower round trips, string transcoding
 * (with the spec's realloc sequences), every trap, resources. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

#define P(k) wacc_ctype_prim(WACC_CT_##k)

/* ---- fixture: a linear memory with a logging bump allocator ----------------- */

#define MEMSZ 65536u

typedef struct rcall {
    uint64_t old, oldsz, align, newsz, ret;
} rcall;

typedef struct env {
    uint8_t mem[MEMSZ];
    uint64_t bump;
    rcall calls[64];
    int ncalls;
    int trap_on;          /* trap on this call number (1-based), 0 never */
    uint64_t misalign;    /* added to returned pointers */
    wacc_arena arena, types;
    wacc_abi_cx cx;
    wacc_cinst inst;
} env;

static int bump_realloc(void *ctx, wacc_abi_cx *cx, uint64_t old, uint64_t oldsz, uint64_t align,
                        uint64_t newsz, uint64_t *out)
{
    env *e = ctx;
    (void)cx;
    if (e->ncalls < 64) e->calls[e->ncalls] = (rcall){ old, oldsz, align, newsz, 0 };
    e->ncalls++;
    if (e->trap_on && e->ncalls == e->trap_on) return WACC_TRAP_UNREACHABLE;
    uint64_t p;
    if (old && newsz <= oldsz) {
        p = old;                           /* shrink in place */
    } else {
        p = (e->bump + align - 1) & ~(align - 1);
        if (p + newsz > MEMSZ) p = MEMSZ;  /* out of memory: pointer past the end */
        else {
            e->bump = p + newsz;
            if (old && oldsz) memmove(e->mem + p, e->mem + old, oldsz < newsz ? oldsz : newsz);
        }
    }
    p += e->misalign;
    if (e->ncalls <= 64) e->calls[e->ncalls - 1].ret = p;
    *out = p;
    return 0;
}

static env *E;

static void setup(void)
{
    E = calloc(1, sizeof *E);
    E->bump = 1024;
    wacc_arena_init(&E->arena);
    wacc_arena_init(&E->types);
    ck_assert_int_eq(wacc_cinst_init(&E->inst), 0);
    wacc_abi_cx_init(&E->cx);
    E->cx.mem = E->mem;
    E->cx.mem_size = MEMSZ;
    E->cx.realloc = bump_realloc;
    E->cx.realloc_ctx = E;
    E->cx.arena = &E->arena;
    E->cx.inst = &E->inst;
}

static void teardown(void)
{
    wacc_cinst_fini(&E->inst);
    wacc_arena_fini(&E->arena);
    wacc_arena_fini(&E->types);
    free(E);
}

static wacc_arena *TA(void) { return &E->types; }

static const wacc_ctype *record2(const char *a, const wacc_ctype *ta, const char *b, const wacc_ctype *tb)
{
    wacc_cfield f[2] = { { a, ta }, { b, tb } };
    return wacc_ctype_record(TA(), f, 2);
}

static const wacc_ctype *tuple2(const wacc_ctype *a, const wacc_ctype *b)
{
    const wacc_ctype *ts[2] = { a, b };
    return wacc_ctype_tuple(TA(), ts, 2);
}

static void assert_flat(const wacc_ctype *t, bool mem64, const char *expect)
{
    uint8_t f[64];
    uint32_t n = wacc_flatten_type(t, mem64, f, 64);
    char got[65];
    for (uint32_t i = 0; i < n && i < 64; i++)
        got[i] = f[i] == WACC_FLAT_I32 ? 'i' : f[i] == WACC_FLAT_I64 ? 'I' : f[i] == WACC_FLAT_F32 ? 'f' : 'F';
    got[n < 64 ? n : 64] = 0;
    ck_assert_str_eq(got, expect);
}

/* ---- layout --------------------------------------------------------------------- */

START_TEST(t_layout_prims)
{
    struct { wacc_ckind k; uint32_t size, align; } c[] = {
        { WACC_CT_BOOL, 1, 1 }, { WACC_CT_S8, 1, 1 }, { WACC_CT_U8, 1, 1 }, { WACC_CT_S16, 2, 2 },
        { WACC_CT_U16, 2, 2 }, { WACC_CT_S32, 4, 4 }, { WACC_CT_U32, 4, 4 }, { WACC_CT_S64, 8, 8 },
        { WACC_CT_U64, 8, 8 }, { WACC_CT_F32, 4, 4 }, { WACC_CT_F64, 8, 8 }, { WACC_CT_CHAR, 4, 4 },
        { WACC_CT_STRING, 8, 4 }, { WACC_CT_ERROR_CONTEXT, 4, 4 },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        const wacc_ctype *t = wacc_ctype_prim(c[i].k);
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_eq(wacc_ctype_size(t, false), c[i].size);
        ck_assert_uint_eq(wacc_ctype_align(t, false), c[i].align);
    }
    ck_assert_uint_eq(wacc_ctype_size(P(STRING), true), 16);
    ck_assert_uint_eq(wacc_ctype_align(P(STRING), true), 8);
    ck_assert_ptr_null(wacc_ctype_prim(WACC_CT_LIST));
}
END_TEST

START_TEST(t_layout_compound)
{
    const wacc_ctype *t;
    wacc_cfield f3[3] = { { "a", P(U8) }, { "b", P(U32) }, { "c", P(U8) } };
    t = wacc_ctype_record(TA(), f3, 3);
    ck_assert_uint_eq(t->size[0], 12);
    ck_assert_uint_eq(t->align[0], 4);
    t = record2("a", P(U8), "b", P(U16));
    ck_assert_uint_eq(t->size[0], 4);
    ck_assert_uint_eq(t->align[0], 2);
    t = tuple2(P(U8), P(U64));
    ck_assert_uint_eq(t->size[0], 16);
    ck_assert_uint_eq(t->align[0], 8);
    t = tuple2(P(U8), P(STRING));
    ck_assert_uint_eq(t->size[0], 12);
    ck_assert_uint_eq(t->size[1], 24);

    t = wacc_ctype_list(TA(), P(U8));
    ck_assert_uint_eq(t->size[0], 8);
    ck_assert_uint_eq(t->align[0], 4);
    ck_assert_uint_eq(t->size[1], 16);
    t = wacc_ctype_list_fixed(TA(), P(U16), 3);
    ck_assert_uint_eq(t->size[0], 6);
    ck_assert_uint_eq(t->align[0], 2);
    ck_assert_ptr_null(wacc_ctype_list_fixed(TA(), P(U16), 0));
    ck_assert_ptr_null(wacc_ctype_list_fixed(TA(), P(U64), 1u << 26));   /* elem_size >= 2^28 */

    t = wacc_ctype_option(TA(), P(U8));
    ck_assert_uint_eq(t->size[0], 2);
    ck_assert_uint_eq(t->align[0], 1);
    t = wacc_ctype_option(TA(), P(U32));
    ck_assert_uint_eq(t->size[0], 8);
    ck_assert_uint_eq(t->align[0], 4);
    t = wacc_ctype_result(TA(), NULL, NULL);
    ck_assert_uint_eq(t->size[0], 1);
    ck_assert_uint_eq(t->align[0], 1);
    t = wacc_ctype_result(TA(), P(U64), P(STRING));
    ck_assert_uint_eq(t->size[0], 16);
    ck_assert_uint_eq(t->align[0], 8);
    t = wacc_ctype_result(TA(), P(STRING), P(U8));
    ck_assert_uint_eq(t->size[0], 12);
    ck_assert_uint_eq(t->align[0], 4);
    ck_assert_uint_eq(t->size[1], 24);
    ck_assert_uint_eq(t->align[1], 8);
    wacc_cfield vc[3] = { { "a", P(U8) }, { "b", P(U64) }, { "c", NULL } };
    t = wacc_ctype_variant(TA(), vc, 3);
    ck_assert_uint_eq(t->size[0], 16);
    ck_assert_uint_eq(t->align[0], 8);
    ck_assert_uint_eq(t->disc_size, 1);

    /* discriminant sizes */
    static const char *labels[70000];
    static char names[70000][8];
    for (int i = 0; i < 70000; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        labels[i] = names[i];
    }
    t = wacc_ctype_enum(TA(), labels, 256);
    ck_assert_uint_eq(t->size[0], 1);
    t = wacc_ctype_enum(TA(), labels, 257);
    ck_assert_uint_eq(t->size[0], 2);
    ck_assert_uint_eq(t->align[0], 2);
    t = wacc_ctype_enum(TA(), labels, 65536);
    ck_assert_uint_eq(t->size[0], 2);
    t = wacc_ctype_enum(TA(), labels, 65537);
    ck_assert_uint_eq(t->size[0], 4);

    /* flags */
    ck_assert_uint_eq(wacc_ctype_flags(TA(), labels, 1)->size[0], 1);
    ck_assert_uint_eq(wacc_ctype_flags(TA(), labels, 8)->size[0], 1);
    ck_assert_uint_eq(wacc_ctype_flags(TA(), labels, 9)->size[0], 2);
    ck_assert_uint_eq(wacc_ctype_flags(TA(), labels, 16)->size[0], 2);
    ck_assert_uint_eq(wacc_ctype_flags(TA(), labels, 17)->size[0], 4);
    ck_assert_uint_eq(wacc_ctype_flags(TA(), labels, 32)->align[0], 4);
    ck_assert_ptr_null(wacc_ctype_flags(TA(), labels, 33));
    ck_assert_ptr_null(wacc_ctype_flags(TA(), labels, 0));

    /* handles */
    wacc_resource_type rt = { 0 };
    ck_assert_uint_eq(wacc_ctype_own(TA(), &rt)->size[0], 4);
    ck_assert_uint_eq(wacc_ctype_borrow(TA(), &rt)->align[1], 4);
    ck_assert_uint_eq(wacc_ctype_stream(TA(), P(U8))->size[1], 4);
    ck_assert_uint_eq(wacc_ctype_future(TA(), NULL)->size[0], 4);

    /* empty types are not allowed */
    ck_assert_ptr_null(wacc_ctype_record(TA(), vc, 0));
    ck_assert_ptr_null(wacc_ctype_variant(TA(), vc, 0));
    ck_assert_ptr_null(wacc_ctype_tuple(TA(), NULL, 0));
    wacc_cfield bad[1] = { { "x", NULL } };
    ck_assert_ptr_null(wacc_ctype_record(TA(), bad, 1));
}
END_TEST

/* ---- flattening ------------------------------------------------------------------- */

START_TEST(t_flatten)
{
    assert_flat(P(STRING), false, "ii");
    assert_flat(P(STRING), true, "II");
    assert_flat(P(F64), false, "F");
    assert_flat(wacc_ctype_list(TA(), P(U8)), true, "II");
    assert_flat(wacc_ctype_list_fixed(TA(), P(U8), 4), false, "iiii");
    assert_flat(tuple2(P(F32), P(U64)), false, "fI");
    wacc_cfield a[2] = { { "a", P(F32) }, { "b", P(U32) } };
    assert_flat(wacc_ctype_variant(TA(), a, 2), false, "ii");
    wacc_cfield b[2] = { { "a", P(F32) }, { "b", P(U64) } };
    assert_flat(wacc_ctype_variant(TA(), b, 2), false, "iI");
    wacc_cfield c[2] = { { "a", P(F64) }, { "b", P(F32) } };
    assert_flat(wacc_ctype_variant(TA(), c, 2), false, "iI");
    assert_flat(wacc_ctype_option(TA(), P(F32)), false, "if");
    assert_flat(wacc_ctype_result(TA(), P(U64), tuple2(P(F32), P(F32))), false, "iIf");
    assert_flat(wacc_ctype_result(TA(), NULL, NULL), false, "i");
    assert_flat(wacc_ctype_result(TA(), P(STRING), P(U32)), false, "iii");
    assert_flat(wacc_ctype_result(TA(), P(STRING), P(U32)), true, "iII");
    const char *fl[3] = { "a", "b", "c" };
    assert_flat(wacc_ctype_flags(TA(), fl, 3), false, "i");
    assert_flat(wacc_ctype_enum(TA(), fl, 3), false, "i");
    /* a type with more than 16 flat values */
    const wacc_ctype *big = wacc_ctype_list_fixed(TA(), P(F32), 20);
    ck_assert_uint_eq(big->nflat, 20);
    assert_flat(big, false, "ffffffffffffffffffff");
    assert_flat(wacc_ctype_option(TA(), big), false, "iffffffffffffffffffff");
}
END_TEST

START_TEST(t_flatten_functype)
{
    const wacc_ctype *ps[20];
    for (int i = 0; i < 20; i++) ps[i] = P(U32);
    wacc_core_functype ft;
    wacc_flatten_functype(ps, 16, P(U32), false, false, false, WACC_ABI_LIFT, &ft);
    ck_assert_uint_eq(ft.nparams, 16);
    ck_assert(!ft.params_spilled);
    ck_assert_uint_eq(ft.nresults, 1);
    ck_assert_uint_eq(ft.results[0], WACC_FLAT_I32);
    wacc_flatten_functype(ps, 17, NULL, false, false, false, WACC_ABI_LIFT, &ft);
    ck_assert_uint_eq(ft.nparams, 1);
    ck_assert(ft.params_spilled);
    ck_assert_uint_eq(ft.nresults, 0);
    /* a string result: lift returns a pointer, lower takes an out-param */
    wacc_flatten_functype(ps, 2, P(STRING), false, false, false, WACC_ABI_LIFT, &ft);
    ck_assert_uint_eq(ft.nparams, 2);
    ck_assert_uint_eq(ft.nresults, 1);
    ck_assert(ft.results_spilled);
    wacc_flatten_functype(ps, 2, P(STRING), false, false, false, WACC_ABI_LOWER, &ft);
    ck_assert_uint_eq(ft.nparams, 3);
    ck_assert_uint_eq(ft.nresults, 0);
    wacc_flatten_functype(ps, 17, P(STRING), true, false, false, WACC_ABI_LOWER, &ft);
    ck_assert_uint_eq(ft.nparams, 2);
    ck_assert_uint_eq(ft.params[0], WACC_FLAT_I64);
    ck_assert_uint_eq(ft.params[1], WACC_FLAT_I64);
    /* async */
    wacc_flatten_functype(ps, 5, P(U32), false, true, false, WACC_ABI_LOWER, &ft);
    ck_assert_uint_eq(ft.nparams, 2);
    ck_assert_uint_eq(ft.nresults, 1);
    wacc_flatten_functype(ps, 4, NULL, false, true, false, WACC_ABI_LOWER, &ft);
    ck_assert_uint_eq(ft.nparams, 4);
    ck_assert_uint_eq(ft.nresults, 1);
    wacc_flatten_functype(ps, 5, P(U32), false, true, true, WACC_ABI_LIFT, &ft);
    ck_assert_uint_eq(ft.nparams, 5);
    ck_assert_uint_eq(ft.nresults, 1);
    wacc_flatten_functype(ps, 5, P(U32), false, true, false, WACC_ABI_LIFT, &ft);
    ck_assert_uint_eq(ft.nresults, 0);
}
END_TEST

/* ---- a type and value exercising every kind ----------------------------------------- */

static const char *const enum_labels[3] = { "red", "green", "blue" };
static const char *const flag_labels[10] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" };

static const wacc_ctype *every_type(void)
{
    wacc_cfield vc[3] = { { "none-case", NULL }, { "num", P(F64) }, { "text", P(STRING) } };
    wacc_cfield f[] = {
        { "b", P(BOOL) }, { "s8", P(S8) }, { "u16", P(U16) }, { "s32", P(S32) }, { "u64", P(U64) },
        { "f32", P(F32) }, { "f64", P(F64) }, { "ch", P(CHAR) }, { "str", P(STRING) },
        { "list", wacc_ctype_list(TA(), P(U32)) },
        { "tup", tuple2(P(U8), P(STRING)) },
        { "var", wacc_ctype_variant(TA(), vc, 3) },
        { "en", wacc_ctype_enum(TA(), enum_labels, 3) },
        { "opt", wacc_ctype_option(TA(), P(STRING)) },
        { "res", wacc_ctype_result(TA(), P(U32), P(STRING)) },
        { "fl", wacc_ctype_flags(TA(), flag_labels, 10) },
        { "fixed", wacc_ctype_list_fixed(TA(), P(S16), 3) },
        { "nested", wacc_ctype_list(TA(), wacc_ctype_list(TA(), P(STRING))) },
    };
    return wacc_ctype_record(TA(), f, sizeof f / sizeof f[0]);
}

static wacc_cval S(const char *s) { return wacc_cval_string(s, (uint32_t)strlen(s)); }

static wacc_cval every_value(void)
{
    static wacc_cval list[4], tup[2], varp, opt_p, res_p, fixed[3], inner[2][2], outer[2], fields[18];
    list[0] = wacc_cval_uint(WACC_CT_U32, 1);
    list[1] = wacc_cval_uint(WACC_CT_U32, 0xFFFFFFFFu);
    list[2] = wacc_cval_uint(WACC_CT_U32, 3);
    list[3] = wacc_cval_uint(WACC_CT_U32, 4);
    tup[0] = wacc_cval_uint(WACC_CT_U8, 200);
    tup[1] = S("tuple \xE2\x82\xAC");
    varp = S("variant text");
    opt_p = S("");
    res_p = S("error \xF0\x9F\x98\x80");
    for (int i = 0; i < 3; i++) fixed[i] = wacc_cval_sint(WACC_CT_S16, -1000 * i);
    inner[0][0] = S("a");
    inner[0][1] = S("bc");
    inner[1][0] = S("\xC3\xA9t\xC3\xA9");
    outer[0] = wacc_cval_list(inner[0], 2);
    outer[1] = wacc_cval_list(inner[1], 1);
    int k = 0;
    fields[k++] = wacc_cval_bool(true);
    fields[k++] = wacc_cval_sint(WACC_CT_S8, -128);
    fields[k++] = wacc_cval_uint(WACC_CT_U16, 65535);
    fields[k++] = wacc_cval_sint(WACC_CT_S32, -2);
    fields[k++] = wacc_cval_uint(WACC_CT_U64, 0x8000000000000001ull);
    fields[k++] = wacc_cval_f32(1.5f);
    fields[k++] = wacc_cval_f64(-2.25);
    fields[k++] = wacc_cval_char(0x1F600);
    fields[k++] = S("hello w\xC3\xB6rld");
    fields[k++] = wacc_cval_list(list, 4);
    fields[k++] = wacc_cval_tuple(tup, 2);
    fields[k++] = wacc_cval_variant(WACC_CT_VARIANT, 2, &varp);
    fields[k++] = wacc_cval_variant(WACC_CT_ENUM, 1, NULL);
    fields[k++] = wacc_cval_variant(WACC_CT_OPTION, 1, &opt_p);
    fields[k++] = wacc_cval_variant(WACC_CT_RESULT, 1, &res_p);
    fields[k++] = wacc_cval_flags(0x201);
    fields[k++] = wacc_cval_list(fixed, 3);
    fields[k++] = wacc_cval_list(outer, 2);
    return wacc_cval_record(fields, (uint32_t)k);
}

static void roundtrip_memory(uint8_t enc, bool mem64)
{
    E->cx.string_encoding = enc;
    E->cx.mem64 = mem64;
    const wacc_ctype *t = every_type();
    ck_assert_ptr_nonnull(t);
    wacc_cval v = every_value(), back;
    uint64_t ptr = 256;
    int e = wacc_abi_store(&E->cx, &v, t, ptr);
    ck_assert_msg(e == 0, "store: %s", E->cx.msg);
    e = wacc_abi_load(&E->cx, ptr, t, &back);
    ck_assert_msg(e == 0, "load: %s", E->cx.msg);
    char a[1024], b[1024];
    wacc_cval_format(a, sizeof a, &v, t);
    wacc_cval_format(b, sizeof b, &back, t);
    ck_assert_msg(wacc_cval_equal(&v, &back, t), "%s\n!=\n%s", a, b);
    ck_assert_str_eq(a, b);
    /* store what was loaded (strings now carry a non-utf8 hint) and load again */
    wacc_cval again;
    ck_assert_int_eq(wacc_abi_store(&E->cx, &back, t, 2048), 0);
    ck_assert_int_eq(wacc_abi_load(&E->cx, 2048, t, &again), 0);
    ck_assert(wacc_cval_equal(&v, &again, t));
}

START_TEST(t_roundtrip_memory)
{
    for (uint8_t enc = 0; enc < 3; enc++)
        for (int m = 0; m < 2; m++) {
            E->bump = 4096;
            roundtrip_memory(enc, m);
        }
}
END_TEST

START_TEST(t_roundtrip_flat_every_type)
{
    /* every field of every_type on its own through lower_flat/lift_flat */
    const wacc_ctype *t = every_type();
    wacc_cval v = every_value();
    for (int m = 0; m < 2; m++)
        for (uint8_t enc = 0; enc < 3; enc++) {
            E->cx.mem64 = m;
            E->cx.string_encoding = enc;
            for (uint32_t i = 0; i < t->n; i++) {
                const wacc_ctype *ft = t->fields[i].type;
                wacc_val flat[16];
                uint32_t pos = 0;
                int e = wacc_abi_lower_flat(&E->cx, &v.x.elems[i], ft, flat, 16, &pos);
                ck_assert_msg(e == 0, "lower %s: %s", t->fields[i].label, E->cx.msg);
                ck_assert_uint_eq(pos, ft->nflat);
                wacc_cval back;
                pos = 0;
                e = wacc_abi_lift_flat(&E->cx, flat, ft->nflat, &pos, ft, &back);
                ck_assert_msg(e == 0, "lift %s: %s", t->fields[i].label, E->cx.msg);
                ck_assert_uint_eq(pos, ft->nflat);
                ck_assert_msg(wacc_cval_equal(&v.x.elems[i], &back, ft), "field %s", t->fields[i].label);
            }
        }
}
END_TEST

START_TEST(t_values_spill)
{
    /* 18 u32 params: more than MAX_FLAT_PARAMS, spilled through memory */
    const wacc_ctype *ts[18];
    wacc_cval vs[18], back[18];
    for (int i = 0; i < 18; i++) {
        ts[i] = i == 5 ? P(STRING) : P(U32);
        vs[i] = i == 5 ? S("spilled") : wacc_cval_uint(WACC_CT_U32, 100 + i);
    }
    wacc_val flat[17];
    uint32_t n;
    E->ncalls = 0;
    int e = wacc_abi_lower_values(&E->cx, WACC_ABI_MAX_FLAT_PARAMS, vs, ts, 18, flat, 17, &n, NULL);
    ck_assert_msg(e == 0, "%s", E->cx.msg);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(E->ncalls, 2);                /* the tuple, then the string */
    ck_assert_uint_eq(E->calls[0].align, 4);
    ck_assert_uint_eq(E->calls[0].newsz, 17 * 4 + 8);
    uint32_t pos = 0;
    e = wacc_abi_lift_values(&E->cx, WACC_ABI_MAX_FLAT_PARAMS, flat, n, &pos, ts, 18, back);
    ck_assert_msg(e == 0, "%s", E->cx.msg);
    ck_assert_uint_eq(pos, 1);
    for (int i = 0; i < 18; i++) ck_assert(wacc_cval_equal(&vs[i], &back[i], ts[i]));

    /* a result through a caller-provided out-param */
    const wacc_ctype *rt[1] = { P(STRING) };
    uint64_t outp = 512;
    e = wacc_abi_lower_values(&E->cx, WACC_ABI_MAX_FLAT_RESULTS, &vs[5], rt, 1, flat, 17, &n, &outp);
    ck_assert_int_eq(e, 0);
    ck_assert_uint_eq(n, 0);
    wacc_val p = { .i32 = 512 };
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_values(&E->cx, 1, &p, 1, &pos, rt, 1, back), 0);
    ck_assert(wacc_cval_equal(&vs[5], &back[0], P(STRING)));

    /* not spilled: each value flat */
    e = wacc_abi_lower_values(&E->cx, 16, vs, ts, 3, flat, 17, &n, NULL);
    ck_assert_int_eq(e, 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(flat[2].i32, 102);

    /* spilled pointer checks */
    p.i32 = 514;       /* misaligned for a tuple of u32 */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_values(&E->cx, 16, &p, 1, &pos, ts, 18, back), WACC_ABI_E_ALIGN);
    p.i32 = MEMSZ - 8;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_values(&E->cx, 16, &p, 1, &pos, ts, 18, back), WACC_ABI_E_BOUNDS);
    /* too few flat values */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_values(&E->cx, 16, flat, 2, &pos, ts, 3, back), WACC_ABI_E_FLAT);
}
END_TEST

/* ---- scalars ------------------------------------------------------------------------ */

START_TEST(t_scalars_flat)
{
    wacc_cval v;
    uint32_t pos;
    wacc_val in;
    /* ints: high bits ignored, sign taken from the type */
    in.i64 = 0;
    in.i32 = 0x1FF;
    pos = 0;
    wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(U8), &v);
    ck_assert_uint_eq(v.x.u, 0xFF);
    pos = 0;
    wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(S8), &v);
    ck_assert_int_eq(v.x.s, -1);
    in.i32 = 0x18000;
    pos = 0;
    wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(S16), &v);
    ck_assert_int_eq(v.x.s, -32768);
    in.i32 = -1;
    pos = 0;
    wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(U32), &v);
    ck_assert_uint_eq(v.x.u, 0xFFFFFFFFu);
    /* bool: any nonzero is true */
    in.i32 = 0x100;
    pos = 0;
    wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(BOOL), &v);
    ck_assert(v.x.b);
    E->mem[10] = 7;
    wacc_abi_load(&E->cx, 10, P(BOOL), &v);
    ck_assert(v.x.b);
    /* NaN canonicalisation on lift */
    uint32_t nb = 0xffc00123u;
    memcpy(&in.f32, &nb, 4);
    pos = 0;
    wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(F32), &v);
    memcpy(&nb, &v.x.f32, 4);
    ck_assert_uint_eq(nb, WACC_ABI_CANONICAL_NAN32);
    uint64_t db = 0xfff0000000000001ull;
    memcpy(E->mem + 16, &db, 8);
    wacc_abi_load(&E->cx, 16, P(F64), &v);
    memcpy(&db, &v.x.f64, 8);
    ck_assert_uint_eq(db, WACC_ABI_CANONICAL_NAN64);
    /* chars */
    in.i32 = 0xD800;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(CHAR), &v), WACC_ABI_E_CHAR);
    in.i32 = 0xDFFF;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(CHAR), &v), WACC_ABI_E_CHAR);
    in.i32 = 0x110000;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(CHAR), &v), WACC_ABI_E_CHAR);
    in.i32 = -1;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(CHAR), &v), WACC_ABI_E_CHAR);
    in.i32 = 0x10FFFF;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &in, 1, &pos, P(CHAR), &v), 0);
    uint32_t bad = 0xD900;
    memcpy(E->mem + 20, &bad, 4);
    ck_assert_int_eq(wacc_abi_load(&E->cx, 20, P(CHAR), &v), WACC_ABI_E_CHAR);
    wacc_cval c = wacc_cval_char(0xDABC);
    ck_assert_int_eq(wacc_abi_store(&E->cx, &c, P(CHAR), 20), WACC_ABI_E_CHAR);
    /* lowering signed values: two's complement in the i32 */
    wacc_val o[2];
    wacc_cval s = wacc_cval_sint(WACC_CT_S8, -1);
    pos = 0;
    wacc_abi_lower_flat(&E->cx, &s, P(S8), o, 2, &pos);
    ck_assert_uint_eq((uint32_t)o[0].i32, 0xFFFFFFFFu);
    /* flags: bits beyond the count are ignored on lift and cleared on lower */
    const wacc_ctype *fl = wacc_ctype_flags(TA(), flag_labels, 3);
    in.i32 = 0xFF;
    pos = 0;
    wacc_abi_lift_flat(&E->cx, &in, 1, &pos, fl, &v);
    ck_assert_uint_eq(v.x.u, 7);
    wacc_cval fv = wacc_cval_flags(0xF5);
    ck_assert_int_eq(wacc_abi_store(&E->cx, &fv, fl, 30), 0);
    ck_assert_uint_eq(E->mem[30], 5);
    const wacc_ctype *fl10 = wacc_ctype_flags(TA(), flag_labels, 10);
    E->mem[32] = 0xFF, E->mem[33] = 0xFF;
    wacc_abi_load(&E->cx, 32, fl10, &v);
    ck_assert_uint_eq(v.x.u, 0x3FF);
}
END_TEST

START_TEST(t_variant_join)
{
    /* variant { a(f32), b(u64), c(string) }: flat [i32, i64, i32] */
    wacc_cfield cs[3] = { { "a", P(F32) }, { "b", P(U64) }, { "c", P(STRING) } };
    const wacc_ctype *t = wacc_ctype_variant(TA(), cs, 3);
    assert_flat(t, false, "iIi");
    wacc_cval pl = wacc_cval_f32(-3.5f), v = wacc_cval_variant(WACC_CT_VARIANT, 0, &pl), back;
    wacc_val o[3];
    memset(o, 0xAB, sizeof o);
    uint32_t pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, t, o, 3, &pos), 0);
    ck_assert_uint_eq(pos, 3);
    float f = -3.5f;
    uint32_t fb;
    memcpy(&fb, &f, 4);
    ck_assert_uint_eq((uint64_t)o[1].i64, fb);       /* f32 bits zero-extended into the i64 */
    ck_assert_int_eq(o[2].i32, 0);                  /* padding */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 3, &pos, t, &back), 0);
    ck_assert_uint_eq(pos, 3);
    ck_assert(wacc_cval_equal(&v, &back, t));
    /* i64 slot holding a NaN f32 with high garbage: wrapped, reinterpreted, canonicalised */
    o[0].i32 = 0;
    o[1].i64 = (int64_t)0xDEAD00007fc00001ull;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 3, &pos, t, &back), 0);
    memcpy(&fb, &back.x.payload->x.f32, 4);
    ck_assert_uint_eq(fb, WACC_ABI_CANONICAL_NAN32);
    /* string case: pointer from i64 slot wrapped to i32 */
    wacc_cval sp = S("xyz");
    v = wacc_cval_variant(WACC_CT_VARIANT, 2, &sp);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, t, o, 3, &pos), 0);
    o[1].i64 |= (int64_t)0x1234500000000000ull;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 3, &pos, t, &back), 0);
    ck_assert(wacc_cval_equal(&v, &back, t));
    /* bad discriminant */
    o[0].i32 = 3;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 3, &pos, t, &back), WACC_ABI_E_DISCRIMINANT);
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "invalid variant discriminant"));
    E->mem[40] = 3;
    ck_assert_int_eq(wacc_abi_load(&E->cx, 40, t, &back), WACC_ABI_E_DISCRIMINANT);
    const wacc_ctype *opt = wacc_ctype_option(TA(), P(U8));
    E->mem[42] = 2;
    ck_assert_int_eq(wacc_abi_load(&E->cx, 42, opt, &back), WACC_ABI_E_DISCRIMINANT);
    const wacc_ctype *en = wacc_ctype_enum(TA(), enum_labels, 3);
    o[0].i32 = -1;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 1, &pos, en, &back), WACC_ABI_E_DISCRIMINANT);
    /* a host value with a bad case index is a type error */
    v = wacc_cval_variant(WACC_CT_ENUM, 3, NULL);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, en, o, 3, &pos), WACC_ABI_E_TYPE);
}
END_TEST

/* ---- lists ---------------------------------------------------------------------------- */

START_TEST(t_list_traps)
{
    const wacc_ctype *lu32 = wacc_ctype_list(TA(), P(U32));
    const wacc_ctype *lu64 = wacc_ctype_list(TA(), P(U64));
    wacc_val fv[2];
    wacc_cval v;
    uint32_t pos;
    fv[0].i32 = 2; fv[1].i32 = 1;                  /* misaligned */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lu32, &v), WACC_ABI_E_ALIGN);
    fv[0].i32 = MEMSZ - 8; fv[1].i32 = 3;          /* out of bounds */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lu32, &v), WACC_ABI_E_BOUNDS);
    fv[0].i32 = 8; fv[1].i32 = -1;                 /* length * 8 overflows 32 bits */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lu64, &v), WACC_ABI_E_LENGTH);
    fv[0].i32 = 8; fv[1].i32 = 1 << 25;            /* 2^25 * 8 = 2^28 > MAX_LIST_BYTE_LENGTH */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lu64, &v), WACC_ABI_E_LENGTH);
    fv[0].i32 = MEMSZ; fv[1].i32 = 0;              /* empty list at the very end: fine */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lu64, &v), 0);
    ck_assert_uint_eq(v.n, 0);
    /* mem64: length over 2^32 */
    E->cx.mem64 = true;
    fv[0].i64 = 8; fv[1].i64 = (int64_t)(1ull << 40);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lu32, &v), WACC_ABI_E_LENGTH);
    fv[0].i64 = (int64_t)0xFFFFFFFFFFFFFFF8ull; fv[1].i64 = 1;   /* ptr + len wraps */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lu32, &v), WACC_ABI_E_BOUNDS);
    E->cx.mem64 = false;
    /* load/store top-level checks */
    ck_assert_int_eq(wacc_abi_load(&E->cx, 2, P(U32), &v), WACC_ABI_E_ALIGN);
    ck_assert_int_eq(wacc_abi_load(&E->cx, MEMSZ - 4, P(U64), &v), WACC_ABI_E_ALIGN);
    ck_assert_int_eq(wacc_abi_load(&E->cx, MEMSZ, P(U64), &v), WACC_ABI_E_BOUNDS);
    /* realloc returning a misaligned or out-of-bounds pointer */
    wacc_cval el[2] = { wacc_cval_uint(WACC_CT_U32, 1), wacc_cval_uint(WACC_CT_U32, 2) };
    wacc_cval l = wacc_cval_list(el, 2);
    wacc_val o[2];
    E->misalign = 2;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lu32, o, 2, &pos), WACC_ABI_E_ALIGN);
    E->misalign = MEMSZ;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lu32, o, 2, &pos), WACC_ABI_E_BOUNDS);
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "realloc return: beyond end of memory"));
    E->misalign = 0;
    /* realloc trapping */
    E->ncalls = 0;
    E->trap_on = 1;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lu32, o, 2, &pos), WACC_ABI_E_REALLOC);
    ck_assert_int_eq(E->cx.trap, WACC_TRAP_UNREACHABLE);
    E->trap_on = 0;
    /* no realloc option */
    E->cx.realloc = NULL;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lu32, o, 2, &pos), WACC_ABI_E_NO_MEMORY);
    E->cx.realloc = bump_realloc;
    /* a list value stored and the allocation made with the element alignment */
    E->ncalls = 0;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lu32, o, 2, &pos), 0);
    ck_assert_int_eq(E->ncalls, 1);
    ck_assert_uint_eq(E->calls[0].align, 4);
    ck_assert_uint_eq(E->calls[0].newsz, 8);
    ck_assert_int_eq(o[1].i32, 2);
    /* fixed-length list with the wrong number of elements */
    const wacc_ctype *fx = wacc_ctype_list_fixed(TA(), P(U32), 3);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, fx, o, 2, &pos), WACC_ABI_E_FLAT);
    ck_assert_int_eq(wacc_abi_store(&E->cx, &l, fx, 64), WACC_ABI_E_TYPE);
    /* kind mismatch */
    wacc_cval u = wacc_cval_uint(WACC_CT_U64, 1);
    ck_assert_int_eq(wacc_abi_store(&E->cx, &u, P(U32), 64), WACC_ABI_E_TYPE);
}
END_TEST

START_TEST(t_scalar_lists)
{
    /* every scalar element kind through memory (the tight-loop paths) */
    wacc_ckind kinds[] = { WACC_CT_BOOL, WACC_CT_S8, WACC_CT_U8, WACC_CT_S16, WACC_CT_U16, WACC_CT_S32,
                           WACC_CT_U32, WACC_CT_S64, WACC_CT_U64, WACC_CT_F32, WACC_CT_F64, WACC_CT_CHAR };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const wacc_ctype *et = wacc_ctype_prim(kinds[k]), *lt = wacc_ctype_list(TA(), et);
        wacc_cval el[5];
        for (int i = 0; i < 5; i++) {
            switch (kinds[k]) {
            case WACC_CT_BOOL: el[i] = wacc_cval_bool(i & 1); break;
            case WACC_CT_S8: case WACC_CT_S16: case WACC_CT_S32: case WACC_CT_S64:
                el[i] = wacc_cval_sint(kinds[k], -i * 3); break;
            case WACC_CT_F32: el[i] = wacc_cval_f32(i * 0.5f); break;
            case WACC_CT_F64: el[i] = wacc_cval_f64(-i * 0.25); break;
            case WACC_CT_CHAR: el[i] = wacc_cval_char(0x10000 + i); break;
            default: el[i] = wacc_cval_uint(kinds[k], 250 + i); break;
            }
        }
        wacc_cval l = wacc_cval_list(el, 5), back;
        wacc_val o[2];
        uint32_t pos = 0;
        ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lt, o, 2, &pos), 0);
        pos = 0;
        ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 2, &pos, lt, &back), 0);
        ck_assert_msg(wacc_cval_equal(&l, &back, lt), "kind %d", kinds[k]);
        /* a mismatching element is refused */
        el[3] = wacc_cval_string("x", 1);
        pos = 0;
        ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lt, o, 2, &pos), WACC_ABI_E_TYPE);
    }
    /* an invalid char inside a list<char> */
    const wacc_ctype *lc = wacc_ctype_list(TA(), P(CHAR));
    uint32_t cs[3] = { 'a', 0xD800, 'b' };
    memcpy(E->mem + 64, cs, sizeof cs);
    wacc_val fv[2] = { { .i32 = 64 }, { .i32 = 3 } };
    wacc_cval v;
    uint32_t pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lc, &v), WACC_ABI_E_CHAR);
    /* NaNs inside a list<f32> are canonicalised */
    const wacc_ctype *lf = wacc_ctype_list(TA(), P(F32));
    uint32_t nan = 0x7f800001u;
    memcpy(E->mem + 64, &nan, 4);
    fv[1].i32 = 1;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lf, &v), 0);
    memcpy(&nan, &v.x.elems[0].x.f32, 4);
    ck_assert_uint_eq(nan, WACC_ABI_CANONICAL_NAN32);
}
END_TEST

/* ---- strings --------------------------------------------------------------------------- */

/* Lifts the string at [ptr, units) written in memory under encoding enc. */
static wacc_cval lift_str(uint8_t enc, uint64_t ptr, uint64_t tagged, int expect)
{
    wacc_cval v;
    memset(&v, 0, sizeof v);
    E->cx.string_encoding = enc;
    int e = wacc_abi_load_string(&E->cx, ptr, tagged, &v);
    ck_assert_msg(e == expect, "lift: got %d (%s), expected %d", e, E->cx.msg, expect);
    return v;
}

static void put_u16s(uint64_t at, const uint16_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++) memcpy(E->mem + at + 2 * i, &u[i], 2);
}

static void store_str(uint8_t enc, const wacc_cval *v, uint64_t *ptr, uint64_t *cu)
{
    E->cx.string_encoding = enc;
    E->ncalls = 0;
    int e = wacc_abi_store_string(&E->cx, v, ptr, cu);
    ck_assert_msg(e == 0, "store: %s", E->cx.msg);
}

static void expect_call(int i, uint64_t old, uint64_t oldsz, uint64_t align, uint64_t newsz)
{
    ck_assert_int_gt(E->ncalls, i);
    ck_assert_uint_eq(E->calls[i].old, old);
    ck_assert_uint_eq(E->calls[i].oldsz, oldsz);
    ck_assert_uint_eq(E->calls[i].align, align);
    ck_assert_uint_eq(E->calls[i].newsz, newsz);
}

START_TEST(t_string_utf8_to_others)
{
    uint64_t p, cu;
    wacc_cval hello = S("hello");
    store_str(WACC_STRENC_UTF8, &hello, &p, &cu);
    ck_assert_int_eq(E->ncalls, 1);
    expect_call(0, 0, 0, 1, 5);
    ck_assert_uint_eq(cu, 5);
    ck_assert(memcmp(E->mem + p, "hello", 5) == 0);

    store_str(WACC_STRENC_UTF16, &hello, &p, &cu);
    ck_assert_int_eq(E->ncalls, 1);                 /* worst case = exact: no shrink */
    expect_call(0, 0, 0, 2, 10);
    ck_assert_uint_eq(cu, 5);
    ck_assert_uint_eq(E->mem[p + 4], 'l');
    ck_assert_uint_eq(E->mem[p + 5], 0);

    wacc_cval h2 = S("h\xC3\xA9llo");              /* héllo, 6 bytes */
    store_str(WACC_STRENC_UTF16, &h2, &p, &cu);
    ck_assert_int_eq(E->ncalls, 2);
    expect_call(0, 0, 0, 2, 12);
    expect_call(1, p, 12, 2, 10);
    ck_assert_uint_eq(cu, 5);
    ck_assert_uint_eq(E->mem[p + 2], 0xE9);

    store_str(WACC_STRENC_LATIN1_UTF16, &h2, &p, &cu);   /* fits latin1: shrink 6 -> 5 */
    ck_assert_int_eq(E->ncalls, 2);
    expect_call(0, 0, 0, 2, 6);
    expect_call(1, p, 6, 2, 5);
    ck_assert_uint_eq(cu, 5);
    ck_assert(memcmp(E->mem + p, "h\xE9llo", 5) == 0);

    wacc_cval h3 = S("h\xC3\xA9\xE2\x82\xAClo");   /* hé€lo, 8 bytes: doesn't fit latin1 */
    store_str(WACC_STRENC_LATIN1_UTF16, &h3, &p, &cu);
    ck_assert_int_eq(E->ncalls, 3);
    expect_call(0, 0, 0, 2, 8);
    expect_call(1, E->calls[0].ret, 8, 2, 16);
    expect_call(2, p, 16, 2, 10);
    ck_assert_uint_eq(cu, 5u | (1u << 31));
    uint16_t want[5] = { 'h', 0xE9, 0x20AC, 'l', 'o' };
    ck_assert(memcmp(E->mem + p, want, 10) == 0);

    /* round trip through each encoding: the lifted value is the same UTF-8 */
    wacc_cval emoji = S("a\xF0\x9F\x98\x80z\xC3\xBF");   /* a😀zÿ */
    for (uint8_t enc = 0; enc < 3; enc++) {
        store_str(enc, &emoji, &p, &cu);
        wacc_cval back = lift_str(enc, p, cu, 0);
        ck_assert_uint_eq(back.n, emoji.n);
        ck_assert(memcmp(back.x.str, emoji.x.str, emoji.n) == 0);
    }
    /* the empty string */
    wacc_cval empty = S("");
    for (uint8_t enc = 0; enc < 3; enc++) {
        store_str(enc, &empty, &p, &cu);
        ck_assert_uint_eq(cu, 0);
        wacc_cval back = lift_str(enc, p, cu, 0);
        ck_assert_uint_eq(back.n, 0);
    }
}
END_TEST

START_TEST(t_string_transcode_from_lifted)
{
    uint64_t p, cu;
    /* utf16 source "a😀" (3 code units) stored as utf8: alloc 3, grow to 9, shrink to 5 */
    uint16_t u[3] = { 'a', 0xD83D, 0xDE00 };
    put_u16s(100, u, 3);
    wacc_cval v = lift_str(WACC_STRENC_UTF16, 100, 3, 0);
    ck_assert_uint_eq(v.n, 5);
    ck_assert(memcmp(v.x.str, "a\xF0\x9F\x98\x80", 5) == 0);
    ck_assert_uint_eq(v.units, 3);
    store_str(WACC_STRENC_UTF8, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 3);
    expect_call(0, 0, 0, 1, 3);
    expect_call(1, E->calls[0].ret, 3, 1, 9);
    expect_call(2, p, 9, 1, 5);
    ck_assert_uint_eq(cu, 5);
    ck_assert(memcmp(E->mem + p, "a\xF0\x9F\x98\x80", 5) == 0);
    /* utf16 -> utf16: a plain copy of 2*units */
    store_str(WACC_STRENC_UTF16, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 1);
    expect_call(0, 0, 0, 2, 6);
    ck_assert_uint_eq(cu, 3);
    ck_assert(memcmp(E->mem + p, u, 6) == 0);
    /* utf16 -> latin1+utf16: speculative latin1, then inflate */
    store_str(WACC_STRENC_LATIN1_UTF16, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 2);                 /* 3 -> 6, exact: no shrink */
    expect_call(0, 0, 0, 2, 3);
    expect_call(1, E->calls[0].ret, 3, 2, 6);
    ck_assert_uint_eq(cu, 3u | (1u << 31));
    ck_assert(memcmp(E->mem + p, u, 6) == 0);

    /* ASCII-only utf16 source to utf8: no reallocation */
    uint16_t ab[2] = { 'o', 'k' };
    put_u16s(200, ab, 2);
    v = lift_str(WACC_STRENC_UTF16, 200, 2, 0);
    store_str(WACC_STRENC_UTF8, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 1);
    ck_assert_uint_eq(cu, 2);

    /* latin1 (latin1+utf16, untagged) "é!" -> utf8: alloc 2, grow to worst 4, shrink to 3 */
    E->mem[300] = 0xE9, E->mem[301] = '!';
    v = lift_str(WACC_STRENC_LATIN1_UTF16, 300, 2, 0);
    ck_assert_uint_eq(v.strhint, WACC_STRHINT_COMPACT_LATIN1);
    ck_assert(memcmp(v.x.str, "\xC3\xA9!", 3) == 0);
    store_str(WACC_STRENC_UTF8, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 3);
    expect_call(0, 0, 0, 1, 2);
    expect_call(1, E->calls[0].ret, 2, 1, 4);
    expect_call(2, p, 4, 1, 3);
    ck_assert_uint_eq(cu, 3);
    /* latin1 -> utf16: copy with inflation */
    store_str(WACC_STRENC_UTF16, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 1);
    expect_call(0, 0, 0, 2, 4);
    ck_assert_uint_eq(E->mem[p], 0xE9);
    ck_assert_uint_eq(E->mem[p + 1], 0);
    /* latin1 -> latin1+utf16: byte copy, alignment 2 */
    store_str(WACC_STRENC_LATIN1_UTF16, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 1);
    expect_call(0, 0, 0, 2, 2);
    ck_assert_uint_eq(cu, 2);
    ck_assert_uint_eq(E->mem[p], 0xE9);

    /* latin1+utf16 tagged utf16 "abc" -> latin1+utf16: deflated to latin1 */
    uint16_t abc[3] = { 'a', 0xFF, 'c' };
    put_u16s(400, abc, 3);
    v = lift_str(WACC_STRENC_LATIN1_UTF16, 400, 3u | (1u << 31), 0);
    ck_assert_uint_eq(v.strhint, WACC_STRHINT_COMPACT_UTF16);
    store_str(WACC_STRENC_LATIN1_UTF16, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 2);
    expect_call(0, 0, 0, 2, 6);
    expect_call(1, E->calls[0].ret, 6, 1, 3);
    ck_assert_uint_eq(cu, 3);
    ck_assert(memcmp(E->mem + p, "a\xFF" "c", 3) == 0);
    /* ... and stays utf16 when it has to */
    uint16_t wide[2] = { 'a', 0x100 };
    put_u16s(420, wide, 2);
    v = lift_str(WACC_STRENC_LATIN1_UTF16, 420, 2u | (1u << 31), 0);
    store_str(WACC_STRENC_LATIN1_UTF16, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 1);
    ck_assert_uint_eq(cu, 2u | (1u << 31));
    ck_assert(memcmp(E->mem + p, wide, 4) == 0);
    /* compact utf16 -> utf8 uses the utf16 worst case (3 per unit) */
    store_str(WACC_STRENC_UTF8, &v, &p, &cu);
    ck_assert_int_eq(E->ncalls, 3);
    expect_call(1, E->calls[0].ret, 2, 1, 6);
    ck_assert_uint_eq(cu, 3);
}
END_TEST

START_TEST(t_string_traps)
{
    /* invalid UTF-8 */
    const char *bad8[] = { "\xC0\x80", "\xED\xA0\x80", "\xF5\x80\x80\x80", "\xE2\x82", "\x80",
                           "\xF4\x90\x80\x80", "ok\xFF" };
    for (size_t i = 0; i < sizeof bad8 / sizeof bad8[0]; i++) {
        size_t n = strlen(bad8[i]);
        memcpy(E->mem + 500, bad8[i], n);
        lift_str(WACC_STRENC_UTF8, 500, n, WACC_ABI_E_ENCODING);
        /* the same bytes as a host value are refused when lowered */
        wacc_cval hv = wacc_cval_string(bad8[i], (uint32_t)n);
        uint64_t p, cu;
        for (uint8_t enc = 0; enc < 3; enc++) {
            E->cx.string_encoding = enc;
            ck_assert_int_eq(wacc_abi_store_string(&E->cx, &hv, &p, &cu), WACC_ABI_E_ENCODING);
        }
    }
    /* messages as the spec tests expect them */
    E->mem[500] = 0xFF;
    lift_str(WACC_STRENC_UTF8, 500, 1, WACC_ABI_E_ENCODING);
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "invalid utf-8"));
    E->mem[500] = 0xC3;
    lift_str(WACC_STRENC_UTF8, 500, 1, WACC_ABI_E_ENCODING);
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "incomplete utf-8 byte sequence"));
    memcpy(E->mem + 500, "\xF0\x9F\x98", 3);
    lift_str(WACC_STRENC_UTF8, 500, 3, WACC_ABI_E_ENCODING);
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "incomplete utf-8 byte sequence"));
    memcpy(E->mem + 500, "\xF0\x9F\x41", 3);
    lift_str(WACC_STRENC_UTF8, 500, 3, WACC_ABI_E_ENCODING);
    ck_assert_ptr_null(strstr(E->cx.msg, "incomplete"));
    lift_str(WACC_STRENC_UTF8, MEMSZ - 1, 2, WACC_ABI_E_BOUNDS);
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "string content out-of-bounds"));
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "string pointer/length out of bounds of memory"));
    lift_str(WACC_STRENC_UTF16, 501, 1, WACC_ABI_E_ALIGN);
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "unaligned pointer"));
    ck_assert_ptr_nonnull(strstr(E->cx.msg, "not aligned to 2"));
    /* valid 4-byte and 3-byte sequences at the edges */
    memcpy(E->mem + 500, "\xF4\x8F\xBF\xBF\xEF\xBF\xBF", 7);
    lift_str(WACC_STRENC_UTF8, 500, 7, 0);
    /* invalid UTF-16: lone high, lone low, reversed pair, high at the end */
    uint16_t s1[2] = { 0xD800, 'a' }, s2[1] = { 0xDC00 }, s3[2] = { 0xDC00, 0xD800 }, s4[2] = { 'a', 0xDBFF };
    put_u16s(600, s1, 2);
    lift_str(WACC_STRENC_UTF16, 600, 2, WACC_ABI_E_ENCODING);
    put_u16s(600, s2, 1);
    lift_str(WACC_STRENC_UTF16, 600, 1, WACC_ABI_E_ENCODING);
    put_u16s(600, s3, 2);
    lift_str(WACC_STRENC_UTF16, 600, 2, WACC_ABI_E_ENCODING);
    put_u16s(600, s4, 2);
    lift_str(WACC_STRENC_UTF16, 600, 2, WACC_ABI_E_ENCODING);
    lift_str(WACC_STRENC_LATIN1_UTF16, 600, 2u | (1u << 31), WACC_ABI_E_ENCODING);
    /* alignment: utf16 and latin1+utf16 need 2, utf8 does not */
    lift_str(WACC_STRENC_UTF16, 601, 1, WACC_ABI_E_ALIGN);
    lift_str(WACC_STRENC_LATIN1_UTF16, 601, 1, WACC_ABI_E_ALIGN);
    memcpy(E->mem + 601, "x", 1);
    lift_str(WACC_STRENC_UTF8, 601, 1, 0);
    /* bounds */
    lift_str(WACC_STRENC_UTF8, MEMSZ - 2, 3, WACC_ABI_E_BOUNDS);
    lift_str(WACC_STRENC_UTF16, MEMSZ - 2, 2, WACC_ABI_E_BOUNDS);
    lift_str(WACC_STRENC_UTF8, MEMSZ + 1, 0, WACC_ABI_E_BOUNDS);
    lift_str(WACC_STRENC_UTF8, MEMSZ, 0, 0);
    /* length limits */
    lift_str(WACC_STRENC_UTF8, 0, 1u << 28, WACC_ABI_E_LENGTH);
    lift_str(WACC_STRENC_UTF16, 0, 1u << 27, WACC_ABI_E_LENGTH);
    lift_str(WACC_STRENC_UTF16, 0, 0xFFFFFFFFu, WACC_ABI_E_LENGTH);
    lift_str(WACC_STRENC_LATIN1_UTF16, 0, (1u << 31) | (1u << 27), WACC_ABI_E_LENGTH);
    /* mem64: the tag is bit 63 */
    E->cx.mem64 = true;
    uint16_t w[1] = { 0x263A };
    put_u16s(700, w, 1);
    wacc_cval v = lift_str(WACC_STRENC_LATIN1_UTF16, 700, 1ull | (1ull << 63), 0);
    ck_assert(memcmp(v.x.str, "\xE2\x98\xBA", 3) == 0);
    uint64_t p, cu;
    store_str(WACC_STRENC_LATIN1_UTF16, &v, &p, &cu);
    ck_assert_uint_eq(cu, 1ull | (1ull << 63));
    lift_str(WACC_STRENC_UTF16, 0, 1ull << 62, WACC_ABI_E_LENGTH);
    E->cx.mem64 = false;
    /* no memory option */
    E->cx.mem = NULL;
    lift_str(WACC_STRENC_UTF8, 0, 0, WACC_ABI_E_NO_MEMORY);
    E->cx.mem = E->mem;
    /* realloc trap in the middle of transcoding */
    wacc_cval h3 = S("h\xE2\x82\xAC");
    E->cx.string_encoding = WACC_STRENC_LATIN1_UTF16;
    E->ncalls = 0;
    E->trap_on = 2;
    ck_assert_int_eq(wacc_abi_store_string(&E->cx, &h3, &p, &cu), WACC_ABI_E_REALLOC);
    E->trap_on = 0;
    /* realloc returning an odd pointer for utf16 */
    E->misalign = 1;
    E->cx.string_encoding = WACC_STRENC_UTF16;
    ck_assert_int_eq(wacc_abi_store_string(&E->cx, &h3, &p, &cu), WACC_ABI_E_ALIGN);
    E->misalign = 0;
    /* realloc may not be re-entered from within realloc (may_leave) */
    E->inst.may_leave = false;
    ck_assert_int_eq(wacc_abi_store_string(&E->cx, &h3, &p, &cu), WACC_ABI_E_MAY_LEAVE);
    E->inst.may_leave = true;
}
END_TEST

/* ---- resources ---------------------------------------------------------------------------- */

typedef struct dtor_log {
    uint32_t reps[16];
    int n;
    int trap;
} dtor_log;

static int dtor(void *ctx, uint32_t rep)
{
    dtor_log *l = ctx;
    if (l->n < 16) l->reps[l->n++] = rep;
    return l->trap;
}

START_TEST(t_resources_table)
{
    dtor_log log = { 0 };
    wacc_resource_type rt = { .impl = &E->inst, .dtor = dtor, .dtor_ctx = &log, .name = "file" };
    wacc_resource_type other = { .name = "other" };
    char msg[128];
    uint32_t i1, i2, i3, i4, i5, rep;
    ck_assert_int_eq(wacc_resource_new(&E->inst, &rt, 10, &i1, msg, sizeof msg), 0);
    ck_assert_int_eq(wacc_resource_new(&E->inst, &rt, 20, &i2, msg, sizeof msg), 0);
    ck_assert_int_eq(wacc_resource_new(&E->inst, &rt, 30, &i3, msg, sizeof msg), 0);
    ck_assert_uint_eq(i1, 1);                       /* index 0 is reserved */
    ck_assert_uint_eq(i3, 3);
    ck_assert_int_eq(wacc_resource_rep(&E->inst, &rt, i2, &rep, msg, sizeof msg), 0);
    ck_assert_uint_eq(rep, 20);
    ck_assert_int_eq(wacc_resource_rep(&E->inst, &other, i2, &rep, msg, sizeof msg), WACC_ABI_E_HANDLE);
    ck_assert_int_eq(wacc_resource_rep(&E->inst, &rt, 0, &rep, msg, sizeof msg), WACC_ABI_E_HANDLE);
    ck_assert_int_eq(wacc_resource_rep(&E->inst, &rt, 99, &rep, msg, sizeof msg), WACC_ABI_E_HANDLE);
    ck_assert_str_eq(msg, "unknown handle index 99");
    ck_assert_int_eq(wacc_resource_drop(&E->inst, &other, i2, NULL, msg, sizeof msg), WACC_ABI_E_HANDLE);
    ck_assert_int_eq(wacc_resource_drop(&E->inst, &rt, i2, NULL, msg, sizeof msg), 0);
    ck_assert_int_eq(wacc_resource_drop(&E->inst, &rt, i3, NULL, msg, sizeof msg), 0);
    ck_assert_int_eq(log.n, 2);
    ck_assert_uint_eq(log.reps[0], 20);
    ck_assert_uint_eq(log.reps[1], 30);
    ck_assert_int_eq(wacc_resource_drop(&E->inst, &rt, i2, NULL, msg, sizeof msg), WACC_ABI_E_HANDLE);
    ck_assert_int_eq(wacc_resource_rep(&E->inst, &rt, i2, &rep, msg, sizeof msg), WACC_ABI_E_HANDLE);
    /* LIFO free list: 3 comes back first, then 2, then the table grows */
    wacc_resource_new(&E->inst, &rt, 40, &i4, msg, sizeof msg);
    wacc_resource_new(&E->inst, &rt, 50, &i5, msg, sizeof msg);
    ck_assert_uint_eq(i4, 3);
    ck_assert_uint_eq(i5, 2);
    wacc_resource_new(&E->inst, &rt, 60, &i5, msg, sizeof msg);
    ck_assert_uint_eq(i5, 4);
    /* growth past the initial capacity */
    for (int k = 0; k < 100; k++) ck_assert_int_eq(wacc_resource_new(&E->inst, &rt, k, &i5, msg, sizeof msg), 0);
    ck_assert_uint_eq(i5, 104);
    ck_assert_int_eq(wacc_resource_rep(&E->inst, &rt, 54, &rep, msg, sizeof msg), 0);
    ck_assert_uint_eq(rep, 49);
    /* a trapping destructor */
    log.trap = WACC_TRAP_UNREACHABLE;
    int trap = 0;
    ck_assert_int_eq(wacc_resource_drop(&E->inst, &rt, 1, &trap, msg, sizeof msg), WACC_ABI_E_DTOR);
    ck_assert_int_eq(trap, WACC_TRAP_UNREACHABLE);
    /* may_leave */
    E->inst.may_leave = false;
    ck_assert_int_eq(wacc_resource_new(&E->inst, &rt, 1, &i5, msg, sizeof msg), WACC_ABI_E_MAY_LEAVE);
    ck_assert_int_eq(wacc_resource_drop(&E->inst, &rt, 3, NULL, msg, sizeof msg), WACC_ABI_E_MAY_LEAVE);
    E->inst.may_leave = true;
}
END_TEST

START_TEST(t_resources_own_borrow)
{
    /* resource implemented by instance A (the fixture instance), used by B */
    wacc_cinst B;
    ck_assert_int_eq(wacc_cinst_init(&B), 0);
    dtor_log log = { 0 };
    wacc_resource_type rt = { .impl = &E->inst, .dtor = dtor, .dtor_ctx = &log, .name = "res" };
    const wacc_ctype *own = wacc_ctype_own(TA(), &rt), *bor = wacc_ctype_borrow(TA(), &rt);
    char msg[128];
    uint32_t h, pos, rep;

    /* A creates a resource and returns it (lift own from A, lower own into B) */
    ck_assert_int_eq(wacc_resource_new(&E->inst, &rt, 77, &h, msg, sizeof msg), 0);
    wacc_val fv = { .i32 = (int32_t)h };
    wacc_cval v;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &fv, 1, &pos, own, &v), 0);
    ck_assert_uint_eq(v.x.u, 77);
    ck_assert_ptr_null(wacc_htable_get(&E->inst.handles, h));   /* moved out */
    wacc_cval junk;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &fv, 1, &pos, own, &junk), WACC_ABI_E_HANDLE);
    wacc_abi_cx cb = E->cx;
    cb.inst = &B;
    wacc_val o;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&cb, &v, own, &o, 1, &pos), 0);
    uint32_t hb = (uint32_t)o.i32;
    ck_assert_uint_eq(hb, 1);

    /* B calls A passing borrow<res>: lift borrow in B (subtask), lower in A (task) */
    wacc_subtask st;
    wacc_subtask_init(&st, &B);
    wacc_task task;
    wacc_task_init(&task);
    cb.subtask = &st;
    fv.i32 = (int32_t)hb;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&cb, &fv, 1, &pos, bor, &v), 0);
    ck_assert_uint_eq(v.x.u, 77);
    ck_assert_uint_eq(wacc_htable_get(&B.handles, hb)->num_lends, 1);
    /* while lent: B can neither drop it nor pass it as own */
    ck_assert_int_eq(wacc_resource_drop(&B, &rt, hb, NULL, msg, sizeof msg), WACC_ABI_E_BORROW);
    ck_assert_ptr_nonnull(strstr(msg, "cannot remove owned resource while borrowed"));
    uint32_t r2;
    ck_assert_int_eq(wacc_abi_lift_own(&cb, hb, own, &r2), WACC_ABI_E_BORROW);
    /* lowered into A, the implementer: the rep itself, no handle */
    E->cx.task = &task;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, bor, &o, 1, &pos), 0);
    ck_assert_uint_eq((uint32_t)o.i32, 77);
    ck_assert_uint_eq(task.num_borrows, 0);
    ck_assert_int_eq(wacc_task_return(&task, msg, sizeof msg), 0);
    wacc_subtask_deliver_resolve(&st);
    ck_assert_uint_eq(wacc_htable_get(&B.handles, hb)->num_lends, 0);

    /* a third instance C receives the borrow: a borrow handle scoped to the task */
    wacc_cinst C;
    wacc_cinst_init(&C);
    wacc_abi_cx cc = E->cx;
    cc.inst = &C;
    wacc_task t2;
    wacc_task_init(&t2);
    cc.task = &t2;
    uint32_t hc;
    ck_assert_int_eq(wacc_abi_lower_borrow(&cc, 77, bor, &hc), 0);
    ck_assert_uint_eq(t2.num_borrows, 1);
    ck_assert_int_eq(wacc_resource_rep(&C, &rt, hc, &rep, msg, sizeof msg), 0);
    ck_assert_uint_eq(rep, 77);
    /* returning with the borrow still held traps */
    ck_assert_int_eq(wacc_task_return(&t2, msg, sizeof msg), WACC_ABI_E_BORROW);
    /* a borrow handle cannot be passed as own */
    ck_assert_int_eq(wacc_abi_lift_own(&cc, hc, own, &r2), WACC_ABI_E_BORROW);
    /* dropping the borrow: no destructor, borrow count back to 0 */
    ck_assert_int_eq(wacc_resource_drop(&C, &rt, hc, NULL, msg, sizeof msg), 0);
    ck_assert_int_eq(log.n, 0);
    ck_assert_uint_eq(t2.num_borrows, 0);
    ck_assert_int_eq(wacc_task_return(&t2, msg, sizeof msg), 0);
    /* borrow lowered without a task / lifted without a subtask */
    cc.task = NULL;
    ck_assert_int_eq(wacc_abi_lower_borrow(&cc, 77, bor, &hc), WACC_ABI_E_BORROW);
    cb.subtask = NULL;
    ck_assert_int_eq(wacc_abi_lift_borrow(&cb, hb, bor, &r2), WACC_ABI_E_BORROW);
    /* wrong resource type */
    wacc_resource_type rt2 = { .name = "other" };
    const wacc_ctype *own2 = wacc_ctype_own(TA(), &rt2);
    ck_assert_int_eq(wacc_abi_lift_own(&cb, hb, own2, &r2), WACC_ABI_E_HANDLE);

    /* B drops its own handle: the destructor runs with the rep */
    ck_assert_int_eq(wacc_resource_drop(&B, &rt, hb, NULL, msg, sizeof msg), 0);
    ck_assert_int_eq(log.n, 1);
    ck_assert_uint_eq(log.reps[0], 77);

    /* many borrows in one call (lenders beyond the inline storage) */
    wacc_subtask st2;
    wacc_subtask_init(&st2, &B);
    cb.subtask = &st2;
    uint32_t hs[20];
    for (int k = 0; k < 20; k++) {
        ck_assert_int_eq(wacc_resource_new(&B, &rt, 100 + k, &hs[k], msg, sizeof msg), 0);
        ck_assert_int_eq(wacc_abi_lift_borrow(&cb, hs[k], bor, &r2), 0);
        ck_assert_uint_eq(r2, 100 + k);
    }
    ck_assert_int_eq(wacc_abi_lift_borrow(&cb, hs[3], bor, &r2), 0);    /* twice */
    ck_assert_uint_eq(wacc_htable_get(&B.handles, hs[3])->num_lends, 2);
    wacc_subtask_deliver_resolve(&st2);
    for (int k = 0; k < 20; k++) ck_assert_uint_eq(wacc_htable_get(&B.handles, hs[k])->num_lends, 0);
    ck_assert_int_eq(wacc_abi_lift_borrow(&cb, hs[0], bor, &r2), WACC_ABI_E_BORROW);  /* resolved */

    wacc_cinst_fini(&C);
    wacc_cinst_fini(&B);
}
END_TEST

START_TEST(t_error_context_stream)
{
    const wacc_ctype *ec = P(ERROR_CONTEXT), *st = wacc_ctype_stream(TA(), P(U8));
    const wacc_ctype *st2 = wacc_ctype_stream(TA(), P(U16));
    int obj1, obj2;
    wacc_cval v = wacc_cval_object(WACC_CT_ERROR_CONTEXT, &obj1), back;
    wacc_val o;
    uint32_t pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, ec, &o, 1, &pos), 0);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &o, 1, &pos, ec, &back), 0);
    ck_assert_ptr_eq(back.x.obj, &obj1);
    pos = 0;   /* error-context lifting leaves the handle in place */
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &o, 1, &pos, ec, &back), 0);
    /* wrong kind of handle */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &o, 1, &pos, st, &back), WACC_ABI_E_HANDLE);
    /* streams move; the element type must match */
    v = wacc_cval_object(WACC_CT_STREAM, &obj2);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, st, &o, 1, &pos), 0);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &o, 1, &pos, st2, &back), WACC_ABI_E_HANDLE);
    wacc_htable_get(&E->inst.handles, (uint32_t)o.i32)->busy = 1;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &o, 1, &pos, st, &back), WACC_ABI_E_HANDLE);
    wacc_htable_get(&E->inst.handles, (uint32_t)o.i32)->busy = 0;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &o, 1, &pos, wacc_ctype_stream(TA(), P(U8)), &back), 0);
    ck_assert_ptr_eq(back.x.obj, &obj2);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, &o, 1, &pos, st, &back), WACC_ABI_E_HANDLE);
}
END_TEST

/* ---- printing ---------------------------------------------------------------------------------- */

START_TEST(t_format)
{
    char buf[512];
    wacc_cval v = every_value();
    const wacc_ctype *t = every_type();
    wacc_cval_format(buf, sizeof buf, &v, t);
    ck_assert_str_eq(buf,
        "{b: true, s8: -128, u16: 65535, s32: -2, u64: 9223372036854775809, f32: 1.5, f64: -2.25, "
        "ch: '\xF0\x9F\x98\x80', str: \"hello w\xC3\xB6rld\", list: [1, 4294967295, 3, 4], "
        "tup: (200, \"tuple \xE2\x82\xAC\"), var: text(\"variant text\"), en: green, opt: some(\"\"), "
        "res: err(\"error \xF0\x9F\x98\x80\"), fl: {a, j}, fixed: [0, -1000, -2000], "
        "nested: [[\"a\", \"bc\"], [\"\xC3\xA9t\xC3\xA9\"]]}");
    wacc_cval s = S("q\"\\\n\x01");
    wacc_cval_format(buf, sizeof buf, &s, P(STRING));
    ck_assert_str_eq(buf, "\"q\\\"\\\\\\n\\u{1}\"");
    wacc_cval c = wacc_cval_char('\'');
    wacc_cval_format(buf, sizeof buf, &c, P(CHAR));
    ck_assert_str_eq(buf, "'\\''");
    wacc_cval f = wacc_cval_f32(NAN);
    wacc_cval_format(buf, sizeof buf, &f, P(F32));
    ck_assert_str_eq(buf, "nan");
    f = wacc_cval_f64(-INFINITY);
    wacc_cval_format(buf, sizeof buf, &f, P(F64));
    ck_assert_str_eq(buf, "-inf");
    f = wacc_cval_f32(0.1f);
    wacc_cval_format(buf, sizeof buf, &f, P(F32));
    ck_assert_str_eq(buf, "0.1");
    const wacc_ctype *r = wacc_ctype_result(TA(), NULL, P(U8));
    wacc_cval ok = wacc_cval_variant(WACC_CT_RESULT, 0, NULL);
    wacc_cval_format(buf, sizeof buf, &ok, r);
    ck_assert_str_eq(buf, "ok");
    const wacc_ctype *o = wacc_ctype_option(TA(), P(U8));
    wacc_cval none = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
    wacc_cval_format(buf, sizeof buf, &none, o);
    ck_assert_str_eq(buf, "none");
    const char *kw[2] = { "true", "x" };
    const wacc_ctype *fl = wacc_ctype_flags(TA(), kw, 2);
    wacc_cval fv = wacc_cval_flags(3);
    wacc_cval_format(buf, sizeof buf, &fv, fl);
    ck_assert_str_eq(buf, "{%true, x}");
    fv = wacc_cval_flags(0);
    wacc_cval_format(buf, sizeof buf, &fv, fl);
    ck_assert_str_eq(buf, "{}");
    /* truncation: the full length is returned */
    ck_assert_uint_eq(wacc_cval_format(buf, 4, &s, P(STRING)), 14);
    ck_assert_str_eq(buf, "\"q\\");
}
END_TEST

/* ---- fused adapter keys -------------------------------------------------------- */

static bool same_shape(const wacc_ctype *a, const wacc_ctype *b)
{
    if (!a || !b) return a == b;
    for (int p = 0; p < 2; p++) {
        if (a->align[p] != b->align[p] || a->size[p] != b->size[p]) return false;
        if (a->nflat != b->nflat) return false;
        if (a->nflat <= WACC_ABI_MAX_FLAT && memcmp(a->flat[p], b->flat[p], a->nflat)) return false;
    }
    return true;
}

/* key -> parse -> key gives the same key, and the parsed types have the
 * same layouts and flattening as the originals (params, result, functype). */
static void key_roundtrip(const wacc_ctype *const *ps, uint32_t n, const wacc_ctype *r,
                          uint8_t le, uint8_t fe, const char *expect)
{
    char k1[2048], k2[2048];
    ck_assert(wacc_adapter_key(ps, n, r, le, fe, k1, sizeof k1));
    if (expect) ck_assert_str_eq(k1, expect);
    const wacc_ctype **qs;
    const wacc_ctype *qr;
    uint32_t qn;
    uint8_t qle, qfe;
    ck_assert_msg(wacc_adapter_key_parse(TA(), k1, &qs, &qn, &qr, &qle, &qfe), "parse %s", k1);
    ck_assert_uint_eq(qn, n);
    ck_assert_uint_eq(qle, le);
    ck_assert_uint_eq(qfe, fe);
    for (uint32_t i = 0; i < n; i++) ck_assert_msg(same_shape(ps[i], qs[i]), "param %u of %s", i, k1);
    ck_assert_msg(same_shape(r, qr), "result of %s", k1);
    ck_assert(wacc_adapter_key(qs, qn, qr, qle, qfe, k2, sizeof k2));
    ck_assert_str_eq(k1, k2);
    for (int m64 = 0; m64 < 2; m64++)
        for (int cxt = 0; cxt < 2; cxt++) {
            wacc_core_functype a, b;
            wacc_flatten_functype(ps, n, r, m64, false, false, cxt, &a);
            wacc_flatten_functype(qs, qn, qr, m64, false, false, cxt, &b);
            ck_assert_uint_eq(a.nparams, b.nparams);
            ck_assert_uint_eq(a.nresults, b.nresults);
            ck_assert_int_eq(a.params_spilled, b.params_spilled);
            ck_assert_int_eq(a.results_spilled, b.results_spilled);
            ck_assert(!memcmp(a.params, b.params, a.nparams));
            ck_assert(!memcmp(a.results, b.results, a.nresults));
        }
}

START_TEST(t_adapter_key)
{
    const wacc_ctype *s = P(STRING);
    const wacc_ctype *lu8 = wacc_ctype_list(TA(), P(U8));
    /* the example of abi.h */
    const wacc_ctype *p2[2] = { s, lu8 };
    key_roundtrip(p2, 2, wacc_ctype_option(TA(), s), 0, 1, "(s,L2)->V2{_,s}|0|1");
    /* no params, no result */
    key_roundtrip(NULL, 0, NULL, 2, 2, "()->_|2|2");
    /* every primitive */
    const wacc_ctype *prims[13] = { P(BOOL), P(S8), P(U8), P(S16), P(U16), P(S32), P(U32), P(S64),
                                    P(U64), P(F32), P(F64), P(CHAR), P(STRING) };
    key_roundtrip(prims, 13, P(U32), 0, 0, "(b,1,2,3,4,5,6,7,8,f,d,c,s)->6|0|0");
    /* records and tuples both R, labels dropped */
    wacc_cfield rf[3] = { { "a", P(U8) }, { "b", s }, { "c", P(F64) } };
    const wacc_ctype *rec = wacc_ctype_record(TA(), rf, 3);
    const wacc_ctype *tt[3] = { P(U8), s, P(F64) };
    const wacc_ctype *tup = wacc_ctype_tuple(TA(), tt, 3);
    char ka[128], kb[128];
    ck_assert(wacc_adapter_key(&rec, 1, NULL, 0, 0, ka, sizeof ka));
    ck_assert(wacc_adapter_key(&tup, 1, NULL, 0, 0, kb, sizeof kb));
    ck_assert_str_eq(ka, "(R3{2,s,d})->_|0|0");
    ck_assert_str_eq(ka, kb);
    /* enum, option, result, variant */
    const char *el[3] = { "x", "y", "z" };
    const wacc_ctype *en = wacc_ctype_enum(TA(), el, 3);
    key_roundtrip(&en, 1, wacc_ctype_result(TA(), NULL, NULL), 0, 0, "(V3{_,_,_})->V2{_,_}|0|0");
    const wacc_ctype *res = wacc_ctype_result(TA(), s, lu8);
    key_roundtrip(&res, 1, wacc_ctype_result(TA(), P(U64), NULL), 1, 0, "(V2{s,L2})->V2{8,_}|1|0");
    wacc_cfield vc[4] = { { "a", NULL }, { "b", P(F32) }, { "c", rec }, { "d", P(S64) } };
    const wacc_ctype *var = wacc_ctype_variant(TA(), vc, 4);
    key_roundtrip(&var, 1, var, 2, 1, "(V4{_,f,R3{2,s,d},7})->V4{_,f,R3{2,s,d},7}|2|1");
    /* flags of several sizes */
    const char *fl[32];
    for (int i = 0; i < 32; i++) fl[i] = "l";
    const wacc_ctype *fs[3] = { wacc_ctype_flags(TA(), fl, 3), wacc_ctype_flags(TA(), fl, 16),
                                wacc_ctype_flags(TA(), fl, 32) };
    key_roundtrip(fs, 3, fs[1], 0, 2, "(F3,F16,F32)->F16|0|2");
    /* fixed-length lists, nested lists */
    const wacc_ctype *fx = wacc_ctype_list_fixed(TA(), P(U16), 5);
    const wacc_ctype *nest = wacc_ctype_list(TA(), wacc_ctype_list(TA(), wacc_ctype_list_fixed(TA(), s, 2)));
    const wacc_ctype *pf[2] = { fx, nest };
    key_roundtrip(pf, 2, wacc_ctype_list(TA(), rec), 0, 0, "(N5:4,LLN2:s)->LR3{2,s,d}|0|0");
    /* many params (spilled), many cases and fields (> 9, > 256) */
    const wacc_ctype *many[20];
    for (int i = 0; i < 20; i++) many[i] = i % 2 ? s : P(U64);
    key_roundtrip(many, 20, wacc_ctype_tuple(TA(), many, 20), 0, 0, NULL);
    wacc_cfield big[300];
    for (int i = 0; i < 300; i++) big[i] = (wacc_cfield){ "c", i % 3 ? NULL : P(U8) };
    const wacc_ctype *bv = wacc_ctype_variant(TA(), big, 300);
    key_roundtrip(&bv, 1, bv, 0, 0, NULL);
    const wacc_ctype *o3 = wacc_ctype_option(TA(), wacc_ctype_option(TA(), wacc_ctype_option(TA(), P(CHAR))));
    key_roundtrip(&o3, 1, o3, 1, 1, "(V2{_,V2{_,V2{_,c}}})->V2{_,V2{_,V2{_,c}}}|1|1");
}
END_TEST

/* own/borrow: resources numbered by first appearance (params, then the
 * result, depth first), by identity; parsing makes one placeholder per
 * number. */
START_TEST(t_adapter_key_handles)
{
    static const wacc_resource_type ra = { NULL, NULL, NULL, "a" }, rb = { NULL, NULL, NULL, "b" };
    const wacc_ctype *oa = wacc_ctype_own(TA(), &ra), *ba = wacc_ctype_borrow(TA(), &ra);
    const wacc_ctype *ob = wacc_ctype_own(TA(), &rb), *bb = wacc_ctype_borrow(TA(), &rb);
    const wacc_ctype *p1[2] = { bb, oa };
    key_roundtrip(p1, 2, ob, 0, 0, "(B0,o1)->o0|0|0");
    const wacc_ctype *p2[2] = { oa, ob };
    key_roundtrip(p2, 2, oa, 1, 2, "(o0,o1)->o0|1|2");
    /* the same resource twice is one number; another one with the same shape differs */
    const wacc_ctype *p3[2] = { oa, ba };
    key_roundtrip(p3, 2, NULL, 0, 0, "(o0,B0)->_|0|0");
    const wacc_ctype *p4[2] = { oa, bb };
    key_roundtrip(p4, 2, NULL, 0, 0, "(o0,B1)->_|0|0");
    /* inside lists, records, variants (depth first), spilled */
    const wacc_ctype *lb = wacc_ctype_list(TA(), bb);
    const wacc_ctype *tup[3] = { P(U8), wacc_ctype_option(TA(), oa), lb };
    const wacc_ctype *rec = wacc_ctype_tuple(TA(), tup, 3);
    key_roundtrip(&rec, 1, wacc_ctype_result(TA(), ob, P(STRING)), 0, 0,
                  "(R3{2,V2{_,o0},LB1})->V2{o1,s}|0|0");
    const wacc_ctype *many[20];
    for (int i = 0; i < 20; i++) many[i] = i % 2 ? ba : ob;
    key_roundtrip(many, 20, NULL, 0, 0, NULL);
    /* parsed placeholders: one per number, shared by own and borrow */
    const wacc_ctype **qs;
    const wacc_ctype *qr;
    uint32_t qn;
    uint8_t le, fe;
    ck_assert(wacc_adapter_key_parse(TA(), "(o0,B1,B0)->o1|0|0", &qs, &qn, &qr, &le, &fe));
    ck_assert_uint_eq(qn, 3);
    ck_assert_uint_eq(qs[0]->kind, WACC_CT_OWN);
    ck_assert_uint_eq(qs[1]->kind, WACC_CT_BORROW);
    ck_assert_ptr_nonnull(qs[0]->rt);
    ck_assert_ptr_ne(qs[0]->rt, qs[1]->rt);
    ck_assert_ptr_eq(qs[0]->rt, qs[2]->rt);
    ck_assert_ptr_eq(qs[1]->rt, qr->rt);
    /* wacc_adapter_key_resources numbers them the same way */
    const wacc_resource_type *rts[4];
    ck_assert_uint_eq(wacc_adapter_key_resources(qs, qn, qr, rts, 4), 2);
    ck_assert_ptr_eq(rts[0], qs[0]->rt);
    ck_assert_ptr_eq(rts[1], qs[1]->rt);
    ck_assert_uint_eq(wacc_adapter_key_resources(p1, 2, ob, rts, 4), 2);
    ck_assert_ptr_eq(rts[0], &rb);
    ck_assert_ptr_eq(rts[1], &ra);
    ck_assert_uint_eq(wacc_adapter_key_resources(p1, 2, ob, rts, 1), UINT32_MAX);
    ck_assert_uint_eq(wacc_adapter_key_resources(&rec, 1, NULL, rts, 4), 2);
    ck_assert_ptr_eq(rts[0], &ra);
    ck_assert_uint_eq(wacc_adapter_key_resources(NULL, 0, NULL, rts, 4), 0);
    /* more resource types than a key numbers */
    static wacc_resource_type lots[WACC_ADAPTER_KEY_MAX_RESOURCES + 1];
    const wacc_ctype *lp[WACC_ADAPTER_KEY_MAX_RESOURCES + 1];
    for (int i = 0; i <= WACC_ADAPTER_KEY_MAX_RESOURCES; i++) lp[i] = wacc_ctype_own(TA(), &lots[i]);
    char big[4096];
    ck_assert(wacc_adapter_key(lp, WACC_ADAPTER_KEY_MAX_RESOURCES, NULL, 0, 0, big, sizeof big));
    ck_assert(!wacc_adapter_key(lp, WACC_ADAPTER_KEY_MAX_RESOURCES + 1, NULL, 0, 0, big, sizeof big));
    ck_assert_str_eq(big, "");
}
END_TEST

START_TEST(t_adapter_key_refused)
{
    char buf[256];
    const wacc_ctype *bad[3] = {
        wacc_ctype_stream(TA(), P(U8)), wacc_ctype_future(TA(), NULL), P(ERROR_CONTEXT),
    };
    for (int i = 0; i < 3; i++) {
        ck_assert(!wacc_adapter_key(&bad[i], 1, NULL, 0, 0, buf, sizeof buf));
        ck_assert(!wacc_adapter_key(NULL, 0, bad[i], 0, 0, buf, sizeof buf));
        /* deep inside */
        const wacc_ctype *opt = wacc_ctype_option(TA(), wacc_ctype_list(TA(), bad[i]));
        wacc_cfield f[2] = { { "a", P(U8) }, { "b", opt } };
        const wacc_ctype *rec = wacc_ctype_record(TA(), f, 2);
        const wacc_ctype *ps[2] = { P(U8), rec };
        ck_assert(!wacc_adapter_key(ps, 2, NULL, 0, 0, buf, sizeof buf));
        ck_assert_str_eq(buf, "");
    }
    /* buffer too small, bad encodings */
    const wacc_ctype *s = P(STRING);
    ck_assert(wacc_adapter_key(&s, 1, NULL, 0, 0, buf, 11));   /* "(s)->_|0|0" is 10 */
    ck_assert(!wacc_adapter_key(&s, 1, NULL, 0, 0, buf, 10));
    ck_assert(!wacc_adapter_key(&s, 1, NULL, 0, 0, buf, 0));
    ck_assert(!wacc_adapter_key(&s, 1, NULL, 3, 0, buf, sizeof buf));
    ck_assert(!wacc_adapter_key(&s, 1, NULL, 0, 3, buf, sizeof buf));
}
END_TEST

START_TEST(t_adapter_key_malformed)
{
    static const char *const bad[] = {
        "", "(", "()", "()->", "()->_", "()->_|", "()->_|0", "()->_|0|", "()->_|0|3", "()->_|3|0",
        "()->_|0|0x", "()->_|0|00", "x()->_|0|0", "(,)->_|0|0", "(s,)->_|0|0", "(,s)->_|0|0",
        "(s s)->_|0|0", "(s)-_|0|0", "(s)>_|0|0", "(_)->_|0|0", "(L)->_|0|0", "(L_)->_|0|0",
        "(N0:2)->_|0|0", "(N:2)->_|0|0", "(N2)->_|0|0", "(N2:)->_|0|0", "(N02:2)->_|0|0",
        "(N999999999999:2)->_|0|0", "(N300000000:8)->_|0|0", "(R0{})->_|0|0", "(R1{})->_|0|0",
        "(R2{s})->_|0|0", "(R1{s,s})->_|0|0", "(R1{_})->_|0|0", "(R1{s)->_|0|0", "(R1s})->_|0|0",
        "(R{s})->_|0|0", "(V0{})->_|0|0", "(V2{_})->_|0|0", "(V1{_,_})->_|0|0", "(V1{__})->_|0|0",
        "(V4294967296{_})->_|0|0", "(V99999999{_})->_|0|0", "(F0)->_|0|0", "(F33)->_|0|0",
        "(F)->_|0|0", "(F01)->_|0|0", "(})->_|0|0", "(R1{s}})->_|0|0", "()->s,s|0|0",
        "()->V1{_}", "(s)->_|0|0|0", "(Q)->_|0|0", "(e)->_|0|0", "(S)->_|0|0",
        /* handles: numbers by first appearance, no leading zeros, bounded */
        "(o)->_|0|0", "(B)->_|0|0", "(o1)->_|0|0", "(o0,B2)->_|0|0", "()->o1|0|0", "(o00)->_|0|0",
        "(o01)->_|0|0", "(o-1)->_|0|0", "(O0)->_|0|0", "(b0)->_|0|0", "(o64)->_|0|0",
        "(o99999999999)->_|0|0", "(o0x)->_|0|0", "(Lo)->_|0|0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const wacc_ctype **ps = NULL, *r = NULL;
        uint32_t n = 0;
        uint8_t le = 9, fe = 9;
        ck_assert_msg(!wacc_adapter_key_parse(TA(), bad[i], &ps, &n, &r, &le, &fe), "accepted %s", bad[i]);
    }
    const wacc_ctype **ps;
    const wacc_ctype *r;
    uint32_t n;
    uint8_t le, fe;
    ck_assert(!wacc_adapter_key_parse(TA(), NULL, &ps, &n, &r, &le, &fe));
    /* every prefix of a valid key is rejected, the key itself accepted */
    const char *good = "(s,V3{_,R2{5,LN3:c},F9},8)->V2{L2,_}|2|1";
    char tmp[64];
    for (size_t len = 0; len < strlen(good); len++) {
        memcpy(tmp, good, len);
        tmp[len] = 0;
        ck_assert_msg(!wacc_adapter_key_parse(TA(), tmp, &ps, &n, &r, &le, &fe), "prefix %s", tmp);
    }
    ck_assert(wacc_adapter_key_parse(TA(), good, &ps, &n, &r, &le, &fe));
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(le, 2);
    ck_assert_uint_eq(fe, 1);
    /* deep nesting is refused without exhausting the stack */
    size_t deep = 100000;
    char *k = malloc(deep + 16);
    k[0] = '(';
    memset(k + 1, 'L', deep);
    strcpy(k + 1 + deep, "s)->_|0|0");
    ck_assert(!wacc_adapter_key_parse(TA(), k, &ps, &n, &r, &le, &fe));
    memset(k + 1, 'L', 100);
    strcpy(k + 101, "s)->_|0|0");
    ck_assert(wacc_adapter_key_parse(TA(), k, &ps, &n, &r, &le, &fe));
    free(k);
}
END_TEST

/* ---- byte-buffer lists (WACC_CVAL_BYTES) ------------------------------------------------ */

START_TEST(t_bytes_lower_lift)
{
    const wacc_ctype *lt = wacc_ctype_list(TA(), P(U8));
    uint8_t data[300];
    for (int i = 0; i < 300; i++) data[i] = (uint8_t)(i * 7);
    wacc_cval l = wacc_cval_list_bytes(data, 300);
    ck_assert_uint_eq(l.kind, WACC_CT_LIST);
    ck_assert_uint_eq(l.repr, WACC_CVAL_BYTES);
    /* lowering: one realloc(0, 0, 1, 300), the bytes copied as they are */
    wacc_val o[2];
    uint32_t pos = 0;
    E->ncalls = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lt, o, 2, &pos), 0);
    ck_assert_uint_eq(pos, 2);
    ck_assert_int_eq(E->ncalls, 1);
    expect_call(0, 0, 0, 1, 300);
    uint32_t ptr = (uint32_t)o[0].i32;
    ck_assert_uint_eq((uint32_t)o[1].i32, 300);
    ck_assert_mem_eq(E->mem + ptr, data, 300);
    /* lifting: elements by default, a copy of the bytes with cx->list_bytes */
    wacc_cval el, by;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 2, &pos, lt, &el), 0);
    ck_assert_uint_eq(el.repr, WACC_CVAL_ELEMS);
    ck_assert_uint_eq(el.n, 300);
    ck_assert_uint_eq(el.x.elems[299].x.u, (uint8_t)(299 * 7));
    E->cx.list_bytes = true;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 2, &pos, lt, &by), 0);
    ck_assert_uint_eq(by.repr, WACC_CVAL_BYTES);
    ck_assert_uint_eq(by.n, 300);
    ck_assert_ptr_ne(by.x.bytes, E->mem + ptr);      /* a copy, not guest memory */
    ck_assert_mem_eq(by.x.bytes, data, 300);
    /* both representations are the same value */
    ck_assert(wacc_cval_equal(&l, &el, lt));
    ck_assert(wacc_cval_equal(&el, &by, lt));
    ck_assert(wacc_cval_equal(&by, &l, lt));
    data[150] ^= 1;
    ck_assert(!wacc_cval_equal(&l, &el, lt));
    ck_assert(!wacc_cval_equal(&by, &l, lt));
    data[150] ^= 1;
    /* an elements list lowered and lifted back as bytes */
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &el, lt, o, 2, &pos), 0);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 2, &pos, lt, &by), 0);
    ck_assert_mem_eq(by.x.bytes, data, 300);
    /* the empty list */
    wacc_cval z = wacc_cval_list_bytes(NULL, 0);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &z, lt, o, 2, &pos), 0);
    ck_assert_uint_eq((uint32_t)o[1].i32, 0);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 2, &pos, lt, &by), 0);
    ck_assert_uint_eq(by.repr, WACC_CVAL_BYTES);
    ck_assert_uint_eq(by.n, 0);
    ck_assert(wacc_cval_equal(&by, &z, lt));
}
END_TEST

START_TEST(t_bytes_every_plain_kind)
{
    /* every plain element kind: bytes -> memory -> elements and bytes */
    wacc_ckind kinds[] = { WACC_CT_S8, WACC_CT_U8, WACC_CT_S16, WACC_CT_U16, WACC_CT_S32,
                           WACC_CT_U32, WACC_CT_S64, WACC_CT_U64, WACC_CT_F32, WACC_CT_F64 };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const wacc_ctype *et = wacc_ctype_prim(kinds[k]), *lt = wacc_ctype_list(TA(), et);
        ck_assert(wacc_ctype_plain(et));
        uint32_t es = et->size[0];
        uint8_t raw[7 * 8];
        for (uint32_t i = 0; i < 7 * es; i++) raw[i] = (uint8_t)(0x81 + i * 13);
        if (kinds[k] == WACC_CT_F32) for (int i = 0; i < 7; i++) { float f = i * -1.5f; memcpy(raw + 4 * i, &f, 4); }
        if (kinds[k] == WACC_CT_F64) for (int i = 0; i < 7; i++) { double f = i * 0.125; memcpy(raw + 8 * i, &f, 8); }
        wacc_cval l = wacc_cval_list_bytes(raw, 7), el, by;
        wacc_val o[2];
        uint32_t pos = 0;
        E->cx.list_bytes = false;
        ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &l, lt, o, 2, &pos), 0);
        ck_assert_mem_eq(E->mem + (uint32_t)o[0].i32, raw, 7 * es);
        pos = 0;
        ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 2, &pos, lt, &el), 0);
        E->cx.list_bytes = true;
        pos = 0;
        ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, o, 2, &pos, lt, &by), 0);
        ck_assert_mem_eq(by.x.bytes, raw, 7 * es);
        ck_assert_msg(wacc_cval_equal(&l, &el, lt), "kind %d", kinds[k]);
        ck_assert_msg(wacc_cval_equal(&el, &by, lt), "kind %d", kinds[k]);
        /* element access and the memory layout of an elements list */
        for (uint32_t i = 0; i < 7; i++) {
            wacc_cval a = wacc_cval_list_elem(&by, et, i);
            ck_assert_msg(wacc_cval_equal(&a, &el.x.elems[i], et), "kind %d elem %u", kinds[k], i);
        }
        uint8_t back[7 * 8];
        ck_assert_ptr_eq(wacc_cval_list_data(&el, et, back), back);
        ck_assert_mem_eq(back, raw, 7 * es);
        ck_assert_ptr_eq(wacc_cval_list_data(&by, et, back), by.x.bytes);
        /* printing: the same text for both */
        char a[256], b[256];
        wacc_cval_format(a, sizeof a, &el, lt);
        wacc_cval_format(b, sizeof b, &by, lt);
        ck_assert_str_eq(a, b);
        /* stored inside a record (through wacc_abi_store) */
        const wacc_ctype *rt = record2("a", P(U8), "l", lt);
        wacc_cval f[2] = { wacc_cval_uint(WACC_CT_U8, 9), l }, r = wacc_cval_record(f, 2), rb;
        ck_assert_int_eq(wacc_abi_store(&E->cx, &r, rt, 64), 0);
        ck_assert_int_eq(wacc_abi_load(&E->cx, 64, rt, &rb), 0);
        ck_assert_uint_eq(rb.x.elems[1].repr, WACC_CVAL_BYTES);
        ck_assert(wacc_cval_equal(&r, &rb, rt));
    }
    ck_assert(!wacc_ctype_plain(P(BOOL)));
    ck_assert(!wacc_ctype_plain(P(CHAR)));
    ck_assert(!wacc_ctype_plain(P(STRING)));
    /* an element of another kind: no memory layout */
    wacc_cval el[2] = { wacc_cval_uint(WACC_CT_U8, 1), wacc_cval_uint(WACC_CT_U16, 2) };
    wacc_cval l = wacc_cval_list(el, 2);
    uint8_t d[4];
    ck_assert_ptr_null(wacc_cval_list_data(&l, P(U8), d));
    ck_assert_ptr_null(wacc_cval_list_data(&l, P(BOOL), d));
}
END_TEST

START_TEST(t_bytes_format_nan_refused)
{
    /* printing: WAVE, as for elements */
    const wacc_ctype *lu = wacc_ctype_list(TA(), P(U8)), *ls = wacc_ctype_list(TA(), P(S16));
    uint8_t b[3] = { 1, 2, 255 };
    wacc_cval v = wacc_cval_list_bytes(b, 3);
    char buf[64];
    ck_assert_uint_eq(wacc_cval_format(buf, sizeof buf, &v, lu), 11);
    ck_assert_str_eq(buf, "[1, 2, 255]");
    int16_t s[2] = { -300, 7 };
    v = wacc_cval_list_bytes(s, 2);
    wacc_cval_format(buf, sizeof buf, &v, ls);
    ck_assert_str_eq(buf, "[-300, 7]");
    v = wacc_cval_list_bytes(NULL, 0);
    wacc_cval_format(buf, sizeof buf, &v, lu);
    ck_assert_str_eq(buf, "[]");
    /* NaNs canonicalised when lifting a list<f32>/list<f64> as bytes */
    E->cx.list_bytes = true;
    const wacc_ctype *lf = wacc_ctype_list(TA(), P(F32)), *ld = wacc_ctype_list(TA(), P(F64));
    uint32_t nan = 0x7f800001u, one = 0x3f800000u;
    memcpy(E->mem + 64, &one, 4);
    memcpy(E->mem + 68, &nan, 4);
    wacc_val fv[2] = { { .i32 = 64 }, { .i32 = 2 } };
    uint32_t pos = 0, w;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, lf, &v), 0);
    memcpy(&w, v.x.bytes, 4);
    ck_assert_uint_eq(w, one);
    memcpy(&w, v.x.bytes + 4, 4);
    ck_assert_uint_eq(w, WACC_ABI_CANONICAL_NAN32);
    memcpy(&w, E->mem + 68, 4);
    ck_assert_uint_eq(w, nan);      /* guest memory untouched */
    uint64_t nan64 = 0xfff0000000000001ull, w64;
    memcpy(E->mem + 64, &nan64, 8);
    fv[1].i32 = 1;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lift_flat(&E->cx, fv, 2, &pos, ld, &v), 0);
    memcpy(&w64, v.x.bytes, 8);
    ck_assert_uint_eq(w64, WACC_ABI_CANONICAL_NAN64);
    /* a byte buffer for an element type without a plain layout is refused */
    const wacc_ctype *lb = wacc_ctype_list(TA(), P(BOOL)), *lstr = wacc_ctype_list(TA(), P(STRING));
    v = wacc_cval_list_bytes(b, 3);
    wacc_val o[2];
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, lb, o, 2, &pos), WACC_ABI_E_TYPE);
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, lstr, o, 2, &pos), WACC_ABI_E_TYPE);
    ck_assert(!wacc_cval_equal(&v, &v, lb));
    wacc_cval_format(buf, sizeof buf, &v, lb);
    ck_assert_str_eq(buf, "<type mismatch>");
    /* fixed-length list<u8, 3>: flat (one value per element) and in memory */
    const wacc_ctype *fx = wacc_ctype_list_fixed(TA(), P(U8), 3);
    wacc_val f3[3];
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, fx, f3, 3, &pos), 0);
    ck_assert_uint_eq(pos, 3);
    ck_assert_int_eq(f3[0].i32, 1);
    ck_assert_int_eq(f3[2].i32, 255);
    ck_assert_int_eq(wacc_abi_store(&E->cx, &v, fx, 200), 0);
    ck_assert_mem_eq(E->mem + 200, b, 3);
    wacc_cval back;
    ck_assert_int_eq(wacc_abi_load(&E->cx, 200, fx, &back), 0);
    ck_assert_uint_eq(back.repr, WACC_CVAL_BYTES);
    ck_assert(wacc_cval_equal(&back, &v, fx));
    v.n = 2;
    pos = 0;
    ck_assert_int_eq(wacc_abi_lower_flat(&E->cx, &v, fx, f3, 3, &pos), WACC_ABI_E_TYPE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("abi");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_layout_prims);
    tcase_add_test(tc, t_layout_compound);
    tcase_add_test(tc, t_flatten);
    tcase_add_test(tc, t_flatten_functype);
    tcase_add_test(tc, t_roundtrip_memory);
    tcase_add_test(tc, t_roundtrip_flat_every_type);
    tcase_add_test(tc, t_values_spill);
    tcase_add_test(tc, t_scalars_flat);
    tcase_add_test(tc, t_variant_join);
    tcase_add_test(tc, t_list_traps);
    tcase_add_test(tc, t_scalar_lists);
    tcase_add_test(tc, t_string_utf8_to_others);
    tcase_add_test(tc, t_string_transcode_from_lifted);
    tcase_add_test(tc, t_string_traps);
    tcase_add_test(tc, t_resources_table);
    tcase_add_test(tc, t_resources_own_borrow);
    tcase_add_test(tc, t_error_context_stream);
    tcase_add_test(tc, t_format);
    tcase_add_test(tc, t_adapter_key);
    tcase_add_test(tc, t_adapter_key_handles);
    tcase_add_test(tc, t_adapter_key_refused);
    tcase_add_test(tc, t_adapter_key_malformed);
    tcase_add_test(tc, t_bytes_lower_lift);
    tcase_add_test(tc, t_bytes_every_plain_kind);
    tcase_add_test(tc, t_bytes_format_nan_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
