hbnn 0.1
network n {
    input x: f32[64]
    defaults conv2 { weights bits 2 }
    fc: dense(10) weights int 8
}
