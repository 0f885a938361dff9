// SPDX-License-Identifier: MIT
/* stage_time.h: `hbnnc -v`: wall time and arena growth per compiler stage (parse,
 * sema, bind, quantize, lower, the backend's stages), printed once at the end with
 * the peak resident memory. Stages are recorded in HbCx, so there is no global state. */
#ifndef HB_STAGE_TIME_H
#define HB_STAGE_TIME_H

#include <stdio.h>

#include "cx.h"

/* End the running stage (if any) and start `name` (NULL: just end it). Cheap enough
 * to call unconditionally: one clock read. */
void cx_stage(HbCx *cx, const char *name);

/* The table of stages: name, milliseconds, arena bytes added; then the total and the
 * process's peak resident set. */
void cx_stage_report(HbCx *cx, FILE *out);

#endif
