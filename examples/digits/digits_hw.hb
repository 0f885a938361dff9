hbnn 0.1
# digits_hw.hb: the digits MLP (digits.hb, same trained weights) made static for
# hardware (`hbnnc digits_hw.hb --target verilog`): the input is the raw pixels 0..16
# as u8 (scale 1/16 gives digits.hb's 0..1), every layer has bit-plane weights, and
# every hidden layer ends in `sign`, so lowering folds it into integer thresholds.
# The stream returns fc3's integer plane-pair sums; the host combines them (fcomb).
# `fold` makes each layer a folded matrix-vector unit (docs/fpga.md): 1036 cycles per
# image, and the design places on an iCE40 HX8K (docs/fpga.md has the numbers).

weights "digits.safetensors"

network digits_hw {
    input x: u8[64] scale 0.0625                # pixels 0..16

    fc1: dense(128)  weights bits 2             # 8 input planes x 2 weight planes
                     fold pe=1 simd=8           # 128 x 8 folds
    bn1: batchnorm
         sign

    fc2: dense(64)   weights bits 1:70% 2:20% 3:10%   # 1.4 bits on average
                     select middle-out
                     fold pe=1 simd=8           # 64 x 16 folds
    bn2: batchnorm
         sign

    fc3: dense(10)   weights bits 2
                     fold pe=1 simd=1           # 10 x 64 folds

    output fc3                                  # logits; the class is their argmax
}
