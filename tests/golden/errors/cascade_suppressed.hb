hbnn 0.1
network n {
    input x: f32[64]
    c: conv2d(8) weights int 8
    b: batchnorm
       flatten
    fc: dense(10) weights int 8
        argmax
}
