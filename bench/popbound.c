/* popbound.c: the popcount bound of this machine, measured: an xor-popcount-accumulate
 * micro-kernel on L1-resident data in the layout of cpu.md §4 (8 output channels per zmm
 * lane group, activation words broadcast), a 3x8 register tile (24 accumulators).
 * Prints "Gbinops_per_s_best isa" for one thread; bench/run divides each layer's
 * M*K*N*wbits*abits by it. Falls back to scalar popcnt when the CPU lacks VPOPCNTDQ. */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { K = 128, ROWS = 3, PIX = 8, REPS = 4000 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One pass over K words: returns a checksum so the work cannot be removed. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static uint64_t
tile_avx512(const uint64_t *w, const uint64_t *a, int reps)
{
    __m512i acc[ROWS][PIX];
    for (int r = 0; r < ROWS; r++)
        for (int p = 0; p < PIX; p++)
            acc[r][p] = _mm512_setzero_si512();
    for (int it = 0; it < reps; it++)
        for (int k = 0; k < K; k++) {
            __m512i wv[ROWS];
            for (int r = 0; r < ROWS; r++)
                wv[r] = _mm512_loadu_si512(w + (size_t)(k * ROWS + r) * 8);
            for (int p = 0; p < PIX; p++) {
                __m512i av = _mm512_set1_epi64((long long)a[k * PIX + p]);
                for (int r = 0; r < ROWS; r++)
                    acc[r][p] = _mm512_add_epi64(acc[r][p],
                                                 _mm512_popcnt_epi64(_mm512_xor_si512(wv[r], av)));
            }
        }
    __m512i s = _mm512_setzero_si512();
    for (int r = 0; r < ROWS; r++)
        for (int p = 0; p < PIX; p++)
            s = _mm512_add_epi64(s, acc[r][p]);
    return (uint64_t)_mm512_reduce_add_epi64(s);
}

/* Scalar popcnt, 4x2 tile: the bound of a CPU without AVX-512 VPOPCNTDQ. */
__attribute__((target("popcnt"))) static uint64_t tile_scalar(const uint64_t *w, const uint64_t *a,
                                                              int reps)
{
    uint64_t acc[4][2] = {{0}};
    for (int it = 0; it < reps; it++)
        for (int k = 0; k < K * 8; k++)
            for (int r = 0; r < 4; r++)
                for (int p = 0; p < 2; p++)
                    acc[r][p] += (uint64_t)__builtin_popcountll(w[k * 3 % (K * ROWS * 8) + r] ^
                                                                a[(k + p) % (K * PIX)]);
    return acc[0][0] + acc[1][1] + acc[2][0] + acc[3][1] + acc[0][1] + acc[3][0];
}

int main(void)
{
    uint64_t *w = aligned_alloc(64, sizeof(uint64_t) * K * ROWS * 8);
    uint64_t *a = aligned_alloc(64, sizeof(uint64_t) * K * PIX);
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < K * ROWS * 8; i++)
        w[i] = (s = s * 6364136223846793005u + 1442695040888963407u);
    for (int i = 0; i < K * PIX; i++)
        a[i] = (s = s * 6364136223846793005u + 1442695040888963407u);
    __builtin_cpu_init();
    int wide = __builtin_cpu_supports("avx512vpopcntdq");
    double binops = wide ? (double)REPS * K * ROWS * PIX * 512 : (double)REPS / 8 * K * 8 * 8 * 64;
    double best = 1e30;
    uint64_t check = 0;
    for (int r = 0; r < 25; r++) {
        double t0 = now();
        check += wide ? tile_avx512(w, a, REPS) : tile_scalar(w, a, REPS / 8);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    printf("%.1f %s %llu\n", binops / best * 1e-9, wide ? "avx512-vpopcntq" : "scalar-popcnt",
           (unsigned long long)(check & 1));
    free(w);
    free(a);
    return 0;
}
