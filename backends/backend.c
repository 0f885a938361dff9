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
