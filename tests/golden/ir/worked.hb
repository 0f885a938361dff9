hbnn 0.1
# The worked example of docs/algorithm.md §10 as a layer: T = [0.625, -1.5, 0.125, -0.5, 1.625,
# -0.6875, 0.375, -0.5625] with bits 1:60% 2:40% (middle-out). On the 8 one-hot inputs
# --run prints T^ = [0.75, -1.5, 0, -0.75, 1.5, -0.75, 0.75, -0.75], one value per line.
weights "worked.safetensors"

network worked {
    input x: f32[8]
    fc: dense(1, bias=false) weights bits 1:60% 2:40%
    output fc
}
