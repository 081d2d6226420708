/*
 * wacc_sign.h — ed25519 signatures for components, core modules and wacc
 * artifacts (libwacc-sign, libsodium).
 *
 * Signature data is the WebAssembly tool-conventions Signatures.md format
 * (what wasmsign2 writes): spec version 0x01, content type, hash function
 * 0x01 (SHA-256), then signed hash sets, each signature
 * Ed25519(sk, "wasmsig" ‖ 0x01 ‖ content_type ‖ 0x01 ‖ hashes).
 *
 *  - a .wasm: content type 0x01; the hash covers every section but a leading
 *    `signature` custom section (not the 8-byte preamble), exactly as
 *    Signatures.md/wasmsign2. The signature data may be embedded as that
 *    custom section or stored next to the file ("detached").
 *  - any other file (a .so): content type 0x02 (wacc's own), the hash is
 *    SHA-256 over the whole file (the file's OCI digest).
 *  Detached signatures live in FILE.sig (the name with ".sig" appended).
 *
 * Keys are one-line text files:
 *     KEY      "wacc-ed25519-secret-key " base64(0x81 ‖ seed(32) ‖ pk(32))
 *     KEY.pub  "wacc-ed25519-public-key " base64(0x01 ‖ pk(32))
 * (the Signatures.md key serialisation, base64 with padding). The raw binary
 * wasmsign2 key files (33 or 65 bytes) are accepted too.
 */
#ifndef WACC_SIGN_H
#define WACC_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wacc.h"

#define WACC_SIGN_ERR_LEN 512
#define WACC_SIG_CONTENT_WASM 0x01      /* Signatures.md: a WebAssembly module/component */
#define WACC_SIG_CONTENT_FILE 0x02      /* wacc: SHA-256 over the whole file */
#define WACC_SIG_MAX 4096               /* largest signature data accepted */

typedef struct wacc_keyset wacc_keyset;

/* Write a new key pair: `path` (mode 0600) and `path`.pub. */
bool wacc_keygen(const char *path, char err[WACC_SIGN_ERR_LEN]);

wacc_keyset *wacc_keyset_new(void);
void wacc_keyset_free(wacc_keyset *ks);
/* Add a public key file (text or raw wasmsign2 format). */
bool wacc_keyset_add_file(wacc_keyset *ks, const char *path, char err[WACC_SIGN_ERR_LEN]);
size_t wacc_keyset_count(const wacc_keyset *ks);

/* The sha256 digest of bytes as "sha256:<64 hex>" (OCI form). */
void wacc_sha256_digest(const uint8_t *bytes, size_t n, char out[72]);

/* Sign bytes with the secret key file `key`: *sig (malloc'd) receives the
 * signature data. A .wasm (by its magic) is signed as a module, with any
 * embedded signature section left out of the hash. */
bool wacc_sign_bytes(const char *key, const uint8_t *bytes, size_t n, uint8_t **sig,
                     size_t *siglen, char err[WACC_SIGN_ERR_LEN]);
/* Sign FILE: write FILE.sig, or for a .wasm with `embed`, rewrite FILE with
 * the signature as its first custom section. */
bool wacc_sign_file(const char *key, const char *file, bool embed, char err[WACC_SIGN_ERR_LEN]);

/* Verify bytes against the key set: with `sig` NULL the signature embedded in
 * a .wasm is used. True when one key signed exactly these bytes. */
bool wacc_verify_bytes(const wacc_keyset *ks, const uint8_t *bytes, size_t n,
                       const uint8_t *sig, size_t siglen, char err[WACC_SIGN_ERR_LEN]);
/* Verify the bytes of `path` (already read by the caller, so what is checked
 * is what gets used): the embedded signature, else `path`.sig. */
bool wacc_verify_file_bytes(const wacc_keyset *ks, const char *path, const uint8_t *bytes,
                            size_t n, char err[WACC_SIGN_ERR_LEN]);
/* Read `path` once and verify it (for commands that do not load code). */
bool wacc_verify_file(const wacc_keyset *ks, const char *path, char err[WACC_SIGN_ERR_LEN]);

/* ---- policy: verification mandatory for everything a process loads ----
 *
 * A policy holds the trusted keys (--verify-key, and $WACC_VERIFY_KEYS, a
 * ':'-separated list of .pub files) plus the local cache key, which signs
 * the entries of the compile cache ($XDG_CONFIG_HOME/wacc/cache.key, made the
 * first time an entry is sealed; its .pub is trusted when it exists).
 * `require` ($WACC_REQUIRE_SIGNATURES=1 or --require-signatures) refuses to
 * run without a trusted key. */
typedef struct wacc_sign_policy {
    wacc_keyset *keys;          /* NULL: no verification */
    char cache_key[512];        /* secret key signing cache entries ("" if none) */
} wacc_sign_policy;

/* Build the policy from the given key files and the environment. A policy
 * with no keys and no requirement leaves p->keys NULL (nothing verified). */
bool wacc_sign_policy_init(wacc_sign_policy *p, const char *const *key_files, size_t nkeys,
                           bool require, char err[WACC_SIGN_ERR_LEN]);
void wacc_sign_policy_free(wacc_sign_policy *p);
static inline bool wacc_sign_policy_active(const wacc_sign_policy *p) { return p->keys != NULL; }
/* Make the engine's loader verify every artifact before it maps code
 * (wacc_engine_set_verifier). The policy must outlive the engine. */
void wacc_sign_policy_attach(wacc_sign_policy *p, wacc_engine *e);
/* Sign a freshly compiled cache entry with the cache key (FILE.sig). */
bool wacc_sign_policy_seal_cache(const wacc_sign_policy *p, const char *file,
                                 char err[WACC_SIGN_ERR_LEN]);

#endif
