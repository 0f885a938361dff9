#!/usr/bin/env bash
# verilog_out.sh HBNNC SCRATCH: the Verilog output stage. A last layer whose float combine
# is exact in integers (weight scales x activation scales and bias multiples of one power
# of two) streams its integer accumulators, and the argmax when the network ends in one;
# the testbench vectors (from the interpreter's f32 outputs and argmax) must pass in
# iverilog -g2005 and verilator --binary, lint clean, with ties in the first network's
# vectors (so the lowest-index rule is exercised). Not exact + argmax: refused, naming
# the layer.
set -euo pipefail
hbnnc=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
for tool in iverilog vvp verilator; do
    command -v $tool > /dev/null || { echo "SKIP: $tool not installed (scripts/setup)"; exit 77; }
done
py=/usr/bin/python3
[ -x $py ] || py=python3
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
specs=(
    'in:16-d:8:1-d:5:2:0.3-end:argmax'
    'in:2,6,6-c:4:1:3:1:1-m:2:2-f-d:7:2:0.5-end:argmax'
    'in:24:q2-d:12:1-d:6:2-end:fcomb2'
)
fail=0
n=5
for spec in "${specs[@]}"; do
    n=$((n + 1))
    python3 "$here/verilog_ir.py" $n "$spec" > net$n.ir
    "$hbnnc" net$n.ir --target verilog -o out$n
    ls out$n | grep -q '_out\.v$' || { echo "FAIL: $spec has no output stage"; fail=1; }
    design=$(cd out$n && ls *.v | grep -v '^tb_')
    (cd out$n && verilator --lint-only -Wall --top-module rnd${n}_top $design) ||
        { echo "FAIL: lint of $spec"; fail=1; }
    (cd out$n && iverilog -g2005 -o sim *.v && vvp -n sim > sim.log)
    r1=$(grep 'passed,' out$n/sim.log)
    # the testbench resets the design with frames inside it (mid-stream), then reruns all
    grep -q 'reset with [1-9][0-9]* frames in flight' out$n/sim.log ||
        { echo "FAIL: no reset with frames in flight"; fail=1; }
    (cd out$n && verilator --binary -j 2 -MAKEFLAGS OPT_FAST=-O0 -MAKEFLAGS OPT_SLOW=-O0 \
        -MAKEFLAGS OPT_GLOBAL=-O0 --top-module tb_rnd$n *.v > verilator.log 2>&1) ||
        { echo "FAIL: verilator build of $spec"; cat out$n/verilator.log; fail=1; }
    r2=$(cd out$n && ./obj_dir/Vtb_rnd$n | grep 'passed,' || true)
    echo "$spec: iverilog: $r1; verilator: $r2"
    [ "$r1" = "64 passed, 0 failed" ] && [ "$r2" = "64 passed, 0 failed" ] || fail=1
    case $spec in *argmax)
        # the vectors: the class is the lowest index of the largest accumulator; ties occur
        $py - out$n/vectors/out.hex $((n == 6)) << 'EOF' || { echo "FAIL: argmax vectors of $spec"; fail=1; }
import sys
ties = 0
for line in open(sys.argv[1]):
    w = [int(line[i:i + 8], 16) for i in range(0, len(line.strip()), 8)][::-1]
    acc = [x - (1 << 32) if x >> 31 else x for x in w[:-1]]
    assert w[-1] == acc.index(max(acc)), (w[-1], acc)
    ties += acc.count(max(acc)) > 1
print('ties in the vectors:', ties)
assert ties > 0 or sys.argv[2] == '0'  # the first network's vectors have ties
EOF
    esac
done
grep -q 'element 5 is the argmax' out6/rnd6_manifest.md || { echo "FAIL: manifest"; fail=1; }
# A float bias that is no multiple of a small power of two, then argmax: refused.
python3 "$here/verilog_ir.py" 9 'in:16-d:8:1-d:5:2:0.3-end:argmaxf' > float.ir
if "$hbnnc" float.ir --target verilog -o float 2> float.txt; then fail=1; fi
grep -q "layer 'l2' ends the network in argmax, but its float combine is not an exact integer" float.txt &&
    grep -q 'remove the final `argmax`' float.txt || { echo "FAIL: refusal"; cat float.txt; fail=1; }
[ ! -e float ] || { echo "FAIL: a refused network left output"; fail=1; }
[ $fail -eq 0 ] && echo "verilog_out: ${#specs[@]} networks, 2 simulators, 0 failed"
exit $fail
