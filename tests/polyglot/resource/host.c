/*
 * host.c — the host of tests/polyglot/resource on `wacc bindgen c --host`
 * bindings of world `app`: implements resource `counter` (a table of
 * counters; rep = slot + 1) and calls the guest's `run`; then uses the
 * guest's resource `note`.
 *
 *   resource-host APP.so
 *
 * Prints the guest's lines, then every destructor call the host saw and
 * the counters left; exit 0 unless the host itself fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_host.h"
#include "wasi2.h"

typedef struct counter {
    bool used;
    char name[32];
    uint32_t value;
} counter;

typedef struct table {
    counter c[16];
    char log[512];
} table;

static counter *get(app_host_t *h, uint32_t rep)
{
    table *t = h->user;
    if (rep == 0 || rep > 16 || !t->c[rep - 1].used) {
        fprintf(stderr, "resource-host: bad rep %u\n", rep);
        exit(1);
    }
    return &t->c[rep - 1];
}

static uint32_t make(app_host_t *h, const char *name, size_t n, uint32_t v)
{
    table *t = h->user;
    for (uint32_t i = 0; i < 16; i++)
        if (!t->c[i].used) {
            t->c[i].used = true;
            snprintf(t->c[i].name, sizeof t->c[i].name, "%.*s", (int)n, name);
            t->c[i].value = v;
            return i + 1;
        }
    fprintf(stderr, "resource-host: table full\n");
    exit(1);
}

wacc_counters_counters_own_counter_t wacc_counters_counters_constructor_counter(app_host_t *h, app_string_t *name,
                                                                                uint32_t start)
{
    wacc_counters_counters_own_counter_t r = { make(h, (const char *)name->ptr, name->len, start) };
    return r;
}

void wacc_counters_counters_method_counter_add(app_host_t *h, wacc_counters_counters_borrow_counter_t self,
                                               uint32_t n)
{
    get(h, self.rep)->value += n;
}

uint32_t wacc_counters_counters_method_counter_get(app_host_t *h, wacc_counters_counters_borrow_counter_t self)
{
    return get(h, self.rep)->value;
}

void wacc_counters_counters_method_counter_name(app_host_t *h, wacc_counters_counters_borrow_counter_t self,
                                                app_string_t *ret)
{
    app_string_dup(ret, get(h, self.rep)->name);
}

wacc_counters_counters_own_counter_t wacc_counters_counters_static_counter_sum(
    app_host_t *h, wacc_counters_counters_borrow_counter_t a, wacc_counters_counters_borrow_counter_t b)
{
    wacc_counters_counters_own_counter_t r = { make(h, "sum", 3, get(h, a.rep)->value + get(h, b.rep)->value) };
    return r;
}

uint32_t wacc_counters_counters_consume(app_host_t *h, wacc_counters_counters_own_counter_t c)
{
    counter *k = get(h, c.rep);
    uint32_t v = k->value;
    k->used = false;            /* the host owns it now: gone */
    return v;
}

uint32_t wacc_counters_counters_live(app_host_t *h)
{
    table *t = h->user;
    uint32_t n = 0;
    for (int i = 0; i < 16; i++)
        n += t->c[i].used;
    return n;
}

void wacc_counters_counters_counter_destructor(app_host_t *h, uint32_t rep)
{
    table *t = h->user;
    counter *k = get(h, rep);
    size_t n = strlen(t->log);
    snprintf(t->log + n, sizeof t->log - n, "destructor: %s (rep %u)\n", k->name, rep);
    k->used = false;
}

/* ---- the guest's resource `note` ---- */
typedef exports_wacc_counters_notes_own_note_t own_note;

static bool alive(app_host_t *h)
{
    uint32_t n;
    if (!app_call_wacc_counters_notes_alive(h, &n))
        return false;
    printf("notes alive in the guest: %u\n", n);
    return true;
}

static bool text(app_host_t *h, const char *what, own_note n)
{
    app_string_t s;
    if (!app_call_wacc_counters_notes_method_note_text(h, exports_wacc_counters_notes_borrow_note(n), &s))
        return false;
    printf("%s: \"%.*s\"\n", what, (int)s.len, (const char *)s.ptr);
    app_string_free(&s);
    return true;
}

static bool notes(app_host_t *h)
{
    own_note a, b, j;
    app_string_t s;
    uint32_t len;
    app_string_set(&s, "hello");
    if (!app_call_wacc_counters_notes_constructor_note(h, &s, &a))
        goto trap;
    app_string_set(&s, " world");
    if (!app_call_wacc_counters_notes_constructor_note(h, &s, &b))
        goto trap;
    app_string_set(&s, "!");
    if (!app_call_wacc_counters_notes_method_note_append(h, exports_wacc_counters_notes_borrow_note(a), &s))
        goto trap;
    if (!text(h, "a", a))
        goto trap;
    if (!app_call_wacc_counters_notes_static_note_join(h, exports_wacc_counters_notes_borrow_note(a),
                                                       exports_wacc_counters_notes_borrow_note(b), &j))
        goto trap;
    if (!text(h, "join(a, b)", j) || !alive(h))
        goto trap;
    if (!exports_wacc_counters_notes_note_drop_own(h, a))
        goto trap;
    printf("dropped a\n");
    if (!alive(h) || !app_call_wacc_counters_notes_consume(h, j, &len))
        goto trap;
    printf("consume(join) = %u\n", len);
    if (!alive(h) || !exports_wacc_counters_notes_note_drop_own(h, b))
        goto trap;
    printf("dropped b\n");
    return alive(h);
trap:
    printf("trap: %s\n", h->trap.message);
    return false;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: resource-host APP.so\n");
        return 2;
    }
    char err[WACC_ERR_LEN];
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = wacc_artifact_load(e, argv[1], err);
    if (a == NULL) {
        fprintf(stderr, "resource-host: %s: %s\n", argv[1], err);
        return 1;
    }
    wacc_store *s = wacc_store_new(e);
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    wacc_wasi2 *w = wacc_wasi2_new(&cfg, err);
    if (w == NULL) {
        fprintf(stderr, "resource-host: %s\n", err);
        return 1;
    }
    wacc_component_host wasi;
    wacc_wasi2_host(w, &wasi);
    app_host_t h;               /* holds the resource type: must not move */
    table t;
    memset(&t, 0, sizeof t);
    if (!app_host_instantiate(&h, s, a, &wasi, err)) {
        fprintf(stderr, "resource-host: %s\n", err);
        return 1;
    }
    h.user = &t;
    int status = 0;
    app_list_string_t lines;
    if (!app_call_app_run(&h, &lines)) {
        printf("trap: %s\n", h.trap.message);
        status = 1;
    } else {
        for (size_t i = 0; i < lines.len; i++)
            printf("%.*s\n", (int)lines.ptr[i].len, (const char *)lines.ptr[i].ptr);
        app_list_string_free(&lines);
    }
    printf("%slive on the host: %u\n", t.log, wacc_counters_counters_live(&h));
    if (status == 0 && !notes(&h))
        status = 1;
    app_host_free(&h);
    wacc_store_free(s);
    wacc_wasi2_free(w);
    wacc_artifact_free(a);
    wacc_engine_free(e);
    return status;
}
