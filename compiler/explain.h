// SPDX-License-Identifier: MIT
/* explain.h: `--explain`, the per-layer report a user reads: output shapes, the
 * resolved quantization of every weight tensor and activation and where each
 * setting came from; as a text table or as JSON (--explain=json). */
#ifndef HB_EXPLAIN_H
#define HB_EXPLAIN_H

#include <stdio.h>

#include "cx.h"
#include "graph.h"

void explain_text(FILE *out, HbCx *cx, const Graph *g);
void explain_json(FILE *out, HbCx *cx, const Graph *g);

/* "bits 1:70% 2:20% 3:10%", "int 8", "float", "bits avg 1.4" (arena string). */
const char *qspec_kind_str(HbCx *cx, const QuantSpec *q);

#endif
