#!/usr/bin/env python3
"""dw_nets.py OUTDIR SEED: random IR networks with a depthwise bpop_conv2d (groups = C = O)
on the bit-serial path (tests/e2e/cpu_dw.sh), which runs them with pixels in lanes and the
activation planes as digits of one level (backends/llvm/llvm_dw.c). Each network is input
-> static quant (Kx planes, some with per-element widths) -> depthwise bpop_conv2d (Kw
planes: unmasked, element widths, or one width per channel) -> fcomb, with both the pair
sums and the fcomb as outputs (so every pair sum, the zeros of a plane a channel lacks
included, is compared; dw_fcomb: the fcomb alone). Shapes cover strides 1-4, dilation,
asymmetric padding, non-square kernels, rows of full and partial 16-pixel chunks, and a
7x7 kernel whose 5 digits do not fit an i32 (dw_k7a5: the masked bit-serial kernel
instead). Writes NAME.ir and NAME.npy (float32 [7, C, H, W]) per network and prints the
names. Standard library only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import const, npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)


def widths(C, T, kw, how):
    """Per channel, per tap: the weight element's width (mask 0 covers every element)."""
    if how == "full":
        return [[kw] * T for _ in range(C)]
    if how == "element":
        return [[R.choice([1, 1, 1, 2, 3, 3][:kw + 3]) if kw > 1 else 1 for _ in range(T)]
                for _ in range(C)]
    # channel: one width per channel, every width present
    cw = [1 + c % kw for c in range(C)]
    R.shuffle(cw)
    return [[w] * T for w in cw]


def weights(C, kh, kwd, kw, how):
    T = kh * kwd
    wd = [[min(w, kw) for w in r] for r in widths(C, T, kw, how)]
    wpr = (T + 63) // 64
    masked = how != "full"
    planes, masks = [], []
    for m in range(kw):
        pw, mw = [], []
        for c in range(C):
            for k in range(wpr):
                p = mk = 0
                for b in range(64):
                    t = k * 64 + b
                    if t < T and wd[c][t] > m:
                        mk |= 1 << b
                        p |= R.getrandbits(1) << b
                pw.append(p)
                mw.append(mk)
        planes.append(pw)
        masks.append(mw)
    t = "const @w : bits<%d%s>[%d, 1, %d, %d] = {\n" % (kw, ",masked" if masked else "", C,
                                                        kh, kwd)
    for m in range(kw):
        t += "  plane %d:\n    %s\n" % (m, " ".join("0x%016x" % w for w in planes[m]))
    if masked:
        for m in range(kw):
            t += "  mask %d:\n    %s\n" % (m, " ".join("0x%016x" % w for w in masks[m]))
    return t + "}\n"


def net(name, C, H, W, kh, kwd, stride, dil, pad, kx, xmasked, kw, how, pairs_out=True):
    pt, pb, pl, pr = pad
    OH = (H + pt + pb - dil * (kh - 1) - 1) // stride + 1
    OW = (W + pl + pr - dil * (kwd - 1) - 1) // stride + 1
    beta = [0.5 / (1 << n) for n in range(kx)]
    if xmasked and kx > 1:
        fr = [0.6] + [0.4 / (kx - 1)] * (kx - 1)
        fr[-1] = 1 - sum(fr[:-1])
        qt = "bits<%d,masked,static @beta>" % kx
        qa = "widths=[%s] fracs=[%s]" % (",".join(str(n + 1) for n in range(kx)),
                                         ",".join("%.9g" % f for f in fr))
    else:
        qt = "bits<%d,static @beta>" % kx
        qa = "widths=[%d] fracs=[1]" % kx
    ir = ("hbir 1 network %s\n\n" % name +
          "%%x : f32[%d, %d, %d] = input index=0\n" % (C, H, W) +
          "%%q : %s[%d, %d, %d] = quant %%x %s select=middle-out seed=0\n" % (qt, C, H, W, qa) +
          "%%p : i32[%d, %d, %d, %d] = bpop_conv2d %%q, @w stride=[%d,%d] pad=[%d,%d,%d,%d] "
          "dilation=[%d,%d] groups=%d\n" % (kw * kx, C, OH, OW, stride, stride, pt, pb, pl, pr,
                                            dil, dil, C) +
          "%%y : f32[%d, %d, %d] = fcomb %%p, %%q, @alpha, @bias\n" % (C, OH, OW) +
          ("output %p\n" if pairs_out else "") + "output %y\n\n" +
          const("beta", [kx], beta) + weights(C, kh, kwd, kw, how) +
          const("alpha", [C, kw], [R.uniform(0.1, 1) / (1 << m) for _ in range(C)
                                   for m in range(kw)]) +
          const("bias", [C], [R.uniform(-1, 1) for _ in range(C)]))
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(ir)
    npy("%s/%s.npy" % (out, name), (7, C, H, W), [R.uniform(-1, 1) for _ in range(7 * C * H * W)])
    print(name)


# name, C, H, W, kh, kw, stride, dilation, pad (t, b, l, r), Kx, x masked, Kw, weight widths
net("dw_a1w1", 8, 9, 20, 3, 3, 1, 1, (1, 1, 1, 1), 1, False, 1, "full")
net("dw_a3w3m", 20, 13, 37, 3, 3, 1, 1, (1, 1, 1, 1), 3, True, 3, "element")
net("dw_chan", 24, 10, 16, 3, 3, 1, 1, (1, 1, 1, 1), 3, True, 3, "channel")
net("dw_s2", 12, 11, 23, 3, 3, 2, 1, (1, 1, 1, 1), 2, False, 2, "full")
net("dw_s3d2", 9, 14, 40, 3, 3, 3, 2, (2, 0, 1, 3), 2, True, 3, "element")
net("dw_s4", 6, 12, 70, 3, 3, 4, 1, (1, 1, 1, 1), 1, False, 2, "channel")
net("dw_k5x3", 10, 8, 17, 5, 3, 1, 1, (2, 2, 0, 2), 4, False, 1, "full")
net("dw_1x1", 5, 4, 33, 1, 1, 1, 1, (0, 0, 0, 0), 6, True, 2, "element")
# big enough to split its channels across 2 threads at batch 1 (hbrt_par)
net("dw_big", 64, 24, 24, 3, 3, 1, 1, (1, 1, 1, 1), 3, True, 3, "channel")
# 49 taps need 7-bit digits: 5 planes are 35 bits, past an i32 (the masked kernel runs)
net("dw_k7a5", 4, 9, 9, 7, 7, 1, 1, (3, 3, 3, 3), 5, True, 2, "element")
# the pair sums read only by the fcomb (which stays its own op: no float epilogue here)
net("dw_fcomb", 16, 12, 21, 3, 3, 1, 1, (1, 1, 1, 1), 3, True, 3, "channel", pairs_out=False)
