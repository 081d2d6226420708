// guest.c — the guest of tests/polyglot/resource on `wacc bindgen c`
// bindings of world `app`: every kind of resource function the host
// implements, own and borrow handles, and drops.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static void line(app_list_string_t *out, const char *fmt, unsigned a, unsigned b)
{
    char buf[128];
    int n = snprintf(buf, sizeof buf, fmt, a, b);
    out->ptr = realloc(out->ptr, (out->len + 1) * sizeof *out->ptr);
    app_string_dup_n(&out->ptr[out->len++], buf, (size_t)n);
}

void exports_app_run(app_list_string_t *ret)
{
    typedef wacc_counters_counters_own_counter_t own;
    ret->ptr = NULL;
    ret->len = 0;
    app_string_t name;
    app_string_set(&name, "apples");
    own a = wacc_counters_counters_constructor_counter(&name, 5);
    app_string_set(&name, "pears");
    own b = wacc_counters_counters_constructor_counter(&name, 10);
    wacc_counters_counters_borrow_counter_t ba = wacc_counters_counters_borrow_counter(a);
    wacc_counters_counters_borrow_counter_t bb = wacc_counters_counters_borrow_counter(b);
    wacc_counters_counters_method_counter_add(ba, 3);
    line(ret, "a = %u, b = %u", wacc_counters_counters_method_counter_get(ba),
         wacc_counters_counters_method_counter_get(bb));
    app_string_t nm;
    wacc_counters_counters_method_counter_name(bb, &nm);
    char text[64];
    snprintf(text, sizeof text, "b is %.*s", (int)nm.len, (const char *)nm.ptr);
    app_string_free(&nm);
    line(ret, text, 0, 0);
    own c = wacc_counters_counters_static_counter_sum(ba, bb);
    line(ret, "sum = %u, live = %u", wacc_counters_counters_method_counter_get(wacc_counters_counters_borrow_counter(c)),
         wacc_counters_counters_live());
    wacc_counters_counters_counter_drop_own(a);
    line(ret, "after dropping a: live = %u", wacc_counters_counters_live(), 0);
    line(ret, "consume(c) = %u", wacc_counters_counters_consume(c), 0);
    line(ret, "live = %u", wacc_counters_counters_live(), 0);
    wacc_counters_counters_counter_drop_own(b);
    line(ret, "at the end: live = %u", wacc_counters_counters_live(), 0);
}
