// SPDX-License-Identifier: MIT
/* check_lexer.c: unit tests for the scanner (grammar/lexer.l) together with the token
 * wrapper in parse.c that folds newlines and joins continuation lines. Tokens are
 * rendered as one compact string ("id:fc1 : id:dense ( int:128 ) NL EOF"). */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "lex.h"
#include "test_util.h"

static const char *render(const LexToken *t)
{
    Arena *a = &hbt_cx->arena;
    switch (t->kind) {
    case TOK_YYEOF:
        return "EOF";
    case TOK_NEWLINE:
        return "NL";
    case TOK_IDENT:
        return arena_printf(a, "id:%s", t->val.s);
    case TOK_STRING:
        return arena_printf(a, "str:%s", t->val.s);
    case TOK_INT:
        return arena_printf(a, "int:%lld", (long long)t->val.i);
    case TOK_NUMBER:
        return arena_printf(a, "num:%g", t->val.d);
    case TOK_PERCENT:
        return arena_printf(a, "pct:%g", t->val.d);
    case TOK_DIMS:
        return arena_printf(a, "dims:%lldx%lld", (long long)t->val.dims[0],
                            (long long)t->val.dims[1]);
    default:
        if (t->kind >= TOK_HBNN && t->kind <= TOK_FALSE)
            return arena_printf(a, "kw:%s", cx_span_text(hbt_cx, t->loc));
        return arena_printf(a, "%c", t->kind);
    }
}

/* Scan a registered file through the wrapper; tokens up to and including EOF. */
static const char *lex_id(uint32_t id, LexToken *toks, int max)
{
    HbParse p;
    ck_assert(parse_begin(&p, hbt_cx, id));
    const char *out = "";
    for (int i = 0;; i++) {
        LexToken t;
        t.kind = hb_yylex(&t.val, &t.loc, &p);
        if (toks && i < max)
            toks[i] = t;
        out = arena_printf(&hbt_cx->arena, "%s%s%s", out, i ? " " : "", render(&t));
        if (t.kind == TOK_YYEOF || i > 1000)
            break;
    }
    parse_end(&p);
    return out;
}

static const char *lex(const char *src)
{
    return lex_id(hbt_source(src), NULL, 0);
}

START_TEST(test_keywords)
{
    ck_assert_str_eq(lex("hbnn import as weights layout prefix defaults override block network"),
                     "kw:hbnn kw:import kw:as kw:weights kw:layout kw:prefix kw:defaults "
                     "kw:override kw:block kw:network EOF");
    ck_assert_str_eq(lex("input output params from bits avg rest int float inherit"),
                     "kw:input kw:output kw:params kw:from kw:bits kw:avg kw:rest kw:int "
                     "kw:float kw:inherit EOF");
    ck_assert_str_eq(lex("select scale group quant acts in prev true false"),
                     "kw:select kw:scale kw:group kw:quant kw:acts kw:in kw:prev kw:true "
                     "kw:false EOF");
    // Longer words that start with a keyword are identifiers.
    ck_assert_str_eq(lex("inputs int8 weights_x in-place"),
                     "id:inputs id:int8 id:weights_x id:in-place EOF");
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

START_TEST(test_punctuation)
{
    ck_assert_str_eq(lex("( ) [ ] { } , : = . + - * /"), "( ) [ ] { } , : = . + - * / EOF");
}
END_TEST

START_TEST(test_literals)
{
    ck_assert_str_eq(lex("foo _x9 F32 64 0 1.4 1e-5 2E3 0.25 60% 12.5% 0.05% 3x3 1x7 \"a b\""),
                     "id:foo id:_x9 id:F32 int:64 int:0 num:1.4 num:1e-05 num:2000 num:0.25 "
                     "pct:60 pct:12.5 pct:0.05 dims:3x3 dims:1x7 str:a b EOF");
    ck_assert_str_eq(lex("9223372036854775807"), "int:9223372036854775807 EOF");
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

START_TEST(test_hyphen_words)
{
    ck_assert_str_eq(lex("middle-out per-channel mo-residual top-down bottom-up"),
                     "id:middle-out id:per-channel id:mo-residual id:top-down id:bottom-up EOF");
    // A '-' followed by a letter joins; anything else is a minus.
    ck_assert_str_eq(lex("c - 1 c-1 c -1 a-_b x-2 a--b"),
                     "id:c - int:1 id:c - int:1 id:c - int:1 id:a - id:_b id:x - int:2 "
                     "id:a - - id:b EOF");
}
END_TEST

START_TEST(test_dims_vs_int)
{
    ck_assert_str_eq(lex("3x3 3 x 3 1x7 10x12 3 x3"),
                     "dims:3x3 int:3 id:x int:3 dims:1x7 dims:10x12 int:3 id:x3 EOF");
}
END_TEST

START_TEST(test_newlines_fold)
{
    // Blank and comment lines fold into the first newline; a comment ends at '\n'.
    ck_assert_str_eq(lex("a # one\n\n\n   # two\n\t\nb\n\n"), "id:a NL id:b NL EOF");
    ck_assert_str_eq(lex("# header\n\nnetwork"), "NL kw:network EOF");
    ck_assert_str_eq(lex(""), "EOF");
    ck_assert_str_eq(lex("a"), "id:a EOF");
}
END_TEST

START_TEST(test_continuation)
{
    const char *kws[] = {"weights", "params", "from", "select", "scale", "group"};
    for (int i = 0; i < 6; i++) {
        const char *src = arena_printf(&hbt_cx->arena, "a\n    %s b\n", kws[i]);
        const char *want = arena_printf(&hbt_cx->arena, "id:a kw:%s id:b NL EOF", kws[i]);
        ck_assert_str_eq(lex(src), want);
    }
    // Also across blank and comment lines.
    ck_assert_str_eq(lex("fc: dense(3)\n\n    # eight bits here\n\n    weights int 8\nx\n"),
                     "id:fc : id:dense ( int:3 ) kw:weights kw:int int:8 NL id:x NL EOF");
}
END_TEST

START_TEST(test_no_continuation)
{
    ck_assert_str_eq(lex("a\nacts\nquant\ninput\noutput\ndefaults\nbits\nin\nb\n"),
                     "id:a NL kw:acts NL kw:quant NL kw:input NL kw:output NL kw:defaults NL "
                     "kw:bits NL kw:in NL id:b NL EOF");
}
END_TEST

START_TEST(test_bracket_joining)
{
    ck_assert_str_eq(lex("f(1,\n  2)\n[3,\n\n 4]\nz"),
                     "id:f ( int:1 , int:2 ) NL [ int:3 , int:4 ] NL id:z EOF");
    ck_assert_str_eq(lex("f(a, [1,\n2], (b\n))\ng\n"),
                     "id:f ( id:a , [ int:1 , int:2 ] , ( id:b ) ) NL id:g NL EOF");
    // Newlines inside { } separate statements, even inside an unclosed '('.
    ck_assert_str_eq(lex("{\n a\n}\n"), "{ NL id:a NL } NL EOF");
    ck_assert_str_eq(lex("f(\n{\n a\n"), "id:f ( { NL id:a NL EOF");
    // A stray ')' does not make the depth negative.
    ck_assert_str_eq(lex(")\na\n"), ") NL id:a NL EOF");
}
END_TEST

START_TEST(test_crlf)
{
    ck_assert_str_eq(lex("a\r\n\r\n  weights b\r\nc\r\n"), "id:a kw:weights id:b NL id:c NL EOF");
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

START_TEST(test_string_escapes)
{
    ck_assert_str_eq(lex("\"a\\\"b\" \"c\\\\d\" \"\" \"caf\xc3\xa9 #x\""),
                     "str:a\"b str:c\\d str: str:caf\xc3\xa9 #x EOF");
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

START_TEST(test_spans)
{
    LexToken t[8];
    uint32_t id = hbt_source("  fc1: dense(128)\n");
    ck_assert_str_eq(lex_id(id, t, 8), "id:fc1 : id:dense ( int:128 ) NL EOF");
    uint32_t want[][2] = {{2, 5},   {5, 6},   {7, 12},  {12, 13},
                          {13, 16}, {16, 17}, {17, 18}, {18, 18}};
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(t[i].loc.file, id);
        ck_assert_uint_eq(t[i].loc.start, want[i][0]);
        ck_assert_uint_eq(t[i].loc.end, want[i][1]);
    }
}
END_TEST

START_TEST(test_unterminated_string)
{
    ck_assert_str_eq(lex("weights \"abc\nx\n"), "kw:weights str:abc NL id:x NL EOF");
    ck_assert_str_eq(hbt_diags(), "test.hb:1:9: error: unterminated string\n"
                                  "  help: a string must end with '\"' on the same line\n");
}
END_TEST

START_TEST(test_unterminated_string_eof)
{
    ck_assert_str_eq(lex("x \"abc\\"), "id:x str:abc EOF");
    ck_assert_str_eq(hbt_diags(), "test.hb:1:3: error: unterminated string\n"
                                  "  help: a string must end with '\"' on the same line\n");
}
END_TEST

START_TEST(test_bad_escape)
{
    ck_assert_str_eq(lex("\"a\\qb\" \"\\n\""), "str:aqb str:n EOF");
    ck_assert_str_eq(hbt_diags(), "test.hb:1:3: error: unknown escape '\\q' in string\n"
                                  "  help: only \\\" and \\\\ may follow a backslash\n"
                                  "test.hb:1:9: error: unknown escape '\\n' in string\n"
                                  "  help: only \\\" and \\\\ may follow a backslash\n");
}
END_TEST

START_TEST(test_bad_char)
{
    // Lexing goes on after a stray character.
    ck_assert_str_eq(lex("a $ b\n  @c\x07"), "id:a id:b NL id:c EOF");
    ck_assert_str_eq(hbt_diags(), "test.hb:1:3: error: unexpected character '$'\n"
                                  "test.hb:2:3: error: unexpected character '@'\n"
                                  "test.hb:2:5: error: unexpected control character 0x07\n");
}
END_TEST

START_TEST(test_non_ascii)
{
    ck_assert_str_eq(lex("# \xc3\xa9 in a comment is fine\na \xc3\x97 b \xff c"),
                     "NL id:a id:b id:c EOF");
    ck_assert_str_eq(hbt_diags(), "test.hb:2:3: error: unexpected character '\xc3\x97'\n"
                                  "  help: outside strings and comments only ASCII is allowed\n"
                                  "test.hb:2:7: error: unexpected byte 0xFF (not UTF-8 text)\n"
                                  "  help: outside strings and comments only ASCII is allowed\n");
}
END_TEST

START_TEST(test_nul_byte)
{
    uint32_t id = cx_add_source(hbt_cx, "test.hb", "a\0b \"x\0y\"\n", 10);
    ck_assert_str_eq(lex_id(id, NULL, 0), "id:a id:b str:xy NL EOF");
    ck_assert_str_eq(hbt_diags(), "test.hb:1:2: error: unexpected NUL byte\n"
                                  "test.hb:1:7: error: NUL byte in string\n");
}
END_TEST

START_TEST(test_int_overflow)
{
    ck_assert_str_eq(lex("9223372036854775808 1x99999999999999999999"),
                     "int:9223372036854775807 dims:9223372036854775807x9223372036854775807 EOF");
    ck_assert_str_eq(hbt_diags(),
                     "test.hb:1:1: error: integer 9223372036854775808 is too large (the maximum "
                     "is 9223372036854775807)\n"
                     "test.hb:1:21: error: dimensions 1x99999999999999999999 are too large (the "
                     "maximum is 9223372036854775807)\n");
}
END_TEST

START_TEST(test_bad_numbers)
{
    ck_assert_str_eq(lex("64abc 3X3 2e 1e999"), "int:0 int:0 int:0 num:inf EOF");
    ck_assert_str_eq(hbt_diags(), "test.hb:1:1: error: invalid number '64abc'\n"
                                  "test.hb:1:7: error: invalid number '3X3'\n"
                                  "  help: write dimensions with a lowercase 'x', as in 3x3\n"
                                  "test.hb:1:11: error: invalid number '2e'\n"
                                  "test.hb:1:14: error: number 1e999 is out of range\n");
}
END_TEST

Suite *suite_lexer(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("tokens");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_keywords);
    tcase_add_test(tc, test_punctuation);
    tcase_add_test(tc, test_literals);
    tcase_add_test(tc, test_hyphen_words);
    tcase_add_test(tc, test_dims_vs_int);
    tcase_add_test(tc, test_newlines_fold);
    tcase_add_test(tc, test_continuation);
    tcase_add_test(tc, test_no_continuation);
    tcase_add_test(tc, test_bracket_joining);
    tcase_add_test(tc, test_crlf);
    tcase_add_test(tc, test_string_escapes);
    tcase_add_test(tc, test_spans);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_checked_fixture(te, hbt_setup, hbt_teardown);
    tcase_add_test(te, test_unterminated_string);
    tcase_add_test(te, test_unterminated_string_eof);
    tcase_add_test(te, test_bad_escape);
    tcase_add_test(te, test_bad_char);
    tcase_add_test(te, test_non_ascii);
    tcase_add_test(te, test_nul_byte);
    tcase_add_test(te, test_int_overflow);
    tcase_add_test(te, test_bad_numbers);
    suite_add_tcase(s, te);
    return s;
}
