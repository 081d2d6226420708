/* Fused adapter keys (abi.h "Fused adapter keys"): the structure of a
 * function type plus both string encodings, rendered as a short string,
 * and parsed back into types that have the same layout and flattening.
 * Labels are not part of a key: records and tuples are both 'R', enum,
 * option and result are written as the variants they despecialise to.
 * Resource types are numbered by first appearance (identity: the
 * wacc_resource_type pointer); parsing makes placeholder resource types. */
#include <stdlib.h>
#include <string.h>

#include "abi_internal.h"

/* Nesting bound for parsing untrusted keys (and rendering, for symmetry). */
#define KEY_MAX_DEPTH 256

/* ---- rendering ----------------------------------------------------------- */

typedef struct keybuf {
    char *buf;
    size_t cap, len;
    bool ok;
    uint32_t nres;                          /* resource types numbered so far */
    const wacc_resource_type *res[WACC_ADAPTER_KEY_MAX_RESOURCES];
} keybuf;

/* The key number of rt (a new one on its first appearance); false when
 * there are too many. */
static bool res_number(const wacc_resource_type **res, uint32_t *nres, uint32_t cap,
                       const wacc_resource_type *rt, uint32_t *out)
{
    for (uint32_t i = 0; i < *nres; i++)
        if (res[i] == rt) {
            *out = i;
            return true;
        }
    if (*nres >= cap)
        return false;
    res[*nres] = rt;
    *out = (*nres)++;
    return true;
}

static void put(keybuf *k, const char *s, size_t n)
{
    if (!k->ok) return;
    if (n >= k->cap - k->len) {           /* keep room for the NUL */
        k->ok = false;
        return;
    }
    memcpy(k->buf + k->len, s, n);
    k->len += n;
}

static void putc_(keybuf *k, char c) { put(k, &c, 1); }

static void putu(keybuf *k, uint32_t v)
{
    char tmp[12];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(k, tmp + sizeof tmp - n, n);
}

static char prim_code(uint8_t kind)
{
    switch (kind) {
    case WACC_CT_BOOL: return 'b';
    case WACC_CT_S8: return '1';
    case WACC_CT_U8: return '2';
    case WACC_CT_S16: return '3';
    case WACC_CT_U16: return '4';
    case WACC_CT_S32: return '5';
    case WACC_CT_U32: return '6';
    case WACC_CT_S64: return '7';
    case WACC_CT_U64: return '8';
    case WACC_CT_F32: return 'f';
    case WACC_CT_F64: return 'd';
    case WACC_CT_CHAR: return 'c';
    case WACC_CT_STRING: return 's';
    default: return 0;
    }
}

static void render(keybuf *k, const wacc_ctype *t, int depth)
{
    if (!k->ok) return;
    if (!t || depth > KEY_MAX_DEPTH) {
        k->ok = false;
        return;
    }
    char c = prim_code(t->kind);
    if (c) {
        putc_(k, c);
        return;
    }
    switch (t->kind) {
    case WACC_CT_LIST:
        if (t->has_len) {
            putc_(k, 'N');
            putu(k, t->n);
            putc_(k, ':');
        } else {
            putc_(k, 'L');
        }
        render(k, t->elem, depth + 1);
        return;
    case WACC_CT_RECORD: case WACC_CT_TUPLE:
        putc_(k, 'R');
        putu(k, t->n);
        putc_(k, '{');
        for (uint32_t i = 0; i < t->n && k->ok; i++) {
            if (i) putc_(k, ',');
            render(k, t->fields[i].type, depth + 1);
        }
        putc_(k, '}');
        return;
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT:
        putc_(k, 'V');
        putu(k, t->n);
        putc_(k, '{');
        for (uint32_t i = 0; i < t->n && k->ok; i++) {
            if (i) putc_(k, ',');
            if (t->fields[i].type) render(k, t->fields[i].type, depth + 1);
            else putc_(k, '_');
        }
        putc_(k, '}');
        return;
    case WACC_CT_FLAGS:
        putc_(k, 'F');
        putu(k, t->n);
        return;
    case WACC_CT_OWN: case WACC_CT_BORROW: {
        uint32_t n;
        if (!t->rt || !res_number(k->res, &k->nres, WACC_ADAPTER_KEY_MAX_RESOURCES, t->rt, &n)) {
            k->ok = false;
            return;
        }
        putc_(k, t->kind == WACC_CT_OWN ? 'o' : 'B');
        putu(k, n);
        return;
    }
    default:        /* stream, future, error-context: not fused */
        k->ok = false;
        return;
    }
}

bool wacc_adapter_key(const wacc_ctype *const *params, uint32_t nparams,
                      const wacc_ctype *result, uint8_t lower_enc, uint8_t lift_enc,
                      char *buf, size_t cap)
{
    if (!buf || cap == 0) return false;
    buf[0] = 0;
    if (lower_enc > WACC_STRENC_LATIN1_UTF16 || lift_enc > WACC_STRENC_LATIN1_UTF16) return false;
    if (nparams && !params) return false;
    keybuf k = { .buf = buf, .cap = cap, .len = 0, .ok = true, .nres = 0 };
    putc_(&k, '(');
    for (uint32_t i = 0; i < nparams && k.ok; i++) {
        if (i) putc_(&k, ',');
        render(&k, params[i], 0);
    }
    put(&k, ")->", 3);
    if (result) render(&k, result, 0);
    else putc_(&k, '_');
    putc_(&k, '|');
    putc_(&k, (char)('0' + lower_enc));
    putc_(&k, '|');
    putc_(&k, (char)('0' + lift_enc));
    if (!k.ok) {
        buf[0] = 0;
        return false;
    }
    buf[k.len] = 0;
    return true;
}

/* No stream, future or error-context anywhere in t (wacc_adapter_key
 * refuses those too, but only after rendering up to them). */
static bool fusable(const wacc_ctype *t)
{
    if (!t)
        return true;
    switch (t->kind) {
    case WACC_CT_STREAM: case WACC_CT_FUTURE: case WACC_CT_ERROR_CONTEXT:
        return false;
    case WACC_CT_LIST:
        return fusable(t->elem);
    default:
        if (wacc_ctype_is_record_like(t) || wacc_ctype_is_variant_like(t))
            for (uint32_t i = 0; i < t->n; i++)
                if (!fusable(t->fields[i].type))
                    return false;
        return true;
    }
}

char *wacc_adapter_key_alloc(const wacc_ctype *const *params, uint32_t nparams,
                             const wacc_ctype *result, uint8_t lower_enc, uint8_t lift_enc)
{
    if (nparams && !params)
        return NULL;
    for (uint32_t i = 0; i < nparams; i++)
        if (!fusable(params[i]))
            return NULL;
    if (!fusable(result))
        return NULL;
    for (size_t cap = 256; cap <= WACC_ADAPTER_KEY_MAX_LEN; cap *= 8) {
        char *buf = malloc(cap);
        if (!buf)
            return NULL;
        if (wacc_adapter_key(params, nparams, result, lower_enc, lift_enc, buf, cap))
            return buf;
        free(buf);
    }
    return NULL;
}

/* ---- resources ----------------------------------------------------------- */

static bool collect(const wacc_ctype *t, const wacc_resource_type **out, uint32_t *n, uint32_t cap,
                    int depth)
{
    if (!t)
        return true;
    if (depth > KEY_MAX_DEPTH)
        return false;
    uint32_t ignored;
    switch (t->kind) {
    case WACC_CT_OWN: case WACC_CT_BORROW:
        return t->rt && res_number(out, n, cap, t->rt, &ignored);
    case WACC_CT_LIST:
        return collect(t->elem, out, n, cap, depth + 1);
    case WACC_CT_RECORD: case WACC_CT_TUPLE: case WACC_CT_VARIANT: case WACC_CT_ENUM:
    case WACC_CT_OPTION: case WACC_CT_RESULT:
        for (uint32_t i = 0; i < t->n; i++)
            if (!collect(t->fields[i].type, out, n, cap, depth + 1))
                return false;
        return true;
    default:
        return true;
    }
}

uint32_t wacc_adapter_key_resources(const wacc_ctype *const *params, uint32_t nparams,
                                    const wacc_ctype *result, const wacc_resource_type **out,
                                    uint32_t cap)
{
    uint32_t n = 0;
    if (nparams && !params)
        return UINT32_MAX;
    for (uint32_t i = 0; i < nparams; i++)
        if (!collect(params[i], out, &n, cap, 0))
            return UINT32_MAX;
    if (!collect(result, out, &n, cap, 0))
        return UINT32_MAX;
    return n;
}

/* ---- parsing ------------------------------------------------------------- */

typedef struct keyparser {
    wacc_arena *a;
    const char *p;
    uint32_t nres;                          /* placeholder resource types made so far */
    const wacc_resource_type *res[WACC_ADAPTER_KEY_MAX_RESOURCES];
} keyparser;

/* 'o' n / 'B' n: n is an earlier resource number or the next one (keys
 * number resources by first appearance), which gets a placeholder. */
static const wacc_ctype *parse_handle(keyparser *kp, bool own)
{
    const char *p = kp->p;
    if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
        return NULL;
    uint32_t v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (uint32_t)(*p - '0');
        if (v > WACC_ADAPTER_KEY_MAX_RESOURCES)
            return NULL;
        p++;
    }
    if (v > kp->nres || v >= WACC_ADAPTER_KEY_MAX_RESOURCES)
        return NULL;
    kp->p = p;
    if (v == kp->nres) {
        static const char *const names[] = { "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7" };
        wacc_resource_type *rt = wacc_arena_alloc(kp->a, sizeof *rt);
        if (!rt)
            return NULL;
        memset(rt, 0, sizeof *rt);
        rt->name = v < 8 ? names[v] : "resource";
        kp->res[kp->nres++] = rt;
    }
    return own ? wacc_ctype_own(kp->a, kp->res[v]) : wacc_ctype_borrow(kp->a, kp->res[v]);
}

static bool eat(keyparser *kp, char c)
{
    if (*kp->p != c) return false;
    kp->p++;
    return true;
}

/* A decimal count without leading zeros, at least 1, at most max. */
static bool parse_count(keyparser *kp, uint32_t max, uint32_t *out)
{
    const char *p = kp->p;
    if (*p < '1' || *p > '9') return false;
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max) return false;
        p++;
    }
    kp->p = p;
    *out = (uint32_t)v;
    return true;
}

static const wacc_ctype *parse_type(keyparser *kp, int depth);

/* "n{item,item,...}" where an item is a type or, if allow_empty, '_'. */
static wacc_cfield *parse_items(keyparser *kp, uint32_t *n, bool allow_empty, int depth)
{
    /* every item takes at least one character: n is bounded by the rest */
    uint32_t max = (uint32_t)(strlen(kp->p) / 2 + 1);
    if (max > WACC_ABI_TABLE_MAX_LENGTH) max = WACC_ABI_TABLE_MAX_LENGTH;
    if (!parse_count(kp, max, n) || !eat(kp, '{')) return NULL;
    wacc_cfield *f = wacc_arena_alloc(kp->a, sizeof *f * *n);
    if (!f) return NULL;
    for (uint32_t i = 0; i < *n; i++) {
        if (i && !eat(kp, ',')) return NULL;
        f[i].label = NULL;
        if (allow_empty && eat(kp, '_')) {
            f[i].type = NULL;
            continue;
        }
        if (!(f[i].type = parse_type(kp, depth + 1))) return NULL;
    }
    if (!eat(kp, '}')) return NULL;
    return f;
}

static const wacc_ctype *parse_type(keyparser *kp, int depth)
{
    if (depth > KEY_MAX_DEPTH) return NULL;
    char c = *kp->p;
    static const struct { char code; uint8_t kind; } prims[] = {
        { 'b', WACC_CT_BOOL }, { '1', WACC_CT_S8 }, { '2', WACC_CT_U8 }, { '3', WACC_CT_S16 },
        { '4', WACC_CT_U16 }, { '5', WACC_CT_S32 }, { '6', WACC_CT_U32 }, { '7', WACC_CT_S64 },
        { '8', WACC_CT_U64 }, { 'f', WACC_CT_F32 }, { 'd', WACC_CT_F64 }, { 'c', WACC_CT_CHAR },
        { 's', WACC_CT_STRING },
    };
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (prims[i].code == c) {
            kp->p++;
            return wacc_ctype_prim((wacc_ckind)prims[i].kind);
        }
    uint32_t n;
    switch (c) {
    case 'L': {
        kp->p++;
        const wacc_ctype *e = parse_type(kp, depth + 1);
        return e ? wacc_ctype_list(kp->a, e) : NULL;
    }
    case 'N': {
        kp->p++;
        if (!parse_count(kp, WACC_ABI_MAX_ELEM_SIZE, &n) || !eat(kp, ':')) return NULL;
        const wacc_ctype *e = parse_type(kp, depth + 1);
        return e ? wacc_ctype_list_fixed(kp->a, e, n) : NULL;
    }
    case 'R': {
        kp->p++;
        wacc_cfield *f = parse_items(kp, &n, false, depth);
        if (!f) return NULL;
        const wacc_ctype **ts = wacc_arena_alloc(kp->a, sizeof *ts * n);
        if (!ts) return NULL;
        for (uint32_t i = 0; i < n; i++) ts[i] = f[i].type;
        return wacc_ctype_tuple(kp->a, ts, n);
    }
    case 'V': {
        kp->p++;
        wacc_cfield *f = parse_items(kp, &n, true, depth);
        return f ? wacc_ctype_variant(kp->a, f, n) : NULL;
    }
    case 'o': case 'B':
        kp->p++;
        return parse_handle(kp, c == 'o');
    case 'F': {
        kp->p++;
        if (!parse_count(kp, 32, &n)) return NULL;
        static const char *const names[32] = {
            "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12",
            "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24",
            "f25", "f26", "f27", "f28", "f29", "f30", "f31",
        };
        return wacc_ctype_flags(kp->a, names, n);
    }
    default:
        return NULL;
    }
}

static bool parse_enc(keyparser *kp, uint8_t *out)
{
    char c = *kp->p;
    if (c < '0' || c > '0' + WACC_STRENC_LATIN1_UTF16) return false;
    kp->p++;
    *out = (uint8_t)(c - '0');
    return true;
}

bool wacc_adapter_key_parse(wacc_arena *a, const char *key, const wacc_ctype ***params,
                            uint32_t *nparams, const wacc_ctype **result, uint8_t *lower_enc,
                            uint8_t *lift_enc)
{
    if (!a || !key) return false;
    keyparser kp = { .a = a, .p = key, .nres = 0 };
    if (!eat(&kp, '(')) return false;
    /* count the top-level params first: commas at nesting depth 0 */
    uint32_t n = 0;
    if (*kp.p != ')') {
        int nest = 0;
        n = 1;
        for (const char *q = kp.p; *q && !(nest == 0 && *q == ')'); q++) {
            if (*q == '{') nest++;
            else if (*q == '}') nest--;
            else if (*q == ',' && nest == 0) n++;
            if (nest < 0) return false;
        }
    }
    const wacc_ctype **ps = wacc_arena_alloc(a, sizeof *ps * (n ? n : 1));
    if (!ps) return false;
    for (uint32_t i = 0; i < n; i++) {
        if (i && !eat(&kp, ',')) return false;
        if (!(ps[i] = parse_type(&kp, 0))) return false;
    }
    if (!eat(&kp, ')') || !eat(&kp, '-') || !eat(&kp, '>')) return false;
    const wacc_ctype *r = NULL;
    if (!eat(&kp, '_') && !(r = parse_type(&kp, 0))) return false;
    uint8_t le, fe;
    if (!eat(&kp, '|') || !parse_enc(&kp, &le) || !eat(&kp, '|') || !parse_enc(&kp, &fe))
        return false;
    if (*kp.p) return false;
    *params = ps;
    *nparams = n;
    *result = r;
    *lower_enc = le;
    *lift_enc = fe;
    return true;
}
