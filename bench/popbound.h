// SPDX-License-Identifier: MIT
/* popbound.h: the popcount bound of this machine, one implementation for bench/popbound
 * (bench/run's bound) and bench/bench_cpu (its %bound column): an xor-popcount-accumulate
 * micro-kernel on L1-resident data in the layout of cpu.md §4 (8 output channels per zmm,
 * activation words broadcast), a 3x8 register tile. Both programs compile it with -O3: at
 * -O2 GCC keeps the 24 accumulators in memory and the "bound" drops 5x (410 against 2150
 * Gbinops/s measured here), which made bench_cpu's %bound read up to 143%. */
#ifndef HB_POPBOUND_H
#define HB_POPBOUND_H

#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

enum { PB_K = 128, PB_ROWS = 3, PB_PIX = 8, PB_REPS = 4000 };

static double pb_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* reps passes over K words: returns a checksum so the work cannot be removed. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static uint64_t
pb_tile_avx512(const uint64_t *w, const uint64_t *a, int reps)
{
    __m512i acc[PB_ROWS][PB_PIX];
    for (int r = 0; r < PB_ROWS; r++)
        for (int p = 0; p < PB_PIX; p++)
            acc[r][p] = _mm512_setzero_si512();
    for (int it = 0; it < reps; it++)
        for (int k = 0; k < PB_K; k++) {
            __m512i wv[PB_ROWS];
            for (int r = 0; r < PB_ROWS; r++)
                wv[r] = _mm512_loadu_si512(w + (size_t)(k * PB_ROWS + r) * 8);
            for (int p = 0; p < PB_PIX; p++) {
                __m512i av = _mm512_set1_epi64((long long)a[k * PB_PIX + p]);
                for (int r = 0; r < PB_ROWS; r++)
                    acc[r][p] = _mm512_add_epi64(acc[r][p],
                                                 _mm512_popcnt_epi64(_mm512_xor_si512(wv[r], av)));
            }
        }
    __m512i s = _mm512_setzero_si512();
    for (int r = 0; r < PB_ROWS; r++)
        for (int p = 0; p < PB_PIX; p++)
            s = _mm512_add_epi64(s, acc[r][p]);
    return (uint64_t)_mm512_reduce_add_epi64(s);
}

/* Scalar popcnt, 4x2 tile: the bound of a CPU without AVX-512 VPOPCNTDQ. */
__attribute__((target("popcnt"))) static uint64_t pb_tile_scalar(const uint64_t *w,
                                                                 const uint64_t *a, int reps)
{
    uint64_t acc[4][2] = {{0}};
    for (int it = 0; it < reps; it++)
        for (int k = 0; k < PB_K * 8; k++)
            for (int r = 0; r < 4; r++)
                for (int p = 0; p < 2; p++)
                    acc[r][p] += (uint64_t)__builtin_popcountll(
                            w[k * 3 % (PB_K * PB_ROWS * 8) + r] ^ a[(k + p) % (PB_K * PB_PIX)]);
    return acc[0][0] + acc[1][1] + acc[2][0] + acc[3][1] + acc[0][1] + acc[3][0];
}

/* Best of `runs`, in binops/s for one thread; *isa names the kernel; 0 if out of memory. */
static double pb_bound(int runs, const char **isa)
{
    uint64_t *w = aligned_alloc(64, sizeof(uint64_t) * PB_K * PB_ROWS * 8);
    uint64_t *a = aligned_alloc(64, sizeof(uint64_t) * PB_K * PB_PIX);
    if (!w || !a) {
        free(w);
        free(a);
        return 0;
    }
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < PB_K * PB_ROWS * 8; i++)
        w[i] = (s = s * 6364136223846793005u + 1442695040888963407u);
    for (int i = 0; i < PB_K * PB_PIX; i++)
        a[i] = (s = s * 6364136223846793005u + 1442695040888963407u);
    __builtin_cpu_init();
    int wide = __builtin_cpu_supports("avx512vpopcntdq");
    double binops = wide ? (double)PB_REPS * PB_K * PB_ROWS * PB_PIX * 512
                         : (double)PB_REPS / 8 * PB_K * 8 * 8 * 64;
    double best = 1e30;
    volatile uint64_t check = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = pb_now();
        check += wide ? pb_tile_avx512(w, a, PB_REPS) : pb_tile_scalar(w, a, PB_REPS / 8);
        double t = pb_now() - t0;
        best = t < best ? t : best;
    }
    *isa = wide ? "avx512-vpopcntq" : "scalar-popcnt";
    free(w);
    free(a);
    return binops / best;
}

#endif
