/*
 * ref.c — OCI references: [oci://]HOST[:PORT]/REPO[:TAG][@sha256:HEX].
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "oci_internal.h"

bool wacc_oci_is_uri(const char *s)
{
    return strncmp(s, "oci://", 6) == 0;
}

bool oci_digest_valid(const char *d)
{
    if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
            return false;
    return true;
}

static bool repo_valid(const char *r)
{
    if (r[0] == '\0')
        return false;
    for (const char *p = r; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (!(islower(ch) || isdigit(ch) || ch == '/' || ch == '.' || ch == '_' || ch == '-'))
            return false;
        if (ch == '/' && (p == r || p[1] == '/' || p[1] == '\0'))
            return false;
    }
    return true;
}

bool wacc_oci_ref_parse(const char *s, wacc_oci_ref *r, char err[WACC_OCI_ERR_LEN])
{
    memset(r, 0, sizeof *r);
    if (wacc_oci_is_uri(s))
        s += 6;
    const char *slash = strchr(s, '/');
    if (slash == NULL || slash == s || (size_t)(slash - s) >= sizeof r->registry) {
        snprintf(err, WACC_OCI_ERR_LEN, "bad reference '%.200s' (expected HOST[:PORT]/REPO[:TAG])", s);
        return false;
    }
    memcpy(r->registry, s, (size_t)(slash - s));
    const char *rest = slash + 1;
    const char *at = strchr(rest, '@');
    size_t n = at ? (size_t)(at - rest) : strlen(rest);
    char name[512];
    if (n >= sizeof name) {
        snprintf(err, WACC_OCI_ERR_LEN, "bad reference '%.200s' (too long)", s);
        return false;
    }
    memcpy(name, rest, n);
    name[n] = '\0';
    if (at != NULL) {
        if (!oci_digest_valid(at + 1)) {
            snprintf(err, WACC_OCI_ERR_LEN, "bad reference '%.200s' (digest must be sha256:<64 hex>)", s);
            return false;
        }
        snprintf(r->digest, sizeof r->digest, "%s", at + 1);
    }
    char *colon = strrchr(name, ':');
    if (colon != NULL && strchr(colon, '/') == NULL) {
        *colon = '\0';
        const char *tag = colon + 1;
        size_t tl = strlen(tag);
        bool ok = tl > 0 && tl < 128 && (isalnum((unsigned char)tag[0]) || tag[0] == '_');
        for (size_t i = 0; ok && i < tl; i++)
            ok = isalnum((unsigned char)tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-';
        if (!ok) {
            snprintf(err, WACC_OCI_ERR_LEN, "bad reference '%.200s' (bad tag)", s);
            return false;
        }
        snprintf(r->tag, sizeof r->tag, "%s", tag);
    } else if (r->digest[0] == '\0') {
        snprintf(r->tag, sizeof r->tag, "latest");
    }
    if (!repo_valid(name) || strlen(name) >= sizeof r->repo) {
        snprintf(err, WACC_OCI_ERR_LEN, "bad reference '%.200s' (repository names are lower-case a-z0-9._-/)", s);
        return false;
    }
    snprintf(r->repo, sizeof r->repo, "%s", name);
    return true;
}
