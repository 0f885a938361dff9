#!/usr/bin/env bash
# digits_train_quick.sh HBNNC SCRATCH: smoke test of the study's training
# (examples/digits/train.py --study --quick: two MLP configurations, 2 epochs, in a
# temporary folder), then hbnnc must print the widths and scales the training used.
# Needs Debian's python3-torch and python3-sklearn, which the project does not install:
# without them the test is skipped (exit 77, reported as skipped by ctest).
set -euo pipefail
hbnnc=$1
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
if ! /usr/bin/python3 -c 'import torch, sklearn' 2> /dev/null; then
    echo "SKIPPED: python3-torch / python3-sklearn not installed (training smoke test)"
    exit 77
fi
/usr/bin/python3 "$ex/train.py" --study --quick --hbnnc "$hbnnc"
