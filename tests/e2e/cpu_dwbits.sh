#!/usr/bin/env bash
# cpu_dwbits.sh HBNNC SCRATCH: the bit-sliced depthwise kernel (backends/llvm/llvm_dwbits.c):
# a one-plane depthwise bpop_conv2d -> icomb -> one-plane threshold read only by one-group
# convolutions counts each channel's mismatches with an adder tree over bit planes and
# compares them with per-channel constants, writing the packed words its readers take.
# Sums mode: the same layer whose pair sums only an fcomb reads computes them (S = n - 2D
# per channel) and that fcomb [and a batchnorm after it] in double, writing its floats. Random IR chains (cpu/dws_nets.py) must equal `hbnnc --run` bit for bit
# (i32 outputs: every bit shows; the fcombs' floats, byte for byte) for every tier (--kernel bitserial: native, AVX2, SSE; batch 1 on 1
# thread, 7 on 2), natively with --kernel auto and at -O0; each network has the expected
# number of bit-sliced kernels (dwbits.N in the code, "bit-sliced" in --explain) and none
# under --kernel int8, so the test cannot pass by not using the kernel.
# Levels mode (backends/llvm/llvm_dwlevels.c, the wl_ nets): multi-plane weights on a
# 1-plane input, each threshold a weighted count of the mismatches with the taps' level
# signs in small integer weights ("tap levels as N-bit weights" in --explain); wl_not's
# layers stay on the pixel-lane pair sums (a channel no weights below 2^8 reproduce; 25
# taps). wl_sums, wl_sums_raw: sums mode of `group channel` weights (a count per weight
# plane, 0 for the planes a channel lacks).
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/dws_nets.py" "$s" "${HBNN_SEED:-3}" > "$s/nets.txt"

declare -A want=([ws_chain]=2 [ws_quant]=1 [ws_wide]=2 [ws_k7]=2 [ws_big]=1 [ws_not]=0 [ws_lanes]=3
    [ws_sums]=2 [ws_sums_narrow]=1 [ws_sums_wide]=1 [ws_a2]=2 [ws_a2_lanes]=1 [ws_a2_wide]=2
    [wl_chan]=2 [wl_elem]=2 [wl_not]=0 [wl_sums]=1 [wl_sums_raw]=1)
# of which threshold to 2 planes
declare -A two=([ws_a2]=1 [ws_a2_lanes]=1 [ws_a2_wide]=2 [wl_elem]=1)
# of which run levels mode
declare -A lvl=([wl_chan]=2 [wl_elem]=2)
# whose counts --kernel auto may change (int8 is close: its first layer's cost turns on
# the weights' bits the planner finds for the seed's draws)
declare -A autoskip=([wl_elem]=1)
# of which compute their pair sums' fcomb (sums mode: no fused threshold)
declare -A sums=([ws_sums]=2 [ws_sums_narrow]=1 [ws_sums_wide]=1 [wl_sums]=1 [wl_sums_raw]=1)
# of which write the pair sums themselves (their fcomb reads another bits value)
declare -A raw=([ws_sums]=1 [wl_sums_raw]=1)

while read -r n; do
    "$hbnnc" "$s/$n.ir" --run "$s/$n.npy" > "$s/$n.want"
    for k in bitserial auto; do
        [ $k = auto ] && [ -n "${autoskip[$n]:-}" ] && continue
        "$hbnnc" "$s/$n.ir" --kernel $k --emit llvm -o "$s/$n.ll"
        expect "$n" "bit-sliced kernels (--kernel $k)" '^define internal .*@dwbits\.' "$s/$n.ll" \
            "${want[$n]}"
        "$hbnnc" "$s/$n.ir" --kernel $k --explain > "$s/$n.ex"
        expect "$n" "bit-sliced layers (--kernel $k)" \
            ': W[1-3]A[12]\( masked\)\?, .* MACs: bit-sliced [0-9.e+]* (depthwise, channels in bits\(, tap levels as [1-8]-bit weights\)\?), int8 .* -> bit-sliced (' \
            "$s/$n.ex" "${want[$n]}"
        expect "$n" "levels mode layers (--kernel $k)" 'tap levels as [1-8]-bit weights' \
            "$s/$n.ex" "${lvl[$n]:-0}"
        expect "$n" "bit-sliced epilogues (--kernel $k)" \
            'fused epilogue: icomb + \(2-bit \)\?threshold in the kernel (bit-sliced), writes .* packed$' \
            "$s/$n.ex" "$((want[$n] - ${sums[$n]:-0}))"
        expect "$n" "bit-sliced fcomb epilogues (--kernel $k)" \
            'fused epilogue: fcomb\( + batchnorm\)\? in the kernel (bit-sliced, double), writes .* as f32$' \
            "$s/$n.ex" "$((${sums[$n]:-0} - ${raw[$n]:-0}))"
        expect "$n" "2-bit bit-sliced epilogues (--kernel $k)" \
            'fused epilogue: icomb + 2-bit threshold in the kernel (bit-sliced)' "$s/$n.ex" \
            "${two[$n]:-0}"
    done
    "$hbnnc" "$s/$n.ir" --kernel int8 --explain > "$s/$n.ex8" 2>&1 || true
    expect "$n" "bit-sliced layers under --kernel int8" 'bit-sliced' "$s/$n.ex8" 0
    tiers_equal "$n" exact
    for opt in -O3 -O0; do
        "$hbnnc" "$s/$n.ir" "$opt" -o "$s/$n.so"
        # shellcheck disable=SC2046
        "$s/so_run" "$s/$n.so" "$n" "$s/$n.npy" 7 2 $(outspec "$s/$n.h" "$n") > "$s/$n.got"
        cmp -s "$s/$n.want" "$s/$n.got" || { echo "FAIL: $n --kernel auto $opt"; exit 1; }
    done
done < "$s/nets.txt"

# JSON names the kernel; ws_big's estimate splits its rows across threads (hbrt_par)
"$hbnnc" "$s/ws_big.ir" --explain=json | "$py" -c '
import json, sys
k = json.load(sys.stdin)["kernels"]["layers"]
assert k[0]["dw_bits"] is True and k[0]["dw_pairs"] is False and k[0]["choice"] == "bitserial", k
assert k[1]["dw_bits"] is False, k'
"$hbnnc" "$s/ws_big.ir" -O0 --emit llvm -o "$s/ws_big.ll"
grep -q 'call .*@hbrt_par(.*@dwbits\.' "$s/ws_big.ll" || { echo "FAIL: ws_big is not split"; exit 1; }
echo "cpu_dwbits: $(wc -l < "$s/nets.txt") random networks equal the interpreter"
