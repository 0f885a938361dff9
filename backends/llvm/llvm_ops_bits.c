// SPDX-License-Identifier: MIT
/* llvm_ops_bits.c: the bit-plane ops of the CPU backend (docs/ir.md §4), bit for bit
 * the interpreter's (compiler/interp/interp_bits.c). Bits values keep the
 * interpreter's layout between ops (one sign byte per element, bit n = plane n, and a
 * width byte when masked); the bpop kernels that pack them are in llvm_bpop.c. */
#include <string.h>

#include "llvm_gen.h"
#include "llvm_int8.h"

#define B g->b

/* The width of element e of bits value x (an i64): its width byte, or the constant K. */
static LLVMValueRef width_of(G *g, const GVal *x, const IrType *t, LLVMValueRef e)
{
    if (!t->masked)
        return g_i64(g, t->bits);
    return LLVMBuildZExt(B, g_load(g, g->i8, x->w, e), g->i64, "");
}

/* sign into packed words (g_plan_packed): 64 elements per word, bit i = [x > 0]; the
 * last word's lanes past n are not read and stay 0. */
static void sign_packed(G *g, LLVMValueRef x, LLVMValueRef out, int64_t n)
{
    LLVMTypeRef v = LLVMVectorType(g->f32, 64), v1 = LLVMVectorType(g->i1, 64);
    LLVMTypeRef ps[] = {g->ptr, g->i32, v1, v}, ov[] = {v, g->ptr};
    LLVMValueRef f =
            LLVMGetIntrinsicDeclaration(g->M, LLVMLookupIntrinsicID("llvm.masked.load", 16), ov, 2);
    LLVMValueRef iota[64], full = LLVMConstAllOnes(v1);
    for (int i = 0; i < 64; i++)
        iota[i] = g_i64(g, i);
    GLoop l;
    LLVMValueRef w = g_loop_begin(g, &l, g_i64(g, (n + 63) / 64), "w");
    LLVMValueRef e0 = g_mulk(g, w, 64), lanes = full;
    if (n % 64) { // lanes e0 + i < n
        LLVMValueRef left = LLVMBuildSub(B, g_i64(g, n), e0, "");
        LLVMValueRef lv = LLVMBuildInsertElement(B, LLVMGetUndef(LLVMVectorType(g->i64, 64)), left,
                                                 g_i32(g, 0), "");
        lv = LLVMBuildShuffleVector(B, lv, lv, LLVMConstNull(LLVMVectorType(g->i32, 64)), "");
        lanes = LLVMBuildICmp(B, LLVMIntSLT, LLVMConstVector(iota, 64), lv, "");
    }
    LLVMValueRef a[] = {g_gep(g, g->f32, x, e0), g_i32(g, 4), lanes, LLVMConstNull(v)};
    LLVMValueRef xv = LLVMBuildCall2(B, LLVMFunctionType(v, ps, 4, 0), f, a, 4, "");
    LLVMValueRef pos = LLVMBuildFCmp(B, LLVMRealOGT, xv, LLVMConstNull(v), "");
    g_store(g, g->i64, out, w, LLVMBuildBitCast(B, pos, g->i64, ""));
    g_loop_end(g, &l);
}

/* sign(x) = +1 iff x > 0 (0 and NaN give -1). */
void gen_sign(G *g)
{
    if (g_plan_skipped(g, g->in->result)) // in its float conv's tile (g_plan_float_epi)
        return;
    GVal *out = g_out(g);
    g_alloc_value(g, out, g_outt(g));
    LLVMValueRef x = g_arg(g, 0)->p;
    if (g_plan_conv_packed(g, g->in->result)) { // for bit-serial convolutions
        bpop_pack_sign(g, x, out->p, g_outt(g));
        return;
    }
    if (g_plan_packed(g, g->in->result)) {
        sign_packed(g, x, out->p, (int64_t)ir_type_elems(g_outt(g)));
        return;
    }
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(g_outt(g))), "j");
    LLVMValueRef pos =
            LLVMBuildFCmp(B, LLVMRealOGT, g_load(g, g->f32, x, j), LLVMConstReal(g->f32, 0), "");
    g_store(g, g->i8, out->p, j, LLVMBuildZExt(B, pos, g->i8, ""));
    g_loop_end(g, &l);
}

/* Scratch bytes of quant_assign_widths_work() for n elements (quant_widths_work_bytes()
 * in compiler/quant/quant_widths.c; the runtime checks the size it is given and
 * allocates instead if it is short). */
static uint64_t widths_work_bytes(Selection sel, uint64_t n)
{
    return sel == SEL_MO_RESIDUAL ? 36 * n : sel == SEL_RANDOM ? 4 * n : 16 * n;
}

/* Algorithm 1 on this example (heterogeneous widths): the runtime's copy of
 * quant_assign_widths(), on workspace scratch (NAME_run does not allocate), split across
 * the threads when the example runs alone (quant_assign_widths_par). */
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
    Selection sel = (Selection)ir_quant_select(g->in);
    uint64_t wb = widths_work_bytes(sel, n);
    LLVMTypeRef ps[] = {g->ptr, g->ptr, g->i32, g->i32, g->ptr, g->ptr,
                        g->i32, g->i64, g->ptr, g->ptr, g->i64};
    LLVMValueRef args[] = {g->par, // NULL at run time unless this example runs alone
                           x,
                           g_i32(g, (int64_t)n),
                           g_i32(g, w->n),
                           gb,
                           gf,
                           g_i32(g, sel),
                           g_i64(g, ir_quant_seed(g->in)),
                           M,
                           g_alloc(g, wb),
                           g_i64(g, (int64_t)wb)};
    g_call(g, "hbrt_assign_widths_par", g->vd, ps, 11, args);
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
    if (g_plan_skipped(g, g->in->result)) // in its float conv's tile (g_plan_float_epi)
        return;
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
    if (g_plan_skipped(g, g->in->result)) // in its bpop_conv2d's tile epilogue
        return;
    const IrType *xt = g_argt(g, 0);
    GVal *out = g_out(g), *x = g_arg(g, 0);
    g_alloc_output(g, out, g_outt(g));
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

/* acc = sum_p coef[row(o)][p] * S_p in wrapping i32 arithmetic: exact, since the true sum
 * fits (|acc| <= bound <= 2^30). */
void gen_icomb(G *g)
{
    if (gen_int8_icomb_done(g)) // computed by its bpop's int8 kernel (llvm_int8.c)
        return;
    if (g_plan_fused(g, g->in->result) || g_plan_skipped(g, g->in->result))
        return; // computed inside its threshold, or in its bpop's tile epilogue
    const IrType *st = g_argt(g, 0);
    const IrConst *c = g_argc(g, 1);
    int64_t P = st->d[0], O = st->d[1], npos = (int64_t)ir_type_elems(g_outt(g)), per = npos / O;
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef S = g_arg(g, 0)->p, coef = g_const(g, g->in->args[1].id);
    GLoop lo, lq;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, O), "o");
    LLVMValueRef row = c->type.d[0] == 1 ? g_i64(g, 0) : g_mulk(g, o, P);
    LLVMValueRef k[IR_MAX_BITS * IR_MAX_BITS];
    for (int64_t p = 0; p < P; p++)
        k[p] = g_load(g, g->i32, coef, g_add(g, row, g_i64(g, p)));
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, per), "q");
    LLVMValueRef pos = g_add(g, g_mulk(g, o, per), q), acc = g_i32(g, 0);
    for (int64_t p = 0; p < P; p++) {
        LLVMValueRef s = g_load(g, g->i32, S, g_add(g, pos, g_i64(g, p * npos)));
        acc = LLVMBuildAdd(B, acc, LLVMBuildMul(B, k[p], s, ""), "");
    }
    g_store(g, g->i32, out->p, pos, acc);
    g_loop_end(g, &lq);
    g_loop_end(g, &lo);
}

/* y = sum_m sum_n (alpha_m * beta_n) * S_mn + b in double (m outer, n inner), rounded
 * once; beta from the bits value the bpop read. */
void gen_fcomb(G *g)
{
    if (g_plan_skipped(g, g->in->result)) // in its bpop_conv2d's tile epilogue
        return;
    const IrType *st = g_argt(g, 0), *xt = g_argt(g, 1);
    const IrConst *al = g_argc(g, 2);
    int kx = xt->bits, kw = (int)(st->d[0] / kx);
    int64_t O = st->d[1], npos = (int64_t)ir_type_elems(g_outt(g)), per = npos / O;
    GVal *out = g_out(g);
    g_alloc_output(g, out, g_outt(g));
    LLVMValueRef S = g_arg(g, 0)->p, beta = g_arg(g, 1)->beta;
    LLVMValueRef alpha = g_const(g, g->in->args[2].id), bias = g_const(g, g->in->args[3].id);
    LLVMValueRef bn[IR_MAX_BITS];
    for (int n = 0; n < kx; n++)
        bn[n] = LLVMBuildFPExt(B, g_load(g, g->f32, beta, g_i64(g, n)), g->f64, "");
    GLoop lo, lq;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, O), "o");
    LLVMValueRef row = al->type.d[0] == 1 ? g_i64(g, 0) : g_mulk(g, o, kw);
    LLVMValueRef ab[IR_MAX_BITS * IR_MAX_BITS];
    for (int m = 0; m < kw; m++) {
        LLVMValueRef a =
                LLVMBuildFPExt(B, g_load(g, g->f32, alpha, g_add(g, row, g_i64(g, m))), g->f64, "");
        for (int n = 0; n < kx; n++)
            ab[m * kx + n] = LLVMBuildFMul(B, a, bn[n], "");
    }
    LLVMValueRef b = LLVMBuildFPExt(B, g_load(g, g->f32, bias, o), g->f64, "");
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, per), "q");
    LLVMValueRef pos = g_add(g, g_mulk(g, o, per), q), y = g_f64(g, 0);
    for (int p = 0; p < kw * kx; p++) {
        LLVMValueRef s = g_load(g, g->i32, S, g_add(g, pos, g_i64(g, p * npos)));
        s = LLVMBuildSIToFP(B, s, g->f64, "");
        y = LLVMBuildFAdd(B, y, LLVMBuildFMul(B, ab[p], s, ""), "");
    }
    y = LLVMBuildFAdd(B, y, b, "");
    g_store(g, g->f32, out->p, pos, LLVMBuildFPTrunc(B, y, g->f32, ""));
    g_loop_end(g, &lq);
    g_loop_end(g, &lo);
}

/* words[w] |= bit << (e % 64). */
static void or_bit(G *g, LLVMValueRef words, LLVMValueRef w, LLVMValueRef bit, LLVMValueRef e)
{
    LLVMValueRef sh = LLVMBuildAnd(B, e, g_i64(g, 63), "");
    LLVMValueRef b = LLVMBuildShl(B, LLVMBuildZExt(B, bit, g->i64, ""), sh, "");
    g_store(g, g->i64, words, w, LLVMBuildOr(B, g_load(g, g->i64, words, w), b, ""));
}

/* v = neg ? -acc : acc; level m: bit = [v >= thr[o][j]], j = 2j + 1 + bit. Arithmetic in
 * i32: |acc| <= the icomb's bound <= 2^30, so the wrapped sums are exact. With at most
 * BPOP_EPI_MAX_BITS planes the channel's node thresholds are loaded before its positions
 * and each level picks its node by selects (bpop_tree_thr), so the position loop
 * vectorizes without gathers. */
void gen_threshold(G *g)
{
    if (g_plan_skipped(g, g->in->result)) // in its bpop_conv2d's tile epilogue
        return;
    const IrType *t = g_outt(g);
    int k = t->bits;
    int64_t nodes = ((int64_t)1 << k) - 1, O = t->d[0];
    int64_t npos = (int64_t)ir_type_elems(t), per = npos / O;
    GVal *out = g_out(g);
    g_alloc_value(g, out, t);
    // packed (g_plan_packed): plane m's bit of element e at word m CW + e / 64
    uint64_t packed = g_plan_packed(g, g->in->result), CW = packed / (uint64_t)k;
    if (packed)
        g_memset0(g, out->p, 8 * packed);
    // A fused icomb (g_plan_fused): acc from its pair sums S and coefficients, as gen_icomb.
    const IrInst *ic = &g->m->insts.data[g->m->values.data[g->in->args[0].id].def];
    bool fused = g_plan_fused(g, g->in->args[0].id);
    const IrConst *cc = fused ? &g->m->consts.data[ic->args[1].id] : NULL;
    int64_t P = fused ? ir_arg_type(g->m, ic->args[0])->d[0] : 0;
    LLVMValueRef acc = fused ? g_at(g, ic->args[0].id, g->ex).p : g_arg(g, 0)->p; // this example
    LLVMValueRef coef = fused ? g_const(g, ic->args[1].id) : NULL;
    LLVMValueRef neg = g_const(g, g->in->args[1].id), thr = g_const(g, g->in->args[2].id);
    GLoop lo, lq;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, O), "o");
    LLVMValueRef isneg = LLVMBuildICmp(B, LLVMIntNE, g_load(g, g->i32, neg, o), g_i32(g, 0), "");
    LLVMValueRef base = g_mulk(g, o, nodes);
    LLVMValueRef kc[IR_MAX_BITS * IR_MAX_BITS], th[(1 << BPOP_EPI_MAX_BITS) - 1];
    LLVMValueRef row = fused && cc->type.d[0] != 1 ? g_mulk(g, o, P) : g_i64(g, 0);
    for (int64_t p = 0; p < P; p++)
        kc[p] = g_load(g, g->i32, coef, g_add(g, row, g_i64(g, p)));
    bool tree = k <= BPOP_EPI_MAX_BITS;
    for (int64_t j = 0; tree && j < nodes; j++)
        th[j] = g_load(g, g->i32, thr, g_addk(g, base, j));
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, per), "q");
    LLVMValueRef pos = g_add(g, g_mulk(g, o, per), q);
    LLVMValueRef v = fused ? g_i32(g, 0) : g_load(g, g->i32, acc, pos);
    for (int64_t p = 0; p < P; p++) // wrapping i32: exact (|acc| <= the icomb's bound)
        v = LLVMBuildAdd(
                B, v, LLVMBuildMul(B, kc[p], g_load(g, g->i32, acc, g_addk(g, pos, p * npos)), ""),
                "");
    v = LLVMBuildSelect(B, isneg, LLVMBuildNeg(B, v, ""), v, "");
    LLVMValueRef j = g_i64(g, 0), bits = LLVMConstInt(g->i8, 0, 0), bit[IR_MAX_BITS];
    for (int m = 0; m < k; m++) {
        LLVMValueRef tm =
                tree ? bpop_tree_thr(g, th, bit, m) : g_load(g, g->i32, thr, g_add(g, base, j));
        bit[m] = LLVMBuildICmp(B, LLVMIntSGE, v, tm, "");
        LLVMValueRef b8 = LLVMBuildZExt(B, bit[m], g->i8, "");
        bits = LLVMBuildOr(B, bits, LLVMBuildShl(B, b8, LLVMConstInt(g->i8, (unsigned)m, 0), ""),
                           "");
        j = g_add(g, g_add(g, g_mulk(g, j, 2), g_i64(g, 1)), LLVMBuildZExt(B, bit[m], g->i64, ""));
        if (packed)
            or_bit(g, out->p,
                   g_add(g, g_i64(g, m * (int64_t)CW), LLVMBuildLShr(B, pos, g_i64(g, 6), "")),
                   bit[m], pos);
    }
    if (!packed)
        g_store(g, g->i8, out->p, pos, bits);
    g_loop_end(g, &lq);
    g_loop_end(g, &lo);
}
