// SPDX-License-Identifier: MIT
/* source.h: source files and locations.
 * A location is a byte-offset span in one loaded file; line and column are worked
 * out only when a diagnostic is printed (jq's locfile idea). */
#ifndef HB_SOURCE_H
#define HB_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SrcSpan {
    uint32_t file;  // index into HbCx.files; 0 = no file (command line, weights files)
    uint32_t start; // byte offset of the first character
    uint32_t end;   // one past the last character (end == start for a point)
} SrcSpan;

typedef struct SrcFile {
    const char *name; // as the user named it (printed in diagnostics)
    const char *path; // resolved path on disk (for relative imports/weights)
    const char *text; // NUL-terminated contents
    uint32_t len;
    uint32_t *line_starts; // offsets of each line's first byte
    uint32_t nlines;
} SrcFile;

typedef struct SrcPos {
    uint32_t line; // 1-based
    uint32_t col;  // 1-based display column, tabs to the next multiple of 8
} SrcPos;

static inline SrcSpan span_join(SrcSpan a, SrcSpan b)
{
    SrcSpan s = a;
    if (b.file == a.file && b.end > s.end)
        s.end = b.end;
    return s;
}

static inline bool span_valid(SrcSpan s)
{
    return s.file != 0;
}

SrcPos src_pos(const SrcFile *f, uint32_t offset);
/* Start offset and length (without the newline) of 1-based line `line`. */
void src_line(const SrcFile *f, uint32_t line, uint32_t *start, uint32_t *len);

#endif
