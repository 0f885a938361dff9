#!/usr/bin/env bash
# float_kernels.sh HBNNC SCRATCH: the CPU backend's vectorized float conv2d and dense
# (backends/llvm/llvm_float_conv.c) must equal `hbnnc --run` BIT FOR BIT (the printed
# %.9g values compared as text, not within a tolerance) on random networks of awkward
# shapes (cpu/float_nets.py: channels not a multiple of 8, one output channel, stride 2,
# dilation 2, asymmetric padding, groups 2, depthwise, 1x1, odd dense sizes, a network
# run in example blocks), for --cpu x86-64-v2/v3/v4 and native, -O0 and -O3, batch 1 and
# 7, 1 and 2 threads (batch 1 on 2 threads splits each layer across them, batch 7
# splits the batch). Then: the native object computes in packed doubles (the kernels are
# vectorized, not a silent fall back to the scalar loops).
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/float_nets.py" "$s" "${HBNN_SEED:-13}" > "$s/nets.txt"
pass=0
while read -r n; do
    "$hbnnc" "$s/$n.ir" --run "$s/$n.npy" > "$s/$n.want"
    for cpu in x86-64-v2 x86-64-v3 x86-64-v4 native; do
        for opt in $(e2e_opts 0 3); do
            "$hbnnc" "$s/$n.ir" --cpu "$cpu" -O$opt -o "$s/$n.so"
            for bt in "1 2" "7 2"; do
                # shellcheck disable=SC2046
                "$s/so_run" "$s/$n.so" "$n" "$s/$n.npy" $bt $(outspec "$s/$n.h" "$n") > "$s/$n.got"
                if ! cmp -s "$s/$n.want" "$s/$n.got"; then
                    echo "FAIL: $n --cpu $cpu -O$opt batch/threads $bt differs from --run:"
                    diff "$s/$n.want" "$s/$n.got" | head -n 4 | cut -c 1-300
                    exit 1
                fi
            done
        done
    done
    pass=$((pass + 1))
done < "$s/nets.txt"

# The native kernels multiply and add packed doubles (zmm with AVX-512, else ymm).
"$hbnnc" "$s/wide.ir" --emit asm -o "$s/wide.s"
grep -q "vmulpd.*[zy]mm" "$s/wide.s" || { echo "FAIL: no packed double multiply"; exit 1; }
pass=$((pass + 1))
echo "float_kernels: $pass checks passed"
