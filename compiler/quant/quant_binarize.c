// SPDX-License-Identifier: MIT
/* quant_binarize.c: Eq. 5, masked residual binarization (docs/algorithm.md §2), given the
 * widths M from quant_select.c, plus the reconstruction error. sign(0) = -1 and the
 * residual is taken against the float32 scales, so every backend agrees bit for bit. */
#include <math.h>
#include <stdbool.h>

#include "quant_internal.h"

/* The tests below are data-dependent coin flips (is element j still active, is its
 * residual positive), so the loops select through small tables instead of branching. An
 * inactive term is +0.0, which leaves every sum and residual unchanged. */
typedef double Coef[2][2]; // [active][sign bit]: 0, 0, -alpha, +alpha

static void coef_set(Coef c, float alpha)
{
    c[0][0] = c[0][1] = 0.0;
    c[1][0] = -(double)alpha;
    c[1][1] = (double)alpha;
}

/* One pass per level m: finish level m-1 (E_j -= alpha_{m-1} s_{m-1,j} where M_j >= m),
 * then take the level-m sign of every active residual and sum |E_j| in index order.
 * Levels 0 and 1 read the residual straight from T (E_0 = T), and only levels that a
 * later level reads back store it, so 1- and 2-bit tensors need no residual array. */
static float binarize_level(const float *T, double *E, uint64_t n, const uint8_t *M, int m,
                            int maxbits, const float *alpha, uint8_t *signs)
{
    Coef prev;
    coef_set(prev, m > 0 ? alpha[m - 1] : 0.0f);
    int pm = m > 0 ? m - 1 : 0;
    bool from_t = m <= 1, keep = m >= 1 && m < maxbits - 1;
    double sum = 0;
    uint64_t cnt = 0;
    for (uint64_t j = 0; j < n; j++) {
        uint8_t s = m > 0 ? signs[j] : 0;
        unsigned was = M[j] > pm, active = M[j] > m;
        double e = (from_t ? (double)T[j] : E[j]) - prev[was][(s >> pm) & 1];
        if (keep)
            E[j] = e;
        signs[j] = s | (uint8_t)((active & (e > 0)) << m);
        sum += fabs(e) * (double)active;
        cnt += active;
    }
    return cnt ? (float)(sum / (double)cnt) : 0.0f;
}

/* Every reconstructed value, by (width, sign byte): tab[w * 256 + s] is the sum over the
 * levels m < min(w, maxbits) of +-alpha_m, added in level order, so a lookup gives
 * exactly the per-element sum. */
static void recon_table(const float *alpha, int maxbits, double *tab)
{
    for (int w = 0; w <= HB_MAX_BITS; w++) {
        int levels = w < maxbits ? w : maxbits;
        for (unsigned s = 0; s < (1u << w); s++) {
            double acc = 0;
            for (int m = 0; m < levels; m++)
                acc += (s >> m) & 1 ? (double)alpha[m] : -(double)alpha[m];
            tab[w * 256 + s] = acc;
        }
    }
}

double quant_reconstruct(const float *T, uint64_t n, const uint8_t *M, int maxbits,
                         const float *alpha, const uint8_t *signs, float *recon)
{
    double tab[(HB_MAX_BITS + 1) * 256];
    recon_table(alpha, maxbits, tab);
    double sq = 0;
    for (uint64_t j = 0; j < n; j++) {
        float r = (float)tab[M[j] * 256 + signs[j]];
        double e = (double)r - (double)T[j];
        sq += e * e;
        if (recon)
            recon[j] = r;
    }
    return sq;
}

void quant_binarize_work(const float *T, uint64_t n, const uint8_t *M, int maxbits, float *alpha,
                         uint8_t *signs, double *E)
{
    for (int m = 0; m < maxbits; m++)
        alpha[m] = binarize_level(T, E, n, M, m, maxbits, alpha, signs);
}

void quant_binarize(const float *T, uint64_t n, const uint8_t *M, int maxbits, float *alpha,
                    uint8_t *signs, float *recon)
{
    double *E = maxbits > 2 ? quant_xmalloc(n, sizeof *E) : NULL;
    quant_binarize_work(T, n, M, maxbits, alpha, signs, E);
    quant_xfree(E);
    if (recon)
        quant_reconstruct(T, n, M, maxbits, alpha, signs, recon);
}

double quant_rel_error(const float *T, const float *R, uint64_t n)
{
    double num = 0, den = 0;
    for (uint64_t j = 0; j < n; j++) {
        double e = (double)R[j] - (double)T[j];
        num += e * e;
        den += (double)T[j] * (double)T[j];
    }
    return den > 0 ? sqrt(num / den) : 0.0;
}
