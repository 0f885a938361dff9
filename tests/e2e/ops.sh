#!/usr/bin/env bash
# ops.sh HBNNC SCRATCH: the ops PyTorch users write (sigmoid, tanh, relu6, leaky_relu,
# gelu, dropout, ceil_mode, avgpool padding, mul) run by the reference interpreter
# against PyTorch's values, within 1e-6 relative. The fixtures in ops/ were made once
# by ops/gen_ops.py (python3-torch); this test needs only numpy.
set -euo pipefail
hbnnc=$1
scratch=$2
dir=$(cd "$(dirname "$0")/ops" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch"
for name in activations pools squeeze_excitation; do
    "$hbnnc" "$dir/$name.hb" --run "$dir/$name.in.npy" -o "$scratch/$name.npy" 2> "$scratch/$name.err" ||
        { cat "$scratch/$name.err"; exit 1; }
    /usr/bin/python3 - "$scratch/$name.npy" "$dir/$name.out.npy" "$name" <<'PY'
import sys
import numpy as np
got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
got = got.reshape(want.shape[0], -1)
if got.shape != want.shape:
    sys.exit(f"FAIL {sys.argv[3]}: shape {got.shape}, expected {want.shape}")
err = np.abs(got.astype(np.float64) - want) / np.maximum(np.abs(want), 1e-30)
bad = err > 1e-6
if bad.any():
    i = np.argwhere(bad)[0]
    sys.exit(f"FAIL {sys.argv[3]}: {bad.sum()} values off, first at {tuple(i)}: "
             f"{got[tuple(i)]!r} vs {want[tuple(i)]!r}")
print(f"{sys.argv[3]}: {want.size} values within 1e-6 (max relative error {err.max():.2g})")
PY
done
