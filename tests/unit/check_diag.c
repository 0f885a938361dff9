// SPDX-License-Identifier: MIT
/* check_diag.c: unit tests for the diagnostics engine and the arena. */
#include <string.h>

#include <check.h>

#include "test_util.h"

START_TEST(test_plain_format)
{
    uint32_t id = hbt_source("hbnn 0.1\nnetwork n {\n    maxpol(2)\n}\n");
    SrcSpan s = {id, 25, 31};
    Diag *d = diag_error(hbt_cx, s, "unknown operation '%s'", "maxpol");
    diag_help(hbt_cx, d, "did you mean '%s'?", "maxpool");
    ck_assert_str_eq(hbt_diags(), "test.hb:3:5: error: unknown operation 'maxpol'\n"
                                  "  help: did you mean 'maxpool'?\n");
    ck_assert_int_eq(diag_errors(hbt_cx), 1);
}
END_TEST

START_TEST(test_human_format)
{
    hbt_cx->opts.diag_format = DIAG_HUMAN;
    uint32_t id = hbt_source("network n {\n\tmaxpol(2)\n}\n");
    Diag *d = diag_error(hbt_cx, (SrcSpan){id, 13, 19}, "unknown operation 'maxpol'");
    diag_label(hbt_cx, d, (SrcSpan){id, 13, 19}, "not a built-in op");
    ck_assert_str_eq(hbt_diags(), "test.hb:2:9: error: unknown operation 'maxpol'\n"
                                  "    2 |         maxpol(2)\n"
                                  "      |         ^^^^^^ not a built-in op\n");
}
END_TEST

START_TEST(test_error_cap)
{
    uint32_t id = hbt_source("x\n");
    for (int i = 0; i < DIAG_MAX_ERRORS + 5; i++)
        diag_error(hbt_cx, (SrcSpan){id, 0, 1}, "e%d", i);
    const char *out = hbt_diags();
    ck_assert_int_eq(diag_errors(hbt_cx), DIAG_MAX_ERRORS + 5);
    ck_assert_ptr_nonnull(strstr(out, "e19\n"));
    ck_assert_ptr_null(strstr(out, "e20\n"));
    ck_assert_ptr_nonnull(strstr(out, "too many errors; stopped after the first 20"));
}
END_TEST

START_TEST(test_werror_and_file_level)
{
    hbt_cx->opts.werror = true;
    diag_file_warning(hbt_cx, "w.safetensors", "tensor 'x' is never used");
    ck_assert_str_eq(hbt_diags(),
                     "hbnnc: w.safetensors: error: tensor 'x' is never used [-Werror]\n");
    ck_assert_int_eq(diag_errors(hbt_cx), 1);
}
END_TEST

START_TEST(test_suggest)
{
    const char *ops[] = {"conv2d", "maxpool", "avgpool", "dense"};
    ck_assert_str_eq(diag_suggest("maxpol", ops, 4), "maxpool");
    ck_assert_str_eq(diag_suggest("dnese", ops, 4), "dense");
    ck_assert_ptr_null(diag_suggest("xyz", ops, 4));
    ck_assert_int_eq(diag_edit_distance("stirde", "stride"), 2);
}
END_TEST

START_TEST(test_tab_columns)
{
    uint32_t id = hbt_source("\ta\tb\n");
    const SrcFile *f = cx_file(hbt_cx, id);
    ck_assert_uint_eq(src_pos(f, 1).col, 9);
    ck_assert_uint_eq(src_pos(f, 3).col, 17);
}
END_TEST

START_TEST(test_arena_vec)
{
    HbVec(int) v = {0};
    for (int i = 0; i < 1000; i++)
        hb_vec_push(&hbt_cx->arena, &v, i);
    ck_assert_uint_eq(v.len, 1000);
    ck_assert_int_eq(v.data[999], 999);
    char *big = arena_alloc(&hbt_cx->arena, 1 << 20);
    ck_assert_int_eq(big[(1 << 20) - 1], 0);
}
END_TEST

/* Another thread's arena handed over: its blocks (small and big) stay valid and count
 * in the owner's total, the giver is empty, and the owner keeps allocating from its
 * own head. */
START_TEST(test_arena_adopt)
{
    Arena a, b;
    arena_init(&a);
    arena_init(&b);
    char *x = arena_strdup(&a, "own");
    char *y = arena_strdup(&b, "adopted");
    char *big = arena_alloc(&b, 1 << 20);
    big[(1 << 20) - 1] = 7;
    size_t ta = a.total, tb = b.total;
    arena_adopt(&a, &b);
    ck_assert_ptr_null(b.head);
    ck_assert_uint_eq(b.total, 0);
    ck_assert_uint_eq(a.total, ta + tb);
    ck_assert_str_eq(x, "own");
    ck_assert_str_eq(y, "adopted");
    ck_assert_int_eq(big[(1 << 20) - 1], 7);
    char *z = arena_strdup(&a, "after"); // from a's head chunk, right after "own"
    ck_assert_ptr_eq(z, x + 16);
    arena_adopt(&a, &b); // an empty arena: nothing happens
    ck_assert_uint_eq(a.total, ta + tb + 16);
    arena_destroy(&a); // frees b's former blocks too (ASan: no leak, no double free)
}
END_TEST

Suite *suite_diag(void)
{
    Suite *s = suite_create("diag");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_plain_format);
    tcase_add_test(tc, test_human_format);
    tcase_add_test(tc, test_error_cap);
    tcase_add_test(tc, test_werror_and_file_level);
    tcase_add_test(tc, test_suggest);
    tcase_add_test(tc, test_tab_columns);
    tcase_add_test(tc, test_arena_vec);
    tcase_add_test(tc, test_arena_adopt);
    suite_add_tcase(s, tc);
    return s;
}
