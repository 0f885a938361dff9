// SPDX-License-Identifier: MIT
/* strmap.h: string -> uint32_t and pointer -> uint32_t hash maps in the arena (open addressing,
 * FNV-1a). Used wherever a pass looks names up per layer (labels, blocks, tensor names) so no pass
 * is quadratic in the number of layers. Keys are not copied: they must live as long as the map
 * (arena strings do). */
#ifndef HB_STRMAP_H
#define HB_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct StrMapSlot {
    const char *key; // NULL: empty
    uint32_t hash;
    uint32_t value;
} StrMapSlot;

typedef struct StrMap {
    StrMapSlot *slots;
    uint32_t cap; // a power of two, or 0 before the first insert
    uint32_t len;
} StrMap;

uint32_t strmap_hash(const char *s, size_t n);
/* The value stored under key[0..n), or NULL. */
uint32_t *strmap_getn(const StrMap *m, const char *key, size_t n);
uint32_t *strmap_get(const StrMap *m, const char *key);
/* Insert key -> value; if the key is present, keep the old value and return false. */
bool strmap_put(Arena *a, StrMap *m, const char *key, uint32_t value);

/* The same for pointer keys (an AST node -> its checked form). */
typedef struct PtrMapSlot {
    const void *key; // NULL: empty
    uint32_t value;
} PtrMapSlot;

typedef struct PtrMap {
    PtrMapSlot *slots;
    uint32_t cap, len;
} PtrMap;

uint32_t *ptrmap_get(const PtrMap *m, const void *key);
void ptrmap_put(Arena *a, PtrMap *m, const void *key, uint32_t value); // key not present

#endif
