// SPDX-License-Identifier: MIT
/* quant.h: the weight quantizer. Turns a float tensor plus its resolved QuantSpec into
 * per-element widths, packed sign planes, masks and float scales (HBNN residual
 * binarization, docs/algorithm.md §3), or into integers (int k). Sits between the weights
 * binder and lowering; pure computation, no diagnostics (the caller reports). */
#ifndef HB_QUANT_H
#define HB_QUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "qspec.h"

/* A bit distribution: widths strictly ascending in 1..HB_MAX_BITS, fractions >= 0
 * summing to 1. */
typedef struct QDist {
    int n;
    int bits[HB_MAX_SHARES];
    double frac[HB_MAX_SHARES];
} QDist;

/* Storage in bytes (docs/algorithm.md §8).
 * QK_BITS: signs = ceil(sum_j M_j / 8); mask_code = ceil(U * ceil(log2 W) / 8) with W the
 * number of widths actually present and U = n (group element) or channels (group
 * channel), 0 when homogeneous; mask_entropy = ceil(U * H / 8) with H the entropy of the
 * actual width counts; scales = 4 * scale_rows * maxbits; total = signs + mask_code +
 * scales. QK_INT: signs = ceil(n * k / 8) (the value bits), scales = 4 * channels.
 * QK_FLOAT: total = 4 * n. */
typedef struct QBytes {
    uint64_t signs, mask_code, mask_entropy, scales, total;
} QBytes;

/* A quantized tensor. All arrays live in the arena passed to quant_tensor().
 * Bit packing (planes and masks): per output channel row, padded to 64 bits; element j
 * (0-based within its channel c) is bit (j % 64) of word [c * words_per_channel + j / 64].
 * Padding bits are 0. */
typedef struct QTensor {
    QuantKind kind;
    uint64_t n;                 // elements
    uint32_t channels;          // output channels (shape[0]); 1 for a tensor without
    uint64_t per_channel;       // n / channels
    uint64_t words_per_channel; // ceil(per_channel / 64)
    int maxbits;                // QK_BITS: K = max_j M_j; QK_INT: k; QK_FLOAT: 32
    uint8_t *widths;            // QK_BITS: [n] M_j in 1..maxbits; NULL otherwise
    /* QK_BITS, m < maxbits (NULL beyond): planes[m] bit = 1 iff the level-(m+1) sign of
     * the element is +1, and only where M_j > m (0 elsewhere); masks[m] bit = 1 iff
     * M_j > m (masks[0] is all ones on the valid bits). */
    uint64_t *planes[HB_MAX_BITS];
    uint64_t *masks[HB_MAX_BITS];
    /* QK_BITS: scales[r * maxbits + m] = alpha_{m+1} of scale row r (mean |residual| over
     * the row's active elements, computed in double, rounded once to float; 0 for a level
     * with no active element in that row). Row r is the whole tensor (scale_rows == 1,
     * per-tensor) or output channel r (per-channel). QK_INT: iscales instead. */
    float *scales;
    uint32_t scale_rows;
    int32_t *ivalues; // QK_INT: [n] q_j in [-(2^(k-1)-1), 2^(k-1)-1]
    float *iscales;   // QK_INT: [channels] s_c (0 for an all-zero channel)
    /* [n] T^: QK_BITS sum_m (double)alpha_m * s_mj in level order, rounded once to float;
     * QK_INT q_j * s_c in double rounded to float; QK_FLOAT a copy of T. */
    float *recon;
    uint64_t counts[HB_MAX_BITS + 1]; // QK_BITS: counts[b] = elements of width b
    double avg_bits;                  // QK_BITS: mean M_j; QK_INT: k; QK_FLOAT: 32
    double error;                     // ||T^ - T|| / ||T|| in double; 0 when ||T|| == 0
    QDist chosen; // QK_BITS: the distribution used (the spec's, or the bits-avg pick)
    QBytes bytes;
    /* Bit b set: a share of width b with a nonzero fraction got 0 elements in at least
     * one rounding unit (the tensor, a channel slice, or the channel list). */
    uint32_t share_zero_warning_mask;
} QTensor;

/* Quantize T[n] (row-major, output channel outermost, `channels` rows of n / channels)
 * per `spec`. On success fills *out (memory from `a`) and returns true. Returns false,
 * with *err set to a message allocated in `a` (or a static string), for invalid input:
 * NaN/Inf (naming the first bad index), n == 0, n > UINT32_MAX, channels not dividing n,
 * an invalid spec, or a `bits avg X` with no matching 5%-grid mix. Work buffers are
 * malloc'd or mapped and released before returning; the arena keeps only the results.
 *
 * QK_BITS, group element: Algorithm 1 (quant_assign_widths: the widths of quant_order's
 *   order with quant_split_counts, or quant_widths_mo_residual) then Eq. 5 (quant_binarize) over
 * each scale row: the whole tensor (per-tensor: one sort, counts over n) or each channel slice
 * (per-channel: counts per channel; random uses the seed seed ^ (c * 0xD1B54A32D192ED03) for
 * channel c, so channel 0 uses the seed itself). maxbits is the largest width that got an element;
 * a row's scales for levels it does not use are 0. QK_BITS, group channel: quant_widths_channel
 * (the selection is not used), then Eq. 5 per row as above. bits avg X: the 5%-grid mixes of 1/2/3
 * bits with mean X +- 0.005, enumerated with the 3-bit share ascending, are all quantized; the
 * lowest error wins, ties to the earlier. QK_INT: quant_int_group per output channel, always
 * (docs/language.md §5: `int k` has per-channel scales); spec->scale is not used. */
bool quant_tensor(Arena *a, const float *T, uint64_t n, uint32_t channels, const QuantSpec *spec,
                  QTensor *out, const char **err);

/* The relative error q's distribution would give under grouping g, the scale and the
 * selection of `spec` unchanged (q->error when g is spec's own, or widths are uniform):
 * what --explain compares. T, spec: what made q. Runs the quantizer once more, so only
 * the explain report asks for it. */
double quant_error_grouped(const float *T, const QTensor *q, const QuantSpec *spec, Grouping g);

/* ---- Lower-level pieces: exposed for tests and the activation path. ----
 * Index arrays are uint32_t, so n < 2^32 for these. */

/* splitmix64 (Steele, Lea, Flood 2014): state += 0x9E3779B97F4A7C15, then the output
 * is the state mixed with xor-shift-multiply (30, 0xBF58476D1CE4E5B9; 27,
 * 0x94D049BB133111EB; 31). The seed is the initial state. */
uint64_t hb_rng_next(uint64_t *state);
/* Uniform in [0, bound), bound >= 1, without bias (Lemire 2019): x = next();
 * m = x * bound as 128 bits; while low64(m) < (2^64 - bound) % bound, redraw; return
 * high64(m). */
uint64_t hb_rng_below(uint64_t *state, uint64_t bound);
/* The random selection's permutation: order = identity, then Fisher-Yates from the top,
 * for i = n-1 down to 1: j = hb_rng_below(state, i + 1); swap(order[i], order[j]). */
void hb_rng_permutation(uint64_t *state, uint32_t *order, uint32_t n);

/* Cumulative round-half-up counts (docs/algorithm.md §3): for k < d->n - 1,
 * end_k = floor(n * (frac_0 + ... + frac_k) + 0.5), clamped to [end_{k-1}, n]; the last
 * share takes the rest. A product within 1e-9 + n * 1e-14 below a half counts as the
 * half: 35% of 90 is 31.499999999999996 in double and must still round up to 32. */
void quant_split_counts(uint64_t n, const QDist *d, uint64_t *count);

/* Algorithm 1's order S for one slice (MO, TD, BU, RANDOM; not MO_RESIDUAL): the
 * definition quant_assign_widths' selection is tested against (quantizing itself no
 * longer sorts). order[i] is the index of the element of rank i. Keys: MO fabs(fabs((double)T_j) -
 * mu1) with mu1 = mean |T| summed in double in index order; TD -|T_j|; BU |T_j|; RANDOM the
 * permutation of hb_rng_permutation() seeded with `seed`. Ascending, ties by lower index.
 * O(n): an LSD radix sort of (|T_j| bits, j), then for MO a merge of the two sides of mu1
 * (fabs(|T| - mu1) rounds the same on both sides, so the merge compares the exact keys). */
void quant_order(const float *T, uint32_t n, Selection sel, uint64_t seed, uint32_t *order);

/* Widths M from an order: the first count[0] ranks get d->bits[0], the next count[1] get
 * d->bits[1], and so on (lowest width first). */
void quant_widths_from_order(const uint32_t *order, const QDist *d, const uint64_t *count,
                             uint8_t *M);

/* Algorithm 1 on one slice with selection `sel` (including MO_RESIDUAL), writing M[n]:
 * the widths quant_widths_from_order() gives for quant_order()'s order, computed by
 * selecting the boundary ranks instead of sorting (quant_widths.c). Returns the bitmask
 * of widths whose nonzero share rounded to 0 elements. */
uint32_t quant_assign_widths(const float *T, uint32_t n, const QDist *d, Selection sel,
                             uint64_t seed, uint8_t *M);
/* The same with caller scratch of quant_widths_work_bytes(n, sel) bytes (8-byte
 * aligned): no allocation, for the CPU runtime. */
uint64_t quant_widths_work_bytes(uint64_t n, Selection sel);
uint32_t quant_assign_widths_work(const float *T, uint32_t n, const QDist *d, Selection sel,
                                  uint64_t seed, uint8_t *M, void *work);

/* Reading C, "mo-residual" (an extension, not the paper): Eq. 5 level by level; at a
 * level n that is a share's width, the still-unassigned elements are sorted by
 * | |E_{n-1,j}| - mu_n | (mu_n = mean |E_{n-1}| over them, double; E from the float
 * alphas) and the count of that share closest to mu_n stop at width n. */
uint32_t quant_widths_mo_residual(const float *T, uint32_t n, const QDist *d, uint8_t *M);

/* group channel: one width per output channel. Channels are ranked by their 1-bit
 * residual r_c = sum_j (|T_j| - mu)^2 over the channel (= ||T_c - mu sign(T_c)||^2),
 * ascending, ties by lower channel; mu is the channel's own mean |T| when
 * `per_channel_mu`, else the tensor's. Counts are cumulative round-half-up over the
 * channels; the lowest width goes to the smallest residuals. Writes M[n]; returns the
 * zero-share bitmask. */
uint32_t quant_widths_channel(const float *T, uint64_t n, uint32_t channels, bool per_channel_mu,
                              const QDist *d, uint8_t *M);

/* Eq. 5 masked residual binarization of one scale group (a whole tensor or one channel
 * slice), sign(x) = +1 if x > 0 else -1. For level m = 0..maxbits-1 (paper's n = m+1):
 * alpha[m] = (float)(sum |E_j| / count), the sum over the active j (M_j > m) in double in
 * index order, or 0 if none; signs[j] bit m = 1 iff that sign is +1 (bits m >= M_j are
 * 0). The residual starts at E_j = T_j and each level subtracts (double)alpha[m] * s_mj:
 * the float alphas, i.e. what every backend computes with (the double mu would differ in
 * the last bits). recon (may be NULL) gets sum_{m < M_j} alpha[m] * s_mj added in double
 * in level order and rounded once to float. */
void quant_binarize(const float *T, uint64_t n, const uint8_t *M, int maxbits, float *alpha,
                    uint8_t *signs, float *recon);

/* ||R - T|| / ||T||, sums in double; 0 when ||T|| == 0. */
double quant_rel_error(const float *T, const float *R, uint64_t n);

/* int k on one scale group: s = (float)(max|T| / (2^(k-1) - 1)) in double; q_j =
 * round-half-even(T_j / s) (double division by the float s) clamped to the narrow range;
 * recon_j = (float)(q_j * s). An all-zero group gets s = 0, q = 0. Returns s. */
float quant_int_group(const float *T, uint64_t n, int k, int32_t *q, float *recon);

#endif
