#!/usr/bin/env bash
# digits.sh HBNNC SCRATCH: the shipped digits example end to end. hbnnc binds the
# trained weights, quantizes them (int 8 / middle-out 1.4 bits / int 8) and runs the
# 360 test images in the reference interpreter; every prediction must equal the one
# the trained PyTorch model made (train_report.json), and the first five images'
# logits must agree with it to 1e-4.
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch"
"$hbnnc" "$ex/digits.hb" --run "$ex/test_x.npy" > "$scratch/logits.txt"
awk '{ best = 1; for (i = 2; i <= NF; i++) if ($i > $best) best = i; print best - 1 }' \
    "$scratch/logits.txt" > "$scratch/predicted.txt"
tr -d '\n ' < "$ex/train_report.json" | grep -o '"quantized_predictions":\[[0-9,]*\]' |
    sed 's/.*\[//; s/\]//' | tr ',' '\n' > "$scratch/expected.txt"
test "$(wc -l < "$scratch/expected.txt")" -eq 360
if ! diff -q "$scratch/predicted.txt" "$scratch/expected.txt" > /dev/null; then
    echo "FAIL: predictions differ from the trained model's:"
    diff "$scratch/predicted.txt" "$scratch/expected.txt" | head
    exit 1
fi
# First five logits: the report's "quantized_logits_first5" (5 rows of 10).
tr -d '\n ' < "$ex/train_report.json" | grep -o '"quantized_logits_first5":\[\[[^]]*\]\(,\[[^]]*\]\)*\]' |
    sed 's/.*":\[//; s/\]$//; s/\],\[/\n/g; s/[][]//g' | tr ',' ' ' > "$scratch/expected_logits.txt"
head -n 5 "$scratch/logits.txt" > "$scratch/first5.txt"
paste -d '\n' "$scratch/first5.txt" "$scratch/expected_logits.txt" | awk '
    NR % 2 == 1 { n = split($0, a, " "); next }
    { m = split($0, b, " "); if (m != n) { print "FAIL: row lengths"; bad = 1 }
      for (i = 1; i <= n; i++) { d = a[i] - b[i]; if (d < 0) d = -d
          if (d > 1e-4) { printf "FAIL: logit %d differs: %s vs %s\n", i, a[i], b[i]; bad = 1 } } }
    END { exit bad }'
echo "digits: 2 passed, 0 failed"
