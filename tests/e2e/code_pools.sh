#!/usr/bin/env bash
# code_pools.sh HBNNC SCRATCH: max pools on multi-bit and masked codes (docs/ir.md §4
# maxpool, §5). Small networks (codes/code_pool_nets.py: W1A2, W2A2, 1.4/1.4 with channel
# and element weight groups, odd channel counts, a 2x2 and a padded 3x3/2 pool, a binary
# conv and a binary dense layer after the pools) must
#  - pool on codes (bits maxpool, no dequant before it) unless two codes share a value
#    (`tie`: the pool stays on dequantized floats), and pool floats with --float-pools;
#  - run as a .so equal to `hbnnc --run` (native and x86-64-v2, batch 1 and 7, threads
#    1 and 2);
#  - give outputs identical to the old lowering (--float-pools) where the layers after
#    the pools are float (`*_f`): pooling codes is exactly pooling their values;
#  - be reported by --explain (on codes, or on floats and why);
#  - be refused by the Verilog backend, naming the pool, not turned into a wrong design.
# Random IR pools (cpu/pool_nets.py: tiling windows floor and ceil, odd and tiny sizes,
# rows wider than a vector, 1 to 5 planes, masked or not) must equal `hbnnc --run` byte
# for byte on the native, AVX2 and SSE tiers (batch 1 and 7, 1 and 2 threads), and the
# ones that tile their input must run on the vector path (a load named vpool(NAME) in the
# .ll), so that a silent fallback to the scalar loop fails.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/codes/code_pool_nets.py" "$s" "${HBNN_SEED:-11}" > "$s/nets.txt"
pass=0

for n in $(cat "$s/nets.txt") vl; do
    "$hbnnc" "$s/$n.hb" --emit ir > "$s/$n.ir"
    "$hbnnc" "$s/$n.hb" --emit ir --float-pools > "$s/$n.old.ir"
    bitpools=$(grep -c '^%[^ ]* : bits<.* = maxpool ' "$s/$n.ir" || true)
    oldpools=$(grep -c '^%[^ ]* : bits<.* = maxpool ' "$s/$n.old.ir" || true)
    want=2
    [ "$n" = vl ] && want=1
    [ "$n" = tie ] && want=0
    if [ "$bitpools" -ne "$want" ] || [ "$oldpools" -ne 0 ]; then
        echo "FAIL: $n: $bitpools pools on codes (want $want), $oldpools with --float-pools"
        exit 1
    fi
    if [ "$n" = tie ] && ! grep -q '= maxpool %q1.f ' "$s/$n.ir"; then
        echo "FAIL: tie: the pool does not read the dequantized floats"
        exit 1
    fi
    [ "$n" = vl ] && continue # its input is u8[3, 6, 6], not in.npy's shape
    "$hbnnc" "$s/$n.hb" --run "$s/in.npy" > "$s/$n.want"
    for cpu in native x86-64-v2; do
        "$hbnnc" "$s/$n.hb" --cpu "$cpu" -O"$(e2e_opts 3)" -o "$s/$n.so"
        for bt in "1 1" "7 2"; do
            # shellcheck disable=SC2046
            "$s/so_run" "$s/$n.so" "$n" "$s/in.npy" $bt $(outspec "$s/$n.h" "$n") > "$s/$n.got"
            if ! same "$s/$n.want" "$s/$n.got"; then
                echo "FAIL: $n --cpu $cpu batch/threads $bt: the .so differs from --run"
                exit 1
            fi
        done
    done
    case $n in
    *_f)
        "$hbnnc" "$s/$n.hb" --float-pools --run "$s/in.npy" > "$s/$n.old"
        if ! cmp -s "$s/$n.want" "$s/$n.old"; then
            echo "FAIL: $n: pooling codes and pooling floats give different outputs"
            diff "$s/$n.want" "$s/$n.old" | head -5
            exit 1
        fi
        ;;
    esac
    pass=$((pass + 1))
done

# --explain says where each pool runs and why.
"$hbnnc" "$s/w1a2.hb" --explain | grep -q "^  maxpool.4  *on codes (the next layer stays on bits)"
"$hbnnc" "$s/tie.hb" --explain | grep -q "^  maxpool.4  *on dequantized floats: two codes have the same value"
"$hbnnc" "$s/w1a2.hb" --explain --float-pools | grep -q "^  maxpool.8  *on dequantized floats (--float-pools)"
pass=$((pass + 1))

# The Verilog backend pools one plane only: the 2-bit pool is refused by its name.
rc=0
"$hbnnc" "$s/vl.hb" --target verilog -o "$s/vl_verilog" 2> "$s/vl.err" || rc=$?
if [ "$rc" -ne 1 ] || ! grep -q "layer 'p1' (maxpool) pools multi-bit codes" "$s/vl.err"; then
    echo "FAIL: verilog on a 2-bit pool: exit $rc"
    cat "$s/vl.err"
    exit 1
fi
pass=$((pass + 1))
mkdir -p "$s/v" && cp "$s/so_run" "$s/v/"
"$py" "$here/cpu/pool_nets.py" "$s/v" "${HBNN_SEED:-11}" > "$s/v/nets.txt"
while read -r n want; do
    (
        s=$s/v
        "$hbnnc" "$s/$n.ir" --run "$s/$n.npy" > "$s/$n.want"
        "$hbnnc" "$s/$n.ir" --emit llvm -o "$s/$n.ll"
        got=$(sed -n 's/.*%"vpool(\([^)]*\))" = load.*/\1/p' "$s/$n.ll" | LC_ALL=C sort -u |
            paste -sd, -)
        if [ "${got:--}" != "$want" ]; then
            echo "FAIL: $n: pools on the vector path: ${got:--}, expected $want"
            exit 1
        fi
        tiers_equal "$n" exact
    )
    pass=$((pass + 1))
done < "$s/v/nets.txt"
echo "code_pools: $pass passed, 0 failed"
