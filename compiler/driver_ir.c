// SPDX-License-Identifier: MIT
/* driver_ir.c: the driver's IR stages, after binding and quantization: lowering (with
 * a calibration pass for static activation scales), --emit ir, --run with the
 * reference interpreter (stdout or -o OUT.npy), and IR text given directly as the
 * input file (FILE.ir: parse, verify, then --emit ir or --run). */
#include "driver_ir.h"

#include <errno.h>
#include <string.h>

#include "interp.h"
#include "lower.h"
#include "npy.h"

/* The input batch for `m`: [batch, input shape...] float32. */
static const float *load_batch(HbCx *cx, const IrModule *m, const char *path, uint64_t *batch,
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
    int rc = EXIT_OK;
    uint64_t batch = 0;
    const float *in = load_batch(cx, m, o->run, &batch, &rc);
    if (!in)
        return rc;
    float *out = NULL;
    if (o->output)
        out = arena_calloc(&cx->arena, batch * interp_out_elems(m) + 1, sizeof(float));
    if (!interp_run_batch(cx, m, in, batch, out, o->output ? NULL : o->out))
        return EXIT_INTERNAL;
    return o->output ? write_outputs(cx, m, o->output, out, batch) : EXIT_OK;
}

/* --calibrate: lower with static quantizers as runtime ones, run the calibration
 * batch, and set each static beta_n to the mean over the examples of that
 * quantizer's runtime beta_n (docs/ir.md §6). Fills *scales (per graph node). */
static int calibrate(HbCx *cx, const DriverOptions *o, const Graph *g, float ***scales,
                     uint64_t *count)
{
    LowerOptions lo = {.calibrating = true};
    uint32_t *nv;
    IrModule *m = lower_graph(cx, g, &lo, &nv);
    if (!m)
        return EXIT_INPUT;
    int rc = EXIT_OK;
    const float *in = load_batch(cx, m, o->calibrate, count, &rc);
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
        if (n->op != GOP_QUANT || n->aq.kind != QK_BITS || n->aq.act_scale != ACT_SCALE_STATIC)
            continue;
        (*scales)[i] = arena_calloc(&cx->arena, IR_MAX_BITS, sizeof(float));
        for (int k = 0; k < IR_MAX_BITS; k++)
            (*scales)[i][k] = (float)(sum[i][k] / (double)*count);
    }
    return EXIT_OK;
}

/* --explain with --calibrate: the scales that went into the IR. */
static void explain_scales(const DriverOptions *o, const Graph *g, float **scales, uint64_t count)
{
    fprintf(o->out, "\ncalibrated activation scales (mean over %llu examples of %s):\n",
            (unsigned long long)count, o->calibrate);
    for (uint32_t i = 0; i < g->n; i++) {
        if (!scales[i])
            continue;
        fprintf(o->out, "  %-20s", g->nodes[i].name);
        for (int k = 0; k < g->nodes[i].aq.share_bits[g->nodes[i].aq.nshares - 1]; k++)
            fprintf(o->out, " beta%d=%.9g", k + 1, (double)scales[i][k]);
        fputc('\n', o->out);
    }
}

int driver_ir_stages(HbCx *cx, const DriverOptions *o, const Graph *g)
{
    if (o->emit != EMIT_IR && !o->run && !o->calibrate)
        return EXIT_OK;
    if (!g->bound || !g->quantized) {
        diag_file_error(cx, o->input,
                        "%s needs the trained weights (a 'weights' line or "
                        "--weights FILE)",
                        o->run         ? "--run"
                        : o->calibrate ? "--calibrate"
                                       : "--emit ir");
        return EXIT_INPUT;
    }
    float **scales = NULL;
    uint64_t count = 0;
    if (o->calibrate) {
        int rc = calibrate(cx, o, g, &scales, &count);
        diag_flush(cx);
        if (rc)
            return rc;
        if (o->explain != EXPLAIN_NONE)
            explain_scales(o, g, scales, count);
    }
    LowerOptions lo = {.act_scales = (const float *const *)scales};
    IrModule *m = lower_graph(cx, g, &lo, NULL);
    diag_flush(cx);
    if (!m)
        return EXIT_INPUT;
    if (o->emit == EMIT_IR)
        ir_print(o->out, m);
    return o->run ? run_module(cx, o, m) : EXIT_OK;
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
    IrModule *m = ir_parse(cx, id);
    if (!m || !ir_verify(cx, m, o->input))
        return EXIT_INPUT;
    if (o->emit == EMIT_IR)
        ir_print(o->out, m);
    return o->run ? run_module(cx, o, m) : EXIT_OK;
}
