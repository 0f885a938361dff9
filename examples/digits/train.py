#!/usr/bin/python3
"""Train the HBNN digits MLP and export its weights and test set for hbnnc.

Run from anywhere (paths are relative to this file's folder):

    /usr/bin/python3 examples/digits/train.py

Needs Debian's python3-torch, python3-sklearn and python3-numpy (Debian's own
interpreter, /usr/bin/python3; the python3 from pyenv has no numpy).  No network:
the data is scikit-learn's bundled copy of the 8x8 digits (1797 images).

Network (names match torch's state_dict and the .hb file):

    input x: f32[64]          pixels / 16, so 0..1
    fc1: dense(128)  weights int 8                        Linear(64,128)
    bn1: batchnorm, sign                                  BatchNorm1d(128)
    fc2: dense(64)   weights bits 1:70% 2:20% 3:10% select middle-out (per-tensor)
    bn2: batchnorm, sign                                  BatchNorm1d(64)
    fc3: dense(10)   weights int 8                        Linear(64,10)
    argmax

The quantizers in the forward pass follow docs/algorithm.md section 2.4 (middle-out,
reading A) and Eq. 5, and symmetric per-output-channel int8 (round half to even,
[-127,127]).  Quantizer arithmetic is done in float64 from the float32 master
weights; every scale (int8 s_c, Eq. 5 mu_n) is rounded to float32 once and used as
such (as hbnnc stores it), and the quantized weight is rounded to float32 at the
end.  The middle-out key uses mu1 = mean|W| in double, unrounded.  Mask and scales are
recomputed from the current float weights on every forward pass, so quantizing the
final exported float weights once reproduces the model's last forward pass.

With --study (and its options, see study.py) it trains the accuracy-versus-bits study
instead (issue 12): an MLP and a CNN at 1..3 bits and several selections, into study/.

Outputs (next to this file):
    digits.safetensors   float master weights (F32) + num_batches_tracked (I64)
    test_x.npy           float32 [360, 64]   pixels / 16
    test_y.npy           int64   [360]
    train_report.json    accuracies, fc2 widths and scales, logits, predictions, checks
"""

import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))

SEED = 0
N_TEST = 360
EPOCHS = 150
BATCH = 64
LR = 3e-3
WEIGHT_DECAY = 0.0
BN_EPS = 1e-5
P_FC2 = [(1, 0.70), (2, 0.20), (3, 0.10)]   # bits 1:70% 2:20% 3:10%
HETERO_STE = "eq2"    # "eq2": dW^/dW = 1 where |W| <= 1 (paper Eq. 2); "identity"


# ----------------------------------------------------------------------------------
# Quantizers (torch).  Each returns exactly the quantized tensor in the forward pass
# (a custom autograd Function, not W + (Wq - W).detach(), whose float32 sum need not
# equal Wq bit for bit).

def int8_quant_t(w):
    """Symmetric per-output-channel int8: s_c = float32(max|W_c|/127) (computed in
    double, rounded once), q = rint(W/s_c) in double, W^ = float32(q*s_c)."""
    wd = w.detach().double()
    s = (wd.abs().amax(dim=1, keepdim=True) / 127.0).float().double()
    q = torch.clamp(torch.round(wd / torch.where(s > 0, s, torch.ones_like(s))),
                    -127, 127)                            # torch.round: half to even
    return (q * s).float(), q, s.squeeze(1)


def middle_out_mask_t(wd, P):
    """Algorithm 1, reading A: one stable ascending sort by ||W|-mu1|, cumulative
    round-half-up counts, widths ascending, last slice takes the rest."""
    flat = wd.reshape(-1)
    n = flat.numel()
    mu1 = flat.abs().sum() / n
    key = (flat.abs() - mu1).abs()
    order = torch.sort(key, stable=True).indices
    m = torch.zeros(n, dtype=torch.int64)
    x, cum = 0, 0.0
    for k, (b, p) in enumerate(P):
        cum += p
        end = n if k == len(P) - 1 else int(np.floor(n * cum + 0.5))
        m[order[x:end]] = b
        x = end
    return m.reshape(wd.shape)


def hetero_quant_t(w, P):
    """Eq. 5: masked residual binarization, per-tensor scales, sign(0) = -1.
    Each mu_n is a mean in double rounded once to float32; the residual and the
    reconstruction use that float32 value (so W^ is exactly sum_n mu_n * b_n with
    the scales the compiler stores); W^ is rounded to float32 at the end."""
    wd = w.detach().double()
    m = middle_out_mask_t(wd, P)
    e = wd.clone()
    out = torch.zeros_like(wd)
    mus = []
    for n in range(1, int(m.max()) + 1):
        a = m >= n
        if not bool(a.any()):
            mus.append(0.0)
            continue
        mu = float(np.float32(float(e[a].abs().sum() / a.sum())))
        s = torch.where(e[a] > 0, 1.0, -1.0).double()
        out[a] += mu * s
        e[a] -= mu * s
        mus.append(float(mu))
    return out.float(), m, mus


class Int8Q(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w):
        return int8_quant_t(w)[0]

    @staticmethod
    def backward(ctx, g):
        return g                                           # straight-through


class HeteroQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w):
        ctx.save_for_backward(w)
        return hetero_quant_t(w, P_FC2)[0]

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        if HETERO_STE == "eq2":
            return g * (w.abs() <= 1).to(g.dtype)
        return g


class SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x > 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)              # hardtanh gradient


class DigitsMLP(nn.Module):
    """mode: 'hbnn' (int8 / 1.4-bit / int8 weights, sign activations),
    'float_sign' (float weights, sign activations),
    'float' (float weights, hardtanh instead of sign; no quantization at all)."""

    def __init__(self, mode):
        super().__init__()
        self.mode = mode
        self.fc1 = nn.Linear(64, 128)
        self.bn1 = nn.BatchNorm1d(128, eps=BN_EPS)
        self.fc2 = nn.Linear(128, 64)
        self.bn2 = nn.BatchNorm1d(64, eps=BN_EPS)
        self.fc3 = nn.Linear(64, 10)

    def act(self, x):
        return F.hardtanh(x) if self.mode == "float" else SignSTE.apply(x)

    def forward(self, x):
        q = self.mode == "hbnn"
        w1 = Int8Q.apply(self.fc1.weight) if q else self.fc1.weight
        w2 = HeteroQ.apply(self.fc2.weight) if q else self.fc2.weight
        w3 = Int8Q.apply(self.fc3.weight) if q else self.fc3.weight
        h = self.act(self.bn1(F.linear(x, w1, self.fc1.bias)))
        h = self.act(self.bn2(F.linear(h, w2, self.fc2.bias)))
        return F.linear(h, w3, self.fc3.bias)


# ----------------------------------------------------------------------------------
# Data

def load_data():
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    perm = np.random.RandomState(SEED).permutation(len(y))
    te, tr = perm[:N_TEST], perm[N_TEST:]
    return x[tr], y[tr], x[te], y[te]


def train(mode, xtr, ytr, epochs=EPOCHS):
    torch.manual_seed(SEED)
    model = DigitsMLP(mode)
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    gen = torch.Generator().manual_seed(SEED)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    n = len(ytr)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            if len(idx) < 2:                     # BatchNorm needs > 1 sample
                continue
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    return model


@torch.no_grad()
def logits_of(model, x):
    model.eval()
    return model(torch.from_numpy(x)).numpy()


# ----------------------------------------------------------------------------------
# safetensors, numpy + json + struct only

ST_DTYPE = {np.dtype("<f4"): "F32", np.dtype("<i8"): "I64"}
ST_NP = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8")}


def write_safetensors(path, tensors):
    # Reference writer's order: larger dtype alignment first, then by name.
    names = sorted(tensors, key=lambda k: (-tensors[k].dtype.itemsize, k))
    header = {"__metadata__": {"format": "pt"}}
    blobs, off = [], 0
    for k in names:
        a = np.asarray(tensors[k])       # not ascontiguousarray: it turns 0-d into 1-d
        a = a.astype(a.dtype.newbyteorder("<"), order="C", copy=False)
        b = a.tobytes(order="C")
        header[k] = {"dtype": ST_DTYPE[a.dtype], "shape": list(a.shape),
                     "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Small strict reader: contiguous offsets from 0, sizes match shapes,
    buffer fully covered, no duplicate keys."""
    data = open(path, "rb").read()
    assert len(data) >= 8
    (n,) = struct.unpack("<Q", data[:8])
    assert 8 + n <= len(data)
    raw = data[8:8 + n]
    assert raw[:1] == b"{" and n % 8 == 0

    def no_dups(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), "duplicate key"
        return dict(pairs)

    hdr = json.loads(raw.decode("utf-8"), object_pairs_hook=no_dups)
    meta = hdr.pop("__metadata__", {})
    buf = data[8 + n:]
    ents = sorted(hdr.items(), key=lambda kv: kv[1]["data_offsets"][0])
    pos, out = 0, {}
    for k, e in ents:
        assert set(e) == {"dtype", "shape", "data_offsets"}
        b, en = e["data_offsets"]
        dt = ST_NP[e["dtype"]]
        cnt = int(np.prod(e["shape"], dtype=np.int64))
        assert b == pos and en - b == cnt * dt.itemsize, k
        out[k] = np.frombuffer(buf[b:en], dtype=dt).reshape(e["shape"]).copy()
        pos = en
    assert pos == len(buf), "buffer not fully covered"
    return meta, out


# ----------------------------------------------------------------------------------
# Independent numpy re-implementation of the quantized forward pass (float64).

def np_sign(x):
    return np.where(x > 0, 1.0, -1.0)


def np_int8(w):
    w = w.astype(np.float64)
    s = (np.abs(w).max(axis=1, keepdims=True) / 127.0).astype(np.float32).astype(np.float64)
    q = np.clip(np.rint(w / np.where(s > 0, s, 1.0)), -127, 127)   # rint: half to even
    return (q * s).astype(np.float32).astype(np.float64), q, s


def np_mask_mo(t, P):
    t = t.reshape(-1).astype(np.float64)
    n = t.size
    mu1 = np.abs(t).sum() / n
    key = np.abs(np.abs(t) - mu1)
    order = np.argsort(key, kind="stable")
    m = np.zeros(n, np.int64)
    x, cum = 0, 0.0
    bounds = []
    for k, (b, p) in enumerate(P):
        cum += p
        end = n if k == len(P) - 1 else int(np.floor(n * cum + 0.5))
        m[order[x:end]] = b
        if k < len(P) - 1:
            bounds.append(float(key[order[end]] - key[order[end - 1]]))
        x = end
    return m, bounds


def np_hetero(t, P):
    shape = t.shape
    m, bounds = np_mask_mo(t, P)
    e = t.reshape(-1).astype(np.float64).copy()
    out = np.zeros_like(e)
    mus, min_abs_res = [], np.inf
    for n in range(1, m.max() + 1):
        a = m >= n
        if not a.any():
            mus.append(0.0)
            continue
        mu = float(np.float32(np.abs(e[a]).sum() / a.sum()))
        min_abs_res = min(min_abs_res, float(np.abs(e[a]).min()))
        s = np_sign(e[a])
        out[a] += mu * s
        e[a] -= mu * s
        mus.append(float(mu))
    return out.astype(np.float32).astype(np.float64).reshape(shape), m.reshape(shape), mus, \
        bounds, min_abs_res


def np_forward(sd, x):
    def bn(h, p):
        return ((h - sd[p + ".running_mean"]) / np.sqrt(sd[p + ".running_var"].astype(np.float64) + BN_EPS)
                * sd[p + ".weight"] + sd[p + ".bias"])

    w1 = np_int8(sd["fc1.weight"])[0]
    w2 = np_hetero(sd["fc2.weight"], P_FC2)[0]
    w3 = np_int8(sd["fc3.weight"])[0]
    x = x.astype(np.float64)
    z1 = bn(x @ w1.T + sd["fc1.bias"], "bn1")
    z2 = bn(np_sign(z1) @ w2.T + sd["fc2.bias"], "bn2")
    return z1, z2, np_sign(z2) @ w3.T + sd["fc3.bias"]


# ----------------------------------------------------------------------------------

def main():
    t0 = time.time()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    xtr, ytr, xte, yte = load_data()

    acc = lambda lg: float((lg.argmax(1) == yte).mean())
    res, timing = {}, {}
    for mode in ("float", "float_sign", "hbnn"):
        t = time.time()
        res[mode] = train(mode, xtr, ytr)
        timing[mode] = round(time.time() - t, 1)
        print(f"{mode:10s} test acc {acc(logits_of(res[mode], xte)):.4f}  ({timing[mode]} s)",
              flush=True)
    model = res["hbnn"]

    # Post-training quantization of the float_sign model (no HBNN training), for contrast.
    ptq = DigitsMLP("hbnn")
    ptq.load_state_dict(res["float_sign"].state_dict())
    lg_ptq = logits_of(ptq, xte)

    lg = logits_of(model, xte)
    pred = lg.argmax(1)

    # Export float master weights.
    sd = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    st_path = os.path.join(HERE, "digits.safetensors")
    write_safetensors(st_path, sd)
    np.save(os.path.join(HERE, "test_x.npy"), np.ascontiguousarray(xte, dtype="<f4"))
    np.save(os.path.join(HERE, "test_y.npy"), np.ascontiguousarray(yte, dtype="<i8"))

    # Check 1: safetensors round trip.
    meta, back = read_safetensors(st_path)
    assert meta == {"format": "pt"}
    assert set(back) == set(sd)
    for k in sd:
        assert back[k].dtype == sd[k].dtype and back[k].shape == sd[k].shape, k
        assert back[k].tobytes() == sd[k].tobytes(), k
    assert back["bn1.num_batches_tracked"].shape == ()
    tx, ty = np.load(os.path.join(HERE, "test_x.npy")), np.load(os.path.join(HERE, "test_y.npy"))
    assert tx.dtype == np.float32 and tx.shape == (N_TEST, 64) and np.array_equal(tx, xte)
    assert ty.dtype == np.int64 and ty.shape == (N_TEST,) and np.array_equal(ty, yte)

    # Check 2: independent numpy quantizers agree with the torch ones.
    w2q_t, m_t, mus_t = hetero_quant_t(model.fc2.weight, P_FC2)
    w2q_n, m_n, mus_n, bounds, min_res = np_hetero(back["fc2.weight"], P_FC2)
    assert np.array_equal(m_t.numpy(), m_n), "middle-out mask differs"
    wq_diff = {"fc2": float(np.abs(w2q_t.numpy() - w2q_n.astype(np.float32)).max())}
    int8_info = {}
    for name in ("fc1", "fc3"):
        w = back[name + ".weight"]
        wq_t, q_t, _ = int8_quant_t(getattr(model, name).weight)
        wq_n, q_n, s_n = np_int8(w)
        assert np.array_equal(q_t.numpy(), q_n), name + " int8 codes differ"
        wq_diff[name] = float(np.abs(wq_t.numpy() - wq_n.astype(np.float32)).max())
        frac = np.abs(w.astype(np.float64) / s_n)
        frac = frac - np.floor(frac)
        int8_info[name] = {
            "scale_min": float(s_n.min()), "scale_max": float(s_n.max()),
            "min_distance_of_W_over_s_to_half": float(np.abs(frac - 0.5).min()),
        }

    # Check 3: numpy forward pass vs torch on the whole test set.
    z1, z2, lg_np = np_forward(back, xte)
    pred_np = lg_np.argmax(1)
    agree = int((pred_np == pred).sum())
    srt = np.sort(lg, axis=1)
    counts = {str(b): int((m_n == b).sum()) for b, _ in P_FC2}

    report = {
        "seed": SEED,
        "split": {
            "method": "np.random.RandomState(seed).permutation(1797); first 360 -> test, "
                      "remaining 1437 -> train",
            "n_train": int(len(ytr)), "n_test": int(len(yte)),
            "test_indices_into_load_digits_first10": [int(i) for i in
                                                      np.random.RandomState(SEED).permutation(1797)[:10]],
        },
        "input_scaling": "pixels / 16.0 as float32",
        "epochs": EPOCHS,
        "hyperparameters": {
            "optimizer": "Adam", "lr": LR, "weight_decay": WEIGHT_DECAY,
            "lr_schedule": "cosine annealing to 0 over all epochs (per epoch)",
            "batch_size": BATCH, "loss": "cross_entropy",
            "init": "torch default (torch.manual_seed(seed))",
            "hetero_ste": "dW^/dW = 1 where |W| <= 1 (Eq. 2)" if HETERO_STE == "eq2" else "identity",
            "int8_ste": "identity", "sign_ste": "1 where |x| <= 1 (hardtanh)",
            "bn_eps": BN_EPS, "bn_momentum": 0.1, "torch_threads": 2,
        },
        "accuracy": {
            "hbnn_quantized_test": acc(lg),
            "float_test": acc(logits_of(res["float"], xte)),
            "float_weights_sign_acts_test": acc(logits_of(res["float_sign"], xte)),
            "post_training_quantized_float_sign_model_test": acc(lg_ptq),
            "hbnn_quantized_train": float((logits_of(model, xtr).argmax(1) == ytr).mean()),
            "notes": "float = same topology, float weights and hardtanh instead of sign (no "
                     "quantization at all); float_weights_sign_acts = float weights, sign "
                     "activations; post_training_quantized = the float_sign model's weights "
                     "quantized like hbnn without retraining",
        },
        "fc2": {
            "distribution": "bits 1:70% 2:20% 3:10% select middle-out, per-tensor scales",
            "n_elements": int(m_n.size),
            "width_counts": counts,
            "average_bits": float(m_n.mean()),
            "scales_mu1_mu2_mu3": mus_n,
            "scales_note": "float32 values (mean in double, rounded once), printed as doubles",
            "scales_float32_hex": [np.float32(v).tobytes()[::-1].hex() for v in mus_n],
            "max_abs_float_weight": float(np.abs(back["fc2.weight"]).max()),
            "relative_reconstruction_error": float(
                np.linalg.norm(w2q_n - back["fc2.weight"]) / np.linalg.norm(back["fc2.weight"])),
            "key_gap_at_slice_boundaries": bounds,
            "min_abs_residual_at_sign_decisions": min_res,
        },
        "int8_layers": int8_info,
        "quantized_logits_first5": [[float(v) for v in row] for row in lg[:5]],
        "quantized_pred_first5": [int(v) for v in pred[:5]],
        "test_y_first5": [int(v) for v in yte[:5]],
        "quantized_predictions": [int(v) for v in pred],
        "verification": {
            "safetensors_roundtrip": "ok (bit exact)",
            "numpy_vs_torch_quantized_weights_max_abs_diff": wq_diff,
            "numpy_vs_torch_mask_equal": True,
            "numpy_vs_torch_scales_max_abs_diff": float(np.abs(np.array(mus_n) - np.array(mus_t)).max()),
            "numpy_float64_forward_vs_torch_predictions_agree": f"{agree}/{len(pred)}",
            "numpy_vs_torch_logits_max_abs_diff": float(np.abs(lg_np - lg).max()),
            "min_abs_bn1_output_before_sign": float(np.abs(z1).min()),
            "min_abs_bn2_output_before_sign": float(np.abs(z2).min()),
            "min_top1_top2_logit_margin": float((srt[:, -1] - srt[:, -2]).min()),
        },
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
    }
    with open(os.path.join(HERE, "train_report.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")

    print(f"fc2 widths {counts}  scales {[round(v, 6) for v in mus_n]}")
    print(f"numpy vs torch predictions agree {agree}/{len(pred)}")
    print(f"train seconds {timing}, total {time.time() - t0:.1f} s")
    if agree != len(pred):
        print("WARNING: numpy and torch predictions disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if "--study" in sys.argv[1:]:         # the accuracy-versus-bits study (study.py)
        sys.path.insert(0, HERE)
        import study
        sys.exit(study.main(sys.argv[1:]))
    sys.exit(main())
