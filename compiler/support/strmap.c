// SPDX-License-Identifier: MIT
/* strmap.c: the arena hash map of strmap.h. Growing rehashes into a table twice the
 * size and abandons the old one to the arena, so n insertions cost O(n) time and
 * memory overall. */
#include "strmap.h"

#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* The slot holding key, or the empty slot where it would go (cap > len). */
static HbStrMapSlot *find(const HbStrMap *m, const char *key)
{
    uint32_t mask = m->cap - 1, i = (uint32_t)hash(key) & mask;
    while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) & mask;
    return &m->slots[i];
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
    HbStrMap bigger = {.cap = m->cap ? 2 * m->cap : 16, .len = m->len};
    bigger.slots = arena_calloc(a, bigger.cap, sizeof *bigger.slots);
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find(&bigger, m->slots[i].key) = m->slots[i];
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
