hbnn 0.1
# fold applies to dense and conv2d layers only: not to other ops or block calls
block blk(c: int) {
    fc: dense(c) weights bits 1
}
network n {
    input x: f32[1, 8, 8]
    sign
    c1: conv2d(4, kernel=3) weights bits 1 fold pe=2 simd=3
    mp: maxpool(2) fold pe=2
    flatten
    b: blk(8) fold pe=2
    output b
}
