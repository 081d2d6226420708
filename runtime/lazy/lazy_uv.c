/* libuv, loaded on first use (lazy.h): only `wacc serve` runs an event loop. */
#include <uv.h>

#include "lazy.h"

#define UV_FUNCS(F, V) \
    F(int, uv_accept, (uv_stream_t *a, uv_stream_t *b), (a, b)) \
    F(int, uv_async_init, (uv_loop_t *a, uv_async_t *b, uv_async_cb c), (a, b, c)) \
    F(int, uv_async_send, (uv_async_t *a), (a)) \
    F(unsigned int, uv_available_parallelism, (void), ()) \
    F(uv_buf_t, uv_buf_init, (char *a, unsigned int b), (a, b)) \
    V(uv_close, (uv_handle_t *a, uv_close_cb b), (a, b)) \
    F(uint64_t, uv_hrtime, (void), ()) \
    F(int, uv_idle_init, (uv_loop_t *a, uv_idle_t *b), (a, b)) \
    F(int, uv_idle_start, (uv_idle_t *a, uv_idle_cb b), (a, b)) \
    F(int, uv_idle_stop, (uv_idle_t *a), (a)) \
    F(int, uv_ip4_addr, (const char *a, int b, struct sockaddr_in *c), (a, b, c)) \
    F(int, uv_ip4_name, (const struct sockaddr_in *a, char *b, size_t c), (a, b, c)) \
    F(int, uv_ip6_addr, (const char *a, int b, struct sockaddr_in6 *c), (a, b, c)) \
    F(int, uv_ip6_name, (const struct sockaddr_in6 *a, char *b, size_t c), (a, b, c)) \
    F(int, uv_is_closing, (const uv_handle_t *a), (a)) \
    F(int, uv_listen, (uv_stream_t *a, int b, uv_connection_cb c), (a, b, c)) \
    F(int, uv_loop_close, (uv_loop_t *a), (a)) \
    F(int, uv_loop_init, (uv_loop_t *a), (a)) \
    F(int, uv_poll_init, (uv_loop_t *a, uv_poll_t *b, int c), (a, b, c)) \
    F(int, uv_poll_start, (uv_poll_t *a, int b, uv_poll_cb c), (a, b, c)) \
    F(int, uv_read_start, (uv_stream_t *a, uv_alloc_cb b, uv_read_cb c), (a, b, c)) \
    F(int, uv_read_stop, (uv_stream_t *a), (a)) \
    F(int, uv_run, (uv_loop_t *a, uv_run_mode b), (a, b)) \
    F(int, uv_shutdown, (uv_shutdown_t *a, uv_stream_t *b, uv_shutdown_cb c), (a, b, c)) \
    F(const char *, uv_strerror, (int a), (a)) \
    F(int, uv_tcp_init, (uv_loop_t *a, uv_tcp_t *b), (a, b)) \
    F(int, uv_tcp_nodelay, (uv_tcp_t *a, int b), (a, b)) \
    F(int, uv_tcp_open, (uv_tcp_t *a, uv_os_sock_t b), (a, b)) \
    F(int, uv_timer_init, (uv_loop_t *a, uv_timer_t *b), (a, b)) \
    F(int, uv_timer_start, (uv_timer_t *a, uv_timer_cb b, uint64_t c, uint64_t d), (a, b, c, d)) \
    F(int, uv_timer_stop, (uv_timer_t *a), (a)) \
    F(int, uv_try_write, (uv_stream_t *a, const uv_buf_t b[], unsigned int c), (a, b, c)) \
    V(uv_walk, (uv_loop_t *a, uv_walk_cb b, void *c), (a, b, c)) \
    F(int, uv_write, (uv_write_t *a, uv_stream_t *b, const uv_buf_t c[], unsigned int d, uv_write_cb e), \
      (a, b, c, d, e))

WACC_LAZY_LIBRARY("libuv.so.1", UV_FUNCS)
