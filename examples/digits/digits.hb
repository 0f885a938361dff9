hbnn 0.1
# digits.hb: an MLP for the 8x8 digits set (scikit-learn's bundled copy: 1797 images,
# pixels 0..16, scaled to 0..1 by the caller). 64 -> 128 -> 64 -> 10.
# Trained with HBNN quantization in the forward pass by train.py (PyTorch):
#   fc1 = Linear(64,128); bn1 = BatchNorm1d(128); fc2 = Linear(128,64); bn2 = BatchNorm1d(64)
#   fc3 = Linear(64,10); state_dict saved as digits.safetensors.

weights "digits.safetensors"

network digits {
    input x: f32[64]

    fc1: dense(128)  weights int 8              # the first layer stays 8-bit
    bn1: batchnorm
         sign                                   # binary activations into fc2

    fc2: dense(64)   weights bits 1:70% 2:20% 3:10%   # 1.4 bits on average
                     select middle-out
    bn2: batchnorm
         sign

    fc3: dense(10)   weights int 8              # the last layer stays 8-bit

    output fc3                                  # logits; the class is their argmax
}
