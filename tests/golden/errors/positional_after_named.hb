hbnn 0.1
network n {
    input x: f32[3, 8, 8]
    c: conv2d(kernel=3, 8) weights int 8
}
