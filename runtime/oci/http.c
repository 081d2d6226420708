/*
 * http.c — registry requests over libcurl: anonymous, basic, and the bearer
 * token flow driven by WWW-Authenticate; credentials from --creds,
 * $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json or
 * ~/.docker/config.json.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "oci_internal.h"

/* ---- credentials ---- */

static bool creds_from_file(const char *path, const char *registry, char out[512])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *root = cJSON_Parse(buf);
    bool found = false;
    cJSON *auths = root ? cJSON_GetObjectItemCaseSensitive(root, "auths") : NULL;
    cJSON *e;
    cJSON_ArrayForEach(e, auths) {
        const char *k = e->string;
        if (k == NULL)
            continue;
        if (strncmp(k, "https://", 8) == 0)
            k += 8;
        else if (strncmp(k, "http://", 7) == 0)
            k += 7;
        size_t kl = strcspn(k, "/");
        if (kl != strlen(registry) || strncmp(k, registry, kl) != 0)
            continue;
        cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "auth");
        if (!cJSON_IsString(a))
            continue;
        size_t bl = 0;
        if (sodium_base642bin((unsigned char *)out, 511, a->valuestring, strlen(a->valuestring),
                              NULL, &bl, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
            memchr(out, ':', bl) != NULL) {
            out[bl] = '\0';
            found = true;
            break;
        }
    }
    cJSON_Delete(root);
    return found;
}

static void find_creds(oci_client *c)
{
    c->user_pass[0] = '\0';
    if (c->o->creds != NULL) {
        snprintf(c->user_pass, sizeof c->user_pass, "%s", c->o->creds);
        return;
    }
    char path[1024];
    const char *env = getenv("REGISTRY_AUTH_FILE");
    if (env && env[0] && creds_from_file(env, c->ref.registry, c->user_pass))
        return;
    env = getenv("XDG_RUNTIME_DIR");
    if (env && env[0]) {
        snprintf(path, sizeof path, "%s/containers/auth.json", env);
        if (creds_from_file(path, c->ref.registry, c->user_pass))
            return;
    }
    env = getenv("HOME");
    if (env && env[0]) {
        snprintf(path, sizeof path, "%s/.docker/config.json", env);
        creds_from_file(path, c->ref.registry, c->user_pass);
    }
}

bool oci_client_init(oci_client *c, const wacc_oci_ref *ref, const wacc_oci_options *o,
                     char err[WACC_OCI_ERR_LEN])
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->ref = *ref;
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        (c->curl = curl_easy_init()) == NULL) {
        snprintf(err, WACC_OCI_ERR_LEN, "cannot initialise libcurl");
        return false;
    }
    snprintf(c->base, sizeof c->base, "%s://%s", o->insecure ? "http" : "https", ref->registry);
    find_creds(c);
    return true;
}

void oci_client_free(oci_client *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->auth);
    sodium_memzero(c->user_pass, sizeof c->user_pass);
    c->curl = NULL;
    c->auth = NULL;
}

void oci_resp_free(oci_resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* ---- one request ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    oci_resp *r = ud;
    size_t k = size * n;
    if (r->len + k > r->limit)
        return 0;                               /* too large: curl fails the transfer */
    uint8_t *g = realloc(r->body, r->len + k + 1);
    if (g == NULL)
        return 0;
    r->body = g;
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = 0;
    return k;
}

static void header_value(const char *line, size_t n, char *out, size_t cap)
{
    const char *v = memchr(line, ':', n);
    if (v == NULL)
        return;
    v++;
    while (v < line + n && (*v == ' ' || *v == '\t'))
        v++;
    size_t l = (size_t)(line + n - v);
    while (l > 0 && (v[l - 1] == '\r' || v[l - 1] == '\n' || v[l - 1] == ' '))
        l--;
    if (l >= cap)
        l = cap - 1;
    memcpy(out, v, l);
    out[l] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    oci_resp *r = ud;
    size_t k = size * n;
#define IS(h) (k > sizeof(h) - 1 && strncasecmp(p, h, sizeof(h) - 1) == 0)
    if (k >= 5 && strncmp(p, "HTTP/", 5) == 0) {     /* a new response (redirect, 100) */
        r->location[0] = r->www_auth[0] = r->digest[0] = r->content_type[0] = '\0';
    } else if (IS("location:")) {
        header_value(p, k, r->location, sizeof r->location);
    } else if (IS("docker-content-digest:")) {
        header_value(p, k, r->digest, sizeof r->digest);
    } else if (IS("www-authenticate:")) {
        header_value(p, k, r->www_auth, sizeof r->www_auth);
    } else if (IS("content-type:")) {
        header_value(p, k, r->content_type, sizeof r->content_type);
    }
#undef IS
    return k;
}

static bool perform(oci_client *c, const char *method, const char *url,
                    const char *const *headers, const char *auth, const uint8_t *body,
                    size_t len, size_t limit, oci_resp *r, char err[WACC_OCI_ERR_LEN])
{
    CURL *h = c->curl;
    free(r->body);
    memset(r, 0, sizeof *r);
    r->limit = limit;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->o->insecure ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, c->o->insecure ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "wacc-oci/1");
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
    }
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (auth)
        hl = curl_slist_append(hl, auth);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    if (c->o->verbose)
        fprintf(stderr, "wacc: oci: %s %s\n", method, url);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hl);
    if (rc != CURLE_OK) {
        if (rc == CURLE_WRITE_ERROR && r->len + 1 > r->limit)
            snprintf(err, WACC_OCI_ERR_LEN, "%s %.300s: response larger than %zu bytes", method, url, limit);
        else
            snprintf(err, WACC_OCI_ERR_LEN, "%s %.300s: %s", method, url, curl_easy_strerror(rc));
        return false;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
    return true;
}

/* A parameter of a WWW-Authenticate challenge: key="value". */
static bool challenge_param(const char *ch, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = ch; (p = strcasestr(p, key)) != NULL; p += kl) {
        if ((p != ch && isalnum((unsigned char)p[-1])) || p[kl] != '=')
            continue;
        const char *v = p + kl + 1;
        size_t n;
        if (*v == '"') {
            v++;
            const char *e = strchr(v, '"');
            if (e == NULL)
                return false;
            n = (size_t)(e - v);
        } else {
            n = strcspn(v, ", ");
        }
        if (n >= cap)
            return false;
        memcpy(out, v, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

static bool basic_header(const char *user_pass, char **out)
{
    size_t n = strlen(user_pass);
    size_t b64 = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *h = malloc(b64 + 32);
    if (h == NULL)
        return false;
    strcpy(h, "Authorization: Basic ");
    sodium_bin2base64(h + strlen(h), b64, (const unsigned char *)user_pass, n,
                      sodium_base64_VARIANT_ORIGINAL);
    *out = h;
    return true;
}

/* The bearer token flow: GET realm?service=&scope= (with basic credentials
 * when we have them), {"token"|"access_token": ...}. */
static bool fetch_token(oci_client *c, const char *challenge, bool push, char err[WACC_OCI_ERR_LEN])
{
    char realm[1024], service[256] = "", scope[512] = "";
    if (!challenge_param(challenge, "realm", realm, sizeof realm)) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: bearer challenge without a realm", c->ref.registry);
        return false;
    }
    challenge_param(challenge, "service", service, sizeof service);
    if (!challenge_param(challenge, "scope", scope, sizeof scope))
        snprintf(scope, sizeof scope, "repository:%s:%s", c->ref.repo, push ? "pull,push" : "pull");
    char *es = curl_easy_escape(c->curl, service, 0), *esc = curl_easy_escape(c->curl, scope, 0);
    char url[2400];
    snprintf(url, sizeof url, "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
             es ? es : "", esc ? esc : "");
    curl_free(es);
    curl_free(esc);
    char *basic = NULL;
    if (c->user_pass[0] && !basic_header(c->user_pass, &basic)) {
        snprintf(err, WACC_OCI_ERR_LEN, "out of memory");
        return false;
    }
    oci_resp r = { 0 };
    bool ok = perform(c, "GET", url, NULL, basic, NULL, 0, 1 << 20, &r, err);
    free(basic);
    if (ok && r.code != 200) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: token service %.200s answered %ld",
                 c->ref.registry, realm, r.code);
        ok = false;
    }
    cJSON *j = ok ? cJSON_ParseWithLength((const char *)r.body, r.len) : NULL;
    cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "token") : NULL;
    if (j && !cJSON_IsString(t))
        t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
    if (ok && !cJSON_IsString(t)) {
        snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: token service gave no token", c->ref.registry);
        ok = false;
    }
    if (ok) {
        size_t n = strlen(t->valuestring) + 32;
        free(c->auth);
        c->auth = malloc(n);
        if (c->auth)
            snprintf(c->auth, n, "Authorization: Bearer %s", t->valuestring);
        ok = c->auth != NULL;
    }
    cJSON_Delete(j);
    oci_resp_free(&r);
    return ok;
}

bool oci_request(oci_client *c, const char *method, const char *url, const char *const *headers,
                 const uint8_t *body, size_t len, size_t limit, bool push, oci_resp *r,
                 char err[WACC_OCI_ERR_LEN])
{
    char full[2600];
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
        snprintf(full, sizeof full, "%s", url);
    else
        snprintf(full, sizeof full, "%s%s", c->base, url);
    if (!perform(c, method, full, headers, c->auth, body, len, limit, r, err))
        return false;
    if (r->code != 401 || r->www_auth[0] == '\0')
        return true;
    /* authenticate once per challenge kind, then retry */
    char challenge[1024];
    snprintf(challenge, sizeof challenge, "%s", r->www_auth);
    if (strncasecmp(challenge, "Bearer", 6) == 0) {
        if (!fetch_token(c, challenge, push, err))
            return false;
    } else if (strncasecmp(challenge, "Basic", 5) == 0) {
        if (c->user_pass[0] == '\0' || c->tried_auth)
            return true;                        /* stays 401: reported by the caller */
        free(c->auth);
        c->auth = NULL;
        if (!basic_header(c->user_pass, &c->auth)) {
            snprintf(err, WACC_OCI_ERR_LEN, "out of memory");
            return false;
        }
        c->tried_auth = true;
    } else {
        return true;
    }
    return perform(c, method, full, headers, c->auth, body, len, limit, r, err);
}

void oci_http_error(const oci_client *c, const char *what, const oci_resp *r,
                    char err[WACC_OCI_ERR_LEN])
{
    char detail[300] = "";
    cJSON *j = r->body ? cJSON_ParseWithLength((const char *)r->body, r->len) : NULL;
    cJSON *errs = j ? cJSON_GetObjectItemCaseSensitive(j, "errors") : NULL;
    cJSON *e0 = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
    cJSON *code = e0 ? cJSON_GetObjectItemCaseSensitive(e0, "code") : NULL;
    cJSON *msg = e0 ? cJSON_GetObjectItemCaseSensitive(e0, "message") : NULL;
    if (cJSON_IsString(code))
        snprintf(detail, sizeof detail, " %.80s%s%.180s", code->valuestring,
                 cJSON_IsString(msg) ? ": " : "", cJSON_IsString(msg) ? msg->valuestring : "");
    cJSON_Delete(j);
    const char *hint = r->code == 401 ? (c->user_pass[0] ? " (credentials refused)" : " (no credentials: --creds USER:PASS or an auth file)") : "";
    snprintf(err, WACC_OCI_ERR_LEN, "registry %.100s: %.200s: HTTP %ld%s%s", c->ref.registry, what,
             r->code, detail, hint);
}
