/* run_digits.c: use the digits network as a library. Build it with
 *   hbnnc digits.hb -o digits.so        (writes digits.so and digits.h)
 *   cc -O2 run_digits.c digits.so -Wl,-rpath,. -o run_digits
 * then ./run_digits test_x.npy test_y.npy [threads]: prints the accuracy on the
 * test set and the images per second of digits_run (best of several timed runs). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digits.h"

/* A .npy array's payload (version 1 header) and its first dimension. */
static void *load_npy(const char *path, const char *descr, size_t esize, long *rows)
{
    FILE *f = fopen(path, "rb");
    unsigned char pre[10];
    if (!f || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
        fprintf(stderr, "run_digits: %s: not a .npy file\n", path);
        exit(2);
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    char h[4096] = {0};
    if (hlen >= sizeof h || fread(h, 1, hlen, f) != hlen || !strstr(h, descr)) {
        fprintf(stderr, "run_digits: %s: expected dtype %s\n", path, descr);
        exit(2);
    }
    *rows = strtol(strchr(strstr(h, "shape"), '(') + 1, NULL, 10);
    fseek(f, 0, SEEK_END);
    size_t bytes = (size_t)ftell(f) - 10 - hlen;
    void *p = malloc(bytes);
    fseek(f, (long)(10 + hlen), SEEK_SET);
    if (!p || fread(p, 1, bytes, f) != bytes || bytes != (size_t)*rows * esize) {
        fprintf(stderr, "run_digits: %s: unexpected size\n", path);
        exit(2);
    }
    fclose(f);
    return p;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: run_digits test_x.npy test_y.npy [threads]\n");
        return 2;
    }
    long n, ny;
    float *x = load_npy(argv[1], "'<f4'", sizeof(float) * digits_IN_ELEMS, &n);
    int64_t *y = load_npy(argv[2], "'<i8'", sizeof(int64_t), &ny);
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    float *out = malloc(sizeof(float) * digits_OUT_ELEMS * (size_t)n);
    digits_ctx *ctx = digits_create(threads);
    if (!ctx || !out || ny != n || digits_run(ctx, x, out, (int)n) != digits_OK) {
        fprintf(stderr, "run_digits: cannot run the network\n");
        return 1;
    }
    long correct = 0;
    for (long i = 0; i < n; i++) {
        int best = 0;
        for (int k = 1; k < digits_OUT_ELEMS; k++)
            if (out[i * digits_OUT_ELEMS + k] > out[i * digits_OUT_ELEMS + best])
                best = k;
        correct += best == y[i];
    }
    double best = 1e30; // best of 15 timed passes over the whole test set
    int reps = 1;
    for (int r = 0; r < 15; r++) {
        double t0 = now();
        for (int k = 0; k < reps; k++)
            digits_run(ctx, x, out, (int)n);
        double t = (now() - t0) / reps;
        if (t < best)
            best = t;
        if (t * reps < 0.02)
            reps *= 2;
    }
    printf("digits.so: %ld / %ld test images correct = %.2f%%\n", correct, n, 100.0 * correct / n);
    printf("           %.0f images/s (%d thread%s, batch %ld, best of 15)\n", n / best, threads,
           threads == 1 ? "" : "s", n);
    digits_destroy(ctx);
    free(out);
    free(x);
    free(y);
    return 0;
}
