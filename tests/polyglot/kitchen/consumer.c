/* consumer.c — imports r2:kitchen/api (kitchen.wit) through `wacc bindgen c`
 * bindings and exports run(): one line saying what every call gave back. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"

#define API(name) r2_kitchen_api_##name

static char out[4096];
static size_t len;

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + len, sizeof out - len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof out - len)
        len += (size_t)n;
}

static void str(const consumer_string_t *s) { say("'%.*s'", (int)s->len, (const char *)s->ptr); }

static void point(const API(point_t) *p)
{
    say("{x=%d y=%d label=", (int)p->x, (int)p->y);
    str(&p->label);
    say("}");
}

static void shape(const API(shape_t) *s)
{
    switch (s->tag) {
    case R2_KITCHEN_API_SHAPE_CIRCLE: say("circle(%g)", s->val.circle); break;
    case R2_KITCHEN_API_SHAPE_RECT: say("rect(%g,%g)", s->val.rect.f0, s->val.rect.f1); break;
    case R2_KITCHEN_API_SHAPE_POLY:
        say("poly[");
        for (size_t i = 0; i < s->val.poly.len; i++)
            point(&s->val.poly.ptr[i]);
        say("]");
        break;
    default: say("empty"); break;
    }
}

void exports_consumer_run(consumer_string_t *ret)
{
    len = 0;
    /* resources */
    API(own_counter_t) a = API(constructor_counter)(5), b = API(constructor_counter)(10);
    API(method_counter_inc)(API(borrow_counter)(a), 3);
    consumer_string_t name;
    API(method_counter_name)(API(borrow_counter)(b), &name);
    say("counter a=%u ", API(method_counter_get)(API(borrow_counter)(a)));
    str(&name);
    consumer_string_free(&name);
    API(own_counter_t) m = API(static_counter_merge)(a, API(borrow_counter)(b));
    say(" merged=%u; ", API(method_counter_get)(API(borrow_counter)(m)));
    API(counter_drop_own)(m);
    API(counter_drop_own)(b);

    say("bool %d %d; ", API(echo_bool)(true), API(echo_bool)(false));
    consumer_tuple8_s8_u8_s16_u16_s32_u32_s64_u64_t t8;
    API(echo_ints)(-128, 255, -32768, 65535, -2147483647 - 1, 4294967295u, INT64_MIN, UINT64_MAX, &t8);
    say("ints %d %u %d %u %ld %lu %lld %llu; ", t8.f0, t8.f1, t8.f2, t8.f3, (long)t8.f4,
        (unsigned long)t8.f5, (long long)t8.f6, (unsigned long long)t8.f7);
    consumer_tuple2_f32_f64_t tf;
    API(echo_floats)(1.5f, -0.25, &tf);
    say("floats %g %g; ", tf.f0, tf.f1);
    say("char %x; ", API(echo_char)(0x1F600));

    consumer_string_t s, s2;
    consumer_string_set(&s, "gr\xc3\xbc\xc3\x9f" "e");
    API(echo_string)(&s, &s2);
    say("string len=%zu same=%d; ", s2.len, s2.len == s.len && memcmp(s.ptr, s2.ptr, s.len) == 0);
    consumer_string_free(&s2);

    API(point_t) p = { 3, -4, { (uint8_t *)"pt", 2 } }, p2;
    API(echo_point)(&p, &p2);
    say("point ");
    point(&p2);
    API(point_free)(&p2);

    API(point_t) poly[2] = { { 1, 2, { (uint8_t *)"a", 1 } }, { 3, 4, { (uint8_t *)"bb", 2 } } };
    API(shape_t) shapes[4];
    shapes[0].tag = R2_KITCHEN_API_SHAPE_CIRCLE, shapes[0].val.circle = 2.5;
    shapes[1].tag = R2_KITCHEN_API_SHAPE_RECT, shapes[1].val.rect.f0 = 3, shapes[1].val.rect.f1 = 0.5f;
    shapes[2].tag = R2_KITCHEN_API_SHAPE_POLY, shapes[2].val.poly.ptr = poly, shapes[2].val.poly.len = 2;
    shapes[3].tag = R2_KITCHEN_API_SHAPE_EMPTY;
    say("; shapes");
    for (int i = 0; i < 4; i++) {
        API(shape_t) r;
        API(echo_shape)(&shapes[i], &r);
        say(" ");
        shape(&r);
        API(shape_free)(&r);
    }
    say("; color %u perms %u id %llu; ", API(echo_color)(R2_KITCHEN_API_COLOR_BLUE),
        API(echo_perms)(R2_KITCHEN_API_PERMS_READ | R2_KITCHEN_API_PERMS_EXEC),
        (unsigned long long)API(echo_id)(0x123456789abcdefull));

    uint32_t xs[5] = { 1, 2, 3, 0xffffffffu, 0 };
    consumer_list_u32_t l = { xs, 5 }, l2;
    API(echo_list)(&l, &l2);
    say("list");
    for (size_t i = 0; i < l2.len; i++)
        say(" %u", l2.ptr[i]);
    consumer_list_u32_free(&l2);
    consumer_list_u32_t empty = { NULL, 0 };
    API(echo_list)(&empty, &l2);
    say(" empty=%zu; ", l2.len);
    consumer_list_u32_free(&l2);

    consumer_string_t words[3];
    consumer_string_set(&words[0], "one");
    consumer_string_set(&words[1], "");
    consumer_string_set(&words[2], "three");
    consumer_list_string_t ws = { words, 3 }, ws2;
    API(echo_strings)(&ws, &ws2);
    say("strings");
    for (size_t i = 0; i < ws2.len; i++) {
        say(" ");
        str(&ws2.ptr[i]);
    }
    consumer_list_string_free(&ws2);

    consumer_string_t o;
    consumer_string_set(&s, "some");
    bool some = API(echo_option)(&s, &o);
    say("; option %d ", some);
    str(&o);
    consumer_string_free(&o);
    say(" none=%d; ", API(echo_option)(NULL, &o));

    API(result_u32_string_t) rr = { .is_err = false, .val.ok = 42 };
    uint32_t okv = 0;
    consumer_string_t errv;
    say("result %d %u ", API(echo_result)(&rr, &okv, &errv), okv);
    rr.is_err = true;
    consumer_string_set(&rr.val.err, "bad");
    bool r2 = API(echo_result)(&rr, &okv, &errv);
    say("%d ", r2);
    str(&errv);
    consumer_string_free(&errv);

    API(option_point_t) ops[3] = { { true, { 1, 1, { (uint8_t *)"x", 1 } } }, { false, { 0 } },
                                   { true, { -1, -1, { NULL, 0 } } } };
    API(list_option_point_t) nl = { ops, 3 }, nl2;
    API(echo_nested)(&nl, &nl2);
    say("; nested");
    for (size_t i = 0; i < nl2.len; i++) {
        say(" ");
        if (nl2.ptr[i].is_some)
            point(&nl2.ptr[i].val);
        else
            say("none");
    }
    API(list_option_point_free)(&nl2);

    say("; sum17 %llu", (unsigned long long)API(sum17)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                                       14, 15, 16, 0xffffffffu));
    consumer_list_u8_t by;
    API(bytes)(300, &by);
    unsigned sum = 0;
    for (size_t i = 0; i < by.len; i++)
        sum += by.ptr[i];
    say("; bytes %zu sum=%u", by.len, sum);
    consumer_list_u8_free(&by);

    say("; maybe-fail %d", API(maybe_fail)(true, &errv));
    bool mf = API(maybe_fail)(false, &errv);
    say(" %d ", mf);
    str(&errv);
    consumer_string_free(&errv);
    API(point_t) tp;
    say("; try-point %d ", API(try_point)(true, &tp));
    point(&tp);
    API(point_free)(&tp);
    say(" %d", API(try_point)(false, &tp));

    consumer_string_t hay[3], needle;
    consumer_string_dup(&hay[0], "a");
    consumer_string_dup(&hay[1], "b");
    consumer_string_dup(&hay[2], "c");
    consumer_list_string_t hl = { hay, 3 };
    consumer_string_dup(&needle, "c");
    uint32_t at = 0;
    bool found = API(find)(&hl, &needle, &at);
    say("; find %d %u", found, at);
    found = API(find)(&hl, &(consumer_string_t){ (uint8_t *)"zz", 2 }, &at);
    say(" %d", found);
    consumer_list_string_free(&hl);
    consumer_string_free(&needle);

    consumer_string_dup_n(ret, out, len);
}
