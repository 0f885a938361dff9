// SPDX-License-Identifier: MIT
/* vl_timing.c: --report timing. The top module's buses are wider than any iCE40
 * package, so a harness NAME_fmax.v shifts the input beat in from one pin and XORs the
 * output beat down to one (every path of the design stays register to register). yosys
 * synthesizes it flat; if its cells alone exceed the part, nothing is placed and the
 * report says by how much; else nextpnr-ice40 places and routes it and gives Fmax. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "vl_report.h"

static const char *harness(HbCx *cx, const VlPlan *p)
{
    unsigned long long ib = vl_bytes8(p->in.width), ob = vl_bytes8(p->out.width);
    return arena_printf(
            &cx->arena,
            "`timescale 1ns / 1ps\n"
            "// %s_fmax: a place-and-route harness for %s_top (hbnnc --report timing; "
            "generated).\n// The input beat is shifted in from pin din, the output beat "
            "XOR-reduced to pin dout.\n"
            "module %s_fmax (\n    input wire clk,\n    input wire rstn,\n    input wire din,\n"
            "    input wire s_tvalid,\n    output wire s_tready,\n    output wire m_tvalid,\n"
            "    input wire m_tready,\n    output wire m_tlast,\n    output reg dout\n);\n"
            "    reg [%llu:0] sh;\n    wire [%llu:0] md;\n"
            "    always @(posedge clk) begin\n        sh <= {sh[%llu:0], din};\n"
            "        dout <= ^md;\n    end\n"
            "    %s_top u (.aclk(clk), .aresetn(rstn), .s_axis_tdata(sh), "
            ".s_axis_tvalid(s_tvalid),\n        .s_axis_tready(s_tready), .m_axis_tdata(md), "
            ".m_axis_tvalid(m_tvalid), .m_axis_tready(m_tready),\n        "
            ".m_axis_tlast(m_tlast));\nendmodule\n",
            p->name, p->name, p->name, ib - 1, ob - 1, ib - 2, p->name);
}

/* The flat design's cells from `stat -json`; false if unreadable (reported). */
static bool flat_cells(HbCx *cx, const char *dir, const char *file, VlCells *c)
{
    char *text = vl_read_text(cx, dir, file);
    json_error_t err;
    json_t *root = text ? json_loads(text, 0, &err) : NULL;
    json_t *by = json_object_get(json_object_get(root, "design"), "num_cells_by_type");
    if (!json_is_object(by)) {
        if (text)
            diag_file_error(cx, file, "not yosys `stat -json` output");
        json_decref(root);
        return false;
    }
    *c = (VlCells){0};
    const char *type;
    json_t *n;
    json_object_foreach(by, type, n)
    {
        long v = (long)json_integer_value(n);
        if (!strcmp(type, "SB_LUT4"))
            c->lut += v;
        else if (!strncmp(type, "SB_DFF", 6))
            c->ff += v;
        else if (!strcmp(type, "SB_CARRY"))
            c->carry += v;
        else if (!strncmp(type, "SB_RAM40_4K", 11))
            c->bram += v;
    }
    json_decref(root);
    return true;
}

/* "Info: \t ICESTORM_LC:   330/ 7680     4%": used and available of `what` ("ICESTORM_LC:"),
 * from the device utilisation table (printed once, before placement). */
static void utilisation(const char *log, const char *what, long *used, long *avail)
{
    const char *at = strstr(log, what);
    if (at && sscanf(at + strlen(what), " %ld/ %ld", used, avail) != 2)
        *used = *avail = 0;
}

/* The routed Fmax: the last "Max frequency for clock" line. */
static double fmax_of(const char *log)
{
    const char *key = "Max frequency for clock", *at = NULL;
    for (const char *q = strstr(log, key); q; q = strstr(q + 1, key))
        at = q;
    const char *colon = at ? strstr(at, "': ") : NULL;
    return colon ? strtod(colon + 3, NULL) : 0.0;
}

/* Too large for the part? Then t->why says by how much. The logic cells are at least
 * the largest of LUT4s, flip-flops and carries (an iCE40 cell has one of each). */
static bool too_large(HbCx *cx, const VlCells *c, const BackendPart *part, VlTiming *t)
{
    long lc = c->lut > c->ff ? c->lut : c->ff;
    lc = lc > c->carry ? lc : c->carry;
    if (lc > part->cells)
        t->why = arena_printf(&cx->arena,
                              "it needs at least %ld logic cells (%ld SB_LUT4, %ld SB_DFF, %ld "
                              "SB_CARRY), the %s has %d: %.2fx too large",
                              lc, c->lut, c->ff, c->carry, part->desc, part->cells,
                              (double)lc / part->cells);
    else if (c->bram > part->brams)
        t->why = arena_printf(&cx->arena, "it needs %ld block RAMs, the %s has %d: %.2fx too many",
                              c->bram, part->desc, part->brams, (double)c->bram / part->brams);
    return t->why != NULL;
}

int vl_timing(HbCx *cx, const VlPlan *p, const char *dir, const BackendPart *part, VlTiming *t)
{
    *t = (VlTiming){.lc_avail = part->cells, .ram_avail = part->brams};
    const char *top = arena_printf(&cx->arena, "%s_fmax", p->name);
    char *files = arena_printf(&cx->arena, "%s.v %s_top.v", top, p->name);
    for (uint32_t i = 0; i < p->stages.len; i++)
        files = arena_printf(&cx->arena, "%s %s.v", files, p->stages.data[i].name);
    const char *script = arena_printf(
            &cx->arena,
            "# --report timing (hbnnc; generated): yosys -s %s.ys, then nextpnr-ice40 "
            "(see %s_report.md)\nread_verilog %s\nsynth_ice40 -top %s -json %s_netlist.json\n"
            "tee -q -o %s_stat.json stat -json\n",
            top, p->name, files, top, top, top);
    const char *ys = arena_printf(&cx->arena, "%s.ys", top);
    const char *yargv[] = {"yosys", "-q", "-s", ys, NULL};
    VlCells c;
    if (!vl_write_text(cx, dir, arena_printf(&cx->arena, "%s.v", top), harness(cx, p)) ||
        !vl_write_text(cx, dir, ys, script) ||
        !vl_tool(cx, dir, yargv, "yosys_timing.log", "yosys", true) ||
        !flat_cells(cx, dir, arena_printf(&cx->arena, "%s_stat.json", top), &c))
        return 2;
    if (too_large(cx, &c, part, t))
        return 0;
    const char *nargv[] = {"nextpnr-ice40",
                           part->nextpnr,
                           "--package",
                           part->package,
                           "--json",
                           arena_printf(&cx->arena, "%s_netlist.json", top),
                           "--asc",
                           arena_printf(&cx->arena, "%s.asc", top),
                           "--freq",
                           "50",
                           "--seed",
                           "1",
                           "--timing-allow-fail",
                           NULL};
    bool ok = vl_tool(cx, dir, nargv, "nextpnr.log", "nextpnr-ice40", false);
    char *log = vl_read_text(cx, dir, "nextpnr.log");
    if (!log)
        return 2;
    utilisation(log, "ICESTORM_LC:", &t->lc, &t->lc_avail);
    utilisation(log, "ICESTORM_RAM:", &t->ram, &t->ram_avail);
    if (!ok) {
        if (t->lc > t->lc_avail || t->ram > t->ram_avail) { // packed, then did not fit
            t->why = arena_printf(&cx->arena,
                                  "%ld logic cells and %ld BRAM after packing, the %s has %ld "
                                  "and %ld",
                                  t->lc, t->ram, part->desc, t->lc_avail, t->ram_avail);
            return 0;
        }
        vl_tool_failed(cx, dir, nargv[0], "nextpnr.log");
        return 2;
    }
    t->fmax = fmax_of(log);
    t->ran = t->fits = t->fmax > 0;
    if (!t->ran) {
        diag_file_error(cx, arena_printf(&cx->arena, "%s/nextpnr.log", dir),
                        "no \"Max frequency\" line in nextpnr-ice40's log");
        return 2;
    }
    return 0;
}
