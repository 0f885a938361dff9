#!/usr/bin/env bash
# verilog_digits.sh HBNNC SCRATCH: examples/digits/digits_hw.hb (u8 pixels, static
# activations, 2 / 1.4 / 2-bit weights) through --target verilog: lint clean under
# verilator -Wall, and its testbench (64 random u8 frames, interpreter vectors) prints
# "64 passed, 0 failed" in verilator --binary. (iverilog 11 takes many minutes to
# elaborate the 131,072-pair first layer, so it runs the smaller designs of verilog.sh.)
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
command -v verilator > /dev/null || { echo "SKIP: verilator not installed (scripts/setup)"; exit 77; }
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
"$hbnnc" "$ex/digits_hw.hb" --target verilog -o hw
cd hw
verilator --lint-only -Wall --top-module digits_hw_top $(ls *.v | grep -v '^tb_')
verilator --binary -j 2 -MAKEFLAGS OPT_FAST=-O0 -MAKEFLAGS OPT_SLOW=-O0 \
    -MAKEFLAGS OPT_GLOBAL=-O0 --top-module tb_digits_hw *.v > verilator.log 2>&1
r=$(./obj_dir/Vtb_digits_hw | grep 'passed,')
echo "digits_hw: verilator: $r"
[ "$r" = "64 passed, 0 failed" ]
