/*
 * pull.c — `wacc pull` / oci:// resolution: manifests and blobs verified by
 * digest, signatures checked when asked, the native build this CPU can
 * load chosen by the loader's own checks, files written only when every
 * check passed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "oci_internal.h"
#include "wacc.h"

static const char *const accept_manifests[] = {
    "Accept: " WACC_OCI_INDEX ", " WACC_OCI_MANIFEST
    ", application/vnd.docker.distribution.manifest.list.v2+json"
    ", application/vnd.docker.distribution.manifest.v2+json",
    NULL,
};

/* GET a manifest; its digest must be `expect` (when given) and the
 * registry's Docker-Content-Digest. *json receives it parsed. */
static bool get_manifest(oci_client *c, const char *reference, const char *expect, cJSON **json,
                         char digest[80], char err[WACC_OCI_ERR_LEN])
{
    char path[700], what[800];
    oci_resp r = { 0 };
    snprintf(path, sizeof path, "/v2/%s/manifests/%s", c->ref.repo, reference);
    if (!oci_request(c, "GET", path, accept_manifests, NULL, 0, OCI_MAX_MANIFEST, false, &r, err))
        return false;
    bool ok = false;
    if (r.code != 200) {
        snprintf(what, sizeof what, "GET %s", path);
        oci_http_error(c, what, &r, err);
        goto out;
    }
    wacc_sha256_digest(r.body ? r.body : (const uint8_t *)"", r.len, digest);
    if (expect != NULL && expect[0] && strcmp(expect, digest) != 0) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: manifest %s: digest mismatch (got %s): refused",
                 c->ref.registry, expect, digest);
        goto out;
    }
    if (r.digest[0] && strcmp(r.digest, digest) != 0) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: manifest %s: content does not match its digest %.80s: refused",
                 c->ref.registry, reference, r.digest);
        goto out;
    }
    *json = r.body ? cJSON_ParseWithLength((const char *)r.body, r.len) : NULL;
    if (*json == NULL || !cJSON_IsObject(*json)) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: manifest %s is not JSON", c->ref.registry, reference);
        cJSON_Delete(*json);
        *json = NULL;
        goto out;
    }
    ok = true;
out:
    oci_resp_free(&r);
    return ok;
}

/* A blob by digest, from the store or the registry, verified. */
static uint8_t *get_blob(oci_client *c, const char *digest, double size, size_t *n,
                         char err[WACC_OCI_ERR_LEN])
{
    if (!oci_digest_valid(digest)) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: bad digest '%.80s' in a manifest", c->ref.registry, digest);
        return NULL;
    }
    if (!(size >= 0 && size <= (double)OCI_MAX_BLOB)) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: blob %s: bad size in its descriptor", c->ref.registry, digest);
        return NULL;
    }
    uint8_t *b = oci_store_get(digest, n);
    if (b != NULL && *n == (size_t)size)
        return b;
    free(b);
    char path[700], what[800];
    oci_resp r = { 0 };
    snprintf(path, sizeof path, "/v2/%s/blobs/%s", c->ref.repo, digest);
    if (!oci_request(c, "GET", path, NULL, NULL, 0, (size_t)size + 1, false, &r, err))
        return NULL;
    if (r.code != 200) {
        snprintf(what, sizeof what, "GET %s", path);
        oci_http_error(c, what, &r, err);
        oci_resp_free(&r);
        return NULL;
    }
    if (r.len != (size_t)size || !oci_digest_ok(digest, r.body ? r.body : (const uint8_t *)"", r.len)) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: blob %s: content does not match its digest%s: refused",
                 c->ref.registry, digest, r.len != (size_t)size ? " (size differs)" : "");
        oci_resp_free(&r);
        return NULL;
    }
    b = r.body ? r.body : calloc(1, 1);
    *n = r.len;
    oci_store_put(digest, b, *n);
    oci_store_note_repo(digest, c->ref.registry, c->ref.repo);
    return b;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The one layer of `layer_type` in an image manifest whose config has
 * `config_type`: its bytes, and the signature annotation (decoded). */
static uint8_t *get_layer(oci_client *c, cJSON *m, const char *config_type, const char *layer_type,
                          size_t *n, uint8_t **sig, size_t *siglen, char title[256],
                          char err[WACC_OCI_ERR_LEN])
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(m, "config");
    const char *ct = cfg ? jstr(cfg, "mediaType") : NULL;
    if (ct == NULL || strcmp(ct, config_type) != 0) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: %.150s is not a %s artifact (config media type %.100s)",
                 c->ref.registry, c->ref.repo, config_type, ct ? ct : "missing");
        return NULL;
    }
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(cfg, "size");
    const char *cd = jstr(cfg, "digest");
    size_t cn;
    uint8_t *cb = cd && cJSON_IsNumber(sz) ? get_blob(c, cd, sz->valuedouble, &cn, err) : NULL;
    if (cb == NULL) {
        if (cd == NULL || !cJSON_IsNumber(sz))
            snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: manifest config without digest/size", c->ref.registry);
        return NULL;
    }
    cJSON *cj = cJSON_ParseWithLength((const char *)cb, cn);
    free(cb);
    if (cj == NULL) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: config %s is not JSON", c->ref.registry, cd);
        return NULL;
    }
    cJSON_Delete(cj);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(m, "layers"), *l;
    cJSON_ArrayForEach(l, layers) {
        const char *lt = jstr(l, "mediaType"), *ld = jstr(l, "digest");
        const cJSON *ls = cJSON_GetObjectItemCaseSensitive(l, "size");
        if (lt == NULL || strcmp(lt, layer_type) != 0)
            continue;
        if (ld == NULL || !cJSON_IsNumber(ls)) {
            snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: layer without digest/size", c->ref.registry);
            return NULL;
        }
        const cJSON *ann = cJSON_GetObjectItemCaseSensitive(l, "annotations");
        const char *t = ann ? jstr(ann, "org.opencontainers.image.title") : NULL;
        const char *s = ann ? jstr(ann, WACC_OCI_SIGNATURE_ANNOTATION) : NULL;
        title[0] = '\0';
        if (t != NULL) {
            const char *b = strrchr(t, '/');
            snprintf(title, 256, "%s", b ? b + 1 : t);
        }
        *sig = NULL;
        *siglen = 0;
        if (s != NULL) {
            size_t sl = strlen(s);
            *sig = malloc(sl + 1);
            if (*sig == NULL || sodium_base642bin(*sig, sl, s, sl, NULL, siglen, NULL,
                                                  sodium_base64_VARIANT_ORIGINAL) != 0) {
                snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: layer %s: bad signature annotation",
                         c->ref.registry, ld);
                free(*sig);
                *sig = NULL;
                return NULL;
            }
        }
        uint8_t *b = get_blob(c, ld, ls->valuedouble, n, err);
        if (b == NULL) {
            free(*sig);
            *sig = NULL;
        }
        return b;
    }
    snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: no %s layer in the manifest", c->ref.registry, layer_type);
    return NULL;
}

static bool check_signature(const wacc_oci_options *o, const char *what, const uint8_t *b, size_t n,
                            const uint8_t *sig, size_t siglen, char err[WACC_OCI_ERR_LEN])
{
    char serr[WACC_SIGN_ERR_LEN];
    if (o->verify == NULL || wacc_verify_bytes(o->verify, b, n, sig, siglen, serr))
        return true;
    snprintf(err, WACC_OCI_ERR_LEN, "%.200s: refused: %.280s", what, serr);
    return false;
}

/* A file name from an annotation: its base name, [A-Za-z0-9._-], not
 * starting with '.', with the given suffix. */
static void safe_name(const char *title, const char *fallback, const char *suffix, char *out, size_t cap)
{
    char n[200];
    size_t k = 0;
    for (const char *p = title; *p && k < sizeof n - 1; p++)
        if (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-')
            n[k++] = *p;
    n[k] = '\0';
    char *dot = strrchr(n, '.');
    if (dot != NULL && (strcmp(dot, ".wasm") == 0 || strcmp(dot, ".so") == 0))
        *dot = '\0';
    if (n[0] == '\0' || n[0] == '.')
        snprintf(n, sizeof n, "%s", fallback);
    snprintf(out, cap, "%s%s", n, suffix);
}

static int variant_rank(const cJSON *d)
{
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(d, "platform");
    const char *v = pl ? jstr(pl, "variant") : NULL;
    return v && v[0] == 'v' && isdigit((unsigned char)v[1]) ? v[1] - '0' : 0;
}

static bool write_with_sig(const char *path, const uint8_t *b, size_t n, const uint8_t *sig,
                           size_t siglen, char err[WACC_OCI_ERR_LEN])
{
    char sp[1400];
    snprintf(sp, sizeof sp, "%s.sig", path);
    if (sig != NULL) {
        if (!oci_write_file(sp, sig, siglen, err))
            return false;
    } else {
        unlink(sp);
    }
    return oci_write_file(path, b, n, err);
}

bool wacc_oci_pull(const char *refstr, const char *outdir, const wacc_oci_options *o,
                   wacc_oci_pulled *out, char err[WACC_OCI_ERR_LEN])
{
    wacc_oci_ref ref;
    oci_client c;
    cJSON *top = NULL, *wm = NULL;
    uint8_t *wasm = NULL, *wsig = NULL, *so = NULL, *ssig = NULL;
    size_t wn = 0, wsl = 0, sn = 0, ssl = 0;
    char title[256] = "", stitle[256], digest[80], skipped[300] = "";
    bool ok = false;
    memset(out, 0, sizeof *out);
    if (!wacc_oci_ref_parse(refstr, &ref, err) || !oci_client_init(&c, &ref, o, err))
        return false;
    if (!get_manifest(&c, ref.digest[0] ? ref.digest : ref.tag, ref.digest, &top, digest, err))
        goto out;
    snprintf(out->digest, sizeof out->digest, "%s", digest);
    const char *mt = jstr(top, "mediaType");
    const cJSON *natives[64];
    int nnat = 0;
    if (mt != NULL && (strcmp(mt, WACC_OCI_INDEX) == 0 ||
                       strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0)) {
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(top, "manifests"), *d;
        const char *wd = NULL;
        cJSON_ArrayForEach(d, ms) {
            const cJSON *pl = cJSON_GetObjectItemCaseSensitive(d, "platform");
            const char *arch = pl ? jstr(pl, "architecture") : NULL, *os = pl ? jstr(pl, "os") : NULL;
            if (arch && strcmp(arch, "wasm") == 0 && wd == NULL)
                wd = jstr(d, "digest");
            else if (arch && os && strcmp(arch, "amd64") == 0 && strcmp(os, "linux") == 0 && nnat < 64)
                natives[nnat++] = d;
        }
        if (wd == NULL || !oci_digest_valid(wd)) {
            snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: the index of %.150s has no wasm manifest",
                     ref.registry, ref.repo);
            goto out;
        }
        if (!get_manifest(&c, wd, wd, &wm, digest, err))
            goto out;
        /* best CPU baseline first */
        for (int i = 1; i < nnat; i++)
            for (int j = i; j > 0 && variant_rank(natives[j]) > variant_rank(natives[j - 1]); j--) {
                const cJSON *t = natives[j];
                natives[j] = natives[j - 1];
                natives[j - 1] = t;
            }
    } else {
        wm = top;
        top = NULL;
    }
    if ((wasm = get_layer(&c, wm, WACC_OCI_WASM_CONFIG, WACC_OCI_WASM_LAYER, &wn, &wsig, &wsl, title,
                          err)) == NULL)
        goto out;
    if (wn < 8 || memcmp(wasm, "\0asm", 4) != 0) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: the application/wasm layer is not WebAssembly", ref.registry);
        goto out;
    }
    if (!check_signature(o, title[0] ? title : "component", wasm, wn, wsig, wsl, err))
        goto out;
    for (int i = 0; i < nnat && so == NULL; i++) {
        const char *nd = jstr(natives[i], "digest");
        cJSON *nm = NULL;
        char ndig[80], nerr[WACC_OCI_ERR_LEN], aerr[WACC_ERR_LEN];
        if (nd == NULL || !get_manifest(&c, nd, nd, &nm, ndig, err))
            goto out;
        so = get_layer(&c, nm, WACC_OCI_NATIVE_CONFIG, WACC_OCI_NATIVE_LAYER, &sn, &ssig, &ssl, stitle, nerr);
        cJSON_Delete(nm);
        if (so == NULL) {
            snprintf(err, WACC_OCI_ERR_LEN, "%s", nerr);
            goto out;
        }
        if (!wacc_artifact_check_bytes(so, sn, true, NULL, aerr)) {
            snprintf(skipped, sizeof skipped, "%.290s", aerr);  /* not for this CPU: next one */
            free(so);
            free(ssig);
            so = ssig = NULL;
            continue;
        }
        if (!check_signature(o, stitle[0] ? stitle : "native build", so, sn, ssig, ssl, err))
            goto out;
    }
    if (o->verbose && nnat > 0 && so == NULL)
        fprintf(stderr, "wacc: oci: no native build for this CPU (%s): compiling locally\n", skipped);

    /* every check passed: write the files */
    char store[900];
    if (outdir != NULL) {
        snprintf(out->dir, sizeof out->dir, "%s", outdir);
    } else if (wacc_oci_store_dir(store, sizeof store)) {
        snprintf(out->dir, sizeof out->dir, "%.500s/refs/%.150s/%.200s/%.120s", store, ref.registry, ref.repo,
                 ref.tag[0] ? ref.tag : ref.digest + 7);
    } else {
        snprintf(err, WACC_OCI_ERR_LEN, "no $XDG_CACHE_HOME or $HOME for the OCI store");
        goto out;
    }
    if (!oci_mkdir_p(out->dir)) {
        snprintf(err, WACC_OCI_ERR_LEN, "cannot create %.300s", out->dir);
        goto out;
    }
    char name[256];
    const char *fallback = strrchr(ref.repo, '/') ? strrchr(ref.repo, '/') + 1 : ref.repo;
    safe_name(title, fallback, ".wasm", name, sizeof name);
    snprintf(out->wasm, sizeof out->wasm, "%s/%s", out->dir, name);
    safe_name(title, fallback, ".so", name, sizeof name);
    char sopath[1280];
    snprintf(sopath, sizeof sopath, "%s/%s", out->dir, name);
    if (!write_with_sig(out->wasm, wasm, wn, wsig, wsl, err))
        goto out;
    if (so != NULL) {
        if (!write_with_sig(sopath, so, sn, ssig, ssl, err))
            goto out;
        snprintf(out->native, sizeof out->native, "%s", sopath);
    } else if (outdir == NULL) {
        char sp[1400];
        snprintf(sp, sizeof sp, "%s.sig", sopath);
        unlink(sopath);                 /* a stale build from an earlier pull into the store */
        unlink(sp);
    }
    ok = true;
out:
    cJSON_Delete(top);
    cJSON_Delete(wm);
    free(wasm);
    free(wsig);
    free(so);
    free(ssig);
    oci_client_free(&c);
    return ok;
}
