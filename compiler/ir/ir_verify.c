// SPDX-License-Identifier: MIT
/* ir_verify.c: the IR verifier. Checks the module-level rules (SSA, names, inputs,
 * outputs), every constant (sizes, packing, finite values) and each instruction
 * against its op's rules (operand kinds from ir_ops.h, encodings, shapes, attribute
 * ranges, the proven accumulator bound). Runs after lowering and on parsed text. */
#include <math.h>
#include <string.h>

#include "ice.h"
#include "ir.h"

typedef struct Ver {
    HbCx *cx;
    const IrModule *m;
    const char *what;
    const IrInst *in; // the instruction being checked (NULL: module level)
    bool ok;
} Ver;

static void fail(Ver *v, SrcSpan at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(Ver *v, SrcSpan at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = arena_vprintf(&v->cx->arena, fmt, ap);
    va_end(ap);
    if (v->in)
        msg = arena_printf(&v->cx->arena, "%s '%%%s': %s", ir_op_name(v->in->op),
                           v->m->values.data[v->in->result].name, msg);
    if (span_valid(at))
        diag_error(v->cx, at, "%s", msg);
    else
        diag_file_error(v->cx, v->what, "IR verifier: %s", msg);
    v->ok = false;
}

#define CHECK(cond, ...)                       \
    do {                                       \
        if (!(cond)) {                         \
            fail(v, v->in->span, __VA_ARGS__); \
            return;                            \
        }                                      \
    } while (0)

static const char *tstr(Ver *v, const IrType *t)
{
    return ir_type_str(&v->cx->arena, v->m, t);
}

static const IrType *arg(Ver *v, int k)
{
    return ir_arg_type(v->m, v->in->args[k]);
}

static const IrType *res(Ver *v)
{
    return &v->m->values.data[v->in->result].type;
}

static const IrConst *cst(Ver *v, int k)
{
    return &v->m->consts.data[v->in->args[k].id];
}

static bool shape_is(const IrType *t, int rank, const int64_t *d)
{
    if (t->rank != rank)
        return false;
    for (int i = 0; i < rank; i++)
        if (t->d[i] != d[i])
            return false;
    return true;
}

static bool same_shape(const IrType *a, const IrType *b)
{
    return shape_is(a, b->rank, b->d);
}

/* ---- types and constants ---- */

static bool type_ok(Ver *v, SrcSpan at, const IrType *t, bool is_const)
{
    if (t->rank < 0 || t->rank > IR_MAX_RANK) {
        fail(v, at, "rank %d is outside 0..%d", t->rank, IR_MAX_RANK);
        return false;
    }
    for (int i = 0; i < t->rank; i++)
        if (t->d[i] < 1 || t->d[i] > (INT64_C(1) << 31)) {
            fail(v, at, "dimension %d of %s is out of range", i, tstr(v, t));
            return false;
        }
    if (t->enc != IR_BITS)
        return true;
    if (t->bits < 1 || t->bits > IR_MAX_BITS) {
        fail(v, at, "a bits type has 1..%d planes, not %d", IR_MAX_BITS, t->bits);
        return false;
    }
    if (is_const != (t->scale == IR_SC_NONE)) {
        fail(v, at,
             is_const ? "a bits constant carries no scales (they are separate constants)"
                      : "a bits value needs a scale kind (unit, static or runtime)");
        return false;
    }
    if (t->scale == IR_SC_UNIT && (t->bits != 1 || t->masked)) {
        fail(v, at, "unit scales are for 1-bit unmasked values (sign), not %s", tstr(v, t));
        return false;
    }
    if (t->scale == IR_SC_STATIC) {
        const IrConst *c =
                t->scale_const < v->m->consts.len ? &v->m->consts.data[t->scale_const] : NULL;
        int64_t k = t->bits;
        if (!c || !shape_is(&c->type, 1, &k) || c->type.enc != IR_F32) {
            fail(v, at, "static scales of %s must be an f32[%d] constant", tstr(v, t), t->bits);
            return false;
        }
    }
    return true;
}

static void check_bits_const(Ver *v, const IrConst *c)
{
    uint64_t rows = c->type.rank ? (uint64_t)c->type.d[0] : 1;
    uint64_t per = ir_type_elems(&c->type) / rows, n = rows * c->wpr;
    if (c->wpr != (per + 63) / 64) {
        fail(v, c->span, "constant @%s: %llu words per row, expected %llu", c->name,
             (unsigned long long)c->wpr, (unsigned long long)((per + 63) / 64));
        return;
    }
    uint64_t tail = per % 64 ? ~((UINT64_C(1) << (per % 64)) - 1) : 0;
    for (int p = 0; p < c->type.bits; p++)
        for (uint64_t r = 0; r < rows; r++)
            for (uint64_t w = 0; w < c->wpr; w++) {
                uint64_t k = p * n + r * c->wpr + w, pad = w + 1 == c->wpr ? tail : 0;
                uint64_t mk = c->masks ? c->masks[k] : ~UINT64_C(0);
                uint64_t full = ~pad;
                if (c->planes[k] & pad || (c->masks && c->masks[k] & pad)) {
                    fail(v, c->span, "constant @%s: padding bits of row %llu are not zero", c->name,
                         (unsigned long long)r);
                    return;
                }
                if (c->masks && (c->planes[k] & ~mk)) {
                    fail(v, c->span,
                         "constant @%s: plane %d has bits outside its mask in row "
                         "%llu",
                         c->name, p, (unsigned long long)r);
                    return;
                }
                if (c->masks && p == 0 && mk != full) {
                    fail(v, c->span, "constant @%s: mask 0 must cover every element (row %llu)",
                         c->name, (unsigned long long)r);
                    return;
                }
                if (c->masks && p > 0 && (mk & ~c->masks[k - n])) {
                    fail(v, c->span, "constant @%s: mask %d is not inside mask %d (row %llu)",
                         c->name, p, p - 1, (unsigned long long)r);
                    return;
                }
            }
}

static void check_const(Ver *v, const IrConst *c)
{
    if (!type_ok(v, c->span, &c->type, true))
        return;
    if (c->type.enc == IR_BITS) {
        check_bits_const(v, c);
        return;
    }
    uint64_t n = ir_type_elems(&c->type);
    for (uint64_t j = 0; c->type.enc == IR_F32 && j < n; j++)
        if (!isfinite(c->f[j])) {
            fail(v, c->span, "constant @%s: element %llu is not finite", c->name,
                 (unsigned long long)j);
            return;
        }
}

/* ---- per-op rules ---- */

static void need_enc(Ver *v, int k, IrEnc e, bool *ok)
{
    static const char *const names[] = {"f32", "i32", "bits"};
    const IrType *t = arg(v, k);
    if (*ok && t->enc != e) {
        fail(v, v->in->span, "operand %d must be %s, got %s", k + 1, names[e], tstr(v, t));
        *ok = false;
    }
}

/* A list attribute (read through its named accessor) of n entries in lo..2^24. */
static bool list_ok(Ver *v, const IrAttr *a, const char *name, int n, int64_t lo)
{
    if (a->n != n) {
        fail(v, v->in->span, "attribute %s needs %d entries, got %d", name, n, a->n);
        return false;
    }
    for (int i = 0; i < n; i++)
        if (a->i[i] < lo || a->i[i] > (1 << 24)) {
            fail(v, v->in->span, "attribute %s: entry %d is %lld, expected %lld..%d", name, i + 1,
                 (long long)a->i[i], (long long)lo, 1 << 24);
            return false;
        }
    return true;
}

/* The window of a conv or pool whose list attributes are checked: ir_window's output
 * size (the one formula) must be at least 1x1. */
static bool window_ok(Ver *v, const char *fmt, IrWindow *w)
{
    *w = ir_window(v->m, v->in);
    if (w->OH >= 1 && w->OW >= 1)
        return true;
    fail(v, v->in->span, fmt, (long long)w->kh, (long long)w->kw, tstr(v, arg(v, 0)));
    return false;
}

static void v_input(Ver *v)
{
    CHECK(res(v)->enc == IR_F32 && res(v)->rank >= 1, "an input is f32 with rank >= 1, not %s",
          tstr(v, res(v)));
}

static void v_dense(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok), need_enc(v, 1, IR_F32, &ok), need_enc(v, 2, IR_F32, &ok);
    if (!ok)
        return;
    int64_t o = arg(v, 1)->d[0], n = (int64_t)ir_type_elems(arg(v, 0)), w[2] = {o, n};
    CHECK(arg(v, 1)->rank == 2 && shape_is(arg(v, 1), 2, w),
          "weights must be f32[%lld, %lld] "
          "(outputs, input elements), got %s",
          (long long)o, (long long)n, tstr(v, arg(v, 1)));
    CHECK(shape_is(arg(v, 2), 1, &o), "bias must be f32[%lld], got %s", (long long)o,
          tstr(v, arg(v, 2)));
    IrType want = ir_type_f32(1, &o);
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

/* conv2d / bpop_conv2d: x [C,H,W], W [O, C/g, kh, kw]; the result shape is
 * [(pairs,) O, OH, OW]. */
static void conv_common(Ver *v, int64_t pairs)
{
    const IrType *x = arg(v, 0), *w = arg(v, 1);
    CHECK(x->rank == 3, "input must be [C, H, W], got %s", tstr(v, x));
    CHECK(w->rank == 4, "weights must be [O, C/groups, kh, kw], got %s", tstr(v, w));
    int64_t gr = v->in->op == IR_OP_CONV2D ? ir_conv2d_groups(v->in) : ir_bpop_conv2d_groups(v->in);
    CHECK(gr >= 1 && x->d[0] % gr == 0 && w->d[0] % gr == 0,
          "groups=%lld must divide the %lld "
          "input and %lld output channels",
          (long long)gr, (long long)x->d[0], (long long)w->d[0]);
    CHECK(w->d[1] == x->d[0] / gr, "weights have %lld input channels per group, expected %lld",
          (long long)w->d[1], (long long)(x->d[0] / gr));
    bool b = v->in->op == IR_OP_BPOP_CONV2D;
    IrWindow g;
    if (!list_ok(v, b ? ir_bpop_conv2d_stride(v->in) : ir_conv2d_stride(v->in), "stride", 2, 1) ||
        !list_ok(v, b ? ir_bpop_conv2d_pad(v->in) : ir_conv2d_pad(v->in), "pad", 4, 0) ||
        !list_ok(v, b ? ir_bpop_conv2d_dilation(v->in) : ir_conv2d_dilation(v->in), "dilation", 2,
                 1) ||
        !window_ok(v, "the %lldx%lld window does not fit the input %s", &g))
        return;
    int64_t d[4] = {pairs, g.O, g.OH, g.OW};
    IrType want = ir_type_f32(pairs ? 4 : 3, pairs ? d : d + 1);
    want.enc = pairs ? IR_I32 : IR_F32;
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_conv2d(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok), need_enc(v, 1, IR_F32, &ok), need_enc(v, 2, IR_F32, &ok);
    if (!ok)
        return;
    int64_t o = arg(v, 1)->d[0];
    CHECK(shape_is(arg(v, 2), 1, &o), "bias must be f32[%lld], got %s", (long long)o,
          tstr(v, arg(v, 2)));
    conv_common(v, 0);
}

static void v_batchnorm(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok), need_enc(v, 1, IR_F32, &ok), need_enc(v, 2, IR_F32, &ok);
    if (!ok)
        return;
    const IrType *x = arg(v, 0);
    CHECK(x->rank == 1 || x->rank == 3, "input must be [C] or [C, H, W], got %s", tstr(v, x));
    CHECK(shape_is(arg(v, 1), 1, x->d) && shape_is(arg(v, 2), 1, x->d),
          "scale and shift must be f32[%lld]", (long long)x->d[0]);
    CHECK(ir_type_eq(res(v), x), "result must be %s", tstr(v, x));
}

static void v_elementwise(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok);
    if (!ok)
        return;
    CHECK(arg(v, 0)->rank >= 1, "input must not be a scalar");
    CHECK(ir_type_eq(res(v), arg(v, 0)), "result must be %s", tstr(v, arg(v, 0)));
    if (v->in->op == IR_OP_HARDTANH)
        CHECK(ir_hardtanh_lo(v->in) < ir_hardtanh_hi(v->in) && isfinite(ir_hardtanh_lo(v->in)) &&
                      isfinite(ir_hardtanh_hi(v->in)),
              "needs finite lo < hi");
    if (v->in->op == IR_OP_LEAKY_RELU)
        CHECK(isfinite(ir_leaky_relu_slope(v->in)), "needs a finite slope");
}

static void v_pool(Ver *v)
{
    const IrType *x = arg(v, 0);
    bool is_max = v->in->op == IR_OP_MAXPOOL;
    CHECK(x->enc == IR_F32 || (is_max && x->enc == IR_BITS), "input must be f32%s, got %s",
          is_max ? " or bits" : "", tstr(v, x));
    // A max over codes is a max over their values only where every code the type can
    // hold has its own value (ir_code_ranks): one plane, or static scales.
    uint16_t rank[IR_CODE_RANKS];
    bool scales_ok = x->scale != IR_SC_STATIC || x->scale_const < v->m->consts.len;
    CHECK(x->enc != IR_BITS || (scales_ok && ir_code_ranks(v->m, x, rank)),
          "a max over %s is not a max over its codes: multi-bit values need static "
          "scales under which no two codes have the same value (dequant them first)",
          tstr(v, x));
    CHECK(x->rank == 3, "input must be [C, H, W], got %s", tstr(v, x));
    // kernel, stride, pad, ceil: the same attributes for maxpool and avgpool
    const IrAttr *kernel = is_max ? ir_maxpool_kernel(v->in) : ir_avgpool_kernel(v->in);
    const IrAttr *stride = is_max ? ir_maxpool_stride(v->in) : ir_avgpool_stride(v->in);
    const IrAttr *pad = is_max ? ir_maxpool_pad(v->in) : ir_avgpool_pad(v->in);
    int64_t ceil_mode = is_max ? ir_maxpool_ceil(v->in) : ir_avgpool_ceil(v->in);
    if (!list_ok(v, kernel, "kernel", 2, 1) || !list_ok(v, stride, "stride", 2, 1) ||
        !list_ok(v, pad, "pad", 4, 0))
        return;
    CHECK(ceil_mode == 0 || ceil_mode == 1, "ceil is 0 or 1, not %lld", (long long)ceil_mode);
    IrWindow g;
    if (!window_ok(v,
                   is_max ? "the %lldx%lld window does not fit the input %s"
                          : "the %lldx%lld window does not fit %s",
                   &g))
        return;
    CHECK(g.pt <= g.kh / 2 && g.pb <= g.kh / 2 && g.pl <= g.kw / 2 && g.pr <= g.kw / 2,
          "padding must be at most half the window");
    IrType want = *x;
    want.d[1] = g.OH, want.d[2] = g.OW;
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_flatten(Ver *v)
{
    const IrType *x = arg(v, 0);
    CHECK(x->enc != IR_I32 && x->rank >= 1, "input must be f32 or bits, got %s", tstr(v, x));
    IrType want = *x;
    want.rank = 1;
    want.d[0] = (int64_t)ir_type_elems(x);
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_add(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok), need_enc(v, 1, IR_F32, &ok);
    if (!ok)
        return;
    CHECK(ir_type_eq(arg(v, 0), arg(v, 1)), "operands differ: %s and %s", tstr(v, arg(v, 0)),
          tstr(v, arg(v, 1)));
    CHECK(ir_type_eq(res(v), arg(v, 0)), "result must be %s", tstr(v, arg(v, 0)));
}

/* mul: equal ranks; along each dimension the sizes are equal or one of them is 1
 * (broadcast: x [C,H,W] * s [C,1,1] for squeeze-excitation). */
static void v_mul(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok), need_enc(v, 1, IR_F32, &ok);
    if (!ok)
        return;
    const IrType *a = arg(v, 0), *b = arg(v, 1);
    CHECK(a->rank == b->rank && a->rank >= 1, "operands %s and %s need the same rank", tstr(v, a),
          tstr(v, b));
    IrType want = *a;
    for (int i = 0; i < a->rank; i++) {
        CHECK(a->d[i] == b->d[i] || a->d[i] == 1 || b->d[i] == 1,
              "operands %s and %s do not broadcast (dimension %d)", tstr(v, a), tstr(v, b), i);
        want.d[i] = a->d[i] > b->d[i] ? a->d[i] : b->d[i];
    }
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_concat(Ver *v)
{
    const IrType *a = arg(v, 0);
    CHECK(a->enc != IR_I32 && a->rank >= 1, "operands must be f32 or bits, got %s", tstr(v, a));
    CHECK(a->enc != IR_BITS || a->scale != IR_SC_RUNTIME,
          "bits with runtime scales cannot be concatenated (each has its own scales)");
    IrType want = *a;
    for (uint32_t k = 1; k < v->in->nargs; k++) {
        IrType b = *arg(v, (int)k);
        CHECK(b.rank == a->rank, "operand %u has rank %d, expected %d", k + 1, b.rank, a->rank);
        want.d[0] += b.d[0];
        b.d[0] = a->d[0];
        CHECK(ir_type_eq(&b, a), "operand %u (%s) does not match operand 1 (%s) outside dim 0",
              k + 1, tstr(v, arg(v, (int)k)), tstr(v, a));
    }
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_softmax(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok);
    if (!ok)
        return;
    CHECK(arg(v, 0)->rank == 1, "input must be a vector, got %s", tstr(v, arg(v, 0)));
    if (v->in->op == IR_OP_SOFTMAX) {
        CHECK(ir_type_eq(res(v), arg(v, 0)), "result must be %s", tstr(v, arg(v, 0)));
    } else {
        CHECK(res(v)->enc == IR_I32 && res(v)->rank == 0, "result must be i32[], got %s",
              tstr(v, res(v)));
    }
}

static void v_sign(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok);
    if (!ok)
        return;
    IrType want = *arg(v, 0);
    want.enc = IR_BITS, want.bits = 1, want.masked = false, want.scale = IR_SC_UNIT;
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_quant(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_F32, &ok);
    if (!ok)
        return;
    const IrAttr *w = ir_quant_widths(v->in), *f = ir_quant_fracs(v->in);
    CHECK(w->n >= 1 && w->n == f->n, "widths and fracs need the same number (>= 1) of entries");
    double sum = 0;
    for (int k = 0; k < w->n; k++) {
        CHECK(w->i[k] >= 1 && w->i[k] <= IR_MAX_BITS && (k == 0 || w->i[k] > w->i[k - 1]),
              "widths must ascend within 1..%d", IR_MAX_BITS);
        CHECK(f->f[k] >= 0 && f->f[k] <= 1, "fraction %d is %g, expected 0..1", k + 1, f->f[k]);
        sum += f->f[k];
    }
    CHECK(fabs(sum - 1) <= HB_DIST_TOL, "fractions sum to %.9g, expected 1", sum);
    CHECK(ir_quant_select(v->in) >= 0 && ir_quant_select(v->in) < SEL_COUNT, "unknown selection");
    const IrType *r = res(v);
    CHECK(r->enc == IR_BITS && same_shape(r, arg(v, 0)), "result must be bits of shape %s",
          tstr(v, arg(v, 0)));
    CHECK(r->bits == w->i[w->n - 1] && r->masked == (w->n > 1),
          "result must have %lld planes%s, got %s", (long long)w->i[w->n - 1],
          w->n > 1 ? " and masks" : " and no masks", tstr(v, r));
    CHECK(r->scale == IR_SC_RUNTIME || r->scale == IR_SC_STATIC,
          "quant results have runtime or static scales, not %s", tstr(v, r));
}

static void v_dequant(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_BITS, &ok);
    if (!ok)
        return;
    IrType want = ir_type_f32(arg(v, 0)->rank, arg(v, 0)->d);
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_bpop(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_BITS, &ok), need_enc(v, 1, IR_BITS, &ok);
    if (!ok)
        return;
    int64_t pairs = (int64_t)arg(v, 0)->bits * arg(v, 1)->bits;
    if (v->in->op == IR_OP_BPOP_CONV2D) {
        conv_common(v, pairs);
        // folding (docs/fpga.md): pe divides the output channels, simd the window's K
        const IrType *cw = arg(v, 1);
        int64_t pe = ir_bpop_conv2d_pe(v->in), simd = ir_bpop_conv2d_simd(v->in),
                k = cw->rank == 4 ? cw->d[1] * cw->d[2] * cw->d[3] : 1;
        CHECK((pe == 0 && simd == 0) ||
                      (pe >= 1 && simd >= 1 && cw->d[0] % pe == 0 && k % simd == 0),
              "fold pe=%lld simd=%lld must be both absent, or pe a divisor of %lld and simd of "
              "%lld",
              (long long)pe, (long long)simd, (long long)cw->d[0], (long long)k);
        return;
    }
    const IrType *w = arg(v, 1);
    int64_t n = (int64_t)ir_type_elems(arg(v, 0)), d[2] = {pairs, w->d[0]};
    CHECK(w->rank == 2 && w->d[1] == n, "weights must be bits[%lld, %lld], got %s",
          (long long)w->d[0], (long long)n, tstr(v, w));
    IrType want = ir_type_i32(2, d);
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
    // folding (docs/fpga.md): absent (0, 0), or pe divides the rows and simd the inputs
    int64_t pe = ir_bpop_dense_pe(v->in), simd = ir_bpop_dense_simd(v->in);
    CHECK((pe == 0 && simd == 0) || (pe >= 1 && simd >= 1 && w->d[0] % pe == 0 && n % simd == 0),
          "fold pe=%lld simd=%lld must be both absent, or pe a divisor of %lld and simd of %lld",
          (long long)pe, (long long)simd, (long long)w->d[0], (long long)n);
}

/* The worst case of |sum_p coef[r][p] * S_p| for the bpop that made S: |S_mn| is at
 * most the number of weight elements of width > m in that output row. */
static int64_t acc_bound(const IrModule *m, const IrInst *pop, const IrConst *coef)
{
    const IrConst *w = &m->consts.data[pop->args[1].id];
    int kx = ir_arg_type(m, pop->args[0])->bits, kw = w->type.bits;
    uint64_t rows = (uint64_t)w->type.d[0], per = ir_type_elems(&w->type) / rows;
    int64_t worst = 0;
    for (uint64_t r = 0; r < rows; r++) {
        const int32_t *c = coef->i + (coef->type.d[0] == 1 ? 0 : r) * kw * kx;
        int64_t sum = 0;
        for (int p = 0; p < kw; p++) {
            uint64_t cnt = 0;
            for (uint64_t j = 0; j < w->wpr; j++)
                cnt += w->masks ? (uint64_t)__builtin_popcountll(
                                          w->masks[(p * rows + r) * w->wpr + j])
                                : 0;
            if (!w->masks)
                cnt = per;
            for (int q = 0; q < kx; q++)
                sum += (c[p * kx + q] < 0 ? -(int64_t)c[p * kx + q] : c[p * kx + q]) * (int64_t)cnt;
        }
        worst = sum > worst ? sum : worst;
    }
    return worst;
}

static void v_icomb(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_I32, &ok), need_enc(v, 1, IR_I32, &ok);
    if (!ok)
        return;
    const IrType *s = arg(v, 0), *c = arg(v, 1);
    CHECK(s->rank >= 2, "pair sums must be i32[P, O, ...], got %s", tstr(v, s));
    CHECK(c->rank == 2 && c->d[1] == s->d[0] && (c->d[0] == 1 || c->d[0] == s->d[1]),
          "coefficients must be i32[1 or %lld, %lld], got %s", (long long)s->d[1],
          (long long)s->d[0], tstr(v, c));
    IrType want = ir_type_i32(s->rank - 1, s->d + 1);
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
    int64_t shift = ir_icomb_shift(v->in), bound = ir_icomb_bound(v->in);
    CHECK(shift >= -62 && shift <= 62, "shift %lld is out of range", (long long)shift);
    CHECK(bound >= 0 && bound <= IR_ACC_LIMIT, "bound %lld exceeds the accumulator limit 2^30",
          (long long)bound);
    if (v->in->args[0].is_const)
        return;
    const IrInst *pop = &v->m->insts.data[v->m->values.data[v->in->args[0].id].def];
    CHECK(pop->op == IR_OP_BPOP_DENSE || pop->op == IR_OP_BPOP_CONV2D,
          "pair sums must come from bpop_dense or bpop_conv2d");
    int64_t worst = acc_bound(v->m, pop, cst(v, 1));
    CHECK(worst <= bound, "the coefficients allow |acc| up to %lld, above the stated bound %lld",
          (long long)worst, (long long)bound);
}

static void v_fcomb(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_I32, &ok), need_enc(v, 1, IR_BITS, &ok), need_enc(v, 2, IR_F32, &ok);
    need_enc(v, 3, IR_F32, &ok);
    if (!ok)
        return;
    const IrType *s = arg(v, 0), *x = arg(v, 1), *al = arg(v, 2);
    CHECK(s->rank >= 2 && s->d[0] % x->bits == 0, "pair sums %s do not fit %d activation planes",
          tstr(v, s), x->bits);
    int64_t o = s->d[1];
    CHECK(al->rank == 2 && al->d[1] * x->bits == s->d[0] && (al->d[0] == 1 || al->d[0] == o),
          "alpha must be f32[1 or %lld, %lld], got %s", (long long)o,
          (long long)(s->d[0] / x->bits), tstr(v, al));
    CHECK(shape_is(arg(v, 3), 1, &o), "bias must be f32[%lld], got %s", (long long)o,
          tstr(v, arg(v, 3)));
    IrType want = ir_type_f32(s->rank - 1, s->d + 1);
    CHECK(ir_type_eq(res(v), &want), "result must be %s, got %s", tstr(v, &want), tstr(v, res(v)));
}

static void v_threshold(Ver *v)
{
    bool ok = true;
    need_enc(v, 0, IR_I32, &ok), need_enc(v, 1, IR_I32, &ok), need_enc(v, 2, IR_I32, &ok);
    if (!ok)
        return;
    const IrType *a = arg(v, 0), *r = res(v);
    CHECK(a->rank >= 1, "accumulator must be i32[O, ...], got %s", tstr(v, a));
    CHECK(r->enc == IR_BITS && !r->masked && same_shape(r, a) &&
                  (r->scale == IR_SC_UNIT || r->scale == IR_SC_STATIC),
          "result must be unmasked bits with unit or static scales of shape %s, got %s", tstr(v, a),
          tstr(v, r));
    int64_t o = a->d[0], d[2] = {o, ((int64_t)1 << r->bits) - 1};
    CHECK(shape_is(arg(v, 1), 1, &o), "negate flags must be i32[%lld], got %s", (long long)o,
          tstr(v, arg(v, 1)));
    CHECK(shape_is(arg(v, 2), 2, d), "thresholds must be i32[%lld, %lld], got %s", (long long)o,
          (long long)d[1], tstr(v, arg(v, 2)));
    const IrConst *neg = cst(v, 1), *thr = cst(v, 2);
    for (int64_t c = 0; c < o; c++)
        CHECK(neg->i[c] == 0 || neg->i[c] == 1, "negate flag of channel %lld is %d, not 0 or 1",
              (long long)c, neg->i[c]);
    for (int64_t j = 0; j < d[0] * d[1]; j++)
        CHECK(thr->i[j] >= -IR_ACC_LIMIT - 1 && thr->i[j] <= IR_ACC_LIMIT + 1,
              "threshold %lld (%d) is outside +-(2^30 + 1)", (long long)j, thr->i[j]);
}

/* Ops that share a rule. Every op in ir_ops.h needs a v_NAME (or an alias here): the
 * table below is generated from HB_IR_OPS, so a missing one is a build error. */
#define v_relu        v_elementwise
#define v_hardtanh    v_elementwise
#define v_sigmoid     v_elementwise
#define v_tanh        v_elementwise
#define v_leaky_relu  v_elementwise
#define v_gelu        v_elementwise
#define v_maxpool     v_pool
#define v_avgpool     v_pool
#define v_argmax      v_softmax
#define v_bpop_dense  v_bpop
#define v_bpop_conv2d v_bpop

typedef void (*VerFn)(Ver *);
static const VerFn ver_fns[IR_OP_COUNT] = {
#define X(E, name, operands) [IR_OP_##E] = v_##name,
        HB_IR_OPS(X)
#undef X
};

/* ---- generic instruction rules: operand kinds, SSA order, attribute shapes ---- */

static bool operands_ok(Ver *v, uint32_t idx)
{
    const IrInst *in = v->in;
    const char *sig = ir_op_operands(in->op);
    size_t n = strlen(sig);
    bool variadic = n && sig[n - 1] == '*';
    size_t fixed = variadic ? n - 1 : n;
    if (variadic ? in->nargs < fixed : in->nargs != fixed) {
        fail(v, in->span, "takes %s%zu operands, got %u", variadic ? "at least " : "", fixed,
             in->nargs);
        return false;
    }
    for (uint32_t k = 0; k < in->nargs; k++) {
        char want = k < fixed ? sig[k] : sig[fixed - 1];
        IrRef r = in->args[k];
        if (r.is_const != (want == 'c')) {
            fail(v, in->span, "operand %u must be a %s", k + 1,
                 want == 'c' ? "constant (@name)" : "value (%name)");
            return false;
        }
        uint32_t lim = r.is_const ? v->m->consts.len : v->m->values.len;
        if (r.id >= lim) {
            fail(v, in->span, "operand %u refers to nothing", k + 1);
            return false;
        }
        if (!r.is_const && v->m->values.data[r.id].def >= idx) {
            fail(v, in->span, "operand %u (%%%s) is used before it is defined", k + 1,
                 v->m->values.data[r.id].name);
            return false;
        }
        if (!r.is_const && v->m->values.data[r.id].type.enc == IR_I32 &&
            v->m->values.data[r.id].type.rank == 0) {
            fail(v, in->span, "operand %u (%%%s) is a class index; nothing consumes it", k + 1,
                 v->m->values.data[r.id].name);
            return false;
        }
    }
    return true;
}

static void check_inst(Ver *v, uint32_t idx)
{
    const IrInst *in = &v->m->insts.data[idx];
    v->in = NULL;
    if (in->op >= IR_OP_COUNT || in->result >= v->m->values.len ||
        v->m->values.data[in->result].def != idx) {
        fail(v, in->span, "instruction %u is malformed (no op or no single result)", idx);
        return;
    }
    v->in = in;
    if (!type_ok(v, in->span, &v->m->values.data[in->result].type, false) || !operands_ok(v, idx))
        return;
    for (uint32_t k = 0; k < in->nargs; k++)
        if (in->args[k].is_const && !type_ok(v, in->span, arg(v, (int)k), true))
            return;
    ver_fns[in->op](v);
}

/* Module-level rules. Duplicate names are found with a hash map: linear in the module. */
static void check_module(Ver *v)
{
    const IrModule *m = v->m;
    HbStrMap seen = {0};
    for (uint32_t i = 0; i < m->values.len; i++)
        if (hb_strmap_put(&seen, &v->cx->arena, m->values.data[i].name, i) != i)
            fail(v, m->insts.data[m->values.data[i].def].span, "value %%%s is defined twice",
                 m->values.data[i].name);
    seen = (HbStrMap){0};
    for (uint32_t i = 0; i < m->consts.len; i++)
        if (hb_strmap_put(&seen, &v->cx->arena, m->consts.data[i].name, i) != i)
            fail(v, m->consts.data[i].span, "constant @%s is defined twice",
                 m->consts.data[i].name);
    int64_t next = 0;
    for (uint32_t i = 0; i < m->insts.len; i++) {
        const IrInst *in = &m->insts.data[i];
        if (in->op != IR_OP_INPUT)
            continue;
        if (ir_input_index(in) != next)
            fail(v, in->span,
                 "input '%%%s' has index %lld, expected %lld (inputs are numbered "
                 "in order from 0)",
                 m->values.data[in->result].name, (long long)ir_input_index(in), (long long)next);
        next++;
    }
    if (next == 0)
        fail(v, (SrcSpan){0}, "the module has no input");
    if (m->outputs.len == 0)
        fail(v, (SrcSpan){0}, "the module has no output");
    for (uint32_t i = 0; i < m->outputs.len; i++)
        if (m->outputs.data[i] >= m->values.len ||
            m->values.data[m->outputs.data[i]].type.enc == IR_BITS)
            fail(v, (SrcSpan){0}, "output %u must be an f32 or i32 value (dequantize bits first)",
                 i + 1);
}

bool ir_verify(HbCx *cx, const IrModule *m, const char *what)
{
    Ver v = {.cx = cx, .m = m, .what = what ? what : "IR", .ok = true};
    for (uint32_t i = 0; i < m->consts.len; i++)
        check_const(&v, &m->consts.data[i]);
    check_module(&v);
    for (uint32_t i = 0; i < m->insts.len; i++)
        check_inst(&v, i);
    return v.ok;
}

void ir_verify_built(HbCx *cx, const IrModule *m, const char *what)
{
    if (ir_verify(cx, m, what))
        return;
    diag_flush(cx); // the verifier's messages say what is wrong; then the one ICE exit
    HB_UNREACHABLE("%s fails the IR verifier (errors above)", what);
}
