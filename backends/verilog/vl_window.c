// SPDX-License-Identifier: MIT
/* vl_window.c: streaming convolutions and bit max-pools (FINN-style sliding window): pixels
 * stream in, a shift-register line buffer over the zero-padded image yields each window, one
 * output pixel per window (xnor-popcount + coefficients + thresholds, or an OR); padding is
 * made exact by a per-(channel, border class) constant. docs/fpga.md, "Convolutions". */
#include <stdlib.h>

#include "vl_internal.h"

/* The geometry of a streamed stage on the virtual (padded) image. */
typedef struct Win {
    IrWindow g;
    uint64_t Hv, Wv;  // virtual image: padding included, ceil-mode windows fit
    uint64_t L;       // line buffer length in pixels
    uint64_t PW, POW; // bits per input / output pixel
    int K, Ko;        // input / output planes
    uint64_t *ycls;   // per virtual row: 0 = no output fires, else its border class id
    uint64_t *xcls;   // per virtual column
    uint64_t ny, nx;  // border classes
    uint64_t *ymask;  // per class (1-based): the valid ky taps (bit ky)
    uint64_t *xmask;  // per class: the valid kx taps
} Win;

static uint64_t u64max(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static int bw(uint64_t v) // bits to hold 0..v, at least 1
{
    int b = 1;
    while (b < 64 && (v >> b))
        b++;
    return b;
}

/* Rows (or columns) where an output fires, and their border classes (deduplicated masks of
 * the taps inside the input). */
static uint64_t classes(Arena *a, uint64_t nv, int64_t n_out, int64_t s, int64_t k, int64_t d,
                        int64_t p0, int64_t n_in, uint64_t **cls, uint64_t **masks)
{
    *cls = arena_calloc(a, nv + 1, sizeof **cls);
    *masks = arena_calloc(a, (uint64_t)n_out + 2, sizeof **masks);
    uint64_t nc = 0;
    for (int64_t o = 0; o < n_out; o++) {
        uint64_t m = 0, id = 0;
        for (int64_t t = 0; t < k; t++) {
            int64_t i = o * s + t * d - p0;
            if (i >= 0 && i < n_in)
                m |= 1ull << t;
        }
        for (uint64_t c = 1; c <= nc && !id; c++)
            if ((*masks)[c] == m)
                id = c;
        if (!id)
            (*masks)[id = ++nc] = m;
        (*cls)[o * s + (k - 1) * d] = id;
    }
    return nc;
}

static Win win_of(Arena *a, const VlPlan *p, const VlStage *s)
{
    Win w = {.g = ir_window(p->m, s->kind == VL_POOL ? s->pool : s->pop)};
    const IrWindow *g = &w.g;
    w.Hv = u64max((uint64_t)(g->pt + g->H + g->pb),
                  (uint64_t)((g->OH - 1) * g->sh + (g->kh - 1) * g->dh + 1));
    w.Wv = u64max((uint64_t)(g->pl + g->W + g->pr),
                  (uint64_t)((g->OW - 1) * g->sw + (g->kw - 1) * g->dw + 1));
    w.L = (uint64_t)((g->kh - 1) * g->dh) * w.Wv + (uint64_t)((g->kw - 1) * g->dw) + 1;
    w.K = s->in.k;
    w.Ko = s->out.k;
    w.PW = (uint64_t)g->C * (uint64_t)w.K;
    w.POW = (uint64_t)g->O * (uint64_t)w.Ko;
    w.ny = classes(a, w.Hv, g->OH, g->sh, g->kh, g->dh, g->pt, g->H, &w.ycls, &w.ymask);
    w.nx = classes(a, w.Wv, g->OW, g->sw, g->kw, g->dw, g->pl, g->W, &w.xcls, &w.xmask);
    return w;
}

/* Which stages stream: conv units with bit outputs (threshold; folded or not), and bit
 * max-pools after a streaming stage. Neighbours that both stream exchange pixels. */
void vl_stream_plan(VlPlan *p)
{
    for (uint32_t i = 0; i < p->stages.len; i++) {
        VlStage *s = &p->stages.data[i];
        if (s->kind == VL_MVU)
            s->stream = s->pop->op == IR_OP_BPOP_CONV2D && s->thr;
        else if (s->kind == VL_POOL)
            s->stream = i > 0 && p->stages.data[i - 1].stream && s->in.k == 1;
    }
    for (uint32_t i = 0; i < p->stages.len; i++) {
        VlStage *s = &p->stages.data[i];
        s->pix_in = s->stream && i > 0 && p->stages.data[i - 1].stream;
        s->pix_out = s->stream && i + 1 < p->stages.len && p->stages.data[i + 1].stream;
    }
}

uint64_t vl_port_width(const VlPlan *p, const VlStage *s, bool out)
{
    if (!s->stream || !(out ? s->pix_out : s->pix_in))
        return out ? s->out.width : s->in.width;
    const IrType *t = &p->m->values.data[out ? s->out.value : s->in.value].type;
    return (uint64_t)t->d[0] * (uint64_t)(out ? s->out.k : s->in.k);
}

/* A folded conv: the buffer walks one virtual pixel per cycle but holds a complete window
 * until the unit, busy `ii` cycles per window, takes it. Cycles per frame in the steady
 * state (the third of three back-to-back frames; input and output never wait). */
static uint64_t folded_cycles(const Win *w, uint64_t ii)
{
    uint64_t t = 0, free_at = 0, start = 0, n = w->Hv * w->Wv;
    bool pend = false;
    for (int frame = 0; frame < 3; frame++) {
        start = t;
        for (uint64_t v = 0; v < n; t++) {
            bool take = pend && t >= free_at;
            if (take)
                free_at = t + ii;
            if (!pend || take) { // go: the pixel shifts in
                pend = w->ycls[v / w->Wv] && w->xcls[v % w->Wv];
                v++;
            }
        }
    }
    return t - start;
}

uint64_t vl_window_cycles(const VlPlan *p, const VlStage *s)
{
    IrWindow g = ir_window(p->m, s->kind == VL_POOL ? s->pool : s->pop);
    uint64_t hv = u64max((uint64_t)(g.pt + g.H + g.pb),
                         (uint64_t)((g.OH - 1) * g.sh + (g.kh - 1) * g.dh + 1));
    uint64_t wv = u64max((uint64_t)(g.pl + g.W + g.pr),
                         (uint64_t)((g.OW - 1) * g.sw + (g.kw - 1) * g.dw + 1));
    uint64_t c = hv * wv; // one virtual pixel per cycle
    if (s->kind == VL_MVU && s->pe) {
        VlStage u = vl_window_unit(p, s);
        c = folded_cycles((Win[]){win_of(p->arena, p, s)}, vl_fold_cycles(p, &u));
    }
    if (!s->pix_in) // the serializer: one beat per pixel + one to load
        c = u64max(c, (uint64_t)(g.H * g.W) + 1);
    if (!s->pix_out) // the gatherer: one beat per output pixel + one to hand over
        c = u64max(c, (uint64_t)(g.OH * g.OW) + 1);
    return c;
}

uint64_t vl_window_latency(const VlPlan *p, const VlStage *s)
{
    uint64_t c = vl_window_cycles(p, s) + 3; // a bound: load, the frame's pixels, q, out
    if (s->kind == VL_MVU && s->pe) {        // + the last window's unit
        VlStage u = vl_window_unit(p, s);
        c += vl_fold_cycles(p, &u);
    }
    return c;
}

static void write_ports(FILE *f, const VlPlan *p, const VlStage *s, const Win *w)
{
    unsigned long long iw = vl_port_width(p, s, false), ow = vl_port_width(p, s, true);
    fprintf(f,
            "`timescale 1ns / 1ps\n// %s: layer '%s' of network '%s' (hbnnc --target verilog; "
            "generated).\n",
            s->name, s->layer, p->m->name);
    fprintf(f,
            "// Streaming %s: in %s (%s), out %s (%s); line buffer %llu pixels of the %llux%llu "
            "padded image; %llu cycle(s) per frame.\n",
            s->kind == VL_POOL ? "bit max-pool (OR)" : "convolution",
            s->pix_in ? "one pixel per beat" : "one frame per beat",
            p->m->values.data[s->in.value].name, s->pix_out ? "one pixel per beat" : "one frame",
            p->m->values.data[s->out.value].name, (unsigned long long)w->L,
            (unsigned long long)w->Hv, (unsigned long long)w->Wv,
            (unsigned long long)vl_window_cycles(p, s));
    fprintf(f, "module %s (\n    input wire aclk,\n    input wire aresetn,\n", s->name);
    fprintf(f,
            "    /* verilator lint_off UNUSEDSIGNAL */\n"
            "    input wire [%llu:0] s_tdata,\n    /* verilator lint_on UNUSEDSIGNAL */\n",
            iw - 1);
    fprintf(f,
            "    input wire s_tvalid,\n    output wire s_tready,\n"
            "    output wire [%llu:0] m_tdata,\n    output wire m_tvalid,\n"
            "    input wire m_tready\n);\n",
            ow - 1);
}

/* A frame-wide input becomes pixels: the frame register shifts down K bits per beat, so
 * pixel i of channel c is always at bit (c·H·W)·K of it. */
static void write_serializer(FILE *f, const VlStage *s, const Win *w)
{
    unsigned long long iw = s->in.width, hw = (unsigned long long)(w->g.H * w->g.W);
    int cw = bw(hw - 1), K = w->K;
    fprintf(f, "    wire [%llu:0] px;\n    wire pv;\n    wire pr;\n",
            (unsigned long long)w->PW - 1);
    if (s->pix_in) {
        fprintf(f, "    assign px = s_tdata;\n    assign pv = s_tvalid;\n"
                   "    assign s_tready = pr;\n");
        return;
    }
    fprintf(f, "    // serializer: frame in, pixels out in raster order\n");
    fprintf(f, "    reg [%llu:0] sf;\n    reg sbusy;\n    reg [%d:0] scnt;\n", iw - 1, cw - 1);
    fprintf(f, "    assign px = {");
    for (int64_t c = w->g.C; c-- > 0;)
        fprintf(f, "%ssf[%llu:%llu]", c + 1 < w->g.C ? ", " : "",
                (unsigned long long)c * hw * (unsigned long long)K + (unsigned long long)K - 1,
                (unsigned long long)c * hw * (unsigned long long)K);
    fprintf(f, "};\n    assign pv = sbusy;\n    assign s_tready = !sbusy;\n");
    fprintf(f,
            "    always @(posedge aclk) begin\n"
            "        if (!aresetn) begin\n            sbusy <= 1'b0;\n            scnt <= %d'd0;\n"
            "        end else if (!sbusy) begin\n"
            "            if (s_tvalid) begin\n                sf <= s_tdata;\n"
            "                sbusy <= 1'b1;\n            end\n"
            "        end else if (pr) begin\n",
            cw);
    if (hw > 1)
        fprintf(f, "            sf <= {%d'd0, sf[%llu:%d]};\n", K, iw - 1, K);
    fprintf(f,
            "            scnt <= (scnt == %d'd%llu) ? %d'd0 : scnt + %d'd1;\n"
            "            if (scnt == %d'd%llu)\n                sbusy <= 1'b0;\n"
            "        end\n    end\n",
            cw, hw - 1, cw, cw, cw, hw - 1);
}

/* Counters over the virtual image, the line buffer, and the fired window's classes. */
static void write_window(FILE *f, const Win *w, bool classes_used, bool folded)
{
    const IrWindow *g = &w->g;
    int yw = bw(w->Hv - 1), xw = bw(w->Wv - 1), cyw = bw(w->ny), cxw = bw(w->nx);
    unsigned long long PW = w->PW, L = w->L;
    fprintf(f, "    reg [%d:0] vy;\n    reg [%d:0] vx;\n", yw - 1, xw - 1);
    fprintf(f,
            "    /* verilator lint_off UNUSEDSIGNAL */\n    reg [%llu:0] win; // pixel d steps "
            "old at [d*%llu +: %llu]\n    /* verilator lint_on UNUSEDSIGNAL */\n",
            L * PW - 1, PW, PW);
    fprintf(f, "    reg pend; // a window is complete in win\n");
    if (classes_used)
        fprintf(f, "    reg [%d:0] pcy;\n    reg [%d:0] pcx;\n", cyw - 1, cxw - 1);
    if (folded) // the folded unit takes the window (ur) and holds the output pixel (q)
        fprintf(f, "    wire [%llu:0] q;\n    wire qv;\n    wire qr;\n    wire ur;\n",
                (unsigned long long)w->POW - 1);
    else
        fprintf(f, "    reg [%llu:0] q;\n    reg qv;\n    wire qr;\n    wire [%llu:0] y;\n",
                (unsigned long long)w->POW - 1, (unsigned long long)w->POW - 1);
    // inside the input: the pixel consumes a beat, else it is padding (0 bits)
    const char *parts[4] = {0};
    int np = 0;
    char buf[4][64];
    if (g->pt > 0)
        snprintf(buf[np], 64, "vy >= %d'd%lld", yw, (long long)g->pt), parts[np] = buf[np], np++;
    if ((uint64_t)(g->pt + g->H) < w->Hv)
        snprintf(buf[np], 64, "vy < %d'd%lld", yw, (long long)(g->pt + g->H)), parts[np] = buf[np],
                                                                               np++;
    if (g->pl > 0)
        snprintf(buf[np], 64, "vx >= %d'd%lld", xw, (long long)g->pl), parts[np] = buf[np], np++;
    if ((uint64_t)(g->pl + g->W) < w->Wv)
        snprintf(buf[np], 64, "vx < %d'd%lld", xw, (long long)(g->pl + g->W)), parts[np] = buf[np],
                                                                               np++;
    fprintf(f, "    wire inb = ");
    for (int i = 0; i < np; i++)
        fprintf(f, "%s(%s)", i ? " && " : "", parts[i]);
    fprintf(f, "%s;\n", np ? "" : "1'b1");
    fprintf(f,
            "    wire ofree = %s;\n    wire go = !pend || ofree;\n"
            "    wire adv = go && (!inb || pv);\n    assign pr = go && inb;\n",
            folded ? "ur" : "!qv || qr");
    // fire classes of the pixel being shifted in
    fprintf(f, "    reg [%d:0] cy;\n    reg [%d:0] cx;\n", cyw - 1, cxw - 1);
    fprintf(f, "    always @* begin\n        case (vy)\n");
    for (uint64_t v = 0; v < w->Hv; v++)
        if (w->ycls[v])
            fprintf(f, "        %d'd%llu: cy = %d'd%llu;\n", yw, (unsigned long long)v, cyw,
                    (unsigned long long)w->ycls[v]);
    fprintf(f, "        default: cy = %d'd0;\n        endcase\n        case (vx)\n", cyw);
    for (uint64_t v = 0; v < w->Wv; v++)
        if (w->xcls[v])
            fprintf(f, "        %d'd%llu: cx = %d'd%llu;\n", xw, (unsigned long long)v, cxw,
                    (unsigned long long)w->xcls[v]);
    fprintf(f, "        default: cx = %d'd0;\n        endcase\n    end\n", cxw);
    fprintf(f,
            "    always @(posedge aclk) begin\n        if (!aresetn) begin\n"
            "            vy <= %d'd0;\n            vx <= %d'd0;\n"
            "            pend <= 1'b0;%s\n        end else begin\n%s"
            "            if (go)\n                pend <= adv && cy != %d'd0 && cx != %d'd0;\n"
            "            if (adv) begin\n"
            "                vx <= (vx == %d'd%llu) ? %d'd0 : vx + %d'd1;\n"
            "                if (vx == %d'd%llu)\n"
            "                    vy <= (vy == %d'd%llu) ? %d'd0 : vy + %d'd1;\n"
            "            end\n        end\n",
            yw, xw, folded ? "" : "\n            qv <= 1'b0;",
            folded ? "" : "            if (ofree)\n                qv <= pend;\n", cyw, cxw, xw,
            (unsigned long long)w->Wv - 1, xw, xw, xw, (unsigned long long)w->Wv - 1, yw,
            (unsigned long long)w->Hv - 1, yw, yw);
    if (!folded)
        fprintf(f, "        if (ofree && pend)\n            q <= y;\n");
    fprintf(f, "        if (adv) begin\n");
    if (L > 1)
        fprintf(f, "            win <= {win[%llu:0], inb ? px : %llu'd0};\n", (L - 1) * PW - 1, PW);
    else
        fprintf(f, "            win <= inb ? px : %llu'd0;\n", PW);
    if (classes_used)
        fprintf(f, "            pcy <= cy;\n            pcx <= cx;\n");
    fprintf(f, "        end\n    end\n");
}

/* Frame-wide consumers get the frame: each output pixel enters at the top of its
 * channel's block, which shifts down one pixel per beat. */
static void write_gatherer(FILE *f, const VlStage *s, const Win *w)
{
    if (s->pix_out) {
        fprintf(f, "    assign m_tdata = q;\n    assign m_tvalid = qv;\n"
                   "    assign qr = m_tready;\n");
        return;
    }
    unsigned long long fw = s->out.width, hw = (unsigned long long)(w->g.OH * w->g.OW);
    unsigned long long Ko = (unsigned long long)w->Ko;
    int cw = bw(hw - 1);
    fprintf(f, "    // gatherer: pixels in, the frame out\n");
    fprintf(f, "    reg [%llu:0] dfr;\n    reg dfull;\n    reg [%d:0] dcnt;\n", fw - 1, cw - 1);
    fprintf(f, "    wire [%llu:0] dnext = {", fw - 1);
    for (int64_t c = w->g.O; c-- > 0;) {
        unsigned long long base = (unsigned long long)c * hw * Ko;
        fprintf(f, "%sq[%llu:%llu]", c + 1 < w->g.O ? ", " : "",
                (unsigned long long)c * Ko + Ko - 1, (unsigned long long)c * Ko);
        if (hw > 1)
            fprintf(f, ", dfr[%llu:%llu]", base + hw * Ko - 1, base + Ko);
    }
    fprintf(f, "};\n    assign qr = !dfull;\n    assign m_tdata = dfr;\n"
               "    assign m_tvalid = dfull;\n");
    fprintf(f,
            "    always @(posedge aclk) begin\n        if (!aresetn) begin\n"
            "            dfull <= 1'b0;\n            dcnt <= %d'd0;\n        end else begin\n"
            "            if (qv && qr) begin\n                dfr <= dnext;\n"
            "                dcnt <= (dcnt == %d'd%llu) ? %d'd0 : dcnt + %d'd1;\n"
            "                if (dcnt == %d'd%llu)\n                    dfull <= 1'b1;\n"
            "            end\n            if (dfull && m_tready)\n                dfull <= 1'b0;\n"
            "        end\n    end\n",
            cw, cw, hw - 1, cw, cw, cw, hw - 1);
}

/* Bit max-pool: OR over the window's taps; padded taps hold 0 (padding excluded). */
static void write_or(FILE *f, const Win *w)
{
    const IrWindow *g = &w->g;
    for (int64_t c = 0; c < g->C; c++) {
        fprintf(f, "    assign y[%lld] = |{", (long long)c);
        for (int64_t ky = 0; ky < g->kh; ky++)
            for (int64_t kx = 0; kx < g->kw; kx++) {
                uint64_t d = (uint64_t)((g->kh - 1 - ky) * g->dh) * w->Wv +
                             (uint64_t)((g->kw - 1 - kx) * g->dw);
                fprintf(f, "%swin[%llu]", ky || kx ? ", " : "",
                        (unsigned long long)(d * w->PW + (uint64_t)c));
            }
        fprintf(f, "};\n");
    }
}

/* The weight element j = (ci·kh + ky)·kw + kx of window tap (ci, ky, kx): its bit in win. */
static uint64_t tap_bit(const Win *w, uint64_t o, uint64_t j, int n)
{
    const IrWindow *g = &w->g;
    uint64_t khw = (uint64_t)(g->kh * g->kw), ci = j / khw,
             ky = j / (uint64_t)g->kw % (uint64_t)g->kh, kx = j % (uint64_t)g->kw;
    uint64_t cg = (uint64_t)(g->C / g->groups), og = (uint64_t)(g->O / g->groups);
    uint64_t c = o / og * cg + ci;
    uint64_t d = ((uint64_t)g->kh - 1 - ky) * (uint64_t)g->dh * w->Wv +
                 ((uint64_t)g->kw - 1 - kx) * (uint64_t)g->dw;
    return d * w->PW + c * (uint64_t)w->K + (uint64_t)n;
}

/* The constant of channel o in border class (cy, cx): −Σ_pairs c·(2·Z + n_valid), Z = the
 * padded present taps whose weight bit is 0 (they xnor a 0 pixel bit to 1). */
static int64_t border_const(const VlPlan *p, const VlStage *s, const Win *w, uint64_t o,
                            uint64_t cy, uint64_t cx)
{
    const IrConst *wt = &p->m->consts.data[s->pop->args[1].id];
    const IrWindow *g = &w->g;
    uint64_t ntap = ir_type_elems(&wt->type) / (uint64_t)g->O;
    int64_t k = 0;
    for (int q = 0; q < wt->type.bits * w->K; q++) {
        int m = q / w->K;
        int64_t c = vl_coef(p, s, o, q), z = 0, nv = 0;
        for (uint64_t j = 0; j < ntap; j++) {
            if (!vl_cbit(wt, true, m, o, j))
                continue;
            uint64_t ky = j / (uint64_t)g->kw % (uint64_t)g->kh, kx = j % (uint64_t)g->kw;
            if ((w->ymask[cy] >> ky & 1) && (w->xmask[cx] >> kx & 1))
                nv++;
            else if (!vl_cbit(wt, false, m, o, j))
                z++;
        }
        k -= c * (2 * z + nv);
    }
    return k;
}

static void write_conv(FILE *f, Arena *a, const VlPlan *p, const VlStage *s, const Win *w)
{
    const IrConst *wt = &p->m->consts.data[s->pop->args[1].id];
    uint64_t O = (uint64_t)w->g.O, ntap = ir_type_elems(&wt->type) / O;
    int P = wt->type.bits * w->K;
    bool *used = calloc(ntap + 2, sizeof *used);
    uint64_t B = 0;
    if (!used)
        abort();
    for (uint64_t o = 0; o < O; o++) { // the bound over full windows (padding only lowers it)
        uint64_t b = 0;
        for (int q = 0; q < P; q++) {
            int64_t c = vl_coef(p, s, o, q);
            uint64_t n = vl_present(wt, q / w->K, o);
            used[n] = true;
            b += (uint64_t)(c < 0 ? -c : c) * n;
        }
        B = b > B ? b : B;
    }
    int wa = vl_bits_for(B) + 2, cyw = bw(w->ny), cxw = bw(w->nx);
    vl_write_popcount_fns(f, used, ntap);
    free(used);
    for (uint64_t o = 0; o < O; o++) {
        unsigned long long u = (unsigned long long)o;
        if (!vl_thr_live(p, s, o, B)) { // every node a sentinel: constant bits
            vl_write_threshold(f, a, p, s, o, o, B, wa);
            continue;
        }
        if (w->ny * w->nx == 1) { // no padding reaches a window: one constant
            fprintf(f, "    wire [%d:0] k%llu = %d'd%llu;\n", wa - 1, u, wa,
                    vl_modw(border_const(p, s, w, o, 1, 1), wa));
        } else {
            fprintf(f, "    reg [%d:0] k%llu;\n    always @* begin\n", wa - 1, u);
            fprintf(f, "        case ({pcy, pcx})\n");
            for (uint64_t cy = 1; cy <= w->ny; cy++)
                for (uint64_t cx = 1; cx <= w->nx; cx++)
                    fprintf(f, "        {%d'd%llu, %d'd%llu}: k%llu = %d'd%llu;\n", cyw,
                            (unsigned long long)cy, cxw, (unsigned long long)cx, u, wa,
                            vl_modw(border_const(p, s, w, o, cy, cx), wa));
            fprintf(f, "        default: k%llu = %d'd0;\n        endcase\n    end\n", u, wa);
        }
        HbVec(char *) terms = {0};
        for (int q = 0; q < P; q++) {
            int m = q / w->K, n = q % w->K;
            int64_t c = vl_coef(p, s, o, q);
            uint64_t cnt = 0;
            if (c == 0 || !vl_present(wt, m, o))
                continue;
            fprintf(f, "    wire [%llu:0] t%llu_%d = {",
                    (unsigned long long)vl_present(wt, m, o) - 1, u, q);
            for (uint64_t j = ntap; j-- > 0;)
                if (vl_cbit(wt, true, m, o, j))
                    fprintf(f, "%s%swin[%llu]", cnt++ ? ", " : "",
                            vl_cbit(wt, false, m, o, j) ? "" : "~",
                            (unsigned long long)tap_bit(w, o, j, n));
            int pw = vl_bits_for(cnt);
            fprintf(f, "};\n    wire [%d:0] p%llu_%d = pc%llu(t%llu_%d);\n", pw - 1, u, q,
                    (unsigned long long)cnt, u, q);
            hb_vec_push(a, &terms,
                        arena_printf(a, "%d'd%llu * {%d'd0, p%llu_%d}", wa, vl_modw(2 * c, wa),
                                     wa - pw, u, q));
        }
        fprintf(f, "    wire [%d:0] acc%llu = k%llu", wa - 1, u, u);
        for (uint32_t i = 0; i < terms.len; i++)
            fprintf(f, "\n        + %s", terms.data[i]);
        fprintf(f, ";\n");
        vl_write_threshold(f, a, p, s, o, o, B, wa);
    }
}

/* The padding correction of a folded conv: the unit computes the full window's
 * sum c (2 pc - n_all) with padded taps as 0 bits; the IR's value in border class (cy, cx)
 * is that + border_const(cy, cx) + sum c n_all (the interior class's -border_const). */
VlStage vl_window_unit(const VlPlan *p, const VlStage *s)
{
    Arena *a = p->arena;
    Win w = win_of(a, p, s);
    const IrConst *wt = &p->m->consts.data[s->pop->args[1].id];
    uint64_t O = (uint64_t)w.g.O, ntap = ir_type_elems(&wt->type) / O, nc = w.ny * w.nx;
    VlStage u = *s;
    u.stream = u.pix_in = u.pix_out = false;
    int64_t *delta = arena_calloc(a, O * nc + 1, sizeof *delta);
    uint64_t *key = arena_calloc(a, nc + 1, sizeof *key);
    bool any = false;
    int cxw = bw(w.nx);
    for (uint64_t cy = 1; cy <= w.ny; cy++)
        for (uint64_t cx = 1; cx <= w.nx; cx++) {
            uint64_t i = (cy - 1) * w.nx + (cx - 1);
            key[i] = cy << cxw | cx;
            for (uint64_t o = 0; o < O; o++) {
                int64_t full = 0;
                for (int q = 0; q < wt->type.bits * w.K; q++)
                    full += vl_coef(p, s, o, q) * (int64_t)vl_present(wt, q / w.K, o);
                delta[o * nc + i] = border_const(p, s, &w, o, cy, cx) + full;
                any = any || delta[o * nc + i] != 0;
            }
        }
    u.ncls = any ? (uint32_t)nc : 0;
    u.cls_bits = any && nc > 1 ? (uint32_t)(bw(w.ny) + cxw) : 0;
    u.cls_key = key, u.delta = delta;
    u.in = (VlWire){.value = s->in.value, .is_bits = true, .k = w.K, .elems = ntap};
    u.in.width = ntap * (uint64_t)w.K + u.cls_bits;
    u.out = (VlWire){.value = s->out.value, .is_bits = true, .k = w.Ko, .elems = O};
    u.out.width = O * (uint64_t)w.Ko;
    return u;
}

/* A folded conv: its window (tap j = (ci kh + ky) kw + kx, plane n at bit j K + n; then
 * the border class) to the folded unit NAME_mvu, one window per frame of that unit. */
static void write_fold_inst(FILE *f, const VlPlan *p, const VlStage *s, const Win *w)
{
    VlStage u = vl_window_unit(p, s);
    uint64_t ntap = u.in.elems;
    fprintf(f, "    wire [%llu:0] wx = {", (unsigned long long)u.in.width - 1);
    if (u.cls_bits)
        fprintf(f, "pcy, pcx, ");
    for (uint64_t j = ntap; j-- > 0;)
        for (int n = w->K; n-- > 0;)
            fprintf(f, "%swin[%llu]", j + 1 < ntap || n + 1 < w->K ? ", " : "",
                    (unsigned long long)tap_bit(w, 0, j, n));
    fprintf(f, "};\n");
    fprintf(f,
            "    %s_mvu mvu (.aclk(aclk), .aresetn(aresetn), .s_tdata(wx), .s_tvalid(pend),\n"
            "        .s_tready(ur), .m_tdata(q), .m_tvalid(qv), .m_tready(qr));\n",
            s->name);
}

/* The folded unit of a folded conv, a second module in the layer's file. */
static void write_fold_module(FILE *f, const VlPlan *p, const VlStage *s)
{
    VlStage u = vl_window_unit(p, s);
    fprintf(f,
            "\n// %s_mvu: the folded unit of '%s' (PE=%lld SIMD=%lld), one window per frame.\n"
            "/* verilator lint_off DECLFILENAME */\n"
            "module %s_mvu (\n    input wire aclk,\n    input wire aresetn,\n"
            "    /* verilator lint_off UNUSEDSIGNAL */\n"
            "    input wire [%llu:0] s_tdata,\n    /* verilator lint_on UNUSEDSIGNAL */\n"
            "    input wire s_tvalid,\n    output wire s_tready,\n"
            "    output reg [%llu:0] m_tdata,\n    output reg m_tvalid,\n"
            "    input wire m_tready\n);\n",
            s->name, s->layer, (long long)s->pe, (long long)s->simd, s->name,
            (unsigned long long)u.in.width - 1, (unsigned long long)u.out.width - 1);
    vl_write_fold_body(f, p, &u);
    fprintf(f, "endmodule\n/* verilator lint_on DECLFILENAME */\n");
}

void vl_write_window(FILE *f, Arena *a, const VlPlan *p, const VlStage *s)
{
    Win w = win_of(a, p, s);
    bool conv = s->kind == VL_MVU, cls = conv && w.ny * w.nx > 1, folded = conv && s->pe;
    write_ports(f, p, s, &w);
    write_serializer(f, s, &w);
    write_window(f, &w, cls, folded);
    if (folded)
        write_fold_inst(f, p, s, &w);
    else if (conv)
        write_conv(f, a, p, s, &w);
    else
        write_or(f, &w);
    write_gatherer(f, s, &w);
    fprintf(f, "endmodule\n");
    if (folded)
        write_fold_module(f, p, s);
}
