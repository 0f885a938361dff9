#!/usr/bin/env python3
"""int8_nets.py OUTDIR SEED: random IR networks whose bit-plane layers can run as int8
kernels (tests/e2e/int8_kernels.sh). Each network is input -> static quant (Kx planes,
some with per-element widths) -> bpop_conv2d (Kw weight planes, some masked) -> icomb
with coefficients g_o * u_om * v_n (weight levels x activation levels) -> threshold ->
flatten -> bpop_dense -> icomb, both icomb results as outputs; plus two networks int8
must refuse: one whose coefficients do not factor, one whose activation levels sum past
127 (wide_levels). Writes NAME.ir and NAME.npy (a
float32 [5, C, H, W] batch) per network and prints the names. Standard library only.
  int8_nets.py OUTDIR SEED --layer NAME C H W O K PAD KW KX: one such layer alone
  (input -> quant -> bpop_conv2d -> icomb -> output), for bench/bench_int8.sh;
  int8_nets.py OUTDIR SEED --dense NAME K O KW KX: the same as a dense layer [K] -> [O]."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)


def weights(name, rows, per, kw, masked):
    """A bits constant: planes and (masked) nested masks; returns (text, popcounts)."""
    wpr = (per + 63) // 64
    widths = [[(R.choice([1, 1, 1, 2, 3][:kw + 2]) if masked else kw) for _ in range(per)]
              for _ in range(rows)]
    widths = [[min(w, kw) for w in r] for r in widths]
    planes, masks, cnt = [], [], [[0] * kw for _ in range(rows)]
    for m in range(kw):
        pw, mw = [], []
        for r in range(rows):
            for k in range(wpr):
                p = mk = 0
                for b in range(64):
                    j = k * 64 + b
                    if j < per and widths[r][j] > m:
                        mk |= 1 << b
                        p |= R.getrandbits(1) << b
                        cnt[r][m] += 1
                pw.append(p)
                mw.append(mk)
        planes.append(pw)
        masks.append(mw)
    t = "const @%s : bits<%d%s>[%d, %s] = {\n" % (name, kw, ",masked" if masked else "", rows,
                                                   per if isinstance(per, int) else per)
    for m in range(kw):
        t += "  plane %d:\n    %s\n" % (m, " ".join("0x%016x" % w for w in planes[m]))
    if masked:
        for m in range(kw):
            t += "  mask %d:\n    %s\n" % (m, " ".join("0x%016x" % w for w in masks[m]))
    return t + "}\n", cnt


def coefs(name, rows_o, kw, kx, cnt, per_row, factor=True, v=None):
    if v is None:
        v = [R.choice([1, 2, 3, -1]) for _ in range(kx)]
        v[0] = abs(v[0])
    rows = rows_o if per_row else 1
    c = []
    for r in range(rows):
        g = R.choice([1, 2, 5, 1 << 10])
        u = [R.choice([1, 2, 3, 4, -2]) for _ in range(kw)]
        c.append([g * u[m] * v[n] for m in range(kw) for n in range(kx)])
    if not factor:
        c[0][-1] += 1 if kw * kx > 1 else 0
    bound = max(sum(abs(c[o if per_row else 0][m * kx + n]) * cnt[o][m]
                    for m in range(kw) for n in range(kx)) for o in range(rows_o))
    t = "const @%s : i32[%d, %d] = { %s }\n" % (name, rows, kw * kx,
                                                " ".join(str(x) for r in c for x in r))
    return t, bound, c


def net(name, C, H, W, O, k, stride, pad, dil, groups, kx, xmasked, kw, wmasked, O2, kw2,
        factor=True, v=None):
    OH = (H + 2 * pad - dil * (k - 1) - 1) // stride + 1
    OW = (W + 2 * pad - dil * (k - 1) - 1) // stride + 1
    per = C // groups * k * k
    wt, cnt = weights("w", O, per, kw, wmasked)
    wt = wt.replace("[%d, %d]" % (O, per), "[%d, %d, %d, %d]" % (O, C // groups, k, k))
    ct, bound, _ = coefs("c", O, kw, kx, cnt, R.random() < 0.5, factor, v)
    n2 = O * OH * OW
    w2t, cnt2 = weights("w2", O2, n2, kw2, False)
    c2t, bound2, _ = coefs("c2", O2, kw2, 1, cnt2, True)
    beta = " ".join("%.9g" % (0.5 / (1 << n)) for n in range(kx))
    if xmasked and kx > 1:
        ws = list(range(1, kx + 1))
        fr = [0.6] + [0.4 / (kx - 1)] * (kx - 1)
        fr[-1] = 1 - sum(fr[:-1])
        qt = "bits<%d,masked,static @beta>" % kx
        qa = "widths=[%s] fracs=[%s]" % (",".join(map(str, ws)), ",".join("%.9g" % f for f in fr))
    else:
        qt = "bits<%d,static @beta>" % kx
        qa = "widths=[%d] fracs=[1]" % kx
    thr = " ".join(str(R.randint(-3, 3)) for _ in range(O))
    ir = ("hbir 1 network %s\n\n" % name +
          "%%x : f32[%d, %d, %d] = input index=0\n" % (C, H, W) +
          "%%q : %s[%d, %d, %d] = quant %%x %s select=middle-out seed=0\n" % (qt, C, H, W, qa) +
          "%%p : i32[%d, %d, %d, %d] = bpop_conv2d %%q, @w stride=[%d,%d] pad=[%d,%d,%d,%d] "
          "dilation=[%d,%d] groups=%d\n" % (kw * kx, O, OH, OW, stride, stride, pad, pad, pad,
                                            pad, dil, dil, groups) +
          "%%a : i32[%d, %d, %d] = icomb %%p, @c shift=0 bound=%d\n" % (O, OH, OW, bound) +
          "%%t : bits<1,unit>[%d, %d, %d] = threshold %%a, @n, @h\n" % (O, OH, OW) +
          "%%f : bits<1,unit>[%d] = flatten %%t\n" % n2 +
          "%%p2 : i32[%d, %d] = bpop_dense %%f, @w2\n" % (kw2, O2) +
          "%%a2 : i32[%d] = icomb %%p2, @c2 shift=0 bound=%d\n" % (O2, bound2) +
          "output %a\noutput %a2\n\n" +
          "const @beta : f32[%d] = { %s }\n" % (kx, beta) + wt + ct + w2t + c2t +
          "const @n : i32[%d] = { %s }\n" % (O, " ".join(str(R.randint(0, 1)) for _ in range(O))) +
          "const @h : i32[%d, 1] = { %s }\n" % (O, thr))
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(ir)
    npy("%s/%s.npy" % (out, name), (5, C, H, W),
        [R.uniform(-1, 1) for _ in range(5 * C * H * W)])
    print(name)


def layer(name, C, H, W, O, k, pad, kw, kx):
    OH, OW = H + 2 * pad - k + 1, W + 2 * pad - k + 1
    wt, cnt = weights("w", O, C * k * k, kw, False)
    wt = wt.replace("[%d, %d]" % (O, C * k * k), "[%d, %d, %d, %d]" % (O, C, k, k))
    ct, bound, _ = coefs("c", O, kw, kx, cnt, False)
    beta = " ".join("%.9g" % (0.5 / (1 << n)) for n in range(kx))
    ir = ("hbir 1 network %s\n\n" % name +
          "%%x : f32[%d, %d, %d] = input index=0\n" % (C, H, W) +
          "%%q : bits<%d,static @beta>[%d, %d, %d] = quant %%x widths=[%d] fracs=[1] "
          "select=middle-out seed=0\n" % (kx, C, H, W, kx) +
          "%%p : i32[%d, %d, %d, %d] = bpop_conv2d %%q, @w stride=[1,1] pad=[%d,%d,%d,%d] "
          "dilation=[1,1] groups=1\n" % (kw * kx, O, OH, OW, pad, pad, pad, pad) +
          "%%a : i32[%d, %d, %d] = icomb %%p, @c shift=0 bound=%d\noutput %%a\n\n" % (
              O, OH, OW, bound) +
          "const @beta : f32[%d] = { %s }\n" % (kx, beta) + wt + ct)
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(ir)
    npy("%s/%s.npy" % (out, name), (1, C, H, W), [R.uniform(-1, 1) for _ in range(C * H * W)])


def dense(name, K, O, kw, kx):
    wt, cnt = weights("w", O, K, kw, False)
    ct, bound, _ = coefs("c", O, kw, kx, cnt, False)
    beta = " ".join("%.9g" % (0.5 / (1 << n)) for n in range(kx))
    ir = ("hbir 1 network %s\n\n" % name +
          "%%x : f32[%d] = input index=0\n" % K +
          "%%q : bits<%d,static @beta>[%d] = quant %%x widths=[%d] fracs=[1] "
          "select=middle-out seed=0\n" % (kx, K, kx) +
          "%%p : i32[%d, %d] = bpop_dense %%q, @w\n" % (kw * kx, O) +
          "%%a : i32[%d] = icomb %%p, @c shift=0 bound=%d\noutput %%a\n\n" % (O, bound) +
          "const @beta : f32[%d] = { %s }\n" % (kx, beta) + wt + ct)
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(ir)
    npy("%s/%s.npy" % (out, name), (3, K), [R.uniform(-1, 1) for _ in range(3 * K)])


if len(sys.argv) > 3 and sys.argv[3] == "--layer":
    layer(sys.argv[4], *map(int, sys.argv[5:13]))
    sys.exit(0)
if len(sys.argv) > 3 and sys.argv[3] == "--dense":
    dense(sys.argv[4], *map(int, sys.argv[5:9]))
    sys.exit(0)

# name, C, H, W, O, k, stride, pad, dilation, groups, Kx, x masked, Kw, w masked, O2, Kw2
net("w2a2", 16, 9, 11, 24, 3, 1, 1, 1, 1, 2, False, 2, False, 10, 2)
net("w3a3", 8, 12, 12, 16, 3, 1, 1, 1, 1, 3, False, 3, False, 7, 3)
net("w3a3_strided", 20, 10, 9, 33, 3, 2, 1, 1, 1, 3, False, 3, True, 5, 1)
net("w3m_a1", 64, 6, 6, 32, 3, 1, 1, 1, 1, 1, False, 3, True, 10, 3)
net("w2a3_masked", 12, 7, 8, 17, 1, 1, 0, 1, 1, 3, True, 2, True, 9, 2)
net("w2a2_groups", 16, 8, 8, 32, 3, 1, 2, 2, 4, 2, False, 2, False, 4, 1)
net("w3a3_1x1", 130, 3, 5, 40, 1, 1, 0, 1, 1, 3, False, 3, False, 3, 2)
# depthwise (groups = C = O): pixels in lanes (llvm_dw.c), full and partial chunks
net("dw_w2a3m", 20, 13, 37, 20, 3, 1, 1, 1, 20, 3, True, 2, True, 6, 1)
net("dw_s2d2", 12, 11, 23, 12, 3, 2, 2, 2, 12, 1, False, 1, False, 4, 1)
net("nofactor", 8, 5, 5, 8, 3, 1, 1, 1, 1, 2, False, 2, False, 3, 1, factor=False)
# activation levels 100 and 61 (coprime): A = +-100 +-61 reaches 161, past s8, so int8 must be refused
net("wide_levels", 8, 6, 6, 16, 3, 1, 1, 1, 1, 2, False, 2, False, 3, 1, v=[100, 61])
