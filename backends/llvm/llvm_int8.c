// SPDX-License-Identifier: MIT
/* llvm_int8.c: the int8 kernel of a bpop layer fused with its icomb (llvm_int8.h has the
 * algebra; llvm_cost.c decides which layers). Weights are expanded at compile time to
 * levels W + 128 in u8 (read-only data [G][O/16][tap][C/4][16 lanes][4 bytes]); the
 * input becomes s8 levels A in a zero-bordered buffer [G][Hb][Wb][C/4][4] with a
 * per-pixel sum of A, so padding contributes nothing and needs no test in the loop. Each
 * output vector of 16 channels is acc = g (vpdpbusd-sum of (W+128) A - 128 sum A). */
#include "llvm_int8.h"

#include <stdlib.h>
#include <string.h>

#include "ice.h"

#define B     g->b
#define LANES 16
#define TILE  8 // output pixels per register tile (conv); dense splits K instead

typedef struct I8 {
    int64_t C, H, W, G, cg, og, O, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl;
    int64_t T, C4, OB, Hb, Wb; // taps, 4-channel words per pixel, 16-channel blocks, buffer
    int ks;                    // independent accumulators along K (dense)
    CpuIsa isa;
    const Int8Plan *p;
    LLVMTypeRef v16, v8;
    LLVMValueRef wt, gt, act, rsum, out;
} I8;

/* Weights W + 128 as bytes and the per-lane row factor g, from the packed planes. */
static void repack(G *g, I8 *k, const IrConst *c)
{
    uint64_t nwords = (uint64_t)(k->G * k->OB * k->T * k->C4 * LANES);
    uint8_t *w = malloc(nwords * 4);
    int32_t *gt = calloc((size_t)(k->G * k->OB * LANES), sizeof *gt);
    HB_CHECK(w && gt, "out of memory");
    memset(w, 128, nwords * 4);
    uint64_t rows = (uint64_t)c->type.d[0], per = (uint64_t)(k->cg * k->T);
    for (uint64_t o = 0; o < rows; o++) {
        int64_t grp = (int64_t)o / k->og, oi = (int64_t)o % k->og;
        int64_t ob = oi / LANES, l = oi % LANES;
        gt[(grp * k->OB + ob) * LANES + l] = k->p->gs[o];
        for (uint64_t j = 0; j < per; j++) {
            int32_t lv = 0;
            for (int m = 0; m < k->p->kw; m++) {
                uint64_t src = ((uint64_t)m * rows + o) * c->wpr + j / 64;
                if (c->masks && !((c->masks[src] >> (j % 64)) & 1))
                    continue;
                int s = (int)((c->planes[src] >> (j % 64)) & 1) ? 1 : -1;
                lv += s * k->p->u[o * (uint64_t)k->p->kw + (uint64_t)m];
            }
            int64_t ci = (int64_t)j / k->T, t = (int64_t)j % k->T;
            int64_t word = (((grp * k->OB + ob) * k->T + t) * k->C4 + ci / 4) * LANES + l;
            w[word * 4 + ci % 4] = (uint8_t)(lv + 128);
        }
    }
    Arena *a = &g->cx->arena;
    k->wt = g_ints(g, arena_printf(a, "k8.%s", c->name), (const int32_t *)w, nwords);
    k->gt = g_ints(g, arena_printf(a, "k8g.%s", c->name), gt, (uint64_t)(k->G * k->OB * LANES));
    free(w);
    free(gt);
}

/* Input levels A_j = sum_{n < width} v_n s_nj as s8 into the bordered buffer, and the
 * sum of A over each pixel's channels. */
static void pack(G *g, I8 *k)
{
    const GVal *x = g_arg(g, 0);
    bool masked = g_argt(g, 0)->masked;
    g_memset0(g, k->act, (uint64_t)(k->G * k->Hb * k->Wb * k->C4 * 4));
    g_memset0(g, k->rsum, (uint64_t)(k->G * k->Hb * k->Wb * 4));
    GLoop lg, ly, lx, lc;
    LLVMValueRef grp = g_loop_begin(g, &lg, g_i64(g, k->G), "ag");
    LLVMValueRef y = g_loop_begin(g, &ly, g_i64(g, k->H), "ay");
    LLVMValueRef xx = g_loop_begin(g, &lx, g_i64(g, k->W), "ax");
    LLVMValueRef pix =
            g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, k->Hb), g_addk(g, y, k->pt)), k->Wb),
                  g_addk(g, xx, k->pl));
    LLVMValueRef sum = g_var(g, g->i32, g_i32(g, 0));
    LLVMValueRef c = g_loop_begin(g, &lc, g_i64(g, k->cg), "ac");
    LLVMValueRef ch = g_add(g, g_mulk(g, grp, k->cg), c);
    LLVMValueRef e = g_add(g, g_mulk(g, g_add(g, g_mulk(g, ch, k->H), y), k->W), xx);
    LLVMValueRef s = LLVMBuildZExt(B, g_load(g, g->i8, x->p, e), g->i32, "");
    LLVMValueRef wd = masked ? LLVMBuildZExt(B, g_load(g, g->i8, x->w, e), g->i32, "") : NULL;
    LLVMValueRef lv = g_i32(g, 0);
    for (int n = 0; n < k->p->kx; n++) {
        LLVMValueRef bit = LLVMBuildTrunc(B, LLVMBuildLShr(B, s, g_i32(g, n), ""), g->i1, "");
        LLVMValueRef t = LLVMBuildSelect(B, bit, g_i32(g, k->p->v[n]), g_i32(g, -k->p->v[n]), "");
        if (wd)
            t = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, wd, g_i32(g, n), ""), t,
                                g_i32(g, 0), "");
        lv = LLVMBuildAdd(B, lv, t, "");
    }
    g_store(g, g->i8, k->act, g_add(g, g_mulk(g, pix, k->C4 * 4), c),
            LLVMBuildTrunc(B, lv, g->i8, ""));
    LLVMBuildStore(B, LLVMBuildAdd(B, LLVMBuildLoad2(B, g->i32, sum, ""), lv, ""), sum);
    g_loop_end(g, &lc);
    g_store(g, g->i32, k->rsum, pix, LLVMBuildLoad2(B, g->i32, sum, ""));
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
    g_loop_end(g, &lg);
}

static LLVMValueRef splat(G *g, I8 *k, LLVMValueRef v)
{
    LLVMValueRef undef = LLVMGetUndef(k->v16);
    LLVMValueRef ins = LLVMBuildInsertElement(B, undef, v, g_i32(g, 0), "");
    return LLVMBuildShuffleVector(B, ins, undef, LLVMConstNull(LLVMVectorType(g->i32, LANES)), "");
}

static LLVMValueRef half(G *g, I8 *k, LLVMValueRef v, int h)
{
    LLVMValueRef idx[8];
    for (int i = 0; i < 8; i++)
        idx[i] = g_i32(g, h * 8 + i);
    return LLVMBuildShuffleVector(B, v, LLVMGetUndef(k->v16), LLVMConstVector(idx, 8), "");
}

/* acc + sum of 4 products (u8 bytes of w) x (s8 bytes of a) per i32 lane: vpdpbusd on
 * AVX512-VNNI (zmm) or AVX-VNNI (two ymm); elsewhere widened to i32 (exact, slower). */
static LLVMValueRef dot4(G *g, I8 *k, LLVMValueRef acc, LLVMValueRef w, LLVMValueRef a)
{
    if (k->isa.vnni512) {
        LLVMTypeRef ps[3] = {k->v16, k->v16, k->v16};
        LLVMValueRef args[3] = {acc, w, a};
        return g_call(g, "llvm.x86.avx512.vpdpbusd.512", k->v16, ps, 3, args);
    }
    if (k->isa.avxvnni) {
        LLVMTypeRef ps[3] = {k->v8, k->v8, k->v8};
        LLVMValueRef r[2];
        for (int h = 0; h < 2; h++) {
            LLVMValueRef args[3] = {half(g, k, acc, h), half(g, k, w, h), half(g, k, a, h)};
            r[h] = g_call(g, "llvm.x86.avx512.vpdpbusd.256", k->v8, ps, 3, args);
        }
        LLVMValueRef idx[LANES];
        for (int i = 0; i < LANES; i++)
            idx[i] = g_i32(g, i);
        return LLVMBuildShuffleVector(B, r[0], r[1], LLVMConstVector(idx, LANES), "");
    }
    LLVMTypeRef b64 = LLVMVectorType(g->i8, 4 * LANES), i64v = LLVMVectorType(g->i32, 4 * LANES);
    LLVMValueRef wu = LLVMBuildZExt(B, LLVMBuildBitCast(B, w, b64, ""), i64v, "");
    LLVMValueRef as = LLVMBuildSExt(B, LLVMBuildBitCast(B, a, b64, ""), i64v, "");
    LLVMValueRef prod = LLVMBuildMul(B, wu, as, "");
    for (int q = 0; q < 4; q++) {
        LLVMValueRef idx[LANES];
        for (int i = 0; i < LANES; i++)
            idx[i] = g_i32(g, 4 * i + q);
        acc = LLVMBuildAdd(B, acc,
                           LLVMBuildShuffleVector(B, prod, LLVMGetUndef(i64v),
                                                  LLVMConstVector(idx, LANES), ""),
                           "");
    }
    return acc;
}

/* One register tile: px output pixels (ox0 ..) of row oy in group grp, every 16-channel
 * block, ks accumulators per pixel along K. */
static void tile(G *g, I8 *k, LLVMValueRef grp, LLVMValueRef oy, LLVMValueRef ox0, int px, int ks)
{
    LLVMValueRef ws[TILE], acc[TILE][4], base[TILE];
    for (int p = 0; p < px; p++) { // sum of A over the window: per pixel, not per channel
        ws[p] = g_var(g, g->i32, g_i32(g, 0));
        for (int s = 0; s < ks; s++)
            acc[p][s] = g_var(g, k->v16, NULL);
    }
    GLoop lky, lkx, lb, lc;
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, k->kh), "wy");
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, k->kw), "wx");
    LLVMValueRef yp = g_add(g, g_mulk(g, oy, k->sh), g_mulk(g, ky, k->dh));
    for (int p = 0; p < px; p++) {
        LLVMValueRef xp = g_add(g, g_mulk(g, g_addk(g, ox0, p), k->sw), g_mulk(g, kx, k->dw));
        LLVMValueRef at = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, k->Hb), yp), k->Wb), xp);
        LLVMValueRef r = g_load(g, g->i32, k->rsum, at);
        LLVMBuildStore(B, LLVMBuildAdd(B, LLVMBuildLoad2(B, g->i32, ws[p], ""), r, ""), ws[p]);
    }
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    LLVMValueRef ob = g_loop_begin(g, &lb, g_i64(g, k->OB), "ib");
    for (int p = 0; p < px; p++)
        for (int s = 0; s < ks; s++)
            LLVMBuildStore(B, LLVMConstNull(k->v16), acc[p][s]);
    ky = g_loop_begin(g, &lky, g_i64(g, k->kh), "iy");
    kx = g_loop_begin(g, &lkx, g_i64(g, k->kw), "ix");
    yp = g_add(g, g_mulk(g, oy, k->sh), g_mulk(g, ky, k->dh));
    for (int p = 0; p < px; p++) {
        LLVMValueRef xp = g_add(g, g_mulk(g, g_addk(g, ox0, p), k->sw), g_mulk(g, kx, k->dw));
        base[p] = g_mulk(g, g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, k->Hb), yp), k->Wb), xp),
                         k->C4);
    }
    LLVMValueRef t = g_add(g, g_mulk(g, ky, k->kw), kx);
    LLVMValueRef wb =
            g_mulk(g, g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, k->OB), ob), k->T), t), k->C4);
    LLVMValueRef c = g_loop_begin(g, &lc, g_i64(g, k->C4 / ks), "ic");
    for (int s = 0; s < ks; s++) {
        LLVMValueRef cw = g_addk(g, g_mulk(g, c, ks), s);
        LLVMValueRef wv = LLVMBuildLoad2(
                B, k->v16, g_gep(g, g->i32, k->wt, g_mulk(g, g_add(g, wb, cw), LANES)), "");
        LLVMSetAlignment(wv, 4);
        for (int p = 0; p < px; p++) {
            LLVMValueRef a = splat(g, k, g_load(g, g->i32, k->act, g_add(g, base[p], cw)));
            LLVMValueRef cur = LLVMBuildLoad2(B, k->v16, acc[p][s], "");
            LLVMBuildStore(B, dot4(g, k, cur, wv, a), acc[p][s]);
        }
    }
    g_loop_end(g, &lc);
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    // acc = g (dot - 128 sum A), exact mod 2^32 and |acc| <= the icomb bound < 2^31
    LLVMValueRef gv = LLVMBuildLoad2(
            B, k->v16,
            g_gep(g, g->i32, k->gt, g_mulk(g, g_add(g, g_mulk(g, grp, k->OB), ob), LANES)), "");
    LLVMSetAlignment(gv, 4);
    int64_t npix = k->OH * k->OW;
    for (int p = 0; p < px; p++) {
        LLVMValueRef d = LLVMBuildLoad2(B, k->v16, acc[p][0], "");
        for (int s = 1; s < ks; s++)
            d = LLVMBuildAdd(B, d, LLVMBuildLoad2(B, k->v16, acc[p][s], ""), "");
        LLVMValueRef corr =
                LLVMBuildMul(B, LLVMBuildLoad2(B, g->i32, ws[p], ""), g_i32(g, 128), "");
        LLVMValueRef r = LLVMBuildMul(B, gv, LLVMBuildSub(B, d, splat(g, k, corr), ""), "");
        LLVMValueRef pos = g_add(g, g_mulk(g, oy, k->OW), g_addk(g, ox0, p));
        for (int l = 0; l < LANES; l++) {
            LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
            LLVMBasicBlockRef st = NULL, next = NULL;
            if (k->og % LANES && l >= k->og % LANES) {
                st = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
                next = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.next");
                LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, k->og), ""), st, next);
                LLVMPositionBuilderAtEnd(B, st);
            }
            LLVMValueRef o = g_add(g, g_mulk(g, grp, k->og), oi);
            g_store(g, g->i32, k->out, g_add(g, g_mulk(g, o, npix), pos),
                    LLVMBuildExtractElement(B, r, g_i32(g, l), ""));
            if (next) {
                LLVMBuildBr(B, next);
                LLVMPositionBuilderAtEnd(B, next);
            }
        }
    }
    g_loop_end(g, &lb);
}

static void kernel(G *g, I8 *k)
{
    int px = k->OW >= TILE ? TILE : k->OW >= 4 ? (int)k->OW : 1;
    int ks = px == 1 ? k->ks : 1;
    int64_t full = k->OW / px;
    GLoop lg, ly, lt;
    LLVMValueRef grp = g_loop_begin(g, &lg, g_i64(g, k->G), "og");
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, k->OH), "oy");
    LLVMValueRef tx = g_loop_begin(g, &lt, g_i64(g, full), "ot");
    tile(g, k, grp, oy, g_mulk(g, tx, px), px, ks);
    g_loop_end(g, &lt);
    if (k->OW % px) // the row's last pixels: one narrower tile
        tile(g, k, grp, oy, g_i64(g, full * px), (int)(k->OW % px), 1);
    g_loop_end(g, &ly);
    g_loop_end(g, &lg);
}

/* The icomb's result is the kernel's output: place it as that instruction's value. */
static LLVMValueRef icomb_out(G *g, const Int8Plan *p)
{
    const IrInst *ic = &g->m->insts.data[p->icomb], *self = g->in;
    g->in = ic;
    g_alloc_value(g, &g->val[ic->result], g_outt(g));
    g->in = self;
    return g->val[ic->result].p;
}

void gen_int8_bpop(G *g, const Int8Plan *p)
{
    const IrConst *c = g_argc(g, 1);
    IrWindow w = g->in->op == IR_OP_BPOP_CONV2D ? ir_window(g->m, g->in)
                                                : ir_window_dense(c->type.d[1], c->type.d[0]);
    if (g->in->op == IR_OP_BPOP_CONV2D && int8_depthwise(&w)) {
        gen_int8_dw(g, p, &w, icomb_out(g, p));
        return;
    }
    I8 k = {.C = w.C,
            .H = w.H,
            .W = w.W,
            .G = w.groups,
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
            .pl = w.pl,
            .p = p,
            .isa = llvm_cpu_isa(g->o->cpu)};
    k.cg = k.C / k.G;
    k.og = k.O / k.G;
    k.T = k.kh * k.kw;
    k.OB = (k.og + LANES - 1) / LANES;
    k.ks = k.OW == 1 ? 4 : 1;
    k.C4 = ((k.cg + 3) / 4 + k.ks - 1) / k.ks * k.ks;
    k.Hb = (k.OH - 1) * k.sh + (k.kh - 1) * k.dh + 1;
    k.Hb = k.Hb > k.H + k.pt ? k.Hb : k.H + k.pt;
    k.Wb = (k.OW - 1) * k.sw + (k.kw - 1) * k.dw + 1;
    k.Wb = k.Wb > k.W + k.pl ? k.Wb : k.W + k.pl;
    k.v16 = LLVMVectorType(g->i32, LANES);
    k.v8 = LLVMVectorType(g->i32, 8);
    repack(g, &k, c);
    k.out = icomb_out(g, p);
    k.act = g_alloc(g, (uint64_t)(k.G * k.Hb * k.Wb * k.C4 * 4));
    k.rsum = g_alloc(g, (uint64_t)(k.G * k.Hb * k.Wb * 4));
    pack(g, &k);
    kernel(g, &k);
}

bool gen_int8_icomb_done(G *g)
{
    const IrInst *src = &g->m->insts.data[g->m->values.data[g->in->args[0].id].def];
    return g->int8 && g->int8[src - g->m->insts.data] != NULL;
}
