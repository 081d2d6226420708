/* test_validate.c — validation rules, on small hand-written modules. */
#include "wasm.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    uint8_t b[4096];
    size_t n;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    ck_assert(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_u8(buf *o, uint8_t x) { put(o, &x, 1); }

static void put_leb(buf *o, uint32_t x)
{
    do {
        uint8_t b = x & 0x7F;
        x >>= 7;
        put_u8(o, b | (x ? 0x80 : 0));
    } while (x);
}

static void section(buf *o, uint8_t id, const void *content, size_t n)
{
    put_u8(o, id);
    put_leb(o, (uint32_t)n);
    put(o, content, n);
}

/* A module case: the type section's content, raw sections placed after the
 * function section (ids 4..9, 12 in order, already framed), the body of
 * function 0 (of type 0; locals vector + code, without the size), and the
 * expected error (NULL: valid). */
typedef struct vcase {
    const char *name;
    const char *types;      /* NULL: one type () -> () */
    size_t ntypes;
    const char *mid;
    size_t nmid;
    const char *body;       /* NULL: no function */
    size_t nbody;
    const char *tail;       /* raw sections after code (data) */
    size_t ntail;
    const char *expect;
} vcase;

#define S(lit) lit, sizeof(lit) - 1
#define NONE NULL, 0

static void build(const vcase *c, buf *o)
{
    o->n = 0;
    put(o, "\0asm\1\0\0\0", 8);
    if (c->types)
        section(o, 1, c->types, c->ntypes);
    else
        section(o, 1, "\x01\x60\x00\x00", 4);
    if (c->body)
        section(o, 3, "\x01\x00", 2);
    if (c->mid)
        put(o, c->mid, c->nmid);
    if (c->body) {
        buf code = { .n = 0 };
        put_u8(&code, 1);
        put_leb(&code, (uint32_t)c->nbody);
        put(&code, c->body, c->nbody);
        section(o, 10, code.b, code.n);
    }
    if (c->tail)
        put(o, c->tail, c->ntail);
}

static void run_case(const vcase *c)
{
    buf o;
    build(c, &o);
    wasm_error err = { 0, "" };
    wasm_module *m = wasm_decode(o.b, o.n, 0, 0, &err);
    ck_assert_msg(m != NULL, "%s: decode failed: %s", c->name, err.msg);
    bool ok = wasm_validate(m, &err);
    wasm_module_free(m);
    if (!c->expect) {
        ck_assert_msg(ok, "%s: expected valid, got \"%s\"", c->name, err.msg);
    } else {
        ck_assert_msg(!ok, "%s: expected \"%s\", but valid", c->name, c->expect);
        ck_assert_msg(strstr(err.msg, c->expect) != NULL, "%s: expected \"%s\", got \"%s\"",
                      c->name, c->expect, err.msg);
    }
}

/* type 0: () -> (); type 1: (i32) -> i32; type 2: (i32 i32) -> (i32 i32) */
#define T3 S("\x03\x60\x00\x00\x60\x01\x7f\x01\x7f\x60\x02\x7f\x7f\x02\x7f\x7f")
/* type 0: (i32) -> i32 */
#define T_I_I S("\x01\x60\x01\x7f\x01\x7f")
#define MEM1 "\x05\x03\x01\x00\x01"

static const vcase cases[] = {
    { "empty body", NONE, NONE, S("\x00\x0b"), NONE, NULL },
    { "add", T_I_I, NONE, S("\x00\x20\x00\x41\x01\x6a\x0b"), NONE, NULL },
    { "add f32", T_I_I, NONE, S("\x00\x20\x00\x43\x00\x00\x00\x00\x6a\x0b"), NONE, "type mismatch" },
    { "missing result", T_I_I, NONE, S("\x00\x0b"), NONE, "type mismatch" },
    { "extra value", NONE, NONE, S("\x00\x41\x00\x0b"), NONE, "type mismatch" },
    { "unknown local", NONE, NONE, S("\x00\x20\x00\x1a\x0b"), NONE, "unknown local" },
    { "locals", NONE, NONE, S("\x01\x02\x7e\x20\x01\x1a\x0b"), NONE, NULL },
    { "unknown label", NONE, NONE, S("\x00\x0c\x01\x0b"), NONE, "unknown label" },
    { "unreachable polymorphic", T_I_I, NONE, S("\x00\x00\x6a\x0b"), NONE, NULL },
    { "unreachable still typed", T_I_I, NONE,
      S("\x00\x00\x42\x00\x6a\x0b"), NONE, "type mismatch" },
    { "br polymorphic", T_I_I, NONE, S("\x00\x41\x00\x0c\x00\x1a\x0b"), NONE, NULL },
    { "multi-value block", T3, NONE,
      S("\x00\x41\x01\x41\x02\x02\x02\x0b\x1a\x1a\x0b"), NONE, NULL },
    { "block params missing", T3, NONE, S("\x00\x02\x02\x0b\x1a\x1a\x0b"), NONE, "type mismatch" },
    { "loop label takes params", T3, NONE,
      S("\x00\x41\x01\x41\x02\x03\x02\x0c\x00\x0b\x1a\x1a\x0b"), NONE, NULL },
    { "unknown block type", NONE, NONE, S("\x00\x02\x09\x0b\x0b"), NONE, "unknown type" },
    { "if without else", NONE, NONE, S("\x00\x41\x00\x04\x7f\x41\x01\x0b\x1a\x0b"), NONE,
      "type mismatch" },
    { "if else", NONE, NONE, S("\x00\x41\x00\x04\x7f\x41\x01\x05\x41\x02\x0b\x1a\x0b"), NONE, NULL },
    { "br_table arity", NONE, NONE,
      S("\x00\x02\x7f\x02\x40\x41\x00\x0e\x01\x00\x01\x0b\x41\x00\x0b\x1a\x0b"), NONE,
      "type mismatch" },
    { "br_table ok", NONE, NONE,
      S("\x00\x02\x40\x02\x40\x41\x00\x0e\x01\x00\x01\x0b\x0b\x0b"), NONE, NULL },
    { "select numeric", NONE, NONE, S("\x00\x41\x01\x41\x02\x41\x00\x1b\x1a\x0b"), NONE, NULL },
    { "select ref untyped", NONE, NONE,
      S("\x00\xd0\x70\xd0\x70\x41\x00\x1b\x1a\x0b"), NONE, "type mismatch" },
    { "select typed ref", NONE, NONE,
      S("\x00\xd0\x70\xd0\x70\x41\x00\x1c\x01\x70\x1a\x0b"), NONE, NULL },
    { "select typed arity", NONE, NONE,
      S("\x00\x41\x00\x41\x00\x41\x00\x1c\x02\x7f\x7f\x1a\x0b"), NONE, "invalid result arity" },
    { "select mixed", NONE, NONE,
      S("\x00\x41\x01\x42\x02\x41\x00\x1b\x1a\x0b"), NONE, "type mismatch" },
    { "call unknown", NONE, NONE, S("\x00\x10\x05\x0b"), NONE, "unknown function" },
    { "call_indirect no table", NONE, NONE, S("\x00\x41\x00\x11\x00\x00\x0b"), NONE,
      "unknown table" },
    { "call_indirect", NONE, S("\x04\x04\x01\x70\x00\x01"), S("\x00\x41\x00\x11\x00\x00\x0b"),
      NONE, NULL },
    { "ref.func undeclared", NONE, NONE, S("\x00\xd2\x00\x1a\x0b"), NONE,
      "undeclared function reference" },
    { "ref.func declared", NONE, S("\x09\x05\x01\x03\x00\x01\x00"), S("\x00\xd2\x00\x1a\x0b"),
      NONE, NULL },
    { "ref.func exported", NONE, S("\x07\x05\x01\x01" "f" "\x00\x00"), S("\x00\xd2\x00\x1a\x0b"),
      NONE, NULL },
    { "ref.is_null on i32", NONE, NONE, S("\x00\x41\x00\xd1\x1a\x0b"), NONE, "type mismatch" },
    { "global immutable", NONE, S("\x06\x06\x01\x7f\x00\x41\x00\x0b"),
      S("\x00\x41\x01\x24\x00\x0b"), NONE, "global is immutable" },
    { "global mutable", NONE, S("\x06\x06\x01\x7f\x01\x41\x00\x0b"),
      S("\x00\x41\x01\x24\x00\x0b"), NONE, NULL },
    { "global init type", NONE, S("\x06\x06\x01\x7e\x00\x41\x00\x0b"), NONE, NONE, "type mismatch" },
    { "global init not const", NONE, S("\x06\x09\x01\x7f\x00\x41\x00\x41\x00\x6a\x0b"), NONE, NONE,
      "constant expression required" },
    { "global init refers to defined global", NONE,
      S("\x06\x0b\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b"), NONE, NONE, "unknown global" },
    { "load no memory", NONE, NONE, S("\x00\x41\x00\x28\x02\x00\x1a\x0b"), NONE, "unknown memory" },
    { "load", NONE, S(MEM1), S("\x00\x41\x00\x28\x02\x00\x1a\x0b"), NONE, NULL },
    { "load align", NONE, S(MEM1), S("\x00\x41\x00\x28\x03\x00\x1a\x0b"), NONE,
      "alignment must not be larger than natural" },
    { "load8 align", NONE, S(MEM1), S("\x00\x41\x00\x2d\x01\x00\x1a\x0b"), NONE,
      "alignment must not be larger than natural" },
    { "memory.grow", NONE, S(MEM1), S("\x00\x41\x00\x40\x00\x1a\x0b"), NONE, NULL },
    { "memory too big", NONE, S("\x05\x05\x01\x00\x81\x80\x04"), NONE, NONE,
      "memory size must be at most 65536 pages (4GiB)" },
    { "memory min > max", NONE, S("\x05\x04\x01\x01\x02\x01"), NONE, NONE,
      "size minimum must not be greater than maximum" },
    { "two memories", NONE, S("\x05\x05\x02\x00\x01\x00\x01"), NONE, NONE, "multiple memories" },
    { "two tables ok", NONE, S("\x04\x07\x02\x70\x00\x01\x6f\x00\x01"), NONE, NONE, NULL },
    { "table min > max", NONE, S("\x04\x05\x01\x70\x01\x02\x01"), NONE, NONE,
      "size minimum must not be greater than maximum" },
    { "duplicate export", NONE, S("\x07\x09\x02\x01" "a" "\x00\x00\x01" "a" "\x00\x00"),
      S("\x00\x0b"), NONE, "duplicate export name" },
    { "export unknown", NONE, S("\x07\x05\x01\x01" "a" "\x02\x00"), NONE, NONE, "unknown memory" },
    { "start type", T_I_I, S("\x08\x01\x00"), S("\x00\x20\x00\x0b"), NONE, "start function" },
    { "start ok", NONE, S("\x08\x01\x00"), S("\x00\x0b"), NONE, NULL },
    { "simd lane", NONE, NONE,
      S("\x00\xfd\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        "\xfd\x1b\x04\x1a\x0b"), NONE, "invalid lane index" },
    { "simd ops", NONE, NONE,
      S("\x00\x41\x07\xfd\x11\x41\x01\xfd\xab\x01\xfd\x1b\x03\x1a\x0b"), NONE, NULL },
    { "shuffle lane", NONE, NONE,
      S("\x00\x41\x00\xfd\x0f\x41\x00\xfd\x0f\xfd\x0d"
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x20\x1a\x0b"),
      NONE, "invalid lane index" },
    { "elem segment type", NONE, S("\x04\x04\x01\x6f\x00\x01" "\x09\x07\x01\x00\x41\x00\x0b\x01\x00"),
      S("\x00\x0b"), NONE, "type mismatch" },
    { "elem offset not i32", NONE,
      S("\x04\x04\x01\x70\x00\x01" "\x09\x07\x01\x00\x42\x00\x0b\x01\x00"), S("\x00\x0b"), NONE,
      "type mismatch" },
    { "table.init unknown elem", NONE, S("\x04\x04\x01\x70\x00\x01"),
      S("\x00\x41\x00\x41\x00\x41\x00\xfc\x0c\x00\x00\x0b"), NONE, "unknown elem segment" },
    { "data.drop unknown", NONE, S(MEM1 "\x0c\x01\x00"), S("\x00\xfc\x09\x00\x0b"), NONE,
      "unknown data segment" },
    { "data offset", NONE, S(MEM1), NONE, S("\x0b\x07\x01\x00\x42\x00\x0b\x01\x61"),
      "type mismatch" },
    { "data no memory", NONE, NONE, NONE, S("\x0b\x07\x01\x00\x41\x00\x0b\x01\x61"),
      "unknown memory" },
    { "table.copy types", NONE, S("\x04\x07\x02\x70\x00\x01\x6f\x00\x01"),
      S("\x00\x41\x00\x41\x00\x41\x00\xfc\x0e\x00\x01\x0b"), NONE, "type mismatch" },
    { "else without if", NONE, NONE, S("\x00\x02\x40\x05\x0b\x0b"), NONE, "else" },
};

START_TEST(module_cases)
{
    run_case(&cases[_i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, module_cases, 0, (int)(sizeof cases / sizeof *cases));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
