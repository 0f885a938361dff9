// SPDX-License-Identifier: MIT
/* llvm_ops_codes.c: `maxpool` on multi-bit or masked codes (docs/ir.md §4): per window
 * the first element of the largest rank in the compile-time table of ir_code_ranks (the
 * order of the codes' dequant values), its code byte and width byte copied. gen_maxpool
 * (llvm_ops_float.c) hands these over; one-plane values keep its OR loop. */
#include "ice.h"
#include "llvm_gen.h"

#define B g->b

/* Input index o * s - p + k along one axis, and whether it is inside [0, size). */
static LLVMValueRef axis(G *g, LLVMValueRef o, int64_t s, int64_t p, LLVMValueRef k, int64_t size,
                         LLVMValueRef *ok)
{
    LLVMValueRef i = g_add(g, g_addk(g, g_mulk(g, o, s), -p), k);
    LLVMValueRef in = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, i, g_i64(g, 0), ""),
                                   LLVMBuildICmp(B, LLVMIntSLT, i, g_i64(g, size), ""), "");
    *ok = *ok ? LLVMBuildAnd(B, *ok, in, "") : in;
    return i;
}

/* The rank table as i32 words, indexed by ir_code_index(code, width, k). */
static LLVMValueRef rank_table(G *g, const IrType *t)
{
    uint16_t r16[IR_CODE_RANKS];
    int32_t *r = arena_calloc(&g->cx->arena, IR_CODE_RANKS, sizeof *r);
    bool ok = ir_code_ranks(g->m, t, r16);
    HB_CHECK(ok, "maxpool on %d-plane codes without a value order (the verifier checks it)",
             t->bits);
    for (int i = 0; i < IR_CODE_RANKS; i++)
        r[i] = r16[i];
    return g_ints(g, "maxpool.ranks", r, IR_CODE_RANKS);
}

void gen_maxpool_codes(G *g)
{
    IrWindow w = ir_window(g->m, g->in);
    const IrType *xt = g_argt(g, 0);
    GVal *out = g_out(g), *x = g_arg(g, 0);
    g_alloc_value(g, out, g_outt(g));
    int k = xt->bits;
    LLVMValueRef ranks = rank_table(g, xt), low = LLVMConstInt(g->i32, (1u << k) - 1, 0);
    GLoop lc, ly, lx, lky, lkx;
    LLVMValueRef c = g_loop_begin(g, &lc, g_i64(g, w.C), "c");
    LLVMValueRef oy = g_loop_begin(g, &ly, g_i64(g, w.OH), "oy");
    LLVMValueRef ox = g_loop_begin(g, &lx, g_i64(g, w.OW), "ox");
    LLVMValueRef top = g_var(g, g->i32, LLVMConstInt(g->i32, (unsigned long long)-1, 1));
    LLVMValueRef arg = g_var(g, g->i64, g_i64(g, 0));
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, w.kh), "ky");
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, w.kw), "kx");
    LLVMValueRef ok = NULL;
    LLVMValueRef iy = axis(g, oy, w.sh, w.pt, ky, w.H, &ok);
    LLVMValueRef ix = axis(g, ox, w.sw, w.pl, kx, w.W, &ok);
    LLVMValueRef e = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w.H), iy), w.W), ix);
    e = LLVMBuildSelect(B, ok, e, g_i64(g, 0), "");
    // index = width << k | (code & (2^width - 1)) (ir_code_index)
    LLVMValueRef s = LLVMBuildZExt(B, g_load(g, g->i8, x->p, e), g->i32, "");
    LLVMValueRef wd = x->w ? LLVMBuildZExt(B, g_load(g, g->i8, x->w, e), g->i32, "")
                           : LLVMConstInt(g->i32, (unsigned)k, 0);
    LLVMValueRef keep = LLVMBuildLShr(
            B, low, LLVMBuildSub(B, LLVMConstInt(g->i32, (unsigned)k, 0), wd, ""), "");
    LLVMValueRef idx = LLVMBuildOr(B, LLVMBuildShl(B, wd, LLVMConstInt(g->i32, (unsigned)k, 0), ""),
                                   LLVMBuildAnd(B, s, keep, ""), "");
    LLVMValueRef r = g_load(g, g->i32, ranks, LLVMBuildZExt(B, idx, g->i64, ""));
    LLVMValueRef cur = LLVMBuildLoad2(B, g->i32, top, "");
    LLVMValueRef better = LLVMBuildAnd(B, ok, LLVMBuildICmp(B, LLVMIntSGT, r, cur, ""), "");
    LLVMBuildStore(B, LLVMBuildSelect(B, better, r, cur, ""), top);
    LLVMBuildStore(B, LLVMBuildSelect(B, better, e, LLVMBuildLoad2(B, g->i64, arg, ""), ""), arg);
    g_loop_end(g, &lkx);
    g_loop_end(g, &lky);
    LLVMValueRef at = g_add(g, g_mulk(g, g_add(g, g_mulk(g, c, w.OH), oy), w.OW), ox);
    LLVMValueRef best = LLVMBuildLoad2(B, g->i64, arg, "");
    g_store(g, g->i8, out->p, at, g_load(g, g->i8, x->p, best));
    if (x->w)
        g_store(g, g->i8, out->w, at, g_load(g, g->i8, x->w, best));
    g_loop_end(g, &lx);
    g_loop_end(g, &ly);
    g_loop_end(g, &lc);
}
