// SPDX-License-Identifier: MIT
/* check_magic.c: unit tests for file-format sniffing (magic.h) and big vectors
 * growing in place (arena_grow). */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "magic.h"
#include "test_util.h"

/* A vector of big elements grows in place and keeps its contents. */
START_TEST(test_arena_grow)
{
    Arena *a = &hbt_cx->arena;
    HbVec(double) v = {0};
    for (uint32_t i = 0; i < 200000; i++)
        hb_vec_push(a, &v, (double)i);
    for (uint32_t i = 0; i < 200000; i += 997)
        ck_assert(v.data[i] == (double)i);
    size_t before = a->total;
    hb_vec_push(a, &v, 1.0); // no growth: the arena does not move
    ck_assert_uint_eq(a->total, before);
    char *s = arena_grow(a, NULL, 0, 10);
    strcpy(s, "small");
    s = arena_grow(a, s, 6, 100000); // a small block copied into a big one
    ck_assert_str_eq(s, "small");
}
END_TEST

START_TEST(test_magic)
{
    const char *name;
    ck_assert_int_eq(magic_detect((const unsigned char *)"\x80\x02}q", 4, &name),
                     MAGIC_TORCH_PICKLE);
    ck_assert_int_eq(magic_detect((const unsigned char *)"\x89PNG\r\n\x1a\n", 8, &name),
                     MAGIC_OTHER);
    ck_assert_str_eq(name, "a PNG image");
    static const unsigned char zip_torch[] = "PK\x03\x04........................"
                                             "..archive/data.pklXXXX";
    ck_assert_int_eq(magic_detect(zip_torch, sizeof zip_torch - 1, &name), MAGIC_TORCH_ZIP);
    static const unsigned char npz[] = "PK\x03\x04..........................x.npy";
    ck_assert_int_eq(magic_detect(npz, sizeof npz - 1, &name), MAGIC_ZIP);
    ck_assert_int_eq(magic_detect((const unsigned char *)"hbnn 0.1\n", 9, &name), MAGIC_NONE);
    ck_assert_int_eq(magic_detect((const unsigned char *)"\x80", 1, &name), MAGIC_NONE);
    ck_assert_int_eq(magic_detect(NULL, 0, &name), MAGIC_NONE);
}
END_TEST

Suite *suite_magic(void)
{
    Suite *s = suite_create("magic");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_arena_grow);
    tcase_add_test(tc, test_magic);
    suite_add_tcase(s, tc);
    return s;
}
