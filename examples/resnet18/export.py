#!/usr/bin/python3
"""export.py [OUTDIR]: a ResNet-18 with torchvision's module names, defined in plain
torch, with seeded random weights (and batch-norm statistics), for a 3x32x32 input and
10 classes. Writes to OUTDIR (default: this folder):

  resnet18.safetensors  the state_dict (conv1.weight, layer2.0.downsample.0.weight, ...)
  inputs.npy            four seeded float32 inputs [4, 3, 32, 32]
  torch_logits.npy      torch's float32 logits for them [4, 10]

Needs PyTorch (Debian: apt-get install python3-torch); the safetensors file is written
by hand (8-byte header length, JSON header, raw little-endian data), so the
`safetensors` package is not needed. Nothing here is committed: run it to get the files.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock, same attribute names."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """torchvision.models.resnet18's layout and names (num_classes=10)."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths, cin = [64, 128, 256, 512], 64
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}",
                    nn.Sequential(BasicBlock(cin, w, stride), BasicBlock(w, w)))
            cin = w
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def seeded_model():
    torch.manual_seed(18)
    m = ResNet18()
    # Trained networks have non-trivial batch-norm statistics: make them so here too, so
    # a binding mistake (a swapped mean/var, a dropped bias) changes the outputs.
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 2.0)
                mod.num_batches_tracked.fill_(100)
    return m.eval()


def write_safetensors(path, state):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, off = {}, [], 0
    for name, t in state.items():
        b = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    m = seeded_model()
    write_safetensors(os.path.join(out, "resnet18.safetensors"), m.state_dict())
    g = torch.Generator().manual_seed(32)
    x = torch.randn(4, 3, 32, 32, generator=g)
    with torch.no_grad():
        y = m(x)
    np.save(os.path.join(out, "inputs.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, "torch_logits.npy"), y.numpy().astype(np.float32))
    print(f"export.py: wrote {len(m.state_dict())} tensors to {out}/resnet18.safetensors")


if __name__ == "__main__":
    main()
