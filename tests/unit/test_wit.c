/*
 * test_wit.c — waccwit: parsing every type form, errors with positions,
 * resolution across packages, world elaboration, print -> parse -> print
 * round trips on the WASI reference packages, and the project's own WASI
 * 0.2 packages (wit/wasi-0.2) checked structurally against the reference.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wit.h"

#ifndef WIT_WASI_DIR
#define WIT_WASI_DIR "wit/wasi-0.2"
#endif
#ifndef WIT_REF_DIR
#define WIT_REF_DIR "../shared/spec/wasi"
#endif

static const char *const wasi_pkgs[] = { "io", "clocks", "random", "filesystem", "sockets", "cli", "http" };
#define NPKGS (sizeof wasi_pkgs / sizeof wasi_pkgs[0])

static bool dir_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Parse src alone, resolve, print; NULL + message on failure. */
static char *parse_print(const char *src, char *err, size_t errlen)
{
    wit_resolve *r = wit_resolve_new();
    wit_package *m = NULL;
    char *out = NULL;
    if (wit_parse_string(r, "t.wit", src, strlen(src), &m) && wit_resolve_all(r))
        out = wit_print(r, m, WIT_PRINT_DEPS);
    else
        snprintf(err, errlen, "%s", wit_error(r));
    wit_resolve_free(r);
    return out;
}

static void round_trip_string(const char *src)
{
    char err[512];
    char *a = parse_print(src, err, sizeof err);
    ck_assert_msg(a != NULL, "first parse: %s", err);
    char *b = parse_print(a, err, sizeof err);
    ck_assert_msg(b != NULL, "reparse: %s\n%s", err, a);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}

static const char *all_forms =
    "/// The package.\n"
    "package ex:all@1.2.3-rc.1;\n"
    "\n"
    "interface types {\n"
    "  /// A record.\n"
    "  record point { x: s32, y: s32, /** a doc block */ label: option<string> }\n"
    "  variant shape { circle(f64), square(tuple<f32, f32>), empty, }\n"
    "  enum color { red, green, blue }\n"
    "  flags perms { read, write, exec }\n"
    "  type bytes = list<u8>;\n"
    "  type mac = list<u8, 6>;\n"
    "  type r1 = result;\n"
    "  type r2 = result<u32>;\n"
    "  type r3 = result<_, string>;\n"
    "  type r4 = result<bool, color>;\n"
    "  type futs = tuple<future, future<u8>, stream, stream<bytes>>;\n"
    "  type m = map<string, u64>;\n"
    "  type all-prims = tuple<bool, s8, u8, s16, u16, s32, u32, s64, u64, f32, f64, char, string>;\n"
    "  resource blob {\n"
    "    constructor(init: list<u8>);\n"
    "    write: func(bytes: list<u8>);\n"
    "    read: func(n: u32) -> list<u8>;\n"
    "    merge: static func(lhs: borrow<blob>, rhs: own<blob>) -> blob;\n"
    "    wait: async func();\n"
    "  }\n"
    "  resource empty;\n"
    "  %type: func(%list: bytes) -> point;\n"
    "  @since(version = 1.0.0)\n"
    "  @deprecated(version = 1.2.0)\n"
    "  old: func();\n"
    "  @unstable(feature = fancy)\n"
    "  new: async func() -> future<result<point, shape>>;\n"
    "}\n"
    "\n"
    "interface user {\n"
    "  use types.{point, blob as b};\n"
    "  use ex:other/thing@0.1.0.{widget};\n"
    "  make: func(p: point, w: widget) -> b;\n"
    "}\n"
    "\n"
    "world base { import ex:other/thing@0.1.0; export user; }\n"
    "world full {\n"
    "  include base;\n"
    "  include ex:other/w@0.1.0 with { f as g }\n"
    "  use types.{color};\n"
    "  record local { c: color }\n"
    "  import log: func(msg: string);\n"
    "  import inline: interface { use types.{point}; at: func() -> point; }\n"
    "  import named: types;\n"
    "  export run: func() -> result;\n"
    "}\n"
    "\n"
    "package ex:other@0.1.0 {\n"
    "  interface thing { resource widget; }\n"
    "  world w { import f: func(); }\n"
    "}\n";

START_TEST(all_type_forms_round_trip)
{
    char *src = strdup(all_forms);
    round_trip_string(src);

    wit_resolve *r = wit_resolve_new();
    wit_package *m;
    ck_assert_msg(wit_parse_string(r, "t.wit", src, strlen(src), &m), "%s", wit_error(r));
    ck_assert_msg(wit_resolve_all(r), "%s", wit_error(r));
    ck_assert_str_eq(m->version, "1.2.3-rc.1");
    ck_assert_str_eq(m->docs, "The package.");
    wit_interface *types = wit_find_interface(m, "types");
    ck_assert_ptr_nonnull(types);
    wit_typedef *pt = wit_find_type(types, "point");
    ck_assert_int_eq(pt->kind, WIT_D_RECORD);
    ck_assert_uint_eq(pt->nfields, 3);
    ck_assert_str_eq(pt->fields[2].docs, "a doc block");
    wit_typedef *blob = wit_find_type(types, "blob");
    ck_assert_uint_eq(blob->nfuncs, 5);
    ck_assert_int_eq(blob->funcs[0]->kind, WIT_F_CONSTRUCTOR);
    ck_assert_int_eq(blob->funcs[3]->kind, WIT_F_STATIC);
    ck_assert(blob->funcs[4]->async);
    ck_assert_str_eq(wit_find_type(types, "mac")->alias->kind == WIT_T_FIXED_LIST ? "ok" : "no", "ok");
    ck_assert_uint_eq(wit_find_type(types, "mac")->alias->len, 6);
    wit_interface *user = wit_find_interface(m, "user");
    wit_typedef *b = wit_find_type(user, "b");
    ck_assert_ptr_eq(wit_typedef_real(b), blob);
    /* full = base (imports thing, exports user; user's deps imported) + w (f renamed g) */
    wit_world *full = wit_find_world(m, "full");
    bool has_g = false, has_types = false, has_thing = false;
    for (uint32_t i = 0; i < full->nall_imports; i++) {
        wit_extern *x = full->all_imports[i];
        if (x->name && strcmp(x->name, "g") == 0)
            has_g = true;
        if (x->kind == WIT_X_INTERFACE && x->iface == types)
            has_types = true;
        if (x->kind == WIT_X_INTERFACE && strcmp(x->iface->name, "thing") == 0)
            has_thing = true;
    }
    ck_assert(has_g && has_types && has_thing);
    ck_assert_uint_eq(full->nall_exports, 2);
    char *d = wit_dump(r, m);
    ck_assert_ptr_nonnull(strstr(d, "method read(n: u32) -> list<u8>"));
    ck_assert_ptr_nonnull(strstr(d, "func make(p: ex:all/types@1.2.3-rc.1#point, "
                                    "w: own<ex:other/thing@0.1.0#widget>) -> own<ex:all/types@1.2.3-rc.1#blob>"));
    free(d);
    wit_resolve_free(r);
    free(src);
}
END_TEST

static void expect_error(const char *src, const char *want)
{
    wit_resolve *r = wit_resolve_new();
    bool ok = wit_parse_string(r, "bad.wit", src, strlen(src), NULL) && wit_resolve_all(r);
    ck_assert_msg(!ok, "accepted: %s", src);
    ck_assert_msg(strstr(wit_error(r), want) != NULL, "error '%s' lacks '%s'", wit_error(r), want);
    wit_resolve_free(r);
}

START_TEST(errors_have_positions)
{
    expect_error("package a:b;\ninterface i {\n  f: func(x: nope);\n}\n", "bad.wit:3:14: type 'nope' is not defined");
    expect_error("package a:b;\ninterface i {\n  f: func() -> ;\n}\n", "bad.wit:3:16: expected a type");
    expect_error("package a:b;\ninterface i { record r { a: u8, a: u8 } }", "bad.wit:2:33: duplicate name 'a'");
    expect_error("package a:b;\ninterface i { use j.{x}; }", "bad.wit:2:19: interface 'j' not found");
    expect_error("package a:b;\ninterface i { use c:d/j.{x}; }", "package 'c:d' not found");
    expect_error("package a:b;\ninterface j { }\ninterface i { use j.{x}; }", "type 'x' not found in interface 'j'");
    expect_error("package a:b;\ninterface i { type t = u8; f: func(x: borrow<t>); }", "'t' is not a resource type");
    expect_error("package a:b;\ninterface i { list: func(); }", "bad.wit:2:15: 'list' is a keyword");
    expect_error("package a:b;\ninterface i { Foo_bar: func(); }", "kebab-case");
    expect_error("package a:b;\nworld w { include w; }", "includes itself");
    expect_error("package a:b;\ninterface i { f: func(); f: func(); }", "defined more than once");
    expect_error("package a:b@1.0;\n", "not a valid semver");
    expect_error("interface i { }\n", "no package declaration");
    expect_error("package a:b;\n/* open", "unterminated block comment");
    expect_error("package a:b;\ninterface i { type t = list<u8, 0>; }", "positive integer");
    expect_error("package a:b;\ninterface i { @since(version = 1.0.0) @since(version = 1.0.0) f: func(); }", "duplicate @since");
    expect_error("package a:b;\ninterface i { use k.{x}; }\ninterface k { use i.{x}; }", "circular");
}
END_TEST

START_TEST(use_chains_and_toplevel_use)
{
    const char *src =
        "package a:b;\n"
        "use a:c/base as bb;\n"
        "interface mid { use bb.{t as u}; }\n"
        "interface top { use mid.{u}; f: func(x: u) -> u; }\n"
        "world w { import top; }\n"
        "package a:c { interface base { type t = string; } }\n";
    wit_resolve *r = wit_resolve_new();
    wit_package *m;
    ck_assert_msg(wit_parse_string(r, "u.wit", src, strlen(src), &m) && wit_resolve_all(r), "%s", wit_error(r));
    wit_typedef *u = wit_find_type(wit_find_interface(m, "top"), "u");
    wit_typedef *real = wit_typedef_real(u);
    ck_assert_str_eq(real->name, "t");
    ck_assert_int_eq(real->kind, WIT_D_ALIAS);
    /* w imports top, and implicitly mid and base before it */
    wit_world *w = wit_find_world(m, "w");
    ck_assert_uint_eq(w->nall_imports, 3);
    ck_assert_str_eq(w->all_imports[0]->iface->name, "base");
    ck_assert_str_eq(w->all_imports[1]->iface->name, "mid");
    ck_assert_str_eq(w->all_imports[2]->iface->name, "top");
    char *text = wit_print(r, m, WIT_PRINT_DEPS);
    ck_assert_ptr_nonnull(strstr(text, "use a:c/base.{t as u};"));
    free(text);
    wit_resolve_free(r);
    round_trip_string(src);
}
END_TEST

/* Load every package of a WASI release directory into one resolve. */
static wit_resolve *load_release(const char *dir, wit_package **pkgs, char *err, size_t errlen)
{
    wit_resolve *r = wit_resolve_new();
    for (size_t i = 0; i < NPKGS; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, wasi_pkgs[i]);
        pkgs[i] = NULL;
        if (!dir_exists(path))
            continue;
        if (!wit_load_path(r, path, &pkgs[i])) {
            snprintf(err, errlen, "%s", wit_error(r));
            wit_resolve_free(r);
            return NULL;
        }
    }
    if (!wit_resolve_all(r)) {
        snprintf(err, errlen, "%s", wit_error(r));
        wit_resolve_free(r);
        return NULL;
    }
    return r;
}

static void round_trip_release(const char *dir)
{
    char err[512];
    wit_package *pkgs[NPKGS];
    wit_resolve *r = load_release(dir, pkgs, err, sizeof err);
    ck_assert_msg(r != NULL, "%s: %s", dir, err);
    for (size_t i = 0; i < NPKGS; i++) {
        if (pkgs[i] == NULL)
            continue;
        char *a = wit_print(r, pkgs[i], WIT_PRINT_DEPS);
        ck_assert_ptr_nonnull(a);
        wit_resolve *r2 = wit_resolve_new();
        wit_package *m2;
        ck_assert_msg(wit_parse_string(r2, "printed.wit", a, strlen(a), &m2) && wit_resolve_all(r2),
                      "%s/%s reparse: %s", dir, wasi_pkgs[i], wit_error(r2));
        char *b = wit_print(r2, m2, WIT_PRINT_DEPS);
        ck_assert_msg(strcmp(a, b) == 0, "%s/%s: print differs after reparse", dir, wasi_pkgs[i]);
        /* and the structure survives printing */
        char *d1 = wit_dump(r, pkgs[i]), *d2 = wit_dump(r2, m2);
        ck_assert_str_eq(d1, d2);
        free(d1);
        free(d2);
        free(a);
        free(b);
        wit_resolve_free(r2);
    }
    wit_resolve_free(r);
}

START_TEST(wasi_0_2_round_trip)
{
    if (!dir_exists(WIT_REF_DIR "/0.2.12")) {
        fprintf(stderr, "skip: no %s\n", WIT_REF_DIR "/0.2.12");
        return;
    }
    round_trip_release(WIT_REF_DIR "/0.2.12");
}
END_TEST

START_TEST(wasi_0_3_round_trip)
{
    if (!dir_exists(WIT_REF_DIR "/0.3.0")) {
        fprintf(stderr, "skip: no %s\n", WIT_REF_DIR "/0.3.0");
        return;
    }
    round_trip_release(WIT_REF_DIR "/0.3.0");
}
END_TEST

START_TEST(own_wasi_matches_reference)
{
    char err[512];
    wit_package *ours[NPKGS], *ref[NPKGS];
    wit_resolve *ro = load_release(WIT_WASI_DIR, ours, err, sizeof err);
    ck_assert_msg(ro != NULL, "ours: %s", err);
    if (!dir_exists(WIT_REF_DIR "/0.2.12")) {
        fprintf(stderr, "skip comparison: no %s\n", WIT_REF_DIR "/0.2.12");
        wit_resolve_free(ro);
        return;
    }
    wit_resolve *rr = load_release(WIT_REF_DIR "/0.2.12", ref, err, sizeof err);
    ck_assert_msg(rr != NULL, "reference: %s", err);
    for (size_t i = 0; i < NPKGS; i++) {
        ck_assert_msg(ours[i] != NULL, "wit/wasi-0.2 lacks %s", wasi_pkgs[i]);
        char *a = wit_dump(ro, ours[i]), *b = wit_dump(rr, ref[i]);
        if (strcmp(a, b) != 0) {
            /* show the first differing line */
            size_t k = 0;
            while (a[k] == b[k])
                k++;
            while (k > 0 && a[k - 1] != '\n')
                k--;
            ck_abort_msg("%s differs:\n ours: %.200s\n  ref: %.200s", wasi_pkgs[i], a + k, b + k);
        }
        free(a);
        free(b);
    }
    wit_resolve_free(ro);
    wit_resolve_free(rr);
}
END_TEST

START_TEST(dir_with_deps)
{
    char tmpl[] = "/tmp/wit-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/deps", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/deps/dep", dir);
    mkdir(path, 0700);
    struct { const char *name, *text; } files[] = {
        { "a.wit", "package my:app@1.0.0;\ninterface api { use my:dep/types@2.0.0.{t}; f: func() -> t; }\n" },
        { "b.wit", "world app { export api; }\n" },
        { "deps/dep/types.wit", "package my:dep@2.0.0;\ninterface types { type t = u32; }\n" },
        { "deps/single.wit", "package my:single;\ninterface s { }\n" },
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(files[i].text, f);
        fclose(f);
    }
    wit_resolve *r = wit_resolve_new();
    wit_package *m;
    ck_assert_msg(wit_load_path(r, dir, &m) && wit_resolve_all(r), "%s", wit_error(r));
    ck_assert_str_eq(m->name, "app");
    ck_assert_uint_eq(r->npackages, 3);
    wit_world *w = wit_find_world(m, "app");
    ck_assert_uint_eq(w->nall_imports, 1);      /* my:dep/types, implicitly */
    ck_assert_uint_eq(w->nall_exports, 1);
    wit_resolve_free(r);
    for (size_t i = sizeof files / sizeof files[0]; i-- > 0;) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/deps/dep", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/deps", dir);
    rmdir(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wit");
    TCase *tc = tcase_create("wit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, all_type_forms_round_trip);
    tcase_add_test(tc, errors_have_positions);
    tcase_add_test(tc, use_chains_and_toplevel_use);
    tcase_add_test(tc, dir_with_deps);
    tcase_add_test(tc, wasi_0_2_round_trip);
    tcase_add_test(tc, wasi_0_3_round_trip);
    tcase_add_test(tc, own_wasi_matches_reference);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
