// SPDX-License-Identifier: MIT
/* llvm_ops_float.c: the float-path ops of the CPU backend (docs/ir.md §4), each the
 * interpreter's loop (compiler/interp/interp.c) in LLVM IR: sums in double in the same
 * order, one rounding to float, no fast-math flags, so results match it bit for bit
 * (and within the contract's 1e-5 in any case). Also flatten / concat / argmax. */
#include <math.h>

#include "llvm_float.h"

#define B g->b

static LLVMValueRef cst(G *g, int k)
{
    return g_const(g, g->in->args[k].id);
}

static LLVMValueRef fpext(G *g, LLVMValueRef f)
{
    return LLVMBuildFPExt(B, f, g->f64, "");
}

static LLVMValueRef fptrunc(G *g, LLVMValueRef d)
{
    return LLVMBuildFPTrunc(B, d, g->f32, "");
}

void gen_input(G *g)
{
    g_out(g)->p = g_load(g, g->ptr, g->ins, g_i64(g, ir_input_index(g->in)));
}

/* y_o = sum_j W[o][j] * x[j] (double, j ascending) + b[o], rounded once. */
void gen_dense(G *g)
{
    if (gen_float_dense_fast(g))
        return;
    const IrConst *w = g_argc(g, 1);
    int64_t O = w->type.d[0], N = w->type.d[1];
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p, W = cst(g, 1), bias = cst(g, 2);
    GLoop lo, lj;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, O), "o");
    LLVMValueRef y = g_var(g, g->f64, g_f64(g, 0));
    LLVMValueRef j = g_loop_begin(g, &lj, g_i64(g, N), "j");
    LLVMValueRef wv = fpext(g, g_load(g, g->f32, W, g_add(g, g_mulk(g, o, N), j)));
    LLVMValueRef p = LLVMBuildFMul(B, wv, fpext(g, g_load(g, g->f32, x, j)), "");
    LLVMBuildStore(B, LLVMBuildFAdd(B, LLVMBuildLoad2(B, g->f64, y, ""), p, ""), y);
    g_loop_end(g, &lj);
    LLVMValueRef r = LLVMBuildFAdd(B, LLVMBuildLoad2(B, g->f64, y, ""),
                                   fpext(g, g_load(g, g->f32, bias, o)), "");
    g_store(g, g->f32, out->p, o, fptrunc(g, r));
    g_loop_end(g, &lo);
}

/* In-bounds test and input coordinate of tap k along one axis: i = o*s - p + k*d. */
static LLVMValueRef tap(G *g, LLVMValueRef o, int64_t s, int64_t p, LLVMValueRef k, int64_t d,
                        int64_t size, LLVMValueRef *ok)
{
    LLVMValueRef i = g_add(g, g_add(g, g_mulk(g, o, s), g_i64(g, -p)), g_mulk(g, k, d));
    LLVMValueRef lo = LLVMBuildICmp(B, LLVMIntSGE, i, g_i64(g, 0), "");
    LLVMValueRef hi = LLVMBuildICmp(B, LLVMIntSLT, i, g_i64(g, size), "");
    *ok = *ok ? LLVMBuildAnd(B, *ok, LLVMBuildAnd(B, lo, hi, ""), "") : LLVMBuildAnd(B, lo, hi, "");
    return i;
}

/* Positions outside the input are skipped (the address is clamped to 0 and the sum
 * is left unchanged), order (ci, ky, kx), double, + bias, rounded once. */
void gen_conv2d(G *g)
{
    if (gen_float_conv_fast(g))
        return;
    IrWindow w = ir_window(g->m, g->in);
    int64_t cg = w.C / w.groups, og = w.O / w.groups;
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p, W = cst(g, 1), bias = cst(g, 2);
    GLoop lo, ly, lx, lc, lky, lkx;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, w.O), "o");
    LLVMValueRef grp = LLVMBuildSDiv(B, o, g_i64(g, og), "");
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, w.OH), "oy");
    LLVMValueRef ox = g_loop_begin(g, &lx, g_i64(g, w.OW), "ox");
    LLVMValueRef y = g_var(g, g->f64, g_f64(g, 0));
    LLVMValueRef ci = g_loop_begin(g, &lc, g_i64(g, cg), "ci");
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, w.kh), "ky");
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, w.kw), "kx");
    LLVMValueRef ok = NULL;
    LLVMValueRef iy = tap(g, oy, w.sh, w.pt, ky, w.dh, w.H, &ok);
    LLVMValueRef ix = tap(g, ox, w.sw, w.pl, kx, w.dw, w.W, &ok);
    LLVMValueRef c = g_add(g, g_mulk(g, grp, cg), ci);
    LLVMValueRef e = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w.H), iy), w.W), ix);
    e = LLVMBuildSelect(B, ok, e, g_i64(g, 0), "");
    LLVMValueRef wi = g_add(
            g, g_mulk(g, g_add(g, g_mulk(g, g_add(g, g_mulk(g, o, cg), ci), w.kh), ky), w.kw), kx);
    LLVMValueRef p = LLVMBuildFMul(B, fpext(g, g_load(g, g->f32, W, wi)),
                                   fpext(g, g_load(g, g->f32, x, e)), "");
    LLVMValueRef cur = LLVMBuildLoad2(B, g->f64, y, "");
    LLVMBuildStore(B, LLVMBuildSelect(B, ok, LLVMBuildFAdd(B, cur, p, ""), cur, ""), y);
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    g_loop_end(g, &lc);
    LLVMValueRef r = LLVMBuildFAdd(B, LLVMBuildLoad2(B, g->f64, y, ""),
                                   fpext(g, g_load(g, g->f32, bias, o)), "");
    LLVMValueRef at = g_add(g, g_mulk(g, g_add(g, g_mulk(g, o, w.OH), oy), w.OW), ox);
    g_store(g, g->f32, out->p, at, fptrunc(g, r));
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
    g_loop_end(g, &lo);
}

/* z = x * scale[c] + shift[c] in double, rounded once. */
void gen_batchnorm(G *g)
{
    if (g_plan_skipped(g, g->in->result)) // in a bpop_conv2d or float conv tile epilogue
        return;
    const IrType *t = g_outt(g);
    int64_t C = t->d[0], per = (int64_t)ir_type_elems(t) / C;
    GVal *out = g_out(g);
    g_alloc_output(g, out, t);
    LLVMValueRef x = g_arg(g, 0)->p, sc = cst(g, 1), sh = cst(g, 2);
    GLoop lc, lj;
    LLVMValueRef c = g_loop_begin(g, &lc, g_i64(g, C), "c");
    LLVMValueRef a = fpext(g, g_load(g, g->f32, sc, c)), b = fpext(g, g_load(g, g->f32, sh, c));
    LLVMValueRef j = g_loop_begin(g, &lj, g_i64(g, per), "j");
    LLVMValueRef e = g_add(g, g_mulk(g, c, per), j);
    LLVMValueRef z =
            LLVMBuildFAdd(B, LLVMBuildFMul(B, fpext(g, g_load(g, g->f32, x, e)), a, ""), b, "");
    g_store(g, g->f32, out->p, e, fptrunc(g, z));
    g_loop_end(g, &lj);
    g_loop_end(g, &lc);
}

/* An elementwise float op: out[j] = f(x[j]). */
static void unary(G *g, LLVMValueRef (*f)(G *, LLVMValueRef))
{
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p;
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(g_outt(g))), "j");
    g_store(g, g->f32, out->p, j, f(g, g_load(g, g->f32, x, j)));
    g_loop_end(g, &l);
}

static LLVMValueRef f32c(G *g, double v)
{
    return LLVMConstReal(g->f32, (double)(float)v);
}

static LLVMValueRef relu1(G *g, LLVMValueRef v)
{
    LLVMValueRef pos = LLVMBuildFCmp(B, LLVMRealOGT, v, f32c(g, 0), "");
    return LLVMBuildSelect(B, pos, v, f32c(g, 0), "");
}

void gen_relu(G *g)
{
    if (g_plan_skipped(g, g->in->result)) // in its float conv's tile (g_plan_float_epi)
        return;
    unary(g, relu1);
}

static LLVMValueRef hardtanh1(G *g, LLVMValueRef v)
{
    LLVMValueRef lo = f32c(g, ir_hardtanh_lo(g->in)), hi = f32c(g, ir_hardtanh_hi(g->in));
    LLVMValueRef r = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, v, hi, ""), hi, v, "");
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, v, lo, ""), lo, r, "");
}

void gen_hardtanh(G *g)
{
    unary(g, hardtanh1);
}

static LLVMValueRef libm1(G *g, const char *fn, LLVMValueRef d)
{
    return g_call(g, fn, g->f64, &g->f64, 1, &d);
}

/* 1 / (1 + exp(-x)) in double, rounded once (libm exp, as the interpreter). */
static LLVMValueRef sigmoid1(G *g, LLVMValueRef v)
{
    LLVMValueRef e = libm1(g, "exp", LLVMBuildFNeg(B, fpext(g, v), ""));
    return fptrunc(g, LLVMBuildFDiv(B, g_f64(g, 1.0), LLVMBuildFAdd(B, g_f64(g, 1.0), e, ""), ""));
}

void gen_sigmoid(G *g)
{
    unary(g, sigmoid1);
}

static LLVMValueRef tanh1(G *g, LLVMValueRef v)
{
    return fptrunc(g, libm1(g, "tanh", fpext(g, v)));
}

void gen_tanh(G *g)
{
    unary(g, tanh1);
}

/* 0.5 * x * (1 + erf(x / sqrt 2)) in double, rounded once. */
static LLVMValueRef gelu1(G *g, LLVMValueRef v)
{
    LLVMValueRef d = fpext(g, v);
    LLVMValueRef e = libm1(g, "erf", LLVMBuildFDiv(B, d, g_f64(g, sqrt(2.0)), ""));
    LLVMValueRef h = LLVMBuildFMul(B, g_f64(g, 0.5), d, "");
    return fptrunc(g, LLVMBuildFMul(B, h, LLVMBuildFAdd(B, g_f64(g, 1.0), e, ""), ""));
}

void gen_gelu(G *g)
{
    unary(g, gelu1);
}

/* x > 0 ? x : x * slope (the product in double, rounded once). */
static LLVMValueRef leaky1(G *g, LLVMValueRef v)
{
    LLVMValueRef neg =
            fptrunc(g, LLVMBuildFMul(B, fpext(g, v), g_f64(g, ir_leaky_relu_slope(g->in)), ""));
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, v, f32c(g, 0), ""), v, neg, "");
}

void gen_leaky_relu(G *g)
{
    unary(g, leaky1);
}

/* Max over the valid window positions; on 1-bit values the OR of the sign bits. */
void gen_maxpool(G *g)
{
    if (g_plan_skipped(g, g->in->result)) // ORed by its bpop_conv2d's tile epilogue
        return;
    IrWindow w = ir_window(g->m, g->in);
    bool bits = g_argt(g, 0)->enc == IR_BITS;
    if (bits && (g_argt(g, 0)->bits > 1 || g_argt(g, 0)->masked)) {
        gen_maxpool_codes(g); // llvm_ops_codes.c
        return;
    }
    GVal *out = g_out(g), *x = g_arg(g, 0);
    g_alloc_output(g, out, g_outt(g));
    if (bits && g_outt(g)->scale == IR_SC_RUNTIME)
        g_memcpy(g, out->beta, x->beta, 4);
    LLVMTypeRef et = bits ? g->i8 : g->f32;
    GLoop lc, ly, lx, lky, lkx;
    LLVMValueRef c = g_loop_begin(g, &lc, g_i64(g, w.C), "c");
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, w.OH), "oy");
    LLVMValueRef ox = g_loop_begin(g, &lx, g_i64(g, w.OW), "ox");
    LLVMValueRef best =
            g_var(g, et, bits ? LLVMConstInt(g->i8, 0, 0) : LLVMConstReal(g->f32, -INFINITY));
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, w.kh), "ky");
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, w.kw), "kx");
    LLVMValueRef ok = NULL;
    LLVMValueRef iy = tap(g, oy, w.sh, w.pt, ky, w.dh, w.H, &ok);
    LLVMValueRef ix = tap(g, ox, w.sw, w.pl, kx, w.dw, w.W, &ok);
    LLVMValueRef e = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w.H), iy), w.W), ix);
    e = LLVMBuildSelect(B, ok, e, g_i64(g, 0), "");
    LLVMValueRef v = g_load(g, et, x->p, e), cur = LLVMBuildLoad2(B, et, best, ""), nb;
    if (bits) {
        v = LLVMBuildAnd(B, v, LLVMConstInt(g->i8, 1, 0), "");
        nb = LLVMBuildOr(B, cur, v, "");
    } else {
        nb = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, v, cur, ""), v, cur, "");
    }
    LLVMBuildStore(B, LLVMBuildSelect(B, ok, nb, cur, ""), best);
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    LLVMValueRef at = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w.OH), oy), w.OW), ox);
    g_store(g, et, out->p, at, LLVMBuildLoad2(B, et, best, ""));
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
    g_loop_end(g, &lc);
}

/* Sum of the kh*kw window in double (ky, kx ascending) / (kh*kw), rounded once. */
/* The inside part of the window's extent along one axis, clipped to the padded input
 * [-p0, size + p1): torch's count_include_pad=True divisor (ir_avgpool_count). */
static LLVMValueRef pool_extent(G *g, LLVMValueRef o, int64_t s, int64_t p0, int64_t k, int64_t end)
{
    LLVMValueRef a = g_add(g, g_mulk(g, o, s), g_i64(g, -p0)), b = g_add(g, a, g_i64(g, k));
    LLVMValueRef over = LLVMBuildICmp(B, LLVMIntSGT, b, g_i64(g, end), "");
    b = LLVMBuildSelect(B, over, g_i64(g, end), b, "");
    return LLVMBuildSub(B, b, a, "");
}

/* Sum of the window's positions inside the input (ky, kx ascending, padding adds 0) in
 * double, divided by the window's size inside the padded input, rounded once. */
void gen_avgpool(G *g)
{
    IrWindow w = ir_window(g->m, g->in);
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p;
    GLoop lc, ly, lx, lky, lkx;
    LLVMValueRef c = g_loop_begin(g, &lc, g_i64(g, w.C), "c");
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, w.OH), "oy");
    LLVMValueRef ox = g_loop_begin(g, &lx, g_i64(g, w.OW), "ox");
    LLVMValueRef sum = g_var(g, g->f64, g_f64(g, 0));
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, w.kh), "ky");
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, w.kw), "kx");
    LLVMValueRef ok = NULL;
    LLVMValueRef iy = tap(g, oy, w.sh, w.pt, ky, 1, w.H, &ok);
    LLVMValueRef ix = tap(g, ox, w.sw, w.pl, kx, 1, w.W, &ok);
    LLVMValueRef e = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w.H), iy), w.W), ix);
    e = LLVMBuildSelect(B, ok, e, g_i64(g, 0), "");
    LLVMValueRef cur = LLVMBuildLoad2(B, g->f64, sum, "");
    LLVMValueRef nv = LLVMBuildFAdd(B, cur, fpext(g, g_load(g, g->f32, x, e)), "");
    LLVMBuildStore(B, LLVMBuildSelect(B, ok, nv, cur, ""), sum);
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    LLVMValueRef cnt = LLVMBuildMul(B, pool_extent(g, oy, w.sh, w.pt, w.kh, w.H + w.pb),
                                    pool_extent(g, ox, w.sw, w.pl, w.kw, w.W + w.pr), "");
    LLVMValueRef r = LLVMBuildFDiv(B, LLVMBuildLoad2(B, g->f64, sum, ""),
                                   LLVMBuildSIToFP(B, cnt, g->f64, ""), "");
    LLVMValueRef at = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w.OH), oy), w.OW), ox);
    g_store(g, g->f32, out->p, at, fptrunc(g, r));
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
    g_loop_end(g, &lc);
}

/* out = a * b in float; a size-1 dimension of either operand broadcasts. The operand
 * index of output element j is rebuilt from j's coordinates (constant divisors). */
void gen_mul(G *g)
{
    const IrType *ot = g_outt(g), *at = g_argt(g, 0), *bt = g_argt(g, 1);
    GVal *out = g_out(g);
    g_alloc_output(g, out, ot);
    LLVMValueRef a = g_arg(g, 0)->p, b = g_arg(g, 1)->p;
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(ot)), "j");
    LLVMValueRef ja = g_i64(g, 0), jb = g_i64(g, 0);
    int64_t stride = 1, sa = 1, sb = 1;
    for (int i = ot->rank - 1; i >= 0; i--) {
        LLVMValueRef idx =
                LLVMBuildURem(B, LLVMBuildUDiv(B, j, g_i64(g, stride), ""), g_i64(g, ot->d[i]), "");
        if (at->d[i] != 1)
            ja = g_add(g, ja, g_mulk(g, idx, sa));
        if (bt->d[i] != 1)
            jb = g_add(g, jb, g_mulk(g, idx, sb));
        sa *= at->d[i], sb *= bt->d[i], stride *= ot->d[i];
    }
    g_store(g, g->f32, out->p, j,
            LLVMBuildFMul(B, g_load(g, g->f32, a, ja), g_load(g, g->f32, b, jb), ""));
    g_loop_end(g, &l);
}

/* Same elements in the same order: the result shares its operand's storage (values are
 * never written after their definition). */
void gen_flatten(G *g)
{
    *g_out(g) = *g_arg(g, 0);
}

void gen_add(G *g)
{
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef a = g_arg(g, 0)->p, b = g_arg(g, 1)->p;
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(g_outt(g))), "j");
    g_store(g, g->f32, out->p, j,
            LLVMBuildFAdd(B, g_load(g, g->f32, a, j), g_load(g, g->f32, b, j), ""));
    g_loop_end(g, &l);
}

/* Along dim 0: the operands' elements one after another (bits: signs, widths, and the
 * shared scales of the non-runtime type). */
void gen_concat(G *g)
{
    GVal *out = g_out(g);
    const IrType *ot = g_outt(g);
    g_alloc_output(g, out, ot);
    uint64_t at = 0, es = ot->enc == IR_BITS ? 1 : 4;
    for (uint32_t k = 0; k < g->in->nargs; k++) {
        uint64_t n = ir_type_elems(g_argt(g, (int)k));
        GVal *x = g_arg(g, (int)k);
        LLVMValueRef off = g_i64(g, (int64_t)(at * es));
        g_memcpy(g, LLVMBuildGEP2(B, g->i8, out->p, &off, 1, ""), x->p, n * es);
        if (out->w) {
            off = g_i64(g, (int64_t)at);
            g_memcpy(g, LLVMBuildGEP2(B, g->i8, out->w, &off, 1, ""), x->w, n);
        }
        at += n;
    }
}

/* e_j = exp(x_j - max) in double; y_j = e_j / sum e, rounded once (libm exp). */
void gen_softmax(G *g)
{
    int64_t n = (int64_t)ir_type_elems(g_outt(g));
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p;
    LLVMValueRef mx = g_var(g, g->f64, fpext(g, g_load(g, g->f32, x, g_i64(g, 0))));
    LLVMValueRef sum = g_var(g, g->f64, g_f64(g, 0));
    GLoop l1, l2, l3;
    LLVMValueRef j = g_loop_begin(g, &l1, g_i64(g, n), "j");
    LLVMValueRef v = fpext(g, g_load(g, g->f32, x, j)), cur = LLVMBuildLoad2(B, g->f64, mx, "");
    LLVMBuildStore(B, LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, v, cur, ""), v, cur, ""),
                   mx);
    g_loop_end(g, &l1);
    LLVMValueRef m = LLVMBuildLoad2(B, g->f64, mx, "");
    j = g_loop_begin(g, &l2, g_i64(g, n), "j");
    LLVMValueRef d = LLVMBuildFSub(B, fpext(g, g_load(g, g->f32, x, j)), m, "");
    LLVMValueRef e = g_call(g, "exp", g->f64, &g->f64, 1, &d);
    LLVMBuildStore(B, LLVMBuildFAdd(B, LLVMBuildLoad2(B, g->f64, sum, ""), e, ""), sum);
    g_loop_end(g, &l2);
    LLVMValueRef s = LLVMBuildLoad2(B, g->f64, sum, "");
    j = g_loop_begin(g, &l3, g_i64(g, n), "j");
    d = LLVMBuildFSub(B, fpext(g, g_load(g, g->f32, x, j)), m, "");
    e = g_call(g, "exp", g->f64, &g->f64, 1, &d);
    g_store(g, g->f32, out->p, j, fptrunc(g, LLVMBuildFDiv(B, e, s, "")));
    g_loop_end(g, &l3);
}

/* The lowest index of the maximum (strictly greater replaces). */
void gen_argmax(G *g)
{
    int64_t n = g_argt(g, 0)->d[0];
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p;
    LLVMValueRef best = g_var(g, g->i64, g_i64(g, 0));
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, n - 1), "j");
    j = g_add(g, j, g_i64(g, 1));
    LLVMValueRef cur = LLVMBuildLoad2(B, g->i64, best, "");
    LLVMValueRef gt =
            LLVMBuildFCmp(B, LLVMRealOGT, g_load(g, g->f32, x, j), g_load(g, g->f32, x, cur), "");
    LLVMBuildStore(B, LLVMBuildSelect(B, gt, j, cur, ""), best);
    g_loop_end(g, &l);
    LLVMValueRef r = LLVMBuildTrunc(B, LLVMBuildLoad2(B, g->i64, best, ""), g->i32, "");
    g_store(g, g->i32, out->p, g_i64(g, 0), r);
}
