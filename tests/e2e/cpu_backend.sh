#!/usr/bin/env bash
# cpu_backend.sh HBNNC SCRATCH: the CPU backend end to end (issue 10). The digits
# example, the IR test networks (tests/golden/ir/worked.hb, tests/golden/ir_verify/ok.ir
# with two outputs, cpu/rows_nets.py's uniform conv tiles) compiled to shared libraries for every ISA tier (--cpu x86-64-v2,
# v3, v4, native) at -O0 and -O3 and run through dlopen (cpu/so_run.c) with batch 1 and
# 7, 1 and 2 threads, must equal `hbnnc --run`: integers bit for bit, floats within
# 1e-5 relative. Then: the header compiles as C99 and C++, API misuse returns the
# documented codes (under ASan), the library needs only libc/libm/libpthread, the native
# object uses vpopcntq, rebuilds are byte-identical and a failed link leaves nothing.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$s" && mkdir -p "$s"
# cpu_setup, same A B, outspec LIB.h NAME: the shared helpers.
. "$here/cpu/compare.sh"
cpu_setup "$s"
pass=0

# check SRC NAME IN.npy [hbnnc args...]: every tier, -O0/-O3, batch 1/7, 1/2 threads.
check() {
    local src=$1 name=$2 in=$3
    shift 3
    "$hbnnc" "$src" "$@" --run "$in" > "$s/$name.want"
    for cpu in x86-64-v2 x86-64-v3 x86-64-v4 native; do
        for opt in $(e2e_opts 0 3); do
            "$hbnnc" "$src" "$@" --cpu "$cpu" -O$opt -o "$s/$name.so"
            for bt in "1 1" "7 2"; do
                # shellcheck disable=SC2046
                "$s/so_run" "$s/$name.so" "$name" "$in" $bt $(outspec "$s/$name.h" "$name") \
                    > "$s/$name.got"
                if ! same "$s/$name.want" "$s/$name.got"; then
                    echo "FAIL: $name --cpu $cpu -O$opt batch/threads $bt"
                    exit 1
                fi
            done
        done
    done
    pass=$((pass + 1))
}

check "$root/examples/digits/digits.hb" digits "$root/examples/digits/test_x.npy"
check "$root/tests/golden/ir/worked.hb" worked "$root/tests/golden/ir/onehot.npy"
"$s/so_run" --rand-npy 9 4 7 "$s/ok_in.npy"
check "$root/tests/golden/ir_verify/ok.ir" t "$s/ok_in.npy"
# Uniform tiles of E >= 4 columns that reach the row's edges store transposed rows (pair
# sums of one and two planes, fcomb floats), each column with its own padded-tap count.
"$py" "$here/cpu/rows_nets.py" "$s" "${HBNN_SEED:-5}"
check "$s/rows.ir" rows "$s/rows.npy"
# The ops PyTorch users write (float paths: sigmoid, tanh, gelu, leaky_relu, ceil-mode and
# padded pools, mul broadcasting in a squeeze-excitation block).
for net in activations:activations pools:pools squeeze_excitation:se; do
    check "$root/tests/e2e/ops/${net%:*}.hb" "${net#*:}" "$root/tests/e2e/ops/${net%:*}.in.npy"
done

# The header: C99 and C++ with every warning; the API's error codes under ASan.
"$hbnnc" "$root/examples/digits/digits.hb" -o "$s/digits.so"
cc -std=c99 -Wall -Wextra -Wpedantic -Werror -fsanitize=address -I"$s" \
    -o "$s/api_misuse" "$here/cpu/api_misuse.c" "$s/digits.so" -Wl,-rpath,"$s"
c++ -Wall -Wextra -Werror -x c++ -I"$s" -o "$s/api_misuse_cxx" "$here/cpu/api_misuse.c" -x none \
    "$s/digits.so" -Wl,-rpath,"$s"
"$s/api_misuse"
"$s/api_misuse_cxx"
pass=$((pass + 1))

# The examples' C and Python (ctypes) programs classify 354 of the 360 test images, as
# the interpreter does (digits.sh pins its predictions).
cc -std=c99 -O2 -Wall -Wextra -Werror -I"$s" -o "$s/run_digits" "$root/examples/digits/run_digits.c" \
    "$s/digits.so" -Wl,-rpath,"$s"
"$s/run_digits" "$root/examples/digits/test_x.npy" "$root/examples/digits/test_y.npy" 2 > "$s/c.txt"
grep -q "354 / 360" "$s/c.txt"
for py in /usr/bin/python3 python3; do
    command -v "$py" > /dev/null || continue
    "$py" "$root/examples/digits/run_digits.py" "$s/digits.so" "$root/examples/digits/test_x.npy" \
        "$root/examples/digits/test_y.npy" 2 > "$s/py.txt"
    grep -q "354 / 360" "$s/py.txt"
done
pass=$((pass + 1))

# Only libc, libm, libpthread (and the dynamic loader).
if readelf -d "$s/digits.so" | grep NEEDED | grep -v -E '\[(libc|libm|libpthread)\.so\.[0-9]+\]'; then
    echo "FAIL: unexpected library dependency"
    exit 1
fi
pass=$((pass + 1))

# The soname is the output's base name, verbatim even with a comma (cc's -Wl, would
# split it) and a space.
"$hbnnc" "$root/examples/digits/digits.hb" -o "$s/a,b c.so"
readelf -d "$s/a,b c.so" | grep -q 'Library soname: \[a,b c\.so\]' || {
    echo "FAIL: soname of 'a,b c.so'"; readelf -d "$s/a,b c.so" | grep SONAME; exit 1; }
pass=$((pass + 1))

# The native object uses AVX-512 VPOPCNTDQ when this machine has it.
if grep -q "avx512_\?vpopcntdq" /proc/cpuinfo; then
    "$hbnnc" "$root/examples/digits/digits.hb" --emit obj -o "$s/native.o"
    objdump -d "$s/native.o" > "$s/native.dis"
    grep -q vpopcntq "$s/native.dis" || { echo "FAIL: no vpopcntq in the native object"; exit 1; }
    pass=$((pass + 1))
fi

# Byte-identical rebuilds (.so, header, object, assembly), from another directory too.
mkdir -p "$s/again"
"$hbnnc" "$root/examples/digits/digits.hb" -o "$s/again/digits.so"
cmp "$s/digits.so" "$s/again/digits.so"
cmp "$s/digits.h" "$s/again/digits.h"
"$hbnnc" "$root/examples/digits/digits.hb" --emit obj -o "$s/again/native.o"
"$hbnnc" "$root/examples/digits/digits.hb" --emit obj -o "$s/again/native2.o"
cmp "$s/again/native.o" "$s/again/native2.o"
if strings "$s/digits.so" | grep -q -e "$s" -e "$root"; then
    echo "FAIL: a build path in the library"
    exit 1
fi
pass=$((pass + 1))

# A failed link leaves no output (and an existing one untouched).
if CC=false "$hbnnc" "$root/examples/digits/digits.hb" -o "$s/fail/x.so" 2> /dev/null; then
    echo "FAIL: a failing linker was not reported"
    exit 1
fi
mkdir -p "$s/fail"
if CC=false "$hbnnc" "$root/examples/digits/digits.hb" -o "$s/fail/x.so" 2> "$s/fail.err"; then
    echo "FAIL: a failing linker was not reported"
    exit 1
fi
grep -q "linker" "$s/fail.err"
test -z "$(ls -A "$s/fail")" || { echo "FAIL: partial output left:"; ls "$s/fail"; exit 1; }
cp "$s/digits.so" "$s/fail/keep.so"
CC=false "$hbnnc" "$root/examples/digits/digits.hb" -o "$s/fail/keep.so" 2> /dev/null && exit 1
cmp "$s/digits.so" "$s/fail/keep.so"
test ! -e "$s/fail/keep.h"
pass=$((pass + 1))

# A FIFO as the output: the library is linked aside and streamed into it.
mkfifo "$s/lib.fifo"
cat "$s/lib.fifo" > "$s/from_fifo.so" &
"$hbnnc" "$root/examples/digits/digits.hb" -o "$s/lib.fifo"
wait
"$s/so_run" "$s/from_fifo.so" digits "$root/examples/digits/test_x.npy" 7 1 10 > "$s/fifo.got"
same "$s/digits.want" "$s/fifo.got"
pass=$((pass + 1))

# --emit llvm / asm / header write those forms.
"$hbnnc" "$root/examples/digits/digits.hb" --emit llvm -o "$s/d.ll"
grep -q "define.*@digits_run" "$s/d.ll"
"$hbnnc" "$root/examples/digits/digits.hb" --emit asm -o "$s/d.s"
grep -q "digits_create" "$s/d.s"
"$hbnnc" "$root/examples/digits/digits.hb" --emit header > "$s/d.h"
grep -q "digits_ctx \*digits_create(int threads);" "$s/d.h"
pass=$((pass + 1))
echo "cpu_backend: $pass passed, 0 failed"
