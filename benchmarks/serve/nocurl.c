/*
 * nocurl.c — stand-ins for libcurl and libidn2 in the *static* native hello
 * server of the container benchmark (benchmarks/serve/build-static.sh).
 *
 * The server links runtime/wasi2, whose wasi:http outgoing-handler uses
 * libcurl; Debian ships libcurl.a but not the static libraries it needs
 * (nghttp2, ssh2, psl, zstd, gssapi, ldap, rtmp, unistring), so a fully
 * static binary cannot include the real one. The native hello handler never
 * makes an outgoing request: every entry point here fails cleanly (init
 * returns NULL / an error code), so an outgoing request would be an error
 * response, never a crash.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <idn2.h>
#include <stddef.h>

CURLcode curl_global_init(long flags) { (void)flags; return CURLE_FAILED_INIT; }
void curl_global_cleanup(void) {}
CURL *curl_easy_init(void) { return NULL; }
void curl_easy_cleanup(CURL *h) { (void)h; }
CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...) { (void)h; (void)o; return CURLE_FAILED_INIT; }
CURLcode curl_easy_getinfo(CURL *h, CURLINFO i, ...) { (void)h; (void)i; return CURLE_FAILED_INIT; }
CURLcode curl_easy_pause(CURL *h, int b) { (void)h; (void)b; return CURLE_FAILED_INIT; }
const char *curl_easy_strerror(CURLcode c) { (void)c; return "libcurl is not linked in this static build"; }
CURLM *curl_multi_init(void) { return NULL; }
CURLMcode curl_multi_cleanup(CURLM *m) { (void)m; return CURLM_BAD_HANDLE; }
CURLMcode curl_multi_add_handle(CURLM *m, CURL *h) { (void)m; (void)h; return CURLM_BAD_HANDLE; }
CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h) { (void)m; (void)h; return CURLM_BAD_HANDLE; }
CURLMcode curl_multi_perform(CURLM *m, int *n) { (void)m; if (n) *n = 0; return CURLM_BAD_HANDLE; }
CURLMcode curl_multi_timeout(CURLM *m, long *t) { (void)m; if (t) *t = -1; return CURLM_BAD_HANDLE; }
CURLMcode curl_multi_fdset(CURLM *m, fd_set *r, fd_set *w, fd_set *e, int *mx)
{
    (void)m; (void)r; (void)w; (void)e;
    if (mx) *mx = -1;
    return CURLM_BAD_HANDLE;
}
CURLMsg *curl_multi_info_read(CURLM *m, int *n) { (void)m; if (n) *n = 0; return NULL; }
struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) { (void)l; (void)s; return NULL; }
void curl_slist_free_all(struct curl_slist *l) { (void)l; }
int idn2_to_ascii_8z(const char *in, char **out, int flags) { (void)in; (void)flags; if (out) *out = NULL; return IDN2_MALLOC; }
void idn2_free(void *p) { (void)p; }
