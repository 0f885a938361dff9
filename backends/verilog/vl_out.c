// SPDX-License-Identifier: MIT
/* vl_out.c: the output stage. A network whose last layer ends in a float combine
 * (fcomb: y = sum_p alpha_m beta_n S_p + b_o) [+ flatten] [+ argmax] gets that combine in
 * hardware when it is exact in integers: every alpha_m beta_n and b_o a multiple of one
 * power of two u = 2^-E and |y / u| < 2^24, so the interpreter's double sum and its f32
 * result are exactly u * acc. The stage then streams acc = sum_p w_p S_p + B_o (and the
 * argmax of acc: the same index as the interpreter's, ties to the lowest). Not exact and
 * no argmax: the stream keeps the pair sums for the host (vl_plan.c); not exact with an
 * argmax: refused, naming the layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "interp.h"
#include "vl_report.h"

typedef struct VlOut {
    const IrInst *fcomb, *argmax;
    uint64_t O, npos; // channels, output elements (O x positions)
    int P, kx, wa;    // pairs, activation planes, accumulator bits
    int E;            // y = acc * 2^-E
    int64_t *w;       // [rows][P] integer coefficients
    int64_t *b;       // [O] integer bias
    uint64_t rows;
} VlOut;

/* The exponent of the lowest set bit of v != 0 (v = odd * 2^k). */
static int low_exp(double v)
{
    int e;
    double m = frexp(fabs(v), &e); // v = m 2^e, m in [0.5, 1)
    uint64_t M = (uint64_t)ldexp(m, 53);
    return e - 53 + __builtin_ctzll(M);
}

/* The values' common power of two, the integer coefficients and bias, and the bound.
 * False (with *why) if not exact. */
static bool exact_form(HbCx *cx, const VlPlan *p, VlOut *o, const char **why)
{
    const IrModule *m = p->m;
    const IrInst *f = o->fcomb;
    const IrConst *al = &m->consts.data[f->args[2].id], *bias = &m->consts.data[f->args[3].id];
    const IrType *xt = ir_arg_type(m, f->args[1]);
    const IrConst *wc = &m->consts.data[p->stages.data[p->stages.len - 1].pop->args[1].id];
    int kw = o->P / o->kx;
    o->rows = (uint64_t)al->type.d[0];
    double *c = arena_calloc(&cx->arena, o->rows * (uint64_t)o->P + 1, sizeof *c);
    int lo = 1 << 20;
    for (uint64_t r = 0; r < o->rows; r++)
        for (int q = 0; q < o->P; q++) {
            double beta = xt->scale == IR_SC_STATIC
                                  ? (double)m->consts.data[xt->scale_const].f[q % o->kx]
                                  : 1.0;
            double v = (double)al->f[r * (uint64_t)kw + (uint64_t)(q / o->kx)] * beta;
            c[r * (uint64_t)o->P + (uint64_t)q] = v;
            if (v != 0 && low_exp(v) < lo)
                lo = low_exp(v);
        }
    for (uint64_t j = 0; j < o->O; j++)
        if (bias->f[j] != 0 && low_exp(bias->f[j]) < lo)
            lo = low_exp(bias->f[j]);
    o->E = lo == 1 << 20 ? 0 : -lo;
    o->w = arena_calloc(&cx->arena, o->rows * (uint64_t)o->P + 1, sizeof *o->w);
    o->b = arena_calloc(&cx->arena, o->O + 1, sizeof *o->b);
    double bound = 0, lim = 16777216.0; // 2^24: f32 holds u * acc exactly
    for (uint64_t ch = 0; ch < o->O; ch++) {
        uint64_t r = o->rows == 1 ? 0 : ch;
        double s = fabs(ldexp((double)bias->f[ch], o->E));
        for (int q = 0; q < o->P && s < lim; q++)
            s += fabs(ldexp(c[r * (uint64_t)o->P + (uint64_t)q], o->E)) *
                 (double)vl_present(wc, q / o->kx, ch);
        bound = s > bound ? s : bound;
    }
    if (bound >= lim || o->E > 149 || o->E < -100) {
        *why = arena_printf(&cx->arena,
                            "its weight scales x activation scales and bias are not small "
                            "multiples of one power of two (as integers they would reach %s%.3g, "
                            "2^24 is the most that stays exact)",
                            bound >= lim ? "beyond " : "", bound);
        return false;
    }
    for (uint64_t k = 0; k < o->rows * (uint64_t)o->P; k++)
        o->w[k] = (int64_t)ldexp(c[k], o->E);
    for (uint64_t j = 0; j < o->O; j++)
        o->b[j] = (int64_t)ldexp((double)bias->f[j], o->E);
    o->wa = 2;
    while ((double)(1ll << (o->wa - 1)) <= bound)
        o->wa++;
    return true;
}

/* The tail is fcomb [flatten...] [argmax] and the network's one output is its end? */
static bool simple_tail(const VlPlan *p, VlOut *o)
{
    const IrModule *m = p->m;
    if (!p->tail.len || p->tail.data[0]->op != IR_OP_FCOMB || m->outputs.len != 1)
        return false;
    o->fcomb = p->tail.data[0];
    for (uint32_t i = 1; i < p->tail.len; i++) {
        const IrInst *in = p->tail.data[i];
        if (in->op == IR_OP_ARGMAX && i + 1 == p->tail.len)
            o->argmax = in;
        else if (in->op != IR_OP_FLATTEN)
            return false;
    }
    return m->outputs.data[0] == p->tail.data[p->tail.len - 1]->result;
}

bool vl_out_plan(HbCx *cx, VlPlan *p)
{
    VlOut *o = arena_calloc(&cx->arena, 1, sizeof *o);
    if (!simple_tail(p, o))
        return true;
    const IrType *st = ir_arg_type(p->m, o->fcomb->args[0]);
    o->P = (int)st->d[0];
    o->O = (uint64_t)st->d[1];
    o->npos = ir_type_elems(st) / (uint64_t)o->P;
    o->kx = ir_arg_type(p->m, o->fcomb->args[1])->bits;
    const char *layer = vl_layer_name(cx, p->m, o->fcomb), *why = NULL;
    if (!exact_form(cx, p, o, &why)) {
        if (!o->argmax)
            return true; // the stream carries the pair sums; the host combines
        const char *msg = arena_printf(
                &cx->arena,
                "layer '%s' ends the network in argmax, but its float combine is not an "
                "exact integer accumulator: the hardware's argmax could differ from the "
                "interpreter's",
                layer);
        Diag *d = span_valid(o->fcomb->span) ? diag_error(cx, o->fcomb->span, "%s", msg)
                                             : diag_file_error(cx, "verilog", "%s", msg);
        diag_note(cx, d, "%s", why);
        diag_help(cx, d,
                  "remove the final `argmax`: the stream then carries the plane-pair sums of "
                  "'%s' and the host computes the combine and the argmax (see the manifest)",
                  layer);
        return false;
    }
    VlStage s = {.kind = VL_OUT, .layer = layer, .fin = o, .in = p->out};
    s.name = vl_ident(cx, arena_printf(&cx->arena, "%s_l%u_%s_out", p->name, p->stages.len, layer));
    uint64_t n = o->npos + (o->argmax ? 1 : 0);
    s.out = (VlWire){
            .value = p->tail.data[p->tail.len - 1]->result, .k = 32, .elems = n, .width = 32 * n};
    hb_vec_push(&cx->arena, &p->stages, s);
    p->out = s.out;
    p->tail.len = 0;
    p->out_note = arena_printf(
            &cx->arena,
            "elements 0..%llu are the integer accumulators acc of layer '%s' (its float "
            "output is exactly acc * 2^-%d, bias included)%s",
            (unsigned long long)o->npos - 1, layer, o->E,
            o->argmax ? arena_printf(&cx->arena,
                                     "; element %llu is the argmax (the lowest index of the "
                                     "maximum)",
                                     (unsigned long long)o->npos)
                      : "");
    return true;
}

static unsigned long long modw(int64_t v, int w)
{
    return (unsigned long long)((uint64_t)v & ((1ull << w) - 1));
}

/* acc of element e (channel e / per): the bias plus the pair sums' low wa bits times
 * their coefficients, modulo 2^wa (exact: |acc| < 2^(wa-1)). */
static void write_acc(FILE *f, const VlOut *o, const IrConst *wc, uint64_t e)
{
    uint64_t per = o->npos / o->O, ch = e / per, r = o->rows == 1 ? 0 : ch;
    fprintf(f, "    wire [%d:0] acc%llu = %d'd%llu", o->wa - 1, (unsigned long long)e, o->wa,
            modw(o->b[ch], o->wa));
    for (int q = 0; q < o->P; q++) {
        int64_t w = o->w[r * (uint64_t)o->P + (uint64_t)q];
        if (w == 0 || !vl_present(wc, q / o->kx, ch))
            continue;
        fprintf(f, "\n        + %d'd%llu * x[%llu +: %d]", o->wa, modw(w, o->wa),
                32 * ((unsigned long long)q * o->npos + e), o->wa);
    }
    fprintf(f, ";\n    assign y[%llu +: 32] = {{%d{acc%llu[%d]}}, acc%llu};\n",
            32 * (unsigned long long)e, 32 - o->wa, (unsigned long long)e, o->wa - 1,
            (unsigned long long)e);
}

/* The argmax of acc[lo, hi) as a tree: wires mv_lo_hi (value) and mi_lo_hi (index); the
 * right half wins only if strictly larger, so ties go to the lowest index. */
static void write_argmax(FILE *f, const VlOut *o, uint64_t lo, uint64_t hi, bool root)
{
    unsigned long long l = lo, h = hi;
    if (hi - lo == 1) {
        if (!root)
            fprintf(f, "    wire [%d:0] mv_%llu_%llu = acc%llu;\n", o->wa - 1, l, h, l);
        fprintf(f, "    wire [31:0] mi_%llu_%llu = 32'd%llu;\n", l, h, l);
        return;
    }
    unsigned long long mid = lo + (hi - lo) / 2;
    write_argmax(f, o, lo, mid, false);
    write_argmax(f, o, mid, hi, false);
    fprintf(f, "    wire gt_%llu_%llu = $signed(mv_%llu_%llu) > $signed(mv_%llu_%llu);\n", l, h,
            mid, h, l, mid);
    if (!root) // the root's value is not needed, only its index
        fprintf(f, "    wire [%d:0] mv_%llu_%llu = gt_%llu_%llu ? mv_%llu_%llu : mv_%llu_%llu;\n",
                o->wa - 1, l, h, l, h, mid, h, l, mid);
    fprintf(f, "    wire [31:0] mi_%llu_%llu = gt_%llu_%llu ? mi_%llu_%llu : mi_%llu_%llu;\n", l, h,
            l, h, mid, h, l, mid);
}

void vl_write_out(FILE *f, const VlPlan *p, const VlStage *s)
{
    const VlOut *o = s->fin;
    const IrConst *wc = &p->m->consts.data[p->stages.data[p->stages.len - 2].pop->args[1].id];
    unsigned long long iw = s->in.width, ow = s->out.width;
    fprintf(f,
            "`timescale 1ns / 1ps\n// %s: the output stage of layer '%s' of network '%s' "
            "(hbnnc --target verilog; generated).\n// acc = integer combine of the pair sums + "
            "bias (the float output is acc * 2^-%d)%s; 1 cycle.\n",
            s->name, s->layer, p->m->name, o->E, o->argmax ? ", then the argmax" : "");
    fprintf(f,
            "module %s (\n    input wire aclk,\n    input wire aresetn,\n"
            "    /* verilator lint_off UNUSEDSIGNAL */\n    input wire [%llu:0] s_tdata,\n"
            "    /* verilator lint_on UNUSEDSIGNAL */\n    input wire s_tvalid,\n"
            "    output wire s_tready,\n    output reg [%llu:0] m_tdata,\n"
            "    output reg m_tvalid,\n    input wire m_tready\n);\n",
            s->name, iw - 1, ow - 1);
    fprintf(f,
            "    /* verilator lint_off UNUSEDSIGNAL */\n    wire [%llu:0] x = s_tdata;\n"
            "    /* verilator lint_on UNUSEDSIGNAL */\n    wire [%llu:0] y;\n",
            iw - 1, ow - 1);
    for (uint64_t e = 0; e < o->npos; e++)
        write_acc(f, o, wc, e);
    if (o->argmax) {
        write_argmax(f, o, 0, o->npos, true);
        fprintf(f, "    assign y[%llu +: 32] = mi_0_%llu;\n", 32 * (unsigned long long)o->npos,
                (unsigned long long)o->npos);
    }
    // the same register slice as every layer (vl_layer.c)
    fprintf(f, "    assign s_tready = !m_tvalid || m_tready;\n"
               "    always @(posedge aclk) begin\n"
               "        if (!aresetn)\n            m_tvalid <= 1'b0;\n"
               "        else if (s_tready)\n            m_tvalid <= s_tvalid;\n"
               "        if (s_tready && s_tvalid)\n            m_tdata <= y;\n"
               "    end\nendmodule\n");
}

void vl_out_hex(FILE *f, const VlPlan *p, const Interp *it)
{
    const VlOut *o = p->stages.data[p->stages.len - 1].fin;
    const float *y = it->v[o->fcomb->result].f;
    if (o->argmax)
        fprintf(f, "%08x", (unsigned)it->v[o->argmax->result].i[0]);
    for (uint64_t e = o->npos; e-- > 0;) {
        double a = ldexp((double)y[e], o->E);
        HB_CHECK(a == floor(a) && fabs(a) < 16777216.0,
                 "output %llu (%g) is not the integer accumulator times 2^-%d",
                 (unsigned long long)e, (double)y[e], o->E);
        fprintf(f, "%08x", (unsigned)(int32_t)a);
    }
    fputc('\n', f);
}

VlCells vl_out_estimate(const VlStage *s)
{
    const VlOut *o = s->fin;
    long nz = 0; // nonzero coefficients: one w-bit adder each per element
    for (uint64_t k = 0; k < o->rows * (uint64_t)o->P; k++)
        nz += o->w[k] != 0;
    long lut = (nz / (long)o->rows) * (long)o->npos * o->wa +
               (o->argmax ? (long)(o->npos - 1) * o->wa : 0); // a compare-select per node
    return (VlCells){.lut = lut, .ff = (long)o->npos * o->wa + (o->argmax ? 6 : 0) + 1};
}
