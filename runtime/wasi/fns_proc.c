/*
 * fns_proc.c — args, environment, clocks, randomness, scheduling, polling
 * and sockets of wasi_snapshot_preview1.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi_int.h"

/* ---- args / environ ---- */

static uint32_t put_strings(wacc_wasi *w, char **s, uint32_t n, uint32_t bytes,
                            uint32_t ptrs, uint32_t buf)
{
    wasi_mem m = wasi_memory(w);
    if (!mem_ok(m, ptrs, (uint64_t)n * 4) || !mem_ok(m, buf, bytes))
        return WE_FAULT;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(s[i]) + 1;
        st32(m, ptrs + 4 * i, buf);
        memcpy(m.base + buf, s[i], len);
        buf += (uint32_t)len;
    }
    return WE_SUCCESS;
}

static uint32_t put_sizes(wacc_wasi *w, uint32_t n, uint32_t bytes, uint32_t pn, uint32_t pb)
{
    wasi_mem m = wasi_memory(w);
    if (!mem_ok(m, pn, 4) || !mem_ok(m, pb, 4))
        return WE_FAULT;
    st32(m, pn, n);
    st32(m, pb, bytes);
    return WE_SUCCESS;
}

WASI_FN(args_get) { return put_strings(w, w->argv, w->argc, w->argv_bytes, ARG32(0), ARG32(1)); }
WASI_FN(args_sizes_get) { return put_sizes(w, w->argc, w->argv_bytes, ARG32(0), ARG32(1)); }
WASI_FN(environ_get) { return put_strings(w, w->envp, w->envc, w->envp_bytes, ARG32(0), ARG32(1)); }
WASI_FN(environ_sizes_get) { return put_sizes(w, w->envc, w->envp_bytes, ARG32(0), ARG32(1)); }

/* ---- clocks ---- */

static bool host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case WC_REALTIME: *out = CLOCK_REALTIME; return true;
    case WC_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    case WC_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case WC_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t ts_ns(struct timespec ts)
{
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

WASI_FN(clock_res_get)
{
    wasi_mem m = wasi_memory(w);
    clockid_t c;
    struct timespec ts;
    if (!host_clock(ARG32(0), &c))
        return WE_INVAL;
    if (!mem_ok(m, ARG32(1), 8))
        return WE_FAULT;
    if (clock_getres(c, &ts) != 0)
        return wasi_errno(errno);
    st64(m, ARG32(1), ts_ns(ts));
    return WE_SUCCESS;
}

WASI_FN(clock_time_get)
{
    wasi_mem m = wasi_memory(w);
    clockid_t c;
    struct timespec ts;
    if (!host_clock(ARG32(0), &c))
        return WE_INVAL;
    if (!mem_ok(m, ARG32(2), 8))
        return WE_FAULT;
    if (clock_gettime(c, &ts) != 0)
        return wasi_errno(errno);
    st64(m, ARG32(2), ts_ns(ts));
    return WE_SUCCESS;
}

/* ---- random, process, scheduling ---- */

WASI_FN(random_get)
{
    wasi_mem m = wasi_memory(w);
    uint32_t p = ARG32(0), n = ARG32(1);
    if (!mem_ok(m, p, n))
        return WE_FAULT;
    while (n > 0) {
        ssize_t r = getrandom(m.base + p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return wasi_errno(errno);
        }
        p += (uint32_t)r;
        n -= (uint32_t)r;
    }
    return WE_SUCCESS;
}

WASI_FN(proc_raise)
{
    (void)w;
    (void)v;
    return WE_NOSYS;
}

WASI_FN(sched_yield)
{
    (void)w;
    (void)v;
    sched_yield();
    return WE_SUCCESS;
}

/* ---- poll_oneoff ---- */

/* Bytes readable without blocking (for an fd_read event). */
static uint64_t readable_bytes(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        return pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

static void put_event(wasi_mem m, uint32_t p, uint64_t userdata, uint16_t error, uint8_t type,
                      uint64_t nbytes, uint16_t flags)
{
    memset(m.base + p, 0, EVENT_SIZE);
    st64(m, p + EVENT_USERDATA, userdata);
    st16(m, p + EVENT_ERROR, error);
    st8(m, p + EVENT_TYPE, type);
    st64(m, p + EVENT_NBYTES, nbytes);
    st16(m, p + EVENT_FLAGS, flags);
}

WASI_FN(poll_oneoff)
{
    wasi_mem m = wasi_memory(w);
    uint32_t in = ARG32(0), out = ARG32(1), n = ARG32(2), pcount = ARG32(3);
    if (n == 0)
        return WE_INVAL;
    if (!mem_ok(m, in, (uint64_t)n * SUB_SIZE) || !mem_ok(m, out, (uint64_t)n * EVENT_SIZE) ||
        !mem_ok(m, pcount, 4))
        return WE_FAULT;

    struct pollfd *pfds = calloc(n, sizeof *pfds);
    uint64_t *deadline = calloc(n, sizeof *deadline);   /* monotonic ns, clocks only */
    if (!pfds || !deadline) {
        free(pfds);
        free(deadline);
        return WE_NOMEM;
    }
    uint32_t nevents = 0;
    struct timespec now_ts;
    clock_gettime(CLOCK_MONOTONIC, &now_ts);
    uint64_t now = ts_ns(now_ts), first = UINT64_MAX;
    bool have_clock = false;

    /* Pass 1: decode; immediate events for bad subscriptions. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = in + i * SUB_SIZE;
        uint64_t ud = ld64(m, s + SUB_USERDATA);
        uint8_t tag = ld8(m, s + SUB_TAG);
        pfds[i].fd = -1;
        if (tag == WEV_CLOCK) {
            uint32_t id = ld32(m, s + SUB_CLOCK_ID);
            uint64_t timeout = ld64(m, s + SUB_CLOCK_TIMEOUT);
            uint16_t flags = ld16(m, s + SUB_CLOCK_FLAGS);
            clockid_t c;
            struct timespec ts;
            if (!host_clock(id, &c) || clock_gettime(c, &ts) != 0) {
                put_event(m, out + nevents++ * EVENT_SIZE, ud, WE_INVAL, tag, 0, 0);
                continue;
            }
            uint64_t rel = timeout;
            if (flags & WSC_ABSTIME)
                rel = timeout > ts_ns(ts) ? timeout - ts_ns(ts) : 0;
            deadline[i] = now + rel < now ? UINT64_MAX : now + rel;
            if (deadline[i] < first)
                first = deadline[i];
            have_clock = true;
        } else if (tag == WEV_FD_READ || tag == WEV_FD_WRITE) {
            wasi_fd *f = wasi_fd_get(w, ld32(m, s + SUB_FD));
            if (!f) {
                put_event(m, out + nevents++ * EVENT_SIZE, ud, WE_BADF, tag, 0, 0);
                continue;
            }
            if (!(f->rights_base & WR_POLL_FD_READWRITE)) {
                put_event(m, out + nevents++ * EVENT_SIZE, ud, WE_NOTCAPABLE, tag, 0, 0);
                continue;
            }
            pfds[i].fd = f->host;
            pfds[i].events = tag == WEV_FD_READ ? POLLIN : POLLOUT;
        } else {
            put_event(m, out + nevents++ * EVENT_SIZE, ud, WE_INVAL, tag, 0, 0);
        }
    }

    /* Pass 2: wait (not at all when something is already reported), at
     * most until the store's deadline (wacc_store_set_deadline). */
    uint64_t stop = w->store ? wacc_store_deadline(w->store) : 0;
    if (stop && stop < first) {
        first = stop;
        have_clock = true;
    }
    int r;
    for (;;) {
        struct timespec tmo, *ptmo = NULL;
        if (nevents > 0 || (have_clock && first <= now)) {
            tmo = (struct timespec){ 0, 0 };
            ptmo = &tmo;
        } else if (have_clock && first != UINT64_MAX) {
            uint64_t d = first - now;
            tmo = (struct timespec){ (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
            ptmo = &tmo;
        }
        r = ppoll(pfds, n, ptmo, NULL);
        if (r >= 0 || errno != EINTR)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now_ts);
        now = ts_ns(now_ts);
    }
    if (r < 0) {
        uint32_t e = wasi_errno(errno);
        free(pfds);
        free(deadline);
        return e;
    }
    clock_gettime(CLOCK_MONOTONIC, &now_ts);
    now = ts_ns(now_ts);
    if (stop && now >= stop && r == 0 && nevents == 0) {
        bool fired = false;
        for (uint32_t i = 0; i < n; i++)
            fired |= ld8(m, in + i * SUB_SIZE + SUB_TAG) == WEV_CLOCK && deadline[i] != 0 && deadline[i] <= now;
        if (!fired) {
            free(pfds);
            free(deadline);
            return WASI_TRAP(WACC_TRAP_DEADLINE);
        }
    }

    /* Pass 3: report what is ready. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = in + i * SUB_SIZE;
        uint64_t ud = ld64(m, s + SUB_USERDATA);
        uint8_t tag = ld8(m, s + SUB_TAG);
        if (tag == WEV_CLOCK && have_clock && deadline[i] != 0 && deadline[i] <= now) {
            put_event(m, out + nevents++ * EVENT_SIZE, ud, 0, tag, 0, 0);
        } else if (pfds[i].fd >= 0 && pfds[i].revents) {
            short re = pfds[i].revents;
            uint16_t err = (re & POLLNVAL) ? WE_BADF : 0;
            uint16_t flags = (re & POLLHUP) ? WEVRW_HANGUP : 0;
            uint64_t nb = 0;
            if (!err && tag == WEV_FD_READ)
                nb = readable_bytes(pfds[i].fd);
            put_event(m, out + nevents++ * EVENT_SIZE, ud, err, tag, nb, flags);
        }
    }
    free(pfds);
    free(deadline);
    st32(m, pcount, nevents);
    return WE_SUCCESS;
}

/* ---- sockets (on fds the host handed over, e.g. stdio) ---- */

static wasi_fd *sock_fd(wacc_wasi *w, uint32_t fd, uint32_t *err)
{
    wasi_fd *f = wasi_fd_get(w, fd);
    *err = f ? WE_SUCCESS : WE_BADF;
    return f;
}

WASI_FN(sock_accept)
{
    wasi_mem m = wasi_memory(w);
    uint32_t e, flags = ARG32(1);
    wasi_fd *f = sock_fd(w, ARG32(0), &e);
    if (!f)
        return e;
    if (!(f->rights_base & WR_SOCK_ACCEPT))
        return WE_NOTCAPABLE;
    if (flags & ~(uint32_t)WFD_NONBLOCK)
        return WE_INVAL;
    if (!mem_ok(m, ARG32(2), 4))
        return WE_FAULT;
    int h = accept4(f->host, NULL, NULL, SOCK_CLOEXEC | ((flags & WFD_NONBLOCK) ? SOCK_NONBLOCK : 0));
    if (h < 0)
        return wasi_errno(errno);
    wasi_fd *nf = calloc(1, sizeof *nf);
    if (!nf) {
        close(h);
        return WE_NOMEM;
    }
    nf->host = h;
    nf->owned = true;
    nf->filetype = WF_SOCKET_STREAM;
    nf->rights_base = WR_STREAM;
    uint32_t gfd;
    e = wasi_fd_add(w, nf, &gfd);
    if (e) {
        wasi_fd_close(nf);
        return e;
    }
    st32(m, ARG32(2), gfd);
    return WE_SUCCESS;
}

WASI_FN(sock_recv)
{
    wasi_mem m = wasi_memory(w);
    uint32_t e, riflags = ARG32(3);
    wasi_fd *f = sock_fd(w, ARG32(0), &e);
    struct iovec *io;
    if (!f)
        return e;
    if (!(f->rights_base & WR_FD_READ))
        return WE_NOTCAPABLE;
    if (!mem_ok(m, ARG32(4), 4) || !mem_ok(m, ARG32(5), 2))
        return WE_FAULT;
    uint32_t niov = ARG32(2);
    if ((e = wasi_guest_iovs(m, ARG32(1), &niov, &io)))
        return e;
    struct msghdr msg = { 0 };
    msg.msg_iov = io;
    msg.msg_iovlen = niov;
    int fl = ((riflags & WRI_RECV_PEEK) ? MSG_PEEK : 0) | ((riflags & WRI_RECV_WAITALL) ? MSG_WAITALL : 0);
    ssize_t r = recvmsg(f->host, &msg, fl);
    e = r < 0 ? wasi_errno(errno) : WE_SUCCESS;
    free(io);
    if (e)
        return e;
    st32(m, ARG32(4), (uint32_t)r);
    st16(m, ARG32(5), (msg.msg_flags & MSG_TRUNC) ? WRO_RECV_DATA_TRUNCATED : 0);
    return WE_SUCCESS;
}

WASI_FN(sock_send)
{
    wasi_mem m = wasi_memory(w);
    uint32_t e;
    wasi_fd *f = sock_fd(w, ARG32(0), &e);
    struct iovec *io;
    if (!f)
        return e;
    if (!(f->rights_base & WR_FD_WRITE))
        return WE_NOTCAPABLE;
    if (!mem_ok(m, ARG32(4), 4))
        return WE_FAULT;
    uint32_t niov = ARG32(2);
    if ((e = wasi_guest_iovs(m, ARG32(1), &niov, &io)))
        return e;
    struct msghdr msg = { 0 };
    msg.msg_iov = io;
    msg.msg_iovlen = niov;
    ssize_t r = sendmsg(f->host, &msg, MSG_NOSIGNAL);
    e = r < 0 ? wasi_errno(errno) : WE_SUCCESS;
    free(io);
    if (e)
        return e;
    st32(m, ARG32(4), (uint32_t)r);
    return WE_SUCCESS;
}

WASI_FN(sock_shutdown)
{
    uint32_t e, how = ARG32(1);
    wasi_fd *f = sock_fd(w, ARG32(0), &e);
    if (!f)
        return e;
    if (!(f->rights_base & WR_SOCK_SHUTDOWN))
        return WE_NOTCAPABLE;
    int h;
    switch (how) {
    case WSD_RD: h = SHUT_RD; break;
    case WSD_WR: h = SHUT_WR; break;
    case WSD_RD | WSD_WR: h = SHUT_RDWR; break;
    default: return WE_INVAL;
    }
    return shutdown(f->host, h) == 0 ? WE_SUCCESS : wasi_errno(errno);
}
