// SPDX-License-Identifier: MIT
/* graph.c: helpers over the checked Graph: op names, shape formatting and the
 * torch-layout shapes each op expects from the weights file. */
#include "graph.h"

#include <stdio.h>
#include <string.h>

static const char *const gop_names[] = {
#define X(e, s) s,
        HB_GRAPH_OPS(X)
#undef X
};

const char *gop_name(GOp op)
{
    return op < GOP_COUNT ? gop_names[op] : "?";
}

char *shape_str(const Shape *s, char *buf, size_t len)
{
    if (!s->known) {
        snprintf(buf, len, "?");
        return buf;
    }
    size_t k = 0;
    k += (size_t)snprintf(buf + k, len - k, "[");
    for (int i = 0; i < s->rank && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s%lld", i ? ", " : "", (long long)s->d[i]);
    if (k < len)
        snprintf(buf + k, len - k, "]");
    return buf;
}

uint64_t shape_elems(const Shape *s)
{
    uint64_t n = 1;
    for (int i = 0; i < s->rank; i++)
        n *= (uint64_t)s->d[i];
    return n;
}

const char *tensor_role_suffix(TensorRole r)
{
    static const char *const names[TR_COUNT] = {"weight", "bias", "running_mean", "running_var"};
    return r < TR_COUNT ? names[r] : "?";
}

static Shape vec(int64_t n)
{
    Shape s = {.rank = 1, .known = true};
    s.d[0] = n;
    return s;
}

bool gnode_tensor_shape(const Graph *g, const GNode *n, TensorRole r, Shape *out)
{
    if (!n->tensor[r])
        return false;
    const Shape *in = &g->nodes[n->in[0]].shape;
    switch (n->op) {
    case GOP_CONV2D:
        if (r == TR_WEIGHT) {
            *out = (Shape){
                    .rank = 4, .known = true, .d = {n->out, in->d[0] / n->groups, n->kh, n->kw}};
            return true;
        }
        *out = vec(n->out);
        return r == TR_BIAS;
    case GOP_DENSE:
        if (r == TR_WEIGHT) {
            *out = (Shape){.rank = 2, .known = true, .d = {n->out, in->d[0]}};
            return true;
        }
        *out = vec(n->out);
        return r == TR_BIAS;
    case GOP_BATCHNORM:
        *out = vec(in->d[0]);
        return true;
    default:
        return false;
    }
}
