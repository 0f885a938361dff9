// SPDX-License-Identifier: MIT
/* graph.h: the checked network that sema produces from the AST: blocks expanded,
 * names resolved, shapes inferred, every quantization spec resolved through the
 * defaults cascade. Nodes are in topological order. Binding, quantization and
 * lowering to the IR read this; nothing after sema looks at the AST. */
#ifndef HB_GRAPH_H
#define HB_GRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "qspec.h"
#include "source.h"

/* X(ENUM, "name"): the built-in operations. dwconv2d becomes GOP_CONV2D with
 * groups = channels, relu6 GOP_HARDTANH with [0, 6] (GNode.written says what the user
 * wrote). dropout is the identity at inference (lowering drops it). */
#define HB_GRAPH_OPS(X)         \
    X(INPUT, "input")           \
    X(CONV2D, "conv2d")         \
    X(DENSE, "dense")           \
    X(BATCHNORM, "batchnorm")   \
    X(MAXPOOL, "maxpool")       \
    X(AVGPOOL, "avgpool")       \
    X(RELU, "relu")             \
    X(HARDTANH, "hardtanh")     \
    X(SIGMOID, "sigmoid")       \
    X(TANH, "tanh")             \
    X(LEAKY_RELU, "leaky_relu") \
    X(GELU, "gelu")             \
    X(DROPOUT, "dropout")       \
    X(SIGN, "sign")             \
    X(QUANT, "quant")           \
    X(FLATTEN, "flatten")       \
    X(ADD, "add")               \
    X(MUL, "mul")               \
    X(CONCAT, "concat")         \
    X(SOFTMAX, "softmax")       \
    X(ARGMAX, "argmax")

typedef enum GOp {
#define X(e, s) GOP_##e,
    HB_GRAPH_OPS(X)
#undef X
            GOP_COUNT
} GOp;

const char *gop_name(GOp op);

#define HB_MAX_RANK  4
#define HB_MAX_DIM   (1 << 24)           // one dimension, an op argument (channels, kernel)
#define HB_MAX_ELEMS (UINT64_C(1) << 31) // one tensor: an activation or a weight tensor

/* A tensor shape without the batch dimension: [C, H, W] for images, [N] for vectors,
 * [] (rank 0) for argmax's class index. */
typedef struct Shape {
    int64_t d[HB_MAX_RANK];
    int rank;   // (after d: no padding, as every node has a shape)
    bool known; // false after an error upstream: downstream checks stay quiet
} Shape;

/* Format "[128, 8, 8]" (or "?" for unknown) into buf; returns buf. */
char *shape_str(const Shape *s, char *buf, size_t len);
uint64_t shape_elems(const Shape *s);

typedef enum BiasMode { BIAS_AUTO, BIAS_TRUE, BIAS_FALSE } BiasMode;

/* Which tensors a parametric op binds, by role. */
typedef enum TensorRole {
    TR_WEIGHT,
    TR_BIAS,
    TR_RUNNING_MEAN,
    TR_RUNNING_VAR,
    TR_COUNT
} TensorRole;

/* An input's element type: float, or integers whose real value is scale * the integer
 * (lowered as exact residual bit planes: docs/ir.md §5). */
typedef enum InputKind { IN_F32, IN_U8, IN_I8 } InputKind;

typedef struct GNode {
    // (Fields are ordered to leave no padding: a 10^6-layer network has 10^6 nodes.)
    GOp op;
    uint32_t nin;
    uint32_t *in;        // producer node indices
    const char *label;   // full label path ("s1.conv"), NULL if unlabelled
    const char *name;    // for messages and --explain: the label, or "#7 sign"
    const char *written; // the op as written: "dwconv2d", "conv2d", "sign", ...
    const char *via;     // the block chain it came from ("std.conv_bn_act"), or NULL
    SrcSpan span;        // the statement that made this node (maybe inside a block)
    SrcSpan site;        // its outermost call site in the network body
    Shape shape;         // output shape

    // Attributes, by op.
    int64_t out;    // conv2d/dense: output channels / features
    int64_t kh, kw; // conv2d, pools: kernel
    int64_t sh, sw; // conv2d, pools: stride
    int64_t dh, dw; // conv2d: dilation
    int64_t pad[4]; // conv2d, pools: top, bottom, left, right
    int64_t groups; // conv2d
    bool global;    // avgpool(global)
    bool ceil;      // pools: ceil_mode
    BiasMode bias;  // conv2d/dense
    union {         // the scalar attributes of ops that have no window (a node is one op)
        double eps; // batchnorm
        struct {
            double lo, hi; // hardtanh; leaky_relu: lo is the negative slope; dropout: lo = p
        };
        struct {
            InputKind in_kind; // input: f32, or an integer input (docs/language.md)
            double in_scale;   // input u8/i8: the real value is in_scale * the integer
        };
        struct {
            uint32_t fold_pe; // dense/conv2d: `fold pe=P simd=S` (0, 0: none; docs/fpga.md)
            uint32_t fold_simd;
        };
    };
    union {                  // one or the other (a node has weights or is a quantizer).
        const QuantSpec *wq; // conv2d/dense: the weights' resolved spec
        const QuantSpec *aq; // quant/sign: the activation quantizer's resolved spec
    }; // never NULL: other ops point at an all-zero spec (a pointer: 112 bytes a node less)

    // Binding: the tensor names this node wants from the weights file.
    const char *tensor[TR_COUNT]; // NULL: role not used by this op
    SrcSpan tensor_span;          // where the name came from (label, params, rename)
    bool tensor_named[TR_COUNT];  // named by `params role="..."`: missing is an error

    // Filled by bind.c (weights file -> nodes) and quantize.c; NULL before that or
    // when the role is absent (bias=auto with no bias in the file).
    const struct WTensor *bound[TR_COUNT];
    struct QTensor *qw; // conv2d/dense: the quantized weight tensor

    // quant with `scale static`: the optional weights-file tensor of its scales
    // beta_1..beta_k ("L.scales" for label path L; NULL if unlabelled), and the tensor
    // bind.c found under that name (NULL if the file has none). --calibrate wins.
    const char *scales_tensor;
    const struct WTensor *scales_bound;
} GNode;

typedef struct Graph {
    const char *name;
    SrcSpan span;
    GNode *nodes;
    uint32_t n;
    uint32_t *outputs;
    uint32_t noutputs;
    // From the `weights` line (or --weights, which wins).
    const char *weights_path; // resolved relative to the .hb file; NULL if none
    SrcSpan weights_span;
    bool layout_keras;
    bool bound;     // bind.c attached the weights (GNode.bound)
    bool quantized; // quantize.c filled GNode.qw for every conv2d/dense
} Graph;

/* The tensor shape a role expects, in torch layout: conv [out, in/groups, kh, kw],
 * dense [out, in], bias and batch-norm vectors [C]. Returns false if the role is
 * not used by the node. */
bool gnode_tensor_shape(const Graph *g, const GNode *n, TensorRole r, Shape *out);
const char *tensor_role_suffix(TensorRole r); // "weight", "bias", ...

#endif
