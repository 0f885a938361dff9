#!/usr/bin/env python3
"""epi_nets.py OUTDIR SEED: random IR chains of bit-serial convolutions for the fused
threshold epilogue (tests/e2e/cpu_epilogue.sh): input -> static quant -> bpop_conv2d ->
icomb -> threshold [-> 1-bit maxpool] -> bpop_conv2d -> ... -> icomb (an i32 output, so
every activation bit shows). Multi-plane and masked weights, 1- and 2-plane thresholds,
output channels not multiples of 8 or 64, padding, stride 2, groups, OR pools that drop a
row (floor) or end in a partial window (ceil), a threshold read by two convolutions, and
cases the epilogue must leave alone (a grouped consumer, a threshold that is also an
output). Writes NAME.ir and NAME.npy (float32 [7, input shape]), prints the names.
A sign input packs for its convolutions itself. Standard library only."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bitnet  # noqa: E402
from bitnet import Net  # noqa: E402

R = bitnet.setup(sys.argv[1], int(sys.argv[2]))


# direct chains: 13 and 70 channels, 2 weight planes, a 2-plane threshold, stride 2
n = Net("e_direct", 3, 9, 10, 1)
t = n.thresh(n.conv(n.input(), 13, 3, 1, 1, 2), 1)
t = n.thresh(n.conv(t, 70, 3, 2, 1, 1), 2)
a = n.conv(t, 9, 1, 1, 0, 2)
n.outs.append(a[0])
n.write()

# OR pools: 2x2 dropping the last row and column, then 3x3 ceil (a partial window);
# masked 3-plane weights on a 2-plane input; 67 channels
n = Net("e_pool", 5, 11, 11, 2)
t = n.thresh(n.conv(n.input(), 67, 3, 1, 1, 3, masked=True), 1)
t = n.thresh(n.conv(n.pool(t, 2, False), 16, 3, 1, 1, 1), 1)
a = n.conv(n.pool(t, 3, True), 5, 2, 1, 0, 2)
n.outs.append(a[0])
n.write()

# a grouped producer (16 channels per group) into a one-group consumer; a grouped
# consumer (not fused); 128 channels (whole words, no zeroing)
n = Net("e_groups", 8, 7, 6, 1)
t = n.thresh(n.conv(n.input(), 32, 3, 1, 1, 2, groups=2), 2)
t = n.thresh(n.conv(t, 128, 3, 1, 1, 1), 1)
t = n.thresh(n.conv(t, 24, 3, 2, 1, 1, groups=4), 1)
a = n.conv(t, 11, 3, 1, 1, 1)
n.outs.append(a[0])
n.write()

# one threshold read by three convolutions (fused, one reader stride 2 unpadded); a
# 2-plane threshold also dequantized as an output (not fused)
n = Net("e_shared", 6, 8, 8, 1)
t = n.thresh(n.conv(n.input(), 40, 3, 1, 1, 1), 1)
a1 = n.conv(t, 7, 3, 1, 1, 1)
a2 = n.conv(t, 9, 3, 2, 0, 2)
t2 = n.thresh(n.conv(t, 20, 1, 1, 0, 1), 2)
a3 = n.conv(t2, 5, 3, 1, 1, 1)
n.lines.append("%%d : f32[%d, %d, %d] = dequant %%%s" % (t2[1], t2[2], t2[3], t2[0]))
n.outs += [a1[0], a2[0], a3[0], "d"]
n.write()

# a sign of floats packed for two convolutions (70 channels, stride 2 and unpadded)
n = Net("e_sign", 70, 7, 9, 0)
t = n.thresh(n.conv(n.input(), 12, 3, 2, 1, 2), 1)
a1 = n.conv(n.input(), 5, 2, 1, 0, 1)
a = n.conv(t, 6, 3, 1, 1, 1)
n.outs += [a[0], a1[0]]
n.write()

# code pools (multi-bit threshold -> max pool on code ranks, fused): 2-plane codes with
# beta_2 > beta_1 in 2x2 windows dropping a row and a column (floor), 13 channels;
# 3-plane codes after a stride-2 conv (70 channels) in 3x3 ceil windows (a partial
# one); a 3-plane input; then a 2-plane threshold with no pool and a 1-bit OR pool
# one-reader convolutions as outputs after each code pool (every pooled code shows)
n = Net("e_codes", 5, 21, 19, 3)
t = n.thresh(n.conv(n.input(), 13, 3, 1, 1, 2), 2, "m")
p1 = n.pool(t, 2, False)
t = n.thresh(n.conv(p1, 70, 3, 2, 1, 1), 3, "m")
p2 = n.pool(t, 3, True)
t = n.thresh(n.conv(p2, 19, 3, 1, 1, 2, masked=True), 2, "m")
t = n.thresh(n.conv(t, 8, 1, 1, 0, 1), 1)
a = n.conv(n.pool(t, 2, False), 5, 1, 1, 0, 2)
n.outs += [a[0], n.conv(p1, 6, 1, 1, 0, 1)[0], n.conv(p2, 9, 1, 1, 0, 1)[0]]
n.write()

# code pools that stay separate ops (overlapping windows; padding; a pooled value also
# dequantized as an output) beside a fused grouped producer (2 groups of 16, residual
# 2-plane scales, whole 2x2 windows) and a 3-plane unpooled one
n = Net("e_codes_keep", 4, 10, 10, 2)
t = n.thresh(n.conv(n.input(), 32, 3, 1, 1, 1, groups=2), 2)
t = n.thresh(n.conv(n.pool(t, 2, False), 11, 3, 1, 1, 2), 3, "m")
t1 = n.thresh(n.conv(t, 9, 3, 1, 1, 1), 2, "m")
a1 = n.conv(n.pool(t1, 3, False, s=2), 6, 1, 1, 0, 1)
t2 = n.thresh(n.conv(t, 7, 3, 1, 1, 1), 2, "m")
a2 = n.conv(n.pool(t2, 2, False, p=1), 6, 1, 1, 0, 1)
t3 = n.thresh(n.conv(t, 17, 3, 1, 1, 1), 3, "m")
m3 = n.pool(t3, 2, False)
a3 = n.conv(m3, 4, 3, 1, 1, 1)
n.lines.append("%%d : f32[%d, %d, %d] = dequant %%%s" % (m3[1], m3[2], m3[3], m3[0]))
n.outs += [a1[0], a2[0], a3[0], "d"]
n.write()

# into [flatten ->] dequant (the classifier's input after the last pool): the tile
# writes the (pooled) level floats; a leaky_relu (slope 0.5) reads them, so negative
# levels show. 2-plane codes (beta_2 > beta_1) in floor 2x2 windows, 3-plane codes in a
# ceil 3x3 window, 1-bit unit codes, no pool; a dequant that is an output stays separate
n = Net("e_dequant", 6, 9, 11, 3)


def dq(n, x, flat, out=True):
    name, C, H, W, K = x
    src = name
    if flat:
        n.lines.append("%%f%s : %s[%d] = flatten %%%s" % (
            name, n.types.get(name, "bits<1,unit>"), C * H * W, name))
        src = "f" + name
    shape = "%d" % (C * H * W) if flat else "%d, %d, %d" % (C, H, W)
    n.lines.append("%%d%s : f32[%s] = dequant %%%s" % (name, shape, src))
    if not out:
        return "d" + name
    n.lines.append("%%r%s : f32[%s] = leaky_relu %%d%s slope=0.5" % (name, shape, name))
    return "r" + name


n.outs += [dq(n, n.pool(n.thresh(n.conv(n.input(), 13, 3, 1, 1, 2), 2, "m"), 2, False), True),
           dq(n, n.pool(n.thresh(n.conv(n.input(), 21, 3, 2, 1, 1), 3, "m"), 3, True), False),
           dq(n, n.pool(n.thresh(n.conv(n.input(), 10, 3, 1, 1, 1), 1), 2, False), True),
           dq(n, n.thresh(n.conv(n.input(), 9, 3, 1, 0, 2), 2), False),
           dq(n, n.pool(n.thresh(n.conv(n.input(), 8, 3, 1, 1, 1), 2, "m"), 2, False), True,
              out=False)]
n.write()

# depthwise producers (groups = C = O: llvm_dw.c's pixel-lane kernel, whose epilogue
# writes a threshold's code bytes): 2-, 3- and 4-plane codes, masked 3-plane weights at
# stride 2 on 2-plane codes, rows of 37 and 19 pixels (a partial 16-pixel chunk), codes
# read by two depthwise convolutions and by a dequant (all fused); a depthwise threshold
# read through a flatten by a bpop_dense, which packs its words itself (not fused)
n = Net("e_dw", 20, 13, 37, 2)
t1 = n.thresh(n.conv(n.input(), 20, 3, 1, 1, 2, groups=20), 2)
t2 = n.thresh(n.conv(t1, 20, 3, 2, 1, 3, groups=20, masked=True), 3, "m")
t3 = n.thresh(n.conv(t2, 24, 1, 1, 0, 1), 1)
t4 = n.thresh(n.conv(t3, 24, 3, 1, 1, 1, groups=24), 4)
t5 = n.thresh(n.conv(t1, 20, 3, 1, 1, 1, groups=20), 1)
n.lines.append("%%d : f32[%d, %d, %d] = dequant %%%s" % (t5[1], t5[2], t5[3], t5[0]))
t6 = n.thresh(n.conv(t2, 20, 3, 1, 1, 1, groups=20), 1)
N = t6[1] * t6[2] * t6[3]
n.lines.append("%%f6 : bits<1,unit>[%d] = flatten %%%s" % (N, t6[0]))
n.lines.append("%pd : i32[1, 4] = bpop_dense %f6, @wd")
n.lines.append("%%ad : i32[4] = icomb %%pd, @cd shift=0 bound=%d" % N)
n.consts.append("const @wd : bits<1>[4, %d] = {\n  plane 0:\n    %s\n}" % (N, " ".join(
    "0x%016x" % R.getrandbits(min(64, N - 64 * j)) for _ in range(4)
    for j in range((N + 63) // 64))))
n.consts.append("const @cd : i32[1, 1] = { 1 }")
n.outs += [n.conv(t4, 5, 1, 1, 0, 2)[0], n.conv(t5, 3, 1, 1, 0, 1)[0], "d", "ad"]
n.write()

# the padded taps' count of cg/2 (Kern.half): pads as wide as the kernel (whole tap rows
# and columns outside; a 1x1 conv with pad 1, whose border outputs read nothing),
# dilation 2 with asymmetric padding and stride 3, even channels per group (6, 16, 10,
# 4 in 2 groups) and odd (5: the per-column valid count), a row of 17 columns in tiles
# of two sizes, 1- and 2-plane weights and thresholds
n = Net("e_pads", 6, 9, 13, 1)
t = n.thresh(n.conv(n.input(), 16, 3, 1, 3, 1), 1)
t = n.thresh(n.conv(t, 10, 3, 3, (2, 1, 0, 3), 2, d=2), 2)
t = n.thresh(n.conv(t, 5, 1, 1, 1, 1), 1)
t = n.thresh(n.conv(t, 8, 3, 1, 1, 2), 2)
t = n.thresh(n.conv(t, 12, 3, 1, 1, 2, groups=2), 1)
n.outs.append(n.conv(t, 7, 3, 1, 1, 1)[0])
n.write()


def gw(counts):
    """`group channel` widths: counts[w-1] output channels of width w, shuffled."""
    w = [i + 1 for i, c in enumerate(counts) for _ in range(c)]
    R.shuffle(w)
    return w


# `group channel` producers (one width per output channel: a kernel per width whose
# lanes' channels come from a table, each block's lanes in channel order, packed bits
# deposited into the channel words by segment): 64 channels (one word) on a 2-plane
# input; 150 channels of widths 1-3 (three words, blocks that mix widths, a partial
# block) into a 2-plane threshold whose codes vary within a window (thresholds near
# acc's spread) and a 2x2 code pool (the pooled code gathered back, a plane's bit
# cleared where the code of larger rank lacks it);
# 70 channels of widths 1-2 into a 3x3 ceil OR pool; into dequant (levels stored per
# lane's channel); code bytes for a grouped reader; a width that no channel has
n = Net("e_gchan", 6, 12, 13, 2)
t = n.thresh(n.conv(n.input(), 64, 3, 1, 1, 3, widths=gw([45, 13, 6])), 1)
t = n.thresh(n.conv(t, 150, 3, 1, 1, 3, widths=gw([100, 30, 20])), 2, "m", span=60)
p1 = n.pool(t, 2, False)
t = n.thresh(n.conv(p1, 70, 3, 1, 1, 2, widths=gw([50, 20])), 1)
a1 = n.conv(n.pool(t, 3, True), 5, 1, 1, 0, 1)
dq1 = dq(n, n.pool(n.thresh(n.conv(n.input(), 21, 3, 1, 1, 3, widths=gw([9, 0, 12])), 2, "m"),
                   2, False), True)
t = n.thresh(n.conv(n.input(), 24, 3, 1, 1, 2, widths=gw([17, 7])), 1)
a2 = n.conv(t, 8, 3, 1, 1, 1, groups=2)
n.outs += [a1[0], n.conv(p1, 6, 1, 1, 0, 1)[0], dq1, a2[0]]
n.write()
