// SPDX-License-Identifier: MIT
/* ast.c: the AST constructors called by the actions in grammar/parser.y (one call
 * per action; see lex.h), and ast_print, the stable dump behind `--emit ast`.
 * Nodes are built in cx->arena; lists grow in place as the parser reduces them. No
 * checking happens here beyond what only the parser can see (the version line). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

#define NEW(cx, T) ((T *)arena_alloc(&(cx)->arena, sizeof(T)))

/* Room for one more element in an array of n. The capacity doubles whenever n is a
 * power of two, so the nodes need no capacity field. */
static void *grow(HbCx *cx, void *data, uint32_t n, size_t elem)
{
    if (n & (n - 1))
        return data;
    return arena_grow(&cx->arena, n ? data : NULL, n * elem, (n ? 2 * (size_t)n : 1) * elem);
}

#define PUSH(cx, arr, n, x)                            \
    do {                                               \
        (arr) = grow((cx), (arr), (n), sizeof *(arr)); \
        (arr)[(n)++] = (x);                            \
    } while (0)

static const SrcSpan no_span = {0, 0, 0};

const char *ast_text(HbCx *cx, SrcSpan s)
{
    return cx_span_text(cx, s);
}

/* ---- file ---- */

AstFile *ast_file_new(HbCx *cx, uint32_t file_id)
{
    AstFile *f = NEW(cx, AstFile);
    f->file_id = file_id;
    return f;
}

// `hbnn 0.1` is parsed as an item so a misplaced one gets a clear message.
void ast_file_version(HbCx *cx, AstFile *f, SrcSpan kw, SrcSpan num)
{
    if (f->has_version) {
        diag_error(cx, kw, "duplicate 'hbnn' version line");
        return;
    }
    if (f->nitems > 0)
        diag_error(cx, kw, "the 'hbnn' version line must come before everything else");
    f->has_version = true;
    f->version = cx_span_text(cx, num);
    f->version_span = num;
}

void ast_file_add_item(HbCx *cx, AstFile *f, AstItem *it)
{
    if (it)
        PUSH(cx, f->items, f->nitems, *it);
}

/* ---- paths ---- */

AstPath *ast_path(HbCx *cx, const char *name, SrcSpan s)
{
    AstPath *p = NEW(cx, AstPath);
    return ast_path_add(cx, p, name, s);
}

AstPath *ast_path_add(HbCx *cx, AstPath *p, const char *name, SrcSpan s)
{
    p->parts = grow(cx, p->parts, p->n, sizeof *p->parts);
    p->spans = grow(cx, p->spans, p->n, sizeof *p->spans);
    p->parts[p->n] = name;
    p->spans[p->n] = s;
    p->span = p->n++ ? span_join(p->span, s) : s;
    return p;
}

AstPath *ast_path2(HbCx *cx, const char *a, SrcSpan as, const char *b, SrcSpan bs)
{
    return ast_path_add(cx, ast_path(cx, a, as), b, bs);
}

/* ---- quantization specs ---- */

AstShare *ast_share(HbCx *cx, SrcSpan s, int64_t bits, SrcSpan bits_span, double pct, bool rest)
{
    AstShare *sh = NEW(cx, AstShare);
    *sh = (AstShare){.bits = bits, .percent = pct, .rest = rest, .span = s, .bits_span = bits_span};
    return sh;
}

AstQopt *ast_qopt(HbCx *cx, SrcSpan s, AstQoptKind kind, const char *value, SrcSpan vs)
{
    AstQopt *o = NEW(cx, AstQopt);
    *o = (AstQopt){.kind = kind, .value = value, .value_span = vs, .span = s};
    return o;
}

AstQopt *ast_qopt_seed(HbCx *cx, SrcSpan s, const char *value, SrcSpan vs, int64_t seed)
{
    AstQopt *o = ast_qopt(cx, s, AQO_SELECT, value, vs);
    o->has_seed = true;
    o->seed = seed;
    return o;
}

AstQspec *ast_qspec(HbCx *cx, SrcSpan s, AstQKind kind, int64_t bits)
{
    AstQspec *q = NEW(cx, AstQspec);
    q->kind = kind;
    q->bits = bits;
    q->span = q->kind_span = s;
    return q;
}

AstQspec *ast_qspec_avg(HbCx *cx, SrcSpan s, double avg)
{
    AstQspec *q = ast_qspec(cx, s, AQ_AVG, 0);
    q->avg = avg;
    return q;
}

AstQspec *ast_qspec_dist(HbCx *cx, SrcSpan s, AstShare *first)
{
    return ast_qspec_add_share(cx, ast_qspec(cx, s, AQ_DIST, 0), s, first);
}

AstQspec *ast_qspec_add_share(HbCx *cx, AstQspec *q, SrcSpan s, AstShare *sh)
{
    PUSH(cx, q->shares, q->nshares, *sh);
    q->span = q->kind_span = s;
    return q;
}

AstQspec *ast_qspec_add_opt(HbCx *cx, AstQspec *q, SrcSpan s, AstQopt *o)
{
    PUSH(cx, q->opts, q->nopts, *o);
    q->span = s;
    return q;
}

/* ---- expressions ---- */

static AstExpr *expr_new(HbCx *cx, SrcSpan s, AstExprKind kind)
{
    AstExpr *e = NEW(cx, AstExpr);
    e->kind = kind;
    e->span = s;
    return e;
}

AstExpr *ast_expr_int(HbCx *cx, SrcSpan s, int64_t v)
{
    AstExpr *e = expr_new(cx, s, AE_INT);
    e->ival = v;
    return e;
}

AstExpr *ast_expr_number(HbCx *cx, SrcSpan s, double v)
{
    AstExpr *e = expr_new(cx, s, AE_NUMBER);
    e->fval = v;
    return e;
}

AstExpr *ast_expr_ident(HbCx *cx, SrcSpan s, const char *name)
{
    AstExpr *e = expr_new(cx, s, AE_IDENT);
    e->name = name;
    return e;
}

AstExpr *ast_expr_kw(HbCx *cx, SrcSpan s, AstExprKind kind)
{
    return expr_new(cx, s, kind);
}

AstExpr *ast_expr_neg(HbCx *cx, SrcSpan s, AstExpr *operand)
{
    AstExpr *e = expr_new(cx, s, AE_NEG);
    e->lhs = operand;
    return e;
}

AstExpr *ast_expr_binop(HbCx *cx, SrcSpan s, char op, AstExpr *l, AstExpr *r)
{
    AstExpr *e = expr_new(cx, s, AE_BINOP);
    e->op = op;
    e->lhs = l;
    e->rhs = r;
    return e;
}

AstExpr *ast_expr_dims(HbCx *cx, SrcSpan s, const int64_t dims[2])
{
    AstExpr *e = expr_new(cx, s, AE_DIMS);
    e->dims[0] = dims[0];
    e->dims[1] = dims[1];
    return e;
}

AstExpr *ast_expr_string(HbCx *cx, SrcSpan s, const char *v)
{
    AstExpr *e = expr_new(cx, s, AE_STRING);
    e->sval = v;
    return e;
}

AstExpr *ast_expr_bool(HbCx *cx, SrcSpan s, bool v)
{
    AstExpr *e = expr_new(cx, s, AE_BOOL);
    e->bval = v;
    return e;
}

AstExpr *ast_expr_qspec(HbCx *cx, SrcSpan s, AstQspec *q)
{
    AstExpr *e = expr_new(cx, s, AE_QSPEC);
    e->qspec = q;
    return e;
}

AstExpr *ast_expr_quant(HbCx *cx, SrcSpan s, AstQspec *q)
{
    AstExpr *e = expr_new(cx, s, AE_QUANT);
    e->qspec = q;
    return e;
}

AstExpr *ast_expr_path(HbCx *cx, SrcSpan s, AstPath *p)
{
    AstExpr *e = expr_new(cx, s, AE_PATH);
    e->path = *p;
    return e;
}

AstExpr *ast_expr_list(HbCx *cx, SrcSpan s)
{
    return expr_new(cx, s, AE_LIST);
}

AstExpr *ast_expr_list_add(HbCx *cx, AstExpr *list, AstExpr *item)
{
    PUSH(cx, list->items, list->nitems, item);
    return list;
}

AstExpr *ast_expr_span(HbCx *cx, AstExpr *e, SrcSpan s)
{
    (void)cx;
    e->span = s;
    return e;
}

/* ---- clauses and layers ---- */

AstArg *ast_arg(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, AstExpr *value)
{
    AstArg *a = NEW(cx, AstArg);
    *a = (AstArg){.name = name, .name_span = name ? ns : no_span, .value = value, .span = s};
    return a;
}

static AstClause *clause_new(HbCx *cx, SrcSpan s, AstClauseKind kind)
{
    AstClause *c = NEW(cx, AstClause);
    c->kind = kind;
    c->span = s;
    return c;
}

AstClause *ast_clause_weights(HbCx *cx, SrcSpan s, AstQspec *q)
{
    AstClause *c = clause_new(cx, s, ACL_WEIGHTS);
    c->qspec = q;
    return c;
}

AstClause *ast_clause_weights_param(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns)
{
    AstClause *c = clause_new(cx, s, ACL_WEIGHTS_PARAM);
    c->param = name;
    c->param_span = ns;
    return c;
}

AstClause *ast_clause_prefix(HbCx *cx, SrcSpan s, const char *prefix, SrcSpan ps)
{
    AstClause *c = clause_new(cx, s, ACL_PARAMS_PREFIX);
    c->prefix = prefix;
    c->prefix_span = ps;
    return c;
}

AstClause *ast_clause_named(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, const char *value,
                            SrcSpan vs)
{
    AstClause *c = clause_new(cx, s, ACL_PARAMS_NAMED);
    return ast_clause_add_named(cx, c, s, name, ns, value, vs);
}

AstClause *ast_clause_add_named(HbCx *cx, AstClause *c, SrcSpan s, const char *name, SrcSpan ns,
                                const char *value, SrcSpan vs)
{
    AstNamedString ns1 = {.name = name, .name_span = ns, .value = value, .value_span = vs};
    PUSH(cx, c->named, c->nnamed, ns1);
    c->span = s;
    return c;
}

AstClause *ast_clause_fold(HbCx *cx, AstClause *c, SrcSpan s, const char *name, SrcSpan ns,
                           int64_t value, SrcSpan vs)
{
    if (!c)
        c = clause_new(cx, s, ACL_FOLD);
    AstFoldArg a = {.name = name, .name_span = ns, .value = value, .value_span = vs};
    PUSH(cx, c->fold, c->nfold, a);
    c->span = s;
    return c;
}

AstClause *ast_clause_from(HbCx *cx, SrcSpan s, AstFromKind kind, AstPath *path)
{
    AstClause *c = clause_new(cx, s, ACL_FROM);
    c->from_kind = kind;
    if (path)
        c->from = *path;
    return c;
}

/* A layer is born inside the statement that will hold it (ast_stmt_layer), so a
 * body of 10^5 layers does not keep a second copy of each. */
static AstLayer *layer_new(HbCx *cx)
{
    AstStmt *st = NEW(cx, AstStmt);
    st->kind = AS_LAYER;
    return &st->layer;
}

AstLayer *ast_layer_quant(HbCx *cx, SrcSpan s, AstQspec *q)
{
    AstLayer *l = layer_new(cx);
    l->op_kind = AOP_QUANT;
    l->qspec = q;
    l->span = s;
    return l;
}

AstLayer *ast_layer_call(HbCx *cx, SrcSpan s, AstPath *name)
{
    AstLayer *l = layer_new(cx);
    l->op_kind = AOP_CALL;
    l->name = *name;
    l->span = s;
    return l;
}

AstLayer *ast_layer_open(HbCx *cx, AstPath *name, SrcSpan paren)
{
    AstLayer *l = ast_layer_call(cx, span_join(name->span, paren), name);
    l->has_parens = true;
    l->args_span = paren;
    return l;
}

AstLayer *ast_layer_add_arg(HbCx *cx, AstLayer *l, AstArg *a)
{
    PUSH(cx, l->args, l->nargs, *a);
    return l;
}

AstLayer *ast_layer_close(HbCx *cx, AstLayer *l, SrcSpan s, SrcSpan paren)
{
    (void)cx;
    l->args_span = span_join(l->args_span, paren);
    l->span = s;
    return l;
}

AstLayer *ast_layer_label(HbCx *cx, AstLayer *l, SrcSpan s, const char *label, SrcSpan ls)
{
    (void)cx;
    l->label = label;
    l->label_span = ls;
    l->span = s;
    return l;
}

AstLayer *ast_layer_add_clause(HbCx *cx, AstLayer *l, SrcSpan s, AstClause *c)
{
    PUSH(cx, l->clauses, l->nclauses, *c);
    l->span = s;
    return l;
}

/* ---- statements ---- */

AstInput *ast_input(HbCx *cx, const char *name, SrcSpan ns, const char *dtype, SrcSpan ds,
                    AstExpr *dim)
{
    AstInput *in = NEW(cx, AstInput);
    *in = (AstInput){.name = name, .name_span = ns, .dtype = dtype, .dtype_span = ds};
    return ast_input_add_dim(cx, in, dim);
}

AstInput *ast_input_scale(HbCx *cx, AstInput *in, SrcSpan s, double scale)
{
    (void)cx;
    in->has_scale = true;
    in->scale = scale;
    in->scale_span = s;
    return in;
}

AstInput *ast_input_add_dim(HbCx *cx, AstInput *in, AstExpr *dim)
{
    PUSH(cx, in->dims, in->ndims, dim);
    return in;
}

AstOutput *ast_output(HbCx *cx, AstPath *p)
{
    AstOutput *o = NEW(cx, AstOutput);
    o->span = p->span;
    return ast_output_add(cx, o, p);
}

AstOutput *ast_output_add(HbCx *cx, AstOutput *o, AstPath *p)
{
    PUSH(cx, o->paths, o->npaths, *p);
    o->span = span_join(o->span, p->span);
    return o;
}

AstDefaultsLine *ast_dline(HbCx *cx, SrcSpan s, AstDefaultsKind kind, AstQspec *q)
{
    AstDefaultsLine *d = NEW(cx, AstDefaultsLine);
    *d = (AstDefaultsLine){.kind = kind, .qspec = q, .span = s};
    return d;
}

AstDefaults *ast_defaults_new(HbCx *cx)
{
    return NEW(cx, AstDefaults);
}

AstDefaults *ast_defaults_add(HbCx *cx, AstDefaults *d, AstDefaultsLine *line)
{
    if (line)
        PUSH(cx, d->lines, d->nlines, *line);
    return d;
}

AstDefaults *ast_defaults(HbCx *cx, AstDefaults *d, SrcSpan s, const char *op, SrcSpan os)
{
    (void)cx;
    d->op = op;
    d->op_span = op ? os : no_span;
    d->span = s;
    return d;
}

static AstStmt *stmt_new(HbCx *cx, SrcSpan s, AstStmtKind kind)
{
    AstStmt *st = NEW(cx, AstStmt);
    st->kind = kind;
    st->span = s;
    return st;
}

AstStmt *ast_stmt_input(HbCx *cx, SrcSpan s, AstInput *in)
{
    AstStmt *st = stmt_new(cx, s, AS_INPUT);
    st->input = *in;
    st->input.span = s;
    return st;
}

AstStmt *ast_stmt_output(HbCx *cx, SrcSpan s, AstOutput *o)
{
    AstStmt *st = stmt_new(cx, s, AS_OUTPUT);
    st->output = *o;
    st->output.span = s;
    return st;
}

AstStmt *ast_stmt_defaults(HbCx *cx, SrcSpan s, AstDefaults *d)
{
    AstStmt *st = stmt_new(cx, s, AS_DEFAULTS);
    st->defaults = *d;
    return st;
}

AstStmt *ast_stmt_layer(HbCx *cx, SrcSpan s, AstLayer *l)
{
    (void)cx;
    AstStmt *st = (AstStmt *)(void *)((char *)l - offsetof(AstStmt, layer)); // see layer_new
    st->span = s;
    st->layer.span = s;
    return st;
}

AstBody *ast_body_new(HbCx *cx)
{
    return NEW(cx, AstBody);
}

AstBody *ast_body_add(HbCx *cx, AstBody *b, AstStmt *st)
{
    if (st)
        PUSH(cx, b->stmts, b->n, st);
    return b;
}

/* ---- blocks, networks, file-level items ---- */

AstParam *ast_param(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, const char *type, SrcSpan ts,
                    AstExpr *def)
{
    AstParam *p = NEW(cx, AstParam);
    *p = (AstParam){
            .name = name, .name_span = ns, .type = type, .type_span = ts, .def = def, .span = s};
    return p;
}

AstBlock *ast_block(HbCx *cx, const char *name, SrcSpan ns)
{
    AstBlock *b = NEW(cx, AstBlock);
    b->name = name;
    b->name_span = ns;
    return b;
}

AstBlock *ast_block_add_param(HbCx *cx, AstBlock *b, AstParam *prm)
{
    PUSH(cx, b->params, b->nparams, *prm);
    return b;
}

AstBlock *ast_block_body(HbCx *cx, AstBlock *b, SrcSpan s, AstBody *body)
{
    (void)cx;
    b->body = *body;
    b->span = s;
    return b;
}

AstNetwork *ast_network(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, AstBody *body)
{
    AstNetwork *n = NEW(cx, AstNetwork);
    *n = (AstNetwork){.name = name, .name_span = ns, .body = *body, .span = s};
    return n;
}

AstImport *ast_import(HbCx *cx, SrcSpan s, const char *name, const char *file, SrcSpan ts)
{
    AstImport *im = NEW(cx, AstImport);
    *im = (AstImport){.name = name, .file = file, .target_span = ts, .span = s};
    return im;
}

AstImport *ast_import_alias(HbCx *cx, AstImport *im, SrcSpan s, const char *alias, SrcSpan as)
{
    (void)cx;
    im->alias = alias;
    im->alias_span = as;
    im->span = s;
    return im;
}

AstWeightsFile *ast_weights_file(HbCx *cx, SrcSpan s, const char *file, SrcSpan fs)
{
    AstWeightsFile *w = NEW(cx, AstWeightsFile);
    *w = (AstWeightsFile){.file = file, .file_span = fs, .span = s};
    return w;
}

AstWeightsFile *ast_weights_layout(HbCx *cx, AstWeightsFile *w, SrcSpan s, const char *layout,
                                   SrcSpan ls)
{
    (void)cx;
    w->layout = layout;
    w->layout_span = ls;
    w->span = s;
    return w;
}

AstWeightsFile *ast_weights_prefix(HbCx *cx, AstWeightsFile *w, SrcSpan s, const char *prefix,
                                   SrcSpan ps)
{
    (void)cx;
    w->prefix = prefix;
    w->prefix_span = ps;
    w->span = s;
    return w;
}

AstRename *ast_rename(HbCx *cx, SrcSpan s, AstPath *path, const char *value, SrcSpan vs)
{
    AstRename *r = NEW(cx, AstRename);
    *r = (AstRename){.path = *path, .value = value, .value_span = vs, .span = s};
    return r;
}

AstWeightsFile *ast_weights_add_rename(HbCx *cx, AstWeightsFile *w, AstRename *r)
{
    if (r)
        PUSH(cx, w->renames, w->nrenames, *r);
    return w;
}

AstWeightsFile *ast_weights_renames(HbCx *cx, AstWeightsFile *w, AstWeightsFile *table, SrcSpan s)
{
    (void)cx;
    w->renames = table->renames;
    w->nrenames = table->nrenames;
    w->span = s;
    return w;
}

AstOverrideLine *ast_oline(HbCx *cx, SrcSpan s, AstPath *path, AstClause *c)
{
    AstOverrideLine *ol = NEW(cx, AstOverrideLine);
    ol->path = *path;
    return ast_oline_add(cx, ol, s, c);
}

AstOverrideLine *ast_oline_add(HbCx *cx, AstOverrideLine *ol, SrcSpan s, AstClause *c)
{
    PUSH(cx, ol->clauses, ol->nclauses, *c);
    ol->span = s;
    return ol;
}

AstOverride *ast_override_new(HbCx *cx)
{
    return NEW(cx, AstOverride);
}

AstOverride *ast_override_add(HbCx *cx, AstOverride *o, AstOverrideLine *ol)
{
    if (ol)
        PUSH(cx, o->lines, o->nlines, *ol);
    return o;
}

AstOverride *ast_override(HbCx *cx, AstOverride *o, SrcSpan s, const char *net, SrcSpan ns)
{
    (void)cx;
    o->network = net;
    o->network_span = ns;
    o->span = s;
    return o;
}

static AstItem *item_new(HbCx *cx, SrcSpan s, AstItemKind kind)
{
    AstItem *it = NEW(cx, AstItem);
    it->kind = kind;
    it->span = s;
    return it;
}

AstItem *ast_item_import(HbCx *cx, SrcSpan s, AstImport *im)
{
    AstItem *it = item_new(cx, s, AI_IMPORT);
    it->import = *im;
    return it;
}

AstItem *ast_item_weights(HbCx *cx, SrcSpan s, AstWeightsFile *w)
{
    AstItem *it = item_new(cx, s, AI_WEIGHTS);
    it->weights = *w;
    return it;
}

AstItem *ast_item_defaults(HbCx *cx, SrcSpan s, AstDefaults *d)
{
    AstItem *it = item_new(cx, s, AI_DEFAULTS);
    it->defaults = *d;
    return it;
}

AstItem *ast_item_override(HbCx *cx, SrcSpan s, AstOverride *o)
{
    AstItem *it = item_new(cx, s, AI_OVERRIDE);
    it->override = *o;
    return it;
}

AstItem *ast_item_block(HbCx *cx, SrcSpan s, AstBlock *b)
{
    AstItem *it = item_new(cx, s, AI_BLOCK);
    it->block = *b;
    return it;
}

AstItem *ast_item_network(HbCx *cx, SrcSpan s, AstNetwork *n)
{
    AstItem *it = item_new(cx, s, AI_NETWORK);
    it->network = *n;
    return it;
}

/* ---- ast_print: one node per line, two spaces per level, no spans ----
 * (network n
 *   (input x f32 [64])
 *   (layer fc1 (call dense 128) (weights (int 8)))
 *   (output fc1)) */

/* %.15g unless more digits are needed to read back the same double: 0.1 prints as
 * 0.1 and 60 as 60 (a shorter precision would switch to 6e+01). */
static void put_double(FILE *out, double v, bool mark_real)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    // A NUMBER that happens to be integral still reads as a real: 2.0, not 2.
    if (mark_real && !strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    fputs(buf, out);
}

static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(out, "\\x%02x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

static void put_path(FILE *out, const AstPath *p)
{
    for (uint32_t i = 0; i < p->n; i++)
        fprintf(out, "%s%s", i ? "." : "", p->parts[i]);
}

static void put_newline(FILE *out, int indent)
{
    fprintf(out, "\n%*s", 2 * indent, "");
}

static const char *const qopt_names[] = {"select", "scale", "group"};

static void put_qopt(FILE *out, const AstQopt *o)
{
    fprintf(out, " (%s %s", qopt_names[o->kind], o->value);
    if (o->has_seed)
        fprintf(out, " %lld", (long long)o->seed);
    fputc(')', out);
}

static void put_qspec(FILE *out, const AstQspec *q)
{
    switch (q->kind) {
    case AQ_BITS:
        fprintf(out, "(bits %lld", (long long)q->bits);
        break;
    case AQ_DIST:
        fputs("(bits", out);
        for (uint32_t i = 0; i < q->nshares; i++) {
            fprintf(out, " (%lld ", (long long)q->shares[i].bits);
            if (q->shares[i].rest)
                fputs("rest)", out);
            else {
                put_double(out, q->shares[i].percent, false);
                fputs("%)", out);
            }
        }
        break;
    case AQ_AVG:
        fputs("(bits avg ", out);
        put_double(out, q->avg, false);
        break;
    case AQ_INT:
        fprintf(out, "(int %lld", (long long)q->bits);
        break;
    case AQ_FLOAT:
        fputs("(float", out);
        break;
    case AQ_INHERIT:
        fputs("(inherit", out);
        break;
    }
    for (uint32_t i = 0; i < q->nopts; i++)
        put_qopt(out, &q->opts[i]);
    fputc(')', out);
}

static void put_expr(FILE *out, const AstExpr *e);

static void put_list(FILE *out, const AstExpr *e)
{
    fputc('[', out);
    for (uint32_t i = 0; i < e->nitems; i++) {
        if (i)
            fputc(' ', out);
        put_expr(out, e->items[i]);
    }
    fputc(']', out);
}

static void put_expr(FILE *out, const AstExpr *e)
{
    switch (e->kind) {
    case AE_INT:
        fprintf(out, "%lld", (long long)e->ival);
        break;
    case AE_NUMBER:
        put_double(out, e->fval, true);
        break;
    case AE_IDENT:
        fputs(e->name, out);
        break;
    case AE_IN:
        fputs("in", out);
        break;
    case AE_PREV:
        fputs("prev", out);
        break;
    case AE_NEG:
        fputs("(- ", out);
        put_expr(out, e->lhs);
        fputc(')', out);
        break;
    case AE_BINOP:
        fprintf(out, "(%c ", e->op);
        put_expr(out, e->lhs);
        fputc(' ', out);
        put_expr(out, e->rhs);
        fputc(')', out);
        break;
    case AE_DIMS:
        fprintf(out, "%lldx%lld", (long long)e->dims[0], (long long)e->dims[1]);
        break;
    case AE_STRING:
        put_string(out, e->sval);
        break;
    case AE_LIST:
        put_list(out, e);
        break;
    case AE_QSPEC:
        put_qspec(out, e->qspec);
        break;
    case AE_BOOL:
        fputs(e->bval ? "true" : "false", out);
        break;
    case AE_QUANT:
        fputs("(quant", out);
        if (e->qspec) {
            fputc(' ', out);
            put_qspec(out, e->qspec);
        }
        fputc(')', out);
        break;
    case AE_PATH:
        put_path(out, &e->path);
        break;
    }
}

static void put_clause(FILE *out, const AstClause *c)
{
    switch (c->kind) {
    case ACL_WEIGHTS:
        fputs("(weights ", out);
        put_qspec(out, c->qspec);
        break;
    case ACL_WEIGHTS_PARAM:
        fprintf(out, "(weights %s", c->param);
        break;
    case ACL_PARAMS_PREFIX:
        fputs("(params ", out);
        put_string(out, c->prefix);
        break;
    case ACL_PARAMS_NAMED:
        fputs("(params", out);
        for (uint32_t i = 0; i < c->nnamed; i++) {
            fprintf(out, " %s=", c->named[i].name);
            put_string(out, c->named[i].value);
        }
        break;
    case ACL_FOLD:
        fputs("(fold", out);
        for (uint32_t i = 0; i < c->nfold; i++)
            fprintf(out, " %s=%lld", c->fold[i].name, (long long)c->fold[i].value);
        break;
    case ACL_FROM:
        fputs("(from ", out);
        if (c->from_kind == AF_PATH)
            put_path(out, &c->from);
        else
            fputs(c->from_kind == AF_IN ? "in" : "prev", out);
        break;
    }
    fputc(')', out);
}

static void put_clauses(FILE *out, const AstClause *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        fputc(' ', out);
        put_clause(out, &c[i]);
    }
}

static void put_op(FILE *out, const AstLayer *l)
{
    if (l->op_kind == AOP_QUANT) {
        fputs("(quant", out);
        if (l->qspec) {
            fputc(' ', out);
            put_qspec(out, l->qspec);
        }
        fputc(')', out);
        return;
    }
    fputs("(call ", out);
    put_path(out, &l->name);
    if (l->has_parens && l->nargs == 0)
        fputs(" ()", out); // `relu()` and `relu` stay distinguishable
    for (uint32_t i = 0; i < l->nargs; i++) {
        fputc(' ', out);
        if (l->args[i].name)
            fprintf(out, "%s=", l->args[i].name);
        put_expr(out, l->args[i].value);
    }
    fputc(')', out);
}

static void put_layer(FILE *out, const AstLayer *l)
{
    fprintf(out, "(layer %s ", l->label ? l->label : "-");
    put_op(out, l);
    put_clauses(out, l->clauses, l->nclauses);
    fputc(')', out);
}

static void put_defaults(FILE *out, const AstDefaults *d, int indent)
{
    fputs("(defaults", out);
    if (d->op)
        fprintf(out, " %s", d->op);
    for (uint32_t i = 0; i < d->nlines; i++) {
        put_newline(out, indent + 1);
        fprintf(out, "(%s ", d->lines[i].kind == ADL_WEIGHTS ? "weights" : "acts");
        put_qspec(out, d->lines[i].qspec);
        fputc(')', out);
    }
    fputc(')', out);
}

static void put_input(FILE *out, const AstInput *in)
{
    fprintf(out, "(input %s %s [", in->name, in->dtype);
    for (uint32_t i = 0; i < in->ndims; i++) {
        if (i)
            fputc(' ', out);
        put_expr(out, in->dims[i]);
    }
    if (in->has_scale)
        fprintf(out, "] scale %.17g)", in->scale);
    else
        fputs("])", out);
}

static void put_stmt(FILE *out, const AstStmt *st, int indent)
{
    switch (st->kind) {
    case AS_INPUT:
        put_input(out, &st->input);
        break;
    case AS_OUTPUT:
        fputs("(output", out);
        for (uint32_t i = 0; i < st->output.npaths; i++) {
            fputc(' ', out);
            put_path(out, &st->output.paths[i]);
        }
        fputc(')', out);
        break;
    case AS_DEFAULTS:
        put_defaults(out, &st->defaults, indent);
        break;
    case AS_LAYER:
        put_layer(out, &st->layer);
        break;
    }
}

static void put_body(FILE *out, const AstBody *b, int indent)
{
    for (uint32_t i = 0; i < b->n; i++) {
        put_newline(out, indent);
        put_stmt(out, b->stmts[i], indent);
    }
}

static void put_block(FILE *out, const AstBlock *b)
{
    fprintf(out, "(block %s", b->name);
    for (uint32_t i = 0; i < b->nparams; i++) {
        const AstParam *p = &b->params[i];
        put_newline(out, 1);
        fprintf(out, "(param %s %s", p->name, p->type);
        if (p->def) {
            fputc(' ', out);
            put_expr(out, p->def);
        }
        fputc(')', out);
    }
    put_body(out, &b->body, 1);
    fputc(')', out);
}

static void put_weights(FILE *out, const AstWeightsFile *w)
{
    fputs("(weights ", out);
    put_string(out, w->file);
    if (w->layout)
        fprintf(out, " (layout %s)", w->layout);
    if (w->prefix) {
        fputs(" (prefix ", out);
        put_string(out, w->prefix);
        fputc(')', out);
    }
    for (uint32_t i = 0; i < w->nrenames; i++) {
        put_newline(out, 1);
        fputs("(rename ", out);
        put_path(out, &w->renames[i].path);
        fputc(' ', out);
        put_string(out, w->renames[i].value);
        fputc(')', out);
    }
    fputc(')', out);
}

static void put_override(FILE *out, const AstOverride *o)
{
    fprintf(out, "(override %s", o->network);
    for (uint32_t i = 0; i < o->nlines; i++) {
        put_newline(out, 1);
        fputs("(entry ", out);
        put_path(out, &o->lines[i].path);
        put_clauses(out, o->lines[i].clauses, o->lines[i].nclauses);
        fputc(')', out);
    }
    fputc(')', out);
}

static void put_import(FILE *out, const AstImport *im)
{
    fputs("(import ", out);
    if (im->name)
        fputs(im->name, out);
    else
        put_string(out, im->file);
    if (im->alias)
        fprintf(out, " as %s", im->alias);
    fputc(')', out);
}

static void put_item(FILE *out, const AstItem *it)
{
    switch (it->kind) {
    case AI_IMPORT:
        put_import(out, &it->import);
        break;
    case AI_WEIGHTS:
        put_weights(out, &it->weights);
        break;
    case AI_DEFAULTS:
        put_defaults(out, &it->defaults, 0);
        break;
    case AI_OVERRIDE:
        put_override(out, &it->override);
        break;
    case AI_BLOCK:
        put_block(out, &it->block);
        break;
    case AI_NETWORK:
        fprintf(out, "(network %s", it->network.name);
        put_body(out, &it->network.body, 1);
        fputc(')', out);
        break;
    }
    fputc('\n', out);
}

void ast_print(FILE *out, HbCx *cx, const AstFile *f)
{
    (void)cx;
    if (!f)
        return;
    if (f->has_version)
        fprintf(out, "(hbnn %s)\n", f->version);
    for (uint32_t i = 0; i < f->nitems; i++)
        put_item(out, &f->items[i]);
}
