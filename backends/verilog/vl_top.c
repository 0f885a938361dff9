// SPDX-License-Identifier: MIT
/* vl_top.c: NAME_top.v, the stages chained between the AXI4-Stream slave (the input
 * quantizer's bits, one frame per beat) and master (the last stage's integers or bits,
 * tlast on every beat: a beat is a whole frame). Payloads are padded to whole bytes;
 * the output padding is driven to 0. */
#include "vl_internal.h"

void vl_write_top(FILE *f, const VlPlan *p)
{
    unsigned long long iw = p->in.width, ow = p->out.width;
    unsigned long long ib = vl_bytes8(iw), ob = vl_bytes8(ow);
    uint32_t n = p->stages.len;
    fprintf(f,
            "`timescale 1ns / 1ps\n// %s_top: network '%s' (hbnnc --target verilog; generated). "
            "See "
            "%s_manifest.md.\n",
            p->name, p->m->name, p->name);
    fprintf(f, "module %s_top (\n    input wire aclk,\n    input wire aresetn,\n", p->name);
    fprintf(f,
            "    /* verilator lint_off UNUSEDSIGNAL */\n"
            "    input wire [%llu:0] s_axis_tdata,\n"
            "    /* verilator lint_on UNUSEDSIGNAL */\n",
            ib - 1);
    fprintf(f,
            "    input wire s_axis_tvalid,\n    output wire s_axis_tready,\n"
            "    output wire [%llu:0] m_axis_tdata,\n    output wire m_axis_tvalid,\n"
            "    input wire m_axis_tready,\n    output wire m_axis_tlast\n);\n",
            ob - 1);
    if (p->int_in) { // byte e = the integer; plane n = its bit 7 - n (i8: bit 7 inverted)
        fprintf(f, "    wire [%llu:0] d0;\n", iw - 1);
        for (uint64_t e = 0; e < p->in.elems; e++) {
            unsigned long long b = 8 * (unsigned long long)e;
            fprintf(f, "    assign d0[%llu:%llu] = {", b + 7, b);
            for (int k = 0; k < 8; k++)
                fprintf(f, "%s%ss_axis_tdata[%llu]", k ? ", " : "",
                        k == 7 && p->int_in == 'i' ? "~" : "", b + (unsigned long long)k);
            fprintf(f, "};\n");
        }
    } else {
        fprintf(f, "    wire [%llu:0] d0 = s_axis_tdata[%llu:0];\n", iw - 1, iw - 1);
    }
    fprintf(f, "    wire v0 = s_axis_tvalid;\n    wire r0;\n    assign s_axis_tready = r0;\n");
    for (uint32_t i = 0; i < n; i++) {
        const VlStage *s = &p->stages.data[i];
        fprintf(f, "    wire [%llu:0] d%u;\n    wire v%u;\n    wire r%u;\n",
                (unsigned long long)vl_port_width(p, s, true) - 1, i + 1, i + 1, i + 1);
        fprintf(f,
                "    %s u%u (.aclk(aclk), .aresetn(aresetn), .s_tdata(d%u), .s_tvalid(v%u), "
                ".s_tready(r%u),\n        .m_tdata(d%u), .m_tvalid(v%u), .m_tready(r%u));\n",
                s->name, i, i, i, i, i + 1, i + 1, i + 1);
    }
    if (ob > ow)
        fprintf(f, "    assign m_axis_tdata = {%llu'd0, d%u};\n", ob - ow, n);
    else
        fprintf(f, "    assign m_axis_tdata = d%u;\n", n);
    fprintf(f,
            "    assign m_axis_tvalid = v%u;\n    assign r%u = m_axis_tready;\n"
            "    assign m_axis_tlast = 1'b1; // every beat ends a frame\nendmodule\n",
            n, n);
}
