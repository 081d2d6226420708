/*
 * lazy.h — a library's functions, forwarded to a copy of the library that is
 * dlopen()ed on the first call.
 *
 * Every library linked into wacc costs every process start its loading and
 * relocation before main(), whether the command uses it or not: `wacc run`
 * of a core module uses none of libuv, http-parser, libcjson, libsodium and
 * libelf, and linking them cost each run ~1 ms of CPU (an empty C program
 * linked to them takes twice as long as one linked to none). A file such as
 * lazy_uv.c lists the functions wacc calls:
 *
 *     #define UV_FUNCS(F, V) \
 *         F(int, uv_loop_init, (uv_loop_t *a), (a)) \
 *         V(uv_close, (uv_handle_t *a, uv_close_cb b), (a, b))
 *     WACC_LAZY_LIBRARY("libuv.so.1", UV_FUNCS)
 *
 * F(return type, name, parameters, arguments) for functions that return a
 * value, V(name, parameters, arguments) for void ones. The file includes
 * the library's own header, so a list that does not match the real
 * prototypes does not compile. The callers are unchanged. If the library
 * cannot be loaded, the first call prints one line and exits with 127, as
 * the dynamic loader would have done at start. Add a function to the list
 * when the runtime starts calling it (the link fails until then).
 */
#ifndef WACC_LAZY_H
#define WACC_LAZY_H

#include <pthread.h>
#include <stddef.h>

/* dlopen soname and look up names[0..n) into fns; on failure print one
 * line naming the library and the reason, and exit(127). */
void wacc_lazy_load(const char *soname, const char *const *names, void **fns, size_t n);

#define WACC_LAZY_ENUM(ret, name, params, args) lazy_i_##name,
#define WACC_LAZY_VENUM(name, params, args) lazy_i_##name,
#define WACC_LAZY_STR(ret, name, params, args) #name,
#define WACC_LAZY_VSTR(name, params, args) #name,
#define WACC_LAZY_FWD(ret, name, params, args) \
    ret name params \
    { \
        pthread_once(&lazy_once, lazy_load); \
        return ((__typeof__(&name))lazy_fns[lazy_i_##name]) args; \
    }
#define WACC_LAZY_VFWD(name, params, args) \
    void name params \
    { \
        pthread_once(&lazy_once, lazy_load); \
        ((__typeof__(&name))lazy_fns[lazy_i_##name]) args; \
    }

/* The table, its loader and one forwarding function per entry. */
#define WACC_LAZY_LIBRARY(soname, FUNCS) \
    enum { FUNCS(WACC_LAZY_ENUM, WACC_LAZY_VENUM) lazy_count }; \
    static const char *const lazy_names[lazy_count] = { FUNCS(WACC_LAZY_STR, WACC_LAZY_VSTR) }; \
    static void *lazy_fns[lazy_count]; \
    static pthread_once_t lazy_once = PTHREAD_ONCE_INIT; \
    static void lazy_load(void) \
    { \
        wacc_lazy_load(soname, lazy_names, lazy_fns, lazy_count); \
    } \
    FUNCS(WACC_LAZY_FWD, WACC_LAZY_VFWD)

#endif
