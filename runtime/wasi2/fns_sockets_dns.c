/*
 * fns_sockets_dns.c — wasi:sockets/ip-name-lookup (with --allow-dns).
 *
 * resolve-addresses never blocks: an IP address literal is answered at
 * once; a name is validated (IDNA for non-ASCII names when libidn2 is
 * there), then getaddrinfo runs on a detached helper thread that signals
 * an eventfd when done. The stream's pollable waits on that eventfd, so
 * the loop thread (wacc serve) or poll(2) (wacc run) never sits in the
 * resolver. The lookup state is shared by the stream and the thread
 * (reference counted under a mutex): dropping the stream early is fine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#ifdef WACC_HAVE_IDN2
#include <idn2.h>
#endif

#include "sk_int.h"

typedef struct sk_lookup {
    pthread_mutex_t mu;
    int refs;                   /* the stream + the thread */
    int efd;                    /* readable once done */
    bool done;
    int gai;                    /* getaddrinfo's result (0: ok) */
    char *name;
    struct sockaddr_storage *addrs;
    size_t naddrs, next;
} sk_lookup;

static void lookup_unref(sk_lookup *l)
{
    pthread_mutex_lock(&l->mu);
    int left = --l->refs;
    pthread_mutex_unlock(&l->mu);
    if (left > 0)
        return;
    pthread_mutex_destroy(&l->mu);
    if (l->efd >= 0)
        close(l->efd);
    free(l->name);
    free(l->addrs);
    free(l);
}

/* Keeps IPv4 and IPv6 addresses (IPv4-mapped ones as IPv4), each once. */
static void add_addr(sk_lookup *l, const struct sockaddr *sa)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_addr = ((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            in->sin_family = AF_INET;
            memcpy(&in->sin_addr, a6->s6_addr + 12, 4);
        } else {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            in6->sin6_family = AF_INET6;
            in6->sin6_addr = *a6;
        }
    } else {
        return;
    }
    for (size_t i = 0; i < l->naddrs; i++)
        if (memcmp(&l->addrs[i], &ss, sizeof ss) == 0)
            return;
    l->addrs[l->naddrs++] = ss;
}

static void *resolve_thread(void *arg)
{
    sk_lookup *l = arg;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;        /* one entry per address */
    int r = getaddrinfo(l->name, NULL, &hints, &res);
    size_t n = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        n++;
    struct sockaddr_storage *addrs = n ? calloc(n, sizeof *addrs) : NULL;
    pthread_mutex_lock(&l->mu);
    l->gai = r;
    if (r == 0 && n && !addrs)
        l->gai = EAI_MEMORY;
    l->addrs = addrs;
    for (struct addrinfo *a = res; a && addrs; a = a->ai_next)
        add_addr(l, a->ai_addr);
    l->done = true;
    pthread_mutex_unlock(&l->mu);
    if (res)
        freeaddrinfo(res);
    uint64_t one = 1;
    if (write(l->efd, &one, sizeof one) < 0) {
        /* the eventfd cannot overflow with one write; nothing to do */
    }
    lookup_unref(l);
    return NULL;
}

/* ---- the stream ---- */

static bool stream_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)dl;
    sk_lookup *l = o->impl;
    pthread_mutex_lock(&l->mu);
    bool done = l->done;
    pthread_mutex_unlock(&l->mu);
    if (done)
        return true;
    pf->fd = l->efd;
    pf->events = POLLIN;
    return false;
}

static void stream_drop(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    if (o->impl)
        lookup_unref(o->impl);
    o->impl = NULL;
}

static const w2_ops lookup_ops = { .ready = stream_ready, .drop = stream_drop };

/* A host name as getaddrinfo takes it: ASCII letters, digits, '-', '_'
 * and dots, labels of 1..63, at most 253 in all (one trailing dot). */
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
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return true;
}

static uint32_t resolve_addresses(w2_call *c)
{
    if (!sk_is_network(c, 0))
        return w2_trap(c, "not a network");
    const wacc_cval *nv = &c->a[1];
    char *name = malloc((size_t)nv->n + 1);
    if (!name)
        return WACC_TRAP_HOST;
    memcpy(name, nv->x.str, nv->n);
    name[nv->n] = 0;
    sk_lookup *l = calloc(1, sizeof *l);
    if (!l) {
        free(name);
        return WACC_TRAP_HOST;
    }
    pthread_mutex_init(&l->mu, NULL);
    l->refs = 1;
    l->efd = -1;
    l->name = name;
    /* an IP literal needs no lookup (and no grant): "[::1]" too */
    uint8_t bin[16];
    char *lit = name;
    size_t ln = strlen(name);
    if (ln > 2 && name[0] == '[' && name[ln - 1] == ']') {
        name[ln - 1] = 0;
        lit = name + 1;
    }
    bool v4 = inet_pton(AF_INET, lit, bin) == 1, v6 = !v4 && inet_pton(AF_INET6, lit, bin) == 1;
    if (v4 || v6) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        if (v4) {
            ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
            memcpy(&((struct sockaddr_in *)&ss)->sin_addr, bin, 4);
        } else {
            ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
            memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, bin, 16);
        }
        if (!(l->addrs = calloc(1, sizeof *l->addrs))) {
            lookup_unref(l);
            return WACC_TRAP_HOST;
        }
        add_addr(l, (struct sockaddr *)&ss);
        l->done = true;
    } else {
        if (!c->w->allow_dns) {
            lookup_unref(l);
            return sk_err(c, "access-denied");
        }
        if (lit != name)
            name[ln - 1] = ']';
#ifdef WACC_HAVE_IDN2
        char *ascii = NULL;
        if (idn2_to_ascii_8z(name, &ascii, IDN2_NONTRANSITIONAL) == IDN2_OK) {
            free(l->name);
            l->name = strdup(ascii);
            idn2_free(ascii);
            if (!l->name) {
                lookup_unref(l);
                return WACC_TRAP_HOST;
            }
        }
#endif
        if (!valid_hostname(l->name)) {
            lookup_unref(l);
            return sk_err(c, "invalid-argument");
        }
        pthread_attr_t attr;
        pthread_t th;
        l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (l->efd < 0) {
            int e = errno;
            lookup_unref(l);
            return sk_err_errno(c, e);
        }
        l->refs = 2;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        int e = pthread_create(&th, &attr, resolve_thread, l);
        pthread_attr_destroy(&attr);
        if (e) {
            l->refs = 1;
            lookup_unref(l);
            return sk_err(c, e == EAGAIN ? "temporary-resolver-failure" : "unknown");
        }
    }
    w2_obj *o;
    uint32_t rep = w2_new(c->w, K_RESOLVE, &o);
    if (!rep) {
        lookup_unref(l);
        return WACC_TRAP_HOST;
    }
    o->ops = &lookup_ops;
    o->impl = l;
    wacc_cval v = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &v);
}

static const char *gai_label(int r)
{
    switch (r) {
    case EAI_NONAME: case EAI_NODATA: case EAI_ADDRFAMILY: return "name-unresolvable";
    case EAI_AGAIN: return "temporary-resolver-failure";
    case EAI_MEMORY: return "out-of-memory";
    case EAI_FAIL: return "permanent-resolver-failure";
    default: return "permanent-resolver-failure";
    }
}

static uint32_t resolve_next_address(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_RESOLVE);
    if (!o)
        return w2_trap(c, "not a resolve-address-stream");
    sk_lookup *l = o->impl;
    pthread_mutex_lock(&l->mu);
    bool done = l->done;
    int gai = l->gai;
    pthread_mutex_unlock(&l->mu);
    if (!done)
        return sk_err(c, "would-block");
    if (gai)
        return sk_err(c, gai_label(gai));
    wacc_cval v = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
    if (l->next < l->naddrs) {
        wacc_cval *p = wacc_arena_alloc(c->arena, sizeof *p);
        if (!p || !sk_ip_to_val(c, (struct sockaddr *)&l->addrs[l->next++], p))
            return WACC_TRAP_HOST;
        v = wacc_cval_variant(WACC_CT_OPTION, 1, p);
    }
    return w2_ok(c, &v);
}

static uint32_t subscribe(w2_call *c)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    if (!w2_get(c->w, rep, K_RESOLVE))
        return w2_trap(c, "not a resolve-address-stream");
    return w2_new_pollable_src(c, K_RESOLVE, rep);
}

const w2_fn w2_fns_sockets_dns[] = {
    { "wasi:sockets/ip-name-lookup#resolve-addresses", resolve_addresses },
    { "wasi:sockets/ip-name-lookup#[method]resolve-address-stream.resolve-next-address",
      resolve_next_address },
    { "wasi:sockets/ip-name-lookup#[method]resolve-address-stream.subscribe", subscribe },
    { NULL, NULL },
};
