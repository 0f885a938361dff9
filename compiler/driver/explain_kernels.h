// SPDX-License-Identifier: MIT
/* explain_kernels.h: the --explain section (text) or member (JSON "kernels") that shows
 * the cpu target's kernel per bpop layer and the cost model's estimates, through the
 * Backend.kernels hook (backends/backend.h). The driver sees no LLVM type. */
#ifndef HB_EXPLAIN_KERNELS_H
#define HB_EXPLAIN_KERNELS_H

#include "driver.h"
#include "graph.h"

/* Can --explain lower `g` without an error (weights bound, static scales known)? */
bool explain_kernels_can_lower(const DriverOptions *o, const Graph *g);
/* Print the plan for `m` if it has bpop layers (text section, or `, "kernels": {...}` inside a JSON object,
 * or, with `whole`, a JSON object of its own). False after an error diagnostic. */
bool explain_kernels(HbCx *cx, const DriverOptions *o, const IrModule *m, bool whole);

#endif
