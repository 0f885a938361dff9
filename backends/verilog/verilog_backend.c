// SPDX-License-Identifier: MIT
/* verilog_backend.c: --target verilog. Plans the hardware part of the IR (vl_plan.c),
 * then writes the whole directory into a fresh temporary directory next to the target
 * and renames it into place, so a failed run leaves nothing and a rebuild gives the
 * same bytes. An existing target is replaced only if it is empty or one of ours. */
#define _XOPEN_SOURCE 700 // nftw
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "vl_report.h"

enum { VL_VECTORS = 64 }; // testbench frames

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct Emit {
    HbCx *cx;
    const VlPlan *p;
    const char *tmp;
    bool ok;
    const BackendOptions *o; // --vectors
    int nvec;                // testbench frames
} Emit;

static FILE *file_begin(Emit *e, HbOut *o, const char *file)
{
    if (!e->ok ||
        !hb_out_begin(e->cx, o, arena_printf(&e->cx->arena, "%s/%s", e->tmp, file), false)) {
        e->ok = false;
        return NULL;
    }
    return o->f;
}

static void file_end(Emit *e, HbOut *o, bool ok)
{
    if (!hb_out_end(e->cx, o, ok && e->ok))
        e->ok = false;
}

static void write_files(Emit *e)
{
    const VlPlan *p = e->p;
    HbOut o;
    FILE *f;
    for (uint32_t i = 0; i < p->stages.len; i++) {
        const VlStage *s = &p->stages.data[i];
        if ((f = file_begin(e, &o, arena_printf(&e->cx->arena, "%s.v", s->name)))) {
            if (s->kind == VL_OUT)
                vl_write_out(f, p, s);
            else
                vl_write_layer(f, &e->cx->arena, p, s);
            file_end(e, &o, true);
        }
        if (s->pe && (f = file_begin(e, &o, arena_printf(&e->cx->arena, "%s_w.hex", s->name)))) {
            vl_write_fold_wrom(f, p, s);
            file_end(e, &o, true);
        }
        if (s->pe && (f = file_begin(e, &o, arena_printf(&e->cx->arena, "%s_n.hex", s->name)))) {
            vl_write_fold_nrom(f, p, s);
            file_end(e, &o, true);
        }
    }
    if ((f = file_begin(e, &o, arena_printf(&e->cx->arena, "%s_top.v", p->name)))) {
        vl_write_top(f, p);
        file_end(e, &o, true);
    }
    if ((f = file_begin(e, &o, arena_printf(&e->cx->arena, "tb_%s.v", p->name)))) {
        vl_write_tb(f, p, e->nvec);
        file_end(e, &o, true);
    }
    if ((f = file_begin(e, &o, arena_printf(&e->cx->arena, "%s_manifest.json", p->name)))) {
        vl_write_manifest_json(f, p, e->nvec);
        file_end(e, &o, true);
    }
    if ((f = file_begin(e, &o, arena_printf(&e->cx->arena, "%s_manifest.md", p->name)))) {
        vl_write_manifest_md(f, p, e->nvec);
        file_end(e, &o, true);
    }
    if (e->ok && mkdir(arena_printf(&e->cx->arena, "%s/vectors", e->tmp), 0777) != 0) {
        diag_file_error(e->cx, e->tmp, "cannot create vectors/: %s", strerror(errno));
        e->ok = false;
    }
    HbOut oi, oo;
    FILE *fi = file_begin(e, &oi, "vectors/in.hex");
    if (!fi)
        return;
    FILE *fo = file_begin(e, &oo, "vectors/out.hex");
    bool ok = fo && vl_vectors(e->cx, p, e->nvec, e->o, fi, fo);
    file_end(e, &oi, ok);
    if (fo)
        file_end(e, &oo, ok);
    e->ok = e->ok && ok;
}

/* May `dir` be replaced? Only an empty directory or one holding our manifest. */
static bool replaceable(HbCx *cx, const char *dir, const char *name, bool *exists)
{
    struct stat st;
    *exists = stat(dir, &st) == 0;
    if (!*exists)
        return true;
    if (!S_ISDIR(st.st_mode)) {
        diag_file_error(cx, dir,
                        "exists and is not a directory: --target verilog writes a "
                        "directory");
        return false;
    }
    if (access(arena_printf(&cx->arena, "%s/%s_manifest.json", dir, name), F_OK) == 0 ||
        rmdir(dir) == 0) {
        if (access(dir, F_OK) != 0) // it was empty and is gone now
            *exists = false;
        return true;
    }
    Diag *d = diag_file_error(cx, dir,
                              "refusing to replace a directory that hbnnc did not "
                              "write (no %s_manifest.json in it)",
                              name);
    diag_help(cx, d, "choose another directory with -o, or remove it");
    return false;
}

int verilog_emit(HbCx *cx, const IrModule *m, const BackendOptions *o)
{
    if (o->emit != BE_DEFAULT) {
        diag_file_error(cx, NULL,
                        "--target verilog writes a directory of Verilog; --emit "
                        "llvm|asm|obj|header are for --target cpu");
        return 2;
    }
    VlPlan p;
    const char *name = vl_ident(cx, o->name ? o->name : m->name);
    if (!vl_plan(cx, m, name, &p) || !vl_out_plan(cx, &p))
        return 1;
    p.arena = &cx->arena;
    vl_stream_plan(&p);
    if (o->target_cycles > 0)
        vl_fold_auto(&p, (uint64_t)o->target_cycles);
    char *dir = arena_strdup(
            &cx->arena, o->output ? o->output : arena_printf(&cx->arena, "%s_verilog", m->name));
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = 0;
    bool exists;
    if (!replaceable(cx, dir, name, &exists))
        return 2;
    if (!vl_check_vectors(cx, &p, o))
        return 1; // an input error (driver.h EXIT_INPUT): nothing written
    char *tmp = arena_printf(&cx->arena, "%s.tmpXXXXXX", dir);
    if (!mkdtemp(tmp)) {
        diag_file_error(cx, dir, "cannot create a temporary directory next to it: %s",
                        strerror(errno));
        return 2;
    }
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0777 & ~mask); // mkdtemp makes 0700; a directory gets what mkdir would
    Emit e = {cx, &p, tmp, true, o, o->vectors ? (int)o->nvectors : VL_VECTORS};
    write_files(&e);
    char *old = arena_printf(&cx->arena, "%s.oldXXXXXX", dir);
    if (e.ok && exists && (!mkdtemp(old) || rmdir(old) != 0 || rename(dir, old) != 0)) {
        diag_file_error(cx, dir, "cannot move the old directory aside: %s", strerror(errno));
        e.ok = false;
    }
    if (e.ok && rename(tmp, dir) != 0) {
        diag_file_error(cx, dir, "cannot rename the new directory into place: %s", strerror(errno));
        e.ok = false;
        if (exists)
            rename(old, dir);
    }
    if (!e.ok) {
        rm_tree(tmp);
        return diag_errors(cx) ? 2 : 3;
    }
    if (exists)
        rm_tree(old);
    return o->report ? vl_report(cx, &p, dir, o) : 0; // on the design in place
}
