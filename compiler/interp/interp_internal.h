// SPDX-License-Identifier: MIT
/* interp_internal.h: what interp.c (dispatch, float ops, batches) shares with
 * interp_bits.c (quantizers and bit-plane ops). Only interp*.c include this. */
#ifndef HB_INTERP_INTERNAL_H
#define HB_INTERP_INTERNAL_H

#include "interp.h"

/* The instruction being evaluated, with its operands resolved. */
typedef struct IStep {
    Interp *it;
    const IrInst *in;
    IBuf *out;
    const IrType *ot;
} IStep;

static inline const IrType *is_type(const IStep *s, int k)
{
    return ir_arg_type(s->it->m, s->in->args[k]);
}

static inline IBuf *is_val(const IStep *s, int k)
{
    assert(!s->in->args[k].is_const); // the operand signature (verified) says so
    return &s->it->v[s->in->args[k].id];
}

static inline const IrConst *is_const(const IStep *s, int k)
{
    assert(s->in->args[k].is_const);
    return &s->it->m->consts.data[s->in->args[k].id];
}

/* Width of element j of a bits buffer of type t. */
static inline int is_width(const IBuf *b, const IrType *t, uint64_t j)
{
    return t->masked ? b->w[j] : t->bits;
}

/* Bit j of row r, plane p of a bits constant (sign, or mask when `mask`). */
static inline int is_cbit(const IrConst *c, bool mask, int p, uint64_t r, uint64_t j)
{
    if (mask && !c->masks)
        return 1;
    uint64_t rows = (uint64_t)c->type.d[0];
    const uint64_t *w = mask ? c->masks : c->planes;
    return (int)((w[(p * rows + r) * c->wpr + j / 64] >> (j % 64)) & 1);
}

/* The level scales of a bits value of type t held in b (static, unit or runtime). */
void interp_scales(const Interp *it, const IrType *t, IBuf *b);

bool i_sign(IStep *s);
bool i_quant(IStep *s);
bool i_dequant(IStep *s);
bool i_bpop_dense(IStep *s);
bool i_bpop_conv2d(IStep *s);
bool i_icomb(IStep *s);
bool i_fcomb(IStep *s);
bool i_threshold(IStep *s);

#endif
