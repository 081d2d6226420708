/* Unit tests of the component value syntax of .wast scripts (wast_cval.c). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wast_cval.h"

/* Parse, print, and compare the printed text with `want` (NULL: the input). */
static void roundtrip(const char *text, const char *want)
{
    wcv v;
    char err[300], buf[1000];
    ck_assert_msg(wcv_parse(text, &v, err, sizeof err), "%s: %s", text, err);
    wcv_format(buf, sizeof buf, &v);
    ck_assert_str_eq(buf, want ? want : text);
    /* the printed form parses back to a value that matches */
    wcv w;
    ck_assert_msg(wcv_parse(buf, &w, err, sizeof err), "%s: %s", buf, err);
    ck_assert(wcv_match(&v, &w));
    wcv_free(&w);
    wcv_free(&v);
}

static void bad(const char *text, const char *why)
{
    wcv v;
    char err[300];
    ck_assert_msg(!wcv_parse(text, &v, err, sizeof err), "accepted %s", text);
    ck_assert_msg(strstr(err, why) != NULL, "%s: got '%s', want '%s'", text, err, why);
}

static bool match(const char *exp, const char *got)
{
    wcv e, g;
    char err[300];
    ck_assert_msg(wcv_parse(exp, &e, err, sizeof err), "%s", err);
    ck_assert_msg(wcv_parse(got, &g, err, sizeof err), "%s", err);
    bool r = wcv_match(&e, &g);
    wcv_free(&e);
    wcv_free(&g);
    return r;
}

START_TEST(scalars)
{
    roundtrip("(bool.const true)", NULL);
    roundtrip("(u8.const 255)", NULL);
    roundtrip("(s8.const -128)", NULL);
    roundtrip("(u64.const 18446744073709551615)", NULL);
    roundtrip("(s64.const -9223372036854775808)", NULL);
    roundtrip("(u32.const 0x10)", "(u32.const 16)");
    roundtrip("(u32.const 1_000)", "(u32.const 1000)");
    roundtrip("(f32.const -3.3)", "(f32.const -3.29999995)");
    roundtrip("(f64.const 45.5)", NULL);
    roundtrip("(f64.const nan)", NULL);
    roundtrip("(f32.const nan:canonical)", "(f32.const nan)");
    roundtrip("(char.const \"\xf0\x9f\x8d\xb0\")", NULL);
    roundtrip("(char.const \"\\u{26f3}\")", "(char.const \"\xe2\x9b\xb3\")");
    roundtrip("(str.const \"a\\\"b\\\\c\\00\")", "(str.const \"a\\\"b\\\\c\\00\")");
}
END_TEST

START_TEST(compounds)
{
    roundtrip("(list.const (u32.const 1) (u32.const 2))", NULL);
    roundtrip("(list.const)", NULL);
    roundtrip("(tuple.const (str.const \"a\") (u8.const 7))", NULL);
    roundtrip("(record.const (field \"s\" str.const \"v=\") (field \"n\" u32.const 7))",
              "(record.const (field \"s\" (str.const \"v=\")) (field \"n\" (u32.const 7)))");
    roundtrip("(record.const (field \"scores\" list.const (u32.const 10) (u32.const 20)))",
              "(record.const (field \"scores\" (list.const (u32.const 10) (u32.const 20))))");
    roundtrip("(variant.const \"b\")", NULL);
    roundtrip("(variant.const \"a\" (u32.const 42))", NULL);
    roundtrip("(enum.const \"E1\")", NULL);
    roundtrip("(option.none)", NULL);
    roundtrip("(option.some (tuple.const (str.const \"n=\") (u32.const 7)))", NULL);
    roundtrip("(result.ok)", NULL);
    roundtrip("(result.err (u32.const 404))", NULL);
    roundtrip("(flags.const \"a\" \"c\")", NULL);
    roundtrip("(flags.const)", NULL);
    roundtrip("  (u8.const 1) ;; comment\n", "(u8.const 1)");
}
END_TEST

START_TEST(errors)
{
    bad("(u8.const 256)", "out of range");
    bad("(s8.const 128)", "out of range");
    bad("(u32.const -1)", "negative");
    bad("(u64.const 18446744073709551616)", "bad integer");
    bad("(bool.const 1)", "true or false");
    bad("(char.const \"ab\")", "exactly one");
    bad("(char.const \"\")", "exactly one");
    bad("(i32.const 1)", "unknown value form");
    bad("(u8.const 1) (u8.const 2)", "text after");
    bad("(u8.const 1", "expected ')'");
    bad("(str.const \"abc)", "unterminated");
    bad("(option.some)", "option.some needs one value");
    bad("(variant.const \"a\" (u8.const 1) (u8.const 2))", "too many");
    bad("(record.const (u8.const 1))", "field");
    bad("", "expected '('");
}
END_TEST

START_TEST(matching)
{
    ck_assert(match("(f32.const nan)", "(f32.const nan:0x200000)"));
    ck_assert(!match("(f32.const nan)", "(f32.const 1)"));
    ck_assert(!match("(f64.const 0)", "(f64.const -0)"));
    ck_assert(match("(flags.const \"a\" \"b\")", "(flags.const \"b\" \"a\")"));
    ck_assert(!match("(flags.const \"a\" \"b\")", "(flags.const \"a\")"));
    ck_assert(!match("(u8.const 1)", "(u16.const 1)"));
    ck_assert(!match("(result.ok)", "(result.err)"));
    ck_assert(!match("(variant.const \"a\")", "(variant.const \"b\")"));
    ck_assert(!match("(record.const (field \"a\" u8.const 1))", "(record.const (field \"b\" u8.const 1))"));
    ck_assert(!match("(list.const (u8.const 1))", "(list.const (u8.const 1) (u8.const 1))"));
    ck_assert(match("(str.const \"\\00x\")", "(str.const \"\\00x\")"));
    ck_assert(!match("(str.const \"\\00x\")", "(str.const \"\\00y\")"));
}
END_TEST

START_TEST(truncation)
{
    wcv v;
    char err[100], buf[16];
    ck_assert(wcv_parse("(str.const \"a long string value\")", &v, err, sizeof err));
    wcv_format(buf, sizeof buf, &v);
    ck_assert_uint_eq(strlen(buf), sizeof buf - 1);
    ck_assert_str_eq(buf + sizeof buf - 4, "...");
    wcv_free(&v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cval");
    TCase *tc = tcase_create("cval");
    tcase_add_test(tc, scalars);
    tcase_add_test(tc, compounds);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, matching);
    tcase_add_test(tc, truncation);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
