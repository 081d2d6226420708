/*
 * oci_internal.h — shared between the files of libwacc-oci. Not public.
 */
#ifndef WACC_OCI_INTERNAL_H
#define WACC_OCI_INTERNAL_H

#include <stdint.h>

#include <curl/curl.h>

#include "wacc_oci.h"

#define OCI_MAX_MANIFEST (4u << 20)         /* largest manifest/config accepted */
#define OCI_MAX_BLOB (1ull << 30)           /* largest blob accepted */

/* One registry connection: curl handle, credentials, current Authorization. */
typedef struct oci_client {
    CURL *curl;
    const wacc_oci_options *o;
    wacc_oci_ref ref;
    char base[300];             /* http[s]://host[:port] */
    char user_pass[512];        /* "" when anonymous */
    char *auth;                 /* "Authorization: ..." header, or NULL */
    bool tried_auth;
} oci_client;

typedef struct oci_resp {
    long code;
    uint8_t *body;              /* NUL-terminated, malloc'd */
    size_t len;
    size_t limit;
    char location[2048];
    char digest[80];            /* Docker-Content-Digest */
    char www_auth[1024];
    char content_type[160];
} oci_resp;

bool oci_client_init(oci_client *c, const wacc_oci_ref *ref, const wacc_oci_options *o,
                     char err[WACC_OCI_ERR_LEN]);
void oci_client_free(oci_client *c);
void oci_resp_free(oci_resp *r);
/* One request to the registry (`url` absolute, or a path below base) with
 * authentication on 401; body/len to send (may be NULL). Returns false only
 * on a transport error (message in err); check r->code. */
bool oci_request(oci_client *c, const char *method, const char *url, const char *const *headers,
                 const uint8_t *body, size_t len, size_t limit, bool push, oci_resp *r,
                 char err[WACC_OCI_ERR_LEN]);
/* "GET /v2/...: 404 MANIFEST_UNKNOWN: manifest unknown" into err. */
void oci_http_error(const oci_client *c, const char *what, const oci_resp *r,
                    char err[WACC_OCI_ERR_LEN]);

/* store.c */
bool oci_blob_path(const char *digest, char *buf, size_t len);
/* The verified bytes of a stored blob, or NULL. */
uint8_t *oci_store_get(const char *digest, size_t *len);
bool oci_store_put(const char *digest, const uint8_t *b, size_t len);
void oci_store_note_repo(const char *digest, const char *registry, const char *repo);
/* A repository on `registry` known to hold the blob (for a cross-repo
 * mount), other than `repo`; false if none. */
bool oci_store_find_repo(const char *digest, const char *registry, const char *repo,
                         char out[256]);
bool oci_digest_ok(const char *digest, const uint8_t *b, size_t len);
bool oci_digest_valid(const char *digest);
bool oci_mkdir_p(const char *path);
bool oci_write_file(const char *path, const uint8_t *b, size_t len, char err[WACC_OCI_ERR_LEN]);

#endif
