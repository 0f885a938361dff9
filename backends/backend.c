// SPDX-License-Identifier: MIT
/* backend.c: the table of code generators behind --target. Entries without an emit
 * function are known targets that are not implemented yet; the driver says so
 * instead of doing nothing. */
#include "backend.h"

#include <string.h>

#include "llvm_backend.h"
#include "verilog_backend.h"

static const Backend backends[] = {
        {"cpu", "a shared library with bit-plane kernels and its header (LLVM)", llvm_emit,
         llvm_kernels},
        {"verilog", "synthesizable Verilog with a testbench", verilog_emit, NULL},
};

const Backend *backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strcmp(backends[i].name, name) == 0)
            return &backends[i];
    return NULL;
}

const Backend *backend_list(int *n)
{
    *n = (int)(sizeof backends / sizeof backends[0]);
    return backends;
}

/* The parts --report knows: iCE40 through synth_ice40 + nextpnr-ice40 (each with the
 * package nextpnr places it in), Xilinx 7-series through synth_xilinx (area only). */
static const BackendPart parts[] = {
        {"hx8k", "iCE40 HX8K (ct256)", "synth_ice40", "--hx8k", "ct256", 7680, 32},
        {"up5k", "iCE40 UP5K (sg48)", "synth_ice40", "--up5k", "sg48", 5280, 30},
        {"hx1k", "iCE40 HX1K (tq144)", "synth_ice40", "--hx1k", "tq144", 1280, 16},
        {"xc7", "Xilinx 7-series (synth_xilinx)", "synth_xilinx", NULL, NULL, 0, 0},
};

const BackendPart *backend_fpga_part(const char *name)
{
    for (size_t i = 0; name && i < sizeof parts / sizeof parts[0]; i++)
        if (strcmp(parts[i].name, name) == 0)
            return &parts[i];
    return NULL;
}
