// SPDX-License-Identifier: MIT
/* interp.c: the reference interpreter's driver and its float ops (docs/ir.md §4).
 * Every float op accumulates in double in the documented order and rounds once to
 * float; no SIMD, no reordering. Dispatch goes through a table generated
 * from ir_ops.h (i_fns), so every op has an evaluator. */
#include <math.h>
#include <string.h>

#include "interp_internal.h"

static uint64_t elems(const IrType *t)
{
    return ir_type_elems(t);
}

static bool i_input(IStep *s)
{
    (void)s; // filled by interp_example
    return true;
}

/* y_o = sum_j W[o][j] * x[j] (j ascending, double) + b[o], rounded once. */
static bool i_dense(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    const IrConst *w = is_const(s, 1), *b = is_const(s, 2);
    uint64_t O = (uint64_t)w->type.d[0], N = (uint64_t)w->type.d[1];
    for (uint64_t o = 0; o < O; o++) {
        double y = 0;
        for (uint64_t j = 0; j < N; j++)
            y += (double)w->f[o * N + j] * (double)x[j];
        s->out->f[o] = (float)(y + (double)b->f[o]);
    }
    return true;
}

/* Zero padding: positions outside the input are skipped (they would add 0). Sum order
 * (ci, ky, kx) ascending, in double, then + bias, rounded once. */
static bool i_conv2d(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    const IrConst *w = is_const(s, 1), *b = is_const(s, 2);
    IrWindow g = ir_window(s->it->m, s->in);
    int64_t H = g.H, W = g.W, O = g.O, cg = g.C / g.groups, og = O / g.groups;
    int64_t kh = g.kh, kw = g.kw, OH = g.OH, OW = g.OW;
    for (int64_t o = 0; o < O; o++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double y = 0;
                for (int64_t ci = 0; ci < cg; ci++)
                    for (int64_t ky = 0; ky < kh; ky++)
                        for (int64_t kx = 0; kx < kw; kx++) {
                            int64_t iy, ix;
                            if (!ir_window_tap(&g, oy, ox, ky, kx, &iy, &ix))
                                continue;
                            int64_t c = (o / og) * cg + ci;
                            y += (double)w->f[((o * cg + ci) * kh + ky) * kw + kx] *
                                 (double)x[(c * H + iy) * W + ix];
                        }
                s->out->f[(o * OH + oy) * OW + ox] = (float)(y + (double)b->f[o]);
            }
    return true;
}

/* z = y * scale[c] + shift[c] in double, rounded once. */
static bool i_batchnorm(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    const IrConst *sc = is_const(s, 1), *sh = is_const(s, 2);
    uint64_t n = elems(s->ot), per = n / (uint64_t)s->ot->d[0];
    for (uint64_t j = 0; j < n; j++)
        s->out->f[j] = (float)((double)x[j] * sc->f[j / per] + sh->f[j / per]);
    return true;
}

static bool i_relu(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    for (uint64_t j = 0; j < elems(s->ot); j++)
        s->out->f[j] = x[j] > 0 ? x[j] : 0.0f;
    return true;
}

static bool i_hardtanh(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    float lo = (float)ir_hardtanh_lo(s->in), hi = (float)ir_hardtanh_hi(s->in);
    for (uint64_t j = 0; j < elems(s->ot); j++)
        s->out->f[j] = x[j] < lo ? lo : x[j] > hi ? hi : x[j];
    return true;
}

/* sigmoid, tanh and gelu (erf form): in double, rounded once. */
static bool i_sigmoid(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    for (uint64_t j = 0; j < elems(s->ot); j++)
        s->out->f[j] = (float)(1.0 / (1.0 + exp(-(double)x[j])));
    return true;
}

static bool i_tanh(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    for (uint64_t j = 0; j < elems(s->ot); j++)
        s->out->f[j] = (float)tanh((double)x[j]);
    return true;
}

static bool i_gelu(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    for (uint64_t j = 0; j < elems(s->ot); j++) {
        double v = x[j];
        s->out->f[j] = (float)(0.5 * v * (1.0 + erf(v / sqrt(2.0))));
    }
    return true;
}

/* x > 0 ? x : x * slope (the product in double, rounded once). */
static bool i_leaky_relu(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    double slope = ir_leaky_relu_slope(s->in);
    for (uint64_t j = 0; j < elems(s->ot); j++)
        s->out->f[j] = x[j] > 0 ? x[j] : (float)((double)x[j] * slope);
    return true;
}

/* Max over the valid window positions (padding excluded). Bits: the first element of
 * the largest rank (ir_code_ranks: the largest value; the verifier checked that ranks
 * exist), its code and width copied; on one plane that is the OR of the sign bits. */
static bool i_maxpool(IStep *s)
{
    const IrType *xt = is_type(s, 0);
    const IBuf *x = is_val(s, 0);
    IrWindow g = ir_window(s->it->m, s->in);
    int64_t C = g.C, H = g.H, W = g.W, OH = g.OH, OW = g.OW;
    bool bits = xt->enc == IR_BITS;
    uint16_t rank[IR_CODE_RANKS];
    if (bits)
        ir_code_ranks(s->it->m, xt, rank);
    for (int64_t c = 0; c < C; c++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                float best = -INFINITY;
                int64_t arg = -1;
                int top = -1;
                for (int64_t ky = 0; ky < g.kh; ky++)
                    for (int64_t kx = 0; kx < g.kw; kx++) {
                        int64_t iy, ix;
                        if (!ir_window_tap(&g, oy, ox, ky, kx, &iy, &ix))
                            continue;
                        int64_t e = (c * H + iy) * W + ix;
                        int r = bits ? rank[ir_code_index(x->s[e], is_width(x, xt, (uint64_t)e),
                                                          xt->bits)]
                                     : 0;
                        if (bits ? r > top : x->f[e] > best)
                            best = bits ? best : x->f[e], top = r, arg = e;
                    }
                int64_t o = (c * OH + oy) * OW + ox;
                if (!bits)
                    s->out->f[o] = best;
                else if (arg < 0) // cannot happen: pad <= k/2 leaves every window an input
                    s->out->s[o] = 0;
                else if (xt->bits == 1 && !xt->masked)
                    s->out->s[o] = x->s[arg] & 1;
                else {
                    s->out->s[o] = x->s[arg];
                    if (xt->masked)
                        s->out->w[o] = x->w[arg];
                }
            }
    if (bits)
        memcpy(s->out->beta, x->beta, sizeof x->beta);
    return true;
}

/* The window's inputs summed in double (ky, kx ascending; padding adds 0), divided by
 * ir_avgpool_count (padding counted, as torch's count_include_pad=True), rounded once. */
static bool i_avgpool(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    IrWindow g = ir_window(s->it->m, s->in);
    int64_t C = g.C, H = g.H, W = g.W, OH = g.OH, OW = g.OW;
    for (int64_t c = 0; c < C; c++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double sum = 0;
                for (int64_t ky = 0; ky < g.kh; ky++)
                    for (int64_t kx = 0; kx < g.kw; kx++) {
                        int64_t iy, ix;
                        if (ir_window_tap(&g, oy, ox, ky, kx, &iy, &ix))
                            sum += x[(c * H + iy) * W + ix];
                    }
                s->out->f[(c * OH + oy) * OW + ox] =
                        (float)(sum / (double)ir_avgpool_count(&g, oy, ox));
            }
    return true;
}

/* Copy `n` elements of `from` (type t) to `to` at element offset `at`. */
static void copy_elems(IBuf *to, uint64_t at, const IBuf *from, const IrType *t)
{
    uint64_t n = elems(t);
    if (t->enc == IR_F32) {
        memcpy(to->f + at, from->f, n * sizeof(float));
        return;
    }
    memcpy(to->s + at, from->s, n);
    if (t->masked)
        memcpy(to->w + at, from->w, n);
    memcpy(to->beta, from->beta, sizeof to->beta);
}

static bool i_flatten(IStep *s)
{
    copy_elems(s->out, 0, is_val(s, 0), is_type(s, 0));
    return true;
}

static bool i_concat(IStep *s)
{
    uint64_t at = 0;
    for (uint32_t k = 0; k < s->in->nargs; k++) {
        copy_elems(s->out, at, is_val(s, (int)k), is_type(s, (int)k));
        at += elems(is_type(s, (int)k));
    }
    return true;
}

static bool i_add(IStep *s)
{
    const float *a = is_val(s, 0)->f, *b = is_val(s, 1)->f;
    for (uint64_t j = 0; j < elems(s->ot); j++)
        s->out->f[j] = a[j] + b[j];
    return true;
}

/* a * b in float (one rounding); a dimension of size 1 in either operand broadcasts. */
static bool i_mul(IStep *s)
{
    const IrType *at = is_type(s, 0), *bt = is_type(s, 1);
    const float *a = is_val(s, 0)->f, *b = is_val(s, 1)->f;
    int r = s->ot->rank;
    int64_t idx[IR_MAX_RANK] = {0};
    for (uint64_t j = 0; j < elems(s->ot); j++) {
        int64_t ja = 0, jb = 0;
        for (int i = 0; i < r; i++) {
            ja = ja * at->d[i] + (at->d[i] == 1 ? 0 : idx[i]);
            jb = jb * bt->d[i] + (bt->d[i] == 1 ? 0 : idx[i]);
        }
        s->out->f[j] = a[ja] * b[jb];
        for (int i = r - 1; i >= 0 && ++idx[i] == s->ot->d[i]; i--) // next index, row-major
            idx[i] = 0;
    }
    return true;
}

/* e_j = exp(x_j - max) in double; y_j = e_j / sum e, rounded once. */
static bool i_softmax(IStep *s)
{
    const float *x = is_val(s, 0)->f;
    uint64_t n = elems(s->ot);
    double mx = x[0], sum = 0;
    for (uint64_t j = 1; j < n; j++)
        mx = x[j] > mx ? x[j] : mx;
    for (uint64_t j = 0; j < n; j++)
        sum += exp((double)x[j] - mx);
    for (uint64_t j = 0; j < n; j++)
        s->out->f[j] = (float)(exp((double)x[j] - mx) / sum);
    return true;
}

/* The first index of the maximum. */
static bool i_argmax(IStep *s)
{
    const IrType *xt = is_type(s, 0);
    const float *x = is_val(s, 0)->f;
    int32_t best = 0;
    for (int64_t j = 1; j < xt->d[0]; j++)
        if (x[j] > x[best])
            best = (int32_t)j;
    s->out->i[0] = best;
    return true;
}

/* Generated from HB_IR_OPS: an op added to ir_ops.h without an i_NAME evaluator here or
 * in interp_bits.c is a build error ("'i_NAME' undeclared"), never a NULL call. */
typedef bool (*IFn)(IStep *);
static const IFn i_fns[IR_OP_COUNT] = {
#define X(E, name, operands) [IR_OP_##E] = i_##name,
        HB_IR_OPS(X)
#undef X
};

bool interp_has_ideal(const IrModule *m)
{
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if ((in->op == IR_OP_ICOMB || in->op == IR_OP_THRESHOLD) && !in->fold)
            return false;
    }
    return true;
}

Interp *interp_new(HbCx *cx, const IrModule *m)
{
    return interp_new_mode(cx, m, INTERP_INTEGER);
}

Interp *interp_new_mode(HbCx *cx, const IrModule *m, InterpMode mode)
{
    Interp *it = arena_alloc(&cx->arena, sizeof *it);
    it->cx = cx;
    it->m = m;
    it->mode = mode;
    it->v = arena_calloc(&cx->arena, m->values.len ? m->values.len : 1, sizeof(IBuf));
    for (uint32_t k = 0; k < m->values.len; k++) {
        const IrType *t = &m->values.data[k].type;
        uint64_t n = elems(t);
        IBuf *b = &it->v[k];
        if (t->enc == IR_F32)
            b->f = arena_calloc(&cx->arena, n, sizeof(float));
        else if (t->enc == IR_I32)
            b->i = arena_calloc(&cx->arena, n, sizeof(int32_t));
        else
            b->s = arena_calloc(&cx->arena, n, 1);
        if (t->enc == IR_BITS && t->masked)
            b->w = arena_calloc(&cx->arena, n, 1);
    }
    for (uint32_t k = 0; mode == INTERP_IDEAL && k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op == IR_OP_ICOMB && in->fold)
            it->v[in->result].d = arena_calloc(&cx->arena, elems(&m->values.data[in->result].type),
                                               sizeof(double));
    }
    return it;
}

bool interp_example(Interp *it, const float *const *inputs)
{
    const IrModule *m = it->m;
    for (uint32_t k = 0; k < m->inputs.len; k++) {
        uint32_t v = m->inputs.data[k];
        memcpy(it->v[v].f, inputs[k], elems(&m->values.data[v].type) * sizeof(float));
    }
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        IStep s = {.it = it,
                   .in = in,
                   .out = &it->v[in->result],
                   .ot = &m->values.data[in->result].type};
        if (!i_fns[in->op](&s))
            return false;
    }
    return true;
}

uint64_t interp_out_elems(const IrModule *m)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < m->outputs.len; k++)
        n += elems(&m->values.data[m->outputs.data[k]].type);
    return n;
}

void interp_outputs(const Interp *it, float *out)
{
    const IrModule *m = it->m;
    for (uint32_t k = 0; k < m->outputs.len; k++) {
        const IrType *t = &m->values.data[m->outputs.data[k]].type;
        const IBuf *b = &it->v[m->outputs.data[k]];
        for (uint64_t j = 0; j < elems(t); j++)
            *out++ = t->enc == IR_F32 ? b->f[j] : (float)b->i[j];
    }
}

void interp_print_line(FILE *fp, const Interp *it)
{
    const IrModule *m = it->m;
    const char *sep = "";
    for (uint32_t k = 0; k < m->outputs.len; k++) {
        const IrType *t = &m->values.data[m->outputs.data[k]].type;
        const IBuf *b = &it->v[m->outputs.data[k]];
        for (uint64_t j = 0; j < elems(t); j++, sep = " ") {
            if (t->enc == IR_F32)
                fprintf(fp, "%s%.9g", sep, (double)b->f[j]);
            else
                fprintf(fp, "%s%d", sep, b->i[j]);
        }
    }
    fputc('\n', fp);
}

bool interp_run_batch(HbCx *cx, const IrModule *m, const float *in, uint64_t batch, float *out,
                      FILE *fp)
{
    return interp_run_batch_mode(cx, m, INTERP_INTEGER, in, batch, out, fp);
}

bool interp_run_batch_mode(HbCx *cx, const IrModule *m, InterpMode mode, const float *in,
                           uint64_t batch, float *out, FILE *fp)
{
    Interp *it = interp_new_mode(cx, m, mode);
    uint64_t nin = elems(&m->values.data[m->inputs.data[0]].type), nout = interp_out_elems(m);
    for (uint64_t b = 0; b < batch; b++) {
        const float *x = in + b * nin;
        if (!interp_example(it, &x))
            return false;
        if (out)
            interp_outputs(it, out + b * nout);
        if (fp)
            interp_print_line(fp, it);
    }
    return true;
}
