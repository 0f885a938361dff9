#!/usr/bin/env bash
# verilog_report.sh HBNNC SCRATCH: hbnnc --target verilog --report area|timing. On a tiny
# random network (two dense units): the area report has yosys counts for every layer
# module and a total equal to yosys's own `stat -json` design total (read here
# independently), next to an analytic estimate within 2x; synth_xilinx (--fpga xc7) too.
# Timing on an UP5K routes and reports an Fmax; a design too large for an HX1K is not
# placed and the report says by how much. A missing tool names its Debian package;
# misused options are usage errors (exit 2).
set -euo pipefail
hbnnc=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
for tool in yosys nextpnr-ice40; do
    command -v $tool > /dev/null || { echo "SKIP: $tool not installed (scripts/setup)"; exit 77; }
done
py=/usr/bin/python3
[ -x $py ] || py=python3
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
fail=0
python3 "$here/verilog_ir.py" 1 'in:16-d:8:1-d:4:2:0.3' > net.ir
"$hbnnc" net.ir --target verilog -o area --report area > area.txt
cat area.txt
grep -q '^hbnnc: area (synth_ice40, iCE40 HX8K (ct256)): [0-9]* LUT' area.txt || { echo "FAIL: summary"; fail=1; }
check_area() { # DIR: per-module numbers, total = yosys's design stat, estimate within 2x
    $py - "$1" << 'EOF'
import json, sys
d = sys.argv[1]
rep = json.load(open(d + '/rnd1_report.json'))['area']
ys = json.load(open(d + '/rnd1_area.json'))
cells = ys['design']['num_cells_by_type']
lut = sum(v for k, v in cells.items() if k == 'SB_LUT4' or (k.startswith('LUT') and len(k) == 4))
ff = sum(v for k, v in cells.items() if k.startswith('SB_DFF') or k.startswith('FD'))
assert rep['total']['lut'] == lut and rep['total']['ff'] == ff, (rep['total'], lut, ff)
mods = rep['layers']
assert [m['module'] for m in mods] == ['rnd1_l0_l1', 'rnd1_l1_l2'], mods
assert all(m['yosys']['lut'] > 0 and m['yosys']['ff'] > 0 for m in mods), mods
if rep['synth'] == 'synth_ice40':  # the top has no cells of its own
    assert sum(m['yosys']['lut'] for m in mods) == lut, (mods, lut)
    assert 0.5 <= rep['estimate_total']['lut'] / lut <= 2, rep
print('%s: %d LUT, %d FF (yosys design total); estimate %d LUT' % (rep['synth'], lut, ff, rep['estimate_total']['lut']))
EOF
}
check_area area || { echo "FAIL: area report"; fail=1; }
grep -q '^| \*\*total\*\* ' area/rnd1_report.md || { echo "FAIL: markdown total"; fail=1; }
"$hbnnc" net.ir --target verilog -o xc7 --report area --fpga xc7 > /dev/null
check_area xc7 || { echo "FAIL: xc7 area report"; fail=1; }
# Timing: routed on an UP5K, an Fmax in the summary and the JSON.
"$hbnnc" net.ir --target verilog -o timing --report timing --fpga up5k > timing.txt
cat timing.txt
grep -q '^hbnnc: timing (nextpnr-ice40, iCE40 UP5K (sg48)): Fmax [0-9.]* MHz' timing.txt ||
    { echo "FAIL: timing summary"; fail=1; }
$py -c "
import json; t = json.load(open('timing/rnd1_report.json'))['timing']
assert t['fits'] and 5 < t['fmax_mhz'] < 1000 and 0 < t['logic_cells'] <= 5280, t" ||
    { echo "FAIL: timing report"; fail=1; }
[ -s timing/nextpnr.log ] && [ -s timing/rnd1_fmax.v ] || { echo "FAIL: timing files"; fail=1; }
# Too large for an HX1K (1280 cells): not placed, the report says by how much.
python3 "$here/verilog_ir.py" 2 'in:48-d:16:1-end:dequant' > big.ir
"$hbnnc" big.ir --target verilog -o big --report timing --fpga hx1k > big.txt
cat big.txt
grep -q 'does not fit: it needs at least [0-9]* logic cells .* has 1280: [0-9.]*x too large' big.txt ||
    { echo "FAIL: does-not-fit message"; fail=1; }
# A missing tool names its package (the design is still written); misused options.
if PATH=/nonexistent "$hbnnc" net.ir --target verilog -o notool --report area 2> notool.txt; then fail=1; fi
grep -q "needs 'yosys', which is not on PATH" notool.txt && grep -q "Debian package 'yosys'" notool.txt ||
    { echo "FAIL: missing tool"; cat notool.txt; fail=1; }
usage() { # expected message, then arguments
    local want=$1 rc=0
    shift
    "$hbnnc" net.ir "$@" 2> usage.txt > /dev/null || rc=$?
    [ $rc -eq 2 ] && grep -q -- "$want" usage.txt || { echo "FAIL: $* gave $rc"; cat usage.txt; fail=1; }
}
usage '--report needs --target verilog' --report area
usage 'choose an iCE40 part' --target verilog -o u --report timing --fpga xc7
usage "unknown --fpga part 'ecp5'" --target verilog -o u --report area --fpga ecp5
usage "unknown --report kind 'power'" --target verilog -o u --report area,power
usage '--fpga chooses the part' --target verilog -o u --fpga up5k
[ $fail -eq 0 ] && echo "verilog_report: 0 failed"
exit $fail
