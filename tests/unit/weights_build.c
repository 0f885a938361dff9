// SPDX-License-Identifier: MIT
/* weights_build.c: the weights-file builders of weights_build.h. Writes the ZIP
 * layout of PKWARE's APPNOTE (local headers, central directory, end records, Zip64)
 * directly, so tests control every field the reader checks. */
#include "weights_build.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

WbBuf wb_new(Arena *a)
{
    WbBuf b = {a, NULL, 0, 0};
    return b;
}

void wb_bytes(WbBuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *d = arena_alloc(b->arena, cap);
        if (b->len)
            memcpy(d, b->data, b->len);
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void wb_str(WbBuf *b, const char *s)
{
    wb_bytes(b, s, strlen(s));
}

void wb_u16(WbBuf *b, uint16_t v)
{
    unsigned char p[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    wb_bytes(b, p, 2);
}

void wb_u32(WbBuf *b, uint32_t v)
{
    wb_u16(b, (uint16_t)v);
    wb_u16(b, (uint16_t)(v >> 16));
}

void wb_u64(WbBuf *b, uint64_t v)
{
    wb_u32(b, (uint32_t)v);
    wb_u32(b, (uint32_t)(v >> 32));
}

void wb_f32(WbBuf *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    wb_u32(b, u);
}

void wb_f64(WbBuf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    wb_u64(b, u);
}

WbBuf wb_safetensors_raw(Arena *a, uint64_t hlen, const void *header, size_t header_len,
                         const void *data, size_t n)
{
    WbBuf b = wb_new(a);
    wb_u64(&b, hlen);
    wb_bytes(&b, header, header_len);
    wb_bytes(&b, data, n);
    return b;
}

WbBuf wb_safetensors(Arena *a, const char *json, const void *data, size_t n)
{
    return wb_safetensors_raw(a, strlen(json), json, strlen(json), data, n);
}

WbBuf wb_npy(Arena *a, int major, const char *dict, const void *data, size_t n)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t hlen = strlen(dict) + 1; // + '\n'
    size_t pad = (64 - (pre + hlen) % 64) % 64;
    WbBuf b = wb_new(a);
    wb_bytes(&b, "\x93NUMPY", 6);
    unsigned char ver[2] = {(unsigned char)major, 0};
    wb_bytes(&b, ver, 2);
    if (major == 1)
        wb_u16(&b, (uint16_t)(hlen + pad));
    else
        wb_u32(&b, (uint32_t)(hlen + pad));
    wb_str(&b, dict);
    for (size_t i = 0; i < pad; i++)
        wb_str(&b, " ");
    wb_str(&b, "\n");
    wb_bytes(&b, data, n);
    return b;
}

WbBuf wb_deflate(Arena *a, const void *data, size_t n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&zs, (uLong)n);
    WbBuf b = wb_new(a);
    b.data = arena_alloc(a, cap);
    b.cap = cap;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = b.data;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    b.len = cap - zs.avail_out;
    deflateEnd(&zs);
    return b;
}

/* A member ready to lay out: compressed bytes and the recorded fields. */
typedef struct Prepared {
    WbBuf comp;
    uint32_t crc;
    uint64_t csize, usize, local_off;
} Prepared;

static Prepared prepare(Arena *a, const WbMember *m)
{
    Prepared p;
    memset(&p, 0, sizeof p);
    if (m->raw_deflate) {
        p.comp = wb_new(a);
        wb_bytes(&p.comp, m->raw_deflate, m->raw_deflate_len);
    } else if (m->method == 8) {
        p.comp = wb_deflate(a, m->data, m->len);
    } else {
        p.comp = wb_new(a);
        wb_bytes(&p.comp, m->data, m->len);
    }
    p.crc = (uint32_t)crc32(0, m->data, (uInt)m->len) ^ m->crc_xor;
    p.csize = p.comp.len;
    p.usize = m->usize ? m->usize : m->len;
    return p;
}

static uint16_t member_flags(const WbMember *m)
{
    return (uint16_t)(m->flags | (m->descriptor ? 8 : 0));
}

/* Local header, name, extra, data and optional descriptor. */
static void put_local(WbBuf *b, const WbMember *m, const Prepared *p)
{
    const char *name = m->local_name ? m->local_name : m->name;
    bool sent = m->zip64_sentinel, z64 = m->zip64_local || sent;
    wb_u32(b, 0x04034b50u);
    wb_u16(b, z64 ? 45 : 20);
    wb_u16(b, member_flags(m));
    wb_u16(b, m->method);
    wb_u16(b, 0);    // time
    wb_u16(b, 0x21); // date: 1980-01-01
    wb_u32(b, m->descriptor ? 0 : p->crc);
    wb_u32(b, m->descriptor ? 0 : sent ? 0xFFFFFFFFu : (uint32_t)p->csize);
    wb_u32(b, m->descriptor ? 0 : sent ? 0xFFFFFFFFu : (uint32_t)p->usize);
    wb_u16(b, (uint16_t)strlen(name));
    wb_u16(b, z64 ? 20 : 0);
    wb_str(b, name);
    if (z64) {
        wb_u16(b, 1);
        wb_u16(b, 16);
        wb_u64(b, m->descriptor ? 0 : p->usize);
        wb_u64(b, m->descriptor ? 0 : p->csize);
    }
    wb_bytes(b, p->comp.data, p->comp.len);
    if (m->descriptor) {
        wb_u32(b, 0x08074b50u);
        wb_u32(b, p->crc);
        wb_u32(b, (uint32_t)p->csize);
        wb_u32(b, (uint32_t)p->usize);
    }
}

static void put_central(WbBuf *b, const WbMember *m, const Prepared *p)
{
    bool sent = m->zip64_sentinel;
    wb_u32(b, 0x02014b50u);
    wb_u16(b, 0x0314); // made by: Unix, 2.0
    wb_u16(b, sent || m->zip64_local ? 45 : 20);
    wb_u16(b, member_flags(m));
    wb_u16(b, m->method);
    wb_u16(b, 0);
    wb_u16(b, 0x21);
    wb_u32(b, p->crc);
    wb_u32(b, sent ? 0xFFFFFFFFu : (uint32_t)p->csize);
    wb_u32(b, sent ? 0xFFFFFFFFu : (uint32_t)p->usize);
    wb_u16(b, (uint16_t)strlen(m->name));
    wb_u16(b, sent ? 28 : 0);
    wb_u16(b, 0);           // comment
    wb_u16(b, 0);           // disk
    wb_u16(b, 0);           // internal attributes
    wb_u32(b, 0x81a40000u); // -rw-r--r--
    wb_u32(b, sent ? 0xFFFFFFFFu : (uint32_t)p->local_off);
    wb_str(b, m->name);
    if (sent) {
        wb_u16(b, 1);
        wb_u16(b, 24);
        wb_u64(b, p->usize);
        wb_u64(b, p->csize);
        wb_u64(b, p->local_off);
    }
}

static void put_end(WbBuf *b, int n, uint64_t cd_off, uint64_t cd_len, const WbZipOpts *o)
{
    if (o && o->zip64_end) {
        uint64_t at = b->len;
        wb_u32(b, 0x06064b50u);
        wb_u64(b, 44);
        wb_u16(b, 45);
        wb_u16(b, 45);
        wb_u32(b, 0);
        wb_u32(b, 0);
        wb_u64(b, (uint64_t)n);
        wb_u64(b, (uint64_t)n);
        wb_u64(b, cd_len);
        wb_u64(b, cd_off);
        wb_u32(b, 0x07064b50u);
        wb_u32(b, 0);
        wb_u64(b, at);
        wb_u32(b, 1);
    }
    bool z = o && o->zip64_end;
    wb_u32(b, 0x06054b50u);
    wb_u16(b, o ? o->disk : 0);
    wb_u16(b, 0);
    wb_u16(b, z ? 0xFFFF : (uint16_t)n);
    wb_u16(b, z ? 0xFFFF : (uint16_t)n);
    wb_u32(b, z ? 0xFFFFFFFFu : (uint32_t)cd_len);
    wb_u32(b, z ? 0xFFFFFFFFu : (uint32_t)cd_off);
    wb_u16(b, 0);
}

WbBuf wb_zip(Arena *a, const WbMember *ms, int n, const WbZipOpts *o)
{
    Prepared *ps = arena_calloc(a, (size_t)(n ? n : 1), sizeof *ps);
    for (int i = 0; i < n; i++)
        ps[i] = prepare(a, &ms[i]);
    WbBuf b = wb_new(a);
    for (int i = 0; i < n; i++) {
        if (ms[i].nested)
            continue; // written inside the previous member
        if (i + 1 < n && ms[i + 1].nested) {
            // The next member's whole local record becomes this member's data.
            WbBuf inner = wb_new(a);
            put_local(&inner, &ms[i + 1], &ps[i + 1]);
            WbMember outer = ms[i];
            outer.data = inner.data;
            outer.len = inner.len;
            outer.method = 0;
            ps[i] = prepare(a, &outer);
            ps[i].local_off = b.len;
            put_local(&b, &outer, &ps[i]);
            ps[i + 1].local_off = b.len - inner.len;
            continue;
        }
        ps[i].local_off = b.len;
        put_local(&b, &ms[i], &ps[i]);
    }
    for (size_t i = 0; o && i < o->junk; i++)
        wb_str(&b, "J");
    uint64_t cd_off = b.len;
    for (int i = 0; i < n; i++)
        put_central(&b, &ms[i], &ps[i]);
    put_end(&b, n, cd_off, b.len - cd_off, o);
    return b;
}

bool wb_write(const char *path, const WbBuf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(b->data ? (const void *)b->data : "", 1, b->len, f) == b->len;
    return fclose(f) == 0 && ok;
}
