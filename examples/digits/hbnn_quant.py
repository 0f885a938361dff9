"""HBNN quantizers for training, written to match hbnnc's compiler/quant/ exactly.

Used by train.py --study (the accuracy-versus-bits study).  Needs numpy; the torch
wrappers at the end need torch.  Every rule here is the compiler's (algorithm.md §2.4,
docs/ir.md §4 "quant"), including the details that decide ties:

- arithmetic in double from the float32 values; every scale (Eq. 5 mu_n / beta_n) is a
  mean in double, summed sequentially in index order, rounded once to float32, and that
  float32 value is used for the residual and the reconstruction; the reconstruction is
  summed in level order in double and rounded once to float32;
- sign(0) = -1;
- counts: cumulative round-half-up, floor(N*cum + 0.5 + tol), last slice takes the rest;
- middle-out: key ||T_j| - mu1| with mu1 = mean|T| in double (unrounded), one stable
  ascending sort (ties: lower index); top-down: |T| (float) descending, ties lower index;
  bottom-up: |T| ascending; random(SEED): the compiler's splitmix64 Fisher-Yates
  permutation; mo-residual: reading C (quant_widths_mo_residual);
- group channel (per-tensor scales): channels ranked by sum_j (|T_j| - mean|T|)^2
  ascending, counts over channels, then Eq. 5 over the whole tensor.

The functions work on a numpy float32 array whose first dimension is the output channel
(torch layout).  Sums use np.cumsum, which adds sequentially like the C loops.
"""

import math

import numpy as np

MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------- distributions

def parse_dist(spec):
    """'1' -> [(1, 1.0)]; '1:70 2:20 3:10' -> [(1, .7), (2, .2), (3, .1)]."""
    spec = str(spec).strip()
    if ":" not in spec:
        return [(int(spec), 1.0)]
    out = []
    for part in spec.split():
        b, p = part.split(":")
        out.append((int(b), float(p.rstrip("%")) / 100.0))
    return sorted(out)


def split_counts(n, dist):
    """quant_split_counts(): cumulative round-half-up with the compiler's tolerance."""
    tol = 1e-9 + n * 1e-14
    cum, x, counts = 0.0, 0, []
    for k, (_, p) in enumerate(dist):
        end = n
        if k < len(dist) - 1:
            cum += p
            v = math.floor(n * cum + 0.5 + tol)
            end = x if v <= x else n if v >= n else int(v)
        counts.append(end - x)
        x = end
    return counts


def seq_sum(a):
    """Sequential double sum in index order (the C loops), not numpy's pairwise sum."""
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    return float(np.cumsum(a)[-1]) if a.size else 0.0


# ---------------------------------------------------------------- selections

def _splitmix_next(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def _rng_below(state, bound):
    state, r = _splitmix_next(state)
    m = r * bound
    if (m & MASK64) < bound:
        t = ((1 << 64) - bound) % bound
        while (m & MASK64) < t:
            state, r = _splitmix_next(state)
            m = r * bound
    return state, m >> 64


_PERM_CACHE = {}


def random_permutation(n, seed):
    """hb_rng_permutation(): Fisher-Yates from the top with splitmix64 + Lemire."""
    key = (n, seed)
    if key not in _PERM_CACHE:
        order = list(range(n))
        state = seed & MASK64
        for i in range(n - 1, 0, -1):
            state, j = _rng_below(state, i + 1)
            order[i], order[j] = order[j], order[i]
        _PERM_CACHE[key] = np.array(order, dtype=np.int64)
    return _PERM_CACHE[key]


def order_of(t, select, seed=0):
    """Algorithm 1's order (quant_order) of a flat float32 tensor."""
    t = np.asarray(t, dtype=np.float32).reshape(-1)
    a = np.abs(t)
    if select == "random":
        return random_permutation(t.size, seed)
    if select == "middle-out":
        mu1 = seq_sum(a) / t.size
        return np.argsort(np.abs(a.astype(np.float64) - mu1), kind="stable")
    if select == "top-down":
        # descending |T| with ties by lower index: sort (-|T|) stably
        return np.argsort(-a, kind="stable")
    if select == "bottom-up":
        return np.argsort(a, kind="stable")
    raise ValueError(select)


def widths_from_order(n, order, dist):
    m = np.zeros(n, dtype=np.int64)
    x = 0
    for (b, _), c in zip(dist, split_counts(n, dist)):
        m[order[x:x + c]] = b
        x += c
    return m


def widths_mo_residual(t, dist):
    """quant_widths_mo_residual(): reading C."""
    t = np.asarray(t, dtype=np.float32).reshape(-1)
    n = t.size
    counts = split_counts(n, dist)
    e = t.astype(np.float64)
    act = np.arange(n)
    m = np.zeros(n, dtype=np.int64)
    lvl, k = 1, 0
    while k < len(dist) and act.size > 0:
        mu = seq_sum(np.abs(e[act])) / act.size
        if dist[k][0] == lvl:
            if k == len(dist) - 1:
                m[act] = lvl
            elif counts[k] > 0:
                key = np.abs(np.abs(e[act]) - mu)
                m[act[np.argsort(key, kind="stable")[:counts[k]]]] = lvl
            k += 1
        alpha = float(np.float32(mu))
        ea = e[act]
        e[act] = ea - np.where(ea > 0, alpha, -alpha)
        act = act[m[act] == 0]
        lvl += 1
    return m


def widths_channel(t, dist):
    """quant_widths_channel() with per-tensor scales: one width per output channel."""
    t = np.asarray(t, dtype=np.float32)
    ch = t.shape[0]
    rows = np.abs(t.reshape(ch, -1).astype(np.float64))
    mu = seq_sum(rows) / rows.size
    key = np.array([seq_sum((r - mu) ** 2) for r in rows])
    cw = widths_from_order(ch, np.argsort(key, kind="stable"), dist)
    return np.repeat(cw, rows.shape[1])


def assign_widths(t, dist, select="middle-out", seed=0, group="element"):
    """Per-element widths M (flat int64) of a float32 tensor, like quant_tensor()."""
    t = np.asarray(t, dtype=np.float32)
    n = t.size
    if len(dist) == 1:
        return np.full(n, dist[0][0], dtype=np.int64)
    if group == "channel":
        return widths_channel(t, dist)
    if select == "mo-residual":
        return widths_mo_residual(t, dist)
    return widths_from_order(n, order_of(t, select, seed), dist)


# ---------------------------------------------------------------- Eq. 5

def binarize(t, m):
    """quant_binarize(): returns (recon float32 flat, scales [float], signs [K, n] bool)."""
    t = np.asarray(t, dtype=np.float32).reshape(-1)
    e = t.astype(np.float64)
    out = np.zeros(t.size, dtype=np.float64)
    kmax = int(m.max())
    scales, signs = [], []
    for lvl in range(kmax):
        a = m > lvl
        cnt = int(a.sum())
        alpha = float(np.float32(seq_sum(np.abs(e[a])) / cnt)) if cnt else 0.0
        s = e > 0
        step = np.where(s, alpha, -alpha) * a
        out += step
        e -= step
        scales.append(alpha)
        signs.append(s & a)
    return out.astype(np.float32), scales, np.array(signs)


def quantize(t, dist, select="middle-out", seed=0, group="element"):
    """The full weight quantizer: (recon float32 in t's shape, widths, scales)."""
    t = np.asarray(t, dtype=np.float32)
    m = assign_widths(t, dist, select, seed, group)
    recon, scales, _ = binarize(t, m)
    return recon.reshape(t.shape), m, scales


def quantize_rows(x, dist, select="middle-out", seed=0):
    """Runtime activation quantizer (ir.md 'quant', runtime scales), one example per row
    of x (float32 [batch, ...]): widths by the selection on that example's tensor, then
    Eq. 5 with per-example scales.  Vectorized over the batch for training; the sums
    are sequential (cumsum) so the scales equal the interpreter's."""
    x = np.asarray(x, dtype=np.float32)
    b = x.shape[0]
    flat = x.reshape(b, -1)
    n = flat.shape[1]
    a64 = np.abs(flat).astype(np.float64)
    if len(dist) == 1:
        m = np.full((b, n), dist[0][0], dtype=np.int64)
    else:
        if select != "middle-out":
            raise ValueError("activation selection other than middle-out: not used here")
        mu1 = np.cumsum(a64, axis=1)[:, -1:] / n
        order = np.argsort(np.abs(a64 - mu1), axis=1, kind="stable")
        m = np.zeros((b, n), dtype=np.int64)
        x0 = 0
        for (w, _), c in zip(dist, split_counts(n, dist)):
            np.put_along_axis(m, order[:, x0:x0 + c], w, axis=1)
            x0 += c
    e = flat.astype(np.float64)
    out = np.zeros_like(e)
    for lvl in range(int(m.max())):
        act = m > lvl
        cnt = act.sum(axis=1)
        s = np.cumsum(np.abs(e) * act, axis=1)[:, -1]
        beta = np.where(cnt > 0, s / np.maximum(cnt, 1), 0.0).astype(np.float32)
        beta = beta.astype(np.float64)[:, None]
        step = np.where(e > 0, beta, -beta) * act
        out += step
        e -= step
    return out.astype(np.float32).reshape(x.shape)


# ---------------------------------------------------------------- torch wrappers

def torch_ops():
    """The autograd Functions (imported lazily so the numpy part needs no torch)."""
    import torch

    class WeightQ(torch.autograd.Function):
        """Forward: the compiler's quantized weight; backward: Eq. 2's STE."""

        @staticmethod
        def forward(ctx, w, cfg):
            ctx.save_for_backward(w)
            recon = quantize(w.detach().cpu().numpy(), cfg["dist"], cfg["select"],
                             cfg["seed"], cfg["group"])[0]
            return torch.from_numpy(recon)

        @staticmethod
        def backward(ctx, g):
            (w,) = ctx.saved_tensors
            return g * (w.abs() <= 1).to(g.dtype), None

    class SignSTE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.where(x > 0, torch.ones_like(x), -torch.ones_like(x))

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x.abs() <= 1).to(g.dtype)

    class ActQ(torch.autograd.Function):
        """Runtime heterogeneous activation quantizer per example; hardtanh STE."""

        @staticmethod
        def forward(ctx, x, dist):
            ctx.save_for_backward(x)
            return torch.from_numpy(quantize_rows(x.detach().cpu().numpy(), dist))

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x.abs() <= 1).to(g.dtype), None

    return WeightQ, SignSTE, ActQ
