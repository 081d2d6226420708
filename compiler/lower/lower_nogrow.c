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
 * frame_nogrow[f], recorded by the same scan, says whether f's own frame
 * can see memory 0 grow: it cannot when f has no memory.grow or
 * call_indirect and every function it calls never grows. Tail calls
 * leave the frame first and are not counted (as in the leaf test before).
 */
#include <stdlib.h>

#include "lower.h"

/* Scan one body. *bad: memory.grow or call_indirect; *tail_bad:
 * return_call_indirect. Calls and tail calls go to callees[0..*n) (grown
 * as needed), tail[i] set for a tail call. Stops at the first *bad. */
static bool scan_body(const wasm_module *m, const wasm_code *code, bool *bad, bool *tail_bad,
                      uint32_t **callees, uint8_t **tail, uint32_t *n, uint32_t *cap)
{
    wasm_reader r;
    wasm_error we;
    bool ok = true;
    *bad = *tail_bad = false;
    *n = 0;
    wasm_reader_init(&r, m->bytes, code->body, code->end);
    while (ok && !*bad && r.p < r.end) {
        wasm_insn in;
        if (!wasm_read_insn(&r, &in, &we)) {
            *bad = true;
        } else if (in.op == WASM_OP_MEMORY_GROW || in.op == WASM_OP_CALL_INDIRECT) {
            *bad = true;
        } else if (in.op == WASM_OP_RETURN_CALL_INDIRECT) {
            *tail_bad = true;
        } else if (in.op == WASM_OP_CALL || in.op == WASM_OP_RETURN_CALL) {
            if (*n == *cap) {
                uint32_t nc = *cap ? *cap * 2 : 64;
                uint32_t *p = realloc(*callees, nc * sizeof *p);
                if (p)
                    *callees = p;
                uint8_t *t = p ? realloc(*tail, nc) : NULL;
                if (!t) {
                    ok = false;
                    break;
                }
                *tail = t;
                *cap = nc;
            }
            (*tail)[*n] = in.op == WASM_OP_RETURN_CALL;
            (*callees)[(*n)++] = in.imm.idx;
        }
    }
    wasm_reader_free(&r);
    return ok;
}

bool lower_never_grows(const wasm_module *m, bool **never_grows, bool **frame_nogrow)
{
    uint32_t nf = m->nfuncs, ni = m->nimported_funcs;
    bool *ng = calloc(nf ? nf : 1, sizeof *ng);
    bool *fr = calloc(nf ? nf : 1, sizeof *fr);
    uint32_t *start = calloc((size_t)nf + 1, sizeof *start);
    uint32_t *edges = NULL, *tmp = NULL, nedges = 0, ecap = 0, tcap = 0;
    uint8_t *etail = NULL, *ttmp = NULL;
    uint32_t *rstart = NULL, *redges = NULL, *queue = NULL;
    *never_grows = *frame_nogrow = NULL;
    if (!ng || !fr || !start)
        goto fail;
    /* the call graph in CSR form: callees of f at edges[start[f]..start[f+1]) */
    for (uint32_t f = 0; f < nf; f++) {
        start[f] = nedges;
        if (f < ni || f - ni >= m->ncodes)
            continue;
        bool bad, tail_bad;
        uint32_t n;
        if (!scan_body(m, &m->codes[f - ni], &bad, &tail_bad, &tmp, &ttmp, &n, &tcap))
            goto fail;
        ng[f] = !bad && !tail_bad;
        fr[f] = !bad;
        if (bad)
            continue;
        if (nedges + n > ecap || !edges) {
            uint32_t nc = ecap ? ecap : 256;
            while (nc < nedges + n)
                nc *= 2;
            uint32_t *p = realloc(edges, nc * sizeof *p);
            if (p)
                edges = p;
            uint8_t *t = p ? realloc(etail, nc) : NULL;
            if (!t)
                goto fail;
            etail = t;
            ecap = nc;
        }
        for (uint32_t i = 0; i < n; i++) {
            etail[nedges] = ttmp[i];
            edges[nedges++] = tmp[i];
        }
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
    /* a frame that calls (not tail-calls) a function that may grow */
    for (uint32_t f = 0; f < nf; f++)
        for (uint32_t e = start[f]; fr[f] && e < start[f + 1]; e++)
            if (!etail[e] && (edges[e] >= nf || !ng[edges[e]]))
                fr[f] = false;
    *never_grows = ng;
    *frame_nogrow = fr;
    ng = fr = NULL;
fail:
    free(rstart);
    free(redges);
    free(queue);
    free(ng);
    free(fr);
    free(start);
    free(edges);
    free(etail);
    free(tmp);
    free(ttmp);
    return *never_grows != NULL;
}
