// SPDX-License-Identifier: MIT
/* bind.h: binding a checked Graph to a weights file (docs/language.md §6), then
 * quantizing every conv2d/dense weight tensor (quant.h). The steps between sema and
 * lowering; both report through cx and return false on any error. */
#ifndef HB_BIND_H
#define HB_BIND_H

#include "graph.h"
#include "weights.h"

/* Attach each node's tensors (GNode.bound): missing tensors (with close-match
 * suggestions), shape mismatches (stating the torch layout), unsupported dtypes and
 * tensors claimed twice are errors; unused tensors are one warning. */
bool bind_graph(HbCx *cx, Graph *g, WFile *wf);

/* Quantize every bound conv2d/dense weight (GNode.qw); warns about shares that round
 * to 0 elements. */
bool quantize_graph(HbCx *cx, Graph *g);

#endif
