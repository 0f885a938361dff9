#!/usr/bin/env bash
# verilog_pnr.sh DIR [hx8k|up5k]: synthesize and place-and-route a directory written by
# `hbnnc NET --target verilog` on an iCE40 (yosys synth_ice40, nextpnr-ice40), printing
# LUT4 / carry / FF / BRAM counts, the placed logic cells and nextpnr's Fmax. Run by
# hand (minutes), not by ctest; the numbers go to docs/fpga.md.
set -euo pipefail
dir=$1
dev=${2:-hx8k}
case $dev in
    hx8k) pkg=ct256 ;;
    up5k) pkg=sg48 ;;
    *) echo "device hx8k or up5k" >&2; exit 2 ;;
esac
cd "$dir"
top=$(ls *_top.v | sed 's/\.v$//')
design=$(ls *.v | grep -v '^tb_' | tr '\n' ' ')
yosys -q -l yosys.log -p "read_verilog $design; synth_ice40 -top $top -json $top.json; tee -q -o area.txt stat" > /dev/null
grep -E 'SB_LUT4|SB_CARRY|SB_DFF|SB_RAM40_4K|Number of cells' area.txt | tail -12
nextpnr-ice40 --$dev --package $pkg --json $top.json --asc $top.asc --freq 30 \
    --timing-allow-fail --seed 1 > nextpnr.log 2>&1 || { tail -20 nextpnr.log; exit 1; }
grep -E 'ICESTORM_LC|ICESTORM_RAM|Max frequency' nextpnr.log | tail -4
