// SPDX-License-Identifier: MIT
/* ir_codes.c: the value order of residual codes, for `maxpool` on bits (docs/ir.md §4):
 * ir_code_ranks numbers every (width, code) a bits value can hold by the value
 * `dequant` gives it, so that a max over codes is a max over values. The verifier,
 * lowering, the interpreter and the backends share it so they cannot disagree. */
#include <stdlib.h>

#include "ir.h"

typedef struct Level {
    double v;
    unsigned idx; // ir_code_index
} Level;

static int by_value(const void *a, const void *b)
{
    double x = ((const Level *)a)->v, y = ((const Level *)b)->v;
    return x < y ? -1 : x > y;
}

bool ir_code_ranks(const IrModule *m, const IrType *t, uint16_t *rank)
{
    if (t->enc != IR_BITS)
        return false;
    int k = t->bits;
    for (unsigned i = 0; i < (unsigned)IR_CODE_RANKS; i++)
        rank[i] = 0;
    if (k == 1 && !t->masked) { // one plane: the max of +-beta is the OR (any scale kind)
        rank[ir_code_index(0, 1, 1)] = 0, rank[ir_code_index(1, 1, 1)] = 1;
        return true;
    }
    if (t->scale != IR_SC_STATIC)
        return false; // runtime scales: the order is not known at compile time
    const float *beta = m->consts.data[t->scale_const].f;
    Level lv[2 << IR_MAX_BITS];
    unsigned n = 0;
    for (int w = t->masked ? 1 : k; w <= k; w++)
        for (unsigned s = 0; s < (1u << w); s++) {
            double acc = 0; // as dequant: in double, level order
            for (int j = 0; j < w; j++)
                acc += ((s >> j) & 1) ? (double)beta[j] : -(double)beta[j];
            lv[n++] = (Level){acc, ir_code_index(s, w, k)};
        }
    qsort(lv, n, sizeof *lv, by_value);
    for (unsigned i = 0; i < n; i++) {
        if (!(lv[i].v == lv[i].v) || (i && !(lv[i].v > lv[i - 1].v)))
            return false; // two codes with one value (or NaN): which to keep is not defined
        rank[lv[i].idx] = (uint16_t)i;
    }
    return true;
}
