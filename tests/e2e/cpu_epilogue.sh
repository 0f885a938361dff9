#!/usr/bin/env bash
# cpu_epilogue.sh HBNNC SCRATCH: the bpop_conv2d tile epilogue (issue 10 item 3): a
# bpop_conv2d whose pair sums go only to icomb -> threshold [-> maxpool in tiling windows:
# 1-bit an OR, multi-bit a max of code ranks] -> bit-serial convolutions combines,
# thresholds (1 to 3 planes) and writes the next layer's packed input words itself, or (into
# [flatten ->] dequant, the classifier's input) the levels' floats, or (other readers) the
# threshold's code bytes. Random IR chains (cpu/epi_nets.py) compiled natively, for AVX2
# (x86-64-v3) and scalar popcnt (x86-64-v2) must equal `hbnnc --run` bit for bit (i32
# outputs: every activation bit shows) at batch 1 and 7, 1 and 2 threads; the generated code
# has the expected number of fused epilogues (threshold tables @kt.*; a depthwise kernel's,
# which writes code bytes, as --explain counts them), so the test cannot pass by not fusing.
# A sign read only by convolutions packs their input itself.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/epi_nets.py" "$s" "${HBNN_SEED:-7}" > "$s/nets.txt"

# fused NAME: the epilogues a network must have (its fusable bpop -> threshold chains;
# a `group channel` layer has one per width its channels have)
declare -A fused=([e_direct]=2 [e_pool]=2 [e_groups]=2 [e_shared]=2 [e_sign]=1 [e_codes]=4
    [e_codes_keep]=5 [e_dequant]=5 [e_dw]=1 [e_pads]=4 [e_gchan]=12)
# of which code pools (multi-bit threshold + maxpool on code ranks) and ones that write
# a dequant's floats, as --explain says; ones that write a threshold's code bytes for
# readers other than bit-serial convolutions alone (a grouped or depthwise consumer, a
# dequant, an overlapping pool), and of those the depthwise kernels' (llvm_dw.c)
declare -A codes=([e_codes]=2 [e_codes_keep]=1 [e_gchan]=1) deq=([e_dequant]=4 [e_gchan]=1)
declare -A dw=([e_dw]=4)
declare -A bytes=([e_groups]=1 [e_shared]=1 [e_codes_keep]=3 [e_dequant]=1 [e_dw]=5
    [e_pads]=1 [e_gchan]=1)

while read -r n; do
    "$hbnnc" "$s/$n.ir" --run "$s/$n.npy" > "$s/$n.want"
    "$hbnnc" "$s/$n.ir" --kernel bitserial --emit llvm -o "$s/$n.ll"
    expect "$n" "fused epilogues" '^@kt\.' "$s/$n.ll" "${fused[$n]}"
    "$hbnnc" "$s/$n.ir" --kernel bitserial --explain > "$s/$n.explain"
    ex=$s/$n.explain
    expect "$n" "fused code pools" "+ maxpool on codes in" "$ex" "${codes[$n]:-0}"
    expect "$n" "fused dequants" "+ dequant in the tile" "$ex" "${deq[$n]:-0}"
    expect "$n" "code-byte epilogues" "threshold in the \(tile\|kernel\), writes .* as codes" \
        "$ex" "${bytes[$n]:-0}"
    expect "$n" "depthwise code epilogues" "threshold in the kernel, writes .* as codes" "$ex" \
        "${dw[$n]:-0}"
    tiers_equal "$n" exact
done < "$s/nets.txt"

# e_gchan's `group channel` kernels deposit their bits by BMI2's pdep (a code pool
# gathers by pext) where the target has them (the probe in llvm_emit.c), and without
# them on x86-64-v2 (which the loop above found exact too)
"$hbnnc" "$s/e_gchan.ir" --kernel bitserial --cpu x86-64-v3 --emit asm -o "$s/g3.s"
"$hbnnc" "$s/e_gchan.ir" --kernel bitserial --cpu x86-64-v2 --emit asm -o "$s/g2.s"
if ! grep -Pq '\tpdepq\t' "$s/g3.s" || ! grep -Pq '\tpextq\t' "$s/g3.s" ||
    grep -Pq '\tp(dep|ext)q\t' "$s/g2.s"; then
    echo "FAIL: e_gchan: pdep/pext expected for x86-64-v3 only"
    exit 1
fi

# A real network: digits_conv_hw's c1 (W2A8: 16 plane pairs, u8 input) pools in its
# epilogue; --explain says so (text and JSON), and the .so equals the interpreter.
root=$(cd "$here/../.." && pwd)
ex=$root/examples/digits_conv/digits_conv_hw.hb
"$hbnnc" "$ex" --explain --kernel bitserial |
    grep -q "^    fused epilogue: icomb + threshold + maxpool in the tile, writes maxpool.4 packed"
"$hbnnc" "$ex" --explain=json --kernel bitserial | "$py" -c '
import json, sys
k = {c["layer"]: c for c in json.load(sys.stdin)["kernels"]["layers"]}
assert k["c1.pop"]["epilogue"] == "maxpool.4" and k["c1.pop"]["epilogue_pool"], k
assert k["c2.pop"]["epilogue"] is None and not k["c2.pop"]["epilogue_pool"], k'
# and estimates the epilogue (llvm_cost.c epilogue_cost, AVX-512: 2 vector ops a cycle):
# 36 pixels x (16 pairs x 2 + tree 1 + byte and store 2 + pool OR 2) / 2 = 666 cycles
"$hbnnc" "$ex" --explain --kernel bitserial --cpu x86-64-v4 | grep -q \
    "^    fused epilogue: icomb + threshold + maxpool in the tile, writes maxpool.4 packed, 666 cycles$"
"$hbnnc" "$ex" --explain=json --kernel bitserial --cpu x86-64-v4 | "$py" -c '
import json, sys
k = {c["layer"]: c for c in json.load(sys.stdin)["kernels"]["layers"]}
assert k["c1.pop"]["cost_epilogue"] == 666 and k["c2.pop"]["cost_epilogue"] == 0, k'
"$py" -c "import numpy as np; np.save('$s/img.npy',
    np.load('$root/examples/digits/test_x.npy')[:23].reshape(-1, 1, 8, 8) * 16)"
"$hbnnc" "$ex" --run "$s/img.npy" > "$s/dc.want"
"$hbnnc" "$ex" --kernel bitserial -o "$s/dc.so"
# shellcheck disable=SC2046
"$s/so_run" "$s/dc.so" digits_conv_hw "$s/img.npy" 7 2 $(outspec "$s/dc.h" digits_conv_hw) \
    > "$s/dc.got"
same "$s/dc.want" "$s/dc.got" | head -n 5
echo "cpu_epilogue: $(wc -l < "$s/nets.txt") random networks and digits_conv_hw equal the interpreter"
