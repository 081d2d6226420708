/*
 * cmd_compose.c — `wacc compose`: `wac plug` for components.
 *
 *   wacc compose SOCKET.wasm --plug PLUG.wasm... [--wire NODE:IMPORT=PLUG]... -o OUT.wasm
 *
 * Every import of the socket that a plug exports (same name) is satisfied
 * by that plug's export; plugs' own imports are satisfied by other plugs the
 * same way (a plug is instantiated before whoever uses it); an import that
 * no plug exports stays an import of the result. --wire picks the plug for
 * one import when several export it (NODE: the socket's or a plug's file
 * name without .wasm; IMPORT: the import name, version optional).
 *
 * The result is a standard component: the imports it keeps (types rebuilt
 * from each component's WIT world and re-encoded, wit/encode.c), the socket
 * and the plugs nested byte for byte, one instance per component wired with
 * `with` arguments, and the socket's exports re-exported. It is then
 * decoded and validated (the validator's subtyping checks every argument
 * against the import it satisfies).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "wit.h"

int cmd_compose(int argc, char **argv);

#ifndef WACC_HAVE_WITCOMP
int cmd_compose(int argc, char **argv)
{
    (void)argc, (void)argv;
    drv_error(NULL, "compose: this wacc was built without the component decoder");
    return 1;
}
#else
#include "wit_component.h"

/* compose_check.c (component.h and wacc.h cannot share a file) */
bool drv_component_check(const uint8_t *bytes, size_t size, char err[512]);
int drv_component_exports(const uint8_t *bytes, size_t size, char ***names, bool **funcs,
                          char err[512]);

#define MAX_NODES 32

typedef struct item {
    char *name;                 /* extern name */
    bool func;                  /* a function, else an instance */
    const wit_interface *iface; /* instances */
} item;

typedef struct node {
    const char *path;
    char *label;                /* file name without directory and .wasm */
    uint8_t *bytes;
    size_t size;
    wit_resolve *r;
    uint32_t nimports, nexports;
    item *imports, *exports;
    int *from;                  /* per import: providing node, or -1 (outer import) */
    int state;                  /* 0 new, 1 visiting, 2 instantiated */
    uint32_t comp, inst;        /* outer component / instance index */
    bool used;
} node;

typedef struct wire {
    char *node, *import, *plug;
} wire;

static void compose_usage(FILE *f)
{
    fputs("usage: wacc compose SOCKET.wasm --plug PLUG.wasm... [--wire NODE:IMPORT=PLUG]... -o OUT.wasm\n",
          f);
}

static char *label_of(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    const char *exts[] = { ".component.wasm", ".wasm" };
    for (size_t i = 0; i < 2; i++) {
        size_t k = strlen(exts[i]);
        if (n > k && strcmp(b + n - k, exts[i]) == 0) {
            n -= k;
            break;
        }
    }
    return strndup(b, n);
}

static char *extern_name(const wit_extern *x)
{
    if (x->kind == WIT_X_INTERFACE)
        return wit_interface_id(x->iface);
    return strdup(x->name);
}

static bool load_items(node *n, wit_extern **xs, uint32_t nx, item **out, uint32_t *nout)
{
    *out = calloc(nx ? nx : 1, sizeof **out);
    if (*out == NULL)
        return false;
    for (uint32_t i = 0; i < nx; i++) {
        (*out)[i].name = extern_name(xs[i]);
        (*out)[i].func = xs[i]->kind == WIT_X_FUNC;
        (*out)[i].iface = xs[i]->iface;
        if ((*out)[i].name == NULL)
            return false;
    }
    *nout = nx;
    (void)n;
    return true;
}

static bool load_node(node *n)
{
    char err[512];
    n->bytes = drv_read_file(n->path, &n->size, err);
    if (n->bytes == NULL) {
        drv_error(n->path, "%s", err);
        return false;
    }
    n->r = wit_resolve_new();
    wit_package *pkg;
    wit_world *w;
    if (n->r == NULL || !wit_from_component_bytes(n->r, n->bytes, n->size, &pkg, &w)
        || !wit_resolve_all(n->r)) {
        drv_error(n->path, "%s", n->r ? wit_error(n->r) : "out of memory");
        return false;
    }
    if (!load_items(n, w->imports, w->nimports, &n->imports, &n->nimports)) {
        drv_error(n->path, "out of memory");
        return false;
    }
    /* exports by name and sort from the binary itself (a composition's
     * function exports are aliases its WIT view may not resolve) */
    char **names = NULL;
    bool *funcs = NULL;
    int ne = drv_component_exports(n->bytes, n->size, &names, &funcs, err);
    if (ne < 0) {
        drv_error(n->path, "%s", err);
        return false;
    }
    n->exports = calloc(ne ? (size_t)ne : 1, sizeof *n->exports);
    for (int i = 0; n->exports != NULL && i < ne; i++) {
        n->exports[i].name = names[i];
        n->exports[i].func = funcs[i];
    }
    if (n->exports == NULL)
        for (int i = 0; i < ne; i++)
            free(names[i]);
    else
        n->nexports = (uint32_t)ne;
    free(names), free(funcs);
    if (n->exports == NULL) {
        drv_error(n->path, "out of memory");
        return false;
    }
    n->from = malloc((n->nimports ? n->nimports : 1) * sizeof *n->from);
    return n->from != NULL;
}

static void free_node(node *n)
{
    for (uint32_t i = 0; i < n->nimports; i++)
        free(n->imports[i].name);
    for (uint32_t i = 0; i < n->nexports; i++)
        free(n->exports[i].name);
    free(n->imports), free(n->exports), free(n->from), free(n->bytes), free(n->label);
    if (n->r)
        wit_resolve_free(n->r);
}

/* "a:b/c@1.2.3" matches "a:b/c@1.2.3" and "a:b/c". */
static bool name_matches(const char *full, const char *given)
{
    if (strcmp(full, given) == 0)
        return true;
    const char *at = strchr(full, '@');
    return at != NULL && strlen(given) == (size_t)(at - full) && strncmp(full, given, at - full) == 0;
}

static int find_export(node *nodes, int nn, int self, const char *nm, bool func)
{
    for (int k = 1; k < nn; k++) {
        if (k == self)
            continue;
        for (uint32_t e = 0; e < nodes[k].nexports; e++)
            if (strcmp(nodes[k].exports[e].name, nm) == 0 && nodes[k].exports[e].func == func)
                return k;
    }
    return -1;
}

/* ---- bytes ---- */

typedef struct out {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} out;

static void put(out *o, const void *s, size_t n)
{
    if (o->failed || n == 0)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        uint8_t *p = realloc(o->p, cap);
        if (p == NULL) {
            o->failed = true;
            return;
        }
        o->p = p, o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void byte(out *o, uint8_t b) { put(o, &b, 1); }

static void u32(out *o, uint32_t x)
{
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        byte(o, c | (x ? 0x80 : 0));
    } while (x);
}

static void name(out *o, const char *s)
{
    u32(o, (uint32_t)strlen(s));
    put(o, s, strlen(s));
}

static void section(out *o, uint8_t id, out *body)
{
    byte(o, id);
    u32(o, (uint32_t)body->len);
    put(o, body->p, body->len);
    body->len = 0;
}

typedef struct state {
    node *nodes;
    int nn;
    out o;
    uint32_t ncomps, ninst, nfuncs;
    char **outer_names;         /* imports kept, by outer instance index */
    uint32_t nouter;
    bool failed;
} state;

/* Instantiate node k (after the nodes it needs). */
static bool instantiate(state *s, int k)
{
    node *n = &s->nodes[k];
    if (n->state == 2)
        return true;
    if (n->state == 1) {
        drv_error(n->path, "compose: plugs import each other in a cycle");
        return false;
    }
    n->state = 1;
    for (uint32_t i = 0; i < n->nimports; i++)
        if (n->from[i] >= 0 && !instantiate(s, n->from[i]))
            return false;
    /* aliases for the wired arguments, then the instance */
    uint32_t *idx = calloc(n->nimports ? n->nimports : 1, sizeof *idx);
    if (idx == NULL)
        return false;
    out body = {0};
    uint32_t naliases = 0;
    out al = {0};
    for (uint32_t i = 0; i < n->nimports; i++) {
        if (n->from[i] < 0) {
            bool found = false;
            for (uint32_t j = 0; j < s->nouter; j++)
                if (strcmp(s->outer_names[j], n->imports[i].name) == 0) {
                    idx[i] = j;
                    found = true;
                }
            if (!found) {
                drv_error(n->path, "compose: import '%s' is a function no plug provides "
                                   "(only interface imports can stay imports)", n->imports[i].name);
                free(idx);
                return false;
            }
            continue;
        }
        node *p = &s->nodes[n->from[i]];
        byte(&al, n->imports[i].func ? 0x01 : 0x05);
        byte(&al, 0x00);
        u32(&al, p->inst);
        name(&al, n->imports[i].name);
        idx[i] = n->imports[i].func ? s->nfuncs++ : s->ninst++;
        naliases++;
    }
    if (naliases > 0) {
        u32(&body, naliases);
        put(&body, al.p, al.len);
        section(&s->o, 6, &body);
    }
    free(al.p);
    u32(&body, 1);
    byte(&body, 0x00);
    u32(&body, n->comp);
    u32(&body, n->nimports);
    for (uint32_t i = 0; i < n->nimports; i++) {
        name(&body, n->imports[i].name);
        byte(&body, n->imports[i].func ? 0x01 : 0x05);
        u32(&body, idx[i]);
    }
    section(&s->o, 5, &body);
    free(body.p);
    free(idx);
    n->inst = s->ninst++;
    n->state = 2;
    return true;
}

/* An import the composition keeps. */
typedef struct kept {
    char *name;
    node *n;                        /* the first component importing it */
    const wit_interface *ifs[MAX_NODES];
    uint32_t nifs;
    uint8_t state;                  /* 0 new, 1 being written, 2 written */
} kept;

/* Write kept import j after the kept imports its types use. */
static bool emit_kept(state *s, wit_encoder *enc, kept *kp, uint32_t nk, uint32_t j, int depth)
{
    kept *q = &kp[j];
    if (q->state != 0 || depth > 64)
        return true;                /* written, or a cycle: the encoder reports it */
    q->state = 1;
    for (uint32_t f = 0; f < q->nifs; f++) {
        const wit_interface *in = q->ifs[f];
        for (uint32_t t = 0; in != NULL && t < in->ntypes; t++) {
            const wit_typedef *d = in->types[t];
            if (d->kind != WIT_D_USE || d->target == NULL || d->target->iface == NULL)
                continue;
            char *id = wit_interface_id(d->target->iface);
            for (uint32_t o = 0; id != NULL && o < nk; o++)
                if (o != j && strcmp(kp[o].name, id) == 0 && !emit_kept(s, enc, kp, nk, o, depth + 1)) {
                    free(id);
                    return false;
                }
            free(id);
        }
    }
    if (!wit_encode_import(q->n->r, enc, q->name, q->ifs, q->nifs)) {
        drv_error(q->n->path, "compose: import '%s': %s", q->name, wit_error(q->n->r));
        return false;
    }
    s->outer_names[s->nouter++] = q->name;
    q->state = 2;
    return true;
}

static bool compose(state *s, const char *outpath)
{
    node *nodes = s->nodes;
    int nn = s->nn;
    static const uint8_t header[8] = { 0, 'a', 's', 'm', 0x0d, 0, 0x01, 0 };
    put(&s->o, header, 8);
    /* imports kept: every component's view of each interface, merged */
    wit_encoder enc = {0};
    s->outer_names = calloc(256, sizeof *s->outer_names);
    kept *kp = calloc(256, sizeof *kp);
    if (s->outer_names == NULL || kp == NULL) {
        free(kp);
        return false;
    }
    uint32_t nk = 0;
    for (int k = 0; k < nn; k++) {
        node *n = &nodes[k];
        for (uint32_t i = 0; i < n->nimports; i++) {
            if (n->from[i] >= 0 || n->imports[i].func)
                continue;
            bool dup = false;
            for (uint32_t j = 0; j < nk; j++)
                dup |= strcmp(kp[j].name, n->imports[i].name) == 0;
            if (dup)
                continue;
            if (nk == 256) {
                drv_error(n->path, "compose: more than 256 imports");
                free(kp);
                return false;
            }
            kept *q = &kp[nk++];
            q->name = n->imports[i].name;
            q->n = n;
            for (int k2 = k; k2 < nn; k2++)
                for (uint32_t i2 = 0; i2 < nodes[k2].nimports; i2++)
                    if (nodes[k2].from[i2] < 0 && !nodes[k2].imports[i2].func
                        && strcmp(nodes[k2].imports[i2].name, n->imports[i].name) == 0
                        && q->nifs < MAX_NODES)
                        q->ifs[q->nifs++] = nodes[k2].imports[i2].iface;
        }
    }
    /* an interface after the ones whose types it uses (one component may
     * import wasi:http/types without wasi:io/poll, another with it) */
    bool ok = true;
    for (uint32_t j = 0; j < nk && ok; j++)
        ok = emit_kept(s, &enc, kp, nk, j, 0);
    free(kp);
    if (!ok) {
        wit_encoder_free(&enc);
        return false;
    }
    put(&s->o, enc.buf, enc.len);
    s->ninst = enc.ninstances;
    wit_encoder_free(&enc);
    /* the components, nested as they are */
    for (int k = 0; k < nn; k++) {
        byte(&s->o, 4);
        u32(&s->o, (uint32_t)nodes[k].size);
        put(&s->o, nodes[k].bytes, nodes[k].size);
        nodes[k].comp = s->ncomps++;
    }
    /* instances: the socket and what it needs */
    if (!instantiate(s, 0))
        return false;
    for (int k = 1; k < nn; k++)
        if (!instantiate(s, k))
            return false;
    /* the socket's exports */
    node *sock = &nodes[0];
    out body = {0}, al = {0};
    uint32_t *idx = calloc(sock->nexports ? sock->nexports : 1, sizeof *idx);
    if (idx == NULL)
        return false;
    for (uint32_t e = 0; e < sock->nexports; e++) {
        byte(&al, sock->exports[e].func ? 0x01 : 0x05);
        byte(&al, 0x00);
        u32(&al, sock->inst);
        name(&al, sock->exports[e].name);
        idx[e] = sock->exports[e].func ? s->nfuncs++ : s->ninst++;
    }
    if (sock->nexports > 0) {
        u32(&body, sock->nexports);
        put(&body, al.p, al.len);
        section(&s->o, 6, &body);
        u32(&body, sock->nexports);
        for (uint32_t e = 0; e < sock->nexports; e++) {
            byte(&body, 0x00);
            name(&body, sock->exports[e].name);
            byte(&body, sock->exports[e].func ? 0x01 : 0x05);
            u32(&body, idx[e]);
            byte(&body, 0x00);
        }
        section(&s->o, 11, &body);
    }
    free(idx), free(al.p), free(body.p);
    if (s->o.failed) {
        drv_error(outpath, "out of memory");
        return false;
    }
    /* check it */
    char err[512];
    if (getenv("WACC_COMPOSE_NO_CHECK") == NULL && !drv_component_check(s->o.p, s->o.len, err)) {
        drv_error(outpath, "compose: the composition does not validate: %s", err);
        return false;
    }
    FILE *f = fopen(outpath, "wb");
    if (f == NULL || fwrite(s->o.p, 1, s->o.len, f) != s->o.len) {
        drv_error(outpath, "cannot write");
        if (f)
            fclose(f);
        return false;
    }
    if (fclose(f) != 0) {
        drv_error(outpath, "cannot write");
        return false;
    }
    return true;
}

int cmd_compose(int argc, char **argv)
{
    node nodes[MAX_NODES];
    wire wires[64];
    int nn = 0, nw = 0;
    const char *outpath = NULL;
    memset(nodes, 0, sizeof nodes);
    int status = 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--plug") == 0 && i + 1 < argc) {
            if (nn == 0) {
                drv_error(NULL, "compose: the socket comes before --plug");
                return 2;
            }
            if (nn == MAX_NODES) {
                drv_error(NULL, "compose: too many plugs");
                return 2;
            }
            nodes[nn++].path = argv[++i];
        } else if (strcmp(a, "--wire") == 0 && i + 1 < argc && nw < 64) {
            char *w = argv[++i], *eq = strrchr(w, '='), *colon = strchr(w, ':');
            if (eq == NULL || colon == NULL || colon > eq) {
                drv_error(NULL, "compose: --wire NODE:IMPORT=PLUG expected, got '%s'", w);
                return 2;
            }
            wires[nw].node = strndup(w, colon - w);
            wires[nw].import = strndup(colon + 1, eq - colon - 1);
            wires[nw].plug = strdup(eq + 1);
            nw++;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            outpath = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            compose_usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            drv_error(NULL, "compose: unknown option '%s' (or it needs a value)", a);
            return 2;
        } else if (nn == 0) {
            nodes[nn++].path = a;
        } else {
            drv_error(NULL, "compose: more than one socket ('%s'); plugs need --plug", a);
            return 2;
        }
    }
    state s;
    memset(&s, 0, sizeof s);
    if (nn < 2 || outpath == NULL) {
        compose_usage(stderr);
        goto done;
    }
    status = 1;
    for (int k = 0; k < nn; k++) {
        nodes[k].label = label_of(nodes[k].path);
        if (nodes[k].label == NULL || !load_node(&nodes[k]))
            goto done;
    }
    /* wiring */
    for (int k = 0; k < nn; k++) {
        node *n = &nodes[k];
        for (uint32_t i = 0; i < n->nimports; i++) {
            int from = find_export(nodes, nn, k, n->imports[i].name, n->imports[i].func);
            for (int w = 0; w < nw; w++) {
                if (strcmp(wires[w].node, n->label) != 0
                    || !name_matches(n->imports[i].name, wires[w].import))
                    continue;
                from = -2;
                for (int p = 1; p < nn; p++)
                    if (p != k && strcmp(nodes[p].label, wires[w].plug) == 0)
                        from = p;
                if (from == -2) {
                    drv_error(NULL, "compose: --wire %s:%s=%s: no plug named '%s'", wires[w].node,
                              wires[w].import, wires[w].plug, wires[w].plug);
                    goto done;
                }
                bool has = false;
                for (uint32_t e = 0; e < nodes[from].nexports; e++)
                    has |= strcmp(nodes[from].exports[e].name, n->imports[i].name) == 0;
                if (!has) {
                    drv_error(nodes[from].path, "compose: does not export '%s' (--wire)",
                              n->imports[i].name);
                    goto done;
                }
            }
            n->from[i] = from;
            if (from > 0)
                nodes[from].used = true;
        }
    }
    for (int w = 0; w < nw; w++) {
        bool hit = false;
        for (int k = 0; k < nn; k++)
            if (strcmp(wires[w].node, nodes[k].label) == 0)
                for (uint32_t i = 0; i < nodes[k].nimports; i++)
                    hit |= name_matches(nodes[k].imports[i].name, wires[w].import);
        if (!hit) {
            drv_error(NULL, "compose: --wire %s:%s=%s matches no import", wires[w].node,
                      wires[w].import, wires[w].plug);
            goto done;
        }
    }
    for (int k = 1; k < nn; k++)
        if (!nodes[k].used) {
            drv_error(nodes[k].path, "compose: this plug satisfies no import");
            goto done;
        }
    s.nodes = nodes;
    s.nn = nn;
    if (compose(&s, outpath))
        status = 0;
done:
    free(s.o.p);
    free(s.outer_names);
    for (int k = 0; k < nn; k++)
        free_node(&nodes[k]);
    for (int w = 0; w < nw; w++)
        free(wires[w].node), free(wires[w].import), free(wires[w].plug);
    return status;
}
#endif
