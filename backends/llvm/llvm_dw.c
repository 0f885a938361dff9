// SPDX-License-Identifier: MIT
/* llvm_dw.c: the kernels of a depthwise bpop_conv2d (groups = C = O: one input and one
 * output channel per group). The generic kernels put output channels in vector lanes, so
 * a group of one channel would use 1 lane of 16 (int8) or 1 bit of 64 per tap word
 * (bit-serial). Here lanes are 16 output pixels of one channel's row: the input's
 * activation levels go into a zero-bordered i32 image per channel, each tap is one vector
 * load (a shuffle picks every stride-th pixel) times the tap's weight broadcast. Two modes:
 * - int8 (llvm_int8.h's algebra, fused with the icomb): acc = g_c * sum_t W_ct A_t;
 * - pair sums (the bit-serial path): each activation plane is a digit of one level,
 *   A = sum_n t_n R^n with R = 2^r > 2T, so sum_t s_m,t A_t holds S_m0 .. S_m,kx-1 as
 *   balanced base-R digits (|S| <= T < R/2), which the kernel splits exactly and stores as
 *   the bpop's pair sums: kw multiply-adds per tap instead of kw * kx masked popcounts;
 *   or, when one icomb -> threshold reads them, the threshold's code bytes (the tile
 *   epilogue: the pair sums are never stored).
 * Units of work are channels (pack the image, then its rows), split across idle threads. */
#include <stdlib.h>

#include "ice.h"
#include "llvm_int8.h"

#define B     g->b
#define LANES 16

typedef struct Dw {
    int64_t C, H, W, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl;
    int64_t T, Hb, Wb, Wr;  // taps; bordered rows, columns valid lanes read, row length
    int pw, px, r;          // weight / activation planes; r: digit bits (0: int8 mode)
    int32_t v[IR_MAX_BITS]; // the activation level of plane n
    bool masked;            // the input has per-element widths
    LLVMTypeRef v16;
    LLVMValueRef wt, gt;           // int8: W [C][T], g [C]; pairs: s [pw][C][T], planes [C]
    LLVMValueRef act, out, xp, xw; // images, output, input codes and widths (in the kernel)
    /* The pairs' tile epilogue, icomb + threshold (epi): out is then the threshold's code
     * bytes, from the icomb's coefficients signed by the threshold's neg (cf) and its
     * thresholds (thr). */
    bool epi;
    int ek;               // the threshold's planes
    LLVMValueRef cf, thr; // i32 [C][P], [C][nodes]
} Dw;

/* One channel's epilogue constants, loaded once per channel (splat). */
typedef struct DwCh {
    LLVMValueRef cf[IR_MAX_BITS * IR_MAX_BITS];    // the signed icomb coefficients
    LLVMValueRef th[(1 << BPOP_EPI_MAX_BITS) - 1]; // the threshold nodes
} DwCh;

bool dw_pairs_layer(G *g, const IrInst *in)
{
    uint32_t k = (uint32_t)(in - g->m->insts.data);
    if (in->op != IR_OP_BPOP_CONV2D || (g->int8 && g->int8[k]) || (g->dws && g->dws[k]))
        return false;
    IrWindow w = ir_window(g->m, in);
    return dw_pair_bits(&w, ir_arg_type(g->m, in->args[0])->bits) != 0;
}

bool int8_depthwise(const IrWindow *w)
{
    return w->groups > 1 && w->groups == w->C && w->groups == w->O && w->sw <= 4;
}

int dw_pair_bits(const IrWindow *w, int kx)
{
    if (!int8_depthwise(w))
        return 0;
    int64_t T = w->kh * w->kw;
    int r = 1;
    while (r < 31 && ((int64_t)1 << (r - 1)) <= T) // a digit holds -T..T: R/2 > T
        r++;
    return r * kx <= 31 ? r : 0; // |A| and |sum| < R^kx / 2 <= 2^30
}

double dw_cycles(const IrWindow *w, int kx, int r, double planes, bool avx512)
{
    double chunks = (double)(w->C * w->OH * ((w->OW + LANES - 1) / LANES)),
           T = (double)(w->kh * w->kw);
    double pack = (double)(w->C * w->H * ((w->W + LANES - 1) / LANES)) * (2 + 5 * kx) / 2;
    double ld = w->sw > 1 ? 2 : 1; // a load, and a shuffle for stride > 1
    // int8: ~1.5 cycles per tap of 16 pixels (load, shuffle, multiply, add)
    double per = !r ? T * 1.5 : (T * ld + planes * 2 * T + planes * 6 * kx) / 2;
    return (chunks * per + pack) * (avx512 ? 1 : 2);
}

static LLVMValueRef dw_splat(G *g, Dw *k, LLVMValueRef v)
{
    LLVMValueRef undef = LLVMGetUndef(k->v16);
    LLVMValueRef ins = LLVMBuildInsertElement(B, undef, v, g_i32(g, 0), "");
    return LLVMBuildShuffleVector(B, ins, undef, LLVMConstNull(LLVMVectorType(g->i32, LANES)), "");
}

static LLVMValueRef dw_splatk(G *g, Dw *k, int32_t v)
{
    return dw_splat(g, k, g_i32(g, v));
}

/* Sign s_m,ct of weight plane m at (channel o of C, tap t): +-1, or 0 where masked out. */
static int dw_sign(const IrConst *c, int64_t C, int m, int64_t o, int64_t t)
{
    uint64_t src = ((uint64_t)m * (uint64_t)C + (uint64_t)o) * c->wpr + (uint64_t)t / 64;
    if (c->masks && !((c->masks[src] >> (t % 64)) & 1))
        return 0;
    return ((c->planes[src] >> (t % 64)) & 1) ? 1 : -1;
}

/* The weight planes channel o has: 1 + the last plane any of its T taps has. */
static int dw_channel_planes(const IrConst *c, int64_t C, int64_t T, int64_t o)
{
    int np = 0;
    for (int m = 0; m < c->type.bits; m++)
        for (int64_t t = 0; t < T && np <= m; t++)
            if (dw_sign(c, C, m, o, t))
                np = m + 1;
    return np;
}

/* int8: W_ct = sum_m u_cm s_m,ct as i32 [C][T], and g_c. */
static void dw_weights_int8(G *g, Dw *k, const IrConst *c, const Int8Plan *p)
{
    int32_t *w = calloc((size_t)(k->C * k->T), sizeof *w);
    HB_CHECK(w, "out of memory");
    for (int64_t o = 0; o < k->C; o++)
        for (int64_t t = 0; t < k->T; t++)
            for (int m = 0; m < k->pw; m++)
                w[o * k->T + t] += dw_sign(c, k->C, m, o, t) * p->u[o * k->pw + m];
    Arena *a = &g->cx->arena;
    k->wt = g_ints(g, arena_printf(a, "dw8.%s", c->name), w, (uint64_t)(k->C * k->T));
    k->gt = g_ints(g, arena_printf(a, "dw8g.%s", c->name), p->gs, (uint64_t)k->C);
    free(w);
}

/* Pair sums: s_m,ct as i32 [pw][C][T], and per channel the planes any of its taps has
 * (a plane no tap has contributes zeros: its pair sums are stored as 0, not computed; plane
 * 0 covers every element, the IR verifier's rule). */
static double dw_weights_pairs(G *g, Dw *k, const IrConst *c)
{
    int32_t *s = calloc((size_t)(k->pw * k->C * k->T), sizeof *s);
    int32_t *np = calloc((size_t)k->C, sizeof *np);
    HB_CHECK(s && np, "out of memory");
    double total = 0;
    for (int m = 0; m < k->pw; m++)
        for (int64_t o = 0; o < k->C; o++)
            for (int64_t t = 0; t < k->T; t++)
                s[(m * k->C + o) * k->T + t] = dw_sign(c, k->C, m, o, t);
    for (int64_t o = 0; o < k->C; o++)
        total += np[o] = dw_channel_planes(c, k->C, k->T, o);
    Arena *a = &g->cx->arena;
    k->wt = g_ints(g, arena_printf(a, "dws.%s", c->name), s, (uint64_t)(k->pw * k->C * k->T));
    k->gt = g_ints(g, arena_printf(a, "dwn.%s", c->name), np, (uint64_t)k->C);
    free(s);
    free(np);
    return total / (double)k->C;
}

/* The average planes per channel of depthwise weights c (the pair-sum kernel's work). */
double dw_planes(const IrConst *c, int64_t C, int64_t T)
{
    double total = 0;
    for (int64_t o = 0; o < C; o++)
        total += dw_channel_planes(c, C, T, o);
    return C ? total / (double)C : 0;
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

/* 16 (or `lanes`: a masked store) values of t (i8 or i32) at p. */
static void dw_store_t(G *g, LLVMValueRef v, LLVMValueRef p, int lanes, LLVMTypeRef t)
{
    int align = t == g->i8 ? 1 : 4;
    if (lanes == LANES) {
        LLVMSetAlignment(LLVMBuildStore(B, v, p), (unsigned)align);
        return;
    }
    LLVMTypeRef ps[] = {LLVMVectorType(t, LANES), g->ptr, g->i32, LLVMVectorType(g->i1, LANES)};
    LLVMValueRef args[] = {v, p, g_i32(g, align), dw_lanes(g, lanes)};
    const char *name = t == g->i8 ? "llvm.masked.store.v16i8.p0" : "llvm.masked.store.v16i32.p0";
    g_call(g, name, g->vd, ps, 4, args);
}

static void dw_store(G *g, LLVMValueRef v, LLVMValueRef p, int lanes)
{
    dw_store_t(g, v, p, lanes, g->i32);
}

/* Levels A = sum_{n < width} v_n s_n of `lanes` elements from element e. */
static void dw_levels(G *g, Dw *k, LLVMValueRef e, LLVMValueRef dst, int lanes)
{
    LLVMValueRef s = dw_bytes(g, g_gep(g, g->i8, k->xp, e), lanes);
    LLVMValueRef wd = k->masked ? dw_bytes(g, g_gep(g, g->i8, k->xw, e), lanes) : NULL;
    LLVMValueRef lv = LLVMConstNull(k->v16), one = dw_splatk(g, k, 1);
    for (int n = 0; n < k->px; n++) {
        LLVMValueRef sh = LLVMBuildLShr(B, s, dw_splatk(g, k, n), "");
        LLVMValueRef bit = LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, sh, one, ""),
                                         LLVMConstNull(k->v16), "");
        LLVMValueRef t =
                LLVMBuildSelect(B, bit, dw_splatk(g, k, k->v[n]), dw_splatk(g, k, -k->v[n]), "");
        if (wd)
            t = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, wd, dw_splatk(g, k, n), ""), t,
                                LLVMConstNull(k->v16), "");
        lv = LLVMBuildAdd(B, lv, t, "");
    }
    dw_store(g, lv, dst, lanes);
}

/* A_cyx into channel c's bordered image, then its border. */
static void dw_pack(G *g, Dw *k, LLVMValueRef c)
{
    GLoop ly, lx;
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

/* The inputs of every tap of the chunk at (c, oy, ox0): T vectors in tv. */
static void dw_tap_vectors(G *g, Dw *k, LLVMValueRef c, LLVMValueRef oy, LLVMValueRef ox0,
                           LLVMValueRef *tv)
{
    LLVMValueRef img = g_mulk(g, c, k->Hb * k->Wr);
    for (int64_t ky = 0; ky < k->kh; ky++) {
        LLVMValueRef row =
                g_add(g, img, g_mulk(g, g_addk(g, g_mulk(g, oy, k->sh), ky * k->dh), k->Wr));
        for (int64_t kx = 0; kx < k->kw; kx++) {
            LLVMValueRef at = g_addk(g, g_add(g, row, g_mulk(g, ox0, k->sw)), kx * k->dw);
            tv[ky * k->kw + kx] = dw_taps(g, k, g_gep(g, g->i32, k->act, at));
        }
    }
}

/* sum_t tv[t] * wt[base + t] (the weights broadcast). */
static LLVMValueRef dw_dot(G *g, Dw *k, const LLVMValueRef *tv, LLVMValueRef base)
{
    LLVMValueRef acc = LLVMConstNull(k->v16);
    for (int64_t t = 0; t < k->T; t++) {
        LLVMValueRef wv = g_load(g, g->i32, k->wt, g_addk(g, base, t));
        acc = LLVMBuildAdd(B, acc, LLVMBuildMul(B, tv[t], dw_splat(g, k, wv), ""), "");
    }
    return acc;
}

/* Element (plane p, c, oy, ox0) of the output [P][C][OH][OW]. */
static LLVMValueRef dw_dst(G *g, Dw *k, int p, LLVMValueRef c, LLVMValueRef oy, LLVMValueRef ox0)
{
    LLVMValueRef pix = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, k->OH), oy), k->OW), ox0);
    return g_gep(g, g->i32, k->out, g_addk(g, pix, (int64_t)p * k->C * k->OH * k->OW));
}

/* Weight plane m's pair sums S_m,n (n < px) into S[m px + n] from acc = sum_n S_mn R^n,
 * balanced digits: d = ((acc + R/2) mod R) - R/2 is S_m0 exactly (|S| < R/2), and acc - d
 * is R times the rest. */
static void dw_digits(G *g, Dw *k, LLVMValueRef acc, int m, LLVMValueRef *S)
{
    int32_t R = (int32_t)1 << k->r;
    for (int n = 0; n < k->px; n++) {
        LLVMValueRef d = acc;
        if (n + 1 < k->px) {
            d = LLVMBuildAnd(B, LLVMBuildAdd(B, acc, dw_splatk(g, k, R / 2), ""),
                             dw_splatk(g, k, R - 1), "");
            d = LLVMBuildSub(B, d, dw_splatk(g, k, R / 2), "");
            acc = LLVMBuildAShr(B, LLVMBuildSub(B, acc, d, ""), dw_splatk(g, k, k->r), "");
        }
        S[m * k->px + n] = d;
    }
}

/* Every pair sum of the chunk into S: weight plane 0 always (its mask covers every
 * element), each further plane where the channel has it, else zeros (phis). */
static void dw_pair_sums(G *g, Dw *k, const LLVMValueRef *tv, LLVMValueRef c, LLVMValueRef *S)
{
    LLVMValueRef np = g_load(g, g->i32, k->gt, c);
    dw_digits(g, k, dw_dot(g, k, tv, g_mulk(g, c, k->T)), 0, S);
    for (int m = 1; m < k->pw; m++) {
        LLVMBasicBlockRef on = LLVMAppendBasicBlockInContext(g->C, g->fn, "dw.plane");
        LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->C, g->fn, "dw.planed");
        LLVMBasicBlockRef from = LLVMGetInsertBlock(B);
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSGT, np, g_i32(g, m), ""), on, done);
        LLVMPositionBuilderAtEnd(B, on);
        LLVMValueRef base = g_mulk(g, g_addk(g, c, (int64_t)m * k->C), k->T);
        dw_digits(g, k, dw_dot(g, k, tv, base), m, S);
        LLVMBasicBlockRef end = LLVMGetInsertBlock(B);
        LLVMBuildBr(B, done);
        LLVMPositionBuilderAtEnd(B, done);
        for (int n = 0; n < k->px; n++) {
            LLVMValueRef phi = LLVMBuildPhi(B, k->v16, "");
            LLVMValueRef vals[] = {S[m * k->px + n], LLVMConstNull(k->v16)};
            LLVMBasicBlockRef bbs[] = {end, from};
            LLVMAddIncoming(phi, vals, bbs, 2);
            S[m * k->px + n] = phi;
        }
    }
}

/* The chunk's codes, as icomb then threshold compute them: v = (neg ? -1 : 1) sum_p
 * coef_p S_p (exact: |acc| <= the icomb's bound < 2^31, and i32 arithmetic wraps), level
 * m: bit = [v >= the threshold of node 2^m - 1 + the bits so far]. */
static LLVMValueRef dw_codes(G *g, Dw *k, const DwCh *e, const LLVMValueRef *S)
{
    LLVMValueRef v = LLVMConstNull(k->v16), bit[BPOP_EPI_MAX_BITS];
    for (int p = 0; p < k->pw * k->px; p++)
        v = LLVMBuildAdd(B, v, LLVMBuildMul(B, e->cf[p], S[p], ""), "");
    LLVMValueRef code = LLVMConstNull(k->v16);
    for (int m = 0; m < k->ek; m++) {
        bit[m] = LLVMBuildICmp(B, LLVMIntSGE, v, bpop_tree_thr(g, e->th, bit, m), "");
        code = LLVMBuildOr(
                B, code,
                LLVMBuildShl(B, LLVMBuildZExt(B, bit[m], k->v16, ""), dw_splatk(g, k, m), ""), "");
    }
    return LLVMBuildTrunc(B, code, LLVMVectorType(g->i8, LANES), "");
}

/* Channel c's epilogue constants (loaded once, before its rows). */
static void dw_channel_epi(G *g, Dw *k, LLVMValueRef c, DwCh *e)
{
    int P = k->pw * k->px, nodes = (1 << k->ek) - 1;
    for (int p = 0; p < P; p++)
        e->cf[p] = dw_splat(g, k, g_load(g, g->i32, k->cf, g_addk(g, g_mulk(g, c, P), p)));
    for (int j = 0; j < nodes; j++)
        e->th[j] = dw_splat(g, k, g_load(g, g->i32, k->thr, g_addk(g, g_mulk(g, c, nodes), j)));
}

/* Outputs ox0 .. ox0 + lanes - 1 of row oy of channel c (lanes < 16: masked stores). */
static void dw_chunk(G *g, Dw *k, const DwCh *e, LLVMValueRef c, LLVMValueRef oy, LLVMValueRef ox0,
                     int lanes)
{
    LLVMValueRef *tv = calloc((size_t)k->T, sizeof *tv), S[IR_MAX_BITS * IR_MAX_BITS];
    HB_CHECK(tv, "out of memory");
    dw_tap_vectors(g, k, c, oy, ox0, tv);
    if (!k->r) {
        // acc = g (sum W A), exact mod 2^32 and |acc| <= the icomb bound < 2^31
        LLVMValueRef acc = dw_dot(g, k, tv, g_mulk(g, c, k->T));
        acc = LLVMBuildMul(B, acc, dw_splat(g, k, g_load(g, g->i32, k->gt, c)), "");
        dw_store(g, acc, dw_dst(g, k, 0, c, oy, ox0), lanes);
        free(tv);
        return;
    }
    dw_pair_sums(g, k, tv, c, S);
    free(tv);
    LLVMValueRef pix = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, k->OH), oy), k->OW), ox0);
    if (k->epi)
        dw_store_t(g, dw_codes(g, k, e, S), g_gep(g, g->i8, k->out, pix), lanes, g->i8);
    else
        for (int p = 0; p < k->pw * k->px; p++)
            dw_store(g, S[p], dw_dst(g, k, p, c, oy, ox0), lanes);
}

/* Channels [lo, hi): pack each one's image, then its output rows in chunks of 16. */
static void dw_channels(G *g, Dw *k, LLVMValueRef lo, LLVMValueRef hi)
{
    GLoop lc, ly, lq;
    LLVMValueRef ch = g_add(g, lo, g_loop_begin(g, &lc, LLVMBuildSub(B, hi, lo, ""), "wc"));
    dw_pack(g, k, ch);
    DwCh e = {0};
    if (k->epi)
        dw_channel_epi(g, k, ch, &e);
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, k->OH), "wy");
    int64_t full = k->OW / LANES;
    if (full) {
        LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, full), "wq");
        dw_chunk(g, k, &e, ch, oy, g_mulk(g, q, LANES), LANES);
        g_loop_end(g, &lq);
    }
    if (k->OW % LANES)
        dw_chunk(g, k, &e, ch, oy, g_i64(g, full * LANES), (int)(k->OW % LANES));
    g_loop_end(g, &ly);
    g_loop_end(g, &lc);
}

static Dw dw_geometry(G *g, const IrWindow *w, int pw, int px, LLVMValueRef out)
{
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
            .pw = pw,
            .px = px,
            .masked = g_argt(g, 0)->masked,
            .out = out};
    k.T = k.kh * k.kw;
    k.v16 = LLVMVectorType(g->i32, LANES);
    int64_t nch = (k.OW + LANES - 1) / LANES;
    k.Hb = (k.OH - 1) * k.sh + (k.kh - 1) * k.dh + 1;
    k.Hb = k.Hb > k.H + k.pt ? k.Hb : k.H + k.pt;
    k.Wb = (k.OW - 1) * k.sw + (k.kw - 1) * k.dw + 1;
    k.Wb = k.Wb > k.W + k.pl ? k.Wb : k.W + k.pl;
    k.Wr = nch * LANES * k.sw + (k.kw - 1) * k.dw; // what the last chunk's loads span
    k.Wr = k.Wr > k.Wb ? k.Wr : k.Wb;
    return k;
}

/* The channels in an outlined function (its pointers passed in a struct) that hbrt_par
 * runs on ranges of channels when the threads are idle and the layer is big enough. */
static void dw_run(G *g, Dw *k, double cycles)
{
    // one row of slack: the last row's wide loads end at most Wr elements past its start
    LLVMValueRef act = g_alloc(g, (uint64_t)((k->C * k->Hb + 1) * k->Wr) * 4);
    const GVal *x = g_arg(g, 0);
    LLVMValueRef vals[] = {act, k->out, x->p, k->masked ? x->w : LLVMConstNull(g->ptr)};
    LLVMTypeRef fields[] = {g->ptr, g->ptr, g->ptr, g->ptr};
    LLVMTypeRef st = LLVMStructTypeInContext(g->C, fields, 4, 0);
    LLVMValueRef args = g_var(g, st, NULL);
    for (unsigned i = 0; i < 4; i++)
        LLVMBuildStore(B, vals[i], LLVMBuildStructGEP2(B, st, args, i, ""));

    GFnSave sv;
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64};
    const char *name = k->r ? "dwpairs.%u" : "dwint8.%u";
    LLVMValueRef fn = g_fn_push(g, &sv, arena_printf(&g->cx->arena, name, g->in->result),
                                LLVMFunctionType(g->vd, ps, 3, 0));
    LLVMValueRef a = LLVMGetParam(fn, 0), *dst[] = {&k->act, &k->out, &k->xp, &k->xw};
    for (unsigned i = 0; i < 4; i++)
        *dst[i] = LLVMBuildLoad2(B, g->ptr, LLVMBuildStructGEP2(B, st, a, i, ""), "");
    dw_channels(g, k, LLVMGetParam(fn, 1), LLVMGetParam(fn, 2));
    LLVMBuildRetVoid(B);
    g_fn_pop(g, &sv);
    g_par(g, fn, args, k->C, cycles);
}

void gen_int8_dw(G *g, const Int8Plan *p, const IrWindow *w, LLVMValueRef out)
{
    Dw k = dw_geometry(g, w, p->kw, p->kx, out);
    for (int n = 0; n < p->kx; n++)
        k.v[n] = p->v[n];
    dw_weights_int8(g, &k, g_argc(g, 1), p);
    dw_run(g, &k, dw_cycles(w, p->kx, 0, 0, g->tier >= TIER_AVX512BW));
}

/* The tile epilogue's destination `dest`, a threshold's codes (allocated as its own op
 * would: code bytes), and its constants: its icomb's coefficients signed by its neg, its
 * thresholds. Returns the destination's storage. */
static LLVMValueRef dw_epi_setup(G *g, Dw *k, uint32_t dest)
{
    const IrModule *m = g->m;
    const IrValue *dv = &m->values.data[dest];
    const IrInst *th = &m->insts.data[dv->def], *save = g->in;
    const IrInst *ic = &m->insts.data[m->values.data[th->args[0].id].def];
    const IrConst *cc = &m->consts.data[ic->args[1].id], *neg = &m->consts.data[th->args[1].id];
    HB_CHECK(th->op == IR_OP_THRESHOLD && ic->op == IR_OP_ICOMB, "a depthwise epilogue thresholds");
    g->in = th;
    g_alloc_value(g, &g->val[dest], &dv->type);
    g->in = save;
    int P = k->pw * k->px;
    int32_t *cf = calloc((size_t)(k->C * P), sizeof *cf);
    HB_CHECK(cf, "out of memory");
    for (int64_t o = 0; o < k->C; o++)
        for (int p = 0; p < P; p++) // two's complement: the wrapped product is exact
            cf[o * P + p] = (int32_t)((uint32_t)(neg->i[o] ? -1 : 1) *
                                      (uint32_t)cc->i[(cc->type.d[0] == 1 ? 0 : o) * P + p]);
    k->cf = g_ints(g, arena_printf(&g->cx->arena, "dwc.%s", cc->name), cf, (uint64_t)(k->C * P));
    free(cf);
    k->thr = g_const(g, th->args[2].id);
    k->ek = dv->type.bits;
    k->epi = true;
    return g->val[dest].p;
}

void gen_dw_pairs(G *g, const IrWindow *w, int r)
{
    const IrConst *c = g_argc(g, 1);
    uint32_t x = g->in->args[0].id, dest = g_plan_epilogue(g, g->in->result);
    HB_CHECK(!g_plan_packed(g, x) && !g_plan_conv_packed(g, x),
             "a depthwise layer reads its input's codes, not packed words");
    Dw k = dw_geometry(g, w, c->type.bits, g_argt(g, 0)->bits, NULL);
    if (dest != UINT32_MAX) {
        k.out = dw_epi_setup(g, &k, dest); // the pair sums are not stored
    } else {
        g_alloc_output(g, g_out(g), g_outt(g)); // every pair sum is written (0: a plane it lacks)
        k.out = g_out(g)->p;
    }
    k.r = r;
    for (int n = 0; n < k.px; n++)
        k.v[n] = (int32_t)1 << (r * n);
    double planes = dw_weights_pairs(g, &k, c);
    dw_run(g, &k, dw_cycles(w, k.px, r, planes, g->tier >= TIER_AVX512BW));
}
