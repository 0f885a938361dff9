// SPDX-License-Identifier: MIT
/* vl_fold.c: a folded dense matrix-vector unit (FINN's MVAU): PE output neurons in
 * parallel, SIMD input elements per cycle, NF = O/PE neuron folds x SF = K/SIMD input
 * folds. Weights (and masks: a masked pair is a 0 bit, it adds nothing) come from a
 * `$readmemh` ROM NAME_w.hex, one PE x planes x SIMD word per (nf, sf); the per-neuron
 * constants (the accumulator's start -sum c*count, the threshold tree, the negation
 * flag, per-row coefficients) from NAME_n.hex, one word per nf. Both ROMs are read
 * synchronously, so yosys maps them to block RAM. Also: the auto fold choice. */
#include <stdlib.h>
#include <string.h>

#include "vl_internal.h"

/* Everything about one folded unit's layout. */
typedef struct Fold {
    const IrConst *w, *coef, *neg, *thr;
    uint64_t O, K, P, S, NF, SF, D;
    int kx, kw, Q, nslot, ko, nodes, wa;
    bool masked, rowcoef;
    uint32_t pmask;  // weight planes with an absent element somewhere: their mask bits
    bool hz;         // count-then-combine (below): narrow counters, one Horner per row
    int cw;          // hz: the counters' width
    uint64_t WW, NW; // ROM word widths
    uint32_t ncls;   // a folded conv's border classes (VlStage.delta; 0: no correction)
} Fold;

static int bits_for(uint64_t v)
{
    int b = 0;
    while (v >> b)
        b++;
    return b;
}

static int ubits(uint64_t max) // width of a counter 0..max (at least 1)
{
    return max ? bits_for(max) : 1;
}

static bool wbit(const IrConst *w, bool mask, int m, uint64_t r, uint64_t j)
{
    if (mask && !w->type.masked)
        return true;
    const uint64_t *a = mask ? w->masks : w->planes;
    return (a[((uint64_t)m * (uint64_t)w->type.d[0] + r) * w->wpr + j / 64] >> (j % 64)) & 1;
}

static uint64_t row_count(const Fold *f, uint64_t o, int m) // present elements of plane m
{
    uint64_t n = 0;
    for (uint64_t j = 0; j < f->K; j++)
        n += wbit(f->w, true, m, o, j);
    return n;
}

static int64_t coef(const Fold *f, uint64_t o, int q)
{
    return f->coef ? f->coef->i[(f->rowcoef ? o : 0) * (uint64_t)f->Q + (uint64_t)q] : 1;
}

/* Count-then-combine's counters hold a row's count of one plane (<= maxc) and one
 * fold's popcount (<= S); its combine takes cw + 1 cycles and must fit in a row's SF. */
static int count_width(uint64_t maxc, uint64_t S)
{
    return bits_for(maxc) > bits_for(S) ? bits_for(maxc) : bits_for(S);
}

static bool hz_fits(int cw, uint64_t SF)
{
    return cw >= 2 && SF >= (uint64_t)cw + 1;
}

static bool has_mask(const Fold *f, int m)
{
    return (f->pmask >> m) & 1;
}

/* Where plane m's S weight bits (then its S mask bits, if it has any) start in a PE's
 * share of the weight word: planes without an absent element keep no mask bits. */
static uint64_t plane_off(const Fold *f, int m)
{
    uint64_t at = 0;
    for (int i = 0; i < m; i++)
        at += f->S * (has_mask(f, i) ? 2 : 1);
    return at;
}

static Fold fold_of(const VlPlan *p, const VlStage *s)
{
    const IrModule *m = p->m;
    Fold f = {.w = &m->consts.data[s->pop->args[1].id], .kx = s->in.k};
    f.O = (uint64_t)f.w->type.d[0];
    f.K = ir_type_elems(&f.w->type) / f.O; // dense: d[1]; conv: a window's C * kh * kw
    f.ncls = s->thr ? s->ncls : 0;
    f.kw = f.w->type.bits;
    f.masked = f.w->type.masked;
    f.Q = f.kw * f.kx;
    f.P = (uint64_t)s->pe, f.S = (uint64_t)s->simd;
    f.NF = f.O / f.P, f.SF = f.K / f.S, f.D = f.NF * f.SF;
    f.coef = s->comb ? &m->consts.data[s->comb->args[1].id] : NULL;
    f.rowcoef = f.coef && f.coef->type.d[0] != 1;
    f.nslot = s->comb ? 1 : f.Q;
    if (s->thr) {
        f.neg = &m->consts.data[s->thr->args[1].id];
        f.thr = &m->consts.data[s->thr->args[2].id];
        f.ko = s->out.k;
        f.nodes = (1 << f.ko) - 1;
        uint64_t B = 0, maxc = 0;
        for (uint64_t o = 0; o < f.O; o++) {
            uint64_t b = 0;
            for (int q = 0; q < f.Q; q++) {
                int64_t c = coef(&f, o, q);
                uint64_t n = row_count(&f, o, q / f.kx);
                b += (uint64_t)(c < 0 ? -c : c) * n;
                maxc = n > maxc ? n : maxc;
            }
            B = b > B ? b : B;
        }
        f.cw = count_width(maxc, f.S);
        f.hz = s->comb && hz_fits(f.cw, f.SF);
        f.wa = bits_for(B) + 2;
        if (f.wa < bits_for(f.S) + 2) // room for {0, pc} and {0, pc, 0} (no 0-width zeros)
            f.wa = bits_for(f.S) + 2;
    } else {
        f.wa = 32;
    }
    for (int mm = 0; f.masked && mm < f.kw; mm++)
        for (uint64_t o = 0; o < f.O && !((f.pmask >> mm) & 1); o++)
            if (row_count(&f, o, mm) < f.K)
                f.pmask |= 1u << mm;
    f.WW = f.P * plane_off(&f, f.kw);
    f.NW = f.P *
           (f.hz ? (f.rowcoef ? (uint64_t)f.Q * f.wa : 0) + 1 + (uint64_t)f.nodes * (uint64_t)f.wa
                 : (uint64_t)f.nslot * (uint64_t)f.wa + (f.rowcoef ? (uint64_t)f.Q * f.wa : 0) +
                            (s->thr ? 1 + (uint64_t)f.nodes * (uint64_t)f.wa : 0));
    f.NW += f.P * f.ncls * (uint64_t)f.wa; // per class: the padding correction
    return f;
}

static uint64_t fold_bound(const Fold *f) // the largest |acc|, for clamping thresholds
{
    return f->wa >= 2 ? (1ull << (f->wa - 2)) - 1 : 0;
}

/* A folded conv's ROMs and shape are those of its window unit (vl_window.c). */
static const VlStage *unit_of(const VlPlan *p, const VlStage *s, VlStage *tmp)
{
    if (!s->stream)
        return s;
    *tmp = vl_window_unit(p, s);
    return tmp;
}

uint64_t vl_fold_cycles(const VlPlan *p, const VlStage *s)
{
    if (s->stream)
        return vl_window_cycles(p, s);
    if (!s->pe)
        return 1;
    Fold f = fold_of(p, s);
    return f.NF * f.SF + 4 + (f.hz ? (uint64_t)f.cw + 1 : 0); // + the last row's combine
}

uint64_t vl_stage_latency(const VlPlan *p, const VlStage *s)
{
    if (s->stream)
        return vl_window_latency(p, s);
    return s->pe ? vl_fold_cycles(p, s) - 1 : 1; // accept .. m_tvalid
}

uint64_t vl_frame_cycles(const VlPlan *p)
{
    uint64_t c = 1;
    for (uint32_t i = 0; i < p->stages.len; i++) {
        uint64_t k = vl_fold_cycles(p, &p->stages.data[i]);
        c = k > c ? k : c;
    }
    return c;
}

uint64_t vl_latency(const VlPlan *p)
{
    uint64_t c = 0;
    for (uint32_t i = 0; i < p->stages.len; i++)
        c += vl_stage_latency(p, &p->stages.data[i]);
    return c;
}

/* ---- ROM images ---- */

typedef struct Word {
    uint8_t *b;
    uint64_t n, at;
} Word;

static void put(Word *w, uint64_t v, uint64_t nbits)
{
    for (uint64_t i = 0; i < nbits; i++, w->at++)
        if (i < 64 && ((v >> i) & 1))
            w->b[w->at / 8] |= (uint8_t)(1u << (w->at % 8));
}

static void hex_line(FILE *out, const Word *w)
{
    for (uint64_t d = (w->n + 3) / 4; d-- > 0;)
        fputc("0123456789abcdef"[(w->b[d / 2] >> (4 * (d % 2))) & 15], out);
    fputc('\n', out);
}

static uint64_t modw(int64_t v, int w)
{
    return (uint64_t)v & (w >= 64 ? ~0ull : ((1ull << w) - 1));
}

void vl_write_fold_wrom(FILE *out, const VlPlan *p, const VlStage *s)
{
    VlStage tmp;
    Fold f = fold_of(p, unit_of(p, s, &tmp));
    Word w = {.b = calloc(f.WW / 8 + 2, 1), .n = f.WW};
    if (!w.b)
        abort();
    for (uint64_t nf = 0; nf < f.NF; nf++)
        for (uint64_t sf = 0; sf < f.SF; sf++) {
            memset(w.b, 0, f.WW / 8 + 2);
            w.at = 0;
            for (uint64_t pe = 0; pe < f.P; pe++)
                for (int m = 0; m < f.kw; m++)
                    for (int k = 0; k < (has_mask(&f, m) ? 2 : 1); k++)
                        for (uint64_t i = 0; i < f.S; i++) {
                            uint64_t o = nf * f.P + pe, j = sf * f.S + i;
                            put(&w, wbit(f.w, k == 1, m, o, j) && wbit(f.w, true, m, o, j), 1);
                        }
            hex_line(out, &w);
        }
    free(w.b);
}

void vl_write_fold_nrom(FILE *out, const VlPlan *p, const VlStage *s)
{
    VlStage tmp;
    s = unit_of(p, s, &tmp);
    Fold f = fold_of(p, s);
    Word w = {.b = calloc(f.NW / 8 + 2, 1), .n = f.NW};
    if (!w.b)
        abort();
    int64_t B = (int64_t)fold_bound(&f);
    for (uint64_t nf = 0; nf < f.NF; nf++) {
        memset(w.b, 0, f.NW / 8 + 2);
        w.at = 0;
        for (uint64_t pe = 0; pe < f.P; pe++) {
            uint64_t o = nf * f.P + pe;
            int64_t k0 = 0; // acc = sum c (2 pc - cnt): the -c*cnt part, gathered
            for (int q = 0; q < f.Q; q++) {
                int64_t c = coef(&f, o, q) * (int64_t)row_count(&f, o, q / f.kx);
                if (f.nslot == 1)
                    k0 -= c;
                else
                    put(&w, modw(-c, f.wa), (uint64_t)f.wa);
            }
            if (f.nslot == 1 && !f.hz)
                put(&w, modw(k0, f.wa), (uint64_t)f.wa);
            for (int q = 0; f.rowcoef && q < f.Q; q++)
                put(&w, modw(2 * coef(&f, o, q), f.wa), (uint64_t)f.wa);
            if (!f.thr)
                continue;
            put(&w, f.neg->i[o] != 0, 1);
            for (int j = 0; j < f.nodes; j++) { // |v| <= B: clamp the sentinels
                int64_t T = f.thr->i[o * (uint64_t)f.nodes + (uint64_t)j];
                T = T > B + 1 ? B + 1 : T < -B ? -B : T;
                if (f.hz) // v = +-(k0 + h) >= T  <=>  +-h >= T -+ k0
                    T += f.neg->i[o] ? k0 : -k0;
                put(&w, modw(T, f.wa), (uint64_t)f.wa);
            }
            for (uint32_t c = 0; c < f.ncls; c++) // acc = the full window's + delta (padding)
                put(&w, modw(s->delta[o * f.ncls + c], f.wa), (uint64_t)f.wa);
        }
        hex_line(out, &w);
    }
    free(w.b);
}

/* ---- the module body ---- */

static void write_decls(FILE *o, const VlPlan *p, const VlStage *s, const Fold *f)
{
    unsigned long long iw = s->in.width, ow = s->out.width;
    int aw = ubits(f->D - 1), nw = ubits(f->NF - 1), sw = ubits(f->SF - 1);
    fprintf(o, "    // folded: PE=%llu SIMD=%llu, %llu x %llu folds; weights in %s_w.hex\n",
            (unsigned long long)f->P, (unsigned long long)f->S, (unsigned long long)f->NF,
            (unsigned long long)f->SF, s->name);
    // From 32 words on a LUT ROM costs more than a block RAM (yosys maps the 64 x 33-bit
    // constants of digits_hw's fc2 to 220 LUT4 unless told; a 64 x 160-bit weight ROM to
    // 1700)
    const char *blk = "(* ram_style = \"block\" *) ";
    fprintf(o, "    %sreg [%llu:0] wrom [0:%llu];\n    %sreg [%llu:0] nrom [0:%llu];\n",
            f->D >= 32 ? blk : "", (unsigned long long)f->WW - 1, (unsigned long long)f->D - 1,
            f->NF >= 32 ? blk : "", (unsigned long long)f->NW - 1, (unsigned long long)f->NF - 1);
    fprintf(o,
            "    initial begin\n        $readmemh(\"%s_w.hex\", wrom);\n"
            "        $readmemh(\"%s_n.hex\", nrom);\n    end\n",
            s->name, s->name);
    fprintf(o, "    reg [%llu:0] wq;\n    reg [%llu:0] nq;\n", (unsigned long long)f->WW - 1,
            (unsigned long long)f->NW - 1);
    fprintf(o, "    reg [%llu:0] xbuf;\n    reg [%llu:0] ybuf;\n", iw - 1, ow - 1);
    fprintf(o, "    reg busy, run, vld1, vld2, done;\n");
    if (f->hz)
        fprintf(o, "    reg hon, hfin;\n    reg [%d:0] hk;\n    reg [%d:0] hrow;\n",
                bits_for((uint64_t)f->cw) - 1, nw - 1);
    fprintf(o, "    reg [%d:0] addr;\n    reg [%d:0] nf, nf1, nf2;\n    reg [%d:0] sf, sf1, sf2;\n",
            aw - 1, nw - 1, sw - 1);
    if (f->hz) // the row under combine's constants, held until its thresholds are read
        fprintf(o,
                "    always @(posedge aclk) begin // synchronous reads: block RAM\n"
                "        wq <= wrom[addr];\n        if (vld2 && sf2 == %d'd%llu) nq <= "
                "nrom[nf2];\n    end\n",
                sw, (unsigned long long)f->SF - 1);
    else
        fprintf(o, "    always @(posedge aclk) begin // synchronous reads: block RAM\n"
                   "        wq <= wrom[addr];\n        nq <= nrom[nf1];\n    end\n");
    (void)p;
}

/* xs: this fold's SIMD input elements, all planes. */
static void write_slice(FILE *o, const VlStage *s, const Fold *f)
{
    unsigned long long xw = f->S * (uint64_t)f->kx;
    if (f->SF == 1) {
        fprintf(o, "    wire [%llu:0] xs = xbuf;\n", xw - 1);
        return;
    }
    // Registered from the fold being issued (sf), it arrives with its ROM word: the SF:1
    // mux leaves the popcount's path (it led digits_hw's critical path)
    fprintf(o, "    reg [%llu:0] xs;\n    always @(posedge aclk) begin\n        case (sf)\n",
            xw - 1);
    for (uint64_t k = 0; k < f->SF; k++)
        fprintf(o, "        %d'd%llu: xs <= xbuf[%llu:%llu];\n", ubits(f->SF - 1),
                (unsigned long long)k, (k + 1) * xw - 1, k * xw);
    fprintf(o, "        default: xs <= {%llu{1'b0}};\n        endcase\n    end\n", xw);
    (void)s;
}

/* Count-then-combine (f->hz): per PE and (weight plane, activation plane) pair q a
 * cw-bit counter sums the fold's popcounts over the row (no coefficient in the per-cycle
 * path); when the row's counts are complete they are latched into shift registers cl
 * and combined MSB first in cw cycles, h = 2h + T(the counters' top bits), T a
 * compile-time table of sum 2 c_q per subset of up to 4 pairs (one LUT4 per bit), so
 * h = sum_q 2 c_q count_q; the accumulator's start (-sum c n) sits in the thresholds.
 * The combine of row r overlaps the counting of row r + 1 (needs SF >= cw + 1). */
static void write_pe_hz(FILE *o, const Fold *f, uint64_t pe, uint64_t *nbase)
{
    int wa = f->wa, cw = f->cw, pw = bits_for(f->S);
    unsigned long long u = (unsigned long long)pe;
    for (int q = 0; q < f->Q; q++) {
        fprintf(o, "    reg [%d:0] cnt%llu_%d, cl%llu_%d;\n", cw - 1, u, q, u, q);
        fprintf(o, "    wire [%d:0] cn%llu_%d = (sf2 == %d'd0 ? %d'd0 : cnt%llu_%d) + ", cw - 1, u,
                q, ubits(f->SF - 1), cw, u, q);
        if (cw > pw)
            fprintf(o, "{%d'd0, p%llu_%d};\n", cw - pw, u, q);
        else
            fprintf(o, "p%llu_%d;\n", u, q);
    }
    int ng = f->rowcoef ? 0 : (f->Q + 3) / 4;
    for (int q = 0; f->rowcoef && q < f->Q; q++) { // per-row 2 c_q from the row's ROM word
        unsigned long long lo = *nbase + (unsigned long long)q * (unsigned long long)wa;
        fprintf(o, "    wire [%d:0] tq%llu_%d = cl%llu_%d[%d] ? nq[%llu:%llu] : %d'd0;\n", wa - 1,
                u, q, u, q, cw - 1, lo + (unsigned long long)wa - 1, lo, wa);
    }
    if (f->rowcoef)
        *nbase += (uint64_t)f->Q * (uint64_t)wa;
    for (int g = 0; g < ng; g++) {
        int q0 = 4 * g, n = f->Q - q0 < 4 ? f->Q - q0 : 4;
        fprintf(o, "    reg [%d:0] tg%llu_%d;\n    always @* begin\n        case ({", wa - 1, u, g);
        for (int q = q0 + n; q-- > q0;)
            fprintf(o, "%scl%llu_%d[%d]", q + 1 < q0 + n ? ", " : "", u, q, cw - 1);
        fprintf(o, "})\n");
        for (int sel = 0; sel < (1 << n); sel++) {
            int64_t t = 0;
            for (int i = 0; i < n; i++)
                if ((sel >> i) & 1)
                    t += 2 * coef(f, 0, q0 + i);
            fprintf(o, "        %d'd%d: tg%llu_%d = %d'd%llu;\n", n, sel, u, g, wa,
                    (unsigned long long)modw(t, wa));
        }
        fprintf(o, "        default: tg%llu_%d = %d'd0;\n        endcase\n    end\n", u, g, wa);
    }
    fprintf(o, "    reg [%d:0] h%llu;\n    wire [%d:0] hn%llu = {h%llu[%d:0], 1'b0}", wa - 1, u,
            wa - 1, u, u, wa - 2);
    for (int g = 0; g < ng; g++)
        fprintf(o, " + tg%llu_%d", u, g);
    for (int q = 0; f->rowcoef && q < f->Q; q++)
        fprintf(o, " + tq%llu_%d", u, q);
    fprintf(o, ";\n");
}

/* Per PE: the popcounts of present xnor terms, summed with coefficients into slot sums. */
static void write_pe(FILE *o, const Fold *f, uint64_t pe, uint64_t *nbase)
{
    int wa = f->wa, pw = bits_for(f->S);
    unsigned long long u = (unsigned long long)pe;
    uint64_t wbase = pe * plane_off(f, f->kw);
    uint64_t kbase = *nbase, cbase = kbase + (uint64_t)f->nslot * (uint64_t)wa;
    for (int q = 0; q < f->Q; q++) {
        int m = q / f->kx, n = q % f->kx;
        uint64_t wo = wbase + plane_off(f, m);
        fprintf(o, "    wire [%llu:0] xn%llu_%d = {", (unsigned long long)f->S - 1, u, q);
        for (uint64_t i = f->S; i-- > 0;)
            fprintf(o, "%sxs[%llu]", i + 1 < f->S ? ", " : "",
                    (unsigned long long)(i * (uint64_t)f->kx + (uint64_t)n));
        fprintf(o, "};\n");
        fprintf(o, "    wire [%llu:0] t%llu_%d = ~(wq[%llu:%llu] ^ xn%llu_%d)",
                (unsigned long long)f->S - 1, u, q, (unsigned long long)(wo + f->S - 1),
                (unsigned long long)wo, u, q);
        if (has_mask(f, m))
            fprintf(o, " & wq[%llu:%llu]", (unsigned long long)(wo + 2 * f->S - 1),
                    (unsigned long long)(wo + f->S));
        // registered: the ROM word -> xnor -> popcount path ends here, the counters and
        // accumulators add one cycle later (it led digits_hw's critical path)
        fprintf(o,
                ";\n    reg [%d:0] p%llu_%d;\n    always @(posedge aclk) p%llu_%d <= "
                "pc%llu(t%llu_%d);\n",
                pw - 1, u, q, u, q, (unsigned long long)f->S, u, q);
    }
    if (f->hz) {
        write_pe_hz(o, f, pe, nbase);
        return;
    }
    for (int k = 0; k < f->nslot; k++) {
        fprintf(o, "    wire [%d:0] sum%llu_%d = %d'd0", wa - 1, u, k, wa);
        for (int q = (f->nslot == 1 ? 0 : k); q < (f->nslot == 1 ? f->Q : k + 1); q++) {
            if (f->nslot > 1 || !f->coef) {
                fprintf(o, " + {%d'd0, p%llu_%d, 1'b0}", wa - pw - 1, u, q);
                continue;
            }
            if (f->rowcoef) {
                fprintf(o, "\n        + nq[%llu:%llu] * {%d'd0, p%llu_%d}",
                        (unsigned long long)(cbase + (uint64_t)q * (uint64_t)wa + (uint64_t)wa - 1),
                        (unsigned long long)(cbase + (uint64_t)q * (uint64_t)wa), wa - pw, u, q);
                continue;
            }
            int64_t c = coef(f, 0, q);
            if (c == 0)
                continue;
            fprintf(o, "\n        + %d'd%llu * {%d'd0, p%llu_%d}", wa,
                    (unsigned long long)modw(2 * c, wa), wa - pw, u, q);
        }
        fprintf(o, ";\n");
        unsigned long long k0 = kbase + (unsigned long long)k * (unsigned long long)wa;
        fprintf(o, "    reg [%d:0] acc%llu_%d;\n", wa - 1, u, k);
        fprintf(o,
                "    wire [%d:0] nxt%llu_%d = (sf2 == %d'd0 ? nq[%llu:%llu] : acc%llu_%d) + "
                "sum%llu_%d;\n",
                wa - 1, u, k, ubits(f->SF - 1), k0 + (unsigned long long)wa - 1, k0, u, k, u, k);
    }
    *nbase = cbase + (f->rowcoef ? (uint64_t)f->Q * (uint64_t)wa : 0);
}

/* Per PE: the threshold tree on the finished accumulator -> the neuron's output bits. */
/* A folded conv: the window's border class (the top of the frame register) picks the
 * neuron's padding correction from its constants word: a0 = the accumulator + it. */
static void write_delta(FILE *o, const VlStage *s, const Fold *f, unsigned long long u,
                        unsigned long long lo)
{
    int wa = f->wa;
    const char *a = f->hz ? "h" : "nxt";
    const char *a0 = f->hz ? "" : "_0";
    if (!f->ncls) {
        fprintf(o, "    wire [%d:0] a%llu = %s%llu%s;\n", wa - 1, u, a, u, a0);
        return;
    }
    fprintf(o, "    reg [%d:0] dl%llu;\n    always @* begin\n", wa - 1, u);
    if (s->cls_bits == 0) {
        fprintf(o, "        dl%llu = nq[%llu:%llu];\n    end\n", u, lo + (unsigned long long)wa - 1,
                lo);
    } else {
        unsigned long long top = s->in.width - 1, cb = s->cls_bits;
        fprintf(o, "        case (xbuf[%llu:%llu])\n", top, top + 1 - cb);
        for (uint32_t c = 0; c < f->ncls; c++)
            fprintf(o, "        %llu'd%llu: dl%llu = nq[%llu:%llu];\n", cb,
                    (unsigned long long)s->cls_key[c], u,
                    lo + (unsigned long long)(c + 1) * (unsigned long long)wa - 1,
                    lo + (unsigned long long)c * (unsigned long long)wa);
        fprintf(o, "        default: dl%llu = %d'd0;\n        endcase\n    end\n", u, wa);
    }
    fprintf(o, "    wire [%d:0] a%llu = %s%llu%s + dl%llu;\n", wa - 1, u, a, u, a0, u);
}

static void write_pe_thr(FILE *o, const VlStage *s, const Fold *f, uint64_t pe, uint64_t *nbase)
{
    int wa = f->wa;
    unsigned long long u = (unsigned long long)pe, b = *nbase;
    write_delta(o, s, f, u, b + 1 + (unsigned long long)f->nodes * (unsigned long long)wa);
    fprintf(o, "    wire [%d:0] v%llu = nq[%llu] ? %d'd0 - a%llu : a%llu;\n", wa - 1, u, b, wa, u,
            u);
    for (int j = 0; j < f->nodes; j++) {
        unsigned long long lo = b + 1 + (unsigned long long)j * (unsigned long long)wa;
        fprintf(o, "    wire ge%llu_%d = $signed(v%llu) >= $signed(nq[%llu:%llu]);\n", u, j, u,
                lo + (unsigned long long)wa - 1, lo);
    }
    for (int m = 0; m < f->ko; m++) { // node j = 2 j + 1 + bit, b_0 the MSB of the index
        uint64_t n = 1ull << m;
        if (m == 0) {
            fprintf(o, "    wire b%llu_0 = ge%llu_0;\n", u, u);
            continue;
        }
        fprintf(o, "    wire [%llu:0] c%llu_%d = {", (unsigned long long)n - 1, u, m);
        for (uint64_t pre = n; pre-- > 0;) {
            uint64_t j = 0;
            for (int i = 0; i < m; i++)
                j = 2 * j + 1 + ((pre >> (m - 1 - i)) & 1);
            fprintf(o, "%sge%llu_%llu", pre + 1 < n ? ", " : "", u, (unsigned long long)j);
        }
        fprintf(o, "};\n    wire b%llu_%d = c%llu_%d[{", u, m, u, m);
        for (int i = 0; i < m; i++)
            fprintf(o, "%sb%llu_%d", i ? ", " : "", u, i);
        fprintf(o, "}];\n");
    }
    *nbase += 1 + (uint64_t)(f->nodes + (int)f->ncls) * (uint64_t)wa;
}

/* The finished neurons of one fold, as the slice shifted into ybuf (neuron order). */
static void write_shift(FILE *o, const VlStage *s, const Fold *f)
{
    unsigned long long ow = s->out.width;
    if (s->thr || f->nslot == 1) {
        int per = s->thr ? f->ko : 32;
        unsigned long long sl = f->P * (uint64_t)per;
        fprintf(o, "    wire [%llu:0] ynew = {", sl - 1);
        for (uint64_t pe = f->P; pe-- > 0;) {
            if (!s->thr) {
                fprintf(o, "%snxt%llu_0", pe + 1 < f->P ? ", " : "", (unsigned long long)pe);
                continue;
            }
            for (int m = f->ko; m-- > 0;)
                fprintf(o, "%sb%llu_%d", pe + 1 < f->P || m + 1 < f->ko ? ", " : "",
                        (unsigned long long)pe, m);
        }
        fprintf(o, "};\n");
        if (sl == ow)
            fprintf(o, "    wire [%llu:0] yshift = ynew;\n", ow - 1);
        else
            fprintf(o, "    wire [%llu:0] yshift = {ynew, ybuf[%llu:%llu]};\n", ow - 1, ow - 1, sl);
        return;
    }
    // pair sums: y[32 (q O + o)], one shift register per pair q
    unsigned long long sl = f->P * 32ull, seg = f->O * 32ull;
    fprintf(o, "    wire [%llu:0] yshift = {", ow - 1);
    int n = 0;
    for (int q = f->Q; q-- > 0;) {
        for (uint64_t pe = f->P; pe-- > 0;)
            fprintf(o, "%snxt%llu_%d", n++ ? ", " : "", (unsigned long long)pe, q);
        if (sl < seg)
            fprintf(o, ", ybuf[%llu:%llu]", (unsigned long long)q * seg + seg - 1,
                    (unsigned long long)q * seg + sl);
    }
    fprintf(o, "};\n");
}

/* Count-then-combine: count; at a row's end latch the counts and start its combine (the
 * blocks run in this order, so a new row's latch wins over the last step of none: the
 * combine's cw + 1 cycles fit in the row's SF); after the combine, its bits go out. */
static void write_control_hz(FILE *o, const Fold *f)
{
    int nw = ubits(f->NF - 1), sw = ubits(f->SF - 1), kb = bits_for((uint64_t)f->cw);
    fprintf(o,
            "            if (hfin) begin // the combined row: its bits into the output\n"
            "                ybuf <= yshift; hfin <= 1'b0;\n"
            "                if (hrow == %d'd%llu) done <= 1'b1;\n            end\n",
            nw, (unsigned long long)f->NF - 1);
    fprintf(o, "            if (hon) begin // one Horner step, MSB first\n");
    for (uint64_t pe = 0; pe < f->P; pe++) {
        unsigned long long u = (unsigned long long)pe;
        fprintf(o, "                h%llu <= hn%llu;\n", u, u);
        for (int q = 0; q < f->Q; q++)
            fprintf(o, "                cl%llu_%d <= {cl%llu_%d[%d:0], 1'b0};\n", u, q, u, q,
                    f->cw - 2 < 0 ? 0 : f->cw - 2);
    }
    fprintf(o,
            "                hk <= hk - %d'd1;\n"
            "                if (hk == %d'd1) begin hon <= 1'b0; hfin <= 1'b1; end\n"
            "            end\n",
            kb, kb);
    fprintf(o, "            if (vld2) begin // count; a row's counts complete: combine them\n");
    for (uint64_t pe = 0; pe < f->P; pe++)
        for (int q = 0; q < f->Q; q++)
            fprintf(o, "                cnt%llu_%d <= cn%llu_%d;\n", (unsigned long long)pe, q,
                    (unsigned long long)pe, q);
    fprintf(o, "                if (sf2 == %d'd%llu) begin\n", sw, (unsigned long long)f->SF - 1);
    for (uint64_t pe = 0; pe < f->P; pe++) {
        unsigned long long u = (unsigned long long)pe;
        fprintf(o, "                    h%llu <= %d'd0;\n", u, f->wa);
        for (int q = 0; q < f->Q; q++)
            fprintf(o, "                    cl%llu_%d <= cn%llu_%d;\n", u, q, u, q);
    }
    fprintf(o,
            "                    hon <= 1'b1; hk <= %d'd%d; hrow <= nf2;\n"
            "                end\n            end\n",
            kb, f->cw);
}

static void write_control(FILE *o, const VlStage *s, const Fold *f)
{
    int aw = ubits(f->D - 1), nw = ubits(f->NF - 1), sw = ubits(f->SF - 1);
    fprintf(o, "    assign s_tready = !busy;\n    always @(posedge aclk) begin\n");
    fprintf(o,
            "        if (!aresetn) begin\n"
            "            busy <= 1'b0; run <= 1'b0; vld1 <= 1'b0; vld2 <= 1'b0; done <= 1'b0;\n"
            "            m_tvalid <= 1'b0; addr <= %d'd0; nf <= %d'd0; sf <= %d'd0;%s\n"
            "        end else begin\n",
            aw, nw, sw, f->hz ? " hon <= 1'b0; hfin <= 1'b0;" : "");
    fprintf(o, "            if (s_tvalid && !busy) begin // a frame in: start the folds\n"
               "                xbuf <= s_tdata; busy <= 1'b1; run <= 1'b1;\n"
               "            end\n");
    fprintf(o, "            vld1 <= run; nf1 <= nf; sf1 <= sf;\n"
               "            vld2 <= vld1; nf2 <= nf1; sf2 <= sf1;\n");
    fprintf(o,
            "            if (run) begin // issue ROM address (nf, sf)\n"
            "                addr <= (addr == %d'd%llu) ? %d'd0 : addr + %d'd1;\n"
            "                if (sf == %d'd%llu) begin\n"
            "                    sf <= %d'd0;\n"
            "                    nf <= (nf == %d'd%llu) ? %d'd0 : nf + %d'd1;\n"
            "                    if (nf == %d'd%llu) run <= 1'b0;\n"
            "                end else\n"
            "                    sf <= sf + %d'd1;\n"
            "            end\n",
            aw, (unsigned long long)f->D - 1, aw, aw, sw, (unsigned long long)f->SF - 1, sw, nw,
            (unsigned long long)f->NF - 1, nw, nw, nw, (unsigned long long)f->NF - 1, sw);
    if (f->hz) {
        write_control_hz(o, f);
        goto out;
    }
    fprintf(o, "            if (vld2) begin // accumulate; a neuron fold ends: shift it in\n");
    for (uint64_t pe = 0; pe < f->P; pe++)
        for (int k = 0; k < f->nslot; k++)
            fprintf(o, "                acc%llu_%d <= nxt%llu_%d;\n", (unsigned long long)pe, k,
                    (unsigned long long)pe, k);
    fprintf(o,
            "                if (sf2 == %d'd%llu) begin\n"
            "                    ybuf <= yshift;\n"
            "                    if (nf2 == %d'd%llu) done <= 1'b1;\n"
            "                end\n            end\n",
            sw, (unsigned long long)f->SF - 1, nw, (unsigned long long)f->NF - 1);
out:
    fprintf(o, "            if (done && (!m_tvalid || m_tready)) begin // out: the next frame may "
               "come\n"
               "                m_tdata <= ybuf; m_tvalid <= 1'b1; done <= 1'b0; busy <= "
               "1'b0;\n"
               "            end else if (m_tready)\n"
               "                m_tvalid <= 1'b0;\n"
               "        end\n    end\n");
    (void)s;
}

void vl_write_fold_body(FILE *o, const VlPlan *p, const VlStage *s)
{
    Fold f = fold_of(p, s);
    bool *used = calloc(f.S + 2, sizeof *used);
    if (!used)
        abort();
    used[f.S] = true;
    vl_write_popcount_fns(o, used, f.S);
    free(used);
    write_decls(o, p, s, &f);
    write_slice(o, s, &f);
    uint64_t nbase = 0;
    for (uint64_t pe = 0; pe < f.P; pe++) {
        write_pe(o, &f, pe, &nbase);
        if (s->thr)
            write_pe_thr(o, s, &f, pe, &nbase);
    }
    write_shift(o, s, &f);
    write_control(o, s, &f);
}

VlFoldShape vl_fold_shape(const VlPlan *p, const VlStage *s)
{
    VlStage tmp;
    s = unit_of(p, s, &tmp);
    Fold f = fold_of(p, s);
    return (VlFoldShape){.P = f.P,
                         .S = f.S,
                         .NF = f.NF,
                         .SF = f.SF,
                         .D = f.D,
                         .WW = f.WW,
                         .NW = f.NW,
                         .kx = f.kx,
                         .Q = f.Q,
                         .wa = f.wa,
                         .cw = f.cw,
                         .nodes = s->thr ? f.nodes : 0,
                         .hz = f.hz,
                         .rowcoef = f.rowcoef,
                         .thr = s->thr != NULL,
                         .lrom = f.NF < 32};
}

/* --fold auto on a streaming conv: the smallest PE x SIMD (ties: the wider SIMD) whose
 * cycles per frame (vl_window.c's walk of the buffer) meet the target, if it is smaller
 * than the unfolded unit (one window per cycle). */
static void fold_auto_conv(VlPlan *p, VlStage *s, uint64_t target)
{
    const IrConst *w = &p->m->consts.data[s->pop->args[1].id];
    uint64_t O = (uint64_t)w->type.d[0], K = ir_type_elems(&w->type) / O, best = 0, bp = 0, bs = 0;
    if (ir_bpop_conv2d_groups(s->pop) != 1)
        return;
    for (uint64_t pe = 1; pe <= O; pe++)
        for (uint64_t sd = 1; O % pe == 0 && sd <= K; sd++) {
            if (K % sd || (best && pe * sd > best) || pe * sd == O * K)
                continue;
            VlStage t = *s;
            t.pe = (int64_t)pe, t.simd = (int64_t)sd;
            if (vl_fold_cycles(p, &t) <= target &&
                (!best || pe * sd < best || (pe * sd == best && sd > bs)))
                best = pe * sd, bp = pe, bs = sd;
        }
    if (best)
        s->pe = (int64_t)bp, s->simd = (int64_t)bs;
}

/* --fold auto: the smallest PE x SIMD (ties: the wider SIMD) whose cycles per frame meet
 * the target; a layer no fold can bring under it stays unrolled (1 cycle). */
void vl_fold_auto(VlPlan *p, uint64_t target)
{
    for (uint32_t i = 0; i < p->stages.len; i++) {
        VlStage *s = &p->stages.data[i];
        if (s->kind == VL_MVU && s->stream && !s->pe)
            fold_auto_conv(p, s, target);
        if (s->kind != VL_MVU || s->pop->op != IR_OP_BPOP_DENSE || s->pe)
            continue;
        const IrConst *w = &p->m->consts.data[s->pop->args[1].id];
        uint64_t O = (uint64_t)w->type.d[0], K = (uint64_t)w->type.d[1], best = 0, bp = 0, bs = 0;
        Fold f = {.w = w, .K = K, .kw = w->type.bits};
        uint64_t maxc = 0; // as fold_of: a thresholded unit's combine adds cw + 1 cycles
        for (uint64_t o = 0; s->thr && s->comb && o < O; o++)
            for (int m = 0; m < f.kw; m++) {
                uint64_t n = row_count(&f, o, m);
                maxc = n > maxc ? n : maxc;
            }
        for (uint64_t pe = 1; pe <= O; pe++)
            for (uint64_t sd = 1; O % pe == 0 && sd <= K; sd++) {
                int cw = count_width(maxc, sd);
                uint64_t c = (O / pe) * (K / sd) + 4;
                c += s->thr && s->comb && hz_fits(cw, K / sd) ? (uint64_t)cw + 1 : 0;
                if (K % sd == 0 && c <= target &&
                    (!best || pe * sd < best || (pe * sd == best && sd > bs)))
                    best = pe * sd, bp = pe, bs = sd;
            }
        if (best && best < O * K)
            s->pe = (int64_t)bp, s->simd = (int64_t)bs;
    }
}
