// SPDX-License-Identifier: MIT
/* llvm_bpop.c: the bit-plane kernels of the CPU backend, bpop_dense and bpop_conv2d
 * (docs/ir.md §4 pair sums), after cpu.md §4: output channels in vector lanes
 * (<8 x i64>, one 64-bit channel word of 8 output channels per vector; llvm.ctpop on it is
 * vpopcntq on AVX-512 VPOPCNTDQ), each activation word broadcast to all lanes, masks as
 * one extra AND (none when neither side is masked: S = valid - 2 popcount(c ^ d)), per-plane-pair
 * accumulators combined once per block, direct convolution over the packed input with exact padding
 * (taps outside the input are skipped, and the mask popcounts of the taps that were read are added
 * from a compile-time table). Weights are repacked at compile time into read-only data
 * [Kw][G][O/8][tap][channel word][8]; the input is packed once per layer into channel
 * words [G][H][W][Kx][words] (a dense layer is a 1x1 convolution on N channels). */
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
} BGeo;

/* The weight constant in the kernels' layout: sign planes and masks as 8-lane words,
 * and the popcount of each (plane, block, tap) mask per lane. */
typedef struct WKern {
    LLVMValueRef c, mask, pc;
} WKern;

static WKern repack(G *g, const IrConst *k, const BGeo *b)
{
    uint64_t rows = (uint64_t)k->type.d[0], per = (uint64_t)(b->cg * b->T);
    uint64_t nblk = (uint64_t)(b->kw_planes * b->G * b->OB * b->T);
    uint64_t nw = nblk * (uint64_t)b->CW * LANES;
    uint64_t *c = calloc(nw, 8), *mk = calloc(nw, 8), *pc = calloc(nblk * LANES, 8);
    HB_CHECK(c && mk && pc, "out of memory");
    for (int m = 0; m < b->kw_planes; m++)
        for (uint64_t o = 0; o < rows; o++) {
            int64_t grp = (int64_t)o / b->og, oi = (int64_t)o % b->og;
            int64_t ob = oi / LANES, l = oi % LANES;
            for (uint64_t j = 0; j < per; j++) {
                uint64_t src = ((uint64_t)m * rows + o) * k->wpr + j / 64;
                int bit = (int)((k->planes[src] >> (j % 64)) & 1);
                int mbit = k->masks ? (int)((k->masks[src] >> (j % 64)) & 1) : 1;
                int64_t ci = (int64_t)j / b->T, t = (int64_t)j % b->T;
                int64_t blk = ((m * b->G + grp) * b->OB + ob) * b->T + t;
                uint64_t at = ((uint64_t)(blk * b->CW + ci / 64)) * LANES + (uint64_t)l;
                c[at] |= (uint64_t)bit << (ci % 64);
                mk[at] |= (uint64_t)mbit << (ci % 64);
                pc[(uint64_t)blk * LANES + (uint64_t)l] += (uint64_t)mbit;
            }
        }
    Arena *a = &g->cx->arena;
    WKern w = {g_words(g, arena_printf(a, "k.%s", k->name), c, nw),
               g_words(g, arena_printf(a, "km.%s", k->name), mk, nw),
               g_words(g, arena_printf(a, "kp.%s", k->name), pc, nblk * LANES)};
    free(c);
    free(mk);
    free(pc);
    return w;
}

/* Pack x (one sign byte per element, [C, H, W]) into channel words
 * xp[((g H + y) W + x) Kx + n][CW] (and the width masks when x is masked). */
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

typedef struct Kern {
    const BGeo *b;
    WKern w;
    LLVMTypeRef v8;
    LLVMValueRef xp, xm; // packed input
    /* Neither weights nor input are masked: count popcount(c ^ d) with no mask (the
     * padding bits are 0 in both) and S = popcount(valid) - 2 acc. */
    bool nomask;
    LLVMValueRef ntap; // nomask: the valid elements read so far (cg per in-bounds tap)
    LLVMValueRef acc[IR_MAX_BITS * IR_MAX_BITS], pa[IR_MAX_BITS * IR_MAX_BITS];
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

static LLVMValueRef vpop(G *g, const Kern *k, LLVMValueRef v)
{
    LLVMTypeRef t = k->v8;
    return g_call(g, "llvm.ctpop.v8i64", t, &t, 1, &v);
}

static void vacc(G *g, const Kern *k, LLVMValueRef var, LLVMValueRef v)
{
    LLVMBuildStore(B, LLVMBuildAdd(B, LLVMBuildLoad2(B, k->v8, var, ""), v, ""), var);
}

/* One tap of one 8-channel block: every channel word, every plane pair. blk0 is the
 * block index of plane 0 ((g OB + ob) T + t); plane m adds m G OB T. */
static void tap_words(G *g, Kern *k, LLVMValueRef pixbase, LLVMValueRef blk0)
{
    const BGeo *b = k->b;
    int64_t mstride = b->G * b->OB * b->T;
    GLoop lw;
    LLVMValueRef w = g_loop_begin(g, &lw, g_i64(g, b->CW), "w");
    LLVMValueRef d[IR_MAX_BITS], dm[IR_MAX_BITS];
    for (int n = 0; n < b->kx; n++) {
        LLVMValueRef at = g_add(g, g_addk(g, pixbase, n * b->CW), w);
        d[n] = splat(g, k, g_load(g, g->i64, k->xp, at));
        dm[n] = k->xm ? splat(g, k, g_load(g, g->i64, k->xm, at)) : NULL;
    }
    for (int m = 0; m < b->kw_planes; m++) {
        LLVMValueRef word = g_add(g, g_mulk(g, g_addk(g, blk0, m * mstride), b->CW), w);
        LLVMValueRef c = vload(g, k, k->w.c, word);
        LLVMValueRef mk = k->nomask ? NULL : vload(g, k, k->w.mask, word);
        for (int n = 0; n < b->kx; n++) {
            int p = m * b->kx + n;
            if (k->nomask) {
                vacc(g, k, k->acc[p], vpop(g, k, LLVMBuildXor(B, c, d[n], "")));
                continue;
            }
            LLVMValueRef A = dm[n] ? LLVMBuildAnd(B, mk, dm[n], "") : mk;
            LLVMValueRef x =
                    LLVMBuildAnd(B, LLVMBuildNot(B, LLVMBuildXor(B, c, d[n], ""), ""), A, "");
            vacc(g, k, k->acc[p], vpop(g, k, x));
            if (dm[n])
                vacc(g, k, k->pa[p], vpop(g, k, A));
        }
    }
    g_loop_end(g, &lw);
    if (k->xm)
        return;
    if (k->nomask) { // every channel of the tap is valid: count taps, not bits
        LLVMValueRef n = LLVMBuildLoad2(B, g->i64, k->ntap, "");
        LLVMBuildStore(B, g_addk(g, n, b->cg), k->ntap);
        return;
    }
    for (int m = 0; m < b->kw_planes; m++) // the mask popcounts of this tap
        for (int n = 0; n < b->kx; n++)
            vacc(g, k, k->pa[m * b->kx + n], vload(g, k, k->w.pc, g_addk(g, blk0, m * mstride)));
}

/* S = 2 acc - popcount(A) per pair; lane l is output channel g og + ob 8 + l. */
static void store_block(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef oy,
                        LLVMValueRef ox)
{
    const BGeo *b = k->b;
    int P = b->kw_planes * b->kx;
    int64_t npos = b->O * b->OH * b->OW;
    LLVMValueRef S[IR_MAX_BITS * IR_MAX_BITS];
    LLVMValueRef valid = k->nomask ? splat(g, k, LLVMBuildLoad2(B, g->i64, k->ntap, "")) : NULL;
    for (int p = 0; p < P; p++) {
        LLVMValueRef a = LLVMBuildLoad2(B, k->v8, k->acc[p], "");
        LLVMValueRef pa = valid ? valid : LLVMBuildLoad2(B, k->v8, k->pa[p], "");
        a = LLVMBuildAdd(B, a, a, "");
        S[p] = k->nomask ? LLVMBuildSub(B, pa, a, "") : LLVMBuildSub(B, a, pa, "");
    }
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
        LLVMBasicBlockRef st = NULL, next = NULL;
        if (b->og % LANES) {
            st = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
            next = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.next");
            LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, b->og), ""), st, next);
            LLVMPositionBuilderAtEnd(B, st);
        }
        LLVMValueRef o = g_add(g, g_mulk(g, grp, b->og), oi);
        LLVMValueRef pos = g_add(g, g_mulk(g, g_add(g, g_mulk(g, o, b->OH), oy), b->OW), ox);
        for (int p = 0; p < P; p++) {
            LLVMValueRef v = LLVMBuildExtractElement(B, S[p], g_i32(g, l), "");
            g_store(g, g->i32, g_out(g)->p, g_addk(g, pos, p * npos),
                    LLVMBuildTrunc(B, v, g->i32, ""));
        }
        if (next) {
            LLVMBuildBr(B, next);
            LLVMPositionBuilderAtEnd(B, next);
        }
    }
}

/* in-bounds test of one input coordinate. */
static LLVMValueRef inside(G *g, LLVMValueRef i, int64_t size)
{
    return LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, i, g_i64(g, 0), ""),
                        LLVMBuildICmp(B, LLVMIntSLT, i, g_i64(g, size), ""), "");
}

static void kernel(G *g, Kern *k)
{
    const BGeo *b = k->b;
    GLoop ly, lx, lg, lb, lky, lkx;
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, b->OH), "oy");
    LLVMValueRef ox = g_loop_begin(g, &lx, g_i64(g, b->OW), "ox");
    LLVMValueRef grp = g_loop_begin(g, &lg, g_i64(g, b->G), "grp");
    LLVMValueRef ob = g_loop_begin(g, &lb, g_i64(g, b->OB), "ob");
    LLVMValueRef zero = LLVMConstNull(k->v8);
    for (int p = 0; p < b->kw_planes * b->kx; p++) {
        LLVMBuildStore(B, zero, k->acc[p]);
        if (!k->nomask)
            LLVMBuildStore(B, zero, k->pa[p]);
    }
    if (k->nomask)
        LLVMBuildStore(B, g_i64(g, 0), k->ntap);
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, b->kh), "ky");
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, b->kw), "kx");
    LLVMValueRef iy = g_add(g, g_addk(g, g_mulk(g, oy, b->sh), -b->pt), g_mulk(g, ky, b->dh));
    LLVMValueRef ix = g_add(g, g_addk(g, g_mulk(g, ox, b->sw), -b->pl), g_mulk(g, kx, b->dw));
    LLVMBasicBlockRef tap = LLVMAppendBasicBlockInContext(g->C, g->fn, "tap");
    LLVMBasicBlockRef skip = LLVMAppendBasicBlockInContext(g->C, g->fn, "tap.skip");
    LLVMBuildCondBr(B, LLVMBuildAnd(B, inside(g, iy, b->H), inside(g, ix, b->W), ""), tap, skip);
    LLVMPositionBuilderAtEnd(B, tap);
    LLVMValueRef pix = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, b->H), iy), b->W), ix);
    LLVMValueRef t = g_add(g, g_mulk(g, ky, b->kw), kx);
    LLVMValueRef blk0 = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, b->OB), ob), b->T), t);
    tap_words(g, k, g_mulk(g, pix, b->kx * b->CW), blk0);
    LLVMBuildBr(B, skip);
    LLVMPositionBuilderAtEnd(B, skip);
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    store_block(g, k, grp, ob, oy, ox);
    g_loop_end(g, &lb);
    g_loop_end(g, &lg);
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
}

static void bpop(G *g, BGeo *b)
{
    const IrType *xt = g_argt(g, 0);
    const IrConst *c = g_argc(g, 1);
    b->T = b->kh * b->kw;
    b->CW = (b->cg + 63) / 64;
    b->OB = (b->og + LANES - 1) / LANES;
    b->kw_planes = c->type.bits;
    b->kx = xt->bits;
    g_alloc_value(g, g_out(g), g_outt(g));
    Kern k = {.b = b, .v8 = LLVMVectorType(g->i64, LANES), .nomask = !xt->masked && !c->masks};
    k.w = repack(g, c, b);
    uint64_t words = (uint64_t)(b->G * b->H * b->W * b->kx * b->CW);
    k.xp = g_alloc(g, 8 * words);
    k.xm = xt->masked ? g_alloc(g, 8 * words) : NULL;
    for (int p = 0; p < b->kw_planes * b->kx; p++) {
        k.acc[p] = g_var(g, k.v8, NULL);
        k.pa[p] = g_var(g, k.v8, NULL);
    }
    k.ntap = g_var(g, g->i64, NULL);
    pack_input(g, b, g_arg(g, 0), xt, k.xp, k.xm);
    kernel(g, &k);
}

void gen_bpop_dense(G *g)
{
    if (g->int8 && g->int8[g->in - g->m->insts.data]) { // llvm_int8.c
        gen_int8_bpop(g, g->int8[g->in - g->m->insts.data]);
        return;
    }
    const IrConst *c = g_argc(g, 1);
    int64_t O = c->type.d[0], N = c->type.d[1];
    BGeo b = {.C = N,
              .H = 1,
              .W = 1,
              .G = 1,
              .cg = N,
              .og = O,
              .O = O,
              .OH = 1,
              .OW = 1,
              .kh = 1,
              .kw = 1,
              .sh = 1,
              .sw = 1,
              .dh = 1,
              .dw = 1};
    bpop(g, &b);
}

void gen_bpop_conv2d(G *g)
{
    if (g->int8 && g->int8[g->in - g->m->insts.data]) { // llvm_int8.c
        gen_int8_bpop(g, g->int8[g->in - g->m->insts.data]);
        return;
    }
    IrWindow w = ir_window(g->m, g->in);
    BGeo b = {.C = w.C,
              .H = w.H,
              .W = w.W,
              .G = w.groups,
              .cg = w.C / w.groups,
              .og = w.O / w.groups,
              .O = w.O,
              .OH = w.OH,
              .OW = w.OW,
              .kh = w.kh,
              .kw = w.kw,
              .sh = w.sh,
              .sw = w.sw,
              .dh = w.dh,
              .dw = w.dw,
              .pt = w.pt,
              .pl = w.pl};
    bpop(g, &b);
}
