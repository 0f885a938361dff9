hbnn 0.1
weights "a\q.safetensors"
network n {
    input x: f32[4]
    fc: dense(2) weights int 8
}
