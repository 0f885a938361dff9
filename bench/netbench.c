/* netbench.c: times a whole network compiled by hbnnc (`hbnnc X.hb -o X.so`) through the
 * generated ABI, loaded with dlopen: NAME_create(threads), NAME_run(ctx, in, out, batch).
 * Used by bench/run; prints one line "best_us median_us reps" per call of NAME_run.
 *   netbench SO NAME IN_ELEMS OUT_ELEMS BATCH THREADS MIN_REPS SECONDS
 *   netbench SO NAME IN_ELEMS OUT_ELEMS --io IN.f32 OUT.f32 N   (one run, raw float32 I/O) */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *(*create_fn)(int);
typedef int (*run_fn)(void *, const float *, float *, int);
typedef void (*destroy_fn)(void *);

struct net {
    create_fn create;
    run_fn run;
    destroy_fn destroy;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* NAME_create, NAME_run and NAME_destroy from the library, or exit 2. */
static struct net load(const char *so, const char *name)
{
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "netbench: %s\n", dlerror());
        exit(2);
    }
    char sym[256];
    struct net n;
    snprintf(sym, sizeof sym, "%s_create", name);
    *(void **)&n.create = dlsym(h, sym);
    snprintf(sym, sizeof sym, "%s_run", name);
    *(void **)&n.run = dlsym(h, sym);
    snprintf(sym, sizeof sym, "%s_destroy", name);
    *(void **)&n.destroy = dlsym(h, sym);
    if (!n.create || !n.run || !n.destroy) {
        fprintf(stderr, "netbench: %s: no %s_create/_run/_destroy\n", so, name);
        exit(2);
    }
    return n;
}

/* --io: run the network once on N examples read from a raw float32 file. */
static int run_io(struct net n, long in_elems, long out_elems, char **argv)
{
    int batch = atoi(argv[2]);
    float *in = malloc(sizeof(float) * (size_t)(in_elems * batch));
    float *out = malloc(sizeof(float) * (size_t)(out_elems * batch));
    FILE *f = fopen(argv[0], "rb");
    if (!in || !out || !f ||
        fread(in, sizeof(float), (size_t)(in_elems * batch), f) != (size_t)(in_elems * batch)) {
        fprintf(stderr, "netbench: cannot read %s\n", argv[0]);
        return 2;
    }
    fclose(f);
    void *ctx = n.create(1);
    if (!ctx || n.run(ctx, in, out, batch) != 0) {
        fprintf(stderr, "netbench: run failed\n");
        return 1;
    }
    n.destroy(ctx);
    f = fopen(argv[1], "wb");
    if (!f ||
        fwrite(out, sizeof(float), (size_t)(out_elems * batch), f) != (size_t)(out_elems * batch) ||
        fclose(f)) {
        fprintf(stderr, "netbench: cannot write %s\n", argv[1]);
        return 2;
    }
    free(in);
    free(out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr,
                "usage: netbench SO NAME IN_ELEMS OUT_ELEMS BATCH THREADS MIN_REPS SECONDS\n"
                "       netbench SO NAME IN_ELEMS OUT_ELEMS --io IN.f32 OUT.f32 N\n");
        return 2;
    }
    struct net n = load(argv[1], argv[2]);
    long in_elems = atol(argv[3]), out_elems = atol(argv[4]);
    if (!strcmp(argv[5], "--io"))
        return run_io(n, in_elems, out_elems, argv + 6);
    int batch = atoi(argv[5]), threads = atoi(argv[6]), min_reps = atoi(argv[7]);
    double budget = argc > 8 ? atof(argv[8]) : 0.5;
    float *in = malloc(sizeof(float) * (size_t)(in_elems * batch));
    float *out = malloc(sizeof(float) * (size_t)(out_elems * batch));
    void *ctx = n.create(threads);
    if (!in || !out || !ctx || min_reps < 1) {
        fprintf(stderr, "netbench: out of memory\n");
        return 1;
    }
    unsigned s = 12345; /* deterministic N(0,1)-ish inputs: sum of 4 uniforms */
    for (long i = 0; i < in_elems * batch; i++) {
        float v = 0;
        for (int k = 0; k < 4; k++) {
            s = s * 1103515245u + 12345u;
            v += (float)((s >> 8) & 0xffff) / 65536.0f - 0.5f;
        }
        in[i] = v * 1.7f;
    }
    double t0 = now();
    while (now() - t0 < 0.05 * budget + 1e-3) /* warm-up: caches, page faults, threads */
        n.run(ctx, in, out, batch);
    int cap = min_reps * 64, reps = 0;
    double *t = malloc(sizeof(double) * (size_t)cap);
    t0 = now();
    while (t && reps < cap && (reps < min_reps || now() - t0 < budget)) {
        double a = now();
        if (n.run(ctx, in, out, batch) != 0) {
            fprintf(stderr, "netbench: run failed\n");
            return 1;
        }
        t[reps++] = now() - a;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_double);
    printf("%.3f %.3f %d\n", t[0] * 1e6, t[reps / 2] * 1e6, reps);
    n.destroy(ctx);
    free(t);
    free(in);
    free(out);
    return 0;
}
