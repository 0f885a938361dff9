// SPDX-License-Identifier: MIT
/* geometry.h: the one formula for the output size of a convolution or pooling window.
 * Sema's shape inference, the IR's window helper (ir_window: verifier, interpreter,
 * backends) and through them lowering all use it, so they cannot disagree at the edges.
 * It lives in support because sema does not link the IR. */
#ifndef HB_GEOMETRY_H
#define HB_GEOMETRY_H

#include <stdint.h>

/* Output size along one axis of input size h, zero padding p0 before and p1 after,
 * kernel k, stride s >= 1, dilation d >= 1: floor((h + p0 + p1 - d(k-1) - 1) / s) + 1,
 * or 0 when the window does not fit. */
int64_t hb_window_out(int64_t h, int64_t p0, int64_t p1, int64_t k, int64_t s, int64_t d);

#endif
