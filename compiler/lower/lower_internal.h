// SPDX-License-Identifier: MIT
/* lower_internal.h: state shared by lower.c (node dispatch, float paths) and
 * lower_bits.c (bit-plane layers, integer coefficients and folded thresholds).
 * Only lower*.c include this. */
#ifndef HB_LOWER_INTERNAL_H
#define HB_LOWER_INTERNAL_H

#include "lower.h"
#include "quant.h"
#include "weights.h"

#define LOW_NONE UINT32_MAX

typedef struct Low {
    HbCx *cx;
    const Graph *g;
    IrModule *m;
    const LowerOptions *o;
    uint32_t *val;   // graph node -> IR value (LOW_NONE: not lowered / folded)
    uint32_t *nuses; // graph node -> number of consumers (+1 for a graph output)
    uint32_t *user;  // graph node -> its last consumer (meaningful when nuses == 1)
    bool *is_output; // graph node -> listed in `output`
    bool *done;      // graph node -> lowered (or folded into an earlier layer)
    HbStrMap deq;    // bits value v (the address key v + 1) -> its dequantized f32 value
} Low;

/* The f32 form of value `v`: itself, or a (cached) dequant of a bits value. */
uint32_t low_f32(Low *L, uint32_t v, const char *name);
/* A name for node i's constants and values: its label, else "<op>.<i>". */
const char *low_name(Low *L, uint32_t i);
/* Node i's bias as n floats (zeros when it has none), in the arena. */
float *low_bias(Low *L, const GNode *n, int64_t count);

/* Batch-norm as double per-channel a = gamma / sqrt(var + eps), and mean and beta. */
typedef struct BnParams {
    double *a, *mean, *beta;
} BnParams;
void low_bn_params(Low *L, const GNode *n, int64_t c, BnParams *bn);

/* conv2d / dense node i whose input value is bits and whose weights are QK_BITS:
 * emit the bit-plane form (folding a following batchnorm and sign/static quant into
 * thresholds when possible). Returns false after reporting an error. */
bool low_bits_layer(Low *L, uint32_t i);
/* The static scales of quant node i (k floats), or NULL. */
const float *low_static_scales(Low *L, uint32_t i);
/* Fill conv attributes (stride, pad, dilation, groups) of `in` from node n. */
void low_conv_attrs(IrInst *in, const GNode *n);

#endif
