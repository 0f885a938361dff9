// SPDX-License-Identifier: MIT
/* bind.c: attaches weights-file tensors to the Graph's parametric nodes by name
 * (and a static quantizer's optional L.scales), checking existence, dtype, shape and
 * single ownership; after sema, before the quantizer. Messages name the file, the tensor and the
 * layer (docs/language.md §6). */
#include "bind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bind_layout.h"
#include "quant.h"
#include "quant_par.h"

typedef struct Binder {
    HbCx *cx;
    Graph *g;
    WFile *wf;
    int32_t *owner; // per tensor: the node that bound it, or -1
} Binder;

static uint32_t line_of(HbCx *cx, SrcSpan s)
{
    return span_valid(s) ? src_pos(cx_file(cx, s.file), s.start).line : 0;
}

/* Up to three names in the file close to `want` (edit distance), else same-suffix ones. */
static void similar_names(Binder *b, Diag *d, const char *want)
{
    const char *best[3] = {0};
    int bestd[3] = {99, 99, 99};
    int limit = (int)strlen(want) / 2 + 1;
    for (uint32_t i = 0; i < b->wf->n; i++) {
        const char *nm = b->wf->tensors[i].name;
        int dist = diag_edit_distance(want, nm);
        for (int k = 0; k < 3 && dist <= limit; k++) {
            if (dist < bestd[k]) {
                memmove(&best[k + 1], &best[k], (size_t)(2 - k) * sizeof best[0]);
                memmove(&bestd[k + 1], &bestd[k], (size_t)(2 - k) * sizeof bestd[0]);
                best[k] = nm;
                bestd[k] = dist;
                break;
            }
        }
    }
    const char *suffix = strrchr(want, '.');
    for (uint32_t i = 0; !best[0] && suffix && i < b->wf->n && !best[2]; i++) {
        const char *nm = b->wf->tensors[i].name;
        const char *s2 = strrchr(nm, '.');
        if (s2 && strcmp(s2, suffix) == 0)
            best[best[0] ? best[1] ? 2 : 1 : 0] = nm;
    }
    if (!best[0])
        return;
    char buf[400] = "";
    for (int k = 0; k < 3 && best[k]; k++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s'%s'", k ? ", " : "", best[k]);
    diag_note(b->cx, d, "similar names in the file: %s", buf);
}

static void missing(Binder *b, const GNode *n, TensorRole r)
{
    const char *want = n->tensor[r];
    Diag *d = diag_error(b->cx, n->tensor_span, "no tensor named '%s' in %s", want,
                         b->wf->display_name);
    if (n->tensor_named[r])
        diag_label(b->cx, d, n->tensor_span, "the %s of '%s' is named here", tensor_role_suffix(r),
                   n->name);
    else if (n->label)
        diag_label(b->cx, d, n->tensor_span, "tensors of '%s' are named '%s.<%s>'", n->label,
                   n->label, tensor_role_suffix(r));
    similar_names(b, d, want);
    if (n->tensor_named[r])
        diag_help(b->cx, d, "fix the name in  params %s=\"...\"  (a name given there must exist)",
                  tensor_role_suffix(r));
    else if (r == TR_BIAS && n->bias == BIAS_TRUE)
        diag_help(b->cx, d,
                  "the layer says bias=true; write bias=auto to bind a bias only when "
                  "the file has one");
    else
        diag_help(b->cx, d,
                  "add  params \"PREFIX\"  to this line, or a rename table on the "
                  "weights line");
}

static bool same_shape(const WTensor *t, const Shape *s)
{
    if (t->rank != s->rank)
        return false;
    for (int i = 0; i < s->rank; i++)
        if (t->shape[i] != s->d[i])
            return false;
    return true;
}

static void wrong_shape(Binder *b, const GNode *n, const WTensor *t, const Shape *want)
{
    char sh[96];
    Diag *d = diag_error(b->cx, n->site, "tensor '%s' has shape %s in %s, but layer %s expects %s",
                         t->name, weights_shape_str(&b->cx->arena, t->shape, t->rank),
                         b->wf->display_name, n->name, shape_str(want, sh, sizeof sh));
    const GNode *src = &b->g->nodes[n->in[0]];
    diag_note(b->cx, d, "the input to %s has shape %s (from '%s', line %u)", n->name,
              shape_str(&src->shape, sh, sizeof sh), src->name, line_of(b->cx, src->site));
    if (b->g->layout_keras && want->rank >= 2)
        diag_note(b->cx, d, "%s (the weights line says layout keras)", layout_keras_note(n));
    else if (n->op == GOP_CONV2D && t->rank == 4)
        diag_note(b->cx, d, "torch conv weights are [out, in/groups, kh, kw]");
    else if (n->op == GOP_DENSE && t->rank == 2)
        diag_note(b->cx, d, "torch linear weights are [out, in]");
}

static bool bind_role(Binder *b, uint32_t idx, TensorRole r)
{
    GNode *n = &b->g->nodes[idx];
    WTensor *t = weights_find(b->wf, n->tensor[r]);
    if (!t) {
        // bias=auto: no bias in the file means none; but a batch norm always has one,
        // and a name the user wrote must exist.
        if (r == TR_BIAS && n->bias == BIAS_AUTO && n->op != GOP_BATCHNORM && !n->tensor_named[r])
            return true;
        missing(b, n, r);
        return false;
    }
    int32_t *owner = &b->owner[t - b->wf->tensors];
    if (*owner >= 0) {
        Diag *d = diag_error(b->cx, n->tensor_span, "tensor '%s' is bound by two layers", t->name);
        diag_note(b->cx, d, "'%s' binds it too; tied weights are not supported",
                  b->g->nodes[*owner].name);
        return false;
    }
    *owner = (int32_t)idx;
    t->used = true;
    if (!t->data) {
        Diag *d = diag_error(b->cx, n->tensor_span, "tensor '%s' has dtype %s", t->name,
                             t->dtype_name);
        diag_note(b->cx, d, "weights must be F32, F16, BF16 or F64");
        return false;
    }
    Shape want, keras;
    gnode_tensor_shape(b->g, n, r, &want);
    bool transpose = b->g->layout_keras && layout_keras_shape(n, r, &want, &keras);
    const GNode *bn = transpose ? layout_keras_unsupported(b->g, n) : NULL;
    if (bn) {
        Diag *d = diag_error(b->cx, n->site,
                             "layout keras: batchnorm '%s' sits between a flattened image and "
                             "dense '%s'",
                             bn->name, n->name);
        diag_note(b->cx, d,
                  "Keras flattens channels-last, so that batch norm's vectors are in (h, w, "
                  "c) order; hbnnc reorders dense kernels but not those");
        diag_help(b->cx, d, "move the batch norm before the flatten, or export in torch layout");
        return false;
    }
    if (!same_shape(t, transpose ? &keras : &want)) {
        wrong_shape(b, n, t, transpose ? &keras : &want);
        return false;
    }
    if (r == TR_RUNNING_VAR) {
        for (uint64_t i = 0; i < t->nelem; i++) {
            if (t->data[i] < 0) {
                diag_error(b->cx, n->tensor_span,
                           "tensor '%s' has a negative variance %g at "
                           "index %llu",
                           t->name, (double)t->data[i], (unsigned long long)i);
                return false;
            }
        }
    }
    n->bound[r] = transpose ? layout_keras_to_torch(&b->cx->arena, b->g, n, t, &want) : t;
    return true;
}

/* A static quantizer's scales tensor L.scales: optional; if present, float32 [k]
 * (k = the quantizer's planes), finite and not negative (beta_n is a mean |residual|). */
static void bind_scales(Binder *b, uint32_t idx)
{
    GNode *n = &b->g->nodes[idx];
    WTensor *t = weights_find(b->wf, n->scales_tensor);
    if (!t)
        return;
    int32_t *owner = &b->owner[t - b->wf->tensors];
    if (*owner >= 0) {
        Diag *d = diag_error(b->cx, n->site, "tensor '%s' is bound by two layers", t->name);
        diag_note(b->cx, d, "'%s' binds it too", b->g->nodes[*owner].name);
        return;
    }
    *owner = (int32_t)idx;
    t->used = true;
    int k = n->aq->share_bits[n->aq->nshares - 1];
    if (!t->data) {
        Diag *d = diag_error(b->cx, n->site, "tensor '%s' has dtype %s", t->name, t->dtype_name);
        diag_note(b->cx, d, "activation scales must be F32, F16, BF16 or F64");
        return;
    }
    if (t->rank != 1 || t->shape[0] != k) {
        Diag *d = diag_error(b->cx, n->site,
                             "tensor '%s' has shape %s in %s, but quantizer %s expects [%d]",
                             t->name, weights_shape_str(&b->cx->arena, t->shape, t->rank),
                             b->wf->display_name, n->name, k);
        diag_note(b->cx, d, "a %d-plane quantizer has one static scale per plane", k);
        return;
    }
    for (uint64_t i = 0; i < t->nelem; i++) {
        if (!(t->data[i] >= 0) || t->data[i] == INFINITY) {
            diag_error(b->cx, n->site,
                       "tensor '%s' has scale %g at index %llu; activation scales must be "
                       "finite and not negative",
                       t->name, (double)t->data[i], (unsigned long long)i);
            return;
        }
    }
    n->scales_bound = t;
}

/* torch's BatchNorm keeps a step counter that inference ignores: mark it used. */
static void claim_counter(Binder *b, const GNode *n)
{
    const char *w = n->tensor[TR_WEIGHT];
    size_t len = strlen(w);
    if (len < 7 || strcmp(w + len - 7, ".weight") != 0)
        return;
    char *name = arena_printf(&b->cx->arena, "%.*snum_batches_tracked", (int)(len - 6), w);
    WTensor *t = weights_find(b->wf, name);
    if (t && t->dtype == WD_I64)
        t->used = true;
}

static void warn_unused(Binder *b)
{
    uint32_t count = 0;
    char buf[600] = "";
    for (uint32_t i = 0; i < b->wf->n; i++) {
        if (b->wf->tensors[i].used)
            continue;
        if (count < 10)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s'%s'", count ? ", " : "",
                     b->wf->tensors[i].name);
        count++;
    }
    if (count == 0)
        return;
    Diag *d = diag_file_warning(b->cx, b->wf->display_name,
                                "%u tensor%s in the file %s not used by network '%s'", count,
                                count == 1 ? "" : "s", count == 1 ? "is" : "are", b->g->name);
    diag_note(b->cx, d, "unused: %s%s", buf, count > 10 ? ", ..." : "");
}

bool bind_graph(HbCx *cx, Graph *g, WFile *wf)
{
    Binder b = {cx, g, wf, arena_calloc(&cx->arena, wf->n + 1, sizeof(int32_t))};
    for (uint32_t i = 0; i < wf->n; i++)
        b.owner[i] = -1;
    int before = diag_errors(cx);
    for (uint32_t i = 0; i < g->n; i++) {
        GNode *n = &g->nodes[i];
        if (!n->shape.known)
            continue;
        for (int r = 0; r < TR_COUNT; r++)
            if (n->tensor[r])
                bind_role(&b, i, (TensorRole)r);
        if (n->op == GOP_BATCHNORM && n->tensor[TR_WEIGHT])
            claim_counter(&b, n);
        if (n->scales_tensor)
            bind_scales(&b, i);
    }
    if (diag_errors(cx) == before)
        warn_unused(&b);
    g->bound = diag_errors(cx) == before;
    return g->bound;
}

/* ---- quantization ---- */

static void warn_zero_shares(HbCx *cx, const GNode *n, const QTensor *q)
{
    for (int k = 0; k < q->chosen.n; k++) {
        int bits = q->chosen.bits[k];
        if (!(q->share_zero_warning_mask & (1u << bits)))
            continue;
        Diag *d = diag_warning(cx, span_valid(n->wq->span) ? n->wq->span : n->site,
                               "share %d:%g%% of '%s' (%llu elements) rounds to 0 elements", bits,
                               q->chosen.frac[k] * 100, n->tensor[TR_WEIGHT],
                               (unsigned long long)q->n);
        char buf[200] = "";
        for (int b = 1; b <= HB_MAX_BITS; b++)
            if (q->counts[b])
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%d-bit %llu (%.1f%%)",
                         buf[0] ? ", " : "", b, (unsigned long long)q->counts[b],
                         100.0 * (double)q->counts[b] / (double)q->n);
        diag_note(cx, d, "realised distribution %s; average %.2f bits", buf, q->avg_bits);
    }
}

bool quantize_graph(HbCx *cx, Graph *g)
{
    int before = diag_errors(cx);
    uint32_t count = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const GNode *n = &g->nodes[i];
        count += (n->op == GOP_CONV2D || n->op == GOP_DENSE) && n->bound[TR_WEIGHT];
    }
    uint32_t *nodes = arena_calloc(&cx->arena, count + 1, sizeof *nodes), k = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const GNode *n = &g->nodes[i];
        if ((n->op == GOP_CONV2D || n->op == GOP_DENSE) && n->bound[TR_WEIGHT])
            nodes[k++] = i;
    }
    QSlot *slots = arena_calloc(&cx->arena, count + 1, sizeof *slots);
    quant_par_run(cx, g, nodes, count, slots);
    for (k = 0; k < count; k++) { // reported in node order, whatever thread did the work
        GNode *n = &g->nodes[nodes[k]];
        if (!slots[k].ok) {
            diag_error(cx, n->site, "cannot quantize '%s': %s", n->bound[TR_WEIGHT]->name,
                       slots[k].err ? slots[k].err : "?");
            continue;
        }
        warn_zero_shares(cx, n, &slots[k].q);
        n->qw = &slots[k].q;
    }
    g->quantized = diag_errors(cx) == before;
    return g->quantized;
}
