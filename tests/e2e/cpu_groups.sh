#!/usr/bin/env bash
# cpu_groups.sh HBNNC SCRATCH: `group channel` layers in the CPU backend (issue 10): one
# unmasked kernel per channel width; and binarize-and-pack fused into the producer (a sign
# or threshold read only by bit-serial bpop_dense ops writes their packed words). Random IR
# networks (cpu/group_nets.py: conv and dense, channels per width not multiples of 8,
# widths with no channel, 1- and 2-plane inputs, signs of N % 64 != 0 floats read by two
# bpops or also dequantized, a 2-plane threshold) and the digits study's group-channel MLP
# and CNN, compiled for every tier (--cpu x86-64-v2, v3, v4, native) must equal `hbnnc
# --run` bit for bit (batch 1 and 7, 1 and 2 threads; -O0 once). Then the generated code
# has one kernel per width present and no mask words for those layers, while an
# element-group layer keeps its masked kernel; and the fused signs pack in the producer.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/group_nets.py" "$s" "${HBNN_SEED:-11}" > "$s/nets.txt"
st=$root/examples/digits/study
"$py" -c "import numpy as np; np.save('$s/img.npy',
    np.load('$root/examples/digits/test_x.npy')[:40].reshape(-1, 1, 8, 8))"
pass=0

# check SRC NAME IN.npy [hbnnc args]: every tier, batch/threads 1/1 and 7/2, -O0 natively.
check() {
    local src=$1 name=$2 in=$3 cpu opt
    shift 3
    "$hbnnc" "$src" --run "$in" > "$s/$name.want"
    for cpu in x86-64-v2 x86-64-v3 x86-64-v4 native native-O0; do
        opt=-O$(e2e_opts 3)
        if [ "$cpu" = native-O0 ]; then
            [ "$opt" = -O0 ] && continue # every tier was -O0 (e2e_opts)
            cpu=native opt=-O0
        fi
        "$hbnnc" "$src" "$@" --cpu "$cpu" $opt -o "$s/$name.so"
        for bt in "1 1" "7 2"; do
            # shellcheck disable=SC2046,SC2086
            "$s/so_run" "$s/$name.so" "$name" "$in" $bt $(outspec "$s/$name.h" "$name") \
                > "$s/$name.got"
            if ! same "$s/$name.want" "$s/$name.got"; then
                echo "FAIL: $name --cpu $cpu $opt batch/threads $bt"
                exit 1
            fi
        done
    done
    pass=$((pass + 1))
}

while read -r n; do
    check "$s/$n.ir" "$n" "$s/$n.npy" --kernel bitserial
done < "$s/nets.txt"
check "$st/mlp_b1.4-chan.hb" mlp "$root/examples/digits/test_x.npy"
check "$st/cnn_b1.4-chan.hb" cnn "$s/img.npy"

# kernels NAME.ll: the per-width kernel functions of the module, sorted.
kernels() { grep -oE '^define internal (fastcc )?void @bpop\.[0-9]+(\.w[0-9])?' "$1" | sed 's/.*@//' | sort; }
# --explain names the channels per width, and the cost model counts the per-width kernels
# (not 3 masked planes per channel): g_wide's conv is bit-serial at about 2/3 of the
# masked estimate.
"$hbnnc" "$s/g_wide.ir" --explain --cpu znver5 > "$s/ex.txt"
grep -q '^  p: W3A1 masked, group channel 1:23 2:8 3:9, 5.76e+05 MACs: bit-serial 1759, int8 5400 -> bit-serial' "$s/ex.txt" ||
    { echo "FAIL: --explain does not show g_wide's channel groups"; exit 1; }
grep -q '^  p2: W2A1 masked, group channel 1:17 2:8,' "$s/ex.txt" || { echo "FAIL: p2 groups"; exit 1; }
# An element-group layer is not called a group channel one.
"$hbnnc" "$st/cnn_b1.4.hb" --explain > "$s/ex_el.txt"
if grep -q '^  [a-z0-9.]*: W.*, group channel' "$s/ex_el.txt"; then
    echo "FAIL: element groups shown as channel groups"
    exit 1
fi
# One kernel per block width (8-channel blocks, widest channels first, each at its widest
# channel's width; g_nowidth2: none of width 2 in the conv, none of width 1 in the dense
# layer), and no mask words at all (-O0 keeps unused globals). Its conv's 5 channels of
# width 3 share a block with 3 of width 1, which store only their own pairs (@kn. table).
"$hbnnc" "$s/g_nowidth2.ir" --kernel bitserial -O0 --emit llvm -o "$s/nw.ll"
got=$(kernels "$s/nw.ll" | tr '\n' ' ')
[[ "$got" =~ ^bpop\.[0-9]+\.w1\ bpop\.[0-9]+\.w3\ bpop\.[0-9]+\.w2\ bpop\.[0-9]+\.w3\ $ ]] ||
    { echo "FAIL: g_nowidth2 kernels: $got"; exit 1; }
grep -q '@kn\.w\.w3' "$s/nw.ll" || { echo "FAIL: g_nowidth2 has no mixed-width block"; exit 1; }
if grep -qE '@km\.|@kp\.' "$s/nw.ll"; then
    echo "FAIL: a group channel layer has mask words"
    exit 1
fi
"$hbnnc" "$st/cnn_b1.4-chan.hb" --emit llvm -o "$s/cnn.ll"
# Both of the CNN's bit-plane layers get a kernel per block width: the conv (channels of
# widths 3/2/1: 3/7/22) all three, the dense layer (1/2/7) two: its channel of width 3
# shares a block with both of width 2 and five of width 1.
[ "$(kernels "$s/cnn.ll" | grep -c '\.w[123]$')" = 5 ] || { echo "FAIL: cnn kernels"; exit 1; }
# An element-group layer (the same study network, group element) keeps one masked kernel.
"$hbnnc" "$st/cnn_b1.4.hb" -O0 --emit llvm -o "$s/el.ll"
[ "$(kernels "$s/el.ll" | grep -c '\.w')" = 0 ] || { echo "FAIL: element groups split"; exit 1; }
grep -q '@km\.' "$s/el.ll" || { echo "FAIL: element groups without masks"; exit 1; }
pass=$((pass + 1))

# Binarize-and-pack: d_sign_tail's sign (read by two bpop_dense) and threshold (read by one)
# are packed by their producers: the sign as 64-float vectors, no bpop has a packing loop
# ("pe" blocks at -O0). In d_sign_out a dequant also reads the sign: both its bpops pack.
for n in d_sign_tail d_sign_out; do
    "$hbnnc" "$s/$n.ir" -O0 --kernel bitserial --emit llvm -o "$s/$n.ll"
done
grep -q 'masked.load.v64f32' "$s/d_sign_tail.ll" || { echo "FAIL: the sign does not pack"; exit 1; }
[ "$(grep -cE '^pe[0-9]*:' "$s/d_sign_tail.ll")" = 0 ] || { echo "FAIL: a bpop packs again"; exit 1; }
[ "$(grep -cE '^pe[0-9]*:' "$s/d_sign_out.ll")" = 2 ] || { echo "FAIL: d_sign_out packing"; exit 1; }
if grep -q 'masked.load.v64f32' "$s/d_sign_out.ll"; then
    echo "FAIL: a dequantized sign was packed"
    exit 1
fi
pass=$((pass + 1))
echo "cpu_groups: $pass passed, 0 failed"
