// SPDX-License-Identifier: MIT
/* llvm_ops_bits.c: the bit-plane ops of the CPU backend (docs/ir.md §4), bit for bit
 * the interpreter's (compiler/interp/interp_bits.c). Bits values keep the
 * interpreter's layout between ops (one sign byte per element, bit n = plane n, and a
 * width byte when masked); bpop packs its input into 64-bit plane words (and masks)
 * and counts S_mn = 2 popcount(XNOR(c_m, d_n) & A_mn) - popcount(A_mn) against the
 * weights, which are packed at compile time into read-only data. */
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "llvm_gen.h"

#define B g->b

static LLVMValueRef mul(G *g, LLVMValueRef a, int64_t k)
{
    return LLVMBuildMul(B, a, g_i64(g, k), "");
}

static LLVMValueRef add(G *g, LLVMValueRef a, LLVMValueRef b)
{
    return LLVMBuildAdd(B, a, b, "");
}

static LLVMValueRef ld(G *g, LLVMValueRef var, LLVMTypeRef t)
{
    return LLVMBuildLoad2(B, t, var, "");
}

/* The width of element e of bits value x (an i64): its width byte, or the constant K. */
static LLVMValueRef width_of(G *g, const GVal *x, const IrType *t, LLVMValueRef e)
{
    if (!t->masked)
        return g_i64(g, t->bits);
    return LLVMBuildZExt(B, g_load(g, g->i8, x->w, e), g->i64, "");
}

/* sign(x) = +1 iff x > 0 (0 and NaN give -1). */
void gen_sign(G *g)
{
    GVal *out = g_out(g);
    g_alloc_value(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p;
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(g_outt(g))), "j");
    LLVMValueRef pos =
            LLVMBuildFCmp(B, LLVMRealOGT, g_load(g, g->f32, x, j), LLVMConstReal(g->f32, 0), "");
    g_store(g, g->i8, out->p, j, LLVMBuildZExt(B, pos, g->i8, ""));
    g_loop_end(g, &l);
}

/* Algorithm 1 on this example (heterogeneous widths): the runtime's copy of
 * quant_assign_widths(). */
static void assign_widths(G *g, LLVMValueRef x, uint64_t n, LLVMValueRef M)
{
    const IrAttr *w = ir_quant_widths(g->in), *f = ir_quant_fracs(g->in);
    int32_t bits[IR_MAX_LIST];
    uint64_t fr[IR_MAX_LIST];
    for (int k = 0; k < w->n; k++) {
        bits[k] = (int32_t)w->i[k];
        memcpy(&fr[k], &f->f[k], 8);
    }
    LLVMValueRef gb = g_ints(g, "q.bits", bits, (uint64_t)w->n);
    LLVMValueRef gf = g_words(g, "q.fracs", fr, (uint64_t)w->n);
    LLVMTypeRef ps[] = {g->ptr, g->i32, g->i32, g->ptr, g->ptr, g->i32, g->i64, g->ptr};
    LLVMValueRef args[] = {x,
                           g_i32(g, (int64_t)n),
                           g_i32(g, w->n),
                           gb,
                           gf,
                           g_i32(g, ir_quant_select(g->in)),
                           g_i64(g, ir_quant_seed(g->in)),
                           M};
    g_call(g, "hbrt_assign_widths", g->vd, ps, 8, args);
}

/* Static scales: E = x (double); for level m < width: bit = [E > 0], E -= +-beta_m. */
static void quant_static(G *g, LLVMValueRef x, LLVMValueRef M, uint64_t n)
{
    const IrType *t = g_outt(g);
    const float *beta = g->m->consts.data[t->scale_const].f;
    GVal *out = g_out(g);
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)n), "j");
    LLVMValueRef e = LLVMBuildFPExt(B, g_load(g, g->f32, x, j), g->f64, "");
    LLVMValueRef mj = M ? LLVMBuildZExt(B, g_load(g, g->i8, M, j), g->i64, "") : NULL;
    LLVMValueRef bits = LLVMConstInt(g->i8, 0, 0);
    for (int m = 0; m < t->bits; m++) {
        LLVMValueRef act =
                mj ? LLVMBuildICmp(B, LLVMIntSGT, mj, g_i64(g, m), "") : LLVMConstInt(g->i1, 1, 0);
        LLVMValueRef pos = LLVMBuildFCmp(B, LLVMRealOGT, e, g_f64(g, 0), "");
        LLVMValueRef bit = LLVMBuildZExt(B, LLVMBuildAnd(B, act, pos, ""), g->i8, "");
        bits = LLVMBuildOr(B, bits, LLVMBuildShl(B, bit, LLVMConstInt(g->i8, (unsigned)m, 0), ""),
                           "");
        LLVMValueRef d =
                LLVMBuildSelect(B, pos, g_f64(g, (double)beta[m]), g_f64(g, -(double)beta[m]), "");
        e = LLVMBuildSelect(B, act, LLVMBuildFSub(B, e, d, ""), e, "");
    }
    g_store(g, g->i8, out->p, j, bits);
    g_loop_end(g, &l);
}

void gen_quant(G *g)
{
    const IrType *t = g_outt(g);
    uint64_t n = ir_type_elems(t);
    const IrAttr *w = ir_quant_widths(g->in);
    GVal *out = g_out(g);
    g_alloc_value(g, out, t);
    LLVMValueRef x = g_arg(g, 0)->p;
    bool runtime = t->scale == IR_SC_RUNTIME;
    LLVMValueRef M = out->w;
    if (!M && (w->n > 1 || runtime))
        M = g_alloc(g, n);
    LLVMValueRef E = runtime ? g_alloc(g, 8 * n) : NULL;
    if (w->n > 1)
        assign_widths(g, x, n, M);
    else if (M)
        LLVMBuildMemSet(B, M, LLVMConstInt(g->i8, (unsigned long long)w->i[0], 0),
                        g_i64(g, (int64_t)n), 1);
    if (!runtime) {
        quant_static(g, x, M, n);
        return;
    }
    // Eq. 5 per example: the runtime's copy of quant_binarize_work().
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->ptr, g->i32, g->ptr, g->ptr, g->ptr};
    LLVMValueRef args[] = {x, g_i64(g, (int64_t)n), M, g_i32(g, t->bits), out->beta, out->p, E};
    g_call(g, "hbrt_binarize", g->vd, ps, 7, args);
}

/* x^_j = sum_{m < width_j} +-beta_m in double, level order, rounded once. */
void gen_dequant(G *g)
{
    const IrType *xt = g_argt(g, 0);
    GVal *out = g_out(g), *x = g_arg(g, 0);
    g_alloc_value(g, out, g_outt(g));
    LLVMValueRef beta[IR_MAX_BITS];
    for (int m = 0; m < xt->bits; m++)
        beta[m] = LLVMBuildFPExt(B, g_load(g, g->f32, x->beta, g_i64(g, m)), g->f64, "");
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(xt)), "j");
    LLVMValueRef s = g_load(g, g->i8, x->p, j), wj = width_of(g, x, xt, j);
    LLVMValueRef acc = g_f64(g, 0);
    for (int m = 0; m < xt->bits; m++) {
        LLVMValueRef bit = LLVMBuildTrunc(
                B, LLVMBuildLShr(B, s, LLVMConstInt(g->i8, (unsigned)m, 0), ""), g->i1, "");
        LLVMValueRef v = LLVMBuildSelect(B, bit, beta[m], LLVMBuildFNeg(B, beta[m], ""), "");
        LLVMValueRef act = LLVMBuildICmp(B, LLVMIntSGT, wj, g_i64(g, m), "");
        acc = LLVMBuildSelect(B, act, LLVMBuildFAdd(B, acc, v, ""), acc, "");
    }
    g_store(g, g->f32, out->p, j, LLVMBuildFPTrunc(B, acc, g->f32, ""));
    g_loop_end(g, &l);
}

/* ---- bpop: packing and counting ---- */

/* The weights of a bpop in the kernels' layout, made at compile time: sign planes and
 * masks [Kw][O][wpr] (an unmasked constant gets its valid bits as every mask), and
 * popcount(mask m of row o) as i32 [Kw][O]. */
typedef struct WPack {
    LLVMValueRef c, mask, pc;
    int64_t O, wpr;
    int kw;
} WPack;

static WPack weights(G *g, const IrConst *c)
{
    WPack p = {.c = g_const(g, g->in->args[1].id),
               .O = c->type.d[0],
               .wpr = (int64_t)c->wpr,
               .kw = c->type.bits};
    uint64_t per = ir_type_elems(&c->type) / (uint64_t)p.O, rows = (uint64_t)p.O;
    uint64_t nw = (uint64_t)p.kw * rows * c->wpr;
    uint64_t *mask = malloc(nw * 8);
    int32_t *pc = malloc((uint64_t)p.kw * rows * 4);
    HB_CHECK(mask && pc, "out of memory");
    for (uint64_t k = 0; k < nw; k++) {
        if (c->masks) {
            mask[k] = c->masks[k];
        } else {
            uint64_t wi = k % c->wpr, lo = wi * 64;
            mask[k] = per >= lo + 64 ? ~0ull : (1ull << (per - lo)) - 1;
        }
    }
    for (uint64_t r = 0; r < (uint64_t)p.kw * rows; r++) {
        int n = 0;
        for (uint64_t w = 0; w < c->wpr; w++)
            n += __builtin_popcountll(mask[r * c->wpr + w]);
        pc[r] = n;
    }
    const char *name = c->name;
    p.mask = g_words(g, arena_printf(&g->cx->arena, "m.%s", name), mask, nw);
    p.pc = g_ints(g, arena_printf(&g->cx->arena, "pc.%s", name), pc, (uint64_t)p.kw * rows);
    free(mask);
    free(pc);
    return p;
}

/* Activation planes d[Kx][wpr] and masks dm[Kx][wpr] (i64 words). */
typedef struct XPack {
    LLVMValueRef d, dm;
    int kx;
    int64_t wpr;
    bool masks; // popcount(A_mn) depends on the data (masked input, or conv padding)
} XPack;

/* OR element e of x into bit j of every plane word (and mask word); `ok` false
 * (padding) leaves them 0. */
static void pack_elem(G *g, const XPack *xp, const GVal *x, const IrType *xt, LLVMValueRef j,
                      LLVMValueRef e, LLVMValueRef ok)
{
    if (ok)
        e = LLVMBuildSelect(B, ok, e, g_i64(g, 0), "");
    LLVMValueRef s = LLVMBuildZExt(B, g_load(g, g->i8, x->p, e), g->i64, "");
    LLVMValueRef wj = width_of(g, x, xt, e);
    if (ok) {
        s = LLVMBuildSelect(B, ok, s, g_i64(g, 0), "");
        wj = LLVMBuildSelect(B, ok, wj, g_i64(g, 0), "");
    }
    LLVMValueRef word = LLVMBuildLShr(B, j, g_i64(g, 6), "");
    LLVMValueRef sh = LLVMBuildAnd(B, j, g_i64(g, 63), "");
    for (int n = 0; n < xp->kx; n++) {
        LLVMValueRef at = add(g, word, g_i64(g, n * xp->wpr));
        LLVMValueRef bit = LLVMBuildAnd(B, LLVMBuildLShr(B, s, g_i64(g, n), ""), g_i64(g, 1), "");
        LLVMValueRef p = g_gep(g, g->i64, xp->d, at);
        LLVMBuildStore(B, LLVMBuildOr(B, ld(g, p, g->i64), LLVMBuildShl(B, bit, sh, ""), ""), p);
        if (!xp->masks)
            continue;
        LLVMValueRef act =
                LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntSGT, wj, g_i64(g, n), ""), g->i64, "");
        p = g_gep(g, g->i64, xp->dm, at);
        LLVMBuildStore(B, LLVMBuildOr(B, ld(g, p, g->i64), LLVMBuildShl(B, act, sh, ""), ""), p);
    }
}

static LLVMValueRef ctpop(G *g, LLVMValueRef v)
{
    return g_call(g, "llvm.ctpop.i64", g->i64, &g->i64, 1, &v);
}

/* Pair sums of weight row o against the packed activations: out[p * npos + pos]. */
static void count_row(G *g, const WPack *wp, const XPack *xp, LLVMValueRef o, LLVMValueRef pos,
                      int64_t npos)
{
    int P = wp->kw * xp->kx;
    LLVMValueRef acc[IR_MAX_BITS * IR_MAX_BITS], pa[IR_MAX_BITS * IR_MAX_BITS];
    for (int p = 0; p < P; p++) {
        acc[p] = g_var(g, g->i64, g_i64(g, 0));
        pa[p] = xp->masks ? g_var(g, g->i64, g_i64(g, 0)) : NULL;
    }
    GLoop lw;
    LLVMValueRef w = g_loop_begin(g, &lw, g_i64(g, wp->wpr), "w");
    LLVMValueRef dw[IR_MAX_BITS], dmw[IR_MAX_BITS];
    for (int n = 0; n < xp->kx; n++) {
        LLVMValueRef at = add(g, w, g_i64(g, n * xp->wpr));
        dw[n] = g_load(g, g->i64, xp->d, at);
        dmw[n] = xp->masks ? g_load(g, g->i64, xp->dm, at) : NULL;
    }
    for (int m = 0; m < wp->kw; m++) {
        LLVMValueRef at = add(g, mul(g, add(g, o, g_i64(g, m * wp->O)), wp->wpr), w);
        LLVMValueRef cw = g_load(g, g->i64, wp->c, at), mw = g_load(g, g->i64, wp->mask, at);
        for (int n = 0; n < xp->kx; n++) {
            int p = m * xp->kx + n;
            LLVMValueRef A = dmw[n] ? LLVMBuildAnd(B, mw, dmw[n], "") : mw;
            LLVMValueRef x =
                    LLVMBuildAnd(B, LLVMBuildNot(B, LLVMBuildXor(B, cw, dw[n], ""), ""), A, "");
            LLVMBuildStore(B, add(g, ld(g, acc[p], g->i64), ctpop(g, x)), acc[p]);
            if (pa[p])
                LLVMBuildStore(B, add(g, ld(g, pa[p], g->i64), ctpop(g, A)), pa[p]);
        }
    }
    g_loop_end(g, &lw);
    LLVMValueRef S = g_out(g)->p;
    for (int p = 0; p < P; p++) {
        int m = p / xp->kx;
        LLVMValueRef cnt =
                pa[p] ? ld(g, pa[p], g->i64)
                      : LLVMBuildSExt(B, g_load(g, g->i32, wp->pc, add(g, o, g_i64(g, m * wp->O))),
                                      g->i64, "");
        LLVMValueRef s = LLVMBuildSub(B, mul(g, ld(g, acc[p], g->i64), 2), cnt, "");
        g_store(g, g->i32, S, add(g, pos, g_i64(g, p * npos)), LLVMBuildTrunc(B, s, g->i32, ""));
    }
}

static XPack xpack(G *g, const IrType *xt, int64_t wpr, bool conv)
{
    XPack xp = {.kx = xt->bits, .wpr = wpr, .masks = xt->masked || conv};
    xp.d = g_alloc(g, (uint64_t)(xp.kx * wpr * 8));
    xp.dm = xp.masks ? g_alloc(g, (uint64_t)(xp.kx * wpr * 8)) : NULL;
    return xp;
}

static void xclear(G *g, const XPack *xp)
{
    g_memset0(g, xp->d, (uint64_t)(xp->kx * xp->wpr * 8));
    if (xp->dm)
        g_memset0(g, xp->dm, (uint64_t)(xp->kx * xp->wpr * 8));
}

void gen_bpop_dense(G *g)
{
    const IrConst *c = g_argc(g, 1);
    const IrType *xt = g_argt(g, 0);
    GVal *x = g_arg(g, 0);
    g_alloc_value(g, g_out(g), g_outt(g));
    WPack wp = weights(g, c);
    XPack xp = xpack(g, xt, wp.wpr, false);
    xclear(g, &xp);
    GLoop lj, lo;
    LLVMValueRef j = g_loop_begin(g, &lj, g_i64(g, (int64_t)ir_type_elems(xt)), "j");
    pack_elem(g, &xp, x, xt, j, j, NULL);
    g_loop_end(g, &lj);
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, wp.O), "o");
    count_row(g, &wp, &xp, o, o, wp.O);
    g_loop_end(g, &lo);
}

/* Per output pixel and group: gather the window's bits (padding masked out) in the
 * weights' element order (ci, ky, kx), then count every row of the group. */
void gen_bpop_conv2d(G *g)
{
    const IrConst *c = g_argc(g, 1);
    const IrType *xt = g_argt(g, 0);
    GVal *x = g_arg(g, 0);
    IrWindow w = ir_window(g->m, g->in);
    int64_t cg = w.C / w.groups, og = w.O / w.groups, npos = w.O * w.OH * w.OW;
    g_alloc_value(g, g_out(g), g_outt(g));
    WPack wp = weights(g, c);
    XPack xp = xpack(g, xt, wp.wpr, true);
    GLoop ly, lx, lg, lc, lky, lkx, lo;
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, w.OH), "oy");
    LLVMValueRef ox = g_loop_begin(g, &lx, g_i64(g, w.OW), "ox");
    LLVMValueRef grp = g_loop_begin(g, &lg, g_i64(g, w.groups), "grp");
    xclear(g, &xp);
    LLVMValueRef ci = g_loop_begin(g, &lc, g_i64(g, cg), "ci");
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, w.kh), "ky");
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, w.kw), "kx");
    LLVMValueRef iy = add(g, add(g, mul(g, oy, w.sh), g_i64(g, -w.pt)), mul(g, ky, w.dh));
    LLVMValueRef ix = add(g, add(g, mul(g, ox, w.sw), g_i64(g, -w.pl)), mul(g, kx, w.dw));
    LLVMValueRef ok =
            LLVMBuildAnd(B,
                         LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, iy, g_i64(g, 0), ""),
                                      LLVMBuildICmp(B, LLVMIntSLT, iy, g_i64(g, w.H), ""), ""),
                         LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, ix, g_i64(g, 0), ""),
                                      LLVMBuildICmp(B, LLVMIntSLT, ix, g_i64(g, w.W), ""), ""),
                         "");
    LLVMValueRef ch = add(g, mul(g, grp, cg), ci);
    LLVMValueRef e = add(g, mul(g, add(g, mul(g, ch, w.H), iy), w.W), ix);
    LLVMValueRef j = add(g, mul(g, add(g, mul(g, ci, w.kh), ky), w.kw), kx);
    pack_elem(g, &xp, x, xt, j, e, ok);
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    g_loop_end(g, &lc);
    LLVMValueRef oi = g_loop_begin(g, &lo, g_i64(g, og), "o");
    LLVMValueRef o = add(g, mul(g, grp, og), oi);
    LLVMValueRef pos = add(g, mul(g, add(g, mul(g, o, w.OH), oy), w.OW), ox);
    count_row(g, &wp, &xp, o, pos, npos);
    g_loop_end(g, &lo);
    g_loop_end(g, &lg);
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
}

/* acc = sum_p coef[row(o)][p] * S_p, exact in 64 bits (|acc| <= bound <= 2^30). */
void gen_icomb(G *g)
{
    const IrType *st = g_argt(g, 0);
    const IrConst *c = g_argc(g, 1);
    int64_t P = st->d[0], O = st->d[1], npos = (int64_t)ir_type_elems(g_outt(g)), per = npos / O;
    GVal *out = g_out(g);
    g_alloc_value(g, out, g_outt(g));
    LLVMValueRef S = g_arg(g, 0)->p, coef = g_const(g, g->in->args[1].id);
    GLoop lo, lq;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, O), "o");
    LLVMValueRef row = c->type.d[0] == 1 ? g_i64(g, 0) : mul(g, o, P);
    LLVMValueRef k[IR_MAX_BITS * IR_MAX_BITS];
    for (int64_t p = 0; p < P; p++)
        k[p] = LLVMBuildSExt(B, g_load(g, g->i32, coef, add(g, row, g_i64(g, p))), g->i64, "");
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, per), "q");
    LLVMValueRef pos = add(g, mul(g, o, per), q), acc = g_i64(g, 0);
    for (int64_t p = 0; p < P; p++) {
        LLVMValueRef s =
                LLVMBuildSExt(B, g_load(g, g->i32, S, add(g, pos, g_i64(g, p * npos))), g->i64, "");
        acc = add(g, acc, LLVMBuildMul(B, k[p], s, ""));
    }
    g_store(g, g->i32, out->p, pos, LLVMBuildTrunc(B, acc, g->i32, ""));
    g_loop_end(g, &lq);
    g_loop_end(g, &lo);
}

/* y = sum_m sum_n (alpha_m * beta_n) * S_mn + b in double (m outer, n inner), rounded
 * once; beta from the bits value the bpop read. */
void gen_fcomb(G *g)
{
    const IrType *st = g_argt(g, 0), *xt = g_argt(g, 1);
    const IrConst *al = g_argc(g, 2);
    int kx = xt->bits, kw = (int)(st->d[0] / kx);
    int64_t O = st->d[1], npos = (int64_t)ir_type_elems(g_outt(g)), per = npos / O;
    GVal *out = g_out(g);
    g_alloc_value(g, out, g_outt(g));
    LLVMValueRef S = g_arg(g, 0)->p, beta = g_arg(g, 1)->beta;
    LLVMValueRef alpha = g_const(g, g->in->args[2].id), bias = g_const(g, g->in->args[3].id);
    LLVMValueRef bn[IR_MAX_BITS];
    for (int n = 0; n < kx; n++)
        bn[n] = LLVMBuildFPExt(B, g_load(g, g->f32, beta, g_i64(g, n)), g->f64, "");
    GLoop lo, lq;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, O), "o");
    LLVMValueRef row = al->type.d[0] == 1 ? g_i64(g, 0) : mul(g, o, kw);
    LLVMValueRef ab[IR_MAX_BITS * IR_MAX_BITS];
    for (int m = 0; m < kw; m++) {
        LLVMValueRef a =
                LLVMBuildFPExt(B, g_load(g, g->f32, alpha, add(g, row, g_i64(g, m))), g->f64, "");
        for (int n = 0; n < kx; n++)
            ab[m * kx + n] = LLVMBuildFMul(B, a, bn[n], "");
    }
    LLVMValueRef b = LLVMBuildFPExt(B, g_load(g, g->f32, bias, o), g->f64, "");
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, per), "q");
    LLVMValueRef pos = add(g, mul(g, o, per), q), y = g_f64(g, 0);
    for (int p = 0; p < kw * kx; p++) {
        LLVMValueRef s = g_load(g, g->i32, S, add(g, pos, g_i64(g, p * npos)));
        s = LLVMBuildSIToFP(B, s, g->f64, "");
        y = LLVMBuildFAdd(B, y, LLVMBuildFMul(B, ab[p], s, ""), "");
    }
    y = LLVMBuildFAdd(B, y, b, "");
    g_store(g, g->f32, out->p, pos, LLVMBuildFPTrunc(B, y, g->f32, ""));
    g_loop_end(g, &lq);
    g_loop_end(g, &lo);
}

/* v = neg ? -acc : acc; level m: bit = [v >= thr[o][j]], j = 2j + 1 + bit. */
void gen_threshold(G *g)
{
    const IrType *t = g_outt(g);
    int k = t->bits;
    int64_t nodes = ((int64_t)1 << k) - 1, O = t->d[0];
    int64_t npos = (int64_t)ir_type_elems(t), per = npos / O;
    GVal *out = g_out(g);
    g_alloc_value(g, out, t);
    LLVMValueRef acc = g_arg(g, 0)->p;
    LLVMValueRef neg = g_const(g, g->in->args[1].id), thr = g_const(g, g->in->args[2].id);
    GLoop lo, lq;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, O), "o");
    LLVMValueRef isneg = LLVMBuildICmp(B, LLVMIntNE, g_load(g, g->i32, neg, o), g_i32(g, 0), "");
    LLVMValueRef base = mul(g, o, nodes);
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, per), "q");
    LLVMValueRef pos = add(g, mul(g, o, per), q);
    LLVMValueRef v = LLVMBuildSExt(B, g_load(g, g->i32, acc, pos), g->i64, "");
    v = LLVMBuildSelect(B, isneg, LLVMBuildNeg(B, v, ""), v, "");
    LLVMValueRef j = g_i64(g, 0), bits = LLVMConstInt(g->i8, 0, 0);
    for (int m = 0; m < k; m++) {
        LLVMValueRef th = LLVMBuildSExt(B, g_load(g, g->i32, thr, add(g, base, j)), g->i64, "");
        LLVMValueRef bit = LLVMBuildICmp(B, LLVMIntSGE, v, th, "");
        LLVMValueRef b8 = LLVMBuildZExt(B, bit, g->i8, "");
        bits = LLVMBuildOr(B, bits, LLVMBuildShl(B, b8, LLVMConstInt(g->i8, (unsigned)m, 0), ""),
                           "");
        j = add(g, add(g, mul(g, j, 2), g_i64(g, 1)), LLVMBuildZExt(B, bit, g->i64, ""));
    }
    g_store(g, g->i8, out->p, pos, bits);
    g_loop_end(g, &lq);
    g_loop_end(g, &lo);
}
