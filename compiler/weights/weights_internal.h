// SPDX-License-Identifier: MIT
/* weights_internal.h: what the two weight-file readers share with weights.c: the
 * per-call reader state, error reporting, little-endian loads from the mapped bytes,
 * name quoting for messages and the float conversion with its NaN/Inf scan.
 * Only weights*.c include this. */
#ifndef HB_WEIGHTS_INTERNAL_H
#define HB_WEIGHTS_INTERNAL_H

#include <stdarg.h>

#include "weights.h"

/* One weights_open call. The bytes are borrowed (the mapping is gone afterwards),
 * so everything kept is copied into the arena. */
typedef struct WReader {
    HbCx *cx;
    const char *name; // diagnostics name for the file
    const unsigned char *buf;
    size_t len;
    WFile *file;
    int nerr; // errors this reader reported
} WReader;

/* Whether this reader reported as many errors as are shown: loops over tensors stop
 * there, so a header with a million bad entries costs no more than one with twenty. */
static inline bool w_capped(const WReader *r)
{
    return r->nerr >= DIAG_MAX_ERRORS;
}

/* Report a file-level error ("hbnnc: FILE: error: msg"); returns it for help lines. */
Diag *w_error(WReader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report an error about one tensor: "tensor 'NAME': msg" (the name is quoted). */
Diag *w_terror(WReader *r, const char *tname, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A printable copy of `n` bytes of `s` for a '...'-quoted name in a message: control
 * bytes, quotes and backslashes escaped as \xNN (and bytes >= 0x80 too if `ascii`),
 * cut at 200 bytes with "..." so a hostile name cannot flood or colour the terminal. */
const char *w_quote(WReader *r, const char *s, size_t n, bool ascii);
/* The same for unquoted text (a parser's message, a header excerpt): quotes and
 * backslashes are kept. */
const char *w_printable(WReader *r, const char *s, size_t n, bool ascii);
/* Is s[0..n) well-formed UTF-8 (no overlongs, surrogates or code points above
 * U+10FFFF)? If not, *bad is the offset of the first offending byte. */
bool w_utf8_valid(const unsigned char *s, size_t n, size_t *bad);

/* Convert t->nelem little-endian elements of t->dtype at `raw` into a new float32
 * array (t->data), stopping at the first NaN, Inf or (F64) out-of-range value, which
 * is reported with its flat and multi-index. Does nothing for WD_I64/WD_OTHER. */
bool w_convert(WReader *r, WTensor *t, const unsigned char *raw);

/* Overflow-checked a * b. */
static inline bool w_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a)
        return false;
    *out = a * b;
    return true;
}

/* Explicit little-endian loads: portable on big-endian hosts, never a cast into the
 * mapping (it may be unaligned). Compilers turn them into one load on x86. */
static inline uint16_t w_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t w_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t w_le64(const unsigned char *p)
{
    return (uint64_t)w_le32(p) | (uint64_t)w_le32(p + 4) << 32;
}

#define NPY_HEADER_CAP 10000 // NumPy's own limit (literal_eval is unsafe on more)
#define NPY_PREFIX_MAX (12 + NPY_HEADER_CAP)

/* The .npy header (npy_header.c) of a `total`-byte file or member whose first
 * min(total, NPY_PREFIX_MAX) bytes are at p: fills t's dtype, dtype_name, rank, shape
 * and nelem, checks that the data is exactly nelem x item size bytes, and sets
 * *data_off to where it starts. Errors name t (t->name NULL: the file). */
bool w_npy_header(WReader *r, WTensor *t, const unsigned char *p, uint64_t total,
                  uint64_t *data_off);

/* The readers: fill r->file->tensors / n, or report and return false. */
bool w_read_safetensors(WReader *r);
bool w_read_npz(WReader *r);

#endif
