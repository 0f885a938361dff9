// SPDX-License-Identifier: MIT
/* llvm_float.h: the vectorized float kernels of the CPU backend (llvm_float_conv.c),
 * used by the float ops of llvm_ops_float.c. Internal to backends/llvm/. */
#ifndef HB_LLVM_FLOAT_H
#define HB_LLVM_FLOAT_H

#include "llvm_gen.h"

/* The current conv2d / dense instruction as output-channel-vectorized kernels, bit-identical
 * to the interpreter; false (nothing generated) when the shape or weights need the
 * scalar loop. */
bool gen_float_conv_fast(G *g);
bool gen_float_dense_fast(G *g);

#endif
