// SPDX-License-Identifier: MIT
/* weights_safetensors.c: the safetensors reader. Applies the rules of docs/language.md §6
 * in order (header bounds, UTF-8, '{', JSON without duplicate keys, metadata, exact
 * entries, overflow-checked sizes, exact tiling, full coverage of the file), then
 * converts the float tensors (weights.c). Each message names the rule it enforces. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights_internal.h"

/* Far below the reference's 100 MB: our networks have tens of tensors. The cap also
 * bounds Jansson's memory for a hostile header. */
#define ST_HEADER_CAP (16u << 20)
#define ST_INT_LIMIT  (UINT64_C(1) << 48) // the JSON schema's bound on dims and offsets

#define RULE_ENTRY "safetensors rule: an entry has exactly dtype, shape and data_offsets"
#define RULE_INT   "safetensors rule: shape and data_offsets hold integers in [0, 2^48)"
#define RULE_TILE  "safetensors rule: tensors tile the data buffer with no gap or overlap"

typedef struct StDtype {
    const char *name;
    unsigned bits; // sizes are in bits since the sub-byte MX types
    WDtype kind;
} StDtype;

/* The dtypes of the reference reader (safetensors/src/tensor.rs). */
static const StDtype st_dtypes[] = {
        {"BOOL", 8, WD_OTHER},        {"U8", 8, WD_OTHER},      {"I8", 8, WD_OTHER},
        {"I16", 16, WD_OTHER},        {"U16", 16, WD_OTHER},    {"I32", 32, WD_OTHER},
        {"U32", 32, WD_OTHER},        {"I64", 64, WD_I64},      {"U64", 64, WD_OTHER},
        {"F16", 16, WD_F16},          {"BF16", 16, WD_BF16},    {"F32", 32, WD_F32},
        {"F64", 64, WD_F64},          {"C64", 64, WD_OTHER},    {"F8_E4M3", 8, WD_OTHER},
        {"F8_E5M2", 8, WD_OTHER},     {"F8_E8M0", 8, WD_OTHER}, {"F8_E4M3FNUZ", 8, WD_OTHER},
        {"F8_E5M2FNUZ", 8, WD_OTHER}, {"F4", 4, WD_OTHER},      {"F6_E2M3", 6, WD_OTHER},
        {"F6_E3M2", 6, WD_OTHER},
};
#define N_DTYPES (sizeof st_dtypes / sizeof st_dtypes[0])

/* One header entry while it is being checked. */
typedef struct StEntry {
    WTensor *t;
    const StDtype *dt;
    uint64_t begin, end; // data_offsets, relative to the data buffer
    uint64_t bytes;      // what shape x dtype needs
    uint32_t order;      // position in the header (tie-break for the sort)
} StEntry;

typedef struct StHeader {
    uint64_t len;              // N
    const unsigned char *data; // the data buffer (file offset 8 + N)
    uint64_t data_len;         // file size - 8 - N
} StHeader;

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a float";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    default:
        return "null";
    }
}

/* ---- rules 1-4: the header bytes ---- */

static void not_safetensors_help(WReader *r, Diag *d)
{
    diag_help(r->cx, d,
              "hbnnc reads safetensors and .npz (NumPy) weights files, chosen by "
              "content");
}

/* Rules 1 and 2: N is readable, within the cap and within the file. */
static bool st_header_bounds(WReader *r, StHeader *h)
{
    if (r->len < 8) {
        not_safetensors_help(r, w_error(r,
                                        "file is %zu bytes, too short for the 8-byte header "
                                        "length (safetensors rule: the file starts with a "
                                        "u64 header length)",
                                        r->len));
        return false;
    }
    uint64_t n = w_le64(r->buf);
    if (n > ST_HEADER_CAP) {
        not_safetensors_help(r, w_error(r,
                                        "header length is %llu bytes, over the cap of 16 MiB "
                                        "(%u bytes) (safetensors rule: header length <= cap)",
                                        (unsigned long long)n, ST_HEADER_CAP));
        return false;
    }
    // With n under the cap 8 + n cannot wrap; the check stays as the rule's statement.
    if (n > UINT64_MAX - 8 || 8 + n > r->len) {
        w_error(r,
                "header length is %llu bytes, but only %zu bytes follow the 8-byte length "
                "(safetensors rule: 8 + header length <= file size)",
                (unsigned long long)n, r->len - 8);
        return false;
    }
    h->len = n;
    h->data = r->buf + 8 + n;
    h->data_len = r->len - 8 - n;
    return true;
}

/* Rule 3: valid UTF-8 that starts with '{' (trailing spaces are left to the JSON
 * parser, which skips them). */
static bool st_header_text(WReader *r, const StHeader *h)
{
    const unsigned char *s = r->buf + 8;
    size_t bad;
    if (!w_utf8_valid(s, h->len, &bad)) {
        w_error(r,
                "header is not valid UTF-8: byte 0x%02x at header offset %zu (safetensors "
                "rule: the header is UTF-8 JSON)",
                s[bad], bad);
        return false;
    }
    if (h->len == 0 || s[0] != '{') {
        const char *found = h->len == 0 ? "nothing (the header is empty)"
                            : s[0] >= 0x20 && s[0] < 0x7f && s[0] != '\''
                                    ? arena_printf(&r->cx->arena, "'%c'", s[0])
                                    : arena_printf(&r->cx->arena, "byte 0x%02x", s[0]);
        not_safetensors_help(r, w_error(r,
                                        "header starts with %s, expected '{' (safetensors "
                                        "rule: the header is a JSON object)",
                                        found));
        return false;
    }
    return true;
}

/* Rule 4: JSON, no duplicate keys, an object at the top. */
static json_t *st_header_json(WReader *r, const StHeader *h)
{
    json_error_t err;
    json_t *root = json_loadb((const char *)r->buf + 8, h->len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        // Jansson quotes the offending token, which may hold control characters.
        w_error(r,
                "header is not valid JSON: %s at header offset %d (safetensors rule: the "
                "header is JSON without duplicate keys)",
                w_printable(r, err.text, strlen(err.text), false), err.position);
        return NULL;
    }
    if (!json_is_object(root)) {
        w_error(r,
                "header is %s, expected a JSON object (safetensors rule: the header is a "
                "JSON object)",
                json_kind(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- rules 5-7: the entries ---- */

/* Rule 5: __metadata__ maps strings to strings. */
static bool st_metadata(WReader *r, const json_t *root)
{
    const json_t *md = json_object_get(root, "__metadata__");
    if (!md)
        return true;
    if (!json_is_object(md)) {
        w_error(r,
                "__metadata__ is %s, expected an object of strings (safetensors rule: "
                "__metadata__ maps strings to strings)",
                json_kind(md));
        return false;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)md, key, v)
    {
        if (!json_is_string(v)) {
            w_error(r,
                    "__metadata__ value for '%s' is %s, expected a string (safetensors "
                    "rule: __metadata__ maps strings to strings)",
                    w_quote(r, key, strlen(key), false), json_kind(v));
            return false;
        }
    }
    return true;
}

/* A shape dim or offset: a JSON integer (not a float) in [0, 2^48). */
static bool st_uint48(WReader *r, const WTensor *t, const char *what, const json_t *v,
                      uint64_t *out)
{
    if (json_is_real(v)) {
        w_terror(r, t->name, "%s is the float %.17g, expected an integer (%s)", what,
                 json_real_value(v), RULE_INT);
        return false;
    }
    if (!json_is_integer(v)) {
        w_terror(r, t->name, "%s is %s, expected an integer (%s)", what, json_kind(v), RULE_INT);
        return false;
    }
    json_int_t x = json_integer_value(v);
    if (x < 0) {
        w_terror(r, t->name, "%s is %lld, expected an integer >= 0 (%s)", what, (long long)x,
                 RULE_INT);
        return false;
    }
    if ((uint64_t)x >= ST_INT_LIMIT) {
        w_terror(r, t->name, "%s is %lld, expected less than 2^48 = %llu (%s)", what, (long long)x,
                 (unsigned long long)ST_INT_LIMIT, RULE_INT);
        return false;
    }
    *out = (uint64_t)x;
    return true;
}

static bool st_fields(WReader *r, const WTensor *t, const json_t *v)
{
    if (!json_is_object(v)) {
        w_terror(r, t->name, "entry is %s, expected an object (%s)", json_kind(v), RULE_ENTRY);
        return false;
    }
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)v, key, x)
    {
        if (strcmp(key, "dtype") && strcmp(key, "shape") && strcmp(key, "data_offsets")) {
            w_terror(r, t->name, "unexpected field '%s' (%s)", w_quote(r, key, strlen(key), false),
                     RULE_ENTRY);
            return false;
        }
    }
    static const char *const need[] = {"dtype", "shape", "data_offsets"};
    for (int i = 0; i < 3; i++) {
        if (!json_object_get(v, need[i])) {
            w_terror(r, t->name, "missing field '%s' (%s)", need[i], RULE_ENTRY);
            return false;
        }
    }
    return true;
}

static bool st_dtype(WReader *r, StEntry *e, const json_t *v)
{
    if (!json_is_string(v)) {
        w_terror(r, e->t->name, "dtype is %s, expected a string such as \"F32\" (%s)", json_kind(v),
                 RULE_ENTRY);
        return false;
    }
    const char *s = json_string_value(v);
    for (size_t i = 0; i < N_DTYPES; i++) {
        if (strcmp(s, st_dtypes[i].name) == 0) {
            e->dt = &st_dtypes[i];
            e->t->dtype = st_dtypes[i].kind;
            e->t->dtype_name = st_dtypes[i].name;
            return true;
        }
    }
    const char *names[N_DTYPES];
    for (size_t i = 0; i < N_DTYPES; i++)
        names[i] = st_dtypes[i].name;
    Diag *d = w_terror(r, e->t->name,
                       "unknown dtype '%s' (safetensors rule: dtype is one of the format's "
                       "types)",
                       w_quote(r, s, strlen(s), false));
    const char *sug = diag_suggest(s, names, (int)N_DTYPES);
    if (sug)
        diag_help(r->cx, d, "did you mean '%s'?", sug);
    else
        diag_note(r->cx, d, "the float types hbnnc converts are F32, F16, BF16 and F64");
    return false;
}

static bool st_shape(WReader *r, WTensor *t, const json_t *v)
{
    if (!json_is_array(v)) {
        w_terror(r, t->name, "shape is %s, expected an array of integers (%s)", json_kind(v),
                 RULE_INT);
        return false;
    }
    size_t rank = json_array_size(v);
    if (rank > W_MAX_RANK) {
        w_terror(r, t->name, "shape has %zu dimensions, hbnnc supports at most %d", rank,
                 W_MAX_RANK);
        return false;
    }
    t->rank = (int)rank;
    for (size_t i = 0; i < rank; i++) {
        uint64_t d;
        const char *what = arena_printf(&r->cx->arena, "shape[%zu]", i);
        if (!st_uint48(r, t, what, json_array_get(v, i), &d))
            return false;
        t->shape[i] = (int64_t)d;
    }
    return true;
}

static bool st_offsets(WReader *r, StEntry *e, const json_t *v)
{
    if (!json_is_array(v) || json_array_size(v) != 2) {
        const char *found = json_is_array(v) ? arena_printf(&r->cx->arena, "has %zu elements",
                                                            json_array_size(v))
                                             : arena_printf(&r->cx->arena, "is %s", json_kind(v));
        w_terror(r, e->t->name,
                 "data_offsets %s, expected exactly 2 [begin, end] (safetensors rule: "
                 "data_offsets is [begin, end])",
                 found);
        return false;
    }
    if (!st_uint48(r, e->t, "data_offsets[0]", json_array_get(v, 0), &e->begin) ||
        !st_uint48(r, e->t, "data_offsets[1]", json_array_get(v, 1), &e->end))
        return false;
    if (e->begin > e->end) {
        w_terror(r, e->t->name,
                 "data_offsets [%llu, %llu] begin after they end (safetensors rule: begin <= "
                 "end)",
                 (unsigned long long)e->begin, (unsigned long long)e->end);
        return false;
    }
    return true;
}

/* Rule 7: elements, bits and bytes, each overflow-checked. */
static bool st_sizes(WReader *r, StEntry *e)
{
    WTensor *t = e->t;
    uint64_t n = 1, bits;
    for (int i = 0; i < t->rank; i++) {
        if (!w_mul_ok(n, (uint64_t)t->shape[i], &n)) {
            w_terror(r, t->name,
                     "shape %s has more than 2^64 elements (safetensors rule: the element "
                     "count must not overflow)",
                     weights_shape_str(&r->cx->arena, t->shape, t->rank));
            return false;
        }
    }
    if (!w_mul_ok(n, e->dt->bits, &bits)) {
        w_terror(r, t->name,
                 "shape %s x %s is more than 2^64 bits (safetensors rule: the bit count must "
                 "not overflow)",
                 weights_shape_str(&r->cx->arena, t->shape, t->rank), e->dt->name);
        return false;
    }
    if (bits % 8 != 0) {
        w_terror(r, t->name,
                 "shape %s x %s is %llu bits, not a whole number of bytes (safetensors rule: "
                 "a tensor's bit count is a multiple of 8)",
                 weights_shape_str(&r->cx->arena, t->shape, t->rank), e->dt->name,
                 (unsigned long long)bits);
        return false;
    }
    t->nelem = n;
    e->bytes = bits / 8;
    return true;
}

/* Rules 6 and 7 for one entry. */
static bool st_entry(WReader *r, StEntry *e, const json_t *v)
{
    return st_fields(r, e->t, v) && st_dtype(r, e, json_object_get(v, "dtype")) &&
           st_shape(r, e->t, json_object_get(v, "shape")) &&
           st_offsets(r, e, json_object_get(v, "data_offsets")) && st_sizes(r, e);
}

/* Fills r->file->tensors in header order; every bad entry is reported. */
static StEntry *st_entries(WReader *r, json_t *root, uint32_t *count)
{
    size_t n = json_object_size(root) - (json_object_get(root, "__metadata__") != NULL);
    WFile *f = r->file;
    f->tensors = arena_calloc(&r->cx->arena, n ? n : 1, sizeof *f->tensors);
    StEntry *es = arena_calloc(&r->cx->arena, n ? n : 1, sizeof *es);
    uint32_t k = 0;
    bool ok = true;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (w_capped(r)) {
            ok = false;
            break;
        }
        if (strcmp(key, "__metadata__") == 0)
            continue;
        StEntry *e = &es[k];
        e->t = &f->tensors[k];
        e->t->name = arena_strdup(&r->cx->arena, key);
        e->order = k++;
        ok &= st_entry(r, e, v);
    }
    f->n = k;
    *count = k;
    return ok ? es : NULL;
}

/* ---- rules 8 and 9: the data buffer ---- */

static int cmp_offsets(const void *pa, const void *pb)
{
    const StEntry *a = pa, *b = pb;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void st_report_misplaced(WReader *r, const StEntry *e, const StEntry *prev, uint64_t pos)
{
    if (!prev)
        w_terror(r, e->t->name,
                 "data_offsets [%llu, %llu] start at %llu, but the first tensor must start at 0 "
                 "(%s)",
                 (unsigned long long)e->begin, (unsigned long long)e->end,
                 (unsigned long long)e->begin, RULE_TILE);
    else if (e->begin > pos)
        w_terror(r, e->t->name,
                 "data_offsets [%llu, %llu] start at %llu, but the previous tensor '%s' ends at "
                 "%llu: bytes [%llu, %llu) belong to no tensor (%s)",
                 (unsigned long long)e->begin, (unsigned long long)e->end,
                 (unsigned long long)e->begin,
                 w_quote(r, prev->t->name, strlen(prev->t->name), false), (unsigned long long)pos,
                 (unsigned long long)pos, (unsigned long long)e->begin, RULE_TILE);
    else
        w_terror(r, e->t->name, "data_offsets [%llu, %llu] overlap tensor '%s' [%llu, %llu] (%s)",
                 (unsigned long long)e->begin, (unsigned long long)e->end,
                 w_quote(r, prev->t->name, strlen(prev->t->name), false),
                 (unsigned long long)prev->begin, (unsigned long long)prev->end, RULE_TILE);
}

/* Rule 8: sorted by begin, the tensors tile [0, last end) exactly, and each covers
 * exactly the bytes its shape and dtype need. */
static bool st_tiling(WReader *r, StEntry *sorted, uint32_t n)
{
    bool ok = true;
    uint64_t pos = 0;
    const StEntry *prev = NULL;
    for (uint32_t i = 0; i < n && !w_capped(r); i++) {
        const StEntry *e = &sorted[i];
        if (e->begin != pos) {
            st_report_misplaced(r, e, prev, pos);
            ok = false;
        }
        if (e->end - e->begin != e->bytes) {
            w_terror(r, e->t->name,
                     "data_offsets [%llu, %llu] cover %llu bytes, but shape %s x %s needs %llu "
                     "bytes (safetensors rule: end - begin = elements x dtype size)",
                     (unsigned long long)e->begin, (unsigned long long)e->end,
                     (unsigned long long)(e->end - e->begin),
                     weights_shape_str(&r->cx->arena, e->t->shape, e->t->rank), e->dt->name,
                     (unsigned long long)e->bytes);
            ok = false;
        }
        pos = e->end;
        prev = e;
    }
    return ok;
}

/* Rule 9: the last end is exactly the end of the file, so no byte is unaccounted
 * for (the reference's defence against polyglot files). */
static bool st_coverage(WReader *r, const StEntry *sorted, uint32_t n, const StHeader *h)
{
    uint64_t end = n ? sorted[n - 1].end : 0;
    if (end < h->data_len) {
        w_error(r,
                "the tensors cover bytes [0, %llu) of the %llu-byte data buffer: %llu "
                "trailing bytes belong to no tensor (safetensors rule: the tensors cover the "
                "file exactly)",
                (unsigned long long)end, (unsigned long long)h->data_len,
                (unsigned long long)(h->data_len - end));
        return false;
    }
    if (end > h->data_len) {
        const StEntry *last = &sorted[n - 1];
        w_terror(r, last->t->name,
                 "data_offsets [%llu, %llu] run past the end of the file: the data buffer "
                 "has %llu bytes (safetensors rule: the tensors cover the file exactly)",
                 (unsigned long long)last->begin, (unsigned long long)last->end,
                 (unsigned long long)h->data_len);
        return false;
    }
    return true;
}

/* ---- the reader ---- */

static bool st_data(WReader *r, StEntry *es, uint32_t n, const StHeader *h)
{
    StEntry *sorted = arena_calloc(&r->cx->arena, n ? n : 1, sizeof *sorted);
    memcpy(sorted, es, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_offsets);
    bool ok = st_tiling(r, sorted, n) && st_coverage(r, sorted, n, h);
    // Rules 10 and 11: convert float data, report each tensor's first non-finite value.
    for (uint32_t i = 0; ok && i < n && !w_capped(r); i++)
        w_convert(r, es[i].t, h->data + es[i].begin);
    return ok && r->nerr == 0;
}

bool w_read_safetensors(WReader *r)
{
    StHeader h;
    if (!st_header_bounds(r, &h) || !st_header_text(r, &h))
        return false;
    json_t *root = st_header_json(r, &h);
    if (!root)
        return false;
    uint32_t n = 0;
    StEntry *es = NULL;
    if (st_metadata(r, root))
        es = st_entries(r, root, &n);
    json_decref(root); // names were copied into the arena
    return es && st_data(r, es, n, &h);
}
