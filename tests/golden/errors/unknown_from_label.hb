hbnn 0.1
network n {
    input x: f32[64]
    fc1: dense(32) weights int 8
    fc2: dense(10) from fc3 weights int 8
}
