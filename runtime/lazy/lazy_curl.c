/* libcurl, loaded on first use.
 *
 * Linking libcurl into wacc costs every process start ~20 ms of CPU: it
 * pulls in some thirty libraries (GnuTLS, Kerberos, LDAP, libssh2, ...)
 * whose relocation and constructors run before main(). Only outbound
 * wasi:http, the OCI client and the OTLP exporter use libcurl, so `wacc
 * run` of a program that does neither paid for nothing: fannkuch (0.23 s)
 * ran 10 % slower than the same code in a statically linked binary.
 *
 * This file defines the libcurl functions the runtime calls; the first
 * call dlopen()s libcurl.so.4 and every function forwards to the real one.
 * The callers keep including <curl/curl.h> and are unchanged. If libcurl
 * cannot be loaded, the constructors fail as libcurl itself reports
 * failure (NULL handles, CURLE_FAILED_INIT) and curl_easy_strerror() says
 * why. Add a function here when the runtime starts calling it.
 */
#define CURL_DISABLE_TYPECHECK 1    /* curl_easy_setopt is a macro otherwise */
#include <curl/curl.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define LIBCURL "libcurl.so.4"

#define CURL_FUNCS(X) \
    X(curl_global_init) X(curl_global_cleanup) X(curl_free) \
    X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_reset) X(curl_easy_perform) \
    X(curl_easy_pause) X(curl_easy_escape) X(curl_easy_strerror) \
    X(curl_easy_setopt) X(curl_easy_getinfo) \
    X(curl_slist_append) X(curl_slist_free_all) \
    X(curl_multi_init) X(curl_multi_cleanup) X(curl_multi_add_handle) \
    X(curl_multi_remove_handle) X(curl_multi_perform) X(curl_multi_fdset) \
    X(curl_multi_timeout) X(curl_multi_info_read)

static struct {
#define FIELD(name) __typeof__(name) *name;
    CURL_FUNCS(FIELD)
#undef FIELD
} real;
static bool loaded;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *h = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
#define SYM(name) \
    if (!(*(void **)&real.name = dlsym(h, #name))) \
        return;
    CURL_FUNCS(SYM)
#undef SYM
    loaded = true;          /* the handle stays open for the process */
}

static bool have_curl(void)
{
    pthread_once(&load_once, load);
    return loaded;
}

CURLcode curl_global_init(long flags)
{
    return have_curl() ? real.curl_global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    if (have_curl())
        real.curl_global_cleanup();
}

void curl_free(void *p)
{
    if (p && have_curl())
        real.curl_free(p);
}

CURL *curl_easy_init(void)
{
    return have_curl() ? real.curl_easy_init() : NULL;
}

/* The functions below take a handle that only a loaded libcurl can have
 * made; they still check, so a NULL handle never reaches a NULL pointer. */
void curl_easy_cleanup(CURL *c)
{
    if (have_curl())
        real.curl_easy_cleanup(c);
}

void curl_easy_reset(CURL *c)
{
    if (have_curl())
        real.curl_easy_reset(c);
}

CURLcode curl_easy_perform(CURL *c)
{
    return have_curl() ? real.curl_easy_perform(c) : CURLE_FAILED_INIT;
}

CURLcode curl_easy_pause(CURL *c, int bitmask)
{
    return have_curl() ? real.curl_easy_pause(c, bitmask) : CURLE_FAILED_INIT;
}

char *curl_easy_escape(CURL *c, const char *s, int len)
{
    return have_curl() ? real.curl_easy_escape(c, s, len) : NULL;
}

const char *curl_easy_strerror(CURLcode code)
{
    return have_curl() ? real.curl_easy_strerror(code) : LIBCURL " could not be loaded";
}

/* The option number says the type of the argument (curl.h, CURLOPTTYPE_*),
 * as in libcurl's own curl_easy_setopt. */
CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
    if (!have_curl())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, opt);
    CURLcode r;
    if (opt < CURLOPTTYPE_OBJECTPOINT)
        r = real.curl_easy_setopt(c, opt, va_arg(ap, long));
    else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
        r = real.curl_easy_setopt(c, opt, va_arg(ap, void *));
    else if (opt < CURLOPTTYPE_OFF_T)
        r = real.curl_easy_setopt(c, opt, va_arg(ap, void (*)(void)));
    else if (opt < CURLOPTTYPE_BLOB)
        r = real.curl_easy_setopt(c, opt, va_arg(ap, curl_off_t));
    else
        r = real.curl_easy_setopt(c, opt, va_arg(ap, void *));
    va_end(ap);
    return r;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
    if (!have_curl())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    CURLcode r = real.curl_easy_getinfo(c, info, va_arg(ap, void *));
    va_end(ap);
    return r;
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
    return have_curl() ? real.curl_slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
    if (l && have_curl())
        real.curl_slist_free_all(l);
}

CURLM *curl_multi_init(void)
{
    return have_curl() ? real.curl_multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
    return have_curl() ? real.curl_multi_cleanup(m) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *c)
{
    return have_curl() ? real.curl_multi_add_handle(m, c) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *c)
{
    return have_curl() ? real.curl_multi_remove_handle(m, c) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
    return have_curl() ? real.curl_multi_perform(m, running) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_fdset(CURLM *m, fd_set *r, fd_set *w, fd_set *e, int *maxfd)
{
    return have_curl() ? real.curl_multi_fdset(m, r, w, e, maxfd) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_timeout(CURLM *m, long *ms)
{
    return have_curl() ? real.curl_multi_timeout(m, ms) : CURLM_BAD_HANDLE;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
    return have_curl() ? real.curl_multi_info_read(m, left) : NULL;
}
