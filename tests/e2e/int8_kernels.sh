#!/usr/bin/env bash
# int8_kernels.sh HBNNC SCRATCH: the CPU backend's int8 kernels and cost model (issue 13
# item 4; docs/cpu-backend.md "int8 kernels and the cost model"). Random IR networks
# whose layers can run int8 (cpu/int8_nets.py: W2A2, W3A3, masked weights and
# activations, strides, padding, dilation, groups, depthwise, dense) compiled with --kernel int8,
# bitserial and auto, for the VNNI tiers (native = AVX512-VNNI here, alderlake =
# AVX-VNNI) and a tier without VNNI (x86-64-v3), must equal `hbnnc --run` bit for bit
# (batch 5, 1 and 2 threads). Then: --explain prints the choice and why (text and JSON),
# --kernel int8 names the layer it cannot take, the int8 object has vpdpbusd, the
# bit-serial one has none, and the examples' ineligible layers stay bit-serial.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/int8_nets.py" "$s" "${HBNN_SEED:-7}" > "$s/nets.txt"
pass=0
cpus="native x86-64-v3"
grep -q avx_vnni /proc/cpuinfo && cpus="$cpus alderlake"

while read -r n; do
    case $n in nofactor | wide_levels) continue ;; esac
    "$hbnnc" "$s/$n.ir" --run "$s/$n.npy" > "$s/$n.want"
    for cpu in $cpus; do
        for kern in int8 bitserial auto; do
            "$hbnnc" "$s/$n.ir" --kernel "$kern" --cpu "$cpu" -O"$(e2e_opts 3)" -o "$s/$n.so"
            for bt in "5 1" "5 2"; do
                # shellcheck disable=SC2046
                "$s/so_run" "$s/$n.so" "$n" "$s/$n.npy" $bt $(outspec "$s/$n.h" "$n") > "$s/$n.got"
                if ! same "$s/$n.want" "$s/$n.got"; then
                    echo "FAIL: $n --kernel $kern --cpu $cpu batch/threads $bt"
                    exit 1
                fi
            done
        done
    done
    pass=$((pass + 1))
done < "$s/nets.txt"

# --explain: the W3A3 convolution goes int8 with VNNI, not on x86-64-v3 (no VNNI); its
# dense W3A1 layer stays bit-serial. JSON has the same facts.
"$hbnnc" "$s/w3a3.ir" --explain --cpu znver5 > "$s/ex.txt"
grep -q "^  p: W3A3, .* -> int8 (int8 is cheaper)" "$s/ex.txt"
grep -q "^  p2: W3A1, .* -> bit-serial (bit-serial is cheaper)" "$s/ex.txt"
"$hbnnc" "$s/w3a3.ir" --explain --cpu x86-64-v3 | grep -q "^kernels (--cpu x86-64-v3: AVX2 (no VNNI)"
"$hbnnc" "$s/w3a3.ir" --explain=json --cpu znver5 --kernel bitserial > "$s/ex.json"
"$py" - "$s/ex.json" << 'PY'
import json, sys
k = json.load(open(sys.argv[1]))["kernels"]
assert k["kernel"] == "bitserial" and "VNNI" in k["isa"], k
l = {x["layer"]: x for x in k["layers"]}
assert l["p"]["eligible"] and l["p"]["choice"] == "bitserial", l
assert l["p"]["cost_int8"] < l["p"]["cost_bitserial"], l
PY
pass=$((pass + 1))

# A dense layer's int8 kernel reads its u8 weights once per example: its estimate is at
# least their bytes / 32 (W3A3 256 x 2048: 512 KB, 16384 cycles against 4096 for the
# multiply-accumulates), so it stays bit-serial (7204); 64 x 512 too (1024 against 450).
"$py" "$here/cpu/int8_nets.py" "$s" 1 --dense d2048 2048 256 3 3
"$py" "$here/cpu/int8_nets.py" "$s" 1 --dense d512 512 64 3 3
"$hbnnc" "$s/d2048.ir" --explain --cpu znver5 |
    grep -q "^  p: W3A3, .* bit-serial 7204, int8 1.638e+04 -> bit-serial (bit-serial is cheaper)"
"$hbnnc" "$s/d512.ir" --explain --cpu znver5 |
    grep -q "^  p: W3A3, .* bit-serial 450.2, int8 1024 -> bit-serial (bit-serial is cheaper)"
pass=$((pass + 1))

# Depthwise layers take the pixels-in-lanes int8 kernel when the cost model says so, on
# every tier (it needs no VNNI).
for cpu in native x86-64-v3; do
    "$hbnnc" "$s/dw_s2d2.ir" --explain --cpu $cpu | grep -q "^  p: W1A1, .* -> int8 (int8 is cheaper)" ||
        { echo "FAIL: the depthwise layer is not int8 on $cpu"; exit 1; }
done
pass=$((pass + 1))

# A layer whose coefficients do not factor: auto stays bit-serial, int8 is refused by
# name (exit 2, nothing written).
"$hbnnc" "$s/nofactor.ir" --explain | grep -q "^  p: W2A2, .* not eligible -> bit-serial (the coefficients of row 0 are not"
if "$hbnnc" "$s/nofactor.ir" --kernel int8 -o "$s/nofactor.so" 2> "$s/nf.err"; then
    echo "FAIL: --kernel int8 accepted a layer whose coefficients do not factor"
    exit 1
fi
grep -q "error: --kernel int8: layer 'p' cannot use int8 kernels" "$s/nf.err"
grep -q "not weight level x activation level" "$s/nf.err"
test ! -e "$s/nofactor.so"
"$hbnnc" "$s/nofactor.ir" --kernel auto -o "$s/nofactor.so"
pass=$((pass + 1))

# Activation levels 100 and 61 factor, but A = +-100 +-61 does not fit s8: auto stays
# bit-serial and says why, int8 is refused by name, and the auto library is exact.
"$hbnnc" "$s/wide_levels.ir" --explain | grep -q "^  p: W2A2, .* not eligible -> bit-serial (activation levels need sum |v_n| = 161 > 127" ||
    { echo "FAIL: wide_levels' layer p is not refused for its activation levels"; exit 1; }
if "$hbnnc" "$s/wide_levels.ir" --kernel int8 -o "$s/wl.so" 2> "$s/wl.err"; then
    echo "FAIL: --kernel int8 accepted activation levels summing to 161"
    exit 1
fi
grep -q "error: --kernel int8: layer 'p' cannot use int8 kernels" "$s/wl.err"
test ! -e "$s/wl.so"
"$hbnnc" "$s/wide_levels.ir" --run "$s/wide_levels.npy" > "$s/wl.want"
"$hbnnc" "$s/wide_levels.ir" --kernel auto -o "$s/wl.so"
# shellcheck disable=SC2046
"$s/so_run" "$s/wl.so" wide_levels "$s/wide_levels.npy" 5 1 $(outspec "$s/wl.h" wide_levels) > "$s/wl.got"
same "$s/wl.want" "$s/wl.got" || { echo "FAIL: wide_levels --kernel auto"; exit 1; }
pass=$((pass + 1))

# The int8 object uses vpdpbusd with AVX512-VNNI (zmm); the bit-serial one does not.
if grep -q avx512_vnni /proc/cpuinfo; then
    "$hbnnc" "$s/w3a3.ir" --kernel int8 --emit asm -o "$s/i8.s"
    grep -q "vpdpbusd.*zmm" "$s/i8.s" || { echo "FAIL: no zmm vpdpbusd in the int8 object"; exit 1; }
    "$hbnnc" "$s/w3a3.ir" --kernel bitserial --emit asm -o "$s/bs.s"
    if grep -q vpdpbusd "$s/bs.s"; then
        echo "FAIL: vpdpbusd in the bit-serial object"
        exit 1
    fi
    pass=$((pass + 1))
fi

# The examples' multi-bit layers (real alpha/beta coefficients) are not eligible: auto
# keeps them bit-serial and says why; --kernel int8 is refused naming the layer.
st="$root/examples/digits/study"
"$hbnnc" "$st/cnn_b2.hb" --explain | grep -q "^  c2.pop: W2A1, .* not eligible -> bit-serial (weight levels"
if "$hbnnc" "$root/examples/digits/digits.hb" --kernel int8 -o "$s/d.so" 2> "$s/d.err"; then
    echo "FAIL: --kernel int8 accepted digits' fc2"
    exit 1
fi
grep -q "layer 'fc2.pop' cannot use int8 kernels" "$s/d.err"
if "$hbnnc" --kernel fast "$s/w3a3.ir" 2> "$s/k.err"; then
    echo "FAIL: --kernel fast accepted"
    exit 1
fi
grep -q "kernel is auto, bitserial or int8" "$s/k.err"
pass=$((pass + 1))
echo "int8_kernels: $pass passed, 0 failed"
