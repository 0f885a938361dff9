/* SPDX-License-Identifier: MIT */
/* parser.y: the .hb grammar (docs/language.md §7), LALR(1) with no conflicts (fix them by
 * rewriting rules, never by raising %expect). Each action is one ast_* call (ast.c);
 * tokens come through the wrapper hb_yylex in parse.c; spans are byte offsets. The
 * `error` alternatives resync at the next statement or item, so one run reports all. */

%define api.pure full
%define api.prefix {hb_yy}
%define api.token.prefix {TOK_}
%define parse.error custom
%define parse.lac full
/* No default reductions: the state after an `error` then checks the lookahead, so
 * recovery discards the rest of the bad statement instead of unwinding further up
 * (to the item level, which would silently swallow the rest of the body). */
%define lr.default-reduction accepting
%locations
%expect 0
%parse-param {HbCx *cx} {HbParse *p}
%lex-param {HbParse *p}

%code requires {
#include "ast.h"
typedef struct HbParse HbParse;
typedef SrcSpan HB_YYLTYPE;
#define HB_YYLTYPE_IS_DECLARED 1
#define YYLLOC_DEFAULT(Cur, Rhs, N) ((Cur) = parse_span_rhs((Rhs), (N)))
}

%code {
#include "lex.h"
}

%initial-action { @$ = (SrcSpan){p->lex.file, 0, 0}; }

%union {
    int64_t i;
    double d;
    const char *s;
    int64_t dims[2];
    AstPath *path;
    AstQspec *qspec;
    AstShare *share;
    AstQopt *qopt;
    AstExpr *expr;
    AstArg *arg;
    AstClause *clause;
    AstLayer *layer;
    AstStmt *stmt;
    AstBody *body;
    AstInput *input;
    AstOutput *output;
    AstDefaults *defaults;
    AstDefaultsLine *dline;
    AstParam *param;
    AstBlock *block;
    AstNetwork *network;
    AstWeightsFile *wfile;
    AstRename *rename;
    AstImport *import;
    AstOverride *override;
    AstOverrideLine *oline;
    AstItem *item;
}

/* The quoted names are what syntax errors print ("expected ')', found newline"). */
%token YYEOF 0 "end of file"
%token NEWLINE "newline"
%token <s> IDENT "identifier"
%token <s> STRING "string"
%token <i> INT "integer"
%token <d> NUMBER "number"
%token <d> PERCENT "percentage"
%token <dims> DIMS "dimensions"
%token HBNN "'hbnn'" IMPORT "'import'" AS "'as'" WEIGHTS "'weights'" LAYOUT "'layout'"
%token PREFIX "'prefix'" DEFAULTS "'defaults'" OVERRIDE "'override'" BLOCK "'block'"
%token NETWORK "'network'" INPUT "'input'" OUTPUT "'output'" PARAMS "'params'"
%token FROM "'from'" BITS "'bits'" AVG "'avg'" REST "'rest'" KW_INT "'int'"
%token KW_FLOAT "'float'" INHERIT "'inherit'" SELECT "'select'" SCALE "'scale'"
%token GROUP "'group'" QUANT "'quant'" ACTS "'acts'" IN "'in'" PREV "'prev'"
%token TRUE "'true'" FALSE "'false'" FOLD "'fold'"

%type <item> item
%type <import> import import_target
%type <wfile> weights_file weights_opts renames
%type <rename> rename
%type <defaults> defaults dlines
%type <dline> dline
%type <override> override olines olines_sep
%type <oline> oline oline_body
%type <block> block block_sig block_open block_params
%type <param> param
%type <s> ptype
%type <network> network
%type <body> body body_sep
%type <stmt> stmt
%type <input> input
%type <output> output
%type <layer> layer op call_open call_args
%type <arg> arg
%type <clause> clause named fold
%type <path> path dotted
%type <expr> value list_open list_items expr term factor dim
%type <qspec> qspec qkind dist
%type <share> share
%type <qopt> qopt

%%

/* Items need no newline between them: `hbnn 0.1` then a `weights` line arrives as
 * one line because `weights` is a continuation keyword. */
file
    : items
    ;

items
    : %empty
    | items NEWLINE
    | items HBNN NUMBER             { ast_file_version(cx, p->file, @2, @3); }
    | items HBNN INT                { ast_file_version(cx, p->file, @2, @3); }
    | items item                    { ast_file_add_item(cx, p->file, $2); }
    ;

item
    : import                        { $$ = ast_item_import(cx, @$, $1); }
    | weights_file                  { $$ = ast_item_weights(cx, @$, $1); }
    | defaults                      { $$ = ast_item_defaults(cx, @$, $1); }
    | override                      { $$ = ast_item_override(cx, @$, $1); }
    | block                         { $$ = ast_item_block(cx, @$, $1); }
    | network                       { $$ = ast_item_network(cx, @$, $1); }
    | error                         { $$ = NULL; }
    ;

/* ---- import std | import "blocks.hb" as my ---- */

import
    : import_target
    | import_target AS IDENT        { $$ = ast_import_alias(cx, $1, @$, $3, @3); }
    ;

import_target
    : IMPORT IDENT                  { $$ = ast_import(cx, @$, $2, NULL, @2); }
    | IMPORT STRING                 { $$ = ast_import(cx, @$, NULL, $2, @2); }
    ;

/* ---- weights "f.safetensors" layout torch prefix "m." { b1.dw = "model.1" } ---- */

weights_file
    : weights_opts
    | weights_opts '{' renames '}'  { $$ = ast_weights_renames(cx, $1, $3, @$); }
    ;

weights_opts
    : WEIGHTS STRING                { $$ = ast_weights_file(cx, @$, $2, @2); }
    | weights_opts LAYOUT IDENT     { $$ = ast_weights_layout(cx, $1, @$, $3, @3); }
    | weights_opts PREFIX STRING    { $$ = ast_weights_prefix(cx, $1, @$, $3, @3); }
    ;

renames
    : %empty                        { $$ = ast_weights_file(cx, @$, NULL, @$); }
    | renames NEWLINE
    | renames rename                { $$ = ast_weights_add_rename(cx, $1, $2); }
    ;

rename
    : path '=' STRING               { $$ = ast_rename(cx, @$, $1, $3, @3); }
    | error                         { $$ = NULL; }
    ;

/* ---- defaults [op] { weights qspec | acts qspec } ---- */

defaults
    : DEFAULTS '{' dlines '}'       { $$ = ast_defaults(cx, $3, @$, NULL, @1); }
    | DEFAULTS IDENT '{' dlines '}' { $$ = ast_defaults(cx, $4, @$, $2, @2); }
    ;

/* Two lines may follow each other without a newline (`weights` joins lines). */
dlines
    : %empty                        { $$ = ast_defaults_new(cx); }
    | dlines NEWLINE
    | dlines dline                  { $$ = ast_defaults_add(cx, $1, $2); }
    ;

dline
    : WEIGHTS qspec                 { $$ = ast_dline(cx, @$, ADL_WEIGHTS, $2); }
    | ACTS qspec                    { $$ = ast_dline(cx, @$, ADL_ACTS, $2); }
    | error                         { $$ = NULL; }
    ;

/* ---- override net { path clause... } ---- */

override
    : OVERRIDE IDENT '{' olines '}' { $$ = ast_override(cx, $4, @$, $2, @2); }
    ;

/* Lines separated by newlines: olines_sep is "empty or ends with a newline". */
olines
    : olines_sep
    | olines_sep oline              { $$ = ast_override_add(cx, $1, $2); }
    ;

olines_sep
    : %empty                        { $$ = ast_override_new(cx); }
    | olines NEWLINE
    ;

oline
    : oline_body
    | error                         { $$ = NULL; }
    ;

oline_body
    : path clause                   { $$ = ast_oline(cx, @$, $1, $2); }
    | oline_body clause             { $$ = ast_oline_add(cx, $1, @$, $2); }
    ;

/* ---- block name(param: type = default, ...) { body } ---- */

block
    : block_sig '{' body '}'        { $$ = ast_block_body(cx, $1, @$, $3); }
    ;

block_sig
    : block_open ')'
    | block_params ')'
    ;

block_open
    : BLOCK IDENT '('               { $$ = ast_block(cx, $2, @2); }
    ;

block_params
    : block_open param              { $$ = ast_block_add_param(cx, $1, $2); }
    | block_params ',' param        { $$ = ast_block_add_param(cx, $1, $3); }
    ;

param
    : IDENT ':' ptype               { $$ = ast_param(cx, @$, $1, @1, $3, @3, NULL); }
    | IDENT ':' ptype '=' value     { $$ = ast_param(cx, @$, $1, @1, $3, @3, $5); }
    ;

/* bool, act and pad are plain identifiers; sema checks the type name. */
ptype
    : KW_INT                        { $$ = ast_text(cx, @1); }
    | KW_FLOAT                      { $$ = ast_text(cx, @1); }
    | QUANT                         { $$ = ast_text(cx, @1); }
    | IDENT
    ;

/* ---- network name { body } ---- */

network
    : NETWORK IDENT '{' body '}'    { $$ = ast_network(cx, @$, $2, @2, $4); }
    ;

/* Statements separated by newlines: body_sep is "empty or ends with a newline". */
body
    : body_sep
    | body_sep stmt                 { $$ = ast_body_add(cx, $1, $2); }
    ;

body_sep
    : %empty                        { $$ = ast_body_new(cx); }
    | body NEWLINE
    ;

stmt
    : input ']'                     { $$ = ast_stmt_input(cx, @$, $1); }
    | input ']' SCALE NUMBER        { $$ = ast_stmt_input(cx, @$, ast_input_scale(cx, $1, @4, $4)); }
    | input ']' SCALE INT           { $$ = ast_stmt_input(cx, @$, ast_input_scale(cx, $1, @4, (double)$4)); }
    | output                        { $$ = ast_stmt_output(cx, @$, $1); }
    | defaults                      { $$ = ast_stmt_defaults(cx, @$, $1); }
    | layer                         { $$ = ast_stmt_layer(cx, @$, $1); }
    | error                         { $$ = NULL; }
    ;

input
    : INPUT IDENT ':' IDENT '[' dim { $$ = ast_input(cx, $2, @2, $4, @4, $6); }
    | input ',' dim                 { $$ = ast_input_add_dim(cx, $1, $3); }
    ;

dim
    : INT                           { $$ = ast_expr_int(cx, @$, $1); }
    | IDENT                         { $$ = ast_expr_ident(cx, @$, $1); }
    ;

output
    : OUTPUT path                   { $$ = ast_output(cx, $2); }
    | output ',' path               { $$ = ast_output_add(cx, $1, $3); }
    ;

/* ---- layers:  [label ':'] op {clause} ---- */

layer
    : op
    | IDENT ':' op                  { $$ = ast_layer_label(cx, $3, @$, $1, @1); }
    | layer clause                  { $$ = ast_layer_add_clause(cx, $1, @$, $2); }
    ;

op
    : QUANT                         { $$ = ast_layer_quant(cx, @$, NULL); }
    | QUANT qspec                   { $$ = ast_layer_quant(cx, @$, $2); }
    | path                          { $$ = ast_layer_call(cx, @$, $1); }
    | call_open ')'                 { $$ = ast_layer_close(cx, $1, @$, @2); }
    | call_args ')'                 { $$ = ast_layer_close(cx, $1, @$, @2); }
    ;

call_open
    : path '('                      { $$ = ast_layer_open(cx, $1, @2); }
    ;

call_args
    : call_open arg                 { $$ = ast_layer_add_arg(cx, $1, $2); }
    | call_args ',' arg             { $$ = ast_layer_add_arg(cx, $1, $3); }
    ;

arg
    : value                         { $$ = ast_arg(cx, @$, NULL, @$, $1); }
    | IDENT '=' value               { $$ = ast_arg(cx, @$, $1, @1, $3); }
    ;

clause
    : WEIGHTS qspec                 { $$ = ast_clause_weights(cx, @$, $2); }
    | WEIGHTS IDENT                 { $$ = ast_clause_weights_param(cx, @$, $2, @2); }
    | PARAMS STRING                 { $$ = ast_clause_prefix(cx, @$, $2, @2); }
    | named
    | fold
    | FROM path                     { $$ = ast_clause_from(cx, @$, AF_PATH, $2); }
    | FROM IN                       { $$ = ast_clause_from(cx, @$, AF_IN, NULL); }
    | FROM PREV                     { $$ = ast_clause_from(cx, @$, AF_PREV, NULL); }
    ;

fold
    : FOLD IDENT '=' INT            { $$ = ast_clause_fold(cx, NULL, @$, $2, @2, $4, @4); }
    | fold IDENT '=' INT            { $$ = ast_clause_fold(cx, $1, @$, $2, @2, $4, @4); }
    ;

named
    : PARAMS IDENT '=' STRING       { $$ = ast_clause_named(cx, @$, $2, @2, $4, @4); }
    | named IDENT '=' STRING        { $$ = ast_clause_add_named(cx, $1, @$, $2, @2, $4, @4); }
    ;

path
    : IDENT                         { $$ = ast_path(cx, $1, @1); }
    | path '.' IDENT                { $$ = ast_path_add(cx, $1, $3, @3); }
    ;

/* A value that is a dotted name (std.relu, s1.conv); a plain name is an expression. */
dotted
    : IDENT '.' IDENT               { $$ = ast_path2(cx, $1, @1, $3, @3); }
    | dotted '.' IDENT              { $$ = ast_path_add(cx, $1, $3, @3); }
    ;

/* ---- argument values and expressions ---- */

value
    : expr
    | DIMS                          { $$ = ast_expr_dims(cx, @$, $1); }
    | STRING                        { $$ = ast_expr_string(cx, @$, $1); }
    | list_open ']'                 { $$ = ast_expr_span(cx, $1, @$); }
    | list_items ']'                { $$ = ast_expr_span(cx, $1, @$); }
    | qspec                         { $$ = ast_expr_qspec(cx, @$, $1); }
    | TRUE                          { $$ = ast_expr_bool(cx, @$, true); }
    | FALSE                         { $$ = ast_expr_bool(cx, @$, false); }
    | QUANT                         { $$ = ast_expr_quant(cx, @$, NULL); }
    | QUANT qspec                   { $$ = ast_expr_quant(cx, @$, $2); }
    | dotted                        { $$ = ast_expr_path(cx, @$, $1); }
    ;

list_open
    : '['                           { $$ = ast_expr_list(cx, @$); }
    ;

list_items
    : list_open value               { $$ = ast_expr_list_add(cx, $1, $2); }
    | list_items ',' value          { $$ = ast_expr_list_add(cx, $1, $3); }
    ;

expr
    : term
    | expr '+' term                 { $$ = ast_expr_binop(cx, @$, '+', $1, $3); }
    | expr '-' term                 { $$ = ast_expr_binop(cx, @$, '-', $1, $3); }
    ;

term
    : factor
    | term '*' factor               { $$ = ast_expr_binop(cx, @$, '*', $1, $3); }
    | term '/' factor               { $$ = ast_expr_binop(cx, @$, '/', $1, $3); }
    ;

factor
    : INT                           { $$ = ast_expr_int(cx, @$, $1); }
    | NUMBER                        { $$ = ast_expr_number(cx, @$, $1); }
    | IDENT                         { $$ = ast_expr_ident(cx, @$, $1); }
    | IN                            { $$ = ast_expr_kw(cx, @$, AE_IN); }
    | PREV                          { $$ = ast_expr_kw(cx, @$, AE_PREV); }
    | '(' expr ')'                  { $$ = ast_expr_span(cx, $2, @$); }
    | '-' factor                    { $$ = ast_expr_neg(cx, @$, $2); }
    ;

/* ---- quantization specs:  kind {qopt} ---- */

qspec
    : qkind
    | qspec qopt                    { $$ = ast_qspec_add_opt(cx, $1, @$, $2); }
    ;

qkind
    : BITS INT                      { $$ = ast_qspec(cx, @$, AQ_BITS, $2); }
    | dist
    | BITS AVG NUMBER               { $$ = ast_qspec_avg(cx, @$, $3); }
    | BITS AVG INT                  { $$ = ast_qspec_avg(cx, @$, (double)$3); }
    | KW_INT INT                    { $$ = ast_qspec(cx, @$, AQ_INT, $2); }
    | KW_FLOAT                      { $$ = ast_qspec(cx, @$, AQ_FLOAT, 0); }
    | INHERIT                       { $$ = ast_qspec(cx, @$, AQ_INHERIT, 0); }
    ;

dist
    : BITS share                    { $$ = ast_qspec_dist(cx, @$, $2); }
    | dist share                    { $$ = ast_qspec_add_share(cx, $1, @$, $2); }
    ;

share
    : INT ':' PERCENT               { $$ = ast_share(cx, @$, $1, @1, $3, false); }
    | INT ':' REST                  { $$ = ast_share(cx, @$, $1, @1, 0, true); }
    ;

qopt
    : SELECT IDENT                  { $$ = ast_qopt(cx, @$, AQO_SELECT, $2, @2); }
    | SELECT IDENT '(' INT ')'      { $$ = ast_qopt_seed(cx, @$, $2, @2, $4); }
    | SCALE IDENT                   { $$ = ast_qopt(cx, @$, AQO_SCALE, $2, @2); }
    | GROUP IDENT                   { $$ = ast_qopt(cx, @$, AQO_GROUP, $2, @2); }
    ;

%%

/* bison calls this with the lookahead that cannot be shifted; the message is built
 * in parse.c from the expected tokens' names. */
static int yyreport_syntax_error(const yypcontext_t *ctx, HbCx *cx, HbParse *p)
{
    yysymbol_kind_t kinds[YYNTOKENS];
    const char *names[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, kinds, YYNTOKENS);
    for (int i = 0; i < n; i++)
        names[i] = yysymbol_name(kinds[i]);
    (void)cx;
    parse_syntax_error(p, *yypcontext_location(ctx), names, n);
    return 0;
}
