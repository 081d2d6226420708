/*
 * val.c — building result values from the import's own result type (case
 * indices are found by label, so nothing here depends on WIT case order),
 * errno mapping, and the generic "not provided" implementation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "w2_int.h"
#include "wasi_abi.h"

uint32_t w2_label(const wacc_ctype *t, const char *label)
{
    if (!t)
        return UINT32_MAX;
    if (t->kind == WACC_CT_FLAGS) {
        for (uint32_t i = 0; i < t->n; i++)
            if (t->labels[i] && strcmp(t->labels[i], label) == 0)
                return i;
        return UINT32_MAX;
    }
    if (!t->fields)
        return UINT32_MAX;
    for (uint32_t i = 0; i < t->n; i++)
        if (t->fields[i].label && strcmp(t->fields[i].label, label) == 0)
            return i;
    return UINT32_MAX;
}

const wacc_ctype *w2_case_type(const wacc_ctype *t, const char *label)
{
    if (!t || !t->fields)
        return NULL;
    if (t->kind == WACC_CT_RESULT)
        return t->fields[strcmp(label, "ok") == 0 ? 0 : 1].type;
    if (t->kind == WACC_CT_OPTION)
        return t->fields[1].type;
    uint32_t i = w2_label(t, label);
    return i == UINT32_MAX ? NULL : t->fields[i].type;
}

wacc_cval *w2_box(w2_call *c, wacc_cval v)
{
    wacc_cval *p = wacc_arena_alloc(c->arena, sizeof *p);
    if (p)
        *p = v;
    return p;
}

wacc_cval w2_str(w2_call *c, const char *s, size_t n)
{
    char *d = wacc_arena_alloc(c->arena, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return wacc_cval_string(d ? d : "", d ? (uint32_t)n : 0);
}

wacc_cval w2_bytes(const uint8_t *p, size_t n)
{
    return wacc_cval_list_bytes(p, (uint32_t)n);
}

const uint8_t *w2_arg_bytes(w2_call *c, uint32_t i)
{
    static const uint8_t none[1];
    const wacc_cval *l = &c->a[i];
    if (l->repr == WACC_CVAL_BYTES)
        return l->n ? l->x.bytes : none;
    if (l->n == 0)
        return none;
    uint8_t *d = wacc_arena_alloc(c->arena, l->n);
    return d ? wacc_cval_list_data(l, c->ptypes[i]->elem, d) : NULL;
}

uint32_t w2_ret(w2_call *c, wacc_cval v)
{
    *c->res = v;
    return 0;
}

uint32_t w2_ok(w2_call *c, const wacc_cval *payload)
{
    wacc_cval *p = NULL;
    if (payload && !(p = w2_box(c, *payload)))
        return WACC_TRAP_HOST;
    *c->res = wacc_cval_variant(WACC_CT_RESULT, 0, p);
    return 0;
}

uint32_t w2_trap(w2_call *c, const char *why)
{
    (void)c;
    fprintf(stderr, "wacc: wasi: %s\n", why);
    return WACC_TRAP_HOST;
}

/* An error value of type et named `label`: enum case, or a variant case
 * (its payload, if any, is the "empty" value: none / no payload). */
static bool error_value(w2_call *c, const wacc_ctype *et, const char *label, wacc_cval *out)
{
    uint32_t i = w2_label(et, label);
    if (i == UINT32_MAX)
        return false;
    if (et->kind == WACC_CT_ENUM) {
        *out = wacc_cval_variant(WACC_CT_ENUM, i, NULL);
        return true;
    }
    if (et->kind != WACC_CT_VARIANT)
        return false;
    const wacc_ctype *pt = et->fields[i].type;
    wacc_cval *p = NULL;
    if (pt) {
        if (pt->kind != WACC_CT_OPTION)
            return false;
        if (!(p = w2_box(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL))))
            return false;
    }
    *out = wacc_cval_variant(WACC_CT_VARIANT, i, p);
    return true;
}

uint32_t w2_err_label(w2_call *c, const char *label)
{
    if (!c->rt || c->rt->kind != WACC_CT_RESULT)
        return w2_trap(c, "result type without an error case");
    const wacc_ctype *et = c->rt->fields[1].type;
    wacc_cval v;
    if (!et || !error_value(c, et, label, &v))
        return w2_trap(c, "error code not found in the result type");
    wacc_cval *p = w2_box(c, v);
    if (!p)
        return WACC_TRAP_HOST;
    *c->res = wacc_cval_variant(WACC_CT_RESULT, 1, p);
    return 0;
}

uint32_t w2_unsupported(w2_call *c)
{
    static const char *const labels[] = { "access-denied", "not-supported", "internal-error",
                                          "unsupported", "access" };
    if (c->rt && c->rt->kind == WACC_CT_RESULT && !c->rt->fields[1].type) {
        *c->res = wacc_cval_variant(WACC_CT_RESULT, 1, NULL);
        return 0;
    }
    if (c->rt && c->rt->kind == WACC_CT_RESULT && c->rt->fields[1].type) {
        for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
            wacc_cval v;
            if (error_value(c, c->rt->fields[1].type, labels[i], &v)) {
                wacc_cval *p = w2_box(c, v);
                if (!p)
                    return WACC_TRAP_HOST;
                *c->res = wacc_cval_variant(WACC_CT_RESULT, 1, p);
                return 0;
            }
        }
    }
    return w2_trap(c, "this WASI function is not provided by wacc");
}

const char *w2_errno_label(int e)
{
    switch (e) {
    case EACCES: return "access";
    case EAGAIN: return "would-block";
    case EALREADY: return "already";
    case EBADF: return "bad-descriptor";
    case EBUSY: return "busy";
    case EDEADLK: return "deadlock";
    case EDQUOT: return "quota";
    case EEXIST: return "exist";
    case EFBIG: return "file-too-large";
    case EILSEQ: return "illegal-byte-sequence";
    case EINPROGRESS: return "in-progress";
    case EINTR: return "interrupted";
    case EINVAL: return "invalid";
    case EIO: return "io";
    case EISDIR: return "is-directory";
    case ELOOP: return "loop";
    case EMLINK: return "too-many-links";
    case EMSGSIZE: return "message-size";
    case ENAMETOOLONG: return "name-too-long";
    case ENODEV: return "no-device";
    case ENOENT: return "no-entry";
    case ENOLCK: return "no-lock";
    case ENOMEM: return "insufficient-memory";
    case ENOSPC: return "insufficient-space";
    case ENOTDIR: return "not-directory";
    case ENOTEMPTY: return "not-empty";
    case ENOTRECOVERABLE: return "not-recoverable";
    case ENOTSUP: return "unsupported";
    case ENOTTY: return "no-tty";
    case ENXIO: return "no-such-device";
    case EOVERFLOW: return "overflow";
    case EPERM: return "not-permitted";
    case EPIPE: return "pipe";
    case EROFS: return "read-only";
    case ESPIPE: return "invalid-seek";
    case ETXTBSY: return "text-file-busy";
    case EXDEV: return "cross-device";
    default: return "io";
    }
}

const char *w2_we_label(int we)
{
    switch (we) {
    case WE_ACCES: return "access";
    case WE_AGAIN: return "would-block";
    case WE_BADF: return "bad-descriptor";
    case WE_EXIST: return "exist";
    case WE_INVAL: return "invalid";
    case WE_ISDIR: return "is-directory";
    case WE_LOOP: return "loop";
    case WE_NAMETOOLONG: return "name-too-long";
    case WE_NOENT: return "no-entry";
    case WE_NOMEM: return "insufficient-memory";
    case WE_NOTDIR: return "not-directory";
    case WE_NOTEMPTY: return "not-empty";
    case WE_NOTSUP: return "unsupported";
    case WE_PERM: return "not-permitted";
    case WE_NOTCAPABLE: return "not-permitted";
    case WE_ROFS: return "read-only";
    case WE_XDEV: return "cross-device";
    case WE_NOSPC: return "insufficient-space";
    case WE_MLINK: return "too-many-links";
    case WE_BUSY: return "busy";
    case WE_FBIG: return "file-too-large";
    default: return "io";
    }
}
