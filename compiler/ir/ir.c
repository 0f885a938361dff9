// SPDX-License-Identifier: MIT
/* ir.c: the IR builder and the op table accessors. Lowering and the text parser
 * build modules through these calls; all memory comes from cx->arena. Names of
 * values and constants are kept unique here so the text form round-trips. */
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ice.h"

typedef struct OpInfo {
    const char *name, *operands;
} OpInfo;

static const OpInfo op_info[IR_OP_COUNT] = {
#define X(e, name, operands) {#name, operands},
        HB_IR_OPS(X)
#undef X
};

/* The attribute schema, one row per HB_IR_ATTRS entry. */
typedef struct AttrInfo {
    IrOp op;
    int pos;
    const char *name;
    char kind;
} AttrInfo;

static const AttrInfo attr_info[] = {
#define A(e, op, k, name, T) {IR_OP_##e, k, #name, #T[0]},
        HB_IR_ATTRS(A)
#undef A
};
enum { N_ATTR_ROWS = sizeof attr_info / sizeof attr_info[0] };

const char *ir_op_name(IrOp op)
{
    return op < IR_OP_COUNT ? op_info[op].name : "?";
}

const char *ir_op_operands(IrOp op)
{
    return op_info[op].operands;
}

int ir_op_nattrs(IrOp op)
{
    int n = 0;
    for (int r = 0; r < N_ATTR_ROWS; r++)
        n += attr_info[r].op == op;
    return n;
}

static IrAttrKind attr_kind(char c)
{
    switch (c) {
    case 'i':
        return IR_ATTR_INT;
    case 'f':
        return IR_ATTR_FLOAT;
    case 'I':
        return IR_ATTR_INTS;
    case 'F':
        return IR_ATTR_FLOATS;
    case 'o':
        return IR_ATTR_OPT;
    default:
        return IR_ATTR_SEL;
    }
}

const char *ir_op_attr(IrOp op, int k, IrAttrKind *kind, char *buf, size_t len)
{
    for (int r = 0; r < N_ATTR_ROWS; r++)
        if (attr_info[r].op == op && attr_info[r].pos == k) {
            *kind = attr_kind(attr_info[r].kind);
            snprintf(buf, len, "%s", attr_info[r].name);
            return buf;
        }
    HB_UNREACHABLE("op %s has no attribute %d", ir_op_name(op), k);
}

bool ir_op_lookup(const char *name, size_t len, IrOp *out)
{
    for (int i = 0; i < IR_OP_COUNT; i++)
        if (strlen(op_info[i].name) == len && memcmp(op_info[i].name, name, len) == 0) {
            *out = (IrOp)i;
            return true;
        }
    return false;
}

uint64_t ir_type_elems(const IrType *t)
{
    uint64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= (uint64_t)t->d[i];
    return n;
}

bool ir_type_eq(const IrType *a, const IrType *b)
{
    if (a->enc != b->enc || a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->d[i] != b->d[i])
            return false;
    if (a->enc != IR_BITS)
        return true;
    return a->bits == b->bits && a->masked == b->masked && a->scale == b->scale &&
           (a->scale != IR_SC_STATIC || a->scale_const == b->scale_const);
}

static IrType plain(IrEnc e, int rank, const int64_t *d)
{
    IrType t = {.enc = e, .rank = rank};
    for (int i = 0; i < rank; i++)
        t.d[i] = d[i];
    return t;
}

IrType ir_type_f32(int rank, const int64_t *d)
{
    return plain(IR_F32, rank, d);
}

IrType ir_type_i32(int rank, const int64_t *d)
{
    return plain(IR_I32, rank, d);
}

const char *ir_type_str(Arena *a, const IrModule *m, const IrType *t)
{
    char buf[256];
    int n = 0;
    if (t->enc == IR_F32 || t->enc == IR_I32) {
        n = snprintf(buf, sizeof buf, "%s[", t->enc == IR_F32 ? "f32" : "i32");
    } else {
        n = snprintf(buf, sizeof buf, "bits<%d", t->bits);
        if (t->masked)
            n += snprintf(buf + n, sizeof buf - n, ",masked");
        if (t->scale == IR_SC_UNIT)
            n += snprintf(buf + n, sizeof buf - n, ",unit");
        else if (t->scale == IR_SC_RUNTIME)
            n += snprintf(buf + n, sizeof buf - n, ",runtime");
        else if (t->scale == IR_SC_STATIC)
            n += snprintf(buf + n, sizeof buf - n, ",static @%s",
                          m && t->scale_const < m->consts.len ? m->consts.data[t->scale_const].name
                                                              : "?");
        n += snprintf(buf + n, sizeof buf - n, ">[");
    }
    for (int i = 0; i < t->rank && n < (int)sizeof buf - 24; i++)
        n += snprintf(buf + n, sizeof buf - n, "%s%lld", i ? ", " : "", (long long)t->d[i]);
    snprintf(buf + n, sizeof buf - n, "]");
    return arena_strdup(a, buf);
}

IrModule *ir_module_new(HbCx *cx, const char *name)
{
    IrModule *m = arena_alloc(&cx->arena, sizeof *m);
    m->name = arena_strdup(&cx->arena, name ? name : "net");
    m->index = arena_alloc(&cx->arena, sizeof *m->index);
    m->index->arena = &cx->arena;
    return m;
}

/* Index the values and constants added since the last lookup (the first of two equal
 * names wins, as a scan in order would find it). */
static IrNameIndex *catch_up(const IrModule *m)
{
    IrNameIndex *x = m->index;
    HB_CHECK(x, "module %s was not made by ir_module_new", m->name);
    for (; x->nvalues < m->values.len; x->nvalues++)
        hb_strmap_put(&x->values, x->arena, m->values.data[x->nvalues].name, x->nvalues);
    for (; x->nconsts < m->consts.len; x->nconsts++)
        hb_strmap_put(&x->consts, x->arena, m->consts.data[x->nconsts].name, x->nconsts);
    return x;
}

uint32_t ir_value_find(const IrModule *m, const char *name)
{
    return hb_strmap_get(&catch_up(m)->values, name);
}

uint32_t ir_const_find(const IrModule *m, const char *name)
{
    return hb_strmap_get(&catch_up(m)->consts, name);
}

/* `base`, or `base.2`, `base.3`, ...: the first that is free. The next suffix to try
 * is remembered per base, so n equal bases cost O(n), not O(n^2). */
static const char *unique(HbCx *cx, const IrModule *m, const char *base, bool is_const)
{
    uint32_t (*taken)(const IrModule *, const char *) = is_const ? ir_const_find : ir_value_find;
    if (taken(m, base) == UINT32_MAX)
        return arena_strdup(&cx->arena, base);
    HbStrMap *next = is_const ? &m->index->const_suffix : &m->index->value_suffix;
    uint32_t slot = hb_strmap_get(next, base), k = slot == HB_STRMAP_NONE ? 2 : slot;
    const char *s;
    while (taken(m, s = arena_printf(&cx->arena, "%s.%u", base, k)) != UINT32_MAX)
        k++;
    hb_strmap_set(next, &cx->arena, slot == HB_STRMAP_NONE ? arena_strdup(&cx->arena, base) : base,
                  k + 1);
    return s;
}

uint32_t ir_const_new(HbCx *cx, IrModule *m, const char *name, const IrType *t)
{
    IrConst c = {.name = unique(cx, m, name, true), .type = *t};
    uint64_t n = ir_type_elems(t);
    if (t->enc == IR_F32)
        c.f = arena_calloc(&cx->arena, n ? n : 1, sizeof(float));
    else if (t->enc == IR_I32)
        c.i = arena_calloc(&cx->arena, n ? n : 1, sizeof(int32_t));
    else {
        uint64_t rows = t->rank ? (uint64_t)t->d[0] : 1, per = rows ? n / rows : 0;
        c.wpr = (per + 63) / 64;
        uint64_t words = (uint64_t)t->bits * rows * c.wpr;
        c.planes = arena_calloc(&cx->arena, words ? words : 1, sizeof(uint64_t));
        if (t->masked)
            c.masks = arena_calloc(&cx->arena, words ? words : 1, sizeof(uint64_t));
    }
    hb_vec_push(&cx->arena, &m->consts, c);
    return m->consts.len - 1;
}

uint32_t ir_const_f32(HbCx *cx, IrModule *m, const char *name, int rank, const int64_t *d,
                      const float *data)
{
    IrType t = ir_type_f32(rank, d);
    uint32_t id = ir_const_new(cx, m, name, &t);
    if (data)
        memcpy(m->consts.data[id].f, data, ir_type_elems(&t) * sizeof(float));
    return id;
}

uint32_t ir_const_f32_view(HbCx *cx, IrModule *m, const char *name, int rank, const int64_t *d,
                           const float *data)
{
    IrConst c = {.name = unique(cx, m, name, true), .type = ir_type_f32(rank, d)};
    c.f = (float *)(uintptr_t)data; // read-only from here on: see ir.h
    hb_vec_push(&cx->arena, &m->consts, c);
    return m->consts.len - 1;
}

uint32_t ir_const_i32(HbCx *cx, IrModule *m, const char *name, int rank, const int64_t *d,
                      const int32_t *data)
{
    IrType t = ir_type_i32(rank, d);
    uint32_t id = ir_const_new(cx, m, name, &t);
    if (data)
        memcpy(m->consts.data[id].i, data, ir_type_elems(&t) * sizeof(int32_t));
    return id;
}

IrInst *ir_emit(HbCx *cx, IrModule *m, IrOp op, const char *name, const IrType *t,
                const IrRef *args, uint32_t nargs)
{
    IrValue v = {.name = unique(cx, m, name, false), .type = *t, .def = m->insts.len};
    hb_vec_push(&cx->arena, &m->values, v);
    IrInst in = {.op = op, .result = m->values.len - 1, .nargs = nargs};
    in.args = arena_calloc(&cx->arena, nargs ? nargs : 1, sizeof(IrRef));
    if (nargs)
        memcpy(in.args, args, nargs * sizeof(IrRef));
    for (int k = 0; k < IR_MAX_ATTRS; k++)
        in.attr[k].n = 1;
    hb_vec_push(&cx->arena, &m->insts, in);
    return &m->insts.data[m->insts.len - 1];
}
