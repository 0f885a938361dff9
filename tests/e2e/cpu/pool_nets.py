#!/usr/bin/env python3
"""pool_nets.py OUTDIR SEED: random IR networks of max pools on multi-bit and masked codes
for the CPU backend's vector pool (tests/e2e/code_pools.sh; llvm_ops_codes.c): input ->
static quant (masked 1:70% 2:20% 3:10%-like widths, a width absent, unmasked 2, 3 and 5
planes, masked 4 and 5 planes) -> maxpool -> dequant, every pool an f32 output. Geometries
that tile the input (stride = kernel, no padding: floor and ceil, odd sizes with a cut
last row or column, rows wider than a vector, inputs smaller than one, non-square
windows, channel counts not multiples of 8) take the vector path; overlapping or padded
windows and 5-plane masked codes (62 codes: no two-shuffle rank table) keep the scalar
loop. Writes NAME.ir and NAME.npy (float32 [7, input shape]), prints NAME VEC: VEC the
sorted comma-separated pools the vector path must run (their result names). Standard
library only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)
H3 = [(1, 0.7), (2, 0.2), (3, 0.1)]


def osize(n, k, s, p, ceil):
    """ir_pool_out: torch's output size, ceil_mode's last window inside input + padding."""
    o = -(-(n + 2 * p - k) // s) + 1 if ceil else (n + 2 * p - k) // s + 1
    return o - 1 if ceil and (o - 1) * s >= n + p else o


class Net:
    def __init__(self, name, C, H, W):
        self.name, self.shape, self.n, self.vec = name, (C, H, W), 0, []
        self.lines, self.consts, self.outs = [], [], []
        self.lines.append("%%x : f32[%d, %d, %d] = input index=0" % (C, H, W))

    def quant(self, widths):
        """Static quant of the input with widths [(bits, frac)]; returns (name, type)."""
        self.n += 1
        i, K = self.n, max(b for b, _ in widths)
        self.consts.append("const @b%d : f32[%d] = { %s }" % (
            i, K, " ".join("%.9g" % (R.uniform(0.3, 1.2) / (1 << n)) for n in range(K))))
        ty = "bits<%d%s,static @b%d>" % (K, ",masked" if len(widths) > 1 else "", i)
        self.lines.append(
            "%%q%d : %s[%s] = quant %%x widths=[%s] fracs=[%s] select=middle-out seed=0" % (
                i, ty, ", ".join(map(str, self.shape)), ",".join(str(b) for b, _ in widths),
                ",".join("%.9g" % p for _, p in widths)))
        return ("q%d" % i, ty)

    def pool(self, q, k, s=None, p=0, ceil=False, vec=True):
        """maxpool of quant q, kernel k (int or (kh, kw)), stride s (default k), padding p,
        its dequant an output; vec: the vector path must run it."""
        kh, kw = (k, k) if isinstance(k, int) else k
        sh, sw = (kh, kw) if s is None else (s, s)
        C, H, W = self.shape
        OH, OW = osize(H, kh, sh, p, ceil), osize(W, kw, sw, p, ceil)
        self.n += 1
        m = "m%d" % self.n
        self.lines.append(
            "%%%s : %s[%d, %d, %d] = maxpool %%%s kernel=[%d,%d] stride=[%d,%d] "
            "pad=[%d,%d,%d,%d] ceil=%d" % (m, q[1], C, OH, OW, q[0], kh, kw, sh, sw, p, p, p, p,
                                           int(ceil)))
        self.lines.append("%%d%s : f32[%d, %d, %d] = dequant %%%s" % (m, C, OH, OW, m))
        self.outs.append("d" + m)
        if vec:
            self.vec.append(m)

    def write(self):
        text = "hbir 1 network %s\n\n%s\n%s\n\n%s\n" % (
            self.name, "\n".join(self.lines), "\n".join("output %" + o for o in self.outs),
            "\n".join(self.consts))
        with open("%s/%s.ir" % (out, self.name), "w") as fh:
            fh.write(text)
        C, H, W = self.shape
        # a few repeated values: equal codes in one window (ties, the first one kept)
        rep = [R.gauss(0, 1) for _ in range(4)]
        npy("%s/%s.npy" % (out, self.name), (7, C, H, W),
            [R.choice(rep) if R.random() < 0.2 else R.gauss(0, 1)
             for _ in range(7 * C * H * W)])
        print(self.name, ",".join(sorted(self.vec)) or "-")  # sorted as LC_ALL=C sort


# 13 channels of 10x10 (channels flattened: whole rows of 5 outputs, 6 per vector), 3x3/3
# ceil (a cut last row and column), 1x3 and 2x1 windows, a width absent, unmasked 2 and 3
# planes (3x3/3 floor drops a row: per channel), masked 4 planes (30 codes, two shuffles),
# unmasked 5 (32), masked 5 (62: scalar) and an overlapping padded pool (scalar)
n = Net("pv_a", 13, 10, 10)
q = n.quant(H3)
n.pool(q, 2)
n.pool(q, 3, ceil=True)
n.pool(q, (1, 3), ceil=True)
n.pool(q, (2, 1))
n.pool(q, 3, s=2, p=1, vec=False)
n.pool(n.quant([(1, 0.8), (3, 0.2)]), 2, ceil=True)
n.pool(n.quant([(2, 1.0)]), 2)
n.pool(n.quant([(3, 1.0)]), 3)
n.pool(n.quant([(1, 0.5), (2, 0.3), (4, 0.2)]), 2, ceil=True)
n.pool(n.quant([(5, 1.0)]), 2)
n.pool(n.quant([(1, 0.4), (2, 0.2), (3, 0.2), (4, 0.1), (5, 0.1)]), 2, vec=False)
n.write()

# rows wider than a vector: 71 columns (35 or 36 outputs: a 32-lane piece and the rest),
# odd height (floor drops the last row, ceil cuts it), 3x3/3 ceil
n = Net("pv_b", 5, 9, 71)
q = n.quant(H3)
n.pool(q, 2)
n.pool(q, 2, ceil=True)
n.pool(q, 3, ceil=True)
n.pool(n.quant([(2, 0.6), (3, 0.4)]), 2, ceil=True)
n.write()

# inputs smaller than one vector: 2x3 (ceil: one row of 2, the second window cut), 1x1
# outputs, a 2x3 window as large as the input
n = Net("pv_c", 3, 2, 3)
q = n.quant(H3)
n.pool(q, 2, ceil=True)
n.pool(q, 2)
n.pool(q, (2, 3), ceil=True)
n.write()

# 67 channels: 6x6 flattened (201 rows of 3, a last group of one row), 7x5 ceil (per
# channel, the cut last row in the last group), one width only (masked type, all 2)
n = Net("pv_d", 67, 7, 5)
q = n.quant(H3)
n.pool(q, 2, ceil=True)
n.pool(q, (7, 5), vec=False)  # 35 taps: scalar
n.pool(n.quant([(2, 1.0), (3, 0.0)]), 2)
n.write()
n = Net("pv_e", 67, 6, 6)
n.pool(n.quant(H3), 2)
n.write()
