// SPDX-License-Identifier: MIT
/* ir_parse.c: a hand-written parser for the IR text form (docs/ir.md §2), so backend
 * tests and the verifier's tests can start from IR text. Errors carry spans into the
 * registered source (file:line:col). Names are resolved after the whole text is read
 * (constants follow the program); the verifier then checks the module. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef enum TokKind { T_EOF, T_NAME, T_NUM, T_VAL, T_CONST, T_PUNCT } TokKind;

typedef struct Tok {
    TokKind kind;
    uint32_t start, end; // byte offsets; for T_VAL / T_CONST the name follows the sigil
} Tok;

/* A reference by name, resolved at the end. */
typedef struct Pending {
    const char *name;
    SrcSpan span;
    bool is_const;
    IrRef *slot;    // operand to fill, or
    uint32_t value; // a value whose type's scale constant this is (UINT32_MAX: none)
} Pending;

typedef struct P {
    HbCx *cx;
    uint32_t file;
    const char *s;
    uint32_t len, pos;
    Tok tok;
    IrModule *m;
    HbVec(Pending) pend;
    HbVec(const char *) out_names;
    HbVec(SrcSpan) out_spans;
    bool failed;
} P;

static SrcSpan span(const P *p, const Tok *t)
{
    return (SrcSpan){p->file, t->start, t->end};
}

static bool err(P *p, const Tok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool err(P *p, const Tok *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = arena_vprintf(&p->cx->arena, fmt, ap);
    va_end(ap);
    if (!p->failed)
        diag_error(p->cx, span(p, t), "%s", msg);
    p->failed = true;
    return false;
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

static void next(P *p)
{
    const char *s = p->s;
    for (;;) {
        while (p->pos < p->len && isspace((unsigned char)s[p->pos]))
            p->pos++;
        if (p->pos < p->len && s[p->pos] == '#') {
            while (p->pos < p->len && s[p->pos] != '\n')
                p->pos++;
            continue;
        }
        break;
    }
    Tok t = {.start = p->pos, .end = p->pos};
    if (p->pos >= p->len) {
        t.kind = T_EOF;
    } else if (s[p->pos] == '%' || s[p->pos] == '@') {
        t.kind = s[p->pos] == '%' ? T_VAL : T_CONST;
        t.start = ++p->pos;
        while (p->pos < p->len && name_char(s[p->pos]))
            p->pos++;
    } else if (isdigit((unsigned char)s[p->pos]) || s[p->pos] == '-' || s[p->pos] == '+') {
        t.kind = T_NUM;
        while (p->pos < p->len && (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '.' ||
                                   s[p->pos] == '-' || s[p->pos] == '+'))
            p->pos++;
    } else if (isalpha((unsigned char)s[p->pos]) || s[p->pos] == '_') {
        t.kind = T_NAME;
        while (p->pos < p->len && name_char(s[p->pos]))
            p->pos++;
    } else {
        t.kind = T_PUNCT;
        p->pos++;
    }
    t.end = p->pos;
    p->tok = t;
}

static bool is(const P *p, const char *text)
{
    size_t n = strlen(text);
    return p->tok.kind != T_EOF && p->tok.end - p->tok.start == n &&
           memcmp(p->s + p->tok.start, text, n) == 0;
}

static bool expect(P *p, const char *text)
{
    if (!is(p, text))
        return err(p, &p->tok, "expected '%s', found '%s'", text,
                   p->tok.kind == T_EOF ? "end of file"
                                        : arena_strndup(&p->cx->arena, p->s + p->tok.start,
                                                        p->tok.end - p->tok.start));
    next(p);
    return true;
}

static const char *tok_text(P *p)
{
    return arena_strndup(&p->cx->arena, p->s + p->tok.start, p->tok.end - p->tok.start);
}

static bool parse_int(P *p, int64_t lo, int64_t hi, int64_t *out)
{
    const char *t = tok_text(p);
    char *e;
    errno = 0;
    long long v = strtoll(t, &e, 10); // decimal only: "010" is ten, not octal eight
    if (p->tok.kind != T_NUM || *e || errno || v < lo || v > hi)
        return err(p, &p->tok, "expected an integer in %lld..%lld, found '%s'", (long long)lo,
                   (long long)hi, t);
    *out = v;
    next(p);
    return true;
}

static bool parse_double(P *p, double *out)
{
    const char *t = tok_text(p);
    char *e;
    errno = 0;
    double v = strtod(t, &e);
    if (p->tok.kind != T_NUM || *e || e == t)
        return err(p, &p->tok, "expected a number, found '%s'", t);
    *out = v;
    next(p);
    return true;
}

/* f32 constants go through strtof directly (no double rounding on the way). */
static bool parse_float(P *p, float *out)
{
    const char *t = tok_text(p);
    char *e;
    float v = strtof(t, &e);
    if (p->tok.kind != T_NUM || *e || e == t)
        return err(p, &p->tok, "expected a number, found '%s'", t);
    *out = v;
    next(p);
    return true;
}

static void add_pending(P *p, bool is_const, IrRef *slot)
{
    Pending q = {.name = tok_text(p),
                 .span = span(p, &p->tok),
                 .is_const = is_const,
                 .slot = slot,
                 .value = UINT32_MAX};
    q.span.start--; // include the sigil
    hb_vec_push(&p->cx->arena, &p->pend, q);
}

/* ---- types ---- */

static bool parse_dims(P *p, IrType *t)
{
    if (!expect(p, "["))
        return false;
    t->rank = 0;
    while (!is(p, "]")) {
        if (t->rank == IR_MAX_RANK)
            return err(p, &p->tok, "more than %d dimensions", IR_MAX_RANK);
        if (t->rank && !expect(p, ","))
            return false;
        if (!parse_int(p, 1, INT64_C(1) << 31, &t->d[t->rank++]))
            return false;
    }
    next(p);
    return true;
}

/* bits<K[,masked][,unit|,runtime|,static @NAME]>; the static name becomes a pending
 * reference that parse_inst ties to its value (resolved at the end). */
static bool parse_bits(P *p, IrType *t)
{
    int64_t k;
    t->enc = IR_BITS;
    if (!expect(p, "<") || !parse_int(p, 1, IR_MAX_BITS, &k))
        return false;
    t->bits = (uint8_t)k;
    while (is(p, ",")) {
        next(p);
        if (is(p, "masked")) {
            t->masked = true;
        } else if (is(p, "unit") || is(p, "runtime")) {
            t->scale = is(p, "unit") ? IR_SC_UNIT : IR_SC_RUNTIME;
        } else if (is(p, "static")) {
            t->scale = IR_SC_STATIC;
            next(p);
            if (p->tok.kind != T_CONST)
                return err(p, &p->tok, "'static' needs its scale constant: static @NAME");
            add_pending(p, true, NULL);
        } else {
            return err(p, &p->tok, "expected masked, unit, runtime or static @NAME");
        }
        next(p);
    }
    return expect(p, ">") && parse_dims(p, t);
}

static bool parse_type(P *p, IrType *t)
{
    memset(t, 0, sizeof *t);
    if (is(p, "f32") || is(p, "i32")) {
        t->enc = is(p, "f32") ? IR_F32 : IR_I32;
        next(p);
        return parse_dims(p, t);
    }
    if (is(p, "bits")) {
        next(p);
        return parse_bits(p, t);
    }
    return err(p, &p->tok, "expected a type (f32[...], i32[...] or bits<...>[...])");
}

/* ---- instructions ---- */

static bool parse_attr_value(P *p, IrAttrKind kind, IrAttr *a)
{
    a->n = 1;
    if (kind == IR_ATTR_INT || kind == IR_ATTR_OPT)
        return parse_int(p, INT64_MIN, INT64_MAX, &a->i[0]);
    if (kind == IR_ATTR_FLOAT)
        return parse_double(p, &a->f[0]);
    if (kind == IR_ATTR_SEL) {
        char all[160] = "";
        for (int s = 0; s < SEL_COUNT; s++) {
            if (is(p, selection_names[s])) {
                a->i[0] = s;
                next(p);
                return true;
            }
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", s ? ", " : "",
                     selection_names[s]);
        }
        return err(p, &p->tok, "expected a selection (%s)", all);
    }
    if (!expect(p, "["))
        return false;
    a->n = 0;
    while (!is(p, "]")) {
        if (a->n == IR_MAX_LIST)
            return err(p, &p->tok, "more than %d list entries", IR_MAX_LIST);
        if (a->n && !expect(p, ","))
            return false;
        bool ok = kind == IR_ATTR_INTS ? parse_int(p, INT64_MIN, INT64_MAX, &a->i[a->n])
                                       : parse_double(p, &a->f[a->n]);
        if (!ok)
            return false;
        a->n++;
    }
    next(p);
    return true;
}

static bool parse_attrs(P *p, IrInst *in)
{
    int na = ir_op_nattrs(in->op);
    for (int k = 0; k < na; k++) {
        char name[32];
        IrAttrKind kind;
        ir_op_attr(in->op, k, &kind, name, sizeof name);
        if (kind == IR_ATTR_OPT && !is(p, name)) {
            in->attr[k] = (IrAttr){.n = 1}; // absent: 0
            continue;
        }
        if (!is(p, name))
            return err(p, &p->tok, "%s expects attribute '%s' here", ir_op_name(in->op), name);
        next(p);
        if (!expect(p, "=") || !parse_attr_value(p, kind, &in->attr[k]))
            return false;
    }
    return true;
}

static bool parse_operands(P *p, IrInst *in)
{
    HbVec(Tok) toks = {0};
    while (p->tok.kind == T_VAL || p->tok.kind == T_CONST) {
        hb_vec_push(&p->cx->arena, &toks, p->tok);
        next(p);
        if (!is(p, ","))
            break;
        next(p);
        if (p->tok.kind != T_VAL && p->tok.kind != T_CONST)
            return err(p, &p->tok, "expected an operand (%%value or @constant) after ','");
    }
    in->nargs = toks.len;
    in->args = arena_calloc(&p->cx->arena, toks.len ? toks.len : 1, sizeof(IrRef));
    for (uint32_t k = 0; k < toks.len; k++) {
        Tok save = p->tok;
        p->tok = toks.data[k];
        add_pending(p, toks.data[k].kind == T_CONST, &in->args[k]);
        p->tok = save;
    }
    return true;
}

static bool parse_inst(P *p)
{
    Tok name = p->tok;
    IrValue v = {.name = tok_text(p), .def = p->m->insts.len};
    if (ir_value_find(p->m, v.name) != UINT32_MAX)
        return err(p, &name, "value %%%s is defined twice", v.name);
    next(p);
    uint32_t npend = p->pend.len;
    if (!expect(p, ":") || !parse_type(p, &v.type) || !expect(p, "="))
        return false;
    IrOp op;
    if (p->tok.kind != T_NAME || !ir_op_lookup(p->s + p->tok.start, p->tok.end - p->tok.start, &op))
        return err(p, &p->tok, "unknown op '%s'", tok_text(p));
    Tok optok = p->tok;
    next(p);
    hb_vec_push(&p->cx->arena, &p->m->values, v);
    IrInst in = {
            .op = op, .result = p->m->values.len - 1, .span = {p->file, name.start - 1, optok.end}};
    for (uint32_t k = npend; k < p->pend.len; k++) // a static scale in the result type
        p->pend.data[k].value = in.result;
    if (!parse_operands(p, &in) || !parse_attrs(p, &in))
        return false;
    hb_vec_push(&p->cx->arena, &p->m->insts, in);
    return true;
}

/* ---- constants ---- */

static bool parse_numbers(P *p, IrConst *c)
{
    uint64_t n = ir_type_elems(&c->type);
    for (uint64_t j = 0; j < n; j++) {
        if (is(p, "}"))
            return err(p, &p->tok, "constant @%s has %llu values; its type needs %llu", c->name,
                       (unsigned long long)j, (unsigned long long)n);
        int64_t i;
        if (c->type.enc == IR_F32 ? !parse_float(p, &c->f[j])
                                  : !parse_int(p, INT32_MIN, INT32_MAX, &i))
            return false;
        if (c->type.enc == IR_I32)
            c->i[j] = (int32_t)i;
    }
    if (!is(p, "}"))
        return err(p, &p->tok, "constant @%s has more values than its type's %llu", c->name,
                   (unsigned long long)n);
    return true;
}

static bool parse_words(P *p, IrConst *c, const char *what, int plane, uint64_t *w, uint64_t n)
{
    int64_t k;
    if (!expect(p, what) || !parse_int(p, plane, plane, &k) || !expect(p, ":"))
        return false;
    for (uint64_t j = 0; j < n; j++) {
        const char *t = tok_text(p);
        char *e;
        errno = 0;
        unsigned long long v = strtoull(t, &e, 16);
        if (p->tok.kind != T_NUM || strncmp(t, "0x", 2) || *e || errno)
            return err(p, &p->tok, "constant @%s: expected %llu hex words for %s %d, found '%s'",
                       c->name, (unsigned long long)n, what, plane, t);
        w[j] = v;
        next(p);
    }
    return true;
}

static bool parse_const(P *p)
{
    next(p);
    if (p->tok.kind != T_CONST)
        return err(p, &p->tok, "expected @NAME after 'const'");
    Tok name = p->tok;
    const char *nm = tok_text(p);
    if (ir_const_find(p->m, nm) != UINT32_MAX)
        return err(p, &name, "constant @%s is defined twice", nm);
    next(p);
    IrType t;
    if (!expect(p, ":") || !parse_type(p, &t) || !expect(p, "=") || !expect(p, "{"))
        return false;
    if (t.scale != IR_SC_NONE)
        return err(p, &name, "constant @%s: a bits constant has no scale kind", nm);
    uint32_t id = ir_const_new(p->cx, p->m, nm, &t);
    IrConst *c = &p->m->consts.data[id];
    c->span = span(p, &name);
    if (t.enc != IR_BITS) {
        if (!parse_numbers(p, c))
            return false;
    } else {
        uint64_t n = (uint64_t)t.d[0] * c->wpr;
        for (int k = 0; k < t.bits; k++)
            if (!parse_words(p, c, "plane", k, c->planes + k * n, n))
                return false;
        for (int k = 0; t.masked && k < t.bits; k++)
            if (!parse_words(p, c, "mask", k, c->masks + k * n, n))
                return false;
    }
    return expect(p, "}");
}

/* ---- the module ---- */

static bool resolve(P *p)
{
    for (uint32_t k = 0; k < p->pend.len; k++) {
        Pending *q = &p->pend.data[k];
        uint32_t id = q->is_const ? ir_const_find(p->m, q->name) : ir_value_find(p->m, q->name);
        if (id == UINT32_MAX) {
            diag_error(p->cx, q->span, "unknown %s %c%s", q->is_const ? "constant" : "value",
                       q->is_const ? '@' : '%', q->name);
            p->failed = true;
            continue;
        }
        if (q->slot)
            *q->slot = (IrRef){q->is_const, id};
        if (q->value != UINT32_MAX)
            p->m->values.data[q->value].type.scale_const = id;
    }
    for (uint32_t k = 0; k < p->out_names.len; k++) {
        uint32_t id = ir_value_find(p->m, p->out_names.data[k]);
        if (id == UINT32_MAX) {
            diag_error(p->cx, p->out_spans.data[k], "unknown value %%%s", p->out_names.data[k]);
            p->failed = true;
            continue;
        }
        hb_vec_push(&p->cx->arena, &p->m->outputs, id);
    }
    return !p->failed;
}

static bool parse_header(P *p)
{
    int64_t version;
    if (!expect(p, "hbir") || !parse_int(p, 1, 1, &version) || !expect(p, "network"))
        return false;
    if (p->tok.kind != T_NAME)
        return err(p, &p->tok, "expected the network name");
    p->m = ir_module_new(p->cx, tok_text(p));
    next(p);
    return true;
}

static bool parse_body(P *p)
{
    while (p->tok.kind != T_EOF) {
        if (p->tok.kind == T_VAL) {
            if (!parse_inst(p))
                return false;
        } else if (is(p, "output")) {
            next(p);
            if (p->tok.kind != T_VAL)
                return err(p, &p->tok, "expected %%value after 'output'");
            hb_vec_push(&p->cx->arena, &p->out_names, tok_text(p));
            SrcSpan at = span(p, &p->tok);
            at.start--; // include the sigil
            hb_vec_push(&p->cx->arena, &p->out_spans, at);
            next(p);
        } else if (is(p, "const")) {
            if (!parse_const(p))
                return false;
        } else {
            return err(p, &p->tok,
                       "expected an instruction (%%name : type = op ...), 'output' "
                       "or 'const', found '%s'",
                       tok_text(p));
        }
    }
    return true;
}

IrModule *ir_parse(HbCx *cx, uint32_t file)
{
    const SrcFile *f = cx_file(cx, file);
    P p = {.cx = cx, .file = file, .s = f->text, .len = f->len};
    next(&p);
    if (!parse_header(&p) || !parse_body(&p))
        return NULL;
    if (!resolve(&p))
        return NULL;
    for (uint32_t k = 0; k < p.m->insts.len; k++)
        if (p.m->insts.data[k].op == IR_OP_INPUT)
            hb_vec_push(&cx->arena, &p.m->inputs, p.m->insts.data[k].result);
    return p.m;
}
