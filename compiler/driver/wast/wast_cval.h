/*
 * wast_cval.h — component values as component .wast scripts write them:
 * `(u8.const 1)`, `(str.const "a")`, `(list.const ...)`, `(record.const
 * (field "a" ...))`, `(variant.const "c" ...)`, ... (wast_cval.c).
 * Untyped, labels by name: turning one into a Canonical ABI value
 * (wacc_cval, abi-glue/abi.h) needs the function's parameter types.
 */
#ifndef WACC_WAST_CVAL_H
#define WACC_WAST_CVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum wcv_kind {
    WCV_BOOL, WCV_S8, WCV_U8, WCV_S16, WCV_U16, WCV_S32, WCV_U32, WCV_S64, WCV_U64,
    WCV_F32, WCV_F64, WCV_CHAR, WCV_STRING,
    WCV_LIST, WCV_RECORD, WCV_TUPLE, WCV_VARIANT, WCV_ENUM, WCV_OPTION, WCV_RESULT,
    WCV_FLAGS
} wcv_kind;

/* One component value (a tree; the owner frees it with wcv_free).
 *   list / tuple     items[n]
 *   record           items[n], each with its field name in `label`
 *   variant          label = case, n = 0 or 1 (payload)
 *   enum             label = case
 *   option           n = 0 (none) or 1 (some)
 *   result           is_err, n = 0 or 1 (payload)
 *   flags            items[n] of kind WCV_ENUM, one per set flag (a set)
 *   string           str[len] (UTF-8, may hold NUL) */
typedef struct wcv wcv;
struct wcv {
    wcv_kind kind;
    bool is_err;            /* result.err */
    bool any_nan;           /* float: matches every NaN */
    union {
        bool b;
        int64_t s;
        uint64_t u;
        float f32;
        double f64;
        uint32_t c;         /* char: a Unicode scalar value */
    } v;
    char *label;
    char *str;
    size_t len;
    wcv *items;
    size_t n;
};

/* Parse one value written in the script syntax. On failure returns false
 * with a one-line reason in `err` (and *out holds nothing to free). */
bool wcv_parse(const char *text, wcv *out, char *err, size_t errlen);
void wcv_free(wcv *v);
/* Does `got` satisfy the expectation `exp`? (NaN patterns, flags as sets) */
bool wcv_match(const wcv *exp, const wcv *got);
/* Print in the script syntax (truncated to len, always NUL-terminated). */
void wcv_format(char *buf, size_t len, const wcv *v);
const char *wcv_kind_name(wcv_kind k);

#endif
