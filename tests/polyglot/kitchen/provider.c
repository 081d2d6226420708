/* provider.c — r2:kitchen/api (kitchen.wit) in C on `wacc bindgen c`
 * bindings: every function gives back what it got (owned arguments are
 * moved into the result or freed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"

#define API(name) exports_r2_kitchen_api_##name

struct exports_r2_kitchen_api_counter_t {
    uint32_t n;
    uint32_t id;
};

static uint32_t next_id = 1;

API(own_counter_t) API(constructor_counter)(uint32_t start)
{
    API(counter_t) *c = malloc(sizeof *c);
    c->n = start;
    c->id = next_id++;
    return API(counter_new)(c);
}

void API(method_counter_inc)(API(borrow_counter_t) self, uint32_t by) { self->n += by; }
uint32_t API(method_counter_get)(API(borrow_counter_t) self) { return self->n; }

void API(method_counter_name)(API(borrow_counter_t) self, provider_string_t *ret)
{
    char buf[32];
    snprintf(buf, sizeof buf, "counter-%u", (unsigned)self->id);
    provider_string_dup(ret, buf);
}

API(own_counter_t) API(static_counter_merge)(API(own_counter_t) a, API(borrow_counter_t) b)
{
    uint32_t sum = API(counter_rep)(a)->n + b->n;
    API(counter_drop_own)(a);
    return API(constructor_counter)(sum);
}

void API(counter_destructor)(API(counter_t) *rep) { free(rep); }

bool API(echo_bool)(bool x) { return x; }

void API(echo_ints)(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f, int64_t g,
                    uint64_t h, provider_tuple8_s8_u8_s16_u16_s32_u32_s64_u64_t *ret)
{
    ret->f0 = a, ret->f1 = b, ret->f2 = c, ret->f3 = d;
    ret->f4 = e, ret->f5 = f, ret->f6 = g, ret->f7 = h;
}

void API(echo_floats)(float a, double b, provider_tuple2_f32_f64_t *ret)
{
    ret->f0 = a, ret->f1 = b;
}

uint32_t API(echo_char)(uint32_t c) { return c; }
void API(echo_string)(provider_string_t *s, provider_string_t *ret) { *ret = *s; }
void API(echo_point)(API(point_t) *p, API(point_t) *ret) { *ret = *p; }
void API(echo_shape)(API(shape_t) *s, API(shape_t) *ret) { *ret = *s; }
API(color_t) API(echo_color)(API(color_t) c) { return c; }
API(perms_t) API(echo_perms)(API(perms_t) p) { return p; }
API(id_t) API(echo_id)(API(id_t) i) { return i; }
void API(echo_list)(provider_list_u32_t *l, provider_list_u32_t *ret) { *ret = *l; }
void API(echo_strings)(provider_list_string_t *l, provider_list_string_t *ret) { *ret = *l; }

bool API(echo_option)(provider_string_t *maybe_o, provider_string_t *ret)
{
    if (maybe_o == NULL)
        return false;
    *ret = *maybe_o;
    return true;
}

bool API(echo_result)(API(result_u32_string_t) *r, uint32_t *ret, provider_string_t *err)
{
    if (r->is_err) {
        *err = r->val.err;
        return false;
    }
    *ret = r->val.ok;
    return true;
}

void API(echo_nested)(API(list_option_point_t) *x, API(list_option_point_t) *ret) { *ret = *x; }

uint64_t API(sum17)(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6,
                    uint32_t a7, uint32_t a8, uint32_t a9, uint32_t a10, uint32_t a11, uint32_t a12,
                    uint32_t a13, uint32_t a14, uint32_t a15, uint32_t a16, uint32_t a17)
{
    return (uint64_t)a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14
           + a15 + a16 + a17;
}

void API(bytes)(uint32_t n, provider_list_u8_t *ret)
{
    ret->len = n;
    ret->ptr = n ? malloc(n) : NULL;
    for (uint32_t i = 0; i < n; i++)
        ret->ptr[i] = (uint8_t)(i * 7);
}

bool API(maybe_fail)(bool ok, provider_string_t *err)
{
    if (!ok)
        provider_string_dup(err, "failed as asked");
    return ok;
}

bool API(try_point)(bool ok, API(point_t) *ret)
{
    if (!ok)
        return false;
    ret->x = -7, ret->y = 9;
    provider_string_dup(&ret->label, "made");
    return true;
}

bool API(find)(provider_list_string_t *xs, provider_string_t *needle, uint32_t *ret)
{
    bool found = false;
    for (size_t i = 0; i < xs->len && !found; i++)
        if (xs->ptr[i].len == needle->len && memcmp(xs->ptr[i].ptr, needle->ptr, needle->len) == 0) {
            *ret = (uint32_t)i;
            found = true;
        }
    provider_list_string_free(xs);
    provider_string_free(needle);
    return found;
}
