// SPDX-License-Identifier: MIT
/* vl_plan.c: which part of the IR becomes hardware. One handler per op (generated from
 * HB_IR_OPS) classifies each value: the input (host), the input's quantizer (the head:
 * the host sends its bits), a chain of hardware stages (bpop+icomb+threshold units,
 * bit max-pools, flattens), and the host tail (fcomb / dequant / argmax / softmax on
 * the last stage's integers). Anything else is refused, naming the layer. */
#include <string.h>

#include "vl_internal.h"

typedef enum VlClass { C_NONE, C_HOST, C_HEAD, C_HW, C_TAIL } VlClass;

typedef struct PlanCx {
    HbCx *cx;
    VlPlan *p;
    VlClass *cls;  // per value
    VlWire cur;    // the chain's current hardware value (or the head's bits)
    bool have_cur; // head seen
    bool cut;      // the tail started: no hardware after it
} PlanCx;

const char *vl_ident(HbCx *cx, const char *s)
{
    char *n = arena_printf(&cx->arena, "%s%s", (*s >= '0' && *s <= '9') ? "n" : "", s);
    for (char *q = n; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
            *q = '_';
    return n;
}

const char *vl_layer_name(HbCx *cx, const IrModule *m, const IrInst *in)
{
    const char *v = m->values.data[in->result].name;
    const char *dot = strchr(v, '.');
    if (!dot || dot == v || strncmp(v, "op.", 3) == 0 || strncmp(v, "sign.", 5) == 0)
        return v;
    char *s = arena_strdup(&cx->arena, v);
    s[dot - v] = 0;
    return s;
}

static VlClass arg_class(const PlanCx *c, const IrInst *in, uint32_t k)
{
    return in->args[k].is_const ? C_NONE : c->cls[in->args[k].id];
}

static Diag *refuse(PlanCx *c, const IrInst *in, const char *fmt, const char *what)
{
    const IrModule *m = c->p->m;
    const char *layer = vl_layer_name(c->cx, m, in);
    const char *msg = arena_printf(&c->cx->arena, fmt, layer, what);
    if (span_valid(in->span))
        return diag_error(c->cx, in->span, "%s", msg);
    return diag_file_error(c->cx, "verilog", "%s", msg);
}

static VlWire wire_of(const IrModule *m, uint32_t v)
{
    const IrType *t = &m->values.data[v].type;
    VlWire w = {.value = v, .is_bits = t->enc == IR_BITS, .elems = ir_type_elems(t)};
    w.k = w.is_bits ? t->bits : 32;
    w.width = w.elems * (uint64_t)w.k;
    return w;
}

/* A float op where the network must be integer: the common refusal. */
static bool p_float(PlanCx *c, const IrInst *in)
{
    if (arg_class(c, in, 0) == C_HOST && (in->op == IR_OP_FLATTEN || in->op == IR_OP_BATCHNORM)) {
        // still on the host: an integer input's grid shift is matched by p_quantizer
        c->cls[in->result] = C_HOST;
        return true;
    }
    Diag *d = refuse(c, in, "layer '%s' (%s) computes in float: only integer paths reach hardware",
                     ir_op_name(in->op));
    diag_help(c->cx, d,
              "binarize its input with `sign` or `quant bits K scale static`, give "
              "dense/conv layers `weights bits ...`, and end each hidden layer (after its "
              "batchnorm) with `sign` or a static quant so that lowering folds it into "
              "integer thresholds");
    return false;
}

/* The host's final combine: allowed only on the chain's last hardware value. */
static bool p_tail(PlanCx *c, const IrInst *in)
{
    uint32_t nd = in->op == IR_OP_FCOMB ? 1 : in->nargs; // fcomb's x only gives scales
    for (uint32_t k = 0; k < nd; k++) {
        VlClass a = arg_class(c, in, k);
        if (a == C_HW) {
            if (c->cut && c->p->out.value != in->args[k].id) {
                refuse(c, in,
                       "'%s' (%s) reads a second hardware value: the stream has one "
                       "output",
                       ir_op_name(in->op));
                return false;
            }
            if (in->args[k].id != c->cur.value) {
                refuse(c, in,
                       "'%s' (%s) reads a hardware value that is not the end of the "
                       "layer chain",
                       ir_op_name(in->op));
                return false;
            }
            c->p->out = c->cur;
            c->cut = true;
        } else if (a == C_HEAD || a == C_HOST) {
            Diag *d = refuse(c, in, "'%s' (%s) computes on the input in float", ir_op_name(in->op));
            diag_help(c->cx, d, "only the last layer's integers may be combined on the host");
            return false;
        }
    }
    if (in->op == IR_OP_FCOMB && ir_arg_type(c->p->m, in->args[1])->scale == IR_SC_RUNTIME) {
        refuse(c, in, "layer '%s' (%s) needs runtime activation scales", ir_op_name(in->op));
        return false;
    }
    hb_vec_push(&c->cx->arena, &c->p->tail, in);
    c->cls[in->result] = C_TAIL;
    return true;
}

static bool p_input(PlanCx *c, const IrInst *in)
{
    c->cls[in->result] = C_HOST;
    return true;
}

static bool all_equal(const float *v, uint64_t n, float x)
{
    for (uint64_t j = 0; j < n; j++)
        if (v[j] != x)
            return false;
    return true;
}

/* The integer-input convention (docs/ir.md §5): input -> batchnorm (scale s, shift
 * -127.5 s for u8 or 0.5 s for i8) -> quant static 8 planes, beta = s [64 .. 0.5].
 * Returns 'u', 'i', or 0 if `q` (a quantizer of a host value) is not that. */
static char int_input_kind(const IrModule *m, const IrInst *q)
{
    const IrInst *bn = &m->insts.data[m->values.data[q->args[0].id].def];
    const IrType *t = &m->values.data[q->result].type;
    if (q->op != IR_OP_QUANT || bn->op != IR_OP_BATCHNORM || t->bits != 8 ||
        t->scale != IR_SC_STATIC || bn->args[0].is_const ||
        m->insts.data[m->values.data[bn->args[0].id].def].op != IR_OP_INPUT)
        return 0;
    const IrConst *sc = &m->consts.data[bn->args[1].id], *sh = &m->consts.data[bn->args[2].id];
    const float *beta = m->consts.data[t->scale_const].f;
    uint64_t n = ir_type_elems(&sc->type);
    double s = (double)sc->f[0];
    for (int k = 0; k < 8; k++)
        if (beta[k] != (float)(s * 64.0 / (double)(1 << k)))
            return 0;
    if (!all_equal(sc->f, n, sc->f[0]))
        return 0;
    if (all_equal(sh->f, n, (float)(-127.5 * s)))
        return 'u';
    return all_equal(sh->f, n, (float)(0.5 * s)) ? 'i' : 0;
}

/* sign / quant on the input: the host quantizes, the stream carries the bits. */
static bool p_quantizer(PlanCx *c, const IrInst *in)
{
    if (arg_class(c, in, 0) != C_HOST)
        return p_float(c, in);
    const IrModule *m = c->p->m;
    const IrType *t = &m->values.data[in->result].type;
    if (m->insts.data[m->values.data[in->args[0].id].def].op != IR_OP_INPUT &&
        !(c->p->int_in = int_input_kind(m, in))) {
        Diag *d = refuse(c, in, "'%s' (%s) quantizes float values computed from the input",
                         ir_op_name(in->op));
        diag_help(c->cx, d, "quantize the input itself, or declare it `u8[...] scale X`");
        return false;
    }
    if (c->p->head) {
        refuse(c, in, "'%s' (%s) quantizes the input a second time: the stream has one input",
               ir_op_name(in->op));
        return false;
    }
    if (t->masked || t->scale == IR_SC_RUNTIME) {
        Diag *d = refuse(c, in, "'%s' (%s) needs per-example widths or scales", ir_op_name(in->op));
        diag_help(c->cx, d,
                  "quantize the input with `sign` or a homogeneous "
                  "`quant bits K scale static`");
        return false;
    }
    c->p->head = in;
    c->p->in = wire_of(c->p->m, in->result);
    c->cur = c->p->in;
    c->have_cur = true;
    c->cls[in->result] = C_HEAD;
    return true;
}

/* The operand of a new hardware stage must be the chain's current value. */
static bool chain_arg(PlanCx *c, const IrInst *in)
{
    VlClass a = arg_class(c, in, 0);
    if (a == C_HW || a == C_HEAD) {
        if (c->cut) {
            refuse(c, in, "layer '%s' (%s) follows a host-side float combine", ir_op_name(in->op));
            return false;
        }
        if (in->args[0].id == c->cur.value)
            return true;
        refuse(c, in,
               "layer '%s' (%s) does not read the previous layer: only chains of layers "
               "are supported",
               ir_op_name(in->op));
        return false;
    }
    refuse(c, in, "layer '%s' (%s) reads float values: only integer paths reach hardware",
           ir_op_name(in->op));
    return false;
}

static VlStage *new_stage(PlanCx *c, VlKind kind, const IrInst *in)
{
    VlStage s = {.kind = kind, .in = c->cur};
    s.layer = vl_layer_name(c->cx, c->p->m, in);
    s.name = arena_printf(&c->cx->arena, "%s_l%u_", c->p->name, c->p->stages.len);
    s.name = vl_ident(c->cx, arena_printf(&c->cx->arena, "%s%s", s.name, s.layer));
    hb_vec_push(&c->cx->arena, &c->p->stages, s);
    return &c->p->stages.data[c->p->stages.len - 1];
}

static void advance(PlanCx *c, VlStage *s, const IrInst *in)
{
    c->cls[in->result] = C_HW;
    c->cur = wire_of(c->p->m, in->result);
    s->out = c->cur;
}

static bool p_bpop(PlanCx *c, const IrInst *in)
{
    if (!chain_arg(c, in))
        return false;
    const IrType *xt = ir_arg_type(c->p->m, in->args[0]);
    if (xt->masked) {
        refuse(c, in, "layer '%s' (%s) reads activations with per-element widths",
               ir_op_name(in->op));
        return false;
    }
    VlStage *s = new_stage(c, VL_MVU, in);
    s->pop = in;
    if (in->op == IR_OP_BPOP_DENSE) // `fold pe=.. simd=..` (0, 0: unrolled)
        s->pe = ir_bpop_dense_pe(in), s->simd = ir_bpop_dense_simd(in);
    else // a folded conv streams its windows through the folded unit (vl_window.c)
        s->pe = ir_bpop_conv2d_pe(in), s->simd = ir_bpop_conv2d_simd(in);
    advance(c, s, in);
    return true;
}

static VlStage *last_stage(PlanCx *c)
{
    return c->p->stages.len ? &c->p->stages.data[c->p->stages.len - 1] : NULL;
}

/* icomb / threshold extend the current unit when they read its last value. */
static bool p_extend(PlanCx *c, const IrInst *in)
{
    VlStage *s = last_stage(c);
    bool ok = arg_class(c, in, 0) == C_HW && !c->cut && s && s->kind == VL_MVU &&
              in->args[0].id == c->cur.value &&
              (in->op == IR_OP_ICOMB ? !s->comb && !s->thr : s->comb && !s->thr);
    if (!ok) {
        refuse(c, in, "'%s' (%s) is not part of a bpop + icomb + threshold unit",
               ir_op_name(in->op));
        return false;
    }
    if (in->op == IR_OP_ICOMB)
        s->comb = in;
    else
        s->thr = in;
    advance(c, s, in);
    return true;
}

static bool p_maxpool(PlanCx *c, const IrInst *in)
{
    const IrType *t = ir_arg_type(c->p->m, in->args[0]);
    if (t->enc != IR_BITS)
        return p_float(c, in);
    if (t->bits > 1 || t->masked) { // write_pool is an OR of sign bits: one plane only
        refuse(c, in,
               "layer '%s' (%s) pools multi-bit codes, which the Verilog backend does not "
               "support yet (one-plane values only)",
               ir_op_name(in->op));
        return false;
    }
    if (!chain_arg(c, in))
        return false;
    VlStage *s = new_stage(c, VL_POOL, in);
    s->pool = in;
    advance(c, s, in);
    return true;
}

static bool p_flatten(PlanCx *c, const IrInst *in)
{
    VlClass a = arg_class(c, in, 0);
    if (a == C_TAIL) {
        c->cls[in->result] = C_TAIL;
        hb_vec_push(&c->cx->arena, &c->p->tail, in);
        return true;
    }
    if (a == C_HOST)
        return p_float(c, in);
    if (!chain_arg(c, in))
        return false;
    c->cls[in->result] = a; // same wire, new name
    uint32_t v = in->result;
    c->cur.value = v;
    if (a == C_HEAD) {
        c->p->in.value = v;
    } else {
        last_stage(c)->out.value = v;
    }
    return true;
}

static bool p_concat(PlanCx *c, const IrInst *in)
{
    Diag *d = refuse(c, in,
                     "'%s' (%s): branching networks are not supported by the Verilog "
                     "backend yet",
                     ir_op_name(in->op));
    diag_help(c->cx, d, "the Verilog backend takes a chain of layers");
    return false;
}

#define p_dense       p_float
#define p_conv2d      p_float
#define p_batchnorm   p_float
#define p_relu        p_float
#define p_hardtanh    p_float
#define p_sigmoid     p_float
#define p_tanh        p_float
#define p_leaky_relu  p_float
#define p_gelu        p_float
#define p_mul         p_float
#define p_avgpool     p_float
#define p_add         p_float
#define p_softmax     p_tail
#define p_argmax      p_tail
#define p_sign        p_quantizer
#define p_quant       p_quantizer
#define p_dequant     p_tail
#define p_bpop_dense  p_bpop
#define p_bpop_conv2d p_bpop
#define p_icomb       p_extend
#define p_fcomb       p_tail
#define p_threshold   p_extend

typedef bool (*PlanFn)(PlanCx *, const IrInst *);
static const PlanFn handlers[IR_OP_COUNT] = {
#define X(e, name, operands) [IR_OP_##e] = p_##name,
        HB_IR_OPS(X)
#undef X
};

/* A folded conv streams windows into vl_fold.c's unit, which ends in thresholds (bits). */
static bool folds_ok(PlanCx *c)
{
    bool ok = true;
    for (uint32_t i = 0; i < c->p->stages.len; i++) {
        const VlStage *s = &c->p->stages.data[i];
        if (s->kind != VL_MVU || !s->pe || s->pop->op != IR_OP_BPOP_CONV2D)
            continue;
        const char *why = s->thr ? NULL : "its output is not thresholded to bits";
        if (ir_bpop_conv2d_groups(s->pop) != 1)
            why = "it is grouped";
        if (!why)
            continue;
        Diag *d = refuse(c, s->pop, "fold on conv layer '%s' is not supported: %s", why);
        diag_help(c->cx, d,
                  "follow it by batchnorm + sign (or a static quant), or remove the fold "
                  "clause");
        ok = false;
    }
    return ok;
}

static bool finish(PlanCx *c)
{
    VlPlan *p = c->p;
    if (!p->head || !p->stages.len) {
        Diag *d = diag_file_error(c->cx, "verilog",
                                  "network '%s' has no integer layer chain to put in hardware",
                                  p->m->name);
        diag_help(c->cx, d,
                  "binarize the input with `sign` or a static quant and use "
                  "`weights bits ...` layers");
        return false;
    }
    for (uint32_t k = 0; k < p->m->outputs.len; k++) {
        uint32_t v = p->m->outputs.data[k];
        if (c->cls[v] == C_HW && (!c->cut || p->out.value == v) && v == c->cur.value) {
            p->out = c->cur;
            c->cut = true;
        } else if (c->cls[v] != C_TAIL) {
            diag_file_error(c->cx, "verilog", "output '%s' is not the end of the layer chain",
                            p->m->values.data[v].name);
            return false;
        }
    }
    return true;
}

bool vl_plan(HbCx *cx, const IrModule *m, const char *name, VlPlan *p)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    p->name = name;
    PlanCx c = {
            .cx = cx, .p = p, .cls = arena_calloc(&cx->arena, m->values.len + 1, sizeof(VlClass))};
    bool ok = true;
    for (uint32_t i = 0; i < m->insts.len && ok; i++)
        ok = handlers[m->insts.data[i].op](&c, &m->insts.data[i]);
    return ok && finish(&c) && folds_ok(&c);
}
