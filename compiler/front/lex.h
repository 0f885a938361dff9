// SPDX-License-Identifier: MIT
/* lex.h: the front end's internal interface between grammar/lexer.l, grammar/parser.y,
 * parse.c and ast.c: scanner and parser state, the scanner's helpers (parse.c) and the
 * ast_* constructors the parser actions call (ast.c). Nothing else includes it; the
 * rest of the compiler sees ast.h. */
#ifndef HB_LEX_H
#define HB_LEX_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "parser.h"

// flex's bison-bridge names the unprefixed types; bison's are prefixed (api.prefix).
#ifndef YYSTYPE
#define YYSTYPE HB_YYSTYPE
#endif
#ifndef YYLTYPE
#define YYLTYPE HB_YYLTYPE
#endif

/* An open bracket the scanner has seen: newlines are insignificant while the
 * innermost open bracket is '(' or '['. */
typedef struct LexOpen {
    char ch;
    SrcSpan at;
} LexOpen;

/* The scanner's extra data: position and bracket nesting. */
typedef struct LexState {
    HbCx *cx;
    uint32_t file;
    uint32_t pos; // byte offset of the next character
    HbVec(LexOpen) open;
} LexState;

/* One token as the wrapper in parse.c buffers it. */
typedef struct LexToken {
    int kind; // TOK_* or a character
    HB_YYSTYPE val;
    SrcSpan loc;
} LexToken;

/* The parser's state (bison %parse-param): the file being built, the scanner and
 * the one-token buffer of the newline/continuation wrapper. */
struct HbParse {
    HbCx *cx;
    AstFile *file;
    void *scanner; // yyscan_t
    LexState lex;
    bool have_peek;
    bool done;     // end of file was handed out
    LexToken peek; // the token after a folded newline
    LexToken last; // the token most recently handed to bison (the lookahead)
    LexToken prev; // the one before it
};

/* ---- parse.c: the token wrapper and syntax errors (called by the parser) ---- */

/* Set up *p to scan file_id (parse_file does this; the lexer tests drive hb_yylex
 * directly). parse_end frees the scanner; call it even if parse_begin failed. */
bool parse_begin(HbParse *p, HbCx *cx, uint32_t file_id);
void parse_end(HbParse *p);

int hb_yylex(HB_YYSTYPE *val, SrcSpan *loc, HbParse *p);
void hb_yyerror(SrcSpan *loc, HbCx *cx, HbParse *p, const char *msg);
/* Report a syntax error at the lookahead; `expected` are bison's token names. */
void parse_syntax_error(HbParse *p, SrcSpan at, const char *const *expected, int n);
/* YYLLOC_DEFAULT: join the non-empty spans of rhs[1..n] (rhs[0] precedes them). */
SrcSpan parse_span_rhs(const SrcSpan *rhs, int n);

/* ---- parse.c: helpers for the scanner actions ---- */

void lex_step(LexState *ls, SrcSpan *loc, int len);
void lex_eof(LexState *ls, SrcSpan *loc);
bool lex_newline_ignored(const LexState *ls);
void lex_open(LexState *ls, char ch, SrcSpan at);
void lex_close(LexState *ls, char ch);
/* Drop open '(' and '[' (after a syntax error, so newlines end statements again). */
void lex_reset_brackets(LexState *ls);
const char *lex_ident(LexState *ls, const char *text, int len);
int64_t lex_int(LexState *ls, const char *text, int len, SrcSpan at);
double lex_number(LexState *ls, const char *text, int len, SrcSpan at);
void lex_dims(LexState *ls, const char *text, int len, SrcSpan at, int64_t dims[2]);
void lex_bad_number(LexState *ls, SrcSpan at);
const char *lex_string(LexState *ls, const char *text, int len, SrcSpan at, bool closed);
void lex_bad_char(LexState *ls, const char *text, int len, SrcSpan at);

/* ---- ast.c: constructors, one per parser action. All nodes live in cx->arena.
 * "add" functions append to a list held by the first argument and return it. ---- */

const char *ast_text(HbCx *cx, SrcSpan s);
AstFile *ast_file_new(HbCx *cx, uint32_t file_id);
void ast_file_version(HbCx *cx, AstFile *f, SrcSpan kw, SrcSpan num);
void ast_file_add_item(HbCx *cx, AstFile *f, AstItem *it);

AstPath *ast_path(HbCx *cx, const char *name, SrcSpan s);
AstPath *ast_path_add(HbCx *cx, AstPath *p, const char *name, SrcSpan s);
AstPath *ast_path2(HbCx *cx, const char *a, SrcSpan as, const char *b, SrcSpan bs);

AstShare *ast_share(HbCx *cx, SrcSpan s, int64_t bits, SrcSpan bits_span, double pct, bool rest);
AstQopt *ast_qopt(HbCx *cx, SrcSpan s, AstQoptKind kind, const char *value, SrcSpan vs);
AstQopt *ast_qopt_seed(HbCx *cx, SrcSpan s, const char *value, SrcSpan vs, int64_t seed);
AstQspec *ast_qspec(HbCx *cx, SrcSpan s, AstQKind kind, int64_t bits);
AstQspec *ast_qspec_avg(HbCx *cx, SrcSpan s, double avg);
AstQspec *ast_qspec_dist(HbCx *cx, SrcSpan s, AstShare *first);
AstQspec *ast_qspec_add_share(HbCx *cx, AstQspec *q, SrcSpan s, AstShare *sh);
AstQspec *ast_qspec_add_opt(HbCx *cx, AstQspec *q, SrcSpan s, AstQopt *o);

AstExpr *ast_expr_int(HbCx *cx, SrcSpan s, int64_t v);
AstExpr *ast_expr_number(HbCx *cx, SrcSpan s, double v);
AstExpr *ast_expr_ident(HbCx *cx, SrcSpan s, const char *name);
AstExpr *ast_expr_kw(HbCx *cx, SrcSpan s, AstExprKind kind); // AE_IN, AE_PREV
AstExpr *ast_expr_neg(HbCx *cx, SrcSpan s, AstExpr *e);
AstExpr *ast_expr_binop(HbCx *cx, SrcSpan s, char op, AstExpr *l, AstExpr *r);
AstExpr *ast_expr_dims(HbCx *cx, SrcSpan s, const int64_t dims[2]);
AstExpr *ast_expr_string(HbCx *cx, SrcSpan s, const char *v);
AstExpr *ast_expr_bool(HbCx *cx, SrcSpan s, bool v);
AstExpr *ast_expr_qspec(HbCx *cx, SrcSpan s, AstQspec *q);
AstExpr *ast_expr_quant(HbCx *cx, SrcSpan s, AstQspec *q);
AstExpr *ast_expr_path(HbCx *cx, SrcSpan s, AstPath *p);
AstExpr *ast_expr_list(HbCx *cx, SrcSpan s);
AstExpr *ast_expr_list_add(HbCx *cx, AstExpr *list, AstExpr *item);
AstExpr *ast_expr_span(HbCx *cx, AstExpr *e, SrcSpan s); // widen to (...) or [...]

AstArg *ast_arg(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, AstExpr *value);
AstClause *ast_clause_weights(HbCx *cx, SrcSpan s, AstQspec *q);
AstClause *ast_clause_weights_param(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns);
AstClause *ast_clause_prefix(HbCx *cx, SrcSpan s, const char *prefix, SrcSpan ps);
AstClause *ast_clause_named(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, const char *value,
                            SrcSpan vs);
AstClause *ast_clause_add_named(HbCx *cx, AstClause *c, SrcSpan s, const char *name, SrcSpan ns,
                                const char *value, SrcSpan vs);
AstClause *ast_clause_fold(HbCx *cx, AstClause *c, SrcSpan s, const char *name, SrcSpan ns,
                           int64_t value, SrcSpan vs); // c NULL: a new clause
AstClause *ast_clause_from(HbCx *cx, SrcSpan s, AstFromKind kind, AstPath *path);

AstLayer *ast_layer_quant(HbCx *cx, SrcSpan s, AstQspec *q);
AstLayer *ast_layer_call(HbCx *cx, SrcSpan s, AstPath *name);
AstLayer *ast_layer_open(HbCx *cx, AstPath *name, SrcSpan paren);
AstLayer *ast_layer_add_arg(HbCx *cx, AstLayer *l, AstArg *a);
AstLayer *ast_layer_close(HbCx *cx, AstLayer *l, SrcSpan s, SrcSpan paren);
AstLayer *ast_layer_label(HbCx *cx, AstLayer *l, SrcSpan s, const char *label, SrcSpan ls);
AstLayer *ast_layer_add_clause(HbCx *cx, AstLayer *l, SrcSpan s, AstClause *c);

AstInput *ast_input(HbCx *cx, const char *name, SrcSpan ns, const char *dtype, SrcSpan ds,
                    AstExpr *dim);
AstInput *ast_input_add_dim(HbCx *cx, AstInput *in, AstExpr *dim);
AstInput *ast_input_scale(HbCx *cx, AstInput *in, SrcSpan s, double scale);
AstOutput *ast_output(HbCx *cx, AstPath *p);
AstOutput *ast_output_add(HbCx *cx, AstOutput *o, AstPath *p);

AstDefaultsLine *ast_dline(HbCx *cx, SrcSpan s, AstDefaultsKind kind, AstQspec *q);
AstDefaults *ast_defaults_new(HbCx *cx);
AstDefaults *ast_defaults_add(HbCx *cx, AstDefaults *d, AstDefaultsLine *line);
AstDefaults *ast_defaults(HbCx *cx, AstDefaults *d, SrcSpan s, const char *op, SrcSpan os);

AstStmt *ast_stmt_input(HbCx *cx, SrcSpan s, AstInput *in);
AstStmt *ast_stmt_output(HbCx *cx, SrcSpan s, AstOutput *o);
AstStmt *ast_stmt_defaults(HbCx *cx, SrcSpan s, AstDefaults *d);
AstStmt *ast_stmt_layer(HbCx *cx, SrcSpan s, AstLayer *l);
AstBody *ast_body_new(HbCx *cx);
AstBody *ast_body_add(HbCx *cx, AstBody *b, AstStmt *st); // st may be NULL (error)

AstParam *ast_param(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, const char *type, SrcSpan ts,
                    AstExpr *def);
AstBlock *ast_block(HbCx *cx, const char *name, SrcSpan ns);
AstBlock *ast_block_add_param(HbCx *cx, AstBlock *b, AstParam *prm);
AstBlock *ast_block_body(HbCx *cx, AstBlock *b, SrcSpan s, AstBody *body);
AstNetwork *ast_network(HbCx *cx, SrcSpan s, const char *name, SrcSpan ns, AstBody *body);

AstImport *ast_import(HbCx *cx, SrcSpan s, const char *name, const char *file, SrcSpan ts);
AstImport *ast_import_alias(HbCx *cx, AstImport *im, SrcSpan s, const char *alias, SrcSpan as);
AstWeightsFile *ast_weights_file(HbCx *cx, SrcSpan s, const char *file, SrcSpan fs);
AstWeightsFile *ast_weights_layout(HbCx *cx, AstWeightsFile *w, SrcSpan s, const char *layout,
                                   SrcSpan ls);
AstWeightsFile *ast_weights_prefix(HbCx *cx, AstWeightsFile *w, SrcSpan s, const char *prefix,
                                   SrcSpan ps);
AstRename *ast_rename(HbCx *cx, SrcSpan s, AstPath *path, const char *value, SrcSpan vs);
AstWeightsFile *ast_weights_add_rename(HbCx *cx, AstWeightsFile *w, AstRename *r);
/* Move the renames collected in `table` onto `w` (the `{ ... }` after the options). */
AstWeightsFile *ast_weights_renames(HbCx *cx, AstWeightsFile *w, AstWeightsFile *table, SrcSpan s);

AstOverrideLine *ast_oline(HbCx *cx, SrcSpan s, AstPath *path, AstClause *c);
AstOverrideLine *ast_oline_add(HbCx *cx, AstOverrideLine *ol, SrcSpan s, AstClause *c);
AstOverride *ast_override_new(HbCx *cx);
AstOverride *ast_override_add(HbCx *cx, AstOverride *o, AstOverrideLine *ol); // ol may be NULL
AstOverride *ast_override(HbCx *cx, AstOverride *o, SrcSpan s, const char *net, SrcSpan ns);

AstItem *ast_item_import(HbCx *cx, SrcSpan s, AstImport *im);
AstItem *ast_item_weights(HbCx *cx, SrcSpan s, AstWeightsFile *w);
AstItem *ast_item_defaults(HbCx *cx, SrcSpan s, AstDefaults *d);
AstItem *ast_item_override(HbCx *cx, SrcSpan s, AstOverride *o);
AstItem *ast_item_block(HbCx *cx, SrcSpan s, AstBlock *b);
AstItem *ast_item_network(HbCx *cx, SrcSpan s, AstNetwork *n);

#endif
