// SPDX-License-Identifier: MIT
/* ir_ops.h: THE opcode table of the kernel IR. One X-macro row per op generates the
 * enum (ir.h), the names and operand signatures used by the printer, the parser and
 * the verifier, and every per-op dispatch table (verifier, interpreter, backends); one
 * row per attribute generates the attribute schemas and the named accessors (ir.h).
 * docs/ir.md is the prose specification of every row. */
#ifndef HB_IR_OPS_H
#define HB_IR_OPS_H

/* X(ENUM, name, "operands"): `name` is the op's text-form name and the suffix of its
 * handler in every dispatch table (v_NAME in the verifier, ...).
 * operands: one letter per operand, 'v' an SSA value, 'c' a constant, a trailing '*'
 *   repeats the previous letter zero or more times (concat: "vv*"). */
#define HB_IR_OPS(X)                  \
    X(INPUT, input, "")               \
    X(DENSE, dense, "vcc")            \
    X(CONV2D, conv2d, "vcc")          \
    X(BATCHNORM, batchnorm, "vcc")    \
    X(RELU, relu, "v")                \
    X(HARDTANH, hardtanh, "v")        \
    X(SIGMOID, sigmoid, "v")          \
    X(TANH, tanh, "v")                \
    X(LEAKY_RELU, leaky_relu, "v")    \
    X(GELU, gelu, "v")                \
    X(MAXPOOL, maxpool, "v")          \
    X(AVGPOOL, avgpool, "v")          \
    X(FLATTEN, flatten, "v")          \
    X(ADD, add, "vv")                 \
    X(MUL, mul, "vv")                 \
    X(CONCAT, concat, "vv*")          \
    X(SOFTMAX, softmax, "v")          \
    X(ARGMAX, argmax, "v")            \
    X(SIGN, sign, "v")                \
    X(QUANT, quant, "v")              \
    X(DEQUANT, dequant, "v")          \
    X(BPOP_DENSE, bpop_dense, "vc")   \
    X(BPOP_CONV2D, bpop_conv2d, "vc") \
    X(ICOMB, icomb, "vc")             \
    X(FCOMB, fcomb, "vvcc")           \
    X(THRESHOLD, threshold, "vcc")

/* A(ENUM, op, position, name, T): attribute `name` of op ENUM, printed and parsed in
 * position order (0, 1, ... with no gaps; check_ir tests it), all required but o.
 * T is i (integer), f (double), I (integer list), F (double list), s (selection name),
 * o (optional integer: 0 when absent, and not printed when 0, so old IR text still parses).
 * Each row generates the accessor ir_OP_NAME(inst) (ir.h); lowering writes through
 * ir_OP_NAME_set(inst). */
#define HB_IR_ATTRS(A)                          \
    A(INPUT, input, 0, index, i)                \
    A(CONV2D, conv2d, 0, stride, I)             \
    A(CONV2D, conv2d, 1, pad, I)                \
    A(CONV2D, conv2d, 2, dilation, I)           \
    A(CONV2D, conv2d, 3, groups, i)             \
    A(HARDTANH, hardtanh, 0, lo, f)             \
    A(HARDTANH, hardtanh, 1, hi, f)             \
    A(LEAKY_RELU, leaky_relu, 0, slope, f)      \
    A(MAXPOOL, maxpool, 0, kernel, I)           \
    A(MAXPOOL, maxpool, 1, stride, I)           \
    A(MAXPOOL, maxpool, 2, pad, I)              \
    A(MAXPOOL, maxpool, 3, ceil, i)             \
    A(AVGPOOL, avgpool, 0, kernel, I)           \
    A(AVGPOOL, avgpool, 1, stride, I)           \
    A(AVGPOOL, avgpool, 2, pad, I)              \
    A(AVGPOOL, avgpool, 3, ceil, i)             \
    A(QUANT, quant, 0, widths, I)               \
    A(QUANT, quant, 1, fracs, F)                \
    A(QUANT, quant, 2, select, s)               \
    A(QUANT, quant, 3, seed, i)                 \
    A(BPOP_DENSE, bpop_dense, 0, pe, o)         \
    A(BPOP_DENSE, bpop_dense, 1, simd, o)       \
    A(BPOP_CONV2D, bpop_conv2d, 0, stride, I)   \
    A(BPOP_CONV2D, bpop_conv2d, 1, pad, I)      \
    A(BPOP_CONV2D, bpop_conv2d, 2, dilation, I) \
    A(BPOP_CONV2D, bpop_conv2d, 3, groups, i)   \
    A(BPOP_CONV2D, bpop_conv2d, 4, pe, o)       \
    A(BPOP_CONV2D, bpop_conv2d, 5, simd, o)     \
    A(ICOMB, icomb, 0, shift, i)                \
    A(ICOMB, icomb, 1, bound, i)

#endif
