/*
 * wacc_oci.h — OCI distribution client (libwacc-oci, libcurl + libcjson):
 * push and pull WebAssembly components as the CNCF TAG-runtime Wasm OCI
 * artifact, with wacc's precompiled native builds and ed25519 signatures.
 *
 * What a push writes (media types fixed by the specs):
 *   manifest  application/vnd.oci.image.manifest.v1+json
 *   config    application/vnd.wasm.config.v0+json
 *             {"created", "architecture":"wasm", "os":"wasip2"|"wasip1",
 *              "layerDigests":[...], "component":{"imports","exports"[,"target"]}}
 *   layer     application/wasm (annotation org.opencontainers.image.title)
 * With --native builds the tag names an image index
 * (application/vnd.oci.image.index.v1+json): the Wasm manifest (platform
 * wasm/wasip2) plus one manifest per native build (platform linux/amd64,
 * variant v2/v3/v4 for the x86-64 baselines), whose config is
 * application/vnd.wacc.native.config.v1+json and layer
 * application/vnd.wacc.native.v1 (the .so); annotations dev.wacc.target,
 * dev.wacc.cpu. Signatures ride with each layer descriptor as the annotation
 * dev.wacc.signature (base64 of the Signatures.md signature data, see
 * wacc_sign.h); a .wasm may also carry its own embedded signature.
 *
 * A pull verifies the digest of every manifest and blob, keeps blobs in a
 * content-addressed store ($XDG_CACHE_HOME/wacc/oci/blobs/sha256/HEX), checks
 * signatures when asked, picks the native build this CPU can load (the
 * loader's own checks) and writes the files to a directory: NAME.wasm
 * [+ .sig], NAME.so [+ .sig].
 */
#ifndef WACC_OCI_H
#define WACC_OCI_H

#include <stdbool.h>
#include <stddef.h>

#include "wacc_sign.h"

#define WACC_OCI_ERR_LEN 512

#define WACC_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WACC_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define WACC_OCI_WASM_CONFIG "application/vnd.wasm.config.v0+json"
#define WACC_OCI_WASM_LAYER "application/wasm"
#define WACC_OCI_NATIVE_CONFIG "application/vnd.wacc.native.config.v1+json"
#define WACC_OCI_NATIVE_LAYER "application/vnd.wacc.native.v1"
#define WACC_OCI_SIGNATURE_ANNOTATION "dev.wacc.signature"

typedef struct wacc_oci_ref {
    char registry[256];         /* host[:port] */
    char repo[256];             /* path/name */
    char tag[128];              /* "" when only a digest was given */
    char digest[80];            /* "sha256:..." or "" */
} wacc_oci_ref;

/* [oci://]HOST[:PORT]/REPO[:TAG][@sha256:HEX]; TAG defaults to "latest". */
bool wacc_oci_ref_parse(const char *s, wacc_oci_ref *r, char err[WACC_OCI_ERR_LEN]);
bool wacc_oci_is_uri(const char *s);            /* starts with "oci://" */

typedef struct wacc_oci_options {
    bool insecure;              /* plain HTTP: only when asked */
    const char *creds;          /* "user:password"; NULL: $REGISTRY_AUTH_FILE, auth.json, ~/.docker/config.json */
    const wacc_keyset *verify;  /* pull: refuse what no key of the set signed (NULL: no check) */
    const char *sign_key;       /* push: sign every layer with this secret key */
    size_t chunk_size;          /* push: blobs larger than this are uploaded in chunks (0: 8 MiB) */
    bool verbose;               /* one line per request on stderr */
} wacc_oci_options;

typedef struct wacc_oci_push_input {
    const char *wasm;                           /* component or core module */
    const char *const *natives;                 /* precompiled wacc artifacts of it */
    size_t nnatives;
    bool is_component;
    const char *const *imports;                 /* the component's own import/export names */
    size_t nimports;
    const char *const *exports;
    size_t nexports;
    const char *target;                         /* target world, or NULL */
} wacc_oci_push_input;

/* Push; `digest` receives the digest the tag points at. */
bool wacc_oci_push(const char *ref, const wacc_oci_push_input *in, const wacc_oci_options *o,
                   char digest[80], char err[WACC_OCI_ERR_LEN]);

typedef struct wacc_oci_pulled {
    char dir[1024];             /* where the files are */
    char wasm[1280];            /* the .wasm */
    char native[1280];          /* a .so this CPU can load, "" if none was published */
    char digest[80];            /* what the reference resolved to */
} wacc_oci_pulled;

/* Pull into `outdir` (NULL: $XDG_CACHE_HOME/wacc/oci/refs/REGISTRY/REPO/TAG).
 * Nothing is written to it unless every check passed. */
bool wacc_oci_pull(const char *ref, const char *outdir, const wacc_oci_options *o,
                   wacc_oci_pulled *out, char err[WACC_OCI_ERR_LEN]);

/* oci://REF → local files, for `wacc run` / `wacc serve`: the same as a pull
 * into the store. */
static inline bool wacc_oci_resolve(const char *uri, const wacc_oci_options *o,
                                    wacc_oci_pulled *out, char err[WACC_OCI_ERR_LEN])
{
    return wacc_oci_pull(uri, NULL, o, out, err);
}

/* $XDG_CACHE_HOME/wacc/oci (created). */
bool wacc_oci_store_dir(char *buf, size_t len);

#endif
