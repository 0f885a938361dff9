// SPDX-License-Identifier: MIT
/* check_ir.c: the kernel IR: print -> parse -> print is the identity (hand-written
 * modules and lowered networks), the verifier accepts them and rejects hand-broken
 * modules with located messages, and the interpreter runs parsed text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bind.h"
#include "interp.h"
#include "lower.h"
#include "quant.h"
#include "sema.h"
#include "test_util.h"

static const char *print_str(const IrModule *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ir_print(fp, m);
    fclose(fp);
    const char *s = arena_strdup(&hbt_cx->arena, buf);
    free(buf);
    return s;
}

static IrModule *parse_str(const char *text)
{
    uint32_t id = cx_add_source(hbt_cx, "t.ir", text, (uint32_t)strlen(text));
    return ir_parse(hbt_cx, id);
}

/* A small module using every kind of constant and the integer path. */
static const char small[] =
        "hbir 1 network t\n\n"
        "%x : f32[4] = input index=0\n"
        "%s : bits<1,unit>[4] = sign %x\n"
        "%p : i32[1, 2] = bpop_dense %s, @w\n"
        "%a : i32[2] = icomb %p, @c shift=0 bound=4\n"
        "%t : bits<1,unit>[2] = threshold %a, @n, @h\n"
        "%q : bits<2,masked,runtime>[4] = quant %x widths=[1,2] fracs=[0.5,0.5] "
        "select=middle-out seed=0\n"
        "%r : f32[4] = dequant %q\n"
        "%f : f32[2] = dequant %t\n"
        "output %f\n"
        "output %r\n"
        "\nconst @w : bits<1>[2, 4] = {\n  plane 0:\n    0x0000000000000005 0x000000000000000f\n}\n"
        "\nconst @c : i32[1, 1] = {\n    1\n}\n"
        "\nconst @n : i32[2] = {\n    0 1\n}\n"
        "\nconst @h : i32[2, 1] = {\n    0 -2\n}\n";

START_TEST(test_roundtrip_small)
{
    IrModule *m = parse_str(small);
    ck_assert_msg(m && ir_verify(hbt_cx, m, "t.ir"), "%s", hbt_diags());
    ck_assert_str_eq(print_str(m), small);
    // x = [1, -1, 0, 2] -> signs [+, -, -, +]; row 0 weights 0b0101 = [+, -, +, -]:
    // S = 1 + 1 - 1 - 1 = 0 >= 0 -> +1; row 1 all + : S = 1 - 1 - 1 + 1 = 0, negated
    // 0 >= -2 -> +1.
    float in[4] = {1, -1, 0, 2}, out[6];
    ck_assert(interp_run_batch(hbt_cx, m, in, 1, out, NULL));
    ck_assert(out[0] == 1.0f && out[1] == 1.0f);
}
END_TEST

static void bind_constant(Graph *g)
{
    uint64_t s = 42;
    for (uint32_t i = 0; i < g->n; i++) {
        GNode *n = &g->nodes[i];
        for (int r = 0; r < TR_COUNT; r++) {
            Shape sh;
            if (!gnode_tensor_shape(g, n, (TensorRole)r, &sh))
                continue;
            WTensor *t = arena_alloc(&hbt_cx->arena, sizeof *t);
            t->dtype = WD_F32, t->rank = sh.rank, t->nelem = shape_elems(&sh);
            for (int k = 0; k < sh.rank; k++)
                t->shape[k] = sh.d[k];
            float *d = arena_calloc(&hbt_cx->arena, t->nelem, sizeof(float));
            for (uint64_t j = 0; j < t->nelem; j++)
                d[j] = r == TR_RUNNING_VAR ? 1.0f
                                           : (float)((double)(hb_rng_next(&s) >> 11) / 9e15 - 0.5);
            t->data = d;
            n->bound[r] = t;
        }
    }
    g->bound = true;
    ck_assert(quantize_graph(hbt_cx, g));
}

/* Check, bind (constant weights) and lower `src`; fails the test on any error. */
static IrModule *lower_src(const char *src)
{
    Graph *g = hbt_graph(src, NULL);
    bind_constant(g);
    IrModule *m = lower_graph(hbt_cx, g, NULL, NULL);
    ck_assert_msg(m, "%s", hbt_diags());
    return m;
}

START_TEST(test_roundtrip_lowered)
{
    IrModule *m =
            lower_src("hbnn 0.1\nnetwork n {\n    input x: f32[2, 6, 6]\n"
                      "    c1: conv2d(4, kernel=3, pad=1) weights int 8\n"
                      "    b1: batchnorm\n        sign\n        maxpool(2)\n"
                      "    c2: conv2d(4, kernel=3, pad=1, groups=2) weights bits 1:70% 2:30%\n"
                      "    b2: batchnorm\n        quant bits 2\n"
                      "    c3: conv2d(3, kernel=1) weights bits 2\n"
                      "        hardtanh(min=-0.5, max=0.25)\n        flatten\n"
                      "    fc: dense(3) weights float\n        softmax\n        argmax\n"
                      "    output fc\n}\n");
    const char *a = print_str(m);
    IrModule *m2 = parse_str(a);
    ck_assert_msg(m2 && ir_verify(hbt_cx, m2, "t.ir"), "%s", hbt_diags());
    ck_assert_str_eq(print_str(m2), a);
}
END_TEST

/* Hand-broken variants of `small`: replace `from` by `to`, expect `msg`. */
typedef struct Broken {
    const char *from, *to, *msg;
} Broken;

static const Broken broken[] = {
        {"= sign %x", "= sign %y", "t.ir:4:29: error: unknown value %y"},
        {"%s : bits<1,unit>[4] = sign %x", "%s : bits<1,unit>[4] = sign %p",
         "error: sign '%s': operand 1 (%p) is used before it is defined"},
        {"bpop_dense %s, @w", "bpop_dense %s", "error: bpop_dense '%p': takes 2 operands, got 1"},
        {"bpop_dense %s, @w", "bpop_dense %s, %x",
         "error: bpop_dense '%p': operand 2 must be a constant"},
        {"%f : f32[2]", "%f : f32[3]", "error: dequant '%f': result must be f32[2], got f32[3]"},
        {"bound=4", "bound=3", "above the stated bound 3"},
        {"0 -2", "0 -2000000000", "threshold 1 (-2000000000) is outside"},
        {"fracs=[0.5,0.5]", "fracs=[0.5,0.6]", "fractions sum to 1.1, expected 1"},
        {"0x000000000000000f", "0x000000000000001f", "padding bits of row 1 are not zero"},
        {"%q : bits<2,masked,runtime>", "%q : bits<2,runtime>",
         "result must have 2 planes and masks"},
        {"{\n    0 1\n}", "{\n    0 2\n}", "negate flag of channel 1 is 2"},
        {"output %r\n", "output %q\n", "output 2 must be an f32 or i32 value"},
        {"%t : bits<1,unit>[2] = threshold", "%t : bits<1,unit>[2] = thresh",
         "t.ir:7:24: error: unknown op 'thresh'"},
        {"{\n    1\n}", "{\n    1 2\n}", "constant @c has more values than its type's 1"},
        {"%s : bits<1,unit>[4]", "%s : bits<2,unit>[4]", "unit scales are for 1-bit"},
        {"shift=0 bound=4", "bound=4", "icomb expects attribute 'shift' here"},
        {"select=middle-out", "select=middle-in",
         "expected a selection (middle-out, top-down, bottom-up, random, mo-residual)"},
};

START_TEST(test_verify_rejects)
{
    const Broken *b = &broken[_i];
    const char *at = strstr(small, b->from);
    ck_assert_msg(at, "case %d: '%s' not in the module", _i, b->from);
    char *text = arena_printf(&hbt_cx->arena, "%.*s%s%s", (int)(at - small), small, b->to,
                              at + strlen(b->from));
    IrModule *m = parse_str(text);
    bool ok = m && ir_verify(hbt_cx, m, "t.ir");
    ck_assert_msg(!ok, "case %d accepted", _i);
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, b->msg), "case %d: expected '%s' in:\n%s", _i, b->msg, d);
}
END_TEST

/* Verifier checks that IR text cannot reach (the parser refuses the input first, or
 * resolves names itself) but a buggy lowering could: corrupt the parsed `small`
 * module in memory. Values: 0 %x, 1 %s, 2 %p, 3 %a, 4 %t, 5 %q, 6 %r, 7 %f; constants:
 * 0 @w, 1 @c, 2 @n, 3 @h; instructions in value order. */
typedef struct Corrupt {
    int what;
    const char *msg;
} Corrupt;

static const Corrupt corrupt[] = {
        {0, "sign '%s': rank 5 is outside 0..4"},
        {1, "dequant '%r': dimension 0 of f32[0] is out of range"},
        {2, "quant '%q': a bits type has 1..8 planes, not 9"},
        {3, "constant @w: 2 words per row, expected 1"},
        {4, "a bits constant carries no scale"},
        {5, "sign '%s': operand 1 refers to nothing"},
        {6, "instruction 1 is malformed"},
        {7, "value %s is defined twice"},
        {8, "constant @w is defined twice"},
        {9, "quant '%q': unknown selection"},
};

START_TEST(test_verify_rejects_memory)
{
    IrModule *m = parse_str(small);
    ck_assert_msg(m && ir_verify(hbt_cx, m, "t.ir"), "%s", hbt_diags());
    switch (corrupt[_i].what) {
    case 0:
        m->values.data[1].type.rank = 5;
        break;
    case 1:
        m->values.data[6].type.d[0] = 0;
        break;
    case 2:
        m->values.data[5].type.bits = 9;
        break;
    case 3:
        m->consts.data[0].wpr = 2;
        break;
    case 4:
        m->consts.data[0].type.scale = IR_SC_UNIT;
        break;
    case 5:
        m->insts.data[1].args[0].id = 999;
        break;
    case 6:
        m->insts.data[1].op = IR_OP_COUNT;
        break;
    case 7:
        m->values.data[2].name = "s";
        break;
    case 8:
        m->consts.data[1].name = "w";
        break;
    case 9:
        ir_quant_select_set(&m->insts.data[5])->i[0] = 99;
        break;
    }
    ck_assert_msg(!ir_verify(hbt_cx, m, "t.ir"), "case %d accepted", _i);
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, corrupt[_i].msg), "case %d: expected '%s' in:\n%s", _i, corrupt[_i].msg,
                  d);
}
END_TEST

/* The one window formula (geometry.h) at its edges, and ir_window on a lowered network
 * agreeing with the result types that sema's shapes gave lowering. */
START_TEST(test_window_geometry)
{
    ck_assert_int_eq(hb_window_out(8, 0, 0, 3, 1, 1), 6);
    ck_assert_int_eq(hb_window_out(8, 1, 1, 3, 2, 1), 4); // floor(7 / 2) + 1
    ck_assert_int_eq(hb_window_out(5, 0, 0, 3, 1, 2), 1); // dilated 3x3 spans 5
    ck_assert_int_eq(hb_window_out(4, 0, 0, 3, 1, 2), 0); // does not fit
    ck_assert_int_eq(hb_window_out(4, 0, 0, 5, 1, 1), 0);
    ck_assert_int_eq(hb_window_out(7, 0, 0, 2, 2, 1), 3); // the last column is dropped
    IrModule *m =
            lower_src("hbnn 0.1\nnetwork n {\n    input x: f32[2, 9, 7]\n"
                      "    c1: conv2d(4, kernel=3, stride=2, pad=1, dilation=2) weights float\n"
                      "        maxpool(2, stride=2, pad=1)\n        avgpool(2, stride=1)\n"
                      "    output c1\n}\n");
    int windows = 0;
    for (uint32_t k = 0; k < m->insts.len; k++) {
        const IrInst *in = &m->insts.data[k];
        if (in->op != IR_OP_CONV2D && in->op != IR_OP_MAXPOOL && in->op != IR_OP_AVGPOOL)
            continue;
        IrWindow w = ir_window(m, in);
        const IrType *t = &m->values.data[in->result].type;
        ck_assert_int_eq(w.OH, t->d[1]);
        ck_assert_int_eq(w.OW, t->d[2]);
        windows++;
    }
    ck_assert_int_eq(windows, 3);
}
END_TEST

/* The text parser refuses duplicate names itself; the verifier's own check (a hash map,
 * linear) is reached by renaming in memory. Lookups see the first of two equal names. */
START_TEST(test_verify_duplicate_names)
{
    IrModule *m = parse_str(small);
    ck_assert_msg(m && ir_verify(hbt_cx, m, "t.ir"), "%s", hbt_diags());
    ck_assert_uint_eq(ir_const_find(m, "n"), 2);
    ck_assert_uint_eq(ir_value_find(m, "q"), 5);
    ck_assert_uint_eq(ir_value_find(m, "nope"), UINT32_MAX);
    m->consts.data[3].name = m->consts.data[1].name; // @h -> @c
    m->values.data[6].name = m->values.data[0].name; // %r -> %x
    ck_assert(!ir_verify(hbt_cx, m, "t.ir"));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "constant @c is defined twice"), "%s", d);
    ck_assert_msg(strstr(d, "value %x is defined twice"), "%s", d);
    ck_assert_uint_eq(ir_value_find(m, "x"), 0);
}
END_TEST

/* Many layers: names made unique by the builder stay distinct and findable (the name
 * index keeps this linear; the old scan was quadratic). */
START_TEST(test_many_names)
{
    IrModule *m = ir_module_new(hbt_cx, "big");
    int64_t four = 4;
    IrType t = ir_type_f32(1, &four);
    enum { N = 5000 };
    for (int k = 0; k < N; k++)
        ir_const_f32(hbt_cx, m, "w", 1, &four, NULL),
                ir_emit(hbt_cx, m, IR_OP_RELU, "r", &t, NULL, 0);
    ck_assert_uint_eq(ir_const_find(m, "w"), 0);
    ck_assert_uint_eq(ir_const_find(m, "w.2"), 1);
    ck_assert_uint_eq(ir_value_find(m, "r.5000"), N - 1);
    ck_assert_uint_eq(ir_value_find(m, "r.5001"), UINT32_MAX);
}
END_TEST

/* Code ranks (maxpool on bits): the rank of (width, code) is its dequant value's
 * position. beta = [1, 0.5]: -1.5 < -0.5 < 0.5 < 1.5 in residual order; middle-out's
 * beta_2 > beta_1 reorders them; masked widths interleave; ties and runtime scales have
 * no ranks; one plane always has them. */
START_TEST(test_code_ranks)
{
    IrModule *m = ir_module_new(hbt_cx, "r");
    int64_t two = 2, three = 3;
    static const float ord[2] = {1, 0.5f}, mo[2] = {1, 1.5f}, tie[2] = {1, 1};
    static const float het[3] = {1.2f, 1.55f, 0.88f};
    uint16_t r[IR_CODE_RANKS];
    IrType t = {.enc = IR_BITS, .bits = 2, .scale = IR_SC_STATIC, .rank = 3, .d = {1, 2, 2}};
    t.scale_const = ir_const_f32(hbt_cx, m, "ord", 1, &two, ord);
    ck_assert(ir_code_ranks(m, &t, r));
    // code bit n = plane n: 0b00 = -1.5, 0b10 = -0.5, 0b01 = 0.5, 0b11 = 1.5
    ck_assert_uint_eq(r[ir_code_index(0, 2, 2)], 0);
    ck_assert_uint_eq(r[ir_code_index(2, 2, 2)], 1);
    ck_assert_uint_eq(r[ir_code_index(1, 2, 2)], 2);
    ck_assert_uint_eq(r[ir_code_index(3, 2, 2)], 3);
    t.scale_const = ir_const_f32(hbt_cx, m, "mo", 1, &two, mo); // -2.5 -1+1.5 1-1.5 2.5
    ck_assert(ir_code_ranks(m, &t, r));
    ck_assert_uint_eq(r[ir_code_index(2, 2, 2)], 2); // 0.5 now above 1 - 1.5 = -0.5
    ck_assert_uint_eq(r[ir_code_index(1, 2, 2)], 1);
    t.scale_const = ir_const_f32(hbt_cx, m, "tie", 1, &two, tie);
    ck_assert(!ir_code_ranks(m, &t, r));
    t.scale = IR_SC_RUNTIME;
    ck_assert(!ir_code_ranks(m, &t, r));
    t = (IrType){.enc = IR_BITS, .bits = 1, .scale = IR_SC_RUNTIME, .rank = 3, .d = {1, 2, 2}};
    ck_assert(ir_code_ranks(m, &t, r));
    ck_assert_uint_eq(r[ir_code_index(1, 1, 1)], 1);
    // masked 3 planes: width 1 code 1 (1.2) lies between 1.2-1.55+0.88 = 0.53 and
    // 1.2+1.55-0.88 = 1.87; bits above the width are ignored
    t = (IrType){.enc = IR_BITS, .bits = 3, .masked = true, .scale = IR_SC_STATIC, .rank = 3};
    t.scale_const = ir_const_f32(hbt_cx, m, "het", 1, &three, het);
    ck_assert(ir_code_ranks(m, &t, r));
    unsigned w1 = r[ir_code_index(1, 1, 3)];
    ck_assert_uint_eq(w1, r[ir_code_index(7, 1, 3)]);
    ck_assert_uint_gt(w1, r[ir_code_index(5, 3, 3)]); // +1.2 -1.55 +0.88
    ck_assert_uint_lt(w1, r[ir_code_index(3, 3, 3)]); // +1.2 +1.55 -0.88
}
END_TEST

Suite *suite_ir(void)
{
    Suite *s = suite_create("ir");
    TCase *tc = tcase_create("ir");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_roundtrip_small);
    tcase_add_test(tc, test_roundtrip_lowered);
    tcase_add_loop_test(tc, test_verify_rejects, 0, (int)(sizeof broken / sizeof *broken));
    tcase_add_loop_test(tc, test_verify_rejects_memory, 0, (int)(sizeof corrupt / sizeof *corrupt));
    tcase_add_test(tc, test_window_geometry);
    tcase_add_test(tc, test_verify_duplicate_names);
    tcase_add_test(tc, test_many_names);
    tcase_add_test(tc, test_code_ranks);
    suite_add_tcase(s, tc);
    return s;
}
