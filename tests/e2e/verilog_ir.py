#!/usr/bin/python3
# verilog_ir.py SEED SPEC: a random integer-path network as IR text (docs/ir.md) on stdout,
# for the Verilog backend's tests. SPEC, one word per stage, separated by '-':
#   in:N or in:C,H,W     input, binarized by sign (in:...:q3 = static quant, 3 planes)
#   d:O:K[:F2[:F3]]      dense unit, K weight planes; F2/F3 = fraction of elements with
#                        exactly 2/3 planes (masked weights); thresholded to 1 bit (:t2 = 2
#                        bits); :p = power-of-two coefficients 4:2:1 (area comparisons);
#                        :F4x8 = folded, pe=4 simd=8
#   c:O:K:k:s:p[:F2[:F3]] conv unit (kernel k, stride s, pad p or t,b,l,r), 1 weight plane
#                        unless K > 1; :t2 / fractions / :F4x8 as for d; :D2 dilation 2; :g2 groups
#   m:k:s[:p]            bit max-pool (pad p);  f  flatten
#   end:fcomb | end:icomb | end:dequant   what the last unit gives (default fcomb)
#   end:fcomb2 | end:argmax | end:argmaxf  fcomb with a bias of quarters (exact in integers),
#                        the same + argmax, a float bias + argmax (not exact: refused)
import math, random, sys

seed, spec = int(sys.argv[1]), sys.argv[2]
R = random.Random(seed)
lines, consts = [], []
words = spec.split('-')

def words_hex(rows, per, bits):  # bits[r][j] -> packed words
    wpr = (per + 63) // 64
    out = []
    for r in range(rows):
        for w in range(wpr):
            v = 0
            for b in range(64):
                j = w * 64 + b
                if j < per and bits[r][j]:
                    v |= 1 << b
            out.append('0x%016x' % v)
    return out

def bits_const(name, rows, shape, K, fracs):
    per = 1
    for d in shape[1:]:
        per *= d
    widths = [[1] * per for _ in range(rows)]
    masked = K > 1 and fracs
    for r in range(rows):
        for j in range(per):
            u = R.random()
            w = 1
            for k, f in enumerate(fracs):
                if u < sum(fracs[k:]):
                    w = k + 2
            widths[r][j] = w if masked else K
    body = []
    for m in range(K):
        body.append('  plane %d:' % m)
        body += ['    ' + x for x in words_hex(rows, per, [[R.random() < .5 and widths[r][j] > m for j in range(per)] for r in range(rows)])]
    if masked:
        for m in range(K):
            body.append('  mask %d:' % m)
            body += ['    ' + x for x in words_hex(rows, per, [[widths[r][j] > m for j in range(per)] for r in range(rows)])]
    kind = 'bits<%d%s>' % (K, ',masked' if masked else '')
    consts.append('const @%s : %s[%s] = {\n%s\n}\n' % (name, kind, ', '.join(map(str, shape)), '\n'.join(body)))
    return widths

def const(name, kind, shape, vals):
    consts.append('const @%s : %s[%s] = {\n    %s\n}\n' % (name, kind, ', '.join(map(str, shape)), ' '.join(map(str, vals))))

def scale_const(name, K):
    b = [round(2.0 ** -k * (1 + R.random()), 4) for k in range(K)]
    b.sort(reverse=True)
    const(name, 'f32', [K], b)
    return b

first = words[0].split(':')
dims = [int(x) for x in first[1].split(',')]
kx = int(first[2][1:]) if len(first) > 2 else 1
lines.append('%%x : f32[%s] = input index=0' % ', '.join(map(str, dims)))
if kx == 1:
    lines.append('%%a0 : bits<1,unit>[%s] = sign %%x' % ', '.join(map(str, dims)))
    cur_beta = None
else:
    scale_const('a0.beta', kx)
    lines.append('%%a0 : bits<%d,static @a0.beta>[%s] = quant %%x widths=[%d] fracs=[1] select=middle-out seed=0' % (kx, ', '.join(map(str, dims)), kx))
cur, shape, n = 'a0', dims, 0
end = 'fcomb'
units = [w for w in words[1:] if not w.startswith('end:')]
for w in words[1:]:
    if w.startswith('end:'):
        end = w[4:]
for ui, w in enumerate(units):
    f = w.split(':')
    last = ui == len(units) - 1
    n += 1
    name = 'l%d' % n
    if f[0] in ('d', 'c'):
        O, K = int(f[1]), int(f[2])
        if f[0] == 'd':
            N = 1
            for d in shape:
                N *= d
            wshape, ex = [O, N], []
            taps = N
            out_shape = [O]
            fr = [float(x) for x in f[3:] if x[0] not in 'tpF']
            op = 'bpop_dense %%%s, @%s.w' % (cur, name)
            for x in f[3:]:
                if x[0] == 'F':
                    op += ' pe=%s simd=%s' % tuple(x[1:].split('x'))
        else:
            k, s = int(f[3]), int(f[4])
            pt, pb, pl, pr = [int(x) for x in f[5].split(',')] if ',' in f[5] else [int(f[5])] * 4
            dl = int([x for x in f[6:] if x[0] == 'D'][0][1:]) if any(x[0] == 'D' for x in f[6:]) else 1
            gr = int([x for x in f[6:] if x[0] == 'g'][0][1:]) if any(x[0] == 'g' for x in f[6:]) else 1
            C, H, W = shape
            wshape = [O, C // gr, k, k]
            taps = C // gr * k * k
            ek = dl * (k - 1) + 1
            OH, OW = (H + pt + pb - ek) // s + 1, (W + pl + pr - ek) // s + 1
            out_shape = [O, OH, OW]
            fr = [float(x) for x in f[6:] if x[0] not in 'tpFDg']
            op = 'bpop_conv2d %%%s, @%s.w stride=[%d,%d] pad=[%d,%d,%d,%d] dilation=[%d,%d] groups=%d' % (cur, name, s, s, pt, pb, pl, pr, dl, dl, gr)
            for x in f[6:]:
                if x[0] == 'F':
                    op += ' pe=%s simd=%s' % tuple(x[1:].split('x'))
        widths = bits_const(name + '.w', O, wshape, K, fr)
        P = K * kx
        lines.append('%%%s.pop : i32[%s] = %s' % (name, ', '.join(map(str, [P] + out_shape)), op))
        if last and end in ('fcomb', 'fcomb2', 'argmax', 'argmaxf'):
            const(name + '.alpha', 'f32', [1, K], [round(0.5 ** m, 3) for m in range(K)])
            dyadic = end in ('fcomb2', 'argmax')  # bias k/8: an exact integer accumulator
            const(name + '.bias', 'f32', [O], [R.randint(-2, 2) / 4 if dyadic else round(R.uniform(-1, 1), 3) for _ in range(O)])
            lines.append('%%%s : f32[%s] = fcomb %%%s.pop, %%%s, @%s.alpha, @%s.bias' % (name, ', '.join(map(str, out_shape)), name, cur, name, name))
            if end.startswith('argmax'):
                lines.append('%%%s.cls : i32[] = argmax %%%s' % (name, name))
                name += '.cls'
            lines.append('output %%%s' % name)
            break
        rows = O if R.random() < .5 else 1
        coef = [[R.choice([1, 2, 3, 5, 8, 13, 64, 100]) * (1 if R.random() < .9 else -1) for _ in range(P)] for _ in range(rows)]
        if 'p' in f:  # power-of-two plane scales (4:2:1), one row: for area comparisons
            rows, coef = 1, [[2 ** (K - 1 - p // kx) for p in range(P)]]
        const(name + '.coef', 'i32', [rows, P], sum(coef, []))
        bound = 0
        for o in range(O):
            c = coef[o if rows > 1 else 0]
            bound = max(bound, sum(abs(c[p]) * sum(1 for j in range(len(widths[o])) if widths[o][j] > p // kx) for p in range(P)))
        acc_shape = out_shape
        lines.append('%%%s.acc : i32[%s] = icomb %%%s.pop, @%s.coef shift=0 bound=%d' % (name, ', '.join(map(str, acc_shape)), name, name, bound))
        if last and end == 'icomb':
            lines.append('output %%%s.acc' % name)
            break
        ko = 2 if 't2' in f else 1
        nodes = 2 ** ko - 1
        spread = int(math.sqrt(taps) * max(abs(x) for x in sum(coef, [])))
        thr = []
        for o in range(O):
            t = sorted(R.randint(-spread, spread) for _ in range(nodes))
            t = [t[nodes // 2]] + t[:nodes // 2] + t[nodes // 2 + 1:] if nodes == 3 else t
            if R.random() < 0.05:
                t[0] = R.choice([2 ** 30 + 1, -2 ** 30 - 1])
            thr += t
        const(name + '.neg', 'i32', [O], [1 if R.random() < .2 else 0 for _ in range(O)])
        const(name + '.thr', 'i32', [O, nodes], thr)
        if ko == 1:
            ty = 'bits<1,unit>'
        else:
            scale_const(name + '.beta', ko)
            ty = 'bits<%d,static @%s.beta>' % (ko, name)
        lines.append('%%%s : %s[%s] = threshold %%%s.acc, @%s.neg, @%s.thr' % (name, ty, ', '.join(map(str, out_shape)), name, name, name))
        cur, shape, kx = name, out_shape, ko
        if last:
            lines.append('%%%s.f : f32[%s] = dequant %%%s' % (name, ', '.join(map(str, out_shape)), name))
            lines.append('output %%%s.f' % name)
    elif f[0] == 'm':
        k, s = int(f[1]), int(f[2])
        p = int(f[3]) if len(f) > 3 else 0
        C, H, W = shape
        shape = [C, (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1]
        lines.append('%%%s : bits<1,unit>[%s] = maxpool %%%s kernel=[%d,%d] stride=[%d,%d] pad=[%d,%d,%d,%d] ceil=0' % (name, ', '.join(map(str, shape)), cur, k, k, s, s, p, p, p, p))
        cur = name
    elif f[0] == 'f':
        N = 1
        for d in shape:
            N *= d
        ty = 'bits<1,unit>' if kx == 1 else 'bits<%d,static @a0.beta>' % kx
        lines.append('%%%s : %s[%d] = flatten %%%s' % (name, ty, N, cur))
        cur, shape = name, [N]
print('hbir 1 network rnd%d\n' % seed)
print('\n'.join(lines))
print()
print('\n'.join(consts))
