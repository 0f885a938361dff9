// SPDX-License-Identifier: MIT
/* vl_estimate.c: the analytic area model --report area prints next to yosys's counts
 * (users ask for an estimate without synthesis: hls4ml #163). Per output position of a
 * matrix-vector unit: a popcount per present (weight plane, activation plane) pair, an
 * adder per further pair, a comparator per threshold node; per stage one register
 * slice. Calibrated on synth_ice40 (docs/fpga.md); in iCE40 LUT4 units. */
#include <math.h>

#include "vl_report.h"

const char vl_estimate_formula[] =
        "per output position: LUT4 = sum over present (weight plane, activation plane) pairs "
        "of n(6 + log2 n)/6 (the popcount of the pair's n present elements; 2n at n = 64) "
        "+ w/2 per further pair (its adder) + ceil(w/3) per live threshold node (w = the "
        "accumulator's bits, log2(bound) + 2); FF = the registered output bits (K per "
        "position for K-bit activations, w for an accumulator, log2(n) + 2 per pair sum) + 1; "
        "max-pool: ceil((k - 1)/3) LUT4 per output (a k-input OR); BRAM 0 (unrolled "
        "weights are constants). Folded units (fold pe= simd=): 0.93 LUT4 per input-slice bit "
        "and fold, per PE and pair a popcount of SIMD terms, then 2 cw per pair (counter, "
        "shift) and w per coefficient table and adder (count-then-combine) or the per-cycle "
        "products (log2(SIMD) w) and accumulators, w per threshold node and for the "
        "negation, 40 for control; ROMs of 32 words or more in block RAM (the best "
        "SB_RAM40_4K shape), smaller ones as LUTs";

static int bits_for(uint64_t v)
{
    int b = 0;
    while (b < 64 && (v >> b))
        b++;
    return b;
}

uint64_t vl_present(const IrConst *w, int m, uint64_t r)
{
    uint64_t rows = (uint64_t)w->type.d[0], per = ir_type_elems(&w->type) / rows, n = 0;
    if (!w->type.masked)
        return m < w->type.bits ? per : 0;
    for (uint64_t k = 0; k < w->wpr; k++)
        n += (uint64_t)__builtin_popcountll(w->masks[((uint64_t)m * rows + r) * w->wpr + k]);
    return n;
}

static double popcount_luts(uint64_t n)
{
    return n < 2 ? (double)n : (double)n * (6.0 + log2((double)n)) / 6.0;
}

static VlCells mvu(const VlPlan *p, const VlStage *s)
{
    const IrModule *m = p->m;
    const IrConst *w = &m->consts.data[s->pop->args[1].id];
    const IrType *st = &m->values.data[s->pop->result].type;
    uint64_t O = (uint64_t)st->d[1], per_o = ir_type_elems(st) / (uint64_t)st->d[0] / O;
    if (s->stream) // vl_window.c: one window's unit (line buffer and control not modelled)
        per_o = 1;
    int kw = w->type.bits, kx = s->in.k, K = s->thr ? s->out.k : 0;
    int wa = s->comb ? bits_for((uint64_t)ir_icomb_bound(s->comb)) + 2 : 0;
    double lut = 0, ff = 1;
    for (uint64_t o = 0; o < O; o++) {
        double l = 0, f = 0;
        int live = 0;
        for (int mm = 0; mm < kw; mm++) {
            uint64_t n = vl_present(w, mm, o);
            if (!n)
                continue;
            live += kx;
            l += kx * popcount_luts(n);
            f += kx * (bits_for(n) + 1);
        }
        if (s->comb && live > 1)
            l += (live - 1) * wa / 2.0;
        if (s->thr)
            l += (double)((1 << K) - 1) * ((wa + 2) / 3);
        ff += per_o * (double)(s->thr ? K : s->comb ? wa : f);
        lut += per_o * l;
    }
    return (VlCells){.lut = lround(lut), .ff = lround(ff)};
}

/* Block RAMs for a depth x width ROM: the best of SB_RAM40_4K's 256x16 .. 2048x2. */
static long brams(uint64_t depth, uint64_t width)
{
    long best = 0;
    for (uint64_t d = 256, w = 16; w >= 2; d *= 2, w /= 2) {
        long n = (long)(((depth + d - 1) / d) * ((width + w - 1) / w));
        best = !best || n < best ? n : best;
    }
    return best;
}

/* A folded unit (vl_fold.c), fitted on digits_hw's fc2 at 1, 2 and 1.4 bits: the input
 * slice mux, per PE and pair a popcount of SIMD terms (+1 LUT4 per masked term), then
 * count-then-combine (counter, shift register, table and Horner adder) or the per-cycle
 * products and accumulators, the threshold compares, ~40 LUT4 of control; ROMs of 32
 * words or more in block RAM, smaller ones as LUTs. */
static VlCells folded(const VlPlan *p, const VlStage *s)
{
    VlFoldShape f = vl_fold_shape(p, s);
    double wa = f.wa, cw = f.cw, pw = bits_for(f.S), Q = f.Q, pe = 0;
    double lut = f.SF > 1 ? (double)(f.S * (uint64_t)f.kx * (f.SF - 1)) * 0.93 : 0;
    pe += Q * popcount_luts(f.S);
    if (f.hz) {
        int ng = (f.Q + 3) / 4, last = f.Q - 4 * (ng - 1);
        pe += 2 * Q * cw;                                                       // counters, shifts
        pe += f.rowcoef ? 2 * Q * wa : ng * wa + (last > 2 ? ng : ng - 1) * wa; // table, adds
    } else {
        double slots = f.thr || f.Q == 1 ? 1 : Q;
        pe += Q * (pw - 1) * wa + Q * wa + slots * wa; // products, sums, accumulators
    }
    if (f.thr)
        pe += wa + f.nodes * wa; // negation, compares
    lut += (double)f.P * pe + 40;
    lut += f.lrom ? (double)f.NW * (double)((f.NF + 15) / 16) : 0;
    lut += f.D < 32 ? (double)f.WW * (double)((f.D + 15) / 16) : 0;
    double ff = (double)(s->in.width + 2 * s->out.width) + 2.0 * bits_for(f.D) + 10;
    ff += (double)f.P * (f.hz ? 2 * Q * cw + wa : (f.thr ? 1 : Q) * wa);
    ff += (f.D < 32 ? (double)f.WW : 0) + (f.lrom ? (double)f.NW : 0); // else in the BRAM
    return (VlCells){.lut = lround(lut),
                     .ff = lround(ff),
                     .bram = (f.D >= 32 ? brams(f.D, f.WW) : 0) + (f.lrom ? 0 : brams(f.NF, f.NW))};
}

static VlCells pool(const VlPlan *p, const VlStage *s)
{
    IrWindow g = ir_window(p->m, s->pool);
    long k = (long)(g.kh * g.kw), outs = (long)(g.C * g.OH * g.OW);
    return (VlCells){.lut = outs * ((k + 1) / 3), .ff = (long)s->out.width + 1};
}

VlCells vl_estimate(const VlPlan *p, const VlStage *s)
{
    switch (s->kind) {
    case VL_MVU:
        return s->pe ? folded(p, s) : mvu(p, s);
    case VL_POOL:
        return pool(p, s);
    case VL_OUT:
        return vl_out_estimate(s);
    }
    return (VlCells){0};
}
