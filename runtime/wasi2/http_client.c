/*
 * http_client.c — wasi:http/outgoing-handler (placeholder: every request
 * is denied until the libcurl client lands).
 */
#include <errno.h>

#include "http_int.h"

void h_client_free_all(wacc_wasi2 *w) { (void)w; }
void h_client_unref(struct h_client *cl) { (void)cl; }
void h_client_drop(wacc_wasi2 *w, void *impl);
void h_client_drop(wacc_wasi2 *w, void *impl) { (void)w; (void)impl; }
bool h_client_ready(wacc_wasi2 *w, void *impl, struct pollfd *pf, uint64_t *dl);
bool h_client_ready(wacc_wasi2 *w, void *impl, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)impl, (void)pf, (void)dl;
    return true;
}
long h_client_read(wacc_wasi2 *w, struct h_client *cl, uint8_t *buf, size_t cap, int *err)
{
    (void)w, (void)cl, (void)buf, (void)cap;
    *err = EIO;
    return -2;
}
bool h_client_in_ready(wacc_wasi2 *w, struct h_client *cl, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)cl, (void)pf, (void)dl;
    return true;
}
uint64_t h_client_room(wacc_wasi2 *w, struct h_client *cl) { (void)w, (void)cl; return 1; }
int h_client_write(wacc_wasi2 *w, struct h_client *cl, const uint8_t *p, size_t n)
{
    (void)w, (void)cl, (void)p, (void)n;
    return EPIPE;
}
bool h_client_out_ready(wacc_wasi2 *w, struct h_client *cl, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)cl, (void)pf, (void)dl;
    return true;
}
void h_client_body_done(wacc_wasi2 *w, struct h_client *cl, bool ok) { (void)w, (void)cl, (void)ok; }

static uint32_t denied(w2_call *c)
{
    return h_err(c, "HTTP-request-denied", NULL);
}

const w2_fn w2_fns_http_client[] = {
    { "wasi:http/outgoing-handler#handle", denied },
    { NULL, NULL },
};
