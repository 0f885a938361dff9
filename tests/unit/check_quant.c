// SPDX-License-Identifier: MIT
/* check_quant.c: unit tests for the weight quantizer (quant.h): the worked example of
 * docs/algorithm.md §10 bit for bit, the Fig. 2a table on 10^6 Gaussian values for every
 * selection, the edge cases, per-channel scales, group channel, bits avg, int k. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "quant.h"
#include "quant_internal.h"
#include "test_util.h"

/* ---- helpers ---- */

/* The test's own splitmix64 + Box-Muller, independent of the module's PRNG, so the
 * reference data cannot drift with the code under test. */
static uint64_t t_splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static float *gauss(uint64_t n, uint64_t seed)
{
    float *T = arena_calloc(&hbt_cx->arena, n, sizeof *T);
    for (uint64_t j = 0; j < n; j++) {
        double u1, u2;
        do {
            u1 = (double)(t_splitmix(&seed) >> 11) * 0x1p-53;
            u2 = (double)(t_splitmix(&seed) >> 11) * 0x1p-53;
        } while (u1 <= 0);
        T[j] = (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
    }
    return T;
}

/* A QK_BITS spec from whole percentages of 1/2/3 bits (zero shares dropped). */
static QuantSpec spec3(int p1, int p2, int p3, Selection sel)
{
    QuantSpec s = {.kind = QK_BITS, .select = sel, .seed = 7};
    int p[3] = {p1, p2, p3};
    for (int b = 0; b < 3; b++)
        if (p[b] > 0) {
            s.share_bits[s.nshares] = b + 1;
            s.share_frac[s.nshares++] = p[b] / 100.0;
        }
    return s;
}

static QDist dist_of(const QuantSpec *s)
{
    QDist d = {.n = s->nshares};
    for (int k = 0; k < s->nshares; k++) {
        d.bits[k] = s->share_bits[k];
        d.frac[k] = s->share_frac[k];
    }
    return d;
}

static QTensor quant_ok(const float *T, uint64_t n, uint32_t channels, const QuantSpec *s)
{
    QTensor q;
    const char *err = NULL;
    bool ok = quant_tensor(&hbt_cx->arena, T, n, channels, s, &q, &err);
    ck_assert_msg(ok, "quant_tensor failed: %s", err ? err : "?");
    return q;
}

static double sq_error(const float *T, const float *R, uint64_t n)
{
    double s = 0;
    for (uint64_t j = 0; j < n; j++)
        s += ((double)R[j] - T[j]) * ((double)R[j] - T[j]);
    return s;
}

static int plane_bit(const uint64_t *p, const QTensor *q, uint64_t c, uint64_t j)
{
    return (int)((p[c * q->words_per_channel + j / 64] >> (j % 64)) & 1);
}

/* ---- docs/algorithm.md §10 ---- */

static const float EX[8] = {0.625f, -1.5f, 0.125f, -0.5f, 1.625f, -0.6875f, 0.375f, -0.5625f};

START_TEST(test_worked_example)
{
    QuantSpec s = {.kind = QK_BITS, .nshares = 2, .share_bits = {1, 2}, .share_frac = {0.6, 0.4}};
    QTensor q = quant_ok(EX, 8, 1, &s);
    const uint8_t M[8] = {1, 2, 2, 1, 2, 1, 1, 1};
    const float R[8] = {0.75f, -1.5f, 0, -0.75f, 1.5f, -0.75f, 0.75f, -0.75f};
    for (int j = 0; j < 8; j++) {
        ck_assert_int_eq(q.widths[j], M[j]);
        ck_assert_float_eq(q.recon[j], R[j]);
    }
    ck_assert_int_eq(q.maxbits, 2);
    ck_assert_uint_eq(q.scale_rows, 1);
    ck_assert_float_eq(q.scales[0], 0.75f);
    ck_assert_float_eq(q.scales[1], 0.75f);
    ck_assert_double_eq(sq_error(EX, q.recon, 8), 0.2890625);
    ck_assert_double_eq_tol(q.error, sqrt(0.2890625 / 6.4765625), 1e-15);
    ck_assert_uint_eq(q.counts[1], 5);
    ck_assert_uint_eq(q.counts[2], 3);
    ck_assert_double_eq(q.avg_bits, 1.375);
    // Planes: level 1 = sign(T) (+ at 0, 2, 4, 6); level 2 only at j = 1, 2, 4 (-, -, +).
    ck_assert_uint_eq(q.words_per_channel, 1);
    ck_assert_uint_eq(q.planes[0][0], 0x55);
    ck_assert_uint_eq(q.masks[0][0], 0xFF);
    ck_assert_uint_eq(q.planes[1][0], 0x10);
    ck_assert_uint_eq(q.masks[1][0], 0x16);
    ck_assert_ptr_null(q.planes[2]);
    // 11 sign bits, a 1-bit code per element, 2 float scales.
    ck_assert_uint_eq(q.bytes.signs, 2);
    ck_assert_uint_eq(q.bytes.mask_code, 1);
    ck_assert_uint_eq(q.bytes.mask_entropy, 1);
    ck_assert_uint_eq(q.bytes.scales, 8);
    ck_assert_uint_eq(q.bytes.total, 11);
    ck_assert_int_eq(q.chosen.n, 2);
    ck_assert_uint_eq(q.share_zero_warning_mask, 0);
}
END_TEST

START_TEST(test_worked_example_homogeneous)
{
    QuantSpec s1 = {.kind = QK_BITS, .nshares = 1, .share_bits = {1}, .share_frac = {1}};
    QTensor q1 = quant_ok(EX, 8, 1, &s1);
    ck_assert_float_eq(q1.scales[0], 0.75f);
    ck_assert_double_eq(sq_error(EX, q1.recon, 8), 1.9765625);
    ck_assert_uint_eq(q1.bytes.mask_code, 0);
    ck_assert_uint_eq(q1.bytes.total, 1 + 4);

    QuantSpec s2 = {.kind = QK_BITS, .nshares = 1, .share_bits = {2}, .share_frac = {1}};
    QTensor q2 = quant_ok(EX, 8, 1, &s2);
    const float R[8] = {0.34375f, -1.15625f, 0.34375f, -0.34375f,
                        1.15625f, -0.34375f, 0.34375f, -0.34375f};
    ck_assert_float_eq(q2.scales[0], 0.75f);
    ck_assert_float_eq(q2.scales[1], 0.40625f);
    for (int j = 0; j < 8; j++)
        ck_assert_float_eq(q2.recon[j], R[j]);
    ck_assert_double_eq(sq_error(EX, q2.recon, 8), 0.65625);
    ck_assert_double_eq(quant_error_grouped(EX, &q2, &s2, GROUP_ELEMENT), q2.error);
    ck_assert_double_eq(quant_error_grouped(EX, &q2, &s2, GROUP_CHANNEL), q2.error);
}
END_TEST

START_TEST(test_worked_example_pieces)
{
    uint32_t order[8];
    quant_order(EX, 8, SEL_MIDDLE_OUT, 0, order);
    const uint32_t S[8] = {5, 0, 7, 3, 6, 2, 1, 4};
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(order[i], S[i]);
    QDist d = {2, {1, 2}, {0.6, 0.4}};
    uint64_t count[2];
    quant_split_counts(8, &d, count);
    ck_assert_uint_eq(count[0], 5);
    ck_assert_uint_eq(count[1], 3);
    uint8_t M[8], signs[8];
    ck_assert_uint_eq(quant_assign_widths(EX, 8, &d, SEL_MIDDLE_OUT, 0, M), 0);
    float alpha[2], recon[8];
    quant_binarize(EX, 8, M, 2, alpha, signs, recon);
    ck_assert_float_eq(alpha[1], 0.75f);
    ck_assert_uint_eq(signs[4], 3);  // + +
    ck_assert_uint_eq(signs[2], 1);  // + -
    ck_assert_uint_eq(signs[3], 0);  // - (one level)
    ck_assert_float_eq(recon[2], 0); // mu1 - mu2
}
END_TEST

/* quant_assign_widths selects the boundary ranks instead of sorting: it must give the
 * widths of quant_order() + quant_widths_from_order() exactly, ties included: equal
 * values, values so tiny that mu1 - |T| rounds to mu1 (middle-out's mixed runs), zeros,
 * -0, one value everywhere, shares of 0 and 100%. The _work form runs on a buffer of
 * exactly quant_widths_work_bytes() (ASan catches an overrun). */
static void fill_case(float *T, uint32_t n, int kind, uint64_t *st)
{
    static const float few[] = {0.0f, -0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 0.75f, 2.0f};
    for (uint32_t j = 0; j < n; j++) {
        uint64_t r = hb_rng_next(st);
        float g = (float)((double)(r >> 11) / 9007199254740992.0 * 2.0 - 1.0);
        switch (kind) {
        case 0:
            T[j] = g;
            break; // distinct
        case 1:
            T[j] = few[r % 8];
            break; // heavy ties
        case 2:
            T[j] = r % 3 ? (float)((r % 5) + 1) * 1e-30f : 1.0f;
            break; // tiny keys
        case 3:
            T[j] = 0.25f;
            break; // one value
        default:
            T[j] = (r & 1) ? g : few[r % 8];
            break; // mixed
        }
    }
}

START_TEST(test_widths_by_selection)
{
    // 257: ties in two chunks of ties_fix; 4608, 9216: MobileNet's sizes (rounds of fewer
    // buckets than the 2048 of 70001's first round).
    static const uint32_t NS[] = {1, 2, 3, 8, 31, 257, 1000, 4608, 9216, 70001};
    static const QDist DS[] = {{2, {1, 2}, {0.7, 0.3}},
                               {3, {1, 2, 3}, {0.7, 0.2, 0.1}},
                               {3, {1, 2, 3}, {0.0, 0.5, 0.5}},
                               {3, {1, 2, 4}, {0.5, 0.5, 0.0}},
                               {4, {1, 2, 3, 4}, {0.25, 0.25, 0.25, 0.25}}};
    static const Selection SS[] = {SEL_MIDDLE_OUT, SEL_TOP_DOWN, SEL_BOTTOM_UP, SEL_RANDOM,
                                   SEL_MO_RESIDUAL};
    uint64_t st = 77;
    uint32_t nmax = 70001;
    float *T = malloc(nmax * sizeof *T);
    uint32_t *order = malloc(nmax * sizeof *order);
    uint8_t *want = malloc(nmax), *got = malloc(nmax), *got2 = malloc(nmax);
    for (size_t ni = 0; ni < sizeof NS / sizeof *NS; ni++)
        for (int kind = 0; kind < 5; kind++)
            for (size_t di = 0; di < sizeof DS / sizeof *DS; di++)
                for (size_t si = 0; si < sizeof SS / sizeof *SS; si++) {
                    uint32_t n = NS[ni];
                    Selection sel = SS[si];
                    fill_case(T, n, kind, &st);
                    uint64_t count[HB_MAX_SHARES];
                    quant_split_counts(n, &DS[di], count);
                    uint32_t zw = 0;
                    for (int k = 0; k < DS[di].n; k++)
                        if (DS[di].frac[k] > 0 && count[k] == 0)
                            zw |= 1u << DS[di].bits[k];
                    if (sel == SEL_MO_RESIDUAL) {
                        zw = quant_widths_mo_residual(T, n, &DS[di], want);
                    } else {
                        quant_order(T, n, sel, 5, order);
                        quant_widths_from_order(order, &DS[di], count, want);
                    }
                    ck_assert_uint_eq(quant_assign_widths(T, n, &DS[di], sel, 5, got), zw);
                    void *work = malloc(quant_widths_work_bytes(n, sel));
                    ck_assert_uint_eq(quant_assign_widths_work(T, n, &DS[di], sel, 5, got2, work),
                                      zw);
                    free(work);
                    ck_assert_msg(memcmp(want, got, n) == 0 && memcmp(want, got2, n) == 0,
                                  "%s n=%u data %d dist %zu: widths differ from the order's",
                                  selection_name(sel), n, kind, di);
                }
    free(T);
    free(order);
    free(want);
    free(got);
    free(got2);
}
END_TEST

/* quant_assign_widths_par splits the passes across threads: the widths must be the
 * sequential ones for every split. The split here runs ranges of 1-3 grains last first
 * (as late workers might) and counts its calls: the split path must be taken from
 * QUANT_PAR_MIN_N on, not below. Data: fill_case's kinds (ties, tiny keys, one value:
 * its first round is exact), a NaN, an infinity, 90% zeros (two boundaries in one bucket
 * bigger than half: the filter path), shares rounding to 0, widths not consecutive. */
static void split_reversed(void *ctx, QuantRangeFn fn, void *args, int64_t n, int64_t grain)
{
    int *calls = ctx;
    int64_t g = grain > 0 ? grain : 1;
    for (int64_t hi = n; hi > 0;) {
        int64_t lo = hi - g * (1 + hi % 3);
        lo = lo < 0 ? 0 : lo;
        fn(args, lo, hi);
        hi = lo;
    }
    (*calls)++;
}

static void fill_split_case(float *T, uint32_t n, int kind, uint64_t *st)
{
    if (kind < 5) {
        fill_case(T, n, kind, st);
        return;
    }
    fill_case(T, n, 0, st);
    for (uint32_t j = 0; j < n; j++)
        if (kind == 7 && hb_rng_next(st) % 10)
            T[j] = 0;
    if (kind == 5)
        T[n / 3] = NAN;
    if (kind == 6)
        T[n - 1] = -INFINITY;
}

START_TEST(test_widths_split)
{
    static const uint32_t NS[] = {QUANT_PAR_MIN_N - 1, QUANT_PAR_MIN_N, 65536, 70001};
    static const QDist DS[] = {{2, {1, 2}, {0.7, 0.3}},
                               {3, {1, 2, 3}, {0.7, 0.2, 0.1}},
                               {3, {1, 2, 3}, {0.0, 0.5, 0.5}},
                               {3, {1, 2, 4}, {0.5, 0.5, 0.0}},
                               {3, {1, 2, 3}, {0.99999, 0.00001, 0.0}},
                               {4, {1, 2, 3, 4}, {0.25, 0.25, 0.25, 0.25}}};
    uint64_t st = 78;
    float *T = malloc(70001 * sizeof *T);
    uint8_t *want = malloc(70001), *got = malloc(70001);
    for (size_t ni = 0; ni < sizeof NS / sizeof *NS; ni++)
        for (int kind = 0; kind < 8; kind++)
            for (size_t di = 0; di < sizeof DS / sizeof *DS; di++) {
                uint32_t n = NS[ni];
                fill_split_case(T, n, kind, &st);
                void *work = malloc(quant_widths_work_bytes(n, SEL_MIDDLE_OUT));
                uint32_t zw =
                        quant_assign_widths_work(T, n, &DS[di], SEL_MIDDLE_OUT, 0, want, work);
                int calls = 0;
                QuantPar par = {split_reversed, &calls, 1 + (int)(kind + di) % 9}; // 2-8 ranges
                memset(got, 0xee, n);
                ck_assert_uint_eq(
                        quant_assign_widths_par(T, n, &DS[di], SEL_MIDDLE_OUT, 0, got, work, &par),
                        zw);
                free(work);
                ck_assert_msg(memcmp(want, got, n) == 0,
                              "n=%u data %d dist %zu: split widths differ", n, kind, di);
                ck_assert_int_eq(calls > 0, n >= QUANT_PAR_MIN_N);
            }
    free(T);
    free(want);
    free(got);
}
END_TEST

/* quant_mean_abs sums blocks whose partial sums are all exact in any order: it must equal
 * the sequential double sum bit for bit on every kind of data: N(0,1)-like, a scale that
 * makes the partial sums cross binades, values tiny enough to round (each block
 * holding one, or only some), zeros, one value, huge and tiny mixed, an infinity, a NaN,
 * and sizes around the block. */
static double mean_abs_seq(const float *T, uint32_t n)
{
    double s = 0;
    for (uint32_t j = 0; j < n; j++)
        s += fabs((double)T[j]);
    return n ? s / (double)n : 0;
}

START_TEST(test_mean_abs_exact)
{
    static const uint32_t NS[] = {0, 1, 511, 512, 513, 4096, 70001};
    uint64_t st = 99;
    float *T = malloc(70001 * sizeof *T);
    for (size_t ni = 0; ni < sizeof NS / sizeof *NS; ni++)
        for (int kind = 0; kind < 12; kind++) {
            uint32_t n = NS[ni];
            for (uint32_t j = 0; j < n; j++) {
                uint64_t r = hb_rng_next(&st);
                float g = (float)((double)(r >> 11) * 0x1p-53 * 2.0 - 1.0);
                float v[] = {g,
                             g * 3e5f,
                             j % 700 == 3 ? 1e-9f : g,
                             r % 3 ? g : 1e-20f * g,
                             r % 2 ? 0.0f : g,
                             0.1f,
                             r % 5 ? g * 1e30f : g * 1e-30f,
                             j == n / 2 ? INFINITY : g,
                             j == n - 1 ? NAN : g,
                             j % 7 ? g : g * 1e-5f,
                             ldexpf(g, (int)(r % 40) - 20),
                             ldexpf(1.0f + g * 0.5f, (int)(j / 512) * 3 - 20)};
                T[j] = v[kind];
            }
            double want = mean_abs_seq(T, n), got = quant_mean_abs(T, n);
            ck_assert_msg(memcmp(&want, &got, sizeof got) == 0,
                          "n=%u data %d: mean |x| %.17g, sequential %.17g", n, kind, got, want);
        }
    // a block of large values after a sum with bits far below their ulp: the sum crosses
    // binades (rounding twice in order), so the block must not be summed apart
    for (int trial = 0; trial < 64; trial++) {
        double s = 0;
        for (uint32_t j = 0; j < 512; j++) {
            double u = (double)(hb_rng_next(&st) >> 11) * 0x1p-53;
            T[j] = ldexpf((float)(1 + u), 18 - (int)(hb_rng_next(&st) % 41));
            s += T[j];
        }
        double big = s / 128 * (1 + (double)(hb_rng_next(&st) >> 11) * 0x1p-53);
        for (uint32_t j = 512; j < 1024; j++)
            T[j] = (float)(big * (0.5 + (double)(hb_rng_next(&st) >> 11) * 0x1p-53));
        double want = mean_abs_seq(T, 1024), got = quant_mean_abs(T, 1024);
        ck_assert_msg(memcmp(&want, &got, sizeof got) == 0,
                      "trial %d: mean |x| %.17g, sequential %.17g", trial, got, want);
    }
    free(T);
}
END_TEST

/* ---- Fig. 2a (docs/algorithm.md §9) ---- */

static const int COMPS[9][3] = {{90, 10, 0},  {90, 0, 10},  {70, 30, 0},  {70, 20, 10}, {50, 50, 0},
                                {60, 20, 20}, {50, 30, 20}, {40, 40, 20}, {40, 30, 30}};
// Columns A (middle-out), C (mo-residual), TD, BU, R of the table.
static const double FIG_A[9] = {0.451, 0.442, 0.349, 0.329, 0.289, 0.291, 0.262, 0.240, 0.251};
static const double FIG_C[9] = {0.451, 0.442, 0.349, 0.319, 0.289, 0.268, 0.227, 0.199, 0.199};
static const double FIG_TD[9] = {0.556, 0.556, 0.503, 0.501, 0.501, 0.493, 0.493, 0.501, 0.503};
static const double FIG_BU[9] = {0.451, 0.442, 0.438, 0.407, 0.492, 0.436, 0.446, 0.439, 0.451};
static const double FIG_R[9] = {0.583, 0.577, 0.542, 0.535, 0.497, 0.506, 0.483, 0.458, 0.450};

#define FIG_N 1000000u

/* One order per selection, then every composition from it (what quant_tensor does too). */
static void check_fig2a(Selection sel, const double *want, double tol)
{
    float *T = gauss(FIG_N, 2018);
    Arena *a = &hbt_cx->arena;
    uint32_t *order = arena_calloc(a, FIG_N, sizeof *order);
    uint8_t *M = arena_calloc(a, FIG_N, 1), *signs = arena_calloc(a, FIG_N, 1);
    float *recon = arena_calloc(a, FIG_N, sizeof *recon);
    if (sel != SEL_MO_RESIDUAL)
        quant_order(T, FIG_N, sel, 1, order);
    for (int c = 0; c < 9; c++) {
        QuantSpec s = spec3(COMPS[c][0], COMPS[c][1], COMPS[c][2], sel);
        QDist d = dist_of(&s);
        if (sel == SEL_MO_RESIDUAL) {
            quant_widths_mo_residual(T, FIG_N, &d, M);
        } else {
            uint64_t count[3];
            quant_split_counts(FIG_N, &d, count);
            quant_widths_from_order(order, &d, count, M);
        }
        float alpha[3];
        quant_binarize(T, FIG_N, M, d.bits[d.n - 1], alpha, signs, recon);
        double e = quant_rel_error(T, recon, FIG_N);
        ck_assert_msg(fabs(e - want[c]) <= tol, "%s %d/%d/%d: error %.4f, table %.3f",
                      selection_name(sel), COMPS[c][0], COMPS[c][1], COMPS[c][2], e, want[c]);
    }
    // The full entry point agrees with the pieces on 70/20/10.
    QuantSpec s = spec3(70, 20, 10, sel);
    s.seed = 1;
    QTensor q = quant_ok(T, FIG_N, 1, &s);
    ck_assert_double_eq_tol(q.error, want[3], tol);
}

START_TEST(test_fig2a_middle_out)
{
    check_fig2a(SEL_MIDDLE_OUT, FIG_A, 0.003);
}
END_TEST

START_TEST(test_fig2a_top_down)
{
    check_fig2a(SEL_TOP_DOWN, FIG_TD, 0.003);
}
END_TEST

START_TEST(test_fig2a_bottom_up)
{
    check_fig2a(SEL_BOTTOM_UP, FIG_BU, 0.003);
}
END_TEST

START_TEST(test_fig2a_random)
{
    check_fig2a(SEL_RANDOM, FIG_R, 0.01);
}
END_TEST

START_TEST(test_fig2a_mo_residual)
{
    check_fig2a(SEL_MO_RESIDUAL, FIG_C, 0.003);
}
END_TEST

START_TEST(test_fig2a_homogeneous)
{
    float *T = gauss(FIG_N, 2018);
    const double want[4] = {0.603, 0.361, 0.242, 0.182};
    for (int b = 1; b <= 4; b++) {
        QuantSpec s = {.kind = QK_BITS, .nshares = 1, .share_bits = {b}, .share_frac = {1}};
        QTensor q = quant_ok(T, FIG_N, 1, &s);
        ck_assert_msg(fabs(q.error - want[b - 1]) <= 0.002, "%d bits: %.4f", b, q.error);
    }
}
END_TEST

/* ---- orders, ties, counts ---- */

static void check_order(const float *T, uint32_t n, Selection sel, const uint32_t *want)
{
    uint32_t order[16];
    quant_order(T, n, sel, 0, order);
    for (uint32_t i = 0; i < n; i++)
        ck_assert_msg(order[i] == want[i], "%s rank %u: %u, want %u", selection_name(sel), i,
                      order[i], want[i]);
}

START_TEST(test_orders_and_ties)
{
    const float T[5] = {0.5f, -2, 1, -0.5f, 0}; // mu1 = 0.8
    check_order(T, 5, SEL_BOTTOM_UP, (const uint32_t[]){4, 0, 3, 2, 1});
    check_order(T, 5, SEL_TOP_DOWN, (const uint32_t[]){1, 2, 0, 3, 4});
    check_order(T, 5, SEL_MIDDLE_OUT, (const uint32_t[]){2, 0, 3, 4, 1});
    // Equal keys on both sides of mu1 = 0.5: the lower index first.
    check_order((const float[]){0.25f, 0.75f, 0.5f}, 3, SEL_MIDDLE_OUT,
                (const uint32_t[]){2, 0, 1});
    check_order((const float[]){0.75f, -0.25f, 0.5f}, 3, SEL_MIDDLE_OUT,
                (const uint32_t[]){2, 0, 1});
    // Distinct tiny |T| whose double keys mu1 - |T| coincide: index order, not |T| order.
    check_order((const float[]){3e-30f, 1e-30f, 2e-30f, 1}, 4, SEL_MIDDLE_OUT,
                (const uint32_t[]){0, 1, 2, 3});
    // -0.0 and +0.0 tie.
    check_order((const float[]){-0.0f, 1, 0.0f}, 3, SEL_BOTTOM_UP, (const uint32_t[]){0, 2, 1});
    check_order((const float[]){-0.0f, 1, 0.0f}, 3, SEL_TOP_DOWN, (const uint32_t[]){1, 0, 2});
}
END_TEST

/* Reference order: qsort by (key, index), the definition in quant.h. */
typedef struct RefKey {
    double key;
    uint32_t j;
} RefKey;

static int ref_cmp(const void *a, const void *b)
{
    const RefKey *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

static void check_order_ref(const float *T, uint32_t n, Selection sel)
{
    Arena *a = &hbt_cx->arena;
    RefKey *r = arena_calloc(a, n, sizeof *r);
    uint32_t *order = arena_calloc(a, n, sizeof *order);
    double mu1 = 0;
    for (uint32_t j = 0; j < n; j++)
        mu1 += fabs((double)T[j]);
    mu1 /= n;
    for (uint32_t j = 0; j < n; j++) {
        double t = fabs((double)T[j]);
        r[j].key = sel == SEL_MIDDLE_OUT ? fabs(t - mu1) : sel == SEL_TOP_DOWN ? -t : t;
        r[j].j = j;
    }
    qsort(r, n, sizeof *r, ref_cmp);
    quant_order(T, n, sel, 0, order);
    for (uint32_t i = 0; i < n; i++)
        ck_assert_msg(order[i] == r[i].j, "%s n=%u rank %u: %u, want %u", selection_name(sel), n, i,
                      order[i], r[i].j);
}

START_TEST(test_order_reference)
{
    // Values from a small set (many ties, keys equal on both sides of mu1), then Gaussian.
    const float vals[8] = {0, 0.25f, -0.25f, 0.5f, 0.75f, -1, 1.25f, -0.125f};
    uint64_t st = 77;
    float *T = arena_calloc(&hbt_cx->arena, 5000, sizeof *T);
    const Selection sels[3] = {SEL_MIDDLE_OUT, SEL_TOP_DOWN, SEL_BOTTOM_UP};
    for (uint32_t n = 1; n <= 5000; n = n < 40 ? n + 1 : n * 3) {
        for (uint32_t j = 0; j < n; j++)
            T[j] = vals[t_splitmix(&st) % 8];
        for (int s = 0; s < 3; s++)
            check_order_ref(T, n, sels[s]);
    }
    float *G = gauss(100000, 31);
    for (int s = 0; s < 3; s++)
        check_order_ref(G, 100000, sels[s]);
}
END_TEST

START_TEST(test_split_counts)
{
    uint64_t c[3];
    QDist d = {3, {1, 2, 3}, {0.7, 0.2, 0.1}};
    quant_split_counts(1000000, &d, c);
    ck_assert_uint_eq(c[0], 700000);
    ck_assert_uint_eq(c[1], 200000);
    ck_assert_uint_eq(c[2], 100000);
    // 35% of 90 is 31.5, computed as 31.499999999999996: still rounds up.
    QDist h = {2, {1, 2}, {0.35, 0.65}};
    quant_split_counts(90, &h, c);
    ck_assert_uint_eq(c[0], 32);
    // 0.2 + 0.7 = 0.8999999999999999; 15 * that is 13.5 in intent.
    QDist g = {3, {1, 2, 3}, {0.2, 0.7, 0.1}};
    quant_split_counts(15, &g, c);
    ck_assert_uint_eq(c[0], 3);
    ck_assert_uint_eq(c[1], 11);
    ck_assert_uint_eq(c[2], 1);
    // Round half up, and the last share takes the rest.
    QDist q = {2, {1, 2}, {0.25, 0.75}};
    quant_split_counts(10, &q, c);
    ck_assert_uint_eq(c[0], 3);
    ck_assert_uint_eq(c[1], 7);
}
END_TEST

/* ---- edge cases ---- */

START_TEST(test_all_zero)
{
    float T[10] = {0};
    QuantSpec s = spec3(70, 20, 10, SEL_MIDDLE_OUT);
    QTensor q = quant_ok(T, 10, 1, &s);
    const uint8_t M[10] = {1, 1, 1, 1, 1, 1, 1, 2, 2, 3}; // all keys 0: index order
    for (int j = 0; j < 10; j++) {
        ck_assert_int_eq(q.widths[j], M[j]);
        ck_assert_float_eq(q.recon[j], 0);
    }
    for (int m = 0; m < 3; m++) {
        ck_assert_float_eq(q.scales[m], 0);
        ck_assert_uint_eq(q.planes[m][0], 0); // sign(0) = -1
    }
    ck_assert_double_eq(q.error, 0);
    ck_assert_double_eq(quant_error_grouped(T, &q, &s, GROUP_CHANNEL), 0);
}
END_TEST

START_TEST(test_equal_magnitudes)
{
    const float T[10] = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1};
    const Selection sels[3] = {SEL_MIDDLE_OUT, SEL_TOP_DOWN, SEL_BOTTOM_UP};
    for (int i = 0; i < 3; i++) {
        QuantSpec s = spec3(70, 20, 10, sels[i]);
        QTensor q = quant_ok(T, 10, 1, &s);
        for (int j = 0; j < 10; j++)
            ck_assert_int_eq(q.widths[j], j < 7 ? 1 : j < 9 ? 2 : 3);
        ck_assert_float_eq(q.scales[0], 1);
        ck_assert_float_eq(q.scales[1], 0); // residuals are exactly 0
        ck_assert_double_eq(q.error, 0);
    }
}
END_TEST

START_TEST(test_share_rounds_to_zero)
{
    const float T[4] = {0.1f, -0.2f, 0.3f, -0.4f};
    QuantSpec s = spec3(70, 20, 10, SEL_MIDDLE_OUT);
    QTensor q = quant_ok(T, 4, 1, &s); // 2.8 -> 3, 3.6 -> 4: nothing left for 3 bits
    ck_assert_uint_eq(q.counts[1], 3);
    ck_assert_uint_eq(q.counts[2], 1);
    ck_assert_uint_eq(q.counts[3], 0);
    ck_assert_uint_eq(q.share_zero_warning_mask, 1u << 3);
    ck_assert_int_eq(q.maxbits, 2);
    ck_assert_ptr_null(q.planes[2]);

    QTensor one = quant_ok((const float[]){0.3f}, 1, 1, &s); // N = 1
    ck_assert_int_eq(one.widths[0], 1);
    ck_assert_float_eq(one.recon[0], 0.3f);
    ck_assert_double_eq(one.error, 0);
    ck_assert_uint_eq(one.share_zero_warning_mask, (1u << 2) | (1u << 3));
}
END_TEST

START_TEST(test_eight_bits)
{
    float *T = gauss(1000, 3);
    double prev = 1;
    for (int b = 1; b <= 8; b++) {
        QuantSpec s = {.kind = QK_BITS, .nshares = 1, .share_bits = {b}, .share_frac = {1}};
        QTensor q = quant_ok(T, 1000, 1, &s);
        ck_assert_int_eq(q.maxbits, b);
        ck_assert_uint_eq(q.counts[b], 1000);
        ck_assert_msg(q.error < prev, "%d bits: %g !< %g", b, q.error, prev);
        prev = q.error;
        if (b == 8) {
            ck_assert_ptr_nonnull(q.planes[7]);
            ck_assert_uint_eq(q.bytes.signs, 1000);
            ck_assert_msg(q.error < 0.12, "8-bit error %g", q.error); // greedy residual: ~0.11
        }
    }
}
END_TEST

START_TEST(test_packing_layout)
{
    enum { C = 3, PC = 100 };
    float *T = gauss(C * PC, 5);
    QuantSpec s = spec3(60, 30, 10, SEL_MIDDLE_OUT);
    QTensor q = quant_ok(T, C * PC, C, &s);
    ck_assert_uint_eq(q.per_channel, PC);
    ck_assert_uint_eq(q.words_per_channel, 2);
    for (uint64_t c = 0; c < C; c++) {
        // Valid bits all ones in mask 0, padding bits zero in every plane and mask.
        ck_assert_uint_eq(q.masks[0][c * 2], ~(uint64_t)0);
        ck_assert_uint_eq(q.masks[0][c * 2 + 1], ((uint64_t)1 << 36) - 1);
        for (int m = 0; m < q.maxbits; m++)
            ck_assert_uint_eq(q.planes[m][c * 2 + 1] >> 36, 0);
        for (uint64_t j = 0; j < PC; j++) {
            uint64_t e = c * PC + j;
            // Level 1 is sign(T); level m exists exactly where M > m.
            ck_assert_int_eq(plane_bit(q.planes[0], &q, c, j), T[e] > 0);
            for (int m = 0; m < q.maxbits; m++) {
                ck_assert_int_eq(plane_bit(q.masks[m], &q, c, j), q.widths[e] > m);
                if (q.widths[e] <= m)
                    ck_assert_int_eq(plane_bit(q.planes[m], &q, c, j), 0);
            }
            // recon equals the sum of the planes' terms.
            double r = 0;
            for (int m = 0; m < q.widths[e]; m++)
                r += plane_bit(q.planes[m], &q, c, j) ? q.scales[m] : -q.scales[m];
            ck_assert_float_eq(q.recon[e], (float)r);
        }
    }
}
END_TEST

START_TEST(test_bad_input)
{
    QuantSpec s = spec3(70, 20, 10, SEL_MIDDLE_OUT);
    QTensor q;
    const char *err = NULL;
    float T[4] = {1, 2, NAN, 4};
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 4, 1, &s, &q, &err));
    ck_assert_str_eq(err, "weight element 2 is NaN");
    T[2] = -INFINITY;
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 4, 1, &s, &q, &err));
    ck_assert_str_eq(err, "weight element 2 is infinite");
    T[2] = 3;
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 4, 3, &s, &q, &err));
    ck_assert_ptr_nonnull(strstr(err, "do not divide"));
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 0, 1, &s, &q, &err));
    QuantSpec bad = spec3(70, 20, 20, SEL_MIDDLE_OUT);
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 4, 1, &bad, &q, &err));
    ck_assert_ptr_nonnull(strstr(err, "sum to 110"));
    // The tolerance is the language's 0.01 points (HB_DIST_TOL): 99.99% passes, 99.98% not.
    QuantSpec near = spec3(70, 20, 10, SEL_MIDDLE_OUT), off = near;
    near.share_frac[2] = 0.0999, off.share_frac[2] = 0.0998;
    ck_assert_msg(quant_tensor(&hbt_cx->arena, T, 4, 1, &near, &q, &err), "%s", err);
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 4, 1, &off, &q, &err));
    ck_assert_ptr_nonnull(strstr(err, "sum to 99.98"));
    QuantSpec order = {.kind = QK_BITS, .nshares = 2, .share_bits = {2, 1}, .share_frac = {.5, .5}};
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 4, 1, &order, &q, &err));
    ck_assert_ptr_nonnull(strstr(err, "ascending"));
    QuantSpec i1 = {.kind = QK_INT, .int_bits = 1};
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 4, 1, &i1, &q, &err));
}
END_TEST

/* ---- granularity ---- */

START_TEST(test_per_channel_scale)
{
    enum { C = 4, PC = 300 };
    float *T = gauss(C * PC, 11);
    for (uint64_t j = 0; j < C * PC; j++)
        T[j] *= (float)(1 + j / PC); // channels at different scales
    const Selection sels[3] = {SEL_MIDDLE_OUT, SEL_MO_RESIDUAL, SEL_RANDOM};
    for (int i = 0; i < 3; i++) {
        QuantSpec s = spec3(70, 20, 10, sels[i]);
        s.scale = SCALE_PER_CHANNEL;
        QTensor q = quant_ok(T, C * PC, C, &s);
        ck_assert_uint_eq(q.scale_rows, C);
        // Random draws a different stream per channel; channel 0 uses the seed itself.
        int nc = sels[i] == SEL_RANDOM ? 1 : C;
        for (int c = 0; c < nc; c++) {
            s.scale = SCALE_PER_TENSOR;
            QTensor one = quant_ok(T + c * PC, PC, 1, &s);
            for (int j = 0; j < PC; j++) {
                ck_assert_int_eq(q.widths[c * PC + j], one.widths[j]);
                ck_assert_float_eq(q.recon[c * PC + j], one.recon[j]);
            }
            for (int m = 0; m < one.maxbits; m++)
                ck_assert_float_eq(q.scales[c * q.maxbits + m], one.scales[m]);
            ck_assert_uint_eq(one.counts[1], 210); // counts rounded per channel
        }
    }
}
END_TEST

START_TEST(test_group_channel)
{
    enum { C = 10, PC = 64 };
    float *T = gauss(C * PC, 13);
    for (uint64_t j = 0; j < C * PC; j++)
        T[j] *= (float)(1 + (j / PC) % 4);
    QuantSpec s = spec3(70, 20, 10, SEL_MIDDLE_OUT);
    s.group = GROUP_CHANNEL;
    QTensor q = quant_ok(T, C * PC, C, &s);
    // The test's own ranking: 1-bit residual with the tensor's mu1, ascending.
    double mu = 0, r[C] = {0};
    for (int j = 0; j < C * PC; j++)
        mu += fabs((double)T[j]);
    mu /= C * PC;
    for (int j = 0; j < C * PC; j++)
        r[j / PC] += (fabs((double)T[j]) - mu) * (fabs((double)T[j]) - mu);
    int rank[C];
    for (int c = 0; c < C; c++) {
        rank[c] = 0;
        for (int o = 0; o < C; o++)
            rank[c] += r[o] < r[c] || (r[o] == r[c] && o < c);
    }
    for (int c = 0; c < C; c++) {
        int want = rank[c] < 7 ? 1 : rank[c] < 9 ? 2 : 3;
        for (int j = 0; j < PC; j++)
            ck_assert_int_eq(q.widths[c * PC + j], want);
    }
    ck_assert_uint_eq(q.counts[1], 7 * PC);
    ck_assert_uint_eq(q.bytes.mask_code, (C * 2 + 7) / 8); // one 2-bit code per channel
    double qe = quant_error_grouped(T, &q, &s, GROUP_ELEMENT);
    ck_assert_double_eq(q.error, quant_error_grouped(T, &q, &s, GROUP_CHANNEL));
    ck_assert(qe > 0 && qe != q.error);
    // The same spec with group element reports the same pair the other way round.
    s.group = GROUP_ELEMENT;
    QTensor e = quant_ok(T, C * PC, C, &s);
    ck_assert_double_eq(e.error, qe);
    ck_assert_double_eq(quant_error_grouped(T, &e, &s, GROUP_CHANNEL), q.error);
    ck_assert(e.error < q.error);
    // Per-channel scale: each channel's own mu ranks it.
    s.group = GROUP_CHANNEL;
    s.scale = SCALE_PER_CHANNEL;
    QTensor pc = quant_ok(T, C * PC, C, &s);
    ck_assert_uint_eq(pc.counts[3], PC);
    ck_assert_uint_eq(pc.scale_rows, C);
}
END_TEST

/* ---- bits avg X ---- */

START_TEST(test_bits_avg)
{
    float *T = gauss(100000, 17);
    QuantSpec s = {.kind = QK_BITS, .avg_search = true, .avg = 1.4};
    QTensor q = quant_ok(T, 100000, 1, &s);
    double mean = 0;
    for (int k = 0; k < q.chosen.n; k++)
        mean += q.chosen.bits[k] * q.chosen.frac[k];
    ck_assert_double_eq_tol(mean, 1.4, 1e-9);
    ck_assert_double_eq_tol(q.avg_bits, 1.4, 1e-9);
    // It is the best of the five 5%-grid mixes with mean 1.4.
    const int mixes[5][3] = {{60, 40, 0}, {65, 30, 5}, {70, 20, 10}, {75, 10, 15}, {80, 0, 20}};
    double best = 1;
    for (int i = 0; i < 5; i++) {
        QuantSpec w = spec3(mixes[i][0], mixes[i][1], mixes[i][2], SEL_MIDDLE_OUT);
        QTensor c = quant_ok(T, 100000, 1, &w);
        best = fmin(best, c.error);
    }
    ck_assert_double_eq(q.error, best);
    ck_assert(q.error < 0.33);

    QuantSpec one = {.kind = QK_BITS, .avg_search = true, .avg = 1.0};
    QTensor q1 = quant_ok(T, 100000, 1, &one);
    ck_assert_int_eq(q1.chosen.n, 1); // 0% shares are dropped
    ck_assert_int_eq(q1.chosen.bits[0], 1);

    QTensor bad;
    const char *err = NULL;
    QuantSpec off = {.kind = QK_BITS, .avg_search = true, .avg = 1.43};
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 100000, 1, &off, &bad, &err));
    ck_assert_ptr_nonnull(strstr(err, "bits avg 1.43"));
    off.avg = 3.5;
    ck_assert(!quant_tensor(&hbt_cx->arena, T, 100000, 1, &off, &bad, &err));
}
END_TEST

/* ---- int k, float ---- */

START_TEST(test_int8)
{
    // Channel 0: max |T| = 127 so s = 1 exactly; channel 1: all zero.
    const float T[16] = {127, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -127, 126.5f, 0, 0, 0, 0, 0, 0, 0, 0};
    QuantSpec s = {.kind = QK_INT, .int_bits = 8};
    QTensor q = quant_ok(T, 16, 2, &s);
    const int32_t want[8] = {127, 0, 2, 2, 0, -2, -127, 126};
    ck_assert_float_eq(q.iscales[0], 1);
    ck_assert_float_eq(q.iscales[1], 0);
    for (int j = 0; j < 8; j++) {
        ck_assert_int_eq(q.ivalues[j], want[j]);
        ck_assert_float_eq(q.recon[j], (float)want[j]);
        ck_assert_int_eq(q.ivalues[8 + j], 0);
        ck_assert_float_eq(q.recon[8 + j], 0);
    }
    ck_assert_uint_eq(q.bytes.total, 16 + 8);
    // Narrow range: with s rounded to float, |q| never exceeds 2^(k-1) - 1.
    float *G = gauss(4096, 19);
    QuantSpec s4 = {.kind = QK_INT, .int_bits = 4};
    QTensor q4 = quant_ok(G, 4096, 4, &s4);
    int lo = 0, hi = 0;
    for (int j = 0; j < 4096; j++) {
        lo = q4.ivalues[j] < lo ? q4.ivalues[j] : lo;
        hi = q4.ivalues[j] > hi ? q4.ivalues[j] : hi;
    }
    ck_assert_int_eq(hi, 7);
    ck_assert_int_ge(lo, -7);
    ck_assert_uint_eq(q4.bytes.signs, 4096 / 2);
}
END_TEST

START_TEST(test_float)
{
    QuantSpec s = {.kind = QK_FLOAT};
    QTensor q = quant_ok(EX, 8, 1, &s);
    ck_assert_int_eq(memcmp(q.recon, EX, sizeof EX), 0);
    ck_assert_double_eq(q.error, 0);
    ck_assert_uint_eq(q.bytes.total, 32);
}
END_TEST

/* ---- random selection ---- */

START_TEST(test_random)
{
    uint64_t st = 0;
    ck_assert_uint_eq(hb_rng_next(&st), 0xE220A8397B1DCDAFu); // splitmix64 reference values
    ck_assert_uint_eq(hb_rng_next(&st), 0x6E789E6AA1B965F4u);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_lt(hb_rng_below(&st, 3), 3);
    enum { N = 1000 };
    float *T = gauss(N, 23);
    uint32_t a[N], b[N], c[N];
    quant_order(T, N, SEL_RANDOM, 99, a);
    quant_order(T, N, SEL_RANDOM, 99, b);
    quant_order(T, N, SEL_RANDOM, 100, c);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    ck_assert_int_ne(memcmp(a, c, sizeof a), 0);
    uint8_t seen[N] = {0};
    for (int i = 0; i < N; i++)
        seen[a[i]]++;
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(seen[i], 1);
    QuantSpec s = spec3(70, 20, 10, SEL_RANDOM);
    s.seed = 99;
    QTensor q1 = quant_ok(T, N, 1, &s), q2 = quant_ok(T, N, 1, &s);
    ck_assert_int_eq(memcmp(q1.widths, q2.widths, N), 0);
    s.seed = 100;
    QTensor q3 = quant_ok(T, N, 1, &s);
    ck_assert_int_ne(memcmp(q1.widths, q3.widths, N), 0);
}
END_TEST

START_TEST(test_mo_residual_consistent)
{
    // Reading C's selection uses the same mu as Eq. 5, so the scales match a plain
    // binarization of its widths, and 70/20/10 beats reading A.
    float *T = gauss(20000, 29);
    QuantSpec s = spec3(70, 20, 10, SEL_MO_RESIDUAL);
    QTensor c = quant_ok(T, 20000, 1, &s);
    float alpha[3];
    uint8_t *signs = arena_calloc(&hbt_cx->arena, 20000, 1);
    quant_binarize(T, 20000, c.widths, 3, alpha, signs, NULL);
    for (int m = 0; m < 3; m++)
        ck_assert_float_eq(alpha[m], c.scales[m]);
    QuantSpec sa = spec3(70, 20, 10, SEL_MIDDLE_OUT);
    QTensor a = quant_ok(T, 20000, 1, &sa);
    ck_assert(c.error < a.error);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(selection_name(SEL_MIDDLE_OUT), "middle-out");
    ck_assert_str_eq(selection_name(SEL_MO_RESIDUAL), "mo-residual");
    ck_assert_str_eq(selection_name(SEL_RANDOM), "random");
    ck_assert_str_eq(qorigin_name(QO_BUILTIN), "built-in default");
    ck_assert_str_eq(qorigin_name(QO_OVERRIDE), "override file");
}
END_TEST

Suite *suite_quant(void)
{
    Suite *s = suite_create("quant");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_set_timeout(tc, 60); // 10^5-element cases; slow under ASan on a shared machine
    tcase_add_test(tc, test_worked_example);
    tcase_add_test(tc, test_worked_example_homogeneous);
    tcase_add_test(tc, test_worked_example_pieces);
    tcase_add_test(tc, test_widths_by_selection);
    tcase_add_test(tc, test_widths_split);
    tcase_add_test(tc, test_mean_abs_exact);
    tcase_add_test(tc, test_orders_and_ties);
    tcase_add_test(tc, test_order_reference);
    tcase_add_test(tc, test_split_counts);
    tcase_add_test(tc, test_all_zero);
    tcase_add_test(tc, test_equal_magnitudes);
    tcase_add_test(tc, test_share_rounds_to_zero);
    tcase_add_test(tc, test_eight_bits);
    tcase_add_test(tc, test_packing_layout);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_per_channel_scale);
    tcase_add_test(tc, test_group_channel);
    tcase_add_test(tc, test_bits_avg);
    tcase_add_test(tc, test_int8);
    tcase_add_test(tc, test_float);
    tcase_add_test(tc, test_random);
    tcase_add_test(tc, test_mo_residual_consistent);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);

    // 10^6-element runs: seconds in a release build, much longer under ASan.
    TCase *fig = tcase_create("fig2a");
    tcase_add_checked_fixture(fig, hbt_setup, hbt_teardown);
    tcase_set_timeout(fig, 300);
    tcase_add_test(fig, test_fig2a_middle_out);
    tcase_add_test(fig, test_fig2a_top_down);
    tcase_add_test(fig, test_fig2a_bottom_up);
    tcase_add_test(fig, test_fig2a_random);
    tcase_add_test(fig, test_fig2a_mo_residual);
    tcase_add_test(fig, test_fig2a_homogeneous);
    suite_add_tcase(s, fig);
    return s;
}
