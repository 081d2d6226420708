/* users.h — the types and helpers of the generated guest bindings of world
 * `users` that examples/auth-service/directory/directory.cpp uses, for its
 * native build (benchmarks/polyglot): plain malloc'd strings. */
#ifndef POLYGLOT_NATIVE_USERS_H
#define POLYGLOT_NATIVE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct users_string_t {
    uint8_t *ptr;
    size_t len;
} users_string_t;

typedef struct users_list_string_t {
    users_string_t *ptr;
    size_t len;
} users_list_string_t;

typedef struct exports_codesec_auth_directory_entry_t {
    users_string_t username;
    users_list_string_t roles;
} exports_codesec_auth_directory_entry_t;

void users_string_dup_n(users_string_t *ret, const char *s, size_t len);
void users_string_free(users_string_t *s);
bool exports_codesec_auth_directory_lookup(users_string_t *id, exports_codesec_auth_directory_entry_t *ret);

#ifdef __cplusplus
}
#endif
#endif
