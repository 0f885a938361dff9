hbnn 0.1
block blk(c: int, act: act = sign) {
    conv: conv2d(c) weights int 8
          act
}
network n {
    input x: f32[3, 8, 8]
    b: blk(4, act=rleu)
}
