// SPDX-License-Identifier: MIT
/* bench_cpu.c: the CPU backend's bit-plane layers, end to end through a generated
 * library (cpu.md §5, "whole-layer"): for each shape and W/A bitwidth it builds a
 * one-layer IR module (input -> sign or static quant -> bpop -> output pair sums),
 * compiles it with --target cpu for the host (--cpu native, -O3), loads it with dlopen
 * and times NAME_run_n: best and median of 15 runs, in us and Gbinops/s
 * (M K N wbits abits / t). The time includes quantizing and packing the float input
 * and storing the int32 pair sums. Run by hand (see bench/README.md):
 *   ./build/bench/bench_cpu [threads]          (taskset -c N to pin one thread) */
#define _DEFAULT_SOURCE // mkstemps
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ir.h"

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

/* input [C,H,W] (conv) or [C] (dense) -> activation bits (ab planes) -> bpop with wb
 * weight planes -> output. */
static IrModule *layer(HbCx *cx, int64_t C, int64_t H, int64_t O, int k, int wb, int ab)
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
    IrType tw = {.enc = IR_BITS, .bits = (uint8_t)wb, .rank = conv ? 4 : 2};
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
    int64_t P = wb * ab, dout[4] = {P, O, H, H};
    IrType to = ir_type_i32(conv ? 4 : 2, dout);
    IrRef a2[2] = {ir_v(s), ir_c(w)};
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
    hb_vec_push(&cx->arena, &m->outputs, b->result);
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

/* One case: M = O output channels, K = C k k, N = pixels * batch. */
static void run_case(const char *label, int64_t C, int64_t H, int64_t O, int k, int batch, int wb,
                     int ab, int threads)
{
    HbCx cx;
    HbOptions ho = {0};
    cx_init(&cx, &ho);
    IrModule *m = layer(&cx, C, H, O, k, wb, ab);
    char so[] = "/tmp/bench_cpu_XXXXXX.so";
    int fd = mkstemps(so, 3);
    if (!m || fd < 0) {
        fprintf(stderr, "bench_cpu: cannot build the case\n");
        exit(1);
    }
    BackendOptions bo = {.output = so,
                         .name = "bench",
                         .cpu = "native",
                         .opt_level = 3,
                         .runtime = HBNN_BUILD_RUNTIME};
    if (backend_find("cpu")->emit(&cx, m, &bo) != 0)
        exit(1);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    CreateFn create;
    RunNFn run;
    DestroyFn destroy;
    sym(h, "bench_create", &create);
    sym(h, "bench_run_n", &run);
    sym(h, "bench_destroy", &destroy);
    uint64_t nin = ir_type_elems(&m->values.data[m->inputs.data[0]].type) * (uint64_t)batch;
    uint64_t nout = ir_type_elems(&m->values.data[m->outputs.data[0]].type) * (uint64_t)batch;
    float *in = malloc(nin * sizeof *in);
    int32_t *out = malloc(nout * sizeof *out);
    uint64_t s = 7;
    for (uint64_t j = 0; j < nin; j++)
        in[j] = (float)((double)(rng(&s) >> 11) / 9007199254740992.0 * 2 - 1);
    void *ctx = create(threads);
    const float *ins[1] = {in};
    void *outs[1] = {out};
    double t[15];
    run(ctx, ins, outs, batch); // warm up
    for (int r = 0; r < 15; r++) {
        double t0 = now();
        run(ctx, ins, outs, batch);
        t[r] = now() - t0;
    }
    qsort(t, 15, sizeof *t, cmp);
    double ops = (double)O * (double)(C * k * k) * (double)(H * H * batch) * wb * ab;
    printf("%-22s W%dA%d  %9.1f us best  %9.1f us median  %7.1f Gbinops/s\n", label, wb, ab,
           t[0] * 1e6, t[7] * 1e6, ops / t[0] * 1e-9);
    destroy(ctx);
    dlclose(h);
    unlink(so);
    char hdr[sizeof so];
    memcpy(hdr, so, sizeof so);
    memcpy(hdr + strlen(hdr) - 2, "h", 2);
    unlink(hdr);
    close(fd);
    free(in);
    free(out);
    cx_destroy(&cx);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    static const int wa[][2] = {{1, 1}, {1, 2}, {2, 2}, {3, 3}};
    printf("bench_cpu: whole layer (quantize + pack + bit-plane kernel), %d thread(s)\n", threads);
    for (int i = 0; i < 4; i++)
        run_case("256x4096x256 (dense)", 4096, 1, 256, 1, 256, wa[i][0], wa[i][1], threads);
    static const int64_t conv[][2] = {{64, 56}, {128, 28}, {256, 14}, {512, 7}};
    for (int c = 0; c < 4; c++) {
        char label[64];
        snprintf(label, sizeof label, "conv %lldx%lldx%lld 3x3", (long long)conv[c][0],
                 (long long)conv[c][1], (long long)conv[c][1]);
        for (int i = 0; i < 4; i += 2)
            run_case(label, conv[c][0], conv[c][1], conv[c][0], 3, 1, wa[i][0], wa[i][1], threads);
    }
    return 0;
}
