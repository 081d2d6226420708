/*
 * lower_loops.h — internal to compiler/lower: the control-flow graph of an
 * optimised function and its loops, shared by the interruption checks
 * (lower_interrupt.c) and loop versioning (lower_version.c). Blocks are
 * numbered in function order; block 0 is the entry.
 */
#ifndef WACC_LOWER_LOOPS_H
#define WACC_LOWER_LOOPS_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>

/* a map of basic blocks (or any pointers) to indices, open addressing */
typedef struct bbmap {
    const void **keys;
    uint32_t *vals;
    uint32_t cap;               /* power of two */
} bbmap;

bool bbmap_init(bbmap *m, uint32_t n);
void bbmap_put(bbmap *m, const void *b, uint32_t v);
uint32_t bbmap_get(const bbmap *m, const void *b);      /* UINT32_MAX: absent */
void bbmap_free(bbmap *m);

typedef struct edge { uint32_t from, to; } edge;

/* The value phi takes on the edge from block `from` (NULL: no such edge;
 * several edges from one block carry one value). */
LLVMValueRef phi_from(LLVMValueRef phi, LLVMBasicBlockRef from);

/* A dead end: a block that ends in unreachable (a trap's). */
bool dead_end(LLVMBasicBlockRef bb);

/* The control-flow graph of a function as it is now: its n blocks in
 * function order (bbs, block 0 the entry) and their indices (idx), the
 * back edges (es, ne; back_edges) and the predecessor lists (pstart, pred;
 * predecessors). Built by the interruption checks, loop versioning and
 * outer-loop interleaving, again after each change to the blocks. */
typedef struct fn_cfg {
    uint32_t n, ne;
    LLVMBasicBlockRef *bbs;
    bbmap idx;
    edge *es;
    uint32_t *pstart, *pred;
} fn_cfg;

/* false: out of memory (fn_cfg_free then frees what was built). */
bool fn_cfg_build(LLVMValueRef fn, fn_cfg *g);
void fn_cfg_free(fn_cfg *g);

/* The predecessor lists of the n blocks, CSR: the predecessors of block u
 * are pred[pstart[u] .. pstart[u + 1]). */
bool predecessors(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, uint32_t **pstart, uint32_t **pred);

/* The back edges found by a depth-first search from the entry (every
 * cycle has one); NULL when out of memory. */
edge *back_edges(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, uint32_t *nedges);

/* The blocks of the loop of header h into in[] (n entries): those that
 * reach a latch of h without passing h. Returns their number, 0 when h
 * does not dominate them (an irreducible loop). work: n slots. */
uint32_t loop_blocks(uint32_t n, const uint32_t *pstart, const uint32_t *pred, const edge *es, uint32_t ne,
                     uint32_t h, uint8_t *in, uint32_t *work);

#define BOUND_TRIPS 4096          /* at most this many iterations per entry */
#define BOUND_WORK (1u << 20)     /* and iterations * the loop's instructions */
#define BOUND_STARTS 8            /* distinct constant start values tried */

typedef struct loopinfo {
    uint32_t h;                 /* header */
    uint8_t *in;                /* in[u]: block u is in the loop */
    uint32_t *work;             /* n slots */
} loopinfo;

/* v is base + d (d a constant of base's width, wrapping; see the .c). */
bool offset_of(LLVMValueRef v, LLVMValueRef base, uint64_t *d);

/* Does block e run in every iteration of loop L (on every path from its
 * header to a latch)? */
bool on_every_iteration(LLVMBasicBlockRef *bbs, const bbmap *idx, const edge *es, uint32_t ne, loopinfo *L,
                        uint32_t n, uint32_t e);

/* Is the loop of header h bounded by constants (lower_interrupt.c's
 * header)? dropped[]: the headers found bounded so far. Returns the work
 * of one entry (iterations * instructions, <= BOUND_WORK), 0 if not. */
uint64_t bounded_loop(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, const uint32_t *pstart,
                      const uint32_t *pred, const edge *es, uint32_t ne, uint32_t h, const uint8_t *dropped,
                      uint8_t *in, uint32_t *work);

/* In every phi of h, the incoming block `from` becomes `to` (one entry:
 * `from` may have reached h through several edges); uses builder b. */
void retarget_phis(LLVMBuilderRef b, LLVMBasicBlockRef h, LLVMBasicBlockRef from, LLVMBasicBlockRef to);

/* Values of a loop (blocks in[]) used past it. loop_used_outside: does
 * `user` use the loop's value i outside the loop (not in a block of the
 * map idx, e.g. a copy made since, counts as inside), other than in an
 * exit's phi on an edge from the loop? loop_outside_uses: can every such
 * use be given a phi where the copies of the loop meet, i.e. the loop has
 * one exit block besides dead ends, with every predecessor in the loop
 * (*exit; UINT32_MAX: none or several), and no such use is in a dead end?
 * *repair: there are such uses. loop_repair_uses: they take phi instead
 * of i (false: out of memory). */
bool loop_used_outside(const bbmap *idx, const uint8_t *in, LLVMValueRef i, LLVMValueRef user);
bool loop_outside_uses(LLVMBasicBlockRef *bbs, uint32_t n, const bbmap *idx, const uint32_t *pstart,
                       const uint32_t *pred, const uint8_t *in, uint32_t *exit, bool *repair);
bool loop_repair_uses(const bbmap *idx, const uint8_t *in, LLVMValueRef i, LLVMValueRef phi);

/* lower_version.c: version the innermost loops of fn whose trip count a
 * runtime test can bound (see there); their copies' headers go into
 * *clones (malloc'd, *nclones entries), for the caller to leave without
 * polls. false: out of memory. */
bool version_loops(LLVMValueRef fn, LLVMBuilderRef b, LLVMBasicBlockRef **clones, uint32_t *nclones);

/* lower_jam.c: run two iterations of an outer loop at once around a pure
 * inner loop with a data-dependent exit (see there). false: out of
 * memory. */
bool jam_loops(LLVMValueRef fn, LLVMBuilderRef b);

#endif
