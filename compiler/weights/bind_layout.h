// SPDX-License-Identifier: MIT
/* bind_layout.h: the Keras weight layout (language.md 6), used by the binder: the
 * shape a Keras file holds for a role, and the transpose to torch layout. */
#ifndef HB_BIND_LAYOUT_H
#define HB_BIND_LAYOUT_H

#include "graph.h"
#include "weights.h"

/* The Keras shape of role r for node n given its torch shape; false (and *keras =
 * *torch) for roles whose layout is the same (biases, batch-norm vectors). */
bool layout_keras_shape(const GNode *n, TensorRole r, const Shape *torch, Shape *keras);
/* One line for shape messages: "keras conv kernels are [kh, kw, in/groups, out]". */
const char *layout_keras_note(const GNode *n);
/* A copy of Keras tensor t (already checked against layout_keras_shape) in torch
 * layout `torch`, in the arena; a dense on a flattened image also gets its input
 * features reordered from Keras's (h, w, c) to hbnnc's (c, h, w). */
const WTensor *layout_keras_to_torch(Arena *a, const Graph *g, const GNode *n, const WTensor *t,
                                     const Shape *torch);
/* A batch norm between a flattened image and dense n: its vectors would be in Keras's
 * (h, w, c) order too, which the binder does not reorder; the binder refuses it. */
const GNode *layout_keras_unsupported(const Graph *g, const GNode *n);

#endif
