// SPDX-License-Identifier: MIT
/* bench_select.c: the runtime's per-example width selection (Algorithm 1, middle-out,
 * 1:70% 2:20% 3:10%) on N(0,1) activations of the bench VGG's sizes (65536, 32768,
 * 16384 elements) and MobileNet-v1's common small ones (9216, 4608), then two with ties
 * (values on a grid: 65536, 4608 elements): the mean |x| alone and the whole
 * quant_assign_widths_work, best of 200 calls each (1000 below 16384), one thread; then
 * quant_assign_widths_par split across 2 threads by the runtime's hbrt_par (as a batch-1
 * run does; below QUANT_PAR_MIN_N it is one thread). Run by hand:
 * build/release/bench/bench_select. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "quant.h"
#include "quant_internal.h"

/* The runtime's pool (backends/llvm/runtime/hbrt.c, in the same archive). */
void *hbrt_create(int threads, uint64_t ws_bytes);
void hbrt_destroy(void *ctx);
void hbrt_par(void *ctx, QuantRangeFn fn, void *args, int64_t n, int64_t grain);

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

/* Approximately N(0,1): the sum of 12 uniforms minus 6 (enough for timing). */
static float gauss(uint64_t *s)
{
    double v = -6;
    for (int i = 0; i < 12; i++)
        v += (double)(hb_rng_next(s) >> 11) * 0x1p-53;
    return (float)v;
}

int main(void)
{
    // New cases go last: the data comes from one generator, so the earlier cases' data and
    // widths hashes stay as they were. Tied: values on a grid of 1/8 (a BNN layer's
    // pre-activations take few values), so boundaries fall inside large runs of equal keys.
    static const struct {
        uint32_t n;
        bool tied;
    } cases[] = {{65536, false}, {32768, false}, {16384, false}, {9216, false},
                 {4608, false},  {65536, true},  {4608, true}};
    QDist d = {.n = 3, .bits = {1, 2, 3}, .frac = {0.7, 0.2, 0.1}};
    uint64_t s = 13;
    void *ctx = hbrt_create(2, 0);
    QuantPar par = {hbrt_par, ctx, 2};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        uint32_t n = cases[k].n;
        int reps = n < 16384 ? 1000 : 200;
        float *T = malloc(n * sizeof *T);
        uint8_t *M = malloc(n);
        void *work = malloc(quant_widths_work_bytes(n, SEL_MIDDLE_OUT) + 8);
        if (!T || !M || !work)
            return 1;
        for (uint32_t j = 0; j < n; j++)
            T[j] = cases[k].tied ? roundf(gauss(&s) * 8) / 8 : gauss(&s);
        double best_mean = 1e30, best_all = 1e30, best_par = 1e30, sink = 0;
        uint64_t h = 0, h2 = 0;
        for (int r = 0; r < reps; r++) {
            double t0 = now_us();
            sink += quant_mean_abs(T, n);
            double t1 = now_us();
            quant_assign_widths_work(T, n, &d, SEL_MIDDLE_OUT, 0, M, work);
            double t2 = now_us();
            best_mean = t1 - t0 < best_mean ? t1 - t0 : best_mean;
            best_all = t2 - t1 < best_all ? t2 - t1 : best_all;
        }
        for (uint32_t j = 0; j < n; j++)
            h = h * 31 + M[j];
        for (int r = 0; r < reps; r++) {
            double t0 = now_us();
            quant_assign_widths_par(T, n, &d, SEL_MIDDLE_OUT, 0, M, work, &par);
            double t1 = now_us();
            best_par = t1 - t0 < best_par ? t1 - t0 : best_par;
        }
        for (uint32_t j = 0; j < n; j++)
            h2 = h2 * 31 + M[j];
        printf("n %6u%s: mean |x| %7.1f us, widths %7.1f us, 2 threads %7.1f us (mean %.17g, "
               "widths hash %016llx%s)\n",
               n, cases[k].tied ? " tied" : "", best_mean, best_all, best_par, sink / reps,
               (unsigned long long)h, h2 == h ? "" : ", 2 THREADS DIFFER");
        free(T);
        free(M);
        free(work);
    }
    hbrt_destroy(ctx);
    return 0;
}
