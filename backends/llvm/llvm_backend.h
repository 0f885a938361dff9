// SPDX-License-Identifier: MIT
/* llvm_backend.h: the CPU backend's entry points, for the table in backends/backend.c.
 * Everything else of backends/llvm/ (and every llvm-c type) stays inside the folder. */
#ifndef HB_LLVM_BACKEND_H
#define HB_LLVM_BACKEND_H

#include "backend.h"

/* --target cpu: write what o->emit asks for (the .so and its header by default).
 * Returns an exit code: 0, or 2 after a diagnostic (output, linker, target). */
int llvm_emit(HbCx *cx, const IrModule *m, const BackendOptions *o);

/* The Backend.kernels hook (llvm_cost.c): which bpop layers run int8 kernels. */
bool llvm_kernels(HbCx *cx, const IrModule *m, const BackendOptions *o, KernelChoice **out,
                  uint32_t *n, const char **isa);

#endif
