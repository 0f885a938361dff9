// SPDX-License-Identifier: MIT
/* llvm_par.c: how an outlined kernel's units of work are split across the threads.
 * A split costs a fork and a join (microseconds in a VM), so each thread gets at least
 * PAR_MIN_CYCLES of the layer's estimated work: a layer too small for two such shares
 * calls its kernel directly, a bigger one passes hbrt_par the minimum units per thread.
 * Called by llvm_bpop.c and llvm_float_conv.c with their cost estimates. */
#include <math.h>

#include "llvm_gen.h"

/* About 6 us at 3.5 GHz: a fork-join round trip of spinning workers is 1-2 us here. At
 * 30 000 the VGG-style network's bit-serial layers (estimated 59 000 cycles, measured
 * about 19 us each) were never split: 20 000 took its W1A1 run at batch 1 on 2 threads
 * from 101 to 81 us, W1A2 from 160 to 136; MobileNet's, whose extra split is a
 * depthwise int8 layer, within +-3% (docs/performance.md). */
#define PAR_MIN_CYCLES 20000.0

int64_t g_par_grain(int64_t n, double cycles)
{
    double per_unit = n > 0 ? cycles / (double)n : 0;
    double grain = per_unit > 0 ? ceil(PAR_MIN_CYCLES / per_unit) : (double)n;
    return grain < 1 ? 1 : grain > (double)n ? n : (int64_t)grain;
}

void g_par(G *g, LLVMValueRef fn, LLVMValueRef args, int64_t n, double cycles)
{
    int64_t grain = g_par_grain(n, cycles);
    if (n < 2 * grain) { // one thread's share: no fork
        // kept out of line: per-layer profiles (bench/run) attribute samples by kernel name
        static const char noinline[] = "noinline";
        unsigned kind = LLVMGetEnumAttributeKindForName(noinline, sizeof noinline - 1);
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(g->C, kind, 0));
        LLVMValueRef dargs[] = {args, g_i64(g, 0), g_i64(g, n)};
        LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64};
        LLVMBuildCall2(g->b, LLVMFunctionType(g->vd, ps, 3, 0), fn, dargs, 3, "");
        return;
    }
    LLVMValueRef cargs[] = {g->par, fn, args, g_i64(g, n), g_i64(g, grain)};
    LLVMTypeRef cps[] = {g->ptr, g->ptr, g->ptr, g->i64, g->i64};
    g_call(g, "hbrt_par", g->vd, cps, 5, cargs);
}

/* 64-bit word pairs (AND/XOR + popcount + accumulate) per cycle of one core by tier:
 * the binop rates of llvm_cost.c over 64. */
double g_words_per_cycle(const G *g)
{
    static const double w[] = {
            [TIER_SCALAR] = 1.2, [TIER_AVX2] = 1.8, [TIER_AVX512BW] = 3.7, [TIER_VPOPCNT] = 10};
    return w[g->tier];
}
