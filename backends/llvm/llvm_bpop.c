// SPDX-License-Identifier: MIT
/* llvm_bpop.c: the bit-plane kernels of the CPU backend, bpop_dense and bpop_conv2d
 * (docs/ir.md §4 pair sums), after cpu.md §4: output channels in vector lanes
 * (<8 x i64>, one 64-bit channel word of 8 output channels per vector; llvm.ctpop on it is
 * vpopcntq on AVX-512 VPOPCNTDQ), each activation word broadcast to all lanes, masks as
 * one extra AND (none when neither side is masked: S = valid - 2 popcount(c ^ d)), register
 * tiles of E columns (conv: output pixels of a row; dense: the examples of a block) per weight
 * load with per-plane-pair accumulators, direct convolution over the packed input with exact
 * padding (rows outside the input are skipped; a column outside reads a zero word and its
 * contribution is taken back from a compile-time table). Weights are repacked at compile time
 * into read-only data [Kw][G][O/8][tap][channel word][8]; the input is packed once per layer
 * into channel words [G][H][W][Kx][words] (a dense layer is a 1x1 convolution whose columns
 * are the examples of the block). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "llvm_gen.h"
#include "llvm_int8.h"

#define B     g->b
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

/* The weights of kernel b in its layout; `masked`: with their masks and mask popcounts
 * (a channel group's or an unmasked layer's kernel reads neither). */
static WKern repack(G *g, const IrConst *k, const BGeo *b, bool masked)
{
    uint64_t rows = b->rows ? (uint64_t)b->og : (uint64_t)k->type.d[0];
    uint64_t all = (uint64_t)k->type.d[0], per = (uint64_t)(b->cg * b->T);
    uint64_t nblk = (uint64_t)(b->kw_planes * b->G * b->OB * b->T);
    uint64_t nw = nblk * (uint64_t)b->CW * LANES;
    uint64_t *c = calloc(nw, 8), *mk = calloc(nw, 8), *pc = calloc(nblk * LANES, 8);
    uint64_t *zc = calloc(nblk * LANES, 8);
    HB_CHECK(c && mk && pc && zc, "out of memory");
    bool full[IR_MAX_BITS] = {false};
    for (int m = 0; m < b->kw_planes; m++)
        full[m] = true;
    for (int m = 0; m < b->kw_planes; m++)
        for (uint64_t o = 0; o < rows; o++) {
            int64_t grp = (int64_t)o / b->og, oi = (int64_t)o % b->og;
            int64_t ob = oi / LANES, l = oi % LANES;
            uint64_t r = b->rows ? (uint64_t)b->rows[o] : o;
            for (uint64_t j = 0; j < per; j++) {
                uint64_t src = ((uint64_t)m * all + r) * k->wpr + j / 64;
                int bit = (int)((k->planes[src] >> (j % 64)) & 1);
                int mbit = k->masks ? (int)((k->masks[src] >> (j % 64)) & 1) : 1;
                int64_t ci = (int64_t)j / b->T, t = (int64_t)j % b->T;
                int64_t blk = ((m * b->G + grp) * b->OB + ob) * b->T + t;
                uint64_t at = ((uint64_t)(blk * b->CW + ci / 64)) * LANES + (uint64_t)l;
                c[at] |= (uint64_t)bit << (ci % 64);
                mk[at] |= (uint64_t)mbit << (ci % 64);
                full[m] &= mbit != 0;
                pc[(uint64_t)blk * LANES + (uint64_t)l] += (uint64_t)mbit;
            }
        }
    // a zero activation word counts popcount(c ^ 0), or popcount(~c & M) when masked
    for (uint64_t blk = 0; blk < nblk; blk++)
        for (uint64_t wd = 0; wd < (uint64_t)b->CW; wd++)
            for (uint64_t l = 0; l < LANES; l++) {
                uint64_t at = (blk * (uint64_t)b->CW + wd) * LANES + l;
                uint64_t v = masked ? ~c[at] & mk[at] : c[at];
                zc[blk * LANES + l] += (uint64_t)__builtin_popcountll(v);
            }
    Arena *a = &g->cx->arena;
    const char *nm = b->rows ? arena_printf(a, "%s.w%d", k->name, b->kw_planes) : k->name;
    WKern w = {.c = g_words(g, arena_printf(a, "k.%s", nm), c, nw),
               .zc = g_words(g, arena_printf(a, "kz.%s", nm), zc, nblk * LANES)};
    memcpy(w.full, full, sizeof full);
    if (masked) {
        w.mask = g_words(g, arena_printf(a, "km.%s", nm), mk, nw);
        w.pc = g_words(g, arena_printf(a, "kp.%s", nm), pc, nblk * LANES);
    }
    free(c);
    free(mk);
    free(pc);
    free(zc);
    return w;
}

static LLVMValueRef splat8(G *g, int v)
{
    LLVMValueRef e[64];
    for (int i = 0; i < 64; i++)
        e[i] = LLVMConstInt(g->i8, (unsigned long long)v, 0);
    return LLVMConstVector(e, 64);
}

/* 64 contiguous elements from e0 into the words[n] (and masks[n]) variables: plane n's
 * bit of each sign byte, and width > n. */
static void pack_word64(G *g, const BGeo *b, const GVal *x, const IrType *xt, LLVMValueRef e0,
                        LLVMValueRef *words, LLVMValueRef *masks)
{
    LLVMTypeRef v = LLVMVectorType(g->i8, 64);
    LLVMValueRef s = LLVMBuildLoad2(B, v, g_gep(g, g->i8, x->p, e0), "");
    LLVMSetAlignment(s, 1);
    LLVMValueRef wd = NULL;
    if (xt->masked) {
        wd = LLVMBuildLoad2(B, v, g_gep(g, g->i8, x->w, e0), "");
        LLVMSetAlignment(wd, 1);
    }
    for (int n = 0; n < b->kx; n++) {
        LLVMValueRef bit = LLVMBuildAnd(B, s, splat8(g, 1 << n), "");
        LLVMValueRef on = LLVMBuildICmp(B, LLVMIntNE, bit, LLVMConstNull(v), "");
        LLVMBuildStore(B, LLVMBuildBitCast(B, on, g->i64, ""), words[n]);
        if (!masks[n])
            continue;
        LLVMValueRef act = LLVMBuildICmp(B, LLVMIntUGT, wd, splat8(g, n), "");
        LLVMBuildStore(B, LLVMBuildBitCast(B, act, g->i64, ""), masks[n]);
    }
}

/* 64 lanes (bytes, or floats when et is f32) of the plane image from element e0 (only
 * the first rem are read). */
static LLVMValueRef load64(G *g, LLVMValueRef base, LLVMValueRef e0, LLVMValueRef lanes,
                           LLVMTypeRef et)
{
    LLVMTypeRef v = LLVMVectorType(et, 64), v1 = LLVMVectorType(g->i1, 64);
    LLVMTypeRef ps[] = {g->ptr, g->i32, v1, v};
    LLVMValueRef a[] = {g_gep(g, et, base, e0), g_i32(g, et == g->f32 ? 4 : 1), lanes,
                        LLVMConstNull(v)};
    LLVMTypeRef ov[] = {v, g->ptr};
    unsigned id = LLVMLookupIntrinsicID("llvm.masked.load", 16);
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(g->M, id, ov, 2);
    return LLVMBuildCall2(B, LLVMFunctionType(v, ps, 4, 0), f, a, 4, "");
}

/* Conv inputs ([C][H][W] sign bytes): 64 pixels x up to 64 channels at a time, a bit
 * transpose in 64 x i64 lanes (one masked OR per channel per 8 lanes), so the packing
 * costs about one vector op per 8 elements instead of a loop per element. `sign`: x
 * holds floats and the bit is x > 0 (a sign producer packing for convolutions). */
static void pack_image(G *g, const BGeo *b, const GVal *x, const IrType *xt, LLVMValueRef xp,
                       LLVMValueRef xm, bool sign)
{
    int64_t HW = b->H * b->W, NP = (HW + 63) / 64;
    LLVMTypeRef v64 = LLVMVectorType(g->i64, 64), v8 = LLVMVectorType(g->i8, 64);
    LLVMValueRef iota[64];
    for (int i = 0; i < 64; i++)
        iota[i] = g_i64(g, i);
    GLoop lg, lw, lp, lc, lj;
    LLVMValueRef grp = g_loop_begin(g, &lg, g_i64(g, b->G), "pg");
    LLVMValueRef w = g_loop_begin(g, &lw, g_i64(g, b->CW), "pw");
    LLVMValueRef left = LLVMBuildSub(B, g_i64(g, b->cg), g_mulk(g, w, 64), "");
    LLVMValueRef cnt = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, left, g_i64(g, 64), ""),
                                       left, g_i64(g, 64), "");
    LLVMValueRef p0 = g_mulk(g, g_loop_begin(g, &lp, g_i64(g, NP), "pp"), 64);
    LLVMValueRef rl = LLVMBuildSub(B, g_i64(g, HW), p0, "");
    LLVMValueRef rem = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, rl, g_i64(g, 64), ""), rl,
                                       g_i64(g, 64), "");
    LLVMValueRef remv = LLVMBuildInsertElement(B, LLVMGetUndef(v64), rem, g_i32(g, 0), "");
    remv = LLVMBuildShuffleVector(B, remv, LLVMGetUndef(v64),
                                  LLVMConstNull(LLVMVectorType(g->i32, 64)), "");
    LLVMValueRef lanes = LLVMBuildICmp(B, LLVMIntSLT, LLVMConstVector(iota, 64), remv, "");
    LLVMValueRef acc[IR_MAX_BITS], macc[IR_MAX_BITS];
    for (int n = 0; n < b->kx; n++) {
        acc[n] = g_var(g, v64, LLVMConstNull(v64));
        macc[n] = xm ? g_var(g, v64, LLVMConstNull(v64)) : NULL;
    }
    LLVMValueRef c = g_loop_begin(g, &lc, cnt, "pc");
    LLVMValueRef ch = g_add(g, g_add(g, g_mulk(g, grp, b->cg), g_mulk(g, w, 64)), c);
    LLVMValueRef e0 = g_add(g, g_mulk(g, ch, HW), p0);
    LLVMValueRef sv = load64(g, x->p, e0, lanes, sign ? g->f32 : g->i8);
    LLVMValueRef wv = xt->masked ? load64(g, x->w, e0, lanes, g->i8) : NULL;
    LLVMValueRef cv = LLVMBuildInsertElement(B, LLVMGetUndef(v64), c, g_i32(g, 0), "");
    cv = LLVMBuildShuffleVector(B, cv, LLVMGetUndef(v64), LLVMConstNull(LLVMVectorType(g->i32, 64)),
                                "");
    for (int n = 0; n < b->kx; n++) {
        LLVMValueRef on =
                sign ? LLVMBuildFCmp(B, LLVMRealOGT, sv, LLVMConstNull(LLVMTypeOf(sv)), "")
                     : LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, sv, splat8(g, 1 << n), ""),
                                     LLVMConstNull(v8), "");
        LLVMValueRef bit = LLVMBuildShl(B, LLVMBuildZExt(B, on, v64, ""), cv, "");
        LLVMBuildStore(B, LLVMBuildOr(B, LLVMBuildLoad2(B, v64, acc[n], ""), bit, ""), acc[n]);
        if (!xm)
            continue;
        LLVMValueRef act = LLVMBuildICmp(B, LLVMIntUGT, wv, splat8(g, n), "");
        bit = LLVMBuildShl(B, LLVMBuildZExt(B, act, v64, ""), cv, "");
        LLVMBuildStore(B, LLVMBuildOr(B, LLVMBuildLoad2(B, v64, macc[n], ""), bit, ""), macc[n]);
    }
    g_loop_end(g, &lc);
    LLVMValueRef j = g_loop_begin(g, &lj, rem, "pj");
    LLVMValueRef pix = g_add(g, g_add(g, g_mulk(g, grp, HW), p0), j);
    for (int n = 0; n < b->kx; n++) {
        LLVMValueRef at = g_add(g, g_mulk(g, g_addk(g, g_mulk(g, pix, b->kx), n), b->CW), w);
        LLVMValueRef v = LLVMBuildLoad2(B, v64, acc[n], "");
        g_store(g, g->i64, xp, at, LLVMBuildExtractElement(B, v, j, ""));
        if (xm)
            g_store(g, g->i64, xm, at,
                    LLVMBuildExtractElement(B, LLVMBuildLoad2(B, v64, macc[n], ""), j, ""));
    }
    g_loop_end(g, &lj);
    g_loop_end(g, &lp);
    g_loop_end(g, &lw);
    g_loop_end(g, &lg);
}

/* Pack x (one sign byte per element, [C, H, W]) into channel words
 * xp[((g H + y) W + x) Kx + n][CW] (and the width masks when x is masked). Dense blocks
 * call it once per example with xp moved to the example's column. */
static void pack_input(G *g, const BGeo *b, const GVal *x, const IrType *xt, LLVMValueRef xp,
                       LLVMValueRef xm)
{
    GLoop lg, ly, lx, lw, lb;
    LLVMValueRef grp = g_loop_begin(g, &lg, g_i64(g, b->G), "pg");
    LLVMValueRef y = g_loop_begin(g, &ly, g_i64(g, b->H), "py");
    LLVMValueRef xx = g_loop_begin(g, &lx, g_i64(g, b->W), "px");
    LLVMValueRef w = g_loop_begin(g, &lw, g_i64(g, b->CW), "pw");
    LLVMValueRef pix = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, b->H), y), b->W), xx);
    LLVMValueRef words[IR_MAX_BITS], masks[IR_MAX_BITS];
    for (int n = 0; n < b->kx; n++) {
        words[n] = g_var(g, g->i64, g_i64(g, 0));
        masks[n] = xm ? g_var(g, g->i64, g_i64(g, 0)) : NULL;
    }
    // channels w*64 .. min(64, cg - w*64) of this group
    LLVMValueRef left = LLVMBuildSub(B, g_i64(g, b->cg), g_mulk(g, w, 64), "");
    LLVMValueRef cnt = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, left, g_i64(g, 64), ""),
                                       left, g_i64(g, 64), "");
    LLVMBasicBlockRef fast = NULL, slow = NULL, done = NULL;
    if (b->H * b->W == 1) { // contiguous channels: 64 at a time (vptestmb / vpmovmskb)
        fast = LLVMAppendBasicBlockInContext(g->C, g->fn, "pack.fast");
        slow = LLVMAppendBasicBlockInContext(g->C, g->fn, "pack.slow");
        done = LLVMAppendBasicBlockInContext(g->C, g->fn, "pack.done");
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntEQ, cnt, g_i64(g, 64), ""), fast, slow);
        LLVMPositionBuilderAtEnd(B, fast);
        pack_word64(g, b, x, xt, g_add(g, g_mulk(g, grp, b->cg), g_mulk(g, w, 64)), words, masks);
        LLVMBuildBr(B, done);
        LLVMPositionBuilderAtEnd(B, slow);
    }
    LLVMValueRef bi = g_loop_begin(g, &lb, cnt, "pb");
    LLVMValueRef ch = g_add(g, g_add(g, g_mulk(g, grp, b->cg), g_mulk(g, w, 64)), bi);
    LLVMValueRef e = g_add(g, g_mulk(g, g_add(g, g_mulk(g, ch, b->H), y), b->W), xx);
    LLVMValueRef s = LLVMBuildZExt(B, g_load(g, g->i8, x->p, e), g->i64, "");
    LLVMValueRef wd = xt->masked ? LLVMBuildZExt(B, g_load(g, g->i8, x->w, e), g->i64, "") : NULL;
    for (int n = 0; n < b->kx; n++) {
        LLVMValueRef bit = LLVMBuildAnd(B, LLVMBuildLShr(B, s, g_i64(g, n), ""), g_i64(g, 1), "");
        LLVMValueRef cur = LLVMBuildLoad2(B, g->i64, words[n], "");
        LLVMBuildStore(B, LLVMBuildOr(B, cur, LLVMBuildShl(B, bit, bi, ""), ""), words[n]);
        if (!xm)
            continue;
        LLVMValueRef act =
                LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntSGT, wd, g_i64(g, n), ""), g->i64, "");
        cur = LLVMBuildLoad2(B, g->i64, masks[n], "");
        LLVMBuildStore(B, LLVMBuildOr(B, cur, LLVMBuildShl(B, act, bi, ""), ""), masks[n]);
    }
    g_loop_end(g, &lb);
    if (done) {
        LLVMBuildBr(B, done);
        LLVMPositionBuilderAtEnd(B, done);
    }
    for (int n = 0; n < b->kx; n++) {
        LLVMValueRef at = g_add(g, g_mulk(g, g_addk(g, g_mulk(g, pix, b->kx), n), b->CW), w);
        g_store(g, g->i64, xp, at, LLVMBuildLoad2(B, g->i64, words[n], ""));
        if (xm)
            g_store(g, g->i64, xm, at, LLVMBuildLoad2(B, g->i64, masks[n], ""));
    }
    g_loop_end(g, &lw);
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
    g_loop_end(g, &lg);
}

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
     * zero_missing (conv) or stored as 0 by store_group (dense). */
    LLVMValueRef chan;
    LLVMValueRef npair; // a block with narrower channels: the pairs lane 8 ob + l stores
    int zpairs;         // in place: the output's pairs (else 0)
    int *wid;           // a group channel layer: each output channel's width (else NULL)
    bool bytes;         // byte accumulators (AVX2 / AVX-512BW), flushed by psadbw
    int flush;          // bytes: 0 after the tile, 1 after each tap, 2 every 31 words
    // per (pair p, column e) at p E + e: accumulators, byte accumulators, pa's
    LLVMValueRef acc[IR_MAX_BITS * IR_MAX_BITS * MAXE], acc8[IR_MAX_BITS * IR_MAX_BITS * MAXE];
    LLVMValueRef pa[IR_MAX_BITS * IR_MAX_BITS * MAXE], pa8[IR_MAX_BITS * IR_MAX_BITS * MAXE];
    LLVMValueRef ntap[MAXE]; // nomask: the valid elements read so far per column
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

static LLVMValueRef splat(G *g, const Kern *k, LLVMValueRef v)
{
    LLVMValueRef undef = LLVMGetUndef(k->v8);
    LLVMValueRef ins = LLVMBuildInsertElement(B, undef, v, g_i32(g, 0), "");
    LLVMValueRef zeros = LLVMConstNull(LLVMVectorType(g->i32, LANES));
    return LLVMBuildShuffleVector(B, ins, undef, zeros, "");
}

static LLVMValueRef vload(G *g, const Kern *k, LLVMValueRef base, LLVMValueRef word)
{
    LLVMValueRef p = g_gep(g, g->i64, base, g_mulk(g, word, LANES));
    LLVMValueRef v = LLVMBuildLoad2(B, k->v8, p, "");
    LLVMSetAlignment(v, 64);
    return v;
}

static LLVMValueRef ld(G *g, LLVMTypeRef t, LLVMValueRef var)
{
    return LLVMBuildLoad2(B, t, var, "");
}

/* Per-lane popcount: vpopcntq, or (scalar tier) one popcnt per lane. */
static LLVMValueRef vpop(G *g, const Kern *k, LLVMValueRef v)
{
    LLVMTypeRef t = k->v8;
    if (k->tier != TIER_SCALAR)
        return g_call(g, "llvm.ctpop.v8i64", t, &t, 1, &v);
    LLVMValueRef r = LLVMGetUndef(t);
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef e = LLVMBuildExtractElement(B, v, g_i32(g, l), "");
        e = g_call(g, "llvm.ctpop.i64", g->i64, &g->i64, 1, &e);
        r = LLVMBuildInsertElement(B, r, e, g_i32(g, l), "");
    }
    return r;
}

/* var += popcount(v): into the byte accumulator var8 (at most 8 per byte per step) or
 * into the 64-bit lanes. */
static void vacc(G *g, const Kern *k, LLVMValueRef var, LLVMValueRef var8, LLVMValueRef v)
{
    if (k->bytes) {
        LLVMTypeRef t = k->v64b;
        LLVMValueRef b = LLVMBuildBitCast(B, v, t, "");
        b = g_call(g, "llvm.ctpop.v64i8", t, &t, 1, &b);
        LLVMBuildStore(B, LLVMBuildAdd(B, ld(g, t, var8), b, ""), var8);
        return;
    }
    LLVMBuildStore(B, LLVMBuildAdd(B, ld(g, k->v8, var), vpop(g, k, v), ""), var);
}

/* The 8-byte sums of a byte accumulator as <8 x i64> (vpsadbw against zero). */
static LLVMValueRef widen(G *g, const Kern *k, LLVMValueRef v8)
{
    if (k->tier == TIER_AVX512BW) {
        LLVMTypeRef ps[] = {k->v64b, k->v64b};
        LLVMValueRef a[] = {v8, LLVMConstNull(k->v64b)};
        return g_call(g, "llvm.x86.avx512.psad.bw.512", k->v8, ps, 2, a);
    }
    LLVMTypeRef h = LLVMVectorType(g->i8, 32), q = LLVMVectorType(g->i64, 4);
    LLVMValueRef half[2];
    for (int i = 0; i < 2; i++) {
        LLVMValueRef idx[32];
        for (int j = 0; j < 32; j++)
            idx[j] = g_i32(g, 32 * i + j);
        LLVMValueRef a[] = {
                LLVMBuildShuffleVector(B, v8, LLVMGetUndef(k->v64b), LLVMConstVector(idx, 32), ""),
                LLVMConstNull(h)};
        half[i] = g_call(g, "llvm.x86.avx2.psad.bw", q, (LLVMTypeRef[]){h, h}, 2, a);
    }
    LLVMValueRef idx[8];
    for (int j = 0; j < 8; j++)
        idx[j] = g_i32(g, j);
    return LLVMBuildShuffleVector(B, half[0], half[1], LLVMConstVector(idx, 8), "");
}

/* Move the byte accumulators into the 64-bit ones. */
static void flush(G *g, const Kern *k)
{
    for (int i = 0; i < k->P * k->E; i++)
        for (int j = 0; j < (k->xm && k->pa_from[i / k->E] == PA_LOOP ? 2 : 1); j++) {
            LLVMValueRef v = j ? k->pa[i] : k->acc[i], v8 = j ? k->pa8[i] : k->acc8[i];
            LLVMValueRef s = widen(g, k, ld(g, k->v64b, v8));
            LLVMBuildStore(B, LLVMBuildAdd(B, ld(g, k->v8, v), s, ""), v);
            LLVMBuildStore(B, LLVMConstNull(k->v64b), v8);
        }
}

/* One word w of one tap for every column: broadcast each column's activation words,
 * load each weight plane once, accumulate every plane pair. */
static void word_step(G *g, Kern *k, LLVMValueRef *col, LLVMValueRef blk0, LLVMValueRef w)
{
    const BGeo *b = k->b;
    int64_t mstride = b->G * b->OB * b->T;
    LLVMValueRef c[IR_MAX_BITS], mk[IR_MAX_BITS];
    for (int m = 0; m < b->kw_planes; m++) {
        LLVMValueRef word = g_add(g, g_mulk(g, g_addk(g, blk0, m * mstride), b->CW), w);
        c[m] = vload(g, k, k->w.c, word);
        // a full weight mask adds nothing to the activation mask's AND
        mk[m] = k->nomask || k->pwm || (k->xm && k->w.full[m]) ? NULL
                                                               : vload(g, k, k->w.mask, word);
    }
    // each activation word broadcast right before its uses: one live at a time
    for (int n = 0; n < b->kx; n++)
        for (int e = 0; e < k->E; e++) {
            LLVMValueRef at = g_add(g, g_addk(g, col[e], n * b->CW), w);
            LLVMValueRef d = splat(g, k, g_load(g, g->i64, k->xp, at));
            bool amask = k->xm && !(k->pwm && n == 0); // activation mask 0 is all valid
            LLVMValueRef dm = amask ? splat(g, k, g_load(g, g->i64, k->xm, at)) : NULL;
            for (int m = 0; m < b->kw_planes; m++) {
                int i = (m * b->kx + n) * k->E + e;
                LLVMValueRef x = LLVMBuildXor(B, c[m], d, "");
                if (k->pwm) { // the disagreements among the elements of width > n
                    vacc(g, k, k->acc[i], k->acc8[i], dm ? LLVMBuildAnd(B, x, dm, "") : x);
                    continue;
                }
                if (k->nomask) {
                    vacc(g, k, k->acc[i], k->acc8[i], x);
                    continue;
                }
                LLVMValueRef A = !dm ? mk[m] : mk[m] ? LLVMBuildAnd(B, mk[m], dm, "") : dm;
                vacc(g, k, k->acc[i], k->acc8[i], LLVMBuildAnd(B, LLVMBuildNot(B, x, ""), A, ""));
                if (dm && k->pa_from[m * b->kx + n] == PA_LOOP)
                    vacc(g, k, k->pa[i], k->pa8[i], A);
            }
        }
}

/* The words of one tap, in chunks of 31 when byte accumulators must be flushed inside. */
static void tap_words(G *g, Kern *k, LLVMValueRef *col, LLVMValueRef blk0)
{
    int64_t CW = k->b->CW, L = k->flush == 2 ? 31 : CW, nch = (CW + L - 1) / L;
    GLoop lc, lw;
    LLVMValueRef ch = g_loop_begin(g, &lc, g_i64(g, nch), "wc");
    LLVMValueRef left = LLVMBuildSub(B, g_i64(g, CW), g_mulk(g, ch, L), "");
    LLVMValueRef cnt = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, left, g_i64(g, L), ""), left,
                                       g_i64(g, L), "");
    LLVMValueRef i = g_loop_begin(g, &lw, nch == 1 ? g_i64(g, CW) : cnt, "w");
    word_step(g, k, col, blk0, g_add(g, g_mulk(g, ch, L), i));
    g_loop_end(g, &lw);
    if (k->bytes && k->flush == 2)
        flush(g, k);
    g_loop_end(g, &lc);
    if (k->bytes && k->flush == 1)
        flush(g, k);
}

/* After a tap: columns that read the zero word take back its contribution; the valid
 * counts (nomask) or mask popcounts (masked weights: the table of the columns that were
 * inside, ok NULL: every column was; masked input: pa_from) added. */
static void tap_fix(G *g, Kern *k, LLVMValueRef *ok, LLVMValueRef blk0)
{
    const BGeo *b = k->b;
    int64_t mstride = b->G * b->OB * b->T;
    LLVMValueRef in[MAXE];
    for (int e = 0; e < k->E; e++)
        in[e] = ok ? ok[e] : LLVMConstInt(g->i1, 1, 0);
    for (int m = 0; m < b->kw_planes; m++) {
        LLVMValueRef at = g_addk(g, blk0, m * mstride);
        LLVMValueRef zc = (k->xm && !k->pwm) || !ok ? NULL : vload(g, k, k->w.zc, at);
        bool tab = k->xm ? k->pa_from[m * b->kx] == PA_WTAB : !k->nomask;
        LLVMValueRef pc = tab ? vload(g, k, k->w.pc, at) : NULL;
        for (int n = 0; n < b->kx; n++)
            for (int e = 0; e < k->E; e++) {
                int i = (m * b->kx + n) * k->E + e;
                if (k->pwm && n > 0)
                    continue; // the zero column's activation masks are 0
                if (k->xm && !k->pwm && k->pa_from[m * b->kx + n] != PA_WTAB)
                    continue; // counted in the word loop, or in xn
                if (zc) {
                    LLVMValueRef a = ld(g, k->v8, k->acc[i]);
                    LLVMValueRef sub = LLVMBuildSub(B, a, zc, "");
                    LLVMBuildStore(B, LLVMBuildSelect(B, in[e], a, sub, ""), k->acc[i]);
                }
                if (pc) {
                    LLVMValueRef a = ld(g, k->v8, k->pa[i]);
                    LLVMValueRef add = LLVMBuildAdd(B, a, pc, "");
                    LLVMBuildStore(B, LLVMBuildSelect(B, in[e], add, a, ""), k->pa[i]);
                }
            }
    }
    for (int e = 0; k->nomask && e < k->E; e++) {
        LLVMValueRef n = ld(g, g->i64, k->ntap[e]);
        LLVMValueRef add = LLVMBuildSelect(B, in[e], g_i64(g, b->cg), g_i64(g, 0), "");
        LLVMBuildStore(B, g_add(g, n, add), k->ntap[e]);
    }
}

/* Lane l of block ob stores only if it is a channel of the group (oi < og): when the
 * group's last block is partial, a branch around the lane's stores, closed by lane_end
 * with the block lane_begin returns (NULL: no branch). */
static LLVMBasicBlockRef lane_begin(G *g, const Kern *k, LLVMValueRef oi)
{
    if (k->b->og % LANES == 0)
        return NULL;
    LLVMBasicBlockRef ls = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
    LLVMBasicBlockRef ln = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.next");
    LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, k->b->og), ""), ls, ln);
    LLVMPositionBuilderAtEnd(B, ls);
    return ln;
}

static void lane_end(G *g, LLVMBasicBlockRef ln)
{
    if (ln) {
        LLVMBuildBr(B, ln);
        LLVMPositionBuilderAtEnd(B, ln);
    }
}

/* Column e's valid-element count in every lane (unmasked kernels), else NULL. */
static LLVMValueRef col_valid(G *g, const Kern *k, int e)
{
    return k->nomask ? splat(g, k, LLVMBuildLoad2(B, g->i64, k->ntap[e], "")) : NULL;
}

/* Pair p's sum of column e as i64 lanes: 2 acc - popcount(A), or valid - 2 acc when
 * neither side is masked (valid from col_valid). */
static LLVMValueRef pair_sum(G *g, const Kern *k, int p, int e, LLVMValueRef valid)
{
    int i = p * k->E + e;
    LLVMValueRef a = ld(g, k->v8, k->acc[i]);
    a = LLVMBuildAdd(B, a, a, "");
    if (k->nomask)
        return LLVMBuildSub(B, valid, a, "");
    if (k->pwm) // disagreements counted: the elements of width > n less twice them
        return LLVMBuildSub(B, splat(g, k, ld(g, g->i64, k->xn[p % k->b->kx * k->E + e])), a, "");
    bool xn = k->xm && k->pa_from[p] == PA_XCNT;
    LLVMValueRef pa = xn ? splat(g, k, ld(g, g->i64, k->xn[p % k->b->kx * k->E + e]))
                         : ld(g, k->v8, k->pa[i]);
    return LLVMBuildSub(B, a, pa, "");
}

/* Column e of a channel group's tile: its pair sums (pair_sum), lane l stored at
 * its channel chan[8 ob + l] (the pairs of planes its channels lack are never written:
 * they stay 0). Scalar stores: a masked scatter (vpscatterqd) is several times slower. */
static void store_group(G *g, const Kern *k, LLVMValueRef pos, int e, LLVMValueRef ob)
{
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    LLVMValueRef valid = col_valid(g, k, e);
    LLVMValueRef S[IR_MAX_BITS * IR_MAX_BITS];
    for (int p = 0; p < k->P; p++)
        S[p] = LLVMBuildTrunc(B, pair_sum(g, k, p, e, valid), v8i32, "");
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
        LLVMBasicBlockRef ln = lane_begin(g, k, oi);
        LLVMValueRef at =
                g_add(g, pos, LLVMBuildMul(B, g_load(g, g->i64, k->chan, oi), g_i64(g, k->os), ""));
        LLVMValueRef np = k->npair ? g_load(g, g->i64, k->npair, oi) : NULL;
        bool branch = np && !k->zpairs; // else a lane's missing planes store 0
        LLVMBasicBlockRef end =
                branch ? LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.end") : NULL;
        for (int p = 0; p < k->P; p++) {
            if (branch && p && p % k->b->kx == 0) { // a plane this lane's channel may not have
                LLVMBasicBlockRef more = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.plane");
                LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, g_i64(g, p), np, ""), more, end);
                LLVMPositionBuilderAtEnd(B, more);
            }
            LLVMValueRef v = LLVMBuildExtractElement(B, S[p], g_i32(g, l), "");
            if (np && !branch && p >= k->b->kx)
                v = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, g_i64(g, p), np, ""), v,
                                    g_i32(g, 0), "");
            g_store(g, g->i32, k->out, g_addk(g, at, p * k->ps), v);
        }
        for (int p = k->P; p < k->zpairs; p++) // the planes no channel of the block has
            g_store(g, g->i32, k->out, g_addk(g, at, p * k->ps), g_i32(g, 0));
        lane_end(g, end);
        lane_end(g, ln);
    }
}

/* The 8 x 8 transpose of the rows r[0..8) (<8 x i32>): row l becomes lane l of every
 * row (3 stages of block swaps, 24 two-source shuffles). */
static void transpose8(G *g, LLVMValueRef *r)
{
    for (int h = LANES / 2; h >= 1; h /= 2)
        for (int i = 0; i < LANES; i++) {
            if (i & h)
                continue;
            LLVMValueRef ma[LANES], mb[LANES];
            for (int j = 0; j < LANES; j++) {
                ma[j] = g_i32(g, j & h ? LANES + j - h : j);
                mb[j] = g_i32(g, j & h ? LANES + j : j + h);
            }
            LLVMValueRef a =
                    LLVMBuildShuffleVector(B, r[i], r[i + h], LLVMConstVector(ma, LANES), "");
            r[i + h] = LLVMBuildShuffleVector(B, r[i], r[i + h], LLVMConstVector(mb, LANES), "");
            r[i] = a;
        }
}

/* Row l of a transposed tile (its E columns in the first lanes) stored at dst: one
 * store, or E < 8 a masked store of the first E lanes (one vmovdqu32). */
static void store_row(G *g, const Kern *k, LLVMValueRef row, LLVMValueRef dst)
{
    if (k->E == LANES) {
        LLVMSetAlignment(LLVMBuildStore(B, row, dst), 4);
        return;
    }
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    LLVMTypeRef ps[] = {v8i32, g->ptr, g->i32, LLVMVectorType(g->i1, LANES)};
    LLVMValueRef first[LANES];
    for (int e = 0; e < LANES; e++)
        first[e] = LLVMConstInt(g->i1, e < k->E, 0);
    LLVMValueRef args[] = {row, dst, g_i32(g, 4), LLVMConstVector(first, LANES)};
    g_call(g, "llvm.masked.store.v8i32.p0", g->vd, ps, 4, args);
}

/* The pair sums of a tile whose E (>= 4: fewer columns do not pay for the 8 x 8
 * transpose) columns are all output columns, contiguous in
 * the output (a convolution's interior tile): transposed so that each channel's E
 * columns of each pair are one vector store instead of E lane extracts and stores. */
static void store_rows(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                       LLVMValueRef pos0)
{
    const BGeo *b = k->b;
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    LLVMValueRef T[IR_MAX_BITS * IR_MAX_BITS][LANES];
    for (int p = 0; p < k->P; p++) {
        LLVMValueRef r[LANES];
        for (int e = 0; e < LANES; e++) {
            if (e >= k->E) {
                r[e] = LLVMGetUndef(v8i32);
                continue;
            }
            r[e] = LLVMBuildTrunc(B, pair_sum(g, k, p, e, col_valid(g, k, e)), v8i32, "");
        }
        transpose8(g, r);
        for (int l = 0; l < LANES; l++)
            T[p][l] = r[l];
    }
    LLVMValueRef pos = g_add(g, pos0, g_mulk(g, t0, k->ocol));
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
        LLVMBasicBlockRef end = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.end");
        if (b->og % LANES) { // the group's last block is partial
            LLVMBasicBlockRef ls = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
            LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, b->og), ""), ls, end);
            LLVMPositionBuilderAtEnd(B, ls);
        }
        LLVMValueRef o =
                k->chan ? g_load(g, g->i64, k->chan, oi) : g_add(g, g_mulk(g, grp, b->og), oi);
        LLVMValueRef at = g_add(g, pos, g_mulk(g, o, k->os));
        LLVMValueRef np = k->npair ? g_load(g, g->i64, k->npair, oi) : NULL;
        for (int p = 0; p < k->P; p++) {
            if (np && p && p % b->kx == 0) { // a plane this lane's channel may not have
                LLVMBasicBlockRef more = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.plane");
                LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, g_i64(g, p), np, ""), more, end);
                LLVMPositionBuilderAtEnd(B, more);
            }
            store_row(g, k, T[p][l], g_gep(g, g->i32, k->out, g_addk(g, at, p * k->ps)));
        }
        LLVMBuildBr(B, end);
        LLVMPositionBuilderAtEnd(B, end);
    }
}

/* S = 2 acc - popcount(A) (or valid - 2 acc) per pair and column; lane l is output
 * channel g og + ob 8 + l; column e's sums start at element pos0 + e ocol. */
static void store_tile(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                       LLVMValueRef pos0)
{
    const BGeo *b = k->b;
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    bool vec = b->og % LANES == 0 && k->os == 1;
    LLVMValueRef o0 = g_add(g, g_mulk(g, grp, b->og), g_mulk(g, ob, LANES));
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef colv = g_addk(g, t0, e);
        LLVMBasicBlockRef st = LLVMAppendBasicBlockInContext(g->C, g->fn, "col");
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(g->C, g->fn, "col.next");
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, colv, k->OW, ""), st, next);
        LLVMPositionBuilderAtEnd(B, st);
        if (k->chan) {
            store_group(g, k, g_add(g, pos0, g_mulk(g, colv, k->ocol)), e, ob);
            LLVMBuildBr(B, next);
            LLVMPositionBuilderAtEnd(B, next);
            continue;
        }
        LLVMValueRef pos = g_add(g, g_add(g, pos0, g_mulk(g, colv, k->ocol)), g_mulk(g, o0, k->os));
        LLVMValueRef valid = col_valid(g, k, e);
        for (int p = 0; p < k->P; p++) {
            LLVMValueRef S = pair_sum(g, k, p, e, valid);
            S = LLVMBuildTrunc(B, S, v8i32, "");
            LLVMValueRef at = g_addk(g, pos, p * k->ps);
            if (vec) {
                LLVMValueRef s = LLVMBuildStore(B, S, g_gep(g, g->i32, k->out, at));
                LLVMSetAlignment(s, 4);
                continue;
            }
            for (int l = 0; l < LANES; l++) {
                LLVMBasicBlockRef ls = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
                LLVMBasicBlockRef ln = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.next");
                LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
                LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, b->og), ""), ls, ln);
                LLVMPositionBuilderAtEnd(B, ls);
                g_store(g, g->i32, k->out, g_addk(g, at, l * k->os),
                        LLVMBuildExtractElement(B, S, g_i32(g, l), ""));
                LLVMBuildBr(B, ln);
                LLVMPositionBuilderAtEnd(B, ln);
            }
        }
        LLVMBuildBr(B, next);
        LLVMPositionBuilderAtEnd(B, next);
    }
}

/* The thresholds of node j = 2^m - 1 + code at level m, chosen per lane by the bits so
 * far (bit 0 is the code's most significant): a tree of selects. */
static LLVMValueRef tree_thr(G *g, const LLVMValueRef *th, const LLVMValueRef *bit, int m)
{
    LLVMValueRef c[1 << (BPOP_EPI_MAX_BITS - 1)];
    int n = 1 << m;
    for (int i = 0; i < n; i++)
        c[i] = th[n - 1 + i];
    for (int i = 0; i < m; i++) {
        n /= 2;
        for (int q = 0; q < n; q++)
            c[q] = LLVMBuildSelect(B, bit[i], c[n + q], c[q], "");
    }
    return c[0];
}

/* Per lane, c[code] for the code whose plane m bit is bit[m] (a tree of selects over
 * the per-code constants, highest plane first). */
static LLVMValueRef code_pick(G *g, const Kern *k, LLVMValueRef *c, const LLVMValueRef *bit)
{
    for (int m = k->ek - 1; m >= 0; m--)
        for (int q = 0; q < 1 << m; q++)
            c[q] = LLVMBuildSelect(B, bit[m], c[q + (1 << m)], c[q], "");
    return c[0];
}

/* Per lane, the rank of the code whose plane m bit is bit[m]. */
static LLVMValueRef code_rank(G *g, const Kern *k, const LLVMValueRef *bit)
{
    LLVMValueRef c[1 << BPOP_EPI_MAX_BITS];
    for (int s = 0; s < 1 << k->ek; s++)
        c[s] = splat(g, k, g_i64(g, k->erank[s]));
    return code_pick(g, k, c, bit);
}

/* Into dequant: per lane the code's level (a float), stored at channel o0 + l, pixel
 * `pix` of out, or its max with the pooled value there (the max of levels is the level
 * of the code of largest rank: ranks are the levels' order). Lane l of block ob. */
static void store_levels(G *g, const Kern *k, LLVMValueRef ob, LLVMValueRef o0, LLVMValueRef pix,
                         const LLVMValueRef *bit)
{
    LLVMValueRef c[1 << BPOP_EPI_MAX_BITS];
    for (int s = 0; s < 1 << k->ek; s++) {
        LLVMValueRef f[LANES];
        for (int l = 0; l < LANES; l++)
            f[l] = LLVMConstReal(g->f32, k->elevel[s]);
        c[s] = LLVMConstVector(f, LANES);
    }
    LLVMValueRef lv = code_pick(g, k, c, bit);
    for (int l = 0; l < LANES; l++) {
        LLVMBasicBlockRef ln = lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
        LLVMValueRef at = g_add(g, g_mulk(g, g_addk(g, o0, l), k->eHW), pix);
        LLVMValueRef v = LLVMBuildExtractElement(B, lv, g_i32(g, l), "");
        if (k->psh) {
            LLVMValueRef cur = g_load(g, g->f32, k->out, at);
            v = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, v, cur, ""), v, cur, "");
        }
        g_store(g, g->f32, k->out, at, v);
        lane_end(g, ln);
    }
}

/* A multi-bit pool: the pooled code so far (its planes' bytes at `at`, plane stride
 * `ps` bytes) is replaced, lane by lane, by the new code `bit` where that ranks higher;
 * equal ranks are equal codes, so the window's order does not matter. */
static void max_codes(G *g, const Kern *k, LLVMValueRef at, int64_t ps, LLVMValueRef *bit)
{
    LLVMTypeRef v1 = LLVMVectorType(LLVMInt1TypeInContext(g->C), LANES);
    LLVMValueRef cur[BPOP_EPI_MAX_BITS];
    for (int m = 0; m < k->ek; m++)
        cur[m] = LLVMBuildBitCast(B, g_load(g, g->i8, k->out, g_addk(g, at, m * ps)), v1, "");
    LLVMValueRef take =
            LLVMBuildICmp(B, LLVMIntUGT, code_rank(g, k, bit), code_rank(g, k, cur), "");
    for (int m = 0; m < k->ek; m++)
        bit[m] = LLVMBuildSelect(B, take, bit[m], cur[m], "");
}

/* The epilogue of one tile: per column, acc = sum_p coef_p S_p per lane (the sign of
 * `neg` folded into the coefficients: exact, |acc| <= the icomb's bound), the threshold
 * tree, and each plane's 8 bits stored as one byte of the destination's channel word
 * (or ORed into the pooled word; a multi-bit pool keeps the code of larger rank). */
static void store_epi(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                      LLVMValueRef oy)
{
    const BGeo *b = k->b;
    int nodes = (1 << k->ek) - 1;
    LLVMValueRef blk = g_add(g, g_mulk(g, grp, b->OB), ob), cf[IR_MAX_BITS * IR_MAX_BITS];
    LLVMValueRef th[(1 << BPOP_EPI_MAX_BITS) - 1];
    for (int p = 0; p < k->P && !k->eone; p++)
        cf[p] = vload(g, k, k->ecoef, g_addk(g, g_mulk(g, blk, k->P), p));
    for (int j = 0; j < nodes; j++)
        th[j] = vload(g, k, k->ethr, g_addk(g, g_mulk(g, blk, nodes), j));
    LLVMValueRef obyte = g_add(g, g_mulk(g, grp, b->og / LANES), ob);
    LLVMValueRef lmask = NULL;
    if (b->og % LANES) { // the last block's lanes past og stay 0
        LLVMValueRef last = LLVMBuildICmp(B, LLVMIntEQ, ob, g_i64(g, b->OB - 1), "");
        lmask = LLVMBuildSelect(B, last, LLVMConstInt(g->i8, (1u << (b->og % LANES)) - 1, 0),
                                LLVMConstInt(g->i8, 0xff, 0), "");
    }
    LLVMValueRef py = k->psh ? LLVMBuildUDiv(B, oy, g_i64(g, k->psh), "") : oy;
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef colv = g_addk(g, t0, e);
        LLVMBasicBlockRef st = LLVMAppendBasicBlockInContext(g->C, g->fn, "ecol");
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(g->C, g->fn, "ecol.next");
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, colv, k->OW, ""), st, next);
        LLVMPositionBuilderAtEnd(B, st);
        LLVMValueRef valid = col_valid(g, k, e);
        LLVMValueRef v = NULL;
        for (int p = 0; p < k->P; p++) {
            LLVMValueRef S = pair_sum(g, k, p, e, valid);
            S = k->eone ? S : LLVMBuildMul(B, S, cf[p], "");
            v = v ? LLVMBuildAdd(B, v, S, "") : S;
        }
        LLVMValueRef px = k->psw ? LLVMBuildUDiv(B, colv, g_i64(g, k->psw), "") : colv;
        LLVMValueRef pix = g_add(g, g_mulk(g, py, k->eOW), px);
        LLVMValueRef at = g_add(g, g_mulk(g, pix, k->ek * k->eCW * 8), obyte);
        LLVMValueRef bit[BPOP_EPI_MAX_BITS];
        for (int m = 0; m < k->ek; m++)
            bit[m] = LLVMBuildICmp(B, LLVMIntSGE, v, tree_thr(g, th, bit, m), "");
        if (k->edq) {
            store_levels(g, k, ob, g_add(g, g_mulk(g, grp, b->og), g_mulk(g, ob, LANES)), pix, bit);
            LLVMBuildBr(B, next);
            LLVMPositionBuilderAtEnd(B, next);
            continue;
        }
        if (k->ecodes)
            max_codes(g, k, at, k->eCW * 8, bit);
        for (int m = 0; m < k->ek; m++) {
            LLVMValueRef byte = LLVMBuildBitCast(B, bit[m], g->i8, "");
            byte = lmask ? LLVMBuildAnd(B, byte, lmask, "") : byte;
            LLVMValueRef bat = g_addk(g, at, m * k->eCW * 8);
            if (k->psh && !k->ecodes) // the pool's other rows and columns OR into the byte
                byte = LLVMBuildOr(B, g_load(g, g->i8, k->out, bat), byte, "");
            g_store(g, g->i8, k->out, bat, byte);
        }
        LLVMBuildBr(B, next);
        LLVMPositionBuilderAtEnd(B, next);
    }
}

/* v (an f64 scalar) in every lane. */
static LLVMValueRef splatd(G *g, LLVMValueRef v)
{
    LLVMTypeRef vd = LLVMVectorType(g->f64, LANES);
    LLVMValueRef ins = LLVMBuildInsertElement(B, LLVMGetUndef(vd), v, g_i32(g, 0), "");
    return LLVMBuildShuffleVector(B, ins, LLVMGetUndef(vd),
                                  LLVMConstNull(LLVMVectorType(g->i32, LANES)), "");
}

/* Vector `word` of an f64 table. */
static LLVMValueRef vloadd(G *g, const Kern *k, LLVMValueRef base, LLVMValueRef word)
{
    return LLVMBuildBitCast(B, vload(g, k, base, word), LLVMVectorType(g->f64, LANES), "");
}

/* A float epilogue tile's per-lane constants: α_m β_n (f64), the bias, the batch norm's
 * scale and shift, and each lane's channel offset in the output. */
typedef struct FTile {
    LLVMValueRef ab[IR_MAX_BITS * IR_MAX_BITS], bias, sc, sh, co[LANES];
} FTile;

static void ftile_init(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, FTile *f)
{
    const BGeo *b = k->b;
    int kw = b->kw_planes, kx = b->kx;
    LLVMValueRef blk = g_add(g, g_mulk(g, grp, b->OB), ob), bn[IR_MAX_BITS];
    for (int n = 0; n < kx; n++)
        bn[n] = splatd(g, LLVMBuildFPExt(B, g_load(g, g->f32, k->beta, g_i64(g, n)), g->f64, ""));
    for (int m = 0; m < kw; m++) {
        LLVMValueRef a = vloadd(g, k, k->ealpha, g_addk(g, g_mulk(g, blk, kw), m));
        for (int n = 0; n < kx; n++)
            f->ab[m * kx + n] = LLVMBuildFMul(B, a, bn[n], "");
    }
    f->bias = vloadd(g, k, k->ebias, blk);
    f->sc = k->ebn ? vloadd(g, k, k->escale, blk) : NULL;
    f->sh = k->ebn ? vloadd(g, k, k->eshift, blk) : NULL;
    LLVMValueRef o0 = g_add(g, g_mulk(g, grp, b->og), g_mulk(g, ob, LANES));
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef o = k->chan ? g_load(g, g->i64, k->chan, g_addk(g, g_mulk(g, ob, LANES), l))
                                 : g_addk(g, o0, l);
        f->co[l] = g_mulk(g, o, k->os);
    }
}

/* Column e's 8 results, as fcomb (docs/ir.md §4) then batchnorm compute them: y =
 * sum_m sum_n (α_m β_n) S_mn in double (m outer, n inner, from 0), rounded once after
 * + bias; z = y (double) · scale + shift rounded once. */
static LLVMValueRef ftile_col(G *g, const Kern *k, const FTile *f, int e)
{
    LLVMTypeRef vd = LLVMVectorType(g->f64, LANES), vf = LLVMVectorType(g->f32, LANES);
    LLVMValueRef valid = col_valid(g, k, e);
    LLVMValueRef y = LLVMConstNull(vd);
    for (int p = 0; p < k->P; p++) {
        LLVMValueRef S = LLVMBuildSIToFP(B, pair_sum(g, k, p, e, valid), vd, "");
        y = LLVMBuildFAdd(B, y, LLVMBuildFMul(B, f->ab[p], S, ""), "");
    }
    LLVMValueRef z = LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, y, f->bias, ""), vf, "");
    if (!k->ebn)
        return z;
    z = LLVMBuildFMul(B, LLVMBuildFPExt(B, z, vd, ""), f->sc, "");
    return LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, z, f->sh, ""), vf, "");
}

/* An interior tile's floats (E >= 4 output columns, all inside): transposed so that each
 * lane's (channel's) E consecutive pixels are one (masked, E < 8) vector store. */
static void ftile_rows(G *g, const Kern *k, const FTile *f, LLVMValueRef ob, LLVMValueRef pix0)
{
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    LLVMValueRef r[LANES];
    for (int e = 0; e < LANES; e++)
        r[e] = e < k->E ? LLVMBuildBitCast(B, ftile_col(g, k, f, e), v8i32, "")
                        : LLVMGetUndef(v8i32);
    transpose8(g, r);
    for (int l = 0; l < LANES; l++) {
        LLVMBasicBlockRef ln = lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
        store_row(g, k, r[l], g_gep(g, g->i32, k->out, g_add(g, pix0, f->co[l])));
        lane_end(g, ln);
    }
}

/* The float epilogue of one tile (fcomb [+ batchnorm]): the 8 lanes are 8 output
 * channels (a channel group's: through its table), OH·OW floats apart: scalar stores
 * per column, or (`rows`: an interior tile of E >= 4 columns) ftile_rows. */
static void store_fepi(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                       LLVMValueRef oy, bool rows)
{
    FTile f;
    ftile_init(g, k, grp, ob, &f);
    LLVMValueRef row = g_mulk(g, oy, k->b->OW);
    if (rows) {
        ftile_rows(g, k, &f, ob, g_add(g, row, t0));
        return;
    }
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef colv = g_addk(g, t0, e);
        LLVMBasicBlockRef st = LLVMAppendBasicBlockInContext(g->C, g->fn, "fcol");
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(g->C, g->fn, "fcol.next");
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, colv, k->OW, ""), st, next);
        LLVMPositionBuilderAtEnd(B, st);
        LLVMValueRef z = ftile_col(g, k, &f, e), pix = g_add(g, row, colv);
        for (int l = 0; l < LANES; l++) {
            LLVMBasicBlockRef ln = lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
            g_store(g, g->f32, k->out, g_add(g, pix, f.co[l]),
                    LLVMBuildExtractElement(B, z, g_i32(g, l), ""));
            lane_end(g, ln);
        }
        LLVMBuildBr(B, next);
        LLVMPositionBuilderAtEnd(B, next);
    }
}

/* bpop_conv2d `in` can run a tile epilogue: each 8-lane block is one byte of a channel
 * word (one group, or groups of whole bytes), and for a threshold (not `fl`, a float
 * combine) its kernel is not one of a `group channel` layer's per-width kernels (their
 * lanes are channels through a table: floats are stored one by one, packed bits are
 * not). */
bool bpop_epilogue_ok(G *g, const IrInst *in, bool fl)
{
    IrWindow w = ir_window(g->m, in);
    const IrConst *c = &g->m->consts.data[in->args[1].id];
    if (w.groups > 1 && (w.O / w.groups) % LANES)
        return false;
    if (fl || !c->masks || w.groups != 1)
        return true;
    int *wid = malloc((size_t)c->type.d[0] * sizeof *wid);
    HB_CHECK(wid, "out of memory");
    bool per_width = bpop_row_widths(c, w.C * w.kh * w.kw, wid);
    free(wid);
    return !per_width;
}

/* Into dequant: each code's level as dequant computes it (sum of +-beta_m in double,
 * level order, rounded once; unit scales: +-1), and for a pool the floats start at
 * -inf (every window has an element inside the input). */
static void epi_levels(G *g, Kern *k, const IrType *bt)
{
    static const float one = 1.0f;
    const float *beta = bt->scale == IR_SC_STATIC ? g->m->consts.data[bt->scale_const].f : &one;
    k->edq = true;
    k->eHW = bt->d[1] * bt->d[2];
    for (int s = 0; s < 1 << k->ek; s++) {
        double acc = 0;
        for (int m = 0; m < k->ek; m++)
            acc += ((s >> m) & 1) ? (double)beta[m] : -(double)beta[m];
        k->elevel[s] = (float)acc;
    }
    if (!k->psh)
        return;
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(bt)), "j");
    g_store(g, g->f32, k->out, j, LLVMConstReal(g->f32, -HUGE_VAL));
    g_loop_end(g, &l);
}

/* The epilogue's destination (allocated as its own op would) and its tables from the
 * icomb's coefficients and the threshold's neg and thresholds. */
static void epi_setup(G *g, Kern *k, uint32_t dest)
{
    const IrModule *m = g->m;
    const BGeo *b = k->b;
    const IrValue *dv = &m->values.data[dest];
    uint32_t bits = g_epi_bits(m, dest); // the bits value before [flatten ->] dequant
    const IrInst *di = &m->insts.data[m->values.data[bits].def];
    const IrInst *dq = bits != dest ? &m->insts.data[dv->def] : NULL;
    const IrInst *th = di;
    const IrType *bt = &m->values.data[di->result].type;
    if (di->op == IR_OP_MAXPOOL) {
        IrWindow pw = ir_window(m, di);
        th = &m->insts.data[m->values.data[di->args[0].id].def];
        k->psh = pw.sh;
        k->psw = pw.sw;
        k->pH = pw.OH;
        k->OW = g_i64(g, pw.OW * pw.sw < b->OW ? pw.OW * pw.sw : b->OW);
    }
    const IrInst *ic = &m->insts.data[m->values.data[th->args[0].id].def];
    const IrConst *cc = &m->consts.data[ic->args[1].id], *neg = &m->consts.data[th->args[1].id];
    const IrConst *thr = &m->consts.data[th->args[2].id];
    const IrInst *save = g->in;
    g->in = dq ? dq : di;
    g_alloc_value(g, &g->val[dest], &dv->type);
    g->in = save;
    k->out = g->val[dest].p;
    k->ek = bt->bits;
    k->ecodes = k->psh && k->ek > 1 && !dq;
    if (k->ecodes) {
        uint16_t rank[IR_CODE_RANKS];
        bool ok = ir_code_ranks(m, bt, rank);
        for (int s = 0; s < 1 << k->ek; s++)
            k->erank[s] = rank[ir_code_index((unsigned)s, k->ek, k->ek)];
        HB_CHECK(ok && k->erank[0] == 0, "a fused code pool starts from code 0, the lowest");
    }
    k->eCW = (bt->d[0] + 63) / 64;
    k->eOW = bt->d[2];
    if (dq)
        epi_levels(g, k, bt);
    else if (k->psh || b->O % 64)
        g_memset0(g, k->out, 8 * g_plan_packed(g, dest));
    int nodes = (1 << k->ek) - 1, P = k->P;
    uint64_t nblk = (uint64_t)(b->G * b->OB);
    uint64_t *cf = calloc(nblk * (uint64_t)P * LANES, 8);
    uint64_t *tv = calloc(nblk * (uint64_t)nodes * LANES, 8);
    HB_CHECK(cf && tv, "out of memory");
    k->eone = true;
    for (uint64_t blk = 0; blk < nblk; blk++)
        for (int l = 0; l < LANES; l++) {
            int64_t oi = (int64_t)(blk % (uint64_t)b->OB) * LANES + l;
            int64_t o = (int64_t)(blk / (uint64_t)b->OB) * b->og + oi;
            if (oi >= b->og)
                continue;
            int64_t s = neg->i[o] ? -1 : 1, row = cc->type.d[0] == 1 ? 0 : o;
            for (int p = 0; p < P; p++) {
                int64_t w = s * cc->i[row * P + p];
                cf[(blk * (uint64_t)P + (uint64_t)p) * LANES + (uint64_t)l] = (uint64_t)w;
                k->eone &= w == 1;
            }
            for (int j = 0; j < nodes; j++)
                tv[(blk * (uint64_t)nodes + (uint64_t)j) * LANES + (uint64_t)l] =
                        (uint64_t)(int64_t)thr->i[o * nodes + j];
        }
    k->eone &= P == 1;
    Arena *a = &g->cx->arena;
    k->ecoef = g_words(g, arena_printf(a, "ke.%s", cc->name), cf, nblk * (uint64_t)P * LANES);
    k->ethr = g_words(g, arena_printf(a, "kt.%s", thr->name), tv, nblk * (uint64_t)nodes * LANES);
    free(cf);
    free(tv);
}

/* An f64 table of n values as an i64 constant (the kernels load it as <8 x double>). */
static LLVMValueRef dwords(G *g, const char *name, const double *d, uint64_t n)
{
    uint64_t *w = calloc(n + 1, 8);
    HB_CHECK(w, "out of memory");
    memcpy(w, d, n * 8);
    LLVMValueRef r = g_words(g, name, w, n);
    free(w);
    return r;
}

/* The float epilogue's per-block tables of kernel k (tables named with sfx): α per
 * weight plane, 0 for a plane a narrower channel of a `group channel` block lacks (its
 * pair sums are not 0 there; 0 · S adds +-0 to y, which is never -0, as the fcomb's
 * α_m β_n · 0 does), the bias, and the batch norm's scale and shift. */
static void epi_float_tables(G *g, Kern *k, uint32_t dest, const char *sfx)
{
    const IrModule *m = g->m;
    const BGeo *b = k->b;
    const IrInst *di = &m->insts.data[m->values.data[dest].def], *fc = di;
    const IrConst *sc = NULL, *sh = NULL;
    if (di->op == IR_OP_BATCHNORM) {
        fc = &m->insts.data[m->values.data[di->args[0].id].def];
        sc = &m->consts.data[di->args[1].id];
        sh = &m->consts.data[di->args[2].id];
    }
    const IrConst *al = &m->consts.data[fc->args[2].id], *bias = &m->consts.data[fc->args[3].id];
    int kw = b->kw_planes;
    uint64_t nblk = (uint64_t)(b->G * b->OB), nv = nblk * LANES;
    double *ta = calloc(nv * (uint64_t)kw, 8), *tb = calloc(nv, 8);
    double *ts = calloc(nv, 8), *th = calloc(nv, 8);
    HB_CHECK(ta && tb && ts && th, "out of memory");
    for (uint64_t blk = 0; blk < nblk; blk++)
        for (int l = 0; l < LANES; l++) {
            int64_t oi = (int64_t)(blk % (uint64_t)b->OB) * LANES + l;
            int64_t o = (int64_t)(blk / (uint64_t)b->OB) * b->og + oi;
            if (oi >= b->og)
                continue;
            o = b->rows ? b->rows[oi] : o;
            int64_t row = al->type.d[0] == 1 ? 0 : o, akw = al->type.d[1];
            for (int mm = 0; mm < kw && mm < (k->wid ? k->wid[o] : kw); mm++)
                ta[(blk * (uint64_t)kw + (uint64_t)mm) * LANES + (uint64_t)l] =
                        (double)al->f[row * akw + mm];
            tb[blk * LANES + (uint64_t)l] = (double)bias->f[o];
            ts[blk * LANES + (uint64_t)l] = sc ? (double)sc->f[o] : 1;
            th[blk * LANES + (uint64_t)l] = sh ? (double)sh->f[o] : 0;
        }
    Arena *a = &g->cx->arena;
    k->ealpha = dwords(g, arena_printf(a, "kfa.%s%s", al->name, sfx), ta, nv * (uint64_t)kw);
    k->ebias = dwords(g, arena_printf(a, "kfb.%s%s", bias->name, sfx), tb, nv);
    if (sc) {
        k->escale = dwords(g, arena_printf(a, "kfs.%s%s", sc->name, sfx), ts, nv);
        k->eshift = dwords(g, arena_printf(a, "kfh.%s%s", sh->name, sfx), th, nv);
    }
    free(ta);
    free(tb);
    free(ts);
    free(th);
}

/* The float epilogue's destination (the fcomb's or the batchnorm's result, allocated as
 * its op would), this example's activation scales and the per-block tables. */
static void epi_float_setup(G *g, Kern *k, uint32_t dest)
{
    const IrModule *m = g->m;
    const IrValue *dv = &m->values.data[dest];
    const IrInst *di = &m->insts.data[dv->def];
    const IrInst *save = g->in;
    k->beta = g_arg(g, 0)->beta; // this example's (fcomb reads the bpop's input)
    g->in = di;
    g_alloc_value(g, &g->val[dest], &dv->type);
    g->in = save;
    k->out = g->val[dest].p;
    k->ef = true;
    k->ebn = di->op == IR_OP_BATCHNORM;
    k->edest = dest;
    if (!k->wid) // else each width's kernel has its own (kern_run)
        epi_float_tables(g, k, dest, "");
}

/* in-bounds test of one input coordinate. */
static LLVMValueRef inside(G *g, LLVMValueRef i, LLVMValueRef size)
{
    return LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, i, g_i64(g, 0), ""),
                        LLVMBuildICmp(B, LLVMIntSLT, i, size, ""), "");
}

static void zero_tile(G *g, Kern *k)
{
    for (int i = 0; i < k->P * k->E; i++) {
        LLVMBuildStore(B, LLVMConstNull(k->v8), k->acc[i]);
        LLVMBuildStore(B, LLVMConstNull(k->v8), k->pa[i]);
        if (k->bytes) {
            LLVMBuildStore(B, LLVMConstNull(k->v64b), k->acc8[i]);
            LLVMBuildStore(B, LLVMConstNull(k->v64b), k->pa8[i]);
        }
    }
    for (int e = 0; k->nomask && e < k->E; e++)
        LLVMBuildStore(B, g_i64(g, 0), k->ntap[e]);
}

/* The kx taps of input row iy for the tile's columns. `border`: some column reads
 * outside the input or past the output (a select per column and tap_fix); an interior
 * tile reads every column in place and only counts the valid elements. */
static void row_taps(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef iy, LLVMValueRef ky,
                     LLVMValueRef t0, LLVMValueRef ob, bool border)
{
    const BGeo *b = k->b;
    GLoop lkx;
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, b->kw), "kx");
    LLVMValueRef rowbase = LLVMBuildMul(B, g_add(g, g_mulk(g, grp, b->H), iy), k->W, "");
    LLVMValueRef col[MAXE], ok[MAXE];
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef c = g_addk(g, t0, e);
        LLVMValueRef ix = g_add(g, g_addk(g, g_mulk(g, c, b->sw), -b->pl), g_mulk(g, kx, b->dw));
        LLVMValueRef at = g_mulk(g, g_add(g, rowbase, ix), b->kx * b->CW);
        if (!border) {
            col[e] = at;
            continue;
        }
        ok[e] = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSLT, c, k->OW, ""), inside(g, ix, k->W),
                             "");
        col[e] = LLVMBuildSelect(B, ok[e], at, g_i64(g, k->zcol), "");
    }
    LLVMValueRef t = g_add(g, g_mulk(g, ky, b->kw), kx);
    LLVMValueRef blk0 = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, b->OB), ob), b->T), t);
    tap_words(g, k, col, blk0);
    tap_fix(g, k, border ? ok : NULL, blk0);
    g_loop_end(g, &lkx);
}

/* Whether every column of the tile starting at t0 is an output column whose taps all
 * read inside the input row. */
static LLVMValueRef tile_inside(G *g, const Kern *k, LLVMValueRef t0)
{
    const BGeo *b = k->b;
    LLVMValueRef last = g_addk(g, t0, k->E - 1);
    LLVMValueRef lo = g_addk(g, g_mulk(g, t0, b->sw), -b->pl);
    LLVMValueRef hi = g_addk(g, g_mulk(g, last, b->sw), (b->kw - 1) * b->dw - b->pl);
    LLVMValueRef in = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, lo, g_i64(g, 0), ""),
                                   LLVMBuildICmp(B, LLVMIntSLT, hi, k->W, ""), "");
    return LLVMBuildAnd(B, in, LLVMBuildICmp(B, LLVMIntSLT, last, k->OW, ""), "");
}

/* Where a tile's columns read: all inside the input (a conv's interior tiles), some
 * outside it (a conv's border columns, one per tile), or either, tested per tile. */
typedef enum TileAt { TILE_INSIDE, TILE_BORDER, TILE_TEST, TILE_EDGE } TileAt;

/* The window counts of the tile's columns (t0 + e of row oy, group grp; a column past
 * the outputs reads column 0's) into xn[n E + e], for pair_sum. */
static void tile_counts(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy, LLVMValueRef t0)
{
    const BGeo *b = k->b;
    LLVMValueRef r0 = g_mulk(g, g_add(g, g_mulk(g, grp, b->OH), oy), b->OW);
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef c = g_addk(g, t0, e);
        c = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, c, k->OW, ""), c, g_i64(g, 0), "");
        LLVMValueRef at = g_mulk(g, g_add(g, r0, c), b->kx);
        for (int n = 0; n < b->kx; n++)
            LLVMBuildStore(B, g_load(g, g->i64, k->xc, g_addk(g, at, n)), k->xn[n * k->E + e]);
    }
}

/* One register tile: output block ob of group grp, columns t0 .. t0 + E - 1 of row oy. */
static void tile(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy, LLVMValueRef t0, LLVMValueRef ob,
                 LLVMValueRef pos0, TileAt at)
{
    const BGeo *b = k->b;
    zero_tile(g, k);
    // tested per tile: dense tiles (columns may pass the block's examples) and a conv row
    // in uniform tiles (TILE_EDGE: every column is an output column)
    LLVMValueRef interior = at >= TILE_TEST ? tile_inside(g, k, t0) : NULL;
    GLoop lky;
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, b->kh), "ky");
    LLVMValueRef iy = g_add(g, g_addk(g, g_mulk(g, oy, b->sh), -b->pt), g_mulk(g, ky, b->dh));
    LLVMBasicBlockRef row = LLVMAppendBasicBlockInContext(g->C, g->fn, "row");
    LLVMBasicBlockRef skip = LLVMAppendBasicBlockInContext(g->C, g->fn, "row.skip");
    LLVMBuildCondBr(B, inside(g, iy, g_i64(g, b->H)), row, skip);
    LLVMPositionBuilderAtEnd(B, row);
    if (interior) {
        LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(g->C, g->fn, "row.inside");
        LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(g->C, g->fn, "row.border");
        LLVMBuildCondBr(B, interior, fast, slow);
        LLVMPositionBuilderAtEnd(B, fast);
        row_taps(g, k, grp, iy, ky, t0, ob, false);
        LLVMBuildBr(B, skip);
        LLVMPositionBuilderAtEnd(B, slow);
    }
    row_taps(g, k, grp, iy, ky, t0, ob, at != TILE_INSIDE);
    LLVMBuildBr(B, skip);
    LLVMPositionBuilderAtEnd(B, skip);
    g_loop_end(g, &lky);
    if (k->bytes && k->flush == 0)
        flush(g, k);
    if (k->xc)
        tile_counts(g, k, grp, oy, t0);
    if (k->ek)
        store_epi(g, k, grp, ob, t0, oy);
    else if (k->ef)
        store_fepi(g, k, grp, ob, t0, oy, at == TILE_INSIDE && k->E >= LANES / 2);
    else if (at == TILE_INSIDE && k->E >= LANES / 2 && k->ocol == 1)
        store_rows(g, k, grp, ob, t0, pos0);
    else
        store_tile(g, k, grp, ob, t0, pos0);
}

/* The output columns [*lo, *hi) of a convolution whose taps all read inside its input
 * rows (ow: the columns computed). */
static void inner_cols(const BGeo *b, int64_t ow, int64_t *lo, int64_t *hi)
{
    int64_t l = (b->pl + b->sw - 1) / b->sw, r = b->W - 1 + b->pl - (b->kw - 1) * b->dw;
    int64_t h = r < 0 ? 0 : r / b->sw + 1;
    *lo = l < ow ? l : ow;
    *hi = h < *lo ? *lo : h > ow ? ow : h;
}

/* The n tiles of one row (8-channel blocks inner) starting at column c0 + E i, the last
 * moved back to end at column c0 + cols when cols is not a multiple of E (its columns
 * overlapping the previous tile's are computed and stored twice, the same values). */
static void row_tiles(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy, int64_t c0, int64_t cols,
                      TileAt at)
{
    if (cols <= 0)
        return;
    GLoop lt, lb;
    int64_t n = (cols + k->E - 1) / k->E;
    LLVMValueRef t0 = g_mulk(g, g_loop_begin(g, &lt, g_i64(g, n), "t"), k->E);
    if (cols % k->E) {
        LLVMValueRef end = g_i64(g, cols - k->E);
        t0 = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, t0, end, ""), t0, end, "");
    }
    LLVMValueRef ob = g_loop_begin(g, &lb, g_i64(g, k->b->OB), "ob");
    tile(g, k, grp, oy, g_addk(g, t0, c0), ob, LLVMBuildMul(B, oy, k->OW, ""), at);
    g_loop_end(g, &lb);
    g_loop_end(g, &lt);
}

/* A convolution's row: uniform tiles tested per tile, or (split) its border columns one
 * per tile and the rest in interior tiles. */
static void conv_row(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy)
{
    int64_t ow = LLVMConstIntGetSExtValue(k->OW), lo, hi;
    if (!k->split) {
        row_tiles(g, k, grp, oy, 0, ow, TILE_EDGE);
        return;
    }
    inner_cols(k->b, ow, &lo, &hi);
    Kern k1 = *k;
    k1.E = 1;
    row_tiles(g, &k1, grp, oy, 0, lo, TILE_BORDER);
    row_tiles(g, k, grp, oy, lo, hi - lo, TILE_INSIDE);
    row_tiles(g, &k1, grp, oy, hi, ow - hi, TILE_BORDER);
}

/* The tile accumulators: stack slots of the function being generated. */
static void kern_vars(G *g, Kern *k)
{
    for (int i = 0; i < k->P * MAXE; i++) {
        k->acc[i] = g_var(g, k->v8, NULL);
        k->pa[i] = g_var(g, k->v8, NULL);
        k->acc8[i] = k->bytes ? g_var(g, k->v64b, NULL) : NULL;
        k->pa8[i] = k->bytes ? g_var(g, k->v64b, NULL) : NULL;
    }
    for (int e = 0; e < MAXE; e++)
        k->ntap[e] = g_var(g, g->i64, NULL);
    for (int i = 0; i < IR_MAX_BITS * MAXE; i++)
        k->xn[i] = k->xc ? g_var(g, g->i64, NULL) : NULL;
}

/* Every tile (group, output row, column tile, 8-channel block; dense: one row of the
 * block's examples) in an outlined function that hbrt_par runs on ranges of output rows
 * (conv) or of 8-channel blocks (dense): split across the threads when they are idle
 * (batch < threads), with no division per tile. */
static void kernel(G *g, Kern *k, int64_t OH, const char *sfx)
{
    const BGeo *b = k->b;
    LLVMTypeRef fields[] = {g->ptr, g->ptr, g->ptr, g->i64, g->ptr, g->ptr};
    LLVMTypeRef st = LLVMStructTypeInContext(g->C, fields, 6, 0);
    LLVMValueRef args = g_var(g, st, NULL);
    LLVMValueRef null = LLVMConstNull(g->ptr);
    LLVMValueRef vals[] = {k->xp, k->xm ? k->xm : null,     k->out,
                           k->OW, k->beta ? k->beta : null, k->xc ? k->xc : null};
    for (unsigned f = 0; f < 6; f++)
        LLVMBuildStore(B, vals[f], LLVMBuildStructGEP2(B, st, args, f, ""));
    // units split across threads: output rows (conv), or 8-channel blocks (dense)
    bool rows = LLVMIsConstant(k->W);
    int64_t NR = k->psh ? k->pH : OH; // units: output rows, or pooled rows of psh rows

    GFnSave sv;
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64};
    LLVMTypeRef ft = LLVMFunctionType(g->vd, ps, 3, 0);
    LLVMValueRef fn =
            g_fn_push(g, &sv, arena_printf(&g->cx->arena, "bpop.%u%s", g->in->result, sfx), ft);
    Kern in = *k;
    LLVMValueRef a = LLVMGetParam(fn, 0), lo = LLVMGetParam(fn, 1);
    LLVMValueRef *dst[] = {&in.xp, &in.xm, &in.out, &in.OW, &in.beta, &in.xc};
    for (unsigned f = 0; f < 6; f++)
        *dst[f] = LLVMBuildLoad2(B, fields[f], LLVMBuildStructGEP2(B, st, a, f, ""), "");
    in.xm = k->xm ? in.xm : NULL;
    in.xc = k->xc ? in.xc : NULL;
    if (rows)
        in.OW = k->OW; // conv: constants
    else               // dense: the block's examples are the input's columns too
        in.W = in.OW;
    kern_vars(g, &in);
    GLoop li;
    LLVMValueRef cnt = LLVMBuildSub(B, LLVMGetParam(fn, 2), lo, "");
    LLVMValueRef i = g_add(g, lo, g_loop_begin(g, &li, cnt, "i"));
    LLVMValueRef oy = rows ? LLVMBuildURem(B, i, g_i64(g, NR), "") : g_i64(g, 0);
    LLVMValueRef grp = rows ? LLVMBuildUDiv(B, i, g_i64(g, NR), "") : g_i64(g, 0);
    GLoop lr;
    LLVMBasicBlockRef in_row = NULL, skip = NULL;
    if (k->psh) { // the pool's rows of this pooled row that exist (ceil mode: not all)
        oy = g_add(g, g_mulk(g, oy, k->psh), g_loop_begin(g, &lr, g_i64(g, k->psh), "pr"));
        in_row = LLVMAppendBasicBlockInContext(g->C, g->fn, "prow");
        skip = LLVMAppendBasicBlockInContext(g->C, g->fn, "prow.skip");
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oy, g_i64(g, OH), ""), in_row, skip);
        LLVMPositionBuilderAtEnd(B, in_row);
    }
    if (rows)
        conv_row(g, &in, grp, oy);
    else { // dense: one row of nt tiles of the examples, tested for the partial last one
        GLoop lt;
        LLVMValueRef nt = LLVMBuildUDiv(B, g_addk(g, in.OW, k->E - 1), g_i64(g, k->E), "");
        LLVMValueRef t0 = g_mulk(g, g_loop_begin(g, &lt, nt, "t"), k->E);
        tile(g, &in, grp, oy, t0, i, g_i64(g, 0), TILE_TEST);
        g_loop_end(g, &lt);
    }
    if (k->psh) {
        LLVMBuildBr(B, skip);
        LLVMPositionBuilderAtEnd(B, skip);
        g_loop_end(g, &lr);
    }
    g_loop_end(g, &li);
    LLVMBuildRetVoid(B);
    g_fn_pop(g, &sv);

    // the layer's word pairs (dense: per example of a full block) for the split's grain
    double words = (double)(b->G * b->og * OH * (rows ? b->OW : g->nbmax) * b->T * b->CW * k->P);
    g_par(g, fn, args, rows ? b->G * NR : b->OB, words / g_words_per_cycle(g));
}

/* Columns per tile: as many as the tier's registers hold accumulators for (all plane
 * pairs, and the activation-mask popcounts counted in the word loop: `loop_pa`), spread
 * evenly over `cols`. A per-width kernel on a masked input (pwm) keeps 4 registers
 * fewer with VPOPCNTDQ: at 24 LLVM spilled its XOR results (cifar_vgg 1.4/1.4 channel,
 * 6 alternations at load 6: best 1262 against 1300 us per image). */
static int tile_cols(const Kern *k, int loop_pa, int64_t cols)
{
    static const int budget[] = {
            [TIER_SCALAR] = 2, [TIER_AVX2] = 4, [TIER_AVX512BW] = 12, [TIER_VPOPCNT] = 24};
    int per = k->P + loop_pa;
    int emax = (budget[k->tier] - (k->pwm && k->tier == TIER_VPOPCNT ? 4 : 0)) / per;
    emax = emax < 1 ? 1 : emax > MAXE ? MAXE : emax;
    int64_t nt = (cols + emax - 1) / emax;
    return (int)((cols + nt - 1) / nt);
}

/* wid[r] = the width of weight row r (`per` elements) when every row has one (a `group
 * channel` layer: each row's masks are full or empty); false if some row has not. */
bool bpop_row_widths(const IrConst *c, int64_t per, int *wid)
{
    int64_t rows = c->type.d[0];
    for (int64_t r = 0; r < rows; r++) {
        wid[r] = 0;
        for (int m = 0; m < c->type.bits; m++) {
            const uint64_t *mk = c->masks + ((uint64_t)m * (uint64_t)rows + (uint64_t)r) * c->wpr;
            int64_t n = 0;
            for (uint64_t j = 0; j < c->wpr; j++)
                n += __builtin_popcountll(mk[j]);
            if (n != 0 && n != per)
                return false;
            wid[r] += n == per;
        }
    }
    return true;
}

/* The channels' widths of a `group channel` layer with one convolution group, else
 * NULL. */
static int *channel_widths(G *g, const IrConst *c, const BGeo *b)
{
    if (!c->masks || b->G != 1)
        return NULL;
    int *wid = arena_alloc(&g->cx->arena, (size_t)c->type.d[0] * sizeof *wid);
    return bpop_row_widths(c, b->cg * b->T, wid) ? wid : NULL;
}

static void kern_init(G *g, Kern *k, BGeo *b, uint64_t xwords, bool packed, bool epi)
{
    const IrType *xt = g_argt(g, 0);
    const IrConst *c = g_argc(g, 1);
    b->T = b->kh * b->kw;
    b->CW = (b->cg + 63) / 64;
    b->OB = (b->og + LANES - 1) / LANES;
    b->kw_planes = c->type.bits;
    b->kx = xt->bits;
    *k = (Kern){.b = b,
                .tier = g->tier,
                .v8 = LLVMVectorType(g->i64, LANES),
                .v64b = LLVMVectorType(g->i8, 64),
                .nomask = !xt->masked && !c->masks,
                .P = b->kw_planes * b->kx,
                .bytes = g->tier == TIER_AVX2 || g->tier == TIER_AVX512BW};
    k->wid = channel_widths(g, c, b);
    bool whole = !epi; // the kernels write every pair sum (group channel: zeros too)
    for (int64_t o = 0; k->wid && o < c->type.d[0]; o++)
        whole &= k->wid[o] > 0; // (a channel of no width is in no kernel)
    if (whole && k->wid && g_plan_output(g, g->in->result) != UINT32_MAX)
        k->zpairs = (int)g_outt(g)->d[0];
    else if (k->wid && !epi) // the pair sums its kernels do not write must stay 0
        g_plan_exclusive(g, g->in->result);
    if (whole) // in place when an output (g_alloc_output)
        g_alloc_output(g, g_out(g), g_outt(g));
    else if (!epi) // else the tile epilogue writes the next layer's words, not the pair sums
        g_alloc_value(g, g_out(g), g_outt(g));
    k->flush = b->T * b->CW <= 31 ? 0 : b->CW <= 31 ? 1 : 2;
    if (packed) { // packed by its producer (g_plan_packed): a conv's zero column follows
        k->xp = g_arg(g, 0)->p;
        k->zcol = (int64_t)xwords;
        if (xwords)
            g_memset0(g, g_gep(g, g->i64, k->xp, g_i64(g, k->zcol)), (uint64_t)(8 * b->kx * b->CW));
        return;
    }
    // the input words and one zero column (read by columns outside the input)
    k->zcol = (int64_t)xwords;
    uint64_t bytes = 8 * (xwords + (uint64_t)(b->kx * b->CW));
    k->xp = g_alloc(g, bytes);
    k->xm = xt->masked ? g_alloc(g, bytes) : NULL;
    LLVMValueRef zp = g_gep(g, g->i64, k->xp, g_i64(g, k->zcol));
    g_memset0(g, zp, (uint64_t)(8 * b->kx * b->CW));
    if (k->xm)
        g_memset0(g, g_gep(g, g->i64, k->xm, g_i64(g, k->zcol)), (uint64_t)(8 * b->kx * b->CW));
}

/* A `group channel` layer's channels with a width, widest first (rows[0..n), n
 * returned), in 8-channel blocks that each run at the width of their first (widest)
 * channel, so the narrower channels fill the partial blocks: the blocks of width w are
 * channels [ends[w + 1], ends[w]) (ends[IR_MAX_BITS + 2], zeroed by the caller). */
int64_t bpop_width_blocks(const int *wid, int64_t O, int bits, int64_t *rows, int64_t *ends)
{
    int64_t n = 0, s = 0;
    for (int w = bits; w >= 1; w--)
        for (int64_t o = 0; o < O; o++)
            if (wid[o] == w)
                rows[n++] = o;
    for (int w = bits; w >= 1; w--) {
        while (s < n && wid[rows[s]] == w)
            s += LANES;
        ends[w] = s < n ? s : n;
    }
    return n;
}

/* Columns per tile, and whether a convolution's rows (inner >= 0: its interior columns)
 * split into one-column border tiles and interior tiles: when a tile has more than one
 * plane pair and a tap is one word, so that the per-tap border fix of P x E accumulators
 * (it made W2A2 on 64 channels spill) stays out of the interior tiles. Otherwise
 * uniform tiles over the whole row are fewer (7- or 14-pixel rows) and their border fix
 * is amortized over the tap's words (measured: 512 x 7 x 7 70/20/10e and W3A3 were
 * 1.7x and 1.2x slower split). */
static void tile_plan(Kern *k, int loop_pa, int64_t cols, int64_t inner)
{
    k->split = inner >= 0 && k->P > 1 && k->b->CW == 1;
    k->E = tile_cols(k, loop_pa, k->split ? (inner > 0 ? inner : 1) : cols);
}

/* A masked input's pa_from per pair (see PaFrom; every activation has width >= 1, so
 * activation mask 0 is all valid): the pairs whose popcount(A) the word loop counts
 * (13 of 9 + 9 for 3 x 3 planes of element-masked weights). */
static int pa_plan(Kern *k)
{
    int loop = 0, kx = k->b->kx;
    for (int m = 0; m < k->b->kw_planes; m++)
        for (int n = 0; n < kx; n++) {
            PaFrom f = k->w.full[m] ? PA_XCNT : n == 0 ? PA_WTAB : PA_LOOP;
            k->pa_from[m * kx + n] = (unsigned char)f;
            loop += f == PA_LOOP;
        }
    return loop;
}

/* xc[((grp OH + oy) OW + ox) Kx + n] = the count of the masked input's elements of
 * width > n in the window of output (oy, ox) of group grp (dense: column ox's, its
 * example's), the popcount(A) of PA_XCNT pairs: per input pixel the popcounts of its
 * mask words (the zero column's are 0), then (conv) their sum over the taps, once per
 * layer rather than per tap in every tile (gathers there cost a third of a kernel). */
static void count_masks(G *g, Kern *k, bool conv)
{
    const BGeo *b = k->b;
    int64_t CW = b->CW, kx = b->kx, rows = k->zcol / CW + kx, zrow = k->zcol / CW;
    LLVMValueRef pc = g_alloc(g, (uint64_t)(8 * rows));
    GLoop lr, lw;
    LLVMValueRef r = g_loop_begin(g, &lr, g_i64(g, rows), "xr");
    LLVMValueRef n = g_var(g, g->i64, g_i64(g, 0));
    LLVMValueRef w = g_loop_begin(g, &lw, g_i64(g, CW), "xw");
    LLVMValueRef v = g_load(g, g->i64, k->xm, g_add(g, g_mulk(g, r, CW), w));
    v = g_call(g, "llvm.ctpop.i64", g->i64, &g->i64, 1, &v);
    LLVMBuildStore(B, g_add(g, ld(g, g->i64, n), v), n);
    g_loop_end(g, &lw);
    g_store(g, g->i64, pc, r, ld(g, g->i64, n));
    g_loop_end(g, &lr);
    if (!conv) {
        k->xc = pc;
        return;
    }
    k->xc = g_alloc(g, (uint64_t)(8 * b->G * b->OH * b->OW * kx));
    GLoop lo, lt;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, b->G * b->OH * b->OW), "xo");
    LLVMValueRef grp = LLVMBuildUDiv(B, o, g_i64(g, b->OH * b->OW), "");
    LLVMValueRef oy =
            LLVMBuildURem(B, LLVMBuildUDiv(B, o, g_i64(g, b->OW), ""), g_i64(g, b->OH), "");
    LLVMValueRef ox = LLVMBuildURem(B, o, g_i64(g, b->OW), "");
    LLVMValueRef sum[IR_MAX_BITS];
    for (int j = 0; j < kx; j++)
        sum[j] = g_var(g, g->i64, g_i64(g, 0));
    LLVMValueRef t = g_loop_begin(g, &lt, g_i64(g, b->T), "xt");
    LLVMValueRef ky = LLVMBuildUDiv(B, t, g_i64(g, b->kw), ""),
                 kq = LLVMBuildURem(B, t, g_i64(g, b->kw), "");
    LLVMValueRef iy = g_add(g, g_addk(g, g_mulk(g, oy, b->sh), -b->pt), g_mulk(g, ky, b->dh));
    LLVMValueRef ix = g_add(g, g_addk(g, g_mulk(g, ox, b->sw), -b->pl), g_mulk(g, kq, b->dw));
    LLVMValueRef in =
            LLVMBuildAnd(B, inside(g, iy, g_i64(g, b->H)), inside(g, ix, g_i64(g, b->W)), "");
    LLVMValueRef pix = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, b->H), iy), b->W), ix);
    LLVMValueRef row = LLVMBuildSelect(B, in, g_mulk(g, pix, kx), g_i64(g, zrow), "");
    for (int j = 0; j < kx; j++)
        LLVMBuildStore(B, g_add(g, ld(g, g->i64, sum[j]), g_load(g, g->i64, pc, g_addk(g, row, j))),
                       sum[j]);
    g_loop_end(g, &lt);
    for (int j = 0; j < kx; j++)
        g_store(g, g->i64, k->xc, g_addk(g, g_mulk(g, o, kx), j), ld(g, g->i64, sum[j]));
    g_loop_end(g, &lo);
}

/* A `group channel` convolution writing a network output in place (zpairs): the pairs
 * a channel lacks are fixed, each (pair, channel) OH x OW contiguous sums, so every run
 * of channels lacking pair p is zeroed by one memset per example (a table of element
 * offsets and counts) instead of scalar stores in the tiles, which then store only
 * their channels' own planes. */
static void zero_missing(G *g, const Kern *k, const int *wid, int64_t O)
{
    int64_t kx = k->b->kx, n = 0;
    uint64_t *t = calloc((size_t)(2 * O * k->zpairs + 2), 8);
    HB_CHECK(t, "out of memory");
    for (int64_t p = kx; p < k->zpairs; p++)
        for (int64_t o = 0, o1; o < O; o = o1) {
            for (o1 = o; o1 < O && wid[o1] * kx <= p; o1++)
                ;
            if (o1 == o) { // channel o has pair p
                o1++;
                continue;
            }
            t[2 * n] = (uint64_t)(p * k->ps + o * k->os);
            t[2 * n++ + 1] = (uint64_t)((o1 - o) * k->os);
        }
    LLVMValueRef tab =
            g_words(g, arena_printf(&g->cx->arena, "kz.%u", g->in->result), t, (uint64_t)(2 * n));
    free(t);
    GLoop l;
    LLVMValueRef i = g_mulk(g, g_loop_begin(g, &l, g_i64(g, n), "z"), 2);
    LLVMValueRef at = g_gep(g, g->i32, k->out, g_load(g, g->i64, tab, i));
    LLVMValueRef cnt = g_load(g, g->i64, tab, g_addk(g, i, 1));
    LLVMBuildMemSet(B, at, LLVMConstInt(g->i8, 0, 0), g_mulk(g, cnt, 4), 4);
    g_loop_end(g, &l);
}

/* Generate the layer's kernel; a `group channel` layer gets one kernel per block width
 * (1, 2, 3 ... planes) over the same packed input, each writing its channels' pair sums
 * in place or their float combine (cpu.md §4: no weight mask, no planes a block lacks;
 * a narrower channel in a wider block stores only its own planes' pairs). On a masked
 * input each pair is one popcount, its popcount(A) the per-pixel counts (pwm). */
static void kern_run(G *g, Kern *k, int64_t OH, int64_t cols, int64_t inner)
{
    const IrConst *c = g_argc(g, 1);
    int *wid = k->wid;
    if (!wid) {
        k->w = repack(g, c, k->b, !k->nomask);
        int loop_pa = k->xm ? pa_plan(k) : 0;
        if (k->xm && loop_pa < k->P)
            count_masks(g, k, inner >= 0);
        tile_plan(k, loop_pa, cols, inner);
        // a masked input's kernel is named for its vector popcounts per word and column
        kernel(g, k, OH, k->xm ? arena_printf(&g->cx->arena, ".p%d", k->P + loop_pa) : "");
        return;
    }
    int64_t O = c->type.d[0], ends[IR_MAX_BITS + 2] = {0};
    if (k->zpairs && g->in->op == IR_OP_BPOP_CONV2D) {
        zero_missing(g, k, wid, O);
        k->zpairs = 0;
    }
    int64_t *rows = arena_alloc(&g->cx->arena, (size_t)O * sizeof *rows);
    bpop_width_blocks(wid, O, k->b->kw_planes, rows, ends);
    if (k->xm) { // a masked input: popcount(A) of every pair from the per-pixel counts
        memset(k->pa_from, PA_XCNT, sizeof k->pa_from);
        count_masks(g, k, inner >= 0);
    }
    uint64_t *chan = calloc((size_t)(O + LANES), 8), *np = calloc((size_t)(O + LANES), 8);
    HB_CHECK(chan && np, "out of memory");
    for (int w = k->b->kw_planes; w >= 1; w--) {
        int64_t b0 = ends[w + 1], n = ends[w] - b0;
        if (n == 0)
            continue;
        BGeo gb = *k->b;
        gb.og = gb.O = n;
        gb.OB = (n + LANES - 1) / LANES;
        gb.kw_planes = w;
        gb.rows = rows + b0;
        Kern gk = *k;
        gk.b = &gb;
        gk.nomask = !k->xm;
        gk.pwm = k->xm != NULL;
        gk.P = w * gb.kx;
        gk.w = repack(g, c, &gb, false);
        memset(chan, 0, (size_t)(O + LANES) * 8);
        memset(np, 0, (size_t)(O + LANES) * 8);
        bool mixed = false;
        for (int64_t i = 0; i < n; i++) {
            chan[i] = (uint64_t)rows[b0 + i];
            np[i] = (uint64_t)(wid[rows[b0 + i]] * gb.kx);
            mixed |= wid[rows[b0 + i]] != w;
        }
        Arena *a = &g->cx->arena;
        uint64_t nw = (uint64_t)(gb.OB * LANES);
        gk.chan = g_words(g, arena_printf(a, "kc.%s.w%d", c->name, w), chan, nw);
        gk.npair = mixed ? g_words(g, arena_printf(a, "kn.%s.w%d", c->name, w), np, nw) : NULL;
        const char *sfx = arena_printf(a, ".w%d", w);
        if (k->ef)
            epi_float_tables(g, &gk, k->edest, sfx);
        tile_plan(&gk, 0, cols, inner);
        // on a masked input named for its vector popcounts per word and column too
        kernel(g, &gk, OH, gk.pwm ? arena_printf(a, "%s.p%d", sfx, gk.P) : sfx);
    }
    free(chan);
    free(np);
}

/* A dense layer runs once per block of examples: the columns are the examples. */
/* The kernels' geometry of a window (a dense layer: ir_window_dense). */
static BGeo bgeo(const IrWindow *w)
{
    return (BGeo){.C = w->C,
                  .H = w->H,
                  .W = w->W,
                  .G = w->groups,
                  .cg = w->C / w->groups,
                  .og = w->O / w->groups,
                  .O = w->O,
                  .OH = w->OH,
                  .OW = w->OW,
                  .kh = w->kh,
                  .kw = w->kw,
                  .sh = w->sh,
                  .sw = w->sw,
                  .dh = w->dh,
                  .dw = w->dw,
                  .pt = w->pt,
                  .pl = w->pl};
}

void gen_bpop_dense(G *g)
{
    if (g->int8 && g->int8[g->in - g->m->insts.data]) { // llvm_int8.c
        gen_int8_bpop(g, g->int8[g->in - g->m->insts.data]);
        return;
    }
    const IrConst *c = g_argc(g, 1);
    int64_t O = c->type.d[0], N = c->type.d[1];
    IrWindow w = ir_window_dense(N, O);
    BGeo b = bgeo(&w);
    const IrType *xt = g_argt(g, 0);
    Kern k;
    int64_t colw = xt->bits * ((N + 63) / 64);
    bool packed = g_plan_packed(g, g->in->args[0].id) != 0; // its producer packed it
    kern_init(g, &k, &b, packed ? 0 : (uint64_t)(g->nbmax * colw), packed, false);
    LLVMValueRef nb = g->ex ? g_i64(g, 1) : g->nb;
    if (!packed) {
        GLoop le;
        LLVMValueRef e = g_loop_begin(g, &le, nb, "pe");
        GVal x = g->ex ? *g_arg(g, 0) : g_at(g, g->in->args[0].id, e);
        LLVMValueRef off = g_mulk(g, e, colw);
        pack_input(g, &b, &x, xt, g_gep(g, g->i64, k.xp, off),
                   k.xm ? g_gep(g, g->i64, k.xm, off) : NULL);
        g_loop_end(g, &le);
    }
    k.W = k.OW = nb;
    k.out = g_out(g)->p;
    k.ocol = (int64_t)g->base[g->in->result].sp / 4;
    k.os = 1;
    k.ps = O;
    kern_run(g, &k, 1, g->nbmax, -1);
}

void gen_bpop_conv2d(G *g)
{
    if (g->int8 && g->int8[g->in - g->m->insts.data]) { // llvm_int8.c
        gen_int8_bpop(g, g->int8[g->in - g->m->insts.data]);
        return;
    }
    IrWindow w = ir_window(g->m, g->in);
    BGeo b = bgeo(&w);
    const IrType *xt = g_argt(g, 0);
    Kern k;
    int64_t CW = (b.cg + 63) / 64;
    bool packed = g_plan_packed(g, g->in->args[0].id) != 0; // by its producer's epilogue
    uint32_t dest = g_plan_epilogue(g, g->in->result);
    kern_init(g, &k, &b, (uint64_t)(b.G * b.H * b.W * xt->bits * CW), packed, dest != UINT32_MAX);
    if (!packed)
        pack_image(g, &b, g_arg(g, 0), xt, k.xp, k.xm, false);
    k.W = g_i64(g, b.W);
    k.OW = g_i64(g, b.OW);
    const IrValue *dv = dest != UINT32_MAX ? &g->m->values.data[dest] : NULL;
    if (dv && dv->type.enc != IR_BITS && g->m->insts.data[dv->def].op != IR_OP_DEQUANT)
        epi_float_setup(g, &k, dest);
    else if (dest != UINT32_MAX)
        epi_setup(g, &k, dest);
    else
        k.out = g_out(g)->p;
    k.ocol = 1;
    k.os = b.OH * b.OW;
    k.ps = b.O * b.OH * b.OW;
    int64_t lo, hi; // split rows: tiles cover the interior columns
    inner_cols(&b, LLVMConstIntGetSExtValue(k.OW), &lo, &hi);
    kern_run(g, &k, b.OH, b.OW, hi - lo);
}

void bpop_pack_sign(G *g, LLVMValueRef x, LLVMValueRef out, const IrType *t)
{
    BGeo b = {.C = t->d[0], .H = t->d[1], .W = t->d[2], .G = 1, .cg = t->d[0], .kx = 1};
    b.CW = (b.C + 63) / 64;
    GVal xv = {.p = x};
    pack_image(g, &b, &xv, t, out, NULL, true);
}
