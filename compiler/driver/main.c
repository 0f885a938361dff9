// SPDX-License-Identifier: MIT
/* main.c: the hbnnc command line. Parses options into DriverOptions and hands
 * them to driver_run(); usage errors exit with 2. Everything else lives in the
 * driver so tests can run the same pipeline without a process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "driver.h"

static const char usage[] =
        "usage: hbnnc FILE.hb [options]\n"
        "       hbnnc FILE.ir [--emit ir] [--run IN.npy [-o OUT.npy]]\n"
        "\n"
        "Compile a heterogeneous-bitwidth network description (.hb) with its trained\n"
        "weights into a shared library with bit-plane kernels or into Verilog.\n"
        "\n"
        "options:\n"
        "  --check                 parse, check, bind and quantize; write nothing\n"
        "  --explain[=text|json]   per-layer shapes, bit specs and where each came from,\n"
        "                          realised widths, scales, error and storage\n"
        "  --emit KIND             ast or ir: print the syntax tree or the lowered IR;\n"
        "                          llvm, asm, obj, header (--target cpu): write that form\n"
        "                          of the library to -o FILE (default stdout)\n"
        "  --run IN.npy            evaluate a float32 [batch, input...] array with the\n"
        "                          reference interpreter: one line of outputs per example\n"
        "                          (float64 and float16 arrays are converted, with a note)\n"
        "  --run-ideal IN.npy      the same for the ideal network: layers folded into\n"
        "                          integer coefficients and thresholds are evaluated in\n"
        "                          double with the exact alpha_m*beta_n and BN/bias values\n"
        "  -o FILE                 the shared library to write (default NAME.so) and its\n"
        "                          header FILE.h with .so replaced; with --run or\n"
        "                          --run-ideal: write the outputs as float32 .npy; with\n"
        "                          --emit KIND: that form (-o - is standard output)\n"
        "  --calibrate IN.npy      static activation scales: the mean over these inputs\n"
        "                          (wins over LABEL.scales tensors in the weights file);\n"
        "                          with --explain, also the ideal-vs-integer gap on them\n";

/* The rest of --help (one string would pass the 4095 characters C99 promises). */
static const char usage_targets[] =
        "  --target cpu|verilog    code generation target (default cpu: NAME.so + NAME.h;\n"
        "                          verilog: a directory NAME_verilog/ of Verilog-2005)\n"
        "  --fold auto --target-cycles N\n"
        "                          verilog target: fold every dense layer without a\n"
        "                          `fold` clause to the smallest PE x SIMD that takes at\n"
        "                          most N cycles per frame\n"
        "  --report area|timing    verilog target, after writing the design: `area` runs yosys\n"
        "                          (synth_ice40, or synth_xilinx for --fpga xc7) and writes\n"
        "                          per-layer and total LUT/FF/BRAM counts next to an analytic\n"
        "                          estimate (DIR/NAME_report.md and .json); `timing` places and\n"
        "                          routes with nextpnr-ice40 and reports Fmax; `area,timing`\n"
        "                          both. Tool scripts and logs stay in DIR\n"
        "  --fpga PART             the part for --report: hx8k (iCE40 HX8K, ct256; default),\n"
        "                          up5k (iCE40 UP5K, sg48), hx1k (iCE40 HX1K, tq144), xc7\n"
        "                          (Xilinx 7-series, synth_xilinx; area only)\n"
        "  --vectors IN.npy        verilog target: the testbench's inputs ([N, input shape]\n"
        "                          float32; integers in range for a u8/i8 input) instead of\n"
        "                          64 seeded random ones; the interpreter computes the outputs\n"
        "  --cpu NAME              cpu target: native (default: this machine's CPU and\n"
        "                          features), x86-64-v2, x86-64-v3, x86-64-v4 or any LLVM\n"
        "                          CPU name\n"
        "  --kernel auto|bitserial|int8\n"
        "                          cpu target: how bit-plane layers are computed: the\n"
        "                          cost model's choice per layer (default; --explain shows\n"
        "                          it), popcount kernels, or int8 dot products (vpdpbusd\n"
        "                          with VNNI; an error for a layer that cannot take them)\n"
        "  -O0, -O1, -O2, -O3      LLVM optimization level (default -O3)\n"
        "  --weights FILE          weights file (.safetensors or .npz); wins over the\n"
        "                          'weights' line in the source\n"
        "  --quant FILE            an override file of 'override NETWORK { ... }' lines\n"
        "  --network NAME          which network, when the file has several\n"
        "  --stdlib DIR            where 'import std' finds std.hb\n"
        "  --diag-format human|plain\n"
        "                          diagnostics with source excerpts (default), or without:\n"
        "                          the file:line:col line plus indented note:/help: lines\n"
        "  --color=auto|always|never\n"
        "  --float-pools           max pools on multi-bit values pool their dequantized\n"
        "                          floats (the lowering before pools on codes; to compare)\n"
        "  -Werror                 treat warnings as errors\n"
        "  -v, --verbose           print each stage's time and memory on stderr\n"
        "  --version               print the version and exit\n"
        "  --help                  print this help and exit\n"
        "\n"
        "A FILE.ir input is IR text (see docs/ir.md): it is parsed and verified.\n"
        "exit status: 0 ok, 1 errors in the input, 2 usage or I/O error, 3 internal error\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "hbnnc: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'hbnnc --help' for more information.\n");
    return EXIT_USAGE;
}

static bool readable(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/std.hb", dir);
    return access(path, R_OK) == 0;
}

/* The standard library: --stdlib wins; else share/hbnnc beside the running binary's
 * prefix (so an installed tree can be moved), else the configured install directory,
 * else the source tree (a binary run from the build tree). */
static const char *find_stdlib(char *rel, size_t relsize)
{
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(rel, relsize, "%s/../share/hbnnc", exe);
            if (readable(rel))
                return rel;
        }
    }
    if (readable(HBNN_INSTALL_STDLIB))
        return HBNN_INSTALL_STDLIB;
    return HBNN_SOURCE_STDLIB;
}

static int parse_emit(DriverOptions *o, const char *v)
{
    static const char *const names[] = {"ast", "ir", "llvm", "asm", "obj", "header"};
    static const EmitKind kinds[] = {EMIT_AST, EMIT_IR, EMIT_LLVM, EMIT_ASM, EMIT_OBJ, EMIT_HEADER};
    for (int i = 0; i < 6; i++) {
        if (strcmp(v, names[i]) == 0) {
            o->emit = kinds[i];
            return 0;
        }
    }
    return usage_error("unknown --emit kind '%s' (ast, ir, llvm, asm, obj, header)", v);
}

/* --report area|timing|area,timing and --fpga PART (checked in check_report). */
static int parse_report(DriverOptions *o, bool report, const char *v)
{
    if (!report) {
        if (!backend_fpga_part(v))
            return usage_error("unknown --fpga part '%s' (hx1k, hx8k, up5k, xc7)", v);
        o->fpga = v;
        return 0;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *w = strtok(buf, ","); w; w = strtok(NULL, ",")) {
        if (strcmp(w, "area") == 0)
            o->report |= BR_AREA;
        else if (strcmp(w, "timing") == 0)
            o->report |= BR_TIMING;
        else
            return usage_error("unknown --report kind '%s' (area, timing, area,timing)", w);
    }
    return o->report ? 0 : usage_error("--report needs area, timing or area,timing, not '%s'", v);
}

/* --report and --fpga belong to --target verilog; timing needs an iCE40 part. */
static int check_report(const DriverOptions *o)
{
    if ((o->report || o->fpga) && !(o->target && strcmp(o->target, "verilog") == 0))
        return usage_error("%s needs --target verilog", o->report ? "--report" : "--fpga");
    if (o->report && (o->check || o->run || o->emit != EMIT_NONE))
        return usage_error("%s", "--report runs on the written design: not with --check, --run "
                                 "or --emit");
    if (o->fpga && !o->report)
        return usage_error("%s", "--fpga chooses the part for --report area|timing");
    const BackendPart *p = backend_fpga_part(o->fpga ? o->fpga : "hx8k");
    if ((o->report & BR_TIMING) && !p->nextpnr)
        return usage_error("--report timing places and routes with nextpnr-ice40: choose an "
                           "iCE40 part (hx1k, hx8k, up5k), not '%s'",
                           p->name);
    return 0;
}

/* Options that take a value accept both "--opt VALUE" and "--opt=VALUE". */
static const char *value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (strcmp(argv[*i], name) != 0)
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

static int parse_value_opt(DriverOptions *o, int argc, char **argv, int *i, bool *matched)
{
    static const char *const names[] = {
            "-o",          "--target", "--weights", "--quant",         "--network", "--run",
            "--calibrate", "--stdlib", "--emit",    "--diag-format",   "--color",   "--run-ideal",
            "--cpu",       "--kernel", "--fold",    "--target-cycles", "--report",  "--fpga",
            "--vectors"};
    *matched = false;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        const char *v = value(argc, argv, i, names[k]);
        if (!v)
            continue;
        *matched = true;
        if (!*v)
            return usage_error("option '%s' needs a value", names[k]);
        const char **slots[] = {&o->output,  &o->target, &o->weights,   &o->quant,
                                &o->network, &o->run,    &o->calibrate, &o->cx.stdlib_dir};
        if (k == 5 || k == 11) { // --run, --run-ideal
            if (o->run && o->run_ideal != (k == 11))
                return usage_error("%s", "--run and --run-ideal cannot be combined");
            o->run = v;
            o->run_ideal = k == 11;
        } else if (k < 8) {
            *slots[k] = v;
        } else if (k == 8) {
            return parse_emit(o, v);
        } else if (k == 12) {
            o->cpu = v;
        } else if (k == 13) {
            static const char *const kn[] = {"auto", "bitserial", "int8"};
            int kk = 0;
            while (kk < 3 && strcmp(v, kn[kk]) != 0)
                kk++;
            if (kk == 3)
                return usage_error("--kernel is auto, bitserial or int8, not '%s'", v);
            o->kernel = (BackendKernel)kk;
        } else if (k == 14) {
            if (strcmp(v, "auto") != 0)
                return usage_error("--fold is 'auto' (per-layer folds are `fold pe=P simd=S` in "
                                   "the .hb), not '%s'",
                                   v);
            o->fold = v;
        } else if (k == 15) {
            char *end;
            long long n = strtoll(v, &end, 10);
            if (*end || n < 1)
                return usage_error("--target-cycles needs a positive number of cycles, not '%s'",
                                   v);
            o->target_cycles = v;
        } else if (k == 16 || k == 17) {
            return parse_report(o, k == 16, v);
        } else if (k == 18) {
            o->vectors = v;
        } else if (k == 9) {
            if (strcmp(v, "plain") && strcmp(v, "human"))
                return usage_error("--diag-format is 'human' or 'plain', not '%s'", v);
            o->cx.diag_format = strcmp(v, "plain") == 0 ? DIAG_PLAIN : DIAG_HUMAN;
        } else { // k == 10
            if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
                return usage_error("--color is auto, always or never, not '%s'", v);
            o->cx.color = strcmp(v, "always") == 0 ||
                          (strcmp(v, "auto") == 0 && isatty(2) && !getenv("NO_COLOR"));
        }
        return 0;
    }
    return 0;
}

/* --help and --version: a write error (hbnnc --help > /dev/full) is exit 2. */
static int print_and_exit(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("hbnnc: standard output: error: write error");
        exit(EXIT_USAGE);
    }
    exit(EXIT_OK);
}

static int parse_args(DriverOptions *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool matched;
        int rc = parse_value_opt(o, argc, argv, &i, &matched);
        if (rc || matched) {
            if (rc)
                return rc;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            fputs(usage_targets, stdout);
            return print_and_exit();
        } else if (strcmp(a, "--version") == 0) {
            char llvm[32];
            printf("hbnnc %s (hbnn language 0.1, LLVM %s)\n", HBNN_VERSION,
                   llvm_version_string(llvm, sizeof llvm));
            return print_and_exit();
        } else if (strcmp(a, "--check") == 0) {
            o->check = true;
        } else if (strcmp(a, "--explain") == 0 || strcmp(a, "--explain=text") == 0) {
            o->explain = EXPLAIN_TEXT;
        } else if (strcmp(a, "--explain=json") == 0) {
            o->explain = EXPLAIN_JSON;
        } else if (strncmp(a, "--explain=", 10) == 0) {
            return usage_error("unknown --explain format '%s' (text or json)", a + 10);
        } else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
            o->opt = a + 2;
        } else if (strcmp(a, "-Werror") == 0) {
            o->cx.werror = true;
        } else if (strcmp(a, "--float-pools") == 0) {
            o->float_pools = true;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->cx.verbose = true;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (o->input) {
            return usage_error("more than one input file ('%s')", a);
        } else {
            o->input = a;
        }
    }
    if (!o->input)
        return usage_error("%s", "no input file");
    if (o->target && !backend_find(o->target))
        return usage_error("unknown --target '%s' (cpu, verilog)", o->target);
    return check_report(o);
}

int main(int argc, char **argv)
{
    DriverOptions o = {.out = stdout};
    o.cx.color = isatty(2) && !getenv("NO_COLOR");
    char stdlib_buf[4096];
    o.cx.stdlib_dir = find_stdlib(stdlib_buf, sizeof stdlib_buf);
    int rc = parse_args(&o, argc, argv);
    if (rc)
        return rc;
    return driver_run(&o);
}
