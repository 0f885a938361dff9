hbnn 0.1
network n {
    input x: f32[3, 8, 8]
    c1: conv2d(8) weights int 8
    maxpol(2)
}
