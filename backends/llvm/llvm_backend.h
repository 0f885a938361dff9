// SPDX-License-Identifier: MIT
/* llvm_backend.h: the CPU backend's entry points, for the table in backends/backend.c.
 * Everything else of backends/llvm/ (and every llvm-c type) stays inside the folder. */
#ifndef HB_LLVM_BACKEND_H
#define HB_LLVM_BACKEND_H

#include "backend.h"

#endif
