// SPDX-License-Identifier: MIT
/* vl_report.c: --report area|timing after the design is written. Area: yosys
 * synthesizes NAME_top hierarchically (synth_ice40 -noflatten, or synth_xilinx) and
 * `stat -json` counts cells per module; each layer's counts go next to the analytic
 * estimate (vl_estimate.c) in NAME_report.md / .json, with yosys's own design total.
 * Timing: vl_timing.c. Scripts and logs stay in the directory for the user to rerun. */
#include "vl_report.h"

#include <jansson.h>
#include <string.h>

#include "output.h"

typedef struct Report {
    HbCx *cx;
    const VlPlan *p;
    const BackendPart *part;
    const char *dir;
    bool area;
    const char *yosys;  // yosys's version line
    VlCells *mod, *est; // per stage
    VlCells total, est_total;
    VlTiming timing;
} Report;

static void add_cell(VlCells *c, const char *type, long n)
{
    if (!strncmp(type, "SB_LUT4", 7) ||
        (!strncmp(type, "LUT", 3) && type[3] >= '1' && type[3] <= '6' && !type[4]))
        c->lut += n;
    else if (!strncmp(type, "RAM32", 5) || !strncmp(type, "RAM64", 5) ||
             !strncmp(type, "RAM128", 6))
        c->lut += n; // Xilinx LUT RAM
    else if (!strncmp(type, "SB_DFF", 6) || (type[0] == 'F' && type[1] == 'D'))
        c->ff += n;
    else if (!strcmp(type, "SB_CARRY") || !strcmp(type, "CARRY4"))
        c->carry += n;
    else if (!strncmp(type, "SB_RAM40_4K", 11) || !strcmp(type, "RAMB18E1"))
        c->bram += n;
    else if (!strcmp(type, "RAMB36E1"))
        c->bram += 2 * n;
    else
        c->other += n;
}

/* A module's primitive counts from yosys's `stat -json` (submodule instances skipped:
 * hierarchical synthesis counts each module's own cells). */
static VlCells cells_of(const VlPlan *p, json_t *mod)
{
    VlCells c = {0};
    const char *type;
    json_t *n;
    json_object_foreach(json_object_get(mod, "num_cells_by_type"), type, n)
    {
        bool sub = false;
        for (uint32_t i = 0; i < p->stages.len; i++)
            sub = sub || strcmp(type, p->stages.data[i].name) == 0;
        if (!sub && json_is_integer(n))
            add_cell(&c, type, (long)json_integer_value(n));
    }
    return c;
}

/* synth_ice40 flattens unless told not to; synth_xilinx keeps the hierarchy. */
static const char *noflatten(const BackendPart *part)
{
    return strcmp(part->synth, "synth_ice40") == 0 ? " -noflatten" : "";
}

static bool run_area(Report *r)
{
    HbCx *cx = r->cx;
    const VlPlan *p = r->p;
    char *files = arena_printf(&cx->arena, "%s_top.v", p->name);
    // A folded conv's unit (NAME_mvu) is flattened into its layer: the layer's counts
    // include it, and yosys 0.23's `stat -json` writes invalid JSON for deeper hierarchies
    char *flat = arena_strdup(&cx->arena, "");
    for (uint32_t i = 0; i < p->stages.len; i++) {
        const VlStage *s = &p->stages.data[i];
        files = arena_printf(&cx->arena, "%s %s.v", files, s->name);
        if (s->stream && s->pe)
            flat = arena_printf(&cx->arena, "%s %s", flat, s->name);
    }
    if (*flat)
        flat = arena_printf(&cx->arena, "hierarchy -top %s_top\nflatten%s\n", p->name, flat);
    const char *script = arena_printf(
            &cx->arena,
            "# --report area (hbnnc; generated): yosys -s %s_area.ys, from this directory\n"
            "read_verilog %s\n%s%s -top %s_top%s\ntee -q -o %s_area.json stat -json\n",
            p->name, files, flat, r->part->synth, p->name, noflatten(r->part), p->name);
    const char *ys = arena_printf(&cx->arena, "%s_area.ys", p->name);
    const char *argv[] = {"yosys", "-q", "-s", ys, NULL};
    if (!vl_write_text(cx, r->dir, ys, script) ||
        !vl_tool(cx, r->dir, argv, "yosys_area.log", "yosys", true))
        return false;
    const char *file = arena_printf(&cx->arena, "%s_area.json", p->name);
    char *text = vl_read_text(cx, r->dir, file);
    json_error_t err;
    json_t *root = text ? json_loads(text, 0, &err) : NULL;
    json_t *mods = json_object_get(root, "modules"), *design = json_object_get(root, "design");
    if (!json_is_object(mods) || !json_is_object(design)) {
        if (text)
            diag_file_error(cx, arena_printf(&cx->arena, "%s/%s", r->dir, file),
                            "not yosys `stat -json` output");
        json_decref(root);
        return false;
    }
    const char *creator = json_string_value(json_object_get(root, "creator")); // "Yosys 0.23 ..."
    r->yosys = arena_strdup(&cx->arena, creator ? creator : "yosys");
    for (uint32_t i = 0; i < p->stages.len; i++) {
        json_t *m = json_object_get(mods, arena_printf(&cx->arena, "\\%s", p->stages.data[i].name));
        r->mod[i] = m ? cells_of(p, m) : (VlCells){0};
    }
    r->total = cells_of(p, design);
    json_decref(root);
    r->area = true;
    return true;
}

static void json_cells(FILE *f, const char *key, const VlCells *c, bool est)
{
    fprintf(f, "\"%s\": {\"lut\": %ld, \"ff\": %ld, ", key, c->lut, c->ff);
    if (!est)
        fprintf(f, "\"carry\": %ld, \"other\": %ld, ", c->carry, c->other);
    fprintf(f, "\"bram\": %ld}", c->bram);
}

static void write_json(FILE *f, const Report *r)
{
    const VlPlan *p = r->p;
    fprintf(f, "{\n  \"network\": \"%s\",\n  \"part\": \"%s\",\n  \"part_name\": \"%s\",\n",
            p->m->name, r->part->name, r->part->desc);
    fprintf(f, "  \"cycles_per_frame\": 1,\n");
    if (r->area) {
        fprintf(f, "  \"area\": {\n    \"tool\": \"%s\", \"synth\": \"%s\",\n", r->yosys,
                r->part->synth);
        fprintf(f, "    \"estimate_formula\": \"%s\",\n    \"layers\": [\n", vl_estimate_formula);
        for (uint32_t i = 0; i < p->stages.len; i++) {
            const VlStage *s = &p->stages.data[i];
            fprintf(f, "      {\"module\": \"%s\", \"layer\": \"%s\", ", s->name, s->layer);
            json_cells(f, "yosys", &r->mod[i], false);
            fprintf(f, ", ");
            json_cells(f, "estimate", &r->est[i], true);
            fprintf(f, "}%s\n", i + 1 < p->stages.len ? "," : "");
        }
        fprintf(f, "    ],\n    ");
        json_cells(f, "total", &r->total, false);
        fprintf(f, ",\n    ");
        json_cells(f, "estimate_total", &r->est_total, true);
        fprintf(f, "\n  }%s\n", r->timing.ran || r->timing.why ? "," : "");
    }
    const VlTiming *t = &r->timing;
    if (t->ran)
        fprintf(f,
                "  \"timing\": {\"tool\": \"nextpnr-ice40 %s --package %s\", \"fits\": true, "
                "\"fmax_mhz\": %.2f, \"frames_per_second\": %.0f, \"logic_cells\": %ld, "
                "\"logic_cells_available\": %ld, \"brams\": %ld, \"brams_available\": %ld}\n",
                r->part->nextpnr, r->part->package, t->fmax, t->fmax * 1e6, t->lc, t->lc_avail,
                t->ram, t->ram_avail);
    else if (t->why)
        fprintf(f, "  \"timing\": {\"fits\": false, \"why\": \"%s\"}\n", t->why);
    fprintf(f, "}\n");
}

static void md_row(FILE *f, const char *mod, const char *layer, const VlCells *y, const VlCells *e)
{
    fprintf(f, "| %s | %s | %ld | %ld | %ld | %ld | %ld | %ld | %ld | %.2f |\n", mod, layer, y->lut,
            y->carry, y->ff, y->bram, e->lut, e->ff, e->bram,
            y->lut ? (double)e->lut / (double)y->lut : 0.0);
}

static void write_md(FILE *f, const Report *r)
{
    const VlPlan *p = r->p;
    fprintf(f, "# %s: --report on %s\n\n", p->m->name, r->part->desc);
    if (r->area) {
        fprintf(f,
                "## Area\n\n`%s -top %s_top%s` (%s), `stat` per module: "
                "`%s_area.ys`, log `yosys_area.log`, counts `%s_area.json`.\n\n",
                r->part->synth, p->name, noflatten(r->part), r->yosys, p->name, p->name);
        fprintf(f, "| module | layer | LUT | carry | FF | BRAM | est. LUT | est. FF | est. BRAM "
                   "| est./LUT |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (uint32_t i = 0; i < p->stages.len; i++)
            md_row(f, p->stages.data[i].name, p->stages.data[i].layer, &r->mod[i], &r->est[i]);
        md_row(f, "**total**", "(yosys: design)", &r->total, &r->est_total);
        fprintf(f, "\nLUT = %s, carry = %s, BRAM = %s. The estimate is analytic (%s).\n",
                r->part->nextpnr ? "SB_LUT4" : "LUT1..LUT6 and LUT RAM",
                r->part->nextpnr ? "SB_CARRY" : "CARRY4",
                r->part->nextpnr ? "SB_RAM40_4K" : "RAMB18 units (RAMB36 = 2)",
                vl_estimate_formula);
    }
    const VlTiming *t = &r->timing;
    if (t->ran)
        fprintf(f,
                "\n## Timing\n\n`nextpnr-ice40 %s --package %s` on `%s_fmax.v` (the design "
                "with its input shifted in from one pin and its output XOR-reduced to one, so "
                "any package fits; log `nextpnr.log`): **Fmax %.2f MHz**, %ld / %ld logic "
                "cells, %ld / %ld BRAM. At 1 cycle per frame: %.3g frames/s.\n",
                r->part->nextpnr, r->part->package, p->name, t->fmax, t->lc, t->lc_avail, t->ram,
                t->ram_avail, t->fmax * 1e6);
    else if (t->why)
        fprintf(f, "\n## Timing\n\nNot placed: %s.\n", t->why);
}

static bool write_reports(Report *r)
{
    HbCx *cx = r->cx;
    HbOut o;
    const char *base = arena_printf(&cx->arena, "%s/%s_report", r->dir, r->p->name);
    bool ok = hb_out_begin(cx, &o, arena_printf(&cx->arena, "%s.json", base), false);
    if (ok) {
        write_json(o.f, r);
        ok = hb_out_end(cx, &o, true);
    }
    if (ok && (ok = hb_out_begin(cx, &o, arena_printf(&cx->arena, "%s.md", base), false))) {
        write_md(o.f, r);
        ok = hb_out_end(cx, &o, true);
    }
    return ok;
}

static void summary(const Report *r)
{
    if (r->area)
        printf("hbnnc: area (%s, %s): %ld LUT, %ld FF, %ld carry, %ld BRAM; estimate %ld LUT, "
               "%ld FF, %ld BRAM\n",
               r->part->synth, r->part->desc, r->total.lut, r->total.ff, r->total.carry,
               r->total.bram, r->est_total.lut, r->est_total.ff, r->est_total.bram);
    if (r->timing.ran)
        printf("hbnnc: timing (nextpnr-ice40, %s): Fmax %.2f MHz, %ld/%ld logic cells, "
               "%ld/%ld BRAM\n",
               r->part->desc, r->timing.fmax, r->timing.lc, r->timing.lc_avail, r->timing.ram,
               r->timing.ram_avail);
    else if (r->timing.why)
        printf("hbnnc: timing (%s): does not fit: %s\n", r->part->desc, r->timing.why);
    printf("hbnnc: report: %s/%s_report.md\n", r->dir, r->p->name);
}

int vl_report(HbCx *cx, const VlPlan *p, const char *dir, const BackendOptions *o)
{
    Report r = {.cx = cx, .p = p, .part = o->fpga, .dir = dir};
    uint32_t n = p->stages.len;
    r.mod = arena_calloc(&cx->arena, n + 1, sizeof *r.mod);
    r.est = arena_calloc(&cx->arena, n + 1, sizeof *r.est);
    for (uint32_t i = 0; i < n; i++) {
        r.est[i] = vl_estimate(p, &p->stages.data[i]);
        r.est_total.lut += r.est[i].lut;
        r.est_total.ff += r.est[i].ff;
        r.est_total.bram += r.est[i].bram;
    }
    if ((o->report & BR_AREA) && !run_area(&r))
        return 2;
    if (o->report & BR_TIMING) {
        int rc = vl_timing(cx, p, dir, r.part, &r.timing);
        if (rc)
            return rc;
    }
    if (!write_reports(&r))
        return 2;
    summary(&r);
    return 0;
}
