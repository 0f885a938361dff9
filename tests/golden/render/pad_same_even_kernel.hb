hbnn 0.1
network n {
    input x: f32[3, 8, 8]
    c: conv2d(8, kernel=2x2, pad=same) weights int 8
}
