#!/usr/bin/python3
"""train_conv.py: trains digits_conv_hw.hb's small binarized CNN on sklearn's 8x8 digits
(the split of ../digits/train.py: seed 0, 360 test images) with float weights and sign
activations (straight-through), then writes digits_conv.safetensors next to this file.
hbnnc quantizes the weights to bit planes itself. About 20 s on one core:
  /usr/bin/python3 train_conv.py && hbnnc digits_conv_hw.hb --target verilog"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "digits"))
from train import SignSTE, load_data, write_safetensors  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(1)


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 3 * 3, 10)

    def forward(self, x):
        h = SignSTE.apply(self.bn1(self.c1(x)))
        h = F.max_pool2d(h, 2)
        h = SignSTE.apply(self.bn2(self.c2(h)))
        return self.fc(h.flatten(1))


xtr, ytr, xte, yte = load_data()
xt, yt = torch.from_numpy(xtr).view(-1, 1, 8, 8), torch.from_numpy(ytr)
model = ConvNet()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
gen = torch.Generator().manual_seed(0)
for epoch in range(60):
    model.train()
    perm = torch.randperm(len(yt), generator=gen)
    for i in range(0, len(yt), 64):
        idx = perm[i:i + 64]
        loss = F.cross_entropy(model(xt[idx]), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
model.eval()
with torch.no_grad():
    acc = (model(torch.from_numpy(xte).view(-1, 1, 8, 8)).argmax(1).numpy() == yte).mean()
print("train_conv.py: float-weight test accuracy %.4f" % acc)
st = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()
      if not k.endswith("num_batches_tracked")}
write_safetensors(os.path.join(HERE, "digits_conv.safetensors"), st)
