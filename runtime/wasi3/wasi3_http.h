/*
 * wasi3_http.h — WASI 0.3 wasi:http (types, client, and the server side of
 * handler) for components (runtime/wasi3/http_*.c; to be folded into
 * wasi3.h as its "http" block).
 *
 * A wacc_wasi3_http is the http host of one component instance: it
 * resolves the imports wasi:http/types@0.3.0 and wasi:http/client@0.3.0
 * (other imports go to `next`), owns the fields / request / response /
 * request-options objects the guest holds, and runs requests through the
 * guest's async export wasi:http/handler@0.3.0#handle without waiting:
 * several at a time in one instance.
 *
 *   wacc_wasi3_http *h = wacc_wasi3_http_new(&cfg, err);
 *   wacc_component_host host; wacc_wasi3_http_host(h, &next, &host);
 *   ci = wacc_component_instantiate(s, art, &host, &trap, err);
 *   wacc_wasi3_http_bind(h, s, ci);
 *   x = wacc_wasi3_http_start(h, &req, &io, &trap, err);
 *   while ((st = wacc_wasi3_exchange_step(x, &trap)) == 0) wait, then again;
 *   wacc_wasi3_exchange_free(x);  ...  free the instance, then h.
 */
#ifndef WACC_WASI3_HTTP_H
#define WACC_WASI3_HTTP_H

#include "wacc.h"
#include "wasi.h"
#include "wasi2.h"      /* wacc_http_request, wacc_http_io (shared with 0.2) */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wacc_wasi3_http wacc_wasi3_http;
typedef struct wacc_wasi3_exchange wacc_wasi3_exchange;

/* cfg: the grants (allow_http for client.send); it must outlive h. */
wacc_wasi3_http *wacc_wasi3_http_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN]);
/* After the instance it served was freed. */
void wacc_wasi3_http_free(wacc_wasi3_http *h);
/* The host for instantiation: wasi:http@0.3.0 here, the rest from next
 * (may be NULL). next must outlive the instantiation. */
void wacc_wasi3_http_host(wacc_wasi3_http *h, const wacc_component_host *next, wacc_component_host *out);
/* The instance created with that host. */
void wacc_wasi3_http_bind(wacc_wasi3_http *h, wacc_store *s, wacc_cinstance *ci);

/* Does the component export wasi:http/handler@0.3.x#handle? */
bool wacc_wasi3_is_http_service(wacc_cinstance *ci);

/* Start handle(request) for req; its body is read and its response written
 * through io (non-blocking: io's calls never wait). NULL on failure (the
 * instance trapped: *trap; or err). */
wacc_wasi3_exchange *wacc_wasi3_http_start(wacc_wasi3_http *h, const wacc_http_request *req,
                                           const wacc_http_io *io, wacc_trap *trap,
                                           char err[WACC_ERR_LEN]);
/* Move what can move now: request body bytes from io into the guest,
 * response bytes from the guest to io, then run the instance's ready work
 * (wacc_cinstance_poll). 1: the exchange is over (response finished or
 * failed through io); 0: in progress (wait for io or the instance, then
 * step again); -1: the instance trapped (*trap): it must be discarded,
 * with every exchange in it. */
int wacc_wasi3_exchange_step(wacc_wasi3_exchange *x, wacc_trap *trap);
/* Something moved for x since its last step (another exchange's step ran
 * the instance): it should step again. */
bool wacc_wasi3_exchange_pending(const wacc_wasi3_exchange *x);
/* End the exchange (io is not used any more). If the guest still runs it,
 * its body and response streams are closed and it finishes on its own. */
void wacc_wasi3_exchange_free(wacc_wasi3_exchange *x);

#ifdef __cplusplus
}
#endif
#endif
