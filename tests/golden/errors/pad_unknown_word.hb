hbnn 0.1
network n {
    input x: f32[3, 8, 8]
    c: conv2d(8, pad=sme) weights int 8
}
