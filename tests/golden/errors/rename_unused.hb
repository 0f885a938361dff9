hbnn 0.1
weights "w.safetensors" {
    stem = "features.0"
}
network n {
    input x: f32[4]
    fc: dense(2) weights int 8
}
