/*
 * fns_fs.c — wasi:filesystem@0.3.0: the stream-based descriptor methods
 * (read-via-stream, write-via-stream, append-via-stream: fd pipes of
 * streams.c; read-directory: a stream of directory-entry). Every other
 * method (open-at, stat, ... and preopens) is runtime/wasi2's
 * implementation of the same name on the same descriptors and sandbox
 * (ctx.c falls back to it), run as an async function that completes at
 * once (files do not block).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "w3_int.h"

#define DF_READ 1u
#define DF_WRITE 2u

static const wacc_ctype *field(const wacc_ctype *t, uint32_t i)
{
    return t && (t->kind == WACC_CT_TUPLE || t->kind == WACC_CT_RECORD) && i < t->n ? t->fields[i].type : NULL;
}

/* The descriptor's fd duplicated for a pipe, or -errno. */
static int dup_for(w3_call *c, uint32_t need)
{
    w2_obj *d = w2_get(c->v.w, c->v.a[0].x.u, K_DESCRIPTOR);
    if (!d)
        return -EBADF;
    if (d->is_dir)
        return -EISDIR;
    if (!(d->dflags & need))
        return -EBADF;
    int fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
    return fd < 0 ? -errno : fd;
}

/* A future<result<_, error-code>> already failed with errno e. */
static uint32_t failed_future(w3_call *c, const wacc_ctype *ft, int e, wacc_cval *out);

/* read-via-stream(offset) -> tuple<stream<u8>, future<result<_, error-code>>> */
static uint32_t read_via_stream(w3_call *c)
{
    const wacc_ctype *st = field(c->v.rt, 0), *ft = field(c->v.rt, 1);
    if (!st || st->kind != WACC_CT_STREAM || !ft || ft->kind != WACC_CT_FUTURE)
        return w2_trap(&c->v, "read-via-stream: unexpected result type");
    wacc_cval *e = wacc_arena_alloc(c->v.arena, 2 * sizeof *e);
    if (!e)
        return WACC_TRAP_OUT_OF_MEMORY;
    int fd = dup_for(c, DF_READ);
    /* an error: an empty stream and the error in the future */
    if (!w3_source_fd(c->ci, fd < 0 ? -1 : fd, fd >= 0, true, c->v.a[1].x.u, st, fd < 0 ? NULL : ft, NULL,
                      &e[0], &e[1]))
        return WACC_TRAP_OUT_OF_MEMORY;
    if (fd < 0) {
        uint32_t code = failed_future(c, ft, -fd, &e[1]);
        if (code)
            return code;
    }
    c->res = wacc_cval_tuple(e, 2);
    return 0;
}

static uint32_t write_common(w3_call *c, bool append)
{
    const wacc_ctype *ft = c->v.rt;
    if (!ft || ft->kind != WACC_CT_FUTURE)
        return w2_trap(&c->v, "write-via-stream: unexpected result type");
    int fd = dup_for(c, DF_WRITE);
    if (fd < 0) {
        /* take (and drop) the data stream: the writer sees it dropped */
        wacc_hend *h = wacc_hend_take(c->ci, &c->v.a[1]);
        if (h)
            wacc_hend_drop(h);
        return failed_future(c, ft, -fd, &c->res);
    }
    if (!w3_sink_fd(c->ci, fd, true, true, append, append ? 0 : c->v.a[2].x.u, &c->v.a[1], ft, NULL, &c->res)) {
        close(fd);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    return 0;
}

static uint32_t write_via_stream(w3_call *c)
{
    return write_common(c, false);
}

static uint32_t append_via_stream(w3_call *c)
{
    return write_common(c, true);
}

/* ---- futures written once ---- */

typedef struct onefut {
    wacc_hend *f;
    wacc_arena arena;
    wacc_cval v;
} onefut;

static uint32_t onefut_done(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)result, (void)n;
    onefut *o = ud;
    wacc_hend_drop(e);
    wacc_arena_fini(&o->arena);
    free(o);
    return 0;
}

static uint32_t failed_future(w3_call *c, const wacc_ctype *ft, int e, wacc_cval *out)
{
    onefut *o = calloc(1, sizeof *o);
    if (!o)
        return WACC_TRAP_OUT_OF_MEMORY;
    wacc_arena_init(&o->arena);
    if (!(o->f = wacc_hend_new(c->ci, ft, out))) {
        free(o);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    if (!w3_err_value(&o->arena, ft->elem, w2_errno_label(e), &o->v))
        o->v = w3_ok_value();
    if (!wacc_hend_write(o->f, &o->v, 1, onefut_done, o))
        onefut_done(o, o->f, 0, 0);
    return 0;
}

/* ---- read-directory ---- */

typedef struct dirsrc {
    wacc_cinstance *ci;
    wacc_hend *s, *f;
    wacc_arena arena;
    wacc_cval *ents;
    uint32_t n, pos;
    wacc_cval fval;
} dirsrc;

static void dir_free(dirsrc *d)
{
    if (d->s)
        wacc_hend_drop(d->s);
    if (d->f)
        wacc_hend_drop(d->f);
    wacc_arena_fini(&d->arena);
    free(d);
}

static uint32_t dir_fut_done(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e, (void)result, (void)n;
    dir_free(ud);
    return 0;
}

static uint32_t dir_written(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    dirsrc *d = ud;
    d->pos += n;
    if (result != WACC_COPY_DROPPED && d->pos < d->n &&
        wacc_hend_write(d->s, d->ents + d->pos, d->n - d->pos, dir_written, d))
        return 0;
    wacc_hend_drop(d->s);
    d->s = NULL;
    if (!wacc_hend_write(d->f, &d->fval, 1, dir_fut_done, d))
        dir_free(d);
    return 0;
}

static uint32_t dir_start(void *ud, short revents)
{
    (void)revents;
    dirsrc *d = ud;
    if (d->n == 0)
        return dir_written(d, d->s, WACC_COPY_COMPLETED, 0);
    if (!wacc_hend_write(d->s, d->ents, d->n, dir_written, d))
        return dir_written(d, d->s, WACC_COPY_DROPPED, 0);
    return 0;
}

/* read-directory() -> tuple<stream<directory-entry>, future<result<_, error-code>>>:
 * the entries are listed at once with wasi2's read-directory /
 * read-directory-entry (same filtering, same types) and then written. */
static uint32_t read_directory(w3_call *c)
{
    const wacc_ctype *st = field(c->v.rt, 0), *ft = field(c->v.rt, 1);
    if (!st || st->kind != WACC_CT_STREAM || !st->elem || !ft || ft->kind != WACC_CT_FUTURE || !ft->elem)
        return w2_trap(&c->v, "read-directory: unexpected result type");
    w2_impl open_dir = w2_impl_named("wasi:filesystem/types#[method]descriptor.read-directory");
    w2_impl next = w2_impl_named("wasi:filesystem/types#[method]directory-entry-stream.read-directory-entry");
    if (!open_dir || !next)
        return w2_trap(&c->v, "read-directory: no implementation");
    dirsrc *d = calloc(1, sizeof *d);
    if (!d)
        return WACC_TRAP_OUT_OF_MEMORY;
    d->ci = c->ci;
    wacc_arena_init(&d->arena);
    wacc_cval *e = wacc_arena_alloc(c->v.arena, 2 * sizeof *e);
    const wacc_ctype *errt = w2_case_type(ft->elem, "err");
    const wacc_ctype *opt = wacc_ctype_option(&d->arena, st->elem);
    const wacc_ctype *rt_next = opt ? wacc_ctype_result(&d->arena, opt, errt) : NULL;
    if (!e || !rt_next || !(d->s = wacc_hend_new(c->ci, st, &e[0])) || !(d->f = wacc_hend_new(c->ci, ft, &e[1]))) {
        dir_free(d);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    /* wasi2 calls: the same argument (the descriptor), results in d->arena */
    wacc_cval r;
    w2_call w2c = c->v;
    w2c.res = &r;
    w2c.rt = ft->elem;
    w2c.arena = &d->arena;
    uint32_t code = open_dir(&w2c);
    d->fval = w3_ok_value();
    uint32_t cap = 0;
    if (code == 0 && r.n != 0) {
        d->fval = r;                    /* err(code) */
    } else if (code == 0) {
        uint32_t rep = (uint32_t)r.x.payload->x.u;
        wacc_cval arg = wacc_cval_handle(WACC_CT_BORROW, rep);
        w2c.a = &arg;
        w2c.n = 1;
        w2c.rt = rt_next;
        for (;;) {
            if ((code = next(&w2c)) != 0)
                break;
            if (r.n != 0) {             /* err */
                wacc_cval *ev = w2_box(&w2c, wacc_cval_variant(WACC_CT_RESULT, 1, r.x.payload));
                if (ev)
                    d->fval = *ev;
                break;
            }
            if (r.x.payload->n == 0)    /* none: the end */
                break;
            if (d->n == cap) {
                uint32_t nc = cap ? cap * 2 : 32;
                wacc_cval *ne = wacc_arena_alloc(&d->arena, nc * sizeof *ne);
                if (!ne) {
                    code = WACC_TRAP_OUT_OF_MEMORY;
                    break;
                }
                if (d->n)
                    memcpy(ne, d->ents, d->n * sizeof *ne);
                d->ents = ne;
                cap = nc;
            }
            d->ents[d->n++] = *r.x.payload->x.payload;
        }
        w2_release(c->v.w, rep);
    }
    if (code || !wacc_watch_add(c->ci, -1, 0, 0, dir_start, d)) {
        dir_free(d);
        return code ? code : WACC_TRAP_OUT_OF_MEMORY;
    }
    c->res = wacc_cval_tuple(e, 2);
    return 0;
}

const w3_fn w3_fns_fs[] = {
    { "wasi:filesystem/types#[method]descriptor.read-via-stream", read_via_stream },
    { "wasi:filesystem/types#[method]descriptor.write-via-stream", write_via_stream },
    { "wasi:filesystem/types#[method]descriptor.append-via-stream", append_via_stream },
    { "wasi:filesystem/types#[method]descriptor.read-directory", read_directory },
    { NULL, NULL },
};
