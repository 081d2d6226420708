/* http-parser, loaded on first use (lazy.h): only `wacc serve` parses HTTP. */
#include <http_parser.h>

#include "lazy.h"

#define HTTP_PARSER_FUNCS(F, V) \
    F(const char *, http_errno_description, (enum http_errno a), (a)) \
    F(const char *, http_method_str, (enum http_method a), (a)) \
    F(size_t, http_parser_execute, (http_parser *a, const http_parser_settings *b, const char *c, size_t d), \
      (a, b, c, d)) \
    V(http_parser_init, (http_parser *a, enum http_parser_type b), (a, b)) \
    F(int, http_parser_parse_url, (const char *a, size_t b, int c, struct http_parser_url *d), (a, b, c, d)) \
    V(http_parser_pause, (http_parser *a, int b), (a, b)) \
    V(http_parser_url_init, (struct http_parser_url *a), (a)) \
    F(int, http_should_keep_alive, (const http_parser *a), (a)) \
    F(const char *, http_status_str, (enum http_status a), (a))

WACC_LAZY_LIBRARY("libhttp_parser.so.2.9", HTTP_PARSER_FUNCS)
