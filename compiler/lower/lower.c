// SPDX-License-Identifier: MIT
/* lower.c: Graph -> kernel IR, node by node in topological order. Decides each
 * node's encoding: bit-plane layers go to lower_bits.c; everything where the network
 * itself is float (a float input layer, int k or float weights, runtime-scaled
 * activations feeding non-bit ops, pools and shortcuts on multi-bit values, logits)
 * takes the float path defined in docs/ir.md §4. Verifies the result. */
#include <math.h>
#include <string.h>

#include "lower_internal.h"

const char *low_name(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    if (n->label)
        return n->label;
    return arena_printf(&L->cx->arena, "%s.%u", gop_name(n->op), i);
}

uint32_t low_f32(Low *L, uint32_t v, const char *name)
{
    const IrType *t = &L->m->values.data[v].type;
    if (t->enc != IR_BITS)
        return v;
    const void *key = (const void *)((uintptr_t)v + 1); // hashed: no scan per use
    uint32_t known = hb_addrmap_get(&L->deq, key);
    if (known != HB_STRMAP_NONE)
        return known;
    IrType f = ir_type_f32(t->rank, t->d);
    IrRef a = ir_v(v);
    const char *nm = arena_printf(&L->cx->arena, "%s.f", name ? name : L->m->values.data[v].name);
    uint32_t r = ir_emit(L->cx, L->m, IR_OP_DEQUANT, nm, &f, &a, 1)->result;
    hb_addrmap_put(&L->deq, &L->cx->arena, key, r);
    return r;
}

/* The offset an integer input's bit planes leave out: x = x' + c (low_int_input). */
static double int_input_offset(const GNode *in)
{
    return in->in_kind == IN_U8 ? 127.5 * in->in_scale : -0.5 * in->in_scale;
}

float *low_bias(Low *L, const GNode *n, int64_t count)
{
    float *b = arena_calloc(&L->cx->arena, (size_t)count, sizeof(float));
    const WTensor *t = n->bound[TR_BIAS];
    if (t && t->data && (int64_t)t->nelem == count)
        memcpy(b, t->data, (size_t)count * sizeof(float));
    const GNode *in = n->nin ? &L->g->nodes[n->in[0]] : NULL;
    if (in && in->op == GOP_INPUT && in->in_kind != IN_F32) {
        // W x + b = W x' + (b + c sum_j W_oj): every tap is inside (no padding: checked)
        const float *w = n->qw && n->qw->recon ? n->qw->recon : n->bound[TR_WEIGHT]->data;
        uint64_t per = n->op == GOP_CONV2D
                               ? (uint64_t)((in->shape.d[0] / n->groups) * n->kh * n->kw)
                               : shape_elems(&in->shape); // weights per output row
        double c = int_input_offset(in);
        for (int64_t o = 0; o < count; o++) {
            double s = 0;
            for (uint64_t j = 0; j < per; j++)
                s += (double)w[(uint64_t)o * per + j];
            b[o] = (float)((double)b[o] + c * s);
        }
    }
    return b;
}

void low_bn_params(Low *L, const GNode *n, int64_t c, BnParams *bn)
{
    bn->a = arena_calloc(&L->cx->arena, (size_t)c, sizeof(double));
    bn->mean = arena_calloc(&L->cx->arena, (size_t)c, sizeof(double));
    bn->beta = arena_calloc(&L->cx->arena, (size_t)c, sizeof(double));
    const WTensor *g = n->bound[TR_WEIGHT], *b = n->bound[TR_BIAS];
    const WTensor *mu = n->bound[TR_RUNNING_MEAN], *var = n->bound[TR_RUNNING_VAR];
    for (int64_t k = 0; k < c; k++) {
        double gamma = g && g->data ? g->data[k] : 1.0;
        double v = var && var->data ? var->data[k] : 1.0;
        bn->a[k] = gamma / sqrt(v + n->eps);
        bn->mean[k] = mu && mu->data ? mu->data[k] : 0.0;
        bn->beta[k] = b && b->data ? b->data[k] : 0.0;
    }
}

void low_conv_attrs(IrInst *in, const GNode *n)
{
    bool b = in->op == IR_OP_BPOP_CONV2D;
    *(b ? ir_bpop_conv2d_stride_set(in) : ir_conv2d_stride_set(in)) =
            (IrAttr){.n = 2, .i = {n->sh, n->sw}};
    *(b ? ir_bpop_conv2d_pad_set(in) : ir_conv2d_pad_set(in)) =
            (IrAttr){.n = 4, .i = {n->pad[0], n->pad[1], n->pad[2], n->pad[3]}};
    *(b ? ir_bpop_conv2d_dilation_set(in) : ir_conv2d_dilation_set(in)) =
            (IrAttr){.n = 2, .i = {n->dh, n->dw}};
    *(b ? ir_bpop_conv2d_groups_set(in) : ir_conv2d_groups_set(in)) =
            (IrAttr){.n = 1, .i = {n->groups}};
}

static IrType shape_f32(const Shape *s)
{
    return ir_type_f32(s->rank, s->d);
}

static uint32_t in_val(Low *L, const GNode *n, uint32_t k)
{
    return L->val[n->in[k]];
}

static const IrType *vtype(Low *L, uint32_t v)
{
    return &L->m->values.data[v].type;
}

static uint32_t emit1(Low *L, uint32_t i, IrOp op, const IrType *t, uint32_t x)
{
    IrRef a = ir_v(x);
    return ir_emit(L->cx, L->m, op, low_name(L, i), t, &a, 1)->result;
}

/* ---- weighted layers on the float path ---- */

/* The float weights a float-path layer uses: the quantized reconstruction (QTensor
 * recon: int k -> q*s, bits -> sum alpha_m s_m, float -> a copy). */
static const float *layer_weights(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    if (n->qw && n->qw->recon)
        return n->qw->recon;
    const WTensor *w = n->bound[TR_WEIGHT];
    if (w && w->data)
        return w->data;
    diag_error(L->cx, n->site, "cannot lower '%s': its weights are not bound", n->name);
    return NULL;
}

static bool low_float_layer(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    const float *w = layer_weights(L, i);
    if (!w)
        return false;
    const char *nm = low_name(L, i);
    uint32_t x = low_f32(L, in_val(L, n, 0), NULL);
    const IrType *xt = vtype(L, x);
    int64_t wd[4] = {n->out, (int64_t)ir_type_elems(xt)};
    int rank = 2;
    if (n->op == GOP_CONV2D) {
        wd[1] = xt->d[0] / n->groups, wd[2] = n->kh, wd[3] = n->kw;
        rank = 4;
    }
    // A view: the reconstruction (or the bound tensor) stays as it is for the module.
    uint32_t cw = ir_const_f32_view(L->cx, L->m, arena_printf(&L->cx->arena, "%s.weight", nm), rank,
                                    wd, w);
    uint32_t cb = ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.bias", nm), 1, wd,
                               low_bias(L, n, n->out));
    IrRef args[3] = {ir_v(x), ir_c(cw), ir_c(cb)};
    IrType t = shape_f32(&n->shape);
    IrInst *in =
            ir_emit(L->cx, L->m, n->op == GOP_CONV2D ? IR_OP_CONV2D : IR_OP_DENSE, nm, &t, args, 3);
    if (n->op == GOP_CONV2D)
        low_conv_attrs(in, n);
    L->val[i] = in->result;
    return true;
}

static bool low_layer(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    uint32_t x = in_val(L, n, 0);
    if (vtype(L, x)->enc == IR_BITS && n->qw && n->qw->kind == QK_BITS)
        return low_bits_layer(L, i);
    return low_float_layer(L, i);
}

static bool low_batchnorm(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    int64_t c = n->shape.d[0];
    BnParams bn;
    low_bn_params(L, n, c, &bn);
    float *scale = arena_calloc(&L->cx->arena, (size_t)c, sizeof(float));
    float *shift = arena_calloc(&L->cx->arena, (size_t)c, sizeof(float));
    for (int64_t k = 0; k < c; k++) {
        scale[k] = (float)bn.a[k];
        shift[k] = (float)(bn.beta[k] - bn.mean[k] * bn.a[k]);
    }
    const char *nm = low_name(L, i);
    uint32_t x = low_f32(L, in_val(L, n, 0), NULL);
    IrRef args[3] = {ir_v(x),
                     ir_c(ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.scale", nm), 1,
                                       &c, scale)),
                     ir_c(ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.shift", nm), 1,
                                       &c, shift))};
    IrType t = shape_f32(&n->shape);
    L->val[i] = ir_emit(L->cx, L->m, IR_OP_BATCHNORM, nm, &t, args, 3)->result;
    return true;
}

/* ---- activation quantizers ---- */

/* --calibrate's scales win over the weights file's L.scales tensor. */
const float *low_static_scales(Low *L, uint32_t i)
{
    if (L->o && L->o->act_scales && L->o->act_scales[i])
        return L->o->act_scales[i];
    const WTensor *t = L->g->nodes[i].scales_bound;
    return t ? t->data : NULL;
}

static bool low_sign(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    uint32_t x = in_val(L, n, 0);
    const IrType *xt = vtype(L, x);
    if (xt->enc == IR_BITS && xt->scale == IR_SC_UNIT) { // sign of +-1 is itself
        L->val[i] = x;
        return true;
    }
    IrType t = *vtype(L, low_f32(L, x, NULL));
    t.enc = IR_BITS, t.bits = 1, t.scale = IR_SC_UNIT;
    L->val[i] = emit1(L, i, IR_OP_SIGN, &t, low_f32(L, x, NULL));
    return true;
}

static bool low_quant(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    const QuantSpec *q = n->aq;
    if (q->kind == QK_FLOAT) {
        L->val[i] = in_val(L, n, 0);
        return true;
    }
    if (q->kind != QK_BITS || q->avg_search) {
        diag_error(L->cx, n->site,
                   "'%s': %s activations are not supported yet (use 'quant bits "
                   "k' or a distribution)",
                   n->name, q->kind == QK_INT ? "int k" : "bits avg");
        return false;
    }
    bool stat = q->act_scale == ACT_SCALE_STATIC && !(L->o && L->o->calibrating);
    const float *beta = stat ? low_static_scales(L, i) : NULL;
    if (stat && !beta) {
        Diag *d = diag_error(L->cx, n->site, "'%s' has static scales but none are known", n->name);
        int k = q->share_bits[q->nshares - 1];
        if (n->scales_tensor)
            diag_help(L->cx, d,
                      "pass --calibrate INPUTS.npy, add a float32 tensor '%s' of shape [%d] "
                      "to the weights file, or use 'scale runtime'",
                      n->scales_tensor, k);
        else
            diag_help(L->cx, d,
                      "pass --calibrate INPUTS.npy, label the quantizer and add a float32 "
                      "tensor 'LABEL.scales' of shape [%d] to the weights file, or use "
                      "'scale runtime'",
                      k);
        return false;
    }
    uint32_t x = low_f32(L, in_val(L, n, 0), NULL);
    IrType t = *vtype(L, x);
    t.enc = IR_BITS, t.bits = (uint8_t)q->share_bits[q->nshares - 1];
    t.masked = q->nshares > 1;
    t.scale = stat ? IR_SC_STATIC : IR_SC_RUNTIME;
    if (stat) {
        int64_t k = t.bits;
        t.scale_const = ir_const_f32(
                L->cx, L->m, arena_printf(&L->cx->arena, "%s.beta", low_name(L, i)), 1, &k, beta);
    }
    IrInst *in = ir_emit(L->cx, L->m, IR_OP_QUANT, low_name(L, i), &t, (IrRef[]){ir_v(x)}, 1);
    IrAttr *widths = ir_quant_widths_set(in), *fracs = ir_quant_fracs_set(in);
    widths->n = fracs->n = q->nshares;
    for (int k = 0; k < q->nshares; k++) {
        widths->i[k] = q->share_bits[k];
        fracs->f[k] = q->share_frac[k];
    }
    ir_quant_select_set(in)->i[0] = q->select;
    ir_quant_seed_set(in)->i[0] = (int64_t)q->seed;
    L->val[i] = in->result;
    return true;
}

/* ---- shape and float ops ---- */

static bool low_pool(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    uint32_t x = in_val(L, n, 0);
    const IrType *xt = vtype(L, x);
    // A max over codes where every code has its own value (ir_code_ranks: one plane,
    // or static scales): the next layer stays on bits. Otherwise (runtime scales, two
    // codes with one value, or --float-pools: the old lowering) pool the dequant.
    uint16_t rank[IR_CODE_RANKS];
    bool multi = xt->enc == IR_BITS && (xt->bits > 1 || xt->masked);
    bool bits_ok = n->op == GOP_MAXPOOL && xt->enc == IR_BITS && ir_code_ranks(L->m, xt, rank) &&
                   !(multi && L->o && L->o->float_pools);
    if (!bits_ok)
        x = low_f32(L, x, NULL);
    IrType t = *vtype(L, x);
    t.d[1] = n->shape.d[1], t.d[2] = n->shape.d[2];
    IrInst *in = ir_emit(L->cx, L->m, n->op == GOP_MAXPOOL ? IR_OP_MAXPOOL : IR_OP_AVGPOOL,
                         low_name(L, i), &t, (IrRef[]){ir_v(x)}, 1);
    IrAttr kernel = {.n = 2, .i = {n->kh, n->kw}}, stride = {.n = 2, .i = {n->sh, n->sw}};
    IrAttr pad = {.n = 4, .i = {n->pad[0], n->pad[1], n->pad[2], n->pad[3]}};
    IrAttr ceil = {.n = 1, .i = {n->ceil}};
    bool mx = n->op == GOP_MAXPOOL;
    *(mx ? ir_maxpool_kernel_set(in) : ir_avgpool_kernel_set(in)) = kernel;
    *(mx ? ir_maxpool_stride_set(in) : ir_avgpool_stride_set(in)) = stride;
    *(mx ? ir_maxpool_pad_set(in) : ir_avgpool_pad_set(in)) = pad;
    *(mx ? ir_maxpool_ceil_set(in) : ir_avgpool_ceil_set(in)) = ceil;
    L->val[i] = in->result;
    return true;
}

static bool low_flatten(Low *L, uint32_t i)
{
    uint32_t x = in_val(L, &L->g->nodes[i], 0);
    IrType t = *vtype(L, x);
    t.rank = 1;
    t.d[0] = (int64_t)ir_type_elems(vtype(L, x));
    L->val[i] = emit1(L, i, IR_OP_FLATTEN, &t, x);
    return true;
}

/* concat keeps bits when every operand has the same non-runtime bits encoding. */
static bool low_concat(Low *L, uint32_t i)
{
    const GNode *n = &L->g->nodes[i];
    const IrType *a = vtype(L, in_val(L, n, 0));
    bool bits = a->enc == IR_BITS && a->scale != IR_SC_RUNTIME;
    for (uint32_t k = 1; bits && k < n->nin; k++) {
        IrType b = *vtype(L, in_val(L, n, k));
        b.d[0] = a->d[0];
        bits = ir_type_eq(&b, a);
    }
    IrRef *args = arena_calloc(&L->cx->arena, n->nin, sizeof(IrRef));
    for (uint32_t k = 0; k < n->nin; k++)
        args[k] = ir_v(bits ? in_val(L, n, k) : low_f32(L, in_val(L, n, k), NULL));
    IrType t = *vtype(L, args[0].id);
    t.d[0] = n->shape.d[0];
    L->val[i] = ir_emit(L->cx, L->m, IR_OP_CONCAT, low_name(L, i), &t, args, n->nin)->result;
    return true;
}

static bool low_simple(Low *L, uint32_t i, IrOp op)
{
    const GNode *n = &L->g->nodes[i];
    IrRef args[2];
    for (uint32_t k = 0; k < n->nin && k < 2; k++)
        args[k] = ir_v(low_f32(L, in_val(L, n, k), NULL));
    IrType t = op == IR_OP_ARGMAX ? ir_type_i32(0, NULL) : shape_f32(&n->shape);
    IrInst *in = ir_emit(L->cx, L->m, op, low_name(L, i), &t, args, n->nin < 2 ? n->nin : 2);
    if (op == IR_OP_HARDTANH) {
        ir_hardtanh_lo_set(in)->f[0] = n->lo;
        ir_hardtanh_hi_set(in)->f[0] = n->hi;
    }
    if (op == IR_OP_LEAKY_RELU)
        ir_leaky_relu_slope_set(in)->f[0] = n->lo;
    L->val[i] = in->result;
    return true;
}

/* An integer input (u8 / i8, scale s) reads the integers as floats, puts them on the
 * half-integer grid x' = s (u - 127.5) (i8: s (v + 0.5)) with one batchnorm, and splits
 * them into 8 exact static residual planes, beta = s [64, 32, ..., 0.5]: plane n is bit
 * 7 - n of u (of v ^ 0x80). The offset c = x - x' returns in the bias of the one layer
 * that reads the input (low_bias), so the first layer runs on integers exactly. */
static bool low_int_input(Low *L, uint32_t i, uint32_t x)
{
    const GNode *n = &L->g->nodes[i], *u = &L->g->nodes[L->user[i]];
    bool ok = L->nuses[i] == 1 && !L->is_output[i] &&
              (u->op == GOP_DENSE ||
               (u->op == GOP_CONV2D && !(u->pad[0] | u->pad[1] | u->pad[2] | u->pad[3])));
    if (!ok) {
        Diag *d = diag_error(L->cx, n->span,
                             "the integer input '%s' must feed exactly one dense "
                             "or unpadded conv2d layer",
                             n->name);
        diag_help(L->cx, d, "read it with one dense layer or a conv2d with pad=0, or make it f32");
        return false;
    }
    const char *nm = low_name(L, i);
    int64_t c = n->shape.d[0], k = 8;
    float *scale = arena_calloc(&L->cx->arena, (size_t)c, sizeof(float));
    float *shift = arena_calloc(&L->cx->arena, (size_t)c, sizeof(float));
    float beta[8];
    for (int64_t j = 0; j < c; j++) {
        scale[j] = (float)n->in_scale;
        shift[j] = (float)(n->in_kind == IN_U8 ? -127.5 * n->in_scale : 0.5 * n->in_scale);
    }
    for (int j = 0; j < 8; j++)
        beta[j] = (float)(n->in_scale * 64.0 / (double)(1 << j));
    IrRef args[3] = {ir_v(x),
                     ir_c(ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.scale", nm), 1,
                                       &c, scale)),
                     ir_c(ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.shift", nm), 1,
                                       &c, shift))};
    IrType t = shape_f32(&n->shape);
    x = ir_emit(L->cx, L->m, IR_OP_BATCHNORM, arena_printf(&L->cx->arena, "%s.grid", nm), &t, args,
                3)
                ->result;
    t.enc = IR_BITS, t.bits = 8, t.scale = IR_SC_STATIC;
    t.scale_const =
            ir_const_f32(L->cx, L->m, arena_printf(&L->cx->arena, "%s.beta", nm), 1, &k, beta);
    IrInst *q = ir_emit(L->cx, L->m, IR_OP_QUANT, arena_printf(&L->cx->arena, "%s.bits", nm), &t,
                        (IrRef[]){ir_v(x)}, 1);
    IrAttr *widths = ir_quant_widths_set(q), *fracs = ir_quant_fracs_set(q);
    widths->n = fracs->n = 1;
    widths->i[0] = 8;
    fracs->f[0] = 1;
    ir_quant_select_set(q)->i[0] = SEL_MIDDLE_OUT;
    L->val[i] = q->result;
    return true;
}

static bool low_input(Low *L, uint32_t i)
{
    IrType t = shape_f32(&L->g->nodes[i].shape);
    IrInst *in = ir_emit(L->cx, L->m, IR_OP_INPUT, low_name(L, i), &t, NULL, 0);
    ir_input_index_set(in)->i[0] = L->m->inputs.len;
    hb_vec_push(&L->cx->arena, &L->m->inputs, in->result);
    L->val[i] = in->result;
    if (L->g->nodes[i].in_kind != IN_F32)
        return low_int_input(L, i, in->result);
    return true;
}

static bool low_node(Low *L, uint32_t i)
{
    switch (L->g->nodes[i].op) {
    case GOP_INPUT:
        return low_input(L, i);
    case GOP_CONV2D:
    case GOP_DENSE:
        return low_layer(L, i);
    case GOP_BATCHNORM:
        return low_batchnorm(L, i);
    case GOP_MAXPOOL:
    case GOP_AVGPOOL:
        return low_pool(L, i);
    case GOP_RELU:
        return low_simple(L, i, IR_OP_RELU);
    case GOP_HARDTANH:
        return low_simple(L, i, IR_OP_HARDTANH);
    case GOP_SIGMOID:
        return low_simple(L, i, IR_OP_SIGMOID);
    case GOP_TANH:
        return low_simple(L, i, IR_OP_TANH);
    case GOP_LEAKY_RELU:
        return low_simple(L, i, IR_OP_LEAKY_RELU);
    case GOP_GELU:
        return low_simple(L, i, IR_OP_GELU);
    case GOP_DROPOUT: // the identity at inference: no instruction
        L->val[i] = in_val(L, &L->g->nodes[i], 0);
        return true;
    case GOP_MUL:
        return low_simple(L, i, IR_OP_MUL);
    case GOP_SIGN:
        return low_sign(L, i);
    case GOP_QUANT:
        return low_quant(L, i);
    case GOP_FLATTEN:
        return low_flatten(L, i);
    case GOP_ADD:
        return low_simple(L, i, IR_OP_ADD);
    case GOP_CONCAT:
        return low_concat(L, i);
    case GOP_SOFTMAX:
        return low_simple(L, i, IR_OP_SOFTMAX);
    case GOP_ARGMAX:
        return low_simple(L, i, IR_OP_ARGMAX);
    case GOP_COUNT:
        break;
    }
    return false;
}

static void count_uses(Low *L)
{
    const Graph *g = L->g;
    for (uint32_t i = 0; i < g->n; i++)
        for (uint32_t k = 0; k < g->nodes[i].nin; k++) {
            L->nuses[g->nodes[i].in[k]]++;
            L->user[g->nodes[i].in[k]] = i;
        }
    for (uint32_t k = 0; k < g->noutputs; k++) {
        L->nuses[g->outputs[k]]++;
        L->is_output[g->outputs[k]] = true;
    }
}

IrModule *lower_graph(HbCx *cx, const Graph *g, const LowerOptions *o, uint32_t **node_value)
{
    Low L = {.cx = cx, .g = g, .o = o, .m = ir_module_new(cx, g->name)};
    L.val = arena_calloc(&cx->arena, g->n ? g->n : 1, sizeof(uint32_t));
    L.nuses = arena_calloc(&cx->arena, g->n ? g->n : 1, sizeof(uint32_t));
    L.user = arena_calloc(&cx->arena, g->n ? g->n : 1, sizeof(uint32_t));
    L.is_output = arena_calloc(&cx->arena, g->n ? g->n : 1, sizeof(bool));
    L.done = arena_calloc(&cx->arena, g->n ? g->n : 1, sizeof(bool));
    for (uint32_t i = 0; i < g->n; i++)
        L.val[i] = LOW_NONE;
    count_uses(&L);
    int before = diag_errors(cx);
    for (uint32_t i = 0; i < g->n; i++) {
        if (L.done[i]) // produced by a fold into an earlier layer
            continue;
        bool missing = false;
        for (uint32_t k = 0; k < g->nodes[i].nin; k++)
            missing |= L.val[g->nodes[i].in[k]] == LOW_NONE;
        if (missing) // an input failed to lower (reported already)
            continue;
        L.done[i] = low_node(&L, i);
    }
    for (uint32_t k = 0; k < g->noutputs && diag_errors(cx) == before; k++) {
        uint32_t v = L.val[g->outputs[k]];
        hb_vec_push(&cx->arena, &L.m->outputs, low_f32(&L, v, NULL));
    }
    if (diag_errors(cx) != before)
        return NULL;
    ir_verify_built(cx, L.m, "lowered IR");
    if (node_value)
        *node_value = L.val;
    return L.m;
}
