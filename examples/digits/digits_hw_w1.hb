hbnn 0.1
# digits_hw_w1.hb: digits_hw.hb with every layer at 1 bit (same weights, same folds,
# the same cycles per frame): the 1-bit variant placed next to the shipped 2 / 1.4 / 2-bit
# design in docs/fpga.md (`hbnnc digits_hw_w1.hb --target verilog`, then
# bench/verilog_pnr.sh). tests/e2e/verilog_area.sh synthesizes its fc2.

weights "digits.safetensors"

network digits_hw1 {
    input x: u8[64] scale 0.0625                # pixels 0..16

    fc1: dense(128)  weights bits 1             # 8 input planes x 1 weight plane
                     fold pe=1 simd=8           # 128 x 8 folds
    bn1: batchnorm
         sign

    fc2: dense(64)   weights bits 1
                     fold pe=1 simd=8           # 64 x 16 folds
    bn2: batchnorm
         sign

    fc3: dense(10)   weights bits 1
                     fold pe=1 simd=1           # 10 x 64 folds

    output fc3                                  # logits; the class is their argmax
}
