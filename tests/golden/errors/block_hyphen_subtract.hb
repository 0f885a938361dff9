hbnn 0.1
block blk(c: int, k: int = 1) {
    conv: conv2d(c-k) weights int 8
}
network n {
    input x: f32[3, 8, 8]
    b: blk(4)
}
