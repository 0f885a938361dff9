// SPDX-License-Identifier: MIT
/* llvm_int8.h: int8 kernels for bpop layers (llvm_int8.c) and the cost model that picks
 * them (llvm_cost.c); docs/cpu-backend.md "int8 kernels and the cost model". Internal to
 * backends/llvm/. */
#ifndef HB_LLVM_INT8_H
#define HB_LLVM_INT8_H

#include "llvm_gen.h"

/* What the target can do, from --cpu (native: the host's feature string). */
typedef struct CpuIsa {
    bool avx2, avx512, vpopcntdq; // bit-serial tiers
    bool vnni512, avxvnni;        // vpdpbusd on zmm (AVX512-VNNI) / ymm (AVX-VNNI)
    const char *name;             // the tier the cost model assumed, for --explain
} CpuIsa;

CpuIsa llvm_cpu_isa(const char *cpu);

/* A bpop layer that runs as an int8 dot product, fused with the icomb that reads it:
 * acc_o = g_o * sum_j W_oj A_j with W_oj = sum_m u_om s_mj (weight plane signs, 0
 * where masked out) and A_j = sum_n v_n s_nj (activation plane signs, 0 where masked
 * out); this equals sum_p coef_op S_p exactly because coef_o,mn = g_o u_om v_n. */
typedef struct Int8Plan {
    uint32_t icomb;         // the icomb instruction the kernel computes
    int kw, kx;             // weight / activation planes
    int32_t v[IR_MAX_BITS]; // activation level of plane n
    int32_t *u;             // [O][kw] weight level of plane m in row o
    int32_t *gs;            // [O] the row's common factor
} Int8Plan;

/* The plan per instruction: (*plans)[k] non-NULL for each bpop k that runs int8 (as
 * o->kernel and the cost model say), (*dws)[k] for each that runs bit-sliced
 * (llvm_dwbits.c). False after an error (--kernel int8 on a layer that cannot take it). */
bool llvm_int8_plan(HbCx *cx, const IrModule *m, const BackendOptions *o, Int8Plan ***plans,
                    bool **dws);

/* Generate the current bpop instruction (and its icomb) as an int8 kernel. */
void gen_int8_bpop(G *g, const Int8Plan *p);
/* A depthwise convolution (groups = C = O, stride <= 4) runs with pixels in the lanes
 * (llvm_dw.c): gen_int8_bpop's int8 kernel, writing the icomb's result `out`, or on the
 * bit-serial path gen_dw_pairs, writing the pair sums, when dw_pair_bits (the bits of
 * one digit, 0: the kx activation planes' digits do not fit an i32) is not 0. */
bool int8_depthwise(const IrWindow *w);
void gen_int8_dw(G *g, const Int8Plan *p, const IrWindow *w, LLVMValueRef out);
int dw_pair_bits(const IrWindow *w, int kx);
void gen_dw_pairs(G *g, const IrWindow *w, int r);
/* Estimated cycles per example of a depthwise kernel: int8 (r = 0) or pair sums with
 * digits of r bits and `planes` weight planes per channel on average (dw_planes of the
 * weights c: C channels of T taps). */
double dw_cycles(const IrWindow *w, int kx, int r, double planes, bool avx512);
double dw_planes(const IrConst *c, int64_t C, int64_t T);
/* The current icomb was computed by an int8 bpop kernel: nothing left to do. */
bool gen_int8_icomb_done(G *g);

/* wid[r] = the width of weight row r (`per` elements) when every row has one (a `group
 * channel` layer: per-channel kernels without masks, llvm_bpop.c); false otherwise. */
bool bpop_row_widths(const IrConst *c, int64_t per, int *wid);
/* Its channels widest first in blocks of 8 at their widest channel's width (llvm_bpop.c). */
int64_t bpop_width_blocks(const int *wid, int64_t O, int bits, int64_t *rows, int64_t *ends);

#endif
