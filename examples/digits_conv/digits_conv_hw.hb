hbnn 0.1
# digits_conv_hw.hb: a small binarized CNN on the 8x8 digits, static for hardware
# (`hbnnc digits_conv_hw.hb --target verilog`): u8 pixels 0..16 (scale 1/16: an integer input feeds an unpadded conv), two 3x3
# convolutions with bit-plane weights, each ending in `sign` (integer thresholds), a 2x2
# bit max-pool (an OR) between them, and a dense classifier. In hardware both
# convolutions and the pool stream pixel by pixel through line buffers (docs/fpga.md,
# "Convolutions"); each convolution feeds its windows to a folded unit (`fold`: 1620
# cycles per image, it fits an iCE40 HX8K; without the two conv folds: 65 cycles and
# 22,293 LUT4). Weights: train_conv.py.

weights "digits_conv.safetensors"

network digits_conv_hw {
    input x: u8[1, 8, 8] scale 0.0625                  # pixels 0..16

    c1:  conv2d(8, kernel=3x3, pad=valid, bias=false)  weights bits 2   # 8x8 -> 6x6
                     fold pe=2 simd=1                   # 4 x 9 folds per window: 1620 cycles
    bn1: batchnorm
         sign
         maxpool(2)                                     # 6x6 -> 3x3, an OR on bits
    c2:  conv2d(16, kernel=3x3, pad=same, bias=false)  weights bits 1:70% 2:30%
                     fold pe=2 simd=8                   # 8 x 9 folds per window: 756 cycles
    bn2: batchnorm
         sign
         flatten                                        # 16*3*3 = 144
    fc:  dense(10)                                      weights bits 2
                     fold pe=2 simd=16                  # 5 x 9 folds: 49 cycles

    output fc                                           # logits; the class is their argmax
}
