// SPDX-License-Identifier: MIT
/* llvm_float_conv.c: vectorized float conv2d and dense for the CPU backend, bit-identical
 * to the interpreter (compiler/interp/interp.c). 8 output channels share a <8 x double>
 * accumulator and each lane runs its own output's sum in the interpreter's order
 * ((ci, ky, kx) or j ascending, double, + bias, rounded once), so vectorizing across
 * outputs changes no bit. Called from llvm_ops_float.c; falls back to its scalar loops. */
#include <math.h>
#include <string.h>

#include "llvm_fconv.h"
#include "llvm_float.h"

#define B  g->b
#define LN 8 // fill's blocks: 8 channels by 8 pixels

static int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* n into ceil(n / max) tiles of equal size: the size. */
static int64_t even_tile(int64_t n, int64_t max, int64_t *tiles)
{
    *tiles = cdiv(n, max);
    return cdiv(n, *tiles);
}

/* Register tile by tier: P pixels (at most 8, spread evenly over OW), then as many
 * channel blocks R as the accumulator budget allows (R*P accumulators of 64 bytes, <8 x
 * double> or <16 x float>: 1 zmm, 2 ymm or 4 xmm each), at most FC_MAXR; dense (one
 * pixel) gets FC_MAXR blocks to hide the add latency. */
static void pick_tile(G *g, FGeo *f, bool dense)
{
    bool z = g->tier >= TIER_AVX512BW;
    int64_t budget = z ? 16 : g->tier == TIER_AVX2 ? 4 : 2;
    f->P = even_tile(f->w.OW, dense ? 1 : z ? FC_MAXP : budget, &f->nxt);
    int64_t rmax = dense ? FC_MAXR : budget / f->P;
    rmax = rmax < 1 ? 1 : rmax > FC_MAXR ? FC_MAXR : rmax;
    f->OB = cdiv(f->kog, f->ln);
    f->R = even_tile(f->OB, rmax, &f->nrt);
    f->OBp = f->nrt * f->R;
}

/* Zero padding is added as w * 0, exact only for finite weights: anything else takes the
 * interpreter-shaped loop, which skips padded taps. */
static bool all_finite(const IrConst *c)
{
    uint64_t n = ir_type_elems(&c->type);
    for (uint64_t i = 0; i < n; i++)
        if (!isfinite(c->f[i]))
            return false;
    return true;
}

static LLVMValueRef dconst(G *g, const char *what, const double *v, uint64_t n)
{
    uint64_t *u = arena_calloc(&g->cx->arena, n ? n : 1, sizeof *u);
    memcpy(u, v, n * sizeof *v);
    return g_words(g, arena_printf(&g->cx->arena, "%s.%u", what, g->in->result), u, n);
}

/* Weights [KG][OBp][T][ln] as floats, widened to double in the loop (exact; doubles in
 * the library would double its size and the compiler's memory: ResNet-18 went from 45
 * to 90 MB), and bias [KG][OBp][ln] as doubles (floats for f32; zero lanes past kog);
 * the tap offsets into xd in sum order. The packed weights are copied by LLVM and
 * released at once. */
static void pack(G *g, FK *k, const IrConst *wc, const IrConst *bc)
{
    const FGeo *f = k->f;
    const IrWindow *w = &f->w;
    Arena *a = &g->cx->arena;
    int64_t ln = f->ln;
    uint64_t nw = (uint64_t)(f->KG * f->OBp * f->T * ln), nb = (uint64_t)(f->KG * f->OBp * ln);
    uint32_t *wf = arena_calloc(a, nw, sizeof *wf); // float bits
    double *bd = arena_calloc(a, nb, sizeof *bd);
    float *bf = arena_calloc(a, nb, sizeof *bf);
    int32_t *toff = arena_calloc(a, (size_t)f->T, sizeof *toff);
    int64_t cg = f->vec ? 1 : w->C / w->groups;
    for (int64_t kg = 0; kg < f->KG; kg++)
        for (int64_t oi = 0; oi < f->kog; oi++) {
            int64_t o = kg * f->kog + oi, blk = kg * f->OBp + oi / ln;
            bd[blk * ln + oi % ln] = (double)bc->f[o];
            bf[blk * ln + oi % ln] = bc->f[o];
            for (int64_t t = 0; t < f->T; t++)
                memcpy(&wf[(blk * f->T + t) * ln + oi % ln], &wc->f[o * f->T + t], 4);
        }
    for (int64_t ci = 0, t = 0; ci < cg; ci++)
        for (int64_t ky = 0; ky < w->kh; ky++)
            for (int64_t kx = 0; kx < w->kw; kx++, t++)
                toff[t] = (int32_t)((ky * w->dh * f->Wp + kx * w->dw) * f->Cp + (f->vec ? 0 : ci));
    k->wd = g_ints(g, arena_printf(a, "fw.%u", g->in->result), (const int32_t *)wf, nw);
    arena_release(a, wf, nw * sizeof *wf);
    k->bd = f->f32 ? g_floats(g, arena_printf(a, "fb.%u", g->in->result), bf, nb)
                   : dconst(g, "fb", bd, nb);
    k->toff = g_ints(g, arena_printf(a, "ft.%u", g->in->result), toff, (uint64_t)f->T);
}

static LLVMValueRef vload(FK *k, LLVMValueRef p, LLVMValueRef i)
{
    G *g = k->g;
    LLVMValueRef l = LLVMBuildLoad2(B, k->v8d, g_gep(g, g->f64, p, i), "");
    LLVMSetAlignment(l, 8);
    return l;
}

/* Zero what fill does not write: the rows above and below the image, and in its rows
 * the columns left and right of it (channels past C: the whole buffer). */
static void fill_border(G *g, const FGeo *f, LLVMValueRef xd)
{
    const IrWindow *w = &f->w;
    uint64_t es = f->f32 ? 4 : 8, row = es * (uint64_t)(f->Wp * f->Cp), pix = es * (uint64_t)f->Cp;
    if (f->Cp != w->C) {
        g_memset0(g, xd, row * (uint64_t)f->Hp);
        return;
    }
    g_memset0(g, xd, row * (uint64_t)w->pt);
    int64_t below = f->Hp - w->pt - w->H, right = f->Wp - w->pl - w->W;
    if (below > 0)
        g_memset0(g, g_gep(g, g->i8, xd, g_i64(g, (int64_t)row * (w->pt + w->H))),
                  row * (uint64_t)below);
    GLoop ly;
    LLVMValueRef iy = g_loop_begin(g, &ly, g_i64(g, w->H), "zy");
    LLVMValueRef r0 = g_gep(g, g->i8, xd, g_mulk(g, g_addk(g, iy, w->pt), (int64_t)row));
    if (w->pl)
        g_memset0(g, r0, pix * (uint64_t)w->pl);
    if (right > 0)
        g_memset0(g, g_gep(g, g->i8, r0, g_i64(g, (int64_t)pix * (w->pl + w->W))),
                  pix * (uint64_t)right);
    g_loop_end(g, &ly);
}

/* x[c][iy][ix..] of channels c0.. c0 + nc - 1 and pixels ix0 .. ix0 + np - 1 into xd as
 * doubles (floats when f32), one element at a time. */
static void fill_scalar(G *g, const FGeo *f, LLVMValueRef x, LLVMValueRef xd, LLVMValueRef iy,
                        int64_t c0, int64_t nc, int64_t ix0, int64_t np)
{
    const IrWindow *w = &f->w;
    GLoop lc, lx;
    LLVMValueRef c = g_addk(g, g_loop_begin(g, &lc, g_i64(g, nc), "fc"), c0);
    LLVMValueRef ix = g_addk(g, g_loop_begin(g, &lx, g_i64(g, np), "fx"), ix0);
    LLVMValueRef src = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w->H), iy), w->W), ix);
    LLVMValueRef pix = g_add(g, g_mulk(g, g_addk(g, iy, w->pt), f->Wp), g_addk(g, ix, w->pl));
    LLVMValueRef v = g_load(g, g->f32, x, src);
    LLVMTypeRef et = f->f32 ? g->f32 : g->f64;
    g_store(g, et, xd, g_add(g, g_mulk(g, pix, f->Cp), c),
            f->f32 ? v : LLVMBuildFPExt(B, v, et, ""));
    g_loop_end(g, &lx);
    g_loop_end(g, &lc);
}

/* The input as doubles (floats when f32) in xd[iy + pt][ix + pl][c] (the rest zero): blocks of 8
 * channels by 8 pixels are 8 row loads, an 8 x 8 transpose and 8 stores of a pixel's 8 channels;
 * the channels and pixels past the last whole block one by one. */
/* Fewer than 8 channels (an image's 3): 8 pixels of each channel are C row loads, one
 * shuffle interleaves them into the 8 pixels' C channels, one contiguous store (Cp = C).
 * Element by element, LLVM made the stride-C stores scatters: MobileNet's stem fill was
 * 5% of its W1A1 network. */
static void fill_narrow(G *g, const FGeo *f, LLVMValueRef x, LLVMValueRef xd, LLVMValueRef iy)
{
    const IrWindow *w = &f->w;
    int C = (int)w->C, n = 1;
    while (n < C)
        n *= 2;
    LLVMTypeRef et = f->f32 ? g->f32 : g->f64;
    GLoop lx;
    LLVMValueRef ix0 = g_mulk(g, g_loop_begin(g, &lx, g_i64(g, w->W / LN), "fxn"), LN), r[LN];
    for (int c = 0; c < n; c++) {
        if (c >= C) {
            r[c] = LLVMGetUndef(LLVMVectorType(et, LN));
            continue;
        }
        LLVMValueRef src = g_add(g, g_mulk(g, g_add(g, g_i64(g, c * w->H), iy), w->W), ix0);
        r[c] = LLVMBuildLoad2(B, LLVMVectorType(g->f32, LN), g_gep(g, g->f32, x, src), "");
        LLVMSetAlignment(r[c], 4);
        if (!f->f32)
            r[c] = LLVMBuildFPExt(B, r[c], LLVMVectorType(et, LN), "");
    }
    for (int len = LN; len < n * LN; len *= 2) // concatenate: r[0] = channels 0..n-1
        for (int c = 0; c < n * LN / (2 * len); c++) {
            LLVMValueRef m[LN * LN];
            for (int i = 0; i < 2 * len; i++)
                m[i] = g_i32(g, i);
            r[c] = LLVMBuildShuffleVector(B, r[2 * c], r[2 * c + 1], LLVMConstVector(m, 2 * len),
                                          "");
        }
    LLVMValueRef m[LN * LN];
    for (int p = 0; p < LN; p++)
        for (int c = 0; c < C; c++)
            m[p * C + c] = g_i32(g, c * LN + p);
    LLVMValueRef v = LLVMBuildShuffleVector(B, r[0], LLVMGetUndef(LLVMTypeOf(r[0])),
                                            LLVMConstVector(m, (unsigned)(LN * C)), "");
    LLVMValueRef pix = g_add(g, g_mulk(g, g_addk(g, iy, w->pt), f->Wp), g_addk(g, ix0, w->pl));
    LLVMSetAlignment(LLVMBuildStore(B, v, g_gep(g, et, xd, g_mulk(g, pix, C))), 4);
    g_loop_end(g, &lx);
}

static void fill(G *g, const FGeo *f, LLVMValueRef x, LLVMValueRef xd)
{
    const IrWindow *w = &f->w;
    fill_border(g, f, xd);
    int64_t cb = w->C / LN, xb = w->W / LN;
    GLoop ly, lc, lx;
    LLVMValueRef iy = g_loop_begin(g, &ly, g_i64(g, w->H), "iy");
    if (cb && xb) {
        LLVMTypeRef vf = LLVMVectorType(g->f32, LN), vd = LLVMVectorType(g->f64, LN);
        LLVMValueRef c0 = g_mulk(g, g_loop_begin(g, &lc, g_i64(g, cb), "fcb"), LN);
        LLVMValueRef ix0 = g_mulk(g, g_loop_begin(g, &lx, g_i64(g, xb), "fxb"), LN), r[LN];
        for (int l = 0; l < LN; l++) {
            LLVMValueRef src =
                    g_add(g, g_mulk(g, g_add(g, g_mulk(g, g_addk(g, c0, l), w->H), iy), w->W), ix0);
            r[l] = LLVMBuildLoad2(B, vf, g_gep(g, g->f32, x, src), "");
            LLVMSetAlignment(r[l], 4);
        }
        g_transpose8(g, r); // r[p]: pixel ix0 + p of the 8 channels
        LLVMValueRef pix = g_add(g, g_mulk(g, g_addk(g, iy, w->pt), f->Wp), g_addk(g, ix0, w->pl));
        for (int p = 0; p < LN; p++) {
            LLVMValueRef at = g_add(g, g_mulk(g, g_addk(g, pix, p), f->Cp), c0);
            LLVMValueRef v = f->f32 ? r[p] : LLVMBuildFPExt(B, r[p], vd, "");
            LLVMSetAlignment(LLVMBuildStore(B, v, g_gep(g, f->f32 ? g->f32 : g->f64, xd, at)), 4);
        }
        g_loop_end(g, &lx);
        g_loop_end(g, &lc);
    }
    if (cb && w->W % LN)
        fill_scalar(g, f, x, xd, iy, 0, cb * LN, xb * LN, w->W % LN);
    if (!cb && xb && f->Cp == w->C) {
        fill_narrow(g, f, x, xd, iy);
        if (w->W % LN)
            fill_scalar(g, f, x, xd, iy, 0, w->C, xb * LN, w->W % LN);
    } else if (w->C % LN) {
        fill_scalar(g, f, x, xd, iy, cb * LN, w->C % LN, 0, w->W);
    }
    g_loop_end(g, &ly);
}

static LLVMValueRef shuf(FK *k, LLVMValueRef a, LLVMValueRef b, const int *m)
{
    G *g = k->g;
    LLVMValueRef e[LN];
    for (int i = 0; i < LN; i++)
        e[i] = g_i32(g, m[i]);
    return LLVMBuildShuffleVector(B, a, b, LLVMConstVector(e, LN), "");
}

/* y[p] holds pixel p of 8 channels: transposed in registers (unpack, shufps and
 * 128-bit-lane steps of the classic 8x8 transpose) to 8 pixels of each channel, stored
 * as one vector per channel plane from element `at` on. */
static void store_transposed(FK *k, LLVMValueRef *y, LLVMValueRef out, LLVMValueRef at)
{
    G *g = k->g;
    const IrWindow *w = &k->f->w;
    static const int lo[] = {0, 8, 1, 9, 4, 12, 5, 13}, hi[] = {2, 10, 3, 11, 6, 14, 7, 15};
    static const int s0[] = {0, 1, 8, 9, 4, 5, 12, 13}, s1[] = {2, 3, 10, 11, 6, 7, 14, 15};
    static const int h0[] = {0, 1, 2, 3, 8, 9, 10, 11}, h1[] = {4, 5, 6, 7, 12, 13, 14, 15};
    LLVMValueRef t[LN], u[LN], c[LN];
    for (int q = 0; q < 4; q++) {
        t[2 * q] = shuf(k, y[2 * q], y[2 * q + 1], lo);
        t[2 * q + 1] = shuf(k, y[2 * q], y[2 * q + 1], hi);
    }
    for (int h = 0; h < 2; h++) // rows 4h..4h+3
        for (int q = 0; q < 2; q++) {
            u[4 * h + 2 * q] = shuf(k, t[4 * h + q], t[4 * h + q + 2], s0);
            u[4 * h + 2 * q + 1] = shuf(k, t[4 * h + q], t[4 * h + q + 2], s1);
        }
    for (int l = 0; l < 4; l++) {
        c[l] = shuf(k, u[l], u[l + 4], h0);
        c[l + 4] = shuf(k, u[l], u[l + 4], h1);
    }
    for (int l = 0; l < LN; l++) {
        LLVMValueRef dst = g_gep(g, g->f32, out, g_addk(g, at, l * w->OH * w->OW));
        LLVMSetAlignment(LLVMBuildStore(B, c[l], dst), 4);
    }
}

/* A static quant's plane m >= 1 (quant_static, llvm_ops_bits.c): e (double) minus
 * +-beta_{m-1} by the previous bit `on`, bit = [e > 0]; lanes past kog are cleared
 * (their z is 0, but the residual of 0 is not). */
static LLVMValueRef quant_next(FK *k, LLVMValueRef *e, LLVMValueRef on, int m, LLVMValueRef blk)
{
    G *g = k->g;
    const FGeo *f = k->f;
    LLVMValueRef pb[LN], nb[LN];
    for (int l = 0; l < LN; l++) {
        pb[l] = g_f64(g, f->ebeta[m - 1]);
        nb[l] = g_f64(g, -f->ebeta[m - 1]);
    }
    LLVMValueRef d = LLVMBuildSelect(B, on, LLVMConstVector(pb, LN), LLVMConstVector(nb, LN), "");
    *e = LLVMBuildFSub(B, *e, d, "");
    LLVMValueRef bit = LLVMBuildFCmp(B, LLVMRealOGT, *e, LLVMConstNull(k->v8d), "");
    if (f->kog % LN == 0)
        return bit;
    LLVMValueRef lanes[LN];
    for (int l = 0; l < LN; l++)
        lanes[l] = LLVMConstInt(g->i1, l < f->kog % LN, 0);
    LLVMValueRef last = LLVMBuildICmp(B, LLVMIntEQ, blk, g_i64(g, f->OB - 1), "");
    LLVMValueRef keep = LLVMBuildSelect(B, last, LLVMConstVector(lanes, LN),
                                        LLVMConstAllOnes(LLVMTypeOf(bit)), "");
    return LLVMBuildAnd(B, bit, keep, "");
}

/* The fused epilogue (g_plan_float_epi) of channel block blk (one kernel group): z = y *
 * scale + shift in double, rounded once (the batch norm's, when there is one), bit =
 * [z > 0] (sign, docs/ir.md). A block's 8 channels are byte blk of the pixel's packed
 * channel words, so tiles and threads write disjoint bytes. Lanes past O give 0 bits
 * (zero weights, bias, scale and shift: z = 0); a block past O or a pixel past OW goes
 * to the junk slot. */
static void epi_store(FK *k, LLVMValueRef *y, LLVMValueRef out, LLVMValueRef junk, LLVMValueRef blk,
                      LLVMValueRef oy, LLVMValueRef ox0)
{
    G *g = k->g;
    const FGeo *f = k->f;
    const IrWindow *w = &f->w;
    LLVMValueRef a = k->ea ? vload(k, k->ea, g_mulk(g, blk, LN)) : NULL;
    LLVMValueRef b = k->ea ? vload(k, k->eb, g_mulk(g, blk, LN)) : NULL;
    LLVMValueRef bok = LLVMBuildICmp(B, LLVMIntSLT, blk, g_i64(g, f->OB), "");
    for (int p = 0; p < f->P; p++) {
        LLVMValueRef z = y[p];
        if (a)
            z = LLVMBuildFPTrunc(
                    B,
                    LLVMBuildFAdd(B, LLVMBuildFMul(B, LLVMBuildFPExt(B, z, k->v8d, ""), a, ""), b,
                                  ""),
                    k->v8f, "");
        LLVMValueRef on = LLVMBuildFCmp(B, LLVMRealOGT, z, LLVMConstNull(k->v8f), "");
        LLVMValueRef pix = g_add(g, g_mulk(g, oy, w->OW), g_addk(g, ox0, p));
        LLVMValueRef at = g_add(g, g_mulk(g, pix, f->ebytes * f->ek), blk);
        LLVMValueRef ok = LLVMBuildAnd(
                B, bok, LLVMBuildICmp(B, LLVMIntSLT, g_addk(g, ox0, p), g_i64(g, w->OW), ""), "");
        LLVMValueRef e = f->ek > 1 ? LLVMBuildFPExt(B, z, k->v8d, "") : NULL;
        for (int m = 0; m < f->ek; m++) {
            if (m) // the quant's residual: e -= bit ? beta : -beta, then bit = [e > 0]
                on = quant_next(k, &e, on, m, blk);
            LLVMValueRef dst = g_gep(g, g->i8, out, g_addk(g, at, m * f->ebytes));
            dst = LLVMBuildSelect(B, ok, dst, junk, "");
            LLVMBuildStore(B, LLVMBuildBitCast(B, on, g->i8, ""), dst);
        }
    }
}

/* The float epilogue of channel block blk's y (8 lanes): z = y * scale + shift in double,
 * rounded once (batchnorm), then relu's z > 0 ? z : 0 (docs/ir.md). */
static LLVMValueRef bn_relu(FK *k, LLVMValueRef y, LLVMValueRef blk)
{
    G *g = k->g;
    LLVMValueRef a = vload(k, k->ea, g_mulk(g, blk, LN)), b = vload(k, k->eb, g_mulk(g, blk, LN));
    LLVMValueRef z = LLVMBuildFPTrunc(
            B, LLVMBuildFAdd(B, LLVMBuildFMul(B, LLVMBuildFPExt(B, y, k->v8d, ""), a, ""), b, ""),
            k->v8f, "");
    if (!k->f->relu)
        return z;
    LLVMValueRef zero = LLVMConstNull(k->v8f);
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, z, zero, ""), z, zero, "");
}

/* One R x P tile: the tap loop, then + bias, rounded, stored lane by lane (a lane past
 * kog or a pixel past OW goes to a junk slot). The multiply-add is llvm.fmuladd, fused
 * where the CPU has FMA: the product of two floats widened to double is exact (48
 * significant bits, exponents far inside double's range), so rounding it before the add
 * or not gives the same sum, the interpreter's, bit for bit. */
static void tile(FK *k, LLVMValueRef xd, LLVMValueRef out, LLVMValueRef junk, LLVMValueRef xbound,
                 LLVMValueRef kg, LLVMValueRef rt, LLVMValueRef oy, LLVMValueRef ox0)
{
    G *g = k->g;
    const FGeo *f = k->f;
    const IrWindow *w = &f->w;
    LLVMValueRef acc[FC_MAXR * FC_MAXP];
    for (int i = 0; i < f->R * f->P; i++)
        acc[i] = g_var(g, k->v8d, LLVMConstNull(k->v8d));
    LLVMValueRef blk0 = g_add(g, g_mulk(g, kg, f->OBp), g_mulk(g, rt, f->R));
    LLVMValueRef xb =
            g_mulk(g, g_add(g, g_mulk(g, oy, w->sh * f->Wp), g_mulk(g, ox0, w->sw)), f->Cp);
    xb = g_add(g, xb, f->vec ? g_mulk(g, rt, f->R * f->ln) : g_mulk(g, kg, f->cgoff));
    if (f->f32) {
        fsign_tile(k, xd, out, junk, xbound, blk0, xb, oy, ox0);
        return;
    }
    GLoop lt;
    LLVMValueRef t = g_loop_begin(g, &lt, g_i64(g, f->T), "t");
    LLVMValueRef off = LLVMBuildSExt(B, g_load(g, g->i32, k->toff, t), g->i64, "");
    LLVMValueRef xt = g_add(g, xb, off);
    LLVMValueRef bc[FC_MAXP];
    if (!f->vec)
        for (int p = 0; p < f->P; p++)
            bc[p] = g_splat(g, g_load(g, g->f64, xd, g_addk(g, xt, p * w->sw * f->Cp)), 8);
    for (int r = 0; r < f->R; r++) {
        LLVMValueRef wi = g_mulk(g, g_add(g, g_mulk(g, g_addk(g, blk0, r), f->T), t), LN);
        LLVMValueRef wl = LLVMBuildLoad2(B, k->v8f, g_gep(g, g->f32, k->wd, wi), "");
        LLVMSetAlignment(wl, 4);
        LLVMValueRef wv = LLVMBuildFPExt(B, wl, k->v8d, "");
        for (int p = 0; p < f->P; p++) {
            LLVMValueRef xv =
                    f->vec ? vload(k, xd, g_addk(g, xt, p * w->sw * f->Cp + r * LN)) : bc[p];
            LLVMValueRef *a = &acc[r * f->P + p];
            LLVMValueRef args[3] = {wv, xv, LLVMBuildLoad2(B, k->v8d, *a, "")};
            LLVMTypeRef ts[3] = {k->v8d, k->v8d, k->v8d};
            LLVMBuildStore(B, g_call(g, "llvm.fmuladd.v8f64", k->v8d, ts, 3, args), *a);
        }
    }
    g_loop_end(g, &lt);
    bool full = f->kog % (LN * f->R) == 0 && f->OBp == f->OB && w->OW % f->P == 0;
    for (int r = 0; r < f->R; r++) {
        LLVMValueRef bv = vload(k, k->bd, g_mulk(g, g_addk(g, blk0, r), LN));
        LLVMValueRef oi0 = g_mulk(g, g_addk(g, g_mulk(g, rt, f->R), r), LN);
        LLVMValueRef y[FC_MAXP];
        for (int p = 0; p < f->P; p++) {
            y[p] = LLVMBuildFAdd(B, LLVMBuildLoad2(B, k->v8d, acc[r * f->P + p], ""), bv, "");
            y[p] = LLVMBuildFPTrunc(B, y[p], k->v8f, "");
            if (f->fdst != UINT32_MAX)
                y[p] = bn_relu(k, y[p], g_addk(g, blk0, r));
        }
        if (f->epi != UINT32_MAX) {
            epi_store(k, y, out, junk, g_addk(g, blk0, r), oy, ox0);
            continue;
        }
        LLVMValueRef o0 = g_add(g, g_mulk(g, kg, f->kog), oi0);
        LLVMValueRef at0 = g_add(g, g_mulk(g, g_add(g, g_mulk(g, o0, w->OH), oy), w->OW), ox0);
        if (full && f->P == LN) {
            store_transposed(k, y, out, at0);
            continue;
        }
        for (int p = 0; p < f->P; p++) {
            LLVMValueRef pok = LLVMBuildICmp(B, LLVMIntSLT, g_addk(g, ox0, p), g_i64(g, w->OW), "");
            for (int l = 0; l < LN; l++) {
                LLVMValueRef dst = g_gep(g, g->f32, out, g_addk(g, at0, l * w->OH * w->OW + p));
                if (!full) {
                    LLVMValueRef oi = g_addk(g, oi0, l);
                    LLVMValueRef ok = LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, f->kog), "");
                    dst = LLVMBuildSelect(B, LLVMBuildAnd(B, ok, pok, ""), dst, junk, "");
                }
                LLVMBuildStore(B, LLVMBuildExtractElement(B, y[p], g_i32(g, l), ""), dst);
            }
        }
    }
}

/* Double multiply-adds per cycle of one core by tier (two FMA ports of 8, 4 or 2 lanes;
 * the cost estimate for g_par). */
static double dlanes(const G *g)
{
    return g->tier >= TIER_AVX512BW ? 16 : g->tier == TIER_AVX2 ? 8 : 4;
}

/* The tiles in an outlined function that hbrt_par runs on ranges of units (kernel group
 * and tile of channel blocks, then output row: consecutive units reuse the tile's
 * weights from cache): split across the threads when they are idle and the layer is
 * big enough (g_par). */
static void run_tiles(FK *k, LLVMValueRef xd, LLVMValueRef out)
{
    G *g = k->g;
    const FGeo *f = k->f;
    LLVMTypeRef fields[] = {g->ptr, g->ptr, g->f32};
    LLVMTypeRef st = LLVMStructTypeInContext(g->C, fields, 3, 0);
    LLVMValueRef args = g_var(g, st, NULL);
    LLVMBuildStore(B, xd, LLVMBuildStructGEP2(B, st, args, 0, ""));
    LLVMBuildStore(B, out, LLVMBuildStructGEP2(B, st, args, 1, ""));
    if (f->f32)
        LLVMBuildStore(B, k->xbound, LLVMBuildStructGEP2(B, st, args, 2, ""));
    int64_t n = f->w.OH * f->KG * f->nrt;

    GFnSave sv;
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64};
    LLVMTypeRef ft = LLVMFunctionType(g->vd, ps, 3, 0);
    const char *name = f->epi != UINT32_MAX ? "fconvs.%u" : "fconv.%u"; // s: sign epilogue
    LLVMValueRef fn = g_fn_push(g, &sv, arena_printf(&g->cx->arena, name, g->in->result), ft);
    LLVMValueRef a = LLVMGetParam(fn, 0), lo = LLVMGetParam(fn, 1);
    LLVMValueRef ixd = LLVMBuildLoad2(B, g->ptr, LLVMBuildStructGEP2(B, st, a, 0, ""), "");
    LLVMValueRef iout = LLVMBuildLoad2(B, g->ptr, LLVMBuildStructGEP2(B, st, a, 1, ""), "");
    LLVMValueRef ixb =
            f->f32 ? LLVMBuildLoad2(B, g->f32, LLVMBuildStructGEP2(B, st, a, 2, ""), "") : NULL;
    LLVMValueRef junk = g_var(g, g->f32, NULL);
    GLoop li, lx;
    LLVMValueRef i =
            g_add(g, lo, g_loop_begin(g, &li, LLVMBuildSub(B, LLVMGetParam(fn, 2), lo, ""), "u"));
    LLVMValueRef oy = LLVMBuildURem(B, i, g_i64(g, f->w.OH), "");
    LLVMValueRef u = LLVMBuildUDiv(B, i, g_i64(g, f->w.OH), "");
    LLVMValueRef kg = LLVMBuildUDiv(B, u, g_i64(g, f->nrt), "");
    LLVMValueRef rt = LLVMBuildURem(B, u, g_i64(g, f->nrt), "");
    LLVMValueRef ox0 = g_mulk(g, g_loop_begin(g, &lx, g_i64(g, f->nxt), "x"), f->P);
    tile(k, ixd, iout, junk, ixb, kg, rt, oy, ox0);
    g_loop_end(g, &lx);
    g_loop_end(g, &li);
    LLVMBuildRetVoid(B);
    g_fn_pop(g, &sv);

    double lanes = dlanes(g) * (f->f32 ? 2 : 1);
    g_par(g, fn, args, n, (double)(f->KG * f->kog * f->w.OH * f->w.OW * f->T) / lanes);
}

/* The fused epilogue's destination, the sign's packed words (allocated as the sign's
 * value; zeroed when some bytes of a pixel's last word belong to no block), and the
 * batch norm's scale and shift as doubles per block (zero lanes past O). */
/* The batch norm bn's scale and shift per lane, [OBp][ln] doubles (0 past kog). */
static void bn_tables(FK *k, const FGeo *f, const IrInst *bn)
{
    G *g = k->g;
    const IrModule *m = g->m;
    const IrConst *sc = &m->consts.data[bn->args[1].id], *sh = &m->consts.data[bn->args[2].id];
    uint64_t n = (uint64_t)(f->OBp * f->ln);
    double *a = arena_calloc(&g->cx->arena, n, sizeof *a);
    double *b = arena_calloc(&g->cx->arena, n, sizeof *b);
    for (int64_t o = 0; o < f->kog; o++) {
        a[o] = (double)sc->f[o];
        b[o] = (double)sh->f[o];
    }
    k->ea = dconst(g, "fes", a, n);
    k->eb = dconst(g, "feh", b, n);
}

static LLVMValueRef epi_setup(FK *k, FGeo *f)
{
    G *g = k->g;
    const IrModule *m = g->m;
    const IrValue *dv = &m->values.data[f->epi];
    const IrInst *si = &m->insts.data[dv->def], *save = g->in;
    const IrInst *bn = &m->insts.data[m->values.data[si->args[0].id].def];
    g->in = si;
    g_alloc_value(g, &g->val[f->epi], &dv->type);
    g->in = save;
    f->ebytes = 8 * ((dv->type.d[0] + 63) / 64);
    f->ek = si->op == IR_OP_QUANT ? dv->type.bits : 1;
    for (int j = 0; j < f->ek && si->op == IR_OP_QUANT; j++)
        f->ebeta[j] = (double)m->consts.data[dv->type.scale_const].f[j];
    if (f->kog % 64)
        g_memset0(g, g->val[f->epi].p, 8 * g_plan_packed(g, f->epi));
    if (bn->op == IR_OP_BATCHNORM)
        bn_tables(k, f, bn);
    return g->val[f->epi].p;
}

/* The float epilogue's destination (the batchnorm's or the relu's floats, allocated as
 * its op would) and the batch norm's tables. */
static LLVMValueRef fdst_setup(FK *k, FGeo *f)
{
    G *g = k->g;
    const IrModule *m = g->m;
    const IrValue *dv = &m->values.data[f->fdst];
    const IrInst *di = &m->insts.data[dv->def], *save = g->in;
    f->relu = di->op == IR_OP_RELU;
    bn_tables(k, f, f->relu ? &m->insts.data[m->values.data[di->args[0].id].def] : di);
    g->in = di;
    g_alloc_value(g, &g->val[f->fdst], &dv->type);
    g->in = save;
    return g->val[f->fdst].p;
}

static void emit(G *g, FGeo *f, bool dense)
{
    const IrWindow *w = &f->w;
    pick_tile(g, f, dense);
    f->Hp = w->H + w->pt + w->pb;
    int64_t need_h = (w->OH - 1) * w->sh + (w->kh - 1) * w->dh + 1;
    f->Hp = f->Hp > need_h ? f->Hp : need_h;
    f->Wp = w->W + w->pl + w->pr;
    int64_t need_w = (f->nxt * f->P - 1) * w->sw + (w->kw - 1) * w->dw + 1;
    f->Wp = f->Wp > need_w ? f->Wp : need_w;
    f->Cp = f->vec ? f->OBp * f->ln : w->C;
    FK k = {.g = g, .f = f, .v8d = LLVMVectorType(g->f64, LN), .v8f = LLVMVectorType(g->f32, LN)};
    pack(g, &k, g_argc(g, 1), g_argc(g, 2));
    LLVMValueRef out = f->epi != UINT32_MAX    ? epi_setup(&k, f)
                       : f->fdst != UINT32_MAX ? fdst_setup(&k, f)
                                               : NULL;
    if (!out) {
        g_alloc_output(g, g_out(g), g_outt(g));
        out = g_out(g)->p;
    }
    LLVMValueRef xd = g_alloc(g, (uint64_t)((f->f32 ? 4 : 8) * f->Hp * f->Wp * f->Cp));
    fill(g, f, g_arg(g, 0)->p, xd);
    if (f->f32)
        fsign_setup(&k, g_arg(g, 0)->p);
    run_tiles(&k, xd, out);
}

bool gen_float_conv_fast(G *g)
{
    IrWindow w = ir_window(g->m, g->in);
    if (w.OH <= 0 || w.OW <= 0 || w.O <= 0)
        return false;
    bool pad = w.pt || w.pb || w.pl || w.pr;
    if (pad && !all_finite(g_argc(g, 1)))
        return false;
    uint32_t e = g_plan_float_epi(g, g->in->result);
    bool bits = e != UINT32_MAX && g->m->values.data[e].type.enc == IR_BITS;
    FGeo f = {.w = w,
              .vec = w.groups > 1 && w.groups == w.C && w.groups == w.O,
              .epi = bits ? e : UINT32_MAX,
              .fdst = bits ? UINT32_MAX : e};
    f.KG = f.vec ? 1 : w.groups;
    f.f32 = fsign_ok(g, &f);
    f.ln = f.f32 ? 16 : 8;
    f.kog = w.O / f.KG;
    f.cgoff = f.vec ? 0 : w.C / w.groups;
    f.T = (f.vec ? 1 : w.C / w.groups) * w.kh * w.kw;
    emit(g, &f, false);
    return true;
}

bool float_conv_epi_ok(G *g, const IrInst *in)
{
    IrWindow w = ir_window(g->m, in);
    bool dw = w.groups > 1 && w.groups == w.C && w.groups == w.O; // depthwise: vec tiles
    if (w.OH <= 0 || w.OW <= 0 || w.O <= 0 || (w.groups != 1 && !dw) || !in->args[1].is_const)
        return false;
    bool pad = w.pt || w.pb || w.pl || w.pr;
    return !pad || all_finite(&g->m->consts.data[in->args[1].id]);
}

bool gen_float_dense_fast(G *g)
{
    const IrConst *wc = g_argc(g, 1);
    int64_t O = wc->type.d[0], N = wc->type.d[1];
    if (O <= 0 || N <= 0)
        return false;
    IrWindow w = ir_window_dense(N, O);
    FGeo f = {.w = w, .KG = 1, .kog = O, .T = N, .ln = 8, .epi = UINT32_MAX, .fdst = UINT32_MAX};
    emit(g, &f, true);
    return true;
}
