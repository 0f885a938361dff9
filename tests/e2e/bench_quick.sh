#!/usr/bin/env bash
# bench_quick.sh HBNNC SCRATCH: the plumbing of bench/run, without timing anything: the
# variants bench/nets.py derives from examples/mobilenet compile, and the .so that
# bench/netbench loads (dlopen, NAME_create/NAME_run) gives the interpreter's outputs
# (hbnnc --run) on a seeded input, for W1A1, W2A2 (static, calibrated scales) and
# 1.4/1.4 channel (heterogeneous activations: the depthwise pair-sum kernels, the
# per-width kernels, the per-example selection) and 1.4/1 channel (the per-width kernels'
# fused threshold epilogues). Then bench/bench_cpu's modules with each --epilogue.
# Skipped (exit 77) without numpy or the netbench tool beside hbnnc.
set -euo pipefail
hbnnc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
scratch=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
netbench=$(dirname "$hbnnc")/bench/netbench
py=/usr/bin/python3
if ! $py -c 'import numpy' 2> /dev/null || [ ! -x "$netbench" ]; then
    echo "bench_quick: skipped (needs /usr/bin/python3 with numpy and $netbench)"
    exit 77
fi
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
$py "$root/bench/nets.py" weights mobilenet w.safetensors
$py "$root/bench/nets.py" variants mobilenet .
$py "$root/bench/nets.py" inputs mobilenet in.npy 1
$py -c 'import numpy as np; np.load("in.npy").tofile("in.f32")'
# The variants must differ from each other where they should.
grep -q "act=quant bits 2 scale static" mobilenet_w2a2.hb
grep -q "weights bits 1  scale per-channel" mobilenet_w1a1.hb
! grep -q "quant bits" mobilenet_w1a1.hb
grep -q "weights bits 1:70% 2:20% 3:10%  group channel  scale per-channel" mobilenet_w14c.hb
! grep -q "quant bits" mobilenet_w14c.hb
for v in w1a1 w2a2 h14c w14c; do
    cal=()
    [ "$v" = w1a1 ] || cal=(--calibrate in.npy)
    "$hbnnc" "mobilenet_$v.hb" --weights w.safetensors "${cal[@]}" -o "$v.so" --cpu native
    "$hbnnc" "mobilenet_$v.hb" --weights w.safetensors "${cal[@]}" --run in.npy -o "$v.ref.npy"
    elems=$(sed -n 's/^#define mobilenet_v1_050_IN_ELEMS \([0-9]*\)$/\1/p' "$v.h")
    outs=$(sed -n 's/^#define mobilenet_v1_050_OUT_ELEMS \([0-9]*\)$/\1/p' "$v.h")
    "$netbench" "./$v.so" mobilenet_v1_050 "$elems" "$outs" --io in.f32 "$v.out.f32" 1
    $py - "$v" << 'EOF'
import sys
import numpy as np
v = sys.argv[1]
ref = np.load(v + ".ref.npy").astype(np.float32).reshape(-1)
out = np.fromfile(v + ".out.f32", "<f4")
assert out.shape == ref.shape, (out.shape, ref.shape)
err = np.abs(out - ref).max() / max(np.abs(ref).max(), 1e-30)
assert err <= 1e-5 and out.argmax() == ref.argmax(), (v, err, out, ref)
print("bench_quick: %s .so = --run (max rel. error %.2g)" % (v, err))
EOF
done

# bench_cpu's one-layer modules (bench/bench_cpu.c) on its 512x7x7 shape, with each
# epilogue: the six cases verify, compile and run; bad arguments are refused; each
# one-bpop library it keeps (BENCH_CPU_KEEP: the odd lines, l1 before l2) gives
# `hbnnc --run` of its IR (pair sums as int32; ±1 levels and fcomb floats as float32).
bench_cpu=$(dirname "$hbnnc")/bench/bench_cpu
if "$bench_cpu" 1 512x7x7 --epilogue=nope 2> bad.err; then
    echo "FAIL: bench_cpu accepted --epilogue=nope"
    exit 1
fi
grep -q -- "--epilogue=threshold|fcomb|pairs, not 'nope'" bad.err
# a shape filter that matches nothing, an unknown option, bad threads: refused, not ignored
for args in "1 nosuch" "1 512x7x7 --pairs" "0" "1 512x7x7 extra"; do
    # shellcheck disable=SC2086
    if "$bench_cpu" $args > bad.out 2> bad.err; then
        echo "FAIL: bench_cpu accepted '$args'"
        exit 1
    fi
    test ! -s bad.out
    grep -q "^bench_cpu: " bad.err
done
! "$bench_cpu" 1 nosuch 2> bad.err
grep -q "^  conv 512x7x7 3x3$" bad.err # (the shapes are listed)
$py -c 'import numpy as np
x = np.random.default_rng(3).uniform(-1, 1, (1, 512, 7, 7)).astype(np.float32)
np.save("c.npy", x); x.tofile("c.f32")'
for e in threshold fcomb pairs; do
    BENCH_CPU_KEEP=1 "$bench_cpu" 1 512x7x7 --epilogue=$e > "bc_$e.txt" 2> "bc_$e.err"
    test "$(grep -c '^conv 512x7x7 3x3 ' "bc_$e.txt")" = 6
    grep -q "epilogue $e\$" "bc_$e.txt"
    sed -n 's/^bench_cpu: kept //p' "bc_$e.err" > kept.txt
    test "$(wc -l < kept.txt)" = 12
    n=0
    while read -r so; do
        n=$((n + 1))
        if [ $((n % 2)) = 1 ]; then
            outs=$(sed -n 's/^#define bench_OUT_ELEMS \([0-9]*\)$/\1/p' "${so%.so}.h")
            "$hbnnc" "${so%.so}.ir" --run c.npy -o ref.npy
            "$netbench" "$so" bench 25088 "$outs" --io c.f32 out.bin 1
            $py - "$e" << 'EOF'
import sys
import numpy as np
ref = np.load("ref.npy").astype(np.float32).reshape(-1)
out = np.fromfile("out.bin", "<i4" if sys.argv[1] == "pairs" else "<f4").astype(np.float32)
err = np.abs(out - ref).max() / max(np.abs(ref).max(), 1e-30)
assert out.shape == ref.shape and err <= (1e-5 if sys.argv[1] == "fcomb" else 0), (err,)
EOF
        fi
        rm -f "$so" "${so%.so}.h" "${so%.so}.ir"
    done < kept.txt
    echo "bench_quick: bench_cpu --epilogue=$e: 6 cases, their one-bpop libraries = --run"
done
