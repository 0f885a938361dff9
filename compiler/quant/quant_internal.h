// SPDX-License-Identifier: MIT
/* quant_internal.h: shared by the quant*.c files only: work buffers (quant_mem.c), and the
 * selection, Eq. 5 and reconstruction steps with caller-provided scratch, which quant.c
 * reuses across candidates. Not part of the quantizer's API. */
#ifndef HB_QUANT_INTERNAL_H
#define HB_QUANT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

/* A work buffer of n * size bytes (uninitialized, 64-byte aligned); prints and exits(3)
 * on overflow or out of memory, like the arena. Freed with quant_xfree() before the
 * quantizer returns. */
void *quant_xmalloc(size_t n, size_t size);
void quant_xfree(void *p);

/* quant_binarize() without the reconstruction, with caller scratch E[n] for the residuals
 * (unused, may be NULL, when maxbits <= 2). */
void quant_binarize_work(const float *T, uint64_t n, const uint8_t *M, int maxbits, float *alpha,
                         uint8_t *signs, double *E);

/* The reconstruction from widths, signs and scales (recon may be NULL). Returns
 * sum_j ((double)recon_j - T_j)^2 of the float-rounded reconstruction. */
double quant_reconstruct(const float *T, uint64_t n, const uint8_t *M, int maxbits,
                         const float *alpha, const uint8_t *signs, float *recon);

/* The selection's hot loops (the runtime runs them per example, built for generic
 * x86-64): GCC also compiles an AVX2 and an AVX-512 (x86-64-v4) clone, picked once when
 * the library loads (ifunc; libgcc's CPU probe). Same results: integer loops, and float
 * ones computing the same roundings (no contraction into FMA, which v4 has). The v4
 * clone halves the 65536-element selection here (bench_select: 105 -> 57 us). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define QUANT_CLONES                                                   \
    __attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), \
                   optimize("vect-cost-model=dynamic", "fp-contract=off")))
#else
#define QUANT_CLONES
#endif

/* mean |T| summed in double in index order (mu1 of middle-out). */
double quant_mean_abs(const float *T, uint64_t n);
/* The same in two steps, the first splittable across threads: blocks [from, to) of
 * QUANT_MEAN_BLOCK elements to bsum[k], bmin[k]; then the merge over the n / QUANT_MEAN_BLOCK
 * blocks, in order (bit for bit quant_mean_abs). */
#define QUANT_MEAN_BLOCK 512
void quant_mean_blocks(const float *T, uint64_t from, uint64_t to, double *bsum, double *bmin);
double quant_mean_abs_merge(const float *T, uint64_t n, const double *bsum, const double *bmin);

/* A split of n units of work across threads (the CPU runtime's hbrt_par): run calls
 * fn(args, lo, hi) on ranges covering [0, n) once, at least grain units a range; threads
 * (how many may run them) only sizes the split. */
typedef void (*QuantRangeFn)(void *args, int64_t lo, int64_t hi);
typedef struct QuantPar {
    void (*run)(void *ctx, QuantRangeFn fn, void *args, int64_t n, int64_t grain);
    void *ctx;
    int threads;
} QuantPar;

/* quant_assign_widths_work() with its passes over the n elements split by par (NULL: one
 * thread), for middle-out and n >= QUANT_PAR_MIN_N; the same widths for every split. */
#define QUANT_PAR_MIN_N 32768
uint32_t quant_assign_widths_par(const float *T, uint32_t n, const QDist *d, Selection sel,
                                 uint64_t seed, uint8_t *M, void *work, const QuantPar *par);

/* quant_widths_mo_residual() with caller scratch of quant_mo_residual_work_bytes(n)
 * bytes (8-byte aligned). */
uint64_t quant_mo_residual_work_bytes(uint64_t n);
uint32_t quant_mo_residual_work(const float *T, uint32_t n, const QDist *d, uint8_t *M, void *work);

/* Bitmask of widths whose share has frac > 0 but count 0. */
uint32_t quant_zero_shares(const QDist *d, const uint64_t *count);

#endif
