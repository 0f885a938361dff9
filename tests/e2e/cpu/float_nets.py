#!/usr/bin/env python3
"""float_nets.py OUTDIR SEED: random IR networks around float conv2d and dense layers of
awkward shapes (tests/e2e/float_kernels.sh): channels not a multiple of 8, one output
channel, strides, dilation, asymmetric padding, groups, depthwise, 1x1, odd dense sizes.
Each network is input -> conv2d -> batchnorm -> relu -> flatten -> dense, with the conv2d
and the dense results as outputs; `blocked` adds a bpop_dense (the backend then runs
examples in blocks of 8). Input channel 0 is all ones and the
weights that read it alternate +-2^50 (group 0 of the conv2d, and a second dense layer
on the input itself): summed in the interpreter's order the big terms cancel exactly
before the small ones arrive, in another order they swallow the small ones' low bits, so
a change of order shows in the float result (sums in double hide most other reorderings). Writes NAME.ir and NAME.npy (float32 [7, C, H, W])
per network and prints the names. Standard library only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import const, f32, npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)
BIG = 2.0 ** 50

# name: C, H, W, O, (kh, kw), (sh, sw), (t, b, l, r), (dh, dw), groups, dense outputs
CASES = {
    "c13": (3, 9, 11, 13, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, 7),
    "o1": (5, 6, 7, 1, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, 1),
    "s2asym": (4, 10, 10, 16, (3, 3), (2, 2), (0, 1, 1, 0), (1, 1), 1, 3),
    "dil2": (3, 7, 12, 9, (3, 3), (1, 1), (2, 2, 2, 2), (2, 2), 1, 5),
    "g2": (6, 8, 5, 10, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2, 11),
    "dw_s2": (11, 9, 9, 11, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 11, 4),
    "dw16": (16, 6, 10, 16, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 16, 9),
    "dwx2": (4, 5, 5, 8, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 4, 2),
    "p1x1": (7, 5, 5, 20, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1, 41),
    "rect": (3, 11, 9, 12, (5, 2), (2, 1), (2, 0, 1, 3), (1, 2), 1, 6),
    "wide": (16, 6, 13, 40, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, 37),
    "tile8": (3, 6, 16, 32, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, 5),  # 8x8 transposed stores
    "dw8": (16, 5, 8, 16, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 16, 3),
    "blocked": (3, 8, 8, 17, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, 10),
}


def rnd():
    return f32(R.uniform(-1, 1) * 10 ** R.uniform(-3, 3))


def net(name, C, H, W, O, k, s, p, d, g, D):
    OH = (H + p[0] + p[1] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    OW = (W + p[2] + p[3] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    N = O * OH * OW
    t = "hbir 1 network %s\n\n%%x : f32[%d, %d, %d] = input index=0\n" % (name, C, H, W)
    t += ("%%a : f32[%d, %d, %d] = conv2d %%x, @cw, @cb stride=[%d,%d] pad=[%d,%d,%d,%d] "
          "dilation=[%d,%d] groups=%d\n") % (O, OH, OW, s[0], s[1], *p, d[0], d[1], g)
    t += "%%b : f32[%d, %d, %d] = batchnorm %%a, @bs, @bh\n" % (O, OH, OW)
    t += "%%r : f32[%d, %d, %d] = relu %%b\n" % (O, OH, OW)
    t += "%%f : f32[%d] = flatten %%r\n" % N
    t += "%%d : f32[%d] = dense %%f, @dw, @db\n" % D
    if name == "blocked":
        t += "%%s : bits<1,unit>[%d] = sign %%f\n%%p : i32[1, 2] = bpop_dense %%s, @w\n" % N
        t += "%%q : i32[2] = icomb %%p, @c shift=0 bound=%d\noutput %%q\n" % N
    t += "%%g : f32[%d] = flatten %%x\n%%e : f32[3] = dense %%g, @ew, @eb\n" % (C * H * W)
    t += "output %a\noutput %d\noutput %e\n\n"
    T = C // g * k[0] * k[1]
    cw = [rnd() for _ in range(O * T)]
    for o in range(O // g):  # group 0: the taps on input channel 0
        sign = R.choice([1, -1])
        for q in range(k[0] * k[1] // 2 * 2):
            cw[o * T + q] = sign * BIG * (1 if q % 2 == 0 else -1)
    t += const("cw", (O, C // g, k[0], k[1]), cw)
    t += const("cb", (O,), [rnd() for _ in range(O)])
    t += const("bs", (O,), [f32(R.uniform(0.5, 2)) for _ in range(O)])
    t += const("bh", (O,), [f32(R.uniform(-1, 1)) for _ in range(O)])
    t += const("dw", (D, N), [rnd() for _ in range(D * N)])
    t += const("db", (D,), [rnd() for _ in range(D)])
    ew = [rnd() for _ in range(3 * C * H * W)]
    for o in range(3):
        for j in range(H * W // 2 * 2):
            ew[o * C * H * W + j] = BIG * (1 if j % 2 == 0 else -1)
    t += const("ew", (3, C * H * W), ew)
    t += const("eb", (3,), [rnd() for _ in range(3)])
    if name == "blocked":
        wpr = (N + 63) // 64
        words = []
        for _ in range(2):
            for k_ in range(wpr):
                n = min(64, N - 64 * k_)
                words.append(R.getrandbits(n))
        t += "const @w : bits<1>[2, %d] = {\n  plane 0:\n    %s\n}\n" % (
            N, " ".join("0x%016x" % w for w in words))
        t += "const @c : i32[1, 1] = {\n    1\n}\n"
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(t)
    x = [f32(R.uniform(-1, 1) * 10 ** R.uniform(-2, 2)) for _ in range(7 * C * H * W)]
    for e in range(7):
        x[e * C * H * W:e * C * H * W + H * W] = [1.0] * (H * W)
    npy("%s/%s.npy" % (out, name), (7, C, H, W), x)


for name, c in CASES.items():
    net(name, *c)
    print(name)
