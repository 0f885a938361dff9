// SPDX-License-Identifier: MIT
/* check_interp.c: the reference interpreter against the paper's worked example and
 * against a slow double-precision evaluation of the same quantized network, written
 * here independently of interp*.c and lower*.c, on random small networks (dense, conv
 * with pad/stride/groups, batchnorm with negative and zero scales, pools, add, concat,
 * 1/2/3-bit and heterogeneous weights, sign and runtime activations). Also the ideal
 * evaluation (INTERP_IDEAL, docs/ir.md §6) against the same slow evaluation and against
 * the integer program, within the bound of docs/ir.md §7. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bind.h"
#include "interp.h"
#include "lower.h"
#include "quant.h"
#include "random_nets.h"
#include "sema.h"
#include "test_util.h"

/* ---- the worked example (docs/algorithm.md §10) ---- */

START_TEST(test_worked_example)
{
    Graph *g = hbt_graph("hbnn 0.1\nnetwork w {\n    input x: f32[8]\n"
                         "    fc: dense(1, bias=false) weights bits 1:60% 2:40%\n"
                         "    output fc\n}\n",
                         NULL);
    static const float T[8] = {0.625f, -1.5f, 0.125f, -0.5f, 1.625f, -0.6875f, 0.375f, -0.5625f};
    static const float That[8] = {0.75f, -1.5f, 0.0f, -0.75f, 1.5f, -0.75f, 0.75f, -0.75f};
    WTensor w = {.name = "fc.weight",
                 .dtype = WD_F32,
                 .rank = 2,
                 .shape = {1, 8},
                 .nelem = 8,
                 .data = T};
    g->nodes[1].bound[TR_WEIGHT] = &w;
    g->bound = true;
    ck_assert(quantize_graph(hbt_cx, g));
    IrModule *m = lower_graph(hbt_cx, g, NULL, NULL);
    ck_assert_msg(m, "%s", hbt_diags());
    float in[64] = {0}, out[8];
    for (int j = 0; j < 8; j++)
        in[j * 8 + j] = 1.0f;
    ck_assert(interp_run_batch(hbt_cx, m, in, 8, out, NULL));
    for (int j = 0; j < 8; j++)
        ck_assert_msg(out[j] == That[j], "T^[%d] = %.9g, want %.9g", j, out[j], That[j]);
}
END_TEST

/* ---- the slow evaluation ---- */

/* One node's value in double, as the network defines it. */
typedef struct SVal {
    double *x;
    uint64_t n;
    bool bits;      // a quantizer output: x holds the dequantized value
    double *margin; // quantizers: distance of the deciding quantity to its boundary
} SVal;

typedef struct Slow {
    const Graph *g;
    const IrModule *m;
    const Interp *it;
    const uint32_t *nv;         // node -> IR value
    const float *const *scales; // static activation scales per node
    SVal *v;
} Slow;

/* The value of node i as the next node sees it: the interpreter's own value where the
 * node has one (so each node is checked on its exact inputs), else the slow one. */
static const double *input_of(Slow *S, uint32_t i)
{
    uint32_t val = S->nv[i];
    if (val == UINT32_MAX)
        return S->v[i].x;
    const IrType *t = &S->m->values.data[val].type;
    const IBuf *b = &S->it->v[val];
    double *x = arena_calloc(&hbt_cx->arena, S->v[i].n, sizeof(double));
    for (uint64_t j = 0; j < S->v[i].n; j++) {
        if (t->enc == IR_F32) {
            x[j] = b->f[j];
            continue;
        }
        int w = t->masked ? b->w[j] : t->bits;
        for (int k = 0; k < w; k++)
            x[j] += ((b->s[j] >> k) & 1) ? b->beta[k] : -b->beta[k];
    }
    return x;
}

/* Dequantized weight element j of a quantized tensor, from its planes and scales. */
static double weight(const QTensor *q, uint64_t j)
{
    if (q->kind == QK_INT)
        return (double)q->ivalues[j] * q->iscales[j / q->per_channel];
    if (q->kind == QK_FLOAT)
        return q->recon[j];
    uint64_t c = j / q->per_channel, e = j % q->per_channel;
    uint64_t word = c * q->words_per_channel + e / 64, bit = e % 64;
    const float *al = q->scales + (q->scale_rows == 1 ? 0 : c) * q->maxbits;
    double w = 0;
    for (int m = 0; m < q->maxbits; m++)
        if ((q->masks[m][word] >> bit) & 1)
            w += ((q->planes[m][word] >> bit) & 1) ? al[m] : -(double)al[m];
    return w;
}

static void slow_layer(Slow *S, uint32_t i, double *y)
{
    const GNode *n = &S->g->nodes[i];
    const GNode *src = &S->g->nodes[n->in[0]];
    const double *x = input_of(S, n->in[0]);
    const WTensor *b = n->bound[TR_BIAS];
    if (n->op == GOP_DENSE) {
        uint64_t N = shape_elems(&src->shape);
        for (int64_t o = 0; o < n->out; o++) {
            double acc = 0;
            for (uint64_t j = 0; j < N; j++)
                acc += weight(n->qw, (uint64_t)o * N + j) * x[j];
            y[o] = acc + (b ? b->data[o] : 0);
        }
        return;
    }
    int64_t C = src->shape.d[0], H = src->shape.d[1], W = src->shape.d[2];
    int64_t cg = C / n->groups, og = n->out / n->groups;
    for (int64_t o = 0; o < n->out; o++)
        for (int64_t oy = 0; oy < n->shape.d[1]; oy++)
            for (int64_t ox = 0; ox < n->shape.d[2]; ox++) {
                double acc = 0;
                for (int64_t ci = 0; ci < cg; ci++)
                    for (int64_t ky = 0; ky < n->kh; ky++)
                        for (int64_t kx = 0; kx < n->kw; kx++) {
                            int64_t iy = oy * n->sh - n->pad[0] + ky * n->dh;
                            int64_t ix = ox * n->sw - n->pad[2] + kx * n->dw;
                            if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                acc += weight(n->qw,
                                              (uint64_t)(((o * cg + ci) * n->kh + ky) * n->kw +
                                                         kx)) *
                                       x[((o / og * cg + ci) * H + iy) * W + ix];
                        }
                y[(o * n->shape.d[1] + oy) * n->shape.d[2] + ox] = acc + (b ? b->data[o] : 0);
            }
}

/* Eq. 4/5 on this example's tensor, written out: widths (heterogeneous: Algorithm 1
 * through quant.h's selection, the quantizer under test elsewhere), then per level the
 * mean |residual| over the active elements and the signs, sign(0) = -1. */
static void slow_quant(Slow *S, uint32_t i, const double *x, SVal *out)
{
    const QuantSpec *q = S->g->nodes[i].aq;
    uint64_t n = out->n;
    uint8_t *M = arena_calloc(&hbt_cx->arena, n, 1);
    float *xf = arena_calloc(&hbt_cx->arena, n, sizeof(float));
    for (uint64_t j = 0; j < n; j++)
        xf[j] = (float)x[j], M[j] = (uint8_t)q->share_bits[0];
    if (q->nshares > 1) {
        QDist d = {.n = q->nshares};
        for (int k = 0; k < q->nshares; k++)
            d.bits[k] = q->share_bits[k], d.frac[k] = q->share_frac[k];
        quant_assign_widths(xf, (uint32_t)n, &d, q->select, q->seed, M);
    }
    double *E = arena_calloc(&hbt_cx->arena, n, sizeof(double));
    for (uint64_t j = 0; j < n; j++)
        E[j] = x[j], out->margin[j] = INFINITY;
    for (int m = 0; m < q->share_bits[q->nshares - 1]; m++) {
        double sum = 0, cnt = 0;
        for (uint64_t j = 0; j < n; j++)
            if (M[j] > m)
                sum += fabs(E[j]), cnt++;
        float beta = cnt ? (float)(sum / cnt) : 0.0f;
        if (q->act_scale == ACT_SCALE_STATIC)
            beta = S->scales[i][m];
        for (uint64_t j = 0; j < n; j++) {
            if (M[j] <= m)
                continue;
            out->margin[j] = fmin(out->margin[j], fabs(E[j]));
            double s = E[j] > 0 ? beta : -(double)beta;
            out->x[j] += s;
            E[j] -= s;
        }
    }
}

/* The slow evaluation's value of the input node: the example itself, in double. */
static void slow_input(Slow *S, uint32_t i, const float *in, uint64_t nin)
{
    S->v[i].n = nin;
    S->v[i].x = arena_calloc(&hbt_cx->arena, nin, sizeof(double));
    for (uint64_t j = 0; j < nin; j++)
        S->v[i].x[j] = in[j];
}

static void slow_node(Slow *S, uint32_t i)
{
    const GNode *n = &S->g->nodes[i];
    SVal *o = &S->v[i];
    o->n = shape_elems(&n->shape);
    o->x = arena_calloc(&hbt_cx->arena, o->n + 1, sizeof(double));
    o->margin = arena_calloc(&hbt_cx->arena, o->n + 1, sizeof(double));
    const double *x = n->nin ? input_of(S, n->in[0]) : NULL;
    uint64_t per = n->shape.rank == 3 ? (uint64_t)(n->shape.d[1] * n->shape.d[2]) : 1;
    switch (n->op) {
    case GOP_CONV2D:
    case GOP_DENSE:
        slow_layer(S, i, o->x);
        break;
    case GOP_BATCHNORM:
        for (uint64_t j = 0; j < o->n; j++) {
            uint64_t c = j / per;
            double a = n->bound[TR_WEIGHT]->data[c] /
                       sqrt((double)n->bound[TR_RUNNING_VAR]->data[c] + n->eps);
            o->x[j] = a * (x[j] - n->bound[TR_RUNNING_MEAN]->data[c]) + n->bound[TR_BIAS]->data[c];
        }
        break;
    case GOP_SIGN:
        o->bits = true;
        for (uint64_t j = 0; j < o->n; j++)
            o->x[j] = x[j] > 0 ? 1 : -1, o->margin[j] = fabs(x[j]);
        break;
    case GOP_QUANT:
        o->bits = true;
        slow_quant(S, i, x, o);
        break;
    case GOP_RELU:
        for (uint64_t j = 0; j < o->n; j++)
            o->x[j] = x[j] > 0 ? x[j] : 0;
        break;
    case GOP_FLATTEN:
        memcpy(o->x, x, o->n * sizeof(double));
        break;
    case GOP_ADD: {
        const double *y = input_of(S, n->in[1]);
        for (uint64_t j = 0; j < o->n; j++)
            o->x[j] = x[j] + y[j];
        break;
    }
    case GOP_CONCAT: {
        uint64_t at = 0;
        for (uint32_t k = 0; k < n->nin; k++) {
            uint64_t len = S->v[n->in[k]].n;
            memcpy(o->x + at, input_of(S, n->in[k]), len * sizeof(double));
            at += len;
        }
        break;
    }
    case GOP_MAXPOOL:
    case GOP_AVGPOOL: {
        const Shape *is = &S->g->nodes[n->in[0]].shape;
        for (int64_t c = 0; c < n->shape.d[0]; c++)
            for (int64_t oy = 0; oy < n->shape.d[1]; oy++)
                for (int64_t ox = 0; ox < n->shape.d[2]; ox++) {
                    double best = -INFINITY, sum = 0;
                    for (int64_t ky = 0; ky < n->kh; ky++)
                        for (int64_t kx = 0; kx < n->kw; kx++) {
                            int64_t iy = oy * n->sh - n->pad[0] + ky,
                                    ix = ox * n->sw - n->pad[2] + kx;
                            if (iy < 0 || iy >= is->d[1] || ix < 0 || ix >= is->d[2])
                                continue;
                            double v = x[(c * is->d[1] + iy) * is->d[2] + ix];
                            best = fmax(best, v), sum += v;
                        }
                    o->x[(c * n->shape.d[1] + oy) * n->shape.d[2] + ox] =
                            n->op == GOP_MAXPOOL ? best : sum / (double)(n->kh * n->kw);
                }
        break;
    }
    default:
        ck_abort_msg("slow evaluation: op %s not covered", gop_name(n->op));
    }
}

/* Compare node i: quantizer bits must agree except within `tol` of a decision boundary
 * (and then only where the integer coefficients or float rounding could decide it);
 * float values within 1e-5 of the tensor's scale. Returns the near-boundary count. */
static int compare_node(Slow *S, uint32_t i, double tol)
{
    uint32_t val = S->nv[i];
    if (val == UINT32_MAX)
        return 0;
    const SVal *o = &S->v[i];
    const double *got = input_of(S, i);
    double scale = 1e-3;
    for (uint64_t j = 0; j < o->n; j++)
        scale = fmax(scale, fabs(o->x[j]));
    int near = 0;
    for (uint64_t j = 0; j < o->n; j++) {
        double d = fabs(got[j] - o->x[j]);
        if (!o->bits) {
            ck_assert_msg(d <= 1e-5 * scale, "%s[%llu]: interpreter %.9g, slow %.9g",
                          S->g->nodes[i].name, (unsigned long long)j, got[j], o->x[j]);
            continue;
        }
        if (d <= 1e-6 * scale)
            continue;
        ck_assert_msg(o->margin[j] <= tol,
                      "%s[%llu]: interpreter %.9g, slow %.9g, %g from the "
                      "boundary",
                      S->g->nodes[i].name, (unsigned long long)j, got[j], o->x[j], o->margin[j]);
        near++;
    }
    return near;
}

static int check_network(const char *src, uint64_t seed, int batch)
{
    Graph *g = hbt_graph(src, NULL);
    hbt_bind_random(g, seed);
    uint32_t *nv;
    LowerOptions lo = {.act_scales = hbt_static_scales(g, seed)};
    IrModule *m = lower_graph(hbt_cx, g, &lo, &nv);
    ck_assert_msg(m, "lowering: %s", hbt_diags());
    Interp *it = interp_new(hbt_cx, m);
    uint64_t nin = ir_type_elems(&m->values.data[m->inputs.data[0]].type);
    float *in = arena_calloc(&hbt_cx->arena, nin, sizeof(float));
    uint64_t s = seed ^ 0x5555;
    int near = 0;
    for (int b = 0; b < batch; b++) {
        for (uint64_t j = 0; j < nin; j++)
            in[j] = (float)(hbt_urand(&s) * 2 - 1);
        const float *x = in;
        ck_assert(interp_example(it, &x));
        Slow S = {.g = g, .m = m, .it = it, .nv = nv, .scales = lo.act_scales};
        S.v = arena_calloc(&hbt_cx->arena, g->n, sizeof(SVal));
        for (uint32_t i = 0; i < g->n; i++) {
            if (g->nodes[i].op == GOP_INPUT) {
                slow_input(&S, i, in, nin);
                continue;
            }
            slow_node(&S, i);
            near += compare_node(&S, i, 1e-4);
        }
    }
    return near;
}

START_TEST(test_random_mlp)
{
    char src[2048];
    uint64_t seed = hbt_random_net(0, _i, src, sizeof src);
    ck_assert_int_le(check_network(src, seed, 6), 3);
}
END_TEST

START_TEST(test_random_cnn)
{
    char src[2048];
    uint64_t seed = hbt_random_net(1, _i, src, sizeof src);
    ck_assert_int_le(check_network(src, seed, 3), 3);
}
END_TEST

START_TEST(test_random_concat)
{
    char src[2048];
    uint64_t seed = hbt_random_net(2, _i, src, sizeof src);
    ck_assert_int_le(check_network(src, seed, 3), 3);
}
END_TEST

/* ---- the ideal evaluation (docs/ir.md §6, §7) ---- */

/* e_o of docs/ir.md §7 at output position `pos` of a folded layer: the distance between
 * the integer program's and the ideal pre-activation, sum_p |w_p 2^-f - alpha_m beta_n|
 * |S_p| (0 for a single plane pair, whose alpha*beta is in the thresholds). */
static double coef_error(const IrModule *m, const Interp *it, const IrInst *icomb, uint64_t pos)
{
    const IrConst *coef = &m->consts.data[icomb->args[1].id];
    const IrInst *pop = &m->insts.data[m->values.data[icomb->args[0].id].def];
    const IrType *st = &m->values.data[icomb->args[0].id].type;
    const IBuf *x = &it->v[pop->args[0].id];
    int kx = ir_arg_type(m, pop->args[0])->bits, P = (int)st->d[0];
    if (P == 1)
        return 0;
    uint64_t npos = ir_type_elems(&m->values.data[icomb->result].type);
    uint64_t o = pos / (npos / (uint64_t)st->d[1]);
    const IrFold *f = icomb->fold;
    const float *al = f->alpha + (f->rows == 1 ? 0 : o) * (uint64_t)f->kw;
    const int32_t *w = coef->i + (coef->type.d[0] == 1 ? 0 : o) * (uint64_t)P;
    double e = 0;
    for (int p = 0; p < P; p++)
        e += fabs(ldexp((double)w[p], -(int)ir_icomb_shift(icomb)) -
                  (double)al[p / kx] * (double)x->beta[p % kx]) *
             fabs((double)it->v[icomb->args[0].id].i[(uint64_t)p * npos + pos]);
    return e;
}

/* Run the integer program and the ideal one side by side. The ideal run must match the
 * slow double evaluation everywhere (bits except within 1e-9 of a boundary); against
 * the integer run, a folded layer whose inputs agree may differ only in bits whose ideal
 * margin is within |a_o| e_o (docs/ir.md §7), and with no differing bit the outputs are
 * bit-identical. `exact`: every folded layer is a single plane pair, so nothing may
 * differ at all. Returns the number of differing folded bits. */
static int check_ideal_network(const char *src, uint64_t seed, int batch, bool exact)
{
    Graph *g = hbt_graph(src, NULL);
    hbt_bind_random(g, seed);
    uint32_t *nv;
    LowerOptions lo = {.act_scales = hbt_static_scales(g, seed)};
    IrModule *m = lower_graph(hbt_cx, g, &lo, &nv);
    ck_assert_msg(m, "lowering: %s", hbt_diags());
    ck_assert(interp_has_ideal(m));
    Interp *ii = interp_new_mode(hbt_cx, m, INTERP_INTEGER);
    Interp *id = interp_new_mode(hbt_cx, m, INTERP_IDEAL);
    int folded = 0;
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op != IR_OP_ICOMB)
            continue;
        ck_assert_ptr_nonnull(in->fold);
        folded++;
        if (exact)
            ck_assert_int_eq(m->values.data[in->args[0].id].type.d[0], 1); // one pair
    }
    ck_assert_int_gt(folded, 0);
    uint64_t nin = ir_type_elems(&m->values.data[m->inputs.data[0]].type);
    uint64_t nout = interp_out_elems(m);
    float *in = arena_calloc(&hbt_cx->arena, nin, sizeof(float));
    float *oi = arena_calloc(&hbt_cx->arena, nout, sizeof(float));
    float *od = arena_calloc(&hbt_cx->arena, nout, sizeof(float));
    uint64_t s = seed ^ 0x7777;
    int differ_total = 0;
    for (int b = 0; b < batch; b++) {
        for (uint64_t j = 0; j < nin; j++)
            in[j] = (float)(hbt_urand(&s) * 2 - 1);
        const float *x = in;
        ck_assert(interp_example(ii, &x));
        ck_assert(interp_example(id, &x));
        Slow S = {.g = g, .m = m, .it = id, .nv = nv, .scales = lo.act_scales};
        S.v = arena_calloc(&hbt_cx->arena, g->n, sizeof(SVal));
        for (uint32_t i = 0; i < g->n; i++) {
            if (g->nodes[i].op == GOP_INPUT) {
                slow_input(&S, i, in, nin);
                continue;
            }
            slow_node(&S, i);
            ck_assert_int_eq(compare_node(&S, i, 1e-9), 0);
        }
        int differ = 0;
        for (uint32_t i = 0; i < g->n; i++) {
            if (nv[i] == UINT32_MAX)
                continue;
            const IrInst *th = &m->insts.data[m->values.data[nv[i]].def];
            if (th->op != IR_OP_THRESHOLD || !th->fold)
                continue;
            const IrInst *icomb = &m->insts.data[m->values.data[th->args[0].id].def];
            const IrInst *pop = &m->insts.data[m->values.data[icomb->args[0].id].def];
            uint32_t xv = pop->args[0].id;
            uint64_t nx = ir_type_elems(&m->values.data[xv].type);
            bool same_in = memcmp(ii->v[xv].s, id->v[xv].s, nx) == 0 &&
                           (!ii->v[xv].w || memcmp(ii->v[xv].w, id->v[xv].w, nx) == 0);
            uint64_t n = ir_type_elems(&m->values.data[nv[i]].type);
            uint64_t per = n / (uint64_t)m->values.data[nv[i]].type.d[0];
            for (uint64_t j = 0; j < n; j++) {
                if (ii->v[nv[i]].s[j] == id->v[nv[i]].s[j])
                    continue;
                differ++;
                ck_assert_msg(!exact, "%s[%llu]: a single-pair layer differs from the ideal",
                              g->nodes[i].name, (unsigned long long)j);
                if (!same_in)
                    continue;
                const double *a = th->fold->bn_a;
                double bound = (a ? fabs(a[j / per]) : 1.0) * coef_error(m, ii, icomb, j) + 1e-9;
                ck_assert_msg(S.v[i].margin[j] <= bound,
                              "%s[%llu]: integer and ideal bits differ %g from the boundary, "
                              "beyond the bound %g",
                              g->nodes[i].name, (unsigned long long)j, S.v[i].margin[j], bound);
            }
        }
        interp_outputs(ii, oi);
        interp_outputs(id, od);
        if (!differ)
            ck_assert_mem_eq(oi, od, nout * sizeof(float));
        differ_total += differ;
    }
    return differ_total;
}

/* 1-bit weights on 1-bit activations (sign or a 1-bit static quant) fold exactly. */
START_TEST(test_ideal_w1a1)
{
    char src[2048];
    int i = _i;
    if (i < 4) {
        snprintf(src, sizeof src, hbt_mlp, "bits 1", "bits 1", "bits 1 scale static", "bits 1",
                 hbt_wspecs[i % HBT_NW]);
    } else {
        static const char *const kern[] = {"3", "1", "3x1", "2"};
        static const char *const pads[] = {"1", "0", "[1, 0, 0, 0]", "[0, 1, 1, 0]"};
        snprintf(src, sizeof src, hbt_cnn, kern[i % 4], 1 + i % 2, pads[i % 4], 1 << (i % 4),
                 "bits 1 scale per-channel", i % 2, "bits 1", "bits 1 scale static", "bits 1",
                 hbt_wspecs[i % HBT_NW]);
    }
    check_ideal_network(src, 5000 + (uint64_t)i, 6, true);
}
END_TEST

/* Multi-bit, heterogeneous and per-channel weights on sign and 1-3 bit static scales. */
START_TEST(test_ideal_random)
{
    static const char *const multi[] = {"bits 2", "bits 3", "bits 1:70% 2:20% 3:10%",
                                        "bits 1:50% 2:50% scale per-channel",
                                        "bits 1:60% 3:40% select random(7)"};
    static const char *const stat[] = {"bits 2 scale static", "bits 3 scale static",
                                       "bits 1 scale static"};
    char src[2048];
    int i = _i;
    if (i < 6) {
        snprintf(src, sizeof src, hbt_mlp, multi[i % 5], multi[(i + 1) % 5], stat[i % 3],
                 multi[(i + 2) % 5], hbt_wspecs[i % HBT_NW]);
    } else {
        snprintf(src, sizeof src, hbt_cnn, "3", 1 + i % 2, "1", 1 << (i % 3), multi[i % 5], i % 2,
                 multi[(i + 3) % 5], stat[i % 3], multi[(i + 1) % 5], hbt_wspecs[i % HBT_NW]);
    }
    int differ = check_ideal_network(src, 6000 + (uint64_t)i, 6, false);
    ck_assert_int_le(differ, 3);
}
END_TEST

Suite *suite_interp(void)
{
    Suite *s = suite_create("interp");
    TCase *tc = tcase_create("interp");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_worked_example);
    tcase_add_loop_test(tc, test_random_mlp, 0, 16);
    tcase_add_loop_test(tc, test_random_cnn, 0, 16);
    tcase_add_loop_test(tc, test_random_concat, 0, 8);
    tcase_add_loop_test(tc, test_ideal_w1a1, 0, 8);
    tcase_add_loop_test(tc, test_ideal_random, 0, 12);
    suite_add_tcase(s, tc);
    return s;
}
