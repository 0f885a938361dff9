#!/usr/bin/env python3
"""par_nets.py OUTDIR SEED: one IR network for the minimum work per thread
(tests/e2e/cpu_par_grain.sh): a big float conv2d (16 -> 128 channels, 32x32, fused sign
epilogue) and a big bit-serial conv (128 -> 256, stride 2), which must be split across
the threads, beside a tiny float conv (16 -> 3, 1x1, stride 8) and a tiny bit-serial
conv (128 -> 8, stride 8), which must not. Writes par.ir and par.npy (float32 [7, 16,
32, 32]), prints the name. Standard library only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import bits1_const, f32, npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)


def fconst(name, shape, n):
    return "const @%s : f32[%s] = {\n    %s\n}\n" % (
        name, ", ".join(map(str, shape)), " ".join("%.9g" % f32(R.uniform(-1, 1))
                                                   for _ in range(n)))


t = """hbir 1 network par

%x : f32[16, 32, 32] = input index=0
%big : f32[128, 32, 32] = conv2d %x, @bw, @bb stride=[1,1] pad=[1,1,1,1] dilation=[1,1] groups=1
%s : bits<1,unit>[128, 32, 32] = sign %big
%bp : i32[1, 256, 16, 16] = bpop_conv2d %s, @pw stride=[2,2] pad=[1,1,1,1] dilation=[1,1] groups=1
%ba : i32[256, 16, 16] = icomb %bp, @one shift=0 bound=1152
%tp : i32[1, 8, 4, 4] = bpop_conv2d %s, @qw stride=[8,8] pad=[1,1,1,1] dilation=[1,1] groups=1
%ta : i32[8, 4, 4] = icomb %tp, @one shift=0 bound=1152
%tiny : f32[3, 4, 4] = conv2d %x, @tw, @tb stride=[8,8] pad=[0,0,0,0] dilation=[1,1] groups=1
output %ba
output %ta
output %tiny

"""
t += fconst("bw", (128, 16, 3, 3), 128 * 144) + fconst("bb", (128,), 128)
t += fconst("tw", (3, 16, 1, 1), 48) + fconst("tb", (3,), 3)
t += bits1_const(R, "pw", 256, 128, 3) + bits1_const(R, "qw", 8, 128, 3)
t += "const @one : i32[1, 1] = { 1 }\n"
with open("%s/par.ir" % out, "w") as f:
    f.write(t)
npy("%s/par.npy" % out, (7, 16, 32, 32), [f32(R.uniform(-1, 1)) for _ in range(7 * 16 * 1024)])
print("par")
