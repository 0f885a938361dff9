// SPDX-License-Identifier: MIT
/* bench_int8.c: times one generated library (bench/bench_int8.sh builds the same layer
 * with --kernel int8 and --kernel bitserial): NAME_run_n on one example, 3 warm-up runs,
 * then best and median of REPS runs in microseconds. Not a test (no timing claims in
 * ctest).
 *   bench_int8 LIB.so NAME IN_ELEMS OUT_ELEMS [REPS] */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void *(*CreateFn)(int);
typedef int (*RunNFn)(void *, const float *const *, void *const *, int);

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_int8 LIB.so NAME IN_ELEMS OUT_ELEMS [REPS]\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW);
    char sym[256];
    snprintf(sym, sizeof sym, "%s_create", argv[2]);
    CreateFn create = h ? (CreateFn)(uintptr_t)dlsym(h, sym) : NULL;
    snprintf(sym, sizeof sym, "%s_run_n", argv[2]);
    RunNFn run = h ? (RunNFn)(uintptr_t)dlsym(h, sym) : NULL;
    if (!create || !run) {
        fprintf(stderr, "bench_int8: cannot load %s\n", argv[1]);
        return 2;
    }
    long nin = atol(argv[3]), nout = atol(argv[4]), reps = argc > 5 ? atol(argv[5]) : 15;
    float *in = malloc((size_t)nin * sizeof *in);
    void *out = malloc((size_t)nout * 4);
    double *t = malloc((size_t)reps * sizeof *t);
    if (!in || !out || !t || reps < 1)
        return 2;
    for (long i = 0; i < nin; i++)
        in[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    void *ctx = create(1);
    const float *ins[1] = {in};
    void *outs[1] = {out};
    for (int w = 0; w < 3; w++)
        run(ctx, ins, outs, 1);
    for (long r = 0; r < reps; r++) {
        double t0 = now_us();
        run(ctx, ins, outs, 1);
        t[r] = now_us() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    printf("%.1f %.1f\n", t[0], t[reps / 2]);
    return 0;
}
