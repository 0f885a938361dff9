/* blas_net.c: the float32 peer of bench/run: a network from `bench/nets.py arch NET`
 * (one op a line, batch norm folded into the conv bias) run with im2col + OpenBLAS sgemm,
 * depthwise convolutions as direct loops, random weights. Only timing matters here.
 *   blas_net ARCH_FILE BATCH THREADS MIN_REPS SECONDS   -> "best_us median_us reps"
 * Set OPENBLAS_CORETYPE to pick OpenBLAS's kernel (bench/run tries the candidates). */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int);

enum { MAX_OPS = 128 };

struct op {
    char kind[16];
    int a, b, c, d; /* conv: out k stride pad; dw: k stride pad; maxpool: k; dense: out */
    int C, H, W;    /* input shape */
    int OC, OH, OW; /* output shape */
    float *w, *bias;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *x, const void *y)
{
    double p = *(const double *)x, q = *(const double *)y;
    return (p > q) - (p < q);
}

static float *randn(size_t n, float scale)
{
    float *p = malloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; p && i < n; i++)
        p[i] = scale * ((float)rand() / (float)RAND_MAX - 0.5f);
    return p;
}

/* Reads the layer list and works out every shape; returns the number of ops. */
static int read_arch(const char *path, struct op *ops, int *in_elems, size_t *max_elems)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int n = 0, C = 0, H = 0, W = 0;
    *max_elems = 0;
    while (f && fgets(line, sizeof line, f) && n < MAX_OPS) {
        struct op *o = &ops[n];
        memset(o, 0, sizeof *o);
        if (sscanf(line, "%15s %d %d %d %d", o->kind, &o->a, &o->b, &o->c, &o->d) < 1)
            continue;
        if (!strcmp(o->kind, "input")) {
            C = o->a, H = o->b, W = o->c;
            *in_elems = C * H * W;
            continue;
        }
        o->C = C, o->H = H, o->W = W;
        o->OC = C, o->OH = H, o->OW = W;
        if (!strcmp(o->kind, "conv")) {
            o->OC = o->a;
            o->OH = (H + 2 * o->d - o->b) / o->c + 1;
            o->OW = (W + 2 * o->d - o->b) / o->c + 1;
            o->w = randn((size_t)o->OC * C * o->b * o->b, 0.1f);
            o->bias = randn((size_t)o->OC, 0.1f);
        } else if (!strcmp(o->kind, "dw")) {
            o->OH = (H + 2 * o->c - o->a) / o->b + 1;
            o->OW = (W + 2 * o->c - o->a) / o->b + 1;
            o->w = randn((size_t)C * o->a * o->a, 0.3f);
            o->bias = randn((size_t)C, 0.1f);
        } else if (!strcmp(o->kind, "maxpool")) {
            o->OH = H / o->a, o->OW = W / o->a;
        } else if (!strcmp(o->kind, "gap")) {
            o->OH = o->OW = 1;
        } else if (!strcmp(o->kind, "dense")) {
            o->OC = o->a, o->OH = o->OW = 1;
            o->w = randn((size_t)o->OC * C * H * W, 0.05f);
            o->bias = randn((size_t)o->OC, 0.1f);
        }
        C = o->OC, H = o->OH, W = o->OW;
        size_t col = !strcmp(o->kind, "conv") ? (size_t)o->C * o->b * o->b * o->OH * o->OW : 0;
        size_t m = (size_t)o->C * o->H * o->W;
        m = m > col ? m : col;
        m = m > (size_t)C * H * W ? m : (size_t)C * H * W;
        *max_elems = m > *max_elems ? m : *max_elems;
        n++;
    }
    if (f)
        fclose(f);
    return n;
}

static void conv(const struct op *o, const float *x, float *y, float *col)
{
    int k = o->b, s = o->c, p = o->d, n = o->OH * o->OW;
    const float *b = x;
    if (!(k == 1 && s == 1 && p == 0)) { /* im2col: rows (c, ky, kx), columns pixels */
        for (int c = 0; c < o->C; c++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    float *r = col + ((size_t)(c * k + ky) * k + kx) * n;
                    for (int oy = 0; oy < o->OH; oy++) {
                        int iy = oy * s - p + ky;
                        for (int ox = 0; ox < o->OW; ox++) {
                            int ix = ox * s - p + kx;
                            r[oy * o->OW + ox] = iy >= 0 && iy < o->H && ix >= 0 && ix < o->W
                                                         ? x[((size_t)c * o->H + iy) * o->W + ix]
                                                         : 0.0f;
                        }
                    }
                }
        b = col;
    }
    for (int m = 0; m < o->OC; m++)
        for (int i = 0; i < n; i++)
            y[(size_t)m * n + i] = o->bias[m];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, o->OC, n, o->C * k * k, 1.0f, o->w,
                o->C * k * k, b, n, 1.0f, y, n);
}

static void dwconv(const struct op *o, const float *x, float *y)
{
    int k = o->a, s = o->b, p = o->c;
    for (int c = 0; c < o->C; c++)
        for (int oy = 0; oy < o->OH; oy++)
            for (int ox = 0; ox < o->OW; ox++) {
                float acc = o->bias[c];
                for (int ky = 0; ky < k; ky++) {
                    int iy = oy * s - p + ky;
                    for (int kx = 0; kx < k && iy >= 0 && iy < o->H; kx++) {
                        int ix = ox * s - p + kx;
                        if (ix >= 0 && ix < o->W)
                            acc += o->w[(c * k + ky) * k + kx] *
                                   x[((size_t)c * o->H + iy) * o->W + ix];
                    }
                }
                y[((size_t)c * o->OH + oy) * o->OW + ox] = acc;
            }
}

/* One example through the network; x and y are swapped after every op. */
static void forward(const struct op *ops, int n, const float *in, int in_elems, float *x, float *y,
                    float *col, float *logits)
{
    memcpy(x, in, sizeof(float) * (size_t)in_elems);
    for (int i = 0; i < n; i++) {
        const struct op *o = &ops[i];
        size_t len = (size_t)o->C * o->H * o->W;
        int inplace = 0;
        if (!strcmp(o->kind, "conv"))
            conv(o, x, y, col);
        else if (!strcmp(o->kind, "dw"))
            dwconv(o, x, y);
        else if (!strcmp(o->kind, "relu")) {
            for (size_t j = 0; j < len; j++)
                x[j] = x[j] > 0 ? x[j] : 0;
            inplace = 1;
        } else if (!strcmp(o->kind, "maxpool")) {
            int k = o->a;
            for (int c = 0; c < o->C; c++)
                for (int oy = 0; oy < o->OH; oy++)
                    for (int ox = 0; ox < o->OW; ox++) {
                        float m = -INFINITY;
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                float v = x[((size_t)c * o->H + oy * k + ky) * o->W + ox * k + kx];
                                m = v > m ? v : m;
                            }
                        y[((size_t)c * o->OH + oy) * o->OW + ox] = m;
                    }
        } else if (!strcmp(o->kind, "gap")) {
            for (int c = 0; c < o->C; c++) {
                float s = 0;
                for (int j = 0; j < o->H * o->W; j++)
                    s += x[(size_t)c * o->H * o->W + j];
                y[c] = s / (float)(o->H * o->W);
            }
        } else if (!strcmp(o->kind, "dense")) {
            memcpy(y, o->bias, sizeof(float) * (size_t)o->OC);
            cblas_sgemv(CblasRowMajor, CblasNoTrans, o->OC, (int)len, 1.0f, o->w, (int)len, x, 1,
                        1.0f, y, 1);
        } else if (!strcmp(o->kind, "softmax")) {
            float m = -INFINITY, s = 0;
            for (size_t j = 0; j < len; j++)
                m = x[j] > m ? x[j] : m;
            for (size_t j = 0; j < len; j++)
                s += (x[j] = expf(x[j] - m));
            for (size_t j = 0; j < len; j++)
                x[j] /= s;
            inplace = 1;
        }
        if (!inplace) {
            float *t = x;
            x = y;
            y = t;
        }
    }
    memcpy(logits, x, sizeof(float) * (size_t)ops[n - 1].OC);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: blas_net ARCH_FILE BATCH THREADS MIN_REPS SECONDS\n");
        return 2;
    }
    static struct op ops[MAX_OPS];
    int in_elems = 0;
    size_t max_elems;
    int n = read_arch(argv[1], ops, &in_elems, &max_elems);
    int batch = atoi(argv[2]), threads = atoi(argv[3]), min_reps = atoi(argv[4]);
    double budget = atof(argv[5]);
    if (n < 1 || in_elems < 1 || batch < 1 || min_reps < 1) {
        fprintf(stderr, "blas_net: cannot read %s\n", argv[1]);
        return 2;
    }
    openblas_set_num_threads(threads);
    float *in = randn((size_t)in_elems * batch, 2.0f), *x = malloc(sizeof(float) * max_elems);
    float *y = malloc(sizeof(float) * max_elems), *col = malloc(sizeof(float) * max_elems);
    float *out = malloc(sizeof(float) * (size_t)ops[n - 1].OC * batch);
    int cap = min_reps * 64, reps = 0;
    double *t = malloc(sizeof(double) * (size_t)cap), t0 = now();
    if (!in || !x || !y || !col || !out || !t)
        return 1;
    while (now() - t0 < 0.05 * budget + 1e-3) /* warm-up */
        forward(ops, n, in, in_elems, x, y, col, out);
    t0 = now();
    while (reps < cap && (reps < min_reps || now() - t0 < budget)) {
        double a = now();
        for (int b = 0; b < batch; b++)
            forward(ops, n, in + (size_t)b * in_elems, in_elems, x, y, col,
                    out + (size_t)b * ops[n - 1].OC);
        t[reps++] = now() - a;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_double);
    printf("%.3f %.3f %d\n", t[0] * 1e6, t[reps / 2] * 1e6, reps);
    return 0;
}
