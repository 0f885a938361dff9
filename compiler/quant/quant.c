// SPDX-License-Identifier: MIT
/* quant.c: quant_tensor(), the quantizer's entry point. Validates the input, picks the
 * distribution (as written, or the `bits avg X` search), runs selection + Eq. 5 per
 * scale group, then packs sign planes and masks and fills the --explain figures
 * (counts, error under both groupings, storage bytes) into a QTensor in the arena. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "quant_internal.h"

/* One candidate quantization in work buffers: widths, signs and scales; the
 * reconstruction is only materialized for the winner. */
typedef struct QRun {
    uint8_t *M, *signs;
    float *alpha; // [rows][HB_MAX_BITS]
    int maxbits;
    uint32_t zero_mask;
    double error;
} QRun;

/* The fixed inputs of a QK_BITS quantization, plus shared scratch. */
typedef struct QJob {
    const float *T;
    uint64_t n, len;         // len: elements per scale group
    uint32_t channels, rows; // rows: scale groups (1 or channels)
    Selection sel;
    uint64_t seed;
    double norm2; // ||T||^2
    void *work;   // Algorithm 1's scratch (quant_widths_work_bytes), then Eq. 5's residuals
} QJob;

static void run_init(QRun *r, const QJob *job)
{
    r->M = quant_xmalloc(job->n, 1);
    r->signs = quant_xmalloc(job->n, 1);
    r->alpha = quant_xmalloc(job->rows, HB_MAX_BITS * sizeof(float));
}

static void run_free(QRun *r) // a zeroed QRun (never initialized) is fine
{
    quant_xfree(r->M);
    quant_xfree(r->signs);
    quant_xfree(r->alpha);
}

/* The random selection's per-channel stream: channel 0 uses the seed itself, so a
 * one-channel tensor is the same with either scale granularity. */
static uint64_t channel_seed(uint64_t seed, uint32_t c)
{
    return seed ^ ((uint64_t)c * 0xD1B54A32D192ED03u);
}

/* Widths for group element: Algorithm 1 per scale group, on the job's scratch (the
 * selection of quant_widths.c: the widths of the stable order without sorting). */
static uint32_t widths_element(QJob *job, const QDist *d, uint8_t *M)
{
    uint32_t zero = 0;
    for (uint32_t r = 0; r < job->rows; r++) {
        uint64_t off = r * job->len;
        zero |= quant_assign_widths_work(job->T + off, (uint32_t)job->len, d, job->sel,
                                         channel_seed(job->seed, r), M + off, job->work);
    }
    return zero;
}

/* Reconstruction of every scale group; returns the relative error. recon may be NULL. */
static double run_reconstruct(const QJob *job, const QRun *r, float *recon)
{
    double sq = 0;
    for (uint32_t row = 0; row < job->rows; row++) {
        uint64_t off = row * job->len;
        sq += quant_reconstruct(job->T + off, job->len, r->M + off, r->maxbits,
                                r->alpha + row * HB_MAX_BITS, r->signs + off,
                                recon ? recon + off : NULL);
    }
    return job->norm2 > 0 ? sqrt(sq / job->norm2) : 0.0;
}

/* One candidate: widths, Eq. 5, and the error (recon, if not NULL, receives T^). */
static void run_bits(QJob *job, const QDist *d, Grouping g, QRun *r, float *recon)
{
    r->zero_mask = 0;
    if (d->n == 1)
        memset(r->M, d->bits[0], job->n); // homogeneous: no selection needed
    else if (g == GROUP_CHANNEL)
        r->zero_mask = quant_widths_channel(job->T, job->n, job->channels, job->rows > 1, d, r->M);
    else
        r->zero_mask = widths_element(job, d, r->M);
    int K = 1;
    for (uint64_t j = 0; j < job->n; j++)
        K = r->M[j] > K ? r->M[j] : K;
    r->maxbits = K;
    for (uint32_t row = 0; row < job->rows; row++) {
        uint64_t off = row * job->len;
        quant_binarize_work(job->T + off, job->len, r->M + off, K, r->alpha + row * HB_MAX_BITS,
                            r->signs + off, (double *)job->work);
    }
    r->error = run_reconstruct(job, r, recon);
}

/* ---- validation ---- */

static const char *check_dist(Arena *a, const QDist *d)
{
    if (d->n < 1 || d->n > HB_MAX_SHARES)
        return arena_printf(a, "bit distribution has %d shares (expected 1 to %d)", d->n,
                            HB_MAX_SHARES);
    double sum = 0;
    for (int k = 0; k < d->n; k++) {
        if (d->bits[k] < 1 || d->bits[k] > HB_MAX_BITS || (k && d->bits[k] <= d->bits[k - 1]))
            return arena_printf(a, "bit widths must be ascending in 1..%d (share %d has %d)",
                                HB_MAX_BITS, k + 1, d->bits[k]);
        if (!(d->frac[k] >= 0 && d->frac[k] <= 1))
            return arena_printf(a, "share %d of the bit distribution is %g (expected 0..1)", k + 1,
                                d->frac[k]);
        sum += d->frac[k];
    }
    if (fabs(sum - 1) > HB_DIST_TOL)
        return arena_printf(a, "bit distribution shares sum to %.4f%% (expected 100%%)", sum * 100);
    return NULL;
}

/* Also returns ||T||^2 (the finiteness scan reads every element anyway). */
static const char *check_input(Arena *a, const float *T, uint64_t n, uint32_t channels,
                               double *norm2)
{
    if (n == 0)
        return "cannot quantize an empty tensor";
    if (n > UINT32_MAX)
        return arena_printf(a, "tensor has %llu elements; the quantizer takes at most %u",
                            (unsigned long long)n, UINT32_MAX);
    if (channels == 0 || n % channels)
        return arena_printf(a, "%u channels do not divide the tensor's %llu elements", channels,
                            (unsigned long long)n);
    double s = 0;
    for (uint64_t j = 0; j < n; j++) {
        if (!isfinite(T[j]))
            return arena_printf(a, "weight element %llu is %s", (unsigned long long)j,
                                isnan(T[j]) ? "NaN" : "infinite");
        s += (double)T[j] * (double)T[j];
    }
    *norm2 = s;
    return NULL;
}

/* ---- bits avg X ---- */

/* The 5%-grid mixes of 1/2/3 bits whose mean is X (within 0.005), zero shares dropped.
 * Enumeration order (which decides ties): the 3-bit share ascending, so a tie goes to
 * the mix with the fewest 3-bit elements. For a given 3-bit share at most one 2-bit
 * share fits the mean. Returns the number of candidates (at most 21). */
static int avg_candidates(double X, QDist *out)
{
    int nc = 0;
    for (int p3 = 0; p3 <= 100; p3 += 5)
        for (int p2 = 0; p2 <= 100 - p3; p2 += 5) {
            int p1 = 100 - p2 - p3;
            if (fabs((p1 + 2.0 * p2 + 3.0 * p3) / 100.0 - X) > 0.005 + 1e-9)
                continue;
            QDist *d = &out[nc++];
            int p[3] = {p1, p2, p3};
            d->n = 0;
            for (int b = 0; b < 3; b++)
                if (p[b] > 0) {
                    d->bits[d->n] = b + 1;
                    d->frac[d->n++] = p[b] / 100.0;
                }
        }
    return nc;
}

static const char *spec_dists(Arena *a, const QuantSpec *spec, QDist *cand, int *nc)
{
    if (spec->avg_search) {
        *nc = avg_candidates(spec->avg, cand);
        if (*nc == 0)
            return arena_printf(a,
                                "bits avg %g: no mix of 1-, 2- and 3-bit shares on the 5%% "
                                "grid has that mean (use a multiple of 0.05 from 1 to 3)",
                                spec->avg);
        return NULL;
    }
    *nc = 1;
    cand->n = spec->nshares;
    for (int k = 0; k < spec->nshares && k < HB_MAX_SHARES; k++) {
        cand->bits[k] = spec->share_bits[k];
        cand->frac[k] = spec->share_frac[k];
    }
    return check_dist(a, cand);
}

/* ---- output ---- */

static void *arena_copy(Arena *a, const void *p, size_t n, size_t size)
{
    void *q = arena_calloc(a, n, size);
    memcpy(q, p, n * size);
    return q;
}

/* One 64-element word of every plane and mask, from element e0 on (`cnt` <= 64). */
static void pack_word(const QRun *r, uint64_t e0, uint64_t cnt, uint64_t *pw, uint64_t *mw)
{
    for (int m = 0; m < r->maxbits; m++)
        pw[m] = mw[m] = 0;
    for (uint64_t b = 0; b < cnt; b++) {
        unsigned w = r->M[e0 + b], s = r->signs[e0 + b]; // s has no bits at or above w
        for (int m = 0; m < r->maxbits; m++) {
            mw[m] |= (uint64_t)(w > (unsigned)m) << b;
            pw[m] |= (uint64_t)((s >> m) & 1) << b;
        }
    }
}

/* Sign planes and masks, packed per output channel row (see QTensor). */
static void pack_planes(Arena *a, const QRun *r, QTensor *q)
{
    uint64_t wpc = q->words_per_channel, pc = q->per_channel;
    for (int m = 0; m < r->maxbits; m++) {
        q->planes[m] = arena_calloc(a, q->channels * wpc, sizeof(uint64_t));
        q->masks[m] = arena_calloc(a, q->channels * wpc, sizeof(uint64_t));
    }
    for (uint64_t c = 0; c < q->channels; c++)
        for (uint64_t w = 0; w < wpc; w++) {
            uint64_t pw[HB_MAX_BITS], mw[HB_MAX_BITS];
            uint64_t cnt = pc - w * 64 < 64 ? pc - w * 64 : 64;
            pack_word(r, c * pc + w * 64, cnt, pw, mw);
            for (int m = 0; m < r->maxbits; m++) {
                q->planes[m][c * wpc + w] = pw[m];
                q->masks[m][c * wpc + w] = mw[m];
            }
        }
}

static uint64_t ceil_div8(double bits)
{
    return (uint64_t)ceil(bits / 8.0 - 1e-12);
}

static void fill_bits_bytes(QTensor *q, Grouping g)
{
    uint64_t units = g == GROUP_CHANNEL ? q->channels : q->n, sum = 0;
    int widths = 0;
    double H = 0;
    for (int b = 1; b <= HB_MAX_BITS; b++) {
        sum += (uint64_t)b * q->counts[b];
        if (q->counts[b] == 0)
            continue;
        widths++;
        double p = (double)q->counts[b] / (double)q->n;
        H -= p * log2(p);
    }
    int code = 0;
    while ((1 << code) < widths)
        code++;
    q->bytes.signs = (sum + 7) / 8;
    q->bytes.mask_code = widths > 1 ? (units * (uint64_t)code + 7) / 8 : 0;
    q->bytes.mask_entropy = widths > 1 ? ceil_div8((double)units * H) : 0;
    q->bytes.scales = 4 * (uint64_t)q->scale_rows * (uint64_t)q->maxbits;
    q->bytes.total = q->bytes.signs + q->bytes.mask_code + q->bytes.scales;
}

/* The winner into *q (q->recon is already allocated; `redo` if it is not filled yet). */
static void fill_bits(Arena *a, const QJob *job, const QRun *r, Grouping g, bool redo, QTensor *q)
{
    int K = r->maxbits;
    q->maxbits = K;
    q->widths = arena_copy(a, r->M, job->n, 1);
    if (redo)
        run_reconstruct(job, r, q->recon);
    q->scale_rows = job->rows;
    q->scales = arena_calloc(a, (size_t)job->rows * K, sizeof(float));
    for (uint32_t row = 0; row < job->rows; row++)
        memcpy(q->scales + row * K, r->alpha + row * HB_MAX_BITS, K * sizeof(float));
    uint64_t sum = 0;
    for (uint64_t j = 0; j < job->n; j++)
        q->counts[r->M[j]]++;
    for (int b = 1; b <= HB_MAX_BITS; b++)
        sum += (uint64_t)b * q->counts[b];
    q->avg_bits = (double)sum / (double)job->n;
    q->error = r->error;
    q->share_zero_warning_mask = r->zero_mask;
    pack_planes(a, r, q);
    fill_bits_bytes(q, g);
}

/* A tensor's quantization job: rows of the scale grouping and the work buffer
 * (freed by job_free). */
static void job_init(QJob *job, const float *T, double norm2, const QuantSpec *spec,
                     const QTensor *q)
{
    *job = (QJob){.T = T,
                  .n = q->n,
                  .channels = q->channels,
                  .sel = spec->select,
                  .seed = spec->seed,
                  .norm2 = norm2};
    job->rows = spec->scale == SCALE_PER_CHANNEL ? q->channels : 1;
    job->len = q->n / job->rows;
    uint64_t wb = quant_widths_work_bytes(job->len, spec->select);
    job->work = quant_xmalloc(wb > 8 * job->len ? wb : 8 * job->len, 1);
}

static void job_free(QJob *job)
{
    quant_xfree(job->work);
}

static const char *quant_bits(Arena *a, const float *T, double norm2, const QuantSpec *spec,
                              QTensor *q)
{
    QDist cand[32];
    int nc = 0;
    const char *err = spec_dists(a, spec, cand, &nc);
    if (err)
        return err;
    QJob job;
    job_init(&job, T, norm2, spec, q);
    QRun best = {0}, cur = {0};
    run_init(&best, &job);
    if (nc > 1)
        run_init(&cur, &job);
    // With one candidate its reconstruction goes straight to the output.
    q->recon = arena_calloc(a, q->n, sizeof(float));
    int pick = 0;
    for (int i = 0; i < nc; i++) {
        run_bits(&job, &cand[i], spec->group, i == 0 ? &best : &cur, nc == 1 ? q->recon : NULL);
        // A later candidate wins only when its error is lower by more than a relative
        // 1e-9: float rounding (a level with mu ~ 1e-8) must not buy a whole extra width.
        if (i > 0 && best.error - cur.error > 1e-9 * best.error) {
            QRun t = best;
            best = cur;
            cur = t;
            pick = i;
        }
    }
    q->chosen = cand[pick];
    fill_bits(a, &job, &best, spec->group, nc > 1, q);
    run_free(&best);
    run_free(&cur);
    job_free(&job);
    return NULL;
}

static const char *quant_int(Arena *a, const float *T, const QuantSpec *spec, QTensor *q)
{
    int k = spec->int_bits;
    if (k < 2 || k > 16)
        return arena_printf(a, "int %d: integer width must be 2..16", k);
    q->maxbits = k;
    q->avg_bits = k;
    q->ivalues = arena_calloc(a, q->n, sizeof(int32_t));
    q->recon = arena_calloc(a, q->n, sizeof(float));
    q->iscales = arena_calloc(a, q->channels, sizeof(float));
    q->scale_rows = q->channels;
    for (uint64_t c = 0; c < q->channels; c++) {
        uint64_t off = c * q->per_channel;
        q->iscales[c] =
                quant_int_group(T + off, q->per_channel, k, q->ivalues + off, q->recon + off);
    }
    q->error = quant_rel_error(T, q->recon, q->n);
    q->bytes.signs = (q->n * (uint64_t)k + 7) / 8;
    q->bytes.scales = 4 * (uint64_t)q->channels;
    q->bytes.total = q->bytes.signs + q->bytes.scales;
    return NULL;
}

double quant_error_grouped(const float *T, const QTensor *q, const QuantSpec *spec, Grouping g)
{
    if (q->kind != QK_BITS || g == spec->group || q->chosen.n < 2)
        return q->error; // homogeneous widths do not depend on the grouping
    double norm2 = 0;
    for (uint64_t j = 0; j < q->n; j++)
        norm2 += (double)T[j] * (double)T[j];
    QJob job;
    job_init(&job, T, norm2, spec, q);
    QRun r = {0};
    run_init(&r, &job);
    run_bits(&job, &q->chosen, g, &r, NULL);
    run_free(&r);
    job_free(&job);
    return r.error;
}

bool quant_tensor(Arena *a, const float *T, uint64_t n, uint32_t channels, const QuantSpec *spec,
                  QTensor *out, const char **err)
{
    memset(out, 0, sizeof *out);
    double norm2 = 0;
    *err = check_input(a, T, n, channels, &norm2);
    if (*err)
        return false;
    out->kind = spec->kind;
    out->n = n;
    out->channels = channels;
    out->per_channel = n / channels;
    out->words_per_channel = (out->per_channel + 63) / 64;
    switch (spec->kind) {
    case QK_BITS:
        *err = quant_bits(a, T, norm2, spec, out);
        break;
    case QK_INT:
        *err = quant_int(a, T, spec, out);
        break;
    case QK_FLOAT:
        out->maxbits = 32;
        out->avg_bits = 32;
        out->recon = arena_copy(a, T, n, sizeof(float));
        out->bytes.total = 4 * n;
        break;
    default:
        HB_UNREACHABLE("quant_tensor: quantization kind %d", (int)spec->kind);
    }
    return *err == NULL;
}
