hbnn 0.1
# an argument over the limit names the limit
network n {
    input x: f32[3, 8, 8]
    c: conv2d(20000000) weights int 8
}
