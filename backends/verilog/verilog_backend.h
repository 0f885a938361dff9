// SPDX-License-Identifier: MIT
/* verilog_backend.h: the Verilog backend's entry point, for the table in
 * backends/backend.c. Everything else of backends/verilog/ stays inside the folder. */
#ifndef HB_VERILOG_BACKEND_H
#define HB_VERILOG_BACKEND_H

#include "backend.h"

/* Write the directory o->output (default NAME_verilog): one module per hardware layer,
 * NAME_top.v, tb_NAME.v with vectors/, NAME_manifest.json and .md. Exit code. */
int verilog_emit(HbCx *cx, const IrModule *m, const BackendOptions *o);

#endif
