// SPDX-License-Identifier: MIT
/* llvm_dwlevels.c: the levels mode of the bit-sliced depthwise kernel (llvm_dwbits.c),
 * planned at compile time. On a 1-plane input a_t = +-1, a channel's icomb is
 * acc = sum_m c_m S_m = sum_t a_t w_t over the taps inside the input, w_t its tap's
 * level (sum of +-c_m over the planes the element has). With y_t = [a_t != sign w_t],
 * acc = W - 2 sum_t |w_t| y_t (W: the inside taps' sum of |w_t|), so each threshold
 * node is "sum |w_t| y_t <= R" for each set of inside taps: a weighted threshold of the
 * T mismatch bits. Small integer weights q_t (here: |w_t| scaled to 1..2^qb - 1 and
 * rounded) often give the same function; every pattern of every inside set is checked,
 * so the kernel adds qb-bit weights in bit planes instead of per-plane counts. */
#include "llvm_dwlevels.h"

#include <stdlib.h>
#include <string.h>

#include "ice.h"

static int bits_of(int64_t v)
{
    int n = 0;
    while (v >> n)
        n++;
    return n;
}

/* x / 2 rounded toward -infinity. */
static int64_t floor_half(int64_t x)
{
    return x >= 0 ? x / 2 : -((-x + 1) / 2);
}

bool dwl_shape_ok(const IrModule *m, const IrInst *in)
{
    if (in->op != IR_OP_BPOP_CONV2D)
        return false;
    IrWindow w = ir_window(m, in);
    const IrType *xt = ir_arg_type(m, in->args[0]);
    const IrConst *c = &m->consts.data[in->args[1].id];
    return w.groups > 1 && w.groups == w.C && w.groups == w.O && !xt->masked && xt->bits == 1 &&
           (c->type.bits > 1 || c->masks) && w.kh * w.kw <= DWL_MAX_T;
}

/* The distinct sets of window rows (or columns) inside the input, as bits of the k taps
 * along it, and each output's: n outputs, stride s, padding p, dilation d, input size
 * len. ids[o] is output o's set; returns how many (at most 2^k). */
static int64_t inside_sets(int64_t n, int64_t k, int64_t s, int64_t p, int64_t d, int64_t len,
                           int64_t *ids, uint16_t *sets)
{
    int64_t ns = 0;
    for (int64_t o = 0; o < n; o++) {
        uint16_t b = 0;
        for (int64_t i = 0; i < k; i++) {
            int64_t at = o * s + i * d - p;
            b |= (uint16_t)((at >= 0 && at < len) << i);
        }
        int64_t j = 0;
        while (j < ns && sets[j] != b)
            j++;
        if (j == ns)
            sets[ns++] = b;
        ids[o] = j;
    }
    return ns;
}

/* A channel's taps: level w[t] = sum_m co[m] e[t][m] (e = +-1 by plane m's bit, 0 where
 * its mask is off), the threshold's sign folded into e (neg: v = -acc), so that node
 * j's bit is sum_t a_t w_t >= thr_j. */
typedef struct Taps {
    int64_t w[DWL_MAX_T], co[IR_MAX_BITS];
    int e[DWL_MAX_T][IR_MAX_BITS];
    int planes;
} Taps;

static void levels(const IrConst *c, const IrConst *cc, const IrConst *neg, int64_t o, int64_t T,
                   Taps *tp)
{
    int64_t rows = c->type.d[0];
    const int32_t *co = cc->i + (cc->type.d[0] == 1 ? 0 : o) * c->type.bits;
    tp->planes = c->type.bits;
    for (int m = 0; m < tp->planes; m++)
        tp->co[m] = co[m];
    for (int64_t t = 0; t < T; t++) {
        tp->w[t] = 0;
        for (int m = 0; m < tp->planes; m++) {
            uint64_t at = ((uint64_t)m * (uint64_t)rows + (uint64_t)o) * c->wpr + (uint64_t)t / 64;
            int e = ((c->planes[at] >> (t % 64)) & 1) ? 1 : -1;
            e = c->masks && !((c->masks[at] >> (t % 64)) & 1) ? 0 : neg->i[o] ? -e : e;
            tp->e[t][m] = e;
            tp->w[t] += e * tp->co[m];
        }
    }
}

/* Candidate weights at scale L / top: the levels rounded (coef false), or the levels of
 * the rounded coefficients (coef true: the sums and differences of the coefficients
 * that tie two patterns stay ties). Any weights are safe (check_set decides); false if
 * one would pass 2^DWL_MAX_QB - 1. */
static bool scaled(const Taps *tp, int64_t T, int64_t top, int L, bool coef, uint8_t *q)
{
    for (int64_t t = 0; t < T; t++) {
        int64_t v = 0; // round half up; |w| <= 2^31 T, L < 256
        if (!coef)
            v = (2 * llabs(tp->w[t]) * L + top) / (2 * top);
        for (int m = 0; coef && m < tp->planes; m++) {
            int64_t r = (2 * llabs(tp->co[m]) * L + top) / (2 * top);
            v += tp->e[t][m] * (tp->co[m] < 0 ? -r : r);
        }
        v = llabs(v);
        if (v >= 1 << DWL_MAX_QB)
            return false;
        q[t] = (uint8_t)v;
    }
    return true;
}

/* The set of taps inside for row set rs and column set cs (kw columns a row). */
static uint32_t tap_set(uint16_t rs, uint16_t cs, int64_t kh, int64_t kw)
{
    uint32_t s = 0;
    for (int64_t i = 0; i < kh; i++)
        for (int64_t j = 0; j < kw; j++)
            if ((rs >> i) & 1 && (cs >> j) & 1)
                s |= 1u << (i * kw + j);
    return s;
}

/* Whether weights q give node j's bit for every mismatch pattern y of the taps in set S:
 * bit = sum_{t in y} |w_t| <= R, R = floor((W_S - thr) / 2). *a gets the step: the bit
 * is sum_{t in y} q_t < a (0: never; past every sum: always). */
static bool check_set(const int64_t *w, const uint8_t *q, uint32_t S, int32_t thr, int64_t *a)
{
    int64_t W = 0;
    for (uint32_t r = S; r; r &= r - 1)
        W += llabs(w[__builtin_ctz(r)]);
    int64_t R = floor_half(W - thr), max1 = -1, min0 = INT64_MAX;
    for (uint32_t y = S;; y = (y - 1) & S) {
        int64_t Y = 0, Q = 0;
        for (uint32_t r = y; r; r &= r - 1) {
            Y += llabs(w[__builtin_ctz(r)]);
            Q += q[__builtin_ctz(r)];
        }
        if (Y <= R)
            max1 = Q > max1 ? Q : max1;
        else
            min0 = Q < min0 ? Q : min0;
        if (!y || max1 >= min0)
            break;
    }
    *a = max1 + 1;
    return max1 < min0;
}

/* Channel o: the smallest scale L (of the top level |w| to L, scaled) whose weights
 * (either rounding of `scaled`) pass check_set on every inside set and node; false if
 * none up to 2^DWL_MAX_QB - 1 (MobileNet-v1 0.5 with 70/20/10 `group channel` weights:
 * most channels need L <= 7, a few up to 59). Its q and steps go into lv. */
static bool plan_channel(DwLevels *lv, const Taps *tp, const int32_t *thr, const uint32_t *sets,
                         int64_t o, int *L)
{
    int64_t top = 0, NS = lv->nr * lv->nc;
    for (int64_t t = 0; t < lv->T; t++)
        top = llabs(tp->w[t]) > top ? llabs(tp->w[t]) : top;
    uint8_t *q = lv->q + o * lv->T;
    for (*L = 1; *L < 1 << DWL_MAX_QB; (*L)++)
        for (int coef = 0; coef < 2; coef++) {
            bool ok = top ? scaled(tp, lv->T, top, *L, coef, q) : (memset(q, 0, (size_t)lv->T), 1);
            for (int64_t s = 0; s < NS && ok; s++)
                for (int j = 0; j < lv->nodes && ok; j++)
                    ok = check_set(tp->w, q, sets[s], thr[j],
                                   &lv->a[(s * lv->nodes + j) * lv->C + o]);
            if (ok)
                return true;
        }
    return false;
}

bool dwl_plan(Arena *ar, const IrModule *m, const IrInst *in, const IrInst *th, DwLevels *lv)
{
    IrWindow win = ir_window(m, in);
    const IrInst *ic = &m->insts.data[m->values.data[th->args[0].id].def];
    const IrConst *c = &m->consts.data[in->args[1].id], *cc = &m->consts.data[ic->args[1].id];
    const IrConst *neg = &m->consts.data[th->args[1].id], *thr = &m->consts.data[th->args[2].id];
    *lv = (DwLevels){.C = win.C, .T = win.kh * win.kw, .CW = (win.C + 63) / 64};
    lv->nodes = (1 << m->values.data[th->result].type.bits) - 1;
    uint16_t rs[1 << DWL_MAX_T], cs[1 << DWL_MAX_T];
    lv->rowid = arena_alloc(ar, (size_t)win.OH * sizeof *lv->rowid);
    lv->colid = arena_alloc(ar, (size_t)win.OW * sizeof *lv->colid);
    lv->nr = inside_sets(win.OH, win.kh, win.sh, win.pt, win.dh, win.H, lv->rowid, rs);
    lv->nc = inside_sets(win.OW, win.kw, win.sw, win.pl, win.dw, win.W, lv->colid, cs);
    int64_t NS = lv->nr * lv->nc;
    uint32_t *sets = arena_alloc(ar, (size_t)NS * sizeof *sets);
    lv->interior = -1;
    for (int64_t s = 0; s < NS; s++) {
        sets[s] = tap_set(rs[s / lv->nc], cs[s % lv->nc], win.kh, win.kw);
        if (sets[s] == (1u << lv->T) - 1)
            lv->interior = s;
    }
    lv->q = arena_calloc(ar, (size_t)(lv->C * lv->T), 1);
    lv->a = arena_calloc(ar, (size_t)(NS * lv->nodes * lv->C), sizeof *lv->a);
    lv->sgn = arena_calloc(ar, (size_t)(lv->T * lv->CW), 8);
    Taps tp;
    int64_t qmax = 0;
    int L = 0, Lmax = 1;
    for (int64_t o = 0; o < lv->C; o++) {
        levels(c, cc, neg, o, lv->T, &tp);
        if (!plan_channel(lv, &tp, thr->i + o * lv->nodes, sets, o, &L))
            return false;
        Lmax = L > Lmax ? L : Lmax;
        int64_t sum = 0;
        for (int64_t t = 0; t < lv->T; t++) {
            sum += lv->q[o * lv->T + t];
            lv->sgn[t * lv->CW + o / 64] |= (uint64_t)(tp.w[t] > 0) << (o % 64);
        }
        qmax = sum > qmax ? sum : qmax;
    }
    lv->qb = bits_of(Lmax);
    lv->nb = bits_of(qmax + 1); // every sum and step a fits
    return true;
}
