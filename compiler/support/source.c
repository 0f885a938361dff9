// SPDX-License-Identifier: MIT
/* source.c: offset -> line/column mapping for diagnostics. The line table is built
 * once per file when it is loaded (cx_load_file). */
#include "source.h"

SrcPos src_pos(const SrcFile *f, uint32_t offset)
{
    if (offset > f->len)
        offset = f->len;
    // Binary search for the last line starting at or before offset.
    uint32_t lo = 0, hi = f->nlines;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t col = 0;
    for (uint32_t i = f->line_starts[lo]; i < offset; i++) {
        unsigned char c = (unsigned char)f->text[i];
        if (c == '\t')
            col = (col / 8 + 1) * 8;
        else if ((c & 0xC0) != 0x80) // count UTF-8 code points, not bytes
            col++;
    }
    return (SrcPos){lo + 1, col + 1};
}

void src_line(const SrcFile *f, uint32_t line, uint32_t *start, uint32_t *len)
{
    if (line == 0 || line > f->nlines) {
        *start = 0;
        *len = 0;
        return;
    }
    uint32_t s = f->line_starts[line - 1];
    uint32_t e = s;
    while (e < f->len && f->text[e] != '\n' && f->text[e] != '\r')
        e++;
    *start = s;
    *len = e - s;
}
