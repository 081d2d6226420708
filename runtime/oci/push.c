/*
 * push.c — `wacc push`: blobs (skip when present, cross-repository mount
 * when the store knows another repository holding it, else a monolithic or
 * chunked upload), manifests, and the image index of native builds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "oci_internal.h"
#include "wacc.h"

#define DEFAULT_CHUNK (8u << 20)

static void upload_url(const oci_client *c, const char *loc, const char *extra, char *out, size_t cap)
{
    const char *sep = strchr(loc, '?') ? "&" : "?";
    if (loc[0] == '/')
        snprintf(out, cap, "%s%s%s%s", c->base, loc, extra[0] ? sep : "", extra);
    else
        snprintf(out, cap, "%s%s%s", loc, extra[0] ? sep : "", extra);
}

static bool upload_blob(oci_client *c, const char *digest, const uint8_t *b, size_t len,
                        char err[WACC_OCI_ERR_LEN])
{
    char path[700], url[2600], what[800], from[256];
    oci_resp r = { 0 };
    snprintf(path, sizeof path, "/v2/%s/blobs/%s", c->ref.repo, digest);
    if (!oci_request(c, "HEAD", path, NULL, NULL, 0, 0, true, &r, err))
        return false;
    if (r.code == 200)
        goto done;
    if (oci_store_find_repo(digest, c->ref.registry, c->ref.repo, from)) {
        char *ef = curl_easy_escape(c->curl, from, 0);
        snprintf(path, sizeof path, "/v2/%s/blobs/uploads/?mount=%s&from=%s", c->ref.repo, digest,
                 ef ? ef : from);
        curl_free(ef);
        if (!oci_request(c, "POST", path, NULL, NULL, 0, 1 << 16, true, &r, err))
            goto fail;
        if (r.code == 201)
            goto done;                      /* mounted: no bytes sent */
        if (r.code != 202) {
            /* the mount was not accepted: start a plain upload */
            snprintf(path, sizeof path, "/v2/%s/blobs/uploads/", c->ref.repo);
            if (!oci_request(c, "POST", path, NULL, NULL, 0, 1 << 16, true, &r, err))
                goto fail;
        }
    } else {
        snprintf(path, sizeof path, "/v2/%s/blobs/uploads/", c->ref.repo);
        if (!oci_request(c, "POST", path, NULL, NULL, 0, 1 << 16, true, &r, err))
            goto fail;
    }
    if (r.code != 202 || r.location[0] == '\0') {
        snprintf(what, sizeof what, "POST %s", path);
        oci_http_error(c, what, &r, err);
        goto fail;
    }
    size_t chunk = c->o->chunk_size ? c->o->chunk_size : DEFAULT_CHUNK;
    char dq[100];
    snprintf(dq, sizeof dq, "digest=%s", digest);
    static const char *const octet[] = { "Content-Type: application/octet-stream", NULL };
    if (len <= chunk) {
        upload_url(c, r.location, dq, url, sizeof url);
        if (!oci_request(c, "PUT", url, octet, b, len, 1 << 16, true, &r, err))
            goto fail;
    } else {
        for (size_t off = 0; off < len; off += chunk) {
            size_t n = len - off < chunk ? len - off : chunk;
            char range[80];
            snprintf(range, sizeof range, "Content-Range: %zu-%zu", off, off + n - 1);
            const char *const hs[] = { octet[0], range, NULL };
            upload_url(c, r.location, "", url, sizeof url);
            if (!oci_request(c, "PATCH", url, hs, b + off, n, 1 << 16, true, &r, err))
                goto fail;
            if (r.code != 202 || r.location[0] == '\0') {
                snprintf(what, sizeof what, "PATCH blob %s (bytes %zu-%zu)", digest, off, off + n - 1);
                oci_http_error(c, what, &r, err);
                goto fail;
            }
        }
        upload_url(c, r.location, dq, url, sizeof url);
        if (!oci_request(c, "PUT", url, octet, NULL, 0, 1 << 16, true, &r, err))
            goto fail;
    }
    if (r.code != 201) {
        snprintf(what, sizeof what, "PUT blob %s", digest);
        oci_http_error(c, what, &r, err);
        goto fail;
    }
done:
    oci_resp_free(&r);
    oci_store_note_repo(digest, c->ref.registry, c->ref.repo);
    return true;
fail:
    oci_resp_free(&r);
    return false;
}

static bool put_manifest(oci_client *c, const char *reference, const char *media_type,
                         const char *json, char digest[80], char err[WACC_OCI_ERR_LEN])
{
    char path[700], ct[200], what[800];
    size_t len = strlen(json);
    wacc_sha256_digest((const uint8_t *)json, len, digest);
    snprintf(path, sizeof path, "/v2/%s/manifests/%s", c->ref.repo, reference[0] ? reference : digest);
    snprintf(ct, sizeof ct, "Content-Type: %s", media_type);
    const char *const hs[] = { ct, NULL };
    oci_resp r = { 0 };
    if (!oci_request(c, "PUT", path, hs, (const uint8_t *)json, len, 1 << 16, true, &r, err))
        return false;
    bool ok = r.code == 201;
    if (!ok) {
        snprintf(what, sizeof what, "PUT %s", path);
        oci_http_error(c, what, &r, err);
    } else if (r.digest[0] && strcmp(r.digest, digest) != 0) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: stored manifest digest %.80s, ours %s",
                 c->ref.registry, r.digest, digest);
        ok = false;
    }
    oci_resp_free(&r);
    return ok;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void now_rfc3339(char out[32])
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");     /* reproducible pushes */
    time_t t = sde && sde[0] ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Read a file whole; NULL + err. */
static uint8_t *read_all(const char *path, size_t *n, char err[WACC_OCI_ERR_LEN])
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0) {
        long sz = ftell(f);
        if (sz >= 0 && (uint64_t)sz <= OCI_MAX_BLOB && fseek(f, 0, SEEK_SET) == 0 &&
            (b = malloc((size_t)sz + 1)) != NULL && fread(b, 1, (size_t)sz, f) == (size_t)sz) {
            *n = (size_t)sz;
        } else {
            free(b);
            b = NULL;
        }
    }
    if (f)
        fclose(f);
    if (b == NULL)
        snprintf(err, WACC_OCI_ERR_LEN, "%.300s: cannot read", path);
    return b;
}

static cJSON *descriptor(const char *media_type, const char *digest, size_t size)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "mediaType", media_type);
    cJSON_AddStringToObject(d, "digest", digest);
    cJSON_AddNumberToObject(d, "size", (double)size);
    return d;
}

/* A layer descriptor with its title and, with a signing key, its signature. */
static bool layer_descriptor(const wacc_oci_options *o, const char *media_type, const char *path,
                             const uint8_t *b, size_t n, const char *digest, cJSON **out,
                             char err[WACC_OCI_ERR_LEN])
{
    cJSON *d = descriptor(media_type, digest, n);
    cJSON *ann = cJSON_AddObjectToObject(d, "annotations");
    cJSON_AddStringToObject(ann, "org.opencontainers.image.title", base_name(path));
    if (o->sign_key != NULL) {
        uint8_t *sig;
        size_t sl;
        char serr[WACC_SIGN_ERR_LEN];
        if (!wacc_sign_bytes(o->sign_key, b, n, &sig, &sl, serr)) {
            snprintf(err, WACC_OCI_ERR_LEN, "%.200s: cannot sign: %.280s", path, serr);
            cJSON_Delete(d);
            return false;
        }
        size_t bl = sodium_base64_ENCODED_LEN(sl, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(bl);
        if (b64 != NULL) {
            sodium_bin2base64(b64, bl, sig, sl, sodium_base64_VARIANT_ORIGINAL);
            cJSON_AddStringToObject(ann, WACC_OCI_SIGNATURE_ANNOTATION, b64);
        }
        free(b64);
        free(sig);
    }
    *out = d;
    return true;
}

/* Push config + layer + manifest for one artifact; `reference` "" = by digest. */
static bool push_image(oci_client *c, const char *config_type, const char *config,
                       const char *layer_type, const char *path, const uint8_t *b, size_t n,
                       const char *reference, const char *created, char mdigest[80],
                       size_t *msize, char err[WACC_OCI_ERR_LEN])
{
    char cdigest[72], ldigest[72];
    wacc_sha256_digest((const uint8_t *)config, strlen(config), cdigest);
    wacc_sha256_digest(b, n, ldigest);
    if (!upload_blob(c, ldigest, b, n, err) ||
        !upload_blob(c, cdigest, (const uint8_t *)config, strlen(config), err))
        return false;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "schemaVersion", 2);
    cJSON_AddStringToObject(m, "mediaType", WACC_OCI_MANIFEST);
    cJSON_AddItemToObject(m, "config", descriptor(config_type, cdigest, strlen(config)));
    cJSON *layers = cJSON_AddArrayToObject(m, "layers"), *ld;
    if (!layer_descriptor(c->o, layer_type, path, b, n, ldigest, &ld, err)) {
        cJSON_Delete(m);
        return false;
    }
    cJSON_AddItemToArray(layers, ld);
    cJSON *ann = cJSON_AddObjectToObject(m, "annotations");
    cJSON_AddStringToObject(ann, "org.opencontainers.image.created", created);
    cJSON_AddStringToObject(ann, "org.opencontainers.image.title", base_name(path));
    if (c->ref.tag[0])
        cJSON_AddStringToObject(ann, "org.opencontainers.image.version", c->ref.tag);
    char *json = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    if (json == NULL) {
        snprintf(err, WACC_OCI_ERR_LEN, "out of memory");
        return false;
    }
    *msize = strlen(json);
    bool ok = put_manifest(c, reference, WACC_OCI_MANIFEST, json, mdigest, err);
    free(json);
    return ok;
}

static char *wasm_config(const wacc_oci_push_input *in, const char *ldigest, const char *created)
{
    cJSON *cfg = cJSON_CreateObject();
    cJSON_AddStringToObject(cfg, "created", created);
    cJSON_AddStringToObject(cfg, "architecture", "wasm");
    cJSON_AddStringToObject(cfg, "os", in->is_component ? "wasip2" : "wasip1");
    cJSON *ld = cJSON_AddArrayToObject(cfg, "layerDigests");
    cJSON_AddItemToArray(ld, cJSON_CreateString(ldigest));
    if (in->is_component) {
        cJSON *comp = cJSON_AddObjectToObject(cfg, "component");
        cJSON *ex = cJSON_AddArrayToObject(comp, "exports");
        for (size_t i = 0; i < in->nexports; i++)
            cJSON_AddItemToArray(ex, cJSON_CreateString(in->exports[i]));
        cJSON *im = cJSON_AddArrayToObject(comp, "imports");
        for (size_t i = 0; i < in->nimports; i++)
            cJSON_AddItemToArray(im, cJSON_CreateString(in->imports[i]));
        if (in->target != NULL)
            cJSON_AddStringToObject(comp, "target", in->target);
    }
    char *s = cJSON_PrintUnformatted(cfg);
    cJSON_Delete(cfg);
    return s;
}

static const char *cpu_variant(const char *cpu)
{
    if (strcmp(cpu, "x86-64-v2") == 0)
        return "v2";
    if (strcmp(cpu, "x86-64-v3") == 0)
        return "v3";
    if (strcmp(cpu, "x86-64-v4") == 0)
        return "v4";
    if (strcmp(cpu, "x86-64") == 0)
        return "v1";
    return NULL;
}

bool wacc_oci_push(const char *refstr, const wacc_oci_push_input *in, const wacc_oci_options *o,
                   char digest[80], char err[WACC_OCI_ERR_LEN])
{
    wacc_oci_ref ref;
    oci_client c;
    size_t n = 0;
    uint8_t *wasm = NULL;
    char created[32], wdigest[80], ldigest[72];
    bool ok = false;
    if (!wacc_oci_ref_parse(refstr, &ref, err))
        return false;
    if (ref.tag[0] == '\0') {
        snprintf(err, WACC_OCI_ERR_LEN, "push needs a tag (REPO:TAG), not a digest");
        return false;
    }
    if ((wasm = read_all(in->wasm, &n, err)) == NULL)
        return false;
    if (!oci_client_init(&c, &ref, o, err)) {
        free(wasm);
        return false;
    }
    now_rfc3339(created);
    wacc_sha256_digest(wasm, n, ldigest);
    char *cfg = wasm_config(in, ldigest, created);
    size_t wsize = 0;
    if (cfg == NULL) {
        snprintf(err, WACC_OCI_ERR_LEN, "out of memory");
        goto out;
    }
    /* without native builds the tag names the Wasm manifest itself */
    if (!push_image(&c, WACC_OCI_WASM_CONFIG, cfg, WACC_OCI_WASM_LAYER, in->wasm, wasm, n,
                    in->nnatives ? "" : ref.tag, created, wdigest, &wsize, err))
        goto out;
    if (in->nnatives == 0) {
        snprintf(digest, 80, "%s", wdigest);
        ok = true;
        goto out;
    }
    cJSON *idx = cJSON_CreateObject();
    cJSON_AddNumberToObject(idx, "schemaVersion", 2);
    cJSON_AddStringToObject(idx, "mediaType", WACC_OCI_INDEX);
    cJSON *ms = cJSON_AddArrayToObject(idx, "manifests");
    cJSON *wd = descriptor(WACC_OCI_MANIFEST, wdigest, wsize);
    cJSON *pl = cJSON_AddObjectToObject(wd, "platform");
    cJSON_AddStringToObject(pl, "architecture", "wasm");
    cJSON_AddStringToObject(pl, "os", in->is_component ? "wasip2" : "wasip1");
    cJSON_AddItemToArray(ms, wd);
    for (size_t i = 0; i < in->nnatives; i++) {
        size_t sn = 0, msz = 0;
        uint8_t *so = read_all(in->natives[i], &sn, err);
        struct wacc_meta_header h;
        char aerr[WACC_ERR_LEN], mdigest[80];
        if (so == NULL) {
            cJSON_Delete(idx);
            goto out;
        }
        if (!wacc_artifact_check_bytes(so, sn, false, &h, aerr)) {
            snprintf(err, WACC_OCI_ERR_LEN, "%.200s: not a wacc artifact: %.280s", in->natives[i], aerr);
            free(so);
            cJSON_Delete(idx);
            goto out;
        }
        char target[64], cpu[48], comp[24], feats[24];
        snprintf(target, sizeof target, "%.*s", (int)sizeof h.target_triple, h.target_triple);
        snprintf(cpu, sizeof cpu, "%.*s", (int)sizeof h.cpu_name, h.cpu_name);
        snprintf(comp, sizeof comp, "%.*s", (int)sizeof h.compiler_version, h.compiler_version);
        snprintf(feats, sizeof feats, "0x%llx", (unsigned long long)h.cpu_features);
        const char *variant = cpu_variant(cpu);
        cJSON *nc = cJSON_CreateObject();
        cJSON_AddStringToObject(nc, "created", created);
        cJSON_AddStringToObject(nc, "architecture", "amd64");
        cJSON_AddStringToObject(nc, "os", "linux");
        if (variant)
            cJSON_AddStringToObject(nc, "variant", variant);
        cJSON *w = cJSON_AddObjectToObject(nc, "wacc");
        cJSON_AddStringToObject(w, "target", target);
        cJSON_AddStringToObject(w, "cpu", cpu);
        cJSON_AddStringToObject(w, "cpuFeatures", feats);
        cJSON_AddNumberToObject(w, "abiVersion", h.abi_version);
        cJSON_AddStringToObject(w, "compiler", comp);
        cJSON_AddStringToObject(w, "wasmDigest", ldigest);
        char *ncs = cJSON_PrintUnformatted(nc);
        cJSON_Delete(nc);
        bool pushed = ncs && push_image(&c, WACC_OCI_NATIVE_CONFIG, ncs, WACC_OCI_NATIVE_LAYER,
                                        in->natives[i], so, sn, "", created, mdigest, &msz, err);
        free(ncs);
        free(so);
        if (!pushed) {
            cJSON_Delete(idx);
            goto out;
        }
        cJSON *nd = descriptor(WACC_OCI_MANIFEST, mdigest, msz);
        cJSON *np = cJSON_AddObjectToObject(nd, "platform");
        cJSON_AddStringToObject(np, "architecture", "amd64");
        cJSON_AddStringToObject(np, "os", "linux");
        if (variant)
            cJSON_AddStringToObject(np, "variant", variant);
        cJSON *na = cJSON_AddObjectToObject(nd, "annotations");
        cJSON_AddStringToObject(na, "dev.wacc.target", target);
        cJSON_AddStringToObject(na, "dev.wacc.cpu", cpu);
        cJSON_AddStringToObject(na, "dev.wacc.cpu-features", feats);
        cJSON_AddItemToArray(ms, nd);
    }
    cJSON *ia = cJSON_AddObjectToObject(idx, "annotations");
    cJSON_AddStringToObject(ia, "org.opencontainers.image.created", created);
    cJSON_AddStringToObject(ia, "org.opencontainers.image.version", ref.tag);
    char *ijson = cJSON_PrintUnformatted(idx);
    cJSON_Delete(idx);
    ok = ijson && put_manifest(&c, ref.tag, WACC_OCI_INDEX, ijson, digest, err);
    free(ijson);
out:
    free(cfg);
    free(wasm);
    oci_client_free(&c);
    return ok;
}
