// SPDX-License-Identifier: MIT
/* driver.h: the compilation pipeline behind the CLI (main.c) and the end-to-end
 * tests: parse -> sema -> (bind -> quantize) -> explain / emit. Returns the
 * process exit code: 0 ok, 1 errors in the input, 2 usage or I/O, 3 internal. */
#ifndef HB_DRIVER_H
#define HB_DRIVER_H

#include <stdbool.h>

#include "backend.h"
#include "cx.h"
#include "ir.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

typedef enum EmitKind {
    EMIT_NONE,
    EMIT_AST,
    EMIT_IR,
    EMIT_LLVM,
    EMIT_ASM,
    EMIT_OBJ,
    EMIT_HEADER
} EmitKind;
typedef enum ExplainKind { EXPLAIN_NONE, EXPLAIN_TEXT, EXPLAIN_JSON } ExplainKind;

typedef struct DriverOptions {
    const char *input;     // the .hb file
    const char *output;    // -o FILE, or NULL
    const char *target;    // "cpu" (default) or "verilog"
    const char *weights;   // --weights FILE
    const char *quant;     // --quant FILE (override file)
    const char *network;   // --network NAME
    const char *run;       // --run IN.npy or --run-ideal IN.npy
    const char *calibrate; // --calibrate IN.npy
    bool run_ideal;        // --run-ideal: evaluate the ideal network (docs/ir.md §6)
    bool check;
    bool float_pools;     // --float-pools: multi-bit max pools on dequantized floats (old lowering)
    const char *cpu;      // --cpu NAME (cpu target): "native" (default), x86-64-v3, ...
    const char *opt;      // -O0..3: "0".."3"; NULL means 3
    const char *runtime;  // the cpu target's runtime archive; NULL: found beside hbnnc
    BackendKernel kernel; // --kernel auto|bitserial|int8 (cpu target)
    const char *fold;     // --fold auto (verilog target), or NULL
    const char *target_cycles; // --target-cycles N (with --fold auto)
    unsigned report;           // --report (verilog): BR_AREA | BR_TIMING (backend.h)
    const char *fpga;          // --fpga PART for --report; NULL: hx8k
    const char *vectors;       // --vectors IN.npy (verilog): the testbench's inputs
    EmitKind emit;
    ExplainKind explain;
    HbOptions cx;
    FILE *out;      // where --explain / --run / --emit text goes (stdout)
    FILE *emit_out; // --emit ast|ir: its text (set by driver_run: -o FILE, else out)
} DriverOptions;

int driver_run(const DriverOptions *o);

/* Does this invocation generate code (a library, --emit llvm|asm|obj|header)? */
bool driver_generates(const DriverOptions *o);
/* Hand the verified module to the --target backend. Returns an exit code. */
int driver_codegen(HbCx *cx, const DriverOptions *o, const IrModule *m);
/* The input batch for `m` read from `path`: [batch, input shape...] float32, *batch
 * examples; NULL after a diagnostic with the exit code in *rc. */
const float *driver_load_batch(HbCx *cx, const IrModule *m, const char *path, uint64_t *batch,
                               int *rc);

#endif
