#!/usr/bin/env python3
"""rows_nets.py OUTDIR SEED: one IR network whose bit-plane convolutions run in uniform
tiles of E >= 4 columns that reach the row's edges (tests/e2e/cpu_backend.sh): an odd
channel count (no constant per-tap count: each column's padded taps differ) and a row of
30 (tiles of 8, 8, 7, 7 columns), one word per tap with one plane pair or two words per
tap (65 channels) with two, so the tiles are not split into border and interior ones.
Since 2026-11-28 such tiles transpose their results into one vector store per channel
(pair sums, fcomb floats) instead of a store per column and lane. Heads on one sign:
pair sums of 1- and 2-plane weights as outputs, an fcomb and an icomb + threshold +
dequant. Writes rows.ir and rows.npy (float32 [7, 65, 5, 30]). Standard library only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import const, npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)
C, H, W, k = 65, 5, 30, 3


def bits(name, O, planes):
    """An unmasked bits<planes>[O, C, k, k] constant of random words."""
    per = C * k * k
    text = "const @%s : bits<%d>[%d, %d, %d, %d] = {\n" % (name, planes, O, C, k, k)
    for m in range(planes):
        words = [R.getrandbits(min(64, per - 64 * j)) for _ in range(O)
                 for j in range((per + 63) // 64)]
        text += "  plane %d:\n    %s\n" % (m, " ".join("0x%016x" % w for w in words))
    return text + "}\n"


def conv(res, O, planes, w):
    return ("%%%s : i32[%d, %d, %d, %d] = bpop_conv2d %%s, @%s stride=[1,1] pad=[1,1,1,1] "
            "dilation=[1,1] groups=1\n" % (res, planes, O, H, W, w))


per = C * k * k
ir = ("hbir 1 network rows\n\n" +
      "%%x : f32[%d, %d, %d] = input index=0\n" % (C, H, W) +
      "%%s : bits<1,unit>[%d, %d, %d] = sign %%x\n" % (C, H, W) +
      conv("p1", 16, 1, "w1") + conv("p2", 12, 2, "w2") + conv("p3", 16, 2, "w3") +
      "%%y : f32[12, %d, %d] = fcomb %%p2, %%s, @al, @b\n" % (H, W) +
      conv("p4", 20, 1, "w4") +
      "%%a : i32[20, %d, %d] = icomb %%p4, @c shift=0 bound=%d\n" % (H, W, per) +
      "%%t : bits<1,unit>[20, %d, %d] = threshold %%a, @n, @h\n" % (H, W) +
      "%%d : f32[20, %d, %d] = dequant %%t\n" % (H, W) +
      "output %p1\noutput %y\noutput %p3\noutput %d\n\n" +
      bits("w1", 16, 1) + bits("w2", 12, 2) + bits("w3", 16, 2) + bits("w4", 20, 1) +
      const("al", (12, 2), [R.choice([0.5, 0.75, 1.25]) / (1 + m) for _ in range(12)
                            for m in range(2)]) +
      const("b", (12,), [R.uniform(-2, 2) for _ in range(12)]) +
      "const @c : i32[1, 1] = { 1 }\n" +
      "const @n : i32[20] = { %s }\n" % " ".join(str(R.randint(0, 1)) for _ in range(20)) +
      "const @h : i32[20, 1] = { %s }\n" % " ".join(str(R.randint(-9, 9)) for _ in range(20)))
with open("%s/rows.ir" % out, "w") as f:
    f.write(ir)
npy("%s/rows.npy" % out, (7, C, H, W), [R.uniform(-1, 1) for _ in range(7 * C * H * W)])
