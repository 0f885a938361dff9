#!/usr/bin/env python3
"""dws_nets.py OUTDIR SEED: random IR chains with one-plane depthwise convolutions for the
bit-sliced kernel (tests/e2e/cpu_dwbits.sh, backends/llvm/llvm_dwbits.c): a depthwise
bpop_conv2d (1-bit weights, 1-bit input) -> icomb -> one-plane threshold read only by
one-group convolutions, which then read its packed words. Inputs a sign (packed by the
sign) or a static 1-plane quant (code bytes the kernel packs); 32 to 1088 channels (one
word, 2, 3, 4, 16 and 17: partial words, 1-, 4- and 8-word vectors, two vectors a pixel;
interior rows in chunks of 8, 4 and 2 pixels a vector, at strides 1 to 3 and dilation 2);
3x3, 5x5 and 7x7 windows (up to 6 count planes), strides 1-3, dilation 2, asymmetric
padding; icomb coefficients 0 and negative, thresholds always and never; a layer big
enough to split its rows across 2 threads at batch 1. ws_not's depthwise layers must
stay on the other kernels (a 2-plane threshold, a threshold also dequantized, a grouped
reader, 2-plane weights in a 5x5 window). The last convolutions' icombs are i32 outputs, so every bit
shows. Writes NAME.ir and NAME.npy, prints the names. Standard library only."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bitnet  # noqa: E402
from bitnet import Net  # noqa: E402

R = bitnet.setup(sys.argv[1], int(sys.argv[2]))


def dw(n, x, k, s, p, d=1, coefs=None, K=1, kw=1):
    """A depthwise layer on bits value x and its threshold (K planes)."""
    return n.thresh(n.conv(x, x[1], k, s, p, kw, groups=x[1], d=d, coefs=coefs), K)


# a sign input; 3x3 at stride 1 and 2 with padding; 32 and 40 channels (part of a word)
n = Net("ws_chain", 32, 12, 12, 0)
t = dw(n, n.input(), 3, 1, 1)
t = n.thresh(n.conv(t, 40, 1, 1, 0, 1), 1)
t = dw(n, t, 3, 2, 1)
n.outs.append(n.conv(t, 24, 1, 1, 0, 1)[0])
n.write()

# a static 1-plane quant input (code bytes: the kernel packs them); 130 channels (3
# words, one-word vectors); dilation 2, asymmetric padding; coefficients 0 and negative
n = Net("ws_quant", 130, 9, 11, 1)
t = dw(n, n.input(), 3, 1, (2, 1, 0, 3), d=2, coefs=[0, -1, 3, -4, 1])
n.outs.append(n.conv(t, 9, 3, 1, 1, 1)[0])
n.write()

# 1024 channels (two 8-word vectors a pixel), then 1088 (17 words) in 5x5 windows at
# stride 3 with asymmetric padding
n = Net("ws_wide", 1024, 6, 7, 0)
t = dw(n, n.input(), 3, 1, 1)
t = n.thresh(n.conv(t, 1088, 1, 1, 0, 1), 1)
t = dw(n, t, 5, 3, (2, 1, 1, 2), coefs=[2, -3])
n.outs.append(n.conv(t, 10, 1, 1, 0, 1)[0])
n.write()

# 256 channels (4-word vectors): 7x7 windows (49 taps, 6 count planes) and an unpadded
# stride-2 layer reading the same sign
n = Net("ws_k7", 256, 9, 9, 0)
t = dw(n, n.input(), 7, 1, 3)
t2 = dw(n, n.input(), 3, 2, 0)
n.outs += [n.conv(t, 5, 3, 1, 1, 1)[0], n.conv(t2, 7, 1, 1, 0, 1)[0]]
n.write()

# 150 channels (3 words: pixels one at a time) over 40 x 36 pixels: its rows split
# across 2 threads at batch 1
n = Net("ws_big", 150, 40, 36, 0)
t = dw(n, n.input(), 3, 1, 1)
n.outs.append(n.conv(t, 8, 1, 1, 0, 1)[0])
n.write()

# not bit-sliced: a 2-plane threshold; a threshold also dequantized as an output; one
# read by a grouped convolution; 2-plane weights in a 5x5 window (3x3 ones may run the
# levels mode, as wl_chan's: 25 taps are past the 9 whose patterns it enumerates)
n = Net("ws_not", 16, 8, 8, 0)
t1 = dw(n, n.input(), 3, 1, 1, K=2)
t2 = dw(n, n.input(), 3, 1, 1)
n.lines.append("%%d : f32[%d, %d, %d] = dequant %%%s" % (t2[1], t2[2], t2[3], t2[0]))
t3 = dw(n, n.input(), 3, 1, 1)
t4 = dw(n, n.input(), 5, 1, 2, kw=2)
n.outs += [n.conv(t1, 6, 1, 1, 0, 1)[0], n.conv(t2, 5, 1, 1, 0, 1)[0], "d",
           n.conv(t3, 8, 3, 1, 1, 1, groups=2)[0], n.conv(t4, 4, 1, 1, 0, 1)[0]]
n.write()

# interior chunks: 128 channels (4 pixels a vector) with dilation 2 in rows of 40
# (chunks, the last overlapping the one before), 64 channels (8 pixels) at stride 3 in
# 5x5 windows, 256 (2 pixels) at stride 2
n = Net("ws_lanes", 128, 11, 40, 0)
t = dw(n, n.input(), 3, 1, 2, d=2)
t = n.thresh(n.conv(t, 64, 1, 1, 0, 1), 1)
t = dw(n, t, 5, 3, (2, 2, 1, 2))
t = n.thresh(n.conv(t, 256, 1, 1, 0, 1), 1)
t = dw(n, t, 3, 2, 1)
n.outs.append(n.conv(t, 6, 1, 1, 0, 1)[0])
n.write()


def sums(n, x, k, s, p, d=1, bn=False, xname=None, widths=None):
    """A depthwise layer on x whose pair sums only an fcomb reads (the kernel's sums mode,
    the fcomb [and a batchnorm after it] fused), the last an output of the network. An
    fcomb whose bits operand is another value (xname) stays its own op: the kernel
    writes the pair sums. widths: `group channel` weights (output channel o of width
    widths[o]): one count per weight plane, each channel's pair sums of the planes it
    lacks 0, the fcomb's alpha [C, planes]."""
    C, kw = x[1], max(widths) if widths else 1
    n.conv(x, C, k, s, p, kw, groups=C, d=d, widths=widths)
    n.lines.pop()  # the icomb: the fcomb reads the pair sums instead
    n.consts.pop()
    i = n.n
    OH, OW = [int(v) for v in n.lines[-1].split("[")[1].split("]")[0].split(", ")[2:4]]
    n.lines.append("%%y%d : f32[%d, %d, %d] = fcomb %%p%d, %%%s, @al%d, @bi%d" % (
        i, C, OH, OW, i, xname or x[0], i, i))
    lo = 0.05 if widths else 0.1
    n.consts.append("const @al%d : f32[%d, %d] = { %s }" % (
        i, C, kw, " ".join("%.9g" % R.uniform(lo, 1) for _ in range(C * kw))))
    n.consts.append("const @bi%d : f32[%d] = { %s }" % (
        i, C, " ".join("%.9g" % R.uniform(-1, 1) for _ in range(C))))
    if not bn:
        n.outs.append("y%d" % i)
        return
    n.lines.append("%%z%d : f32[%d, %d, %d] = batchnorm %%y%d, @sc%d, @sh%d" % (
        i, C, OH, OW, i, i, i))
    for c, lo, hi in (("sc", -2, 2), ("sh", -1, 1)):
        n.consts.append("const @%s%d : f32[%d] = { %s }" % (
            c, i, C, " ".join("%.9g" % R.uniform(lo, hi) for _ in range(C))))
    n.outs.append("z%d" % i)


# sums mode (the pair sums go to an fcomb): 200 channels (4 words, 2 pixels a chunk, a
# partial last word) at stride 1 and 2 (its fcomb reads another sign value: the pair
# sums are written, the fcomb stays an op); 64 channels (8 pixels a chunk) with dilation 2
# and a batchnorm after the fcomb (negative scales too)
n = Net("ws_sums", 200, 9, 10, 0)
sums(n, n.input(), 3, 1, 1)
n.lines.append("%q2 : bits<1,unit>[200, 9, 10] = sign %x")  # the same signs, another value
sums(n, n.input(), 3, 2, 1, xname="q2")
n.write()
n = Net("ws_sums_narrow", 64, 12, 20, 0)
sums(n, n.input(), 3, 1, 2, d=2, bn=True)
n.write()

# 1100 channels is past sums mode's 1024 (the pixel-lane pair sums run it); 600 (10
# words: five 2-word vectors a pixel, a partial last word) in 5x5 windows is not
n = Net("ws_sums_wide", 1100, 5, 6, 0)
sums(n, n.input(), 3, 1, 1)
sums(n, n.thresh(n.conv(n.input(), 600, 1, 1, 0, 1), 1), 5, 1, 2)
n.write()

# 2-plane activations (a static 2-plane quant: code bytes the kernel packs; then a
# 2-plane threshold's packed words): the step in plane 1's count is picked per channel by
# plane 0's count; 2-plane thresholds (a tree: bit 1 by node 1 or 2), coefficients of
# both signs and 0; 100 channels (a partial word), 64 at stride 2 in chunks of 8 pixels
n = Net("ws_a2", 100, 9, 20, 2)
t = dw(n, n.input(), 3, 1, 1, K=2)
t = n.thresh(n.conv(t, 64, 1, 1, 0, 1), 2, "m")
t = dw(n, t, 3, 2, 1, coefs=[0, 1, -2, 3])
n.outs.append(n.conv(t, 7, 1, 1, 0, 1)[0])
n.write()
n = Net("ws_a2_lanes", 64, 10, 24, 2)
t = dw(n, n.input(), 3, 2, 1, K=2)
n.outs.append(n.conv(t, 5, 1, 1, 0, 1)[0])
n.write()

# 256 channels (2 pixels a chunk, the planes interleaved in one store), then 600 (10
# words, one at a time) with dilation 2; a 5x5 window on 2 planes (25 taps: past the
# 15 of a 2-plane step table) stays on the pixel-lane pair sums
n = Net("ws_a2_wide", 256, 6, 9, 2)
t = dw(n, n.input(), 3, 1, 1, K=2)
t = n.thresh(n.conv(t, 600, 1, 1, 0, 1), 2, "m")
t = dw(n, t, 3, 1, 2, d=2, K=2)
n.outs.append(n.conv(t, 6, 1, 1, 0, 1)[0])
t5 = dw(n, n.input(), 5, 1, 2)
n.outs.append(n.conv(t5, 4, 1, 1, 0, 1)[0])
n.write()


# Levels mode (backends/llvm/llvm_dwlevels.c): depthwise layers of multi-plane weights on
# a 1-plane input, each channel's threshold a weighted count of the mismatches with its
# taps' level signs in small integer weights, every pattern checked at compile time.
# Coefficients in multiples of one unit (so that weights of the ratios exist: the search
# must find them or smaller ones, on any seed), thresholds near the accumulators' spread
# (so that the bits vary with the input).
def lv(n, x, k, s, p, d=1, K=1, kw=3, unit=1, widths=None, masked=False, span=None):
    C = x[1]
    coefs = [unit * v for v in (1, 2, 3, 5, 9, -2, -7, 13)]
    acc = n.conv(x, C, k, s, p, kw, groups=C, d=d, coefs=coefs, widths=widths,
                 masked=masked)
    return n.thresh(acc, K, span=span or max(acc[2] // 12, 2))


# `group channel` widths 1-3 on 100 channels (2 words: 4 pixels a chunk, a partial
# word), large coefficients (unit 65537: the levels' weights must be scaled down), then
# 64 channels (8 pixels a chunk) at stride 2, widths 1-2
n = Net("wl_chan", 100, 10, 20, 0)
t = lv(n, n.input(), 3, 1, 1, unit=65537, widths=[R.choice((1, 1, 1, 2, 3)) for _ in range(100)])
t = n.thresh(n.conv(t, 64, 1, 1, 0, 1), 1)
t = lv(n, t, 3, 2, 1, kw=2, widths=[R.choice((1, 2)) for _ in range(64)])
n.outs.append(n.conv(t, 9, 1, 1, 0, 1)[0])
n.write()

# per-element widths (masked 3-plane weights) on 130 channels (3 words: pixels one at a
# time), dilation 2 and asymmetric padding (border sets of every shape); a 2-plane
# threshold (three nodes, each its own steps), then 2-plane weights on 256 channels
# (2 pixels a chunk) at stride 2 with a pad of 2 on one side
n = Net("wl_elem", 130, 9, 11, 0)
t = lv(n, n.input(), 3, 1, (2, 1, 0, 3), d=2, K=2, masked=True)
t = n.thresh(n.conv(t, 256, 1, 1, 0, 1, coefs=[1, -2, 3]), 1)
t = lv(n, t, 3, 2, (1, 2, 2, 0), kw=2, unit=1000)
n.outs.append(n.conv(t, 7, 1, 1, 0, 1)[0])
n.write()

# not levels mode: a channel that no weights below 2^8 reproduce (levels 1000001 on
# taps 0-3 and 999999 on 4-8: its threshold counts the taps of the first kind among
# four mismatches, a difference of 2 in 10^6); 5x5 windows of 2-plane weights (25 taps,
# past the 9 whose patterns are enumerated); a 2-plane input
n = Net("wl_not", 64, 10, 10, 0)
a = n.conv(n.input(), 64, 3, 1, 1, 2, groups=64, coefs=[3])
i = n.n
w = n.consts[-2]  # the weights: channel 0's planes 0 (all +1) and 1 (+1 on taps 0-3)
pl0 = w.split("plane 0:")[1].split("plane 1:")[0].split()
pl1 = w.split("plane 1:")[1].split("}")[0].split()
pl0[0], pl1[0] = "0x00000000000001ff", "0x000000000000000f"
n.consts[-2] = "const @w%d : bits<2>[64, 1, 3, 3] = {\n  plane 0:\n    %s\n  plane 1:\n    %s\n}" % (
    i, " ".join(pl0), " ".join(pl1))
n.consts[-1] = "const @c%d : i32[1, 2] = { 1000000 1 }" % i
n.lines[-1] = n.lines[-1].rsplit("bound=", 1)[0] + "bound=9000009"
t = n.thresh((a[0], a[1], 9000009), 1)
# channel 0: acc >= 999997 (neg 0), so at most 4000001 of the 8999999 mismatch
nv = n.consts[-2].split("{ ")[1].split(" }")[0].split()
hv = n.consts[-1].split("{ ")[1].split(" }")[0].split()
nv[0], hv[0] = "0", "999997"
n.consts[-2] = "const @n%d : i32[64] = { %s }" % (i, " ".join(nv))
n.consts[-1] = "const @h%d : i32[64, 1] = { %s }" % (i, " ".join(hv))
t5 = lv(n, n.input(), 5, 1, 2, kw=2)
n.outs += [n.conv(t, 6, 1, 1, 0, 1)[0], n.conv(t5, 5, 1, 1, 0, 1)[0]]
n.write()


# sums mode of `group channel` weights (MobileNet's b13.dw at 1.4 bits): 200 channels of
# widths 1-3 (4 words, 2 pixels a chunk) into an fcomb and a batchnorm; 64 channels of
# widths 1-2 with dilation 2 whose fcomb reads another value (the pair sums of every
# plane are written, 0 for the planes a channel lacks)
n = Net("wl_sums", 200, 9, 10, 0)
sums(n, n.input(), 3, 1, 1, bn=True, widths=[R.choice((1, 1, 1, 2, 3)) for _ in range(200)])
n.write()
n = Net("wl_sums_raw", 64, 12, 20, 0)
n.lines.append("%q2 : bits<1,unit>[64, 12, 20] = sign %x")  # the same signs, another value
sums(n, n.input(), 3, 1, 2, d=2, xname="q2", widths=[R.choice((1, 2)) for _ in range(64)])
n.write()
