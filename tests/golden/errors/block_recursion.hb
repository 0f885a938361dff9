hbnn 0.1
block loop(out: int) {
    c: conv2d(out) weights int 8
    inner: loop(out)
}
network n {
    input x: f32[3, 8, 8]
    b: loop(4)
}
