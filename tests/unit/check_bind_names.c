// SPDX-License-Identifier: MIT
/* check_bind_names.c: binding never drops data silently (language.md 6): a tensor
 * named by `params` must exist, a batch norm's bias is never optional, `layout keras`
 * binds the same numbers as torch layout, the longest rename entry wins, and
 * `params` inside a block is relative to the instance. */
#include <string.h>

#include <check.h>

#include "bind.h"
#include "quant.h"
#include "test_util.h"

static const float ones[64] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                               1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                               1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static const GNode *node(const Graph *g, const char *label)
{
    for (uint32_t i = 0; i < g->n; i++)
        if (g->nodes[i].label && strcmp(g->nodes[i].label, label) == 0)
            return &g->nodes[i];
    ck_abort_msg("no node %s", label);
    return NULL;
}

START_TEST(test_named_bias_must_exist)
{
    HbtTensor t[] = {{"fc1.weight", "[3, 4]", ones, 12, NULL}, {"fc1.bias", "[3]", ones, 3, NULL}};
    ck_assert_ptr_null(hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[4]\n"
                                    "    fc1: dense(3) weights int 8\n"
                                    "         params weight=\"fc1.weight\" bias=\"fc1.bais\"\n}\n",
                                    hbt_write_st("named.safetensors", t, 2)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "test.hb:5:10: error: no tensor named 'fc1.bais' in "), "%s", d);
    ck_assert_msg(strstr(d, "  note: similar names in the file: 'fc1.bias'"), "%s", d);
    ck_assert_msg(strstr(d, "  help: fix the name in  params bias=\"...\""), "%s", d);
}
END_TEST

START_TEST(test_batchnorm_bias_required)
{
    HbtTensor t[] = {{"fc.weight", "[3, 4]", ones, 12, NULL},
                     {"bn.weight", "[3]", ones, 3, NULL},
                     {"bn.running_mean", "[3]", ones, 3, NULL},
                     {"bn.running_var", "[3]", ones, 3, NULL}};
    ck_assert_ptr_null(hbt_pipeline("hbnn 0.1\nnetwork n {\n    input x: f32[4]\n"
                                    "    fc: dense(3) weights int 8\n    bn: batchnorm\n}\n",
                                    hbt_write_st("bnbias.safetensors", t, 4)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "test.hb:5:5: error: no tensor named 'bn.bias' in "), "%s", d);
}
END_TEST

/* The torch tensors of a dense, a conv and a depthwise layer, and the same numbers
 * in Keras layout (written out here index by index, independently of bind_layout.c). */
#define KERAS_SRC(layout)                                                                      \
    "hbnn 0.1\nweights \"w\" " layout "\nnetwork n {\n"                                        \
    "    input x: f32[2, 5, 5]\n"                                                              \
    "    c: conv2d(3, kernel=3x2, pad=valid, bias=false) weights bits 2\n"                     \
    "    d: dwconv2d(kernel=2x2, pad=valid, multiplier=2, bias=false) weights bits 2 from x\n" \
    "    flatten from c\n"                                                                     \
    "    f: dense(4) weights bits 1:50% 2:50%\n"                                               \
    "    g: dense(2, bias=false) weights int 8\n}\n"

START_TEST(test_keras_layout_same_as_torch)
{
    float ct[3 * 2 * 3 * 2], ck[3 * 2 * 3 * 2], dt[4 * 1 * 2 * 2], dk[4 * 2 * 2], ft[4 * 36],
            fk[36 * 4], fb[4] = {0.5f, -1, 2, 0}, wgt[8], wgk[8];
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 2; i++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 2; x++) {
                    float v = (float)((o * 7 + i * 5 + y * 3 + x) % 11) - 5.25f;
                    ct[((o * 2 + i) * 3 + y) * 2 + x] = v;
                    ck[((y * 2 + x) * 2 + i) * 3 + o] = v;
                }
    for (int c = 0; c < 2; c++)
        for (int j = 0; j < 2; j++)
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 2; x++) {
                    float v = (float)((c * 13 + j * 7 + y * 3 + x * 2) % 9) - 4.5f;
                    dt[((c * 2 + j) * 2 + y) * 2 + x] = v;
                    dk[((y * 2 + x) * 2 + c) * 2 + j] = v;
                }
    for (int o = 0; o < 4; o++)
        for (int i = 0; i < 36; i++) { // c's output is [3, 3, 4]; Keras flattens (h, w, c)
            float v = (float)((o * 31 + i * 17) % 23) / 8 - 1.375f;
            ft[o * 36 + i] = v;
            fk[((i % 12) * 3 + i / 12) * 4 + o] = v;
        }
    for (int o = 0; o < 2; o++)
        for (int i = 0; i < 4; i++) { // a dense on a vector: a plain transpose
            wgt[o * 4 + i] = (float)(o * 4 + i) - 3.5f;
            wgk[i * 2 + o] = (float)(o * 4 + i) - 3.5f;
        }
    HbtTensor torch[] = {{"c.weight", "[3, 2, 3, 2]", ct, 36, NULL},
                         {"d.weight", "[4, 1, 2, 2]", dt, 16, NULL},
                         {"f.weight", "[4, 36]", ft, 144, NULL},
                         {"f.bias", "[4]", fb, 4, NULL},
                         {"g.weight", "[2, 4]", wgt, 8, NULL}};
    HbtTensor keras[] = {{"c.weight", "[3, 2, 2, 3]", ck, 36, NULL},
                         {"d.weight", "[2, 2, 2, 2]", dk, 16, NULL},
                         {"f.weight", "[36, 4]", fk, 144, NULL},
                         {"f.bias", "[4]", fb, 4, NULL},
                         {"g.weight", "[4, 2]", wgk, 8, NULL}};
    Graph *gt = hbt_pipeline(KERAS_SRC(""), hbt_write_st("torch.safetensors", torch, 5));
    ck_assert_msg(gt, "%s", hbt_diags());
    Graph *gk =
            hbt_pipeline(KERAS_SRC("layout keras"), hbt_write_st("keras.safetensors", keras, 5));
    ck_assert_msg(gk, "%s", hbt_diags());
    const char *labels[] = {"c", "d", "f", "g"};
    for (int k = 0; k < 4; k++) {
        const GNode *a = node(gt, labels[k]), *b = node(gk, labels[k]);
        const WTensor *wa = a->bound[TR_WEIGHT], *wb = b->bound[TR_WEIGHT];
        ck_assert_int_eq(wa->rank, wb->rank);
        for (int i = 0; i < wa->rank; i++)
            ck_assert_int_eq(wa->shape[i], wb->shape[i]);
        ck_assert_int_eq(memcmp(wa->data, wb->data, wa->nelem * sizeof(float)), 0);
        ck_assert_int_eq(memcmp(a->qw->recon, b->qw->recon, wa->nelem * sizeof(float)), 0);
        ck_assert(a->qw->error == b->qw->error);
    }
    ck_assert_int_eq(memcmp(node(gk, "f")->bound[TR_BIAS]->data, fb, sizeof fb), 0);
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

START_TEST(test_keras_wrong_shape)
{
    float z[144] = {0};
    HbtTensor t[] = {{"c.weight", "[3, 2, 3, 2]", z, 36, NULL},
                     {"d.weight", "[2, 2, 2, 2]", z, 16, NULL},
                     {"f.weight", "[36, 4]", z, 144, NULL}};
    ck_assert_ptr_null(
            hbt_pipeline(KERAS_SRC("layout keras"), hbt_write_st("kbad.safetensors", t, 3)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "error: tensor 'c.weight' has shape [3, 2, 3, 2] in "), "%s", d);
    ck_assert_msg(strstr(d, "but layer c expects [3, 2, 2, 3]\n"), "%s", d);
    ck_assert_msg(strstr(d, "  note: keras conv kernels are [kh, kw, in/groups, out] (the weights "
                            "line says layout keras)"),
                  "%s", d);
}
END_TEST

/* Keras flattens channels-last: a batch norm on the flattened vector before a dense
 * would need its vectors reordered too; refused with a clear error. */
START_TEST(test_keras_bn_after_flatten_refused)
{
    float z[64] = {0};
    HbtTensor t[] = {{"f.weight", "[8, 2]", z, 16, NULL},
                     {"bn.weight", "[8]", z, 8, NULL},
                     {"bn.bias", "[8]", z, 8, NULL},
                     {"bn.running_mean", "[8]", z, 8, NULL},
                     {"bn.running_var", "[8]", z, 8, NULL}};
    ck_assert_ptr_null(hbt_pipeline("hbnn 0.1\nweights \"w\" layout keras\nnetwork n {\n"
                                    "    input x: f32[2, 2, 2]\n    flatten\n    bn: batchnorm\n"
                                    "    f: dense(2, bias=false) weights int 8\n}\n",
                                    hbt_write_st("kbn.safetensors", t, 5)));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "test.hb:7:5: error: layout keras: batchnorm 'bn' sits between a "
                            "flattened image and dense 'f'\n"),
                  "%s", d);
}
END_TEST

static const char *bn_names[] = {"weight", "bias", "running_mean", "running_var"};

/* Tensors for std.residual_down(4) on 2 channels under the given names. */
static int residual_down_tensors(HbtTensor *t, const char *c1, const char *b1, const char *c2,
                                 const char *b2, const char *sc, const char *sb)
{
    Arena *a = &hbt_cx->arena;
    int n = 0;
    static float w2[144];
    for (int i = 0; i < 144; i++)
        w2[i] = 1;
    t[n++] = (HbtTensor){arena_printf(a, "%s.weight", c1), "[4, 2, 3, 3]", w2, 72, NULL};
    t[n++] = (HbtTensor){arena_printf(a, "%s.weight", c2), "[4, 4, 3, 3]", w2, 144, NULL};
    t[n++] = (HbtTensor){arena_printf(a, "%s.weight", sc), "[4, 2, 1, 1]", ones, 8, NULL};
    const char *bns[] = {b1, b2, sb};
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < 4; r++)
            t[n++] = (HbtTensor){arena_printf(a, "%s.%s", bns[k], bn_names[r]), "[4]", ones, 4,
                                 NULL};
    return n;
}

START_TEST(test_rename_longest_prefix)
{
    HbtTensor t[16];
    int n = residual_down_tensors(t, "layer2.0.c1", "layer2.0.b1", "layer2.0.c2", "layer2.0.b2",
                                  "layer2.0.downsample.0", "layer2.0.downsample.1");
    Graph *g = hbt_pipeline("hbnn 0.1\nimport std\nweights \"w\" {\n    l2b0 = \"layer2.0\"\n"
                            "    l2b0.sc = \"layer2.0.downsample.0\"\n"
                            "    l2b0.sb = \"layer2.0.downsample.1\"\n}\n"
                            "network n {\n    input x: f32[2, 8, 8]\n"
                            "    l2b0: std.residual_down(4)\n}\n",
                            hbt_write_st("rename.safetensors", t, n));
    ck_assert_msg(g, "%s", hbt_diags());
    ck_assert_str_eq(node(g, "l2b0.sc")->tensor[TR_WEIGHT], "layer2.0.downsample.0.weight");
    ck_assert_str_eq(node(g, "l2b0.sb")->tensor[TR_RUNNING_VAR],
                     "layer2.0.downsample.1.running_var");
    ck_assert_str_eq(node(g, "l2b0.c1")->tensor[TR_WEIGHT], "layer2.0.c1.weight");
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

/* A rename value that names nothing: one error per missing tensor, each once. */
START_TEST(test_rename_errors_once)
{
    HbtTensor t[16];
    int n = residual_down_tensors(t, "l.c1", "l.b1", "l.c2", "l.b2", "l.sc", "l.sb");
    ck_assert_ptr_null(hbt_pipeline("hbnn 0.1\nimport std\nweights \"w\" {\n    l.sc = \"ds\"\n}\n"
                                    "network n {\n    input x: f32[2, 8, 8]\n"
                                    "    l: std.residual_down(4)\n}\n",
                                    hbt_write_st("rename1.safetensors", t, n)));
    const char *d = hbt_diags();
    const char *first = strstr(d, "no tensor named 'ds.weight'");
    ck_assert_msg(first && !strstr(first + 1, "no tensor named 'ds.weight'"), "%s", d);
    ck_assert_msg(!strstr(d, "matches no layer"), "%s", d);
}
END_TEST

/* params inside a block is relative to the instance, like torchvision's downsample. */
START_TEST(test_params_relative_in_block)
{
    HbtTensor t[16];
    int n = residual_down_tensors(t, "layer2.0.conv1", "layer2.0.bn1", "layer2.0.conv2",
                                  "layer2.0.bn2", "layer2.0.downsample.0", "layer2.0.downsample.1");
    Graph *g = hbt_pipeline(
            "hbnn 0.1\n"
            "block down(ch: int) {\n"
            "    conv1: conv2d(ch, stride=2, bias=false)\n    bn1: batchnorm\n    relu\n"
            "    conv2: conv2d(ch, bias=false)\n    bn2: batchnorm\n"
            "    ds: conv2d(ch, kernel=1, stride=2, bias=false) from in  params \"downsample.0\"\n"
            "    dsbn: batchnorm\n          params weight=\"downsample.1.weight\" "
            "bias=\"downsample.1.bias\"\n"
            "          params running_mean=\"downsample.1.running_mean\" "
            "running_var=\"downsample.1.running_var\"\n"
            "    add(bn2, dsbn)\n    relu\n}\n"
            "block stage(ch: int) {\n    first: down(ch) params \"0\"\n}\n"
            "network n {\n    input x: f32[2, 8, 8]\n    defaults { weights int 8 }\n"
            "    layer2: stage(4)\n}\n",
            hbt_write_st("relative.safetensors", t, n));
    ck_assert_msg(g, "%s", hbt_diags());
    ck_assert_str_eq(node(g, "layer2.first.ds")->tensor[TR_WEIGHT], "layer2.0.downsample.0.weight");
    ck_assert_str_eq(node(g, "layer2.first.dsbn")->tensor[TR_BIAS], "layer2.0.downsample.1.bias");
    ck_assert_str_eq(node(g, "layer2.first.conv1")->tensor[TR_WEIGHT], "layer2.0.conv1.weight");
}
END_TEST

Suite *suite_bind_names(void)
{
    Suite *s = suite_create("bind_names");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_named_bias_must_exist);
    tcase_add_test(tc, test_batchnorm_bias_required);
    tcase_add_test(tc, test_keras_layout_same_as_torch);
    tcase_add_test(tc, test_keras_wrong_shape);
    tcase_add_test(tc, test_keras_bn_after_flatten_refused);
    tcase_add_test(tc, test_rename_longest_prefix);
    tcase_add_test(tc, test_rename_errors_once);
    tcase_add_test(tc, test_params_relative_in_block);
    suite_add_tcase(s, tc);
    return s;
}
