// provider.cpp — r2:kitchen/api (kitchen.wit) in C++ (libc++, no
// exceptions) on the same `wacc bindgen c` bindings as provider.c: the
// composition with consumer.c must print exactly what the C provider does.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "provider.h"

namespace {

// C++ values out of and into the Canonical ABI shapes.
std::string take(provider_string_t *s)
{
    std::string r(reinterpret_cast<const char *>(s->ptr), s->len);
    provider_string_free(s);
    return r;
}

void give(const std::string &s, provider_string_t *out) { provider_string_dup_n(out, s.data(), s.size()); }

struct Counter {
    uint32_t n, id;
};

uint32_t next_id = 1;

}  // namespace

struct exports_r2_kitchen_api_counter_t {
    Counter c;
};

extern "C" {

exports_r2_kitchen_api_own_counter_t exports_r2_kitchen_api_constructor_counter(uint32_t start)
{
    auto *rep = new exports_r2_kitchen_api_counter_t{ Counter{ start, next_id++ } };
    return exports_r2_kitchen_api_counter_new(rep);
}

void exports_r2_kitchen_api_method_counter_inc(exports_r2_kitchen_api_borrow_counter_t self, uint32_t by)
{
    self->c.n += by;
}

uint32_t exports_r2_kitchen_api_method_counter_get(exports_r2_kitchen_api_borrow_counter_t self)
{
    return self->c.n;
}

void exports_r2_kitchen_api_method_counter_name(exports_r2_kitchen_api_borrow_counter_t self,
                                                provider_string_t *ret)
{
    give("counter-" + std::to_string(self->c.id), ret);
}

exports_r2_kitchen_api_own_counter_t exports_r2_kitchen_api_static_counter_merge(
    exports_r2_kitchen_api_own_counter_t a, exports_r2_kitchen_api_borrow_counter_t b)
{
    uint32_t sum = exports_r2_kitchen_api_counter_rep(a)->c.n + b->c.n;
    exports_r2_kitchen_api_counter_drop_own(a);
    return exports_r2_kitchen_api_constructor_counter(sum);
}

void exports_r2_kitchen_api_counter_destructor(exports_r2_kitchen_api_counter_t *rep) { delete rep; }

bool exports_r2_kitchen_api_echo_bool(bool x) { return x; }

void exports_r2_kitchen_api_echo_ints(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f,
                                      int64_t g, uint64_t h,
                                      provider_tuple8_s8_u8_s16_u16_s32_u32_s64_u64_t *ret)
{
    *ret = { a, b, c, d, e, f, g, h };
}

void exports_r2_kitchen_api_echo_floats(float a, double b, provider_tuple2_f32_f64_t *ret) { *ret = { a, b }; }
uint32_t exports_r2_kitchen_api_echo_char(uint32_t c) { return c; }

void exports_r2_kitchen_api_echo_string(provider_string_t *s, provider_string_t *ret)
{
    give(take(s), ret);
}

void exports_r2_kitchen_api_echo_point(exports_r2_kitchen_api_point_t *p, exports_r2_kitchen_api_point_t *ret)
{
    *ret = *p;      // moves the label
}

void exports_r2_kitchen_api_echo_shape(exports_r2_kitchen_api_shape_t *s, exports_r2_kitchen_api_shape_t *ret)
{
    *ret = *s;
}

exports_r2_kitchen_api_color_t exports_r2_kitchen_api_echo_color(exports_r2_kitchen_api_color_t c) { return c; }
exports_r2_kitchen_api_perms_t exports_r2_kitchen_api_echo_perms(exports_r2_kitchen_api_perms_t p) { return p; }
exports_r2_kitchen_api_id_t exports_r2_kitchen_api_echo_id(exports_r2_kitchen_api_id_t i) { return i; }

void exports_r2_kitchen_api_echo_list(provider_list_u32_t *l, provider_list_u32_t *ret)
{
    std::vector<uint32_t> v(l->ptr, l->ptr + l->len);
    provider_list_u32_free(l);
    ret->len = v.size();
    ret->ptr = static_cast<uint32_t *>(v.empty() ? nullptr : malloc(v.size() * sizeof(uint32_t)));
    if (!v.empty())
        memcpy(ret->ptr, v.data(), v.size() * sizeof(uint32_t));
}

void exports_r2_kitchen_api_echo_strings(provider_list_string_t *l, provider_list_string_t *ret)
{
    std::vector<std::string> v;
    for (size_t i = 0; i < l->len; i++)
        v.emplace_back(reinterpret_cast<const char *>(l->ptr[i].ptr), l->ptr[i].len);
    provider_list_string_free(l);
    ret->len = v.size();
    ret->ptr = static_cast<provider_string_t *>(malloc(v.size() * sizeof(provider_string_t)));
    for (size_t i = 0; i < v.size(); i++)
        give(v[i], &ret->ptr[i]);
}

bool exports_r2_kitchen_api_echo_option(provider_string_t *maybe_o, provider_string_t *ret)
{
    if (maybe_o == nullptr)
        return false;
    give(take(maybe_o), ret);
    return true;
}

bool exports_r2_kitchen_api_echo_result(exports_r2_kitchen_api_result_u32_string_t *r, uint32_t *ret,
                                        provider_string_t *err)
{
    if (r->is_err) {
        give(take(&r->val.err), err);
        return false;
    }
    *ret = r->val.ok;
    return true;
}

void exports_r2_kitchen_api_echo_nested(exports_r2_kitchen_api_list_option_point_t *x,
                                        exports_r2_kitchen_api_list_option_point_t *ret)
{
    *ret = *x;
}

uint64_t exports_r2_kitchen_api_sum17(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5,
                                      uint32_t a6, uint32_t a7, uint32_t a8, uint32_t a9, uint32_t a10,
                                      uint32_t a11, uint32_t a12, uint32_t a13, uint32_t a14, uint32_t a15,
                                      uint32_t a16, uint32_t a17)
{
    std::vector<uint64_t> v{ a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17 };
    uint64_t s = 0;
    for (uint64_t x : v)
        s += x;
    return s;
}

void exports_r2_kitchen_api_bytes(uint32_t n, provider_list_u8_t *ret)
{
    ret->len = n;
    ret->ptr = static_cast<uint8_t *>(n ? malloc(n) : nullptr);
    for (uint32_t i = 0; i < n; i++)
        ret->ptr[i] = static_cast<uint8_t>(i * 7);
}

bool exports_r2_kitchen_api_maybe_fail(bool ok, provider_string_t *err)
{
    if (!ok)
        give("failed as asked", err);
    return ok;
}

bool exports_r2_kitchen_api_try_point(bool ok, exports_r2_kitchen_api_point_t *ret)
{
    if (!ok)
        return false;
    ret->x = -7;
    ret->y = 9;
    give("made", &ret->label);
    return true;
}

bool exports_r2_kitchen_api_find(provider_list_string_t *xs, provider_string_t *needle, uint32_t *ret)
{
    std::string n = take(needle);
    bool found = false;
    for (size_t i = 0; i < xs->len && !found; i++)
        if (std::string(reinterpret_cast<const char *>(xs->ptr[i].ptr), xs->ptr[i].len) == n) {
            *ret = static_cast<uint32_t>(i);
            found = true;
        }
    provider_list_string_free(xs);
    return found;
}

}  // extern "C"
