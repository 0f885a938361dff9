#!/usr/bin/env bash
# cpu_dw.sh HBNNC SCRATCH: depthwise bit-plane layers in the CPU backend (issue 13): the
# bit-serial path runs a depthwise bpop_conv2d with pixels in lanes and the activation
# planes as digits of one i32 level (backends/llvm/llvm_dw.c). Random IR networks
# (cpu/dw_nets.py: W1A1 to W3A3 and A6, masked activations, element and channel weight
# widths, strides 1-4, dilation, asymmetric padding, 1x1, 3x3 and 5x3 kernels, partial
# chunks), their pair sums and fcomb as outputs, compiled for every tier (--cpu
# x86-64-v2, v3, v4, native; -O0 once) must equal `hbnnc --run` bit for bit (batch 1
# and 7, 1 and 2 threads: dw_big splits its channels across the threads at batch 1).
# Then --explain names the kernel, the object has it, and a layer whose digits do not
# fit (dw_k7a5: 49 taps, 5 planes) runs the masked bit-serial kernel instead, exactly.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/dw_nets.py" "$s" "${HBNN_SEED:-5}" > "$s/nets.txt"
pass=0

# check NAME: every tier, batch/threads 1/1, 1/2 and 7/2, -O0 natively.
check() {
    local name=$1 cpu opt
    "$hbnnc" "$s/$name.ir" --run "$s/$name.npy" > "$s/$name.want"
    for cpu in x86-64-v2 x86-64-v3 x86-64-v4 native native-O0; do
        opt=-O$(e2e_opts 3)
        if [ "$cpu" = native-O0 ]; then
            [ "$opt" = -O0 ] && continue # every tier was -O0 (e2e_opts)
            cpu=native opt=-O0
        fi
        "$hbnnc" "$s/$name.ir" --cpu "$cpu" $opt -o "$s/$name.so"
        for bt in "1 1" "1 2" "7 2"; do
            # shellcheck disable=SC2046,SC2086
            "$s/so_run" "$s/$name.so" "$name" "$s/$name.npy" $bt $(outspec "$s/$name.h" "$name") \
                > "$s/$name.got"
            if ! cmp -s "$s/$name.want" "$s/$name.got"; then
                echo "FAIL: $name --cpu $cpu $opt batch/threads $bt differs from --run:"
                diff "$s/$name.want" "$s/$name.got" | head -c 600 || true
                exit 1
            fi
        done
    done
    pass=$((pass + 1))
}

while read -r n; do
    check "$n"
done < "$s/nets.txt"

# --explain: the pair-sum kernel and its estimate for every layer that fits, not for
# dw_k7a5; the generated code has the kernel (dwpairs.N) exactly where --explain says.
for n in dw_big dw_s4 dw_k7a5; do
    "$hbnnc" "$s/$n.ir" --explain > "$s/$n.ex"
    "$hbnnc" "$s/$n.ir" -O0 --emit llvm -o "$s/$n.ll"
done
grep -q '^  p: W3A3 masked, .* MACs: bit-serial [0-9.e+]* (depthwise pair sums), int8 not eligible' \
    "$s/dw_big.ex" || { echo "FAIL: --explain does not name dw_big's kernel"; exit 1; }
grep -q '(depthwise pair sums)' "$s/dw_s4.ex" || { echo "FAIL: dw_s4's kernel"; exit 1; }
if grep -q 'depthwise' "$s/dw_k7a5.ex"; then
    echo "FAIL: dw_k7a5's 35 bits of digits cannot take the pair-sum kernel"
    exit 1
fi
grep -q '^define internal .*@dwpairs\.' "$s/dw_big.ll" || { echo "FAIL: no dwpairs kernel"; exit 1; }
if grep -q '@dwpairs\.' "$s/dw_k7a5.ll"; then
    echo "FAIL: dw_k7a5 has a dwpairs kernel"
    exit 1
fi
grep -q '^define internal .*@bpop\.' "$s/dw_k7a5.ll" || { echo "FAIL: dw_k7a5 kernel"; exit 1; }
"$hbnnc" "$s/dw_big.ir" --explain=json > "$s/dw_big.json"
"$py" - "$s/dw_big.json" << 'PY'
import json, sys
k = json.load(open(sys.argv[1]))["kernels"]["layers"][0]
assert k["dw_pairs"] is True and k["choice"] == "bitserial", k
assert 1e4 < k["cost_bitserial"] < 1e6, k
PY
pass=$((pass + 1))
echo "cpu_dw: $pass passed, 0 failed"
