// SPDX-License-Identifier: MIT
/* quant_mem.c: work buffers for the quantizer. Large ones are anonymous mappings with
 * transparent huge pages requested: a 10M-weight tensor needs ~300 MB of scratch, and on
 * the dev VM faulting that in 4 KB pages costs ~3 ms/MB, 30x more than huge pages. */
#define _DEFAULT_SOURCE // MAP_ANONYMOUS, MADV_HUGEPAGE

#include <stdio.h>
#include <stdlib.h>

#include "ice.h"
#include "quant_internal.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HEADER 64                 // keeps the payload 64-byte aligned
#define BIG    (size_t)(4u << 20) // mapping threshold

/* Returns the mapping (header included) or NULL when mappings are unavailable. */
static unsigned char *map_big(size_t total)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        hb_out_of_memory(total);
    (void)madvise(p, total, MADV_HUGEPAGE); // advice only: fine if THP is off
    return p;
#else
    (void)total;
    return NULL;
#endif
}

void *quant_xmalloc(size_t n, size_t size)
{
    if (size && n > (SIZE_MAX - HEADER) / size)
        hb_out_of_memory(SIZE_MAX);
    size_t total = n * size + HEADER;
    unsigned char *p = total >= BIG ? map_big(total) : NULL;
    size_t tag = p ? total : 0; // 0: from malloc
    if (!p && !(p = malloc(total)))
        hb_out_of_memory(total);
    *(size_t *)p = tag;
    return p + HEADER;
}

void quant_xfree(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - HEADER;
    size_t tag = *(size_t *)p;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (tag) {
        munmap(p, tag);
        return;
    }
#endif
    (void)tag;
    free(p);
}
