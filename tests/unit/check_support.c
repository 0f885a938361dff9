// SPDX-License-Identifier: MIT
/* check_support.c: the support library's hash map (strmap.h), keyed by strings and by
 * address: lookups after growth, the first of two equal keys wins, set replaces. */
#include <stdio.h>

#include <check.h>

#include "strmap.h"
#include "test_util.h"

START_TEST(test_strmap)
{
    Arena *a = &hbt_cx->arena;
    HbStrMap m = {0};
    ck_assert_uint_eq(hb_strmap_get(&m, "x"), HB_STRMAP_NONE);
    enum { N = 3000 };
    for (uint32_t k = 0; k < N; k++)
        ck_assert_uint_eq(hb_strmap_put(&m, a, arena_printf(a, "k%u", k), k), k);
    ck_assert_uint_eq(m.len, N);
    ck_assert_uint_eq(hb_strmap_get(&m, "k0"), 0);
    ck_assert_uint_eq(hb_strmap_get(&m, "k2999"), 2999);
    ck_assert_uint_eq(hb_strmap_get(&m, "k3000"), HB_STRMAP_NONE);
    char key[8];
    snprintf(key, sizeof key, "k%d", 17); // equal contents, another address
    ck_assert_uint_eq(hb_strmap_put(&m, a, key, 99), 17);
    ck_assert_uint_eq(hb_strmap_get(&m, "k17"), 17);
    hb_strmap_set(&m, a, "k17", 5);
    ck_assert_uint_eq(hb_strmap_get(&m, "k17"), 5);
    ck_assert_uint_eq(m.len, N);
}
END_TEST

START_TEST(test_addrmap)
{
    Arena *a = &hbt_cx->arena;
    HbStrMap m = {0};
    char objs[100][2] = {{0}}; // equal contents: only the address tells them apart
    for (uint32_t k = 0; k < 100; k++)
        hb_addrmap_put(&m, a, objs[k], k);
    for (uint32_t k = 0; k < 100; k++)
        ck_assert_uint_eq(hb_addrmap_get(&m, objs[k]), k);
    char other[2] = {0};
    ck_assert_uint_eq(hb_addrmap_get(&m, other), HB_STRMAP_NONE);
}
END_TEST

Suite *suite_support(void)
{
    Suite *s = suite_create("support");
    TCase *tc = tcase_create("strmap");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_strmap);
    tcase_add_test(tc, test_addrmap);
    suite_add_tcase(s, tc);
    return s;
}
