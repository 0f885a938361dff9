// SPDX-License-Identifier: MIT
/* llvm_cost.c: which kernel each bpop layer gets. A layer is int8-eligible when its
 * icomb coefficients factor exactly as coef_o,mn = g_o u_om v_n with weight levels
 * sum_m |u_om| <= 127 and activation levels sum_n |v_n| <= 127 (llvm_int8.h); the cost
 * model then compares bit-serial binops against int8 multiply-accumulates with the
 * per-cycle throughputs of docs/cpu-backend.md (measured in ../shared/docs/cpu.md §2).
 * --explain prints the plan through the Backend.kernels hook. */
#include <stdlib.h>
#include <string.h>

#include <llvm-c/TargetMachine.h>

#include "diag.h"
#include "ice.h"
#include "llvm_backend.h"
#include "llvm_int8.h"

/* Named CPUs whose default features include VNNI / VPOPCNTDQ (LLVM's C API cannot list
 * a named CPU's features; an unknown name gets the x86-64 baseline). */
static bool in_list(const char *cpu, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(cpu, *names) == 0)
            return true;
    return false;
}

static bool has_feature(const char *features, const char *f)
{
    size_t n = strlen(f);
    for (const char *p = features; (p = strstr(p, f)) != NULL; p += n)
        if ((p == features || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return true;
    return false;
}

CpuIsa llvm_cpu_isa(const char *cpu)
{
    CpuIsa s = {0};
    if (!cpu || !*cpu || strcmp(cpu, "native") == 0) {
        char *f = LLVMGetHostCPUFeatures();
        s.avx2 = has_feature(f, "+avx2");
        s.avx512 = has_feature(f, "+avx512f") && has_feature(f, "+avx512bw");
        s.vpopcntdq = s.avx512 && has_feature(f, "+avx512vpopcntdq");
        s.vnni512 = s.avx512 && has_feature(f, "+avx512vnni");
        s.avxvnni = s.avx2 && has_feature(f, "+avxvnni");
        LLVMDisposeMessage(f);
    } else {
        static const char *const v4[] = {"x86-64-v4",  "skylake-avx512", "cascadelake",
                                         "cooperlake", "cannonlake",     NULL};
        static const char *const ice[] = {
                "icelake-client", "icelake-server", "tigerlake", "rocketlake", "sapphirerapids",
                "emeraldrapids",  "graniterapids",  "znver4",    "znver5",     NULL};
        static const char *const v3[] = {"x86-64-v3", "haswell", "broadwell", "skylake",
                                         "znver1",    "znver2",  "znver3",    NULL};
        static const char *const avxvnni[] = {"alderlake", "raptorlake", "meteorlake",
                                              "arrowlake", "gracemont",  "sierraforest",
                                              NULL};
        bool is_ice = in_list(cpu, ice), is_v4 = is_ice || in_list(cpu, v4);
        s.avx512 = is_v4;
        s.vpopcntdq = is_ice;
        s.vnni512 = is_ice || strcmp(cpu, "cascadelake") == 0 || strcmp(cpu, "cooperlake") == 0;
        s.avxvnni = in_list(cpu, avxvnni);
        s.avx2 = is_v4 || s.avxvnni || in_list(cpu, v3);
    }
    s.name = s.vpopcntdq && s.vnni512 ? "AVX-512 VPOPCNTDQ + AVX512-VNNI"
             : s.vnni512              ? "AVX-512 + AVX512-VNNI"
             : s.avx512               ? "AVX-512 (no VNNI)"
             : s.avxvnni              ? "AVX2 + AVX-VNNI"
             : s.avx2                 ? "AVX2 (no VNNI)"
                                      : "SSE (scalar popcnt, no VNNI)";
    return s;
}

/* Per-cycle throughputs of one core (docs/cpu-backend.md has the sources). */
static double binops_per_cycle(const CpuIsa *s)
{
    return s->vpopcntdq ? 655 : s->avx512 ? 236 : s->avx2 ? 118 : 76;
}

static double int8_macs_per_cycle(const CpuIsa *s)
{
    return s->vnni512 ? 128 : s->avxvnni ? 64 : s->avx512 ? 16 : s->avx2 ? 8 : 2;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    a = llabs(a);
    b = llabs(b);
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Per value: the index of the one instruction reading it, or UINT32_MAX (none, several,
 * or an output); one pass over the module (arena). */
static uint32_t *sole_readers(HbCx *cx, const IrModule *m)
{
    uint32_t nv = m->values.len, none = UINT32_MAX, many = UINT32_MAX - 1;
    uint32_t *r = arena_alloc(&cx->arena, (nv + 1) * sizeof *r);
    for (uint32_t v = 0; v < nv; v++)
        r[v] = none;
    for (uint32_t k = 0; k < m->insts.len; k++)
        for (uint32_t a = 0; a < m->insts.data[k].nargs; a++) {
            const IrRef *ref = &m->insts.data[k].args[a];
            if (!ref->is_const) // the same instruction twice is still one reader
                r[ref->id] = r[ref->id] == none || r[ref->id] == k ? k : many;
        }
    for (uint32_t k = 0; k < m->outputs.len; k++)
        r[m->outputs.data[k]] = many;
    for (uint32_t v = 0; v < nv; v++)
        r[v] = r[v] == many ? none : r[v];
    return r;
}

/* Factor the icomb coefficients of bpop `in` into p (arena); NULL and *why when the
 * layer cannot run int8. readers: sole_readers. */
static Int8Plan *factor(HbCx *cx, const IrModule *m, const IrInst *in, const uint32_t *readers,
                        const char **why)
{
    Arena *a = &cx->arena;
    uint32_t rk = readers[in->result];
    const IrInst *ic = rk == UINT32_MAX ? NULL : &m->insts.data[rk];
    if (!ic || ic->op != IR_OP_ICOMB) {
        *why = ic && ic->op == IR_OP_FCOMB
                       ? "its pair sums are combined in float (fcomb): int8 needs integer "
                         "coefficients (icomb)"
                       : "its pair sums are read by something other than one icomb";
        return NULL;
    }
    const IrConst *w = &m->consts.data[in->args[1].id];
    const IrConst *c = &m->consts.data[ic->args[1].id];
    const IrType *xt = &m->values.data[in->args[0].id].type;
    int kw = w->type.bits, kx = xt->bits, P = kw * kx;
    int64_t O = w->type.d[0], rows = c->type.d[0];
    Int8Plan *p = arena_calloc(a, 1, sizeof *p);
    p->icomb = (uint32_t)(ic - m->insts.data);
    p->kw = kw;
    p->kx = kx;
    p->u = arena_calloc(a, (size_t)(O * kw), sizeof *p->u);
    p->gs = arena_calloc(a, (size_t)O, sizeof *p->gs);
    // v: the primitive integer vector of the first nonzero (row, m) slice, leading entry > 0
    const int32_t *first = NULL;
    for (int64_t q = 0; q < rows * kw && !first; q++)
        for (int n = 0; n < kx; n++)
            if (c->i[q * kx + n])
                first = c->i + q * kx;
    int64_t gv = 0, lead = -1;
    for (int n = 0; first && n < kx; n++) {
        gv = gcd64(gv, first[n]);
        if (lead < 0 && first[n])
            lead = n;
    }
    int64_t vsum = 0;
    for (int n = 0; n < kx; n++) {
        p->v[n] = !first ? (n == 0) : (int32_t)(first[n] / gv * (first[lead] < 0 ? -1 : 1));
        vsum += llabs((long long)p->v[n]);
    }
    if (lead < 0)
        lead = 0;
    if (vsum > 127) {
        *why = arena_printf(a, "activation levels need sum |v_n| = %lld > 127 (icomb '%s')",
                            (long long)vsum, c->name);
        return NULL;
    }
    for (int64_t o = 0; o < O; o++) {
        const int32_t *row = c->i + (rows == 1 ? 0 : o) * P;
        int64_t lam[IR_MAX_BITS], g = 0, usum = 0;
        for (int mm = 0; mm < kw; mm++) {
            const int32_t *s = row + mm * kx;
            lam[mm] = s[lead] / p->v[lead];
            for (int n = 0; n < kx; n++)
                if ((int64_t)s[n] != lam[mm] * p->v[n]) {
                    *why = arena_printf(a,
                                        "the coefficients of row %lld are not weight level x "
                                        "activation level (plane pair (%d,%d) = %d)",
                                        (long long)o, mm, n, s[n]);
                    return NULL;
                }
            g = gcd64(g, lam[mm]);
        }
        g = g ? g : 1;
        for (int mm = 0; mm < kw; mm++) {
            p->u[o * kw + mm] = (int32_t)(lam[mm] / g);
            usum += llabs(lam[mm] / g);
        }
        if (usum > 127) {
            *why = arena_printf(a,
                                "weight levels of row %lld need sum |u_m| = %lld > 127 (the "
                                "coefficients are not small multiples of one step)",
                                (long long)o, (long long)usum);
            return NULL;
        }
        p->gs[o] = (int32_t)g;
    }
    return p;
}

/* The kernel's 8-channel blocks per pixel (*blocks) and their plane pairs (the return
 * value, counted per lane: blocks x 8 x pairs) of bpop `in` with `abits` activation
 * planes: every block has all Kw x Kx pairs, except a `group channel` layer's kernels per
 * width (*groups: its channels per width, "1:N 2:N ..."; else NULL), whose blocks hold
 * their width's pairs only. */
static double pair_rows(HbCx *cx, const IrModule *m, const IrInst *in, int abits, double *blocks,
                        const char **groups)
{
    const IrConst *w = &m->consts.data[in->args[1].id];
    int64_t O = w->type.d[0], ng = in->op == IR_OP_BPOP_CONV2D ? ir_window(m, in).groups : 1;
    int64_t og = O / ng;
    double P = (double)w->type.bits * abits;
    *blocks = (double)(ng * ((og + 7) / 8));
    *groups = NULL;
    double rows = (double)ng * (double)((og + 7) / 8 * 8) * P;
    int *wid = w->masks && ng == 1 ? malloc((size_t)O * sizeof *wid) : NULL;
    int64_t *order = wid ? malloc((size_t)O * sizeof *order) : NULL, ends[IR_MAX_BITS + 2] = {0};
    int64_t per =
            in->op == IR_OP_BPOP_CONV2D ? w->type.d[1] * w->type.d[2] * w->type.d[3] : w->type.d[1];
    if (wid && order && bpop_row_widths(w, per, wid)) { // group channel: a kernel per width
        rows = 0, *blocks = 0;
        *groups = "";
        bpop_width_blocks(wid, O, w->type.bits, order, ends); // the blocks' widths
        for (int b = 1; b <= w->type.bits; b++) {
            int64_t n = 0;
            for (int64_t o = 0; o < O; o++)
                n += wid[o] == b;
            rows += (double)((ends[b] - ends[b + 1] + 7) / 8 * 8 * b * abits);
            *blocks += (double)((ends[b] - ends[b + 1] + 7) / 8);
            *groups = arena_printf(&cx->arena, "%s%s%d:%lld", *groups, b > 1 ? " " : "", b,
                                   (long long)n);
        }
    }
    free(order);
    free(wid);
    return rows;
}

/* Estimated cycles per example of bpop `in` on each path (docs/cpu-backend.md). */
static void estimate(HbCx *cx, const IrModule *m, const IrInst *in, const CpuIsa *s,
                     KernelChoice *k)
{
    const IrConst *w = &m->consts.data[in->args[1].id];
    const IrType *xt = &m->values.data[in->args[0].id].type;
    int64_t O = w->type.d[0], cg = w->type.d[1], T = 1, pix = 1, ng = 1;
    bool conv = in->op == IR_OP_BPOP_CONV2D;
    IrWindow win = conv ? ir_window(m, in) : ir_window_dense(cg, O);
    if (conv) {
        ng = win.groups;
        cg = win.C / ng;
        T = win.kh * win.kw;
        pix = win.OH * win.OW;
    }
    int64_t og = O / ng;
    double kbits = (double)(T * ((cg + 63) / 64 * 64)), kint8 = (double)(T * ((cg + 3) / 4 * 4));
    double mask = xt->masked ? 2.3 : w->masks ? 1.25 : 1.0, blocks;
    k->macs = (double)(O * T * cg * pix);
    double rows = pair_rows(cx, m, in, k->abits, &blocks, &k->groups);
    if (k->groups) // one popcount per pair; a masked input's pairs n >= 1 broadcast its mask
        mask = xt->masked ? 1.1 : 1.0;
    k->cost_bitserial = (double)rows * (double)pix * kbits * mask / binops_per_cycle(s);
    k->cost_int8 = (double)ng * (double)((og + 15) / 16 * 16) * (double)pix * kint8 /
                   int8_macs_per_cycle(s);
    // a dense layer's int8 kernel reads its u8 weights once per example (a conv's reuse
    // them across a tile's pixels) and waits on them: measured at 31-51 bytes a cycle
    // (W3A3 64 x 512, 256 x 2048, 256 x 4096 at batch 16: 0.28, 2.97, 9.8 us an example
    // at 3.5 GHz; their multiply-accumulates alone 0.07, 1.2, 2.4 us), so at most 32
    double wbytes = (double)((og + 15) / 16 * 16) * kint8;
    if (!conv && wbytes / 32 > k->cost_int8)
        k->cost_int8 = wbytes / 32;
    if (conv && int8_depthwise(&win)) // llvm_dw.c: pixels in lanes
        k->cost_int8 = dw_cycles(&win, k->abits, 0, 0, s->avx512);
    int r = conv ? dw_pair_bits(&win, k->abits) : 0;
    if (r) {
        k->dw_pairs = true;
        k->cost_bitserial = dw_cycles(&win, k->abits, r, dw_planes(w, win.C, T), s->avx512);
    }
}

/* Estimated cycles per example of bpop `in`'s fused tile epilogue (its fields in c set;
 * a dense layer's: one pixel): the 8-lane vector operations llvm_bpop_store.c emits per
 * 8-channel block and output pixel, 2 per cycle, twice as many on AVX2 (4 lanes of i64 / f64) and 4
 * times on SSE. Float combine: per plane pair a conversion, a multiply and an add (no FMA: the
 * interpreter's rounding), the bias and rounding, the batch norm's 4, and the transposed
 * store (~4). Threshold: per pair a multiply and an add, the threshold tree (2^K - 1
 * compares and selects), per plane the byte and its store (2), a 1-bit pool's OR (2 per
 * plane), a multi-bit pool's two rank select trees and K selects (2^(K+1) + 2K); into a
 * dequant the level's select tree and its stores (2, a pool's max 2 more: LLVM keeps the
 * lanes in vectors). Checked against perf of cifar_vgg (docs/cpu-backend.md): between
 * layers of equal estimated popcount work, the time difference per extra block and pixel
 * was 1.3x this (threshold, W1A1 s2 - s4) and 0.6x and 1.0x (float, h14c s2 - s4, s3 - s5).
 * Not in cost_bitserial: an int8 layer does not fuse, so the choice compares the kernels
 * alone. */
static double epilogue_cost(HbCx *cx, const IrModule *m, const IrInst *in, const KernelChoice *c,
                            const CpuIsa *s)
{
    if (!c->epilogue || c->dw_bits) // llvm_dwbits.c: in the kernel's estimate (borrow chain)
        return 0;
    // a dense layer's tile epilogue (fcomb) runs once per example: one pixel
    IrWindow win = in->op == IR_OP_BPOP_CONV2D ? ir_window(m, in) : (IrWindow){.OH = 1, .OW = 1};
    if (c->dw_pairs) { // llvm_dw.c, per 16-pixel chunk: the icomb, the tree, the code's byte
        double P = (double)(c->wbits * c->abits), K = c->epilogue_bits;
        double chunks = (double)(win.C * win.OH * ((win.OW + 15) / 16));
        return chunks * (2 * P + (double)((1 << c->epilogue_bits) - 1) + 2 * K + 2) / 2 *
               (s->avx512 ? 1 : 2);
    }
    double blocks, pairs = pair_rows(cx, m, in, c->abits, &blocks, &(const char *){NULL}) / 8;
    double K = c->epilogue_bits, treeK = (double)((1 << c->epilogue_bits) - 1), ops;
    if (c->epilogue_float)
        ops = 3 * pairs + blocks * (2 + (c->epilogue_bn ? 4 : 0) + 4);
    else if (c->epilogue_dequant)
        ops = 2 * pairs + blocks * (2 * treeK + 2 + (c->epilogue_pool ? 2 : 0));
    else
        ops = 2 * pairs + blocks * (treeK + 2 * K +
                                    (!c->epilogue_pool ? 0
                                     : K == 1          ? 2 * K
                                                       : 2 * (treeK + 1) + 2 * K));
    return (double)(win.OH * win.OW) * ops / 2 * (s->avx512 ? 1 : s->avx2 ? 2 : 4);
}

static void refuse(HbCx *cx, const IrModule *m, const IrInst *in, const char *why)
{
    const char *name = m->values.data[in->result].name;
    Diag *d = span_valid(in->span)
                      ? diag_error(cx, in->span,
                                   "--kernel int8: layer '%s' cannot use int8 kernels", name)
                      : diag_file_error(cx, NULL,
                                        "--kernel int8: layer '%s' cannot use int8 kernels", name);
    diag_note(cx, d, "%s", why);
    diag_help(cx, d, "use --kernel auto (the cost model's choice per layer) or --kernel bitserial");
}

/* The plan: choices (arena, one per bpop) and the Int8Plan of each int8 one. */
static bool plan(HbCx *cx, const IrModule *m, const BackendOptions *o, KernelChoice **out,
                 uint32_t *n, Int8Plan **plans, CpuIsa *isa)
{
    *isa = llvm_cpu_isa(o->cpu);
    uint32_t cnt = 0;
    for (uint32_t k = 0; k < m->insts.len; k++)
        cnt += m->insts.data[k].op == IR_OP_BPOP_DENSE || m->insts.data[k].op == IR_OP_BPOP_CONV2D;
    KernelChoice *ch = arena_calloc(&cx->arena, cnt + 1, sizeof *ch);
    const uint32_t *readers = sole_readers(cx, m);
    bool ok = true;
    uint32_t j = 0;
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op != IR_OP_BPOP_DENSE && in->op != IR_OP_BPOP_CONV2D)
            continue;
        KernelChoice *c = &ch[j++];
        const IrConst *w = &m->consts.data[in->args[1].id];
        const IrType *xt = &m->values.data[in->args[0].id].type;
        *c = (KernelChoice){.inst = k,
                            .layer = m->values.data[in->result].name,
                            .wbits = w->type.bits,
                            .abits = xt->bits,
                            .masked = xt->masked || w->masks};
        estimate(cx, m, in, isa, c);
        const char *why = NULL;
        Int8Plan *p = factor(cx, m, in, readers, &why);
        c->eligible = p != NULL;
        if (!p) {
            c->cost_int8 = 0;
            c->why = why;
            if (o->kernel == BK_INT8) {
                refuse(cx, m, in, why);
                ok = false;
            }
            continue;
        }
        c->int8 =
                o->kernel == BK_INT8 || (o->kernel == BK_AUTO && c->cost_int8 < c->cost_bitserial);
        c->why = o->kernel == BK_INT8        ? "forced by --kernel int8"
                 : o->kernel == BK_BITSERIAL ? "forced by --kernel bitserial"
                 : c->int8                   ? "int8 is cheaper"
                                             : "bit-serial is cheaper";
        if (plans && c->int8)
            plans[k] = p;
    }
    *out = ch;
    *n = cnt;
    return ok;
}

/* The depthwise layers that run bit-sliced (g_dws_layers; never under --kernel int8):
 * not int8, their estimate the bit-serial one; chosen when cheaper than the other
 * bit-serial kernel and (--kernel auto) than int8. Returns the per-instruction flags. */
static bool *bitsliced(HbCx *cx, const IrModule *m, const BackendOptions *o, KernelChoice *ch,
                       uint32_t n, Int8Plan **plans, const CpuIsa *s)
{
    G g = {.cx = cx, .m = m, .o = o, .int8 = plans};
    uint8_t *planes = arena_calloc(&cx->arena, m->insts.len + 1, sizeof *planes);
    uint8_t *qbits = arena_calloc(&cx->arena, m->insts.len + 1, sizeof *qbits);
    bool *d = g_dws_layers(&g, planes, qbits);
    for (uint32_t j = 0; j < n; j++) {
        KernelChoice *c = &ch[j];
        uint32_t k = c->inst;
        if (!d[k])
            continue;
        IrWindow w = ir_window(m, &m->insts.data[k]);
        // (sums mode of several weight planes: a count per plane, as per input plane)
        int counts = c->abits * (planes[k] ? 1 : c->wbits);
        double cost = dws_cycles(&w, s->avx512, !planes[k], counts, planes[k], qbits[k]);
        // against the other bit-serial kernel (the pixel-lane pair sums) and int8
        d[k] = cost < c->cost_bitserial &&
               (o->kernel == BK_BITSERIAL ||
                (o->kernel == BK_AUTO && (!c->eligible || cost < c->cost_int8)));
        if (!d[k])
            continue;
        plans[k] = NULL;
        c->dw_bits = true;
        c->dw_levels = qbits[k];
        c->dw_pairs = false;
        c->int8 = false;
        c->cost_bitserial = cost;
        if (c->eligible) // (else why int8 cannot run stays)
            c->why = o->kernel == BK_BITSERIAL ? "forced by --kernel bitserial"
                                               : "bit-sliced is cheaper";
    }
    return d;
}

/* The float conv2d and dense layers merged with the bpop entries in program order, each
 * conv2d with the sign its tile writes packed (g_float_epilogues). */
static void float_layers(G *g, KernelChoice **out, uint32_t *n)
{
    const IrModule *m = g->m;
    uint32_t nf = 0;
    for (uint32_t k = 0; k < m->insts.len; k++)
        nf += m->insts.data[k].op == IR_OP_CONV2D || m->insts.data[k].op == IR_OP_DENSE;
    if (!nf)
        return;
    KernelChoice *ch = arena_calloc(&g->cx->arena, *n + nf + 1, sizeof *ch);
    uint32_t *dest = arena_calloc(&g->cx->arena, m->insts.len + 1, sizeof *dest);
    g_float_epilogues(g, dest);
    uint32_t j = 0, b = 0; // b: the next bpop entry (they are in program order)
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (b < *n && (*out)[b].inst == k)
            ch[j++] = (*out)[b++];
        if (in->op != IR_OP_CONV2D && in->op != IR_OP_DENSE)
            continue;
        const IrType *t = &m->values.data[in->result].type;
        const IrType *wt = in->args[1].is_const ? &m->consts.data[in->args[1].id].type
                                                : &m->values.data[in->args[1].id].type;
        KernelChoice *c = &ch[j++];
        // MACs: outputs x the weight's per-output extent (C/g * kh * kw, or N)
        double per = (double)ir_type_elems(wt) / (double)(wt->d[0] > 0 ? wt->d[0] : 1);
        *c = (KernelChoice){.is_float = true,
                            .inst = k,
                            .layer = m->values.data[in->result].name,
                            .macs = (double)ir_type_elems(t) * per};
        if (dest[k] == UINT32_MAX)
            continue;
        c->epilogue = m->values.data[dest[k]].name;
        const IrInst *sg = &m->insts.data[m->values.data[dest[k]].def];
        if (m->values.data[dest[k]].type.enc != IR_BITS) { // batchnorm [-> relu] floats
            c->epilogue_float = c->epilogue_bn = true;
            c->epilogue_relu = sg->op == IR_OP_RELU;
            continue;
        }
        c->epilogue_bn = m->insts.data[m->values.data[sg->args[0].id].def].op == IR_OP_BATCHNORM;
        c->epilogue_bits = sg->op == IR_OP_QUANT ? m->values.data[dest[k]].type.bits : 0;
        c->float_f32 = fsign_layer(m, in, dest[k]);
    }
    HB_CHECK(b == *n, "the bpop entries are in program order");
    *out = ch;
    *n = j;
}

bool llvm_kernels(HbCx *cx, const IrModule *m, const BackendOptions *o, KernelChoice **out,
                  uint32_t *n, const char **isa)
{
    CpuIsa s;
    Int8Plan **plans = arena_calloc(&cx->arena, m->insts.len + 1, sizeof *plans);
    bool ok = plan(cx, m, o, out, n, plans, &s);
    *isa = s.name;
    bool *dws = ok ? bitsliced(cx, m, o, *out, *n, plans, &s) : NULL;
    // which bit-serial convolutions threshold and pack (or combine in float) in their tile
    // epilogue
    G g = {.cx = cx, .m = m, .o = o, .int8 = plans, .dws = dws};
    uint32_t *dest = arena_calloc(&cx->arena, m->insts.len + 1, sizeof *dest);
    bool *codes = arena_calloc(&cx->arena, m->insts.len + 1, sizeof *codes);
    g_epilogues(&g, dest, codes);
    for (uint32_t j = 0; j < *n; j++) {
        uint32_t d = dest[(*out)[j].inst];
        if (d == UINT32_MAX)
            continue;
        (*out)[j].epilogue = m->values.data[d].name;
        (*out)[j].epilogue_codes = codes[(*out)[j].inst];
        IrOp op = m->insts.data[m->values.data[d].def].op;
        (*out)[j].epilogue_float = op == IR_OP_FCOMB || op == IR_OP_BATCHNORM;
        (*out)[j].epilogue_dequant = op == IR_OP_DEQUANT;
        d = g_epi_bits(m, d);
        op = m->insts.data[m->values.data[d].def].op;
        (*out)[j].epilogue_pool = op == IR_OP_MAXPOOL;
        (*out)[j].epilogue_bits = m->values.data[d].type.bits;
        (*out)[j].epilogue_bn = op == IR_OP_BATCHNORM;
        (*out)[j].cost_epilogue =
                epilogue_cost(cx, m, &m->insts.data[(*out)[j].inst], &(*out)[j], &s);
    }
    float_layers(&g, out, n);
    return ok;
}

bool llvm_int8_plan(HbCx *cx, const IrModule *m, const BackendOptions *o, Int8Plan ***plans,
                    bool **dws)
{
    *plans = arena_calloc(&cx->arena, m->insts.len + 1, sizeof **plans);
    KernelChoice *ch;
    uint32_t n;
    CpuIsa s;
    if (!plan(cx, m, o, &ch, &n, *plans, &s))
        return false;
    *dws = bitsliced(cx, m, o, ch, n, *plans, &s);
    return true;
}
