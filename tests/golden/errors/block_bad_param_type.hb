hbnn 0.1
block blk(out: integer) {
    c: conv2d(out) weights int 8
}
network n {
    input x: f32[3, 8, 8]
    b: blk(4)
}
