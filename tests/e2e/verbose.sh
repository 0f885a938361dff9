#!/usr/bin/env bash
# verbose.sh HBNNC SCRATCH: `hbnnc -v` prints one row per stage the compilation ran,
# in order, and a total with the peak resident memory; without -v stderr stays empty.
# (The numbers themselves are measurements for bench/ and docs/, not checked here.)
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
"$hbnnc" "$ex/digits.hb" -o d.so -v 2> so.err
stages=$(sed -n 's/^hbnnc: \([a-z][a-z ]*[a-z]\)  *[0-9.][0-9.]* .*/\1/p' so.err | paste -sd,)
want="parse,sema,read weights,bind,quantize,lower,cpu backend,llvm ir,llvm optimize,llvm emit,link,total"
[ "$stages" = "$want" ] || { echo "stages: '$stages'"; echo "want:   '$want'"; exit 1; }
grep -q "^hbnnc: total .*(peak resident [0-9.]* MB)" so.err
"$hbnnc" "$ex/digits.hb" --check --verbose 2> check.err
[ "$(sed -n 's/^hbnnc: \([a-z][a-z ]*[a-z]\)  *[0-9.][0-9.]* .*/\1/p' check.err | paste -sd,)" = \
  "parse,sema,read weights,bind,quantize,total" ]
"$hbnnc" "$ex/digits.hb" --check 2> quiet.err
test ! -s quiet.err
echo "verbose: ok"
