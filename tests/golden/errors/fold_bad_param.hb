hbnn 0.1
# fold takes pe and simd, each once, in one fold clause
network n {
    input x: f32[64]
    sign
    fc1: dense(16) weights bits 1 fold pe=2 lanes=4
    fc2: dense(8) weights bits 1 fold simd=4 simd=8
    fc3: dense(4) weights bits 1 fold pe=2
         fold simd=2
    output fc3
}
