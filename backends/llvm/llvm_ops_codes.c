// SPDX-License-Identifier: MIT
/* llvm_ops_codes.c: `maxpool` on multi-bit or masked codes (docs/ir.md §4): per window
 * the first element of the largest rank in the compile-time table of ir_code_ranks (the
 * order of the codes' dequant values), its code byte and width byte copied. Windows that
 * tile the input run on byte vectors, other geometries a scalar loop. gen_maxpool
 * (llvm_ops_float.c) hands these over; one-plane values keep its OR loop. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* ---- the vector path: windows that tile the input (stride = kernel, no padding) ----
 * PV output lanes per vector: whole output rows (G = PV / OW of them) when OW <= PV,
 * else PV-wide pieces of one row. A group's input is one contiguous block per row of
 * taps (all of it when whole rows), loaded once as a vector; each tap (ky, kx) is a
 * constant shuffle of it. The rank of a code is looked up by a byte shuffle (pshufb) of
 * a compact table: index (2^w - 2) + (code & (2^w - 1)) for masked values (14 entries
 * for 3 planes), code & (2^k - 1) otherwise. Taps in window order with a strict > keep
 * the first element of the largest rank, as the interpreter; a tap outside the input
 * (the partial last row or column of a ceil pool) repeats an earlier tap of its lane,
 * which cannot win. */
#define PV       32   // lanes per vector
#define PV_BLOCK 512  // most bytes one group's block load spans
#define PV_TABLE 32   // most entries of the compact rank table (two pshufb)
#define PV_TAPS  16   // most window positions (a larger window's shuffles cost more)
#define PV_INVAL 0x80 // a lookup index with bit 7 set reads 0 (pshufb's rule)

typedef struct PoolV {
    IrWindow w;
    int k;       // planes
    bool masked; // width bytes (x->w)
    LLVMTypeRef vt;
    int8_t rank[PV_TABLE], wmask[16], woff[16]; // compact ranks; per width 2^w-1, 2^w-2
    int nrank;
    int G;        // output rows per group (1 when OW > PV)
    int64_t H, C; // input rows per channel and channels (C = 1: channels flattened)
    int64_t OH;   // output rows per channel
    bool tagged;  // the first block load is named vpool(NAME): tests find the path by it
} PoolV;

/* Whether maxpool `w` on type t takes the vector path, and its tables. */
static bool poolv_setup(G *g, const IrType *t, bool masked, PoolV *v)
{
    IrWindow w = ir_window(g->m, g->in);
    int k = t->bits;
    int n = masked ? (2 << k) - 2 : 1 << k;
    if (w.sh != w.kh || w.sw != w.kw || w.pt || w.pb || w.pl || w.pr || w.kh * w.kw > PV_TAPS ||
        n > PV_TABLE || (w.OW <= PV && w.kh * w.W > PV_BLOCK))
        return false;
    uint16_t r16[IR_CODE_RANKS];
    HB_CHECK(ir_code_ranks(g->m, t, r16), "maxpool on codes without a value order");
    *v = (PoolV){.w = w, .k = k, .masked = masked, .nrank = n};
    v->vt = LLVMVectorType(g->i8, PV);
    for (int wd = 0; wd < 16; wd++) { // widths 1..k; others read rank 0, as ir_code_index
        bool ok = masked && wd >= 1 && wd <= k;
        v->wmask[wd] = (int8_t)(ok ? (1 << wd) - 1 : 0);
        v->woff[wd] = (int8_t)(ok ? (1 << wd) - 2 : PV_INVAL);
    }
    for (int i = 0; i < n; i++) {
        int wd = masked ? 1 : k, s = i;
        while (masked && s >= (1 << wd))
            s -= 1 << wd, wd++;
        v->rank[i] = (int8_t)r16[ir_code_index((unsigned)s, wd, k)];
    }
    v->G = w.OW <= PV ? (int)(PV / w.OW) : 1;
    while (v->G > 1 && v->G * w.kh * w.W > PV_BLOCK)
        v->G--;
    bool flat = w.H == w.OH * w.kh; // no dropped or partial rows: channels are contiguous
    v->C = flat ? 1 : w.C, v->H = flat ? w.C * w.H : w.H, v->OH = flat ? w.C * w.OH : w.OH;
    return true;
}

/* tab[idx] per lane for idx < n <= 32 (idx with bit 7 set: 0). AVX2 and up: pshufb of
 * the table's 16-entry halves (per 128-bit lane); SSE tiers: a select tree on idx's bits. */
static LLVMValueRef lut(G *g, const PoolV *v, const int8_t *tab, int n, LLVMValueRef idx)
{
    LLVMValueRef half[2];
    if (g->tier != TIER_SCALAR) {
        for (int h = 0; h < (n + 15) / 16; h++) {
            LLVMValueRef e[PV];
            for (int j = 0; j < PV; j++)
                e[j] = LLVMConstInt(g->i8,
                                    (uint8_t)(h * 16 + j % 16 < n ? tab[h * 16 + j % 16] : 0), 0);
            LLVMValueRef a[2] = {LLVMConstVector(e, PV), idx};
            half[h] =
                    g_call(g, "llvm.x86.avx2.pshuf.b", v->vt, (LLVMTypeRef[]){v->vt, v->vt}, 2, a);
        }
        if (n <= 16)
            return half[0];
        LLVMValueRef hi = LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, idx, g_i8s(g, 16, PV), ""),
                                        g_i8s(g, 0, PV), "");
        return LLVMBuildSelect(B, hi, half[1], half[0], "");
    }
    int p = 1, bits = 0;
    while (p < n)
        p <<= 1, bits++;
    LLVMValueRef node[PV_TABLE];
    for (int i = 0; i < p; i++)
        node[i] = g_i8s(g, i < n ? tab[i] : 0, PV);
    for (int b = 0; b < bits; b++) { // combine pairs on bit b: p >> (b + 1) nodes remain
        LLVMValueRef on = LLVMBuildICmp(
                B, LLVMIntNE, LLVMBuildAnd(B, idx, g_i8s(g, 1 << b, PV), ""), g_i8s(g, 0, PV), "");
        for (int i = 0; i < p >> (b + 1); i++)
            node[i] = LLVMBuildSelect(B, on, node[2 * i + 1], node[2 * i], "");
    }
    LLVMValueRef neg = LLVMBuildICmp(B, LLVMIntSLT, idx, g_i8s(g, 0, PV), "");
    return LLVMBuildSelect(B, neg, g_i8s(g, 0, PV), node[0], "");
}

/* The rank of each lane's (code s, width wd) (wd NULL: unmasked). */
static LLVMValueRef vrank(G *g, const PoolV *v, LLVMValueRef s, LLVMValueRef wd)
{
    LLVMValueRef idx;
    if (wd)
        idx = LLVMBuildAdd(B, LLVMBuildAnd(B, s, lut(g, v, v->wmask, 16, wd), ""),
                           lut(g, v, v->woff, 16, wd), "");
    else
        idx = LLVMBuildAnd(B, s, g_i8s(g, (1 << v->k) - 1, PV), "");
    LLVMValueRef r = lut(g, v, v->rank, v->nrank, idx);
    LLVMSetValueName2(r, "vrank", 5);
    return r;
}

/* Lane j's input byte for tap (ky, kx), relative to its group's first input row, or -1
 * outside the input (hv input rows from there). */
static int64_t tap_at(const PoolV *v, int rr, int64_t ox, int ky, int kx, int64_t hv)
{
    int64_t iy = rr * v->w.kh + ky, ix = ox * v->w.kw + kx;
    return iy < hv && ix < v->w.W ? iy * v->w.W + ix : -1;
}

static LLVMValueRef load_bytes(G *g, LLVMValueRef p, LLVMValueRef at, int64_t n)
{
    LLVMValueRef l =
            LLVMBuildLoad2(B, LLVMVectorType(g->i8, (unsigned)n), g_gep(g, g->i8, p, at), "");
    LLVMSetAlignment(l, 1);
    return l;
}

/* Lanes [0, n) of vector x stored as n bytes at p + at. */
static void store_lanes(G *g, LLVMValueRef p, LLVMValueRef at, LLVMValueRef x, int n)
{
    if (n < PV) {
        LLVMValueRef m[PV];
        for (int j = 0; j < n; j++)
            m[j] = LLVMConstInt(g->i32, (unsigned)j, 0);
        x = LLVMBuildShuffleVector(B, x, LLVMGetPoison(LLVMTypeOf(x)),
                                   LLVMConstVector(m, (unsigned)n), "");
    }
    LLVMSetAlignment(LLVMBuildStore(B, x, g_gep(g, g->i8, p, at)), 1);
}

/* The lanes of one piece: lane j < n is output (row rr[j] of the group, column ox[j]). */
typedef struct Piece {
    int n, rr[PV];
    int64_t ox[PV];
} Piece;

/* The running maximum: rank, code and width bytes of the first best tap so far. */
typedef struct Best {
    LLVMValueRef r, s, w;
} Best;

static void keep_first_max(G *g, Best *b, LLVMValueRef r, LLVMValueRef s, LLVMValueRef wd)
{
    if (!b->r) {
        *b = (Best){r, s, wd};
        return;
    }
    LLVMValueRef better = LLVMBuildICmp(B, LLVMIntSGT, r, b->r, ""); // ranks < 32
    b->r = LLVMBuildSelect(B, better, r, b->r, "");
    b->s = LLVMBuildSelect(B, better, s, b->s, "");
    if (wd)
        b->w = LLVMBuildSelect(B, better, wd, b->w, "");
}

/* The input bytes one piece reads, as vectors: code and width bytes [lo, hi] from its
 * group's first input row, one block for whole rows, else one per window row ky (n). */
typedef struct Blocks {
    int n;
    int64_t lo[PV_TAPS], hi[PV_TAPS];
    LLVMValueRef s[PV_TAPS], w[PV_TAPS]; // NULL: no tap reads that window row (ceil)
} Blocks;

static void load_blocks(G *g, PoolV *v, GVal *x, LLVMValueRef in, const Piece *pc, int64_t hv,
                        Blocks *bk)
{
    int kh = (int)v->w.kh, kw = (int)v->w.kw;
    bk->n = v->w.OW <= PV ? 1 : kh;
    for (int b = 0; b < bk->n; b++) {
        int64_t lo = INT64_MAX, hi = -1;
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw && (bk->n == 1 || ky == b); kx++)
                for (int j = 0; j < pc->n; j++) {
                    int64_t o = tap_at(v, pc->rr[j], pc->ox[j], ky, kx, hv);
                    if (o >= 0)
                        lo = o < lo ? o : lo, hi = o > hi ? o : hi;
                }
        bk->lo[b] = lo, bk->hi[b] = hi, bk->s[b] = bk->w[b] = NULL;
        if (hi < 0)
            continue; // a window row below the input (ceil): no tap reads it
        LLVMValueRef a = g_addk(g, in, lo);
        bk->s[b] = load_bytes(g, x->p, a, hi - lo + 1);
        if (!v->tagged) {
            char tag[128];
            snprintf(tag, sizeof tag, "vpool(%s)", g->m->values.data[g->in->result].name);
            LLVMSetValueName2(bk->s[b], tag, strlen(tag));
            v->tagged = true;
        }
        bk->w[b] = v->masked ? load_bytes(g, x->w, a, hi - lo + 1) : NULL;
    }
}

/* The shuffle mask picking tap (ky, kx) of each lane from block [lo, hi], or NULL when
 * no lane's tap is inside the input. A lane whose tap is outside repeats an earlier tap
 * of its own window, (ky, 0) or (0, 0), which cannot win the strict >. */
static LLVMValueRef tap_mask(G *g, const PoolV *v, const Piece *pc, int ky, int kx, int64_t hv,
                             int64_t lo, int64_t hi)
{
    int64_t o[PV];
    bool any = false;
    for (int j = 0; j < PV; j++) {
        o[j] = lo; // lanes past the piece: any byte of the block
        if (j >= pc->n)
            continue;
        o[j] = tap_at(v, pc->rr[j], pc->ox[j], ky, kx, hv);
        any |= o[j] >= 0;
        if (o[j] < 0)
            o[j] = tap_at(v, pc->rr[j], pc->ox[j], ky, 0, hv);
        if (o[j] < 0)
            o[j] = tap_at(v, pc->rr[j], pc->ox[j], 0, 0, hv);
    }
    if (!any)
        return NULL;
    LLVMValueRef m[PV];
    for (int j = 0; j < PV; j++) {
        HB_CHECK(o[j] >= lo && o[j] <= hi, "a pool tap outside its block");
        m[j] = LLVMConstInt(g->i32, (unsigned long long)(o[j] - lo), 0);
    }
    return LLVMConstVector(m, PV);
}

/* One piece of a group: its blocks loaded once, the taps in window order, the pooled
 * code (and width) bytes stored at out + at. */
static void pool_piece(G *g, PoolV *v, GVal *x, GVal *out, LLVMValueRef in, LLVMValueRef at,
                       const Piece *pc, int64_t hv)
{
    Blocks bk;
    load_blocks(g, v, x, in, pc, hv, &bk);
    Best best = {0};
    for (int ky = 0; ky < v->w.kh; ky++)
        for (int kx = 0; kx < v->w.kw; kx++) {
            int b = bk.n == 1 ? 0 : ky;
            LLVMValueRef mask = bk.s[b] ? tap_mask(g, v, pc, ky, kx, hv, bk.lo[b], bk.hi[b]) : NULL;
            if (!mask)
                continue; // a window row below the input
            LLVMValueRef p = LLVMGetPoison(LLVMTypeOf(bk.s[b]));
            LLVMValueRef s = LLVMBuildShuffleVector(B, bk.s[b], p, mask, "");
            LLVMValueRef wd = v->masked ? LLVMBuildShuffleVector(B, bk.w[b], p, mask, "") : NULL;
            keep_first_max(g, &best, vrank(g, v, s, wd), s, wd);
        }
    store_lanes(g, out->p, at, best.s, pc->n);
    if (v->masked)
        store_lanes(g, out->w, at, best.w, pc->n);
}

/* A group of `rows` output rows starting at input byte `in`, output byte `at`, with hv
 * input rows inside the input from there: whole rows in one piece when OW <= PV, else
 * PV-wide pieces of the row. */
static void pool_group(G *g, PoolV *v, GVal *x, GVal *out, LLVMValueRef in, LLVMValueRef at,
                       int rows, int64_t hv)
{
    int64_t OW = v->w.OW;
    for (int64_t ox0 = 0; ox0 < OW; ox0 += PV) {
        Piece pc = {.n = OW <= PV ? rows * (int)OW : (int)(OW - ox0 < PV ? OW - ox0 : PV)};
        for (int j = 0; j < pc.n; j++)
            pc.rr[j] = OW <= PV ? j / (int)OW : 0, pc.ox[j] = OW <= PV ? j % OW : ox0 + j;
        pool_piece(g, v, x, out, in, g_addk(g, at, OW <= PV ? 0 : ox0), &pc, hv);
        if (OW <= PV)
            break;
    }
}

/* The vector path, if maxpool's geometry and type allow it (else false, nothing emitted):
 * per channel (or once, channels flattened) a loop over groups of G output rows, then
 * the last rows (fewer, or the ceil pool's cut last row) as one more group. */
static bool gen_maxpool_vec(G *g, const IrType *xt, GVal *x, GVal *out)
{
    PoolV v;
    if (!poolv_setup(g, xt, x->w != NULL, &v))
        return false;
    int64_t W = v.w.W, OW = v.w.OW, kh = v.w.kh;
    int64_t T = v.OH % v.G;
    if (T == 0 && v.H < v.OH * kh) // ceil: the last output row's window is cut
        T = v.G;
    int64_t nloop = (v.OH - T) / v.G;
    GLoop lc, lg;
    LLVMValueRef c = v.C > 1 ? g_loop_begin(g, &lc, g_i64(g, v.C), "c") : g_i64(g, 0);
    LLVMValueRef in0 = g_mulk(g, c, v.H * W), at0 = g_mulk(g, c, v.OH * OW);
    if (nloop > 0) {
        LLVMValueRef i = g_loop_begin(g, &lg, g_i64(g, nloop), "pool.vgroup");
        pool_group(g, &v, x, out, g_add(g, in0, g_mulk(g, i, v.G * kh * W)),
                   g_add(g, at0, g_mulk(g, i, v.G * OW)), v.G, v.G * kh);
        g_loop_end(g, &lg);
    }
    if (T > 0) {
        int64_t oy0 = v.OH - T;
        pool_group(g, &v, x, out, g_addk(g, in0, oy0 * kh * W), g_addk(g, at0, oy0 * OW), (int)T,
                   v.H - oy0 * kh);
    }
    if (v.C > 1)
        g_loop_end(g, &lc);
    return true;
}

void gen_maxpool_codes(G *g)
{
    IrWindow w = ir_window(g->m, g->in);
    const IrType *xt = g_argt(g, 0);
    GVal *out = g_out(g), *x = g_arg(g, 0);
    g_alloc_value(g, out, g_outt(g));
    if (gen_maxpool_vec(g, xt, x, out))
        return;
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
