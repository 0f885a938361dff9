// SPDX-License-Identifier: MIT
/* check_llvm.c: the CPU backend (--target cpu) against the reference interpreter on the
 * interpreter's random test networks (random_nets.h): each network is compiled to a
 * shared library for a rotating ISA tier (x86-64-v2/v3/v4, native) at -O0 and -O3,
 * loaded with dlopen and run with batch 1 and 7, 1 and 2 threads. Integer outputs must
 * match bit for bit, float outputs within 1e-5 relative (docs/ir.md §7). Under ASan both
 * rounds are -O0 (opt_level): the code the sanitizers check runs the same at every level. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "backend.h"
#include "interp.h"
#include "lower.h"
#include "random_nets.h"
#include "test_util.h"

typedef void *(*CreateFn)(int);
typedef int (*RunNFn)(void *, const float *const *, void *const *, int);
typedef void (*DestroyFn)(void *);

static const char *const cpus[] = {"x86-64-v2", "x86-64-v3", "x86-64-v4", "native"};

/* NAME_what from the library into *fn (POSIX: a data pointer converts to a function
 * pointer; memcpy says so without a pedantic cast). */
static void lookup(void *h, const char *name, const char *what, void *fn, size_t size)
{
    char sym[256];
    snprintf(sym, sizeof sym, "%s_%s", name, what);
    void *p = dlsym(h, sym);
    ck_assert_msg(p && size == sizeof p, "no %s", sym);
    memcpy(fn, &p, sizeof p);
}

/* Compile `m` to a library, run `batch` examples of `in` with `threads` threads into
 * out (floats, or int32 for i32 outputs, as the ABI says). */
static void run_so(const IrModule *m, const char *cpu, int opt, const char *tag, const float *in,
                   int batch, int threads, void *out)
{
    const char *so = hbt_tmp_path(arena_printf(&hbt_cx->arena, "llvm_%s.so", tag));
    BackendOptions bo = {.output = so,
                         .name = m->name,
                         .cpu = cpu,
                         .opt_level = opt,
                         .runtime = HBNN_BUILD_RUNTIME};
    ck_assert_msg(backend_find("cpu")->emit(hbt_cx, m, &bo) == 0, "emit: %s", hbt_diags());
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h, "dlopen: %s", dlerror());
    CreateFn create;
    RunNFn run;
    DestroyFn destroy;
    lookup(h, m->name, "create", &create, sizeof create);
    lookup(h, m->name, "run_n", &run, sizeof run);
    lookup(h, m->name, "destroy", &destroy, sizeof destroy);
    ck_assert(create && run && destroy);
    void *ctx = create(threads);
    ck_assert(ctx);
    const float *ins[1] = {in};
    void *outs[1] = {out};
    ck_assert_int_eq(run(ctx, ins, outs, batch), 0);
    destroy(ctx);
    dlclose(h);
}

/* Element-wise comparison of one batch: returns the number of elements that differ
 * beyond the contract (integers: at all; floats: 1e-5 relative). */
static int compare(const IrModule *m, const float *want, const void *got, int batch)
{
    const IrType *t = &m->values.data[m->outputs.data[0]].type;
    uint64_t n = ir_type_elems(t) * (uint64_t)batch;
    int bad = 0;
    for (uint64_t j = 0; j < n; j++) {
        if (t->enc == IR_I32) {
            bad += ((const int32_t *)got)[j] != (int32_t)want[j];
            continue;
        }
        double a = want[j], b = ((const float *)got)[j];
        double tol = 1e-5 * fmax(fabs(a), fabs(b));
        if (!(fabs(a - b) <= tol)) {
            if (bad < 5)
                fprintf(stderr, "element %llu: interpreter %.9g, library %.9g\n",
                        (unsigned long long)j, a, b);
            bad++;
        }
    }
    return bad;
}

/* Round c's -O level: -O3 then -O0. Under ASan, LLVM's optimizer (not instrumented, but
 * its mallocs go through ASan's allocator) would be most of the suite's time, and hbnnc's
 * own code runs the same at every level: -O3 is checked by the -Werror build, whose
 * object code is the same bytes (e2e_opts in e2e/cpu/compare.sh does the same). */
static int opt_level(int c)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)c;
    return 0;
#else
    return c ? 0 : 3;
#endif
}

static void check_random(int kind, int i)
{
    char src[2048];
    uint64_t seed = hbt_random_net(kind, i, src, sizeof src);
    Graph *g = hbt_graph(src, NULL);
    hbt_bind_random(g, seed);
    LowerOptions lo = {.act_scales = hbt_static_scales(g, seed)};
    IrModule *m = lower_graph(hbt_cx, g, &lo, NULL);
    ck_assert_msg(m, "lowering: %s", hbt_diags());
    ck_assert_int_eq(m->outputs.len, 1);
    enum { BATCH = 7 };
    uint64_t nin = ir_type_elems(&m->values.data[m->inputs.data[0]].type);
    uint64_t nout = interp_out_elems(m);
    float *in = arena_calloc(&hbt_cx->arena, nin * BATCH, sizeof(float));
    float *want = arena_calloc(&hbt_cx->arena, nout * BATCH, sizeof(float));
    float *got = arena_calloc(&hbt_cx->arena, nout * BATCH, sizeof(float));
    uint64_t s = seed ^ 0x5555;
    for (uint64_t j = 0; j < nin * BATCH; j++)
        in[j] = (float)(hbt_urand(&s) * 2 - 1);
    ck_assert(interp_run_batch(hbt_cx, m, in, BATCH, want, NULL));
    char tag[64];
    for (int c = 0; c < 2; c++) {
        const char *cpu = cpus[(i + 2 * c) % 4];
        int opt = opt_level(c);
        snprintf(tag, sizeof tag, "k%d_%d_%d", kind, i, c);
        run_so(m, cpu, opt, tag, in, BATCH, 2 - c, got);
        ck_assert_msg(compare(m, want, got, BATCH) == 0, "%s -O%d, batch 7, %d threads:\n%s", cpu,
                      opt, 2 - c, src);
        memset(got, 0, nout * BATCH * sizeof(float));
        run_so(m, cpu, opt, tag, in + nin * 3, 1, 1 + c, got);
        ck_assert_msg(compare(m, want + nout * 3, got, 1) == 0, "%s -O%d, batch 1:\n%s", cpu, opt,
                      src);
    }
}

START_TEST(test_llvm_mlp)
{
    check_random(0, _i);
}
END_TEST

START_TEST(test_llvm_cnn)
{
    check_random(1, _i);
}
END_TEST

START_TEST(test_llvm_concat)
{
    check_random(2, _i);
}
END_TEST

/* HBNN_SOAK=N (scripts/soak): N times as many random networks, the extra ones new
 * shape/spec combinations with new seeds; unset or invalid, the suite's own count. */
static int soak(int n)
{
    const char *e = getenv("HBNN_SOAK");
    long k = e ? strtol(e, NULL, 10) : 1;
    return k > 1 && k <= 1000 ? n * (int)k : n;
}

Suite *suite_llvm(void)
{
    Suite *s = suite_create("llvm");
    TCase *tc = tcase_create("random");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_llvm_mlp, 0, soak(16));
    tcase_add_loop_test(tc, test_llvm_cnn, 0, soak(16));
    tcase_add_loop_test(tc, test_llvm_concat, 0, soak(8));
    suite_add_tcase(s, tc);
    return s;
}
