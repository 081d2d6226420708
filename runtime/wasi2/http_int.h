/*
 * http_int.h — internals of wasi:http in the WASI 0.2 host.
 *
 * Every wasi:http resource is a host object of kind K_OTHER whose impl
 * starts with an h_type tag (h_get checks it); body streams are
 * K_INSTREAM / K_OUTSTREAM objects with w2_ops (fns_io.c reads and writes
 * them). State shared between a body, its stream and its future-trailers
 * (h_in, h_out) is reference counted, so the guest may drop them in any
 * order.
 *
 * Files: http_fields.c (fields, validation, error-code values),
 * http_types.c (requests, responses, bodies, the server exchange,
 * wacc_wasi2_http_handle), http_client.c (outgoing-handler over libcurl).
 */
#ifndef WACC_HTTP_INT_H
#define WACC_HTTP_INT_H

#include <curl/curl.h>

#include "w2_int.h"

enum h_type {
    H_FIELDS = 1, H_INREQ, H_OUTREQ, H_OPTS, H_OUTPARAM, H_INRESP, H_INBODY, H_FUTTRAIL,
    H_OUTRESP, H_OUTBODY, H_FUTRESP
};

/* ---- fields (http_fields.c) ---- */
typedef struct h_field {
    char *name;                 /* lower-case */
    uint8_t *val;
    uint32_t nlen, vlen;
} h_field;

typedef struct h_fields {
    uint8_t htype;              /* H_FIELDS */
    bool immutable;
    uint32_t n, cap;
    h_field *e;
} h_fields;

h_fields *hf_new(bool immutable);
void hf_free(h_fields *f);
h_fields *hf_clone(const h_fields *f, bool immutable);
bool hf_add(h_fields *f, const char *name, size_t nlen, const uint8_t *val, size_t vlen);
const h_field *hf_find(const h_fields *f, const char *name, size_t nlen, uint32_t from, uint32_t *at);
/* Content-Length of f: -1 none, -2 invalid, else the value. */
int64_t hf_content_length(const h_fields *f);
/* As wacc_http_header[] (pointers into f; arena-allocated array). */
wacc_http_header *hf_headers(const h_fields *f, wacc_arena *a);
/* Validation (header-error labels): NULL ok, "invalid-syntax", "forbidden". */
const char *hf_check(const char *name, size_t nlen, const uint8_t *val, size_t vlen, bool check_val);

/* A new fields object holding f (taken); the result (own<fields>) in c.
 * 0 or a trap code. */
uint32_t h_ret_fields(w2_call *c, h_fields *f);
/* Host object of tag t behind handle rep (NULL: wrong handle). */
void *h_get(wacc_wasi2 *w, uint64_t rep, uint8_t t);
uint32_t h_new_obj(wacc_wasi2 *w, void *impl);
/* Remove fields object rep, returning its contents (NULL: bad handle). */
h_fields *h_take_fields(wacc_wasi2 *w, uint64_t rep);

/* An error-code value of variant type et for `label` (payload: none /
 * records of none; internal-error carries msg when given). */
bool h_error_code(w2_call *c, const wacc_ctype *et, const char *label, const char *msg, wacc_cval *out);
/* The result's error case as error-code `label`. */
uint32_t h_err(w2_call *c, const char *label, const char *msg);

/* The futures future-incoming-response and future-trailers: subscribe (a
 * pollable on the object a[0] of tag t, else the trap "not a <what>"),
 * and the results of get, option<result<result<T, error-code>>>: none
 * (not ready), some(err) (taken before), some(ok(ok(v))), some(ok(err(
 * error-code `label`))). */
uint32_t h_future_subscribe(w2_call *c, uint8_t t, const char *what);
uint32_t h_future_none(w2_call *c);
uint32_t h_future_taken(w2_call *c);
uint32_t h_future_ok(w2_call *c, wacc_cval v);
uint32_t h_future_error(w2_call *c, const char *label, const char *msg);

extern const w2_fn w2_fns_http_fields[];

/* ---- bodies (http_types.c) ---- */
struct h_client;

/* An incoming body (server request body, or a client response body). */
typedef struct h_in {
    int refs;
    uint64_t gen;               /* server: the exchange's generation */
    struct h_client *cl;        /* client: the transfer (NULL: server) */
    uint8_t *buf;               /* peeked bytes (server readiness) */
    size_t off, len;
    bool eof, failed;
    h_fields *trailers;         /* received trailers (client) */
} h_in;

/* An outgoing body (server response body, or a client request body). */
typedef struct h_out {
    int refs;
    uint8_t sink;               /* 0 not attached yet, 1 server response, 2 client request */
    uint64_t gen;               /* server exchange generation */
    struct h_client *cl;
    int64_t clen;               /* Content-Length (-1 none) */
    uint64_t written;
    bool body_taken, stream_taken, finished, failed;
    uint8_t *pend;              /* written before the sink was attached */
    size_t npend;
} h_out;

void h_in_unref(h_in *b);
void h_out_unref(h_out *b);
/* New incoming-body / outgoing-body objects over b (ref taken). */
uint32_t h_new_inbody(wacc_wasi2 *w, h_in *b);
uint32_t h_new_outbody(wacc_wasi2 *w, h_out *b);
/* Flush what the guest wrote before the sink existed (0 ok, EPIPE). */
int h_out_attach(wacc_wasi2 *w, h_out *b);

/* The server exchange of the request in flight (wacc_wasi2_http_handle). */
typedef struct w2_http {
    uint64_t gen;
    const wacc_http_request *req;
    const wacc_http_io *io;
    bool set, head_sent, finished, failed;
    h_out *out;                 /* the response body (after set) */
} w2_http;

/* The exchange for gen, if it is still the one in flight. */
w2_http *h_exchange(wacc_wasi2 *w, uint64_t gen);

/* Method / scheme values of their variant types, and back. */
wacc_cval h_method_val(w2_call *c, const wacc_ctype *t, const char *m);
const char *h_method_str(const wacc_cval *v, const wacc_ctype *t);
wacc_cval h_scheme_val(w2_call *c, const wacc_ctype *t, const char *s);
const char *h_scheme_str(const wacc_cval *v, const wacc_ctype *t);

extern const w2_fn w2_fns_http_types[];

/* ---- libcurl glue of the 0.2 and 0.3 clients (http_curl.c) ---- */
/* URL, owner (CURLINFO_PRIVATE and the callbacks' ud), no signals, no
 * proxy, http(s) only, the error buffer, header and write callbacks. */
void h_curl_common(CURL *e, const char *url, void *owner, char *errbuf,
                   curl_write_callback on_header, curl_write_callback on_write);
/* The request's header list: "Expect:" (none), traceparent if given, f's
 * fields but content-length (curl writes it) and, with traceparent, the
 * guest's own. NULL: out of memory. */
struct curl_slist *h_curl_headers(const h_fields *f, const char *traceparent);
/* A line of curl's header callback: its kind; the status of a status line,
 * name/value of a field a guest may hold (invalid ones: H_LINE_SKIP). */
enum { H_LINE_SKIP, H_LINE_STATUS, H_LINE_END, H_LINE_FIELD };
int h_curl_header_line(const char *p, size_t len, long *status, const char **name, size_t *nlen,
                       const char **val, size_t *vlen);
/* A failed transfer's error-code label. */
const char *h_curl_label(CURL *e, CURLcode result);

/* ---- client (http_client.c) ---- */
extern const w2_fn w2_fns_http_client[];
/* Drive the client transfers (curl_multi_perform); release what w holds. */
void h_client_free_all(wacc_wasi2 *w);
long h_client_read(wacc_wasi2 *w, struct h_client *cl, uint8_t *buf, size_t cap, int *err);
bool h_client_in_ready(wacc_wasi2 *w, struct h_client *cl, struct pollfd *pf, uint64_t *dl);
uint64_t h_client_room(wacc_wasi2 *w, struct h_client *cl);
int h_client_write(wacc_wasi2 *w, struct h_client *cl, const uint8_t *p, size_t n);
bool h_client_out_ready(wacc_wasi2 *w, struct h_client *cl, struct pollfd *pf, uint64_t *dl);
/* The request body is complete (finish) or failed (dropped). */
void h_client_body_done(wacc_wasi2 *w, struct h_client *cl, bool ok);
void h_client_unref(struct h_client *cl);
/* Client objects (outgoing-request, future-incoming-response, ...):
 * release, and readiness of a future-incoming-response. */
void h_client_drop(wacc_wasi2 *w, void *impl);
bool h_client_ready(wacc_wasi2 *w, void *impl, struct pollfd *pf, uint64_t *dl);

#endif
