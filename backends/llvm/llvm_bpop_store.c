// SPDX-License-Identifier: MIT
/* llvm_bpop_store.c: what a bit-plane kernel's tile (llvm_bpop.c) writes: its pair sums
 * (transposed rows, or per channel through a `group channel` table), or a fused
 * epilogue's result: icomb + threshold [+ maxpool] [+ dequant] packed into the next
 * convolution's input, or fcomb [+ batchnorm] in double as f32; and their tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "llvm_bpop.h"

#define B g->b

/* Column e of a channel group's tile: its pair sums (bpop_pair_sum), lane l stored at
 * its channel chan[8 ob + l] (the pairs of planes its channels lack are never written:
 * they stay 0, or kern_run zeroed them in an output written in place). Scalar stores: a
 * masked scatter (vpscatterqd) is several times slower. */
static void store_group(G *g, const Kern *k, LLVMValueRef pos, int e, LLVMValueRef ob)
{
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    LLVMValueRef valid = bpop_col_valid(g, k, e);
    LLVMValueRef S[IR_MAX_BITS * IR_MAX_BITS];
    for (int p = 0; p < k->P; p++)
        S[p] = LLVMBuildTrunc(B, bpop_pair_sum(g, k, p, e, valid), v8i32, "");
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
        LLVMBasicBlockRef ln = bpop_lane_begin(g, k, oi);
        LLVMValueRef at =
                g_add(g, pos, LLVMBuildMul(B, g_load(g, g->i64, k->chan, oi), g_i64(g, k->os), ""));
        LLVMValueRef np = k->npair ? g_load(g, g->i64, k->npair, oi) : NULL;
        LLVMBasicBlockRef end = np ? LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.end") : NULL;
        for (int p = 0; p < k->P; p++) {
            if (np && p && p % k->b->kx == 0) { // a plane this lane's channel may not have
                LLVMBasicBlockRef more = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.plane");
                LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, g_i64(g, p), np, ""), more, end);
                LLVMPositionBuilderAtEnd(B, more);
            }
            LLVMValueRef v = LLVMBuildExtractElement(B, S[p], g_i32(g, l), "");
            g_store(g, g->i32, k->out, g_addk(g, at, p * k->ps), v);
        }
        bpop_lane_end(g, end);
        bpop_lane_end(g, ln);
    }
}

/* Row l of a transposed tile (its E columns in the first lanes; <8 x i32> pair sums or
 * <8 x i8> codes) stored at dst: one store, or E < 8 a masked store of the first E lanes. */
static void store_row(G *g, const Kern *k, LLVMValueRef row, LLVMValueRef dst)
{
    LLVMTypeRef vt = LLVMTypeOf(row);
    unsigned bytes = LLVMGetIntTypeWidth(LLVMGetElementType(vt)) / 8; // i32 sums or i8 codes
    if (k->E == LANES) {
        LLVMSetAlignment(LLVMBuildStore(B, row, dst), bytes);
        return;
    }
    LLVMTypeRef ps[] = {vt, g->ptr, g->i32, LLVMVectorType(g->i1, LANES)};
    LLVMValueRef first[LANES];
    for (int e = 0; e < LANES; e++)
        first[e] = LLVMConstInt(g->i1, e < k->E, 0);
    LLVMValueRef args[] = {row, dst, g_i32(g, bytes), LLVMConstVector(first, LANES)};
    g_call(g, bytes == 1 ? "llvm.masked.store.v8i8.p0" : "llvm.masked.store.v8i32.p0", g->vd, ps, 4,
           args);
}

/* The pair sums of a tile whose E (>= 4: fewer columns do not pay for the 8 x 8
 * transpose) columns are all output columns, contiguous in
 * the output (a convolution's interior tile): transposed so that each channel's E
 * columns of each pair are one vector store instead of E lane extracts and stores. */
void bpop_store_rows(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                     LLVMValueRef pos0)
{
    const BGeo *b = k->b;
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    LLVMValueRef T[IR_MAX_BITS * IR_MAX_BITS][LANES];
    for (int p = 0; p < k->P; p++) {
        LLVMValueRef r[LANES];
        for (int e = 0; e < LANES; e++) {
            if (e >= k->E) {
                r[e] = LLVMGetUndef(v8i32);
                continue;
            }
            r[e] = LLVMBuildTrunc(B, bpop_pair_sum(g, k, p, e, bpop_col_valid(g, k, e)), v8i32, "");
        }
        g_transpose8(g, r);
        for (int l = 0; l < LANES; l++)
            T[p][l] = r[l];
    }
    LLVMValueRef pos = g_add(g, pos0, g_mulk(g, t0, k->ocol));
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
        LLVMBasicBlockRef end = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.end");
        if (b->og % LANES) { // the group's last block is partial
            LLVMBasicBlockRef ls = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
            LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, b->og), ""), ls, end);
            LLVMPositionBuilderAtEnd(B, ls);
        }
        LLVMValueRef o =
                k->chan ? g_load(g, g->i64, k->chan, oi) : g_add(g, g_mulk(g, grp, b->og), oi);
        LLVMValueRef at = g_add(g, pos, g_mulk(g, o, k->os));
        LLVMValueRef np = k->npair ? g_load(g, g->i64, k->npair, oi) : NULL;
        for (int p = 0; p < k->P; p++) {
            if (np && p && p % b->kx == 0) { // a plane this lane's channel may not have
                LLVMBasicBlockRef more = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.plane");
                LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, g_i64(g, p), np, ""), more, end);
                LLVMPositionBuilderAtEnd(B, more);
            }
            store_row(g, k, T[p][l], g_gep(g, g->i32, k->out, g_addk(g, at, p * k->ps)));
        }
        LLVMBuildBr(B, end);
        LLVMPositionBuilderAtEnd(B, end);
    }
}

/* Tile column colv: the builder moves into a block NAME that runs only when the column
 * is inside the row (< OW); returns NAME.next, where the caller branches when done. */
static LLVMBasicBlockRef col_guard(G *g, const Kern *k, LLVMValueRef colv, const char *name)
{
    char nx[16];
    snprintf(nx, sizeof nx, "%s.next", name);
    LLVMBasicBlockRef st = LLVMAppendBasicBlockInContext(g->C, g->fn, name);
    LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(g->C, g->fn, nx);
    LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, colv, k->OW, ""), st, next);
    LLVMPositionBuilderAtEnd(B, st);
    return next;
}

/* S = 2 acc - popcount(A) (or valid - 2 acc) per pair and column; lane l is output
 * channel g og + ob 8 + l; column e's sums start at element pos0 + e ocol. */
void bpop_store_tile(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                     LLVMValueRef pos0)
{
    const BGeo *b = k->b;
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    bool vec = b->og % LANES == 0 && k->os == 1;
    LLVMValueRef o0 = g_add(g, g_mulk(g, grp, b->og), g_mulk(g, ob, LANES));
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef colv = g_addk(g, t0, e);
        LLVMBasicBlockRef next = col_guard(g, k, colv, "col");
        if (k->chan) {
            store_group(g, k, g_add(g, pos0, g_mulk(g, colv, k->ocol)), e, ob);
            LLVMBuildBr(B, next);
            LLVMPositionBuilderAtEnd(B, next);
            continue;
        }
        LLVMValueRef pos = g_add(g, g_add(g, pos0, g_mulk(g, colv, k->ocol)), g_mulk(g, o0, k->os));
        LLVMValueRef valid = bpop_col_valid(g, k, e);
        for (int p = 0; p < k->P; p++) {
            LLVMValueRef S = bpop_pair_sum(g, k, p, e, valid);
            S = LLVMBuildTrunc(B, S, v8i32, "");
            LLVMValueRef at = g_addk(g, pos, p * k->ps);
            if (vec) {
                LLVMValueRef s = LLVMBuildStore(B, S, g_gep(g, g->i32, k->out, at));
                LLVMSetAlignment(s, 4);
                continue;
            }
            for (int l = 0; l < LANES; l++) {
                LLVMBasicBlockRef ls = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
                LLVMBasicBlockRef ln = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.next");
                LLVMValueRef oi = g_addk(g, g_mulk(g, ob, LANES), l);
                LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, b->og), ""), ls, ln);
                LLVMPositionBuilderAtEnd(B, ls);
                g_store(g, g->i32, k->out, g_addk(g, at, l * k->os),
                        LLVMBuildExtractElement(B, S, g_i32(g, l), ""));
                LLVMBuildBr(B, ln);
                LLVMPositionBuilderAtEnd(B, ln);
            }
        }
        LLVMBuildBr(B, next);
        LLVMPositionBuilderAtEnd(B, next);
    }
}

/* The thresholds of node j = 2^m - 1 + code at level m, chosen per lane by the bits so
 * far (bit 0 is the code's most significant): a tree of selects. */
LLVMValueRef bpop_tree_thr(G *g, const LLVMValueRef *th, const LLVMValueRef *bit, int m)
{
    LLVMValueRef c[1 << (BPOP_EPI_MAX_BITS - 1)];
    int n = 1 << m;
    for (int i = 0; i < n; i++)
        c[i] = th[n - 1 + i];
    for (int i = 0; i < m; i++) {
        n /= 2;
        for (int q = 0; q < n; q++)
            c[q] = LLVMBuildSelect(B, bit[i], c[n + q], c[q], "");
    }
    return c[0];
}

/* Per lane, c[code] for the code whose plane m bit is bit[m] (a tree of selects over
 * the per-code constants, highest plane first). */
static LLVMValueRef code_pick(G *g, const Kern *k, LLVMValueRef *c, const LLVMValueRef *bit)
{
    for (int m = k->ek - 1; m >= 0; m--)
        for (int q = 0; q < 1 << m; q++)
            c[q] = LLVMBuildSelect(B, bit[m], c[q + (1 << m)], c[q], "");
    return c[0];
}

/* Per lane, the rank of the code whose plane m bit is bit[m]. */
static LLVMValueRef code_rank(G *g, const Kern *k, const LLVMValueRef *bit)
{
    LLVMValueRef c[1 << BPOP_EPI_MAX_BITS];
    for (int s = 0; s < 1 << k->ek; s++)
        c[s] = bpop_splat(g, k, g_i64(g, k->erank[s]));
    return code_pick(g, k, c, bit);
}

/* Lane l of block ob's output channel: chan's (a `group channel` width's kernel), or
 * o0 + l. */
static LLVMValueRef lane_chan(G *g, const Kern *k, LLVMValueRef o0, LLVMValueRef ob, int l)
{
    if (!k->chan)
        return g_addk(g, o0, l);
    return g_load(g, g->i64, k->chan, g_addk(g, g_mulk(g, ob, LANES), l));
}

/* Into dequant: per lane the code's level (a float), stored at channel o0 + l, pixel
 * `pix` of out, or its max with the pooled value there (the max of levels is the level
 * of the code of largest rank: ranks are the levels' order). Lane l of block ob. */
static void store_levels(G *g, const Kern *k, LLVMValueRef ob, LLVMValueRef o0, LLVMValueRef pix,
                         const LLVMValueRef *bit)
{
    LLVMValueRef c[1 << BPOP_EPI_MAX_BITS];
    for (int s = 0; s < 1 << k->ek; s++) {
        LLVMValueRef f[LANES];
        for (int l = 0; l < LANES; l++)
            f[l] = LLVMConstReal(g->f32, k->elevel[s]);
        c[s] = LLVMConstVector(f, LANES);
    }
    LLVMValueRef lv = code_pick(g, k, c, bit);
    for (int l = 0; l < LANES; l++) {
        LLVMBasicBlockRef ln = bpop_lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
        LLVMValueRef at = g_add(g, g_mulk(g, lane_chan(g, k, o0, ob, l), k->eHW), pix);
        LLVMValueRef v = LLVMBuildExtractElement(B, lv, g_i32(g, l), "");
        if (k->psh) {
            LLVMValueRef cur = g_load(g, g->f32, k->out, at);
            v = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, v, cur, ""), v, cur, "");
        }
        g_store(g, g->f32, k->out, at, v);
        bpop_lane_end(g, ln);
    }
}

/* A multi-bit pool: the pooled code so far (cur) is replaced, lane by lane, by the new
 * code `bit` where that ranks higher; equal ranks are equal codes, so the window's
 * order does not matter. */
static void take_codes(G *g, const Kern *k, const LLVMValueRef *cur, LLVMValueRef *bit)
{
    LLVMValueRef take =
            LLVMBuildICmp(B, LLVMIntUGT, code_rank(g, k, bit), code_rank(g, k, cur), "");
    for (int m = 0; m < k->ek; m++)
        bit[m] = LLVMBuildSelect(B, take, bit[m], cur[m], "");
}

/* take_codes with the pooled code's planes as bytes at `at` (plane stride `ps` bytes). */
static void max_codes(G *g, const Kern *k, LLVMValueRef at, int64_t ps, LLVMValueRef *bit)
{
    LLVMTypeRef v1 = LLVMVectorType(LLVMInt1TypeInContext(g->C), LANES);
    LLVMValueRef cur[BPOP_EPI_MAX_BITS];
    for (int m = 0; m < k->ek; m++)
        cur[m] = LLVMBuildBitCast(B, g_load(g, g->i8, k->out, g_addk(g, at, m * ps)), v1, "");
    take_codes(g, k, cur, bit);
}

/* x's low bits deposited at mask m's bits (ext: m's bits of x extracted to the low
 * bits), m having at most 8 bits: BMI2's pdep / pext, else a loop over m's bits. */
static LLVMValueRef bit_deposit(G *g, LLVMValueRef x, LLVMValueRef m, bool ext)
{
    if (g->bmi2) {
        LLVMTypeRef ps[] = {g->i64, g->i64};
        LLVMValueRef a[] = {x, m};
        return g_call(g, ext ? "llvm.x86.bmi.pext.64" : "llvm.x86.bmi.pdep.64", g->i64, ps, 2, a);
    }
    LLVMValueRef r = g_i64(g, 0), zero = g_i64(g, 0), one = g_i64(g, 1);
    for (int i = 0; i < LANES; i++) {
        LLVMValueRef low = LLVMBuildAnd(B, m, LLVMBuildNeg(B, m, ""), ""), v;
        if (ext) { // bit i: x's bit at m's i-th lowest
            v = LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, x, low, ""), zero, "");
            v = LLVMBuildShl(B, LLVMBuildZExt(B, v, g->i64, ""), g_i64(g, i), "");
        } else { // m's i-th lowest bit where x has bit i
            v = LLVMBuildAnd(B, LLVMBuildLShr(B, x, g_i64(g, i), ""), one, "");
            v = LLVMBuildAnd(B, low, LLVMBuildNeg(B, v, ""), "");
        }
        r = LLVMBuildOr(B, r, v, "");
        m = LLVMBuildAnd(B, m, LLVMBuildSub(B, m, g_i64(g, 1), ""), "");
    }
    return r;
}

/* Block ob's segments (eseg): channel word, first lane, deposit mask of each. */
typedef struct Segs {
    LLVMValueRef wd[LANES], lo[LANES], dm[LANES];
} Segs;

/* Loaded once per tile, as the coefficients and thresholds are. */
static void load_segments(G *g, const Kern *k, LLVMValueRef ob, Segs *sg)
{
    for (int j = 0; j < k->eS; j++) {
        LLVMValueRef e = g_mulk(g, g_addk(g, g_mulk(g, ob, k->eS), j), 3);
        sg->wd[j] = g_load(g, g->i64, k->eseg, e);
        sg->lo[j] = g_load(g, g->i64, k->eseg, g_addk(g, e, 1));
        sg->dm[j] = g_load(g, g->i64, k->eseg, g_addk(g, e, 2));
    }
}

/* A `group channel` width's kernel (eseg), pixel `pix` of the destination: each plane's
 * 8 bits deposited into the words of the block's segments sg and ORed in (the words
 * start zeroed, a 1-bit pool ORs anyway); a code pool gathers the pooled code first
 * (pext), and its segments' bits are replaced by the code of larger rank. */
static void store_segments(G *g, const Kern *k, const Segs *sg, LLVMValueRef pix, LLVMValueRef *bit)
{
    const LLVMValueRef *wd = sg->wd, *lo = sg->lo, *dm = sg->dm;
    LLVMValueRef at[BPOP_EPI_MAX_BITS][LANES];
    LLVMValueRef at0 = g_mulk(g, pix, k->ek * k->eCW); // the pixel's first word
    for (int m = 0; m < k->ek; m++)
        for (int j = 0; j < k->eS; j++)
            at[m][j] = g_add(g, g_addk(g, at0, m * k->eCW), wd[j]);
    if (k->ecodes) {
        LLVMTypeRef v1 = LLVMVectorType(LLVMInt1TypeInContext(g->C), LANES);
        LLVMValueRef cur[BPOP_EPI_MAX_BITS];
        for (int m = 0; m < k->ek; m++) {
            LLVMValueRef c = g_i64(g, 0);
            for (int j = 0; j < k->eS; j++) {
                LLVMValueRef x = bit_deposit(g, g_load(g, g->i64, k->out, at[m][j]), dm[j], true);
                c = LLVMBuildOr(B, c, LLVMBuildShl(B, x, lo[j], ""), "");
            }
            cur[m] = LLVMBuildBitCast(B, LLVMBuildTrunc(B, c, g->i8, ""), v1, "");
        }
        take_codes(g, k, cur, bit);
    }
    for (int m = 0; m < k->ek; m++) {
        LLVMValueRef byte = LLVMBuildZExt(B, LLVMBuildBitCast(B, bit[m], g->i8, ""), g->i64, "");
        for (int j = 0; j < k->eS; j++) {
            LLVMValueRef x = bit_deposit(g, LLVMBuildLShr(B, byte, lo[j], ""), dm[j], false);
            LLVMValueRef w = g_load(g, g->i64, k->out, at[m][j]);
            if (k->ecodes)
                w = LLVMBuildAnd(B, w, LLVMBuildNot(B, dm[j], ""), "");
            g_store(g, g->i64, k->out, at[m][j], LLVMBuildOr(B, w, x, ""));
        }
    }
}

/* Column e's threshold bits per lane: acc = sum_p coef_p S_p (the sign of `neg` folded
 * into the coefficients: exact, |acc| <= the icomb's bound), then the threshold tree. */
static void epi_bits(G *g, const Kern *k, const LLVMValueRef *cf, const LLVMValueRef *th, int e,
                     LLVMValueRef *bit)
{
    // Kern.half: sum_p coef_p acc_p <= the table's (T cg sum(coef) - t) / 2 instead
    LLVMValueRef valid = k->half ? NULL : bpop_col_valid(g, k, e), v = NULL;
    for (int p = 0; p < k->P; p++) {
        LLVMValueRef S = k->half ? LLVMBuildLoad2(B, k->v8, k->acc[p * k->E + e], "")
                                 : bpop_pair_sum(g, k, p, e, valid);
        S = k->eone ? S : LLVMBuildMul(B, S, cf[p], "");
        v = v ? LLVMBuildAdd(B, v, S, "") : S;
    }
    LLVMIntPredicate cmp = k->half ? LLVMIntSLE : LLVMIntSGE;
    for (int m = 0; m < k->ek; m++)
        bit[m] = LLVMBuildICmp(B, cmp, v, bpop_tree_thr(g, th, bit, m), "");
}

/* The code byte per lane: plane m's bit at bit m. */
static LLVMValueRef epi_code(G *g, const Kern *k, const LLVMValueRef *bit)
{
    LLVMTypeRef v8 = LLVMVectorType(g->i8, LANES);
    LLVMValueRef code = LLVMConstNull(v8);
    for (int m = 0; m < k->ek; m++)
        code = LLVMBuildOr(
                B, code, LLVMBuildShl(B, LLVMBuildZExt(B, bit[m], v8, ""), g_i8s(g, m, LANES), ""),
                "");
    return code;
}

/* Code bytes of an interior tile (E >= 4 columns, all output columns): the columns' codes
 * transposed so that each channel's E bytes are one (masked, E < 8) store at pix0. */
static void epi_code_rows(G *g, const Kern *k, const LLVMValueRef *cf, const LLVMValueRef *th,
                          LLVMValueRef o0, LLVMValueRef ob, LLVMValueRef pix0)
{
    LLVMTypeRef v8 = LLVMVectorType(g->i8, LANES);
    LLVMValueRef r[LANES], bit[BPOP_EPI_MAX_BITS];
    for (int e = 0; e < LANES; e++) {
        r[e] = LLVMGetUndef(v8);
        if (e < k->E) {
            epi_bits(g, k, cf, th, e, bit);
            r[e] = epi_code(g, k, bit);
        }
    }
    g_transpose8(g, r); // r[l]: channel o0 + l's E codes
    for (int l = 0; l < LANES; l++) {
        LLVMBasicBlockRef ln = bpop_lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
        store_row(g, k, r[l],
                  g_gep(g, g->i8, k->out,
                        g_add(g, pix0, g_mulk(g, lane_chan(g, k, o0, ob, l), k->os))));
        bpop_lane_end(g, ln);
    }
}

/* The epilogue of one tile: per column the threshold bits (epi_bits), each plane's 8 bits
 * stored as one byte of the destination's channel word (or ORed into the pooled word; a
 * multi-bit pool keeps the code of larger rank), or (ebytes) each lane's code byte at its
 * channel's position: per lane, or (`rows`: an interior tile of E >= 4 columns)
 * epi_code_rows. */
void bpop_store_epi(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                    LLVMValueRef oy, bool rows)
{
    const BGeo *b = k->b;
    int nodes = (1 << k->ek) - 1;
    LLVMValueRef blk = g_add(g, g_mulk(g, grp, b->OB), ob), cf[IR_MAX_BITS * IR_MAX_BITS];
    LLVMValueRef th[(1 << BPOP_EPI_MAX_BITS) - 1];
    for (int p = 0; p < k->P && !k->eone; p++)
        cf[p] = bpop_vload(g, k, k->ecoef, g_addk(g, g_mulk(g, blk, k->P), p));
    for (int j = 0; j < nodes; j++)
        th[j] = bpop_vload(g, k, k->ethr, g_addk(g, g_mulk(g, blk, nodes), j));
    LLVMValueRef o0 = g_add(g, g_mulk(g, grp, b->og), g_mulk(g, ob, LANES));
    if (k->ebytes && rows) {
        epi_code_rows(g, k, cf, th, o0, ob, g_add(g, g_mulk(g, oy, b->OW), t0));
        return;
    }
    LLVMValueRef obyte = g_add(g, g_mulk(g, grp, b->og / LANES), ob);
    LLVMValueRef lmask = NULL;
    if (b->og % LANES) { // the last block's lanes past og stay 0
        LLVMValueRef last = LLVMBuildICmp(B, LLVMIntEQ, ob, g_i64(g, b->OB - 1), "");
        lmask = LLVMBuildSelect(B, last, LLVMConstInt(g->i8, (1u << (b->og % LANES)) - 1, 0),
                                LLVMConstInt(g->i8, 0xff, 0), "");
    }
    LLVMValueRef py = k->psh ? LLVMBuildUDiv(B, oy, g_i64(g, k->psh), "") : oy;
    Segs sg;
    if (k->eseg)
        load_segments(g, k, ob, &sg);
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef colv = g_addk(g, t0, e);
        LLVMBasicBlockRef next = col_guard(g, k, colv, "ecol");
        LLVMValueRef bit[BPOP_EPI_MAX_BITS];
        epi_bits(g, k, cf, th, e, bit);
        if (k->ebytes) {
            LLVMValueRef code = epi_code(g, k, bit), pix = g_add(g, g_mulk(g, oy, b->OW), colv);
            for (int l = 0; l < LANES; l++) {
                LLVMBasicBlockRef ln = bpop_lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
                g_store(g, g->i8, k->out,
                        g_add(g, pix, g_mulk(g, lane_chan(g, k, o0, ob, l), k->os)),
                        LLVMBuildExtractElement(B, code, g_i32(g, l), ""));
                bpop_lane_end(g, ln);
            }
            LLVMBuildBr(B, next);
            LLVMPositionBuilderAtEnd(B, next);
            continue;
        }
        LLVMValueRef px = k->psw ? LLVMBuildUDiv(B, colv, g_i64(g, k->psw), "") : colv;
        LLVMValueRef pix = g_add(g, g_mulk(g, py, k->eOW), px);
        LLVMValueRef at = g_add(g, g_mulk(g, pix, k->ek * k->eCW * 8), obyte);
        if (k->edq || k->eseg) {
            if (k->edq)
                store_levels(g, k, ob, o0, pix, bit);
            else
                store_segments(g, k, &sg, pix, bit);
            LLVMBuildBr(B, next);
            LLVMPositionBuilderAtEnd(B, next);
            continue;
        }
        if (k->ecodes)
            max_codes(g, k, at, k->eCW * 8, bit);
        for (int m = 0; m < k->ek; m++) {
            LLVMValueRef byte = LLVMBuildBitCast(B, bit[m], g->i8, "");
            byte = lmask ? LLVMBuildAnd(B, byte, lmask, "") : byte;
            LLVMValueRef bat = g_addk(g, at, m * k->eCW * 8);
            if (k->psh && !k->ecodes) // the pool's other rows and columns OR into the byte
                byte = LLVMBuildOr(B, g_load(g, g->i8, k->out, bat), byte, "");
            g_store(g, g->i8, k->out, bat, byte);
        }
        LLVMBuildBr(B, next);
        LLVMPositionBuilderAtEnd(B, next);
    }
}

/* v (an f64 scalar) in every lane. */
static LLVMValueRef splatd(G *g, LLVMValueRef v)
{
    LLVMTypeRef vd = LLVMVectorType(g->f64, LANES);
    LLVMValueRef ins = LLVMBuildInsertElement(B, LLVMGetUndef(vd), v, g_i32(g, 0), "");
    return LLVMBuildShuffleVector(B, ins, LLVMGetUndef(vd),
                                  LLVMConstNull(LLVMVectorType(g->i32, LANES)), "");
}

/* Vector `word` of an f64 table. */
static LLVMValueRef vloadd(G *g, const Kern *k, LLVMValueRef base, LLVMValueRef word)
{
    return LLVMBuildBitCast(B, bpop_vload(g, k, base, word), LLVMVectorType(g->f64, LANES), "");
}

/* A float epilogue tile's per-lane constants: α_m β_n (f64), the bias, the batch norm's
 * scale and shift, and each lane's channel offset in the output. */
typedef struct FTile {
    LLVMValueRef ab[IR_MAX_BITS * IR_MAX_BITS], bias, sc, sh, co[LANES];
} FTile;

static void ftile_init(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, FTile *f)
{
    const BGeo *b = k->b;
    int kw = b->kw_planes, kx = b->kx;
    LLVMValueRef blk = g_add(g, g_mulk(g, grp, b->OB), ob), bn[IR_MAX_BITS];
    for (int n = 0; n < kx; n++)
        bn[n] = splatd(g, LLVMBuildFPExt(B, g_load(g, g->f32, k->beta, g_i64(g, n)), g->f64, ""));
    for (int m = 0; m < kw; m++) {
        LLVMValueRef a = vloadd(g, k, k->ealpha, g_addk(g, g_mulk(g, blk, kw), m));
        for (int n = 0; n < kx; n++)
            f->ab[m * kx + n] = LLVMBuildFMul(B, a, bn[n], "");
    }
    f->bias = vloadd(g, k, k->ebias, blk);
    f->sc = k->ebn ? vloadd(g, k, k->escale, blk) : NULL;
    f->sh = k->ebn ? vloadd(g, k, k->eshift, blk) : NULL;
    LLVMValueRef o0 = g_add(g, g_mulk(g, grp, b->og), g_mulk(g, ob, LANES));
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef o = k->chan ? g_load(g, g->i64, k->chan, g_addk(g, g_mulk(g, ob, LANES), l))
                                 : g_addk(g, o0, l);
        f->co[l] = g_mulk(g, o, k->os);
    }
}

/* Column e's 8 results, as fcomb (docs/ir.md §4) then batchnorm compute them: y =
 * sum_m sum_n (α_m β_n) S_mn in double (m outer, n inner, from 0), rounded once after
 * + bias; z = y (double) · scale + shift rounded once. */
static LLVMValueRef ftile_col(G *g, const Kern *k, const FTile *f, int e)
{
    LLVMTypeRef vd = LLVMVectorType(g->f64, LANES), vf = LLVMVectorType(g->f32, LANES);
    LLVMValueRef valid = bpop_col_valid(g, k, e);
    LLVMValueRef y = LLVMConstNull(vd);
    for (int p = 0; p < k->P; p++) {
        LLVMValueRef S = LLVMBuildSIToFP(B, bpop_pair_sum(g, k, p, e, valid), vd, "");
        y = LLVMBuildFAdd(B, y, LLVMBuildFMul(B, f->ab[p], S, ""), "");
    }
    LLVMValueRef z = LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, y, f->bias, ""), vf, "");
    if (!k->ebn)
        return z;
    z = LLVMBuildFMul(B, LLVMBuildFPExt(B, z, vd, ""), f->sc, "");
    return LLVMBuildFPTrunc(B, LLVMBuildFAdd(B, z, f->sh, ""), vf, "");
}

/* An interior tile's floats (E >= 4 output columns, all inside): transposed so that each
 * lane's (channel's) E consecutive pixels are one (masked, E < 8) vector store. */
static void ftile_rows(G *g, const Kern *k, const FTile *f, LLVMValueRef ob, LLVMValueRef pix0)
{
    LLVMTypeRef v8i32 = LLVMVectorType(g->i32, LANES);
    LLVMValueRef r[LANES];
    for (int e = 0; e < LANES; e++)
        r[e] = e < k->E ? LLVMBuildBitCast(B, ftile_col(g, k, f, e), v8i32, "")
                        : LLVMGetUndef(v8i32);
    g_transpose8(g, r);
    for (int l = 0; l < LANES; l++) {
        LLVMBasicBlockRef ln = bpop_lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
        store_row(g, k, r[l], g_gep(g, g->i32, k->out, g_add(g, pix0, f->co[l])));
        bpop_lane_end(g, ln);
    }
}

/* The float epilogue of one tile (fcomb [+ batchnorm]): the 8 lanes are 8 output
 * channels (a channel group's: through its table), OH·OW floats apart: scalar stores
 * per column, or (`rows`: an interior tile of E >= 4 columns) ftile_rows. */
void bpop_store_fepi(G *g, const Kern *k, LLVMValueRef grp, LLVMValueRef ob, LLVMValueRef t0,
                     LLVMValueRef oy, bool rows)
{
    FTile f;
    ftile_init(g, k, grp, ob, &f);
    LLVMValueRef row = g_mulk(g, oy, k->b->OW);
    if (rows) {
        ftile_rows(g, k, &f, ob, g_add(g, row, t0));
        return;
    }
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef colv = g_addk(g, t0, e);
        LLVMBasicBlockRef next = col_guard(g, k, colv, "fcol");
        // (a dense layer's column is an example, ocol floats apart; a conv's a pixel)
        LLVMValueRef z = ftile_col(g, k, &f, e), pix = g_add(g, row, g_mulk(g, colv, k->ocol));
        for (int l = 0; l < LANES; l++) {
            LLVMBasicBlockRef ln = bpop_lane_begin(g, k, g_addk(g, g_mulk(g, ob, LANES), l));
            g_store(g, g->f32, k->out, g_add(g, pix, f.co[l]),
                    LLVMBuildExtractElement(B, z, g_i32(g, l), ""));
            bpop_lane_end(g, ln);
        }
        LLVMBuildBr(B, next);
        LLVMPositionBuilderAtEnd(B, next);
    }
}

/* bpop_conv2d `in` can run a tile epilogue: each 8-lane block is one byte of a channel
 * word (one group, or groups of whole bytes; a `group channel` layer's per-width
 * kernels take their lanes' channels from a table and deposit packed bits by segment). */
bool bpop_epilogue_ok(G *g, const IrInst *in, bool fl)
{
    if (dw_pairs_layer(g, in)) // llvm_dw.c: a threshold's, in pixel lanes (a float combine
        return !fl;            // there measured no faster than fcomb's own vector loop)
    IrWindow w = ir_window(g->m, in);
    return w.groups == 1 || (w.O / w.groups) % LANES == 0;
}

/* Into dequant: each code's level as dequant computes it (sum of +-beta_m in double,
 * level order, rounded once; unit scales: +-1), and for a pool the floats start at
 * -inf (every window has an element inside the input). */
static void epi_levels(G *g, Kern *k, const IrType *bt)
{
    static const float one = 1.0f;
    const float *beta = bt->scale == IR_SC_STATIC ? g->m->consts.data[bt->scale_const].f : &one;
    k->edq = true;
    k->eHW = bt->d[1] * bt->d[2];
    for (int s = 0; s < 1 << k->ek; s++) {
        double acc = 0;
        for (int m = 0; m < k->ek; m++)
            acc += ((s >> m) & 1) ? (double)beta[m] : -(double)beta[m];
        k->elevel[s] = (float)acc;
    }
    if (!k->psh)
        return;
    GLoop l;
    LLVMValueRef j = g_loop_begin(g, &l, g_i64(g, (int64_t)ir_type_elems(bt)), "j");
    g_store(g, g->f32, k->out, j, LLVMConstReal(g->f32, -HUGE_VAL));
    g_loop_end(g, &l);
}

/* Lane l of 8-channel block blk (the blocks of every group in order): its output
 * channel in the layer, and *oi in its group; -1 for a lane past the group's last. */
static int64_t block_lane(const BGeo *b, uint64_t blk, int l, int64_t *oi)
{
    *oi = (int64_t)(blk % (uint64_t)b->OB) * LANES + l;
    return *oi < b->og ? (int64_t)(blk / (uint64_t)b->OB) * b->og + *oi : -1;
}

/* x / 2 rounded toward -infinity. */
static int64_t floor_half(int64_t x)
{
    return x >= 0 ? x / 2 : -((-x + 1) / 2);
}

/* The epilogue's destination (allocated as its own op would) and its tables from the
 * icomb's coefficients and the threshold's neg and thresholds. */
void bpop_epi_setup(G *g, Kern *k, uint32_t dest)
{
    const IrModule *m = g->m;
    const BGeo *b = k->b;
    const IrValue *dv = &m->values.data[dest];
    uint32_t bits = g_epi_bits(m, dest); // the bits value before [flatten ->] dequant
    const IrInst *di = &m->insts.data[m->values.data[bits].def];
    const IrInst *dq = bits != dest ? &m->insts.data[dv->def] : NULL;
    const IrInst *th = di;
    const IrType *bt = &m->values.data[di->result].type;
    if (di->op == IR_OP_MAXPOOL) {
        IrWindow pw = ir_window(m, di);
        th = &m->insts.data[m->values.data[di->args[0].id].def];
        k->psh = pw.sh;
        k->psw = pw.sw;
        k->pH = pw.OH;
        k->OW = g_i64(g, pw.OW * pw.sw < b->OW ? pw.OW * pw.sw : b->OW);
    }
    const IrInst *ic = &m->insts.data[m->values.data[th->args[0].id].def];
    const IrConst *cc = &m->consts.data[ic->args[1].id], *neg = &m->consts.data[th->args[1].id];
    const IrConst *thr = &m->consts.data[th->args[2].id];
    const IrInst *save = g->in;
    g->in = dq ? dq : di;
    g_alloc_value(g, &g->val[dest], &dv->type);
    g->in = save;
    k->out = g->val[dest].p;
    k->ek = bt->bits;
    k->ecodes = k->psh && k->ek > 1 && !dq;
    if (k->ecodes) {
        uint16_t rank[IR_CODE_RANKS];
        bool ok = ir_code_ranks(m, bt, rank);
        for (int s = 0; s < 1 << k->ek; s++)
            k->erank[s] = rank[ir_code_index((unsigned)s, k->ek, k->ek)];
        HB_CHECK(ok && k->erank[0] == 0, "a fused code pool starts from code 0, the lowest");
    }
    k->eCW = (bt->d[0] + 63) / 64;
    k->eOW = bt->d[2];
    k->ebytes = !dq && !g_plan_conv_packed(g, dest); // g_epilogues' `codes`
    HB_CHECK(!k->ebytes || !k->psh, "code bytes are a plain threshold's");
    if (dq)
        epi_levels(g, k, bt);
    else if (!k->ebytes && (k->psh || b->O % 64 || k->wid)) // (wid: words ORed by segments)
        g_memset0(g, k->out, 8 * g_plan_packed(g, dest));
    k->eicomb = cc;
    k->eneg = neg;
    k->ethrc = thr;
    if (!k->wid) // else each width's kernel has its own (kern_run)
        bpop_epi_tables(g, k, "");
}

/* A `group channel` width's kernel writing packed words: per block the segments of its
 * lanes (sorted by channel) that fall in one channel word, eS per block (the unused
 * ones deposit nothing: mask 0): {word, first lane, deposit mask}. */
static void epi_segments(G *g, Kern *k, const char *sfx)
{
    const BGeo *b = k->b;
    uint64_t nblk = (uint64_t)b->OB;
    int64_t *seg = calloc(nblk * LANES * 3, 8);
    HB_CHECK(seg, "out of memory");
    k->eS = 1;
    for (uint64_t blk = 0; blk < nblk; blk++) {
        int n = 0;
        int64_t *sg = NULL, prev = -1;
        for (int l = 0; l < LANES && (int64_t)blk * LANES + l < b->og; l++) {
            int64_t o = b->rows[blk * LANES + (uint64_t)l];
            HB_CHECK(o > prev, "a block's lanes are in channel order");
            if (!sg || sg[0] != o / 64) { // a new word: a new segment
                sg = seg + (blk * LANES + (uint64_t)n++) * 3;
                sg[0] = o / 64;
                sg[1] = l;
            }
            sg[2] = (int64_t)((uint64_t)sg[2] | 1ull << (o % 64));
            prev = o;
        }
        for (int j = n; j < LANES; j++) // unused: the first word, nothing deposited
            seg[(blk * LANES + (uint64_t)j) * 3] = seg[blk * LANES * 3];
        k->eS = n > k->eS ? n : k->eS;
    }
    uint64_t *t = calloc(nblk * (uint64_t)k->eS * 3 + 1, 8);
    HB_CHECK(t, "out of memory");
    for (uint64_t blk = 0; blk < nblk; blk++)
        memcpy(t + blk * (uint64_t)k->eS * 3, seg + blk * LANES * 3, (size_t)k->eS * 3 * 8);
    k->eseg = g_words(g, arena_printf(&g->cx->arena, "ks.%s%s", k->ethrc->name, sfx), t,
                      nblk * (uint64_t)k->eS * 3);
    free(seg);
    free(t);
}

/* Kernel k's epilogue tables (named with sfx): per 8-channel block the icomb's
 * coefficients with the threshold's sign folded in (0 for the pairs of the planes a
 * narrower channel of a `group channel` block lacks: its pair sums there are not 0),
 * the threshold tree's values, and a `group channel` kernel's segments. */
void bpop_epi_tables(G *g, Kern *k, const char *sfx)
{
    const BGeo *b = k->b;
    const IrConst *cc = k->eicomb, *neg = k->eneg, *thr = k->ethrc;
    int nodes = (1 << k->ek) - 1, P = k->P;
    int64_t PL = cc->type.d[1]; // the layer's pairs (a width's kernel has its first P)
    uint64_t nblk = (uint64_t)(b->G * b->OB);
    uint64_t *cf = calloc(nblk * (uint64_t)P * LANES, 8);
    uint64_t *tv = calloc(nblk * (uint64_t)nodes * LANES, 8);
    HB_CHECK(cf && tv, "out of memory");
    k->eone = true;
    for (uint64_t blk = 0; blk < nblk; blk++)
        for (int l = 0; l < LANES; l++) {
            int64_t oi, o = block_lane(b, blk, l, &oi);
            if (o < 0)
                continue;
            o = b->rows ? b->rows[oi] : o;
            int64_t s = neg->i[o] ? -1 : 1, row = cc->type.d[0] == 1 ? 0 : o, sum = 0;
            int64_t has = k->wid ? k->wid[o] * b->kx : P;
            for (int p = 0; p < P; p++) {
                int64_t w = p < has ? s * cc->i[row * PL + p] : 0;
                cf[(blk * (uint64_t)P + (uint64_t)p) * LANES + (uint64_t)l] = (uint64_t)w;
                k->eone &= w == 1;
                sum += w;
            }
            // Kern.half: sum_p w_p (T cg - 2 acc_p) >= t  <=>  sum_p w_p acc_p <= this
            for (int j = 0; j < nodes; j++) {
                int64_t t = thr->i[o * nodes + j];
                tv[(blk * (uint64_t)nodes + (uint64_t)j) * LANES + (uint64_t)l] =
                        (uint64_t)(k->half ? floor_half(b->T * b->cg * sum - t) : t);
            }
        }
    k->eone &= P == 1;
    Arena *a = &g->cx->arena;
    k->ecoef =
            g_words(g, arena_printf(a, "ke.%s%s", cc->name, sfx), cf, nblk * (uint64_t)P * LANES);
    k->ethr = g_words(g, arena_printf(a, "kt.%s%s", thr->name, sfx), tv,
                      nblk * (uint64_t)nodes * LANES);
    free(cf);
    free(tv);
    if (b->rows && !k->ebytes && !k->edq)
        epi_segments(g, k, sfx);
}

/* An f64 table of n values as an i64 constant (the kernels load it as <8 x double>). */
static LLVMValueRef dwords(G *g, const char *name, const double *d, uint64_t n)
{
    uint64_t *w = calloc(n + 1, 8);
    HB_CHECK(w, "out of memory");
    memcpy(w, d, n * 8);
    LLVMValueRef r = g_words(g, name, w, n);
    free(w);
    return r;
}

/* The float epilogue's per-block tables of kernel k (tables named with sfx): α per
 * weight plane, 0 for a plane a narrower channel of a `group channel` block lacks (its
 * pair sums are not 0 there; 0 · S adds +-0 to y, which is never -0, as the fcomb's
 * α_m β_n · 0 does), the bias, and the batch norm's scale and shift. */
void bpop_epi_float_tables(G *g, Kern *k, uint32_t dest, const char *sfx)
{
    const IrModule *m = g->m;
    const BGeo *b = k->b;
    const IrInst *di = &m->insts.data[m->values.data[dest].def], *fc = di;
    const IrConst *sc = NULL, *sh = NULL;
    if (di->op == IR_OP_BATCHNORM) {
        fc = &m->insts.data[m->values.data[di->args[0].id].def];
        sc = &m->consts.data[di->args[1].id];
        sh = &m->consts.data[di->args[2].id];
    }
    const IrConst *al = &m->consts.data[fc->args[2].id], *bias = &m->consts.data[fc->args[3].id];
    int kw = b->kw_planes;
    uint64_t nblk = (uint64_t)(b->G * b->OB), nv = nblk * LANES;
    double *ta = calloc(nv * (uint64_t)kw, 8), *tb = calloc(nv, 8);
    double *ts = calloc(nv, 8), *th = calloc(nv, 8);
    HB_CHECK(ta && tb && ts && th, "out of memory");
    for (uint64_t blk = 0; blk < nblk; blk++)
        for (int l = 0; l < LANES; l++) {
            int64_t oi, o = block_lane(b, blk, l, &oi);
            if (o < 0)
                continue;
            o = b->rows ? b->rows[oi] : o;
            int64_t row = al->type.d[0] == 1 ? 0 : o, akw = al->type.d[1];
            for (int mm = 0; mm < kw && mm < (k->wid ? k->wid[o] : kw); mm++)
                ta[(blk * (uint64_t)kw + (uint64_t)mm) * LANES + (uint64_t)l] =
                        (double)al->f[row * akw + mm];
            tb[blk * LANES + (uint64_t)l] = (double)bias->f[o];
            ts[blk * LANES + (uint64_t)l] = sc ? (double)sc->f[o] : 1;
            th[blk * LANES + (uint64_t)l] = sh ? (double)sh->f[o] : 0;
        }
    Arena *a = &g->cx->arena;
    k->ealpha = dwords(g, arena_printf(a, "kfa.%s%s", al->name, sfx), ta, nv * (uint64_t)kw);
    k->ebias = dwords(g, arena_printf(a, "kfb.%s%s", bias->name, sfx), tb, nv);
    if (sc) {
        k->escale = dwords(g, arena_printf(a, "kfs.%s%s", sc->name, sfx), ts, nv);
        k->eshift = dwords(g, arena_printf(a, "kfh.%s%s", sh->name, sfx), th, nv);
    }
    free(ta);
    free(tb);
    free(ts);
    free(th);
}

/* The float epilogue's destination (the fcomb's or the batchnorm's result, in the
 * caller's buffer when it is a network output: the tiles write every element), this
 * example's activation scales and the per-block tables. */
void bpop_epi_float_setup(G *g, Kern *k, uint32_t dest)
{
    const IrModule *m = g->m;
    const IrValue *dv = &m->values.data[dest];
    const IrInst *di = &m->insts.data[dv->def];
    const IrInst *save = g->in;
    k->beta = g_arg(g, 0)->beta; // this example's (fcomb reads the bpop's input)
    g->in = di;
    g_alloc_output(g, &g->val[dest], &dv->type);
    g->in = save;
    k->out = g->val[dest].p;
    k->ef = true;
    k->ebn = di->op == IR_OP_BATCHNORM;
    k->edest = dest;
    if (!k->wid) // else each width's kernel has its own (kern_run)
        bpop_epi_float_tables(g, k, dest, "");
}
