// SPDX-License-Identifier: MIT
/* check_npy.c: the .npy reader behind --run and --calibrate (compiler/weights/npy.c):
 * float32 as is; float64 and float16 converted to float32 with one note per file;
 * integer and boolean arrays, other descrs, non-finite values and float64 values beyond
 * the float32 range are errors that say what was found. */
#include <math.h>
#include <string.h>

#include <check.h>

#include "npy.h"
#include "test_util.h"
#include "weights_build.h"

static bool parse(const char *descr, const void *data, size_t n, const char *shape, NpyArray *a)
{
    char dict[160];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr,
             shape);
    WbBuf b = wb_npy(&hbt_cx->arena, 1, dict, data, n);
    return npy_parse_f32(hbt_cx, "in.npy", b.data, b.len, a);
}

START_TEST(test_float32)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, 1.5f);
    wb_f32(&d, -2);
    NpyArray a;
    ck_assert(parse("<f4", d.data, d.len, "(1, 2)", &a));
    ck_assert(a.data[0] == 1.5f && a.data[1] == -2.0f && a.elem_size == 4);
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

START_TEST(test_float64_converted_once)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f64(&d, 0.1);
    wb_f64(&d, -3);
    wb_f64(&d, 1e-3);
    NpyArray a;
    ck_assert(parse("<f8", d.data, d.len, "(3,)", &a));
    ck_assert(a.data[0] == 0.1f && a.data[1] == -3.0f && a.data[2] == 1e-3f && a.elem_size == 8);
    ck_assert_str_eq(hbt_diags(),
                     "hbnnc: in.npy: note: float64 input converted to float32 (rounded to "
                     "nearest)\n");
    ck_assert_int_eq(diag_warnings(hbt_cx), 0);
}
END_TEST

START_TEST(test_float16_exact)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_u16(&d, 0x3c00); // 1.0
    wb_u16(&d, 0xc100); // -2.5
    wb_u16(&d, 0x0001); // the smallest subnormal, 2^-24
    NpyArray a;
    ck_assert(parse("<f2", d.data, d.len, "(3,)", &a));
    ck_assert(a.data[0] == 1.0f && a.data[1] == -2.5f && a.data[2] == 0x1p-24f);
    ck_assert_str_eq(hbt_diags(), "hbnnc: in.npy: note: float16 input converted to float32 "
                                  "(exactly)\n");
}
END_TEST

START_TEST(test_integers_refused)
{
    static const unsigned char z[16] = {0};
    NpyArray a;
    ck_assert(!parse("<i8", z, 16, "(2,)", &a));
    ck_assert(!parse("|u1", z, 2, "(2,)", &a));
    ck_assert(!parse("|b1", z, 2, "(2,)", &a));
    ck_assert_str_eq(hbt_diags(),
                     "hbnnc: in.npy: error: the array holds integers (descr '<i8'); inputs are "
                     "floating-point\n"
                     "  help: save it as float32: np.save(PATH, x.astype(np.float32))\n"
                     "hbnnc: in.npy: error: the array holds integers (descr '|u1'); inputs are "
                     "floating-point\n"
                     "  help: save it as float32: np.save(PATH, x.astype(np.float32))\n"
                     "hbnnc: in.npy: error: the array holds booleans (descr '|b1'); inputs are "
                     "floating-point\n"
                     "  help: save it as float32: np.save(PATH, x.astype(np.float32))\n");
}
END_TEST

START_TEST(test_bad_floats)
{
    static const unsigned char z[16] = {0};
    NpyArray a;
    ck_assert(!parse(">f4", z, 8, "(2,)", &a));
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f64(&d, 1);
    wb_f64(&d, 1e300);
    ck_assert(!parse("<f8", d.data, d.len, "(2,)", &a));
    WbBuf h = wb_new(&hbt_cx->arena);
    wb_u16(&h, 0x7e00); // NaN
    ck_assert(!parse("<f2", h.data, h.len, "(1,)", &a));
    ck_assert(!parse("<f8", z, 12, "(2,)", &a));
    ck_assert_str_eq(hbt_diags(),
                     "hbnnc: in.npy: error: dtype '>f4' is big-endian; hbnnc reads "
                     "little-endian data (save with arr.astype('<f4'))\n"
                     "hbnnc: in.npy: error: element 1 is beyond the float32 range (inputs must "
                     "be finite and fit in float32)\n"
                     "hbnnc: in.npy: error: element 0 is NaN (inputs must be finite)\n"
                     "hbnnc: in.npy: error: the .npy data is 12 bytes, but shape [2] x '<f8' "
                     "needs 16 bytes (npy rule: data = elements x item size)\n");
}
END_TEST

Suite *suite_npy(void)
{
    Suite *s = suite_create("npy");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_float32);
    tcase_add_test(tc, test_float64_converted_once);
    tcase_add_test(tc, test_float16_exact);
    tcase_add_test(tc, test_integers_refused);
    tcase_add_test(tc, test_bad_floats);
    suite_add_tcase(s, tc);
    return s;
}
