// SPDX-License-Identifier: MIT
/* test_util.c: the per-test fixture (see test_util.h). Diagnostics are written in
 * plain form to an open_memstream buffer so tests can assert on exact text. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bind.h"
#include "weights_build.h"

HbCx *hbt_cx;
static HbCx the_cx;
static char *diag_buf;
static size_t diag_len;

void hbt_setup(void)
{
    HbOptions o = {.diag_format = DIAG_PLAIN, .stdlib_dir = HBNN_SOURCE_STDLIB};
    cx_init(&the_cx, &o);
    diag_buf = NULL;
    diag_len = 0;
    the_cx.diag_out = open_memstream(&diag_buf, &diag_len);
    hbt_cx = &the_cx;
}

void hbt_teardown(void)
{
    fclose(the_cx.diag_out);
    free(diag_buf);
    diag_buf = NULL;
    cx_destroy(&the_cx);
    hbt_cx = NULL;
}

const char *hbt_diags(void)
{
    diag_flush(hbt_cx);
    fflush(hbt_cx->diag_out);
    return diag_buf ? diag_buf : "";
}

uint32_t hbt_source(const char *text)
{
    return cx_add_source(hbt_cx, "test.hb", text, (uint32_t)strlen(text));
}

const char *hbt_tmp_path(const char *name)
{
    return arena_printf(&hbt_cx->arena, "%s/%s", HB_TEST_TMP, name);
}

Graph *hbt_graph(const char *src, const SemaOptions *o)
{
    AstFile *f = parse_file(hbt_cx, hbt_source(src));
    ck_assert_msg(f && diag_errors(hbt_cx) == 0, "parse: %s", hbt_diags());
    Graph *g = sema_check(hbt_cx, f, o);
    ck_assert_msg(g && diag_errors(hbt_cx) == 0, "sema: %s", hbt_diags());
    return g;
}

Graph *hbt_pipeline(const char *src, const char *weights)
{
    SemaOptions o = {.weights_path = weights};
    Graph *g = hbt_graph(src, &o);
    WFile *wf = weights_open(hbt_cx, weights);
    if (!wf || !bind_graph(hbt_cx, g, wf) || !quantize_graph(hbt_cx, g))
        return NULL;
    return g;
}

const char *hbt_write_st(const char *file, const HbtTensor *ts, int nt)
{
    Arena *a = &hbt_cx->arena;
    char json[8192] = "{";
    WbBuf data = wb_new(a);
    for (int i = 0; i < nt; i++) {
        size_t begin = data.len;
        bool i64 = ts[i].dtype && strcmp(ts[i].dtype, "I64") == 0;
        for (size_t k = 0; k < ts[i].n; k++) {
            if (i64)
                wb_u64(&data, 0);
            else
                wb_f32(&data, ts[i].data[k]);
        }
        snprintf(json + strlen(json), sizeof json - strlen(json),
                 "%s\"%s\": {\"dtype\": \"%s\", \"shape\": %s, \"data_offsets\": [%zu, %zu]}",
                 i ? ", " : "", ts[i].name, ts[i].dtype ? ts[i].dtype : "F32", ts[i].shape, begin,
                 data.len);
    }
    strcat(json, "}");
    WbBuf f = wb_safetensors(a, json, data.data, data.len);
    const char *path = hbt_tmp_path(file);
    ck_assert(wb_write(path, &f));
    return path;
}
