#!/usr/bin/env bash
# verilog_digits_hw.sh HBNNC SCRATCH: issue 11's "done when" in CI. The shipped hardware
# digits network (examples/digits/digits_hw.hb: u8 pixels, three folded layers) gets the
# first 24 real test images through --vectors (in.hex must hold exactly them); its
# testbench, whose expected pair sums the interpreter computes, must pass every frame in
# iverilog -g2005 and verilator --binary (lint clean). Then --vectors's errors: a pixel out of the u8 range, a fraction, a wrong shape, and the
# cpu target.
set -euo pipefail
hbnnc=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
digits=$(cd "$here/../../examples/digits" && pwd)
for tool in iverilog vvp verilator; do
    command -v $tool > /dev/null || { echo "SKIP: $tool not installed (scripts/setup)"; exit 77; }
done
py=/usr/bin/python3
[ -x $py ] || py=python3
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
N=24
$py - "$digits/test_x.npy" $N << 'EOF'
import sys
import numpy as np
x = np.load(sys.argv[1])[: int(sys.argv[2])] * 16  # digits_hw takes the raw pixels 0..16
np.save("px.npy", np.rint(x).astype(np.float32))
bad = np.rint(x).astype(np.float32)
bad[3, 17] = 256  # past u8
np.save("range.npy", bad)
frac = np.rint(x).astype(np.float32)
frac[0, 5] = 2.5
np.save("frac.npy", frac)
np.save("shape.npy", np.zeros((2, 63), np.float32))
EOF

"$hbnnc" "$digits/digits_hw.hb" --target verilog -o hw --vectors px.npy
[ "$(wc -l < hw/vectors/in.hex)" -eq $N ] || { echo "FAIL: in.hex is not $N frames"; exit 1; }
grep -q "localparam NV = $N;" hw/tb_digits_hw.v || { echo "FAIL: testbench NV"; exit 1; }

# The frames are the images: in.hex holds one beat per image, pixel e as the byte at
# [8e +: 8] (the line's last two hex digits are pixel 0).
$py - << 'EOF'
import numpy as np
px = np.load("px.npy").astype(np.int64)
lines = open("hw/vectors/in.hex").read().split()
for i, h in enumerate(lines):
    v = int(h, 16)
    got = [(v >> (8 * e)) & 0xff for e in range(px.shape[1])]
    if got != list(px[i]):
        raise SystemExit("FAIL: in.hex frame %d is not image %d" % (i, i))
print("in.hex holds the %d images" % len(lines))
EOF

design=$(cd hw && ls *.v | grep -v '^tb_')
(cd hw && verilator --lint-only -Wall --top-module digits_hw_top $design) ||
    { echo "FAIL: lint"; exit 1; }
(cd hw && iverilog -g2005 -o sim *.v && vvp -n sim > sim.log)
r1=$(grep 'passed,' hw/sim.log)
(cd hw && verilator --binary -j 2 -MAKEFLAGS OPT_FAST=-O0 -MAKEFLAGS OPT_SLOW=-O0 \
    -MAKEFLAGS OPT_GLOBAL=-O0 --top-module tb_digits_hw *.v > verilator.log 2>&1) ||
    { tail -20 hw/verilator.log; echo "FAIL: verilator build"; exit 1; }
r2=$(cd hw && ./obj_dir/Vtb_digits_hw | grep 'passed,')
echo "digits_hw, $N test images: iverilog: $r1; verilator: $r2"
for r in "$r1" "$r2"; do
    [[ "$r" == *"$N passed, 0 failed"* ]] || { echo "FAIL: $r"; exit 1; }
done

# --vectors errors: each names the problem, and no design directory is left behind.
expect() { # expect NAME EXIT_CODE PATTERN ARGS...
    local name=$1 code=$2 pat=$3
    shift 3
    local rc=0
    "$hbnnc" "$digits/digits_hw.hb" "$@" > "$name.out" 2> "$name.err" || rc=$?
    [ $rc -eq "$code" ] || { cat "$name.err"; echo "FAIL: $name exits $rc, not $code"; exit 1; }
    grep -q -- "$pat" "$name.err" || { cat "$name.err"; echo "FAIL: $name: no '$pat'"; exit 1; }
}
expect range 1 "input 3, element 17 is 256" --target verilog -o e1 --vectors range.npy
grep -q "u8\[...\]: the stream carries integers 0..255" range.err || { echo "FAIL: note"; exit 1; }
expect frac 1 "input 0, element 5 is 2.5" --target verilog -o e2 --vectors frac.npy
expect shape 1 "expected an input array of shape \[batch, 64\]" --target verilog -o e3 \
    --vectors shape.npy
expect cpu 2 "--vectors (the testbench's inputs) needs --target verilog" -o e4.so \
    --vectors px.npy
for d in e1 e2 e3 e4.so; do
    [ ! -e $d ] || { echo "FAIL: $d left behind"; exit 1; }
done
echo "verilog_digits_hw: ok"
