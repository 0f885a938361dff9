// SPDX-License-Identifier: MIT
/* explain_kernels.c: --explain's kernel plan per bpop layer (int8 or bit-serial, the
 * cost model's cycle estimates and why, the fused tile epilogue and its estimate) and per
 * float conv2d / dense layer (its fused epilogue), asked of the --target backend through
 * Backend.kernels after lowering; docs/cpu-backend.md "int8 kernels and the cost model". */
#include "explain_kernels.h"

#include "backend.h"
#include "explain.h"

bool explain_kernels_can_lower(const DriverOptions *o, const Graph *g)
{
    if (!g->bound || !g->quantized)
        return false;
    for (uint32_t i = 0; i < g->n && !o->calibrate; i++) {
        const GNode *n = &g->nodes[i];
        if (n->op == GOP_QUANT && n->aq->kind == QK_BITS && n->aq->act_scale == ACT_SCALE_STATIC &&
            !n->scales_bound)
            return false;
    }
    return true;
}

static const char *const kernel_names[] = {"auto", "bitserial", "int8"};

static void text(FILE *out, const DriverOptions *o, const KernelChoice *ch, uint32_t n,
                 const char *isa)
{
    fprintf(out, "\nkernels (--cpu %s: %s; --kernel %s; estimated cycles per example):\n",
            o->cpu ? o->cpu : "native", isa, kernel_names[o->kernel]);
    for (uint32_t k = 0; k < n; k++) {
        const KernelChoice *c = &ch[k];
        if (c->is_float) {
            if (c->float_f32)
                fprintf(out,
                        "  %s: float, %.4g MACs: float32, each output's bits checked against "
                        "the sum's error bound (double where they could differ)\n",
                        c->layer, c->macs);
            else
                fprintf(out,
                        "  %s: float, %.4g MACs: double, each output summed in the "
                        "interpreter's order\n",
                        c->layer, c->macs);
            if (c->epilogue && c->epilogue_float)
                fprintf(out, "    fused epilogue: batchnorm%s in the tile, writes %s as f32\n",
                        c->epilogue_relu ? " + relu" : "", c->epilogue);
            else if (c->epilogue && c->epilogue_bits)
                fprintf(out,
                        "    fused epilogue: %s%d-bit static quant in the tile, writes %s "
                        "packed\n",
                        c->epilogue_bn ? "batchnorm + " : "", c->epilogue_bits, c->epilogue);
            else if (c->epilogue)
                fprintf(out, "    fused epilogue: %ssign in the tile, writes %s packed\n",
                        c->epilogue_bn ? "batchnorm + " : "", c->epilogue);
            continue;
        }
        const char *path = c->dw_bits ? "bit-sliced" : "bit-serial";
        char lv[64] = "";
        if (c->dw_levels)
            snprintf(lv, sizeof lv, ", tap levels as %d-bit weights", c->dw_levels);
        fprintf(out, "  %s: W%dA%d%s%s%s, %.4g MACs: %s %.4g%s%s%s, int8 ", c->layer, c->wbits,
                c->abits, c->masked ? " masked" : "", c->groups ? ", group channel " : "",
                c->groups ? c->groups : "", c->macs, path, c->cost_bitserial,
                c->dw_pairs  ? " (depthwise pair sums)"
                : c->dw_bits ? " (depthwise, channels in bits"
                             : "",
                lv, c->dw_bits ? ")" : "");
        if (c->eligible)
            fprintf(out, "%.4g -> %s (%s)\n", c->cost_int8, c->int8 ? "int8" : path, c->why);
        else
            fprintf(out, "not eligible -> %s (%s)\n", path, c->why);
        if (c->epilogue && c->dw_bits && c->epilogue_float)
            fprintf(out,
                    "    fused epilogue: fcomb%s in the kernel (bit-sliced, double), writes %s "
                    "as f32\n",
                    c->epilogue_bn ? " + batchnorm" : "", c->epilogue);
        else if (c->epilogue && c->dw_bits && c->epilogue_bits > 1)
            fprintf(out,
                    "    fused epilogue: icomb + %d-bit threshold in the kernel (bit-sliced), "
                    "writes %s packed\n",
                    c->epilogue_bits, c->epilogue);
        else if (c->epilogue && c->dw_bits)
            fprintf(out,
                    "    fused epilogue: icomb + threshold in the kernel (bit-sliced), writes %s "
                    "packed\n",
                    c->epilogue);
        else if (c->epilogue && c->epilogue_float)
            fprintf(out,
                    "    fused epilogue: fcomb%s in the tile (double), writes %s as f32, %.4g "
                    "cycles\n",
                    c->epilogue_bn ? " + batchnorm" : "", c->epilogue, c->cost_epilogue);
        else if (c->epilogue && c->epilogue_dequant)
            fprintf(out,
                    "    fused epilogue: icomb + %d-bit threshold%s + dequant in the tile, "
                    "writes %s as f32, %.4g cycles\n",
                    c->epilogue_bits, c->epilogue_pool ? " + maxpool" : "", c->epilogue,
                    c->cost_epilogue);
        else if (c->epilogue && c->epilogue_codes)
            fprintf(out,
                    "    fused epilogue: icomb + %d-bit threshold in the %s, writes %s as "
                    "codes, %.4g cycles\n",
                    c->epilogue_bits, c->dw_pairs ? "kernel" : "tile", c->epilogue,
                    c->cost_epilogue);
        else if (c->epilogue && c->epilogue_bits > 1)
            fprintf(out,
                    "    fused epilogue: icomb + %d-bit threshold%s in the tile, writes %s "
                    "packed, %.4g cycles\n",
                    c->epilogue_bits, c->epilogue_pool ? " + maxpool on codes" : "", c->epilogue,
                    c->cost_epilogue);
        else if (c->epilogue)
            fprintf(out,
                    "    fused epilogue: icomb + threshold%s in the tile, writes %s packed, %.4g "
                    "cycles\n",
                    c->epilogue_pool ? " + maxpool" : "", c->epilogue, c->cost_epilogue);
    }
}

static void json(FILE *out, const DriverOptions *o, const KernelChoice *ch, uint32_t n,
                 const char *isa)
{
    fprintf(out, "\"kernels\": {\"cpu\": ");
    explain_json_str(out, o->cpu ? o->cpu : "native");
    fprintf(out, ", \"isa\": ");
    explain_json_str(out, isa);
    fprintf(out, ", \"kernel\": \"%s\", \"layers\": [", kernel_names[o->kernel]);
    for (uint32_t k = 0; k < n; k++) {
        const KernelChoice *c = &ch[k];
        fprintf(out, "%s\n  {\"layer\": ", k ? "," : "");
        explain_json_str(out, c->layer);
        if (c->is_float) {
            fprintf(out, ", \"kind\": \"float\", \"macs\": %.17g, \"epilogue\": ", c->macs);
            if (c->epilogue)
                explain_json_str(out, c->epilogue);
            else
                fprintf(out, "null");
            fprintf(out,
                    ", \"epilogue_bn\": %s, \"epilogue_float\": %s, \"epilogue_relu\": %s, "
                    "\"sums\": \"%s\"}",
                    c->epilogue_bn ? "true" : "false", c->epilogue_float ? "true" : "false",
                    c->epilogue_relu ? "true" : "false", c->float_f32 ? "f32-checked" : "double");
            continue;
        }
        fprintf(out, ", \"kind\": \"bitplane\"");
        fprintf(out,
                ", \"wbits\": %d, \"abits\": %d, \"masked\": %s, \"macs\": %.17g, "
                "\"cost_bitserial\": %.6g, \"dw_pairs\": %s, \"dw_bits\": %s, "
                "\"dw_level_bits\": %d, \"eligible\": %s, \"cost_int8\": ",
                c->wbits, c->abits, c->masked ? "true" : "false", c->macs, c->cost_bitserial,
                c->dw_pairs ? "true" : "false", c->dw_bits ? "true" : "false", c->dw_levels,
                c->eligible ? "true" : "false");
        if (c->eligible)
            fprintf(out, "%.6g", c->cost_int8);
        else
            fprintf(out, "null");
        fprintf(out, ", \"groups\": ");
        if (c->groups)
            explain_json_str(out, c->groups);
        else
            fprintf(out, "null");
        fprintf(out, ", \"choice\": \"%s\", \"why\": ", c->int8 ? "int8" : "bitserial");
        explain_json_str(out, c->why);
        fprintf(out, ", \"epilogue\": ");
        if (c->epilogue)
            explain_json_str(out, c->epilogue);
        else
            fprintf(out, "null");
        fprintf(out,
                ", \"epilogue_pool\": %s, \"epilogue_float\": %s, \"epilogue_bits\": %d, "
                "\"epilogue_dequant\": %s, \"epilogue_codes\": %s, \"cost_epilogue\": %.6g",
                c->epilogue_pool ? "true" : "false", c->epilogue_float ? "true" : "false",
                c->epilogue && !c->epilogue_float ? c->epilogue_bits : 0,
                c->epilogue_dequant ? "true" : "false", c->epilogue_codes ? "true" : "false",
                c->cost_epilogue);
        fputc('}', out);
    }
    fprintf(out, "%s]}", n ? "\n" : "");
}

bool explain_kernels(HbCx *cx, const DriverOptions *o, const IrModule *m, bool whole)
{
    const Backend *b = backend_find(o->target ? o->target : "cpu");
    if (!b || !b->kernels || o->explain == EXPLAIN_NONE)
        return true;
    BackendOptions bo = {.name = m->name, .cpu = o->cpu ? o->cpu : "native", .kernel = o->kernel};
    KernelChoice *ch = NULL;
    uint32_t n = 0;
    const char *isa = "";
    bool ok = b->kernels(cx, m, &bo, &ch, &n, &isa);
    if (!n) // no bit-plane layers: nothing to choose
        return ok;
    if (o->explain == EXPLAIN_TEXT) {
        text(o->out, o, ch, n, isa);
        return ok;
    }
    fputs(whole ? "{" : ", ", o->out);
    json(o->out, o, ch, n, isa);
    fputs(whole ? "}\n" : "", o->out);
    return ok;
}
