/*
 * lower_nogrow.c — which functions can run without any memory growing.
 *
 * Address anchoring (lower_func.c anchor_allowed) relies on memory 0 not
 * being full (4 GiB) while the code runs; a function tests that once at
 * entry, which holds for its whole run if nothing it calls can grow the
 * memory. That was known only for leaf functions; this finds the calls
 * that cannot grow it either.
 *
 * never_grows[f] (a greatest fixpoint over the call graph, so recursion
 * among such functions is fine): f is defined here, has no memory.grow and
 * no call_indirect / return_call_indirect, and every function it calls or
 * tail-calls never grows. Imports are never trusted: a host function, or
 * a component's lowered import (which may call the guest's realloc), can
 * grow the memory.
 *
 * lower_body_nogrow(m, f) then says whether f's own frame can see memory
 * 0 grow: a memory.grow or call_indirect in its body, or a call to a
 * function that may grow. Tail calls leave the frame first and are not
 * counted (as in the leaf test before).
 */
#include <stdlib.h>

#include "lower.h"

/* Scan one body. *bad: memory.grow, call_indirect or return_call_indirect.
 * Calls and tail calls go to callees[0..*n) (grown as needed). */
static bool scan_body(const wasm_module *m, const wasm_code *code, bool *bad,
                      uint32_t **callees, uint32_t *n, uint32_t *cap)
{
    wasm_reader r;
    wasm_error we;
    bool ok = true;
    *bad = false;
    *n = 0;
    wasm_reader_init(&r, m->bytes, code->body, code->end);
    while (ok && !*bad && r.p < r.end) {
        wasm_insn in;
        if (!wasm_read_insn(&r, &in, &we)) {
            *bad = true;
        } else if (in.op == WASM_OP_MEMORY_GROW || in.op == WASM_OP_CALL_INDIRECT ||
                   in.op == WASM_OP_RETURN_CALL_INDIRECT) {
            *bad = true;
        } else if (in.op == WASM_OP_CALL || in.op == WASM_OP_RETURN_CALL) {
            if (*n == *cap) {
                uint32_t nc = *cap ? *cap * 2 : 64;
                uint32_t *p = realloc(*callees, nc * sizeof *p);
                if (!p) {
                    ok = false;
                    break;
                }
                *callees = p;
                *cap = nc;
            }
            (*callees)[(*n)++] = in.imm.idx;
        }
    }
    wasm_reader_free(&r);
    return ok;
}

bool *lower_never_grows(const wasm_module *m)
{
    uint32_t nf = m->nfuncs, ni = m->nimported_funcs;
    bool *ng = calloc(nf ? nf : 1, sizeof *ng);
    uint32_t *start = calloc((size_t)nf + 1, sizeof *start);
    uint32_t *edges = NULL, *tmp = NULL, nedges = 0, ecap = 0, tcap = 0;
    uint32_t *rstart = NULL, *redges = NULL, *queue = NULL;
    if (!ng || !start)
        goto fail;
    /* the call graph in CSR form: callees of f at edges[start[f]..start[f+1]) */
    for (uint32_t f = 0; f < nf; f++) {
        start[f] = nedges;
        if (f < ni || f - ni >= m->ncodes)
            continue;
        bool bad;
        uint32_t n;
        if (!scan_body(m, &m->codes[f - ni], &bad, &tmp, &n, &tcap))
            goto fail;
        ng[f] = !bad;
        if (bad)
            continue;
        if (nedges + n > ecap || !edges) {
            uint32_t nc = ecap ? ecap : 256;
            while (nc < nedges + n)
                nc *= 2;
            uint32_t *p = realloc(edges, nc * sizeof *p);
            if (!p)
                goto fail;
            edges = p;
            ecap = nc;
        }
        for (uint32_t i = 0; i < n; i++)
            edges[nedges++] = tmp[i];
    }
    start[nf] = nedges;
    /* callers in CSR form (rstart/redges), then drop every caller of a
     * function that may grow, transitively (a worklist: linear time) */
    rstart = calloc((size_t)nf + 2, sizeof *rstart);
    redges = malloc((nedges ? nedges : 1) * sizeof *redges);
    queue = malloc((nf ? nf : 1) * sizeof *queue);
    if (!rstart || !redges || !queue)
        goto fail;
    for (uint32_t e = 0; e < nedges; e++)
        if (edges[e] < nf)
            rstart[edges[e] + 2]++;
    for (uint32_t f = 0; f < nf; f++)
        rstart[f + 2] += rstart[f + 1];
    for (uint32_t f = 0; f < nf; f++)
        for (uint32_t e = start[f]; e < start[f + 1]; e++)
            if (edges[e] < nf)
                redges[rstart[edges[e] + 1]++] = f;
    /* now the callers of g are redges[rstart[g]..rstart[g+1]) */
    uint32_t qn = 0;
    for (uint32_t f = 0; f < nf; f++) {
        if (!ng[f])
            queue[qn++] = f;
        else
            for (uint32_t e = start[f]; e < start[f + 1]; e++)
                if (edges[e] >= nf) {     /* invalid index: never trusted */
                    ng[f] = false;
                    queue[qn++] = f;
                    break;
                }
    }
    while (qn) {
        uint32_t g = queue[--qn];
        for (uint32_t e = rstart[g]; e < rstart[g + 1]; e++) {
            uint32_t f = redges[e];
            if (ng[f]) {
                ng[f] = false;
                queue[qn++] = f;
            }
        }
    }
    free(rstart);
    free(redges);
    free(queue);
    free(start);
    free(edges);
    free(tmp);
    return ng;
fail:
    free(rstart);
    free(redges);
    free(queue);
    free(ng);
    free(start);
    free(edges);
    free(tmp);
    return NULL;
}

bool lower_body_nogrow(const wasm_module *m, const bool *never_grows, const wasm_code *code)
{
    wasm_reader r;
    wasm_error we;
    bool ok = true;
    wasm_reader_init(&r, m->bytes, code->body, code->end);
    while (ok && r.p < r.end) {
        wasm_insn in;
        if (!wasm_read_insn(&r, &in, &we))
            ok = false;
        else if (in.op == WASM_OP_MEMORY_GROW || in.op == WASM_OP_CALL_INDIRECT)
            ok = false;
        else if (in.op == WASM_OP_CALL)
            ok = never_grows && in.imm.idx < m->nfuncs && never_grows[in.imm.idx];
    }
    wasm_reader_free(&r);
    return ok;
}
