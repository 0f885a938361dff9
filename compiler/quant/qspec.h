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

/* The enums below are stored in a byte (GCC/Clang `packed`): a QuantSpec is part of
 * every graph node, so its size is paid per layer (bench/README.md, scale). */
#define HB_SMALL_ENUM __attribute__((packed))

typedef enum HB_SMALL_ENUM QuantKind {
    QK_FLOAT, // unquantized
    QK_BITS,  // residual binarization, homogeneous or heterogeneous (HBNN)
    QK_INT,   // uniform symmetric integer, narrow range, round half to even
} QuantKind;

typedef enum HB_SMALL_ENUM Selection {
    SEL_MIDDLE_OUT,  // the paper's middle-out, reading A (algorithm.md 2.4)
    SEL_TOP_DOWN,    // larger |T| get fewer bits
    SEL_BOTTOM_UP,   // smaller |T| get fewer bits
    SEL_RANDOM,      // fixed pseudo-random permutation from `seed`
    SEL_MO_RESIDUAL, // extension (reading C): residual-aware middle-out, opt-in
} Selection;

typedef enum HB_SMALL_ENUM ScaleGran { SCALE_PER_TENSOR, SCALE_PER_CHANNEL } ScaleGran;
typedef enum HB_SMALL_ENUM Grouping { GROUP_ELEMENT, GROUP_CHANNEL } Grouping;
typedef enum HB_SMALL_ENUM ActScale { ACT_SCALE_RUNTIME, ACT_SCALE_STATIC } ActScale;

/* Where a resolved setting came from, for --explain. */
typedef enum HB_SMALL_ENUM QOrigin {
    QO_BUILTIN,       // nothing said: the built-in default
    QO_LAYER,         // a clause on the layer itself
    QO_BLOCK_ARG,     // a quant parameter of a block, passed by the caller
    QO_OVERRIDE,      // an --quant override file entry
    QO_DEFAULTS_OP,   // `defaults conv2d { ... }` in the network
    QO_DEFAULTS_NET,  // `defaults { ... }` in the network
    QO_DEFAULTS_FILE, // file-level `defaults { ... }`
} QOrigin;

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

const char *qorigin_name(QOrigin o);
const char *selection_name(Selection s);

#endif
