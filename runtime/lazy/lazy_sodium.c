/* libsodium, loaded on first use (lazy.h): signing, verification and
 * registry digests; `wacc run` of an unsigned file uses none of it. */
#include <sodium.h>

#include "lazy.h"

#define SODIUM_FUNCS(F, V) \
    F(int, crypto_hash_sha256, (unsigned char *a, const unsigned char *b, unsigned long long c), (a, b, c)) \
    F(int, crypto_hash_sha256_final, (crypto_hash_sha256_state *a, unsigned char *b), (a, b)) \
    F(int, crypto_hash_sha256_init, (crypto_hash_sha256_state *a), (a)) \
    F(int, crypto_hash_sha256_update, (crypto_hash_sha256_state *a, const unsigned char *b, unsigned long long c), \
      (a, b, c)) \
    F(int, crypto_sign_detached, (unsigned char *a, unsigned long long *b, const unsigned char *c, \
                                  unsigned long long d, const unsigned char *e), (a, b, c, d, e)) \
    F(int, crypto_sign_keypair, (unsigned char *a, unsigned char *b), (a, b)) \
    F(int, crypto_sign_verify_detached, (const unsigned char *a, const unsigned char *b, unsigned long long c, \
                                         const unsigned char *d), (a, b, c, d)) \
    F(int, sodium_base642bin, (unsigned char *const a, const size_t b, const char *const c, const size_t d, \
                               const char *const e, size_t *const f, const char **const g, const int h), \
      (a, b, c, d, e, f, g, h)) \
    F(char *, sodium_bin2base64, (char *const a, const size_t b, const unsigned char *const c, const size_t d, \
                                  const int e), (a, b, c, d, e)) \
    F(char *, sodium_bin2hex, (char *const a, const size_t b, const unsigned char *const c, const size_t d), \
      (a, b, c, d)) \
    F(int, sodium_init, (void), ()) \
    V(sodium_memzero, (void *const a, const size_t b), (a, b))

WACC_LAZY_LIBRARY("libsodium.so.23", SODIUM_FUNCS)
