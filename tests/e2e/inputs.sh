#!/usr/bin/env bash
# inputs.sh HBNNC SCRATCH: --run and --calibrate take float32, float64 and float16 .npy
# inputs (the last two converted, with one note per file) and give the same outputs
# for the same values; an integer array is a clear error (exit 1).
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
# Three images with small integer pixel values (exact in every float type), and int64.
/usr/bin/python3 - <<'PY'
import struct
def npy(name, descr, fmt, vals):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (3, 64), }" % descr
    hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
    with open(name, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack("<%d%s" % (len(vals), fmt), *vals))
vals = [float((i * 7) % 17) for i in range(192)]
npy("f32.npy", "<f4", "f", vals)
npy("f64.npy", "<f8", "d", vals)
npy("f16.npy", "<f2", "e", vals)
npy("i64.npy", "<i8", "q", [int(v) for v in vals])
PY
"$hbnnc" "$ex/digits.hb" --run f32.npy > f32.out 2> f32.err
test ! -s f32.err
for t in f64 f16; do
    "$hbnnc" "$ex/digits.hb" --run $t.npy > $t.out 2> $t.err
    cmp -s f32.out $t.out || { echo "FAIL: --run $t.npy differs from float32"; exit 1; }
    test "$(grep -c "note: float${t#f} input converted to float32" $t.err)" = 1 ||
        { echo "FAIL: $t note: $(cat $t.err)"; exit 1; }
    "$hbnnc" "$ex/digits.hb" --calibrate $t.npy --check 2> cal.err
    grep -q "$t.npy: note: float${t#f} input converted" cal.err || { echo "FAIL: --calibrate $t"; exit 1; }
done
set +e
"$hbnnc" "$ex/digits.hb" --run i64.npy > /dev/null 2> i64.err
rc=$?
set -e
test "$rc" = 1 || { echo "FAIL: an int64 input exited $rc"; exit 1; }
grep -q "i64.npy: error: the array holds integers (descr '<i8'); inputs are floating-point" i64.err
echo "inputs: 6 passed, 0 failed"
