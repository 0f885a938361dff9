#!/usr/bin/env bash
# digits_study.sh HBNNC SCRATCH: the accuracy-versus-bits study (examples/digits/study,
# issue 12) through hbnnc. Every shipped model compiles; hbnnc --explain prints the
# widths counts and scales the training used; hbnnc's predictions equal the PyTorch
# model's on >= 99.5% of the 360 test images; and the hbnnc accuracy of every model
# equals the README table's to the image (examples/digits/eval --check). Uses the .so
# too (and requires it to agree with the interpreter) when hbnnc's cpu target works.
# study/mlp_hw.hb (u8 input) must predict what mlp_b1/b1.4/b2 predict.
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch"
. "$(dirname "$0")/cpu/compare.sh" # e2e_opts: -O0 under a sanitized hbnnc
/usr/bin/python3 "$ex/eval" --hbnnc "$hbnnc" -O"$(e2e_opts 3)" --check "$ex/README.md" |
    tee "$scratch/eval.txt"
# The check must have covered every shipped model (26: 13 configurations x 2 networks).
n=$(ls "$ex"/study/*_*.hb | grep -vc '_hw\.hb$')
grep -q "README check: $n rows, 0 differ, 0 models missing" "$scratch/eval.txt"
# The hardware variant (u8 input, raw pixels 0..16): same predictions as its twins.
/usr/bin/python3 -c "import numpy as np; np.save('$scratch/px.npy',
    np.rint(np.load('$ex/test_x.npy') * 16).astype(np.float32))"
for pair in hw1:b1 hw14:b1.4 hw2:b2; do
    "$hbnnc" "$ex/study/mlp_hw.hb" --network "${pair%%:*}" --run "$scratch/px.npy" \
        -o "$scratch/${pair%%:*}.npy" 2> /dev/null
    /usr/bin/python3 -c "
import json, sys, numpy as np
p = np.load('$scratch/${pair%%:*}.npy').argmax(1)
want = json.load(open('$ex/study/results_mlp.json'))['mlp_${pair#*:}']['predictions']
sys.exit(0 if list(p) == want else 'mlp_hw.hb ${pair%%:*}: predictions differ from mlp_${pair#*:}')"
done
echo "digits_study: $n models and the 3 hardware variants passed"
