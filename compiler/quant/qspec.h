// SPDX-License-Identifier: MIT
/* qspec.h: a resolved quantization spec, the contract between sema (which resolves
 * the defaults cascade), the quantizer (quant.c) and lowering. One QuantSpec per
 * weight tensor and per activation quantizer; every field is set (no "unset"). */
#ifndef HB_QSPEC_H
#define HB_QSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "source.h"

#define HB_MAX_BITS   8 // widths are 1..8
#define HB_MAX_SHARES 8 // at most one share per width
/* A distribution's fractions must sum to 1 within this (0.01 percentage points, the
 * language's rule), plus a hair for the rounding of the decimal shares: 33.33% * 3
 * sums to 0.99990000000000001 or so. Sema, the quantizer and the IR verifier all use it. */
#define HB_DIST_TOL (1e-4 + 1e-9)

/* The enums below are stored in a byte (GCC/Clang `packed`): a QuantSpec is part of
 * every graph node, so its size is paid per layer (bench/README.md, scale). */
#define HB_SMALL_ENUM __attribute__((packed))

typedef enum HB_SMALL_ENUM QuantKind {
    QK_FLOAT, // unquantized
    QK_BITS,  // residual binarization, homogeneous or heterogeneous (HBNN)
    QK_INT,   // uniform symmetric integer, narrow range, round half to even
} QuantKind;

/* The spec's named settings, one X-macro each: X(ENUM, "name") generates the enum and
 * the name table (qspec.c), which sema matches against the source words, --explain
 * and the IR text print, and the IR parser reads. Names are spelled as in the .hb
 * language (docs/language.md). */
#define HB_SELECTIONS(X)                                                       \
    X(MIDDLE_OUT, "middle-out")   /* the paper's middle-out, reading A */      \
    X(TOP_DOWN, "top-down")       /* larger |T| get fewer bits */              \
    X(BOTTOM_UP, "bottom-up")     /* smaller |T| get fewer bits */             \
    X(RANDOM, "random")           /* fixed pseudo-random permutation (seed) */ \
    X(MO_RESIDUAL, "mo-residual") /* extension (reading C), opt-in */

#define HB_SCALE_GRANS(X)       \
    X(PER_TENSOR, "per-tensor") \
    X(PER_CHANNEL, "per-channel")

#define HB_GROUPINGS(X)   \
    X(ELEMENT, "element") \
    X(CHANNEL, "channel")

#define HB_ACT_SCALES(X)  \
    X(RUNTIME, "runtime") \
    X(STATIC, "static")

/* Where a resolved setting came from, for --explain. */
#define HB_QORIGINS(X)                                                                 \
    X(BUILTIN, "built-in default")      /* nothing said */                             \
    X(LAYER, "layer")                   /* a clause on the layer itself */             \
    X(BLOCK_ARG, "block argument")      /* a quant parameter of a block */             \
    X(OVERRIDE, "override file")        /* an --quant override file entry */           \
    X(DEFAULTS_OP, "op defaults")       /* `defaults conv2d { ... }` in the network */ \
    X(DEFAULTS_NET, "network defaults") /* `defaults { ... }` in the network */        \
    X(DEFAULTS_FILE, "file defaults")   /* file-level `defaults { ... }` */

typedef enum HB_SMALL_ENUM Selection {
#define X(e, s) SEL_##e,
    HB_SELECTIONS(X)
#undef X
            SEL_COUNT
} Selection;
typedef enum HB_SMALL_ENUM ScaleGran {
#define X(e, s) SCALE_##e,
    HB_SCALE_GRANS(X)
#undef X
            SCALE_COUNT
} ScaleGran;
typedef enum HB_SMALL_ENUM Grouping {
#define X(e, s) GROUP_##e,
    HB_GROUPINGS(X)
#undef X
            GROUP_COUNT
} Grouping;
typedef enum HB_SMALL_ENUM ActScale {
#define X(e, s) ACT_SCALE_##e,
    HB_ACT_SCALES(X)
#undef X
            ACT_SCALE_COUNT
} ActScale;
typedef enum HB_SMALL_ENUM QOrigin {
#define X(e, s) QO_##e,
    HB_QORIGINS(X)
#undef X
            QO_COUNT
} QOrigin;

/* The name tables, indexed by the enums. */
extern const char *const selection_names[SEL_COUNT];
extern const char *const scale_gran_names[SCALE_COUNT];
extern const char *const grouping_names[GROUP_COUNT];
extern const char *const act_scale_names[ACT_SCALE_COUNT];
extern const char *const qorigin_names[QO_COUNT];

typedef struct QuantSpec {
    /* QK_BITS: the distribution, widths strictly ascending, fractions summing to 1.
     * Homogeneous `bits k` is one share (k, 1.0). When avg_search is set the shares
     * are chosen by the quantizer (bits avg X) and nshares is 0 here. (Fields are
     * ordered widest first: no padding.) */
    double share_frac[HB_MAX_SHARES];
    double avg;
    uint64_t seed; // SEL_RANDOM
    int nshares;
    int int_bits; // QK_INT: k in int k (2..16)
    SrcSpan span; // where the kind was written (invalid for built-in)
    uint8_t share_bits[HB_MAX_SHARES];
    QuantKind kind;
    bool avg_search;
    Selection select;
    ScaleGran scale;
    Grouping group;
    ActScale act_scale; // activation quantizers only
    QOrigin origin_kind, origin_select, origin_scale, origin_group;
} QuantSpec;

/* Names with a range check ("?" for a value outside the enum). */
const char *qorigin_name(QOrigin o);
const char *selection_name(Selection s);
const char *scale_gran_name(ScaleGran g);
const char *grouping_name(Grouping g);
const char *act_scale_name(ActScale a);

#endif
