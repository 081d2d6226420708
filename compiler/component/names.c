/* names.c — kebab-case labels, extern names, interface names. */
#include <string.h>

#include "component.h"

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* label ::= first-fragment ('-' fragment)*; a fragment is all-lower (word)
 * or all-upper (acronym) letters and digits; the first starts with a letter. */
bool wacc_label_valid(const char *s, size_t len)
{
    if (len == 0)
        return false;
    size_t i = 0;
    bool first = true;
    for (;;) {
        size_t start = i;
        int kase = 0;           /* 1 lower, 2 upper */
        while (i < len && s[i] != '-') {
            char c = s[i];
            if (is_lower(c)) {
                if (kase == 2)
                    return false;
                kase = 1;
            } else if (is_upper(c)) {
                if (kase == 1)
                    return false;
                kase = 2;
            } else if (!is_digit(c)) {
                return false;
            }
            i++;
        }
        if (i == start)
            return false;
        if (first && !is_lower(s[start]) && !is_upper(s[start]))
            return false;
        first = false;
        if (i == len)
            return true;
        i++;                    /* '-' */
        if (i == len)
            return false;
    }
}

/* words ::= first-word ('-' word)* (lower case only) */
static bool words_valid(const char *s, size_t len)
{
    if (len == 0 || !is_lower(s[0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '-') {
            if (i + 1 == len || s[i + 1] == '-')
                return false;
        } else if (!is_lower(c) && !is_digit(c)) {
            return false;
        }
    }
    return true;
}

static bool numeric_id(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return false;
    return len == 1 || s[0] != '0';
}

static bool ident_list_valid(const char *s, size_t len, bool prerelease)
{
    /* dot-separated non-empty identifiers of [0-9A-Za-z-] */
    size_t i = 0;
    for (;;) {
        size_t start = i;
        bool all_digits = true;
        while (i < len && s[i] != '.') {
            char c = s[i];
            if (!is_digit(c))
                all_digits = false;
            if (!is_digit(c) && !is_lower(c) && !is_upper(c) && c != '-')
                return false;
            i++;
        }
        if (i == start)
            return false;
        if (prerelease && all_digits && i - start > 1 && s[start] == '0')
            return false;
        if (i == len)
            return true;
        i++;
    }
}

/* Semantic Versioning 2.0: MAJOR.MINOR.PATCH(-pre)?(+build)? */
static bool semver_valid(const char *s, size_t len)
{
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        size_t start = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (!numeric_id(s + start, i - start))
            return false;
        if (part < 2) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
    }
    if (i < len && s[i] == '-') {
        size_t start = ++i;
        while (i < len && s[i] != '+')
            i++;
        if (!ident_list_valid(s + start, i - start, true))
            return false;
    }
    if (i < len && s[i] == '+') {
        size_t start = ++i;
        if (!ident_list_valid(s + start, len - start, false))
            return false;
        i = len;
    }
    return i == len;
}

static bool canonversion_valid(const char *s, size_t len)
{
    /* [1-9][0-9]* | 0.[1-9][0-9]* | 0.0.[1-9][0-9]* | 0.0.0 */
    if (len == 5 && !memcmp(s, "0.0.0", 5))
        return true;
    size_t skip = 0;
    if (len >= 4 && !memcmp(s, "0.0.", 4))
        skip = 4;
    else if (len >= 2 && !memcmp(s, "0.", 2))
        skip = 2;
    return numeric_id(s + skip, len - skip) && s[skip] != '0';
}

static bool interfacename_valid(const char *s, size_t len)
{
    const char *at = memchr(s, '@', len);
    size_t body = at ? (size_t)(at - s) : len;
    if (at) {
        const char *v = at + 1;
        size_t vl = len - body - 1;
        if (!semver_valid(v, vl) && !canonversion_valid(v, vl))
            return false;
    }
    /* namespace+ words projection+ : split at ':' and '/' */
    size_t i = 0;
    int ncolons = 0;
    while (i < body) {
        size_t start = i;
        while (i < body && s[i] != ':' && s[i] != '/')
            i++;
        if (i == body || s[i] == '/') {
            if (!words_valid(s + start, i - start))
                return false;
            break;
        }
        if (!words_valid(s + start, i - start))
            return false;
        ncolons++;
        i++;
    }
    if (ncolons == 0 || i >= body || s[i] != '/')
        return false;
    int nproj = 0;
    while (i < body) {
        i++;                    /* '/' */
        size_t start = i;
        while (i < body && s[i] != '/')
            i++;
        if (!wacc_label_valid(s + start, i - start))
            return false;
        nproj++;
    }
    /* nested namespaces/projections (🪺) are not enabled */
    return nproj == 1 && ncolons == 1;
}

bool wacc_version_suffix_valid(const char *canon, size_t len, const char *suffix)
{
    if (!canonversion_valid(canon, len))
        return false;
    size_t sl = strlen(suffix);
    char buf[512];
    if (len + sl >= sizeof buf)
        return false;
    memcpy(buf, canon, len);
    memcpy(buf + len, suffix, sl);
    return semver_valid(buf, len + sl);
}

static bool dep_name(const char *s, size_t len)
{
    static const char *const pfx[] = { "unlocked-dep=<", "locked-dep=<", "url=<",
                                       "relative-url=<", "integrity=<" };
    for (size_t k = 0; k < sizeof pfx / sizeof pfx[0]; k++) {
        size_t pl = strlen(pfx[k]);
        if (len > pl && !memcmp(s, pfx[k], pl))
            return s[len - 1] == '>';
    }
    return false;
}

uint8_t wacc_externname_classify(const char *s, size_t len)
{
    if (dep_name(s, len))
        return WACC_NAME_DEP;
    if (memchr(s, ':', len) || memchr(s, '/', len) || memchr(s, '@', len))
        return interfacename_valid(s, len) ? WACC_NAME_INTERFACE : WACC_NAME_OTHER;
    if (len && s[0] == '[') {
        static const struct { const char *pfx; uint8_t kind; } ann[] = {
            { "[constructor]", WACC_NAME_CONSTRUCTOR },
            { "[method]", WACC_NAME_METHOD },
            { "[static]", WACC_NAME_STATIC },
        };
        for (size_t k = 0; k < 3; k++) {
            size_t pl = strlen(ann[k].pfx);
            if (len < pl || memcmp(s, ann[k].pfx, pl) != 0)
                continue;
            const char *rest = s + pl;
            size_t rl = len - pl;
            if (ann[k].kind == WACC_NAME_CONSTRUCTOR)
                return wacc_label_valid(rest, rl) ? ann[k].kind : WACC_NAME_OTHER;
            const char *dot = memchr(rest, '.', rl);
            if (!dot)
                return WACC_NAME_OTHER;
            size_t l1 = (size_t)(dot - rest);
            if (!wacc_label_valid(rest, l1) || !wacc_label_valid(dot + 1, rl - l1 - 1))
                return WACC_NAME_OTHER;
            return ann[k].kind;
        }
        return WACC_NAME_OTHER;
    }
    return wacc_label_valid(s, len) ? WACC_NAME_PLAIN : WACC_NAME_OTHER;
}
