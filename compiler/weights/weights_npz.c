// SPDX-License-Identifier: MIT
/* weights_npz.c: the NumPy .npz reader: a strict ZIP reader (end records, Zip64, stored
 * and deflate members, CRC-32) and a defensive .npy header parser; NAME.npy becomes
 * tensor NAME. A member is inflated only to the size its own .npy header implies, so
 * a zip bomb is refused before memory is spent on it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"
#include "weights_internal.h"

#define ZLIB_CONST
#include <zlib.h>

#define SIG_LOCAL     0x04034b50u
#define SIG_CENTRAL   0x02014b50u
#define SIG_END       0x06054b50u
#define SIG_END64     0x06064b50u
#define SIG_END64_LOC 0x07064b50u

#define END_LEN     22 // end of central directory record without its comment
#define END64_LEN   56 // Zip64 end record without its extensible data
#define LOC64_LEN   20 // Zip64 end record locator
#define CENTRAL_LEN 46 // central directory header without name/extra/comment
#define LOCAL_LEN   30 // local header without name/extra

/* Deflate cannot expand data more than about 1032:1 (a 258-byte match per 2 bits);
 * a member that claims more is lying about its size. */
#define DEFLATE_MAX_RATIO 1032

typedef struct ZipDir {
    uint64_t count;          // members
    uint64_t cd_off, cd_len; // the central directory
    uint64_t end_off;        // where the (Zip64) end record starts
} ZipDir;

typedef struct ZipMember {
    const char *zname; // member name as stored, quoted for messages
    uint16_t flags, method;
    uint32_t crc;
    uint64_t csize, usize, local_off;
    uint64_t data_off, data_end; // compressed bytes, found from the local header
} ZipMember;

static Diag *m_error(WReader *r, const ZipMember *m, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static Diag *m_error(WReader *r, const ZipMember *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = arena_vprintf(&r->cx->arena, fmt, ap);
    va_end(ap);
    return w_error(r, "member '%s': %s", m->zname, msg);
}

/* ---- the end records ---- */

/* The end record is the last signature whose comment length reaches exactly to the
 * end of the file (the comment is at most 65535 bytes). */
static bool zip_find_end(WReader *r, uint64_t *pos)
{
    if (r->len >= END_LEN) {
        size_t lowest = r->len - END_LEN > 65535 ? r->len - END_LEN - 65535 : 0;
        for (size_t p = r->len - END_LEN + 1; p-- > lowest;) {
            if (w_le32(r->buf + p) == SIG_END && p + END_LEN + w_le16(r->buf + p + 20) == r->len) {
                *pos = p;
                return true;
            }
        }
    }
    w_error(r,
            "ZIP archive is truncated or damaged: no end-of-central-directory record in the "
            "last %zu bytes (zip rule: an archive ends with an end record)",
            r->len < END_LEN + 65535 ? r->len : (size_t)END_LEN + 65535);
    return false;
}

/* A classic field must agree with its Zip64 counterpart unless it is the "see Zip64"
 * sentinel: two readers must not find two different directories. */
static bool z64_agrees(uint64_t classic, uint64_t sentinel, uint64_t wide)
{
    return classic == sentinel || classic == wide;
}

static bool zip_read_end64(WReader *r, uint64_t end, ZipDir *d)
{
    const unsigned char *loc = r->buf + end - LOC64_LEN;
    uint64_t off = w_le64(loc + 8);
    uint32_t disks = w_le32(loc + 16);
    if (w_le32(loc + 4) != 0 || disks > 1) {
        w_error(r, "multi-disk (spanned) ZIP archives are not supported (zip rule: one disk)");
        return false;
    }
    uint64_t loc_at = end - LOC64_LEN;
    if (off > loc_at || loc_at - off < END64_LEN || w_le32(r->buf + off) != SIG_END64 ||
        w_le64(r->buf + off + 4) != loc_at - off - 12) {
        w_error(r,
                "the Zip64 end record at offset %llu is missing or does not end at the "
                "locator (offset %llu) (zip rule: Zip64 end record, locator and end record "
                "are adjacent)",
                (unsigned long long)off, (unsigned long long)loc_at);
        return false;
    }
    const unsigned char *e = r->buf + off, *c = r->buf + end;
    if (w_le32(e + 16) != 0 || w_le32(e + 20) != 0 || w_le64(e + 24) != w_le64(e + 32)) {
        w_error(r, "multi-disk (spanned) ZIP archives are not supported (zip rule: one disk)");
        return false;
    }
    d->count = w_le64(e + 32);
    d->cd_len = w_le64(e + 40);
    d->cd_off = w_le64(e + 48);
    d->end_off = off;
    if (!z64_agrees(w_le16(c + 10), 0xFFFF, d->count) ||
        !z64_agrees(w_le32(c + 12), 0xFFFFFFFF, d->cd_len) ||
        !z64_agrees(w_le32(c + 16), 0xFFFFFFFF, d->cd_off)) {
        w_error(r, "the end record and the Zip64 end record disagree about the central directory "
                   "(zip rule: one central directory)");
        return false;
    }
    return true;
}

static bool zip_read_end(WReader *r, ZipDir *d)
{
    uint64_t end;
    if (!zip_find_end(r, &end))
        return false;
    const unsigned char *e = r->buf + end;
    if (w_le16(e + 4) != 0 || w_le16(e + 6) != 0 || w_le16(e + 8) != w_le16(e + 10)) {
        w_error(r, "multi-disk (spanned) ZIP archives are not supported (zip rule: one disk)");
        return false;
    }
    if (end >= LOC64_LEN && w_le32(r->buf + end - LOC64_LEN) == SIG_END64_LOC) {
        if (!zip_read_end64(r, end, d))
            return false;
    } else {
        d->count = w_le16(e + 10);
        d->cd_len = w_le32(e + 12);
        d->cd_off = w_le32(e + 16);
        d->end_off = end;
    }
    // The directory ends exactly where the end record starts: nothing hides between.
    if (d->cd_off > d->end_off || d->end_off - d->cd_off != d->cd_len) {
        w_error(r,
                "the central directory [%llu, %llu + %llu) does not end where the end record "
                "starts (offset %llu) (zip rule: the central directory precedes the end "
                "record)",
                (unsigned long long)d->cd_off, (unsigned long long)d->cd_off,
                (unsigned long long)d->cd_len, (unsigned long long)d->end_off);
        return false;
    }
    if (d->count > d->cd_len / CENTRAL_LEN || d->count > UINT32_MAX) {
        w_error(r,
                "the end record claims %llu members, but a %llu-byte central directory holds "
                "at most %llu (zip rule: member count matches the directory)",
                (unsigned long long)d->count, (unsigned long long)d->cd_len,
                (unsigned long long)(d->cd_len / CENTRAL_LEN));
        return false;
    }
    return true;
}

/* ---- the central directory ---- */

/* The Zip64 extended-information extra field (id 1) holds, in this order, the wide
 * values of exactly those fields that are set to the sentinel. */
static bool zip64_extra(WReader *r, const ZipMember *m, const unsigned char *x, size_t xlen,
                        uint64_t *usize, uint64_t *csize, uint64_t *off)
{
    uint64_t *want[3] = {usize, csize, off};
    size_t k = 0;
    while (k + 4 <= xlen) {
        uint16_t id = w_le16(x + k), sz = w_le16(x + k + 2);
        if (sz > xlen - k - 4)
            break;
        if (id == 1) {
            size_t at = k + 4;
            for (int i = 0; i < 3; i++) {
                if (!want[i] || *want[i] != 0xFFFFFFFFu)
                    continue;
                if (at + 8 > k + 4 + sz) {
                    m_error(r, m,
                            "the Zip64 extra field is too short for its sizes (zip rule: "
                            "Zip64 extra field)");
                    return false;
                }
                *want[i] = w_le64(x + at);
                at += 8;
            }
            return true;
        }
        k += 4 + (size_t)sz;
    }
    if (k != xlen) {
        m_error(r, m, "malformed extra field (zip rule: extra fields are id, size, data)");
        return false;
    }
    for (int i = 0; i < 3; i++) {
        if (want[i] && *want[i] == 0xFFFFFFFFu) {
            m_error(r, m,
                    "a size or offset is 0xFFFFFFFF but there is no Zip64 extra field "
                    "(zip rule: Zip64 extra field)");
            return false;
        }
    }
    return true;
}

static const char *method_name(unsigned m)
{
    switch (m) {
    case 12:
        return " (bzip2)";
    case 14:
        return " (LZMA)";
    case 93:
        return " (Zstandard)";
    case 95:
        return " (XZ)";
    case 99:
        return " (AES encrypted)";
    default:
        return "";
    }
}

/* Member name NAME.npy: valid UTF-8, no NUL, the suffix present. The tensor name is
 * the name without ".npy" (np.savez's convention). */
static bool zip_member_name(WReader *r, ZipMember *m, const unsigned char *s, size_t n, WTensor *t)
{
    size_t bad;
    bool utf8 = w_utf8_valid(s, n, &bad) && !memchr(s, 0, n);
    m->zname = w_quote(r, (const char *)s, n, !utf8);
    if (!utf8) {
        m_error(r, m, "member name is not valid UTF-8 (hbnnc rule: names are UTF-8)");
        return false;
    }
    if (n < 4 || memcmp(s + n - 4, ".npy", 4) != 0) {
        Diag *d = m_error(r, m, "not a .npy array (npz rule: members are NAME.npy)");
        if (n >= 8 && memcmp(s + n - 8, "data.pkl", 8) == 0)
            diag_help(r->cx, d,
                      "this looks like a PyTorch checkpoint (torch.save); export the "
                      "state_dict with safetensors.torch.save_file");
        return false;
    }
    t->name = arena_strndup(&r->cx->arena, (const char *)s, n - 4);
    return true;
}

static bool zip_member_kind(WReader *r, const ZipMember *m)
{
    if (m->flags & 0x2041u) { // encrypted, strong encryption, encrypted directory
        m_error(r, m, "the member is encrypted; hbnnc reads only unencrypted archives");
        return false;
    }
    if (m->method != 0 && m->method != 8) {
        m_error(r, m,
                "compression method %u%s is not supported; use stored (0, np.savez) or deflate "
                "(8, np.savez_compressed)",
                m->method, method_name(m->method));
        return false;
    }
    return true;
}

/* One central directory header at *pos; advances *pos past it. */
static bool zip_central(WReader *r, const ZipDir *d, uint64_t *pos, ZipMember *m, WTensor *t)
{
    const unsigned char *c = r->buf + *pos;
    uint64_t room = d->end_off - *pos;
    if (room < CENTRAL_LEN || w_le32(c) != SIG_CENTRAL) {
        w_error(r,
                "central directory entry at offset %llu is damaged (zip rule: central "
                "directory headers)",
                (unsigned long long)*pos);
        return false;
    }
    size_t nl = w_le16(c + 28), xl = w_le16(c + 30), cl = w_le16(c + 32);
    if (CENTRAL_LEN + nl + xl + cl > room) {
        w_error(r,
                "central directory entry at offset %llu runs past the directory (zip rule: "
                "central directory headers)",
                (unsigned long long)*pos);
        return false;
    }
    *pos += CENTRAL_LEN + nl + xl + cl;
    m->flags = w_le16(c + 8);
    m->method = w_le16(c + 10);
    m->crc = w_le32(c + 16);
    m->csize = w_le32(c + 20);
    m->usize = w_le32(c + 24);
    m->local_off = w_le32(c + 42);
    if (!zip_member_name(r, m, c + CENTRAL_LEN, nl, t) || !zip_member_kind(r, m))
        return false;
    if (w_le16(c + 34) != 0) {
        m_error(r, m, "the member starts on another disk (zip rule: one disk)");
        return false;
    }
    return zip64_extra(r, m, c + CENTRAL_LEN + nl, xl, &m->usize, &m->csize, &m->local_off);
}

/* The local header must repeat the central directory: same name and method, and
 * unless sizes come after the data (flag bit 3), the same CRC and sizes. */
static bool zip_local(WReader *r, const ZipDir *d, ZipMember *m, const unsigned char *cname,
                      size_t nl)
{
    uint64_t at = m->local_off;
    if (at > d->cd_off || d->cd_off - at < LOCAL_LEN || w_le32(r->buf + at) != SIG_LOCAL) {
        m_error(r, m,
                "no local header at offset %llu (zip rule: the directory points at local "
                "headers)",
                (unsigned long long)at);
        return false;
    }
    const unsigned char *l = r->buf + at;
    size_t lnl = w_le16(l + 26), lxl = w_le16(l + 28);
    if (LOCAL_LEN + lnl + lxl > d->cd_off - at) {
        m_error(r, m, "the local header runs into the central directory (zip rule: local headers)");
        return false;
    }
    if (lnl != nl || memcmp(l + LOCAL_LEN, cname, nl) != 0 || w_le16(l + 8) != m->method) {
        m_error(r, m,
                "the local header's name or method differs from the central directory "
                "(zip rule: local and central headers agree)");
        return false;
    }
    m->data_off = at + LOCAL_LEN + lnl + lxl;
    if (m->csize > d->cd_off - m->data_off) {
        m_error(r, m,
                "%llu compressed bytes at offset %llu run into the central directory at "
                "%llu (zip rule: member data lies before the directory)",
                (unsigned long long)m->csize, (unsigned long long)m->data_off,
                (unsigned long long)d->cd_off);
        return false;
    }
    m->data_end = m->data_off + m->csize;
    if (m->flags & 8)
        return true;
    uint64_t us = w_le32(l + 22), cs = w_le32(l + 18);
    if (!zip64_extra(r, m, l + LOCAL_LEN + lnl, lxl, &us, &cs, NULL))
        return false;
    if (w_le32(l + 14) != m->crc || us != m->usize || cs != m->csize) {
        m_error(r, m,
                "the local header's CRC or sizes differ from the central directory (zip "
                "rule: local and central headers agree)");
        return false;
    }
    return true;
}

static int cmp_member_off(const void *a, const void *b)
{
    const ZipMember *x = *(ZipMember *const *)a, *y = *(ZipMember *const *)b;
    return x->local_off < y->local_off ? -1 : x->local_off > y->local_off;
}

/* Bytes after a member's data up to `next`: nothing, or (flag bit 3) a data
 * descriptor repeating the CRC and sizes, with or without its signature, with 32- or
 * 64-bit sizes. */
static bool zip_after_data(WReader *r, const ZipMember *m, uint64_t next)
{
    if (next < m->data_end) {
        m_error(r, m,
                "its data [%llu, %llu) overlaps the next member or the central directory "
                "at %llu (zip rule: members do not overlap)",
                (unsigned long long)m->data_off, (unsigned long long)m->data_end,
                (unsigned long long)next);
        return false;
    }
    uint64_t gap = next - m->data_end;
    const unsigned char *p = r->buf + m->data_end;
    if (gap >= 4 && (m->flags & 8) && w_le32(p) == 0x08074b50u) {
        p += 4;
        gap -= 4;
    }
    if (gap == 0 && !(m->flags & 8))
        return true;
    if ((m->flags & 8) && (gap == 12 || gap == 20) && w_le32(p) == m->crc &&
        (gap == 12 ? w_le32(p + 4) == m->csize && w_le32(p + 8) == m->usize
                   : w_le64(p + 4) == m->csize && w_le64(p + 12) == m->usize))
        return true;
    m_error(r, m,
            "%llu bytes after its data belong to no member%s (zip rule: the archive "
            "holds nothing but its members and directory)",
            (unsigned long long)(next - m->data_end),
            m->flags & 8 ? " and are not a matching data descriptor" : "");
    return false;
}

/* Sorted by offset, the members start at 0, never overlap (overlapping members are
 * the classic zip-bomb construction) and leave no unclaimed bytes up to the central
 * directory, like safetensors' coverage rule: no room for a polyglot payload. */
static bool zip_layout(WReader *r, const ZipDir *d, ZipMember *ms, uint32_t n)
{
    ZipMember **by = arena_calloc(&r->cx->arena, n ? n : 1, sizeof *by);
    for (uint32_t i = 0; i < n; i++)
        by[i] = &ms[i];
    qsort(by, n, sizeof *by, cmp_member_off);
    uint64_t first = n ? by[0]->local_off : d->cd_off;
    if (first != 0) {
        w_error(r,
                "bytes [0, %llu) before the first member belong to no member (zip rule: the "
                "archive starts with its first member)",
                (unsigned long long)first);
        return false;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!zip_after_data(r, by[i], i + 1 < n ? by[i + 1]->local_off : d->cd_off))
            return false;
    return true;
}

static int cmp_tensor_name(const void *a, const void *b)
{
    return strcmp((*(WTensor *const *)a)->name, (*(WTensor *const *)b)->name);
}

/* np.load would let the last of two same-named members win; two tools must not see
 * two different arrays under one name, so duplicates are an error. */
static bool zip_unique(WReader *r, WTensor *ts, uint32_t n)
{
    WTensor **by = arena_calloc(&r->cx->arena, n ? n : 1, sizeof *by);
    for (uint32_t i = 0; i < n; i++)
        by[i] = &ts[i];
    qsort(by, n, sizeof *by, cmp_tensor_name);
    for (uint32_t i = 1; i < n; i++) {
        if (strcmp(by[i]->name, by[i - 1]->name) == 0) {
            w_terror(r, by[i]->name,
                     "two members are named '%s.npy' (zip rule: member names are "
                     "unique)",
                     w_quote(r, by[i]->name, strlen(by[i]->name), false));
            return false;
        }
    }
    return true;
}

static ZipMember *zip_directory(WReader *r, const ZipDir *d)
{
    uint32_t n = (uint32_t)d->count; // <= cd_len / 46, which fits
    WFile *f = r->file;
    ZipMember *ms = arena_calloc(&r->cx->arena, n ? n : 1, sizeof *ms);
    f->tensors = arena_calloc(&r->cx->arena, n ? n : 1, sizeof *f->tensors);
    f->n = n;
    uint64_t pos = d->cd_off;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = pos;
        if (!zip_central(r, d, &pos, &ms[i], &f->tensors[i]) ||
            !zip_local(r, d, &ms[i], r->buf + at + CENTRAL_LEN, w_le16(r->buf + at + 28)))
            return NULL;
    }
    if (pos != d->end_off) {
        w_error(r,
                "%llu bytes of the central directory follow its %u entries (zip rule: the "
                "end record counts every entry)",
                (unsigned long long)(d->end_off - pos), n);
        return NULL;
    }
    return zip_layout(r, d, ms, n) && zip_unique(r, f->tensors, n) ? ms : NULL;
}

/* ---- members ---- */

static bool check_crc(WReader *r, const ZipMember *m, const unsigned char *p, uint64_t n)
{
    uint32_t crc = (uint32_t)crc32_z(0, p, (z_size_t)n);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    crc = m->crc; // let the fuzzer past the checksum into the .npy parser
#endif
    if (crc != m->crc) {
        m_error(r, m,
                "CRC-32 of the data is 0x%08x, but the archive records 0x%08x: the data is "
                "corrupt (zip rule: CRC-32 matches)",
                crc, m->crc);
        return false;
    }
    return true;
}

static bool load_stored(WReader *r, const ZipMember *m, WTensor *t)
{
    if (m->csize != m->usize) {
        m_error(r, m,
                "stored member has %llu compressed but %llu uncompressed bytes (zip rule: "
                "stored sizes are equal)",
                (unsigned long long)m->csize, (unsigned long long)m->usize);
        return false;
    }
    const unsigned char *p = r->buf + m->data_off;
    uint64_t off;
    return check_crc(r, m, p, m->usize) && w_npy_header(r, t, p, m->usize, &off) &&
           w_convert(r, t, p + off);
}

typedef struct Inflater {
    z_stream zs;
    const unsigned char *src;
    uint64_t csize, fed; // compressed bytes in total, handed to zlib so far
} Inflater;

/* Inflate into dst[0..want). Z_OK: dst is full; Z_STREAM_END: the stream ended
 * (*got may be short); Z_BUF_ERROR: the input ran out first; else a zlib error. The
 * 32-bit zlib counters are fed in chunks. */
static int inflate_fill(Inflater *f, unsigned char *dst, uint64_t want, uint64_t *got)
{
    *got = 0;
    while (*got < want) {
        if (f->zs.avail_in == 0 && f->fed < f->csize) {
            uint64_t c = f->csize - f->fed;
            f->zs.next_in = f->src + f->fed;
            f->zs.avail_in = (uInt)(c > UINT_MAX ? UINT_MAX : c);
            f->fed += f->zs.avail_in;
        }
        uint64_t room = want - *got;
        f->zs.next_out = dst + *got;
        f->zs.avail_out = (uInt)(room > UINT_MAX ? UINT_MAX : room);
        uInt before = f->zs.avail_out;
        int rc = inflate(&f->zs, Z_NO_FLUSH);
        *got += before - f->zs.avail_out;
        if (rc != Z_OK)
            return rc;
    }
    return Z_OK;
}

static bool inflate_failed(WReader *r, const ZipMember *m, const Inflater *f, int rc, uint64_t got)
{
    if (rc == Z_STREAM_END)
        m_error(r, m,
                "the deflate stream ends after %llu bytes, but the member declares %llu "
                "(zip rule: the uncompressed size matches)",
                (unsigned long long)got, (unsigned long long)m->usize);
    else if (rc == Z_BUF_ERROR)
        m_error(r, m,
                "the deflate stream is truncated: %llu compressed bytes are not enough "
                "(zip rule: complete deflate data)",
                (unsigned long long)m->csize);
    else
        m_error(r, m, "the deflate data is corrupt: %s (zip rule: valid deflate data)",
                f->zs.msg ? f->zs.msg : zError(rc));
    return false;
}

/* After the declared size: the stream must end now, using every compressed byte. */
static bool inflate_finish(WReader *r, const ZipMember *m, Inflater *f, int rc)
{
    unsigned char extra;
    uint64_t got = 0;
    if (rc != Z_STREAM_END)
        rc = inflate_fill(f, &extra, 1, &got);
    if (rc == Z_OK || got > 0) {
        m_error(r, m,
                "inflates to more than its declared %llu bytes (zip rule: the uncompressed "
                "size matches; zip-bomb guard)",
                (unsigned long long)m->usize);
        return false;
    }
    if (rc != Z_STREAM_END)
        return inflate_failed(r, m, f, rc, m->usize);
    uint64_t left = f->zs.avail_in + (f->csize - f->fed);
    if (left) {
        m_error(r, m,
                "%llu bytes follow the end of the deflate stream (zip rule: the compressed "
                "size matches)",
                (unsigned long long)left);
        return false;
    }
    return true;
}

/* Inflate the .npy prefix, check the header against the declared size, then inflate
 * the rest into a buffer of exactly that size. */
static bool inflate_member(WReader *r, const ZipMember *m, WTensor *t, Inflater *f,
                           unsigned char **buf)
{
    uint64_t head = m->usize < NPY_PREFIX_MAX ? m->usize : NPY_PREFIX_MAX, got, off;
    *buf = malloc(head ? head : 1);
    if (!*buf)
        hb_out_of_memory((size_t)m->usize);
    int rc = inflate_fill(f, *buf, head, &got);
    if (got < head)
        return inflate_failed(r, m, f, rc, got);
    if (!w_npy_header(r, t, *buf, m->usize, &off))
        return false;
    if (head < m->usize) {
        // Only now, with the size confirmed by the .npy header, is the memory spent.
        unsigned char *big = realloc(*buf, m->usize);
        if (!big)
            hb_out_of_memory((size_t)m->usize);
        *buf = big;
        rc = inflate_fill(f, big + head, m->usize - head, &got);
        if (got < m->usize - head)
            return inflate_failed(r, m, f, rc, head + got);
    }
    return inflate_finish(r, m, f, rc) && check_crc(r, m, *buf, m->usize) &&
           w_convert(r, t, *buf + off);
}

static bool load_deflated(WReader *r, const ZipMember *m, WTensor *t)
{
    if (m->usize / DEFLATE_MAX_RATIO > m->csize + 1 || (uint64_t)(size_t)m->usize != m->usize) {
        m_error(r, m,
                "declares %llu uncompressed bytes from %llu compressed bytes, more than "
                "deflate can produce (zip rule: sizes are truthful; zip-bomb guard)",
                (unsigned long long)m->usize, (unsigned long long)m->csize);
        return false;
    }
    Inflater f = {.src = r->buf + m->data_off, .csize = m->csize};
    if (inflateInit2(&f.zs, -MAX_WBITS) != Z_OK) {
        m_error(r, m, "cannot initialise zlib");
        return false;
    }
    unsigned char *buf = NULL;
    bool ok = inflate_member(r, m, t, &f, &buf);
    inflateEnd(&f.zs);
    free(buf);
    return ok;
}

bool w_read_npz(WReader *r)
{
    ZipDir d;
    if (!zip_read_end(r, &d))
        return false;
    ZipMember *ms = zip_directory(r, &d);
    if (!ms)
        return false;
    for (uint32_t i = 0; i < r->file->n && !w_capped(r); i++) {
        WTensor *t = &r->file->tensors[i];
        if (ms[i].method == 0)
            load_stored(r, &ms[i], t);
        else
            load_deflated(r, &ms[i], t);
    }
    return r->nerr == 0;
}
