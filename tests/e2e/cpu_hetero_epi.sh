#!/usr/bin/env bash
# cpu_hetero_epi.sh HBNNC SCRATCH: the float-combine tile epilogue (issue 13, heterogeneous
# activations): a bpop_conv2d whose pair sums go only to an fcomb [-> batchnorm] combines
# them in double in the tile and writes the float result; the pair sums are never stored.
# Random IR chains (cpu/hetero_nets.py) compiled natively, for AVX2 (x86-64-v3) and scalar
# popcnt (x86-64-v2) must equal `hbnnc --run` bit for bit (f32 outputs printed with 9
# digits) at batch 1 and 7, 1 and 2 threads; the generated code has the expected number
# of float epilogues (layers with bias tables @kfb.BIAS[.wW]: an α table may be all 0
# and folded away) and each masked-input layer
# the expected kernels and vector popcounts per word (bpop.N.pK, or bpop.N.wW.pK for a
# `group channel` layer's kernel per width: the others from tables and per-pixel counts,
# so a silent fallback to the general masked kernel or to counting every mask AND
# fails), and fcomb biases moved by 1e-6 are caught.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/hetero_nets.py" "$s" "${HBNN_SEED:-7}" > "$s/nets.txt"

while read -r n want_fused want_pops; do
    "$hbnnc" "$s/$n.ir" --run "$s/$n.npy" > "$s/$n.want"
    "$hbnnc" "$s/$n.ir" --kernel bitserial --emit llvm -o "$s/$n.ll"
    got=$(sed -n 's/^@kfb\.\([^ .]*\).*/\1/p' "$s/$n.ll" | sort -u | wc -l)
    if [ "$got" != "$want_fused" ]; then
        echo "FAIL: $n has $got float epilogues, expected $want_fused"
        exit 1
    fi
    pops=$(sed -n 's/^define .*@bpop\.[0-9]*\.\(w[0-9]*\.\)\{0,1\}p\([0-9]*\)(.*/\1p\2/p' \
        "$s/$n.ll" | tr -d . | paste -sd, -)
    if [ "${pops:--}" != "$want_pops" ]; then
        echo "FAIL: $n's masked-input kernels count $pops popcounts per word, expected $want_pops"
        exit 1
    fi
    tiers_equal "$n" exact
done < "$s/nets.txt"

# The comparison can fail: the same networks with every fcomb bias moved by 1e-6 (the
# .so built from the changed IR, --run from the original).
mkdir -p "$s/p"
"$py" "$here/cpu/hetero_nets.py" "$s/p" "${HBNN_SEED:-7}" 1e-6 > /dev/null
while read -r n _ _; do
    "$hbnnc" "$s/p/$n.ir" --kernel bitserial -O"$(e2e_opts 3)" -o "$s/p/$n.so"
    # shellcheck disable=SC2046
    "$s/so_run" "$s/p/$n.so" "$n" "$s/$n.npy" 7 2 $(outspec "$s/p/$n.h" "$n") > "$s/p/$n.got"
    if cmp -s "$s/$n.want" "$s/p/$n.got"; then
        echo "FAIL: $n with perturbed fcomb biases still equals --run"
        exit 1
    fi
done < "$s/nets.txt"

# --explain says so (text and JSON) on h_mixed: y2 is an fcomb that is also an output (no
# batchnorm in its epilogue), the group channel layer on an unmasked input is fused too.
"$hbnnc" "$s/h_mixed.ir" --explain --kernel bitserial |
    grep -q "^    fused epilogue: fcomb in the tile (double), writes y2 as f32"
"$hbnnc" "$s/h_mixed.ir" --explain --kernel bitserial |
    grep -q "^    fused epilogue: fcomb + batchnorm in the tile (double), writes z6 as f32"
"$hbnnc" "$s/h_mixed.ir" --explain --kernel bitserial > "$s/mixed.txt"
"$hbnnc" "$s/h_mixed.ir" --explain=json --kernel bitserial | "$py" -c '
import json, sys
k = {c["layer"]: c for c in json.load(sys.stdin)["kernels"]["layers"]}
assert k["p2"]["epilogue"] == "y2" and k["p2"]["epilogue_float"], k
assert k["p4"]["epilogue"] == "z4" and k["p4"]["epilogue_float"], k
assert k["p6"]["epilogue"] == "z6" and k["p6"]["epilogue_float"], k
assert k["p4"]["groups"] and k["p2"]["groups"] is None, k
# the epilogue estimates: fused layers only, the text the same numbers
t = open(sys.argv[1]).read()
for l in ("p2", "p4", "p6"):
    assert k[l]["cost_epilogue"] > 0, k[l]
    assert "writes %s as f32, %.4g cycles\n" % (k[l]["epilogue"], k[l]["cost_epilogue"]) in t, l
assert all(c["cost_epilogue"] == 0 for c in k.values() if c["kind"] == "bitplane" and
           not c["epilogue"]), k' "$s/mixed.txt"
# and names the `group channel` layers on masked inputs (their kernels per width) with
# their channels per width, not the 2-group element-masked one
"$hbnnc" "$s/h_chan.ir" --explain --kernel bitserial > "$s/ex.txt"
grep -q '^  p2: W3A3 masked, group channel 1:[0-9]* 2:[0-9]* 3:[0-9]*,' "$s/ex.txt"
grep -q '^  p4: W3A3 masked, group channel 1:[0-9]* 2:[0-9]*' "$s/ex.txt"
if grep -q '^  p6: .*group channel' "$s/ex.txt"; then
    echo "FAIL: h_chan's 2-group layer shown with channel groups"
    exit 1
fi
"$hbnnc" "$s/h_chan.ir" --explain=json --kernel bitserial | "$py" -c '
import json, sys
k = {c["layer"]: c for c in json.load(sys.stdin)["kernels"]["layers"]}
assert k["p2"]["groups"].startswith("1:") and k["p6"]["groups"] is None, k'
echo "cpu_hetero_epi: $(wc -l < "$s/nets.txt") random networks equal the interpreter bit for bit"
