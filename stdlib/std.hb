hbnn 0.1
# std.hb: the standard blocks, loaded by `import std` and used as std.NAME.
# Labels inside a block become weight-name components, exactly like a PyTorch
# state_dict: instance `b1` of dw_separable binds b1.dw.weight, b1.dw_bn.running_var, ...
# `w`-style quant parameters default to `inherit`: the network's defaults decide.

# conv -> batch norm -> activation. Tensors: conv.weight, bn.*
block conv_bn_act(out: int, k: int = 3, stride: int = 1, act: act = sign, w: quant = inherit) {
    conv: conv2d(out, kernel=k, stride=stride, pad=same, bias=false)  weights w
    bn:   batchnorm
          act
}

# MobileNet-v1 depthwise-separable unit: 3x3 depthwise, then 1x1 pointwise.
block dw_separable(out: int, stride: int = 1, act: act = sign,
                   wdw: quant = inherit, wpw: quant = inherit) {
    dw:    dwconv2d(kernel=3x3, stride=stride, pad=1, bias=false)     weights wdw
    dw_bn: batchnorm
           act
    pw:    conv2d(out, kernel=1x1, bias=false)                        weights wpw
    pw_bn: batchnorm
           act
}

# ResNet basic unit with an identity shortcut (input and output have `ch` channels).
block residual(ch: int, act: act = sign, w: quant = inherit) {
    c1: conv2d(ch, kernel=3x3, pad=1, bias=false)  weights w
    b1: batchnorm
        act
    c2: conv2d(ch, kernel=3x3, pad=1, bias=false)  weights w
    b2: batchnorm
        add(in, prev)
        act
}

# ResNet basic unit that changes resolution and/or width, with a projection shortcut.
# The 1x1 shortcut conv is quantized by `wsc` (default int 8: it carries the whole
# signal of the block, so it stays wide unless you say otherwise, e.g. wsc = bits 2).
block residual_down(ch: int, stride: int = 2, act: act = sign, w: quant = inherit,
                    wsc: quant = int 8) {
    c1: conv2d(ch, kernel=3x3, stride=stride, pad=1, bias=false)  weights w
    b1: batchnorm
        act
    c2: conv2d(ch, kernel=3x3, pad=1, bias=false)                 weights w
    b2: batchnorm
    sc: conv2d(ch, kernel=1x1, stride=stride, bias=false) from in  weights wsc
    sb: batchnorm
        add(b2, sb)
        act
}
