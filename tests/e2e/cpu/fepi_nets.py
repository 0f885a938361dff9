#!/usr/bin/env python3
"""fepi_nets.py OUTDIR SEED: random IR networks for the float conv's sign epilogue
(tests/e2e/cpu_float_epi.sh): input -> conv2d -> [batchnorm ->] sign -> bit-serial
bpop_conv2d -> icomb (an i32 output, so every sign bit shows). Output channels not
multiples of 8 or 64, stride 2, asymmetric padding, a sign read by two convolutions, and
cases the epilogue must leave alone (a grouped conv2d, a batch norm that is also an
output). Output channels 0 and 16 are exactly 0 (zero weights, bias and shift: the sign
rule's `> 0`; at an edge, so the float32 tiles' fix runs for their blocks); channel 1 has tiny weights and scale, so x * scale + shift is positive in double
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
# static quant scales per planes (middle-out's beta_2 > beta_1 for 2 and 3)
BETAS = {1: [0.7], 2: [0.3, 0.5], 3: [0.3, 0.5, 0.11], 4: [0.5, 0.25, 0.125, 0.0625]}


def bconv(i, x, C, H, W, O, k, s, p, K=1):
    """A one-plane bit-serial conv2d + icomb of K-plane bits value x (coefficients 1, 3,
    -5, 7: every plane shows); returns (lines, consts)."""
    OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    per = C * k * k
    t = bits1_const(R, "w%d" % i, O, C, k)
    coef = [1, 3, -5, 7][:K]
    t += "const @k%d : i32[1, %d] = { %s }\n" % (i, K, " ".join(map(str, coef)))
    lines = ("%%p%d : i32[%d, %d, %d, %d] = bpop_conv2d %%%s, @w%d stride=[%d,%d] "
             "pad=[%d,%d,%d,%d] dilation=[1,1] groups=1\n") % (i, K, O, OH, OW, x, i, s, s,
                                                               p, p, p, p)
    lines += "%%q%d : i32[%d, %d, %d] = icomb %%p%d, @k%d shift=0 bound=%d\n" % (
        i, O, OH, OW, i, i, per * sum(abs(c) for c in coef))
    return lines, t


def net(name, C, H, W, O, k, s, pad, groups=1, bn=True, readers=1, bn_out=False, quant=0,
        craft=None, betas=None, big_bias=False):
    """quant=K: a static quant widths=[K] (scales BETAS[K]) instead of the sign.
    craft(T): (cw, cb, bs, bh, x) replacing the random weights and inputs; betas: the
    quant's scales instead of BETAS[K]; big_bias: channel 3's bias is -1e31, past the
    float32 tiles' 2^100 (the epilogue stays in the double tiles)."""
    OH = (H + pad[0] + pad[1] - k) // s + 1
    OW = (W + pad[2] + pad[3] - k) // s + 1
    t = "hbir 1 network %s\n\n%%x : f32[%d, %d, %d] = input index=0\n" % (name, C, H, W)
    t += ("%%a : f32[%d, %d, %d] = conv2d %%x, @cw, @cb stride=[%d,%d] pad=[%d,%d,%d,%d] "
          "dilation=[1,1] groups=%d\n") % (O, OH, OW, s, s, *pad, groups)
    src = "a"
    if bn:
        t += "%%b : f32[%d, %d, %d] = batchnorm %%a, @bs, @bh\n" % (O, OH, OW)
        src = "b"
    if quant:
        t += ("%%s : bits<%d,static @qb>[%d, %d, %d] = quant %%%s widths=[%d] fracs=[1] "
              "select=middle-out seed=0\n") % (quant, O, OH, OW, src, quant)
    else:
        t += "%%s : bits<1,unit>[%d, %d, %d] = sign %%%s\n" % (O, OH, OW, src)
    outs, consts = [], ""
    for i in range(readers):
        ln, c = bconv(i, "s", O, OH, OW, R.choice([5, 9, 16]), 3, 1 + i, 1, max(quant, 1))
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
    if O > 16:  # also in the second 16-lane block: 0 is at an edge, so its fix runs
        cw[16 * T:17 * T], cb[16], bh[16] = [0.0] * T, 0.0, 0.0
    if O > 1:  # y * 1e-37 in [1e-47, 1e-43]: the float rounding decides the sign
        cw[T:2 * T] = [f32(R.choice([1, -1]) * 10 ** R.uniform(-10, -7)) for _ in range(T)]
        cb[1], bs[1], bh[1] = 0.0, f32(1e-37), 0.0
    xs = [f32(R.uniform(-1, 1)) for _ in range(7 * C * H * W)]
    if craft:
        cw, cb, bs, bh, xs = craft(T)
    if big_bias:
        cb[3] = f32(-1e31)
    t += const("cw", (O, C // groups, k, k), cw) + const("cb", (O,), cb)
    if bn:
        t += const("bs", (O,), bs) + const("bh", (O,), bh)
    if quant:
        t += const("qb", (quant,), betas or BETAS[quant])
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(t + consts)
    npy("%s/%s.npy" % (out, name), (7, C, H, W), xs)
    print(name)


def cancel(O, H, W):
    """Weights and inputs on which float32 sums decide signs wrongly: input channels 0 and
    1 are A and -A with equal weights (exactly 0 in double, a rounding residue in a
    float32 chain), channel 2 and the bias and shift are about 1e-3, so the outputs sit
    at their thresholds. Batch-norm scales of both signs and two of 0. Examples: A about
    1e4, 1e6, zeros, 1e-37 (subnormal products), up to 3e38 (float sums overflow,
    double ones do not), 1e30 (beyond the float path's input bound), and uniform(-1, 1)
    (inputs are finite: --run refuses others)."""
    def craft(T):
        k2 = T // 3
        cw = []
        for _ in range(O):
            w0 = [f32(R.choice([1, -1]) * R.uniform(0.5, 2)) for _ in range(k2)]
            cw += w0 + w0 + [f32(R.uniform(-1, 1)) for _ in range(k2)]
        cb = [f32(R.choice([0, 1]) * R.uniform(-1e-3, 1e-3)) for _ in range(O)]
        bs = [f32(R.choice([1, -1]) * R.uniform(0.5, 2)) for _ in range(O)]
        bh = [f32(R.uniform(-1e-3, 1e-3)) for _ in range(O)]
        bs[2], bh[2], bs[3], bh[3] = 0.0, 0.5, 0.0, -0.5  # constant 1 and 0
        xs = []
        for ex, (lo, hi) in enumerate([(1e3, 1e4), (1e6, 1e7), (0, 0), (1e-38, 1e-36),
                                       (1e37, 3e38), (1e30, 2e30), (0, 1)]):
            if ex == 6:
                xs += [f32(R.uniform(-1, 1)) for _ in range(3 * H * W)]
                continue
            A = [f32(R.choice([1, -1]) * R.uniform(lo, hi)) for _ in range(H * W)]
            small = [f32(R.uniform(-1e-3, 1e-3) * (1e-38 if ex == 3 else 1))
                     for _ in range(H * W)]
            mA = [-a for a in A]
            xs += A + mA + small
        return cw, cb, bs, bh, xs
    return craft


def scan_pairs(O, H, W, pairs):
    """One input channel, 3x3 taps whose row-1 taps kx = 0 and 1 are equal, so an output
    reading A and -A side by side sums them to exactly 0 in double while a float32 chain
    keeps a rounding residue of about 0.03 where the other terms are about 1e-3: the
    float path is right only if the bound scan saw A. Example i (of 7) has its pair at
    flat input index pairs[i] and pairs[i] + 1 (one row; None: uniform(-1, 1)), the rest
    about 1e-3: a scan that skips the 16-float vector holding them (one of its chains,
    its remainder vectors, all but one lane) decides wrongly."""
    def craft(T):
        cw = []
        for _ in range(O):
            w = [f32(R.choice([1, -1]) * R.uniform(0.5, 2)) for _ in range(T)]
            w[4] = w[3]
            cw += w
        cb = [f32(R.uniform(-1e-3, 1e-3)) for _ in range(O)]
        bs = [f32(R.choice([1, -1]) * R.uniform(0.5, 2)) for _ in range(O)]
        bh = [f32(R.uniform(-1e-3, 1e-3)) for _ in range(O)]
        xs = []
        for i in pairs:
            if i is None:
                xs += [f32(R.uniform(-1, 1)) for _ in range(H * W)]
                continue
            assert i % W + 1 < W and i % 16 != 15  # one row, one vector
            x = [f32(R.uniform(-1e-3, 1e-3)) for _ in range(H * W)]
            A = f32(R.choice([1, -1]) * R.uniform(1e6, 2e6))
            x[i], x[i + 1] = A, -A
            xs += x
        return cw, cb, bs, bh, xs
    return craft


net("f_vgg", 3, 10, 11, 64, 3, 1, (1, 1, 1, 1))  # whole words: no zeroing
net("f_odd", 5, 9, 9, 13, 3, 2, (1, 1, 1, 1))
net("f_70", 3, 7, 12, 70, 3, 1, (0, 1, 1, 0))  # two words per pixel, a partial block
net("f_over", 3, 6, 10, 64, 3, 1, (1, 1, 1, 1))  # AVX-512: 3 tiles of 3 blocks, 9 > 8
net("f_nobn", 4, 8, 8, 20, 1, 1, (0, 0, 0, 0), bn=False)
net("f_two", 6, 9, 7, 8, 3, 1, (1, 1, 1, 1), readers=2)
net("f_grp", 4, 6, 6, 8, 3, 1, (1, 1, 1, 1), groups=2)  # not fused: groups
net("f_bnout", 3, 6, 6, 9, 3, 1, (1, 1, 1, 1), bn_out=True)  # not fused: b is an output

# static multi-bit quant in the tile (K planes of packed words; lanes past O cleared)
net("f_q2", 3, 10, 11, 64, 3, 1, (1, 1, 1, 1), quant=2)
net("f_q3", 5, 9, 9, 13, 3, 2, (1, 1, 1, 1), quant=3)
net("f_q1", 3, 7, 12, 70, 3, 1, (0, 1, 1, 0), quant=1, readers=2)
net("f_q4", 4, 8, 8, 20, 1, 1, (0, 0, 0, 0), bn=False, quant=4)
net("f_q2grp", 4, 6, 6, 8, 3, 1, (1, 1, 1, 1), groups=2, quant=2)  # not fused: groups

# depthwise (groups = C = O: lanes read their own channels): 20 channels (a partial block
# of 16), stride 2 with a 2-bit quant
net("f_dw", 20, 9, 11, 20, 3, 1, (1, 1, 1, 1), groups=20)
net("f_dwq2", 16, 8, 9, 16, 3, 2, (1, 1, 1, 1), groups=16, quant=2)
net("f_dwbig", 12, 7, 9, 12, 3, 1, (1, 1, 1, 1), groups=12, big_bias=True)  # double tiles

# float32 sums with the exact fix (llvm_float_sign.c): 20 channels (a partial block of
# 16), 189 inputs (the bound's scan has a tail)
net("f_cancel", 3, 7, 9, 20, 3, 1, (1, 1, 1, 1), craft=cancel(20, 7, 9))
net("f_cancel1", 3, 7, 9, 20, 3, 1, (1, 1, 1, 1), bn=False, quant=1, craft=cancel(20, 7, 9))
# 3 planes whose 7 edges are all within the outputs' range (scales of about 1e-3)
net("f_cancel3", 3, 7, 9, 20, 3, 1, (1, 1, 1, 1), quant=3, craft=cancel(20, 7, 9),
    betas=[f32(6e-4), f32(1e-3), f32(2.2e-4)])
# the bound scan (81 floats: vectors 0-3 in four chains, vector 4 a remainder, a tail of
# 1): pairs in vector 2 (chain 2), 4 (the remainder), 3 (chain 3), 1 (lanes 4 and 5)
net("f_scan", 1, 9, 9, 16, 3, 1, (1, 1, 1, 1),
    craft=scan_pairs(16, 9, 9, [33, 66, 50, 20, None, None, 40]))


def fbn(name, C, H, W, O, k, s, pad, groups=1, relu=True, two=False):
    """conv2d -> batchnorm [-> relu] with float outputs: the tile's float epilogue (the
    batch norm in double rounded once, then relu). Scales of both signs and some 0 (so
    zeros of both signs reach relu); two: the batch norm is also an output (the relu then
    stays its own op)."""
    OH = (H + pad[0] + pad[1] - k) // s + 1
    OW = (W + pad[2] + pad[3] - k) // s + 1
    t = "hbir 1 network %s\n\n%%x : f32[%d, %d, %d] = input index=0\n" % (name, C, H, W)
    t += ("%%a : f32[%d, %d, %d] = conv2d %%x, @cw, @cb stride=[%d,%d] pad=[%d,%d,%d,%d] "
          "dilation=[1,1] groups=%d\n") % (O, OH, OW, s, s, *pad, groups)
    t += "%%b : f32[%d, %d, %d] = batchnorm %%a, @bs, @bh\n" % (O, OH, OW)
    outs = ["b"] if two or not relu else []
    if relu:
        t += "%%r : f32[%d, %d, %d] = relu %%b\n" % (O, OH, OW)
        outs.append("r")
    t += "".join("output %%%s\n" % o for o in outs) + "\n"
    T = C // groups * k * k
    cw = [f32(R.uniform(-1, 1) * 10 ** R.uniform(-2, 1)) for _ in range(O * T)]
    cb = [f32(R.uniform(-1, 1)) for _ in range(O)]
    bs = [f32(R.choice([1, -1, 0]) * R.uniform(0.5, 2)) for _ in range(O)]
    bh = [f32(R.choice([0, 1]) * R.uniform(-0.5, 0.5)) for _ in range(O)]
    t += const("cw", (O, C // groups, k, k), cw) + const("cb", (O,), cb)
    t += const("bs", (O,), bs) + const("bh", (O,), bh)
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(t)
    npy("%s/%s.npy" % (out, name), (7, C, H, W), [f32(R.uniform(-1, 1)) for _ in range(7 * C * H * W)])
    print(name)


# the float epilogue (batchnorm [-> relu] floats): 20 and 13 channels (partial blocks),
# stride 2, a depthwise conv, a batch norm that is also an output, and a grouped conv
# (not fused)
fbn("fb_relu", 3, 10, 11, 20, 3, 1, (1, 1, 1, 1))
fbn("fb_bn", 5, 9, 9, 13, 3, 2, (1, 0, 1, 1), relu=False)
fbn("fb_dw", 16, 8, 9, 16, 3, 1, (1, 1, 1, 1), groups=16)
fbn("fb_two", 4, 7, 8, 9, 3, 1, (1, 1, 1, 1), two=True)
fbn("fb_grp", 4, 6, 6, 8, 3, 1, (1, 1, 1, 1), groups=2)
