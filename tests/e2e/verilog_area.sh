#!/usr/bin/env bash
# verilog_area.sh HBNNC SCRATCH: heterogeneous bits save area. The same random dense
# layer (16 neurons x 64 inputs, 1-bit activations, power-of-two plane scales) at 1 bit,
# 2 bits and 70/20/10 (1.4 bits on average) goes through hbnnc --target verilog and
# yosys synth_ice40; the heterogeneous layer must need at most 0.75x the 2-bit layer's
# SB_LUT4 (masked pairs are not emitted). Prints the counts and the measured ratio.
set -euo pipefail
hbnnc=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v yosys > /dev/null || { echo "SKIP: yosys not installed (scripts/setup)"; exit 77; }
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
luts() { # SPEC -> SB_LUT4 of the layer module
    python3 "$here/verilog_ir.py" 5 "$1" > net.ir
    rm -rf out && "$hbnnc" net.ir --target verilog -o out
    yosys -q -p "read_verilog out/rnd5_l0_l1.v; synth_ice40 -top rnd5_l0_l1; tee -q -o area.json stat -json"
    grep -o '"SB_LUT4": [0-9]*' area.json | head -1 | grep -o '[0-9]*$'
}
b1=$(luts 'in:64-d:16:1:p-end:dequant')
b2=$(luts 'in:64-d:16:2:p-end:dequant')
het=$(luts 'in:64-d:16:3:0.2:0.1:p-end:dequant')
ratio=$(awk -v h="$het" -v b="$b2" 'BEGIN { printf "%.3f", h / b }')
echo "SB_LUT4: 1-bit $b1, 2-bit $b2, 70/20/10 $het; hetero / 2-bit = $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r <= 0.75) }' || { echo "FAIL: ratio $ratio > 0.75"; exit 1; }
awk -v h="$het" -v b="$b1" 'BEGIN { exit !(h > b) }' || { echo "FAIL: hetero <= 1-bit"; exit 1; }
echo "verilog_area: 1 passed, 0 failed"
