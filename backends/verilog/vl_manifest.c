// SPDX-License-Identifier: MIT
/* vl_manifest.c: NAME_manifest.json and NAME_manifest.md, the hardware contract: what
 * the host computes before and after the stream (the input quantizer, the final float
 * combine), beat packing, latency, cycles per frame, and per-layer cycles and present
 * (element, plane) pairs. */
#include "vl_internal.h"

static const char *wire_desc(const VlPlan *p, const VlWire *w, Arena *a)
{
    if (w == &p->in && p->int_in)
        return "element e as one byte at [8e +: 8]";
    if (w->is_bits)
        return arena_printf(a, "element e, plane n at bit e*%d + n (bit 1 = +1, plane 0 first)",
                            w->k);
    return "element e (row-major) as 32-bit two's complement at bits [32e +: 32]";
}

static void json_wire(FILE *f, const VlPlan *p, const VlWire *w, Arena *a)
{
    fprintf(f,
            "{\"value\": \"%%%s\", \"kind\": \"%s\", \"elements\": %llu, \"bits_per_element\": %d, "
            "\"payload_bits\": %llu, \"tdata_bits\": %llu, \"packing\": \"%s\"}",
            p->m->values.data[w->value].name, w->is_bits ? "bits" : "i32",
            (unsigned long long)w->elems, w->k, (unsigned long long)w->width,
            (unsigned long long)vl_bytes8(w->width), wire_desc(p, w, a));
}

static const char *head_desc(const VlPlan *p, Arena *a)
{
    const IrInst *h = p->head;
    if (p->int_in)
        return p->int_in == 'u' ? "nothing: tdata carries the u8 integers"
                                : "nothing: tdata carries the i8 integers (two's complement)";
    const IrType *t = &p->m->values.data[h->result].type;
    if (h->op == IR_OP_SIGN)
        return "bit = x > 0 (sign)";
    const float *b = p->m->consts.data[t->scale_const].f;
    char *s = arena_printf(a, "static residual quantization (quant), beta = [");
    for (int k = 0; k < t->bits; k++)
        s = arena_printf(a, "%s%s%.9g", s, k ? ", " : "", (double)b[k]);
    return arena_printf(a, "%s]: E = x; for n: bit_n = E > 0, E -= +-beta_n", s);
}

/* Present (weight element, weight plane, activation plane) triples of a unit. */
static uint64_t unit_pairs(const VlPlan *p, const VlStage *s)
{
    if (s->kind != VL_MVU)
        return 0;
    const IrConst *w = &p->m->consts.data[s->pop->args[1].id];
    uint64_t rows = (uint64_t)w->type.d[0], n = 0;
    if (!w->type.masked)
        return ir_type_elems(&w->type) * (uint64_t)w->type.bits * (uint64_t)s->in.k;
    for (uint64_t i = 0; i < (uint64_t)w->type.bits * rows * w->wpr; i++)
        n += (uint64_t)__builtin_popcountll(w->masks[i]);
    return n * (uint64_t)s->in.k;
}

static const char *stage_kind(const VlStage *s)
{
    if (s->kind == VL_POOL)
        return "maxpool (OR)";
    if (s->kind == VL_OUT)
        return "output: integer combine + bias [+ argmax]";
    if (s->thr)
        return s->pop->op == IR_OP_BPOP_DENSE ? "dense xnor-popcount + threshold"
                                              : "conv xnor-popcount + threshold";
    return s->comb ? "xnor-popcount + icomb" : "xnor-popcount (pair sums)";
}

void vl_write_manifest_json(FILE *f, const VlPlan *p, int nvec)
{
    fprintf(f, "{\n  \"network\": \"%s\",\n  \"top\": \"%s_top\",\n", p->m->name, p->name);
    fprintf(f, "  \"interface\": {\"clock\": \"aclk\", \"reset\": \"aresetn (synchronous, "
               "active low)\", \"in\": \"s_axis_tdata/tvalid/tready\", \"out\": "
               "\"m_axis_tdata/tvalid/tready/tlast\", \"beats_per_frame\": 1, \"tlast\": "
               "\"1 on every output beat\", \"padding\": \"tdata rounded up to whole bytes; "
               "output padding driven 0, input padding ignored\"},\n");
    fprintf(f, "  \"latency_cycles\": %llu,\n  \"cycles_per_frame\": %llu,\n",
            (unsigned long long)vl_latency(p), (unsigned long long)vl_frame_cycles(p));
    fprintf(f, "  \"host_before\": \"%s\",\n", head_desc(p, p->arena));
    fprintf(f, "  \"input\": ");
    json_wire(f, p, &p->in, p->arena);
    fprintf(f, ",\n  \"output\": ");
    json_wire(f, p, &p->out, p->arena);
    if (p->out_note)
        fprintf(f, ",\n  \"output_note\": \"%s\"", p->out_note);
    fprintf(f, ",\n  \"host_after\": [");
    for (uint32_t i = 0; i < p->tail.len; i++)
        fprintf(f, "%s\"%s %%%s\"", i ? ", " : "", ir_op_name(p->tail.data[i]->op),
                p->m->values.data[p->tail.data[i]->result].name);
    fprintf(f, "],\n  \"layers\": [\n");
    for (uint32_t i = 0; i < p->stages.len; i++) {
        const VlStage *s = &p->stages.data[i];
        fprintf(f,
                "    {\"module\": \"%s\", \"layer\": \"%s\", \"kind\": \"%s\", \"fold\": "
                "\"%s\", \"pe\": %lld, \"simd\": %lld, \"cycles_per_frame\": %llu, "
                "\"latency_cycles\": %llu, "
                "\"present_pairs\": %llu, \"in_bits\": %llu, \"out_bits\": %llu}%s\n",
                s->name, s->layer, stage_kind(s),
                s->stream && s->pe ? "streaming folded"
                : s->stream        ? "streaming"
                : s->pe            ? "folded"
                                   : "unrolled",
                (long long)s->pe, (long long)s->simd, (unsigned long long)vl_fold_cycles(p, s),
                (unsigned long long)vl_stage_latency(p, s), (unsigned long long)unit_pairs(p, s),
                (unsigned long long)s->in.width, (unsigned long long)s->out.width,
                i + 1 < p->stages.len ? "," : "");
    }
    fprintf(f,
            "  ],\n  \"testbench\": {\"file\": \"tb_%s.v\", \"vectors\": %d, \"in\": "
            "\"vectors/in.hex\", \"out\": \"vectors/out.hex\", \"run_from\": \"this "
            "directory\"}\n}\n",
            p->name, nvec);
}

void vl_write_manifest_md(FILE *f, const VlPlan *p, int nvec)
{
    fprintf(f, "# %s: hardware manifest\n\n", p->m->name);
    fprintf(f,
            "Generated by `hbnnc --target verilog`. Top module `%s_top`: AXI4-Stream in "
            "and out, `aclk`, synchronous active-low `aresetn`. One beat is one frame; "
            "`m_axis_tlast` is 1 on every beat.\n\n",
            p->name);
    fprintf(f, "- **Before the stream (host)**: %s.\n", head_desc(p, p->arena));
    fprintf(f, "- **Input beat**: %llu payload bits in %llu-bit tdata; %s.\n",
            (unsigned long long)p->in.width, (unsigned long long)vl_bytes8(p->in.width),
            wire_desc(p, &p->in, p->arena));
    fprintf(f, "- **Output beat**: `%%%s`, %llu payload bits in %llu-bit tdata; %s.\n",
            p->m->values.data[p->out.value].name, (unsigned long long)p->out.width,
            (unsigned long long)vl_bytes8(p->out.width), wire_desc(p, &p->out, p->arena));
    if (p->out_note)
        fprintf(f, "- **Output value**: %s.\n", p->out_note);
    fprintf(f, "- **After the stream (host)**:");
    for (uint32_t i = 0; i < p->tail.len; i++)
        fprintf(f, " `%s %%%s`", ir_op_name(p->tail.data[i]->op),
                p->m->values.data[p->tail.data[i]->result].name);
    fprintf(f, "%s\n", p->tail.len ? " (docs/ir.md §4)." : " nothing.");
    fprintf(f,
            "- **Latency**: %llu cycles; **throughput**: 1 frame per %llu cycles (the slowest "
            "layer; unrolled layers take 1, a folded one NF x SF + 4, a streaming conv or pool "
            "one cycle per pixel of its padded input, a folded conv NF x SF + 4 per window "
            "while its buffer walks on).\n\n",
            (unsigned long long)vl_latency(p), (unsigned long long)vl_frame_cycles(p));
    fprintf(f, "| module | layer | kind | fold | cycles/frame | present pairs | in bits | out "
               "bits |\n|---|---|---|---|---|---|---|---|\n");
    for (uint32_t i = 0; i < p->stages.len; i++) {
        const VlStage *s = &p->stages.data[i];
        const char *fold = s->pe ? arena_printf(p->arena, "pe=%lld simd=%lld", (long long)s->pe,
                                                (long long)s->simd)
                                 : "unrolled";
        if (s->stream) // vl_window.c: one pixel of the padded input per cycle
            fold = arena_printf(p->arena, "streaming (%s)%s",
                                s->pix_in || s->pix_out ? "pixels" : "frame in/out",
                                s->pe ? arena_printf(p->arena, ", folded %s", fold) : "");
        fprintf(f, "| %s | %s | %s | %s | %llu | %llu | %llu | %llu |\n", s->name, s->layer,
                stage_kind(s), fold, (unsigned long long)vl_fold_cycles(p, s),
                (unsigned long long)unit_pairs(p, s), (unsigned long long)s->in.width,
                (unsigned long long)s->out.width);
    }
    fprintf(f,
            "\nTestbench: `tb_%s.v` with %d vectors (`vectors/in.hex`, `vectors/out.hex`, "
            "from the reference interpreter), run from this directory:\n\n"
            "    iverilog -g2005 -o sim *.v && vvp -n sim\n"
            "    verilator --binary --top-module tb_%s *.v && ./obj_dir/Vtb_%s\n",
            p->name, nvec, p->name, p->name);
}
