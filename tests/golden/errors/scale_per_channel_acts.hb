hbnn 0.1
network n {
    input x: f32[64]
    fc: dense(10) weights int 8
        quant bits 2 scale per-channel
}
