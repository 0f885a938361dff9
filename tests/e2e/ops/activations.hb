hbnn 0.1
# sigmoid, tanh, relu6, leaky_relu, gelu and dropout against PyTorch (gen_ops.py)
network activations {
    input x: f32[3, 4, 5]
    a: sigmoid
    b: tanh from x
    c: relu6 from x
    d: leaky_relu(slope=0.2) from x
    e: gelu from x
    f: dropout(p=0.3) from x
    output a, b, c, d, e, f
}
