// SPDX-License-Identifier: MIT
/* ir.h: the integer kernel IR between lowering (lower.c) and every backend (the
 * reference interpreter interp.c, LLVM, Verilog). A module is one straight-line SSA
 * program over typed tensor values plus a pool of named constants; ops come from the
 * table in ir_ops.h. Text form: ir_print.c / ir_parse.c; checks: ir_verify.c.
 * The full specification, including the numeric semantics of each op, is docs/ir.md. */
#ifndef HB_IR_H
#define HB_IR_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cx.h"
#include "geometry.h"
#include "ir_ops.h"
#include "qspec.h"
#include "strmap.h"

#define IR_MAX_RANK  4                  // i32[P, C, H, W] pair sums are the widest values
#define IR_MAX_BITS  8                  // planes per bits value (HB_MAX_BITS)
#define IR_MAX_ATTRS 6                  // per op (see the schemas in ir_ops.h)
#define IR_MAX_LIST  8                  // entries in a list attribute
#define IR_ACC_LIMIT (INT64_C(1) << 30) // proven bound on |icomb accumulator| (docs/ir.md)

typedef enum IrOp {
#define X(e, name, operands) IR_OP_##e,
    HB_IR_OPS(X)
#undef X
            IR_OP_COUNT
} IrOp;

typedef enum IrEnc {
    IR_F32,  // float32 elements
    IR_I32,  // int32 elements (pair sums, accumulators, class indices)
    IR_BITS, // k residual sign planes (bit 1 = +1), optionally with per-element widths
} IrEnc;

/* How the level scales beta_1..beta_k of a bits value are known. */
typedef enum IrScale {
    IR_SC_NONE,    // not a bits value, or a bits constant (its scales are separate)
    IR_SC_UNIT,    // beta = 1 (sign: the value is exactly +-1)
    IR_SC_STATIC,  // beta from a constant f32[k] (type.scale_const)
    IR_SC_RUNTIME, // beta computed per example; carried with the value
} IrScale;

typedef struct IrType {
    IrEnc enc;
    uint8_t bits;         // IR_BITS: number of planes k (1..IR_MAX_BITS)
    bool masked;          // IR_BITS: elements carry their own width 1..k
    IrScale scale;        // IR_BITS values (constants: IR_SC_NONE)
    uint32_t scale_const; // IR_SC_STATIC: index of the f32[k] constant
    int rank;             // 0..IR_MAX_RANK; no batch dimension
    int64_t d[IR_MAX_RANK];
} IrType;

/* A constant. f32 and i32: `f` / `i` hold elems() values, row-major. Bits constants
 * (weights) have shape [rows, ...] and are packed per row like QTensor: element j of
 * row r (j counted over the row's product of the other dims) is bit j % 64 of word
 * [(m * rows + r) * wpr + j / 64] of `planes` (plane m) and of `masks` (masked only;
 * bit set iff the element's width is > m). Padding bits are 0. */
typedef struct IrConst {
    const char *name; // printed as @name
    IrType type;
    float *f;
    int32_t *i;
    uint64_t *planes, *masks;
    uint64_t wpr; // bits: 64-bit words per row per plane
    SrcSpan span; // parsed text: where it was defined
} IrConst;

typedef struct IrValue {
    const char *name; // printed as %name; unique in the module
    IrType type;
    uint32_t def; // the instruction that defines it
} IrValue;

typedef enum IrAttrKind {
    IR_ATTR_INT,
    IR_ATTR_FLOAT,
    IR_ATTR_INTS,
    IR_ATTR_FLOATS,
    IR_ATTR_SEL,
    IR_ATTR_OPT, // optional integer (0 = absent, not printed)
} IrAttrKind;

typedef struct IrAttr {
    int n;                  // list length (lists); 1 for scalars
    int64_t i[IR_MAX_LIST]; // int, int list, selection
    double f[IR_MAX_LIST];  // float, float list
} IrAttr;

typedef struct IrRef {
    bool is_const;
    uint32_t id; // value or constant index
} IrRef;

/* Lowering's record of what it folded into one icomb + threshold pair, in real
 * numbers: the ideal evaluation (interp.h, INTERP_IDEAL; docs/ir.md §6) uses it
 * instead of the rounded integer coefficients and thresholds. Both instructions point
 * at the same record. IR parsed from text has none: the text form keeps only the
 * integers. The activation scales are in the IR already: beta_n of the bits value the
 * bpop reads, and the threshold's result type (static @c, or unit for sign). */
typedef struct IrFold {
    const char *layer;                      // the conv2d / dense layer's name
    uint32_t rows;                          // alpha rows: 1 (per-tensor) or O (per-channel)
    int kw;                                 // weight planes
    const float *alpha;                     // [rows][kw]: the weight scales alpha_m
    const float *bias;                      // [O]: the layer's bias (zeros if none)
    const double *bn_a, *bn_mean, *bn_beta; // [O]: the folded batch-norm; NULL if none
} IrFold;

typedef struct IrInst {
    IrOp op;
    uint32_t result; // value index
    IrRef *args;
    uint32_t nargs;
    IrAttr attr[IR_MAX_ATTRS];
    SrcSpan span;       // parsed text: the instruction's line; lowering: the graph node's span
    const IrFold *fold; // lowering: icomb and threshold of a folded layer; else NULL
} IrInst;

/* Name -> index of the module's values and constants (ir.c). Caught up lazily with the
 * vectors by ir_value_find / ir_const_find, so the parser may push values directly. */
typedef struct IrNameIndex {
    Arena *arena;
    HbStrMap values, consts;
    uint32_t nvalues, nconsts;           // entries indexed so far
    HbStrMap value_suffix, const_suffix; // base name -> next ".N" to try (ir.c unique)
} IrNameIndex;

typedef struct IrModule {
    const char *name;
    IrNameIndex *index;
    HbVec(IrInst) insts;
    HbVec(IrValue) values;
    HbVec(IrConst) consts;
    HbVec(uint32_t) inputs;  // value indices of the input instructions, by index attr
    HbVec(uint32_t) outputs; // value indices, in output order
} IrModule;

/* ---- named attribute accessors, one per HB_IR_ATTRS row ----
 * ir_conv2d_groups(in) is the value (int64_t for i and s, double for f, const IrAttr *
 * for the lists I and F); ir_conv2d_groups_set(in) the IrAttr to fill. Both check the
 * op in debug builds, so an accessor used on the wrong instruction fails at once. */
#define IR_ATTR_CT_i     int64_t
#define IR_ATTR_CT_s     int64_t
#define IR_ATTR_CT_o     int64_t
#define IR_ATTR_CT_f     double
#define IR_ATTR_CT_I     const IrAttr *
#define IR_ATTR_CT_F     const IrAttr *
#define IR_ATTR_GET_i(a) ((a)->i[0])
#define IR_ATTR_GET_s(a) ((a)->i[0])
#define IR_ATTR_GET_o(a) ((a)->i[0])
#define IR_ATTR_GET_f(a) ((a)->f[0])
#define IR_ATTR_GET_I(a) (a)
#define IR_ATTR_GET_F(a) (a)
#define A(E, opname, k, name, T)                                        \
    static inline IR_ATTR_CT_##T ir_##opname##_##name(const IrInst *in) \
    {                                                                   \
        assert(in->op == IR_OP_##E);                                    \
        return IR_ATTR_GET_##T(&in->attr[k]);                           \
    }                                                                   \
    static inline IrAttr *ir_##opname##_##name##_set(IrInst *in)        \
    {                                                                   \
        assert(in->op == IR_OP_##E);                                    \
        return &in->attr[k];                                            \
    }
HB_IR_ATTRS(A)
#undef A

/* ---- window geometry: conv2d, bpop_conv2d, maxpool, avgpool ---- */
typedef struct IrWindow {
    int64_t C, H, W;        // input [C, H, W]
    int64_t O, OH, OW;      // output channels (C for pools) and spatial size
    int64_t kh, kw, sh, sw; // kernel, stride
    int64_t dh, dw;         // dilation (1 for pools)
    int64_t pt, pb, pl, pr; // zero padding top, bottom, left, right
    int64_t groups;         // 1 for pools
    bool ceil;              // pools: ceil_mode (output size rounds up)
} IrWindow;
/* A pool's output size: hb_window_out, or with `ceil` PyTorch's ceil_mode: rounded up,
 * minus one if the last window would start past the input and its leading padding. */
int64_t ir_pool_out(int64_t h, int64_t p0, int64_t p1, int64_t k, int64_t s, bool ceil);
/* avgpool: the divisor of output pixel (oy, ox): the window's positions inside the
 * padded input (PyTorch's count_include_pad=True); a ceil_mode window that runs past
 * the padding counts only the part inside. */
int64_t ir_avgpool_count(const IrWindow *w, int64_t oy, int64_t ox);
/* The geometry of a windowed instruction; OH and OW come from hb_window_out
 * (geometry.h) and are 0 when the window does not fit. Needs the input [C, H, W], the
 * weights [O, C/g, kh, kw] and list attributes of the right lengths (the verifier
 * checks these before calling it). */
IrWindow ir_window(const IrModule *m, const IrInst *in);
/* A dense layer of N inputs and O outputs as the window of a 1x1 convolution over an
 * N x 1 x 1 input (kernels written for convolutions run it unchanged). */
IrWindow ir_window_dense(int64_t N, int64_t O);
/* The input pixel (iy, ix) that tap (ky, kx) of output pixel (oy, ox) reads; false when
 * it falls in the padding (it then contributes nothing). */
static inline bool ir_window_tap(const IrWindow *w, int64_t oy, int64_t ox, int64_t ky, int64_t kx,
                                 int64_t *iy, int64_t *ix)
{
    *iy = oy * w->sh - w->pt + ky * w->dh;
    *ix = ox * w->sw - w->pl + kx * w->dw;
    return *iy >= 0 && *iy < w->H && *ix >= 0 && *ix < w->W;
}

/* ---- the value order of bits codes (ir_codes.c; maxpool on bits, docs/ir.md §4) ----
 * Element (width w, code s: bit n = plane n; bits at or above w are ignored) has index
 * ir_code_index(s, w, k) < IR_CODE_RANKS in a rank table. ir_code_ranks fills rank[]
 * with each possible (w, s)'s position among the values dequant gives them (in double)
 * and returns whether those values are all distinct, so that the element of largest
 * rank is the element of largest value: always for 1-bit unmasked values (rank = the
 * sign bit), for static scales when no two codes share a value, never for runtime
 * scales with more than one plane. */
#define IR_CODE_RANKS ((IR_MAX_BITS + 1) << IR_MAX_BITS)
static inline unsigned ir_code_index(unsigned s, int w, int k)
{
    return ((unsigned)w << k) | (s & ((1u << w) - 1));
}
bool ir_code_ranks(const IrModule *m, const IrType *t, uint16_t *rank);

/* ---- the op table ---- */
const char *ir_op_name(IrOp op);
const char *ir_op_operands(IrOp op); // the operand signature string
int ir_op_nattrs(IrOp op);
/* Attribute k of `op`: its name (copied into buf) and kind. */
const char *ir_op_attr(IrOp op, int k, IrAttrKind *kind, char *buf, size_t len);
bool ir_op_lookup(const char *name, size_t len, IrOp *out);

/* ---- types ---- */
uint64_t ir_type_elems(const IrType *t);
bool ir_type_eq(const IrType *a, const IrType *b);
IrType ir_type_f32(int rank, const int64_t *d);
IrType ir_type_i32(int rank, const int64_t *d);
/* "f32[128]", "bits<3,masked,runtime>[64]", "bits<1,static @s.beta>[8, 4, 4]" (arena). */
const char *ir_type_str(Arena *a, const IrModule *m, const IrType *t);

/* ---- builder: everything is allocated in cx->arena ---- */
IrModule *ir_module_new(HbCx *cx, const char *name);
/* A new constant; its data arrays are allocated (zeroed) to fit `t`. `name` is made
 * unique by appending ".2", ".3", ... if needed. Returns its index. */
uint32_t ir_const_new(HbCx *cx, IrModule *m, const char *name, const IrType *t);
uint32_t ir_const_f32(HbCx *cx, IrModule *m, const char *name, int rank, const int64_t *d,
                      const float *data);
uint32_t ir_const_i32(HbCx *cx, IrModule *m, const char *name, int rank, const int64_t *d,
                      const int32_t *data);
/* An f32 constant over `data` itself, not a copy: for the big weight arrays that
 * lowering already holds in cx->arena (a 10^7-weight network would otherwise keep two
 * copies). `data` must outlive the module and nobody may write it afterwards. */
uint32_t ir_const_f32_view(HbCx *cx, IrModule *m, const char *name, int rank, const int64_t *d,
                           const float *data);
/* Append an instruction defining a new value named `name` (made unique) of type `t`.
 * Attributes start zeroed; fill inst->attr through the returned pointer (valid until
 * the next ir_emit). Returns the instruction. */
IrInst *ir_emit(HbCx *cx, IrModule *m, IrOp op, const char *name, const IrType *t,
                const IrRef *args, uint32_t nargs);
static inline IrRef ir_v(uint32_t id)
{
    return (IrRef){false, id};
}
static inline IrRef ir_c(uint32_t id)
{
    return (IrRef){true, id};
}
/* Value / constant lookup by name (without the sigil); UINT32_MAX if absent. */
uint32_t ir_value_find(const IrModule *m, const char *name);
uint32_t ir_const_find(const IrModule *m, const char *name);
static inline const IrType *ir_arg_type(const IrModule *m, IrRef r)
{
    return r.is_const ? &m->consts.data[r.id].type : &m->values.data[r.id].type;
}

/* ---- text form, verifier ---- */
void ir_print(FILE *out, const IrModule *m);
/* Parse IR text registered as source `file` (cx_add_source / cx_load_file). Errors are
 * reported with spans; returns NULL if any. The result is not verified. */
IrModule *ir_parse(HbCx *cx, uint32_t file);
/* Check everything docs/ir.md requires (SSA, types, shapes, constants, attributes,
 * accumulator bounds). Reports each problem with diag_error at the instruction's span
 * (or file-level, prefixed with `what`, for lowered modules). Returns true if clean. */
bool ir_verify(HbCx *cx, const IrModule *m, const char *what);
/* For modules the compiler built (lowering): failing the verifier is a compiler bug,
 * not an input error, so this prints the verifier's errors and exits through
 * HB_UNREACHABLE ("internal error", exit 3). IR text from the user goes through
 * ir_verify and stays an input error. */
void ir_verify_built(HbCx *cx, const IrModule *m, const char *what);

#endif
