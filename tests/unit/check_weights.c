// SPDX-License-Identifier: MIT
/* check_weights.c: unit tests for the weights readers (weights.h): one test per
 * safetensors rule of docs/language.md §6 and per ZIP/.npy rule, each pinning its
 * message, plus exact float conversions and a round trip through NumPy. Every file
 * is built in the test by weights_build.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include "npy.h"
#include "test_util.h"
#include "weights.h"
#include "weights_build.h"

#define ST "hbnnc: w.safetensors: error: "
#define NZ "hbnnc: w.npz: error: "

/* JSON written with single quotes (readable in C) -> real JSON. */
static const char *js(const char *s)
{
    char *o = arena_strdup(&hbt_cx->arena, s);
    for (char *p = o; *p; p++)
        if (*p == '\'')
            *p = '"';
    return o;
}

static WFile *load(const WbBuf *b, const char *name)
{
    return weights_open_mem(hbt_cx, name, b->data, b->len);
}

static WFile *st_ok(const char *json, const void *data, size_t n)
{
    WbBuf b = wb_safetensors(&hbt_cx->arena, js(json), data, n);
    WFile *f = load(&b, "w.safetensors");
    ck_assert_msg(f != NULL, "unexpected failure: %s", hbt_diags());
    ck_assert_str_eq(hbt_diags(), "");
    return f;
}

/* Load b expecting failure; returns only the diagnostics this load printed. */
static const char *raw_fail(const WbBuf *b, const char *name)
{
    size_t before = strlen(hbt_diags());
    ck_assert_ptr_null(load(b, name));
    return arena_strdup(&hbt_cx->arena, hbt_diags() + before);
}

static const char *st_fail(const char *json, const void *data, size_t n)
{
    WbBuf b = wb_safetensors(&hbt_cx->arena, js(json), data, n);
    return raw_fail(&b, "w.safetensors");
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static const unsigned char zeros[64];

/* ================= safetensors: values ================= */

START_TEST(test_st_f32_exact)
{
    const uint32_t in[] = {0x3f800000u, 0xc0490fdbu, 0x00000001u, 0x7f7fffffu, 0x80000000u};
    WbBuf d = wb_new(&hbt_cx->arena);
    for (int i = 0; i < 5; i++)
        wb_u32(&d, in[i]);
    WFile *f = st_ok("{'w':{'dtype':'F32','shape':[5],'data_offsets':[0,20]}}", d.data, d.len);
    ck_assert_int_eq(f->format, WF_SAFETENSORS);
    ck_assert_uint_eq(f->n, 1);
    const WTensor *t = weights_find(f, "w");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->dtype, WD_F32);
    ck_assert_str_eq(t->dtype_name, "F32");
    ck_assert_int_eq(t->rank, 1);
    ck_assert_int_eq(t->shape[0], 5);
    ck_assert_uint_eq(t->nelem, 5);
    ck_assert(!t->used);
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(bits_of(t->data[i]), in[i]);
}
END_TEST

START_TEST(test_st_f16_exact)
{
    // 1, -2, smallest subnormal, largest subnormal, smallest normal, 65504, -2^-24, -0
    const uint16_t in[] = {0x3c00, 0xc000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8001, 0x8000};
    const uint32_t out[] = {0x3f800000u, 0xc0000000u, 0x33800000u, 0x387fc000u,
                            0x38800000u, 0x477fe000u, 0xb3800000u, 0x80000000u};
    WbBuf d = wb_new(&hbt_cx->arena);
    for (int i = 0; i < 8; i++)
        wb_u16(&d, in[i]);
    WFile *f = st_ok("{'h':{'dtype':'F16','shape':[2,4],'data_offsets':[0,16]}}", d.data, d.len);
    const WTensor *t = weights_find(f, "h");
    ck_assert_int_eq(t->dtype, WD_F16);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(bits_of(t->data[i]) == out[i], "element %d: 0x%08x", i, bits_of(t->data[i]));
}
END_TEST

START_TEST(test_st_bf16_exact)
{
    const uint16_t in[] = {0x3f80, 0x0001, 0xc049, 0x7f7f};
    WbBuf d = wb_new(&hbt_cx->arena);
    for (int i = 0; i < 4; i++)
        wb_u16(&d, in[i]);
    WFile *f = st_ok("{'b':{'dtype':'BF16','shape':[4],'data_offsets':[0,8]}}", d.data, d.len);
    const WTensor *t = weights_find(f, "b");
    ck_assert_int_eq(t->dtype, WD_BF16);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(bits_of(t->data[i]), (uint32_t)in[i] << 16);
}
END_TEST

START_TEST(test_st_f64_exact)
{
    const double in[] = {1.0, 0.1, 1e-50, -3.4028234663852886e38, -0.0};
    WbBuf d = wb_new(&hbt_cx->arena);
    for (int i = 0; i < 5; i++)
        wb_f64(&d, in[i]);
    WFile *f = st_ok("{'d':{'dtype':'F64','shape':[5],'data_offsets':[0,40]}}", d.data, d.len);
    const WTensor *t = weights_find(f, "d");
    ck_assert_int_eq(t->dtype, WD_F64);
    ck_assert_uint_eq(bits_of(t->data[0]), 0x3f800000u);
    ck_assert_uint_eq(bits_of(t->data[1]), 0x3dcccccdu); // round to nearest
    ck_assert_uint_eq(bits_of(t->data[2]), 0);           // underflows to +0
    ck_assert_uint_eq(bits_of(t->data[3]), 0xff7fffffu); // -FLT_MAX exactly
    ck_assert_uint_eq(bits_of(t->data[4]), 0x80000000u);
}
END_TEST

START_TEST(test_st_empty_and_scalar)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, 2.5f);
    WFile *f = st_ok("{'e':{'dtype':'F32','shape':[0,3],'data_offsets':[0,0]},"
                     "'s':{'dtype':'F32','shape':[],'data_offsets':[0,4]},"
                     "'z':{'dtype':'F16','shape':[4,0],'data_offsets':[4,4]}}",
                     d.data, d.len);
    const WTensor *e = weights_find(f, "e"), *s = weights_find(f, "s");
    ck_assert_uint_eq(e->nelem, 0);
    ck_assert_int_eq(e->rank, 2);
    ck_assert_ptr_nonnull(e->data); // float dtype: data is never NULL
    ck_assert_int_eq(s->rank, 0);
    ck_assert_uint_eq(s->nelem, 1);
    ck_assert(s->data[0] == 2.5f);
    ck_assert_uint_eq(weights_find(f, "z")->nelem, 0);
}
END_TEST

START_TEST(test_st_many_tensors)
{
    enum { N = 1000 };
    WbBuf h = wb_new(&hbt_cx->arena), d = wb_new(&hbt_cx->arena);
    wb_str(&h, "{");
    for (int i = 0; i < N; i++) {
        // Header order differs from data order: the reader sorts by offset.
        int k = N - 1 - i;
        char buf[128];
        snprintf(buf, sizeof buf,
                 "%s\"t%d\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%d,%d]}",
                 i ? "," : "", k, 4 * k, 4 * k + 4);
        wb_str(&h, buf);
    }
    wb_str(&h, "}");
    for (int i = 0; i < N; i++)
        wb_f32(&d, (float)i);
    WbBuf b = wb_safetensors_raw(&hbt_cx->arena, h.len, h.data, h.len, d.data, d.len);
    WFile *f = load(&b, "w.safetensors");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->n, N);
    ck_assert_str_eq(f->tensors[0].name, "t999"); // header order
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        const WTensor *t = weights_find(f, name);
        ck_assert_ptr_nonnull(t);
        ck_assert(t->data[0] == (float)i);
    }
    ck_assert_ptr_null(weights_find(f, "t1000"));
    ck_assert_ptr_null(weights_find(f, ""));
}
END_TEST

START_TEST(test_st_metadata_padding_unaligned)
{
    // Trailing spaces in the header, an odd header length (unaligned data), metadata.
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, -1.5f);
    wb_f32(&d, 3.0f);
    WFile *f = st_ok("{'__metadata__':{'format':'pt'},'w':{'data_offsets':[0,8],'shape':[2],"
                     "'dtype':'F32'}}   ",
                     d.data, d.len);
    ck_assert_uint_eq(f->n, 1);
    const WTensor *t = weights_find(f, "w");
    ck_assert(t->data[0] == -1.5f && t->data[1] == 3.0f);
    ck_assert_ptr_null(weights_find(f, "__metadata__"));
}
END_TEST

START_TEST(test_st_other_dtypes)
{
    WFile *f = st_ok("{'num_batches_tracked':{'dtype':'I64','shape':[],'data_offsets':[0,8]},"
                     "'q':{'dtype':'F8_E4M3','shape':[3],'data_offsets':[8,11]},"
                     "'m':{'dtype':'F4','shape':[2,3],'data_offsets':[11,14]},"
                     "'k':{'dtype':'BOOL','shape':[2],'data_offsets':[14,16]}}",
                     zeros, 16);
    const WTensor *n = weights_find(f, "num_batches_tracked");
    ck_assert_int_eq(n->dtype, WD_I64);
    ck_assert_ptr_null(n->data);
    const WTensor *q = weights_find(f, "q");
    ck_assert_int_eq(q->dtype, WD_OTHER);
    ck_assert_str_eq(q->dtype_name, "F8_E4M3");
    ck_assert_ptr_null(q->data);
    ck_assert_int_eq(weights_find(f, "m")->dtype, WD_OTHER);
    ck_assert_str_eq(weights_find(f, "k")->dtype_name, "BOOL");
}
END_TEST

/* ================= safetensors: rules 1-4 ================= */

START_TEST(test_st_too_small)
{
    WbBuf b = wb_new(&hbt_cx->arena);
    wb_bytes(&b, "\x02\0\0\0\0", 5);
    ck_assert_str_eq(raw_fail(&b, "w.safetensors"),
                     ST "file is 5 bytes, too short for the 8-byte header length (safetensors "
                        "rule: the file starts with a u64 header length)\n"
                        "  help: hbnnc reads safetensors and .npz (NumPy) weights files, chosen "
                        "by content\n");
}
END_TEST

START_TEST(test_st_header_cap)
{
    WbBuf b = wb_safetensors_raw(&hbt_cx->arena, UINT64_C(1) << 32, "{}", 2, NULL, 0);
    ck_assert_str_eq(raw_fail(&b, "w.safetensors"),
                     ST "header length is 4294967296 bytes, over the cap of 16 MiB (16777216 "
                        "bytes) (safetensors rule: header length <= cap)\n"
                        "  help: hbnnc reads safetensors and .npz (NumPy) weights files, chosen "
                        "by content\n");
}
END_TEST

START_TEST(test_st_header_wraps)
{
    // 8 + N would wrap to 7: the classic fastllm #713 header.
    WbBuf b = wb_safetensors_raw(&hbt_cx->arena, UINT64_MAX, "{}", 2, NULL, 0);
    ck_assert_ptr_nonnull(strstr(raw_fail(&b, "w.safetensors"),
                                 "header length is 18446744073709551615 bytes, over the cap"));
}
END_TEST

START_TEST(test_st_header_past_eof)
{
    WbBuf b = wb_safetensors_raw(&hbt_cx->arena, 100, "{}", 2, NULL, 0);
    ck_assert_str_eq(raw_fail(&b, "w.safetensors"),
                     ST "header length is 100 bytes, but only 2 bytes follow the 8-byte length "
                        "(safetensors rule: 8 + header length <= file size)\n");
}
END_TEST

START_TEST(test_st_bad_utf8)
{
    // An overlong encoding of '/' (0xC0 0xAF) inside a key.
    ck_assert_str_eq(
            st_fail("{'a\xc0\xaf':{'dtype':'F32','shape':[],'data_offsets':[0,4]}}", zeros, 4),
            ST "header is not valid UTF-8: byte 0xc0 at header offset 3 (safetensors "
               "rule: the header is UTF-8 JSON)\n");
}
END_TEST

START_TEST(test_st_not_brace)
{
    ck_assert_str_eq(st_fail(" {}", NULL, 0),
                     ST "header starts with ' ', expected '{' (safetensors rule: the header is a "
                        "JSON object)\n"
                        "  help: hbnnc reads safetensors and .npz (NumPy) weights files, chosen "
                        "by content\n");
}
END_TEST

START_TEST(test_st_empty_header)
{
    ck_assert_str_eq(st_fail("", NULL, 0),
                     ST "header starts with nothing (the header is empty), expected '{' "
                        "(safetensors rule: the header is a JSON object)\n"
                        "  help: hbnnc reads safetensors and .npz (NumPy) weights files, chosen "
                        "by content\n");
}
END_TEST

START_TEST(test_st_top_level_array)
{
    // Caught by the '{' rule before the JSON parser runs.
    ck_assert_str_eq(st_fail("[1]", NULL, 0),
                     ST "header starts with '[', expected '{' (safetensors rule: the header is a "
                        "JSON object)\n"
                        "  help: hbnnc reads safetensors and .npz (NumPy) weights files, chosen "
                        "by content\n");
}
END_TEST

START_TEST(test_st_bad_json)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32',}}", NULL, 0),
                     ST "header is not valid JSON: string or '}' expected near '}' at header "
                        "offset 21 (safetensors rule: the header is JSON without duplicate "
                        "keys)\n");
}
END_TEST

START_TEST(test_st_trailing_garbage)
{
    // Only spaces may follow the object; a NUL pad is not JSON.
    WbBuf b = wb_safetensors_raw(&hbt_cx->arena, 3, "{}\0", 3, NULL, 0);
    ck_assert_ptr_nonnull(strstr(raw_fail(&b, "w.safetensors"), ST "header is not valid JSON: "));
}
END_TEST

START_TEST(test_st_duplicate_key)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[],'data_offsets':[0,4]},"
                             "'w':{'dtype':'F32','shape':[],'data_offsets':[4,8]}}",
                             zeros, 8),
                     ST "header is not valid JSON: duplicate object key near '\"w\"' at header "
                        "offset 56 (safetensors rule: the header is JSON without duplicate "
                        "keys)\n");
}
END_TEST

START_TEST(test_st_metadata_not_object)
{
    ck_assert_str_eq(st_fail("{'__metadata__':['pt']}", NULL, 0),
                     ST "__metadata__ is an array, expected an object of strings (safetensors "
                        "rule: __metadata__ maps strings to strings)\n");
}
END_TEST

START_TEST(test_st_metadata_value)
{
    ck_assert_str_eq(st_fail("{'__metadata__':{'format':'pt','epoch':3}}", NULL, 0),
                     ST "__metadata__ value for 'epoch' is an integer, expected a string "
                        "(safetensors rule: __metadata__ maps strings to strings)\n");
}
END_TEST

/* ================= safetensors: rules 5-7 ================= */

START_TEST(test_st_entry_not_object)
{
    ck_assert_str_eq(st_fail("{'w':[0,4]}", zeros, 4),
                     ST "tensor 'w': entry is an array, expected an object (safetensors rule: an "
                        "entry has exactly dtype, shape and data_offsets)\n");
}
END_TEST

START_TEST(test_st_missing_field)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1]}}", zeros, 4),
                     ST "tensor 'w': missing field 'data_offsets' (safetensors rule: an entry has "
                        "exactly dtype, shape and data_offsets)\n");
}
END_TEST

START_TEST(test_st_extra_field)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4],"
                             "'stride':[1]}}",
                             zeros, 4),
                     ST "tensor 'w': unexpected field 'stride' (safetensors rule: an entry has "
                        "exactly dtype, shape and data_offsets)\n");
}
END_TEST

START_TEST(test_st_float_offset)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4.0]}}", zeros, 4),
                     ST "tensor 'w': data_offsets[1] is the float 4, expected an integer "
                        "(safetensors rule: shape and data_offsets hold integers in [0, "
                        "2^48))\n");
}
END_TEST

START_TEST(test_st_negative_offset)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[-4,0]}}", zeros, 4),
                     ST "tensor 'w': data_offsets[0] is -4, expected an integer >= 0 "
                        "(safetensors rule: shape and data_offsets hold integers in [0, "
                        "2^48))\n");
}
END_TEST

START_TEST(test_st_huge_offset)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,"
                             "281474976710656]}}",
                             zeros, 4),
                     ST "tensor 'w': data_offsets[1] is 281474976710656, expected less than 2^48 "
                        "= 281474976710656 (safetensors rule: shape and data_offsets hold "
                        "integers in [0, 2^48))\n");
}
END_TEST

START_TEST(test_st_shape_not_integer)
{
    ck_assert_str_eq(
            st_fail("{'w':{'dtype':'F32','shape':[1,'2'],'data_offsets':[0,8]}}", zeros, 8),
            ST "tensor 'w': shape[1] is a string, expected an integer (safetensors "
               "rule: shape and data_offsets hold integers in [0, 2^48))\n");
}
END_TEST

START_TEST(test_st_three_offsets)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4,8]}}", zeros, 8),
                     ST "tensor 'w': data_offsets has 3 elements, expected exactly 2 [begin, "
                        "end] (safetensors rule: data_offsets is [begin, end])\n");
}
END_TEST

START_TEST(test_st_one_offset)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0]}}", zeros, 4),
                     ST "tensor 'w': data_offsets has 1 elements, expected exactly 2 [begin, "
                        "end] (safetensors rule: data_offsets is [begin, end])\n");
}
END_TEST

START_TEST(test_st_begin_after_end)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[8,4]}}", zeros, 8),
                     ST "tensor 'w': data_offsets [8, 4] begin after they end (safetensors rule: "
                        "begin <= end)\n");
}
END_TEST

START_TEST(test_st_unknown_dtype)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F33','shape':[1],'data_offsets':[0,4]}}", zeros, 4),
                     ST "tensor 'w': unknown dtype 'F33' (safetensors rule: dtype is one of the "
                        "format's types)\n"
                        "  help: did you mean 'F32'?\n");
    ck_assert_str_eq(
            st_fail("{'w':{'dtype':'float32','shape':[1],'data_offsets':[0,4]}}", zeros, 4),
            ST "tensor 'w': unknown dtype 'float32' (safetensors rule: dtype is one of "
               "the format's types)\n"
               "  note: the float types hbnnc converts are F32, F16, BF16 and F64\n");
}
END_TEST

START_TEST(test_st_dtype_not_string)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':32,'shape':[1],'data_offsets':[0,4]}}", zeros, 4),
                     ST "tensor 'w': dtype is an integer, expected a string such as \"F32\" "
                        "(safetensors rule: an entry has exactly dtype, shape and "
                        "data_offsets)\n");
}
END_TEST

START_TEST(test_st_rank_too_high)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1,1,1,1,1,1,1,1,1],"
                             "'data_offsets':[0,4]}}",
                             zeros, 4),
                     ST "tensor 'w': shape has 9 dimensions, hbnnc supports at most 8\n");
}
END_TEST

START_TEST(test_st_shape_overflow)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[281474976710655,281474976710655],"
                             "'data_offsets':[0,4]}}",
                             zeros, 4),
                     ST "tensor 'w': shape [281474976710655, 281474976710655] has more than "
                        "2^64 elements (safetensors rule: the element count must not "
                        "overflow)\n");
    // Elements fit, bits do not: 2^60 x 64.
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F64','shape':[1073741824,1073741824],"
                             "'data_offsets':[0,4]}}",
                             zeros, 4),
                     ST "tensor 'w': shape [1073741824, 1073741824] x F64 is more than 2^64 bits "
                        "(safetensors rule: the bit count must not overflow)\n");
}
END_TEST

START_TEST(test_st_misaligned_bits)
{
    ck_assert_str_eq(st_fail("{'m':{'dtype':'F4','shape':[3],'data_offsets':[0,2]}}", zeros, 2),
                     ST "tensor 'm': shape [3] x F4 is 12 bits, not a whole number of bytes "
                        "(safetensors rule: a tensor's bit count is a multiple of 8)\n");
}
END_TEST

START_TEST(test_st_all_bad_entries_reported)
{
    ck_assert_str_eq(st_fail("{'a':{'dtype':'F32','shape':[1]},"
                             "'b':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                             "'c':{'dtype':'X','shape':[1],'data_offsets':[4,8]}}",
                             zeros, 8),
                     ST "tensor 'a': missing field 'data_offsets' (safetensors rule: an entry has "
                        "exactly dtype, shape and data_offsets)\n" ST
                        "tensor 'c': unknown dtype 'X' (safetensors rule: dtype is one of the "
                        "format's types)\n"
                        "  note: the float types hbnnc converts are F32, F16, BF16 and F64\n");
}
END_TEST

START_TEST(test_st_error_cap)
{
    // Checking stops at the diagnostics cap: a huge hostile header costs no more.
    WbBuf h = wb_new(&hbt_cx->arena);
    wb_str(&h, "{");
    for (int i = 0; i < 1000; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s\"t%d\":%d", i ? "," : "", i, i);
        wb_str(&h, buf);
    }
    wb_str(&h, "}");
    WbBuf b = wb_safetensors_raw(&hbt_cx->arena, h.len, h.data, h.len, NULL, 0);
    const char *out = raw_fail(&b, "w.safetensors");
    ck_assert_int_eq(diag_errors(hbt_cx), DIAG_MAX_ERRORS);
    ck_assert_ptr_nonnull(strstr(out, "tensor 't19': entry is an integer"));
    ck_assert_ptr_null(strstr(out, "tensor 't20'"));
}
END_TEST

/* ================= safetensors: rules 8-9 ================= */

START_TEST(test_st_first_not_zero)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[4,8]}}", zeros, 8),
                     ST "tensor 'w': data_offsets [4, 8] start at 4, but the first tensor must "
                        "start at 0 (safetensors rule: tensors tile the data buffer with no gap "
                        "or overlap)\n");
}
END_TEST

START_TEST(test_st_gap)
{
    ck_assert_str_eq(st_fail("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                             "'b':{'dtype':'F32','shape':[1],'data_offsets':[8,12]}}",
                             zeros, 12),
                     ST "tensor 'b': data_offsets [8, 12] start at 8, but the previous tensor "
                        "'a' ends at 4: bytes [4, 8) belong to no tensor (safetensors rule: "
                        "tensors tile the data buffer with no gap or overlap)\n");
}
END_TEST

START_TEST(test_st_overlap)
{
    ck_assert_str_eq(st_fail("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},"
                             "'b':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}",
                             zeros, 12),
                     ST "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8] "
                        "(safetensors rule: tensors tile the data buffer with no gap or "
                        "overlap)\n");
}
END_TEST

START_TEST(test_st_size_mismatch)
{
    unsigned char *d = arena_alloc(&hbt_cx->arena, 30000);
    ck_assert_str_eq(
            st_fail("{'w':{'dtype':'F32','shape':[128,64],'data_offsets':[0,30000]}}", d, 30000),
            ST "tensor 'w': data_offsets [0, 30000] cover 30000 bytes, but shape [128, "
               "64] x F32 needs 32768 bytes (safetensors rule: end - begin = elements x "
               "dtype size)\n");
}
END_TEST

START_TEST(test_st_trailing_bytes)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}", zeros, 20),
                     ST "the tensors cover bytes [0, 4) of the 20-byte data buffer: 16 trailing "
                        "bytes belong to no tensor (safetensors rule: the tensors cover the file "
                        "exactly)\n");
    // No tensors at all, but data.
    ck_assert_str_eq(st_fail("{}", zeros, 1),
                     ST "the tensors cover bytes [0, 0) of the 1-byte data buffer: 1 trailing "
                        "bytes belong to no tensor (safetensors rule: the tensors cover the file "
                        "exactly)\n");
}
END_TEST

START_TEST(test_st_past_end)
{
    ck_assert_str_eq(st_fail("{'w':{'dtype':'F32','shape':[4],'data_offsets':[0,16]}}", zeros, 8),
                     ST "tensor 'w': data_offsets [0, 16] run past the end of the file: the data "
                        "buffer has 8 bytes (safetensors rule: the tensors cover the file "
                        "exactly)\n");
}
END_TEST

START_TEST(test_st_empty_tensors_share_offset)
{
    // Two empty tensors at the same offset tile fine (sorted by begin, then end).
    WFile *f = st_ok("{'b':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                     "'a':{'dtype':'F32','shape':[0],'data_offsets':[0,0]},"
                     "'c':{'dtype':'F32','shape':[0],'data_offsets':[0,0]}}",
                     zeros, 4);
    ck_assert_uint_eq(f->n, 3);
}
END_TEST

/* ================= safetensors: rules 10-12 ================= */

START_TEST(test_st_nan)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    for (int i = 0; i < 6; i++)
        wb_f32(&d, i == 4 ? NAN : 1.0f);
    ck_assert_str_eq(
            st_fail("{'w':{'dtype':'F32','shape':[2,3],'data_offsets':[0,24]}}", d.data, d.len),
            ST "tensor 'w': element 4 (index [1, 1]) is NaN (hbnnc rule: weights must "
               "be finite)\n");
}
END_TEST

START_TEST(test_st_inf_late_block)
{
    // Past the first conversion block, so the block rescan finds the exact index.
    enum { N = 3 * 4096 + 10 };
    WbBuf d = wb_new(&hbt_cx->arena);
    for (int i = 0; i < N; i++)
        wb_f32(&d, i == N - 3 ? -INFINITY : (float)i);
    char json[128];
    snprintf(json, sizeof json, "{'w':{'dtype':'F32','shape':[%d],'data_offsets':[0,%d]}}", N,
             4 * N);
    ck_assert_str_eq(st_fail(json, d.data, d.len),
                     ST "tensor 'w': element 12295 (index [12295]) is -Inf (hbnnc rule: weights "
                        "must be finite)\n");
}
END_TEST

START_TEST(test_st_f16_bf16_nonfinite)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_u16(&d, 0x3c00);
    wb_u16(&d, 0x7c00); // f16 +Inf
    wb_u16(&d, 0x7e00); // f16 NaN
    wb_u16(&d, 0x3f80);
    wb_u16(&d, 0xff80); // bf16 -Inf
    ck_assert_str_eq(st_fail("{'h':{'dtype':'F16','shape':[3],'data_offsets':[0,6]},"
                             "'b':{'dtype':'BF16','shape':[2],'data_offsets':[6,10]}}",
                             d.data, d.len),
                     ST "tensor 'h': element 1 (index [1]) is +Inf (hbnnc rule: weights must be "
                        "finite)\n" ST
                        "tensor 'b': element 1 (index [1]) is -Inf (hbnnc rule: weights must be "
                        "finite)\n");
}
END_TEST

START_TEST(test_st_f64_range)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f64(&d, 1.0);
    wb_f64(&d, 1e39);
    ck_assert_str_eq(
            st_fail("{'d':{'dtype':'F64','shape':[2],'data_offsets':[0,16]}}", d.data, d.len),
            ST "tensor 'd': element 1 (index [1]) is 1e+39, beyond the float32 range "
               "+-3.40282e+38 (hbnnc rule: F64 weights must fit in float32)\n");
}
END_TEST

START_TEST(test_st_scalar_nan)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f64(&d, NAN);
    ck_assert_str_eq(
            st_fail("{'s':{'dtype':'F64','shape':[],'data_offsets':[0,8]}}", d.data, d.len),
            ST "tensor 's': the scalar is NaN (hbnnc rule: weights must be finite)\n");
}
END_TEST

START_TEST(test_st_name_escaped)
{
    // Names are opaque: an escape sequence in one must not reach the terminal.
    ck_assert_str_eq(st_fail("{'a\\u001b[31m\\\\x':{'dtype':'F32','shape':[1],"
                             "'data_offsets':[0,2]}}",
                             zeros, 2),
                     ST "tensor 'a\\x1b[31m\\x5cx': data_offsets [0, 2] cover 2 bytes, but shape "
                        "[1] x F32 needs 4 bytes (safetensors rule: end - begin = elements x "
                        "dtype size)\n");
}
END_TEST

START_TEST(test_st_path_like_names)
{
    // '../x' is just a name.
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, 1.0f);
    WFile *f = st_ok("{'../etc/passwd':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}", d.data,
                     d.len);
    ck_assert_ptr_nonnull(weights_find(f, "../etc/passwd"));
}
END_TEST

/* ================= opening files ================= */

START_TEST(test_open_file)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, 7.0f);
    WbBuf b = wb_safetensors(&hbt_cx->arena,
                             js("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}"), d.data,
                             d.len);
    const char *path = hbt_tmp_path("open_ok.npz"); // the extension is ignored
    ck_assert(wb_write(path, &b));
    WStatus st = W_INVALID;
    WFile *f = weights_open_status(hbt_cx, path, &st);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(st, W_LOADED);
    ck_assert_str_eq(f->path, path);
    ck_assert_str_eq(f->display_name, path);
    ck_assert_int_eq(f->format, WF_SAFETENSORS);
    ck_assert(weights_find(f, "w")->data[0] == 7.0f);
    ck_assert_str_eq(weights_format_name(f->format), "safetensors");
}
END_TEST

START_TEST(test_open_errors)
{
    WStatus st = W_LOADED;
    const char *missing = hbt_tmp_path("no_such_file.safetensors");
    ck_assert_ptr_null(weights_open_status(hbt_cx, missing, &st));
    ck_assert_int_eq(st, W_IO_ERROR);
    const char *dir = hbt_tmp_path("");
    ck_assert_ptr_null(weights_open_status(hbt_cx, dir, &st));
    ck_assert_int_eq(st, W_IO_ERROR);
    const char *empty = hbt_tmp_path("empty.safetensors");
    WbBuf b = wb_new(&hbt_cx->arena);
    ck_assert(wb_write(empty, &b));
    ck_assert_ptr_null(weights_open_status(hbt_cx, empty, &st));
    ck_assert_int_eq(st, W_INVALID);
    const char *want = arena_printf(&hbt_cx->arena,
                                    "hbnnc: %s: error: cannot open: No such file or directory\n"
                                    "hbnnc: %s: error: cannot read: Is a directory\n"
                                    "hbnnc: %s: error: file is empty (0 bytes), expected a "
                                    "safetensors or .npz weights file\n",
                                    missing, dir, empty);
    ck_assert_str_eq(hbt_diags(), want);
}
END_TEST

START_TEST(test_bare_npy)
{
    WbBuf b = wb_npy(&hbt_cx->arena, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                     zeros, 4);
    ck_assert_str_eq(raw_fail(&b, "w.npy"),
                     "hbnnc: w.npy: error: this is a single .npy array, not a weights file: "
                     "hbnnc reads safetensors or .npz (save with np.savez(path, name=array, "
                     "...))\n");
}
END_TEST

/* ================= npz ================= */

#define F4_1 "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"

static WbBuf npy(const char *dict, const void *data, size_t n)
{
    return wb_npy(&hbt_cx->arena, 1, dict, data, n);
}

static WbMember member(const char *name, const WbBuf *npy_bytes, uint16_t method)
{
    WbMember m;
    memset(&m, 0, sizeof m);
    m.name = name;
    m.data = npy_bytes->data;
    m.len = npy_bytes->len;
    m.method = method;
    m.zip64_local = true; // what np.savez writes
    return m;
}

static WFile *npz_ok(const WbMember *ms, int n, const WbZipOpts *o)
{
    WbBuf z = wb_zip(&hbt_cx->arena, ms, n, o);
    WFile *f = load(&z, "w.npz");
    ck_assert_msg(f != NULL, "unexpected failure: %s", hbt_diags());
    ck_assert_int_eq(f->format, WF_NPZ);
    return f;
}

static const char *npz_fail(const WbMember *ms, int n, const WbZipOpts *o)
{
    WbBuf z = wb_zip(&hbt_cx->arena, ms, n, o);
    return raw_fail(&z, "w.npz");
}

/* A .npy-bearing member with one float and the given header dict. */
static const char *npy_fail(const char *dict, size_t data_len)
{
    unsigned char *d = arena_alloc(&hbt_cx->arena, data_len + 1);
    WbBuf a = npy(dict, d, data_len);
    WbMember m = member("x.npy", &a, 0);
    return npz_fail(&m, 1, NULL);
}

/* Members covering the types np.savez writes. */
static void npz_mixed(uint16_t method, bool descriptor, bool sentinel, const WbZipOpts *o)
{
    WbBuf d32 = wb_new(&hbt_cx->arena), d16 = wb_new(&hbt_cx->arena), d64 = wb_new(&hbt_cx->arena);
    for (int i = 0; i < 6; i++)
        wb_f32(&d32, (float)i * 0.5f);
    wb_u16(&d16, 0x0001); // f16 subnormal
    wb_u16(&d16, 0xbc00); // -1
    wb_f64(&d64, 0.1);
    WbBuf a = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", d32.data, d32.len);
    WbBuf b = npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", d16.data, d16.len);
    WbBuf c = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", d64.data, d64.len);
    WbBuf e = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", NULL, 0);
    WbBuf g = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", zeros, 3);
    WbBuf h = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", zeros, 8);
    WbMember ms[] = {
            member("conv.weight.npy", &a, method), member("b16.npy", &b, method),
            member("scalar.npy", &c, method),      member("empty.npy", &e, method),
            member("bytes.npy", &g, method),       member("num_batches_tracked.npy", &h, method)};
    for (int i = 0; i < 6; i++) {
        ms[i].descriptor = descriptor;
        ms[i].zip64_sentinel = sentinel;
    }
    WFile *f = npz_ok(ms, 6, o);
    ck_assert_uint_eq(f->n, 6);
    ck_assert_str_eq(f->tensors[0].name, "conv.weight");
    const WTensor *t = weights_find(f, "conv.weight");
    ck_assert_int_eq(t->dtype, WD_F32);
    ck_assert_str_eq(t->dtype_name, "<f4");
    ck_assert_int_eq(t->rank, 2);
    ck_assert_int_eq(t->shape[1], 3);
    for (int i = 0; i < 6; i++)
        ck_assert(t->data[i] == (float)i * 0.5f);
    t = weights_find(f, "b16");
    ck_assert_uint_eq(bits_of(t->data[0]), 0x33800000u);
    ck_assert(t->data[1] == -1.0f);
    t = weights_find(f, "scalar");
    ck_assert_int_eq(t->rank, 0);
    ck_assert_uint_eq(bits_of(t->data[0]), 0x3dcccccdu);
    ck_assert_uint_eq(weights_find(f, "empty")->nelem, 0);
    ck_assert_int_eq(weights_find(f, "bytes")->dtype, WD_OTHER);
    ck_assert_int_eq(weights_find(f, "num_batches_tracked")->dtype, WD_I64);
    ck_assert_str_eq(hbt_diags(), "");
}

START_TEST(test_npz_stored)
{
    npz_mixed(0, false, false, NULL);
}
END_TEST

START_TEST(test_npz_deflated)
{
    npz_mixed(8, false, false, NULL);
}
END_TEST

START_TEST(test_npz_descriptor)
{
    npz_mixed(8, true, false, NULL);
    npz_mixed(0, true, false, NULL);
}
END_TEST

START_TEST(test_npz_zip64_everywhere)
{
    WbZipOpts o = {.zip64_end = true};
    npz_mixed(8, false, true, &o);
    npz_mixed(0, false, true, NULL);
}
END_TEST

START_TEST(test_npz_plain_zip_and_versions)
{
    // No Zip64 at all (other writers), and .npy format versions 2.0 and 3.0.
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, 4.0f);
    WbBuf a = wb_npy(&hbt_cx->arena, 2, F4_1, d.data, d.len);
    WbBuf b = wb_npy(&hbt_cx->arena, 3,
                     "{\"shape\":(1,),\"fortran_order\":False,\"descr\":\"<f4\"}", d.data, d.len);
    WbMember ms[] = {member("a.npy", &a, 0), member("b.npy", &b, 8)};
    ms[0].zip64_local = ms[1].zip64_local = false;
    WFile *f = npz_ok(ms, 2, NULL);
    ck_assert(weights_find(f, "a")->data[0] == 4.0f);
    ck_assert(weights_find(f, "b")->data[0] == 4.0f);
}
END_TEST

START_TEST(test_npz_empty_archive)
{
    WFile *f = npz_ok(NULL, 0, NULL);
    ck_assert_uint_eq(f->n, 0);
    ck_assert_ptr_null(weights_find(f, "x"));
}
END_TEST

START_TEST(test_npz_big_member)
{
    // Larger than the inflater's header window: inflated in two steps.
    enum { N = 100000 };
    WbBuf d = wb_new(&hbt_cx->arena);
    for (int i = 0; i < N; i++)
        wb_f32(&d, (float)(i % 1000) - 500.0f);
    WbBuf a =
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 1000), }", d.data, d.len);
    WbMember m = member("big.npy", &a, 8);
    WFile *f = npz_ok(&m, 1, NULL);
    const WTensor *t = weights_find(f, "big");
    ck_assert_uint_eq(t->nelem, N);
    ck_assert(t->data[N - 1] == 499.0f);
}
END_TEST

/* ---- ZIP structure ---- */

START_TEST(test_npz_truncated)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 0);
    WbBuf z = wb_zip(&hbt_cx->arena, &m, 1, NULL);
    z.len -= 10; // cut into the end record
    ck_assert_str_eq(raw_fail(&z, "w.npz"),
                     NZ "ZIP archive is truncated or damaged: no end-of-central-directory record "
                        "in the last 250 bytes (zip rule: an archive ends with an end record)\n");
    z.len = 4; // just the magic
    ck_assert_ptr_nonnull(strstr(raw_fail(&z, "w.npz"), "in the last 4 bytes"));
}
END_TEST

START_TEST(test_npz_bad_crc)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 0);
    m.crc_xor = 0x10;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': CRC-32 of the data is 0xfeb28327, but the archive "
                        "records 0xfeb28337: the data is corrupt (zip rule: CRC-32 matches)\n");
    m.method = 8;
    ck_assert_ptr_nonnull(strstr(npz_fail(&m, 1, NULL), "CRC-32 of the data is 0xfeb28327"));
}
END_TEST

START_TEST(test_npz_unsupported_method)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 12);
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': compression method 12 (bzip2) is not supported; use "
                        "stored (0, np.savez) or deflate (8, np.savez_compressed)\n");
}
END_TEST

START_TEST(test_npz_encrypted)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 0);
    m.flags = 1;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': the member is encrypted; hbnnc reads only unencrypted "
                        "archives\n");
}
END_TEST

START_TEST(test_npz_multi_disk)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 0);
    WbZipOpts o = {.disk = 1};
    ck_assert_str_eq(npz_fail(&m, 1, &o),
                     NZ "multi-disk (spanned) ZIP archives are not supported (zip rule: one "
                        "disk)\n");
}
END_TEST

START_TEST(test_npz_not_npy_member)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("notes.txt", &a, 0);
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'notes.txt': not a .npy array (npz rule: members are "
                        "NAME.npy)\n");
    // A torch.save zip (ARCHIVE/data.pkl) is recognised from its bytes before the zip
    // is read as an npz (magic.c).
    WbMember t = member("archive/data.pkl", &a, 0);
    ck_assert_str_eq(npz_fail(&t, 1, NULL),
                     NZ "this is a PyTorch checkpoint (a zip holding a pickle, torch.save's "
                        "format); hbnnc does not read pickles (loading one runs code from the "
                        "file)\n"
                        "  help: export the weights as safetensors: in Python, from "
                        "safetensors.torch import save_file; save_file(model.state_dict(), "
                        "\"model.safetensors\") (or np.savez with the state_dict's arrays)\n");
}
END_TEST

START_TEST(test_npz_bad_member_name)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x\xff\x1b.npy", &a, 0);
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x\\xff\\x1b.npy': member name is not valid UTF-8 (hbnnc rule: "
                        "names are UTF-8)\n");
}
END_TEST

START_TEST(test_npz_duplicate_member)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember ms[] = {member("x.npy", &a, 0), member("x.npy", &a, 0)};
    ck_assert_str_eq(npz_fail(ms, 2, NULL),
                     NZ "tensor 'x': two members are named 'x.npy' (zip rule: member names are "
                        "unique)\n");
}
END_TEST

START_TEST(test_npz_local_name_mismatch)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 0);
    m.local_name = "y.npy";
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': the local header's name or method differs from the "
                        "central directory (zip rule: local and central headers agree)\n");
}
END_TEST

START_TEST(test_npz_overlap)
{
    // The second member's local record sits inside the first member's data.
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember ms[] = {member("outer.npy", &a, 0), member("inner.npy", &a, 0)};
    ms[1].nested = true;
    ck_assert_str_eq(npz_fail(ms, 2, NULL),
                     NZ "member 'outer.npy': its data [59, 250) overlaps the next member or the "
                        "central directory at 59 (zip rule: members do not overlap)\n");
}
END_TEST

START_TEST(test_npz_junk_before_directory)
{
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 0);
    WbZipOpts o = {.junk = 5};
    ck_assert_str_eq(npz_fail(&m, 1, &o),
                     NZ "member 'x.npy': 5 bytes after its data belong to no member (zip rule: "
                        "the archive holds nothing but its members and directory)\n");
}
END_TEST

START_TEST(test_npz_stray_local_header)
{
    // Starts with PK\3\4 but the directory lists nothing: the bytes are unclaimed.
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 0);
    WbBuf z = wb_zip(&hbt_cx->arena, &m, 1, NULL);
    WbBuf e = wb_zip(&hbt_cx->arena, NULL, 0, NULL);
    WbBuf both = wb_new(&hbt_cx->arena);
    wb_bytes(&both, z.data, 30 + 5 + 20 + a.len); // the local record alone
    wb_bytes(&both, e.data, e.len);
    // Fix the end record's directory offset to where it now is.
    unsigned char *end = both.data + both.len - 22;
    uint32_t off = (uint32_t)(both.len - 22);
    memcpy(end + 16, (unsigned char[]){(unsigned char)off, (unsigned char)(off >> 8), 0, 0}, 4);
    ck_assert_str_eq(raw_fail(&both, "w.npz"),
                     NZ "bytes [0, 187) before the first member belong to no member (zip rule: "
                        "the archive starts with its first member)\n");
}
END_TEST

/* ---- .npy contents ---- */

/* A standalone float32 .npy (--run inputs) goes through the same header parser as an
 * .npz member: the same rules and messages, about the file instead of a tensor. */
START_TEST(test_npy_input_shared_parser)
{
    float v[6] = {1, 2, 3, 4, 5, 6};
    WbBuf ok = wb_npy(&hbt_cx->arena, 2,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v);
    NpyArray a;
    ck_assert_msg(npy_parse_f32(hbt_cx, "in.npy", ok.data, ok.len, &a), "%s", hbt_diags());
    ck_assert_int_eq(a.rank, 2);
    ck_assert_int_eq(a.shape[1], 3);
    ck_assert_uint_eq(a.n, 6);
    ck_assert(a.data[5] == 6.0f);
    WbBuf c8 = wb_npy(&hbt_cx->arena, 1,
                      "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", v, sizeof v);
    WbBuf bad = wb_npy(&hbt_cx->arena, 1, "{'descr': '<f4', 'shape': (2,), 'shape': (2,)}", v, 8);
    WbBuf tuple = wb_npy(&hbt_cx->arena, 1,
                         "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", v, 8);
    ck_assert(!npy_parse_f32(hbt_cx, "c8.npy", c8.data, c8.len, &a));
    ck_assert(!npy_parse_f32(hbt_cx, "bad.npy", bad.data, bad.len, &a));
    ck_assert(!npy_parse_f32(hbt_cx, "tuple.npy", tuple.data, tuple.len, &a));
    const char *d = hbt_diags();
    ck_assert_msg(strstr(d, "hbnnc: c8.npy: error: expected little-endian float data (descr "
                            "'<f4', '<f8' or '<f2'), found descr '<c8'\n"),
                  "%s", d);
    ck_assert_msg(strstr(d, "hbnnc: bad.npy: error: .npy header: duplicate key at header byte 32"),
                  "%s", d);
    ck_assert_msg(
            strstr(d, "hbnnc: tuple.npy: error: .npy header: a 1-element shape is written (N,)"),
            "%s", d);
}
END_TEST

START_TEST(test_npz_fortran)
{
    ck_assert_str_eq(npy_fail("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16),
                     NZ "tensor 'x': Fortran-order arrays are not supported; save with "
                        "np.ascontiguousarray\n");
}
END_TEST

START_TEST(test_npz_big_endian)
{
    ck_assert_str_eq(npy_fail("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4),
                     NZ "tensor 'x': dtype '>f4' is big-endian; hbnnc reads little-endian data "
                        "(save with arr.astype('<f4'))\n");
}
END_TEST

START_TEST(test_npz_object)
{
    ck_assert_str_eq(npy_fail("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8),
                     NZ "tensor 'x': dtype '|O' is an object array, which .npy stores as a Python "
                        "pickle; hbnnc never loads pickles (npy rule: no object arrays)\n");
}
END_TEST

START_TEST(test_npz_unsupported_dtype)
{
    ck_assert_str_eq(npy_fail("{'descr': '<U10', 'fortran_order': False, 'shape': (1,), }", 40),
                     NZ "tensor 'x': dtype '<U10' is not supported (hbnnc rule: .npy arrays hold "
                        "bool, integer or float numbers)\n");
    ck_assert_str_eq(npy_fail("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), "
                              "}",
                              4),
                     NZ "tensor 'x': structured dtypes (a list 'descr') are not supported\n");
}
END_TEST

START_TEST(test_npz_header_too_long)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_str(&d, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }");
    while (d.len < 10050)
        wb_str(&d, " ");
    wb_bytes(&d, "", 1);
    WbBuf a = wb_npy(&hbt_cx->arena, 2, (const char *)d.data, zeros, 4);
    WbMember m = member("x.npy", &a, 8);
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "tensor 'x': .npy header is 10100 bytes, over the limit of 10000 (npy "
                        "rule: headers are at most 10000 bytes, as in NumPy)\n");
}
END_TEST

START_TEST(test_npz_data_size_mismatch)
{
    ck_assert_str_eq(npy_fail("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 40),
                     NZ "tensor 'x': the .npy data is 40 bytes, but shape [3, 4] x '<f4' needs 48 "
                        "bytes (npy rule: data = elements x item size)\n");
    ck_assert_str_eq(npy_fail("{'descr': '<f8', 'fortran_order': False, 'shape': "
                              "(4294967296, 4294967296), }",
                              8),
                     NZ "tensor 'x': the .npy data is 8 bytes, but shape [4294967296, 4294967296] "
                        "x '<f8' needs more than 2^64 bytes (npy rule: data = elements x item "
                        "size)\n");
}
END_TEST

START_TEST(test_npz_bad_magic_and_version)
{
    WbBuf a = npy(F4_1, zeros, 4);
    a.data[0] = 'X';
    WbMember m = member("x.npy", &a, 0);
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "tensor 'x': the member does not start with the .npy magic \\x93NUMPY "
                        "(npy rule: magic, version, header length, header)\n");
    a.data[0] = 0x93;
    a.data[6] = 4;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "tensor 'x': unsupported .npy format version 4.0 (npy rule: versions "
                        "1.0, 2.0 and 3.0)\n");
}
END_TEST

START_TEST(test_npz_header_syntax)
{
    static const struct {
        const char *dict, *what;
    } cases[] = {
            {"{'descr': '<f4', 'fortran_order': False}", "missing key ('descr', 'fortran_order' "
                                                         "and 'shape' are required) at header "
                                                         "byte 40"},
            {"{'descr': '<f4', 'descr': '<f4'}", "duplicate key at header byte 17"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
             "unknown key (expected 'descr', 'fortran_order' and 'shape') at header byte 56"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (1), }",
             "a 1-element shape is written (N,) at header byte 53"},
            {"{'descr': '<f4', 'fortran_order': false, 'shape': (1,), }",
             "expected True or False at header byte 34"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
             "expected a non-negative integer at header byte 51"},
            {"{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }",
             "expected ',' or '}' at header byte 16"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x",
             "unexpected text after the dict at header byte 58"},
            {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (1,), }",
             "unexpected character in a string at header byte 13"},
            {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
             "dimension too large at header byte 70"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out = npy_fail(cases[i].dict, 4);
        const char *want = arena_printf(&hbt_cx->arena, NZ "tensor 'x': .npy header: %s (npy rule",
                                        cases[i].what);
        ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "case %zu: %s", i, out);
        ck_assert_ptr_nonnull(strstr(out, "  note: the header is: {"));
    }
}
END_TEST

START_TEST(test_npz_nan)
{
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, 1.0f);
    wb_f32(&d, NAN);
    WbBuf a = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", d.data, d.len);
    WbMember m = member("x.npy", &a, 8);
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "tensor 'x': element 1 (index [0, 1]) is NaN (hbnnc rule: weights must "
                        "be finite)\n");
}
END_TEST

/* ---- deflate and zip bombs ---- */

START_TEST(test_npz_bomb_ratio)
{
    // The directory claims 1 GB from a few compressed bytes: refused before inflating.
    WbBuf a = npy(F4_1, zeros, 4);
    WbMember m = member("x.npy", &a, 8);
    m.usize = UINT64_C(1) << 30;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': declares 1073741824 uncompressed bytes from 71 "
                        "compressed bytes, more than deflate can produce (zip rule: sizes are "
                        "truthful; zip-bomb guard)\n");
}
END_TEST

START_TEST(test_npz_bomb_declared_vs_header)
{
    // The .npy header claims 2^28 floats and the directory agrees, but the stream holds
    // a few bytes: the declared size passes the ratio guard only if it is honest.
    WbBuf a = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (268435456,), }", zeros, 4);
    WbMember m = member("x.npy", &a, 8);
    m.usize = 64 + (UINT64_C(1) << 30);
    ck_assert_ptr_nonnull(strstr(npz_fail(&m, 1, NULL), "more than deflate can produce"));
    // Directory says the true (small) size, the header claims more: size mismatch, no
    // allocation of the header's size.
    m.usize = 0;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "tensor 'x': the .npy data is 4 bytes, but shape [268435456] x '<f4' "
                        "needs 1073741824 bytes (npy rule: data = elements x item size)\n");
}
END_TEST

START_TEST(test_npz_inflates_more)
{
    // A 1 MB stream behind a member that declares (and whose header implies) 132 bytes.
    unsigned char *big = arena_alloc(&hbt_cx->arena, 1 << 20);
    WbBuf a = npy(F4_1, zeros, 4);
    memcpy(big, a.data, a.len);
    WbBuf def = wb_deflate(&hbt_cx->arena, big, 1 << 20);
    WbMember m = member("x.npy", &a, 8);
    m.raw_deflate = def.data;
    m.raw_deflate_len = def.len;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': inflates to more than its declared 132 bytes (zip rule: "
                        "the uncompressed size matches; zip-bomb guard)\n");
}
END_TEST

START_TEST(test_npz_deflate_short_and_corrupt)
{
    WbBuf a = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", zeros, 12);
    WbBuf shorter = wb_deflate(&hbt_cx->arena, a.data, a.len - 4);
    WbMember m = member("x.npy", &a, 8);
    m.raw_deflate = shorter.data;
    m.raw_deflate_len = shorter.len;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': the deflate stream ends after 136 bytes, but the member "
                        "declares 140 (zip rule: the uncompressed size matches)\n");
    WbBuf full = wb_deflate(&hbt_cx->arena, a.data, a.len);
    m.raw_deflate_len = full.len - 3;
    m.raw_deflate = full.data;
    ck_assert_ptr_nonnull(strstr(npz_fail(&m, 1, NULL), "the deflate stream is truncated"));
    unsigned char bad[] = {0xff, 0xff, 0xff, 0xff};
    m.raw_deflate = bad;
    m.raw_deflate_len = 4;
    ck_assert_str_eq(npz_fail(&m, 1, NULL),
                     NZ "member 'x.npy': the deflate data is corrupt: invalid block type (zip "
                        "rule: valid deflate data)\n");
}
END_TEST

/* ---- NumPy itself ---- */

static bool have_numpy(void)
{
    return system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

START_TEST(test_npz_numpy_roundtrip)
{
    if (!have_numpy()) {
        fprintf(stderr, "test_npz_numpy_roundtrip: skipped (/usr/bin/python3 has no numpy)\n");
        return;
    }
    const char *plain = hbt_tmp_path("np_plain.npz"), *comp = hbt_tmp_path("np_comp.npz");
    const char *cmd = arena_printf(
            &hbt_cx->arena,
            "/usr/bin/python3 -c \"\n"
            "import numpy as np\n"
            "a = (np.arange(12, dtype=np.float32).reshape(3, 4) - 5) / 8\n"
            "d = dict(w=a, h=np.array([1.5, -2, 6e-8], dtype=np.float16), s=np.float64(0.25),\n"
            "         e=np.zeros((0, 3), np.float32), n=np.int64(7), b=np.ones(3, bool),\n"
            "         big=np.linspace(-1, 1, 200000, dtype=np.float32))\n"
            "d['\\u00fcber.weight'] = np.ones((2, 2), np.float32)\n"
            "np.savez('%s', np.float32([9]), **d)\n"
            "np.savez_compressed('%s', np.float32([9]), **d)\n"
            "\"",
            plain, comp);
    ck_assert_int_eq(system(cmd), 0);
    const char *paths[] = {plain, comp};
    for (int k = 0; k < 2; k++) {
        WFile *f = weights_open(hbt_cx, paths[k]);
        ck_assert_msg(f != NULL, "%s: %s", paths[k], hbt_diags());
        ck_assert_uint_eq(f->n, 9);
        const WTensor *w = weights_find(f, "w");
        ck_assert_int_eq(w->rank, 2);
        for (int i = 0; i < 12; i++)
            ck_assert(w->data[i] == (float)(i - 5) / 8);
        const WTensor *h = weights_find(f, "h");
        ck_assert_str_eq(h->dtype_name, "<f2");
        ck_assert(h->data[0] == 1.5f && h->data[1] == -2.0f);
        ck_assert_uint_eq(bits_of(h->data[2]), 0x33800000u); // 6e-8 -> f16 subnormal 2^-24
        ck_assert(weights_find(f, "s")->data[0] == 0.25f);
        ck_assert_uint_eq(weights_find(f, "e")->nelem, 0);
        ck_assert_int_eq(weights_find(f, "n")->dtype, WD_I64);
        ck_assert_str_eq(weights_find(f, "b")->dtype_name, "|b1");
        const WTensor *big = weights_find(f, "big");
        ck_assert(big->data[0] == -1.0f && big->data[199999] == 1.0f);
        ck_assert(weights_find(f, "arr_0")->data[0] == 9.0f);
        ck_assert_ptr_nonnull(weights_find(f, "\xc3\xbc"
                                              "ber.weight"));
    }
}
END_TEST

/* ---- fuzz seeds ---- */

/* Writes the seed corpus for tests/fuzz/fuzz_weights.c into $HB_WRITE_CORPUS (or the
 * build tree) and checks each seed loads. Regenerate the committed seeds with
 * HB_WRITE_CORPUS=tests/fuzz/corpus_weights CK_RUN_SUITE=weights build/tests/check_unit */
START_TEST(test_fuzz_seeds)
{
    const char *dir = getenv("HB_WRITE_CORPUS");
    if (!dir) {
        dir = hbt_tmp_path("corpus_weights");
        mkdir(dir, 0777);
    }
    WbBuf d = wb_new(&hbt_cx->arena);
    wb_f32(&d, 1.0f);
    wb_u16(&d, 0x3c00);
    wb_u16(&d, 0x3f80);
    WbBuf seeds[4];
    seeds[0] = wb_safetensors(&hbt_cx->arena,
                              js("{'__metadata__':{'format':'pt'},"
                                 "'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                                 "'b':{'dtype':'F16','shape':[1],'data_offsets':[4,6]},"
                                 "'c':{'dtype':'BF16','shape':[],'data_offsets':[6,8]}}"),
                              d.data, d.len);
    WbBuf a = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", d.data, 4);
    WbMember m = member("a.npy", &a, 0);
    seeds[1] = wb_zip(&hbt_cx->arena, &m, 1, NULL);
    m.method = 8;
    seeds[2] = wb_zip(&hbt_cx->arena, &m, 1, NULL);
    m.zip64_sentinel = true;
    m.descriptor = true;
    WbZipOpts o = {.zip64_end = true};
    seeds[3] = wb_zip(&hbt_cx->arena, &m, 1, &o);
    const char *names[] = {"seed.safetensors", "stored.npz", "deflated.npz", "zip64.npz"};
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_nonnull(load(&seeds[i], names[i]));
        ck_assert(wb_write(arena_printf(&hbt_cx->arena, "%s/%s", dir, names[i]), &seeds[i]));
    }
}
END_TEST

Suite *suite_weights(void)
{
    Suite *s = suite_create("weights");
    TCase *st = tcase_create("safetensors");
    tcase_add_checked_fixture(st, hbt_setup, hbt_teardown);
    tcase_add_test(st, test_st_f32_exact);
    tcase_add_test(st, test_st_f16_exact);
    tcase_add_test(st, test_st_bf16_exact);
    tcase_add_test(st, test_st_f64_exact);
    tcase_add_test(st, test_st_empty_and_scalar);
    tcase_add_test(st, test_st_many_tensors);
    tcase_add_test(st, test_st_metadata_padding_unaligned);
    tcase_add_test(st, test_st_other_dtypes);
    tcase_add_test(st, test_st_too_small);
    tcase_add_test(st, test_st_header_cap);
    tcase_add_test(st, test_st_header_wraps);
    tcase_add_test(st, test_st_header_past_eof);
    tcase_add_test(st, test_st_bad_utf8);
    tcase_add_test(st, test_st_not_brace);
    tcase_add_test(st, test_st_empty_header);
    tcase_add_test(st, test_st_top_level_array);
    tcase_add_test(st, test_st_bad_json);
    tcase_add_test(st, test_st_trailing_garbage);
    tcase_add_test(st, test_st_duplicate_key);
    tcase_add_test(st, test_st_metadata_not_object);
    tcase_add_test(st, test_st_metadata_value);
    tcase_add_test(st, test_st_entry_not_object);
    tcase_add_test(st, test_st_missing_field);
    tcase_add_test(st, test_st_extra_field);
    tcase_add_test(st, test_st_float_offset);
    tcase_add_test(st, test_st_negative_offset);
    tcase_add_test(st, test_st_huge_offset);
    tcase_add_test(st, test_st_shape_not_integer);
    tcase_add_test(st, test_st_three_offsets);
    tcase_add_test(st, test_st_one_offset);
    tcase_add_test(st, test_st_begin_after_end);
    tcase_add_test(st, test_st_unknown_dtype);
    tcase_add_test(st, test_st_dtype_not_string);
    tcase_add_test(st, test_st_rank_too_high);
    tcase_add_test(st, test_st_shape_overflow);
    tcase_add_test(st, test_st_misaligned_bits);
    tcase_add_test(st, test_st_all_bad_entries_reported);
    tcase_add_test(st, test_st_error_cap);
    tcase_add_test(st, test_st_first_not_zero);
    tcase_add_test(st, test_st_gap);
    tcase_add_test(st, test_st_overlap);
    tcase_add_test(st, test_st_size_mismatch);
    tcase_add_test(st, test_st_trailing_bytes);
    tcase_add_test(st, test_st_past_end);
    tcase_add_test(st, test_st_empty_tensors_share_offset);
    tcase_add_test(st, test_st_nan);
    tcase_add_test(st, test_st_inf_late_block);
    tcase_add_test(st, test_st_f16_bf16_nonfinite);
    tcase_add_test(st, test_st_f64_range);
    tcase_add_test(st, test_st_scalar_nan);
    tcase_add_test(st, test_st_name_escaped);
    tcase_add_test(st, test_st_path_like_names);
    tcase_add_test(st, test_open_file);
    tcase_add_test(st, test_open_errors);
    tcase_add_test(st, test_bare_npy);
    suite_add_tcase(s, st);

    TCase *nz = tcase_create("npz");
    tcase_add_checked_fixture(nz, hbt_setup, hbt_teardown);
    tcase_set_timeout(nz, 30); // the NumPy round trip starts Python twice
    tcase_add_test(nz, test_npz_stored);
    tcase_add_test(nz, test_npz_deflated);
    tcase_add_test(nz, test_npz_descriptor);
    tcase_add_test(nz, test_npz_zip64_everywhere);
    tcase_add_test(nz, test_npz_plain_zip_and_versions);
    tcase_add_test(nz, test_npz_empty_archive);
    tcase_add_test(nz, test_npz_big_member);
    tcase_add_test(nz, test_npz_truncated);
    tcase_add_test(nz, test_npz_bad_crc);
    tcase_add_test(nz, test_npz_unsupported_method);
    tcase_add_test(nz, test_npz_encrypted);
    tcase_add_test(nz, test_npz_multi_disk);
    tcase_add_test(nz, test_npz_not_npy_member);
    tcase_add_test(nz, test_npz_bad_member_name);
    tcase_add_test(nz, test_npz_duplicate_member);
    tcase_add_test(nz, test_npz_local_name_mismatch);
    tcase_add_test(nz, test_npz_overlap);
    tcase_add_test(nz, test_npz_junk_before_directory);
    tcase_add_test(nz, test_npz_stray_local_header);
    tcase_add_test(nz, test_npy_input_shared_parser);
    tcase_add_test(nz, test_npz_fortran);
    tcase_add_test(nz, test_npz_big_endian);
    tcase_add_test(nz, test_npz_object);
    tcase_add_test(nz, test_npz_unsupported_dtype);
    tcase_add_test(nz, test_npz_header_too_long);
    tcase_add_test(nz, test_npz_data_size_mismatch);
    tcase_add_test(nz, test_npz_bad_magic_and_version);
    tcase_add_test(nz, test_npz_header_syntax);
    tcase_add_test(nz, test_npz_nan);
    tcase_add_test(nz, test_npz_bomb_ratio);
    tcase_add_test(nz, test_npz_bomb_declared_vs_header);
    tcase_add_test(nz, test_npz_inflates_more);
    tcase_add_test(nz, test_npz_deflate_short_and_corrupt);
    tcase_add_test(nz, test_npz_numpy_roundtrip);
    tcase_add_test(nz, test_fuzz_seeds);
    suite_add_tcase(s, nz);
    return s;
}
