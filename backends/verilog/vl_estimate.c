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
        "weights are constants)";

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
        return mvu(p, s);
    case VL_POOL:
        return pool(p, s);
    case VL_OUT:
        return vl_out_estimate(s);
    }
    return (VlCells){0};
}
