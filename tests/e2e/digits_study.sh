#!/usr/bin/env bash
# digits_study.sh HBNNC SCRATCH: the accuracy-versus-bits study (examples/digits/study,
# issue 12) through hbnnc. Every shipped model compiles; hbnnc --explain prints the
# widths counts and scales the training used; hbnnc's predictions equal the PyTorch
# model's on >= 99.5% of the 360 test images; and the hbnnc accuracy of every model
# equals the README table's to the image (examples/digits/eval --check). Uses the .so
# too (and requires it to agree with the interpreter) when hbnnc's cpu target works.
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch"
/usr/bin/python3 "$ex/eval" --hbnnc "$hbnnc" --check "$ex/README.md" | tee "$scratch/eval.txt"
# The check must have covered every shipped model (26: 13 configurations x 2 networks).
n=$(ls "$ex"/study/*_*.hb | grep -vc '_hw\.hb$')
grep -q "README check: $n rows, 0 differ, 0 models missing" "$scratch/eval.txt"
echo "digits_study: $n models passed"
