hbnn 0.2
network n {
    input x: f32[4]
    fc: dense(2) weights int 8
}
