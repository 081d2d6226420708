/*
 * http_curl.c — the libcurl glue the outbound wasi:http clients share
 * (0.2: http_client.c here, 0.3: runtime/wasi3/http_client.c): the easy
 * handle's common options, the request's header list, response header
 * lines, and curl's errors as error-code labels.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

void h_curl_common(CURL *e, const char *url, void *owner, char *errbuf,
                   curl_write_callback on_header, curl_write_callback on_write)
{
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)owner);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, owner);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, owner);
}

static struct curl_slist *append(struct curl_slist *l, const char *line)
{
    struct curl_slist *nl = l ? curl_slist_append(l, line) : NULL;
    if (!nl)
        curl_slist_free_all(l);
    return nl;
}

struct curl_slist *h_curl_headers(const h_fields *f, const char *traceparent)
{
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    if (traceparent) {
        char line[96];
        snprintf(line, sizeof line, "traceparent: %s", traceparent);
        l = append(l, line);
    }
    for (uint32_t i = 0; l && f && i < f->n; i++) {
        const h_field *h = &f->e[i];
        if (strcmp(h->name, "content-length") == 0 || (traceparent && strcmp(h->name, "traceparent") == 0))
            continue;
        size_t n = h->nlen + h->vlen + 3;
        char *line = malloc(n);
        if (!line) {
            curl_slist_free_all(l);
            return NULL;
        }
        if (h->vlen)
            snprintf(line, n, "%s: %.*s", h->name, (int)h->vlen, (const char *)h->val);
        else
            snprintf(line, n, "%s;", h->name);      /* curl's syntax for an empty value */
        l = append(l, line);
        free(line);
    }
    return l;
}

int h_curl_header_line(const char *p, size_t len, long *status, const char **name, size_t *nlen,
                       const char **val, size_t *vlen)
{
    size_t k = len;
    while (k && (p[k - 1] == '\n' || p[k - 1] == '\r'))
        k--;
    if (k >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        const char *sp = memchr(p, ' ', k);
        *status = sp ? strtol(sp + 1, NULL, 10) : 0;
        return H_LINE_STATUS;
    }
    if (k == 0)
        return H_LINE_END;
    const char *colon = memchr(p, ':', k);
    if (!colon)
        return H_LINE_SKIP;
    const char *v = colon + 1;
    while (v < p + k && (*v == ' ' || *v == '\t'))
        v++;
    *name = p;
    *nlen = (size_t)(colon - p);
    *val = v;
    *vlen = (size_t)(p + k - v);
    const char *bad = hf_check(p, *nlen, (const uint8_t *)v, *vlen, true);
    return bad && strcmp(bad, "forbidden") != 0 ? H_LINE_SKIP : H_LINE_FIELD;   /* what a guest could not hold */
}

const char *h_curl_label(CURL *e, CURLcode result)
{
    long oserr = 0;
    switch (result) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return "DNS-error";
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
        if (oserr == ENETUNREACH || oserr == EHOSTUNREACH)
            return "destination-unavailable";
        return "connection-refused";
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t conn = 0;
        curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &conn);
        return conn == 0 ? "connection-timeout" : "HTTP-response-timeout";
    }
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED:
        return "TLS-protocol-error";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return "TLS-certificate-error";
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return "HTTP-response-incomplete";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return "connection-terminated";
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        return "HTTP-protocol-error";
    case CURLE_URL_MALFORMAT:
        return "HTTP-request-URI-invalid";
    case CURLE_TOO_MANY_REDIRECTS:
        return "loop-detected";
    default:
        return "internal-error";
    }
}
