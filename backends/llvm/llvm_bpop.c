// SPDX-License-Identifier: MIT
/* llvm_bpop.c: the bit-plane kernels of the CPU backend, bpop_dense and bpop_conv2d
 * (docs/ir.md §4 pair sums), after cpu.md §4: output channels in vector lanes
 * (<8 x i64>, one 64-bit channel word of 8 output channels per vector; llvm.ctpop on it is
 * vpopcntq on AVX-512 VPOPCNTDQ), each activation word broadcast to all lanes, masks as
 * one extra AND (none when neither side is masked: S = valid - 2 popcount(c ^ d)), register
 * tiles of E columns (conv: output pixels of a row; dense: the examples of a block) per weight
 * load with per-plane-pair accumulators, direct convolution over the packed input with exact
 * padding (rows outside the input are skipped; a column outside reads a zero word and its
 * contribution is taken back from a compile-time table). Weights are repacked at compile time
 * into read-only data [Kw][G][O/8][tap][channel word][8]; the input is packed once per layer
 * into channel words [G][H][W][Kx][words] (a dense layer is a 1x1 convolution whose columns
 * are the examples of the block). The packing is llvm_bpop_pack.c; what a tile stores,
 * including the fused epilogues, llvm_bpop_store.c (types shared in llvm_bpop.h). */
#include "llvm_bpop.h"

#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "llvm_int8.h"

#define B g->b

/* The weights of kernel b in its layout; `masked`: with their masks and mask popcounts
 * (a channel group's or an unmasked layer's kernel reads neither). */
static WKern repack(G *g, const IrConst *k, const BGeo *b, bool masked, int64_t half)
{
    uint64_t rows = b->rows ? (uint64_t)b->og : (uint64_t)k->type.d[0];
    uint64_t all = (uint64_t)k->type.d[0], per = (uint64_t)(b->cg * b->T);
    uint64_t nblk = (uint64_t)(b->kw_planes * b->G * b->OB * b->T);
    uint64_t nw = nblk * (uint64_t)b->CW * LANES;
    uint64_t *c = calloc(nw, 8), *mk = calloc(nw, 8), *pc = calloc(nblk * LANES, 8);
    uint64_t *zc = calloc(nblk * LANES, 8);
    HB_CHECK(c && mk && pc && zc, "out of memory");
    bool full[IR_MAX_BITS] = {false};
    for (int m = 0; m < b->kw_planes; m++)
        full[m] = true;
    for (int m = 0; m < b->kw_planes; m++)
        for (uint64_t o = 0; o < rows; o++) {
            int64_t grp = (int64_t)o / b->og, oi = (int64_t)o % b->og;
            int64_t ob = oi / LANES, l = oi % LANES;
            uint64_t r = b->rows ? (uint64_t)b->rows[o] : o;
            for (uint64_t j = 0; j < per; j++) {
                uint64_t src = ((uint64_t)m * all + r) * k->wpr + j / 64;
                int bit = (int)((k->planes[src] >> (j % 64)) & 1);
                int mbit = k->masks ? (int)((k->masks[src] >> (j % 64)) & 1) : 1;
                int64_t ci = (int64_t)j / b->T, t = (int64_t)j % b->T;
                int64_t blk = ((m * b->G + grp) * b->OB + ob) * b->T + t;
                uint64_t at = ((uint64_t)(blk * b->CW + ci / 64)) * LANES + (uint64_t)l;
                c[at] |= (uint64_t)bit << (ci % 64);
                mk[at] |= (uint64_t)mbit << (ci % 64);
                full[m] &= mbit != 0;
                pc[(uint64_t)blk * LANES + (uint64_t)l] += (uint64_t)mbit;
            }
        }
    // a zero activation word counts popcount(c ^ 0), or popcount(~c & M) when masked
    for (uint64_t blk = 0; blk < nblk; blk++)
        for (uint64_t wd = 0; wd < (uint64_t)b->CW; wd++)
            for (uint64_t l = 0; l < LANES; l++) {
                uint64_t at = (blk * (uint64_t)b->CW + wd) * LANES + l;
                uint64_t v = masked ? ~c[at] & mk[at] : c[at];
                zc[blk * LANES + l] += (uint64_t)__builtin_popcountll(v);
            }
    for (uint64_t i = 0; half && i < nblk * LANES; i++) // Kern.half: a tap outside counts cg/2
        zc[i] -= (uint64_t)half;
    Arena *a = &g->cx->arena;
    const char *nm = b->rows ? arena_printf(a, "%s.w%d", k->name, b->kw_planes) : k->name;
    WKern w = {.c = g_words(g, arena_printf(a, "k.%s", nm), c, nw),
               .zc = g_words(g, arena_printf(a, "kz.%s", nm), zc, nblk * LANES)};
    memcpy(w.full, full, sizeof full);
    if (masked) {
        w.mask = g_words(g, arena_printf(a, "km.%s", nm), mk, nw);
        w.pc = g_words(g, arena_printf(a, "kp.%s", nm), pc, nblk * LANES);
    }
    free(c);
    free(mk);
    free(pc);
    free(zc);
    return w;
}

LLVMValueRef bpop_splat(G *g, const Kern *k, LLVMValueRef v)
{
    LLVMValueRef undef = LLVMGetUndef(k->v8);
    LLVMValueRef ins = LLVMBuildInsertElement(B, undef, v, g_i32(g, 0), "");
    LLVMValueRef zeros = LLVMConstNull(LLVMVectorType(g->i32, LANES));
    return LLVMBuildShuffleVector(B, ins, undef, zeros, "");
}

LLVMValueRef bpop_vload(G *g, const Kern *k, LLVMValueRef base, LLVMValueRef word)
{
    LLVMValueRef p = g_gep(g, g->i64, base, g_mulk(g, word, LANES));
    LLVMValueRef v = LLVMBuildLoad2(B, k->v8, p, "");
    LLVMSetAlignment(v, 64);
    return v;
}

static LLVMValueRef ld(G *g, LLVMTypeRef t, LLVMValueRef var)
{
    return LLVMBuildLoad2(B, t, var, "");
}

/* Per-lane popcount: vpopcntq, or (scalar tier) one popcnt per lane. */
static LLVMValueRef vpop(G *g, const Kern *k, LLVMValueRef v)
{
    LLVMTypeRef t = k->v8;
    if (k->tier != TIER_SCALAR)
        return g_call(g, "llvm.ctpop.v8i64", t, &t, 1, &v);
    LLVMValueRef r = LLVMGetUndef(t);
    for (int l = 0; l < LANES; l++) {
        LLVMValueRef e = LLVMBuildExtractElement(B, v, g_i32(g, l), "");
        e = g_call(g, "llvm.ctpop.i64", g->i64, &g->i64, 1, &e);
        r = LLVMBuildInsertElement(B, r, e, g_i32(g, l), "");
    }
    return r;
}

/* var += popcount(v): into the byte accumulator var8 (at most 8 per byte per step) or
 * into the 64-bit lanes. */
static void vacc(G *g, const Kern *k, LLVMValueRef var, LLVMValueRef var8, LLVMValueRef v)
{
    if (k->bytes) {
        LLVMTypeRef t = k->v64b;
        LLVMValueRef b = LLVMBuildBitCast(B, v, t, "");
        b = g_call(g, "llvm.ctpop.v64i8", t, &t, 1, &b);
        LLVMBuildStore(B, LLVMBuildAdd(B, ld(g, t, var8), b, ""), var8);
        return;
    }
    LLVMBuildStore(B, LLVMBuildAdd(B, ld(g, k->v8, var), vpop(g, k, v), ""), var);
}

/* The 8-byte sums of a byte accumulator as <8 x i64> (vpsadbw against zero). */
static LLVMValueRef widen(G *g, const Kern *k, LLVMValueRef v8)
{
    if (k->tier == TIER_AVX512BW) {
        LLVMTypeRef ps[] = {k->v64b, k->v64b};
        LLVMValueRef a[] = {v8, LLVMConstNull(k->v64b)};
        return g_call(g, "llvm.x86.avx512.psad.bw.512", k->v8, ps, 2, a);
    }
    LLVMTypeRef h = LLVMVectorType(g->i8, 32), q = LLVMVectorType(g->i64, 4);
    LLVMValueRef half[2];
    for (int i = 0; i < 2; i++) {
        LLVMValueRef idx[32];
        for (int j = 0; j < 32; j++)
            idx[j] = g_i32(g, 32 * i + j);
        LLVMValueRef a[] = {
                LLVMBuildShuffleVector(B, v8, LLVMGetUndef(k->v64b), LLVMConstVector(idx, 32), ""),
                LLVMConstNull(h)};
        half[i] = g_call(g, "llvm.x86.avx2.psad.bw", q, (LLVMTypeRef[]){h, h}, 2, a);
    }
    LLVMValueRef idx[8];
    for (int j = 0; j < 8; j++)
        idx[j] = g_i32(g, j);
    return LLVMBuildShuffleVector(B, half[0], half[1], LLVMConstVector(idx, 8), "");
}

/* Move the byte accumulators into the 64-bit ones. */
static void flush(G *g, const Kern *k)
{
    for (int i = 0; i < k->P * k->E; i++)
        for (int j = 0; j < (k->xm && k->pa_from[i / k->E] == PA_LOOP ? 2 : 1); j++) {
            LLVMValueRef v = j ? k->pa[i] : k->acc[i], v8 = j ? k->pa8[i] : k->acc8[i];
            LLVMValueRef s = widen(g, k, ld(g, k->v64b, v8));
            LLVMBuildStore(B, LLVMBuildAdd(B, ld(g, k->v8, v), s, ""), v);
            LLVMBuildStore(B, LLVMConstNull(k->v64b), v8);
        }
}

/* One word w of one tap for every column: broadcast each column's activation words,
 * load each weight plane once, accumulate every plane pair. */
static void word_step(G *g, Kern *k, LLVMValueRef *col, LLVMValueRef blk0, LLVMValueRef w)
{
    const BGeo *b = k->b;
    int64_t mstride = b->G * b->OB * b->T;
    LLVMValueRef c[IR_MAX_BITS], mk[IR_MAX_BITS];
    for (int m = 0; m < b->kw_planes; m++) {
        LLVMValueRef word = g_add(g, g_mulk(g, g_addk(g, blk0, m * mstride), b->CW), w);
        c[m] = bpop_vload(g, k, k->w.c, word);
        // a full weight mask adds nothing to the activation mask's AND
        mk[m] = k->nomask || k->pwm || (k->xm && k->w.full[m]) ? NULL
                                                               : bpop_vload(g, k, k->w.mask, word);
    }
    // each activation word broadcast right before its uses: one live at a time
    for (int n = 0; n < b->kx; n++)
        for (int e = 0; e < k->E; e++) {
            LLVMValueRef at = g_add(g, g_addk(g, col[e], n * b->CW), w);
            LLVMValueRef d = bpop_splat(g, k, g_load(g, g->i64, k->xp, at));
            bool amask = k->xm && !(k->pwm && n == 0); // activation mask 0 is all valid
            LLVMValueRef dm = amask ? bpop_splat(g, k, g_load(g, g->i64, k->xm, at)) : NULL;
            for (int m = 0; m < b->kw_planes; m++) {
                int i = (m * b->kx + n) * k->E + e;
                LLVMValueRef x = LLVMBuildXor(B, c[m], d, "");
                if (k->pwm) { // the disagreements among the elements of width > n
                    vacc(g, k, k->acc[i], k->acc8[i], dm ? LLVMBuildAnd(B, x, dm, "") : x);
                    continue;
                }
                if (k->nomask) {
                    vacc(g, k, k->acc[i], k->acc8[i], x);
                    continue;
                }
                LLVMValueRef A = !dm ? mk[m] : mk[m] ? LLVMBuildAnd(B, mk[m], dm, "") : dm;
                vacc(g, k, k->acc[i], k->acc8[i], LLVMBuildAnd(B, LLVMBuildNot(B, x, ""), A, ""));
                if (dm && k->pa_from[m * b->kx + n] == PA_LOOP)
                    vacc(g, k, k->pa[i], k->pa8[i], A);
            }
        }
}

/* The words of one tap, in chunks of 31 when byte accumulators must be flushed inside. */
static void tap_words(G *g, Kern *k, LLVMValueRef *col, LLVMValueRef blk0)
{
    int64_t CW = k->b->CW, L = k->flush == 2 ? 31 : CW, nch = (CW + L - 1) / L;
    GLoop lc, lw;
    LLVMValueRef ch = g_loop_begin(g, &lc, g_i64(g, nch), "wc");
    LLVMValueRef left = LLVMBuildSub(B, g_i64(g, CW), g_mulk(g, ch, L), "");
    LLVMValueRef cnt = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, left, g_i64(g, L), ""), left,
                                       g_i64(g, L), "");
    LLVMValueRef i = g_loop_begin(g, &lw, nch == 1 ? g_i64(g, CW) : cnt, "w");
    word_step(g, k, col, blk0, g_add(g, g_mulk(g, ch, L), i));
    g_loop_end(g, &lw);
    if (k->bytes && k->flush == 2)
        flush(g, k);
    g_loop_end(g, &lc);
    if (k->bytes && k->flush == 1)
        flush(g, k);
}

/* After a tap: columns that read the zero word take back its contribution (Kern.half:
 * all but cg/2); the valid counts (nomask, half 0) or mask popcounts (masked weights: the table of
 * the columns that were inside, ok NULL: every column was; masked input: pa_from) added. */
static void tap_fix(G *g, Kern *k, LLVMValueRef *ok, LLVMValueRef blk0)
{
    const BGeo *b = k->b;
    int64_t mstride = b->G * b->OB * b->T;
    LLVMValueRef in[MAXE];
    for (int e = 0; e < k->E; e++)
        in[e] = ok ? ok[e] : LLVMConstInt(g->i1, 1, 0);
    for (int m = 0; m < b->kw_planes; m++) {
        LLVMValueRef at = g_addk(g, blk0, m * mstride);
        LLVMValueRef zc = (k->xm && !k->pwm) || !ok ? NULL : bpop_vload(g, k, k->w.zc, at);
        bool tab = k->xm ? k->pa_from[m * b->kx] == PA_WTAB : !k->nomask;
        LLVMValueRef pc = tab ? bpop_vload(g, k, k->w.pc, at) : NULL;
        for (int n = 0; n < b->kx; n++)
            for (int e = 0; e < k->E; e++) {
                int i = (m * b->kx + n) * k->E + e;
                if (k->pwm && n > 0)
                    continue; // the zero column's activation masks are 0
                if (k->xm && !k->pwm && k->pa_from[m * b->kx + n] != PA_WTAB)
                    continue; // counted in the word loop, or in xn
                if (zc) {
                    LLVMValueRef a = ld(g, k->v8, k->acc[i]);
                    LLVMValueRef sub = LLVMBuildSub(B, a, zc, "");
                    LLVMBuildStore(B, LLVMBuildSelect(B, in[e], a, sub, ""), k->acc[i]);
                }
                if (pc) {
                    LLVMValueRef a = ld(g, k->v8, k->pa[i]);
                    LLVMValueRef add = LLVMBuildAdd(B, a, pc, "");
                    LLVMBuildStore(B, LLVMBuildSelect(B, in[e], add, a, ""), k->pa[i]);
                }
            }
    }
    for (int e = 0; k->nomask && !k->half && e < k->E; e++) {
        LLVMValueRef n = ld(g, g->i64, k->ntap[e]);
        LLVMValueRef add = LLVMBuildSelect(B, in[e], g_i64(g, b->cg), g_i64(g, 0), "");
        LLVMBuildStore(B, g_add(g, n, add), k->ntap[e]);
    }
}

/* Lane l of block ob stores only if it is a channel of the group (oi < og): when the
 * group's last block is partial, a branch around the lane's stores, closed by lane_end
 * with the block lane_begin returns (NULL: no branch). */
LLVMBasicBlockRef bpop_lane_begin(G *g, const Kern *k, LLVMValueRef oi)
{
    if (k->b->og % LANES == 0)
        return NULL;
    LLVMBasicBlockRef ls = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane");
    LLVMBasicBlockRef ln = LLVMAppendBasicBlockInContext(g->C, g->fn, "lane.next");
    LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oi, g_i64(g, k->b->og), ""), ls, ln);
    LLVMPositionBuilderAtEnd(B, ls);
    return ln;
}

void bpop_lane_end(G *g, LLVMBasicBlockRef ln)
{
    if (ln) {
        LLVMBuildBr(B, ln);
        LLVMPositionBuilderAtEnd(B, ln);
    }
}

/* Column e's valid-element count in every lane (unmasked kernels), else NULL. */
LLVMValueRef bpop_col_valid(G *g, const Kern *k, int e)
{
    if (k->half)
        return bpop_splat(g, k, g_i64(g, k->b->T * k->b->cg));
    return k->nomask ? bpop_splat(g, k, LLVMBuildLoad2(B, g->i64, k->ntap[e], "")) : NULL;
}

/* Pair p's sum of column e as i64 lanes: 2 acc - popcount(A), or valid - 2 acc when
 * neither side is masked (valid from col_valid). */
LLVMValueRef bpop_pair_sum(G *g, const Kern *k, int p, int e, LLVMValueRef valid)
{
    int i = p * k->E + e;
    LLVMValueRef a = ld(g, k->v8, k->acc[i]);
    a = LLVMBuildAdd(B, a, a, "");
    if (k->nomask)
        return LLVMBuildSub(B, valid, a, "");
    if (k->pwm) // disagreements counted: the elements of width > n less twice them
        return LLVMBuildSub(B, bpop_splat(g, k, ld(g, g->i64, k->xn[p % k->b->kx * k->E + e])), a,
                            "");
    bool xn = k->xm && k->pa_from[p] == PA_XCNT;
    LLVMValueRef pa = xn ? bpop_splat(g, k, ld(g, g->i64, k->xn[p % k->b->kx * k->E + e]))
                         : ld(g, k->v8, k->pa[i]);
    return LLVMBuildSub(B, a, pa, "");
}

/* in-bounds test of one input coordinate. */
static LLVMValueRef inside(G *g, LLVMValueRef i, LLVMValueRef size)
{
    return LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, i, g_i64(g, 0), ""),
                        LLVMBuildICmp(B, LLVMIntSLT, i, size, ""), "");
}

static void zero_tile(G *g, Kern *k)
{
    for (int i = 0; i < k->P * k->E; i++) {
        LLVMBuildStore(B, LLVMConstNull(k->v8), k->acc[i]);
        LLVMBuildStore(B, LLVMConstNull(k->v8), k->pa[i]);
        if (k->bytes) {
            LLVMBuildStore(B, LLVMConstNull(k->v64b), k->acc8[i]);
            LLVMBuildStore(B, LLVMConstNull(k->v64b), k->pa8[i]);
        }
    }
    for (int e = 0; k->nomask && !k->half && e < k->E; e++)
        LLVMBuildStore(B, g_i64(g, 0), k->ntap[e]);
}

/* The kx taps of input row iy for the tile's columns. `border`: some column reads
 * outside the input or past the output (a select per column and tap_fix); an interior
 * tile reads every column in place and only counts the valid elements. */
static void row_taps(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef iy, LLVMValueRef ky,
                     LLVMValueRef t0, LLVMValueRef ob, bool border)
{
    const BGeo *b = k->b;
    GLoop lkx;
    LLVMValueRef kx = g_loop_begin(g, &lkx, g_i64(g, b->kw), "kx");
    LLVMValueRef rowbase = LLVMBuildMul(B, g_add(g, g_mulk(g, grp, b->H), iy), k->W, "");
    LLVMValueRef col[MAXE], ok[MAXE];
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef c = g_addk(g, t0, e);
        LLVMValueRef ix = g_add(g, g_addk(g, g_mulk(g, c, b->sw), -b->pl), g_mulk(g, kx, b->dw));
        LLVMValueRef at = g_mulk(g, g_add(g, rowbase, ix), b->kx * b->CW);
        if (!border) {
            col[e] = at;
            continue;
        }
        ok[e] = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSLT, c, k->OW, ""), inside(g, ix, k->W),
                             "");
        col[e] = LLVMBuildSelect(B, ok[e], at, g_i64(g, k->zcol), "");
    }
    LLVMValueRef t = g_add(g, g_mulk(g, ky, b->kw), kx);
    LLVMValueRef blk0 = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, b->OB), ob), b->T), t);
    tap_words(g, k, col, blk0);
    tap_fix(g, k, border ? ok : NULL, blk0);
    g_loop_end(g, &lkx);
}

/* Whether every column of the tile starting at t0 is an output column whose taps all
 * read inside the input row. */
static LLVMValueRef tile_inside(G *g, const Kern *k, LLVMValueRef t0)
{
    const BGeo *b = k->b;
    LLVMValueRef last = g_addk(g, t0, k->E - 1);
    LLVMValueRef lo = g_addk(g, g_mulk(g, t0, b->sw), -b->pl);
    LLVMValueRef hi = g_addk(g, g_mulk(g, last, b->sw), (b->kw - 1) * b->dw - b->pl);
    LLVMValueRef in = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, lo, g_i64(g, 0), ""),
                                   LLVMBuildICmp(B, LLVMIntSLT, hi, k->W, ""), "");
    return LLVMBuildAnd(B, in, LLVMBuildICmp(B, LLVMIntSLT, last, k->OW, ""), "");
}

/* Where a tile's columns read: all inside the input (a conv's interior tiles), some
 * outside it (a conv's border columns, one per tile), or either, tested per tile. */
typedef enum TileAt { TILE_INSIDE, TILE_BORDER, TILE_TEST, TILE_EDGE } TileAt;

/* The window counts of the tile's columns (t0 + e of row oy, group grp; a column past
 * the outputs reads column 0's) into xn[n E + e], for pair_sum. */
static void tile_counts(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy, LLVMValueRef t0)
{
    const BGeo *b = k->b;
    LLVMValueRef r0 = g_mulk(g, g_add(g, g_mulk(g, grp, b->OH), oy), b->OW);
    for (int e = 0; e < k->E; e++) {
        LLVMValueRef c = g_addk(g, t0, e);
        c = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, c, k->OW, ""), c, g_i64(g, 0), "");
        LLVMValueRef at = g_mulk(g, g_add(g, r0, c), b->kx);
        for (int n = 0; n < b->kx; n++)
            LLVMBuildStore(B, g_load(g, g->i64, k->xc, g_addk(g, at, n)), k->xn[n * k->E + e]);
    }
}

/* One register tile: output block ob of group grp, columns t0 .. t0 + E - 1 of row oy. */
static void tile(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy, LLVMValueRef t0, LLVMValueRef ob,
                 LLVMValueRef pos0, TileAt at)
{
    const BGeo *b = k->b;
    zero_tile(g, k);
    // tested per tile: dense tiles (columns may pass the block's examples) and a conv row
    // in uniform tiles (TILE_EDGE: every column is an output column)
    LLVMValueRef interior = at >= TILE_TEST ? tile_inside(g, k, t0) : NULL;
    GLoop lky;
    LLVMValueRef ky = g_loop_begin(g, &lky, g_i64(g, b->kh), "ky");
    LLVMValueRef iy = g_add(g, g_addk(g, g_mulk(g, oy, b->sh), -b->pt), g_mulk(g, ky, b->dh));
    LLVMBasicBlockRef row = LLVMAppendBasicBlockInContext(g->C, g->fn, "row");
    LLVMBasicBlockRef skip = LLVMAppendBasicBlockInContext(g->C, g->fn, "row.skip");
    LLVMBasicBlockRef out = skip, here = LLVMGetInsertBlock(B);
    if (k->half) { // a row outside: kw taps of cg/2 each
        out = LLVMAppendBasicBlockInContext(g->C, g->fn, "row.out");
        LLVMPositionBuilderAtEnd(B, out);
        LLVMValueRef h = bpop_splat(g, k, g_i64(g, b->kw * k->half));
        for (int i = 0; i < k->P * k->E; i++)
            LLVMBuildStore(B, LLVMBuildAdd(B, ld(g, k->v8, k->acc[i]), h, ""), k->acc[i]);
        LLVMBuildBr(B, skip);
        LLVMPositionBuilderAtEnd(B, here);
    }
    LLVMBuildCondBr(B, inside(g, iy, g_i64(g, b->H)), row, out);
    LLVMPositionBuilderAtEnd(B, row);
    if (interior) {
        LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(g->C, g->fn, "row.inside");
        LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(g->C, g->fn, "row.border");
        LLVMBuildCondBr(B, interior, fast, slow);
        LLVMPositionBuilderAtEnd(B, fast);
        row_taps(g, k, grp, iy, ky, t0, ob, false);
        LLVMBuildBr(B, skip);
        LLVMPositionBuilderAtEnd(B, slow);
    }
    row_taps(g, k, grp, iy, ky, t0, ob, at != TILE_INSIDE);
    LLVMBuildBr(B, skip);
    LLVMPositionBuilderAtEnd(B, skip);
    g_loop_end(g, &lky);
    if (k->bytes && k->flush == 0)
        flush(g, k);
    if (k->xc)
        tile_counts(g, k, grp, oy, t0);
    // rows: E >= 4 columns that are all output columns (an interior tile, or a uniform
    // tile of a conv row: row_tiles never passes the row's end), transposed
    bool rows = (at == TILE_INSIDE || at == TILE_EDGE) && k->E >= LANES / 2;
    if (k->ek)
        bpop_store_epi(g, k, grp, ob, t0, oy, rows);
    else if (k->ef)
        bpop_store_fepi(g, k, grp, ob, t0, oy, rows);
    else if (rows && k->ocol == 1)
        bpop_store_rows(g, k, grp, ob, t0, pos0);
    else
        bpop_store_tile(g, k, grp, ob, t0, pos0);
}

/* The output columns [*lo, *hi) of a convolution whose taps all read inside its input
 * rows (ow: the columns computed). */
static void inner_cols(const BGeo *b, int64_t ow, int64_t *lo, int64_t *hi)
{
    int64_t l = (b->pl + b->sw - 1) / b->sw, r = b->W - 1 + b->pl - (b->kw - 1) * b->dw;
    int64_t h = r < 0 ? 0 : r / b->sw + 1;
    *lo = l < ow ? l : ow;
    *hi = h < *lo ? *lo : h > ow ? ow : h;
}

/* n tiles of E columns of one row (8-channel blocks inner) from column c0. */
static void tile_run(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy, int64_t c0, int64_t n,
                     TileAt at)
{
    GLoop lt, lb;
    LLVMValueRef t0 = g_mulk(g, g_loop_begin(g, &lt, g_i64(g, n), "t"), k->E);
    LLVMValueRef ob = g_loop_begin(g, &lb, g_i64(g, k->b->OB), "ob");
    tile(g, k, grp, oy, g_addk(g, t0, c0), ob, LLVMBuildMul(B, oy, k->OW, ""), at);
    g_loop_end(g, &lb);
    g_loop_end(g, &lt);
}

/* The columns [c0, c0 + cols) of one row in the fewest tiles of at most E columns, of
 * sizes that differ by at most one (32 columns at E = 6: 2 x 6 + 4 x 5), so that no
 * column is computed twice: each size is its own copy of the tile's code. (Tiles of E
 * with the last moved back to overlap the one before cost W2A2 up to 14%: 7 columns in
 * two tiles of 4, 32 in six of 6.) */
static void row_tiles(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy, int64_t c0, int64_t cols,
                      TileAt at)
{
    if (cols <= 0)
        return;
    int64_t nt = (cols + k->E - 1) / k->E, base = cols / nt, wide = cols % nt;
    Kern kw = *k, kn = *k;
    kw.E = (int)base + 1;
    kn.E = (int)base;
    if (wide)
        tile_run(g, &kw, grp, oy, c0, wide, at);
    tile_run(g, &kn, grp, oy, c0 + wide * kw.E, nt - wide, at);
}

/* A convolution's row: uniform tiles tested per tile, or (split) its border columns one
 * per tile and the rest in interior tiles. */
static void conv_row(G *g, Kern *k, LLVMValueRef grp, LLVMValueRef oy)
{
    int64_t ow = LLVMConstIntGetSExtValue(k->OW), lo, hi;
    if (!k->split) {
        row_tiles(g, k, grp, oy, 0, ow, TILE_EDGE);
        return;
    }
    inner_cols(k->b, ow, &lo, &hi);
    Kern k1 = *k;
    k1.E = 1;
    row_tiles(g, &k1, grp, oy, 0, lo, TILE_BORDER);
    row_tiles(g, k, grp, oy, lo, hi - lo, TILE_INSIDE);
    row_tiles(g, &k1, grp, oy, hi, ow - hi, TILE_BORDER);
}

/* The tile accumulators: stack slots of the function being generated. */
static void kern_vars(G *g, Kern *k)
{
    for (int i = 0; i < k->P * MAXE; i++) {
        k->acc[i] = g_var(g, k->v8, NULL);
        k->pa[i] = g_var(g, k->v8, NULL);
        k->acc8[i] = k->bytes ? g_var(g, k->v64b, NULL) : NULL;
        k->pa8[i] = k->bytes ? g_var(g, k->v64b, NULL) : NULL;
    }
    for (int e = 0; e < MAXE; e++)
        k->ntap[e] = g_var(g, g->i64, NULL);
    for (int i = 0; i < IR_MAX_BITS * MAXE; i++)
        k->xn[i] = k->xc ? g_var(g, g->i64, NULL) : NULL;
}

/* Every tile (group, output row, column tile, 8-channel block; dense: one row of the
 * block's examples) in an outlined function that hbrt_par runs on ranges of output rows
 * (conv) or of 8-channel blocks (dense): split across the threads when they are idle
 * (batch < threads), with no division per tile. */
static void kernel(G *g, Kern *k, int64_t OH, const char *sfx)
{
    const BGeo *b = k->b;
    LLVMTypeRef fields[] = {g->ptr, g->ptr, g->ptr, g->i64, g->ptr, g->ptr};
    LLVMTypeRef st = LLVMStructTypeInContext(g->C, fields, 6, 0);
    LLVMValueRef args = g_var(g, st, NULL);
    LLVMValueRef null = LLVMConstNull(g->ptr);
    LLVMValueRef vals[] = {k->xp, k->xm ? k->xm : null,     k->out,
                           k->OW, k->beta ? k->beta : null, k->xc ? k->xc : null};
    for (unsigned f = 0; f < 6; f++)
        LLVMBuildStore(B, vals[f], LLVMBuildStructGEP2(B, st, args, f, ""));
    // units split across threads: output rows (conv), or 8-channel blocks (dense)
    bool rows = LLVMIsConstant(k->W);
    int64_t NR = k->psh ? k->pH : OH; // units: output rows, or pooled rows of psh rows

    GFnSave sv;
    LLVMTypeRef ps[] = {g->ptr, g->i64, g->i64};
    LLVMTypeRef ft = LLVMFunctionType(g->vd, ps, 3, 0);
    LLVMValueRef fn =
            g_fn_push(g, &sv, arena_printf(&g->cx->arena, "bpop.%u%s", g->in->result, sfx), ft);
    Kern in = *k;
    LLVMValueRef a = LLVMGetParam(fn, 0), lo = LLVMGetParam(fn, 1);
    LLVMValueRef *dst[] = {&in.xp, &in.xm, &in.out, &in.OW, &in.beta, &in.xc};
    for (unsigned f = 0; f < 6; f++)
        *dst[f] = LLVMBuildLoad2(B, fields[f], LLVMBuildStructGEP2(B, st, a, f, ""), "");
    in.xm = k->xm ? in.xm : NULL;
    in.xc = k->xc ? in.xc : NULL;
    if (rows)
        in.OW = k->OW; // conv: constants
    else               // dense: the block's examples are the input's columns too
        in.W = in.OW;
    kern_vars(g, &in);
    GLoop li;
    LLVMValueRef cnt = LLVMBuildSub(B, LLVMGetParam(fn, 2), lo, "");
    LLVMValueRef i = g_add(g, lo, g_loop_begin(g, &li, cnt, "i"));
    LLVMValueRef oy = rows ? LLVMBuildURem(B, i, g_i64(g, NR), "") : g_i64(g, 0);
    LLVMValueRef grp = rows ? LLVMBuildUDiv(B, i, g_i64(g, NR), "") : g_i64(g, 0);
    GLoop lr;
    LLVMBasicBlockRef in_row = NULL, skip = NULL;
    if (k->psh) { // the pool's rows of this pooled row that exist (ceil mode: not all)
        oy = g_add(g, g_mulk(g, oy, k->psh), g_loop_begin(g, &lr, g_i64(g, k->psh), "pr"));
        in_row = LLVMAppendBasicBlockInContext(g->C, g->fn, "prow");
        skip = LLVMAppendBasicBlockInContext(g->C, g->fn, "prow.skip");
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntSLT, oy, g_i64(g, OH), ""), in_row, skip);
        LLVMPositionBuilderAtEnd(B, in_row);
    }
    if (rows)
        conv_row(g, &in, grp, oy);
    else { // dense: one row of nt tiles of the examples, tested for the partial last one
        GLoop lt;
        LLVMValueRef nt = LLVMBuildUDiv(B, g_addk(g, in.OW, k->E - 1), g_i64(g, k->E), "");
        LLVMValueRef t0 = g_mulk(g, g_loop_begin(g, &lt, nt, "t"), k->E);
        tile(g, &in, grp, oy, t0, i, g_i64(g, 0), TILE_TEST);
        g_loop_end(g, &lt);
    }
    if (k->psh) {
        LLVMBuildBr(B, skip);
        LLVMPositionBuilderAtEnd(B, skip);
        g_loop_end(g, &lr);
    }
    g_loop_end(g, &li);
    LLVMBuildRetVoid(B);
    g_fn_pop(g, &sv);

    // the layer's word pairs (dense: per example of a full block) for the split's grain
    double words = (double)(b->G * b->og * OH * (rows ? b->OW : g->nbmax) * b->T * b->CW * k->P);
    g_par(g, fn, args, rows ? b->G * NR : b->OB, words / g_words_per_cycle(g));
}

/* Columns per tile: as many as the tier's registers hold accumulators for (all plane
 * pairs, and the activation-mask popcounts counted in the word loop: `loop_pa`), spread
 * evenly over `cols`. A per-width kernel on a masked input (pwm) keeps 4 registers
 * fewer with VPOPCNTDQ: at 24 LLVM spilled its XOR results (cifar_vgg 1.4/1.4 channel,
 * 6 alternations at load 6: best 1262 against 1300 us per image). */
static int tile_cols(const Kern *k, int loop_pa, int64_t cols)
{
    static const int budget[] = {
            [TIER_SCALAR] = 2, [TIER_AVX2] = 4, [TIER_AVX512BW] = 12, [TIER_VPOPCNT] = 24};
    int per = k->P + loop_pa;
    int emax = (budget[k->tier] - (k->pwm && k->tier == TIER_VPOPCNT ? 4 : 0)) / per;
    emax = emax < 1 ? 1 : emax > MAXE ? MAXE : emax;
    int64_t nt = (cols + emax - 1) / emax;
    return (int)((cols + nt - 1) / nt);
}

/* wid[r] = the width of weight row r (`per` elements) when every row has one (a `group
 * channel` layer: each row's masks are full or empty); false if some row has not. */
bool bpop_row_widths(const IrConst *c, int64_t per, int *wid)
{
    int64_t rows = c->type.d[0];
    for (int64_t r = 0; r < rows; r++) {
        wid[r] = 0;
        for (int m = 0; m < c->type.bits; m++) {
            const uint64_t *mk = c->masks + ((uint64_t)m * (uint64_t)rows + (uint64_t)r) * c->wpr;
            int64_t n = 0;
            for (uint64_t j = 0; j < c->wpr; j++)
                n += __builtin_popcountll(mk[j]);
            if (n != 0 && n != per)
                return false;
            wid[r] += n == per;
        }
    }
    return true;
}

/* The channels' widths of a `group channel` layer with one convolution group, else
 * NULL. */
static int *channel_widths(G *g, const IrConst *c, const BGeo *b)
{
    if (!c->masks || b->G != 1)
        return NULL;
    int *wid = arena_alloc(&g->cx->arena, (size_t)c->type.d[0] * sizeof *wid);
    return bpop_row_widths(c, b->cg * b->T, wid) ? wid : NULL;
}

static void kern_init(G *g, Kern *k, BGeo *b, uint64_t xwords, bool packed, bool epi)
{
    const IrType *xt = g_argt(g, 0);
    const IrConst *c = g_argc(g, 1);
    b->T = b->kh * b->kw;
    b->CW = (b->cg + 63) / 64;
    b->OB = (b->og + LANES - 1) / LANES;
    b->kw_planes = c->type.bits;
    b->kx = xt->bits;
    *k = (Kern){.b = b,
                .tier = g->tier,
                .v8 = LLVMVectorType(g->i64, LANES),
                .v64b = LLVMVectorType(g->i8, 64),
                .nomask = !xt->masked && !c->masks,
                .P = b->kw_planes * b->kx,
                .bytes = g->tier == TIER_AVX2 || g->tier == TIER_AVX512BW};
    k->wid = channel_widths(g, c, b);
    k->half = k->nomask && b->cg % 2 == 0 ? b->cg / 2 : 0;
    bool whole = !epi; // the kernels write every pair sum (group channel: zeros too)
    for (int64_t o = 0; k->wid && o < c->type.d[0]; o++)
        whole &= k->wid[o] > 0; // (a channel of no width is in no kernel)
    if (whole && k->wid && g_plan_output(g, g->in->result) != UINT32_MAX)
        k->zpairs = (int)g_outt(g)->d[0];
    else if (k->wid && !epi) // the pair sums its kernels do not write must stay 0
        g_plan_exclusive(g, g->in->result);
    if (whole) // in place when an output (g_alloc_output)
        g_alloc_output(g, g_out(g), g_outt(g));
    else if (!epi) // else the tile epilogue writes the next layer's words, not the pair sums
        g_alloc_value(g, g_out(g), g_outt(g));
    k->flush = b->T * b->CW <= 31 ? 0 : b->CW <= 31 ? 1 : 2;
    if (packed) { // packed by its producer (g_plan_packed): a conv's zero column follows
        k->xp = g_arg(g, 0)->p;
        k->zcol = (int64_t)xwords;
        if (xwords)
            g_memset0(g, g_gep(g, g->i64, k->xp, g_i64(g, k->zcol)), (uint64_t)(8 * b->kx * b->CW));
        return;
    }
    // the input words and one zero column (read by columns outside the input)
    k->zcol = (int64_t)xwords;
    uint64_t bytes = 8 * (xwords + (uint64_t)(b->kx * b->CW));
    k->xp = g_alloc(g, bytes);
    k->xm = xt->masked ? g_alloc(g, bytes) : NULL;
    LLVMValueRef zp = g_gep(g, g->i64, k->xp, g_i64(g, k->zcol));
    g_memset0(g, zp, (uint64_t)(8 * b->kx * b->CW));
    if (k->xm)
        g_memset0(g, g_gep(g, g->i64, k->xm, g_i64(g, k->zcol)), (uint64_t)(8 * b->kx * b->CW));
}

/* A `group channel` layer's channels with a width, widest first (rows[0..n), n
 * returned), in 8-channel blocks that each run at the width of their first (widest)
 * channel, so the narrower channels fill the partial blocks: the blocks of width w are
 * channels [ends[w + 1], ends[w]) (ends[IR_MAX_BITS + 2], zeroed by the caller). */
int64_t bpop_width_blocks(const int *wid, int64_t O, int bits, int64_t *rows, int64_t *ends)
{
    int64_t n = 0, s = 0;
    for (int w = bits; w >= 1; w--)
        for (int64_t o = 0; o < O; o++)
            if (wid[o] == w)
                rows[n++] = o;
    for (int w = bits; w >= 1; w--) {
        while (s < n && wid[rows[s]] == w)
            s += LANES;
        ends[w] = s < n ? s : n;
    }
    return n;
}

/* Columns per tile, and whether a convolution's rows (inner >= 0: its interior columns)
 * split into one-column border tiles and interior tiles: when a tile has more than one
 * plane pair and a tap is one word, so that the per-tap border fix of P x E accumulators
 * (it made W2A2 on 64 channels spill) stays out of the interior tiles. Otherwise
 * uniform tiles over the whole row are fewer (7- or 14-pixel rows) and their border fix
 * is amortized over the tap's words (measured: 512 x 7 x 7 70/20/10e and W3A3 were
 * 1.7x and 1.2x slower split). */
static void tile_plan(Kern *k, int loop_pa, int64_t cols, int64_t inner)
{
    k->split = inner >= 0 && k->P > 1 && k->b->CW == 1;
    k->E = tile_cols(k, loop_pa, k->split ? (inner > 0 ? inner : 1) : cols);
}

/* A masked input's pa_from per pair (see PaFrom; every activation has width >= 1, so
 * activation mask 0 is all valid): the pairs whose popcount(A) the word loop counts
 * (13 of 9 + 9 for 3 x 3 planes of element-masked weights). */
static int pa_plan(Kern *k)
{
    int loop = 0, kx = k->b->kx;
    for (int m = 0; m < k->b->kw_planes; m++)
        for (int n = 0; n < kx; n++) {
            PaFrom f = k->w.full[m] ? PA_XCNT : n == 0 ? PA_WTAB : PA_LOOP;
            k->pa_from[m * kx + n] = (unsigned char)f;
            loop += f == PA_LOOP;
        }
    return loop;
}

/* xc[((grp OH + oy) OW + ox) Kx + n] = the count of the masked input's elements of
 * width > n in the window of output (oy, ox) of group grp (dense: column ox's, its
 * example's), the popcount(A) of PA_XCNT pairs: per input pixel the popcounts of its
 * mask words (the zero column's are 0), then (conv) their sum over the taps, once per
 * layer rather than per tap in every tile (gathers there cost a third of a kernel). */
static void count_masks(G *g, Kern *k, bool conv)
{
    const BGeo *b = k->b;
    int64_t CW = b->CW, kx = b->kx, rows = k->zcol / CW + kx, zrow = k->zcol / CW;
    LLVMValueRef pc = g_alloc(g, (uint64_t)(8 * rows));
    GLoop lr, lw;
    LLVMValueRef r = g_loop_begin(g, &lr, g_i64(g, rows), "xr");
    LLVMValueRef n = g_var(g, g->i64, g_i64(g, 0));
    LLVMValueRef w = g_loop_begin(g, &lw, g_i64(g, CW), "xw");
    LLVMValueRef v = g_load(g, g->i64, k->xm, g_add(g, g_mulk(g, r, CW), w));
    v = g_call(g, "llvm.ctpop.i64", g->i64, &g->i64, 1, &v);
    LLVMBuildStore(B, g_add(g, ld(g, g->i64, n), v), n);
    g_loop_end(g, &lw);
    g_store(g, g->i64, pc, r, ld(g, g->i64, n));
    g_loop_end(g, &lr);
    if (!conv) {
        k->xc = pc;
        return;
    }
    k->xc = g_alloc(g, (uint64_t)(8 * b->G * b->OH * b->OW * kx));
    GLoop lo, lt;
    LLVMValueRef o = g_loop_begin(g, &lo, g_i64(g, b->G * b->OH * b->OW), "xo");
    LLVMValueRef grp = LLVMBuildUDiv(B, o, g_i64(g, b->OH * b->OW), "");
    LLVMValueRef oy =
            LLVMBuildURem(B, LLVMBuildUDiv(B, o, g_i64(g, b->OW), ""), g_i64(g, b->OH), "");
    LLVMValueRef ox = LLVMBuildURem(B, o, g_i64(g, b->OW), "");
    LLVMValueRef sum[IR_MAX_BITS];
    for (int j = 0; j < kx; j++)
        sum[j] = g_var(g, g->i64, g_i64(g, 0));
    LLVMValueRef t = g_loop_begin(g, &lt, g_i64(g, b->T), "xt");
    LLVMValueRef ky = LLVMBuildUDiv(B, t, g_i64(g, b->kw), ""),
                 kq = LLVMBuildURem(B, t, g_i64(g, b->kw), "");
    LLVMValueRef iy = g_add(g, g_addk(g, g_mulk(g, oy, b->sh), -b->pt), g_mulk(g, ky, b->dh));
    LLVMValueRef ix = g_add(g, g_addk(g, g_mulk(g, ox, b->sw), -b->pl), g_mulk(g, kq, b->dw));
    LLVMValueRef in =
            LLVMBuildAnd(B, inside(g, iy, g_i64(g, b->H)), inside(g, ix, g_i64(g, b->W)), "");
    LLVMValueRef pix = g_add(g, g_mulk(g, g_add(g, g_mulk(g, grp, b->H), iy), b->W), ix);
    LLVMValueRef row = LLVMBuildSelect(B, in, g_mulk(g, pix, kx), g_i64(g, zrow), "");
    for (int j = 0; j < kx; j++)
        LLVMBuildStore(B, g_add(g, ld(g, g->i64, sum[j]), g_load(g, g->i64, pc, g_addk(g, row, j))),
                       sum[j]);
    g_loop_end(g, &lt);
    for (int j = 0; j < kx; j++)
        g_store(g, g->i64, k->xc, g_addk(g, g_mulk(g, o, kx), j), ld(g, g->i64, sum[j]));
    g_loop_end(g, &lo);
}

/* A `group channel` convolution writing a network output in place (zpairs): the pairs
 * a channel lacks are fixed, each (pair, channel) OH x OW contiguous sums, so every run
 * of channels lacking pair p is zeroed by one memset per example (a table of element
 * offsets and counts) instead of scalar stores in the tiles, which then store only
 * their channels' own planes. */
static void zero_missing(G *g, const Kern *k, const int *wid, int64_t O)
{
    int64_t kx = k->b->kx, n = 0;
    uint64_t *t = calloc((size_t)(2 * O * k->zpairs + 2), 8);
    HB_CHECK(t, "out of memory");
    for (int64_t p = kx; p < k->zpairs; p++)
        for (int64_t o = 0, o1; o < O; o = o1) {
            for (o1 = o; o1 < O && wid[o1] * kx <= p; o1++)
                ;
            if (o1 == o) { // channel o has pair p
                o1++;
                continue;
            }
            t[2 * n] = (uint64_t)(p * k->ps + o * k->os);
            t[2 * n++ + 1] = (uint64_t)((o1 - o) * k->os);
        }
    LLVMValueRef tab =
            g_words(g, arena_printf(&g->cx->arena, "kz.%u", g->in->result), t, (uint64_t)(2 * n));
    free(t);
    GLoop l;
    LLVMValueRef i = g_mulk(g, g_loop_begin(g, &l, g_i64(g, n), "z"), 2);
    LLVMValueRef at = g_gep(g, g->i32, k->out, g_load(g, g->i64, tab, i));
    LLVMValueRef cnt = g_load(g, g->i64, tab, g_addk(g, i, 1));
    LLVMBuildMemSet(B, at, LLVMConstInt(g->i8, 0, 0), g_mulk(g, cnt, 4), 4);
    g_loop_end(g, &l);
}

/* A `group channel` dense layer writing a network output in place (zpairs): every
 * channel has the pairs of plane 0, so pairs kx .. zpairs - 1 of each example (one
 * contiguous run) are zeroed first, and the kernels store only their channels' own
 * planes (the 1-plane kernel had two scalar zero stores per lane and column). */
static void zero_dense(G *g, const Kern *k)
{
    int64_t kx = k->b->kx;
    if (k->zpairs <= kx)
        return;
    GLoop l;
    LLVMValueRef e = g_loop_begin(g, &l, k->W, "z");
    LLVMValueRef at = g_gep(g, g->i32, k->out, g_addk(g, g_mulk(g, e, k->ocol), kx * k->ps));
    LLVMBuildMemSet(B, at, LLVMConstInt(g->i8, 0, 0), g_i64(g, (k->zpairs - kx) * k->ps * 4), 4);
    g_loop_end(g, &l);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Generate the layer's kernel; a `group channel` layer gets one kernel per block width
 * (1, 2, 3 ... planes) over the same packed input, each writing its channels' pair sums
 * in place or their float combine (cpu.md §4: no weight mask, no planes a block lacks;
 * a narrower channel in a wider block stores only its own planes' pairs). On a masked
 * input each pair is one popcount, its popcount(A) the per-pixel counts (pwm). */
static void kern_run(G *g, Kern *k, int64_t OH, int64_t cols, int64_t inner)
{
    const IrConst *c = g_argc(g, 1);
    int *wid = k->wid;
    if (!wid) {
        k->w = repack(g, c, k->b, !k->nomask, k->half);
        int loop_pa = k->xm ? pa_plan(k) : 0;
        if (k->xm && loop_pa < k->P)
            count_masks(g, k, inner >= 0);
        tile_plan(k, loop_pa, cols, inner);
        // a masked input's kernel is named for its vector popcounts per word and column
        kernel(g, k, OH, k->xm ? arena_printf(&g->cx->arena, ".p%d", k->P + loop_pa) : "");
        return;
    }
    int64_t O = c->type.d[0], ends[IR_MAX_BITS + 2] = {0};
    if (k->zpairs) {
        if (g->in->op == IR_OP_BPOP_CONV2D)
            zero_missing(g, k, wid, O);
        else
            zero_dense(g, k);
        k->zpairs = 0;
    }
    int64_t *rows = arena_alloc(&g->cx->arena, (size_t)O * sizeof *rows);
    int64_t nr = bpop_width_blocks(wid, O, k->b->kw_planes, rows, ends);
    for (int64_t i = 0; i < nr; i += LANES) // each block's lanes in channel order (segments)
        qsort(rows + i, (size_t)(nr - i < LANES ? nr - i : LANES), sizeof *rows, cmp_i64);
    if (k->xm) { // a masked input: popcount(A) of every pair from the per-pixel counts
        memset(k->pa_from, PA_XCNT, sizeof k->pa_from);
        count_masks(g, k, inner >= 0);
    }
    uint64_t *chan = calloc((size_t)(O + LANES), 8), *np = calloc((size_t)(O + LANES), 8);
    HB_CHECK(chan && np, "out of memory");
    for (int w = k->b->kw_planes; w >= 1; w--) {
        int64_t b0 = ends[w + 1], n = ends[w] - b0;
        if (n == 0)
            continue;
        BGeo gb = *k->b;
        gb.og = gb.O = n;
        gb.OB = (n + LANES - 1) / LANES;
        gb.kw_planes = w;
        gb.rows = rows + b0;
        Kern gk = *k;
        gk.b = &gb;
        gk.nomask = !k->xm;
        gk.half = gk.nomask && gb.cg % 2 == 0 ? gb.cg / 2 : 0; // as kern_init's
        gk.pwm = k->xm != NULL;
        gk.P = w * gb.kx;
        gk.w = repack(g, c, &gb, false, gk.half);
        memset(chan, 0, (size_t)(O + LANES) * 8);
        memset(np, 0, (size_t)(O + LANES) * 8);
        bool mixed = false;
        for (int64_t i = 0; i < n; i++) {
            chan[i] = (uint64_t)rows[b0 + i];
            np[i] = (uint64_t)(wid[rows[b0 + i]] * gb.kx);
            mixed |= wid[rows[b0 + i]] != w;
        }
        Arena *a = &g->cx->arena;
        uint64_t nw = (uint64_t)(gb.OB * LANES);
        gk.chan = g_words(g, arena_printf(a, "kc.%s.w%d", c->name, w), chan, nw);
        gk.npair = mixed ? g_words(g, arena_printf(a, "kn.%s.w%d", c->name, w), np, nw) : NULL;
        const char *sfx = arena_printf(a, ".w%d", w);
        if (k->ef)
            bpop_epi_float_tables(g, &gk, k->edest, sfx);
        else if (k->ek)
            bpop_epi_tables(g, &gk, sfx);
        tile_plan(&gk, 0, cols, inner);
        // on a masked input named for its vector popcounts per word and column too
        kernel(g, &gk, OH, gk.pwm ? arena_printf(a, "%s.p%d", sfx, gk.P) : sfx);
    }
    free(chan);
    free(np);
}

/* A dense layer runs once per block of examples: the columns are the examples. */
/* The kernels' geometry of a window (a dense layer: ir_window_dense). */
static BGeo bgeo(const IrWindow *w)
{
    return (BGeo){.C = w->C,
                  .H = w->H,
                  .W = w->W,
                  .G = w->groups,
                  .cg = w->C / w->groups,
                  .og = w->O / w->groups,
                  .O = w->O,
                  .OH = w->OH,
                  .OW = w->OW,
                  .kh = w->kh,
                  .kw = w->kw,
                  .sh = w->sh,
                  .sw = w->sw,
                  .dh = w->dh,
                  .dw = w->dw,
                  .pt = w->pt,
                  .pl = w->pl};
}

void gen_bpop_dense(G *g)
{
    if (g->int8 && g->int8[g->in - g->m->insts.data]) { // llvm_int8.c
        gen_int8_bpop(g, g->int8[g->in - g->m->insts.data]);
        return;
    }
    const IrConst *c = g_argc(g, 1);
    int64_t O = c->type.d[0], N = c->type.d[1];
    IrWindow w = ir_window_dense(N, O);
    BGeo b = bgeo(&w);
    const IrType *xt = g_argt(g, 0);
    Kern k;
    int64_t colw = xt->bits * ((N + 63) / 64);
    bool packed = g_plan_packed(g, g->in->args[0].id) != 0; // its producer packed it
    uint32_t dest = g_plan_epilogue(g, g->in->result);      // fcomb [+ batchnorm] in the tile
    kern_init(g, &k, &b, packed ? 0 : (uint64_t)(g->nbmax * colw), packed, dest != UINT32_MAX);
    LLVMValueRef nb = g->ex ? g_i64(g, 1) : g->nb;
    if (!packed) {
        GLoop le;
        LLVMValueRef e = g_loop_begin(g, &le, nb, "pe");
        GVal x = g->ex ? *g_arg(g, 0) : g_at(g, g->in->args[0].id, e);
        LLVMValueRef off = g_mulk(g, e, colw);
        bpop_pack_input(g, &b, &x, xt, g_gep(g, g->i64, k.xp, off),
                        k.xm ? g_gep(g, g->i64, k.xm, off) : NULL);
        g_loop_end(g, &le);
    }
    k.W = k.OW = nb;
    k.os = 1;
    k.ps = O;
    if (dest != UINT32_MAX) { // the floats of example e at e O
        bpop_epi_float_setup(g, &k, dest);
        k.ocol = O;
    } else {
        k.out = g_out(g)->p;
        k.ocol = (int64_t)g->base[g->in->result].sp / 4;
    }
    kern_run(g, &k, 1, g->nbmax, -1);
}

void gen_bpop_conv2d(G *g)
{
    if (g->int8 && g->int8[g->in - g->m->insts.data]) { // llvm_int8.c
        gen_int8_bpop(g, g->int8[g->in - g->m->insts.data]);
        return;
    }
    IrWindow w = ir_window(g->m, g->in);
    if (g->dws && g->dws[g->in - g->m->insts.data]) { // bit-sliced depthwise (llvm_dwbits.c)
        gen_dws(g, &w);
        return;
    }
    const IrType *xt = g_argt(g, 0);
    int r = dw_pair_bits(&w, xt->bits);
    if (r) { // depthwise: pixels in lanes, the planes as digits (llvm_dw.c)
        gen_dw_pairs(g, &w, r);
        return;
    }
    BGeo b = bgeo(&w);
    Kern k;
    int64_t CW = (b.cg + 63) / 64;
    bool packed = g_plan_packed(g, g->in->args[0].id) != 0; // by its producer's epilogue
    uint32_t dest = g_plan_epilogue(g, g->in->result);
    kern_init(g, &k, &b, (uint64_t)(b.G * b.H * b.W * xt->bits * CW), packed, dest != UINT32_MAX);
    if (!packed)
        bpop_pack_image(g, &b, g_arg(g, 0), xt, k.xp, k.xm, false);
    k.W = g_i64(g, b.W);
    k.OW = g_i64(g, b.OW);
    const IrValue *dv = dest != UINT32_MAX ? &g->m->values.data[dest] : NULL;
    if (dv && dv->type.enc != IR_BITS && g->m->insts.data[dv->def].op != IR_OP_DEQUANT)
        bpop_epi_float_setup(g, &k, dest);
    else if (dest != UINT32_MAX)
        bpop_epi_setup(g, &k, dest);
    else
        k.out = g_out(g)->p;
    k.ocol = 1;
    k.os = b.OH * b.OW;
    k.ps = b.O * b.OH * b.OW;
    int64_t lo, hi; // split rows: tiles cover the interior columns
    inner_cols(&b, LLVMConstIntGetSExtValue(k.OW), &lo, &hi);
    kern_run(g, &k, b.OH, b.OW, hi - lo);
}

void bpop_pack_sign(G *g, LLVMValueRef x, LLVMValueRef out, const IrType *t)
{
    BGeo b = {.C = t->d[0], .H = t->d[1], .W = t->d[2], .G = 1, .cg = t->d[0], .kx = 1};
    b.CW = (b.C + 63) / 64;
    GVal xv = {.p = x};
    bpop_pack_image(g, &b, &xv, t, out, NULL, true);
}
