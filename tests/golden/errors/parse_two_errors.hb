hbnn 0.1
network n {
    input x: f32[64]
    fc1: dense(128,, 3)
    fc2: dense(64) weights bits 1:
    fc3: dense(10) weights int 8
}
