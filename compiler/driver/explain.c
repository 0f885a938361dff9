// SPDX-License-Identifier: MIT
/* explain.c: the --explain report (text table and JSON) over the checked Graph.
 * One row per layer; quantized layers get a second line saying where each setting
 * came from, so no default is silent (docs/language.md §5, the defaults cascade). */
#include "explain.h"

#include <string.h>

#include "quant.h"
#include "weights.h"

const char *qspec_kind_str(HbCx *cx, const QuantSpec *q)
{
    switch (q->kind) {
    case QK_FLOAT:
        return "float";
    case QK_INT:
        return arena_printf(&cx->arena, "int %d", q->int_bits);
    case QK_BITS:
        break;
    }
    if (q->avg_search)
        return arena_printf(&cx->arena, "bits avg %g", q->avg);
    if (q->nshares == 1)
        return arena_printf(&cx->arena, "bits %d", q->share_bits[0]);
    char buf[160] = "bits";
    for (int i = 0; i < q->nshares; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %d:%g%%", q->share_bits[i],
                 q->share_frac[i] * 100);
    return arena_strdup(&cx->arena, buf);
}

static const char *select_str(HbCx *cx, const QuantSpec *q)
{
    if (q->select == SEL_RANDOM)
        return arena_printf(&cx->arena, "random(%llu)", (unsigned long long)q->seed);
    return selection_name(q->select);
}

static bool heterogeneous(const QuantSpec *q)
{
    return q->kind == QK_BITS && (q->nshares > 1 || q->avg_search);
}

/* The settings line under a quantized row: each setting and its origin. */
static void settings_line(FILE *out, HbCx *cx, const GNode *n, bool act)
{
    const QuantSpec *q = act ? n->aq : n->wq;
    fprintf(out, "      %s: %s (%s)", act ? "acts" : "weights", qspec_kind_str(cx, q),
            qorigin_name(q->origin_kind));
    if (q->kind == QK_BITS && heterogeneous(q))
        fprintf(out, ", select %s (%s)", select_str(cx, q), qorigin_name(q->origin_select));
    if (!act && q->kind != QK_FLOAT)
        fprintf(out, ", scale %s (%s)", scale_gran_name(q->scale), qorigin_name(q->origin_scale));
    if (!act && heterogeneous(q))
        fprintf(out, ", group %s (%s)", grouping_name(q->group), qorigin_name(q->origin_group));
    if (act && n->op == GOP_QUANT && q->kind != QK_FLOAT)
        fprintf(out, ", scale %s (%s)", act_scale_name(q->act_scale),
                qorigin_name(q->origin_scale));
    fputc('\n', out);
}

static const char *quant_cell(HbCx *cx, const GNode *n)
{
    if (n->op == GOP_CONV2D || n->op == GOP_DENSE)
        return qspec_kind_str(cx, n->wq);
    if (n->op == GOP_SIGN)
        return "sign (1 bit)";
    if (n->op == GOP_QUANT)
        return arena_printf(&cx->arena, "acts %s", qspec_kind_str(cx, n->aq));
    return "";
}

static void counts_line(FILE *out, const QTensor *q)
{
    fprintf(out, "      %llu elements:", (unsigned long long)q->n);
    const char *sep = " ";
    for (int b = 1; b <= HB_MAX_BITS; b++) {
        if (!q->counts[b])
            continue;
        fprintf(out, "%s%d-bit %llu (%.1f%%)", sep, b, (unsigned long long)q->counts[b],
                100.0 * (double)q->counts[b] / (double)q->n);
        sep = ", ";
    }
    fprintf(out, "; average %.3f bits\n", q->avg_bits);
}

static void scales_line(FILE *out, const QTensor *q)
{
    const float *sc = q->kind == QK_INT ? q->iscales : q->scales;
    uint32_t rows = q->kind == QK_INT ? q->channels : q->scale_rows;
    int per_row = q->kind == QK_INT ? 1 : q->maxbits;
    if (!sc)
        return;
    if (rows == 1) {
        fprintf(out, "      scales mu1..mu%d:", per_row);
        for (int m = 0; m < per_row; m++)
            fprintf(out, " %.6g", (double)sc[m]);
    } else {
        fprintf(out, "      scales: %u rows (per channel)%s, row 0:", rows,
                q->kind == QK_INT ? "" : " of mu1..muK");
        for (int m = 0; m < per_row; m++)
            fprintf(out, " %.6g", (double)sc[m]);
    }
    fputc('\n', out);
}

/* The realised quantization of one weight tensor (after binding). */
static void quant_detail(FILE *out, const GNode *n)
{
    const QTensor *q = n->qw;
    if (q->kind == QK_BITS) {
        counts_line(out, q);
        if (n->wq->avg_search) {
            fprintf(out, "      bits avg %g chose", n->wq->avg);
            for (int k = 0; k < q->chosen.n; k++)
                fprintf(out, " %d:%g%%", q->chosen.bits[k], q->chosen.frac[k] * 100);
            fputc('\n', out);
        }
    }
    scales_line(out, q);
    fprintf(out, "      error %.3f = ||W^ - W|| / ||W||", q->error); // relative L2, in double
    if (q->kind == QK_BITS && q->chosen.n > 1) {
        Grouping other = n->wq->group == GROUP_CHANNEL ? GROUP_ELEMENT : GROUP_CHANNEL;
        fprintf(out, " (group %s would give %.3f)", grouping_name(other),
                quant_error_grouped(n->bound[TR_WEIGHT]->data, q, n->wq, other));
    }
    fputc('\n', out);
    const QBytes *b = &q->bytes;
    if (q->kind == QK_BITS)
        fprintf(out,
                "      bytes: signs %llu, mask %llu (%s; entropy bound %llu), scales %llu, "
                "total %llu\n",
                (unsigned long long)b->signs, (unsigned long long)b->mask_code,
                b->mask_code ? "2-bit code" : "homogeneous", (unsigned long long)b->mask_entropy,
                (unsigned long long)b->scales, (unsigned long long)b->total);
    else
        fprintf(out, "      bytes: values %llu, scales %llu, total %llu\n",
                (unsigned long long)b->signs, (unsigned long long)b->scales,
                (unsigned long long)b->total);
}

/* The tensor names a layer binds; after binding, the ones actually bound. */
static void tensors_line(FILE *out, const Graph *g, const GNode *n)
{
    fprintf(out, "      tensors:");
    for (int r = 0; r < TR_COUNT; r++)
        if (n->tensor[r] && (!g->bound || n->bound[r]))
            fprintf(out, " %s", n->tensor[r]);
    bool auto_bias = n->bias == BIAS_AUTO && n->tensor[TR_BIAS] && n->op != GOP_BATCHNORM;
    if (auto_bias && !g->bound)
        fprintf(out, " (bias if present)");
    else if (auto_bias && !n->bound[TR_BIAS])
        fprintf(out, " (no %s in the file: no bias)", n->tensor[TR_BIAS]);
    fputc('\n', out);
}

void explain_text(FILE *out, HbCx *cx, const Graph *g)
{
    char sh[96];
    fprintf(out, "network %s: %u layers\n", g->name, g->n);
    if (g->weights_path)
        fprintf(out, "weights: %s\n", g->weights_path);
    else if (g->bound) // the driver binds a network without weight tensors to nothing
        fprintf(out, "weights: none needed (no layer has weight tensors)\n");
    else
        fprintf(out, "weights: none given, so no binding or quantization (pass --weights FILE)\n");
    fprintf(out, "%4s  %-20s %-10s %-16s %s\n", "#", "layer", "op", "output", "quantization");
    for (uint32_t i = 0; i < g->n; i++) {
        const GNode *n = &g->nodes[i];
        const char *label = n->label ? n->label : "-";
        fprintf(out, "%4u  %-20s %-10s %-16s %s\n", i, label, n->written,
                shape_str(&n->shape, sh, sizeof sh), quant_cell(cx, n));
        if (n->op == GOP_CONV2D || n->op == GOP_DENSE)
            settings_line(out, cx, n, false);
        if (n->qw)
            quant_detail(out, n);
        else if (n->op == GOP_QUANT)
            settings_line(out, cx, n, true);
        if (n->tensor[TR_WEIGHT])
            tensors_line(out, g, n);
    }
    fprintf(out, "output:");
    for (uint32_t i = 0; i < g->noutputs; i++)
        fprintf(out, " %s %s", g->nodes[g->outputs[i]].name,
                shape_str(&g->nodes[g->outputs[i]].shape, sh, sizeof sh));
    fputc('\n', out);
    if (!g->quantized)
        return;
    uint64_t total = 0, params = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->nodes[i].qw) {
            total += g->nodes[i].qw->bytes.total;
            params += g->nodes[i].qw->n;
        }
    }
    fprintf(out, "weights total: %llu elements in %llu bytes (float32: %llu bytes)\n",
            (unsigned long long)params, (unsigned long long)total, (unsigned long long)params * 4);
}

/* ---- JSON ---- */

void explain_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_shape(FILE *out, const Shape *s)
{
    fputc('[', out);
    for (int i = 0; s->known && i < s->rank; i++)
        fprintf(out, "%s%lld", i ? ", " : "", (long long)s->d[i]);
    fputc(']', out);
}

static void json_qspec(FILE *out, HbCx *cx, const GNode *n, const QuantSpec *q)
{
    fprintf(out, "{\"kind\": ");
    explain_json_str(out, qspec_kind_str(cx, q));
    fprintf(out, ", \"from\": ");
    explain_json_str(out, qorigin_name(q->origin_kind));
    if (n->op == GOP_SIGN) {
        fputc('}', out);
        return;
    }
    if (n->op == GOP_QUANT) {
        fprintf(out, ", \"scale\": \"%s\"}", act_scale_name(q->act_scale));
        return;
    }
    if (q->kind == QK_BITS) {
        fprintf(out, ", \"select\": ");
        explain_json_str(out, select_str(cx, q));
        fprintf(out, ", \"scale\": \"%s\", \"group\": \"%s\"", scale_gran_name(q->scale),
                grouping_name(q->group));
    }
    fputc('}', out);
}

static void json_scales(FILE *out, const QTensor *q, ScaleGran gran)
{
    const float *sc = q->kind == QK_INT ? q->iscales : q->scales;
    uint32_t rows = q->kind == QK_INT ? 1 : q->scale_rows;
    int per_row = q->kind == QK_INT ? (int)q->channels : q->maxbits;
    // Per-channel residual scales are always a list of rows (one row for a one-channel
    // tensor too), so a reader sees one shape per granularity.
    bool nested = q->kind == QK_BITS && gran == SCALE_PER_CHANNEL;
    fprintf(out, ", \"scales\": [");
    for (uint32_t r = 0; sc && r < rows; r++) {
        if (nested)
            fprintf(out, "%s[", r ? ", " : "");
        for (int m = 0; m < per_row; m++)
            fprintf(out, "%s%.9g", m ? ", " : "", (double)sc[r * (uint32_t)per_row + (uint32_t)m]);
        if (nested)
            fputc(']', out);
    }
    fputc(']', out);
}

static void json_quant(FILE *out, const GNode *n)
{
    const QTensor *q = n->qw;
    fprintf(out, ", \"elements\": %llu", (unsigned long long)q->n);
    if (q->kind == QK_BITS) {
        fprintf(out, ", \"counts\": {");
        const char *sep = "";
        for (int b = 1; b <= HB_MAX_BITS; b++) {
            if (q->counts[b]) {
                fprintf(out, "%s\"%d\": %llu", sep, b, (unsigned long long)q->counts[b]);
                sep = ", ";
            }
        }
        fputc('}', out);
    }
    fprintf(out, ", \"avg_bits\": %.6g", q->avg_bits);
    if (q->kind == QK_BITS) {
        fprintf(out, ", \"select\": \"%s\", \"group\": \"%s\", \"distribution\": {",
                selection_name(n->wq->select), grouping_name(n->wq->group));
        for (int k = 0; k < q->chosen.n; k++)
            fprintf(out, "%s\"%d\": %.6g", k ? ", " : "", q->chosen.bits[k], q->chosen.frac[k]);
        fputc('}', out);
        const float *T = n->bound[TR_WEIGHT]->data;
        fprintf(out, ", \"error_element\": %.6g, \"error_channel\": %.6g",
                quant_error_grouped(T, q, n->wq, GROUP_ELEMENT),
                quant_error_grouped(T, q, n->wq, GROUP_CHANNEL));
    }
    json_scales(out, q, n->wq->scale);
    fprintf(out,
            ", \"error\": %.6g, \"bytes\": {\"signs\": %llu, \"mask\": %llu, "
            "\"mask_entropy\": %llu, \"scales\": %llu, \"total\": %llu}",
            q->error, (unsigned long long)q->bytes.signs, (unsigned long long)q->bytes.mask_code,
            (unsigned long long)q->bytes.mask_entropy, (unsigned long long)q->bytes.scales,
            (unsigned long long)q->bytes.total);
}

void explain_json(FILE *out, HbCx *cx, const Graph *g)
{
    explain_json_begin(out, cx, g);
    explain_json_end(out);
}

void explain_json_end(FILE *out)
{
    fprintf(out, "}\n");
}

void explain_json_begin(FILE *out, HbCx *cx, const Graph *g)
{
    fprintf(out, "{\"network\": ");
    explain_json_str(out, g->name);
    fprintf(out, ", \"layers\": [");
    for (uint32_t i = 0; i < g->n; i++) {
        const GNode *n = &g->nodes[i];
        fprintf(out, "%s\n  {\"index\": %u, \"label\": ", i ? "," : "", i);
        if (n->label)
            explain_json_str(out, n->label);
        else
            fprintf(out, "null");
        fprintf(out, ", \"op\": ");
        explain_json_str(out, n->written);
        fprintf(out, ", \"shape\": ");
        json_shape(out, &n->shape);
        if (n->tensor[TR_WEIGHT]) {
            fprintf(out, ", \"tensor\": ");
            explain_json_str(out, n->tensor[TR_WEIGHT]);
        }
        if (n->op == GOP_CONV2D || n->op == GOP_DENSE) {
            fprintf(out, ", \"weights\": ");
            json_qspec(out, cx, n, n->wq);
            if (n->qw)
                json_quant(out, n);
        } else if (n->op == GOP_QUANT || n->op == GOP_SIGN) {
            fprintf(out, ", \"acts\": ");
            json_qspec(out, cx, n, n->aq);
        }
        fputc('}', out);
    }
    fprintf(out, "\n]");
}
