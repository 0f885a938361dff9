hbnn 0.1
# A squeeze-excitation gate (torchvision's 1x1-conv form) with mul broadcasting
# [C, 1, 1] over [C, H, W], against PyTorch (gen_ops.py)
weights "squeeze_excitation.safetensors"
network se {
    input x: f32[4, 6, 6]
    c1: conv2d(8, kernel=3) weights float
    h: relu
        avgpool(global)
    se1: conv2d(2, kernel=1) weights float
        relu
    se2: conv2d(8, kernel=1) weights float
        sigmoid
        mul(h, prev)
        dropout(p=0.2)
        flatten
    fc: dense(3) weights float
}
