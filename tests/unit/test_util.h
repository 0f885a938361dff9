// SPDX-License-Identifier: MIT
/* test_util.h: shared fixtures for the Check suites: a fresh HbCx per test
 * (tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown)) whose diagnostics go to
 * a memory buffer that tests can inspect. */
#ifndef HB_TEST_UTIL_H
#define HB_TEST_UTIL_H

#include "cx.h"
#include "sema.h"

extern HbCx *hbt_cx; // the fixture's context (valid between setup and teardown)

void hbt_setup(void);
void hbt_teardown(void);

/* Flush pending diagnostics and return everything printed so far (plain format). */
const char *hbt_diags(void);
/* Register `text` as a source file named "test.hb" and return its id. */
uint32_t hbt_source(const char *text);
/* Parse and check `src` (registered as "test.hb"); fails the test on any error. */
Graph *hbt_graph(const char *src, const SemaOptions *o);
/* hbt_graph with the weights file `weights`, then open, bind and quantize it. NULL if
 * any of those stages reported an error (the test inspects hbt_diags()). */
Graph *hbt_pipeline(const char *src, const char *weights);
/* Scratch path under the build tree for files a test writes (weights, outputs). */
const char *hbt_tmp_path(const char *name);

/* A tensor for hbt_write_st. */
typedef struct HbtTensor {
    const char *name;
    const char *shape; // JSON array text, e.g. "[1, 8]"
    const float *data;
    size_t n;
    const char *dtype; // NULL: F32
} HbtTensor;
/* Write a safetensors file `file` (under the scratch directory) holding `ts` (F32
 * unless a dtype says otherwise; I64 data is written as n zero words); its path. */
const char *hbt_write_st(const char *file, const HbtTensor *ts, int nt);

#endif
