// SPDX-License-Identifier: MIT
/* bench_cpu.c: the CPU backend's bit-plane layers through a generated library (cpu.md §5):
 * for each shape and W/A bitwidth it builds a one-layer IR module, input -> sign or static
 * quant -> bpop -> its epilogue (--epilogue=threshold, the default: icomb + threshold, an
 * inner layer's, its 1-bit result dequantized as the output; fcomb: a last layer's float
 * result; pairs: the bpop's raw int32 pair sums), compiles it with --target cpu (--cpu
 * native, -O3, --kernel bitserial), loads it with dlopen and times NAME_run_n, best and
 * median of 21 runs (a shape's libraries run in rounds, each in turn 4 times and timed
 * the last: warm caches, and the ratios compare times taken under the same load):
 *  - layer: the whole layer (quantizing the float input, packing, kernel, epilogue);
 *  - kernel: one bpop op with its epilogue (packing its input words, the tiles, storing
 *    the floats or pair sums), the difference between the same module with two of them
 *    on the quantized input and with one (best of 21 each);
 *  - % of bound: kernel Gbinops/s (M K N wbits abits / t) against a popcount-bound
 *    micro-kernel measured in the same run (bench/popbound.h: 3 x 8 register tile of
 *    vpopcntq on data in L1, compiled -O3 like bench/popbound);
 *  - x sgemm: OpenBLAS sgemm on the same M x K x N (OPENBLAS_CORETYPE=SkylakeX on AVX-512
 *    unless set) over the whole layer's time, when libopenblas.so.0 loads;
 *  - 70/20/10 weights (3 planes, widths 1/2/3 for 70/20/10% of the elements: `e`, per
 *    element, one masked kernel; `c`, per output channel, one kernel per width), with
 *    their layer and kernel times over the same shape's W1A1 (xW1A1).
 * Run by hand (see bench/README.md):
 *   ./build/bench/bench_cpu [threads [shape]] [--epilogue=threshold|fcomb|pairs]
 *     (taskset -c N to pin one thread; shape: only the labels containing it, e.g. dense;
 *     the environment variable BENCH_CPU_KEEP keeps the libraries and their IR text) */
#define _DEFAULT_SOURCE // mkstemps, setenv
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ir.h"
#include "popbound.h"

typedef void *(*CreateFn)(int);
typedef int (*RunNFn)(void *, const float *const *, void *const *, int);
typedef void (*DestroyFn)(void *);

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Weights 70/20/10: width 1, 2 or 3 with those shares (a splitmix draw), per element
 * (mix 1: `group element`) or per output channel (mix 2: `group channel`). */
static int mix_width(uint64_t *s)
{
    uint64_t u = rng(s) % 100;
    return u < 70 ? 1 : u < 90 ? 2 : 3;
}

static void mix_weights(IrConst *wc, uint64_t O, uint64_t per, int mix, uint64_t *seed)
{
    for (uint64_t o = 0; o < O; o++) {
        int rw = mix_width(seed);
        for (uint64_t j = 0; j < per; j++) {
            int w = mix == 2 ? rw : mix_width(seed);
            for (int m = 0; m < 3; m++) {
                uint64_t at = ((uint64_t)m * O + o) * wc->wpr + j / 64, bit = 1ull << (j % 64);
                wc->planes[at] &= ~bit;
                if (w > m)
                    wc->masks[at] |= bit;
                else
                    continue;
                wc->planes[at] |= rng(seed) & bit;
            }
        }
    }
}

/* What a layer's kernels end in: an inner layer's icomb + threshold (1-bit result,
 * dequantized to +-1 floats as the output), a last layer's fcomb (float result), or the
 * bpop's raw int32 pair sums (no network has that layer). */
typedef enum Epi { EPI_THRESHOLD, EPI_FCOMB, EPI_PAIRS } Epi;
static const char *const epi_names[] = {"threshold", "fcomb", "pairs"};

/* The epilogue's constants: fcomb's alpha [O, wb] and bias [O]; or icomb's coefficients
 * [O, P] (2^(wb-1-m) 2^(ab-1-n) for pair m ab + n, its bound for `per` elements a row)
 * and threshold's negate flags and one threshold per channel. */
typedef struct EpiC {
    uint32_t c[3];
    int64_t bound;
} EpiC;

static EpiC epi_consts(HbCx *cx, IrModule *m, int64_t O, int wb, int ab, int64_t per, Epi epi)
{
    EpiC e = {{0}, 0};
    int64_t P = wb * ab, d[2] = {O, epi == EPI_FCOMB ? wb : P};
    if (epi == EPI_FCOMB) {
        float *al = malloc((size_t)(O * wb) * sizeof *al), *bi = malloc((size_t)O * sizeof *bi);
        for (int64_t o = 0; o < O; o++) {
            for (int p = 0; p < wb; p++)
                al[o * wb + p] = (1.0f + 0.125f * (float)(o % 7)) / (float)(1 << p);
            bi[o] = 0.01f * (float)(o % 13) - 0.06f;
        }
        e.c[0] = ir_const_f32(cx, m, "alpha", 2, d, al);
        e.c[1] = ir_const_f32(cx, m, "bias", 1, &O, bi);
        free(al);
        free(bi);
    } else if (epi == EPI_THRESHOLD) {
        int32_t *cf = malloc((size_t)(O * P) * sizeof *cf), *th = malloc((size_t)O * sizeof *th);
        int64_t sum = 0; // of a row's coefficients (every row has the same)
        for (int64_t o = 0; o < O; o++) {
            for (int64_t p = 0; p < P; p++)
                cf[o * P + p] = 1 << (wb - 1 - p / ab + ab - 1 - p % ab);
            th[o] = (int32_t)(o % 5) - 2;
        }
        for (int64_t p = 0; p < P; p++)
            sum += cf[p];
        e.c[0] = ir_const_i32(cx, m, "coef", 2, d, cf);
        e.c[1] = ir_const_i32(cx, m, "neg", 1, &O, NULL);
        int64_t td[2] = {O, 1};
        e.c[2] = ir_const_i32(cx, m, "thr", 2, td, th);
        e.bound = sum * per;
        free(cf);
        free(th);
    }
    return e;
}

/* The layer's output after its pair sums y (x: the bits value the bpop read). */
static uint32_t epilogue(HbCx *cx, IrModule *m, uint32_t y, uint32_t x, const EpiC *e, Epi epi,
                         int rank, const int64_t *d)
{
    IrType tf = ir_type_f32(rank, d);
    if (epi == EPI_FCOMB) {
        IrRef a4[4] = {ir_v(y), ir_v(x), ir_c(e->c[0]), ir_c(e->c[1])};
        return ir_emit(cx, m, IR_OP_FCOMB, "y", &tf, a4, 4)->result;
    }
    if (epi == EPI_PAIRS)
        return y;
    IrType ta = ir_type_i32(rank, d), tb = ta;
    IrRef a2[2] = {ir_v(y), ir_c(e->c[0])};
    IrInst *ic = ir_emit(cx, m, IR_OP_ICOMB, "acc", &ta, a2, 2);
    ir_icomb_shift_set(ic)->i[0] = 0;
    ir_icomb_bound_set(ic)->i[0] = e->bound;
    tb.enc = IR_BITS;
    tb.bits = 1;
    tb.scale = IR_SC_UNIT;
    IrRef a3[3] = {ir_v(ic->result), ir_c(e->c[1]), ir_c(e->c[2])};
    IrRef q = ir_v(ir_emit(cx, m, IR_OP_THRESHOLD, "q", &tb, a3, 3)->result);
    return ir_emit(cx, m, IR_OP_DEQUANT, "y", &tf, &q, 1)->result;
}

/* input [C,H,W] (conv) or [C] (dense) -> activation bits (ab planes) -> bpop with wb
 * weight planes (mix: 70/20/10 weights, see mix_weights) -> output. */
static IrModule *layer(HbCx *cx, int64_t C, int64_t H, int64_t O, int k, int wb, int ab, int nk,
                       int mix, Epi epi)
{
    IrModule *m = ir_module_new(cx, "bench");
    bool conv = H > 1;
    int64_t din[3] = {C, H, H};
    IrType ti = ir_type_f32(conv ? 3 : 1, din);
    IrInst *in = ir_emit(cx, m, IR_OP_INPUT, "x", &ti, NULL, 0);
    hb_vec_push(&cx->arena, &m->inputs, in->result);
    uint32_t x = in->result;
    IrType tb = ti;
    tb.enc = IR_BITS;
    tb.bits = (uint8_t)ab;
    IrRef arg = ir_v(x);
    IrInst *q;
    if (ab == 1) {
        tb.scale = IR_SC_UNIT;
        q = ir_emit(cx, m, IR_OP_SIGN, "s", &tb, &arg, 1);
    } else {
        float beta[IR_MAX_BITS];
        for (int n = 0; n < ab; n++)
            beta[n] = 0.5f / (float)(1 << n);
        int64_t nb = ab;
        tb.scale = IR_SC_STATIC;
        tb.scale_const = ir_const_f32(cx, m, "beta", 1, &nb, beta);
        q = ir_emit(cx, m, IR_OP_QUANT, "s", &tb, &arg, 1);
        ir_quant_widths_set(q)->n = 1;
        ir_quant_widths_set(q)->i[0] = ab;
        ir_quant_fracs_set(q)->n = 1;
        ir_quant_fracs_set(q)->f[0] = 1;
    }
    uint32_t s = q->result;
    int64_t dw[4] = {O, C, k, k};
    IrType tw = {.enc = IR_BITS, .bits = (uint8_t)wb, .rank = conv ? 4 : 2, .masked = mix != 0};
    memcpy(tw.d, dw, sizeof dw);
    if (!conv)
        tw.d[1] = C;
    uint32_t w = ir_const_new(cx, m, "w", &tw);
    IrConst *wc = &m->consts.data[w];
    uint64_t per = ir_type_elems(&tw) / (uint64_t)O, seed = 42;
    for (uint64_t r = 0; r < (uint64_t)wb * (uint64_t)O; r++)
        for (uint64_t j = 0; j < wc->wpr; j++) {
            uint64_t valid = per - j * 64 >= 64 ? ~0ull : (1ull << (per - j * 64)) - 1;
            wc->planes[r * wc->wpr + j] = rng(&seed) & valid;
        }
    if (mix)
        mix_weights(wc, (uint64_t)O, per, mix, &seed);
    int64_t P = wb * ab, dout[4] = {P, O, H, H};
    IrType to = ir_type_i32(conv ? 4 : 2, dout);
    IrRef a2[2] = {ir_v(s), ir_c(w)};
    EpiC ec = epi_consts(cx, m, O, wb, ab, (int64_t)per, epi);
    for (int r = 0; r < nk; r++) {
        IrInst *b = ir_emit(cx, m, conv ? IR_OP_BPOP_CONV2D : IR_OP_BPOP_DENSE, "pop", &to, a2, 2);
        if (conv) {
            IrAttr *st = ir_bpop_conv2d_stride_set(b), *pd = ir_bpop_conv2d_pad_set(b);
            IrAttr *dl = ir_bpop_conv2d_dilation_set(b);
            st->n = dl->n = 2;
            st->i[0] = st->i[1] = dl->i[0] = dl->i[1] = 1;
            pd->n = 4;
            for (int i = 0; i < 4; i++)
                pd->i[i] = k / 2;
            ir_bpop_conv2d_groups_set(b)->i[0] = 1;
        }
        uint32_t y = epilogue(cx, m, b->result, s, &ec, epi, conv ? 3 : 1, dout + 1);
        hb_vec_push(&cx->arena, &m->outputs, y);
    }
    return ir_verify(cx, m, "bench") ? m : NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void sym(void *h, const char *name, void *fn)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "bench_cpu: no %s\n", name);
        exit(1);
    }
    memcpy(fn, &p, sizeof p);
}

typedef struct Timing {
    double best, median;
} Timing;

static Timing timing(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    return (Timing){t[0], t[n / 2]};
}

/* A compiled case with nk bpops, loaded, with its buffers for `batch` examples. */
typedef struct Lib {
    char so[32];
    void *h, *ctx;
    RunNFn run;
    DestroyFn destroy;
    float *in;
    int32_t *out;
    uint64_t nout;
    int batch;
} Lib;

static void lib_open(Lib *l, int64_t C, int64_t H, int64_t O, int k, int batch, int wb, int ab,
                     int nk, int threads, int mix, Epi epi)
{
    HbCx cx;
    HbOptions ho = {0};
    cx_init(&cx, &ho);
    IrModule *m = layer(&cx, C, H, O, k, wb, ab, nk, mix, epi);
    snprintf(l->so, sizeof l->so, "/tmp/bench_cpu_XXXXXX.so");
    int fd = mkstemps(l->so, 3);
    if (!m || fd < 0) {
        fprintf(stderr, "bench_cpu: cannot build the case\n");
        exit(1);
    }
    close(fd);
    if (getenv("BENCH_CPU_KEEP")) { // the module as text too (NAME.ir): hbnnc NAME.ir ...
        char ir[sizeof l->so + 1];
        snprintf(ir, sizeof ir, "%.*s.ir", (int)strlen(l->so) - 3, l->so);
        FILE *f = fopen(ir, "w");
        if (f) {
            ir_print(f, m);
            fclose(f);
        }
    }
    BackendOptions bo = {.output = l->so,
                         .name = "bench",
                         .cpu = "native",
                         .opt_level = 3,
                         .kernel = BK_BITSERIAL, // the bit-plane kernels (a threshold
                                                 // epilogue would let W3A3 run int8)
                         .runtime = HBNN_BUILD_RUNTIME};
    if (backend_find("cpu")->emit(&cx, m, &bo) != 0)
        exit(1);
    l->h = dlopen(l->so, RTLD_NOW | RTLD_LOCAL);
    if (!l->h) {
        fprintf(stderr, "bench_cpu: %s\n", dlerror());
        exit(1);
    }
    CreateFn create;
    sym(l->h, "bench_create", &create);
    sym(l->h, "bench_run_n", &l->run);
    sym(l->h, "bench_destroy", &l->destroy);
    uint64_t nin = ir_type_elems(&m->values.data[m->inputs.data[0]].type) * (uint64_t)batch;
    l->nout = ir_type_elems(&m->values.data[m->outputs.data[0]].type) * (uint64_t)batch;
    l->in = malloc(nin * sizeof *l->in);
    l->out = malloc(l->nout * (size_t)nk * sizeof *l->out);
    uint64_t s = 7;
    for (uint64_t j = 0; j < nin; j++)
        l->in[j] = (float)((double)(rng(&s) >> 11) / 9007199254740992.0 * 2 - 1);
    l->ctx = create(threads);
    l->batch = batch;
    cx_destroy(&cx);
}

static double lib_run(Lib *l)
{
    const float *ins[1] = {l->in};
    void *outs[2] = {l->out, l->out + l->nout};
    double t0 = now();
    l->run(l->ctx, ins, outs, l->batch);
    return now() - t0;
}

static void lib_close(Lib *l)
{
    l->destroy(l->ctx);
    dlclose(l->h);
    if (getenv("BENCH_CPU_KEEP")) { // for perf or netbench: keep the library and header
        fprintf(stderr, "bench_cpu: kept %s\n", l->so);
        free(l->in);
        free(l->out);
        return;
    }
    unlink(l->so);
    char hdr[sizeof l->so];
    memcpy(hdr, l->so, sizeof hdr);
    memcpy(hdr + strlen(hdr) - 2, "h", 2);
    unlink(hdr);
    free(l->in);
    free(l->out);
}

/* The popcount bound (popbound.h, the same kernel as bench/popbound), binops/s. */
static double popcount_bound(void)
{
    const char *isa;
    return pb_bound(15, &isa);
}

typedef void (*SgemmFn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                        float, float *, int);

/* OpenBLAS's cblas_sgemm, loaded at run time (so its core type can be chosen first). */
static SgemmFn load_sgemm(int threads)
{
    char nt[16];
    snprintf(nt, sizeof nt, "%d", threads);
    setenv("OPENBLAS_NUM_THREADS", nt, 1);
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    void *p = h ? dlsym(h, "cblas_sgemm") : NULL;
    SgemmFn f = NULL;
    memcpy(&f, &p, sizeof p);
    return p ? f : NULL;
}

/* fp32 C[M x N] = A[M x K] B[K x N], best of 15 (seconds). */
static double time_sgemm(SgemmFn sgemm, int64_t M, int64_t K, int64_t N)
{
    float *a = malloc((size_t)(M * K) * 4), *b = malloc((size_t)(K * N) * 4);
    float *c = malloc((size_t)(M * N) * 4);
    for (int64_t i = 0; i < M * K; i++)
        a[i] = (float)(i % 7) - 3;
    for (int64_t i = 0; i < K * N; i++)
        b[i] = (float)(i % 5) - 2;
    double t[15];
    sgemm(101, 111, 111, (int)M, (int)N, (int)K, 1, a, (int)K, b, (int)N, 0, c, (int)N);
    for (int r = 0; r < 15; r++) {
        double t0 = now();
        sgemm(101, 111, 111, (int)M, (int)N, (int)K, 1, a, (int)K, b, (int)N, 0, c, (int)N);
        t[r] = now() - t0;
    }
    free(a);
    free(b);
    free(c);
    return timing(t, 15).best;
}

typedef struct Bench {
    int threads;
    double bound; // binops/s, best seen so far
    SgemmFn sgemm;
    double w1a1[2];   // this shape's W1A1 layer and bpop times (s)
    const char *only; // run only the shapes whose label contains this (NULL: all)
    Epi epi;          // what the layers end in
} Bench;

#define REPS 21 // runs per library
#define WARM 3  // untimed runs before each

/* One case of a shape: M = O output channels, K = C k k, N = pixels * batch; mix:
 * 70/20/10 weights (1: element groups, 2: channel groups; 3 planes, 1.4 bits on
 * average); its libraries with one and two bpops and their times. */
typedef struct Case {
    int wb, ab, mix;
    Lib l1, l2;
    double t1[REPS], t2[REPS];
} Case;

/* One case's line; its times are also given as ratios to the shape's W1A1 (layer,
 * bpop), measured in the same rounds. */
static void report(Bench *bn, const char *label, int64_t C, int64_t H, int64_t O, int k, int batch,
                   Case *cs)
{
    int wb = cs->wb, ab = cs->ab, mix = cs->mix;
    bool fp32 = wb == 1 && ab == 1 && !mix;
    Timing one = timing(cs->t1, REPS), two = timing(cs->t2, REPS);
    double kern = two.best - one.best;
    double M = (double)O, K = (double)(C * k * k), N = (double)(H * H * batch);
    double ops = M * K * N * (mix ? 1.4 : wb) * ab;
    char pct[16] = "     -", ratio[16] = "     -", rel[24] = "";
    if (bn->bound > 0 && kern > 0)
        snprintf(pct, sizeof pct, "%5.0f%%", 100 * ops / kern / (bn->bound * bn->threads));
    if (fp32 && bn->sgemm)
        snprintf(ratio, sizeof ratio, "%6.1f",
                 time_sgemm(bn->sgemm, (int64_t)M, (int64_t)K, (int64_t)N) / one.best);
    if (fp32) {
        bn->w1a1[0] = one.best;
        bn->w1a1[1] = kern;
    } else if (bn->w1a1[0] > 0 && bn->w1a1[1] > 0)
        snprintf(rel, sizeof rel, " %5.2f %5.2f", one.best / bn->w1a1[0], kern / bn->w1a1[1]);
    char wa[16];
    if (mix)
        snprintf(wa, sizeof wa, "70/20/10%c A%d", mix == 1 ? 'e' : 'c', ab);
    else
        snprintf(wa, sizeof wa, "W%dA%d", wb, ab);
    printf("%-22s %-12s %9.1f %9.1f %9.1f %8.0f %7s %7s%s\n", label, wa, one.best * 1e6,
           one.median * 1e6, kern * 1e6, kern > 0 ? ops / kern * 1e-9 : 0.0, pct, ratio, rel);
    fflush(stdout);
}

/* Every configuration on one shape (W1A1 first: the others' ratios refer to it), their
 * libraries run in rounds, each round every library once in turn, so that every case
 * and the W1A1 its ratios refer to see the same load. */
static void run_shape(Bench *bn, const char *label, int64_t C, int64_t H, int64_t O, int k,
                      int batch)
{
    static const int wa[][3] = {{1, 1, 0}, {1, 2, 0}, {2, 2, 0}, {3, 3, 0}, {3, 1, 1}, {3, 1, 2}};
    enum { NC = sizeof wa / sizeof wa[0] };
    if (bn->only && !strstr(label, bn->only))
        return;
    double bd = popcount_bound();
    bn->bound = bd > bn->bound ? bd : bn->bound;
    bn->w1a1[0] = bn->w1a1[1] = 0;
    Case cs[NC];
    for (int i = 0; i < NC; i++) {
        cs[i] = (Case){.wb = wa[i][0], .ab = wa[i][1], .mix = wa[i][2]};
        lib_open(&cs[i].l1, C, H, O, k, batch, cs[i].wb, cs[i].ab, 1, bn->threads, cs[i].mix,
                 bn->epi);
        lib_open(&cs[i].l2, C, H, O, k, batch, cs[i].wb, cs[i].ab, 2, bn->threads, cs[i].mix,
                 bn->epi);
        lib_run(&cs[i].l1); // warm up
        lib_run(&cs[i].l2);
    }
    // each timed run after WARM untimed ones of the same library: warm caches, as in
    // back-to-back runs
    for (int r = 0; r < REPS; r++)
        for (int i = 0; i < NC; i++) {
            for (int w = 0; w < WARM; w++)
                lib_run(&cs[i].l1);
            cs[i].t1[r] = lib_run(&cs[i].l1);
            for (int w = 0; w < WARM; w++)
                lib_run(&cs[i].l2);
            cs[i].t2[r] = lib_run(&cs[i].l2);
        }
    for (int i = 0; i < NC; i++) {
        lib_close(&cs[i].l1);
        lib_close(&cs[i].l2);
        report(bn, label, C, H, O, k, batch, &cs[i]);
    }
}

/* The shapes: label, C, H (1: dense), O, kernel size, batch. */
typedef struct Shape {
    const char *label;
    int64_t C, H, O;
    int k, batch;
} Shape;
static const Shape shapes[] = {{"256x4096x256 (dense)", 4096, 1, 256, 1, 256},
                               {"conv 64x56x56 3x3", 64, 56, 64, 3, 1},
                               {"conv 128x28x28 3x3", 128, 28, 128, 3, 1},
                               {"conv 256x14x14 3x3", 256, 14, 256, 3, 1},
                               {"conv 512x7x7 3x3", 512, 7, 512, 3, 1}};
enum { NSHAPES = sizeof shapes / sizeof shapes[0] };

/* [threads [shape]] [--epilogue=E]; false (after a message) on anything else, or on a
 * shape filter that matches no shape. */
static bool parse_args(int argc, char **argv, Bench *bn)
{
    static const char usage[] = "usage: bench_cpu [threads [shape]] "
                                "[--epilogue=threshold|fcomb|pairs]\n";
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "--epilogue=", 11)) {
            int e = -1;
            for (int j = 0; j < (int)(sizeof epi_names / sizeof *epi_names); j++)
                e = !strcmp(a + 11, epi_names[j]) ? j : e;
            if (e < 0) {
                fprintf(stderr, "bench_cpu: --epilogue=threshold|fcomb|pairs, not '%s'\n", a + 11);
                return false;
            }
            bn->epi = (Epi)e;
        } else if (a[0] == '-' || pos == 2) {
            fprintf(stderr, "bench_cpu: unexpected argument '%s'\n%s", a, usage);
            return false;
        } else if (pos++ == 0) {
            char *end;
            long t = strtol(a, &end, 10);
            if (*end || t < 1 || t > 256) {
                fprintf(stderr, "bench_cpu: threads must be 1 to 256, not '%s'\n%s", a, usage);
                return false;
            }
            bn->threads = (int)t;
        } else
            bn->only = a;
    }
    for (int i = 0; bn->only && i < NSHAPES; i++)
        if (strstr(shapes[i].label, bn->only))
            return true;
    if (bn->only) {
        fprintf(stderr, "bench_cpu: no shape's label contains '%s'; the shapes:\n", bn->only);
        for (int i = 0; i < NSHAPES; i++)
            fprintf(stderr, "  %s\n", shapes[i].label);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    Bench bn = {.threads = 1};
    if (!parse_args(argc, argv, &bn))
        return 2;
    bn.sgemm = load_sgemm(bn.threads);
    bn.bound = popcount_bound();
    printf("bench_cpu: %d thread(s); best/median of %d in us (a shape's libraries in turn); "
           "popcount bound %.0f Gbinops/s per thread; OpenBLAS sgemm %s; epilogue %s\n",
           bn.threads, REPS, bn.bound * 1e-9, bn.sgemm ? "loaded" : "not found", epi_names[bn.epi]);
    printf("%-22s %-12s %9s %9s %9s %8s %7s %7s %s\n", "case (MxKxN)", "W/A", "layer", "median",
           "kernel", "Gbinop/s", "%bound", "x sgemm", "xW1A1 (layer kernel)");
    for (int i = 0; i < NSHAPES; i++) {
        const Shape *h = &shapes[i];
        run_shape(&bn, h->label, h->C, h->H, h->O, h->k, h->batch);
    }
    return 0;
}
