#!/usr/bin/env bash
# int_input.sh HBNNC SCRATCH: an integer input computes what the f32 input holding
# scale * integer computes. digits.hb with `input x: u8[64] scale 0.0625` (its float
# first layer then reads the exact bit planes and the offset folded into its bias) on the
# pixels 0..16 must print the same logits as digits.hb on the pixels / 16, and the same
# for i8 on pixels - 8 against f32 on (pixels - 8) / 16.
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
/usr/bin/python3 -c "
import numpy as np
x = np.load('$ex/test_x.npy')
np.save('u8.npy', np.round(x * 16).astype(np.float32))
np.save('f32.npy', (np.round(x * 16) / 16).astype(np.float32))
np.save('i8.npy', (np.round(x * 16) - 8).astype(np.float32))
np.save('f32s.npy', ((np.round(x * 16) - 8) / 16).astype(np.float32))"
sed 's/input x: f32\[64\]/input x: u8[64] scale 0.0625/' "$ex/digits.hb" > u8.hb
"$hbnnc" "$ex/digits.hb" --run f32.npy > f32.txt
"$hbnnc" u8.hb --weights "$ex/digits.safetensors" --run u8.npy > u8.txt
sed 's/input x: f32\[64\]/input x: i8[64] scale 0.0625/' "$ex/digits.hb" > i8.hb
"$hbnnc" "$ex/digits.hb" --run f32s.npy > f32s.txt
"$hbnnc" i8.hb --weights "$ex/digits.safetensors" --run i8.npy > i8.txt
same() {
/usr/bin/python3 -c "
import numpy as np, sys
a, b = np.loadtxt('$1'), np.loadtxt('$2')
d = np.abs(a - b).max() / np.abs(a).max()
print('max relative difference %.3g, argmax agree %d of %d' % (d, (a.argmax(1) == b.argmax(1)).sum(), len(a)))
sys.exit(0 if d < 1e-5 and (a.argmax(1) == b.argmax(1)).all() else 1)"
}
same f32.txt u8.txt
same f32s.txt i8.txt
# A second reader of an integer input is refused (the offset goes into one layer's bias).
sed 's/input x: f32\[64\]/input x: u8[64] scale 0.0625/; s/    fc1: dense(128)/    r: relu\n    fc1: dense(128)/' "$ex/digits.hb" > bad.hb
if "$hbnnc" bad.hb --weights "$ex/digits.safetensors" --run u8.npy > /dev/null 2> bad.txt; then exit 1; fi
grep -q "must feed exactly one dense or unpadded conv2d layer" bad.txt
echo "int_input: 3 passed, 0 failed"
