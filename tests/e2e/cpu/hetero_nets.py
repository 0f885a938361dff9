#!/usr/bin/env python3
"""hetero_nets.py OUTDIR SEED [PERTURB]: random IR chains of bit-serial convolutions with
heterogeneous activations for the float-combine tile epilogue (tests/e2e/cpu_hetero_epi.sh):
input -> quant (masked, `1:70% 2:20% 3:10%`-like widths, static or runtime scales) ->
bpop_conv2d -> fcomb [-> batchnorm] -> quant -> ... ; the last fcomb or batchnorm is an
f32 output, so every rounding shows. Element-masked and `group channel` (one width per
row) weights, odd channel counts, padding, stride 2, groups, α per row or shared, negative
batch-norm scales, `group channel` layers with widths absent or one width only, and
cases the epilogue must leave alone (pair sums read twice: also an output). Writes
NAME.ir and NAME.npy (float32 [7, input shape]), prints NAME FUSED POPS: the layers
whose fcomb the epilogue must do, and per masked-input layer in order its kernels'
vector popcounts per word and column (comma-separated; "-" if none): `pK` for the
general masked kernel (`bpop.N.pK`: each plane pair's, plus each activation mask plane
n >= 1's against each weight mask plane m that is not full on every row; the others come
from tables and per-pixel counts, docs/cpu-backend.md), `wWpK` for a one-group `group
channel` layer's kernel of block width W (`bpop.N.wW.pK`, K = W x activation planes:
one popcount per pair), widest first. PERTURB
(a float) is added to every fcomb bias (the same random draws otherwise): the test's
check that a slightly wrong combine is caught. Standard library only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)


def f(v):
    return "%.9g" % v


class Net:
    def __init__(self, name, C, H, W, widths, runtime=False):
        self.name, self.shape, self.n = name, (C, H, W), 0
        self.lines, self.consts, self.outs, self.fused, self.pops = [], [], [], 0, []
        self.lines.append("%%x : f32[%d, %d, %d] = input index=0" % (C, H, W))
        self.x = self.quant("x", (C, H, W), widths, runtime)

    def quant(self, src, shape, widths, runtime):
        """quant of f32 value src: widths [(bits, frac)]; returns (name, shape, K, masked)."""
        self.n += 1
        i, K = self.n, max(b for b, _ in widths)
        masked = len(widths) > 1
        sc = "runtime" if runtime else "static @b%d" % i
        if not runtime:
            self.consts.append("const @b%d : f32[%d] = { %s }" % (
                i, K, " ".join(f(R.uniform(0.3, 1.2) / (1 << n)) for n in range(K))))
        self.lines.append(
            "%%q%d : bits<%d%s,%s>[%s] = quant %%%s widths=[%s] fracs=[%s] "
            "select=middle-out seed=0" % (
                i, K, ",masked" if masked else "", sc, ", ".join(map(str, shape)), src,
                ",".join(str(b) for b, _ in widths), ",".join(f(p) for _, p in widths)))
        return ("q%d" % i, shape, K, masked)

    def weights(self, name, O, cg, k, kw, mode, dense=False, wd=None):
        """mode: 'full' (unmasked), 'element' (per-element widths), 'channel' (per row,
        drawn from wd when given); dense: [O, cg] (k = 1). Returns per plane whether its
        mask is full on every row, and the rows' widths."""
        per = cg * k * k
        wpr = (per + 63) // 64
        full = [((1 << 64) - 1) if (j + 1) * 64 <= per else (1 << (per - j * 64)) - 1
                for j in range(wpr)]
        rw = [R.choice(wd) if wd else R.choice([1] * 7 + [2] * 2 + [3]) if kw == 3 else
              R.randint(1, kw) for _ in range(O)]
        planes, masks = [], []
        for m in range(kw):
            for o in range(O):
                for j in range(wpr):
                    if mode == "full":
                        mk = full[j]
                    elif mode == "channel":
                        mk = full[j] if rw[o] > m else 0
                    else:
                        mk = full[j] if m == 0 else masks[((m - 1) * O + o) * wpr + j] & \
                            R.getrandbits(64)
                    masks.append(mk)
                    planes.append(R.getrandbits(64) & mk)
        fullm = [all(masks[(m * O + o) * wpr + j] == full[j] for o in range(O) for j in range(wpr))
                for m in range(kw)]
        t = "const @%s : bits<%d%s>[%s] = {\n" % (
            name, kw, "" if mode == "full" else ",masked",
            ", ".join(map(str, (O, cg) if dense else (O, cg, k, k))))
        for m in range(kw):
            t += "  plane %d:\n    %s\n" % (m, " ".join(
                "0x%016x" % v for v in planes[m * O * wpr:(m + 1) * O * wpr]))
        for m in range(kw if mode != "full" else 0):
            t += "  mask %d:\n    %s\n" % (m, " ".join(
                "0x%016x" % v for v in masks[m * O * wpr:(m + 1) * O * wpr]))
        self.consts.append(t + "}")
        return fullm, rw

    def pops_of(self, full, rw, kw, kx, mode, groups=1):
        """The POPS tokens of a masked-input layer (see the module's docstring)."""
        if mode != "channel" or groups != 1:
            return ["p%d" % (kw * kx + (kx - 1) * full.count(False))]
        # bpop_width_blocks: rows widest first, 8-channel blocks at their first row's width
        rows = [o for w in range(kw, 0, -1) for o in range(len(rw)) if rw[o] == w]
        ends, s = {kw + 1: 0}, 0
        for w in range(kw, 0, -1):
            while s < len(rows) and rw[rows[s]] == w:
                s += 8
            ends[w] = min(s, len(rows))
        return ["w%dp%d" % (w, w * kx) for w in range(kw, 0, -1) if ends[w] > ends[w + 1]]

    def conv(self, x, O, k, s, p, kw, mode="element", groups=1, bn=True, out_y=False,
             out_p=False, wd=None):
        """bpop_conv2d + fcomb [+ batchnorm] (out_y: the fcomb result is an output too, so
        the epilogue writes it and the batchnorm is its own op; out_p: the pair sums are an
        output too, so nothing is fused); returns the f32 (name, shape)."""
        xn, (C, H, W), kx, xmasked = x
        self.n += 1
        i = self.n
        OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
        full, rw = self.weights("w%d" % i, O, C // groups, k, kw, mode, wd=wd)
        if xmasked:
            self.pops += self.pops_of(full, rw, kw, kx, mode, groups)
        rows = O if R.random() < 0.7 else 1
        alpha = [R.uniform(0.01, 0.2) / (1 << m) * R.choice([1, 1, 1, 0])
                 for _ in range(rows) for m in range(kw)]
        self.consts.append("const @a%d : f32[%d, %d] = { %s }" % (
            i, rows, kw, " ".join(map(f, alpha))))
        bias = [R.uniform(-0.5, 0.5) for _ in range(O)]
        if len(sys.argv) > 3:
            bias = [b + float(sys.argv[3]) for b in bias]
        self.consts.append("const @c%d : f32[%d] = { %s }" % (i, O, " ".join(map(f, bias))))
        sh = (O, OH, OW)
        self.lines.append(
            "%%p%d : i32[%d, %d, %d, %d] = bpop_conv2d %%%s, @w%d stride=[%d,%d] "
            "pad=[%d,%d,%d,%d] dilation=[1,1] groups=%d" % (
                i, kw * kx, O, OH, OW, xn, i, s, s, p, p, p, p, groups))
        self.lines.append("%%y%d : f32[%d, %d, %d] = fcomb %%p%d, %%%s, @a%d, @c%d" % (
            i, O, OH, OW, i, xn, i, i))
        self.fused += not out_p
        if out_p:
            self.outs.append("p%d" % i)
        if out_y:
            self.outs.append("y%d" % i)
        if not bn:
            return ("y%d" % i, sh)
        self.consts.append("const @s%d : f32[%d] = { %s }" % (
            i, O, " ".join(f(R.uniform(0.5, 2) * R.choice([1, 1, -1])) for _ in range(O))))
        self.consts.append("const @h%d : f32[%d] = { %s }" % (
            i, O, " ".join(f(R.uniform(-0.3, 0.3)) for _ in range(O))))
        self.lines.append("%%z%d : f32[%d, %d, %d] = batchnorm %%y%d, @s%d, @h%d" % (
            i, O, OH, OW, i, i, i))
        return ("z%d" % i, sh)

    def dense(self, x, O, kw, mode="element"):
        """flatten -> bpop_dense -> fcomb (static scales: the tiles write the fcomb's
        floats, a column per example); returns the f32 name."""
        xn, shape, kx, xmasked = x
        N = shape[0] * shape[1] * shape[2]
        self.n += 1
        i = self.n
        full, rw = self.weights("w%d" % i, O, N, 1, kw, mode, dense=True)
        if xmasked:
            self.pops += self.pops_of(full, rw, kw, kx, mode)
        self.consts.append("const @a%d : f32[%d, %d] = { %s }" % (
            i, O, kw, " ".join(f(R.uniform(0.01, 0.2) / (1 << m)) for _ in range(O)
                               for m in range(kw))))
        bias = [R.uniform(-0.5, 0.5) + (float(sys.argv[3]) if len(sys.argv) > 3 else 0)
                for _ in range(O)]
        self.consts.append("const @c%d : f32[%d] = { %s }" % (i, O, " ".join(map(f, bias))))
        self.lines.append("%%f%d : bits<%d%s,%s>[%d] = flatten %%%s" % (
            i, kx, ",masked" if xmasked else "", "static @b%d" % int(xn[1:]), N, xn))
        self.lines.append("%%p%d : i32[%d, %d] = bpop_dense %%f%d, @w%d" % (i, kw * kx, O, i, i))
        self.lines.append("%%y%d : f32[%d] = fcomb %%p%d, %%f%d, @a%d, @c%d" % (
            i, O, i, i, i, i))
        self.fused += 1
        return "y%d" % i

    def write(self):
        text = "hbir 1 network %s\n\n%s\n%s\n\n%s\n" % (
            self.name, "\n".join(self.lines), "\n".join("output %" + o for o in self.outs),
            "\n".join(self.consts))
        with open("%s/%s.ir" % (out, self.name), "w") as fh:
            fh.write(text)
        C, H, W = self.shape
        # one input in 8 is +-0: the quantizer's first bit is [x > 0]
        npy("%s/%s.npy" % (out, self.name), (7, C, H, W),
            [R.choice((0.0, -0.0)) if R.random() < 0.125 else R.gauss(0, 1)
             for _ in range(7 * C * H * W)])
        print(self.name, self.fused, ",".join(map(str, self.pops)) or "-")


H3 = [(1, 0.7), (2, 0.2), (3, 0.1)]

# element-masked weights: 13 then 70 channels (stride 2), 3-plane heterogeneous
# activations with static scales; the last layer's fcomb (no batchnorm) is the output
n = Net("h_elem", 3, 9, 10, H3)
y = n.conv(n.x, 13, 3, 1, 1, 3)
y = n.conv(n.quant(y[0], y[1], H3, False), 70, 3, 2, 1, 3)
y = n.conv(n.quant(y[0], y[1], [(1, 0.5), (2, 0.5)], False), 9, 1, 1, 0, 2, bn=False)
n.outs.append(y[0])
n.write()

# `group channel` weights on masked inputs (a kernel per width), 67 channels, runtime
# scales (this example's β), then 32 at stride 2, then a 2-group layer (16 channels a
# group: the general masked kernel), unpadded 2x2
n = Net("h_chan", 5, 11, 11, H3, runtime=True)
y = n.conv(n.x, 67, 3, 1, 1, 3, mode="channel")
y = n.conv(n.quant(y[0], y[1], H3, True), 32, 3, 2, 1, 3, mode="channel")
y = n.conv(n.quant(y[0], y[1], H3, True), 16, 2, 1, 0, 2, groups=2)
n.outs.append(y[0])
n.write()

# an fcomb that is also an output (the epilogue writes it, the batchnorm runs after), a
# group channel layer on an unmasked input (per-width kernels, fused too), unmasked
# weights on a masked input, a batchnorm result both an output and a quantizer's input
n = Net("h_mixed", 8, 7, 6, H3)
y = n.conv(n.x, 24, 3, 1, 1, 2, mode="full", out_y=True)
y2 = n.conv(n.quant(y[0], y[1], [(2, 1.0)], False), 21, 3, 1, 1, 3, mode="channel")
y3 = n.conv(n.quant(y2[0], y2[1], H3, False), 11, 3, 2, 1, 1, mode="full")
n.outs.append(y3[0])
y4 = n.conv(n.quant(y3[0], y3[1], H3, False), 8, 1, 1, 0, 3)
n.outs.append(y4[0])
n.write()

# masked inputs of bpop_dense (the examples are the kernel's columns; 75 elements: two
# words, the second partial): element-masked then unmasked weights, 13 and 8 outputs
n = Net("h_dense", 5, 3, 5, H3)
n.outs.append(n.dense(n.x, 13, 3))
n.outs.append(n.dense(n.x, 8, 2, mode="full"))
n.outs.append(n.dense(n.x, 19, 3, mode="channel"))  # a kernel per width
n.write()

# `group channel` on masked inputs, static scales: 37 channels of widths 1 and 2 only
# (3-plane weights, no 3-bit channel), then 19 of width 2 only at stride 2 on 2-plane
# activations, then 13 of width 1 only (3-plane weights) whose fcomb is an output too
# and whose batchnorm is the network's
n = Net("h_chan_w", 6, 9, 8, H3)
y = n.conv(n.x, 37, 3, 1, 1, 3, mode="channel", wd=[1, 1, 1, 2])
y = n.conv(n.quant(y[0], y[1], [(1, 0.6), (2, 0.4)], False), 19, 3, 2, 1, 2, mode="channel",
           wd=[2])
y = n.conv(n.quant(y[0], y[1], H3, False), 13, 3, 1, 1, 3, mode="channel", wd=[1],
           out_y=True)
n.outs.append(y[0])
n.write()

# pair sums read twice (an output and the fcomb's: no epilogue) on a masked input, the
# per-width kernels writing them in place; 1x1 then 3x3 unpadded, runtime scales
n = Net("h_chan_p", 7, 6, 7, H3, runtime=True)
y = n.conv(n.x, 29, 1, 1, 0, 3, mode="channel", out_p=True)
y = n.conv(n.quant(y[0], y[1], H3, True), 11, 3, 1, 0, 3, mode="channel", bn=False)
n.outs.append(y[0])
n.write()
