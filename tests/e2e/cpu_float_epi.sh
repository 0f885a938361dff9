#!/usr/bin/env bash
# cpu_float_epi.sh HBNNC SCRATCH: the float conv's sign epilogue (issue 13): a conv2d
# whose result goes only through [batchnorm ->] sign into bit-serial convolutions
# applies the batch norm and sign in its tile and writes their packed input bytes; the
# same for a static quant widths=[K] (1 to 4 planes: its residual per element).
# Random IR networks (cpu/fepi_nets.py) compiled for the native CPU, AVX2 (x86-64-v3)
# and SSE (x86-64-v2) tiers (different tiles) must equal `hbnnc --run` bit for bit (i32
# outputs) at batch 1 and 7, 1 and 2 threads; the generated code has the expected number
# of fused tiles (@fconvs.*), so the test cannot pass by not fusing, and --explain
# reports the same ones (text), with `kind` "float" and the sign in JSON. Fused tiles
# sum in float32 with the exact fix (llvm_float_sign.c: @fsfix.*, "float32" in
# --explain); conv2d -> batchnorm [-> relu] with float outputs (fb_*) fuse the batch
# norm and relu into the tile instead (--explain counts them; floats compared byte for
# byte); the crafted f_cancel* networks make float32 sums decide wrongly, so only the
# error bound and the fix keep them equal to the interpreter.
set -euo pipefail
hbnnc=$1
s=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$s" && mkdir -p "$s"
. "$here/cpu/compare.sh"
cpu_setup "$s"
"$py" "$here/cpu/fepi_nets.py" "$s" "${HBNN_SEED:-13}" > "$s/nets.txt"

declare -A fused=([f_vgg]=1 [f_odd]=1 [f_70]=1 [f_over]=1 [f_nobn]=1 [f_two]=1 [f_grp]=0 [f_bnout]=0
    [f_q2]=1 [f_q3]=1 [f_q1]=1 [f_q4]=1 [f_q2grp]=0 [f_cancel]=1 [f_cancel1]=1
    [f_cancel3]=1 [f_scan]=1 [f_dw]=1 [f_dwq2]=1 [f_dwbig]=1 [fb_relu]=0 [fb_bn]=0 [fb_dw]=0 [fb_two]=0
    [fb_grp]=0)
# float epilogues (conv2d -> batchnorm [-> relu] floats), and of those with the relu
declare -A ffl=([f_bnout]=1 [fb_relu]=1 [fb_bn]=1 [fb_dw]=1 [fb_two]=1) frelu=([fb_relu]=1
    [fb_dw]=1)
# of those, all: summed in float32 with the exact fix (fsfix.N)
declare -A f32=([f_vgg]=1 [f_odd]=1 [f_70]=1 [f_over]=1 [f_nobn]=1 [f_two]=1 [f_q1]=1
    [f_q2]=1 [f_q3]=1 [f_q4]=1 [f_cancel]=1 [f_cancel1]=1 [f_cancel3]=1 [f_scan]=1 [f_dw]=1
    [f_dwq2]=1)
while read -r n; do
    "$hbnnc" "$s/$n.ir" --run "$s/$n.npy" > "$s/$n.want"
    "$hbnnc" "$s/$n.ir" --kernel bitserial --emit llvm -o "$s/$n.ll"
    got=$(grep -c '^define internal .*@fconvs\.' "$s/$n.ll" || true)
    if [ "$got" != "${fused[$n]}" ]; then
        echo "FAIL: $n has $got fused float conv epilogues, expected ${fused[$n]}"
        exit 1
    fi
    # --explain reports the same fusions (g_float_epilogues, the plan's own rule)
    said=$("$hbnnc" "$s/$n.ir" --kernel bitserial --explain |
        grep -c '^    fused epilogue: .*\(sign\|static quant\) in the tile, writes .* packed$' || true)
    if [ "$said" != "${fused[$n]}" ]; then
        echo "FAIL: --explain reports $said fused float conv epilogues for $n, expected ${fused[$n]}"
        exit 1
    fi
    "$hbnnc" "$s/$n.ir" --kernel bitserial --explain > "$s/$n.ex"
    said=$(grep -c '^    fused epilogue: batchnorm\( + relu\)\? in the tile, writes .* as f32$' \
        "$s/$n.ex" || true)
    relu=$(grep -c '^    fused epilogue: batchnorm + relu in the tile' "$s/$n.ex" || true)
    if [ "$said $relu" != "${ffl[$n]:-0} ${frelu[$n]:-0}" ]; then
        echo "FAIL: $n has $said float epilogues ($relu with relu), expected ${ffl[$n]:-0}"
        exit 1
    fi
    got=$(grep -c '^define internal .*@fsfix\.' "$s/$n.ll" || true)
    said=$("$hbnnc" "$s/$n.ir" --kernel bitserial --explain | grep -c ': float, .* float32, each output' ||
        true)
    if [ "$got $said" != "${f32[$n]:-0} ${f32[$n]:-0}" ]; then
        echo "FAIL: $n has $got float32 sign tiles ($said in --explain), expected ${f32[$n]:-0}"
        exit 1
    fi
    tiers_equal "$n" exact
done < "$s/nets.txt"
"$hbnnc" "$s/f_vgg.ir" --kernel bitserial --explain=json | "$py" -c '
import json, sys
f = [c for c in json.load(sys.stdin)["kernels"]["layers"] if c["kind"] == "float"]
assert len(f) == 1 and f[0]["epilogue"] and f[0]["epilogue_bn"] and f[0]["macs"] > 0, f
assert f[0]["sums"] == "f32-checked", f'
echo "cpu_float_epi: $(wc -l < "$s/nets.txt") random networks equal the interpreter"
