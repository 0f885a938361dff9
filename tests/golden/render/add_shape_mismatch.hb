hbnn 0.1
network n {
    input x: f32[3, 8, 8]
    a: conv2d(8) weights int 8
    b: conv2d(16, stride=2) from x weights int 8
       add(a, b)
}
