// guest.c — the guest of tests/polyglot/resource on `wacc bindgen c`
// bindings of world `app`: uses every kind of function of the host's
// resource `counter` (own and borrow handles, drops) and implements
// resource `note` for the host.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static void line(app_list_string_t *out, const char *fmt, unsigned a, unsigned b)
{
    char buf[128];
    int n = snprintf(buf, sizeof buf, fmt, a, b);
    out->ptr = realloc(out->ptr, (out->len + 1) * sizeof *out->ptr);
    app_string_dup_n(&out->ptr[out->len++], buf, (size_t)n);
}

void exports_app_run(app_list_string_t *ret)
{
    typedef wacc_counters_counters_own_counter_t own;
    ret->ptr = NULL;
    ret->len = 0;
    app_string_t name;
    app_string_set(&name, "apples");
    own a = wacc_counters_counters_constructor_counter(&name, 5);
    app_string_set(&name, "pears");
    own b = wacc_counters_counters_constructor_counter(&name, 10);
    wacc_counters_counters_borrow_counter_t ba = wacc_counters_counters_borrow_counter(a);
    wacc_counters_counters_borrow_counter_t bb = wacc_counters_counters_borrow_counter(b);
    wacc_counters_counters_method_counter_add(ba, 3);
    line(ret, "a = %u, b = %u", wacc_counters_counters_method_counter_get(ba),
         wacc_counters_counters_method_counter_get(bb));
    app_string_t nm;
    wacc_counters_counters_method_counter_name(bb, &nm);
    char text[64];
    snprintf(text, sizeof text, "b is %.*s", (int)nm.len, (const char *)nm.ptr);
    app_string_free(&nm);
    line(ret, text, 0, 0);
    own c = wacc_counters_counters_static_counter_sum(ba, bb);
    line(ret, "sum = %u, live = %u", wacc_counters_counters_method_counter_get(wacc_counters_counters_borrow_counter(c)),
         wacc_counters_counters_live());
    wacc_counters_counters_counter_drop_own(a);
    line(ret, "after dropping a: live = %u", wacc_counters_counters_live(), 0);
    line(ret, "consume(c) = %u", wacc_counters_counters_consume(c), 0);
    line(ret, "live = %u", wacc_counters_counters_live(), 0);
    wacc_counters_counters_counter_drop_own(b);
    line(ret, "at the end: live = %u", wacc_counters_counters_live(), 0);
}

/* ---- resource note, for the host ---- */
typedef exports_wacc_counters_notes_own_note_t own_note;

struct exports_wacc_counters_notes_note_t {
    char *text;
    size_t len;
};

static uint32_t alive;

static own_note make(const char *a, size_t an, const char *b, size_t bn)
{
    exports_wacc_counters_notes_note_t *n = malloc(sizeof *n);
    n->len = an + bn;
    n->text = malloc(n->len + 1);
    memcpy(n->text, a, an);
    memcpy(n->text + an, b, bn);
    alive++;
    return exports_wacc_counters_notes_note_new(n);
}

own_note exports_wacc_counters_notes_constructor_note(app_string_t *text)
{
    own_note h = make((const char *)text->ptr, text->len, "", 0);
    app_string_free(text);
    return h;
}

void exports_wacc_counters_notes_method_note_text(exports_wacc_counters_notes_borrow_note_t self, app_string_t *ret)
{
    app_string_dup_n(ret, self->text, self->len);
}

void exports_wacc_counters_notes_method_note_append(exports_wacc_counters_notes_borrow_note_t self,
                                                    app_string_t *more)
{
    self->text = realloc(self->text, self->len + more->len + 1);
    memcpy(self->text + self->len, more->ptr, more->len);
    self->len += more->len;
    app_string_free(more);
}

own_note exports_wacc_counters_notes_static_note_join(exports_wacc_counters_notes_borrow_note_t a,
                                                      exports_wacc_counters_notes_borrow_note_t b)
{
    return make(a->text, a->len, b->text, b->len);
}

uint32_t exports_wacc_counters_notes_alive(void) { return alive; }

uint32_t exports_wacc_counters_notes_consume(own_note n)
{
    uint32_t len = (uint32_t)exports_wacc_counters_notes_note_rep(n)->len;
    exports_wacc_counters_notes_note_drop_own(n);     /* the destructor runs */
    return len;
}

void exports_wacc_counters_notes_note_destructor(exports_wacc_counters_notes_note_t *rep)
{
    free(rep->text);
    free(rep);
    alive--;
}
