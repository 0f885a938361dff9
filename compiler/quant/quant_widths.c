// SPDX-License-Identifier: MIT
/* quant_widths.c: Algorithm 1's widths for one slice (quant_assign_widths) without
 * materializing the order. An element's width depends only on its rank in the stable
 * order (key, index), so only the keys at the share boundaries are needed: found by
 * radix selection in O(n), then one pass assigns widths, ties at a boundary by index.
 * Caller scratch makes it allocation-free for the CPU runtime (hbrt_assign_widths); its
 * passes can be split across the runtime's threads (quant_assign_widths_par). */
#include <math.h>
#include <string.h>

#include "quant_internal.h"

#define SEL_BITS     11 // the most bits a round buckets by
#define SEL_BUCKETS  (1u << SEL_BITS)
#define SEL_MIN_BITS 4
/* About how many keys a bucket gets in the first round (over all the keys) and in the
 * later ones (over one bucket's keys, spread more evenly). bench_select, 4608 keys: 7.1
 * -> 4.7 us against 2048 buckets a round. */
#define SEL_FIRST_PER 8
#define SEL_CAND_PER  2

/* A round's bits for n keys: about n / per buckets, 2^SEL_MIN_BITS to SEL_BUCKETS. Fewer
 * buckets for fewer keys: clearing, adding up and walking a histogram costs its size. */
static int round_bits(uint64_t n, uint64_t per)
{
    int bits = SEL_MIN_BITS;
    while (bits < SEL_BITS && (per << bits) < n)
        bits++;
    return bits;
}

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

/* One selection round: the keys bucketed by `bits` bits of their range [lo, hi]. */
typedef struct Round {
    uint64_t lo;
    int sh, bits;
    uint32_t hist[SEL_BUCKETS]; // the first 2^bits used
} Round;

/* hist = the counts of src[0..n)'s buckets (src - lo) >> sh. Two interleaved histograms:
 * neighbours in one bucket do not wait for each other's increment (keys cluster:
 * middle-out's near 0). */
static void round_count(uint32_t *hist, uint32_t nb, const uint64_t *src, uint32_t n, uint64_t lo,
                        int sh)
{
    uint32_t h2[SEL_BUCKETS];
    memset(hist, 0, nb * sizeof *hist);
    memset(h2, 0, nb * sizeof *h2);
    uint32_t i = 0;
    for (; i + 1 < n; i += 2) {
        hist[(src[i] - lo) >> sh]++;
        h2[(src[i + 1] - lo) >> sh]++;
    }
    if (i < n)
        hist[(src[i] - lo) >> sh]++;
    for (uint32_t b = 0; b < nb; b++)
        hist[b] += h2[b];
}

/* The window of a round over keys in [lo, hi]: the smallest shift giving 2^bits buckets. */
static void round_window(Round *r, uint64_t lo, uint64_t hi, int bits)
{
    r->lo = lo;
    r->sh = 0;
    r->bits = bits;
    while (((hi - lo) >> r->sh) >> bits)
        r->sh++;
}

static void round_hist_range(Round *r, const uint64_t *src, uint32_t n, uint64_t lo, uint64_t hi,
                             int bits)
{
    round_window(r, lo, hi, bits);
    round_count(r->hist, 1u << bits, src, n, r->lo, r->sh);
}

/* The smallest and largest of src[0..n) (no branch: it vectorizes). */
static QUANT_CLONES void key_range(const uint64_t *src, uint32_t n, uint64_t *lo, uint64_t *hi)
{
    uint64_t l = UINT64_MAX, h = 0;
    for (uint32_t i = 0; i < n; i++) {
        l = src[i] < l ? src[i] : l;
        h = src[i] > h ? src[i] : h;
    }
    *lo = l;
    *hi = h;
}

/* A round over src[0..n), its window their range. Keys all equal (a run of ties) are
 * one bucket of one value: not counted. */
static void round_hist(Round *r, const uint64_t *src, uint32_t n)
{
    uint64_t lo, hi;
    key_range(src, n, &lo, &hi);
    if (lo == hi) {
        round_window(r, lo, hi, SEL_MIN_BITS);
        r->hist[0] = n;
        return;
    }
    round_hist_range(r, src, n, lo, hi, round_bits(n, SEL_CAND_PER));
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
 * 64 / SEL_MIN_BITS + 1 rounds. */
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

/* Copy the keys of each live boundary's first-round bucket to its slice of cand. Two
 * boundaries (the usual case): a chunk's flags, then for each 8 of them a loop over the
 * set flag bits only, no branch per element (ties make a bucket hold many keys). */
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
            const uint64_t *k = key + j0;
            for (uint32_t j = 0; j < c; j += 8) {
                uint64_t w; // bit 8 e + i set: element j + e is in boundary i's bucket
                memcpy(&w, f + j, sizeof w);
                for (; w; w &= w - 1) {
                    int l = __builtin_ctzll(w), i = l & 1;
                    uint64_t *at = i ? d1 + m1 : d0 + m0; // no branch on which
                    *at = k[j + (uint32_t)(l >> 3)];
                    m0 += (uint32_t)(i ^ 1);
                    m1 += (uint32_t)i;
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

/* Each live boundary's first-round bucket b, the rank c inside it and the keys below it
 * (less), and its slice of cand (off); the live boundaries in live[0..*nl). Returns the
 * slices' total size. The boundaries' ranks ascend: one walk over the buckets finds them
 * all. */
static uint64_t bounds_first(const Round *first, Bound *bd, int nb, int *live, int *nl)
{
    uint64_t total = 0, below = 0; // keys in the buckets before b
    uint32_t b = 0;
    *nl = 0;
    for (int k = 0; k < nb; k++)
        if (bd[k].state == 0) {
            while (bd[k].c - below >= first->hist[b])
                below += first->hist[b++];
            bd[k].less = below;
            bd[k].c -= below;
            bd[k].b = b;
            bd[k].off = (uint32_t)total;
            bd[k].m = 0;
            total += first->hist[b];
            live[(*nl)++] = k;
        }
    return total;
}

/* Each boundary's key by filtering all the keys (when the first-round buckets do not fit
 * in cand, or the first round was exact). */
static void bounds_filter(const uint64_t *key, uint32_t n, const Round *first, Bound *bd,
                          const int *live, int nl, uint64_t *cand)
{
    for (int i = 0; i < nl; i++) {
        Bound *b = &bd[live[i]];
        uint64_t less = 0;
        b->k = sel_rank(key, n, b->c + b->less, first, cand, &less);
        b->need = b->c + b->less - less;
    }
}

/* Each live boundary's key from its gathered slice of cand (its first-round bucket). */
static void bounds_finish(Bound *bd, const int *live, int nl, uint64_t *cand)
{
    for (int i = 0; i < nl; i++) {
        Bound *b = &bd[live[i]];
        uint64_t *c = cand + b->off, less = b->less;
        Round r;
        round_hist(&r, c, b->m);
        b->k = sel_rank(c, b->m, b->c, &r, c, &less);
        b->need = b->c + b->less - less;
    }
}

/* The boundaries' keys. The first round (over all keys, what dominates) is shared: one
 * pass copies each boundary's first-round bucket to its own slice of cand (n keys) when
 * the slices fit (boundaries in one bucket each get a copy), then each finishes in place
 * on its slice; else each boundary filters the keys itself. */
static void sel_bounds(const uint64_t *key, uint32_t n, const Round *first, Bound *bd, int nb,
                       uint64_t *cand)
{
    int live[HB_MAX_SHARES], nl;
    uint64_t total = bounds_first(first, bd, nb, live, &nl);
    if (first->sh == 0 || total > n) {
        bounds_filter(key, n, first, bd, live, nl, cand);
        return;
    }
    gather(key, n, first, bd, live, nl, cand);
    bounds_finish(bd, live, nl, cand);
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

/* The live boundaries' keys and needs in k[], need[]; returns how many. */
static int live_keys(const Bound *bd, int nb, uint64_t *k, uint64_t *need)
{
    int nl = 0;
    for (int i = 0; i < nb; i++)
        if (bd[i].state == 0) {
            k[nl] = bd[i].k;
            need[nl++] = bd[i].need;
        }
    return nl;
}

static bool bits_consecutive(const QDist *d)
{
    bool consecutive = true;
    for (int c = 1; c < d->n; c++)
        consecutive &= d->bits[c] == d->bits[0] + c;
    return consecutive;
}

/* Every key of key[0..n) equal to k has its class taken back; returns how many (no
 * branch: it vectorizes). */
static QUANT_CLONES uint32_t ties_take(const uint64_t *key, uint32_t n, uint64_t k, uint8_t *M)
{
    uint32_t m = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint8_t eq = key[j] == k;
        M[j] = (uint8_t)(M[j] - eq);
        m += eq;
    }
    return m;
}

/* The first `need` keys equal to k in index order are not past their boundary: taken
 * back a chunk at a time; in the chunk where the need ends, the equal keys past it are
 * given back from the chunk's end, and the scan stops there. Boundaries inside large
 * runs of equal keys (few distinct values) need many. */
#define TIE_CHUNK 256

static void ties_fix(const uint64_t *key, uint32_t n, uint64_t k, uint64_t need, uint8_t *M)
{
    for (uint32_t j0 = 0; need > 0 && j0 < n; j0 += TIE_CHUNK) {
        uint32_t c = n - j0 < TIE_CHUNK ? n - j0 : TIE_CHUNK, m = ties_take(key + j0, c, k, M + j0);
        if (m <= need) {
            need -= m;
            continue;
        }
        for (uint32_t j = j0 + c; m > need;)
            if (key[--j] == k) {
                M[j]++;
                m--;
            }
        need = 0;
    }
}

/* After the classes: of the keys equal to a boundary's (often one), the first `need` in
 * index order are not past it (ties_fix); then classes become widths unless they are
 * consecutive (M already holds bits[0] + class). */
static void assign_finish(const uint64_t *key, uint32_t n, const QDist *d, const uint64_t *k,
                          const uint64_t *need, int nl, uint8_t *M)
{
    for (int i = 0; i < nl; i++)
        ties_fix(key, n, k[i], need[i], M);
    if (bits_consecutive(d))
        return;
    uint8_t bits[HB_MAX_SHARES + 1];
    for (int c = 0; c < d->n; c++)
        bits[c] = (uint8_t)d->bits[c];
    for (uint32_t j = 0; j < n; j++)
        M[j] = bits[M[j]];
}

/* Each element's width: its class is how many boundaries it is past (assign_classes),
 * then assign_finish. */
static void assign(const uint64_t *key, uint32_t n, const QDist *d, Bound *bd, int nb, int base,
                   uint8_t *M)
{
    uint64_t k[HB_MAX_SHARES], need[HB_MAX_SHARES];
    int nl = live_keys(bd, nb, k, need);
    assign_classes(key, n, k, nl, base + (bits_consecutive(d) ? d->bits[0] : 0), M);
    assign_finish(key, n, d, k, need, nl, M);
}

/* The d->n - 1 share boundaries at the ends of the counts; returns the class every
 * element starts from (the boundaries at rank 0: every element is past them). */
static int bounds_init(uint32_t n, const QDist *d, const uint64_t *count, Bound *bd)
{
    int base = 0;
    uint64_t end = 0;
    for (int k = 0; k < d->n - 1; k++) {
        end += count[k];
        bd[k] = (Bound){.state = end == 0 ? 1 : end >= n ? 2 : 0, .c = end};
        base += bd[k].state == 1;
    }
    return base;
}

static void sel_widths(const uint64_t *key, uint32_t n, const QDist *d, const uint64_t *count,
                       uint64_t lo, uint64_t hi, uint64_t *cand, uint8_t *M)
{
    Bound bd[HB_MAX_SHARES];
    int base = bounds_init(n, d, count, bd);
    Round first;
    round_hist_range(&first, key, n, lo, hi, round_bits(n, SEL_FIRST_PER));
    sel_bounds(key, n, &first, bd, d->n - 1, cand);
    assign(key, n, d, bd, d->n - 1, base, M);
}

/* ---- The selection split across threads (the CPU runtime at batch 1) ----
 * The same passes on fixed ranges of the elements, claimed by par's threads:
 * the mean's blocks (then merged in order), the keys with each range's min and max, each
 * range's histogram (added up: the first round), each range's part of the boundaries'
 * buckets (at offsets from the range histograms: each candidate lands where the
 * sequential gather puts it), the classes. The rounds on the candidates and the ties are
 * one thread's. Nothing depends on which thread runs which range, or on how many ranges
 * there are: one a thread (a range's histogram costs ~1 us to clear and add up), at most
 * PAR_UNITS. */
#define PAR_UNITS 8

typedef struct ParSel {
    const float *T;
    uint32_t n;
    int units; // ranges: 2..PAR_UNITS
    double mu1, *bsum, *bmin;
    uint64_t *key, *cand, ulo[PAR_UNITS], uhi[PAR_UNITS];
    uint32_t *uhist; // a histogram a range (in cand until the gather)
    const Round *first;
    const Bound *bd;
    const int *live;
    int nl, nb, base;
    uint32_t uoff[HB_MAX_SHARES][PAR_UNITS];
    uint64_t k[HB_MAX_SHARES];
    uint8_t *M;
} ParSel;

static uint32_t unit_at(const struct ParSel *p, int64_t u)
{
    return (uint32_t)((uint64_t)p->n * (uint64_t)u / (uint64_t)p->units);
}

static void par_mean(void *args, int64_t lo, int64_t hi)
{
    ParSel *p = args;
    quant_mean_blocks(p->T, (uint64_t)lo, (uint64_t)hi, p->bsum, p->bmin);
}

static void par_keys(void *args, int64_t lo, int64_t hi)
{
    ParSel *p = args;
    for (int64_t u = lo; u < hi; u++) {
        uint32_t a = unit_at(p, u), b = unit_at(p, u + 1);
        keys_mo(p->T + a, b - a, p->mu1, p->key + a, &p->ulo[u], &p->uhi[u]);
    }
}

static void par_hist(void *args, int64_t lo, int64_t hi)
{
    ParSel *p = args;
    for (int64_t u = lo; u < hi; u++) {
        uint32_t a = unit_at(p, u), b = unit_at(p, u + 1);
        round_count(p->uhist + u * SEL_BUCKETS, 1u << p->first->bits, p->key + a, b - a,
                    p->first->lo, p->first->sh);
    }
}

static void par_gather(void *args, int64_t lo, int64_t hi)
{
    ParSel *p = args;
    for (int64_t u = lo; u < hi; u++) {
        uint32_t a = unit_at(p, u), b = unit_at(p, u + 1);
        Bound bd[HB_MAX_SHARES];
        memcpy(bd, p->bd, (size_t)p->nb * sizeof *bd);
        for (int i = 0; i < p->nl; i++)
            bd[p->live[i]].off = p->uoff[i][u];
        gather(p->key + a, b - a, p->first, bd, p->live, p->nl, p->cand);
    }
}

static void par_classes(void *args, int64_t lo, int64_t hi)
{
    ParSel *p = args;
    for (int64_t u = lo; u < hi; u++) {
        uint32_t a = unit_at(p, u), b = unit_at(p, u + 1);
        assign_classes(p->key + a, b - a, p->k, p->nl, p->base, p->M + a);
    }
}

/* The mean (its blocks split), the keys and the first round's window. */
static void par_keys_window(ParSel *p, const QuantPar *par, Round *first)
{
    uint64_t nblk = p->n / QUANT_MEAN_BLOCK, lo = UINT64_MAX, hi = 0;
    p->bsum = (double *)p->cand; // cand is free until the gather
    p->bmin = p->bsum + nblk;
    par->run(par->ctx, par_mean, p, (int64_t)nblk, (int64_t)nblk / p->units);
    p->mu1 = quant_mean_abs_merge(p->T, p->n, p->bsum, p->bmin);
    par->run(par->ctx, par_keys, p, p->units, 1);
    for (int u = 0; u < p->units; u++) {
        lo = p->ulo[u] < lo ? p->ulo[u] : lo;
        hi = p->uhi[u] > hi ? p->uhi[u] : hi;
    }
    round_window(first, lo, hi, round_bits(p->n, SEL_FIRST_PER));
}

/* The first round's histogram as the sum of the ranges'. */
static void par_first_round(ParSel *p, const QuantPar *par, Round *first)
{
    p->uhist = (uint32_t *)p->cand; // at most PAR_UNITS * 8 KiB <= 8n bytes
    p->first = first;
    par->run(par->ctx, par_hist, p, p->units, 1);
    for (uint32_t b = 0; b < 1u << first->bits; b++) {
        uint32_t h = 0;
        for (int u = 0; u < p->units; u++)
            h += p->uhist[u * SEL_BUCKETS + b];
        first->hist[b] = h;
    }
}

static void par_widths(const float *T, uint32_t n, const QDist *d, const uint64_t *count,
                       uint64_t *work, uint8_t *M, const QuantPar *par)
{
    int units = par->threads < 2 ? 2 : par->threads > PAR_UNITS ? PAR_UNITS : par->threads;
    ParSel p = {
            .T = T, .n = n, .units = units, .key = work, .cand = work + n, .M = M, .nb = d->n - 1};
    Round first;
    Bound bd[HB_MAX_SHARES];
    int live[HB_MAX_SHARES], nl, base = bounds_init(n, d, count, bd);
    par_keys_window(&p, par, &first);
    par_first_round(&p, par, &first);
    uint64_t total = bounds_first(&first, bd, p.nb, live, &nl);
    if (first.sh == 0 || total > n) {
        bounds_filter(p.key, n, &first, bd, live, nl, p.cand);
    } else {
        for (int i = 0; i < nl; i++) { // each range's share of the boundary's slice
            uint32_t o = bd[live[i]].off, b = bd[live[i]].b;
            for (int u = 0; u < p.units; u++) {
                p.uoff[i][u] = o;
                o += p.uhist[u * SEL_BUCKETS + b];
            }
        }
        p.bd = bd;
        p.live = live;
        p.nl = nl;
        par->run(par->ctx, par_gather, &p, p.units, 1);
        for (int i = 0; i < nl; i++)
            bd[live[i]].m = first.hist[bd[live[i]].b];
        bounds_finish(bd, live, nl, p.cand);
    }
    uint64_t need[HB_MAX_SHARES];
    p.nl = live_keys(bd, p.nb, p.k, need);
    p.base = base + (bits_consecutive(d) ? d->bits[0] : 0);
    par->run(par->ctx, par_classes, &p, p.units, 1);
    assign_finish(p.key, n, d, p.k, need, p.nl, M);
}

uint32_t quant_assign_widths_par(const float *T, uint32_t n, const QDist *d, Selection sel,
                                 uint64_t seed, uint8_t *M, void *work, const QuantPar *par)
{
    if (!par || sel != SEL_MIDDLE_OUT || d->n == 1 || n < QUANT_PAR_MIN_N)
        return quant_assign_widths_work(T, n, d, sel, seed, M, work);
    uint64_t count[HB_MAX_SHARES];
    quant_split_counts(n, d, count);
    par_widths(T, n, d, count, work, M, par);
    return quant_zero_shares(d, count);
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
