/*
 * otel_guest.c — a wasi:http handler that makes its own span through
 * wasi:otel/tracing@0.2.0-rc.2 (tests/serve/ops.sh). Per request: asks the
 * host for the current span context (the request's handler span), starts
 * a child span "guest-work" (on-start), reads the current context back (it
 * must now be its own span), answers 200 "parent=<host span> current=<its
 * span>", and ends the span (on-end) with attributes, status ok and its
 * instrumentation scope. Canonical ABI by hand, like tests/http/guest.c.
 */
#include <stddef.h>
#include <stdint.h>

#define IMP(m, n) __attribute__((import_module(m), import_name(n)))
#define EXP(n) __attribute__((export_name(n)))
#define HT "wasi:http/types@0.2.12"
#define OT "wasi:otel/tracing@0.2.0-rc.2"

typedef uint32_t u32;
typedef uint64_t u64;
typedef uint8_t u8;

/* struct copies compile to these */
void *memcpy(void *d, const void *s, size_t n)
{
    volatile u8 *o = d;
    const u8 *i = s;
    while (n--)
        *o++ = *i++;
    return d;
}

void *memset(void *d, int c, size_t n)
{
    volatile u8 *o = d;
    while (n--)
        *o++ = (u8)c;
    return d;
}

static u8 heap[64 << 10];
static u32 top;

EXP("cabi_realloc") void *cabi_realloc(void *old, u32 osz, u32 align, u32 nsz)
{
    top = (top + align - 1) & ~(align - 1);
    if (top + nsz > sizeof heap)
        __builtin_trap();
    void *p = heap + top;
    top += nsz;
    if (old)
        __builtin_memcpy(p, old, osz < nsz ? osz : nsz);
    return p;
}

/* ---- Canonical ABI layouts (wasm32: C's natural layout is the ABI's) ---- */
typedef struct { const char *p; u32 n; } str;
typedef struct { const void *p; u32 n; } list;
typedef struct { u64 seconds; u32 nanoseconds; } datetime;
typedef struct { str key, value; } key_value;
typedef struct { u8 some; str v; } opt_str;
typedef struct {
    str trace_id, span_id;
    u8 flags;                   /* flags trace-flags { sampled } */
    u8 is_remote;
    list trace_state;
} span_context;
typedef struct {
    span_context ctx;
    str parent_span_id;
    u8 kind;                    /* client server producer consumer internal */
    str name;
    datetime start, end;
    list attributes, events, links;
    struct { u8 tag; str msg; } status;     /* unset ok error(string) */
    struct { str name; opt_str version, schema_url; list attributes; } scope;
    u32 dropped_attributes, dropped_events, dropped_links;
} span_data;
_Static_assert(sizeof(span_context) == 28 && sizeof(span_data) == 168, "Canonical ABI layout");

IMP(OT, "on-start") void otel_on_start(const char *, u32, const char *, u32, u32, u32, const void *, u32);
IMP(OT, "on-end") void otel_on_end(const span_data *);
IMP(OT, "current-span-context") void otel_current(span_context *);
IMP("wasi:clocks/wall-clock@0.2.12", "now") void wall_now(datetime *);
IMP(HT, "[constructor]fields") u32 fields_new(void);
IMP(HT, "[constructor]outgoing-response") u32 resp_new(u32);
IMP(HT, "[method]outgoing-response.body") void resp_body(u32, void *);
IMP(HT, "[method]outgoing-body.write") void outbody_write(u32, void *);
IMP(HT, "[static]outgoing-body.finish") void outbody_finish(u32, u32, u32, void *);
IMP(HT, "[static]response-outparam.set") void outparam_set(u32, u32, u32, u32, u64, u32, u32, u32, u32);
IMP(HT, "[resource-drop]incoming-request") void req_drop(u32);
IMP("wasi:io/streams@0.2.12", "[method]output-stream.blocking-write-and-flush")
void out_write_flush(u32, const void *, u32, void *);
IMP("wasi:io/streams@0.2.12", "[resource-drop]output-stream") void out_drop(u32);

static u32 ret[8] __attribute__((aligned(8)));

static str S(const char *s)
{
    u32 n = 0;
    while (s[n])
        n++;
    return (str){ s, n };
}

static char *put(char *p, const char *s, u32 n)
{
    for (u32 i = 0; i < n; i++)
        *p++ = s[i];
    return p;
}

EXP("wasi:http/incoming-handler@0.2.12#handle") void handle(u32 req, u32 out)
{
    static char parent[16], mine[16], trace[32], body[128];
    span_context host;
    otel_current(&host);
    if (host.trace_id.n != 32 || host.span_id.n != 16)
        __builtin_trap();
    put(trace, host.trace_id.p, 32);
    put(parent, host.span_id.p, 16);
    for (int i = 0; i < 16; i++) {          /* a span id of our own: the parent's, each digit ^ 5 */
        int d = parent[i] <= '9' ? parent[i] - '0' : parent[i] - 'a' + 10;
        d ^= 5;
        mine[i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    }
    datetime t0, t1;
    wall_now(&t0);
    otel_on_start(trace, 32, mine, 16, 1, 0, 0, 0);
    span_context cur;
    otel_current(&cur);

    char *p = put(body, "parent=", 7);
    p = put(p, parent, 16);
    p = put(p, " current=", 9);
    p = put(p, cur.span_id.p, cur.span_id.n < 16 ? cur.span_id.n : 16);
    u32 r = resp_new(fields_new());
    resp_body(r, ret);
    u32 b = ret[1];
    outbody_write(b, ret);
    u32 s = ret[1];
    outparam_set(out, 0, r, 0, 0, 0, 0, 0, 0);
    out_write_flush(s, body, (u32)(p - body), ret);
    out_drop(s);
    outbody_finish(b, 0, 0, ret);
    req_drop(req);

    wall_now(&t1);
    static key_value attrs[3];
    attrs[0] = (key_value){ S("guest.answer"), S("42") };
    attrs[1] = (key_value){ S("guest.word"), S("\"hello\"") };
    attrs[2] = (key_value){ S("guest.ratio"), S("0.5") };
    static span_data d;
    d.ctx = (span_context){ { trace, 32 }, { mine, 16 }, 1, 0, { 0, 0 } };
    d.parent_span_id = (str){ parent, 16 };
    d.kind = 4;                             /* internal */
    d.name = S("guest-work");
    d.start = t0;
    d.end = t1;
    d.attributes = (list){ attrs, 3 };
    d.status.tag = 1;                       /* ok */
    d.scope.name = S("otel-guest");
    otel_on_end(&d);
}
