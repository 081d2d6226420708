/*
 * fns_otel.c — wasi:otel/tracing@0.2.0-rc.2 (wit/wasi-otel): spans made by
 * the guest. on-start pushes the span's context (the guest's "current"
 * span: its outbound wasi:http requests become its children), on-end
 * turns the span-data into a wacc_span and hands it to the host's OTLP
 * exporter (wacc_wasi2_set_trace; none: dropped), current-span-context is
 * the innermost open guest span or else the host's span (under wacc serve
 * the request's handler span), so guest spans join the request's trace.
 *
 * Attribute values are JSON (an OpenTelemetry AnyValue): integers become
 * intValue, JSON strings their text, anything else its JSON text. Events
 * and links are not exported; the guest's instrumentation scope is the
 * attribute otel.scope.name; an error status's message is
 * otel.status_description. Malformed ids drop the span, never trap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "w2_int.h"

static int hexv(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* A hex string of exactly 2n digits into b[n]. */
static bool unhex(const wacc_cval *v, uint8_t *b, size_t n)
{
    if (v->kind != WACC_CT_STRING || v->n != 2 * n)
        return false;
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        int h = hexv(v->x.str[2 * i]), l = hexv(v->x.str[2 * i + 1]);
        if (h < 0 || l < 0)
            return false;
        b[i] = (uint8_t)(h << 4 | l);
        nonzero |= b[i] != 0;
    }
    return nonzero;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
}

/* span-context record -> ids; false if they are not valid */
static bool read_ctx(const wacc_cval *r, wacc_span_context *out)
{
    if (r->kind != WACC_CT_RECORD || r->n != 5)
        return false;
    memset(out, 0, sizeof *out);
    out->flags = (uint8_t)(r->x.elems[2].x.u & 1);
    return unhex(&r->x.elems[0], out->trace_id, 16) && unhex(&r->x.elems[1], out->span_id, 8);
}

const wacc_span_context *w2_trace_current(const wacc_wasi2 *w)
{
    if (w->ngspans > 0)
        return &w->gspans[w->ngspans - 1];
    return w->trace_parent;
}

/* The stack of open spans (guest spans, traced calls), innermost last;
 * deeper than W2_MAX_GSPANS forgets the oldest. */
static void push_ctx(wacc_wasi2 *w, const wacc_span_context *ctx)
{
    if (w->ngspans == W2_MAX_GSPANS) {
        memmove(&w->gspans[0], &w->gspans[1], (W2_MAX_GSPANS - 1) * sizeof w->gspans[0]);
        w->ngspans--;
    }
    w->gspans[w->ngspans++] = *ctx;
}

static void pop_ctx(wacc_wasi2 *w, const uint8_t span_id[8])
{
    for (uint32_t i = w->ngspans; i-- > 0;)
        if (memcmp(w->gspans[i].span_id, span_id, 8) == 0) {
            memmove(&w->gspans[i], &w->gspans[i + 1], (w->ngspans - i - 1) * sizeof w->gspans[0]);
            w->ngspans--;
            return;
        }
}

static uint32_t on_start(w2_call *c)
{
    wacc_wasi2 *w = c->w;
    wacc_span_context ctx;
    if (read_ctx(&c->a[0], &ctx))
        push_ctx(w, &ctx);
    return 0;
}

static uint64_t datetime_ns(const wacc_cval *d)
{
    if (d->kind != WACC_CT_RECORD || d->n != 2)
        return 0;
    return d->x.elems[0].x.u * 1000000000u + d->x.elems[1].x.u;
}

/* A JSON AnyValue into the span's attribute `key`. */
static void put_attr(wacc_span *s, const char *key, const char *v, size_t n)
{
    char buf[128];
    size_t i = 0;
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i < n && v[i] == '"') {                 /* a JSON string: its text */
        size_t o = 0;
        for (i++; i < n && v[i] != '"' && o < sizeof buf - 1; i++) {
            char ch = v[i];
            if (ch == '\\' && i + 1 < n) {
                ch = v[++i];
                ch = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch == 'r' ? '\r' : ch;
            }
            buf[o++] = ch;
        }
        buf[o] = '\0';
        wacc_otel_attr_str(s, key, buf);
        return;
    }
    snprintf(buf, sizeof buf, "%.*s", (int)(n - i < sizeof buf ? n - i : sizeof buf - 1), v + i);
    char *end;
    long long num = strtoll(buf, &end, 10);
    if (end != buf && *end == '\0')
        wacc_otel_attr_int(s, key, num);
    else
        wacc_otel_attr_str(s, key, buf);
}

static void cstr(char *out, size_t cap, const wacc_cval *v)
{
    size_t n = v->kind == WACC_CT_STRING ? v->n : 0;
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), n ? v->x.str : "");
}

static uint32_t on_end(w2_call *c)
{
    wacc_wasi2 *w = c->w;
    const wacc_cval *d = &c->a[0];
    if (d->kind != WACC_CT_RECORD || d->n != 14)
        return 0;
    const wacc_cval *f = d->x.elems;
    wacc_span_context ctx;
    bool valid = read_ctx(&f[0], &ctx);
    if (valid)                                  /* it is no longer the current span */
        pop_ctx(w, ctx.span_id);
    if (!valid || w->otel == NULL || !(ctx.flags & 1))
        return 0;
    wacc_span s;
    char name[96];
    cstr(name, sizeof name, &f[3]);
    wacc_otel_span_begin(w->otel, &s, name, WACC_SPAN_INTERNAL, &ctx);   /* then its own ids */
    s.ctx = ctx;
    s.has_parent = unhex(&f[1], s.parent_span_id, 8);
    static const uint8_t kinds[] = { 3, 2, 4, 5, 1 };   /* client server producer consumer internal */
    s.kind = f[2].n < 5 ? kinds[f[2].n] : 1;
    s.start_ns = datetime_ns(&f[4]);
    uint64_t end_ns = datetime_ns(&f[5]);
    const wacc_cval *attrs = &f[6];
    for (uint32_t i = 0; attrs->kind == WACC_CT_LIST && i < attrs->n; i++) {
        const wacc_cval *kv = &attrs->x.elems[i];
        if (kv->kind != WACC_CT_RECORD || kv->n != 2 || kv->x.elems[1].kind != WACC_CT_STRING)
            continue;
        char key[48];
        cstr(key, sizeof key, &kv->x.elems[0]);
        put_attr(&s, key, kv->x.elems[1].x.str, kv->x.elems[1].n);
    }
    const wacc_cval *st = &f[9];                /* unset | ok | error(string) */
    s.status = st->n == 1 ? WACC_SPAN_STATUS_OK : st->n == 2 ? WACC_SPAN_STATUS_ERROR : WACC_SPAN_STATUS_UNSET;
    if (st->n == 2 && st->x.payload != NULL) {
        char msg[128];
        cstr(msg, sizeof msg, st->x.payload);
        wacc_otel_attr_str(&s, "otel.status_description", msg);
    }
    const wacc_cval *scope = &f[10];
    if (scope->kind == WACC_CT_RECORD && scope->n >= 1) {
        char sn[128];
        cstr(sn, sizeof sn, &scope->x.elems[0]);
        wacc_otel_attr_str(&s, "otel.scope.name", sn);
    }
    wacc_otel_span_end_at(w->otel, &s, end_ns);
    return 0;
}

static uint32_t current_span_context(w2_call *c)
{
    const wacc_span_context *cur = w2_trace_current(c->w);
    wacc_cval *f = wacc_arena_alloc(c->arena, 5 * sizeof *f);
    char *hex = wacc_arena_alloc(c->arena, 48);
    if (!f || !hex)
        return WACC_TRAP_HOST;
    wacc_span_context zero;
    memset(&zero, 0, sizeof zero);
    if (cur == NULL)
        cur = &zero;                            /* no span: the invalid (all-zero) context */
    tohex(cur->trace_id, 16, hex);
    tohex(cur->span_id, 8, hex + 32);
    f[0] = wacc_cval_string(hex, 32);
    f[1] = wacc_cval_string(hex + 32, 16);
    f[2] = wacc_cval_flags(cur->flags & 1);
    f[3] = wacc_cval_bool(false);
    f[4] = wacc_cval_list(NULL, 0);
    return w2_ret(c, wacc_cval_record(f, 5));
}

/* ---- --trace-calls ---- */

void wacc_wasi2_set_trace_calls(wacc_wasi2 *w, bool on)
{
    w->trace_calls = on;
}

/* One span per call (malloc'd: calls nest, and each is rare next to the
 * lift/lower work of the generic path it rides on). */
void *w2_call_begin(void *ud, const char *name, const char *caller, const char *callee)
{
    wacc_wasi2 *w = ud;
    if (w->otel == NULL)
        return NULL;
    wacc_span *s = malloc(sizeof *s);
    if (s == NULL)
        return NULL;
    wacc_otel_span_begin(w->otel, s, name, WACC_SPAN_INTERNAL, w2_trace_current(w));
    wacc_otel_attr_str(s, "wacc.call.function", name);
    wacc_otel_attr_str(s, "wacc.call.caller", caller);
    wacc_otel_attr_str(s, "wacc.call.callee", callee);
    push_ctx(w, &s->ctx);
    return s;
}

void w2_call_end(void *ud, void *token, uint32_t code)
{
    wacc_wasi2 *w = ud;
    wacc_span *s = token;
    if (s == NULL)
        return;
    pop_ctx(w, s->ctx.span_id);
    if (code != 0) {
        wacc_otel_attr_str(s, "error.type", "wasm-trap");
        wacc_otel_attr_int(s, "wacc.trap.code", code);
        wacc_otel_span_status(s, WACC_SPAN_STATUS_ERROR);
    }
    wacc_otel_span_end(w->otel, s);
    free(s);
}

const w2_fn w2_fns_otel[] = {
    { "wasi:otel/tracing#on-start", on_start },
    { "wasi:otel/tracing#on-end", on_end },
    { "wasi:otel/tracing#current-span-context", current_span_context },
    { NULL, NULL },
};
