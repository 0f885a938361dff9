#!/usr/bin/env bash
# verilog.sh HBNNC SCRATCH: --target verilog end to end. Random integer-path networks
# (verilog_ir.py: dense and conv units, masked heterogeneous weights, 1- to 3-plane
# inputs, 2-bit threshold trees, bit max-pool, each kind of host tail) are compiled to
# Verilog; every design passes `verilator --lint-only -Wall`, and its testbench (vectors
# from the reference interpreter, random gaps, back-pressure, a reset mid-stream) must
# print "64 passed, 0 failed" in iverilog -g2005 and in verilator --binary. Also: a
# rebuild is byte-identical, and a directory hbnnc did not write is not replaced.
set -euo pipefail
hbnnc=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
for tool in iverilog vvp verilator; do
    command -v $tool > /dev/null || { echo "SKIP: $tool not installed (scripts/setup)"; exit 77; }
done
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
specs=(
    'in:16-d:8:1-d:4:2:0.3'
    'in:24:q3-d:12:2:0.4-d:6:3:0.2:0.1:t2-end:dequant'
    'in:2,6,6-c:4:1:3:1:1-m:2:2-f-d:5:2:0.5'
    'in:2,5,5:q2-c:3:2:3:2:0-f-d:4:1-end:icomb'
    'in:40-d:16:3:0.2:0.1-d:10:1-end:fcomb'
    # folded units (vl_fold.c): weight / constant ROMs, PE x SIMD, every kind of output
    'in:24:q3-d:12:2:0.4:F3x6-d:6:3:0.2:0.1:t2:F2x4-end:dequant'
    'in:2,6,6-c:4:1:3:1:1-m:2:2-f-d:6:2:0.5:F2x4-d:4:1:F1x6-end:fcomb'
    'in:40-d:16:3:0.2:0.1:F4x10-d:10:2:F5x4-end:icomb'
    # count-then-combine (SF >= counter width + 1): 3-input-plane pairs in 3 coefficient
    # tables, 2-bit thresholds; a combine as long as the row (F4x8: SF = 8 = 7 + 1) and
    # per-row coefficients (seed 10's second layer)
    'in:48:q3-d:12:3:0.2:0.1:t2:F3x4-d:6:2:F2x6-end:dequant'
    'in:64-d:32:3:0.2:0.1:F4x8-d:16:2:0.5:F2x2-d:4:1-end:fcomb'
)
fail=0
n=0
for spec in "${specs[@]}"; do
    n=$((n + 1))
    python3 "$here/verilog_ir.py" $n "$spec" > net$n.ir
    "$hbnnc" net$n.ir --target verilog -o out$n
    design=$(cd out$n && ls *.v | grep -v '^tb_')
    (cd out$n && verilator --lint-only -Wall --top-module rnd${n}_top $design) ||
        { echo "FAIL: lint of $spec"; fail=1; }
    r1=$(cd out$n && iverilog -g2005 -o sim *.v && vvp -n sim | grep 'passed,')
    (cd out$n && verilator --binary -j 2 -MAKEFLAGS OPT_FAST=-O0 -MAKEFLAGS OPT_SLOW=-O0 \
        -MAKEFLAGS OPT_GLOBAL=-O0 --top-module tb_rnd$n *.v > verilator.log 2>&1) ||
        { echo "FAIL: verilator build of $spec"; cat out$n/verilator.log; fail=1; }
    r2=$(cd out$n && ./obj_dir/Vtb_rnd$n | grep 'passed,' || true)
    echo "$spec: iverilog: $r1; verilator: $r2"
    [ "$r1" = "64 passed, 0 failed" ] && [ "$r2" = "64 passed, 0 failed" ] || fail=1
done
# Folding survives the IR text; --fold auto picks the smallest PE x SIMD under the target.
"$hbnnc" net6.ir --emit ir | grep -q 'bpop_dense %a0, @l1.w pe=3 simd=6' ||
    { echo "FAIL: pe/simd not in the IR text"; fail=1; }
"$hbnnc" net1.ir --target verilog --fold auto --target-cycles 40 -o auto
grep -q '"fold": "folded", "pe": 1, "simd": 4, "cycles_per_frame": 36' auto/rnd1_manifest.json ||
    { echo "FAIL: --fold auto"; cat auto/rnd1_manifest.json; fail=1; }
r=$(cd auto && iverilog -g2005 -o sim *.v && vvp -n sim | grep 'passed,')
[ "$r" = "64 passed, 0 failed" ] || { echo "FAIL: --fold auto simulation: $r"; fail=1; }
if "$hbnnc" net1.ir --target verilog --fold auto -o bad 2> auto.txt; then fail=1; fi
grep -q "go together" auto.txt || { echo "FAIL: --fold without --target-cycles"; fail=1; }
sed 's/pe=3 simd=6/pe=5 simd=6/' net6.ir > bad.ir
if "$hbnnc" bad.ir --target verilog -o bad 2> bad.txt; then fail=1; fi
grep -q "pe a divisor of 12" bad.txt || { echo "FAIL: a bad fold in IR text"; cat bad.txt; fail=1; }
# A rebuild gives the same bytes; a wrong vector is caught.
"$hbnnc" net1.ir --target verilog -o again
"$hbnnc" net1.ir --target verilog -o again2
diff -r again again2 > /dev/null || { echo "FAIL: rebuild differs"; fail=1; }
sed -i '3s/^./f/' again/vectors/out.hex
r=$(cd again && iverilog -g2005 -o sim *.v && vvp -n sim | grep 'passed,')
[ "$r" = "63 passed, 1 failed" ] || { echo "FAIL: a corrupted vector gave '$r'"; fail=1; }
# Never replace a directory that is not ours.
mkdir -p mine && touch mine/keep
if "$hbnnc" net1.ir --target verilog -o mine 2> refuse.txt; then fail=1; fi
grep -q "refusing to replace" refuse.txt && [ -e mine/keep ] || { echo "FAIL: replaced mine/"; fail=1; }
# A float layer is refused, naming the layer.
if "$hbnnc" "$here/../../examples/digits/digits.hb" --target verilog -o dg 2> float.txt; then fail=1; fi
grep -q "layer 'fc1' (dense) computes in float" float.txt || { echo "FAIL: float refusal"; cat float.txt; fail=1; }
[ ! -e dg ] || { echo "FAIL: a refused network left output"; fail=1; }
ls | grep -q tmp && { echo "FAIL: temporary directory left"; fail=1; }
[ $fail -eq 0 ] && echo "verilog: ${#specs[@]} networks, 2 simulators, 0 failed"
exit $fail
