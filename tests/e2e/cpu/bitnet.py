#!/usr/bin/env python3
"""bitnet.py: random IR chains of bit-serial convolutions (input -> sign or static quant ->
bpop_conv2d -> icomb -> threshold [-> maxpool] -> ...), shared by epi_nets.py and
dws_nets.py (tests/e2e/cpu_epilogue.sh, cpu_dwbits.sh). setup(OUTDIR, SEED) first: it
returns the generator every random choice draws from. Standard library only."""
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from npyw import npy  # noqa: E402

R, out = None, None


def setup(outdir, seed):
    global R, out
    R, out = random.Random(seed), outdir
    return R


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

    def conv(self, x, O, k, s, p, kw, groups=1, masked=False, d=1, coefs=None, widths=None):
        """bpop_conv2d + icomb; returns (acc name, [O, OH, OW], bound). p: the padding,
        or (top, bottom, left, right); d: the dilation; coefs: the icomb coefficients
        to draw from; widths: `group channel` weights, output channel o of width
        widths[o] (its masks full on the planes below it, empty above)."""
        masked = masked or widths is not None
        C, H, W, kx = x[1], x[2], x[3], x[4]
        self.n += 1
        i, cg = self.n, C // groups
        pt, pb, pl, pr = p if isinstance(p, tuple) else (p, p, p, p)
        OH = (H + pt + pb - d * (k - 1) - 1) // s + 1
        OW = (W + pl + pr - d * (k - 1) - 1) // s + 1
        per = cg * k * k
        wpr = (per + 63) // 64
        full = [((1 << 64) - 1) if (j + 1) * 64 <= per else (1 << (per - j * 64)) - 1
                for j in range(wpr)]
        planes, masks, cnt = [], [], [[0] * kw for _ in range(O)]
        for m in range(kw):
            for o in range(O):
                for j in range(wpr):
                    mk = full[j]
                    if widths is not None:
                        mk = full[j] if widths[o] > m else 0
                    elif masked and m > 0:
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
        c = [[R.choice(coefs or [1, 2, 3, -1, -5, 7]) for _ in range(P)] for _ in range(rows)]
        bound = max(sum(abs(c[o if rows > 1 else 0][m * kx + n]) * cnt[o][m]
                        for m in range(kw) for n in range(kx)) for o in range(O))
        self.consts.append("const @c%d : i32[%d, %d] = { %s }" % (
            i, rows, P, " ".join(str(v) for r in c for v in r)))
        self.lines.append(
            "%%p%d : i32[%d, %d, %d, %d] = bpop_conv2d %%%s, @w%d stride=[%d,%d] "
            "pad=[%d,%d,%d,%d] dilation=[%d,%d] groups=%d" % (
                i, P, O, OH, OW, x[0], i, s, s, pt, pb, pl, pr, d, d, groups))
        self.lines.append("%%a%d : i32[%d, %d, %d] = icomb %%p%d, @c%d shift=0 bound=%d" % (
            i, O, OH, OW, i, i, bound))
        return "a%d" % i, (O, OH, OW), bound

    def thresh(self, acc, K, beta="b", span=None):
        """threshold of acc (K planes; static scales @BETA<K>, see BETAS); returns the
        bits value tuple. Thresholds are drawn from [-span, span] (default: a third of
        the bound, which decides most channels' codes by the threshold alone; a span
        near acc's spread makes the codes vary from pixel to pixel)."""
        a, (O, OH, OW), bound = acc
        i = self.n
        thr = []
        span = span or max(bound // 3, 2)
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
