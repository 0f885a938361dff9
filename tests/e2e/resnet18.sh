#!/usr/bin/env bash
# resnet18.sh HBNNC SCRATCH: examples/resnet18 end to end, as a new user would: export a
# torchvision-named ResNet-18 state_dict with seeded weights (export.py, PyTorch), then
# --check, --explain and --run the quantized network, and --run the float network, whose
# logits must equal torch's within 1e-4. Skipped (exit 77) without PyTorch.
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/resnet18" && pwd)
if ! /usr/bin/python3 -c 'import torch' 2> /dev/null; then
    echo "resnet18: skipped (PyTorch not installed: apt-get install python3-torch)"
    exit 77
fi
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
/usr/bin/python3 "$ex/export.py" "$scratch" > /dev/null
cp "$ex/resnet18.hb" .
pass=0
# The quantized network: checks, explains and runs with no warning at all (every
# tensor of the state_dict is bound, num_batches_tracked included).
"$hbnnc" resnet18.hb --network resnet18 --check 2> check.err
test ! -s check.err || { echo "FAIL: --check printed:"; cat check.err; exit 1; }
pass=$((pass + 1))
"$hbnnc" resnet18.hb --network resnet18 --explain > explain.txt
grep -q "layer2.0.downsample.0.weight" explain.txt
grep -q "layer4.1.bn2.running_var" explain.txt
grep -q "^output: fc \[10\]" explain.txt
pass=$((pass + 1))
"$hbnnc" resnet18.hb --network resnet18 --run inputs.npy > quantized.txt
test "$(wc -l < quantized.txt)" = 4 && test "$(awk '{ print NF }' quantized.txt | sort -u)" = 10
pass=$((pass + 1))
# The float network: torch's logits within 1e-4.
"$hbnnc" resnet18.hb --network resnet18_float --run inputs.npy -o logits.npy 2> float.err
/usr/bin/python3 - <<'PY'
import numpy as np
a, b = np.load("logits.npy"), np.load("torch_logits.npy")
assert a.shape == b.shape == (4, 10), (a.shape, b.shape)
d = float(np.abs(a - b).max())
print(f"resnet18: max |hbnnc - torch| = {d:.3g} over {a.size} logits (max |logit| {float(np.abs(b).max()):.3g})")
assert d <= 1e-4, d
PY
pass=$((pass + 1))
echo "resnet18: $pass passed, 0 failed"
