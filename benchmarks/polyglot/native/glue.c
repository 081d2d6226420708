/*
 * glue.c — the binding helpers the Rust provider and the C++ directory of
 * examples/auth-service call, for their native build into one shared
 * object (benchmarks/polyglot/run.sh): malloc'd strings, as in the guest
 * bindings. codesec_auth_directory_lookup itself comes from the program
 * that loads the object (native/server.c: in-process or over HTTP).
 */
#include <stdlib.h>
#include <string.h>

#include "users.h"

typedef users_string_t string_t;

void users_string_dup_n(users_string_t *ret, const char *s, size_t len)
{
    ret->ptr = len ? malloc(len) : NULL;
    if (len && !ret->ptr)
        abort();
    if (len)
        memcpy(ret->ptr, s, len);
    ret->len = len;
}

void users_string_free(users_string_t *s)
{
    free(s->ptr);
    s->ptr = NULL;
    s->len = 0;
}

void authentication_string_dup_n(string_t *ret, const char *s, size_t len) { users_string_dup_n(ret, s, len); }
void authentication_string_free(string_t *s) { users_string_free(s); }

void codesec_auth_directory_entry_free(exports_codesec_auth_directory_entry_t *e)
{
    users_string_free(&e->username);
    for (size_t i = 0; i < e->roles.len; i++)
        users_string_free(&e->roles.ptr[i]);
    free(e->roles.ptr);
    e->roles.ptr = NULL;
    e->roles.len = 0;
}
