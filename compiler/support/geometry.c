// SPDX-License-Identifier: MIT
/* geometry.c: window output size (geometry.h), shared by sema and the IR. */
#include "geometry.h"

int64_t hb_window_out(int64_t h, int64_t p0, int64_t p1, int64_t k, int64_t s, int64_t d)
{
    int64_t span = h + p0 + p1 - d * (k - 1) - 1;
    return span < 0 ? 0 : span / s + 1;
}
