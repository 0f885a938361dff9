// SPDX-License-Identifier: MIT
/* quant_widths.c: Algorithm 1's widths for one slice (quant_assign_widths) without
 * materializing the order. An element's width depends only on its rank in the stable
 * order (key, index), so only the keys at the share boundaries are needed: found by
 * radix selection in O(n), then one pass assigns widths, ties at a boundary by index.
 * Caller scratch makes it allocation-free for the CPU runtime (hbrt_assign_widths). */
#include <math.h>
#include <string.h>

#include "quant_internal.h"

#define SEL_BITS    11
#define SEL_BUCKETS (1u << SEL_BITS)

/* Key of element j, so that ascending (key, j) is quant_order()'s order (quant.h): the
 * bits of a nonnegative double or float ascend with its value. TD complements |T|'s
 * bits: descending value, still ascending index among equal values. */
static void sel_keys(const float *T, uint32_t n, Selection sel, uint64_t *key)
{
    double mu1 = sel == SEL_MIDDLE_OUT ? quant_mean_abs(T, n) : 0;
    for (uint32_t j = 0; j < n; j++) {
        float a = fabsf(T[j]);
        uint32_t u;
        memcpy(&u, &a, sizeof u);
        if (sel == SEL_MIDDLE_OUT) {
            double k = fabs((double)a - mu1);
            memcpy(&key[j], &k, sizeof k);
        } else {
            key[j] = sel == SEL_TOP_DOWN ? (uint32_t)~u : u;
        }
    }
}

/* One selection round: the keys bucketed by SEL_BITS bits of their range [lo, hi]. */
typedef struct Round {
    uint64_t lo;
    int sh;
    uint32_t hist[SEL_BUCKETS];
} Round;

static void round_hist(Round *r, const uint64_t *src, uint32_t n)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < n; i++) {
        lo = src[i] < lo ? src[i] : lo;
        hi = src[i] > hi ? src[i] : hi;
    }
    r->lo = lo;
    r->sh = 0;
    while (((hi - lo) >> r->sh) >= SEL_BUCKETS)
        r->sh++;
    memset(r->hist, 0, sizeof r->hist);
    for (uint32_t i = 0; i < n; i++)
        r->hist[(src[i] - lo) >> r->sh]++;
}

/* The key of rank c (0-based, c < n) of key[0..n) and, in *less, how many keys are
 * smaller. Each round keeps the bucket holding rank c (copied into cand), so there are
 * at most 64 / SEL_BITS + 1 rounds and the first, over all keys, dominates: `first` is
 * that round, computed once for every boundary. */
static uint64_t sel_rank(const uint64_t *key, uint32_t n, uint64_t c, const Round *first,
                         uint64_t *cand, uint64_t *less)
{
    Round r;
    const Round *cur = first;
    const uint64_t *src = key;
    *less = 0;
    for (;;) {
        uint32_t b = 0;
        for (; c >= cur->hist[b]; b++) {
            c -= cur->hist[b];
            *less += cur->hist[b];
        }
        if (cur->sh == 0)
            return cur->lo + b; // a bucket of one key value
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++)
            if (((src[i] - cur->lo) >> cur->sh) == b)
                cand[m++] = src[i];
        src = cand;
        n = m;
        round_hist(&r, src, n);
        cur = &r;
    }
}

/* A share boundary: ranks >= end move to the next width. Elements with key > k are past
 * it; of those with key == k, the first `need` in index order are before it. */
typedef struct Bound {
    uint64_t k, need, seen;
    int state; // 0: compare; 1: every element is past it (end 0); 2: none is (end n)
} Bound;

static void sel_widths(const uint64_t *key, uint32_t n, const QDist *d, const uint64_t *count,
                       uint64_t *cand, uint8_t *M)
{
    Bound bd[HB_MAX_SHARES];
    int nb = d->n - 1;
    uint64_t end = 0;
    Round first;
    round_hist(&first, key, n);
    for (int k = 0; k < nb; k++) {
        end += count[k];
        bd[k] = (Bound){.state = end == 0 ? 1 : end >= n ? 2 : 0};
        if (bd[k].state == 0) {
            uint64_t less;
            bd[k].k = sel_rank(key, n, end, &first, cand, &less);
            bd[k].need = end - less;
        }
    }
    for (uint32_t j = 0; j < n; j++) {
        int cls = 0;
        for (int k = 0; k < nb; k++) {
            Bound *b = &bd[k];
            if (b->state == 0 && key[j] == b->k)
                cls += b->seen++ >= b->need;
            else
                cls += b->state == 1 || (b->state == 0 && key[j] > b->k);
        }
        M[j] = (uint8_t)d->bits[cls];
    }
}

uint64_t quant_widths_work_bytes(uint64_t n, Selection sel)
{
    if (sel == SEL_MO_RESIDUAL)
        return quant_mo_residual_work_bytes(n);
    if (sel == SEL_RANDOM)
        return 4 * n;
    return 16 * n;
}

uint32_t quant_assign_widths_work(const float *T, uint32_t n, const QDist *d, Selection sel,
                                  uint64_t seed, uint8_t *M, void *work)
{
    if (sel == SEL_MO_RESIDUAL)
        return quant_mo_residual_work(T, n, d, M, work);
    uint64_t count[HB_MAX_SHARES];
    quant_split_counts(n, d, count);
    if (sel == SEL_RANDOM) {
        uint64_t state = seed;
        hb_rng_permutation(&state, work, n);
        quant_widths_from_order(work, d, count, M);
    } else if (d->n == 1) {
        memset(M, d->bits[0], n);
    } else {
        uint64_t *key = work;
        sel_keys(T, n, sel, key);
        sel_widths(key, n, d, count, key + n, M);
    }
    return quant_zero_shares(d, count);
}

uint32_t quant_assign_widths(const float *T, uint32_t n, const QDist *d, Selection sel,
                             uint64_t seed, uint8_t *M)
{
    void *work = quant_xmalloc(quant_widths_work_bytes(n, sel) + 8, 1);
    uint32_t z = quant_assign_widths_work(T, n, d, sel, seed, M, work);
    quant_xfree(work);
    return z;
}
