// SPDX-License-Identifier: MIT
/* llvm_bpop_pack.c: the bit-plane kernels' input packing, once per layer before the
 * tiles (llvm_bpop.c): sign bytes (or floats compared with 0) and width bytes into the
 * channel words [G][H][W][Kx][words] of 64 channels: plane n's bits, and width > n. */
#include "llvm_bpop.h"

#define B g->b

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
        LLVMValueRef bit = LLVMBuildAnd(B, s, g_i8s(g, 1 << n, 64), "");
        LLVMValueRef on = LLVMBuildICmp(B, LLVMIntNE, bit, LLVMConstNull(v), "");
        LLVMBuildStore(B, LLVMBuildBitCast(B, on, g->i64, ""), words[n]);
        if (!masks[n])
            continue;
        LLVMValueRef act = LLVMBuildICmp(B, LLVMIntUGT, wd, g_i8s(g, n, 64), "");
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

/* The 64 lanes of v whose mask bit is set into p[0..64) (llvm.masked.store). */
static void store64(G *g, LLVMValueRef v, LLVMValueRef p, LLVMValueRef lanes)
{
    LLVMTypeRef vt = LLVMTypeOf(v), v1 = LLVMVectorType(g->i1, 64);
    LLVMTypeRef ps[] = {vt, g->ptr, g->i32, v1};
    LLVMValueRef a[] = {v, p, g_i32(g, 8), lanes};
    LLVMTypeRef ov[] = {vt, g->ptr};
    unsigned id = LLVMLookupIntrinsicID("llvm.masked.store", 17);
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(g->M, id, ov, 2);
    LLVMBuildCall2(B, LLVMFunctionType(g->vd, ps, 4, 0), f, a, 4, "");
}

/* The packed words of 64 pixels from p0 (the first rem valid): one masked vector store
 * when a pixel has one word (Kx = CW = 1: the pixels' words are adjacent), else through
 * a stack copy, one word at a time (a variable lane of a 64-lane vector made LLVM spill
 * the whole vector for each word: MobileNet's packing of b1.dw's signs). */
static void store_words(G *g, const BGeo *b, LLVMValueRef *acc, LLVMValueRef out, LLVMValueRef grp,
                        LLVMValueRef p0, LLVMValueRef w, LLVMValueRef rem, LLVMValueRef lanes)
{
    int64_t HW = b->H * b->W;
    LLVMTypeRef v64 = LLVMVectorType(g->i64, 64);
    LLVMValueRef pix0 = g_add(g, g_mulk(g, grp, HW), p0);
    if (b->kx * b->CW == 1) {
        store64(g, LLVMBuildLoad2(B, v64, acc[0], ""), g_gep(g, g->i64, out, pix0), lanes);
        return;
    }
    LLVMValueRef buf = g_var(g, v64, NULL); // apart from acc, which stays in registers
    for (int n = 0; n < b->kx; n++) {
        LLVMBuildStore(B, LLVMBuildLoad2(B, v64, acc[n], ""), buf);
        GLoop lj;
        LLVMValueRef j = g_loop_begin(g, &lj, rem, "pj");
        LLVMValueRef at =
                g_add(g, g_mulk(g, g_addk(g, g_mulk(g, g_add(g, pix0, j), b->kx), n), b->CW), w);
        g_store(g, g->i64, out, at, g_load(g, g->i64, buf, j));
        g_loop_end(g, &lj);
    }
}

/* Conv inputs ([C][H][W] sign bytes): 64 pixels x up to 64 channels at a time, a bit
 * transpose in 64 x i64 lanes (one masked OR per channel per 8 lanes), so the packing
 * costs about one vector op per 8 elements instead of a loop per element. `sign`: x
 * holds floats and the bit is x > 0 (a sign producer packing for convolutions). */
void bpop_pack_image(G *g, const BGeo *b, const GVal *x, const IrType *xt, LLVMValueRef xp,
                     LLVMValueRef xm, bool sign)
{
    int64_t HW = b->H * b->W, NP = (HW + 63) / 64;
    LLVMTypeRef v64 = LLVMVectorType(g->i64, 64), v8 = LLVMVectorType(g->i8, 64);
    LLVMValueRef iota[64];
    for (int i = 0; i < 64; i++)
        iota[i] = g_i64(g, i);
    GLoop lg, lw, lp, lc;
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
                     : LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, sv, g_i8s(g, 1 << n, 64), ""),
                                     LLVMConstNull(v8), "");
        LLVMValueRef bit = LLVMBuildShl(B, LLVMBuildZExt(B, on, v64, ""), cv, "");
        LLVMBuildStore(B, LLVMBuildOr(B, LLVMBuildLoad2(B, v64, acc[n], ""), bit, ""), acc[n]);
        if (!xm)
            continue;
        LLVMValueRef act = LLVMBuildICmp(B, LLVMIntUGT, wv, g_i8s(g, n, 64), "");
        bit = LLVMBuildShl(B, LLVMBuildZExt(B, act, v64, ""), cv, "");
        LLVMBuildStore(B, LLVMBuildOr(B, LLVMBuildLoad2(B, v64, macc[n], ""), bit, ""), macc[n]);
    }
    g_loop_end(g, &lc);
    store_words(g, b, acc, xp, grp, p0, w, rem, lanes);
    if (xm)
        store_words(g, b, macc, xm, grp, p0, w, rem, lanes);
    g_loop_end(g, &lp);
    g_loop_end(g, &lw);
    g_loop_end(g, &lg);
}

/* Pack x (one sign byte per element, [C, H, W]) into channel words
 * xp[((g H + y) W + x) Kx + n][CW] (and the width masks when x is masked). Dense blocks
 * call it once per example with xp moved to the example's column. */
void bpop_pack_input(G *g, const BGeo *b, const GVal *x, const IrType *xt, LLVMValueRef xp,
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
