#!/usr/bin/env python3
"""group_nets.py OUTDIR SEED: random IR networks with `group channel` weights (every output
channel has one width; tests/e2e/cpu_groups.sh). Each network is input -> static quant
(Kx planes) -> bpop_conv2d (masked weights, one width per row, counts per width given, in
shuffled order) -> icomb -> threshold -> flatten -> bpop_dense (also one width per row) ->
icomb, both icomb results as outputs (and the conv's pair sums too when out_pairs: the
kernels then write them in the caller's buffer, zeros for the planes a channel lacks). Dense networks (dense_net) test the producers that
pack for a bpop_dense (sign of a float with N not a multiple of 64, read by two bpops; a
2-plane threshold; a sign that a dequant also reads and so stays unpacked). Writes NAME.ir and
NAME.npy (float32 [7, input shape]) per network and prints the names. Standard library
only."""
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npyw import npy  # noqa: E402

out, seed = sys.argv[1], int(sys.argv[2])
R = random.Random(seed)


def widths_of(counts):
    """One width per row: counts[w-1] rows of width w, shuffled."""
    w = [i + 1 for i, n in enumerate(counts) for _ in range(n)]
    R.shuffle(w)
    return w


def weights(name, dims, per, kw, rw):
    """A masked bits constant whose row r has width rw[r] on every element."""
    rows, wpr = len(rw), (per + 63) // 64
    full = [((1 << 64) - 1) if (k + 1) * 64 <= per else (1 << (per - k * 64)) - 1
            for k in range(wpr)]
    t = "const @%s : bits<%d,masked>[%s] = {\n" % (name, kw, ", ".join(map(str, dims)))
    for m in range(kw):
        ws = [R.getrandbits(64) & full[k] if rw[r] > m else 0
              for r in range(rows) for k in range(wpr)]
        t += "  plane %d:\n    %s\n" % (m, " ".join("0x%016x" % w for w in ws))
    for m in range(kw):
        ws = [full[k] if rw[r] > m else 0 for r in range(rows) for k in range(wpr)]
        t += "  mask %d:\n    %s\n" % (m, " ".join("0x%016x" % w for w in ws))
    return t + "}\n", [[per if rw[r] > m else 0 for m in range(kw)] for r in range(rows)]


def coefs(name, kw, kx, cnt):
    rows = len(cnt)
    c = [[R.choice([1, 2, 3, -1, -4]) for _ in range(kw * kx)] for _ in range(rows)]
    bound = max(sum(abs(c[o][m * kx + n]) * cnt[o][m] for m in range(kw) for n in range(kx))
                for o in range(rows))
    t = "const @%s : i32[%d, %d] = { %s }\n" % (name, rows, kw * kx,
                                                " ".join(str(x) for r in c for x in r))
    return t, bound


def net(name, C, H, W, k, stride, pad, kx, kw, counts, kw2, counts2, out_pairs=False):
    O, O2 = sum(counts), sum(counts2)
    OH = (H + 2 * pad - k) // stride + 1
    OW = (W + 2 * pad - k) // stride + 1
    wt, cnt = weights("w", [O, C, k, k], C * k * k, kw, widths_of(counts))
    ct, bound = coefs("c", kw, kx, cnt)
    n2 = O * OH * OW
    w2t, cnt2 = weights("w2", [O2, n2], n2, kw2, widths_of(counts2))
    c2t, bound2 = coefs("c2", kw2, 1, cnt2)
    beta = " ".join("%.9g" % (0.5 / (1 << n)) for n in range(kx))
    ir = ("hbir 1 network %s\n\n" % name +
          "%%x : f32[%d, %d, %d] = input index=0\n" % (C, H, W) +
          "%%q : bits<%d,static @beta>[%d, %d, %d] = quant %%x widths=[%d] fracs=[1] "
          "select=middle-out seed=0\n" % (kx, C, H, W, kx) +
          "%%p : i32[%d, %d, %d, %d] = bpop_conv2d %%q, @w stride=[%d,%d] pad=[%d,%d,%d,%d] "
          "dilation=[1,1] groups=1\n" % (kw * kx, O, OH, OW, stride, stride, pad, pad, pad, pad) +
          "%%a : i32[%d, %d, %d] = icomb %%p, @c shift=0 bound=%d\n" % (O, OH, OW, bound) +
          "%%t : bits<1,unit>[%d, %d, %d] = threshold %%a, @n, @h\n" % (O, OH, OW) +
          "%%f : bits<1,unit>[%d] = flatten %%t\n" % n2 +
          "%%p2 : i32[%d, %d] = bpop_dense %%f, @w2\n" % (kw2, O2) +
          "%%a2 : i32[%d] = icomb %%p2, @c2 shift=0 bound=%d\n" % (O2, bound2) +
          "output %a\noutput %a2\n" + ("output %p\n" if out_pairs else "") + "\n" +
          "const @beta : f32[%d] = { %s }\n" % (kx, beta) + wt + ct + w2t + c2t +
          "const @n : i32[%d] = { %s }\n" % (O, " ".join(str(R.randint(0, 1)) for _ in range(O))) +
          "const @h : i32[%d, 1] = { %s }\n" % (O, " ".join(str(R.randint(-9, 9))
                                                             for _ in range(O))))
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(ir)
    npy("%s/%s.npy" % (out, name), (7, C, H, W),
        [R.uniform(-1, 1) for _ in range(7 * C * H * W)])
    print(name)


def dense_net(name, N, O, O2, kw2, counts, out_sign):
    rw = widths_of(counts)
    wt, cnt = weights("w", [O, N], N, 3, rw)
    ct, bound = coefs("c", 3, 1, cnt)
    w2t, cnt2 = weights("w2", [O2, O], O, kw2, widths_of([0] * (kw2 - 1) + [O2]))
    c2t, bound2 = coefs("c2", kw2, 2, cnt2)
    thr = []
    for _ in range(O):
        t = R.randint(-20, 20)
        thr += [t, t - R.randint(1, 30), t + R.randint(1, 30)]
    ir = ("hbir 1 network %s\n\n" % name +
          "%%x : f32[%d] = input index=0\n" % N +
          "%%s : bits<1,unit>[%d] = sign %%x\n" % N +
          "%%p : i32[3, %d] = bpop_dense %%s, @w\n" % O +
          "%%p3 : i32[3, %d] = bpop_dense %%s, @w\n" % O +
          ("%%sd : f32[%d] = dequant %%s\n" % N if out_sign else "") +
          "%%a : i32[%d] = icomb %%p, @c shift=0 bound=%d\n" % (O, bound) +
          "%%t : bits<2,static @b2>[%d] = threshold %%a, @n, @h\n" % O +
          "%%p2 : i32[%d, %d] = bpop_dense %%t, @w2\n" % (2 * kw2, O2) +
          "%%a2 : i32[%d] = icomb %%p2, @c2 shift=0 bound=%d\n" % (O2, bound2) +
          "output %a\noutput %a2\noutput %p3\n" + ("output %sd\n" if out_sign else "") + "\n" +
          "const @b2 : f32[2] = { 0.5 0.25 }\n" + wt + ct + w2t + c2t +
          "const @n : i32[%d] = { %s }\n" % (O, " ".join(str(R.randint(0, 1)) for _ in range(O))) +
          "const @h : i32[%d, 3] = { %s }\n" % (O, " ".join(map(str, thr))))
    with open("%s/%s.ir" % (out, name), "w") as f:
        f.write(ir)
    npy("%s/%s.npy" % (out, name), (7, N), [R.uniform(-1, 1) for _ in range(7 * N)])
    print(name)


# name, C, H, W, k, stride, pad, Kx, Kw, channels per width, Kw2, dense channels per width
net("g70_20_10", 16, 9, 11, 3, 1, 1, 1, 3, [14, 4, 2], 3, [7, 2, 1], True)
net("g_nowidth2", 70, 6, 7, 3, 2, 1, 1, 3, [11, 0, 5], 3, [0, 9, 3])
net("g_a2", 9, 8, 8, 3, 1, 0, 2, 3, [3, 9, 1], 2, [5, 4], True)
net("g_1x1", 130, 3, 5, 1, 1, 0, 1, 2, [0, 17], 3, [13, 0, 0])
net("g_wide", 64, 5, 5, 3, 1, 1, 1, 3, [23, 8, 9], 2, [17, 8])
# name, N, O, O2, Kw2, channels per width of the first layer, sign also dequantized
dense_net("d_sign_tail", 100, 21, 9, 2, [15, 4, 2], False)
dense_net("d_sign_out", 200, 13, 5, 1, [3, 3, 7], True)
