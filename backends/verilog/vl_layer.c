// SPDX-License-Identifier: MIT
/* vl_layer.c: one Verilog-2005 module per hardware stage. A matrix-vector unit is fully
 * unrolled: per output position and present (weight plane, activation plane) pair, the
 * xnor terms of the present elements only (masked pairs are not emitted: that is where
 * heterogeneous bits save area), a popcount, the IR's integer coefficients (icomb) and
 * the IR's integer threshold tree; bit max-pool is an OR. Each stage ends in one
 * AXI4-Stream register slice (valid never waits on ready, data held under stall). */
#include <stdlib.h>
#include <string.h>

#include "vl_internal.h"

bool vl_cbit(const IrConst *w, bool mask, int m, uint64_t r, uint64_t j)
{
    if (mask && !w->type.masked)
        return m < w->type.bits;
    const uint64_t *a = mask ? w->masks : w->planes;
    uint64_t rows = (uint64_t)w->type.d[0];
    return (a[((uint64_t)m * rows + r) * w->wpr + j / 64] >> (j % 64)) & 1;
}

int vl_bits_for(uint64_t v) // bits to write v unsigned (0 for 0)
{
    int b = 0;
    while (v >> b)
        b++;
    return b;
}

/* The taps of one output position: (weight element j, input element e) pairs. */
typedef struct Tap {
    uint64_t j, e;
} Tap;

static uint64_t taps_of(const VlPlan *p, const VlStage *s, uint64_t o, uint64_t oy, uint64_t ox,
                        Tap *t)
{
    const IrConst *w = &p->m->consts.data[s->pop->args[1].id];
    if (s->pop->op == IR_OP_BPOP_DENSE) {
        uint64_t n = (uint64_t)w->type.d[1];
        for (uint64_t j = 0; j < n; j++)
            t[j] = (Tap){j, j};
        return n;
    }
    IrWindow g = ir_window(p->m, s->pop);
    int64_t cg = g.C / g.groups, og = g.O / g.groups, n = 0;
    for (int64_t ci = 0; ci < cg; ci++)
        for (int64_t ky = 0; ky < g.kh; ky++)
            for (int64_t kx = 0; kx < g.kw; kx++) {
                int64_t iy, ix, c = ((int64_t)o / og) * cg + ci;
                if (ir_window_tap(&g, (int64_t)oy, (int64_t)ox, ky, kx, &iy, &ix))
                    t[n++] = (Tap){(uint64_t)((ci * g.kh + ky) * g.kw + kx),
                                   (uint64_t)((c * g.H + iy) * g.W + ix)};
            }
    return (uint64_t)n;
}

typedef struct Geo {
    uint64_t O, OH, OW, npos, ntap;
    int kx, kw, P;
} Geo;

static Geo geo_of(const VlPlan *p, const VlStage *s)
{
    const IrType *st = &p->m->values.data[s->pop->result].type;
    const IrConst *w = &p->m->consts.data[s->pop->args[1].id];
    Geo g = {.O = (uint64_t)st->d[1], .OH = 1, .OW = 1, .kx = s->in.k, .kw = w->type.bits};
    g.P = g.kx * g.kw;
    g.ntap = ir_type_elems(&w->type) / g.O;
    if (st->rank == 4)
        g.OH = (uint64_t)st->d[2], g.OW = (uint64_t)st->d[3];
    g.npos = g.O * g.OH * g.OW;
    return g;
}

/* Present terms of pair p at one position: their count, and optionally the literals. */
static uint64_t pair_terms(FILE *f, const VlPlan *p, const VlStage *s, const Geo *g, uint64_t o,
                           const Tap *t, uint64_t nt, int pair)
{
    const IrConst *w = &p->m->consts.data[s->pop->args[1].id];
    int m = pair / g->kx, n = pair % g->kx;
    uint64_t cnt = 0;
    for (uint64_t i = nt; i-- > 0;) { // MSB first: the concatenation's last is bit 0
        if (!vl_cbit(w, true, m, o, t[i].j))
            continue;
        if (f)
            fprintf(f, "%s%sx[%llu]", cnt ? ", " : "", vl_cbit(w, false, m, o, t[i].j) ? "" : "~",
                    (unsigned long long)(t[i].e * (uint64_t)g->kx + (uint64_t)n));
        cnt++;
    }
    return cnt;
}

int32_t vl_coef(const VlPlan *p, const VlStage *s, uint64_t o, int pair)
{
    const IrConst *c = &p->m->consts.data[s->comb->args[1].id];
    uint64_t P = (uint64_t)c->type.d[1];
    return c->i[(c->type.d[0] == 1 ? 0 : o) * P + (uint64_t)pair];
}

void vl_write_popcount_fns(FILE *f, const bool *used, uint64_t max)
{
    for (uint64_t n = 1; n <= max; n++) {
        if (!used[n])
            continue;
        int w = vl_bits_for(n);
        unsigned long long u = (unsigned long long)n;
        fprintf(f, "    function [%d:0] pc%llu;\n        input [%llu:0] v;\n", w - 1, u, u - 1);
        fprintf(f, "        integer i;\n        begin\n            pc%llu = %d'd0;\n", u, w);
        fprintf(f, "            for (i = 0; i < %llu; i = i + 1)\n", u);
        if (w > 1)
            fprintf(f, "                pc%llu = pc%llu + {%d'd0, v[i]};\n", u, u, w - 1);
        else
            fprintf(f, "                pc%llu = pc%llu + v[i];\n", u, u);
        fprintf(f, "        end\n    endfunction\n");
    }
}

/* The largest |acc| of the unit: sum_p |coef_p| * present_p, over positions. */
static uint64_t acc_bound(const VlPlan *p, const VlStage *s, const Geo *g, Tap *t)
{
    uint64_t best = 0;
    for (uint64_t pos = 0; pos < g->npos; pos++) {
        uint64_t o = pos / (g->OH * g->OW),
                 nt = taps_of(p, s, o, pos / g->OW % g->OH, pos % g->OW, t);
        uint64_t b = 0;
        for (int q = 0; q < g->P; q++) {
            int64_t c = vl_coef(p, s, o, q);
            b += (uint64_t)(c < 0 ? -c : c) * pair_terms(NULL, p, s, g, o, t, nt, q);
        }
        best = b > best ? b : best;
    }
    return best;
}

unsigned long long vl_modw(int64_t v, int w)
{
    return (unsigned long long)((uint64_t)v & (w >= 64 ? ~0ull : ((1ull << w) - 1)));
}

/* v >= T for |v| <= B: a constant outside (-B, B], else a signed compare. */
static const char *cmp_expr(Arena *a, const char *v, int64_t T, uint64_t B, int wa)
{
    if (T > (int64_t)B)
        return "1'b0";
    if (T <= -(int64_t)B)
        return "1'b1";
    return arena_printf(a, "($signed(%s) >= $signed(%d'd%llu))", v, wa, vl_modw(T, wa));
}

/* Does any node of channel o's threshold tree compare (rather than give a constant)? */
bool vl_thr_live(const VlPlan *p, const VlStage *s, uint64_t o, uint64_t B)
{
    const IrConst *thr = &p->m->consts.data[s->thr->args[2].id];
    uint64_t nodes = (1ull << s->out.k) - 1;
    for (uint64_t j = 0; j < nodes; j++) {
        int64_t T = thr->i[o * nodes + j];
        if (T <= (int64_t)B && T > -(int64_t)B)
            return true;
    }
    return false;
}

void vl_write_threshold(FILE *f, Arena *a, const VlPlan *p, const VlStage *s, uint64_t pos,
                        uint64_t o, uint64_t B, int wa)
{
    const IrConst *neg = &p->m->consts.data[s->thr->args[1].id];
    const IrConst *thr = &p->m->consts.data[s->thr->args[2].id];
    int K = s->out.k;
    uint64_t nodes = (1ull << K) - 1;
    unsigned long long u = (unsigned long long)pos;
    const char *v = arena_printf(a, "acc%llu", u);
    if (neg->i[o] && vl_thr_live(p, s, o, B)) {
        fprintf(f, "    wire [%d:0] nacc%llu = %d'd0 - acc%llu;\n", wa - 1, u, wa, u);
        v = arena_printf(a, "nacc%llu", u);
    }
    for (int m = 0; m < K; m++) {
        uint64_t n = 1ull << m;
        if (m == 0) {
            fprintf(f, "    wire b%llu_0 = %s;\n", u, cmp_expr(a, v, thr->i[o * nodes], B, wa));
            continue;
        }
        fprintf(f, "    wire [%llu:0] c%llu_%d = {", (unsigned long long)n - 1, u, m);
        for (uint64_t pre = n; pre-- > 0;) { // prefix bits b_0..b_{m-1}, b_0 the MSB
            uint64_t j = 0;
            for (int i = 0; i < m; i++)
                j = 2 * j + 1 + ((pre >> (m - 1 - i)) & 1);
            fprintf(f, "%s%s", pre + 1 < n ? ", " : "",
                    cmp_expr(a, v, thr->i[o * nodes + j], B, wa));
        }
        fprintf(f, "};\n    wire b%llu_%d = c%llu_%d[{", u, m, u, m);
        for (int i = 0; i < m; i++)
            fprintf(f, "%sb%llu_%d", i ? ", " : "", u, i);
        fprintf(f, "}];\n");
    }
    for (int m = 0; m < K; m++)
        fprintf(f, "    assign y[%llu] = b%llu_%d;\n",
                (unsigned long long)(pos * (uint64_t)K + (uint64_t)m), u, m);
}

/* The unit's combinational body: x (input) -> y (the next output word). */
static void write_mvu(FILE *f, Arena *a, const VlPlan *p, const VlStage *s)
{
    Geo g = geo_of(p, s);
    Tap *t = calloc(g.ntap + 1, sizeof *t);
    bool *used = calloc(g.ntap + 2, sizeof *used);
    if (!t || !used)
        abort();
    uint64_t B = s->comb ? acc_bound(p, s, &g, t) : 0;
    int wa = s->thr ? vl_bits_for(B) + 2 : 32;
    for (uint64_t pos = 0; pos < g.npos; pos++) { // the popcount functions first
        uint64_t o = pos / (g.OH * g.OW), nt = taps_of(p, s, o, pos / g.OW % g.OH, pos % g.OW, t);
        for (int q = 0; q < g.P; q++)
            used[pair_terms(NULL, p, s, &g, o, t, nt, q)] = true;
    }
    vl_write_popcount_fns(f, used, g.ntap);
    for (uint64_t pos = 0; pos < g.npos; pos++) {
        uint64_t o = pos / (g.OH * g.OW), nt = taps_of(p, s, o, pos / g.OW % g.OH, pos % g.OW, t);
        unsigned long long u = (unsigned long long)pos;
        int64_t k0 = 0;
        HbVec(char *) terms = {0};
        if (s->thr && !vl_thr_live(p, s, o, B)) { // every node a sentinel: constant bits
            vl_write_threshold(f, a, p, s, pos, o, B, wa);
            continue;
        }
        for (int q = 0; q < g.P; q++) {
            uint64_t cnt = pair_terms(NULL, p, s, &g, o, t, nt, q);
            int64_t c = s->comb ? vl_coef(p, s, o, q) : 1;
            if (cnt == 0 || c == 0) { // a masked pair: nothing emitted
                if (!s->comb)
                    fprintf(f, "    assign y[%llu:%llu] = 32'd0;\n",
                            32 * ((unsigned long long)q * g.npos + u) + 31,
                            32 * ((unsigned long long)q * g.npos + u));
                continue;
            }
            int w = vl_bits_for(cnt);
            fprintf(f, "    wire [%llu:0] t%llu_%d = {", (unsigned long long)cnt - 1, u, q);
            pair_terms(f, p, s, &g, o, t, nt, q);
            fprintf(f, "};\n    wire [%d:0] p%llu_%d = pc%llu(t%llu_%d);\n", w - 1, u, q,
                    (unsigned long long)cnt, u, q);
            if (!s->comb) { // the pair sum S = 2 pc - cnt, for the host's combine
                unsigned long long lo = 32 * ((unsigned long long)q * g.npos + u);
                fprintf(f, "    assign y[%llu:%llu] = {%d'd0, p%llu_%d, 1'b0} - 32'd%llu;\n",
                        lo + 31, lo, 31 - w, u, q, (unsigned long long)cnt);
                continue;
            }
            k0 -= c * (int64_t)cnt; // acc = sum c (2 pc - cnt): constants gathered
            hb_vec_push(a, &terms,
                        arena_printf(a, "%d'd%llu * {%d'd0, p%llu_%d}", wa, vl_modw(2 * c, wa),
                                     wa - w, u, q));
        }
        if (!s->comb)
            continue;
        fprintf(f, "    wire [%d:0] acc%llu = %d'd%llu", wa - 1, u, wa, vl_modw(k0, wa));
        for (uint32_t i = 0; i < terms.len; i++)
            fprintf(f, "\n        + %s", terms.data[i]);
        fprintf(f, ";\n");
        if (s->thr)
            vl_write_threshold(f, a, p, s, pos, o, B, wa);
        else
            fprintf(f, "    assign y[%llu:%llu] = acc%llu;\n", 32 * u + 31, 32 * u, u);
    }
    free(t);
    free(used);
}

static void write_pool(FILE *f, const VlPlan *p, const VlStage *s)
{
    IrWindow g = ir_window(p->m, s->pool);
    for (int64_t c = 0; c < g.C; c++)
        for (int64_t oy = 0; oy < g.OH; oy++)
            for (int64_t ox = 0; ox < g.OW; ox++) {
                fprintf(f, "    assign y[%lld] = |{", (long long)((c * g.OH + oy) * g.OW + ox));
                int n = 0;
                for (int64_t ky = 0; ky < g.kh; ky++)
                    for (int64_t kx = 0; kx < g.kw; kx++) {
                        int64_t iy, ix;
                        if (ir_window_tap(&g, oy, ox, ky, kx, &iy, &ix))
                            fprintf(f, "%sx[%lld]", n++ ? ", " : "",
                                    (long long)((c * g.H + iy) * g.W + ix));
                    }
                fprintf(f, "};\n");
            }
}

void vl_write_layer(FILE *f, Arena *a, const VlPlan *p, const VlStage *s)
{
    if (s->stream) { // sliding window (vl_window.c)
        vl_write_window(f, a, p, s);
        return;
    }
    unsigned long long iw = s->in.width, ow = s->out.width;
    fprintf(f,
            "`timescale 1ns / 1ps\n// %s: layer '%s' of network '%s' (hbnnc --target verilog; "
            "generated).\n",
            s->name, s->layer, p->m->name);
    fprintf(f,
            "// in: %llu bits (%s), out: %llu bits (%s); one frame per beat, %llu cycle(s) per "
            "frame.\n",
            iw, p->m->values.data[s->in.value].name, ow, p->m->values.data[s->out.value].name,
            (unsigned long long)vl_fold_cycles(p, s));
    fprintf(f, "module %s (\n    input wire aclk,\n    input wire aresetn,\n", s->name);
    fprintf(f,
            "    /* verilator lint_off UNUSEDSIGNAL */\n"
            "    input wire [%llu:0] s_tdata,\n    /* verilator lint_on UNUSEDSIGNAL */\n",
            iw - 1);
    fprintf(f,
            "    input wire s_tvalid,\n    output wire s_tready,\n"
            "    output reg [%llu:0] m_tdata,\n    output reg m_tvalid,\n"
            "    input wire m_tready\n);\n",
            ow - 1);
    if (s->pe) { // folded: its own control and output register
        vl_write_fold_body(f, p, s);
        fprintf(f, "endmodule\n");
        return;
    }
    fprintf(f,
            "    /* verilator lint_off UNUSEDSIGNAL */\n    wire [%llu:0] x = s_tdata;\n"
            "    /* verilator lint_on UNUSEDSIGNAL */\n    wire [%llu:0] y;\n",
            iw - 1, ow - 1);
    if (s->kind == VL_MVU)
        write_mvu(f, a, p, s);
    else
        write_pool(f, p, s);
    fprintf(f, "    // register slice: ready flows back, valid and data are registered\n"
               "    assign s_tready = !m_tvalid || m_tready;\n"
               "    always @(posedge aclk) begin\n"
               "        if (!aresetn)\n            m_tvalid <= 1'b0;\n"
               "        else if (s_tready)\n            m_tvalid <= s_tvalid;\n"
               "        if (s_tready && s_tvalid)\n            m_tdata <= y;\n"
               "    end\nendmodule\n");
}
