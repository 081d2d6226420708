/*
 * http_client.c — wasi:http/client@0.3.0#send (and handler#handle when a
 * middleware imports it) as an async host function.
 *
 * Not done yet: every send answers err(HTTP-request-denied) ("outbound
 * HTTP of WASI 0.3 is not implemented") without touching the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http3_int.h"

static uint32_t send_fn(void *data, wacc_hcall *call, const wacc_cval *args, uint32_t nargs)
{
    wacc_wasi3_http *h = data;
    (void)nargs;
    h3_msg *m = h3_take(h, args[0].x.u, O3_REQUEST);
    if (m)
        h3_msg_free(h, m);
    const wacc_ctype *rt = wacc_cfunc_result(wacc_hcall_type(call));
    const wacc_ctype *et = rt && rt->n > 1 ? rt->fields[1].type : NULL;
    wacc_arena *a = wacc_hcall_arena(call);
    wacc_cval *ec = wacc_arena_alloc(a, sizeof *ec);
    if (!et || !ec || !h3_error_code(a, et, "HTTP-request-denied", NULL, ec))
        return WACC_TRAP_OUT_OF_MEMORY;
    wacc_cval r = wacc_cval_variant(WACC_CT_RESULT, 1, ec);
    return wacc_hcall_return(call, &r);
}

bool h3_client_func(wacc_wasi3_http *h, const wacc_cfunc *type, wacc_component_host_async_fn *fn,
                    void **data, char *err)
{
    (void)type;
    (void)err;
    *fn = send_fn;
    *data = h;
    return true;
}
