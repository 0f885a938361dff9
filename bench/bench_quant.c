// SPDX-License-Identifier: MIT
/* bench_quant.c: wall-clock benchmark of the weight quantizer (quant_tensor) on 10M
 * N(0,1) weights shaped [256, 39063]: 70/20/10 middle-out with per-tensor and per-channel
 * scales, a few other specs, and int 8. Best and median of 5, one thread; every run gets
 * a fresh arena, so the output's page faults are counted as in a real compile. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quant.h"

#define CHANNELS    256u
#define PER_CHANNEL 39063u // 256 * 39063 = 10,000,128 weights
#define REPS        5

static double now_ms(clockid_t clk)
{
    struct timespec t;
    clock_gettime(clk, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* N(0,1) by Box-Muller on splitmix64 uniforms (the unit tests use the same generator). */
static double gauss(uint64_t *s)
{
    for (;;) {
        double u1 = (double)(hb_rng_next(s) >> 11) * 0x1p-53;
        double u2 = (double)(hb_rng_next(s) >> 11) * 0x1p-53;
        if (u1 > 0)
            return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static QuantSpec spec_bits(int p1, int p2, int p3, Selection sel, ScaleGran scale)
{
    QuantSpec s = {.kind = QK_BITS, .select = sel, .scale = scale, .group = GROUP_ELEMENT};
    int p[3] = {p1, p2, p3};
    for (int b = 0; b < 3; b++)
        if (p[b] > 0) {
            s.share_bits[s.nshares] = b + 1;
            s.share_frac[s.nshares++] = p[b] / 100.0;
        }
    return s;
}

static void bench(const char *name, const float *T, uint64_t n, const QuantSpec *spec)
{
    double t[REPS], cpu[REPS], err = 0, avg = 0;
    for (int r = 0; r < REPS; r++) {
        Arena a;
        arena_init(&a);
        QTensor q;
        const char *msg;
        double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (!quant_tensor(&a, T, n, CHANNELS, spec, &q, &msg)) {
            fprintf(stderr, "bench_quant: %s: %s\n", name, msg);
            exit(1);
        }
        t[r] = now_ms(CLOCK_MONOTONIC) - t0;
        cpu[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        err = q.error;
        avg = q.avg_bits;
        arena_destroy(&a);
    }
    qsort(t, REPS, sizeof *t, cmp_double);
    qsort(cpu, REPS, sizeof *cpu, cmp_double);
    printf("%-36s best %7.1f ms  median %7.1f ms  cpu %7.1f ms  (error %.4f, %.2f bits)\n", name,
           t[0], t[REPS / 2], cpu[0], err, avg);
}

static void bench_order(const float *T, uint32_t n, Selection sel)
{
    uint32_t *order = malloc((size_t)n * sizeof *order);
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = now_ms(CLOCK_MONOTONIC);
        quant_order(T, n, sel, 1, order);
        t[r] = now_ms(CLOCK_MONOTONIC) - t0;
    }
    qsort(t, REPS, sizeof *t, cmp_double);
    printf("quant_order %-24s best %7.1f ms  median %7.1f ms\n", selection_name(sel), t[0],
           t[REPS / 2]);
    free(order);
}

/* Algorithm 1's widths by selection (quant_assign_widths: what quant_tensor and the CPU
 * runtime use) against the order they equal (quant_order + quant_widths_from_order). */
static void bench_widths(const float *T, uint32_t n, Selection sel)
{
    QDist d = {3, {1, 2, 3}, {0.7, 0.2, 0.1}};
    uint8_t *M = malloc(n);
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = now_ms(CLOCK_MONOTONIC);
        quant_assign_widths(T, n, &d, sel, 1, M);
        t[r] = now_ms(CLOCK_MONOTONIC) - t0;
    }
    qsort(t, REPS, sizeof *t, cmp_double);
    printf("quant_assign_widths 70/20/10 %-8s best %7.1f ms  median %7.1f ms\n",
           selection_name(sel), t[0], t[REPS / 2]);
    free(M);
}

int main(void)
{
    uint64_t n = (uint64_t)CHANNELS * PER_CHANNEL, state = 42;
    float *T = malloc(n * sizeof *T);
    if (!T)
        return 1;
    for (uint64_t j = 0; j < n; j++)
        T[j] = (float)gauss(&state);
    printf("%llu weights, [%u, %u]\n", (unsigned long long)n, CHANNELS, PER_CHANNEL);

    QuantSpec mo_t = spec_bits(70, 20, 10, SEL_MIDDLE_OUT, SCALE_PER_TENSOR);
    QuantSpec mo_c = spec_bits(70, 20, 10, SEL_MIDDLE_OUT, SCALE_PER_CHANNEL);
    QuantSpec grp = mo_t;
    grp.group = GROUP_CHANNEL;
    QuantSpec b1 = spec_bits(100, 0, 0, SEL_MIDDLE_OUT, SCALE_PER_TENSOR);
    QuantSpec avg = {.kind = QK_BITS, .avg_search = true, .avg = 1.4};
    QuantSpec res = spec_bits(70, 20, 10, SEL_MO_RESIDUAL, SCALE_PER_TENSOR);
    QuantSpec i8 = {.kind = QK_INT, .int_bits = 8};

    bench("bits 70/20/10 middle-out per-tensor", T, n, &mo_t);
    bench("bits 70/20/10 middle-out per-chan", T, n, &mo_c);
    bench("bits 70/20/10 group channel", T, n, &grp);
    bench("bits 1", T, n, &b1);
    bench("bits avg 1.4 (5 candidates)", T, n, &avg);
    bench("bits 70/20/10 mo-residual", T, n, &res);
    bench("int 8", T, n, &i8);
    bench_order(T, (uint32_t)n, SEL_MIDDLE_OUT);
    bench_widths(T, (uint32_t)n, SEL_MIDDLE_OUT);
    bench_order(T, (uint32_t)n, SEL_BOTTOM_UP);
    bench_order(T, (uint32_t)n, SEL_RANDOM);
    free(T);
    return 0;
}
