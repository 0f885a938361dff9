// SPDX-License-Identifier: MIT
/* check_oracle.c: every IR op run by the reference interpreter on small IR text modules
 * whose expected outputs were worked out by hand from docs/ir.md §4 (or, for conv2d
 * and softmax, by a separate Python computation; the numbers are pasted here), never
 * by interp*.c. A test fails if an op of ir_ops.h is in no module here. Also boundary
 * cases: relu(-0) = +0, thresholds met exactly (integer-valued lowering threshold w),
 * argmax ties, pool padding with all-negative inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "bind.h"
#include "interp.h"
#include "lower.h"
#include "quant.h"
#include "sema.h"
#include "test_util.h"

typedef struct Oracle {
    const char *name, *text;
    int nin;
    float in[24];
    int nout;
    float out[24];
    double tol; // relative; 0: bit for bit
} Oracle;

#define HDR "hbir 1 network t\n"

static const Oracle cases[] = {
        {"dense",
         HDR "%x : f32[3] = input index=0\n%y : f32[2] = dense %x, @w, @b\noutput %y\n"
             "const @w : f32[2, 3] = { 1 0 2 0.5 -1 0 }\nconst @b : f32[2] = { 0.25 -1 }\n",
         3,
         {1, 2, -1},
         2,
         {-0.75f, -2.5f},
         0},
        // groups 2, stride [2,1], pad [1,0,0,1], dilation [1,2]; x = j - 7.5. Expected
        // values from a separate Python loop over the docs/ir.md formula.
        {"conv2d",
         HDR "%x : f32[2, 3, 3] = input index=0\n"
             "%y : f32[2, 2, 2] = conv2d %x, @w, @b stride=[2,1] pad=[1,0,0,1] "
             "dilation=[1,2] groups=2\noutput %y\n"
             "const @w : f32[2, 1, 2, 2] = { 1 -2 0.5 3 -1 0.25 2 -0.5 }\n"
             "const @b : f32[2] = { 0.5 -1 }\n",
         18,
         {-7.5f, -6.5f, -5.5f, -4.5f, -3.5f, -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 4.5f,
          5.5f, 6.5f, 7.5f, 8.5f, 9.5f},
         8,
         {-19.75f, -2.75f, 1.75f, -3.25f, 0.25f, 4, 6.375f, 10.5f},
         0},
        {"batchnorm",
         HDR "%x : f32[2, 1, 2] = input index=0\n%y : f32[2, 1, 2] = batchnorm %x, @s, @h\n"
             "output %y\nconst @s : f32[2] = { 2 -1 }\nconst @h : f32[2] = { 0.5 0 }\n",
         4,
         {1, 2, 3, 4},
         4,
         {2.5f, 4.5f, -3, -4},
         0},
        {"relu",
         HDR "%x : f32[5] = input index=0\n%y : f32[5] = relu %x\noutput %y\n",
         5,
         {-1, 0, 2.5f, -0.0f, 1e-30f},
         5,
         {0, 0, 2.5f, 0, 1e-30f},
         0},
        {"hardtanh",
         HDR "%x : f32[6] = input index=0\n%y : f32[6] = hardtanh %x lo=-0.5 hi=0.25\n"
             "output %y\n",
         6,
         {-1, -0.5f, 0, 0.125f, 0.25f, 3},
         6,
         {-0.5f, -0.5f, 0, 0.125f, 0.25f, 0.25f},
         0},
        // x = [-2, -0.5, 0, 0.5, 3]; expected values from Python's math (double) rounded
        // once to float32: 1/(1+exp(-x)), tanh(x), x(1+erf(x/sqrt 2))/2, x > 0 ? x : 0.1x.
        {"sigmoid_tanh_gelu_leaky",
         HDR "%x : f32[5] = input index=0\n%a : f32[5] = sigmoid %x\n%b : f32[5] = tanh %x\n"
             "%c : f32[5] = gelu %x\n%d : f32[5] = leaky_relu %x slope=0.1\n"
             "%y : f32[20] = concat %a, %b, %c, %d\noutput %y\n",
         5,
         {-2, -0.5f, 0, 0.5f, 3},
         20,
         {0.119202919f,   0.377540678f,   0.5f, 0.622459352f, 0.952574134f,
          -0.964027584f,  -0.462117165f,  0,    0.462117165f, 0.995054781f,
          -0.0455002636f, -0.154268771f,  0,    0.345731229f, 2.99595022f,
          -0.200000003f,  -0.0500000007f, 0,    0.5f,         3},
         2e-7},
        // mul broadcasts a [C,1,1] factor (here each channel's max) over [C,H,W].
        {"mul_broadcast",
         HDR "%x : f32[2, 1, 2] = input index=0\n"
             "%s : f32[2, 1, 1] = maxpool %x kernel=[1,2] stride=[1,2] pad=[0,0,0,0] ceil=0\n"
             "%y : f32[2, 1, 2] = mul %x, %s\noutput %y\n",
         4,
         {1, 3, -2, 0.5f},
         4,
         {3, 9, -1, 0.25f},
         0},
        // ceil mode on 4x4 = 1..16, kernel 3, stride 2: OH = 2, the second window row and
        // column hang past the input. maxpool: max of the inside part; avgpool (no
        // padding): sum of the inside part / its size (9, 6, 6, 4 positions).
        {"pool_ceil",
         HDR "%x : f32[1, 4, 4] = input index=0\n"
             "%m : f32[1, 2, 2] = maxpool %x kernel=[3,3] stride=[2,2] pad=[0,0,0,0] ceil=1\n"
             "%a : f32[1, 2, 2] = avgpool %x kernel=[3,3] stride=[2,2] pad=[0,0,0,0] ceil=1\n"
             "%y : f32[2, 2, 2] = concat %m, %a\noutput %y\n",
         16,
         {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
         8,
         {11, 12, 15, 16, 6, 7.5f, 12, 13.5f},
         0},
        // Windows that reach into the padding see only negative values: padding is not 0.
        {"maxpool_pad",
         HDR "%x : f32[2, 3, 3] = input index=0\n"
             "%y : f32[2, 2, 2] = maxpool %x kernel=[2,2] stride=[2,2] pad=[1,0,1,0] ceil=0\n"
             "output %y\n",
         18,
         {-1, -2, -3, -4, -5, -6, -7, -8, -9, 9, 1, 2, 3, 4, 5, 6, 7, -8},
         8,
         {-1, -2, -4, -5, 9, 2, 6, 7},
         0},
        // 3x3 "same" pooling, padding 1 on every side, stride 1.
        {"maxpool_same",
         HDR "%x : f32[1, 2, 3] = input index=0\n"
             "%y : f32[1, 2, 3] = maxpool %x kernel=[3,3] stride=[1,1] pad=[1,1,1,1] ceil=0\n"
             "output %y\n",
         6,
         {-1, -6, -5, -3, -4, -2},
         6,
         {-1, -1, -2, -1, -1, -2},
         0},
        {"avgpool",
         HDR "%x : f32[1, 3, 4] = input index=0\n"
             "%y : f32[1, 2, 2] = avgpool %x kernel=[2,3] stride=[1,1] pad=[0,0,0,0] "
             "ceil=0\noutput %y\n",
         12,
         {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
         4,
         {3, 4, 7, 8},
         0},
        {"avgpool_stride",
         HDR "%x : f32[1, 3, 4] = input index=0\n"
             "%y : f32[1, 2, 2] = avgpool %x kernel=[2,2] stride=[1,2] pad=[0,0,0,0] "
             "ceil=0\noutput %y\n",
         12,
         {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
         4,
         {2.5f, 4.5f, 6.5f, 8.5f},
         0},
        {"flatten_add_concat",
         HDR "%x : f32[2, 2, 1] = input index=0\n%f : f32[4] = flatten %x\n"
             "%a : f32[4] = add %f, %f\n"
             "%y0 : f32[2, 1, 1] = maxpool %x kernel=[2,1] stride=[2,1] pad=[1,0,0,0] ceil=0\n"
             "%y : f32[2, 1, 1] = relu %y0\n%yf : f32[2] = flatten %y\n"
             "%c : f32[10] = concat %f, %a, %yf\noutput %c\n",
         4,
         {1, -2, 3, 0.5f},
         10,
         {1, -2, 3, 0.5f, 2, -4, 6, 1, 1, 3},
         0},
        {"softmax",
         HDR "%x : f32[4] = input index=0\n%y : f32[4] = softmax %x\noutput %y\n",
         4,
         {1, 2, 3, 0},
         4,
         {0.0871443152f, 0.236882821f, 0.643914282f, 0.0320586041f},
         1e-6},
        // exp(1000) overflows a double: the max must be subtracted first.
        {"softmax_large",
         HDR "%x : f32[3] = input index=0\n%y : f32[3] = softmax %x\noutput %y\n",
         3,
         {1000, 1001, 999},
         3,
         {0.244728476f, 0.665240943f, 0.0900305733f},
         1e-6},
        // exp(-1000) underflows to 0: without the max subtracted this would be 0 / 0.
        {"softmax_negative",
         HDR "%x : f32[3] = input index=0\n%y : f32[3] = softmax %x\noutput %y\n",
         3,
         {-1000, -999, -1001},
         3,
         {0.244728476f, 0.665240943f, 0.0900305733f},
         1e-6},
        {"argmax_tie",
         HDR "%x : f32[4] = input index=0\n%y : i32[] = argmax %x\noutput %y\n",
         4,
         {1, 3, 3, 2},
         1,
         {1},
         0},
        {"argmax_neg",
         HDR "%x : f32[3] = input index=0\n%y : i32[] = argmax %x\noutput %y\n",
         3,
         {-5, -2, -9},
         1,
         {1},
         0},
        {"argmax_first",
         HDR "%x : f32[3] = input index=0\n%y : i32[] = argmax %x\noutput %y\n",
         3,
         {7, -2, 7},
         1,
         {0},
         0},
        // sign(0) = sign(-0) = -1.
        {"sign_dequant",
         HDR "%x : f32[5] = input index=0\n%s : bits<1,unit>[5] = sign %x\n"
             "%y : f32[5] = dequant %s\noutput %y\n",
         5,
         {0, -0.0f, 1e-30f, -1, 2},
         5,
         {-1, -1, 1, -1, 1},
         0},
        // Bits max-pool is an OR over the in-bounds window; the padding is not +1.
        {"maxpool_bits",
         HDR
         "%x : f32[1, 3, 3] = input index=0\n%s : bits<1,unit>[1, 3, 3] = sign %x\n"
         "%p : bits<1,unit>[1, 2, 2] = maxpool %s kernel=[2,2] stride=[2,2] pad=[1,0,1,0] ceil=0\n"
         "%d : f32[1, 2, 2] = dequant %p\n%y : f32[4] = flatten %d\noutput %y\n",
         9,
         {-1, -2, -3, 4, -5, -6, -7, -8, 9},
         4,
         {-1, -1, 1, 1},
         0},
        {"concat_bits",
         HDR "%x : f32[2, 1, 2] = input index=0\n%s : bits<1,unit>[2, 1, 2] = sign %x\n"
             "%c : bits<1,unit>[4, 1, 2] = concat %s, %s\n%f : bits<1,unit>[8] = flatten %c\n"
             "%y : f32[8] = dequant %f\noutput %y\n",
         4,
         {1, -1, 0, 2},
         8,
         {1, -1, -1, 1, 1, -1, -1, 1},
         0},
        // Eq. 5 by hand: beta1 = mean|x| = 2.5, residuals [-1.5, .5, .5, -1.5], beta2 = 1.
        {"quant_runtime",
         HDR "%x : f32[4] = input index=0\n"
             "%q : bits<2,runtime>[4] = quant %x widths=[2] fracs=[1] select=middle-out seed=0\n"
             "%y : f32[4] = dequant %q\noutput %y\n",
         4,
         {1, -2, 3, -4},
         4,
         {1.5f, -1.5f, 3.5f, -3.5f},
         0},
        // An exact 0 and exact-0 residuals: sign(0) = -1. beta1 = 2, E = [2, 0, 0, 2], beta2 = 1.
        {"quant_runtime_zero",
         HDR "%x : f32[4] = input index=0\n"
             "%q : bits<2,runtime>[4] = quant %x widths=[2] fracs=[1] select=middle-out seed=0\n"
             "%y : f32[4] = dequant %q\noutput %y\n",
         4,
         {0, 2, -2, 4},
         4,
         {-1, 1, -3, 3},
         0},
        // Static beta [2, 0.5]: the residual recurrence, sign(0) = -1 at both levels.
        {"quant_static",
         HDR "%x : f32[5] = input index=0\n"
             "%q : bits<2,static @b>[5] = quant %x widths=[2] fracs=[1] select=middle-out seed=0\n"
             "%y : f32[5] = dequant %q\noutput %y\nconst @b : f32[2] = { 2 0.5 }\n",
         5,
         {1, -2, 3, -4, 0},
         5,
         {1.5f, -2.5f, 2.5f, -2.5f, -1.5f},
         0},
        // Masked 2-bit weights (widths [1,2,2] and [2,2,2]) on 2-bit static activations
        // x = [1, -2, 0.2] -> d0 = [+,-,+], d1 = [-,-,-]. Pair sums by hand; icomb with a
        // per-row coefficient table; fcomb = W^ . x^ + b; a 2-level threshold tree met
        // exactly (6 >= 6) and a negated channel.
        {"bitplane_dense",
         HDR "%x : f32[3] = input index=0\n"
             "%q : bits<2,static @beta>[3] = quant %x widths=[2] fracs=[1] select=middle-out "
             "seed=0\n"
             "%p : i32[4, 2] = bpop_dense %q, @w\n"
             "%a : i32[2] = icomb %p, @c shift=0 bound=24\n"
             "%f : f32[2] = fcomb %p, %q, @al, @b\n"
             "%t : bits<2,static @beta>[2] = threshold %a, @n, @h\n"
             "%td : f32[2] = dequant %t\n"
             "output %p\noutput %a\noutput %f\noutput %td\n"
             "const @beta : f32[2] = { 1 0.5 }\n"
             "const @w : bits<2,masked>[2, 3] = {\n plane 0:\n 0x5 0x4\n plane 1:\n 0x2 0x7\n"
             " mask 0:\n 0x7 0x7\n mask 1:\n 0x6 0x7\n}\n"
             "const @c : i32[2, 4] = { 4 2 2 1 2 1 1 1 }\n"
             "const @al : f32[2, 2] = { 0.5 0.25 1 0.5 }\n"
             "const @b : f32[2] = { 0.125 -1 }\n"
             "const @n : i32[2] = { 0 1 }\n"
             "const @h : i32[2, 3] = { 6 2 10 0 -5 -1 }\n",
         3,
         {1, -2, 0.2f},
         14,
         {3, 1, -1, 1, -2, 1, 0, -3, 6, 1, 0.875f, 0.25f, 0.5f, -0.5f},
         0},
        // 1-bit 2x2 conv with padding [1,0,1,0]: padded taps contribute nothing.
        {"bitplane_conv",
         HDR "%x : f32[1, 2, 2] = input index=0\n%s : bits<1,unit>[1, 2, 2] = sign %x\n"
             "%p : i32[1, 1, 2, 2] = bpop_conv2d %s, @w stride=[1,1] pad=[1,0,1,0] "
             "dilation=[1,1] groups=1\n"
             "%f : f32[1, 2, 2] = fcomb %p, %s, @al, @b\n"
             "%a : i32[1, 2, 2] = icomb %p, @c shift=0 bound=4\n"
             "%t : bits<1,unit>[1, 2, 2] = threshold %a, @n, @h\n%td : f32[1, 2, 2] = dequant %t\n"
             "output %p\noutput %f\noutput %td\n"
             "const @w : bits<1>[1, 1, 2, 2] = {\n plane 0:\n 0xb\n}\n"
             "const @al : f32[1, 1] = { 0.5 }\nconst @b : f32[1] = { 0.25 }\n"
             "const @c : i32[1, 1] = { 1 }\nconst @n : i32[1] = { 0 }\n"
             "const @h : i32[1, 1] = { 0 }\n",
         4,
         {1, -1, -1, 1},
         12,
         {1, -2, 0, 2, 0.75f, -0.75f, 0.25f, 1.25f, 1, -1, 1, 1},
         0},
};
#define NCASES ((int)(sizeof cases / sizeof *cases))

static IrModule *parse_verified(const char *name, const char *text)
{
    uint32_t id = cx_add_source(hbt_cx, name, text, (uint32_t)strlen(text));
    IrModule *m = ir_parse(hbt_cx, id);
    ck_assert_msg(m && ir_verify(hbt_cx, m, name), "%s: %s", name, hbt_diags());
    return m;
}

static bool close_to(float got, float want, double tol)
{
    if (tol == 0)
        return memcmp(&got, &want, sizeof got) == 0 || (got == 0 && want == 0);
    return fabs((double)got - want) <= tol * fmax(fabs((double)want), 1e-30);
}

START_TEST(test_oracle)
{
    const Oracle *c = &cases[_i];
    IrModule *m = parse_verified(c->name, c->text);
    ck_assert_int_eq(ir_type_elems(&m->values.data[m->inputs.data[0]].type), c->nin);
    ck_assert_int_eq(interp_out_elems(m), c->nout);
    float out[24];
    ck_assert(interp_run_batch(hbt_cx, m, c->in, 1, out, NULL));
    for (int j = 0; j < c->nout; j++)
        ck_assert_msg(close_to(out[j], c->out[j], c->tol), "%s: output %d is %.9g, expected %.9g",
                      c->name, j, out[j], c->out[j]);
}
END_TEST

/* Every op of the table is executed by some case above. */
START_TEST(test_every_op_covered)
{
    bool seen[IR_OP_COUNT] = {0};
    for (int k = 0; k < NCASES; k++) {
        IrModule *m = parse_verified(cases[k].name, cases[k].text);
        for (uint32_t i = 0; i < m->insts.len; i++)
            seen[m->insts.data[i].op] = true;
    }
    for (int op = 0; op < IR_OP_COUNT; op++)
        ck_assert_msg(seen[op], "IR op '%s' has no oracle case in check_oracle.c",
                      ir_op_name((IrOp)op));
}
END_TEST

/* relu(x) for x = -0 and 0 is +0 (sign bit clear), as is relu of a negative value. */
START_TEST(test_relu_positive_zero)
{
    IrModule *m = parse_verified("relu", cases[3].text);
    float out[5];
    ck_assert(interp_run_batch(hbt_cx, m, cases[3].in, 1, out, NULL));
    for (int j = 0; j < 2; j++)
        ck_assert_msg(!signbit(out[j]), "relu(%g) has the sign bit set", cases[3].in[j]);
    ck_assert_msg(!signbit(out[3]), "relu(-0) is -0");
}
END_TEST

/* ---- lowering boundaries: the real pre-activation exactly at the decision point ---- */

static WTensor *tensor(int rank, int64_t d0, int64_t d1, const float *data)
{
    WTensor *t = arena_alloc(&hbt_cx->arena, sizeof *t);
    t->dtype = WD_F32, t->rank = rank, t->shape[0] = d0, t->shape[1] = d1;
    t->nelem = (uint64_t)d0 * (uint64_t)(rank == 2 ? d1 : 1);
    t->data = data;
    return t;
}

/* sign(x) -> dense with +-1 weights (alpha = 1 exactly) -> batchnorm -> sign. With
 * var + eps = 1 or 4 the BN factor a is exactly +-1 or 2, so the lowering's threshold
 * w is an integer and acc == w happens: there z = 0 and sign(0) = -1 must come out.
 * The expected bits are computed here in double from the real network. */
static void threshold_boundary(const float *gamma, const float *var, double eps)
{
    char src[512];
    snprintf(src, sizeof src,
             "hbnn 0.1\nnetwork b {\n    input x: f32[4]\n        sign\n"
             "    fc: dense(3) weights bits 1\n    bn: batchnorm(eps=%g)\n    s: sign\n"
             "    output s\n}\n",
             eps);
    Graph *g = hbt_graph(src, NULL);
    static const float w[12] = {1, 1, 1, 1, 1, -1, 1, -1, -1, -1, 1, 1};
    static const float bias[3] = {-2, 0.5f, 1}, mean[3] = {1, 1.5f, -1}, beta[3] = {1, 2, -2};
    GNode *fc = NULL, *bn = NULL;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->nodes[i].op == GOP_DENSE)
            fc = &g->nodes[i];
        if (g->nodes[i].op == GOP_BATCHNORM)
            bn = &g->nodes[i];
    }
    ck_assert(fc && bn);
    fc->bound[TR_WEIGHT] = tensor(2, 3, 4, w), fc->bound[TR_BIAS] = tensor(1, 3, 0, bias);
    bn->bound[TR_WEIGHT] = tensor(1, 3, 0, gamma), bn->bound[TR_BIAS] = tensor(1, 3, 0, beta);
    bn->bound[TR_RUNNING_MEAN] = tensor(1, 3, 0, mean);
    bn->bound[TR_RUNNING_VAR] = tensor(1, 3, 0, var);
    g->bound = true;
    ck_assert_msg(quantize_graph(hbt_cx, g), "%s", hbt_diags());
    IrModule *m = lower_graph(hbt_cx, g, NULL, NULL);
    ck_assert_msg(m, "%s", hbt_diags());
    bool folded = false;
    for (uint32_t i = 0; i < m->insts.len; i++)
        folded |= m->insts.data[i].op == IR_OP_THRESHOLD;
    ck_assert_msg(folded, "the layer was not folded into a threshold");
    int at_boundary = 0;
    for (int pat = 0; pat < 16; pat++) {
        float x[4], out[3];
        for (int j = 0; j < 4; j++)
            x[j] = (pat >> j) & 1 ? 1.0f : -1.0f;
        ck_assert(interp_run_batch(hbt_cx, m, x, 1, out, NULL));
        for (int o = 0; o < 3; o++) {
            double y = bias[o];
            for (int j = 0; j < 4; j++)
                y += (double)w[o * 4 + j] * x[j];
            double a = gamma[o] / sqrt((double)var[o] + eps);
            double z = a * (y - mean[o]) + beta[o];
            at_boundary += z == 0;
            ck_assert_msg(out[o] == (z > 0 ? 1.0f : -1.0f), "pattern %d channel %d: z = %g, got %g",
                          pat, o, z, out[o]);
        }
    }
    ck_assert_int_gt(at_boundary, 0);
}

START_TEST(test_threshold_boundary_pos)
{
    static const float gamma[3] = {1, 2, 1}, var[3] = {0.75f, 3.75f, 0.75f};
    threshold_boundary(gamma, var, 0.25);
}
END_TEST

/* Negative BN scales: the comparison flips (neg = 1 in the threshold op). */
START_TEST(test_threshold_boundary_neg)
{
    static const float gamma[3] = {-1, -2, -1}, var[3] = {0.75f, 3.75f, 0.75f};
    threshold_boundary(gamma, var, 0.25);
}
END_TEST

/* ---- the 0.01-point distribution tolerance (docs/language.md, Distributions) ---- */

/* Random data for every tensor a node uses (positive variances), then quantize. */
static void bind_any(Graph *g)
{
    uint64_t st = 7;
    for (uint32_t i = 0; i < g->n; i++)
        for (int r = 0; r < TR_COUNT; r++) {
            Shape sh;
            if (!gnode_tensor_shape(g, &g->nodes[i], (TensorRole)r, &sh))
                continue;
            float *d = arena_calloc(&hbt_cx->arena, shape_elems(&sh), sizeof(float));
            for (uint64_t j = 0; j < shape_elems(&sh); j++)
                d[j] = (float)((double)(hb_rng_next(&st) >> 11) / 9e15 - 0.5) +
                       (r == TR_RUNNING_VAR ? 1.0f : 0.0f);
            WTensor *t = tensor(1, 1, 0, d);
            t->name = g->nodes[i].tensor[r];
            t->rank = sh.rank, t->nelem = shape_elems(&sh);
            for (int k = 0; k < sh.rank; k++)
                t->shape[k] = sh.d[k];
            g->nodes[i].bound[r] = t;
        }
    g->bound = true;
}

typedef struct DistCase {
    const char *dist;
    bool ok;
} DistCase;

/* Sums 99.99% and 100.01% are within 0.01 points: accepted by sema, the quantizer and
 * the IR verifier (as weights and as an activation quantizer; a 'rest' share then gets
 * 0%); 99.98%, 100.02% and 98.9% are refused with the sema error. */
static const DistCase dists[] = {
        {"1:60% 2:39.99%", true},
        {"1:60% 2:40.01%", true},
        {"1:33.33% 2:33.33% 3:33.33%", true},
        {"1:60% 2:40.01% 3:rest", true},
        {"1:60% 2:39.98%", false},
        {"1:60% 2:40.02%", false},
        {"1:60% 2:38.9%", false},
        {"1:60% 2:40.02% 3:rest", false},
};

START_TEST(test_dist_tolerance)
{
    const DistCase *c = &dists[_i];
    char src[512];
    snprintf(src, sizeof src,
             "hbnn 0.1\nnetwork d {\n    input x: f32[40]\n    fc1: dense(30) weights int 8\n"
             "    bn1: batchnorm\n        quant bits %s\n"
             "    fc2: dense(20) weights bits %s\n    output fc2\n}\n",
             c->dist, c->dist);
    AstFile *f = parse_file(hbt_cx, hbt_source(src));
    ck_assert_msg(f && diag_errors(hbt_cx) == 0, "parse: %s", hbt_diags());
    Graph *g = sema_check(hbt_cx, f, NULL);
    if (!c->ok) {
        ck_assert_msg(!g || diag_errors(hbt_cx) > 0, "'%s' accepted", c->dist);
        ck_assert_msg(strstr(hbt_diags(), "expected 100%") || strstr(hbt_diags(), "over 100%"),
                      "%s", hbt_diags());
        return;
    }
    ck_assert_msg(g && diag_errors(hbt_cx) == 0, "'%s' refused: %s", c->dist, hbt_diags());
    bind_any(g);
    ck_assert_msg(quantize_graph(hbt_cx, g), "'%s': quantizer: %s", c->dist, hbt_diags());
    IrModule *m = lower_graph(hbt_cx, g, NULL, NULL);
    ck_assert_msg(m && diag_errors(hbt_cx) == 0, "'%s': lowering: %s", c->dist, hbt_diags());
    float in[40] = {0.5f, -1}, out[20];
    ck_assert(interp_run_batch(hbt_cx, m, in, 1, out, NULL));
}
END_TEST

/* ---- lowering: the integer coefficients (docs/ir.md §5) ---- */

/* The worst |acc| of an icomb with coefficients k (rows 1 or O, P pairs) over the rows
 * of its bpop's weights: sum_p |k_p| * popcount(weight mask m(p) of the row). */
static int64_t worst_acc(const IrConst *w, const int64_t *k, int64_t krows, int P, int kx)
{
    uint64_t rows = (uint64_t)w->type.d[0], per = ir_type_elems(&w->type) / rows;
    int64_t worst = 0;
    for (uint64_t r = 0; r < rows; r++) {
        int64_t sum = 0;
        for (int p = 0; p < P; p++) {
            uint64_t cnt = per;
            if (w->masks) {
                cnt = 0;
                for (uint64_t j = 0; j < w->wpr; j++)
                    cnt += (uint64_t)__builtin_popcountll(
                            w->masks[((uint64_t)(p / kx) * rows + r) * w->wpr + j]);
            }
            int64_t c = k[(krows == 1 ? 0 : r) * (uint64_t)P + (uint64_t)p];
            sum += (c < 0 ? -c : c) * (int64_t)cnt;
        }
        worst = sum > worst ? sum : worst;
    }
    return worst;
}

/* w_p = llround(alpha_m beta_n 2^f) with f the largest shift in [-30, 30] whose
 * coefficients fit: at f + 1 some |w_p| or the worst |acc| would exceed 2^30. A single
 * plane pair has w = 1, shift 0. */
static void check_coefs(const IrModule *m)
{
    int checked = 0;
    for (uint32_t i = 0; i < m->insts.len; i++) {
        const IrInst *in = &m->insts.data[i];
        if (in->op != IR_OP_ICOMB)
            continue;
        const IrInst *pop = &m->insts.data[m->values.data[in->args[0].id].def];
        const IrType *xt = ir_arg_type(m, pop->args[0]);
        const IrConst *w = &m->consts.data[pop->args[1].id], *c = &m->consts.data[in->args[1].id];
        int kx = xt->bits, P = (int)c->type.d[1];
        int64_t f = ir_icomb_shift(in), krows = c->type.d[0];
        if (P == 1) {
            ck_assert_int_eq(c->i[0], 1);
            ck_assert_int_eq(f, 0);
            continue;
        }
        const float *beta = m->consts.data[xt->scale_const].f, *al = in->fold->alpha;
        ck_assert_int_eq(xt->scale, IR_SC_STATIC);
        ck_assert_int_eq(krows, in->fold->rows);
        int64_t *k = arena_calloc(&hbt_cx->arena, (size_t)(krows * P), sizeof(int64_t));
        bool fits_next = f < 30;
        for (int64_t r = 0; r < krows; r++)
            for (int p = 0; p < P; p++) {
                double ab = (double)al[r * in->fold->kw + p / kx] * (double)beta[p % kx];
                ck_assert_int_eq(c->i[r * P + p], llround(ldexp(ab, (int)f)));
                k[r * P + p] = llround(ldexp(ab, (int)f + 1));
                fits_next &= fabs(ldexp(ab, (int)f + 1)) <= (double)IR_ACC_LIMIT;
            }
        ck_assert_msg(!fits_next || worst_acc(w, k, krows, P, kx) > IR_ACC_LIMIT,
                      "shift %lld is not the largest that fits", (long long)f);
        checked++;
    }
    ck_assert_int_gt(checked, 0);
}

START_TEST(test_coefficients)
{
    static const char *const wspec[] = {"bits 2", "bits 1:50% 3:50% scale per-channel",
                                        "bits 1:70% 2:30%", "bits 3 scale per-channel"};
    char src[1024];
    snprintf(
            src, sizeof src,
            "hbnn 0.1\nnetwork c {\n    input x: f32[20]\n    fc1: dense(16) weights int 8\n"
            "    bn1: batchnorm\n    q1: quant bits 2 scale static\n"
            "    fc2: dense(12) weights %s\n    bn2: batchnorm\n    q2: quant bits 3 scale static\n"
            "    fc3: dense(8) weights %s\n    bn3: batchnorm\n        sign\n"
            "    fc4: dense(4) weights bits 1\n    output fc4\n}\n",
            wspec[_i], wspec[(_i + 1) % 4]);
    Graph *g = hbt_graph(src, NULL);
    bind_any(g);
    ck_assert_msg(quantize_graph(hbt_cx, g), "%s", hbt_diags());
    static const float b2[2] = {0.75f, 0.3f}, b3[3] = {0.6f, 0.35f, 0.125f};
    const float **sc = arena_calloc(&hbt_cx->arena, g->n, sizeof *sc);
    for (uint32_t i = 0; i < g->n; i++)
        if (g->nodes[i].op == GOP_QUANT)
            sc[i] = g->nodes[i].aq->share_bits[0] == 2 ? b2 : b3;
    LowerOptions lo = {.act_scales = sc};
    IrModule *m = lower_graph(hbt_cx, g, &lo, NULL);
    ck_assert_msg(m, "%s", hbt_diags());
    check_coefs(m);
}
END_TEST

Suite *suite_oracle(void)
{
    Suite *s = suite_create("oracle");
    TCase *tc = tcase_create("oracle");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_loop_test(tc, test_oracle, 0, NCASES);
    tcase_add_test(tc, test_every_op_covered);
    tcase_add_test(tc, test_relu_positive_zero);
    tcase_add_test(tc, test_threshold_boundary_pos);
    tcase_add_test(tc, test_threshold_boundary_neg);
    tcase_add_loop_test(tc, test_coefficients, 0, 4);
    tcase_add_loop_test(tc, test_dist_tolerance, 0, (int)(sizeof dists / sizeof *dists));
    suite_add_tcase(s, tc);
    return s;
}
