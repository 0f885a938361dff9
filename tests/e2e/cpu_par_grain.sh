#!/usr/bin/env bash
# cpu_par_grain.sh HBNNC SCRATCH: the minimum work per thread (issue 13): an outlined
# kernel goes through hbrt_par (split across idle threads) only when its layer's
# estimated cost gives each thread a share worth a fork and join (llvm_par.c); a tiny
# layer calls its kernel directly. cpu/par_nets.py has two big layers (a float conv
# with a fused sign, a bit-serial conv) and two tiny ones: exactly the big ones' kernels
# are split, on every ISA tier, and the .so equals `hbnnc --run` at batch 1 and 7 with 1
# and 2 threads (batch 1 x 2 threads runs the split kernels on both threads).
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/par_nets.py" "$s" 5 > /dev/null
"$hbnnc" "$s/par.ir" --run "$s/par.npy" > "$s/want"
for cpu in native x86-64-v3 x86-64-v2; do
    "$hbnnc" "$s/par.ir" --kernel bitserial --cpu "$cpu" --emit llvm -o "$s/par.ll"
    # the kernels handed to hbrt_par: the big conv2d (%big = value 1) and bpop (%bp = 3)
    got=$(grep -o 'call void @hbrt_par(ptr [^,]*, ptr nonnull @[a-z]*\.[0-9]*' "$s/par.ll" |
        sed 's/.*@//' | sort | tr '\n' ' ')
    if [ "$got" != "bpop.3 fconvs.1 " ]; then
        echo "FAIL: --cpu $cpu splits [$got], expected [bpop.3 fconvs.1 ]"
        exit 1
    fi
    "$hbnnc" "$s/par.ir" --kernel bitserial --cpu "$cpu" -O"$(e2e_opts 3)" -o "$s/par.so"
    for bt in "1 1" "1 2" "7 2"; do
        # shellcheck disable=SC2046,SC2086
        "$s/so_run" "$s/par.so" par "$s/par.npy" $bt $(outspec "$s/par.h" par) > "$s/got"
        if ! same "$s/want" "$s/got" | head -n 5; then
            echo "FAIL: --cpu $cpu batch/threads $bt"
            exit 1
        fi
    done
done
echo "cpu_par_grain: big layers split, tiny ones not, results equal the interpreter"
