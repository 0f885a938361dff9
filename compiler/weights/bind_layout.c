// SPDX-License-Identifier: MIT
/* bind_layout.c: `weights "F" layout keras` for the binder (bind.c). Keras stores a
 * dense kernel as [in, out], a conv kernel as [kh, kw, in/groups, out] and a depthwise
 * kernel as [kh, kw, in, mult], and flattens images channels-last; the binder checks
 * that shape and hands everything after it a torch-layout copy, so the quantizer and
 * lowering see one layout. */
#include "bind_layout.h"

#include <string.h>

static bool depthwise(const GNode *n)
{
    return n->op == GOP_CONV2D && strcmp(n->written, "dwconv2d") == 0;
}

bool layout_keras_shape(const GNode *n, TensorRole r, const Shape *torch, Shape *keras)
{
    *keras = *torch;
    if (r != TR_WEIGHT || (n->op != GOP_CONV2D && n->op != GOP_DENSE))
        return false;
    const int64_t *d = torch->d;
    if (n->op == GOP_DENSE) {
        keras->d[0] = d[1];
        keras->d[1] = d[0];
    } else if (depthwise(n)) { // torch [in*m, 1, kh, kw]
        int64_t in = n->groups;
        *keras = (Shape){.rank = 4, .known = true, .d = {d[2], d[3], in, d[0] / in}};
    } else { // torch [out, in/g, kh, kw]
        *keras = (Shape){.rank = 4, .known = true, .d = {d[2], d[3], d[1], d[0]}};
    }
    return true;
}

const char *layout_keras_note(const GNode *n)
{
    if (n->op == GOP_DENSE)
        return "keras dense kernels are [in, out]";
    return depthwise(n) ? "keras depthwise kernels are [kh, kw, in, multiplier]"
                        : "keras conv kernels are [kh, kw, in/groups, out]";
}

/* The [C, H, W] image (H*W > 1) whose flatten feeds dense n, through parameter-free
 * activations and batch norms; NULL if the input is a plain vector. *bn: the last batch
 * norm on the way, if any. */
static const Shape *flattened_image(const Graph *g, const GNode *n, const GNode **bn)
{
    *bn = NULL;
    const GNode *cur = &g->nodes[n->in[0]];
    for (;;) {
        if (cur->op == GOP_BATCHNORM)
            *bn = cur;
        else if (cur->op != GOP_RELU && cur->op != GOP_HARDTANH && cur->op != GOP_SIGN &&
                 cur->op != GOP_QUANT)
            break;
        cur = &g->nodes[cur->in[0]];
    }
    if (cur->op != GOP_FLATTEN)
        return NULL;
    const Shape *img = &g->nodes[cur->in[0]].shape;
    return img->rank == 3 && img->d[1] * img->d[2] > 1 ? img : NULL;
}

const GNode *layout_keras_unsupported(const Graph *g, const GNode *n)
{
    const GNode *bn;
    if (n->op != GOP_DENSE || !flattened_image(g, n, &bn))
        return NULL;
    return bn;
}

/* torch[o][i][y][x] from keras[y][x][i][o] (conv; depthwise: o = c*m + j reads
 * keras[y][x][c][j]); torch[o][i] from keras[i][o] (dense), where for a dense on a
 * flattened [C, H, W] image torch's i = (c*H + h)*W + w is Keras's row (h*W + w)*C + c
 * (Keras flattens channels-last). */
const WTensor *layout_keras_to_torch(Arena *a, const Graph *g, const GNode *n, const WTensor *t,
                                     const Shape *torch)
{
    WTensor *c = arena_alloc(a, sizeof *c);
    *c = *t;
    c->rank = torch->rank;
    for (int i = 0; i < torch->rank; i++)
        c->shape[i] = torch->d[i];
    float *out = arena_calloc(a, t->nelem ? t->nelem : 1, sizeof(float));
    c->data = out;
    const float *k = t->data;
    if (n->op == GOP_DENSE) {
        uint64_t nout = (uint64_t)torch->d[0], nin = (uint64_t)torch->d[1];
        const GNode *bn;
        const Shape *img = flattened_image(g, n, &bn);
        uint64_t C = img ? (uint64_t)img->d[0] : nin, HW = img ? nin / C : 1;
        for (uint64_t o = 0; o < nout; o++)
            for (uint64_t i = 0; i < nin; i++) // i = c*HW + p  <-  row p*C + c
                out[o * nin + i] = k[((i % HW) * C + i / HW) * nout + o];
        return c;
    }
    uint64_t nout = (uint64_t)torch->d[0], ci = (uint64_t)torch->d[1];
    uint64_t kh = (uint64_t)torch->d[2], kw = (uint64_t)torch->d[3];
    uint64_t in = (uint64_t)n->groups, m = nout / in;
    bool dw = depthwise(n);
    for (uint64_t o = 0; o < nout; o++)
        for (uint64_t i = 0; i < ci; i++)
            for (uint64_t y = 0; y < kh; y++)
                for (uint64_t x = 0; x < kw; x++) {
                    uint64_t src = dw ? ((y * kw + x) * in + o / m) * m + o % m
                                      : ((y * kw + x) * ci + i) * nout + o;
                    out[((o * ci + i) * kh + y) * kw + x] = k[src];
                }
    return c;
}
