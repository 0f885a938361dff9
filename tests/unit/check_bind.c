// SPDX-License-Identifier: MIT
/* check_bind.c: end-to-end tests of binding and quantizing a network: a .hb source
 * plus a safetensors file written by the test, through sema, the weights reader, the
 * binder and the quantizer (the docs/algorithm.md §10 worked example exactly, edge cases,
 * and every binding error with its message). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bind.h"
#include "driver.h"
#include "quant.h"
#include "sema.h"
#include "test_util.h"
#include "weights_build.h"

typedef HbtTensor TT;
#define write_st hbt_write_st

static const float worked_T[8] = {0.625f, -1.5f, 0.125f, -0.5f, 1.625f, -0.6875f, 0.375f, -0.5625f};

#define WORKED_SRC                                 \
    "hbnn 0.1\nnetwork w {\n    input x: f32[8]\n" \
    "    fc: dense(1, bias=false) weights bits 1:60% 2:40% select middle-out\n}\n"

START_TEST(test_worked_example)
{
    TT t[] = {{"fc.weight", "[1, 8]", worked_T, 8, NULL}};
    Graph *g = hbt_pipeline(WORKED_SRC, write_st("worked.safetensors", t, 1));
    ck_assert_msg(g, "%s", hbt_diags());
    const QTensor *q = g->nodes[1].qw;
    static const uint8_t M[8] = {1, 2, 2, 1, 2, 1, 1, 1};
    static const float That[8] = {0.75f, -1.5f, 0.0f, -0.75f, 1.5f, -0.75f, 0.75f, -0.75f};
    double sq = 0;
    for (int j = 0; j < 8; j++) {
        ck_assert_int_eq(q->widths[j], M[j]);
        ck_assert(q->recon[j] == That[j]);
        sq += ((double)worked_T[j] - q->recon[j]) * ((double)worked_T[j] - q->recon[j]);
    }
    ck_assert(sq == 0.2890625);
    ck_assert(q->scales[0] == 0.75f && q->scales[1] == 0.75f);
    ck_assert_uint_eq(q->counts[1], 5);
    ck_assert_uint_eq(q->counts[2], 3);
    ck_assert(fabs(q->error - sqrt(0.2890625 / 6.4765625)) < 1e-12);
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

/* The same through the command-line driver and --explain=json. */
START_TEST(test_worked_example_driver)
{
    TT t[] = {{"fc.weight", "[1, 8]", worked_T, 8, NULL}};
    const char *st = write_st("worked2.safetensors", t, 1);
    const char *hb = hbt_tmp_path("worked.hb");
    FILE *fp = fopen(hb, "w");
    fprintf(fp, "%s", WORKED_SRC);
    fclose(fp);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    DriverOptions o = {.input = hb,
                       .weights = st,
                       .explain = EXPLAIN_JSON,
                       .out = out,
                       .cx = {.diag_format = DIAG_PLAIN, .stdlib_dir = HBNN_SOURCE_STDLIB}};
    ck_assert_int_eq(driver_run(&o), 0);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(buf, "\"counts\": {\"1\": 5, \"2\": 3}"));
    ck_assert_ptr_nonnull(strstr(buf, "\"scales\": [0.75, 0.75]"));
    ck_assert_ptr_nonnull(strstr(buf, "\"error\": 0.211263"));
    ck_assert_ptr_nonnull(strstr(buf, "\"select\": \"middle-out\", \"group\": \"element\""));
    free(buf);
}
END_TEST

/* --explain=json for `src` with weights `st`, in the arena. */
static const char *explain_json(const char *name, const char *src, const char *st)
{
    const char *hb = hbt_tmp_path(name);
    FILE *fp = fopen(hb, "w");
    fprintf(fp, "%s", src);
    fclose(fp);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    DriverOptions o = {.input = hb,
                       .weights = st,
                       .explain = EXPLAIN_JSON,
                       .out = out,
                       .cx = {.diag_format = DIAG_PLAIN, .stdlib_dir = HBNN_SOURCE_STDLIB}};
    ck_assert_int_eq(driver_run(&o), 0);
    fclose(out);
    const char *r = arena_strdup(&hbt_cx->arena, buf);
    free(buf);
    return r;
}

/* Per-channel scales are a list of rows whatever the number of rows (one here). */
START_TEST(test_json_scales_shape)
{
    static const float w1[3] = {1.0f, 0.5f, -0.25f}, w2[6] = {1, 0.5f, -0.25f, 2, -1, 0.5f};
    TT t[] = {{"a.weight", "[1, 3]", w1, 3, NULL},
              {"b.weight", "[2, 3]", w2, 6, NULL},
              {"c.weight", "[1, 3]", w1, 3, NULL}};
    const char *j = explain_json(
            "scales.hb",
            "hbnn 0.1\nnetwork n {\n    input x: f32[3]\n"
            "    a: dense(1, bias=false) weights bits 1 scale per-channel\n"
            "    b: dense(2, bias=false) from x weights bits 1 scale per-channel\n"
            "    c: dense(1, bias=false) from x weights bits 1\n    output a, b, c\n}\n",
            write_st("scales.safetensors", t, 3));
    ck_assert_msg(strstr(j, "\"scales\": [[0.583333313]]"), "%s", j);
    ck_assert_msg(strstr(j, "\"scales\": [[0.583333313], [1.16666663]]"), "%s", j);
    ck_assert_msg(strstr(j, "\"scales\": [0.583333313]"), "%s", j);
}
END_TEST

/* bits avg: a later candidate must beat the best by more than a relative 1e-9 (here
 * 1:80% 3:20% is "better" only by float rounding, with mu3 = 2.2e-8). */
START_TEST(test_avg_no_rounding_level)
{
    static const float w[3] = {1.0f, 0.9f, 0.1f};
    TT t[] = {{"fc.weight", "[1, 3]", w, 3, NULL}};
    Graph *g = hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[3]\n"
                            "    fc: dense(1, bias=false) weights bits avg 1.4\n}\n",
                            write_st("avg.safetensors", t, 1));
    ck_assert_msg(g, "%s", hbt_diags());
    const QTensor *q = g->nodes[1].qw;
    ck_assert_int_eq(q->chosen.n, 2);
    ck_assert_int_eq(q->chosen.bits[0], 1);
    ck_assert_int_eq(q->chosen.bits[1], 2);
    ck_assert(q->chosen.frac[0] == 0.6 && q->chosen.frac[1] == 0.4);
    ck_assert_int_eq(q->maxbits, 2);
    ck_assert_uint_eq(q->counts[3], 0);
}
END_TEST

START_TEST(test_all_zero_and_bits8)
{
    float zero[16] = {0}, ramp[16];
    for (int i = 0; i < 16; i++)
        ramp[i] = (float)(i - 8) / 8;
    TT t[] = {{"a.weight", "[2, 8]", zero, 16, NULL}, {"b.weight", "[2, 8]", ramp, 16, NULL}};
    Graph *g = hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[8]\n"
                            "    a: dense(2) weights bits 1:50% 2:50%\n"
                            "    b: dense(2) from x weights bits 8\n}\n",
                            write_st("zero.safetensors", t, 2));
    ck_assert_msg(g, "%s", hbt_diags());
    const QTensor *qa = g->nodes[1].qw, *qb = g->nodes[2].qw;
    for (int j = 0; j < 16; j++)
        ck_assert(qa->recon[j] == 0.0f);
    ck_assert(qa->error == 0.0);
    ck_assert_int_eq(qb->maxbits, 8);
    ck_assert_uint_eq(qb->counts[8], 16);
    ck_assert(qb->error < 0.02);
}
END_TEST

START_TEST(test_share_rounds_to_zero)
{
    float w[8] = {1, -2, 3, -4, 5, -6, 7, -8};
    TT t[] = {{"fc.weight", "[1, 8]", w, 8, NULL}};
    Graph *g = hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[8]\n"
                            "    fc: dense(1, bias=false) weights bits 1:95% 2:5%\n}\n",
                            write_st("share0.safetensors", t, 1));
    ck_assert_ptr_nonnull(g);
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "test.hb:4:38: warning: share 2:5% of 'fc.weight' (8 elements) "
                            "rounds to 0 elements\n"
                            "  note: realised distribution 1-bit 8 (100.0%); average 1.00 bits\n"),
                  "%s", d);
}
END_TEST

#define TWO_LAYERS                                                                  \
    "hbnn 0.1\nnetwork n {\n    input x: f32[4]\n    fc1: dense(3) weights int 8\n" \
    "    bn1: batchnorm\n    fc2: dense(2) weights bits 1\n}\n"

static const float ones[64] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                               1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                               1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

START_TEST(test_missing_tensor_suggests)
{
    TT t[] = {{"layers.0.weight", "[3, 4]", ones, 12, NULL},
              {"bn1.weight", "[3]", ones, 3, NULL},
              {"bn1.bias", "[3]", ones, 3, NULL},
              {"bn1.running_mean", "[3]", ones, 3, NULL},
              {"bn1.running_var", "[3]", ones, 3, NULL},
              {"fc2.weight", "[2, 3]", ones, 6, NULL}};
    ck_assert_ptr_null(hbt_pipeline(TWO_LAYERS, write_st("miss.safetensors", t, 6)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "test.hb:4:5: error: no tensor named 'fc1.weight' in "), "%s", d);
    ck_assert_msg(strstr(d, "  note: similar names in the file: 'fc2.weight'"), "%s", d);
    ck_assert_msg(strstr(d, "  help: add  params \"PREFIX\"  to this line"), "%s", d);
}
END_TEST

START_TEST(test_shape_mismatch)
{
    TT t[] = {{"fc1.weight", "[3, 5]", ones, 15, NULL},  {"bn1.weight", "[3]", ones, 3, NULL},
              {"bn1.bias", "[3]", ones, 3, NULL},        {"bn1.running_mean", "[3]", ones, 3, NULL},
              {"bn1.running_var", "[3]", ones, 3, NULL}, {"fc2.weight", "[2, 3]", ones, 6, NULL}};
    ck_assert_ptr_null(hbt_pipeline(TWO_LAYERS, write_st("shape.safetensors", t, 6)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "test.hb:4:5: error: tensor 'fc1.weight' has shape [3, 5] in "), "%s",
                  d);
    ck_assert_msg(strstr(d, "/shape.safetensors, "
                            "but layer fc1 expects [3, 4]\n"
                            "  note: the input to fc1 has shape [4] (from 'x', line 3)\n"
                            "  note: torch linear weights are [out, in]\n"),
                  "%s", d);
}
END_TEST

START_TEST(test_unused_and_counter)
{
    TT t[] = {{"fc1.weight", "[3, 4]", ones, 12, NULL},
              {"bn1.weight", "[3]", ones, 3, NULL},
              {"bn1.bias", "[3]", ones, 3, NULL},
              {"bn1.running_mean", "[3]", ones, 3, NULL},
              {"bn1.running_var", "[3]", ones, 3, NULL},
              {"bn1.num_batches_tracked", "[]", NULL, 1, "I64"},
              {"fc2.weight", "[2, 3]", ones, 6, NULL},
              {"extra", "[2]", ones, 2, NULL}};
    ck_assert_ptr_nonnull(hbt_pipeline(TWO_LAYERS, write_st("unused.safetensors", t, 8)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "/unused.safetensors: warning: 1 tensor in the file is not used by "
                            "network 'n'\n  note: unused: 'extra'\n"),
                  "%s", d);
    ck_assert_int_eq(diag_warnings(hbt_cx), 1); // num_batches_tracked is not reported
}
END_TEST

START_TEST(test_claimed_twice_and_dtype)
{
    TT t[] = {{"fc1.weight", "[3, 4]", ones, 12, NULL}, {"c.weight", "[3, 4]", NULL, 12, "I64"}};
    ck_assert_ptr_null(hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[4]\n"
                                    "    fc1: dense(3) weights int 8\n"
                                    "    fc2: dense(3) from x params weight=\"fc1.weight\"\n"
                                    "    c: dense(3) from x\n}\n",
                                    write_st("twice.safetensors", t, 2)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "test.hb:5:26: error: tensor 'fc1.weight' is bound by two layers\n"
                            "  note: 'fc1' binds it too; tied weights are not supported\n"),
                  "%s", d);
    ck_assert_msg(strstr(d, "test.hb:6:5: error: tensor 'c.weight' has dtype I64\n"), "%s", d);
}
END_TEST

START_TEST(test_bias_true_missing)
{
    TT t[] = {{"fc.weight", "[2, 4]", ones, 8, NULL}};
    ck_assert_ptr_null(hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[4]\n"
                                    "    fc: dense(2, bias=true) weights int 8\n}\n",
                                    write_st("bias.safetensors", t, 1)));
    ck_assert_ptr_nonnull(strstr(hbt_diags(), "error: no tensor named 'fc.bias'"));
}
END_TEST

START_TEST(test_nan_rejected)
{
    float w[8] = {1, 2, 3, NAN, 5, 6, 7, 8};
    TT t[] = {{"fc.weight", "[2, 4]", w, 8, NULL}};
    ck_assert_ptr_null(hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[4]\n"
                                    "    fc: dense(2) weights bits 1\n}\n",
                                    write_st("nan.safetensors", t, 1)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "tensor 'fc.weight'") && strstr(d, "NaN"), "%s", d);
}
END_TEST

Suite *suite_bind(void)
{
    Suite *s = suite_create("bind");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_worked_example);
    tcase_add_test(tc, test_worked_example_driver);
    tcase_add_test(tc, test_all_zero_and_bits8);
    tcase_add_test(tc, test_json_scales_shape);
    tcase_add_test(tc, test_avg_no_rounding_level);
    tcase_add_test(tc, test_share_rounds_to_zero);
    tcase_add_test(tc, test_missing_tensor_suggests);
    tcase_add_test(tc, test_shape_mismatch);
    tcase_add_test(tc, test_unused_and_counter);
    tcase_add_test(tc, test_claimed_twice_and_dtype);
    tcase_add_test(tc, test_bias_true_missing);
    tcase_add_test(tc, test_nan_rejected);
    suite_add_tcase(s, tc);
    return s;
}
