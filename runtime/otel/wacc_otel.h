/*
 * wacc_otel.h — OpenTelemetry traces for wacc (libwacc-otel): spans kept in
 * caller-owned structs, ended into a bounded queue that an exporter thread
 * sends as OTLP/HTTP JSON (POST {endpoint}/v1/traces). Ending a span never
 * blocks on the network: when the queue is full the span is dropped and
 * counted. HTTP server metrics go the same way (POST …/v1/metrics). W3C
 * trace context: traceparent parse/format.
 *
 *   wacc_otel *o = wacc_otel_new(&cfg, err);       // NULL cfg.endpoint: from env
 *   wacc_span req;
 *   wacc_otel_span_begin(o, &req, "GET /", WACC_SPAN_SERVER, parent_or_NULL);
 *   wacc_otel_attr_str(&req, "http.request.method", "GET");
 *   ...  wacc_span child; wacc_otel_span_begin(o, &child, "instantiate", WACC_SPAN_INTERNAL, &req.ctx);
 *   wacc_otel_span_end(o, &req);
 *   wacc_otel_free(o);                             // flushes (bounded), joins
 *
 * Every function accepts o == NULL (tracing off) and then does nothing but
 * keep the span's ids consistent, so callers need no special case.
 */
#ifndef WACC_OTEL_H
#define WACC_OTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WACC_OTEL_ERR_LEN 512
#define WACC_OTEL_MAX_ATTRS 12

enum { WACC_SPAN_INTERNAL = 1, WACC_SPAN_SERVER = 2, WACC_SPAN_CLIENT = 3 };
enum { WACC_SPAN_STATUS_UNSET = 0, WACC_SPAN_STATUS_OK = 1, WACC_SPAN_STATUS_ERROR = 2 };

typedef struct wacc_span_context {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t flags;              /* 0x01 sampled */
} wacc_span_context;

typedef struct wacc_otel_attr {
    char key[48];
    char str[128];              /* string value, when !is_int */
    int64_t num;
    bool is_int;
} wacc_otel_attr;

typedef struct wacc_span {
    wacc_span_context ctx;
    uint8_t parent_span_id[8];
    bool has_parent;
    uint8_t kind;               /* WACC_SPAN_* */
    uint8_t status;             /* WACC_SPAN_STATUS_* */
    char name[96];
    uint64_t start_ns, end_ns;  /* Unix epoch nanoseconds */
    uint32_t nattrs;
    wacc_otel_attr attrs[WACC_OTEL_MAX_ATTRS];
} wacc_span;

typedef struct wacc_otel_config {
    const char *endpoint;       /* http://host:4318 (…/v1/traces added); NULL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT */
    const char *service_name;   /* NULL: OTEL_SERVICE_NAME, else "wacc" */
    size_t queue_capacity;      /* spans (0: 4096) */
    unsigned flush_ms;          /* export at least this often (0: 500) */
    unsigned metric_ms;         /* metrics export interval (0: OTEL_METRIC_EXPORT_INTERVAL, else 60 s) */
} wacc_otel_config;

typedef struct wacc_otel wacc_otel;

/* Starts the exporter thread. Returns NULL with err[0] == '\0' when no
 * endpoint is configured (tracing off), NULL + message on error. */
wacc_otel *wacc_otel_new(const wacc_otel_config *cfg, char err[WACC_OTEL_ERR_LEN]);
/* Exports what is queued (waiting at most ~2 s for the collector) and
 * stops the thread; later spans are only counted. The counters stay
 * readable until wacc_otel_free. */
void wacc_otel_stop(wacc_otel *o);
/* wacc_otel_stop, then frees. */
void wacc_otel_free(wacc_otel *o);

/* Wall-clock time as spans record it (Unix epoch nanoseconds). */
uint64_t wacc_otel_now_ns(void);

/* Start a span: new ids (a new trace unless `parent` is given), start time
 * now. */
void wacc_otel_span_begin(wacc_otel *o, wacc_span *s, const char *name, int kind,
                          const wacc_span_context *parent);
void wacc_otel_attr_str(wacc_span *s, const char *key, const char *value);
void wacc_otel_attr_int(wacc_span *s, const char *key, int64_t value);
void wacc_otel_span_status(wacc_span *s, int status);
/* End time now; the span is copied into the export queue (dropped and
 * counted if the queue is full). */
void wacc_otel_span_end(wacc_otel *o, wacc_span *s);
/* The same with a given end time (0: now): spans recorded elsewhere. */
void wacc_otel_span_end_at(wacc_otel *o, wacc_span *s, uint64_t end_ns);

/* Spans dropped (queue full) and spans whose export failed. */
uint64_t wacc_otel_dropped(const wacc_otel *o);
uint64_t wacc_otel_failed(const wacc_otel *o);
uint64_t wacc_otel_exported(const wacc_otel *o);

/* HTTP semantic conventions, for servers (wacc serve) and outbound calls:
 * a SERVER span named "METHOD" (or "METHOD ROUTE" when a route is known)
 * with http.request.method, url.path, url.scheme, server.address and the
 * incoming `traceparent` continued (NULL/invalid: a new trace). */
void wacc_otel_http_server_begin(wacc_otel *o, wacc_span *s, const char *method, const char *path,
                                 const char *route, const char *host, const char *traceparent);
/* A CLIENT span for an outbound request (http.request.method, url.full);
 * `traceparent` receives the header value to send with it. */
void wacc_otel_http_client_begin(wacc_otel *o, wacc_span *s, const wacc_span_context *parent,
                                 const char *method, const char *url, char traceparent[56]);
/* http.response.status_code; status ERROR for 5xx on a server span, 4xx+ on
 * a client span (the conventions' rule); then ends it. */
void wacc_otel_http_end(wacc_otel *o, wacc_span *s, int status_code);

/* Metrics (POST {endpoint}/v1/metrics, or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
 * when the endpoint comes from the environment): one finished server
 * request into http.server.request.duration (histogram, seconds) and
 * wacc.server.requests (count), by method, route and status. Cumulative;
 * exported by the exporter thread every metric_ms when something changed,
 * and at wacc_otel_free. Costs one short lock; never waits for I/O. */
void wacc_otel_http_server_metric(wacc_otel *o, const char *method, const char *route, int status,
                                  double seconds);
/* Metric exports the collector accepted. */
uint64_t wacc_otel_metrics_exported(const wacc_otel *o);

/* W3C trace context: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>". */
bool wacc_otel_traceparent_parse(const char *header, wacc_span_context *out);
void wacc_otel_traceparent_format(const wacc_span_context *c, char out[56]);

#endif
