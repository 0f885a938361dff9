// SPDX-License-Identifier: MIT
/* driver_ir.h: the IR stages of the pipeline (lower, --emit ir, --run, IR text input),
 * called from driver.c once the graph is bound and quantized. */
#ifndef HB_DRIVER_IR_H
#define HB_DRIVER_IR_H

#include "driver.h"
#include "graph.h"

/* Lower `g` if --emit ir or --run asks for it; print / run. Returns an exit code. */
int driver_ir_stages(HbCx *cx, const DriverOptions *o, const Graph *g);
/* Is `path` IR text (a name ending in ".ir")? */
bool driver_is_ir_file(const char *path);
/* The input is IR text: parse and verify it (errors at file:line:col), then --emit ir
 * prints it back and --run evaluates it. Returns an exit code. */
int driver_ir_file(HbCx *cx, const DriverOptions *o);

#endif
