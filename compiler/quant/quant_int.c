// SPDX-License-Identifier: MIT
/* quant_int.c: `int k`, uniform symmetric integer quantization with the ONNX/TF
 * conventions of docs/language.md §5: zero point 0, narrow range [-(2^(k-1)-1), 2^(k-1)-1],
 * round half to even, one scale per output channel. */
#include <math.h>

#include "quant_internal.h"

float quant_int_group(const float *T, uint64_t n, int k, int32_t *q, float *recon)
{
    int32_t qmax = (int32_t)((1u << (k - 1)) - 1);
    double amax = 0;
    for (uint64_t j = 0; j < n; j++)
        amax = fmax(amax, fabs((double)T[j]));
    // An all-zero group (or one so tiny that s underflows float) has nothing to scale:
    // s = 0 and q = 0 rather than a division by zero.
    float s = (float)(amax / qmax);
    for (uint64_t j = 0; j < n; j++) {
        double v = s > 0 ? nearbyint((double)T[j] / (double)s) : 0.0; // ties to even
        v = fmin(fmax(v, -(double)qmax), (double)qmax);
        q[j] = (int32_t)v;
        recon[j] = (float)(v * (double)s);
    }
    return s;
}
