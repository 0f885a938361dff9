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

static bool entry(NpyLex *x, NpyArray *a, unsigned *seen)
{
    char key[32], val[32];
    if (!str(x, key, sizeof key) || !eat(x, ':'))
        return bad(x, "malformed .npy header: expected 'key': value%s", "");
    if (strcmp(key, "descr") == 0 && !(*seen & 1)) {
        *seen |= 1;
        if (!str(x, val, sizeof val))
            return false;
        if (strcmp(val, "<f4") != 0)
            return bad(x, "expected float32 data (descr '<f4'), found descr '%s'", val);
        return true;
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
    if ((uint64_t)(len - data) != out->n * 4) {
        diag_file_error(cx, name, "the data block has %zu bytes; shape needs %llu (float32)",
                        len - data, (unsigned long long)out->n * 4);
        return false;
    }
    out->data = arena_calloc(&cx->arena, out->n ? out->n : 1, sizeof(float));
    for (uint64_t j = 0; j < out->n; j++) {
        uint32_t u = le32(buf + data + 4 * j);
        memcpy(&out->data[j], &u, 4);
        if (!isfinite(out->data[j])) {
            diag_file_error(cx, name, "element %llu is %s (inputs must be finite)",
                            (unsigned long long)j, isnan(out->data[j]) ? "NaN" : "infinite");
            return false;
        }
    }
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
