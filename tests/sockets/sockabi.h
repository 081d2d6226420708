/* sockabi.h — the wasi:sockets 0.2 and wasi:io imports sock.c uses,
 * declared by hand (wasi-libc in Debian bookworm has no sockets bindings):
 * the Canonical ABI lowering of each WIT function. Results that flatten to
 * more than one core value come back through a return pointer (the last
 * parameter) in their memory layout, described by the structs below.
 *
 * ip-socket-address flattens to 12 i32: the case (0 ipv4, 1 ipv6), then
 * ipv4: port, 4 octets; ipv6: port, flow-info, 8 segments, scope-id. */
#ifndef SOCKABI_H
#define SOCKABI_H
#include <stdint.h>

#define V "@0.2.12"
#define IMPORT(mod, name) __attribute__((import_module(mod V), import_name(name)))
#define NET "wasi:sockets/network"
#define TCP "wasi:sockets/tcp"
#define UDP "wasi:sockets/udp"
#define IO "wasi:io/streams"
#define POLL "wasi:io/poll"
#define ADDR_PARAMS int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, \
                    int32_t, int32_t, int32_t, int32_t

/* result<_, error-code> */
typedef struct { uint8_t is_err, code; } res_unit;
/* result<own<R>, error-code> */
typedef struct { uint8_t is_err; uint8_t pad[3]; uint32_t v; } res_handle;   /* v: handle or code */
/* result<tuple<own, own>, error-code> / result<tuple<own, own, own>, error-code> */
typedef struct { uint8_t is_err; uint8_t pad[3]; uint32_t a, b, c; } res_handles;
/* ip-socket-address in memory */
typedef struct {
    uint8_t tag; uint8_t pad[3];
    union {
        struct { uint16_t port; uint8_t ip[4]; } v4;
        struct { uint16_t port; uint16_t pad; uint32_t flow; uint16_t seg[8]; uint32_t scope; } v6;
    } u;
} ip_sock_addr;
/* result<ip-socket-address, error-code> */
typedef struct { uint8_t is_err; uint8_t pad[3]; union { ip_sock_addr a; uint8_t code; } u; } res_addr;
/* result<u64, error-code> */
typedef struct { uint8_t is_err; uint8_t pad[7]; union { uint64_t v; uint8_t code; } u; } res_u64;
/* result<bool|u8, error-code> */
typedef struct { uint8_t is_err, v; } res_u8;
/* result<list<u8>, stream-error>; on error the low byte of ptr is the case
 * (0 last-operation-failed, len its error, 1 closed); error-code results
 * likewise hold the code in the low byte of their first payload word */
typedef struct { uint8_t is_err; uint8_t pad[3]; uint32_t ptr, len; } res_list;
/* result<_, stream-error> */
typedef struct { uint8_t is_err; uint8_t pad[3]; uint32_t tag, err; } res_stream;
/* incoming-datagram / outgoing-datagram */
typedef struct { uint8_t *data; uint32_t len; ip_sock_addr from; } in_dgram;
typedef struct { const uint8_t *data; uint32_t len; uint8_t some; uint8_t pad[3]; ip_sock_addr to; } out_dgram;
/* result<option<ip-address>, error-code> (the error code is at offset 2: `some`) */
typedef struct { uint8_t is_err; uint8_t pad; uint8_t some; uint8_t pad2; uint8_t tag; uint8_t pad3;
                 union { uint8_t ip4[4]; uint16_t ip6[8]; uint8_t code; } u; } res_ipopt;

IMPORT("wasi:sockets/instance-network", "instance-network") int32_t instance_network(void);

IMPORT("wasi:sockets/tcp-create-socket", "create-tcp-socket") void create_tcp_socket(int32_t fam, res_handle *r);
IMPORT(TCP, "[method]tcp-socket.start-bind") void tcp_start_bind(int32_t s, int32_t net, ADDR_PARAMS, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.finish-bind") void tcp_finish_bind(int32_t s, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.start-connect") void tcp_start_connect(int32_t s, int32_t net, ADDR_PARAMS, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.finish-connect") void tcp_finish_connect(int32_t s, res_handles *r);
IMPORT(TCP, "[method]tcp-socket.start-listen") void tcp_start_listen(int32_t s, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.finish-listen") void tcp_finish_listen(int32_t s, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.accept") void tcp_accept(int32_t s, res_handles *r);
IMPORT(TCP, "[method]tcp-socket.local-address") void tcp_local_address(int32_t s, res_addr *r);
IMPORT(TCP, "[method]tcp-socket.remote-address") void tcp_remote_address(int32_t s, res_addr *r);
IMPORT(TCP, "[method]tcp-socket.is-listening") int32_t tcp_is_listening(int32_t s);
IMPORT(TCP, "[method]tcp-socket.address-family") int32_t tcp_address_family(int32_t s);
IMPORT(TCP, "[method]tcp-socket.set-listen-backlog-size") void tcp_set_backlog(int32_t s, int64_t v, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.keep-alive-enabled") void tcp_keep_alive(int32_t s, res_u8 *r);
IMPORT(TCP, "[method]tcp-socket.set-keep-alive-enabled") void tcp_set_keep_alive(int32_t s, int32_t v, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.keep-alive-idle-time") void tcp_keep_idle(int32_t s, res_u64 *r);
IMPORT(TCP, "[method]tcp-socket.set-keep-alive-idle-time") void tcp_set_keep_idle(int32_t s, int64_t v, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.hop-limit") void tcp_hop_limit(int32_t s, res_u8 *r);
IMPORT(TCP, "[method]tcp-socket.set-hop-limit") void tcp_set_hop_limit(int32_t s, int32_t v, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.receive-buffer-size") void tcp_rcvbuf(int32_t s, res_u64 *r);
IMPORT(TCP, "[method]tcp-socket.set-receive-buffer-size") void tcp_set_rcvbuf(int32_t s, int64_t v, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.set-send-buffer-size") void tcp_set_sndbuf(int32_t s, int64_t v, res_unit *r);
IMPORT(TCP, "[method]tcp-socket.subscribe") int32_t tcp_subscribe(int32_t s);
IMPORT(TCP, "[method]tcp-socket.shutdown") void tcp_shutdown(int32_t s, int32_t how, res_unit *r);
IMPORT(TCP, "[resource-drop]tcp-socket") void tcp_drop(int32_t s);

IMPORT("wasi:sockets/udp-create-socket", "create-udp-socket") void create_udp_socket(int32_t fam, res_handle *r);
IMPORT(UDP, "[method]udp-socket.start-bind") void udp_start_bind(int32_t s, int32_t net, ADDR_PARAMS, res_unit *r);
IMPORT(UDP, "[method]udp-socket.finish-bind") void udp_finish_bind(int32_t s, res_unit *r);
IMPORT(UDP, "[method]udp-socket.stream") void udp_stream(int32_t s, int32_t some, ADDR_PARAMS, res_handles *r);
IMPORT(UDP, "[method]udp-socket.local-address") void udp_local_address(int32_t s, res_addr *r);
IMPORT(UDP, "[resource-drop]udp-socket") void udp_drop(int32_t s);
IMPORT(UDP, "[method]incoming-datagram-stream.receive") void udp_receive(int32_t s, int64_t max, res_list *r);
IMPORT(UDP, "[method]incoming-datagram-stream.subscribe") int32_t udp_in_subscribe(int32_t s);
IMPORT(UDP, "[resource-drop]incoming-datagram-stream") void udp_in_drop(int32_t s);
IMPORT(UDP, "[method]outgoing-datagram-stream.check-send") void udp_check_send(int32_t s, res_u64 *r);
IMPORT(UDP, "[method]outgoing-datagram-stream.send") void udp_send(int32_t s, const out_dgram *d, uint32_t n, res_u64 *r);
IMPORT(UDP, "[method]outgoing-datagram-stream.subscribe") int32_t udp_out_subscribe(int32_t s);
IMPORT(UDP, "[resource-drop]outgoing-datagram-stream") void udp_out_drop(int32_t s);

IMPORT("wasi:sockets/ip-name-lookup", "resolve-addresses") void resolve_addresses(int32_t net, const char *name, uint32_t len, res_handle *r);
IMPORT("wasi:sockets/ip-name-lookup", "[method]resolve-address-stream.resolve-next-address") void resolve_next(int32_t s, res_ipopt *r);
IMPORT("wasi:sockets/ip-name-lookup", "[method]resolve-address-stream.subscribe") int32_t resolve_subscribe(int32_t s);
IMPORT("wasi:sockets/ip-name-lookup", "[resource-drop]resolve-address-stream") void resolve_drop(int32_t s);

IMPORT(IO, "[method]input-stream.read") void in_read(int32_t s, int64_t len, res_list *r);
IMPORT(IO, "[method]input-stream.blocking-read") void in_blocking_read(int32_t s, int64_t len, res_list *r);
IMPORT(IO, "[method]input-stream.subscribe") int32_t in_subscribe(int32_t s);
IMPORT(IO, "[resource-drop]input-stream") void in_drop(int32_t s);
IMPORT(IO, "[method]output-stream.blocking-write-and-flush") void out_write_flush(int32_t s, const void *p, uint32_t n, res_stream *r);
IMPORT(IO, "[method]output-stream.check-write") void out_check_write(int32_t s, res_u64 *r);
IMPORT(IO, "[method]output-stream.write") void out_write(int32_t s, const void *p, uint32_t n, res_stream *r);
IMPORT(IO, "[method]output-stream.subscribe") int32_t out_subscribe(int32_t s);
IMPORT(IO, "[resource-drop]output-stream") void out_drop(int32_t s);
IMPORT(POLL, "[method]pollable.block") void pollable_block(int32_t p);
IMPORT(POLL, "[resource-drop]pollable") void pollable_drop(int32_t p);
IMPORT(POLL, "poll") void poll_list(const int32_t *ps, uint32_t n, uint32_t r[2]);   /* list<u32>: ptr, len */

#endif
