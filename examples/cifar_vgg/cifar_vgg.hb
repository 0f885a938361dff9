hbnn 0.1
# cifar_vgg.hb: a small VGG-style CIFAR-10 CNN: 6 convolutions, 3 poolings, one
# classifier. Input 3x32x32, 10 classes. PyTorch modules: c1, b1, then s1..s5 each
# with .conv and .bn, then fc. Weights: pass --weights; export.py writes seeded ones.

# A local block; std.conv_bn_act does the same thing.
block cbs(out: int, w: quant = inherit) {
    conv: conv2d(out, kernel=3x3, pad=same, bias=false)   weights w
    bn:   batchnorm
          sign
}

network cifar_vgg {
    input x: f32[3, 32, 32]

    defaults conv2d { weights bits 1:70% 2:20% 3:10%  select middle-out  scale per-channel }

    c1: conv2d(64, kernel=3x3, pad=same)   weights int 8    # first conv at 8 bits
    b1: batchnorm
        sign

    s1: cbs(64)
        maxpool(2)                                          # 32 -> 16
    s2: cbs(128)
    s3: cbs(128)
        maxpool(2)                                          # 16 -> 8
    s4: cbs(256, w = bits 1:50% 2:50%)                      # widest layer: more precision
    s5: cbs(256)
        maxpool(2)                                          # 8 -> 4
        flatten                                             # 256*4*4 = 4096, C,H,W order

    fc: dense(10)   weights int 8
}
