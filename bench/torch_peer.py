#!/usr/bin/python3
"""torch_peer.py NET WEIGHTS BATCH THREADS MIN_REPS SECONDS: the PyTorch float32 peer of
bench/run. Builds NET (bench/nets.py, the float variant: relu activations) as torch
modules with the examples' labels, loads the seeded weights, and times model(x) under
torch.no_grad() with torch.set_num_threads(THREADS). Prints "best_us median_us reps",
or "skip REASON" when torch cannot be imported."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError as e:  # the caller reports the skip
    print("skip torch not importable (%s)" % e)
    sys.exit(0)


def build(net, weights):
    mods = []
    state = nets.read_safetensors(weights)
    for layer, cin, _ in nets.walk(net):
        kind = layer[0]
        if kind == "conv":
            _, label, out, k, s, p, bias = layer[:7]
            m = nn.Conv2d(cin[0], out, k, s, p, bias=bias)
        elif kind == "dw":
            _, label, k, s, p = layer[:5]
            m = nn.Conv2d(cin[0], cin[0], k, s, p, groups=cin[0], bias=False)
        elif kind == "bn":
            label, m = layer[1], nn.BatchNorm2d(cin[0])
        elif kind == "dense":
            label, m = layer[1], nn.Linear(cin[0], layer[2], bias=layer[3])
        else:
            label = None
            m = {"act": nn.ReLU(), "maxpool": nn.MaxPool2d(layer[-1]),
                 "gap": nn.AdaptiveAvgPool2d(1), "flatten": nn.Flatten(),
                 "softmax": nn.Softmax(dim=1)}[kind]
        if label is not None:
            with torch.no_grad():
                for name, p in list(m.named_parameters()) + list(m.named_buffers()):
                    if label + "." + name in state:
                        p.copy_(torch.from_numpy(state[label + "." + name].copy()))
        mods.append(m)
    return nn.Sequential(*mods).eval()


def main(argv):
    net, weights = argv[1], argv[2]
    batch, threads, min_reps, budget = int(argv[3]), int(argv[4]), int(argv[5]), float(argv[6])
    torch.set_num_threads(threads)
    model = build(net, weights)
    x = torch.from_numpy(nets.inputs(net, batch))
    times = []
    with torch.no_grad():
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.05 * budget + 1e-3 or len(times) < 2:
            model(x)
            times.append(0)
        times = []
        t0 = time.perf_counter()
        while len(times) < min_reps or time.perf_counter() - t0 < budget:
            a = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - a)
            if len(times) >= 64 * min_reps:
                break
    times.sort()
    print("%.3f %.3f %d" % (times[0] * 1e6, times[len(times) // 2] * 1e6, len(times)))


if __name__ == "__main__":
    main(sys.argv)
