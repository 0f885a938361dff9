#!/usr/bin/env bash
# install.sh HBNNC SCRATCH: `cmake --install` puts hbnnc, std.hb and the runtime header
# where a user expects them, and the installed binary finds its standard library and the
# runtime archive of the libraries it generates even after the tree is moved.
set -euo pipefail
hbnnc=$1
scratch=$2
build=$(dirname "$hbnnc")
src=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$scratch" && mkdir -p "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" > /dev/null
test -x "$scratch/prefix/bin/hbnnc"
test -f "$scratch/prefix/share/hbnnc/std.hb"
test -f "$scratch/prefix/include/hbnn_runtime.h"
test -f "$scratch/prefix/lib/hbnnc/libhbnn_rt.a"
mv "$scratch/prefix" "$scratch/moved"
"$scratch/moved/bin/hbnnc" "$src/examples/mobilenet/mobilenet.hb" --check
# The moved binary links libraries with its own runtime archive.
"$scratch/moved/bin/hbnnc" "$src/examples/digits/digits.hb" -o "$scratch/digits.so"
test -f "$scratch/digits.so" && test -f "$scratch/digits.h"
# The std.hb it used is the installed one: break the copy and the check must fail.
echo "this is not hbnn" > "$scratch/moved/share/hbnnc/std.hb"
if "$scratch/moved/bin/hbnnc" "$src/examples/mobilenet/mobilenet.hb" --check 2> "$scratch/err"; then
    echo "FAIL: the installed hbnnc did not read its own std.hb"
    exit 1
fi
grep -q "std.hb:1:1: error" "$scratch/err"
echo "install: 1 passed, 0 failed"
