hbnn 0.1
network n {
    input x: f32[4]
    input y: f32[4]
    fc: dense(2) weights int 8
}
