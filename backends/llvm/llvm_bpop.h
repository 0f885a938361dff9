// SPDX-License-Identifier: MIT
/* llvm_bpop.h: the bit-plane kernels' shared types, private to backends/llvm: a layer's
 * geometry (BGeo), its repacked weights (WKern) and one generated kernel's state (Kern),
 * and the functions the three files of the kernels call across: llvm_bpop.c (weights,
 * tiles, the word loop, the kernel functions), llvm_bpop_pack.c (the input's packing)
 * and llvm_bpop_store.c (a tile's stores and its fused epilogues). */
#ifndef HBNN_LLVM_BPOP_H
#define HBNN_LLVM_BPOP_H

#include "llvm_gen.h"

#define LANES 8

typedef struct BGeo {
    int64_t C, H, W, G, cg, og, O, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl;
    int64_t T, CW, OB; // taps, channel words per group, 8-channel blocks per group
    int kw_planes, kx;
    /* A channel group's kernel (group channel layers): its og output channels are rows
     * rows[0..og) of the weights, each of width kw_planes (NULL: all rows, in order). */
    const int64_t *rows;
} BGeo;

/* The weight constant in the kernels' layout: sign planes and masks as 8-lane words,
 * and the popcount of each (plane, block, tap) mask per lane. full[m]: mask m is all
 * ones on every row's valid bits (always for m = 0, docs/ir.md §2; every m unmasked). */
typedef struct WKern {
    LLVMValueRef c, mask, pc, zc; // zc: what a zero activation word adds to acc, per tap
    bool full[IR_MAX_BITS];
} WKern;

#define MAXE 8 // columns per register tile

/* How a masked-input kernel counts popcount(A) of pair (m, n), A = weight mask m &
 * activation mask n (pa_plan): in the word loop, from the weight mask popcount table
 * (n = 0: every activation has width >= 1), or from the input's per-pixel count of the
 * elements of width > n (weight mask m full on every row: the same in every lane). */
typedef enum PaFrom { PA_LOOP, PA_WTAB, PA_XCNT } PaFrom;

typedef struct Kern {
    const BGeo *b;
    WKern w;
    GTier tier;
    LLVMTypeRef v8, v64b; // <8 x i64>, <64 x i8>
    LLVMValueRef xp, xm;  // packed input, with a zero column at word zcol
    int64_t zcol;
    /* Neither weights nor input are masked: count popcount(c ^ d) with no mask (the
     * padding bits are 0 in both) and S = valid - 2 acc. */
    bool nomask;
    /* nomask with an even cg: a tap outside the input counts cg/2 (the zero column's
     * table less cg/2, a row outside adds kw cg/2), so every column's pair sum is
     * T cg - 2 acc with no per-column valid count, and a threshold epilogue compares
     * the combined acc with (T cg sum(coef) - t) / 2 rounded down, a table made at
     * compile time: half = cg/2, else 0. */
    int64_t half;
    /* A `group channel` width's kernel on a masked input (every weight mask full): pair
     * (m, n) counts popcount((c ^ d) & amask_n), n = 0 with no AND (every activation has
     * width >= 1; a column outside takes popcount(c) back), and S = xn_n - 2 acc. */
    bool pwm;
    int P, E;             // plane pairs, columns per tile
    bool split;           // conv rows: border columns one per tile, then interior tiles
    LLVMValueRef W, OW;   // input width and output columns (dense: the block's examples)
    int64_t ocol, os, ps; // output element strides: column, output channel, pair
    LLVMValueRef out;     // i32 output (pair sums)
    /* A channel group's kernel: lane l of block ob is output channel chan[8 ob + l]
     * (i64 table); the pair sums of the planes it does not have stay 0 (the output has
     * a workspace region of its own, zeroed by NAME_create: g_plan_exclusive), or, when
     * the output is the caller's buffer (zpairs: the output's pairs), are zeroed by
     * zero_missing (conv) or zero_dense before the kernels run. */
    LLVMValueRef chan;
    LLVMValueRef npair; // a block with narrower channels: the pairs lane 8 ob + l stores
    int zpairs;         // in place: the output's pairs (else 0)
    int *wid;           // a group channel layer: each output channel's width (else NULL)
    bool bytes;         // byte accumulators (AVX2 / AVX-512BW), flushed by psadbw
    int flush;          // bytes: 0 after the tile, 1 after each tap, 2 every 31 words
    // per (pair p, column e) at p E + e: accumulators, byte accumulators, pa's
    LLVMValueRef acc[IR_MAX_BITS * IR_MAX_BITS * MAXE], acc8[IR_MAX_BITS * IR_MAX_BITS * MAXE];
    LLVMValueRef pa[IR_MAX_BITS * IR_MAX_BITS * MAXE], pa8[IR_MAX_BITS * IR_MAX_BITS * MAXE];
    LLVMValueRef ntap[MAXE]; // nomask, half 0: the valid elements read so far per column
    /* Masked input: where each pair's popcount(A) comes from, and xc the count of the
     * elements of width > n in each output's window (count_masks). */
    unsigned char pa_from[IR_MAX_BITS * IR_MAX_BITS];
    LLVMValueRef xc;
    LLVMValueRef xn[IR_MAX_BITS * MAXE]; // PA_XCNT pairs' popcount(A): i64 per (n, column)
    /* Threshold in the tile epilogue (g_plan_epilogue): out is the packed words of the
     * next convolution's input ([pixel][plane][channel word]); per 8-channel block the
     * coefficients with the threshold's sign folded in, and the threshold tree. */
    int ek;               // its planes (0: no epilogue, store the pair sums)
    bool eone;            // every folded coefficient is 1 (a single plane pair)
    LLVMValueRef ecoef;   // [G OB][P][8] i64
    LLVMValueRef ethr;    // [G OB][2^ek - 1][8] i64
    int64_t eCW, eOW;     // the destination's channel words and width
    int64_t psh, psw, pH; // a maxpool after it: its strides (0: none) and height
    /* A multi-bit pool: each code's rank (ir_code_ranks; code 0 has rank 0, so the zeroed
     * words are the lowest code): the tile keeps the pooled code of larger rank. */
    bool ecodes;
    int erank[1 << BPOP_EPI_MAX_BITS];
    /* Into [flatten ->] dequant: out is f32 [O][pixels] (eHW apart), each code's level
     * (dequant's float) stored, or a pool's max of them. */
    bool edq;
    /* Or out is the threshold's code bytes [O][OH][OW], as `threshold` stores them (its
     * readers are not all bit-serial convolutions: g_epilogues' `codes`). */
    bool ebytes;
    /* A `group channel` width's kernel writing packed words: its lanes' channels are not
     * 8 in a row, so per block eS segments (i64 triples in eseg: the channel word, the
     * first lane, the deposit mask: lanes sorted by channel, a segment's lanes are one
     * word's, in bit order) place each plane's 8 bits by a bit deposit (pdep) into the
     * zeroed words (or a pool's OR; a code pool gathers the pooled code by pext). */
    LLVMValueRef eseg;
    int eS;
    const IrConst *eicomb, *eneg, *ethrc; // the icomb's coefficients, the threshold's
    int64_t eHW;
    float elevel[1 << BPOP_EPI_MAX_BITS];
    /* fcomb [+ batchnorm] in the tile epilogue (g_plan_epilogue, a float destination):
     * out is the f32 result; per 8-channel block the weight scales α (f64, one vector
     * per weight plane), the bias and the batch-norm scale and shift (f64); beta this
     * example's activation scales (f32[Kx], an argument of the kernel function). */
    bool ef, ebn;
    uint32_t edest;                             // the value it writes
    LLVMValueRef ealpha, ebias, escale, eshift; // [G OB][Kw][8], [G OB][8] f64
    LLVMValueRef beta;
} Kern;

/* llvm_bpop.c: a kernel's vector helpers and a tile's pair sums. */
LLVMValueRef bpop_splat(G *g, const Kern *k, LLVMValueRef v);
LLVMValueRef bpop_vload(G *g, const Kern *k, LLVMValueRef base, LLVMValueRef word);
LLVMBasicBlockRef bpop_lane_begin(G *g, const Kern *k, LLVMValueRef oi);
void bpop_lane_end(G *g, LLVMBasicBlockRef ln);
LLVMValueRef bpop_col_valid(G *g, const Kern *k, int e);
LLVMValueRef bpop_pair_sum(G *g, const Kern *k, int p, int e, LLVMValueRef valid);

/* llvm_bpop_pack.c: the input packed once per layer into channel words. */
void bpop_pack_image(G *g, const BGeo *b, const GVal *x, const IrType *xt, LLVMValueRef xp,
                     LLVMValueRef xm, bool sign);
void bpop_pack_input(G *g, const BGeo *b, const GVal *x, const IrType *xt, LLVMValueRef xp,
                     LLVMValueRef xm);

/* llvm_bpop_store.c: a tile's results (pair sums, or a fused epilogue's) and the
 * epilogues' tables. */
void bpop_store_tile(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                     LLVMValueRef pos0);
void bpop_store_rows(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                     LLVMValueRef pos0);
void bpop_store_epi(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                    LLVMValueRef oy, bool rows);
void bpop_store_fepi(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                     LLVMValueRef oy, bool rows);
void bpop_epi_setup(G *g, Kern *k, uint32_t dest);
void bpop_epi_tables(G *g, Kern *k, const char *sfx);
void bpop_epi_float_setup(G *g, Kern *k, uint32_t dest);
void bpop_epi_float_tables(G *g, Kern *k, uint32_t dest, const char *sfx);

#endif
