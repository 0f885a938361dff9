// SPDX-License-Identifier: MIT
/* cx.c: the compilation context: arena, source files and diagnostic state.
 * Created by the driver (or a test fixture) once per compilation. */
#include "cx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ice.h"

void cx_init(HbCx *cx, const HbOptions *opts)
{
    memset(cx, 0, sizeof *cx);
    arena_init(&cx->arena);
    if (opts)
        cx->opts = *opts;
    cx->diag_out = stderr;
    hb_vec_push(&cx->arena, &cx->files, NULL); // index 0 = "no file"
}

void cx_destroy(HbCx *cx)
{
    arena_destroy(&cx->arena);
    memset(cx, 0, sizeof *cx);
}

static void build_lines(HbCx *cx, SrcFile *f)
{
    uint32_t n = 1;
    for (uint32_t i = 0; i < f->len; i++)
        if (f->text[i] == '\n')
            n++;
    f->line_starts = arena_calloc(&cx->arena, n, sizeof(uint32_t));
    f->nlines = n;
    uint32_t k = 0;
    f->line_starts[k++] = 0;
    for (uint32_t i = 0; i < f->len; i++)
        if (f->text[i] == '\n')
            f->line_starts[k++] = i + 1;
}

uint32_t cx_add_source(HbCx *cx, const char *name, const char *text, uint32_t len)
{
    SrcFile *f = arena_alloc(&cx->arena, sizeof *f);
    f->name = arena_strdup(&cx->arena, name);
    f->path = f->name;
    f->text = arena_strndup(&cx->arena, text, len);
    f->len = len;
    build_lines(cx, f);
    hb_vec_push(&cx->arena, &cx->files, f);
    return cx->files.len - 1;
}

/* Editors' conventions the lexer need not know: a UTF-8 byte order mark is dropped,
 * and a lone CR (classic Mac line ends) becomes LF (same length, so offsets hold);
 * CRLF is left to the lexer. Returns the new length. */
static size_t normalise_text(char *buf, size_t len)
{
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(buf, buf + 3, len - 3);
        len -= 3;
    }
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\r' && (i + 1 == len || buf[i + 1] != '\n'))
            buf[i] = '\n';
    return len;
}

uint32_t cx_load_file(HbCx *cx, const char *path, const char *name)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) { // fread would say EIO or EISDIR
        fclose(fp);
        errno = EISDIR;
        return 0;
    }
    // Source files are small; read them whole. Refuse anything that is not a regular
    // readable stream of bytes below 64 MiB (a .hb file that large is a mistake).
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        hb_out_of_memory(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= (64u << 20)) {
                free(buf);
                fclose(fp);
                errno = EFBIG;
                return 0;
            }
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb)
                hb_out_of_memory(cap);
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(buf);
        errno = EIO;
        return 0;
    }
    len = normalise_text(buf, len);
    uint32_t id = cx_add_source(cx, name ? name : path, buf, (uint32_t)len);
    free(buf);
    SrcFile *f = cx->files.data[id];
    f->path = arena_strdup(&cx->arena, path);
    return id;
}

const char *cx_span_text(HbCx *cx, SrcSpan s)
{
    if (!span_valid(s))
        return "";
    const SrcFile *f = cx_file(cx, s.file);
    uint32_t end = s.end > f->len ? f->len : s.end;
    uint32_t start = s.start > end ? end : s.start;
    return arena_strndup(&cx->arena, f->text + start, end - start);
}
