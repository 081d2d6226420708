/*
 * otel_queue.c — libwacc-otel without a collector: ending spans never
 * blocks and overflow is counted (queue of 8, nothing listening), nor does
 * recording request metrics (more series than kept); W3C traceparent
 * parse/format. Exit 0 when every check holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wacc_otel.h"

static int failures;
#define CHECK(c)                                                   \
    do {                                                           \
        if (!(c)) {                                                \
            fprintf(stderr, "otel_queue.c:%d: %s\n", __LINE__, #c); \
            failures++;                                            \
        }                                                          \
    } while (0)

int main(int argc, char **argv)
{
    char err[WACC_OTEL_ERR_LEN];
    /* nothing listens on the given URL */
    wacc_otel_config cfg = { .endpoint = argc > 1 ? argv[1] : "http://127.0.0.1:1",
                             .queue_capacity = 8, .flush_ms = 10000 };
    wacc_otel *o = wacc_otel_new(&cfg, err);
    CHECK(o != NULL);
    wacc_span root, s;
    wacc_otel_span_begin(o, &root, "root", WACC_SPAN_SERVER, NULL);
    for (int i = 0; i < 1000; i++) {
        wacc_otel_span_begin(o, &s, "child", WACC_SPAN_INTERNAL, &root.ctx);
        wacc_otel_attr_int(&s, "i", i);
        CHECK(memcmp(s.ctx.trace_id, root.ctx.trace_id, 16) == 0);
        CHECK(memcmp(s.parent_span_id, root.ctx.span_id, 8) == 0 && s.has_parent);
        wacc_otel_span_end(o, &s);
    }
    wacc_otel_span_end(o, &root);
    uint64_t dropped = wacc_otel_dropped(o);
    printf("dropped %llu of 1001 spans (queue 8)\n", (unsigned long long)dropped);
    CHECK(dropped >= 1001 - 8 - 256);     /* at most the queue + one batch in flight */
    /* metrics: more series than kept (256), odd methods; never blocks */
    for (int i = 0; i < 2000; i++) {
        char route[32];
        snprintf(route, sizeof route, "/r%d", i % 300);
        wacc_otel_http_server_metric(o, i % 7 ? "GET" : "BREW", route, i % 3 ? 200 : 503, 0.001 * i);
    }
    wacc_otel_http_server_metric(o, NULL, NULL, 0, 0);
    wacc_otel_stop(o);                    /* the last export fails: nothing accepted */
    CHECK(wacc_otel_metrics_exported(o) == 0);
    wacc_otel_span_end(o, &root);         /* after stop: counted, not queued */
    CHECK(wacc_otel_dropped(o) == dropped + 1);
    wacc_otel_free(o);

    /* tracing off without an endpoint: NULL, no error */
    wacc_otel_config none = { 0 };
    unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    CHECK(wacc_otel_new(&none, err) == NULL && err[0] == '\0');
    wacc_otel_config bad = { .endpoint = "ftp://x" };
    CHECK(wacc_otel_new(&bad, err) == NULL && err[0] != '\0');

    /* W3C traceparent */
    wacc_span_context c;
    const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    CHECK(wacc_otel_traceparent_parse(tp, &c));
    char out[56];
    wacc_otel_traceparent_format(&c, out);
    CHECK(strcmp(out, tp) == 0);
    CHECK(!wacc_otel_traceparent_parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01", &c));
    CHECK(!wacc_otel_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", &c));
    CHECK(!wacc_otel_traceparent_parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", &c));
    CHECK(!wacc_otel_traceparent_parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &c));
    CHECK(!wacc_otel_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", &c));
    CHECK(!wacc_otel_traceparent_parse(NULL, &c));
    CHECK(wacc_otel_traceparent_parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", &c));

    /* HTTP conventions: server span continuing an incoming traceparent, a
     * client span under it whose outgoing traceparent names it */
    wacc_span srv, cli;
    char out_tp[56];
    wacc_otel_http_server_begin(NULL, &srv, "GET", "/users/7?x=1", "/users/{id}", "example", tp);
    CHECK(srv.kind == WACC_SPAN_SERVER && strcmp(srv.name, "GET /users/{id}") == 0);
    CHECK(srv.has_parent && memcmp(srv.ctx.trace_id, c.trace_id, 16) == 0);
    wacc_otel_http_client_begin(NULL, &cli, &srv.ctx, "POST", "http://up/x", out_tp);
    wacc_span_context back;
    CHECK(wacc_otel_traceparent_parse(out_tp, &back) && memcmp(back.span_id, cli.ctx.span_id, 8) == 0);
    CHECK(memcmp(cli.parent_span_id, srv.ctx.span_id, 8) == 0);
    wacc_otel_http_end(NULL, &cli, 404);
    CHECK(cli.status == WACC_SPAN_STATUS_ERROR);
    wacc_otel_http_end(NULL, &srv, 404);
    CHECK(srv.status == WACC_SPAN_STATUS_UNSET);
    bool path_ok = false;
    for (uint32_t i = 0; i < srv.nattrs; i++)
        if (strcmp(srv.attrs[i].key, "url.path") == 0)
            path_ok = strcmp(srv.attrs[i].str, "/users/7") == 0;
    CHECK(path_ok);
    wacc_otel_http_server_begin(NULL, &srv, "BREW", "/", NULL, NULL, "garbage");
    CHECK(!srv.has_parent && strcmp(srv.name, "HTTP") == 0);
    return failures ? 1 : 0;
}
