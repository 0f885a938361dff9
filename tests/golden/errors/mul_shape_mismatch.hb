hbnn 0.1
network n {
    input x: f32[8, 4, 4]
    g: avgpool(2)
    y: mul(x, g)
    d: dropout(p=1.5) from x
}
