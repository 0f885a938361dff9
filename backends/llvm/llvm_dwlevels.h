// SPDX-License-Identifier: MIT
/* llvm_dwlevels.h: the bit-sliced depthwise kernel's levels mode, private to
 * backends/llvm: multi-plane weights (per-channel or per-element widths) on a 1-plane
 * input, each channel's threshold rewritten at compile time as a small-integer weighted
 * count of the taps whose input disagrees with the sign of the tap's level
 * (llvm_dwlevels.c plans it, llvm_dwbits.c generates it). */
#ifndef HBNN_LLVM_DWLEVELS_H
#define HBNN_LLVM_DWLEVELS_H

#include "llvm_gen.h"

#define DWL_MAX_T  9 // taps: every pattern of a window's inputs is enumerated (2^T)
#define DWL_MAX_QB 8 // bits of a tap's weight q (the count's planes grow with them)

typedef struct DwLevels {
    int64_t C, T, CW;
    int nodes;              // the threshold tree's nodes (1 or 3)
    int qb, nb;             // bits of the weights q and of the weighted count
    int64_t nr, nc;         // distinct sets of window rows (columns) inside the input
    int64_t *rowid, *colid; // [OH], [OW]: an output row's (column's) set
    int64_t interior;       // the set (rows nc + column) with every tap inside, or -1
    uint8_t *q;             // [C][T] the taps' weights
    uint64_t *sgn;          // [T][CW]: bit o set when channel o's tap t has a level > 0
    int64_t *a;             // [nr nc][nodes][C]: node bit = (sum of q over mismatches) < a
} DwLevels;

/* Whether depthwise bpop `in` has the levels mode's shape: a 1-plane unmasked input,
 * weights of more than one plane or masked, at most DWL_MAX_T taps. */
bool dwl_shape_ok(const IrModule *m, const IrInst *in);
/* Plan `in` (dwl_shape_ok) -> icomb -> threshold th of 1 or 2 planes: for every channel
 * weights q < 2^DWL_MAX_QB and steps that give the threshold's bits on every input
 * pattern of every set of inside taps (checked by enumeration), or false if some channel
 * has none. Arena-allocated. */
bool dwl_plan(Arena *ar, const IrModule *m, const IrInst *in, const IrInst *th, DwLevels *lv);

#endif
