#!/usr/bin/env python3
"""fepi_nets.py OUTDIR SEED: random IR networks for the float conv's sign epilogue
(tests/e2e/cpu_float_epi.sh): input -> conv2d -> [batchnorm ->] sign -> bit-serial
bpop_conv2d -> icomb (an i32 output, so every sign bit shows). Output channels not
multiples of 8 or 64, stride 2, asymmetric padding, a sign read by two convolutions, and
cases the epilogue must leave alone (a grouped conv2d, a batch norm that is also an
output). Output channel 0 is exactly 0 (zero weights, bias and shift: the sign rule's
`> 0`); channel 1 has tiny weights and scale, so x * scale + shift is positive in double
but often rounds to 0 in float (the batch norm is rounded once, then compared). Writes
NAME.ir and NAME.npy (float32 [7, C, H, W]), prints the names. Standard library only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import bits1_const, const, f32, npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)


def bconv(i, x, C, H, W, O, k, s, p):
    """A one-plane bit-serial conv2d + icomb of bits value x; returns (lines, consts)."""
    OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    per = C * k * k
    t = bits1_const(R, "w%d" % i, O, C, k)
    t += "const @k%d : i32[1, 1] = { 1 }\n" % i
    lines = ("%%p%d : i32[1, %d, %d, %d] = bpop_conv2d %%%s, @w%d stride=[%d,%d] "
             "pad=[%d,%d,%d,%d] dilation=[1,1] groups=1\n") % (i, O, OH, OW, x, i, s, s,
                                                               p, p, p, p)
    lines += "%%q%d : i32[%d, %d, %d] = icomb %%p%d, @k%d shift=0 bound=%d\n" % (
        i, O, OH, OW, i, i, per)
    return lines, t


def net(name, C, H, W, O, k, s, pad, groups=1, bn=True, readers=1, bn_out=False):
    OH = (H + pad[0] + pad[1] - k) // s + 1
    OW = (W + pad[2] + pad[3] - k) // s + 1
    t = "hbir 1 network %s\n\n%%x : f32[%d, %d, %d] = input index=0\n" % (name, C, H, W)
    t += ("%%a : f32[%d, %d, %d] = conv2d %%x, @cw, @cb stride=[%d,%d] pad=[%d,%d,%d,%d] "
          "dilation=[1,1] groups=%d\n") % (O, OH, OW, s, s, *pad, groups)
    src = "a"
    if bn:
        t += "%%b : f32[%d, %d, %d] = batchnorm %%a, @bs, @bh\n" % (O, OH, OW)
        src = "b"
    t += "%%s : bits<1,unit>[%d, %d, %d] = sign %%%s\n" % (O, OH, OW, src)
    outs, consts = [], ""
    for i in range(readers):
        ln, c = bconv(i, "s", O, OH, OW, R.choice([5, 9, 16]), 3, 1 + i, 1)
        t += ln
        consts += c
        outs.append("q%d" % i)
    if bn_out:
        outs.append("b")
    t += "".join("output %%%s\n" % o for o in outs) + "\n"
    T = C // groups * k * k
    cw = [f32(R.uniform(-1, 1) * 10 ** R.uniform(-2, 1)) for _ in range(O * T)]
    cb = [f32(R.uniform(-1, 1)) for _ in range(O)]
    bs = [f32(R.uniform(0.5, 2)) for _ in range(O)]
    bh = [f32(R.uniform(-0.5, 0.5)) for _ in range(O)]
    cw[0:T], cb[0], bh[0] = [0.0] * T, 0.0, 0.0  # exactly 0: sign -1
    if O > 1:  # y * 1e-37 in [1e-47, 1e-43]: the float rounding decides the sign
        cw[T:2 * T] = [f32(R.choice([1, -1]) * 10 ** R.uniform(-10, -7)) for _ in range(T)]
        cb[1], bs[1], bh[1] = 0.0, f32(1e-37), 0.0
    t += const("cw", (O, C // groups, k, k), cw) + const("cb", (O,), cb)
    if bn:
        t += const("bs", (O,), bs) + const("bh", (O,), bh)
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(t + consts)
    npy("%s/%s.npy" % (out, name), (7, C, H, W),
        [f32(R.uniform(-1, 1)) for _ in range(7 * C * H * W)])
    print(name)


net("f_vgg", 3, 10, 11, 64, 3, 1, (1, 1, 1, 1))  # whole words: no zeroing
net("f_odd", 5, 9, 9, 13, 3, 2, (1, 1, 1, 1))
net("f_70", 3, 7, 12, 70, 3, 1, (0, 1, 1, 0))  # two words per pixel, a partial block
net("f_over", 3, 6, 10, 64, 3, 1, (1, 1, 1, 1))  # AVX-512: 3 tiles of 3 blocks, 9 > 8
net("f_nobn", 4, 8, 8, 20, 1, 1, (0, 0, 0, 0), bn=False)
net("f_two", 6, 9, 7, 8, 3, 1, (1, 1, 1, 1), readers=2)
net("f_grp", 4, 6, 6, 8, 3, 1, (1, 1, 1, 1), groups=2)  # not fused: groups
net("f_bnout", 3, 6, 6, 9, 3, 1, (1, 1, 1, 1), bn_out=True)  # not fused: b is an output
