// SPDX-License-Identifier: MIT
/* random_nets.c: the random test networks (random_nets.h). */
#include "random_nets.h"

#include <stdio.h>

#include <check.h>

#include "bind.h"
#include "ir.h"
#include "quant.h"
#include "test_util.h"

double hbt_urand(uint64_t *s)
{
    return (double)(hb_rng_next(s) >> 11) / 9007199254740992.0;
}

/* Give every tensor role the node uses random data (weights N(0,1)-ish, BN scales
 * including negative and zero ones, positive variances), then quantize. */
void hbt_bind_random(Graph *g, uint64_t seed)
{
    uint64_t s = seed;
    for (uint32_t i = 0; i < g->n; i++) {
        GNode *n = &g->nodes[i];
        for (int r = 0; r < TR_COUNT; r++) {
            Shape sh;
            if (!gnode_tensor_shape(g, n, (TensorRole)r, &sh))
                continue;
            WTensor *t = arena_alloc(&hbt_cx->arena, sizeof *t);
            t->name = n->tensor[r];
            t->dtype = WD_F32;
            t->rank = sh.rank;
            for (int k = 0; k < sh.rank; k++)
                t->shape[k] = sh.d[k];
            t->nelem = shape_elems(&sh);
            float *d = arena_calloc(&hbt_cx->arena, t->nelem, sizeof(float));
            for (uint64_t j = 0; j < t->nelem; j++) {
                double u = hbt_urand(&s) * 2 - 1;
                if (n->op == GOP_BATCHNORM && r == TR_RUNNING_VAR)
                    u = 0.2 + hbt_urand(&s);
                else if (n->op == GOP_BATCHNORM && r == TR_WEIGHT)
                    u = j % 7 == 3 ? 0.0 : u; // zero and (half the time) negative scales
                else if (n->op == GOP_BATCHNORM)
                    u *= 0.3;
                d[j] = (float)u;
            }
            t->data = d;
            n->bound[r] = t;
        }
    }
    g->bound = true;
    ck_assert_msg(quantize_graph(hbt_cx, g), "quantize: %s", hbt_diags());
}

/* Static scales for every `scale static` quantizer: decreasing random betas. */
const float *const *hbt_static_scales(const Graph *g, uint64_t seed)
{
    const float **sc = arena_calloc(&hbt_cx->arena, g->n, sizeof *sc);
    uint64_t s = seed;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->nodes[i].op != GOP_QUANT || g->nodes[i].aq->act_scale != ACT_SCALE_STATIC)
            continue;
        float *b = arena_calloc(&hbt_cx->arena, IR_MAX_BITS, sizeof(float));
        for (int k = 0; k < IR_MAX_BITS; k++)
            b[k] = (float)((0.3 + hbt_urand(&s)) / (1 << k));
        sc[i] = b;
    }
    return sc;
}

/* Template networks; %s slots take weight specs, %d slots shapes. */
const char *const hbt_mlp =
        "hbnn 0.1\nnetwork r {\n    input x: f32[37]\n"
        "    fc1: dense(70) weights int 8\n    bn1: batchnorm\n         sign\n"
        "    fc2: dense(65) weights %s\n    bn2: batchnorm\n         sign\n"
        "    fc3: dense(33) weights %s\n    bn3: batchnorm\n         quant %s\n"
        "    fc4: dense(20, bias=false) weights %s\n    bn4: batchnorm\n         sign\n"
        "    fc5: dense(10) weights %s\n    output fc5\n}\n";

const char *const hbt_cnn =
        "hbnn 0.1\nnetwork r {\n    input x: f32[4, 9, 8]\n"
        "    c1: conv2d(8, kernel=3, pad=1) weights int 8\n    b1: batchnorm\n         sign\n"
        "    c2: conv2d(8, kernel=%s, stride=%d, pad=%s, groups=%d) weights %s\n"
        "    b2: batchnorm\n    a2: sign\n"
        "    p2: maxpool(2, stride=2, pad=%d)\n"
        "    c3: conv2d(6, kernel=3, pad=1, bias=false) weights %s\n    b3: batchnorm\n"
        "         quant %s\n"
        "    c4: conv2d(4, kernel=1) weights %s\n"
        "    s1: conv2d(4, kernel=1) from p2 weights bits 1\n    sb: batchnorm\n"
        "        add(c4, sb)\n         relu\n"
        "    p3: avgpool(global)\n"
        "        flatten\n    fc: dense(5) weights %s\n    output fc\n}\n";

const char *const hbt_cat =
        "hbnn 0.1\nnetwork r {\n    input x: f32[3, 6, 6]\n"
        "    c1: conv2d(4, kernel=3, pad=1) weights int 8\n    b1: batchnorm\n    a1: sign\n"
        "    c2: conv2d(4, kernel=3, pad=1) weights %s\n    b2: batchnorm\n    a2: sign\n"
        "    c3: conv2d(4, kernel=3, pad=1) from a1 weights %s\n    b3: batchnorm\n    a3: sign\n"
        "    j: concat(a2, a3)\n"
        "    c4: conv2d(8, kernel=3, stride=2, pad=[0, 1, 1, 0], groups=2) weights %s\n"
        "    b4: batchnorm\n    a4: sign\n        maxpool(3, stride=1, pad=1)\n"
        "        flatten\n    fc: dense(3) weights %s\n    output fc\n}\n";

const char *const hbt_wspecs[HBT_NW] = {"bits 1",
                                        "bits 2",
                                        "bits 3",
                                        "bits 1:70% 2:20% 3:10%",
                                        "bits 1:50% 2:50% scale per-channel",
                                        "bits 1:60% 3:40% select random(7)",
                                        "int 4",
                                        "float"};
const char *const hbt_aspecs[HBT_NA] = {"bits 2",
                                        "bits 1",
                                        "bits 3",
                                        "bits 1:50% 2:50%",
                                        "bits 2 scale static",
                                        "bits 1:70% 2:20% 3:10% select top-down",
                                        "bits 3 scale static",
                                        "bits 1 scale static"};

/* The random test networks of the interpreter's suite: kind 0 the MLP, 1 the CNN, 2 the
 * concat network, variant i, with its seed. */
uint64_t hbt_random_net(int kind, int i, char *src, size_t len)
{
    static const char *const kern[] = {"3", "1", "3x1", "2"};
    static const char *const pads[] = {"1", "0", "[1, 0, 0, 0]", "[0, 1, 1, 0]"};
    static const int groups[] = {1, 2, 4, 8};
    const char *const *w = hbt_wspecs, *const *a = hbt_aspecs;
    if (kind == 0) {
        snprintf(src, len, hbt_mlp, w[i % HBT_NW], w[(i + 3) % 4], a[i % HBT_NA],
                 w[(i + 1) % HBT_NW], w[(i + 2) % HBT_NW]);
        return 1000 + (uint64_t)i;
    }
    if (kind == 1) {
        snprintf(src, len, hbt_cnn, kern[i % 4], 1 + i % 2, pads[(i / 2) % 4], groups[i % 4],
                 w[i % 6], i % 2, w[(i + 2) % 6], a[i % HBT_NA], w[(i + 4) % 6],
                 w[(i + 1) % HBT_NW]);
        return 2000 + (uint64_t)i;
    }
    snprintf(src, len, hbt_cat, w[i % 6], w[(i + 1) % 6], w[(i + 3) % 6], w[i % HBT_NW]);
    return 3000 + (uint64_t)i;
}
