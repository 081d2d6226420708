/*
 * sockets_dns.c — wasi:sockets/ip-name-lookup@0.3.0 resolve-addresses (an
 * async host function; needs --allow-dns). An IP literal is answered at
 * once; a name runs getaddrinfo on a detached helper thread that signals
 * an eventfd, watched on the instance's event loop, so no event-loop
 * thread ever sits in the resolver. The lookup is shared by the call and
 * the thread (reference counted): an instance freed mid-lookup is fine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sockets_int.h"

#define MAX_ADDRS 64

typedef struct d3_lookup {
    pthread_mutex_t mu;
    int refs;                           /* the call + the thread */
    int efd;
    int gai;
    char *name;
    struct sockaddr_storage addrs[MAX_ADDRS];
    size_t n;
    wacc_hcall *call;                   /* NULL once answered or abandoned */
    wacc_watch *w;
    wacc_wasi3_sockets *ss;
    struct d3_lookup *next;             /* in ss->lookups */
} d3_lookup;

static void unref(d3_lookup *l)
{
    pthread_mutex_lock(&l->mu);
    int r = --l->refs;
    pthread_mutex_unlock(&l->mu);
    if (r)
        return;
    close(l->efd);
    free(l->name);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static void add(d3_lookup *l, const struct sockaddr *sa)
{
    size_t len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (l->n >= MAX_ADDRS || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return;
    for (size_t i = 0; i < l->n; i++)
        if (l->addrs[i].ss_family == sa->sa_family &&
            memcmp(sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                                            : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
                   sa->sa_family == AF_INET ? (const void *)&((struct sockaddr_in *)&l->addrs[i])->sin_addr
                                            : (const void *)&((struct sockaddr_in6 *)&l->addrs[i])->sin6_addr,
                   sa->sa_family == AF_INET ? 4 : 16) == 0)
            return;
    memcpy(&l->addrs[l->n++], sa, len);
}

static void *resolve_thread(void *arg)
{
    d3_lookup *l = arg;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    l->gai = getaddrinfo(l->name, NULL, &hints, &res);
    for (struct addrinfo *a = res; a; a = a->ai_next)
        add(l, a->ai_addr);
    if (res)
        freeaddrinfo(res);
    uint64_t one = 1;
    ssize_t w = write(l->efd, &one, sizeof one);
    (void)w;
    unref(l);
    return NULL;
}

static bool valid_hostname(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 254 || (n == 254 && s[253] != '.') || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                   ch == '-' || ch == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return true;
}

static const wacc_ctype *err_type(wacc_hcall *call)
{
    const wacc_ctype *rt = wacc_cfunc_result(wacc_hcall_type(call));
    return rt && rt->n > 1 ? rt->fields[1].type : NULL;
}

static uint32_t answer(wacc_hcall *call, const struct sockaddr_storage *addrs, size_t n, const char *bad)
{
    wacc_arena *a = wacc_hcall_arena(call);
    if (bad) {
        wacc_cval r = s3_err(a, err_type(call), bad);
        return wacc_hcall_return(call, &r);
    }
    wacc_cval *list = wacc_arena_alloc(a, (n ? n : 1) * sizeof *list);
    if (!list)
        return WACC_TRAP_OUT_OF_MEMORY;
    for (size_t i = 0; i < n; i++) {
        wacc_cval *ip = wacc_arena_alloc(a, 8 * sizeof *ip);
        wacc_cval *t = wacc_arena_alloc(a, sizeof *t);
        if (!ip || !t)
            return WACC_TRAP_OUT_OF_MEMORY;
        if (addrs[i].ss_family == AF_INET) {
            const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)&addrs[i])->sin_addr;
            for (int k = 0; k < 4; k++)
                ip[k] = wacc_cval_uint(WACC_CT_U8, b[k]);
            *t = wacc_cval_tuple(ip, 4);
            list[i] = wacc_cval_variant(WACC_CT_VARIANT, 0, t);
        } else {
            const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in6 *)&addrs[i])->sin6_addr;
            for (int k = 0; k < 8; k++)
                ip[k] = wacc_cval_uint(WACC_CT_U16, (uint16_t)(b[2 * k] << 8 | b[2 * k + 1]));
            *t = wacc_cval_tuple(ip, 8);
            list[i] = wacc_cval_variant(WACC_CT_VARIANT, 1, t);
        }
    }
    wacc_cval l = wacc_cval_list(list, (uint32_t)n);
    wacc_cval r = s3_ok(a, &l);
    return wacc_hcall_return(call, &r);
}

static void unlink_lookup(d3_lookup *l)
{
    for (d3_lookup **p = &l->ss->lookups; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            return;
        }
}

static uint32_t on_done(void *ud, short revents)
{
    (void)revents;
    d3_lookup *l = ud;
    l->w = NULL;
    wacc_hcall *call = l->call;
    l->call = NULL;
    unlink_lookup(l);
    uint32_t code = 0;
    if (call) {
        const char *bad = NULL;
        if (l->gai == EAI_NONAME || l->gai == EAI_NODATA || (l->gai == 0 && l->n == 0))
            bad = "name-unresolvable";
        else if (l->gai == EAI_AGAIN)
            bad = "temporary-resolver-failure";
        else if (l->gai)
            bad = "permanent-resolver-failure";
        code = answer(call, l->addrs, l->n, bad);
    }
    unref(l);
    return code;
}

static uint32_t f_resolve(void *data, wacc_hcall *call, const wacc_cval *a, uint32_t nargs)
{
    (void)nargs;
    wacc_wasi3_sockets *ss = data;
    if (!ss->cfg->allow_dns)
        return answer(call, NULL, 0, "access-denied");
    char *name = malloc((size_t)a[0].n + 1);
    if (!name)
        return WACC_TRAP_OUT_OF_MEMORY;
    memcpy(name, a[0].x.str, a[0].n);
    name[a[0].n] = '\0';
    struct sockaddr_storage lit;
    memset(&lit, 0, sizeof lit);
    if (inet_pton(AF_INET, name, &((struct sockaddr_in *)&lit)->sin_addr) == 1) {
        lit.ss_family = AF_INET;
        free(name);
        return answer(call, &lit, 1, NULL);
    }
    if (inet_pton(AF_INET6, name, &((struct sockaddr_in6 *)&lit)->sin6_addr) == 1) {
        lit.ss_family = AF_INET6;
        free(name);
        return answer(call, &lit, 1, NULL);
    }
    if (!valid_hostname(name)) {
        free(name);
        return answer(call, NULL, 0, "invalid-argument");
    }
    d3_lookup *l = calloc(1, sizeof *l);
    if (!l) {
        free(name);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    pthread_mutex_init(&l->mu, NULL);
    l->name = name;
    l->refs = 2;
    l->ss = ss;
    l->call = call;
    l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    bool started = l->efd >= 0 && pthread_create(&th, &at, resolve_thread, l) == 0;
    pthread_attr_destroy(&at);
    if (!started) {
        l->refs = 1;
        l->call = NULL;
        unref(l);
        return answer(call, NULL, 0, "temporary-resolver-failure");
    }
    l->w = wacc_watch_add(ss->ci, l->efd, POLLIN, 0, on_done, l);
    l->next = ss->lookups;
    ss->lookups = l;
    return 0;
}

bool s3_dns_async(const char *instance, const char *name, wacc_component_host_async_fn *fn)
{
    if (!instance || strncmp(instance, "wasi:sockets/ip-name-lookup@0.3.", 32) != 0 ||
        strcmp(name, "resolve-addresses") != 0)
        return false;
    *fn = f_resolve;
    return true;
}

void s3_dns_free_all(wacc_wasi3_sockets *ss)
{
    while (ss->lookups) {
        d3_lookup *l = ss->lookups;
        ss->lookups = l->next;
        l->call = NULL;         /* the instance (its watch and call) is gone */
        l->w = NULL;
        unref(l);
    }
}
