// SPDX-License-Identifier: MIT
/* interp_bits.c: the reference semantics of the activation quantizers and the
 * bit-plane ops (docs/ir.md §4): sign, quant (runtime Eq. 4/5 per example through
 * quant.h, or static scales), dequant, bpop_dense/bpop_conv2d (exact plane-pair sums,
 * padded positions contribute nothing), icomb, fcomb and threshold; and the ideal
 * form of a folded icomb + threshold pair (docs/ir.md §6). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "interp_internal.h"
#include "quant.h"

void interp_scales(const Interp *it, const IrType *t, IBuf *b)
{
    if (t->scale == IR_SC_UNIT)
        b->beta[0] = 1.0f;
    else if (t->scale == IR_SC_STATIC)
        memcpy(b->beta, it->m->consts.data[t->scale_const].f, t->bits * sizeof(float));
}

/* sign(x) = +1 iff x > 0 (sign(0) = -1, NaN -> -1). */
bool i_sign(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    uint64_t n = ir_type_elems(s->ot);
    for (uint64_t j = 0; j < n; j++)
        s->out->s[j] = x[j] > 0;
    s->out->beta[0] = 1.0f;
    return true;
}

/* Static scales: the residual against the constant betas, in double, level by level:
 * E = x; s_n = [E > 0]; E -= beta_n * (s_n ? 1 : -1) (the same recurrence as Eq. 5). */
static void quant_static(IStep *s, const float *x, const uint8_t *M, uint64_t n)
{
    const float *beta = s->it->m->consts.data[s->ot->scale_const].f;
    for (uint64_t j = 0; j < n; j++) {
        double e = x[j];
        uint8_t bits = 0;
        for (int m = 0; m < M[j]; m++) {
            int pos = e > 0;
            bits |= (uint8_t)(pos << m);
            e -= pos ? (double)beta[m] : -(double)beta[m];
        }
        s->out->s[j] = bits;
    }
    memcpy(s->out->beta, beta, s->ot->bits * sizeof(float));
}

bool i_quant(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    uint64_t n = ir_type_elems(s->ot);
    const IrAttr *w = ir_quant_widths(s->in), *f = ir_quant_fracs(s->in);
    uint8_t *M = s->out->w ? s->out->w : malloc(n ? n : 1);
    if (!M)
        hb_out_of_memory(n);
    if (w->n == 1) {
        memset(M, (int)w->i[0], n);
    } else { // heterogeneous: Algorithm 1 on this example's tensor
        QDist d = {.n = w->n};
        for (int k = 0; k < w->n; k++)
            d.bits[k] = (int)w->i[k], d.frac[k] = f->f[k];
        quant_assign_widths(x, (uint32_t)n, &d, (Selection)ir_quant_select(s->in),
                            (uint64_t)ir_quant_seed(s->in), M);
    }
    if (s->ot->scale == IR_SC_STATIC)
        quant_static(s, x, M, n);
    else
        quant_binarize(x, n, M, s->ot->bits, s->out->beta, s->out->s, NULL);
    if (!s->out->w)
        free(M);
    return true;
}

/* x^_j = sum_{n < width_j} beta_n * (+-1), in double in level order, rounded once. */
bool i_dequant(IStep *s)
{
    const IrType *t = is_type(s, 0);
    const IBuf *x = is_val(s, 0);
    uint64_t n = ir_type_elems(t);
    for (uint64_t j = 0; j < n; j++) {
        double acc = 0;
        for (int m = 0; m < is_width(x, t, j); m++)
            acc += ((x->s[j] >> m) & 1) ? (double)x->beta[m] : -(double)x->beta[m];
        s->out->f[j] = (float)acc;
    }
    return true;
}

/* Add the contribution of weight element (row o, index j) and activation element e
 * to the pair sums of one output position: +1 where the signs agree, -1 where not,
 * for every weight level m < width and activation level n < width. */
static void pair_add(const IStep *s, const IrConst *w, uint64_t o, uint64_t j, uint64_t e,
                     int64_t *acc)
{
    const IrType *xt = is_type(s, 0);
    const IBuf *x = is_val(s, 0);
    int kx = xt->bits, kx_e = is_width(x, xt, e);
    for (int m = 0; m < w->type.bits; m++) {
        if (!is_cbit(w, true, m, o, j))
            break; // masks are nested: no deeper level either
        int c = is_cbit(w, false, m, o, j);
        for (int n = 0; n < kx_e; n++)
            acc[m * kx + n] += c == ((x->s[e] >> n) & 1) ? 1 : -1;
    }
}

static void store_pairs(IStep *s, const int64_t *acc, int P, uint64_t pos, uint64_t npos)
{
    for (int p = 0; p < P; p++)
        s->out->i[(uint64_t)p * npos + pos] = (int32_t)acc[p];
}

bool i_bpop_dense(IStep *s)
{
    const IrConst *w = is_const(s, 1);
    uint64_t O = (uint64_t)w->type.d[0], N = (uint64_t)w->type.d[1];
    int P = (int)s->ot->d[0];
    for (uint64_t o = 0; o < O; o++) {
        int64_t acc[IR_MAX_BITS * IR_MAX_BITS] = {0};
        for (uint64_t j = 0; j < N; j++)
            pair_add(s, w, o, j, j, acc);
        store_pairs(s, acc, P, o, O);
    }
    return true;
}

bool i_bpop_conv2d(IStep *s)
{
    const IrConst *w = is_const(s, 1);
    IrWindow g = ir_window(s->it->m, s->in);
    int64_t H = g.H, W = g.W, O = g.O, cg = g.C / g.groups, og = O / g.groups;
    int64_t kh = g.kh, kw = g.kw, OH = g.OH, OW = g.OW;
    uint64_t npos = (uint64_t)(O * OH * OW);
    int P = (int)s->ot->d[0];
    for (int64_t o = 0; o < O; o++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                int64_t acc[IR_MAX_BITS * IR_MAX_BITS] = {0};
                for (int64_t ci = 0; ci < cg; ci++)
                    for (int64_t ky = 0; ky < kh; ky++)
                        for (int64_t kx = 0; kx < kw; kx++) {
                            int64_t iy, ix;
                            if (!ir_window_tap(&g, oy, ox, ky, kx, &iy, &ix))
                                continue; // padding contributes nothing
                            int64_t c = (o / og) * cg + ci;
                            pair_add(s, w, (uint64_t)o, (uint64_t)((ci * kh + ky) * kw + kx),
                                     (uint64_t)((c * H + iy) * W + ix), acc);
                        }
                store_pairs(s, acc, P, (uint64_t)((o * OH + oy) * OW + ox), npos);
            }
    return true;
}

/* Ideal mode: the layer's real pre-activation from the fold record,
 * y = sum_m sum_n (alpha_m * beta_n) * S_mn + bias in double (m outer, n inner), with
 * beta the scales of the bits value the bpop read: fcomb without the final rounding. */
static void icomb_ideal(IStep *s)
{
    const IrFold *f = s->in->fold;
    const IrModule *m = s->it->m;
    const IrInst *pop = &m->insts.data[m->values.data[s->in->args[0].id].def];
    const IrType *st = is_type(s, 0), *xt = ir_arg_type(m, pop->args[0]);
    const IBuf *x = &s->it->v[pop->args[0].id];
    const int32_t *S = is_val(s, 0)->i;
    int kx = xt->bits, kw = f->kw;
    uint64_t npos = ir_type_elems(s->ot), per = npos / (uint64_t)st->d[1];
    for (uint64_t pos = 0; pos < npos; pos++) {
        uint64_t o = pos / per;
        const float *a = f->alpha + (f->rows == 1 ? 0 : o) * (uint64_t)kw;
        double y = 0;
        for (int mm = 0; mm < kw; mm++)
            for (int n = 0; n < kx; n++)
                y += (double)a[mm] * (double)x->beta[n] * S[(uint64_t)(mm * kx + n) * npos + pos];
        s->out->d[pos] = y + (double)f->bias[o];
    }
}

/* acc = sum_p coef[row][p] * S_p in 64 bits; the verifier proved |acc| <= bound. */
bool i_icomb(IStep *s)
{
    if (s->it->mode == INTERP_IDEAL && s->in->fold)
        icomb_ideal(s);
    const IrType *st = is_type(s, 0);
    const int32_t *S = is_val(s, 0)->i;
    const IrConst *c = is_const(s, 1);
    int64_t P = st->d[0], O = st->d[1], bound = ir_icomb_bound(s->in);
    uint64_t npos = ir_type_elems(s->ot), per = npos / (uint64_t)O;
    for (uint64_t pos = 0; pos < npos; pos++) {
        const int32_t *k = c->i + (c->type.d[0] == 1 ? 0 : (int64_t)(pos / per)) * P;
        int64_t acc = 0;
        for (int64_t p = 0; p < P; p++)
            acc += (int64_t)k[p] * S[(uint64_t)p * npos + pos];
        HB_CHECK(acc <= bound && acc >= -bound,
                 "icomb accumulator %lld exceeds its proven bound %lld", (long long)acc,
                 (long long)bound);
        s->out->i[pos] = (int32_t)acc;
    }
    return true;
}

/* y = sum_m sum_n (alpha_m * beta_n) * S_mn + bias, in double (m outer, n inner),
 * rounded once to float. */
bool i_fcomb(IStep *s)
{
    const IrType *st = is_type(s, 0), *xt = is_type(s, 1);
    const int32_t *S = is_val(s, 0)->i;
    const IBuf *x = is_val(s, 1);
    const IrConst *al = is_const(s, 2), *b = is_const(s, 3);
    int kx = xt->bits, kw = (int)(st->d[0] / kx);
    uint64_t npos = ir_type_elems(s->ot), per = npos / (uint64_t)st->d[1];
    for (uint64_t pos = 0; pos < npos; pos++) {
        uint64_t o = pos / per;
        const float *a = al->f + (al->type.d[0] == 1 ? 0 : o) * kw;
        double y = 0;
        for (int m = 0; m < kw; m++)
            for (int n = 0; n < kx; n++)
                y += (double)a[m] * (double)x->beta[n] * S[(uint64_t)(m * kx + n) * npos + pos];
        s->out->f[pos] = (float)(y + (double)b->f[o]);
    }
    return true;
}

/* Ideal mode: z = a (y - mean) + beta_bn (no batch-norm: z = y) in double from the
 * icomb's real y, then the quantizer's own decisions: the static residual recurrence
 * E = z; bit_m = [E > 0]; E -= +-beta_m (sign: one level, bit = [z > 0]). */
static void threshold_ideal(IStep *s)
{
    const IrFold *f = s->in->fold;
    const double *y = is_val(s, 0)->d;
    interp_scales(s->it, s->ot, s->out);
    int k = s->ot->bits;
    uint64_t npos = ir_type_elems(s->ot), per = npos / (uint64_t)s->ot->d[0];
    for (uint64_t pos = 0; pos < npos; pos++) {
        uint64_t c = pos / per;
        double e = f->bn_a ? f->bn_a[c] * (y[pos] - f->bn_mean[c]) + f->bn_beta[c] : y[pos];
        uint8_t bits = 0;
        for (int m = 0; m < k; m++) {
            int pos_bit = e > 0;
            bits |= (uint8_t)(pos_bit << m);
            e -= pos_bit ? (double)s->out->beta[m] : -(double)s->out->beta[m];
        }
        s->out->s[pos] = bits;
    }
}

/* Walk the channel's threshold tree: v = (neg ? -acc : acc); at heap node j the level's
 * bit is [v >= thr[j]], and the walk goes to 2j+1 (bit 0) or 2j+2 (bit 1). */
bool i_threshold(IStep *s)
{
    if (s->it->mode == INTERP_IDEAL && s->in->fold && is_val(s, 0)->d) {
        threshold_ideal(s);
        return true;
    }
    const int32_t *acc = is_val(s, 0)->i;
    const IrConst *neg = is_const(s, 1), *thr = is_const(s, 2);
    int k = s->ot->bits;
    int64_t nodes = ((int64_t)1 << k) - 1;
    uint64_t npos = ir_type_elems(s->ot), per = npos / (uint64_t)s->ot->d[0];
    for (uint64_t pos = 0; pos < npos; pos++) {
        uint64_t c = pos / per;
        int64_t v = neg->i[c] ? -(int64_t)acc[pos] : acc[pos], j = 0;
        uint8_t bits = 0;
        for (int m = 0; m < k; m++) {
            int bit = v >= thr->i[c * (uint64_t)nodes + (uint64_t)j];
            bits |= (uint8_t)(bit << m);
            j = 2 * j + 1 + bit;
        }
        s->out->s[pos] = bits;
    }
    interp_scales(s->it, s->ot, s->out);
    return true;
}
