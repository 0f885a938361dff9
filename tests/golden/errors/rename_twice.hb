hbnn 0.1
weights "w.safetensors" {
    fc = "classifier.0"
    fc = "classifier.1"
}
network n {
    input x: f32[4]
    fc: dense(2) weights int 8
}
