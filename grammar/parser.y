/* placeholder grammar: replaced by the real one */
%define api.pure full
%define api.prefix {hb_yy}
%locations
%expect 0
%code requires { #include "ast.h" }
%parse-param { HbCx *cx }
%code { int hb_yylex(HB_YYSTYPE *v, HB_YYLTYPE *l, HbCx *cx); void hb_yyerror(HB_YYLTYPE *l, HbCx *cx, const char *m); }
%lex-param { HbCx *cx }
%token END_MARK
%%
file: %empty ;
%%
int hb_yylex(HB_YYSTYPE *v, HB_YYLTYPE *l, HbCx *cx) { (void)v; (void)l; (void)cx; return 0; }
void hb_yyerror(HB_YYLTYPE *l, HbCx *cx, const char *m) { (void)l; (void)cx; (void)m; }
AstFile *parse_file(HbCx *cx, uint32_t file_id) { (void)file_id; hb_yyparse(cx); return NULL; }
void ast_print(FILE *out, HbCx *cx, const AstFile *f) { (void)out; (void)cx; (void)f; }
