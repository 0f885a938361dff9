hbnn 0.1
# Max pool on 2-bit static codes (docs/ir.md §5): %p1 is a bits maxpool of the
# threshold %q1, and the dense layer after it is a bpop_dense with icomb + threshold.
weights "codepool.safetensors"
network codepool {
    input x: u8[3, 6, 6] scale 0.02
    c1: conv2d(4, kernel=3x3, pad=0, bias=false) weights bits 1
    b1: batchnorm
    q1: quant bits 2 scale static
    p1: maxpool(2)
        flatten
    d1: dense(3, bias=false) weights bits 1
    b2: batchnorm
        sign
}
