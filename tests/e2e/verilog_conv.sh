#!/usr/bin/env bash
# verilog_conv.sh HBNNC SCRATCH: streaming convolutions and bit max-pools (vl_window.c).
# Random conv networks from verilog_ir.py (odd sizes, stride 2, symmetric and asymmetric
# padding, dilation, groups, 1/2/3 weight planes with heterogeneous masks, 2-plane inputs
# and outputs, pools with padding, a conv as the last unit) stream pixel by pixel through
# line buffers; each is lint clean and prints "64 passed, 0 failed" against the
# interpreter (testbench: random gaps, back-pressure, a reset mid-frame). The manifest
# gives one cycle per padded input pixel. Folded convs (`pe=.. simd=..`: the window feeds
# vl_fold.c's unit; padding, stride 1 and 2, 1/2-plane inputs, 2-bit outputs, 70/20/10
# weights, per-cycle products and count-then-combine) pass the same way; a folded conv
# without thresholds is refused. examples/digits_conv/digits_conv_hw.hb (u8 input, two
# folded convs, pool, folded fc) simulates bit-exactly in iverilog and verilator.
set -euo pipefail
hbnnc=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
for tool in iverilog vvp verilator; do
    command -v $tool > /dev/null || { echo "SKIP: $tool not installed (scripts/setup)"; exit 77; }
done
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
# spec, then "v" to also run verilator --binary
specs=(
    'in:1,7,7-c:4:2:3:1:1:0.3-c:3:1:3:2:1,0,1,0-f-d:4:1 v'
    'in:2,9,9:q2-c:4:1:3:2:1:t2-c:4:2:3:1:1-m:3:2:1-f-d:3:2 -'
    'in:4,8,8-c:4:1:3:1:2:D2:g2-m:2:2-f-d:3:1 -'
    'in:1,6,6-c:3:3:3:1:1:0.2:0.1-end:dequant -'
    'in:1,7,7-c:4:2:3:1:1:0.3:F2x3-c:3:1:3:2:1,0,1,0:F1x4-f-d:4:1 v'
    'in:2,9,9:q2-c:4:1:3:2:1:t2:F2x6-c:4:2:3:1:1:F4x4-m:3:2:1-f-d:3:2 -'
    'in:1,6,6-c:3:3:3:1:1:0.2:0.1:F1x3-end:dequant -'
)
fail=0
n=0
for entry in "${specs[@]}"; do
    spec=${entry% *}
    n=$((n + 1))
    python3 "$here/verilog_ir.py" $n "$spec" > net$n.ir
    "$hbnnc" net$n.ir --target verilog -o out$n
    grep -q '"fold": "streaming' out$n/rnd${n}_manifest.json ||
        { echo "FAIL: $spec has no streaming stage"; fail=1; }
    design=$(cd out$n && ls *.v | grep -v '^tb_')
    (cd out$n && verilator --lint-only -Wall --top-module rnd${n}_top $design) ||
        { echo "FAIL: lint of $spec"; fail=1; }
    r1=$(cd out$n && iverilog -g2005 -o sim *.v && vvp -n sim | grep 'passed,')
    r2="not run"
    if [ "${entry##* }" = v ]; then
        (cd out$n && verilator --binary -j 2 -MAKEFLAGS OPT_FAST=-O0 -MAKEFLAGS OPT_SLOW=-O0 \
            -MAKEFLAGS OPT_GLOBAL=-O0 --top-module tb_rnd$n *.v > verilator.log 2>&1) ||
            { echo "FAIL: verilator build of $spec"; cat out$n/verilator.log; fail=1; }
        r2=$(cd out$n && ./obj_dir/Vtb_rnd$n | grep 'passed,' || true)
    fi
    echo "$spec: iverilog: $r1; verilator: $r2"
    [ "$r1" = "64 passed, 0 failed" ] && { [ "$r2" = "64 passed, 0 failed" ] || [ "$r2" = "not run" ]; } || fail=1
done
# 7x7 with pad 1: a 9x9 padded image, one cycle per pixel; the next conv gets pixels.
grep -q '"layer": "l1", "kind": "conv xnor-popcount + threshold", "fold": "streaming", "pe": 0, "simd": 0, "cycles_per_frame": 81' out1/rnd1_manifest.json ||
    { echo "FAIL: cycles of a streaming conv"; grep l1 out1/rnd1_manifest.json; fail=1; }
grep -q 'input wire \[3:0\] s_tdata' out1/rnd1_l1_l2.v ||
    { echo "FAIL: the second conv does not take one 4-channel pixel per beat"; fail=1; }
# Folded: a window per NF x SF + 3 cycles (+ the combine), the buffer walking meanwhile;
# 501 cycles per frame measured in simulation (input always valid, output always ready).
grep -q '"layer": "l1", "kind": "conv xnor-popcount + threshold", "fold": "streaming folded", "pe": 2, "simd": 3, "cycles_per_frame": 501' out5/rnd5_manifest.json ||
    { echo "FAIL: cycles of a folded conv"; grep l1 out5/rnd5_manifest.json; fail=1; }
grep -q 'rnd5_l0_l1_mvu mvu' out5/rnd5_l0_l1.v || { echo "FAIL: no folded unit"; fail=1; }
# --fold auto: l1 (49 windows, at least 7 cycles each) cannot meet 200 and streams
# unfolded; l2 folds to PE 1 x SIMD 9 (156 cycles); it simulates.
"$hbnnc" net1.ir --target verilog --fold auto --target-cycles 200 -o auto
grep -q '"layer": "l1", "kind": "conv xnor-popcount + threshold", "fold": "streaming", "pe": 0, "simd": 0, "cycles_per_frame": 81' auto/rnd1_manifest.json &&
    grep -q '"layer": "l2", "kind": "conv xnor-popcount + threshold", "fold": "streaming folded", "pe": 1, "simd": 9, "cycles_per_frame": 156' auto/rnd1_manifest.json ||
    { echo "FAIL: --fold auto on convs"; grep cycles auto/rnd1_manifest.json; fail=1; }
r=$(cd auto && iverilog -g2005 -o sim *.v && vvp -n sim | grep 'passed,')
[ "$r" = "64 passed, 0 failed" ] || { echo "FAIL: --fold auto conv simulation: $r"; fail=1; }
python3 "$here/verilog_ir.py" 9 'in:1,6,6-c:3:1:3:1:1:F1x3-end:icomb' > nothr.ir
if "$hbnnc" nothr.ir --target verilog -o nothr 2> nothr.txt; then fail=1; fi
grep -q "fold on conv layer 'l1' is not supported: its output is not thresholded" nothr.txt ||
    { echo "FAIL: a folded conv without thresholds"; cat nothr.txt; fail=1; }
# The conv example (u8 input, two folded convs, pool, folded fc): bit-exact in iverilog
# and verilator.
ex="$here/../../examples/digits_conv/digits_conv_hw.hb"
"$hbnnc" "$ex" --target verilog -o dc
(cd dc && verilator --lint-only -Wall --top-module digits_conv_hw_top $(ls *.v | grep -v '^tb_')) ||
    { echo "FAIL: lint of digits_conv_hw"; fail=1; }
grep -q '"layer": "c1", "kind": "conv xnor-popcount + threshold", "fold": "streaming folded", "pe": 2, "simd": 1, "cycles_per_frame": 1620' dc/digits_conv_hw_manifest.json ||
    { echo "FAIL: digits_conv_hw's folded c1"; fail=1; }
r=$(cd dc && iverilog -g2005 -o sim *.v && vvp -n sim | grep 'passed,')
(cd dc && verilator --binary -j 2 -MAKEFLAGS OPT_FAST=-O0 -MAKEFLAGS OPT_SLOW=-O0 \
    -MAKEFLAGS OPT_GLOBAL=-O0 --top-module tb_digits_conv_hw *.v > verilator.log 2>&1) ||
    { echo "FAIL: verilator build of digits_conv_hw"; tail -20 dc/verilator.log; fail=1; }
r2=$(cd dc && ./obj_dir/Vtb_digits_conv_hw | grep 'passed,' || true)
echo "digits_conv_hw: iverilog: $r; verilator: $r2"
[ "$r" = "64 passed, 0 failed" ] && [ "$r2" = "64 passed, 0 failed" ] || fail=1
[ $fail -eq 0 ] && echo "verilog_conv: ${#specs[@]} networks + digits_conv_hw, 0 failed"
exit $fail
