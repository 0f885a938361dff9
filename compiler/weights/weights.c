// SPDX-License-Identifier: MIT
/* weights.c: the weights-file entry points (see weights.h). Maps the file, picks the
 * reader by content, builds the by-name index, and holds what both readers share:
 * error reporting, safe quoting of names, UTF-8 validation and the conversion of
 * F32/F16/BF16/F64 data to float32 fused with the NaN/Inf scan. */
#include "weights.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "magic.h"
#include "weights_internal.h"

/* ---- errors and names ---- */

Diag *w_error(WReader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = arena_vprintf(&r->cx->arena, fmt, ap);
    va_end(ap);
    r->nerr++;
    return diag_file_error(r->cx, r->name, "%s", msg);
}

Diag *w_terror(WReader *r, const char *tname, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = arena_vprintf(&r->cx->arena, fmt, ap);
    va_end(ap);
    r->nerr++;
    if (!tname) // a standalone .npy file (--run, --calibrate): no tensor name to show
        return diag_file_error(r->cx, r->name, "%s", msg);
    return diag_file_error(r->cx, r->name, "tensor '%s': %s",
                           w_quote(r, tname, strlen(tname), false), msg);
}

#define QUOTE_MAX 200

static const char *escape(WReader *r, const char *s, size_t n, bool ascii, bool quotes)
{
    size_t cut = n > QUOTE_MAX ? QUOTE_MAX : n;
    // Do not split a UTF-8 sequence when cutting.
    while (cut < n && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    char *out = arena_alloc(&r->cx->arena, cut * 4 + 4);
    char *o = out;
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (quotes && (c == '\'' || c == '\\')) || (ascii && c >= 0x80))
            o += sprintf(o, "\\x%02x", c);
        else
            *o++ = (char)c;
    }
    if (cut < n) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = 0;
    return out;
}

const char *w_quote(WReader *r, const char *s, size_t n, bool ascii)
{
    return escape(r, s, n, ascii, true);
}

const char *w_printable(WReader *r, const char *s, size_t n, bool ascii)
{
    return escape(r, s, n, ascii, false);
}

/* Length of the UTF-8 sequence starting at s[0..n), or 0 if it is malformed. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; // no overlongs
        hi = c == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

bool w_utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0) {
            *bad = i;
            return false;
        }
        i += k;
    }
    return true;
}

const char *weights_shape_str(Arena *a, const int64_t *shape, int rank)
{
    char buf[W_MAX_RANK * 24 + 4];
    size_t k = 0;
    buf[k++] = '[';
    for (int i = 0; i < rank; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%lld", i ? ", " : "",
                              (long long)shape[i]);
    buf[k++] = ']';
    buf[k] = 0;
    return arena_strdup(a, buf);
}

const char *weights_format_name(WFormat f)
{
    return f == WF_NPZ ? "npz" : "safetensors";
}

/* ---- conversion to float32 with the NaN/Inf scan ---- */

/* Each converter writes out[0..n) and returns the index of the first element that is
 * not finite (or, for F64, beyond the float32 range), n if none. The inner loops only
 * OR a flag so they stay branch-free; a block with a bad element is rescanned. */
#define CONV_BLOCK 4096

static uint64_t conv_f32(float *out, const unsigned char *raw, uint64_t n)
{
    for (uint64_t base = 0; base < n; base += CONV_BLOCK) {
        uint64_t m = n - base < CONV_BLOCK ? n - base : CONV_BLOCK;
        const unsigned char *p = raw + base * 4;
        unsigned bad = 0;
        for (uint64_t i = 0; i < m; i++) {
            uint32_t u = w_le32(p + 4 * i);
            bad |= (u & 0x7f800000u) == 0x7f800000u;
            memcpy(out + base + i, &u, 4);
        }
        for (uint64_t i = 0; bad && i < m; i++)
            if ((w_le32(p + 4 * i) & 0x7f800000u) == 0x7f800000u)
                return base + i;
    }
    return n;
}

/* IEEE binary16 -> binary32 bits, exactly (every half is a float). */
static uint32_t f16_bits_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0x1f)
        return sign | 0x7f800000u | man << 13;
    if (exp != 0)
        return sign | (exp + 112) << 23 | man << 13; // rebias 15 -> 127
    // Zero or subnormal: man * 2^-24 is exact in float arithmetic.
    float v = (float)man * 0x1p-24f;
    uint32_t u;
    memcpy(&u, &v, 4);
    return sign | u;
}

static uint64_t conv_f16(float *out, const unsigned char *raw, uint64_t n)
{
    for (uint64_t base = 0; base < n; base += CONV_BLOCK) {
        uint64_t m = n - base < CONV_BLOCK ? n - base : CONV_BLOCK;
        const unsigned char *p = raw + base * 2;
        unsigned bad = 0;
        for (uint64_t i = 0; i < m; i++) {
            uint16_t h = w_le16(p + 2 * i);
            bad |= (h & 0x7c00u) == 0x7c00u;
            uint32_t u = f16_bits_to_f32(h);
            memcpy(out + base + i, &u, 4);
        }
        for (uint64_t i = 0; bad && i < m; i++)
            if ((w_le16(p + 2 * i) & 0x7c00u) == 0x7c00u)
                return base + i;
    }
    return n;
}

static uint64_t conv_bf16(float *out, const unsigned char *raw, uint64_t n)
{
    for (uint64_t base = 0; base < n; base += CONV_BLOCK) {
        uint64_t m = n - base < CONV_BLOCK ? n - base : CONV_BLOCK;
        const unsigned char *p = raw + base * 2;
        unsigned bad = 0;
        for (uint64_t i = 0; i < m; i++) {
            uint32_t u = (uint32_t)w_le16(p + 2 * i) << 16; // bf16 is the top half of a float
            bad |= (u & 0x7f800000u) == 0x7f800000u;
            memcpy(out + base + i, &u, 4);
        }
        for (uint64_t i = 0; bad && i < m; i++)
            if ((w_le16(p + 2 * i) & 0x7f80u) == 0x7f80u)
                return base + i;
    }
    return n;
}

static double f64_at(const unsigned char *raw, uint64_t i)
{
    uint64_t u = w_le64(raw + 8 * i);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* Rejects NaN and Inf (the comparison is false for NaN) and anything beyond
 * +-FLT_MAX, so the narrowing below is always in range. */
static uint64_t conv_f64(float *out, const unsigned char *raw, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        double d = f64_at(raw, i);
        if (!(d >= -FLT_MAX && d <= FLT_MAX))
            return i;
        out[i] = (float)d;
    }
    return n;
}

/* The value of element i as a double, for the error message. */
static double value_at(WDtype dt, const unsigned char *raw, uint64_t i)
{
    uint32_t u;
    float f;
    switch (dt) {
    case WD_F64:
        return f64_at(raw, i);
    case WD_F16:
        u = f16_bits_to_f32(w_le16(raw + 2 * i));
        break;
    case WD_BF16:
        u = (uint32_t)w_le16(raw + 2 * i) << 16;
        break;
    default:
        u = w_le32(raw + 4 * i);
        break;
    }
    memcpy(&f, &u, 4);
    return f;
}

static const char *index_str(WReader *r, const WTensor *t, uint64_t flat)
{
    int64_t idx[W_MAX_RANK];
    for (int d = t->rank - 1; d >= 0; d--) {
        uint64_t dim = (uint64_t)t->shape[d];
        idx[d] = (int64_t)(flat % dim);
        flat /= dim;
    }
    return weights_shape_str(&r->cx->arena, idx, t->rank);
}

static void report_bad_value(WReader *r, const WTensor *t, const unsigned char *raw, uint64_t i)
{
    double v = value_at(t->dtype, raw, i);
    const char *where = t->rank == 0 ? arena_strdup(&r->cx->arena, "the scalar")
                                     : arena_printf(&r->cx->arena, "element %llu (index %s)",
                                                    (unsigned long long)i, index_str(r, t, i));
    if (v != v || v > DBL_MAX || v < -DBL_MAX)
        w_terror(r, t->name, "%s is %s (hbnnc rule: weights must be finite)", where,
                 v != v  ? "NaN"
                 : v > 0 ? "+Inf"
                         : "-Inf");
    else
        w_terror(r, t->name,
                 "%s is %g, beyond the float32 range +-%g (hbnnc rule: F64 weights must fit "
                 "in float32)",
                 where, v, (double)FLT_MAX);
}

uint64_t weights_convert_f32(WDtype dt, const unsigned char *raw, uint64_t n, float *out)
{
    switch (dt) {
    case WD_F16:
        return conv_f16(out, raw, n);
    case WD_BF16:
        return conv_bf16(out, raw, n);
    case WD_F64:
        return conv_f64(out, raw, n);
    default:
        return conv_f32(out, raw, n);
    }
}

bool w_convert(WReader *r, WTensor *t, const unsigned char *raw)
{
    uint64_t (*conv)(float *, const unsigned char *, uint64_t);
    switch (t->dtype) {
    case WD_F32:
        conv = conv_f32;
        break;
    case WD_F16:
        conv = conv_f16;
        break;
    case WD_BF16:
        conv = conv_bf16;
        break;
    case WD_F64:
        conv = conv_f64;
        break;
    default:
        return true; // no data kept for other dtypes
    }
    // nelem * (element size) was checked against the file, so this cannot overflow.
    float *out = arena_calloc(&r->cx->arena, t->nelem ? t->nelem : 1, sizeof(float));
    uint64_t bad = conv(out, raw, t->nelem);
    if (bad < t->nelem) {
        report_bad_value(r, t, raw, bad);
        return false;
    }
    t->data = out;
    return true;
}

/* ---- opening ---- */

static int cmp_by_name(const void *a, const void *b)
{
    const WTensor *x = *(WTensor *const *)a, *y = *(WTensor *const *)b;
    return strcmp(x->name, y->name);
}

static void build_index(HbCx *cx, WFile *f)
{
    f->by_name = arena_calloc(&cx->arena, f->n ? f->n : 1, sizeof *f->by_name);
    for (uint32_t i = 0; i < f->n; i++)
        f->by_name[i] = &f->tensors[i];
    qsort(f->by_name, f->n, sizeof *f->by_name, cmp_by_name);
}

WTensor *weights_find(const WFile *f, const char *name)
{
    uint32_t lo = 0, hi = f->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, f->by_name[mid]->name);
        if (c == 0)
            return f->by_name[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ZIP archives start with a local header (or, when empty, the end record). A
 * safetensors file starting with those bytes would declare a header of more than
 * 64 MiB, over our cap, so the two formats cannot overlap and no sniffing is needed. */
static bool is_zip(const unsigned char *b, size_t n)
{
    return n >= 4 && b[0] == 'P' && b[1] == 'K' &&
           ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6));
}

static bool is_npy(const unsigned char *b, size_t n)
{
    return n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0;
}

WFile *weights_open_mem(HbCx *cx, const char *display_name, const unsigned char *buf, size_t len)
{
    WFile *f = arena_alloc(&cx->arena, sizeof *f);
    f->display_name = arena_strdup(&cx->arena, display_name);
    WReader r = {.cx = cx, .name = f->display_name, .buf = buf, .len = len, .file = f};
    bool ok;
    const char *kind;
    MagicKind mk = magic_detect(buf, len, &kind);
    if (len == 0) {
        w_error(&r, "file is empty (0 bytes), expected a safetensors or .npz weights file");
        ok = false;
    } else if (mk == MAGIC_TORCH_PICKLE || mk == MAGIC_TORCH_ZIP) {
        Diag *d = w_error(&r,
                          "this is %s; hbnnc does not read pickles (loading one runs "
                          "code from the file)",
                          kind);
        diag_help(cx, d, "%s", magic_torch_help);
        ok = false;
    } else if (mk == MAGIC_OTHER) {
        Diag *d = w_error(&r, "this is %s, not a weights file", kind);
        diag_help(cx, d, "hbnnc reads safetensors and .npz (NumPy) weights files");
        ok = false;
    } else if (is_npy(buf, len)) {
        w_error(&r, "this is a single .npy array, not a weights file: hbnnc reads safetensors "
                    "or .npz (save with np.savez(path, name=array, ...))");
        ok = false;
    } else if (is_zip(buf, len)) {
        f->format = WF_NPZ;
        ok = w_read_npz(&r);
    } else {
        f->format = WF_SAFETENSORS;
        ok = w_read_safetensors(&r);
    }
    if (!ok || r.nerr > 0)
        return NULL;
    build_index(cx, f);
    return f;
}

static WFile *open_error(HbCx *cx, const char *path, WStatus *status, const char *what,
                         const char *why)
{
    diag_file_error(cx, path, "%s: %s", what, why);
    if (status)
        *status = W_IO_ERROR;
    return NULL;
}

WFile *weights_open_status(HbCx *cx, const char *path, WStatus *status)
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is rejected below).
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return open_error(cx, path, status, "cannot open", strerror(errno));
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = strerror(EISDIR);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if ((off_t)(size_t)st.st_size != st.st_size)
        why = strerror(EFBIG); // cannot be mapped on this host
    if (why) {
        close(fd);
        return open_error(cx, path, status, "cannot read", why);
    }
    size_t len = (size_t)st.st_size;
    void *map = NULL; // an empty file is not mapped (mmap of 0 bytes fails)
    if (len > 0) {
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            why = strerror(errno);
            close(fd);
            return open_error(cx, path, status, "cannot map", why);
        }
        posix_madvise(map, len, POSIX_MADV_SEQUENTIAL); // only a hint: failure is harmless
    }
    close(fd);
    WFile *f = weights_open_mem(cx, path, map, len);
    if (map)
        munmap(map, len);
    if (f)
        f->path = arena_strdup(&cx->arena, path);
    if (status)
        *status = f ? W_LOADED : W_INVALID;
    return f;
}

WFile *weights_open(HbCx *cx, const char *path)
{
    return weights_open_status(cx, path, NULL);
}
