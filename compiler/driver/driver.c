// SPDX-License-Identifier: MIT
/* driver.c: runs the pipeline for one compilation (see driver.h): one HbCx, each
 * stage checks the error count before the next, diagnostics are flushed between
 * stages. Requests for stages that are not built yet fail with a clear message
 * and exit code 2, never silently. */
#include "driver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"
#include "backend.h"
#include "bind.h"
#include "driver_ir.h"
#include "explain.h"
#include "magic.h"
#include "output.h"
#include "sema.h"
#include "stage_time.h"

static int not_yet(HbCx *cx, const char *what)
{
    Diag *d = diag_file_error(cx, NULL, "%s is not implemented yet", what);
    diag_help(cx, d, "use --check, --explain, --emit ast|ir or --run for now");
    diag_flush(cx);
    return EXIT_USAGE;
}

/* A binary file given where a .hb source belongs: say what it is. */
static bool not_source(HbCx *cx, uint32_t id)
{
    const SrcFile *f = cx_file(cx, id);
    const char *kind;
    MagicKind mk = magic_detect((const unsigned char *)f->text, f->len, &kind);
    if (mk == MAGIC_NONE)
        return false;
    Diag *d = diag_file_error(cx, f->path, "this is %s, not a .hb source file", kind);
    bool torch = mk == MAGIC_TORCH_PICKLE || mk == MAGIC_TORCH_ZIP;
    bool weights = torch || mk == MAGIC_SAFETENSORS || mk == MAGIC_ZIP || mk == MAGIC_NPY;
    if (weights)
        diag_help(cx, d,
                  "the .hb file describes the network in text (docs/language.md); weights "
                  "go on its 'weights' line or in --weights FILE, and arrays to run in "
                  "--run FILE.npy");
    if (torch)
        diag_help(cx, d, "%s", magic_torch_help);
    return true;
}

static const AstFile *load_and_parse(HbCx *cx, const char *path, int *rc)
{
    uint32_t id = cx_load_file(cx, path, NULL);
    if (!id) {
        Diag *d = diag_file_error(cx, path, "cannot read: %s", strerror(errno));
        if (errno == EISDIR)
            diag_help(cx, d, "hbnnc compiles one .hb file: give its path");
        diag_flush(cx);
        *rc = EXIT_USAGE;
        return NULL;
    }
    if (not_source(cx, id)) {
        diag_flush(cx);
        *rc = EXIT_USAGE;
        return NULL;
    }
    const AstFile *f = parse_file(cx, id);
    diag_flush(cx);
    if (!f || diag_errors(cx)) {
        *rc = EXIT_INPUT;
        return NULL;
    }
    return f;
}

static bool emits_code(EmitKind e)
{
    return e == EMIT_LLVM || e == EMIT_ASM || e == EMIT_OBJ || e == EMIT_HEADER;
}

bool driver_generates(const DriverOptions *o)
{
    if (emits_code(o->emit))
        return true;
    if (o->emit != EMIT_NONE || o->run)
        return false;
    if (driver_is_ir_file(o->input)) // IR text alone is only verified
        return o->output != NULL || o->target != NULL;
    return (!o->check && o->explain == EXPLAIN_NONE) || o->output;
}

/* Options that name work a backend does not do yet: refuse them up front. */
static int check_unimplemented(HbCx *cx, const DriverOptions *o)
{
    const Backend *b = backend_find(o->target ? o->target : "cpu");
    if (emits_code(o->emit) && strcmp(b->name, "cpu") != 0) {
        diag_file_error(cx, NULL, "--emit llvm|asm|obj|header needs --target cpu");
        return EXIT_USAGE;
    }
    if ((o->fold || o->target_cycles) && strcmp(b->name, "verilog") != 0) {
        diag_file_error(cx, NULL, "--fold and --target-cycles need --target verilog");
        return EXIT_USAGE;
    }
    if (o->vectors && strcmp(b->name, "verilog") != 0) {
        diag_file_error(cx, NULL, "--vectors (the testbench's inputs) needs --target verilog");
        return EXIT_USAGE;
    }
    if ((o->fold != NULL) != (o->target_cycles != NULL)) {
        diag_file_error(cx, NULL, "--fold auto and --target-cycles N go together");
        return EXIT_USAGE;
    }
    if (driver_generates(o) && !b->emit)
        return not_yet(cx, arena_printf(&cx->arena, "--target %s (%s)", b->name, b->produces));
    return EXIT_OK;
}

/* The runtime archive: beside the running binary's prefix (lib/hbnnc), else the
 * configured install directory, else the build tree. */
static const char *find_runtime(HbCx *cx)
{
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            const char *p = arena_printf(&cx->arena, "%s/../lib/hbnnc/libhbnn_rt.a", exe);
            if (access(p, R_OK) == 0)
                return p;
        }
    }
    if (access(HBNN_INSTALL_RUNTIME, R_OK) == 0)
        return HBNN_INSTALL_RUNTIME;
    return HBNN_BUILD_RUNTIME;
}

int driver_codegen(HbCx *cx, const DriverOptions *o, const IrModule *m)
{
    const Backend *b = backend_find(o->target ? o->target : "cpu");
    static const BackendEmit kinds[] = {[EMIT_NONE] = BE_DEFAULT,
                                        [EMIT_LLVM] = BE_LLVM,
                                        [EMIT_ASM] = BE_ASM,
                                        [EMIT_OBJ] = BE_OBJ,
                                        [EMIT_HEADER] = BE_HEADER};
    BackendOptions bo = {.output = o->output,
                         .name = m->name,
                         .emit = kinds[o->emit],
                         .cpu = o->cpu ? o->cpu : "native",
                         .opt_level = o->opt ? o->opt[0] - '0' : 3,
                         .runtime = o->runtime ? o->runtime : find_runtime(cx),
                         .kernel = o->kernel,
                         .target_cycles = o->target_cycles ? atoll(o->target_cycles) : 0,
                         .report = o->report,
                         .fpga = backend_fpga_part(o->fpga ? o->fpga : "hx8k")};
    if (o->vectors) {
        int rc = EXIT_OK;
        bo.vectors = driver_load_batch(cx, m, o->vectors, &bo.nvectors, &rc);
        if (!bo.vectors)
            return rc;
        if (bo.nvectors == 0 || bo.nvectors > 1000000) {
            diag_file_error(cx, o->vectors, "--vectors takes 1 to 1000000 inputs, not %llu",
                            (unsigned long long)bo.nvectors);
            return EXIT_INPUT;
        }
        bo.vectors_path = o->vectors;
    }
    if (!bo.output && bo.emit == BE_DEFAULT && strcmp(b->name, "cpu") == 0)
        bo.output = arena_printf(&cx->arena, "%s.so", m->name);
    cx_stage(cx, arena_printf(&cx->arena, "%s backend", b->name));
    return b->emit(cx, m, &bo);
}

/* Weights: without a weights file, --check and --explain check everything but
 * binding and quantization (the explain report says so). */
static bool needs_weights(const Graph *g)
{
    for (uint32_t i = 0; i < g->n; i++)
        for (int r = 0; r < TR_COUNT; r++)
            if (g->nodes[i].tensor[r])
                return true;
    return false;
}

static int bind_and_quantize(HbCx *cx, Graph *g)
{
    if (!g->weights_path) {
        // A network without weight tensors (pools, activations) needs no file.
        g->bound = g->quantized = !needs_weights(g);
        return EXIT_OK;
    }
    cx_stage(cx, "read weights");
    WStatus st;
    WFile *wf = weights_open_status(cx, g->weights_path, &st);
    if (!wf) {
        if (st == W_IO_ERROR && span_valid(g->weights_span)) {
            Diag *d = diag_error(cx, g->weights_span, "cannot read the weights file");
            diag_help(cx, d,
                      "give the file with --weights FILE, or fix the path (relative to "
                      "the .hb file)");
        }
        diag_flush(cx);
        return st == W_IO_ERROR ? EXIT_USAGE : EXIT_INPUT;
    }
    cx_stage(cx, "bind");
    bool ok = bind_graph(cx, g, wf);
    cx_stage(cx, "quantize");
    ok = ok && quantize_graph(cx, g);
    diag_flush(cx);
    return ok && !diag_errors(cx) ? EXIT_OK : EXIT_INPUT;
}

/* A `quant ... scale static` with no source for its scales (no --calibrate, no
 * LABEL.scales tensor): lowering refuses it (an error when code is generated or run);
 * --check and --explain say so up front, as a warning. */
static void warn_static_scales(HbCx *cx, const DriverOptions *o, const Graph *g)
{
    if (o->calibrate || o->run || (!o->check && o->explain == EXPLAIN_NONE))
        return;
    for (uint32_t i = 0; i < g->n; i++) {
        const GNode *n = &g->nodes[i];
        if (n->op != GOP_QUANT || n->aq->kind != QK_BITS || n->aq->act_scale != ACT_SCALE_STATIC ||
            n->scales_bound)
            continue;
        Diag *d =
                diag_warning(cx, n->span, "'%s' has static scales but nothing gives them", n->name);
        int k = n->aq->nshares ? n->aq->share_bits[n->aq->nshares - 1] : 0;
        if (n->scales_tensor)
            diag_note(cx, d, "no weights-file tensor '%s' (float32, shape [%d]) was found",
                      n->scales_tensor, k);
        diag_help(cx, d,
                  "compile with --calibrate INPUTS.npy, %s, or write 'scale runtime'; code "
                  "generation and --run refuse it as it is",
                  n->scales_tensor ? "add that tensor"
                                   : "label the quantizer and add a tensor LABEL.scales");
    }
}

static int run(HbCx *cx, const DriverOptions *o)
{
    int rc = check_unimplemented(cx, o);
    if (rc)
        return rc;
    if (driver_is_ir_file(o->input)) // IR text: parse, verify, --emit ir / --run, codegen
        return driver_ir_file(cx, o);
    cx_stage(cx, "parse");
    const AstFile *main = load_and_parse(cx, o->input, &rc);
    if (!main)
        return rc;
    if (o->emit == EMIT_AST) {
        ast_print(o->emit_out, cx, main);
        return EXIT_OK;
    }
    const AstFile *over = NULL;
    if (o->quant && !(over = load_and_parse(cx, o->quant, &rc)))
        return rc;
    cx_stage(cx, "sema");
    SemaOptions so = {.network = o->network, .overrides = over, .weights_path = o->weights};
    Graph *g = sema_check(cx, main, &so);
    diag_flush(cx);
    if (!g || diag_errors(cx))
        return EXIT_INPUT;
    if ((rc = bind_and_quantize(cx, g)))
        return rc;
    warn_static_scales(cx, o, g);
    if (o->explain == EXPLAIN_TEXT)
        explain_text(o->out, cx, g);
    // lower; --emit ir, --run, --run-ideal; the rest of --explain (and all of its JSON)
    return driver_ir_stages(cx, o, g);
}

/* Where -o goes. `-o -` is standard output for the forms that are one stream
 * (--emit KIND) and refused for a library with its header, a Verilog directory and
 * --run's .npy (whose text form already goes there); --emit ast|ir -o FILE writes FILE
 * through output.h; --check writes nothing, so -o with it is refused. */
static int resolve_output(HbCx *cx, DriverOptions *o, HbOut *file)
{
    o->emit_out = o->out;
    if (!o->output)
        return EXIT_OK;
    if (o->check && o->emit == EMIT_NONE && !o->run) {
        Diag *d = diag_file_error(cx, NULL, "--check writes nothing, so -o %s would be ignored",
                                  o->output);
        diag_help(cx, d, "drop --check to compile to %s", o->output);
        return EXIT_USAGE;
    }
    if (strcmp(o->output, "-") == 0) {
        if (o->emit != EMIT_NONE) {
            o->output = NULL;
            return EXIT_OK;
        }
        bool verilog = o->target && strcmp(o->target, "verilog") == 0;
        Diag *d = diag_file_error(cx, NULL, "-o -: %s cannot be written to standard output",
                                  o->run    ? "--run's .npy file"
                                  : verilog ? "a Verilog design (a directory)"
                                            : "a shared library with its header");
        diag_help(cx, d, "%s",
                  o->run ? "without -o, --run prints its outputs as text lines"
                  : verilog
                          ? "-o DIR names the directory (default NAME_verilog/)"
                          : "name a path, or write one form with --emit llvm|asm|obj|header -o -");
        return EXIT_USAGE;
    }
    if (o->emit != EMIT_AST && o->emit != EMIT_IR)
        return EXIT_OK;
    if (!hb_out_begin(cx, file, o->output, false))
        return EXIT_USAGE;
    o->emit_out = file->f;
    return EXIT_OK;
}

int driver_run(const DriverOptions *opts)
{
    HbCx cx;
    cx_init(&cx, &opts->cx);
    DriverOptions lo = *opts, *o = &lo;
    HbOut file = {0};
    int rc = resolve_output(&cx, o, &file);
    if (rc == EXIT_OK)
        rc = run(&cx, o);
    if (file.f && !hb_out_end(&cx, &file, rc == EXIT_OK) && rc == EXIT_OK)
        rc = EXIT_USAGE;
    if (cx.opts.verbose)
        cx_stage_report(&cx, stderr);
    // --explain, --emit and --run print to o->out: a full disk or a closed pipe there
    // is an I/O error (exit 2), not a silent truncation.
    if (o->out && !hb_out_check_stream(&cx, o->out, "standard output") && rc != EXIT_INTERNAL)
        rc = EXIT_USAGE;
    diag_flush(&cx);
    if (rc == EXIT_OK && diag_errors(&cx))
        rc = EXIT_INPUT;
    cx_destroy(&cx);
    return rc;
}
