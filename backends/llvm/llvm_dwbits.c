// SPDX-License-Identifier: MIT
/* llvm_dwbits.c: a depthwise bpop_conv2d (groups = C = O) of 1-bit weights on 1- or
 * 2-plane activations (unmasked) whose pair sums go only to icomb -> a threshold of 1 or
 * 2 planes read only by one-group bit-serial convolutions (or, sums mode, 1-plane
 * input, only to an fcomb): bit-sliced, channels in the bits of words.
 * A pixel's channels are its CW packed words per plane (the layout the convolutions
 * read); per tap, XOR with the tap's weight bits gives each channel's mismatch bit, a
 * carry-save adder tree over the taps counts the mismatches D of 64 channels a word in
 * nb bit planes, and one borrow chain compares D with each channel's constant: the
 * threshold's output bits, already packed. S = n - 2D (n: the window's taps inside the
 * input; taps outside contribute nothing, as in the interpreter), so each threshold node
 * is one monotone step in D per channel and n (2 planes: in D1, per value of D0), found
 * at compile time from the icomb's and threshold's constants. Multi-plane weights on a
 * 1-plane input: levels mode (a weighted count, llvm_dwlevels.c) before a threshold, or
 * in sums mode (`group channel` weights) one count per weight plane.
 * Called by gen_bpop_conv2d (llvm_bpop.c) when g->dws says so (llvm_plan.c). */
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "llvm_bpop.h"
#include "llvm_dwlevels.h"
#include "llvm_int8.h"

#define B g->b

#define DWS_MAX_KW 3 // weight planes of sums mode

typedef struct Dws {
    IrWindow w;        // the layer's geometry
    int64_t T, CW, VW; // taps, words a pixel has per plane, words a vector
    int nb;            // bit planes of the count and of its thresholds: bits of T + 1
    int kx, ko;        // input planes (1 or 2), threshold planes (1 or 2; 0: sums mode)
    int nodes;         // the threshold tree's nodes, 2^ko - 1
    int64_t DN;        // kx = 2: the values T + 1 of plane 0's count a step is picked by
    LLVMTypeRef vt;    // <VW x i64>
    LLVMValueRef wt;   // tap t's weight bits, [T][CW] words
    /* The steps: [n = 0..T][D0 < DN][node][nb planes of a, then ~flip][CW] words. */
    LLVMValueRef tt;
    LLVMValueRef x, out;
    /* Interior chunks (CW = 1, 2 or 4): VP pixels of a row whose every tap is inside
     * the input, in one 8-word vector; rows [ylo, yhi) x columns [xlo, xhi) are those
     * pixels, the tap words and the n = T step repeated per pixel as constants. */
    int64_t VP, ylo, yhi, xlo, xhi;
    LLVMValueRef wrep[DWS_MAX_KW][64], *trep; // trep: [D0][node][plane] at n = T
    /* Sums mode (no threshold after it: an fcomb reads the pair sums): out is the i32
     * pair sums [O][OH][OW], S = n - 2D per channel, unpacked from the count's planes. */
    bool sums;
    /* Sums mode into fcomb [-> batchnorm] (fl): out is that op's floats, y = (α β) S +
     * bias rounded once [z = y scale + shift rounded once], in double as the ops; the
     * per-channel α, bias, scale and shift as [CW * 64] double tables, β this example's. */
    bool fl, bn;
    LLVMValueRef ta[DWS_MAX_KW], tb, ts, th, beta;
    /* Sums mode of `group channel` weights (kw planes, each channel's masks full or
     * empty): one count per plane m over every channel, S_m then 0 for the channels
     * without plane m, as the interpreter's masked pair sums (hmw: [kw][CW] words of
     * who has it; hall[m]: every channel has plane m). */
    int kw;
    uint64_t *hmw;
    bool hall[DWS_MAX_KW];
    /* Levels mode (llvm_dwlevels.h; kx = 1, a threshold): the mismatch bits with the
     * levels' signs (wt), summed with per-channel weights q: column j takes tap t's
     * bit AND the mask of the channels whose q_t has bit j (qm: [T][qb][CW]; qrep the
     * chunks' constants; qall: every channel's has it, no AND; qnone: none's). The steps
     * are per set of inside taps (rid, cid: each output row's and column's set), tint
     * the interior's. */
    const DwLevels *lv;
    LLVMValueRef qm, rid, cid, qrep[DWL_MAX_T][DWL_MAX_QB];
    bool qall[DWL_MAX_T][DWL_MAX_QB], qnone[DWL_MAX_T][DWL_MAX_QB];
    int64_t tint;
} Dws;

static int bits_of(int64_t v)
{
    int n = 0;
    while (v >> n)
        n++;
    return n;
}

/* Outputs [lo, hi) of a dimension of O whose every tap (k of them, dilation d, stride
 * s, padding p before) is inside the input's n (contiguous; lo = hi when none). */
static void interior(int64_t O, int64_t n, int64_t s, int64_t p, int64_t k, int64_t d, int64_t *lo,
                     int64_t *hi)
{
    *lo = *hi = 0;
    for (int64_t o = 0; o < O; o++) {
        int64_t i0 = o * s - p;
        if (i0 >= 0 && i0 + (k - 1) * d < n) {
            *lo = *hi > *lo ? *lo : o;
            *hi = o + 1;
        }
    }
}

/* The chunked interior of a layer of CW words a pixel: VP pixels a vector (0: none). */
static int64_t chunk_plan(const IrWindow *w, int64_t CW, int64_t *ylo, int64_t *yhi, int64_t *xlo,
                          int64_t *xhi)
{
    int64_t VP = CW == 1 || CW == 2 || CW == 4 ? 8 / CW : 0;
    interior(w->OH, w->H, w->sh, w->pt, w->kh, w->dh, ylo, yhi);
    interior(w->OW, w->W, w->sw, w->pl, w->kw, w->dw, xlo, xhi);
    return *yhi > *ylo && *xhi - *xlo >= VP ? VP : 0;
}

bool dws_shape_ok(const IrModule *m, const IrInst *in)
{
    if (in->op != IR_OP_BPOP_CONV2D)
        return false;
    IrWindow w = ir_window(m, in);
    const IrType *xt = ir_arg_type(m, in->args[0]);
    const IrConst *c = &m->consts.data[in->args[1].id];
    int64_t T = w.kh * w.kw;
    return w.groups > 1 && w.groups == w.C && w.groups == w.O && !xt->masked && c->type.bits == 1 &&
           !c->masks && (xt->bits == 1 ? T <= 62 : xt->bits == 2 && T <= 15);
}

double dws_cycles(const IrWindow *w, bool avx512, bool sums, int kx, int ko, int qb)
{
    int64_t CW = (w->C + 63) / 64, VW = CW % 8 == 0 ? 8 : CW % 4 == 0 ? 4 : CW % 2 == 0 ? 2 : 1;
    int64_t ylo, yhi, xlo, xhi, VP = chunk_plan(w, CW, &ylo, &yhi, &xlo, &xhi);
    double T = (double)(w->kh * w->kw), Q = qb;
    double nb = bits_of(qb ? w->kh * w->kw * ((1 << qb) - 1) + 1 : w->kh * w->kw + 1);
    // levels mode: per tap and weight bit an AND and ~2 per full adder (the plain count
    // ~2 T), and in a pixel one at a time each mask's load
    double tree = qb ? 3 * T * Q : 2 * T, masks = qb ? T * Q : 0;
    double inner = VP ? (double)((yhi - ylo) * (xhi - xlo)) : 0;
    double wide = avx512 || VW == 1 ? 1 : 2;
    // the threshold: per node nb + 1 loads and the chain (kx = 2: each of its planes
    // picked from T + 1 loads by equality masks of plane 0's count, 3 per load, and the
    // T + 1 masks of nb each), and the planes' stores
    // one at a time, per pixel and vector: per tap its address and bounds (~5 scalar),
    // per plane a load, the XOR and the select, the adder tree (2 per full adder, ~T),
    // then the threshold; 3 a cycle
    double nodes = (double)((1 << ko) - 1), DN = kx == 2 ? T + 1 : 1;
    double cmp = nodes * (3 * DN * (nb + 1) + nb + 1) + (kx == 2 ? DN * nb : 0) + 2 * ko;
    double vec = (double)(CW / VW) * (kx * (3 * T + tree) + masks + cmp) * wide;
    double one = ((double)(w->OH * w->OW) - inner) * (5 * T + vec) / 3;
    // interior chunks of VP pixels: per tap a load and an XOR (a shuffle at stride > 1),
    // the tree, nb + 1 and the store, 2 a cycle (8-word vectors: twice on AVX2)
    double chunk = (kx * (T * (w->sw > 1 || kx > 1 ? 3 : 2) + tree) + cmp) * (avx512 ? 1 : 2) / 2;
    // sums: per word and plane a widening shift and OR of 64 lanes (4 zmm), per output
    // an extract and a store, instead of the compare
    double out = sums ? (double)(w->OH * w->OW) * ((double)CW * nb * 12 + (double)w->C) / 2 : 0;
    return one + (VP ? inner / (double)VP * chunk : 0) + out;
}

/* The compile-time constants of a threshold's steps. */
typedef struct DwsRule {
    const IrConst *cc, *neg, *thr;
    int kx, nodes;
} DwsRule;

/* Node j's bit for channel o when n taps are inside and D of them mismatch (kx = 2: in
 * plane 1, and d0 in plane 0), exactly as the interpreter computes it: S = n - 2D per
 * plane, acc = sum of coef S, v = +-acc, bit = v >= thr. */
static int dws_bit(const DwsRule *r, int64_t o, int j, int64_t n, int64_t d0, int64_t D)
{
    const int32_t *c = r->cc->i + (r->cc->type.d[0] == 1 ? 0 : o) * r->kx;
    int64_t acc = r->kx == 1 ? (int64_t)c[0] * (n - 2 * D)
                             : (int64_t)c[0] * (n - 2 * d0) + (int64_t)c[1] * (n - 2 * D);
    int64_t v = r->neg->i[o] ? -acc : acc;
    return v >= r->thr->i[o * r->nodes + j];
}

/* An 8-word constant vector: the CW words w[] once per pixel of a chunk. */
static LLVMValueRef rep_words(G *g, const Dws *k, const uint64_t *w)
{
    LLVMValueRef l[8];
    for (int i = 0; i < 8; i++)
        l[i] = LLVMConstInt(g->i64, w[i % k->CW], 0);
    return LLVMConstVector(l, 8);
}

/* Levels mode: the weights' masks qm [T][qb][CW] (and the chunks' constants), which
 * columns each tap's bit goes to (qnone) and where no AND is needed (qall). */
static void dws_qmasks(G *g, Dws *k)
{
    const DwLevels *lv = k->lv;
    uint64_t nw = (uint64_t)(k->T * lv->qb * k->CW), *qm = calloc(nw, 8);
    HB_CHECK(qm, "out of memory");
    for (int64_t t = 0; t < k->T; t++)
        for (int j = 0; j < lv->qb; j++) {
            k->qall[t][j] = true;
            k->qnone[t][j] = true;
            for (int64_t o = 0; o < k->w.C; o++) {
                bool b = (lv->q[o * k->T + t] >> j) & 1;
                qm[(t * lv->qb + j) * k->CW + o / 64] |= (uint64_t)b << (o % 64);
                k->qall[t][j] &= b;
                k->qnone[t][j] &= !b;
            }
            if (k->VP)
                k->qrep[t][j] = rep_words(g, k, qm + (t * lv->qb + j) * k->CW);
        }
    k->qm = g_words(g, arena_printf(&g->cx->arena, "kbq.%s", g_argc(g, 1)->name), qm, nw);
    free(qm);
}

/* Sums mode of several planes: which channels have plane m (hmw, hall). */
static void dws_has_planes(G *g, Dws *k, const int *wid)
{
    uint64_t n = (uint64_t)(k->kw * k->CW);
    k->hmw = arena_calloc(&g->cx->arena, n, 8);
    for (int m = 0; m < k->kw; m++) {
        k->hall[m] = true;
        for (int64_t o = 0; o < k->w.C; o++) {
            k->hmw[m * k->CW + o / 64] |= (uint64_t)(wid[o] > m) << (o % 64);
            k->hall[m] &= wid[o] > m;
        }
    }
}

/* Tap t's weight bits of plane m as [kw][T][CW] words (and, for interior chunks, as
 * vector constants): in levels mode the signs of the taps' levels. */
static void dws_weights(G *g, Dws *k)
{
    const IrConst *w = g_argc(g, 1);
    uint64_t nw = (uint64_t)(k->kw * k->T * k->CW), rows = (uint64_t)w->type.d[0];
    uint64_t *wt = calloc(nw, 8);
    HB_CHECK(wt, "out of memory");
    if (k->lv)
        memcpy(wt, k->lv->sgn, nw * 8);
    for (int m = 0; !k->lv && m < k->kw; m++)
        for (int64_t o = 0; o < k->w.C; o++)
            for (int64_t t = 0; t < k->T; t++) {
                uint64_t at = ((uint64_t)m * rows + (uint64_t)o) * w->wpr + (uint64_t)t / 64;
                if ((w->planes[at] >> (t % 64)) & 1)
                    wt[(m * k->T + t) * k->CW + o / 64] |= 1ull << (o % 64);
            }
    for (int m = 0; m < k->kw; m++)
        for (int64_t t = 0; k->VP && t < k->T; t++)
            k->wrep[m][t] = rep_words(g, k, wt + (m * k->T + t) * k->CW);
    k->wt = g_words(g, arena_printf(&g->cx->arena, "kbw.%s", w->name), wt, nw);
    free(wt);
}

/* The step (D >= a) ^ flip in D of node j for channel o, n taps inside and plane 0's
 * count d0 (kx = 2); a channel past C gets a = 0, flip = 1 (its bits are 0). */
static void dws_step_of(const Dws *k, const DwsRule *r, int64_t o, int j, int64_t n, int64_t d0,
                        int64_t *pa, int *pflip)
{
    int64_t a = 0, flip = 1; // past C: always 0
    if (o < k->w.C) {
        int b0 = dws_bit(r, o, j, n, d0, 0);
        flip = !b0;
        a = n + 1; // D >= n + 1 never holds: the bit is b0 for every D
        for (int64_t D = 1; D <= n && a == n + 1; D++)
            if (dws_bit(r, o, j, n, d0, D) != b0)
                a = D;
        for (int64_t D = a; D <= n; D++) // one step: the icomb is linear in D
            HB_CHECK(dws_bit(r, o, j, n, d0, D) != b0, "a threshold of D is a step");
        if (a == n + 1) // constant: D >= 0 always holds
            a = 0, flip = !b0;
        else
            flip = b0;
    }
    *pa = a;
    *pflip = (int)flip;
}

/* Every step of threshold th as bit planes (tt), and those at n = T as vector
 * constants for the interior chunks (trep). */
static void dws_steps(G *g, Dws *k, const IrInst *th)
{
    const IrModule *m = g->m;
    const IrInst *ic = &m->insts.data[m->values.data[th->args[0].id].def];
    DwsRule r = {.cc = &m->consts.data[ic->args[1].id],
                 .neg = &m->consts.data[th->args[1].id],
                 .thr = &m->consts.data[th->args[2].id],
                 .kx = k->kx,
                 .nodes = k->nodes};
    int64_t per = k->DN * k->nodes * (k->nb + 1); // step planes per n (or inside set)
    int64_t ns = k->lv ? k->lv->nr * k->lv->nc : k->T + 1;
    uint64_t nt = (uint64_t)(ns * per * k->CW);
    uint64_t *tt = calloc(nt, 8);
    HB_CHECK(tt, "out of memory");
    for (int64_t o = 0; k->lv && o < k->w.C; o++) // sum < a (the flip plane 0)
        for (int64_t st = 0; st < ns; st++)
            for (int j = 0; j < k->nodes; j++) {
                int64_t a = k->lv->a[(st * k->nodes + j) * k->w.C + o];
                uint64_t at = (uint64_t)((st * k->nodes + j) * (k->nb + 1) * k->CW + o / 64);
                for (int b = 0; b < k->nb; b++)
                    tt[at + (uint64_t)(b * k->CW)] |= (uint64_t)((a >> b) & 1) << (o % 64);
            }
    for (int64_t o = 0; !k->lv && o < k->CW * 64; o++)
        for (int64_t n = 0; n <= k->T; n++)
            for (int64_t d0 = 0; d0 < k->DN; d0++)
                for (int j = 0; j < k->nodes; j++) {
                    int64_t a, pl0 = ((n * k->DN + d0) * k->nodes + j) * (k->nb + 1);
                    int flip;
                    dws_step_of(k, &r, o, j, n, d0, &a, &flip);
                    uint64_t at = (uint64_t)(pl0 * k->CW + o / 64);
                    for (int b = 0; b < k->nb; b++)
                        tt[at + (uint64_t)(b * k->CW)] |= (uint64_t)((a >> b) & 1) << (o % 64);
                    tt[at + (uint64_t)(k->nb * k->CW)] |= (uint64_t)!flip << (o % 64);
                }
    k->trep = k->VP ? arena_alloc(&g->cx->arena, (size_t)per * sizeof *k->trep) : NULL;
    for (int64_t q = 0; k->VP && q < per; q++)
        k->trep[q] = rep_words(g, k, tt + (k->tint * per + q) * k->CW);
    k->tt = g_words(g, arena_printf(&g->cx->arena, "kbt.%s", r.thr->name), tt, nt);
    free(tt);
}

static LLVMValueRef vload(G *g, Dws *k, LLVMValueRef p, LLVMValueRef word)
{
    LLVMValueRef v = LLVMBuildLoad2(B, k->vt, g_gep(g, g->i64, p, word), "");
    LLVMSetAlignment(v, 8);
    return v;
}

/* The carry-save adder tree: the sum of the one-bit vectors in[j][0..n[j]) of weight 2^j
 * (j < cols) as k->nb bit planes d[] (the carries past them are 0: the sum is at most
 * T < 2^nb, or in levels mode the largest sum of weights). */
static void dws_columns(G *g, const Dws *k, LLVMTypeRef vt, LLVMValueRef (*in)[64], const int *n,
                        int cols, LLVMValueRef *d)
{
    LLVMValueRef q[2][256]; // a full adder's sum goes to the back: < 1.5 (n + carries)
    int nq = 0, cur = 0;
    for (int j = 0; j < k->nb; j++) {
        LLVMValueRef *c = q[cur], *nx = q[!cur];
        int h = 0, nn = 0;
        for (int i = 0; j < cols && i < n[j]; i++)
            c[nq++] = in[j][i];
        while (nq - h >= 3) { // full adder: sum stays, carry moves up
            LLVMValueRef a = c[h], b = c[h + 1], e = c[h + 2], ab = LLVMBuildXor(B, a, b, "");
            h += 3;
            c[nq++] = LLVMBuildXor(B, ab, e, "");
            nx[nn++] = LLVMBuildOr(B, LLVMBuildAnd(B, a, b, ""), LLVMBuildAnd(B, ab, e, ""), "");
        }
        if (nq - h == 2) { // half adder
            nx[nn++] = LLVMBuildAnd(B, c[h], c[h + 1], "");
            d[j] = LLVMBuildXor(B, c[h], c[h + 1], "");
        } else {
            d[j] = nq - h ? c[h] : LLVMConstNull(vt);
        }
        cur = !cur;
        nq = nn;
    }
}

/* The count of the one-bit vectors in[0..n) (dws_columns of one column). */
static void dws_count(G *g, const Dws *k, LLVMTypeRef vt, LLVMValueRef *in, int n, LLVMValueRef *d)
{
    LLVMValueRef col[1][64];
    for (int i = 0; i < n; i++)
        col[0][i] = in[i];
    dws_columns(g, k, vt, col, &n, 1, d);
}

/* Levels mode: the weighted count of the mismatch bits mis[0..T) as k->nb bit planes d[]:
 * column j takes each tap's bit AND its mask qv[t][j] (none where no channel's weight
 * has bit j; the bit itself where every channel's has). */
static void dws_wcount(G *g, const Dws *k, LLVMTypeRef vt, const LLVMValueRef *mis,
                       LLVMValueRef (*qv)[DWL_MAX_QB], LLVMValueRef *d)
{
    LLVMValueRef col[DWL_MAX_QB][64];
    int n[DWL_MAX_QB] = {0};
    for (int j = 0; j < k->lv->qb; j++)
        for (int64_t t = 0; t < k->T; t++)
            if (!k->qnone[t][j])
                col[j][n[j]++] = k->qall[t][j] ? mis[t] : LLVMBuildAnd(B, mis[t], qv[t][j], "");
    dws_columns(g, k, vt, col, n, k->lv->qb, d);
}

/* (D >= a) ^ flip for the count's planes d[] (type vt): the borrow of D - a, with a's
 * planes pl[0..nb) and ~flip pl[nb]. */
static LLVMValueRef dws_cmp(G *g, const Dws *k, LLVMTypeRef vt, const LLVMValueRef *d,
                            const LLVMValueRef *pl)
{
    LLVMValueRef borrow = LLVMConstNull(vt), ones = LLVMConstAllOnes(vt);
    for (int j = 0; j < k->nb; j++) { // borrow of D - a: maj(~d, a, borrow)
        LLVMValueRef nd = LLVMBuildXor(B, d[j], ones, ""), a = pl[j];
        borrow = LLVMBuildOr(B, LLVMBuildAnd(B, nd, a, ""),
                             LLVMBuildAnd(B, borrow, LLVMBuildOr(B, nd, a, ""), ""), "");
    }
    return LLVMBuildXor(B, borrow, pl[k->nb], "");
}

/* The threshold's planes out[0..ko) from the counts d[plane][0..nb): per tree node its
 * step's planes (kx = 2: picked by plane 0's count, an equality mask per value it can
 * take), from the table at word tab (per-pixel) or the n = T constants (tab NULL),
 * compared with the last plane's count; bit 1 = bit 0 ? node 2 : node 1. */
static void dws_tree(G *g, Dws *k, LLVMTypeRef vt, LLVMValueRef (*d)[16], LLVMValueRef tab,
                     LLVMValueRef *out)
{
    LLVMValueRef eq[16], node[3], ones = LLVMConstAllOnes(vt);
    for (int64_t v = 0; k->kx == 2 && v < k->DN; v++) {
        eq[v] = ones;
        for (int b = 0; b < k->nb; b++)
            eq[v] = LLVMBuildAnd(B, eq[v],
                                 (v >> b) & 1 ? d[0][b] : LLVMBuildXor(B, d[0][b], ones, ""), "");
    }
    for (int j = 0; j < k->nodes; j++) {
        LLVMValueRef pl[17];
        for (int p = 0; p <= k->nb; p++) {
            pl[p] = NULL;
            for (int64_t v = 0; v < k->DN; v++) {
                int64_t at = (v * k->nodes + j) * (k->nb + 1) + p;
                LLVMValueRef st =
                        tab ? vload(g, k, k->tt, g_addk(g, tab, at * k->CW)) : k->trep[at];
                st = k->kx == 2 ? LLVMBuildAnd(B, eq[v], st, "") : st;
                pl[p] = pl[p] ? LLVMBuildOr(B, pl[p], st, "") : st;
            }
        }
        node[j] = dws_cmp(g, k, vt, d[k->kx - 1], pl);
    }
    out[0] = node[0];
    if (k->ko == 2)
        out[1] = LLVMBuildOr(B, LLVMBuildAnd(B, node[0], node[2], ""),
                             LLVMBuildAnd(B, LLVMBuildXor(B, node[0], ones, ""), node[1], ""), "");
}

static void vstore(G *g, LLVMValueRef v, LLVMValueRef p, LLVMValueRef word)
{
    LLVMSetAlignment(LLVMBuildStore(B, v, g_gep(g, g->i64, p, word)), 8);
}

/* A [CW * 64] f64 table (as i64 words): v(c) for the channels (column col of c's rows),
 * 0 past C. */
static LLVMValueRef dtable(G *g, Dws *k, const char *name, const IrConst *c, int64_t stride,
                           int64_t col, double none)
{
    uint64_t n = (uint64_t)(k->CW * 64), *wd = calloc(n, 8);
    HB_CHECK(wd, "out of memory");
    for (int64_t o = 0; o < k->w.C; o++) {
        double v = c ? (double)c->f[(c->type.d[0] == 1 ? 0 : o) * stride + col] : none;
        memcpy(&wd[o], &v, 8);
    }
    LLVMValueRef r = g_words(g, arena_printf(&g->cx->arena, name, c ? c->name : "bn"), wd, n);
    free(wd);
    return r;
}

/* Sums mode into fcomb dest [-> batchnorm]: its tables. */
static void dws_float_tables(G *g, Dws *k, uint32_t dest)
{
    const IrModule *m = g->m;
    const IrInst *di = &m->insts.data[m->values.data[dest].def], *fc = di;
    k->bn = di->op == IR_OP_BATCHNORM;
    if (k->bn)
        fc = &m->insts.data[m->values.data[di->args[0].id].def];
    const IrConst *al = &m->consts.data[fc->args[2].id];
    for (int p = 0; p < k->kw; p++) // plane p's α (column p of the rows)
        k->ta[p] =
                dtable(g, k, arena_printf(&g->cx->arena, "kba%d.%%s", p), al, al->type.d[1], p, 0);
    k->tb = dtable(g, k, "kbb.%s", &m->consts.data[fc->args[3].id], 1, 0, 0);
    if (k->bn) {
        k->ts = dtable(g, k, "kbs.%s", &m->consts.data[di->args[1].id], 1, 0, 1);
        k->th = dtable(g, k, "kbh.%s", &m->consts.data[di->args[2].id], 1, 0, 0);
    }
    k->fl = true;
}

/* 64 lanes of the f64 table t from channel word*64. */
static LLVMValueRef dlanes(G *g, LLVMValueRef t, int64_t word)
{
    LLVMTypeRef vd = LLVMVectorType(g->f64, 64);
    LLVMValueRef v = LLVMBuildLoad2(B, vd, g_gep(g, g->i64, t, g_i64(g, word * 64)), "");
    LLVMSetAlignment(v, 8);
    return v;
}

/* The fcomb [+ batchnorm] of 64 channels' pair sums S[0..kw) (i32 lanes) from channel
 * word*64, exactly as the ops compute them (docs/ir.md §4): y = 0 + (α_0 β) S_0 + ... in
 * double, rounded once after + bias; z = y · scale + shift in double, rounded once. */
static LLVMValueRef dws_fcomb(G *g, Dws *k, const LLVMValueRef *S, int64_t word)
{
    LLVMTypeRef vd = LLVMVectorType(g->f64, 64), vf = LLVMVectorType(g->f32, 64);
    LLVMValueRef be =
            g_splat(g, LLVMBuildFPExt(B, g_load(g, g->f32, k->beta, g_i64(g, 0)), g->f64, ""), 64);
    LLVMValueRef y = LLVMConstNull(vd);
    for (int m = 0; m < k->kw; m++) {
        LLVMValueRef ab = LLVMBuildFMul(B, dlanes(g, k->ta[m], word), be, "");
        y = LLVMBuildFAdd(B, y, LLVMBuildFMul(B, ab, LLVMBuildSIToFP(B, S[m], vd, ""), ""), "");
    }
    LLVMValueRef z = LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, y, dlanes(g, k->tb, word), ""), vf, "");
    if (!k->bn)
        return z;
    z = LLVMBuildFMul(B, LLVMBuildFPExt(B, z, vd, ""), dlanes(g, k->ts, word), "");
    return LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, z, dlanes(g, k->th, word), ""), vf, "");
}

/* Sums mode: S = n - 2D of the words of vectors mis[] (vt, nw words), word i holding
 * channels (w0 + i % wpp) * 64 .. of output pixel pix0 + i / wpp (wpp: the words a
 * pixel has in the vector). Per word the count's planes become 64 lanes of D (each plane
 * word as 64 bits, widened and shifted into place), stored lane by lane to the channels'
 * rows: one scalar store per output. */
static void dws_sums(G *g, Dws *k, LLVMTypeRef vt, int nw, LLVMValueRef (*mis)[64], LLVMValueRef n,
                     LLVMValueRef pix0, int64_t w0, int64_t wpp)
{
    LLVMValueRef d[DWS_MAX_KW][16];
    LLVMTypeRef v64 = LLVMVectorType(g->i32, 64), b64 = LLVMVectorType(g->i1, 64);
    for (int m = 0; m < k->kw; m++)
        dws_count(g, k, vt, mis[m], (int)k->T, d[m]);
    LLVMValueRef nv = g_splat(g, LLVMBuildTrunc(B, n, g->i32, ""), 64);
    for (int i = 0; i < nw; i++) {
        int64_t word = w0 + i % wpp;
        LLVMValueRef S[DWS_MAX_KW], pix = g_addk(g, pix0, i / wpp);
        for (int m = 0; m < k->kw; m++) {
            LLVMValueRef D = LLVMConstNull(v64);
            for (int j = 0; j < k->nb; j++) {
                LLVMValueRef e = LLVMBuildExtractElement(B, d[m][j], g_i32(g, i), "");
                LLVMValueRef z = LLVMBuildZExt(B, LLVMBuildBitCast(B, e, b64, ""), v64, "");
                D = LLVMBuildOr(B, D, LLVMBuildShl(B, z, g_splat(g, g_i32(g, j), 64), ""), "");
            }
            S[m] = LLVMBuildSub(B, nv, LLVMBuildShl(B, D, g_splat(g, g_i32(g, 1), 64), ""), "");
            if (!k->hall[m]) // the channels without plane m: S = 0 (their masks are empty)
                S[m] = LLVMBuildSelect(
                        B,
                        LLVMBuildBitCast(B, g_i64(g, (int64_t)k->hmw[m * k->CW + word]), b64, ""),
                        S[m], LLVMConstNull(v64), "");
        }
        if (k->fl) {
            LLVMValueRef v = dws_fcomb(g, k, S, word);
            for (int64_t l = 0; l < 64 && word * 64 + l < k->w.C; l++)
                g_store(g, g->f32, k->out,
                        g_add(g, g_i64(g, (word * 64 + l) * k->w.OH * k->w.OW), pix),
                        LLVMBuildExtractElement(B, v, g_i32(g, (int)l), ""));
            continue;
        }
        for (int m = 0; m < k->kw; m++) // plane m's pair sums: [m][O][OH][OW]
            for (int64_t l = 0; l < 64 && word * 64 + l < k->w.C; l++)
                g_store(g, g->i32, k->out,
                        g_add(g, g_i64(g, (m * k->w.C + word * 64 + l) * k->w.OH * k->w.OW), pix),
                        LLVMBuildExtractElement(B, S[m], g_i32(g, (int)l), ""));
    }
}

/* Output pixel (oy, ox), words [w0, w0 + VW): taps outside the input mismatch nowhere,
 * and n (the taps inside) picks the step's planes. */
static void dws_pixel(G *g, Dws *k, LLVMValueRef oy, LLVMValueRef ox, LLVMValueRef w0)
{
    LLVMValueRef mis[DWS_MAX_KW][64], d[2][16], out[2] = {NULL, NULL}, n = g_i64(g, 0),
                                                zero = LLVMConstNull(k->vt);
    for (int64_t ky = 0; ky < k->w.kh; ky++)
        for (int64_t kx = 0; kx < k->w.kw; kx++) {
            LLVMValueRef iy = g_addk(g, g_mulk(g, oy, k->w.sh), ky * k->w.dh - k->w.pt);
            LLVMValueRef ix = g_addk(g, g_mulk(g, ox, k->w.sw), kx * k->w.dw - k->w.pl);
            LLVMValueRef in =
                    LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntULT, iy, g_i64(g, k->w.H), ""),
                                 LLVMBuildICmp(B, LLVMIntULT, ix, g_i64(g, k->w.W), ""), "");
            LLVMValueRef pix = g_add(g, g_mulk(g, iy, k->w.W), ix);
            pix = LLVMBuildSelect(B, in, pix, g_i64(g, 0), ""); // a safe address outside
            int64_t t = ky * k->w.kw + kx;
            for (int q = 0; q < k->kx; q++) {
                LLVMValueRef xv =
                        vload(g, k, k->x,
                              g_add(g, g_mulk(g, g_addk(g, g_mulk(g, pix, k->kx), q), k->CW), w0));
                for (int m = 0; m < k->kw; m++) { // (kw > 1: sums mode, kx = 1)
                    LLVMValueRef wv = vload(g, k, k->wt, g_addk(g, w0, (m * k->T + t) * k->CW));
                    mis[q + m][t] = LLVMBuildSelect(B, in, LLVMBuildXor(B, xv, wv, ""), zero, "");
                }
            }
            n = g_add(g, n, LLVMBuildZExt(B, in, g->i64, ""));
        }
    LLVMValueRef pix = g_add(g, g_mulk(g, oy, k->w.OW), ox);
    if (k->sums) { // w0 is a constant here (dws_cols unrolls the words)
        dws_sums(g, k, k->vt, (int)k->VW, mis, n, pix, (int64_t)LLVMConstIntGetZExtValue(w0),
                 k->VW);
        return;
    }
    int64_t per = k->DN * k->nodes * (k->nb + 1) * k->CW; // step words per n or inside set
    LLVMValueRef tab = g_mulk(g, n, per);
    if (k->lv) { // the weighted count; the steps of the pixel's set of inside taps
        LLVMValueRef qv[DWL_MAX_T][DWL_MAX_QB];
        for (int64_t t = 0; t < k->T; t++)
            for (int j = 0; j < k->lv->qb; j++)
                qv[t][j] = k->qall[t][j] || k->qnone[t][j]
                                   ? NULL
                                   : vload(g, k, k->qm, g_addk(g, w0, (t * k->lv->qb + j) * k->CW));
        dws_wcount(g, k, k->vt, mis[0], qv, d[0]);
        LLVMValueRef st = g_add(g, g_mulk(g, g_load(g, g->i64, k->rid, oy), k->lv->nc),
                                g_load(g, g->i64, k->cid, ox));
        tab = g_mulk(g, st, per);
    } else {
        for (int q = 0; q < k->kx; q++)
            dws_count(g, k, k->vt, mis[q], (int)k->T, d[q]);
    }
    dws_tree(g, k, k->vt, d, g_add(g, tab, w0), out);
    for (int m = 0; m < k->ko; m++)
        vstore(g, out[m], k->out,
               g_add(g, g_mulk(g, g_addk(g, g_mulk(g, pix, k->ko), m), k->CW), w0));
}

/* Output pixels ox0 .. ox0 + VP - 1 of interior row oy (every tap inside: n = T), their
 * CW words each in one 8-word vector per plane: per tap and plane one load (several
 * planes or stride > 1: of the span, then a shuffle picking each pixel's words), the XOR
 * with the tap's words as a constant; the planes' results interleaved into one store. */
static void dws_chunk(G *g, Dws *k, LLVMValueRef oy, LLVMValueRef ox0)
{
    int64_t L = ((k->VP - 1) * k->w.sw + 1) * k->kx * k->CW;
    LLVMTypeRef v8 = LLVMVectorType(g->i64, 8), vl = LLVMVectorType(g->i64, (unsigned)L);
    LLVMValueRef mis[DWS_MAX_KW][64], d[2][16], out[2] = {NULL, NULL}, mask[2][8], il[16];
    for (int q = 0; q < k->kx; q++)
        for (int l = 0; l < 8; l++)
            mask[q][l] = g_i32(g, ((l / k->CW) * k->w.sw * k->kx + q) * k->CW + l % k->CW);
    for (int64_t ky = 0; ky < k->w.kh; ky++)
        for (int64_t kx = 0; kx < k->w.kw; kx++) {
            LLVMValueRef iy = g_addk(g, g_mulk(g, oy, k->w.sh), ky * k->w.dh - k->w.pt);
            LLVMValueRef ix = g_addk(g, g_mulk(g, ox0, k->w.sw), kx * k->w.dw - k->w.pl);
            LLVMValueRef at = g_mulk(g, g_add(g, g_mulk(g, iy, k->w.W), ix), k->kx * k->CW);
            LLVMValueRef xl = LLVMBuildLoad2(B, vl, g_gep(g, g->i64, k->x, at), "");
            LLVMSetAlignment(xl, 8);
            for (int q = 0; q < k->kx; q++) {
                LLVMValueRef xv = L == 8 ? xl
                                         : LLVMBuildShuffleVector(B, xl, LLVMGetUndef(vl),
                                                                  LLVMConstVector(mask[q], 8), "");
                for (int m = 0; m < k->kw; m++) { // (kw > 1: sums mode, kx = 1)
                    mis[q + m][ky * k->w.kw + kx] =
                            LLVMBuildXor(B, xv, k->wrep[m][ky * k->w.kw + kx], "");
                }
            }
        }
    LLVMValueRef pix = g_add(g, g_mulk(g, oy, k->w.OW), ox0);
    if (k->sums) {
        dws_sums(g, k, v8, 8, mis, g_i64(g, k->T), pix, 0, k->CW);
        return;
    }
    if (k->lv)
        dws_wcount(g, k, v8, mis[0], k->qrep, d[0]);
    for (int q = 0; !k->lv && q < k->kx; q++)
        dws_count(g, k, v8, mis[q], (int)k->T, d[q]);
    dws_tree(g, k, v8, d, NULL, out);
    if (k->ko == 1) {
        vstore(g, out[0], k->out, g_mulk(g, pix, k->CW));
        return;
    }
    for (int i = 0; i < 16; i++) // pixel i / 2CW's plane (i / CW) % 2, word i % CW
        il[i] = g_i32(g, (i / k->CW) % 2 * 8 + i / (2 * k->CW) * k->CW + i % k->CW);
    vstore(g, LLVMBuildShuffleVector(B, out[0], out[1], LLVMConstVector(il, 16), ""), k->out,
           g_mulk(g, pix, 2 * k->CW));
}

/* Pixels [a, b) of row oy, one at a time. */
static void dws_cols(G *g, Dws *k, LLVMValueRef oy, int64_t a, int64_t b)
{
    if (a >= b)
        return;
    GLoop lx, lw;
    LLVMValueRef ox = g_addk(g, g_loop_begin(g, &lx, g_i64(g, b - a), "bx"), a);
    if (k->sums) { // each vector's channels known at compile time (the last word's)
        for (int64_t w = 0; w < k->CW / k->VW; w++)
            dws_pixel(g, k, oy, ox, g_i64(g, w * k->VW));
    } else {
        LLVMValueRef w = g_loop_begin(g, &lw, g_i64(g, k->CW / k->VW), "bw");
        dws_pixel(g, k, oy, ox, g_mulk(g, w, k->VW));
        g_loop_end(g, &lw);
    }
    g_loop_end(g, &lx);
}

/* Row oy: in an interior row, the border pixels one at a time and the interior in
 * chunks of VP (the last one overlapping the one before when VP does not divide the
 * interior: it writes the same words again). */
static void dws_row(G *g, Dws *k, LLVMValueRef oy)
{
    if (!k->VP) {
        dws_cols(g, k, oy, 0, k->w.OW);
        return;
    }
    LLVMBasicBlockRef in = LLVMAppendBasicBlockInContext(g->C, g->fn, "bs.in"),
                      bo = LLVMAppendBasicBlockInContext(g->C, g->fn, "bs.border"),
                      nx = LLVMAppendBasicBlockInContext(g->C, g->fn, "bs.next");
    LLVMValueRef inr = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, oy, g_i64(g, k->ylo), ""),
                                    LLVMBuildICmp(B, LLVMIntSLT, oy, g_i64(g, k->yhi), ""), "");
    LLVMBuildCondBr(B, inr, in, bo);
    LLVMPositionBuilderAtEnd(B, in);
    dws_cols(g, k, oy, 0, k->xlo);
    GLoop lq;
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, (k->xhi - k->xlo + k->VP - 1) / k->VP), "bq");
    LLVMValueRef ox0 = g_addk(g, g_mulk(g, q, k->VP), k->xlo), last = g_i64(g, k->xhi - k->VP);
    ox0 = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, ox0, last, ""), ox0, last, "");
    dws_chunk(g, k, oy, ox0);
    g_loop_end(g, &lq);
    dws_cols(g, k, oy, k->xhi, k->w.OW);
    LLVMBuildBr(B, nx);
    LLVMPositionBuilderAtEnd(B, bo);
    dws_cols(g, k, oy, 0, k->w.OW);
    LLVMBuildBr(B, nx);
    LLVMPositionBuilderAtEnd(B, nx);
}

/* Rows [lo, hi) of the output, in an outlined function hbrt_par may split. */
static void dws_run(G *g, Dws *k, double cycles)
{
    LLVMTypeRef fields[] = {g->ptr, g->ptr, g->ptr};
    LLVMTypeRef st = LLVMStructTypeInContext(g->C, fields, 3, 0);
    LLVMValueRef args = g_var(g, st, NULL);
    LLVMBuildStore(B, k->x, LLVMBuildStructGEP2(B, st, args, 0, ""));
    LLVMBuildStore(B, k->out, LLVMBuildStructGEP2(B, st, args, 1, ""));
    LLVMBuildStore(B, k->beta ? k->beta : LLVMConstNull(g->ptr),
                   LLVMBuildStructGEP2(B, st, args, 2, ""));
    GFnSave sv;
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64};
    LLVMValueRef fn = g_fn_push(g, &sv, arena_printf(&g->cx->arena, "dwbits.%u", g->in->result),
                                LLVMFunctionType(g->vd, ps, 3, 0));
    LLVMValueRef a = LLVMGetParam(fn, 0), lo = LLVMGetParam(fn, 1);
    k->x = LLVMBuildLoad2(B, g->ptr, LLVMBuildStructGEP2(B, st, a, 0, ""), "");
    k->out = LLVMBuildLoad2(B, g->ptr, LLVMBuildStructGEP2(B, st, a, 1, ""), "");
    k->beta = LLVMBuildLoad2(B, g->ptr, LLVMBuildStructGEP2(B, st, a, 2, ""), "");
    GLoop ly;
    LLVMValueRef oy =
            g_add(g, lo, g_loop_begin(g, &ly, LLVMBuildSub(B, LLVMGetParam(fn, 2), lo, ""), "by"));
    dws_row(g, k, oy);
    g_loop_end(g, &ly);
    LLVMBuildRetVoid(B);
    g_fn_pop(g, &sv);
    g_par(g, fn, args, k->w.OH, cycles);
}

void gen_dws(G *g, const IrWindow *w)
{
    uint32_t xv = g->in->args[0].id, dest = g_plan_epilogue(g, g->in->result);
    const IrInst *di = dest == UINT32_MAX ? NULL : &g->m->insts.data[g->m->values.data[dest].def];
    const IrInst *th = di && di->op == IR_OP_THRESHOLD ? di : NULL;
    HB_CHECK(!di || (th && g_plan_conv_packed(g, dest)) || di->op == IR_OP_FCOMB ||
                     di->op == IR_OP_BATCHNORM,
             "a bit-sliced depthwise layer writes its threshold's packed words, its sums or "
             "their fcomb's floats");
    Dws k = {.w = *w};
    k.T = k.w.kh * k.w.kw;
    k.CW = (k.w.C + 63) / 64;
    k.VW = k.CW % 8 == 0 ? 8 : k.CW % 4 == 0 ? 4 : k.CW % 2 == 0 ? 2 : 1;
    k.nb = bits_of(k.T + 1);
    k.vt = LLVMVectorType(g->i64, (unsigned)k.VW);
    k.VP = chunk_plan(w, k.CW, &k.ylo, &k.yhi, &k.xlo, &k.xhi);
    k.sums = !th;
    k.kx = g_argt(g, 0)->bits;
    k.ko = th ? g->m->values.data[dest].type.bits : 0;
    k.nodes = (1 << k.ko) - 1;
    k.DN = k.kx == 2 ? k.T + 1 : 1;
    HB_CHECK(k.kx <= 2 && k.ko <= 2 && (!k.sums || k.kx == 1) && k.DN <= 16,
             "bit-sliced depthwise: up to 2 input and 2 output planes");
    k.tint = k.T; // the steps at n = T
    k.kw = 1;
    for (int m = 0; m < DWS_MAX_KW; m++)
        k.hall[m] = true;
    if (k.sums && g_argc(g, 1)->type.bits > 1) { // as g_dws_layers checked: full or empty masks
        k.kw = g_argc(g, 1)->type.bits;
        int *wid = arena_alloc(&g->cx->arena, (size_t)k.w.C * sizeof *wid);
        HB_CHECK(k.kw <= DWS_MAX_KW && bpop_row_widths(g_argc(g, 1), k.T, wid),
                 "a bit-sliced depthwise layer's planes are each channel's whole or empty");
        dws_has_planes(g, &k, wid);
    }
    DwLevels lv;
    if (th && dwl_shape_ok(g->m, g->in)) { // levels mode: as g_dws_layers planned it
        HB_CHECK(dwl_plan(&g->cx->arena, g->m, g->in, th, &lv) && (!k.VP || lv.interior >= 0),
                 "a bit-sliced depthwise layer of multi-plane weights has its levels");
        k.lv = &lv;
        k.nb = lv.nb;
        k.tint = lv.interior;
        const char *wn = g_argc(g, 1)->name;
        k.rid = g_words(g, arena_printf(&g->cx->arena, "kbr.%s", wn), (uint64_t *)lv.rowid,
                        (uint64_t)k.w.OH);
        k.cid = g_words(g, arena_printf(&g->cx->arena, "kbc.%s", wn), (uint64_t *)lv.colid,
                        (uint64_t)k.w.OW);
        dws_qmasks(g, &k);
    }
    dws_weights(g, &k);
    if (th)
        dws_steps(g, &k, th);
    if (di && !th)
        dws_float_tables(g, &k, dest);
    if (g_plan_conv_packed(g, xv)) {
        k.x = g_arg(g, 0)->p;
    } else { // its producer stored code bytes: pack them
        BGeo b = {.C = k.w.C, .H = k.w.H, .W = k.w.W, .G = 1, .cg = k.w.C, .kx = k.kx, .CW = k.CW};
        k.x = g_alloc(g, (uint64_t)(8 * (k.w.H * k.w.W + 1) * k.kx * k.CW));
        bpop_pack_image(g, &b, g_arg(g, 0), g_argt(g, 0), k.x, NULL, false);
    }
    k.beta = g_arg(g, 0)->beta; // this example's scales (the fcomb reads the bpop's input)
    if (di) {                   // the threshold's packed words or the fcomb's (batchnorm's) floats
        const IrInst *save = g->in;
        g->in = di;
        g_alloc_value(g, &g->val[dest], &g->m->values.data[dest].type);
        g->in = save;
        k.out = g->val[dest].p;
    } else { // every pair sum is written
        g_alloc_output(g, g_out(g), g_outt(g));
        k.out = g_out(g)->p;
    }
    dws_run(g, &k,
            dws_cycles(w, g->tier >= TIER_AVX512BW, k.sums, k.kx * k.kw, k.ko,
                       k.lv ? k.lv->qb : 0));
}
