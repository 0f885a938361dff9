// SPDX-License-Identifier: MIT
/* diag.h: diagnostics. Errors are counted, not fatal: every stage reports all the
 * independent problems it finds (up to a cap), then the driver checks the count
 * before the next stage. Diagnostics are collected in HbCx and printed by
 * diag_flush() in GNU form with a source excerpt (human) or one line each (plain). */
#ifndef HB_DIAG_H
#define HB_DIAG_H

#include <stdbool.h>

#include "source.h"

typedef struct HbCx HbCx;

typedef enum DiagLevel { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef enum DiagFormat { DIAG_HUMAN, DIAG_PLAIN } DiagFormat;

#define DIAG_MAX_ERRORS 20
#define DIAG_MAX_LABELS 4
#define DIAG_MAX_NOTES  6

typedef struct DiagLabel {
    SrcSpan span;
    const char *text; // may be NULL: underline only
} DiagLabel;

typedef struct Diag {
    DiagLevel level;
    bool promoted;         // a warning turned into an error by -Werror
    SrcSpan span;          // primary location; invalid span = file-level ("hbnnc: FILE: error:")
    const char *file_name; // for file-level diagnostics (weights files, CLI); else NULL
    const char *msg;
    DiagLabel labels[DIAG_MAX_LABELS]; // labels[0] is printed under the primary span
    int nlabels;
    const char *notes[DIAG_MAX_NOTES]; // "note: ..." or "help: ..." (prefix included)
    int nnotes;
    struct Diag *next;
} Diag;

/* Report an error at `span`. Returns the diagnostic so labels, notes and help can be
 * attached; it is printed by the next diag_flush(). After DIAG_MAX_ERRORS errors the
 * rest are counted but dropped (a dummy Diag is returned so callers need not check). */
Diag *diag_error(HbCx *cx, SrcSpan span, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
Diag *diag_warning(HbCx *cx, SrcSpan span, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Errors about a whole file that has no source text of ours (a weights file, a
 * calibration file): printed as "hbnnc: FILE: error: message". */
Diag *diag_file_error(HbCx *cx, const char *file, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
Diag *diag_file_warning(HbCx *cx, const char *file, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Information about a file that is neither wrong nor suspicious ("converted float64 to
 * float32"): "hbnnc: FILE: note: message"; not counted, not promoted by -Werror. */
Diag *diag_file_info(HbCx *cx, const char *file, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Text printed under a span in the excerpt. The first label with the primary span
 * labels the caret line; further labels underline other spans on the same line. */
void diag_label(HbCx *cx, Diag *d, SrcSpan span, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void diag_note(HbCx *cx, Diag *d, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_help(HbCx *cx, Diag *d, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print and forget the collected diagnostics (to cx->diag_out, stderr by default). */
void diag_flush(HbCx *cx);

/* Number of errors so far (including dropped ones and promoted warnings). */
int diag_errors(const HbCx *cx);
int diag_warnings(const HbCx *cx);

/* The closest candidate within Levenshtein distance 2 (and less than the name's
 * length), or NULL. For "did you mean" help lines. */
const char *diag_suggest(const char *name, const char *const *candidates, int n);
int diag_edit_distance(const char *a, const char *b);

#endif
