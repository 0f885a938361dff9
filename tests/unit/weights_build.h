// SPDX-License-Identifier: MIT
/* weights_build.h: builders for weights files in tests and fuzz seeds: safetensors
 * (header JSON + data), .npy, and ZIP archives with stored or deflated members, with
 * or without Zip64 extras, data descriptors and deliberate defects. Every malformed
 * file a test needs is made here from text, so no binary blob is committed. */
#ifndef HB_WEIGHTS_BUILD_H
#define HB_WEIGHTS_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* A growable byte buffer in an arena (grown blocks are abandoned to the arena). */
typedef struct WbBuf {
    Arena *arena;
    unsigned char *data;
    size_t len, cap;
} WbBuf;

WbBuf wb_new(Arena *a);
void wb_bytes(WbBuf *b, const void *p, size_t n);
void wb_str(WbBuf *b, const char *s);
void wb_u16(WbBuf *b, uint16_t v);
void wb_u32(WbBuf *b, uint32_t v);
void wb_u64(WbBuf *b, uint64_t v);
void wb_f32(WbBuf *b, float v); // little-endian bit pattern
void wb_f64(WbBuf *b, double v);

/* A safetensors file: the header length (strlen(json)), the JSON, then the data. */
WbBuf wb_safetensors(Arena *a, const char *json, const void *data, size_t n);
/* The same with the header length field given explicitly (it may lie). */
WbBuf wb_safetensors_raw(Arena *a, uint64_t hlen, const void *header, size_t header_len,
                         const void *data, size_t n);

/* A .npy file: version `major` (1, 2 or 3), the header dict text padded with spaces
 * and a newline to a multiple of 64 bytes as NumPy does, then the data. */
WbBuf wb_npy(Arena *a, int major, const char *dict, const void *data, size_t n);

typedef struct WbMember {
    const char *name;
    const void *data; // the uncompressed member bytes (usually a .npy)
    size_t len;
    uint16_t method;         // 0 stored, 8 deflate; anything else is written stored with that id
    bool zip64_local;        // numpy's force_zip64: a local Zip64 extra holding both sizes
    bool zip64_sentinel;     // sizes and offset 0xFFFFFFFF in the headers, real ones in extras
    bool descriptor;         // flag bit 3: zero sizes in the local header, a descriptor after
    bool nested;             // this member's local record is the data of the previous member
    uint16_t flags;          // more general-purpose bits (1 = encrypted)
    uint32_t crc_xor;        // corrupt the recorded CRC
    uint64_t usize;          // nonzero: declared uncompressed size (a lie)
    const char *local_name;  // nonzero: the local header's name differs
    const void *raw_deflate; // nonzero: use these bytes as the compressed data
    size_t raw_deflate_len;
} WbMember;

typedef struct WbZipOpts {
    bool zip64_end; // write a Zip64 end record and locator
    uint16_t disk;  // this disk's number in the end record
    size_t junk;    // bytes of junk between the last member and the central directory
} WbZipOpts;

WbBuf wb_zip(Arena *a, const WbMember *ms, int n, const WbZipOpts *o);

/* Raw deflate (no zlib header) of data, as np.savez_compressed writes it. */
WbBuf wb_deflate(Arena *a, const void *data, size_t n);

/* Write the buffer to `path`; false on error. */
bool wb_write(const char *path, const WbBuf *b);

#endif
