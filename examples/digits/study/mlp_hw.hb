hbnn 0.1
# mlp_hw.hb: the hardware variant of the study's 1.4-bit MLP (mlp_b1.4.hb) and its
# 1-bit and 2-bit twins (mlp_b1.hb, mlp_b2.hb), the same trained weights, for the
# Verilog backend's end-to-end test and area comparison:
#     hbnnc mlp_hw.hb --network hw14 --target verilog      (hw1, hw2: the twins)
# Every activation is static: `sign` (unit scale), so each hidden layer's BN + sign
# folds into integer thresholds and the network is xnor-popcount from fc2 on.
# The weights file holds all three models under the block labels b1, b14, b2
# (train.py --study --hw writes it from the three shipped .safetensors).
#
# Integer input: the raw pixels 0..16 (u8); the networks were trained on pixels / 16,
# which is exactly the input scale, so the values are the same (no retraining). With it
# every layer but fc3's final combination is integer.

weights "mlp_hw.safetensors"

block mlp(w: quant) {
    fc1: dense(32)  weights w
    bn1: batchnorm
         sign
    fc2: dense(32)  weights w
    bn2: batchnorm
         sign
    fc3: dense(10)  weights w
}

network hw14 {
    input x: u8[64] scale 0.0625
    b14: mlp(bits 1:70% 2:20% 3:10%)
    output b14
}

network hw1 {
    input x: u8[64] scale 0.0625
    b1: mlp(bits 1)
    output b1
}

network hw2 {
    input x: u8[64] scale 0.0625
    b2: mlp(bits 2)
    output b2
}
