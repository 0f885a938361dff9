hbnn 0.1
network n {
    input x: f32[64]
    fc1: dense(10) $ weights int 8
}
