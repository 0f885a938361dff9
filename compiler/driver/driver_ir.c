// SPDX-License-Identifier: MIT
/* driver_ir.c: the driver's IR stages, after binding and quantization: lowering (with
 * a calibration pass for static activation scales), --emit ir, --run and --run-ideal
 * with the reference interpreter (stdout or -o OUT.npy), what --explain learns there
 * (static scales and where they came from, the ideal-vs-integer gap on the calibration
 * inputs), and IR text given directly as the input file (FILE.ir: parse, verify, then
 * --emit ir or --run). */
#include "driver_ir.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "backend.h"
#include "explain.h"
#include "explain_kernels.h"
#include "interp.h"
#include "lower.h"
#include "npy.h"
#include "stage_time.h"
#include "weights.h"

const float *driver_load_batch(HbCx *cx, const IrModule *m, const char *path, uint64_t *batch,
                               int *rc)
{
    if (m->inputs.len != 1) {
        diag_file_error(cx, path, "the network has %u inputs; --run takes networks with one",
                        m->inputs.len);
        *rc = EXIT_USAGE;
        return NULL;
    }
    NpyArray a;
    bool io;
    if (!npy_read_f32(cx, path, &a, &io)) {
        *rc = io ? EXIT_USAGE : EXIT_INPUT;
        return NULL;
    }
    const IrType *t = &m->values.data[m->inputs.data[0]].type;
    bool ok = a.rank == t->rank + 1;
    for (int i = 0; ok && i < t->rank; i++)
        ok = a.shape[i + 1] == t->d[i];
    if (!ok) {
        char want[128] = "[batch", got[128] = "[";
        for (int i = 0; i < t->rank; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), ", %lld", (long long)t->d[i]);
        for (int i = 0; i < a.rank; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? ", " : "",
                     (long long)a.shape[i]);
        diag_file_error(cx, path, "expected an input array of shape %s], found %s]", want, got);
        *rc = EXIT_INPUT;
        return NULL;
    }
    *batch = (uint64_t)a.shape[0];
    return a.data;
}

static int write_outputs(HbCx *cx, const IrModule *m, const char *path, const float *out,
                         uint64_t batch)
{
    int64_t shape[IR_MAX_RANK + 1] = {(int64_t)batch};
    int rank = 1;
    if (m->outputs.len == 1) {
        const IrType *t = &m->values.data[m->outputs.data[0]].type;
        for (int i = 0; i < t->rank; i++)
            shape[rank++] = t->d[i];
    } else {
        shape[rank++] = (int64_t)interp_out_elems(m);
    }
    return npy_write_f32(cx, path, out, rank, shape) ? EXIT_OK : EXIT_USAGE;
}

static int run_module(HbCx *cx, const DriverOptions *o, const IrModule *m)
{
    InterpMode mode = o->run_ideal ? INTERP_IDEAL : INTERP_INTEGER;
    if (mode == INTERP_IDEAL && !interp_has_ideal(m)) {
        Diag *d = diag_file_error(cx, o->input,
                                  "--run-ideal needs the network source: IR text keeps the "
                                  "integer coefficients and thresholds, not the scales they "
                                  "were rounded from");
        diag_help(cx, d, "run the .hb file with --run-ideal, or use --run");
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    uint64_t batch = 0;
    const float *in = driver_load_batch(cx, m, o->run, &batch, &rc);
    if (!in)
        return rc;
    float *out = NULL;
    if (o->output)
        out = arena_calloc(&cx->arena, batch * interp_out_elems(m) + 1, sizeof(float));
    if (!interp_run_batch_mode(cx, m, mode, in, batch, out, o->output ? NULL : o->out))
        return EXIT_INTERNAL;
    return o->output ? write_outputs(cx, m, o->output, out, batch) : EXIT_OK;
}

/* --calibrate: lower with static quantizers as runtime ones, run the calibration
 * batch, and set each static beta_n to the mean over the examples of that
 * quantizer's runtime beta_n (docs/ir.md §6). Fills *scales (per graph node) and
 * keeps the batch in *batch for the gap report. */
static int calibrate(HbCx *cx, const DriverOptions *o, const Graph *g, float ***scales,
                     uint64_t *count, const float **batch)
{
    LowerOptions lo = {.calibrating = true};
    uint32_t *nv;
    IrModule *m = lower_graph(cx, g, &lo, &nv);
    if (!m)
        return EXIT_INPUT;
    int rc = EXIT_OK;
    const float *in = driver_load_batch(cx, m, o->calibrate, count, &rc);
    if (!in)
        return rc;
    if (*count == 0) {
        diag_file_error(cx, o->calibrate, "the calibration set is empty");
        return EXIT_INPUT;
    }
    double(*sum)[IR_MAX_BITS] = arena_calloc(&cx->arena, g->n, sizeof *sum);
    Interp *it = interp_new(cx, m);
    uint64_t nin = ir_type_elems(&m->values.data[m->inputs.data[0]].type);
    for (uint64_t b = 0; b < *count; b++) {
        const float *x = in + b * nin;
        if (!interp_example(it, &x))
            return EXIT_INTERNAL;
        for (uint32_t i = 0; i < g->n; i++)
            for (int k = 0; g->nodes[i].op == GOP_QUANT && nv[i] != UINT32_MAX && k < IR_MAX_BITS;
                 k++)
                sum[i][k] += it->v[nv[i]].beta[k];
    }
    *scales = arena_calloc(&cx->arena, g->n, sizeof(float *));
    for (uint32_t i = 0; i < g->n; i++) {
        const GNode *n = &g->nodes[i];
        if (n->op != GOP_QUANT || n->aq->kind != QK_BITS || n->aq->act_scale != ACT_SCALE_STATIC)
            continue;
        (*scales)[i] = arena_calloc(&cx->arena, IR_MAX_BITS, sizeof(float));
        for (int k = 0; k < IR_MAX_BITS; k++)
            (*scales)[i][k] = (float)(sum[i][k] / (double)*count);
    }
    *batch = in;
    return EXIT_OK;
}

/* ---- the gap between the integer program and the ideal one (docs/ir.md §6) ---- */

typedef struct GapLayer {
    const char *name, *layer; // the thresholded value, the layer folded into it
    uint32_t value;
    uint64_t differ, total; // activation bits (elements x planes, over all inputs)
} GapLayer;

typedef struct GapOut {
    const char *name;
    bool is_f32;
    bool argmax;    // a class index, or a vector of >= 2 floats
    double max_abs; // max |integer - ideal| over elements and inputs
    double max_rel; // max over inputs of max |diff| / max |ideal| of that input
    uint64_t agree; // inputs whose argmax (or class index) is the same
} GapOut;

typedef struct Gap {
    uint64_t count;
    HbVec(GapOut) outs;
    HbVec(GapLayer) layers;
} Gap;

static uint64_t first_max(const float *x, uint64_t n)
{
    uint64_t best = 0;
    for (uint64_t j = 1; j < n; j++)
        if (x[j] > x[best])
            best = j;
    return best;
}

static void gap_outputs(Gap *gap, const Interp *a, const Interp *b)
{
    const IrModule *m = a->m;
    for (uint32_t k = 0; k < m->outputs.len; k++) {
        uint32_t v = m->outputs.data[k];
        GapOut *g = &gap->outs.data[k];
        uint64_t n = ir_type_elems(&m->values.data[v].type);
        if (!g->is_f32) {
            g->agree += a->v[v].i[0] == b->v[v].i[0];
            continue;
        }
        const float *x = a->v[v].f, *y = b->v[v].f;
        double worst = 0, scale = 0;
        for (uint64_t j = 0; j < n; j++) {
            worst = fmax(worst, fabs((double)x[j] - (double)y[j]));
            scale = fmax(scale, fabs((double)y[j]));
        }
        g->max_abs = fmax(g->max_abs, worst);
        g->max_rel = fmax(g->max_rel, worst == 0 ? 0 : scale > 0 ? worst / scale : INFINITY);
        if (g->argmax)
            g->agree += first_max(x, n) == first_max(y, n);
    }
}

/* Run the calibration batch through the integer program and the ideal one. */
static bool measure_gap(HbCx *cx, const IrModule *m, const float *in, uint64_t count, Gap *gap)
{
    Interp *a = interp_new_mode(cx, m, INTERP_INTEGER), *b = interp_new_mode(cx, m, INTERP_IDEAL);
    gap->count = count;
    for (uint32_t k = 0; k < m->outputs.len; k++) {
        const IrValue *v = &m->values.data[m->outputs.data[k]];
        GapOut g = {.name = v->name, .is_f32 = v->type.enc == IR_F32};
        g.argmax = !g.is_f32 || ir_type_elems(&v->type) >= 2;
        hb_vec_push(&cx->arena, &gap->outs, g);
    }
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *t = &m->insts.data[k];
        if (t->op == IR_OP_THRESHOLD && t->fold)
            hb_vec_push(&cx->arena, &gap->layers,
                        ((GapLayer){.name = m->values.data[t->result].name,
                                    .layer = t->fold->layer,
                                    .value = t->result}));
    }
    uint64_t nin = ir_type_elems(&m->values.data[m->inputs.data[0]].type);
    for (uint64_t e = 0; e < count; e++) {
        const float *x = in + e * nin;
        if (!interp_example(a, &x) || !interp_example(b, &x))
            return false;
        for (uint32_t k = 0; k < gap->layers.len; k++) {
            GapLayer *l = &gap->layers.data[k];
            const IrType *t = &m->values.data[l->value].type;
            uint64_t n = ir_type_elems(t);
            for (uint64_t j = 0; j < n; j++)
                l->differ +=
                        (uint64_t)__builtin_popcount(a->v[l->value].s[j] ^ b->v[l->value].s[j]);
            l->total += n * t->bits;
        }
        gap_outputs(gap, a, b);
    }
    return true;
}

/* ---- what the IR stages add to --explain ---- */

typedef struct Stages {
    float **scales;      // --calibrate: per graph node (static quantizers)
    uint64_t count;      // calibration inputs
    const float *batch;  // the calibration batch
    IrModule *m;         // the lowered module (NULL if not lowered)
    Gap *gap;            // --explain --calibrate
    bool kernels_failed; // --explain --kernel int8 on a layer that cannot take it
} Stages;

/* The static scales of quant node i and where they came from; NULL if none. */
static const float *scales_of(const Graph *g, const Stages *st, uint32_t i, bool *calibrated)
{
    const GNode *n = &g->nodes[i];
    *calibrated = false;
    if (n->op != GOP_QUANT || n->aq->kind != QK_BITS || n->aq->act_scale != ACT_SCALE_STATIC)
        return NULL;
    if (st->scales && st->scales[i]) {
        *calibrated = true;
        return st->scales[i];
    }
    return n->scales_bound ? n->scales_bound->data : NULL;
}

static void text_scales(const DriverOptions *o, const Graph *g, const Stages *st)
{
    bool any = false, cal;
    for (uint32_t i = 0; i < g->n; i++) {
        const float *b = scales_of(g, st, i, &cal);
        if (!b)
            continue;
        if (!any)
            fprintf(o->out, "\nstatic activation scales:\n");
        any = true;
        const GNode *n = &g->nodes[i];
        fprintf(o->out, "  %-20s", n->name);
        for (int k = 0; k < n->aq->share_bits[n->aq->nshares - 1]; k++)
            fprintf(o->out, " beta%d=%.9g", k + 1, (double)b[k]);
        if (cal && n->scales_bound)
            fprintf(o->out,
                    " (calibrated on %llu inputs of %s; the weights file tensor %s is "
                    "not used)\n",
                    (unsigned long long)st->count, o->calibrate, n->scales_bound->name);
        else if (cal)
            fprintf(o->out, " (calibrated on %llu inputs of %s)\n", (unsigned long long)st->count,
                    o->calibrate);
        else
            fprintf(o->out, " (weights file tensor %s)\n", n->scales_bound->name);
    }
}

/* Each max pool that follows a multi-bit activation: on its codes, or on the dequantized
 * floats and why (docs/ir.md §5: then the next layer is a float layer). */
static void text_pools(const DriverOptions *o, const IrModule *m)
{
    bool any = false;
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op != IR_OP_MAXPOOL)
            continue;
        const IrInst *src = &m->insts.data[m->values.data[in->args[0].id].def];
        const IrType *t = &m->values.data[in->args[0].id].type;
        if (src->op == IR_OP_DEQUANT)
            t = &m->values.data[src->args[0].id].type;
        if (t->enc != IR_BITS || (t->bits == 1 && !t->masked))
            continue; // float values, or one plane (always on bits)
        if (!any)
            fprintf(o->out, "\nmax pools after multi-bit activations:\n");
        any = true;
        uint16_t rank[IR_CODE_RANKS];
        const char *why = src->op != IR_OP_DEQUANT ? "on codes (the next layer stays on bits)"
                          : t->scale == IR_SC_RUNTIME
                                  ? "on dequantized floats: runtime scales do not order the codes"
                          : !ir_code_ranks(m, t, rank)
                                  ? "on dequantized floats: two codes have the same value"
                                  : "on dequantized floats (--float-pools)";
        fprintf(o->out, "  %-20s %s\n", m->values.data[in->result].name, why);
    }
}

static void text_gap(const DriverOptions *o, const Gap *gap)
{
    fprintf(o->out,
            "\nideal vs integer program on %llu calibration inputs (ideal: no rounding of "
            "alpha_m beta_n):\n",
            (unsigned long long)gap->count);
    for (uint32_t k = 0; k < gap->outs.len; k++) {
        const GapOut *g = &gap->outs.data[k];
        fprintf(o->out, "  output %s:", g->name);
        if (g->is_f32)
            fprintf(o->out, " max |diff| %.3g, max relative diff %.3g%s", g->max_abs, g->max_rel,
                    g->argmax ? "," : "");
        if (g->argmax)
            fprintf(o->out, " %s agrees %llu/%llu", g->is_f32 ? "argmax" : "class",
                    (unsigned long long)g->agree, (unsigned long long)gap->count);
        fputc('\n', o->out);
    }
    for (uint32_t k = 0; k < gap->layers.len; k++) {
        const GapLayer *l = &gap->layers.data[k];
        fprintf(o->out, "  %s (thresholds folded from %s): %llu of %llu bits differ (%.2f%%)\n",
                l->name, l->layer, (unsigned long long)l->differ, (unsigned long long)l->total,
                l->total ? 100.0 * (double)l->differ / (double)l->total : 0.0);
    }
    if (!gap->layers.len)
        fprintf(o->out, "  no folded layers: the integer program is the ideal one\n");
}

static void json_num(FILE *out, double x)
{
    if (isfinite(x))
        fprintf(out, "%.9g", x);
    else
        fprintf(out, "null");
}

static void json_extras(HbCx *cx, const DriverOptions *o, const Graph *g, Stages *st)
{
    FILE *out = o->out;
    explain_json_begin(out, cx, g);
    if (st->m && !explain_kernels(cx, o, st->m, false)) // before the members tests read last
        st->kernels_failed = true;
    bool any = false, cal;
    for (uint32_t i = 0; i < g->n; i++) {
        const float *b = scales_of(g, st, i, &cal);
        if (!b)
            continue;
        const GNode *n = &g->nodes[i];
        fprintf(out, "%s\n  {\"layer\": ", any ? "," : ", \"activation_scales\": [");
        any = true;
        explain_json_str(out, n->name);
        fprintf(out, ", \"beta\": [");
        for (int k = 0; k < n->aq->share_bits[n->aq->nshares - 1]; k++)
            fprintf(out, "%s%.9g", k ? ", " : "", (double)b[k]);
        fprintf(out, "], \"source\": \"%s\"", cal ? "calibrated" : "weights file");
        if (cal)
            fprintf(out, ", \"inputs\": %llu", (unsigned long long)st->count);
        if (n->scales_bound) { // calibrated: the file's tensor is not used
            fprintf(out, cal ? ", \"unused_tensor\": " : ", \"tensor\": ");
            explain_json_str(out, n->scales_bound->name);
        }
        fputc('}', out);
    }
    if (any)
        fprintf(out, "\n]");
    const Gap *gap = st->gap;
    if (gap) {
        fprintf(out, ", \"gap\": {\"inputs\": %llu, \"outputs\": [",
                (unsigned long long)gap->count);
        for (uint32_t k = 0; k < gap->outs.len; k++) {
            const GapOut *go = &gap->outs.data[k];
            fprintf(out, "%s{\"name\": ", k ? ", " : "");
            explain_json_str(out, go->name);
            if (go->is_f32) {
                fprintf(out, ", \"max_abs_diff\": ");
                json_num(out, go->max_abs);
                fprintf(out, ", \"max_rel_diff\": ");
                json_num(out, go->max_rel);
            }
            if (go->argmax)
                fprintf(out, ", \"argmax_agree\": %llu", (unsigned long long)go->agree);
            fputc('}', out);
        }
        fprintf(out, "], \"layers\": [");
        for (uint32_t k = 0; k < gap->layers.len; k++) {
            const GapLayer *l = &gap->layers.data[k];
            fprintf(out, "%s{\"name\": ", k ? ", " : "");
            explain_json_str(out, l->name);
            fprintf(out, ", \"layer\": ");
            explain_json_str(out, l->layer);
            fprintf(out, ", \"bits_differ\": %llu, \"bits\": %llu}", (unsigned long long)l->differ,
                    (unsigned long long)l->total);
        }
        fprintf(out, "]}");
    }
    explain_json_end(out);
}

/* --explain: text gets sections after the table (printed by the driver); JSON is
 * printed here whole, so the scales and the gap can be members of the one object. */
static void explain_extras(HbCx *cx, const DriverOptions *o, const Graph *g, Stages *st)
{
    if (o->explain == EXPLAIN_JSON) {
        json_extras(cx, o, g, st);
    } else if (o->explain == EXPLAIN_TEXT) {
        if (st->m && !explain_kernels(cx, o, st->m, false))
            st->kernels_failed = true;
        text_scales(o, g, st);
        if (st->m)
            text_pools(o, st->m);
        if (st->gap)
            text_gap(o, st->gap);
    }
}

/* Calibrate, lower, and (--explain --calibrate) measure the gap. */
static int stages(HbCx *cx, const DriverOptions *o, const Graph *g, Stages *st)
{
    bool explain = o->explain != EXPLAIN_NONE && explain_kernels_can_lower(o, g);
    if (o->emit != EMIT_IR && !o->run && !o->calibrate && !driver_generates(o) && !explain)
        return EXIT_OK;
    if (!g->bound || !g->quantized) {
        diag_file_error(cx, o->input,
                        "%s needs the trained weights (a 'weights' line or "
                        "--weights FILE)",
                        o->run && o->run_ideal ? "--run-ideal"
                        : o->run               ? "--run"
                        : o->calibrate         ? "--calibrate"
                        : o->emit == EMIT_IR   ? "--emit ir"
                                               : "code generation");
        return EXIT_INPUT;
    }
    if (o->calibrate) {
        int rc = calibrate(cx, o, g, &st->scales, &st->count, &st->batch);
        diag_flush(cx);
        if (rc)
            return rc;
    }
    cx_stage(cx, "lower");
    LowerOptions lo = {.act_scales = (const float *const *)st->scales,
                       .float_pools = o->float_pools};
    st->m = lower_graph(cx, g, &lo, NULL);
    diag_flush(cx);
    if (!st->m)
        return EXIT_INPUT;
    if (o->calibrate && o->explain != EXPLAIN_NONE) {
        st->gap = arena_calloc(&cx->arena, 1, sizeof *st->gap);
        if (!measure_gap(cx, st->m, st->batch, st->count, st->gap)) {
            st->gap = NULL;
            return EXIT_INTERNAL;
        }
    }
    return EXIT_OK;
}

/* Code generation: the --target backend writes -o or its default. `explicit_only`: IR
 * text generates only when --target is given. */
int driver_ir_stages(HbCx *cx, const DriverOptions *o, const Graph *g)
{
    Stages st = {0};
    int rc = stages(cx, o, g, &st);
    explain_extras(cx, o, g, &st);
    if (rc == EXIT_OK && st.kernels_failed)
        rc = EXIT_USAGE;
    if (rc != EXIT_OK || !st.m)
        return rc;
    if (o->emit == EMIT_IR)
        ir_print(o->emit_out, st.m);
    if (driver_generates(o))
        return driver_codegen(cx, o, st.m);
    cx_stage(cx, "interpret");
    return o->run ? run_module(cx, o, st.m) : EXIT_OK;
}

bool driver_is_ir_file(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".ir") == 0;
}

int driver_ir_file(HbCx *cx, const DriverOptions *o)
{
    uint32_t id = cx_load_file(cx, o->input, NULL);
    if (!id) {
        diag_file_error(cx, o->input, "cannot read: %s", strerror(errno));
        return EXIT_USAGE;
    }
    cx_stage(cx, "parse ir");
    IrModule *m = ir_parse(cx, id);
    if (!m || !ir_verify(cx, m, o->input))
        return EXIT_INPUT;
    if (o->emit == EMIT_IR)
        ir_print(o->emit_out, m);
    if (!explain_kernels(cx, o, m, true))
        return EXIT_USAGE;
    if (driver_generates(o))
        return driver_codegen(cx, o, m);
    cx_stage(cx, "interpret");
    return o->run ? run_module(cx, o, m) : EXIT_OK;
}
