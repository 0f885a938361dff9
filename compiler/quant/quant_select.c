// SPDX-License-Identifier: MIT
/* quant_select.c: which element gets which width (Algorithm 1, docs/algorithm.md §3).
 * Orders for middle-out / top-down / bottom-up / random, the cumulative round-half-up
 * counts, reading C (mo-residual) and the per-channel grouping. Sorting is an O(n)
 * stable LSD radix sort on key bit patterns, so 10M weights sort in well under a second. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant_internal.h"

/* ---- PRNG ---- */

uint64_t hb_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

__extension__ typedef unsigned __int128 hb_u128;

uint64_t hb_rng_below(uint64_t *state, uint64_t bound)
{
    hb_u128 m = (hb_u128)hb_rng_next(state) * bound;
    if ((uint64_t)m < bound) {
        uint64_t t = (0 - bound) % bound; // 2^64 mod bound: the biased low values
        while ((uint64_t)m < t)
            m = (hb_u128)hb_rng_next(state) * bound;
    }
    return (uint64_t)(m >> 64);
}

void hb_rng_permutation(uint64_t *state, uint32_t *order, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n; i-- > 1;) {
        uint32_t j = (uint32_t)hb_rng_below(state, (uint64_t)i + 1);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* ---- counts ---- */

void quant_split_counts(uint64_t n, const QDist *d, uint64_t *count)
{
    // n * cum in double can land a hair below an intended half (0.35 * 90 is
    // 31.499999999999996); the tolerance is far above that rounding error and far below
    // the effect of any fraction written with a few digits.
    double tol = 1e-9 + (double)n * 1e-14;
    double cum = 0;
    uint64_t x = 0;
    for (int k = 0; k < d->n; k++) {
        uint64_t end = n;
        if (k < d->n - 1) {
            cum += d->frac[k];
            double v = floor((double)n * cum + 0.5 + tol);
            end = v <= (double)x ? x : v >= (double)n ? n : (uint64_t)v;
        }
        count[k] = end - x;
        x = end;
    }
}

uint32_t quant_zero_shares(const QDist *d, const uint64_t *count)
{
    uint32_t mask = 0;
    for (int k = 0; k < d->n; k++)
        if (d->frac[k] > 0 && count[k] == 0)
            mask |= 1u << d->bits[k];
    return mask;
}

/* ---- radix sort ---- */

static uint64_t key_double(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

/* Histograms of the 11-bit digits of bits [lo, 64) of every key: hist[d] for the digit
 * at bit lo + 11 d. Returns the number of digits. */
static int radix_histogram(const uint64_t *key, uint32_t n, int lo, uint32_t (*hist)[RADIX_SIZE])
{
    int nd = (64 - lo + RADIX_BITS - 1) / RADIX_BITS;
    memset(hist, 0, (size_t)nd * sizeof *hist);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k = key[i] >> lo;
        for (int d = 0; d < nd; d++)
            hist[d][(k >> (RADIX_BITS * d)) & (RADIX_SIZE - 1)]++;
    }
    return nd;
}

/* Turns a histogram into bucket starts. Returns false if one bucket holds all n keys (the
 * pass would be the identity and is skipped). */
static bool radix_prefix(uint32_t *h, uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t b = 0; b < RADIX_SIZE; b++) {
        uint32_t c = h[b];
        if (c == n)
            return false;
        h[b] = sum;
        sum += c;
    }
    return true;
}

/* Stable LSD sort of key[] (with optional idx[] payload) by bits [lo, 64). Returns the
 * buffer holding the result (key or key2; idx follows along in idx or idx2). */
static uint64_t *radix_run(uint64_t *key, uint32_t *idx, uint64_t *key2, uint32_t *idx2, uint32_t n,
                           int lo, uint32_t **idx_out)
{
    uint32_t(*hist)[RADIX_SIZE] = quant_xmalloc(6, sizeof *hist);
    int nd = n < 2 ? 0 : radix_histogram(key, n, lo, hist);
    for (int d = 0; d < nd; d++) {
        uint32_t *h = hist[d];
        if (!radix_prefix(h, n))
            continue;
        int shift = lo + RADIX_BITS * d;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t p = h[(key[i] >> shift) & (RADIX_SIZE - 1)]++;
            key2[p] = key[i];
            if (idx)
                idx2[p] = idx[i];
        }
        uint64_t *tk = key;
        key = key2;
        key2 = tk;
        uint32_t *ti = idx;
        idx = idx2;
        idx2 = ti;
    }
    quant_xfree(hist);
    if (idx_out)
        *idx_out = idx;
    return key;
}

/* Stable sort of idx[0..n) by the 64-bit keys (both key arrays are clobbered). Returns
 * the array (idx or idx2) holding the sorted indices. */
static uint32_t *radix_sort(uint64_t *key, uint32_t *idx, uint64_t *key2, uint32_t *idx2,
                            uint32_t n)
{
    uint32_t *out;
    radix_run(key, idx, key2, idx2, n, 0, &out);
    return out;
}

/* ---- Algorithm 1, reading A ---- */

/* quant_mean_abs's sum is the sequential one, bit for bit, but it need not be computed
 * one add after another (4 cycles each): in a block where every partial sum is exact,
 * any order gives the same sum. The block's sum b in 16 chains (they vectorize) and its
 * smallest nonzero |T_j|; then if s + b (an upper bound, all terms >= 0) is below 2^e, s
 * is a multiple of u = 2^(e - 53) and every nonzero |T_j| >= 2^(e - 30) (a float's ulp
 * is then >= u), every partial sum is a multiple of u below 2^e: exact. Else the block
 * is summed in order. N(0,1) data: nearly every block. */
#define MEAN_BLOCK QUANT_MEAN_BLOCK

static QUANT_CLONES double mean_block(const float *T, double *minnz)
{
    float mn[16];
    double acc[16] = {0};
    for (int l = 0; l < 16; l++)
        mn[l] = INFINITY;
    for (int i = 0; i < MEAN_BLOCK; i += 16) // two simple loops: each vectorizes
        for (int l = 0; l < 16; l++) {
            float a = fabsf(T[i + l]), c = a > 0 ? a : INFINITY;
            mn[l] = c < mn[l] ? c : mn[l];
        }
    for (int i = 0; i < MEAN_BLOCK; i += 16)
        for (int l = 0; l < 16; l++)
            acc[l] += fabs((double)T[i + l]);
    float m = mn[0];
    for (int l = 1; l < 16; l++)
        m = mn[l] < m ? mn[l] : m;
    *minnz = m;
    double s = 0;
    for (int l = 0; l < 16; l++)
        s += acc[l];
    return s;
}

/* 2^e for a normal double's exponent e (no libm call: this runs per block). */
static double pow2(int e)
{
    uint64_t u = (uint64_t)(e + 1023) << 52;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Whether s + the block's elements (sum b, smallest nonzero minnz) are exact in any
 * order (above). */
static bool mean_block_exact(double s, double b, double minnz)
{
    double hi = (s + b) * (1 + 0x1p-20); // b's rounding is below 2^-40 relative
    if (hi == 0)
        return true;
    if (!(hi >= 0x1p-900 && hi <= 0x1p1000)) // NaN, infinities, extremes: in order
        return false;
    uint64_t bits;
    memcpy(&bits, &hi, sizeof bits);
    int e = (int)(bits >> 52) - 1022; // frexp's: hi < 2^e (hi is normal and positive)
    double q = s / pow2(e - 53);
    // q >= 0: an integer iff its truncation is, or it is at least 2^53 (then it is)
    bool whole = q >= 0x1p53 || (double)(int64_t)q == q;
    return whole && minnz >= pow2(e - 30);
}

static double sum_abs(double s, const float *T, uint64_t n)
{
    for (uint64_t j = 0; j < n; j++)
        s += fabs((double)T[j]);
    return s;
}

double quant_mean_abs(const float *T, uint64_t n)
{
    double s = 0;
    uint64_t j = 0;
    for (; j + MEAN_BLOCK <= n; j += MEAN_BLOCK) {
        double minnz, b = mean_block(T + j, &minnz);
        s = mean_block_exact(s, b, minnz) ? s + b : sum_abs(s, T + j, MEAN_BLOCK);
    }
    s = sum_abs(s, T + j, n - j);
    return n ? s / (double)n : 0;
}

/* The split form: a block's sum and smallest nonzero |T_j| do not depend on the sum
 * before it, only whether the block may be added whole does (mean_block_exact). */
void quant_mean_blocks(const float *T, uint64_t from, uint64_t to, double *bsum, double *bmin)
{
    for (uint64_t k = from; k < to; k++)
        bsum[k] = mean_block(T + k * QUANT_MEAN_BLOCK, &bmin[k]);
}

double quant_mean_abs_merge(const float *T, uint64_t n, const double *bsum, const double *bmin)
{
    double s = 0;
    uint64_t j = 0, k = 0;
    for (; j + MEAN_BLOCK <= n; j += MEAN_BLOCK, k++)
        s = mean_block_exact(s, bsum[k], bmin[k]) ? s + bsum[k] : sum_abs(s, T + j, MEAN_BLOCK);
    s = sum_abs(s, T + j, n - j);
    return n ? s / (double)n : 0;
}

/* Packed entries (bits of |T_j| << 32 | j): one u64 sorts by |T| with ties by index,
 * and carries both the key and the index through the passes. */
static inline double packed_abs(uint64_t e)
{
    uint32_t u = (uint32_t)(e >> 32);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint64_t *sort_abs(const float *T, uint32_t n, uint64_t *buf)
{
    for (uint32_t j = 0; j < n; j++) {
        float a = fabsf(T[j]);
        uint32_t u;
        memcpy(&u, &a, sizeof u);
        buf[j] = (uint64_t)u << 32 | j;
    }
    return radix_run(buf, NULL, buf + n, NULL, n, 32, NULL);
}

static int cmp_low32(const void *a, const void *b)
{
    uint32_t x = (uint32_t) * (const uint64_t *)a, y = (uint32_t) * (const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Descending |T| with ties by lower index: the runs of equal keys of the ascending array,
 * taken from the top, each copied forward (so ascending index within the run). The key is
 * |T| itself for top-down, or (by_key) middle-out's double key mu1 - |T| for the lower
 * half, where distinct tiny |T| can round to one key; such a mixed run is re-sorted by
 * index. */
static void reverse_runs(const uint64_t *S, uint32_t n, double mu1, bool by_key, uint64_t *out)
{
    uint32_t o = 0;
    for (uint32_t hi = n; hi > 0;) {
        uint32_t lo = hi - 1;
        double k = by_key ? mu1 - packed_abs(S[lo]) : 0;
        bool mixed = false;
        while (lo > 0 &&
               (by_key ? mu1 - packed_abs(S[lo - 1]) == k : S[lo - 1] >> 32 == S[hi - 1] >> 32)) {
            mixed |= S[lo - 1] >> 32 != S[hi - 1] >> 32;
            lo--;
        }
        uint64_t *run = out + o;
        for (uint32_t i = lo; i < hi; i++) // mostly runs of one: no memcpy call
            out[o++] = S[i];
        if (mixed)
            qsort(run, hi - lo, sizeof *out, cmp_low32);
        hi = lo;
    }
}

/* A two-way merge of lower half L (key mu1 - |T|) and upper half U (key |T| - mu1), both
 * ascending with ties by index. It runs from both ends at once: the front takes the
 * ceil(n/2) smallest (key, index) pairs, the back the rest. The two dependency chains
 * (load, compare, advance) overlap, which matters because who wins is a coin flip. */
typedef struct MoMerge {
    const uint64_t *L, *U;
    uint32_t nl, nu;
    double mu1;
} MoMerge;

static inline double mo_key_l(const MoMerge *g, uint32_t i)
{
    return g->mu1 - packed_abs(g->L[i]);
}

static inline double mo_key_u(const MoMerge *g, uint32_t u)
{
    return packed_abs(g->U[u]) - g->mu1;
}

/* Front step: the smaller of L[*i], U[*u] (an exhausted side counts as +inf). */
static inline uint32_t mo_front(const MoMerge *g, uint32_t *i, uint32_t *u)
{
    uint32_t ci = *i < g->nl ? *i : g->nl - 1, cu = *u < g->nu ? *u : g->nu - 1;
    double kl = *i < g->nl ? mo_key_l(g, ci) : INFINITY;
    double ku = *u < g->nu ? mo_key_u(g, cu) : INFINITY;
    uint32_t jl = (uint32_t)g->L[ci], ju = (uint32_t)g->U[cu];
    unsigned take_l = (kl < ku) | ((kl == ku) & (jl < ju));
    *i += take_l;
    *u += !take_l;
    return take_l ? jl : ju;
}

/* Back step: the larger of L[*i - 1], U[*u - 1] (an exhausted side counts as -inf). */
static inline uint32_t mo_back(const MoMerge *g, uint32_t *i, uint32_t *u)
{
    uint32_t ci = *i > 0 ? *i - 1 : 0, cu = *u > 0 ? *u - 1 : 0;
    double kl = *i > 0 ? mo_key_l(g, ci) : -INFINITY;
    double ku = *u > 0 ? mo_key_u(g, cu) : -INFINITY;
    uint32_t jl = (uint32_t)g->L[ci], ju = (uint32_t)g->U[cu];
    unsigned take_l = (kl > ku) | ((kl == ku) & (jl > ju));
    *i -= take_l;
    *u -= !take_l;
    return take_l ? jl : ju;
}

/* Middle-out: merge the upper half (|T| >= mu1, key |T| - mu1, ascending in S) with the
 * lower half (key mu1 - |T|, ascending when S is read backwards). Both differences are
 * the double key fabs(|T| - mu1) exactly (rounding is symmetric). Ties: lower index. */
static void merge_middle_out(const uint64_t *S, uint32_t n, double mu1, uint64_t *L,
                             uint32_t *order)
{
    uint32_t p = 0;
    while (p < n && packed_abs(S[p]) < mu1)
        p++;
    reverse_runs(S, p, mu1, true, L);
    if (p == 0 || p == n) { // one side only: it is already in order
        for (uint32_t o = 0; o < n; o++)
            order[o] = (uint32_t)(p ? L[o] : S[o]);
        return;
    }
    MoMerge g = {L, S + p, p, n - p, mu1};
    uint32_t fi = 0, fu = 0, bi = g.nl, bu = g.nu;
    for (uint32_t k = 0; k < n / 2; k++) {
        order[k] = mo_front(&g, &fi, &fu);
        order[n - 1 - k] = mo_back(&g, &bi, &bu);
    }
    if (n & 1)
        order[n / 2] = mo_front(&g, &fi, &fu);
}

/* quant_order() with caller scratch: work holds 2n uint64_t (unused for RANDOM). */
static void quant_order_work(const float *T, uint32_t n, Selection sel, uint64_t seed,
                             uint32_t *order, uint64_t *work)
{
    if (sel == SEL_RANDOM) {
        uint64_t state = seed;
        hb_rng_permutation(&state, order, n);
        return;
    }
    uint64_t *S = sort_abs(T, n, work);
    uint64_t *other = S == work ? work + n : work;
    if (sel == SEL_MIDDLE_OUT) {
        merge_middle_out(S, n, quant_mean_abs(T, n), other, order);
    } else if (sel == SEL_TOP_DOWN) {
        reverse_runs(S, n, 0, false, other);
        for (uint32_t i = 0; i < n; i++)
            order[i] = (uint32_t)other[i];
    } else {
        for (uint32_t i = 0; i < n; i++)
            order[i] = (uint32_t)S[i];
    }
}

void quant_order(const float *T, uint32_t n, Selection sel, uint64_t seed, uint32_t *order)
{
    uint64_t *work = sel == SEL_RANDOM ? NULL : quant_xmalloc(n, 2 * sizeof *work);
    quant_order_work(T, n, sel, seed, order, work);
    quant_xfree(work);
}

void quant_widths_from_order(const uint32_t *order, const QDist *d, const uint64_t *count,
                             uint8_t *M)
{
    uint64_t x = 0;
    for (int k = 0; k < d->n; k++) {
        uint8_t b = (uint8_t)d->bits[k];
        for (uint64_t i = x; i < x + count[k]; i++)
            M[order[i]] = b;
        x += count[k];
    }
}

/* ---- reading C: mo-residual ---- */

typedef struct MoState {
    double *E;     // residual per element, updated exactly as quant_binarize_work does
    uint32_t *act; // still-unassigned elements, ascending index
    uint32_t nact;
    uint64_t *key; // [2n] sort keys + scratch
    uint32_t *idx; // [2n] sort indices + scratch
} MoState;

/* The `cnt` active elements with the smallest ||E| - mu| finish at width `b`. */
static void mo_select(MoState *s, double mu, uint64_t cnt, uint8_t b, uint8_t *M)
{
    uint32_t na = s->nact;
    for (uint32_t i = 0; i < na; i++) {
        uint32_t j = s->act[i];
        s->key[i] = key_double(fabs(fabs(s->E[j]) - mu));
        s->idx[i] = j;
    }
    uint32_t *sorted = radix_sort(s->key, s->idx, s->key + na, s->idx + na, na);
    for (uint64_t i = 0; i < cnt; i++)
        M[sorted[i]] = b;
}

/* Eq. 5's update for the level (E -= alpha * sign(E) on the active set), then drop the
 * elements that finished. */
static void mo_step(MoState *s, float alpha, const uint8_t *M)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->nact; i++) {
        uint32_t j = s->act[i];
        s->E[j] -= s->E[j] > 0 ? (double)alpha : -(double)alpha;
        if (M[j] == 0)
            s->act[kept++] = j;
    }
    s->nact = kept;
}

static double mo_mean(const MoState *s)
{
    double sum = 0;
    for (uint32_t i = 0; i < s->nact; i++)
        sum += fabs(s->E[s->act[i]]);
    return sum / s->nact;
}

uint64_t quant_mo_residual_work_bytes(uint64_t n)
{
    return 36 * n; // E: 8n, key: 16n, idx: 8n, act: 4n
}

uint32_t quant_mo_residual_work(const float *T, uint32_t n, const QDist *d, uint8_t *M, void *work)
{
    uint64_t count[HB_MAX_SHARES];
    quant_split_counts(n, d, count);
    MoState s = {.nact = n};
    s.E = work;
    s.key = (uint64_t *)(s.E + n);
    s.idx = (uint32_t *)(s.key + 2 * (uint64_t)n);
    s.act = s.idx + 2 * (uint64_t)n;
    for (uint32_t j = 0; j < n; j++) {
        s.E[j] = T[j];
        s.act[j] = j;
        M[j] = 0;
    }
    // Same sums in the same order as Eq. 5, so mu here equals the final alpha (in double).
    for (int lvl = 1, k = 0; k < d->n && s.nact > 0; lvl++) {
        double mu = mo_mean(&s);
        if (d->bits[k] == lvl) {
            if (k == d->n - 1) {
                for (uint32_t i = 0; i < s.nact; i++)
                    M[s.act[i]] = (uint8_t)lvl;
            } else if (count[k] > 0) {
                mo_select(&s, mu, count[k], (uint8_t)lvl, M);
            }
            k++;
        }
        mo_step(&s, (float)mu, M);
    }
    return quant_zero_shares(d, count);
}

uint32_t quant_widths_mo_residual(const float *T, uint32_t n, const QDist *d, uint8_t *M)
{
    void *work = quant_xmalloc(quant_mo_residual_work_bytes(n) + 8, 1);
    uint32_t z = quant_mo_residual_work(T, n, d, M, work);
    quant_xfree(work);
    return z;
}

/* ---- group channel ---- */

/* r_c = sum (|T_j| - mu)^2 over channel c. */
static double channel_residual(const float *T, uint64_t pc, double mu)
{
    double r = 0;
    for (uint64_t j = 0; j < pc; j++) {
        double e = fabs((double)T[j]) - mu;
        r += e * e;
    }
    return r;
}

uint32_t quant_widths_channel(const float *T, uint64_t n, uint32_t channels, bool per_channel_mu,
                              const QDist *d, uint8_t *M)
{
    uint64_t pc = n / channels;
    double mu = per_channel_mu ? 0 : quant_mean_abs(T, n);
    uint64_t *key = quant_xmalloc(channels, 2 * sizeof *key);
    uint32_t *idx = quant_xmalloc(channels, 2 * sizeof *idx);
    for (uint32_t c = 0; c < channels; c++) {
        const float *row = T + (uint64_t)c * pc;
        double m = per_channel_mu ? quant_mean_abs(row, pc) : mu;
        key[c] = key_double(channel_residual(row, pc, m));
        idx[c] = c;
    }
    uint32_t *order = radix_sort(key, idx, key + channels, idx + channels, channels);
    uint64_t count[HB_MAX_SHARES];
    quant_split_counts(channels, d, count);
    uint8_t *cw = quant_xmalloc(channels, 1);
    quant_widths_from_order(order, d, count, cw);
    for (uint32_t c = 0; c < channels; c++)
        memset(M + (uint64_t)c * pc, cw[c], pc);
    quant_xfree(cw);
    quant_xfree(idx);
    quant_xfree(key);
    return quant_zero_shares(d, count);
}
