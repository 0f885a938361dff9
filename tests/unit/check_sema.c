// SPDX-License-Identifier: MIT
/* check_sema.c: unit tests for semantic analysis: shape inference for every op,
 * the defaults cascade and its origins, tensor naming (blocks, params, renames,
 * prefix), distribution rules, imports and multi-error reporting. */
#include <math.h>
#include <string.h>

#include <check.h>

#include "sema.h"
#include "test_util.h"

static Graph *check_opts(const char *src, const SemaOptions *o)
{
    uint32_t id = hbt_source(src);
    AstFile *f = parse_file(hbt_cx, id);
    ck_assert_msg(f != NULL, "parse failed: %s", hbt_diags());
    ck_assert_msg(diag_errors(hbt_cx) == 0, "parse errors: %s", hbt_diags());
    return sema_check(hbt_cx, f, o);
}

static Graph *check_ok(const char *src)
{
    return hbt_graph(src, NULL);
}

static const GNode *node(const Graph *g, const char *label)
{
    for (uint32_t i = 0; i < g->n; i++)
        if (g->nodes[i].label && strcmp(g->nodes[i].label, label) == 0)
            return &g->nodes[i];
    ck_abort_msg("no node %s", label);
    return NULL;
}

static void assert_shape(const GNode *n, int rank, int64_t a, int64_t b, int64_t c)
{
    char buf[64];
    int64_t want[3] = {a, b, c};
    ck_assert_msg(n->shape.known && n->shape.rank == rank, "%s: shape %s", n->name,
                  shape_str(&n->shape, buf, sizeof buf));
    for (int i = 0; i < rank; i++)
        ck_assert_msg(n->shape.d[i] == want[i], "%s: dim %d is %lld, want %lld (%s)", n->name, i,
                      (long long)n->shape.d[i], (long long)want[i],
                      shape_str(&n->shape, buf, sizeof buf));
}

#define CNN_HEAD "hbnn 0.1\nnetwork n {\n    input x: f32[3, 32, 32]\n"

START_TEST(test_conv_shapes)
{
    Graph *g = check_ok(CNN_HEAD "    a: conv2d(8)\n"                            // same, 3x3
                                 "    b: conv2d(8, kernel=5, stride=2, pad=0)\n" // (32-5)/2+1 = 14
                                 "    c: conv2d(8, kernel=3x1, pad=[1, 1, 0, 0])\n"
                                 "    d: conv2d(8, kernel=3, dilation=2, pad=same)\n"
                                 "    e: conv2d(16, groups=4, stride=2)\n"
                                 "    f: dwconv2d(multiplier=2)\n"
                                 "    g: conv2d(4, kernel=2x2, pad=valid, stride=2)\n"
                                 "}\n");
    assert_shape(node(g, "a"), 3, 8, 32, 32);
    assert_shape(node(g, "b"), 3, 8, 14, 14);
    assert_shape(node(g, "c"), 3, 8, 14, 14); // 3x1 kernel, pad [1, 1, 0, 0]
    ck_assert_int_eq(node(g, "c")->kh, 3);
    ck_assert_int_eq(node(g, "c")->kw, 1);
    assert_shape(node(g, "d"), 3, 8, 14, 14); // dilation 2: same pads 2
    ck_assert_int_eq(node(g, "d")->pad[0], 2);
    assert_shape(node(g, "e"), 3, 16, 7, 7);
    assert_shape(node(g, "f"), 3, 32, 7, 7);
    ck_assert_int_eq(node(g, "f")->groups, 16);
    assert_shape(node(g, "g"), 3, 4, 3, 3);
}
END_TEST

START_TEST(test_pool_flatten_dense)
{
    Graph *g = check_ok(CNN_HEAD "    a: conv2d(8)\n"
                                 "    p: maxpool(2)\n"
                                 "    q: maxpool(3, stride=2, pad=1)\n"
                                 "    r: avgpool(2)\n"
                                 "    s: avgpool(global)\n"
                                 "    t: flatten\n"
                                 "    u: dense(10, bias=false)\n"
                                 "    v: softmax\n"
                                 "    w: argmax\n"
                                 "}\n");
    assert_shape(node(g, "p"), 3, 8, 16, 16);
    assert_shape(node(g, "q"), 3, 8, 8, 8);
    assert_shape(node(g, "r"), 3, 8, 4, 4);
    assert_shape(node(g, "s"), 3, 8, 1, 1);
    assert_shape(node(g, "t"), 1, 8, 0, 0);
    assert_shape(node(g, "u"), 1, 10, 0, 0);
    ck_assert_int_eq(node(g, "u")->bias, BIAS_FALSE);
    ck_assert_ptr_null(node(g, "u")->tensor[TR_BIAS]);
    ck_assert_int_eq(node(g, "w")->shape.rank, 0);
    ck_assert_int_eq(g->noutputs, 1);
    ck_assert_uint_eq(g->outputs[0], g->n - 1);
}
END_TEST

START_TEST(test_add_concat_from)
{
    Graph *g = check_ok(CNN_HEAD "    a: conv2d(8)\n"
                                 "    b: conv2d(8) from x\n"
                                 "    s: add(a, b)\n"
                                 "    c: concat(a, b, s)\n"
                                 "    d: conv2d(4, kernel=1) from a\n"
                                 "    output c, d\n"
                                 "}\n");
    assert_shape(node(g, "c"), 3, 24, 32, 32);
    ck_assert_uint_eq(node(g, "b")->in[0], 0);
    ck_assert_int_eq(g->noutputs, 2);
}
END_TEST

#define MLP_HEAD "hbnn 0.1\nnetwork n {\n    input x: f32[64]\n"

START_TEST(test_cascade_origins)
{
    Graph *g = check_ok("hbnn 0.1\n"
                        "defaults { weights bits 3 }\n"
                        "network n {\n"
                        "    input x: f32[64]\n"
                        "    defaults { weights bits 1:70% 2:20% 3:10% scale per-channel }\n"
                        "    defaults dense { weights bits 2 select top-down }\n"
                        "    a: dense(32)\n"
                        "    b: dense(32) weights bits 1:50% 2:50%\n"
                        "    c: dense(32) weights int 8\n"
                        "    d: dense(32) weights inherit group channel\n"
                        "}\n");
    const GNode *a = node(g, "a");
    ck_assert_int_eq(a->wq->kind, QK_BITS);
    ck_assert_int_eq(a->wq->nshares, 1);
    ck_assert_int_eq(a->wq->share_bits[0], 2);
    ck_assert_int_eq(a->wq->origin_kind, QO_DEFAULTS_OP);
    ck_assert_int_eq(a->wq->select, SEL_TOP_DOWN);
    ck_assert_int_eq(a->wq->scale, SCALE_PER_CHANNEL);
    ck_assert_int_eq(a->wq->origin_scale, QO_DEFAULTS_NET);
    ck_assert_int_eq(a->wq->origin_group, QO_BUILTIN);
    const GNode *b = node(g, "b");
    ck_assert_int_eq(b->wq->nshares, 2);
    ck_assert_int_eq(b->wq->origin_kind, QO_LAYER);
    ck_assert_int_eq(b->wq->select, SEL_TOP_DOWN);
    const GNode *c = node(g, "c");
    ck_assert_int_eq(c->wq->kind, QK_INT);
    ck_assert_int_eq(c->wq->int_bits, 8);
    const GNode *d = node(g, "d");
    ck_assert_int_eq(d->wq->origin_kind, QO_DEFAULTS_OP);
    ck_assert_int_eq(d->wq->group, GROUP_CHANNEL);
    ck_assert_int_eq(d->wq->origin_group, QO_LAYER);
}
END_TEST

START_TEST(test_file_defaults_and_builtin)
{
    Graph *g = check_ok("hbnn 0.1\ndefaults { weights bits 3 }\nnetwork n {\n"
                        "    input x: f32[8]\n    a: dense(4)\n}\n");
    ck_assert_int_eq(node(g, "a")->wq->origin_kind, QO_DEFAULTS_FILE);
    ck_assert_int_eq(node(g, "a")->wq->share_bits[0], 3);
    g = check_opts(MLP_HEAD "    a: dense(4)\n}\n", NULL);
    ck_assert_int_eq(node(g, "a")->wq->kind, QK_FLOAT);
    ck_assert_int_eq(node(g, "a")->wq->origin_kind, QO_BUILTIN);
    ck_assert_ptr_nonnull(strstr(hbt_diags(), "warning: nothing in network 'n' is quantized"));
}
END_TEST

START_TEST(test_dist_rest_sorted)
{
    Graph *g = check_ok(MLP_HEAD "    a: dense(4) weights bits 3:rest 1:62.5% 2:25%\n}\n");
    const QuantSpec *q = node(g, "a")->wq;
    ck_assert_int_eq(q->nshares, 3);
    ck_assert_int_eq(q->share_bits[0], 1);
    ck_assert_int_eq(q->share_bits[2], 3);
    ck_assert(fabs(q->share_frac[0] - 0.625) < 1e-12);
    ck_assert(fabs(q->share_frac[2] - 0.125) < 1e-12);
}
END_TEST

START_TEST(test_acts)
{
    Graph *g = check_ok(MLP_HEAD "    defaults { acts bits 2 scale static }\n"
                                 "    a: dense(4) weights int 8\n"
                                 "    q1: quant\n"
                                 "    q2: quant bits 1:50% 2:50% scale runtime\n"
                                 "    s: sign\n"
                                 "}\n");
    const GNode *q1 = node(g, "q1"), *q2 = node(g, "q2"), *s = node(g, "s");
    ck_assert_int_eq(q1->aq->kind, QK_BITS);
    ck_assert_int_eq(q1->aq->act_scale, ACT_SCALE_STATIC);
    ck_assert_int_eq(q1->aq->origin_kind, QO_DEFAULTS_NET);
    ck_assert_int_eq(q2->aq->nshares, 2);
    ck_assert_int_eq(q2->aq->act_scale, ACT_SCALE_RUNTIME);
    ck_assert_int_eq(s->op, GOP_SIGN);
    ck_assert_int_eq(s->aq->share_bits[0], 1);
}
END_TEST

START_TEST(test_names_blocks_params_renames)
{
    Graph *g = check_ok("hbnn 0.1\n"
                        "weights \"w.safetensors\" prefix \"module.\" {\n"
                        "    s1 = \"features.0\"\n"
                        "}\n"
                        "block cb(out: int, w: quant = inherit) {\n"
                        "    conv: conv2d(out, bias=false) weights w\n"
                        "    bn:   batchnorm\n"
                        "          sign\n"
                        "}\n"
                        "network n {\n"
                        "    input x: f32[3, 8, 8]\n"
                        "    s1: cb(4)\n"
                        "    s2: cb(4, w = bits 2) params \"layer2\"\n"
                        "    s3: cb(8)\n"
                        "    c:  conv2d(8) params weight=\"head.w\" bias=\"head.b\"\n"
                        "}\n");
    ck_assert_str_eq(node(g, "s1.conv")->tensor[TR_WEIGHT], "module.features.0.conv.weight");
    ck_assert_ptr_null(node(g, "s1.conv")->tensor[TR_BIAS]);
    ck_assert_str_eq(node(g, "s1.bn")->tensor[TR_RUNNING_VAR], "module.features.0.bn.running_var");
    ck_assert_str_eq(node(g, "s2.conv")->tensor[TR_WEIGHT], "module.layer2.conv.weight");
    ck_assert_int_eq(node(g, "s2.conv")->wq->origin_kind, QO_BLOCK_ARG);
    ck_assert_int_eq(node(g, "s1.conv")->wq->origin_kind, QO_BUILTIN);
    ck_assert_str_eq(node(g, "s3.conv")->tensor[TR_WEIGHT], "module.s3.conv.weight");
    ck_assert_str_eq(node(g, "c")->tensor[TR_BIAS], "module.head.b");
    ck_assert_str_eq(node(g, "s3.conv")->via, "cb");
    assert_shape(node(g, "s3.bn"), 3, 8, 8, 8);
}
END_TEST

START_TEST(test_override)
{
    uint32_t oid = hbt_source("hbnn 0.1\noverride n {\n    a weights bits 1:80% 2:20%\n}\n");
    AstFile *over = parse_file(hbt_cx, oid);
    SemaOptions o = {.overrides = over};
    Graph *g = check_opts(MLP_HEAD "    a: dense(4) weights int 8\n}\n", &o);
    ck_assert_int_eq(diag_errors(hbt_cx), 0);
    ck_assert_int_eq(node(g, "a")->wq->kind, QK_BITS);
    ck_assert_int_eq(node(g, "a")->wq->origin_kind, QO_OVERRIDE);
}
END_TEST

START_TEST(test_import_std)
{
    Graph *g = check_ok("hbnn 0.1\nimport std\nnetwork n {\n"
                        "    input x: f32[3, 16, 16]\n"
                        "    defaults { weights bits 1:70% 2:20% 3:10% }\n"
                        "    b1: std.dw_separable(32, stride=2)\n"
                        "    r:  std.residual(32, act=relu)\n"
                        "    d:  std.residual_down(64)\n"
                        "    c:  std.conv_bn_act(8, act=quant bits 2, w=int 4)\n"
                        "    e:  std.residual_down(16, stride=1, wsc=bits 2)\n"
                        "}\n");
    // residual_down's shortcut: int 8 by default, else its `wsc` argument.
    ck_assert_int_eq(node(g, "d.sc")->wq->int_bits, 8);
    ck_assert_int_eq(node(g, "d.sc")->wq->origin_kind, QO_BLOCK_ARG);
    ck_assert_int_eq(node(g, "e.sc")->wq->kind, QK_BITS);
    ck_assert_int_eq(node(g, "e.sc")->wq->share_bits[0], 2);
    ck_assert_int_eq(node(g, "e.c1")->wq->origin_kind, QO_DEFAULTS_NET);
    assert_shape(node(g, "b1.pw"), 3, 32, 8, 8);
    assert_shape(node(g, "d.c2"), 3, 64, 4, 4);
    assert_shape(node(g, "d.sc"), 3, 64, 4, 4);
    ck_assert_int_eq(node(g, "d.sc")->wq->kind, QK_INT);
    ck_assert_str_eq(node(g, "b1.dw")->written, "dwconv2d");
    ck_assert_int_eq(node(g, "c.conv")->wq->int_bits, 4);
    ck_assert_int_eq(node(g, "r.c1")->wq->origin_kind, QO_DEFAULTS_NET);
    ck_assert_str_eq(node(g, "b1.dw")->tensor[TR_WEIGHT], "b1.dw.weight");
}
END_TEST

START_TEST(test_many_errors_one_run)
{
    Graph *g = check_opts(MLP_HEAD "    a: dense(4) weights bits 1:50% 2:40%\n"
                                   "    b: dnse(4)\n"
                                   "    c: dense(4, bais=true)\n"
                                   "}\n",
                          NULL);
    (void)g;
    ck_assert_int_eq(diag_errors(hbt_cx), 3);
    const char *d = hbt_diags();
    ck_assert_ptr_nonnull(strstr(d, "test.hb:4:25: error: bit distribution sums to 90%"));
    ck_assert_ptr_nonnull(strstr(d, "help: did you mean 'dense'?"));
    ck_assert_ptr_nonnull(strstr(d, "help: did you mean 'bias'?"));
}
END_TEST

START_TEST(test_cascade_suppressed)
{
    check_opts(MLP_HEAD
               "    a: conv2d(4)\n    b: maxpool(2)\n    c: dense(3)\n    d: add(b, c)\n}\n",
               NULL);
    ck_assert_int_eq(diag_errors(hbt_cx), 1);
}
END_TEST

Suite *suite_sema(void)
{
    Suite *s = suite_create("sema");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_conv_shapes);
    tcase_add_test(tc, test_pool_flatten_dense);
    tcase_add_test(tc, test_add_concat_from);
    tcase_add_test(tc, test_cascade_origins);
    tcase_add_test(tc, test_file_defaults_and_builtin);
    tcase_add_test(tc, test_dist_rest_sorted);
    tcase_add_test(tc, test_acts);
    tcase_add_test(tc, test_names_blocks_params_renames);
    tcase_add_test(tc, test_override);
    tcase_add_test(tc, test_import_std);
    tcase_add_test(tc, test_many_errors_one_run);
    tcase_add_test(tc, test_cascade_suppressed);
    suite_add_tcase(s, tc);
    return s;
}
