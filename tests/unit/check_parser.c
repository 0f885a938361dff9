// SPDX-License-Identifier: MIT
/* check_parser.c: unit tests for the grammar (grammar/parser.y), the AST it builds
 * (ast.c constructors, spans) and ast_print. Includes examples in the style of
 * docs/language.md and a sketch of stdlib/std.hb, and pins the exact text of syntax
 * errors, error recovery (several errors in one run) and the partial tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ast.h"
#include "test_util.h"

/* ---- helpers ---- */

static AstFile *parse(const char *src)
{
    return parse_file(hbt_cx, hbt_source(src));
}

static const char *dump_file(const AstFile *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ast_print(out, hbt_cx, f);
    fclose(out);
    const char *s = arena_strdup(&hbt_cx->arena, buf);
    free(buf);
    return s;
}

/* Parse, expect no diagnostics, return the dump. */
static const char *dump_ok(const char *src)
{
    AstFile *f = parse(src);
    ck_assert_str_eq(hbt_diags(), "");
    return dump_file(f);
}

/* Parse and return the diagnostics it produced (plain format). */
static const char *errors(const char *src)
{
    size_t before = strlen(hbt_diags());
    parse(src);
    return hbt_diags() + before;
}

static const char *text(SrcSpan s)
{
    return cx_span_text(hbt_cx, s);
}

#define ck_assert_has(hay, needle) \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not found in:\n%s", (needle), (hay))

static const AstStmt *stmt(const AstBody *b, uint32_t i)
{
    ck_assert_uint_lt(i, b->n);
    return b->stmts[i];
}

/* ---- the examples from language.md ---- */

static const char std_sketch[] =
        "hbnn 0.1\n"
        "# Standard blocks. Labels inside a block become weight-name components (b1.dw.weight, "
        "...).\n"
        "\n"
        "block conv_bn_act(out: int, k: int = 3, stride: int = 1, act: act = sign, w: quant = "
        "inherit) {\n"
        "    conv: conv2d(out, kernel=k, stride=stride, pad=same, bias=false)  weights w\n"
        "    bn:   batchnorm\n"
        "          act\n"
        "}\n"
        "\n"
        "block dw_separable(out: int, stride: int = 1, act: act = sign,\n"
        "                   wdw: quant = inherit, wpw: quant = inherit) {\n"
        "    dw:    dwconv2d(kernel=3x3, stride=stride, pad=1, bias=false)     weights wdw\n"
        "    dw_bn: batchnorm\n"
        "           act\n"
        "    pw:    conv2d(out, kernel=1x1, bias=false)                        weights wpw\n"
        "    pw_bn: batchnorm\n"
        "           act\n"
        "}\n"
        "\n"
        "block residual(ch: int, act: act = sign, w: quant = inherit) {       # identity shortcut\n"
        "    c1: conv2d(ch, kernel=3x3, pad=1, bias=false)  weights w\n"
        "    b1: batchnorm\n"
        "        act\n"
        "    c2: conv2d(ch, kernel=3x3, pad=1, bias=false)  weights w\n"
        "    b2: batchnorm\n"
        "        add(in, prev)\n"
        "        act\n"
        "}\n"
        "\n"
        "block residual_down(ch: int, stride: int = 2, act: act = sign, w: quant = inherit) {\n"
        "    c1: conv2d(ch, kernel=3x3, stride=stride, pad=1, bias=false)  weights w\n"
        "    b1: batchnorm\n"
        "        act\n"
        "    c2: conv2d(ch, kernel=3x3, pad=1, bias=false)                 weights w\n"
        "    b2: batchnorm\n"
        "    sc: conv2d(ch, kernel=1x1, stride=stride, bias=false) from in  weights int 8   # "
        "projection shortcut\n"
        "    sb: batchnorm\n"
        "        add(b2, sb)\n"
        "        act\n"
        "}\n";

static const char example_a[] =
        "hbnn 0.1\n"
        "# digits_mlp.hb: MLP for the 8x8 digits set (sklearn \"digits\": 1797 images, pixels "
        "0..16)\n"
        "# Trained in PyTorch as:\n"
        "#   fc1 = Linear(64,128); bn1 = BatchNorm1d(128); fc2 = Linear(128,64); bn2 = "
        "BatchNorm1d(64); fc3 = Linear(64,10)\n"
        "# and saved with safetensors' save_file(model.state_dict(), \"digits_mlp.safetensors\").\n"
        "\n"
        "weights \"digits_mlp.safetensors\"\n"
        "\n"
        "network digits_mlp {\n"
        "    input x: f32[64]                       # pixels scaled to 0..1 by the caller\n"
        "\n"
        "    defaults {\n"
        "        weights bits 1:70% 2:20% 3:10%     # 1.4 bits on average\n"
        "                select middle-out scale per-channel\n"
        "    }\n"
        "\n"
        "    fc1:  dense(128)   weights int 8       # first layer stays 8-bit\n"
        "    bn1:  batchnorm\n"
        "          sign                             # binary activations into fc2\n"
        "\n"
        "    fc2:  dense(64)                        # uses the defaults above\n"
        "    bn2:  batchnorm\n"
        "          quant bits 1:50% 2:50%           # heterogeneous activations into fc3\n"
        "\n"
        "    fc3:  dense(10)    weights int 8       # last layer stays 8-bit\n"
        "    probs: softmax\n"
        "\n"
        "    output probs\n"
        "}\n";

static const char example_b[] =
        "hbnn 0.1\n"
        "# cifar_vgg.hb: 6 conv layers, 3 poolings, one classifier. Input 3x32x32, 10 classes.\n"
        "# PyTorch modules: c1, b1, then s1..s5 each with .conv and .bn, then fc.\n"
        "\n"
        "weights \"cifar_vgg.safetensors\"\n"
        "\n"
        "# A local block; std.conv_bn_act does the same thing.\n"
        "block cbs(out: int, w: quant = inherit) {\n"
        "    conv: conv2d(out, kernel=3x3, pad=same, bias=false)   weights w\n"
        "    bn:   batchnorm\n"
        "          sign\n"
        "}\n"
        "\n"
        "network cifar_vgg {\n"
        "    input x: f32[3, 32, 32]\n"
        "\n"
        "    defaults conv2d { weights bits 1:70% 2:20% 3:10%  select middle-out  scale "
        "per-channel }\n"
        "\n"
        "    c1: conv2d(64, kernel=3x3, pad=same)   weights int 8    # first conv at 8 bits\n"
        "    b1: batchnorm\n"
        "        sign\n"
        "\n"
        "    s1: cbs(64)\n"
        "        maxpool(2)                                          # 32 -> 16\n"
        "    s2: cbs(128)\n"
        "    s3: cbs(128)\n"
        "        maxpool(2)                                          # 16 -> 8\n"
        "    s4: cbs(256, w = bits 1:50% 2:50%)                      # widest layer: a little more "
        "precision\n"
        "    s5: cbs(256)\n"
        "        maxpool(2)                                          # 8 -> 4\n"
        "        flatten                                             # 256*4*4 = 4096, C,H,W "
        "order\n"
        "\n"
        "    fc: dense(10)   weights int 8\n"
        "        argmax\n"
        "}\n";

static const char example_b_budget[] =
        "# budget_13.hb: use with  hbnnc cifar_vgg.hb --quant budget_13.hb -o cifar_13.so\n"
        "override cifar_vgg {\n"
        "    s1.conv   weights bits 1:80% 2:15% 3:5%\n"
        "    s2.conv   weights bits 1:80% 2:15% 3:5%\n"
        "    s4.conv   weights bits 1:70% 2:30%  select top-down\n"
        "    c1        weights int 6\n"
        "}\n";

static const char example_c[] =
        "hbnn 0.1\n"
        "# mbv1_050.hb: MobileNet-v1 with width multiplier 0.5, written as the paper's table.\n"
        "import std\n"
        "\n"
        "weights \"mbv1_050.safetensors\" {\n"
        "    # the trained model used torchvision-style names for the stem\n"
        "    stem    = \"features.0.0\"\n"
        "    stem_bn = \"features.0.1\"\n"
        "}\n"
        "\n"
        "network mobilenet_v1_050 {\n"
        "    input x: f32[3, 96, 96]\n"
        "\n"
        "    defaults          { weights bits 1:70% 2:20% 3:10%  select middle-out  scale "
        "per-channel }\n"
        "    defaults dwconv2d { weights bits 2 }         # a 3x3 depthwise filter has only 9 "
        "weights\n"
        "\n"
        "    stem:    conv2d(16, kernel=3x3, stride=2, pad=1, bias=false)   weights int 8   # 96 "
        "-> 48\n"
        "    stem_bn: batchnorm\n"
        "             relu\n"
        "\n"
        "    #    block                   out   stride                            output\n"
        "    b1:  std.dw_separable(        32)                                  # 48x48\n"
        "    b2:  std.dw_separable(        64,  stride=2)                       # 24x24\n"
        "    b3:  std.dw_separable(        64)\n"
        "    b4:  std.dw_separable(       128,  stride=2)                       # 12x12\n"
        "    b5:  std.dw_separable(       128)\n"
        "    b6:  std.dw_separable(       256,  stride=2)                       #  6x6\n"
        "    b7:  std.dw_separable(       256)\n"
        "    b8:  std.dw_separable(       256)\n"
        "    b9:  std.dw_separable(       256)\n"
        "    b10: std.dw_separable(       256)\n"
        "    b11: std.dw_separable(       256)\n"
        "    b12: std.dw_separable(       512,  stride=2)                       #  3x3\n"
        "    b13: std.dw_separable(       512,  act=relu, wpw=int 8)            # keep the last "
        "block richer\n"
        "\n"
        "         avgpool(global)                                               # 512x1x1\n"
        "         flatten\n"
        "    fc:  dense(10)   weights int 8\n"
        "    probs: softmax\n"
        "}\n";

START_TEST(test_example_a)
{
    ck_assert_str_eq(dump_ok(example_a), "(hbnn 0.1)\n"
                                         "(weights \"digits_mlp.safetensors\")\n"
                                         "(network digits_mlp\n"
                                         "  (input x f32 [64])\n"
                                         "  (defaults\n"
                                         "    (weights (bits (1 70%) (2 20%) (3 10%) (select "
                                         "middle-out) (scale per-channel))))\n"
                                         "  (layer fc1 (call dense 128) (weights (int 8)))\n"
                                         "  (layer bn1 (call batchnorm))\n"
                                         "  (layer - (call sign))\n"
                                         "  (layer fc2 (call dense 64))\n"
                                         "  (layer bn2 (call batchnorm))\n"
                                         "  (layer - (quant (bits (1 50%) (2 50%))))\n"
                                         "  (layer fc3 (call dense 10) (weights (int 8)))\n"
                                         "  (layer probs (call softmax))\n"
                                         "  (output probs))\n");
}
END_TEST

START_TEST(test_example_b)
{
    AstFile *f = parse(example_b);
    ck_assert_str_eq(hbt_diags(), "");
    const char *d = dump_file(f);
    ck_assert_has(d, "(block cbs\n"
                     "  (param out int)\n"
                     "  (param w quant (inherit))\n"
                     "  (layer conv (call conv2d out kernel=3x3 pad=same bias=false) (weights w))\n"
                     "  (layer bn (call batchnorm))\n"
                     "  (layer - (call sign)))\n");
    ck_assert_has(d, "  (defaults conv2d\n    (weights (bits (1 70%) (2 20%) (3 10%) "
                     "(select middle-out) (scale per-channel))))\n");
    ck_assert_has(d, "  (layer s4 (call cbs 256 w=(bits (1 50%) (2 50%))))\n");
    ck_assert_has(d, "  (layer - (call flatten))\n"
                     "  (layer fc (call dense 10) (weights (int 8)))\n"
                     "  (layer - (call argmax)))\n");
    ck_assert_uint_eq(f->nitems, 3);
    const AstNetwork *n = &f->items[2].network;
    ck_assert_uint_eq(n->body.n, 16);
    const AstLayer *s4 = &stmt(&n->body, 10)->layer;
    ck_assert_str_eq(s4->label, "s4");
    ck_assert_ptr_null(s4->args[0].name);
    ck_assert_str_eq(s4->args[1].name, "w");
    ck_assert_int_eq(s4->args[1].value->kind, AE_QSPEC);
    ck_assert_int_eq(s4->args[1].value->qspec->kind, AQ_DIST);
    ck_assert_str_eq(text(s4->args[1].span), "w = bits 1:50% 2:50%");
}
END_TEST

START_TEST(test_example_b_override)
{
    ck_assert_str_eq(dump_ok(example_b_budget),
                     "(override cifar_vgg\n"
                     "  (entry s1.conv (weights (bits (1 80%) (2 15%) (3 5%))))\n"
                     "  (entry s2.conv (weights (bits (1 80%) (2 15%) (3 5%))))\n"
                     "  (entry s4.conv (weights (bits (1 70%) (2 30%) (select top-down))))\n"
                     "  (entry c1 (weights (int 6))))\n");
}
END_TEST

START_TEST(test_example_c)
{
    AstFile *f = parse(example_c);
    ck_assert_str_eq(hbt_diags(), "");
    const char *d = dump_file(f);
    ck_assert_has(d, "(hbnn 0.1)\n(import std)\n(weights \"mbv1_050.safetensors\"\n"
                     "  (rename stem \"features.0.0\")\n"
                     "  (rename stem_bn \"features.0.1\"))\n");
    ck_assert_has(d, "  (defaults dwconv2d\n    (weights (bits 2)))\n");
    ck_assert_has(d, "  (layer b2 (call std.dw_separable 64 stride=2))\n");
    ck_assert_has(d, "  (layer b13 (call std.dw_separable 512 act=relu wpw=(int 8)))\n"
                     "  (layer - (call avgpool global))\n");
    ck_assert_uint_eq(f->nitems, 3);
    ck_assert_int_eq(f->items[0].kind, AI_IMPORT);
    ck_assert_int_eq(f->items[1].kind, AI_WEIGHTS);
    ck_assert_uint_eq(f->items[1].weights.nrenames, 2);
    const AstBody *b = &f->items[2].network.body;
    ck_assert_uint_eq(b->n, 23);
    const AstLayer *b13 = &stmt(b, 18)->layer;
    ck_assert_str_eq(b13->label, "b13");
    ck_assert_uint_eq(b13->name.n, 2);
    ck_assert_str_eq(b13->name.parts[1], "dw_separable");
    ck_assert_str_eq(text(b13->name.span), "std.dw_separable");
    ck_assert_int_eq(b13->args[1].value->kind, AE_IDENT);
    ck_assert_int_eq(b13->args[2].value->qspec->kind, AQ_INT);
    ck_assert_str_eq(text(b13->args_span), "(       512,  act=relu, wpw=int 8)");
}
END_TEST

START_TEST(test_std_sketch)
{
    AstFile *f = parse(std_sketch);
    ck_assert_str_eq(hbt_diags(), "");
    ck_assert_uint_eq(f->nitems, 4);
    const AstBlock *cba = &f->items[0].block;
    ck_assert_str_eq(cba->name, "conv_bn_act");
    ck_assert_uint_eq(cba->nparams, 5);
    ck_assert_str_eq(cba->params[1].type, "int");
    ck_assert_int_eq(cba->params[1].def->ival, 3);
    ck_assert_str_eq(cba->params[3].type, "act");
    ck_assert_str_eq(cba->params[3].def->name, "sign");
    ck_assert_str_eq(cba->params[4].type, "quant");
    ck_assert_int_eq(cba->params[4].def->qspec->kind, AQ_INHERIT);
    ck_assert_ptr_null(cba->params[0].def);
    const AstLayer *conv = &stmt(&cba->body, 0)->layer;
    ck_assert_int_eq(conv->clauses[0].kind, ACL_WEIGHTS_PARAM);
    ck_assert_str_eq(conv->clauses[0].param, "w");
    // The bare `act` line is a call of the act parameter, unlabelled and without parens.
    const AstLayer *act = &stmt(&cba->body, 2)->layer;
    ck_assert_ptr_null(act->label);
    ck_assert(!act->has_parens);
    ck_assert_str_eq(act->name.parts[0], "act");
    ck_assert_uint_eq(f->items[1].block.nparams, 5); // parameters across two lines
    const char *d = dump_file(f);
    ck_assert_has(d, "  (layer - (call add in prev))\n");
    ck_assert_has(d, "  (layer sc (call conv2d ch kernel=1x1 stride=stride bias=false) "
                     "(from in) (weights (int 8)))\n");
}
END_TEST

/* ---- forms ---- */

START_TEST(test_items_without_newlines)
{
    // `weights` joins the previous line, so these items arrive on one "line"; the
    // file also ends without a newline.
    AstFile *f = parse("hbnn 0.1\nweights \"x.safetensors\"\nimport std\n"
                       "weights \"y.npz\"\nnetwork n {\n}");
    ck_assert_str_eq(hbt_diags(), "");
    ck_assert(f->has_version);
    ck_assert_str_eq(f->version, "0.1");
    ck_assert_str_eq(text(f->version_span), "0.1");
    ck_assert_str_eq(dump_file(f), "(hbnn 0.1)\n(weights \"x.safetensors\")\n(import std)\n"
                                   "(weights \"y.npz\")\n(network n)\n");
    ck_assert_str_eq(dump_ok("network a { }  network b {\n\n}"), "(network a)\n(network b)\n");
}
END_TEST

START_TEST(test_empty_files)
{
    AstFile *f = parse("");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->nitems, 0);
    ck_assert(!f->has_version);
    f = parse("# only a comment\n\n   # and another");
    ck_assert_uint_eq(f->nitems, 0);
    ck_assert_str_eq(hbt_diags(), "");
    ck_assert_str_eq(dump_ok("\n\nhbnn 0.1"), "(hbnn 0.1)\n");
}
END_TEST

START_TEST(test_qspec_forms)
{
    ck_assert_str_eq(dump_ok("defaults {\n"
                             "    weights bits 3\n"
                             "    weights bits 2:100%\n"
                             "    weights bits avg 1.4\n"
                             "    weights bits avg 2\n"
                             "    weights int 8\n"
                             "    weights float\n"
                             "    weights inherit\n"
                             "    acts bits 1:12.5% 2:0.05% 3:rest scale per-tensor\n"
                             "         group element select mo-residual\n"
                             "    weights bits 2 select random(42)\n"
                             "    weights bits 2 select bogus scale wat group x-y\n"
                             "}\n"),
                     "(defaults\n"
                     "  (weights (bits 3))\n"
                     "  (weights (bits (2 100%)))\n"
                     "  (weights (bits avg 1.4))\n"
                     "  (weights (bits avg 2))\n"
                     "  (weights (int 8))\n"
                     "  (weights (float))\n"
                     "  (weights (inherit))\n"
                     "  (acts (bits (1 12.5%) (2 0.05%) (3 rest) (scale per-tensor) "
                     "(group element) (select mo-residual)))\n"
                     "  (weights (bits 2 (select random 42)))\n"
                     "  (weights (bits 2 (select bogus) (scale wat) (group x-y))))\n");
}
END_TEST

START_TEST(test_qspec_fields)
{
    AstFile *f = parse("defaults { weights bits 1:60% 2:rest select random(7) scale per-channel }");
    ck_assert_str_eq(hbt_diags(), "");
    const AstQspec *q = f->items[0].defaults.lines[0].qspec;
    ck_assert_int_eq(q->kind, AQ_DIST);
    ck_assert_uint_eq(q->nshares, 2);
    ck_assert_int_eq(q->shares[0].bits, 1);
    ck_assert(q->shares[0].percent == 60.0);
    ck_assert(!q->shares[0].rest);
    ck_assert(q->shares[1].rest);
    ck_assert_str_eq(text(q->shares[1].span), "2:rest");
    ck_assert_str_eq(text(q->shares[1].bits_span), "2");
    ck_assert_str_eq(text(q->kind_span), "bits 1:60% 2:rest");
    ck_assert_str_eq(text(q->span), "bits 1:60% 2:rest select random(7) scale per-channel");
    ck_assert_uint_eq(q->nopts, 2);
    ck_assert_int_eq(q->opts[0].kind, AQO_SELECT);
    ck_assert_str_eq(q->opts[0].value, "random");
    ck_assert_str_eq(text(q->opts[0].value_span), "random");
    ck_assert(q->opts[0].has_seed);
    ck_assert_int_eq(q->opts[0].seed, 7);
    ck_assert_str_eq(text(q->opts[0].span), "select random(7)");
    ck_assert_int_eq(q->opts[1].kind, AQO_SCALE);
    ck_assert(!q->opts[1].has_seed);
    ck_assert_str_eq(text(f->items[0].defaults.lines[0].span),
                     "weights bits 1:60% 2:rest select random(7) scale per-channel");
}
END_TEST

START_TEST(test_defaults_forms)
{
    AstFile *f = parse("defaults { weights int 8 }\n"
                       "network n {\n"
                       "    defaults conv2d {\n"
                       "        weights bits 2\n"
                       "        weights bits 1 acts bits 1\n"
                       "\n"
                       "        acts int 4\n"
                       "    }\n"
                       "    defaults {}\n"
                       "}\n");
    ck_assert_str_eq(hbt_diags(), "");
    ck_assert_int_eq(f->items[0].kind, AI_DEFAULTS);
    ck_assert_ptr_null(f->items[0].defaults.op);
    const AstDefaults *d = &stmt(&f->items[1].network.body, 0)->defaults;
    ck_assert_str_eq(d->op, "conv2d");
    ck_assert_str_eq(text(d->op_span), "conv2d");
    ck_assert_uint_eq(d->nlines, 4);
    ck_assert_int_eq(d->lines[2].kind, ADL_ACTS);
    ck_assert_str_eq(text(d->span), "defaults conv2d {\n        weights bits 2\n"
                                    "        weights bits 1 acts bits 1\n\n"
                                    "        acts int 4\n    }");
    ck_assert_uint_eq(stmt(&f->items[1].network.body, 1)->defaults.nlines, 0);
}
END_TEST

START_TEST(test_weights_file_forms)
{
    ck_assert_str_eq(dump_ok("weights \"w.safetensors\" layout keras prefix \"module.\" {\n"
                             "    a.b = \"x\"  c = \"y\"\n"
                             "\n"
                             "    d = \"z\" }\n"
                             "weights \"v.npz\" {}\n"),
                     "(weights \"w.safetensors\" (layout keras) (prefix \"module.\")\n"
                     "  (rename a.b \"x\")\n"
                     "  (rename c \"y\")\n"
                     "  (rename d \"z\"))\n"
                     "(weights \"v.npz\")\n");
    AstFile *f = parse("weights \"w\" prefix \"p\" { s1.conv = \"f.0\" }");
    const AstWeightsFile *w = &f->items[0].weights;
    ck_assert_str_eq(text(w->file_span), "\"w\"");
    ck_assert_str_eq(text(w->prefix_span), "\"p\"");
    ck_assert_str_eq(text(w->renames[0].path.span), "s1.conv");
    ck_assert_str_eq(text(w->renames[0].span), "s1.conv = \"f.0\"");
    ck_assert_str_eq(text(w->span), "weights \"w\" prefix \"p\" { s1.conv = \"f.0\" }");
}
END_TEST

START_TEST(test_import_forms)
{
    ck_assert_str_eq(dump_ok("import std\nimport std as s\nimport \"blocks.hb\" as my\n"
                             "import \"x.hb\"\n"),
                     "(import std)\n(import std as s)\n(import \"blocks.hb\" as my)\n"
                     "(import \"x.hb\")\n");
    AstFile *f = parse("import \"blocks.hb\" as my");
    const AstImport *im = &f->items[0].import;
    ck_assert_ptr_null(im->name);
    ck_assert_str_eq(im->file, "blocks.hb");
    ck_assert_str_eq(im->alias, "my");
    ck_assert_str_eq(text(im->target_span), "\"blocks.hb\"");
    ck_assert_str_eq(text(im->alias_span), "my");
    ck_assert_str_eq(text(im->span), "import \"blocks.hb\" as my");
}
END_TEST

START_TEST(test_layer_forms)
{
    ck_assert_str_eq(dump_ok("network n {\n"
                             "    relu\n"
                             "    relu()\n"
                             "    quant\n"
                             "    q: quant bits 2 scale static\n"
                             "    a: std.relu\n"
                             "    b: add(in, prev) from s1.conv\n"
                             "    c: conv2d(8) params \"features.0\"\n"
                             "    d: conv2d(8) params weight=\"a\" bias=\"b\"\n"
                             "    e: conv2d(8) from in\n"
                             "    f: conv2d(8) from prev weights w\n"
                             "    g: conv2d(8)\n"
                             "       params weight=\"x\"\n"
                             "       from in\n"
                             "}\n"),
                     "(network n\n"
                     "  (layer - (call relu))\n"
                     "  (layer - (call relu ()))\n"
                     "  (layer - (quant))\n"
                     "  (layer q (quant (bits 2 (scale static))))\n"
                     "  (layer a (call std.relu))\n"
                     "  (layer b (call add in prev) (from s1.conv))\n"
                     "  (layer c (call conv2d 8) (params \"features.0\"))\n"
                     "  (layer d (call conv2d 8) (params weight=\"a\" bias=\"b\"))\n"
                     "  (layer e (call conv2d 8) (from in))\n"
                     "  (layer f (call conv2d 8) (from prev) (weights w))\n"
                     "  (layer g (call conv2d 8) (params weight=\"x\") (from in)))\n");
}
END_TEST

START_TEST(test_layer_fields)
{
    AstFile *f = parse("network n {\n"
                       "    fc1: dense(128)  weights bits 1:60% 2:rest  # comment\n"
                       "         from x  params weight=\"w\" bias=\"b\"\n"
                       "    relu\n"
                       "    quant\n"
                       "}\n");
    ck_assert_str_eq(hbt_diags(), "");
    const AstStmt *st = stmt(&f->items[0].network.body, 0);
    const AstLayer *l = &st->layer;
    ck_assert_int_eq(st->kind, AS_LAYER);
    ck_assert_str_eq(text(st->span), "fc1: dense(128)  weights bits 1:60% 2:rest  # comment\n"
                                     "         from x  params weight=\"w\" bias=\"b\"");
    ck_assert_str_eq(text(l->span), text(st->span));
    ck_assert_str_eq(text(l->label_span), "fc1");
    ck_assert_int_eq(l->op_kind, AOP_CALL);
    ck_assert(l->has_parens);
    ck_assert_str_eq(text(l->name.span), "dense");
    ck_assert_str_eq(text(l->args_span), "(128)");
    ck_assert_str_eq(text(l->args[0].span), "128");
    ck_assert_uint_eq(l->nclauses, 3);
    ck_assert_int_eq(l->clauses[0].kind, ACL_WEIGHTS);
    ck_assert_str_eq(text(l->clauses[0].span), "weights bits 1:60% 2:rest");
    ck_assert_int_eq(l->clauses[1].kind, ACL_FROM);
    ck_assert_int_eq(l->clauses[1].from_kind, AF_PATH);
    ck_assert_str_eq(l->clauses[1].from.parts[0], "x");
    ck_assert_int_eq(l->clauses[2].kind, ACL_PARAMS_NAMED);
    ck_assert_uint_eq(l->clauses[2].nnamed, 2);
    ck_assert_str_eq(l->clauses[2].named[1].name, "bias");
    ck_assert_str_eq(l->clauses[2].named[1].value, "b");
    ck_assert_str_eq(text(l->clauses[2].named[1].value_span), "\"b\"");
    ck_assert_str_eq(text(l->clauses[2].span), "params weight=\"w\" bias=\"b\"");
    const AstLayer *relu = &stmt(&f->items[0].network.body, 1)->layer;
    ck_assert(!relu->has_parens);
    ck_assert_uint_eq(relu->nargs, 0);
    ck_assert_str_eq(text(relu->span), "relu");
    const AstLayer *q = &stmt(&f->items[0].network.body, 2)->layer;
    ck_assert_int_eq(q->op_kind, AOP_QUANT);
    ck_assert_ptr_null(q->qspec);
}
END_TEST

START_TEST(test_values)
{
    ck_assert_str_eq(
            dump_ok("network n {\n"
                    "    f(a + b * c - -d / (e - f), 2.0, 1e-5, 0.1, 3x3, \"s\\\"q\", [1, [2, "
                    "3]],\n"
                    "      [], true, false, quant, quant bits 2, int 4, float, s1.conv, std.relu,\n"
                    "      relu, in, prev, k=bits avg 1.5, pad=[0, 1, 0, 1])\n"
                    "}\n"),
            "(network n\n"
            "  (layer - (call f (- (+ a (* b c)) (/ (- d) (- e f))) 2.0 1e-05 0.1 3x3 \"s\\\"q\" "
            "[1 [2 3]] [] true false (quant) (quant (bits 2)) (int 4) (float) s1.conv std.relu "
            "relu in prev k=(bits avg 1.5) pad=[0 1 0 1])))\n");
}
END_TEST

START_TEST(test_value_kinds)
{
    AstFile *f =
            parse("network n {\n    f(s1.conv, relu, 3x1, (c - 1) * 2, act=quant bits 2)\n}\n");
    ck_assert_str_eq(hbt_diags(), "");
    const AstLayer *l = &stmt(&f->items[0].network.body, 0)->layer;
    ck_assert_int_eq(l->args[0].value->kind, AE_PATH);
    ck_assert_uint_eq(l->args[0].value->path.n, 2);
    ck_assert_int_eq(l->args[1].value->kind, AE_IDENT);
    const AstExpr *dims = l->args[2].value;
    ck_assert_int_eq(dims->kind, AE_DIMS);
    ck_assert_int_eq(dims->dims[0], 3);
    ck_assert_int_eq(dims->dims[1], 1);
    const AstExpr *mul = l->args[3].value;
    ck_assert_int_eq(mul->kind, AE_BINOP);
    ck_assert_int_eq(mul->op, '*');
    ck_assert_str_eq(text(mul->span), "(c - 1) * 2");
    ck_assert_str_eq(text(mul->lhs->span), "(c - 1)");
    const AstExpr *act = l->args[4].value;
    ck_assert_int_eq(act->kind, AE_QUANT);
    ck_assert_int_eq(act->qspec->bits, 2);
    ck_assert_str_eq(l->args[4].name, "act");
    ck_assert_str_eq(text(l->args[4].name_span), "act");
    ck_assert_str_eq(text(act->span), "quant bits 2");
}
END_TEST

START_TEST(test_block_params)
{
    ck_assert_str_eq(
            dump_ok("block b(a: int, b: float = 1.5, c: bool = true, d: quant = bits 2,\n"
                    "        e: act = quant bits 2, f: pad = [1, 1, 0, 0], g: act = std.relu,\n"
                    "        h: int = out * 2) {\n"
                    "    relu\n"
                    "}\n"
                    "block e() {\n}\n"),
            "(block b\n"
            "  (param a int)\n"
            "  (param b float 1.5)\n"
            "  (param c bool true)\n"
            "  (param d quant (bits 2))\n"
            "  (param e act (quant (bits 2)))\n"
            "  (param f pad [1 1 0 0])\n"
            "  (param g act std.relu)\n"
            "  (param h int (* out 2))\n"
            "  (layer - (call relu)))\n"
            "(block e)\n");
    AstFile *f = parse("block b(x: int = 3) { relu }");
    const AstParam *p = &f->items[0].block.params[0];
    ck_assert_str_eq(text(p->span), "x: int = 3");
    ck_assert_str_eq(text(p->name_span), "x");
    ck_assert_str_eq(text(p->type_span), "int");
    ck_assert_str_eq(text(f->items[0].block.name_span), "b");
}
END_TEST

START_TEST(test_input_output)
{
    AstFile *f = parse("network n {\n    input x: f32[3, H,\n      W]\n    output a, b.c\n}\n");
    ck_assert_str_eq(hbt_diags(), "");
    const AstStmt *in = stmt(&f->items[0].network.body, 0);
    ck_assert_int_eq(in->kind, AS_INPUT);
    ck_assert_str_eq(in->input.name, "x");
    ck_assert_str_eq(in->input.dtype, "f32");
    ck_assert_str_eq(text(in->input.dtype_span), "f32");
    ck_assert_uint_eq(in->input.ndims, 3);
    ck_assert_int_eq(in->input.dims[0]->kind, AE_INT);
    ck_assert_int_eq(in->input.dims[1]->kind, AE_IDENT);
    ck_assert_str_eq(text(in->span), "input x: f32[3, H,\n      W]");
    const AstStmt *out = stmt(&f->items[0].network.body, 1);
    ck_assert_int_eq(out->kind, AS_OUTPUT);
    ck_assert_uint_eq(out->output.npaths, 2);
    ck_assert_str_eq(text(out->output.paths[1].span), "b.c");
    ck_assert_str_eq(text(out->span), "output a, b.c");
    ck_assert_str_eq(dump_file(f), "(network n\n  (input x f32 [3 H W])\n  (output a b.c))\n");
}
END_TEST

START_TEST(test_item_spans)
{
    AstFile *f = parse(
            "\n# c\nnetwork n {\n    relu\n}  # trailing\noverride n {\n    a weights int 8\n}");
    ck_assert_str_eq(hbt_diags(), "");
    ck_assert_str_eq(text(f->items[0].span), "network n {\n    relu\n}");
    ck_assert_str_eq(text(f->items[0].network.span), "network n {\n    relu\n}");
    ck_assert_str_eq(text(f->items[0].network.name_span), "n");
    const AstOverride *o = &f->items[1].override;
    ck_assert_str_eq(o->network, "n");
    ck_assert_str_eq(text(o->lines[0].span), "a weights int 8");
    ck_assert_str_eq(text(o->lines[0].path.span), "a");
}
END_TEST

/* ---- syntax errors ---- */

START_TEST(test_err_reserved_label)
{
    ck_assert_str_eq(errors("network n {\n"
                            "    input x: f32[4]\n"
                            "    from: dense(10) weights int 8\n"
                            "    a: relu\n"
                            "    input: relu\n"
                            "    b: relu\n"
                            "    in: relu\n"
                            "}\n"),
                     "test.hb:3:5: error: 'from' is a reserved word and cannot be a label\n"
                     "  help: choose another label; 'params \"from\"' keeps the weight names\n"
                     "test.hb:5:5: error: 'input' is a reserved word and cannot be a label\n"
                     "  help: choose another label; 'params \"input\"' keeps the weight names\n"
                     "test.hb:7:5: error: 'in' is a reserved word and cannot be a label\n"
                     "  help: choose another label; 'params \"in\"' keeps the weight names\n");
}
END_TEST

START_TEST(test_err_reserved_name)
{
    ck_assert_str_eq(errors("network input {\n}\n"),
                     "test.hb:1:9: error: expected identifier, found 'input'\n"
                     "  help: 'input' is a reserved word; choose another name\n");
    ck_assert_str_eq(errors("block b(x: int, in: int) {\n}\n"),
                     "test.hb:1:17: error: 'in' is a reserved word and cannot be used as a name\n");
}
END_TEST

START_TEST(test_err_missing_paren)
{
    ck_assert_str_eq(errors("hbnn 0.1\n"
                            "network n {\n"
                            "    input x: f32[64]\n"
                            "    fc1: dense(128\n"
                            "    fc2: dense(10)\n"
                            "    fc3: dense(10 weights int 8\n"
                            "}\n"),
                     "test.hb:5:5: error: expected ')' or ',', found identifier 'fc2'\n"
                     "  help: the '(' on line 4 has no matching ')'\n"
                     "test.hb:6:19: error: expected ')' or ',', found 'weights'\n");
}
END_TEST

START_TEST(test_err_junk_after_statement)
{
    ck_assert_str_eq(
            errors("network n {\n    fc1: dense(128) 42\n    fc2: dense(10) weights int 8 "
                   "foo\n}\n"),
            "test.hb:2:21: error: expected a clause, '}' or newline, "
            "found integer 42\n"
            "test.hb:3:34: error: expected a clause, a quantization option, '}' or newline, "
            "found identifier 'foo'\n");
}
END_TEST

START_TEST(test_err_expected_operation)
{
    ck_assert_str_eq(errors("network n {\n    fc1: = 3\n    a: relu\n    fc2:\n}\n"),
                     "test.hb:2:10: error: expected an operation, found '='\n"
                     "test.hb:4:9: error: expected an operation, found newline\n");
}
END_TEST

START_TEST(test_err_messages)
{
    ck_assert_str_eq(errors("network n {\n    input x: f32[64]\n"),
                     "test.hb:3:1: error: expected a statement or '}', found end of file\n"
                     "  help: the '{' on line 1 has no matching '}'\n");
    ck_assert_str_eq(errors("foo bar\n"),
                     "test.hb:1:1: error: expected a top-level item, found identifier 'foo'\n");
    ck_assert_str_eq(errors("network n {\n    f(1, = 2)\n}\n"),
                     "test.hb:2:10: error: expected a value, found '='\n");
    ck_assert_str_eq(errors("network n {\n    a: f weights\n}\n"),
                     "test.hb:2:17: error: expected identifier or a quantization spec, "
                     "found newline\n");
    ck_assert_str_eq(errors("defaults { weights bits 1:60 2:rest }\n"),
                     "test.hb:1:27: error: expected percentage or 'rest', found integer 60\n");
    ck_assert_str_eq(errors("block b(x: 3) {\n}\n"),
                     "test.hb:1:12: error: expected a parameter type, found integer 3\n");
    ck_assert_str_eq(errors("network n {\n    f(2 * )\n}\n"),
                     "test.hb:2:11: error: expected an expression, found ')'\n");
}
END_TEST

START_TEST(test_err_version)
{
    ck_assert_str_eq(
            errors("network n {}\nhbnn 0.1\nhbnn 0.1\n"),
            "test.hb:2:1: error: the 'hbnn' version line must come before everything else\n"
            "test.hb:3:1: error: duplicate 'hbnn' version line\n");
}
END_TEST

START_TEST(test_err_several_in_one_run)
{
    // Independent errors in a block, at top level and in two statements of a network;
    // everything else still ends up in the tree.
    AstFile *f = parse("block b(x: int y: int) {\n"
                       "    relu\n"
                       "}\n"
                       "network n {\n"
                       "    fc1: dense(128,, 3)\n"
                       "    fc2: dense(64) weights bits 1:\n"
                       "    fc3: dense(10) weights int 8\n"
                       "}\n"
                       "bogus\n"
                       "network m {\n"
                       "    relu\n"
                       "}\n");
    ck_assert_str_eq(hbt_diags(),
                     "test.hb:1:16: error: expected '=', ')' or ',', found identifier 'y'\n"
                     "test.hb:5:20: error: expected a value, found ','\n"
                     "test.hb:6:35: error: expected percentage or 'rest', found newline\n"
                     "test.hb:9:1: error: expected a top-level item, found identifier "
                     "'bogus'\n");
    ck_assert_int_eq(diag_errors(hbt_cx), 4);
    ck_assert_str_eq(dump_file(f), "(network n\n"
                                   "  (layer fc3 (call dense 10) (weights (int 8))))\n"
                                   "(network m\n"
                                   "  (layer - (call relu)))\n");
}
END_TEST

START_TEST(test_err_lexical_in_parse)
{
    // Lexical errors do not derail the parser: the statement is still built.
    AstFile *f = parse("hbnn 0.1\n"
                       "weights \"digits.safetensors\n"
                       "network n {\n"
                       "    fc1: dense(10) $ weights int 8\n"
                       "    fc2: dense(99999999999999999999999)\n"
                       "}\n");
    ck_assert_str_eq(hbt_diags(),
                     "test.hb:2:9: error: unterminated string\n"
                     "  help: a string must end with '\"' on the same line\n"
                     "test.hb:4:20: error: unexpected character '$'\n"
                     "test.hb:5:16: error: integer 99999999999999999999999 is too large (the "
                     "maximum is 9223372036854775807)\n");
    ck_assert_str_eq(dump_file(f), "(hbnn 0.1)\n"
                                   "(weights \"digits.safetensors\")\n"
                                   "(network n\n"
                                   "  (layer fc1 (call dense 10) (weights (int 8)))\n"
                                   "  (layer fc2 (call dense 9223372036854775807)))\n");
}
END_TEST

START_TEST(test_err_hostile_input)
{
    // Deep nesting hits bison's stack limit: one error, no crash.
    size_t depth = 20000;
    char *src = arena_alloc(&hbt_cx->arena, 2 * depth + 64);
    strcpy(src, "network n {\n    f(");
    size_t n = strlen(src);
    memset(src + n, '(', depth);
    memset(src + n + depth, ')', depth);
    strcpy(src + n + 2 * depth, ")\n}\n");
    parse(src);
    ck_assert_has(hbt_diags(), "error: the input is nested too deeply\n");
    // A NUL byte in the middle of the text.
    uint32_t id = cx_add_source(hbt_cx, "test.hb", "network n {\n  relu\0\n}\n", 22);
    size_t before = strlen(hbt_diags());
    AstFile *f = parse_file(hbt_cx, id);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(hbt_diags() + before, "test.hb:2:7: error: unexpected NUL byte\n");
    ck_assert_uint_eq(f->nitems, 1);
}
END_TEST

Suite *suite_parser(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("examples");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_example_a);
    tcase_add_test(tc, test_example_b);
    tcase_add_test(tc, test_example_b_override);
    tcase_add_test(tc, test_example_c);
    tcase_add_test(tc, test_std_sketch);
    suite_add_tcase(s, tc);
    TCase *tf = tcase_create("forms");
    tcase_add_checked_fixture(tf, hbt_setup, hbt_teardown);
    tcase_add_test(tf, test_items_without_newlines);
    tcase_add_test(tf, test_empty_files);
    tcase_add_test(tf, test_qspec_forms);
    tcase_add_test(tf, test_qspec_fields);
    tcase_add_test(tf, test_defaults_forms);
    tcase_add_test(tf, test_weights_file_forms);
    tcase_add_test(tf, test_import_forms);
    tcase_add_test(tf, test_layer_forms);
    tcase_add_test(tf, test_layer_fields);
    tcase_add_test(tf, test_values);
    tcase_add_test(tf, test_value_kinds);
    tcase_add_test(tf, test_block_params);
    tcase_add_test(tf, test_input_output);
    tcase_add_test(tf, test_item_spans);
    suite_add_tcase(s, tf);
    TCase *te = tcase_create("errors");
    tcase_add_checked_fixture(te, hbt_setup, hbt_teardown);
    tcase_add_test(te, test_err_reserved_label);
    tcase_add_test(te, test_err_reserved_name);
    tcase_add_test(te, test_err_missing_paren);
    tcase_add_test(te, test_err_junk_after_statement);
    tcase_add_test(te, test_err_expected_operation);
    tcase_add_test(te, test_err_messages);
    tcase_add_test(te, test_err_version);
    tcase_add_test(te, test_err_several_in_one_run);
    tcase_add_test(te, test_err_lexical_in_parse);
    tcase_add_test(te, test_err_hostile_input);
    suite_add_tcase(s, te);
    return s;
}
