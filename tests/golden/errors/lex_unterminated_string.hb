hbnn 0.1
weights "digits.safetensors
network n {
    input x: f32[4]
}
