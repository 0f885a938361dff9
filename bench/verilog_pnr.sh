#!/usr/bin/env bash
# verilog_pnr.sh DIR [hx8k|up5k]: synthesize and place-and-route a directory written by
# `hbnnc NET --target verilog` on an iCE40 (yosys synth_ice40, nextpnr-ice40), printing
# LUT4 / carry / FF / BRAM counts, the placed logic cells and nextpnr's Fmax. The top's
# one-frame beats are hundreds of bits wide (more than the package's pins), so the design
# is placed inside pnr_wrap: bytes in (a shift register), bytes out (a mux over the
# held output beat). Run by hand (minutes), not by ctest; the numbers go to docs/fpga.md.
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
design=$(ls *.v | grep -v '^tb_\|^pnr_wrap' | tr '\n' ' ')
iw=$(sed -n 's/.*"input": .*"tdata_bits": \([0-9]*\).*/\1/p' *_manifest.json)
ow=$(sed -n 's/.*"output": .*"tdata_bits": \([0-9]*\).*/\1/p' *_manifest.json)
cat > pnr_wrap.v <<V
module pnr_wrap (input wire aclk, input wire aresetn,
    input wire [7:0] s_tdata, input wire s_tvalid, output wire s_tready,
    output wire [7:0] m_tdata, output wire m_tvalid, input wire m_tready);
    reg [$iw-1:0] ibuf;
    reg [15:0] icnt, ocnt;
    reg ifull;
    wire tready, tv, tl;
    wire [$ow-1:0] td;
    assign s_tready = !ifull;
    always @(posedge aclk)
        if (!aresetn) begin icnt <= 0; ifull <= 0; ocnt <= 0; end else begin
            if (s_tvalid && !ifull) begin
                ibuf <= {s_tdata, ibuf[$iw-1:8]};
                if (icnt == $iw / 8 - 1) begin icnt <= 0; ifull <= 1; end else icnt <= icnt + 1;
            end
            if (ifull && tready) ifull <= 0;
            if (tv && m_tready) ocnt <= (ocnt == $ow / 8 - 1) ? 0 : ocnt + 1;
        end
    $top u (.aclk(aclk), .aresetn(aresetn), .s_axis_tdata(ibuf), .s_axis_tvalid(ifull),
        .s_axis_tready(tready), .m_axis_tdata(td), .m_axis_tvalid(tv),
        .m_axis_tready(m_tready && ocnt == $ow / 8 - 1), .m_axis_tlast(tl));
    assign m_tdata = td[ocnt * 8 +: 8];
    assign m_tvalid = tv;
endmodule
V
yosys -q -l yosys.log -p "read_verilog $design pnr_wrap.v; synth_ice40 -top pnr_wrap -json $top.json; tee -q -o area.txt stat" > /dev/null
grep -E 'SB_LUT4|SB_CARRY|SB_DFF|SB_RAM40_4K|Number of cells' area.txt | tail -12
nextpnr-ice40 --$dev --package $pkg --json $top.json --asc $top.asc --freq 30 \
    --timing-allow-fail --seed 1 > nextpnr.log 2>&1 || { tail -20 nextpnr.log; exit 1; }
grep -E 'ICESTORM_LC|ICESTORM_RAM|Max frequency' nextpnr.log | tail -4
