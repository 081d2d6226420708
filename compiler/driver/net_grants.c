/*
 * net_grants.c — the network grants of `wacc run` and `wacc serve`:
 *
 *   --tcp-listen ADDR:PORT          bind + listen (PORT 0 or *: any port)
 *   --tcp-connect HOST:PORT | CIDR[:PORT]
 *   --udp ADDR:PORT | CIDR[:PORT]   bind, and datagrams to/from those peers
 *   --allow-dns                     wasi:sockets/ip-name-lookup
 *
 * ADDR is an IPv4 address, an IPv6 address in brackets ([::1]:80), or *
 * (any); CIDR is ADDR/BITS (10.0.0.0/8, [fd00::/8]:53). A HOST name is
 * resolved here, once, at start-up, into one rule per address, so the
 * runtime (runtime/wasi2/fns_sockets_net.c) only ever matches literal
 * rules and never blocks on a resolver to check a grant.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "driver.h"
#include "wasi.h"

static bool push(char ***v, uint32_t *n, const char *s)
{
    char **nv = realloc(*v, ((size_t)*n + 2) * sizeof *nv);
    if (!nv)
        return false;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return false;
    nv[++*n] = NULL;
    return true;
}

/* Splits "HOST[:PORT]" / "[V6][/BITS][:PORT]" / "V6" (no port). */
static bool split(const char *s, char *host, size_t hcap, char *port, size_t pcap, bool *bracket)
{
    const char *ps = NULL;
    size_t hn;
    *bracket = false;
    port[0] = 0;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e)
            return false;
        hn = (size_t)(e - s - 1);
        if (hn + 1 > hcap)
            return false;
        memcpy(host, s + 1, hn);
        host[hn] = 0;
        const char *p = e + 1;
        if (*p == '/') {                /* [V6]/BITS */
            const char *q = strchr(p, ':');
            size_t bn = q ? (size_t)(q - p) : strlen(p);
            if (hn + bn + 1 > hcap)
                return false;
            memcpy(host + hn, p, bn);
            host[hn + bn] = 0;
            p += bn;
        }
        if (*p == ':')
            ps = p + 1;
        else if (*p)
            return false;
        *bracket = true;
    } else {
        const char *c1 = strchr(s, ':');
        if (c1 && strchr(c1 + 1, ':')) {            /* bare IPv6, no port */
            ps = NULL;
            hn = strlen(s);
        } else {
            ps = c1 ? c1 + 1 : NULL;
            hn = c1 ? (size_t)(c1 - s) : strlen(s);
        }
        if (hn + 1 > hcap)
            return false;
        memcpy(host, s, hn);
        host[hn] = 0;
    }
    if (ps) {
        if (strlen(ps) + 1 > pcap || !*ps)
            return false;
        strcpy(port, ps);
    }
    return host[0] != 0;
}

static bool valid_port(const char *p)
{
    if (strcmp(p, "*") == 0)
        return true;
    char *end;
    errno = 0;
    unsigned long v = strtoul(p, &end, 10);
    return *p >= '0' && *p <= '9' && *end == 0 && errno == 0 && v <= 65535;
}

/* "ADDR[/BITS]" literal: its family (AF_INET/AF_INET6), 0 if not one. */
static int literal(const char *host, bool *has_bits)
{
    char a[INET6_ADDRSTRLEN + 8];
    uint8_t bin[16];
    snprintf(a, sizeof a, "%s", host);
    char *slash = strchr(a, '/');
    *has_bits = slash != NULL;
    unsigned long bits = 0;
    if (slash) {
        char *end;
        bits = strtoul(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end)
            return 0;
        *slash = 0;
    }
    if (inet_pton(AF_INET, a, bin) == 1)
        return bits <= 32 ? AF_INET : 0;
    if (inet_pton(AF_INET6, a, bin) == 1)
        return bits <= 128 ? AF_INET6 : 0;
    return 0;
}

/* Adds the rule(s) for one value; false + message on a bad value. */
static bool add_rule(const char *opt, const char *val, char ***list, uint32_t *n, bool need_port)
{
    char host[300], port[16], rule[400];
    bool bracket, bits;
    if (!split(val, host, sizeof host, port, sizeof port, &bracket) || (port[0] && !valid_port(port))) {
        drv_error(NULL, "%s '%s': expected ADDR:PORT, [IPV6]:PORT, HOST:PORT or CIDR[:PORT]", opt, val);
        return false;
    }
    const char *sep = port[0] ? ":" : "";
    if (strcmp(host, "*") == 0 || literal(host, &bits)) {
        int fam = strcmp(host, "*") == 0 ? 0 : literal(host, &bits);
        if (need_port && !port[0] && !bits) {
            drv_error(NULL, "%s '%s': a port is needed (ADDR:PORT; 0 or * for any)", opt, val);
            return false;
        }
        if (fam == AF_INET6)
            snprintf(rule, sizeof rule, "[%s]%s%s", host, sep, port);
        else
            snprintf(rule, sizeof rule, "%s%s%s", host, sep, port);
        if (!push(list, n, rule)) {
            drv_error(NULL, "out of memory");
            return false;
        }
        return true;
    }
    if (bracket || strchr(host, '/') || !port[0]) {
        drv_error(NULL, "%s '%s': a host name needs a port (HOST:PORT)", opt, val);
        return false;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int r = getaddrinfo(host, NULL, &hints, &res);
    if (r != 0) {
        drv_error(NULL, "%s '%s': cannot resolve %s: %s", opt, val, host, gai_strerror(r));
        return false;
    }
    bool ok = true;
    for (struct addrinfo *a = res; a && ok; a = a->ai_next) {
        char ip[INET6_ADDRSTRLEN];
        if (a->ai_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, ip, sizeof ip);
            snprintf(rule, sizeof rule, "%s:%s", ip, port);
        } else if (a->ai_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, ip, sizeof ip);
            snprintf(rule, sizeof rule, "[%s]:%s", ip, port);
        } else {
            continue;
        }
        ok = push(list, n, rule);
    }
    freeaddrinfo(res);
    if (!ok)
        drv_error(NULL, "out of memory");
    return ok;
}

int drv_parse_net_option(int argc, char **argv, int *i, drv_net *net)
{
    static const struct { const char *name; int which; } opts[] = {
        { "--tcp-listen", 0 }, { "--tcp-connect", 1 }, { "--udp", 2 },
    };
    const char *a = argv[*i];
    if (strcmp(a, "--allow-dns") == 0) {
        net->allow_dns = true;
        return 1;
    }
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        size_t l = strlen(opts[k].name);
        const char *val;
        if (strcmp(a, opts[k].name) == 0) {
            if (*i + 1 >= argc) {
                drv_error(NULL, "%s needs a value", opts[k].name);
                return -1;
            }
            val = argv[++*i];
        } else if (strncmp(a, opts[k].name, l) == 0 && a[l] == '=') {
            val = a + l + 1;
        } else {
            continue;
        }
        bool ok = opts[k].which == 0 ? add_rule(opts[k].name, val, &net->tcp_listen, &net->ntcp_listen, true)
                : opts[k].which == 1 ? add_rule(opts[k].name, val, &net->tcp_connect, &net->ntcp_connect, false)
                                     : add_rule(opts[k].name, val, &net->udp, &net->nudp, false);
        return ok ? 1 : -1;
    }
    return 0;
}

void drv_net_apply(const drv_net *net, wacc_wasi_config *cfg)
{
    cfg->tcp_listen = (const char *const *)net->tcp_listen;
    cfg->ntcp_listen = net->ntcp_listen;
    cfg->tcp_connect = (const char *const *)net->tcp_connect;
    cfg->ntcp_connect = net->ntcp_connect;
    cfg->udp = (const char *const *)net->udp;
    cfg->nudp = net->nudp;
    cfg->allow_dns = net->allow_dns;
}

static void free_list(char **v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void drv_net_free(drv_net *net)
{
    free_list(net->tcp_listen, net->ntcp_listen);
    free_list(net->tcp_connect, net->ntcp_connect);
    free_list(net->udp, net->nudp);
    memset(net, 0, sizeof *net);
}
