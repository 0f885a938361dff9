// SPDX-License-Identifier: MIT
/* driver_ir.c: the driver's IR stages, after binding and quantization: lowering (with
 * a calibration pass for static activation scales), --emit ir, --run with the
 * reference interpreter (stdout or -o OUT.npy), and IR text given directly as the
 * input file (FILE.ir: parse, verify, then --emit ir or --run). */
#include "driver_ir.h"

#include "interp.h"
#include "lower.h"
#include "npy.h"

#include <errno.h>
#include <string.h>

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
            snprintf(want + strlen(want), sizeof want - strlen(want), ", %lld",
                     (long long)t->d[i]);
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

int driver_ir_stages(HbCx *cx, const DriverOptions *o, const Graph *g)
{
    if (o->emit != EMIT_IR && !o->run)
        return EXIT_OK;
    if (!g->bound || !g->quantized) {
        diag_file_error(cx, o->input, "%s needs the trained weights (a 'weights' line or "
                        "--weights FILE)", o->run ? "--run" : "--emit ir");
        return EXIT_INPUT;
    }
    IrModule *m = lower_graph(cx, g, NULL, NULL);
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
