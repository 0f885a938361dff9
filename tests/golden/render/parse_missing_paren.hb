hbnn 0.1
network n {
    input x: f32[64]
    fc1: dense(128
    fc2: dense(10)
}
