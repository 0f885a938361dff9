hbnn 0.1
# `params "layer2"` on s2 is more specific than the rename entry for s2 itself, so that
# entry renames nothing (an error); an entry for a layer inside s2 still applies.
weights "w.safetensors" {
    s2 = "features.2"
    s2.conv = "features.2.0"
}
block cb(out: int) {
    conv: conv2d(out, bias=false) weights int 8
    bn:   batchnorm
}
network n {
    input x: f32[3, 8, 8]
    s2: cb(4) params "layer2"
}
