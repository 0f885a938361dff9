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
 * bits: descending value, still ascending index among equal values. Middle-out: keys_mo. */
static uint64_t key_of(float t, Selection sel)
{
    float a = fabsf(t);
    uint32_t u;
    memcpy(&u, &a, sizeof u);
    return sel == SEL_TOP_DOWN ? (uint32_t)~u : u;
}

/* Middle-out's keys (the double fabs(|T_j| - mu1)) and their range: one loop without
 * branches (it vectorizes). */
static QUANT_CLONES void keys_mo(const float *T, uint32_t n, double mu1, uint64_t *key,
                                 uint64_t *lo, uint64_t *hi)
{
    uint64_t l = UINT64_MAX, h = 0;
    for (uint32_t j = 0; j < n; j++) {
        double k = fabs((double)fabsf(T[j]) - mu1);
        uint64_t r;
        memcpy(&r, &k, sizeof r);
        key[j] = r;
        l = r < l ? r : l;
        h = r > h ? r : h;
    }
    *lo = l;
    *hi = h;
}

/* Every key, and the smallest and largest (the first selection round's range) in *lo,
 * *hi. */
static void sel_keys(const float *T, uint32_t n, Selection sel, uint64_t *key, uint64_t *lo,
                     uint64_t *hi)
{
    if (sel == SEL_MIDDLE_OUT) {
        keys_mo(T, n, quant_mean_abs(T, n), key, lo, hi);
        return;
    }
    uint64_t l = UINT64_MAX, h = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint64_t a = key[j] = key_of(T[j], sel);
        l = a < l ? a : l;
        h = a > h ? a : h;
    }
    *lo = l;
    *hi = h;
}

/* One selection round: the keys bucketed by SEL_BITS bits of their range [lo, hi]. */
typedef struct Round {
    uint64_t lo;
    int sh;
    uint32_t hist[SEL_BUCKETS];
} Round;

static void round_hist_range(Round *r, const uint64_t *src, uint32_t n, uint64_t lo, uint64_t hi)
{
    r->lo = lo;
    r->sh = 0;
    while (((hi - lo) >> r->sh) >= SEL_BUCKETS)
        r->sh++;
    // two interleaved histograms: neighbours in one bucket do not wait for each other's
    // increment (keys cluster: middle-out's near 0)
    uint32_t h2[SEL_BUCKETS];
    memset(r->hist, 0, sizeof r->hist);
    memset(h2, 0, sizeof h2);
    uint32_t i = 0;
    for (; i + 1 < n; i += 2) {
        r->hist[(src[i] - lo) >> r->sh]++;
        h2[(src[i + 1] - lo) >> r->sh]++;
    }
    if (i < n)
        r->hist[(src[i] - lo) >> r->sh]++;
    for (uint32_t b = 0; b < SEL_BUCKETS; b++)
        r->hist[b] += h2[b];
}

static void round_hist(Round *r, const uint64_t *src, uint32_t n)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < n; i++) {
        lo = src[i] < lo ? src[i] : lo;
        hi = src[i] > hi ? src[i] : hi;
    }
    round_hist_range(r, src, n, lo, hi);
}

/* The bucket of round r holding rank *c; *c becomes the rank inside it, *less grows by
 * the keys of the buckets below. */
static uint32_t round_find(const Round *r, uint64_t *c, uint64_t *less)
{
    uint32_t b = 0;
    for (; *c >= r->hist[b]; b++) {
        *c -= r->hist[b];
        *less += r->hist[b];
    }
    return b;
}

/* The key of rank c (0-based, c < n) of key[0..n) and, in *less, how many keys are
 * smaller (added to it). Each round keeps the bucket holding rank c (copied into cand,
 * which may be key itself: the copy compacts in place), so there are at most
 * 64 / SEL_BITS + 1 rounds. */
static uint64_t sel_rank(const uint64_t *key, uint32_t n, uint64_t c, const Round *first,
                         uint64_t *cand, uint64_t *less)
{
    Round r;
    const Round *cur = first;
    const uint64_t *src = key;
    for (;;) {
        uint32_t b = round_find(cur, &c, less);
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
    uint64_t k, need;
    int state;        // 0: compare; 1: every element is past it (end 0); 2: none is (end n)
    uint64_t c, less; // first round: rank inside its bucket b, keys below the bucket
    uint32_t b, m, off;
} Bound;

/* Which of two first-round buckets (w0: bit 0, w1: bit 1) each key of key[0..n) is in:
 * no branch (it vectorizes); gather then looks only at the chunk's few flagged keys. */
#define GATHER_CHUNK 512

static QUANT_CLONES void bucket_flags(const uint64_t *key, uint32_t n, uint64_t lo, int sh,
                                      uint64_t w0, uint64_t w1, uint8_t *f)
{
    for (uint32_t j = 0; j < n; j++) {
        uint64_t q = (key[j] - lo) >> sh;
        f[j] = (uint8_t)((q == w0) | (q == w1) << 1);
    }
}

/* Copy the keys of each live boundary's first-round bucket to its slice of cand (a
 * bucket holds a small share of the keys: the branches are predicted). */
static void gather(const uint64_t *key, uint32_t n, const Round *first, Bound *bd, const int *live,
                   int nl, uint64_t *cand)
{
    uint64_t lo = first->lo, want[HB_MAX_SHARES];
    uint64_t *dst[HB_MAX_SHARES];
    uint32_t m[HB_MAX_SHARES];
    int sh = first->sh;
    for (int i = 0; i < nl; i++) {
        want[i] = bd[live[i]].b;
        dst[i] = cand + bd[live[i]].off;
        m[i] = 0;
    }
    if (nl == 2) { // the usual case (three widths): flags per chunk, then the few hits
        uint64_t *d0 = dst[0], *d1 = dst[1];
        uint32_t m0 = 0, m1 = 0;
        uint8_t f[GATHER_CHUNK];
        for (uint32_t j0 = 0; j0 < n; j0 += GATHER_CHUNK) {
            uint32_t c = n - j0 < GATHER_CHUNK ? n - j0 : GATHER_CHUNK;
            bucket_flags(key + j0, c, lo, sh, want[0], want[1], f);
            memset(f + c, 0, (8 - c % 8) % 8);
            for (uint32_t j = 0; j < c; j += 8) {
                uint64_t any;
                memcpy(&any, f + j, sizeof any);
                for (uint32_t l = j; any && l < j + 8 && l < c; l++) {
                    if (f[l] & 1)
                        d0[m0++] = key[j0 + l];
                    if (f[l] & 2)
                        d1[m1++] = key[j0 + l];
                }
            }
        }
        m[0] = m0;
        m[1] = m1;
    } else {
        for (uint32_t j = 0; j < n; j++) {
            uint64_t v = key[j], q = (v - lo) >> sh;
            for (int i = 0; i < nl; i++)
                if (q == want[i])
                    dst[i][m[i]++] = v;
        }
    }
    for (int i = 0; i < nl; i++)
        bd[live[i]].m = m[i];
}

/* The boundaries' keys. The first round (over all keys, what dominates) is shared: one
 * pass copies each boundary's first-round bucket to its own slice of cand (n keys) when
 * the slices fit (boundaries in one bucket each get a copy), then each finishes in place
 * on its slice; else each boundary filters the keys itself. */
static void sel_bounds(const uint64_t *key, uint32_t n, const Round *first, Bound *bd, int nb,
                       uint64_t *cand)
{
    uint64_t total = 0;
    int live[HB_MAX_SHARES], nl = 0;
    for (int k = 0; k < nb; k++)
        if (bd[k].state == 0) {
            bd[k].less = 0;
            bd[k].b = round_find(first, &bd[k].c, &bd[k].less);
            bd[k].off = (uint32_t)total;
            bd[k].m = 0;
            total += first->hist[bd[k].b];
            live[nl++] = k;
        }
    if (first->sh == 0 || total > n) {
        for (int i = 0; i < nl; i++) {
            Bound *b = &bd[live[i]];
            uint64_t less = 0;
            b->k = sel_rank(key, n, b->c + b->less, first, cand, &less);
            b->need = b->c + b->less - less;
        }
        return;
    }
    gather(key, n, first, bd, live, nl, cand);
    for (int i = 0; i < nl; i++) {
        Bound *b = &bd[live[i]];
        uint64_t *c = cand + b->off, less = b->less;
        Round r;
        round_hist(&r, c, b->m);
        b->k = sel_rank(c, b->m, b->c, &r, c, &less);
        b->need = b->c + b->less - less;
    }
}

/* Each element's class: how many boundaries it is past, every key equal to a boundary's
 * counted past (no branch: the loop vectorizes). M gets the class, or bits[0] + class
 * when the widths are consecutive (the usual 1, 2, 3). */
static QUANT_CLONES void assign_classes(const uint64_t *key, uint32_t n, const uint64_t *k, int nl,
                                        int base, uint8_t *M)
{
    if (nl == 2) { // the usual case (three widths)
        uint64_t k0 = k[0], k1 = k[1];
        for (uint32_t j = 0; j < n; j++)
            M[j] = (uint8_t)(base + (key[j] >= k0) + (key[j] >= k1));
        return;
    }
    for (uint32_t j = 0; j < n; j++) {
        int cls = base;
        for (int i = 0; i < nl; i++)
            cls += key[j] >= k[i];
        M[j] = (uint8_t)cls;
    }
}

/* Each element's width: its class is how many boundaries it is past. Of the keys equal
 * to a boundary's (often one), the first `need` in index order are not past it: taken
 * back by a scan that stops after them. */
static void assign(const uint64_t *key, uint32_t n, const QDist *d, Bound *bd, int nb, int base,
                   uint8_t *M)
{
    uint64_t k[HB_MAX_SHARES], need[HB_MAX_SHARES];
    int nl = 0;
    for (int i = 0; i < nb; i++)
        if (bd[i].state == 0) {
            k[nl] = bd[i].k;
            need[nl++] = bd[i].need;
        }
    bool consecutive = true;
    for (int c = 1; c < d->n; c++)
        consecutive &= d->bits[c] == d->bits[0] + c;
    int off = consecutive ? d->bits[0] : 0;
    assign_classes(key, n, k, nl, base + off, M);
    for (int i = 0; i < nl; i++)
        for (uint32_t j = 0, left = (uint32_t)need[i]; left > 0 && j < n; j++)
            if (key[j] == k[i]) {
                M[j]--;
                left--;
            }
    if (consecutive)
        return;
    uint8_t bits[HB_MAX_SHARES + 1];
    for (int c = 0; c < d->n; c++)
        bits[c] = (uint8_t)d->bits[c];
    for (uint32_t j = 0; j < n; j++)
        M[j] = bits[M[j]];
}

static void sel_widths(const uint64_t *key, uint32_t n, const QDist *d, const uint64_t *count,
                       uint64_t lo, uint64_t hi, uint64_t *cand, uint8_t *M)
{
    Bound bd[HB_MAX_SHARES];
    int nb = d->n - 1, base = 0;
    uint64_t end = 0;
    Round first;
    round_hist_range(&first, key, n, lo, hi);
    for (int k = 0; k < nb; k++) {
        end += count[k];
        bd[k] = (Bound){.state = end == 0 ? 1 : end >= n ? 2 : 0, .c = end};
        base += bd[k].state == 1;
    }
    sel_bounds(key, n, &first, bd, nb, cand);
    assign(key, n, d, bd, nb, base, M);
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
        uint64_t *key = work, lo, hi;
        sel_keys(T, n, sel, key, &lo, &hi);
        sel_widths(key, n, d, count, lo, hi, key + n, M);
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
