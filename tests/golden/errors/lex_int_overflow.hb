hbnn 0.1
network n {
    input x: f32[64]
    fc1: dense(99999999999999999999999)
}
