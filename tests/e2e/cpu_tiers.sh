#!/usr/bin/env bash
# cpu_tiers.sh HBNNC SCRATCH: the CPU backend's popcount tiers (issue 10). Each forced
# --cpu emits its tier's instructions (x86-64-v2: scalar popcnt; v3: vpshufb + vpsadbw on
# ymm; v4: the same on zmm; native on a VPOPCNTDQ machine: vpopcntq), and every tier runs
# full example blocks (8) and their tails (batch 19, 1 and 2 threads) and one example
# split across 2 threads (batch 1) bit-exactly against `hbnnc --run`. An unknown --cpu name is an error that says how to list the valid ones.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
pass=0
digits=$root/examples/digits/digits.hb

# has FILE.s REGEX / hasnt FILE.s REGEX: instructions in the emitted assembly.
has() { grep -qE "^[[:space:]]+$2" "$1" || { echo "FAIL: $1 lacks $2"; exit 1; }; }
hasnt() { if grep -qE "^[[:space:]]+$2" "$1"; then echo "FAIL: $1 has $2"; exit 1; fi; }

for cpu in x86-64-v2 x86-64-v3 x86-64-v4 native; do
    "$hbnnc" "$digits" --cpu "$cpu" --emit asm -o "$s/$cpu.s"
done
has "$s/x86-64-v2.s" 'popcntq'
hasnt "$s/x86-64-v2.s" 'v?pshufb'
has "$s/x86-64-v3.s" 'vpshufb[[:space:]]+%ymm'
has "$s/x86-64-v3.s" 'vpsadbw[[:space:]]+%ymm'
hasnt "$s/x86-64-v3.s" 'vpopcntq'
has "$s/x86-64-v4.s" 'vpshufb[[:space:]]+%zmm'
has "$s/x86-64-v4.s" 'vpsadbw[[:space:]]+%zmm'
hasnt "$s/x86-64-v4.s" 'vpopcntq'
if grep -q "avx512_\?vpopcntdq" /proc/cpuinfo; then
    has "$s/native.s" 'vpopcntq[[:space:]]+%zmm'
fi
pass=$((pass + 1))

# Full blocks and tails, every tier (the unit suite runs batch 1 and 7 only).
for net in "$digits:digits:$root/examples/digits/test_x.npy" \
    "$root/tests/golden/ir/worked.hb:worked:$root/tests/golden/ir/onehot.npy"; do
    IFS=: read -r src name in <<< "$net"
    "$hbnnc" "$src" --run "$in" > "$s/$name.want"
    for cpu in x86-64-v2 x86-64-v3 x86-64-v4 native; do
        "$hbnnc" "$src" --cpu "$cpu" -O"$(e2e_opts 3)" -o "$s/$name.so"
        outs=$(sed -n "s/^#define ${name}_OUT0_ELEMS \([0-9]*\)/\1/p" "$s/$name.h")
        grep -q "^#define ${name}_OUT0_INT32 1" "$s/$name.h" && outs="${outs}i"
        for bt in "19 1" "19 2" "1 2"; do
            # shellcheck disable=SC2086
            "$s/so_run" "$s/$name.so" "$name" "$in" $bt "$outs" > "$s/$name.got"
            cmp -s "$s/$name.want" "$s/$name.got" ||
                { echo "FAIL: $name --cpu $cpu batch/threads $bt"; exit 1; }
        done
    done
done
pass=$((pass + 1))

# An unknown CPU name: exit 2, a suggestion and how to list the names, no output.
if "$hbnnc" "$digits" --cpu znver9 -o "$s/bad.so" 2> "$s/bad.err"; then
    echo "FAIL: an unknown --cpu was accepted"
    exit 1
fi
grep -q "error: unknown CPU 'znver9' for --cpu" "$s/bad.err"
grep -q "did you mean 'znver1'" "$s/bad.err"
grep -q -- "-mcpu=help" "$s/bad.err"
test ! -e "$s/bad.so"
"$hbnnc" "$digits" --cpu znver4 --emit obj -o "$s/z4.o"
pass=$((pass + 1))
echo "cpu_tiers: $pass passed, 0 failed"
