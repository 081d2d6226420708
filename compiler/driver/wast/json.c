/*
 * json.c — values in wast2json output (testsuite README, "JSON conventions"):
 * strings holding unsigned decimals (floats as bit patterns), NaN patterns
 * in expectations, v128 as lane arrays, references as null / host ref N.
 *
 * Host references `ref.extern N` are the pointer value N + 1, so equal N
 * means the same reference and none of them is null.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wast.h"

uint8_t wj_type(const char *name)
{
    static const struct { const char *n; uint8_t t; } types[] = {
        { "i32", WACC_I32 }, { "i64", WACC_I64 }, { "f32", WACC_F32 }, { "f64", WACC_F64 },
        { "v128", WACC_V128 }, { "funcref", WACC_FUNCREF }, { "externref", WACC_EXTERNREF },
    };
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(name, types[i].n) == 0)
            return types[i].t;
    return 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s == '\0')
        return false;
    if (*s == '-')
        *out = (uint64_t)strtoll(s, &end, 10);
    else
        *out = strtoull(s, &end, 10);
    return *end == '\0';
}

static int lane_bytes(const char *lt)
{
    if (lt == NULL)
        return 0;
    if (strcmp(lt, "i8") == 0) return 1;
    if (strcmp(lt, "i16") == 0) return 2;
    if (strcmp(lt, "i32") == 0 || strcmp(lt, "f32") == 0) return 4;
    if (strcmp(lt, "i64") == 0 || strcmp(lt, "f64") == 0) return 8;
    return 0;
}

static const char *str_of(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

bool wj_parse_arg(const cJSON *v, uint8_t *type, wacc_val *out, char *why, size_t whylen)
{
    const char *tn = str_of(v, "type");
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(v, "value");
    const char *s = cJSON_GetStringValue(val);
    uint64_t u;

    memset(out, 0, sizeof *out);
    *type = wj_type(tn);
    switch (*type) {
    case WACC_I32:
    case WACC_F32:
        if (!parse_u64(s, &u))
            break;
        {
            uint32_t b = (uint32_t)u;
            memcpy(out, &b, 4);
        }
        return true;
    case WACC_I64:
    case WACC_F64:
        if (!parse_u64(s, &u))
            break;
        memcpy(out, &u, 8);
        return true;
    case WACC_V128: {
        int lb = lane_bytes(str_of(v, "lane_type"));
        if (lb == 0 || !cJSON_IsArray(val) || cJSON_GetArraySize(val) != 16 / lb)
            break;
        int i = 0;
        const cJSON *lane;
        cJSON_ArrayForEach(lane, val) {
            if (!parse_u64(cJSON_GetStringValue(lane), &u))
                goto bad;
            memcpy(out->v128 + i * lb, &u, (size_t)lb);    /* little-endian host */
            i++;
        }
        return true;
    }
    case WACC_EXTERNREF:
        if (s != NULL && strcmp(s, "null") == 0) {
            out->ref = NULL;
            return true;
        }
        if (!parse_u64(s, &u))
            break;
        out->ref = (void *)(uintptr_t)(u + 1);
        return true;
    case WACC_FUNCREF:
        if (s != NULL && strcmp(s, "null") == 0) {
            out->ref = NULL;
            return true;
        }
        snprintf(why, whylen, "unsupported funcref argument");
        return false;
    default:
        snprintf(why, whylen, "unknown value type '%s'", tn ? tn : "?");
        return false;
    }
bad:
    snprintf(why, whylen, "bad %s value", tn ? tn : "?");
    return false;
}

/* A float lane/value: bits `b` of width 32 or 64 against pattern string `s`. */
static bool match_float(const char *s, uint64_t b, int bits)
{
    uint64_t exp_mask = bits == 32 ? 0x7f800000u : 0x7ff0000000000000ull;
    uint64_t quiet = bits == 32 ? 0x00400000u : 0x0008000000000000ull;
    uint64_t frac = bits == 32 ? 0x007fffffu : 0x000fffffffffffffull;
    uint64_t u;
    if (s == NULL)
        return false;
    if (strcmp(s, "nan:canonical") == 0)
        return (b & exp_mask) == exp_mask && (b & frac) == quiet;
    if (strcmp(s, "nan:arithmetic") == 0)
        return (b & exp_mask) == exp_mask && (b & quiet) != 0;
    if (!parse_u64(s, &u))
        return false;
    if (bits == 32)
        u &= 0xffffffffu;
    return u == b;
}

bool wj_match(const cJSON *exp, uint8_t type, const wacc_val *got)
{
    const char *tn = str_of(exp, "type");
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(exp, "value");
    const char *s = cJSON_GetStringValue(val);
    uint8_t et = wj_type(tn);
    uint64_t u;

    if (et != type)
        return false;
    switch (type) {
    case WACC_I32:
        return parse_u64(s, &u) && (uint32_t)u == (uint32_t)got->i32;
    case WACC_I64:
        return parse_u64(s, &u) && u == (uint64_t)got->i64;
    case WACC_F32: {
        uint32_t b;
        memcpy(&b, got, 4);
        return match_float(s, b, 32);
    }
    case WACC_F64: {
        uint64_t b;
        memcpy(&b, got, 8);
        return match_float(s, b, 64);
    }
    case WACC_V128: {
        const char *lt = str_of(exp, "lane_type");
        int lb = lane_bytes(lt);
        if (lb == 0 || !cJSON_IsArray(val) || cJSON_GetArraySize(val) != 16 / lb)
            return false;
        bool is_float = lt[0] == 'f';
        int i = 0;
        const cJSON *lane;
        cJSON_ArrayForEach(lane, val) {
            uint64_t b = 0;
            memcpy(&b, got->v128 + i * lb, (size_t)lb);
            const char *ls = cJSON_GetStringValue(lane);
            if (is_float) {
                if (!match_float(ls, b, lb * 8))
                    return false;
            } else {
                uint64_t mask = lb == 8 ? ~0ull : (1ull << (lb * 8)) - 1;
                if (!parse_u64(ls, &u) || (u & mask) != b)
                    return false;
            }
            i++;
        }
        return true;
    }
    case WACC_EXTERNREF:
        if (s == NULL)
            return got->ref != NULL;
        if (strcmp(s, "null") == 0)
            return got->ref == NULL;
        return parse_u64(s, &u) && got->ref == (void *)(uintptr_t)(u + 1);
    case WACC_FUNCREF:
        if (s != NULL && strcmp(s, "null") == 0)
            return got->ref == NULL;
        return got->ref != NULL;        /* any non-null function */
    }
    return false;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case WACC_I32: return "i32";
    case WACC_I64: return "i64";
    case WACC_F32: return "f32";
    case WACC_F64: return "f64";
    case WACC_V128: return "v128";
    case WACC_FUNCREF: return "funcref";
    case WACC_EXTERNREF: return "externref";
    }
    return "?";
}

void wj_format_value(char *buf, size_t len, uint8_t type, const wacc_val *v, const char *lane_type)
{
    switch (type) {
    case WACC_I32:
        snprintf(buf, len, "i32:%" PRId32, v->i32);
        return;
    case WACC_I64:
        snprintf(buf, len, "i64:%" PRId64, v->i64);
        return;
    case WACC_F32: {
        uint32_t b;
        memcpy(&b, v, 4);
        snprintf(buf, len, "f32:0x%08" PRIx32 "(%.9g)", b, (double)v->f32);
        return;
    }
    case WACC_F64: {
        uint64_t b;
        memcpy(&b, v, 8);
        snprintf(buf, len, "f64:0x%016" PRIx64 "(%.17g)", b, v->f64);
        return;
    }
    case WACC_V128: {
        int lb = lane_bytes(lane_type);
        if (lb == 0)
            lb = 4;
        size_t o = (size_t)snprintf(buf, len, "v128:%s%c", lane_type ? lane_type : "i32", '[');
        for (int i = 0; i < 16 / lb && o < len; i++) {
            uint64_t b = 0;
            memcpy(&b, v->v128 + i * lb, (size_t)lb);
            o += (size_t)snprintf(buf + o, len - o, lane_type && lane_type[0] == 'f' ?
                                  "%s0x%" PRIx64 : "%s%" PRIu64, i ? " " : "", b);
        }
        if (o < len)
            snprintf(buf + o, len - o, "]");
        return;
    }
    case WACC_FUNCREF:
    case WACC_EXTERNREF:
        if (v->ref == NULL)
            snprintf(buf, len, "%s:null", type_name(type));
        else if (type == WACC_EXTERNREF && (uintptr_t)v->ref < 0x10000)
            snprintf(buf, len, "externref:%" PRIuPTR, (uintptr_t)v->ref - 1);
        else
            snprintf(buf, len, "%s:%p", type_name(type), v->ref);
        return;
    }
    snprintf(buf, len, "<type 0x%02x>", type);
}

void wj_format_expected(char *buf, size_t len, const cJSON *exp)
{
    const char *tn = str_of(exp, "type");
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(exp, "value");
    const char *s = cJSON_GetStringValue(val);
    uint8_t t = wj_type(tn);

    if ((t == WACC_F32 || t == WACC_F64) && s != NULL && strncmp(s, "nan:", 4) == 0) {
        snprintf(buf, len, "%s:%s", tn, s);
        return;
    }
    if (t == WACC_V128 && cJSON_IsArray(val)) {
        const char *lt = str_of(exp, "lane_type");
        size_t o = (size_t)snprintf(buf, len, "v128:%s[", lt ? lt : "?");
        const cJSON *lane;
        bool first = true;
        cJSON_ArrayForEach(lane, val) {
            const char *ls = cJSON_GetStringValue(lane);
            uint64_t u = 0;
            if (o >= len)
                break;
            if (lt && lt[0] == 'f' && ls && strncmp(ls, "nan:", 4) != 0 && parse_u64(ls, &u))
                o += (size_t)snprintf(buf + o, len - o, "%s0x%" PRIx64, first ? "" : " ", u);
            else
                o += (size_t)snprintf(buf + o, len - o, "%s%s", first ? "" : " ", ls ? ls : "?");
            first = false;
        }
        if (o < len)
            snprintf(buf + o, len - o, "]");
        return;
    }
    if ((t == WACC_FUNCREF || t == WACC_EXTERNREF) && s == NULL) {
        snprintf(buf, len, "%s:non-null", tn);
        return;
    }
    wacc_val v;
    uint8_t ty;
    char why[64];
    if (t != 0 && wj_parse_arg(exp, &ty, &v, why, sizeof why))
        wj_format_value(buf, len, ty, &v, NULL);
    else
        snprintf(buf, len, "%s:%s", tn ? tn : "?", s ? s : "?");
}
