#!/usr/bin/env bash
# verilog_area.sh HBNNC SCRATCH: heterogeneous bits save area. The same random dense
# layer (16 neurons x 64 inputs, 1-bit activations, power-of-two plane scales) at 1 bit,
# 2 bits and 70/20/10 (1.4 bits on average) goes through hbnnc --target verilog and
# yosys synth_ice40; the heterogeneous layer must need at most 0.75x the 2-bit layer's
# SB_LUT4 (masked pairs are not emitted). Prints the counts and the measured ratio.
# Folded: digits_hw's fc2 (64 x 128, pe=1 simd=8, the same cycles per frame) at 1 bit,
# 2 bits and 70/20/10 (examples/digits/digits_hw{_w1,_w2,}.hb); there the masks are ROM
# bits and every plane has its lanes, so hetero costs more than 2 bits: the ratio is
# printed and must stay <= 1.25 (1.17 with count-then-combine; 1.56 before it).
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
fold() { # HB NAME -> "SB_LUT4 cycles" of the folded fc2 module
    rm -rf out && "$hbnnc" "$here/../../examples/digits/$1" --target verilog -o out
    yosys -q -p "read_verilog out/$2_l1_fc2.v; synth_ice40 -top $2_l1_fc2; tee -q -o area.json stat -json"
    echo "$(grep -o '"SB_LUT4": [0-9]*' area.json | head -1 | grep -o '[0-9]*$')" \
        "$(grep -o '"cycles_per_frame": [0-9]*' out/$2_manifest.json | sed -n 3p | grep -o '[0-9]*$')"
}
read -r f1 c1 <<< "$(fold digits_hw_w1.hb digits_hw1)"
read -r f2 c2 <<< "$(fold digits_hw_w2.hb digits_hw2)"
read -r fh ch <<< "$(fold digits_hw.hb digits_hw)"
fratio=$(awk -v h="$fh" -v b="$f2" 'BEGIN { printf "%.3f", h / b }')
echo "folded fc2 SB_LUT4 ($c1/$c2/$ch cycles per frame): 1-bit $f1, 2-bit $f2, 70/20/10 $fh; hetero / 2-bit = $fratio"
[ "$c1" = "$ch" ] && [ "$c2" = "$ch" ] || { echo "FAIL: cycles differ"; exit 1; }
awk -v r="$fratio" 'BEGIN { exit !(r <= 1.25) }' || { echo "FAIL: folded ratio $fratio > 1.25"; exit 1; }
awk -v a="$f1" -v b="$f2" -v h="$fh" 'BEGIN { exit !(a < b && b < h) }' ||
    { echo "FAIL: folded 1-bit < 2-bit < hetero does not hold"; exit 1; }
echo "verilog_area: 2 passed, 0 failed"
