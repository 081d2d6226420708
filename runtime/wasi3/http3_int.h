/*
 * http3_int.h — internals of wasi:http@0.3.0 (runtime/wasi3/http_*.c).
 *
 *   http_types.c  the import resolver, the object table, fields, request,
 *                 response, request-options
 *   http_serve.c  the server side: handle() calls without waiting
 *                 (exchanges), bodies through host-held stream/future ends
 *
 * Objects are reps into h->objs (1-based); a guest handle owns one, a
 * request or response owns its headers, options and body ends. The field
 * lists and their validation are the WASI 0.2 host's (wasi2/http_int.h).
 */
#ifndef WACC_HTTP3_INT_H
#define WACC_HTTP3_INT_H

#include <stdint.h>

#include "abi.h"
#include "http_int.h"       /* wasi2: h_fields, hf_* */
#include "w3_int.h"         /* w3_chain */
#include "wasi3.h"

enum { O3_FIELDS = 1, O3_REQUEST, O3_RESPONSE, O3_OPTIONS };

typedef struct h3_opts {
    uint8_t t;                          /* O3_OPTIONS */
    bool immutable;
    bool has[3];
    uint64_t ns[3];                     /* connect, first-byte, between-bytes */
} h3_opts;

typedef struct h3_fields {
    uint8_t t;                          /* O3_FIELDS */
    h_fields *f;
} h3_fields;

/* A request or a response (`resp` set). */
typedef struct h3_msg {
    uint8_t t;                          /* O3_REQUEST / O3_RESPONSE */
    bool consumed;
    h_fields *headers;
    /* request */
    char *method;                       /* "GET", or the other(string) */
    bool has_path, has_scheme, has_auth;
    char *path, *scheme, *authority;
    h3_opts *opts;
    /* response */
    uint16_t status;
    /* the body: from the guest (ends taken from new()), or from the
     * server (an incoming request: x) */
    wacc_hend *contents;                /* readable stream<u8> end, or NULL */
    wacc_hend *trailers;                /* readable future end */
    wacc_hend *result_w;                /* writable end of new()'s result future */
    struct wacc_wasi3_exchange *x;      /* incoming request of exchange x */
    struct h3_cl *cl;                   /* a client response: its transfer */
} h3_msg;

typedef struct h3_fn h3_fn;

struct wacc_wasi3_http {
    const wacc_wasi_config *cfg;
    wacc_store *s;
    wacc_cinstance *ci;
    w3_slots objs;                      /* h3_* objects by rep */
    wacc_resource_type rt_fields, rt_request, rt_response, rt_options;
    w3_chain chain;                     /* its host: in front of the next one */
    h3_fn *fns;                         /* resolved imports (their data) */
    struct wacc_wasi3_exchange *xs;     /* exchanges alive (incl. orphans) */
    struct h3_clients *clients;         /* outbound transfers (http_client.c) */
    bool moved;
};

/* http_types.c */
uint32_t h3_add(wacc_wasi3_http *h, void *obj);             /* rep, 0: OOM */
void *h3_get(wacc_wasi3_http *h, uint64_t rep, uint8_t t);
void *h3_take(wacc_wasi3_http *h, uint64_t rep, uint8_t t);  /* own<> passed to the host */
void h3_msg_free(wacc_wasi3_http *h, h3_msg *m);
/* An error-code value of variant type t for `label` (payloads empty;
 * internal-error carries msg), allocated from a. */
bool h3_error_code(wacc_arena *a, const wacc_ctype *t, const char *label, const char *msg, wacc_cval *out);
/* The label of error-code value v of type t. */
const char *h3_error_label(const wacc_ctype *t, const wacc_cval *v);

/* http_serve.c */
void h3_exchanges_free(wacc_wasi3_http *h);
/* request.consume-body of an incoming request: the body and trailers
 * come from x; res is the guest's result future (taken). */
void h3_incoming_body(struct wacc_wasi3_exchange *x, wacc_hend *body_w, wacc_hend *trailers_w, wacc_hend *res_r);
/* consume-body of a message whose body ends the host holds (m->contents,
 * m->trailers, taken): relayed into the new ends bw, tw; res dropped. */
bool h3_relay_body(wacc_wasi3_http *h, h3_msg *m, wacc_hend *bw, wacc_hend *tw, wacc_hend *res);

/* http_client.c: wasi:http/client#send (and handler#handle imported by a
 * middleware) as an async host function */
/* consume-body of a client response: the transfer writes into bw, tw. */
void h3_client_body(struct h3_cl *cl, wacc_hend *bw, wacc_hend *tw, wacc_hend *res);
/* A response object lets go of its transfer (dropped before its body was taken). */
void h3_client_release(struct h3_cl *cl);
void h3_clients_free(wacc_wasi3_http *h);
bool h3_client_func(wacc_wasi3_http *h, const wacc_cfunc *type, wacc_component_host_async_fn *fn,
                    void **data, char *err);

#endif
