hbnn 0.1
# fold on a conv: pe divides the output channels, simd the window's C*kh*kw elements;
# a grouped conv cannot be folded (the folded unit shares one window over all outputs)
network n {
    input x: f32[4, 8, 8]
    sign
    c1: conv2d(6, kernel=3) weights bits 1 fold pe=4 simd=5
    sign
    c2: conv2d(4, kernel=3, groups=2) weights bits 1 fold pe=2 simd=2
    output c2
}
