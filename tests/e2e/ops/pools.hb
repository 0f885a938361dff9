hbnn 0.1
# ceil_mode and avgpool padding (count_include_pad=True) against PyTorch (gen_ops.py)
network pools {
    input x: f32[2, 7, 9]
    a: maxpool(3, stride=2, ceil_mode=true)
    b: maxpool(2, stride=2, pad=1, ceil_mode=true) from x
    c: avgpool(3, stride=2, pad=1) from x
    d: avgpool(3, stride=2, pad=1, ceil_mode=true) from x
    e: avgpool(2, ceil_mode=true) from x
    f: avgpool(kernel=3x2, stride=2x3, pad=[1, 0]) from x
    output a, b, c, d, e, f
}
