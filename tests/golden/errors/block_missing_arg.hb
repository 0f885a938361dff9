hbnn 0.1
block blk(out: int, k: int = 3) {
    c: conv2d(out, kernel=k) weights int 8
}
network n {
    input x: f32[3, 8, 8]
    b: blk(k=1)
}
