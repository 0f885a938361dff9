// SPDX-License-Identifier: MIT
/* arena.h: the per-compilation bump allocator.
 * Everything the front end, sema, the weights binder and the IR allocate lives in
 * one Arena owned by HbCx and is released once by arena_destroy(); nothing frees
 * piecemeal. Also a small growable-array macro family (HbVec) backed by the arena. */
#ifndef HB_ARENA_H
#define HB_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ArenaChunk ArenaChunk;

typedef struct Arena {
    ArenaChunk *head; // newest chunk first
    size_t total;     // bytes handed out, for --stats and tests
} Arena;

void arena_init(Arena *a);
void arena_destroy(Arena *a);

/* Zeroed, 16-byte aligned memory. Aborts with a message on out-of-memory. */
void *arena_alloc(Arena *a, size_t size);
/* n * size with overflow check (aborts on overflow: sizes come from validated input). */
void *arena_calloc(Arena *a, size_t n, size_t size);
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(Arena *a, const char *fmt, va_list ap);

/* Growable arrays in the arena. Growing copies into a fresh block; the old block is
 * simply abandoned (it is freed with the arena). */
#define HbVec(T)           \
    struct {               \
        T *data;           \
        uint32_t len, cap; \
    }

/* p (a block of `old` bytes from this arena, or NULL) grown to `size` bytes; the bytes
 * past `old` are unspecified (vectors write them before reading). p must not be used
 * afterwards. Big blocks grow in place. */
void *arena_grow(Arena *a, void *p, size_t old, size_t size);
void *hb_vec_grow(Arena *a, void *data, uint32_t *cap, size_t elem);
/* Give back a block of `size` bytes that is no longer used (a hash table replaced by a
 * bigger one). A big block has a chunk of its own and is freed now; a small one stays
 * until arena_destroy. p must not be used afterwards. */
void arena_release(Arena *a, void *p, size_t size);
/* Move every block of `src` (another thread's arena) into `dst`, which then owns them
 * for its lifetime; `src` is left empty. */
void arena_adopt(Arena *dst, Arena *src);

#define hb_vec_push(arena, v, x)                                                        \
    do {                                                                                \
        if ((v)->len == (v)->cap)                                                       \
            (v)->data = hb_vec_grow((arena), (v)->data, &(v)->cap, sizeof(*(v)->data)); \
        (v)->data[(v)->len++] = (x);                                                    \
    } while (0)

#define hb_vec_foreach(v, it) \
    for (__typeof__((v)->data) it = (v)->data; it < (v)->data + (v)->len; it++)

#endif
