/*
 * chain.c — a wacc_component_host made of a few hooks and the next host of
 * a chain (w3_int.h "chained hosts"): the 0.3 http and sockets hosts sit
 * in front of wacc_wasi3_host and pass on what is not theirs.
 */
#include <string.h>

#include "w3_int.h"

static bool ch_typed(void *ud, const char *instance, const char *name, const wacc_cfunc *type,
                     wacc_component_host_fn *fn, void **data, char *err)
{
    w3_chain *c = ud;
    int r = c->typed_func ? c->typed_func(c->self, instance, name, type, fn, data, err) : W3_PASS;
    if (r != W3_PASS)
        return r == W3_YES;
    const wacc_component_host *nx = c->next;
    if (!nx)
        return false;
    if (nx->typed_func)
        return nx->typed_func(nx->ud, instance, name, type, fn, data, err);
    return nx->func && nx->func(nx->ud, instance, name, fn, data);
}

static bool ch_plain(void *ud, const char *instance, const char *name, wacc_component_host_fn *fn,
                     void **data)
{
    (void)ud; (void)instance; (void)name; (void)fn; (void)data;
    return false;       /* typed_func answers */
}

static bool ch_async(void *ud, const char *instance, const char *name, const wacc_cfunc *type,
                     wacc_component_host_async_fn *fn, void **data, char *err)
{
    w3_chain *c = ud;
    err[0] = '\0';
    int r = c->async_func ? c->async_func(c->self, instance, name, type, fn, data, err) : W3_PASS;
    if (r != W3_PASS)
        return r == W3_YES;
    const wacc_component_host *nx = c->next;
    return nx && nx->async_func && nx->async_func(nx->ud, instance, name, type, fn, data, err);
}

static const wacc_resource_type *ch_resource(void *ud, const char *instance, const char *name)
{
    w3_chain *c = ud;
    const wacc_resource_type *rt = NULL;
    if (c->resource && c->resource(c->self, instance, name, &rt) != W3_PASS)
        return rt;
    const wacc_component_host *nx = c->next;
    return nx && nx->resource ? nx->resource(nx->ud, instance, name) : NULL;
}

static void *ch_call_begin(void *ud, const char *name, const char *caller, const char *callee)
{
    const wacc_component_host *nx = ((w3_chain *)ud)->next;
    return nx->call_begin(nx->ud, name, caller, callee);
}

static void ch_call_end(void *ud, void *token, uint32_t code)
{
    const wacc_component_host *nx = ((w3_chain *)ud)->next;
    nx->call_end(nx->ud, token, code);
}

void w3_chain_host(w3_chain *c, const wacc_component_host *next, wacc_component_host *out)
{
    c->next = next;
    memset(out, 0, sizeof *out);
    out->func = ch_plain;
    out->typed_func = ch_typed;
    out->resource = ch_resource;
    out->async_func = ch_async;
    out->ud = c;
    if (next && next->call_begin && next->call_end) {
        out->call_begin = ch_call_begin;
        out->call_end = ch_call_end;
    }
    /* list_bytes is one switch for the whole instance: a next host that
     * reads lists element by element must still get them that way */
    out->list_bytes = next ? next->list_bytes : true;
}

bool w3_is_iface(const char *instance, const char *iface)
{
    size_t n = strlen(iface);
    return instance && strncmp(instance, iface, n) == 0 && strncmp(instance + n, "@0.3.", 5) == 0;
}
