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
/* explain_json in two halves, so the driver can add members to the object between
 * them ("activation_scales", "gap"): begin prints up to the layers array's end. */
void explain_json_begin(FILE *out, HbCx *cx, const Graph *g);
void explain_json_end(FILE *out);
/* A JSON string literal (quotes and escapes). */
void explain_json_str(FILE *out, const char *s);

/* "bits 1:70% 2:20% 3:10%", "int 8", "float", "bits avg 1.4" (arena string). */
const char *qspec_kind_str(HbCx *cx, const QuantSpec *q);

#endif
