hbnn 0.1
network n {
    input x: f32[3, 8, 8]
    c: conv2d(8) weights int 8
    fc: dense(10) weights int 8
}
