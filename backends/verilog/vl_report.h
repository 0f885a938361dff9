// SPDX-License-Identifier: MIT
/* vl_report.h: --report area|timing on a written design (vl_report.c: yosys per-module
 * cell counts next to the analytic model of vl_estimate.c; vl_timing.c: nextpnr-ice40
 * Fmax), and the external tools they run (vl_tool.c). */
#ifndef HB_VL_REPORT_H
#define HB_VL_REPORT_H

#include "vl_internal.h"

/* Cell counts of one module or design, in the part's own primitives. */
typedef struct VlCells {
    long lut;   // SB_LUT4 / LUT1..LUT6 (and LUT RAM)
    long ff;    // SB_DFF* / FD*
    long carry; // SB_CARRY / CARRY4
    long bram;  // SB_RAM40_4K / RAMB18 units (a RAMB36 is 2)
    long other; // everything else (MUXF7/8, SB_IO, ...)
} VlCells;

/* Place-and-route result (vl_timing.c). */
typedef struct VlTiming {
    bool ran;          // nextpnr ran and routed the design
    bool fits;         // false: too large for the part (nothing placed)
    double fmax;       // MHz, after routing
    long lc, lc_avail; // logic cells used / available
    long ram, ram_avail;
    const char *why; // when !fits: what is too large, by how much
} VlTiming;

/* Run --report o->report in `dir` (the written design). Exit code (0, 2 for a missing
 * or failing tool). */
int vl_report(HbCx *cx, const VlPlan *p, const char *dir, const BackendOptions *o);

/* The analytic estimate of one stage (vl_estimate.c): iCE40 LUT4 / FF / BRAM. */
VlCells vl_estimate(const VlPlan *p, const VlStage *s);
/* The output stage's estimate (vl_out.c): an adder per coefficient, argmax compares. */
VlCells vl_out_estimate(const VlStage *s);
/* Present elements of weight plane m in row r of a bits constant. */
uint64_t vl_present(const IrConst *w, int m, uint64_t r);
/* The formula, one line of Markdown, for the report. */
extern const char vl_estimate_formula[];

/* Place and route the written design on o->fpga; fills *t. Exit code. */
int vl_timing(HbCx *cx, const VlPlan *p, const char *dir, const BackendPart *part, VlTiming *t);

/* Run argv[0] (looked up on PATH; missing: an error naming Debian package `pkg`) in
 * directory `dir`, stdout and stderr to dir/log; no shell. True if it exited 0; else,
 * if `report`, an error pointing at the log (vl_tool_failed). */
bool vl_tool(HbCx *cx, const char *dir, const char *const *argv, const char *log, const char *pkg,
             bool report);
/* The error for a tool that failed: its log, and the log's last ERROR line. */
void vl_tool_failed(HbCx *cx, const char *dir, const char *tool, const char *log);
/* Write dir/file with `text` (through hb_out). */
bool vl_write_text(HbCx *cx, const char *dir, const char *file, const char *text);
/* Read dir/file whole (NUL-terminated, in the arena), or NULL after an error. */
char *vl_read_text(HbCx *cx, const char *dir, const char *file);

#endif
