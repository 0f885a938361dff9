#!/usr/bin/env bash
# cpu_widths_par.sh HBNNC SCRATCH: the per-example width selection split across threads
# (issue 13). At batch 1 on 2 threads the runtime runs middle-out's passes on both
# (hbrt_assign_widths_par -> quant_assign_widths_par, from QUANT_PAR_MIN_N = 32768
# elements). cpu/widths_par.py: two quants of 33792 elements (split; static and runtime
# scales) and one of 16896 (not), dequantized to outputs: the .so equals `hbnnc --run`
# byte for byte at batch 1 and 3 on 1 and 2 threads on every tier, and each generated
# selection call passes the example function's thread context.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/widths_par.py" "$s" "${HBNN_SEED:-3}"
"$hbnnc" "$s/wpar.ir" --run "$s/wpar.npy" > "$s/want"
"$hbnnc" "$s/wpar.ir" --emit llvm -o "$s/wpar.ll"
calls=$(grep -c 'call void @hbrt_assign_widths_par(ptr %[a-z0-9.]*, ' "$s/wpar.ll" || true)
if [ "$calls" != 3 ]; then
    echo "FAIL: $calls selection calls with a context argument, expected 3"
    exit 1
fi
for cpu in native x86-64-v3 x86-64-v2; do
    "$hbnnc" "$s/wpar.ir" --cpu "$cpu" -O"$(e2e_opts 3)" -o "$s/wpar.so"
    for bt in "1 1" "1 2" "3 2"; do
        # shellcheck disable=SC2046,SC2086
        "$s/so_run" "$s/wpar.so" wpar "$s/wpar.npy" $bt $(outspec "$s/wpar.h" wpar) > "$s/got"
        if ! cmp -s "$s/want" "$s/got"; then
            echo "FAIL: --cpu $cpu batch/threads $bt differs from --run"
            exit 1
        fi
    done
done
echo "cpu_widths_par: split and unsplit selections equal the interpreter bit for bit"
