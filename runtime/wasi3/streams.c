/*
 * streams.c — byte pipes between host fds and stream<u8> (w3_int.h):
 *
 *   source  fd -> stream the guest reads (stdin, descriptor
 *           read-via-stream): read a chunk (a file: pread at the
 *           position, never blocks; anything else: when poll says it is
 *           readable, a watch), write it into the stream (completes as
 *           the guest reads), repeat; at the end drop the stream (the
 *           guest reads "dropped" after the data) and write the future
 *   sink    stream the guest writes -> fd (stdout/stderr, descriptor
 *           write-/append-via-stream): read a chunk from the stream,
 *           write it to the fd (EAGAIN: a watch for POLLOUT), repeat until
 *           the guest drops its end; then write the future
 *
 * Each pipe is malloc'd and frees itself when its future was written (or
 * the reader of the future is gone); the component instance's loop drives
 * it, so nothing here blocks the thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "w3_int.h"

#define CHUNK 65536

typedef struct pipe3 {
    wacc_cinstance *ci;
    int fd;
    bool close_fd, positioned, append;
    uint64_t off;
    wacc_hend *s, *f;
    const wacc_ctype *fut_t;
    w3_errmap map;
    size_t len, pos;
    int err;
    wacc_arena arena;
    wacc_cval fval;
    uint8_t buf[CHUNK];
} pipe3;

static void pipe_free(pipe3 *p)
{
    if (p->s)
        wacc_hend_drop(p->s);
    if (p->f)
        wacc_hend_drop(p->f);
    if (p->close_fd && p->fd >= 0)
        close(p->fd);
    wacc_arena_fini(&p->arena);
    free(p);
}

static uint32_t fut_written(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e, (void)result, (void)n;
    pipe_free(ud);
    return 0;
}

/* The end: drop the stream, write the future's result. */
static uint32_t finish(pipe3 *p)
{
    if (p->s) {
        wacc_hend_drop(p->s);
        p->s = NULL;
    }
    if (p->close_fd && p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
    if (!p->f) {
        pipe_free(p);
        return 0;
    }
    const wacc_ctype *rt = wacc_hend_type(p->f)->elem;
    if (p->err && rt) {
        const char *label = p->map ? p->map(p->err) : w2_errno_label(p->err);
        if (!w3_err_value(&p->arena, rt, label, &p->fval))
            p->fval = w3_ok_value();
    } else {
        p->fval = w3_ok_value();
    }
    if (!wacc_hend_write(p->f, &p->fval, 1, fut_written, p))
        pipe_free(p);
    return 0;
}

/* ---- source ---- */

static uint32_t src_fill(pipe3 *p);

static uint32_t src_written(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    pipe3 *p = ud;
    p->pos += n;
    if (result == WACC_COPY_DROPPED)
        return finish(p);               /* the reader is gone */
    if (p->pos < p->len) {
        if (!wacc_hend_write(p->s, p->buf + p->pos, (uint32_t)(p->len - p->pos), src_written, p))
            return finish(p);
        return 0;
    }
    return src_fill(p);
}

static uint32_t src_readable(void *ud, short revents)
{
    (void)revents;
    return src_fill(ud);
}

static uint32_t src_fill(pipe3 *p)
{
    ssize_t n = p->positioned ? pread(p->fd, p->buf, CHUNK, (off_t)p->off) : read(p->fd, p->buf, CHUNK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!wacc_watch_add(p->ci, p->fd, POLLIN, 0, src_readable, p))
            return WACC_TRAP_OUT_OF_MEMORY;
        return 0;
    }
    if (n <= 0) {
        p->err = n < 0 ? errno : 0;
        return finish(p);
    }
    p->off += (uint64_t)n;
    p->len = (size_t)n;
    p->pos = 0;
    if (!wacc_hend_write(p->s, p->buf, (uint32_t)n, src_written, p))
        return finish(p);
    return 0;
}

static uint32_t src_start(void *ud, short revents)
{
    (void)revents;
    pipe3 *p = ud;
    if (p->fd < 0)
        return finish(p);               /* no such input: empty */
    if (p->positioned)
        return src_fill(p);
    /* not a file: read only when poll says so (a tty or pipe may be in
     * blocking mode) */
    if (!wacc_watch_add(p->ci, p->fd, POLLIN, 0, src_readable, p))
        return WACC_TRAP_OUT_OF_MEMORY;
    return 0;
}

static pipe3 *pipe_new(wacc_cinstance *ci, int fd, bool close_fd, bool positioned, uint64_t offset,
                       const wacc_ctype *fut_t, w3_errmap map, wacc_cval *future_out)
{
    pipe3 *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->ci = ci;
    p->fd = fd;
    p->close_fd = close_fd;
    p->positioned = positioned;
    p->off = offset;
    p->fut_t = fut_t;
    p->map = map;
    wacc_arena_init(&p->arena);
    if (fut_t && !(p->f = wacc_hend_new(ci, fut_t, future_out))) {
        free(p);
        return NULL;
    }
    return p;
}

bool w3_source_fd(wacc_cinstance *ci, int fd, bool close_fd, bool positioned, uint64_t offset,
                  const wacc_ctype *stream_t, const wacc_ctype *fut_t, w3_errmap err_label,
                  wacc_cval *stream_out, wacc_cval *future_out)
{
    pipe3 *p = pipe_new(ci, fd, close_fd, positioned, offset, fut_t, err_label, future_out);
    if (!p)
        return false;
    if (!(p->s = wacc_hend_new(ci, stream_t, stream_out)) ||
        !wacc_watch_add(ci, -1, 0, 0, src_start, p)) {
        p->close_fd = false;
        pipe_free(p);
        return false;
    }
    return true;
}

/* ---- sink ---- */

static uint32_t sink_read(void *ud, wacc_hend *e, uint32_t result, uint32_t n);

static uint32_t sink_next(pipe3 *p, bool dropped)
{
    if (dropped)
        return finish(p);
    if (!wacc_hend_read(p->s, p->buf, CHUNK, NULL, sink_read, p))
        return finish(p);
    return 0;
}

static uint32_t sink_flush(pipe3 *p, bool dropped);

static uint32_t sink_writable(void *ud, short revents)
{
    (void)revents;
    pipe3 *p = ud;
    return sink_flush(p, p->err == -1);
}

/* Writes buf[pos..len) to the fd; then reads on (or finishes). */
static uint32_t sink_flush(pipe3 *p, bool dropped)
{
    p->err = 0;
    while (p->pos < p->len) {
        ssize_t n = p->positioned && !p->append ? pwrite(p->fd, p->buf + p->pos, p->len - p->pos, (off_t)p->off)
                                                : write(p->fd, p->buf + p->pos, p->len - p->pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            p->err = dropped ? -1 : 0;     /* remembered for sink_writable */
            if (!wacc_watch_add(p->ci, p->fd, POLLOUT, 0, sink_writable, p))
                return WACC_TRAP_OUT_OF_MEMORY;
            return 0;
        }
        if (n < 0) {
            p->err = errno;
            return finish(p);
        }
        p->pos += (size_t)n;
        p->off += (uint64_t)n;
    }
    return sink_next(p, dropped);
}

static uint32_t sink_read(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    pipe3 *p = ud;
    p->len = n;
    p->pos = 0;
    return sink_flush(p, result == WACC_COPY_DROPPED);
}

static uint32_t sink_start(void *ud, short revents)
{
    (void)revents;
    return sink_next(ud, false);
}

bool w3_sink_fd(wacc_cinstance *ci, int fd, bool close_fd, bool positioned, bool append, uint64_t offset,
                const wacc_cval *data, const wacc_ctype *fut_t, w3_errmap err_label, wacc_cval *future_out)
{
    pipe3 *p = pipe_new(ci, fd, close_fd, positioned, offset, fut_t, err_label, future_out);
    if (!p)
        return false;
    p->append = append;
    if (!(p->s = wacc_hend_take(ci, data)) || !wacc_watch_add(ci, -1, 0, 0, sink_start, p)) {
        p->close_fd = false;
        pipe_free(p);
        return false;
    }
    return true;
}
