hbnn 0.1
# mobilenet.hb: MobileNet-v1 with width multiplier 0.5, 96x96 input, 10 classes,
# written as the paper's table. Weights: pass --weights; export.py writes seeded ones.
import std

network mobilenet_v1_050 {
    input x: f32[3, 96, 96]

    defaults          { weights bits 1:70% 2:20% 3:10%  select middle-out  scale per-channel }
    defaults dwconv2d { weights bits 2 }         # a 3x3 depthwise filter has only 9 weights

    stem:    conv2d(16, kernel=3x3, stride=2, pad=1, bias=false)   weights int 8   # 96 -> 48
    stem_bn: batchnorm
             relu

    #    block                   out   stride                            output
    b1:  std.dw_separable(        32)                                  # 48x48
    b2:  std.dw_separable(        64,  stride=2)                       # 24x24
    b3:  std.dw_separable(        64)
    b4:  std.dw_separable(       128,  stride=2)                       # 12x12
    b5:  std.dw_separable(       128)
    b6:  std.dw_separable(       256,  stride=2)                       #  6x6
    b7:  std.dw_separable(       256)
    b8:  std.dw_separable(       256)
    b9:  std.dw_separable(       256)
    b10: std.dw_separable(       256)
    b11: std.dw_separable(       256)
    b12: std.dw_separable(       512,  stride=2)                       #  3x3
    b13: std.dw_separable(       512,  act=relu, wpw=int 8)            # keep the last block richer

         avgpool(global)                                               # 512x1x1
         flatten
    fc:  dense(10)   weights int 8
    probs: softmax
}
