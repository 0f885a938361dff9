hbnn 0.1
network n {
    input x: f32[3, 8, 8]
    c1: conv2d(64, kernel=3x3, stirde=2, pad=same) weights int 8
}
