// SPDX-License-Identifier: MIT
/* check_support.c: the support library's hash map (strmap.h), keyed by strings and by
 * address: lookups after growth, the first of two equal keys wins, set replaces,
 * prefix lookups, and growth releasing the replaced tables. */
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

/* Prefix lookups (the rename table's longest-prefix search) and the arena giving back
 * the tables growth replaced: N keys leave one table's worth of arena, not two. */
START_TEST(test_strmap_prefix_and_release)
{
    Arena *a = &hbt_cx->arena;
    HbStrMap m = {0};
    hb_strmap_put(&m, a, "l2b0", 1);
    hb_strmap_put(&m, a, "l2b0.ds", 2);
    const char *path = "l2b0.ds.conv";
    ck_assert_uint_eq(hb_strmap_getn(&m, path, 12), HB_STRMAP_NONE);
    ck_assert_uint_eq(hb_strmap_getn(&m, path, 7), 2);
    ck_assert_uint_eq(hb_strmap_getn(&m, path, 4), 1);
    ck_assert_uint_eq(hb_strmap_getn(&m, path, 3), HB_STRMAP_NONE); // "l2b" is no key
    ck_assert_uint_eq(hb_strmap_getn(&m, "l2b0", 99), 1);           // n past the end
    HbStrMap big = {0};
    enum { N = 1 << 16 };
    const char **keys = arena_calloc(a, N, sizeof *keys);
    for (uint32_t k = 0; k < N; k++)
        keys[k] = arena_printf(a, "key%u", k);
    size_t before = a->total;
    for (uint32_t k = 0; k < N; k++)
        hb_strmap_put(&big, a, keys[k], k);
    size_t table = (size_t)big.cap * sizeof *big.slots;
    ck_assert_uint_ge(table, 2 * (size_t)N);
    // Small tables (under a quarter chunk) stay behind: allow them, not the big ones.
    ck_assert_uint_le(a->total - before, table + 64 * 1024);
    for (uint32_t k = 0; k < N; k += 997)
        ck_assert_uint_eq(hb_strmap_get(&big, keys[k]), k);
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
    tcase_add_test(tc, test_strmap_prefix_and_release);
    tcase_add_test(tc, test_addrmap);
    suite_add_tcase(s, tc);
    return s;
}
