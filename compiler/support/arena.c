// SPDX-License-Identifier: MIT
/* arena.c: bump allocator in large chunks; see arena.h for the ownership rule.
 * Oversized requests get a chunk of their own so a 100 MB tensor copy does not
 * waste a chunk's tail. */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"

#define CHUNK_SIZE (64 * 1024)
#define ALIGN      16

struct ArenaChunk {
    ArenaChunk *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char data[];
};

void arena_init(Arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void arena_destroy(Arena *a)
{
    ArenaChunk *c = a->head;
    while (c) {
        ArenaChunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* calloc, not malloc + memset: for a big block the C library maps fresh zero pages,
 * so a 100 MB tensor is not written twice (zeroing, then filling). */
static ArenaChunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(ArenaChunk))
        hb_out_of_memory(size);
    ArenaChunk *c = calloc(1, sizeof(ArenaChunk) + size);
    if (!c)
        hb_out_of_memory(size);
    c->used = 0;
    c->size = size;
    return c;
}

void *arena_alloc(Arena *a, size_t size)
{
    if (size > SIZE_MAX - ALIGN)
        hb_out_of_memory(size);
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need == 0)
        need = ALIGN;
    ArenaChunk *c = a->head;
    if (!c || c->size - c->used < need) {
        if (need > CHUNK_SIZE / 4) {
            // Big block: own chunk, linked behind the head so the head keeps its free tail.
            ArenaChunk *big = chunk_new(need);
            big->used = need;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = NULL;
                a->head = big;
            }
            a->total += need;
            return big->data; // already zero (calloc)
        }
        c = chunk_new(CHUNK_SIZE);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->total += need;
    memset(p, 0, size);
    return p;
}

void *arena_calloc(Arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        hb_out_of_memory(SIZE_MAX);
    return arena_alloc(a, n * size);
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(Arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(Arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

/* The link that points at the chunk holding exactly the big block p (of `need` bytes
 * rounded), or NULL when p shares a chunk. Walks the chunk list: callers are growth
 * steps that double, so the walks cost O(chunks log n) over a compilation. */
static ArenaChunk **big_chunk_link(Arena *a, const void *p, size_t need)
{
    if (need <= CHUNK_SIZE / 4)
        return NULL;
    ArenaChunk **link = &a->head;
    while (*link && (*link)->data != (const unsigned char *)p)
        link = &(*link)->next;
    return *link && (*link)->used == need ? link : NULL;
}

void arena_release(Arena *a, void *p, size_t size)
{
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    ArenaChunk **link = p ? big_chunk_link(a, p, need) : NULL;
    if (!link)
        return;
    ArenaChunk *c = *link;
    *link = c->next;
    a->total -= need;
    free(c);
}

/* A block of `old` bytes at p grown to `size`. A big block has a chunk of
 * its own (arena_alloc), which is realloc'ed in place of the copy: growing a vector of
 * 10^6 nodes then leaves no abandoned copies behind (and the C library can move the
 * pages instead of copying them). The tail is left as realloc gives it, untouched, so
 * the doubling slack costs no memory until it is used. */
void *arena_grow(Arena *a, void *p, size_t old, size_t size)
{
    size_t need_old = (old + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (!p || need_old <= CHUNK_SIZE / 4 || size <= old) {
        void *q = arena_alloc(a, size);
        if (p)
            memcpy(q, p, old < size ? old : size);
        return q;
    }
    ArenaChunk **link = big_chunk_link(a, p, need_old);
    if (!link) // shares its chunk: copy
        return memcpy(arena_alloc(a, size), p, old);
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need > SIZE_MAX - sizeof(ArenaChunk))
        hb_out_of_memory(size);
    ArenaChunk *c = realloc(*link, sizeof(ArenaChunk) + need);
    if (!c)
        hb_out_of_memory(size);
    c->used = c->size = need;
    a->total += need - need_old;
    *link = c;
    return c->data;
}

void *hb_vec_grow(Arena *a, void *data, uint32_t *cap, size_t elem)
{
    uint32_t ncap = *cap ? *cap * 2 : 8;
    if (ncap < *cap || (size_t)ncap > SIZE_MAX / elem)
        hb_out_of_memory(SIZE_MAX);
    void *p = arena_grow(a, data, (size_t)*cap * elem, (size_t)ncap * elem);
    *cap = ncap;
    return p;
}

void arena_adopt(Arena *dst, Arena *src)
{
    if (!src->head)
        return;
    ArenaChunk *last = src->head;
    while (last->next)
        last = last->next;
    if (dst->head) { // behind dst's head, which keeps its free tail
        last->next = dst->head->next;
        dst->head->next = src->head;
    } else {
        dst->head = src->head;
    }
    dst->total += src->total;
    src->head = NULL;
    src->total = 0;
}
