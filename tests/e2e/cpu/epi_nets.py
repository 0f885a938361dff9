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
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)
ALWAYS1, ALWAYS0 = -(1 << 30) - 1, (1 << 30) + 1
# static activation scales per (name, planes): b2 in residual order; m2 and m3 as
# middle-out makes them (beta_2 > beta_1), so a code's rank is not its residual order
BETAS = {"b2": "0.5 0.25", "m2": "0.3 0.5", "m3": "0.3 0.5 0.11", "b4": "0.5 0.25 0.125 0.0625"}


class Net:
    def __init__(self, name, C, H, W, kx):
        """kx = 0: the input is a sign (packed for the convolutions by the sign itself)."""
        self.name, self.shape, self.kx = name, (C, H, W), max(kx, 1)
        self.lines, self.consts, self.n, self.types = [], [], 0, {}
        self.lines.append("%%x : f32[%d, %d, %d] = input index=0" % (C, H, W))
        self.outs = []
        if kx == 0:
            self.lines.append("%%q : bits<1,unit>[%d, %d, %d] = sign %%x" % (C, H, W))
            return
        beta = " ".join("%.9g" % (0.5 / (1 << n)) for n in range(kx))
        self.lines.append("%%q : bits<%d,static @beta>[%d, %d, %d] = quant %%x widths=[%d] "
                          "fracs=[1] select=middle-out seed=0" % (kx, C, H, W, kx))
        self.consts.append("const @beta : f32[%d] = { %s }" % (kx, beta))

    def conv(self, x, O, k, s, p, kw, groups=1, masked=False):
        """bpop_conv2d + icomb; returns (acc name, [O, OH, OW], bound)."""
        C, H, W, kx = x[1], x[2], x[3], x[4]
        self.n += 1
        i, cg = self.n, C // groups
        OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
        per = cg * k * k
        wpr = (per + 63) // 64
        full = [((1 << 64) - 1) if (j + 1) * 64 <= per else (1 << (per - j * 64)) - 1
                for j in range(wpr)]
        planes, masks, cnt = [], [], [[0] * kw for _ in range(O)]
        for m in range(kw):
            for o in range(O):
                for j in range(wpr):
                    mk = full[j]
                    if masked and m > 0:
                        mk = masks[((m - 1) * O + o) * wpr + j] & R.getrandbits(64)
                    masks.append(mk)
                    planes.append(R.getrandbits(64) & mk)
                    cnt[o][m] += bin(mk).count("1")
        t = "const @w%d : bits<%d%s>[%d, %d, %d, %d] = {\n" % (
            i, kw, ",masked" if masked else "", O, cg, k, k)
        for m in range(kw):
            t += "  plane %d:\n    %s\n" % (m, " ".join(
                "0x%016x" % v for v in planes[m * O * wpr:(m + 1) * O * wpr]))
        for m in range(kw if masked else 0):
            t += "  mask %d:\n    %s\n" % (m, " ".join(
                "0x%016x" % v for v in masks[m * O * wpr:(m + 1) * O * wpr]))
        self.consts.append(t + "}")
        P = kw * kx
        rows = O if R.random() < 0.7 else 1
        c = [[R.choice([1, 2, 3, -1, -5, 7]) for _ in range(P)] for _ in range(rows)]
        bound = max(sum(abs(c[o if rows > 1 else 0][m * kx + n]) * cnt[o][m]
                        for m in range(kw) for n in range(kx)) for o in range(O))
        self.consts.append("const @c%d : i32[%d, %d] = { %s }" % (
            i, rows, P, " ".join(str(v) for r in c for v in r)))
        self.lines.append(
            "%%p%d : i32[%d, %d, %d, %d] = bpop_conv2d %%%s, @w%d stride=[%d,%d] "
            "pad=[%d,%d,%d,%d] dilation=[1,1] groups=%d" % (
                i, P, O, OH, OW, x[0], i, s, s, p, p, p, p, groups))
        self.lines.append("%%a%d : i32[%d, %d, %d] = icomb %%p%d, @c%d shift=0 bound=%d" % (
            i, O, OH, OW, i, i, bound))
        return "a%d" % i, (O, OH, OW), bound

    def thresh(self, acc, K, beta="b"):
        """threshold of acc (K planes; static scales @BETA<K>, see BETAS); returns the
        bits value tuple."""
        a, (O, OH, OW), bound = acc
        i = self.n
        thr = []
        span = max(bound // 3, 2)
        for _ in range(O):
            t0 = R.choice([R.randint(-span, span)] * 8 + [ALWAYS1, ALWAYS0])
            thr += [t0] + [R.randint(-span, span) for _ in range((1 << K) - 2)]
        self.consts.append("const @n%d : i32[%d] = { %s }" % (
            i, O, " ".join(str(R.randint(0, 1)) for _ in range(O))))
        self.consts.append("const @h%d : i32[%d, %d] = { %s }" % (
            i, O, (1 << K) - 1, " ".join(map(str, thr))))
        b = "%s%d" % (beta, K)
        ty = "bits<1,unit>" if K == 1 else "bits<%d,static @%s>" % (K, b)
        if K > 1 and "const @%s " % b not in "\n".join(self.consts):
            self.consts.append("const @%s : f32[%d] = { %s }" % (b, K, BETAS[b]))
        self.lines.append("%%t%d : %s[%d, %d, %d] = threshold %%%s, @n%d, @h%d" % (
            i, ty, O, OH, OW, a, i, i))
        self.types["t%d" % i] = ty
        return ("t%d" % i, O, OH, OW, K)

    def pool(self, x, k, ceil, s=None, p=0):
        """maxpool k x k (stride s, default k; padding p); on codes when x has more
        than one plane (the type x has)."""
        name, C, H, W, K = x
        s = s or k
        OH = -(-(H + 2 * p - k) // s) + 1 if ceil else (H + 2 * p - k) // s + 1
        OW = -(-(W + 2 * p - k) // s) + 1 if ceil else (W + 2 * p - k) // s + 1
        if ceil and (OH - 1) * s >= H + p:
            OH -= 1
        if ceil and (OW - 1) * s >= W + p:
            OW -= 1
        self.lines.append("%%m%s : %s[%d, %d, %d] = maxpool %%%s kernel=[%d,%d] "
                          "stride=[%d,%d] pad=[%d,%d,%d,%d] ceil=%d" % (
                              name, self.types.get(name, "bits<1,unit>"), C, OH, OW, name,
                              k, k, s, s, p, p, p, p, int(ceil)))
        self.types["m" + name] = self.types.get(name, "bits<1,unit>")
        return ("m" + name, C, OH, OW, K)

    def input(self):
        return ("q",) + self.shape + (self.kx,)

    def write(self):
        text = "hbir 1 network %s\n\n%s\n%s\n\n%s\n" % (
            self.name, "\n".join(self.lines), "\n".join("output %" + o for o in self.outs),
            "\n".join(self.consts))
        with open("%s/%s.ir" % (out, self.name), "w") as f:
            f.write(text)
        C, H, W = self.shape
        # one input in 8 is +-0: sign(0) and a threshold at 0 must not round up
        npy("%s/%s.npy" % (out, self.name), (7, C, H, W),
            [R.choice((0.0, -0.0)) if R.random() < 0.125 else R.uniform(-1, 1)
             for _ in range(7 * C * H * W)])
        print(self.name)


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
