// SPDX-License-Identifier: MIT
/* diag.c: collecting and rendering diagnostics (see diag.h).
 * Human form: GNU "file:line:col: error: msg", the source line with a gutter, a
 * caret underline as wide as the span with its label, then note:/help: lines.
 * Plain form (--diag-format plain, for golden tests): the first line plus notes. */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

#include "cx.h"

static Diag *diag_new(HbCx *cx, DiagLevel level, SrcSpan span, const char *file, const char *fmt,
                      va_list ap)
{
    bool promoted = false;
    if (level == DIAG_WARNING && cx->opts.werror) {
        level = DIAG_ERROR;
        promoted = true;
    }
    if (level == DIAG_ERROR) {
        cx->nerrors++;
        if (cx->nerrors > DIAG_MAX_ERRORS) {
            cx->ndropped++;
            memset(&cx->dummy_diag, 0, sizeof cx->dummy_diag);
            return &cx->dummy_diag;
        }
    } else if (level == DIAG_WARNING) {
        cx->nwarnings++;
    }
    Diag *d = arena_alloc(&cx->arena, sizeof *d);
    d->level = level;
    d->promoted = promoted;
    d->span = span;
    d->file_name = file;
    d->msg = arena_vprintf(&cx->arena, fmt, ap);
    if (cx->diag_tail)
        cx->diag_tail->next = d;
    else
        cx->diag_head = d;
    cx->diag_tail = d;
    return d;
}

static const SrcSpan no_span = {0, 0, 0};

Diag *diag_error(HbCx *cx, SrcSpan span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag *d = diag_new(cx, DIAG_ERROR, span, NULL, fmt, ap);
    va_end(ap);
    return d;
}

Diag *diag_warning(HbCx *cx, SrcSpan span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag *d = diag_new(cx, DIAG_WARNING, span, NULL, fmt, ap);
    va_end(ap);
    return d;
}

Diag *diag_file_error(HbCx *cx, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag *d = diag_new(cx, DIAG_ERROR, no_span, file, fmt, ap);
    va_end(ap);
    return d;
}

Diag *diag_file_warning(HbCx *cx, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag *d = diag_new(cx, DIAG_WARNING, no_span, file, fmt, ap);
    va_end(ap);
    return d;
}

Diag *diag_file_info(HbCx *cx, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag *d = diag_new(cx, DIAG_NOTE, no_span, file, fmt, ap);
    va_end(ap);
    return d;
}

void diag_label(HbCx *cx, Diag *d, SrcSpan span, const char *fmt, ...)
{
    if (d == &cx->dummy_diag || d->nlabels == DIAG_MAX_LABELS)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->labels[d->nlabels].span = span;
    d->labels[d->nlabels].text = fmt ? arena_vprintf(&cx->arena, fmt, ap) : NULL;
    d->nlabels++;
    va_end(ap);
}

static void add_note(HbCx *cx, Diag *d, const char *kind, const char *fmt, va_list ap)
{
    if (d == &cx->dummy_diag || d->nnotes == DIAG_MAX_NOTES)
        return;
    const char *body = arena_vprintf(&cx->arena, fmt, ap);
    d->notes[d->nnotes++] = arena_printf(&cx->arena, "%s: %s", kind, body);
}

void diag_note(HbCx *cx, Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_note(cx, d, "note", fmt, ap);
    va_end(ap);
}

void diag_help(HbCx *cx, Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_note(cx, d, "help", fmt, ap);
    va_end(ap);
}

int diag_errors(const HbCx *cx)
{
    return cx->nerrors;
}

int diag_warnings(const HbCx *cx)
{
    return cx->nwarnings;
}

/* ---- rendering ---- */

static const char *level_name(DiagLevel l)
{
    return l == DIAG_ERROR ? "error" : l == DIAG_WARNING ? "warning" : "note";
}

static void put_level(HbCx *cx, DiagLevel l)
{
    if (cx->opts.color)
        fprintf(cx->diag_out,
                l == DIAG_ERROR     ? "\033[1;31m%s\033[0m"
                : l == DIAG_WARNING ? "\033[1;35m%s\033[0m"
                                    : "\033[1;36m%s\033[0m",
                level_name(l));
    else
        fputs(level_name(l), cx->diag_out);
}

/* One byte of text that reaches the terminal. Control characters are shown as their
 * Unicode control pictures (ESC as U+241B, one column, so carets stay aligned) and the
 * C1 controls (U+0080..U+009F, which some terminals obey) as U+FFFD: a file, a tensor
 * name or an argument cannot move the cursor or change colours. Returns the bytes of
 * `s` consumed. */
static size_t put_safe(FILE *out, const unsigned char *s)
{
    if (s[0] < 0x20 || s[0] == 0x7f) {
        fputc(0xE2, out), fputc(0x90, out);
        fputc(s[0] == 0x7f ? 0xA1 : 0x80 + s[0], out);
        return 1;
    }
    if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) {
        fputs("\xEF\xBF\xBD", out);
        return 2;
    }
    fputc(s[0], out);
    return 1;
}

static void put_text(FILE *out, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s)
        s += put_safe(out, s);
}

/* Print one source line with tabs expanded, so carets line up under it. */
static void put_source_line(HbCx *cx, const SrcFile *f, uint32_t line)
{
    uint32_t start, len;
    src_line(f, line, &start, &len);
    fprintf(cx->diag_out, "%5u | ", line);
    uint32_t col = 0;
    for (uint32_t i = 0; i < len;) {
        const unsigned char *c = (const unsigned char *)f->text + start + i;
        if (*c == '\t') {
            do
                fputc(' ', cx->diag_out);
            while (++col % 8);
            i++;
        } else {
            if ((*c & 0xC0) != 0x80)
                col++;
            i += (uint32_t)put_safe(cx->diag_out, c);
        }
    }
    fputc('\n', cx->diag_out);
}

static void put_underline(HbCx *cx, const SrcFile *f, SrcSpan s, const char *text)
{
    SrcPos a = src_pos(f, s.start);
    // A span that runs past the end of its line is cut at the line's end.
    uint32_t lstart, llen;
    src_line(f, a.line, &lstart, &llen);
    uint32_t end = s.end;
    if (end > lstart + llen)
        end = lstart + llen;
    SrcPos b = src_pos(f, end > s.start ? end : s.start);
    uint32_t width = b.col > a.col ? b.col - a.col : 1;
    fprintf(cx->diag_out, "      | %*s", (int)(a.col - 1), "");
    for (uint32_t i = 0; i < width; i++)
        fputc('^', cx->diag_out);
    if (text && *text) {
        fputc(' ', cx->diag_out);
        put_text(cx->diag_out, text);
    }
    fputc('\n', cx->diag_out);
}

static void render(HbCx *cx, const Diag *d)
{
    FILE *out = cx->diag_out;
    const SrcFile *f = span_valid(d->span) ? cx_file(cx, d->span.file) : NULL;
    if (f) {
        SrcPos p = src_pos(f, d->span.start);
        put_text(out, f->name);
        fprintf(out, ":%u:%u: ", p.line, p.col);
    } else {
        fputs("hbnnc: ", out);
        if (d->file_name) {
            put_text(out, d->file_name);
            fputs(": ", out);
        }
    }
    put_level(cx, d->level);
    fputs(": ", out);
    put_text(out, d->msg);
    fprintf(out, "%s\n", d->promoted ? " [-Werror]" : "");
    if (f && cx->opts.diag_format == DIAG_HUMAN) {
        SrcPos p = src_pos(f, d->span.start);
        put_source_line(cx, f, p.line);
        const char *primary = NULL;
        int first = 0;
        if (d->nlabels > 0 && d->labels[0].span.file == d->span.file &&
            d->labels[0].span.start == d->span.start && d->labels[0].span.end == d->span.end) {
            primary = d->labels[0].text;
            first = 1;
        }
        put_underline(cx, f, d->span, primary);
        uint32_t shown = p.line;
        for (int i = first; i < d->nlabels; i++) {
            const DiagLabel *l = &d->labels[i];
            if (!span_valid(l->span))
                continue;
            const SrcFile *lf = cx_file(cx, l->span.file);
            SrcPos lp = src_pos(lf, l->span.start);
            if (lf != f || lp.line != shown) {
                if (lf != f)
                    fprintf(out, "  --> %s:%u:%u\n", lf->name, lp.line, lp.col);
                put_source_line(cx, lf, lp.line);
                shown = lp.line;
                f = lf;
            }
            put_underline(cx, lf, l->span, l->text);
        }
    }
    for (int i = 0; i < d->nnotes; i++) {
        fputs("  ", out);
        put_text(out, d->notes[i]);
        fputc('\n', out);
    }
}

void diag_flush(HbCx *cx)
{
    for (Diag *d = cx->diag_head; d; d = d->next)
        render(cx, d);
    if (cx->ndropped > 0) {
        fprintf(cx->diag_out, "hbnnc: note: too many errors; stopped after the first %d\n",
                DIAG_MAX_ERRORS);
        cx->ndropped = 0;
    }
    fflush(cx->diag_out);
    cx->diag_head = cx->diag_tail = NULL;
}

/* ---- suggestions ---- */

int diag_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *diag_suggest(const char *name, const char *const *candidates, int n)
{
    const char *best = NULL;
    int best_d = 3;
    int len = (int)strlen(name);
    for (int i = 0; i < n; i++) {
        if (!candidates[i] || strcmp(candidates[i], name) == 0)
            continue;
        int d = diag_edit_distance(name, candidates[i]);
        if (d < best_d && d < len) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}
