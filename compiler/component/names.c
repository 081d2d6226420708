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

/* pkgpath ::= namespace+ words ('/' label)*, namespace ::= words ':'.
 * Without nesting (🪺): exactly one namespace and `proj` projections. */
static bool pkgpath_valid(const char *s, size_t len, int proj_min, int proj_max)
{
    const char *slash = memchr(s, '/', len);
    size_t body = slash ? (size_t)(slash - s) : len;
    size_t i = 0;
    int ncolons = 0;
    for (;;) {
        size_t start = i;
        while (i < body && s[i] != ':')
            i++;
        if (!words_valid(s + start, i - start))
            return false;
        if (i == body)
            break;
        ncolons++;
        i++;
    }
    if (ncolons == 0)
        return false;
    int nproj = 0;
    while (i < len) {
        i++;                    /* '/' */
        size_t start = i;
        while (i < len && s[i] != '/')
            i++;
        if (!wacc_label_valid(s + start, i - start))
            return false;
        nproj++;
    }
    return nproj >= proj_min && nproj <= proj_max;
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
    /* nested namespaces/projections (🪺) are checked by the validator */
    return pkgpath_valid(s, body, 1, 1 << 30);
}

/* Is an interface (or dependency) name nested (more than one namespace or
 * projection)? Only valid with the cm-nested-names feature. */
bool wacc_externname_nested(const char *s, size_t len)
{
    const char *lt = memchr(s, '<', len);
    if (lt) {                   /* unlocked-dep=<..> / locked-dep=<..> */
        if (strncmp(s, "unlocked-dep=", 13) != 0 && strncmp(s, "locked-dep=", 11) != 0)
            return false;
        const char *gt = memchr(lt, '>', len - (size_t)(lt - s));
        if (!gt)
            return false;
        len = (size_t)(gt - lt - 1);
        s = lt + 1;
    }
    const char *at = memchr(s, '@', len);
    size_t body = at ? (size_t)(at - s) : len;
    int colons = 0, slashes = 0;
    for (size_t i = 0; i < body; i++) {
        colons += s[i] == ':';
        slashes += s[i] == '/';
    }
    return colons > 1 || slashes > 1 || (lt && slashes > 0);
}

/* verrange ::= '*' | '{' ('>=' semver)? (' ')? ('<' semver)? '}' (one at least) */
static bool verrange_valid(const char *s, size_t len)
{
    if (len == 1 && s[0] == '*')
        return true;
    if (len < 2 || s[0] != '{' || s[len - 1] != '}')
        return false;
    s++;
    len -= 2;
    if (len >= 2 && s[0] == '>' && s[1] == '=') {
        const char *sp = memchr(s, ' ', len);
        size_t vl = sp ? (size_t)(sp - s) - 2 : len - 2;
        if (!semver_valid(s + 2, vl))
            return false;
        if (!sp)
            return true;
        len -= (size_t)(sp - s) + 1;
        s = sp + 1;
    }
    if (len >= 1 && s[0] == '<')
        return semver_valid(s + 1, len - 1);
    return false;
}

static bool base64_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (is_lower(s[i]) || is_upper(s[i]) || is_digit(s[i]) || s[i] == '+' ||
                       s[i] == '/'))
        i++;
    if (i == 0)
        return false;
    size_t pad = len - i;
    if (pad > 2)
        return false;
    for (; i < len; i++)
        if (s[i] != '=')
            return false;
    return true;
}

/* integrity-metadata: whitespace-separated `alg-base64(?options)`. */
static bool integrity_valid(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    for (;;) {
        while (i < len && s[i] == ' ')
            i++;
        if (i == len)
            return n > 0;
        size_t start = i;
        while (i < len && s[i] != ' ')
            i++;
        const char *h = s + start;
        size_t hl = i - start;
        const char *q = memchr(h, '?', hl);
        if (q)
            hl = (size_t)(q - h);
        const char *dash = memchr(h, '-', hl);
        if (!dash)
            return false;
        size_t al = (size_t)(dash - h);
        if (!(al == 6 && (!memcmp(h, "sha256", 6) || !memcmp(h, "sha384", 6) ||
                          !memcmp(h, "sha512", 6))))
            return false;
        if (!base64_valid(dash + 1, hl - al - 1))
            return false;
        n++;
    }
}

/* `integrity=<...>` exactly. */
static bool hashname_valid(const char *s, size_t len)
{
    return len >= 12 && !memcmp(s, "integrity=<", 11) && s[len - 1] == '>' &&
           integrity_valid(s + 11, len - 12);
}

/* Split "<inner>" at s (after the prefix); *rest = after '>'. */
static bool bracketed(const char *s, size_t len, size_t *inner_len, const char **rest,
                      size_t *rest_len)
{
    if (len == 0 || s[0] != '<')
        return false;
    const char *gt = memchr(s + 1, '>', len - 1);
    if (!gt)
        return false;
    *inner_len = (size_t)(gt - s - 1);
    *rest = gt + 1;
    *rest_len = len - (size_t)(gt + 1 - s);
    return true;
}

static bool opt_hash(const char *rest, size_t rl)
{
    return rl == 0 || (rest[0] == ',' && hashname_valid(rest + 1, rl - 1));
}

static bool dep_name(const char *s, size_t len)
{
    size_t il, rl;
    const char *rest;
    if (len >= 13 && !memcmp(s, "unlocked-dep=", 13)) {
        s += 13, len -= 13;     /* the range has '>=': the last '>' closes */
        if (len < 2 || s[0] != '<' || s[len - 1] != '>')
            return false;
        il = len - 2;
        const char *at = memchr(s + 1, '@', il);
        size_t pl = at ? (size_t)(at - s - 1) : il;
        if (!pkgpath_valid(s + 1, pl, 0, 1 << 30))
            return false;
        return !at || verrange_valid(at + 1, il - pl - 1);
    }
    if (len >= 11 && !memcmp(s, "locked-dep=", 11)) {
        s += 11, len -= 11;
        if (!bracketed(s, len, &il, &rest, &rl))
            return false;
        const char *at = memchr(s + 1, '@', il);
        size_t pl = at ? (size_t)(at - s - 1) : il;
        if (!pkgpath_valid(s + 1, pl, 0, 1 << 30))
            return false;
        if (at && !semver_valid(at + 1, il - pl - 1))
            return false;
        return opt_hash(rest, rl);
    }
    if (len >= 4 && !memcmp(s, "url=", 4)) {
        s += 4, len -= 4;
        if (!bracketed(s, len, &il, &rest, &rl))
            return false;
        if (memchr(s + 1, '<', il))
            return false;
        return opt_hash(rest, rl);
    }
    return hashname_valid(s, len);
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

uint8_t wacc_externname_classify(const char *s, size_t len)
{
    if (dep_name(s, len))
        return WACC_NAME_DEP;
    if (memchr(s, '=', len) || memchr(s, '<', len))
        return WACC_NAME_OTHER;
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
