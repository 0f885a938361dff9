// SPDX-License-Identifier: MIT
/* backend.h: the code generators, as a table chosen by --target (QBE's Target idea), and
 * the one interface every backend implements. A backend receives only the lowered,
 * verified IR (docs/ir.md) and the base (context, diagnostics), never the AST or the
 * graph. The reference interpreter (compiler/interp/) is what every backend is tested
 * against bit for bit. */
#ifndef HB_BACKEND_H
#define HB_BACKEND_H

#include "cx.h"
#include "ir.h"

/* What a backend writes. BE_DEFAULT is the backend's main product: a shared library and
 * its header for cpu, a directory of Verilog for verilog. */
typedef enum BackendEmit {
    BE_DEFAULT,
    BE_OBJ,    // relocatable object (cpu)
    BE_ASM,    // assembly text (cpu)
    BE_LLVM,   // LLVM IR text (cpu)
    BE_HEADER, // the C header only (cpu)
} BackendEmit;

/* --report (verilog): what to run on the written design. */
enum { BR_AREA = 1, BR_TIMING = 2 };

/* An FPGA part for --report: yosys's synthesis command, nextpnr-ice40's device flag and
 * package (NULL: no place and route), and its logic cells and block RAMs. */
typedef struct BackendPart {
    const char *name;    // --fpga NAME
    const char *desc;    // "iCE40 HX8K (ct256)"
    const char *synth;   // "synth_ice40" / "synth_xilinx"
    const char *nextpnr; // "--hx8k", or NULL
    const char *package; // "ct256"
    int cells, brams;    // logic cells (iCE40 LC) and block RAMs (SB_RAM40_4K); 0: unknown
} BackendPart;

/* The part called `name` (hx1k, hx8k, up5k, xc7), or NULL. */
const BackendPart *backend_fpga_part(const char *name);

/* --kernel: how the cpu target computes bpop layers (docs/cpu-backend.md, "int8 kernels
 * and the cost model"): the cost model's pick, bit-plane popcounts, or int8 dot products. */
typedef enum BackendKernel { BK_AUTO, BK_BITSERIAL, BK_INT8 } BackendKernel;

typedef struct BackendOptions {
    const char *output; // the path to write (a file, or a directory for verilog)
    const char *name;   // the C / Verilog identifier prefix (the network's name)
    BackendEmit emit;
    const char *cpu;          // --cpu: "native" (host name and features), "x86-64-v3", an LLVM CPU
    int opt_level;            // -O0..3
    const char *runtime;      // cpu: the runtime archive linked into every library (libhbnn_rt.a)
    BackendKernel kernel;     // --kernel auto|bitserial|int8
    long long target_cycles;  // verilog: --fold auto --target-cycles N (0: no auto folding)
    unsigned report;          // verilog: BR_AREA | BR_TIMING, run after the design is written
    const BackendPart *fpga;  // verilog: the part for report (never NULL when report is set)
    const float *vectors;     // verilog: --vectors, the testbench's inputs (NULL: seeded random)
    uint64_t nvectors;        //   how many inputs `vectors` holds (>= 1)
    const char *vectors_path; //   their file, for diagnostics
} BackendOptions;

/* The kernel chosen for one bpop instruction, with the cost model's estimates
 * (cycles per example) and why: what --explain prints. Strings are arena-allocated.
 * Entries with `is_float` are float conv2d / dense layers (the vectorized double
 * kernel): only layer, macs and the epilogue fields mean anything there. */
typedef struct KernelChoice {
    bool is_float;         // a float conv2d or dense layer, not a bpop
    uint32_t inst;         // the instruction (index into m->insts)
    const char *layer;     // its result's name
    int wbits, abits;      // weight and activation planes
    bool masked;           // either side has per-element widths
    const char *groups;    // `group channel` weights: channels per width "1:N 2:N ..." (or NULL)
    bool eligible;         // int8 computes the same integers (exactly)
    bool int8;             // the choice
    double macs;           // multiply-accumulates per example (O * K * pixels)
    double cost_bitserial; // estimated cycles per example, each path
    bool dw_pairs;         // the bit-serial path of a depthwise layer: pair sums in pixel lanes
    bool dw_bits;     // a one-plane depthwise layer bit-sliced, channels in bits (+ its threshold)
    int dw_levels;    // dw_bits of multi-plane weights: the bits of its taps' weights (else 0)
    double cost_int8; // 0 when not eligible
    const char *why;  // not eligible: the reason; else how the choice was made
    /* Bit-serial conv whose tile epilogue does its icomb and threshold (and a 1-bit
     * maxpool) and writes the next convolution's packed input: that value, else NULL. */
    const char *epilogue;
    bool epilogue_pool;    // the epilogue also max-pools (an OR of the bits, or of code ranks)
    int epilogue_bits;     // the planes of the threshold's codes (threshold epilogues)
    bool epilogue_dequant; // writes the codes' levels as f32 (a [flatten ->] dequant's)
    bool epilogue_codes;   // writes the threshold's code bytes (its readers pack them)
    /* Or its tile epilogue does its fcomb [and the batchnorm after it] in double and
     * writes `epilogue` as floats (heterogeneous activations: docs/ir.md §5). For a
     * float conv2d: its tile applies [the batchnorm (epilogue_bn) and] the sign and
     * writes `epilogue`, the sign, as the next convolution's packed bits, or
     * (epilogue_float) the batchnorm's [relu's] floats. */
    bool epilogue_float, epilogue_bn;
    bool epilogue_relu; // a float conv2d's float epilogue: batchnorm, then relu
    /* A float conv2d whose epilogue writes bits (a sign, a static quant's planes): summed
     * in float32, each output's bits checked against the sum's error bound, the doubtful
     * ones summed again in double (llvm_float_sign.c). */
    bool float_f32;
    double cost_epilogue; // bpop: estimated cycles per example of the fused epilogue (0: none)
} KernelChoice;

typedef struct Backend {
    const char *name;     // --target NAME
    const char *produces; // for --help and messages
    /* Write the output for `m` as `o` says (through temporary files and renames, so a
     * failed run leaves nothing behind). Returns an exit code (driver.h). NULL while
     * the backend is not implemented. */
    int (*emit)(HbCx *cx, const IrModule *m, const BackendOptions *o);
    /* The per-layer kernel plan for --explain: one entry per bpop instruction in *out
     * (arena), *n entries, and the ISA the cost model assumed in *isa. Returns false after
     * an error diagnostic (--kernel int8 on a layer that cannot take it). NULL: the
     * backend has one kind of kernel. */
    bool (*kernels)(HbCx *cx, const IrModule *m, const BackendOptions *o, KernelChoice **out,
                    uint32_t *n, const char **isa);
} Backend;

/* The backend called `name`, or NULL. */
const Backend *backend_find(const char *name);
/* All backends, in --help order; *n gets the count. */
const Backend *backend_list(int *n);

/* "19.1.7": the LLVM the CPU backend is built against (for --version). */
const char *llvm_version_string(char *buf, size_t len);

#endif
