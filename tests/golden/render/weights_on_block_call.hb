hbnn 0.1
block blk(c: int, w: quant = inherit) {
    conv: conv2d(c) weights w
}
network n {
    input x: f32[3, 8, 8]
    b: blk(4) weights bits 2
}
