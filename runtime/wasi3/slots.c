/*
 * slots.c — w3_slots (w3_int.h): the reps 1.. that the 0.3 hosts give
 * their resources, an array of pointers whose free slots are reused.
 */
#include <stdlib.h>

#include "w3_int.h"

uint32_t w3_slot_add(w3_slots *t, void *obj)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (!t->v[i]) {
            t->v[i] = obj;
            return i + 1;
        }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 16;
        void **v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return 0;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = obj;
    return t->n;
}

void *w3_slot_get(const w3_slots *t, uint64_t rep)
{
    return rep && rep <= t->n ? t->v[rep - 1] : NULL;
}

void *w3_slot_take(w3_slots *t, uint64_t rep)
{
    void *o = w3_slot_get(t, rep);
    if (o)
        t->v[rep - 1] = NULL;
    return o;
}

void w3_slots_free(w3_slots *t)
{
    free(t->v);
    *t = (w3_slots){ 0 };
}
