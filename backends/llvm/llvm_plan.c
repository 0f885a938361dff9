// SPDX-License-Identifier: MIT
/* llvm_plan.c: the per-thread workspace plan of a generated library. Every value and
 * every op's scratch buffer gets a 64-byte aligned region of one workspace, allocated
 * once by NAME_create; a value's region is reused once its last reader has run
 * (activations share memory by liveness). A flatten result shares its operand's
 * region, so the operand lives as long as either. First fit over a free list kept
 * sorted and coalesced; the plan is computed while the ops are generated, in order. */
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "llvm_dwlevels.h"
#include "llvm_gen.h"
#include "llvm_int8.h"

typedef struct Region {
    uint64_t off, size;
    uint32_t owner; // the value (its root), or UINT32_MAX for an op's scratch
} Region;

struct GPlan {
    uint32_t *root; // per value: whose storage it uses (flatten aliases), else itself
    uint32_t *last; // per root: the last instruction reading it (UINT32_MAX: an output)
    Region *live;
    uint32_t nlive, caplive;
    Region *free; // sorted by offset, coalesced
    uint32_t nfree, capfree;
    uint64_t *packed; // per root: words per example when stored packed (g_plan_packed)
    bool *excl;       // per root: a region of its own, zeroed once (g_plan_exclusive)
    bool *fused;      // per value: an icomb computed inside its threshold (g_plan_fused)
    uint32_t *epi;    // per bpop result: the value its epilogue writes (g_plan_epilogue)
    bool *convpk;     // per value: stored as a convolution's packed input (g_plan_conv_packed)
    bool *skip;       // per value: computed by a bpop's epilogue, not by its op
    uint32_t *fepi;   // per float conv2d result: the sign its tile writes (g_plan_float_epi)
    uint32_t *outk;   // per value: the output whose buffer may hold it (g_plan_output)
};

static void *grow(void *p, uint32_t *cap, size_t size)
{
    *cap = *cap ? *cap * 2 : 16;
    void *q = realloc(p, *cap * size);
    HB_CHECK(q, "out of memory");
    return q;
}

/* The bits values that only bit-serial bpop_dense ops read (directly or through
 * flatten; an fcomb reads only their scales), made by sign or threshold: stored as the
 * kernel's packed words, so that the producer binarizes and packs in one pass and the
 * bpop reads them as they are (cpu.md §4 "binarize and pack"). */
static void plan_packed(G *g, GPlan *p)
{
    const IrModule *m = g->m;
    uint32_t nv = m->values.len;
    bool *bad = calloc(nv + 1, sizeof *bad), *read = calloc(nv + 1, sizeof *read);
    HB_CHECK(bad && read, "out of memory");
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        for (uint32_t a = 0; a < in->nargs; a++) {
            if (in->args[a].is_const)
                continue;
            uint32_t r = p->root[in->args[a].id];
            bool bpop = in->op == IR_OP_BPOP_DENSE && a == 0 && !(g->int8 && g->int8[k]);
            read[r] |= bpop;
            bad[r] |= !bpop && in->op != IR_OP_FLATTEN && !(in->op == IR_OP_FCOMB && a == 1);
        }
    }
    for (uint32_t k = 0; k < m->outputs.len; k++)
        bad[p->root[m->outputs.data[k]]] = true;
    for (uint32_t v = 0; v < nv; v++) {
        const IrValue *x = &m->values.data[v];
        IrOp op = m->insts.data[x->def].op;
        if (p->root[v] != v || bad[v] || !read[v] || x->type.masked ||
            (op != IR_OP_SIGN && op != IR_OP_THRESHOLD))
            continue;
        p->packed[v] = (uint64_t)x->type.bits * ((ir_type_elems(&x->type) + 63) / 64);
    }
    free(bad);
    free(read);
}

/* Per value: how many instructions read it (outputs count 2) and the last one; whether a
 * flatten or bpop_dense reads it (plan_packed may then store it as packed words). */
static void count_readers(const IrModule *m, uint32_t *readers, uint32_t *reader, bool *dense)
{
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        for (uint32_t a = 0; a < in->nargs; a++)
            if (!in->args[a].is_const) {
                readers[in->args[a].id]++;
                reader[in->args[a].id] = k;
                dense[in->args[a].id] |= in->op == IR_OP_FLATTEN || in->op == IR_OP_BPOP_DENSE;
            }
    }
    for (uint32_t k = 0; k < m->outputs.len; k++)
        readers[m->outputs.data[k]] += 2;
}

/* Who reads each value (count_readers) and which values only bit-serial convolutions
 * read (conv_readers): what the epilogue rules ask. */
typedef struct Readers {
    const IrModule *m;
    uint32_t *readers, *reader;
    bool *conv, *dense;
} Readers;

/* The single reader of v if it is an `op` reading v as operand 0, else NULL. */
static const IrInst *only_reader(const Readers *r, uint32_t v, IrOp op)
{
    if (r->readers[v] != 1)
        return NULL;
    const IrInst *in = &r->m->insts.data[r->reader[v]];
    return in->op == op && !in->args[0].is_const && in->args[0].id == v ? in : NULL;
}

/* conv[v]: v is read, and only as the input of bit-serial one-group bpop_conv2d ops or
 * bit-sliced depthwise ones (one pass over the module). */
static void conv_readers(G *g, bool *conv)
{
    const IrModule *m = g->m;
    uint32_t nv = m->values.len;
    bool *bad = calloc(nv + 1, sizeof *bad);
    HB_CHECK(bad, "out of memory");
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        for (uint32_t a = 0; a < in->nargs; a++) {
            if (in->args[a].is_const)
                continue;
            bool ok = in->op == IR_OP_BPOP_CONV2D && a == 0 &&
                      ((ir_bpop_conv2d_groups(in) == 1 && !(g->int8 && g->int8[k])) ||
                       (g->dws && g->dws[k]));
            conv[in->args[a].id] |= ok;
            bad[in->args[a].id] |= !ok;
        }
    }
    for (uint32_t v = 0; v < nv; v++)
        conv[v] &= !bad[v];
    free(bad);
}

static Readers readers_of(G *g)
{
    uint32_t nv = g->m->values.len;
    Readers r = {.m = g->m,
                 .readers = calloc(nv + 1, sizeof *r.readers),
                 .reader = calloc(nv + 1, sizeof *r.reader),
                 .conv = calloc(nv + 1, sizeof *r.conv),
                 .dense = calloc(nv + 1, sizeof *r.dense)};
    HB_CHECK(r.readers && r.reader && r.conv && r.dense, "out of memory");
    count_readers(g->m, r.readers, r.reader, r.dense);
    conv_readers(g, r.conv);
    return r;
}

static void readers_free(Readers *r)
{
    free(r->readers);
    free(r->reader);
    free(r->conv);
    free(r->dense);
}

/* A maxpool whose windows tile its input (stride = kernel, no padding) on unmasked
 * bits: 1-bit, an OR of the producer's bits into the pooled word; multi-bit, a max of
 * code ranks (ir_code_ranks) against the pooled code so far, which starts as the zeroed
 * words: so code 0 (every plane -beta) must have the lowest rank. */
static bool tile_pool(const IrModule *m, const IrInst *in)
{
    const IrType *t = ir_arg_type(m, in->args[0]);
    IrWindow w = ir_window(m, in);
    if (t->masked || w.kh != w.sh || w.kw != w.sw || w.pt || w.pb || w.pl || w.pr)
        return false;
    uint16_t rank[IR_CODE_RANKS];
    return t->bits == 1 ||
           (ir_code_ranks(m, t, rank) && rank[ir_code_index(0, t->bits, t->bits)] == 0);
}

/* The threshold (of 1 or 2 planes) of bpop `in` -> icomb -> threshold, each the only
 * reader of the one before, or NULL. */
static const IrInst *dws_threshold(const Readers *r, const IrInst *in)
{
    const IrInst *ic = only_reader(r, in->result, IR_OP_ICOMB);
    const IrInst *th = ic ? only_reader(r, ic->result, IR_OP_THRESHOLD) : NULL;
    return th && r->m->values.data[th->result].type.bits <= 2 ? th : NULL;
}

/* Sums mode of depthwise `in` (1-plane input): its pair sums read only by an fcomb, at
 * most 1024 channels, and (several planes) each channel's masks full or empty, at most
 * 3 planes. */
static bool sums_ok(const IrModule *m, const Readers *r, const IrInst *in)
{
    const IrConst *c = &m->consts.data[in->args[1].id];
    IrWindow w = ir_window(m, in);
    if (!only_reader(r, in->result, IR_OP_FCOMB) || w.C > 1024 ||
        ir_arg_type(m, in->args[0])->bits != 1 || c->type.bits > 3)
        return false;
    int *wid = malloc((size_t)w.C * sizeof *wid);
    HB_CHECK(wid, "out of memory");
    bool ok = c->type.bits == 1 || bpop_row_widths(c, w.kh * w.kw, wid);
    free(wid);
    return ok;
}

bool *g_dws_layers(G *g, uint8_t *planes, uint8_t *qbits)
{
    const IrModule *m = g->m;
    bool *d = arena_calloc(&g->cx->arena, m->insts.len + 1, sizeof *d);
    HB_CHECK(!g->dws, "the bit-sliced layers are found before they are used");
    Readers r = readers_of(g); // conv: the one-group bit-serial readers
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        bool levels = dwl_shape_ok(m, in);   // multi-plane weights (llvm_dwlevels.c)
        if (!levels && !dws_shape_ok(m, in)) // (its own int8 choice is the caller's to override)
            continue;
        const IrInst *th = dws_threshold(&r, in);
        DwLevels lv = {.qb = 0};
        d[k] = th && r.conv[th->result] && (!levels || dwl_plan(&g->cx->arena, m, in, th, &lv));
        if (d[k] && planes)
            planes[k] = (uint8_t)m->values.data[th->result].type.bits;
        if (d[k] && qbits)
            qbits[k] = (uint8_t)lv.qb;
        if (!d[k] && sums_ok(m, &r, in))
            d[k] = true; // sums mode (planes[k] stays 0)
    }
    readers_free(&r);
    return d;
}

/* bpop `in` -> fcomb [-> batchnorm], each the only reader of the one before, the
 * fcomb reading the scales of the bpop's own input: the value the tile epilogue writes
 * as floats (UINT32_MAX: none). */
static uint32_t float_dest(const Readers *r, const IrInst *in)
{
    const IrInst *fc = only_reader(r, in->result, IR_OP_FCOMB);
    if (!fc || fc->args[1].is_const || in->args[0].is_const || fc->args[1].id != in->args[0].id)
        return UINT32_MAX;
    const IrInst *bn = only_reader(r, fc->result, IR_OP_BATCHNORM);
    return bn ? bn->result : fc->result;
}

/* bits value d [-> flatten] -> dequant, each the only reader of the one before, the
 * dequant's floats read once (the classifier after the last pool): that float value
 * (UINT32_MAX: none). Its levels are compile-time constants (unit or static scales). */
static uint32_t dequant_dest(const Readers *r, uint32_t d)
{
    const IrInst *f = only_reader(r, d, IR_OP_FLATTEN);
    const IrInst *dq = only_reader(r, f ? f->result : d, IR_OP_DEQUANT);
    const IrType *t = &r->m->values.data[d].type;
    if (!dq || t->masked || t->scale == IR_SC_RUNTIME || r->readers[dq->result] != 1)
        return UINT32_MAX;
    return dq->result;
}

uint32_t g_epi_bits(const IrModule *m, uint32_t dest)
{
    while (m->insts.data[m->values.data[dest].def].op == IR_OP_DEQUANT ||
           m->insts.data[m->values.data[dest].def].op == IR_OP_FLATTEN)
        dest = m->insts.data[m->values.data[dest].def].args[0].id;
    return dest;
}

/* bpop_conv2d -> icomb -> threshold [-> maxpool] -> bit-serial convolutions, each
 * the only reader of the one before: the bpop kernel's tile epilogue combines, compares
 * and writes the next convolution's packed input words (cpu.md §4 "fuse into the
 * producer's epilogue"); the pair sums, acc and bytes are never stored. Or the same
 * chain into [flatten ->] dequant (dequant_dest): the tile writes the (pooled) level
 * floats, a pool being a float max (the order of the code ranks). Or
 * bpop_conv2d or (constant activation scales: a dense tile's columns are examples)
 * bpop_dense -> fcomb [-> batchnorm] (float_dest): the epilogue combines in double and
 * writes the float result. dest[k] is the value bpop instruction k writes so
 * (UINT32_MAX: none). */
void g_epilogues(G *g, uint32_t *dest, bool *codes)
{
    const IrModule *m = g->m;
    Readers r = readers_of(g);
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        dest[k] = UINT32_MAX;
        if (codes)
            codes[k] = false;
        if (g->int8 && g->int8[k])
            continue;
        if (in->op == IR_OP_BPOP_DENSE) { // its tile's columns are examples: one β each
            if (m->values.data[in->args[0].id].type.scale != IR_SC_RUNTIME)
                dest[k] = float_dest(&r, in); // (only when the scales are constants)
            continue;
        }
        if (in->op != IR_OP_BPOP_CONV2D)
            continue;
        if (g->dws && g->dws[k]) { // bit-sliced: writes the threshold's packed words, or
            const IrInst *th = dws_threshold(&r, in); // (sums mode) the fcomb's floats
            dest[k] = th && r.conv[th->result] ? th->result : float_dest(&r, in);
            continue;
        }
        if (bpop_epilogue_ok(g, in, true))
            dest[k] = float_dest(&r, in);
        if (dest[k] != UINT32_MAX || !bpop_epilogue_ok(g, in, false))
            continue;
        const IrInst *ic = only_reader(&r, in->result, IR_OP_ICOMB);
        const IrInst *th = ic ? only_reader(&r, ic->result, IR_OP_THRESHOLD) : NULL;
        if (!th || m->values.data[th->result].type.bits > BPOP_EPI_MAX_BITS)
            continue;
        const IrInst *pool = only_reader(&r, th->result, IR_OP_MAXPOOL);
        if (pool && !tile_pool(m, pool))
            pool = NULL;
        uint32_t d = pool ? pool->result : th->result;
        // (bits values are never outputs: they are dequantized first)
        if (!dw_pairs_layer(g, in))
            dest[k] = r.conv[d] ? d : dequant_dest(&r, d);
        if (dest[k] == UINT32_MAX && !r.dense[th->result]) { // code bytes, as `threshold`
            dest[k] = th->result;                            // stores them unpacked
            if (codes)
                codes[k] = true;
        }
    }
    readers_free(&r);
}

/* The threshold epilogues' destinations are packed words with a zero column after the
 * image (what the consumer reads for columns outside), a depthwise kernel's are code
 * bytes; float ones are stored as their op would. The icomb, threshold and maxpool
 * (fcomb, batchnorm) emit nothing. */
static void plan_epilogue(G *g, GPlan *p)
{
    const IrModule *m = g->m;
    uint32_t *dest = calloc(m->insts.len + 1, sizeof *dest);
    bool *codes = calloc(m->insts.len + 1, sizeof *codes);
    HB_CHECK(dest && codes, "out of memory");
    g_epilogues(g, dest, codes);
    for (uint32_t k = 0; k < m->insts.len; k++) {
        uint32_t d = dest[k];
        if (d == UINT32_MAX)
            continue;
        const IrType *t = &m->values.data[d].type;
        uint64_t CW = ((uint64_t)t->d[0] + 63) / 64, pix = (uint64_t)(t->d[1] * t->d[2]);
        p->epi[m->insts.data[k].result] = d;
        if (t->enc == IR_BITS && !codes[k]) {
            p->packed[d] = (pix + 1) * (uint64_t)t->bits * CW;
            p->convpk[d] = true;
        }
        for (uint32_t v = d;; v = m->insts.data[m->values.data[v].def].args[0].id) {
            p->skip[v] = true; // dest, [the threshold,] the icomb (the fcomb)
            IrOp op = m->insts.data[m->values.data[v].def].op;
            if (op == IR_OP_ICOMB || op == IR_OP_FCOMB)
                break;
        }
    }
    free(dest);
    free(codes);
    bool *conv = calloc(m->values.len + 1, sizeof *conv);
    HB_CHECK(conv, "out of memory");
    conv_readers(g, conv);
    for (uint32_t v = 0; v < m->values.len; v++) { // signs packed for their convolutions
        const IrType *t = &m->values.data[v].type;
        if (!conv[v] || m->insts.data[m->values.data[v].def].op != IR_OP_SIGN || t->rank != 3)
            continue;
        p->packed[v] = ((uint64_t)(t->d[1] * t->d[2]) + 1) * (((uint64_t)t->d[0] + 63) / 64);
        p->convpk[v] = true;
    }
    free(conv);
}

/* A quant every element of which has the one width K, with static scales and at most
 * BPOP_EPI_MAX_BITS planes: the residual of each element alone (quant_static). */
static bool static_quant(const IrModule *m, const IrInst *q)
{
    const IrType *t = &m->values.data[q->result].type;
    return t->scale == IR_SC_STATIC && !t->masked && ir_quant_widths(q)->n == 1 &&
           t->bits <= BPOP_EPI_MAX_BITS;
}

/* conv2d -> [batchnorm ->] sign (or a static quant), each the only reader of the one
 * before, the sign
 * stored as a convolution's packed input (read only by bit-serial convolutions, rank 3):
 * the float conv's tile applies the batch norm and the sign rule and writes the packed
 * words itself (llvm_float_conv.c). Else conv2d -> batchnorm [-> relu], each the only
 * reader of the one before: the tile applies the batch norm [and relu] and writes that
 * value's floats. dest[k] is the value float conv2d instruction k writes so
 * (UINT32_MAX: none); also what --explain reports (llvm_cost.c). */
void g_float_epilogues(G *g, uint32_t *dest)
{
    const IrModule *m = g->m;
    Readers r = readers_of(g);
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        dest[k] = UINT32_MAX;
        if (in->op != IR_OP_CONV2D || !float_conv_epi_ok(g, in))
            continue;
        const IrInst *bn = only_reader(&r, in->result, IR_OP_BATCHNORM);
        if (bn && (!bn->args[1].is_const || !bn->args[2].is_const))
            continue;
        uint32_t y = bn ? bn->result : in->result;
        const IrInst *s = only_reader(&r, y, IR_OP_SIGN);
        s = s ? s : only_reader(&r, y, IR_OP_QUANT);
        if (s && s->op == IR_OP_QUANT && !static_quant(m, s))
            s = NULL;
        if (s && r.conv[s->result] && m->values.data[s->result].type.rank == 3) {
            dest[k] = s->result;
        } else if (bn) { // floats: the batch norm's [or the relu's after it]
            const IrInst *re = only_reader(&r, bn->result, IR_OP_RELU);
            dest[k] = re ? re->result : bn->result;
        }
    }
    readers_free(&r);
}

/* The float epilogues: the conv and batch norm floats are never stored, the batch norm
 * and sign emit nothing. */
static void plan_float_epilogue(G *g, GPlan *p)
{
    const IrModule *m = g->m;
    uint32_t *dest = calloc(m->insts.len + 1, sizeof *dest);
    HB_CHECK(dest, "out of memory");
    g_float_epilogues(g, dest);
    for (uint32_t k = 0; k < m->insts.len; k++) {
        uint32_t s = dest[k];
        if (s == UINT32_MAX)
            continue;
        const IrType *t = &m->values.data[s].type;
        if (t->enc != IR_BITS) { // batchnorm [-> relu]: they emit nothing
            p->fepi[m->insts.data[k].result] = s;
            for (uint32_t v = s; v != m->insts.data[k].result;
                 v = m->insts.data[m->values.data[v].def].args[0].id)
                p->skip[v] = true;
            continue;
        }
        if (!p->convpk[s]) { // a quant: K planes of packed words, the zero column after
            p->packed[s] = ((uint64_t)(t->d[1] * t->d[2]) + 1) * (uint64_t)t->bits *
                           (((uint64_t)t->d[0] + 63) / 64);
            p->convpk[s] = true;
        }
        p->fepi[m->insts.data[k].result] = s;
        p->skip[s] = true;
        const IrInst *sg = &m->insts.data[m->values.data[s].def];
        const IrInst *bn = &m->insts.data[m->values.data[sg->args[0].id].def];
        if (bn->op == IR_OP_BATCHNORM)
            p->skip[bn->result] = true;
    }
    free(dest);
}

uint32_t g_plan_float_epi(G *g, uint32_t v)
{
    return g->plan ? g->plan->fepi[v] : UINT32_MAX;
}

bool g_plan_conv_packed(G *g, uint32_t v)
{
    return g->plan && g->plan->convpk[v];
}

uint32_t g_plan_epilogue(G *g, uint32_t v)
{
    return g->plan ? g->plan->epi[v] : UINT32_MAX;
}

bool g_plan_skipped(G *g, uint32_t v)
{
    return g->plan && g->plan->skip[v];
}

/* An icomb whose only reader is a threshold (not an output, not an int8 kernel's) is
 * computed inside the threshold's loop from the pair sums: its own pass wrote and the
 * threshold re-read 4 bytes per output. The pair sums then live until the threshold. */
static void plan_fused(G *g, GPlan *p)
{
    const IrModule *m = g->m;
    uint32_t nv = m->values.len;
    uint32_t *readers = calloc(nv + 1, sizeof *readers);
    HB_CHECK(readers, "out of memory");
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        for (uint32_t a = 0; a < in->nargs; a++)
            if (!in->args[a].is_const)
                readers[in->args[a].id]++;
    }
    for (uint32_t k = 0; k < m->outputs.len; k++)
        readers[m->outputs.data[k]] += 2;
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op != IR_OP_THRESHOLD || in->args[0].is_const)
            continue;
        uint32_t v = in->args[0].id, def = m->values.data[v].def;
        const IrInst *ic = &m->insts.data[def];
        if (ic->op != IR_OP_ICOMB || readers[v] != 1 || p->root[v] != v || p->skip[v])
            continue;
        uint32_t S = ic->args[0].id, src = m->values.data[S].def;
        if (g->int8 && g->int8[src]) // the int8 kernel writes the icomb result itself
            continue;
        p->fused[v] = true;
        if (p->last[p->root[S]] != UINT32_MAX && p->last[p->root[S]] < k)
            p->last[p->root[S]] = k;
    }
    free(readers);
}

/* The outputs a producer may write in place (g_plan_output): listed once, made by an
 * op (not an input), neither a flatten's result nor its operand (shared storage), not
 * bits (stored as bytes or packed words, never the caller's layout). */
static void plan_outputs(G *g, GPlan *p)
{
    const IrModule *m = g->m;
    uint32_t nv = m->values.len;
    bool *bad = calloc(nv + 1, sizeof *bad);
    HB_CHECK(bad, "out of memory");
    memset(p->outk, 0xff, (nv + 1) * sizeof *p->outk);
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op == IR_OP_FLATTEN && !in->args[0].is_const)
            bad[in->result] = bad[p->root[in->args[0].id]] = true;
        bad[in->result] |= in->op == IR_OP_INPUT;
    }
    for (uint32_t k = 0; k < m->outputs.len; k++) {
        uint32_t v = m->outputs.data[k];
        bad[v] |= p->outk[v] != UINT32_MAX || p->root[v] != v ||
                  m->values.data[v].type.enc == IR_BITS || p->packed[v] || p->excl[v];
        p->outk[v] = k;
    }
    for (uint32_t v = 0; v < nv; v++)
        if (bad[v])
            p->outk[v] = UINT32_MAX;
    free(bad);
}

uint32_t g_plan_output(G *g, uint32_t v)
{
    return g->plan && !g->plan->excl[v] ? g->plan->outk[v] : UINT32_MAX;
}

bool g_plan_fused(G *g, uint32_t v)
{
    return g->plan && g->plan->fused[v];
}

uint64_t g_plan_packed(G *g, uint32_t v)
{
    return g->plan ? g->plan->packed[g->plan->root[v]] : 0;
}

void g_plan_begin(G *g)
{
    const IrModule *m = g->m;
    GPlan *p = calloc(1, sizeof *p);
    HB_CHECK(p, "out of memory");
    uint32_t nv = m->values.len + 1;
    p->root = calloc(nv, sizeof *p->root);
    p->last = calloc(nv, sizeof *p->last);
    HB_CHECK(p->root && p->last, "out of memory");
    for (uint32_t v = 0; v < m->values.len; v++) {
        p->root[v] = v;
        p->last[v] = m->values.data[v].def;
    }
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op == IR_OP_FLATTEN)
            p->root[in->result] = p->root[in->args[0].id];
        for (uint32_t a = 0; a < in->nargs; a++)
            if (!in->args[a].is_const && p->last[p->root[in->args[a].id]] < k)
                p->last[p->root[in->args[a].id]] = k;
        if (p->last[p->root[in->result]] < k)
            p->last[p->root[in->result]] = k;
    }
    for (uint32_t k = 0; k < m->outputs.len; k++)
        p->last[p->root[m->outputs.data[k]]] = UINT32_MAX;
    p->packed = calloc(nv, sizeof *p->packed);
    p->excl = calloc(nv, sizeof *p->excl);
    p->fused = calloc(nv, sizeof *p->fused);
    p->epi = malloc(nv * sizeof *p->epi);
    p->skip = calloc(nv, sizeof *p->skip);
    p->convpk = calloc(nv, sizeof *p->convpk);
    p->fepi = malloc(nv * sizeof *p->fepi);
    p->outk = malloc(nv * sizeof *p->outk);
    HB_CHECK(p->packed && p->excl && p->fused && p->epi && p->skip && p->convpk && p->fepi &&
                     p->outk,
             "out of memory");
    memset(p->epi, 0xff, nv * sizeof *p->epi);
    memset(p->fepi, 0xff, nv * sizeof *p->fepi);
    plan_packed(g, p);
    plan_epilogue(g, p);
    plan_float_epilogue(g, p);
    plan_fused(g, p);
    plan_outputs(g, p);
    g->plan = p;
}

void g_plan_end(G *g)
{
    GPlan *p = g->plan;
    free(p->root);
    free(p->last);
    free(p->packed);
    free(p->excl);
    free(p->fused);
    free(p->epi);
    free(p->skip);
    free(p->convpk);
    free(p->fepi);
    free(p->outk);
    free(p->live);
    free(p->free);
    free(p);
    g->plan = NULL;
}

void g_plan_exclusive(G *g, uint32_t v)
{
    g->plan->excl[g->plan->root[v]] = true;
}

uint64_t g_plan_place(G *g, uint64_t bytes)
{
    GPlan *p = g->plan;
    uint64_t size = bytes ? (bytes + 63) / 64 * 64 : 64, off = UINT64_MAX;
    bool excl = g->owner != UINT32_MAX && p->excl[p->root[g->owner]];
    for (uint32_t k = 0; k < p->nfree && off == UINT64_MAX && !excl; k++) {
        if (p->free[k].size < size)
            continue;
        off = p->free[k].off;
        p->free[k].off += size;
        p->free[k].size -= size;
        if (!p->free[k].size) {
            memmove(&p->free[k], &p->free[k + 1], (p->nfree - k - 1) * sizeof *p->free);
            p->nfree--;
        }
    }
    if (off == UINT64_MAX) {
        off = g->ws_bytes;
        g->ws_bytes += size;
    }
    if (p->nlive == p->caplive)
        p->live = grow(p->live, &p->caplive, sizeof *p->live);
    uint32_t owner = g->owner == UINT32_MAX ? UINT32_MAX : p->root[g->owner];
    p->live[p->nlive++] = (Region){off, size, owner};
    return off;
}

static void release(GPlan *p, Region r)
{
    uint32_t k = 0;
    while (k < p->nfree && p->free[k].off < r.off)
        k++;
    if (k > 0 && p->free[k - 1].off + p->free[k - 1].size == r.off) { // merge below
        p->free[k - 1].size += r.size;
        if (k < p->nfree && r.off + r.size == p->free[k].off) {
            p->free[k - 1].size += p->free[k].size;
            memmove(&p->free[k], &p->free[k + 1], (p->nfree - k - 1) * sizeof *p->free);
            p->nfree--;
        }
        return;
    }
    if (k < p->nfree && r.off + r.size == p->free[k].off) { // merge above
        p->free[k].off = r.off;
        p->free[k].size += r.size;
        return;
    }
    if (p->nfree == p->capfree)
        p->free = grow(p->free, &p->capfree, sizeof *p->free);
    memmove(&p->free[k + 1], &p->free[k], (p->nfree - k) * sizeof *p->free);
    p->free[k] = r;
    p->nfree++;
}

void g_plan_after(G *g, uint32_t k)
{
    GPlan *p = g->plan;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < p->nlive; i++) {
        Region r = p->live[i];
        if (r.owner != UINT32_MAX && p->excl[r.owner])
            continue; // never shared: what the workspace's zeroing left stays
        if (r.owner == UINT32_MAX || p->last[r.owner] <= k)
            release(p, r);
        else
            p->live[kept++] = r;
    }
    p->nlive = kept;
}
