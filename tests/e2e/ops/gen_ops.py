#!/usr/bin/python3
"""gen_ops.py: the PyTorch reference values for tests/e2e/ops.sh (issue 9 item 7).

Run once with Debian's python3-torch (/usr/bin/python3 tests/e2e/ops/gen_ops.py); the
outputs are committed, so the test itself needs no torch. For each case NAME it writes
NAME.in.npy (float32 [batch, ...]), NAME.out.npy (float32 [batch, outputs...], the
case's outputs flattened and concatenated in `output` order) and, when the case has
weights, NAME.safetensors (F32). The model runs in float64 on the float32 inputs and
the results are rounded once to float32: that is the interpreter's contract ("in
double, rounded once", docs/ir.md), so the two agree to about one float32 ulp.
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(9)


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def write(name, x, outs, weights=None):
    np.save(os.path.join(HERE, name + ".in.npy"), x.numpy().astype(np.float32))
    flat = torch.cat([o.reshape(o.shape[0], -1) for o in outs], dim=1)
    np.save(os.path.join(HERE, name + ".out.npy"), flat.to(torch.float32).numpy())
    if weights:
        save_safetensors(os.path.join(HERE, name + ".safetensors"), weights)


def activations():
    x = (torch.randn(2, 3, 4, 5) * 3).to(torch.float32)
    d = x.double()
    outs = [torch.sigmoid(d), torch.tanh(d), F.relu6(d), F.leaky_relu(d, 0.2), F.gelu(d),
            F.dropout(d, 0.3, training=False)]
    write("activations", x, outs)


def pools():
    x = torch.randn(2, 2, 7, 9).to(torch.float32)
    d = x.double()
    outs = [F.max_pool2d(d, 3, 2, ceil_mode=True),
            F.max_pool2d(d, 2, 2, padding=1, ceil_mode=True),
            F.avg_pool2d(d, 3, 2, padding=1),
            F.avg_pool2d(d, 3, 2, padding=1, ceil_mode=True),
            F.avg_pool2d(d, 2, ceil_mode=True),
            F.avg_pool2d(d, (3, 2), (2, 3), padding=(1, 0))]
    write("pools", x, outs)


def squeeze_excitation():
    x = torch.randn(2, 4, 6, 6).to(torch.float32)
    w = {"c1.weight": torch.randn(8, 4, 3, 3) * 0.3, "c1.bias": torch.randn(8) * 0.1,
         "se1.weight": torch.randn(2, 8, 1, 1) * 0.5, "se1.bias": torch.randn(2) * 0.1,
         "se2.weight": torch.randn(8, 2, 1, 1) * 0.5, "se2.bias": torch.randn(8) * 0.1,
         "fc.weight": torch.randn(3, 8 * 6 * 6) * 0.05, "fc.bias": torch.randn(3) * 0.1}
    w = {k: v.to(torch.float32) for k, v in w.items()}
    wd = {k: v.double() for k, v in w.items()}
    r = lambda t: t.float().double()  # every op rounds its result to float32 once
    h = F.relu(r(F.conv2d(x.double(), wd["c1.weight"], wd["c1.bias"], padding=1)))
    s = r(F.adaptive_avg_pool2d(h, 1))
    s = F.relu(r(F.conv2d(s, wd["se1.weight"], wd["se1.bias"])))
    s = r(torch.sigmoid(r(F.conv2d(s, wd["se2.weight"], wd["se2.bias"]))))
    y = F.dropout(r(h * s), 0.2, training=False)
    y = F.linear(y.flatten(1), wd["fc.weight"], wd["fc.bias"])
    write("squeeze_excitation", x, [y], w)


if __name__ == "__main__":
    print("torch", torch.__version__)
    activations()
    pools()
    squeeze_excitation()
