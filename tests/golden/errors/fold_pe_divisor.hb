hbnn 0.1
# pe must divide the layer's outputs, simd its inputs (docs/language.md, fold)
network n {
    input x: f32[64]
    sign
    fc1: dense(12) weights bits 1 fold pe=5 simd=8
    fc2: dense(10) weights bits 1 fold pe=2 simd=7
    output fc2
}
