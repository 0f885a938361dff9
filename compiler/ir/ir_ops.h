// SPDX-License-Identifier: MIT
/* ir_ops.h: THE opcode table of the kernel IR. One X-macro row per op generates the
 * enum (ir.h), the names, the operand signatures and attribute schemas used by the
 * printer, the parser and the verifier, and the verifier and interpreter dispatch
 * tables. docs/ir.md is the prose specification of every row. */
#ifndef HB_IR_OPS_H
#define HB_IR_OPS_H

/* X(ENUM, "name", "operands", "attributes")
 * operands: one letter per operand, 'v' an SSA value, 'c' a constant, a trailing '*'
 *   repeats the previous letter zero or more times (concat: "vv*").
 * attributes: space-separated NAME:T, printed and parsed in this order, all required.
 *   T is i (integer), f (double), I (integer list), F (double list), s (selection name).
 */
#define HB_IR_OPS(X)                                                          \
    X(INPUT, "input", "", "index:i")                                          \
    X(DENSE, "dense", "vcc", "")                                              \
    X(CONV2D, "conv2d", "vcc", "stride:I pad:I dilation:I groups:i")          \
    X(BATCHNORM, "batchnorm", "vcc", "")                                      \
    X(RELU, "relu", "v", "")                                                  \
    X(HARDTANH, "hardtanh", "v", "lo:f hi:f")                                 \
    X(MAXPOOL, "maxpool", "v", "kernel:I stride:I pad:I")                     \
    X(AVGPOOL, "avgpool", "v", "kernel:I stride:I")                           \
    X(FLATTEN, "flatten", "v", "")                                            \
    X(ADD, "add", "vv", "")                                                   \
    X(CONCAT, "concat", "vv*", "")                                            \
    X(SOFTMAX, "softmax", "v", "")                                            \
    X(ARGMAX, "argmax", "v", "")                                              \
    X(SIGN, "sign", "v", "")                                                  \
    X(QUANT, "quant", "v", "widths:I fracs:F select:s seed:i")                \
    X(DEQUANT, "dequant", "v", "")                                            \
    X(BPOP_DENSE, "bpop_dense", "vc", "")                                     \
    X(BPOP_CONV2D, "bpop_conv2d", "vc", "stride:I pad:I dilation:I groups:i") \
    X(ICOMB, "icomb", "vc", "shift:i bound:i")                                \
    X(FCOMB, "fcomb", "vvcc", "")                                             \
    X(THRESHOLD, "threshold", "vcc", "")

#endif
