// SPDX-License-Identifier: MIT
/* cx.h: HbCx, the compilation context. One per compilation: it owns the arena, the
 * loaded source files, the diagnostics and the options. There are no mutable
 * globals anywhere in the compiler; everything hangs off this object. */
#ifndef HB_CX_H
#define HB_CX_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "source.h"

typedef struct HbOptions {
    DiagFormat diag_format;
    bool werror;
    bool color;             // ANSI colour in human diagnostics
    const char *stdlib_dir; // where std.hb lives (import std)
    uint32_t max_layers;    // instantiated layers allowed; 0: the default 10^6 (fuzzers: fewer)
    bool verbose;           // -v: time and memory per stage on stderr (stage_time.h)
} HbOptions;

typedef struct HbStageTime {
    const char *name;
    double ms;
    size_t arena_bytes;
} HbStageTime;

struct HbCx {
    Arena arena;
    HbOptions opts;
    HbVec(SrcFile *) files; // files.data[0] is a dummy so span.file == 0 means "none"
    Diag *diag_head, *diag_tail;
    int nerrors, nwarnings, ndropped;
    Diag dummy_diag; // returned once the error cap is reached
    FILE *diag_out;
    // -v (stage_time.c): the finished stages and the one running.
    HbVec(HbStageTime) stages;
    const char *stage_name;
    double stage_t0;
    size_t stage_arena0;
};

void cx_init(HbCx *cx, const HbOptions *opts);
void cx_destroy(HbCx *cx);

/* Read `path` into the arena and register it. Returns the file index (> 0), or 0 if
 * it cannot be read (errno is left set for the caller's message). `name` is how it
 * is shown in diagnostics (NULL: the path). */
uint32_t cx_load_file(HbCx *cx, const char *path, const char *name);
/* Register in-memory text (tests, fuzzers). Returns the file index. */
uint32_t cx_add_source(HbCx *cx, const char *name, const char *text, uint32_t len);

static inline const SrcFile *cx_file(const HbCx *cx, uint32_t id)
{
    return cx->files.data[id];
}

/* The text a span covers, copied into the arena. */
const char *cx_span_text(HbCx *cx, SrcSpan s);

#endif
