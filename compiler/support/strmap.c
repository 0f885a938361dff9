// SPDX-License-Identifier: MIT
/* strmap.c: the arena hash map of strmap.h. Growing rehashes into a table twice the
 * size and releases the old one (arena_release frees a big one at once), so n
 * insertions cost O(n) time and memory overall. */
#include "strmap.h"

#include <assert.h>
#include <string.h>

/* FNV-1a over the first n bytes of the string (up to its NUL), or a multiplicative
 * mix of the address. */
static uint64_t hash(const HbStrMap *m, const char *s, size_t n)
{
    if (m->by_address)
        return ((uint64_t)(uintptr_t)s * UINT64_C(0x9E3779B97F4A7C15)) >> 32;
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < n && s[i]; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

/* Is the stored key equal to the first n bytes of key (SIZE_MAX: all of it)? */
static bool same(const HbStrMap *m, const char *stored, const char *key, size_t n)
{
    if (m->by_address)
        return stored == key;
    return n == SIZE_MAX ? strcmp(stored, key) == 0
                         : strncmp(stored, key, n) == 0 && stored[n] == 0;
}

/* The slot holding key (its first n bytes), or the empty slot where it would go
 * (cap > len). */
static HbStrMapSlot *find_n(const HbStrMap *m, const char *key, size_t n)
{
    uint32_t mask = m->cap - 1, i = (uint32_t)hash(m, key, n) & mask;
    while (m->slots[i].key && !same(m, m->slots[i].key, key, n))
        i = (i + 1) & mask;
    return &m->slots[i];
}

static HbStrMapSlot *find(const HbStrMap *m, const char *key)
{
    return find_n(m, key, SIZE_MAX);
}

uint32_t hb_strmap_getn(const HbStrMap *m, const char *key, size_t n)
{
    assert(!m->by_address);
    if (m->cap == 0)
        return HB_STRMAP_NONE;
    const HbStrMapSlot *s = find_n(m, key, strnlen(key, n)); // same() reads stored[n]
    return s->key ? s->val : HB_STRMAP_NONE;
}

uint32_t hb_strmap_get(const HbStrMap *m, const char *key)
{
    if (m->cap == 0)
        return HB_STRMAP_NONE;
    const HbStrMapSlot *s = find(m, key);
    return s->key ? s->val : HB_STRMAP_NONE;
}

static void grow(HbStrMap *m, Arena *a)
{
    HbStrMap bigger = {.cap = m->cap ? 2 * m->cap : 16, .len = m->len, .by_address = m->by_address};
    bigger.slots = arena_calloc(a, bigger.cap, sizeof *bigger.slots);
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find(&bigger, m->slots[i].key) = m->slots[i];
    arena_release(a, m->slots, (size_t)m->cap * sizeof *m->slots);
    *m = bigger;
}

uint32_t hb_strmap_put(HbStrMap *m, Arena *a, const char *key, uint32_t val)
{
    if (2 * (m->len + 1) > m->cap)
        grow(m, a);
    HbStrMapSlot *s = find(m, key);
    if (s->key)
        return s->val;
    *s = (HbStrMapSlot){key, val};
    m->len++;
    return val;
}

void hb_strmap_set(HbStrMap *m, Arena *a, const char *key, uint32_t val)
{
    if (2 * (m->len + 1) > m->cap)
        grow(m, a);
    HbStrMapSlot *s = find(m, key);
    if (!s->key)
        s->key = key, m->len++;
    s->val = val;
}

uint32_t hb_addrmap_get(const HbStrMap *m, const void *key)
{
    assert(m->by_address || m->cap == 0);
    return hb_strmap_get(m, key);
}

uint32_t hb_addrmap_put(HbStrMap *m, Arena *a, const void *key, uint32_t val)
{
    assert(m->by_address || m->cap == 0);
    m->by_address = true;
    return hb_strmap_put(m, a, key, val);
}
