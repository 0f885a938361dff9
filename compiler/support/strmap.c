// SPDX-License-Identifier: MIT
/* strmap.c: open-addressing hash map from strings to indices (see strmap.h). The
 * table doubles at 50% load; the old table is left in the arena, so the total
 * memory is at most twice the final table. */
#include "strmap.h"

#include <string.h>

uint32_t strmap_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static StrMapSlot *find(const StrMap *m, const char *key, size_t n, uint32_t h)
{
    uint32_t mask = m->cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        StrMapSlot *s = &m->slots[i];
        if (!s->key || (s->hash == h && strncmp(s->key, key, n) == 0 && s->key[n] == 0))
            return s;
    }
}

uint32_t *strmap_getn(const StrMap *m, const char *key, size_t n)
{
    if (!m->cap)
        return NULL;
    StrMapSlot *s = find(m, key, n, strmap_hash(key, n));
    return s->key ? &s->value : NULL;
}

uint32_t *strmap_get(const StrMap *m, const char *key)
{
    return strmap_getn(m, key, strlen(key));
}

static void grow(Arena *a, StrMap *m)
{
    StrMap bigger = {arena_calloc(a, m->cap ? m->cap * 2 : 64, sizeof(StrMapSlot)),
                     m->cap ? m->cap * 2 : 64, m->len};
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find(&bigger, m->slots[i].key, strlen(m->slots[i].key), m->slots[i].hash) =
                    m->slots[i];
    *m = bigger;
}

bool strmap_put(Arena *a, StrMap *m, const char *key, uint32_t value)
{
    if (2 * (m->len + 1) > m->cap)
        grow(a, m);
    size_t n = strlen(key);
    uint32_t h = strmap_hash(key, n);
    StrMapSlot *s = find(m, key, n, h);
    if (s->key)
        return false;
    *s = (StrMapSlot){key, h, value};
    m->len++;
    return true;
}

/* ---- pointer keys ---- */

static PtrMapSlot *pfind(const PtrMap *m, const void *key)
{
    uint64_t x = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ull;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = (uint32_t)(x >> 32) & mask;; i = (i + 1) & mask)
        if (!m->slots[i].key || m->slots[i].key == key)
            return &m->slots[i];
}

uint32_t *ptrmap_get(const PtrMap *m, const void *key)
{
    if (!m->cap)
        return NULL;
    PtrMapSlot *s = pfind(m, key);
    return s->key ? &s->value : NULL;
}

void ptrmap_put(Arena *a, PtrMap *m, const void *key, uint32_t value)
{
    if (2 * (m->len + 1) > m->cap) {
        PtrMap bigger = {arena_calloc(a, m->cap ? m->cap * 2 : 64, sizeof(PtrMapSlot)),
                         m->cap ? m->cap * 2 : 64, m->len};
        for (uint32_t i = 0; i < m->cap; i++)
            if (m->slots[i].key)
                *pfind(&bigger, m->slots[i].key) = m->slots[i];
        *m = bigger;
    }
    PtrMapSlot *s = pfind(m, key);
    if (!s->key)
        m->len++;
    *s = (PtrMapSlot){key, value};
}
