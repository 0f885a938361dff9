// SPDX-License-Identifier: MIT
/* llvm_float_sign.c: a float conv whose tile writes bits (g_plan_float_epi: a sign or a
 * static quant's planes, e.g. the first conv of a W1A1 network) summed in float32, 16
 * channels a vector: twice the lanes of the double tiles of llvm_float_conv.c, still
 * bit-identical to the interpreter. Per channel, batch norm + quantizer are a step
 * function of the conv output whose edges are found at compile time; an output whose
 * float sum is farther from every edge than the sum's error bound takes the float
 * decision, and a pixel block with any other output is summed again in double, the
 * interpreter's way (fsfix.N). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ice.h"
#include "llvm_fconv.h"

#define B  g->b
#define FL 16 // lanes

/* One channel's rule as the interpreter computes it (i_batchnorm, then i_sign or
 * quant_static): z = (float)((double)y * a + b) (z = y without a batch norm), then K
 * planes of e = z; bit_m = [e > 0]; e -= +-beta_m (a sign: K = 1). */
typedef struct Rule {
    const float *ab; // scale, shift; NULL: no batch norm
    int k;
    const float *beta;
} Rule;

static unsigned code(const Rule *r, float y)
{
    float z = r->ab ? (float)((double)y * r->ab[0] + r->ab[1]) : y;
    double e = z;
    unsigned bits = 0;
    for (int m = 0; m < r->k; m++) {
        int pos = e > 0;
        bits |= (unsigned)pos << m;
        if (m + 1 < r->k)
            e -= pos ? (double)r->beta[m] : -(double)r->beta[m];
    }
    return bits;
}

/* Floats as unsigned integers in the same order (-0 just below +0) and back. */
static uint32_t ord(float y)
{
    uint32_t u;
    memcpy(&u, &y, sizeof u);
    return u >> 31 ? ~u : u | 0x80000000u;
}

static float unord(uint32_t o)
{
    uint32_t u = o >> 31 ? o & 0x7fffffffu : ~o;
    float y;
    memcpy(&y, &u, sizeof y);
    return y;
}

/* The rule over finite y is monotone step by step (every rounding is; a, b, beta
 * finite), so each code holds on one interval of y: at most 2^K - 1 edges. edges()
 * appends, in ascending order, the last float of each interval that ends within
 * [lo, hi] (codes clo, chi), bisecting on the floats' order; equal codes at both ends
 * mean one interval. */
static void edges(const Rule *r, uint32_t lo, unsigned clo, uint32_t hi, unsigned chi, float *t,
                  int *n)
{
    if (clo == chi)
        return;
    if (hi - lo == 1) {
        HB_CHECK(*n < (1 << r->k) - 1, "a monotone rule has at most 2^K - 1 edges");
        t[(*n)++] = unord(lo);
        return;
    }
    uint32_t mid = lo + (hi - lo) / 2;
    unsigned cm = code(r, unord(mid));
    edges(r, lo, clo, mid, cm, t, n);
    edges(r, mid, cm, hi, chi, t, n);
}

/* The rule as data: edges t[0..n) and, for plane m, mask bit j = plane m's bit on
 * interval j (y in (t[j-1], t[j]]), so bit_m(y) = mask_m >> #{j : y > t[j]} & 1. */
static int rule_table(const Rule *r, float *t, uint32_t *mask)
{
    int n = 0;
    uint32_t lo = ord(-FLT_MAX), hi = ord(FLT_MAX);
    edges(r, lo, code(r, -FLT_MAX), hi, code(r, FLT_MAX), t, &n);
    for (int j = 0; j <= n; j++) {
        unsigned c = code(r, j ? unord(ord(t[j - 1]) + 1) : -FLT_MAX);
        for (int m = 0; m < r->k; m++)
            mask[m] |= (c >> m & 1u) << j;
    }
    return n;
}

static bool finite_all(const float *v, uint64_t n, double lim)
{
    for (uint64_t i = 0; i < n; i++)
        if (!(fabs((double)v[i]) <= lim))
            return false;
    return true;
}

/* The batch norm before the sign, or NULL. */
static const IrInst *sign_bn(const IrModule *m, uint32_t epi)
{
    const IrInst *si = &m->insts.data[m->values.data[epi].def];
    const IrInst *bn = &m->insts.data[m->values.data[si->args[0].id].def];
    return bn->op == IR_OP_BATCHNORM ? bn : NULL;
}

/* A conv2d whose fused epilogue (g_float_epilogues: one group or depthwise; a sign or a static
 * quant) has finite weights, batch norm, scales and bias (the bias at most 2^100, so
 * that no float sum overflows). */
bool fsign_layer(const IrModule *m, const IrInst *in, uint32_t epi)
{
    if (epi == UINT32_MAX || !in->args[1].is_const || !in->args[2].is_const)
        return false;
    const IrValue *dv = &m->values.data[epi];
    if (m->insts.data[dv->def].op == IR_OP_QUANT &&
        !finite_all(m->consts.data[dv->type.scale_const].f, dv->type.bits, FLT_MAX))
        return false;
    const IrInst *bn = sign_bn(m, epi);
    for (int a = 1; bn && a <= 2; a++) {
        const IrConst *c = &m->consts.data[bn->args[a].id];
        if (!finite_all(c->f, ir_type_elems(&c->type), FLT_MAX))
            return false;
    }
    const IrConst *wc = &m->consts.data[in->args[1].id], *bc = &m->consts.data[in->args[2].id];
    return finite_all(wc->f, ir_type_elems(&wc->type), FLT_MAX) &&
           finite_all(bc->f, ir_type_elems(&bc->type), 0x1p100);
}

bool fsign_ok(G *g, const FGeo *f)
{
    return f->KG == 1 && fsign_layer(g->m, g->in, f->epi);
}

static LLVMValueRef vconst(FK *k, const char *what, const float *v, uint64_t n)
{
    G *g = k->g;
    return g_floats(g, arena_printf(&g->cx->arena, "%s.%u", what, g->in->result), v, n);
}

/* Per lane: edges [OBp][nedge][16] (+inf past a channel's own), plane masks
 * [OBp][K][16], live [OBp][16] (1 for a channel, 0 past kog), the L1 norm of the
 * channel's weights rounded up, |bias| [OBp][16]. Returns the largest input magnitude X
 * that keeps every float sum below 2^101. */
static double consts(FK *k)
{
    G *g = k->g;
    const FGeo *f = k->f;
    const IrModule *m = g->m;
    const IrInst *bn = sign_bn(m, f->epi);
    const IrConst *wc = g_argc(g, 1), *bc = g_argc(g, 2);
    const IrValue *dv = &m->values.data[f->epi];
    Rule r = {.k = f->ek, .beta = f->ek > 1 ? m->consts.data[dv->type.scale_const].f : NULL};
    uint64_t n = (uint64_t)(f->OBp * FL), ne = 0;
    Arena *a = &g->cx->arena;
    float *t = arena_calloc(a, n * 16, sizeof *t), *w1 = arena_calloc(a, n, sizeof *w1);
    float *absb = arena_calloc(a, n, sizeof *absb);
    uint32_t *mask = arena_calloc(a, n * (uint64_t)f->ek, sizeof *mask);
    int32_t *live = arena_calloc(a, n, sizeof *live);
    int *cnt = arena_calloc(a, n, sizeof *cnt);
    double w1max = 0;
    for (int64_t o = 0; o < f->kog; o++) {
        float ab[2] = {0, 0};
        if (bn) {
            ab[0] = m->consts.data[bn->args[1].id].f[o];
            ab[1] = m->consts.data[bn->args[2].id].f[o];
        }
        r.ab = bn ? ab : NULL;
        uint32_t mk[IR_MAX_BITS] = {0};
        cnt[o] = rule_table(&r, &t[o * 16], mk);
        ne = (uint64_t)cnt[o] > ne ? (uint64_t)cnt[o] : ne;
        for (int p = 0; p < f->ek; p++) // [block][plane][lane]
            mask[((o / FL) * f->ek + p) * FL + o % FL] = mk[p];
        live[o] = 1;
        double s = 0;
        for (int64_t j = 0; j < f->T; j++)
            s += fabs((double)wc->f[o * f->T + j]);
        s *= 1 + 0x1p-40; // above the exact sum: the double sum's own rounding
        w1[o] = (float)s < s ? nextafterf((float)s, INFINITY) : (float)s;
        w1max = s > w1max ? s : w1max;
        absb[o] = fabsf(bc->f[o]);
    }
    float *e = arena_calloc(a, n * (ne ? ne : 1), sizeof *e);
    for (uint64_t o = 0; o < n; o++) // [block][edge][lane]
        for (uint64_t j = 0; j < ne; j++)
            e[((o / FL) * ne + j) * FL + o % FL] =
                    (int64_t)o < f->kog && (int)j < cnt[o] ? t[o * 16 + j] : INFINITY;
    k->nedge = (int)ne;
    k->edge = vconst(k, "fse", e, n * (ne ? ne : 1));
    k->mask = g_ints(g, arena_printf(a, "fsm.%u", g->in->result), (const int32_t *)mask,
                     n * (uint64_t)f->ek);
    k->live = g_ints(g, arena_printf(a, "fsl.%u", g->in->result), live, n);
    k->w1 = vconst(k, "fsw", w1, n);
    k->absb = vconst(k, "fsb", absb, n);
    return 0x1p100 / (w1max > 1 ? w1max : 1);
}

static LLVMValueRef vload(G *g, LLVMTypeRef vt, LLVMValueRef p, LLVMValueRef i)
{
    LLVMValueRef l = LLVMBuildLoad2(B, vt, g_gep(g, LLVMGetElementType(vt), p, i), "");
    LLVMSetAlignment(l, 4);
    return l;
}

static LLVMValueRef call1(G *g, const char *name, LLVMValueRef x)
{
    LLVMTypeRef t = LLVMTypeOf(x);
    return g_call(g, name, t, &t, 1, &x);
}

static LLVMValueRef fmuladd(G *g, const char *name, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c)
{
    LLVMTypeRef t = LLVMTypeOf(c), ts[] = {t, t, t};
    LLVMValueRef args[] = {a, b, c};
    return g_call(g, name, t, ts, 3, args);
}

/* The run's input bound X (a float), in the calling function: max |x| over the conv's
 * input, or +inf when that exceeds lim (an infinite or NaN x too): then no output is
 * sure and every block takes the exact fix. |x|'s bits as unsigned integers order as
 * the floats do, with a NaN above +inf, so the max is an integer max in four
 * independent chains (a maxnum chain waited on its latency: MobileNet's b1.dw scan of
 * 36864 floats was 5% of the network). */
static LLVMValueRef scan(FK *k, LLVMValueRef x, double lim)
{
    G *g = k->g;
    const IrWindow *w = &k->f->w;
    int64_t n = w->C * w->H * w->W, nv = n / FL, nq = nv / 4;
    LLVMTypeRef vi = LLVMVectorType(g->i32, FL), ts[] = {vi, vi}, st[] = {g->i32, g->i32};
    LLVMValueRef mag = LLVMConstInt(g->i32, 0x7fffffff, 0), vmag = g_splat(g, mag, FL);
    LLVMValueRef mv[4];
    for (int c = 0; c < 4; c++)
        mv[c] = g_var(g, vi, LLVMConstNull(vi));
    GLoop lq, lv, ls;
    LLVMValueRef q = g_loop_begin(g, &lq, g_i64(g, nq), "xq");
    for (int c = 0; c < 4; c++) {
        LLVMValueRef v = vload(g, vi, x, g_mulk(g, g_addk(g, g_mulk(g, q, 4), c), FL));
        LLVMValueRef ms[] = {LLVMBuildLoad2(B, vi, mv[c], ""), LLVMBuildAnd(B, v, vmag, "")};
        LLVMBuildStore(B, g_call(g, "llvm.umax.v16i32", vi, ts, 2, ms), mv[c]);
    }
    g_loop_end(g, &lq);
    LLVMValueRef i = g_addk(g, g_loop_begin(g, &lv, g_i64(g, nv - 4 * nq), "xv"), 4 * nq);
    LLVMValueRef mr[] = {LLVMBuildLoad2(B, vi, mv[0], ""),
                         LLVMBuildAnd(B, vload(g, vi, x, g_mulk(g, i, FL)), vmag, "")};
    LLVMBuildStore(B, g_call(g, "llvm.umax.v16i32", vi, ts, 2, mr), mv[0]);
    g_loop_end(g, &lv);
    LLVMValueRef red = LLVMBuildLoad2(B, vi, mv[0], "");
    for (int c = 1; c < 4; c++) {
        LLVMValueRef ms[] = {red, LLVMBuildLoad2(B, vi, mv[c], "")};
        red = g_call(g, "llvm.umax.v16i32", vi, ts, 2, ms);
    }
    LLVMValueRef m =
            g_var(g, g->i32, g_call(g, "llvm.vector.reduce.umax.v16i32", g->i32, ts, 1, &red));
    LLVMValueRef j = g_addk(g, g_loop_begin(g, &ls, g_i64(g, n - nv * FL), "xt"), nv * FL);
    LLVMValueRef sm[] = {LLVMBuildLoad2(B, g->i32, m, ""),
                         LLVMBuildAnd(B, g_load(g, g->i32, x, j), mag, "")};
    LLVMBuildStore(B, g_call(g, "llvm.umax.i32", g->i32, st, 2, sm), m);
    g_loop_end(g, &ls);
    LLVMValueRef mx = LLVMBuildBitCast(B, LLVMBuildLoad2(B, g->i32, m, ""), g->f32, "");
    LLVMValueRef ok = LLVMBuildFCmp(B, LLVMRealOLE, mx, LLVMConstReal(g->f32, (float)lim), "");
    return LLVMBuildSelect(B, ok, mx, LLVMConstReal(g->f32, INFINITY), "");
}

/* The K planes' 16 bits of block blk at dst, dst + stride, ... */
static void store_planes(G *g, LLVMValueRef *bit, int k, LLVMValueRef dst, LLVMValueRef stride)
{
    LLVMTypeRef i16 = LLVMInt16TypeInContext(g->C);
    for (int m = 0; m < k; m++) {
        LLVMValueRef p = g_gep(g, g->i8, dst, LLVMBuildMul(B, stride, g_i64(g, m), ""));
        LLVMSetAlignment(LLVMBuildStore(B, LLVMBuildBitCast(B, bit[m], i16, ""), p), 1);
    }
}

/* fsfix.N(xd, xb, blk, dst, stride): the 16 outputs of block blk at the pixel whose taps
 * start at xd[xb], summed as the double tiles do (each lane the interpreter's sum, +
 * bias, rounded once), the batch norm in double, then quant_static's residual planes
 * (e = z; bit = [e > 0]; e -= +-beta), lanes past kog cleared (a residual of 0 is not). */
static LLVMValueRef fix_fn(FK *k)
{
    G *g = k->g;
    const FGeo *f = k->f;
    LLVMTypeRef vd = LLVMVectorType(g->f64, FL), vf = LLVMVectorType(g->f32, FL);
    LLVMTypeRef vi = LLVMVectorType(g->i32, FL);
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64, g->ptr, g->i64};
    GFnSave sv;
    LLVMValueRef fn = g_fn_push(g, &sv, arena_printf(&g->cx->arena, "fsfix.%u", g->in->result),
                                LLVMFunctionType(g->vd, ps, 5, 0));
    // rare (the float decision is sure for all but a few outputs): out of the tile's
    // registers and its code
    static const char *const attrs[] = {"noinline", "cold"};
    for (int i = 0; i < 2; i++) {
        unsigned kind = LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i]));
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(g->C, kind, 0));
    }
    LLVMValueRef xd = LLVMGetParam(fn, 0), xb = LLVMGetParam(fn, 1), blk = LLVMGetParam(fn, 2);
    LLVMValueRef acc = g_var(g, vd, LLVMConstNull(vd));
    GLoop lt;
    LLVMValueRef t = g_loop_begin(g, &lt, g_i64(g, f->T), "t");
    LLVMValueRef off = LLVMBuildSExt(B, g_load(g, g->i32, k->toff, t), g->i64, "");
    LLVMValueRef xv = f->vec ? LLVMBuildFPExt(B, vload(g, vf, xd, g_add(g, xb, off)), vd, "")
                             : g_splat(g,
                                       LLVMBuildFPExt(B, g_load(g, g->f32, xd, g_add(g, xb, off)),
                                                      g->f64, ""),
                                       FL);
    LLVMValueRef wi = g_mulk(g, g_add(g, g_mulk(g, blk, f->T), t), FL);
    LLVMValueRef wv = LLVMBuildFPExt(B, vload(g, vf, k->wd, wi), vd, "");
    LLVMBuildStore(B, fmuladd(g, "llvm.fmuladd.v16f64", wv, xv, LLVMBuildLoad2(B, vd, acc, "")),
                   acc);
    g_loop_end(g, &lt);
    LLVMValueRef at = g_mulk(g, blk, FL);
    LLVMValueRef bias = LLVMBuildFPExt(B, vload(g, vf, k->bd, at), vd, "");
    LLVMValueRef y =
            LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, LLVMBuildLoad2(B, vd, acc, ""), bias, ""), vf, "");
    if (k->ea) {
        LLVMValueRef z =
                LLVMBuildFMul(B, LLVMBuildFPExt(B, y, vd, ""), vload(g, vd, k->ea, at), "");
        y = LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, z, vload(g, vd, k->eb, at), ""), vf, "");
    }
    LLVMValueRef live =
            LLVMBuildICmp(B, LLVMIntNE, vload(g, vi, k->live, at), LLVMConstNull(vi), "");
    LLVMValueRef e = LLVMBuildFPExt(B, y, vd, ""), bit[IR_MAX_BITS];
    for (int m = 0; m < f->ek; m++) {
        LLVMValueRef on = LLVMBuildFCmp(B, LLVMRealOGT, e, LLVMConstNull(vd), "");
        bit[m] = LLVMBuildAnd(B, on, live, "");
        LLVMValueRef d = LLVMBuildSelect(B, on, g_splat(g, g_f64(g, f->ebeta[m]), FL),
                                         g_splat(g, g_f64(g, -f->ebeta[m]), FL), "");
        e = LLVMBuildFSub(B, e, d, "");
    }
    store_planes(g, bit, f->ek, LLVMGetParam(fn, 3), LLVMGetParam(fn, 4));
    LLVMBuildRetVoid(B);
    g_fn_pop(g, &sv);
    return fn;
}

void fsign_setup(FK *k, LLVMValueRef x)
{
    k->xbound = scan(k, x, consts(k));
    k->fix = fix_fn(k);
}

/* The error bound of an output's float sum against the interpreter's value, per lane:
 * c (|w| . |x| + |bias|) + 2^-100 with |w| . |x| <= W1 X. A float multiply-add chain of
 * T steps errs by at most (2T) u sum |w x| (u = 2^-24, unfused: two roundings a step),
 * the bias add and the interpreter's own roundings by about 3u (|sum| + |bias|); c
 * doubles that to cover the bound's own float arithmetic; 2^-100 covers underflow. */
static LLVMValueRef bound(FK *k, LLVMValueRef blk, LLVMValueRef xv)
{
    G *g = k->g;
    LLVMTypeRef vf = LLVMVectorType(g->f32, FL);
    LLVMValueRef at = g_mulk(g, blk, FL);
    double c = (double)(4 * k->f->T + 8) * 0x1p-24;
    LLVMValueRef s = LLVMBuildFAdd(B, LLVMBuildFMul(B, vload(g, vf, k->w1, at), xv, ""),
                                   vload(g, vf, k->absb, at), "");
    s = LLVMBuildFMul(B, s, g_splat(g, LLVMConstReal(g->f32, c), FL), "");
    return LLVMBuildFAdd(B, s, g_splat(g, LLVMConstReal(g->f32, 0x1p-100), FL), "");
}

/* Output pixel p of block blk: when all 16 lanes are farther than the bound from every
 * edge, plane m's bit is mask_m >> #{edges below y} & 1; else the fix. dst and stride
 * address the K planes (stride 0: all to the junk slot). */
static void decide(FK *k, LLVMValueRef y, LLVMValueRef blk, LLVMValueRef mbound, LLVMValueRef dst,
                   LLVMValueRef stride, LLVMValueRef xd, LLVMValueRef xbp)
{
    G *g = k->g;
    const FGeo *f = k->f;
    LLVMTypeRef vf = LLVMVectorType(g->f32, FL), vi = LLVMVectorType(g->i32, FL);
    LLVMTypeRef i16 = LLVMInt16TypeInContext(g->C);
    LLVMValueRef sure = LLVMConstAllOnes(LLVMVectorType(g->i1, FL)), n = LLVMConstNull(vi);
    for (int j = 0; j < k->nedge; j++) {
        LLVMValueRef t =
                vload(g, vf, k->edge, g_mulk(g, g_addk(g, g_mulk(g, blk, k->nedge), j), FL));
        LLVMValueRef d = call1(g, "llvm.fabs.v16f32", LLVMBuildFSub(B, y, t, ""));
        sure = LLVMBuildAnd(B, sure, LLVMBuildFCmp(B, LLVMRealOGT, d, mbound, ""), "");
        n = LLVMBuildAdd(B, n, LLVMBuildZExt(B, LLVMBuildFCmp(B, LLVMRealOGT, y, t, ""), vi, ""),
                         "");
    }
    LLVMValueRef bit[IR_MAX_BITS], one = g_splat(g, g_i32(g, 1), FL);
    for (int m = 0; m < f->ek; m++) {
        LLVMValueRef mk = vload(g, vi, k->mask, g_mulk(g, g_addk(g, g_mulk(g, blk, f->ek), m), FL));
        LLVMValueRef b = LLVMBuildAnd(B, LLVMBuildLShr(B, mk, n, ""), one, "");
        bit[m] = LLVMBuildICmp(B, LLVMIntNE, b, LLVMConstNull(vi), "");
    }
    LLVMValueRef all = LLVMBuildICmp(B, LLVMIntEQ, LLVMBuildBitCast(B, sure, i16, ""),
                                     LLVMConstAllOnes(i16), "");
    LLVMBasicBlockRef bs = LLVMAppendBasicBlockInContext(g->C, g->fn, "sure");
    LLVMBasicBlockRef bf = LLVMAppendBasicBlockInContext(g->C, g->fn, "fix");
    LLVMBasicBlockRef bj = LLVMAppendBasicBlockInContext(g->C, g->fn, "decided");
    LLVMBuildCondBr(B, all, bs, bf);
    LLVMPositionBuilderAtEnd(B, bs);
    store_planes(g, bit, f->ek, dst, stride);
    LLVMBuildBr(B, bj);
    LLVMPositionBuilderAtEnd(B, bf);
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64, g->ptr, g->i64};
    LLVMValueRef args[] = {xd, xbp, blk, dst, stride};
    LLVMBuildCall2(B, LLVMFunctionType(g->vd, ps, 5, 0), k->fix, args, 5, "");
    LLVMBuildBr(B, bj);
    LLVMPositionBuilderAtEnd(B, bj);
}

void fsign_tile(FK *k, LLVMValueRef xd, LLVMValueRef out, LLVMValueRef junk, LLVMValueRef xbound,
                LLVMValueRef blk0, LLVMValueRef xb, LLVMValueRef oy, LLVMValueRef ox0)
{
    G *g = k->g;
    const FGeo *f = k->f;
    const IrWindow *w = &f->w;
    LLVMTypeRef vf = LLVMVectorType(g->f32, FL);
    LLVMValueRef acc[FC_MAXR * FC_MAXP], bc[FC_MAXP];
    for (int i = 0; i < f->R * f->P; i++)
        acc[i] = g_var(g, vf, LLVMConstNull(vf));
    GLoop lt;
    LLVMValueRef t = g_loop_begin(g, &lt, g_i64(g, f->T), "t");
    LLVMValueRef xt = g_add(g, xb, LLVMBuildSExt(B, g_load(g, g->i32, k->toff, t), g->i64, ""));
    for (int p = 0; p < f->P && !f->vec; p++)
        bc[p] = g_splat(g, g_load(g, g->f32, xd, g_addk(g, xt, p * w->sw * f->Cp)), FL);
    for (int r = 0; r < f->R; r++) {
        LLVMValueRef wi = g_mulk(g, g_add(g, g_mulk(g, g_addk(g, blk0, r), f->T), t), FL);
        LLVMValueRef wl = vload(g, vf, k->wd, wi);
        for (int p = 0; p < f->P; p++) {
            LLVMValueRef a = acc[r * f->P + p];
            // depthwise: lane l's own channel, a vector load (xb is at the tile's channels)
            LLVMValueRef xv =
                    f->vec ? vload(g, vf, xd, g_addk(g, xt, p * w->sw * f->Cp + r * FL)) : bc[p];
            LLVMBuildStore(
                    B, fmuladd(g, "llvm.fmuladd.v16f32", wl, xv, LLVMBuildLoad2(B, vf, a, "")), a);
        }
    }
    g_loop_end(g, &lt);
    LLVMValueRef xv = g_splat(g, xbound, FL);
    for (int r = 0; r < f->R; r++) {
        LLVMValueRef blk = g_addk(g, blk0, r);
        LLVMValueRef bias = vload(g, vf, k->bd, g_mulk(g, blk, FL)), mb = bound(k, blk, xv);
        LLVMValueRef bok = LLVMBuildICmp(B, LLVMIntSLT, blk, g_i64(g, f->OB), "");
        for (int p = 0; p < f->P; p++) {
            LLVMValueRef y =
                    LLVMBuildFAdd(B, LLVMBuildLoad2(B, vf, acc[r * f->P + p], ""), bias, "");
            LLVMValueRef pix = g_add(g, g_mulk(g, oy, w->OW), g_addk(g, ox0, p));
            LLVMValueRef at = g_add(g, g_mulk(g, pix, f->ebytes * f->ek), g_mulk(g, blk, 2));
            LLVMValueRef ok = LLVMBuildAnd(
                    B, bok, LLVMBuildICmp(B, LLVMIntSLT, g_addk(g, ox0, p), g_i64(g, w->OW), ""),
                    "");
            LLVMValueRef dst = LLVMBuildSelect(B, ok, g_gep(g, g->i8, out, at), junk, "");
            LLVMValueRef stride = LLVMBuildSelect(B, ok, g_i64(g, f->ebytes), g_i64(g, 0), "");
            int64_t xo = p * w->sw * f->Cp + (f->vec ? r * FL : 0);
            decide(k, y, blk, mb, dst, stride, xd, g_addk(g, xb, xo));
        }
    }
}
