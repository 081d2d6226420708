/*
 * host_auth.c — a C host on the bindings of `wacc bindgen c --host` for
 * world `authentication`: instantiates the Rust provider alone (its
 * artifact, compiled by `wacc compile`), implements the directory import it
 * needs as a plain C function, gives it WASI 0.2 (clocks) through the
 * fallback host, and validates one token per line of TOKENS.
 *
 *   host_auth PROVIDER.so TOKENS [N]
 *
 * With N: also times N validations of the first token (a benchmark, printed
 * to stderr; tests never look at it).
 *
 * Prints one result per token in WAVE (ok({id: .., username: .., roles: [..]})
 * or err("reason")), as `wacc run --invoke` prints them; exit 0 unless the
 * host itself fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authentication_host.h"
#include "wasi2.h"

/* the directory, on the host side */
bool codesec_auth_directory_lookup(authentication_host_t *h, authentication_string_t *id,
                                   codesec_auth_directory_entry_t *ret)
{
    static const struct {
        const char *id, *name, *roles[2];
    } users[] = {
        { "u-1001", "alice", { "admin", "billing" } },
        { "u-1002", "bob", { "reader", NULL } },
        { "u-1003", "carol", { NULL, NULL } },
    };
    int *lookups = h->user;
    ++*lookups;
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        if (strlen(users[i].id) != id->len || memcmp(users[i].id, id->ptr, id->len) != 0)
            continue;
        authentication_string_dup(&ret->username, users[i].name);
        size_t n = 0;
        while (n < 2 && users[i].roles[n] != NULL)
            n++;
        ret->roles.len = n;
        ret->roles.ptr = malloc((n ? n : 1) * sizeof *ret->roles.ptr);
        for (size_t k = 0; k < n; k++)
            authentication_string_dup(&ret->roles.ptr[k], users[i].roles[k]);
        return true;
    }
    return false;
}

static void print_str(const authentication_string_t *s)
{
    printf("\"%.*s\"", (int)s->len, (const char *)s->ptr);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: host_auth PROVIDER.so TOKENS [N]\n");
        return 2;
    }
    char err[WACC_ERR_LEN];
    FILE *f = fopen(argv[2], "r");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = wacc_artifact_load(e, argv[1], err);
    if (a == NULL) {
        fprintf(stderr, "host_auth: %s: %s\n", argv[1], err);
        return 1;
    }
    wacc_store *s = wacc_store_new(e);
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    wacc_wasi2 *w = wacc_wasi2_new(&cfg, err);
    if (w == NULL) {
        fprintf(stderr, "host_auth: %s\n", err);
        return 1;
    }
    wacc_component_host wasi;
    wacc_wasi2_host(w, &wasi);
    authentication_host_t h;
    int lookups = 0;
    if (!authentication_host_instantiate(&h, s, a, &wasi, err)) {
        fprintf(stderr, "host_auth: %s\n", err);
        return 1;
    }
    h.user = &lookups;
    char line[4096], first[4096] = "";
    int status = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (first[0] == '\0')
            snprintf(first, sizeof first, "%s", line);
        line[strcspn(line, "\n")] = '\0';
        authentication_string_t token;
        authentication_string_set(&token, line);
        exports_codesec_auth_provider_result_user_string_t r;
        if (!authentication_call_codesec_auth_provider_validate_token(&h, &token, &r)) {
            printf("trap: %s\n", h.trap.message);
            status = 1;
            continue;
        }
        if (r.is_err) {
            printf("err(");
            print_str(&r.val.err);
            printf(")\n");
        } else {
            printf("ok({id: ");
            print_str(&r.val.ok.id);
            printf(", username: ");
            print_str(&r.val.ok.username);
            printf(", roles: [");
            for (size_t i = 0; i < r.val.ok.roles.len; i++) {
                printf("%s", i ? ", " : "");
                print_str(&r.val.ok.roles.ptr[i]);
            }
            printf("]})\n");
        }
        exports_codesec_auth_provider_result_user_string_free(&r);
    }
    fprintf(stderr, "host_auth: %d directory lookups\n", lookups);
    long n = argc == 4 ? atol(argv[3]) : 0;
    if (n > 0) {
        first[strcspn(first, "\n")] = '\0';
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long i = 0; i < n && status == 0; i++) {
            authentication_string_t token;
            authentication_string_set(&token, first);
            exports_codesec_auth_provider_result_user_string_t r;
            if (!authentication_call_codesec_auth_provider_validate_token(&h, &token, &r))
                status = 1;
            else
                exports_codesec_auth_provider_result_user_string_free(&r);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
        fprintf(stderr, "host_auth: %ld validate-token calls: %.2f us/call\n", n, ns / (double)n / 1e3);
    }
    fclose(f);
    authentication_host_free(&h);
    wacc_store_free(s);
    wacc_wasi2_free(w);
    wacc_artifact_free(a);
    wacc_engine_free(e);
    return status;
}
