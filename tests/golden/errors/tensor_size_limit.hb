hbnn 0.1
# tensors over 2^31 elements, reported by --check at the layer that makes them
network m {
    input x: f32[64, 4096, 4096]
    c: conv2d(256, kernel=3) weights int 8
    v: avgpool(global) from x
    flatten
    fc: dense(16777216) weights int 8
    fc2: dense(256) weights int 8
}
