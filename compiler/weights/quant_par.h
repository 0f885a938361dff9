// SPDX-License-Identifier: MIT
/* quant_par.h: quantizing a graph's weight tensors on several threads (quant_par.c);
 * called by quantize_graph (bind.c), which reports the results in node order. */
#ifndef HB_QUANT_PAR_H
#define HB_QUANT_PAR_H

#include "cx.h"
#include "graph.h"
#include "quant.h"
#include "weights.h"

/* One tensor's result: its QTensor, or (ok false) the quantizer's message. */
typedef struct QSlot {
    QTensor q;
    const char *err;
    bool ok;
} QSlot;

/* Quantize the weights bound to g->nodes[nodes[i]] into slots[i] for i < n. Every
 * allocation ends up in cx->arena; nothing is reported here. */
void quant_par_run(HbCx *cx, Graph *g, const uint32_t *nodes, uint32_t n, QSlot *slots);

#endif
