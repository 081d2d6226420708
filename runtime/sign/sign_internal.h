/*
 * sign_internal.h — shared between the files of libwacc-sign. Not public.
 */
#ifndef WACC_SIGN_INTERNAL_H
#define WACC_SIGN_INTERNAL_H

#include "wacc_sign.h"

#define WSG_PK_ID 0x01          /* Signatures.md: Ed25519 public key / algorithm id */
#define WSG_SK_ID 0x81          /* Signatures.md: Ed25519 key pair */
#define WSG_VERSION 0x01
#define WSG_HASH_SHA256 0x01

struct wacc_keyset {
    size_t n;
    uint8_t (*pk)[32];
};

bool wsg_init(char err[WACC_SIGN_ERR_LEN]);
bool wsg_read_secret(const char *path, uint8_t sk[64], char err[WACC_SIGN_ERR_LEN]);
bool wsg_keyset_add(wacc_keyset *ks, const uint8_t pk[32], char err[WACC_SIGN_ERR_LEN]);
/* Read a whole file (malloc'd). */
uint8_t *wsg_read_file(const char *path, size_t *n, char err[WACC_SIGN_ERR_LEN]);

#endif
