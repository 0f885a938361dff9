// SPDX-License-Identifier: MIT
/* npy.c: the .npy reader and writer behind --run, --calibrate and -o OUT.npy (see
 * npy.h). The header is a Python dict literal; this accepts exactly the three keys
 * NumPy writes, in any order, each once, and nothing else. */
#include "npy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "weights.h"

typedef struct NpyLex {
    HbCx *cx;
    const char *name;
    const char *s, *end;
} NpyLex;

static bool bad(NpyLex *x, const char *fmt, const char *arg)
{
    diag_file_error(x->cx, x->name, fmt, arg);
    return false;
}

static void ws(NpyLex *x)
{
    while (x->s < x->end && (*x->s == ' ' || *x->s == '\t'))
        x->s++;
}

static bool eat(NpyLex *x, char c)
{
    ws(x);
    if (x->s < x->end && *x->s == c) {
        x->s++;
        return true;
    }
    return false;
}

/* A quoted string ('...' or "...") without escapes, into out[cap]. */
static bool str(NpyLex *x, char *out, size_t cap)
{
    ws(x);
    if (x->s >= x->end || (*x->s != '\'' && *x->s != '"'))
        return bad(x, "malformed .npy header: expected a quoted string%s", "");
    char q = *x->s++;
    size_t n = 0;
    while (x->s < x->end && *x->s != q) {
        if (n + 1 >= cap || *x->s == '\\')
            return bad(x, "malformed .npy header: unexpected string%s", "");
        out[n++] = *x->s++;
    }
    if (x->s >= x->end)
        return bad(x, "malformed .npy header: unterminated string%s", "");
    x->s++;
    out[n] = 0;
    return true;
}

static bool shape(NpyLex *x, NpyArray *a)
{
    if (!eat(x, '('))
        return bad(x, "malformed .npy header: 'shape' must be a tuple%s", "");
    a->rank = 0;
    a->n = 1;
    while (!eat(x, ')')) {
        ws(x);
        // Digits by hand, bounded by the header's end: the header is not NUL-terminated,
        // so strtoll could read past it.
        const char *e = x->s;
        long long v = 0;
        while (e < x->end && *e >= '0' && *e <= '9' && v <= (INT64_C(1) << 40))
            v = v * 10 + (*e++ - '0');
        if (e == x->s || v > (INT64_C(1) << 40))
            return bad(x, "malformed .npy header: bad dimension in 'shape'%s", "");
        if (a->rank == NPY_MAX_RANK)
            return bad(x, "the array has more than 8 dimensions%s", "");
        x->s = e;
        a->shape[a->rank++] = v;
        if (v && a->n > (UINT64_C(1) << 40) / (uint64_t)v)
            return bad(x, "the array is too large%s", "");
        a->n *= (uint64_t)v;
        if (!eat(x, ',') && !(ws(x), x->s < x->end && *x->s == ')'))
            return bad(x, "malformed .npy header: expected ',' or ')' in 'shape'%s", "");
    }
    return true;
}

/* '<f4' as is; '<f8' and '<f2' are converted (NpyArray.converted_from); integer and
 * boolean arrays get their own message, since "expected float32" alone does not say
 * that a conversion is needed. */
static bool descr(NpyLex *x, const char *val, NpyArray *a)
{
    static const char *const floats[] = {"<f4", "<f8", "<f2"};
    static const int sizes[] = {4, 8, 2};
    for (int i = 0; i < 3; i++) {
        if (strcmp(val, floats[i]) == 0) {
            a->elem_size = sizes[i];
            return true;
        }
    }
    if (strchr("<>|=", val[0]) && val[1] && strchr("iub", val[1])) {
        Diag *d = diag_file_error(x->cx, x->name,
                                  "the array holds %s (descr '%s'); inputs are floating-point",
                                  val[1] == 'b' ? "booleans" : "integers", val);
        diag_help(x->cx, d, "save it as float32: np.save(PATH, x.astype(np.float32))");
        return false;
    }
    return bad(x,
               "expected little-endian float data (descr '<f4', '<f8' or '<f2'), found descr "
               "'%s'",
               val);
}

static bool entry(NpyLex *x, NpyArray *a, unsigned *seen)
{
    char key[32], val[32];
    if (!str(x, key, sizeof key) || !eat(x, ':'))
        return bad(x, "malformed .npy header: expected 'key': value%s", "");
    if (strcmp(key, "descr") == 0 && !(*seen & 1)) {
        *seen |= 1;
        if (!str(x, val, sizeof val))
            return false;
        return descr(x, val, a);
    }
    if (strcmp(key, "fortran_order") == 0 && !(*seen & 2)) {
        *seen |= 2;
        ws(x);
        if (x->end - x->s >= 5 && memcmp(x->s, "False", 5) == 0) {
            x->s += 5;
            return true;
        }
        return bad(x, "expected C-order data ('fortran_order': False)%s", "");
    }
    if (strcmp(key, "shape") == 0 && !(*seen & 4)) {
        *seen |= 4;
        return shape(x, a);
    }
    return bad(x, "malformed .npy header: unexpected or repeated key '%s'", key);
}

static bool header(NpyLex *x, NpyArray *a)
{
    unsigned seen = 0;
    if (!eat(x, '{'))
        return bad(x, "malformed .npy header: expected '{'%s", "");
    while (!eat(x, '}')) {
        if (!entry(x, a, &seen))
            return false;
        if (!eat(x, ',') && !(ws(x), x->s < x->end && *x->s == '}'))
            return bad(x, "malformed .npy header: expected ',' or '}'%s", "");
    }
    if (seen != 7)
        return bad(x,
                   "malformed .npy header: 'descr', 'fortran_order' and 'shape' are all "
                   "required%s",
                   "");
    while (x->s < x->end && (*x->s == ' ' || *x->s == '\n'))
        x->s++;
    if (x->s != x->end)
        return bad(x, "malformed .npy header: text after the dict%s", "");
    return true;
}

static const char *dtype_name(const NpyArray *a)
{
    return a->elem_size == 8 ? "float64" : a->elem_size == 2 ? "float16" : "float32";
}

static double f64_at(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool npy_parse_f32(HbCx *cx, const char *name, const unsigned char *buf, size_t len, NpyArray *out)
{
    memset(out, 0, sizeof *out);
    NpyLex x = {.cx = cx, .name = name};
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return bad(&x, "not a NumPy .npy file (no \\x93NUMPY magic)%s", "");
    unsigned major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return bad(&x, "unsupported .npy version (expected 1.0, 2.0 or 3.0)%s", "");
    size_t off = major == 1 ? 10 : 12;
    if (len < off)
        return bad(&x, "truncated .npy header%s", "");
    size_t hl = major == 1 ? (size_t)(buf[8] | buf[9] << 8) : le32(buf + 8);
    if (hl > len - off)
        return bad(&x, "truncated .npy header%s", "");
    x.s = (const char *)buf + off;
    x.end = x.s + hl;
    if (!header(&x, out))
        return false;
    size_t data = off + hl;
    uint64_t es = (uint64_t)out->elem_size;
    if ((uint64_t)(len - data) != out->n * es) {
        diag_file_error(cx, name, "the data block has %zu bytes; shape needs %llu (%s)", len - data,
                        (unsigned long long)(out->n * es), dtype_name(out));
        return false;
    }
    out->data = arena_calloc(&cx->arena, out->n ? out->n : 1, sizeof(float));
    WDtype dt = es == 8 ? WD_F64 : es == 2 ? WD_F16 : WD_F32;
    uint64_t badi = weights_convert_f32(dt, buf + data, out->n, out->data);
    if (badi < out->n) {
        double v = es == 8 ? f64_at(buf + data + 8 * badi) : (double)out->data[badi];
        diag_file_error(cx, name, "element %llu is %s (inputs must be finite%s)",
                        (unsigned long long)badi,
                        isnan(v)   ? "NaN"
                        : isinf(v) ? "infinite"
                                   : "beyond the float32 range",
                        es == 8 ? " and fit in float32" : "");
        return false;
    }
    if (es != 4) // once per file: the interpreter computes in float32
        diag_file_info(cx, name, "%s input converted to float32%s", dtype_name(out),
                       es == 8 ? " (rounded to nearest)" : " (exactly)");
    return true;
}

bool npy_read_f32(HbCx *cx, const char *path, NpyArray *out, bool *io_error)
{
    if (io_error)
        *io_error = false;
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    while (fp) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (!fp || ferror(fp) || !buf) {
        int err = errno;
        if (fp)
            fclose(fp);
        free(buf);
        diag_file_error(cx, path, "cannot read: %s", strerror(err ? err : EIO));
        if (io_error)
            *io_error = true;
        return false;
    }
    fclose(fp);
    bool ok = npy_parse_f32(cx, path, buf, len, out);
    free(buf);
    return ok;
}

bool npy_write_f32(HbCx *cx, const char *path, const float *data, int rank, const int64_t *shape)
{
    char hdr[256];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    uint64_t count = 1;
    for (int i = 0; i < rank; i++) {
        n += snprintf(hdr + n, sizeof hdr - n, "%lld,%s", (long long)shape[i],
                      i + 1 < rank ? " " : "");
        count *= (uint64_t)shape[i];
    }
    n += snprintf(hdr + n, sizeof hdr - n, "), }");
    while ((10 + n + 1) % 64)
        hdr[n++] = ' ';
    hdr[n++] = '\n';
    HbOut out;
    if (!hb_out_begin(cx, &out, path, false))
        return false;
    unsigned char pre[10] = {
            0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 255), (unsigned char)(n >> 8)};
    bool ok = fwrite(pre, 1, 10, out.f) == 10 && fwrite(hdr, 1, (size_t)n, out.f) == (size_t)n;
    for (uint64_t j = 0; ok && j < count; j++) {
        uint32_t u;
        memcpy(&u, &data[j], 4);
        unsigned char b[4] = {u & 255, (u >> 8) & 255, (u >> 16) & 255, u >> 24};
        ok = fwrite(b, 1, 4, out.f) == 4;
    }
    // A failed fwrite leaves the stream's error flag set: hb_out_end reports it.
    return hb_out_end(cx, &out, true) && ok;
}
