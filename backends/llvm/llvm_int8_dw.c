// SPDX-License-Identifier: MIT
/* llvm_int8_dw.c: the int8 kernel of a depthwise bpop_conv2d (groups = C = O: one input
 * and one output channel per group), fused with its icomb. The generic kernels put
 * output channels in vector lanes, so a group of one channel uses 1 lane of 16 (int8)
 * or 1 bit of 64 (bit-serial). Here lanes are 16 output pixels of one channel's row: the
 * input levels A (llvm_int8.h's algebra) go into a zero-bordered i32 image per channel,
 * each tap is one vector load (a shuffle picks every stride-th pixel) times the tap's
 * weight level W broadcast, and acc = g_c * sum is stored as 16 contiguous outputs. */
#include <stdlib.h>

#include "ice.h"
#include "llvm_int8.h"

#define B     g->b
#define LANES 16

typedef struct Dw {
    int64_t C, H, W, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl;
    int64_t T, Hb, Wb, Wr; // taps; bordered rows, columns valid lanes read, row length
    const Int8Plan *p;
    LLVMTypeRef v16;
    LLVMValueRef wt, gt, act, out;
} Dw;

static LLVMValueRef dw_splat(G *g, Dw *k, LLVMValueRef v)
{
    LLVMValueRef undef = LLVMGetUndef(k->v16);
    LLVMValueRef ins = LLVMBuildInsertElement(B, undef, v, g_i32(g, 0), "");
    return LLVMBuildShuffleVector(B, ins, undef, LLVMConstNull(LLVMVectorType(g->i32, LANES)), "");
}

bool int8_depthwise(const IrWindow *w)
{
    return w->groups > 1 && w->groups == w->C && w->groups == w->O && w->sw <= 4;
}

/* W_ct = sum_m u_cm s_m,ct (0 where masked out) as i32 [C][T], and g_c. */
static void dw_weights(G *g, Dw *k, const IrConst *c)
{
    int32_t *w = calloc((size_t)(k->C * k->T), sizeof *w);
    HB_CHECK(w, "out of memory");
    for (int64_t o = 0; o < k->C; o++)
        for (int64_t t = 0; t < k->T; t++)
            for (int m = 0; m < k->p->kw; m++) {
                uint64_t src =
                        ((uint64_t)m * (uint64_t)k->C + (uint64_t)o) * c->wpr + (uint64_t)t / 64;
                if (c->masks && !((c->masks[src] >> (t % 64)) & 1))
                    continue;
                int s = ((c->planes[src] >> (t % 64)) & 1) ? 1 : -1;
                w[o * k->T + t] += s * k->p->u[o * k->p->kw + m];
            }
    Arena *a = &g->cx->arena;
    k->wt = g_ints(g, arena_printf(a, "dw8.%s", c->name), w, (uint64_t)(k->C * k->T));
    k->gt = g_ints(g, arena_printf(a, "dw8g.%s", c->name), k->p->gs, (uint64_t)k->C);
    free(w);
}

/* Zero the border that valid lanes read: rows above and below the image, and the
 * columns left and right of it. The interior is rewritten by dw_pack every example. */
static void dw_border(G *g, Dw *k, LLVMValueRef row0)
{
    GLoop ly;
    LLVMValueRef y = g_loop_begin(g, &ly, g_i64(g, k->Hb), "zy");
    LLVMValueRef row = g_gep(g, g->i32, row0, g_mulk(g, y, k->Wr));
    LLVMValueRef inside =
            LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntUGE, y, g_i64(g, k->pt), ""),
                         LLVMBuildICmp(B, LLVMIntULT, y, g_i64(g, k->pt + k->H), ""), "");
    LLVMBasicBlockRef full = LLVMAppendBasicBlockInContext(g->C, g->fn, "dw.zrow");
    LLVMBasicBlockRef sides = LLVMAppendBasicBlockInContext(g->C, g->fn, "dw.zside");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->C, g->fn, "dw.zdone");
    LLVMBuildCondBr(B, inside, sides, full);
    LLVMPositionBuilderAtEnd(B, full);
    g_memset0(g, row, (uint64_t)k->Wb * 4);
    LLVMBuildBr(B, done);
    LLVMPositionBuilderAtEnd(B, sides);
    if (k->pl)
        g_memset0(g, row, (uint64_t)k->pl * 4);
    if (k->Wb > k->pl + k->W)
        g_memset0(g, g_gep(g, g->i32, row, g_i64(g, k->pl + k->W)),
                  (uint64_t)(k->Wb - k->pl - k->W) * 4);
    LLVMBuildBr(B, done);
    LLVMPositionBuilderAtEnd(B, done);
    g_loop_end(g, &ly);
}

/* Lane mask of the first `lanes` lanes. */
static LLVMValueRef dw_lanes(G *g, int lanes)
{
    LLVMValueRef bits[LANES];
    for (int i = 0; i < LANES; i++)
        bits[i] = LLVMConstInt(g->i1, i < lanes, 0);
    return LLVMConstVector(bits, LANES);
}

/* 16 (or `lanes`) bytes at p as i32 lanes. */
static LLVMValueRef dw_bytes(G *g, LLVMValueRef p, int lanes)
{
    LLVMTypeRef vb = LLVMVectorType(g->i8, LANES);
    LLVMValueRef v;
    if (lanes == LANES) {
        v = LLVMBuildLoad2(B, vb, p, "");
        LLVMSetAlignment(v, 1);
    } else {
        LLVMTypeRef ps[] = {g->ptr, g->i32, LLVMVectorType(g->i1, LANES), vb};
        LLVMValueRef args[] = {p, g_i32(g, 1), dw_lanes(g, lanes), LLVMConstNull(vb)};
        v = g_call(g, "llvm.masked.load.v16i8.p0", vb, ps, 4, args);
    }
    return LLVMBuildZExt(B, v, LLVMVectorType(g->i32, LANES), "");
}

static void dw_store(G *g, Dw *k, LLVMValueRef v, LLVMValueRef p, int lanes)
{
    if (lanes == LANES) {
        LLVMSetAlignment(LLVMBuildStore(B, v, p), 4);
        return;
    }
    LLVMTypeRef ps[] = {k->v16, g->ptr, g->i32, LLVMVectorType(g->i1, LANES)};
    LLVMValueRef args[] = {v, p, g_i32(g, 4), dw_lanes(g, lanes)};
    g_call(g, "llvm.masked.store.v16i32.p0", g->vd, ps, 4, args);
}

/* Levels A = sum_{n < width} v_n s_n of `lanes` elements from element e. */
static void dw_levels(G *g, Dw *k, LLVMValueRef e, LLVMValueRef dst, int lanes)
{
    const GVal *x = g_arg(g, 0);
    LLVMValueRef s = dw_bytes(g, g_gep(g, g->i8, x->p, e), lanes);
    LLVMValueRef wd = g_argt(g, 0)->masked ? dw_bytes(g, g_gep(g, g->i8, x->w, e), lanes) : NULL;
    LLVMValueRef lv = LLVMConstNull(k->v16), one = dw_splat(g, k, g_i32(g, 1));
    for (int n = 0; n < k->p->kx; n++) {
        LLVMValueRef sh = LLVMBuildLShr(B, s, dw_splat(g, k, g_i32(g, n)), "");
        LLVMValueRef bit = LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, sh, one, ""),
                                         LLVMConstNull(k->v16), "");
        LLVMValueRef t = LLVMBuildSelect(B, bit, dw_splat(g, k, g_i32(g, k->p->v[n])),
                                         dw_splat(g, k, g_i32(g, -k->p->v[n])), "");
        if (wd)
            t = LLVMBuildSelect(B,
                                LLVMBuildICmp(B, LLVMIntSGT, wd, dw_splat(g, k, g_i32(g, n)), ""),
                                t, LLVMConstNull(k->v16), "");
        lv = LLVMBuildAdd(B, lv, t, "");
    }
    dw_store(g, k, lv, dst, lanes);
}

/* A_cyx into the bordered image of every channel, then its border. */
static void dw_pack(G *g, Dw *k)
{
    GLoop lc, ly, lx;
    LLVMValueRef c = g_loop_begin(g, &lc, g_i64(g, k->C), "dc");
    LLVMValueRef img = g_gep(g, g->i32, k->act, g_mulk(g, c, k->Hb * k->Wr));
    LLVMValueRef y = g_loop_begin(g, &ly, g_i64(g, k->H), "dy");
    LLVMValueRef src = g_mulk(g, g_add(g, g_mulk(g, c, k->H), y), k->W);
    LLVMValueRef dst =
            g_gep(g, g->i32, img, g_addk(g, g_mulk(g, g_addk(g, y, k->pt), k->Wr), k->pl));
    int64_t full = k->W / LANES;
    if (full) {
        LLVMValueRef q = g_mulk(g, g_loop_begin(g, &lx, g_i64(g, full), "dx"), LANES);
        dw_levels(g, k, g_add(g, src, q), g_gep(g, g->i32, dst, q), LANES);
        g_loop_end(g, &lx);
    }
    if (k->W % LANES)
        dw_levels(g, k, g_addk(g, src, full * LANES), g_gep(g, g->i32, dst, g_i64(g, full * LANES)),
                  (int)(k->W % LANES));
    g_loop_end(g, &ly);
    dw_border(g, k, img);
    g_loop_end(g, &lc);
}

/* The 16 lanes' inputs of one tap: pixels ox0*sw + i*sw (i < 16) from p. */
static LLVMValueRef dw_taps(G *g, Dw *k, LLVMValueRef p)
{
    LLVMTypeRef wide = LLVMVectorType(g->i32, (unsigned)(LANES * k->sw));
    LLVMValueRef v = LLVMBuildLoad2(B, k->sw == 1 ? k->v16 : wide, p, "");
    LLVMSetAlignment(v, 4);
    if (k->sw == 1)
        return v;
    LLVMValueRef idx[LANES];
    for (int i = 0; i < LANES; i++)
        idx[i] = g_i32(g, i * k->sw);
    return LLVMBuildShuffleVector(B, v, LLVMGetUndef(wide), LLVMConstVector(idx, LANES), "");
}

/* Outputs ox0 .. ox0 + lanes - 1 of row oy of channel c (lanes < 16: a masked store). */
static void dw_chunk(G *g, Dw *k, LLVMValueRef c, LLVMValueRef oy, LLVMValueRef ox0, int lanes)
{
    LLVMValueRef acc = LLVMConstNull(k->v16);
    LLVMValueRef img = g_mulk(g, c, k->Hb * k->Wr);
    for (int64_t ky = 0; ky < k->kh; ky++) {
        LLVMValueRef row =
                g_add(g, img, g_mulk(g, g_addk(g, g_mulk(g, oy, k->sh), ky * k->dh), k->Wr));
        for (int64_t kx = 0; kx < k->kw; kx++) {
            LLVMValueRef at = g_addk(g, g_add(g, row, g_mulk(g, ox0, k->sw)), kx * k->dw);
            LLVMValueRef wv =
                    g_load(g, g->i32, k->wt, g_addk(g, g_mulk(g, c, k->T), ky * k->kw + kx));
            LLVMValueRef v = dw_taps(g, k, g_gep(g, g->i32, k->act, at));
            acc = LLVMBuildAdd(B, acc, LLVMBuildMul(B, v, dw_splat(g, k, wv), ""), "");
        }
    }
    // acc = g (sum W A), exact mod 2^32 and |acc| <= the icomb bound < 2^31
    acc = LLVMBuildMul(B, acc, dw_splat(g, k, g_load(g, g->i32, k->gt, c)), "");
    LLVMValueRef dst = g_gep(g, g->i32, k->out,
                             g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, k->OH), oy), k->OW), ox0));
    dw_store(g, k, acc, dst, lanes);
}

void gen_int8_dw(G *g, const Int8Plan *p, const IrWindow *w, LLVMValueRef out)
{
    const IrConst *c = g_argc(g, 1);
    Dw k = {.C = w->C,
            .H = w->H,
            .W = w->W,
            .OH = w->OH,
            .OW = w->OW,
            .kh = w->kh,
            .kw = w->kw,
            .sh = w->sh,
            .sw = w->sw,
            .dh = w->dh,
            .dw = w->dw,
            .pt = w->pt,
            .pl = w->pl,
            .p = p,
            .out = out};
    k.T = k.kh * k.kw;
    k.v16 = LLVMVectorType(g->i32, LANES);
    int64_t nch = (k.OW + LANES - 1) / LANES, full = k.OW / LANES;
    k.Hb = (k.OH - 1) * k.sh + (k.kh - 1) * k.dh + 1;
    k.Hb = k.Hb > k.H + k.pt ? k.Hb : k.H + k.pt;
    k.Wb = (k.OW - 1) * k.sw + (k.kw - 1) * k.dw + 1;
    k.Wb = k.Wb > k.W + k.pl ? k.Wb : k.W + k.pl;
    k.Wr = nch * LANES * k.sw + (k.kw - 1) * k.dw; // what the last chunk's loads span
    k.Wr = k.Wr > k.Wb ? k.Wr : k.Wb;
    dw_weights(g, &k, c);
    // one row of slack: the last row's wide loads end at most Wr elements past its start
    k.act = g_alloc(g, (uint64_t)((k.C * k.Hb + 1) * k.Wr) * 4);
    dw_pack(g, &k);
    GLoop lc, ly, lq;
    LLVMValueRef ch = g_loop_begin(g, &lc, g_i64(g, k.C), "wc");
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, k.OH), "wy");
    if (full) {
        LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, full), "wq");
        dw_chunk(g, &k, ch, oy, g_mulk(g, q, LANES), LANES);
        g_loop_end(g, &lq);
    }
    if (k.OW % LANES)
        dw_chunk(g, &k, ch, oy, g_i64(g, full * LANES), (int)(k.OW % LANES));
    g_loop_end(g, &ly);
    g_loop_end(g, &lc);
}
