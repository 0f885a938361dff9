// SPDX-License-Identifier: MIT
/* sema_ops.c: the built-in operations in sema: their argument lists, argument
 * evaluation and shape rules (docs/language.md §4), the input they read (prev, from),
 * and the tensor names a parametric layer binds. Called per layer statement. */
#include <string.h>

#include "geometry.h"
#include "sema_internal.h"

#define MAX_ARGS 8

typedef struct Builtin {
    const char *name;
    GOp op;
    const char *args[MAX_ARGS];
    int nrequired; // the first nrequired args are required
    bool refs;     // add/concat: positional label references, no named args
} Builtin;

static const Builtin builtins[] = {
        {"conv2d",
         GOP_CONV2D,
         {"out", "kernel", "stride", "pad", "dilation", "groups", "bias"},
         1,
         false},
        {"dwconv2d", GOP_CONV2D, {"kernel", "stride", "pad", "multiplier", "bias"}, 0, false},
        {"dense", GOP_DENSE, {"out", "bias"}, 1, false},
        {"batchnorm", GOP_BATCHNORM, {"eps"}, 0, false},
        {"maxpool", GOP_MAXPOOL, {"kernel", "stride", "pad", "ceil_mode"}, 1, false},
        {"avgpool", GOP_AVGPOOL, {"kernel", "stride", "pad", "ceil_mode"}, 1, false},
        {"relu", GOP_RELU, {0}, 0, false},
        {"hardtanh", GOP_HARDTANH, {"min", "max"}, 0, false},
        {"relu6", GOP_HARDTANH, {0}, 0, false},
        {"leaky_relu", GOP_LEAKY_RELU, {"slope"}, 0, false},
        {"sigmoid", GOP_SIGMOID, {0}, 0, false},
        {"tanh", GOP_TANH, {0}, 0, false},
        {"gelu", GOP_GELU, {0}, 0, false},
        {"dropout", GOP_DROPOUT, {"p"}, 0, false},
        {"sign", GOP_SIGN, {0}, 0, false},
        {"quant", GOP_QUANT, {0}, 0, false},
        {"flatten", GOP_FLATTEN, {0}, 0, false},
        {"add", GOP_ADD, {0}, 0, true},
        {"mul", GOP_MUL, {0}, 0, true},
        {"concat", GOP_CONCAT, {0}, 0, true},
        {"softmax", GOP_SOFTMAX, {0}, 0, false},
        {"argmax", GOP_ARGMAX, {0}, 0, false},
};
#define NBUILTINS ((int)(sizeof builtins / sizeof builtins[0]))

const int sema_nbuiltins = NBUILTINS;

const char *sema_builtin_name(int i)
{
    return builtins[i].name;
}

static const Builtin *find_builtin(const char *name)
{
    for (int i = 0; i < NBUILTINS; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

bool sema_is_builtin(const char *name)
{
    return find_builtin(name) != NULL;
}

/* Everything one op statement needs while it is being checked. */
typedef struct OpCx {
    Sema *s;
    Scope *sc;
    const AstLayer *l;
    const Builtin *b;
    ArgSlot slots[MAX_ARGS];
    GNode n;
    const Shape *in;       // the input's shape (first input)
    const AstQspec *act_q; // quant: the spec (NULL: bare quant)
    QOrigin act_origin;
} OpCx;

static const AstExpr *arg(OpCx *o, const char *name)
{
    for (int i = 0; i < MAX_ARGS && o->b->args[i]; i++)
        if (strcmp(o->b->args[i], name) == 0)
            return o->slots[i].arg ? o->slots[i].arg->value : NULL;
    return NULL;
}

static bool arg_int(OpCx *o, const char *name, int64_t def, int64_t lo, int64_t *out)
{
    const AstExpr *e = arg(o, name);
    *out = def;
    if (!e)
        return true;
    if (!sema_eval_int(o->s, o->sc, e, out))
        return false;
    if (*out < lo || *out > HB_MAX_DIM) {
        diag_error(o->s->cx, e->span, "%s must be between %lld and %d (the limit), got %lld", name,
                   (long long)lo, HB_MAX_DIM, (long long)*out);
        return false;
    }
    return true;
}

static bool arg_pair(OpCx *o, const char *name, int64_t def, int64_t out[2])
{
    const AstExpr *e = arg(o, name);
    out[0] = out[1] = def;
    return !e || sema_eval_pair(o->s, o->sc, e, name, out);
}

static const char *shp(OpCx *o, const Shape *s)
{
    char buf[96];
    return arena_strdup(&o->s->cx->arena, shape_str(s, buf, sizeof buf));
}

static bool need_rank(OpCx *o, int rank, const char *form)
{
    if (o->in->rank == rank)
        return true;
    Diag *d = diag_error(o->s->cx, o->l->span, "%s expects an input of shape %s, got %s",
                         o->b->name, form, shp(o, o->in));
    if (rank == 1 && o->in->rank == 3)
        diag_help(o->s->cx, d, "insert 'flatten' before this layer");
    else if (rank == 3 && o->in->rank == 1)
        diag_note(o->s->cx, d, "the input is a flat vector; convolutions and pools need [C, H, W]");
    return false;
}

/* out = floor((H + pt + pb - d(k-1) - 1) / s) + 1 */
static int64_t out_size(int64_t h, int64_t p0, int64_t p1, int64_t k, int64_t s, int64_t d)
{
    int64_t span = h + p0 + p1 - d * (k - 1) - 1;
    return span < 0 ? 0 : span / s + 1;
}

/* Pools with ceil_mode (torch): rounded up, minus one if the last window would start
 * past the input and its leading padding (the IR's ir_pool_out is the same rule). */
static int64_t pool_size(int64_t h, int64_t p0, int64_t p1, int64_t k, int64_t s, bool ceil)
{
    int64_t span = h + p0 + p1 - k;
    if (!ceil || span < 0)
        return out_size(h, p0, p1, k, s, 1);
    int64_t out = (span + s - 1) / s + 1;
    return (out - 1) * s >= h + p0 ? out - 1 : out;
}

static bool spatial(OpCx *o, int64_t k[2], int64_t st[2], int64_t dil[2], int64_t pad[4])
{
    GNode *n = &o->n;
    n->kh = k[0], n->kw = k[1], n->sh = st[0], n->sw = st[1], n->dh = dil[0], n->dw = dil[1];
    memcpy(n->pad, pad, sizeof n->pad);
    bool pool = n->op == GOP_MAXPOOL || n->op == GOP_AVGPOOL;
    int64_t oh = pool ? pool_size(o->in->d[1], pad[0], pad[1], k[0], st[0], n->ceil)
                      : out_size(o->in->d[1], pad[0], pad[1], k[0], st[0], dil[0]);
    int64_t ow = pool ? pool_size(o->in->d[2], pad[2], pad[3], k[1], st[1], n->ceil)
                      : out_size(o->in->d[2], pad[2], pad[3], k[1], st[1], dil[1]);
    if (oh < 1 || ow < 1) {
        Diag *d = diag_error(o->s->cx, o->l->span,
                             "a %lldx%lld kernel does not fit the %lldx%lld input of %s",
                             (long long)k[0], (long long)k[1], (long long)o->in->d[1],
                             (long long)o->in->d[2], o->b->name);
        diag_note(o->s->cx, d, "padding is [%lld, %lld, %lld, %lld] (top, bottom, left, right)",
                  (long long)pad[0], (long long)pad[1], (long long)pad[2], (long long)pad[3]);
        return false;
    }
    n->shape = (Shape){.rank = 3, .known = true, .d = {n->out, oh, ow}};
    return true;
}

static bool conv_pad(OpCx *o, int64_t k[2], int64_t dil[2], int64_t pad[4])
{
    const AstExpr *e = arg(o, "pad");
    bool same = !e;
    if (e && !sema_eval_pad(o->s, o->sc, e, &same, pad))
        return false;
    if (!same)
        return true;
    if (k[0] % 2 == 0 || k[1] % 2 == 0) {
        Diag *d = diag_error(o->s->cx, e ? e->span : o->l->span,
                             "pad=same needs an odd kernel, got %lldx%lld", (long long)k[0],
                             (long long)k[1]);
        diag_note(o->s->cx, d, "hbnnc follows torch: 'same' pads k/2 on each side");
        diag_help(o->s->cx, d, "write the padding out, e.g. pad=[0, 1, 0, 1]");
        return false;
    }
    pad[0] = pad[1] = dil[0] * (k[0] - 1) / 2;
    pad[2] = pad[3] = dil[1] * (k[1] - 1) / 2;
    return true;
}

static bool arg_bias(OpCx *o)
{
    const AstExpr *e = arg(o, "bias");
    o->n.bias = BIAS_AUTO;
    if (!e)
        return true;
    if (e->kind == AE_IDENT && strcmp(e->name, "auto") == 0 && !sema_param(o->sc, "auto"))
        return true;
    bool b;
    if (!sema_eval_bool(o->s, o->sc, e, &b))
        return false;
    o->n.bias = b ? BIAS_TRUE : BIAS_FALSE;
    return true;
}

static bool op_conv(OpCx *o, bool depthwise)
{
    GNode *n = &o->n;
    int64_t k[2], st[2], dil[2] = {1, 1}, pad[4] = {0}, mult = 1;
    // Evaluate every argument (no short-circuit) so each bad one is reported.
    int ok = arg_pair(o, "kernel", 3, k);
    ok &= arg_pair(o, "stride", 1, st);
    ok &= arg_bias(o);
    if (depthwise) {
        ok &= arg_int(o, "multiplier", 1, 1, &mult);
    } else {
        ok &= arg_int(o, "out", 0, 1, &n->out);
        ok &= arg_int(o, "groups", 1, 1, &n->groups);
        ok &= arg_pair(o, "dilation", 1, dil);
    }
    if (!ok || !conv_pad(o, k, dil, pad) || !o->in->known || !need_rank(o, 3, "[C, H, W]"))
        return false;
    int64_t cin = o->in->d[0];
    if (depthwise) {
        n->groups = cin;
        n->out = cin * mult;
    }
    if (cin % n->groups || n->out % n->groups) {
        diag_error(o->s->cx, o->l->span,
                   "groups=%lld must divide both the %lld input and the %lld output channels",
                   (long long)n->groups, (long long)cin, (long long)n->out);
        return false;
    }
    return spatial(o, k, st, dil, pad);
}

static bool op_dense(OpCx *o)
{
    int ok = arg_int(o, "out", 0, 1, &o->n.out);
    ok &= arg_bias(o);
    if (!ok || !o->in->known)
        return false;
    if (!need_rank(o, 1, "[N]"))
        return false;
    o->n.shape = (Shape){.rank = 1, .known = true, .d = {o->n.out}};
    return true;
}

static bool op_pool(OpCx *o)
{
    GNode *n = &o->n;
    const AstExpr *ke = arg(o, "kernel");
    const AstExpr *ce = arg(o, "ceil_mode");
    if (ce && !sema_eval_bool(o->s, o->sc, ce, &n->ceil))
        return false;
    if (n->op == GOP_AVGPOOL && ke && sema_expr_ident(ke) && strcmp(ke->name, "global") == 0) {
        const AstExpr *extra = arg(o, "stride") ? arg(o, "stride")
                               : arg(o, "pad")  ? arg(o, "pad")
                                                : ce;
        if (extra) {
            diag_error(o->s->cx, extra->span, "avgpool(global) takes no stride, pad or ceil_mode");
            return false;
        }
        n->global = true;
        if (!o->in->known || !need_rank(o, 3, "[C, H, W]"))
            return false;
        n->kh = o->in->d[1], n->kw = o->in->d[2], n->sh = n->sw = 1, n->dh = n->dw = 1;
        n->shape = (Shape){.rank = 3, .known = true, .d = {o->in->d[0], 1, 1}};
        return true;
    }
    int64_t k[2], st[2], dil[2] = {1, 1}, pad[4] = {0};
    bool same = false;
    if (!sema_eval_pair(o->s, o->sc, ke, "kernel", k))
        return false;
    st[0] = k[0], st[1] = k[1];
    if (arg(o, "stride") && !sema_eval_pair(o->s, o->sc, arg(o, "stride"), "stride", st))
        return false;
    const AstExpr *pe = arg(o, "pad");
    if (pe && !sema_eval_pad(o->s, o->sc, pe, &same, pad))
        return false;
    if (same) {
        diag_error(o->s->cx, pe->span, "pools take an explicit padding, not 'same'");
        return false;
    }
    if (pad[0] > k[0] / 2 || pad[1] > k[0] / 2 || pad[2] > k[1] / 2 || pad[3] > k[1] / 2) {
        diag_error(o->s->cx, pe->span, "pool padding must be at most half the kernel");
        return false;
    }
    if (!o->in->known || !need_rank(o, 3, "[C, H, W]"))
        return false;
    n->out = o->in->d[0];
    return spatial(o, k, st, dil, pad);
}

static bool op_hardtanh(OpCx *o)
{
    o->n.lo = -1, o->n.hi = 1;
    if (strcmp(o->b->name, "relu6") == 0) // torch's ReLU6 is hardtanh(0, 6)
        o->n.lo = 0, o->n.hi = 6;
    if (arg(o, "min") && !sema_eval_float(o->s, o->sc, arg(o, "min"), &o->n.lo))
        return false;
    if (arg(o, "max") && !sema_eval_float(o->s, o->sc, arg(o, "max"), &o->n.hi))
        return false;
    if (!(o->n.lo < o->n.hi)) {
        diag_error(o->s->cx, o->l->args_span, "hardtanh needs min < max, got %g and %g", o->n.lo,
                   o->n.hi);
        return false;
    }
    o->n.shape = *o->in;
    return o->in->known;
}

/* leaky_relu(slope=0.01), dropout(p=0.5): one float argument each, kept in n.lo. */
static bool op_float_arg(OpCx *o, const char *name, double def, double lo, double hi)
{
    double v = def;
    const AstExpr *e = arg(o, name);
    if (e && !sema_eval_float(o->s, o->sc, e, &v))
        return false;
    if (!(v >= lo && v < hi)) {
        diag_error(o->s->cx, e->span, "%s must be in [%g, %g), got %g", name, lo, hi, v);
        return false;
    }
    o->n.lo = v;
    o->n.shape = *o->in;
    if (o->in->known && o->in->rank == 0) {
        diag_error(o->s->cx, o->l->span, "%s cannot follow argmax (a class index)", o->b->name);
        return false;
    }
    return o->in->known;
}

static bool op_batchnorm(OpCx *o)
{
    o->n.eps = 1e-5;
    const AstExpr *e = arg(o, "eps");
    if (e && !sema_eval_float(o->s, o->sc, e, &o->n.eps))
        return false;
    if (!(o->n.eps > 0 && o->n.eps < 1)) {
        diag_error(o->s->cx, e->span, "eps must be between 0 and 1, got %g", o->n.eps);
        return false;
    }
    if (!o->in->known)
        return false;
    if (o->in->rank != 1 && o->in->rank != 3) {
        diag_error(o->s->cx, o->l->span, "batchnorm expects [N] or [C, H, W], got %s",
                   shp(o, o->in));
        return false;
    }
    o->n.shape = *o->in;
    return true;
}

static bool op_unary(OpCx *o)
{
    GNode *n = &o->n;
    if (!o->in->known)
        return false;
    n->shape = *o->in;
    switch (n->op) {
    case GOP_FLATTEN:
        if (o->in->rank == 0)
            return need_rank(o, 3, "[C, H, W] or [N]");
        n->shape = (Shape){.rank = 1, .known = true, .d = {(int64_t)shape_elems(o->in)}};
        return true;
    case GOP_SOFTMAX:
        return need_rank(o, 1, "[N]");
    case GOP_ARGMAX:
        n->shape = (Shape){.rank = 0, .known = true};
        return need_rank(o, 1, "[N]");
    default:
        if (o->in->rank == 0) {
            diag_error(o->s->cx, o->l->span, "%s cannot follow argmax (a class index)", o->b->name);
            return false;
        }
        return true;
    }
}

static bool op_quant(OpCx *o, const AstQspec *q, QOrigin origin)
{
    GNode *n = &o->n;
    if (n->op == GOP_SIGN) {
        // sign = quant bits 1 with no scale (sign(0) = -1, docs/language.md §4).
        n->aq = sema_keep_spec(o->s, (QuantSpec){.kind = QK_BITS,
                                                 .nshares = 1,
                                                 .share_bits = {1},
                                                 .share_frac = {1.0},
                                                 .origin_kind = origin,
                                                 .span = o->l->span});
    } else {
        QuantSpec aq;
        if (!sema_resolve_acts(o->s, o->sc, q, origin, o->l->span, &aq))
            return false;
        n->aq = sema_keep_spec(o->s, aq);
    }
    n->shape = *o->in;
    if (o->in->known && o->in->rank == 0) {
        diag_error(o->s->cx, o->l->span, "%s cannot follow argmax (a class index)", n->written);
        return false;
    }
    return o->in->known;
}

static bool refs_args(OpCx *o, uint32_t **ids, uint32_t *nids)
{
    const AstLayer *l = o->l;
    bool ok = true;
    *ids = arena_calloc(&o->s->cx->arena, l->nargs ? l->nargs : 1, sizeof(uint32_t));
    *nids = 0;
    for (uint32_t i = 0; i < l->nargs; i++) {
        if (l->args[i].name) {
            diag_error(o->s->cx, l->args[i].name_span,
                       "%s takes layer references, not named "
                       "arguments",
                       o->b->name);
            ok = false;
            continue;
        }
        ok &= sema_eval_ref(o->s, o->sc, l->args[i].value, &(*ids)[(*nids)++]);
    }
    bool two = o->n.op != GOP_CONCAT;
    if (ok && (two ? l->nargs != 2 : l->nargs < 2)) {
        if (two)
            diag_error(o->s->cx, l->span, "%s takes exactly two inputs, got %u", o->b->name,
                       l->nargs);
        else
            diag_error(o->s->cx, l->span, "concat takes two or more inputs, got %u", l->nargs);
        ok = false;
    }
    return ok;
}

static const char *from_desc(OpCx *o, uint32_t id)
{
    const GNode *src = &o->s->nodes.data[id];
    SrcPos p = src_pos(cx_file(o->s->cx, src->site.file), src->site.start);
    char buf[96];
    return arena_printf(&o->s->cx->arena, "%s (from '%s', line %u)",
                        shape_str(&src->shape, buf, sizeof buf), src->name, p.line);
}

/* mul(a, b): equal ranks, each dimension equal or 1 in one of them (x [C,H,W] times a
 * squeeze-excitation gate [C,1,1]); the result takes the larger size. */
static bool mul_shape(OpCx *o)
{
    GNode *n = &o->n;
    const Shape *a = &o->s->nodes.data[n->in[0]].shape, *b = &o->s->nodes.data[n->in[1]].shape;
    bool ok = a->rank == b->rank && a->rank > 0;
    Shape out = *a;
    for (int k = 0; ok && k < a->rank; k++) {
        ok = a->d[k] == b->d[k] || a->d[k] == 1 || b->d[k] == 1;
        out.d[k] = a->d[k] > b->d[k] ? a->d[k] : b->d[k];
    }
    if (!ok) {
        Diag *d = diag_error(o->s->cx, o->l->args[1].span,
                             "cannot multiply tensors of shape %s and %s", shp(o, a), shp(o, b));
        diag_label(o->s->cx, d, o->l->args[1].span, "%s", from_desc(o, n->in[1]));
        diag_label(o->s->cx, d, o->l->args[0].span, "%s", from_desc(o, n->in[0]));
        diag_help(o->s->cx, d,
                  "mul needs the same rank, and each dimension equal or 1 in one of them "
                  "(e.g. [C, H, W] and [C, 1, 1])");
        return false;
    }
    n->shape = out;
    return true;
}

static bool op_multi(OpCx *o)
{
    GNode *n = &o->n;
    if (!refs_args(o, &n->in, &n->nin))
        return false;
    const Shape *a = &o->s->nodes.data[n->in[0]].shape;
    for (uint32_t i = 0; i < n->nin; i++)
        if (!o->s->nodes.data[n->in[i]].shape.known)
            return false;
    if (n->op == GOP_MUL)
        return mul_shape(o);
    Shape out = *a;
    for (uint32_t i = 1; i < n->nin; i++) {
        const Shape *b = &o->s->nodes.data[n->in[i]].shape;
        bool same = a->rank == b->rank;
        for (int k = n->op == GOP_ADD ? 0 : 1; same && k < a->rank; k++)
            same = a->d[k] == b->d[k];
        if (!same || a->rank == 0) {
            Diag *d = diag_error(o->s->cx, o->l->args[i].span,
                                 n->op == GOP_ADD ? "cannot add tensors of shape %s and %s"
                                                  : "cannot concatenate %s and %s along channels",
                                 shp(o, a), shp(o, b));
            diag_label(o->s->cx, d, o->l->args[i].span, "%s", from_desc(o, n->in[i]));
            diag_label(o->s->cx, d, o->l->args[0].span, "%s", from_desc(o, n->in[0]));
            diag_help(o->s->cx, d,
                      n->op == GOP_ADD ? "the shortcut needs the same stride and channel count"
                                       : "concat joins channels; the other dimensions must match");
            return false;
        }
        if (n->op == GOP_CONCAT)
            out.d[0] += b->d[0];
    }
    n->shape = out;
    return true;
}

/* ---- the statement ---- */

static bool input_node(OpCx *o, uint32_t *id)
{
    for (uint32_t i = 0; i < o->l->nclauses; i++) {
        const AstClause *c = &o->l->clauses[i];
        if (c->kind != ACL_FROM)
            continue;
        if (o->b->refs) {
            diag_error(o->s->cx, c->span, "%s names its inputs as arguments; 'from' does not apply",
                       o->b->name);
            return false;
        }
        return sema_eval_from(o->s, o->sc, c, id);
    }
    if (!o->sc->has_prev) {
        diag_error(o->s->cx, o->l->span, "this layer has no input");
        return false;
    }
    *id = o->sc->prev_node;
    return true;
}

static void check_clauses(OpCx *o)
{
    bool weighted = o->n.op == GOP_CONV2D || o->n.op == GOP_DENSE;
    bool params = weighted || o->n.op == GOP_BATCHNORM;
    for (uint32_t i = 0; i < o->l->nclauses; i++) {
        const AstClause *c = &o->l->clauses[i];
        if ((c->kind == ACL_WEIGHTS || c->kind == ACL_WEIGHTS_PARAM) && !weighted) {
            Diag *d = diag_error(o->s->cx, c->span, "%s has no weights to quantize", o->b->name);
            if (o->n.op == GOP_BATCHNORM)
                diag_note(o->s->cx, d, "batch-norm parameters are folded into integer thresholds");
            else if (o->n.op == GOP_QUANT || o->n.op == GOP_SIGN)
                diag_help(o->s->cx, d, "an activation quantizer's spec follows 'quant' directly");
        }
        if (c->kind == ACL_FOLD && !weighted) {
            Diag *d = diag_error(o->s->cx, c->span,
                                 "fold applies to dense and conv2d layers, not %s", o->b->name);
            diag_note(o->s->cx, d, "the Verilog backend unrolls the other layers (docs/fpga.md)");
        }
        if ((c->kind == ACL_PARAMS_PREFIX || c->kind == ACL_PARAMS_NAMED) && !params)
            diag_error(o->s->cx, c->span, "%s has no tensors to name with 'params'", o->b->name);
    }
}

/* `fold pe=P simd=S` must fit the layer: P divides the outputs, S the inputs (a conv's
 * window: C * kh * kw elements). */
static bool fold_value(OpCx *o, const AstFoldArg *a, int64_t n, const char *what)
{
    if (a->value >= 1 && n % a->value == 0)
        return true;
    Diag *d = diag_error(o->s->cx, a->value_span, "%s=%lld does not divide the layer's %lld %s",
                         a->name, (long long)a->value, (long long)n, what);
    char list[160] = "";
    int k = 0;
    for (int64_t v = 1; v <= n && k < 12; v++)
        if (n % v == 0)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%lld", k++ ? ", " : "",
                     (long long)v);
    diag_help(o->s->cx, d, "%s must be a divisor of %lld: %s%s", a->name, (long long)n, list,
              k == 12 ? ", ..." : "");
    return false;
}

static void fold_clause(OpCx *o)
{
    GNode *n = &o->n;
    bool conv = n->op == GOP_CONV2D;
    int64_t kwin = conv ? o->in->d[0] / (n->groups ? n->groups : 1) * n->kh * n->kw : o->in->d[0];
    for (uint32_t i = 0; i < o->l->nclauses; i++) {
        const AstClause *c = &o->l->clauses[i];
        if (c->kind != ACL_FOLD)
            continue;
        if (n->fold_pe) {
            diag_error(o->s->cx, c->span, "a second fold clause on this layer");
            return;
        }
        if (conv && n->groups != 1) { // the folded unit shares one window over all outputs
            Diag *d = diag_error(o->s->cx, c->span,
                                 "fold on a grouped convolution (groups=%lld) is not supported",
                                 (long long)n->groups);
            diag_help(o->s->cx, d,
                      "remove the fold clause: the Verilog backend then streams "
                      "the layer one window per cycle");
            return;
        }
        n->fold_pe = n->fold_simd = 1;
        bool seen[2] = {false, false};
        for (uint32_t k = 0; k < c->nfold; k++) {
            const AstFoldArg *a = &c->fold[k];
            int which = strcmp(a->name, "pe") == 0 ? 0 : strcmp(a->name, "simd") == 0 ? 1 : -1;
            if (which < 0) {
                Diag *d =
                        diag_error(o->s->cx, a->name_span, "unknown fold parameter '%s'", a->name);
                diag_help(o->s->cx, d,
                          "fold takes pe=P (output neurons in parallel) and simd=S (input "
                          "elements per cycle)");
            } else if (seen[which]) {
                diag_error(o->s->cx, a->name_span, "fold parameter '%s' given twice", a->name);
            } else if (fold_value(o, a, which ? kwin : n->out,
                                  which ? (conv ? "window elements (C*kh*kw)" : "inputs")
                                        : (conv ? "output channels" : "outputs"))) {
                *(which ? &n->fold_simd : &n->fold_pe) = a->value;
            }
            if (which >= 0)
                seen[which] = true;
        }
    }
}

static bool run_op(OpCx *o)
{
    switch (o->b->op) {
    case GOP_CONV2D:
        return op_conv(o, strcmp(o->b->name, "dwconv2d") == 0);
    case GOP_DENSE:
        return op_dense(o);
    case GOP_BATCHNORM:
        return op_batchnorm(o);
    case GOP_MAXPOOL:
    case GOP_AVGPOOL:
        return op_pool(o);
    case GOP_HARDTANH:
        return op_hardtanh(o);
    case GOP_LEAKY_RELU:
        return op_float_arg(o, "slope", 0.01, -1e6, 1e6);
    case GOP_DROPOUT:
        return op_float_arg(o, "p", 0.5, 0, 1);
    case GOP_QUANT:
    case GOP_SIGN:
        return op_quant(o, o->act_q, o->act_origin);
    case GOP_ADD:
    case GOP_MUL:
    case GOP_CONCAT:
        return op_multi(o);
    default:
        return op_unary(o);
    }
}

/* Tensor sizes the later stages can hold: checked here, at the layer, so --check
 * reports them (an activation or a weight tensor over HB_MAX_ELEMS). */
static bool sizes_ok(OpCx *o)
{
    const GNode *n = &o->n;
    uint64_t out = shape_elems(&n->shape), w = 0;
    if (n->op == GOP_CONV2D)
        w = (uint64_t)n->out * (uint64_t)(o->in->d[0] / n->groups) * (uint64_t)(n->kh * n->kw);
    else if (n->op == GOP_DENSE)
        w = (uint64_t)n->out * (uint64_t)o->in->d[0];
    if (out <= HB_MAX_ELEMS && w <= HB_MAX_ELEMS)
        return true;
    Diag *d = diag_error(o->s->cx, o->l->span, "%s of %s has %llu elements, over the limit of %llu",
                         out > HB_MAX_ELEMS ? "the output" : "the weight tensor", o->b->name,
                         (unsigned long long)(out > HB_MAX_ELEMS ? out : w),
                         (unsigned long long)HB_MAX_ELEMS);
    diag_note(o->s->cx, d, "hbnnc holds a tensor of at most 2^31 elements");
    return false;
}

static void register_label(OpCx *o, uint32_t id)
{
    if (!o->n.label)
        return;
    const LabelEntry *prev = sema_find_label(o->s, o->n.label);
    if (prev) {
        Diag *d = diag_error(o->s->cx, o->l->label_span, "label '%s' is used twice", o->l->label);
        diag_label(o->s->cx, d, prev->span, "first used here");
        return;
    }
    sema_add_label(o->s,
                   (LabelEntry){o->n.label, id,
                                span_valid(o->l->label_span) ? o->l->label_span : o->l->span});
}

void sema_builtin(Sema *s, Scope *sc, const AstLayer *l, const char *opname)
{
    sema_builtin_act(s, sc, l, opname, l->qspec, QO_LAYER);
}

void sema_builtin_act(Sema *s, Scope *sc, const AstLayer *l, const char *opname, const AstQspec *q,
                      QOrigin origin)
{
    OpCx o = {
            .s = s, .sc = sc, .l = l, .b = find_builtin(opname), .act_q = q, .act_origin = origin};
    GNode *n = &o.n;
    n->op = o.b->op;
    n->written = o.b->name;
    n->span = l->span;
    n->wq = sema_no_spec();
    n->label = l->label ? sema_join(s, sc->path, l->label) : NULL;
    static const Shape unknown = {0};
    uint32_t in = 0;
    bool have_in = o.b->refs || input_node(&o, &in);
    o.in = have_in && !o.b->refs ? &s->nodes.data[in].shape : &unknown;
    if (have_in && !o.b->refs) {
        n->in = arena_alloc(&s->cx->arena, sizeof(uint32_t));
        n->in[0] = in;
        n->nin = 1;
    }
    int nslots = 0;
    for (; nslots < MAX_ARGS && o.b->args[nslots]; nslots++)
        o.slots[nslots] = (ArgSlot){o.b->args[nslots], nslots < o.b->nrequired, NULL};
    check_clauses(&o);
    bool args_ok =
            o.b->refs || o.b->op == GOP_QUANT || sema_match_args(s, l, o.b->name, o.slots, nslots);
    if (!(args_ok && have_in && run_op(&o) && sizes_ok(&o)))
        n->shape.known = false;
    else if (n->op == GOP_DENSE || n->op == GOP_CONV2D)
        fold_clause(&o);
    if (n->op == GOP_CONV2D || n->op == GOP_DENSE)
        n->wq = sema_keep_spec(s, sema_resolve_weights(s, sc, n, l));
    sema_tensor_names(s, sc, l, n);
    uint32_t id = sema_add_node(s, sc, n);
    register_label(&o, id);
}
