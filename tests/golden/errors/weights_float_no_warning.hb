hbnn 0.1
# every layer says `weights float` (a float baseline): no "nothing is quantized" warning
network n {
    input x: f32[8]
    fc1: dense(8) weights float
         relu
    fc2: dense(2) weights float
}
