/*
 * otel.c — spans, the bounded queue and the OTLP/HTTP JSON exporter thread
 * (wacc_otel.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>

#include "wacc_otel.h"

/* One time series of the HTTP server metrics: the requests of one
 * (method, route, status) so far (cumulative since the process started). */
#define NBOUNDS 14
static const double bounds[NBOUNDS] = { 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                        0.5, 0.75, 1, 2.5, 5, 7.5, 10 };     /* semconv default */
#define MAX_SERIES 256

struct series {
    char method[16];
    char route[96];
    int status;
    uint64_t count, buckets[NBOUNDS + 1];
    double sum, min, max;
};

struct wacc_otel {
    char url[1024];
    char murl[1024];            /* …/v1/metrics */
    char service[128];
    pthread_mutex_t lock;
    pthread_cond_t wake;
    wacc_span *queue;           /* ring */
    size_t cap, head, len;
    bool stop;
    bool joined;                /* the thread is gone (wacc_otel_stop) */
    _Atomic uint64_t idseq;     /* span/trace ids (new_id) */
    unsigned flush_ms;
    pthread_t thread;
    uint64_t dropped, failed, exported;     /* under lock */
    /* metrics (under lock): recorded by requests, exported every
     * metric_ms and at exit by the same thread */
    struct series *series;      /* [MAX_SERIES] */
    size_t nseries;
    bool metrics_dirty;
    uint64_t metrics_start_ns, next_metrics_ns, metric_ms;
    uint64_t metric_drops, metrics_exported, metrics_failed;
};

uint64_t wacc_otel_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void random_bytes(uint8_t *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(b + got, n - got, 0);
        if (r <= 0) {               /* never: fall back to the clock */
            uint64_t t = wacc_otel_now_ns() ^ (uintptr_t)b;
            for (; got < n; got++, t = t * 6364136223846793005u + 1)
                b[got] = (uint8_t)(t >> 56);
            return;
        }
        got += (size_t)r;
    }
}

/* Ids: splitmix64 over a per-exporter atomic counter seeded from
 * getrandom (unique, uniformly spread, no system call per span); without
 * an exporter, getrandom. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void new_id(wacc_otel *o, uint8_t *b, size_t n)
{
    if (o == NULL) {
        random_bytes(b, n);
        return;
    }
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = mix64(atomic_fetch_add_explicit(&o->idseq, 0x9e3779b97f4a7c15u, memory_order_relaxed));
        memcpy(b + i, &v, n - i < 8 ? n - i : 8);
    }
}

static bool all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

void wacc_otel_span_begin(wacc_otel *o, wacc_span *s, const char *name, int kind,
                          const wacc_span_context *parent)
{
    memset(s, 0, offsetof(wacc_span, attrs));
    if (parent != NULL && !all_zero(parent->trace_id, 16)) {
        memcpy(s->ctx.trace_id, parent->trace_id, 16);
        memcpy(s->parent_span_id, parent->span_id, 8);
        s->has_parent = !all_zero(parent->span_id, 8);
        s->ctx.flags = parent->flags;
    } else {
        do
            new_id(o, s->ctx.trace_id, 16);
        while (all_zero(s->ctx.trace_id, 16));
        s->ctx.flags = 1;
    }
    do
        new_id(o, s->ctx.span_id, 8);
    while (all_zero(s->ctx.span_id, 8));
    snprintf(s->name, sizeof s->name, "%s", name);
    s->kind = (uint8_t)kind;
    s->start_ns = wacc_otel_now_ns();
}

static wacc_otel_attr *attr_slot(wacc_span *s, const char *key)
{
    for (uint32_t i = 0; i < s->nattrs; i++)
        if (strcmp(s->attrs[i].key, key) == 0)
            return &s->attrs[i];
    if (s->nattrs == WACC_OTEL_MAX_ATTRS)
        return NULL;
    wacc_otel_attr *a = &s->attrs[s->nattrs++];
    snprintf(a->key, sizeof a->key, "%s", key);
    return a;
}

void wacc_otel_attr_str(wacc_span *s, const char *key, const char *value)
{
    wacc_otel_attr *a = attr_slot(s, key);
    if (a != NULL) {
        snprintf(a->str, sizeof a->str, "%s", value ? value : "");
        a->is_int = false;
    }
}

void wacc_otel_attr_int(wacc_span *s, const char *key, int64_t value)
{
    wacc_otel_attr *a = attr_slot(s, key);
    if (a != NULL) {
        a->num = value;
        a->is_int = true;
    }
}

void wacc_otel_span_status(wacc_span *s, int status)
{
    s->status = (uint8_t)status;
}

void wacc_otel_span_end(wacc_otel *o, wacc_span *s)
{
    wacc_otel_span_end_at(o, s, 0);
}

void wacc_otel_span_end_at(wacc_otel *o, wacc_span *s, uint64_t end_ns)
{
    s->end_ns = end_ns ? end_ns : wacc_otel_now_ns();
    if (o == NULL || !(s->ctx.flags & 1))
        return;
    pthread_mutex_lock(&o->lock);         /* held only for a copy, never for I/O */
    if (o->len == o->cap || o->stop) {
        o->dropped++;
    } else {
        o->queue[(o->head + o->len) % o->cap] = *s;
        o->len++;
        if (o->len >= o->cap / 2)
            pthread_cond_signal(&o->wake);
    }
    pthread_mutex_unlock(&o->lock);
}

#define COUNTER(name)                                   \
    uint64_t wacc_otel_##name(const wacc_otel *o)       \
    {                                                   \
        if (o == NULL)                                  \
            return 0;                                   \
        pthread_mutex_lock((pthread_mutex_t *)&o->lock); \
        uint64_t v = o->name;                           \
        pthread_mutex_unlock((pthread_mutex_t *)&o->lock); \
        return v;                                       \
    }
COUNTER(dropped)
COUNTER(failed)
COUNTER(exported)

/* ---- metrics ---- */

static const char *known_method(const char *m);

void wacc_otel_http_server_metric(wacc_otel *o, const char *method, const char *route, int status,
                                  double seconds)
{
    if (o == NULL || o->series == NULL)
        return;
    method = known_method(method);
    if (method == NULL)
        method = "_OTHER";
    if (route == NULL)
        route = "";
    pthread_mutex_lock(&o->lock);         /* held for a few compares, never for I/O */
    struct series *x = NULL;
    for (size_t i = 0; i < o->nseries && x == NULL; i++)
        if (o->series[i].status == status && strcmp(o->series[i].method, method) == 0 &&
            strcmp(o->series[i].route, route) == 0)
            x = &o->series[i];
    if (x == NULL && o->nseries < MAX_SERIES) {
        x = &o->series[o->nseries++];
        memset(x, 0, sizeof *x);
        snprintf(x->method, sizeof x->method, "%s", method);
        snprintf(x->route, sizeof x->route, "%s", route);
        x->status = status;
        x->min = x->max = seconds;
    }
    if (x == NULL) {
        o->metric_drops++;
    } else {
        size_t b = 0;
        while (b < NBOUNDS && seconds > bounds[b])
            b++;
        x->buckets[b]++;
        x->count++;
        x->sum += seconds;
        if (seconds < x->min)
            x->min = seconds;
        if (seconds > x->max)
            x->max = seconds;
        o->metrics_dirty = true;
    }
    pthread_mutex_unlock(&o->lock);
}

uint64_t wacc_otel_metrics_exported(const wacc_otel *o)
{
    if (o == NULL)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&o->lock);
    uint64_t v = o->metrics_exported;
    pthread_mutex_unlock((pthread_mutex_t *)&o->lock);
    return v;
}

/* ---- HTTP semantic conventions ---- */

static const char *known_method(const char *m)
{
    static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                                           "OPTIONS", "TRACE", "PATCH" };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (m != NULL && strcmp(m, methods[i]) == 0)
            return methods[i];
    return NULL;
}

void wacc_otel_http_server_begin(wacc_otel *o, wacc_span *s, const char *method, const char *path,
                                 const char *route, const char *host, const char *traceparent)
{
    wacc_span_context parent;
    bool cont = wacc_otel_traceparent_parse(traceparent, &parent);
    const char *m = known_method(method);
    char name[96];
    if (route != NULL && route[0])
        snprintf(name, sizeof name, "%s %s", m ? m : "HTTP", route);
    else
        snprintf(name, sizeof name, "%s", m ? m : "HTTP");
    wacc_otel_span_begin(o, s, name, WACC_SPAN_SERVER, cont ? &parent : NULL);
    wacc_otel_attr_str(s, "http.request.method", m ? m : "_OTHER");
    if (m == NULL && method != NULL)
        wacc_otel_attr_str(s, "http.request.method_original", method);
    if (path != NULL) {
        size_t q = strcspn(path, "?");
        char p[128];
        snprintf(p, sizeof p, "%.*s", (int)(q < sizeof p ? q : sizeof p - 1), path);
        wacc_otel_attr_str(s, "url.path", p);
    }
    if (route != NULL && route[0])
        wacc_otel_attr_str(s, "http.route", route);
    wacc_otel_attr_str(s, "url.scheme", "http");
    if (host != NULL)
        wacc_otel_attr_str(s, "server.address", host);
}

void wacc_otel_http_client_begin(wacc_otel *o, wacc_span *s, const wacc_span_context *parent,
                                 const char *method, const char *url, char traceparent[56])
{
    const char *m = known_method(method);
    wacc_otel_span_begin(o, s, m ? m : "HTTP", WACC_SPAN_CLIENT, parent);
    wacc_otel_attr_str(s, "http.request.method", m ? m : "_OTHER");
    if (url != NULL)
        wacc_otel_attr_str(s, "url.full", url);
    wacc_otel_traceparent_format(&s->ctx, traceparent);
}

void wacc_otel_http_end(wacc_otel *o, wacc_span *s, int status_code)
{
    wacc_otel_attr_int(s, "http.response.status_code", status_code);
    int limit = s->kind == WACC_SPAN_SERVER ? 500 : 400;
    if (status_code >= limit || status_code <= 0) {
        char t[8];
        snprintf(t, sizeof t, "%d", status_code);
        wacc_otel_attr_str(s, "error.type", status_code > 0 ? t : "_OTHER");
        s->status = WACC_SPAN_STATUS_ERROR;
    }
    wacc_otel_span_end(o, s);
}

/* ---- W3C trace context ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
        if (h < 0 || l < 0)
            return false;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return true;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

bool wacc_otel_traceparent_parse(const char *h, wacc_span_context *out)
{
    uint8_t ver;
    if (h == NULL)
        return false;
    while (*h == ' ' || *h == '\t')
        h++;
    if (strlen(h) < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-' || !unhex(h, &ver, 1) ||
        ver == 0xff || !unhex(h + 3, out->trace_id, 16) || !unhex(h + 36, out->span_id, 8) ||
        !unhex(h + 53, &out->flags, 1))
        return false;
    if (ver == 0 && h[55] != '\0' && h[55] != ' ' && h[55] != '\t' && h[55] != '\r' && h[55] != '\n')
        return false;
    return !all_zero(out->trace_id, 16) && !all_zero(out->span_id, 8);
}

void wacc_otel_traceparent_format(const wacc_span_context *c, char out[56])
{
    memcpy(out, "00-", 3);
    tohex(c->trace_id, 16, out + 3);
    out[35] = '-';
    tohex(c->span_id, 8, out + 36);
    out[52] = '-';
    tohex(&c->flags, 1, out + 53);
}

/* ---- OTLP/HTTP JSON ---- */

struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 4096;
        while (c < b->len + n + 1)
            c *= 2;
        char *g = realloc(b->p, c);
        if (g == NULL) {
            b->oom = true;
            return;
        }
        b->p = g;
        b->cap = c;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_json_string(struct buf *b, const char *s)
{
    put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(b, esc, 6);
        } else {
            put(b, (const char *)p, 1);
        }
    }
    put(b, "\"", 1);
}

static void put_span(struct buf *b, const wacc_span *s)
{
    char hex[40], num[32];
    puts_(b, "{\"traceId\":\"");
    tohex(s->ctx.trace_id, 16, hex);
    puts_(b, hex);
    puts_(b, "\",\"spanId\":\"");
    tohex(s->ctx.span_id, 8, hex);
    puts_(b, hex);
    puts_(b, "\"");
    if (s->has_parent) {
        puts_(b, ",\"parentSpanId\":\"");
        tohex(s->parent_span_id, 8, hex);
        puts_(b, hex);
        puts_(b, "\"");
    }
    puts_(b, ",\"name\":");
    put_json_string(b, s->name);
    snprintf(num, sizeof num, "%u", s->kind);
    puts_(b, ",\"kind\":");
    puts_(b, num);
    snprintf(num, sizeof num, "%llu", (unsigned long long)s->start_ns);
    puts_(b, ",\"startTimeUnixNano\":\"");
    puts_(b, num);
    snprintf(num, sizeof num, "%llu", (unsigned long long)s->end_ns);
    puts_(b, "\",\"endTimeUnixNano\":\"");
    puts_(b, num);
    puts_(b, "\",\"attributes\":[");
    for (uint32_t i = 0; i < s->nattrs; i++) {
        const wacc_otel_attr *a = &s->attrs[i];
        puts_(b, i ? ",{\"key\":" : "{\"key\":");
        put_json_string(b, a->key);
        if (a->is_int) {
            snprintf(num, sizeof num, "%lld", (long long)a->num);
            puts_(b, ",\"value\":{\"intValue\":\"");
            puts_(b, num);
            puts_(b, "\"}}");
        } else {
            puts_(b, ",\"value\":{\"stringValue\":");
            put_json_string(b, a->str);
            puts_(b, "}}");
        }
    }
    snprintf(num, sizeof num, "%u", s->status);
    puts_(b, "],\"status\":{\"code\":");
    puts_(b, num);
    puts_(b, "}}");
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p, (void)ud;
    return size * n;
}

static void put_resource(struct buf *b, const wacc_otel *o)
{
    puts_(b, "\"resource\":{\"attributes\":[{\"key\":\"service.name\","
             "\"value\":{\"stringValue\":");
    put_json_string(b, o->service);
    puts_(b, "}},{\"key\":\"telemetry.sdk.name\",\"value\":{\"stringValue\":\"wacc\"}}]}");
}

/* POST one JSON body; true when the collector took it (2xx). Frees body. */
static bool post_json(CURL *h, const char *url, struct buf *b, long timeout_ms)
{
    if (b->oom) {
        free(b->p);
        return false;
    }
    struct curl_slist *hs = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, b->p);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    long code = 0;
    bool ok = curl_easy_perform(h) == CURLE_OK &&
              curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code >= 200 && code < 300;
    curl_slist_free_all(hs);
    free(b->p);
    return ok;
}

/* POST one batch; true when the collector took it. */
static bool export_batch(wacc_otel *o, CURL *h, const wacc_span *spans, size_t n, long timeout_ms)
{
    struct buf b = { 0 };
    puts_(&b, "{\"resourceSpans\":[{");
    put_resource(&b, o);
    puts_(&b, ",\"scopeSpans\":[{\"scope\":{\"name\":\"wacc\"},\"spans\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            puts_(&b, ",");
        put_span(&b, &spans[i]);
    }
    puts_(&b, "]}]}]}");
    return post_json(h, o->url, &b, timeout_ms);
}

static void put_series_attrs(struct buf *b, const struct series *x)
{
    char num[32];
    puts_(b, "\"attributes\":[{\"key\":\"http.request.method\",\"value\":{\"stringValue\":");
    put_json_string(b, x->method);
    puts_(b, "}},{\"key\":\"http.route\",\"value\":{\"stringValue\":");
    put_json_string(b, x->route);
    snprintf(num, sizeof num, "%d", x->status);
    puts_(b, "}},{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"");
    puts_(b, num);
    puts_(b, "\"}}");
    if (x->status >= 500 || x->status <= 0) {
        puts_(b, ",{\"key\":\"error.type\",\"value\":{\"stringValue\":\"");
        puts_(b, x->status > 0 ? num : "_OTHER");
        puts_(b, "\"}}");
    }
    puts_(b, "],\"startTimeUnixNano\":\"");
}

/* The HTTP server metrics (cumulative): http.server.request.duration (a
 * histogram in seconds) and wacc.server.requests (a monotonic sum). */
static bool export_metrics(wacc_otel *o, CURL *h, const struct series *xs, size_t n,
                           uint64_t start_ns, long timeout_ms)
{
    struct buf b = { 0 };
    char num[64], t0[32], t1[32];
    snprintf(t0, sizeof t0, "%llu", (unsigned long long)start_ns);
    snprintf(t1, sizeof t1, "%llu", (unsigned long long)wacc_otel_now_ns());
    puts_(&b, "{\"resourceMetrics\":[{");
    put_resource(&b, o);
    puts_(&b, ",\"scopeMetrics\":[{\"scope\":{\"name\":\"wacc\"},\"metrics\":["
              "{\"name\":\"http.server.request.duration\",\"unit\":\"s\","
              "\"description\":\"Duration of HTTP server requests.\","
              "\"histogram\":{\"aggregationTemporality\":2,\"dataPoints\":[");
    for (size_t i = 0; i < n; i++) {
        const struct series *x = &xs[i];
        puts_(&b, i ? ",{" : "{");
        put_series_attrs(&b, x);
        puts_(&b, t0);
        puts_(&b, "\",\"timeUnixNano\":\"");
        puts_(&b, t1);
        snprintf(num, sizeof num, "\",\"count\":\"%llu\"", (unsigned long long)x->count);
        puts_(&b, num);
        snprintf(num, sizeof num, ",\"sum\":%.9g", x->sum);
        puts_(&b, num);
        snprintf(num, sizeof num, ",\"min\":%.9g", x->min);
        puts_(&b, num);
        snprintf(num, sizeof num, ",\"max\":%.9g", x->max);
        puts_(&b, num);
        puts_(&b, ",\"bucketCounts\":[");
        for (size_t k = 0; k <= NBOUNDS; k++) {
            snprintf(num, sizeof num, "%s\"%llu\"", k ? "," : "", (unsigned long long)x->buckets[k]);
            puts_(&b, num);
        }
        puts_(&b, "],\"explicitBounds\":[");
        for (size_t k = 0; k < NBOUNDS; k++) {
            snprintf(num, sizeof num, "%s%g", k ? "," : "", bounds[k]);
            puts_(&b, num);
        }
        puts_(&b, "]}");
    }
    puts_(&b, "]}},{\"name\":\"wacc.server.requests\",\"unit\":\"{request}\","
              "\"description\":\"HTTP server requests answered.\","
              "\"sum\":{\"aggregationTemporality\":2,\"isMonotonic\":true,\"dataPoints\":[");
    for (size_t i = 0; i < n; i++) {
        puts_(&b, i ? ",{" : "{");
        put_series_attrs(&b, &xs[i]);
        puts_(&b, t0);
        puts_(&b, "\",\"timeUnixNano\":\"");
        puts_(&b, t1);
        snprintf(num, sizeof num, "\",\"asInt\":\"%llu\"}", (unsigned long long)xs[i].count);
        puts_(&b, num);
    }
    puts_(&b, "]}}]}]}]}");
    return post_json(h, o->murl, &b, timeout_ms);
}

/* With the lock held: export the metrics when they changed and their time
 * came (or `force`: at exit). Unlocks around the network. */
static void metrics_tick(wacc_otel *o, CURL *h, struct series *snap, bool force)
{
    if (snap == NULL || h == NULL || !o->metrics_dirty || o->nseries == 0)
        return;
    uint64_t now = wacc_otel_now_ns();
    if (!force && now < o->next_metrics_ns)
        return;
    size_t n = o->nseries;
    memcpy(snap, o->series, n * sizeof *snap);
    o->metrics_dirty = false;
    o->next_metrics_ns = now + o->metric_ms * 1000000u;
    uint64_t start = o->metrics_start_ns;
    pthread_mutex_unlock(&o->lock);
    bool ok = export_metrics(o, h, snap, n, start, force ? 2000 : 10000);
    pthread_mutex_lock(&o->lock);
    if (ok)
        o->metrics_exported++;
    else
        o->metrics_failed++;
}

#define BATCH 256

static void *exporter(void *ud)
{
    wacc_otel *o = ud;
    CURL *h = curl_easy_init();
    wacc_span *batch = malloc(BATCH * sizeof *batch);
    struct series *snap = o->series ? malloc(MAX_SERIES * sizeof *snap) : NULL;
    pthread_mutex_lock(&o->lock);
    for (;;) {
        if (o->len == 0 && !o->stop) {
            uint64_t wait_ms = o->flush_ms, now = wacc_otel_now_ns();
            if (o->metrics_dirty && o->next_metrics_ns > now &&
                (o->next_metrics_ns - now) / 1000000u < wait_ms)
                wait_ms = (o->next_metrics_ns - now) / 1000000u + 1;
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
            until.tv_sec += (time_t)(wait_ms / 1000) + until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&o->wake, &o->lock, &until);
        }
        metrics_tick(o, h, snap, false);
        if (o->len == 0 && o->stop) {
            metrics_tick(o, h, snap, true);     /* the last values */
            break;
        }
        size_t n = 0;
        while (batch != NULL && n < BATCH && o->len > 0) {
            batch[n++] = o->queue[o->head];
            o->head = (o->head + 1) % o->cap;
            o->len--;
        }
        bool stopping = o->stop;
        pthread_mutex_unlock(&o->lock);
        bool ok = n > 0 && h != NULL && export_batch(o, h, batch, n, stopping ? 2000 : 10000);
        pthread_mutex_lock(&o->lock);
        if (n > 0) {
            if (ok)
                o->exported += n;
            else
                o->failed += n;
        }
        if (batch == NULL || h == NULL) {   /* cannot export: count and drop */
            o->failed += o->len;
            o->len = 0;
        }
        if (stopping && !ok)                /* collector unreachable at exit: give up */
            break;
    }
    o->failed += o->len;
    o->len = 0;
    pthread_mutex_unlock(&o->lock);
    free(snap);
    free(batch);
    if (h != NULL)
        curl_easy_cleanup(h);
    return NULL;
}

wacc_otel *wacc_otel_new(const wacc_otel_config *cfg, char err[WACC_OTEL_ERR_LEN])
{
    err[0] = '\0';
    const char *ep = cfg ? cfg->endpoint : NULL, *full = NULL;
    if (ep == NULL || ep[0] == '\0') {
        full = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        ep = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (full != NULL && full[0] == '\0')
            full = NULL;
        if ((ep == NULL || ep[0] == '\0') && full == NULL)
            return NULL;                    /* tracing off */
    }
    const char *u = full ? full : ep;
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) {
        snprintf(err, WACC_OTEL_ERR_LEN, "OTLP endpoint '%.200s' must be an http:// or https:// URL", u);
        return NULL;
    }
    wacc_otel *o = calloc(1, sizeof *o);
    if (o == NULL) {
        snprintf(err, WACC_OTEL_ERR_LEN, "out of memory");
        return NULL;
    }
    /* the base: the endpoint, or the traces URL without its /v1/traces */
    const char *base = ep && ep[0] ? ep : full;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n >= 10 && strncmp(base + n - 10, "/v1/traces", 10) == 0)
        n -= 10;
    if (full != NULL)
        snprintf(o->url, sizeof o->url, "%s", full);
    else
        snprintf(o->url, sizeof o->url, "%.*s/v1/traces", (int)n, base);
    const char *mfull = cfg && cfg->endpoint && cfg->endpoint[0] ? NULL
                                                                 : getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
    if (mfull != NULL && mfull[0])
        snprintf(o->murl, sizeof o->murl, "%s", mfull);
    else
        snprintf(o->murl, sizeof o->murl, "%.*s/v1/metrics", (int)n, base);
    const char *iv = getenv("OTEL_METRIC_EXPORT_INTERVAL");
    o->metric_ms = cfg && cfg->metric_ms ? cfg->metric_ms : iv && atoi(iv) > 0 ? (unsigned)atoi(iv) : 60000;
    o->metrics_start_ns = wacc_otel_now_ns();
    o->next_metrics_ns = o->metrics_start_ns + o->metric_ms * 1000000u;
    o->series = calloc(MAX_SERIES, sizeof *o->series);     /* NULL: no metrics, traces still */
    uint64_t seed;
    random_bytes((uint8_t *)&seed, sizeof seed);
    atomic_init(&o->idseq, seed);
    const char *svc = cfg && cfg->service_name ? cfg->service_name : getenv("OTEL_SERVICE_NAME");
    snprintf(o->service, sizeof o->service, "%s", svc && svc[0] ? svc : "wacc");
    o->cap = cfg && cfg->queue_capacity ? cfg->queue_capacity : 4096;
    o->flush_ms = cfg && cfg->flush_ms ? cfg->flush_ms : 500;
    o->queue = calloc(o->cap, sizeof *o->queue);
    if (o->queue == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, WACC_OTEL_ERR_LEN, "out of memory");
        free(o->queue);
        free(o->series);
        free(o);
        return NULL;
    }
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->wake, NULL);
    if (pthread_create(&o->thread, NULL, exporter, o) != 0) {
        snprintf(err, WACC_OTEL_ERR_LEN, "cannot start the OTLP exporter thread");
        pthread_cond_destroy(&o->wake);
        pthread_mutex_destroy(&o->lock);
        free(o->queue);
        free(o->series);
        free(o);
        return NULL;
    }
    return o;
}

void wacc_otel_stop(wacc_otel *o)
{
    if (o == NULL || o->joined)
        return;
    pthread_mutex_lock(&o->lock);
    o->stop = true;
    pthread_cond_signal(&o->wake);
    pthread_mutex_unlock(&o->lock);
    pthread_join(o->thread, NULL);
    o->joined = true;
}

void wacc_otel_free(wacc_otel *o)
{
    if (o == NULL)
        return;
    wacc_otel_stop(o);
    pthread_cond_destroy(&o->wake);
    pthread_mutex_destroy(&o->lock);
    free(o->queue);
    free(o->series);
    free(o);
}
