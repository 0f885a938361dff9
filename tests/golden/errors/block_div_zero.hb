hbnn 0.1
block blk(c: int) {
    conv: conv2d(c / (c - 4)) weights int 8
}
network n {
    input x: f32[3, 8, 8]
    b: blk(4)
}
