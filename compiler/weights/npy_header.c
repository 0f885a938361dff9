// SPDX-License-Identifier: MIT
/* npy_header.c: the one .npy header parser (magic, version, header length, the dict
 * with 'descr', 'fortran_order' and 'shape', the data size), shared by the .npz weights
 * reader (weights_npz.c) and the float32 input reader behind --run (npy.c). */
#include <string.h>

#include "weights_internal.h"

#define RULE_NPY \
    "npy rule: the header is a dict {'descr': ..., 'fortran_order': ..., 'shape': (...)}"

/* An error about tensor t ("tensor 'NAME': ..."), or about the whole file when t has no
 * name (a standalone .npy file). */
static Diag *npy_error(WReader *r, const WTensor *t, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static Diag *npy_error(WReader *r, const WTensor *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = arena_vprintf(&r->cx->arena, fmt, ap);
    va_end(ap);
    return t->name ? w_terror(r, t->name, "%s", msg) : w_error(r, "%s", msg);
}

typedef struct NpyLex {
    WReader *r;
    const WTensor *t;
    const char *s; // the header dict text
    size_t n, i;
} NpyLex;

static bool npy_fail(NpyLex *x, const char *what)
{
    Diag *d =
            npy_error(x->r, x->t, ".npy header: %s at header byte %zu (%s)", what, x->i, RULE_NPY);
    diag_note(x->r->cx, d, "the header is: %s", w_printable(x->r, x->s, x->n, true));
    return false;
}

static void npy_ws(NpyLex *x)
{
    while (x->i < x->n && strchr(" \t\r\n", x->s[x->i]) && x->s[x->i])
        x->i++;
}

static bool npy_eat(NpyLex *x, char c)
{
    npy_ws(x);
    if (x->i < x->n && x->s[x->i] == c) {
        x->i++;
        return true;
    }
    return false;
}

/* 'text' or "text" without escapes (no valid header needs one). */
static bool npy_string(NpyLex *x, char *out, size_t cap)
{
    npy_ws(x);
    if (x->i >= x->n || (x->s[x->i] != '\'' && x->s[x->i] != '"'))
        return npy_fail(x, "expected a quoted string");
    char q = x->s[x->i++];
    size_t k = 0;
    while (x->i < x->n && x->s[x->i] != q) {
        char c = x->s[x->i];
        if (c == '\\' || (unsigned char)c < 0x20 || (unsigned char)c >= 0x7f || k + 1 >= cap)
            return npy_fail(x, "unexpected character in a string");
        out[k++] = c;
        x->i++;
    }
    if (x->i >= x->n)
        return npy_fail(x, "unterminated string");
    x->i++;
    out[k] = 0;
    return true;
}

static bool npy_word(NpyLex *x, const char *w)
{
    size_t n = strlen(w);
    if (x->n - x->i >= n && memcmp(x->s + x->i, w, n) == 0) {
        x->i += n;
        return true;
    }
    return false;
}

static bool npy_bool(NpyLex *x, bool *out)
{
    npy_ws(x);
    if (npy_word(x, "True"))
        *out = true;
    else if (npy_word(x, "False"))
        *out = false;
    else
        return npy_fail(x, "expected True or False");
    return true;
}

static bool npy_int(NpyLex *x, int64_t *out)
{
    npy_ws(x);
    uint64_t v = 0;
    size_t start = x->i;
    while (x->i < x->n && x->s[x->i] >= '0' && x->s[x->i] <= '9') {
        v = v * 10 + (uint64_t)(x->s[x->i++] - '0');
        if (v > INT64_MAX)
            return npy_fail(x, "dimension too large");
    }
    if (x->i == start)
        return npy_fail(x, "expected a non-negative integer");
    if (x->i < x->n && x->s[x->i] == 'L') // Python 2 writers
        x->i++;
    *out = (int64_t)v;
    return true;
}

/* (d0, d1, ...) with Python's tuple rules: () and (5,) and (5, 6) but not (5). */
static bool npy_shape(NpyLex *x, WTensor *t)
{
    if (!npy_eat(x, '('))
        return npy_fail(x, "expected a shape tuple '('");
    t->rank = 0;
    bool comma = false;
    while (!npy_eat(x, ')')) {
        if (t->rank == W_MAX_RANK)
            return npy_fail(x, "more than 8 dimensions");
        if (!npy_int(x, &t->shape[t->rank++]))
            return false;
        comma = npy_eat(x, ',');
        if (!comma && !npy_eat(x, ')'))
            return npy_fail(x, "expected ',' or ')' in the shape");
        if (!comma)
            break;
    }
    if (t->rank == 1 && !comma)
        return npy_fail(x, "a 1-element shape is written (N,)");
    return true;
}

typedef struct NpyDict {
    char descr[32];
    bool fortran;
    unsigned seen; // bit per key
} NpyDict;

static bool npy_entry(NpyLex *x, NpyDict *d, WTensor *t)
{
    static const char *const keys[] = {"descr", "fortran_order", "shape"};
    char key[32];
    npy_ws(x);
    size_t at = x->i;
    if (!npy_string(x, key, sizeof key))
        return false;
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0)
        k++;
    if (k == 3 || (d->seen & (1u << k))) {
        x->i = at; // point at the key
        return npy_fail(x, k == 3 ? "unknown key (expected 'descr', 'fortran_order' and 'shape')"
                                  : "duplicate key");
    }
    d->seen |= 1u << k;
    if (!npy_eat(x, ':'))
        return npy_fail(x, "expected ':'");
    npy_ws(x);
    if (k == 0 && x->i < x->n && x->s[x->i] == '[') {
        w_terror(x->r, t->name, "structured dtypes (a list 'descr') are not supported");
        return false;
    }
    return k == 0   ? npy_string(x, d->descr, sizeof d->descr)
           : k == 1 ? npy_bool(x, &d->fortran)
                    : npy_shape(x, t);
}

static bool npy_dict(NpyLex *x, NpyDict *d, WTensor *t)
{
    if (!npy_eat(x, '{'))
        return npy_fail(x, "expected '{'");
    while (!npy_eat(x, '}')) {
        if (!npy_entry(x, d, t))
            return false;
        if (!npy_eat(x, ',')) {
            if (npy_eat(x, '}'))
                break;
            return npy_fail(x, "expected ',' or '}'");
        }
    }
    if (d->seen != 7)
        return npy_fail(x, "missing key ('descr', 'fortran_order' and 'shape' are required)");
    npy_ws(x);
    if (x->i != x->n)
        return npy_fail(x, "unexpected text after the dict");
    return true;
}

/* descr like '<f4': byte order, kind, item size. Sets t->dtype; returns the item size
 * or 0 after reporting. */
static unsigned npy_descr(WReader *r, WTensor *t, const char *s)
{
    t->dtype_name = arena_strdup(&r->cx->arena, s);
    if (strchr(s, 'O')) {
        npy_error(r, t,
                  "dtype '%s' is an object array, which .npy stores as a Python "
                  "pickle; hbnnc never loads pickles (npy rule: no object arrays)",
                  t->dtype_name);
        return 0;
    }
    char order = *s && strchr("<>|=", *s) ? *s++ : 0;
    char kind = *s ? *s++ : 0;
    unsigned size = 0;
    while (*s >= '0' && *s <= '9' && size < 1000)
        size = size * 10 + (unsigned)(*s++ - '0');
    if (!order || !kind || !strchr("biufc", kind) || *s || size == 0 || size > 64) {
        npy_error(r, t,
                  "dtype '%s' is not supported (hbnnc rule: .npy arrays hold bool, "
                  "integer or float numbers)",
                  t->dtype_name);
        return 0;
    }
    if ((order == '>' || order == '=') && size > 1) {
        npy_error(r, t,
                  "dtype '%s' is %s; hbnnc reads little-endian data (save with "
                  "arr.astype('<%c%u'))",
                  t->dtype_name, order == '>' ? "big-endian" : "in unspecified byte order", kind,
                  size);
        return 0;
    }
    t->dtype = kind == 'f' && size == 4   ? WD_F32
               : kind == 'f' && size == 2 ? WD_F16
               : kind == 'f' && size == 8 ? WD_F64
               : kind == 'i' && size == 8 ? WD_I64
                                          : WD_OTHER;
    return size;
}

/* The prefix: magic, version, header length. Returns the header offset or 0. */
static size_t npy_prefix(WReader *r, const WTensor *t, const unsigned char *p, uint64_t total,
                         size_t *hlen)
{
    if (total < 10 || memcmp(p, "\x93NUMPY", 6) != 0) {
        npy_error(r, t,
                  "the %s does not start with the .npy magic \\x93NUMPY (npy "
                  "rule: magic, version, header length, header)",
                  t->name ? "member" : "file");
        return 0;
    }
    unsigned major = p[6], minor = p[7];
    if ((major < 1 || major > 3 || minor != 0) || (major > 1 && total < 12)) {
        npy_error(r, t,
                  "unsupported .npy format version %u.%u (npy rule: versions 1.0, "
                  "2.0 and 3.0)",
                  major, minor);
        return 0;
    }
    size_t pre = major == 1 ? 10 : 12;
    uint64_t n = major == 1 ? w_le16(p + 8) : w_le32(p + 8);
    if (n > NPY_HEADER_CAP) {
        npy_error(r, t,
                  ".npy header is %llu bytes, over the limit of %d (npy rule: "
                  "headers are at most %d bytes, as in NumPy)",
                  (unsigned long long)n, NPY_HEADER_CAP, NPY_HEADER_CAP);
        return 0;
    }
    if (n > total - pre) {
        npy_error(r, t,
                  ".npy header of %llu bytes runs past the end of the %llu-byte "
                  "%s (npy rule: the header fits in the file)",
                  (unsigned long long)n, (unsigned long long)total, t->name ? "member" : "file");
        return 0;
    }
    *hlen = (size_t)n;
    return pre;
}

bool w_npy_header(WReader *r, WTensor *t, const unsigned char *p, uint64_t total,
                  uint64_t *data_off)
{
    size_t hlen, pre = npy_prefix(r, t, p, total, &hlen);
    if (!pre)
        return false;
    NpyLex x = {r, t, (const char *)p + pre, hlen, 0};
    NpyDict d = {{0}, false, 0};
    if (!npy_dict(&x, &d, t))
        return false;
    unsigned item = npy_descr(r, t, d.descr);
    if (!item)
        return false;
    if (d.fortran) {
        npy_error(r, t,
                  "Fortran-order arrays are not supported; save with "
                  "np.ascontiguousarray");
        return false;
    }
    uint64_t n = 1, bytes = 0;
    bool overflow = false;
    for (int i = 0; i < t->rank && !overflow; i++)
        overflow = !w_mul_ok(n, (uint64_t)t->shape[i], &n);
    overflow = overflow || !w_mul_ok(n, item, &bytes);
    *data_off = pre + hlen;
    uint64_t have = total - *data_off;
    if (overflow || bytes != have) {
        npy_error(r, t,
                  "the .npy data is %llu bytes, but shape %s x '%s' needs %s bytes "
                  "(npy rule: data = elements x item size)",
                  (unsigned long long)have, weights_shape_str(&r->cx->arena, t->shape, t->rank),
                  t->dtype_name,
                  overflow ? "more than 2^64"
                           : arena_printf(&r->cx->arena, "%llu", (unsigned long long)bytes));
        return false;
    }
    t->nelem = n;
    return true;
}
