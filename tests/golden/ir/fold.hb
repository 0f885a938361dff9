hbnn 0.1
# `fold pe=P simd=S` on a dense layer (docs/language.md): carried to the IR as the
# bpop_dense attributes pe= simd= (docs/ir.md), read by --target verilog (docs/fpga.md).
weights "worked.safetensors"

network folded {
    input x: f32[8]
    sign
    fc: dense(1, bias=false) weights bits 1:60% 2:40%
        fold pe=1 simd=4
    output fc
}
