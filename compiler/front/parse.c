// SPDX-License-Identifier: MIT
/* parse.c: parse_file() runs the flex scanner (grammar/lexer.l) and the bison parser
 * (grammar/parser.y) over one source file, through a token wrapper that folds newlines
 * and joins continuation lines (docs/language.md §1). Also the scanner's helpers (literals,
 * brackets, lexical errors) and the wording of syntax errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "lexer.h"

/* ---- scanner helpers (called from lexer.l actions) ---- */

void lex_step(LexState *ls, SrcSpan *loc, int len)
{
    *loc = (SrcSpan){ls->file, ls->pos, ls->pos + (uint32_t)len};
    ls->pos += (uint32_t)len;
}

void lex_eof(LexState *ls, SrcSpan *loc)
{
    *loc = (SrcSpan){ls->file, ls->pos, ls->pos};
}

// Python-style implicit joining: a newline inside ( ) or [ ] is whitespace.
bool lex_newline_ignored(const LexState *ls)
{
    return ls->open.len > 0 && ls->open.data[ls->open.len - 1].ch != '{';
}

void lex_open(LexState *ls, char ch, SrcSpan at)
{
    if (ch == '{')
        lex_reset_brackets(ls); // a '{' never sits inside ( ): stop joining lines
    hb_vec_push(&ls->cx->arena, &ls->open, ((LexOpen){ch, at}));
}

// Mismatches are the parser's to report; here a closer just pops what it can.
void lex_close(LexState *ls, char ch)
{
    if (ch == '}') {
        while (ls->open.len > 0 && ls->open.data[--ls->open.len].ch != '{')
            ;
        return;
    }
    if (lex_newline_ignored(ls))
        ls->open.len--;
}

void lex_reset_brackets(LexState *ls)
{
    while (lex_newline_ignored(ls))
        ls->open.len--;
}

const char *lex_ident(LexState *ls, const char *text, int len)
{
    return arena_strndup(&ls->cx->arena, text, (size_t)len);
}

static bool parse_digits(const char *text, int len, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < len; i++) {
        int d = text[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static void int_too_large(LexState *ls, SrcSpan at, bool dims)
{
    diag_error(ls->cx, at, "%s %s %s too large (the maximum is %lld)",
               dims ? "dimensions" : "integer", cx_span_text(ls->cx, at), dims ? "are" : "is",
               (long long)INT64_MAX);
}

int64_t lex_int(LexState *ls, const char *text, int len, SrcSpan at)
{
    int64_t v;
    if (parse_digits(text, len, &v))
        return v;
    int_too_large(ls, at, false);
    return INT64_MAX;
}

double lex_number(LexState *ls, const char *text, int len, SrcSpan at)
{
    const char *s = arena_strndup(&ls->cx->arena, text, (size_t)len);
    double v = strtod(s, NULL);
    if (isinf(v))
        diag_error(ls->cx, at, "number %s is out of range", s);
    return v;
}

void lex_dims(LexState *ls, const char *text, int len, SrcSpan at, int64_t dims[2])
{
    int x = (int)(strchr(text, 'x') - text);
    if (!parse_digits(text, x, &dims[0]) || !parse_digits(text + x + 1, len - x - 1, &dims[1])) {
        int_too_large(ls, at, true);
        dims[0] = dims[1] = INT64_MAX;
    }
}

void lex_bad_number(LexState *ls, SrcSpan at)
{
    const char *s = cx_span_text(ls->cx, at);
    Diag *d = diag_error(ls->cx, at, "invalid number '%s'", s);
    const char *x = strchr(s, 'X');
    if (x && x[1] >= '0' && x[1] <= '9')
        diag_help(ls->cx, d, "write dimensions with a lowercase 'x', as in 3x3");
}

static void bad_escape(LexState *ls, uint32_t at, char c)
{
    Diag *d = diag_error(ls->cx, (SrcSpan){ls->file, at, at + 2}, "unknown escape '\\%c' in string",
                         c);
    diag_help(ls->cx, d, "only \\\" and \\\\ may follow a backslash");
}

// `text` is the token with its quotes; `closed` is false when the line ended first.
const char *lex_string(LexState *ls, const char *text, int len, SrcSpan at, bool closed)
{
    char *out = arena_alloc(&ls->cx->arena, (size_t)len);
    int n = 0, end = closed ? len - 1 : len;
    for (int i = 1; i < end; i++) {
        char c = text[i];
        if (c == '\\') {
            if (i + 1 == end) // the line ended right after a backslash
                break;
            c = text[++i];
            if (c != '"' && c != '\\')
                bad_escape(ls, at.start + (uint32_t)i - 1, c);
        } else if (c == '\0') {
            diag_error(ls->cx,
                       (SrcSpan){ls->file, at.start + (uint32_t)i, at.start + (uint32_t)i + 1},
                       "NUL byte in string");
            continue;
        }
        out[n++] = c;
    }
    if (!closed) {
        Diag *d = diag_error(ls->cx, (SrcSpan){ls->file, at.start, at.start + 1},
                             "unterminated string");
        diag_help(ls->cx, d, "a string must end with '\"' on the same line");
    }
    return out;
}

/* Number of UTF-8 characters in text (all bytes >= 0x80), or -1 if it is not UTF-8. */
static int utf8_chars(const unsigned char *s, int len)
{
    int n = 0;
    for (int i = 0; i < len; n++) {
        int extra = s[i] >= 0xF5 ? -1 : s[i] >= 0xF0 ? 3 : s[i] >= 0xE0 ? 2 : s[i] >= 0xC2 ? 1 : -1;
        if (extra < 0 || i + extra >= len)
            return -1;
        for (int k = 1; k <= extra; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return -1;
        i += extra + 1;
    }
    return n;
}

void lex_bad_char(LexState *ls, const char *text, int len, SrcSpan at)
{
    unsigned char c = (unsigned char)text[0];
    if (c >= 0x80) {
        int n = utf8_chars((const unsigned char *)text, len);
        Diag *d = n < 0 ? diag_error(ls->cx, at, "unexpected byte 0x%02X (not UTF-8 text)", c)
                        : diag_error(ls->cx, at, "unexpected character%s '%.*s'", n > 1 ? "s" : "",
                                     len, text);
        diag_help(ls->cx, d, "outside strings and comments only ASCII is allowed");
    } else if (c == 0) {
        diag_error(ls->cx, at, "unexpected NUL byte");
    } else if (c < 0x20 || c == 0x7f) {
        diag_error(ls->cx, at, "unexpected control character 0x%02X", c);
    } else {
        diag_error(ls->cx, at, "unexpected character '%c'", c);
    }
}

/* ---- the token wrapper between flex and bison ---- */

static int scan(HbParse *p, LexToken *t)
{
    t->kind = hb_lex_lex(&t->val, &t->loc, p->scanner);
    return t->kind;
}

// A line starting with one of these continues the previous line (docs/language.md §1).
static bool is_continuation(int kind)
{
    return kind == TOK_WEIGHTS || kind == TOK_PARAMS || kind == TOK_FROM || kind == TOK_SELECT ||
           kind == TOK_SCALE || kind == TOK_GROUP || kind == TOK_FOLD;
}

/* `nl` is a NEWLINE just scanned. Swallow the newlines after it (blank and comment
 * lines), then either keep it and buffer the next token, or drop it in favour of a
 * continuation keyword. */
static void fold_newlines(HbParse *p, LexToken *nl)
{
    LexToken next;
    while (scan(p, &next) == TOK_NEWLINE)
        ;
    if (is_continuation(next.kind)) {
        *nl = next;
        return;
    }
    p->peek = next;
    p->have_peek = true;
}

int hb_yylex(HB_YYSTYPE *val, SrcSpan *loc, HbParse *p)
{
    LexToken t;
    if (p->have_peek) {
        t = p->peek;
        p->have_peek = false;
    } else if (p->done) {
        t = p->last; // bison may ask again after end of file
    } else if (scan(p, &t) == TOK_NEWLINE) {
        fold_newlines(p, &t);
    }
    p->done = t.kind == TOK_YYEOF;
    p->prev = p->last;
    p->last = t;
    *val = t.val;
    *loc = t.loc;
    return t.kind;
}

/* ---- syntax errors ---- */

SrcSpan parse_span_rhs(const SrcSpan *rhs, int n)
{
    int first = 1, last = n;
    while (first <= n && rhs[first].end == rhs[first].start)
        first++;
    while (last >= first && rhs[last].end == rhs[last].start)
        last--;
    if (first > last) // nothing but empty rules: a point after what precedes
        return (SrcSpan){rhs[0].file, rhs[0].end, rhs[0].end};
    return (SrcSpan){rhs[first].file, rhs[first].start, rhs[last].end};
}

void hb_yyerror(SrcSpan *loc, HbCx *cx, HbParse *p, const char *msg)
{
    (void)p;
    // bison's only other message is "memory exhausted": its stack limit.
    if (strstr(msg, "exhausted"))
        diag_error(cx, *loc, "the input is nested too deeply");
    else
        diag_error(cx, *loc, "%s", msg);
}

static bool is_keyword(int kind)
{
    return kind >= TOK_HBNN && kind <= TOK_FALSE;
}

static const char *token_desc(HbParse *p, const LexToken *t)
{
    HbCx *cx = p->cx;
    const char *text = cx_span_text(cx, t->loc);
    switch (t->kind) {
    case TOK_YYEOF:
        return "end of file";
    case TOK_NEWLINE:
        return "newline";
    case TOK_IDENT:
        return arena_printf(&cx->arena, "identifier '%s'", text);
    case TOK_INT:
        return arena_printf(&cx->arena, "integer %s", text);
    case TOK_NUMBER:
        return arena_printf(&cx->arena, "number %s", text);
    case TOK_PERCENT:
        return arena_printf(&cx->arena, "percentage %s", text);
    case TOK_DIMS:
        return arena_printf(&cx->arena, "dimensions %s", text);
    case TOK_STRING:
        if (strlen(text) > 40)
            return arena_printf(&cx->arena, "string %.36s...\"", text);
        return arena_printf(&cx->arena, "string %s", text);
    default:
        return arena_printf(&cx->arena, "'%s'", text);
    }
}

/* Token sets that read better as one phrase ("expected a value"). A phrase is used
 * when all its tokens are expected (optional ones only when the list would be long);
 * it also hides tokens that go without saying next to it, such as the newline that
 * may always precede a statement. */
typedef struct Phrase {
    const char *text;
    bool optional;
    const char *hides[2];
    const char *names[18];
} Phrase;

static const Phrase phrases[] = {
        {"a value",
         false,
         {NULL},
         {"integer", "number", "identifier", "'in'", "'prev'", "'('", "'-'", "dimensions", "string",
          "'['", "'bits'", "'int'", "'float'", "'inherit'", "'true'", "'false'", "'quant'"}},
        {"an expression",
         false,
         {NULL},
         {"integer", "number", "identifier", "'in'", "'prev'", "'('", "'-'"}},
        {"a statement",
         false,
         {"newline"},
         {"'input'", "'output'", "'defaults'", "identifier", "'quant'"}},
        {"a top-level item",
         false,
         {"newline", "'hbnn'"},
         {"'import'", "'weights'", "'defaults'", "'override'", "'block'", "'network'"}},
        {"a parameter type", false, {NULL}, {"'int'", "'float'", "'quant'", "identifier"}},
        {"an operation", false, {NULL}, {"identifier", "'quant'"}},
        {"a quantization spec", false, {NULL}, {"'bits'", "'int'", "'float'", "'inherit'"}},
        {"a quantization option", true, {NULL}, {"'select'", "'scale'", "'group'"}},
        {"a clause", true, {NULL}, {"'weights'", "'params'", "'from'", "'fold'"}},
};

enum { MAX_LISTED = 5 };

static int find_name(const char *const *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (list[i] && strcmp(list[i], name) == 0)
            return i;
    return -1;
}

static int count_names(const char *const *list, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += list[i] != NULL;
    return k;
}

/* Replace the members of `ph` in `list` by its text, if all of them are there. */
static void apply_phrase(const char **list, int n, const Phrase *ph)
{
    int at[18], k = 0;
    for (; k < 18 && ph->names[k]; k++)
        if ((at[k] = find_name(list, n, ph->names[k])) < 0)
            return;
    for (int i = 0; i < k; i++)
        list[at[i]] = NULL;
    list[at[0]] = ph->text;
    for (int i = 0; i < 2 && ph->hides[i]; i++) {
        int h = find_name(list, n, ph->hides[i]);
        if (h >= 0)
            list[h] = NULL;
    }
}

// Names that are noise when anything else is expected: operators, '.', end of file.
static void drop_minor(const char **list, int n)
{
    static const char *const minor[] = {"'+'", "'-'", "'*'", "'/'", "'.'", "end of file"};
    for (size_t m = 0; m < sizeof minor / sizeof *minor; m++) {
        int i = find_name(list, n, minor[m]);
        if (i >= 0 && count_names(list, n) > 1)
            list[i] = NULL;
    }
}

// "expected 'weights', 'params', 'from', '}' or newline" reads better than newline first.
static void newline_last(const char **list, int n)
{
    int i = find_name(list, n, "newline");
    if (i < 0)
        return;
    memmove(&list[i], &list[i + 1], (size_t)(n - i - 1) * sizeof *list);
    list[n - 1] = "newline";
}

static const char *join_names(HbCx *cx, const char *const *list, int n)
{
    const char *s = NULL;
    int total = count_names(list, n), seen = 0;
    for (int i = 0; i < n; i++) {
        if (!list[i])
            continue;
        seen++;
        const char *sep = seen == 1 ? "" : seen == total ? " or " : ", ";
        s = arena_printf(&cx->arena, "%s%s%s", s ? s : "", sep, list[i]);
    }
    return s;
}

/* "')' or ','", "a value or ')'", or NULL when the list is too long to help. */
static const char *expected_desc(HbCx *cx, const char *const *expected, int n)
{
    if (n <= 0)
        return NULL;
    const char **list = arena_calloc(&cx->arena, (size_t)n, sizeof *list);
    memcpy(list, expected, (size_t)n * sizeof *list);
    for (size_t i = 0; i < sizeof phrases / sizeof *phrases; i++)
        if (!phrases[i].optional || count_names(list, n) > MAX_LISTED)
            apply_phrase(list, n, &phrases[i]);
    drop_minor(list, n);
    newline_last(list, n);
    return count_names(list, n) <= MAX_LISTED ? join_names(cx, list, n) : NULL;
}

static bool colon_follows(const SrcFile *f, uint32_t pos)
{
    while (pos < f->len && (f->text[pos] == ' ' || f->text[pos] == '\t'))
        pos++;
    return pos < f->len && f->text[pos] == ':';
}

static bool starts_line(const SrcFile *f, uint32_t pos)
{
    while (pos > 0 && (f->text[pos - 1] == ' ' || f->text[pos - 1] == '\t'))
        pos--;
    return pos == 0 || f->text[pos - 1] == '\n';
}

/* `input: dense(3)`: the parser trips either on the keyword or on the ':' after it
 * (when the keyword starts a valid prefix, as `input` and `from` do). */
static bool report_reserved_label(HbParse *p)
{
    const SrcFile *f = cx_file(p->cx, p->lex.file);
    const LexToken *kw;
    if (is_keyword(p->last.kind) && colon_follows(f, p->last.loc.end))
        kw = &p->last;
    else if (p->last.kind == ':' && is_keyword(p->prev.kind))
        kw = &p->prev;
    else
        return false;
    const char *word = cx_span_text(p->cx, kw->loc);
    if (!starts_line(f, kw->loc.start)) {
        diag_error(p->cx, kw->loc, "'%s' is a reserved word and cannot be used as a name", word);
        return true;
    }
    Diag *d = diag_error(p->cx, kw->loc, "'%s' is a reserved word and cannot be a label", word);
    diag_help(p->cx, d, "choose another label; 'params \"%s\"' keeps the weight names", word);
    return true;
}

/* The innermost bracket still open, if the error is past the line it was opened on
 * (so it is probably the cause), or any open bracket at end of file. */
static void hint_unclosed(HbParse *p, Diag *d)
{
    const LexState *ls = &p->lex;
    if (ls->open.len == 0)
        return;
    const LexOpen *o = &ls->open.data[ls->open.len - 1];
    const SrcFile *f = cx_file(p->cx, ls->file);
    uint32_t line = src_pos(f, o->at.start).line;
    bool at_eof = p->last.kind == TOK_YYEOF;
    if (!at_eof && (o->ch == '{' || src_pos(f, p->last.loc.start).line == line))
        return;
    char close = o->ch == '(' ? ')' : o->ch == '[' ? ']' : '}';
    diag_help(p->cx, d, "the '%c' on line %u has no matching '%c'", o->ch, line, close);
}

void parse_syntax_error(HbParse *p, SrcSpan at, const char *const *expected, int n)
{
    if (!report_reserved_label(p)) {
        HbCx *cx = p->cx;
        const char *found = token_desc(p, &p->last);
        const char *want = expected_desc(cx, expected, n);
        Diag *d = want ? diag_error(cx, at, "expected %s, found %s", want, found)
                       : diag_error(cx, at, "unexpected %s", found);
        if (is_keyword(p->last.kind) && find_name(expected, n, "identifier") >= 0)
            diag_help(cx, d, "%s is a reserved word; choose another name", found);
        hint_unclosed(p, d);
    }
    // Recovery skips to the next newline; inside ( ) there would be none.
    lex_reset_brackets(&p->lex);
}

/* ---- entry point ---- */

bool parse_begin(HbParse *p, HbCx *cx, uint32_t file_id)
{
    const SrcFile *f = cx_file(cx, file_id);
    *p = (HbParse){.cx = cx, .lex = {.cx = cx, .file = file_id}};
    p->file = ast_file_new(cx, file_id);
    yyscan_t scanner;
    if (hb_lex_lex_init_extra(&p->lex, &scanner) != 0) {
        diag_error(cx, (SrcSpan){file_id, 0, 0}, "out of memory starting the scanner");
        return false;
    }
    // Scan the bytes as loaded (len, not strlen): a NUL in the text is an error, not EOF.
    hb_lex__scan_bytes(f->text, (int)f->len, scanner);
    p->scanner = scanner;
    return true;
}

void parse_end(HbParse *p)
{
    if (p->scanner)
        hb_lex_lex_destroy(p->scanner);
    p->scanner = NULL;
}

AstFile *parse_file(HbCx *cx, uint32_t file_id)
{
    HbParse p;
    if (parse_begin(&p, cx, file_id))
        hb_yyparse(cx, &p);
    parse_end(&p);
    return p.file;
}
