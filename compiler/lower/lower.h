// SPDX-License-Identifier: MIT
/* lower.h: lowering a bound and quantized Graph to the kernel IR (docs/ir.md §5):
 * bit-plane layers become per-plane-pair popcounts with integer coefficients, bias
 * and batch-norm fold into per-channel integer thresholds, everything else keeps a
 * float path. Then the reference interpreter (interp.c) or a backend takes over. */
#ifndef HB_LOWER_H
#define HB_LOWER_H

#include "graph.h"
#include "ir.h"

typedef struct LowerOptions {
    /* Static activation scales per graph node (indexed like Graph.nodes): for a `quant`
     * with `scale static`, act_scales[i] points at k floats beta_1..beta_k. NULL (or a
     * NULL entry) means none is known, which is an error for a static quantizer unless
     * `calibrating` is set. */
    const float *const *act_scales;
    /* Lower static quantizers as runtime ones (the calibration pass). */
    bool calibrating;
    /* Pool multi-bit values on their dequantized floats even where their codes are
     * ordered (--float-pools: the lowering before maxpool on codes, for comparison). */
    bool float_pools;
} LowerOptions;

/* Lower `g` (bound, and quantized for every conv2d/dense) to a new module in
 * cx->arena and verify it. Reports unsupported constructs with diag_error at the
 * node's site; returns NULL if anything was reported. If `node_value` is not NULL it
 * gets an array (in the arena) mapping each graph node to the IR value that holds
 * its result, or UINT32_MAX where the node was folded into a later one. */
IrModule *lower_graph(HbCx *cx, const Graph *g, const LowerOptions *o, uint32_t **node_value);

#endif
