#!/usr/bin/python3
"""nets.py: the two whole networks of bench/run (examples/cifar_vgg and examples/mobilenet)
described once, in Python: seeded weights (safetensors, numpy only), the bench variants
(W1A1 ... float) as .hb files derived from the examples, the layer list for the OpenBLAS
peer (bench/blas_net.c) and the per-layer work for the popcount bound.

  nets.py weights NET OUT.safetensors          seeded weights (numpy only)
  nets.py variants NET OUTDIR                  OUTDIR/NET_VARIANT.hb, one per variant
  nets.py arch NET                             the layer list for blas_net (stdout)
  nets.py work NET                             per-layer M K N (JSON, stdout)
"""
import json
import os
import re
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(HERE), "examples")


# --- Architectures: the same layers, labels and tensor names as the examples' .hb ---------
# ("conv", label, cout, k, stride, pad, bias, binary) | ("dw", label, k, stride, pad, binary)
# ("bn", label) | ("act", kind) | ("maxpool", k) | ("gap",) | ("flatten",)
# ("dense", label, out, bias, binary) | ("softmax",)
# `binary` marks layers whose weights the variants quantize to bits (the others stay int 8).

def cifar_vgg():
    layers = [("conv", "c1", 64, 3, 1, 1, True, False), ("bn", "b1"), ("act", "a")]
    for label, out, pool in [("s1", 64, True), ("s2", 128, False), ("s3", 128, True),
                             ("s4", 256, False), ("s5", 256, True)]:
        layers += [("conv", label + ".conv", out, 3, 1, 1, False, True),
                   ("bn", label + ".bn"), ("act", "a")]
        if pool:
            layers.append(("maxpool", 2))
    layers += [("flatten",), ("dense", "fc", 10, True, False)]
    return (3, 32, 32), layers


def mobilenet():
    layers = [("conv", "stem", 16, 3, 2, 1, False, False), ("bn", "stem_bn"), ("act", "relu")]
    blocks = [(32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (256, 1),
              (256, 1), (256, 1), (256, 1), (512, 2), (512, 1)]
    for i, (out, stride) in enumerate(blocks, 1):
        b, last = "b%d" % i, i == len(blocks)
        act = "relu" if last else "a"
        layers += [("dw", b + ".dw", 3, stride, 1, True), ("bn", b + ".dw_bn"), ("act", act),
                   ("conv", b + ".pw", out, 1, 1, 0, False, not last), ("bn", b + ".pw_bn"),
                   ("act", act)]
    layers += [("gap",), ("flatten",), ("dense", "fc", 10, True, False), ("softmax",)]
    return (3, 96, 96), layers


NETS = {"cifar_vgg": cifar_vgg, "mobilenet": mobilenet}
# The .hb network name inside each example file.
HB_NAME = {"cifar_vgg": "cifar_vgg", "mobilenet": "mobilenet_v1_050"}


def walk(net):
    """Yield (layer, (C, H, W) in, (C, H, W) out) through the network."""
    shape, layers = NETS[net]()
    c, h, w = shape
    for layer in layers:
        kind = layer[0]
        cin = (c, h, w)
        if kind == "conv":
            _, _, out, k, s, p = layer[:6]
            c, h, w = out, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        elif kind == "dw":
            _, _, k, s, p = layer[:5]
            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        elif kind == "maxpool":
            h, w = h // layer[1], w // layer[1]
        elif kind == "gap":
            h = w = 1
        elif kind == "flatten":
            c, h, w = c * h * w, 1, 1
        elif kind == "dense":
            c = layer[2]
        yield layer, cin, (c, h, w)


# --- Weights -----------------------------------------------------------------------------

def tensors(net, seed=13):
    """The state_dict as {name: float32 array}, seeded: He-scaled normal weights and
    non-trivial batch-norm statistics (so a binding mistake changes the outputs)."""
    rng = np.random.default_rng(seed)
    out = {}
    for layer, cin, cout in walk(net):
        kind = layer[0]
        if kind == "conv":
            _, label, oc, k, _, _, bias = layer[:7]
            fan = cin[0] * k * k
            out[label + ".weight"] = rng.normal(0, (2 / fan) ** .5, (oc, cin[0], k, k))
            if bias:
                out[label + ".bias"] = rng.uniform(-.1, .1, oc)
        elif kind == "dw":
            _, label, k = layer[:3]
            out[label + ".weight"] = rng.normal(0, (2 / (k * k)) ** .5, (cin[0], 1, k, k))
        elif kind == "bn":
            c = cin[0]
            out[layer[1] + ".weight"] = rng.uniform(.5, 1.5, c)
            out[layer[1] + ".bias"] = rng.uniform(-.2, .2, c)
            out[layer[1] + ".running_mean"] = rng.uniform(-.1, .1, c)
            out[layer[1] + ".running_var"] = rng.uniform(.5, 2, c)
        elif kind == "dense":
            _, label, oc, bias = layer[:4]
            out[label + ".weight"] = rng.normal(0, (1 / cin[0]) ** .5, (oc, cin[0]))
            if bias:
                out[label + ".bias"] = rng.uniform(-.1, .1, oc)
    return {k: v.astype(np.float32) for k, v in out.items()}


def write_safetensors(path, state):
    header, off = {}, 0
    for name, t in state.items():
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [off, off + t.nbytes]}
        off += t.nbytes
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for t in state.values():
            f.write(np.ascontiguousarray(t, "<f4").tobytes())
    os.replace(tmp, path)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], "<f4")
            .reshape(v["shape"]) for k, v in header.items() if k != "__metadata__"}


def inputs(net, n, seed=7):
    shape, _ = NETS[net]()
    return np.random.default_rng(seed).normal(0, 1, (n,) + shape).astype(np.float32)


# --- Variants ----------------------------------------------------------------------------
# name: (weights spec of the binary layers, activation of the binary layers). Multi-bit
# activations use static scales (hbnnc --calibrate): with `runtime` scales every layer
# after them goes through float code (fcomb, batchnorm, quant), 50-100x slower.
VARIANTS = {
    "w1a1": ("bits 1", "sign"),
    "w1a2": ("bits 1", "quant bits 2 scale static"),
    "w2a2": ("bits 2", "quant bits 2 scale static"),
    "h14e": ("bits 1:70% 2:20% 3:10%  group element", "quant bits 1:70% 2:20% 3:10% scale static"),
    "h14c": ("bits 1:70% 2:20% 3:10%  group channel", "quant bits 1:70% 2:20% 3:10% scale static"),
    "w14c": ("bits 1:70% 2:20% 3:10%  group channel", "sign"),
    "float": ("float", "relu"),
}
# Average (weight bits, activation bits) and the plane pairs a bit-serial kernel runs.
BITS = {"w1a1": (1, 1), "w1a2": (1, 2), "w2a2": (2, 2), "h14e": (1.4, 1.4),
        "h14c": (1.4, 1.4), "w14c": (1.4, 1), "float": (32, 32)}


def sub(pattern, repl, text, count):
    """re.subn that insists on the number of matches, so a changed example fails loudly."""
    out, n = re.subn(pattern, repl, text, flags=re.M)
    if n != count:
        raise SystemExit("nets.py: %r matched %d times in the example, expected %d"
                         % (pattern, n, count))
    return out


def variant_text(net, variant):
    """The example's .hb with the variant's weights and activations substituted."""
    wspec, act = VARIANTS[variant]
    with open(os.path.join(EXAMPLES, net, net + ".hb")) as f:
        text = f.read()
    scale = "" if wspec == "float" else "  scale per-channel"
    if net == "cifar_vgg":
        text = sub(r"^(\s*defaults conv2d \{ weights ).*\}", r"\g<1>%s%s }" % (wspec, scale),
                   text, 1)
        text = sub(r"cbs\(256, w = bits 1:50% 2:50%\)", "cbs(256)", text, 1)
        text = sub(r"^(\s+)sign(\s*)$", r"\g<1>%s\g<2>" % act, text, 2)
    else:
        text = sub(r"^(\s*defaults +\{ weights ).*\}", r"\g<1>%s%s }" % (wspec, scale),
                   text, 1)
        text = sub(r"^(\s*defaults dwconv2d \{ weights ).*\}", r"\g<1>%s%s }" % (wspec, scale),
                   text, 1)
        text = sub(r"std\.dw_separable\(\s*(\d+)(,\s*stride=2)?\)",
                   r"std.dw_separable(\1\2, act=%s)" % act, text, 12)
        text = sub(r"act=relu, wpw=int 8\)",
                   "act=relu, wpw=%s)" % ("float" if variant == "float" else "int 8"), text, 1)
    if variant == "float":
        text = sub(r"weights int 8", "weights float", text, 2)
    return "# generated by bench/nets.py from examples/%s/%s.hb: variant %s\n%s" % (
        net, net, variant, text)


def arch_lines(net):
    """blas_net's input: `input C H W` then one op per line (float network, BN folded)."""
    shape, _ = NETS[net]()
    lines = ["input %d %d %d" % shape]
    for layer, _, _ in walk(net):
        kind = layer[0]
        if kind == "conv":
            lines.append("conv %d %d %d %d" % layer[2:6])
        elif kind == "dw":
            lines.append("dw %d %d %d" % layer[2:5])
        elif kind == "act":
            lines.append("relu")
        elif kind == "maxpool":
            lines.append("maxpool %d" % layer[1])
        elif kind in ("gap", "softmax"):
            lines.append(kind)
        elif kind == "dense":
            lines.append("dense %d" % layer[2])
    return lines


def work(net):
    """Per weight layer: label, M (outputs), K (inputs per output), N (pixels), binary."""
    rows = []
    for layer, cin, cout in walk(net):
        if layer[0] == "conv":
            rows.append({"label": layer[1], "M": cout[0], "K": cin[0] * layer[3] ** 2,
                         "N": cout[1] * cout[2], "binary": layer[7]})
        elif layer[0] == "dw":
            rows.append({"label": layer[1], "M": cout[0], "K": layer[2] ** 2,
                         "N": cout[1] * cout[2], "binary": layer[5]})
        elif layer[0] == "dense":
            rows.append({"label": layer[1], "M": layer[2], "K": cin[0], "N": 1,
                         "binary": layer[4]})
    return rows


def main(argv):
    if len(argv) < 3 or argv[1] not in ("weights", "variants", "arch", "work", "inputs") \
            or argv[2] not in NETS:
        raise SystemExit(__doc__)
    cmd, net = argv[1], argv[2]
    if cmd == "weights":
        write_safetensors(argv[3], tensors(net))
    elif cmd == "inputs":
        np.save(argv[3], inputs(net, int(argv[4]) if len(argv) > 4 else 1))
    elif cmd == "variants":
        os.makedirs(argv[3], exist_ok=True)
        for v in VARIANTS:
            path = os.path.join(argv[3], "%s_%s.hb" % (net, v))
            with open(path + ".tmp", "w") as f:
                f.write(variant_text(net, v))
            os.replace(path + ".tmp", path)
    elif cmd == "arch":
        print("\n".join(arch_lines(net)))
    else:
        print(json.dumps(work(net)))


if __name__ == "__main__":
    main(sys.argv)
