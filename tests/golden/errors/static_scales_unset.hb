hbnn 0.1
# static activation scales with no source: a warning at --check (lowering refuses it)
network n {
    input x: f32[8]
    fc: dense(8) weights int 8
    q1: quant bits 2 scale static
        quant bits 1 scale static
}
