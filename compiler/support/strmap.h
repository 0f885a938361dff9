// SPDX-License-Identifier: MIT
/* strmap.h: a string -> uint32 hash map in an arena (open addressing, FNV-1a), so that
 * name lookups (IR values and constants, duplicate-name checks) are O(1) and no pass is
 * quadratic in the number of layers; also keyed by address (hb_addrmap_*). Keys are
 * borrowed, not copied: they must outlive the map (arena strings do). */
#ifndef HB_STRMAP_H
#define HB_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define HB_STRMAP_NONE UINT32_MAX

typedef struct HbStrMapSlot {
    const char *key; // NULL: empty
    uint32_t val;
} HbStrMapSlot;

typedef struct HbStrMap {
    HbStrMapSlot *slots;
    uint32_t cap, len; // cap: 0 or a power of two, kept at least twice len
    bool by_address;   // keys compared as pointers (the hb_addrmap_* calls)
} HbStrMap;

/* The value stored under key, or HB_STRMAP_NONE. */
uint32_t hb_strmap_get(const HbStrMap *m, const char *key);
/* The same for the first n bytes of key (a prefix, without copying it). */
uint32_t hb_strmap_getn(const HbStrMap *m, const char *key, size_t n);
/* Store key -> val unless key is present already; returns the value now stored under
 * key (val, or the earlier one: compare to detect a duplicate). */
uint32_t hb_strmap_put(HbStrMap *m, Arena *a, const char *key, uint32_t val);

/* Store key -> val, replacing any earlier value (and keeping the earlier key). */
void hb_strmap_set(HbStrMap *m, Arena *a, const char *key, uint32_t val);

/* The same map keyed by an object's address instead of a string (for example an AST
 * node): a map is used only through hb_strmap_* or only through hb_addrmap_*. */
uint32_t hb_addrmap_get(const HbStrMap *m, const void *key);
uint32_t hb_addrmap_put(HbStrMap *m, Arena *a, const void *key, uint32_t val);

#endif
