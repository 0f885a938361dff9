#!/usr/bin/env python3
"""widths_par.py OUT SEED: the network of tests/e2e/cpu_widths_par.sh: OUT/wpar.ir and
OUT/wpar.npy (float32 [3, 33, 32, 32]). Two middle-out quants of the input (33*32*32 =
33792 elements, at least QUANT_PAR_MIN_N = 32768: split across threads; static and
runtime scales) and one of its 2x1 average (16896: never split), dequantized to outputs
(their values show every element's width). Inputs: N(0,1) with one element in 8 +-0 and
one in 8 a repeated value (ties at the share boundaries)."""
import random
import struct
import sys

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)
Q = "widths=[1,2,3] fracs=[0.7,0.2,0.1] select=middle-out seed=0"
ir = """hbir 1 network wpar

%%x : f32[33, 32, 32] = input index=0
%%q1 : bits<3,masked,static @b1>[33, 32, 32] = quant %%x %s
%%d1 : f32[33, 32, 32] = dequant %%q1
%%q2 : bits<3,masked,runtime>[33, 32, 32] = quant %%x %s
%%d2 : f32[33, 32, 32] = dequant %%q2
%%a : f32[33, 16, 32] = avgpool %%x kernel=[2,1] stride=[2,1] pad=[0,0,0,0] ceil=0
%%q3 : bits<3,masked,static @b1>[33, 16, 32] = quant %%a %s
%%d3 : f32[33, 16, 32] = dequant %%q3
output %%d1
output %%d2
output %%d3

const @b1 : f32[3] = { 0.75 0.375 0.1875 }
""" % (Q, Q, Q)
with open("%s/wpar.ir" % out, "w") as fh:
    fh.write(ir)
n = 3 * 33 * 32 * 32
vals = []
for _ in range(n):
    r = R.random()
    vals.append(R.choice((0.0, -0.0)) if r < 0.125 else R.choice((0.5, -0.5, 1.25))
                if r < 0.25 else R.gauss(0, 1))
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 33, 32, 32), }"
hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
with open("%s/wpar.npy" % out, "wb") as fh:
    fh.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
    fh.write(struct.pack("<%df" % n, *vals))
