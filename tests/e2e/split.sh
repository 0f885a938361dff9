#!/usr/bin/env bash
# split.sh HBNNC SCRATCH: a network large enough is compiled as several LLVM modules on
# all CPUs (backends/llvm/llvm_split.c). The VGG-style example (seeded weights) must
# split, equal `hbnnc --run`, export only its ABI, and give the same library bytes on
# one CPU (taskset) as on all of them and on a rebuild; --emit llvm keeps one module;
# the small digits example is not split.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v taskset >/dev/null || { echo "skip: no taskset"; exit 77; }
rm -rf "$s" && mkdir -p "$s/one" "$s/all" "$s/again"
# cpu_setup ($py, so_run), same A B, outspec LIB.h NAME: the shared helpers.
. "$here/cpu/compare.sh"
cpu_setup "$s"
hb=$root/examples/cifar_vgg/cifar_vgg.hb
opt=-O$(e2e_opts 3) # -O0 under a sanitized hbnnc: the split is the same
"$py" "$root/bench/nets.py" weights cifar_vgg "$s/w.safetensors"
"$py" "$root/bench/nets.py" inputs cifar_vgg "$s/in.npy" 3

"$hbnnc" "$hb" --weights "$s/w.safetensors" "$opt" -o "$s/all/cv.so"
parts=$(nm "$s/all/cv.so" | grep -c ' cifar_vgg\.part[0-9]*$' || true)
[ "$parts" -ge 2 ] || { echo "FAIL: not split ($parts parts)"; exit 1; }
# only the ABI is exported (the parts and shared constants are hidden)
bad=$(nm -D --defined-only "$s/all/cv.so" | awk '{print $3}' |
      grep -v -e '^cifar_vgg_' -e '^_edata$' -e '^_end$' -e '^__bss_start$' || true)
[ -z "$bad" ] || { echo "FAIL: exported: $bad"; exit 1; }

"$hbnnc" "$hb" --weights "$s/w.safetensors" --run "$s/in.npy" > "$s/want"
for bt in "1 1" "3 2"; do
    # shellcheck disable=SC2046
    "$s/so_run" "$s/all/cv.so" cifar_vgg "$s/in.npy" $bt $(outspec "$s/all/cv.h" cifar_vgg) > "$s/got"
    same "$s/want" "$s/got" || { echo "FAIL: split library differs from --run ($bt)"; exit 1; }
done

# the parts do not depend on the number of threads that compile them
taskset -c 0 "$hbnnc" "$hb" --weights "$s/w.safetensors" "$opt" -o "$s/one/cv.so"
"$hbnnc" "$hb" --weights "$s/w.safetensors" "$opt" -o "$s/again/cv.so"
cmp "$s/one/cv.so" "$s/all/cv.so"
cmp "$s/again/cv.so" "$s/all/cv.so"
cmp "$s/one/cv.h" "$s/all/cv.h"

# --emit llvm: the one-module form (the example function runs every op itself)
"$hbnnc" "$hb" --weights "$s/w.safetensors" --emit llvm -o "$s/cv.ll"
grep -q '^define internal void @cifar_vgg.example' "$s/cv.ll"
! grep -q 'part[0-9]' "$s/cv.ll" || { echo "FAIL: --emit llvm is split"; exit 1; }

"$hbnnc" "$root/examples/digits/digits.hb" -o "$s/digits.so"
! nm "$s/digits.so" | grep -q 'part[0-9]' || { echo "FAIL: digits was split"; exit 1; }
echo "split: ok ($parts parts)"
