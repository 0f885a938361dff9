hbnn 0.1
network n {
    input x: f32[4] scale 0.5
    fc: dense(2)
    output fc
}
