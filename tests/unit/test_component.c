/* test_component.c — unit tests of the component decoder/validator (compfmt). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "component.h"

#define PRE 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00

/* (component (type (record (field "a" u32))) (import "f" (func (param "x" 0)))) */
static const uint8_t good[] = {
    PRE,
    0x07, 0x0d, 0x02,                       /* type section, 2 types */
    0x72, 0x01, 0x01, 'a', 0x79,            /* record { a: u32 } */
    0x40, 0x01, 0x01, 'x', 0x79, 0x01, 0x00, /* func (param "x" u32) */
    0x0a, 0x06, 0x01, 0x00, 0x01, 'f', 0x01, 0x01, /* import "f" (func (type 1)) */
};

static bool accepts(const uint8_t *b, size_t n, wasm_error *err)
{
    wacc_component *c = wacc_component_decode(b, n, err);
    bool ok = c && wacc_component_validate(c, err);
    wacc_component_free(c);
    return ok;
}

START_TEST(test_is_component)
{
    static const uint8_t core[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 };
    ck_assert(wacc_is_component(good, sizeof good));
    ck_assert(!wacc_is_component(core, sizeof core));
    ck_assert(!wacc_is_component(good, 4));
}
END_TEST

START_TEST(test_decode_model)
{
    wasm_error err = { 0 };
    wacc_component *c = wacc_component_decode(good, sizeof good, &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_uint_eq(c->ntypes, 2);
    ck_assert_uint_eq(c->types[0]->kind, WACC_DT_RECORD);
    ck_assert_uint_eq(c->types[0]->nfields, 1);
    ck_assert_str_eq(c->types[0]->fields[0].label, "a");
    ck_assert_uint_eq(c->types[1]->kind, WACC_DT_FUNC);
    ck_assert_uint_eq(c->nimports, 1);
    ck_assert_str_eq(c->imports[0].name.str, "f");
    ck_assert_uint_eq(c->imports[0].name.kind, WACC_NAME_PLAIN);
    ck_assert_uint_eq(c->spaces[WACC_SORT_TYPE].count, 2);
    ck_assert_uint_eq(c->spaces[WACC_SORT_FUNC].count, 1);
    ck_assert_uint_eq(c->spaces[WACC_SORT_FUNC].entries[0].def, WACC_DEF_IMPORT);
    ck_assert(wacc_component_validate(c, &err));
    wacc_component_free(c);
}
END_TEST

START_TEST(test_truncations)
{
    /* every prefix is rejected cleanly (or, for the empty component, accepted) */
    for (size_t n = 0; n < sizeof good; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, good, n);
        wasm_error err = { 0 };
        bool ok = accepts(copy, n, &err);
        ck_assert(!ok || n == 8 || n == 8 + 2 + 13);   /* section boundaries */
        if (!ok)
            ck_assert(err.msg[0] != 0);
        free(copy);
    }
}
END_TEST

START_TEST(test_bitflips)
{
    for (size_t i = 8; i < sizeof good; i++)
        for (int bit = 0; bit < 8; bit++) {
            uint8_t copy[sizeof good];
            memcpy(copy, good, sizeof good);
            copy[i] ^= (uint8_t)(1u << bit);
            wasm_error err = { 0 };
            (void)accepts(copy, sizeof copy, &err);   /* must not crash */
        }
}
END_TEST

START_TEST(test_invalid_types)
{
    wasm_error err;
    static const uint8_t empty_record[] = { PRE, 0x07, 0x03, 0x01, 0x72, 0x00 };
    ck_assert(!accepts(empty_record, sizeof empty_record, &err));
    static const uint8_t bad_index[] = { PRE, 0x07, 0x03, 0x01, 0x70, 0x05 };
    ck_assert(!accepts(bad_index, sizeof bad_index, &err));
    ck_assert(strstr(err.msg, "out of bounds") != NULL);
    static const uint8_t own_nonres[] = { PRE, 0x07, 0x05, 0x02, 0x70, 0x79, 0x69, 0x00 };
    ck_assert(!accepts(own_nonres, sizeof own_nonres, &err));
    /* borrow in a function result */
    static const uint8_t borrow_res[] = {
        PRE, 0x0a, 0x06, 0x01, 0x00, 0x01, 'r', 0x03, 0x01,    /* import "r" (type (sub resource)) */
        0x07, 0x07, 0x02, 0x68, 0x00, 0x40, 0x00, 0x00, 0x01,  /* borrow 0; func -> 1 */
    };
    ck_assert(!accepts(borrow_res, sizeof borrow_res, &err));
    ck_assert(strstr(err.msg, "borrow") != NULL);
}
END_TEST

START_TEST(test_names)
{
    ck_assert(wacc_label_valid("a-b-c", 5));
    ck_assert(wacc_label_valid("A1-2-3", 6));
    ck_assert(wacc_label_valid("m1x3d-4CR0NYMS", 14));
    ck_assert(!wacc_label_valid("1-2-3", 5));
    ck_assert(!wacc_label_valid("aB", 2));
    ck_assert(!wacc_label_valid("a--b", 4));
    ck_assert(!wacc_label_valid("a-", 2));
    ck_assert_uint_eq(wacc_externname_classify("wasi:http/handler", 17), WACC_NAME_INTERFACE);
    ck_assert_uint_eq(wacc_externname_classify("wasi:http/handler@0.2.0", 23), WACC_NAME_INTERFACE);
    ck_assert_uint_eq(wacc_externname_classify("[method]r.m", 11), WACC_NAME_METHOD);
    ck_assert_uint_eq(wacc_externname_classify("[constructor]r", 14), WACC_NAME_CONSTRUCTOR);
    ck_assert_uint_eq(wacc_externname_classify("[static]r.m", 11), WACC_NAME_STATIC);
    ck_assert_uint_eq(wacc_externname_classify("[method]r", 9), WACC_NAME_OTHER);
    /* nested names classify as interfaces; the validator gates them (cm-nested-names) */
    ck_assert_uint_eq(wacc_externname_classify("foo:bar/baz/qux", 15), WACC_NAME_INTERFACE);
    ck_assert(wacc_externname_nested("foo:bar/baz/qux", 15));
    ck_assert(wacc_externname_nested("a:b:c/d", 7));
    ck_assert(!wacc_externname_nested("wasi:http/handler@0.2.0", 23));
    ck_assert_uint_eq(wacc_externname_classify("foo:bar", 7), WACC_NAME_OTHER);
    ck_assert_uint_eq(wacc_externname_classify("url=<a>,integrity=<sha256-a>", 28), WACC_NAME_DEP);
    ck_assert_uint_eq(wacc_externname_classify("url=<<>", 7), WACC_NAME_OTHER);
    ck_assert_uint_eq(wacc_externname_classify("integrity=<md5-ABC>", 19), WACC_NAME_OTHER);
    ck_assert_uint_eq(wacc_externname_classify("unlocked-dep=<a:b@{>=1.2.3 <2.0.0}>", 35),
                      WACC_NAME_DEP);
    ck_assert(wacc_version_suffix_valid("1", 1, ".2.3"));
    ck_assert(!wacc_version_suffix_valid("1", 1, "2.3"));
}
END_TEST

START_TEST(test_duplicate_import)
{
    /* import "a" (func) twice, plus "A" (not strongly unique) */
    static const uint8_t dup[] = {
        PRE, 0x07, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00,
        0x0a, 0x0b, 0x02, 0x00, 0x01, 'a', 0x01, 0x00, 0x00, 0x01, 'A', 0x01, 0x00,
    };
    wasm_error err;
    ck_assert(!accepts(dup, sizeof dup, &err));
    ck_assert(strstr(err.msg, "conflicts") != NULL);
}
END_TEST

START_TEST(test_reexported_resource_constructor)
{
    /* wit-component's export shim (componentize-js "kitchen"): the exported
     * type is a new index for the same resource, and the constructor returns
     * own of that index:
     *   (import "import-type-counter" (type (sub resource)))
     *   (type (own 0)) (type (func (param "start" u32) (result 1)))
     *   (import "import-constructor-counter" (func (type 2)))
     *   (export "counter" (type 0))
     *   (type (own 3)) (type (func (param "start" u32) (result 4)))
     *   (export "[constructor]counter" (func 0) (func (type 5))) */
    static const uint8_t ok[] = {
        PRE,
        0x0a, 0x18, 0x01, 0x00, 0x13, 0x69, 0x6d, 0x70, 0x6f, 0x72, 0x74, 0x2d,
        0x74, 0x79, 0x70, 0x65, 0x2d, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72,
        0x03, 0x01, 0x07, 0x0e, 0x02, 0x69, 0x00, 0x40, 0x01, 0x05, 0x73, 0x74,
        0x61, 0x72, 0x74, 0x79, 0x00, 0x01, 0x0a, 0x1f, 0x01, 0x00, 0x1a, 0x69,
        0x6d, 0x70, 0x6f, 0x72, 0x74, 0x2d, 0x63, 0x6f, 0x6e, 0x73, 0x74, 0x72,
        0x75, 0x63, 0x74, 0x6f, 0x72, 0x2d, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65,
        0x72, 0x01, 0x02, 0x0b, 0x0d, 0x01, 0x00, 0x07, 0x63, 0x6f, 0x75, 0x6e,
        0x74, 0x65, 0x72, 0x03, 0x00, 0x00, 0x07, 0x0e, 0x02, 0x69, 0x03, 0x40,
        0x01, 0x05, 0x73, 0x74, 0x61, 0x72, 0x74, 0x79, 0x00, 0x04, 0x0b, 0x1c,
        0x01, 0x00, 0x14, 0x5b, 0x63, 0x6f, 0x6e, 0x73, 0x74, 0x72, 0x75, 0x63,
        0x74, 0x6f, 0x72, 0x5d, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x01,
        0x00, 0x01, 0x01, 0x05,
    };
    /* the same, but the constructor returns own of another resource:
     *   (import "other" (type (sub resource)))
     *   (import "import-type-counter" (type (sub resource)))
     *   (export "counter" (type 1))
     *   (type (own 0)) (type (func (param "start" u32) (result 3)))
     *   (import "import-constructor-counter" (func (type 4)))
     *   (export "[constructor]counter" (func 0) (func (type 4))) */
    static const uint8_t bad[] = {
        PRE,
        0x0a, 0x21, 0x02, 0x00, 0x05, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x03, 0x01,
        0x00, 0x13, 0x69, 0x6d, 0x70, 0x6f, 0x72, 0x74, 0x2d, 0x74, 0x79, 0x70,
        0x65, 0x2d, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x03, 0x01, 0x0b,
        0x0d, 0x01, 0x00, 0x07, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x03,
        0x01, 0x00, 0x07, 0x0e, 0x02, 0x69, 0x00, 0x40, 0x01, 0x05, 0x73, 0x74,
        0x61, 0x72, 0x74, 0x79, 0x00, 0x03, 0x0a, 0x1f, 0x01, 0x00, 0x1a, 0x69,
        0x6d, 0x70, 0x6f, 0x72, 0x74, 0x2d, 0x63, 0x6f, 0x6e, 0x73, 0x74, 0x72,
        0x75, 0x63, 0x74, 0x6f, 0x72, 0x2d, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65,
        0x72, 0x01, 0x04, 0x0b, 0x1c, 0x01, 0x00, 0x14, 0x5b, 0x63, 0x6f, 0x6e,
        0x73, 0x74, 0x72, 0x75, 0x63, 0x74, 0x6f, 0x72, 0x5d, 0x63, 0x6f, 0x75,
        0x6e, 0x74, 0x65, 0x72, 0x01, 0x00, 0x01, 0x01, 0x04,
    };
    wasm_error err = { 0 };
    ck_assert_msg(accepts(ok, sizeof ok, &err), "%s", err.msg);
    ck_assert(!accepts(bad, sizeof bad, &err));
    ck_assert(strstr(err.msg, "should return") != NULL);
}
END_TEST

/* The canon-site visitor (wacc_component_validate_visit):
 *   (import "r" (type $r (sub resource)))
 *   (import "g" (func $g (param "x" string) (result u32)))
 *   (import "h" (func $h (param "a" (own $r)) (param "b" (borrow $r))))
 *   (core module $m (memory (export "mem") 1)
 *     (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
 *     (func (export "f") (param i32 i32 i32 i32) (result i32) i32.const 0))
 *   (core instance $i (instantiate $m))
 *   (type $ft (func (param "a" string) (param "b" (list u8)) (result (option string))))
 *   (func $lifted (type $ft) (canon lift (core func $i "f")
 *     (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
 *   (core func (canon lower (func $g) (memory (core memory $i "mem")) string-encoding=utf16))
 *   (core func (canon lower (func $h)))
 *   (export "f" (func $lifted))
 * (jco parse, without the name section) */
static const uint8_t visit_bin[] = {
    PRE,
        0x0a, 0x06, 0x01, 0x00, 0x01, 0x72, 0x03, 0x01, 0x07, 0x08, 0x01, 0x40,
        0x01, 0x01, 0x78, 0x73, 0x00, 0x79, 0x0a, 0x06, 0x01, 0x00, 0x01, 0x67,
        0x01, 0x01, 0x07, 0x0f, 0x03, 0x69, 0x00, 0x68, 0x00, 0x40, 0x02, 0x01,
        0x61, 0x02, 0x01, 0x62, 0x03, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x00, 0x01,
        0x68, 0x01, 0x04, 0x01, 0x4c, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00,
        0x00, 0x01, 0x09, 0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f,
        0x03, 0x03, 0x02, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x15,
        0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x07, 0x72, 0x65, 0x61, 0x6c,
        0x6c, 0x6f, 0x63, 0x00, 0x00, 0x01, 0x66, 0x00, 0x01, 0x0a, 0x0b, 0x02,
        0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x00, 0x09,
        0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x02, 0x01, 0x6d, 0x02, 0x04, 0x01,
        0x00, 0x00, 0x00, 0x07, 0x0f, 0x03, 0x70, 0x7d, 0x6b, 0x73, 0x40, 0x02,
        0x01, 0x61, 0x73, 0x01, 0x62, 0x05, 0x00, 0x06, 0x06, 0x1b, 0x03, 0x00,
        0x00, 0x01, 0x00, 0x01, 0x66, 0x00, 0x02, 0x01, 0x00, 0x03, 0x6d, 0x65,
        0x6d, 0x00, 0x00, 0x01, 0x00, 0x07, 0x72, 0x65, 0x61, 0x6c, 0x6c, 0x6f,
        0x63, 0x08, 0x0a, 0x01, 0x00, 0x00, 0x00, 0x02, 0x03, 0x00, 0x04, 0x01,
        0x07, 0x06, 0x09, 0x01, 0x00, 0x02, 0x01, 0x00, 0x03, 0x6d, 0x65, 0x6d,
        0x08, 0x0c, 0x02, 0x01, 0x00, 0x00, 0x02, 0x03, 0x01, 0x01, 0x01, 0x00,
        0x01, 0x00, 0x0b, 0x07, 0x01, 0x00, 0x01, 0x66, 0x01, 0x02, 0x00,
};

typedef struct seen {
    uint32_t n;
    wacc_canon_site sites[4];
} seen;

static void record_site(void *user, const wacc_canon_site *site)
{
    seen *s = user;
    if (s->n < 4)
        s->sites[s->n] = *site;
    s->n++;
}

START_TEST(test_validate_visit)
{
    wasm_error err = { 0 };
    wacc_component *c = wacc_component_decode(visit_bin, sizeof visit_bin, &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    wacc_arena a;
    wacc_arena_init(&a);
    seen s = { 0 };
    ck_assert_msg(wacc_component_validate_visit(c, WACC_CFEAT_DEFAULT, &err, &a, record_site, &s),
                  "%s", err.msg);
    ck_assert_uint_eq(s.n, 3);

    /* the lift: func(a: string, b: list<u8>) -> option<string> */
    const wacc_canon_site *l = &s.sites[0];
    ck_assert_ptr_eq(l->def, c);
    ck_assert_uint_eq(c->canons[l->canon].op, WACC_CANON_LIFT);
    ck_assert_uint_eq(l->nparams, 2);
    ck_assert(wacc_ctype_equal(l->params[0], wacc_ctype_prim(WACC_CT_STRING)));
    ck_assert(wacc_ctype_equal(l->params[1], wacc_ctype_list(&a, wacc_ctype_prim(WACC_CT_U8))));
    ck_assert(wacc_ctype_equal(l->result, wacc_ctype_option(&a, wacc_ctype_prim(WACC_CT_STRING))));
    ck_assert(!wacc_ctype_equal(l->result, wacc_ctype_prim(WACC_CT_STRING)));
    ck_assert_uint_eq(l->encoding, WACC_ENC_UTF8);
    ck_assert(!l->mem64 && !l->async);
    char key[128];
    ck_assert(wacc_adapter_key(l->params, l->nparams, l->result, l->encoding, WACC_ENC_UTF16,
                               key, sizeof key));
    ck_assert_str_eq(key, "(s,L2)->V2{_,s}|0|1");

    /* lower g: func(x: string) -> u32, utf16 */
    const wacc_canon_site *g = &s.sites[1];
    ck_assert_ptr_eq(g->def, c);
    ck_assert_uint_eq(c->canons[g->canon].op, WACC_CANON_LOWER);
    ck_assert_uint_ne(g->canon, l->canon);
    ck_assert_uint_eq(g->nparams, 1);
    ck_assert(wacc_ctype_equal(g->params[0], wacc_ctype_prim(WACC_CT_STRING)));
    ck_assert(wacc_ctype_equal(g->result, wacc_ctype_prim(WACC_CT_U32)));
    ck_assert_uint_eq(g->encoding, WACC_ENC_UTF16);

    /* lower h: own and borrow of one placeholder resource; no result (fusable since handles are) */
    const wacc_canon_site *h = &s.sites[2];
    ck_assert_uint_eq(c->canons[h->canon].op, WACC_CANON_LOWER);
    ck_assert_uint_eq(h->nparams, 2);
    ck_assert_ptr_null(h->result);
    ck_assert_uint_eq(h->params[0]->kind, WACC_CT_OWN);
    ck_assert_uint_eq(h->params[1]->kind, WACC_CT_BORROW);
    ck_assert_ptr_nonnull(h->params[0]->rt);
    ck_assert_ptr_eq(h->params[0]->rt, h->params[1]->rt);
    ck_assert(wacc_adapter_key(h->params, h->nparams, h->result, 0, 0, key, sizeof key));
    ck_assert_str_eq(key, "(o0,B0)->_|0|0");

    /* the plain validators accept it too, and a failing site is not reported */
    ck_assert(wacc_component_validate(c, &err));
    wacc_component_free(c);
    wacc_arena_fini(&a);

    uint8_t bad[sizeof visit_bin];
    memcpy(bad, visit_bin, sizeof bad);
    /* lower g (func 0, 2 options: memory 1, utf16) with memory 9 instead */
    static const uint8_t lower_g[] = { 0x01, 0x00, 0x00, 0x02, 0x03, 0x01, 0x01 };
    uint8_t *p = memmem(bad, sizeof bad, lower_g, sizeof lower_g);
    ck_assert_ptr_nonnull(p);
    p[5] = 0x09;
    c = wacc_component_decode(bad, sizeof bad, &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    wacc_arena_init(&a);
    s.n = 0;
    ck_assert(!wacc_component_validate_visit(c, WACC_CFEAT_DEFAULT, &err, &a, record_site, &s));
    ck_assert(strstr(err.msg, "out of bounds") != NULL);
    ck_assert_uint_eq(s.n, 1);      /* only the lift before it */
    wacc_component_free(c);
    wacc_arena_fini(&a);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("component");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_is_component);
    tcase_add_test(tc, test_decode_model);
    tcase_add_test(tc, test_truncations);
    tcase_add_test(tc, test_bitflips);
    tcase_add_test(tc, test_invalid_types);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_duplicate_import);
    tcase_add_test(tc, test_reexported_resource_constructor);
    tcase_add_test(tc, test_validate_visit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
