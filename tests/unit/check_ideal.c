// SPDX-License-Identifier: MIT
/* check_ideal.c: the ideal network (docs/ir.md §6) end to end: a hand-made network
 * whose folded layer lands exactly on a decision boundary, so the integer program and
 * the ideal one differ in one bit and the --explain gap report has known numbers;
 * --run vs --run-ideal; static activation scales from a LABEL.scales tensor in the
 * weights file (the same IR and outputs as the same betas given as calibrated
 * constants, --calibrate winning, no unused-tensor warning) and its errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bind.h"
#include "driver.h"
#include "interp.h"
#include "lower.h"
#include "quant.h"
#include "sema.h"
#include "test_util.h"
#include "weights_build.h"

/* The gap network. q quantizes x with static scales; calibrated on the inputs below they
 * are exactly beta = [1.5, 0.5]. fc2's weights are all +v (row 0) and -v (row 1) with
 * v = 1 + 3 * 2^-23, so alpha = v and the coefficients alpha*beta_n need rounding:
 * f = 20, w = [1572865, 524288] against the exact 1.5 v 2^20 = 1572864.5625 and
 * 0.5 v 2^20 = 524288.1875. On input 0, S = [2, 2] and fc2's bias -4v makes the ideal
 * pre-activation exactly 0 (sign: -1), while the integer one is 2^-21 (sign: +1). */
#define GAP_SRC                                         \
    "hbnn 0.1\nnetwork gap {\n    input x: f32[256]\n"  \
    "    q: quant bits 2 scale static\n"                \
    "    fc2: dense(2) weights bits 1\n         sign\n" \
    "    fc3: dense(2) weights float\n    output fc3\n}\n"

#define GAP_V (1.0f + 3.0f / 8388608.0f)

typedef struct TT {
    const char *name;
    const char *shape; // JSON array text
    const float *data;
    size_t n;
} TT;

static const char *write_st(const char *file, const TT *ts, int nt)
{
    Arena *a = &hbt_cx->arena;
    char json[2048] = "{";
    WbBuf data = wb_new(a);
    for (int i = 0; i < nt; i++) {
        size_t begin = data.len;
        for (size_t k = 0; k < ts[i].n; k++)
            wb_f32(&data, ts[i].data[k]);
        snprintf(json + strlen(json), sizeof json - strlen(json),
                 "%s\"%s\": {\"dtype\": \"F32\", \"shape\": %s, \"data_offsets\": [%zu, %zu]}",
                 i ? ", " : "", ts[i].name, ts[i].shape, begin, data.len);
    }
    strcat(json, "}");
    WbBuf f = wb_safetensors(a, json, data.data, data.len);
    const char *path = hbt_tmp_path(file);
    ck_assert(wb_write(path, &f));
    return path;
}

/* The gap network's weights, plus the tensor `extra` (a q.scales) if not NULL. */
static const char *gap_weights(const char *file, const TT *extra)
{
    static float w[512], bias[2], w3[4] = {1, 0, 0, 1}, b3[2] = {0, 0.5f};
    for (int j = 0; j < 512; j++)
        w[j] = j < 256 ? GAP_V : -GAP_V;
    bias[0] = -4 * GAP_V, bias[1] = 0;
    TT t[5] = {{"fc2.weight", "[2, 256]", w, 512},
               {"fc2.bias", "[2]", bias, 2},
               {"fc3.weight", "[2, 2]", w3, 4},
               {"fc3.bias", "[2]", b3, 2}};
    int n = 4;
    if (extra)
        t[n++] = *extra;
    return write_st(file, t, n);
}

/* Three inputs: one with S = [2, 2] in fc2 (65 of x = 2, 64 of 1, 64 of -1, 63 of -2),
 * all positive, all negative; each has mean |x| = 1.5 and residual 0.5. */
static const char *gap_inputs(void)
{
    static float x[3 * 256];
    for (int j = 0; j < 256; j++) {
        x[j] = j < 65 ? 2 : j < 129 ? 1 : j < 193 ? -1 : -2;
        x[256 + j] = j < 128 ? 2 : 1;
        x[512 + j] = j < 128 ? -2 : -1;
    }
    WbBuf b = wb_npy(&hbt_cx->arena, 1,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 256), }", x, sizeof x);
    const char *path = hbt_tmp_path("gap_in.npy");
    ck_assert(wb_write(path, &b));
    return path;
}

static const char *write_text(const char *file, const char *text)
{
    const char *path = hbt_tmp_path(file);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Run the driver with `o` (input, weights, ... filled by the caller); stdout into *text. */
static int drive(DriverOptions *o, char **text)
{
    size_t len = 0;
    *text = NULL;
    FILE *out = open_memstream(text, &len);
    o->out = out;
    o->cx = (HbOptions){.diag_format = DIAG_PLAIN, .stdlib_dir = HBNN_SOURCE_STDLIB};
    int rc = driver_run(o);
    fclose(out);
    return rc;
}

static void assert_contains(const char *text, const char *want)
{
    ck_assert_msg(strstr(text, want), "missing:\n%s\nin:\n%s", want, text);
}

/* ---- the gap report and --run-ideal ---- */

START_TEST(test_gap_report)
{
    const char *hb = write_text("gap.hb", GAP_SRC);
    const char *w = gap_weights("gap.safetensors", NULL), *in = gap_inputs();
    char *text;
    DriverOptions o = {.input = hb, .weights = w, .calibrate = in, .explain = EXPLAIN_TEXT};
    ck_assert_int_eq(drive(&o, &text), 0);
    char want[1024];
    snprintf(want, sizeof want,
             "\nstatic activation scales:\n"
             "  q                    beta1=1.5 beta2=0.5 (calibrated on 3 inputs of %s)\n"
             "\nideal vs integer program on 3 calibration inputs (ideal: no rounding of "
             "alpha_m beta_n):\n"
             "  output fc3: max |diff| 2, max relative diff 2, argmax agrees 2/3\n"
             "  sign.3 (thresholds folded from fc2): 1 of 6 bits differ (16.67%%)\n",
             in);
    assert_contains(text, want);
    ck_assert_str_eq(strstr(text, want) + strlen(want), ""); // the report ends there
    free(text);

    o.explain = EXPLAIN_JSON;
    ck_assert_int_eq(drive(&o, &text), 0);
    assert_contains(text, "]}, \"activation_scales\": [\n  {\"layer\": \"q\", \"beta\": [1.5, "
                          "0.5], \"source\": \"calibrated\", \"inputs\": 3}\n]");
    assert_contains(text, ", \"gap\": {\"inputs\": 3, \"outputs\": [{\"name\": \"fc3\", "
                          "\"max_abs_diff\": 2, \"max_rel_diff\": 2, \"argmax_agree\": 2}], "
                          "\"layers\": [{\"name\": \"sign.3\", \"layer\": \"fc2\", "
                          "\"bits_differ\": 1, \"bits\": 6}]}}\n");
    free(text);
}
END_TEST

START_TEST(test_run_vs_run_ideal)
{
    const char *hb = write_text("gap.hb", GAP_SRC);
    const char *w = gap_weights("gap.safetensors", NULL), *in = gap_inputs();
    char *text;
    DriverOptions o = {.input = hb, .weights = w, .calibrate = in, .run = in};
    ck_assert_int_eq(drive(&o, &text), 0);
    ck_assert_str_eq(text, "1 -0.5\n1 -0.5\n-1 1.5\n");
    free(text);
    o.run_ideal = true;
    ck_assert_int_eq(drive(&o, &text), 0);
    ck_assert_str_eq(text, "-1 -0.5\n1 -0.5\n-1 1.5\n");
    free(text);

    // -o OUT.npy: the same numbers as float32 [3, 2].
    o.output = hbt_tmp_path("gap_ideal.npy");
    ck_assert_int_eq(drive(&o, &text), 0);
    ck_assert_str_eq(text, "");
    free(text);
    FILE *fp = fopen(o.output, "rb");
    ck_assert_ptr_nonnull(fp);
    unsigned char buf[256];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    ck_assert_uint_eq(n, 128 + 6 * sizeof(float));
    float got[6], want[6] = {-1, -0.5f, 1, -0.5f, -1, 1.5f};
    memcpy(got, buf + 128, sizeof got);
    ck_assert_mem_eq(got, want, sizeof want);
}
END_TEST

/* IR text keeps no fold records: --run-ideal on a .ir file is a usage error. */
START_TEST(test_run_ideal_ir_text)
{
    const char *hb = write_text("gap.hb", GAP_SRC);
    const char *w = gap_weights("gap.safetensors", NULL), *in = gap_inputs();
    char *text;
    DriverOptions o = {.input = hb, .weights = w, .calibrate = in, .emit = EMIT_IR};
    ck_assert_int_eq(drive(&o, &text), 0);
    const char *ir = write_text("gap.ir", text);
    free(text);
    DriverOptions r = {.input = ir, .run = in};
    ck_assert_int_eq(drive(&r, &text), 0);
    ck_assert_str_eq(text, "1 -0.5\n1 -0.5\n-1 1.5\n");
    free(text);
    r.run_ideal = true;
    ck_assert_int_eq(drive(&r, &text), 2);
    ck_assert_str_eq(text, "");
    free(text);
}
END_TEST

/* ---- static scales from the weights file ---- */

static char *print_ir(const IrModule *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ir_print(fp, m);
    fclose(fp);
    return buf;
}

/* q.scales in the file lowers to the same IR, and runs to the same outputs, as the same
 * betas passed as constants (what --calibrate passes); no unused-tensor warning. */
START_TEST(test_file_scales_equal_constants)
{
    static const float beta[2] = {1.5f, 0.5f};
    TT sc = {"q.scales", "[2]", beta, 2};
    Graph *g = hbt_pipeline(GAP_SRC, gap_weights("gap_file.safetensors", &sc));
    ck_assert_msg(g, "%s", hbt_diags());
    ck_assert_str_eq(hbt_diags(), "");
    ck_assert_str_eq(g->nodes[1].scales_tensor, "q.scales");
    ck_assert_ptr_nonnull(g->nodes[1].scales_bound);
    IrModule *from_file = lower_graph(hbt_cx, g, NULL, NULL);
    ck_assert_msg(from_file, "%s", hbt_diags());
    const float *per_node[6] = {NULL, beta};
    LowerOptions lo = {.act_scales = per_node};
    IrModule *given = lower_graph(hbt_cx, g, &lo, NULL);
    ck_assert_msg(given, "%s", hbt_diags());
    char *a = print_ir(from_file), *b = print_ir(given);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    float x[4 * 256], oa[8], ob[8];
    uint64_t s = 99;
    for (int j = 0; j < 4 * 256; j++)
        x[j] = (float)((double)(hb_rng_next(&s) >> 11) / 9007199254740992.0 * 6 - 3);
    ck_assert(interp_run_batch(hbt_cx, from_file, x, 4, oa, NULL));
    ck_assert(interp_run_batch(hbt_cx, given, x, 4, ob, NULL));
    ck_assert_mem_eq(oa, ob, sizeof oa);
}
END_TEST

/* Through the driver: --run with the file's scales gives the calibrated run's outputs;
 * --explain says where the scales came from; --calibrate wins over the file. */
START_TEST(test_file_scales_driver)
{
    static const float beta[2] = {1.5f, 0.5f}, other[2] = {1.0f, 0.25f};
    const char *hb = write_text("gap.hb", GAP_SRC), *in = gap_inputs();
    TT sc = {"q.scales", "[2]", beta, 2};
    char *text;
    DriverOptions o = {.input = hb,
                       .weights = gap_weights("gap_file.safetensors", &sc),
                       .run = in,
                       .explain = EXPLAIN_TEXT};
    ck_assert_int_eq(drive(&o, &text), 0);
    assert_contains(text, "\nstatic activation scales:\n  q                    beta1=1.5 "
                          "beta2=0.5 (weights file tensor q.scales)\n1 -0.5\n1 -0.5\n-1 1.5\n");
    free(text);

    TT sc2 = {"q.scales", "[2]", other, 2};
    o.weights = gap_weights("gap_other.safetensors", &sc2);
    o.explain = EXPLAIN_NONE;
    ck_assert_int_eq(drive(&o, &text), 0);
    ck_assert_str_ne(text, "1 -0.5\n1 -0.5\n-1 1.5\n"); // other scales, other outputs
    free(text);
    o.calibrate = in;
    o.explain = EXPLAIN_TEXT;
    ck_assert_int_eq(drive(&o, &text), 0);
    char want[512];
    snprintf(want, sizeof want,
             "  q                    beta1=1.5 beta2=0.5 (calibrated on 3 inputs of %s; the "
             "weights file tensor q.scales is not used)\n",
             in);
    assert_contains(text, want);
    assert_contains(text, "bits differ (16.67%)\n1 -0.5\n1 -0.5\n-1 1.5\n");
    free(text);

    o.explain = EXPLAIN_JSON;
    o.run = NULL;
    ck_assert_int_eq(drive(&o, &text), 0);
    assert_contains(text, "{\"layer\": \"q\", \"beta\": [1.5, 0.5], \"source\": \"calibrated\", "
                          "\"inputs\": 3, \"unused_tensor\": \"q.scales\"}");
    free(text);
    o.calibrate = NULL;
    ck_assert_int_eq(drive(&o, &text), 0);
    assert_contains(text, "{\"layer\": \"q\", \"beta\": [1, 0.25], \"source\": \"weights file\", "
                          "\"tensor\": \"q.scales\"}\n]}\n");
    free(text);
}
END_TEST

START_TEST(test_scales_missing)
{
    Graph *g = hbt_pipeline(GAP_SRC, gap_weights("gap.safetensors", NULL));
    ck_assert_msg(g, "%s", hbt_diags());
    ck_assert_ptr_null(lower_graph(hbt_cx, g, NULL, NULL));
    ck_assert_str_eq(hbt_diags(),
                     "test.hb:4:5: error: 'q' has static scales but none are known\n"
                     "  help: pass --calibrate INPUTS.npy, add a float32 tensor 'q.scales' of "
                     "shape [2] to the weights file, or use 'scale runtime'\n");
}
END_TEST

START_TEST(test_scales_missing_unlabelled)
{
    Graph *g = hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[8]\n"
                            "         quant bits 3 scale static\n"
                            "    fc: dense(2) weights bits 1\n    output fc\n}\n",
                            write_st("fc.safetensors",
                                     (TT[]){{"fc.weight", "[2, 8]",
                                             (const float[16]){1, -1, 2, -2, 1, 1, -1, 3, 1, 2, 3,
                                                               4, -1, -2, -3, -4},
                                             16}},
                                     1));
    ck_assert_msg(g, "%s", hbt_diags());
    ck_assert_ptr_null(g->nodes[1].scales_tensor);
    ck_assert_ptr_null(lower_graph(hbt_cx, g, NULL, NULL));
    ck_assert_str_eq(hbt_diags(),
                     "test.hb:4:10: error: '#1 quant' has static scales but none are known\n"
                     "  help: pass --calibrate INPUTS.npy, label the quantizer and add a float32 "
                     "tensor 'LABEL.scales' of shape [3] to the weights file, or use 'scale "
                     "runtime'\n");
}
END_TEST

START_TEST(test_scales_wrong_shape)
{
    static const float three[3] = {1.5f, 0.5f, 0.25f};
    TT sc = {"q.scales", "[3]", three, 3};
    ck_assert_ptr_null(hbt_pipeline(GAP_SRC, gap_weights("gap_shape.safetensors", &sc)));
    char want[512];
    snprintf(want, sizeof want,
             "test.hb:4:5: error: tensor 'q.scales' has shape [3] in %s, but quantizer q "
             "expects [2]\n  note: a 2-plane quantizer has one static scale per plane\n",
             hbt_tmp_path("gap_shape.safetensors"));
    ck_assert_str_eq(hbt_diags(), want);
}
END_TEST

START_TEST(test_scales_negative)
{
    static const float neg[2] = {1.5f, -0.5f};
    TT sc = {"q.scales", "[2]", neg, 2};
    ck_assert_ptr_null(hbt_pipeline(GAP_SRC, gap_weights("gap_neg.safetensors", &sc)));
    ck_assert_str_eq(hbt_diags(),
                     "test.hb:4:5: error: tensor 'q.scales' has scale -0.5 at index 1; "
                     "activation scales must be finite and not negative\n");
}
END_TEST

START_TEST(test_scales_nan)
{
    static float nan2[2] = {1.5f, 0};
    nan2[1] = NAN;
    TT sc = {"q.scales", "[2]", nan2, 2};
    const char *path = gap_weights("gap_nan.safetensors", &sc);
    ck_assert_ptr_null(weights_open(hbt_cx, path));
    char want[512];
    snprintf(want, sizeof want,
             "hbnnc: %s: error: tensor 'q.scales': element 1 (index [1]) is NaN (hbnnc rule: "
             "weights must be finite)\n",
             path);
    ck_assert_str_eq(hbt_diags(), want);
}
END_TEST

Suite *suite_ideal(void)
{
    Suite *s = suite_create("ideal");
    TCase *tc = tcase_create("ideal");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_gap_report);
    tcase_add_test(tc, test_run_vs_run_ideal);
    tcase_add_test(tc, test_run_ideal_ir_text);
    tcase_add_test(tc, test_file_scales_equal_constants);
    tcase_add_test(tc, test_file_scales_driver);
    tcase_add_test(tc, test_scales_missing);
    tcase_add_test(tc, test_scales_missing_unlabelled);
    tcase_add_test(tc, test_scales_wrong_shape);
    tcase_add_test(tc, test_scales_negative);
    tcase_add_test(tc, test_scales_nan);
    suite_add_tcase(s, tc);
    return s;
}
