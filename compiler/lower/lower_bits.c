// SPDX-License-Identifier: MIT
/* lower_bits.c: bit-plane layers (docs/ir.md §5). A conv2d/dense with
 * QK_BITS weights on a bits input becomes bpop (exact per-plane-pair sums S_mn), then
 * either icomb + threshold, when a batchnorm and a sign / static quant follow (integer
 * coefficients, one shift per layer, thresholds folded from bias and BN, and an IrFold
 * record of the real numbers behind them for the ideal evaluation), or fcomb (float
 * combination with the layer's bias) otherwise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower_internal.h"

#define LIM IR_ACC_LIMIT

/* Copy the QTensor's packed planes (same row packing as IR bits constants). */
static uint32_t weight_const(Low *L, uint32_t i, const IrType *xt)
{
    const GNode *n = &L->g->nodes[i];
    const QTensor *q = n->qw;
    IrType t = {.enc = IR_BITS, .bits = (uint8_t)q->maxbits, .rank = 2, .d = {n->out}};
    t.masked = q->counts[q->maxbits] != q->n; // some element is narrower than the max
    if (n->op == GOP_CONV2D) {
        t.rank = 4;
        t.d[1] = xt->d[0] / n->groups, t.d[2] = n->kh, t.d[3] = n->kw;
    } else {
        t.d[1] = (int64_t)ir_type_elems(xt);
    }
    uint32_t id =
            ir_const_new(L->cx, L->m, arena_printf(&L->cx->arena, "%s.weight", low_name(L, i)), &t);
    IrConst *c = &L->m->consts.data[id];
    uint64_t words = (uint64_t)n->out * c->wpr;
    for (int m = 0; m < q->maxbits; m++) {
        memcpy(c->planes + m * words, q->planes[m], words * sizeof(uint64_t));
        if (t.masked)
            memcpy(c->masks + m * words, q->masks[m], words * sizeof(uint64_t));
    }
    return id;
}

/* The chain this layer can fold: [batchnorm] then sign or a static homogeneous quant,
 * each the single consumer of the one before. Sets *bn / *qn (LOW_NONE if absent) and
 * returns whether a quantizer was found. */
static bool fold_chain(Low *L, uint32_t i, const IrType *xt, uint32_t *bn, uint32_t *qn)
{
    *bn = *qn = LOW_NONE;
    if (xt->scale == IR_SC_RUNTIME)
        return false; // beta unknown until run time: no integer coefficients
    uint32_t cur = i;
    if (L->nuses[cur] == 1 && !L->is_output[cur] && L->g->nodes[L->user[cur]].op == GOP_BATCHNORM) {
        *bn = L->user[cur];
        cur = *bn;
    }
    if (L->nuses[cur] != 1 || L->is_output[cur])
        return false;
    uint32_t u = L->user[cur];
    const GNode *q = &L->g->nodes[u];
    bool ok = q->op == GOP_SIGN;
    if (q->op == GOP_QUANT && q->aq->kind == QK_BITS && !q->aq->avg_search && q->aq->nshares == 1 &&
        q->aq->act_scale == ACT_SCALE_STATIC && !(L->o && L->o->calibrating) &&
        low_static_scales(L, u))
        ok = true;
    if (ok)
        *qn = u;
    return ok;
}

/* Everything needed to pick coefficients and thresholds for one layer. */
typedef struct Comb {
    int kw, kx, P;
    uint32_t rows, O;
    double bx[IR_MAX_BITS]; // activation scales beta_n
    const QTensor *q;
    uint64_t *cnt; // [O][kw]: weight elements of width > m in row c
    int32_t *coef; // [rows][P]
    double *unit;  // [O]: the real value of one accumulator step
    int64_t shift, bound;
} Comb;

static int64_t comb_bound(const Comb *c)
{
    int64_t worst = 0;
    for (uint32_t o = 0; o < c->O; o++) {
        const int32_t *k = c->coef + (c->rows == 1 ? 0 : o) * c->P;
        int64_t s = 0;
        for (int p = 0; p < c->P; p++)
            s += llabs((long long)k[p]) * (int64_t)c->cnt[o * c->kw + p / c->kx];
        worst = s > worst ? s : worst;
    }
    return worst;
}

/* w_mn = round(alpha_m beta_n 2^f) for the largest f in [-30, 30] whose worst case
 * sum_mn |w_mn| * count_m stays <= 2^30 (so |acc| fits int32 with room for the
 * threshold sentinels). A single plane pair uses w = 1 and puts alpha*beta into the
 * thresholds, which makes W1A1 layers exact. */
static bool pick_coefs(Low *L, uint32_t i, Comb *c)
{
    const float *al = c->q->scales;
    if (c->P == 1) {
        c->coef[0] = 1;
        c->shift = 0;
        for (uint32_t o = 0; o < c->O; o++)
            c->unit[o] = (double)al[c->rows == 1 ? 0 : o] * c->bx[0];
        c->rows = 1;
        c->bound = comb_bound(c);
        return c->bound <= LIM;
    }
    for (int f = 30; f >= -30; f--) {
        bool fits = true;
        for (uint32_t r = 0; r < c->rows; r++)
            for (int p = 0; p < c->P && fits; p++) {
                double w = ldexp((double)al[r * c->kw + p / c->kx] * c->bx[p % c->kx], f);
                fits = fabs(w) <= (double)LIM;
                c->coef[r * c->P + p] = fits ? (int32_t)llround(w) : 0;
            }
        if (!fits || (c->bound = comb_bound(c)) > LIM)
            continue;
        c->shift = f;
        for (uint32_t o = 0; o < c->O; o++)
            c->unit[o] = ldexp(1.0, -f);
        return true;
    }
    diag_error(L->cx, L->g->nodes[i].site,
               "'%s': the weight and activation scales are too large "
               "for a 32-bit accumulator",
               L->g->nodes[i].name);
    return false;
}

static void count_rows(const QTensor *q, Comb *c)
{
    for (uint32_t o = 0; o < c->O; o++)
        for (int m = 0; m < c->kw; m++) {
            uint64_t k = 0;
            for (uint64_t w = 0; w < q->words_per_channel; w++)
                k += (uint64_t)__builtin_popcountll(q->masks[m][o * q->words_per_channel + w]);
            c->cnt[o * c->kw + m] = k;
        }
}

/* One threshold: the smallest tau with [sign * acc >= tau] <=> z > t, where
 * z = a (unit * acc + bias - mean) + beta (no BN: a = 1, mean = beta = 0). */
static int32_t tau_for(double t, double a, double mean, double beta, double bias, double unit,
                       bool *neg)
{
    double tau;
    *neg = false;
    if (a == 0 || unit == 0) { // z does not depend on acc: a constant decision
        double z = a == 0 ? beta : a * (bias - mean) + beta;
        tau = z > t ? (double)(-LIM - 1) : (double)(LIM + 1);
    } else {
        double w = (mean + (t - beta) / a - bias) / unit;
        *neg = a < 0;
        tau = floor(a > 0 ? w : -w) + 1; // acc > w, or -acc > -w when a < 0
    }
    if (!(tau <= (double)(LIM + 1)))
        tau = (double)(LIM + 1); // also NaN: never true (cannot happen for finite inputs)
    if (tau < (double)(-LIM - 1))
        tau = (double)(-LIM - 1);
    return (int32_t)tau;
}

static void emit_threshold(Low *L, uint32_t i, const Comb *c, uint32_t acc, uint32_t bn,
                           uint32_t qn, IrFold *rec)
{
    const GNode *n = &L->g->nodes[i], *qnode = &L->g->nodes[qn];
    int k = qnode->op == GOP_SIGN ? 1 : qnode->aq->share_bits[0];
    const float *bq = qnode->op == GOP_SIGN ? NULL : low_static_scales(L, qn);
    int64_t nodes = ((int64_t)1 << k) - 1, d[2] = {c->O, nodes};
    double *t = arena_calloc(&L->cx->arena, (size_t)nodes, sizeof(double));
    for (int64_t j = 1; j < nodes; j++) { // heap order: children of j are 2j+1 (-1), 2j+2 (+1)
        int level = 0;
        while (((int64_t)2 << level) - 1 <= j)
            level++;
        int64_t parent = (j - 1) / 2;
        t[j] = t[parent] + ((j & 1) ? -1.0 : 1.0) * bq[level - 1];
    }
    BnParams bn_p = {0};
    if (bn != LOW_NONE)
        low_bn_params(L, &L->g->nodes[bn], c->O, &bn_p);
    const float *bias = low_bias(L, n, c->O);
    const char *qname = low_name(L, qn);
    uint32_t cneg =
            ir_const_i32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.neg", qname), 1, d, NULL);
    uint32_t cthr =
            ir_const_i32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.thr", qname), 2, d, NULL);
    for (uint32_t o = 0; o < c->O; o++) {
        double a = bn_p.a ? bn_p.a[o] : 1, mean = bn_p.a ? bn_p.mean[o] : 0;
        double beta = bn_p.a ? bn_p.beta[o] : 0;
        bool neg = false;
        for (int64_t j = 0; j < nodes; j++)
            L->m->consts.data[cthr].i[o * nodes + j] =
                    tau_for(t[j], a, mean, beta, bias[o], c->unit[o], &neg);
        L->m->consts.data[cneg].i[o] = neg;
    }
    IrType rt = L->m->values.data[acc].type;
    rt.enc = IR_BITS, rt.bits = (uint8_t)k, rt.masked = false;
    rt.scale = bq ? IR_SC_STATIC : IR_SC_UNIT;
    if (bq) {
        int64_t kk = k;
        rt.scale_const = ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.beta", qname), 1,
                                      &kk, bq);
    }
    rec->bias = bias;
    rec->bn_a = bn_p.a, rec->bn_mean = bn_p.mean, rec->bn_beta = bn_p.beta;
    IrRef args[3] = {ir_v(acc), ir_c(cneg), ir_c(cthr)};
    IrInst *th = ir_emit(L->cx, L->m, IR_OP_THRESHOLD, qname, &rt, args, 3);
    th->fold = rec;
    L->val[qn] = th->result;
    L->done[qn] = true;
    if (bn != LOW_NONE)
        L->done[bn] = true;
}

static bool fold(Low *L, uint32_t i, uint32_t pop, uint32_t x, uint32_t bn, uint32_t qn)
{
    const GNode *n = &L->g->nodes[i];
    const IrType *xt = &L->m->values.data[x].type;
    Comb c = {.q = n->qw,
              .kw = n->qw->maxbits,
              .kx = xt->bits,
              .O = (uint32_t)n->out,
              .rows = n->qw->scale_rows};
    c.P = c.kw * c.kx;
    for (int k = 0; k < c.kx; k++)
        c.bx[k] = xt->scale == IR_SC_UNIT ? 1.0 : L->m->consts.data[xt->scale_const].f[k];
    c.cnt = arena_calloc(&L->cx->arena, (size_t)c.O * c.kw, sizeof(uint64_t));
    c.coef = arena_calloc(&L->cx->arena, (size_t)c.rows * c.P, sizeof(int32_t));
    c.unit = arena_calloc(&L->cx->arena, c.O, sizeof(double));
    count_rows(n->qw, &c);
    if (!pick_coefs(L, i, &c))
        return false;
    const char *nm = low_name(L, i);
    int64_t cd[2] = {c.rows, c.P};
    uint32_t cc =
            ir_const_i32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.coef", nm), 2, cd, c.coef);
    const IrType *pt = &L->m->values.data[pop].type;
    IrType at = ir_type_i32(pt->rank - 1, pt->d + 1);
    IrRef args[2] = {ir_v(pop), ir_c(cc)};
    IrInst *in = ir_emit(L->cx, L->m, IR_OP_ICOMB, arena_printf(&L->cx->arena, "%s.acc", nm), &at,
                         args, 2);
    ir_icomb_shift_set(in)->i[0] = c.shift;
    ir_icomb_bound_set(in)->i[0] = c.bound;
    // The real numbers behind the integers, for the ideal evaluation (docs/ir.md §6).
    IrFold *rec = arena_calloc(&L->cx->arena, 1, sizeof *rec);
    rec->layer = n->name;
    rec->rows = n->qw->scale_rows;
    rec->kw = c.kw;
    rec->alpha = n->qw->scales;
    in->fold = rec;
    uint32_t acc = in->result;
    L->val[i] = LOW_NONE;
    emit_threshold(L, i, &c, acc, bn, qn, rec);
    return true;
}

static void fcomb(Low *L, uint32_t i, uint32_t pop, uint32_t x)
{
    const GNode *n = &L->g->nodes[i];
    const QTensor *q = n->qw;
    const char *nm = low_name(L, i);
    int64_t ad[2] = {q->scale_rows, q->maxbits}, o = n->out;
    uint32_t ca = ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.alpha", nm), 2, ad,
                               q->scales);
    uint32_t cb = ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.bias", nm), 1, &o,
                               low_bias(L, n, n->out));
    IrRef args[4] = {ir_v(pop), ir_v(x), ir_c(ca), ir_c(cb)};
    IrType t = ir_type_f32(n->shape.rank, n->shape.d);
    L->val[i] = ir_emit(L->cx, L->m, IR_OP_FCOMB, nm, &t, args, 4)->result;
}

bool low_bits_layer(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    uint32_t x = L->val[n->in[0]];
    IrType xt = L->m->values.data[x].type;
    uint32_t wc = weight_const(L, i, &xt);
    int64_t pd[4] = {(int64_t)n->qw->maxbits * xt.bits, n->shape.d[0], n->shape.d[1],
                     n->shape.d[2]};
    IrType pt = ir_type_i32(n->shape.rank + 1, pd);
    IrRef args[2] = {ir_v(x), ir_c(wc)};
    IrInst *in = ir_emit(L->cx, L->m, n->op == GOP_CONV2D ? IR_OP_BPOP_CONV2D : IR_OP_BPOP_DENSE,
                         arena_printf(&L->cx->arena, "%s.pop", low_name(L, i)), &pt, args, 2);
    if (n->op == GOP_CONV2D) { // hardware folding (docs/fpga.md): 0, 0 without a fold clause
        low_conv_attrs(in, n);
        ir_bpop_conv2d_pe_set(in)->i[0] = n->fold_pe;
        ir_bpop_conv2d_simd_set(in)->i[0] = n->fold_simd;
    } else {
        ir_bpop_dense_pe_set(in)->i[0] = n->fold_pe;
        ir_bpop_dense_simd_set(in)->i[0] = n->fold_simd;
    }
    uint32_t pop = in->result, bn, qn;
    if (fold_chain(L, i, &xt, &bn, &qn))
        return fold(L, i, pop, x, bn, qn);
    fcomb(L, i, pop, x);
    return true;
}
